//! A statement's state: attributes, bindings (the ARD/APD records), the prepared
//! statement and the open result set.

use std::collections::{HashMap, VecDeque};
use std::ffi::c_void;
use std::sync::Arc;

use futures_util::StreamExt;
use kintone_sql::arrow::datatypes::SchemaRef;
use kintone_sql::arrow::record_batch::RecordBatch;
use kintone_sql::connection::ResultStream;
use kintone_sql::Prepared;

use crate::convert::Progress;
use crate::diag::{DResult, DriverError, S24000, SHY001};
use crate::encoding::WcharMode;
use crate::runtime::{Cancel, Limit};
use crate::scroll::Position;
use crate::types::{describe, SqlTypeDesc};

/// One row of a result: its batch (shared, not copied: a fetch of one row at a time
/// would otherwise clone every column's handle per row) and its index there.
pub type Row = (Arc<RecordBatch>, usize);

/// One ARD or APD record (a bound column or parameter).
#[derive(Clone, Debug)]
pub struct Binding {
    pub c_type: i16,
    pub ptr: *mut c_void,
    pub buffer_len: isize,
    pub ind_ptr: *mut isize,
    pub octet_len_ptr: *mut isize,
    /// SQL_C_NUMERIC precision and scale.
    pub precision: i16,
    pub scale: i16,
    // Parameter-only (IPD): what the application says the value is.
    pub io_type: i16,
    pub sql_type: i16,
    pub column_size: usize,
    pub decimal_digits: i16,
}

// SAFETY: the pointers are the application's buffers. ODBC lets any thread use a
// handle, so they travel with it; the driver writes through them only inside a call on
// that handle, under the statement's lock, as the application's contract allows.
unsafe impl Send for Binding {}

impl Default for Binding {
    fn default() -> Self {
        Binding {
            c_type: crate::sys::SQL_C_DEFAULT,
            ptr: std::ptr::null_mut(),
            buffer_len: 0,
            ind_ptr: std::ptr::null_mut(),
            octet_len_ptr: std::ptr::null_mut(),
            precision: 0,
            scale: 0,
            io_type: crate::sys::SQL_PARAM_INPUT,
            sql_type: 0,
            column_size: 0,
            decimal_digits: 0,
        }
    }
}

/// Address of element `row` of a bound array: column-wise steps by the element size,
/// row-wise by the bind type (the row size), plus the bind offset.
pub fn element(
    base: *mut c_void,
    row: usize,
    elem: usize,
    bind_type: usize,
    offset: isize,
) -> *mut c_void {
    if base.is_null() {
        return base;
    }
    let step = if bind_type == crate::sys::SQL_BIND_BY_COLUMN {
        elem
    } else {
        bind_type
    };
    (base as *mut u8)
        .wrapping_add(row.wrapping_mul(step))
        .wrapping_offset(offset) as *mut c_void
}

/// Records by number (1-based; index 0 is the bookmark column).
#[derive(Clone, Debug, Default)]
pub struct Bindings {
    pub records: Vec<Option<Binding>>,
}

impl Bindings {
    pub fn get(&self, n: usize) -> Option<&Binding> {
        self.records.get(n).and_then(|b| b.as_ref())
    }

    pub fn get_mut_or_default(&mut self, n: usize) -> Option<&mut Binding> {
        if self.records.len() <= n {
            self.records.resize(n + 1, None);
        }
        self.records
            .get_mut(n)
            .map(|slot| slot.get_or_insert_with(Binding::default))
    }

    pub fn set(&mut self, n: usize, b: Option<Binding>) {
        if b.is_none() && self.records.len() <= n {
            return;
        }
        if self.records.len() <= n {
            self.records.resize(n + 1, None);
        }
        if let Some(slot) = self.records.get_mut(n) {
            *slot = b;
        }
        while matches!(self.records.last(), Some(None)) {
            self.records.pop();
        }
    }

    /// SQL_DESC_COUNT: the highest bound record.
    pub fn count(&self) -> usize {
        self.records.len().saturating_sub(1)
    }
}

