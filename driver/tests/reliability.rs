//! What a hostile or unlucky application does to the driver, called directly (no
//! driver manager) against the in-process sandbox: deep statements on a small thread,
//! statements that would allocate gigabytes, freeing and disconnecting during a fetch,
//! a fork after use, silent and trickling servers, wrong answers that must be errors,
//! and secrets in diagnostics and logs. Each failed before its fix: it crashed the
//! process, hung, or answered wrongly without an error.

#![allow(clippy::manual_dangling_ptr)]

mod common;

use std::ffi::c_void;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::ptr::null_mut;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use kintone_sandbox::Options;
use kintoneodbc::exports::*;
use kintoneodbc::sys::*;

/// Runs `f` on a thread with `stack` bytes, failing the test if it does not finish
/// within `limit` (a hang must not hang the suite).
fn bounded<T: Send + 'static>(
    stack: usize,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .unwrap();
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("did not finish within {limit:?}"))
}

fn state_of(s: Handle, rc: i16) -> String {
    assert_eq!(rc, SQL_ERROR);
    diag(SQL_HANDLE_STMT, s).0
}

/// The SQLSTATE a statement fails with, at execution or while its rows are fetched
/// (DataFusion evaluates projections as rows are read), or `None` when it succeeds.
fn failure(s: Handle, sql: &str) -> Option<(String, String)> {
    let mut rc = exec(s, sql);
    while ok(rc) {
        rc = unsafe { SQLFetch(s) };
    }
    let r = (rc == SQL_ERROR).then(|| diag(SQL_HANDLE_STMT, s));
    unsafe { SQLFreeStmt(s, SQL_CLOSE) };
    r
}

fn ok(rc: i16) -> bool {
    rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO
}

#[test]
fn deep_statements_run_on_a_small_thread_or_are_refused_as_too_complex() {
    let e = sandbox();
    let url = e.sb.base_url().to_string();
    // A macOS secondary thread's stack (Excel, Tableau): everything deep runs on the
    // driver's own threads.
    let results = bounded(512 << 10, Duration::from_secs(240), move || {
        let (c, rc, _) = connect_to(&url, "", 0);
        assert_eq!(rc, SQL_SUCCESS);
        let events = query(&c, "SELECT COUNT(*) FROM Events")[0][0].clone();
        let ors: Vec<String> = (1..=10_000).map(|i| format!("\"$id\" = {i}")).collect();
        let or_count = query(
            &c,
            &format!("SELECT COUNT(*) FROM Events WHERE {}", ors.join(" OR ")),
        )[0][0]
            .clone();
        let ands = vec!["1 = 1"; 10_000].join(" AND ");
        let and_rows = query(&c, &format!("SELECT 7 AS x WHERE {ands}"));
        let sum = query(
            &c,
            &format!("SELECT {} AS n", vec!["1"; 10_000].join(" + ")),
        )[0][0]
            .clone();
        let unions = query(&c, &vec!["SELECT 1 AS one"; 5_000].join(" UNION ALL ")).len();
        let s = stmt(&c);
        let minus = state_of(
            s,
            exec(s, &format!("SELECT {}", vec!["1"; 5_000].join(" - "))),
        );
        let parens = format!("SELECT {}1{}", "(".repeat(10_000), ")".repeat(10_000));
        let nested = state_of(s, exec(s, &parens));
        let (_, msg) = diag(SQL_HANDLE_STMT, s);
        unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };
        (events, or_count, and_rows, sum, unions, minus, nested, msg)
    });
    let (events, or_count, and_rows, sum, unions, minus, nested, msg) = results;
    assert_eq!(or_count, events, "10,000 ORs over $id select every record");
    assert_eq!(and_rows, vec![vec![Some("7".to_string())]]);
    assert_eq!(sum.as_deref(), Some("10000"));
    assert_eq!(unions, 5_000);
    assert_eq!(minus, "54001");
    assert_eq!(nested, "54001");
    assert!(msg.contains("too complex"), "{msg}");
}

