//! bulkRequest (§4.8): ordered execution, whole-batch rollback, `results` shapes.
#![allow(clippy::result_large_err)]

#[path = "records_fixture.rs"]
mod fixture;

use fixture::*;
use kintone_sandbox::api::Method;
use serde_json::{json, Value};

fn bulk(
    s: &kintone_sandbox::server::state::Sandbox,
    requests: Value,
) -> Result<Value, kintone_sandbox::error::KError> {
    call(
        s,
        Method::Post,
        "bulkRequest",
        json!({"requests": requests}),
        &pw("admin"),
    )
}

#[test]
fn runs_in_order_and_returns_each_result() {
    let s = sandbox();
    add(&s, json!({"title": {"value": "old"}}));
    let r = bulk(
        &s,
        json!([
            {"method": "POST", "api": "/k/v1/record.json", "payload": {"app": MAIN, "record": {"title": {"value": "b1"}}}},
            {"method": "PUT", "api": "/k/v1/record.json", "payload": {"app": MAIN, "id": 2, "record": {"plain": {"value": "p"}}}},
            {"method": "POST", "api": "/k/v1/records.json", "payload": {"app": MAIN, "records": [{"title": {"value": "b3"}}]}},
            {"method": "PUT", "api": "/k/v1/records.json", "payload": {"app": MAIN, "records": [{"id": 3, "record": {}}]}},
            {"method": "DELETE", "api": "/k/v1/records.json", "payload": {"app": MAIN, "ids": [1]}},
        ]),
    )
    .unwrap();
    assert_eq!(
        r,
        json!({"results": [
            {"id": "2", "revision": "1"},
            {"revision": "2"},
            {"ids": ["3"], "revisions": ["1"]},
            {"records": [{"id": "3", "revision": "2"}]},
            {},
        ]})
    );
    let d = s.read();
    let ids: Vec<u64> = d.apps[&MAIN].records.keys().copied().collect();
    assert_eq!(ids, vec![2, 3]);
    assert_eq!(d.apps[&MAIN].records[&2].values["plain"], "p");
}

#[test]
fn failure_rolls_back_everything() {
    let s = sandbox();
    let id = add(&s, json!({"title": {"value": "keep"}}));
    upload(&s, "up1", "f.txt", b"xyz");
    let before_rows = s.read().next_subtable_row_id;
    let e = bulk(
        &s,
        json!([
            {"method": "POST", "api": "/k/v1/record.json", "payload": {"app": MAIN, "record": {
                "title": {"value": "new"}, "files": {"value": [{"fileKey": "up1"}]},
                "items": {"value": [{"value": {"name": {"value": "row"}}}]}}}},
            {"method": "PUT", "api": "/k/v1/record.json", "payload": {"app": MAIN, "id": id, "record": {"plain": {"value": "changed"}}}},
            {"method": "PUT", "api": "/k/v1/record.json", "payload": {"app": MAIN, "id": id, "revision": 1, "record": {}}},
            {"method": "DELETE", "api": "/k/v1/records.json", "payload": {"app": MAIN, "ids": [id]}},
        ]),
    )
    .unwrap_err();
    // The failing request's status and code; the body wraps it in `results`.
    assert_eq!((e.status, e.code.as_str()), (409, "GAIA_CO02"));
    let body = e.body();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0], json!({}));
    assert_eq!(results[1], json!({}));
    assert_eq!(results[2]["code"], "GAIA_CO02");
    assert!(results[2]["id"].is_string() && results[2]["message"].is_string());
    assert_eq!(results[3], json!({}));
    assert!(body.get("code").is_none());
    let d = s.read();
    let app = &d.apps[&MAIN];
    assert_eq!(
        app.records.len(),
        1,
        "the POST of request 0 was rolled back"
    );
    assert_eq!(
        app.records[&id].revision, 1,
        "the PUT of request 1 was rolled back"
    );
    assert!(app.records[&id].values.get("plain").is_none_or(|v| v == ""));
    assert!(
        d.files.get("up1").is_some_and(|f| f.temporary),
        "the upload is still pending"
    );
    assert_eq!(d.files.len(), 1);
    assert_eq!(d.next_subtable_row_id, before_rows);
    drop(d);
    // The next record gets the id the rolled-back POST had taken.
    assert_eq!(add(&s, json!({"title": {"value": "after"}})), 2);
}

