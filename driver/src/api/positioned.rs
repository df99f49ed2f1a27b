//! SQLSetPos and SQLBulkOperations: rows of an open cursor written back to Kintone.
//!
//! A row is named by its `"$id"` column (and, under `SQL_CONCUR_ROWVER`, checked by its
//! `"$revision"`), so the cursor must read one app table with `"$id"` among its columns.
//! Each change runs as the UPDATE, INSERT or DELETE statement a user could have written,
//! through the same write path (ReadOnly, value conversion, Kintone's refusals named by
//! column). The row is then read back, so the cursor shows what Kintone stored: this is
//! what LibreOffice's table view relies on after an edit.

use std::sync::Arc;

use futures_util::StreamExt;
use kintone_sql::arrow::record_batch::RecordBatch;
use kintone_sql::datafusion::scalar::ScalarValue;

use crate::api::exec::{conv_err, is_data_at_exec, session_of};
use crate::api::fetch::write_bookmark;
use crate::convert::read_param;
use crate::diag::{DResult, DriverError, S01001, S24000, SHY092, SHY107, SHY111, SHYC00};
use crate::ffi::with_stmt;
use crate::handles::Stmt;
use crate::session::Session;
use crate::stmt::{ResultSet, Row, StmtState};
use crate::sync::lock;
use crate::sys::*;

/// The app table a cursor reads, and where its row keys are.
struct Source {
    table: String,
    columns: Vec<String>,
    id: usize,
    revision: Option<usize>,
    /// A subtable's child table: its rows are `"$row_id"`s within the record `"$id"`.
    row_id: Option<usize>,
}

