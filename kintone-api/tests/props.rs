//! Property tests of what takes untrusted input: the query builder, checked against the
//! sandbox's independent parser (a bound value must stay one literal), and JSON record
//! decoding (any JSON decodes or errors, never panics).

use chrono::{DateTime, NaiveDate, Utc};
use kintone_api::query::{self, field_code, quote, Cond, Op, OrderKey, Value};
use kintone_api::values::{Decimal, FieldValue, Record};
use kintone_sandbox::query as oracle;
use kintone_sandbox::query::{Arg, CmpOp, CondAst, PredAst, ValueExpr};
use proptest::prelude::*;

#[path = "support/field_types.rs"]
mod field_types;
use field_types::FIELD_TYPES;
#[path = "support/query.rs"]
mod read_back;
use read_back::as_read_back;
use serde_json::{json, Value as Json};

/// Values made of the query language's own syntax, so that an escaping mistake turns
/// into a second condition or an `order by` rather than a rare accident.
fn hostile_value() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\""),
        Just("\\"),
        Just("\\\""),
        Just(" or "),
        Just(" and "),
        Just("$id > \"0"),
        Just(" order by $id desc"),
        Just(" limit 1"),
        Just("("),
        Just(")"),
        Just(","),
        Just("="),
        Just("'"),
        Just("\r"),
        Just("\n"),
        Just("\r\n"),
        Just("\t"),
        Just("\u{0}"),
        Just("\u{7f}"),
        Just("\u{3000}"),
        Just("like"),
        Just("not in"),
        Just("x"),
        Just("値"),
        Just(" "),
    ];
    prop_oneof![
        prop::collection::vec(piece, 0..10).prop_map(|p| p.concat()),
        any::<String>(),
    ]
}

/// Plausible field codes (Kintone's start with a letter, `_`, `$` or a Japanese
/// character; digits, `・`, `＿`, `￥` may follow).
fn field() -> impl Strategy<Value = String> {
    "[A-Za-z_$ぁ-んァ-ン一-龥][A-Za-z0-9_・＿￥ぁ-ん一-龥]{0,10}"
}

fn cmp_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Eq),
        Just(Op::Ne),
        Just(Op::Gt),
        Just(Op::Lt),
        Just(Op::Ge),
        Just(Op::Le),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => hostile_value().prop_map(Value::Str),
        1 => Just(Value::function("LOGINUSER", &[]).unwrap()),
        1 => (-30i32..30).prop_map(|n| Value::function("FROM_TODAY", &[&n.to_string(), "DAYS"]).unwrap()),
    ]
}

/// One predicate of every kind the builder makes.
fn leaf() -> impl Strategy<Value = Cond> {
    prop_oneof![
        (field(), cmp_op(), value()).prop_map(|(f, op, v)| Cond::cmp(&f, op, v).unwrap()),
        (field(), prop::collection::vec(value(), 1..4), any::<bool>()).prop_map(|(f, vs, neg)| {
            if neg {
                Cond::not_in(&f, vs).unwrap()
            } else {
                Cond::in_list(&f, vs).unwrap()
            }
        }),
        (field(), hostile_value(), any::<bool>()).prop_map(|(f, v, neg)| if neg {
            Cond::not_like(&f, &v).unwrap()
        } else {
            Cond::like(&f, &v).unwrap()
        }),
        (field(), any::<bool>()).prop_map(|(f, neg)| if neg {
            Cond::is_not_empty(&f).unwrap()
        } else {
            Cond::is_empty(&f).unwrap()
        }),
    ]
}

fn tree() -> impl Strategy<Value = Cond> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Cond::And),
            prop::collection::vec(inner, 1..4).prop_map(Cond::Or),
        ]
    })
}

fn expected_value(v: &Value) -> ValueExpr {
    match v {
        Value::Str(s) => ValueExpr::Lit(as_read_back(s)),
        Value::Func(f) => {
            // `NAME(a, b)` as the builder wrote it: the arguments are bare words.
            let (name, rest) = f.split_once('(').unwrap();
            let args = rest
                .trim_end_matches(')')
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| Arg::Word(a.to_string()))
                .collect();
            ValueExpr::Func {
                name: name.to_string(),
                args,
            }
        }
    }
}

