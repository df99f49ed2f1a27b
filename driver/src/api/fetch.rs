//! SQLBindCol, SQLFetch, SQLFetchScroll, SQLExtendedFetch, SQLGetData, SQLSetPos,
//! SQLBulkOperations.
//!
//! One routine writes a rowset into the bound buffers, column-wise or row-wise, with
//! the bind offset, and serves all three fetch functions. Values go through the one
//! conversion table in `convert`.

use std::ffi::c_void;

use kintone_sql::arrow::datatypes::Schema;
use kintone_sql::arrow::record_batch::RecordBatch;

use crate::api::exec::conv_err;
use crate::convert::{c_type_size, is_c_type, write_value, CBuffer, Outcome, Progress};
use crate::diag::{
    DResult, DriverError, S01004, S01S06, S01S07, S07006, S07009, S22002, S24000, SHY003, SHY009,
    SHY090, SHY106, SHY111,
};
use crate::encoding::WcharMode;
use crate::ffi::{with_stmt, write_opt};
use crate::handles::Stmt;
use crate::scroll::{self, Orientation, Position, Target};
use crate::stmt::{Binding, ResultSet, Row, StmtState};
use crate::sync::lock;
use crate::sys::*;
use crate::types::{default_c_type, SqlTypeDesc};

fn known_c_type(c_type: i16) -> bool {
    is_c_type(c_type) || c_type == SQL_C_DEFAULT
}

/// The column and buffer length of SQLBindCol and SQLGetData.
fn check_target(col: u16, buf_len: isize, bookmarks: usize) -> DResult<()> {
    if col == 0 && bookmarks == SQL_UB_OFF {
        return Err(DriverError::new(
            S07009,
            "column 0 is the bookmark column, and bookmarks are off (SQL_ATTR_USE_BOOKMARKS)",
        ));
    }
    if buf_len < 0 {
        return Err(DriverError::new(
            SHY090,
            format!("BufferLength {buf_len} is negative"),
        ));
    }
    Ok(())
}

pub fn bind_col(
    h: Handle,
    col: u16,
    c_type: i16,
    ptr: *mut c_void,
    buf_len: isize,
    ind: *mut isize,
) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        check_target(col, buf_len, st.attrs.use_bookmarks)?;
        if ptr.is_null() && ind.is_null() {
            st.ard.set(col as usize, None);
            return Ok(SQL_SUCCESS);
        }
        if !known_c_type(c_type) {
            return Err(DriverError::new(
                SHY003,
                format!("C type {c_type} is not a valid target type"),
            ));
        }
        st.ard.set(
            col as usize,
            Some(Binding {
                c_type,
                ptr,
                buffer_len: buf_len,
                ind_ptr: ind,
                octet_len_ptr: ind,
                ..Binding::default()
            }),
        );
        Ok(SQL_SUCCESS)
    })
}

/// What converting a cell needs of its result set, borrowed apart from the result
/// set's `SQLGetData` progress, which the same call updates in place.
#[derive(Clone, Copy)]
struct Cells<'a> {
    schema: &'a Schema,
    descs: &'a [SqlTypeDesc],
    wchar: WcharMode,
}

impl<'a> Cells<'a> {
    fn of(result: &'a ResultSet, wchar: WcharMode) -> Self {
        Cells {
            schema: &result.schema,
            descs: &result.descs,
            wchar,
        }
    }
}

