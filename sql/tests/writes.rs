//! INSERT, UPDATE, DELETE and upsert against the sandbox. Every test reads Kintone's
//! state back over REST and checks the sandbox's request log, not only the statement's
//! own account.

use std::time::Duration;

use datafusion::arrow::array::Array;
use datafusion::common::ScalarValue;
use kintone_api::values::{FieldValue, Record};
use kintone_api::{Auth, Client, ClientConfig, ProxyConfig};
use kintone_sandbox::demo::{CUSTOMERS_APP, ORDERS_APP};
use kintone_sandbox::{start, Options, RunningSandbox};
use kintone_sql::write::SetOutcome;
use kintone_sql::{Connection, Settings};
use serde_json::{json, Value};

async fn sandbox() -> RunningSandbox {
    start(Options {
        large_records: 10,
        ..Options::default()
    })
    .await
    .expect("sandbox starts")
}

fn config(sb: &RunningSandbox) -> ClientConfig {
    let mut cfg = ClientConfig::new(sb.base_url(), Auth::password("demo", "demo"));
    cfg.proxy = ProxyConfig::None;
    cfg
}

async fn connect(sb: &RunningSandbox, f: impl FnOnce(&mut Settings)) -> Connection {
    let mut s = Settings::new(config(sb));
    s.use_code_for_field_name = true;
    f(&mut s);
    Connection::connect(s).await.expect("connects")
}

/// A client of its own, for reading Kintone's state the way any other user would.
fn rest(sb: &RunningSandbox) -> Client {
    Client::new(config(sb)).expect("client")
}

async fn records(sb: &RunningSandbox, app: u64, query: &str) -> Vec<Record> {
    let c = rest(sb);
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let q = format!("{query} order by $id asc limit 500 offset {offset}");
        let page = c.get_records(app, None, &q, false).await.expect("records");
        let n = page.records.len();
        out.extend(page.records);
        if n < 500 {
            return out;
        }
        offset += 500;
    }
}

/// Customers whose code is the prefix and five digits (the rows the tests add).
async fn with_prefix(sb: &RunningSandbox, prefix: &str) -> Vec<Record> {
    records(sb, CUSTOMERS_APP, "")
        .await
        .into_iter()
        .filter(|r| {
            let c = text(r, "customer_code");
            c.len() == prefix.len() + 5 && c.starts_with(prefix)
        })
        .collect()
}

async fn count(sb: &RunningSandbox, app: u64) -> u64 {
    rest(sb).count_records(app, None).await.expect("count")
}

async fn requests(sb: &RunningSandbox) -> Vec<Value> {
    let v: Value = reqwest::get(sb.url("/sandbox/requests"))
        .await
        .expect("log")
        .json()
        .await
        .expect("log json");
    v["requests"].as_array().cloned().unwrap_or_default()
}

async fn clear_requests(sb: &RunningSandbox) {
    reqwest::Client::new()
        .delete(sb.url("/sandbox/requests"))
        .send()
        .await
        .expect("clear log");
}

async fn fault(sb: &RunningSandbox, f: Value) {
    let r = reqwest::Client::new()
        .post(sb.url("/sandbox/faults"))
        .json(&f)
        .send()
        .await
        .expect("fault");
    assert!(
        r.status().is_success(),
        "{}",
        r.text().await.unwrap_or_default()
    );
}

