//! SQLGetInfo, SQLGetFunctions, SQLGetTypeInfo.

use std::ffi::c_void;

use crate::diag::{DriverError, S01004, SHY009, SHY096};
use crate::encoding::Encoding;
use crate::ffi::{
    with_dbc, with_dbc_after_connect, with_stmt, write_opt, write_str, LenOut, Units,
};
use crate::handles::{self, Dbc};
use crate::metadata::functions;
use crate::metadata::info::{get_info as lookup, InfoContext, InfoValue};
use crate::metadata::info_ids::{SQL_CURSOR_COMMIT_BEHAVIOR, SQL_CURSOR_ROLLBACK_BEHAVIOR};
use crate::stmt::ResultSet;
use crate::sync::lock;
use crate::sys::*;

fn context(d: &Dbc) -> InfoContext {
    let session = d.session();
    let odbc_version = handles::env(d.env as Handle)
        .map(|e| lock(&e.state).odbc_version)
        .unwrap_or(3);
    InfoContext {
        dsn: session
            .as_ref()
            .and_then(|s| s.dsn.clone())
            .unwrap_or_default(),
        user: session.as_ref().map(|s| s.user.clone()).unwrap_or_default(),
        // The domain as the client uses it: a bare subdomain or a pasted page URL in
        // `Url` is reduced to it.
        server: session
            .as_ref()
            .map(|s| s.sql.client().base_url().origin())
            .unwrap_or_default(),
        // Before connecting nothing is writable yet.
        read_only: session.as_ref().is_none_or(|s| s.sql.settings().read_only),
        odbc_version,
    }
}

/// # Safety
/// `value` is null or writable for the info type's value (strings: `buf_len` bytes).
pub unsafe fn get_info<E: Encoding>(
    h: Handle,
    info_type: u16,
    value: *mut c_void,
    buf_len: i16,
    out_len: *mut i16,
) -> SqlReturn {
    if matches!(
        info_type,
        SQL_CURSOR_COMMIT_BEHAVIOR | SQL_CURSOR_ROLLBACK_BEHAVIOR
    ) {
        let kept = with_dbc_after_connect(h, |d| match lookup(info_type, &context(d))? {
            InfoValue::U16(n) => {
                // SAFETY: per the caller's contract.
                unsafe {
                    write_opt(value as *mut u16, n);
                    write_opt(out_len, 2);
                }
                Some(SQL_SUCCESS)
            }
            _ => None,
        });
        if let Some(rc) = kept {
            return rc;
        }
    }
    with_dbc(h, |d| {
        let ctx = context(d);
        let v = lookup(info_type, &ctx).ok_or_else(|| {
            DriverError::new(
                SHY096,
                format!("information type {info_type} is not supported"),
            )
        })?;
        // SAFETY: per the caller's contract.
        unsafe {
            match v {
                InfoValue::Str(s) => {
                    if write_str::<E>(
                        &s,
                        value,
                        buf_len as isize,
                        LenOut::I16(out_len),
                        Units::Bytes,
                        d.wchar(),
                    )? {
                        d.diag.lock().warn(S01004, "");
                    }
                }
                InfoValue::U16(n) => {
                    write_opt(value as *mut u16, n);
                    write_opt(out_len, 2);
                }
                InfoValue::U32(n) => {
                    write_opt(value as *mut u32, n);
                    write_opt(out_len, 4);
                }
                InfoValue::ULen(n) => {
                    write_opt(value as *mut u64, n);
                    write_opt(out_len, 8);
                }
            }
        }
        Ok(SQL_SUCCESS)
    })
}

/// # Safety
/// `out` is writable for one SQLUSMALLINT, or 100 / 250 of them for the "all" ids.
pub unsafe fn get_functions(h: Handle, id: u16, out: *mut u16) -> SqlReturn {
    with_dbc(h, |_| {
        if out.is_null() {
            return Err(DriverError::new(SHY009, "SupportedPtr is NULL"));
        }
        // SAFETY: per the caller's contract on the array sizes.
        unsafe {
            match id {
                SQL_API_ODBC3_ALL_FUNCTIONS => {
                    let b = functions::odbc3_bitmap();
                    std::ptr::copy_nonoverlapping(b.as_ptr(), out, b.len());
                }
                SQL_API_ALL_FUNCTIONS => {
                    let b = functions::odbc2_array();
                    std::ptr::copy_nonoverlapping(b.as_ptr(), out, b.len());
                }
                other => write_opt(out, u16::from(functions::supported(other))),
            }
        }
        Ok(SQL_SUCCESS)
    })
}

pub fn get_type_info(h: Handle, data_type: i16) -> SqlReturn {
    with_stmt(h, |s| {
        const KNOWN: &[i16] = &[
            SQL_ALL_TYPES,
            SQL_CHAR,
            SQL_VARCHAR,
            SQL_LONGVARCHAR,
            SQL_WCHAR,
            SQL_WVARCHAR,
            SQL_WLONGVARCHAR,
            SQL_DECIMAL,
            SQL_NUMERIC,
            SQL_SMALLINT,
            SQL_INTEGER,
            SQL_REAL,
            SQL_FLOAT,
            SQL_DOUBLE,
            SQL_BIT,
            SQL_TINYINT,
            SQL_BIGINT,
            SQL_BINARY,
            SQL_VARBINARY,
            SQL_LONGVARBINARY,
            SQL_TYPE_DATE,
            SQL_TYPE_TIME,
            SQL_TYPE_TIMESTAMP,
            SQL_DATE,
            SQL_TIME,
            SQL_TIMESTAMP,
            SQL_GUID,
        ];
        // Intervals (101..=113) are SQL types too, just not ones we have.
        if !KNOWN.contains(&data_type) && !(101..=113).contains(&data_type) {
            return Err(DriverError::new(
                crate::diag::SHY004,
                format!("DataType {data_type} is not an SQL data type"),
            ));
        }
        let mut st = lock(&s.state);
        st.no_open_cursor()?;
        st.unprepare();
        let (schema, batches) = crate::types::type_info(data_type, st.wchar);
        // Already in memory: keeping it for scrolling costs nothing more.
        let r = ResultSet::from_batches(schema, batches, st.wchar);
        st.open(r, usize::MAX);
        st.executed = true;
        st.row_count = -1;
        Ok(SQL_SUCCESS)
    })
}
