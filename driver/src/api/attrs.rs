//! Environment, connection and statement attributes (and their ODBC 2 "option"
//! spellings). Unknown attributes are HY092 and unsupported values HYC00/HY024, never
//! a false SUCCESS: iODBC and feature-probing applications believe what we answer
//! (notes §0.3).

use std::ffi::c_void;

use crate::diag::{DResult, DriverError, S01S02, SHY009, SHY024, SHY092, SHYC00};
use crate::encoding::{Encoding, WcharMode};
use crate::ffi::{
    bytes_to_units, read_str, with_dbc, with_env, with_stmt, write_opt, write_str, LenOut, Units,
};
use crate::handles::{Dbc, Stmt};
use crate::sync::lock;
use crate::sys::*;

fn int(v: *mut c_void) -> usize {
    v as usize
}

fn unknown(what: &str, attr: i32) -> DriverError {
    DriverError::new(SHY092, format!("{what} attribute {attr} is not supported"))
}

// ---------------------------------------------------------------------------------
// Environment

pub fn set_env_attr(h: Handle, attr: i32, value: *mut c_void) -> SqlReturn {
    with_env(h, |e| {
        let mut st = lock(&e.state);
        match attr {
            SQL_ATTR_ODBC_VERSION => match int(value) {
                SQL_OV_ODBC2 | SQL_OV_ODBC3 | SQL_OV_ODBC3_80 => {
                    st.odbc_version = int(value) as u32
                }
                v => {
                    return Err(DriverError::new(
                        SHY024,
                        format!("SQL_ATTR_ODBC_VERSION {v} is not 2, 3 or 380"),
                    ))
                }
            },
            SQL_ATTR_CONNECTION_POOLING => st.connection_pooling = int(value) as u32,
            SQL_ATTR_CP_MATCH => st.cp_match = int(value) as u32,
            SQL_ATTR_OUTPUT_NTS => {
                if int(value) != 1 {
                    return Err(DriverError::new(
                        SHYC00,
                        "SQL_ATTR_OUTPUT_NTS: strings are always NUL-terminated",
                    ));
                }
            }
            _ => return Err(unknown("environment", attr)),
        }
        Ok(SQL_SUCCESS)
    })
}

/// # Safety
/// `value` is null or writable for a SQLUINTEGER.
pub unsafe fn get_env_attr(
    h: Handle,
    attr: i32,
    value: *mut c_void,
    _len: i32,
    out_len: *mut i32,
) -> SqlReturn {
    with_env(h, |e| {
        let st = lock(&e.state);
        let v: u32 = match attr {
            SQL_ATTR_ODBC_VERSION => st.odbc_version,
            SQL_ATTR_CONNECTION_POOLING => st.connection_pooling,
            SQL_ATTR_CP_MATCH => st.cp_match,
            SQL_ATTR_OUTPUT_NTS => 1,
            // iODBC asks which wide encoding the driver speaks natively: the one this
            // process detected (UTF-16 unless loaded by iODBC or overridden).
            SQL_ATTR_DRIVER_UNICODE_TYPE => {
                crate::encoding::process_wchar_mode().iodbc_codepage() as u32
            }
            _ => return Err(unknown("environment", attr)),
        };
        // SAFETY: per the caller's contract.
        unsafe {
            write_opt(value as *mut u32, v);
            write_opt(out_len, 4);
        }
        Ok(SQL_SUCCESS)
    })
}

// ---------------------------------------------------------------------------------
// Connection

/// # Safety
/// String-valued attributes point to valid strings of `len` bytes (or SQL_NTS).
pub unsafe fn set_connect_attr<E: Encoding>(
    h: Handle,
    attr: i32,
    value: *mut c_void,
    len: i32,
) -> SqlReturn {
    with_dbc(h, |d| {
        // SAFETY: per the caller's contract.
        unsafe { set_connect_attr_core::<E>(d, attr, value, len) }
    })
}

