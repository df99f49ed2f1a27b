//! Results as an Arrow C stream (the Arrow PyCapsule interface): pyarrow takes the
//! batches as they are, and asks for the next only when it needs it, so a large read
//! holds one Kintone page at a time.

use std::ffi::CString;

use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::ffi_stream::FFI_ArrowArrayStream;
use arrow::record_batch::{RecordBatch, RecordBatchReader};
use futures_util::StreamExt;
use kintone_sql::connection::ResultStream;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::runtime;

struct Batches {
    schema: SchemaRef,
    first: Option<RecordBatch>,
    stream: Option<ResultStream>,
    /// Rows still allowed by `MaxRows`.
    left: Option<u64>,
    timeout_secs: u64,
}

impl Batches {
    fn cap(&mut self, b: RecordBatch) -> RecordBatch {
        match self.left {
            None => b,
            Some(left) => {
                let n = b
                    .num_rows()
                    .min(usize::try_from(left).unwrap_or(usize::MAX));
                self.left = Some(left - n as u64);
                b.slice(0, n)
            }
        }
    }
}

impl Iterator for Batches {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == Some(0) {
            self.stop();
            return None;
        }
        if let Some(b) = self.first.take() {
            return Some(Ok(self.cap(b)));
        }
        let stream = self.stream.as_mut()?;
        // Called from pyarrow's reading thread, which has released the GIL.
        let next = runtime::run(self.timeout_secs, async { stream.next().await.transpose() });
        match next {
            Ok(Some(b)) => Some(Ok(self.cap(b))),
            Ok(None) => {
                self.stop();
                None
            }
            Err(e) => {
                self.stop();
                // The SQLSTATE leads the text ("[08S01] ..."): the Python layer raises
                // the PEP 249 class from it.
                Some(Err(ArrowError::ExternalError(Box::new(e))))
            }
        }
    }
}

impl Batches {
    fn stop(&mut self) {
        if let Some(s) = self.stream.take() {
            runtime::dispose(s);
        }
    }
}

impl Drop for Batches {
    fn drop(&mut self) {
        self.stop();
    }
}

impl RecordBatchReader for Batches {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

pub fn stream_capsule<'py>(
    py: Python<'py>,
    schema: SchemaRef,
    first: Option<RecordBatch>,
    stream: Option<ResultStream>,
    left: Option<u64>,
    timeout_secs: u64,
) -> PyResult<Bound<'py, PyCapsule>> {
    let reader = Batches {
        schema,
        first,
        stream,
        left,
        timeout_secs,
    };
    let ffi = FFI_ArrowArrayStream::new(Box::new(reader));
    // The name the protocol requires; a consumer moves the stream out and leaves a
    // released one behind, which the capsule then drops as a no-op.
    let name = CString::new("arrow_array_stream")
        .map_err(|e| crate::errors::native("HY000", e.to_string()))?;
    PyCapsule::new(py, ffi, Some(name))
}
