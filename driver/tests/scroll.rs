//! Static (scrollable) cursors through the C API against the in-process sandbox:
//! every SQLFetchScroll orientation, SQLExtendedFetch, bookmarks, MaxRows and the
//! memory bound. The rows must be read from Kintone once, however the application
//! scrolls: the sandbox's request log says so.

#![allow(clippy::manual_dangling_ptr)]

mod common;

use std::ffi::c_void;
use std::ptr::null_mut;

use common::*;
use kintoneodbc::exports::*;
use kintoneodbc::sys::*;

const EVENTS: usize = 3000;
const ROWSET: usize = 10;

fn set(s: Handle, attr: i32, v: usize) -> i16 {
    unsafe { SQLSetStmtAttr(s, attr, v as *mut c_void, 0) }
}

fn get(s: Handle, attr: i32) -> usize {
    let mut v = 0usize;
    let rc = unsafe { SQLGetStmtAttr(s, attr, &mut v as *mut usize as *mut c_void, 0, null_mut()) };
    assert_eq!(rc, SQL_SUCCESS);
    v
}

/// A statement with a column-wise rowset of `ROWSET` ids bound, and its counters.
struct Rowset {
    s: Handle,
    ids: Box<[i64; ROWSET]>,
    ind: Box<[isize; ROWSET]>,
    status: Box<[u16; ROWSET]>,
    fetched: Box<usize>,
}

impl Rowset {
    fn new(c: &Conn, sql: &str) -> Rowset {
        let s = stmt(c);
        assert_eq!(set(s, SQL_ATTR_CURSOR_TYPE, SQL_CURSOR_STATIC), SQL_SUCCESS);
        assert_eq!(set(s, SQL_ATTR_ROW_ARRAY_SIZE, ROWSET), SQL_SUCCESS);
        let mut r = Rowset {
            s,
            ids: Box::new([0; ROWSET]),
            ind: Box::new([0; ROWSET]),
            status: Box::new([99; ROWSET]),
            fetched: Box::new(0),
        };
        unsafe {
            assert_eq!(
                SQLSetStmtAttr(
                    s,
                    SQL_ATTR_ROW_STATUS_PTR,
                    r.status.as_mut_ptr() as *mut c_void,
                    0
                ),
                SQL_SUCCESS
            );
            assert_eq!(
                SQLSetStmtAttr(
                    s,
                    SQL_ATTR_ROWS_FETCHED_PTR,
                    &mut *r.fetched as *mut usize as *mut c_void,
                    0
                ),
                SQL_SUCCESS
            );
            assert_eq!(
                SQLBindCol(
                    s,
                    1,
                    SQL_C_SBIGINT,
                    r.ids.as_mut_ptr() as *mut c_void,
                    8,
                    r.ind.as_mut_ptr()
                ),
                SQL_SUCCESS
            );
        }
        let rc = exec(s, sql);
        assert_eq!(rc, SQL_SUCCESS, "{sql}: {:?}", diag(SQL_HANDLE_STMT, s));
        r
    }

    /// Fetches and returns the return code and the ids of the rows fetched, checking
    /// the status array agrees with the count.
    fn fetch(&mut self, how: i16, offset: isize) -> (i16, Vec<i64>) {
        *self.status = [99; ROWSET];
        let rc = unsafe { SQLFetchScroll(self.s, how, offset) };
        if rc == SQL_NO_DATA {
            assert!(self.status.iter().all(|s| *s == SQL_ROW_NOROW));
            return (rc, vec![]);
        }
        assert!(
            rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO,
            "fetch {how} {offset}: {rc} {:?}",
            diag(SQL_HANDLE_STMT, self.s)
        );
        let n = *self.fetched;
        for (i, s) in self.status.iter().enumerate() {
            let want = if i < n {
                SQL_ROW_SUCCESS
            } else {
                SQL_ROW_NOROW
            };
            assert_eq!(*s, want, "status of row {i} after fetch {how} {offset}");
        }
        (rc, self.ids[..n].to_vec())
    }
}

impl Drop for Rowset {
    fn drop(&mut self) {
        unsafe { SQLFreeHandle(SQL_HANDLE_STMT, self.s) };
    }
}

const IDS: &str = r#"SELECT "$id" FROM Events ORDER BY "$id""#;

