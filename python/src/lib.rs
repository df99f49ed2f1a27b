//! `kintone_odbc._native`: the SQL engine (`kintone-sql`) for Python, without a driver
//! manager. The DB-API 2.0 surface, the exception classes and the SQLAlchemy dialect are
//! Python (`python/kintone_odbc/`); this module connects, runs statements and hands rows
//! over as Python values or as Arrow batches.

mod errors;
mod export;
mod params;
mod runtime;
mod session;
mod statement;
mod values;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(session::connect, m)?)?;
    m.add_class::<session::NativeConnection>()?;
    m.add_class::<statement::NativeResult>()?;
    m.add("NativeError", m.py().get_type::<errors::NativeError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
