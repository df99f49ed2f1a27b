//! Property tests of the SQL layer's text inputs: connection strings (round trips,
//! secrets never echoed), ODBC escapes and `?` rewriting, and record decoding into
//! Arrow columns.

use std::sync::Arc;

use kintone_api::values::Record;
use kintone_sql::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use kintone_sql::catalog::{Column, Source, UTC};
use kintone_sql::decode::{format_decimal, parse_decimal, BatchBuilder};
use kintone_sql::properties::{is_secret, parse_pairs, quote_value};

#[path = "support/connstr.rs"]
mod connstr;
use connstr::{in_plain_value, visible_outputs};
#[path = "support/sqltext.rs"]
mod sqltext;
use kintone_sql::sqltext::rewrite;
use proptest::prelude::*;
use serde_json::{json, Value as Json};
use sqltext::reference_params;

// ---------------------------------------------------------------------------------
// Connection strings

const SECRET_KEYS: &[&str] = &[
    "PWD",
    "Password",
    "pwd",
    "APIToken",
    "BasicAuthPassword",
    "SSLClientCertPassword",
    "OAuthClientSecret",
    "OAuthAccessToken",
    "OAuthRefreshToken",
    "OAuthVerifier",
    "ProxyPassword",
    "FirewallPassword",
];

const PLAIN_KEYS: &[&str] = &[
    "Url",
    "Server",
    "User",
    "UID",
    "AuthScheme",
    "AppId",
    "GuestSpaceId",
    "Timeout",
    "MaxRows",
    "Pagesize",
    "ProxyServer",
    "ProxyPort",
    "ProxyExceptions",
    "FirewallServer",
    "FirewallUser",
    "Verbosity",
    "InitiateOAuth",
    "UseCursor",
    "Pushdown",
    "Other",
    "DSN",
    "Driver",
];

/// Plausible and implausible values for the plain keys.
fn plain_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("https://example.cybozu.com".to_string()),
        Just("Password".to_string()),
        Just("APIToken".to_string()),
        Just("OAuth".to_string()),
        Just("true".to_string()),
        "[0-9-]{0,6}",
        "[ a-z;={}]{0,8}",
        any::<String>(),
    ]
}

/// Connection-string syntax in pieces, to put around a secret.
fn junk() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(";".to_string()),
        Just("=".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("}}".to_string()),
        Just(" ".to_string()),
        Just("Url=https://example.cybozu.com".to_string()),
        Just("AuthScheme=Password".to_string()),
        Just("AuthScheme=APIToken".to_string()),
        Just("User=u".to_string()),
        Just("AppId=1".to_string()),
        Just("Other={".to_string()),
        Just("Timeout=x".to_string()),
        Just("x".to_string()),
        prop::sample::select(SECRET_KEYS).prop_map(str::to_string),
        prop::sample::select(PLAIN_KEYS).prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn connection_strings_never_panic(s in prop_oneof![any::<String>(), junk()]) {
        let _ = visible_outputs(&s);
        let _ = parse_pairs(&s, ',');
    }

    /// `quote_value` then `parse_pairs` gives back exactly the pairs.
    #[test]
    fn quoted_pairs_round_trip(
        pairs in prop::collection::vec(("[A-Za-z][A-Za-z0-9_]{0,10}", any::<String>()), 0..6),
        spaces in prop::collection::vec(prop::sample::select(&["", " ", "  "][..]), 6),
        trailing in any::<bool>(),
    ) {
        let mut s = pairs
            .iter()
            .zip(spaces.iter().cycle())
            .map(|((k, v), sp)| format!("{sp}{k}{sp}={sp}{}", quote_value(v)))
            .collect::<Vec<_>>()
            .join(";");
        if trailing {
            s.push(';');
        }
        let back = parse_pairs(&s, ';').map_err(|e| TestCaseError::fail(format!("{s:?}: {e}")))?;
        prop_assert_eq!(back, pairs, "{:?}", s);
    }

    /// A secret given to a secret property is never shown: not in an error message, not
    /// in the masked string, not in the options' debug output.
    #[test]
    fn secrets_are_never_echoed(
        before in junk(),
        after in junk(),
        key in prop::sample::select(SECRET_KEYS),
        secret in "[A-Za-z0-9]{8,16}",
        braced in any::<bool>(),
        others in prop::collection::vec((prop::sample::select(PLAIN_KEYS), plain_value()), 0..3),
    ) {
        prop_assert!(is_secret(key));
        let value = if braced { format!("{{{secret}}}") } else { secret.clone() };
        let mut parts: Vec<String> = others.iter().map(|(k, v)| format!("{k}={}", quote_value(v))).collect();
        parts.insert(parts.len() / 2, format!("{key}={value}"));
        let s = format!("{before}{}{after}", parts.join(";"));
        // The junk may legitimately make the secret part of another property's value
        // (`Url={;PWD=...}`): that value is then not a secret.
        prop_assume!(!in_plain_value(&s, &secret));
        for shown in visible_outputs(&s) {
            prop_assert!(!shown.contains(&secret), "{:?} shows the secret of {:?}", shown, s);
        }
    }
}

