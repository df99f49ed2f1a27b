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
//! - `Prepared::select_window(domain, app, ctx, count_all)` returns only that window
//!   (and the total when asked): records.json's answer, read from the id-ordered store
//!   without a full scan or sort where the query allows (`seek`).
//!
//! Layout: `lexer` → `parser` (AST) → `check` (field resolution, §6.4 operator/function
//! table, literal typing: compiled once per `prepare`) → `eval` (per-record predicates,
//! the `like` word-search model) / `functions` (date periods in the caller's zone) /
//! `sort`; `seek` narrows a condition to `$id` ranges of the record store.
//! Caller-dependent operands (TODAY(), LOGINUSER(), date-only literals on datetime
//! fields...) are bound once per `select`, with the `EvalCtx` given there.
//!
//! Choices where §6 is UNCONFIRMED:
//! - keywords, function names, units and weekday names are case-insensitive; field codes
//!   are case-sensitive; `order by f` without direction is `asc`;
//! - a cursor query with `limit`/`offset` is CB_VA01; a literal the field type cannot
//!   read (`amount > "abc"`, `due = "March"`), an unknown function name and a bad weekday
//!   name are CB_VA01;
//! - CATEGORY and STATUS_ASSIGNEE accept `in`/`not in`; `""` is a valid choice value for
//!   DROP_DOWN and RADIO_BUTTON only;
//! - text `=` is exact and case-sensitive; `!=` / `not in` are the plain negations of
//!   `=` / `in`, so an empty value satisfies `!= X`; `in ("")` on multi-valued fields
//!   matches an empty selection;
//! - a datetime literal without an offset is UTC; a date-only literal on a datetime field
//!   is that whole day in the user's zone; NOW() is the exact second of `ctx.now`;
//! - text sorts by code point; empty values sort first in `asc`; ties by `$id desc`;
//! - `rel.field` (related records) needs the referenced app: `prepare` rejects it with
//!   GAIA_IQ03, `prepare_in`/`select_in` (given the domain) evaluate it; `=`/`!=` on it
//!   are GAIA_IQ03; `not in`/`not like` need every related record to match and at least
//!   one to exist;
//! - `like_abort_threshold == 0` disables the abort;
//! - a CALC field whose `format` is DATE/TIME/DATETIME holds and compares such values
//!   (and also takes `in`/`not in`); date functions stay forbidden on CALC (§6.4).

// KError is the crate-wide error type; boxing it is not this module's call.
#![allow(clippy::result_large_err)]

mod check;
mod eval;
mod functions;
mod lexer;
mod parser;
mod seek;
mod sort;
#[cfg(test)]
mod tests;

/// The bare syntax tree, unchecked against any form: other crates' tests use this
/// parser as an independent oracle for the queries they build.
pub use lexer::CmpOp;
pub use parser::{is_number, parse, Arg, CondAst, Op, PredAst, QueryAst, ValueExpr};

use crate::error::{KError, KResult};
use crate::model::{App, Domain};
use chrono::{DateTime, Utc};
use eval::{days_of, Kind, Node, Operand, Scratch};

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
    cond: Option<Node>,
    order: Vec<sort::SortKey>,
    limit: Option<u64>,
    offset: u64,
    like_count: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Matching record ids, ordered, before limit/offset.
    pub ids: Vec<u64>,
    /// A `like`/`not like` filter hit the abort threshold: results are partial.
    pub aborted: bool,
}

/// Default `limit` of records.json (§4.2).
pub const DEFAULT_LIMIT: u64 = 100;
pub const MAX_LIMIT: u64 = 500;
pub const MAX_OFFSET: u64 = 10_000;

fn bound(text: &str, max: u64, code: &str, msg: &str) -> KResult<u64> {
    if text.starts_with('-') {
        // Negative limit/offset is a syntax error (§6.9).
        return Err(KError::query_syntax());
    }
    match text.parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(KError::new(400, code, msg)),
    }
}

pub fn prepare(app: &App, query: &str, kind: QueryKind, ctx: &EvalCtx) -> KResult<Prepared> {
    prepare_inner(None, app, query, kind, ctx)
}

/// `prepare` that also accepts related-record fields (`rel.field`, §6.7), resolved in
/// the referenced apps of `domain`. Use with [`Prepared::select_in`].
pub fn prepare_in(
    domain: &Domain,
    app: &App,
    query: &str,
    kind: QueryKind,
    ctx: &EvalCtx,
) -> KResult<Prepared> {
    prepare_inner(Some(domain), app, query, kind, ctx)
}