/// The tree the builder meant, in the oracle's terms.
fn expected(c: &Cond) -> CondAst {
    let pred = |field: &str, op, values| {
        CondAst::Pred(PredAst {
            field: field.to_string(),
            op,
            values,
        })
    };
    match c {
        Cond::Cmp { field, op, value } => {
            let op = match op {
                Op::Eq => CmpOp::Eq,
                Op::Ne => CmpOp::Ne,
                Op::Gt => CmpOp::Gt,
                Op::Lt => CmpOp::Lt,
                Op::Ge => CmpOp::Ge,
                Op::Le => CmpOp::Le,
            };
            pred(field, oracle::Op::Cmp(op), vec![expected_value(value)])
        }
        Cond::In {
            field,
            negated,
            values,
        } => pred(
            field,
            if *negated {
                oracle::Op::NotIn
            } else {
                oracle::Op::In
            },
            values.iter().map(expected_value).collect(),
        ),
        Cond::Like {
            field,
            negated,
            value,
        } => pred(
            field,
            if *negated {
                oracle::Op::NotLike
            } else {
                oracle::Op::Like
            },
            vec![ValueExpr::Lit(as_read_back(value))],
        ),
        Cond::Empty { field, negated } => pred(
            field,
            if *negated {
                oracle::Op::IsNotEmpty
            } else {
                oracle::Op::IsEmpty
            },
            vec![],
        ),
        Cond::And(items) => CondAst::And(items.iter().map(expected).collect()),
        Cond::Or(items) => CondAst::Or(items.iter().map(expected).collect()),
        Cond::Raw(_) => unreachable!("not generated"),
    }
}

/// Groups of one are their item and nested groups of the same kind are one group:
/// both spellings mean the same condition.
fn normal(c: CondAst) -> CondAst {
    fn flatten(items: Vec<CondAst>, and: bool) -> Vec<CondAst> {
        let mut out = Vec::new();
        for i in items.into_iter().map(normal) {
            match i {
                CondAst::And(inner) if and => out.extend(inner),
                CondAst::Or(inner) if !and => out.extend(inner),
                other => out.push(other),
            }
        }
        out
    }
    match c {
        CondAst::And(items) | CondAst::Or(items) if items.len() == 1 => {
            normal(items.into_iter().next().unwrap())
        }
        CondAst::And(items) => CondAst::And(flatten(items, true)),
        CondAst::Or(items) => CondAst::Or(flatten(items, false)),
        p => p,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The oracle reads back exactly the predicate that was built, and the options
    /// after it: a value cannot add a condition, an `order by` or a `limit`.
    #[test]
    fn one_bound_value_stays_one_literal(c in leaf(), limit in 1u64..500, offset in 0u64..10_000) {
        let q = query::build(
            Some(&c.to_string()),
            &[OrderKey::desc("$id").unwrap()],
            Some(limit),
            Some(offset),
        );
        let ast = oracle::parse(&q).map_err(|e| TestCaseError::fail(format!("{q}: {}", e.message)))?;
        prop_assert_eq!(ast.cond, Some(expected(&c)), "query: {}", q);
        prop_assert_eq!(ast.order, vec![("$id".to_string(), false)]);
        prop_assert_eq!(ast.limit, Some(limit.to_string()));
        prop_assert_eq!(ast.offset, Some(offset.to_string()));
    }

    /// Nested `and`/`or` keep their grouping through rendering.
    #[test]
    fn condition_trees_parse_back(c in tree()) {
        let text = c.to_string();
        let ast = oracle::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {}", e.message)))?;
        prop_assert_eq!(ast.cond.map(normal), Some(normal(expected(&c))), "query: {}", text);
        prop_assert!(ast.order.is_empty() && ast.limit.is_none() && ast.offset.is_none());
    }

    /// `and_with` keeps the original condition and the extra one apart.
    #[test]
    fn and_with_keeps_both(a in leaf(), b in leaf()) {
        let text = query::and_with(Some(&a.to_string()), &b.to_string());
        let ast = oracle::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {}", e.message)))?;
        prop_assert_eq!(
            ast.cond.map(normal),
            Some(normal(CondAst::And(vec![expected(&a), expected(&b)]))),
            "query: {}", text
        );
    }

    /// A quoted literal is one string token whatever it holds.
    #[test]
    fn quote_is_one_literal(v in hostile_value()) {
        let text = format!("f = {}", quote(&v));
        let ast = oracle::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {}", e.message)))?;
        let Some(CondAst::Pred(p)) = ast.cond else {
            return Err(TestCaseError::fail(format!("not one predicate: {text}")));
        };
        prop_assert_eq!(p.values, vec![ValueExpr::Lit(as_read_back(&v))]);
    }

    /// Whatever `field_code` accepts is read as that one field code.
    #[test]
    fn accepted_field_codes_are_one_word(code in prop_oneof![any::<String>(), field(), "[a-z$.\\-0-9&;:#%]{1,8}"]) {
        prop_assume!(field_code(&code).is_ok());
        // A bare number is never a field code to Kintone; the builder leaves that to it.
        prop_assume!(!oracle::is_number(&code));
        let text = format!("{code} is empty");
        let ast = oracle::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {}", e.message)))?;
        prop_assert_eq!(
            ast.cond,
            Some(CondAst::Pred(PredAst { field: code.clone(), op: oracle::Op::IsEmpty, values: vec![] }))
        );
    }
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        any::<String>().prop_map(Json::String),
        "[0-9.eE+-]{0,12}".prop_map(Json::String),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:?[0-9]{2}))?"
            .prop_map(Json::String),
        "[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?".prop_map(Json::String),
    ];
    leaf.prop_recursive(3, 32, 4, |inner| {
        let key = prop_oneof![
            Just("code".to_string()),
            Just("name".to_string()),
            Just("value".to_string()),
            Just("type".to_string()),
            Just("id".to_string()),
            Just("fileKey".to_string()),
            Just("size".to_string()),
            "[a-z]{1,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::vec((key, inner), 0..4)
                .prop_map(|kv| Json::Object(kv.into_iter().collect())),
        ]
    })
}

