//! App-level APIs called directly as handlers: apps, form, views, process management,
//! comments, files.
#![allow(clippy::result_large_err)]
use kintone_sandbox::api::{route, ApiRequest, ApiResponse, AuthKind, Caller, Method, Upload};
use kintone_sandbox::demo::{self, demo_domain};
use kintone_sandbox::error::KError;
use kintone_sandbox::server::state::Sandbox;
use serde_json::{json, Value};

fn sandbox() -> Sandbox {
    Sandbox::new(demo_domain(50))
}

fn pw(user: &str) -> Caller {
    Caller {
        kind: AuthKind::Password,
        user: user.into(),
        tokens: vec![],
        scopes: vec![],
    }
}

fn token(s: &Sandbox, tokens: &[&str]) -> Caller {
    let d = s.read();
    let mut list = vec![];
    for t in tokens {
        for app in d.apps.values() {
            if let Some(i) = app.api_tokens.iter().position(|x| x.token == *t) {
                list.push((app.id, i));
            }
        }
    }
    Caller {
        kind: AuthKind::ApiToken,
        user: "Administrator".into(),
        tokens: list,
        scopes: vec![],
    }
}

fn oauth(user: &str, scopes: &[&str]) -> Caller {
    Caller {
        kind: AuthKind::OAuth,
        user: user.into(),
        tokens: vec![],
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
    }
}

fn request(
    method: Method,
    api: &str,
    params: Value,
    caller: Caller,
    guest: Option<u64>,
) -> ApiRequest {
    ApiRequest {
        method,
        api: api.into(),
        guest,
        params,
        caller,
        upload: None,
        lang: None,
        now: chrono::DateTime::parse_from_rfc3339("2026-02-01T10:20:30Z")
            .unwrap()
            .with_timezone(&chrono::Utc),
    }
}

fn run(s: &Sandbox, r: &ApiRequest) -> Result<Value, KError> {
    let h = route(r.method, &r.api).expect("route exists");
    let resp: ApiResponse = h(s, r)?;
    Ok(resp.into_json().expect("a JSON answer").0)
}

fn ok(s: &Sandbox, m: Method, api: &str, params: Value, c: Caller) -> Value {
    run(s, &request(m, api, params, c, None)).unwrap_or_else(|e| panic!("{api}: {e:?}"))
}

fn err(s: &Sandbox, m: Method, api: &str, params: Value, c: Caller) -> KError {
    match run(s, &request(m, api, params, c, None)) {
        Ok(v) => panic!("{api}: expected an error, got {v}"),
        Err(e) => e,
    }
}

fn assert_err(e: &KError, status: u16, code: &str) {
    assert_eq!((e.status, e.code.as_str()), (status, code), "{e:?}");
}

fn err_keys(e: &KError) -> Vec<String> {
    e.errors
        .as_ref()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

use Method::*;

// ------------------------------------------------------------------------------ apps

#[test]
fn app_json_shape_and_errors() {
    let s = sandbox();
    let v = ok(&s, Get, "app", json!({"id": "2"}), pw("demo"));
    assert_eq!(
        v,
        json!({
            "appId": "2", "code": "ORD", "name": "Orders",
            "description": "Orders with line items, a lookup into Customers and process management.",
            "spaceId": "1", "threadId": "1",
            "createdAt": "2025-12-02T02:00:00Z",
            "creator": {"code": "demo", "name": "Demo Administrator"},
            "modifiedAt": "2025-12-03T02:00:00Z",
            "modifier": {"code": "demo", "name": "Demo Administrator"},
        })
    );
    let v = ok(&s, Get, "app", json!({"id": 3}), pw("demo"));
    assert_eq!(v["spaceId"], Value::Null);
    assert_err(
        &err(&s, Get, "app", json!({"id": 99}), pw("demo")),
        404,
        "GAIA_AP01",
    );
    let e = err(&s, Get, "app", json!({}), pw("demo"));
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), vec!["id"]);
    // Guest-space app: only through its guest path.
    assert_err(
        &err(&s, Get, "app", json!({"id": 5}), pw("demo")),
        400,
        "GAIA_IL23",
    );
    let v = run(
        &s,
        &request(Get, "app", json!({"id": 5}), pw("demo"), Some(2)),
    )
    .unwrap();
    assert_eq!(v["spaceId"], json!("2"));
    let e = run(
        &s,
        &request(Get, "app", json!({"id": 5}), pw("demo"), Some(9)),
    )
    .unwrap_err();
    assert_err(&e, 403, "CB_NO02");
    // ACL: bob cannot read Orders.
    assert_err(
        &err(&s, Get, "app", json!({"id": 2}), pw("bob")),
        403,
        "CB_NO02",
    );
}