/// (effective method, api) of each logged request.
fn calls(log: &[Value]) -> Vec<(String, String)> {
    log.iter()
        .map(|e| {
            (
                e["effective_method"].as_str().unwrap_or("").to_string(),
                e["api"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn text(r: &Record, code: &str) -> String {
    match r.get(code) {
        Some(FieldValue::SingleLineText(s))
        | Some(FieldValue::MultiLineText(s))
        | Some(FieldValue::RichText(s))
        | Some(FieldValue::Link(s)) => s.clone(),
        Some(FieldValue::Number(n)) => n
            .as_ref()
            .map(|d| d.as_str().to_string())
            .unwrap_or_default(),
        Some(FieldValue::RadioButton(s)) | Some(FieldValue::DropDown(s)) => {
            s.clone().unwrap_or_default()
        }
        Some(FieldValue::CheckBox(v)) | Some(FieldValue::MultiSelect(v)) => v.join("|"),
        Some(FieldValue::UserSelect(v))
        | Some(FieldValue::OrganizationSelect(v))
        | Some(FieldValue::GroupSelect(v)) => v
            .iter()
            .map(|e| e.code.as_str())
            .collect::<Vec<_>>()
            .join("|"),
        Some(FieldValue::Date(d)) => d.map(|d| d.to_string()).unwrap_or_default(),
        Some(FieldValue::Time(t)) => t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default(),
        Some(FieldValue::DateTime(t)) => t.map(|t| t.to_rfc3339()).unwrap_or_default(),
        other => format!("{other:?}"),
    }
}

fn utf8(s: &str) -> ScalarValue {
    ScalarValue::Utf8(Some(s.to_string()))
}

/// `n` parameter sets for `INSERT INTO Customers (customer_code, name, credit_limit)`.
fn customer_sets(n: usize, prefix: &str, bad_row: Option<usize>) -> Vec<Vec<ScalarValue>> {
    (1..=n)
        .map(|i| {
            // customer_code holds at most 10 characters: the bad row is refused by Kintone.
            let code = if Some(i) == bad_row {
                format!("{prefix}-TOO-LONG-{i}")
            } else {
                format!("{prefix}{i:05}")
            };
            vec![
                utf8(&code),
                utf8(&format!("Company {i}")),
                utf8(&format!("{i}.25")),
            ]
        })
        .collect()
}

const INSERT_CUSTOMER: &str =
    "INSERT INTO Customers (customer_code, name, credit_limit) VALUES (?, ?, ?)";

#[tokio::test]
async fn every_writable_type_round_trips() {
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;
    let p = conn
        .prepare(
            "INSERT INTO Orders (customer, order_date, ordered_at, pickup_time, discount, priority, tags, channels, owner, department, team, remarks, ship_address, tracking_url) \
             VALUES ('C003', DATE '2026-11-30', TIMESTAMP '2026-11-30 23:15:00', '08:45:00', 12.5, 'High', 'Urgent,Gift', 'Web, Phone', 'sato,alice', 'sales', 'developers', '<b>rich</b>', 'line 1\nline 2', 'https://example.com/t?x=1')",
        )
        .await
        .expect("prepares");
    assert_eq!(p.schema.fields().len(), 0, "an INSERT has no result set");
    clear_requests(&sb).await;
    let out = conn.execute_write(&p, vec![vec![]]).await.expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, 1);
    assert_eq!(out.sets, vec![SetOutcome::Done]);
    let id = *out.new_ids.first().expect("a new id");
    assert_eq!(
        calls(&requests(&sb).await),
        vec![("POST".into(), "records".into())]
    );

    let r = &records(&sb, ORDERS_APP, &format!("$id = {id}")).await[0];
    assert_eq!(text(r, "customer"), "C003");
    // The lookup ran in Kintone: the copied fields came from Customers.
    assert!(!text(r, "customer_name").is_empty());
    assert_eq!(text(r, "order_date"), "2026-11-30");
    assert_eq!(text(r, "ordered_at"), "2026-11-30T23:15:00+00:00");
    assert_eq!(text(r, "pickup_time"), "08:45");
    assert_eq!(text(r, "discount"), "12.5");
    assert_eq!(text(r, "priority"), "High");
    assert_eq!(text(r, "tags"), "Urgent|Gift");
    assert_eq!(text(r, "channels"), "Web|Phone");
    assert_eq!(text(r, "owner"), "sato|alice");
    assert_eq!(text(r, "department"), "sales");
    assert_eq!(text(r, "team"), "developers");
    assert_eq!(text(r, "remarks"), "<b>rich</b>");
    assert_eq!(text(r, "ship_address"), "line 1\nline 2");
    assert_eq!(text(r, "tracking_url"), "https://example.com/t?x=1");

    // What SQL reads back is what was written (the same mapping both ways).
    let got = conn
        .query(&format!(
            "SELECT discount, tags, owner, CAST(ordered_at AS VARCHAR) FROM Orders WHERE \"$id\" = {id}"
        ))
        .await
        .expect("reads");
    let b = &got[0];
    let cell = |c: usize| {
        datafusion::arrow::util::display::array_value_to_string(b.column(c), 0).expect("cell")
    };
    assert_eq!(cell(1), "Urgent,Gift");
    assert_eq!(cell(2), "sato,alice");
    assert!(cell(0).starts_with("12.5"), "{}", cell(0));

    // LAST_INSERT_ID() is the new record's id.
    let got = conn.query("SELECT LAST_INSERT_ID()").await.expect("reads");
    let v =
        datafusion::arrow::util::display::array_value_to_string(got[0].column(0), 0).expect("cell");
    assert_eq!(v, id.to_string());
}

/// A lookup copies from another app: under API tokens Kintone needs a token of that app
/// too. With only the Orders token the row is refused naming the lookup column; with
/// both (one `APIToken` list) the copy happens.
#[tokio::test]
async fn lookups_under_api_tokens_need_the_source_apps_token() {
    use kintone_api::ApiToken;
    use kintone_sandbox::demo::{TOKEN_CUSTOMERS_VIEW, TOKEN_ORDERS_FULL};
    let sb = sandbox().await;
    let insert =
        "INSERT INTO Orders (customer, remarks) VALUES ('C003', 'by token'), ('C004', 'by token')";
    let with = |tokens: Vec<ApiToken>| {
        let mut cfg = ClientConfig::new(sb.base_url(), Auth::ApiTokens(tokens));
        cfg.proxy = ProxyConfig::None;
        let mut s = Settings::new(cfg);
        s.use_code_for_field_name = true;
        s
    };
    let before = count(&sb, ORDERS_APP).await;

    let only_orders = Connection::connect(with(vec![ApiToken::new(
        TOKEN_ORDERS_FULL,
        vec![ORDERS_APP],
    )]))
    .await
    .expect("connects with the Orders token");
    let p = only_orders.prepare(insert).await.expect("prepares");
    let out = only_orders
        .execute_write(&p, vec![vec![]])
        .await
        .expect("runs");
    let e = out.error.expect("the lookup is refused");
    assert_eq!(out.rows, 0);
    assert!(e.message.contains("customer"), "{}", e.message);
    assert!(e.message.contains("GAIA_LO04"), "{}", e.message);
    assert!(e.message.contains("row"), "{}", e.message);
    assert_eq!(count(&sb, ORDERS_APP).await, before, "nothing was written");

    clear_requests(&sb).await;
    let both = Connection::connect(with(vec![
        ApiToken::new(TOKEN_ORDERS_FULL, vec![ORDERS_APP]),
        ApiToken::new(TOKEN_CUSTOMERS_VIEW, vec![CUSTOMERS_APP]),
    ]))
    .await
    .expect("connects with both tokens");
    let p = both.prepare(insert).await.expect("prepares");
    let out = both.execute_write(&p, vec![vec![]]).await.expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, 2);
    let log = requests(&sb).await;
    let post = log
        .iter()
        .find(|e| e["effective_method"] == "POST" && e["api"] == "records")
        .expect("one POST records");
    let sent = post["params"]["records"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(sent.len(), 2);
    for (id, code) in out.new_ids.iter().zip(["C003", "C004"]) {
        let r = &records(&sb, ORDERS_APP, &format!("$id = {id}")).await[0];
        let source = &records(&sb, CUSTOMERS_APP, &format!("customer_code = \"{code}\"")).await[0];
        assert_eq!(text(r, "customer"), code);
        // The copy came from the Customers record, not from anything we sent.
        assert_eq!(text(r, "customer_name"), text(source, "name"));
        assert!(!text(r, "customer_name").is_empty());
    }
}

#[tokio::test]
async fn numbers_are_written_exactly_and_bad_values_name_row_and_column() {
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;
    let p = conn.prepare(INSERT_CUSTOMER).await.expect("prepares");
    let big = "123456789012345678901234.56789012";
    let out = conn
        .execute_write(&p, vec![vec![utf8("EXACT1"), utf8("Exact Ltd"), utf8(big)]])
        .await
        .expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    let r = &records(&sb, CUSTOMERS_APP, "customer_code = \"EXACT1\"").await[0];
    assert_eq!(text(r, "credit_limit"), big);

    let before = count(&sb, CUSTOMERS_APP).await;
    clear_requests(&sb).await;
    let out = conn
        .execute_write(
            &p,
            vec![
                vec![utf8("OK1"), utf8("A"), utf8("1")],
                vec![utf8("OK2"), utf8("B"), utf8("12,5")],
            ],
        )
        .await
        .expect("runs");
    let e = out.error.expect("a bad number fails");
    assert_eq!(e.sqlstate, "22018");
    assert!(
        e.message.contains("row 2")
            && e.message.contains("credit_limit")
            && e.message.contains("12,5"),
        "{}",
        e.message
    );
    assert_eq!(out.rows, 0);
    assert_eq!(out.sets, vec![SetOutcome::Failed, SetOutcome::Failed]);
    assert!(requests(&sb).await.is_empty(), "nothing was sent");
    assert_eq!(count(&sb, CUSTOMERS_APP).await, before, "all or nothing");

    // Read-only columns are named.
    let e = conn
        .prepare("UPDATE Orders SET total = 5 WHERE \"$id\" = 1")
        .await
        .expect_err("refused");
    assert!(
        e.message.contains("\"total\"") && e.message.contains("calculated"),
        "{}",
        e.message
    );
    let p = conn
        .prepare("INSERT INTO Orders (customer, Status) VALUES ('C001', 'Completed')")
        .await
        .expect("prepares");
    let out = conn.execute_write(&p, vec![vec![]]).await.expect("runs");
    let e = out.error.expect("a status cannot be inserted");
    assert!(
        e.message.contains("row 1, column \"Status\"") && e.message.contains("UpdateStatus"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn parameter_arrays_go_in_requests_of_100() {
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;
    let p = conn.prepare(INSERT_CUSTOMER).await.expect("prepares");
    let before = count(&sb, CUSTOMERS_APP).await;
    clear_requests(&sb).await;
    let out = conn
        .execute_write(&p, customer_sets(250, "M", None))
        .await
        .expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, 250);
    assert_eq!(out.new_ids.len(), 250);
    assert!(out.sets.iter().all(|s| *s == SetOutcome::Done));
    let log = requests(&sb).await;
    assert_eq!(
        calls(&log),
        vec![("POST".into(), "bulkRequest".into())],
        "one atomic request"
    );
    let subs = log[0]["params"]["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let sizes: Vec<usize> = subs
        .iter()
        .map(|r| r["payload"]["records"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(
        sizes,
        vec![100, 100, 50],
        "three record requests of at most 100"
    );
    assert!(subs.iter().all(|r| r["method"] == "POST"
        && r["api"]
            .as_str()
            .is_some_and(|a| a.ends_with("/records.json"))));
    assert_eq!(count(&sb, CUSTOMERS_APP).await, before + 250);
    let landed = with_prefix(&sb, "M").await;
    assert_eq!(landed.len(), 250);
    assert_eq!(text(&landed[249], "credit_limit"), "250.25");
}

#[tokio::test]
async fn two_thousand_rows_are_all_or_nothing() {
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;
    let p = conn.prepare(INSERT_CUSTOMER).await.expect("prepares");
    let before = count(&sb, CUSTOMERS_APP).await;
    clear_requests(&sb).await;
    let out = conn
        .execute_write(&p, customer_sets(2000, "A", Some(1500)))
        .await
        .expect("runs");
    let e = out.error.expect("row 1500 is refused");
    assert_eq!(e.sqlstate, "23000");
    assert!(
        e.message.contains("row 1500, column \"customer_code\""),
        "{}",
        e.message
    );
    assert_eq!(out.rows, 0);
    assert!(out.sets.iter().all(|s| *s == SetOutcome::Failed));
    assert_eq!(
        calls(&requests(&sb).await),
        vec![("POST".into(), "bulkRequest".into())]
    );
    assert_eq!(
        count(&sb, CUSTOMERS_APP).await,
        before,
        "nothing of the 2,000 landed"
    );
}

#[tokio::test]
async fn five_thousand_rows_report_exactly_what_landed() {
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;
    let p = conn.prepare(INSERT_CUSTOMER).await.expect("prepares");
    let before = count(&sb, CUSTOMERS_APP).await;
    let out = conn
        .execute_write(&p, customer_sets(5000, "F", Some(2500)))
        .await
        .expect("runs");
    let e = out.error.expect("row 2500 is refused");
    assert!(e.message.contains("row 2500"), "{}", e.message);
    assert_eq!(out.rows, 2000);
    assert_eq!(out.new_ids.len(), 2000);
    let statuses: Vec<SetOutcome> = out.sets.clone();
    assert!(statuses[..2000].iter().all(|s| *s == SetOutcome::Done));
    assert!(statuses[2000..4000]
        .iter()
        .all(|s| *s == SetOutcome::Failed));
    assert!(statuses[4000..].iter().all(|s| *s == SetOutcome::NotRun));
    assert_eq!(count(&sb, CUSTOMERS_APP).await, before + 2000);
    let landed = with_prefix(&sb, "F").await;
    let codes: Vec<String> = landed.iter().map(|r| text(r, "customer_code")).collect();
    let want: Vec<String> = (1..=2000).map(|i| format!("F{i:05}")).collect();
    assert_eq!(codes, want, "exactly rows 1-2000, once each");
}

#[tokio::test]
async fn faults_during_a_large_insert_lose_and_duplicate_nothing() {
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;
    let p = conn.prepare(INSERT_CUSTOMER).await.expect("prepares");
    let before = count(&sb, CUSTOMERS_APP).await;
    // A 429 is Kintone refusing before running anything: retried.
    fault(&sb, json!({"api": "bulkRequest", "count": 1, "action": "status", "status": 429, "code": "GAIA_TO04"})).await;
    clear_requests(&sb).await;
    let out = conn
        .execute_write(&p, customer_sets(5000, "R", None))
        .await
        .expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, 5000);
    let statuses: Vec<Option<u64>> = requests(&sb)
        .await
        .iter()
        .map(|e| e["status"].as_u64())
        .collect();
    assert_eq!(statuses, vec![Some(429), Some(200), Some(200), Some(200)]);
    assert_eq!(
        count(&sb, CUSTOMERS_APP).await,
        before + 5000,
        "every row once"
    );

    // A 503 may come after the write went through a proxy: not repeated, reported.
    let before = count(&sb, CUSTOMERS_APP).await;
    fault(
        &sb,
        json!({"api": "bulkRequest", "count": 1, "action": "status", "status": 503}),
    )
    .await;
    let out = conn
        .execute_write(&p, customer_sets(2500, "S", None))
        .await
        .expect("runs");
    assert!(out.error.is_some());
    assert_eq!(out.rows, 0);
    assert!(out.sets.iter().all(|s| *s != SetOutcome::Done));
    assert_eq!(count(&sb, CUSTOMERS_APP).await, before);

    // The link breaks after Kintone committed the second unit: its rows are reported
    // unknown and not sent again.
    let before = count(&sb, CUSTOMERS_APP).await;
    let mut sets = customer_sets(5000, "D", None);
    // The first unit goes alone, then the drop hits the second one.
    let first: Vec<_> = sets.drain(..2000).collect();
    conn.execute_write(&p, first).await.expect("runs");
    fault(
        &sb,
        json!({"api": "bulkRequest", "count": 1, "action": "drop_after_commit"}),
    )
    .await;
    clear_requests(&sb).await;
    let out = conn.execute_write(&p, sets).await.expect("runs");
    let e = out.error.expect("the outcome is unknown");
    assert_eq!(e.sqlstate, "08S01");
    assert!(
        e.message.contains("rows 1-2000") && e.message.contains("unknown"),
        "{}",
        e.message
    );
    assert_eq!(out.rows, 0);
    assert!(out.sets[..2000].iter().all(|s| *s == SetOutcome::Unknown));
    assert!(out.sets[2000..].iter().all(|s| *s == SetOutcome::NotRun));
    assert_eq!(
        requests(&sb).await.len(),
        1,
        "the unknown unit was not resent"
    );
    assert_eq!(
        count(&sb, CUSTOMERS_APP).await,
        before + 4000,
        "committed once, never twice"
    );
}

#[tokio::test]
async fn updates_and_deletes() {
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;

    // By $id: one request, nothing read first.
    let p = conn
        .prepare("UPDATE Customers SET notes = ? WHERE \"$id\" = ?")
        .await
        .expect("prepares");
    clear_requests(&sb).await;
    let out = conn
        .execute_write(&p, vec![vec![utf8("by id"), ScalarValue::Int64(Some(3))]])
        .await
        .expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, 1);
    assert_eq!(
        calls(&requests(&sb).await),
        vec![("PUT".into(), "record".into())]
    );
    assert_eq!(
        text(&records(&sb, CUSTOMERS_APP, "$id = 3").await[0], "notes"),
        "by id"
    );
    // A record that is not there matches no row.
    let out = conn
        .execute_write(&p, vec![vec![utf8("x"), ScalarValue::Int64(Some(999_999))]])
        .await
        .expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, 0);

    // By a filter: exactly the matching rows, with their revisions.
    let japan_before: Vec<u64> = records(&sb, CUSTOMERS_APP, "country in (\"Japan\")")
        .await
        .iter()
        .filter_map(Record::id)
        .collect();
    assert!(!japan_before.is_empty());
    clear_requests(&sb).await;
    let n = conn.prepare("UPDATE Customers SET rank = 'A', notes = CONCAT(name, ' (JP)') WHERE country = 'Japan'").await.expect("prepares");
    let out = conn.execute_write(&n, vec![vec![]]).await.expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, japan_before.len() as u64);
    let log = requests(&sb).await;
    let puts: Vec<&Value> = log
        .iter()
        .filter(|e| e["effective_method"] == "PUT")
        .collect();
    assert_eq!(puts.len(), 1);
    let sent = puts[0]["params"]["records"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        sent.iter()
            .all(|r| r["revision"].is_string() || r["revision"].is_number()),
        "revisions are checked"
    );
    for r in records(&sb, CUSTOMERS_APP, "").await {
        let jp = japan_before.contains(&r.id().unwrap_or(0));
        assert_eq!(
            text(&r, "rank") == "A" && text(&r, "notes").ends_with(" (JP)"),
            jp,
            "{:?}",
            r.id()
        );
    }

    // Delete by a filter removes exactly the matching rows.
    let brazil: Vec<u64> = records(&sb, CUSTOMERS_APP, "country in (\"Brazil\")")
        .await
        .iter()
        .filter_map(Record::id)
        .collect();
    let total = count(&sb, CUSTOMERS_APP).await;
    let d = conn
        .prepare("DELETE FROM Customers WHERE country = 'Brazil'")
        .await
        .expect("prepares");
    let out = conn.execute_write(&d, vec![vec![]]).await.expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, brazil.len() as u64);
    assert_eq!(count(&sb, CUSTOMERS_APP).await, total - brazil.len() as u64);
    assert!(records(&sb, CUSTOMERS_APP, "country in (\"Brazil\")")
        .await
        .is_empty());

    // A subquery in the WHERE is honoured (the engine's own DML hook would drop it).
    let total = count(&sb, CUSTOMERS_APP).await;
    let d = conn
        .prepare("DELETE FROM Customers WHERE \"$id\" IN (SELECT \"$id\" FROM Customers WHERE customer_code = 'C001')")
        .await
        .expect("prepares");
    let out = conn.execute_write(&d, vec![vec![]]).await.expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, 1);
    assert_eq!(count(&sb, CUSTOMERS_APP).await, total - 1);
}

#[tokio::test]
async fn an_update_by_a_unique_text_field_is_one_request_with_update_key() {
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;
    let target = records(&sb, CUSTOMERS_APP, "$id = 4").await.remove(0);
    let code = text(&target, "customer_code");
    assert!(!code.is_empty());

    let p = conn
        .prepare("UPDATE Customers SET notes = ? WHERE customer_code = ?")
        .await
        .expect("prepares");
    clear_requests(&sb).await;
    let out = conn
        .execute_write(&p, vec![vec![utf8("by key"), utf8(&code)]])
        .await
        .expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, 1);
    let log = requests(&sb).await;
    assert_eq!(calls(&log), vec![("PUT".into(), "record".into())]);
    let body = &log[0]["params"];
    assert_eq!(body["updateKey"]["field"], "customer_code");
    assert_eq!(body["updateKey"]["value"], code.as_str());
    assert!(body.get("id").is_none(), "{body}");
    assert_eq!(
        text(&records(&sb, CUSTOMERS_APP, "$id = 4").await[0], "notes"),
        "by key"
    );

    // A key no record has matches no row, still in one request; a parameter array is
    // one request per set.
    clear_requests(&sb).await;
    let out = conn
        .execute_write(
            &p,
            vec![
                vec![utf8("nobody"), utf8("NO-SUCH")],
                vec![utf8("again"), utf8(&code)],
            ],
        )
        .await
        .expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, 1);
    assert_eq!(
        calls(&requests(&sb).await),
        vec![
            ("PUT".into(), "record".into()),
            ("PUT".into(), "record".into())
        ]
    );

    // A stale revision next to the key matches no row and writes nothing.
    let rev = target.revision().expect("revision");
    let stale = conn
        .prepare(
            "UPDATE Customers SET notes = 'stale' WHERE customer_code = ? AND \"$revision\" = ?",
        )
        .await
        .expect("prepares");
    let out = conn
        .execute_write(
            &stale,
            vec![vec![utf8(&code), ScalarValue::Int64(Some(rev as i64))]],
        )
        .await
        .expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, 0);
    assert_eq!(
        text(&records(&sb, CUSTOMERS_APP, "$id = 4").await[0], "notes"),
        "again"
    );

    // Where Kintone cannot name the record by the key, it is read first: the key
    // itself changes, a field that is not unique, a DELETE (by ids only).
    for (sql, write) in [
        (
            format!(
                "UPDATE Customers SET customer_code = 'Z{}' WHERE customer_code = '{code}'",
                &code[1..]
            ),
            ("PUT", "records"),
        ),
        (
            "UPDATE Customers SET notes = 'jp' WHERE country = 'Japan'".to_string(),
            ("PUT", "records"),
        ),
        (
            format!(
                "DELETE FROM Customers WHERE customer_code = 'Z{}'",
                &code[1..]
            ),
            ("DELETE", "records"),
        ),
    ] {
        clear_requests(&sb).await;
        let q = conn.prepare(&sql).await.expect("prepares");
        let out = conn.execute_write(&q, vec![vec![]]).await.expect("runs");
        assert!(out.error.is_none(), "{sql}: {:?}", out.error);
        assert!(out.rows >= 1, "{sql}");
        let c = calls(&requests(&sb).await);
        assert_eq!(
            c.first().map(|(m, a)| (m.as_str(), a.as_str())),
            Some(("GET", "records")),
            "{sql}: {c:?}"
        );
        assert_eq!(
            c.last().map(|(m, a)| (m.as_str(), a.as_str())),
            Some(write),
            "{sql}: {c:?}"
        );
    }
    assert!(records(&sb, CUSTOMERS_APP, "$id = 4").await.is_empty());
}