fn field_type() -> impl Strategy<Value = String> {
    prop_oneof![
        9 => prop::sample::select(&FIELD_TYPES[..]).prop_map(str::to_string),
        1 => "[A-Z_]{0,8}",
    ]
}

/// A record whose fields have known types and arbitrary values (subtables get rows of
/// typed fields too).
fn record_json() -> impl Strategy<Value = Json> {
    let typed = || (field_type(), json_value()).prop_map(|(t, v)| json!({"type": t, "value": v}));
    let row = prop::collection::vec(("[a-z]{1,4}", typed()), 0..3).prop_map(
        |fs| json!({"id": "1", "value": fs.into_iter().collect::<serde_json::Map<_, _>>()}),
    );
    let subtable = prop::collection::vec(row, 0..3)
        .prop_map(|rows| json!({"type": "SUBTABLE", "value": rows}));
    prop::collection::vec(
        (
            "[a-z$]{1,6}",
            prop_oneof![4 => typed(), 1 => subtable, 1 => json_value()],
        ),
        0..6,
    )
    .prop_map(|fs| Json::Object(fs.into_iter().collect()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Any JSON under any field type decodes or errors, and the record accessors cope
    /// with whatever decoded.
    #[test]
    fn any_json_decodes_or_errors(t in field_type(), v in json_value()) {
        if let Ok(fv) = FieldValue::decode_typed("f", &t, &v) {
            let _ = fv.type_name();
            let _ = fv.encode_value();
        }
        let _ = FieldValue::decode("f", &v);
    }

    #[test]
    fn any_record_decodes_or_errors(r in prop_oneof![record_json(), json_value()]) {
        if let Ok(rec) = Record::decode(&r) {
            let _ = (rec.id(), rec.revision());
            let _ = rec.encode();
        }
    }

    /// What the client writes it reads back unchanged.
    #[test]
    fn encoded_values_decode_back(
        text in any::<String>(),
        list in prop::collection::vec(any::<String>(), 0..4),
        number in "[+-]?[0-9]{1,20}(\\.[0-9]{1,10})?([eE][+-]?[0-9]{1,3})?",
        days in -100_000i64..100_000,
        secs in -5_000_000_000i64..5_000_000_000,
    ) {
        let date = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Duration::days(days);
        let when = DateTime::<Utc>::from_timestamp(secs, 0).unwrap();
        let values = [
            ("SINGLE_LINE_TEXT", FieldValue::SingleLineText(text.clone())),
            ("MULTI_LINE_TEXT", FieldValue::MultiLineText(text.clone())),
            ("LINK", FieldValue::Link(text)),
            ("CHECK_BOX", FieldValue::CheckBox(list.clone())),
            ("MULTI_SELECT", FieldValue::MultiSelect(list)),
            ("NUMBER", FieldValue::Number(Some(number.parse::<Decimal>().unwrap()))),
            ("DATE", FieldValue::Date(Some(date))),
            ("DATETIME", FieldValue::DateTime(Some(when))),
        ];
        for (t, fv) in values {
            let encoded = fv.encode_value().unwrap();
            let back = FieldValue::decode_typed("f", t, &encoded)
                .map_err(|e| TestCaseError::fail(format!("{t} {encoded}: {e}")))?;
            prop_assert_eq!(back, fv);
        }
        let mut rec = Record::new();
        rec.set("t", FieldValue::SingleLineText("x".into()));
        let wrapped = Json::Object(
            rec.encode()
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), json!({"type": "SINGLE_LINE_TEXT", "value": v["value"]})))
                .collect(),
        );
        prop_assert_eq!(Record::decode(&wrapped).unwrap(), rec);
    }

    /// `Decimal` accepts exactly sign, digits, optional fraction, optional exponent.
    #[test]
    fn decimal_syntax(s in prop_oneof!["[+-]?[0-9]{0,4}(\\.[0-9]{0,4})?([eE][+-]?[0-9]{0,3})?", "[ 0-9.eE+a-]{0,10}"]) {
        let t = s.trim();
        let body = t.strip_prefix(['+', '-']).unwrap_or(t);
        let (mant, exp) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], Some(&body[i + 1..])),
            None => (body, None),
        };
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
        let exp_ok = exp.is_none_or(|e| {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && digits(e)
        });
        let ok = !(int.is_empty() && frac.is_empty()) && digits(int) && digits(frac) && exp_ok;
        prop_assert_eq!(s.parse::<Decimal>().is_ok(), ok, "{:?}", s);
    }
}
