//! SQLPrepare, SQLExecute, SQLExecDirect, parameters, SQLNativeSql, SQLCancel,
//! SQLEndTran and cursor names.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::ffi::c_void;
use std::sync::Arc;

use kintone_sql::datafusion::common::ScalarValue;
use kintone_sql::write::{SetOutcome, Verb};
use kintone_sql::Prepared;

use kintone_api::targets::EXEC;

use crate::convert::{c_type_size, read_param, terminated, ConvError};
use crate::diag::{
    DResult, DriverError, S01000, S01004, S01S07, S07002, S07009, S08003, S34000, SHY000, SHY009,
    SHY010, SHY019, SHY020, SHY090, SHY092, SHY105, SHYC00,
};
use crate::encoding::Encoding;
use crate::ffi::{read_str, with_dbc, with_env, with_stmt, write_opt, write_str, LenOut, Units};
use crate::handles::{self, Stmt};
use crate::runtime::Limit;
use crate::session::Session;
use crate::stmt::{element, Binding, NeedData, ResultSet, StmtState};
use crate::sync::lock;
use crate::sys::*;
use crate::types;

pub fn conv_err(e: ConvError) -> DriverError {
    DriverError {
        sqlstate: e.sqlstate.to_string(),
        message: e.message,
        native: 0,
    }
}

pub fn session_of(s: &Stmt) -> DResult<Arc<Session>> {
    let d = s
        .dbc()
        .ok_or_else(|| DriverError::new(S08003, "the connection is not open"))?;
    if d.inherited() {
        return Err(crate::ffi::inherited());
    }
    d.session()
        .ok_or_else(|| DriverError::new(S08003, "the connection is not open"))
}

/// The time limits of a call on this statement (see [`Session::limits`]).
pub fn limits_of(s: &Stmt, session: &Session, query_timeout: usize) -> [Limit; 3] {
    let connection_timeout = s.dbc().map_or(0, |d| lock(&d.attrs).connection_timeout);
    session.limits(query_timeout, connection_timeout)
}

fn prepare_core(s: &Stmt, st: &mut StmtState, sql: &str) -> DResult<()> {
    let session = session_of(s)?;
    st.no_open_cursor()?;
    st.unprepare();
    // A procedure call may carry a token or code as a literal: logged masked.
    tracing::info!(
        target: EXEC,
        "prepare: {}",
        kintone_sql::procedures::redact(sql)
    );
    let started = std::time::Instant::now();
    let limits = limits_of(s, &session, st.attrs.query_timeout);
    let p = crate::runtime::run(Some(&s.cancel), &limits, async {
        session.sql.prepare(sql).await.map_err(DriverError::from)
    })
    .inspect_err(|e| tracing::error!(target: EXEC, "error: [{}] {}", e.sqlstate, e.message))?;
    tracing::debug!(
        target: EXEC,
        "prepared in {} ms",
        started.elapsed().as_millis()
    );
    st.prepared = Some(Arc::new(p));
    Ok(())
}

/// # Safety
/// `text` is valid for `len` characters (or terminated).
pub unsafe fn prepare<E: Encoding>(h: Handle, text: *const c_void, len: i32) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        // SAFETY: per the caller's contract.
        let sql = unsafe { read_str::<E>(text, len, st.wchar)? }
            .ok_or_else(|| DriverError::new(SHY009, "StatementText is NULL"))?;
        prepare_core(s, &mut st, &sql)?;
        Ok(SQL_SUCCESS)
    })
}

/// # Safety
/// `text` is valid for `len` characters (or terminated).
pub unsafe fn exec_direct<E: Encoding>(h: Handle, text: *const c_void, len: i32) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        // SAFETY: per the caller's contract.
        let sql = unsafe { read_str::<E>(text, len, st.wchar)? }
            .ok_or_else(|| DriverError::new(SHY009, "StatementText is NULL"))?;
        prepare_core(s, &mut st, &sql)?;
        execute_core(s, &mut st)
    })
}

pub fn execute(h: Handle) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        execute_core(s, &mut st)
    })
}

