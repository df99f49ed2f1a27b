//! SQL over Kintone for the kintone-odbc driver (issue 4, design.md §3-§4).
//!
//! Every app visible to the connection is a table, every subtable a child table; the
//! engine is Apache DataFusion. This crate decides what Kintone computes (projection,
//! exact filters, limits: "pushdown is exact or absent") and computes the rest locally,
//! streaming `RecordBatch`es a page at a time.
//!
//! Section numbers (§n.m) refer to `shared/docs/kintone-rest-api.md`.
//!
//! - [`Connection`]: `connect(settings)`, `prepare(sql)`, `execute(prepared, params)`.
//! - [`catalog`]: tables, columns and the Kintone → Arrow type mapping.
//! - [`pushdown`]: DataFusion filters → Kintone query conditions.
//! - [`scan`]: the `ExecutionPlan` reading pages from Kintone.
//! - [`procedures`]: stored procedures (`EXEC`, `{call}`) and their registry.
//! - [`write`]: INSERT, UPDATE, DELETE and upsert.

pub mod call_threads;
pub mod catalog;
pub mod checked;
pub mod chunks;
pub mod complexity;
pub mod connection;
pub mod decode;
pub mod error;
pub mod escapes;
pub mod guards;
mod idents;
pub mod log_options;
pub mod long_in;
pub mod names;
pub mod oauth;
pub mod page_batch;
pub mod procedures;
pub mod properties;
pub mod property_list;
pub mod provider;
pub mod pushdown;
pub mod scan;
pub mod settings;
pub mod shared_catalog;
pub mod sqltext;
pub mod system;
pub mod views;
pub mod write;

pub use connection::{Connection, Prepared};
pub use error::{SqlError, SqlResult};
pub use settings::Settings;
pub use system::system_table_names;

/// Re-exported so callers (the ODBC driver, tests) use the same Arrow/DataFusion version.
pub use datafusion;
pub use datafusion::arrow;