#[test]
fn a_static_cursor_moves_every_way_and_reads_kintone_once() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    // What a forward-only read of the same statement costs.
    let before = records_requests(&e.sb);
    let forward: Vec<i64> = query(&c, IDS)
        .into_iter()
        .map(|r| r[0].as_deref().unwrap().parse().unwrap())
        .collect();
    let forward_cost = records_requests(&e.sb) - before;
    assert_eq!(forward.len(), EVENTS);
    let id = |n: usize| forward[n - 1];

    let before = records_requests(&e.sb);
    let mut r = Rowset::new(&c, IDS);
    assert_eq!(get(r.s, SQL_ATTR_CURSOR_TYPE), SQL_CURSOR_STATIC);
    assert_eq!(get(r.s, SQL_ATTR_CURSOR_SCROLLABLE), SQL_SCROLLABLE);
    use kintoneodbc::sys::{
        SQL_FETCH_ABSOLUTE as ABS, SQL_FETCH_FIRST as FIRST, SQL_FETCH_LAST as LAST,
        SQL_FETCH_NEXT as NEXT, SQL_FETCH_PRIOR as PRIOR, SQL_FETCH_RELATIVE as REL,
    };
    let ids = |a: usize, b: usize| forward[a - 1..b].to_vec();

    // Before the start, PRIOR stays there; NEXT starts at row 1.
    assert_eq!(r.fetch(PRIOR, 0), (SQL_NO_DATA, vec![]));
    assert_eq!(r.fetch(NEXT, 0), (SQL_SUCCESS, ids(1, 10)));
    assert_eq!(get(r.s, SQL_ATTR_ROW_NUMBER), 1);
    assert_eq!(r.fetch(NEXT, 0), (SQL_SUCCESS, ids(11, 20)));
    assert_eq!(r.fetch(PRIOR, 0), (SQL_SUCCESS, ids(1, 10)));
    assert_eq!(r.fetch(PRIOR, 0), (SQL_NO_DATA, vec![]));
    assert_eq!(r.fetch(NEXT, 0), (SQL_SUCCESS, ids(1, 10)));
    // LAST reads to the end; the last rowset is full.
    assert_eq!(r.fetch(LAST, 0), (SQL_SUCCESS, ids(2991, 3000)));
    assert_eq!(get(r.s, SQL_ATTR_ROW_NUMBER), 2991);
    assert_eq!(r.fetch(PRIOR, 0), (SQL_SUCCESS, ids(2981, 2990)));
    assert_eq!(r.fetch(NEXT, 0), (SQL_SUCCESS, ids(2991, 3000)));
    assert_eq!(r.fetch(NEXT, 0), (SQL_NO_DATA, vec![]));
    // From after the end, PRIOR gives the last rowset and RELATIVE -n counts back.
    assert_eq!(r.fetch(PRIOR, 0), (SQL_SUCCESS, ids(2991, 3000)));
    assert_eq!(r.fetch(NEXT, 0), (SQL_NO_DATA, vec![]));
    assert_eq!(r.fetch(REL, -3), (SQL_SUCCESS, ids(2998, 3000)));
    // ABSOLUTE, from either end; a partial last rowset.
    assert_eq!(r.fetch(ABS, 1), (SQL_SUCCESS, ids(1, 10)));
    assert_eq!(r.fetch(ABS, 1234), (SQL_SUCCESS, ids(1234, 1243)));
    assert_eq!(r.fetch(ABS, -1), (SQL_SUCCESS, ids(3000, 3000)));
    assert_eq!(r.fetch(ABS, -3000), (SQL_SUCCESS, ids(1, 10)));
    assert_eq!(r.fetch(ABS, 3001), (SQL_NO_DATA, vec![]));
    assert_eq!(r.fetch(ABS, 0), (SQL_NO_DATA, vec![]));
    assert_eq!(r.fetch(ABS, -3011), (SQL_NO_DATA, vec![]));
    // RELATIVE, and a move back past row 1 within one rowset: row 1, with 01S06.
    assert_eq!(r.fetch(ABS, 500), (SQL_SUCCESS, ids(500, 509)));
    assert_eq!(r.fetch(REL, 0), (SQL_SUCCESS, ids(500, 509)));
    assert_eq!(r.fetch(REL, -499), (SQL_SUCCESS, ids(1, 10)));
    assert_eq!(r.fetch(ABS, 5), (SQL_SUCCESS, ids(5, 14)));
    assert_eq!(r.fetch(PRIOR, 0), (SQL_SUCCESS_WITH_INFO, ids(1, 10)));
    assert_eq!(diag(SQL_HANDLE_STMT, r.s).0, "01S06");
    assert_eq!(r.fetch(FIRST, 0), (SQL_SUCCESS, ids(1, 10)));
    assert_eq!(r.fetch(REL, 2995), (SQL_SUCCESS, ids(2996, 3000)));
    assert_eq!(r.fetch(REL, 10), (SQL_NO_DATA, vec![]));

    // SQLGetData and SQLSetPos work on the scrolled-to rowset.
    assert_eq!(r.fetch(ABS, 2000), (SQL_SUCCESS, ids(2000, 2009)));
    assert_eq!(
        unsafe {
            SQLSetPos(r.s, 3, 0 /* SQL_POSITION */, 0)
        },
        SQL_SUCCESS
    );
    assert_eq!(get(r.s, SQL_ATTR_ROW_NUMBER), 2002);
    let mut v = 0i64;
    let rc = unsafe {
        SQLGetData(
            r.s,
            1,
            SQL_C_SBIGINT,
            &mut v as *mut i64 as *mut c_void,
            8,
            null_mut(),
        )
    };
    assert_eq!((rc, v), (SQL_SUCCESS, id(2002)));

    // However it scrolled, the result was read from Kintone once.
    let cost = records_requests(&e.sb) - before;
    assert_eq!(cost, forward_cost, "requests for one static cursor");
    drop(r);
}