/// Where parameter `n` of set `set` lives: its binding, the address of its value (the
/// application's token for a data-at-execution parameter) and its indicator.
fn param_slot(
    st: &StmtState,
    set: usize,
    n: usize,
) -> DResult<(&Binding, *mut c_void, Option<isize>)> {
    let a = &st.attrs;
    let offset = if a.param_bind_offset_ptr.is_null() {
        0
    } else {
        // SAFETY: the application set a valid SQL_ATTR_PARAM_BIND_OFFSET_PTR.
        unsafe { a.param_bind_offset_ptr.read_unaligned() }
    };
    let b: &Binding = st.apd.get(n).ok_or_else(|| {
        DriverError::new(
            S07002,
            format!("parameter {n} is not bound (SQLBindParameter)"),
        )
    })?;
    // Fixed-size C types step by their size: the spec has BufferLength ignored for them
    // (R's odbc and others leave it 0).
    let elem = c_type_size(param_c_type(b)).unwrap_or(b.buffer_len.max(0) as usize);
    let data = element(b.ptr, set, elem, a.param_bind_type, offset);
    let ind_ptr = element(
        b.ind_ptr as *mut c_void,
        set,
        std::mem::size_of::<isize>(),
        a.param_bind_type,
        offset,
    ) as *mut isize;
    let ind = if ind_ptr.is_null() {
        None
    } else {
        // SAFETY: the application bound a valid indicator array.
        Some(unsafe { ind_ptr.read_unaligned() })
    };
    Ok((b, data, ind))
}

pub(crate) fn is_data_at_exec(ind: Option<isize>) -> bool {
    ind.is_some_and(|i| i == SQL_DATA_AT_EXEC || i <= SQL_LEN_DATA_AT_EXEC_OFFSET)
}

/// The C type a parameter's bytes are in (SQL_C_DEFAULT resolved).
fn param_c_type(b: &Binding) -> i16 {
    if b.c_type == SQL_C_DEFAULT {
        types::default_c_type(b.sql_type)
    } else {
        b.c_type
    }
}

/// Parameter values of one set; data-at-execution ones come from `sent`.
fn read_params(
    st: &StmtState,
    set: usize,
    count: usize,
    procedure: bool,
    sent: &HashMap<(usize, usize), Option<Vec<u8>>>,
) -> DResult<Vec<ScalarValue>> {
    let mut out = Vec::with_capacity(count);
    for n in 1..=count {
        let (b, mut data, mut ind) = param_slot(st, set, n)?;
        // SQL_DEFAULT_PARAM: the procedure's default, which an omitted (NULL) value gets.
        if procedure && ind == Some(SQL_DEFAULT_PARAM) {
            out.push(ScalarValue::Null);
            continue;
        }
        let mut buffer_len = b.buffer_len;
        if is_data_at_exec(ind) {
            match sent.get(&(set, n)) {
                Some(None) => ind = Some(SQL_NULL_DATA),
                Some(Some(bytes)) => {
                    data = bytes.as_ptr() as *mut c_void;
                    buffer_len = isize::try_from(bytes.len()).unwrap_or(isize::MAX);
                    ind = Some(buffer_len);
                }
                None => {
                    return Err(DriverError::new(
                        SHY000,
                        format!("parameter {n}: no value was sent with SQLPutData"),
                    ))
                }
            }
        }
        if data.is_null() && ind != Some(SQL_NULL_DATA) {
            return Err(DriverError::new(
                SHY009,
                format!("parameter {n} has no data pointer and is not NULL"),
            ));
        }
        // SAFETY: the application bound a buffer of this C type and length, or
        // SQLPutData collected one (checked there to hold a whole fixed-size value).
        let v = unsafe {
            read_param(
                b.c_type,
                b.sql_type,
                b.column_size,
                b.decimal_digits,
                data,
                buffer_len,
                ind,
                st.wchar,
            )
        }
        .map_err(|e| {
            let mut d = conv_err(e);
            d.message = format!("parameter {n}: {}", d.message);
            d
        })?;
        out.push(v);
    }
    Ok(out)
}