/// Statement attributes (SQLSetStmtAttr) and the array fields of the descriptors.
#[derive(Clone, Debug)]
pub struct StmtAttrs {
    pub query_timeout: usize,
    pub max_rows: usize,
    pub max_length: usize,
    pub noscan: usize,
    pub row_array_size: usize,
    pub row_bind_type: usize,
    pub row_bind_offset_ptr: *mut isize,
    pub row_status_ptr: *mut u16,
    pub row_operation_ptr: *mut u16,
    pub rows_fetched_ptr: *mut usize,
    pub paramset_size: usize,
    pub param_bind_type: usize,
    pub param_bind_offset_ptr: *mut isize,
    pub param_status_ptr: *mut u16,
    pub param_operation_ptr: *mut u16,
    pub params_processed_ptr: *mut usize,
    pub cursor_type: usize,
    pub concurrency: usize,
    pub cursor_scrollable: usize,
    pub cursor_sensitivity: usize,
    pub retrieve_data: usize,
    pub use_bookmarks: usize,
    /// SQL_ATTR_FETCH_BOOKMARK_PTR: the bookmark SQL_FETCH_BOOKMARK starts from.
    pub fetch_bookmark_ptr: *const u8,
    pub metadata_id: bool,
    pub keyset_size: usize,
    pub simulate_cursor: usize,
    pub enable_auto_ipd: usize,
    /// ODBC 2 `SQL_ROWSET_SIZE`, used by SQLExtendedFetch only.
    pub rowset_size: usize,
}

// SAFETY: as for `Binding`: application pointers, used only inside calls on the handle.
unsafe impl Send for StmtAttrs {}

impl StmtAttrs {
    /// Row `i` of bound column `col` (0 is the bookmark column): the addresses of its
    /// value, indicator and octet length, after SQL_ATTR_ROW_BIND_OFFSET_PTR.
    pub fn row_slot(
        &self,
        col: usize,
        b: &Binding,
        i: usize,
    ) -> (*mut c_void, *mut isize, *mut isize) {
        let elem = match (col, b.c_type) {
            (0, crate::sys::SQL_C_VARBOOKMARK) => b.buffer_len.max(0) as usize,
            // Bookmarks are four bytes (`api::fetch`).
            (0, _) => 4,
            _ => crate::convert::c_type_size(b.c_type).unwrap_or(b.buffer_len.max(0) as usize),
        };
        let offset = if self.row_bind_offset_ptr.is_null() {
            0
        } else {
            // SAFETY: the application set a valid SQL_ATTR_ROW_BIND_OFFSET_PTR.
            unsafe { self.row_bind_offset_ptr.read_unaligned() }
        };
        let len = std::mem::size_of::<isize>();
        let at = |p: *mut c_void, size: usize| element(p, i, size, self.row_bind_type, offset);
        (
            at(b.ptr, elem),
            at(b.ind_ptr as *mut c_void, len) as *mut isize,
            at(b.octet_len_ptr as *mut c_void, len) as *mut isize,
        )
    }

    /// SQL_ATTR_CURSOR_TYPE and SQL_ATTR_CURSOR_SCROLLABLE describe one choice: a
    /// static cursor is the scrollable one.
    pub fn set_cursor_type(&mut self, t: usize) {
        use crate::sys::*;
        self.cursor_type = t;
        self.cursor_scrollable = if t == SQL_CURSOR_FORWARD_ONLY {
            SQL_NONSCROLLABLE
        } else {
            SQL_SCROLLABLE
        };
    }

    pub fn scrollable(&self) -> bool {
        self.cursor_type != crate::sys::SQL_CURSOR_FORWARD_ONLY
    }
}

impl Default for StmtAttrs {
    fn default() -> Self {
        use crate::sys::*;
        StmtAttrs {
            query_timeout: 0,
            max_rows: 0,
            max_length: 0,
            noscan: 0,
            row_array_size: 1,
            row_bind_type: SQL_BIND_BY_COLUMN,
            row_bind_offset_ptr: std::ptr::null_mut(),
            row_status_ptr: std::ptr::null_mut(),
            row_operation_ptr: std::ptr::null_mut(),
            rows_fetched_ptr: std::ptr::null_mut(),
            paramset_size: 1,
            param_bind_type: SQL_BIND_BY_COLUMN,
            param_bind_offset_ptr: std::ptr::null_mut(),
            param_status_ptr: std::ptr::null_mut(),
            param_operation_ptr: std::ptr::null_mut(),
            params_processed_ptr: std::ptr::null_mut(),
            cursor_type: SQL_CURSOR_FORWARD_ONLY,
            concurrency: SQL_CONCUR_READ_ONLY,
            cursor_scrollable: SQL_NONSCROLLABLE,
            cursor_sensitivity: SQL_INSENSITIVE,
            retrieve_data: SQL_RD_ON,
            use_bookmarks: SQL_UB_OFF,
            fetch_bookmark_ptr: std::ptr::null(),
            metadata_id: false,
            keyset_size: 0,
            simulate_cursor: 0,
            enable_auto_ipd: 0,
            rowset_size: 1,
        }
    }
}

