//! Scaffolding shared by the driver's test binaries: the in-process sandbox, handles,
//! connects and diagnostics through the exported C API.

#![allow(dead_code)]
// ODBC passes integer attribute values in pointer-typed arguments.
#![allow(clippy::manual_dangling_ptr)]

use std::ffi::c_void;
use std::ptr::null_mut;
use std::time::{Duration, Instant};

use kintone_sandbox::{start, Options, RunningSandbox};
use kintoneodbc::exports::*;
use kintoneodbc::sys::*;

pub struct Env {
    pub _rt: tokio::runtime::Runtime,
    pub sb: RunningSandbox,
}

pub fn sandbox() -> Env {
    sandbox_with(Options {
        large_records: 3000,
        ..Options::default()
    })
}

pub fn sandbox_with(opts: Options) -> Env {
    // No licence state of this machine may leak in: connects must be plain SUCCESS.
    static ISOLATE: std::sync::Once = std::sync::Once::new();
    ISOLATE.call_once(|| {
        let dir =
            std::env::temp_dir().join(format!("kintone-odbc-nolicence-{}", std::process::id()));
        std::env::set_var("KINTONE_ODBC_LICENSE_DIR", dir.join("etc"));
        std::env::set_var("KINTONE_ODBC_TRIAL_DIR", dir.join("var"));
        std::env::set_var("KINTONE_ODBC_USER_DIR", dir.join("user"));
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sb = rt.block_on(start(opts)).unwrap();
    Env { _rt: rt, sb }
}

pub fn records_requests(sb: &RunningSandbox) -> usize {
    sb.state()
        .log()
        .entries
        .iter()
        .filter(|e| e.path.contains("/records.json") || e.path.contains("/records/cursor.json"))
        .count()
}

pub struct Conn {
    pub env: Handle,
    pub dbc: Handle,
}

impl Drop for Conn {
    fn drop(&mut self) {
        unsafe {
            SQLDisconnect(self.dbc);
            SQLFreeHandle(SQL_HANDLE_DBC, self.dbc);
            SQLFreeHandle(SQL_HANDLE_ENV, self.env);
        }
    }
}

pub fn alloc_dbc() -> (Handle, Handle) {
    let mut env = null_mut();
    let mut dbc = null_mut();
    unsafe {
        assert_eq!(
            SQLAllocHandle(SQL_HANDLE_ENV, null_mut(), &mut env),
            SQL_SUCCESS
        );
        assert_eq!(
            SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, SQL_OV_ODBC3 as *mut c_void, 0),
            SQL_SUCCESS
        );
        assert_eq!(SQLAllocHandle(SQL_HANDLE_DBC, env, &mut dbc), SQL_SUCCESS);
    }
    (env, dbc)
}

pub fn connect(sb: &RunningSandbox, extra: &str) -> (Conn, i16, String) {
    let (env, dbc) = alloc_dbc();
    let cs = format!(
        "Driver=kintone;Url={};UID=demo;PWD=demo{extra}",
        sb.base_url()
    );
    let (rc, out) = driver_connect(dbc, &cs);
    (Conn { env, dbc }, rc, out)
}

/// SQLDriverConnect with a connection string as it is: the return code and the
/// completed connection string.
pub fn driver_connect(dbc: Handle, cs: &str) -> (i16, String) {
    let mut out = vec![0u8; 2048];
    let mut len = 0i16;
    let rc = unsafe {
        SQLDriverConnect(
            dbc,
            null_mut(),
            cs.as_ptr() as *const c_void,
            cs.len() as i16,
            out.as_mut_ptr() as *mut c_void,
            2048,
            &mut len,
            SQL_DRIVER_NOPROMPT,
        )
    };
    let out = String::from_utf8_lossy(&out[..len.max(0) as usize]).into_owned();
    (rc, out)
}

/// Connects to `url` as demo, with an optional login timeout; also how long it took.
pub fn connect_to(url: &str, extra: &str, login_timeout: usize) -> (Conn, i16, Duration) {
    let (env, dbc) = alloc_dbc();
    let c = Conn { env, dbc };
    if login_timeout > 0 {
        unsafe {
            SQLSetConnectAttr(
                c.dbc,
                SQL_ATTR_LOGIN_TIMEOUT,
                login_timeout as *mut c_void,
                0,
            )
        };
    }
    let cs = format!("Driver=kintone;Url={url};UID=demo;PWD=demo{extra}");
    let started = Instant::now();
    let (rc, _) = driver_connect(c.dbc, &cs);
    (c, rc, started.elapsed())
}

pub fn stmt(c: &Conn) -> Handle {
    let mut s = null_mut();
    assert_eq!(
        unsafe { SQLAllocHandle(SQL_HANDLE_STMT, c.dbc, &mut s) },
        SQL_SUCCESS
    );
    s
}

/// The first diagnostic record of a handle, through the A function.
pub fn diag(kind: i16, h: Handle) -> (String, String) {
    let mut state = [0u8; 6];
    let mut msg = vec![0u8; 1024];
    let mut native = 0;
    let mut len = 0i16;
    let rc = unsafe {
        SQLGetDiagRec(
            kind,
            h,
            1,
            state.as_mut_ptr() as *mut c_void,
            &mut native,
            msg.as_mut_ptr() as *mut c_void,
            1024,
            &mut len,
        )
    };
    assert!(
        rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO,
        "no diagnostic (rc {rc})"
    );
    (
        String::from_utf8_lossy(&state[..5]).into_owned(),
        String::from_utf8_lossy(&msg[..len as usize]).into_owned(),
    )
}

pub fn exec(s: Handle, sql: &str) -> i16 {
    unsafe { SQLExecDirect(s, sql.as_ptr() as *const c_void, sql.len() as i32) }
}

pub fn ucs4(s: &str) -> Vec<u32> {
    s.chars()
        .map(|c| c as u32)
        .chain(std::iter::once(0))
        .collect()
}

/// Every row of the open result, each column read with SQLGetData as text.
pub fn rows(s: Handle) -> Vec<Vec<Option<String>>> {
    let mut n = 0i16;
    assert_eq!(unsafe { SQLNumResultCols(s, &mut n) }, SQL_SUCCESS);
    let mut out = Vec::new();
    loop {
        let rc = unsafe { SQLFetch(s) };
        if rc == SQL_NO_DATA {
            break;
        }
        assert!(
            rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO,
            "fetch: {rc} {:?}",
            diag(SQL_HANDLE_STMT, s)
        );
        let mut row = Vec::new();
        for col in 1..=n as u16 {
            let mut buf = vec![0u8; 65536];
            let mut ind = 0isize;
            let rc = unsafe {
                SQLGetData(
                    s,
                    col,
                    SQL_C_CHAR,
                    buf.as_mut_ptr() as *mut c_void,
                    buf.len() as isize,
                    &mut ind,
                )
            };
            assert!(
                rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO,
                "getdata {rc}"
            );
            row.push(
                (ind >= 0).then(|| String::from_utf8_lossy(&buf[..ind as usize]).into_owned()),
            );
        }
        out.push(row);
    }
    out
}

/// Runs a statement that must succeed and returns its rows as text.
pub fn query(c: &Conn, sql: &str) -> Vec<Vec<Option<String>>> {
    let s = stmt(c);
    let rc = exec(s, sql);
    assert!(
        rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO,
        "{sql}: {:?}",
        diag(SQL_HANDLE_STMT, s)
    );
    let r = rows(s);
    unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };
    r
}