#[test]
fn bookmarks_name_rows_and_bring_the_cursor_back() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    let forward: Vec<i64> = query(&c, IDS)
        .into_iter()
        .map(|r| r[0].as_deref().unwrap().parse().unwrap())
        .collect();

    // Bookmarks off: column 0 and SQL_FETCH_BOOKMARK are refused.
    let mut off = Rowset::new(&c, IDS);
    assert_eq!(off.fetch(SQL_FETCH_ABSOLUTE, 3).0, SQL_SUCCESS);
    let mut bm = [0u8; 8];
    let mut len = 0isize;
    let rc = unsafe {
        SQLGetData(
            off.s,
            0,
            SQL_C_VARBOOKMARK,
            bm.as_mut_ptr() as *mut c_void,
            8,
            &mut len,
        )
    };
    assert_eq!(
        (rc, diag(SQL_HANDLE_STMT, off.s).0.as_str()),
        (SQL_ERROR, "07009")
    );
    assert_eq!(off.fetch_raw(SQL_FETCH_BOOKMARK, 0), SQL_ERROR);
    assert_eq!(diag(SQL_HANDLE_STMT, off.s).0, "HY106");
    drop(off);

    // Variable bookmarks (ODBC 3, what LibreOffice asks for).
    let s = stmt(&c);
    assert_eq!(set(s, SQL_ATTR_USE_BOOKMARKS, SQL_UB_VARIABLE), SQL_SUCCESS);
    assert_eq!(get(s, SQL_ATTR_USE_BOOKMARKS), SQL_UB_VARIABLE);
    assert_eq!(
        set(s, SQL_ATTR_CURSOR_SCROLLABLE, SQL_SCROLLABLE),
        SQL_SUCCESS
    );
    assert_eq!(get(s, SQL_ATTR_CURSOR_TYPE), SQL_CURSOR_STATIC);
    assert_eq!(exec(s, IDS), SQL_SUCCESS);
    let id_now = |s: Handle| {
        let mut v = 0i64;
        let rc = unsafe {
            SQLGetData(
                s,
                1,
                SQL_C_SBIGINT,
                &mut v as *mut i64 as *mut c_void,
                8,
                null_mut(),
            )
        };
        assert_eq!(rc, SQL_SUCCESS);
        v
    };
    let bookmark_now = |s: Handle| {
        let mut bm = [0u8; 20];
        let mut len = 0isize;
        let rc = unsafe {
            SQLGetData(
                s,
                0,
                SQL_C_VARBOOKMARK,
                bm.as_mut_ptr() as *mut c_void,
                20,
                &mut len,
            )
        };
        assert_eq!((rc, len), (SQL_SUCCESS, 4));
        bm
    };
    unsafe {
        assert_eq!(SQLFetchScroll(s, SQL_FETCH_ABSOLUTE, 42), SQL_SUCCESS);
        assert_eq!(id_now(s), forward[41]);
        let b42 = bookmark_now(s);
        assert_eq!(SQLFetchScroll(s, SQL_FETCH_LAST, 0), SQL_SUCCESS);
        let blast = bookmark_now(s);
        assert_ne!(b42, blast);
        assert_eq!(
            SQLSetStmtAttr(
                s,
                SQL_ATTR_FETCH_BOOKMARK_PTR,
                b42.as_ptr() as *mut c_void,
                0
            ),
            SQL_SUCCESS
        );
        assert_eq!(SQLFetchScroll(s, SQL_FETCH_BOOKMARK, 0), SQL_SUCCESS);
        assert_eq!(id_now(s), forward[41]);
        assert_eq!(bookmark_now(s), b42);
        assert_eq!(SQLFetchScroll(s, SQL_FETCH_BOOKMARK, 3), SQL_SUCCESS);
        assert_eq!(id_now(s), forward[44]);
        assert_eq!(SQLFetchScroll(s, SQL_FETCH_BOOKMARK, -42), SQL_NO_DATA);
        // A bookmark this cursor never gave: HY111.
        let zero = [0u8; 4];
        SQLSetStmtAttr(
            s,
            SQL_ATTR_FETCH_BOOKMARK_PTR,
            zero.as_ptr() as *mut c_void,
            0,
        );
        assert_eq!(SQLFetchScroll(s, SQL_FETCH_BOOKMARK, 0), SQL_ERROR);
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "HY111");
        // A bound bookmark column gets one bookmark per row of the rowset.
        let mut bms = [[0u8; 4]; 3];
        let mut lens = [0isize; 3];
        assert_eq!(set(s, SQL_ATTR_ROW_ARRAY_SIZE, 3), SQL_SUCCESS);
        assert_eq!(
            SQLBindCol(
                s,
                0,
                SQL_C_VARBOOKMARK,
                bms.as_mut_ptr() as *mut c_void,
                4,
                lens.as_mut_ptr()
            ),
            SQL_SUCCESS
        );
        assert_eq!(SQLFetchScroll(s, SQL_FETCH_ABSOLUTE, 41), SQL_SUCCESS);
        assert_eq!(lens, [4, 4, 4]);
        assert_eq!(bms[1][..], b42[..4]);
        assert_ne!(bms[0], bms[2]);
        // ODBC 2's SQLExtendedFetch takes the bookmark itself as the offset.
        let n42 = u32::from_ne_bytes([b42[0], b42[1], b42[2], b42[3]]) as isize;
        assert_eq!(SQLFreeStmt(s, SQL_UNBIND), SQL_SUCCESS);
        let mut fetched = 0usize;
        let mut status = [0u16; 1];
        assert_eq!(
            SQLExtendedFetch(
                s,
                SQL_FETCH_BOOKMARK as u16,
                n42,
                &mut fetched,
                status.as_mut_ptr()
            ),
            SQL_SUCCESS
        );
        assert_eq!((fetched, id_now(s)), (1, forward[41]));
        assert_eq!(set(s, SQL_ROWSET_SIZE, 5), SQL_SUCCESS);
        let mut status = [0u16; 5];
        assert_eq!(
            SQLExtendedFetch(
                s,
                SQL_FETCH_ABSOLUTE as u16,
                -2,
                &mut fetched,
                status.as_mut_ptr()
            ),
            SQL_SUCCESS
        );
        assert_eq!(fetched, 2);
        assert_eq!(status[2..], [SQL_ROW_NOROW; 3]);
        assert_eq!(id_now(s), forward[EVENTS - 2]);
        SQLFreeHandle(SQL_HANDLE_STMT, s);
    }
}

