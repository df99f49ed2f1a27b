//! Cursor API (§5): create / read / delete, limits, expiry, ownership, OAuth refusal.
//! Creation goes through the query engine (QueryKind::Cursor).
#![allow(clippy::result_large_err)]

#[path = "records_fixture.rs"]
mod fixture;

use fixture::*;
use kintone_sandbox::api::Method;
use kintone_sandbox::server::state::Sandbox;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

fn seed(s: &Sandbox, n: usize) {
    let records: Vec<Value> = (1..=n)
        .map(|i| json!({"title": {"value": format!("c{i}")}, "price": {"value": i}}))
        .collect();
    for chunk in records.chunks(100) {
        admin_call(
            s,
            Method::Post,
            "records",
            json!({"app": MAIN, "records": chunk}),
        );
    }
}

fn create(s: &Sandbox, params: Value) -> String {
    let r = admin_call(s, Method::Post, "records/cursor", params);
    r["id"].as_str().unwrap().to_string()
}

fn read(s: &Sandbox, id: &str) -> Result<Value, kintone_sandbox::error::KError> {
    call(
        s,
        Method::Get,
        "records/cursor",
        json!({"id": id}),
        &pw("admin"),
    )
}

fn advance(s: &Sandbox, secs: i64) {
    s.clock_offset_secs.fetch_add(secs, Ordering::Relaxed);
}

#[test]
fn lifecycle_pages_and_auto_delete() {
    let s = sandbox();
    seed(&s, 5);
    let r = admin_call(
        &s,
        Method::Post,
        "records/cursor",
        json!({"app": MAIN, "size": "2", "fields": ["$id", "title"], "query": "order by $id asc"}),
    );
    assert_eq!(r["totalCount"], "5");
    let id = r["id"].as_str().unwrap().to_string();
    assert_eq!(
        uuid::Uuid::parse_str(&id).map(|u| u.get_version_num()),
        Ok(4)
    );
    let p1 = read(&s, &id).unwrap();
    assert_eq!(p1["next"], true);
    assert_eq!(p1["records"].as_array().unwrap().len(), 2);
    assert_eq!(
        p1["records"][0],
        json!({"$id": {"type": "__ID__", "value": "1"}, "title": {"type": "SINGLE_LINE_TEXT", "value": "c1"}})
    );
    // Values are read at each Get: an update after creation shows up.
    admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": 3, "record": {"title": {"value": "new3"}}}),
    );
    let p2 = read(&s, &id).unwrap();
    assert_eq!(p2["records"][0]["title"]["value"], "new3");
    let p3 = read(&s, &id).unwrap();
    assert_eq!(p3["next"], false);
    assert_eq!(p3["records"].as_array().unwrap().len(), 1);
    assert!(
        s.read().cursors.is_empty(),
        "the last page deletes the cursor"
    );
    let e = read(&s, &id).unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (404, "GAIA_CN01"));
}

#[test]
fn deleted_records_are_skipped_but_next_stays_true() {
    let s = sandbox();
    seed(&s, 4);
    let id = create(
        &s,
        json!({"app": MAIN, "size": 2, "query": "order by $id asc"}),
    );
    admin_call(
        &s,
        Method::Delete,
        "records",
        json!({"app": MAIN, "ids": [1, 2]}),
    );
    let p = read(&s, &id).unwrap();
    assert_eq!(p, json!({"records": [], "next": true}));
    let p = read(&s, &id).unwrap();
    assert_eq!(p["next"], false);
    assert_eq!(p["records"].as_array().unwrap().len(), 2);
}

