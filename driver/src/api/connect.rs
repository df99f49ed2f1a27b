//! SQLConnect, SQLDriverConnect, SQLBrowseConnect, SQLDisconnect.

use std::ffi::c_void;
use std::sync::Arc;

use crate::diag::{DResult, DriverError, S01004, S08002, S08003, SHY009, SHY090, SHY110};
use crate::encoding::Encoding;
use crate::ffi::{read_str, with_dbc, write_str, LenOut, Units};
use crate::handles::Dbc;
use crate::session::{self, ConnectRequest};
use crate::sync::lock;
use crate::sys::*;

fn attach(d: &Dbc, req: ConnectRequest) -> DResult<Arc<session::Session>> {
    if d.session().is_some() {
        return Err(DriverError::new(S08002, "the connection is already open"));
    }
    let login_timeout = lock(&d.attrs).login_timeout;
    let s = Arc::new(session::open(&req, login_timeout)?);
    if let Some(note) = s.props.ignored_note() {
        d.diag.lock().warn(crate::diag::S01S00, note);
    }
    if let Some(note) = &s.licence_note {
        d.diag
            .lock()
            .warn(crate::diag::S01000, format!("licence: {note}"));
    }
    lock(&d.state).conn = Some(s.clone());
    d.diag.lock().from_connect = true;
    Ok(s)
}

/// # Safety
/// String arguments are null or valid for their lengths.
#[allow(clippy::too_many_arguments)]
pub unsafe fn connect<E: Encoding>(
    h: Handle,
    dsn: *const c_void,
    dsn_len: i16,
    uid: *const c_void,
    uid_len: i16,
    pwd: *const c_void,
    pwd_len: i16,
) -> SqlReturn {
    with_dbc(h, |d| {
        let mode = d.wchar();
        // SAFETY: per the caller's contract.
        let dsn = unsafe { read_str::<E>(dsn, dsn_len as i32, mode)? }
            .filter(|s| !s.is_empty())
            .ok_or_else(|| DriverError::new(SHY009, "ServerName (the DSN) is empty"))?;
        let mut req = ConnectRequest {
            dsn: Some(dsn),
            ..Default::default()
        };
        // SAFETY: per the caller's contract.
        if let Some(u) =
            unsafe { read_str::<E>(uid, uid_len as i32, mode)? }.filter(|s| !s.is_empty())
        {
            req.pairs.push(("User".into(), u));
        }
        // SAFETY: per the caller's contract.
        if let Some(p) =
            unsafe { read_str::<E>(pwd, pwd_len as i32, mode)? }.filter(|s| !s.is_empty())
        {
            req.pairs.push(("Password".into(), p));
        }
        attach(d, req)?;
        Ok(SQL_SUCCESS)
    })
}

/// # Safety
/// Buffers are null or valid for their lengths (in characters).
#[allow(clippy::too_many_arguments)]
pub unsafe fn driver_connect<E: Encoding>(
    h: Handle,
    _hwnd: *mut c_void,
    in_str: *const c_void,
    in_len: i16,
    out: *mut c_void,
    out_max: i16,
    out_len: *mut i16,
    completion: u16,
) -> SqlReturn {
    with_dbc(h, |d| {
        let mode = d.wchar();
        if !matches!(
            completion,
            SQL_DRIVER_NOPROMPT
                | SQL_DRIVER_COMPLETE
                | SQL_DRIVER_PROMPT
                | SQL_DRIVER_COMPLETE_REQUIRED
        ) {
            return Err(DriverError::new(
                SHY110,
                format!("DriverCompletion {completion} is not a completion mode"),
            ));
        }
        if out_max < 0 {
            return Err(DriverError::new(
                SHY090,
                format!("BufferLength {out_max} is negative"),
            ));
        }
        // SAFETY: per the caller's contract.
        let text = unsafe { read_str::<E>(in_str, in_len as i32, mode)? }.unwrap_or_default();
        let req = ConnectRequest::parse(&text)?;
        if completion == SQL_DRIVER_PROMPT {
            return Err(session::no_dialog());
        }
        // COMPLETE and COMPLETE_REQUIRED would only prompt for what is missing; with
        // nothing missing they connect like NOPROMPT, otherwise the error names the key.
        let s = attach(d, req)?;
        // SAFETY: per the caller's contract.
        let truncated = unsafe {
            write_str::<E>(
                &s.out_string(),
                out,
                out_max as isize,
                LenOut::I16(out_len),
                Units::Chars,
                mode,
            )?
        };
        if truncated {
            d.diag
                .lock()
                .warn(S01004, "the completed connection string was truncated");
        }
        Ok(SQL_SUCCESS)
    })
}

/// SQLBrowseConnect: each round either connects or answers with the keys still
/// needed (`SQL_NEED_DATA`), in the ODBC browse syntax.
///
/// # Safety
/// Buffers are null or valid for their lengths (in characters).
pub unsafe fn browse_connect<E: Encoding>(
    h: Handle,
    in_str: *const c_void,
    in_len: i16,
    out: *mut c_void,
    out_max: i16,
    out_len: *mut i16,
) -> SqlReturn {
    with_dbc(h, |d| {
        let mode = d.wchar();
        // SAFETY: per the caller's contract.
        let text = unsafe { read_str::<E>(in_str, in_len as i32, mode)? }.unwrap_or_default();
        let req = ConnectRequest::parse(&text)?;
        let props = req.resolve()?;
        let mut needed = Vec::new();
        if props.get("Url").is_none() {
            needed.push("Url:Kintone URL=?");
        }
        let scheme = props
            .get("AuthScheme")
            .unwrap_or("Password")
            .to_ascii_lowercase();
        match scheme.as_str() {
            "apitoken" => {
                if props.get("APIToken").is_none() {
                    needed.push("APIToken:API tokens=?");
                }
                if props.get("AppId").is_none() {
                    needed.push("AppId:App ids=?");
                }
            }
            "oauth" => {
                if props.get("OAuthAccessToken").is_none() {
                    needed.push("OAuthAccessToken:OAuth access token=?");
                }
            }
            _ => {
                if props.get("User").is_none() {
                    needed.push("UID:Login name=?");
                }
                if props.get("Password").is_none() {
                    needed.push("PWD:Password=?");
                }
            }
        }
        let (answer, rc) = if needed.is_empty() {
            let s = attach(d, req)?;
            (s.out_string(), SQL_SUCCESS)
        } else {
            (needed.join(";"), SQL_NEED_DATA)
        };
        // SAFETY: per the caller's contract.
        let truncated = unsafe {
            write_str::<E>(
                &answer,
                out,
                out_max as isize,
                LenOut::I16(out_len),
                Units::Chars,
                mode,
            )?
        };
        if truncated {
            d.diag
                .lock()
                .warn(S01004, "the browse result string was truncated");
        }
        Ok(rc)
    })
}

pub fn disconnect(h: Handle) -> SqlReturn {
    with_dbc(h, |d| {
        let open = d.inherited() || lock(&d.state).conn.is_some();
        if !open {
            return Err(DriverError::new(S08003, "the connection is not open"));
        }
        // Statements' calls in progress on other threads end with HY008; each keeps
        // its statement (and the session) alive until it returns.
        let stmts = std::mem::take(&mut lock(&d.state).stmts);
        for s in stmts {
            crate::handles::free_stmt(s as Handle);
        }
        if crate::handles::close_session(d).is_some() {
            tracing::info!(target: kintone_api::targets::INFO, "disconnected");
        }
        Ok(SQL_SUCCESS)
    })
}
