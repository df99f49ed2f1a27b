//! The Kintone query language (reference §6): parse, check against an app's form,
//! evaluate against records, sort.
//!
//! INTERFACE CONTRACT (used by api/records.rs and api/cursor.rs; keep it):
//! - `prepare(app, query, kind, ctx)` parses and validates, returning every error of
//!   §6.9 with its code (CB_VA01 syntax, GAIA_QU01/QU02 bounds, IQ03/07/10/11/23/25,
//!   IL08, IS02, IR02; a cursor query with limit/offset is rejected).
//! - `Prepared::select(app, ctx)` returns the matching record ids in result order
//!   (the query's `order by`, then `$id desc` by default) before limit/offset, plus
//!   whether a `like` filter was aborted (X-Cybozu-Warning, §2.5).
//! - `Prepared::limit()` / `offset()` give the effective window (limit default 100).

use crate::error::{KError, KResult};
use crate::model::App;
use chrono::{DateTime, Utc};

/// Where a query is used: records.json allows limit/offset, the cursor API does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    Records,
    Cursor,
}

/// The caller's context for functions (§6.5).
#[derive(Debug, Clone)]
pub struct EvalCtx {
    pub now: DateTime<Utc>,
    /// The calling user's time zone (TODAY() etc. are evaluated there).
    pub tz: chrono_tz::Tz,
    /// LOGINUSER(): the caller's code ("Administrator" under API tokens).
    pub login_user: String,
    /// PRIMARY_ORGANIZATION(); `None` makes conditions using it ignored (§6.5).
    pub primary_organization: Option<String>,
    /// `like` matches past this abort the filter (§2.5).
    pub like_abort_threshold: usize,
}

#[derive(Debug, Clone)]
pub struct Prepared {
    pub(crate) _private: (),
}

#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Matching record ids, ordered, before limit/offset.
    pub ids: Vec<u64>,
    /// A `like`/`not like` filter hit the abort threshold: results are partial.
    pub aborted: bool,
}

pub fn prepare(_app: &App, _query: &str, _kind: QueryKind, _ctx: &EvalCtx) -> KResult<Prepared> {
    Err(KError::new(500, "SANDBOX", "query engine not built yet"))
}

impl Prepared {
    pub fn select(&self, _app: &App, _ctx: &EvalCtx) -> Selection {
        Selection::default()
    }

    /// Effective limit (default 100, §4.2); `None` in cursor queries.
    pub fn limit(&self) -> Option<u64> {
        None
    }

    pub fn offset(&self) -> u64 {
        0
    }
}
