//! kintone-sql against the sandbox's demo data (tests/sandbox/docs/demo-data.md).

use datafusion::arrow::array::Array;
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::array_value_to_string;
use kintone_api::{Auth, ClientConfig, ProxyConfig};
use kintone_sandbox::{start, Options, RunningSandbox};
use kintone_sql::{Connection, Settings};
use serde_json::Value;

async fn sandbox(large: usize) -> RunningSandbox {
    start(Options {
        large_records: large,
        ..Options::default()
    })
    .await
    .expect("sandbox starts")
}

fn settings(sb: &RunningSandbox) -> Settings {
    let mut cfg = ClientConfig::new(sb.base_url(), Auth::password("demo", "demo"));
    cfg.proxy = ProxyConfig::None;
    Settings::new(cfg)
}

async fn connect(sb: &RunningSandbox, f: impl FnOnce(&mut Settings)) -> Connection {
    let mut s = settings(sb);
    f(&mut s);
    Connection::connect(s).await.expect("connects")
}

/// Rows as text cells ("NULL" for nulls).
fn rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
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

async fn q(conn: &Connection, sql: &str) -> Vec<Vec<String>> {
    match conn.query(sql).await {
        Ok(b) => rows(&b),
        Err(e) => panic!("{sql}: {e}"),
    }
}

