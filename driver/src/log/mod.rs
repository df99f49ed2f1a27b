//! The connection's log (`Logfile`, `Verbosity`, `LogModules`, `MaxLogFileSize`,
//! `MaxLogFileCount`; peers-and-bi-tools.md §1.2), made of `tracing` events.
//!
//! Every layer logs through `tracing` under the targets of `kintone_api::targets`. A
//! connection with a `Logfile` gets a subscriber of its own (a [`Log`]): no process-wide
//! subscriber is installed, because the application (or another connection) may log
//! elsewhere. Events reach a connection's log when its subscriber is the current one:
//!
//! - on the application's thread, for the length of each ODBC call on the connection
//!   or one of its statements ([`enter`], from `ffi`);
//! - on the thread a call's work runs on (`runtime::block_on` carries the caller's
//!   subscriber and span over);
//! - in tasks of the runtime's workers, through the client, which runs each request
//!   with the connection's subscriber (`kintone_api::ClientConfig::log`).
//!
//! Secrets are masked where events are made (kintone_api's `redact`), at every level.
//! Without a `Logfile` no subscriber exists and an event costs a relaxed load.

mod file;
mod filter;
mod format;

use std::path::Path;

use tracing::dispatcher::DefaultGuard;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt;

pub use filter::Filter;

/// One connection's log: a subscriber writing to its file. Cheap to clone.
#[derive(Clone)]
pub struct Log {
    dispatch: Dispatch,
}

/// What the connection properties say about the log.
pub struct Settings<'a> {
    pub path: &'a Path,
    pub verbosity: u8,
    pub modules: Option<&'a [&'static str]>,
    pub max_file_size: u64,
    pub max_file_count: Option<u32>,
}

impl Log {
    /// Opens (or creates) the file, readable by its owner only, and the subscriber.
    /// Connections of this process that name the same file share it and its rotation.
    pub fn open(s: &Settings<'_>) -> std::io::Result<Log> {
        let file = file::LogFile::open(s.path, s.max_file_size, s.max_file_count)?;
        let filter = Filter::new(s.verbosity, s.modules);
        let layer = tracing_subscriber::fmt::layer()
            .event_format(format::Line)
            .with_writer(file::Shared(file));
        let subscriber = tracing_subscriber::registry().with(filter).with(layer);
        Ok(Log {
            dispatch: Dispatch::new(subscriber),
        })
    }

    pub fn dispatch(&self) -> &Dispatch {
        &self.dispatch
    }
}

/// Makes `log` the current thread's subscriber until the guard is dropped (nothing
/// changes for `None`).
pub fn enter(log: Option<&Log>) -> Option<DefaultGuard> {
    log.map(|l| tracing::dispatcher::set_default(&l.dispatch))
}
