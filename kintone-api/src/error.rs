//! One error type for the whole client. Display texts say what happened and what to do,
//! and always carry the Kintone code when there is one (§9). They never carry secrets:
//! the only inputs are the request context (method, API, app, auth kind, user name) and
//! what the server answered.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::config::AuthKind;

/// What a request was, for error messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// HTTP method as seen by Kintone (`GET` also for POST + method override).
    pub method: String,
    /// API name, e.g. `records`, `records/cursor`, `app/form/fields`.
    pub api: String,
    pub app: Option<u64>,
    pub auth: Option<AuthKind>,
    /// Login name for password auth (not a secret; helps "which user failed").
    pub user: Option<String>,
}

impl RequestContext {
    fn app_text(&self) -> String {
        match self.app {
            Some(a) => format!("app {a}"),
            None => "this request".to_string(),
        }
    }

    /// The permission a token or user needs for this request (§3.2 checkboxes).
    fn needed_permission(&self) -> &'static str {
        let api = self.api.as_str();
        let record_api = api.starts_with("record") || api == "bulkRequest" || api == "file";
        if !record_api {
            return if self.method == "GET" {
                "app settings view"
            } else {
                "app management"
            };
        }
        match self.method.as_str() {
            "GET" => "view",
            "POST" if api == "records/cursor" => "view",
            "POST" => "add",
            "PUT" => "edit",
            "DELETE" if api == "records/cursor" => "view",
            "DELETE" => "delete",
            _ => "the needed",
        }
    }
}

/// Which time limit an [`Error::Timeout`] reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutLimit {
    /// The connection's Timeout: one call, its retries and backoff, and the whole answer.
    Call,
    /// A file transfer made no progress for this long.
    Idle,
}

#[derive(Debug)]
pub enum Error {
    /// Kintone answered with a non-2xx status.
    Api {
        status: u16,
        /// Kintone error code (`GAIA_RE01` ...); `None` for non-JSON bodies such as a 503 page.
        code: Option<String>,
        /// Kintone's request id, for support tickets.
        id: Option<String>,
        message: String,
        /// Validation details: key (`record.title.value`) → messages.
        errors: BTreeMap<String, Vec<String>>,
        /// For bulkRequest failures: the index of the failed sub-request (§4.8).
        bulk_index: Option<usize>,
        context: RequestContext,
    },
    /// The request did not get an answer (DNS, connect, TLS, reset) and was safe to report.
    Transport {
        context: RequestContext,
        message: String,
    },
    /// A time limit ran out; `limit` says which one.
    Timeout {
        context: RequestContext,
        after: Duration,
        limit: TimeoutLimit,
    },
    /// The server answered with a redirect. Redirects are never followed: the request
    /// carries credentials, and following would hand them to whatever the answer names.
    Redirect {
        context: RequestContext,
        status: u16,
        location: Option<String>,
    },
    /// A read could not deliver every record it matched, and no error of Kintone's says
    /// why (a cursor ended early, or records lost with a cut-off answer could not be read
    /// again). Never returned for a read that is merely short.
    Incomplete {
        context: RequestContext,
        message: String,
    },
    /// The answer was not what the API promises.
    Decode {
        context: RequestContext,
        message: String,
    },
    /// The proxy or firewall refused to carry the request (it answered 407, on a
    /// forwarded request or on CONNECT): Kintone never saw it.
    Proxy {
        context: RequestContext,
        /// The proxy's address as configured, without credentials.
        proxy: String,
        status: u16,
    },
    /// Bad configuration (URL, certificate, proxy ...).
    Config(String),
    /// A write may or may not have been applied: the connection broke after the request
    /// was sent. It is not resent, because sending it again could duplicate it.
    WriteOutcomeUnknown {
        context: RequestContext,
        sent: String,
        cause: String,
    },
    /// The request cannot be served the way it was asked (e.g. a sort that needs a cursor
    /// under OAuth).
    Unsupported(String),
    /// No tokio runtime, or the runtime is shutting down.
    Runtime(String),
    /// The OAuth token endpoint refused a grant (RFC 6749 `error`), or could not be
    /// reached (`status` 0). Never carries a token, code or secret.
    OAuth {
        status: u16,
        error: String,
        description: Option<String>,
    },
}

