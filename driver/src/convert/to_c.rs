//! SQL → C: one Arrow cell into an application buffer (bound columns and `SQLGetData`).

use std::borrow::Cow;

use chrono::{NaiveTime, Timelike};
use kintone_sql::arrow::array::Array;
use kintone_sql::arrow::datatypes::{DataType, Field};

use super::datetime::*;
use super::numeric::*;
use super::value::{cell, Val};
use super::{
    preview, CBuffer, ConvError, Outcome, Progress, SQL_C_INTERVAL_FIRST, SQL_C_INTERVAL_LAST,
};
use crate::encoding::{Encoding, Narrow, WcharMode, Wide};
use crate::sys::*;
use crate::types::{default_c_type, describe};

/// How chunked bytes are cut and terminated.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Chunking {
    Narrow,
    Wide,
    Binary,
}

/// A converted value, before it meets the buffer.
enum Rendered {
    Null,
    /// Variable-length bytes, returned in chunks.
    Chunked {
        bytes: Vec<u8>,
        chunking: Chunking,
    },
    /// A fixed-size value, already written into the buffer (when there is one): its
    /// size in bytes.
    Fixed {
        len: usize,
        fraction_cut: bool,
    },
    /// A whole text already written into the buffer, terminated: its length in bytes.
    InPlace(usize),
}

/// Writes the value at `row` of `array` (described by `field`) into `buf`; returns
/// the length/indicator value (SQL_NULL_DATA, or the byte length of what remained
/// before this call) and the outcome.
///
/// `progress` is `Some` for `SQLGetData`: each call continues where the last stopped,
/// never splitting a character, and `NoData` follows the last chunk. `None` for bound
/// columns (truncate once).
///
/// # Safety
/// `buf.ptr` is null or writable for `buf.len` bytes (for fixed-size C types: for the
/// size of that type, whatever `buf.len` says).
pub unsafe fn write_value(
    array: &dyn Array,
    field: &Field,
    row: usize,
    buf: &CBuffer,
    mode: WcharMode,
    progress: Option<&mut Progress>,
) -> Result<(isize, Outcome), ConvError> {
    let c_type = if buf.c_type == SQL_C_DEFAULT {
        default_c_type(describe(field, mode).sql_type)
    } else {
        buf.c_type
    };
    let Some(p) = progress else {
        // SAFETY: forwarded caller contract.
        let rendered = unsafe { render(&cell(array, row)?, field, c_type, buf, mode) }?;
        // SAFETY: forwarded caller contract.
        return Ok(unsafe { emit(&rendered, buf, mode, 0) }.0);
    };
    if p.finished {
        return Ok((0, Outcome::NoData));
    }
    if p.c_type != c_type {
        p.rendered = None;
        p.offset = 0;
    }
    let rendered = match p.rendered.take() {
        Some(bytes) => Rendered::Chunked {
            bytes,
            chunking: chunking(c_type),
        },
        // SAFETY: forwarded caller contract.
        None => unsafe { render(&cell(array, row)?, field, c_type, buf, mode) }?,
    };
    p.c_type = c_type;
    // SAFETY: forwarded caller contract.
    let ((len, outcome), consumed) = unsafe { emit(&rendered, buf, mode, p.offset) };
    p.offset += consumed;
    match (outcome, rendered) {
        (Outcome::Truncated, Rendered::Chunked { bytes, .. }) => p.rendered = Some(bytes),
        // A probe without a buffer returned nothing yet: the value is still to come.
        (_, Rendered::Fixed { .. }) if buf.ptr.is_null() => {}
        _ => p.finished = true,
    }
    Ok((len, outcome))
}

fn chunking(c_type: i16) -> Chunking {
    match c_type {
        SQL_C_WCHAR => Chunking::Wide,
        SQL_C_BINARY => Chunking::Binary,
        _ => Chunking::Narrow,
    }
}

