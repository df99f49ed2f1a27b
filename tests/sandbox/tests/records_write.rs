//! POST / PUT / DELETE record(s) (§4.3-§4.7, §8) called directly on the handlers.
#![allow(clippy::result_large_err)]

#[path = "records_fixture.rs"]
mod fixture;

use chrono::Utc;
use fixture::*;
use kintone_sandbox::api::Method;
use serde_json::{json, Value};

fn post(
    s: &kintone_sandbox::server::state::Sandbox,
    record: Value,
    caller: &kintone_sandbox::api::Caller,
) -> Result<Value, kintone_sandbox::error::KError> {
    call(
        s,
        Method::Post,
        "record",
        json!({"app": MAIN, "record": record}),
        caller,
    )
}

#[test]
fn post_applies_defaults_system_fields_and_first_status() {
    let s = sandbox();
    let before = Utc::now();
    let r = admin_call(
        &s,
        Method::Post,
        "record",
        json!({"app": MAIN, "record": {"title": {"value": "Hello"}}}),
    );
    assert_eq!(r, json!({"id": "1", "revision": "1"}));
    let rec = get(&s, MAIN, 1);
    assert_eq!(rec["$id"], json!({"type": "__ID__", "value": "1"}));
    assert_eq!(
        rec["$revision"],
        json!({"type": "__REVISION__", "value": "1"})
    );
    assert_eq!(
        rec["Record_number"],
        json!({"type": "RECORD_NUMBER", "value": "1"})
    );
    assert_eq!(rec["title"]["value"], "Hello");
    assert_eq!(rec["memo"]["value"], "hello");
    assert_eq!(rec["amount"], json!({"type": "NUMBER", "value": "5"}));
    assert_eq!(rec["price"]["value"], "");
    assert_eq!(rec["total"], json!({"type": "CALC", "value": "0"}));
    assert_eq!(rec["tags"]["value"], json!(["A"]));
    assert_eq!(rec["kind"]["value"], "X");
    assert_eq!(rec["rank"]["value"], Value::Null);
    assert_eq!(rec["multi"]["value"], json!([]));
    assert_eq!(rec["files"]["value"], json!([]));
    assert_eq!(rec["due"]["value"], "2026-01-01");
    let tokyo = before.with_timezone(&chrono_tz::Asia::Tokyo);
    let today = rec["today"]["value"].as_str().unwrap().to_string();
    let now_tokyo = Utc::now().with_timezone(&chrono_tz::Asia::Tokyo);
    assert!(
        today == tokyo.format("%Y-%m-%d").to_string()
            || today == now_tokyo.format("%Y-%m-%d").to_string(),
        "{today}"
    );
    let at_now = rec["at_now"]["value"].as_str().unwrap();
    assert!(at_now.ends_with(":00Z") && at_now.len() == 20, "{at_now}");
    assert_eq!(rec["at"]["value"], "");
    assert_eq!(rec["t"]["value"], Value::Null);
    assert_eq!(rec["t_now"]["value"].as_str().unwrap().len(), 5);
    assert_eq!(
        rec["owner"]["value"],
        json!([{"code": "admin", "name": "Admin"}])
    );
    assert_eq!(
        rec["Created_by"],
        json!({"type": "CREATOR", "value": {"code": "admin", "name": "Admin"}})
    );
    assert_eq!(
        rec["Updated_by"]["value"],
        json!({"code": "admin", "name": "Admin"})
    );
    let created = rec["Created_datetime"]["value"].as_str().unwrap();
    assert!(created.ends_with(":00Z"));
    assert_eq!(rec["Updated_datetime"]["value"].as_str().unwrap(), created);
    assert_eq!(rec["items"], json!({"type": "SUBTABLE", "value": []}));
    assert_eq!(
        rec["Status"],
        json!({"type": "STATUS", "value": "Not started"})
    );
    assert_eq!(
        rec["Assignee"]["value"],
        json!([{"code": "sato", "name": "Sato"}])
    );
    // Disabled categories and REFERENCE_TABLE never appear.
    assert!(rec.get("Categories").is_none());
    assert!(rec.get("related").is_none());
}

