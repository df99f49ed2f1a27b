//! The driver reports the licence state at connect: silent when licensed, a 01000
//! info diagnostic during a trial (issue 6). Its own test binary, because the licence
//! paths come from the process environment.

use std::ffi::c_void;
use std::ptr::null_mut;

use kintone_sandbox::{start, Options};
use kintoneodbc::exports::*;
use kintoneodbc::sys::*;

#[test]
fn a_trial_connects_with_an_info_diagnostic_naming_the_days_left() {
    let dir = std::env::temp_dir().join(format!("kintone-odbc-licence-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::env::set_var("KINTONE_ODBC_LICENSE_DIR", dir.join("etc"));
    std::env::set_var("KINTONE_ODBC_TRIAL_DIR", dir.join("var"));
    std::env::set_var("KINTONE_ODBC_USER_DIR", dir.join("user"));
    let paths = kintone_license::paths::Paths::from_env();
    let today = kintone_license::today();
    kintone_license::trial::activate(&paths, kintone_license::paths::Scope::User, "test", today)
        .unwrap();
    assert_eq!(
        kintone_license::status(),
        kintone_license::Status::Trial { days_left: 30 }
    );

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
    let (mut env, mut dbc) = (null_mut(), null_mut());
    unsafe {
        SQLAllocHandle(SQL_HANDLE_ENV, null_mut(), &mut env);
        SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, SQL_OV_ODBC3 as *mut c_void, 0);
        SQLAllocHandle(SQL_HANDLE_DBC, env, &mut dbc);
        let cs = format!("Url={};UID=demo;PWD=demo", sb.base_url());
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
        assert_eq!(rc, SQL_SUCCESS_WITH_INFO);
        let mut state = [0u8; 6];
        let mut msg = [0u8; 256];
        let mut len = 0i16;
        SQLGetDiagRec(
            SQL_HANDLE_DBC,
            dbc,
            1,
            state.as_mut_ptr() as *mut c_void,
            null_mut(),
            msg.as_mut_ptr() as *mut c_void,
            256,
            &mut len,
        );
        assert_eq!(&state[..5], b"01000");
        assert_eq!(
            std::str::from_utf8(&msg[..len as usize]).unwrap(),
            "[kintone-odbc] licence: trial, 30 days left"
        );
        assert_eq!(SQLDisconnect(dbc), SQL_SUCCESS);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
