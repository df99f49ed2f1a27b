//! Connection properties by CData's names (peers-and-bi-tools.md §1.2) → a connection's
//! [`Settings`] and the driver-side options around it.
//!
//! One table serves the ODBC driver (DSN keys and connection strings) and the
//! `kintone-odbc` command (`dsn test`, `query --dsn`), so a property means the same
//! thing wherever it is written. Keys are case-insensitive; a key given twice keeps
//! its last value (connection-string keys are applied after DSN keys, so they win).

use std::path::PathBuf;
use std::time::Duration;

use kintone_api::{ApiToken, Auth, BasicAuth, ClientCert, ClientConfig, ProxyConfig, Secret};

use crate::error::{SqlError, SqlResult};
use crate::settings::{DataModel, OAuthOptions, Settings};

mod proxy;

/// SQLSTATE for a connection that cannot be set up from its properties.
const CONFIG: &str = "08001";
/// SQLSTATE for missing or unusable credentials.
const AUTH: &str = "28000";

pub use crate::property_list::{Property, PROPERTIES};

/// Keys a driver manager or a DSN may carry that are not ours to interpret.
const IGNORED: &[&str] = &[
    "dsn",
    "driver",
    "description",
    "filedsn",
    "savefile",
    "threadmanager",
    "unloadsafe",
    "driverunicodetype",
    "trace",
    "tracefile",
];

/// The documented spelling of `key`, if it is a property (`UID`/`PWD` are ODBC's
/// standard spellings of `User`/`Password`).
pub fn lookup(key: &str) -> Option<&'static Property> {
    let k = key.trim();
    let k = match k.to_ascii_lowercase().as_str() {
        "uid" => "User",
        "pwd" => "Password",
        "url" | "server" => "Url",
        _ => k,
    };
    PROPERTIES.iter().find(|p| p.name.eq_ignore_ascii_case(k))
}

pub fn is_secret(key: &str) -> bool {
    lookup(key).is_some_and(|p| p.secret)
}

pub fn is_ignored(key: &str) -> bool {
    IGNORED.contains(&key.trim().to_ascii_lowercase().as_str())
}

/// Keys other tools add to every connection string they build (SQLAlchemy's
/// `mssql+pyodbc`, SQL Server habits, BI tools). Like any unknown key they are ignored
/// with 01S00; these are also recognised right after an unbraced secret, where another
/// unknown key may be the rest of the secret and is refused unshown.
const TOOL_KEYS: &[&str] = &[
    "app",
    "wsid",
    "trusted_connection",
    "database",
    "encrypt",
    "trustservercertificate",
    "mars_connection",
    "autotranslate",
    "language",
    "applicationintent",
    "multisubnetfailover",
    "integrated security",
    "charset",
    "port",
];

fn is_tool_key(key: &str) -> bool {
    TOOL_KEYS.contains(&key.trim().to_ascii_lowercase().as_str())
}

