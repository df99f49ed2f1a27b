//! Client configuration: one Kintone domain, one auth, optional layers.

use std::path::PathBuf;
use std::time::Duration;

use std::sync::Arc;

use crate::oauth::TokenSource;
use crate::retry::RetryPolicy;
use crate::secret::Secret;

/// The default limit of one call ([`ClientConfig::request_timeout`]).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The driver's user agent: `kintone-odbc/<version>`.
pub fn default_user_agent() -> String {
    format!("kintone-odbc/{}", env!("CARGO_PKG_VERSION"))
}

/// One API token and the apps it was generated for (§3.2). The app ids let the
/// client send only the tokens a request needs (two tokens of one app are an error,
/// GAIA_DA03; at most 9 per request).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub token: Secret,
    pub app_ids: Vec<u64>,
}

impl ApiToken {
    pub fn new(token: impl Into<Secret>, app_ids: Vec<u64>) -> Self {
        ApiToken {
            token: token.into(),
            app_ids,
        }
    }
}

/// How requests authenticate (§3). Exactly one per client.
#[derive(Clone, Debug)]
pub enum Auth {
    /// `X-Cybozu-Authorization: base64(user:password)`.
    Password { user: String, password: Secret },
    /// `X-Cybozu-API-Token`.
    ApiTokens(Vec<ApiToken>),
    /// `Authorization: Bearer`. Cursors are not available under OAuth (§3.8).
    OAuth { access_token: Secret },
    /// `Authorization: Bearer` with a token that is refreshed when it expires. A
    /// connection that has only its OAuth client (no token yet) has none: it can call
    /// the token endpoint but no API.
    OAuthManaged(Option<Arc<dyn TokenSource>>),
}

impl PartialEq for Auth {
    fn eq(&self, other: &Auth) -> bool {
        match (self, other) {
            (
                Auth::Password {
                    user: a,
                    password: p,
                },
                Auth::Password {
                    user: b,
                    password: q,
                },
            ) => a == b && p == q,
            (Auth::ApiTokens(a), Auth::ApiTokens(b)) => a == b,
            (Auth::OAuth { access_token: a }, Auth::OAuth { access_token: b }) => a == b,
            (Auth::OAuthManaged(a), Auth::OAuthManaged(b)) => match (a, b) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            },
            _ => false,
        }
    }
}

impl Eq for Auth {}

impl Auth {
    pub fn password(user: impl Into<String>, password: impl Into<Secret>) -> Self {
        Auth::Password {
            user: user.into(),
            password: password.into(),
        }
    }

    pub fn kind(&self) -> AuthKind {
        match self {
            Auth::Password { .. } => AuthKind::Password,
            Auth::ApiTokens(_) => AuthKind::ApiToken,
            Auth::OAuth { .. } | Auth::OAuthManaged(_) => AuthKind::OAuth,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthKind {
    Password,
    ApiToken,
    OAuth,
}

/// The domain's Basic-authentication layer (§3.3), sent on top of the real auth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasicAuth {
    pub user: String,
    pub password: Secret,
}

/// A client certificate for Secure Access (§3.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientCert {
    /// PKCS#12 (.pfx / .p12) file and its password.
    Pkcs12 { path: PathBuf, password: Secret },
    /// PEM certificate chain and PEM private key (PKCS#8, PKCS#1 or SEC1).
    Pem {
        cert_path: PathBuf,
        key_path: PathBuf,
    },
}

/// Which proxy requests go through (see [`crate::proxy`]).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum ProxyConfig {
    /// `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` from the environment (never used for
    /// loopback base URLs).
    #[default]
    System,
    /// No proxy at all.
    None,
    /// An explicit proxy or firewall, used for every host but its exceptions (loopback
    /// hosts included).
    Url {
        /// `http://host:port` (plain connection to the proxy), `https://host:port` (TLS
        /// to the proxy), `socks4://`, `socks4a://`, `socks5://` or `socks5h://`.
        url: String,
        /// Basic credentials for an HTTP proxy; user name and password for SOCKS5.
        user: Option<String>,
        password: Option<Secret>,
        /// Hosts reached directly: names (each also matching its subdomains; a leading
        /// `*.` or `.` is allowed), IP addresses, CIDR ranges, or `*` for every host.
        exceptions: Vec<String>,
        /// The proxy carries only CONNECT tunnels (`ProxySSLType=TUNNEL`,
        /// `FirewallType=TUNNEL`): an `http://` base URL, whose requests reqwest would
        /// forward rather than tunnel, is refused.
        tunnel_only: bool,
    },
}