unsafe fn set_connect_attr_core<E: Encoding>(
    d: &Dbc,
    attr: i32,
    value: *mut c_void,
    len: i32,
) -> DResult<SqlReturn> {
    let mode = d.wchar();
    let text = || -> DResult<String> {
        // SAFETY: per the caller's contract.
        Ok(
            unsafe { read_str::<E>(value, bytes_to_units::<E>(len, mode), mode)? }
                .unwrap_or_default(),
        )
    };
    let mut a = lock(&d.attrs);
    match attr {
        SQL_ATTR_AUTOCOMMIT => match int(value) {
            // There are no transactions: both modes behave the same, and SQLEndTran
            // succeeds. Manual-commit applications (pyodbc's default) work unchanged.
            SQL_AUTOCOMMIT_ON | SQL_AUTOCOMMIT_OFF => {
                a.autocommit = int(value) == SQL_AUTOCOMMIT_ON
            }
            v => {
                return Err(DriverError::new(
                    SHY024,
                    format!("SQL_ATTR_AUTOCOMMIT {v} is not 0 or 1"),
                ))
            }
        },
        SQL_ATTR_ACCESS_MODE => match int(value) {
            SQL_MODE_READ_ONLY | SQL_MODE_READ_WRITE => a.access_mode = int(value),
            v => {
                return Err(DriverError::new(
                    SHY024,
                    format!("SQL_ATTR_ACCESS_MODE {v} is not 0 or 1"),
                ))
            }
        },
        SQL_ATTR_LOGIN_TIMEOUT => a.login_timeout = int(value),
        SQL_ATTR_CONNECTION_TIMEOUT => a.connection_timeout = int(value),
        SQL_ATTR_TXN_ISOLATION => a.txn_isolation = int(value),
        SQL_ATTR_METADATA_ID => a.metadata_id = int(value) != 0,
        SQL_ATTR_PACKET_SIZE => a.packet_size = int(value),
        SQL_ATTR_QUIET_MODE => a.quiet_mode = int(value),
        SQL_ATTR_TRACE => a.trace = int(value),
        SQL_ATTR_TRACEFILE => a.tracefile = text()?,
        SQL_ATTR_CURRENT_CATALOG => {
            let c = text()?;
            if !c.is_empty() {
                return Err(DriverError::new(
                    SHY024,
                    format!("catalog '{c}' does not exist: this data source has no catalogs"),
                ));
            }
            a.current_catalog = c;
        }
        SQL_ATTR_ODBC_CURSORS => {}
        SQL_ATTR_ANSI_APP => a.ansi_app = Some(int(value)),
        SQL_ATTR_RESET_CONNECTION => {}
        SQL_ATTR_ASYNC_ENABLE | SQL_ATTR_ASYNC_DBC_FUNCTIONS_ENABLE => {
            if int(value) != 0 {
                return Err(DriverError::new(
                    SHYC00,
                    "asynchronous execution is not supported",
                ));
            }
        }
        SQL_ATTR_APP_WCHAR_TYPE => {
            // iODBC ≥ 3.52.14 offers the wide encoding its application speaks; accept
            // only the two we really handle, so iODBC converts anything else for us.
            match int(value) {
                SQL_DM_CP_UTF16 => a.wchar = WcharMode::Utf16,
                SQL_DM_CP_UCS4 => a.wchar = WcharMode::Ucs4,
                v => {
                    return Err(DriverError::new(
                        SHY024,
                        format!(
                            "wide character encoding {v} is not supported (1 = UTF-16, 3 = UCS-4)"
                        ),
                    ))
                }
            }
        }
        SQL_ATTR_CONNECTION_DEAD | SQL_ATTR_AUTO_IPD => {
            return Err(DriverError::new(
                SHY092,
                format!("attribute {attr} is read-only"),
            ))
        }
        SQL_ATTR_TRANSLATE_LIB | SQL_ATTR_TRANSLATE_OPTION => {
            return Err(DriverError::new(
                SHYC00,
                "translation libraries are not supported",
            ))
        }
        _ => {
            drop(a);
            // Statement attributes set on the connection apply to its future statements
            // (ODBC 2 behaviour); we accept the ones every statement understands.
            return Err(unknown("connection", attr));
        }
    }
    Ok(SQL_SUCCESS)
}