fn execute_core(s: &Stmt, st: &mut StmtState) -> DResult<SqlReturn> {
    if st.need_data.is_some() {
        return Err(need_data_pending());
    }
    let prepared = st.prepared.clone().ok_or_else(|| {
        DriverError::new(
            SHY010,
            "no statement is prepared (SQLPrepare before SQLExecute)",
        )
    })?;
    st.no_open_cursor()?;
    let sets = param_sets(st, &prepared);
    let mut queue = VecDeque::new();
    for set in 0..sets {
        for n in 1..=prepared.param_count {
            if is_data_at_exec(param_slot(st, set, n)?.2) {
                queue.push_back((set, n));
            }
        }
    }
    if !queue.is_empty() {
        st.need_data = Some(NeedData {
            queue,
            ..NeedData::default()
        });
        return Ok(SQL_NEED_DATA);
    }
    run(s, st, &prepared, &HashMap::new())
}

fn need_data_pending() -> DriverError {
    DriverError::new(
        SHY010,
        "data-at-execution parameters are still being sent: finish with SQLParamData/SQLPutData, or SQLCancel",
    )
}

/// How many times the statement runs: once per parameter set, and once when it has no
/// parameters whatever SQL_ATTR_PARAMSET_SIZE says.
fn param_sets(st: &StmtState, prepared: &Prepared) -> usize {
    if prepared.param_count == 0 {
        1
    } else {
        st.attrs.paramset_size.max(1)
    }
}

/// Runs every parameter set and keeps the result sets.
fn run(
    s: &Stmt,
    st: &mut StmtState,
    prepared: &Arc<Prepared>,
    sent: &HashMap<(usize, usize), Option<Vec<u8>>>,
) -> DResult<SqlReturn> {
    let session = session_of(s)?;
    if prepared.write().is_some() {
        return run_write(s, st, prepared, sent, &session);
    }
    let sets = param_sets(st, prepared);
    let max_rows = match (st.attrs.max_rows, session.opts.max_rows) {
        (0, m) => m,
        (n, Some(m)) => Some((n as u64).min(m)),
        (n, None) => Some(n as u64),
    };
    let limits = limits_of(s, &session, st.attrs.query_timeout);
    // Not sized by `sets`: it is the application's number, and each set may fail.
    let mut results = Vec::new();
    let started = std::time::Instant::now();
    for set in 0..sets {
        let params = match read_params(
            st,
            set,
            prepared.param_count,
            prepared.procedure().is_some(),
            sent,
        ) {
            Ok(p) => p,
            Err(e) => {
                mark_param_status(st, set, SQL_PARAM_ERROR);
                return Err(e);
            }
        };
        let sql = &session.sql;
        let p = prepared.clone();
        let stream = crate::runtime::run(Some(&s.cancel), &limits, async move {
            sql.execute(&p, params).await.map_err(DriverError::from)
        })
        .inspect_err(|e| tracing::error!(target: EXEC, "error: [{}] {}", e.sqlstate, e.message))?;
        let r = ResultSet::from_stream(stream, st.wchar, max_rows, limits);
        results.push(r.scrollable(st.attrs.scrollable(), session.opts.scroll_cache_bytes()));
        mark_param_status(st, set, SQL_PARAM_SUCCESS);
    }
    // SAFETY: the application set a valid SQL_ATTR_PARAMS_PROCESSED_PTR (or NULL).
    unsafe { write_opt(st.attrs.params_processed_ptr, sets) };
    tracing::info!(
        target: EXEC,
        "executed in {} ms",
        started.elapsed().as_millis()
    );
    let mut results = results.into_iter();
    st.result = results.next();
    st.pending = results.collect();
    st.row_count = -1;
    st.executed = true;
    Ok(SQL_SUCCESS)
}