impl Rowset {
    fn fetch_raw(&mut self, how: i16, offset: isize) -> i16 {
        unsafe { SQLFetchScroll(self.s, how, offset) }
    }
}

#[test]
fn cursor_types_max_rows_and_the_memory_bound() {
    let e = sandbox();
    // Keyset-driven and dynamic cursors become static, with 01S02.
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    let s = stmt(&c);
    for t in [SQL_CURSOR_KEYSET_DRIVEN, SQL_CURSOR_DYNAMIC] {
        assert_eq!(set(s, SQL_ATTR_CURSOR_TYPE, t), SQL_SUCCESS_WITH_INFO);
        assert_eq!(diag(SQL_HANDLE_STMT, s).0, "01S02");
        assert_eq!(get(s, SQL_ATTR_CURSOR_TYPE), SQL_CURSOR_STATIC);
    }
    assert_eq!(
        set(s, SQL_ATTR_CURSOR_SCROLLABLE, SQL_NONSCROLLABLE),
        SQL_SUCCESS
    );
    assert_eq!(get(s, SQL_ATTR_CURSOR_TYPE), SQL_CURSOR_FORWARD_ONLY);
    assert_eq!(set(s, SQL_ATTR_CURSOR_TYPE, 7), SQL_ERROR);
    assert_eq!(diag(SQL_HANDLE_STMT, s).0, "HY024");
    unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };

    // MaxRows bounds what LAST sees.
    let (capped, rc, _) = connect(&e.sb, ";MaxRows=25");
    assert_eq!(rc, SQL_SUCCESS);
    let mut r = Rowset::new(&capped, IDS);
    assert_eq!(r.fetch(SQL_FETCH_LAST, 0).1.len(), 10);
    assert_eq!(get(r.s, SQL_ATTR_ROW_NUMBER), 16);
    assert_eq!(r.fetch(SQL_FETCH_ABSOLUTE, 26).0, SQL_NO_DATA);
    assert_eq!(r.fetch(SQL_FETCH_ABSOLUTE, -1).1.len(), 1);
    assert_eq!(get(r.s, SQL_ATTR_ROW_NUMBER), 25);
    drop(r);

    // Past ScrollCacheMB the cursor refuses to read on, naming the property, and what
    // it kept stays readable; a forward-only cursor streams the same result.
    let wide = r#"SELECT a."$id" FROM Events a CROSS JOIN Events b"#;
    let (small, rc, _) = connect(&e.sb, ";ScrollCacheMB=1");
    assert_eq!(rc, SQL_SUCCESS);
    let mut r = Rowset::new(&small, wide);
    assert_eq!(r.fetch(SQL_FETCH_NEXT, 0).1.len(), 10);
    assert_eq!(r.fetch_raw(SQL_FETCH_LAST, 0), SQL_ERROR);
    let (state, msg) = diag(SQL_HANDLE_STMT, r.s);
    assert_eq!(state, "HY001");
    assert!(msg.contains("ScrollCacheMB=1"), "{msg}");
    assert_eq!(r.fetch(SQL_FETCH_FIRST, 0).1.len(), 10);
    assert_eq!(r.fetch_raw(SQL_FETCH_LAST, 0), SQL_ERROR);
    drop(r);
    let s = stmt(&small);
    assert_eq!(exec(s, &format!("{wide} LIMIT 200000")), SQL_SUCCESS);
    let mut n = 0;
    while unsafe { SQLFetch(s) } == SQL_SUCCESS {
        n += 1;
    }
    assert_eq!(n, 200_000);
    unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };

    // A bad value is named.
    let (bad, rc, _) = connect(&e.sb, ";ScrollCacheMB=lots");
    assert_eq!(rc, SQL_ERROR);
    let msg = diag(SQL_HANDLE_DBC, bad.dbc).1;
    assert!(msg.contains("ScrollCacheMB"), "{msg}");
    drop(c);
}

