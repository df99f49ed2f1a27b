//! Kintone REST client for the kintone-odbc driver.
//!
//! Section numbers (§n.m) refer to `shared/docs/kintone-rest-api.md`.
//!
//! - [`Client`]: one per connection; cheap to clone.
//! - [`paging`]: reads as streams of pages (`$id` seek, cursor, offset, parallel ranges).
//! - [`values`]: the typed record model.
//! - [`query`]: the query builder (escaping).
//! - [`budget`]: the process-wide per-domain concurrency budget.

// Errors carry the whole Kintone answer inline (status, code, id, message, errors, request
// context) so callers can match on the fields; they are the cold path, so their size does
// not matter for speed.
#![allow(clippy::result_large_err)]

pub mod budget;
pub mod client;
pub mod config;
pub mod endpoints;
pub mod error;
pub mod local_file;
pub mod oauth;
pub mod paging;
pub mod proxy;
pub mod query;
pub mod redact;
pub mod retry;
pub mod rows;
pub mod scan;
pub mod secret;
pub mod targets;
pub mod tls;
pub mod url;
pub mod values;

#[cfg(test)]
mod core_tests;
#[cfg(test)]
mod mock;

pub use client::{Call, Client, Response};
pub use config::{ApiToken, Auth, AuthKind, BasicAuth, ClientCert, ClientConfig, ProxyConfig};
pub use error::{Error, RequestContext, Result, TimeoutLimit};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use values::{Decimal, Entity, FieldValue, FileInfo, Record, SubtableRow};
