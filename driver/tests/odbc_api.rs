//! The driver's C API called directly (no driver manager) against the in-process
//! sandbox: the layer under the end-to-end suites in tests/odbc, which run the same
//! library through unixODBC and iODBC.
//!
//! Without a driver manager the process default wide width is UCS-4 (see
//! `encoding::process_wchar_mode`), so W calls here pass `u32` strings.

// ODBC passes integer attribute values in pointer-typed arguments: `1 as *mut c_void`
// is a value, not a pointer.
#![allow(clippy::manual_dangling_ptr)]

mod common;

use std::ffi::c_void;
use std::ptr::{null, null_mut};

use common::*;
use kintoneodbc::exports::*;
use kintoneodbc::sys::*;

#[test]
fn connects_with_a_masked_output_string_and_names_bad_keys() {
    let e = sandbox();
    let (c, rc, out) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    assert!(out.contains("Url=http://127.0.0.1:"), "{out}");
    assert!(
        out.contains("User=demo")
            && out.contains("Password=****")
            && !out.contains("=demo;Password=demo"),
        "{out}"
    );
    drop(c);

    // Right after the password, an unknown key may be the rest of it: not echoed.
    let (c, rc, _) = connect(&e.sb, ";Colour=red");
    assert_eq!(rc, SQL_ERROR);
    let (state, msg) = diag(SQL_HANDLE_DBC, c.dbc);
    assert_eq!(state, "08001");
    assert!(
        msg.contains("after the value of 'PWD'") && !msg.contains("Colour"),
        "{msg}"
    );
    drop(c);
    let (c, rc, _) = connect(&e.sb, ";Colour=red;Timeout=30");
    assert_eq!(rc, SQL_ERROR);
    let (state, msg) = diag(SQL_HANDLE_DBC, c.dbc);
    assert_eq!(state, "08001");
    assert!(msg.contains("after the value of 'PWD'"), "{msg}");

    // Keys other tools add, and a typo, are ignored with 01S00 naming each (ODBC's
    // rule); SQLAlchemy's mssql+pyodbc puts APP and WSID right after PWD.
    let (tool, rc, out) = connect(
        &e.sb,
        ";APP=python;WSID=host;Trusted_Connection=No;Verbosty=2",
    );
    assert_eq!(
        rc,
        SQL_SUCCESS_WITH_INFO,
        "{:?}",
        diag(SQL_HANDLE_DBC, tool.dbc)
    );
    let (state, msg) = diag(SQL_HANDLE_DBC, tool.dbc);
    assert_eq!(state, "01S00");
    assert!(
        msg.contains("'APP', 'WSID', 'Trusted_Connection', 'Verbosty' (did you mean 'Verbosity'?)"),
        "{msg}"
    );
    assert!(!out.contains("APP=") && !out.contains("Verbosty"), "{out}");
    let s = stmt(&tool);
    assert_eq!(exec(s, "SELECT COUNT(*) FROM Customers"), SQL_SUCCESS);
    drop(tool);

    let (c2, rc, _) = connect(&e.sb, ";PWD=wrong-secret");
    assert_eq!(rc, SQL_ERROR);
    let (state, msg) = diag(SQL_HANDLE_DBC, c2.dbc);
    assert_eq!(state, "28000", "{msg}");
    assert!(!msg.contains("wrong-secret"), "{msg}");
    drop((c, c2));
}