/// INSERT, UPDATE, DELETE: every parameter set goes to the SQL layer at once, so up to
/// 2,000 rows are one atomic unit. Each set's status says what happened to it; the row
/// count is what landed.
///
/// A write is not run under SQLCancel or the query timeout: dropping it part-way would
/// leave rows in an unknown state. Each request is still bounded by the connection's
/// `Timeout`, and a lost answer is reported as such.
fn run_write(
    s: &Stmt,
    st: &mut StmtState,
    prepared: &Arc<Prepared>,
    sent: &HashMap<(usize, usize), Option<Vec<u8>>>,
    session: &Session,
) -> DResult<SqlReturn> {
    let sets = param_sets(st, prepared);
    let mut values = Vec::with_capacity(sets.min(MAX_PREALLOCATED_SETS));
    for set in 0..sets {
        match read_params(st, set, prepared.param_count, false, sent) {
            Ok(p) => values.push(p),
            Err(mut e) => {
                // Nothing is sent when a set cannot even be read.
                mark_param_status(st, set, SQL_PARAM_ERROR);
                for rest in (0..sets).filter(|i| *i != set) {
                    mark_param_status(st, rest, SQL_PARAM_UNUSED);
                }
                if sets > 1 {
                    e.message = format!("parameter set {}: {}", set + 1, e.message);
                }
                tracing::error!(target: EXEC, "error: [{}] {}", e.sqlstate, e.message);
                return Err(e);
            }
        }
    }
    let sql = &session.sql;
    let started = std::time::Instant::now();
    let out = crate::runtime::run(None, &[], async move {
        sql.execute_write(prepared, values)
            .await
            .map_err(DriverError::from)
    })?;
    let mut processed = 0;
    for (set, outcome) in out.sets.iter().enumerate() {
        let status = match outcome {
            SetOutcome::Done => SQL_PARAM_SUCCESS,
            SetOutcome::Failed | SetOutcome::Unknown => SQL_PARAM_ERROR,
            SetOutcome::NotRun => SQL_PARAM_UNUSED,
        };
        if *outcome != SetOutcome::NotRun {
            processed += 1;
        }
        mark_param_status(st, set, status);
    }
    // SAFETY: the application set a valid SQL_ATTR_PARAMS_PROCESSED_PTR (or NULL).
    unsafe { write_opt(st.attrs.params_processed_ptr, processed) };
    st.result = None;
    st.pending = VecDeque::new();
    st.row_count = isize::try_from(out.rows).unwrap_or(isize::MAX);
    st.executed = true;
    session
        .written_since_end_tran
        .fetch_add(out.rows, std::sync::atomic::Ordering::SeqCst);
    tracing::info!(
        target: EXEC,
        "wrote {} row(s) in {} ms",
        out.rows,
        started.elapsed().as_millis()
    );
    if let Some(e) = out.error {
        tracing::error!(target: EXEC, "error: [{}] {}", e.sqlstate, e.message);
        let e = DriverError::from(e);
        if out.rows > 0 {
            // The error comes first; this record says what landed before it.
            let mut d = s.diag.lock();
            d.post(&e);
            d.warn(
                S01000,
                format!(
                    "{} row(s) were written before the failure and stay written",
                    out.rows
                ),
            );
            drop(d);
            return Ok(SQL_ERROR);
        }
        return Err(e);
    }
    for (column, n) in &out.truncated {
        s.diag.lock().warn(
            S01S07,
            format!(
                "column \"{column}\": {n} value(s) had seconds, which Kintone does not keep; stored to the minute"
            ),
        );
    }
    // ODBC: a searched UPDATE or DELETE that affects no row returns SQL_NO_DATA.
    if out.rows == 0 && matches!(prepared.write(), Some(Verb::Update | Verb::Delete)) {
        return Ok(SQL_NO_DATA);
    }
    Ok(SQL_SUCCESS)
}

/// Parameter sets are read before anything is sent; this many are preallocated (the
/// application's PARAMSET_SIZE is its own number and may be large).
const MAX_PREALLOCATED_SETS: usize = 4096;

fn mark_param_status(st: &StmtState, set: usize, status: u16) {
    let p = st.attrs.param_status_ptr;
    if !p.is_null() {
        // SAFETY: the status array has PARAMSET_SIZE elements.
        unsafe { p.add(set).write_unaligned(status) };
    }
}