fn to_isize(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

/// Writes one chunk (or the fixed value) and returns ((indicator, outcome), bytes consumed).
unsafe fn emit(
    rendered: &Rendered,
    buf: &CBuffer,
    mode: WcharMode,
    offset: usize,
) -> ((isize, Outcome), usize) {
    match rendered {
        Rendered::Null => ((SQL_NULL_DATA, Outcome::Done), 0),
        Rendered::InPlace(n) => ((to_isize(*n), Outcome::Done), *n),
        Rendered::Fixed { len, fraction_cut } => {
            let outcome = if *fraction_cut {
                Outcome::FractionTruncated
            } else {
                Outcome::Done
            };
            ((to_isize(*len), outcome), 0)
        }
        Rendered::Chunked {
            bytes: all,
            chunking,
            ..
        } => {
            let rest = all.get(offset..).unwrap_or(&[]);
            let total = to_isize(rest.len());
            let term = match chunking {
                Chunking::Narrow => 1,
                Chunking::Wide => mode.width(),
                Chunking::Binary => 0,
            };
            let cap = usize::try_from(buf.len).unwrap_or(0);
            if buf.ptr.is_null() || cap < term {
                // Only the length can be reported; nothing is consumed.
                let outcome = if rest.is_empty() {
                    Outcome::Done
                } else {
                    Outcome::Truncated
                };
                return ((total, outcome), 0);
            }
            let room = cap - term;
            let n = if rest.len() <= room {
                rest.len()
            } else {
                match chunking {
                    Chunking::Narrow => Narrow::boundary(rest, room, mode),
                    Chunking::Wide => Wide::boundary(rest, room, mode),
                    Chunking::Binary => room,
                }
            };
            // SAFETY: `n + term <= cap` bytes are writable, by contract.
            unsafe {
                std::ptr::copy_nonoverlapping(rest.as_ptr(), buf.ptr as *mut u8, n);
                std::ptr::write_bytes((buf.ptr as *mut u8).add(n), 0, term);
            }
            let outcome = if n == rest.len() {
                Outcome::Done
            } else {
                Outcome::Truncated
            };
            ((total, outcome), n)
        }
    }
}

fn restricted(val: &Val, c_type: i16) -> ConvError {
    let what = val.kind();
    ConvError::new(
        "07006",
        format!("restricted data type attribute violation: a {what} column cannot be converted to C type {c_type}"),
    )
}

/// Text → number for the numeric C types (22018 when it is not one).
fn text_num(s: &str) -> Result<Num, ConvError> {
    match parse_decimal(s) {
        Ok((v, 0)) => Ok(Num::Int(v)),
        Ok((v, sc)) => Ok(Num::Dec(v, sc)),
        // Too many digits for a decimal may still be a double.
        Err(e) if e.sqlstate == "22003" => s.trim().parse::<f64>().map(Num::Float).map_err(|_| e),
        Err(e) => Err(e),
    }
}

fn as_num(val: &Val, c_type: i16) -> Result<Num, ConvError> {
    match val {
        Val::Num(n) => Ok(*n),
        Val::Bool(b) => Ok(Num::Int(i128::from(*b))),
        Val::Text(s) => text_num(s),
        _ => Err(restricted(val, c_type)),
    }
}

fn int_range(c_type: i16) -> Option<(i128, i128, usize)> {
    Some(match c_type {
        SQL_C_TINYINT | SQL_C_STINYINT => (i128::from(i8::MIN), i128::from(i8::MAX), 1),
        SQL_C_UTINYINT => (0, i128::from(u8::MAX), 1),
        SQL_C_SHORT | SQL_C_SSHORT => (i128::from(i16::MIN), i128::from(i16::MAX), 2),
        SQL_C_USHORT => (0, i128::from(u16::MAX), 2),
        SQL_C_LONG | SQL_C_SLONG => (i128::from(i32::MIN), i128::from(i32::MAX), 4),
        SQL_C_ULONG => (0, i128::from(u32::MAX), 4),
        SQL_C_SBIGINT => (i128::from(i64::MIN), i128::from(i64::MAX), 8),
        SQL_C_UBIGINT => (0, i128::from(u64::MAX), 8),
        _ => return None,
    })
}

fn out_of_range(what: String) -> ConvError {
    ConvError::new("22003", format!("numeric value out of range: {what}"))
}

/// Writes a fixed-size C value straight into the buffer (a length probe has none).
/// Kept out of `Rendered`: moving its bytes through return values showed in read
/// profiles as store-forwarding stalls, on every numeric, date and time cell.
///
/// # Safety
/// `buf.ptr` is null or writable for the size of the C type, whose bytes these are.
unsafe fn fixed(buf: &CBuffer, bytes: &[u8], fraction_cut: bool) -> Rendered {
    if !buf.ptr.is_null() {
        // SAFETY: a fixed-size C type's buffer holds the type, by contract.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.ptr as *mut u8, bytes.len()) };
    }
    Rendered::Fixed {
        len: bytes.len(),
        fraction_cut,
    }
}

/// The text form of a value for CHAR/WCHAR, and how many of its characters must fit.
fn text_form<'a>(val: &'a Val<'_>) -> (Cow<'a, str>, usize) {
    match val {
        // Borrowed: long text is copied once, into the encoded bytes.
        Val::Text(s) => (Cow::Borrowed(s.as_ref()), 0),
        Val::Bytes(b) => (
            Cow::Owned(b.iter().map(|x| format!("{x:02X}")).collect()),
            0,
        ),
        Val::Num(n) => {
            let s = n.to_text();
            let whole = s.find('.').unwrap_or(s.len());
            (Cow::Owned(s), whole)
        }
        Val::Bool(b) => (Cow::Borrowed(if *b { "1" } else { "0" }), 1),
        Val::Date(d) => (Cow::Owned(format_date(*d)), 10),
        Val::Time(t) => (Cow::Owned(format_time(*t)), 8),
        Val::Ts(ts, digits) => (Cow::Owned(format_timestamp(*ts, usize::from(*digits))), 19),
        Val::Null => (Cow::Borrowed(""), 0),
    }
}

