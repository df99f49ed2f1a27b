//! Diagnostic records: what `SQLGetDiagRec`/`SQLGetDiagField` report.
//!
//! Every failure is a [`DriverError`] built from an SQLSTATE constant (mssql-rs's
//! `post_diag(ERR_*)` idea): the state and its meaning live in one place, the message
//! adds what the application needs to fix it. unixODBC sweeps every header and record
//! field as soon as a call returns an error or a warning (notes §0.6), so every field
//! has an answer.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use kintone_sql::SqlError;

/// Prefix of every message: the component that produced it, as ODBC expects.
pub const PREFIX: &str = "[kintone-odbc]";

/// An SQLSTATE and the meaning the ODBC specification gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    pub code: &'static str,
    pub text: &'static str,
}

const fn st(code: &'static str, text: &'static str) -> State {
    State { code, text }
}

pub const S01000: State = st("01000", "General warning");
pub const S01001: State = st("01001", "Cursor operation conflict");
pub const S01004: State = st("01004", "String data, right truncated");
pub const S01S00: State = st("01S00", "Invalid connection string attribute");
pub const S01S02: State = st("01S02", "Option value changed");
pub const S01S06: State = st(
    "01S06",
    "Attempt to fetch before the result set returned the first rowset",
);
pub const S01S07: State = st("01S07", "Fractional truncation");
pub const S07002: State = st("07002", "COUNT field incorrect");
pub const S07006: State = st("07006", "Restricted data type attribute violation");
pub const S07009: State = st("07009", "Invalid descriptor index");
pub const S08001: State = st("08001", "Client unable to establish connection");
pub const S08002: State = st("08002", "Connection name in use");
pub const S08003: State = st("08003", "Connection not open");
pub const S08S01: State = st("08S01", "Communication link failure");
pub const S22002: State = st("22002", "Indicator variable required but not supplied");
pub const S22003: State = st("22003", "Numeric value out of range");
pub const S24000: State = st("24000", "Invalid cursor state");
pub const S25000: State = st("25000", "Invalid transaction state");
pub const S28000: State = st("28000", "Invalid authorization specification");
pub const S34000: State = st("34000", "Invalid cursor name");
pub const SHY000: State = st("HY000", "General error");
pub const SHY001: State = st("HY001", "Memory allocation error");
pub const SHY003: State = st("HY003", "Invalid application buffer type");
pub const SHY004: State = st("HY004", "Invalid SQL data type");
pub const SHY008: State = st("HY008", "Operation canceled");
pub const SHY009: State = st("HY009", "Invalid use of null pointer");
pub const SHY010: State = st("HY010", "Function sequence error");
pub const SHY011: State = st("HY011", "Attribute cannot be set now");
pub const SHY012: State = st("HY012", "Invalid transaction operation code");
pub const SHY016: State = st("HY016", "Cannot modify an implementation row descriptor");
pub const SHY017: State = st(
    "HY017",
    "Invalid use of an automatically allocated descriptor handle",
);
pub const SHY019: State = st("HY019", "Non-character and non-binary data sent in pieces");
pub const SHY020: State = st("HY020", "Attempt to concatenate a null value");
pub const SHY021: State = st("HY021", "Inconsistent descriptor information");
pub const SHY024: State = st("HY024", "Invalid attribute value");
pub const SHY090: State = st("HY090", "Invalid string or buffer length");
pub const SHY091: State = st("HY091", "Invalid descriptor field identifier");
pub const SHY092: State = st("HY092", "Invalid attribute/option identifier");
pub const SHY096: State = st("HY096", "Invalid information type");
pub const SHY097: State = st("HY097", "Column type out of range");
pub const SHY098: State = st("HY098", "Scope type out of range");
pub const SHY099: State = st("HY099", "Nullable type out of range");
pub const SHY100: State = st("HY100", "Uniqueness option type out of range");
pub const SHY101: State = st("HY101", "Accuracy option type out of range");
pub const SHY103: State = st("HY103", "Invalid retrieval code");
pub const SHY104: State = st("HY104", "Invalid precision or scale value");
pub const SHY105: State = st("HY105", "Invalid parameter type");
pub const SHY106: State = st("HY106", "Fetch type out of range");
pub const SHY107: State = st("HY107", "Row value out of range");
pub const SHY109: State = st("HY109", "Invalid cursor position");
pub const SHY110: State = st("HY110", "Invalid driver completion");
pub const SHY111: State = st("HY111", "Invalid bookmark value");
pub const SHYC00: State = st("HYC00", "Optional feature not implemented");
pub const SHYT00: State = st("HYT00", "Timeout expired");
pub const SHYT01: State = st("HYT01", "Connection timeout expired");
pub const SIM001: State = st("IM001", "Driver does not support this function");
pub const SIM008: State = st("IM008", "Dialog failed");