/// # Safety
/// `value` is null or writable: a SQLUINTEGER/SQLULEN, or `buf_len` bytes for strings.
pub unsafe fn get_connect_attr<E: Encoding>(
    h: Handle,
    attr: i32,
    value: *mut c_void,
    buf_len: i32,
    out_len: *mut i32,
) -> SqlReturn {
    with_dbc(h, |d| {
        let mode = d.wchar();
        let a = lock(&d.attrs).clone();
        let s = |text: &str| -> DResult<SqlReturn> {
            // SAFETY: per the caller's contract.
            let t = unsafe {
                write_str::<E>(
                    text,
                    value,
                    buf_len as isize,
                    LenOut::I32(out_len),
                    Units::Bytes,
                    mode,
                )?
            };
            if t {
                d.diag.lock().warn(crate::diag::S01004, "");
            }
            Ok(SQL_SUCCESS)
        };
        let n: usize = match attr {
            SQL_ATTR_AUTOCOMMIT => usize::from(a.autocommit),
            SQL_ATTR_ACCESS_MODE => a.access_mode,
            SQL_ATTR_LOGIN_TIMEOUT => a.login_timeout,
            SQL_ATTR_CONNECTION_TIMEOUT => a.connection_timeout,
            SQL_ATTR_TXN_ISOLATION => a.txn_isolation,
            SQL_ATTR_METADATA_ID => usize::from(a.metadata_id),
            SQL_ATTR_PACKET_SIZE => a.packet_size,
            SQL_ATTR_QUIET_MODE => a.quiet_mode,
            SQL_ATTR_TRACE => a.trace,
            SQL_ATTR_ODBC_CURSORS => 2, // SQL_CUR_USE_DRIVER
            SQL_ATTR_ASYNC_ENABLE | SQL_ATTR_ASYNC_DBC_FUNCTIONS_ENABLE => 0,
            SQL_ATTR_AUTO_IPD => 0,
            SQL_ATTR_CONNECTION_DEAD => {
                if d.session().is_some() {
                    SQL_CD_FALSE
                } else {
                    SQL_CD_TRUE
                }
            }
            SQL_ATTR_APP_WCHAR_TYPE => a.wchar.iodbc_codepage(),
            SQL_ATTR_ANSI_APP => match a.ansi_app {
                Some(v) => v,
                None => return Err(unknown("connection", attr)),
            },
            SQL_ATTR_CURRENT_CATALOG => return s(&a.current_catalog),
            SQL_ATTR_TRACEFILE => return s(&a.tracefile),
            _ => return Err(unknown("connection", attr)),
        };
        // SQLUINTEGER for most, but the DM may pass a SQLULEN buffer: write 32 bits,
        // which both hold at their start on little-endian machines... and not on
        // big-endian ones, so write the width the spec gives each attribute.
        // SAFETY: per the caller's contract.
        unsafe {
            write_opt(value as *mut u32, u32::try_from(n).unwrap_or(u32::MAX));
            write_opt(out_len, 4);
        }
        Ok(SQL_SUCCESS)
    })
}

// ---------------------------------------------------------------------------------
// Statement

/// # Safety
/// `value` is an integer or a pointer per the attribute.
pub unsafe fn set_stmt_attr<E: Encoding>(
    h: Handle,
    attr: i32,
    value: *mut c_void,
    _len: i32,
) -> SqlReturn {
    with_stmt(h, |s| set_stmt_attr_core(s, attr, value))
}

/// Each parameter set may keep a result set, and every set is read from the
/// application's arrays: a bound that no real batch reaches, far below what would
/// exhaust memory.
pub const MAX_PARAMSET_SIZE: usize = 1_000_000;