// ---------------------------------------------------------------------------------
// SQL text

/// One piece of a statement and what the rewriter must make of it.
#[derive(Clone, Debug)]
enum Seg {
    Plain(String),
    Param,
    Str(String),
    Ident(String),
    LineComment(String),
    BlockComment(String),
    /// `{d '...'}`, `{t '...'}`, `{ts '...'}` with the keyword as written.
    DateTime(String, String),
    /// `{fn CONCAT(?, '...')}`
    Concat(String),
    /// `{oj ...}` around plain text.
    OuterJoin(String),
}

fn lit(content: &str) -> String {
    format!("'{}'", content.replace('\'', "''"))
}

fn seg() -> impl Strategy<Value = Seg> {
    // No quote, brace, `?`, `-` or `/`: plain text that cannot start anything.
    let plain = "[A-Za-z0-9 ,.()=<>+*;\n\u{3000}日本]{1,12}";
    prop_oneof![
        4 => plain.prop_map(Seg::Plain),
        3 => Just(Seg::Param),
        2 => any::<String>().prop_map(Seg::Str),
        1 => "[^\"]{0,8}".prop_map(Seg::Ident),
        1 => "[^\n]{0,8}".prop_map(Seg::LineComment),
        1 => "[^*]{0,8}".prop_map(Seg::BlockComment),
        1 => (prop::sample::select(&["d", "D", "t", "ts", "TS"][..]), "[0-9: -]{0,10}")
            .prop_map(|(k, v)| Seg::DateTime(k.to_string(), v)),
        1 => "[^']{0,6}".prop_map(Seg::Concat),
        1 => plain.prop_map(Seg::OuterJoin),
    ]
}

/// The statement's text and the rewritten text expected (before the final trim).
fn render(segs: &[Seg]) -> (String, String, usize) {
    let (mut input, mut expected, mut n) = (String::new(), String::new(), 0);
    for s in segs {
        match s {
            Seg::Plain(t) => {
                input.push_str(t);
                expected.push_str(t);
            }
            Seg::Param => {
                n += 1;
                input.push('?');
                expected.push_str(&format!("${n}"));
            }
            Seg::Str(t) => {
                input.push_str(&lit(t));
                expected.push_str(&lit(t));
            }
            Seg::Ident(t) => {
                let q = format!("\"{t}\"");
                input.push_str(&q);
                expected.push_str(&q);
            }
            Seg::LineComment(t) => {
                let c = format!("--{t}\n");
                input.push_str(&c);
                expected.push_str(&c);
            }
            Seg::BlockComment(t) => {
                let c = format!("/*{t}*/");
                input.push_str(&c);
                expected.push_str(&c);
            }
            Seg::DateTime(kw, v) => {
                input.push_str(&format!("{{{kw} '{v}'}}"));
                let word = match kw.to_ascii_lowercase().as_str() {
                    "d" => "DATE",
                    "t" => "TIME",
                    _ => "TIMESTAMP",
                };
                expected.push_str(&format!("{word}  '{v}' "));
            }
            Seg::Concat(v) => {
                n += 1;
                input.push_str(&format!("{{fn CONCAT(?, '{v}')}}"));
                expected.push_str(&format!(" concat(${n}, '{v}') "));
            }
            Seg::OuterJoin(t) => {
                input.push_str(&format!("{{oj {t}}}"));
                expected.push_str(&format!("  {t} "));
            }
        }
    }
    (input, expected, n)
}

fn final_trim(s: &str) -> String {
    s.trim_end()
        .trim_end_matches(|c: char| c == ';' || c.is_whitespace())
        .to_string()
}

fn sql_piece() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("?"),
        Just("'"),
        Just("''"),
        Just("\""),
        Just("`"),
        Just("{"),
        Just("}"),
        Just("{fn "),
        Just("{d "),
        Just("{ts "),
        Just("{oj "),
        Just("{escape "),
        Just("{call "),
        Just("--"),
        Just("/*"),
        Just("*/"),
        Just("\n"),
        Just(";"),
        Just(" "),
        Just("("),
        Just(")"),
        Just(","),
        Just("CONCAT"),
        Just("UCASE"),
        Just("TIMESTAMPADD"),
        Just("SQL_TSI_DAY"),
        Just("CONVERT"),
        Just("SQL_BIGINT"),
        Just("x"),
        Just("1"),
    ];
    prop_oneof![
        prop::collection::vec(piece, 0..16).prop_map(|p| p.concat()),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Any text rewrites or errors; when it rewrites, every `?` outside literals,
    /// identifiers and comments is counted, and only those.
    #[test]
    fn rewrite_counts_params_exactly(s in sql_piece()) {
        if let Ok(r) = rewrite(&s) {
            prop_assert_eq!(r.params, reference_params(&s), "{:?} -> {:?}", s, r.sql);
        }
    }

    /// Text outside escapes is kept as written (literals, identifiers and comments
    /// byte for byte), `?` become `$1..$n` in order, escapes become their SQL.
    #[test]
    fn rewrite_keeps_text_outside_escapes(segs in prop::collection::vec(seg(), 0..10)) {
        let (input, expected, n) = render(&segs);
        let r = rewrite(&input).map_err(|e| TestCaseError::fail(format!("{input:?}: {e}")))?;
        prop_assert_eq!(&r.sql, &final_trim(&expected), "input {:?}", input);
        prop_assert_eq!(r.params, n);
    }
}