#[test]
fn post_without_record_uses_defaults_and_hits_required() {
    let s = sandbox();
    let e = call(
        &s,
        Method::Post,
        "record",
        json!({"app": MAIN}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"));
    assert_eq!(
        errors_of(&e),
        json!({"record.title.value": {"messages": ["Required."]}})
    );
    // An app without required fields accepts an empty POST.
    let r = admin_call(&s, Method::Post, "record", json!({"app": CUST}));
    assert_eq!(r, json!({"id": "3", "revision": "1"}));
    assert_eq!(get(&s, CUST, 3)["Record_number"]["value"], "CUST-3");
}

#[test]
fn round_trip_every_field_type() {
    let s = sandbox();
    upload(&s, "tmp1", "a.txt", b"abc");
    let id = add(
        &s,
        json!({
            "title": {"value": "Round"},
            "memo": {"value": "a\nb"},
            "rich": {"value": "<b>x</b>"},
            "amount": {"value": 12},
            "price": {"value": "2.5"},
            "tags": {"value": ["A", "C"]},
            "kind": {"value": "Y"},
            "rank": {"value": "lo"},
            "multi": {"value": ["m2"]},
            "files": {"value": [{"fileKey": "tmp1"}]},
            "url": {"value": "https://example.com"},
            "due": {"value": "2015-7-5"},
            "at": {"value": "2012-01-11T11:30:45+09:00"},
            "t": {"value": "9:05"},
            "owner": {"value": [{"code": "sato"}]},
            "org": {"value": [{"code": "dev"}]},
            "grp": {"value": [{"code": "admins"}]},
            "code": {"value": "K-1"},
            "num_key": {"value": "7"},
            "items": {"value": [{"value": {"name": {"value": "apple"}, "qty": {"value": "3"}}}]},
            "unknown_code": {"value": "ignored"},
        }),
    );
    let rec = get(&s, MAIN, id);
    assert_eq!(
        rec["memo"],
        json!({"type": "MULTI_LINE_TEXT", "value": "a\nb"})
    );
    assert_eq!(
        rec["rich"],
        json!({"type": "RICH_TEXT", "value": "<b>x</b>"})
    );
    assert_eq!(rec["amount"]["value"], "12");
    assert_eq!(rec["price"]["value"], "2.5");
    assert_eq!(rec["total"]["value"], "30");
    assert_eq!(
        rec["tags"],
        json!({"type": "CHECK_BOX", "value": ["A", "C"]})
    );
    assert_eq!(rec["kind"], json!({"type": "RADIO_BUTTON", "value": "Y"}));
    assert_eq!(rec["rank"], json!({"type": "DROP_DOWN", "value": "lo"}));
    assert_eq!(
        rec["multi"],
        json!({"type": "MULTI_SELECT", "value": ["m2"]})
    );
    let f = &rec["files"]["value"][0];
    assert_eq!(rec["files"]["type"], "FILE");
    assert_eq!(
        (
            f["name"].as_str(),
            f["contentType"].as_str(),
            f["size"].as_str()
        ),
        (Some("a.txt"), Some("text/plain"), Some("3"))
    );
    let key = f["fileKey"].as_str().unwrap().to_string();
    assert_ne!(key, "tmp1");
    {
        let d = s.read();
        assert!(!d.files.contains_key("tmp1"), "the upload key is consumed");
        assert!(!d.files[&key].temporary);
    }
    assert_eq!(
        rec["url"],
        json!({"type": "LINK", "value": "https://example.com"})
    );
    assert_eq!(rec["due"], json!({"type": "DATE", "value": "2015-07-05"}));
    assert_eq!(
        rec["at"],
        json!({"type": "DATETIME", "value": "2012-01-11T02:30:00Z"})
    );
    assert_eq!(rec["t"], json!({"type": "TIME", "value": "09:05"}));
    assert_eq!(
        rec["owner"],
        json!({"type": "USER_SELECT", "value": [{"code": "sato", "name": "Sato"}]})
    );
    assert_eq!(
        rec["org"],
        json!({"type": "ORGANIZATION_SELECT", "value": [{"code": "dev", "name": "Development"}]})
    );
    assert_eq!(
        rec["grp"],
        json!({"type": "GROUP_SELECT", "value": [{"code": "admins", "name": "Admins"}]})
    );
    assert_eq!(rec["num_key"]["value"], "7");
    assert!(rec.get("unknown_code").is_none());
    let rows = rec["items"]["value"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], "100");
    assert_eq!(
        rows[0]["value"],
        json!({
            "name": {"type": "SINGLE_LINE_TEXT", "value": "apple"},
            "qty": {"type": "NUMBER", "value": "3"},
            "line": {"type": "CALC", "value": "7.5"},
            "icust": {"type": "SINGLE_LINE_TEXT", "value": ""},
            "icust_name": {"type": "SINGLE_LINE_TEXT", "value": ""},
        })
    );
    assert_eq!(rec["sum_qty"]["value"], "3");
    // The file key is kept when sent back on PUT.
    let r = admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "record": {"files": {"value": [{"fileKey": key}]}}}),
    );
    assert_eq!(r, json!({"revision": "2"}));
    assert_eq!(
        get(&s, MAIN, id)["files"]["value"][0]["fileKey"],
        key.as_str()
    );
}

