//! Which events a log shows: the rule of `Verbosity` (the table in
//! `kintone_api::targets`) and `LogModules`.

use kintone_api::targets::{EXEC, FUNC, HTTP, INFO, METADATA, SSL, TCP};
use tracing::level_filters::LevelFilter;
use tracing::{Level, Metadata};
use tracing_subscriber::layer::Context;

/// The CData module an event belongs to, from its target. Events of our crates made
/// without an explicit target (module paths) are placed by crate; anything else
/// (libraries) counts as `TCP`, the lowest layer.
pub fn module_of(target: &str) -> &'static str {
    const NAMED: [(&str, &str); 7] = [
        (INFO, "INFO"),
        (EXEC, "EXEC"),
        (FUNC, "FUNC"),
        (METADATA, "META"),
        (HTTP, "HTTP"),
        (SSL, "SSL"),
        (TCP, "TCP"),
    ];
    if let Some((_, m)) = NAMED.iter().find(|(t, _)| *t == target) {
        return m;
    }
    if target.starts_with("kintone_api::tls") {
        "SSL"
    } else if target.starts_with("kintone_sql::catalog") {
        "META"
    } else if target.starts_with("kintone_api::paging") || target.starts_with("kintone_sql") {
        "EXEC"
    } else if target.starts_with("kintone")
        || target.starts_with("kintoneodbc")
        || target.starts_with("kintone_auth")
    {
        "INFO"
    } else {
        "TCP"
    }
}

/// The lowest `Verbosity` that shows an event (`None`: no level does).
pub fn verbosity_of(meta: &Metadata<'_>) -> Option<u8> {
    let level = *meta.level();
    if level <= Level::WARN {
        // Errors and warnings (tracing orders levels by detail: ERROR is the least).
        return Some(1);
    }
    let ours = meta.target().starts_with("kintone");
    let module = module_of(meta.target());
    Some(match (module, level) {
        ("INFO" | "EXEC" | "FUNC", Level::INFO) if ours => 1,
        ("INFO" | "EXEC" | "FUNC", Level::DEBUG) if ours => 2,
        ("META", Level::INFO | Level::DEBUG) => 2,
        ("META", _) => 4,
        ("HTTP", Level::INFO | Level::DEBUG) => 3,
        ("HTTP", _) => 4,
        ("SSL" | "TCP", Level::TRACE) if !ours => return None,
        (_, _) if !ours && level == Level::INFO => 2,
        _ => 5,
    })
}

/// A log's filter: `Verbosity` and `LogModules`.
#[derive(Clone, Debug)]
pub struct Filter {
    verbosity: u8,
    modules: Option<Vec<&'static str>>,
}

impl Filter {
    pub fn new(verbosity: u8, modules: Option<&[&'static str]>) -> Filter {
        Filter {
            verbosity,
            modules: modules.map(<[_]>::to_vec),
        }
    }

    pub fn shows(&self, meta: &Metadata<'_>) -> bool {
        let level_ok = verbosity_of(meta).is_some_and(|v| v <= self.verbosity);
        level_ok
            && self
                .modules
                .as_ref()
                .is_none_or(|m| m.contains(&module_of(meta.target())))
    }
}

/// A filter for the whole subscriber (a layer below the formatter), not a per-layer
/// filter: per-layer filters keep their verdicts in a thread-local that subscribers of
/// different connections polled on the same worker thread would overwrite, and an
/// `enabled!` check without an event leaves a verdict behind that drops the next event.
impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Filter {
    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        self.shows(meta)
    }

    fn register_callsite(&self, meta: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        // The answer depends on the callsite only: decided once per callsite.
        if self.shows(meta) {
            tracing::subscriber::Interest::always()
        } else {
            tracing::subscriber::Interest::never()
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        // Below this, `debug!`/`trace!` of every callsite cost one comparison.
        Some(match self.verbosity {
            0 | 1 => LevelFilter::INFO,
            2 | 3 => LevelFilter::DEBUG,
            _ => LevelFilter::TRACE,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_come_from_targets() {
        assert_eq!(module_of(HTTP), "HTTP");
        assert_eq!(module_of("kintone_api::paging"), "EXEC");
        assert_eq!(module_of("kintone_api::tls"), "SSL");
        assert_eq!(module_of("kintone_auth::managed"), "INFO");
        assert_eq!(module_of("kintone_sql::catalog"), "META");
        assert_eq!(module_of("h2::codec"), "TCP");
    }
}