#[test]
fn prepare_describes_without_reading_records_then_fetches_row_arrays() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    let s = stmt(&c);
    let before = records_requests(&e.sb);
    let sql = "SELECT \"$id\", \"Company name\" FROM Customers WHERE \"$id\" <= ? ORDER BY \"$id\"";
    unsafe {
        let rc = SQLPrepare(s, sql.as_ptr() as *const c_void, sql.len() as i32);
        assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_STMT, s));
        let mut n = 0i16;
        assert_eq!(SQLNumResultCols(s, &mut n), SQL_SUCCESS);
        assert_eq!(n, 2);
        let mut name = [0u8; 64];
        let (mut name_len, mut ty, mut size, mut digits, mut nullable) =
            (0i16, 0i16, 0usize, 0i16, 0i16);
        assert_eq!(
            SQLDescribeCol(
                s,
                1,
                name.as_mut_ptr() as *mut c_void,
                64,
                &mut name_len,
                &mut ty,
                &mut size,
                &mut digits,
                &mut nullable
            ),
            SQL_SUCCESS
        );
        assert_eq!(
            (&name[..name_len as usize], ty, size, nullable),
            (&b"$id"[..], SQL_BIGINT, 19, SQL_NO_NULLS)
        );
        assert_eq!(
            SQLDescribeCol(
                s,
                2,
                name.as_mut_ptr() as *mut c_void,
                64,
                &mut name_len,
                &mut ty,
                &mut size,
                &mut digits,
                &mut nullable
            ),
            SQL_SUCCESS
        );
        assert_eq!(
            (&name[..name_len as usize], ty),
            (&b"Company name"[..], SQL_WVARCHAR)
        );
        assert!(size > 0);
        let mut nparams = 0i16;
        assert_eq!(SQLNumParams(s, &mut nparams), SQL_SUCCESS);
        assert_eq!(nparams, 1);
        assert_eq!(
            records_requests(&e.sb),
            before,
            "prepare and describe must not read records"
        );

        let mut limit: i32 = 3;
        assert_eq!(
            SQLBindParameter(
                s,
                1,
                SQL_PARAM_INPUT,
                SQL_C_SLONG,
                SQL_INTEGER,
                0,
                0,
                &mut limit as *mut i32 as *mut c_void,
                0,
                null_mut()
            ),
            SQL_SUCCESS
        );
        assert_eq!(SQLExecute(s), SQL_SUCCESS);
        let mut rc_count = 0isize;
        assert_eq!(SQLRowCount(s, &mut rc_count), SQL_SUCCESS);
        assert_eq!(rc_count, -1);

        // Column-wise arrays of 2 rows, with the fetched count and row status.
        let mut ids = [0i64; 2];
        let mut id_ind = [0isize; 2];
        let mut names = [[0u8; 32]; 2];
        let mut name_ind = [0isize; 2];
        let mut fetched = 0usize;
        let mut status = [99u16; 2];
        assert_eq!(
            SQLSetStmtAttr(s, SQL_ATTR_ROW_ARRAY_SIZE, 2 as *mut c_void, 0),
            SQL_SUCCESS
        );
        assert_eq!(
            SQLSetStmtAttr(
                s,
                SQL_ATTR_ROWS_FETCHED_PTR,
                &mut fetched as *mut usize as *mut c_void,
                0
            ),
            SQL_SUCCESS
        );
        assert_eq!(
            SQLSetStmtAttr(
                s,
                SQL_ATTR_ROW_STATUS_PTR,
                status.as_mut_ptr() as *mut c_void,
                0
            ),
            SQL_SUCCESS
        );
        assert_eq!(
            SQLBindCol(
                s,
                1,
                SQL_C_SBIGINT,
                ids.as_mut_ptr() as *mut c_void,
                8,
                id_ind.as_mut_ptr()
            ),
            SQL_SUCCESS
        );
        assert_eq!(
            SQLBindCol(
                s,
                2,
                SQL_C_CHAR,
                names.as_mut_ptr() as *mut c_void,
                32,
                name_ind.as_mut_ptr()
            ),
            SQL_SUCCESS
        );
        assert_eq!(SQLFetch(s), SQL_SUCCESS);
        assert_eq!(
            (fetched, ids, status),
            (2, [1, 2], [SQL_ROW_SUCCESS, SQL_ROW_SUCCESS])
        );
        assert_eq!(&names[0][..name_ind[0] as usize], b"Acme Corporation");
        assert_eq!(&names[1][..name_ind[1] as usize], b"Globex");
        assert_eq!(SQLFetchScroll(s, SQL_FETCH_NEXT, 0), SQL_SUCCESS);
        assert_eq!(
            (fetched, ids[0], status),
            (1, 3, [SQL_ROW_SUCCESS, SQL_ROW_NOROW])
        );
        assert_eq!(SQLFetch(s), SQL_NO_DATA);
        assert_eq!(SQLFetchScroll(s, SQL_FETCH_PRIOR, 0), SQL_ERROR);
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "HY106");
        assert_eq!(SQLMoreResults(s), SQL_NO_DATA);
        assert_eq!(SQLFreeHandle(SQL_HANDLE_STMT, s), SQL_SUCCESS);
    }
}

#[repr(C)]
struct Row {
    id: i64,
    id_ind: isize,
    name: [u8; 8],
    name_ind: isize,
}

