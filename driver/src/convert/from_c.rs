//! C → SQL: one parameter buffer into a DataFusion `ScalarValue`.
//!
//! The target follows the parameter's SQL type (a typed NULL too); an unknown SQL
//! type takes the C value's natural type. Decimals keep every digit they were given
//! (the scale is the larger of the value's and `decimal_digits`'s, so nothing is
//! rounded here; the SQL layer's cast decides). Text bound to an integer type may
//! carry a fraction, which is cut toward zero (ODBC's 01S07 case, not an error).

use std::ffi::c_void;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveTime, Timelike};
use kintone_sql::datafusion::common::ScalarValue;

use super::datetime::*;
use super::numeric::*;
use super::value::Val;
use super::{preview, ConvError, SQL_C_INTERVAL_FIRST, SQL_C_INTERVAL_LAST};
use crate::encoding::{Encoding, WcharMode, Wide};
use crate::sys::*;
use crate::types::{default_c_type, odbc3_type};

fn utc() -> Option<Arc<str>> {
    Some(Arc::from(kintone_sql::catalog::UTC))
}

/// A parameter buffer → a DataFusion `ScalarValue`.
///
/// `indicator`: `None` when the StrLen_or_IndPtr is null (fixed-size types; text is
/// then NUL-terminated, binary fills `buffer_len`), `Some(SQL_NULL_DATA)` → a typed
/// NULL, `Some(SQL_NTS)`, `Some(n)` bytes.
///
/// # Safety
/// `ptr` is null or points to a value of `c_type`: `n` bytes when the indicator gives
/// a length, else a terminated string (read at most `buffer_len` bytes when that is
/// positive), else `buffer_len` bytes for binary, else the C type's size.
#[allow(clippy::too_many_arguments)]
pub unsafe fn read_param(
    c_type: i16,
    sql_type: i16,
    column_size: usize,
    decimal_digits: i16,
    ptr: *const c_void,
    buffer_len: isize,
    indicator: Option<isize>,
    mode: WcharMode,
) -> Result<ScalarValue, ConvError> {
    // The column size is advice, not a limit: clients pass 0 or the value's own
    // length, and Kintone checks lengths itself with a better message.
    let _ = column_size;
    let sql_type = odbc3_type(sql_type);
    match indicator {
        Some(SQL_NULL_DATA) => return Ok(typed_null(sql_type, decimal_digits)),
        // The pointer holds an application token, not data: the caller collects the
        // value with SQLParamData/SQLPutData first and passes that buffer here.
        Some(n) if n == SQL_DATA_AT_EXEC || n <= SQL_LEN_DATA_AT_EXEC_OFFSET => {
            return Err(ConvError::new(
                "HY000",
                "a data-at-execution parameter reached conversion before its data was sent".into(),
            ));
        }
        Some(SQL_DEFAULT_PARAM) => {
            return Err(ConvError::new(
                "07S01",
                "invalid use of default parameter: SQL_DEFAULT_PARAM is only for procedure calls"
                    .into(),
            ));
        }
        _ => {}
    }
    let c_type = if c_type == SQL_C_DEFAULT {
        default_c_type(sql_type)
    } else {
        c_type
    };
    if ptr.is_null() {
        return Err(ConvError::new(
            "HY009",
            "invalid use of null pointer: a parameter value pointer is null and its indicator is not SQL_NULL_DATA"
                .into(),
        ));
    }
    // SAFETY: forwarded caller contract.
    let val = unsafe { read_c(c_type, ptr, buffer_len, indicator, mode)? };
    to_scalar(val, sql_type, decimal_digits)
}

fn bad_length(n: isize) -> ConvError {
    ConvError::new("HY090", format!("invalid string or buffer length: {n}"))
}

/// The byte length of a variable-length input, or `None` for "terminated".
fn var_len(indicator: Option<isize>) -> Result<Option<usize>, ConvError> {
    match indicator {
        None | Some(SQL_NTSL) => Ok(None),
        Some(n) => usize::try_from(n).map(Some).map_err(|_| bad_length(n)),
    }
}

