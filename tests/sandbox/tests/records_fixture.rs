//! Shared fixture of the records_* tests (included with `#[path]`): a small domain with
//! an app holding every field type, a lookup source app, a guest-space app, and tokens
//! with different permissions. Handlers are called directly through `api::route`.
#![allow(clippy::result_large_err)]
#![allow(dead_code)]

use chrono::Utc;
use indexmap::IndexMap;
use kintone_sandbox::api::{route, ApiRequest, ApiResponse, AuthKind, Caller, Method};
use kintone_sandbox::error::KError;
use kintone_sandbox::model::*;
use kintone_sandbox::server::state::Sandbox;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const MAIN: u64 = 1;
pub const CUST: u64 = 2;
pub const GUEST_APP: u64 = 3;
pub const GUEST_SPACE: u64 = 5;

fn user(id: u64, code: &str, name: &str, tz: &str, admin: bool) -> User {
    User {
        id,
        code: code.into(),
        name: name.into(),
        password: "pw".into(),
        email: format!("{code}@example.com"),
        timezone: tz.into(),
        locale: "en".into(),
        primary_organization: Some("dev".into()),
        organizations: vec!["dev".into()],
        groups: vec![],
        admin,
        valid: true,
    }
}

fn token(tok: &str, view: bool, add: bool, edit: bool, delete: bool, manage: bool) -> ApiToken {
    ApiToken {
        token: tok.into(),
        view,
        add,
        edit,
        delete,
        manage,
        deployed: true,
    }
}

fn opts(names: &[&str]) -> Value {
    let mut m = serde_json::Map::new();
    for (i, n) in names.iter().enumerate() {
        m.insert(n.to_string(), json!({"label": n, "index": i.to_string()}));
    }
    Value::Object(m)
}

fn fields(list: Vec<(&str, Value)>) -> IndexMap<String, Value> {
    list.into_iter()
        .map(|(code, mut p)| {
            p["code"] = json!(code);
            p["label"] = json!(code);
            (code.to_string(), p)
        })
        .collect()
}

fn system_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("Record_number", json!({"type": "RECORD_NUMBER"})),
        ("Created_by", json!({"type": "CREATOR"})),
        ("Created_datetime", json!({"type": "CREATED_TIME"})),
        ("Updated_by", json!({"type": "MODIFIER"})),
        ("Updated_datetime", json!({"type": "UPDATED_TIME"})),
    ]
}

fn app(id: u64, code: &str, name: &str, f: IndexMap<String, Value>) -> App {
    let now = Utc::now();
    App {
        id,
        code: code.into(),
        name: name.into(),
        description: String::new(),
        space_id: None,
        thread_id: None,
        created_at: now,
        creator: "admin".into(),
        modified_at: now,
        modifier: "admin".into(),
        live: AppSettings {
            fields: f.clone(),
            layout: json!([]),
            views: IndexMap::new(),
            status: json!({"enable": false}),
            revision: 1,
        },
        preview: AppSettings {
            fields: f,
            ..Default::default()
        },
        deploy_status: None,
        records: BTreeMap::new(),
        next_record_id: 1,
        next_comment_id: 1,
        api_tokens: vec![],
        acl_users: vec![],
        comments_enabled: true,
    }
}