#[test]
fn apps_json_filters_and_visibility() {
    let s = sandbox();
    let ids = |v: &Value| -> Vec<String> {
        v["apps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["appId"].as_str().unwrap().to_string())
            .collect()
    };
    let v = ok(&s, Get, "apps", json!({}), pw("demo"));
    assert_eq!(ids(&v), vec!["1", "2", "3", "4"]);
    assert_eq!(v["apps"][1]["code"], json!("ORD"));
    // The guest-space app is listed only through its guest path.
    let g = run(&s, &request(Get, "apps", json!({}), pw("demo"), Some(2))).unwrap();
    assert_eq!(ids(&g), vec!["5"]);
    // bob lacks Orders.
    assert_eq!(
        ids(&ok(&s, Get, "apps", json!({}), pw("bob"))),
        vec!["1", "3", "4"]
    );
    assert_eq!(
        ids(&ok(&s, Get, "apps", json!({"ids": ["3", 1]}), pw("demo"))),
        vec!["1", "3"]
    );
    assert_eq!(
        ids(&ok(&s, Get, "apps", json!({"codes": ["ORD"]}), pw("demo"))),
        vec!["2"]
    );
    assert!(ids(&ok(&s, Get, "apps", json!({"codes": ["ord"]}), pw("demo"))).is_empty());
    assert_eq!(
        ids(&ok(&s, Get, "apps", json!({"name": "ORDER"}), pw("demo"))),
        vec!["2"]
    );
    assert_eq!(
        ids(&ok(&s, Get, "apps", json!({"name": "日本語"}), pw("demo"))),
        vec!["3"]
    );
    assert_eq!(
        ids(&ok(&s, Get, "apps", json!({"spaceIds": [1]}), pw("demo"))),
        vec!["1", "2"]
    );
    assert_eq!(
        ids(&ok(
            &s,
            Get,
            "apps",
            json!({"limit": "2", "offset": "1"}),
            pw("demo")
        )),
        vec!["2", "3"]
    );
    assert_eq!(
        ids(&ok(
            &s,
            Get,
            "apps",
            json!({"ids": null, "codes": []}),
            pw("demo")
        ))
        .len(),
        4
    );
    let e = err(&s, Get, "apps", json!({"limit": 0}), pw("demo"));
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), vec!["limit"]);
    let e = err(&s, Get, "apps", json!({"limit": 101}), pw("demo"));
    assert_eq!(err_keys(&e), vec!["limit"]);
    let e = err(
        &s,
        Get,
        "apps",
        json!({}),
        token(&s, &[demo::TOKEN_CUSTOMERS_ADMIN]),
    );
    assert_err(&e, 403, "GAIA_NO01");
    assert_eq!(e.message, "API Tokens cannot be used with this API.");
    // OAuth needs k:app_settings:read.
    assert_err(
        &err(
            &s,
            Get,
            "apps",
            json!({}),
            oauth("demo", &["k:app_record:read"]),
        ),
        403,
        "CB_NO02",
    );
    assert_eq!(
        ids(&ok(
            &s,
            Get,
            "apps",
            json!({}),
            oauth("demo", &["k:app_settings:read"])
        ))
        .len(),
        4
    );
}

#[test]
fn create_app_add_fields_deploy() {
    let s = sandbox();
    let v = ok(
        &s,
        Post,
        "preview/app",
        json!({"name": "New app"}),
        pw("alice"),
    );
    assert_eq!(v, json!({"app": "6", "revision": "2"}));
    let e = err(
        &s,
        Post,
        "preview/app",
        json!({"name": "X", "space": 1}),
        pw("alice"),
    );
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), vec!["thread"]);
    let v = ok(
        &s,
        Post,
        "preview/app",
        json!({"name": "In space", "space": "1", "thread": "1"}),
        pw("alice"),
    );
    assert_eq!(v["app"], json!("7"));
    assert_eq!(
        ok(&s, Get, "app", json!({"id": 7}), pw("alice"))["spaceId"],
        json!("1")
    );
    assert_err(
        &err(&s, Post, "preview/app", json!({}), pw("alice")),
        400,
        "CB_VA01",
    );
    assert_err(
        &err(
            &s,
            Post,
            "preview/app",
            json!({"name": "x"}),
            token(&s, &[demo::TOKEN_CUSTOMERS_ADMIN]),
        ),
        403,
        "GAIA_NO01",
    );

    // Add fields in preview; live is untouched until deploy.
    let v = ok(
        &s,
        Post,
        "preview/app/form/fields",
        json!({"app": 6, "revision": "2", "properties": {
            "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title", "required": true},
            "kind": {"type": "RADIO_BUTTON", "code": "kind", "label": "Kind",
                     "options": {"a": {"label": "a", "index": "0"}, "b": {"label": "b", "index": "1"}}},
            "rel": {"type": "REFERENCE_TABLE", "label": "Rel", "referenceTable": {
                "relatedApp": {"app": 1}, "condition": {"field": "title", "relatedField": "name"},
                "displayFields": ["name"]}},
            "lines": {"type": "SUBTABLE", "code": "lines", "fields": {
                "qty": {"type": "NUMBER", "code": "qty", "label": "Qty"}}}
        }}),
        pw("alice"),
    );
    assert_eq!(v, json!({"revision": "3"}));
    let prev = ok(
        &s,
        Get,
        "preview/app/form/fields",
        json!({"app": 6}),
        pw("alice"),
    );
    assert_eq!(prev["revision"], json!("3"));
    assert_eq!(
        prev["properties"]["title"],
        json!({"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title", "noLabel": false,
               "required": true, "unique": false, "maxLength": "", "minLength": "", "defaultValue": "",
               "expression": "", "hideExpression": false})
    );
    assert_eq!(prev["properties"]["kind"]["defaultValue"], json!("a"));
    assert_eq!(
        prev["properties"]["rel"]["referenceTable"],
        json!({"relatedApp": {"app": "1"}, "condition": {"field": "title", "relatedField": "name"},
               "filterCond": "", "displayFields": ["name"], "sort": "", "size": "5"})
    );
    assert_eq!(prev["properties"]["kind"]["required"], json!(true));
    assert_eq!(
        prev["properties"]["lines"]["fields"]["qty"]["unitPosition"],
        json!("BEFORE")
    );
    let live = ok(&s, Get, "app/form/fields", json!({"app": 6}), pw("alice"));
    assert!(live["properties"].get("title").is_none());
    assert_eq!(live["revision"], json!("2"));

    // Errors: duplicate code, missing label, system field type, stale revision.
    let e = err(
        &s,
        Post,
        "preview/app/form/fields",
        json!({"app": 6, "properties": {
        "title": {"type": "NUMBER", "label": "again"}}}),
        pw("alice"),
    );
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), vec!["properties[title].code"]);
    let e = err(
        &s,
        Post,
        "preview/app/form/fields",
        json!({"app": 6, "properties": {
        "x": {"type": "NUMBER"}, "y": {"type": "STATUS", "label": "S"}, "z": {"type": "WHAT", "label": "Z"}}}),
        pw("alice"),
    );
    assert_eq!(
        err_keys(&e),
        vec![
            "properties[x].label",
            "properties[y].type",
            "properties[z].type"
        ]
    );
    let e = err(
        &s,
        Post,
        "preview/app/form/fields",
        json!({"app": 6, "revision": 2, "properties": {
        "x": {"type": "NUMBER", "label": "X"}}}),
        pw("alice"),
    );
    assert_err(&e, 409, "GAIA_CO02");
    // Only administrators change settings: bob is not one.
    assert_err(
        &err(
            &s,
            Post,
            "preview/app/form/fields",
            json!({"app": 6, "properties": {}}),
            pw("bob"),
        ),
        403,
        "CB_NO02",
    );

    // Deploy copies preview to live.
    assert_eq!(
        ok(
            &s,
            Post,
            "preview/app/deploy",
            json!({"apps": [{"app": 6, "revision": 3}]}),
            pw("alice")
        ),
        json!({})
    );
    let st = ok(
        &s,
        Get,
        "preview/app/deploy",
        json!({"apps": ["6"]}),
        pw("alice"),
    );
    assert_eq!(st, json!({"apps": [{"app": "6", "status": "SUCCESS"}]}));
    let live = ok(&s, Get, "app/form/fields", json!({"app": 6}), pw("alice"));
    assert_eq!(live["revision"], json!("3"));
    assert_eq!(live["properties"]["title"]["required"], json!(true));
    let e = err(
        &s,
        Post,
        "preview/app/deploy",
        json!({"apps": [{"app": 6, "revision": 1}]}),
        pw("alice"),
    );
    assert_err(&e, 409, "GAIA_CO02");
    assert_err(
        &err(
            &s,
            Post,
            "preview/app/deploy",
            json!({"apps": [{"app": 99}]}),
            pw("alice"),
        ),
        404,
        "GAIA_AP01",
    );
    // Revert throws preview changes away.
    ok(
        &s,
        Delete,
        "preview/app/form/fields",
        json!({"app": 6, "fields": ["kind"]}),
        pw("alice"),
    );
    ok(
        &s,
        Post,
        "preview/app/deploy",
        json!({"apps": [{"app": 6}], "revert": true}),
        pw("alice"),
    );
    let prev = ok(
        &s,
        Get,
        "preview/app/form/fields",
        json!({"app": 6}),
        pw("alice"),
    );
    assert!(prev["properties"].get("kind").is_some());
}

