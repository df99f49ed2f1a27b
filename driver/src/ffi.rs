//! The unsafe shell: panic guards around every export, handle resolution, and the
//! helpers that write out-parameters.
//!
//! Since Rust 1.81 an unwind out of an `extern "C"` function aborts the host process;
//! every entry therefore runs inside `catch_unwind`, and a panic becomes SQL_ERROR with
//! an HY000 record on the handle.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use kintone_sql::call_threads::panic_message;

use crate::diag::{DResult, DiagArea, DriverError, SHY000, SHY090};
use crate::encoding::{Encoding, WcharMode};
use crate::handles::{self, Dbc, Desc, Env, Stmt};
use crate::sys::*;

/// Runs `f`, turning a panic into SQL_ERROR.
pub fn guard(f: impl FnOnce() -> SqlReturn) -> SqlReturn {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(SQL_ERROR)
}

/// Clears the handle's diagnostics, runs the core, posts its error, and upgrades
/// SUCCESS to SUCCESS_WITH_INFO when the core left warnings. A call that succeeds on a
/// clean area leaves it clean without locking it ([`DiagArea`]): this runs for every
/// `SQLGetData` of every cell.
fn run<H>(h: &H, diag: &DiagArea, f: impl FnOnce(&H) -> DResult<SqlReturn>) -> SqlReturn {
    diag.clear();
    let outcome = catch_unwind(AssertUnwindSafe(|| f(h)));
    if matches!(outcome, Ok(Ok(SQL_SUCCESS))) && diag.is_clean() {
        return SQL_SUCCESS;
    }
    let mut d = diag.lock();
    let rc = match outcome {
        Ok(Ok(rc)) => {
            if rc == SQL_SUCCESS && d.has_warnings() {
                SQL_SUCCESS_WITH_INFO
            } else {
                rc
            }
        }
        Ok(Err(e)) => {
            d.post(&e);
            SQL_ERROR
        }
        Err(p) => {
            let msg = format!(
                "internal error in the driver: {}",
                panic_message(p.as_ref())
            );
            d.post(&DriverError::new(SHY000, msg));
            SQL_ERROR
        }
    };
    d.return_code = rc;
    rc
}

pub fn with_env(h: Handle, f: impl FnOnce(&Env) -> DResult<SqlReturn>) -> SqlReturn {
    guard(|| match handles::env(h) {
        Some(x) => run(&*x, &x.diag, f),
        None => SQL_INVALID_HANDLE,
    })
}

/// A connection's log, made the current subscriber for the length of one ODBC call
/// (see `log`).
fn log_of(d: &Dbc) -> Option<crate::log::Log> {
    d.session().and_then(|s| s.log.clone())
}

pub fn with_dbc(h: Handle, f: impl FnOnce(&Dbc) -> DResult<SqlReturn>) -> SqlReturn {
    guard(|| match handles::dbc(h) {
        Some(x) => {
            let log = log_of(&x);
            let _scope = crate::log::enter(log.as_ref());
            run(&*x, &x.diag, f)
        }
        None => SQL_INVALID_HANDLE,
    })
}

/// Runs `f` on a connection whose diagnostics come from its connect call, without
/// clearing them (see [`Diagnostics::from_connect`]). `None` (any other handle state, or
/// `f` declining) means the caller takes the ordinary path.
pub fn with_dbc_after_connect(
    h: Handle,
    f: impl FnOnce(&Dbc) -> Option<SqlReturn>,
) -> Option<SqlReturn> {
    catch_unwind(AssertUnwindSafe(|| {
        let d = handles::dbc(h)?;
        if !d.diag.lock().from_connect {
            return None;
        }
        f(&d)
    }))
    .unwrap_or(Some(SQL_ERROR))
}

/// A statement made by the parent of a fork cannot run here: its connection's sockets
/// are the parent's.
pub fn with_stmt(h: Handle, f: impl FnOnce(&Stmt) -> DResult<SqlReturn>) -> SqlReturn {
    guard(|| match handles::stmt(h) {
        Some(x) => {
            let _scope = crate::log::enter(x.log.as_ref());
            // Only a connection with a log has a statement span.
            let _span = x.span.as_ref().map(tracing::Span::enter);
            run(&*x, &x.diag, |s| {
                if s.pid != crate::runtime::process() {
                    return Err(inherited());
                }
                f(s)
            })
        }
        None => SQL_INVALID_HANDLE,
    })
}

