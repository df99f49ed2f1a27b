//! Errors with an SQLSTATE (ODBC diagnostic records need one for every failure).

use std::fmt;

use datafusion::arrow::error::ArrowError;
use datafusion::error::DataFusionError;

/// An error for the ODBC layer: an SQLSTATE and a message naming the offending token,
/// table, column or Kintone code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlError {
    pub sqlstate: &'static str,
    pub message: String,
}

pub type SqlResult<T> = std::result::Result<T, SqlError>;

impl SqlError {
    pub fn new(sqlstate: &'static str, message: impl Into<String>) -> Self {
        SqlError {
            sqlstate,
            message: message.into(),
        }
    }
    pub fn syntax(message: impl Into<String>) -> Self {
        SqlError::new(state::SYNTAX, message)
    }
    pub fn general(message: impl Into<String>) -> Self {
        SqlError::new(state::GENERAL, message)
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.sqlstate, self.message)
    }
}

impl std::error::Error for SqlError {}

/// The SQLSTATEs this crate produces.
pub mod state {
    pub const SYNTAX: &str = "42000";
    pub const NO_TABLE: &str = "42S02";
    pub const NO_COLUMN: &str = "42S22";
    pub const BAD_CAST: &str = "22018";
    pub const OUT_OF_RANGE: &str = "22003";
    pub const WRONG_PARAM_COUNT: &str = "07002";
    pub const NOT_IMPLEMENTED: &str = "HYC00";
    pub const GENERAL: &str = "HY000";
    pub const COMM_LINK: &str = "08S01";
    pub const AUTH: &str = "28000";
    /// Statement too complex (SQL:2016 program limit exceeded).
    pub const TOO_COMPLEX: &str = "54001";
    pub const NO_MEMORY: &str = "HY001";
    pub const TIMEOUT: &str = "HYT00";
}

/// A failure inside a scan or the catalog, carried through DataFusion as an external
/// error so its SQLSTATE survives.
#[derive(Debug)]
pub struct ExternalSqlError(pub SqlError);

impl fmt::Display for ExternalSqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ExternalSqlError {}

impl From<SqlError> for DataFusionError {
    fn from(e: SqlError) -> Self {
        DataFusionError::External(Box::new(ExternalSqlError(e)))
    }
}

/// Kintone's own errors: authentication and transport get their ODBC states, every
/// other rejection is `HY000` with the Kintone code in the message (Display of
/// `kintone_api::Error` always carries it).
pub fn from_kintone(e: &kintone_api::Error) -> SqlError {
    let msg = e.to_string();
    let state = match e {
        kintone_api::Error::Api { status: 401, .. } => state::AUTH,
        // Status 0: the token endpoint could not be reached, which is no refusal.
        kintone_api::Error::OAuth { status: 0, .. } => state::COMM_LINK,
        // The token endpoint refused a grant (bad code, client or refresh token).
        kintone_api::Error::OAuth { .. } => state::AUTH,
        // The proxy did not accept its credentials.
        kintone_api::Error::Proxy { .. } => state::AUTH,
        kintone_api::Error::Transport { .. } => state::COMM_LINK,
        kintone_api::Error::Timeout { .. } => state::TIMEOUT,
        _ => state::GENERAL,
    };
    SqlError::new(state, msg)
}

impl From<kintone_api::Error> for SqlError {
    fn from(e: kintone_api::Error) -> Self {
        from_kintone(&e)
    }
}

/// Maps DataFusion's errors to SQLSTATEs. DataFusion's planning errors are strings, so
/// unknown tables and columns are recognised by DataFusion's own wording.
pub fn from_datafusion(e: DataFusionError) -> SqlError {
    let mut s = translate(e);
    s.message = in_user_terms(&s.message);
    s
}

/// The engine's message in the user's terms: tables without the engine's catalog and
/// schema (`datafusion.public.Customers` is `Customers`), and no advice about engine
/// settings a user of the driver cannot change.
fn in_user_terms(m: &str) -> String {
    let mut m = m
        .strip_prefix("Error during planning: ")
        .unwrap_or(m)
        .replace("datafusion.public.", "")
        .replace("datafusion.sys.", "sys.");
    for advice in [
        ". Column names are case sensitive",
        " Column names are case sensitive",
        ". Table names are case sensitive",
        " Table names are case sensitive",
    ] {
        if let Some(at) = m.find(advice) {
            if m[at..].contains("enable_ident_normalization") {
                m.truncate(at);
            }
        }
    }
    m
}

