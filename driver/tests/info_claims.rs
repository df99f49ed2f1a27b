//! SQLGetInfo's claims about the SQL dialect hold in the engine: each capability the
//! driver reports (metadata/info.rs) is exercised through `kintone_sql::Connection`
//! (DataFusion plus the ODBC escape rewriting) against the sandbox, with exact results.
//! BI tools generate SQL from these answers, so a claim the engine cannot keep is a
//! broken report, not a harmless overstatement.

use kintone_api::{Auth, ClientConfig, ProxyConfig};
use kintone_sandbox::{start, Options, RunningSandbox};
use kintone_sql::arrow::array::Array;
use kintone_sql::arrow::record_batch::RecordBatch;
use kintone_sql::arrow::util::display::array_value_to_string;
use kintone_sql::{Connection, Settings};
use kintoneodbc::metadata::info::{get_info, InfoContext, InfoValue};
use kintoneodbc::metadata::info_ids::*;

async fn connect() -> (RunningSandbox, Connection) {
    let sb = start(Options {
        large_records: 10,
        ..Options::default()
    })
    .await
    .expect("sandbox starts");
    let mut cfg = ClientConfig::new(sb.base_url(), Auth::password("demo", "demo"));
    cfg.proxy = ProxyConfig::None;
    let conn = Connection::connect(Settings::new(cfg))
        .await
        .expect("connects");
    (sb, conn)
}

fn cells(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for b in batches {
        for r in 0..b.num_rows() {
            out.push(
                b.columns()
                    .iter()
                    .map(|c| {
                        if c.is_null(r) {
                            "NULL".to_string()
                        } else {
                            array_value_to_string(c, r).expect("displayable")
                        }
                    })
                    .collect(),
            );
        }
    }
    out
}

/// Runs `sql` and returns its rows, each row's cells joined by `|` (one `ERROR ...`
/// row when the statement fails, so a run reports every broken claim at once).
async fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    match conn.query(sql).await {
        Ok(b) => cells(&b).into_iter().map(|r| r.join("|")).collect(),
        Err(e) => vec![format!("ERROR {e}")],
    }
}

fn mask(id: u16) -> u32 {
    match get_info(id, &InfoContext::default()) {
        Some(InfoValue::U32(v)) => v,
        other => panic!("info {id}: {other:?}"),
    }
}

fn small(id: u16) -> u16 {
    match get_info(id, &InfoContext::default()) {
        Some(InfoValue::U16(v)) => v,
        other => panic!("info {id}: {other:?}"),
    }
}

fn text(id: u16) -> String {
    match get_info(id, &InfoContext::default()) {
        Some(InfoValue::Str(v)) => v,
        other => panic!("info {id}: {other:?}"),
    }
}

const L: &str = "(VALUES (1), (2)) l(a)";
const R: &str = "(VALUES (2), (3)) r(b)";

/// Each claimed bit, with a statement that needs it and the rows it must return.
async fn check(conn: &Connection, claimed: u32, bit: u32, sql: &str, want: &[&str]) {
    if claimed & bit == 0 {
        fail(format!("bit {bit:#x} not claimed for: {sql}"));
    }
    expect(conn, sql, want).await;
}

static FAILURES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn fail(msg: String) {
    FAILURES.lock().unwrap().push(msg);
}

/// Records a mismatch instead of panicking, so one run lists every broken claim.
async fn expect(conn: &Connection, sql: &str, want: &[&str]) {
    let got = rows(conn, sql).await;
    if got != want {
        fail(format!("{sql}\n    got  {got:?}\n    want {want:?}"));
    }
}

