//! kintone-sandbox: a local Kintone server faithful enough to test an ODBC driver against.
//!
//! An independent implementation of the protocol in `shared/docs/kintone-rest-api.md`
//! (section numbers in comments refer to it). It depends on none of the project's crates.

pub mod api;
pub mod datafile;
pub mod demo;
pub mod error;
pub mod model;
pub mod query;
pub mod server;

pub use server::state::Sandbox;
pub use server::{start, DomainSource, Options, RunningSandbox, TlsOptions};