#[test]
fn deploy_syncs_existing_records() {
    let s = sandbox();
    ok(
        &s,
        Post,
        "preview/app/form/fields",
        json!({"app": 1, "properties": {
        "vip": {"type": "CHECK_BOX", "label": "VIP", "options": {"yes": {"label": "yes", "index": "0"}}}}}),
        pw("demo"),
    );
    ok(
        &s,
        Delete,
        "preview/app/form/fields",
        json!({"app": 1, "fields": ["notes"]}),
        pw("demo"),
    );
    ok(
        &s,
        Post,
        "preview/app/deploy",
        json!({"apps": [{"app": 1}]}),
        pw("demo"),
    );
    let d = s.read();
    let r = &d.apps[&1].records[&1];
    assert_eq!(r.values["vip"], json!([]));
    assert!(!r.values.contains_key("notes"));
    assert!(!d.apps[&1].live.layout.to_string().contains("\"notes\""));
}

#[test]
fn form_fields_update_delete() {
    let s = sandbox();
    let v = ok(
        &s,
        Get,
        "app/form/fields",
        json!({"app": "1", "lang": "en"}),
        pw("demo"),
    );
    assert_eq!(v["revision"], json!("5"));
    assert_eq!(v["properties"]["customer_code"]["unique"], json!(true));
    assert_err(
        &err(
            &s,
            Get,
            "app/form/fields",
            json!({"app": 1, "lang": "xx"}),
            pw("demo"),
        ),
        400,
        "CB_VA01",
    );
    // Readable with any token of the app (§3.2).
    ok(
        &s,
        Get,
        "app/form/fields",
        json!({"app": 1}),
        token(&s, &[demo::TOKEN_CUSTOMERS_VIEW]),
    );
    assert_err(
        &err(
            &s,
            Get,
            "app/form/fields",
            json!({"app": 2}),
            token(&s, &[demo::TOKEN_CUSTOMERS_VIEW]),
        ),
        403,
        "GAIA_NO01",
    );
    // PUT: change label and options; unknown field; type change.
    let v = ok(
        &s,
        Put,
        "preview/app/form/fields",
        json!({"app": 1, "properties": {
        "name": {"label": "Name", "maxLength": 50},
        "rank": {"options": {"A": {"label": "A", "index": "1"}, "S": {"label": "S", "index": "0"}}}}}),
        pw("demo"),
    );
    assert_eq!(v, json!({"revision": "6"}));
    let p = ok(
        &s,
        Get,
        "preview/app/form/fields",
        json!({"app": 1}),
        pw("demo"),
    );
    assert_eq!(p["properties"]["name"]["label"], json!("Name"));
    assert_eq!(p["properties"]["name"]["maxLength"], json!("50"));
    assert_eq!(p["properties"]["rank"]["options"]["S"]["index"], json!("0"));
    assert_err(
        &err(
            &s,
            Put,
            "preview/app/form/fields",
            json!({"app": 1, "properties": {"nope": {"label": "x"}}}),
            pw("demo"),
        ),
        400,
        "GAIA_FC01",
    );
    let e = err(
        &s,
        Put,
        "preview/app/form/fields",
        json!({"app": 1, "properties": {"name": {"type": "NUMBER"}}}),
        pw("demo"),
    );
    assert_eq!(err_keys(&e), vec!["properties[name].type"]);
    // DELETE: system fields stay; unknown; field another app's lookup uses.
    let e = err(
        &s,
        Delete,
        "preview/app/form/fields",
        json!({"app": 1, "fields": ["Record_number"]}),
        pw("demo"),
    );
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), vec!["fields[0]"]);
    assert_err(
        &err(
            &s,
            Delete,
            "preview/app/form/fields",
            json!({"app": 1, "fields": ["nope"]}),
            pw("demo"),
        ),
        400,
        "GAIA_FC01",
    );
    assert_err(
        &err(
            &s,
            Delete,
            "preview/app/form/fields",
            json!({"app": 1, "fields": ["customer_code"]}),
            pw("demo"),
        ),
        400,
        "GAIA_LO02",
    );
    assert_eq!(
        ok(
            &s,
            Delete,
            "preview/app/form/fields",
            json!({"app": 2, "fields": ["quantity", "remarks"]}),
            pw("demo")
        ),
        json!({"revision": "6"})
    );
    let p = ok(
        &s,
        Get,
        "preview/app/form/fields",
        json!({"app": 2}),
        pw("demo"),
    );
    assert!(p["properties"]["items"]["fields"].get("quantity").is_none());
    assert!(p["properties"].get("remarks").is_none());
    // A view-only token cannot change settings; the app-admin token can.
    assert_err(
        &err(
            &s,
            Put,
            "preview/app/form/fields",
            json!({"app": 1, "properties": {"name": {"label": "n"}}}),
            token(&s, &[demo::TOKEN_CUSTOMERS_VIEW]),
        ),
        403,
        "GAIA_NO01",
    );
    ok(
        &s,
        Put,
        "preview/app/form/fields",
        json!({"app": 1, "properties": {"name": {"label": "n"}}}),
        token(&s, &[demo::TOKEN_CUSTOMERS_ADMIN]),
    );
}