#[test]
fn statements_that_would_allocate_gigabytes_are_refused_with_hy001() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    let s = stmt(&c);
    for sql in [
        "SELECT repeat('x', 2000000000) AS c0, repeat('x', 2000000000) AS c1, repeat('x', 2000000000) AS c2, repeat('x', 2000000000) AS c3",
        "SELECT lpad('x', 2000000000) AS c0",
        "SELECT rpad('x', 2000000000, 'ab') AS c0",
        "SELECT count(*) FROM (SELECT unnest(range(1, 3000000000)) AS v) t",
        "SELECT cardinality(array_repeat(1, 2000000000))",
        "SELECT \"$id\", repeat(\"Title\", 100000000) FROM Events",
        "SELECT replace(repeat('a', 1000000), 'a', repeat('b', 1000))",
    ] {
        let f = failure(s, sql);
        assert_eq!(f.as_ref().map(|f| f.0.as_str()), Some("HY001"), "{sql}: {f:?}");
    }
    // Ordinary use of the same functions still works.
    assert_eq!(
        query(
            &c,
            "SELECT length(repeat('ab', 1000)) AS n, lpad('7', 3, '0') AS p"
        ),
        vec![vec![Some("2000".into()), Some("007".into())]]
    );
    // An attribute that would size an allocation is checked.
    let rc = unsafe {
        SQLSetStmtAttr(
            s,
            SQL_ATTR_PARAMSET_SIZE,
            2_147_483_648usize as *mut c_void,
            0,
        )
    };
    assert_eq!(state_of(s, rc), "HY024");
}

#[test]
fn wrong_answers_are_errors() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    let s = stmt(&c);
    for sql in [
        "SELECT 9223372036854775807 + 1",
        "SELECT -9223372036854775807 - 2",
        "SELECT \"$id\" * 9223372036854775807 FROM Events",
    ] {
        let f = failure(s, sql);
        assert_eq!(
            f.as_ref().map(|f| f.0.as_str()),
            Some("22003"),
            "{sql}: {f:?}"
        );
    }
    assert_eq!(
        query(&c, "SELECT 9223372036854775806 + 1 AS n"),
        vec![vec![Some("9223372036854775807".into())]]
    );

    // A fractional parameter compared with an integer column is refused, not truncated.
    let sql = "SELECT \"$id\" FROM Customers WHERE \"$id\" = ?";
    // The driver reads the bound value at each execute.
    let v: *mut f64 = Box::into_raw(Box::new(1.5f64));
    unsafe {
        assert_eq!(
            SQLPrepare(s, sql.as_ptr() as *const c_void, sql.len() as i32),
            SQL_SUCCESS
        );
        assert_eq!(
            SQLBindParameter(
                s,
                1,
                SQL_PARAM_INPUT,
                SQL_C_DOUBLE,
                SQL_DOUBLE,
                0,
                0,
                v as *mut c_void,
                0,
                null_mut()
            ),
            SQL_SUCCESS
        );
        assert_eq!(state_of(s, SQLExecute(s)), "22018");
        *v = 2.0;
        assert_eq!(SQLExecute(s), SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_STMT, s));
        assert_eq!(rows(s), vec![vec![Some("2".into())]]);
        // Executing again while the cursor is open is a state error.
        assert_eq!(state_of(s, SQLExecute(s)), "24000");
        let again = "SELECT 1";
        assert_eq!(state_of(s, exec(s, again)), "24000");
        assert_eq!(SQLFreeStmt(s, SQL_CLOSE), SQL_SUCCESS);
        assert_eq!(SQLFreeStmt(s, SQL_RESET_PARAMS), SQL_SUCCESS);

        // A parameter array on a statement without parameters runs it once.
        assert_eq!(
            SQLSetStmtAttr(s, SQL_ATTR_PARAMSET_SIZE, 3 as *mut c_void, 0),
            SQL_SUCCESS
        );
        let before = records_requests(&e.sb);
        assert_eq!(
            exec(s, "SELECT \"$id\" FROM Customers WHERE \"$id\" = 3"),
            SQL_SUCCESS
        );
        assert_eq!(rows(s), vec![vec![Some("3".into())]]);
        assert_eq!(SQLMoreResults(s), SQL_NO_DATA);
        assert_eq!(records_requests(&e.sb) - before, 1, "one run, one request");
        SQLFreeHandle(SQL_HANDLE_STMT, s);
        drop(Box::from_raw(v));
    }
}