/// # Safety
/// Output pointers are null or writable.
pub unsafe fn num_params(h: Handle, out: *mut i16) -> SqlReturn {
    with_stmt(h, |s| {
        let st = lock(&s.state);
        let p = st
            .prepared
            .as_ref()
            .ok_or_else(|| DriverError::new(SHY010, "no statement is prepared"))?;
        // SAFETY: per the caller's contract.
        unsafe { write_opt(out, i16::try_from(p.param_count).unwrap_or(i16::MAX)) };
        Ok(SQL_SUCCESS)
    })
}

/// # Safety
/// Output pointers are null or writable.
pub unsafe fn describe_param(
    h: Handle,
    n: u16,
    sql_type: *mut i16,
    size: *mut usize,
    digits: *mut i16,
    nullable: *mut i16,
) -> SqlReturn {
    with_stmt(h, |s| {
        let st = lock(&s.state);
        let p = st
            .prepared
            .as_ref()
            .ok_or_else(|| DriverError::new(SHY010, "no statement is prepared"))?;
        let n = n as usize;
        if n == 0 || n > p.param_count {
            return Err(DriverError::new(
                S07009,
                format!(
                    "parameter {n} does not exist (the statement has {})",
                    p.param_count
                ),
            ));
        }
        let d = types::describe_param(p.param_types.get(n - 1).and_then(|t| t.as_ref()), st.wchar);
        // SAFETY: per the caller's contract.
        unsafe {
            write_opt(sql_type, d.sql_type);
            write_opt(size, d.column_size);
            write_opt(digits, d.decimal_digits);
            write_opt(nullable, SQL_NULLABLE);
        }
        Ok(SQL_SUCCESS)
    })
}

#[allow(clippy::too_many_arguments)]
pub fn bind_parameter(
    h: Handle,
    n: u16,
    io_type: i16,
    c_type: i16,
    sql_type: i16,
    column_size: usize,
    digits: i16,
    ptr: *mut c_void,
    buffer_len: isize,
    ind: *mut isize,
) -> SqlReturn {
    with_stmt(h, |s| {
        if n == 0 {
            return Err(DriverError::new(S07009, "parameters are numbered from 1"));
        }
        if io_type != SQL_PARAM_INPUT {
            return Err(DriverError::new(
                SHY105,
                "only input parameters exist (no procedures return values)",
            ));
        }
        if buffer_len < 0 {
            return Err(DriverError::new(
                SHY090,
                format!("BufferLength {buffer_len} is negative"),
            ));
        }
        if !crate::convert::is_c_type(c_type) {
            return Err(DriverError::new(
                crate::diag::SHY003,
                format!("ValueType {c_type} is not a C data type"),
            ));
        }
        let mut st = lock(&s.state);
        let b = st.apd.get_mut_or_default(n as usize).ok_or_else(|| {
            DriverError::new(crate::diag::SHY001, "cannot grow the parameter list")
        })?;
        *b = Binding {
            c_type,
            ptr,
            buffer_len,
            ind_ptr: ind,
            octet_len_ptr: ind,
            io_type,
            sql_type,
            column_size,
            decimal_digits: digits,
            ..Binding::default()
        };
        Ok(SQL_SUCCESS)
    })
}

/// # Safety
/// `value` is null or writable.
pub unsafe fn param_data(h: Handle, value: *mut *mut c_void) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        let mut nd = st
            .need_data
            .take()
            .ok_or_else(|| DriverError::new(SHY010, "no data-at-execution parameter is pending"))?;
        if let Some((set, n)) = nd.current.take() {
            // Nothing sent for a character or binary parameter is an empty value;
            // a fixed-size one needs its value.
            if let Entry::Vacant(e) = nd.values.entry((set, n)) {
                let (b, _, _) = param_slot(&st, set, n)?;
                if c_type_size(param_c_type(b)).is_some() {
                    return Err(DriverError::new(
                        SHY000,
                        format!("parameter {n}: no value was sent with SQLPutData"),
                    ));
                }
                e.insert(Some(Vec::new()));
            }
        }
        match nd.queue.pop_front() {
            Some((set, n)) => {
                let (_, token, _) = param_slot(&st, set, n)?;
                // SAFETY: per the caller's contract.
                unsafe { write_opt(value, token) };
                nd.current = Some((set, n));
                st.need_data = Some(nd);
                Ok(SQL_NEED_DATA)
            }
            None => {
                let prepared = st
                    .prepared
                    .clone()
                    .ok_or_else(|| DriverError::new(SHY010, "no statement is prepared"))?;
                run(s, &mut st, &prepared, &nd.values)
            }
        }
    })
}