/// Customers' "Company name" values by "$id", read over REST.
fn names(e: &Env) -> std::collections::BTreeMap<i64, String> {
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);
    query(&c, r#"SELECT "$id", "Company name" FROM Customers"#)
        .into_iter()
        .map(|r| {
            (
                r[0].as_deref().unwrap().parse().unwrap(),
                r[1].clone().unwrap(),
            )
        })
        .collect()
}

fn writes(e: &Env, since: usize) -> Vec<(String, Option<String>)> {
    e.sb.state()
        .log()
        .entries
        .iter()
        .skip(since)
        .filter(|l| l.effective_method != "GET")
        .map(|l| (l.effective_method.clone(), l.api.clone()))
        .collect()
}

/// A static, updatable cursor over Customers with bookmarks, "Company name" bound as
/// text in a rowset of `n` (and the bookmark column).
struct Editable {
    s: Handle,
    names: Box<[[u8; 64]; 4]>,
    lens: Box<[isize; 4]>,
    bms: Box<[[u8; 4]; 4]>,
    bm_lens: Box<[isize; 4]>,
    status: Box<[u16; 4]>,
}

impl Editable {
    fn open(c: &Conn, concurrency: usize, n: usize) -> Editable {
        let s = stmt(c);
        assert_eq!(set(s, SQL_ATTR_CURSOR_TYPE, SQL_CURSOR_STATIC), SQL_SUCCESS);
        assert_eq!(set(s, SQL_ATTR_CONCURRENCY, concurrency), SQL_SUCCESS);
        assert_eq!(set(s, SQL_ATTR_USE_BOOKMARKS, SQL_UB_VARIABLE), SQL_SUCCESS);
        assert_eq!(set(s, SQL_ATTR_ROW_ARRAY_SIZE, n), SQL_SUCCESS);
        let sql = r#"SELECT "$id", "$revision", "Company name" FROM Customers ORDER BY "$id""#;
        assert_eq!(exec(s, sql), SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_STMT, s));
        let mut e = Editable {
            s,
            names: Box::new([[0; 64]; 4]),
            lens: Box::new([0; 4]),
            bms: Box::new([[0; 4]; 4]),
            bm_lens: Box::new([0; 4]),
            status: Box::new([99; 4]),
        };
        unsafe {
            SQLSetStmtAttr(
                s,
                SQL_ATTR_ROW_STATUS_PTR,
                e.status.as_mut_ptr() as *mut c_void,
                0,
            );
            SQLBindCol(
                s,
                3,
                SQL_C_CHAR,
                e.names.as_mut_ptr() as *mut c_void,
                64,
                e.lens.as_mut_ptr(),
            );
            SQLBindCol(
                s,
                0,
                SQL_C_VARBOOKMARK,
                e.bms.as_mut_ptr() as *mut c_void,
                4,
                e.bm_lens.as_mut_ptr(),
            );
        }
        e
    }

    fn set_name(&mut self, i: usize, v: &str) {
        self.names[i] = [0; 64];
        self.names[i][..v.len()].copy_from_slice(v.as_bytes());
        self.lens[i] = v.len() as isize;
    }

    fn name(&self, i: usize) -> String {
        String::from_utf8_lossy(&self.names[i][..self.lens[i] as usize]).into_owned()
    }
}