#[test]
fn row_wise_binding_with_offset_truncates_with_full_lengths() {
    let e = sandbox();
    let (c, _, _) = connect(&e.sb, "");
    let s = stmt(&c);
    unsafe {
        assert_eq!(
            exec(
                s,
                "SELECT \"$id\", \"Company name\" FROM Customers ORDER BY \"$id\" LIMIT 3"
            ),
            SQL_SUCCESS
        );
        // Bound at rows[0]; the offset moves the whole rowset to rows[1..].
        let mut rows: Vec<Row> = (0..4)
            .map(|_| Row {
                id: -1,
                id_ind: 0,
                name: [0; 8],
                name_ind: 0,
            })
            .collect();
        let size = std::mem::size_of::<Row>();
        let mut offset = size as isize;
        let mut fetched = 0usize;
        assert_eq!(
            SQLSetStmtAttr(s, SQL_ATTR_ROW_BIND_TYPE, size as *mut c_void, 0),
            SQL_SUCCESS
        );
        assert_eq!(
            SQLSetStmtAttr(s, SQL_ATTR_ROW_ARRAY_SIZE, 3 as *mut c_void, 0),
            SQL_SUCCESS
        );
        assert_eq!(
            SQLSetStmtAttr(
                s,
                SQL_ATTR_ROW_BIND_OFFSET_PTR,
                &mut offset as *mut isize as *mut c_void,
                0
            ),
            SQL_SUCCESS
        );
        assert_eq!(
            SQLSetStmtAttr(
                s,
                SQL_ATTR_ROWS_FETCHED_PTR,
                &mut fetched as *mut usize as *mut c_void,
                0
            ),
            SQL_SUCCESS
        );
        let base = rows.as_mut_ptr();
        assert_eq!(
            SQLBindCol(
                s,
                1,
                SQL_C_SBIGINT,
                &mut (*base).id as *mut i64 as *mut c_void,
                0,
                &mut (*base).id_ind
            ),
            SQL_SUCCESS
        );
        assert_eq!(
            SQLBindCol(
                s,
                2,
                SQL_C_CHAR,
                (*base).name.as_mut_ptr() as *mut c_void,
                8,
                &mut (*base).name_ind
            ),
            SQL_SUCCESS
        );
        assert_eq!(SQLFetch(s), SQL_SUCCESS_WITH_INFO);
        assert_eq!(fetched, 3);
        assert_eq!(rows[0].id, -1, "the offset must skip the first element");
        assert_eq!([rows[1].id, rows[2].id, rows[3].id], [1, 2, 3]);
        // "Acme Corporation" is 16 bytes: 7 fit with the terminator; the indicator
        // holds the full length.
        assert_eq!(&rows[1].name, b"Acme Co\0");
        assert_eq!(rows[1].name_ind, 16);
        assert_eq!(&rows[2].name[..7], b"Globex\0");
        assert_eq!(rows[2].name_ind, 6);
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "01004");
    }
}

#[test]
fn get_data_reads_wide_text_in_chunks_without_splitting_characters() {
    let e = sandbox();
    let (c, _, _) = connect(&e.sb, "");
    let s = stmt(&c);
    unsafe {
        let sql = ucs4("SELECT \"氏名\" FROM \"日本語アプリ\" WHERE \"$id\" = 2");
        assert_eq!(
            SQLExecDirectW(s, sql.as_ptr() as *const c_void, SQL_NTS),
            SQL_SUCCESS
        );
        assert_eq!(SQLFetch(s), SQL_SUCCESS);
        // 3 UCS-4 units per call: 2 characters and the terminator.
        let mut got = String::new();
        let mut calls = 0;
        loop {
            let mut buf = [0u32; 3];
            let mut ind = 0isize;
            let rc = SQLGetData(
                s,
                1,
                SQL_C_WCHAR,
                buf.as_mut_ptr() as *mut c_void,
                12,
                &mut ind,
            );
            if rc == SQL_NO_DATA {
                break;
            }
            assert!(rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO, "rc {rc}");
            assert!(ind > 0 && ind % 4 == 0, "indicator in bytes: {ind}");
            got.extend(
                buf.iter()
                    .take_while(|u| **u != 0)
                    .map(|u| char::from_u32(*u).unwrap()),
            );
            calls += 1;
            assert!(calls < 20);
        }
        assert_eq!(got, "佐藤 花子 🌸");
        assert_eq!(calls, 4);
        // A NULL without an indicator is 22002; with one it is SQL_NULL_DATA.
        assert_eq!(SQLCloseCursor(s), SQL_SUCCESS);
        assert_eq!(
            exec(s, "SELECT \"氏名\" FROM \"日本語アプリ\" WHERE \"$id\" = 5"),
            SQL_SUCCESS
        );
        assert_eq!(SQLFetch(s), SQL_SUCCESS);
        let mut buf = [0u8; 16];
        assert_eq!(
            SQLGetData(
                s,
                1,
                SQL_C_CHAR,
                buf.as_mut_ptr() as *mut c_void,
                16,
                null_mut()
            ),
            SQL_ERROR
        );
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "22002");
        let mut ind = 0isize;
        assert_eq!(
            SQLGetData(
                s,
                1,
                SQL_C_CHAR,
                buf.as_mut_ptr() as *mut c_void,
                16,
                &mut ind
            ),
            SQL_SUCCESS
        );
        assert_eq!(ind, SQL_NULL_DATA);
    }
}