fn assert_no_failures() {
    let f = std::mem::take(&mut *FAILURES.lock().unwrap());
    assert!(f.is_empty(), "{} broken claims:\n{}", f.len(), f.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claimed_sql_capabilities_work_in_the_engine() {
    let (_sb, conn) = connect().await;
    let c = &conn;

    // SQL_LIKE_ESCAPE_CLAUSE, SQL_SEARCH_PATTERN_ESCAPE's character in LIKE.
    assert_eq!(text(SQL_LIKE_ESCAPE_CLAUSE), "Y");
    assert_eq!(
        rows(
            c,
            r"SELECT 'a_b' LIKE 'a\_b' ESCAPE '\', 'axb' LIKE 'a\_b' ESCAPE '\'"
        )
        .await,
        ["true|false"]
    );
    expect(c, r"SELECT 'a%b' LIKE 'a\%b' {escape '\'}", &["true"]).await;

    // SQL_OJ_CAPABILITIES.
    let oj = mask(SQL_OJ_CAPABILITIES);
    check(
        c,
        oj,
        SQL_OJ_LEFT,
        &format!("SELECT l.a, r.b FROM {L} LEFT OUTER JOIN {R} ON l.a = r.b ORDER BY l.a"),
        &["1|NULL", "2|2"],
    )
    .await;
    check(
        c,
        oj,
        SQL_OJ_RIGHT,
        &format!("SELECT l.a, r.b FROM {L} RIGHT OUTER JOIN {R} ON l.a = r.b ORDER BY r.b"),
        &["2|2", "NULL|3"],
    )
    .await;
    check(
        c,
        oj,
        SQL_OJ_FULL,
        &format!("SELECT COUNT(*) FROM {L} FULL OUTER JOIN {R} ON l.a = r.b"),
        &["3"],
    )
    .await;
    check(
        c,
        oj,
        SQL_OJ_NESTED,
        &format!(
            "SELECT l.a, r.b, s.c FROM {L} LEFT OUTER JOIN {R} ON l.a = r.b \
                  LEFT OUTER JOIN (VALUES (2)) s(c) ON r.b = s.c ORDER BY l.a"
        ),
        &["1|NULL|NULL", "2|2|2"],
    )
    .await;
    check(
        c,
        oj,
        SQL_OJ_NOT_ORDERED,
        &format!("SELECT COUNT(r.b) FROM {L} LEFT OUTER JOIN {R} ON r.b = l.a"),
        &["1"],
    )
    .await;
    check(
        c,
        oj,
        SQL_OJ_INNER,
        &format!(
            "SELECT l.a, r.b FROM {L} LEFT OUTER JOIN {R} ON l.a = r.b \
                  INNER JOIN (VALUES (1), (2)) s(c) ON s.c = l.a ORDER BY l.a"
        ),
        &["1|NULL", "2|2"],
    )
    .await;
    check(
        c,
        oj,
        SQL_OJ_ALL_COMPARISON_OPS,
        &format!("SELECT l.a, r.b FROM {L} LEFT OUTER JOIN {R} ON l.a < r.b ORDER BY l.a, r.b"),
        &["1|2", "1|3", "2|3"],
    )
    .await;
    assert_eq!(
        rows(
            c,
            &format!("SELECT COUNT(*) FROM {{oj {L} LEFT OUTER JOIN {R} ON l.a = r.b}}")
        )
        .await,
        ["2"]
    );

    // SQL_SQL92_RELATIONAL_JOIN_OPERATORS.
    let jo = mask(SQL_SQL92_RELATIONAL_JOIN_OPERATORS);
    check(
        c,
        jo,
        SQL_SRJO_CROSS_JOIN,
        &format!("SELECT COUNT(*) FROM {L} CROSS JOIN {R}"),
        &["4"],
    )
    .await;
    check(
        c,
        jo,
        SQL_SRJO_INNER_JOIN,
        &format!("SELECT l.a FROM {L} INNER JOIN {R} ON l.a = r.b"),
        &["2"],
    )
    .await;
    check(
        c,
        jo,
        SQL_SRJO_NATURAL_JOIN,
        "SELECT a FROM (VALUES (1), (2)) l(a) NATURAL JOIN (VALUES (2), (3)) r(a)",
        &["2"],
    )
    .await;
    check(
        c,
        jo,
        SQL_SRJO_EXCEPT_JOIN,
        "SELECT 1 EXCEPT SELECT 2",
        &["1"],
    )
    .await;
    check(
        c,
        jo,
        SQL_SRJO_INTERSECT_JOIN,
        "SELECT 1 INTERSECT SELECT 1",
        &["1"],
    )
    .await;
    check(
        c,
        jo,
        SQL_SRJO_LEFT_OUTER_JOIN,
        &format!("SELECT COUNT(*) FROM {L} LEFT JOIN {R} ON l.a = r.b"),
        &["2"],
    )
    .await;
    check(
        c,
        jo,
        SQL_SRJO_RIGHT_OUTER_JOIN,
        &format!("SELECT COUNT(*) FROM {L} RIGHT JOIN {R} ON l.a = r.b"),
        &["2"],
    )
    .await;
    check(
        c,
        jo,
        SQL_SRJO_FULL_OUTER_JOIN,
        &format!("SELECT COUNT(*) FROM {L} FULL JOIN {R} ON l.a = r.b"),
        &["3"],
    )
    .await;

    // SQL_UNION.
    let un = mask(SQL_UNION);
    check(c, un, SQL_U_UNION, "SELECT 1 UNION SELECT 1", &["1"]).await;
    check(
        c,
        un,
        SQL_U_UNION_ALL,
        "SELECT 1 UNION ALL SELECT 1",
        &["1", "1"],
    )
    .await;

    // SQL_SUBQUERIES.
    let sq = mask(SQL_SUBQUERIES);
    check(
        c,
        sq,
        SQL_SQ_COMPARISON,
        &format!("SELECT a FROM {L} WHERE a = (SELECT MIN(b) FROM {R})"),
        &["2"],
    )
    .await;
    check(
        c,
        sq,
        SQL_SQ_EXISTS,
        &format!("SELECT a FROM {L} WHERE EXISTS (SELECT 1 FROM {R} WHERE r.b = 3) ORDER BY a"),
        &["1", "2"],
    )
    .await;
    check(
        c,
        sq,
        SQL_SQ_IN,
        &format!("SELECT a FROM {L} WHERE a IN (SELECT b FROM {R})"),
        &["2"],
    )
    .await;
    check(
        c,
        sq,
        SQL_SQ_CORRELATED_SUBQUERIES,
        &format!(
            "SELECT a FROM {L} WHERE EXISTS (SELECT 1 FROM {R} WHERE r.b = l.a + 1) ORDER BY a"
        ),
        &["1", "2"],
    )
    .await;

    // SQL_AGGREGATE_FUNCTIONS.
    let af = mask(SQL_AGGREGATE_FUNCTIONS);
    let t = "(VALUES (1), (1), (4)) t(x)";
    check(
        c,
        af,
        SQL_AF_AVG,
        &format!("SELECT AVG(x) FROM {t}"),
        &["2.0"],
    )
    .await;
    check(
        c,
        af,
        SQL_AF_COUNT,
        &format!("SELECT COUNT(x) FROM {t}"),
        &["3"],
    )
    .await;
    check(
        c,
        af,
        SQL_AF_MAX,
        &format!("SELECT MAX(x) FROM {t}"),
        &["4"],
    )
    .await;
    check(
        c,
        af,
        SQL_AF_MIN,
        &format!("SELECT MIN(x) FROM {t}"),
        &["1"],
    )
    .await;
    check(
        c,
        af,
        SQL_AF_SUM,
        &format!("SELECT SUM(x) FROM {t}"),
        &["6"],
    )
    .await;
    check(
        c,
        af,
        SQL_AF_DISTINCT,
        &format!("SELECT COUNT(DISTINCT x), SUM(DISTINCT x) FROM {t}"),
        &["2|5"],
    )
    .await;

    // SQL_SQL92_PREDICATES.
    let sp = mask(SQL_SQL92_PREDICATES);
    let n = "(VALUES (1), (NULL), (3)) t(x)";
    check(
        c,
        sp,
        SQL_SP_BETWEEN,
        &format!("SELECT x FROM {n} WHERE x BETWEEN 2 AND 3"),
        &["3"],
    )
    .await;
    check(
        c,
        sp,
        SQL_SP_IN,
        &format!("SELECT x FROM {n} WHERE x IN (1, 2)"),
        &["1"],
    )
    .await;
    check(
        c,
        sp,
        SQL_SP_ISNULL,
        &format!("SELECT COUNT(*) FROM {n} WHERE x IS NULL"),
        &["1"],
    )
    .await;
    check(
        c,
        sp,
        SQL_SP_ISNOTNULL,
        &format!("SELECT COUNT(*) FROM {n} WHERE x IS NOT NULL"),
        &["2"],
    )
    .await;
    check(
        c,
        sp,
        SQL_SP_LIKE,
        "SELECT 'abc' LIKE 'a%', 'abc' NOT LIKE '_b_'",
        &["true|false"],
    )
    .await;
    check(
        c,
        sp,
        SQL_SP_COMPARISON,
        "SELECT 1 < 2, 1 <> 1, 2 >= 2",
        &["true|false|true"],
    )
    .await;
    check(
        c,
        sp,
        SQL_SP_EXISTS,
        "SELECT 1 WHERE EXISTS (SELECT 1) AND NOT EXISTS (SELECT 1 WHERE 1 = 0)",
        &["1"],
    )
    .await;

    // SQL_SQL92_VALUE_EXPRESSIONS.
    let ve = mask(SQL_SQL92_VALUE_EXPRESSIONS);
    check(
        c,
        ve,
        SQL_SVE_CASE,
        "SELECT CASE WHEN 1 = 1 THEN 'y' ELSE 'n' END",
        &["y"],
    )
    .await;
    check(
        c,
        ve,
        SQL_SVE_CAST,
        "SELECT CAST('42' AS INTEGER) + 1",
        &["43"],
    )
    .await;
    check(
        c,
        ve,
        SQL_SVE_COALESCE,
        "SELECT COALESCE(NULL, 'b')",
        &["b"],
    )
    .await;
    check(
        c,
        ve,
        SQL_SVE_NULLIF,
        "SELECT NULLIF(1, 1), NULLIF(1, 2)",
        &["NULL|1"],
    )
    .await;

    // SQL_SQL92_STRING_FUNCTIONS.
    let sf = mask(SQL_SQL92_STRING_FUNCTIONS);
    check(c, sf, SQL_SSF_LOWER, "SELECT LOWER('AbC')", &["abc"]).await;
    check(c, sf, SQL_SSF_UPPER, "SELECT UPPER('AbC')", &["ABC"]).await;
    check(
        c,
        sf,
        SQL_SSF_SUBSTRING,
        "SELECT SUBSTRING('日本語テキスト' FROM 2 FOR 3)",
        &["本語テ"],
    )
    .await;
    check(
        c,
        sf,
        SQL_SSF_TRIM_BOTH,
        "SELECT TRIM(BOTH 'x' FROM 'xxaxx')",
        &["a"],
    )
    .await;
    check(
        c,
        sf,
        SQL_SSF_TRIM_LEADING,
        "SELECT TRIM(LEADING 'x' FROM 'xxaxx')",
        &["axx"],
    )
    .await;
    check(
        c,
        sf,
        SQL_SSF_TRIM_TRAILING,
        "SELECT TRIM(TRAILING 'x' FROM 'xxaxx')",
        &["xxa"],
    )
    .await;

    // SQL_SQL92_NUMERIC_VALUE_FUNCTIONS.
    let nv = mask(SQL_SQL92_NUMERIC_VALUE_FUNCTIONS);
    check(
        c,
        nv,
        SQL_SNVF_BIT_LENGTH,
        "SELECT BIT_LENGTH('ab')",
        &["16"],
    )
    .await;
    check(
        c,
        nv,
        SQL_SNVF_CHAR_LENGTH,
        "SELECT CHAR_LENGTH('日本')",
        &["2"],
    )
    .await;
    check(
        c,
        nv,
        SQL_SNVF_CHARACTER_LENGTH,
        "SELECT CHARACTER_LENGTH('日本')",
        &["2"],
    )
    .await;
    check(
        c,
        nv,
        SQL_SNVF_OCTET_LENGTH,
        "SELECT OCTET_LENGTH('日本')",
        &["6"],
    )
    .await;
    check(
        c,
        nv,
        SQL_SNVF_POSITION,
        "SELECT POSITION('c' IN 'abc')",
        &["3"],
    )
    .await;
    check(
        c,
        nv,
        SQL_SNVF_EXTRACT,
        "SELECT CAST(EXTRACT(YEAR FROM DATE '2024-03-05') AS INTEGER)",
        &["2024"],
    )
    .await;

    // SQL_SQL92_DATETIME_FUNCTIONS.
    let df = mask(SQL_SQL92_DATETIME_FUNCTIONS);
    check(
        c,
        df,
        SQL_SDF_CURRENT_DATE,
        "SELECT CURRENT_DATE IS NOT NULL",
        &["true"],
    )
    .await;
    check(
        c,
        df,
        SQL_SDF_CURRENT_TIME,
        "SELECT CURRENT_TIME IS NOT NULL",
        &["true"],
    )
    .await;
    check(
        c,
        df,
        SQL_SDF_CURRENT_TIMESTAMP,
        "SELECT CURRENT_TIMESTAMP IS NOT NULL",
        &["true"],
    )
    .await;

    // SQL_DATETIME_LITERALS.
    let dl = mask(SQL_DATETIME_LITERALS);
    check(
        c,
        dl,
        SQL_DL_SQL92_DATE,
        "SELECT DATE '2024-03-05'",
        &["2024-03-05"],
    )
    .await;
    check(
        c,
        dl,
        SQL_DL_SQL92_TIME,
        "SELECT TIME '10:11:12'",
        &["10:11:12"],
    )
    .await;
    check(
        c,
        dl,
        SQL_DL_SQL92_TIMESTAMP,
        "SELECT TIMESTAMP '2024-03-05 10:11:12'",
        &["2024-03-05T10:11:12"],
    )
    .await;

    // SQL_NULL_COLLATION = SQL_NC_HIGH: NULL sorts as the highest value.
    assert_eq!(small(SQL_NULL_COLLATION), SQL_NC_HIGH);
    expect(
        c,
        &format!("SELECT x FROM {n} ORDER BY x"),
        &["1", "3", "NULL"],
    )
    .await;
    expect(
        c,
        &format!("SELECT x FROM {n} ORDER BY x DESC"),
        &["NULL", "3", "1"],
    )
    .await;

    // SQL_CONCAT_NULL_BEHAVIOR = SQL_CB_NULL.
    assert_eq!(small(SQL_CONCAT_NULL_BEHAVIOR), SQL_CB_NULL);
    expect(c, "SELECT 'a' || CAST(NULL AS VARCHAR)", &["NULL"]).await;

    // SQL_GROUP_BY = CONTAINS_SELECT, SQL_ORDER_BY_COLUMNS_IN_SELECT = N,
    // SQL_EXPRESSIONS_IN_ORDERBY = Y, SQL_COLUMN_ALIAS = Y, SQL_CORRELATION_NAME = ANY.
    assert_eq!(small(SQL_GROUP_BY), SQL_GB_GROUP_BY_CONTAINS_SELECT);
    let g = "(VALUES (1, 10), (1, 20), (2, 10)) g(a, b)";
    expect(
        c,
        &format!("SELECT a FROM {g} GROUP BY a, b ORDER BY a, b"),
        &["1", "1", "2"],
    )
    .await;
    assert_eq!(text(SQL_ORDER_BY_COLUMNS_IN_SELECT), "N");
    expect(
        c,
        &format!("SELECT a FROM {g} ORDER BY b DESC, a"),
        &["1", "1", "2"],
    )
    .await;
    assert_eq!(text(SQL_EXPRESSIONS_IN_ORDERBY), "Y");
    expect(
        c,
        &format!("SELECT a FROM {g} ORDER BY -a, b"),
        &["2", "1", "1"],
    )
    .await;
    assert_eq!(text(SQL_COLUMN_ALIAS), "Y");
    assert_eq!(small(SQL_CORRELATION_NAME), SQL_CN_ANY);
    expect(c, "SELECT q.v AS total FROM (SELECT 5 AS v) AS q", &["5"]).await;

    // Identifiers: mixed case, resolved exactly first, else case-insensitively when
    // one table or column matches; quoted with `"`; Japanese names work unquoted.
    assert_eq!(small(SQL_IDENTIFIER_CASE), SQL_IC_MIXED);
    assert_eq!(small(SQL_QUOTED_IDENTIFIER_CASE), SQL_IC_MIXED);
    assert_eq!(text(SQL_IDENTIFIER_QUOTE_CHAR), "\"");
    expect(c, "SELECT COUNT(*) FROM Customers", &["30"]).await;
    expect(c, "SELECT COUNT(*) FROM \"Customers\"", &["30"]).await;
    expect(c, "SELECT COUNT(*) FROM customers", &["30"]).await;
    expect(
        c,
        "SELECT \"$ID\" FROM CUSTOMERS ORDER BY \"$id\" LIMIT 1",
        &["1"],
    )
    .await;
    expect(c, "SELECT COUNT(*) FROM 日本語アプリ", &["24"]).await;
    expect(
        c,
        "SELECT \"$id\" FROM Customers ORDER BY \"$id\" LIMIT 1",
        &["1"],
    )
    .await;
    // SQL_SPECIAL_CHARACTERS: each may appear in an unquoted name (not first).
    for ch in text(SQL_SPECIAL_CHARACTERS).chars() {
        let sql = format!("SELECT 7 AS a{ch}b");
        expect(c, &sql, &["7"]).await;
    }
    claimed_conversions_work_in_the_engine(c).await;
    assert_no_failures();
}

/// SQL_CONVERT_*: every conversion the masks claim is a working CAST.
async fn claimed_conversions_work_in_the_engine(conn: &Connection) {
    // (info type, a value of that source type)
    let sources: &[(u16, &str)] = &[
        (SQL_CONVERT_VARCHAR, "CAST('1' AS VARCHAR)"),
        (SQL_CONVERT_INTEGER, "CAST(1 AS INTEGER)"),
        (SQL_CONVERT_SMALLINT, "CAST(1 AS SMALLINT)"),
        (SQL_CONVERT_TINYINT, "CAST(1 AS TINYINT)"),
        (SQL_CONVERT_BIGINT, "CAST(1 AS BIGINT)"),
        (SQL_CONVERT_DECIMAL, "CAST(1 AS DECIMAL(38, 8))"),
        (SQL_CONVERT_DOUBLE, "CAST(1 AS DOUBLE)"),
        (SQL_CONVERT_REAL, "CAST(1 AS REAL)"),
        (SQL_CONVERT_BIT, "CAST(1 AS BOOLEAN)"),
        (SQL_CONVERT_DATE, "DATE '2024-03-05'"),
        (SQL_CONVERT_TIME, "TIME '10:11:12'"),
        (SQL_CONVERT_TIMESTAMP, "TIMESTAMP '2024-03-05 10:11:12'"),
    ];
    let targets: &[(u32, &str)] = &[
        (SQL_CVT_VARCHAR, "VARCHAR"),
        (SQL_CVT_CHAR, "CHAR"),
        (SQL_CVT_INTEGER, "INTEGER"),
        (SQL_CVT_SMALLINT, "SMALLINT"),
        (SQL_CVT_TINYINT, "TINYINT"),
        (SQL_CVT_BIGINT, "BIGINT"),
        (SQL_CVT_DECIMAL, "DECIMAL(20, 4)"),
        (SQL_CVT_NUMERIC, "NUMERIC(20, 4)"),
        (SQL_CVT_DOUBLE, "DOUBLE"),
        (SQL_CVT_FLOAT, "FLOAT"),
        (SQL_CVT_REAL, "REAL"),
        (SQL_CVT_BIT, "BOOLEAN"),
        (SQL_CVT_DATE, "DATE"),
        (SQL_CVT_TIME, "TIME"),
        (SQL_CVT_TIMESTAMP, "TIMESTAMP"),
    ];
    let mut tried = 0;
    for (info, value) in sources {
        let claimed = mask(*info);
        for (bit, ty) in targets {
            if claimed & bit == 0 {
                continue;
            }
            // Character sources hold a value of the target's kind.
            let value = if *info == SQL_CONVERT_VARCHAR {
                match *ty {
                    "DATE" => "CAST('2024-03-05' AS VARCHAR)",
                    "TIME" => "CAST('10:11:12' AS VARCHAR)",
                    "TIMESTAMP" => "CAST('2024-03-05 10:11:12' AS VARCHAR)",
                    "BOOLEAN" => "CAST('true' AS VARCHAR)",
                    _ => value,
                }
            } else {
                value
            };
            let sql = format!("SELECT CAST({value} AS {ty}) IS NOT NULL");
            expect(conn, &sql, &["true"]).await;
            tried += 1;
        }
    }
    assert!(tried > 100, "only {tried} conversions claimed");
}
