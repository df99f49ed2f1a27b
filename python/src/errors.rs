//! Failures as Python sees them. The engine's errors carry an SQLSTATE; the Python layer
//! (`kintone_odbc/exceptions.py`) turns `NativeError(sqlstate, message)` into the PEP
//! 249 class that state belongs to, with Kintone's error code read from the message.

use kintone_sql::SqlError;
use pyo3::PyErr;

pyo3::create_exception!(_native, NativeError, pyo3::exceptions::PyException);

/// The engine's messages never hold a secret (connection properties are masked where
/// they are quoted), so they go to Python as they are.
pub fn to_py(e: SqlError) -> PyErr {
    NativeError::new_err((e.sqlstate, e.message))
}

/// A failure of the package's own with an SQLSTATE.
pub fn native(sqlstate: &'static str, message: impl Into<String>) -> PyErr {
    to_py(SqlError::new(sqlstate, message))
}