impl Source {
    fn column(&self, i: usize) -> &str {
        self.columns.get(i).map_or("", String::as_str)
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn source(st: &StmtState) -> DResult<Source> {
    let r = st
        .result
        .as_ref()
        .ok_or_else(|| DriverError::new(S24000, "no cursor is open"))?;
    let fields = r.schema.fields();
    let (table, child) = st
        .prepared
        .as_ref()
        .and_then(|p| p.base_table())
        .ok_or_else(|| {
            DriverError::new(
                SHYC00,
                "positioned changes need a cursor over one app table (SELECT columns FROM table [WHERE ...] [ORDER BY ...])",
            )
        })?;
    // A key column by its name, or its `UseSimpleNames` form (`_id`).
    let at = |name: &str| {
        let simple = name.replace('$', "_");
        fields
            .iter()
            .position(|f| f.name() == name || *f.name() == simple)
    };
    let id = at("$id").ok_or_else(|| {
        DriverError::new(
            SHYC00,
            format!("positioned changes need \"$id\" among the cursor's columns (SELECT \"$id\", ... FROM {table})"),
        )
    })?;
    let row_id = match (child, at("$row_id")) {
        (false, _) => None,
        (true, Some(i)) => Some(i),
        (true, None) => {
            return Err(DriverError::new(
                SHYC00,
                format!("positioned changes to subtable rows need \"$row_id\" among the cursor's columns (SELECT \"$id\", \"$row_id\", ... FROM {table})"),
            ))
        }
    };
    Ok(Source {
        columns: fields.iter().map(|f| f.name().clone()).collect(),
        revision: at("$revision"),
        table,
        id,
        row_id,
    })
}

/// The values of row `i` of the bound columns: (column index, value). Columns bound
/// with SQL_COLUMN_IGNORE, and the row keys, are left out.
fn bound_values(st: &StmtState, src: &Source, i: usize) -> DResult<Vec<(usize, ScalarValue)>> {
    let r = st
        .result
        .as_ref()
        .ok_or_else(|| DriverError::new(S24000, "no cursor is open"))?;
    let mut out = Vec::new();
    for (col, b) in st.ard.records.iter().enumerate().skip(1) {
        let Some(b) = b
            .as_ref()
            .filter(|b| !b.ptr.is_null() || !b.ind_ptr.is_null())
        else {
            continue;
        };
        let idx = col - 1;
        if idx == src.id || Some(idx) == src.revision || Some(idx) == src.row_id {
            continue;
        }
        let Some(desc) = r.descs.get(idx) else {
            continue;
        };
        let (data, ind_ptr, _) = st.attrs.row_slot(col, b, i);
        // SAFETY: the application bound an indicator array of the rowset's size.
        let ind = (!ind_ptr.is_null()).then(|| unsafe { ind_ptr.read_unaligned() });
        if ind == Some(SQL_COLUMN_IGNORE) {
            continue;
        }
        if is_data_at_exec(ind) {
            return Err(DriverError::new(
                SHYC00,
                format!("column {col}: data-at-execution values are not taken by SQLSetPos or SQLBulkOperations; bind the value"),
            ));
        }
        // SAFETY: the application bound a buffer of this C type and length.
        let v = unsafe {
            read_param(
                b.c_type,
                desc.sql_type,
                desc.column_size,
                desc.decimal_digits,
                data,
                b.buffer_len,
                ind,
                st.wchar,
            )
        }
        .map_err(|e| {
            let mut d = conv_err(e);
            d.message = format!("column {col}: {}", d.message);
            d
        })?;
        out.push((idx, v));
    }
    Ok(out)
}

/// The value of column `col` of a kept row.
fn value(row: &Row, col: usize) -> Option<ScalarValue> {
    let array = row.0.columns().get(col)?;
    ScalarValue::try_from_array(array, row.1).ok()
}

fn as_id(v: &ScalarValue) -> Option<u64> {
    match v.cast_to(&kintone_sql::arrow::datatypes::DataType::UInt64) {
        Ok(ScalarValue::UInt64(Some(n))) => Some(n),
        _ => None,
    }
}

/// Whether a row read back can stand in the cursor: the same column types.
fn fits(r: &ResultSet, batch: &RecordBatch) -> bool {
    let types = |f: &kintone_sql::arrow::datatypes::FieldRef| f.data_type().clone();
    batch
        .schema()
        .fields()
        .iter()
        .map(types)
        .eq(r.schema.fields().iter().map(types))
}

/// What a row's keys are: its "$id", and its "$revision" when the cursor has it.
fn keys(src: &Source, row: &Row) -> DResult<Keys> {
    let value = |i: usize| {
        value(row, i).ok_or_else(|| DriverError::new(SHYC00, "the row's keys cannot be read"))
    };
    let id = value(src.id)?;
    if id.is_null() {
        return Err(DriverError::new(SHYC00, "the row has no \"$id\""));
    }
    let revision = src.revision.map(value).transpose()?;
    let row_id = src.row_id.map(value).transpose()?;
    Ok(Keys {
        id,
        revision,
        row_id,
    })
}

/// What names a cursor's row in Kintone.
struct Keys {
    id: ScalarValue,
    revision: Option<ScalarValue>,
    row_id: Option<ScalarValue>,
}

/// Runs one write statement with one set of parameters; the rows it wrote and the
/// ids it added.
fn write(session: &Session, sql: &str, params: Vec<ScalarValue>) -> DResult<(u64, Vec<u64>)> {
    tracing::info!(target: kintone_api::targets::EXEC, "positioned: {sql}");
    let db = &session.sql;
    let out = crate::runtime::run(None, &[], async move {
        let p = db.prepare(sql).await?;
        db.execute_write(&p, vec![params])
            .await
            .map_err(DriverError::from)
    })?;
    session
        .written_since_end_tran
        .fetch_add(out.rows, std::sync::atomic::Ordering::SeqCst);
    if let Some(e) = out.error {
        return Err(DriverError::from(e));
    }
    Ok((out.rows, out.new_ids))
}

/// The cursor's columns of the records `ids`, as Kintone has them now, keyed by id.
fn read_back(session: &Session, src: &Source, ids: &[u64]) -> DResult<Vec<(u64, Row)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let cols: Vec<String> = src.columns.iter().map(|c| quote(c)).collect();
    let list: Vec<String> = ids.iter().map(u64::to_string).collect();
    let sql = format!(
        "SELECT {} FROM {} WHERE {} IN ({})",
        cols.join(", "),
        quote(&src.table),
        quote(src.column(src.id)),
        list.join(", ")
    );
    let db = &session.sql;
    let batches = crate::runtime::run(None, &[], async move {
        let p = db.prepare(&sql).await?;
        let mut stream = db.execute(&p, Vec::new()).await?;
        let mut out = Vec::new();
        while let Some(b) = stream.next().await {
            out.push(b.map_err(DriverError::from)?);
        }
        Ok(out)
    })?;
    let mut out = Vec::new();
    for batch in batches {
        let batch = std::sync::Arc::new(batch);
        for r in 0..batch.num_rows() {
            let row = (batch.clone(), r);
            if let Some(id) = value(&row, src.id).as_ref().and_then(as_id) {
                out.push((id, row));
            }
        }
    }
    Ok(out)
}

/// A row kept by the cursor now holds what Kintone stored.
fn refresh_row(r: &mut ResultSet, n: u64, fresh: Row) {
    if !fits(r, &fresh.0) {
        return;
    }
    if let Some(slot) = n
        .checked_sub(r.rowset_start)
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| r.rowset.get_mut(i))
    {
        *slot = fresh.clone();
    }
    r.replace_row(n, fresh);
}