#[test]
fn validation_error_inside_a_sub_request() {
    let s = sandbox();
    let e = bulk(
        &s,
        json!([
            {"method": "POST", "api": "/k/v1/records.json", "payload": {"app": MAIN, "records": [{"title": {"value": "ok"}}]}},
            {"method": "POST", "api": "/k/v1/records.json", "payload": {"app": MAIN, "records": [{"title": {"value": "ok"}}, {"title": {"value": ""}}]}},
        ]),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"));
    let body = e.body();
    assert_eq!(body["results"][0], json!({}));
    assert_eq!(
        body["results"][1]["errors"],
        json!({"records[1].title.value": {"messages": ["Required."]}})
    );
    assert!(s.read().apps[&MAIN].records.is_empty());
}

#[test]
fn request_list_checks() {
    let s = sandbox();
    let e = call(&s, Method::Post, "bulkRequest", json!({}), &pw("admin")).unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"));
    assert_eq!(msgs(&e, "requests"), vec!["Required field."]);
    let one = json!({"method": "POST", "api": "/k/v1/record.json", "payload": {"app": MAIN, "record": {"title": {"value": "t1"}}}});
    let e = bulk(&s, Value::Array(vec![one.clone(); 21])).unwrap_err();
    assert_eq!(
        msgs(&e, "requests"),
        vec!["A maximum of 20 requests can be sent at one time."]
    );
    assert!(s.read().apps[&MAIN].records.is_empty());
    // Exactly 20 is fine (distinct titles are not needed: title is not unique).
    let r = bulk(&s, Value::Array(vec![one.clone(); 20])).unwrap();
    assert_eq!(r["results"].as_array().unwrap().len(), 20);
    // APIs outside the allowed list.
    let e = bulk(
        &s,
        json!([one, {"method": "GET", "api": "/k/v1/records.json", "payload": {"app": MAIN}}]),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"));
    assert_eq!(
        e.body()["results"][1]["errors"]["requests[1].api"]["messages"][0],
        "This API cannot be used in a bulk request."
    );
    let e = bulk(
        &s,
        json!([{"method": "POST", "api": "/k/v1/app.json", "payload": {}}]),
    )
    .unwrap_err();
    assert_eq!(e.code, "CB_VA01");
}

#[test]
fn guest_space_rules() {
    let s = sandbox();
    let guest_req = json!({"method": "POST", "api": "/k/guest/5/v1/record.json", "payload": {"app": GUEST_APP, "record": {"title": {"value": "g"}}}});
    let r = bulk(&s, json!([guest_req, guest_req])).unwrap();
    assert_eq!(r["results"][1], json!({"id": "2", "revision": "1"}));
    // Mixing a guest space with a normal app is refused before anything runs.
    let normal = json!({"method": "POST", "api": "/k/v1/record.json", "payload": {"app": MAIN, "record": {"title": {"value": "n1"}}}});
    let e = bulk(&s, json!([normal, guest_req])).unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"));
    assert!(msgs(&e, "requests")[0].contains("same guest space"));
    // A guest app through the normal path fails like the API itself (GAIA_IL23).
    let e = bulk(&s, json!([{"method": "POST", "api": "/k/v1/record.json", "payload": {"app": GUEST_APP, "record": {}}}])).unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "GAIA_IL23"));
    assert_eq!(e.body()["results"][0]["code"], "GAIA_IL23");
}

#[test]
fn token_permissions_apply_per_sub_request() {
    let s = sandbox();
    let e = call(
        &s,
        Method::Post,
        "bulkRequest",
        json!({"requests": [
            {"method": "POST", "api": "/k/v1/record.json", "payload": {"app": MAIN, "record": {"title": {"value": "t1"}}}},
            {"method": "DELETE", "api": "/k/v1/records.json", "payload": {"app": MAIN, "ids": [1]}},
        ]}),
        &tok(&[(MAIN, 2)]),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (403, "GAIA_NO01"));
    assert_eq!(e.body()["results"][1]["code"], "GAIA_NO01");
    assert!(s.read().apps[&MAIN].records.is_empty());
}

#[test]
fn insert_only_batch_rolls_back_new_records() {
    let s = sandbox();
    let old = add(&s, json!({"title": {"value": "old"}}));
    let post = |t: &str| json!({"method": "POST", "api": "/k/v1/record.json", "payload": {"app": MAIN, "record": {"title": {"value": t}}}});
    let e = bulk(&s, json!([post("n1"), post("n2"), post(""), post("n4")])).unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"));
    assert_eq!(
        e.body()["results"][2]["errors"],
        json!({"record.title.value": {"messages": ["Required."]}})
    );
    {
        let d = s.read();
        let ids: Vec<u64> = d.apps[&MAIN].records.keys().copied().collect();
        assert_eq!(ids, vec![old]);
        assert_eq!(d.apps[&MAIN].next_record_id, old + 1);
    }
    let r = bulk(&s, json!([post("n1"), post("n2")])).unwrap();
    assert_eq!(
        r["results"],
        json!([{"id": "2", "revision": "1"}, {"id": "3", "revision": "1"}])
    );
}
