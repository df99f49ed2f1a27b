//! Arrow values → C buffers (`SQLBindCol`, `SQLGetData`) and C buffers → SQL values
//! (`SQLBindParameter`): one conversion table shared by all three.
//!
//! Both directions go through `value::Val`: a cell (or a parameter buffer) becomes a
//! `Val`, and the `Val` becomes the C value (or the `ScalarValue`). The rules are the
//! ODBC appendix D tables "Converting Data from SQL to C Data Types" and "from C to
//! SQL" for the types [`crate::types::describe`] reports:
//!
//! | SQL type \ C type | CHAR, WCHAR | BINARY | integers, BIT | FLOAT, DOUBLE | NUMERIC | DATE | TIME | TIMESTAMP |
//! |---|---|---|---|---|---|---|---|---|
//! | WVARCHAR, WLONGVARCHAR | the text (chunked) | the wide bytes | parsed (22018) | parsed | parsed | parsed | parsed | parsed |
//! | DECIMAL, DOUBLE, REAL, integers | digits, every scale digit, no exponent (doubles: shortest round-trip form, an exponent only past 1e16 or under 1e-5); 22003 if the integer part does not fit | the native bytes / numeric struct | range checked (22003), fraction cut (01S07) | ✓ | ✓ | 07006 | 07006 | 07006 |
//! | BIT | `0`/`1` | 1 byte | ✓ | ✓ | ✓ | 07006 | 07006 | 07006 |
//! | TYPE_DATE | `YYYY-MM-DD` (22003 under 11 bytes) | struct | 07006 | 07006 | 07006 | ✓ | 07006 | midnight |
//! | TYPE_TIME | `hh:mm:ss[.f]` | struct | 07006 | 07006 | 07006 | 07006 | ✓ (fraction cut: 01S07) | today's date (UTC) |
//! | TYPE_TIMESTAMP | `YYYY-MM-DD hh:mm:ss[.ffffff]` (fraction may truncate, 01004; 22003 under 20 bytes) | struct | 07006 | 07006 | 07006 | date (01S07 if the time is not midnight) | time (01S07 if a fraction is cut) | ✓ |
//! | VARBINARY | upper-case hex | the bytes (chunked) | 07006 | 07006 | 07006 | 07006 | 07006 | 07006 |
//!
//! `SQL_C_GUID` and the interval C types are 07006 for every column; an unknown C
//! type is HY003. Text is UTF-8 for `SQL_C_CHAR` and UTF-16 or UCS-4 (by
//! [`crate::encoding::WcharMode`]) for `SQL_C_WCHAR`. Lengths and indicators are in bytes, never
//! counting the terminator; on truncation they give what remained before the call.
//! Chunks never split a character. Timestamps are UTC wall-clock time both ways.

mod datetime;
mod from_c;
mod numeric;
mod to_c;
mod value;

use std::ffi::c_void;

pub use from_c::read_param;
pub(crate) use from_c::terminated;
pub use to_c::write_value;

/// The interval C types (`SQL_C_INTERVAL_YEAR` 101 .. `SQL_C_INTERVAL_MINUTE_TO_SECOND` 113).
pub const SQL_C_INTERVAL_FIRST: i16 = 101;
pub const SQL_C_INTERVAL_LAST: i16 = 113;

/// Where one value goes: the C type, the buffer and its length in bytes, and for
/// `SQL_C_NUMERIC` the ARD's precision and scale (precision 0: the column's own scale).
#[derive(Clone, Copy, Debug)]
pub struct CBuffer {
    pub c_type: i16,
    pub ptr: *mut c_void,
    pub len: isize,
    pub precision: i16,
    pub scale: i16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// 01004: string data, right truncated. The caller posts the warning.
    Truncated,
    /// `SQLGetData` again after the whole value was returned: SQL_NO_DATA. Nothing
    /// was written and the indicator must be left alone.
    NoData,
    /// 01S07: fractional truncation (a fraction or time part was dropped). A warning;
    /// the value was written.
    FractionTruncated,
}

impl Outcome {
    /// The warning the caller posts (SQL_SUCCESS_WITH_INFO), if any.
    pub fn warning(self) -> Option<(&'static str, &'static str)> {
        match self {
            Outcome::Truncated => Some(("01004", "String data, right truncated")),
            Outcome::FractionTruncated => Some(("01S07", "Fractional truncation")),
            Outcome::Done | Outcome::NoData => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvError {
    pub sqlstate: &'static str,
    pub message: String,
}

impl ConvError {
    pub fn new(sqlstate: &'static str, message: String) -> Self {
        ConvError { sqlstate, message }
    }
}

impl std::fmt::Display for ConvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

/// `SQLGetData` state for one cell: how much of the value was already returned.
/// Start each cell (another column, another row) with `Progress::default()`.
#[derive(Default, Debug)]
pub struct Progress {
    /// The converted bytes of a chunked value, kept between calls.
    rendered: Option<Vec<u8>>,
    /// The C type they were rendered for.
    c_type: i16,
    offset: usize,
    finished: bool,
}

impl Progress {
    /// Whether part of the value was returned already (a call for another C type is
    /// then a new start).
    pub fn started(&self) -> bool {
        self.finished || self.offset > 0 || self.rendered.is_some()
    }
}

/// Size in bytes of a fixed-length C type, `None` for CHAR/WCHAR/BINARY and unknown
/// types (what a driver needs for row-wise binding and `SQL_DESC_OCTET_LENGTH`).
pub fn c_type_size(c_type: i16) -> Option<usize> {
    use crate::sys::*;
    Some(match c_type {
        SQL_C_BIT | SQL_C_TINYINT | SQL_C_STINYINT | SQL_C_UTINYINT => 1,
        SQL_C_SHORT | SQL_C_SSHORT | SQL_C_USHORT => 2,
        SQL_C_LONG | SQL_C_SLONG | SQL_C_ULONG | SQL_C_FLOAT => 4,
        SQL_C_SBIGINT | SQL_C_UBIGINT | SQL_C_DOUBLE => 8,
        SQL_C_NUMERIC => numeric::NUMERIC_STRUCT_SIZE,
        SQL_C_DATE | SQL_C_TYPE_DATE => datetime::DATE_STRUCT_SIZE,
        SQL_C_TIME | SQL_C_TYPE_TIME => datetime::TIME_STRUCT_SIZE,
        SQL_C_TIMESTAMP | SQL_C_TYPE_TIMESTAMP => datetime::TIMESTAMP_STRUCT_SIZE,
        SQL_C_GUID => 16,
        _ => return None,
    })
}

/// Whether `c_type` is a C type ODBC defines (known ones convert or give 07006;
/// others are HY003 at bind time).
pub fn is_c_type(c_type: i16) -> bool {
    use crate::sys::*;
    matches!(
        c_type,
        SQL_C_CHAR | SQL_C_WCHAR | SQL_C_BINARY | SQL_C_DEFAULT
    ) || c_type_size(c_type).is_some()
        || (SQL_C_INTERVAL_FIRST..=SQL_C_INTERVAL_LAST).contains(&c_type)
}

/// A value quoted in a message: at most 32 characters, so that a long (or private)
/// parameter never fills a diagnostic.
pub(crate) fn preview(s: &str) -> String {
    let mut p: String = s.chars().take(32).collect();
    if p.len() < s.len() {
        p.push('…');
    }
    format!("{p:?}")
}

#[cfg(test)]
mod sandbox_tests;
#[cfg(test)]
mod tests;