#[test]
fn errors_carry_their_sqlstate_and_unknown_identifiers_are_refused() {
    let e = sandbox();
    let (c, _, _) = connect(&e.sb, "");
    let s = stmt(&c);
    unsafe {
        assert_eq!(exec(s, "SELECT * FROM NoSuchApp"), SQL_ERROR);
        let (state, msg) = diag(SQL_HANDLE_STMT, s);
        assert_eq!(state, "42S02");
        assert!(msg.contains("NoSuchApp"), "{msg}");
        assert_eq!(exec(s, "SELEC 1"), SQL_ERROR);
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "42000");
        let mut v = 0u32;
        assert_eq!(
            SQLGetInfo(
                c.dbc,
                65000,
                &mut v as *mut u32 as *mut c_void,
                4,
                null_mut()
            ),
            SQL_ERROR
        );
        assert_eq!(diag(SQL_HANDLE_DBC, c.dbc).0, "HY096");
        assert_eq!(
            SQLSetConnectAttr(c.dbc, 65001, 1 as *mut c_void, 0),
            SQL_ERROR
        );
        assert_eq!(diag(SQL_HANDLE_DBC, c.dbc).0, "HY092");
        assert_eq!(SQLSetStmtAttr(s, 65002, 1 as *mut c_void, 0), SQL_ERROR);
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "HY092");
        assert_eq!(
            SQLSetConnectAttr(c.dbc, SQL_ATTR_APP_WCHAR_TYPE, 2 as *mut c_void, 0),
            SQL_ERROR,
            "UTF-8 is not offered"
        );
        assert_eq!(
            SQLSetConnectAttr(
                c.dbc,
                SQL_ATTR_AUTOCOMMIT,
                SQL_AUTOCOMMIT_OFF as *mut c_void,
                0
            ),
            SQL_SUCCESS
        );
        assert_eq!(SQLEndTran(SQL_HANDLE_DBC, c.dbc, SQL_ROLLBACK), SQL_SUCCESS);
        let mut buf = [0u8; 8];
        assert_eq!(
            SQLGetData(
                s,
                1,
                SQL_C_CHAR,
                buf.as_mut_ptr() as *mut c_void,
                8,
                null_mut()
            ),
            SQL_ERROR
        );
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "24000");
        assert_eq!(
            SQLGetData(
                s,
                1,
                SQL_C_CHAR,
                buf.as_mut_ptr() as *mut c_void,
                -5,
                null_mut()
            ),
            SQL_ERROR
        );
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "HY090");
    }
}

