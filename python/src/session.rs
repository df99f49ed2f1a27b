//! `connect`: connection properties → the SQL engine's connection, as the ODBC driver
//! opens one (`driver/src/session.rs`): the same property table and checks
//! (`kintone_sql::properties`), keyring references, the OAuth flows, then the app list.

use std::sync::{Arc, Mutex};

use kintone_sql::properties::{ConnectOptions, Properties};
use kintone_sql::Connection;
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::runtime;

/// What an open connection keeps.
pub struct Session {
    pub sql: Connection,
    /// `Timeout`: the longest one call waits for Kintone (0: no limit).
    pub timeout_secs: u64,
    /// `MaxRows`: the most rows a query returns.
    pub max_rows: Option<u64>,
}

#[pyclass(module = "kintone_odbc._native", name = "Connection", frozen)]
pub struct NativeConnection {
    session: Mutex<Option<Arc<Session>>>,
    /// The properties with secrets masked, for `repr`.
    #[pyo3(get)]
    masked: String,
    /// The keys this package does not know (ignored, as the driver does); the Python
    /// layer warns about them.
    #[pyo3(get)]
    ignored_note: Option<String>,
}

impl NativeConnection {
    pub fn session(&self) -> PyResult<Arc<Session>> {
        let slot = self.session.lock().unwrap_or_else(|e| e.into_inner());
        slot.clone()
            .ok_or_else(|| crate::errors::native("08003", "the connection is closed"))
    }
}

#[pymethods]
impl NativeConnection {
    /// Closes the connection; statements still open keep it alive until they end.
    fn close(&self) {
        let mut slot = self.session.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = slot.take() {
            runtime::dispose(s);
        }
    }

    #[getter]
    fn closed(&self) -> bool {
        self.session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none()
    }

    /// Runs one statement (see [`crate::statement`]).
    #[pyo3(signature = (sql, params))]
    fn execute(
        &self,
        py: Python<'_>,
        sql: String,
        params: Vec<Bound<'_, PyAny>>,
    ) -> PyResult<crate::statement::NativeResult> {
        let values = crate::params::to_scalars(py, &params)?;
        crate::statement::execute(py, self.session()?, sql, vec![values])
    }

    /// Runs one statement once per parameter set: a write sends them together.
    #[pyo3(signature = (sql, sets))]
    fn executemany(
        &self,
        py: Python<'_>,
        sql: String,
        sets: Vec<Vec<Bound<'_, PyAny>>>,
    ) -> PyResult<crate::statement::NativeResult> {
        let values = sets
            .iter()
            .map(|s| crate::params::to_scalars(py, s))
            .collect::<PyResult<Vec<_>>>()?;
        crate::statement::execute(py, self.session()?, sql, values)
    }

    /// Lists the apps and reads their forms anew on next use.
    fn refresh(&self, py: Python<'_>) -> PyResult<()> {
        let s = self.session()?;
        py.detach(|| runtime::run(s.timeout_secs, s.sql.refresh()))
            .map_err(to_py)
    }
}

/// Opens a connection from an ODBC-style connection string (`Url=...;User=...`) and
/// further property pairs, which win over the string's (as connection-string keys win
/// over a DSN's).
#[pyfunction]
#[pyo3(signature = (connection_string, pairs))]
pub fn connect(
    py: Python<'_>,
    connection_string: Option<String>,
    pairs: Vec<(String, String)>,
) -> PyResult<NativeConnection> {
    let mut props = Properties::default();
    if let Some(s) = connection_string {
        let parsed = kintone_sql::properties::parse_pairs(&s, ';').map_err(to_py)?;
        props.extend(parsed).map_err(to_py)?;
    }
    props.extend(pairs).map_err(to_py)?;
    let opts: ConnectOptions = props.build().map_err(to_py)?;
    let masked = props.masked();
    let ignored_note = props.ignored_note();
    let session = py.detach(|| open(opts)).map_err(to_py)?;
    Ok(NativeConnection {
        session: Mutex::new(Some(Arc::new(session))),
        masked,
        ignored_note,
    })
}

fn open(mut opts: ConnectOptions) -> kintone_sql::SqlResult<Session> {
    // OAuth first, bounded by its own sign-in wait alone: a browser sign-in takes as
    // long as the user does, which `Timeout` is not meant to bound.
    let authorized = runtime::run(0, async move {
        kintone_sql::oauth::authorize(&mut opts, kintone_sql::oauth::DEFAULT_SIGN_IN_WAIT)
            .await
            .map(|()| opts)
    })?;
    let settings = authorized.settings.clone();
    let sql = runtime::run(authorized.timeout_secs, Connection::connect(settings))?;
    Ok(Session {
        sql,
        timeout_secs: authorized.timeout_secs,
        max_rows: authorized.max_rows,
    })
}