pub fn main_fields() -> IndexMap<String, Value> {
    let mut list = system_fields();
    list.extend(vec![
        ("title", json!({"type": "SINGLE_LINE_TEXT", "required": true, "maxLength": "10", "minLength": "2"})),
        ("memo", json!({"type": "MULTI_LINE_TEXT", "defaultValue": "hello"})),
        ("rich", json!({"type": "RICH_TEXT"})),
        ("amount", json!({"type": "NUMBER", "defaultValue": "5", "maxValue": "100", "minValue": "-100"})),
        ("price", json!({"type": "NUMBER"})),
        ("total", json!({"type": "CALC", "expression": "amount * price", "format": "NUMBER"})),
        ("tags", json!({"type": "CHECK_BOX", "options": opts(&["A", "B", "C"]), "defaultValue": ["A"]})),
        ("kind", json!({"type": "RADIO_BUTTON", "options": opts(&["X", "Y"]), "defaultValue": "X", "required": true})),
        ("rank", json!({"type": "DROP_DOWN", "options": opts(&["hi", "lo"])})),
        ("multi", json!({"type": "MULTI_SELECT", "options": opts(&["m1", "m2"]), "required": false})),
        ("files", json!({"type": "FILE"})),
        ("url", json!({"type": "LINK", "unique": true})),
        ("due", json!({"type": "DATE", "defaultValue": "2026-01-01"})),
        ("today", json!({"type": "DATE", "defaultNowValue": true})),
        ("at", json!({"type": "DATETIME"})),
        ("at_now", json!({"type": "DATETIME", "defaultNowValue": true})),
        ("t", json!({"type": "TIME"})),
        ("t_now", json!({"type": "TIME", "defaultNowValue": true})),
        ("owner", json!({"type": "USER_SELECT", "defaultValue": [{"code": "LOGINUSER()", "type": "FUNCTION"}]})),
        ("org", json!({"type": "ORGANIZATION_SELECT"})),
        ("grp", json!({"type": "GROUP_SELECT"})),
        ("code", json!({"type": "SINGLE_LINE_TEXT", "unique": true})),
        ("num_key", json!({"type": "NUMBER", "unique": true})),
        ("plain", json!({"type": "SINGLE_LINE_TEXT"})),
        ("auto", json!({"type": "SINGLE_LINE_TEXT", "expression": "title & \"!\""})),
        ("items", json!({"type": "SUBTABLE", "fields": {
            "name": {"type": "SINGLE_LINE_TEXT", "code": "name", "label": "name", "required": true},
            "qty": {"type": "NUMBER", "code": "qty", "label": "qty", "defaultValue": "1"},
            "line": {"type": "CALC", "code": "line", "label": "line", "expression": "qty * price", "format": "NUMBER"},
            "icust": {"type": "SINGLE_LINE_TEXT", "code": "icust", "label": "icust",
                      "lookup": {"relatedApp": {"app": "2", "code": "CUST"}, "relatedKeyField": "ccode",
                                 "fieldMappings": [{"field": "icust_name", "relatedField": "cname"}]}},
            "icust_name": {"type": "SINGLE_LINE_TEXT", "code": "icust_name", "label": "icust_name"},
        }})),
        ("sum_qty", json!({"type": "CALC", "expression": "SUM(qty)", "format": "NUMBER"})),
        ("cust", json!({"type": "SINGLE_LINE_TEXT", "lookup": {
            "relatedApp": {"app": "2", "code": "CUST"}, "relatedKeyField": "ccode",
            "fieldMappings": [{"field": "cust_name", "relatedField": "cname"},
                              {"field": "cust_no", "relatedField": "Record_number"}]}})),
        ("cust_name", json!({"type": "SINGLE_LINE_TEXT"})),
        ("cust_no", json!({"type": "SINGLE_LINE_TEXT"})),
        ("related", json!({"type": "REFERENCE_TABLE", "referenceTable": {
            "relatedApp": {"app": "2", "code": "CUST"},
            "condition": {"field": "cust", "relatedField": "ccode"},
            "filterCond": "", "displayFields": ["cname"], "sort": "Record_number desc", "size": "5"}})),
        ("Status", json!({"type": "STATUS", "enabled": true})),
        ("Assignee", json!({"type": "STATUS_ASSIGNEE", "enabled": true})),
        ("Categories", json!({"type": "CATEGORY", "enabled": false})),
    ]);
    fields(list)
}

pub fn domain() -> Domain {
    let mut d = Domain {
        users: vec![
            user(1, "admin", "Admin", "Asia/Tokyo", true),
            user(2, "sato", "Sato", "UTC", false),
            user(3, "suzuki", "Suzuki", "America/New_York", false),
        ],
        organizations: vec![Organization {
            code: "dev".into(),
            name: "Development".into(),
        }],
        groups: vec![GroupDef {
            code: "admins".into(),
            name: "Admins".into(),
        }],
        next_app_id: 4,
        next_subtable_row_id: 99,
        ..Default::default()
    };
    d.spaces.insert(
        GUEST_SPACE,
        Space {
            id: GUEST_SPACE,
            name: "Guests".into(),
            is_guest: true,
            default_thread: 9,
            members: vec!["admin".into(), "sato".into()],
        },
    );

    let mut main = app(MAIN, "", "Main", main_fields());
    main.live.status = json!({"enable": true, "states": {
        "Done": {"name": "Done", "index": "1", "assignee": {"type": "ONE", "entities": []}},
        "Not started": {"name": "Not started", "index": "0", "assignee": {"type": "ONE",
            "entities": [{"entity": {"type": "USER", "code": "sato"}, "includeSubs": false}]}},
    }, "actions": []});
    main.api_tokens = vec![
        token("full", true, true, true, true, false),
        token("viewonly", true, false, false, false, false),
        token("addonly", false, true, false, false, false),
        token("manage", true, true, true, true, true),
        token("editonly", false, false, true, false, false),
    ];
    main.acl_users = vec!["admin".into(), "sato".into()];
    d.apps.insert(MAIN, main);

    let mut cust = app(
        CUST,
        "CUST",
        "Customers",
        fields({
            let mut l = system_fields();
            l.push(("ccode", json!({"type": "SINGLE_LINE_TEXT", "unique": true})));
            l.push(("cname", json!({"type": "SINGLE_LINE_TEXT"})));
            l
        }),
    );
    for (id, code, name) in [(1u64, "C1", "Acme"), (2, "C2", "Beta")] {
        let mut values = BTreeMap::new();
        values.insert("ccode".to_string(), json!(code));
        values.insert("cname".to_string(), json!(name));
        cust.records.insert(id, Record::new(id, 1, values));
    }
    cust.next_record_id = 3;
    cust.api_tokens = vec![token("custview", true, false, false, false, false)];
    d.apps.insert(CUST, cust);

    let mut guest = app(
        GUEST_APP,
        "",
        "Guest app",
        fields({
            let mut l = system_fields();
            l.push(("title", json!({"type": "SINGLE_LINE_TEXT"})));
            l
        }),
    );
    guest.space_id = Some(GUEST_SPACE);
    guest.api_tokens = vec![token("guestfull", true, true, true, true, false)];
    d.apps.insert(GUEST_APP, guest);
    d
}