#[derive(Clone, Copy, PartialEq)]
enum Change {
    Update,
    Delete,
}

/// A row of the cursor: its number (0-based) and where its values are.
type KeptRow = (u64, Row);

/// Updates or deletes the cursor's row `kept`, which the application has at rowset
/// index `i` of its bound buffers. Returns the row status.
fn change_row(
    s: &Stmt,
    st: &mut StmtState,
    session: &Session,
    src: &Source,
    change: Change,
    (n, row): KeptRow,
    i: usize,
) -> DResult<u16> {
    let Keys {
        id,
        revision,
        row_id,
    } = keys(src, &row)?;
    let check = st.attrs.concurrency == SQL_CONCUR_ROWVER;
    let mut params = Vec::new();
    let mut sql = match change {
        Change::Update => {
            let values = bound_values(st, src, i)?;
            if values.is_empty() {
                return Err(DriverError::new(
                    SHYC00,
                    "no bound column has a value to write (all unbound or SQL_COLUMN_IGNORE)",
                ));
            }
            let set: Vec<String> = values
                .iter()
                .map(|(c, _)| format!("{} = ?", quote(src.column(*c))))
                .collect();
            params.extend(values.into_iter().map(|(_, v)| v));
            format!("UPDATE {} SET {}", quote(&src.table), set.join(", "))
        }
        Change::Delete => format!("DELETE FROM {}", quote(&src.table)),
    };
    sql.push_str(&format!(" WHERE {} = ?", quote(src.column(src.id))));
    params.push(id.clone());
    if let Some(row_id) = row_id.clone() {
        sql.push_str(&format!(
            " AND {} = ?",
            quote(src.row_id.map_or("$row_id", |i| src.column(i)))
        ));
        params.push(row_id);
    }
    if let (true, Some(rev)) = (check, revision) {
        let revision = src.revision.map_or("$revision", |i| src.column(i));
        sql.push_str(&format!(" AND {} = ?", quote(revision)));
        params.push(rev);
    }
    let (written, _) = write(session, &sql, params)?;
    if written == 0 {
        s.diag.lock().warn(
            S01001,
            format!("record {id} was changed or deleted by someone else since it was read: nothing was written"),
        );
        return Ok(SQL_ROW_ERROR);
    }
    let r = st
        .result
        .as_mut()
        .ok_or_else(|| DriverError::new(S24000, "no cursor is open"))?;
    match change {
        Change::Delete => {
            r.mark_deleted(n);
            Ok(SQL_ROW_DELETED)
        }
        Change::Update => {
            let id = as_id(&id).unwrap_or(0);
            // A child table's record holds many rows: the one with this "$row_id".
            let this_row = |(_, row): &(u64, Row)| match (src.row_id, &row_id) {
                (Some(c), Some(want)) => value(row, c).is_some_and(|v| &v == want),
                _ => true,
            };
            if let Some((_, fresh)) = read_back(session, src, &[id])?.into_iter().find(this_row) {
                if let Some(r) = st.result.as_mut() {
                    refresh_row(r, n, fresh);
                }
            }
            Ok(SQL_ROW_UPDATED)
        }
    }
}

fn status_at(st: &StmtState, i: usize, v: u16) {
    let p = st.attrs.row_status_ptr;
    if !p.is_null() {
        // SAFETY: the status array holds the rowset's size.
        unsafe { p.add(i).write_unaligned(v) };
    }
}