#[test]
fn layout_get_put() {
    let s = sandbox();
    let v = ok(&s, Get, "app/form/layout", json!({"app": 2}), pw("demo"));
    assert_eq!(v["revision"], json!("5"));
    let rows = v["layout"].as_array().unwrap();
    assert_eq!(
        rows[0],
        json!({"type": "ROW", "fields": [{"type": "RECORD_NUMBER", "code": "Record_number", "size": {"width": "193"}}]})
    );
    let new = json!([{"type": "ROW", "fields": [{"type": "SINGLE_LINE_TEXT", "code": "customer", "size": {"width": "200"}},
                                                {"type": "LABEL", "label": "<b>hi</b>", "size": {"width": "90"}}]}]);
    assert_eq!(
        ok(
            &s,
            Put,
            "preview/app/form/layout",
            json!({"app": 2, "layout": new}),
            pw("demo")
        ),
        json!({"revision": "6"})
    );
    assert_eq!(
        ok(
            &s,
            Get,
            "preview/app/form/layout",
            json!({"app": 2}),
            pw("demo")
        )["layout"],
        new
    );
    assert_eq!(
        ok(&s, Get, "app/form/layout", json!({"app": 2}), pw("demo"))["layout"]
            .as_array()
            .unwrap()
            .len(),
        rows.len()
    );
    let bad = json!([{"type": "ROW", "fields": [{"type": "NUMBER", "code": "ghost"}]}]);
    assert_err(
        &err(
            &s,
            Put,
            "preview/app/form/layout",
            json!({"app": 2, "layout": bad}),
            pw("demo"),
        ),
        400,
        "GAIA_FC01",
    );
    let e = err(
        &s,
        Put,
        "preview/app/form/layout",
        json!({"app": 2, "layout": [{"type": "COLUMN"}]}),
        pw("demo"),
    );
    assert_eq!(err_keys(&e), vec!["layout[0].type"]);
}