#[test]
fn garbage_handles_and_pointers_are_refused_not_followed() {
    let e = sandbox();
    let (c, _, _) = connect(&e.sb, "");
    let s = stmt(&c);
    let bogus = 0x1234usize as Handle;
    unsafe {
        assert_eq!(SQLFetch(null_mut()), SQL_INVALID_HANDLE);
        assert_eq!(SQLFetch(bogus), SQL_INVALID_HANDLE);
        assert_eq!(
            SQLFetch(c.dbc),
            SQL_INVALID_HANDLE,
            "a connection is not a statement"
        );
        assert_eq!(SQLExecDirect(c.env, null(), 0), SQL_INVALID_HANDLE);
        assert_eq!(SQLDisconnect(s), SQL_INVALID_HANDLE);
        assert_eq!(
            SQLGetDiagRec(
                SQL_HANDLE_STMT,
                c.dbc,
                1,
                null_mut(),
                null_mut(),
                null_mut(),
                0,
                null_mut()
            ),
            SQL_INVALID_HANDLE
        );
        assert_eq!(SQLFreeHandle(99, s), SQL_INVALID_HANDLE);
        assert_eq!(
            SQLAllocHandle(SQL_HANDLE_STMT, c.dbc, null_mut()),
            SQL_ERROR
        );
        assert_eq!(SQLExecDirect(s, null(), SQL_NTS), SQL_ERROR);
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "HY009");
        assert_eq!(
            SQLBindCol(s, 1, 12345, null_mut(), 4, 1 as *mut isize),
            SQL_ERROR
        );
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "HY003");
        // A freed statement is stale from then on.
        assert_eq!(SQLFreeHandle(SQL_HANDLE_STMT, s), SQL_SUCCESS);
        assert_eq!(SQLFetch(s), SQL_INVALID_HANDLE);
    }
}

#[test]
fn w_connect_reads_ucs4_and_wide_diagnostics_come_back_in_it() {
    let e = sandbox();
    let (env, dbc) = alloc_dbc();
    let c = Conn { env, dbc };
    let cs = ucs4(&format!(
        "Url={};UID=demo;PWD=demo;Verbosity=0",
        e.sb.base_url()
    ));
    unsafe {
        let rc = SQLDriverConnectW(
            dbc,
            null_mut(),
            cs.as_ptr() as *const c_void,
            SQL_NTS as i16,
            null_mut(),
            0,
            null_mut(),
            SQL_DRIVER_NOPROMPT,
        );
        assert_eq!(rc, SQL_ERROR);
        let mut state = [0u32; 6];
        let mut msg = [0u32; 256];
        let mut len = 0i16;
        assert_eq!(
            SQLGetDiagRecW(
                SQL_HANDLE_DBC,
                dbc,
                1,
                state.as_mut_ptr() as *mut c_void,
                null_mut(),
                msg.as_mut_ptr() as *mut c_void,
                256,
                &mut len
            ),
            SQL_SUCCESS
        );
        let text: String = msg[..len as usize]
            .iter()
            .map(|u| char::from_u32(*u).unwrap())
            .collect();
        assert_eq!(
            state[..5]
                .iter()
                .map(|u| char::from_u32(*u).unwrap())
                .collect::<String>(),
            "08001"
        );
        assert!(
            text.contains("Verbosity='0'") && text.contains("1 to 5"),
            "{text}"
        );
    }
    drop(c);
}