/// Where a result set's rows come from.
enum Rows {
    /// A query running in the SQL engine, read a batch at a time.
    Stream(ResultStream),
    /// A result built in memory (catalog functions, SQLGetTypeInfo).
    Batches(VecDeque<RecordBatch>),
}

/// An open cursor.
pub struct ResultSet {
    pub schema: SchemaRef,
    pub descs: Vec<SqlTypeDesc>,
    rows: Rows,
    batch: Option<Arc<RecordBatch>>,
    pos: usize,
    /// The rows of the last rowset, for SQLGetData and SQLSetPos.
    pub rowset: Vec<Row>,
    /// SQLSetPos(SQL_POSITION) row within the rowset (0-based).
    pub cursor_row: usize,
    /// SQLGetData progress of the column read last on the current row (going to
    /// another column ends a chunked read, so one slot is all there is to keep; a map
    /// cost two hashes per cell).
    pub getdata: Option<Progress>,
    pub last_getdata_col: usize,
    /// The row number (0-based) of the rowset's first row: SQL_ATTR_ROW_NUMBER and
    /// bookmarks.
    pub rowset_start: u64,
    /// Rows read for a scrollable cursor; `None` for a forward-only one.
    kept: Option<Kept>,
    /// Where a scrollable cursor stands.
    pub position: Position,
    /// Rows handed to the application so far (MaxRows).
    pub delivered: u64,
    pub max_rows: Option<u64>,
    /// The fetch that went past the end already happened.
    pub exhausted: bool,
    /// Set once the first fetch happened (SQLFetch before any row vs after).
    pub fetched_any: bool,
    /// Time limits of each wait for the next batch, fixed when the statement ran.
    limits: Vec<Limit>,
    /// Rows read from the source and when it was opened: the log's row count and
    /// timing when the source ends.
    read: u64,
    opened: std::time::Instant,
}

impl ResultSet {
    fn new(
        schema: SchemaRef,
        rows: Rows,
        mode: WcharMode,
        max_rows: Option<u64>,
        limits: Vec<Limit>,
    ) -> Self {
        let descs = schema.fields().iter().map(|f| describe(f, mode)).collect();
        ResultSet {
            schema,
            descs,
            rows,
            batch: None,
            pos: 0,
            rowset: Vec::new(),
            rowset_start: 0,
            kept: None,
            position: Position::BeforeStart,
            cursor_row: 0,
            getdata: None,
            last_getdata_col: 0,
            delivered: 0,
            max_rows,
            exhausted: false,
            fetched_any: false,
            limits,
            read: 0,
            opened: std::time::Instant::now(),
        }
    }

    pub fn from_stream(
        s: ResultStream,
        mode: WcharMode,
        max_rows: Option<u64>,
        limits: [Limit; 3],
    ) -> Self {
        ResultSet::new(s.schema(), Rows::Stream(s), mode, max_rows, limits.to_vec())
    }

    pub fn from_batches(schema: SchemaRef, batches: Vec<RecordBatch>, mode: WcharMode) -> Self {
        ResultSet::new(
            schema,
            Rows::Batches(batches.into()),
            mode,
            None,
            Vec::new(),
        )
    }

    /// Makes this a static cursor: rows read are kept (up to `limit` bytes) so the
    /// application can scroll back; they are still read from Kintone only as the
    /// application moves forward.
    pub fn scrollable(mut self, scrollable: bool, limit: usize) -> Self {
        if scrollable {
            self.kept = Some(Kept {
                limit,
                ..Kept::default()
            });
        }
        self
    }

    pub fn is_scrollable(&self) -> bool {
        self.kept.is_some()
    }

    /// The next batch from the source, or `None` at its end.
    fn next_batch(&mut self, cancel: &Cancel) -> DResult<Option<RecordBatch>> {
        match &mut self.rows {
            Rows::Batches(q) => Ok(q.pop_front()),
            Rows::Stream(s) => {
                let next = crate::runtime::run(Some(cancel), &self.limits, async {
                    match s.next().await {
                        None => Ok(None),
                        Some(Ok(b)) => Ok(Some(b)),
                        Some(Err(e)) => Err(DriverError::from(e)),
                    }
                });
                match &next {
                    Ok(Some(b)) => self.read += b.num_rows() as u64,
                    Ok(None) => tracing::info!(
                        target: kintone_api::targets::EXEC,
                        rows = self.read,
                        ms = self.opened.elapsed().as_millis() as u64,
                        "result read to its end"
                    ),
                    Err(e) => tracing::error!(
                        target: kintone_api::targets::EXEC,
                        rows = self.read,
                        "error while reading the result: [{}] {}",
                        e.sqlstate,
                        e.message
                    ),
                }
                next
            }
        }
    }