#[test]
fn default_size_and_size_bounds() {
    let s = sandbox();
    seed(&s, 101);
    let id = create(&s, json!({"app": MAIN}));
    let p = read(&s, &id).unwrap();
    assert_eq!(p["records"].as_array().unwrap().len(), 100);
    assert_eq!(p["next"], true);
    for bad in [json!(0), json!(501), json!("x")] {
        let e = call(
            &s,
            Method::Post,
            "records/cursor",
            json!({"app": MAIN, "size": bad}),
            &pw("admin"),
        )
        .unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"));
        assert!(errors_of(&e).get("size").is_some());
    }
    let e = call(
        &s,
        Method::Post,
        "records/cursor",
        json!({"app": MAIN, "query": "limit 10"}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(e.status, 400);
}

#[test]
fn eleventh_cursor_is_refused_until_one_expires() {
    let s = sandbox();
    seed(&s, 3);
    assert_eq!(s.read().limits.cursor_limit, 10);
    let ids: Vec<String> = (0..10)
        .map(|_| create(&s, json!({"app": MAIN, "size": 1})))
        .collect();
    let e = call(
        &s,
        Method::Post,
        "records/cursor",
        json!({"app": MAIN}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (429, "GAIA_TM12"));
    // Deleting one frees a slot.
    assert_eq!(
        admin_call(&s, Method::Delete, "records/cursor", json!({"id": ids[0]})),
        json!({})
    );
    create(&s, json!({"app": MAIN}));
    // Reading one keeps it alive 10 more minutes; the others expire.
    advance(&s, 9 * 60);
    read(&s, &ids[1]).unwrap();
    advance(&s, 2 * 60);
    let e = read(&s, &ids[2]).unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (404, "GAIA_CN01"));
    assert!(read(&s, &ids[1]).is_ok(), "extended by the earlier Get");
    // Expired cursors do not count: 10 new ones fit next to the live one.
    for _ in 0..9 {
        create(&s, json!({"app": MAIN, "size": 1}));
    }
    let e = call(
        &s,
        Method::Post,
        "records/cursor",
        json!({"app": MAIN}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(e.code, "GAIA_TM12");
}

#[test]
fn delete_errors_ownership_and_oauth() {
    let s = sandbox();
    seed(&s, 3);
    let e = call(
        &s,
        Method::Delete,
        "records/cursor",
        json!({"id": "no-such"}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (404, "GAIA_CN01"));
    let id = create(&s, json!({"app": MAIN, "size": 1}));
    // Another identity cannot read or delete it.
    let e = call(
        &s,
        Method::Get,
        "records/cursor",
        json!({"id": id}),
        &pw("sato"),
    )
    .unwrap_err();
    assert_eq!(e.code, "GAIA_CN01");
    let e = call(
        &s,
        Method::Delete,
        "records/cursor",
        json!({"id": id}),
        &tok(&[(MAIN, 0)]),
    )
    .unwrap_err();
    assert_eq!(e.code, "GAIA_CN01");
    admin_call(&s, Method::Delete, "records/cursor", json!({"id": id}));
    let e = call(
        &s,
        Method::Delete,
        "records/cursor",
        json!({"id": id}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(e.code, "GAIA_CN01");
    // Token callers can use cursors; their identity is the token set.
    let r = call(
        &s,
        Method::Post,
        "records/cursor",
        json!({"app": MAIN}),
        &tok(&[(MAIN, 1)]),
    )
    .unwrap();
    let tid = r["id"].as_str().unwrap();
    let p = call(
        &s,
        Method::Get,
        "records/cursor",
        json!({"id": tid}),
        &tok(&[(MAIN, 1)]),
    )
    .unwrap();
    assert_eq!(p["records"].as_array().unwrap().len(), 3);
    // OAuth is refused for all three cursor APIs (§3.8).
    for (m, api, params) in [
        (Method::Post, "records/cursor", json!({"app": MAIN})),
        (Method::Get, "records/cursor", json!({"id": "x"})),
        (Method::Delete, "records/cursor", json!({"id": "x"})),
    ] {
        let e = call(&s, m, api, params, &oauth("sato")).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (403, "CB_NO02"));
    }
    // Permissions and app errors at creation.
    let e = call(
        &s,
        Method::Post,
        "records/cursor",
        json!({"app": MAIN}),
        &tok(&[(MAIN, 2)]),
    )
    .unwrap_err();
    assert_eq!(e.code, "GAIA_NO01");
    let e = call(
        &s,
        Method::Post,
        "records/cursor",
        json!({"app": 99}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(e.code, "GAIA_AP01");
    let e = call(&s, Method::Get, "records/cursor", json!({}), &pw("admin")).unwrap_err();
    assert_eq!(msgs(&e, "id"), vec!["Required field."]);
}