#[test]
fn unknown_file_key_is_rejected() {
    let s = sandbox();
    let e = post(
        &s,
        json!({"title": {"value": "ab"}, "files": {"value": [{"fileKey": "nope"}]}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"));
    assert_eq!(
        msgs(&e, "record.files.value"),
        vec!["The specified file (fileKey: nope) does not exist."]
    );
}

#[test]
fn validation_keys_and_messages() {
    let s = sandbox();
    let e = post(
        &s,
        json!({
            "title": {"value": "this is far too long"},
            "amount": {"value": "101"},
            "price": {"value": "abc"},
            "kind": {"value": "Z"},
            "rank": {"value": "zz"},
            "tags": {"value": ["A", "Q"]},
            "owner": {"value": [{"code": "ghost"}]},
        }),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str(), e.message.as_str()),
        (400, "CB_VA01", "Missing or invalid input.")
    );
    assert_eq!(
        errors_of(&e),
        json!({
            "record.title.value": {"messages": ["Enter less than 11 characters."]},
            "record.amount.value": {"messages": ["The value must be 100 or less."]},
            "record.price.value": {"messages": ["Required."]},
            "record[price].value": {"messages": ["Only numbers are allowed."]},
            "record.kind.value": {"messages": ["The value, \"Z\", is not in options."]},
            "record.rank.value": {"messages": ["The value, \"zz\", is not in options."]},
            "record.tags.values[1].value": {"messages": ["The value, \"Q\", is not in options."]},
            "record.owner.values[0].value": {"messages": ["The user (code: ghost) not found."]},
        })
    );
    let e = post(
        &s,
        json!({"title": {"value": "x"}, "amount": {"value": "-101"}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        errors_of(&e),
        json!({
            "record.title.value": {"messages": ["Enter more than 1 characters."]},
            "record.amount.value": {"messages": ["The value must be -100 or more."]},
        })
    );
    // Required keys per type; radio `required` is not enforced.
    let mut d = s.write();
    let f = &mut d.apps.get_mut(&MAIN).unwrap().live.fields;
    for code in ["tags", "owner", "files", "url"] {
        f[code]["required"] = json!(true);
    }
    drop(d);
    let e = post(
        &s,
        json!({"title": {"value": "ok"}, "tags": {"value": []}, "kind": {"value": ""}, "items": {"value": [{"value": {"qty": {"value": "2"}}}]}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        errors_of(&e),
        json!({
            "record.tags.values": {"messages": ["Required."]},
            "record.files.values": {"messages": ["Required."]},
            "record.url.value": {"messages": ["Required."]},
            "record.items.value[0].value.name.value": {"messages": ["Required."]},
        })
    );
    // owner has a LOGINUSER() default, so only an explicit [] hits required.
    let e = post(&s, json!({"title": {"value": "ok"}, "tags": {"value": ["A"]}, "files": {"value": []}, "owner": {"value": []}, "url": {"value": "u"}}), &pw("admin")).unwrap_err();
    assert_eq!(
        errors_of(&e),
        json!({
            "record.owner.values.value": {"messages": ["Required."]},
            "record.files.values": {"messages": ["Required."]},
        })
    );
    assert!(
        s.read().apps[&MAIN].records.is_empty(),
        "failed writes leave no trace"
    );
}

#[test]
fn number_normalisation() {
    let s = sandbox();
    let id = add(
        &s,
        json!({
            "title": {"value": "num"},
            "amount": {"value": "1.5e1"},
            "price": {"value": " 42 "},
            "items": {"value": [{"value": {"name": {"value": "n"}, "qty": {"value": "zz"}}}]},
        }),
    );
    let rec = get(&s, MAIN, id);
    assert_eq!(rec["amount"]["value"], "15");
    assert_eq!(rec["price"]["value"], "42");
    assert_eq!(rec["total"]["value"], "630");
    // Non-numeric inside a subtable is silently stored as "".
    assert_eq!(rec["items"]["value"][0]["value"]["qty"]["value"], "");
}

#[test]
fn bulk_post_order_keys_limits_all_or_nothing() {
    let s = sandbox();
    let r = admin_call(
        &s,
        Method::Post,
        "records",
        json!({"app": MAIN, "records": [{"title": {"value": "one"}}, {"title": {"value": "two"}}]}),
    );
    assert_eq!(r, json!({"ids": ["1", "2"], "revisions": ["1", "1"]}));
    assert_eq!(get(&s, MAIN, 2)["title"]["value"], "two");
    let r = admin_call(
        &s,
        Method::Post,
        "records",
        json!({"app": MAIN, "records": []}),
    );
    assert_eq!(r, json!({"ids": [], "revisions": []}));
    let e = call(
        &s,
        Method::Post,
        "records",
        json!({"app": MAIN, "records": [{"title": {"value": "three"}}, {"title": {"value": ""}}, {"amount": {"value": "x"}, "title": {"value": "ok"}}]}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        errors_of(&e),
        json!({
            "records[1].title.value": {"messages": ["Required."]},
            "records[2].amount.value": {"messages": ["Required."]},
            "records[2][amount].value": {"messages": ["Only numbers are allowed."]},
        })
    );
    assert_eq!(s.read().apps[&MAIN].records.len(), 2);
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"title": {"value": format!("r{i}")}}))
        .collect();
    let e = call(
        &s,
        Method::Post,
        "records",
        json!({"app": MAIN, "records": many}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        errors_of(&e),
        json!({"records": {"messages": ["A maximum of 100 records can be added at one time."]}})
    );
    let hundred: Vec<Value> = (0..100)
        .map(|i| json!({"title": {"value": format!("r{i}")}}))
        .collect();
    let r = admin_call(
        &s,
        Method::Post,
        "records",
        json!({"app": MAIN, "records": hundred}),
    );
    assert_eq!(r["ids"].as_array().unwrap().len(), 100);
    assert_eq!(r["ids"][99], "102");
}

#[test]
fn put_merges_without_defaults_and_bumps_revision() {
    let s = sandbox();
    let id = add(
        &s,
        json!({"title": {"value": "keep"}, "price": {"value": "2"}}),
    );
    // Remove defaulted values so a PUT could (wrongly) re-apply them.
    let r = admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "record": {"memo": {"value": ""}, "amount": {"value": ""}}}),
    );
    assert_eq!(r, json!({"revision": "2"}));
    let r = admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id.to_string(), "record": {"price": {"value": 4}}}),
    );
    assert_eq!(r, json!({"revision": "3"}));
    let rec = get(&s, MAIN, id);
    assert_eq!(rec["title"]["value"], "keep");
    assert_eq!(rec["memo"]["value"], "");
    assert_eq!(rec["amount"]["value"], "");
    assert_eq!(rec["price"]["value"], "4");
    assert_eq!(rec["$revision"]["value"], "3");
    assert_eq!(rec["Status"]["value"], "Not started");
    // `record` omitted: nothing changes.
    let r = admin_call(&s, Method::Put, "record", json!({"app": MAIN, "id": id}));
    assert_eq!(r, json!({"revision": "3"}));
    // Validation runs on the merged record: an emptied required field blocks updates.
    let e = call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "record": {"title": {"value": ""}}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        errors_of(&e),
        json!({"record.title.value": {"messages": ["Required."]}})
    );
    // A modifier other than the creator is recorded.
    admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "record": {}}),
    );
    call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "record": {"plain": {"value": "s"}}}),
        &pw("sato"),
    )
    .unwrap();
    let rec = get(&s, MAIN, id);
    assert_eq!(rec["Updated_by"]["value"]["code"], "sato");
    assert_eq!(rec["Created_by"]["value"]["code"], "admin");
}

