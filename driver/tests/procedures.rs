//! Stored procedures through the ODBC API: SQLProcedures/SQLProcedureColumns list the
//! registry, `{call}` with bound parameters and `EXEC` run them, and secrets in a
//! call stay out of the log.

// ODBC passes integer attribute values in pointer-typed arguments.
#![allow(clippy::manual_dangling_ptr)]

mod common;

use std::ffi::c_void;
use std::ptr::null;

use common::*;
use kintone_sandbox::demo;
use kintoneodbc::exports::*;
use kintoneodbc::sys::*;

fn oauth_props() -> String {
    format!(
        ";OAuthClientId={};OAuthClientSecret={};CallbackURL={}",
        demo::OAUTH_CLIENT_ID,
        demo::OAUTH_CLIENT_SECRET,
        demo::OAUTH_REDIRECT_URI
    )
}

fn ok(rc: i16, s: Handle, what: &str) {
    assert!(
        rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO,
        "{what}: {rc} {:?}",
        diag(SQL_HANDLE_STMT, s)
    );
}

#[test]
fn sql_procedures_and_procedure_columns_list_the_oauth_procedures() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, &oauth_props());
    assert_eq!(rc, SQL_SUCCESS);
    let s = stmt(&c);
    unsafe {
        ok(
            SQLProcedures(s, null(), 0, null(), 0, null(), 0),
            s,
            "SQLProcedures",
        );
    }
    let r = rows(s);
    let names: Vec<&str> = r.iter().map(|r| r[2].as_deref().unwrap_or("")).collect();
    assert_eq!(
        names,
        [
            "AddGuests",
            "AddGuestsToSpace",
            "AddThreadComment",
            "AppsDeployStatus",
            "CreateApp",
            "DeleteGuests",
            "DeployApps",
            "DownloadFile",
            "GetOAuthAccessToken",
            "GetOAuthAuthorizationURL",
            "RefreshOAuthAccessToken",
            "UpdateAssignees",
            "UpdateStatus",
            "UpdateThread",
            "UploadFile"
        ]
    );
    // GetOAuthAuthorizationURL: NUM_INPUT_PARAMS, PROCEDURE_TYPE (SQL_PT_PROCEDURE).
    assert_eq!(r[9][3].as_deref(), Some("4"));
    assert_eq!(r[9][7].as_deref(), Some("1"));
    // AddGuests: 14 inputs.
    assert_eq!(r[0][3].as_deref(), Some("14"));

    let pat = "GetOAuthAuthorization%";
    unsafe {
        SQLFreeStmt(s, SQL_CLOSE);
        ok(
            SQLProcedureColumns(
                s,
                null(),
                0,
                null(),
                0,
                pat.as_ptr() as *const c_void,
                pat.len() as i16,
                null(),
                0,
            ),
            s,
            "SQLProcedureColumns",
        );
    }
    let r = rows(s);
    let cols: Vec<(String, String)> = r
        .iter()
        .map(|r| {
            (
                r[3].clone().unwrap_or_default(),
                r[4].clone().unwrap_or_default(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("AuthMode", "1"),
        ("CallbackURL", "1"),
        ("Scope", "1"),
        ("State", "1"),
        ("URL", "3"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(cols, want);
    // DATA_TYPE: SQL_WVARCHAR (-9).
    assert!(r.iter().all(|r| r[5].as_deref() == Some("-9")), "{r:?}");
}

#[test]
fn call_escape_with_bound_parameters_and_exec_run_at_execute() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, &oauth_props());
    assert_eq!(rc, SQL_SUCCESS);
    let s = stmt(&c);
    let sql = "{call GetOAuthAuthorizationURL(?, ?)}";
    let (mode, callback) = (b"WEB\0".to_vec(), b"http://127.0.0.1/other\0".to_vec());
    let mut nts = [SQL_NTSL, SQL_NTSL];
    unsafe {
        ok(
            SQLPrepare(s, sql.as_ptr() as *const c_void, sql.len() as i32),
            s,
            "prepare",
        );
        let mut n = 0i16;
        ok(SQLNumParams(s, &mut n), s, "SQLNumParams");
        assert_eq!(n, 2);
        ok(SQLNumResultCols(s, &mut n), s, "SQLNumResultCols");
        assert_eq!(n, 1);
        let mut name = [0u8; 64];
        let (mut name_len, mut ty, mut size, mut digits, mut nullable) =
            (0i16, 0i16, 0usize, 0i16, 0i16);
        ok(
            SQLDescribeCol(
                s,
                1,
                name.as_mut_ptr() as *mut c_void,
                64,
                &mut name_len,
                &mut ty,
                &mut size,
                &mut digits,
                &mut nullable,
            ),
            s,
            "SQLDescribeCol",
        );
        assert_eq!(&name[..name_len as usize], b"URL");
        assert_eq!(ty, SQL_WVARCHAR);
        assert_eq!(nullable, SQL_NO_NULLS);
        ok(
            SQLDescribeParam(s, 2, &mut ty, &mut size, &mut digits, &mut nullable),
            s,
            "SQLDescribeParam",
        );
        assert_eq!(ty, SQL_WVARCHAR);
        for (i, v) in [&mode, &callback].into_iter().enumerate() {
            ok(
                SQLBindParameter(
                    s,
                    i as u16 + 1,
                    SQL_PARAM_INPUT,
                    SQL_C_CHAR,
                    SQL_VARCHAR,
                    255,
                    0,
                    v.as_ptr() as *mut c_void,
                    v.len() as isize,
                    &mut nts[i],
                ),
                s,
                "bind",
            );
        }
        ok(SQLExecute(s), s, "execute");
    }
    let r = rows(s);
    assert_eq!(r.len(), 1);
    let url = r[0][0].clone().unwrap_or_default();
    assert!(
        url.starts_with(&format!(
            "{}/oauth2/authorization?client_id=kintone-odbc-demo&",
            e.sb.base_url()
        )),
        "{url}"
    );
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%2Fother&"),
        "{url}"
    );

    // EXEC: the connection's CallbackURL is the default.
    let r = query(&c, "EXEC GetOAuthAuthorizationURL State = 'abc'");
    let url = r[0][0].clone().unwrap_or_default();
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&"),
        "{url}"
    );
    assert!(url.contains("state=abc&"), "{url}");

    // Errors at prepare name the procedure or the parameter.
    let s = stmt(&c);
    assert_eq!(exec(s, "EXEC NoSuchThing"), SQL_ERROR);
    let (state, msg) = diag(SQL_HANDLE_STMT, s);
    assert_eq!(state, "42000");
    assert!(
        msg.contains("unknown stored procedure 'NoSuchThing'"),
        "{msg}"
    );
    assert_eq!(exec(s, "{call GetOAuthAccessToken}"), SQL_ERROR);
    let (_, msg) = diag(SQL_HANDLE_STMT, s);
    assert!(msg.contains("needs parameter(s) Verifier"), "{msg}");
}