#[test]
fn views_get_put_and_custom_views_refuse_tokens() {
    let s = sandbox();
    let v = ok(
        &s,
        Get,
        "app/views",
        json!({"app": 1}),
        token(&s, &[demo::TOKEN_CUSTOMERS_VIEW]),
    );
    assert_eq!(v["revision"], json!("5"));
    assert_eq!(
        v["views"]["All customers"],
        json!({"type": "LIST", "name": "All customers", "id": "1001", "index": "0", "filterCond": "",
               "sort": "Record_number desc",
               "fields": ["Record_number", "customer_code", "name", "country", "rank", "credit_limit"]})
    );
    // The Japanese app has a CUSTOM view: tokens refused, passwords fine.
    assert_err(
        &err(
            &s,
            Get,
            "app/views",
            json!({"app": 3}),
            token(&s, &[demo::TOKEN_JAPANESE_FULL]),
        ),
        403,
        "GAIA_NO01",
    );
    let v = ok(&s, Get, "app/views", json!({"app": 3}), pw("demo"));
    assert_eq!(v["views"]["カスタム一覧"]["type"], json!("CUSTOM"));
    let v = ok(
        &s,
        Put,
        "preview/app/views",
        json!({"app": 1, "views": {
        "All customers": {"type": "LIST", "name": "All customers", "index": 1, "fields": ["name"]},
        "Japan": {"type": "LIST", "name": "Japan", "index": "0", "filterCond": "country in (\"Japan\")", "fields": ["name"]}}}),
        pw("demo"),
    );
    assert_eq!(
        v,
        json!({"revision": "6", "views": {"All customers": {"id": "1001"}, "Japan": {"id": "1002"}}})
    );
    let p = ok(&s, Get, "preview/app/views", json!({"app": 1}), pw("demo"));
    assert_eq!(
        p["views"]["Japan"]["filterCond"],
        json!("country in (\"Japan\")")
    );
    assert_eq!(p["views"]["All customers"]["index"], json!("1"));
    let e = err(
        &s,
        Put,
        "preview/app/views",
        json!({"app": 1, "views": {"v": {"type": "PIE", "name": "w", "index": "0"}}}),
        pw("demo"),
    );
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), vec!["views[v].type", "views[v].name"]);
}

#[test]
fn process_settings_get_put() {
    let s = sandbox();
    let v = ok(&s, Get, "app/status", json!({"app": 2}), pw("demo"));
    assert_eq!(v["enable"], json!(true));
    assert_eq!(v["revision"], json!("5"));
    assert_eq!(
        v["states"]["Not started"],
        json!({"name": "Not started", "index": "0", "assignee": {"type": "ONE",
        "entities": [{"entity": {"type": "CREATOR", "code": null}, "includeSubs": false}]}})
    );
    assert_eq!(
        v["actions"][0],
        json!({"name": "Start", "from": "Not started", "to": "In progress", "filterCond": "",
        "type": "PRIMARY", "executableUser": {"entities": []}})
    );
    let v = ok(&s, Get, "app/status", json!({"app": 1}), pw("demo"));
    assert_eq!(
        v,
        json!({"enable": false, "states": null, "actions": null, "revision": "5"})
    );
    // Enable on Customers with two states and an action, deploy, records get the first state.
    let v = ok(
        &s,
        Put,
        "preview/app/status",
        json!({"app": 1, "enable": true,
        "states": {"New": {"name": "New", "index": "0", "assignee": {"type": "ONE", "entities": []}},
                   "Done": {"name": "Done", "index": 1}},
        "actions": [{"name": "Finish", "from": "New", "to": "Done"}]}),
        pw("demo"),
    );
    assert_eq!(v, json!({"revision": "6"}));
    let e = err(
        &s,
        Put,
        "preview/app/status",
        json!({"app": 1, "actions": [{"name": "X", "from": "New", "to": "Nowhere"}]}),
        pw("demo"),
    );
    assert_eq!(err_keys(&e), vec!["actions[0].to"]);
    ok(
        &s,
        Post,
        "preview/app/deploy",
        json!({"apps": [{"app": 1}]}),
        pw("demo"),
    );
    {
        let d = s.read();
        assert_eq!(d.apps[&1].records[&3].values["Status"], json!("New"));
        assert_eq!(d.apps[&1].live.fields["Status"]["enabled"], json!(true));
    }
    let v = ok(
        &s,
        Put,
        "record/status",
        json!({"app": 1, "id": 3, "action": "Finish"}),
        pw("demo"),
    );
    assert_eq!(v, json!({"revision": "3"}));
}

// --------------------------------------------------------------------------- process

#[test]
fn record_status_actions() {
    let s = sandbox();
    // Record 4 is "Not started", revision 1; "Start" leads to a state with two candidates.
    let e = err(
        &s,
        Put,
        "record/status",
        json!({"app": 2, "id": 4, "action": "Start"}),
        pw("demo"),
    );
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), vec!["assignee"]);
    let e = err(
        &s,
        Put,
        "record/status",
        json!({"app": 2, "id": 4, "action": "Start", "assignee": "bob"}),
        pw("demo"),
    );
    assert_eq!(err_keys(&e), vec!["assignee"]);
    assert_err(
        &err(
            &s,
            Put,
            "record/status",
            json!({"app": 2, "id": 4, "action": "Approve"}),
            pw("demo"),
        ),
        400,
        "GAIA_IL03",
    );
    assert_err(
        &err(
            &s,
            Put,
            "record/status",
            json!({"app": 2, "id": 4, "action": "Start", "assignee": "sato", "revision": 7}),
            pw("demo"),
        ),
        409,
        "GAIA_CO02",
    );
    assert_err(
        &err(
            &s,
            Put,
            "record/status",
            json!({"app": 2, "id": 999, "action": "Start"}),
            pw("demo"),
        ),
        404,
        "GAIA_RE01",
    );
    assert_err(
        &err(
            &s,
            Put,
            "record/status",
            json!({"app": 1, "id": 1, "action": "Start"}),
            pw("demo"),
        ),
        400,
        "GAIA_ST02",
    );
    let v = ok(
        &s,
        Put,
        "record/status",
        json!({"app": "2", "id": "4", "action": "Start", "assignee": "sato", "revision": "1"}),
        pw("demo"),
    );
    assert_eq!(v, json!({"revision": "3"}));
    {
        let d = s.read();
        let r = &d.apps[&2].records[&4];
        assert_eq!(r.values["Status"], json!("In progress"));
        assert_eq!(
            r.values["Assignee"],
            json!([{"code": "sato", "name": "佐藤 花子"}])
        );
        assert_eq!(
            r.values["Updated_by"],
            json!({"code": "demo", "name": "Demo Administrator"})
        );
        assert_eq!(r.values["Updated_datetime"], json!("2026-02-01T10:20:00Z"));
    }
    // ANY with a group: every member becomes an assignee.
    let v = ok(
        &s,
        Put,
        "record/status",
        json!({"app": 2, "id": 4, "action": "Submit"}),
        pw("sato"),
    );
    assert_eq!(v, json!({"revision": "5"}));
    assert_eq!(
        s.read().apps[&2].records[&4].values["Assignee"],
        json!([{"code": "demo", "name": "Demo Administrator"}])
    );
    // Tokens need edit permission.
    assert_err(
        &err(
            &s,
            Put,
            "record/status",
            json!({"app": 2, "id": 4, "action": "Approve"}),
            token(&s, &[demo::TOKEN_ORDERS_VIEW]),
        ),
        403,
        "GAIA_NO01",
    );
    let v = ok(
        &s,
        Put,
        "record/status",
        json!({"app": 2, "id": 4, "action": "Approve"}),
        token(&s, &[demo::TOKEN_ORDERS_FULL]),
    );
    assert_eq!(v, json!({"revision": "7"}));
    assert_eq!(s.read().apps[&2].records[&4].values["Assignee"], json!([]));
    assert_eq!(
        s.read().apps[&2].records[&4].values["Updated_by"],
        json!({"code": "Administrator", "name": "Administrator"})
    );
    // bob has no access to Orders.
    assert_err(
        &err(
            &s,
            Put,
            "record/status",
            json!({"app": 2, "id": 8, "action": "Cancel"}),
            pw("bob"),
        ),
        403,
        "CB_NO02",
    );
}