impl ProxyConfig {
    /// An explicit HTTP proxy without exceptions.
    pub fn url(url: impl Into<String>) -> ProxyConfig {
        ProxyConfig::Url {
            url: url.into(),
            user: None,
            password: None,
            exceptions: Vec::new(),
            tunnel_only: false,
        }
    }
}

/// Everything a [`crate::Client`] needs.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `https://sub.cybozu.com`, `sub.kintone.com`, `https://sub.s.cybozu.com`,
    /// `http://127.0.0.1:PORT` ... (§1.1).
    pub base_url: String,
    pub guest_space_id: Option<u64>,
    pub auth: Auth,
    pub basic_auth: Option<BasicAuth>,
    pub client_cert: Option<ClientCert>,
    /// An extra PEM file of CA certificates to trust besides webpki roots and the OS store.
    pub extra_ca_file: Option<PathBuf>,
    pub proxy: ProxyConfig,
    pub connect_timeout: Duration,
    /// The limit of one call as a whole: the wait for a budget permit, every attempt
    /// with its complete answer, and the backoff between retries (no retry starts after
    /// it). A streamed file download is bounded by it until its answer begins, then per
    /// read. Zero means no limit. Default 60 s, as CData's `Timeout`.
    pub request_timeout: Duration,
    pub user_agent: String,
    pub retry: RetryPolicy,
    /// Requests in flight for this domain across the whole process (§10: Kintone allows 100).
    /// `None` keeps whatever the domain's budget already is (default 8).
    pub concurrency: Option<usize>,
    /// Whether reads may use the cursor API (ignored under OAuth, §3.8).
    pub use_cursor: bool,
    /// How long a cursor creation waits for a free cursor slot (429 GAIA_TM12) when the
    /// read has no other way to keep its order. A read that may fall back (`$id` order,
    /// or `allow_unsorted_fallback`) falls back at once instead of waiting.
    pub cursor_wait: Duration,
    /// `Accept-Language` for error messages and localized names.
    pub accept_language: Option<String>,
    /// The connection's log (the driver's `Logfile`). Requests run with it as their
    /// subscriber wherever they are polled: a parallel scan's pages are fetched in
    /// tasks on the runtime's workers, where the caller's subscriber is not in force.
    /// `None`: events go to whatever subscriber is current.
    pub log: Option<tracing::Dispatch>,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, auth: Auth) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            guest_space_id: None,
            auth,
            basic_auth: None,
            client_cert: None,
            extra_ca_file: None,
            proxy: ProxyConfig::System,
            connect_timeout: Duration::from_secs(30),
            request_timeout: DEFAULT_TIMEOUT,
            user_agent: default_user_agent(),
            retry: RetryPolicy::default(),
            concurrency: None,
            use_cursor: true,
            cursor_wait: Duration::from_secs(10),
            accept_language: None,
            log: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_config_hides_every_secret() {
        let mut c = ClientConfig::new(
            "https://x.cybozu.com",
            Auth::ApiTokens(vec![ApiToken::new("tok-SECRET-1", vec![1])]),
        );
        c.basic_auth = Some(BasicAuth {
            user: "b".into(),
            password: "basic-SECRET".into(),
        });
        c.client_cert = Some(ClientCert::Pkcs12 {
            path: "/x.pfx".into(),
            password: "pfx-SECRET".into(),
        });
        c.proxy = ProxyConfig::Url {
            url: "socks5h://proxy:1080".into(),
            user: Some("p".into()),
            password: Some("proxy-SECRET".into()),
            exceptions: vec!["intranet.example".into()],
            tunnel_only: false,
        };
        let d = format!("{c:?}");
        assert!(!d.contains("SECRET"), "{d}");
        let p = format!("{:?}", Auth::password("demo", "pw-SECRET"));
        assert!(!p.contains("SECRET") && p.contains("demo"), "{p}");
        let o = format!(
            "{:?}",
            Auth::OAuth {
                access_token: "oauth-SECRET".into()
            }
        );
        assert!(!o.contains("SECRET"), "{o}");
    }

    #[test]
    fn a_call_is_bounded_by_default() {
        let c = ClientConfig::new("https://x.cybozu.com", Auth::password("u", "p"));
        assert_eq!(c.request_timeout, Duration::from_secs(60));
        assert!(c.cursor_wait < Duration::from_secs(25));
    }

    #[test]
    fn user_agent_names_the_driver() {
        assert!(default_user_agent().starts_with("kintone-odbc/"));
    }
}
