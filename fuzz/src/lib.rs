//! The invariants each AFL target checks (the same ones the crates' `tests/props.rs`
//! check with generated input). Every check panics on a violation: under AFL a panic
//! aborts the process and the input is saved as a crash.

use std::ffi::c_void;
use std::sync::Arc;

#[path = "../../driver/tests/support/c_types.rs"]
mod c_types;
/// Bytes → text the way an application would hand it over (invalid UTF-8 replaced).
#[path = "../../sql/tests/support/connstr.rs"]
mod connstr_support;
#[path = "../../kintone-api/tests/support/field_types.rs"]
mod field_types;
#[path = "../../kintone-api/tests/support/query.rs"]
mod query_support;
#[path = "../../sql/tests/support/sqltext.rs"]
mod sqltext_support;

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

pub mod connstr {
    use crate::connstr_support::{in_plain_value, visible_outputs};
    use kintone_sql::properties::{parse_pairs, quote_value};

    /// Not in any input AFL can derive from our seeds by chance in a short run; if an
    /// input contains it, the secret check is skipped for that input.
    const SECRET: &str = "Qz8vKx3mW7pL2nRt";

    pub fn check(data: &[u8]) {
        let s = super::text(data);
        let _ = visible_outputs(&s);
        let _ = parse_pairs(&s, ',');

        // The input around a secret property: the secret is never shown unless the
        // input made it part of another property's value.
        if !s.contains(SECRET) {
            for key in [
                "PWD",
                "APIToken",
                "OAuthClientSecret",
                "ProxyPassword",
                "FirewallPassword",
            ] {
                for with in [
                    format!("{s};{key}={SECRET}"),
                    format!("{key}={{{SECRET}}};{s}"),
                    format!("{key}={SECRET}{s}"),
                ] {
                    if in_plain_value(&with, SECRET) {
                        continue;
                    }
                    for shown in visible_outputs(&with) {
                        assert!(
                            !shown.contains(SECRET),
                            "{shown:?} shows the secret of {with:?}"
                        );
                    }
                }
            }
        }

        // Round trip: the input cut into key/value pairs at 0x01 bytes.
        let parts: Vec<&str> = s.split('\u{1}').collect();
        let pairs: Vec<(String, String)> = parts
            .chunks(2)
            .map(|kv| {
                let key: String = kv[0]
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric())
                    .collect();
                (
                    format!("k{key}"),
                    kv.get(1).copied().unwrap_or("").to_string(),
                )
            })
            .collect();
        let joined = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", quote_value(v)))
            .collect::<Vec<_>>()
            .join(";");
        let back = parse_pairs(&joined, ';').unwrap_or_else(|e| panic!("{joined:?}: {e}"));
        assert_eq!(back, pairs, "{joined:?}");
    }
}

pub mod sqltext {
    use crate::sqltext_support::reference_params;
    use kintone_sql::escapes::{translate, EscapeContext};
    use kintone_sql::sqltext::rewrite;

    pub fn check(data: &[u8]) {
        let s = super::text(data);
        if let Ok(r) = rewrite(&s) {
            assert_eq!(r.params, reference_params(&s), "{s:?} -> {:?}", r.sql);
            // Rewriting is idempotent on its own output's parameters: `$n` stay.
            assert!(!r.sql.ends_with(';'));
        }
        let _ = translate(&s, &EscapeContext::default());
    }
}

pub mod query_builder {
    use crate::query_support::as_read_back;
    use kintone_api::query::{build, quote, Cond, Op, OrderKey, Value};
    use kintone_sandbox::query as oracle;
    use kintone_sandbox::query::{CmpOp, CondAst, PredAst, ValueExpr};

    const FIELDS: &[&str] = &[
        "title",
        "数値",
        "$id",
        "order",
        "limit",
        "not",
        "a.b",
        "ステータス",
    ];