#[test]
fn revision_checks() {
    let s = sandbox();
    let id = add(&s, json!({"title": {"value": "rev"}}));
    let e = call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "revision": 5, "record": {}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (409, "GAIA_CO02"));
    assert!(e.errors.is_none());
    let r = admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "revision": "1", "record": {}}),
    );
    assert_eq!(r["revision"], "2");
    let r = admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "revision": -1, "record": {}}),
    );
    assert_eq!(r["revision"], "3");
    let e = call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": 99, "record": {}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str(), e.message.as_str()),
        (
            404,
            "GAIA_RE01",
            "The specified record (ID: 99) is not found."
        )
    );
}

#[test]
fn update_key_rules() {
    let s = sandbox();
    let id = add(
        &s,
        json!({"title": {"value": "uk"}, "code": {"value": "K1"}, "num_key": {"value": "10"}}),
    );
    let r = admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "updateKey": {"field": "code", "value": "K1"}, "record": {"plain": {"value": "via key"}}}),
    );
    assert_eq!(r["revision"], "2");
    assert_eq!(get(&s, MAIN, id)["plain"]["value"], "via key");
    // NUMBER keys compare normalised values.
    admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "updateKey": {"field": "num_key", "value": "1e1"}, "record": {}}),
    );
    let e = call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "updateKey": {"field": "plain", "value": "x"}, "record": {}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"));
    assert!(errors_of(&e).get("updateKey.field").is_some());
    let e = call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "updateKey": {"field": "code", "value": "K1"}, "record": {}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"));
    assert!(errors_of(&e).get("id").is_some());
    let e = call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "record": {}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(msgs(&e, "id"), vec!["Required field."]);
    let e = call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "updateKey": {"field": "code", "value": "nope"}, "record": {}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (404, "GAIA_RE01"));
}

