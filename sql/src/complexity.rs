//! Keeps parsed statements shallow enough to plan, run and drop without exhausting a
//! thread's stack.
//!
//! The parser reads `a OR b OR c ...` and `SELECT .. UNION ALL SELECT ..` in a loop,
//! but builds a tree as deep as the chain is long, and everything after it (planning,
//! evaluation, even dropping the tree) recurses over that depth. BI tools write such
//! chains from a list of picked values: 10,000 terms are not unusual. So:
//! - long chains of one associative operator (`AND`, `OR`, `+`, `*`, `||`, `UNION
//!   [ALL]`) are rebuilt as balanced trees (depth log2 n); chains of up to
//!   [`REBALANCE_ABOVE`] operands are not touched, so nothing a person writes changes;
//! - what is still deeper than [`MAX_DEPTH`] (say `1 - 1 - 1 ...`) is refused with
//!   SQLSTATE 54001 instead of risking the host process.
//!
//! Every step here is iterative or bounded by [`MAX_DEPTH`].

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    BinaryOperator, Expr, Query, SetExpr, SetOperator, SetQuantifier, Statement, Value, Values,
    VisitMut, VisitorMut,
};

use crate::error::{state, SqlError, SqlResult};

/// Nesting of expressions and queries a statement may have after rebalancing.
pub const MAX_DEPTH: usize = 1_000;
/// Chains up to this many operands are left as written.
const REBALANCE_ABOVE: usize = 64;

/// Rebalances long chains and checks the depth of one statement.
pub fn tame(stmt: &mut Statement) -> SqlResult<()> {
    let mut v = Tamer { depth: 0 };
    match stmt.visit(&mut v) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(too_complex()),
    }
}

pub fn too_complex() -> SqlError {
    SqlError::new(
        state::TOO_COMPLEX,
        format!(
            "statement too complex: expressions or subqueries nest more than {MAX_DEPTH} levels deep (long chains of AND, OR, +, *, || and UNION are fine; break up chains of other operators, or use IN (...))"
        ),
    )
}

struct Tamer {
    depth: usize,
}

impl Tamer {
    fn enter(&mut self) -> ControlFlow<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    fn leave(&mut self) -> ControlFlow<()> {
        self.depth = self.depth.saturating_sub(1);
        ControlFlow::Continue(())
    }
}

impl VisitorMut for Tamer {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        rebalance_set(&mut query.body);
        self.enter()
    }

    fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
        self.leave()
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        rebalance_expr(expr);
        self.enter()
    }

    fn post_visit_expr(&mut self, _expr: &mut Expr) -> ControlFlow<()> {
        self.leave()
    }
}

fn associative(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::And
            | BinaryOperator::Or
            | BinaryOperator::Plus
            | BinaryOperator::Multiply
            | BinaryOperator::StringConcat
    )
}

/// Balances `expr` if it heads a long chain of one associative operator.
fn rebalance_expr(expr: &mut Expr) {
    let op = match expr {
        Expr::BinaryOp { op, .. } if associative(op) => op.clone(),
        _ => return,
    };
    // The parser's chains hang off the left; a chain already balanced (or short) has
    // a short left spine and is left alone, so each node is rebuilt at most once.
    let mut spine = 0;
    let mut at = &*expr;
    while let Expr::BinaryOp { left, op: o, .. } = at {
        if *o != op || spine > REBALANCE_ABOVE {
            break;
        }
        spine += 1;
        at = left;
    }
    if spine <= REBALANCE_ABOVE {
        return;
    }
    let placeholder = Expr::value(Value::Null);
    let chain = std::mem::replace(expr, placeholder);
    // The operands in order, through the whole chain (parentheses end it: they are
    // `Expr::Nested`).
    let mut operands = Vec::new();
    let mut todo = vec![chain];
    while let Some(e) = todo.pop() {
        match e {
            Expr::BinaryOp { left, op: o, right } if o == op => {
                todo.push(*right);
                todo.push(*left);
            }
            other => operands.push(other),
        }
    }
    let join = |l: Expr, r: Expr| Expr::BinaryOp {
        left: Box::new(l),
        op: op.clone(),
        right: Box::new(r),
    };
    *expr = balanced(operands, join).unwrap_or_else(|| Expr::value(Value::Null));
}