pub fn sandbox() -> Sandbox {
    Sandbox::new(domain())
}

pub fn pw(user: &str) -> Caller {
    Caller {
        kind: AuthKind::Password,
        user: user.into(),
        tokens: vec![],
        scopes: vec![],
    }
}

/// API-token caller holding the given (app, token index) pairs.
pub fn tok(tokens: &[(u64, usize)]) -> Caller {
    Caller {
        kind: AuthKind::ApiToken,
        user: "Administrator".into(),
        tokens: tokens.to_vec(),
        scopes: vec![],
    }
}

pub fn oauth(user: &str) -> Caller {
    Caller {
        kind: AuthKind::OAuth,
        user: user.into(),
        tokens: vec![],
        scopes: vec!["k:app_record:read".into(), "k:app_record:write".into()],
    }
}

pub fn request(
    s: &Sandbox,
    method: Method,
    api: &str,
    guest: Option<u64>,
    params: Value,
    caller: &Caller,
) -> ApiRequest {
    ApiRequest {
        method,
        api: api.into(),
        guest,
        params,
        caller: caller.clone(),
        upload: None,
        lang: None,
        now: s.now(),
    }
}

/// Call an API as the server would, returning the JSON body (and headers) or the error.
pub fn call_h(
    s: &Sandbox,
    method: Method,
    api: &str,
    guest: Option<u64>,
    params: Value,
    caller: &Caller,
) -> Result<(Value, Vec<(String, String)>), KError> {
    let h = route(method, api).expect("route exists");
    let r: ApiResponse = h(s, &request(s, method, api, guest, params, caller))?;
    Ok(r.into_json().expect("a JSON answer"))
}

pub fn call(
    s: &Sandbox,
    method: Method,
    api: &str,
    params: Value,
    caller: &Caller,
) -> Result<Value, KError> {
    call_h(s, method, api, None, params, caller).map(|(v, _)| v)
}

pub fn admin_call(s: &Sandbox, method: Method, api: &str, params: Value) -> Value {
    match call(s, method, api, params, &pw("admin")) {
        Ok(v) => v,
        Err(e) => panic!("{method:?} {api} failed: {e} {:?}", e.errors),
    }
}

/// The `errors` map of a validation error, as JSON.
pub fn errors_of(e: &KError) -> Value {
    Value::Object(e.errors.clone().unwrap_or_default())
}

pub fn msgs(e: &KError, key: &str) -> Vec<String> {
    e.errors
        .as_ref()
        .and_then(|m| m.get(key))
        .and_then(|v| v["messages"].as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .map(|m| m.as_str().unwrap_or_default().to_string())
        .collect()
}

pub fn get(s: &Sandbox, app: u64, id: u64) -> Value {
    admin_call(s, Method::Get, "record", json!({"app": app, "id": id}))["record"].clone()
}

/// Add a record as admin with a valid title; returns its id.
pub fn add(s: &Sandbox, record: Value) -> u64 {
    let r = admin_call(
        s,
        Method::Post,
        "record",
        json!({"app": MAIN, "record": record}),
    );
    r["id"].as_str().unwrap().parse().unwrap()
}

pub fn stored(s: &Sandbox, app: u64, id: u64) -> Record {
    s.read().apps[&app].records[&id].clone()
}

pub fn upload(s: &Sandbox, key: &str, name: &str, data: &[u8]) {
    s.write().files.insert(
        key.into(),
        StoredFile {
            file_key: key.into(),
            name: name.into(),
            content_type: "text/plain".into(),
            data: bytes::Bytes::copy_from_slice(data),
            temporary: true,
        },
    );
}