impl Error {
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Proxy { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn is_code(&self, c: &str) -> bool {
        self.code() == Some(c)
    }

    pub fn decode(context: &RequestContext, message: impl Into<String>) -> Error {
        Error::Decode {
            context: context.clone(),
            message: message.into(),
        }
    }
}

impl std::error::Error for Error {}

fn flatten_errors(errors: &BTreeMap<String, Vec<String>>) -> String {
    errors
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.join(" ")))
        .collect::<Vec<_>>()
        .join("; ")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api {
                status,
                code,
                id,
                message,
                errors,
                bulk_index,
                context,
            } => {
                let code_s = code.as_deref().unwrap_or("");
                let app = context.app_text();
                let text = match code_s {
                    "CB_AU01" => "Kintone rejected the request as not logged in: set a user name \
                                  and password, an API token or an OAuth token"
                        .to_string(),
                    "CB_WA01" => match &context.user {
                        Some(u) => format!(
                            "password authentication failed for user '{u}': check the user name \
                             and password"
                        ),
                        None => "password authentication failed: check the user name and password"
                            .to_string(),
                    },
                    "GAIA_IA02" => "the API token is not valid: check it was copied completely \
                                    and that the app was updated (\"Update App\") after the token \
                                    was generated"
                        .to_string(),
                    "GAIA_NO01" => match context.auth {
                        Some(AuthKind::ApiToken) => format!(
                            "API token for {app} lacks {} permission",
                            context.needed_permission()
                        ),
                        _ => format!(
                            "the credentials cannot run {} {} on {app}",
                            context.method, context.api
                        ),
                    },
                    "GAIA_DA03" => "two API tokens of the same app were sent: configure one \
                                    token per app"
                        .to_string(),
                    "CB_NO02" => match context.auth {
                        Some(AuthKind::Password) => format!(
                            "user '{}' has no {} permission on {app} (or the guest space id is \
                             wrong)",
                            context.user.as_deref().unwrap_or("?"),
                            context.needed_permission()
                        ),
                        _ => format!(
                            "no privilege for {} {} on {app}",
                            context.method, context.api
                        ),
                    },
                    "GAIA_AP01" => format!("{app} was not found (it may have been deleted)"),
                    "GAIA_RE01" => format!("record not found in {app}: {message}"),
                    "GAIA_CO02" => format!(
                        "the record in {app} was changed by someone else since it was read \
                         (revision mismatch); read it again and retry"
                    ),
                    "GAIA_IL23" => format!(
                        "{app} is in a guest space: set the guest space id in the connection"
                    ),
                    "GAIA_TM12" => "too many cursors are open on this Kintone domain (the limit \
                                    is 10); close other exports or wait for them to finish"
                        .to_string(),
                    // The driver has no concurrency setting to lower: the 100 requests
                    // are shared by every tool of the domain, so only less load helps.
                    "GAIA_TO04" => "too many concurrent API requests on this Kintone domain \
                                    (Kintone allows 100 at once for all of the domain's API \
                                    clients together) and the retries did not get through: run \
                                    the statement again later, or run fewer queries and other \
                                    Kintone integrations at the same time"
                        .to_string(),
                    "GAIA_QU02" => "offset over 10,000 is not allowed by Kintone; use $id \
                                    paging or a cursor"
                        .to_string(),
                    "GAIA_CN01" => "the cursor does not exist or has expired".to_string(),
                    "CB_VA01" if !errors.is_empty() => {
                        format!("invalid input for {app}: {}", flatten_errors(errors))
                    }
                    "" => format!(
                        "Kintone answered HTTP {status} to {} {} ({app}): {}",
                        context.method,
                        context.api,
                        if message.is_empty() {
                            "no details"
                        } else {
                            message
                        }
                    ),
                    _ => {
                        let mut t =
                            format!("{message} ({} {}, {app})", context.method, context.api);
                        if !errors.is_empty() {
                            t.push_str(": ");
                            t.push_str(&flatten_errors(errors));
                        }
                        t
                    }
                };
                write!(f, "{text}")?;
                if let Some(i) = bulk_index {
                    write!(f, " [bulk request #{i}]")?;
                }
                if !code_s.is_empty() {
                    write!(f, " ({code_s})")?;
                }
                if let Some(id) = id {
                    if !id.is_empty() {
                        write!(f, " [request id {id}]")?;
                    }
                }
                Ok(())
            }
            Error::Transport { context, message } => write!(
                f,
                "could not reach Kintone for {} {} ({}): {message}",
                context.method,
                context.api,
                context.app_text()
            ),
            Error::Timeout {
                context,
                after,
                limit: TimeoutLimit::Call,
            } => write!(
                f,
                "Kintone did not complete {} {} ({}) within {:.0?}, the connection's Timeout \
                 (it bounds one call with its retries and the whole answer; 0 = no limit)",
                context.method,
                context.api,
                context.app_text(),
                after
            ),
            Error::Timeout {
                context,
                after,
                limit: TimeoutLimit::Idle,
            } => write!(
                f,
                "the transfer of {} {} ({}) made no progress for {:.0?} (the connection's \
                 Timeout)",
                context.method,
                context.api,
                context.app_text(),
                after
            ),
            Error::Redirect {
                context,
                status,
                location,
            } => write!(
                f,
                "the Kintone URL answered {status} to {} {} redirecting to {}; redirects are \
                 not followed so that credentials never go to another address: check the Url \
                 property (e.g. https://example.cybozu.com)",
                context.method,
                context.api,
                location.as_deref().unwrap_or("(no Location)")
            ),
            Error::Incomplete { context, message } => write!(
                f,
                "{} {} ({}) could not return every record: {message}",
                context.method,
                context.api,
                context.app_text()
            ),
            Error::Decode { context, message } => write!(
                f,
                "unexpected answer from Kintone to {} {} ({}): {message}",
                context.method,
                context.api,
                context.app_text()
            ),
            Error::Proxy {
                context,
                proxy,
                status,
            } => write!(
                f,
                "{proxy} refused to carry {} {} ({}) to Kintone: HTTP {status} Proxy \
                 Authentication Required. Check ProxyUser and ProxyPassword (FirewallUser and \
                 FirewallPassword with FirewallType=TUNNEL), and that the proxy accepts BASIC \
                 authentication (ProxyAuthScheme; DIGEST, NEGOTIATE and NTLM are not supported)",
                context.method,
                context.api,
                context.app_text()
            ),
            Error::Config(m) => write!(f, "configuration error: {m}"),
            Error::WriteOutcomeUnknown {
                context,
                sent,
                cause,
            } => write!(
                f,
                "the connection broke after {} {} to {} was sent ({sent}); Kintone may or may \
                 not have applied it, so it was NOT sent again: check {} before retrying \
                 ({cause})",
                context.method,
                context.api,
                context.app_text(),
                context.app_text()
            ),
            Error::Unsupported(m) => write!(f, "{m}"),
            Error::Runtime(m) => write!(f, "runtime error: {m}"),
            Error::OAuth {
                status,
                error,
                description,
            } => {
                let hint = match error.as_str() {
                    "invalid_client" => {
                        ": check OAuthClientId and OAuthClientSecret against the OAuth client \
                         registered in Kintone"
                    }
                    "invalid_grant" => {
                        ": the code or refresh token is invalid, expired, revoked or was \
                         issued to another client; sign in again (`kintone-odbc oauth login`, \
                         or InitiateOAuth=GETANDREFRESH)"
                    }
                    "invalid_scope" => ": check the Scope property",
                    _ => "",
                };
                let status = if *status == 0 {
                    String::new()
                } else {
                    format!(" (HTTP {status})")
                };
                match description {
                    Some(d) => write!(
                        f,
                        "the OAuth token endpoint refused{status}: {error}: {d}{hint}"
                    ),
                    None => write!(f, "the OAuth token endpoint refused{status}: {error}{hint}"),
                }
            }
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str, ctx: RequestContext) -> Error {
        Error::Api {
            status,
            code: Some(code.into()),
            id: Some("abc123".into()),
            message: "msg".into(),
            errors: BTreeMap::new(),
            bulk_index: None,
            context: ctx,
        }
    }

    fn ctx(method: &str, api: &str, app: Option<u64>, auth: AuthKind) -> RequestContext {
        RequestContext {
            method: method.into(),
            api: api.into(),
            app,
            auth: Some(auth),
            user: Some("demo".into()),
        }
    }

    #[test]
    fn token_permission_message() {
        let e = api(
            403,
            "GAIA_NO01",
            ctx("GET", "records", Some(12), AuthKind::ApiToken),
        );
        assert_eq!(
            e.to_string(),
            "API token for app 12 lacks view permission (GAIA_NO01) [request id abc123]"
        );
        let e = api(
            403,
            "GAIA_NO01",
            ctx("POST", "records", Some(3), AuthKind::ApiToken),
        );
        assert!(e
            .to_string()
            .starts_with("API token for app 3 lacks add permission"));
        let e = api(
            403,
            "GAIA_NO01",
            ctx("DELETE", "records", Some(3), AuthKind::ApiToken),
        );
        assert!(e.to_string().contains("lacks delete permission"));
        let e = api(
            403,
            "GAIA_NO01",
            ctx("PUT", "record", Some(3), AuthKind::ApiToken),
        );
        assert!(e.to_string().contains("lacks edit permission"));
    }

    #[test]
    fn every_api_error_names_its_code() {
        for (status, code) in [
            (401, "CB_AU01"),
            (401, "CB_WA01"),
            (400, "GAIA_IA02"),
            (400, "GAIA_DA03"),
            (403, "CB_NO02"),
            (404, "GAIA_AP01"),
            (404, "GAIA_RE01"),
            (409, "GAIA_CO02"),
            (400, "GAIA_IL23"),
            (429, "GAIA_TM12"),
            (429, "GAIA_TO04"),
            (400, "GAIA_QU02"),
            (404, "GAIA_CN01"),
            (400, "CB_VA01"),
            (400, "GAIA_IQ11"),
        ] {
            let e = api(
                status,
                code,
                ctx("GET", "records", Some(5), AuthKind::Password),
            );
            let s = e.to_string();
            assert!(s.contains(&format!("({code})")), "{s}");
            assert_eq!(e.code(), Some(code));
            assert_eq!(e.status(), Some(status));
        }
        let e = api(
            401,
            "CB_WA01",
            ctx("GET", "records", None, AuthKind::Password),
        );
        assert!(e.to_string().contains("user 'demo'"));
    }

    #[test]
    fn validation_errors_are_listed() {
        let mut errors = BTreeMap::new();
        errors.insert(
            "record.title.value".to_string(),
            vec!["Required.".to_string()],
        );
        let e = Error::Api {
            status: 400,
            code: Some("CB_VA01".into()),
            id: None,
            message: "Missing or invalid input.".into(),
            errors,
            bulk_index: Some(2),
            context: ctx("POST", "record", Some(9), AuthKind::Password),
        };
        assert_eq!(
            e.to_string(),
            "invalid input for app 9: record.title.value: Required. [bulk request #2] (CB_VA01)"
        );
    }

    #[test]
    fn non_json_error_and_write_unknown() {
        let e = Error::Api {
            status: 503,
            code: None,
            id: None,
            message: "Service Unavailable".into(),
            errors: BTreeMap::new(),
            bulk_index: None,
            context: ctx("GET", "records", Some(1), AuthKind::OAuth),
        };
        assert_eq!(
            e.to_string(),
            "Kintone answered HTTP 503 to GET records (app 1): Service Unavailable"
        );
        let w = Error::WriteOutcomeUnknown {
            context: ctx("POST", "records", Some(4), AuthKind::Password),
            sent: "add 2 records".into(),
            cause: "connection closed".into(),
        };
        let s = w.to_string();
        assert!(s.contains("app 4") && s.contains("add 2 records") && s.contains("NOT sent again"));
    }

    #[test]
    fn too_many_requests_names_what_the_user_can_do() {
        let s = api(
            429,
            "GAIA_TO04",
            ctx("GET", "records", Some(5), AuthKind::Password),
        )
        .to_string();
        // There is no concurrency setting in the driver to point at.
        assert!(!s.contains("setting"), "{s}");
        assert!(
            s.contains("100") && s.contains("run the statement again later"),
            "{s}"
        );
    }

    #[test]
    fn timeouts_redirects_and_incomplete_reads_say_what_happened() {
        let c = ctx("GET", "records", Some(5), AuthKind::Password);
        let t = Error::Timeout {
            context: c.clone(),
            after: Duration::from_secs(2),
            limit: TimeoutLimit::Call,
        }
        .to_string();
        assert!(t.contains("within 2s") && t.contains("Timeout"), "{t}");
        let r = Error::Redirect {
            context: c.clone(),
            status: 302,
            location: Some("http://elsewhere.example/k/".into()),
        }
        .to_string();
        assert!(
            r.contains("302") && r.contains("http://elsewhere.example/k/") && r.contains("Url"),
            "{r}"
        );
        let i = Error::Incomplete {
            context: c,
            message: "x".into(),
        }
        .to_string();
        assert!(i.contains("app 5"), "{i}");
    }
}