#[test]
fn records_status_is_atomic() {
    let s = sandbox();
    // 8 and 12 are "Not started"; 12 gets an invalid action.
    let e = err(
        &s,
        Put,
        "records/status",
        json!({"app": 2, "records": [
        {"id": 8, "action": "Cancel"}, {"id": 12, "action": "Approve"}]}),
        pw("demo"),
    );
    assert_err(&e, 400, "GAIA_IL03");
    assert_eq!(
        s.read().apps[&2].records[&8].values["Status"],
        json!("Not started")
    );
    let v = ok(
        &s,
        Put,
        "records/status",
        json!({"app": 2, "records": [
        {"id": 8, "action": "Cancel"}, {"id": "12", "action": "Start", "assignee": "alice", "revision": 1}]}),
        pw("demo"),
    );
    assert_eq!(
        v,
        json!({"records": [{"id": "8", "revision": "3"}, {"id": "12", "revision": "3"}]})
    );
    assert_eq!(
        s.read().apps[&2].records[&8].values["Status"],
        json!("Completed")
    );
    let many: Vec<Value> = (0..101).map(|_| json!({"id": 8, "action": "x"})).collect();
    let e = err(
        &s,
        Put,
        "records/status",
        json!({"app": 2, "records": many}),
        pw("demo"),
    );
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), vec!["records"]);
}

#[test]
fn record_assignees() {
    let s = sandbox();
    // Record 1 is "In progress" (ONE assignee), revision 3.
    let e = err(
        &s,
        Put,
        "record/assignees",
        json!({"app": 2, "id": 1, "assignees": ["sato", "alice"]}),
        pw("demo"),
    );
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), vec!["assignees"]);
    let e = err(
        &s,
        Put,
        "record/assignees",
        json!({"app": 2, "id": 1, "assignees": ["nobody"]}),
        pw("demo"),
    );
    assert_eq!(err_keys(&e), vec!["assignees[0]"]);
    assert_err(
        &err(
            &s,
            Put,
            "record/assignees",
            json!({"app": 2, "id": 1, "assignees": ["alice"], "revision": 1}),
            pw("demo"),
        ),
        409,
        "GAIA_CO02",
    );
    let v = ok(
        &s,
        Put,
        "record/assignees",
        json!({"app": 2, "id": 1, "assignees": ["alice"], "revision": 3}),
        pw("demo"),
    );
    assert_eq!(v, json!({"revision": "4"}));
    assert_eq!(
        s.read().apps[&2].records[&1].values["Assignee"],
        json!([{"code": "alice", "name": "Alice Johnson"}])
    );
    assert_eq!(
        ok(
            &s,
            Put,
            "record/assignees",
            json!({"app": 2, "id": 1, "assignees": []}),
            pw("demo")
        ),
        json!({"revision": "5"})
    );
    assert_err(
        &err(
            &s,
            Put,
            "record/assignees",
            json!({"app": 1, "id": 1, "assignees": []}),
            pw("demo"),
        ),
        400,
        "GAIA_ST02",
    );
}

// -------------------------------------------------------------------------- comments

