//! Arrow values → C buffers (`SQLBindCol`, `SQLGetData`) and C buffers → SQL values
//! (`SQLBindParameter`): one conversion table shared by all three.
//! (Provisional minimal version: text, integers and doubles.)

use std::ffi::c_void;

use kintone_sql::arrow::array::Array;
use kintone_sql::arrow::datatypes::Field;
use kintone_sql::arrow::util::display::{ArrayFormatter, FormatOptions};
use kintone_sql::datafusion::common::ScalarValue;

use crate::encoding::{Encoding, Narrow, WcharMode, Wide};
use crate::sys::*;

pub struct CBuffer {
    pub c_type: i16,
    pub ptr: *mut c_void,
    pub len: isize,
    pub precision: i16,
    pub scale: i16,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Truncated,
    NoData,
}

#[derive(Debug)]
pub struct ConvError {
    pub sqlstate: &'static str,
    pub message: String,
}

#[derive(Default)]
pub struct Progress {
    offset: usize,
    finished: bool,
}

/// # Safety
/// `buf.ptr` is null or writable for `buf.len` bytes (or the C type's size).
pub unsafe fn write_value(
    array: &dyn Array,
    _field: &Field,
    row: usize,
    buf: &CBuffer,
    mode: WcharMode,
    progress: Option<&mut Progress>,
) -> Result<(isize, Outcome), ConvError> {
    if array.is_null(row) {
        return Ok((SQL_NULL_DATA, Outcome::Done));
    }
    let fmt = ArrayFormatter::try_new(array, &FormatOptions::default()).map_err(|e| ConvError {
        sqlstate: "HY000",
        message: e.to_string(),
    })?;
    let text = fmt.value(row).to_string();
    match buf.c_type {
        SQL_C_CHAR | SQL_C_WCHAR | SQL_C_DEFAULT => {
            let wide = buf.c_type != SQL_C_CHAR;
            let unit = if wide { mode.width() } else { 1 };
            let bytes = if wide { Wide::encode(&text, mode) } else { Narrow::encode(&text, mode) };
            let mut dummy = Progress::default();
            let p = progress.unwrap_or(&mut dummy);
            if p.finished {
                return Ok((0, Outcome::NoData));
            }
            let rest = bytes.get(p.offset..).unwrap_or_default();
            let room = if buf.len as usize >= unit { buf.len as usize - unit } else { 0 };
            let n = if rest.len() <= room {
                rest.len()
            } else if wide {
                Wide::boundary(rest, room, mode)
            } else {
                Narrow::boundary(rest, room, mode)
            };
            if !buf.ptr.is_null() && buf.len as usize >= unit {
                // SAFETY: n + unit <= buf.len.
                unsafe {
                    std::ptr::copy_nonoverlapping(rest.as_ptr(), buf.ptr as *mut u8, n);
                    std::ptr::write_bytes((buf.ptr as *mut u8).add(n), 0, unit);
                }
            }
            let full = rest.len() as isize;
            p.offset += n;
            if n == rest.len() {
                p.finished = true;
                Ok((full, Outcome::Done))
            } else {
                Ok((full, Outcome::Truncated))
            }
        }
        SQL_C_SBIGINT | SQL_C_SLONG | SQL_C_LONG | SQL_C_SSHORT | SQL_C_SHORT => {
            let v: i64 = text.parse().map_err(|_| ConvError { sqlstate: "22018", message: format!("'{text}' is not an integer") })?;
            // SAFETY: fixed-size target per the caller's contract.
            unsafe {
                match buf.c_type {
                    SQL_C_SBIGINT => (buf.ptr as *mut i64).write_unaligned(v),
                    SQL_C_SLONG | SQL_C_LONG => (buf.ptr as *mut i32).write_unaligned(v as i32),
                    _ => (buf.ptr as *mut i16).write_unaligned(v as i16),
                }
            }
            Ok((8, Outcome::Done))
        }
        SQL_C_DOUBLE => {
            let v: f64 = text.parse().map_err(|_| ConvError { sqlstate: "22018", message: format!("'{text}' is not a number") })?;
            // SAFETY: fixed-size target.
            unsafe { (buf.ptr as *mut f64).write_unaligned(v) };
            Ok((8, Outcome::Done))
        }
        other => Err(ConvError { sqlstate: "HYC00", message: format!("C type {other} is not supported yet") }),
    }
}

/// # Safety
/// `ptr` is readable per the C type and lengths.
#[allow(clippy::too_many_arguments)]
pub unsafe fn read_param(
    c_type: i16,
    _sql_type: i16,
    _column_size: usize,
    _decimal_digits: i16,
    ptr: *const c_void,
    buffer_len: isize,
    indicator: Option<isize>,
    mode: WcharMode,
) -> Result<ScalarValue, ConvError> {
    if indicator == Some(SQL_NULL_DATA) {
        return Ok(ScalarValue::Utf8(None));
    }
    let len = match indicator {
        None | Some(SQL_NTSL) => SQL_NTS,
        Some(n) => n as i32,
    };
    let _ = buffer_len;
    // SAFETY: per the caller's contract.
    unsafe {
        Ok(match c_type {
            SQL_C_CHAR => ScalarValue::Utf8(Narrow::read(ptr, len, mode)),
            SQL_C_WCHAR => {
                let l = if len >= 0 { len / mode.width() as i32 } else { len };
                ScalarValue::Utf8(Wide::read(ptr, l, mode))
            }
            SQL_C_SBIGINT => ScalarValue::Int64(Some((ptr as *const i64).read_unaligned())),
            SQL_C_SLONG | SQL_C_LONG => ScalarValue::Int32(Some((ptr as *const i32).read_unaligned())),
            SQL_C_DOUBLE => ScalarValue::Float64(Some((ptr as *const f64).read_unaligned())),
            other => return Err(ConvError { sqlstate: "HYC00", message: format!("C type {other} is not supported yet") }),
        })
    }
}