#[test]
fn bulk_put_transactional_and_upsert() {
    let s = sandbox();
    let a = add(
        &s,
        json!({"title": {"value": "aa"}, "code": {"value": "A"}}),
    );
    let b = add(
        &s,
        json!({"title": {"value": "bb"}, "code": {"value": "B"}}),
    );
    let r = admin_call(
        &s,
        Method::Put,
        "records",
        json!({"app": MAIN, "records": [
            {"id": a, "record": {"plain": {"value": "1"}}},
            {"updateKey": {"field": "code", "value": "B"}, "revision": 1, "record": {"plain": {"value": "2"}}},
        ]}),
    );
    assert_eq!(
        r,
        json!({"records": [{"id": a.to_string(), "revision": "2"}, {"id": b.to_string(), "revision": "2"}]})
    );
    // A failure anywhere rolls back every element.
    let e = call(
        &s,
        Method::Put,
        "records",
        json!({"app": MAIN, "records": [
            {"id": a, "record": {"plain": {"value": "changed"}}},
            {"id": b, "record": {"title": {"value": ""}}},
        ]}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        errors_of(&e),
        json!({"records[1].title.value": {"messages": ["Required."]}})
    );
    assert_eq!(get(&s, MAIN, a)["plain"]["value"], "1");
    let e = call(
        &s,
        Method::Put,
        "records",
        json!({"app": MAIN, "records": [{"id": a, "record": {}}, {"id": 77, "record": {}}]}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (404, "GAIA_RE01"));
    let e = call(
        &s,
        Method::Put,
        "records",
        json!({"app": MAIN, "records": [{"id": a, "revision": 9, "record": {}}]}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (409, "GAIA_CO02"));
    let many: Vec<Value> = (0..101).map(|_| json!({"id": a, "record": {}})).collect();
    let e = call(
        &s,
        Method::Put,
        "records",
        json!({"app": MAIN, "records": many}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        errors_of(&e),
        json!({"records": {"messages": ["A maximum of 100 records can be updated at one time."]}})
    );

    // Upsert: existing key -> UPDATE; unknown key / id -> INSERT with a fresh id.
    let r = admin_call(
        &s,
        Method::Put,
        "records",
        json!({"app": MAIN, "upsert": true, "records": [
            {"updateKey": {"field": "code", "value": "A"}, "record": {"plain": {"value": "up"}}},
            {"updateKey": {"field": "code", "value": "NEW"}, "record": {"title": {"value": "inserted"}}},
            {"id": 500, "record": {"title": {"value": "byid"}}},
        ]}),
    );
    assert_eq!(
        r,
        json!({"records": [
            {"id": a.to_string(), "revision": "3", "operation": "UPDATE"},
            {"id": "3", "revision": "1", "operation": "INSERT"},
            {"id": "4", "revision": "1", "operation": "INSERT"},
        ]})
    );
    let ins = get(&s, MAIN, 3);
    assert_eq!(ins["code"]["value"], "NEW");
    assert_eq!(ins["title"]["value"], "inserted");
    assert_eq!(
        ins["memo"]["value"], "hello",
        "an upsert insert is a POST: defaults apply"
    );
    assert!(!s.read().apps[&MAIN].records.contains_key(&500));
    // Upsert needs add permission as well as edit.
    let e = call(
        &s,
        Method::Put,
        "records",
        json!({"app": MAIN, "upsert": true, "records": [{"id": a, "record": {}}]}),
        &tok(&[(MAIN, 4)]),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (403, "GAIA_NO01"));
    call(
        &s,
        Method::Put,
        "records",
        json!({"app": MAIN, "records": [{"id": a, "record": {}}]}),
        &tok(&[(MAIN, 4)]),
    )
    .unwrap();
}

#[test]
fn subtable_row_id_rules() {
    let s = sandbox();
    let id = add(
        &s,
        json!({"title": {"value": "tbl"}, "items": {"value": [
            {"value": {"name": {"value": "r1"}, "qty": {"value": "1"}}},
            {"value": {"name": {"value": "r2"}, "qty": {"value": "2"}}},
            {"value": {"name": {"value": "r3"}}},
        ]}}),
    );
    let rows = get(&s, MAIN, id)["items"]["value"].clone();
    let ids: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, vec!["100", "101", "102"]);
    assert_eq!(
        rows[2]["value"]["qty"]["value"], "1",
        "new rows on POST get inner defaults"
    );
    assert_eq!(get(&s, MAIN, id)["sum_qty"]["value"], "4");
    // Omitted subtable: unchanged.
    admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "record": {"plain": {"value": "x"}}}),
    );
    assert_eq!(get(&s, MAIN, id)["items"]["value"], rows);
    // Known id merged (qty kept), unknown id -> new row, rows not sent -> deleted.
    admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "record": {"items": {"value": [
            {"id": "101", "value": {"name": {"value": "r2b"}}},
            {"id": "9999", "value": {"name": {"value": "new"}}},
            {"value": {"name": {"value": "new2"}}},
        ]}}}),
    );
    let rows = get(&s, MAIN, id)["items"]["value"].clone();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["id"], "101");
    assert_eq!(rows[0]["value"]["name"]["value"], "r2b");
    assert_eq!(rows[0]["value"]["qty"]["value"], "2");
    assert_eq!(rows[1]["id"], "103");
    assert_eq!(rows[1]["value"]["qty"]["value"], "", "no defaults on PUT");
    assert_eq!(rows[2]["id"], "104");
    // [] deletes every row.
    admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "record": {"items": {"value": []}}}),
    );
    assert_eq!(get(&s, MAIN, id)["items"]["value"], json!([]));
    // Subtable validation keys.
    let e = call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "record": {"items": {"value": [{"value": {"name": {"value": "ok"}}}, {"value": {"name": {"value": ""}}}]}}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        errors_of(&e),
        json!({"record.items.value[1].value.name.value": {"messages": ["Required."]}})
    );
    // The old object form with index keys is accepted.
    admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "record": {"items": {"value": {"0": {"value": {"name": {"value": "old"}}}}}}}),
    );
    assert_eq!(
        get(&s, MAIN, id)["items"]["value"][0]["value"]["name"]["value"],
        "old"
    );
}

