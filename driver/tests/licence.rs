//! The driver reports the licence state at connect (issue 6): silent when licensed, a
//! 01000 info diagnostic during a trial or after it in a source build, a refused
//! connection (08001) after it in a build that enforces licences; and always in
//! `sys_information.License`. One test, in its own binary, because the licence paths and
//! the date come from the process environment.

use std::ffi::c_void;
use std::ptr::null_mut;

use kintone_license::key::{encode_public_key, generate_keypair, issue, License};
use kintone_license::paths::{Paths, Scope};
use kintone_sandbox::{start, Options};
use kintoneodbc::exports::*;
use kintoneodbc::session::{open_with_policy, ConnectRequest};
use kintoneodbc::sys::*;

struct Connected {
    rc: SqlReturn,
    /// SQLSTATE and message of the first diagnostic, if any.
    diag: Option<(String, String)>,
    /// `SELECT License FROM sys_information` on the connection.
    licence: String,
}

/// Connects through the exports, reads the connect diagnostic and the licence column.
unsafe fn connect(cs: &str) -> Connected {
    let (mut env, mut dbc, mut stmt) = (null_mut(), null_mut(), null_mut());
    SQLAllocHandle(SQL_HANDLE_ENV, null_mut(), &mut env);
    SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, SQL_OV_ODBC3 as *mut c_void, 0);
    SQLAllocHandle(SQL_HANDLE_DBC, env, &mut dbc);
    let rc = SQLDriverConnect(
        dbc,
        null_mut(),
        cs.as_ptr() as *const c_void,
        cs.len() as i16,
        null_mut(),
        0,
        null_mut(),
        SQL_DRIVER_NOPROMPT,
    );
    let mut state = [0u8; 6];
    let mut msg = [0u8; 512];
    let mut len = 0i16;
    let diag = (SQLGetDiagRec(
        SQL_HANDLE_DBC,
        dbc,
        1,
        state.as_mut_ptr() as *mut c_void,
        null_mut(),
        msg.as_mut_ptr() as *mut c_void,
        msg.len() as i16,
        &mut len,
    ) == SQL_SUCCESS)
        .then(|| {
            (
                String::from_utf8_lossy(&state[..5]).into_owned(),
                String::from_utf8_lossy(&msg[..len as usize]).into_owned(),
            )
        });
    assert!(rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO, "{diag:?}");
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &mut stmt);
    let sql = "SELECT License FROM sys_information";
    assert_eq!(
        SQLExecDirect(stmt, sql.as_ptr() as *const c_void, sql.len() as i32),
        SQL_SUCCESS
    );
    assert_eq!(SQLFetch(stmt), SQL_SUCCESS);
    let mut buf = [0u8; 512];
    let mut ind = 0isize;
    assert_eq!(
        SQLGetData(
            stmt,
            1,
            SQL_C_CHAR,
            buf.as_mut_ptr() as *mut c_void,
            buf.len() as isize,
            &mut ind,
        ),
        SQL_SUCCESS
    );
    let licence = String::from_utf8_lossy(&buf[..ind as usize]).into_owned();
    SQLFreeHandle(SQL_HANDLE_STMT, stmt);
    assert_eq!(SQLDisconnect(dbc), SQL_SUCCESS);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    SQLFreeHandle(SQL_HANDLE_ENV, env);
    Connected { rc, diag, licence }
}

fn info(m: &str) -> Option<(String, String)> {
    Some(("01000".to_string(), format!("[kintone-odbc] licence: {m}")))
}

#[test]
fn every_licence_state_at_connect() {
    let dir = std::env::temp_dir().join(format!("kintone-odbc-licence-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::env::set_var("KINTONE_ODBC_LICENSE_DIR", dir.join("etc"));
    std::env::set_var("KINTONE_ODBC_TRIAL_DIR", dir.join("var"));
    std::env::set_var("KINTONE_ODBC_USER_DIR", dir.join("user"));
    std::env::set_var("KINTONE_ODBC_TODAY", "2026-03-01");
    let paths = Paths::from_env();
    let today = kintone_license::today();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sb = rt
        .block_on(start(Options {
            large_records: 100,
            ..Options::default()
        }))
        .unwrap();
    let cs = format!("Url={};UID=demo;PWD=demo", sb.base_url());
    let req = ConnectRequest::parse(&cs).unwrap();

    // Nothing installed: a source build connects silently.
    let c = unsafe { connect(&cs) };
    assert_eq!((c.rc, c.diag), (SQL_SUCCESS, None));
    assert_eq!(c.licence, "no licence installed and no trial activated");
    let e = open_with_policy(&req, 0, true).err().unwrap();
    assert_eq!(e.sqlstate, "08001");
    assert!(
        e.message
            .contains("no licence is installed: run install-license.sh"),
        "{}",
        e.message
    );

    // A trial: connects with 01000 in either build.
    kintone_license::trial::activate(&paths, Scope::User, "test", today).unwrap();
    let c = unsafe { connect(&cs) };
    assert_eq!(c.rc, SQL_SUCCESS_WITH_INFO);
    assert_eq!(c.diag, info("trial: 30 days left"));
    assert_eq!(c.licence, "trial: 30 days left");
    let s = open_with_policy(&req, 0, true).unwrap();
    assert_eq!(s.licence_note.as_deref(), Some("trial: 30 days left"));
    drop(s);

    // The trial's end: a source build still connects and says so; an enforcing build
    // refuses with a message that says what to do.
    std::env::set_var("KINTONE_ODBC_TODAY", "2026-04-15");
    let c = unsafe { connect(&cs) };
    assert_eq!(c.rc, SQL_SUCCESS_WITH_INFO);
    assert_eq!(
        c.diag,
        info("the 30-day trial has expired (not enforced in this build)")
    );
    assert_eq!(c.licence, "trial expired");
    let e = open_with_policy(&req, 0, true).err().unwrap();
    assert_eq!(
        (e.sqlstate.as_str(), e.message.as_str()),
        (
            "08001",
            "licence: the 30-day trial has expired: install a licence key with install-license.sh KEY"
        )
    );

    // A key: silent in either build, the licensee in sys_information.
    let (seed, public) = generate_keypair().unwrap();
    std::env::set_var("KINTONE_ODBC_PUBLIC_KEY", encode_public_key(&public));
    let key = issue(
        &License {
            licensee: "Example K.K.".into(),
            edition: "Standard".into(),
            expires: None,
        },
        &seed,
    )
    .unwrap();
    kintone_license::install_key(&paths, Scope::User, &key, "test", &public, today).unwrap();
    let c = unsafe { connect(&cs) };
    assert_eq!((c.rc, c.diag), (SQL_SUCCESS, None));
    assert_eq!(
        c.licence,
        "licensed to Example K.K. (Standard edition), no expiry"
    );
    let s = open_with_policy(&req, 0, true).unwrap();
    assert_eq!(s.licence_note, None);
    drop(s);

    let _ = std::fs::remove_dir_all(&dir);
}