    pub fn check(data: &[u8]) {
        let Some((&sel, rest)) = data.split_first() else {
            return;
        };
        let s = super::text(rest);
        let values: Vec<String> = s.split('\u{1}').map(str::to_string).collect();
        let field = FIELDS[usize::from(sel >> 4) % FIELDS.len()];
        let lits = |vs: &[String]| -> Vec<ValueExpr> {
            vs.iter().map(|v| ValueExpr::Lit(as_read_back(v))).collect()
        };
        let (cond, op, expected) = match sel % 8 {
            k @ 0..=5 => {
                let (op, cmp) = [
                    (Op::Eq, CmpOp::Eq),
                    (Op::Ne, CmpOp::Ne),
                    (Op::Gt, CmpOp::Gt),
                    (Op::Lt, CmpOp::Lt),
                    (Op::Ge, CmpOp::Ge),
                    (Op::Le, CmpOp::Le),
                ][usize::from(k)];
                (
                    Cond::cmp(field, op, values[0].as_str()),
                    oracle::Op::Cmp(cmp),
                    lits(&values[..1]),
                )
            }
            6 => (
                Cond::in_list(
                    field,
                    values.iter().map(|v| Value::str(v.clone())).collect(),
                ),
                oracle::Op::In,
                lits(&values),
            ),
            _ => (
                Cond::like(field, &values[0]),
                oracle::Op::Like,
                lits(&values[..1]),
            ),
        };
        let cond = cond.expect("fixed field codes are valid");
        let q = build(
            Some(&cond.to_string()),
            &[OrderKey::asc("$id").expect("valid")],
            Some(100),
            Some(0),
        );
        let ast = oracle::parse(&q).unwrap_or_else(|e| panic!("{q:?}: {}", e.message));
        assert_eq!(
            ast.cond,
            Some(CondAst::Pred(PredAst {
                field: field.to_string(),
                op,
                values: expected,
            })),
            "{q:?}"
        );
        assert_eq!(ast.order, vec![("$id".to_string(), true)], "{q:?}");
        assert_eq!(
            (ast.limit.as_deref(), ast.offset.as_deref()),
            (Some("100"), Some("0")),
            "{q:?}"
        );

        // Nested: the value inside an `or` inside an `and` stays where it was put.
        let nested = Cond::And(vec![
            Cond::Or(vec![cond.clone(), Cond::is_empty("x").expect("valid")]),
            Cond::like("y", &s).expect("valid"),
        ]);
        let q = nested.to_string();
        let ast = oracle::parse(&q).unwrap_or_else(|e| panic!("{q:?}: {}", e.message));
        match ast.cond {
            Some(CondAst::And(items)) if items.len() == 2 => {
                assert!(matches!(&items[0], CondAst::Or(o) if o.len() == 2), "{q:?}");
            }
            other => panic!("{q:?} parsed as {other:?}"),
        }
        let _ = oracle::parse(&format!("f = {}", quote(&s)));
        // The oracle itself must not panic on anything.
        let _ = oracle::parse(&s);
    }
}

pub mod json_decode {
    use super::Arc;
    use crate::field_types::FIELD_TYPES;
    use kintone_api::values::{FieldValue, Record};
    use kintone_sql::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
    use kintone_sql::catalog::{Column, Source, UTC};
    use kintone_sql::decode::{parse_decimal, BatchBuilder};
    use serde_json::{json, Value as Json};

    fn column(name: &str, source: Source, data_type: DataType) -> Column {
        Column {
            name: name.to_string(),
            source,
            data_type,
            nullable: true,
            calc_format: None,
            options: vec![],
            label: name.to_string(),
            max_length: None,
            unique: false,
            unit: None,
        }
    }

    fn field(code: &str, t: &str) -> Source {
        Source::Field {
            code: code.to_string(),
            field_type: t.to_string(),
        }
    }

    /// Columns of every Arrow type the catalog uses, reading the record's `a`..`h`.
    fn columns() -> Vec<Column> {
        vec![
            column("id", Source::Id, DataType::Int64),
            column("rev", Source::Revision, DataType::Int64),
            column("row", Source::RowId, DataType::Int64),
            column("a", field("a", "SINGLE_LINE_TEXT"), DataType::Utf8),
            column("b", field("b", "NUMBER"), DataType::Decimal128(38, 8)),
            column("c", field("c", "NUMBER"), DataType::Float64),
            column("d", field("d", "DATE"), DataType::Date32),
            column(
                "e",
                field("e", "TIME"),
                DataType::Time64(TimeUnit::Nanosecond),
            ),
            column(
                "f",
                field("f", "DATETIME"),
                DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
            ),
            column("g", field("g", "CALC"), DataType::Decimal128(38, 0)),
            column("h", field("h", "CHECK_BOX"), DataType::Utf8),
        ]
    }