#[test]
fn token_errors_are_28000_and_secrets_stay_out_of_the_log() {
    let e = sandbox();
    let log = std::env::temp_dir().join(format!("kintone-odbc-proc-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let (c, rc, _) = connect(
        &e.sb,
        &format!("{};Logfile={};Verbosity=5", oauth_props(), log.display()),
    );
    assert_eq!(rc, SQL_SUCCESS);
    let s = stmt(&c);
    assert_eq!(
        exec(
            s,
            "EXEC RefreshOAuthAccessToken OAuthRefreshToken='refresh-secret-42'"
        ),
        SQL_ERROR
    );
    let (state, msg) = diag(SQL_HANDLE_STMT, s);
    assert_eq!(state, "28000");
    assert!(msg.contains("invalid_grant"), "{msg}");
    assert!(!msg.contains("refresh-secret-42"), "{msg}");
    assert_eq!(
        exec(
            s,
            "EXEC GetOAuthAccessToken Verifier='code-secret-43', AuthMode=1 2"
        ),
        SQL_ERROR
    );
    drop(c);
    let text = std::fs::read_to_string(&log).expect("the log exists");
    assert!(text.contains("OAuthRefreshToken = '***'"), "{text}");
    assert!(!text.contains("refresh-secret-42"), "{text}");
    assert!(!text.contains("code-secret-43"), "{text}");
    assert!(!text.contains(demo::OAUTH_CLIENT_SECRET), "{text}");
    let _ = std::fs::remove_file(&log);
}

/// What a web application has before its user's first consent: `AuthScheme=OAuth`
/// with the client and no token. It opens without a request to Kintone, runs the OAuth
/// procedures, and refuses anything else with 28000 naming them.
#[test]
fn a_connection_with_only_its_oauth_client_runs_the_procedures() {
    let e = sandbox();
    let (env, dbc) = alloc_dbc();
    let c = Conn { env, dbc };
    let before = e.sb.state().log().entries.len();
    let (rc, _) = driver_connect(
        c.dbc,
        &format!(
            "Driver=kintone;Url={};AuthScheme=OAuth{}",
            e.sb.base_url(),
            oauth_props()
        ),
    );
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_DBC, c.dbc));
    assert_eq!(
        e.sb.state().log().entries.len(),
        before,
        "a token-less connect sends nothing"
    );
    let s = stmt(&c);
    assert_eq!(exec(s, "SELECT COUNT(*) FROM Events"), SQL_ERROR);
    let (state, msg) = diag(SQL_HANDLE_STMT, s);
    assert_eq!(state, "28000");
    assert!(msg.contains("GetOAuthAccessToken"), "{msg}");
    unsafe { SQLFreeStmt(s, SQL_CLOSE) };
    ok(
        exec(s, "EXEC GetOAuthAuthorizationURL State='w-1'"),
        s,
        "EXEC",
    );
    let r = rows(s);
    let url = r[0][0].as_deref().unwrap_or_default();
    assert!(
        url.starts_with(&format!("{}/oauth2/authorization?", e.sb.base_url())),
        "{url}"
    );
    assert!(url.contains("state=w-1"), "{url}");
    // Building the address asks Kintone nothing either.
    assert_eq!(e.sb.state().log().entries.len(), before);
}