#[tokio::test]
async fn a_change_between_read_and_write_is_not_overwritten() {
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;
    let target = records(&sb, CUSTOMERS_APP, "customer_code = \"C002\"").await[0]
        .id()
        .expect("id");
    // The read's answer is computed (and logged), then sent slowly; meanwhile someone
    // edits the record. (`LIKE`, not `=`: an equality on the unique code is written by
    // `updateKey` with no read at all.)
    fault(&sb, json!({"method": "GET", "api": "records", "count": 1, "action": "trickle", "interval_ms": 10})).await;
    clear_requests(&sb).await;
    let stmt = conn
        .prepare("UPDATE Customers SET notes = 'from SQL' WHERE customer_code LIKE 'C002'")
        .await
        .expect("prepares");
    let run = conn.execute_write(&stmt, vec![vec![]]);
    let other = async {
        for _ in 0..400 {
            if calls(&requests(&sb).await)
                .iter()
                .any(|(m, a)| m == "GET" && a == "records")
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let mut r = Record::new();
        r.set(
            "notes",
            FieldValue::MultiLineText("from someone else".into()),
        );
        rest(&sb)
            .update_record(
                CUSTOMERS_APP,
                &kintone_api::endpoints::records::RecordKey::Id(target),
                &r,
                None,
            )
            .await
            .expect("a concurrent edit");
    };
    let (out, ()) = tokio::join!(run, other);
    let out = out.expect("runs");
    let log = calls(&requests(&sb).await);
    let e = out
        .error
        .unwrap_or_else(|| panic!("the conflict is reported: {log:?}"));
    assert_eq!(e.sqlstate, "40001");
    assert!(e.message.contains(&target.to_string()), "{}", e.message);
    assert_eq!(out.rows, 0);
    assert_eq!(
        text(
            &records(&sb, CUSTOMERS_APP, &format!("$id = {target}")).await[0],
            "notes"
        ),
        "from someone else"
    );
}

#[tokio::test]
async fn upsert_inserts_then_updates_the_same_key() {
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;
    let p = conn
        .prepare("INSERT INTO Customers (customer_code, name, notes) VALUES (?, ?, ?) ON CONFLICT (customer_code) DO UPDATE SET name = EXCLUDED.name, notes = EXCLUDED.notes")
        .await
        .expect("prepares");
    let before = count(&sb, CUSTOMERS_APP).await;
    clear_requests(&sb).await;
    let out = conn
        .execute_write(&p, vec![vec![utf8("UP1"), utf8("First"), utf8("v1")]])
        .await
        .expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.new_ids.len(), 1, "inserted");
    let out = conn
        .execute_write(&p, vec![vec![utf8("UP1"), utf8("Second"), utf8("v2")]])
        .await
        .expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert!(out.new_ids.is_empty(), "updated, not inserted");
    let log = requests(&sb).await;
    assert_eq!(count(&sb, CUSTOMERS_APP).await, before + 1);
    let r = &records(&sb, CUSTOMERS_APP, "customer_code = \"UP1\"").await[0];
    assert_eq!(
        (text(r, "name"), text(r, "notes")),
        ("Second".into(), "v2".into())
    );
    assert_eq!(
        calls(&log),
        vec![
            ("PUT".into(), "records".into()),
            ("PUT".into(), "records".into())
        ]
    );
    assert_eq!(log[0]["params"]["upsert"], json!(true));
    assert_eq!(
        log[0]["params"]["records"][0]["updateKey"]["field"],
        "customer_code"
    );

    let e = conn
        .prepare("INSERT INTO Customers (customer_code, name) VALUES ('X', 'Y') ON CONFLICT (customer_code) DO NOTHING")
        .await
        .expect_err("refused");
    assert!(e.message.contains("DO NOTHING"), "{}", e.message);
}

