//! SQLGetDiagRec, SQLGetDiagField and ODBC 2's SQLError. These read the area without
//! clearing it (ODBC's rule), and must answer every field unixODBC sweeps.

use std::ffi::c_void;

use crate::encoding::{Encoding, WcharMode};
use crate::ffi::{guard, write_opt, write_str, LenOut, Units};
use crate::handles::{self, Kind};
use crate::sync::lock;
use crate::sys::*;

fn area(kind: i16, h: Handle) -> Option<(handles::Live, Kind)> {
    let live = handles::get(h)?;
    let k = live.kind();
    let expected = match kind {
        SQL_HANDLE_ENV => Kind::Env,
        SQL_HANDLE_DBC => Kind::Dbc,
        SQL_HANDLE_STMT => Kind::Stmt,
        SQL_HANDLE_DESC => Kind::Desc,
        _ => return None,
    };
    if k != expected {
        return None;
    }
    Some((live, k))
}

/// The wide width for diagnostics of this handle: its connection's, or the process's.
fn mode_of(h: Handle, k: Kind) -> WcharMode {
    match k {
        Kind::Dbc => handles::dbc(h).map(|d| d.wchar()),
        Kind::Stmt => handles::stmt(h).map(|s| lock(&s.state).wchar),
        _ => None,
    }
    .unwrap_or_else(crate::encoding::process_wchar_mode)
}

/// DSN and server of the connection behind a handle, for CONNECTION_NAME/SERVER_NAME.
fn names(h: Handle, k: Kind) -> (String, String) {
    let dbc = match k {
        Kind::Dbc => handles::dbc(h),
        Kind::Stmt => handles::stmt(h).and_then(|s| s.dbc()),
        _ => None,
    };
    match dbc.and_then(|d| d.session()) {
        Some(s) => (s.dsn.clone().unwrap_or_default(), s.server.clone()),
        None => (String::new(), String::new()),
    }
}

/// # Safety
/// Buffers are null or writable: `state` for 6 characters, `msg` for `max` characters.
#[allow(clippy::too_many_arguments)]
pub unsafe fn get_diag_rec<E: Encoding>(
    kind: i16,
    h: Handle,
    rec: i16,
    state: *mut c_void,
    native: *mut i32,
    msg: *mut c_void,
    max: i16,
    msg_len: *mut i16,
) -> SqlReturn {
    guard(|| {
        let Some((d, k)) = area(kind, h) else {
            return SQL_INVALID_HANDLE;
        };
        if rec < 1 || max < 0 {
            return SQL_ERROR;
        }
        let mode = mode_of(h, k);
        let d = d.diag().lock();
        let Some(r) = d.records.get(rec as usize - 1) else {
            return SQL_NO_DATA;
        };
        // SAFETY: per the caller's contract.
        unsafe {
            let _ = write_str::<E>(&r.sqlstate, state, 6, LenOut::None, Units::Chars, mode);
            write_opt(native, r.native);
            match write_str::<E>(
                &r.message,
                msg,
                max as isize,
                LenOut::I16(msg_len),
                Units::Chars,
                mode,
            ) {
                Ok(true) => SQL_SUCCESS_WITH_INFO,
                Ok(false) => SQL_SUCCESS,
                Err(_) => SQL_ERROR,
            }
        }
    })
}

enum Value {
    Str(String),
    I16(i16),
    I32(i32),
    Len(isize),
}

