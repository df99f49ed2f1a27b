//! SQLGetInfo values, SQLGetFunctions, and the catalog functions' result sets: pure
//! data over the cached catalog, unit-tested without handles.
//!
//! - [`info`]: `get_info(info_type, ctx)`; ids and bitmasks in [`info_ids`].
//! - [`functions`]: the exported-function list behind SQLGetFunctions.
//! - [`catalog`]: SQLTables, SQLColumns, SQLPrimaryKeys, SQLForeignKeys,
//!   SQLStatistics, SQLSpecialColumns, SQLProcedures, SQLProcedureColumns,
//!   SQLTablePrivileges, SQLColumnPrivileges.
//! - [`pattern`]: search patterns and identifier arguments.

pub mod catalog;
pub mod functions;
pub mod info;
pub mod info_ids;
pub mod pattern;

pub use catalog::{Filter, MetaError};
pub use info::{get_info, InfoContext, InfoValue};