/// A statement reading Events slowly (latency per page) on another thread.
fn slow_fetch(c: &Conn) -> (Handle, mpsc::Receiver<(usize, i16)>) {
    let s = stmt(c);
    assert_eq!(
        exec(s, "SELECT \"$id\", \"Title\" FROM Events ORDER BY \"$id\""),
        SQL_SUCCESS
    );
    let (tx, rx) = mpsc::channel();
    let h = s as usize;
    std::thread::spawn(move || {
        let s = h as Handle;
        let mut n = 0;
        loop {
            let rc = unsafe { SQLFetch(s) };
            if rc != SQL_SUCCESS && rc != SQL_SUCCESS_WITH_INFO {
                let _ = tx.send((n, rc));
                return;
            }
            n += 1;
        }
    });
    (s, rx)
}

#[test]
fn freeing_disconnecting_or_cancelling_during_a_fetch_ends_it_promptly() {
    let e = sandbox_with(Options {
        large_records: 3000,
        latency_ms: 400,
        ..Options::default()
    });
    // Free the statement while another thread fetches.
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    let (s, rx) = slow_fetch(&c);
    std::thread::sleep(Duration::from_millis(600));
    let started = Instant::now();
    assert_eq!(unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) }, SQL_SUCCESS);
    let (n, rc) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the fetch hung");
    assert!(n < 3000, "the fetch was not interrupted");
    assert!(rc == SQL_ERROR || rc == SQL_INVALID_HANDLE, "{rc}");
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(c);

    // Disconnect while another thread fetches, then free the connection.
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    let (_s, rx) = slow_fetch(&c);
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(unsafe { SQLDisconnect(c.dbc) }, SQL_SUCCESS);
    let (n, rc) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the fetch hung");
    assert!(
        n < 3000 && (rc == SQL_ERROR || rc == SQL_INVALID_HANDLE),
        "{n} {rc}"
    );
    drop(c);

    // SQLCancel from another thread: HY008 on the fetching call, and the statement
    // stays usable.
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    let (s, rx) = slow_fetch(&c);
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(unsafe { SQLCancel(s) }, SQL_SUCCESS);
    let (n, rc) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the fetch hung");
    assert!(n < 3000);
    assert_eq!(state_of(s, rc), "HY008");
    unsafe { SQLFreeStmt(s, SQL_CLOSE) };
    assert_eq!(query(&c, "SELECT COUNT(*) FROM Customers").len(), 1);

    // 32 connections at once, each reading.
    let url = e.sb.base_url().to_string();
    let threads: Vec<_> = (0..32)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let (c, rc, _) = connect_to(&url, "", 0);
                assert!(ok(rc));
                query(&c, "SELECT COUNT(*) FROM Customers WHERE \"$id\" <= 5")[0][0].clone()
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().as_deref(), Some("5"));
    }
}

#[test]
fn a_forked_child_and_its_parent_both_keep_working() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    let total = query(&c, "SELECT COUNT(*) FROM Events")[0][0].clone();
    let url = e.sb.base_url().to_string();
    // SAFETY: the child uses the driver (what Python's multiprocessing does) and _exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        unsafe { libc::alarm(60) };
        let (child, rc, _) = connect_to(&url, "", 0);
        let mut good = ok(rc);
        if good {
            let s = stmt(&child);
            good = exec(s, "SELECT COUNT(*) FROM Events") == SQL_SUCCESS
                && rows(s).first().and_then(|r| r[0].clone()) == total;
            // The parent's connection is refused here, never used.
            let inherited = stmt_raw(c.dbc);
            good &= inherited.is_none();
        }
        std::mem::forget(c);
        std::mem::forget(child);
        unsafe { libc::_exit(if good { 0 } else { 1 }) };
    }
    // The parent goes on meanwhile.
    for _ in 0..5 {
        assert_eq!(query(&c, "SELECT COUNT(*) FROM Events")[0][0], total);
    }
    let mut status = 0;
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the child failed: status {status}"
    );
    assert_eq!(query(&c, "SELECT COUNT(*) FROM Events")[0][0], total);
}

