//! Safe cores of the ODBC functions, one module per area (mssql-rs's layout). Each
//! public function here is what one export (or one A/W pair, through a generic
//! `Encoding` parameter) calls.

pub mod attrs;
pub mod catalog;
pub mod connect;
pub mod desc;
pub mod diag;
pub mod exec;
pub mod fetch;
pub mod handle;
pub mod info;
pub mod positioned;
pub mod results;