#[test]
fn uniqueness() {
    let s = sandbox();
    let a = add(
        &s,
        json!({"title": {"value": "u1"}, "url": {"value": "https://x"}}),
    );
    add(&s, json!({"title": {"value": "u2"}}));
    add(&s, json!({"title": {"value": "u3"}}));
    let e = post(
        &s,
        json!({"title": {"value": "u4"}, "url": {"value": "https://x"}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        errors_of(&e),
        json!({"record.url.value": {"messages": ["This value already exists in another record."]}})
    );
    // A record does not collide with itself.
    admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": a, "record": {"url": {"value": "https://x"}}}),
    );
    // Duplicates inside one batch.
    let e = call(
        &s,
        Method::Post,
        "records",
        json!({"app": MAIN, "records": [{"title": {"value": "b1"}, "url": {"value": "u"}}, {"title": {"value": "b2"}, "url": {"value": "u"}}]}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        errors_of(&e),
        json!({"records[1].url.value": {"messages": ["This value already exists in another record."]}})
    );
    // Swapping values between two records in one batch is fine.
    let b = add(
        &s,
        json!({"title": {"value": "u5"}, "url": {"value": "https://y"}}),
    );
    admin_call(
        &s,
        Method::Put,
        "records",
        json!({"app": MAIN, "records": [{"id": a, "record": {"url": {"value": "https://y"}}}, {"id": b, "record": {"url": {"value": "https://x"}}}]}),
    );
    assert_eq!(get(&s, MAIN, b)["url"]["value"], "https://x");
}

#[test]
fn lookups_copy_and_fail_with_lo04() {
    let s = sandbox();
    let id = add(
        &s,
        json!({"title": {"value": "lk"}, "cust": {"value": "C2"}, "cust_name": {"value": "ignored"}}),
    );
    let rec = get(&s, MAIN, id);
    assert_eq!(rec["cust"]["value"], "C2");
    assert_eq!(rec["cust_name"]["value"], "Beta");
    assert_eq!(rec["cust_no"]["value"], "CUST-2");
    let e = call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "record": {"cust": {"value": "C9"}}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "GAIA_LO04"));
    assert!(e.errors.is_none());
    assert_eq!(get(&s, MAIN, id)["cust_name"]["value"], "Beta");
    // Clearing the key clears the copies.
    admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "record": {"cust": {"value": ""}}}),
    );
    assert_eq!(get(&s, MAIN, id)["cust_name"]["value"], "");
    // Inside a subtable the copy goes to the same row.
    admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "record": {"items": {"value": [{"value": {"name": {"value": "n"}, "icust": {"value": "C1"}}}]}}}),
    );
    assert_eq!(
        get(&s, MAIN, id)["items"]["value"][0]["value"]["icust_name"]["value"],
        "Acme"
    );
    // API tokens: the source app's token (view) is needed too.
    let e = post(
        &s,
        json!({"title": {"value": "tk"}, "cust": {"value": "C1"}}),
        &tok(&[(MAIN, 0)]),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "GAIA_LO04"));
    let r = post(
        &s,
        json!({"title": {"value": "tk"}, "cust": {"value": "C1"}}),
        &tok(&[(MAIN, 0), (CUST, 0)]),
    )
    .unwrap();
    let rec = get(&s, MAIN, r["id"].as_str().unwrap().parse().unwrap());
    assert_eq!(rec["cust_name"]["value"], "Acme");
    assert_eq!(
        rec["Created_by"]["value"],
        json!({"code": "Administrator", "name": "Administrator"})
    );
    // A user who cannot view the source app gets LO04 as well.
    s.write().apps.get_mut(&CUST).unwrap().acl_users = vec!["admin".into()];
    let e = post(
        &s,
        json!({"title": {"value": "us"}, "cust": {"value": "C1"}}),
        &pw("sato"),
    )
    .unwrap_err();
    assert_eq!(e.code, "GAIA_LO04");
}