fn set_stmt_attr_core(s: &Stmt, attr: i32, value: *mut c_void) -> DResult<SqlReturn> {
    let mut st = lock(&s.state);
    let a = &mut st.attrs;
    let v = int(value);
    let changed = |what: &str| {
        s.diag.lock().warn(
            S01S02,
            format!(
                "{what}: cursors are forward-only or static, and read-only; the value was changed"
            ),
        );
    };
    match attr {
        SQL_ATTR_QUERY_TIMEOUT => a.query_timeout = v,
        SQL_ATTR_MAX_ROWS => a.max_rows = v,
        SQL_ATTR_MAX_LENGTH => a.max_length = v,
        SQL_ATTR_NOSCAN => a.noscan = v,
        SQL_ATTR_ROW_ARRAY_SIZE | SQL_ROWSET_SIZE => {
            if v == 0 {
                return Err(DriverError::new(
                    SHY024,
                    "the row array size must be at least 1",
                ));
            }
            if attr == SQL_ROWSET_SIZE {
                a.rowset_size = v;
            } else {
                a.row_array_size = v;
            }
        }
        SQL_ATTR_ROW_BIND_TYPE => a.row_bind_type = v,
        SQL_ATTR_ROW_BIND_OFFSET_PTR => a.row_bind_offset_ptr = value as *mut isize,
        SQL_ATTR_ROW_STATUS_PTR => a.row_status_ptr = value as *mut u16,
        SQL_ATTR_ROW_OPERATION_PTR => a.row_operation_ptr = value as *mut u16,
        SQL_ATTR_ROWS_FETCHED_PTR => a.rows_fetched_ptr = value as *mut usize,
        SQL_ATTR_PARAMSET_SIZE => {
            if v == 0 || v > MAX_PARAMSET_SIZE {
                return Err(DriverError::new(
                    SHY024,
                    format!("the parameter set size {v} is not between 1 and {MAX_PARAMSET_SIZE}"),
                ));
            }
            a.paramset_size = v
        }
        SQL_ATTR_PARAM_BIND_TYPE => a.param_bind_type = v,
        SQL_ATTR_PARAM_BIND_OFFSET_PTR => a.param_bind_offset_ptr = value as *mut isize,
        SQL_ATTR_PARAM_STATUS_PTR => a.param_status_ptr = value as *mut u16,
        SQL_ATTR_PARAM_OPERATION_PTR => a.param_operation_ptr = value as *mut u16,
        SQL_ATTR_PARAMS_PROCESSED_PTR => a.params_processed_ptr = value as *mut usize,
        // Scrollable cursors are static: rows kept in memory as they are read.
        SQL_ATTR_CURSOR_TYPE => match v {
            SQL_CURSOR_FORWARD_ONLY | SQL_CURSOR_STATIC => a.set_cursor_type(v),
            SQL_CURSOR_KEYSET_DRIVEN | SQL_CURSOR_DYNAMIC => {
                a.set_cursor_type(SQL_CURSOR_STATIC);
                changed("SQL_ATTR_CURSOR_TYPE");
            }
            _ => {
                return Err(DriverError::new(
                    SHY024,
                    format!("{v} is not a cursor type"),
                ))
            }
        },
        // Optimistic only: ROWVER checks Kintone's revision, VALUES writes over it.
        SQL_ATTR_CONCURRENCY => match v {
            SQL_CONCUR_READ_ONLY | SQL_CONCUR_ROWVER | SQL_CONCUR_VALUES => a.concurrency = v,
            SQL_CONCUR_LOCK => {
                a.concurrency = SQL_CONCUR_ROWVER;
                changed("SQL_ATTR_CONCURRENCY");
            }
            _ => {
                return Err(DriverError::new(
                    SHY024,
                    format!("{v} is not a concurrency"),
                ))
            }
        },
        SQL_ATTR_CURSOR_SCROLLABLE => match v {
            SQL_NONSCROLLABLE => a.set_cursor_type(SQL_CURSOR_FORWARD_ONLY),
            SQL_SCROLLABLE => a.set_cursor_type(SQL_CURSOR_STATIC),
            _ => {
                return Err(DriverError::new(
                    SHY024,
                    format!("{v} is neither SQL_NONSCROLLABLE nor SQL_SCROLLABLE"),
                ))
            }
        },
        SQL_ATTR_CURSOR_SENSITIVITY => {
            if v != SQL_UNSPECIFIED && v != SQL_INSENSITIVE {
                return Err(DriverError::new(
                    SHYC00,
                    "sensitive cursors are not supported",
                ));
            }
            a.cursor_sensitivity = v;
        }
        SQL_ATTR_RETRIEVE_DATA => a.retrieve_data = v,
        SQL_ATTR_USE_BOOKMARKS => match v {
            SQL_UB_OFF | SQL_UB_ON | SQL_UB_VARIABLE => a.use_bookmarks = v,
            _ => {
                return Err(DriverError::new(
                    SHY024,
                    format!("{v} is not a SQL_ATTR_USE_BOOKMARKS value"),
                ))
            }
        },
        SQL_ATTR_METADATA_ID => a.metadata_id = v != 0,
        SQL_ATTR_KEYSET_SIZE => a.keyset_size = v,
        SQL_ATTR_SIMULATE_CURSOR => a.simulate_cursor = v,
        SQL_ATTR_ENABLE_AUTO_IPD => a.enable_auto_ipd = v,
        SQL_ATTR_ASYNC_ENABLE => {
            if v != 0 {
                return Err(DriverError::new(
                    SHYC00,
                    "asynchronous execution is not supported",
                ));
            }
        }
        SQL_ATTR_FETCH_BOOKMARK_PTR => a.fetch_bookmark_ptr = value as *const u8,
        SQL_ATTR_APP_ROW_DESC | SQL_ATTR_APP_PARAM_DESC => {
            // Only the statement's own implicit descriptors (or NULL, which restores them).
            let own = if attr == SQL_ATTR_APP_ROW_DESC {
                s.descs[0]
            } else {
                s.descs[1]
            };
            if v != 0 && v != own {
                return Err(DriverError::new(
                    SHYC00,
                    "explicitly allocated descriptors cannot be attached to statements",
                ));
            }
        }
        SQL_ATTR_IMP_ROW_DESC | SQL_ATTR_IMP_PARAM_DESC | SQL_ATTR_ROW_NUMBER => {
            return Err(DriverError::new(
                SHY092,
                format!("statement attribute {attr} is read-only"),
            ))
        }
        _ => return Err(unknown("statement", attr)),
    }
    Ok(SQL_SUCCESS)
}