/// # Safety
/// `out` is null or writable for the field's type (strings: `buf_len` bytes).
pub unsafe fn get_diag_field<E: Encoding>(
    kind: i16,
    h: Handle,
    rec: i16,
    field: i16,
    out: *mut c_void,
    buf_len: i16,
    out_len: *mut i16,
) -> SqlReturn {
    guard(|| {
        let Some((d, k)) = area(kind, h) else {
            return SQL_INVALID_HANDLE;
        };
        let mode = mode_of(h, k);
        let (dsn, server) = names(h, k);
        let d = d.diag().lock().clone();
        let v = match field {
            SQL_DIAG_NUMBER => Value::I32(d.records.len() as i32),
            SQL_DIAG_RETURNCODE => Value::I16(d.return_code),
            SQL_DIAG_ROW_COUNT
            | SQL_DIAG_CURSOR_ROW_COUNT
            | SQL_DIAG_DYNAMIC_FUNCTION
            | SQL_DIAG_DYNAMIC_FUNCTION_CODE => {
                if k != Kind::Stmt {
                    return SQL_ERROR;
                }
                match field {
                    SQL_DIAG_ROW_COUNT => Value::Len(d.row_count),
                    SQL_DIAG_CURSOR_ROW_COUNT => Value::Len(-1),
                    SQL_DIAG_DYNAMIC_FUNCTION => Value::Str("SELECT CURSOR".into()),
                    _ => Value::I32(SQL_DIAG_SELECT_CURSOR),
                }
            }
            _ => {
                if rec < 1 {
                    return SQL_ERROR;
                }
                let Some(r) = d.records.get(rec as usize - 1) else {
                    return SQL_NO_DATA;
                };
                match field {
                    SQL_DIAG_SQLSTATE => Value::Str(r.sqlstate.clone()),
                    SQL_DIAG_MESSAGE_TEXT => Value::Str(r.message.clone()),
                    SQL_DIAG_NATIVE => Value::I32(r.native),
                    SQL_DIAG_CLASS_ORIGIN => Value::Str(r.class_origin().into()),
                    SQL_DIAG_SUBCLASS_ORIGIN => Value::Str(r.subclass_origin().into()),
                    SQL_DIAG_CONNECTION_NAME => Value::Str(dsn),
                    SQL_DIAG_SERVER_NAME => Value::Str(server),
                    SQL_DIAG_ROW_NUMBER => Value::Len(if k == Kind::Stmt {
                        r.row_number
                    } else {
                        SQL_ROW_NUMBER_UNKNOWN
                    }),
                    SQL_DIAG_COLUMN_NUMBER => Value::I32(if k == Kind::Stmt {
                        r.column_number
                    } else {
                        SQL_COLUMN_NUMBER_UNKNOWN
                    }),
                    _ => return SQL_ERROR,
                }
            }
        };
        // SAFETY: per the caller's contract.
        unsafe {
            match v {
                Value::I16(n) => write_opt(out as *mut i16, n),
                Value::I32(n) => write_opt(out as *mut i32, n),
                Value::Len(n) => write_opt(out as *mut isize, n),
                Value::Str(s) => {
                    return match write_str::<E>(
                        &s,
                        out,
                        buf_len as isize,
                        LenOut::I16(out_len),
                        Units::Bytes,
                        mode,
                    ) {
                        Ok(true) => SQL_SUCCESS_WITH_INFO,
                        Ok(false) => SQL_SUCCESS,
                        Err(_) => SQL_ERROR,
                    }
                }
            }
        }
        SQL_SUCCESS
    })
}

/// ODBC 2's SQLError: returns and removes the next record of the most specific
/// handle given.
///
/// # Safety
/// As for [`get_diag_rec`].
#[allow(clippy::too_many_arguments)]
pub unsafe fn error<E: Encoding>(
    env: Handle,
    dbc: Handle,
    stmt: Handle,
    state: *mut c_void,
    native: *mut i32,
    msg: *mut c_void,
    max: i16,
    msg_len: *mut i16,
) -> SqlReturn {
    guard(|| {
        let (h, kind) = if !stmt.is_null() {
            (stmt, SQL_HANDLE_STMT)
        } else if !dbc.is_null() {
            (dbc, SQL_HANDLE_DBC)
        } else {
            (env, SQL_HANDLE_ENV)
        };
        // SAFETY: per the caller's contract.
        let rc = unsafe { get_diag_rec::<E>(kind, h, 1, state, native, msg, max, msg_len) };
        if rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO {
            if let Some(live) = handles::get(h) {
                let mut d = live.diag().lock();
                if !d.records.is_empty() {
                    d.records.remove(0);
                }
            }
        }
        rc
    })
}
