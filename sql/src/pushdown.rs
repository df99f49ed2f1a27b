//! DataFusion filters → Kintone query conditions (§6, §11.4). Exact or absent.
//!
//! Each filter is `Exact` (Kintone selects exactly the rows SQL would), `Inexact`
//! (Kintone selects a superset; DataFusion checks the filter again) or unsupported.
//! The traps, and what is done about them:
//! - Kintone `like` is a word search, not SQL `LIKE` and not even a superset of it
//!   (`like "key"` misses "keyword"): SQL `LIKE` is never pushed.
//! - Text `=` may be case-insensitive in Kintone (UNCONFIRMED): pushed as `Inexact`.
//! - `!=` / `NOT IN` select empty values in Kintone, not in SQL: `Inexact`.
//! - Choice fields only take `in` / `not in`, and a value that is not an option is a
//!   400 `GAIA_IQ10`: only option names are pushed.
//! - Multi-value fields (joined text in SQL): `col = 'x'` → `in ("x")`, a superset.
//! - DATETIME and TIME values have minute precision: only whole-minute literals are
//!   pushed (Kintone compares a literal as its whole minute).
//! - `IS NULL` → `= ""` on text/number/date/time/datetime (UNCONFIRMED for
//!   number/date/time/datetime: §11.4), `in ("")` on drop-down, `is empty` on
//!   FILE; on MULTI_LINE_TEXT `is empty` also matches whitespace-only text: `Inexact`.
//! - Subtable fields never reach this code: they live in child tables, which push nothing.

use chrono::{DateTime, NaiveDate, NaiveTime};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Between, BinaryExpr, Cast, Expr, Operator};
use kintone_api::query::{Cond, Op, Value};

use crate::catalog::{Column, Source, TableDef};
use crate::decode::format_decimal;

#[derive(Clone, Debug, PartialEq)]
pub enum Pushed {
    Exact(Cond),
    Inexact(Cond),
    No,
}

impl Pushed {
    pub fn cond(&self) -> Option<&Cond> {
        match self {
            Pushed::Exact(c) | Pushed::Inexact(c) => Some(c),
            Pushed::No => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `$id`: never empty, every comparison exact.
    Id,
    /// NUMBER, numeric CALC, DATE, TIME, DATETIME: comparisons exact, may be empty.
    Ordered {
        nullable_query: bool,
    },
    /// SINGLE_LINE_TEXT, LINK.
    Text,
    /// DROP_DOWN, RADIO_BUTTON: `in` with option names.
    Choice {
        drop_down: bool,
    },
    /// CHECK_BOX, MULTI_SELECT.
    Multi,
    /// CREATOR, MODIFIER: `in` with user codes.
    Entity,
    MultiLine,
    File,
    None,
}

fn kind_of(c: &Column) -> Kind {
    match &c.source {
        Source::Id => Kind::Id,
        Source::Revision | Source::RowId => Kind::None,
        Source::Field { field_type, .. } => match field_type.as_str() {
            // Float columns (NumberMapToDouble) compare binary doubles, Kintone decimals.
            "NUMBER" if c.data_type == DataType::Float64 => Kind::None,
            "NUMBER" | "DATE" | "TIME" | "DATETIME" => Kind::Ordered {
                nullable_query: true,
            },
            "CREATED_TIME" | "UPDATED_TIME" => Kind::Ordered {
                nullable_query: false,
            },
            "CALC" if matches!(c.data_type, DataType::Decimal128(..)) => Kind::Ordered {
                nullable_query: false,
            },
            "SINGLE_LINE_TEXT" | "LINK" => Kind::Text,
            "DROP_DOWN" => Kind::Choice { drop_down: true },
            "RADIO_BUTTON" => Kind::Choice { drop_down: false },
            "CHECK_BOX" | "MULTI_SELECT" => Kind::Multi,
            "CREATOR" | "MODIFIER" => Kind::Entity,
            "MULTI_LINE_TEXT" => Kind::MultiLine,
            "FILE" => Kind::File,
            _ => Kind::None,
        },
    }
}

/// Translates one filter for `table`.
pub fn translate(expr: &Expr, table: &TableDef) -> Pushed {
    match expr {
        Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::And,
            right,
        }) => and(translate(left, table), translate(right, table)),
        Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::Or,
            right,
        }) => match (translate(left, table), translate(right, table)) {
            (Pushed::Exact(a), Pushed::Exact(b)) => Pushed::Exact(Cond::Or(vec![a, b])),
            (Pushed::No, _) | (_, Pushed::No) => Pushed::No,
            (a, b) => match (a.cond(), b.cond()) {
                (Some(a), Some(b)) => Pushed::Inexact(Cond::Or(vec![a.clone(), b.clone()])),
                _ => Pushed::No,
            },
        },
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            match (
                column_of(left, table),
                literal_of(right),
                column_of(right, table),
                literal_of(left),
            ) {
                (Some(c), Some(v), _, _) => compare(c, *op, v),
                (_, _, Some(c), Some(v)) => match flip(*op) {
                    Some(op) => compare(c, op, v),
                    None => Pushed::No,
                },
                _ => Pushed::No,
            }
        }
        Expr::InList(il) => {
            let Some(c) = column_of(&il.expr, table) else {
                return Pushed::No;
            };
            let lits: Option<Vec<&ScalarValue>> = il.list.iter().map(literal_of).collect();
            match lits {
                Some(l) if !l.is_empty() => in_list(c, &l, il.negated),
                _ => Pushed::No,
            }
        }
        Expr::Between(Between {
            expr,
            negated: false,
            low,
            high,
        }) => match (column_of(expr, table), literal_of(low), literal_of(high)) {
            (Some(c), Some(lo), Some(hi)) => and(
                compare(c, Operator::GtEq, lo),
                compare(c, Operator::LtEq, hi),
            ),
            _ => Pushed::No,
        },
        Expr::IsNull(e) => column_of(e, table)
            .map(|c| null_test(c, true))
            .unwrap_or(Pushed::No),
        Expr::IsNotNull(e) => column_of(e, table)
            .map(|c| null_test(c, false))
            .unwrap_or(Pushed::No),
        // A long literal list, packed before planning (`long_in.rs`).
        Expr::ScalarFunction(_) => {
            // A `$id` list (the long list BI tools send): the condition the `InList`
            // below would give, `$id` equal to one of the integers, built without a
            // literal and a comparison per value.
            if let Some((tested, ints)) = crate::long_in::packed_ints(expr) {
                if let Some(c) = column_of(tested, table)
                    .filter(|c| kind_of(c) == Kind::Id && c.data_type == DataType::Int64)
                {
                    let values: Option<Vec<Value>> = ints
                        .map(|t| t.parse::<i64>().ok().map(|_| Value::str(t)))
                        .collect();
                    if let Some(values) = values {
                        return ok(Cond::in_list(c.code(), values), true);
                    }
                }
            }
            let column_type = |e: &Expr| match e {
                Expr::Column(c) => table.column(&c.name).map(|c| c.data_type.clone()),
                _ => None,
            };
            match crate::long_in::as_in_list(expr, column_type) {
                Some(list) => translate(&list, table),
                None => Pushed::No,
            }
        }
        // LIKE, NOT, other functions, casts of columns...: evaluated by SQL only.
        _ => Pushed::No,
    }
}