fn prepare_inner(
    domain: Option<&Domain>,
    app: &App,
    query: &str,
    kind: QueryKind,
    ctx: &EvalCtx,
) -> KResult<Prepared> {
    let ast = parser::parse(query)?;
    if kind == QueryKind::Cursor && (ast.limit.is_some() || ast.offset.is_some()) {
        // §5: a cursor query may not carry limit/offset; the exact code is UNCONFIRMED.
        return Err(KError::query_syntax());
    }
    let limit = match &ast.limit {
        Some(l) => Some(bound(
            l,
            MAX_LIMIT,
            "GAIA_QU01",
            "limit には 500 以下の値を指定してください。",
        )?),
        None if kind == QueryKind::Records => Some(DEFAULT_LIMIT),
        None => None,
    };
    let offset = match &ast.offset {
        Some(o) => bound(
            o,
            MAX_OFFSET,
            "GAIA_QU02",
            "offset には 10,000 以下の値を指定してください。",
        )?,
        None => 0,
    };
    let mut compiler = check::Compiler {
        app,
        today: functions::today(ctx.now, ctx.tz),
        like_count: 0,
        domain,
    };
    let cond = match &ast.cond {
        Some(c) => Some(compiler.cond(c)?),
        None => None,
    };
    let order = ast
        .order
        .iter()
        .map(|(f, asc)| sort::sort_key(app, f, *asc))
        .collect::<KResult<Vec<_>>>()?;
    Ok(Prepared {
        cond,
        order,
        limit,
        offset,
        like_count: compiler.like_count,
    })
}

/// Resolves the caller-dependent operands (functions, date-only literals on datetime
/// fields) once per `select`.
fn bind(node: &mut Node, ctx: &EvalCtx, domain: Option<&Domain>) {
    match node {
        Node::And(items) | Node::Or(items) => items.iter_mut().for_each(|n| bind(n, ctx, domain)),
        Node::Pred(p) => bind_pred(p, ctx),
        Node::SameRow(_, preds) => preds.iter_mut().for_each(|p| bind_pred(p, ctx)),
        Node::Related(r) => {
            bind_pred(&mut r.pred, ctx);
            if let Some(f) = r.filter.as_mut() {
                bind(f, ctx, None);
            }
            if let Some(related) = domain.and_then(|d| d.apps.get(&r.app)) {
                r.compute_keys(related);
            }
        }
    }
}

fn bind_pred(p: &mut eval::CPred, ctx: &EvalCtx) {
    let kind = p.kind;
    for o in p.operands.iter_mut() {
        let days = match o {
            Operand::LocalDays(s, e) => Some((*s, *e)),
            Operand::Period(name, args) => {
                functions::period(name, args, functions::today(ctx.now, ctx.tz)).ok()
            }
            _ => None,
        };
        let new = match (&*o, days) {
            (_, Some((s, e))) => Some(if kind == Kind::Date {
                Operand::Range(days_of(s), days_of(e))
            } else {
                Operand::Range(
                    functions::local_midnight_utc(s, ctx.tz),
                    functions::local_midnight_utc(e, ctx.tz),
                )
            }),
            (Operand::Period(..), None) => Some(Operand::Range(0, 0)),
            (Operand::Now, _) => {
                let t = ctx.now.timestamp();
                Some(Operand::Range(t, t + 1))
            }
            (Operand::LoginUser, _) => Some(Operand::Str(ctx.login_user.clone())),
            (Operand::PrimaryOrg, _) => Some(match &ctx.primary_organization {
                Some(org) => Operand::Str(org.clone()),
                None => Operand::Ignore,
            }),
            _ => None,
        };
        if let Some(n) = new {
            *o = n;
        }
    }
}

/// One page of records.json: the ids of the window, and the number of all matches when
/// asked for (`totalCount`, §4.2).
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub ids: Vec<u64>,
    pub total: Option<usize>,
    /// As in [`Selection::aborted`].
    pub aborted: bool,
}

impl Prepared {
    /// Related-record predicates match nothing here: use [`Prepared::select_in`].
    pub fn select(&self, app: &App, ctx: &EvalCtx) -> Selection {
        self.select_inner(None, app, ctx)
    }

    /// `select` with the domain, for queries using related-record fields.
    pub fn select_in(&self, domain: &Domain, app: &App, ctx: &EvalCtx) -> Selection {
        self.select_inner(Some(domain), app, ctx)
    }