/// # Safety
/// `value` is null or writable for a SQLULEN or a pointer.
pub unsafe fn get_stmt_attr<E: Encoding>(
    h: Handle,
    attr: i32,
    value: *mut c_void,
    _buf_len: i32,
    out_len: *mut i32,
) -> SqlReturn {
    with_stmt(h, |s| {
        if value.is_null() {
            return Err(DriverError::new(SHY009, "ValuePtr is NULL"));
        }
        let st = lock(&s.state);
        let a = &st.attrs;
        let ptr = |p: usize| -> DResult<SqlReturn> {
            // SAFETY: per the caller's contract.
            unsafe {
                write_opt(value as *mut usize, p);
                write_opt(out_len, std::mem::size_of::<usize>() as i32);
            }
            Ok(SQL_SUCCESS)
        };
        let v: usize = match attr {
            SQL_ATTR_QUERY_TIMEOUT => a.query_timeout,
            SQL_ATTR_MAX_ROWS => a.max_rows,
            SQL_ATTR_MAX_LENGTH => a.max_length,
            SQL_ATTR_NOSCAN => a.noscan,
            SQL_ATTR_ROW_ARRAY_SIZE => a.row_array_size,
            SQL_ROWSET_SIZE => a.rowset_size,
            SQL_ATTR_ROW_BIND_TYPE => a.row_bind_type,
            SQL_ATTR_ROW_BIND_OFFSET_PTR => a.row_bind_offset_ptr as usize,
            SQL_ATTR_ROW_STATUS_PTR => a.row_status_ptr as usize,
            SQL_ATTR_ROW_OPERATION_PTR => a.row_operation_ptr as usize,
            SQL_ATTR_ROWS_FETCHED_PTR => a.rows_fetched_ptr as usize,
            SQL_ATTR_PARAMSET_SIZE => a.paramset_size,
            SQL_ATTR_PARAM_BIND_TYPE => a.param_bind_type,
            SQL_ATTR_PARAM_BIND_OFFSET_PTR => a.param_bind_offset_ptr as usize,
            SQL_ATTR_PARAM_STATUS_PTR => a.param_status_ptr as usize,
            SQL_ATTR_PARAM_OPERATION_PTR => a.param_operation_ptr as usize,
            SQL_ATTR_PARAMS_PROCESSED_PTR => a.params_processed_ptr as usize,
            SQL_ATTR_CURSOR_TYPE => a.cursor_type,
            SQL_ATTR_CONCURRENCY => a.concurrency,
            SQL_ATTR_CURSOR_SCROLLABLE => a.cursor_scrollable,
            SQL_ATTR_CURSOR_SENSITIVITY => a.cursor_sensitivity,
            SQL_ATTR_RETRIEVE_DATA => a.retrieve_data,
            SQL_ATTR_USE_BOOKMARKS => a.use_bookmarks,
            SQL_ATTR_FETCH_BOOKMARK_PTR => return ptr(a.fetch_bookmark_ptr as usize),
            SQL_ATTR_METADATA_ID => usize::from(a.metadata_id),
            SQL_ATTR_KEYSET_SIZE => a.keyset_size,
            SQL_ATTR_SIMULATE_CURSOR => a.simulate_cursor,
            SQL_ATTR_ENABLE_AUTO_IPD => a.enable_auto_ipd,
            SQL_ATTR_ASYNC_ENABLE => 0,
            SQL_ATTR_ROW_NUMBER => match &st.result {
                Some(r) if r.fetched_any && !r.rowset.is_empty() => {
                    r.rowset_start as usize + r.cursor_row + 1
                }
                _ => 0,
            },
            SQL_ATTR_APP_ROW_DESC => return ptr(s.descs[0]),
            SQL_ATTR_APP_PARAM_DESC => return ptr(s.descs[1]),
            SQL_ATTR_IMP_ROW_DESC => return ptr(s.descs[2]),
            SQL_ATTR_IMP_PARAM_DESC => return ptr(s.descs[3]),
            _ => return Err(unknown("statement", attr)),
        };
        ptr(v)
    })
}

