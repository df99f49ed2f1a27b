//! SQLAllocHandle / SQLFreeHandle / SQLFreeStmt and the ODBC 2 allocation calls.

use crate::diag::{DriverError, S08003, SHY010, SHY017, SHY092};
use crate::ffi::{guard, with_dbc, with_desc, with_env, with_stmt, write_opt};
use crate::handles;
use crate::sync::lock;
use crate::sys::*;

/// # Safety
/// `out` is null or writable.
pub unsafe fn alloc_handle(kind: i16, input: Handle, out: *mut Handle) -> SqlReturn {
    guard(|| {
        if out.is_null() {
            // There is nowhere to put a handle; say so on the parent when there is one.
            let rc = match kind {
                SQL_HANDLE_DBC => with_env(input, |_| {
                    Err(DriverError::new(
                        crate::diag::SHY009,
                        "OutputHandle is NULL",
                    ))
                }),
                SQL_HANDLE_STMT | SQL_HANDLE_DESC => with_dbc(input, |_| {
                    Err(DriverError::new(
                        crate::diag::SHY009,
                        "OutputHandle is NULL",
                    ))
                }),
                _ => SQL_ERROR,
            };
            return rc;
        }
        match kind {
            SQL_HANDLE_ENV => {
                // SAFETY: checked non-null.
                unsafe { write_opt(out, handles::alloc_env()) };
                SQL_SUCCESS
            }
            SQL_HANDLE_DBC => {
                // SAFETY: checked non-null.
                unsafe { write_opt(out, std::ptr::null_mut()) };
                with_env(input, |_| {
                    // SAFETY: checked non-null.
                    unsafe { write_opt(out, handles::alloc_dbc(input)) };
                    Ok(SQL_SUCCESS)
                })
            }
            SQL_HANDLE_STMT => {
                // SAFETY: checked non-null.
                unsafe { write_opt(out, std::ptr::null_mut()) };
                with_dbc(input, |d| {
                    if d.session().is_none() {
                        return Err(DriverError::new(
                            S08003,
                            "allocate statements after connecting",
                        ));
                    }
                    // SAFETY: checked non-null.
                    unsafe { write_opt(out, handles::alloc_stmt(input, d.wchar())) };
                    Ok(SQL_SUCCESS)
                })
            }
            SQL_HANDLE_DESC => {
                // SAFETY: checked non-null.
                unsafe { write_opt(out, std::ptr::null_mut()) };
                with_dbc(input, |d| {
                    if d.session().is_none() {
                        return Err(DriverError::new(
                            S08003,
                            "allocate descriptors after connecting",
                        ));
                    }
                    // SAFETY: checked non-null.
                    unsafe { write_opt(out, handles::alloc_explicit_desc()) };
                    Ok(SQL_SUCCESS)
                })
            }
            _ => {
                // An unknown handle type: report it on the input handle if it is one of ours.
                match handles::kind_of(input) {
                    Some(handles::Kind::Env) => with_env(input, |_| Err(bad_type(kind))),
                    Some(handles::Kind::Dbc) => with_dbc(input, |_| Err(bad_type(kind))),
                    _ => SQL_ERROR,
                }
            }
        }
    })
}

fn bad_type(kind: i16) -> DriverError {
    DriverError::new(
        crate::diag::SHY092,
        format!("HandleType {kind} is not a handle type"),
    )
}

pub fn free_handle(kind: i16, h: Handle) -> SqlReturn {
    guard(|| match kind {
        SQL_HANDLE_ENV => with_env(h, |_| {
            if handles::env_has_connections(h) {
                return Err(DriverError::new(
                    SHY010,
                    "free the environment's connections first",
                ));
            }
            Ok(SQL_SUCCESS)
        })
        .then_free(|| handles::free_env(h)),
        SQL_HANDLE_DBC => with_dbc(h, |d| {
            if d.session().is_some() && !d.inherited() {
                return Err(DriverError::new(
                    SHY010,
                    "disconnect before freeing the connection",
                ));
            }
            Ok(SQL_SUCCESS)
        })
        .then_free(|| handles::free_dbc(h)),
        // Also a statement inherited from the parent of a fork, which the other calls
        // refuse: freeing lets go of it without touching the parent's connection.
        SQL_HANDLE_STMT => match handles::stmt(h) {
            Some(s) => {
                s.diag.lock().clear();
                handles::free_stmt(h);
                SQL_SUCCESS
            }
            None => SQL_INVALID_HANDLE,
        },
        SQL_HANDLE_DESC => with_desc(h, |_| {
            if handles::free_explicit_desc(h) {
                Ok(SQL_SUCCESS)
            } else {
                Err(DriverError::new(
                    SHY017,
                    "implicitly allocated descriptors are freed with their statement",
                ))
            }
        }),
        _ => SQL_INVALID_HANDLE,
    })
}

trait ThenFree {
    fn then_free(self, f: impl FnOnce()) -> SqlReturn;
}

impl ThenFree for SqlReturn {
    /// Frees after the guarded check succeeded, outside the handle's own borrow.
    fn then_free(self, f: impl FnOnce()) -> SqlReturn {
        if self == SQL_SUCCESS {
            f();
        }
        self
    }
}

pub fn free_stmt(h: Handle, option: u16) -> SqlReturn {
    if option == SQL_DROP {
        return free_handle(SQL_HANDLE_STMT, h);
    }
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        match option {
            SQL_CLOSE => st.close_cursor(),
            SQL_UNBIND => st.ard.records.clear(),
            SQL_RESET_PARAMS => st.apd.records.clear(),
            other => return Err(DriverError::new(SHY092, format!("SQLFreeStmt option {other} is not one of SQL_CLOSE, SQL_DROP, SQL_UNBIND, SQL_RESET_PARAMS"))),
        }
        Ok(SQL_SUCCESS)
    })
}