/// Writes one cell into an application buffer; returns whether it was truncated.
///
/// # Safety
/// The buffer and indicator pointers are valid as bound.
#[allow(clippy::too_many_arguments)]
unsafe fn write_cell(
    cells: Cells<'_>,
    col: usize,
    b: &Binding,
    data: *mut c_void,
    ind: *mut isize,
    octet: *mut isize,
    batch: &RecordBatch,
    row: usize,
    progress: Option<&mut Progress>,
) -> DResult<Outcome> {
    let (Some(array), Some(field), Some(desc)) = (
        batch.columns().get(col),
        cells.schema.fields().get(col),
        cells.descs.get(col),
    ) else {
        return Err(DriverError::new(
            S07009,
            format!("column {} does not exist", col + 1),
        ));
    };
    let c_type = if b.c_type == SQL_C_DEFAULT {
        default_c_type(desc.sql_type)
    } else {
        b.c_type
    };
    let buf = CBuffer {
        c_type,
        ptr: data,
        len: b.buffer_len,
        precision: b.precision,
        scale: b.scale,
    };
    // SAFETY: the application bound this buffer for this C type.
    let (len, outcome) =
        unsafe { write_value(array.as_ref(), field, row, &buf, cells.wchar, progress) }
            .map_err(conv_err)?;
    if outcome == Outcome::NoData {
        return Ok(outcome);
    }
    if len == SQL_NULL_DATA {
        if ind.is_null() {
            return Err(DriverError::new(
                S22002,
                format!("column {} is NULL and no indicator was bound", col + 1),
            ));
        }
        // SAFETY: bound indicator.
        unsafe { ind.write_unaligned(SQL_NULL_DATA) };
        return Ok(outcome);
    }
    // SAFETY: bound pointers.
    unsafe {
        if !octet.is_null() {
            octet.write_unaligned(len);
        }
        if !ind.is_null() && ind != octet {
            ind.write_unaligned(0);
        }
    }
    Ok(outcome)
}

/// Bookmarks are row numbers (from 1), four bytes long: ODBC 2's fixed bookmarks and
/// ODBC 3's variable ones alike.
const BOOKMARK_LEN: usize = 4;

/// Writes a bookmark into an application buffer (a bound column 0, or SQLGetData).
///
/// # Safety
/// `data` is null or writable for `buf_len` bytes (four for SQL_C_BOOKMARK);
/// `ind`/`octet` null or writable.
pub(crate) unsafe fn write_bookmark(
    c_type: i16,
    data: *mut c_void,
    buf_len: isize,
    ind: *mut isize,
    octet: *mut isize,
    row: u64,
) -> DResult<Outcome> {
    let value = u32::try_from(row).map_err(|_| {
        DriverError::new(
            SHY111,
            format!("row {row} is beyond what a bookmark can name"),
        )
    })?;
    let bytes = value.to_ne_bytes();
    let room = match c_type {
        SQL_C_VARBOOKMARK => usize::try_from(buf_len).unwrap_or(0),
        SQL_C_BOOKMARK | SQL_C_SLONG | SQL_C_LONG | SQL_C_DEFAULT => BOOKMARK_LEN,
        _ => {
            return Err(DriverError::new(
                S07006,
                format!("the bookmark column is read as SQL_C_VARBOOKMARK or SQL_C_BOOKMARK, not C type {c_type}"),
            ))
        }
    };
    let n = room.min(BOOKMARK_LEN);
    // SAFETY: per the caller's contract.
    unsafe {
        if !data.is_null() {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), data as *mut u8, n);
        }
        if !octet.is_null() {
            octet.write_unaligned(BOOKMARK_LEN as isize);
        }
        if !ind.is_null() && ind != octet {
            ind.write_unaligned(0);
        }
    }
    Ok(if n < BOOKMARK_LEN {
        Outcome::Truncated
    } else {
        Outcome::Done
    })
}

/// The rows of the next rowset, and whether ODBC wants 01S06 (a backward move
/// clamped to row 1).
fn gather(
    s: &Stmt,
    result: &mut ResultSet,
    how: Orientation,
    size: usize,
) -> DResult<(Vec<Row>, bool)> {
    let mut rows = Vec::with_capacity(size.min(4096));
    if !result.is_scrollable() {
        if how != Orientation::Next {
            return Err(DriverError::new(
                SHY106,
                format!("{}: the cursor is forward-only (set SQL_ATTR_CURSOR_TYPE to SQL_CURSOR_STATIC to scroll)", how.name()),
            ));
        }
        while rows.len() < size {
            match result.next_row(&s.cancel)? {
                Some(r) => rows.push(r),
                None => break,
            }
        }
        result.rowset_start = result.delivered - rows.len() as u64;
        return Ok((rows, false));
    }
    let at = result.position;
    let (target, clamped) = scroll::target(how, at, size as u64, || result.row_total(&s.cancel))?;
    let first = match target {
        Target::BeforeStart => {
            result.position = Position::BeforeStart;
            return Ok((rows, false));
        }
        Target::AfterEnd => {
            result.position = Position::AfterEnd;
            return Ok((rows, false));
        }
        Target::Start(n) => n,
    };
    for i in 0..size as u64 {
        match result.kept_row(first - 1 + i, &s.cancel)? {
            Some(r) => rows.push(r),
            None => break,
        }
    }
    if rows.is_empty() {
        result.position = Position::AfterEnd;
    } else {
        result.position = Position::Rowset(first);
        result.rowset_start = first - 1;
    }
    Ok((rows, clamped))
}