pub fn inherited() -> DriverError {
    DriverError::new(
        SHY000,
        "this handle was made by the parent process before fork(): open a new connection in this process",
    )
}

pub fn with_desc(h: Handle, f: impl FnOnce(&Desc) -> DResult<SqlReturn>) -> SqlReturn {
    guard(|| match handles::desc(h) {
        Some(x) => run(&*x, &x.diag, f),
        None => SQL_INVALID_HANDLE,
    })
}

/// Writes `v` through `p` unless the application passed NULL.
///
/// # Safety
/// `p` is null or valid for a write of `T` (alignment not required).
pub unsafe fn write_opt<T>(p: *mut T, v: T) {
    if !p.is_null() {
        // SAFETY: non-null and valid per the caller's contract.
        unsafe { p.write_unaligned(v) };
    }
}

/// Where a string function reports the full length.
#[derive(Clone, Copy)]
pub enum LenOut {
    None,
    I16(*mut i16),
    I32(*mut i32),
}

impl LenOut {
    /// # Safety
    /// The pointer inside is null or writable.
    unsafe fn set(self, n: usize) {
        match self {
            LenOut::None => {}
            // SAFETY: per the caller's contract.
            LenOut::I16(p) => unsafe { write_opt(p, i16::try_from(n).unwrap_or(i16::MAX)) },
            // SAFETY: per the caller's contract.
            LenOut::I32(p) => unsafe { write_opt(p, i32::try_from(n).unwrap_or(i32::MAX)) },
        }
    }
}

/// Whether a function's buffer and length are counted in bytes or in characters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Units {
    Bytes,
    Chars,
}

/// Writes a string out-parameter. Returns whether it was truncated (the caller posts
/// 01004). A negative buffer length is HY090.
///
/// # Safety
/// `out` is null or writable for `buf_len` (bytes or characters per `units`);
/// `len` holds a null or writable pointer.
pub unsafe fn write_str<E: Encoding>(
    s: &str,
    out: *mut c_void,
    buf_len: isize,
    len: LenOut,
    units: Units,
    mode: WcharMode,
) -> DResult<bool> {
    if buf_len < 0 {
        return Err(DriverError::new(
            SHY090,
            format!("the buffer length {buf_len} is negative"),
        ));
    }
    let unit = E::unit_size(mode);
    let cap_units = match units {
        Units::Bytes => buf_len as usize / unit,
        Units::Chars => buf_len as usize,
    };
    // SAFETY: per the caller's contract.
    let w = unsafe { E::write(s, out, cap_units, mode) };
    let full = match units {
        Units::Bytes => w.full_units * unit,
        Units::Chars => w.full_units,
    };
    // SAFETY: per the caller's contract.
    unsafe { len.set(full) };
    Ok(w.truncated)
}

/// Reads an input string (`SQL_NTS` or a length in characters); NULL is `None`.
/// A negative length other than SQL_NTS is HY090.
///
/// # Safety
/// `p` is null or readable for `len` units (or terminated).
pub unsafe fn read_str<E: Encoding>(
    p: *const c_void,
    len: i32,
    mode: WcharMode,
) -> DResult<Option<String>> {
    if len < 0 && len != SQL_NTS {
        if p.is_null() {
            return Ok(None);
        }
        return Err(DriverError::new(
            SHY090,
            format!("the string length {len} is invalid"),
        ));
    }
    // SAFETY: per the caller's contract.
    Ok(unsafe { E::read(p, len, mode) })
}

/// Lengths given in bytes by W functions that take bytes (SQLSetConnectAttrW...).
pub fn bytes_to_units<E: Encoding>(len: i32, mode: WcharMode) -> i32 {
    if len < 0 {
        len
    } else {
        len / E::unit_size(mode) as i32
    }
}