impl Drop for Editable {
    fn drop(&mut self) {
        unsafe { SQLFreeHandle(SQL_HANDLE_STMT, self.s) };
    }
}

#[test]
fn positioned_updates_and_deletes_write_by_id_and_revision() {
    let e = sandbox();
    let before = names(&e);
    let ids: Vec<i64> = before.keys().copied().collect();
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS);

    // A read-only cursor refuses, naming the attribute.
    let ro = Editable::open(&c, SQL_CONCUR_READ_ONLY, 1);
    assert_eq!(unsafe { SQLFetch(ro.s) }, SQL_SUCCESS);
    assert_eq!(unsafe { SQLSetPos(ro.s, 1, SQL_UPDATE, 0) }, SQL_ERROR);
    let (state, msg) = diag(SQL_HANDLE_STMT, ro.s);
    assert_eq!(state, "HY092");
    assert!(msg.contains("SQL_ATTR_CONCURRENCY"), "{msg}");
    drop(ro);

    // SQLSetPos(SQL_UPDATE) on row 2 of a rowset of 2: one PUT, the cursor shows the
    // new value, Kintone has it.
    let mut ed = Editable::open(&c, SQL_CONCUR_ROWVER, 2);
    assert_eq!(
        unsafe { SQLFetchScroll(ed.s, SQL_FETCH_ABSOLUTE, 2) },
        SQL_SUCCESS
    );
    ed.set_name(1, "Renamed by SQLSetPos");
    ed.lens[0] = SQL_COLUMN_IGNORE;
    let log = e.sb.state().log().entries.len();
    assert_eq!(unsafe { SQLSetPos(ed.s, 2, SQL_UPDATE, 0) }, SQL_SUCCESS);
    assert_eq!(ed.status[1], SQL_ROW_UPDATED);
    let w = writes(&e, log);
    assert_eq!(w, vec![("PUT".to_string(), Some("record".to_string()))]);
    let now = names(&e);
    assert_eq!(now[&ids[2]], "Renamed by SQLSetPos");
    assert_eq!(now[&ids[1]], before[&ids[1]]);
    // Scrolling back shows the row as Kintone stored it.
    assert_eq!(
        unsafe { SQLFetchScroll(ed.s, SQL_FETCH_ABSOLUTE, 2) },
        SQL_SUCCESS
    );
    assert_eq!(ed.name(1), "Renamed by SQLSetPos");

    // Someone else changes row 3's record: the cursor's revision is stale, nothing is
    // written, 01001 says so, and the row is SQL_ROW_ERROR.
    let (other, _, _) = connect(&e.sb, "");
    let s2 = stmt(&other);
    let sql = format!(
        r#"UPDATE Customers SET "Company name" = 'Changed elsewhere' WHERE "$id" = {}"#,
        ids[2]
    );
    assert_eq!(exec(s2, &sql), SQL_SUCCESS);
    unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s2) };
    drop(other);
    ed.set_name(1, "Lost update");
    let rc = unsafe { SQLSetPos(ed.s, 2, SQL_UPDATE, 0) };
    assert_eq!(rc, SQL_SUCCESS_WITH_INFO);
    assert_eq!(diag(SQL_HANDLE_STMT, ed.s).0, "01001");
    assert_eq!(ed.status[1], SQL_ROW_ERROR);
    assert_eq!(names(&e)[&ids[2]], "Changed elsewhere");

    // SQLBulkOperations(SQL_ADD): the new record's bookmark comes back, and fetching by
    // it shows the record.
    assert_eq!(set(ed.s, SQL_ATTR_ROW_ARRAY_SIZE, 1), SQL_SUCCESS);
    ed.set_name(0, "Added by SQLBulkOperations");
    let log = e.sb.state().log().entries.len();
    // Customers needs a customer code, which this cursor does not have: Kintone
    // refuses the row and the error says why.
    let rc = unsafe { SQLBulkOperations(ed.s, SQL_ADD) };
    assert_eq!(rc, SQL_ERROR);
    let (state, msg) = diag(SQL_HANDLE_STMT, ed.s);
    assert_eq!(state, "23000", "{msg}");
    assert!(writes(&e, log).iter().all(|(m, _)| m == "POST"));
    drop(ed);

    // A cursor with the code column adds, updates by bookmark and deletes by bookmark.
    let s = stmt(&c);
    assert_eq!(set(s, SQL_ATTR_CURSOR_TYPE, SQL_CURSOR_STATIC), SQL_SUCCESS);
    assert_eq!(set(s, SQL_ATTR_CONCURRENCY, SQL_CONCUR_VALUES), SQL_SUCCESS);
    assert_eq!(set(s, SQL_ATTR_USE_BOOKMARKS, SQL_UB_VARIABLE), SQL_SUCCESS);
    let sql = r#"SELECT "$id", "Customer code", "Company name" FROM Customers"#;
    assert_eq!(exec(s, sql), SQL_SUCCESS);
    assert_eq!(unsafe { SQLFetchScroll(s, SQL_FETCH_LAST, 0) }, SQL_SUCCESS);
    // Raw pointers throughout: the driver reads these buffers after the test writes them.
    let code = Box::into_raw(Box::new(*b"NEW-001\0"));
    let code_len = Box::into_raw(Box::new(7isize));
    let name = Box::into_raw(Box::new([0u8; 32]));
    let name_len = Box::into_raw(Box::new(5isize));
    let bm = Box::into_raw(Box::new([0u8; 4]));
    let bm_len = Box::into_raw(Box::new(0isize));
    let mut id = 0i64;
    let mut id_ind = 0isize;
    unsafe {
        std::ptr::copy_nonoverlapping(b"Newco".as_ptr(), name as *mut u8, 5);
        SQLBindCol(s, 0, SQL_C_VARBOOKMARK, bm as *mut c_void, 4, bm_len);
        SQLBindCol(s, 2, SQL_C_CHAR, code as *mut c_void, 8, code_len);
        SQLBindCol(s, 3, SQL_C_CHAR, name as *mut c_void, 32, name_len);
        assert_eq!(
            SQLBulkOperations(s, SQL_ADD),
            SQL_SUCCESS,
            "{:?}",
            diag(SQL_HANDLE_STMT, s)
        );
        assert_eq!(*bm_len, 4);
        SQLSetStmtAttr(s, SQL_ATTR_FETCH_BOOKMARK_PTR, bm as *mut c_void, 0);
        SQLBindCol(
            s,
            1,
            SQL_C_SBIGINT,
            &mut id as *mut i64 as *mut c_void,
            8,
            &mut id_ind,
        );
        assert_eq!(SQLFetchScroll(s, SQL_FETCH_BOOKMARK, 0), SQL_SUCCESS);
    }
    let added = names(&e);
    assert_eq!(added.get(&id).map(String::as_str), Some("Newco"));
    assert_eq!(added.len(), before.len() + 1);
    // Update by bookmark: only the name (the code is ignored).
    unsafe {
        std::ptr::copy_nonoverlapping(b"Newco 2".as_ptr(), name as *mut u8, 7);
        *name_len = 7;
        *code_len = SQL_COLUMN_IGNORE;
        SQLBindCol(s, 1, SQL_C_SBIGINT, null_mut(), 0, null_mut());
        assert_eq!(
            SQLBulkOperations(s, SQL_UPDATE_BY_BOOKMARK),
            SQL_SUCCESS,
            "{:?}",
            diag(SQL_HANDLE_STMT, s)
        );
    }
    assert_eq!(names(&e)[&id], "Newco 2");
    unsafe {
        assert_eq!(SQLBulkOperations(s, SQL_DELETE_BY_BOOKMARK), SQL_SUCCESS);
        // The deleted row shows as SQL_ROW_DELETED when fetched again.
        let mut status = [0u16; 1];
        SQLSetStmtAttr(
            s,
            SQL_ATTR_ROW_STATUS_PTR,
            status.as_mut_ptr() as *mut c_void,
            0,
        );
        assert_eq!(SQLFetchScroll(s, SQL_FETCH_BOOKMARK, 0), SQL_SUCCESS);
        assert_eq!(status[0], SQL_ROW_DELETED);
        SQLFreeHandle(SQL_HANDLE_STMT, s);
        drop((
            Box::from_raw(code),
            Box::from_raw(code_len),
            Box::from_raw(name),
        ));
        drop((
            Box::from_raw(name_len),
            Box::from_raw(bm),
            Box::from_raw(bm_len),
        ));
    }
    assert!(!names(&e).contains_key(&id));

    // ReadOnly=true refuses positioned changes before sending anything.
    let (ro, rc, _) = connect(&e.sb, ";ReadOnly=true");
    assert_eq!(rc, SQL_SUCCESS);
    let mut ed = Editable::open(&ro, SQL_CONCUR_VALUES, 1);
    assert_eq!(unsafe { SQLFetch(ed.s) }, SQL_SUCCESS);
    ed.set_name(0, "Nope");
    let log = e.sb.state().log().entries.len();
    assert_eq!(unsafe { SQLSetPos(ed.s, 1, SQL_UPDATE, 0) }, SQL_ERROR);
    assert_eq!(diag(SQL_HANDLE_STMT, ed.s).0, "25006");
    assert_eq!(writes(&e, log), vec![]);
}