#[test]
fn read_only_and_system_fields() {
    let s = sandbox();
    let id = add(
        &s,
        json!({
            "title": {"value": "ro"},
            "total": {"value": "999"},
            "Status": {"value": "Done"},
            "Record_number": {"value": "77"},
            "auto": {"value": "typed"},
            "Created_by": {"value": {"code": "sato"}},
            "Created_datetime": {"value": "2020-01-02T03:04:05Z"},
            "Updated_by": {"value": {"code": "sato"}},
            "Updated_datetime": {"value": "2020-01-03T00:00:00+09:00"},
        }),
    );
    let rec = get(&s, MAIN, id);
    assert_eq!(rec["total"]["value"], "0");
    assert_eq!(rec["Status"]["value"], "Not started");
    assert_eq!(rec["Record_number"]["value"], id.to_string());
    assert_eq!(rec["auto"]["value"], "");
    // The admin may set creator/time fields on POST.
    assert_eq!(
        rec["Created_by"]["value"],
        json!({"code": "sato", "name": "Sato"})
    );
    assert_eq!(rec["Created_datetime"]["value"], "2020-01-02T03:04:00Z");
    assert_eq!(rec["Updated_datetime"]["value"], "2020-01-02T15:00:00Z");
    // ... a normal user may not: the server sets them.
    let r = post(
        &s,
        json!({"title": {"value": "ro2"}, "Created_by": {"value": {"code": "admin"}}}),
        &pw("sato"),
    )
    .unwrap();
    let rec = get(&s, MAIN, r["id"].as_str().unwrap().parse().unwrap());
    assert_eq!(rec["Created_by"]["value"]["code"], "sato");
    // ... and nobody may on PUT.
    admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": id, "record": {"Created_by": {"value": {"code": "admin"}}}}),
    );
    assert_eq!(get(&s, MAIN, id)["Created_by"]["value"]["code"], "sato");
}

