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
    let cat = conn.full_catalog().await.unwrap();
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
    let cat = conn.full_catalog().await.unwrap();
    assert!(cat
        .table("Orders")
        .and_then(|t| t.column("order_date"))
        .is_some());
    assert!(cat.table("Orders__items").is_none());
    assert!(cat.table("日本語アプリ__明細").is_some());
    // NumberMapToDouble.
    let conn = connect(&sb, |s| s.number_map_to_double = true).await;
    assert_eq!(
        conn.full_catalog()
            .await
            .unwrap()
            .table("Events")
            .and_then(|t| t.column("Score"))
            .map(|c| c.data_type.clone()),
        Some(DataType::Float64)
    );
}

/// The APIs called since the log was last cleared, with the `app` parameter.
fn calls(sb: &RunningSandbox) -> Vec<(String, Option<u64>)> {
    let st = sb.state();
    let log = st.log();
    log.entries
        .iter()
        .map(|e| {
            let app = match e.params.get("app") {
                Some(Value::String(s)) => s.parse().ok(),
                Some(v) => v.as_u64(),
                None => None,
            };
            (e.api.clone().unwrap_or_default(), app)
        })
        .collect()
}

/// P4: a domain with 300 more apps costs no request per app at connect; a statement
/// reads the form of the app it names, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_are_read_when_a_statement_first_names_the_app() {
    let sb = sandbox(0).await;
    let copies: Vec<u64> = {
        let st = sb.state();
        let mut d = st.write();
        let first = d.next_app_id;
        kintone_sandbox::demo::add_copies(&mut d, 300);
        (first..d.next_app_id).collect()
    };
    sb.state().log().clear();
    let conn = connect(&sb, |_| {}).await;
    let connect_calls = calls(&sb);
    assert!(!connect_calls.is_empty());
    assert!(
        connect_calls.iter().all(|(api, _)| api == "apps"),
        "{connect_calls:?}"
    );
    let cat = conn.catalog();
    assert!(cat.tables.is_empty());
    assert!(cat.names().contains(&"Copy 123".to_string()));
    // The demo's apps (the guest-space one is listed too, or not) and the copies.
    let listed = cat.apps.len();
    assert!((304..=305).contains(&listed), "{listed}");

    sb.state().log().clear();
    let r = q(&conn, r#"SELECT COUNT(*) FROM "Copy 123""#).await;
    let want = sb.state().read().apps.get(&1).map(|a| a.records.len());
    assert_eq!(r, [[want.expect("Customers").to_string()]]);
    let id = copies[123];
    let forms: Vec<_> = calls(&sb)
        .into_iter()
        .filter(|(api, _)| api == "app/form/fields")
        .collect();
    assert_eq!(forms, [("app/form/fields".to_string(), Some(id))]);
    // Read once per connection; a child table reads its app's form.
    sb.state().log().clear();
    q(&conn, r#"SELECT "Company name" FROM "copy 123" LIMIT 1"#).await;
    q(
        &conn,
        r#"SELECT "Product" FROM "Orders_Line items" LIMIT 1"#,
    )
    .await;
    let forms: Vec<_> = calls(&sb)
        .into_iter()
        .filter(|(api, _)| api == "app/form/fields")
        .collect();
    assert_eq!(forms, [("app/form/fields".to_string(), Some(2))]);
    let names: Vec<String> = conn
        .catalog()
        .tables
        .iter()
        .map(|t| t.name.clone())
        .collect();
    assert_eq!(names, ["Orders", "Orders_Line items", "Copy 123"]);
    // An unknown table reads nothing and says so.
    sb.state().log().clear();
    let e = conn.prepare(r#"SELECT * FROM "Nope""#).await.unwrap_err();
    assert!(e.message.contains("Nope"), "{e}");
    assert!(calls(&sb).is_empty(), "{:?}", calls(&sb));
    // Every form, for a listing of all columns: each app read once.
    sb.state().log().clear();
    let all = conn.full_catalog().await.unwrap();
    let forms = calls(&sb)
        .into_iter()
        .filter(|(api, _)| api == "app/form/fields")
        .count();
    assert_eq!(forms, listed - 2);
    assert!(all.table("Copy 299").is_some() && all.table("日本語アプリ_明細").is_some());
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

    // A NUMBER that may be empty sorts DESC NULLS FIRST: the empty records are read
    // first, then the others in Kintone's order, each with what is left of the limit.
    clear_log(&sb);
    let r = q(
        &conn,
        r#"SELECT "Title", "Score" FROM Events WHERE "Sequence" BETWEEN 10 AND 19 AND "Kind" = 'beta' ORDER BY "Score" DESC LIMIT 2"#,
    )
    .await;
    assert_eq!(
        r,
        [
            ["Event 00017", "462.30000000"],
            ["Event 00013", "294.70000000"]
        ]
    );
    let reqs = record_requests(&sb);
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    assert_eq!(
        reqs[0].0,
        r#"(seq >= "10" and seq <= "19" and kind in ("beta")) and score = "" order by $id asc limit 2"#
    );
    assert_eq!(
        reqs[1].0,
        r#"(seq >= "10" and seq <= "19" and kind in ("beta")) and score != "" order by score desc, $id asc limit 2 offset 0"#
    );
    assert_eq!(reqs[0].1, ["title", "score", "$id"]);
}

/// The issue's request tests: what Kintone is asked for, read from the sandbox's log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_for_order_limit_offset() {
    let sb = sandbox(25_000).await;
    let conn = connect(&sb, |_| {}).await;
    let off = connect(&sb, |s| s.pushdown = false).await;

    // SELECT a, b FROM app WHERE c = 'x' ORDER BY d LIMIT 10: one request.
    let sql = r#"SELECT "Title", "Day" FROM Events WHERE "Kind" = 'gamma' ORDER BY "Day", "$id" LIMIT 10"#;
    clear_log(&sb);
    let r = q(&conn, sql).await;
    let reqs = record_requests(&sb);
    assert_eq!(
        reqs,
        [(
            r#"(kind in ("gamma")) and day != "" order by day asc, $id asc limit 10 offset 0"#
                .to_string(),
            vec!["title".to_string(), "day".to_string(), "$id".to_string()]
        )]
    );
    assert_eq!(r.len(), 10);
    assert_eq!(r[0], ["Event 01462", "2024-01-01"]);
    assert_eq!(r[9], ["Event 02194", "2024-01-02"]);
    assert_eq!(r, q(&off, sql).await);

    // An always-set key (UPDATED_TIME) needs no split; OFFSET goes to Kintone too.
    let sql = r#"SELECT "$id" FROM Events ORDER BY "Updated datetime" DESC LIMIT 3 OFFSET 20"#;
    clear_log(&sb);
    let r = q(&conn, sql).await;
    assert_eq!(r, [["24980"], ["24979"], ["24978"]]);
    assert_eq!(
        record_requests(&sb),
        [(
            "order by Updated_datetime desc, $id asc limit 3 offset 20".to_string(),
            vec!["Updated_datetime".to_string(), "$id".to_string()]
        )]
    );

    // OFFSET past Kintone's 10,000: served by $id paging, same rows as SQL alone.
    for sql in [
        r#"SELECT "$id", "Title" FROM Events ORDER BY "$id" LIMIT 5 OFFSET 12000"#,
        r#"SELECT "$id", "Score" FROM Events ORDER BY "Score" DESC, "$id" LIMIT 4 OFFSET 15000"#,
        r#"SELECT "$id" FROM Events WHERE "Kind" = 'alpha' ORDER BY "Starts at" DESC LIMIT 3 OFFSET 10500"#,
    ] {
        assert_eq!(q(&conn, sql).await, q(&off, sql).await, "{sql}");
    }
    let r = q(
        &conn,
        r#"SELECT "$id", "Title" FROM Events ORDER BY "$id" LIMIT 2 OFFSET 12000"#,
    )
    .await;
    assert_eq!(r, [["12001", "Event 12001"], ["12002", "Event 12002"]]);

    // A text sort is Kintone's collation, not SQL's: it stays local, and with it the limit.
    clear_log(&sb);
    let r = q(
        &conn,
        r#"SELECT "Title" FROM Events WHERE "Sequence" <= 30 ORDER BY "Title" DESC LIMIT 2"#,
    )
    .await;
    assert_eq!(r, [["Event 00030"], ["Event 00029"]]);
    let reqs = record_requests(&sb);
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].0, r#"seq <= "30" order by $id asc limit 500"#);

    // A filter that stays local keeps the limit local: Kintone is not asked for 5.
    clear_log(&sb);
    let r = q(
        &conn,
        r#"SELECT "$id" FROM Events WHERE "Title" LIKE '%7%' ORDER BY "$id" LIMIT 5"#,
    )
    .await;
    assert_eq!(r, [["7"], ["17"], ["27"], ["37"], ["47"]]);
    // (The read is a parallel $id scan: pages of `$id` windows.)
    let reqs = record_requests(&sb);
    assert!(!reqs.is_empty());
    assert!(
        reqs.iter()
            .all(|(q, _)| q.ends_with("limit 500") && !q.contains("like")),
        "{reqs:?}"
    );

    // COUNT(*) with a filter: one request, limit 1, totalCount.
    clear_log(&sb);
    let r = q(
        &conn,
        r#"SELECT COUNT(*) FROM Events WHERE "Day" = DATE '2024-01-01'"#,
    )
    .await;
    assert_eq!(r, [["34"]]);
    assert_eq!(
        record_requests(&sb),
        [(
            r#"day = "2024-01-01" limit 1"#.to_string(),
            vec!["$id".to_string()]
        )]
    );

    // Prepare never reads records; WHERE 1=0 and LIMIT 0 are answered from the schema.
    clear_log(&sb);
    for sql in [
        r#"SELECT * FROM Events ORDER BY "Score" LIMIT 10"#,
        r#"SELECT COUNT(*) FROM Events WHERE "Kind" = 'beta'"#,
        r#"SELECT e."$id" FROM Events e JOIN Orders o ON e."$id" = o."$id" WHERE e."Title" LIKE '%x%'"#,
    ] {
        conn.prepare(sql).await.unwrap();
    }
    assert!(q(
        &conn,
        r#"SELECT "Title" FROM Events WHERE 1=0 ORDER BY "Score""#
    )
    .await
    .is_empty());
    assert!(q(
        &conn,
        r#"SELECT "Title" FROM Events ORDER BY "Day" LIMIT 0"#
    )
    .await
    .is_empty());
    assert_eq!(record_requests(&sb), Vec::<(String, Vec<String>)>::new());
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
        .all(|(q, _)| !q.contains("like") && q.ends_with("limit 500")));
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
    assert!(text.contains("strategy=$id windows, 8 at once"), "{text}");
    // With a limit the read stops early: plain $id seek.
    let r = q(&conn, r#"EXPLAIN SELECT "Title" FROM Events LIMIT 3"#).await;
    let text: String = r.iter().map(|x| x.join(" ")).collect::<Vec<_>>().join("\n");
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
        // NUMBER: every operator, NULLs, IN, BETWEEN, arithmetic.
        r#"SELECT "$id" FROM Customers WHERE "Credit limit" = 250000"#,
        r#"SELECT "$id" FROM Customers WHERE "Credit limit" <> 250000"#,
        r#"SELECT "$id" FROM Customers WHERE "Credit limit" < 100000"#,
        r#"SELECT "$id" FROM Customers WHERE "Credit limit" <= 100000"#,
        r#"SELECT "$id" FROM Customers WHERE "Credit limit" > 600000"#,
        r#"SELECT "$id" FROM Customers WHERE "Credit limit" >= 600000"#,
        r#"SELECT "$id" FROM Customers WHERE "Credit limit" BETWEEN 100000 AND 200000"#,
        r#"SELECT "$id" FROM Customers WHERE "Credit limit" NOT BETWEEN 100000 AND 600000"#,
        r#"SELECT "$id" FROM Customers WHERE "Credit limit" IN (25000, 50000, 250000)"#,
        r#"SELECT "$id" FROM Customers WHERE "Credit limit" NOT IN (25000, 50000)"#,
        r#"SELECT "$id" FROM Customers WHERE "Credit limit" * 2 > 1000000"#,
        r#"SELECT "$id" FROM Customers WHERE NOT ("Credit limit" > 300000)"#,
        r#"SELECT "$id" FROM Orders WHERE "Discount" = 0"#,
        r#"SELECT "$id" FROM Orders WHERE "Discount" > -3 AND "Discount" < 6"#,
        r#"SELECT "$id" FROM Orders WHERE "Discount" = 12.5"#,
        r#"SELECT "$id" FROM Orders WHERE "Discount" IS NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Total" > 0"#,
        r#"SELECT "$id" FROM Orders WHERE "Total" = 0"#,
        r#"SELECT "$id" FROM Orders WHERE "Total" IS NOT NULL"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 税込金額 >= 10000"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 金額 IS NOT NULL AND 金額 <> 2468"#,
        // DATE, TIME, DATETIME.
        r#"SELECT "$id" FROM Customers WHERE "Customer since" > DATE '2018-01-01'"#,
        r#"SELECT "$id" FROM Customers WHERE "Customer since" <= DATE '2016-06-01'"#,
        r#"SELECT "$id" FROM Customers WHERE "Customer since" <> DATE '2015-04-08'"#,
        r#"SELECT "$id" FROM Customers WHERE "Customer since" IN (DATE '2015-04-08', DATE '2015-07-14')"#,
        r#"SELECT "$id" FROM Customers WHERE "Customer since" IS NOT NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Order date" = DATE '2025-10-04'"#,
        r#"SELECT "$id" FROM Orders WHERE "Order date" BETWEEN {d '2025-10-10'} AND {d '2025-10-31'}"#,
        r#"SELECT "$id" FROM Orders WHERE "Pickup time" > TIME '12:00:00'"#,
        r#"SELECT "$id" FROM Orders WHERE "Pickup time" = TIME '10:00:00'"#,
        r#"SELECT "$id" FROM Orders WHERE "Pickup time" <> TIME '10:00:00'"#,
        r#"SELECT "$id" FROM Orders WHERE "Pickup time" IS NOT NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Ordered at" >= TIMESTAMP '2025-10-10 00:00:00+00:00'"#,
        r#"SELECT "$id" FROM Orders WHERE "Ordered at" < {ts '2025-10-20 00:00:00'}"#,
        r#"SELECT "$id" FROM Orders WHERE "Ordered at" <> TIMESTAMP '2025-10-04 01:00:00+00:00'"#,
        r#"SELECT "$id" FROM Orders WHERE "Ordered at" IS NOT NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Created datetime" > TIMESTAMP '2020-01-01 00:00:00+00:00'"#,
        r#"SELECT "$id" FROM Events WHERE "Starts at" BETWEEN TIMESTAMP '2025-01-01 10:00:00+00:00' AND TIMESTAMP '2025-01-01 20:00:00+00:00'"#,
        r#"SELECT "$id" FROM Events WHERE "Updated datetime" <= TIMESTAMP '2026-01-01 01:00:00+00:00'"#,
        r#"SELECT "$id" FROM Events WHERE "Day" <> DATE '2024-01-05' AND "$id" < 40"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 誕生日 < DATE '1990-01-01'"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 開始時刻 IS NULL"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 予約日時 IS NOT NULL"#,
        // Text, LINK, multi-line, rich text: =, <>, IN, LIKE, NULL and empty.
        r#"SELECT "$id" FROM Customers WHERE "Customer code" = 'C007'"#,
        r#"SELECT "$id" FROM Customers WHERE "Customer code" <> 'C007'"#,
        r#"SELECT "$id" FROM Customers WHERE "Customer code" IN ('C001', 'C030', 'c002')"#,
        r#"SELECT "$id" FROM Customers WHERE "Customer code" NOT IN ('C001', 'C030')"#,
        r#"SELECT "$id" FROM Customers WHERE "Customer code" > 'C020'"#,
        r#"SELECT "$id" FROM Customers WHERE "Company name" = 'Quote "Escaped" Ltd'"#,
        r#"SELECT "$id" FROM Customers WHERE "Company name" LIKE '%Ltd%'"#,
        r#"SELECT "$id" FROM Customers WHERE "Company name" NOT LIKE '%Ltd%'"#,
        r#"SELECT "$id" FROM Customers WHERE "Company name" ILIKE 'quote%'"#,
        r#"SELECT "$id" FROM Customers WHERE "Company name" = ''"#,
        r#"SELECT "$id" FROM Customers WHERE "E-mail" = 'nobody@example.com'"#,
        r#"SELECT "$id" FROM Customers WHERE "E-mail" IS NOT NULL"#,
        r#"SELECT "$id" FROM Customers WHERE "Website" IS NULL OR "Phone" IS NULL"#,
        r#"SELECT "$id" FROM Customers WHERE "Notes" LIKE '%keyword%'"#,
        r#"SELECT "$id" FROM Customers WHERE "Notes" IS NOT NULL"#,
        r#"SELECT "$id" FROM Customers WHERE TRIM("Notes") = ''"#,
        r#"SELECT "$id" FROM Orders WHERE "Remarks" IS NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Customer" IS NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Customer" = 'C005' OR "Customer" = 'C006'"#,
        r#"SELECT "$id" FROM Orders WHERE "Record number" = 'ORD-5'"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 氏名 = '佐藤 花子 🌸'"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 氏名 LIKE '%🌸%'"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 備考 LIKE '%東京タワー%'"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE ふりがな IS NULL"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 本文 IS NOT NULL"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE ホームページ IS NULL"#,
        // Choices, multi-value, users, files, status.
        r#"SELECT "$id" FROM Customers WHERE "Country" <> 'Japan'"#,
        r#"SELECT "$id" FROM Customers WHERE "Country" IN ('Germany', 'France')"#,
        r#"SELECT "$id" FROM Customers WHERE "Country" NOT IN ('Germany', 'France')"#,
        r#"SELECT "$id" FROM Customers WHERE "Country" = 'Atlantis'"#,
        r#"SELECT "$id" FROM Customers WHERE "Country" IS NOT NULL"#,
        r#"SELECT "$id" FROM Customers WHERE "Country" > 'G'"#,
        r#"SELECT "$id" FROM Customers WHERE "Rank" = 'A'"#,
        r#"SELECT "$id" FROM Customers WHERE "Rank" <> 'A'"#,
        r#"SELECT "$id" FROM Customers WHERE "Rank" IN ('A', 'C')"#,
        r#"SELECT "$id" FROM Customers WHERE "Rank" NOT IN ('A')"#,
        r#"SELECT "$id" FROM Customers WHERE "Created by" = 'sato'"#,
        r#"SELECT "$id" FROM Customers WHERE "Created by" <> 'sato'"#,
        r#"SELECT "$id" FROM Orders WHERE "Priority" IS NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Priority" IN ('High', 'Low')"#,
        r#"SELECT "$id" FROM Orders WHERE "Tags" = 'Urgent'"#,
        r#"SELECT "$id" FROM Orders WHERE "Tags" = 'Urgent,Gift'"#,
        r#"SELECT "$id" FROM Orders WHERE "Tags" LIKE '%Gift%'"#,
        r#"SELECT "$id" FROM Orders WHERE "Tags" IS NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Channels" IS NOT NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Owner" IS NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Department" IS NOT NULL OR "Team" IS NOT NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Attachments" IS NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Attachments" LIKE '%pixel%'"#,
        r#"SELECT "$id" FROM Orders WHERE "Status" = 'Review'"#,
        r#"SELECT "$id" FROM Orders WHERE "Status" IN ('Not started', 'Completed')"#,
        r#"SELECT "$id" FROM Orders WHERE "Assignee" IS NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Updated by" = 'demo'"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 趣味 = '読書'"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 性別 = '女性'"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 都道府県 NOT IN ('東京都', '大阪府')"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 言語 IS NULL"#,
        r#"SELECT "$id" FROM 日本語アプリ WHERE 担当者 IS NOT NULL"#,
        // Boolean structure: OR of mixed exactness, NOT, nested.
        r#"SELECT "$id" FROM Customers WHERE ("Rank" = 'A' AND "Credit limit" > 200000) OR ("Country" = 'Japan' AND "Notes" IS NULL)"#,
        r#"SELECT "$id" FROM Customers WHERE "Rank" = 'B' OR "Company name" LIKE 'A%'"#,
        r#"SELECT "$id" FROM Customers WHERE NOT ("Rank" = 'B' OR "Country" IS NULL)"#,
        r#"SELECT "$id" FROM Orders WHERE ("Discount" IS NULL OR "Discount" > 0) AND "Order date" < DATE '2025-11-01'"#,
        r#"SELECT "$id" FROM Events WHERE ("Kind" = 'alpha' OR "Score" < 50) AND "$id" <= 300"#,
        r#"SELECT "$id" FROM Events WHERE "Sequence" IN (1, 2, 3) OR "Title" = 'Event 00100'"#,
        // Subtables.
        r#"SELECT * FROM "Orders_Line items""#,
        r#"SELECT "$id", "$row_id" FROM "Orders_Line items" WHERE "Quantity" > 2"#,
        r#"SELECT "$id", "Product" FROM "Orders_Line items" WHERE "Item type" = 'Software'"#,
        r#"SELECT "$id", "Subtotal" FROM "Orders_Line items" WHERE "Ship date" IS NULL"#,
        r#"SELECT * FROM 日本語アプリ_明細 WHERE 数量 >= 2"#,
        r#"SELECT 品名, 納期 FROM 日本語アプリ_明細 WHERE 確認 = '済'"#,
        // Joins.
        r#"SELECT o."$id", c."Company name" FROM Orders o JOIN Customers c ON o."Customer" = c."Customer code""#,
        r#"SELECT c."$id", COUNT(o."$id") FROM Customers c LEFT JOIN Orders o ON o."Customer" = c."Customer code" GROUP BY c."$id""#,
        r#"SELECT c."Country", SUM(o."Total") FROM Orders o JOIN Customers c ON o."Customer" = c."Customer code" WHERE c."Rank" = 'A' GROUP BY c."Country""#,
        r#"SELECT o."$id", i."Product", i."Quantity" FROM Orders o JOIN "Orders_Line items" i ON o."$id" = i."$id" WHERE o."Discount" > 0 AND i."Quantity" > 1"#,
        r#"SELECT o."$id", COUNT(i."$row_id") FROM Orders o LEFT JOIN "Orders_Line items" i ON o."$id" = i."$id" GROUP BY o."$id""#,
        r#"SELECT j."$id", m.品名 FROM 日本語アプリ j JOIN 日本語アプリ_明細 m ON j."$id" = m."$id" WHERE j.都道府県 = '東京都'"#,
        r#"SELECT e."$id", o."$id" FROM Events e JOIN Orders o ON e."Sequence" = o."$id" WHERE e."Kind" = 'beta'"#,
        // GROUP BY, HAVING, DISTINCT, CASE, subqueries, UNION, window functions.
        r#"SELECT "Rank", COUNT(*), AVG("Credit limit") FROM Customers GROUP BY "Rank""#,
        r#"SELECT "Country", COUNT(*) FROM Customers GROUP BY "Country" HAVING COUNT(*) > 5"#,
        r#"SELECT "Kind", MAX("Score"), MIN("Day") FROM Events WHERE "$id" <= 400 GROUP BY "Kind" HAVING MAX("Score") > 990"#,
        r#"SELECT "Status", SUM("Total"), COUNT("Discount") FROM Orders GROUP BY "Status""#,
        r#"SELECT DISTINCT "Country" FROM Customers"#,
        r#"SELECT DISTINCT "Kind", "Day" FROM Events WHERE "Sequence" < 100"#,
        r#"SELECT COUNT(DISTINCT "Customer") FROM Orders"#,
        r#"SELECT "$id", CASE WHEN "Credit limit" IS NULL THEN 'none' WHEN "Credit limit" > 500000 THEN 'high' ELSE 'low' END FROM Customers"#,
        r#"SELECT CASE "Rank" WHEN 'A' THEN 1 ELSE 0 END AS a, COUNT(*) FROM Customers GROUP BY 1"#,
        r#"SELECT "$id" FROM Customers WHERE "Customer code" IN (SELECT "Customer" FROM Orders WHERE "Priority" = 'High')"#,
        r#"SELECT "$id" FROM Orders o WHERE EXISTS (SELECT 1 FROM "Orders_Line items" i WHERE i."$id" = o."$id" AND i."Quantity" >= 3)"#,
        r#"SELECT "$id" FROM Customers WHERE "Credit limit" > (SELECT AVG("Credit limit") FROM Customers)"#,
        r#"SELECT "Customer code" FROM Customers WHERE "Rank" = 'A' UNION SELECT "Customer" FROM Orders WHERE "Discount" < 0"#,
        r#"SELECT "$id", ROW_NUMBER() OVER (PARTITION BY "Rank" ORDER BY "$id") FROM Customers"#,
        r#"SELECT "$id", SUM("Score") OVER (ORDER BY "$id" ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM Events WHERE "$id" <= 50"#,
        // ORDER BY with LIMIT / OFFSET (pushed sorts, null splits, local sorts).
        r#"SELECT "$id", "Credit limit" FROM Customers ORDER BY "Credit limit", "$id" LIMIT 5"#,
        r#"SELECT "$id", "Credit limit" FROM Customers ORDER BY "Credit limit" DESC, "$id" LIMIT 5"#,
        r#"SELECT "$id", "Credit limit" FROM Customers ORDER BY "Credit limit" ASC NULLS FIRST, "$id" LIMIT 5"#,
        r#"SELECT "$id", "Credit limit" FROM Customers ORDER BY "Credit limit" DESC NULLS LAST, "$id" DESC LIMIT 5 OFFSET 2"#,
        r#"SELECT "$id" FROM Customers WHERE "Rank" = 'A' ORDER BY "Customer since" DESC, "$id" LIMIT 4"#,
        r#"SELECT "$id" FROM Customers ORDER BY "Customer since" NULLS FIRST, "$id" LIMIT 3 OFFSET 1"#,
        r#"SELECT "$id", "Ordered at" FROM Orders ORDER BY "Ordered at" DESC, "$id" LIMIT 6"#,
        r#"SELECT "$id", "Pickup time" FROM Orders ORDER BY "Pickup time", "$id" LIMIT 8"#,
        r#"SELECT "$id", "Total" FROM Orders WHERE "Priority" = 'Normal' ORDER BY "Total" DESC, "$id" LIMIT 3"#,
        r#"SELECT "$id", "Discount" FROM Orders ORDER BY "Discount", "Order date" LIMIT 4"#,
        r#"SELECT "$id" FROM Orders ORDER BY "Created datetime" DESC, "$id" LIMIT 3 OFFSET 5"#,
        r#"SELECT "$id", "Company name" FROM Customers ORDER BY "Company name" LIMIT 4"#,
        r#"SELECT "$id", "Country" FROM Customers ORDER BY "Country", "$id" LIMIT 7"#,
        r#"SELECT "$id" FROM Events ORDER BY "Score" DESC, "$id" LIMIT 10 OFFSET 20"#,
        r#"SELECT "$id" FROM Events WHERE "Kind" = 'delta' ORDER BY "Day", "$id" DESC LIMIT 5"#,
        r#"SELECT "$id" FROM Events WHERE "Title" LIKE '%5%' ORDER BY "Score" LIMIT 5"#,
        r#"SELECT "$id" FROM Events ORDER BY "$id" LIMIT 10 OFFSET 590"#,
        r#"SELECT "$id" FROM Events ORDER BY "Starts at" DESC LIMIT 3"#,
        r#"SELECT "$id" FROM 日本語アプリ ORDER BY 金額 DESC, "$id" LIMIT 5"#,
        r#"SELECT "$id" FROM 日本語アプリ ORDER BY 誕生日 NULLS FIRST, "$id" LIMIT 5"#,
        r#"SELECT * FROM (SELECT "$id", "Score" FROM Events ORDER BY "Score" LIMIT 20) t ORDER BY "$id" LIMIT 5"#,
        r#"SELECT COUNT(*) FROM (SELECT "$id" FROM Events ORDER BY "Day" DESC, "$id" LIMIT 50 OFFSET 10) t"#,
        // COUNT(*) with pushed filters, empty results, functions and escapes.
        r#"SELECT COUNT(*) FROM Customers WHERE "Country" = 'Japan'"#,
        r#"SELECT COUNT(*) FROM Orders WHERE "Discount" IS NULL"#,
        r#"SELECT COUNT(*), COUNT("Kind") FROM Events WHERE "Sequence" > 100"#,
        r#"SELECT COUNT(*) FROM Events WHERE 1 = 0"#,
        r#"SELECT * FROM Customers WHERE "Rank" = 'A' AND "Rank" = 'B'"#,
        r#"SELECT "$id", EXTRACT(YEAR FROM "Customer since") FROM Customers WHERE EXTRACT(MONTH FROM "Customer since") = 3"#,
        r#"SELECT "$id", date_trunc('month', "Ordered at") FROM Orders WHERE "Ordered at" IS NOT NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Order date" + INTERVAL '10 days' > DATE '2025-11-20'"#,
        r#"SELECT "$id", {fn UCASE("Company name")}, {fn DAYOFWEEK("Customer since")} FROM Customers WHERE {fn LENGTH("Company name")} > 10"#,
        r#"SELECT "$id" FROM Customers WHERE "Company name" LIKE '%\_%' {escape '\'}"#,
        r#"SELECT o."$id" FROM {oj Orders o LEFT OUTER JOIN Customers c ON o."Customer" = c."Customer code"} WHERE c."$id" IS NULL"#,
        r#"SELECT "$id" FROM Orders WHERE "Order date" >= {d '2025-11-01'} AND "Pickup time" < {t '15:00:00'}"#,
        r#"SELECT TOP 3 "$id", "Score" FROM Events WHERE "Kind" = 'alpha' ORDER BY "Score" DESC, "$id""#,
    ];
    assert!(corpus.len() >= 150, "{}", corpus.len());
    let mut failures = Vec::new();
    for sql in corpus {
        let (a, b) = (on.query(sql).await, off.query(sql).await);
        match (a, b) {
            (Ok(a), Ok(b)) => {
                let (mut a, mut b) = (rows(&a), rows(&b));
                // Without ORDER BY the row order is not part of the answer.
                let ordered = sql
                    .rsplit_once("ORDER BY")
                    .is_some_and(|(_, tail)| !tail.contains(')'));
                if !ordered {
                    a.sort();
                    b.sort();
                }
                if a != b {
                    failures.push(format!("{sql}\n  pushdown: {a:?}\n  local:    {b:?}"));
                }
            }
            (a, b) => failures.push(format!("{sql}: {:?} / {:?}", a.err(), b.err())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// ORDER BY with LIMIT/OFFSET past Kintone's 10,000 offset limit, pushdown on and off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn differential_past_ten_thousand() {
    let sb = sandbox(12_000).await;
    let on = connect(&sb, |_| {}).await;
    let off = connect(&sb, |s| s.pushdown = false).await;
    for sql in [
        r#"SELECT "$id", "Title" FROM Events ORDER BY "$id" LIMIT 5 OFFSET 10400"#,
        r#"SELECT "$id" FROM Events ORDER BY "$id" DESC LIMIT 3 OFFSET 11000"#,
        r#"SELECT "$id", "Score" FROM Events ORDER BY "Score", "$id" LIMIT 4 OFFSET 10998"#,
        r#"SELECT "$id" FROM Events WHERE "Kind" <> 'beta' ORDER BY "Day" DESC, "$id" LIMIT 5 OFFSET 8500"#,
        r#"SELECT "$id" FROM Events ORDER BY "Updated datetime" LIMIT 2 OFFSET 11990"#,
        r#"SELECT "Kind", COUNT(*) FROM Events WHERE "Score" > 500 GROUP BY "Kind" ORDER BY "Kind" NULLS FIRST"#,
        r#"SELECT COUNT(*) FROM Events WHERE "Starts at" >= TIMESTAMP '2025-03-01 00:00:00+00:00'"#,
    ] {
        let a = rows(&on.query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}")));
        let b = rows(
            &off.query(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
        );
        assert!(!a.is_empty(), "{sql}");
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

/// Every `{fn}` name the crate exports for SQLGetInfo, run through a query.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odbc_scalar_functions() {
    use kintone_sql::escapes;
    let sb = sandbox(100).await;
    let conn = connect(&sb, |_| {}).await;
    let host = sb
        .base_url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let cases: Vec<(&str, String)> = vec![
        ("ASCII('A')", "65".into()),
        ("BIT_LENGTH('ab')", "16".into()),
        ("CHAR(65)", "A".into()),
        ("CHAR_LENGTH('日本語')", "3".into()),
        ("CHARACTER_LENGTH('ab ')", "3".into()),
        ("CONCAT('a', 'b')", "ab".into()),
        ("INSERT('abcdef', 2, 3, 'XY')", "aXYef".into()),
        ("LCASE('AbC')", "abc".into()),
        ("LEFT('abcdef', 2)", "ab".into()),
        ("LENGTH('ab  ')", "2".into()),
        ("LOCATE('c', 'abcabc')", "3".into()),
        ("LOCATE('c', 'abcabc', 4)", "6".into()),
        ("LOCATE('z', 'abc', 2)", "0".into()),
        ("LTRIM('  a')", "a".into()),
        ("OCTET_LENGTH('é')", "2".into()),
        ("REPEAT('ab', 3)", "ababab".into()),
        ("REPLACE('aXbX', 'X', '-')", "a-b-".into()),
        ("RIGHT('abcdef', 2)", "ef".into()),
        ("RTRIM('a  ')", "a".into()),
        ("SPACE(3)", "   ".into()),
        ("SUBSTRING('abcdef', 2, 3)", "bcd".into()),
        ("SUBSTRING('abcdef', 4)", "def".into()),
        ("UCASE('AbC')", "ABC".into()),
        ("ABS(-2)", "2".into()),
        ("ACOS(1)", "0.0".into()),
        ("ASIN(0)", "0.0".into()),
        ("ATAN(0)", "0.0".into()),
        ("ATAN2(0, 1)", "0.0".into()),
        ("CEILING(1.2)", "2.0".into()),
        ("COS(0)", "1.0".into()),
        ("ROUND(COT(1), 6)", "0.642093".into()),
        ("DEGREES(PI())", "180.0".into()),
        ("EXP(0)", "1.0".into()),
        ("FLOOR(1.8)", "1.0".into()),
        ("LOG(1)", "0.0".into()),
        ("LOG10(100)", "2.0".into()),
        ("MOD(7, 3)", "1".into()),
        ("PI()", "3.141592653589793".into()),
        ("POWER(2, 10)", "1024.0".into()),
        ("ROUND(RADIANS(180), 5)", "3.14159".into()),
        ("ROUND(2.567, 2)", "2.57".into()),
        ("SIGN(-5)", "-1.0".into()),
        ("SIN(0)", "0.0".into()),
        ("SQRT(16)", "4.0".into()),
        ("TAN(0)", "0.0".into()),
        // An exact decimal literal keeps its scale.
        ("TRUNCATE(2.567, 1)", "2.500".into()),
        ("CURDATE() = CURRENT_DATE", "true".into()),
        ("CURRENT_DATE() = CURRENT_DATE", "true".into()),
        ("CURTIME() IS NOT NULL", "true".into()),
        ("CURRENT_TIME() IS NOT NULL", "true".into()),
        ("NOW() <= now()", "true".into()),
        ("CURRENT_TIMESTAMP() IS NOT NULL", "true".into()),
        ("DAYNAME(DATE '2024-01-01')", "Monday".into()),
        ("MONTHNAME(DATE '2024-01-01')", "January".into()),
        ("DAYOFMONTH(DATE '2024-03-15')", "15".into()),
        ("DAYOFWEEK(DATE '2024-01-01')", "2".into()),
        ("DAYOFWEEK(DATE '2024-01-07')", "1".into()),
        ("DAYOFYEAR(DATE '2024-03-01')", "61".into()),
        ("HOUR(TIMESTAMP '2024-01-01 13:45:30')", "13".into()),
        ("MINUTE(TIMESTAMP '2024-01-01 13:45:30')", "45".into()),
        ("SECOND(TIMESTAMP '2024-01-01 13:45:30')", "30".into()),
        ("MONTH(DATE '2024-03-15')", "3".into()),
        ("QUARTER(DATE '2024-08-15')", "3".into()),
        ("WEEK(DATE '2024-01-08')", "2".into()),
        ("YEAR(DATE '2024-03-15')", "2024".into()),
        (
            "TIMESTAMPADD(SQL_TSI_DAY, 3, TIMESTAMP '2024-01-30 10:00:00')",
            "2024-02-02T10:00:00".into(),
        ),
        (
            "TIMESTAMPADD(SQL_TSI_MONTH, 1, TIMESTAMP '2024-01-31 00:00:00')",
            "2024-02-29T00:00:00".into(),
        ),
        (
            "TIMESTAMPADD(SQL_TSI_HOUR, -2, TIMESTAMP '2024-01-01 01:00:00')",
            "2023-12-31T23:00:00".into(),
        ),
        (
            "TIMESTAMPADD(SQL_TSI_WEEK, 1, DATE '2024-01-01')",
            "2024-01-08T00:00:00".into(),
        ),
        (
            "TIMESTAMPDIFF(SQL_TSI_DAY, TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-03 12:00:00')",
            "2".into(),
        ),
        (
            "TIMESTAMPDIFF(SQL_TSI_MINUTE, TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 01:30:59')",
            "90".into(),
        ),
        (
            "TIMESTAMPDIFF(SQL_TSI_MONTH, DATE '2024-01-31', DATE '2024-03-01')",
            "2".into(),
        ),
        (
            "TIMESTAMPDIFF(SQL_TSI_YEAR, DATE '2020-06-01', DATE '2024-01-01')",
            "4".into(),
        ),
        ("DATABASE()", host.clone()),
        ("USER()", "demo".into()),
        ("IFNULL(NULL, 'x')", "x".into()),
        ("CONVERT('12', SQL_INTEGER)", "12".into()),
        ("CONVERT(12, SQL_VARCHAR)", "12".into()),
        ("CONVERT('1.5', SQL_DOUBLE)", "1.5".into()),
        ("CONVERT('12.25', SQL_DECIMAL)", "12.25000000".into()),
        ("CONVERT('2024-01-02', SQL_DATE)", "2024-01-02".into()),
        (
            "CONVERT('2024-01-02 03:04:05', SQL_TIMESTAMP)",
            "2024-01-02T03:04:05".into(),
        ),
        ("CONVERT(1, SQL_BIT)", "true".into()),
    ];
    let mut failures = Vec::new();
    let mut covered = std::collections::HashSet::new();
    for (call, want) in &cases {
        let name: String = call
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        covered.insert(name.to_ascii_uppercase());
        // `CURDATE() = CURRENT_DATE`: the escape is the call, the rest compares it.
        let sql = match call.split_once(") ") {
            Some((head, rest)) => format!("SELECT {{fn {head})}} {rest}"),
            None => format!("SELECT {{fn {call}}}"),
        };
        match conn.query(&sql).await {
            Ok(b) => {
                let got = rows(&b);
                if got != [[want.clone()]] {
                    failures.push(format!("{sql}: got {got:?}, want {want:?}"));
                }
            }
            Err(e) => failures.push(format!("{sql}: {e}")),
        }
    }
    // Inner calls count too (`ROUND(COT(1), 6)`).
    for n in ["COT", "RADIANS", "PI", "CURRENT_DATE", "NOW"] {
        covered.insert(n.to_string());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for list in [
        escapes::STRING_FUNCTIONS,
        escapes::NUMERIC_FUNCTIONS,
        escapes::TIMEDATE_FUNCTIONS,
        escapes::SYSTEM_FUNCTIONS,
    ] {
        for n in list {
            assert!(covered.contains(*n), "{n} is listed but not tested");
        }
    }
    // Over columns, nested, with a parameter, and in WHERE.
    let r = q(
        &conn,
        r#"SELECT {fn UCASE({fn LEFT("Title", 5)})}, {fn YEAR("Day")}, {fn MONTHNAME("Day")} FROM Events WHERE {fn MOD("$id", 50)} = 1 ORDER BY "$id""#,
    )
    .await;
    assert_eq!(
        r,
        [["EVENT", "2024", "January"], ["EVENT", "2024", "February"]]
    );
    let p = conn
        .prepare(r#"SELECT {fn CONCAT(?, "Title")} FROM Events WHERE "$id" = ?"#)
        .await
        .unwrap();
    assert_eq!(p.param_count, 2);
    let b = conn
        .execute(
            &p,
            vec![
                datafusion::common::ScalarValue::Utf8(Some("> ".into())),
                datafusion::common::ScalarValue::Int64(Some(3)),
            ],
        )
        .await
        .unwrap()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(rows(&b), [["> Event 00003"]]);
    // Bad calls name the function or the interval.
    let e = conn
        .prepare("SELECT {fn UCASE('a', 'b')}")
        .await
        .unwrap_err();
    assert_eq!(e.sqlstate, "42000");
    assert!(e.message.contains("UCASE"), "{e}");
    let e = conn
        .prepare("SELECT {fn TIMESTAMPADD(SQL_TSI_EON, 1, NOW())}")
        .await
        .unwrap_err();
    assert!(e.message.contains("SQL_TSI_EON"), "{e}");
    // A call escape is a procedure call: an unknown one is named.
    let e = conn.prepare("{call Foo(1)}").await.unwrap_err();
    assert_eq!(e.sqlstate, "42000");
    assert!(e.message.contains("Foo"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_tables() {
    let sb = sandbox(100).await;
    let conn = connect(&sb, |_| {}).await;
    assert_eq!(
        kintone_sql::system_table_names(kintone_sql::settings::DataModel::Kintone),
        [
            "Apps",
            "FormFields",
            "Views",
            "Comments",
            "ProcessManagement",
            "Users",
            "sys_tables",
            "sys_tablecolumns",
            "sys_procedures",
            "sys_procedureparameters",
            "sys_primarykeys",
            "sys_foreignkeys",
            "sys_sqlinfo",
            "sys_information",
            "sys_connection_props"
        ]
    );
    // Prepare reads nothing.
    clear_log(&sb);
    conn.prepare("SELECT * FROM Apps").await.unwrap();
    conn.prepare("SELECT * FROM Comments").await.unwrap();
    assert_eq!(sb.state().log().entries.len(), 0);

    let r = q(
        &conn,
        "SELECT AppId, Name, TableName, SpaceId FROM Apps WHERE AppId <= 4 ORDER BY AppId",
    )
    .await;
    assert_eq!(
        r,
        [
            ["1", "Customers", "Customers", "1"],
            ["2", "Orders", "Orders", "1"],
            ["3", "日本語アプリ", "日本語アプリ", "NULL"],
            ["4", "Events", "Events", "NULL"]
        ]
    );
    let r = q(&conn, "SELECT COUNT(*) FROM sys.Apps WHERE AppId = 2").await;
    assert_eq!(r, [["1"]]);
    let r = q(
        &conn,
        "SELECT Code, Type, Subtable, TableName, ColumnName, MaxLength, Required FROM FormFields \
         WHERE AppId IN (1, 2) AND Code IN ('seq', 'customer_code', 'quantity', 'kind') ORDER BY Code",
    )
    .await;
    assert_eq!(
        r,
        [
            [
                "customer_code",
                "SINGLE_LINE_TEXT",
                "NULL",
                "Customers",
                "Customer code",
                "10",
                "true"
            ],
            [
                "quantity",
                "NUMBER",
                "items",
                "Orders_Line items",
                "Quantity",
                "NULL",
                "false"
            ],
        ]
    );
    let r = q(
        &conn,
        "SELECT Options FROM FormFields WHERE AppId = 4 AND Code = 'kind'",
    )
    .await;
    assert_eq!(r, [[r#"["alpha","beta","gamma","delta"]"#]]);
    let r = q(&conn, "SELECT Name, Type FROM Views WHERE AppId = 4").await;
    assert_eq!(r, [["All events", "LIST"]]);
    let r = q(
        &conn,
        "SELECT COUNT(*), MIN(CreatorCode) FROM Comments WHERE AppId = 2 AND RecordId = 1",
    )
    .await;
    assert_eq!(r[0][0], "3");
    let e = conn
        .query("SELECT * FROM Comments WHERE AppId = 2")
        .await
        .unwrap_err();
    assert!(e.message.contains("RecordId = <number>"), "{e}");
    assert!(!e.message.contains("AppId = <number>"), "{e}");
    let r = q(
        &conn,
        "SELECT Enable, States LIKE '%In progress%' FROM ProcessManagement WHERE AppId = 2",
    )
    .await;
    assert_eq!(r, [["true", "true"]]);
    let r = q(&conn, "SELECT Code FROM Users WHERE Code = 'demo'").await;
    assert_eq!(r, [["demo"]]);
    let r = q(
        &conn,
        r#"SELECT SchemaName, TableType FROM sys_tables WHERE TableName IN ('Orders_Line items', 'sys_sqlinfo') ORDER BY 1"#,
    )
    .await;
    assert_eq!(r, [["public", "TABLE"], ["sys", "SYSTEM TABLE"]]);
    let r = q(
        &conn,
        "SELECT DataTypeName, NumericPrecision, NumericScale, IsNullable, Ordinal FROM sys_tablecolumns \
         WHERE TableName = 'Events' AND ColumnName IN ('Score', '$id') ORDER BY Ordinal",
    )
    .await;
    assert_eq!(
        r,
        [
            ["BIGINT", "19", "0", "false", "1"],
            ["DECIMAL", "38", "8", "true", "10"]
        ]
    );
    let r = q(
        &conn,
        "SELECT Length FROM sys_tablecolumns WHERE TableName = '日本語アプリ' AND ColumnName = '氏名'",
    )
    .await;
    assert_eq!(r, [["64"]]);
    let r = q(&conn, "SELECT ColumnName FROM sys_primarykeys WHERE TableName IN ('Orders', 'Orders_Line items') ORDER BY 1").await;
    assert_eq!(r, [["$id"], ["$row_id"]]);
    let r = q(&conn, "SELECT ColumnName, ReferencedTableName, ReferencedColumnName FROM sys_foreignkeys WHERE TableName = 'Orders_Line items'").await;
    assert_eq!(r, [["$id", "Orders", "$id"]]);
    let r = q(&conn, "SELECT ProcedureName FROM sys_procedures ORDER BY 1").await;
    assert_eq!(
        r,
        [
            ["AddGuests"],
            ["AddGuestsToSpace"],
            ["AddThreadComment"],
            ["AppsDeployStatus"],
            ["CreateApp"],
            ["DeleteGuests"],
            ["DeployApps"],
            ["DownloadFile"],
            ["GetOAuthAccessToken"],
            ["GetOAuthAuthorizationURL"],
            ["RefreshOAuthAccessToken"],
            ["UpdateAssignees"],
            ["UpdateStatus"],
            ["UpdateThread"],
            ["UploadFile"]
        ]
    );
    // Inputs (Direction 1) in declared order, then the result columns (3).
    let r = q(&conn, "SELECT ColumnName, Direction, DataTypeName, Ordinal, IsRequired, Default FROM sys_procedureparameters WHERE ProcedureName = 'RefreshOAuthAccessToken'").await;
    assert_eq!(
        r,
        [
            [
                "OAuthRefreshToken",
                "1",
                "VARCHAR",
                "1",
                "false",
                "the OAuthRefreshToken connection property"
            ],
            ["OAuthAccessToken", "3", "VARCHAR", "1", "false", "NULL"],
            ["OAuthRefreshToken", "3", "VARCHAR", "2", "false", "NULL"],
            ["ExpiresIn", "3", "BIGINT", "3", "false", "NULL"],
        ]
    );
    let r = q(
        &conn,
        "SELECT COUNT(*) FROM sys_procedureparameters WHERE Direction = 1",
    )
    .await;
    assert_eq!(r, [["64"]]);
    let r = q(&conn, "SELECT ColumnName FROM sys_procedureparameters WHERE ProcedureName = 'GetOAuthAccessToken' AND IsRequired").await;
    assert_eq!(r, [["Verifier"]]);
    let r = q(
        &conn,
        "SELECT VALUE LIKE '%UCASE%' FROM sys_sqlinfo WHERE NAME = 'STRING_FUNCTIONS'",
    )
    .await;
    assert_eq!(r, [["true"]]);
    // The host's licence state and location pass through; unknown ones are NULL.
    let r = q(
        &conn,
        "SELECT Product, Datasource, License IS NULL FROM sys_information",
    )
    .await;
    assert_eq!(r, [["kintone-odbc", "Kintone", "true"]]);
    let host = connect(&sb, |s| {
        s.host.licence = Some("trial: 12 days left".into());
        s.host.location = Some("/opt/kintone-odbc/lib/libkintoneodbc.so".into());
    })
    .await;
    let r = q(
        &host,
        "SELECT License, Location, Version FROM sys.sys_information",
    )
    .await;
    assert_eq!(
        r,
        [[
            "trial: 12 days left",
            "/opt/kintone-odbc/lib/libkintoneodbc.so",
            env!("CARGO_PKG_VERSION")
        ]]
    );
    // The max length reaches the Arrow metadata the driver reads.
    let p = conn.prepare("SELECT 氏名 FROM 日本語アプリ").await.unwrap();
    assert_eq!(
        p.schema
            .field(0)
            .metadata()
            .get("kintone.max_length")
            .map(String::as_str),
        Some("64")
    );

    // An app named like a system table keeps its name; the system table is `sys.Apps`.
    let admin = kintone_api::Client::new(settings(&sb).client).unwrap();
    let (id, _) = admin.create_app("Apps", None).await.unwrap();
    admin
        .deploy_and_wait(&[id], std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let conn = connect(&sb, |_| {}).await;
    let r = q(&conn, "SELECT COUNT(*) FROM Apps").await;
    assert_eq!(r, [["0"]], "the app table Apps (no records)");
    let r = q(
        &conn,
        &format!("SELECT Name FROM sys.Apps WHERE AppId = {id}"),
    )
    .await;
    assert_eq!(r, [["Apps"]]);
}

/// Decimal literals are exact decimals: a comparison with a NUMBER field matches the
/// value written and goes to Kintone as written (it once became the nearest double,
/// matched nothing, and read the whole app).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decimal_literals_are_exact_and_push_down() {
    let sb = sandbox(600).await;
    let conn = connect(&sb, |_| {}).await;
    let r = q(&conn, "SELECT CAST(123456789012.34 AS VARCHAR)").await;
    assert_eq!(r, [["123456789012.34"]]);
    let r = q(
        &conn,
        r#"EXPLAIN SELECT "$id" FROM Events WHERE "Score" = 583.8"#,
    )
    .await;
    let text: String = r.iter().map(|x| x.join(" ")).collect::<Vec<_>>().join("\n");
    assert!(text.contains(r#"query="score = "583.8""#), "{text}");
    let off = connect(&sb, |s| s.pushdown = false).await;
    let sql = r#"SELECT "$id" FROM Events WHERE "Score" = 583.8 ORDER BY 1"#;
    let pushed = q(&conn, sql).await;
    assert!(!pushed.is_empty(), "583.8 matches some record");
    assert_eq!(pushed, q(&off, sql).await);
}

/// Column names resolve as table names do: exactly, else case-insensitively when one
/// column matches (ODBC tools send `country` for `Country`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn column_names_resolve_like_table_names() {
    let sb = sandbox(100).await;
    let conn = connect(&sb, |_| {}).await;
    let want = q(
        &conn,
        r#"SELECT "Country", COUNT(*) FROM Customers WHERE "Country" = 'Japan' GROUP BY "Country""#,
    )
    .await;
    assert!(!want.is_empty());
    let got = q(
        &conn,
        "SELECT country, COUNT(*) FROM customers WHERE COUNTRY = 'Japan' GROUP BY country",
    )
    .await;
    assert_eq!(got, want);
    let got = q(
        &conn,
        r#"SELECT c."country" FROM Customers c WHERE c.country = 'Japan' LIMIT 1"#,
    )
    .await;
    assert_eq!(got, [["Japan"]]);
    // A name matching no column in any case still fails, naming it.
    let e = conn
        .prepare("SELECT countryy FROM Customers")
        .await
        .unwrap_err();
    assert!(e.message.contains("countryy"), "{e}");
    // In the user's terms: no engine catalog, no engine settings to change.
    for sql in [
        "SELECT countryy FROM Customers",
        "SELECT \"Country\" FROM Nowhere",
        "SELECT Customers.nope FROM Customers",
    ] {
        let e = conn.prepare(sql).await.unwrap_err();
        assert!(
            !e.message.contains("datafusion") && !e.message.contains("normalization"),
            "{sql}: {e}"
        );
    }
}

/// Unnamed expressions are named as the user wrote them (SQLDescribeCol shows these),
/// not with the engine's internal spelling.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expression_columns_are_named_as_written() {
    let sb = sandbox(100).await;
    let conn = connect(&sb, |_| {}).await;
    let p = conn
        .prepare(r#"SELECT "$id", upper("Company name"), CAST("Credit limit" AS VARCHAR), 1, COUNT(*) OVER () AS n FROM Customers"#)
        .await
        .unwrap();
    let names: Vec<&str> = p
        .schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(
        names,
        [
            "$id",
            r#"upper("Company name")"#,
            r#"CAST("Credit limit" AS VARCHAR)"#,
            "1",
            "n"
        ]
    );
}

/// Long IN lists are read in chunks (each at most a page of values), concurrently, and
/// give exactly the rows SQL alone gives: on `$id` in order (also DESC and with LIMIT),
/// on a text field with values Kintone may match twice, and under COUNT(*).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_in_lists_are_chunked_and_exact() {
    let sb = sandbox(25_000).await;
    let conn = connect(&sb, |_| {}).await;
    let off = connect(&sb, |s| s.pushdown = false).await;
    let ids: Vec<String> = (3..=24_000).step_by(7).map(|i| i.to_string()).collect();
    let list = ids.join(",");

    clear_log(&sb);
    let sql = format!(r#"SELECT "$id", "Title" FROM Events WHERE "$id" IN ({list})"#);
    let r = q(&conn, &sql).await;
    assert_eq!(r.len(), ids.len());
    let got: Vec<&str> = r.iter().map(|row| row[0].as_str()).collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    let reqs = record_requests(&sb);
    assert_eq!(reqs.len(), ids.len().div_ceil(500), "one page per chunk");
    assert!(reqs.iter().all(|(q, _)| q.len() < 12_000
        && q.starts_with("$id in (")
        && q.matches('"').count() / 2 <= 500));

    for sql in [
        format!(r#"SELECT "$id" FROM Events WHERE "$id" IN ({list}) ORDER BY "$id" DESC LIMIT 7"#),
        format!(
            r#"SELECT "$id" FROM Events WHERE "$id" IN ({list}) AND "Kind" = 'beta' ORDER BY "$id""#
        ),
        format!(r#"SELECT COUNT(*) FROM Events WHERE "$id" IN ({list}, 99999999)"#),
        format!(
            r#"SELECT "Score", "$id" FROM Events WHERE "$id" IN ({list}) ORDER BY "Score" DESC, "$id" LIMIT 20"#
        ),
    ] {
        assert_eq!(q(&conn, &sql).await, q(&off, &sql).await, "{}", &sql[..80]);
    }

    // A list short enough to send whole is one `$id in (...)`, as written (a negative
    // id and 0 included: they match nothing, on both sides).
    let few: Vec<String> = (1..=300)
        .map(|i| (i * 11).to_string())
        .chain(["-4".to_string(), "0".to_string()])
        .collect();
    let sql = format!(
        r#"SELECT "$id" FROM Events WHERE "$id" IN ({}) ORDER BY "$id""#,
        few.join(",")
    );
    clear_log(&sb);
    let r = q(&conn, &sql).await;
    let reqs = record_requests(&sb);
    assert_eq!(r.len(), 300);
    assert_eq!(r, q(&off, &sql).await);
    let whole = format!(
        "$id in ({})",
        few.iter()
            .map(|i| format!("\"{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert!(!reqs.is_empty());
    assert!(
        reqs.iter()
            .all(|(q, _)| q.is_empty() || q.starts_with(&whole)),
        "{:?}",
        reqs.iter()
            .map(|(q, _)| &q[..q.len().min(60)])
            .collect::<Vec<_>>()
    );

    // Text: the same title twice and in other case; each record once.
    let titles: Vec<String> = (1..=3_000)
        .map(|i| format!("'Event {:05}'", i * 5))
        .chain(["'Event 00005'".to_string(), "'EVENT 00010'".to_string()])
        .collect();
    let sql = format!(
        r#"SELECT "$id", "Title" FROM Events WHERE "Title" IN ({}) ORDER BY "$id""#,
        titles.join(",")
    );
    clear_log(&sb);
    let r = q(&conn, &sql).await;
    assert_eq!(r.len(), 3_000);
    assert_eq!(r, q(&off, &sql).await);
    assert!(record_requests(&sb).len() > 1, "chunked");
    let count = format!(
        r#"SELECT COUNT(*) FROM Events WHERE "Title" IN ({})"#,
        titles.join(",")
    );
    assert_eq!(q(&conn, &count).await, [["3000"]]);
}

/// The chunks of a long IN list are requested at once (within the budget), not one
/// after the other: with 100 ms per answer, four chunks overlap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_list_chunks_are_requested_concurrently() {
    let sb = start(Options {
        large_records: 25_000,
        latency_ms: 100,
        ..Options::default()
    })
    .await
    .expect("sandbox starts");
    let conn = connect(&sb, |_| {}).await;
    let ids: Vec<String> = (1..=2_000).map(|i| (i * 11).to_string()).collect();
    let sql = format!(
        r#"SELECT "$id" FROM Events WHERE "$id" IN ({})"#,
        ids.join(",")
    );
    // Reads the form first, so that only the chunks are measured.
    q(&conn, r#"SELECT "$id" FROM Events WHERE "$id" = 1"#).await;
    clear_log(&sb);
    sb.state()
        .max_in_flight
        .store(0, std::sync::atomic::Ordering::SeqCst);
    let r = q(&conn, &sql).await;
    assert_eq!(
        r.iter().map(|row| row[0].clone()).collect::<Vec<_>>(),
        ids,
        "every id once, in order"
    );
    assert_eq!(record_requests(&sb).len(), 4, "four chunks of 500");
    let peak = sb
        .state()
        .max_in_flight
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(peak >= 2, "chunks overlap: peak {peak} in flight");
}

/// Without cursors, ORDER BY a sortable field with a LIMIT is an offset request (two
/// with the empty-value split), not a read of the whole app.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_by_limit_without_cursors_is_pushed() {
    let sb = sandbox(25_000).await;
    let conn = connect(&sb, |s| s.client.use_cursor = false).await;
    let off = connect(&sb, |s| s.pushdown = false).await;
    for sql in [
        r#"SELECT "$id", "Score" FROM Events ORDER BY "Score" DESC, "$id" LIMIT 5"#,
        r#"SELECT "$id", "Score" FROM Events ORDER BY "Score", "$id" LIMIT 5 OFFSET 30"#,
        r#"SELECT "$id" FROM Events ORDER BY "Updated datetime" DESC, "$id" LIMIT 10"#,
    ] {
        clear_log(&sb);
        let r = q(&conn, sql).await;
        let reqs = record_requests(&sb);
        assert!(!reqs.is_empty() && reqs.len() <= 2, "{sql}: {reqs:?}");
        // Windows, not whole-app pages (the empty part of a split is by $id).
        assert!(
            reqs.iter()
                .all(|(q, _)| q.contains(" limit ") && !q.ends_with("limit 500")),
            "{reqs:?}"
        );
        assert_eq!(r, q(&off, sql).await, "{sql}");
    }
    // Past record 10,000 the rows are still right: read by $id and sorted here.
    let sql =
        r#"SELECT "$id", "Score" FROM Events ORDER BY "Score" DESC, "$id" LIMIT 3 OFFSET 12000"#;
    assert_eq!(q(&conn, sql).await, q(&off, sql).await);
}