fn translate(e: DataFusionError) -> SqlError {
    // Our own errors keep their SQLSTATE however deep DataFusion wrapped them (a
    // shared plan node, an arrow kernel calling back into a function).
    if let Some(ours) = carried(&e) {
        return ours;
    }
    match e {
        DataFusionError::Context(ctx, inner) => {
            let mut s = translate(*inner);
            s.message = format!("{ctx}: {}", s.message);
            s
        }
        DataFusionError::External(b) => match b.downcast::<ExternalSqlError>() {
            Ok(x) => x.0,
            Err(b) => match b.downcast::<kintone_api::Error>() {
                Ok(k) => from_kintone(&k),
                Err(b) => match b.downcast::<DataFusionError>() {
                    Ok(d) => translate(*d),
                    Err(b) => SqlError::general(b.to_string()),
                },
            },
        },
        DataFusionError::Shared(s) => {
            // Shared errors come from plan nodes polled by several consumers.
            from_message(&s.to_string())
        }
        DataFusionError::SQL(p, _) => match *p {
            datafusion::sql::sqlparser::parser::ParserError::RecursionLimitExceeded => {
                crate::complexity::too_complex()
            }
            p => SqlError::syntax(format!("syntax error: {p}")),
        },
        DataFusionError::ResourcesExhausted(m) => SqlError::new(
            state::NO_MEMORY,
            format!("the statement needs more memory than a connection may use: {m}"),
        ),
        DataFusionError::SchemaError(s, _) => {
            let m = s.to_string();
            if m.contains("No field named") || m.contains("not found") {
                SqlError::new(state::NO_COLUMN, m)
            } else {
                SqlError::new(state::SYNTAX, m)
            }
        }
        DataFusionError::ArrowError(a, _) => match *a {
            ArrowError::CastError(m) | ArrowError::ParseError(m) => {
                SqlError::new(state::BAD_CAST, format!("invalid value for the type: {m}"))
            }
            ArrowError::ExternalError(b) => match b.downcast::<ExternalSqlError>() {
                Ok(x) => x.0,
                Err(b) => SqlError::general(b.to_string()),
            },
            ArrowError::ArithmeticOverflow(m) => SqlError::new(state::OUT_OF_RANGE, m),
            other => from_message(&other.to_string()),
        },
        DataFusionError::NotImplemented(m) => {
            SqlError::new(state::NOT_IMPLEMENTED, format!("not supported: {m}"))
        }
        other => from_message(&other.to_string()),
    }
}

/// The [`SqlError`] carried inside `e`, if any.
fn carried(e: &DataFusionError) -> Option<SqlError> {
    fn boxed(b: &(dyn std::error::Error + Send + Sync + 'static)) -> Option<SqlError> {
        if let Some(x) = b.downcast_ref::<ExternalSqlError>() {
            return Some(x.0.clone());
        }
        b.downcast_ref::<DataFusionError>().and_then(carried)
    }
    match e {
        DataFusionError::External(b) => boxed(b.as_ref()),
        DataFusionError::Context(_, inner) => carried(inner),
        DataFusionError::Shared(s) => carried(s),
        DataFusionError::ArrowError(a, _) => match a.as_ref() {
            ArrowError::ExternalError(b) => boxed(b.as_ref()),
            _ => None,
        },
        _ => None,
    }
}

fn from_message(m: &str) -> SqlError {
    let lower = m.to_lowercase();
    let state = if lower.contains("table '") && lower.contains("not found") {
        state::NO_TABLE
    } else if lower.contains("no field named") {
        state::NO_COLUMN
    } else if lower.contains("cannot cast")
        || lower.contains("cast error")
        || lower.contains("parser error")
        || lower.contains("cannot coerce")
        || lower.contains("cannot infer common")
        || lower.contains("invalid argument type")
    {
        state::BAD_CAST
    } else if lower.contains("sql error") || lower.contains("parsererror") {
        state::SYNTAX
    } else if lower.contains("overflow") {
        state::OUT_OF_RANGE
    } else {
        state::GENERAL
    };
    SqlError::new(state, m.to_string())
}

impl From<DataFusionError> for SqlError {
    fn from(e: DataFusionError) -> Self {
        from_datafusion(e)
    }
}