/// `a AND b`: pushing one side alone still selects a superset.
fn and(a: Pushed, b: Pushed) -> Pushed {
    match (a, b) {
        (Pushed::Exact(a), Pushed::Exact(b)) => Pushed::Exact(Cond::And(vec![a, b])),
        (Pushed::No, Pushed::No) => Pushed::No,
        (Pushed::No, x) | (x, Pushed::No) => match x {
            Pushed::Exact(c) | Pushed::Inexact(c) => Pushed::Inexact(c),
            Pushed::No => Pushed::No,
        },
        (a, b) => match (a.cond(), b.cond()) {
            (Some(a), Some(b)) => Pushed::Inexact(Cond::And(vec![a.clone(), b.clone()])),
            _ => Pushed::No,
        },
    }
}

fn flip(op: Operator) -> Option<Operator> {
    Some(match op {
        Operator::Eq => Operator::Eq,
        Operator::NotEq => Operator::NotEq,
        Operator::Lt => Operator::Gt,
        Operator::LtEq => Operator::GtEq,
        Operator::Gt => Operator::Lt,
        Operator::GtEq => Operator::LtEq,
        _ => return None,
    })
}

fn column_of<'a>(e: &Expr, table: &'a TableDef) -> Option<&'a Column> {
    match e {
        // A number shown with its unit compares as text here and as a number in
        // Kintone: never pushed.
        Expr::Column(c) => table.column(&c.name).filter(|c| c.unit.is_none()),
        // DataFusion widens a DECIMAL column to compare it with a literal of another
        // scale (`Score >= 500.5`). A widening that keeps every integer and fraction
        // digit does not change any comparison, so the column still pushes.
        Expr::Cast(Cast { expr, field }) => {
            let c = column_of(expr, table)?;
            match (&c.data_type, field.data_type()) {
                (DataType::Decimal128(p1, s1), DataType::Decimal128(p2, s2))
                    if s2 >= s1 && (*p2 as i16 - *s2 as i16) >= (*p1 as i16 - *s1 as i16) =>
                {
                    Some(c)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn literal_of(e: &Expr) -> Option<&ScalarValue> {
    match e {
        Expr::Literal(v, _) if !v.is_null() => Some(v),
        _ => None,
    }
}

fn text_literal(v: &ScalarValue) -> Option<&str> {
    match v {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => Some(s.as_str()),
        _ => None,
    }
}

fn int_literal(v: &ScalarValue) -> Option<i128> {
    Some(match v {
        ScalarValue::Int8(Some(x)) => *x as i128,
        ScalarValue::Int16(Some(x)) => *x as i128,
        ScalarValue::Int32(Some(x)) => *x as i128,
        ScalarValue::Int64(Some(x)) => *x as i128,
        ScalarValue::UInt8(Some(x)) => *x as i128,
        ScalarValue::UInt16(Some(x)) => *x as i128,
        ScalarValue::UInt32(Some(x)) => *x as i128,
        ScalarValue::UInt64(Some(x)) => *x as i128,
        _ => return None,
    })
}

/// The Kintone text of a literal compared with an ordered column, only when its type is
/// the column's (after DataFusion's coercion) so no conversion semantics are guessed.
fn ordered_literal(c: &Column, v: &ScalarValue) -> Option<String> {
    match (&c.data_type, v) {
        (DataType::Int64, v) => int_literal(v).map(|i| i.to_string()),
        (DataType::Decimal128(..), ScalarValue::Decimal128(Some(x), _, s)) => {
            Some(format_decimal(*x, *s))
        }
        (DataType::Decimal128(..), v) => int_literal(v).map(|i| i.to_string()),
        (DataType::Date32, ScalarValue::Date32(Some(d))) => {
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
            let date = epoch.checked_add_signed(chrono::Duration::days(*d as i64))?;
            Some(date.format("%Y-%m-%d").to_string())
        }
        (DataType::Time64(_), ScalarValue::Time64Nanosecond(Some(ns))) => {
            if ns % 60_000_000_000 != 0 {
                return None;
            }
            let secs = (ns / 1_000_000_000) as u32;
            let t = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)?;
            Some(t.format("%H:%M").to_string())
        }
        (DataType::Timestamp(..), v) => {
            let micros = match v {
                ScalarValue::TimestampSecond(Some(x), Some(_)) => x.checked_mul(1_000_000)?,
                ScalarValue::TimestampMillisecond(Some(x), Some(_)) => x.checked_mul(1_000)?,
                ScalarValue::TimestampMicrosecond(Some(x), Some(_)) => *x,
                ScalarValue::TimestampNanosecond(Some(x), Some(_)) => {
                    if x % 1_000 != 0 {
                        return None;
                    }
                    x / 1_000
                }
                _ => return None,
            };
            if micros % 60_000_000 != 0 {
                return None;
            }
            let t = DateTime::from_timestamp_micros(micros)?;
            Some(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        }
        _ => None,
    }
}

fn kop(op: Operator) -> Option<Op> {
    Some(match op {
        Operator::Eq => Op::Eq,
        Operator::NotEq => Op::Ne,
        Operator::Lt => Op::Lt,
        Operator::LtEq => Op::Le,
        Operator::Gt => Op::Gt,
        Operator::GtEq => Op::Ge,
        _ => return None,
    })
}

fn ok(r: kintone_api::Result<Cond>, exact: bool) -> Pushed {
    match r {
        Ok(c) if exact => Pushed::Exact(c),
        Ok(c) => Pushed::Inexact(c),
        // A code that cannot be written in a query: SQL evaluates the filter.
        Err(_) => Pushed::No,
    }
}

fn is_option(c: &Column, s: &str) -> bool {
    c.options.iter().any(|o| o == s)
}

fn compare(c: &Column, op: Operator, v: &ScalarValue) -> Pushed {
    let Some(kop) = kop(op) else {
        return Pushed::No;
    };
    let code = c.code();
    match kind_of(c) {
        Kind::Id | Kind::Ordered { .. } => {
            let Some(text) = ordered_literal(c, v) else {
                return Pushed::No;
            };
            // `!=` also selects empty values in Kintone (UNCONFIRMED for real Kintone;
            // the sandbox does so): a superset of SQL's answer.
            let exact = kop != Op::Ne || kind_of(c) == Kind::Id;
            ok(Cond::cmp(code, kop, Value::str(text)), exact)
        }
        Kind::Text if kop == Op::Eq => match text_literal(v) {
            Some(s) if !s.is_empty() => ok(Cond::cmp(code, Op::Eq, Value::str(s)), false),
            _ => Pushed::No,
        },
        Kind::Choice { .. } => match text_literal(v) {
            Some(s) if is_option(c, s) => match kop {
                Op::Eq => ok(Cond::in_list(code, vec![Value::str(s)]), true),
                Op::Ne => ok(Cond::not_in(code, vec![Value::str(s)]), false),
                _ => Pushed::No,
            },
            _ => Pushed::No,
        },
        Kind::Multi if kop == Op::Eq => match text_literal(v) {
            Some(s) if is_option(c, s) => ok(Cond::in_list(code, vec![Value::str(s)]), false),
            _ => Pushed::No,
        },
        Kind::Entity if kop == Op::Eq => match text_literal(v) {
            Some(s) if !s.is_empty() => ok(Cond::in_list(code, vec![Value::str(s)]), false),
            _ => Pushed::No,
        },
        _ => Pushed::No,
    }
}

fn in_list(c: &Column, values: &[&ScalarValue], negated: bool) -> Pushed {
    let code = c.code();
    match kind_of(c) {
        Kind::Id | Kind::Ordered { .. } => {
            let op = if negated {
                Operator::NotEq
            } else {
                Operator::Eq
            };
            let parts: Vec<Pushed> = values.iter().map(|v| compare(c, op, v)).collect();
            if parts.contains(&Pushed::No) {
                return Pushed::No;
            }
            let exact = parts.iter().all(|p| matches!(p, Pushed::Exact(_)));
            let conds: Vec<Cond> = parts.iter().filter_map(|p| p.cond().cloned()).collect();
            let cond = if negated {
                Cond::And(conds)
            } else {
                Cond::Or(conds)
            };
            if exact {
                Pushed::Exact(cond)
            } else {
                Pushed::Inexact(cond)
            }
        }
        Kind::Text if !negated => {
            let texts: Option<Vec<Value>> = values
                .iter()
                .map(|v| text_literal(v).filter(|s| !s.is_empty()).map(Value::str))
                .collect();
            match texts {
                Some(t) => ok(Cond::in_list(code, t), false),
                None => Pushed::No,
            }
        }
        Kind::Choice { .. } => {
            let texts: Option<Vec<Value>> = values
                .iter()
                .map(|v| text_literal(v).filter(|s| is_option(c, s)).map(Value::str))
                .collect();
            match (texts, negated) {
                (Some(t), false) => ok(Cond::in_list(code, t), true),
                (Some(t), true) => ok(Cond::not_in(code, t), false),
                (None, _) => Pushed::No,
            }
        }
        _ => Pushed::No,
    }
}

fn null_test(c: &Column, is_null: bool) -> Pushed {
    let code = c.code();
    let op = if is_null { Op::Eq } else { Op::Ne };
    match kind_of(c) {
        Kind::Ordered {
            nullable_query: true,
        }
        | Kind::Text => ok(Cond::cmp(code, op, Value::str("")), true),
        Kind::Choice { drop_down: true } => {
            let empty = vec![Value::str("")];
            ok(
                if is_null {
                    Cond::in_list(code, empty)
                } else {
                    Cond::not_in(code, empty)
                },
                true,
            )
        }
        Kind::File => ok(
            if is_null {
                Cond::is_empty(code)
            } else {
                Cond::is_not_empty(code)
            },
            true,
        ),
        // Whitespace-only text is empty to Kintone but a value to SQL.
        Kind::MultiLine if is_null => ok(Cond::is_empty(code), false),
        _ => Pushed::No,
    }
}

/// Whether Kintone's `order by` on a column gives SQL's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sortable {
    /// Never empty (`$id`, CREATED_TIME, UPDATED_TIME).
    Always,
    /// Numbers, dates, times, datetimes: values sort as SQL sorts them, but the field
    /// may be empty (see `scan::NullSplit`).
    MayBeEmpty,
}

/// `None` where Kintone's order is not SQL's: text (Kintone's collation), choices (option
/// index), multi-value and user fields (not sortable), subtable columns.
pub fn sortable(c: &Column) -> Option<Sortable> {
    if c.unit.is_some() {
        // Text with a unit sorts as text.
        return None;
    }
    match &c.source {
        Source::Id => Some(Sortable::Always),
        Source::Revision | Source::RowId => None,
        Source::Field { field_type, .. } => match field_type.as_str() {
            "CREATED_TIME" | "UPDATED_TIME" => Some(Sortable::Always),
            "NUMBER" | "DATE" | "TIME" | "DATETIME" => Some(Sortable::MayBeEmpty),
            // A CALC shown as text (HOUR_MINUTE...) would sort as text locally.
            "CALC" if !matches!(c.data_type, DataType::Utf8) => Some(Sortable::MayBeEmpty),
            _ => None,
        },
    }
}
