//! One executed statement: its result's description and rows, read from Kintone a
//! batch at a time as Python asks for them, or the count of rows a write changed.

use std::sync::{Arc, Mutex};

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use futures_util::StreamExt;
use kintone_sql::connection::ResultStream;
use kintone_sql::datafusion::common::ScalarValue;
use kintone_sql::SqlResult;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::errors::to_py;
use crate::runtime;
use crate::session::Session;

/// Rows not yet handed to Python.
pub struct Rows {
    stream: Option<ResultStream>,
    /// The batch being read, and how far.
    batch: Option<RecordBatch>,
    pos: usize,
    /// Rows still allowed by `MaxRows` (`None`: no limit).
    left: Option<u64>,
}

impl Rows {
    /// The next rows of the current batch (at most `want`), reading the next batch from
    /// Kintone when it is used up; `None` at the end.
    fn next_slice(&mut self, timeout_secs: u64, want: usize) -> SqlResult<Option<RecordBatch>> {
        loop {
            if self.left == Some(0) {
                self.finish();
                return Ok(None);
            }
            if let Some(b) = &self.batch {
                if self.pos < b.num_rows() {
                    let mut n = want.min(b.num_rows() - self.pos);
                    if let Some(left) = self.left {
                        n = n.min(usize::try_from(left).unwrap_or(usize::MAX));
                        self.left = Some(left - n as u64);
                    }
                    let s = b.slice(self.pos, n);
                    self.pos += n;
                    return Ok(Some(s));
                }
            }
            self.batch = None;
            self.pos = 0;
            let Some(stream) = self.stream.as_mut() else {
                return Ok(None);
            };
            match runtime::run(timeout_secs, async { stream.next().await.transpose() })? {
                Some(b) => self.batch = Some(b),
                None => self.finish(),
            }
        }
    }

    fn finish(&mut self) {
        self.batch = None;
        if let Some(s) = self.stream.take() {
            runtime::dispose(s);
        }
    }

    /// What is left, for an Arrow export: the rest of the current batch and the stream.
    pub fn take_rest(&mut self) -> (Option<RecordBatch>, Option<ResultStream>, Option<u64>) {
        let first = self.batch.take().and_then(|b| {
            let rest = b.num_rows().saturating_sub(self.pos);
            (rest > 0).then(|| b.slice(self.pos, rest))
        });
        self.pos = 0;
        (first, self.stream.take(), self.left)
    }
}

impl Drop for Rows {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A column as Python's `description` needs it: name, kind, precision, scale, nullable.
type ColumnInfo = (String, &'static str, Option<u8>, Option<i8>, bool);

#[pyclass(module = "kintone_odbc._native", name = "Result", frozen)]
pub struct NativeResult {
    session: Arc<Session>,
    schema: SchemaRef,
    /// Rows a write changed; -1 for a query (PEP 249: not known until read).
    #[pyo3(get)]
    rowcount: i64,
    /// The id of the last record a write added.
    #[pyo3(get)]
    lastrowid: Option<u64>,
    rows: Mutex<Rows>,
}

impl NativeResult {
    fn rows(&self) -> std::sync::MutexGuard<'_, Rows> {
        self.rows.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[pymethods]
impl NativeResult {
    /// One `(name, kind, precision, scale, nullable)` per column; `kind` is what
    /// `crate::values` makes of the column (`decimal`, `datetime`, `str`, ...).
    #[getter]
    fn columns(&self) -> Vec<ColumnInfo> {
        self.schema
            .fields()
            .iter()
            .map(|f| {
                let (precision, scale) = crate::values::precision_scale(f.data_type());
                (
                    f.name().clone(),
                    crate::values::kind(f.data_type()),
                    precision,
                    scale,
                    f.is_nullable(),
                )
            })
            .collect()
    }

    /// Up to `n` rows as tuples (all that are left without `n`); fewer only at the end.
    #[pyo3(signature = (n=None))]
    fn fetch<'py>(&self, py: Python<'py>, n: Option<usize>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        let mut want = n.unwrap_or(usize::MAX);
        let timeout = self.session.timeout_secs;
        let mut guard = self.rows();
        let rows: &mut Rows = &mut guard;
        while want > 0 {
            // The GIL is released while the next page is awaited.
            let slice = py
                .detach(|| rows.next_slice(timeout, want))
                .map_err(to_py)?;
            let Some(slice) = slice else { break };
            want -= slice.num_rows();
            crate::values::append_rows(py, &slice, &out)?;
        }
        Ok(out)
    }

    /// The rows left as an Arrow C stream (`__arrow_c_stream__`, the Arrow PyCapsule
    /// interface): pyarrow, polars and others read the batches without any Python
    /// object per value, one Kintone page at a time.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, pyo3::types::PyCapsule>> {
        // A requested schema is a hint the producer may ignore (the protocol says so).
        let _ = requested_schema;
        let (first, stream, left) = self.rows().take_rest();
        crate::export::stream_capsule(
            py,
            self.schema.clone(),
            first,
            stream,
            left,
            self.session.timeout_secs,
        )
    }

    /// Ends the read: the Kintone cursor, if any, is deleted.
    fn close(&self) {
        self.rows().finish();
    }
}

/// Runs a statement with each parameter set. A query returns rows (with several sets,
/// those of the last); a write sends every set at once (one bulk request where Kintone
/// allows) and reports the rows it changed.
pub fn execute(
    py: Python<'_>,
    session: Arc<Session>,
    sql: String,
    sets: Vec<Vec<ScalarValue>>,
) -> PyResult<NativeResult> {
    let s = session.clone();
    let outcome = py
        .detach(move || {
            runtime::run(s.timeout_secs, async move {
                let p = s.sql.prepare(&sql).await?;
                if p.write().is_some() {
                    let out = s.sql.execute_write(&p, sets).await?;
                    if let Some(e) = out.error {
                        return Err(written_before(e, out.rows));
                    }
                    return Ok(Outcome::Written(out.rows, out.new_ids.last().copied()));
                }
                let mut last = None;
                for params in sets {
                    // Several sets of a query: each runs; the last one's rows are kept.
                    if let Some(old) = last.replace(s.sql.execute(&p, params).await?) {
                        runtime::dispose(old);
                    }
                }
                match last {
                    Some(stream) => Ok(Outcome::Rows(stream)),
                    None => Ok(Outcome::Nothing(p.schema.clone())),
                }
            })
        })
        .map_err(to_py)?;
    let (schema, rows, rowcount, lastrowid) = match outcome {
        Outcome::Rows(stream) => (stream.schema(), Some(stream), -1, None),
        Outcome::Written(n, id) => (
            Arc::new(arrow::datatypes::Schema::empty()),
            None,
            i64::try_from(n).unwrap_or(i64::MAX),
            id,
        ),
        Outcome::Nothing(schema) => (schema, None, 0, None),
    };
    Ok(NativeResult {
        rows: Mutex::new(Rows {
            stream: rows,
            batch: None,
            pos: 0,
            left: session.max_rows,
        }),
        session,
        schema,
        rowcount,
        lastrowid,
    })
}

enum Outcome {
    Rows(ResultStream),
    Written(u64, Option<u64>),
    /// `executemany` with no parameter set: nothing ran.
    Nothing(SchemaRef),
}

/// A write that failed part-way says how many rows landed before it: Kintone has no
/// transactions, so those stay written.
fn written_before(mut e: kintone_sql::SqlError, rows: u64) -> kintone_sql::SqlError {
    if rows > 0 {
        e.message = format!(
            "{} ({rows} row(s) were written before the failure)",
            e.message
        );
    }
    e
}