/// Fetches a rowset of up to `size` rows into the bound buffers.
fn fetch_rowset(
    s: &Stmt,
    st: &mut StmtState,
    how: Orientation,
    size: usize,
    fetched: impl FnOnce(usize),
    status: *mut u16,
) -> DResult<SqlReturn> {
    if st.result.is_none() && !st.executed {
        return Err(DriverError::new(
            crate::diag::SHY010,
            "no statement was executed",
        ));
    }
    let result = st
        .result
        .as_mut()
        .ok_or_else(|| DriverError::new(S24000, "no cursor is open"))?;
    result.getdata = None;
    result.last_getdata_col = 0;
    result.cursor_row = 0;
    let (rows, clamped) = gather(s, result, how, size)?;
    result.fetched_any = true;
    result.rowset = rows;
    let n = result.rowset.len();
    let rowset_start = result.rowset_start;
    fetched(n);
    let set_status = |i: usize, v: u16| {
        if !status.is_null() {
            // SAFETY: the status array holds `size` entries.
            unsafe { status.add(i).write_unaligned(v) };
        }
    };
    for i in n..size {
        set_status(i, SQL_ROW_NOROW);
    }
    if n == 0 {
        return Ok(SQL_NO_DATA);
    }
    if clamped {
        s.diag.lock().warn(
            S01S06,
            "the move went before the first row: the rowset starts at row 1",
        );
    }
    let Some(result) = st.result.as_ref() else {
        return Err(DriverError::new(S24000, "no cursor is open"));
    };
    let (rows, cells) = (&result.rowset, Cells::of(result, st.wchar));
    let mut errors = 0usize;
    let bookmark = st
        .ard
        .get(0)
        .filter(|b| !b.ptr.is_null() || !b.ind_ptr.is_null());
    for (i, (batch, row)) in rows.iter().enumerate() {
        let mut row_status = SQL_ROW_SUCCESS;
        if let Some(b) = bookmark {
            let (data, ind, _) = st.attrs.row_slot(0, b, i);
            // SAFETY: the application bound arrays of at least the row array size.
            let number = rowset_start + i as u64 + 1;
            match unsafe { write_bookmark(b.c_type, data, b.buffer_len, ind, ind, number) } {
                Ok(Outcome::Truncated) => {
                    s.diag.lock().post_at(
                        &DriverError::new(S01004, "column 0 (the bookmark)"),
                        i as isize + 1,
                        0,
                    );
                    row_status = SQL_ROW_SUCCESS_WITH_INFO;
                }
                Ok(_) => {}
                Err(e) => {
                    s.diag.lock().post_at(&e, i as isize + 1, 0);
                    row_status = SQL_ROW_ERROR;
                }
            }
        }
        for (col, b) in st.ard.records.iter().enumerate().skip(1) {
            // A record is bound only once it has a data pointer: pyodbc sets TYPE,
            // PRECISION and SCALE on ARD records it reads with SQLGetData(SQL_ARD_TYPE).
            let Some(b) = b.as_ref().filter(|b| !b.ptr.is_null()) else {
                continue;
            };
            let (data, ind, octet) = st.attrs.row_slot(col, b, i);
            // SAFETY: the application bound arrays of at least the row array size.
            match unsafe { write_cell(cells, col - 1, b, data, ind, octet, batch, *row, None) } {
                Ok(o @ (Outcome::Truncated | Outcome::FractionTruncated)) => {
                    let state = if o == Outcome::Truncated {
                        S01004
                    } else {
                        S01S07
                    };
                    s.diag.lock().post_at(
                        &DriverError::new(state, format!("column {col}")),
                        i as isize + 1,
                        col as i32,
                    );
                    if row_status == SQL_ROW_SUCCESS {
                        row_status = SQL_ROW_SUCCESS_WITH_INFO;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    s.diag.lock().post_at(&e, i as isize + 1, col as i32);
                    row_status = SQL_ROW_ERROR;
                }
            }
        }
        if row_status == SQL_ROW_ERROR {
            errors += 1;
        }
        if result.is_deleted(rowset_start + i as u64) {
            row_status = SQL_ROW_DELETED;
        }
        set_status(i, row_status);
    }
    if errors == n && n == 1 && size == 1 {
        // A single-row fetch that failed is an error, its record already posted.
        return Ok(SQL_ERROR);
    }
    if errors > 0 || clamped {
        return Ok(SQL_SUCCESS_WITH_INFO);
    }
    Ok(SQL_SUCCESS)
}

pub fn fetch(h: Handle) -> SqlReturn {
    fetch_scroll(h, SQL_FETCH_NEXT, 0)
}

/// An orientation and offset as SQLFetchScroll and SQLExtendedFetch take them;
/// `bookmark` is the row SQL_FETCH_BOOKMARK starts from.
fn orientation(
    orientation: i16,
    offset: isize,
    bookmark: impl FnOnce() -> DResult<u64>,
) -> DResult<Orientation> {
    let off = offset as i64;
    Ok(match orientation {
        SQL_FETCH_NEXT => Orientation::Next,
        SQL_FETCH_PRIOR => Orientation::Prior,
        SQL_FETCH_FIRST => Orientation::First,
        SQL_FETCH_LAST => Orientation::Last,
        SQL_FETCH_ABSOLUTE => Orientation::Absolute(off),
        SQL_FETCH_RELATIVE => Orientation::Relative(off),
        SQL_FETCH_BOOKMARK => Orientation::Bookmark(bookmark()?, off),
        _ => {
            return Err(DriverError::new(
                SHY106,
                format!("fetch orientation {orientation} is not one ODBC defines"),
            ))
        }
    })
}

/// A bookmark the application hands back: a row number of this result.
fn bookmark_row(st: &StmtState, value: Option<u32>) -> DResult<u64> {
    if st.attrs.use_bookmarks == SQL_UB_OFF {
        return Err(DriverError::new(
            SHY106,
            "SQL_FETCH_BOOKMARK needs bookmarks on (SQL_ATTR_USE_BOOKMARKS)",
        ));
    }
    match value {
        Some(n) if n > 0 => Ok(u64::from(n)),
        Some(n) => Err(DriverError::new(
            SHY111,
            format!("{n} is not a bookmark of this cursor"),
        )),
        None => Err(DriverError::new(
            SHY111,
            "SQL_ATTR_FETCH_BOOKMARK_PTR is not set",
        )),
    }
}

/// SQLFetch and SQLFetchScroll: the rowset size and counters are statement attributes.
pub fn fetch_scroll(h: Handle, how: i16, offset: isize) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        let how = orientation(how, offset, || {
            let p = st.attrs.fetch_bookmark_ptr;
            // SAFETY: the application set SQL_ATTR_FETCH_BOOKMARK_PTR to a bookmark
            // it read from this driver (four bytes), or left it NULL.
            let value = (!p.is_null())
                .then(|| unsafe { (p as *const [u8; BOOKMARK_LEN]).read_unaligned() })
                .map(u32::from_ne_bytes);
            bookmark_row(&st, value)
        })?;
        let size = st.attrs.row_array_size.max(1);
        let fetched_ptr = st.attrs.rows_fetched_ptr;
        let status = st.attrs.row_status_ptr;
        // SAFETY: the application set SQL_ATTR_ROWS_FETCHED_PTR to a valid SQLULEN (or NULL).
        fetch_rowset(
            s,
            &mut st,
            how,
            size,
            |n| unsafe { write_opt(fetched_ptr, n) },
            status,
        )
    })
}