/// Balances `body` if it heads a long chain of one kind of `UNION`.
fn rebalance_set(body: &mut Box<SetExpr>) {
    let quantifier = match body.as_ref() {
        SetExpr::SetOperation {
            op: SetOperator::Union,
            set_quantifier,
            ..
        } => *set_quantifier,
        _ => return,
    };
    let same = |q: &SetQuantifier| *q == quantifier;
    let mut spine = 0;
    let mut at = body.as_ref();
    while let SetExpr::SetOperation {
        op: SetOperator::Union,
        set_quantifier,
        left,
        ..
    } = at
    {
        if !same(set_quantifier) || spine > REBALANCE_ABOVE {
            break;
        }
        spine += 1;
        at = left;
    }
    if spine <= REBALANCE_ABOVE {
        return;
    }
    let placeholder = SetExpr::Values(Values {
        explicit_row: false,
        value_keyword: false,
        rows: Vec::new(),
    });
    let chain = std::mem::replace(body.as_mut(), placeholder);
    let mut operands = Vec::new();
    let mut todo = vec![chain];
    while let Some(s) = todo.pop() {
        match s {
            SetExpr::SetOperation {
                op: SetOperator::Union,
                set_quantifier,
                left,
                right,
            } if same(&set_quantifier) => {
                todo.push(*right);
                todo.push(*left);
            }
            other => operands.push(other),
        }
    }
    let join = |l: SetExpr, r: SetExpr| SetExpr::SetOperation {
        op: SetOperator::Union,
        set_quantifier: quantifier,
        left: Box::new(l),
        right: Box::new(r),
    };
    if let Some(s) = balanced(operands, join) {
        **body = s;
    }
}

/// Neighbours joined pairwise, round after round: order kept, depth log2 n.
fn balanced<T>(mut items: Vec<T>, join: impl Fn(T, T) -> T) -> Option<T> {
    while items.len() > 1 {
        let mut next = Vec::with_capacity(items.len().div_ceil(2));
        let mut it = items.into_iter();
        while let Some(a) = it.next() {
            match it.next() {
                Some(b) => next.push(join(a, b)),
                None => next.push(a),
            }
        }
        items = next;
    }
    items.pop()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::GenericDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn depth_of(e: &Expr) -> usize {
        match e {
            Expr::BinaryOp { left, right, .. } => 1 + depth_of(left).max(depth_of(right)),
            _ => 1,
        }
    }

    fn where_of(s: &Statement) -> &Expr {
        let Statement::Query(q) = s else { panic!() };
        let SetExpr::Select(sel) = q.body.as_ref() else {
            panic!()
        };
        sel.selection.as_ref().unwrap()
    }

    fn parse(sql: &str) -> Statement {
        Parser::parse_sql(&GenericDialect {}, sql)
            .unwrap()
            .remove(0)
    }

    #[test]
    fn long_or_chains_become_balanced_with_every_term_in_order() {
        let terms: Vec<String> = (0..10_000).map(|i| format!("a = {i}")).collect();
        let sql = format!("SELECT * FROM t WHERE {}", terms.join(" OR "));
        let mut s = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || {
                let mut s = parse(&sql);
                tame(&mut s).unwrap();
                s
            })
            .unwrap()
            .join()
            .unwrap();
        let w = where_of(&s);
        // log2(10,000) levels of OR, then `a = i` and its operands.
        assert!(depth_of(w) <= 16, "depth {}", depth_of(w));
        let text = w.to_string();
        assert!(text.starts_with("a = 0 OR a = 1 OR"), "{}", &text[..40]);
        assert!(text.ends_with("OR a = 9999"));
        assert_eq!(text.matches(" OR ").count(), 9_999);
        // Taming twice changes nothing.
        let before = s.to_string();
        tame(&mut s).unwrap();
        assert_eq!(s.to_string(), before);
    }

    #[test]
    fn short_chains_keep_the_shape_they_were_written_in() {
        let sql = "SELECT a + b + c, x FROM t WHERE p AND (q OR r) AND s";
        let mut s = parse(sql);
        let before = format!("{s:?}");
        tame(&mut s).unwrap();
        assert_eq!(format!("{s:?}"), before);
    }

    #[test]
    fn a_long_union_all_becomes_balanced_and_a_mixed_one_keeps_its_order() {
        let sql = vec!["SELECT 1"; 5_000].join(" UNION ALL ");
        let mut s = parse(&sql);
        tame(&mut s).unwrap();
        assert_eq!(s.to_string().matches("UNION ALL").count(), 4_999);
        let mixed = "SELECT 1 UNION SELECT 2 UNION ALL SELECT 3";
        let mut m = parse(mixed);
        tame(&mut m).unwrap();
        assert_eq!(m.to_string(), mixed);
    }

    #[test]
    fn deep_non_associative_chains_are_refused_as_too_complex() {
        let sql = format!("SELECT {}", vec!["1"; 5_000].join(" - "));
        let e = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || {
                let mut s = parse(&sql);
                tame(&mut s).unwrap_err()
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(e.sqlstate, "54001");
        assert!(e.message.contains("too complex"));
    }
}