#[test]
fn comments_list_pages() {
    let s = sandbox();
    let v = ok(
        &s,
        Get,
        "record/comments",
        json!({"app": 2, "record": 1}),
        pw("demo"),
    );
    assert_eq!(v["older"], json!(false));
    assert_eq!(v["newer"], json!(false));
    let ids: Vec<&str> = v["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["3", "2", "1"]);
    assert_eq!(
        v["comments"][1],
        json!({"id": "2", "text": "Customer asked for gift wrapping.\nPlease check.",
               "createdAt": "2026-01-03T00:30:00Z", "creator": {"code": "sato", "name": "佐藤 花子"},
               "mentions": [{"code": "demo", "type": "USER"}]})
    );
    let v = ok(
        &s,
        Get,
        "record/comments",
        json!({"app": 2, "record": 1, "limit": "2"}),
        pw("demo"),
    );
    assert_eq!(
        (
            v["comments"].as_array().unwrap().len(),
            &v["older"],
            &v["newer"]
        ),
        (2, &json!(true), &json!(false))
    );
    let v = ok(
        &s,
        Get,
        "record/comments",
        json!({"app": 2, "record": 1, "order": "asc", "offset": 1, "limit": 1}),
        pw("demo"),
    );
    assert_eq!(v["comments"][0]["id"], json!("2"));
    assert_eq!((&v["older"], &v["newer"]), (&json!(true), &json!(true)));
    let v = ok(
        &s,
        Get,
        "record/comments",
        json!({"app": 2, "record": 1, "limit": 0}),
        pw("demo"),
    );
    assert_eq!(v["comments"], json!([]));
    let v = ok(
        &s,
        Get,
        "record/comments",
        json!({"app": 2, "record": 2}),
        pw("demo"),
    );
    assert_eq!(v, json!({"comments": [], "older": false, "newer": false}));
    let e = err(
        &s,
        Get,
        "record/comments",
        json!({"app": 2, "record": 1, "limit": 11}),
        pw("demo"),
    );
    assert_eq!(
        (e.code.as_str(), err_keys(&e)),
        ("CB_VA01", vec!["limit".to_string()])
    );
    let e = err(
        &s,
        Get,
        "record/comments",
        json!({"app": 2, "record": 1, "order": "up"}),
        pw("demo"),
    );
    assert_eq!(err_keys(&e), vec!["order"]);
    assert_err(
        &err(
            &s,
            Get,
            "record/comments",
            json!({"app": 2, "record": 999}),
            pw("demo"),
        ),
        404,
        "GAIA_RE01",
    );
    assert_err(
        &err(
            &s,
            Get,
            "record/comments",
            json!({"app": 4, "record": 1}),
            pw("demo"),
        ),
        400,
        "GAIA_CM01",
    );
    assert_err(
        &err(
            &s,
            Get,
            "record/comments",
            json!({"app": 2, "record": 1}),
            pw("bob"),
        ),
        403,
        "CB_NO02",
    );
}

#[test]
fn comments_add_delete() {
    let s = sandbox();
    let v = ok(
        &s,
        Post,
        "record/comment",
        json!({"app": 3, "record": 2, "comment": {"text": "こんにちは 🎉",
        "mentions": [{"code": "sato", "type": "USER"}, {"code": "dev", "type": "ORGANIZATION"}]}}),
        pw("alice"),
    );
    assert_eq!(v, json!({"id": "2"}));
    let list = ok(
        &s,
        Get,
        "record/comments",
        json!({"app": 3, "record": 2}),
        pw("alice"),
    );
    assert_eq!(
        list["comments"][0],
        json!({"id": "2", "text": "こんにちは 🎉", "createdAt": "2026-02-01T10:20:00Z",
        "creator": {"code": "alice", "name": "Alice Johnson"},
        "mentions": [{"code": "sato", "type": "USER"}, {"code": "dev", "type": "ORGANIZATION"}]})
    );
    let long = "x".repeat(65_536);
    let e = err(
        &s,
        Post,
        "record/comment",
        json!({"app": 3, "record": 2, "comment": {"text": long}}),
        pw("alice"),
    );
    assert_eq!(err_keys(&e), vec!["comment.text"]);
    ok(
        &s,
        Post,
        "record/comment",
        json!({"app": 3, "record": 2, "comment": {"text": "y".repeat(65_535)}}),
        pw("alice"),
    );
    let e = err(
        &s,
        Post,
        "record/comment",
        json!({"app": 3, "record": 2, "comment": {}}),
        pw("alice"),
    );
    assert_eq!(err_keys(&e), vec!["comment.text"]);
    let m: Vec<Value> = (0..11)
        .map(|_| json!({"code": "sato", "type": "USER"}))
        .collect();
    let e = err(
        &s,
        Post,
        "record/comment",
        json!({"app": 3, "record": 2, "comment": {"text": "a", "mentions": m}}),
        pw("alice"),
    );
    assert_eq!(err_keys(&e), vec!["comment.mentions"]);
    let e = err(
        &s,
        Post,
        "record/comment",
        json!({"app": 3, "record": 2, "comment": {"text": "a", "mentions": [{"code": "ghost", "type": "USER"}]}}),
        pw("alice"),
    );
    assert_eq!(err_keys(&e), vec!["comment.mentions[0].code"]);
    assert_err(
        &err(
            &s,
            Post,
            "record/comment",
            json!({"app": 4, "record": 1, "comment": {"text": "a"}}),
            pw("alice"),
        ),
        400,
        "GAIA_CM01",
    );
    // Delete: unknown comment is 400 GAIA_RE02; someone else's comment is refused.
    assert_err(
        &err(
            &s,
            Delete,
            "record/comment",
            json!({"app": 3, "record": 2, "comment": 77}),
            pw("alice"),
        ),
        400,
        "GAIA_RE02",
    );
    assert_err(
        &err(
            &s,
            Delete,
            "record/comment",
            json!({"app": 3, "record": 2, "comment": 2}),
            pw("sato"),
        ),
        403,
        "CB_NO02",
    );
    assert_eq!(
        ok(
            &s,
            Delete,
            "record/comment",
            json!({"app": 3, "record": 2, "comment": "2"}),
            pw("alice")
        ),
        json!({})
    );
    assert_err(
        &err(
            &s,
            Delete,
            "record/comment",
            json!({"app": 3, "record": 2, "comment": 2}),
            pw("alice"),
        ),
        400,
        "GAIA_RE02",
    );
}

// ----------------------------------------------------------------------------- files

fn download(
    s: &Sandbox,
    key: &str,
    c: Caller,
    guest: Option<u64>,
) -> Result<(String, String, Vec<u8>), KError> {
    let r = request(Get, "file", json!({"fileKey": key}), c, guest);
    match route(Get, "file").unwrap()(s, &r)? {
        ApiResponse::Bytes {
            content_type,
            file_name,
            data,
        } => Ok((content_type, file_name, data.to_vec())),
        other => panic!("expected bytes, got {other:?}"),
    }
}

#[test]
fn files_upload_download() {
    let s = sandbox();
    let mut r = request(Post, "file", json!({}), pw("demo"), None);
    let e = run(&s, &r).unwrap_err();
    assert_eq!(
        (e.code.as_str(), err_keys(&e)),
        ("CB_VA01", vec!["file".to_string()])
    );
    r.upload = Some(Upload {
        name: "報告.txt".into(),
        content_type: "text/plain".into(),
        data: bytes::Bytes::from_static(b"abc"),
    });
    let v = run(&s, &r).unwrap();
    let key = v["fileKey"].as_str().unwrap().to_string();
    assert_eq!(v.as_object().unwrap().len(), 1);
    assert!(s.read().files[&key].temporary);
    let (ct, name, data) = download(&s, &key, pw("demo"), None).unwrap();
    assert_eq!(
        (ct.as_str(), name.as_str(), data.as_slice()),
        ("text/plain", "報告.txt", &b"abc"[..])
    );
    // A view-only token cannot upload; a full token can.
    r.caller = token(&s, &[demo::TOKEN_ORDERS_VIEW]);
    assert_err(&run(&s, &r).unwrap_err(), 403, "GAIA_NO01");
    r.caller = token(&s, &[demo::TOKEN_ORDERS_FULL]);
    assert!(run(&s, &r).is_ok());
    r.caller = oauth("demo", &["k:file:read"]);
    assert_err(&run(&s, &r).unwrap_err(), 403, "CB_NO02");
    // Demo attachments.
    let key = {
        let d = s.read();
        d.apps[&2].records[&1].values["attachments"][0]["fileKey"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (ct, name, data) = download(&s, &key, token(&s, &[demo::TOKEN_ORDERS_VIEW]), None).unwrap();
    assert_eq!((ct.as_str(), name.as_str()), ("text/plain", "readme.txt"));
    assert_eq!(data, b"Hello from the kintone sandbox.\n");
    assert_err(
        &download(&s, &key, token(&s, &[demo::TOKEN_CUSTOMERS_VIEW]), None).unwrap_err(),
        403,
        "GAIA_NO01",
    );
    assert_err(
        &download(&s, &key, pw("bob"), None).unwrap_err(),
        403,
        "CB_NO02",
    );
    assert_err(
        &download(&s, "nope", pw("demo"), None).unwrap_err(),
        404,
        "GAIA_BL01",
    );
    let e = download(&s, "nope", pw("demo"), None).unwrap_err();
    assert_eq!(e.message, "The specified file (id: nope) not found.");
}

#[test]
fn inner_field_update_and_process_disable() {
    let s = sandbox();
    let v = ok(
        &s,
        Put,
        "preview/app/form/fields",
        json!({"app": 2, "properties": {"quantity": {"label": "Qty", "maxValue": 99}}}),
        pw("demo"),
    );
    assert_eq!(v, json!({"revision": "6"}));
    let p = ok(
        &s,
        Get,
        "preview/app/form/fields",
        json!({"app": 2}),
        pw("demo"),
    );
    assert_eq!(
        p["properties"]["items"]["fields"]["quantity"]["label"],
        json!("Qty")
    );
    assert_eq!(
        p["properties"]["items"]["fields"]["quantity"]["maxValue"],
        json!("99")
    );
    // Turning process management off hides STATUS values after the deploy.
    ok(
        &s,
        Put,
        "preview/app/status",
        json!({"app": 2, "enable": false}),
        pw("demo"),
    );
    let p = ok(
        &s,
        Get,
        "preview/app/form/fields",
        json!({"app": 2}),
        pw("demo"),
    );
    assert_eq!(p["properties"]["Status"]["enabled"], json!(false));
    assert_eq!(p["properties"]["Assignee"]["enabled"], json!(false));
    ok(
        &s,
        Post,
        "preview/app/deploy",
        json!({"apps": [{"app": 2}]}),
        pw("demo"),
    );
    {
        let d = s.read();
        let r = &d.apps[&2].records[&1];
        assert!(!r.values.contains_key("Status") && !r.values.contains_key("Assignee"));
        assert_eq!(
            r.values["items"][0]["value"]["quantity"]["type"],
            json!("NUMBER")
        );
    }
    assert_err(
        &err(
            &s,
            Put,
            "record/status",
            json!({"app": 2, "id": 4, "action": "Start"}),
            pw("demo"),
        ),
        400,
        "GAIA_ST02",
    );
    // The deploy status of an app never deployed through the API is SUCCESS too.
    let st = ok(
        &s,
        Get,
        "preview/app/deploy",
        json!({"apps": [1, "2"]}),
        pw("demo"),
    );
    assert_eq!(
        st,
        json!({"apps": [{"app": "1", "status": "SUCCESS"}, {"app": "2", "status": "SUCCESS"}]})
    );
    let e = err(&s, Get, "preview/app/deploy", json!({}), pw("demo"));
    assert_eq!(err_keys(&e), vec!["apps"]);
}