    /// The next row, reading the next batch from Kintone when the current one is used up.
    pub fn next_row(&mut self, cancel: &Cancel) -> DResult<Option<Row>> {
        if self.max_rows.is_some_and(|m| self.delivered >= m) {
            return Ok(None);
        }
        loop {
            if let Some(b) = &self.batch {
                if self.pos < b.num_rows() {
                    let r = (b.clone(), self.pos);
                    self.pos += 1;
                    self.delivered += 1;
                    return Ok(Some(r));
                }
            }
            self.batch = None;
            self.pos = 0;
            match self.next_batch(cancel)? {
                None => return Ok(None),
                Some(b) => self.batch = Some(Arc::new(b)),
            }
        }
    }

    /// Row `n` (0-based) of a scrollable cursor, reading on until it is there; `None`
    /// past the end.
    pub fn kept_row(&mut self, n: u64, cancel: &Cancel) -> DResult<Option<Row>> {
        while self
            .kept
            .as_ref()
            .is_some_and(|k| !k.complete && k.rows <= n)
        {
            self.keep_next(cancel)?;
        }
        Ok(self.kept.as_ref().and_then(|k| k.row(n)))
    }

    /// The number of rows of a scrollable cursor: reads the rest of the result.
    pub fn row_total(&mut self, cancel: &Cancel) -> DResult<u64> {
        while self.kept.as_ref().is_some_and(|k| !k.complete) {
            self.keep_next(cancel)?;
        }
        Ok(self.kept.as_ref().map_or(0, |k| k.rows))
    }

    /// A row this cursor updated, as read back: what later fetches show.
    pub fn replace_row(&mut self, n: u64, row: Row) {
        if let Some(k) = self.kept.as_mut() {
            k.replaced.insert(n, row);
        }
    }

    /// Rows this cursor added, as read back: numbered after the rows kept so far.
    /// Returns the number (0-based) of the first.
    pub fn append_rows(&mut self, batch: RecordBatch) -> Option<u64> {
        let k = self.kept.as_mut()?;
        let first = k.rows;
        if batch.num_rows() > 0 {
            k.starts.push(first);
            k.rows += batch.num_rows() as u64;
            k.bytes = k.bytes.saturating_add(batch.get_array_memory_size());
            k.batches.push(Arc::new(batch));
        }
        Some(first)
    }

    pub fn mark_deleted(&mut self, n: u64) {
        if let Some(k) = self.kept.as_mut() {
            k.deleted.insert(n);
        }
    }

    pub fn is_deleted(&self, n: u64) -> bool {
        self.kept.as_ref().is_some_and(|k| k.deleted.contains(&n))
    }

    fn keep_next(&mut self, cancel: &Cancel) -> DResult<()> {
        let room = match (&self.kept, self.max_rows) {
            (None, _) => return Ok(()),
            (Some(k), _) if k.overflow => return Err(k.overflow_error()),
            (Some(k), Some(m)) => m.saturating_sub(k.rows),
            (Some(_), None) => u64::MAX,
        };
        let next = if room == 0 {
            None
        } else {
            self.next_batch(cancel)?
        };
        let Some(k) = self.kept.as_mut() else {
            return Ok(());
        };
        let Some(mut batch) = next else {
            k.complete = true;
            return Ok(());
        };
        if batch.num_rows() as u64 > room {
            batch = batch.slice(0, room as usize);
        }
        if batch.num_rows() == 0 {
            return Ok(());
        }
        k.bytes = k.bytes.saturating_add(batch.get_array_memory_size());
        if k.bytes > k.limit {
            // The batch is dropped and nothing more is read: the rows kept so far
            // stay readable, and every move past them repeats this error.
            k.overflow = true;
            return Err(k.overflow_error());
        }
        k.starts.push(k.rows);
        k.rows += batch.num_rows() as u64;
        k.batches.push(Arc::new(batch));
        Ok(())
    }
}

/// The rows a scrollable cursor has read, kept for scrolling back.
#[derive(Default)]
struct Kept {
    batches: Vec<Arc<RecordBatch>>,
    /// The row number (0-based) each batch starts at.
    starts: Vec<u64>,
    rows: u64,
    bytes: usize,
    limit: usize,
    /// The source is used up.
    complete: bool,
    /// Reading stopped at the memory bound.
    overflow: bool,
    /// Rows this cursor wrote since reading them, as read back (positioned updates).
    replaced: HashMap<u64, Row>,
    /// Rows this cursor deleted.
    deleted: std::collections::HashSet<u64>,
}