/// # Safety
/// See [`read_param`].
unsafe fn read_c(
    c_type: i16,
    ptr: *const c_void,
    buffer_len: isize,
    indicator: Option<isize>,
    mode: WcharMode,
) -> Result<Val<'static>, ConvError> {
    let limit = usize::try_from(buffer_len).ok().filter(|n| *n > 0);
    // SAFETY (every read below): the caller guarantees a value of `c_type` at `ptr`.
    Ok(match c_type {
        SQL_C_CHAR => {
            let bytes = unsafe { terminated(ptr as *const u8, var_len(indicator)?, limit, 1) };
            Val::Text(String::from_utf8_lossy(&bytes).into_owned().into())
        }
        SQL_C_WCHAR => {
            let width = mode.width();
            let len = var_len(indicator)?;
            if let Some(n) = len.filter(|n| n % width != 0) {
                return Err(bad_length(to_isize(n)));
            }
            let bytes = unsafe { terminated(ptr as *const u8, len, limit, width) };
            let units = i32::try_from(bytes.len() / width)
                .map_err(|_| bad_length(to_isize(bytes.len())))?;
            // Copied into units first: a byte vector is not aligned for u16/u32 (an
            // empty one's pointer is 1), and Wide::read reads units.
            let text = match mode {
                WcharMode::Utf16 => {
                    let u: Vec<u16> = bytes
                        .chunks_exact(2)
                        .map(|c| <[u8; 2]>::try_from(c).map_or(0, u16::from_ne_bytes))
                        .collect();
                    unsafe { Wide::read(u.as_ptr() as *const c_void, units, mode) }
                }
                WcharMode::Ucs4 => {
                    let u: Vec<u32> = bytes
                        .chunks_exact(4)
                        .map(|c| <[u8; 4]>::try_from(c).map_or(0, u32::from_ne_bytes))
                        .collect();
                    unsafe { Wide::read(u.as_ptr() as *const c_void, units, mode) }
                }
            };
            Val::Text(text.unwrap_or_default().into())
        }
        SQL_C_BINARY => {
            let n = match var_len(indicator)? {
                Some(n) => n,
                None => limit.ok_or_else(|| bad_length(buffer_len))?,
            };
            Val::Bytes(unsafe { std::slice::from_raw_parts(ptr as *const u8, n) }.to_vec())
        }
        SQL_C_BIT => Val::Bool(unsafe { read::<u8>(ptr) } != 0),
        SQL_C_TINYINT | SQL_C_STINYINT => int(unsafe { read::<i8>(ptr) }),
        SQL_C_UTINYINT => int(unsafe { read::<u8>(ptr) }),
        SQL_C_SHORT | SQL_C_SSHORT => int(unsafe { read::<i16>(ptr) }),
        SQL_C_USHORT => int(unsafe { read::<u16>(ptr) }),
        SQL_C_LONG | SQL_C_SLONG => int(unsafe { read::<i32>(ptr) }),
        SQL_C_ULONG => int(unsafe { read::<u32>(ptr) }),
        SQL_C_SBIGINT => int(unsafe { read::<i64>(ptr) }),
        SQL_C_UBIGINT => int(unsafe { read::<u64>(ptr) }),
        SQL_C_FLOAT => Val::Num(Num::Float(f64::from(unsafe { read::<f32>(ptr) }))),
        SQL_C_DOUBLE => Val::Num(Num::Float(unsafe { read::<f64>(ptr) })),
        SQL_C_NUMERIC => {
            let b = unsafe { read::<[u8; NUMERIC_STRUCT_SIZE]>(ptr) };
            let (v, s) = read_numeric_struct(&b)?;
            Val::Num(Num::Dec(v, s))
        }
        SQL_C_DATE | SQL_C_TYPE_DATE => Val::Date(read_date_struct(&unsafe {
            read::<[u8; DATE_STRUCT_SIZE]>(ptr)
        })?),
        SQL_C_TIME | SQL_C_TYPE_TIME => Val::Time(read_time_struct(&unsafe {
            read::<[u8; TIME_STRUCT_SIZE]>(ptr)
        })?),
        SQL_C_TIMESTAMP | SQL_C_TYPE_TIMESTAMP => Val::Ts(
            read_timestamp_struct(&unsafe { read::<[u8; TIMESTAMP_STRUCT_SIZE]>(ptr) })?,
            9,
        ),
        SQL_C_GUID => Val::Text(guid_text(&unsafe { read::<[u8; 16]>(ptr) }).into()),
        t if (SQL_C_INTERVAL_FIRST..=SQL_C_INTERVAL_LAST).contains(&t) => {
            return Err(ConvError::new(
                "07006",
                format!("restricted data type attribute violation: interval C type {t} is not supported"),
            ));
        }
        t => {
            return Err(ConvError::new(
                "HY003",
                format!("invalid application buffer type {t}"),
            ))
        }
    })
}