/// A statement on `dbc`, or None when the driver refuses to run one there.
fn stmt_raw(dbc: Handle) -> Option<Handle> {
    let mut s = null_mut();
    if unsafe { SQLAllocHandle(SQL_HANDLE_STMT, dbc, &mut s) } != SQL_SUCCESS {
        return None;
    }
    let ok = exec(s, "SELECT 1") == SQL_SUCCESS;
    unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };
    ok.then_some(s)
}

/// A server that accepts and then sends `prelude` and a byte every 300 ms, or
/// nothing at all.
fn unresponsive(prelude: Option<&'static [u8]>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in l.incoming().take(64) {
            let Ok(mut conn) = conn else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                if let Some(p) = prelude {
                    let _ = conn.write_all(p);
                    for _ in 0..400 {
                        std::thread::sleep(Duration::from_millis(300));
                        if conn.write_all(b"x").is_err() {
                            return;
                        }
                    }
                } else {
                    std::thread::sleep(Duration::from_secs(120));
                }
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn timeouts_bound_the_whole_call_and_name_the_limit() {
    let silent = unresponsive(None);
    let trickle = unresponsive(Some(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
    ));
    for url in [&silent, &trickle] {
        let (c, rc, took) = connect_to(url, ";Timeout=2", 0);
        assert_eq!(rc, SQL_ERROR);
        assert!(took < Duration::from_secs(5), "{url}: {took:?}");
        let (st, msg) = diag(SQL_HANDLE_DBC, c.dbc);
        assert_eq!(st, "HYT00", "{msg}");
        assert!(msg.contains("Timeout"), "{msg}");

        let (c, rc, took) = connect_to(url, ";Timeout=0", 1);
        assert_eq!(rc, SQL_ERROR);
        assert!(took < Duration::from_secs(4), "{url}: {took:?}");
        let (st, msg) = diag(SQL_HANDLE_DBC, c.dbc);
        assert_eq!(st, "HYT00");
        assert!(msg.contains("login timeout"), "{msg}");
    }
}

#[test]
fn no_secret_reaches_a_diagnostic_the_output_string_or_the_log() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, ";PWD=abc;tailZZ9");
    assert_eq!(rc, SQL_ERROR);
    let (st, msg) = diag(SQL_HANDLE_DBC, c.dbc);
    assert_eq!(st, "08001");
    assert!(!msg.contains("ZZ9") && !msg.contains("abc"), "{msg}");
    drop(c);

    let dir = std::env::temp_dir().join(format!("kodbc-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // One of each scheme; the password and the OAuth token are wrong, so the failure
    // paths log too.
    for (n, auth) in [
        "UID=demo;PWD=Secret-Pass-1",
        "AuthScheme=APIToken;APIToken=EventsViewOnly00000000000000000000000000;AppId=4",
        "UID=demo;PWD=demo;BasicAuthUser=b;BasicAuthPassword=Basic-Secret-9",
        "AuthScheme=OAuth;OAuthAccessToken=OAuth-Token-Secret-7",
        // A refreshing OAuth connection whose verifier exchange is refused.
        "AuthScheme=OAuth;InitiateOAuth=REFRESH;OAuthClientId=kintone-odbc-demo;\
         OAuthClientSecret=OAuth-Client-Secret-5;OAuthRefreshToken=OAuth-Refresh-Secret-3;\
         OAuthVerifier=OAuth-Code-Secret-2;OAuthSettingsLocation=memory://v5",
    ]
    .iter()
    .enumerate()
    {
        let log = dir.join(format!("v5-{n}.log"));
        let cs = format!(
            "Driver=kintone;Url={};{auth};Logfile={};Verbosity=5",
            e.sb.base_url(),
            log.display()
        );
        let (env, dbc) = alloc_dbc();
        let c = Conn { env, dbc };
        let (rc, out) = driver_connect(c.dbc, &cs);
        // Password auth fails (wrong password): the log still gets the attempt.
        if rc == SQL_ERROR {
            let (_, msg) = diag(SQL_HANDLE_DBC, c.dbc);
            for secret in [
                "Secret-Pass-1",
                "OAuth-Token-Secret-7",
                "Basic-Secret-9",
                "OAuth-Client-Secret-5",
                "OAuth-Refresh-Secret-3",
                "OAuth-Code-Secret-2",
            ] {
                assert!(!msg.contains(secret), "{msg}");
            }
        }
        let _ = query_maybe(&c, "SELECT COUNT(*) FROM Events");
        drop(c);
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(&log).unwrap();
        assert_eq!(
            meta.permissions().mode() & 0o777,
            0o600,
            "{}",
            log.display()
        );
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.contains("connecting"), "{text}");
        for secret in [
            "Secret-Pass-1",
            "EventsViewOnly000",
            "Basic-Secret-9",
            "OAuth-Token-Secret-7",
            "OAuth-Client-Secret-5",
            "OAuth-Refresh-Secret-3",
            "OAuth-Code-Secret-2",
            // base64 of "demo:demo" and of "b:Basic-Secret-9" as sent on the wire
            "ZGVtbzpkZW1v",
            "YjpCYXNpYy1TZWNyZXQtOQ",
        ] {
            assert!(!text.contains(secret), "{secret} in the log:\n{text}");
            assert!(!out.contains(secret), "{secret} in {out}");
        }
    }
}

