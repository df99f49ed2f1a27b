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
use std::sync::OnceLock;

use tracing::dispatcher::DefaultGuard;
use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
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
    /// The span a statement's calls run in: its events read `stmt{h=0x..}`, the address
    /// a driver manager's trace shows for the handle too. Made once per statement and
    /// entered by each call: made per call, the formatting of its field cost every
    /// `SQLGetData` of every cell a third of a read at 0 ms latency.
    pub fn statement_span(&self, h: usize) -> tracing::Span {
        tracing::dispatcher::with_default(&self.dispatch, || {
            tracing::info_span!(
                target: kintone_api::targets::EXEC,
                parent: None,
                "stmt",
                h = ?(h as *const ())
            )
        })
    }

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

/// A subscriber that is never current and only keeps `tracing`'s callsite cache open.
/// The cache is process-wide: a callsite first met while no connection had a log was
/// cached as "never", and when that happened during another connection's `Log::open`
/// (the registration racing the cache rebuild) it stayed "never", so a log intermittently
/// lacked whole statements. Registered once, before the driver's first event, it makes
/// every callsite ask the current subscriber (a log, or none) at each event instead.
struct Undecided;

impl tracing::Subscriber for Undecided {
    fn register_callsite(&self, _: &'static tracing::Metadata<'static>) -> Interest {
        Interest::sometimes()
    }
    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::TRACE)
    }
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        false
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Registers [`Undecided`] (once per process). Called when the application allocates
/// its environment, before any of the driver's events.
pub fn keep_callsites_undecided() {
    static UNDECIDED: OnceLock<Dispatch> = OnceLock::new();
    UNDECIDED.get_or_init(|| Dispatch::new(Undecided));
}

/// Makes `log` the current thread's subscriber until the guard is dropped (nothing
/// changes for `None`).
pub fn enter(log: Option<&Log>) -> Option<DefaultGuard> {
    log.map(|l| tracing::dispatcher::set_default(&l.dispatch))
}