fn int<T: Into<i128>>(v: T) -> Val<'static> {
    Val::Num(Num::Int(v.into()))
}

fn to_isize(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

/// # Safety
/// `ptr` points to a readable `T` (any alignment).
unsafe fn read<T: Copy>(ptr: *const c_void) -> T {
    // SAFETY: by contract.
    unsafe { std::ptr::read_unaligned(ptr as *const T) }
}

/// The bytes of a string: `len` bytes, or up to the first zero unit of `unit` bytes
/// (never past `limit` bytes when one is known).
///
/// # Safety
/// `len` bytes readable, or a zero unit within `limit` bytes (or anywhere, without a limit).
pub(crate) unsafe fn terminated(
    p: *const u8,
    len: Option<usize>,
    limit: Option<usize>,
    unit: usize,
) -> Vec<u8> {
    if let Some(n) = len {
        // SAFETY: by contract.
        return unsafe { std::slice::from_raw_parts(p, n) }.to_vec();
    }
    let mut n = 0usize;
    loop {
        if limit.is_some_and(|l| n + unit > l) {
            break;
        }
        // SAFETY: within the string or its terminator, by contract.
        let u = unsafe { std::slice::from_raw_parts(p.add(n), unit) };
        if u.iter().all(|b| *b == 0) {
            break;
        }
        n += unit;
    }
    // SAFETY: the `n` bytes just scanned.
    unsafe { std::slice::from_raw_parts(p, n) }.to_vec()
}

/// `SQLGUID` (Data1 u32, Data2 u16, Data3 u16 native order; Data4 8 bytes) as text.
fn guid_text(b: &[u8; 16]) -> String {
    let d1 = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
    let d2 = u16::from_ne_bytes([b[4], b[5]]);
    let d3 = u16::from_ne_bytes([b[6], b[7]]);
    let tail: String = b[8..].iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{d1:08x}-{d2:04x}-{d3:04x}-{}-{}",
        tail.get(..4).unwrap_or(""),
        tail.get(4..).unwrap_or("")
    )
}

fn typed_null(sql_type: i16, decimal_digits: i16) -> ScalarValue {
    match sql_type {
        SQL_CHAR | SQL_VARCHAR | SQL_LONGVARCHAR | SQL_WCHAR | SQL_WVARCHAR | SQL_WLONGVARCHAR
        | SQL_GUID => ScalarValue::Utf8(None),
        SQL_DECIMAL | SQL_NUMERIC => {
            ScalarValue::Decimal128(None, MAX_DIGITS, scale_of(decimal_digits) as i8)
        }
        SQL_BIGINT => ScalarValue::Int64(None),
        SQL_INTEGER => ScalarValue::Int32(None),
        SQL_SMALLINT => ScalarValue::Int16(None),
        SQL_TINYINT => ScalarValue::Int8(None),
        SQL_BIT => ScalarValue::Boolean(None),
        SQL_REAL => ScalarValue::Float32(None),
        SQL_FLOAT | SQL_DOUBLE => ScalarValue::Float64(None),
        SQL_BINARY | SQL_VARBINARY | SQL_LONGVARBINARY => ScalarValue::Binary(None),
        SQL_TYPE_DATE => ScalarValue::Date32(None),
        SQL_TYPE_TIME => ScalarValue::Time64Nanosecond(None),
        SQL_TYPE_TIMESTAMP => ScalarValue::TimestampMicrosecond(None, utc()),
        _ => ScalarValue::Null,
    }
}

fn scale_of(decimal_digits: i16) -> u8 {
    u8::try_from(decimal_digits.clamp(0, i16::from(MAX_DIGITS))).unwrap_or(0)
}

fn restricted(val: &Val, sql_type: i16) -> ConvError {
    ConvError::new(
        "07006",
        format!(
            "restricted data type attribute violation: a {} parameter cannot be converted to SQL type {sql_type}",
            val.kind()
        ),
    )
}

