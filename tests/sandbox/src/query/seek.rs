//! Answering queries from the id-ordered record store (`App::records`, a `BTreeMap` by
//! `$id`) without scanning or sorting the whole app.
//!
//! Clients page through apps with `$id` seeks (`$id > n order by $id asc limit 500`),
//! `$id` ranges and `$id in (...)` lists. Each of these names a small part of the id
//! space, so the sandbox derives from the condition a *superset* of the matching ids
//! ([`IdSet`]), visits only the stored records inside it, in the order asked when the
//! query is ordered by `$id` (or not ordered, which means `$id desc`), and stops once
//! the page is full.
//!
//! Exactness rests on two rules:
//! - the id set never leaves out a matching record, and whatever part of the condition
//!   it does not capture exactly (the *residual*) is evaluated on every candidate, with
//!   the same evaluator as the full scan;
//! - the `like` abort of §2.5 depends on how many records a full ascending scan visits,
//!   so a query that can abort is never planned here (see `Prepared::select_inner`).

use super::eval::{CPred, Kind, Node, Operand};
use super::lexer::CmpOp;
use super::parser::Op;
use crate::model::{App, Record};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// A set of record ids as sorted, disjoint, inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdSet(Vec<(u64, u64)>);

impl IdSet {
    pub fn all() -> IdSet {
        IdSet(vec![(0, u64::MAX)])
    }

    pub fn none() -> IdSet {
        IdSet(Vec::new())
    }

    #[cfg(test)]
    pub fn ranges(&self) -> &[(u64, u64)] {
        &self.0
    }