/// ODBC 2 SQLSetConnectOption: connection options, or statement options applied to
/// the connection's statements.
/// # Safety
/// String options are NUL-terminated pointers passed as `value`.
pub unsafe fn set_connect_option<E: Encoding>(h: Handle, option: u16, value: usize) -> SqlReturn {
    // SAFETY: integer options only reach here as values; string options
    // (SQL_CURRENT_QUALIFIER, SQL_OPT_TRACEFILE) are NUL-terminated pointers.
    unsafe { set_connect_attr::<E>(h, option as i32, value as *mut c_void, SQL_NTS) }
}

/// # Safety
/// `value` is writable for a SQLUINTEGER or a string of SQL_MAX_OPTION_STRING_LENGTH.
pub unsafe fn get_connect_option<E: Encoding>(
    h: Handle,
    option: u16,
    value: *mut c_void,
) -> SqlReturn {
    // SAFETY: per the caller's contract; 256 is SQL_MAX_OPTION_STRING_LENGTH.
    unsafe { get_connect_attr::<E>(h, option as i32, value, 256, std::ptr::null_mut()) }
}

pub fn set_stmt_option(h: Handle, option: u16, value: usize) -> SqlReturn {
    with_stmt(h, |s| {
        set_stmt_attr_core(s, option as i32, value as *mut c_void)
    })
}

/// # Safety
/// `value` is writable for a SQLULEN.
pub unsafe fn get_stmt_option(h: Handle, option: u16, value: *mut c_void) -> SqlReturn {
    // SAFETY: per the caller's contract.
    unsafe {
        get_stmt_attr::<crate::encoding::Narrow>(h, option as i32, value, 0, std::ptr::null_mut())
    }
}