/// The states a safe core can fail with, by code (for errors coming from the SQL
/// layer, which carries only the code).
fn state_of(code: &str) -> State {
    [
        S01000, S01004, S07002, S07006, S07009, S08001, S08003, S08S01, S22002, S22003, S24000,
        S28000, SHY000, SHY008, SHY024, SHY090, SHY092, SHY096, SHYC00, SHYT00,
    ]
    .into_iter()
    .find(|s| s.code == code)
    .unwrap_or(State {
        code: "HY000",
        text: "General error",
    })
}

/// A failure of one ODBC call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriverError {
    pub sqlstate: String,
    pub message: String,
    pub native: i32,
}

impl DriverError {
    pub fn new(state: State, detail: impl AsRef<str>) -> Self {
        let detail = detail.as_ref();
        DriverError {
            sqlstate: state.code.to_string(),
            message: if detail.is_empty() {
                state.text.to_string()
            } else {
                detail.to_string()
            },
            native: 0,
        }
    }

    /// The state's own text as the message.
    pub fn plain(state: State) -> Self {
        DriverError::new(state, "")
    }
}

impl From<SqlError> for DriverError {
    fn from(e: SqlError) -> Self {
        // Keep states the SQL layer chose even when this table does not list them.
        let known = state_of(e.sqlstate);
        DriverError {
            sqlstate: if known.code == e.sqlstate {
                known.code.to_string()
            } else {
                e.sqlstate.to_string()
            },
            message: e.message,
            native: 0,
        }
    }
}

pub type DResult<T> = Result<T, DriverError>;

/// One record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiagRecord {
    pub sqlstate: String,
    pub native: i32,
    /// With the [`PREFIX`].
    pub message: String,
    pub row_number: isize,
    pub column_number: i32,
}

impl DiagRecord {
    /// ODBC's rule: classes defined by ISO SQL come from "ISO 9075", the rest (and the
    /// ODBC-specific subclasses) from "ODBC 3.0".
    pub fn class_origin(&self) -> &'static str {
        let class = self.sqlstate.get(0..2).unwrap_or("HY");
        if matches!(class, "IM" | "HY") {
            "ODBC 3.0"
        } else {
            "ISO 9075"
        }
    }

    pub fn subclass_origin(&self) -> &'static str {
        const ODBC_SUBCLASSES: &[&str] = &[
            "01S00", "01S01", "01S02", "01S06", "01S07", "07S01", "08S01", "21S01", "21S02",
            "25S01", "25S02", "25S03", "42S01", "42S02", "42S11", "42S12", "42S21", "42S22",
        ];
        if self.class_origin() == "ODBC 3.0" || ODBC_SUBCLASSES.contains(&self.sqlstate.as_str()) {
            "ODBC 3.0"
        } else {
            "ISO 9075"
        }
    }
}

/// A handle's diagnostic area, and whether it is clean (no records, return code
/// SUCCESS, nothing kept from a connect) without taking its lock. Every call but the
/// diagnostic ones clears the area first and records its return code last; on a clean
/// area a call that succeeds without warnings does neither under the lock. That is
/// every `SQLGetData` of every cell of a read, where the two locks showed in profiles.
#[derive(Debug, Default)]
pub struct DiagArea {
    clean: AtomicBool,
    area: Mutex<Diagnostics>,
}

impl DiagArea {
    /// The area, locked; whatever the holder changes, `clean` follows when it lets go.
    pub fn lock(&self) -> DiagGuard<'_> {
        DiagGuard {
            clean: &self.clean,
            area: crate::sync::lock(&self.area),
        }
    }

    /// Clears the area for a new call.
    pub fn clear(&self) {
        if !self.is_clean() {
            self.lock().clear();
        }
    }

    pub fn is_clean(&self) -> bool {
        self.clean.load(Ordering::Acquire)
    }
}

pub struct DiagGuard<'a> {
    clean: &'a AtomicBool,
    area: MutexGuard<'a, Diagnostics>,
}

impl Deref for DiagGuard<'_> {
    type Target = Diagnostics;
    fn deref(&self) -> &Diagnostics {
        &self.area
    }
}

