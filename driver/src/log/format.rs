//! One line per event: `time [verbosity] MODULE spans: message fields`, e.g.
//!
//! ```text
//! 2026-12-04T14:13:04.123Z [3] HTTP stmt{h=0x5581..}:request{method=GET api=records app=Some(1)}: answer status=200 bytes=5120 ms=12
//! ```
//!
//! The verbosity is the lowest level that shows the line and the module is CData's
//! name (`LogModules`), so a support engineer can grep for either.

use std::fmt;

use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

use super::filter::{module_of, verbosity_of};

pub struct Line;

impl<S, N> FormatEvent<S, N> for Line
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
        let level = verbosity_of(meta).unwrap_or(5);
        write!(w, "{now} [{level}] {} ", module_of(meta.target()))?;
        if *meta.level() <= tracing::Level::WARN {
            write!(w, "{} ", meta.level())?;
        }
        if let Some(scope) = ctx.event_scope() {
            let mut any = false;
            for span in scope.from_root() {
                write!(w, "{}", span.name())?;
                let ext = span.extensions();
                if let Some(fields) = ext.get::<FormattedFields<N>>() {
                    if !fields.is_empty() {
                        write!(w, "{{{fields}}}")?;
                    }
                }
                w.write_str(":")?;
                any = true;
            }
            if any {
                w.write_str(" ")?;
            }
        }
        ctx.field_format().format_fields(w.by_ref(), event)?;
        writeln!(w)
    }
}