/// The bytes of a value as the SQL type stores it, for SQL_C_BINARY.
fn binary_form(val: &Val, field: &Field, mode: WcharMode) -> Vec<u8> {
    match val {
        Val::Text(s) => Wide::encode(s, mode),
        Val::Bytes(b) => b.clone(),
        Val::Bool(b) => vec![u8::from(*b)],
        Val::Num(n) => match (n, field.data_type()) {
            (Num::Int(v), DataType::Int8) => (*v as i8).to_ne_bytes().to_vec(),
            (Num::Int(v), DataType::Int16 | DataType::UInt8) => (*v as i16).to_ne_bytes().to_vec(),
            (Num::Int(v), DataType::Int32 | DataType::UInt16) => (*v as i32).to_ne_bytes().to_vec(),
            (Num::Int(v), DataType::Int64 | DataType::UInt32) => (*v as i64).to_ne_bytes().to_vec(),
            (Num::Float(f), DataType::Float32 | DataType::Float16) => {
                (*f as f32).to_ne_bytes().to_vec()
            }
            (Num::Float(f), _) => f.to_ne_bytes().to_vec(),
            (Num::Int(v), _) => numeric_struct(*v, MAX_DIGITS, 0).to_vec(),
            (Num::Dec(v, s), _) => numeric_struct(*v, MAX_DIGITS, *s as i8).to_vec(),
        },
        Val::Date(d) => date_struct(*d).to_vec(),
        Val::Time(t) => time_struct(*t).to_vec(),
        Val::Ts(ts, _) => timestamp_struct(*ts).to_vec(),
        Val::Null => Vec::new(),
    }
}