/// A guest's password given to AddGuests stays out of the driver's log (any verbosity),
/// the diagnostics and the sandbox's request log.
#[test]
fn add_guests_keeps_the_password_out_of_the_log() {
    const PW: &str = "Driver-Guest-Pw-77";
    let e = sandbox();
    let log = std::env::temp_dir().join(format!("kintone-odbc-guests-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let (c, rc, _) = connect(&e.sb, &format!(";Logfile={};Verbosity=5", log.display()));
    assert_eq!(rc, SQL_SUCCESS);
    let s = stmt(&c);
    let sql = format!(
        "EXEC AddGuests Code = 'drv@example.com', Password = '{PW}', Timezone = 'UTC', Name = 'Drv'"
    );
    ok(exec(s, &sql), s, "AddGuests");
    assert_eq!(rows(s), [[Some("1".to_string())]]);
    unsafe { SQLFreeStmt(s, SQL_CLOSE) };
    // A second time Kintone refuses the code: the diagnostic does not quote the password.
    assert_eq!(exec(s, &sql), SQL_ERROR);
    let (_, msg) = diag(SQL_HANDLE_STMT, s);
    assert!(!msg.contains(PW), "{msg}");
    drop(c);
    let text = std::fs::read_to_string(&log).expect("the log exists");
    assert!(text.contains("Password = '***'"), "{text}");
    assert!(!text.contains(PW), "{text}");
    let sandbox_log = format!("{:?}", e.sb.state().log().entries);
    assert!(sandbox_log.contains("drv@example.com"));
    assert!(!sandbox_log.contains(PW));
    let _ = std::fs::remove_file(&log);
}