    fn batch(records: &[Record]) {
        let cols = columns();
        let schema = Arc::new(Schema::new(
            cols.iter()
                .map(|c| Field::new(&c.name, c.data_type.clone(), true))
                .collect::<Vec<_>>(),
        ));
        let Ok(mut b) = BatchBuilder::new(schema, cols, 4, ", ") else {
            panic!("the columns are valid");
        };
        for r in records {
            if b.push_record(r).is_err() {
                return;
            }
            if b.push_subtable_rows(r, "s").is_err() {
                return;
            }
        }
        let rows = b.rows();
        let got = b.finish().unwrap_or_else(|e| panic!("finish: {e}"));
        assert_eq!(got.num_rows(), rows);
    }

    pub fn check(data: &[u8]) {
        let s = super::text(data);
        for scale in [0i8, 2, 8, 38, -3] {
            let _ = parse_decimal(&s, scale);
        }
        let Ok(v) = serde_json::from_slice::<Json>(data) else {
            return;
        };
        for t in FIELD_TYPES {
            if let Ok(fv) = FieldValue::decode_typed("f", t, &v) {
                let _ = fv.encode_value();
            }
        }
        let _ = FieldValue::decode("f", &v);
        // The input as a whole record, and its values under the columns' codes.
        let mut records = Vec::new();
        if let Ok(r) = Record::decode(&v) {
            let _ = r.encode();
            records.push(r);
        }
        if let Json::Object(o) = &v {
            for (i, (_, x)) in o.iter().enumerate().take(16) {
                let code = ["a", "b", "c", "d", "e", "f", "g", "h", "s"][i % 9];
                let t = FIELD_TYPES[(i * 7 + x.to_string().len()) % FIELD_TYPES.len()];
                let rec = json!({ code: {"type": t, "value": x}, "$id": {"type": "__ID__", "value": "1"} });
                if let Ok(r) = Record::decode(&rec) {
                    records.push(r);
                }
            }
        }
        batch(&records);
    }
}

pub mod c_convert {
    use super::{c_void, Arc};
    use crate::c_types::{C_TYPES, SQL_TYPES};
    use kintone_sql::arrow::array::*;
    use kintone_sql::arrow::datatypes::Field;
    use kintone_sql::datafusion::common::ScalarValue;
    use kintoneodbc::convert::{read_param, write_value, CBuffer, Progress};
    use kintoneodbc::encoding::WcharMode;
    use kintoneodbc::sys::*;

    /// Zero bytes after the data: terminated scans end inside the allocation and
    /// every fixed-size C type fits.
    const TAIL: usize = 24;

    fn word(b: &[u8], i: usize) -> [u8; 8] {
        let mut w = [0u8; 8];
        for (k, x) in w.iter_mut().enumerate() {
            *x = b.get(i + k).copied().unwrap_or(0);
        }
        w
    }