fn ignored(st: &StmtState, i: usize) -> bool {
    let p = st.attrs.row_operation_ptr;
    // SAFETY: the operation array holds the rowset's size.
    !p.is_null() && unsafe { p.add(i).read_unaligned() } == SQL_ROW_IGNORE
}

fn writable(st: &StmtState) -> DResult<()> {
    if st.attrs.concurrency == SQL_CONCUR_READ_ONLY {
        return Err(DriverError::new(
            SHY092,
            "the cursor is read-only: set SQL_ATTR_CONCURRENCY to SQL_CONCUR_ROWVER or SQL_CONCUR_VALUES before executing",
        ));
    }
    Ok(())
}

/// Runs `f` for each row, recording the status; an error is posted for its row. A
/// single row that failed is SQL_ERROR; a conflict (the row status SQL_ROW_ERROR with
/// a 01001 warning) or a failure among several rows is SQL_SUCCESS_WITH_INFO.
fn each_row(
    s: &Stmt,
    st: &mut StmtState,
    rows: impl IntoIterator<Item = usize>,
    mut f: impl FnMut(&mut StmtState, usize) -> DResult<u16>,
) -> SqlReturn {
    let (mut done, mut failed, mut flagged) = (0usize, 0usize, 0usize);
    for i in rows {
        if ignored(st, i) {
            continue;
        }
        done += 1;
        let status = f(st, i).unwrap_or_else(|e| {
            s.diag.lock().post_at(&e, i as isize + 1, 0);
            failed += 1;
            SQL_ROW_ERROR
        });
        if status == SQL_ROW_ERROR {
            flagged += 1;
        }
        status_at(st, i, status);
    }
    if done == 1 && failed == 1 {
        SQL_ERROR
    } else if flagged > 0 {
        SQL_SUCCESS_WITH_INFO
    } else {
        SQL_SUCCESS
    }
}

pub fn set_pos(h: Handle, row: usize, op: u16, _lock: u16) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        let r = st
            .result
            .as_mut()
            .ok_or_else(|| DriverError::new(S24000, "no cursor is open"))?;
        let len = r.rowset.len();
        if row > len || (row == 0 && matches!(op, SQL_POSITION | SQL_REFRESH)) {
            return Err(DriverError::new(
                SHY107,
                format!("row {row} is outside the rowset of {len} rows"),
            ));
        }
        if row > 0 {
            r.cursor_row = row - 1;
            r.getdata = None;
        }
        let change = match op {
            // A static cursor shows what it read (and what it wrote itself).
            SQL_POSITION | SQL_REFRESH => return Ok(SQL_SUCCESS),
            SQL_UPDATE => Change::Update,
            SQL_DELETE => Change::Delete,
            _ => {
                return Err(DriverError::new(
                    SHYC00,
                    format!("SQLSetPos operation {op}: use SQLBulkOperations(SQL_ADD) to add rows"),
                ))
            }
        };
        writable(&st)?;
        let src = source(&st)?;
        let session = session_of(s)?;
        let rows: Vec<usize> = if row == 0 {
            (0..len).collect()
        } else {
            vec![row - 1]
        };
        Ok(each_row(s, &mut st, rows, |st, i| {
            let (start, found) = match st.result.as_ref() {
                Some(r) => (r.rowset_start, r.rowset.get(i).cloned()),
                None => (0, None),
            };
            let found = found.ok_or_else(|| DriverError::new(SHY107, "the row is gone"))?;
            change_row(s, st, &session, &src, change, (start + i as u64, found), i)
        }))
    })
}