impl DerefMut for DiagGuard<'_> {
    fn deref_mut(&mut self) -> &mut Diagnostics {
        &mut self.area
    }
}

impl Drop for DiagGuard<'_> {
    // Runs before the lock is let go: a reader of `clean` sees the area as it is left.
    fn drop(&mut self) {
        let d = &*self.area;
        let clean = d.records.is_empty() && d.return_code == 0 && !d.from_connect;
        self.clean.store(clean, Ordering::Release);
    }
}

/// The diagnostic area of one handle.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    pub records: Vec<DiagRecord>,
    pub return_code: i16,
    /// Rows affected by the last statement (SELECT: -1, the count is unknown).
    pub row_count: isize,
    pub cursor_row_count: isize,
    pub dynamic_function: &'static str,
    pub dynamic_function_code: i32,
    /// The records were left by a successful connect and nothing has cleared them since.
    /// iODBC asks SQLGetInfo(SQL_CURSOR_COMMIT_BEHAVIOR / SQL_CURSOR_ROLLBACK_BEHAVIOR)
    /// between the driver's connect and the application's SQLGetDiagRec (connect.c,
    /// `_iodbcdm_dbcdelayset`); those two answers keep the records, or every connect
    /// warning (a truncated out string, a licence note) would be lost under iODBC.
    pub from_connect: bool,
}

impl Diagnostics {
    /// Every ODBC function except the diagnostic ones starts by clearing the area.
    pub fn clear(&mut self) {
        self.records.clear();
        self.return_code = 0;
        self.from_connect = false;
    }

    pub fn post(&mut self, e: &DriverError) {
        self.post_at(
            e,
            crate::sys::SQL_NO_ROW_NUMBER,
            crate::sys::SQL_NO_COLUMN_NUMBER,
        );
    }

    pub fn post_at(&mut self, e: &DriverError, row: isize, column: i32) {
        // Bounded, so a loop of warnings over a huge fetch cannot grow memory forever.
        if self.records.len() >= 1000 {
            return;
        }
        self.records.push(DiagRecord {
            sqlstate: e.sqlstate.clone(),
            native: e.native,
            message: format!("{PREFIX} {}", e.message),
            row_number: row,
            column_number: column,
        });
    }

    pub fn warn(&mut self, state: State, detail: impl AsRef<str>) {
        self.post(&DriverError::new(state, detail));
    }

    pub fn has_warnings(&self) -> bool {
        !self.records.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call skips both locks only on a clean area: a warning, an error, a return code
    /// other than SUCCESS or the records of a connect each make the next call clear.
    #[test]
    fn the_area_is_clean_only_when_nothing_is_left_to_clear() {
        let a = DiagArea::default();
        a.clear();
        assert!(a.is_clean());
        a.lock().warn(S01004, "cut");
        assert!(!a.is_clean());
        a.clear();
        assert!(a.is_clean());
        assert!(a.lock().records.is_empty());
        a.lock().post(&DriverError::new(S08001, "no Url"));
        assert!(!a.is_clean());
        a.clear();
        a.lock().return_code = 100;
        assert!(!a.is_clean());
        a.clear();
        assert_eq!((a.is_clean(), a.lock().return_code), (true, 0));
        a.lock().from_connect = true;
        assert!(!a.is_clean());
        a.clear();
        assert!(a.is_clean() && !a.lock().from_connect);
        // Counts are not the call's to clear: they leave the area clean.
        a.lock().row_count = 7;
        assert!(a.is_clean());
    }

    #[test]
    fn records_carry_prefix_and_origins() {
        let mut d = Diagnostics::default();
        d.post(&DriverError::new(
            S08001,
            "missing connection property 'Url'",
        ));
        d.post(&DriverError::from(SqlError::new(
            "42S02",
            "table 'x' not found",
        )));
        assert_eq!(
            d.records[0].message,
            "[kintone-odbc] missing connection property 'Url'"
        );
        assert_eq!(d.records[0].class_origin(), "ISO 9075");
        assert_eq!(d.records[1].sqlstate, "42S02");
        assert_eq!(d.records[1].subclass_origin(), "ODBC 3.0");
        assert_eq!(
            DriverError::plain(SHY092).message,
            "Invalid attribute/option identifier"
        );
        let hy = DiagRecord {
            sqlstate: "HY000".into(),
            native: 0,
            message: String::new(),
            row_number: -1,
            column_number: -1,
        };
        assert_eq!(hy.class_origin(), "ODBC 3.0");
        d.clear();
        assert!(d.records.is_empty());
    }
}