/// # Safety
/// `data` is valid for `len` bytes (or terminated, or the C type's size).
pub unsafe fn put_data(h: Handle, data: *mut c_void, len: isize) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        let width = st.wchar.width();
        let (set, n) = st
            .need_data
            .as_ref()
            .and_then(|nd| nd.current)
            .ok_or_else(|| {
                DriverError::new(
                    SHY010,
                    "no parameter is waiting for data (SQLParamData names the next one)",
                )
            })?;
        let c_type = param_c_type(param_slot(&st, set, n)?.0);
        let nd = st
            .need_data
            .as_mut()
            .ok_or_else(|| DriverError::new(SHY010, "no data-at-execution parameter is pending"))?;
        let slot = nd.values.get(&(set, n));
        if len == SQL_NULL_DATA {
            if slot.is_some() {
                return Err(DriverError::new(
                    SHY020,
                    format!("parameter {n}: SQL_NULL_DATA after data was sent"),
                ));
            }
            nd.values.insert((set, n), None);
            return Ok(SQL_SUCCESS);
        }
        if matches!(slot, Some(None)) {
            return Err(DriverError::new(
                SHY020,
                format!("parameter {n}: data after SQL_NULL_DATA"),
            ));
        }
        // Bytes to take (`None`: up to the terminator) and the terminator's width.
        let (known, unit) = match (c_type_size(c_type), c_type) {
            (Some(_), _) if slot.is_some() => {
                return Err(DriverError::new(
                    SHY019,
                    format!("parameter {n}: a fixed-size value cannot be sent in pieces"),
                ))
            }
            // The length is ignored for fixed-size types: the value is the whole struct.
            (Some(size), _) => (Some(size), 1),
            (None, SQL_C_CHAR) if len == SQL_NTSL => (None, 1),
            (None, SQL_C_WCHAR) if len == SQL_NTSL => (None, width),
            (None, SQL_C_CHAR | SQL_C_WCHAR | SQL_C_BINARY) => {
                let n = usize::try_from(len).map_err(|_| {
                    DriverError::new(SHY090, format!("StrLen_or_Ind {len} is not a length"))
                })?;
                (Some(n), 1)
            }
            (None, other) => {
                return Err(DriverError::new(
                    SHYC00,
                    format!("parameter {n}: C type {other} cannot be sent at execution time"),
                ))
            }
        };
        let bytes = match known {
            Some(0) => Vec::new(),
            _ if data.is_null() => return Err(DriverError::new(SHY009, "DataPtr is NULL")),
            // SAFETY: `data` holds `known` bytes, or a terminated string, per the
            // caller's contract.
            _ => unsafe { terminated(data as *const u8, known, None, unit) },
        };
        nd.values
            .entry((set, n))
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .extend(bytes);
        Ok(SQL_SUCCESS)
    })
}

/// # Safety
/// Buffers are null or valid for their lengths (in characters).
pub unsafe fn native_sql<E: Encoding>(
    h: Handle,
    input: *const c_void,
    in_len: i32,
    out: *mut c_void,
    out_max: i32,
    out_len: *mut i32,
) -> SqlReturn {
    with_dbc(h, |d| {
        let mode = d.wchar();
        // SAFETY: per the caller's contract.
        let sql = unsafe { read_str::<E>(input, in_len, mode)? }
            .ok_or_else(|| DriverError::new(SHY009, "InStatementText is NULL"))?;
        let native = kintone_sql::sqltext::rewrite(&sql)?.sql;
        // SAFETY: per the caller's contract.
        if unsafe {
            write_str::<E>(
                &native,
                out,
                out_max as isize,
                LenOut::I32(out_len),
                Units::Chars,
                mode,
            )?
        } {
            d.diag.lock().warn(S01004, "");
        }
        Ok(SQL_SUCCESS)
    })
}