#[tokio::test]
async fn read_only_refuses_every_write_before_sending() {
    let sb = sandbox().await;
    let conn = connect(&sb, |s| s.read_only = true).await;
    clear_requests(&sb).await;
    for sql in [
        "INSERT INTO Customers (customer_code, name) VALUES ('RO1', 'x')",
        "UPDATE Customers SET notes = 'x' WHERE \"$id\" = 1",
        "DELETE FROM Customers WHERE country = 'Japan'",
    ] {
        let e = conn.prepare(sql).await.expect_err("refused");
        assert_eq!(e.sqlstate, "25006", "{sql}");
        assert!(e.message.contains("ReadOnly"), "{}", e.message);
    }
    assert!(
        conn.query("SELECT COUNT(*) FROM Customers").await.is_ok(),
        "reads still work"
    );
    let log = requests(&sb).await;
    assert!(calls(&log).iter().all(|(m, _)| m == "GET"), "{log:?}");
}

/// One procedure call's single result row as text cells.
async fn call_row(conn: &Connection, sql: &str) -> Vec<String> {
    let batches = conn
        .query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let b = batches.iter().find(|b| b.num_rows() > 0).expect("a row");
    (0..b.num_columns())
        .map(|c| {
            if b.column(c).is_null(0) {
                "NULL".to_string()
            } else {
                datafusion::arrow::util::display::array_value_to_string(b.column(c), 0)
                    .expect("cell")
            }
        })
        .collect()
}