    /// The records.json answer: the `offset`/`limit` window of [`Prepared::select_in`]
    /// and, with `count_all`, the number of all matches. A query ordered by `$id` (or
    /// not ordered) is read from the id-ordered store from its first candidate and
    /// stops when the window is full, unless the total is wanted.
    pub fn select_window(
        &self,
        domain: &Domain,
        app: &App,
        ctx: &EvalCtx,
        count_all: bool,
    ) -> Window {
        let offset = usize::try_from(self.offset).unwrap_or(usize::MAX);
        let limit = self
            .limit
            .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        let asc = self.id_order();
        if self.may_abort(ctx) || asc.is_none() {
            let sel = self.select_inner(Some(domain), app, ctx);
            return Window {
                total: count_all.then_some(sel.ids.len()),
                ids: sel.ids.into_iter().skip(offset).take(limit).collect(),
                aborted: sel.aborted,
            };
        }
        let narrowed = seek::narrow(self.bound_cond(Some(domain), ctx).as_ref());
        let mut scratch = self.scratch();
        let mut ids = Vec::new();
        let mut matched = 0usize;
        for rec in narrowed.ids.records(app, asc == Some(true)) {
            if !count_all && ids.len() >= limit {
                break;
            }
            if narrowed
                .residual
                .as_ref()
                .is_none_or(|c| c.eval(rec, &mut scratch))
            {
                matched += 1;
                if matched > offset && ids.len() < limit {
                    ids.push(rec.id);
                }
            }
        }
        Window {
            ids,
            total: count_all.then_some(matched),
            aborted: false,
        }
    }

    /// The full scan every answer must agree with: every record evaluated in `$id`
    /// order, then sorted. Public for the tests that compare the indexed reads with it.
    #[doc(hidden)]
    pub fn select_by_scan(&self, domain: &Domain, app: &App, ctx: &EvalCtx) -> Selection {
        let cond = self.bound_cond(Some(domain), ctx);
        self.scan(app, cond.as_ref(), ctx.like_abort_threshold)
    }

    fn select_inner(&self, domain: Option<&Domain>, app: &App, ctx: &EvalCtx) -> Selection {
        let cond = self.bound_cond(domain, ctx);
        if self.may_abort(ctx) {
            return self.scan(app, cond.as_ref(), ctx.like_abort_threshold);
        }
        // Only the candidates the condition leaves are visited; when the result is in
        // `$id` order, the store's own order is the result order and nothing is sorted.
        let narrowed = seek::narrow(cond.as_ref());
        let asc = self.id_order();
        let mut scratch = self.scratch();
        let mut ids: Vec<u64> = narrowed
            .ids
            .records(app, asc.unwrap_or(true))
            .filter(|rec| {
                narrowed
                    .residual
                    .as_ref()
                    .is_none_or(|c| c.eval(rec, &mut scratch))
            })
            .map(|rec| rec.id)
            .collect();
        if asc.is_none() {
            sort::sort_ids(app, &self.order, &mut ids);
        }
        Selection {
            ids,
            aborted: false,
        }
    }

    /// The condition with the caller-dependent operands resolved.
    fn bound_cond(&self, domain: Option<&Domain>, ctx: &EvalCtx) -> Option<Node> {
        self.cond.clone().map(|mut c| {
            bind(&mut c, ctx, domain);
            c
        })
    }

    fn scratch(&self) -> Scratch {
        Scratch {
            like_hit: vec![false; self.like_count],
        }
    }

    /// Whether the `like` abort (§2.5) can cut the answer short. The abort counts the
    /// records a full ascending scan visits, so such queries always take that scan.
    fn may_abort(&self, ctx: &EvalCtx) -> bool {
        self.like_count > 0 && ctx.like_abort_threshold > 0
    }

    /// `Some(asc)` when the result order is the store's `$id` order (ascending, or
    /// descending as without `order by`); `None` when the result must be sorted.
    fn id_order(&self) -> Option<bool> {
        match self.order.first() {
            None => Some(false),
            // `$id` is unique: keys after it never decide anything.
            Some(k) => k.id_direction(),
        }
    }

    fn scan(&self, app: &App, cond: Option<&Node>, threshold: usize) -> Selection {
        let mut ids = Vec::new();
        let mut aborted = false;
        let mut scratch = self.scratch();
        let mut like_matches = vec![0usize; self.like_count];
        // §2.5: records are scanned in $id ascending order; once a like/not like
        // predicate has matched `threshold` records the filter stops with what it has.
        for rec in app.records.values() {
            let ok = match cond {
                None => true,
                Some(c) => {
                    scratch.like_hit.iter_mut().for_each(|h| *h = false);
                    c.eval(rec, &mut scratch)
                }
            };
            if ok {
                ids.push(rec.id);
            }
            if self.like_count > 0 && threshold > 0 {
                let mut stop = false;
                for (n, hit) in like_matches.iter_mut().zip(&scratch.like_hit) {
                    if *hit {
                        *n += 1;
                        stop |= *n >= threshold;
                    }
                }
                if stop {
                    aborted = true;
                    break;
                }
            }
        }
        sort::sort_ids(app, &self.order, &mut ids);
        Selection { ids, aborted }
    }

    /// Effective limit (default 100, §4.2); `None` in cursor queries.
    pub fn limit(&self) -> Option<u64> {
        self.limit
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }
}