    /// The stored records whose ids are in the set, in `$id` order (ascending or
    /// descending): one `BTreeMap` range per id range, so nothing outside is visited.
    pub fn records<'a>(
        &'a self,
        app: &'a App,
        asc: bool,
    ) -> Box<dyn Iterator<Item = &'a Record> + 'a> {
        let range = move |&(lo, hi): &(u64, u64)| app.records.range(lo..=hi).map(|(_, r)| r);
        if asc {
            Box::new(self.0.iter().flat_map(range))
        } else {
            Box::new(self.0.iter().rev().flat_map(move |r| range(r).rev()))
        }
    }

    /// `[lo, hi]` in any integer width; the part outside `u64` is dropped.
    fn between(lo: i128, hi: i128) -> IdSet {
        let lo = lo.max(0);
        let hi = hi.min(u64::MAX as i128);
        if lo > hi {
            return IdSet::none();
        }
        IdSet(vec![(lo as u64, hi as u64)])
    }

    /// Sorts and merges overlapping or touching ranges.
    fn normalized(mut ranges: Vec<(u64, u64)>) -> IdSet {
        ranges.sort_unstable();
        let mut out: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        IdSet(out)
    }

    fn union_all(sets: Vec<IdSet>) -> IdSet {
        IdSet::normalized(sets.into_iter().flat_map(|s| s.0).collect())
    }

    fn intersect(&self, other: &IdSet) -> IdSet {
        let (a, b) = (&self.0, &other.0);
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < a.len() && j < b.len() {
            let lo = a[i].0.max(b[j].0);
            let hi = a[i].1.min(b[j].1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a[i].1 < b[j].1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        IdSet(out)
    }
}

/// What the index can do for a condition: the candidate ids, and the part of the
/// condition still to be evaluated on them (`None`: every candidate matches).
#[derive(Debug, Clone)]
pub struct Narrowed {
    pub ids: IdSet,
    pub residual: Option<Node>,
}

/// Splits a (bound) condition into an id set and a residual condition.
pub fn narrow(cond: Option<&Node>) -> Narrowed {
    match cond {
        None => Narrowed {
            ids: IdSet::all(),
            residual: None,
        },
        Some(node) => {
            let c = constrain(node);
            Narrowed {
                ids: c.ids,
                residual: if c.exact { None } else { c.residual },
            }
        }
    }
}

struct Constraint {
    ids: IdSet,
    /// `ids` is exactly the set of records the node matches.
    exact: bool,
    /// For an inexact node: what still has to hold on a candidate.
    residual: Option<Node>,
}

fn inexact(node: &Node) -> Constraint {
    Constraint {
        ids: IdSet::all(),
        exact: false,
        residual: Some(node.clone()),
    }
}

fn constrain(node: &Node) -> Constraint {
    match node {
        Node::Pred(p) => match pred_ids(p) {
            Some(ids) => Constraint {
                ids,
                exact: true,
                residual: None,
            },
            None => inexact(node),
        },
        Node::And(items) => {
            let mut ids = IdSet::all();
            let mut rest = Vec::new();
            for item in items {
                let c = constrain(item);
                ids = ids.intersect(&c.ids);
                if !c.exact {
                    // A candidate lies in every child's set, which is all an exact
                    // child asks; only the others are evaluated again.
                    rest.extend(c.residual);
                }
            }
            let exact = rest.is_empty();
            let residual = match rest.len() {
                0 => None,
                1 => rest.pop(),
                _ => Some(Node::And(rest)),
            };
            Constraint {
                ids,
                exact,
                residual,
            }
        }
        Node::Or(items) => {
            let parts: Vec<Constraint> = items.iter().map(constrain).collect();
            if parts.iter().all(|c| c.exact) {
                Constraint {
                    ids: IdSet::union_all(parts.into_iter().map(|c| c.ids).collect()),
                    exact: true,
                    residual: None,
                }
            } else {
                // Any branch may hold; the union is still a superset, but the whole
                // disjunction has to be checked on each candidate.
                Constraint {
                    ids: IdSet::union_all(parts.into_iter().map(|c| c.ids).collect()),
                    exact: false,
                    residual: Some(node.clone()),
                }
            }
        }
        Node::SameRow(..) | Node::Related(_) => inexact(node),
    }
}

/// The exact id set of a `$id` predicate, mirroring `eval::num_op` on `Kind::Id`;
/// `None` for any other predicate, and for the negations (`!=`, `not in`), which name
/// nearly the whole app.
fn pred_ids(p: &CPred) -> Option<IdSet> {
    if p.kind != Kind::Id || p.subtable.is_some() {
        return None;
    }
    // An ordering compares with the first operand only; an empty one matches nothing.
    let first = match p.operands.first() {
        Some(Operand::Dec(d)) => Some(*d),
        _ => None,
    };
    let bound = |f: fn(Decimal) -> Option<IdSet>| match first {
        None => Some(IdSet::none()),
        Some(d) => f(d),
    };
    match &p.op {
        Op::Cmp(CmpOp::Eq) | Op::In => {
            let mut points = Vec::with_capacity(p.operands.len());
            for o in &p.operands {
                match o {
                    Operand::Dec(d) => points.extend(whole_id(*d).map(|n| (n, n))),
                    // `$id = ""` asks for records without an id: none.
                    Operand::Empty => {}
                    _ => return None,
                }
            }
            Some(IdSet::normalized(points))
        }
        Op::Cmp(CmpOp::Gt) => bound(|d| Some(IdSet::between(d.floor().to_i128()? + 1, i128::MAX))),
        Op::Cmp(CmpOp::Ge) => bound(|d| Some(IdSet::between(d.ceil().to_i128()?, i128::MAX))),
        Op::Cmp(CmpOp::Lt) => bound(|d| Some(IdSet::between(0, d.ceil().to_i128()? - 1))),
        Op::Cmp(CmpOp::Le) => bound(|d| Some(IdSet::between(0, d.floor().to_i128()?))),
        _ => None,
    }
}

/// A literal that can equal a record id: a whole number in `u64`.
fn whole_id(d: Decimal) -> Option<u64> {
    if d.fract().is_zero() && (d.is_sign_positive() || d.is_zero()) {
        d.to_u64()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_merge_and_intersect() {
        let s = IdSet::normalized(vec![(5, 7), (1, 2), (3, 3), (10, 12)]);
        assert_eq!(s.ranges(), &[(1, 3), (5, 7), (10, 12)]);
        let t = IdSet::normalized(vec![(2, 10), (12, 20)]);
        assert_eq!(
            s.intersect(&t).ranges(),
            &[(2, 3), (5, 7), (10, 10), (12, 12)]
        );
        assert!(IdSet::all().intersect(&s) == s);
        assert_eq!(IdSet::between(-5, -1), IdSet::none());
        assert_eq!(IdSet::between(3, i128::MAX).ranges(), &[(3, u64::MAX)]);
    }

    #[test]
    fn whole_ids_only() {
        assert_eq!(whole_id(Decimal::new(30, 1)), Some(3));
        assert_eq!(whole_id(Decimal::new(35, 1)), None);
        assert_eq!(whole_id(Decimal::new(-3, 0)), None);
        assert_eq!(whole_id(Decimal::ZERO), Some(0));
    }
}