#[test]
fn data_at_execution_parameters_arrive_in_pieces() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    let s = stmt(&c);
    let sql = "SELECT \"$id\" FROM 日本語アプリ WHERE 氏名 = ? AND \"$id\" <= ?";
    unsafe {
        assert_eq!(
            SQLPrepare(s, sql.as_ptr() as *const c_void, sql.len() as i32),
            SQL_SUCCESS
        );
        // The tokens SQLParamData hands back are the ParameterValuePtr values.
        let (tok1, tok2) = (0x11 as *mut c_void, 0x22 as *mut c_void);
        let mut len1 = SQL_LEN_DATA_AT_EXEC_OFFSET - 64;
        let mut len2 = SQL_DATA_AT_EXEC;
        for (n, c_type, sql_type, tok, ind) in [
            (1, SQL_C_CHAR, SQL_VARCHAR, tok1, &mut len1),
            (2, SQL_C_SLONG, SQL_INTEGER, tok2, &mut len2),
        ] {
            assert_eq!(
                SQLBindParameter(s, n, SQL_PARAM_INPUT, c_type, sql_type, 64, 0, tok, 0, ind),
                SQL_SUCCESS
            );
        }
        assert_eq!(SQLExecute(s), SQL_NEED_DATA);
        // Nothing may run until every value is in.
        assert_eq!(SQLExecute(s), SQL_ERROR);
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "HY010");
        assert_eq!(SQLPutData(s, b"x".as_ptr() as *mut c_void, 1), SQL_ERROR);
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "HY010");

        let mut token = null_mut();
        assert_eq!(SQLParamData(s, &mut token), SQL_NEED_DATA);
        assert_eq!(token, tok1);
        // Record 2's name, split inside a UTF-8 character; the last piece terminated.
        let name = "佐藤 花子 🌸".as_bytes();
        let (a, b) = name.split_at(4);
        assert_eq!(
            SQLPutData(s, a.as_ptr() as *mut c_void, a.len() as isize),
            SQL_SUCCESS
        );
        let b = [b, b"\0"].concat();
        assert_eq!(
            SQLPutData(s, b.as_ptr() as *mut c_void, SQL_NTSL),
            SQL_SUCCESS
        );
        assert_eq!(SQLPutData(s, null_mut(), SQL_NULL_DATA), SQL_ERROR);
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "HY020");

        assert_eq!(SQLParamData(s, &mut token), SQL_NEED_DATA);
        assert_eq!(token, tok2);
        let limit: i32 = 10;
        // The length is ignored for a fixed-size type.
        assert_eq!(
            SQLPutData(s, &limit as *const i32 as *mut c_void, 0),
            SQL_SUCCESS
        );
        assert_eq!(
            SQLPutData(s, &limit as *const i32 as *mut c_void, 4),
            SQL_ERROR
        );
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "HY019");
        assert_eq!(SQLParamData(s, &mut token), SQL_SUCCESS);

        let mut id = 0i64;
        assert_eq!(
            SQLBindCol(
                s,
                1,
                SQL_C_SBIGINT,
                &mut id as *mut i64 as *mut c_void,
                8,
                null_mut()
            ),
            SQL_SUCCESS
        );
        assert_eq!(SQLFetch(s), SQL_SUCCESS);
        assert_eq!(id, 2);
        assert_eq!(SQLFetch(s), SQL_NO_DATA);
        assert_eq!(SQLCloseCursor(s), SQL_SUCCESS);

        // NULL sent at execution matches nothing; SQLCancel abandons a pending execution.
        assert_eq!(SQLExecute(s), SQL_NEED_DATA);
        assert_eq!(SQLParamData(s, &mut token), SQL_NEED_DATA);
        assert_eq!(SQLPutData(s, null_mut(), SQL_NULL_DATA), SQL_SUCCESS);
        assert_eq!(SQLParamData(s, &mut token), SQL_NEED_DATA);
        assert_eq!(SQLCancel(s), SQL_SUCCESS);
        assert_eq!(SQLParamData(s, &mut token), SQL_ERROR);
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "HY010");
        assert_eq!(SQLExecute(s), SQL_NEED_DATA);
        assert_eq!(SQLParamData(s, &mut token), SQL_NEED_DATA);
        assert_eq!(SQLPutData(s, null_mut(), SQL_NULL_DATA), SQL_SUCCESS);
        assert_eq!(SQLParamData(s, &mut token), SQL_NEED_DATA);
        assert_eq!(
            SQLPutData(s, &limit as *const i32 as *mut c_void, 0),
            SQL_SUCCESS
        );
        assert_eq!(SQLParamData(s, &mut token), SQL_SUCCESS);
        assert_eq!(SQLFetch(s), SQL_NO_DATA);
        SQLFreeHandle(SQL_HANDLE_STMT, s);
    }
}

