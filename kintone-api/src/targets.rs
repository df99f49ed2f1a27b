//! The `tracing` targets every layer logs under, one per CData log module (`LogModules`).
//!
//! The driver's log filters by target and level (`Verbosity`), so an event's target
//! says *what* it is about and its level *how much detail* it is:
//!
//! | target | module | INFO | DEBUG | TRACE |
//! |---|---|---|---|---|
//! | [`INFO`] | connections | 1 | 2 | 5 |
//! | [`EXEC`] | statements, row counts, timings | 1 | 2 (Kintone query text) | 5 |
//! | [`FUNC`] | stored procedures | 1 | 2 | 5 |
//! | [`METADATA`] | metadata: catalog loading, catalog functions | 2 | 2 | 4 |
//! | [`HTTP`] | requests and answers, retries, budget waits | 3 | 3 | 4 (headers, bodies) |
//! | [`SSL`] | TLS set-up and certificates | 5 | 5 | 5 |
//! | [`TCP`] | connections to the server | 5 | 5 | 5 |
//!
//! Warnings and errors of any target appear from level 1. The numbers are the lowest
//! `Verbosity` that shows an event; the driver's `log::filter` holds the rule.

/// Connecting, disconnecting, the licence, OAuth sign-ins.
pub const INFO: &str = "kintone::info";
/// Statements: prepare, execute, row counts, timings, errors; the Kintone query text.
pub const EXEC: &str = "kintone::exec";
/// Stored procedures (`{call}`, `EXEC`).
pub const FUNC: &str = "kintone::func";
/// Metadata: reading apps and forms, catalog functions.
/// (Not `META`: the tracing macros name their callsite statics so.)
pub const METADATA: &str = "kintone::meta";
/// HTTP requests and answers.
pub const HTTP: &str = "kintone::http";
/// TLS.
pub const SSL: &str = "kintone::ssl";
/// Transport connections (the peer address an answer came from).
pub const TCP: &str = "kintone::tcp";

/// How many bytes of a body a TRACE event shows: enough for an error answer or the
/// head of a page of records, little enough that a log stays readable.
pub const BODY_LIMIT: usize = 2048;