/// Writes a whole text into the buffer, terminated, when it surely fits: most cells
/// applications read are short texts, which then need no encoded copy of their own.
/// `None` (nothing written) leaves the value to the chunked path.
///
/// # Safety
/// `buf.ptr` is null or writable for `buf.len` bytes.
unsafe fn text_in_place(s: &str, c_type: i16, buf: &CBuffer, mode: WcharMode) -> Option<usize> {
    if buf.ptr.is_null() {
        return None;
    }
    let cap = usize::try_from(buf.len).ok()?;
    let wide = c_type == SQL_C_WCHAR;
    let term = if wide { mode.width() } else { 1 };
    let room = cap.checked_sub(term)?;
    let out = buf.ptr as *mut u8;
    // SAFETY: `room + term == cap` bytes are writable, by contract; `n <= room`.
    unsafe {
        let n = if wide {
            Wide::encode_into(s, mode, out, room)?
        } else {
            Narrow::encode_into(s, mode, out, room)?
        };
        std::ptr::write_bytes(out.add(n), 0, term);
        Some(n)
    }
}

/// Inlined into `write_value`: returned through memory, the value cost a
/// store-forwarding stall on every `SQLGetData`.
///
/// # Safety
/// `buf.ptr` is null or writable for `buf.len` bytes.
#[inline(always)]
unsafe fn render(
    val: &Val,
    field: &Field,
    c_type: i16,
    buf: &CBuffer,
    mode: WcharMode,
) -> Result<Rendered, ConvError> {
    if *val == Val::Null {
        return Ok(Rendered::Null);
    }
    // SAFETY: per the caller's contract, `buf` holds the fixed-size C type `put` writes.
    let put = |bytes: &[u8], cut: bool| unsafe { fixed(buf, bytes, cut) };
    match c_type {
        SQL_C_CHAR | SQL_C_WCHAR => {
            if let Val::Text(s) = val {
                // SAFETY: per the caller's contract.
                if let Some(n) = unsafe { text_in_place(s, c_type, buf, mode) } {
                    return Ok(Rendered::InPlace(n));
                }
            }
            let (text, must_fit_chars) = text_form(val);
            let (bytes, unit, chunking) = if c_type == SQL_C_WCHAR {
                (Wide::encode(&text, mode), mode.width(), Chunking::Wide)
            } else {
                (Narrow::encode(&text, mode), 1, Chunking::Narrow)
            };
            let must_fit = must_fit_chars * unit;
            check_must_fit(must_fit, unit, bytes.len(), buf)?;
            Ok(Rendered::Chunked { bytes, chunking })
        }
        SQL_C_BINARY => {
            let bytes = binary_form(val, field, mode);
            let must_fit = match val {
                Val::Text(_) | Val::Bytes(_) => 0,
                _ => bytes.len(),
            };
            check_must_fit(must_fit, 0, bytes.len(), buf)?;
            Ok(Rendered::Chunked {
                bytes,
                chunking: Chunking::Binary,
            })
        }
        SQL_C_BIT => {
            // 0 and 1 as they are; between 0 and 2 cut to 0 or 1 (01S07); else 22003.
            let n = as_num(val, c_type)?;
            let (v, cut) = n.to_int()?;
            match v {
                0 | 1 if !n.is_negative() => Ok(put(&[v as u8], cut)),
                _ => Err(out_of_range(format!("{} is not 0 or 1", n.to_text()))),
            }
        }
        SQL_C_FLOAT | SQL_C_DOUBLE => {
            let f = match val {
                Val::Text(s) => parse_float(s)?,
                _ => as_num(val, c_type)?.to_f64(),
            };
            if c_type == SQL_C_DOUBLE {
                return Ok(put(&f.to_ne_bytes(), false));
            }
            if f.is_finite() && f.abs() > f64::from(f32::MAX) {
                return Err(out_of_range(format_float(f)));
            }
            Ok(put(&(f as f32).to_ne_bytes(), false))
        }
        SQL_C_NUMERIC => {
            let (v, s) = as_num(val, c_type)?.to_dec()?;
            let (precision, scale) = if buf.precision > 0 {
                (
                    u8::try_from(buf.precision)
                        .unwrap_or(MAX_DIGITS)
                        .min(MAX_DIGITS),
                    u8::try_from(buf.scale.max(0)).unwrap_or(0).min(MAX_DIGITS),
                )
            } else {
                (MAX_DIGITS, s)
            };
            let (r, cut) =
                rescale(v, s, scale).ok_or_else(|| out_of_range(format_decimal(v, s)))?;
            if count_digits(r.unsigned_abs()) > u32::from(precision) {
                return Err(out_of_range(format!(
                    "{} does not fit NUMERIC({precision},{scale})",
                    format_decimal(v, s)
                )));
            }
            Ok(put(&numeric_struct(r, precision, scale as i8), cut))
        }
        SQL_C_DATE | SQL_C_TYPE_DATE => match val {
            Val::Date(d) => Ok(put(&date_struct(*d), false)),
            Val::Ts(ts, _) => Ok(put(&date_struct(ts.date()), ts.time() != NaiveTime::MIN)),
            Val::Text(s) => {
                let (d, cut) = parse_date(s)?;
                Ok(put(&date_struct(d), cut))
            }
            _ => Err(restricted(val, c_type)),
        },
        SQL_C_TIME | SQL_C_TYPE_TIME => {
            let t = match val {
                Val::Time(t) => *t,
                Val::Ts(ts, _) => ts.time(),
                Val::Text(s) => parse_time(s)?,
                _ => return Err(restricted(val, c_type)),
            };
            Ok(put(&time_struct(t), t.nanosecond() != 0))
        }
        SQL_C_TIMESTAMP | SQL_C_TYPE_TIMESTAMP => {
            let ts = match val {
                Val::Ts(ts, _) => *ts,
                Val::Date(d) => d.and_time(NaiveTime::MIN),
                Val::Time(t) => chrono::Utc::now().date_naive().and_time(*t),
                Val::Text(s) => parse_timestamp(s)?,
                _ => return Err(restricted(val, c_type)),
            };
            Ok(put(&timestamp_struct(ts), false))
        }
        SQL_C_GUID => Err(restricted(val, c_type)),
        t if (SQL_C_INTERVAL_FIRST..=SQL_C_INTERVAL_LAST).contains(&t) => {
            Err(restricted(val, c_type))
        }
        t => match int_range(t) {
            Some((min, max, size)) => {
                let n = as_num(val, c_type)?;
                let (v, cut) = n.to_int()?;
                if v < min || v > max {
                    return Err(out_of_range(format!(
                        "{} does not fit C type {t}",
                        n.to_text()
                    )));
                }
                let bytes = v.to_ne_bytes();
                // The low `size` bytes of the two's complement, in native order.
                let low = if cfg!(target_endian = "little") {
                    bytes.get(..size)
                } else {
                    bytes.get(16 - size..)
                };
                Ok(put(low.unwrap_or(&[]), cut))
            }
            None => Err(ConvError::new(
                "HY003",
                format!("invalid application buffer type {t}"),
            )),
        },
    }
}

/// `SQL_C_FLOAT/DOUBLE` from text: a numeric literal (22018 otherwise; no `inf`/`NaN`).
fn parse_float(s: &str) -> Result<f64, ConvError> {
    let t = s.trim();
    let literal = !t.is_empty()
        && t.bytes().any(|b| b.is_ascii_digit())
        && t.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    t.parse::<f64>().ok().filter(|_| literal).ok_or_else(|| {
        ConvError::new(
            "22018",
            format!("invalid character value for a number: {}", preview(s)),
        )
    })
}

/// 22003 when the part of a value that may not be cut does not fit the buffer (ODBC:
/// "the number of whole digits is larger than the buffer"). A length-only probe (null
/// or empty buffer) is never an error.
fn check_must_fit(
    must_fit: usize,
    term: usize,
    total: usize,
    buf: &CBuffer,
) -> Result<(), ConvError> {
    let cap = usize::try_from(buf.len).unwrap_or(0);
    if must_fit == 0 || buf.ptr.is_null() || cap == 0 || total + term <= cap {
        return Ok(());
    }
    if must_fit + term > cap {
        return Err(out_of_range(format!(
            "the value needs at least {} bytes, the buffer has {cap}",
            must_fit + term
        )));
    }
    Ok(())
}
