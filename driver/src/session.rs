//! An open connection: the SQL engine's connection plus what the driver keeps about
//! how it was opened (masked properties for the output string, the log).

use kintone_sql::properties::{ConnectOptions, Properties};
use kintone_sql::Connection;

use kintone_api::targets::INFO;

use crate::diag::{DResult, DriverError, S08001, SHYT00, SHYT01, SIM008};
use crate::log::Log;
use crate::runtime::Limit;

const TIMEOUT_PROPERTY: &str = "the Timeout connection property";

pub struct Session {
    pub sql: Connection,
    pub opts: ConnectOptions,
    pub props: Properties,
    pub dsn: Option<String>,
    pub driver: Option<String>,
    pub user: String,
    pub server: String,
    pub log: Option<Log>,
    /// The licence state to tell the application at connect (01000), if any.
    pub licence_note: Option<String>,
    /// Rows written since the last SQLEndTran. Kintone has no transactions: each write
    /// is committed as it runs, and a ROLLBACK says so instead of pretending.
    pub written_since_end_tran: std::sync::atomic::AtomicU64,
}

impl Session {
    /// The time limits of one statement call: the statement's query timeout, the
    /// connection's, and the `Timeout` property; the tightest ends the wait.
    pub fn limits(&self, query_timeout: usize, connection_timeout: usize) -> [Limit; 3] {
        [
            Limit::new(
                query_timeout as u64,
                SHYT00,
                "the query timeout (SQL_ATTR_QUERY_TIMEOUT)",
            ),
            Limit::new(
                connection_timeout as u64,
                SHYT01,
                "the connection timeout (SQL_ATTR_CONNECTION_TIMEOUT)",
            ),
            Limit::new(self.opts.timeout_secs, SHYT00, TIMEOUT_PROPERTY),
        ]
    }

    /// The completed connection string (SQLDriverConnect's output), secrets masked.
    pub fn out_string(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = &self.dsn {
            parts.push(format!("DSN={}", kintone_sql::properties::quote_value(d)));
        } else if let Some(d) = &self.driver {
            parts.push(format!("Driver={{{}}}", d.replace('}', "}}")));
        }
        let props = self.props.masked();
        if !props.is_empty() {
            parts.push(props);
        }
        parts.join(";")
    }
}

/// What a connect call was given, before it is resolved.
#[derive(Default)]
pub struct ConnectRequest {
    pub dsn: Option<String>,
    pub driver: Option<String>,
    /// Connection-string (or SQLConnect UID/PWD) pairs, applied over the DSN's.
    pub pairs: Vec<(String, String)>,
}

impl ConnectRequest {
    /// Splits an ODBC connection string.
    pub fn parse(s: &str) -> DResult<ConnectRequest> {
        let pairs = kintone_sql::properties::parse_pairs(s, ';')?;
        let mut req = ConnectRequest::default();
        for (k, v) in pairs {
            if k.eq_ignore_ascii_case("DSN") {
                req.dsn = Some(v).filter(|v| !v.is_empty());
            } else if k.eq_ignore_ascii_case("Driver") {
                req.driver = Some(v);
            } else if k.eq_ignore_ascii_case("FILEDSN") || k.eq_ignore_ascii_case("SAVEFILE") {
                return Err(DriverError::new(
                    S08001,
                    format!("{k} is handled by the driver manager, not by the driver"),
                ));
            } else {
                req.pairs.push((k, v));
            }
        }
        Ok(req)
    }