/// The documented property `key` is most likely a misspelling of (at most two edits,
/// any case), to suggest in the 01S00 note.
fn likely_meant(key: &str) -> Option<&'static str> {
    let k: Vec<char> = key.trim().to_ascii_lowercase().chars().collect();
    PROPERTIES
        .iter()
        .map(|p| {
            let name: Vec<char> = p.name.to_ascii_lowercase().chars().collect();
            (edit_distance(&k, &name), p.name)
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance; property names are short, so the quadratic table is fine.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// How OAuth tokens are obtained (`InitiateOAuth`): the flows' own type.
pub use kintone_auth::Initiate as InitiateOAuth;

/// Everything a connection is configured with.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    pub settings: Settings,
    /// `MaxRows`: `None` is no limit.
    pub max_rows: Option<u64>,
    pub logfile: Option<PathBuf>,
    /// `Verbosity` 1-5 (1 when a log file is set without a level).
    pub verbosity: u8,
    /// `LogModules`: the only modules logged (`None`: every module).
    pub log_modules: Option<Vec<&'static str>>,
    /// `MaxLogFileSize` in bytes: the log rotates before it would grow past it.
    pub max_log_file_size: u64,
    /// `MaxLogFileCount`: the most files kept, the one written included (`None`: no
    /// limit).
    pub max_log_file_count: Option<u32>,
    /// `Timeout` in seconds: the longest one call of the application waits, retries
    /// included (0 = no limit).
    pub timeout_secs: u64,
    /// `ScrollCacheMB`: the memory one scrollable cursor may keep rows in.
    pub scroll_cache_mb: u64,
}

impl ConnectOptions {
    pub const DEFAULT_SCROLL_CACHE_MB: u64 = 1024;

    pub fn scroll_cache_bytes(&self) -> usize {
        usize::try_from(self.scroll_cache_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
    }
}

/// Resolved key/value pairs: documented spellings, last value wins.
#[derive(Clone, Default)]
pub struct Properties {
    pairs: Vec<(&'static str, String)>,
    /// Whether keyring references among the secrets were already replaced.
    keyring_resolved: bool,
    /// Keys this driver does not know, as given (never their values): ignored, and
    /// named in the connect's 01S00 warning.
    unknown: Vec<String>,
}

impl std::fmt::Debug for Properties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Properties").field(&self.masked()).finish()
    }
}

impl Properties {
    /// Adds pairs in order. Unknown keys are kept aside (see [`Self::ignored_note`]):
    /// per ODBC a driver connects without the keys it does not know, and tools add
    /// their own (SQLAlchemy's `mssql+pyodbc` adds `Trusted_Connection`, `APP`, ...).
    pub fn extend<K: AsRef<str>, V: AsRef<str>>(
        &mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> SqlResult<()> {
        for (k, v) in pairs {
            let (k, v) = (k.as_ref(), v.as_ref());
            if is_ignored(k) {
                continue;
            }
            let Some(prop) = lookup(k) else {
                let key = k.trim().to_string();
                if !self.unknown.iter().any(|u| u.eq_ignore_ascii_case(&key)) {
                    self.unknown.push(key);
                }
                continue;
            };
            if prop.name == "Other" {
                // `Other` carries more properties; they go through the same table.
                let inner = parse_pairs(v, ';')?;
                self.extend(inner)?;
                continue;
            }
            self.pairs.retain(|(name, _)| *name != prop.name);
            self.pairs.push((prop.name, v.to_string()));
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }

    pub fn pairs(&self) -> &[(&'static str, String)] {
        &self.pairs
    }

    /// The keys that were not connection properties of this driver.
    pub fn unknown(&self) -> &[String] {
        &self.unknown
    }

    /// The unknown keys for a message, each with the property a misspelt one probably
    /// meant.
    fn unknown_list(&self) -> String {
        self.unknown
            .iter()
            .map(|k| match likely_meant(k).filter(|_| !is_tool_key(k)) {
                Some(m) => format!("'{k}' (did you mean '{m}'?)"),
                None => format!("'{k}'"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What the connect tells the application (01S00) about the keys it ignored.
    pub fn ignored_note(&self) -> Option<String> {
        (!self.unknown.is_empty()).then(|| {
            format!(
                "ignored connection propert{} this driver does not know: {}",
                if self.unknown.len() == 1 { "y" } else { "ies" },
                self.unknown_list()
            )
        })
    }

    /// For a DSN being written: unknown keys are an error naming each, so that a typo
    /// is not stored.
    pub fn require_known(&self) -> SqlResult<()> {
        if self.unknown.is_empty() {
            return Ok(());
        }
        Err(SqlError::new(
            CONFIG,
            format!(
                "unknown connection property {} (the documented properties are: {})",
                self.unknown_list(),
                PROPERTIES
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }

    /// `key=value;...` with secrets replaced by `****`, for output connection strings
    /// and logs.
    pub fn masked(&self) -> String {
        self.masked_pairs()
            .into_iter()
            .map(|(k, v)| {
                if is_secret(k) {
                    format!("{k}={v}")
                } else {
                    format!("{k}={}", quote_value(&v))
                }
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The pairs with secrets as `****` and credentials in URLs masked.
    pub fn masked_pairs(&self) -> Vec<(&'static str, String)> {
        self.pairs
            .iter()
            .map(|(k, v)| {
                let v = if is_secret(k) {
                    "****".to_string()
                } else {
                    mask_userinfo(v).into_owned()
                };
                (*k, v)
            })
            .collect()
    }

    /// Builds the connection's options, checking every value.
    pub fn build(&self) -> SqlResult<ConnectOptions> {
        // Secrets kept in the OS keyring (`Password=keyring:<account>`) are read first.
        if let Some(resolved) = self.with_keyring_secrets()? {
            return resolved.build();
        }
        let url = self.get("Url").ok_or_else(|| {
            SqlError::new(
                CONFIG,
                "missing connection property 'Url' (the Kintone base URL, e.g. https://example.cybozu.com)",
            )
        })?;
        if mask_userinfo(url) != url {
            return Err(SqlError::new(
                CONFIG,
                format!(
                    "connection property Url={} carries a user name or password: give them as User and Password instead",
                    mask_userinfo(url)
                ),
            ));
        }
        let auth = self.auth()?;
        let mut client = ClientConfig::new(url.trim(), auth);
        if let Some(v) = self.get("GuestSpaceId") {
            client.guest_space_id = Some(self.positive("GuestSpaceId", v)?);
        }
        if let Some(user) = self.get("BasicAuthUser") {
            client.basic_auth = Some(BasicAuth {
                user: user.to_string(),
                password: Secret::new(self.get("BasicAuthPassword").unwrap_or_default()),
            });
        } else if self.get("BasicAuthPassword").is_some() {
            return Err(missing("BasicAuthUser", "BasicAuthPassword is set"));
        }
        client.client_cert = self.client_cert()?;
        if let Some(v) = self.get("SSLServerCert") {
            if v.trim() == "*" {
                return Err(SqlError::new(
                    CONFIG,
                    "SSLServerCert '*' (accept any server certificate) is not supported: give a PEM file of the CA to trust",
                ));
            }
            client.extra_ca_file = Some(PathBuf::from(v.trim()));
        }
        if let Some(v) = self.get("UseCursor") {
            client.use_cursor = boolean("UseCursor", v)?;
        }
        // kintone-api bounds each call as a whole (retries, backoff and the full answer
        // included) by this; CData's default is 60 s as well.
        client.request_timeout = kintone_api::config::DEFAULT_TIMEOUT;
        if let Some(v) = self.get("Timeout") {
            let secs: u64 = v
                .trim()
                .parse()
                .map_err(|_| wrong("Timeout", v, "a number of seconds (0 = no limit)"))?;
            let d = Duration::from_secs(secs);
            // Zero is "no limit", which kintone-api takes as it is.
            client.request_timeout = d;
            if !d.is_zero() {
                client.connect_timeout = d.min(client.connect_timeout);
            }
        }
        client.proxy = self.proxy()?;
        if let ProxyConfig::Url {
            tunnel_only: true, ..
        } = &client.proxy
        {
            if url.trim().to_ascii_lowercase().starts_with("http://") {
                let which = if self.get("FirewallType").is_some() {
                    "FirewallType=TUNNEL"
                } else {
                    "ProxySSLType=TUNNEL"
                };
                return Err(SqlError::new(
                    CONFIG,
                    format!(
                        "connection property {which} is not possible with Url={}: tunnels \
                         (CONNECT) are opened for https:// URLs only, and an http:// URL's \
                         requests would be forwarded by the proxy instead; use an https URL, or \
                         ProxyServer with ProxySSLType=AUTO",
                        url.trim()
                    ),
                ));
            }
        }

        let mut settings = Settings::new(client);
        settings.given = self.masked_pairs();
        for name in [
            "UseCodeForFieldName",
            "SubtableSeparatorCharacter",
            "CheckForSubtablesIn",
            "NumberMapToDouble",
            "MultiValueSeparator",
            "Pushdown",
            "Pagesize",
            "ReadOnly",
            "Tables",
            "Views",
            "BrowsableSchemas",
            "UseSimpleNames",
            "AllowSpecialCharacters",
            "UseUnitForNumericField",
            "UserDefinedViews",
            "Schema",
        ] {
            if let Some((_, v)) = self.pairs.iter().find(|(k, _)| *k == name) {
                settings
                    .set(name, v)
                    .map_err(|e| SqlError::new(CONFIG, e.message))?;
            }
        }
        if settings.model == DataModel::CybozuUser {
            let scheme = match &settings.client.auth {
                Auth::Password { .. } => None,
                Auth::ApiTokens(_) => Some("APIToken"),
                Auth::OAuth { .. } | Auth::OAuthManaged(_) => Some("OAuth"),
            };
            if let Some(scheme) = scheme {
                return Err(SqlError::new(
                    CONFIG,
                    format!(
                        "connection property Schema=CybozuUser reads the cybozu.com User API, \
                         which takes password authentication only: use AuthScheme=Password with \
                         User and Password instead of AuthScheme={scheme}"
                    ),
                ));
            }
        }

        let max_rows = match self.get("MaxRows") {
            None => None,
            Some(v) => {
                let n: i64 = v
                    .trim()
                    .parse()
                    .map_err(|_| wrong("MaxRows", v, "a number of rows (-1 = no limit)"))?;
                u64::try_from(n).ok().filter(|n| *n > 0)
            }
        };
        // `Location`: where relative paths of files the connection reads or writes live.
        let location = self.get("Location").map(|v| PathBuf::from(v.trim()));
        let within = |p: PathBuf| match &location {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p,
        };
        let logfile = self.get("Logfile").map(|v| within(PathBuf::from(v.trim())));
        settings.user_defined_views = settings.user_defined_views.take().map(within);
        let verbosity = match self.get("Verbosity") {
            None => 1,
            Some(v) => v
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=5).contains(n))
                .ok_or_else(|| wrong("Verbosity", v, "a number from 1 to 5"))?,
        };
        let log_modules = match self.get("LogModules") {
            None => None,
            Some(v) => Some(crate::log_options::parse_modules(v).map_err(|why| {
                wrong(
                    "LogModules",
                    v,
                    &format!(
                        "module names separated by ';' ({}): {why}",
                        crate::log_options::LOG_MODULES.join(", ")
                    ),
                )
            })?)
            .filter(|m: &Vec<&str>| !m.is_empty()),
        };
        let max_log_file_size = match self.get("MaxLogFileSize") {
            None => crate::log_options::DEFAULT_MAX_LOG_FILE_SIZE,
            Some(v) => crate::log_options::parse_size(v).ok_or_else(|| {
                wrong(
                    "MaxLogFileSize",
                    v,
                    "a size in bytes, or a number with KB, MB or GB such as 10MB",
                )
            })?,
        };
        let max_log_file_count = match self.get("MaxLogFileCount") {
            None => None,
            Some(v) => crate::log_options::parse_count(v).ok_or_else(|| {
                wrong(
                    "MaxLogFileCount",
                    v,
                    "a number of files (0 or negative = no limit)",
                )
            })?,
        };
        let initiate = self.initiate_oauth()?;
        let secret = |k: &str| self.get(k).map(Secret::new);
        settings.oauth = OAuthOptions {
            initiate,
            client_id: self.get("OAuthClientId").map(str::to_string),
            client_secret: secret("OAuthClientSecret"),
            callback_url: self.get("CallbackURL").map(str::to_string),
            refresh_token: secret("OAuthRefreshToken"),
            settings_location: self.get("OAuthSettingsLocation").map(PathBuf::from),
            verifier: secret("OAuthVerifier"),
            scope: self.get("Scope").map(str::to_string),
            access_token: self.get("OAuthAccessToken").map(|t| Secret::new(t.trim())),
            expires_in: self.number("OAuthExpiresIn", "a number of seconds")?,
            token_timestamp: self
                .number("OAuthTokenTimestamp", "milliseconds since 1970-01-01 UTC")?,
        };
        let timeout_secs = settings.client.request_timeout.as_secs();
        let scroll_cache_mb = match self.get("ScrollCacheMB") {
            None => ConnectOptions::DEFAULT_SCROLL_CACHE_MB,
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| wrong("ScrollCacheMB", v, "a number of megabytes, at least 1"))?,
        };
        Ok(ConnectOptions {
            settings,
            max_rows,
            logfile,
            verbosity,
            log_modules,
            max_log_file_size,
            max_log_file_count,
            timeout_secs,
            scroll_cache_mb,
        })
    }

    fn initiate_oauth(&self) -> SqlResult<InitiateOAuth> {
        match self
            .get("InitiateOAuth")
            .map(|v| v.trim().to_ascii_uppercase())
        {
            None => Ok(InitiateOAuth::Off),
            Some(v) if v == "OFF" => Ok(InitiateOAuth::Off),
            Some(v) if v == "GETANDREFRESH" => Ok(InitiateOAuth::GetAndRefresh),
            Some(v) if v == "REFRESH" => Ok(InitiateOAuth::Refresh),
            Some(v) => Err(wrong("InitiateOAuth", &v, "OFF, GETANDREFRESH or REFRESH")),
        }
    }

    fn number(&self, key: &str, what: &str) -> SqlResult<Option<u64>> {
        self.get(key)
            .map(|v| v.trim().parse::<u64>().map_err(|_| wrong(key, v, what)))
            .transpose()
    }

    /// These properties with every secret that is a keyring reference replaced by the
    /// secret it names (`None`: there is none, or they were replaced already). A
    /// reference that cannot be resolved is an error naming the property and the
    /// reference, never a fallback to the reference text as the secret.
    pub fn with_keyring_secrets(&self) -> SqlResult<Option<Properties>> {
        use kintone_auth::keyring;
        if self.keyring_resolved
            || !self
                .pairs
                .iter()
                .any(|(k, v)| is_secret(k) && keyring::is_reference(v))
        {
            return Ok(None);
        }
        let mut pairs = Vec::with_capacity(self.pairs.len());
        for (k, v) in &self.pairs {
            if is_secret(k) && keyring::is_reference(v) {
                let secret = keyring::resolve(v)
                    .map_err(|e| SqlError::new(CONFIG, format!("connection property {k}: {e}")))?;
                pairs.push((*k, secret.expose().to_string()));
            } else {
                pairs.push((*k, v.clone()));
            }
        }
        Ok(Some(Properties {
            pairs,
            keyring_resolved: true,
            unknown: self.unknown.clone(),
        }))
    }

    fn auth(&self) -> SqlResult<Auth> {
        let scheme = match self.get("AuthScheme") {
            Some(s) => s.trim().to_ascii_lowercase(),
            // Tokens without a user mean token authentication even when the scheme
            // was left out (CData's default is Password).
            None if self.get("APIToken").is_some() && self.get("User").is_none() => {
                "apitoken".to_string()
            }
            None if self.get("OAuthAccessToken").is_some() && self.get("User").is_none() => {
                "oauth".to_string()
            }
            None => "password".to_string(),
        };
        match scheme.as_str() {
            "password" | "basic" => {
                let user = self
                    .get("User")
                    .ok_or_else(|| missing_auth("User", "AuthScheme is Password"))?;
                let password = self
                    .get("Password")
                    .ok_or_else(|| missing_auth("Password", "AuthScheme is Password"))?;
                Ok(Auth::password(user.to_string(), password.to_string()))
            }
            "apitoken" | "api_token" | "token" => {
                let tokens = self
                    .get("APIToken")
                    .ok_or_else(|| missing_auth("APIToken", "AuthScheme is APIToken"))?;
                let tokens: Vec<&str> = split_list(tokens);
                let apps: Vec<u64> = match self.get("AppId") {
                    None => return Err(missing_auth("AppId", "AuthScheme is APIToken")),
                    Some(v) => split_list(v)
                        .into_iter()
                        .map(|a| self.positive("AppId", a))
                        .collect::<SqlResult<_>>()?,
                };
                if tokens.len() != apps.len() {
                    return Err(SqlError::new(
                        AUTH,
                        format!(
                            "APIToken has {} token(s) but AppId has {} app id(s): give one token per app, in the same order",
                            tokens.len(),
                            apps.len()
                        ),
                    ));
                }
                Ok(Auth::ApiTokens(
                    tokens
                        .into_iter()
                        .zip(apps)
                        .map(|(t, a)| ApiToken::new(t.to_string(), vec![a]))
                        .collect(),
                ))
            }
            // A fixed token is used as given; anything else is settled at connect by
            // `crate::oauth::authorize` (flows that may refresh, sign in, or open a
            // connection with only its OAuth client for the OAuth procedures).
            "oauth" => match (self.get("OAuthAccessToken"), self.initiate_oauth()?) {
                (Some(t), InitiateOAuth::Off) => Ok(Auth::OAuth {
                    access_token: Secret::new(t.trim()),
                }),
                _ => Ok(Auth::OAuthManaged(None)),
            },
            _ => Err(wrong(
                "AuthScheme",
                self.get("AuthScheme").unwrap_or_default(),
                "Password, APIToken or OAuth",
            )),
        }
    }

    fn client_cert(&self) -> SqlResult<Option<ClientCert>> {
        let Some(path) = self.get("SSLClientCert") else {
            if self.get("SSLClientCertPassword").is_some() {
                return Err(missing("SSLClientCert", "SSLClientCertPassword is set"));
            }
            return Ok(None);
        };
        let path = PathBuf::from(path.trim());
        let kind = self
            .get("SSLClientCertType")
            .map(|t| t.trim().to_ascii_uppercase())
            .unwrap_or_else(|| {
                // Without a type, the file name says which it is.
                let ext = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if ext == "pem" || ext == "crt" {
                    "PEMKEY_FILE".to_string()
                } else {
                    "PFXFILE".to_string()
                }
            });
        match kind.as_str() {
            "PFXFILE" | "PKCS12FILE" => Ok(Some(ClientCert::Pkcs12 {
                path,
                password: Secret::new(self.get("SSLClientCertPassword").unwrap_or_default()),
            })),
            // One PEM file holding both the certificate chain and the private key.
            "PEMKEY_FILE" | "PEMFILE" => Ok(Some(ClientCert::Pem {
                cert_path: path.clone(),
                key_path: path,
            })),
            other => Err(wrong(
                "SSLClientCertType",
                other,
                "PFXFILE (PKCS#12 file) or PEMKEY_FILE (PEM file with certificate and key)",
            )),
        }
    }

    fn positive(&self, key: &str, v: &str) -> SqlResult<u64> {
        v.trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| wrong(key, v, "a positive number"))
    }
}

/// Parses `key=value<sep>key=value`, with `{...}` quoting values that contain the
/// separator (ODBC connection-string rules: `}}` inside braces is a literal `}`).
pub fn parse_pairs(s: &str, sep: char) -> SqlResult<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut chars = s.chars().peekable();
    // Whether the value just read was in braces (so a ';' in it was intended).
    let mut braced_last = false;
    loop {
        while chars.peek().is_some_and(|c| *c == sep || c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        let mut has_value = false;
        for c in chars.by_ref() {
            if c == '=' {
                has_value = true;
                break;
            }
            if c == sep {
                break;
            }
            key.push(c);
        }
        let key = key.trim().to_string();
        // A part without '=' is often the rest of a value with an unbraced ';' in it,
        // a password most of all: name where it is, never what it says.
        if !has_value {
            return Err(SqlError::new(CONFIG, no_value_message(out.last(), &key)));
        }
        if let Some((prev, _)) = out.last().filter(|(k, _)| is_secret(k) && !braced_last) {
            if lookup(&key).is_none() && !is_ignored(&key) && !is_tool_key(&key) {
                return Err(SqlError::new(CONFIG, format!(
                    "malformed connection string: the part after the value of '{prev}' is not a connection property (not shown: it may be the rest of that value; a value containing ';' must be enclosed in braces, e.g. {prev}={{a;b}})"
                )));
            }
        }
        if key.is_empty() {
            return Err(SqlError::new(
                CONFIG,
                "malformed connection string: a '=' without a key",
            ));
        }
        while chars.peek().is_some_and(|c| *c == ' ') {
            chars.next();
        }
        let mut value = String::new();
        braced_last = chars.peek() == Some(&'{');
        if braced_last {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                if c == '}' {
                    if chars.peek() == Some(&'}') {
                        chars.next();
                        value.push('}');
                        continue;
                    }
                    closed = true;
                    break;
                }
                value.push(c);
            }
            if !closed {
                return Err(SqlError::new(
                    CONFIG,
                    format!("malformed connection string: the value of '{key}' opens '{{' but never closes it"),
                ));
            }
            while chars.peek().is_some_and(|c| *c != sep) {
                if let Some(c) = chars.next() {
                    if !c.is_whitespace() {
                        return Err(SqlError::new(
                            CONFIG,
                            format!("malformed connection string: text after the '}}' closing the value of '{key}'"),
                        ));
                    }
                }
            }
        } else {
            while let Some(c) = chars.peek().copied() {
                if c == sep {
                    break;
                }
                value.push(c);
                chars.next();
            }
            value = value.trim().to_string();
        }
        out.push((key, value));
    }
    Ok(out)
}

/// A URL's `user:password@` part, masked wherever a value is shown (log, output
/// connection string, errors).
pub fn mask_userinfo(v: &str) -> std::borrow::Cow<'_, str> {
    let Some(start) = v.find("://").map(|i| i + 3) else {
        return v.into();
    };
    let rest = v.get(start..).unwrap_or_default();
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest.get(..authority_end).and_then(|a| a.rfind('@')) {
        Some(at) => format!(
            "{}****{}",
            v.get(..start).unwrap_or_default(),
            rest.get(at..).unwrap_or_default()
        )
        .into(),
        None => v.into(),
    }
}

fn no_value_message(prev: Option<&(String, String)>, part: &str) -> String {
    match prev {
        Some((k, _)) if is_secret(k) => format!(
            "malformed connection string: the part after the value of '{k}' has no '=value' (not shown: it may be the rest of that value; a value containing ';' must be enclosed in braces, e.g. {k}={{a;b}})"
        ),
        _ => format!("malformed connection string: '{part}' has no '=value'"),
    }
}

/// Braces a value when it would not survive `parse_pairs` unquoted.
pub fn quote_value(v: &str) -> String {
    if v.contains([';', '{', '}', '=']) || v.trim() != v {
        format!("{{{}}}", v.replace('}', "}}"))
    } else {
        v.to_string()
    }
}

fn boolean(key: &str, v: &str) -> SqlResult<bool> {
    crate::settings::parse_bool(v).ok_or_else(|| wrong(key, v, "true or false"))
}

fn split_list(v: &str) -> Vec<&str> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn missing(key: &str, because: &str) -> SqlError {
    let expects = lookup(key).map(|p| p.expects).unwrap_or_default();
    SqlError::new(
        CONFIG,
        format!("missing connection property '{key}' ({expects}), needed because {because}"),
    )
}

fn missing_auth(key: &str, because: &str) -> SqlError {
    SqlError {
        sqlstate: AUTH,
        ..missing(key, because)
    }
}

/// A wrong value; a secret's value is never echoed.
fn wrong(key: &str, value: &str, expects: &str) -> SqlError {
    let shown = if is_secret(key) {
        "****".to_string()
    } else {
        format!("'{}'", mask_userinfo(value))
    };
    SqlError::new(
        CONFIG,
        format!("connection property {key}={shown} is not valid: expected {expects}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_fragment_of_a_secret_reaches_an_error_or_the_masked_string() {
        for cs in [
            "Url=http://h;User=u;PWD=abc;tailZZ9",
            "Url=http://h;User=u;PWD=abc;tailZZ9;Timeout=5",
            "Url=http://h;User=u;Password=abc;tail=ZZ9",
        ] {
            let e = parse_pairs(cs, ';')
                .and_then(|p| {
                    let mut props = Properties::default();
                    props.extend(p)?;
                    props.build().map(|_| ())
                })
                .unwrap_err();
            assert!(!e.message.contains("ZZ9"), "{cs}: {}", e.message);
            assert!(!e.message.contains("abc"), "{cs}: {}", e.message);
        }
        let e = parse_pairs("Url=http://h;User", ';').unwrap_err();
        assert!(
            e.message.contains("'User' has no '=value'"),
            "{}",
            e.message
        );
        let e = parse_pairs("Url=http://h;PWD=abc;tailZZ9", ';').unwrap_err();
        assert!(
            e.message.contains("after the value of 'PWD'") && e.message.contains("braces"),
            "{}",
            e.message
        );
        let mut props = Properties::default();
        props
            .extend([
                ("Url", "https://bob:hunter2ZZ9@example.cybozu.com/k"),
                ("User", "u"),
                ("Password", "p"),
            ])
            .unwrap();
        assert_eq!(
            props.masked(),
            "Url=https://****@example.cybozu.com/k;User=u;Password=****"
        );
        let e = props.build().unwrap_err();
        assert!(
            !e.message.contains("hunter2") && e.message.contains("User and Password"),
            "{}",
            e.message
        );
        assert_eq!(
            mask_userinfo("https://h.example/a@b"),
            "https://h.example/a@b"
        );
    }

    fn build(s: &str) -> SqlResult<ConnectOptions> {
        let mut p = Properties::default();
        p.extend(parse_pairs(s, ';')?)?;
        p.build()
    }

    #[test]
    fn password_connection_with_overrides_and_aliases() {
        let o = build("DSN=x;Driver={kintone};url=http://127.0.0.1:1;UID=demo;PWD={a;b}};c};GuestSpaceId=2;Timeout=5;MaxRows=10;Verbosity=3;UseCodeForFieldName=true").unwrap();
        let c = &o.settings.client;
        assert_eq!(c.base_url, "http://127.0.0.1:1");
        assert_eq!(c.auth, Auth::password("demo", "a;b};c"));
        assert_eq!(c.guest_space_id, Some(2));
        assert_eq!(c.request_timeout, Duration::from_secs(5));
        assert_eq!(c.connect_timeout, Duration::from_secs(5));
        assert_eq!(o.max_rows, Some(10));
        assert_eq!(o.verbosity, 3);
        assert!(o.settings.use_code_for_field_name);
    }

    #[test]
    fn timeout_defaults_to_60_seconds_and_0_is_no_limit() {
        let o = build("Url=http://h;User=u;Password=p").unwrap();
        assert_eq!(o.settings.client.request_timeout, Duration::from_secs(60));
        let o = build("Url=http://h;User=u;Password=p;Timeout=0").unwrap();
        assert_eq!(o.settings.client.request_timeout, Duration::ZERO);
        assert!(!o.settings.client.connect_timeout.is_zero());
        assert!(build("Url=http://h;User=u;Password=p;Timeout=soon").is_err());
    }

    #[test]
    fn api_tokens_pair_with_app_ids_in_order() {
        let o = build("Url=http://h;AuthScheme=APIToken;APIToken=t1, t2;AppId=1,2").unwrap();
        assert_eq!(
            o.settings.client.auth,
            Auth::ApiTokens(vec![
                ApiToken::new("t1".to_string(), vec![1]),
                ApiToken::new("t2".to_string(), vec![2])
            ])
        );
        let e = build("Url=http://h;APIToken=t1,t2;AppId=1").unwrap_err();
        assert_eq!(e.sqlstate, "28000");
        assert!(
            e.message.contains("2 token(s) but AppId has 1"),
            "{}",
            e.message
        );
    }

    #[test]
    fn errors_name_the_key_and_what_is_expected_without_secrets() {
        // Unknown keys are set aside, never their values; a near miss is named.
        let mut p = Properties::default();
        p.extend(
            parse_pairs(
                "Url=http://h;Colour=red;User=u;Password=p;APP=x;pagesiz=9",
                ';',
            )
            .unwrap(),
        )
        .unwrap();
        assert!(p.build().is_ok());
        assert_eq!(p.unknown(), ["Colour", "APP", "pagesiz"]);
        let note = p.ignored_note().unwrap();
        assert_eq!(
            note,
            "ignored connection properties this driver does not know: 'Colour', 'APP', 'pagesiz' (did you mean 'Pagesize'?)"
        );
        assert!(!note.contains("crimson"));
        let e = p.require_known().unwrap_err();
        assert_eq!(e.sqlstate, "08001");
        assert!(
            e.message
                .starts_with("unknown connection property 'Colour', 'APP'"),
            "{e}"
        );
        // Right after an unbraced secret, an unknown key may be the rest of the secret.
        let e = build("Url=http://h;User=u;Password=p;Colour=red").unwrap_err();
        assert_eq!(e.sqlstate, "08001");
        assert!(!e.message.contains("Colour") && e.message.contains("'Password'"));
        let e = build("User=u;Password=p").unwrap_err();
        assert!(e.message.contains("missing connection property 'Url'"));
        let e = build("Url=http://h;User=u").unwrap_err();
        assert_eq!(e.sqlstate, "28000");
        assert!(e.message.contains("'Password'"));
        let e = build("Url=http://h;User=u;Password=p;Verbosity=9").unwrap_err();
        assert!(e.message.contains("Verbosity='9'") && e.message.contains("1 to 5"));
        let e = build("Url=http://h;User=u;Password=p;LogModules={HTTP;Nope}").unwrap_err();
        assert!(
            e.message.contains("LogModules='HTTP;Nope'") && e.message.contains("'Nope'"),
            "{e}"
        );
        let e = build("Url=http://h;User=u;Password=p;MaxLogFileSize=big").unwrap_err();
        assert!(e.message.contains("MaxLogFileSize='big'"), "{e}");
        let e = build("Url=http://h;User=u;Password=p;MaxLogFileCount=many").unwrap_err();
        assert!(e.message.contains("MaxLogFileCount='many'"), "{e}");
        let o = build(
            "Url=http://h;User=u;Password=p;LogModules={http;exec};MaxLogFileSize=10MB;MaxLogFileCount=3",
        )
        .unwrap();
        assert_eq!(o.log_modules, Some(vec!["HTTP", "EXEC"]));
        assert_eq!(o.max_log_file_size, 10 << 20);
        assert_eq!(o.max_log_file_count, Some(3));
        let o = build("Url=http://h;User=u;Password=p").unwrap();
        assert_eq!(
            (o.log_modules, o.max_log_file_size, o.max_log_file_count),
            (None, 100 << 20, None)
        );
        let e = build("Url=http://h;User=u;Password=p;AuthScheme=Kerberos").unwrap_err();
        assert!(e.message.contains("Password, APIToken or OAuth"));
        let e = parse_pairs("Url=http://h;Password={never closed", ';').unwrap_err();
        assert!(e.message.contains("'Password' opens '{'"));
        assert!(!e.message.contains("never closed"));
    }

    #[test]
    fn a_keyring_reference_that_cannot_be_resolved_names_property_and_reference() {
        // Whatever keyring this machine has (none, locked, or one without this item),
        // the reference is never used as the password and the error says which it was.
        let e = build("Url=http://h;User=u;Password=keyring:no-such-kintone-odbc-test/Password")
            .unwrap_err();
        assert_eq!(e.sqlstate, "08001");
        assert!(
            e.message.starts_with("connection property Password: "),
            "{}",
            e.message
        );
        assert!(
            e.message
                .contains("'keyring:no-such-kintone-odbc-test/Password'"),
            "{}",
            e.message
        );
        // Another secret given in clear text stays out of the message and Debug output.
        let mut p = Properties::default();
        p.extend(
            parse_pairs(
                "Url=http://h;User=u;Password=keyring:no-such-kintone-odbc-test/Password;BasicAuthUser=b;BasicAuthPassword=hunter2",
                ';',
            )
            .unwrap(),
        )
        .unwrap();
        let e = p.build().unwrap_err();
        assert!(!e.message.contains("hunter2"), "{}", e.message);
        assert!(!format!("{p:?}").contains("hunter2"));
        assert!(format!("{p:?}").contains("BasicAuthPassword=****"));
    }

    #[test]
    fn other_carries_more_properties() {
        let o =
            build("Url=http://h;User=u;Password=p;Other={Pushdown=false;Pagesize=100}").unwrap();
        assert!(!o.settings.pushdown);
        assert_eq!(o.settings.page_size, 100);
        // Unknown keys inside `Other` are set aside like any other.
        let mut p = Properties::default();
        p.extend(parse_pairs("Url=http://h;User=u;Password=p;Other={Nope=1}", ';').unwrap())
            .unwrap();
        assert_eq!(p.unknown(), ["Nope"]);
    }

    #[test]
    fn masked_output_hides_every_secret() {
        let mut p = Properties::default();
        p.extend(
            parse_pairs(
                "Url=http://h;User=u;Password=hunter2;BasicAuthUser=bu;BasicAuthPassword=b2;ProxyPassword=p3;OAuthClientSecret=s4",
                ';',
            )
            .unwrap(),
        )
        .unwrap();
        let m = p.masked();
        for s in ["hunter2", "b2", "p3", "s4"] {
            assert!(!m.contains(s), "{m}");
        }
        assert!(m.contains("Password=****") && m.contains("User=u"));
        assert!(!format!("{:?}", p.build().unwrap()).contains("hunter2"));
    }

    #[test]
    fn oauth_and_certificates() {
        let o =
            build("Url=https://h;AuthScheme=OAuth;OAuthAccessToken=abc;InitiateOAuth=OFF").unwrap();
        assert_eq!(
            o.settings.client.auth,
            Auth::OAuth {
                access_token: Secret::new("abc")
            }
        );
        let o =
            build("Url=https://h;User=u;Password=p;SSLClientCert=/c.pfx;SSLClientCertPassword=x")
                .unwrap();
        assert!(matches!(
            o.settings.client.client_cert,
            Some(ClientCert::Pkcs12 { .. })
        ));
        let o = build("Url=https://h;User=u;Password=p;SSLClientCert=/c.pem").unwrap();
        assert!(matches!(
            o.settings.client.client_cert,
            Some(ClientCert::Pem { .. })
        ));
        // Without a token the connection waits for `crate::oauth::authorize`, which
        // opens it for the OAuth procedures when a client is given and else refuses.
        let o = build("Url=https://h;AuthScheme=OAuth").unwrap();
        assert!(crate::oauth::tokenless(&o.settings.client.auth));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let wait = std::time::Duration::from_secs(1);
        let mut bare = o;
        let err = rt
            .block_on(crate::oauth::authorize(&mut bare, wait))
            .unwrap_err();
        assert_eq!(err.sqlstate, "08001");
        assert!(err.message.contains("OAuthAccessToken is missing"), "{err}");
        let mut client_only = build(
            "Url=https://h;AuthScheme=OAuth;InitiateOAuth=OFF;OAuthClientId=c;OAuthClientSecret=s",
        )
        .unwrap();
        rt.block_on(crate::oauth::authorize(&mut client_only, wait))
            .unwrap();
        assert!(crate::oauth::tokenless(&client_only.settings.client.auth));
        assert_eq!(client_only.settings.oauth.client_id.as_deref(), Some("c"));
    }
}
