//! Parser for the grammar of §6.1 into an untyped AST (field codes are not resolved here;
//! `check.rs` does that against the app's live form).
//!
//! Keywords are matched case-insensitively (UNCONFIRMED in §6.1: real Kintone documents
//! lower case only; accepting upper case too is the lenient choice). `and` binds tighter
//! than `or`.

use super::lexer::{lex, CmpOp, Tok};
use crate::error::{KError, KResult};

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Cmp(CmpOp),
    In,
    NotIn,
    Like,
    NotLike,
    IsEmpty,
    IsNotEmpty,
}

impl Op {
    pub fn as_str(&self) -> &'static str {
        match self {
            Op::Cmp(c) => c.as_str(),
            Op::In => "in",
            Op::NotIn => "not in",
            Op::Like => "like",
            Op::NotLike => "not like",
            Op::IsEmpty => "is empty",
            Op::IsNotEmpty => "is not empty",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Word(String),
    Str(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueExpr {
    /// A quoted string or a bare number; both are kept as text (numbers may be quoted, §6.2).
    Lit(String),
    Func {
        name: String,
        args: Vec<Arg>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct PredAst {
    /// As written: `code` or `rel.code`.
    pub field: String,
    pub op: Op,
    pub values: Vec<ValueExpr>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CondAst {
    And(Vec<CondAst>),
    Or(Vec<CondAst>),
    Pred(PredAst),
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueryAst {
    pub cond: Option<CondAst>,
    /// (field, ascending)
    pub order: Vec<(String, bool)>,
    /// As written (validated by `check`): may be negative or huge.
    pub limit: Option<String>,
    pub offset: Option<String>,
}

struct P {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

/// Nesting deeper than this is rejected so a hostile query cannot overflow the stack.
const MAX_DEPTH: usize = 100;

fn syntax<T>() -> KResult<T> {
    Err(KError::query_syntax())
}

fn kw(t: Option<&Tok>, k: &str) -> bool {
    matches!(t, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(k))
}

pub fn is_int(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

/// `-?digits[.digits]`: a bare number literal.
pub fn is_number(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    match d.split_once('.') {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => is_int(d),
    }
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.toks.get(self.pos + n)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn eat_kw(&mut self, k: &str) -> bool {
        if kw(self.peek(), k) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// The condition ends where an option clause begins: `order by`, `limit N`, `offset N`.
    fn at_options(&self) -> bool {
        (kw(self.peek(), "order") && kw(self.peek_at(1), "by"))
            || ((kw(self.peek(), "limit") || kw(self.peek(), "offset"))
                && matches!(self.peek_at(1), Some(Tok::Word(w)) if is_number(w)))
    }

    fn or_term(&mut self) -> KResult<CondAst> {
        let mut items = vec![self.and_term()?];
        while self.eat_kw("or") {
            items.push(self.and_term()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(CondAst::And(vec![]))
        } else {
            CondAst::Or(items)
        })
    }

    fn and_term(&mut self) -> KResult<CondAst> {
        let mut items = Vec::new();
        push_and(&mut items, self.atom()?);
        while self.eat_kw("and") {
            push_and(&mut items, self.atom()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(CondAst::And(vec![]))
        } else {
            CondAst::And(items)
        })
    }

    fn atom(&mut self) -> KResult<CondAst> {
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return syntax();
            }
            let c = self.or_term()?;
            self.depth -= 1;
            if self.next() != Some(Tok::RParen) {
                return syntax();
            }
            return Ok(c);
        }
        self.predicate().map(CondAst::Pred)
    }

    fn predicate(&mut self) -> KResult<PredAst> {
        let field = match self.next() {
            Some(Tok::Word(w)) if !is_number(&w) => w,
            _ => return syntax(),
        };
        let op = match self.next() {
            Some(Tok::Op(c)) => Op::Cmp(c),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("in") => Op::In,
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("like") => Op::Like,
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("not") => {
                if self.eat_kw("in") {
                    Op::NotIn
                } else if self.eat_kw("like") {
                    Op::NotLike
                } else {
                    return syntax();
                }
            }
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("is") => {
                let not = self.eat_kw("not");
                if !self.eat_kw("empty") {
                    return syntax();
                }
                if not {
                    Op::IsNotEmpty
                } else {
                    Op::IsEmpty
                }
            }
            _ => return syntax(),
        };
        let values = match op {
            Op::Cmp(_) => vec![self.value()?],
            Op::In | Op::NotIn => {
                if self.next() != Some(Tok::LParen) {
                    return syntax();
                }
                let mut vals = vec![self.value()?];
                loop {
                    match self.next() {
                        Some(Tok::Comma) => vals.push(self.value()?),
                        Some(Tok::RParen) => break,
                        _ => return syntax(),
                    }
                }
                vals
            }
            Op::Like | Op::NotLike => match self.next() {
                Some(Tok::Str(s)) => vec![ValueExpr::Lit(s)],
                Some(Tok::Word(w)) if is_number(&w) => vec![ValueExpr::Lit(w)],
                _ => return syntax(),
            },
            Op::IsEmpty | Op::IsNotEmpty => vec![],
        };
        Ok(PredAst { field, op, values })
    }

    fn value(&mut self) -> KResult<ValueExpr> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(ValueExpr::Lit(s)),
            Some(Tok::Word(w)) if is_number(&w) => Ok(ValueExpr::Lit(w)),
            Some(Tok::Word(name)) => {
                if self.next() != Some(Tok::LParen) {
                    return syntax();
                }
                let mut args = Vec::new();
                if self.peek() == Some(&Tok::RParen) {
                    self.pos += 1;
                    return Ok(ValueExpr::Func { name, args });
                }
                loop {
                    match self.next() {
                        Some(Tok::Word(w)) => args.push(Arg::Word(w)),
                        Some(Tok::Str(s)) => args.push(Arg::Str(s)),
                        _ => return syntax(),
                    }
                    match self.next() {
                        Some(Tok::Comma) => continue,
                        Some(Tok::RParen) => break,
                        _ => return syntax(),
                    }
                }
                Ok(ValueExpr::Func { name, args })
            }
            _ => syntax(),
        }
    }

    fn order(&mut self) -> KResult<Vec<(String, bool)>> {
        let mut keys = Vec::new();
        loop {
            let field = match self.next() {
                Some(Tok::Word(w)) if !is_number(&w) => w,
                _ => return syntax(),
            };
            // Omitted direction = asc (§6.1, the emulator's reading).
            let asc = if self.eat_kw("asc") {
                true
            } else {
                !self.eat_kw("desc")
            };
            keys.push((field, asc));
            if self.peek() == Some(&Tok::Comma) {
                self.pos += 1;
            } else {
                return Ok(keys);
            }
        }
    }

    fn int_word(&mut self) -> KResult<String> {
        match self.next() {
            Some(Tok::Word(w)) if is_int(&w) => Ok(w),
            Some(Tok::Str(s)) if is_int(&s) => Ok(s),
            _ => syntax(),
        }
    }
}

fn push_and(items: &mut Vec<CondAst>, c: CondAst) {
    match c {
        CondAst::And(inner) => items.extend(inner),
        other => items.push(other),
    }
}

pub fn parse(input: &str) -> KResult<QueryAst> {
    let toks = lex(input)?;
    let mut p = P {
        toks,
        pos: 0,
        depth: 0,
    };
    let mut q = QueryAst {
        cond: None,
        order: vec![],
        limit: None,
        offset: None,
    };
    if p.peek().is_some() && !p.at_options() {
        q.cond = Some(p.or_term()?);
    }
    if kw(p.peek(), "order") && kw(p.peek_at(1), "by") {
        p.pos += 2;
        q.order = p.order()?;
    }
    if p.eat_kw("limit") {
        q.limit = Some(p.int_word()?);
    }
    if p.eat_kw("offset") {
        q.offset = Some(p.int_word()?);
    }
    if p.peek().is_some() {
        return syntax();
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pred(f: &str, op: Op, vals: &[&str]) -> CondAst {
        CondAst::Pred(PredAst {
            field: f.into(),
            op,
            values: vals.iter().map(|v| ValueExpr::Lit(v.to_string())).collect(),
        })
    }

    #[test]
    fn precedence_and_over_or() {
        let q = parse("a = 1 or b = 2 and c = 3").unwrap();
        assert_eq!(
            q.cond.unwrap(),
            CondAst::Or(vec![
                pred("a", Op::Cmp(CmpOp::Eq), &["1"]),
                CondAst::And(vec![
                    pred("b", Op::Cmp(CmpOp::Eq), &["2"]),
                    pred("c", Op::Cmp(CmpOp::Eq), &["3"]),
                ]),
            ])
        );
    }

    #[test]
    fn nested_and_is_flattened() {
        let q = parse("(a = 1 and (b = 2 and c = 3))").unwrap();
        match q.cond.unwrap() {
            CondAst::And(v) => assert_eq!(v.len(), 3),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn all_operators_and_options() {
        let q = parse(
            "a not in (\"x\", 2) AND b NOT LIKE \"y\" and c is not empty and d is empty \
             and e like \"z\" and f in (LOGINUSER(), \"u\") and g > FROM_TODAY(-5, DAYS) \
             order by a desc, b, c ASC limit 10 offset 20",
        )
        .unwrap();
        assert_eq!(
            q.order,
            vec![("a".into(), false), ("b".into(), true), ("c".into(), true)]
        );
        assert_eq!(q.limit.as_deref(), Some("10"));
        assert_eq!(q.offset.as_deref(), Some("20"));
        let CondAst::And(items) = q.cond.unwrap() else {
            panic!()
        };
        assert_eq!(items.len(), 7);
        assert_eq!(
            items[6],
            CondAst::Pred(PredAst {
                field: "g".into(),
                op: Op::Cmp(CmpOp::Gt),
                values: vec![ValueExpr::Func {
                    name: "FROM_TODAY".into(),
                    args: vec![Arg::Word("-5".into()), Arg::Word("DAYS".into())]
                }]
            })
        );
    }

    #[test]
    fn options_only() {
        let q = parse("order by $id asc limit 5").unwrap();
        assert!(q.cond.is_none());
        assert_eq!(q.order, vec![("$id".into(), true)]);
        let q = parse("limit 5 offset 1").unwrap();
        assert_eq!(q.limit.as_deref(), Some("5"));
        let q = parse("offset 3").unwrap();
        assert_eq!(q.offset.as_deref(), Some("3"));
        assert!(parse("").unwrap().cond.is_none());
        assert!(parse(" \u{3000} ").unwrap().cond.is_none());
    }

    #[test]
    fn syntax_errors() {
        for q in [
            "a =",
            "a = 1 and",
            "(a = 1",
            "a = 1)",
            "a in 1",
            "a in (1",
            "a in ()",
            "a like x",
            "a is nothing",
            "a not = 1",
            "a = b",
            "a = 1 limit 5 order by a",
            "a = 1 offset 5 limit 1",
            "limit x",
            "limit 1.5",
            "order by",
            "a = 1 b = 2",
            "= 1",
            "5 = 1",
        ] {
            let e = parse(q).unwrap_err();
            assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"), "{q}");
            assert_eq!(
                e.errors.unwrap()["query"]["messages"][0],
                "クエリ記法が間違っています。"
            );
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let q = format!("{}a = 1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(parse(&q).unwrap_err().code, "CB_VA01");
        let q = format!("{}a = 1{}", "(".repeat(50), ")".repeat(50));
        assert!(parse(&q).is_ok());
    }

    #[test]
    fn negative_limit_parses_for_check() {
        assert_eq!(parse("limit -1").unwrap().limit.as_deref(), Some("-1"));
    }
}