#[test]
fn positioned_changes_to_subtable_rows_touch_that_row_only() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, ";UseCodeForFieldName=true");
    assert_eq!(rc, SQL_SUCCESS);
    let items = |c: &Conn| {
        query(
            c,
            r#"SELECT "$id", "$row_id", product FROM Orders_items ORDER BY "$id", "$row_id""#,
        )
    };
    let before = items(&c);
    // A record with two rows or more; the cursor row of its first.
    let at = (0..before.len() - 1)
        .find(|i| before[*i][0] == before[i + 1][0])
        .expect("an order with two items");

    let open = |sql: &str| {
        let s = stmt(&c);
        assert_eq!(set(s, SQL_ATTR_CURSOR_TYPE, SQL_CURSOR_STATIC), SQL_SUCCESS);
        assert_eq!(set(s, SQL_ATTR_CONCURRENCY, SQL_CONCUR_VALUES), SQL_SUCCESS);
        assert_eq!(exec(s, sql), SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_STMT, s));
        s
    };
    let mut name = *b"Renamed row\0";
    // Written after binding: the driver reads it through the pointer.
    let len: *mut isize = Box::into_raw(Box::new(11isize));

    // Without "$row_id" the row cannot be named: refused, naming it.
    let s = open(r#"SELECT "$id", product FROM Orders_items ORDER BY "$id", "$row_id""#);
    unsafe {
        SQLBindCol(s, 2, SQL_C_CHAR, name.as_mut_ptr() as *mut c_void, 12, len);
        assert_eq!(
            SQLFetchScroll(s, SQL_FETCH_ABSOLUTE, at as isize + 1),
            SQL_SUCCESS
        );
        std::ptr::copy_nonoverlapping(b"Renamed row".as_ptr(), name.as_mut_ptr(), 11);
        *len = 11;
        assert_eq!(SQLSetPos(s, 1, SQL_UPDATE, 0), SQL_ERROR);
        let (state, msg) = diag(SQL_HANDLE_STMT, s);
        assert_eq!(state, "HYC00");
        assert!(msg.contains("$row_id"), "{msg}");
        SQLFreeHandle(SQL_HANDLE_STMT, s);
    }
    assert_eq!(items(&c), before);

    let s = open(r#"SELECT "$id", "$row_id", product FROM Orders_items ORDER BY "$id", "$row_id""#);
    unsafe {
        SQLBindCol(s, 3, SQL_C_CHAR, name.as_mut_ptr() as *mut c_void, 12, len);
        assert_eq!(
            SQLFetchScroll(s, SQL_FETCH_ABSOLUTE, at as isize + 1),
            SQL_SUCCESS
        );
        std::ptr::copy_nonoverlapping(b"Renamed row".as_ptr(), name.as_mut_ptr(), 11);
        *len = 11;
        assert_eq!(
            SQLSetPos(s, 1, SQL_UPDATE, 0),
            SQL_SUCCESS,
            "{:?}",
            diag(SQL_HANDLE_STMT, s)
        );
        SQLFreeHandle(SQL_HANDLE_STMT, s);
        drop(Box::from_raw(len));
    }
    let after = items(&c);
    let mut want = before.clone();
    want[at][2] = Some("Renamed row".into());
    assert_eq!(after, want);
}