fn entity_codes(r: &Record, code: &str) -> Vec<String> {
    match r.get(code) {
        Some(FieldValue::StatusAssignee(v)) => v.iter().map(|e| e.code.clone()).collect(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn update_status_moves_an_order_through_its_process() {
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;
    // A new order starts in "Not started", assigned to its creator (demo).
    let p = conn
        .prepare("INSERT INTO Orders (customer) VALUES ('C002')")
        .await
        .expect("prepares");
    let id = conn
        .execute_write(&p, vec![vec![]])
        .await
        .expect("runs")
        .new_ids[0];
    let before = records(&sb, ORDERS_APP, &format!("$id = {id}")).await[0]
        .revision()
        .expect("rev");
    clear_requests(&sb).await;
    let row = call_row(&conn, &format!("EXEC UpdateStatus AppId = {ORDERS_APP}, RecordId = '{id}', Action = 'Start', Assignee = 'sato'")).await;
    assert_eq!(
        row,
        vec!["true".to_string(), id.to_string(), (before + 2).to_string()]
    );
    assert_eq!(
        calls(&requests(&sb).await),
        vec![("PUT".into(), "records/status".into())]
    );
    let r = &records(&sb, ORDERS_APP, &format!("$id = {id}")).await[0];
    assert_eq!(
        r.get("Status"),
        Some(&FieldValue::Status(Some("In progress".into())))
    );
    assert_eq!(entity_codes(r, "Assignee"), ["sato"]);

    let row = call_row(
        &conn,
        &format!("{{call UpdateAssignees({ORDERS_APP}, {id}, 'alice')}}"),
    )
    .await;
    assert_eq!(row[0], "true");
    let r = &records(&sb, ORDERS_APP, &format!("$id = {id}")).await[0];
    assert_eq!(entity_codes(r, "Assignee"), ["alice"]);

    // Lists must match the records.
    let e = conn
        .query(&format!(
            "EXEC UpdateStatus AppId = {ORDERS_APP}, RecordId = '1,2,3', Action = 'Start,Cancel'"
        ))
        .await
        .expect_err("2 actions for 3 records");
    assert!(
        e.message.contains("2 actions for 3 records"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn upload_insert_and_download_return_the_same_bytes() {
    use base64::Engine;
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;
    let bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let row = call_row(
        &conn,
        &format!("EXEC UploadFile FileData = '{b64}', FileName = 'data.bin'"),
    )
    .await;
    let key = row[0].clone();
    assert_eq!(row[1], "true");
    let p = conn
        .prepare("INSERT INTO Orders (customer, attachments) VALUES ('C001', ?)")
        .await
        .expect("prepares");
    let out = conn
        .execute_write(&p, vec![vec![utf8(&key)]])
        .await
        .expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    let id = out.new_ids[0];
    let files = match records(&sb, ORDERS_APP, &format!("$id = {id}")).await[0].get("attachments") {
        Some(FieldValue::File(f)) => f.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, "data.bin");
    let stored = files[0].file_key.clone();

    let row = call_row(&conn, &format!("EXEC DownloadFile FileKey = '{stored}'")).await;
    assert_eq!(row[0], "true");
    assert_eq!(row[1], b64, "the same bytes, base64");
    assert_eq!(row[2], "5000");

    let dir = std::env::temp_dir().join(format!("kintone-dl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("out.bin");
    let row = call_row(
        &conn,
        &format!(
            "EXEC DownloadFile FileKey = '{stored}', DownloadLocation = '{}'",
            path.display()
        ),
    )
    .await;
    assert_eq!(row[1], "NULL");
    assert_eq!(std::fs::read(&path).expect("written"), bytes);

    // Attached to the same record: the first file stays.
    let row = call_row(
        &conn,
        &format!("EXEC UploadFile FileData = 'aGVsbG8=', FileName = 'hello.txt', AttachToApp = true, AppId = {ORDERS_APP}, RecordId = {id}, FieldName = 'attachments'"),
    )
    .await;
    assert_eq!(row[2], id.to_string());
    let names: Vec<String> =
        match records(&sb, ORDERS_APP, &format!("$id = {id}")).await[0].get("attachments") {
            Some(FieldValue::File(f)) => f.iter().map(|f| f.name.clone()).collect(),
            other => panic!("{other:?}"),
        };
    assert_eq!(names, ["data.bin", "hello.txt"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn read_only_refuses_write_procedures() {
    let sb = sandbox().await;
    let conn = connect(&sb, |s| s.read_only = true).await;
    clear_requests(&sb).await;
    for sql in [
        format!("EXEC UpdateStatus AppId = {ORDERS_APP}, RecordId = '1', Action = 'Start'"),
        "EXEC UploadFile FileData = 'aGVsbG8=', FileName = 'x.txt'".to_string(),
        format!("{{call UpdateAssignees({ORDERS_APP}, 1, 'sato')}}"),
        "EXEC AddThreadComment SpaceId = 1, ThreadId = 1, Text = 'x'".to_string(),
        "EXEC UpdateThread ThreadId = 1, Name = 'x'".to_string(),
        "EXEC AddGuests Code = 'a@example.com', Password = 'p', Timezone = 'UTC', Name = 'A'"
            .to_string(),
        "EXEC AddGuestsToSpace SpaceId = 2, Guests = 'a@example.com'".to_string(),
        "EXEC DeleteGuests Guests = 'a@example.com'".to_string(),
    ] {
        let e = conn.prepare(&sql).await.expect_err("refused");
        assert_eq!(e.sqlstate, "25006", "{sql}");
    }
    assert!(requests(&sb).await.is_empty());
}

#[tokio::test]
async fn create_deploy_and_check_an_app() {
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;
    let row = call_row(&conn, "EXEC CreateApp Name = 'From SQL'").await;
    let app: u64 = row[0].parse().expect("an app id");
    let row = call_row(&conn, &format!("EXEC DeployApps AppId = '{app}'")).await;
    assert_eq!(row, ["true"]);
    let row = call_row(&conn, &format!("EXEC AppsDeployStatus AppId = '{app}'")).await;
    assert_eq!(row, [app.to_string(), "SUCCESS".to_string()]);
    // The app is live: a REST client sees it.
    let got = rest(&sb).get_app(app).await.expect("the app exists");
    assert_eq!(got.name, "From SQL");
    let e = conn
        .query("EXEC DeployApps AppId = 'x'")
        .await
        .expect_err("bad id");
    assert!(e.message.contains("'x' is not an app id"), "{}", e.message);
}

#[tokio::test]
async fn comments_are_added_and_deleted() {
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;
    let p = conn
        .prepare(
            "INSERT INTO Comments (AppId, RecordId, Text, MentionsAggregate) VALUES (?, ?, ?, ?)",
        )
        .await
        .expect("prepares");
    clear_requests(&sb).await;
    let out = conn
        .execute_write(
            &p,
            vec![vec![
                ScalarValue::Int64(Some(ORDERS_APP as i64)),
                ScalarValue::Int64(Some(2)),
                utf8("Hello from SQL"),
                utf8("sato"),
            ]],
        )
        .await
        .expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    let comment = out.new_ids[0];
    assert_eq!(
        calls(&requests(&sb).await),
        vec![("POST".into(), "record/comment".into())]
    );
    let list = rest(&sb)
        .get_all_comments(ORDERS_APP, 2)
        .await
        .expect("comments");
    let c = list
        .iter()
        .find(|c| c.id == comment)
        .expect("the comment is there");
    assert!(c.text.contains("Hello from SQL"), "{}", c.text);
    assert_eq!(
        c.mentions
            .iter()
            .map(|m| m.code.as_str())
            .collect::<Vec<_>>(),
        ["sato"]
    );

    let d = conn
        .prepare(&format!(
            "DELETE FROM Comments WHERE AppId = {ORDERS_APP} AND RecordId = 2 AND Id = {comment}"
        ))
        .await
        .expect("prepares");
    let out = conn.execute_write(&d, vec![vec![]]).await.expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, 1);
    let list = rest(&sb)
        .get_all_comments(ORDERS_APP, 2)
        .await
        .expect("comments");
    assert!(list.iter().all(|c| c.id != comment));

    let e = conn
        .prepare("UPDATE Comments SET Text = 'x' WHERE AppId = 2 AND RecordId = 2")
        .await
        .expect_err("refused");
    assert!(e.message.contains("cannot be edited"), "{}", e.message);
    let e = conn
        .prepare("INSERT INTO Comments (AppId, Text) VALUES (2, 'x')")
        .await
        .expect_err("refused");
    assert!(e.message.contains("RecordId"), "{}", e.message);
}

fn subtable_rows(r: &Record, code: &str) -> Vec<(Option<String>, String)> {
    match r.get(code) {
        Some(FieldValue::Subtable(rows)) => rows
            .iter()
            .map(|row| (row.id.clone(), text_of_inner(row)))
            .collect(),
        other => panic!("{other:?}"),
    }
}

fn text_of_inner(row: &kintone_api::values::SubtableRow) -> String {
    match row.value.get("product") {
        Some(FieldValue::SingleLineText(s)) => s.clone(),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn subtable_rows_are_inserted_updated_and_deleted_keeping_the_others() {
    let sb = sandbox().await;
    let conn = connect(&sb, |_| {}).await;
    let parent = 3u64;
    let before = subtable_rows(
        &records(&sb, ORDERS_APP, &format!("$id = {parent}")).await[0],
        "items",
    );
    assert!(before.len() >= 2, "{before:?}");
    let rev = records(&sb, ORDERS_APP, &format!("$id = {parent}")).await[0]
        .revision()
        .expect("rev");

    // Prepared first: it reads the form of Orders (its first use on this connection).
    let p = conn
        .prepare("INSERT INTO Orders_items (\"$id\", product, quantity, unit_price, item_type) VALUES (?, ?, ?, ?, ?)")
        .await
        .expect("prepares");
    clear_requests(&sb).await;
    let out = conn
        .execute_write(
            &p,
            vec![
                vec![
                    ScalarValue::Int64(Some(parent as i64)),
                    utf8("Added A"),
                    utf8("2"),
                    utf8("150"),
                    utf8("Hardware"),
                ],
                vec![
                    ScalarValue::Int64(Some(parent as i64)),
                    utf8("Added B"),
                    utf8("1"),
                    utf8("99.5"),
                    utf8("Service"),
                ],
            ],
        )
        .await
        .expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, 2);
    let log = requests(&sb).await;
    assert_eq!(
        calls(&log),
        vec![
            ("GET".into(), "records".into()),
            ("PUT".into(), "records".into())
        ],
        "one read, one write for the parent"
    );
    assert_eq!(
        log[1]["params"]["records"][0]["revision"]
            .as_u64()
            .or_else(|| log[1]["params"]["records"][0]["revision"]
                .as_str()
                .and_then(|s| s.parse().ok())),
        Some(rev),
        "the parent's revision is checked"
    );
    let after = subtable_rows(
        &records(&sb, ORDERS_APP, &format!("$id = {parent}")).await[0],
        "items",
    );
    assert_eq!(after.len(), before.len() + 2);
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "the other rows are kept, in order"
    );
    assert_eq!(after[before.len()].1, "Added A");
    let added_b = after[before.len() + 1].0.clone().expect("an id");

    // Update one row by $row_id: the others are untouched.
    let u = conn
        .prepare(&format!("UPDATE Orders_items SET product = 'Renamed', quantity = quantity + 1 WHERE \"$row_id\" = {added_b}"))
        .await
        .expect("prepares");
    let out = conn.execute_write(&u, vec![vec![]]).await.expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, 1);
    let now = subtable_rows(
        &records(&sb, ORDERS_APP, &format!("$id = {parent}")).await[0],
        "items",
    );
    assert_eq!(now.len(), after.len());
    assert_eq!(now.last().map(|r| r.1.as_str()), Some("Renamed"));
    assert_eq!(&now[..now.len() - 1], &after[..after.len() - 1]);
    let q = conn
        .query(&format!(
            "SELECT quantity FROM Orders_items WHERE \"$row_id\" = {added_b}"
        ))
        .await
        .expect("reads");
    let v =
        datafusion::arrow::util::display::array_value_to_string(q[0].column(0), 0).expect("cell");
    assert!(v.starts_with('2'), "{v}");

    // Delete by a filter: exactly the matching rows go.
    let d = conn.prepare(&format!("DELETE FROM Orders_items WHERE \"$id\" = {parent} AND product IN ('Added A', 'Renamed')")).await.expect("prepares");
    let out = conn.execute_write(&d, vec![vec![]]).await.expect("runs");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows, 2);
    let last = subtable_rows(
        &records(&sb, ORDERS_APP, &format!("$id = {parent}")).await[0],
        "items",
    );
    assert_eq!(last, before, "back to the rows it had");

    let e = conn
        .prepare("INSERT INTO Orders_items (product) VALUES ('orphan')")
        .await
        .expect_err("needs a parent");
    assert!(e.message.contains("$id"), "{}", e.message);
}