#[test]
fn access_errors() {
    let s = sandbox();
    let e = post(&s, json!({"title": {"value": "ab"}}), &tok(&[(MAIN, 1)])).unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (403, "GAIA_NO01"));
    let e = post(&s, json!({"title": {"value": "ab"}}), &tok(&[(CUST, 0)])).unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (403, "GAIA_NO01"));
    let e = post(&s, json!({"title": {"value": "ab"}}), &pw("suzuki")).unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (403, "CB_NO02"));
    let e = call(
        &s,
        Method::Post,
        "record",
        json!({"app": 42, "record": {}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (404, "GAIA_AP01"));
    let e = call(
        &s,
        Method::Post,
        "record",
        json!({"record": {}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(msgs(&e, "app"), vec!["Required field."]);
    // Guest-space app: normal path -> GAIA_IL23, right guest path -> OK.
    let e = call(
        &s,
        Method::Post,
        "record",
        json!({"app": GUEST_APP, "record": {}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "GAIA_IL23"));
    let (r, _) = call_h(
        &s,
        Method::Post,
        "record",
        Some(GUEST_SPACE),
        json!({"app": GUEST_APP, "record": {"title": {"value": "g"}}}),
        &pw("admin"),
    )
    .unwrap();
    assert_eq!(r, json!({"id": "1", "revision": "1"}));
    let e = call_h(
        &s,
        Method::Post,
        "record",
        Some(6),
        json!({"app": GUEST_APP, "record": {}}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (403, "CB_NO02"));
    // OAuth needs the write scope.
    let mut o = oauth("sato");
    o.scopes = vec!["k:app_record:read".into()];
    let e = post(&s, json!({"title": {"value": "ab"}}), &o).unwrap_err();
    assert_eq!(e.status, 403);
    post(&s, json!({"title": {"value": "ab"}}), &oauth("sato")).unwrap();
}

#[test]
fn delete_records_rules() {
    let s = sandbox();
    for t in ["d1", "d2", "d3"] {
        add(&s, json!({"title": {"value": t}}));
    }
    let e = call(
        &s,
        Method::Delete,
        "records",
        json!({"app": MAIN}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"));
    assert_eq!(
        errors_of(&e),
        json!({"ids": {"messages": ["Required field.", "Between 1 and 100 records can be deleted at one time."]}})
    );
    let e = call(
        &s,
        Method::Delete,
        "records",
        json!({"app": MAIN, "ids": []}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(e.code, "CB_VA01");
    let ids: Vec<u64> = (1..=101).collect();
    let e = call(
        &s,
        Method::Delete,
        "records",
        json!({"app": MAIN, "ids": ids}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(
        msgs(&e, "ids"),
        vec!["Between 1 and 100 records can be deleted at one time."]
    );
    // Unknown id or stale revision: nothing is deleted.
    let e = call(
        &s,
        Method::Delete,
        "records",
        json!({"app": MAIN, "ids": [1, 9]}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (404, "GAIA_RE01"));
    let e = call(
        &s,
        Method::Delete,
        "records",
        json!({"app": MAIN, "ids": ["1", "2"], "revisions": ["1", "5"]}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (409, "GAIA_CO02"));
    assert_eq!(s.read().apps[&MAIN].records.len(), 3);
    let e = call(
        &s,
        Method::Delete,
        "records",
        json!({"app": MAIN, "ids": [1]}),
        &tok(&[(MAIN, 0)]),
    )
    .map(|_| ());
    assert!(e.is_ok());
    let e = call(
        &s,
        Method::Delete,
        "records",
        json!({"app": MAIN, "ids": [2]}),
        &tok(&[(MAIN, 1)]),
    )
    .unwrap_err();
    assert_eq!(e.code, "GAIA_NO01");
    let r = admin_call(
        &s,
        Method::Delete,
        "records",
        json!({"app": MAIN, "ids": ["2", "3"], "revisions": [1, -1]}),
    );
    assert_eq!(r, json!({}));
    assert!(s.read().apps[&MAIN].records.is_empty());
    let e = call(
        &s,
        Method::Get,
        "record",
        json!({"app": MAIN, "id": 2}),
        &pw("admin"),
    )
    .unwrap_err();
    assert_eq!(e.code, "GAIA_RE01");
}
