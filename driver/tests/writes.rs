//! Writes through the ODBC API: parameter arrays bound column-wise and row-wise, their
//! status arrays and row counts, SQL_NO_DATA for a searched write that matches nothing,
//! and `ReadOnly`. Kintone's state is read back from the sandbox, and its request log
//! checked.

// ODBC passes integer attribute values in pointer-typed arguments.
#![allow(clippy::manual_dangling_ptr)]

mod common;

use std::ffi::c_void;
use std::ptr::null_mut;

use common::*;
use kintone_sandbox::demo::CUSTOMERS_APP;
use kintone_sandbox::RunningSandbox;
use kintoneodbc::exports::*;
use kintoneodbc::metadata::info_ids::SQL_DATA_SOURCE_READ_ONLY;
use kintoneodbc::sys::*;

const CODES: &str = ";UseCodeForFieldName=true";

fn ok(rc: i16, s: Handle, what: &str) {
    assert!(
        rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO,
        "{what}: {rc} {:?}",
        diag(SQL_HANDLE_STMT, s)
    );
}

fn set_attr(s: Handle, attr: i32, v: usize) {
    ok(
        unsafe { SQLSetStmtAttr(s, attr, v as *mut c_void, 0) },
        s,
        "set attr",
    );
}

fn customers(sb: &RunningSandbox) -> Vec<(u64, String)> {
    let app = sb.state();
    let d = app.read();
    let mut out: Vec<(u64, String)> = d
        .apps
        .get(&CUSTOMERS_APP)
        .map(|a| {
            a.records
                .values()
                .map(|r| {
                    (
                        r.id,
                        r.values
                            .get("customer_code")
                            .and_then(|v| v.as_str())
                            .unwrap_or("")
                            .to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn log_calls(sb: &RunningSandbox) -> Vec<(String, String)> {
    sb.state()
        .log()
        .entries
        .iter()
        .map(|e| {
            (
                e.effective_method.clone(),
                e.api.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn row_count(s: Handle) -> isize {
    let mut n = -7isize;
    ok(unsafe { SQLRowCount(s, &mut n) }, s, "row count");
    n
}

#[test]
fn a_column_wise_parameter_array_inserts_in_requests_of_100() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, CODES);
    assert_eq!(rc, SQL_SUCCESS);
    let s = stmt(&c);
    let sql = "INSERT INTO Customers (customer_code, name, credit_limit) VALUES (?, ?, ?)";
    ok(
        unsafe { SQLPrepare(s, sql.as_ptr() as *const c_void, sql.len() as i32) },
        s,
        "prepare",
    );
    const N: usize = 250;
    const W: usize = 16;
    let mut codes = vec![0u8; N * W];
    let mut names = vec![0u8; N * W];
    let mut code_len = vec![SQL_NTS as isize; N];
    let mut name_len = vec![SQL_NTS as isize; N];
    let mut limits: Vec<i32> = (0..N as i32).map(|i| i * 10).collect();
    for i in 0..N {
        let code = format!("W{:05}\0", i + 1);
        codes[i * W..i * W + code.len()].copy_from_slice(code.as_bytes());
        let name = format!("Writer {}\0", i + 1);
        names[i * W..i * W + name.len()].copy_from_slice(name.as_bytes());
    }
    let mut status = vec![99u16; N];
    let mut processed = 0usize;
    set_attr(s, SQL_ATTR_PARAMSET_SIZE, N);
    set_attr(s, SQL_ATTR_PARAM_STATUS_PTR, status.as_mut_ptr() as usize);
    set_attr(
        s,
        SQL_ATTR_PARAMS_PROCESSED_PTR,
        &mut processed as *mut usize as usize,
    );
    unsafe {
        ok(
            SQLBindParameter(
                s,
                1,
                SQL_PARAM_INPUT,
                SQL_C_CHAR,
                SQL_VARCHAR,
                10,
                0,
                codes.as_mut_ptr() as *mut c_void,
                W as isize,
                code_len.as_mut_ptr(),
            ),
            s,
            "bind 1",
        );
        ok(
            SQLBindParameter(
                s,
                2,
                SQL_PARAM_INPUT,
                SQL_C_CHAR,
                SQL_VARCHAR,
                64,
                0,
                names.as_mut_ptr() as *mut c_void,
                W as isize,
                name_len.as_mut_ptr(),
            ),
            s,
            "bind 2",
        );
        ok(
            SQLBindParameter(
                s,
                3,
                SQL_PARAM_INPUT,
                SQL_C_SLONG,
                SQL_INTEGER,
                0,
                0,
                limits.as_mut_ptr() as *mut c_void,
                0,
                null_mut(),
            ),
            s,
            "bind 3",
        );
    }
    e.sb.state().log().clear();
    let before = customers(&e.sb).len();
    ok(unsafe { SQLExecute(s) }, s, "execute");
    assert_eq!(row_count(s), N as isize);
    assert_eq!(processed, N);
    assert!(status.iter().all(|x| *x == SQL_PARAM_SUCCESS), "{status:?}");
    let mut cols = -1i16;
    ok(unsafe { SQLNumResultCols(s, &mut cols) }, s, "cols");
    assert_eq!(cols, 0, "an INSERT has no result set");
    assert_eq!(
        log_calls(&e.sb),
        vec![("POST".to_string(), "bulkRequest".to_string())]
    );
    let after = customers(&e.sb);
    assert_eq!(after.len(), before + N);
    let last_id = after
        .iter()
        .filter(|(_, c)| c == "W00250")
        .map(|(id, _)| *id)
        .next()
        .expect("the last row landed");

    // LAST_INSERT_ID() on the same connection.
    let got = query(&c, "SELECT LAST_INSERT_ID()");
    assert_eq!(got, vec![vec![Some(last_id.to_string())]]);
}

#[repr(C)]
struct Row {
    code: [u8; 24],
    code_len: isize,
    name: [u8; 16],
    name_len: isize,
}

fn row(code: &str, name: &str) -> Row {
    let mut r = Row {
        code: [0; 24],
        code_len: SQL_NTS as isize,
        name: [0; 16],
        name_len: SQL_NTS as isize,
    };
    r.code[..code.len()].copy_from_slice(code.as_bytes());
    r.name[..name.len()].copy_from_slice(name.as_bytes());
    r
}

#[test]
fn a_row_wise_array_is_all_or_nothing_and_names_the_bad_row() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, CODES);
    assert_eq!(rc, SQL_SUCCESS);
    let s = stmt(&c);
    let sql = "INSERT INTO Customers (customer_code, name) VALUES (?, ?)";
    ok(
        unsafe { SQLPrepare(s, sql.as_ptr() as *const c_void, sql.len() as i32) },
        s,
        "prepare",
    );
    // customer_code holds at most 10 characters: Kintone refuses row 2.
    let mut rows = [
        row("RW1", "One"),
        row("RW2-IS-TOO-LONG", "Two"),
        row("RW3", "Three"),
    ];
    let mut status = [99u16; 3];
    let mut processed = 0usize;
    set_attr(s, SQL_ATTR_PARAM_BIND_TYPE, std::mem::size_of::<Row>());
    set_attr(s, SQL_ATTR_PARAMSET_SIZE, rows.len());
    set_attr(s, SQL_ATTR_PARAM_STATUS_PTR, status.as_mut_ptr() as usize);
    set_attr(
        s,
        SQL_ATTR_PARAMS_PROCESSED_PTR,
        &mut processed as *mut usize as usize,
    );
    unsafe {
        let r0 = &mut rows[0];
        ok(
            SQLBindParameter(
                s,
                1,
                SQL_PARAM_INPUT,
                SQL_C_CHAR,
                SQL_VARCHAR,
                24,
                0,
                r0.code.as_mut_ptr() as *mut c_void,
                24,
                &mut r0.code_len,
            ),
            s,
            "bind 1",
        );
        ok(
            SQLBindParameter(
                s,
                2,
                SQL_PARAM_INPUT,
                SQL_C_CHAR,
                SQL_VARCHAR,
                16,
                0,
                r0.name.as_mut_ptr() as *mut c_void,
                16,
                &mut r0.name_len,
            ),
            s,
            "bind 2",
        );
    }
    let before = customers(&e.sb);
    let rc = unsafe { SQLExecute(s) };
    assert_eq!(rc, SQL_ERROR);
    let (state, msg) = diag(SQL_HANDLE_STMT, s);
    assert_eq!(state, "23000", "{msg}");
    assert!(msg.contains("row 2, column \"customer_code\""), "{msg}");
    assert_eq!(status, [SQL_PARAM_ERROR; 3], "one atomic unit: none landed");
    assert_eq!(processed, 3);
    assert_eq!(row_count(s), 0);
    assert_eq!(customers(&e.sb), before, "nothing landed");

    // Fixed, the same statement writes all three.
    rows[1] = row("RW2", "Two");
    std::hint::black_box(&rows);
    ok(unsafe { SQLExecute(s) }, s, "execute again");
    assert_eq!(status, [SQL_PARAM_SUCCESS; 3]);
    let codes: Vec<String> = customers(&e.sb)
        .into_iter()
        .map(|(_, c)| c)
        .filter(|c| c.starts_with("RW"))
        .collect();
    assert_eq!(codes, ["RW1", "RW2", "RW3"]);
}

#[test]
fn searched_writes_count_rows_and_say_no_data() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, CODES);
    assert_eq!(rc, SQL_SUCCESS);
    let s = stmt(&c);
    e.sb.state().log().clear();
    ok(
        exec(
            s,
            "UPDATE Customers SET notes = 'via ODBC' WHERE \"$id\" = 4",
        ),
        s,
        "update",
    );
    assert_eq!(row_count(s), 1);
    assert_eq!(
        log_calls(&e.sb),
        vec![
            ("GET".to_string(), "app/form/fields".to_string()),
            ("PUT".to_string(), "record".to_string())
        ],
        "the form (read when a statement first names the app), then one request and no record read"
    );
    // Kintone keeps DATETIME to the minute: written, with a warning that says so.
    let rc = exec(
        s,
        "UPDATE Orders SET ordered_at = TIMESTAMP '2026-12-01 10:20:30' WHERE \"$id\" = 2",
    );
    assert_eq!(rc, SQL_SUCCESS_WITH_INFO);
    let (state, msg) = diag(SQL_HANDLE_STMT, s);
    assert_eq!(state, "01S07");
    assert!(
        msg.contains("\"ordered_at\"") && msg.contains("minute"),
        "{msg}"
    );
    assert_eq!(
        query(
            &c,
            "SELECT CAST(ordered_at AS VARCHAR) FROM Orders WHERE \"$id\" = 2"
        ),
        vec![vec![Some("2026-12-01T10:20:00Z".to_string())]]
    );
    e.sb.state().log().clear();
    assert_eq!(
        exec(s, "UPDATE Customers SET notes = 'x' WHERE \"$id\" = 99999"),
        SQL_NO_DATA
    );
    assert_eq!(row_count(s), 0);
    assert_eq!(
        exec(s, "DELETE FROM Customers WHERE name = 'no such company'"),
        SQL_NO_DATA
    );
    let before = customers(&e.sb).len();
    ok(
        exec(s, "DELETE FROM Customers WHERE country = 'France'"),
        s,
        "delete",
    );
    let n = row_count(s);
    assert!(n > 0);
    assert_eq!(customers(&e.sb).len(), before - n as usize);
    assert_eq!(
        query(
            &c,
            "SELECT COUNT(*) FROM Customers WHERE country = 'France'"
        ),
        vec![vec![Some("0".to_string())]]
    );
}

fn read_only_info(c: &Conn) -> String {
    let mut buf = [0u8; 8];
    let mut len = 0i16;
    let rc = unsafe {
        SQLGetInfo(
            c.dbc,
            SQL_DATA_SOURCE_READ_ONLY,
            buf.as_mut_ptr() as *mut c_void,
            8,
            &mut len,
        )
    };
    assert_eq!(rc, SQL_SUCCESS);
    String::from_utf8_lossy(&buf[..len as usize]).into_owned()
}

#[test]
fn read_only_connections_refuse_writes_and_say_so() {
    let e = sandbox();
    let (rw, rc, _) = connect(&e.sb, CODES);
    assert_eq!(rc, SQL_SUCCESS);
    assert_eq!(read_only_info(&rw), "N");
    let (c, rc, _) = connect(&e.sb, &format!("{CODES};ReadOnly=true"));
    assert_eq!(rc, SQL_SUCCESS);
    assert_eq!(read_only_info(&c), "Y");
    let s = stmt(&c);
    e.sb.state().log().clear();
    for sql in [
        "INSERT INTO Customers (customer_code, name) VALUES ('RO', 'x')",
        "UPDATE Customers SET notes = 'x'",
        "DELETE FROM Customers",
    ] {
        assert_eq!(exec(s, sql), SQL_ERROR, "{sql}");
        let (state, msg) = diag(SQL_HANDLE_STMT, s);
        assert_eq!(state, "25006", "{msg}");
        assert!(msg.contains("ReadOnly=true"), "{msg}");
    }
    assert!(
        e.sb.state().log().entries.is_empty(),
        "nothing reached Kintone"
    );
}