// ---------------------------------------------------------------------------------
// Record decoding

fn column(name: &str, field_type: &str, data_type: DataType) -> Column {
    Column {
        name: name.to_string(),
        source: Source::Field {
            code: name.to_string(),
            field_type: field_type.to_string(),
        },
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

/// One column of every Arrow type the catalog maps fields to; the record's field of
/// the same code gets an arbitrary type and value.
fn columns() -> Vec<Column> {
    vec![
        Column {
            source: Source::Id,
            ..column("id", "__ID__", DataType::Int64)
        },
        Column {
            source: Source::Revision,
            ..column("rev", "__REVISION__", DataType::Int64)
        },
        column("text", "SINGLE_LINE_TEXT", DataType::Utf8),
        column("dec", "NUMBER", DataType::Decimal128(38, 10)),
        column("dec0", "NUMBER", DataType::Decimal128(38, 0)),
        column("float", "NUMBER", DataType::Float64),
        column("date", "DATE", DataType::Date32),
        column("time", "TIME", DataType::Time64(TimeUnit::Nanosecond)),
        column(
            "ts",
            "DATETIME",
            DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
        ),
    ]
}

const FIELD_TYPES: &[&str] = &[
    "__ID__",
    "__REVISION__",
    "SINGLE_LINE_TEXT",
    "NUMBER",
    "CALC",
    "CHECK_BOX",
    "DROP_DOWN",
    "USER_SELECT",
    "FILE",
    "DATE",
    "TIME",
    "DATETIME",
    "CREATED_TIME",
    "SUBTABLE",
    "SPACER",
];

fn field_json() -> impl Strategy<Value = Json> {
    let scalar = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<String>().prop_map(Json::String),
        // Numbers of every shape, huge exponents included.
        "[+-]?[0-9]{0,40}(\\.[0-9]{0,40})?([eE][+-]?[0-9]{1,10})?".prop_map(Json::String),
        "-?[0-9]{1,6}-[0-9]{2}-[0-9]{2}".prop_map(Json::String),
        "[0-9]{2}:[0-9]{2}(:[0-9]{2})?".prop_map(Json::String),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:?[0-9]{2})"
            .prop_map(Json::String),
    ];
    let value = scalar.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Json::Array),
            prop::collection::vec(("code|name|fileKey|size|id|value", inner), 0..3)
                .prop_map(|kv| Json::Object(kv.into_iter().collect())),
        ]
    });
    (prop::sample::select(FIELD_TYPES), value).prop_map(|(t, v)| json!({"type": t, "value": v}))
}

fn record_json() -> impl Strategy<Value = Json> {
    const CODES: &[&str] = &[
        "id", "rev", "text", "dec", "dec0", "float", "date", "time", "ts",
    ];
    prop::collection::vec((prop::sample::select(CODES), field_json()), 0..9)
        .prop_map(|fs| Json::Object(fs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Whatever JSON the server sends, a record is decoded and appended, or refused
    /// with an error; the batch then has one row per appended record.
    #[test]
    fn records_decode_into_columns_or_error(records in prop::collection::vec(record_json(), 1..4)) {
        let cols = columns();
        let schema = Arc::new(Schema::new(
            cols.iter()
                .map(|c| Field::new(&c.name, c.data_type.clone(), true))
                .collect::<Vec<_>>(),
        ));
        let mut b = BatchBuilder::new(schema, cols, 4, ", ").unwrap();
        let mut rows = 0;
        for r in &records {
            let Ok(rec) = Record::decode(r) else { continue };
            if b.push_record(&rec).is_err() {
                // A refused record may leave the row half built: the scan stops there.
                return Ok(());
            }
            let _ = b.push_subtable_rows(&rec, "text");
            rows = b.rows();
        }
        if rows == b.rows() {
            let batch = b.finish().map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(batch.num_rows(), rows);
        }
    }

    /// Decimal text at a scale: exact both ways.
    #[test]
    fn decimals_round_trip(v in -(10i128.pow(37))..10i128.pow(37), scale in 0i8..=18) {
        let text = format_decimal(v, scale);
        prop_assert_eq!(parse_decimal(&text, scale), Ok(v), "{}", text);
        // The same value with an exponent, as Kintone may write it.
        let shifted = format!("{}e-{}", v, scale);
        prop_assert_eq!(parse_decimal(&shifted, scale), Ok(v), "{}", shifted);
    }

    /// Any numeric text parses or errors, quickly (exponents up to i32::MAX included).
    #[test]
    fn decimal_text_parses_or_errors(
        s in prop_oneof![
            "[+-]?[0-9]{0,40}(\\.[0-9]{0,40})?([eE][+-]?[0-9]{1,10})?",
            "[0-9]{1,3}[eE]2147483[0-9]{3}",
            any::<String>(),
        ],
        scale in -5i8..=38,
    ) {
        let _ = parse_decimal(&s, scale);
    }
}