/// The cursor's row a bound bookmark (column 0) names, at rowset index `i`.
fn bookmarked(
    st: &mut StmtState,
    i: usize,
    cancel: &crate::runtime::Cancel,
) -> DResult<(u64, Row)> {
    let b = st
        .ard
        .get(0)
        .filter(|b| !b.ptr.is_null())
        .ok_or_else(|| DriverError::new(SHY111, "bind the bookmark column (column 0) first"))?;
    if b.c_type == SQL_C_VARBOOKMARK && b.buffer_len < 4 {
        return Err(DriverError::new(
            SHY111,
            "the bound bookmark column holds fewer than the 4 bytes of a bookmark",
        ));
    }
    let p = st.attrs.row_slot(0, b, i).0 as *const [u8; 4];
    // SAFETY: the application bound bookmark buffers of at least 4 bytes a row.
    let n = u64::from(u32::from_ne_bytes(unsafe { p.read_unaligned() }));
    let r = st
        .result
        .as_mut()
        .ok_or_else(|| DriverError::new(S24000, "no cursor is open"))?;
    let row = n
        .checked_sub(1)
        .map(|k| r.kept_row(k, cancel))
        .transpose()?
        .flatten()
        .filter(|_| !r.is_deleted(n - 1))
        .ok_or_else(|| {
            DriverError::new(
                SHY111,
                format!("{n} is not a bookmark of a row of this cursor"),
            )
        })?;
    Ok((n - 1, row))
}

pub fn bulk_operations(h: Handle, op: i16) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        let r = st
            .result
            .as_ref()
            .ok_or_else(|| DriverError::new(S24000, "no cursor is open"))?;
        if !r.is_scrollable() || st.attrs.use_bookmarks == SQL_UB_OFF {
            return Err(DriverError::new(
                SHYC00,
                "SQLBulkOperations needs a static cursor with bookmarks on (SQL_ATTR_CURSOR_TYPE, SQL_ATTR_USE_BOOKMARKS)",
            ));
        }
        let src = source(&st)?;
        writable(&st)?;
        let session = session_of(s)?;
        let size = st.attrs.row_array_size.max(1);
        match op {
            SQL_ADD => Ok(each_row(s, &mut st, 0..size, |st, i| add_row(st, &session, &src, i))),
            SQL_UPDATE_BY_BOOKMARK | SQL_DELETE_BY_BOOKMARK => {
                let change = if op == SQL_DELETE_BY_BOOKMARK { Change::Delete } else { Change::Update };
                Ok(each_row(s, &mut st, 0..size, |st, i| {
                    let kept = bookmarked(st, i, &s.cancel)?;
                    change_row(s, st, &session, &src, change, kept, i)
                }))
            }
            _ => Err(DriverError::new(
                SHYC00,
                format!("SQLBulkOperations operation {op}: SQL_ADD, SQL_UPDATE_BY_BOOKMARK and SQL_DELETE_BY_BOOKMARK are supported"),
            )),
        }
    })
}

/// Adds the application's row `i` as a record, keeps it in the cursor and writes its
/// bookmark into the bound column 0.
fn add_row(st: &mut StmtState, session: &Arc<Session>, src: &Source, i: usize) -> DResult<u16> {
    if src.row_id.is_some() {
        return Err(DriverError::new(
            SHYC00,
            format!(
                "SQL_ADD does not add subtable rows: INSERT INTO {} (\"$id\", ...) VALUES (...)",
                src.table
            ),
        ));
    }
    let values = bound_values(st, src, i)?;
    if values.is_empty() {
        return Err(DriverError::new(
            SHYC00,
            "no bound column has a value to add",
        ));
    }
    let cols: Vec<String> = values.iter().map(|(c, _)| quote(src.column(*c))).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote(&src.table),
        cols.join(", "),
        vec!["?"; values.len()].join(", ")
    );
    let (_, ids) = write(session, &sql, values.into_iter().map(|(_, v)| v).collect())?;
    let fresh = read_back(session, src, &ids)?;
    let Some(r) = st.result.as_mut() else {
        return Ok(SQL_ROW_ADDED);
    };
    for (_, (batch, row)) in fresh {
        if !fits(r, &batch) {
            continue;
        }
        let n = r.append_rows(batch.slice(row, 1));
        if let (Some(n), Some(b)) = (n, st.ard.get(0).filter(|b| !b.ptr.is_null())) {
            let (data, ind, _) = st.attrs.row_slot(0, b, i);
            // The record is added whatever happens here; a bookmark bound as another C
            // type is refused by every fetch, which says so.
            // SAFETY: the application bound bookmark buffers (and lengths) for the rowset.
            let _ = unsafe { write_bookmark(b.c_type, data, b.buffer_len, ind, ind, n + 1) };
        }
    }
    Ok(SQL_ROW_ADDED)
}