fn out_of_range(what: String) -> ConvError {
    ConvError::new("22003", format!("numeric value out of range: {what}"))
}

fn num_of(val: &Val, sql_type: i16) -> Result<Num, ConvError> {
    match val {
        Val::Num(n) => Ok(*n),
        Val::Bool(b) => Ok(Num::Int(i128::from(*b))),
        Val::Text(s) => {
            let (v, sc) = parse_decimal(s)?;
            Ok(if sc == 0 {
                Num::Int(v)
            } else {
                Num::Dec(v, sc)
            })
        }
        _ => Err(restricted(val, sql_type)),
    }
}

fn int_of(val: &Val, sql_type: i16, min: i128, max: i128) -> Result<i128, ConvError> {
    let n = num_of(val, sql_type)?;
    let (v, _) = n.to_int()?;
    if v < min || v > max {
        return Err(out_of_range(format!(
            "{} does not fit SQL type {sql_type}",
            n.to_text()
        )));
    }
    Ok(v)
}

fn float_of(val: &Val, sql_type: i16) -> Result<f64, ConvError> {
    match val {
        Val::Text(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| {
                ConvError::new(
                    "22018",
                    format!("invalid character value for a number: {}", preview(s)),
                )
            }),
        _ => Ok(num_of(val, sql_type)?.to_f64()),
    }
}

fn text_of(val: &Val) -> String {
    match val {
        Val::Text(s) => s.to_string(),
        Val::Bytes(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
        Val::Num(n) => n.to_text(),
        Val::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Val::Date(d) => format_date(*d),
        Val::Time(t) => format_time(*t),
        Val::Ts(ts, digits) => format_timestamp(*ts, usize::from(*digits)),
        Val::Null => String::new(),
    }
}

fn days(d: NaiveDate) -> Option<i32> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from(d.signed_duration_since(epoch).num_days()).ok()
}

fn nanos_of_day(t: NaiveTime) -> i64 {
    i64::from(t.num_seconds_from_midnight()) * 1_000_000_000
        + i64::from(t.nanosecond().min(999_999_999))
}

fn datetime_overflow(what: &str) -> ConvError {
    ConvError::new("22008", format!("datetime field overflow: {what}"))
}

fn hex_decode(s: &str) -> Result<Vec<u8>, ConvError> {
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let bad = || {
        ConvError::new(
            "22018",
            "invalid character value: binary text must be pairs of hex digits".into(),
        )
    };
    if t.len() % 2 != 0 {
        return Err(bad());
    }
    (0..t.len())
        .step_by(2)
        .map(|i| {
            t.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(bad)
        })
        .collect()
}