impl Kept {
    fn overflow_error(&self) -> DriverError {
        DriverError::new(
            SHY001,
            format!(
                "a scrollable cursor keeps its rows in memory, and this result needs more than ScrollCacheMB={} MB: use a forward-only cursor, fewer rows or columns, or a larger ScrollCacheMB",
                self.limit / (1024 * 1024)
            ),
        )
    }

    fn row(&self, n: u64) -> Option<Row> {
        if let Some(r) = self.replaced.get(&n) {
            return Some(r.clone());
        }
        let i = self.starts.partition_point(|s| *s <= n).checked_sub(1)?;
        let batch = self.batches.get(i)?;
        let at = usize::try_from(n - self.starts.get(i)?).ok()?;
        (at < batch.num_rows()).then(|| (batch.clone(), at))
    }
}

impl Drop for StmtState {
    fn drop(&mut self) {
        crate::runtime::dispose((
            self.prepared.take(),
            self.result.take(),
            std::mem::take(&mut self.pending),
        ));
    }
}

/// Data-at-execution parameters being collected: SQLExecute answered SQL_NEED_DATA and
/// the application sends values with SQLParamData/SQLPutData.
#[derive(Default)]
pub struct NeedData {
    /// (parameter set, parameter number) still to ask for, in order.
    pub queue: VecDeque<(usize, usize)>,
    /// The parameter SQLPutData sends to now.
    pub current: Option<(usize, usize)>,
    /// Values sent so far, as the application's bytes; `None` is SQL_NULL_DATA.
    pub values: HashMap<(usize, usize), Option<Vec<u8>>>,
}

/// Everything a statement holds between calls.
pub struct StmtState {
    pub wchar: WcharMode,
    pub attrs: StmtAttrs,
    pub ard: Bindings,
    pub apd: Bindings,
    pub prepared: Option<Arc<Prepared>>,
    pub result: Option<ResultSet>,
    /// Further result sets (one per parameter set of a parameter array).
    pub pending: VecDeque<ResultSet>,
    /// SQLRowCount: -1 for queries (the count is not known in advance).
    pub row_count: isize,
    pub cursor_name: String,
    /// Whether the prepared statement was executed (SQLExecute vs describe only).
    pub executed: bool,
    pub need_data: Option<NeedData>,
}

impl StmtState {
    pub fn new(wchar: WcharMode) -> Self {
        StmtState {
            wchar,
            attrs: StmtAttrs::default(),
            ard: Bindings::default(),
            apd: Bindings::default(),
            prepared: None,
            result: None,
            pending: VecDeque::new(),
            row_count: -1,
            cursor_name: String::new(),
            executed: false,
            need_data: None,
        }
    }

    /// Closes the cursor (SQLCloseCursor / SQLFreeStmt(SQL_CLOSE)); keeps the prepared
    /// statement and bindings. Dropping the stream stops its reads (and deletes any
    /// Kintone cursor).
    pub fn close_cursor(&mut self) {
        crate::runtime::dispose((self.result.take(), std::mem::take(&mut self.pending)));
        // SQL_CLOSE also abandons an execution still waiting for parameter data.
        self.need_data = None;
    }

    /// A statement with an open cursor cannot be prepared or run again until the
    /// application closes it (24000), even once every row was read: ODBC's state rules,
    /// which catch an application that lost track of its result.
    pub fn no_open_cursor(&mut self) -> DResult<()> {
        if self.result.is_some() || !self.pending.is_empty() {
            return Err(DriverError::new(
                S24000,
                "a cursor is open on this statement: close it first (SQLCloseCursor, or SQLFreeStmt with SQL_CLOSE)",
            ));
        }
        self.need_data = None;
        Ok(())
    }

    /// Opens a cursor on `r`: a static one, keeping up to `limit` bytes of rows, when
    /// the application asked for a scrollable cursor.
    pub fn open(&mut self, r: ResultSet, limit: usize) {
        self.result = Some(r.scrollable(self.attrs.scrollable(), limit));
    }

    /// Forgets the prepared statement (its plan is dropped off the caller's thread).
    pub fn unprepare(&mut self) {
        crate::runtime::dispose(self.prepared.take());
        self.executed = false;
    }

    /// The columns the application sees: of the open cursor, or of the prepared
    /// statement before it runs.
    pub fn columns(&self) -> Option<(SchemaRef, Vec<SqlTypeDesc>)> {
        if let Some(r) = &self.result {
            return Some((r.schema.clone(), r.descs.clone()));
        }
        self.prepared.as_ref().map(|p| {
            let descs = p
                .schema
                .fields()
                .iter()
                .map(|f| describe(f, self.wchar))
                .collect();
            (p.schema.clone(), descs)
        })
    }
}