/// iODBC calls SQLGetInfoW(SQL_CURSOR_COMMIT_BEHAVIOR) and (SQL_CURSOR_ROLLBACK_BEHAVIOR)
/// after the driver's connect and before the application reads the connect's
/// diagnostics (connect.c `_iodbcdm_dbcdelayset`): those two answers keep the records,
/// any other call clears them as usual. SQLDriverConnectW's output length is in
/// characters (iODBC 3.52.9 multiplies it by sizeof(wchar_t) on its own way back).
#[test]
fn connect_warnings_survive_the_questions_iodbc_asks_after_connecting() {
    let e = sandbox();
    let (env, dbc) = alloc_dbc();
    let c = Conn { env, dbc };
    let cs = ucs4(&format!("Url={};UID=demo;PWD=demo", e.sb.base_url()));
    let first_state = |h: Handle| -> Option<String> {
        let mut state = [0u32; 6];
        let mut msg = [0u32; 256];
        let mut len = 0i16;
        let rc = unsafe {
            SQLGetDiagRecW(
                SQL_HANDLE_DBC,
                h,
                1,
                state.as_mut_ptr() as *mut c_void,
                null_mut(),
                msg.as_mut_ptr() as *mut c_void,
                256,
                &mut len,
            )
        };
        (rc == SQL_SUCCESS).then(|| {
            state[..5]
                .iter()
                .map(|u| char::from_u32(*u).unwrap())
                .collect()
        })
    };
    let behaviour = |info: u16| -> (i16, u16, i16) {
        let mut v = 0xFFFFu16;
        let mut len = -1i16;
        let rc = unsafe { SQLGetInfoW(dbc, info, &mut v as *mut u16 as *mut c_void, 2, &mut len) };
        (rc, v, len)
    };
    unsafe {
        let mut out = [0u32; 10];
        let mut out_len = 0i16;
        let rc = SQLDriverConnectW(
            dbc,
            null_mut(),
            cs.as_ptr() as *const c_void,
            SQL_NTS as i16,
            out.as_mut_ptr() as *mut c_void,
            10,
            &mut out_len,
            SQL_DRIVER_NOPROMPT,
        );
        assert_eq!(rc, SQL_SUCCESS_WITH_INFO);
        let full = format!("Url={};User=demo;Password=****", e.sb.base_url());
        assert_eq!(
            out_len as usize,
            full.chars().count(),
            "characters, not bytes"
        );
        // 23 = SQL_CURSOR_COMMIT_BEHAVIOR, 24 = SQL_CURSOR_ROLLBACK_BEHAVIOR; 2 = SQL_CB_PRESERVE
        assert_eq!(behaviour(23), (SQL_SUCCESS, 2, 2));
        assert_eq!(behaviour(24), (SQL_SUCCESS, 2, 2));
        assert_eq!(first_state(dbc).as_deref(), Some("01004"));
        // Any other call clears them, and from then on 23/24 clear like every call.
        assert_eq!(
            SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, 7 as *mut c_void, 0),
            SQL_ERROR,
            "iODBC passes an autocommit value it does not check to the driver"
        );
        assert_eq!(first_state(dbc).as_deref(), Some("HY024"));
        assert_eq!(behaviour(24), (SQL_SUCCESS, 2, 2));
        assert_eq!(first_state(dbc), None);
    }
    drop(c);
}

#[test]
fn parameter_arrays_of_fixed_size_types_step_by_the_type_not_buffer_length() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    let s = stmt(&c);
    let sql = "SELECT \"$id\" FROM Customers WHERE \"$id\" = ?";
    // BufferLength 0 and 8 both used to step wrongly ([2],[2],[2] and [2],[4],[]).
    for buffer_len in [0isize, 8] {
        let ids: [i32; 3] = [2, 3, 4];
        unsafe {
            assert_eq!(
                SQLSetStmtAttr(s, SQL_ATTR_PARAMSET_SIZE, 3 as *mut c_void, 0),
                SQL_SUCCESS
            );
            assert_eq!(
                SQLBindParameter(
                    s,
                    1,
                    SQL_PARAM_INPUT,
                    SQL_C_SLONG,
                    SQL_INTEGER,
                    0,
                    0,
                    ids.as_ptr() as *mut c_void,
                    buffer_len,
                    null_mut()
                ),
                SQL_SUCCESS
            );
            assert_eq!(exec(s, sql), SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_STMT, s));
            let mut got = vec![rows(s)];
            while SQLMoreResults(s) == SQL_SUCCESS {
                got.push(rows(s));
            }
            let want: Vec<Vec<Vec<Option<String>>>> = ids
                .iter()
                .map(|i| vec![vec![Some(i.to_string())]])
                .collect();
            assert_eq!(got, want, "BufferLength {buffer_len}");
            assert_eq!(SQLFreeStmt(s, SQL_CLOSE), SQL_SUCCESS);
        }
    }
}

