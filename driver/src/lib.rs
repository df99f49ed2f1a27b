//! kintone-odbc: the ODBC driver (`libkintoneodbc.so` / `.dylib`), issue 5.
//!
//! Layers, outside in (design.md §5, notes §5):
//! - [`exports`]: the only file with `#[no_mangle]`; every `SQL*` export is one line
//!   calling a guarded shim.
//! - [`ffi`]: `catch_unwind` around every entry, handle checks, out-parameter writes.
//! - [`api`]: one module per ODBC function area (handles, connect, attributes,
//!   execute, results, fetch, descriptors, diagnostics, info, catalog): safe cores
//!   over [`handles`], [`stmt`] and [`session`].
//! - [`convert`], [`types`], [`metadata`]: Arrow values ⇄ C buffers, SQL type
//!   descriptions, GetInfo/GetFunctions/catalog result sets.
//! - [`handles`] over [`stmt`] and [`session`], which run their waits through
//!   [`runtime`] (the driver's threads, time limits, cancellation); [`log`] and [`sync`]
//!   are leaves. Nothing below `handles` imports it back.
//!
//! Under it sits the `kintone-sql` crate (DataFusion over Kintone).

/// mimalloc rather than the host's malloc: reads allocate and free per record and per
/// cell on several threads, where glibc's arenas showed as a fifth of a scan's CPU
/// (issue 15, P2). Memory the driver allocates never crosses the C API to be freed by
/// the application, or the other way round, so the two heaps never meet.
#[global_allocator]
static HEAP: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod api;
pub mod convert;
pub mod diag;
pub mod dsn;
pub mod encoding;
pub mod exports;
pub mod ffi;
pub mod handles;
pub mod log;
pub mod metadata;
pub mod runtime;
pub mod scroll;
pub mod session;
pub mod stmt;
pub mod sync;
pub mod sys;
pub mod types;