    /// DSN keys, then the request's own: the resolved properties.
    pub fn resolve(&self) -> DResult<Properties> {
        let mut props = Properties::default();
        if let Some(dsn) = &self.dsn {
            match crate::dsn::read_dsn(dsn) {
                Some(pairs) => props.extend(pairs)?,
                // A DSN-less string names the driver; a DSN that exists nowhere and
                // comes without enough keys to connect is the user's typo.
                None if self.driver.is_none() && !self.pairs.iter().any(|(k, _)| k.eq_ignore_ascii_case("url")) => {
                    return Err(DriverError::new(
                        S08001,
                        format!("data source '{dsn}' is not defined in any odbc.ini (checked $ODBCINI, ~/.odbc.ini, $ODBCSYSINI, /etc/odbc.ini, ~/Library/ODBC and /Library/ODBC)"),
                    ))
                }
                None => {}
            }
        }
        props.extend(self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        Ok(props)
    }
}

/// Opens a session: builds the options, starts the log, connects (reading the apps
/// and their forms once, which also checks the credentials).
pub fn open(req: &ConnectRequest, login_timeout: usize) -> DResult<Session> {
    open_with_policy(req, login_timeout, kintone_license::ENFORCE)
}

/// `open` with the licence policy of either build (release packages enforce the trial's
/// end; source builds do not), so both can be tested from one build.
pub fn open_with_policy(
    req: &ConnectRequest,
    login_timeout: usize,
    enforce: bool,
) -> DResult<Session> {
    let props = req.resolve()?;
    let mut opts = props.build()?;
    let licence = kintone_license::status();
    opts.settings.host = kintone_sql::settings::HostInfo {
        licence: Some(licence.to_string()),
        location: own_library_path(),
    };
    let licence_note = kintone_license::connect_policy(&licence, enforce)
        .map_err(|m| DriverError::new(S08001, format!("licence: {m}")))?;
    let log = match &opts.logfile {
        None => None,
        Some(p) => Some(
            Log::open(&crate::log::Settings {
                path: p,
                verbosity: opts.verbosity,
                modules: opts.log_modules.as_deref(),
                max_file_size: opts.max_log_file_size,
                max_file_count: opts.max_log_file_count,
            })
            .map_err(|e| {
                DriverError::new(
                    S08001,
                    format!("Logfile '{}' cannot be opened: {e}", p.display()),
                )
            })?,
        ),
    };
    // The connect's own events go to the new log; so do the client's, wherever its
    // requests run.
    let _log_scope = crate::log::enter(log.as_ref());
    opts.settings.client.log = log.as_ref().map(|l| l.dispatch().clone());
    tracing::info!(target: INFO, "connecting: {}", props.masked());
    tracing::info!(target: INFO, "licence: {licence}");
    let user = match &opts.settings.client.auth {
        kintone_api::Auth::Password { user, .. } => user.clone(),
        _ => String::new(),
    };
    // OAuth first, bounded by the login timeout alone: a browser sign-in takes as long
    // as the user does, which the per-request Timeout is not meant to bound.
    let sign_in_wait = match login_timeout {
        0 => kintone_sql::oauth::DEFAULT_SIGN_IN_WAIT,
        n => std::time::Duration::from_secs(n as u64),
    };
    // The sign-in gives up at the login timeout with a message that says what to do;
    // the hard limit is a little later so that message is the one the user sees.
    let login_limit = [Limit::new(
        match login_timeout {
            0 => 0,
            n => n as u64 + 10,
        },
        SHYT00,
        "the login timeout (SQL_ATTR_LOGIN_TIMEOUT)",
    )];
    let mut authorized = opts;
    authorized = crate::runtime::run(None, &login_limit, async move {
        kintone_sql::oauth::authorize(&mut authorized, sign_in_wait)
            .await
            .map_err(DriverError::from)
            .map(|()| authorized)
    })
    .inspect_err(
        |e| tracing::error!(target: INFO, "sign-in failed: [{}] {}", e.sqlstate, e.message),
    )?;
    let opts = authorized;
    let server = opts.settings.client.base_url.clone();
    let settings = opts.settings.clone();
    let started = std::time::Instant::now();
    let connect = async move {
        Connection::connect(settings)
            .await
            .map_err(DriverError::from)
    };
    let limits = [
        Limit::new(
            login_timeout as u64,
            SHYT00,
            "the login timeout (SQL_ATTR_LOGIN_TIMEOUT)",
        ),
        Limit::new(opts.timeout_secs, SHYT00, TIMEOUT_PROPERTY),
    ];
    let sql = crate::runtime::run(None, &limits, connect).inspect_err(
        |e| tracing::error!(target: INFO, "connect failed: [{}] {}", e.sqlstate, e.message),
    )?;
    tracing::info!(
        target: INFO,
        "connected to {server} in {} ms: {} apps",
        started.elapsed().as_millis(),
        sql.catalog().apps.len()
    );
    Ok(Session {
        sql,
        opts,
        props,
        dsn: req.dsn.clone(),
        driver: req.driver.clone(),
        user,
        server,
        log,
        licence_note,
        written_since_end_tran: std::sync::atomic::AtomicU64::new(0),
    })
}

/// The file this driver was loaded from (`sys_information.Location`), so a user with
/// several installations can tell which one answered.
fn own_library_path() -> Option<String> {
    let mut info = std::mem::MaybeUninit::<libc::Dl_info>::zeroed();
    let addr = own_library_path as *const libc::c_void;
    // SAFETY: dladdr only reads the address and fills `info`; dli_fname, when set,
    // points at a NUL-terminated string owned by the loader for the library's lifetime.
    unsafe {
        if libc::dladdr(addr, info.as_mut_ptr()) == 0 {
            return None;
        }
        let info = info.assume_init();
        if info.dli_fname.is_null() {
            return None;
        }
        let name = std::ffi::CStr::from_ptr(info.dli_fname).to_string_lossy();
        Some(
            std::fs::canonicalize(name.as_ref())
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| name.into_owned()),
        )
    }
}

/// SQL_DRIVER_PROMPT and friends need a dialog; there is none on this platform.
pub fn no_dialog() -> DriverError {
    DriverError::new(
        SIM008,
        "the driver has no connection dialog: give every property in the connection string or DSN",
    )
}