/// BI tools build their CASTs from SQLGetTypeInfo: every TYPE_NAME it lists (narrow
/// types included) must be one the engine takes, and give a column of that family.
#[test]
fn every_type_info_name_works_in_a_cast() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    let s = stmt(&c);
    assert_eq!(unsafe { SQLGetTypeInfo(s, 0) }, SQL_SUCCESS);
    let types = rows(s);
    for code in ["12", "1", "-1", "2", "6"] {
        assert!(
            types.iter().any(|r| r[1].as_deref() == Some(code)),
            "SQLGetTypeInfo lists type {code}"
        );
    }
    for r in &types {
        let name = r[0].clone().unwrap_or_default();
        let code: i16 = r[1].as_deref().unwrap_or("0").parse().unwrap();
        let s = stmt(&c);
        let sql = format!("SELECT CAST(NULL AS {name}) AS v");
        assert_eq!(
            exec(s, &sql),
            SQL_SUCCESS,
            "{sql}: {:?}",
            diag(SQL_HANDLE_STMT, s)
        );
        let mut ty = 0i16;
        unsafe {
            SQLDescribeCol(
                s,
                1,
                std::ptr::null_mut(),
                0,
                std::ptr::null_mut(),
                &mut ty,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        // Text comes back wide and decimals as DECIMAL; the family is what matters.
        let family = |t: i16| match t {
            -10 | -9 | -1 | 1 | 12 => "text",
            2 | 3 => "decimal",
            6 | 8 => "double",
            _ => "itself",
        };
        if family(code) == "itself" {
            assert_eq!(ty, code, "{sql}");
        }
        assert_eq!(family(ty), family(code), "{sql}: described as {ty}");
    }
}

/// The README's type table is what SQLColumns reports: for every Kintone field type a
/// row names on its own, each column of that type in the sandbox's apps has that
/// DATA_TYPE and TYPE_NAME.
#[test]
fn the_readme_type_table_matches_sqlcolumns() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"),
    )
    .unwrap();
    let section = readme
        .split("## Type mapping")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap();
    let code = |name: &str| match name {
        "SQL_WVARCHAR" => -9,
        "SQL_WLONGVARCHAR" => -10,
        "SQL_BIGINT" => -5,
        "SQL_DECIMAL" => 3,
        "SQL_TYPE_DATE" => 91,
        "SQL_TYPE_TIME" => 92,
        "SQL_TYPE_TIMESTAMP" => 93,
        other => panic!("README names {other}"),
    };
    let mut expected: Vec<(String, i16, String)> = Vec::new();
    for line in section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Kintone"))
    {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let (kinds, data_type, type_name) = (cells[0], cells[1], cells[2]);
        if kinds.contains(['(', '`']) || !data_type.starts_with("SQL_") || data_type.contains(" / ")
        {
            continue;
        }
        let base = data_type.split('(').next().unwrap();
        for k in kinds.split(", ") {
            // `USER/ORGANIZATION/GROUP_SELECT`: each with its suffix.
            let parts: Vec<&str> = k.split('/').collect();
            let suffix = if parts.len() > 1 {
                k.rsplit('_').next().unwrap_or("")
            } else {
                ""
            };
            for p in parts {
                let kind = if suffix.is_empty() || p.ends_with(suffix) {
                    p.to_string()
                } else {
                    format!("{p}_{suffix}")
                };
                expected.push((kind, code(base), type_name.to_string()));
            }
        }
    }
    assert!(expected.len() >= 15, "{expected:?}");

    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    let fields = query(
        &c,
        "SELECT \"TableName\", \"ColumnName\", \"Type\" FROM FormFields WHERE \"ColumnName\" IS NOT NULL",
    );
    let s = stmt(&c);
    assert_eq!(
        unsafe {
            SQLColumns(
                s,
                std::ptr::null(),
                0,
                std::ptr::null(),
                0,
                std::ptr::null(),
                0,
                std::ptr::null(),
                0,
            )
        },
        SQL_SUCCESS
    );
    let columns = rows(s);
    let mut checked = std::collections::BTreeSet::new();
    for f in &fields {
        let (table, column, kind) = (f[0].as_deref(), f[1].as_deref(), f[2].as_deref().unwrap());
        let Some((_, want_type, want_name)) = expected.iter().find(|x| x.0 == kind) else {
            continue;
        };
        let col = columns
            .iter()
            .find(|r| r[2].as_deref() == table && r[3].as_deref() == column)
            .unwrap_or_else(|| panic!("{table:?}.{column:?} is in SQLColumns"));
        assert_eq!(
            (col[4].as_deref(), col[5].as_deref()),
            (
                Some(want_type.to_string().as_str()),
                Some(want_name.as_str())
            ),
            "{kind} column {table:?}.{column:?}"
        );
        checked.insert(kind.to_string());
    }
    assert!(checked.len() >= 8, "kinds checked: {checked:?}");
}