/// SQLCancel may come from another thread while the statement's own call waits for
/// Kintone: it only signals, never takes the statement's lock.
pub fn cancel(h: Handle) -> SqlReturn {
    crate::ffi::guard(|| match handles::stmt(h) {
        Some(s) => {
            s.cancel.cancel();
            // An execution waiting for parameter data is abandoned (a running one
            // holds the lock and is interrupted through the token instead).
            if let Ok(mut st) = s.state.try_lock() {
                st.need_data = None;
            }
            SQL_SUCCESS
        }
        None => SQL_INVALID_HANDLE,
    })
}

/// There are no transactions (the data source is read-only): COMMIT and ROLLBACK
/// succeed with nothing to do, in either autocommit mode.
pub fn end_tran(kind: i16, h: Handle, completion: i16) -> SqlReturn {
    let check = |_: ()| -> DResult<SqlReturn> {
        if completion != SQL_COMMIT && completion != SQL_ROLLBACK {
            return Err(DriverError::new(
                crate::diag::SHY012,
                format!("CompletionType {completion} is not SQL_COMMIT or SQL_ROLLBACK"),
            ));
        }
        Ok(SQL_SUCCESS)
    };
    match kind {
        SQL_HANDLE_ENV => with_env(h, |_| check(())),
        SQL_HANDLE_DBC => with_dbc(h, |d| {
            let rc = check(())?;
            let written = d.session().map_or(0, |s| {
                s.written_since_end_tran
                    .swap(0, std::sync::atomic::Ordering::SeqCst)
            });
            if completion == SQL_ROLLBACK && written > 0 {
                d.diag.lock().warn(
                    crate::diag::S01000,
                    format!(
                        "Kintone has no transactions: the {written} row(s) written since the last commit were committed as each statement ran, and ROLLBACK cannot undo them"
                    ),
                );
            }
            Ok(rc)
        }),
        _ => crate::ffi::guard(|| match handles::kind_of(h) {
            Some(handles::Kind::Stmt) => with_stmt(h, |_| {
                Err(DriverError::new(
                    SHY092,
                    "SQLEndTran takes an environment or connection handle",
                ))
            }),
            _ => SQL_INVALID_HANDLE,
        }),
    }
}

pub fn transact(env: Handle, dbc: Handle, completion: u16) -> SqlReturn {
    if !dbc.is_null() {
        end_tran(SQL_HANDLE_DBC, dbc, completion as i16)
    } else {
        end_tran(SQL_HANDLE_ENV, env, completion as i16)
    }
}

/// # Safety
/// Buffers are null or valid for their lengths (in characters).
pub unsafe fn get_cursor_name<E: Encoding>(
    h: Handle,
    out: *mut c_void,
    max: i16,
    out_len: *mut i16,
) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        if st.cursor_name.is_empty() {
            st.cursor_name = format!("SQL_CUR{:x}", h as usize);
        }
        // SAFETY: per the caller's contract.
        if unsafe {
            write_str::<E>(
                &st.cursor_name,
                out,
                max as isize,
                LenOut::I16(out_len),
                Units::Chars,
                st.wchar,
            )?
        } {
            s.diag.lock().warn(S01004, "");
        }
        Ok(SQL_SUCCESS)
    })
}

/// # Safety
/// `name` is valid for `len` characters (or terminated).
pub unsafe fn set_cursor_name<E: Encoding>(h: Handle, name: *const c_void, len: i16) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        // SAFETY: per the caller's contract.
        let n = unsafe { read_str::<E>(name, len as i32, st.wchar)? }
            .ok_or_else(|| DriverError::new(SHY009, "CursorName is NULL"))?;
        if n.is_empty() || n.len() > 128 || n.to_ascii_uppercase().starts_with("SQL_CUR") {
            return Err(DriverError::new(
                S34000,
                format!("'{n}' is not a valid cursor name"),
            ));
        }
        st.cursor_name = n;
        Ok(SQL_SUCCESS)
    })
}