    pub fn check(data: &[u8]) {
        if data.len() < 6 {
            return;
        }
        let (head, body) = data.split_at(6);
        let c_type = C_TYPES[usize::from(head[0]) % C_TYPES.len()];
        let sql_type = SQL_TYPES[usize::from(head[1]) % SQL_TYPES.len()];
        let mode = if head[2] & 1 == 0 {
            WcharMode::Utf16
        } else {
            WcharMode::Ucs4
        };
        let digits = i16::from(head[2] >> 1) - 8;
        let indicator = match head[3] % 8 {
            0 => None,
            1 => Some(SQL_NTSL),
            2 => Some(SQL_NULL_DATA),
            3 => Some(SQL_DATA_AT_EXEC),
            4 => Some(SQL_DEFAULT_PARAM),
            5 => Some(-200),
            _ => Some((usize::from(head[4]) % (body.len() + 1)) as isize),
        };
        let mut storage = body.to_vec();
        storage.extend([0u8; TAIL]);
        let buffer_len = (isize::from(head[5]) - 8).min(storage.len() as isize);
        // SAFETY: every length the call may use lies within `storage` (indicator at
        // most body.len(), buffer length at most the allocation, a zero tail for
        // terminated scans and fixed-size types).
        let _ = unsafe {
            read_param(
                c_type,
                sql_type,
                0,
                digits,
                storage.as_ptr() as *const c_void,
                buffer_len,
                indicator,
                mode,
            )
        };

        // Exact numbers: the body's first 8 bytes as an i64 and as an f64.
        let w = word(body, 0);
        let i = i64::from_ne_bytes(w);
        // SAFETY: 8 readable bytes.
        let got = unsafe {
            read_param(
                SQL_C_SBIGINT,
                SQL_BIGINT,
                0,
                0,
                w.as_ptr() as *const c_void,
                8,
                None,
                mode,
            )
        };
        assert_eq!(got.ok(), Some(ScalarValue::Int64(Some(i))));
        let text = i.to_string();
        // SAFETY: `text.len()` readable bytes.
        let got = unsafe {
            read_param(
                SQL_C_CHAR,
                SQL_BIGINT,
                0,
                0,
                text.as_ptr() as *const c_void,
                0,
                Some(text.len() as isize),
                mode,
            )
        };
        assert_eq!(got.ok(), Some(ScalarValue::Int64(Some(i))), "{text}");

        // Any cell into this C type, with the header's buffer length.
        let f = f64::from_ne_bytes(word(body, 8));
        let s = super::text(body);
        let cells: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![i])),
            Arc::new(Float64Array::from(vec![f])),
            Arc::new(StringArray::from(vec![s.as_str()])),
            Arc::new(BinaryArray::from(vec![body])),
            Arc::new(Date32Array::from(vec![i as i32])),
            Arc::new(Time64NanosecondArray::from(vec![
                i.rem_euclid(86_400_000_000_000)
            ])),
            Arc::new(TimestampMicrosecondArray::from(vec![i / 100]).with_timezone("UTC")),
            Arc::new(BooleanArray::from(vec![i & 1 == 1])),
        ];
        let cells: Vec<ArrayRef> = match Decimal128Array::from(vec![i128::from(i) * 1000])
            .with_precision_and_scale(38, (head[4] % 39) as i8)
        {
            Ok(d) => cells.into_iter().chain([Arc::new(d) as ArrayRef]).collect(),
            Err(_) => cells,
        };
        let len = isize::from(head[5] % 64);
        for a in &cells {
            let field = Field::new("c", a.data_type().clone(), true);
            let mut out = vec![0xAAu8; 64];
            let buf = CBuffer {
                c_type,
                ptr: out.as_mut_ptr() as *mut c_void,
                len,
                precision: i16::from(head[3] % 40),
                scale: digits,
            };
            // SAFETY: 64 writable bytes cover `len` and every fixed-size C type.
            let _ = unsafe { write_value(a.as_ref(), &field, 0, &buf, mode, None) };
            // SQLGetData in chunks: bounded, and it ends.
            let mut progress = Progress::default();
            let mut ended = false;
            // Each call returns at least one character: the longest rendering (hex of
            // the body, or a 40-character number or timestamp) bounds the calls.
            for _ in 0..(body.len() * 2 + 64) {
                // SAFETY: as above.
                match unsafe { write_value(a.as_ref(), &field, 0, &buf, mode, Some(&mut progress)) }
                {
                    Err(_) => {
                        ended = true;
                        break;
                    }
                    Ok((_, kintoneodbc::convert::Outcome::NoData)) => {
                        ended = true;
                        break;
                    }
                    Ok(_) => {}
                }
            }
            // Under 5 bytes a chunk may hold no character at all: the application has
            // to grow its buffer, so no end is owed.
            assert!(
                ended || len < 5 * 4,
                "SQLGetData never ended: {c_type} {len}"
            );
        }
    }
}