fn to_scalar(val: Val, sql_type: i16, decimal_digits: i16) -> Result<ScalarValue, ConvError> {
    Ok(match sql_type {
        SQL_CHAR | SQL_VARCHAR | SQL_LONGVARCHAR | SQL_WCHAR | SQL_WVARCHAR | SQL_WLONGVARCHAR
        | SQL_GUID => ScalarValue::Utf8(Some(text_of(&val))),
        SQL_DECIMAL | SQL_NUMERIC => {
            let (v, s) = num_of(&val, sql_type)?.to_dec()?;
            let want = scale_of(decimal_digits).max(s);
            let (v, _) = rescale(v, s, want).ok_or_else(|| out_of_range(format_decimal(v, s)))?;
            if count_digits(v.unsigned_abs()) > u32::from(MAX_DIGITS) {
                return Err(out_of_range(format_decimal(v, want)));
            }
            ScalarValue::Decimal128(Some(v), MAX_DIGITS, want as i8)
        }
        SQL_BIGINT => {
            ScalarValue::Int64(Some(
                int_of(&val, sql_type, i64::MIN.into(), i64::MAX.into())? as i64,
            ))
        }
        SQL_INTEGER => {
            ScalarValue::Int32(Some(
                int_of(&val, sql_type, i32::MIN.into(), i32::MAX.into())? as i32,
            ))
        }
        SQL_SMALLINT => {
            ScalarValue::Int16(Some(
                int_of(&val, sql_type, i16::MIN.into(), i16::MAX.into())? as i16,
            ))
        }
        SQL_TINYINT => {
            ScalarValue::Int8(Some(
                int_of(&val, sql_type, i8::MIN.into(), i8::MAX.into())? as i8,
            ))
        }
        SQL_BIT => {
            let b = match &val {
                Val::Bool(b) => *b,
                Val::Text(s) if s.trim().eq_ignore_ascii_case("true") => true,
                Val::Text(s) if s.trim().eq_ignore_ascii_case("false") => false,
                _ => {
                    let n = num_of(&val, sql_type)?;
                    match n.to_int()? {
                        (0, _) => false,
                        (1, false) => true,
                        _ => return Err(out_of_range(format!("{} is not 0 or 1", n.to_text()))),
                    }
                }
            };
            ScalarValue::Boolean(Some(b))
        }
        SQL_REAL => {
            let f = float_of(&val, sql_type)?;
            if f.is_finite() && f.abs() > f64::from(f32::MAX) {
                return Err(out_of_range(format_float(f)));
            }
            ScalarValue::Float32(Some(f as f32))
        }
        SQL_FLOAT | SQL_DOUBLE => ScalarValue::Float64(Some(float_of(&val, sql_type)?)),
        SQL_BINARY | SQL_VARBINARY | SQL_LONGVARBINARY => match val {
            Val::Bytes(b) => ScalarValue::Binary(Some(b)),
            Val::Text(s) => ScalarValue::Binary(Some(hex_decode(&s)?)),
            other => return Err(restricted(&other, sql_type)),
        },
        SQL_TYPE_DATE => {
            let d = match &val {
                Val::Date(d) => *d,
                Val::Ts(ts, _) if ts.time() == NaiveTime::MIN => ts.date(),
                Val::Text(s) => match parse_date(s)? {
                    (d, false) => d,
                    _ => return Err(datetime_overflow("a date parameter has a time part")),
                },
                Val::Ts(..) => return Err(datetime_overflow("a date parameter has a time part")),
                other => return Err(restricted(other, sql_type)),
            };
            ScalarValue::Date32(Some(days(d).ok_or_else(|| datetime_overflow("date"))?))
        }
        SQL_TYPE_TIME => {
            let t = match &val {
                Val::Time(t) => *t,
                Val::Ts(ts, _) => ts.time(),
                Val::Text(s) => parse_time(s)?,
                other => return Err(restricted(other, sql_type)),
            };
            ScalarValue::Time64Nanosecond(Some(nanos_of_day(t)))
        }
        SQL_TYPE_TIMESTAMP => {
            let ts = match &val {
                Val::Ts(ts, _) => *ts,
                Val::Date(d) => d.and_time(NaiveTime::MIN),
                Val::Time(t) => chrono::Utc::now().date_naive().and_time(*t),
                Val::Text(s) => parse_timestamp(s)?,
                other => return Err(restricted(other, sql_type)),
            };
            ScalarValue::TimestampMicrosecond(Some(ts.and_utc().timestamp_micros()), utc())
        }
        // No (or an unknown) SQL type: the C value's own type.
        _ => natural(val)?,
    })
}

fn natural(val: Val) -> Result<ScalarValue, ConvError> {
    Ok(match val {
        Val::Null => ScalarValue::Null,
        Val::Text(s) => ScalarValue::Utf8(Some(s.into_owned())),
        Val::Bytes(b) => ScalarValue::Binary(Some(b)),
        Val::Num(Num::Int(v)) => match i64::try_from(v) {
            Ok(v) => ScalarValue::Int64(Some(v)),
            Err(_) => ScalarValue::Decimal128(Some(v), MAX_DIGITS, 0),
        },
        Val::Num(Num::Dec(v, s)) => ScalarValue::Decimal128(Some(v), MAX_DIGITS, s as i8),
        Val::Num(Num::Float(f)) => ScalarValue::Float64(Some(f)),
        Val::Bool(b) => ScalarValue::Boolean(Some(b)),
        Val::Date(d) => {
            ScalarValue::Date32(Some(days(d).ok_or_else(|| datetime_overflow("date"))?))
        }
        Val::Time(t) => ScalarValue::Time64Nanosecond(Some(nanos_of_day(t))),
        Val::Ts(ts, _) => {
            ScalarValue::TimestampMicrosecond(Some(ts.and_utc().timestamp_micros()), utc())
        }
    })
}
