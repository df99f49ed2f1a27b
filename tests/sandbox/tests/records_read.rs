//! GET record.json / records.json (§4.1, §4.2). The records.json tests go through the
//! query engine (`crate::query`).
#![allow(clippy::result_large_err)]

#[path = "records_fixture.rs"]
mod fixture;

use fixture::*;
use kintone_sandbox::api::Method;
use serde_json::{json, Value};

fn seed(s: &kintone_sandbox::server::state::Sandbox, n: usize) {
    for i in 1..=n {
        add(
            s,
            json!({"title": {"value": format!("t{i}")}, "price": {"value": i}, "items": {"value": [{"value": {"name": {"value": "r"}}}]}}),
        );
    }
}

fn ids_of(v: &Value) -> Vec<String> {
    v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["$id"]["value"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn get_record_errors() {
    let s = sandbox();
    seed(&s, 1);
    let e = call(
        &s,
        Method::Get,
        "record",
        json!({"app": MAIN}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"));
    assert_eq!(
        errors_of(&e),
        json!({"id": {"messages": ["Required field."]}})
    );
    let e = call(
        &s,
        Method::Get,
        "record",
        json!({"app": MAIN, "id": "99999"}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str(), e.message.as_str()),
        (
            404,
            "GAIA_RE01",
            "The specified record (ID: 99999) is not found."
        )
    );
    let e = call(
        &s,
        Method::Get,
        "record",
        json!({"app": "77", "id": 1}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str(), e.message.as_str()),
        (
            404,
            "GAIA_AP01",
            "The app (ID: 77) not found. The app may have been deleted."
        )
    );
    // Query-string scalars arrive as strings.
    let r = call(
        &s,
        Method::Get,
        "record",
        json!({"app": "1", "id": "1"}),
        &tok(&[(MAIN, 1)]),
    )
    .unwrap();
    assert_eq!(r["record"]["$id"]["value"], "1");
    let e = call(
        &s,
        Method::Get,
        "record",
        json!({"app": MAIN, "id": 1}),
        &tok(&[(MAIN, 2)]),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (403, "GAIA_NO01"));
    let e = call(
        &s,
        Method::Get,
        "record",
        json!({"app": MAIN, "id": 1}),
        &pw("suzuki"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (403, "CB_NO02"));
}

#[test]
fn record_json_shape_follows_the_form() {
    let s = sandbox();
    seed(&s, 1);
    let rec = get(&s, MAIN, 1);
    let d = s.read();
    let app = &d.apps[&MAIN];
    // Every field with a value, plus $id/$revision; no REFERENCE_TABLE, no disabled CATEGORY.
    let mut expected: Vec<String> = app
        .live
        .fields
        .keys()
        .filter(|c| *c != "related" && *c != "Categories")
        .cloned()
        .collect();
    expected.push("$id".into());
    expected.push("$revision".into());
    expected.sort();
    let mut got: Vec<String> = rec.as_object().unwrap().keys().cloned().collect();
    got.sort();
    assert_eq!(got, expected);
    for (code, v) in rec.as_object().unwrap() {
        assert!(v["type"].is_string(), "{code} has a type");
        assert!(v.get("value").is_some(), "{code} has a value");
    }
    drop(d);
    // STATUS / assignee vanish when process management is off.
    s.write().apps.get_mut(&MAIN).unwrap().live.status = json!({"enable": false});
    let rec = get(&s, MAIN, 1);
    assert!(rec.get("Status").is_none() && rec.get("Assignee").is_none());
    // Enabled categories appear.
    s.write().apps.get_mut(&MAIN).unwrap().live.fields["Categories"]["enabled"] = json!(true);
    assert_eq!(
        get(&s, MAIN, 1)["Categories"],
        json!({"type": "CATEGORY", "value": []})
    );
}

#[test]
fn record_json_field_filter() {
    let s = sandbox();
    seed(&s, 1);
    let d = s.read();
    let app = &d.apps[&MAIN];
    let rec = &app.records[&1];
    let fields: Vec<String> = ["$id", "title", "name", "nope", "items", "Record_number"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let v = kintone_sandbox::api::records::record_json(app, rec, Some(&fields));
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, vec!["$id", "Record_number", "items", "title"]);
    assert_eq!(v["items"]["value"][0]["value"]["name"]["value"], "r");
}

#[test]
fn get_records_query_window_and_total() {
    let s = sandbox();
    seed(&s, 5);
    let r = admin_call(&s, Method::Get, "records", json!({"app": MAIN}));
    assert_eq!(
        ids_of(&r),
        vec!["5", "4", "3", "2", "1"],
        "default order is $id desc"
    );
    assert_eq!(r["totalCount"], Value::Null);
    let r = admin_call(
        &s,
        Method::Get,
        "records",
        json!({"app": "1", "query": "price >= 2 order by $id asc limit 2 offset 1", "totalCount": "true", "fields": ["$id", "title"]}),
    );
    assert_eq!(ids_of(&r), vec!["3", "4"]);
    assert_eq!(r["totalCount"], "4");
    let keys: Vec<&String> = r["records"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(
        r["records"][0]["title"],
        json!({"type": "SINGLE_LINE_TEXT", "value": "t3"})
    );
    let r = admin_call(
        &s,
        Method::Get,
        "records",
        json!({"app": MAIN, "query": "title = \"none\"", "totalCount": true}),
    );
    assert_eq!(r, json!({"records": [], "totalCount": "0"}));
    // Subtable values written by the record APIs are what the query engine reads.
    let r = admin_call(
        &s,
        Method::Get,
        "records",
        json!({"app": MAIN, "query": "name in (\"r\") and sum_qty = 1", "totalCount": true}),
    );
    assert_eq!(r["totalCount"], "5");
    let r = admin_call(
        &s,
        Method::Get,
        "records",
        json!({"app": MAIN, "query": "Record_number >= 4 and Status in (\"Not started\")"}),
    );
    assert_eq!(ids_of(&r), vec!["5", "4"]);
}

#[test]
fn get_records_errors() {
    let s = sandbox();
    seed(&s, 1);
    let too_many: Vec<String> = (0..1001).map(|i| format!("f{i}")).collect();
    let e = call(
        &s,
        Method::Get,
        "records",
        json!({"app": MAIN, "fields": too_many}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"));
    assert!(errors_of(&e).get("fields").is_some());
    let e = call(
        &s,
        Method::Get,
        "records",
        json!({"app": MAIN, "query": "limit 501"}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "GAIA_QU01"));
    let e = call(
        &s,
        Method::Get,
        "records",
        json!({"app": MAIN, "query": "offset 10001"}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "GAIA_QU02"));
    let e = call(&s, Method::Get, "records", json!({"app": 9}), &pw("admin")).unwrap_err();
    assert_eq!(e.code, "GAIA_AP01");
    let e = call(
        &s,
        Method::Get,
        "records",
        json!({"app": GUEST_APP}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(e.code, "GAIA_IL23");
}

#[test]
fn aborted_like_filter_sets_the_warning_header() {
    let s = sandbox();
    for _ in 0..3 {
        add(&s, json!({"title": {"value": "ab"}}));
    }
    s.write().limits.like_abort_threshold = 2;
    let (body, headers) = call_h(
        &s,
        Method::Get,
        "records",
        None,
        json!({"app": MAIN, "query": "title like \"ab\""}),
        &pw("admin"),
    )
    .unwrap();
    assert_eq!(
        headers,
        vec![(
            "X-Cybozu-Warning".to_string(),
            "Filter aborted because of too many search results".to_string()
        )]
    );
    assert!(body["records"].is_array());
    let (_, headers) = call_h(
        &s,
        Method::Get,
        "records",
        None,
        json!({"app": MAIN, "query": "title = \"ab\""}),
        &pw("admin"),
    )
    .unwrap();
    assert!(headers.is_empty());
}

#[test]
fn login_user_is_the_caller() {
    let s = sandbox();
    add(&s, json!({"title": {"value": "mine"}}));
    call(
        &s,
        Method::Post,
        "record",
        json!({"app": MAIN, "record": {"title": {"value": "sato's"}}}),
        &pw("sato"),
    )
    .unwrap();
    let r = call(
        &s,
        Method::Get,
        "records",
        json!({"app": MAIN, "query": "Created_by in (LOGINUSER())"}),
        &pw("sato"),
    )
    .unwrap();
    assert_eq!(ids_of(&r), vec!["2"]);
}