/// `records` requests logged since the last clear: (query, fields).
fn record_requests(sb: &RunningSandbox) -> Vec<(String, Vec<String>)> {
    let st = sb.state();
    let log = st.log();
    log.entries
        .iter()
        .filter(|e| {
            e.api.as_deref() == Some("records") || e.api.as_deref() == Some("records/cursor")
        })
        .map(|e| {
            let query = e
                .params
                .get("query")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let fields = match e.params.get("fields") {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
                Some(Value::Object(o)) => o
                    .values()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            (query, fields)
        })
        .collect()
}

fn clear_log(sb: &RunningSandbox) {
    sb.state().log().clear();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_names_and_arrow_types() {
    let sb = sandbox(100).await;
    let conn = connect(&sb, |_| {}).await;
    let cat = conn.catalog();
    let names = cat.names();
    for n in [
        "Customers",
        "Orders",
        "日本語アプリ",
        "Events",
        "Orders_Line items",
        "日本語アプリ_明細",
    ] {
        assert!(names.contains(&n.to_string()), "{n} missing from {names:?}");
    }
    let orders = cat.table("Orders").expect("Orders");
    let ty = |t: &str, c: &str| {
        cat.table(t)
            .and_then(|t| t.column(c))
            .map(|c| (c.data_type.clone(), c.nullable))
            .unwrap_or_else(|| panic!("{t}.{c} missing"))
    };
    assert_eq!(orders.columns[0].name, "$id");
    assert_eq!(ty("Orders", "$id"), (DataType::Int64, false));
    assert_eq!(ty("Orders", "$revision"), (DataType::Int64, false));
    assert_eq!(ty("Orders", "Record number").0, DataType::Utf8);
    assert_eq!(ty("Orders", "Order date").0, DataType::Date32);
    assert_eq!(
        ty("Orders", "Ordered at").0,
        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
    );
    assert_eq!(
        ty("Orders", "Pickup time").0,
        DataType::Time64(TimeUnit::Nanosecond)
    );
    assert_eq!(ty("Orders", "Discount").0, DataType::Decimal128(38, 8));
    assert_eq!(ty("Orders", "Total").0, DataType::Decimal128(38, 8));
    assert_eq!(ty("Orders", "Tags").0, DataType::Utf8);
    assert_eq!(ty("Orders", "Attachments").0, DataType::Utf8);
    assert_eq!(ty("Orders", "Status").0, DataType::Utf8);
    assert_eq!(
        ty("Orders", "Created datetime").0,
        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
    );
    // Subtables are child tables, not parent columns; disabled STATUS is absent.
    assert!(orders.column("Line items").is_none() && orders.column("Product").is_none());
    assert!(cat
        .table("Customers")
        .and_then(|t| t.column("Status"))
        .is_none());
    let child = cat.table("Orders_Line items").expect("child");
    let cols: Vec<&str> = child.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        cols,
        [
            "$id",
            "$row_id",
            "Product",
            "Quantity",
            "Unit price",
            "Subtotal",
            "Item type",
            "Ship date"
        ]
    );
    assert_eq!(ty("日本語アプリ", "金額").0, DataType::Decimal128(38, 8));
    assert_eq!(ty("日本語アプリ", "誕生日").0, DataType::Date32);
    assert_eq!(ty("日本語アプリ_明細", "納期").0, DataType::Date32);

    // Codes for names, another separator, and no subtables for Orders.
    let conn = connect(&sb, |s| {
        s.use_code_for_field_name = true;
        s.subtable_separator = "__".into();
        s.check_for_subtables_in = Some(vec!["日本語アプリ".into()]);
    })
    .await;
    let cat = conn.catalog();
    assert!(cat
        .table("Orders")
        .and_then(|t| t.column("order_date"))
        .is_some());
    assert!(cat.table("Orders__items").is_none());
    assert!(cat.table("日本語アプリ__明細").is_some());
    // NumberMapToDouble.
    let conn = connect(&sb, |s| s.number_map_to_double = true).await;
    assert_eq!(
        conn.catalog()
            .table("Events")
            .and_then(|t| t.column("Score"))
            .map(|c| c.data_type.clone()),
        Some(DataType::Float64)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_every_field_type_with_exact_values() {
    let sb = sandbox(100).await;
    let conn = connect(&sb, |_| {}).await;
    let r = q(
        &conn,
        r#"SELECT "$id", "Record number", "Customer", "Order date", "Ordered at", "Pickup time", "Total",
                  "Discount", "Priority", "Tags", "Status", "Created by", "Attachments"
           FROM Orders WHERE "$id" IN (1, 2, 7, 8) ORDER BY "$id""#,
    )
    .await;
    println!("{r:#?}");
    assert_eq!(r.len(), 4);
    assert_eq!(r[0][0], "1");
    assert_eq!(r[0][1], "ORD-1");
    assert_eq!(r[0][2], "C002");
    assert_eq!(r[0][3], "2025-10-04");
    assert_eq!(r[2][8], "NULL", "record 7 has no priority");
    assert_eq!(r[3][4], "NULL", "ordered_at is empty when i % 8 == 0");
    let files: Value = serde_json::from_str(&r[0][12]).expect("FILE is JSON");
    assert_eq!(files.as_array().map(Vec::len), Some(2));
    assert_eq!(files[0]["name"], "readme.txt");
    assert!(r[1][12].contains("pixel.png"));
    assert_eq!(r[2][12], "NULL");
    // Japanese app: emoji text, a NUMBER, and record 5 empty in every field.
    let r = q(
        &conn,
        r#"SELECT 氏名, 金額, 税込金額 FROM 日本語アプリ WHERE "$id" IN (2, 5) ORDER BY "$id""#,
    )
    .await;
    assert_eq!(r[0][0], "佐藤 花子 🌸");
    assert_eq!(r[0][1], "2468.00000000");
    assert_eq!(r[0][2], "2714.00000000");
    assert_eq!(r[1], ["NULL", "NULL", "NULL"]);
    // Events: exact decimals.
    let r = q(
        &conn,
        r#"SELECT "Score", "Day", "Starts at", "Kind" FROM Events WHERE "$id" = 1"#,
    )
    .await;
    assert_eq!(
        r,
        [["791.90000000", "2024-01-02", "2025-01-01T00:11:00Z", "beta"]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_and_limit_are_pushed_with_projection() {
    let sb = sandbox(1000).await;
    let conn = connect(&sb, |_| {}).await;
    clear_log(&sb);
    let r = q(&conn, r#"SELECT "Title" FROM Events WHERE "Sequence" > 100 AND "Day" >= DATE '2024-01-01' LIMIT 5"#).await;
    assert_eq!(r.len(), 5);
    let reqs = record_requests(&sb);
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(
        reqs[0].0,
        r#"seq > "100" and day >= "2024-01-01" order by $id asc limit 5"#
    );
    assert_eq!(reqs[0].1, ["title", "$id"]);

    // ORDER BY "$id" DESC LIMIT n: one request, Kintone sorts and limits.
    clear_log(&sb);
    let r = q(
        &conn,
        r#"SELECT "Title" FROM Events WHERE "Sequence" <= 500 ORDER BY "$id" DESC LIMIT 3"#,
    )
    .await;
    assert_eq!(r, [["Event 00500"], ["Event 00499"], ["Event 00498"]]);
    let reqs = record_requests(&sb);
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].0, r#"seq <= "500" order by $id desc limit 3"#);

    // A filtered, ordered query: filter pushed, ORDER BY ... LIMIT computed locally.
    clear_log(&sb);
    let r = q(
        &conn,
        r#"SELECT "Title", "Score" FROM Events WHERE "Sequence" BETWEEN 10 AND 19 AND "Kind" = 'beta' ORDER BY "Score" DESC LIMIT 2"#,
    )
    .await;
    assert_eq!(r.len(), 2);
    let reqs = record_requests(&sb);
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(
        reqs[0].0,
        r#"seq >= "10" and seq <= "19" and kind in ("beta") order by $id asc limit 500"#
    );
    assert_eq!(reqs[0].1, ["title", "score", "$id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_star_reads_total_count_only() {
    let sb = sandbox(3000).await;
    let conn = connect(&sb, |_| {}).await;
    clear_log(&sb);
    let r = q(
        &conn,
        r#"SELECT COUNT(*) FROM Events WHERE "Sequence" > 1000 AND "Kind" = 'beta'"#,
    )
    .await;
    assert_eq!(r, [["500"]]);
    let reqs = record_requests(&sb);
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].0, r#"seq > "1000" and kind in ("beta") limit 1"#);
    {
        let st = sb.state();
        let log = st.log();
        let e = log
            .entries
            .iter()
            .rev()
            .find(|e| e.api.as_deref() == Some("records"))
            .unwrap();
        assert!(e.params.get("totalCount").is_some(), "{:?}", e.params);
    }
    // With a filter Kintone cannot evaluate, records are read and counted locally.
    clear_log(&sb);
    let r = q(
        &conn,
        r#"SELECT COUNT(*) FROM Events WHERE "Title" LIKE '%99%'"#,
    )
    .await;
    assert_eq!(r, [["57"]]);
    assert!(record_requests(&sb)
        .iter()
        .all(|(q, _)| !q.contains("like") && !q.ends_with("limit 1")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_like_is_never_sent_as_kintone_like() {
    let sb = sandbox(300).await;
    let conn = connect(&sb, |_| {}).await;
    clear_log(&sb);
    let r = q(
        &conn,
        r#"SELECT "Title" FROM Events WHERE "Title" LIKE '%nt 0012%' ORDER BY "Title""#,
    )
    .await;
    assert_eq!(
        r,
        [
            ["Event 00120"],
            ["Event 00121"],
            ["Event 00122"],
            ["Event 00123"],
            ["Event 00124"],
            ["Event 00125"],
            ["Event 00126"],
            ["Event 00127"],
            ["Event 00128"],
            ["Event 00129"]
        ]
    );
    let r = q(&conn, r#"SELECT COUNT(*) FROM Customers WHERE "Notes" LIKE '%keyword%' OR "Company name" NOT LIKE 'x%'"#).await;
    assert_eq!(r.len(), 1);
    for (query, _) in record_requests(&sb) {
        assert!(!query.contains("like"), "{query}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepare_sends_no_record_request() {
    let sb = sandbox(100).await;
    let conn = connect(&sb, |_| {}).await;
    clear_log(&sb);
    let p = conn.prepare(r#"SELECT "$id", "Order date", "Discount" * 2 AS d2 FROM Orders WHERE "Customer" = ? ORDER BY 1;"#).await.unwrap();
    assert_eq!(p.param_count, 1);
    let names: Vec<&str> = p
        .schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(names, ["$id", "Order date", "d2"]);
    assert_eq!(p.schema.field(1).data_type(), &DataType::Date32);
    conn.prepare(r#"SELECT o."$id", i."Product" FROM Orders o JOIN "Orders_Line items" i ON o."$id" = i."$id""#).await.unwrap();
    conn.prepare("EXPLAIN SELECT * FROM Events").await.unwrap();
    // WHERE 1=0 and LIMIT 0 are answered from the schema.
    assert!(q(&conn, r#"SELECT * FROM Orders WHERE 1=0"#)
        .await
        .is_empty());
    assert!(q(&conn, r#"SELECT * FROM Orders LIMIT 0"#).await.is_empty());
    assert_eq!(record_requests(&sb), Vec::<(String, Vec<String>)>::new());
    // Executing with the parameter.
    let b = conn
        .execute(
            &p,
            vec![datafusion::common::ScalarValue::Utf8(Some("C002".into()))],
        )
        .await
        .unwrap()
        .collect_all()
        .await
        .unwrap();
    let r = rows(&b);
    assert!(!r.is_empty() && r.iter().all(|row| row.len() == 3), "{r:?}");
    assert_eq!(
        conn.execute(&p, vec![]).await.err().map(|e| e.sqlstate),
        Some("07002")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_of_an_app_with_its_subtable() {
    let sb = sandbox(100).await;
    let conn = connect(&sb, |_| {}).await;
    let r = q(
        &conn,
        r#"SELECT o."$id", i."Product", i."Quantity" * i."Unit price" = i."Subtotal"
           FROM Orders o JOIN "Orders_Line items" i ON o."$id" = i."$id"
           WHERE o."$id" <= 4 ORDER BY o."$id", i."$row_id""#,
    )
    .await;
    // Record i has i % 4 rows.
    let ids: Vec<&str> = r.iter().map(|x| x[0].as_str()).collect();
    assert_eq!(ids, ["1", "2", "2", "3", "3", "3"]);
    assert!(r.iter().all(|x| x[2] == "true"), "{r:?}");
    let r = q(&conn, r#"SELECT COUNT(*) FROM 日本語アプリ_明細"#).await;
    assert_ne!(r[0][0], "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_by_aggregates() {
    let sb = sandbox(1000).await;
    let conn = connect(&sb, |_| {}).await;
    let r = q(&conn, r#"SELECT "Kind", COUNT(*) AS n, MIN("Sequence") FROM Events GROUP BY "Kind" ORDER BY "Kind" NULLS FIRST"#).await;
    assert_eq!(
        r,
        [
            ["NULL", "10", "100.00000000"],
            ["alpha", "240", "4.00000000"],
            ["beta", "250", "1.00000000"],
            ["delta", "250", "3.00000000"],
            ["gamma", "250", "2.00000000"],
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_carry_sqlstates() {
    let sb = sandbox(100).await;
    let conn = connect(&sb, |_| {}).await;
    let st = |r: Result<kintone_sql::Prepared, kintone_sql::SqlError>| r.err().map(|e| e.sqlstate);
    assert_eq!(st(conn.prepare("SELEC * FROM Orders").await), Some("42000"));
    assert_eq!(
        st(conn.prepare("SELECT * FROM NoSuchApp").await),
        Some("42S02")
    );
    assert_eq!(
        st(conn.prepare(r#"SELECT "No such column" FROM Orders"#).await),
        Some("42S22")
    );
    assert_eq!(st(conn.prepare("SELECT 'x").await), Some("42000"));
    let e = conn.query("SELECT CAST('abc' AS INT)").await.err();
    assert_eq!(e.map(|e| e.sqlstate), Some("22018"));
    let e = conn.prepare("SELECT * FROM NoSuchApp").await.err();
    assert!(e.map(|e| e.message.contains("NoSuchApp")).unwrap_or(false));
    // A Kintone rejection: HY000 with the Kintone code in the message.
    let fault: kintone_sandbox::server::state::Fault = serde_json::from_value(serde_json::json!({
        "api": "records", "count": 1, "action": "status", "status": 400,
        "code": "GAIA_IQ11", "message": "Specified field (x) not found."
    }))
    .unwrap();
    sb.state().faults().push(fault);
    let e = conn
        .query(r#"SELECT "$id" FROM Customers"#)
        .await
        .expect_err("rejected");
    assert_eq!(e.sqlstate, "HY000");
    assert!(e.message.contains("GAIA_IQ11"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_shows_the_kintone_request() {
    let sb = sandbox(100).await;
    let conn = connect(&sb, |_| {}).await;
    let r = q(
        &conn,
        r#"EXPLAIN SELECT "Title" FROM Events WHERE "Sequence" = 5"#,
    )
    .await;
    let text: String = r.iter().map(|x| x.join(" ")).collect::<Vec<_>>().join("\n");
    assert!(
        text.contains(r#"KintoneScan: table="Events" app=4 fields=[title, $id] query="seq = "5"""#),
        "{text}"
    );
    assert!(text.contains("strategy=$id seek"), "{text}");
}

/// The same statements with pushdown on and off must return the same rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn differential_pushdown_on_and_off() {
    let sb = sandbox(600).await;
    let on = connect(&sb, |_| {}).await;
    let off = connect(&sb, |s| s.pushdown = false).await;
    let corpus = [
        r#"SELECT * FROM Events WHERE "Sequence" = 17"#,
        r#"SELECT "$id" FROM Events WHERE "Sequence" != 17"#,
        r#"SELECT "$id" FROM Events WHERE "Sequence" < 17 OR "Sequence" > 590"#,
        r#"SELECT "$id" FROM Events WHERE "Score" >= 500.5 AND "Score" <= 600"#,
        r#"SELECT "$id" FROM Events WHERE "Score" IN (791.9, 583.8)"#,
        r#"SELECT "$id" FROM Events WHERE "Score" NOT IN (791.9, 583.8)"#,
        r#"SELECT "$id" FROM Events WHERE "Day" = DATE '2024-01-10'"#,
        r#"SELECT "$id" FROM Events WHERE "Day" BETWEEN DATE '2024-02-01' AND DATE '2024-02-10'"#,
        r#"SELECT "$id" FROM Events WHERE "Starts at" < TIMESTAMP '2025-01-01 01:00:00+00:00'"#,
        r#"SELECT "$id" FROM Events WHERE "Starts at" = TIMESTAMP '2025-01-01 00:11:30+00:00'"#,
        r#"SELECT "$id" FROM Events WHERE "Kind" = 'gamma'"#,
        r#"SELECT "$id" FROM Events WHERE "Kind" != 'gamma'"#,
        r#"SELECT "$id" FROM Events WHERE "Kind" IN ('alpha', 'delta')"#,
        r#"SELECT "$id" FROM Events WHERE "Kind" NOT IN ('alpha', 'delta')"#,
        r#"SELECT "$id" FROM Events WHERE "Kind" IS NULL"#,
        r#"SELECT "$id" FROM Events WHERE "Kind" IS NOT NULL AND "$id" < 50"#,
        r#"SELECT "$id" FROM Events WHERE "Kind" = 'nope'"#,
        r#"SELECT "$id" FROM Events WHERE "Title" = 'Event 00042'"#,
        r#"SELECT "$id" FROM Events WHERE "Title" = 'event 00042'"#,
        r#"SELECT "$id" FROM Events WHERE "Title" LIKE 'Event 0004%'"#,
        r#"SELECT "$id" FROM Events WHERE "$id" > 590 ORDER BY "$id" DESC"#,
        r#"SELECT "$id" FROM Events WHERE "Sequence" > 10 ORDER BY "$id" LIMIT 7"#,
        r#"SELECT "$id" FROM Events WHERE "Sequence" > 10 ORDER BY "$id" DESC LIMIT 7 OFFSET 3"#,
        r#"SELECT TOP 5 "Title" FROM Events ORDER BY "$id" DESC"#,
        r#"SELECT "Kind", COUNT(*), SUM("Score") FROM Events WHERE "Sequence" <= 300 GROUP BY "Kind""#,
        r#"SELECT * FROM Customers WHERE "Country" = 'Japan'"#,
        r#"SELECT "$id" FROM Customers WHERE "Country" IS NULL"#,
        r#"SELECT "$id" FROM Customers WHERE "Credit limit" IS NULL"#,
        r#"SELECT "$id" FROM Customers WHERE "Credit limit" IS NOT NULL AND "Credit limit" > 300000"#,
        r#"SELECT "$id" FROM Customers WHERE "Customer since" IS NULL"#,
        r#"SELECT "$id" FROM Customers WHERE "Notes" IS NULL"#,
        r#"SELECT "$id" FROM Customers WHERE "E-mail" IS NULL"#,
        r#"SELECT "$id" FROM Customers WHERE "Rank" = 'B' OR "Rank" = 'C'"#,
        r#"SELECT "$id" FROM Customers WHERE "Company name" = '株式会社サンプル'"#,
        r#"SELECT * FROM Orders WHERE "Tags" = 'Gift'"#,
        r#"SELECT "$id" FROM Orders WHERE "Discount" != 5"#,
        r#"SELECT "$id" FROM Orders WHERE "Discount" < 0"#,
        r#"SELECT "$id" FROM Orders WHERE "Ordered at" IS NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Pickup time" IS NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Attachments" IS NOT NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Priority" = 'High' AND "Order date" > DATE '2025-10-30'"#,
        r#"SELECT "$id" FROM Orders WHERE "Created by" = 'demo'"#,
        r#"SELECT o."$id", i."Product" FROM Orders o JOIN "Orders_Line items" i ON o."$id" = i."$id" WHERE o."Priority" = 'Low'"#,
        r#"SELECT * FROM 日本語アプリ WHERE 金額 > 5000"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 都道府県 = '東京都' OR 金額 IS NULL"#,
    ];
    for sql in corpus {
        let mut a = q(&on, sql).await;
        let mut b = q(&off, sql).await;
        a.sort();
        b.sort();
        assert_eq!(a, b, "{sql}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odbc_surface_top_escapes_semicolon() {
    let sb = sandbox(1000).await;
    let conn = connect(&sb, |_| {}).await;
    let r = q(
        &conn,
        r#"SELECT TOP 3 "$id" FROM Events ORDER BY "$id" DESC;"#,
    )
    .await;
    assert_eq!(r, [["1000"], ["999"], ["998"]]);
    let r = q(
        &conn,
        r#"SELECT "Sequence" FROM Events WHERE "Day" = {d '2024-01-10'} ORDER BY 1"#,
    )
    .await;
    assert_eq!(r, [["9.00000000"], ["740.00000000"]]);
    // Unquoted names with the wrong case still find the table.
    let r = q(&conn, r#"SELECT COUNT(*) FROM events"#).await;
    assert_eq!(r, [["1000"]]);
}