/// ODBC 2's SQLExtendedFetch: the rowset size is SQL_ROWSET_SIZE, the counters are
/// passed in the call, and for SQL_FETCH_BOOKMARK the offset is the bookmark.
///
/// # Safety
/// `fetched` and `status` are null or valid for the rowset.
pub unsafe fn extended_fetch(
    h: Handle,
    how: u16,
    offset: isize,
    fetched: *mut usize,
    status: *mut u16,
) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        let how = i16::try_from(how).unwrap_or(-1);
        let how = if how == SQL_FETCH_BOOKMARK {
            let b = u32::try_from(offset).unwrap_or(0);
            Orientation::Bookmark(bookmark_row(&st, Some(b))?, 0)
        } else {
            orientation(how, offset, || Ok(0))?
        };
        let size = st.attrs.rowset_size.max(1);
        // SAFETY: per the caller's contract.
        fetch_rowset(
            s,
            &mut st,
            how,
            size,
            |n| unsafe { write_opt(fetched, n) },
            status,
        )
    })
}

/// # Safety
/// `ptr` is null or writable for `buf_len` bytes (or the C type's size); `ind` null or writable.
pub unsafe fn get_data(
    h: Handle,
    col: u16,
    c_type: i16,
    ptr: *mut c_void,
    buf_len: isize,
    ind: *mut isize,
) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        check_target(col, buf_len, st.attrs.use_bookmarks)?;
        if col == 0 {
            let r = st
                .result
                .as_ref()
                .filter(|r| r.fetched_any && r.cursor_row < r.rowset.len())
                .ok_or_else(|| DriverError::new(S24000, "the cursor is not on a row"))?;
            let row = r.rowset_start + r.cursor_row as u64 + 1;
            // SAFETY: per the caller's contract.
            return match unsafe { write_bookmark(c_type, ptr, buf_len, ind, ind, row) }? {
                Outcome::Truncated => {
                    s.diag
                        .lock()
                        .warn(S01004, "column 0: the bookmark needs 4 bytes");
                    Ok(SQL_SUCCESS_WITH_INFO)
                }
                _ => Ok(SQL_SUCCESS),
            };
        }
        let bound = st.ard.get(col as usize).cloned();
        let c_type = if c_type == SQL_ARD_TYPE {
            bound.map(|b| b.c_type).unwrap_or(SQL_C_DEFAULT)
        } else {
            c_type
        };
        if !known_c_type(c_type) {
            return Err(DriverError::new(
                SHY003,
                format!("C type {c_type} is not a valid target type"),
            ));
        }
        if ptr.is_null() && c_type_size(c_type).is_some() {
            return Err(DriverError::new(SHY009, "TargetValuePtr is NULL"));
        }
        let wchar = st.wchar;
        let r = st
            .result
            .as_mut()
            .ok_or_else(|| DriverError::new(S24000, "no cursor is open"))?;
        if !r.fetched_any {
            return Err(DriverError::new(S24000, "SQLFetch was not called yet"));
        }
        if r.cursor_row >= r.rowset.len() {
            return Err(DriverError::new(S24000, "the cursor is not on a row"));
        }
        if col as usize > r.descs.len() {
            return Err(DriverError::new(
                S07009,
                format!(
                    "column {col} does not exist (the result has {} columns)",
                    r.descs.len()
                ),
            ));
        }
        if r.last_getdata_col != col as usize {
            // Going to another column ends the chunked read of the previous one.
            r.getdata = None;
            r.last_getdata_col = col as usize;
        }
        let b = Binding {
            c_type,
            ptr,
            buffer_len: buf_len,
            ind_ptr: ind,
            octet_len_ptr: ind,
            ..Binding::default()
        };
        // The row's batch is borrowed, not cloned, and the progress is updated where it
        // lies: this runs once per cell.
        let ResultSet {
            schema,
            descs,
            rowset,
            cursor_row,
            getdata,
            ..
        } = r;
        let Some((batch, row)) = rowset.get(*cursor_row) else {
            return Err(DriverError::new(S24000, "the cursor is not on a row"));
        };
        let cells = Cells {
            schema,
            descs,
            wchar,
        };
        let progress = getdata.get_or_insert_with(Progress::default);
        // SAFETY: per the caller's contract.
        let outcome = unsafe {
            write_cell(
                cells,
                col as usize - 1,
                &b,
                ptr,
                ind,
                ind,
                batch,
                *row,
                Some(progress),
            )
        };
        // A failed call (22002, a conversion error) returned nothing: the next call
        // starts the value again.
        if outcome.is_err() {
            *getdata = None;
        }
        match outcome? {
            Outcome::NoData => Ok(SQL_NO_DATA),
            Outcome::Truncated => {
                s.diag.lock().warn(
                    S01004,
                    format!("column {col}: more data remains (call SQLGetData again)"),
                );
                Ok(SQL_SUCCESS_WITH_INFO)
            }
            Outcome::FractionTruncated => {
                s.diag.lock().warn(
                    S01S07,
                    format!("column {col}: a fraction or time part was dropped"),
                );
                Ok(SQL_SUCCESS_WITH_INFO)
            }
            Outcome::Done => Ok(SQL_SUCCESS),
        }
    })
}