fn query_maybe(c: &Conn, sql: &str) -> Option<Vec<Vec<Option<String>>>> {
    let mut s = null_mut();
    if unsafe { SQLAllocHandle(SQL_HANDLE_STMT, c.dbc, &mut s) } != SQL_SUCCESS {
        return None;
    }
    let r = (exec(s, sql) == SQL_SUCCESS).then(|| rows(s));
    unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };
    r
}

#[test]
fn a_fetch_in_the_middle_of_a_long_read_ends_within_the_timeout() {
    for action in [
        serde_json::json!({"api": "records", "count": 100, "action": "silent", "duration_ms": 60000}),
        serde_json::json!({"api": "records", "count": 100, "action": "trickle", "interval_ms": 400}),
    ] {
        // Fifty pages: the parallel scan reads a few windows ahead of the application,
        // and the fault must meet the read before its end.
        let e = sandbox_with(Options {
            large_records: 25_000,
            ..Options::default()
        });
        let (c, rc, _) = connect(&e.sb, ";Timeout=3");
        assert_eq!(rc, SQL_SUCCESS);
        let s = stmt(&c);
        assert_eq!(
            exec(s, "SELECT \"$id\" FROM Events ORDER BY \"$id\""),
            SQL_SUCCESS
        );
        assert_eq!(unsafe { SQLFetch(s) }, SQL_SUCCESS);
        e.sb.state()
            .faults()
            .push(serde_json::from_value(action.clone()).unwrap());
        let mut longest = Duration::ZERO;
        let mut rows = 1;
        let rc = loop {
            let started = Instant::now();
            let rc = unsafe { SQLFetch(s) };
            longest = longest.max(started.elapsed());
            if rc != SQL_SUCCESS {
                break rc;
            }
            rows += 1;
            assert!(rows < 25_000, "{action}: the read was never held up");
        };
        let (st, msg) = diag(SQL_HANDLE_STMT, s);
        assert_eq!((rc, st.as_str()), (SQL_ERROR, "HYT00"), "{action}: {msg}");
        assert!(msg.contains("Timeout"), "{msg}");
        assert!(
            longest < Duration::from_secs(6),
            "{action}: a fetch took {longest:?}"
        );
        e.sb.state().faults().clear();
        unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };
    }
}
