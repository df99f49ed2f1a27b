//! Demo data set invariants and the data-file loader.
use kintone_sandbox::datafile;
use kintone_sandbox::demo::{self, demo_domain, DEFAULT_LARGE_RECORDS};
use kintone_sandbox::model::{field_type_of, Domain, FieldType};
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn snapshot(d: &Domain) -> String {
    let mut files: Vec<_> = d.files.iter().map(|(k, f)| format!("{k}:{f:?}")).collect();
    files.sort();
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{files:?}",
        d.users, d.organizations, d.groups, d.spaces, d.apps, d.oauth_clients
    )
}

#[test]
fn demo_is_deterministic() {
    let a = demo_domain(500);
    let b = demo_domain(500);
    assert_eq!(snapshot(&a), snapshot(&b));
}

#[test]
fn demo_large_app_default_size_builds_fast() {
    let t = std::time::Instant::now();
    let d = demo_domain(DEFAULT_LARGE_RECORDS);
    let took = t.elapsed();
    assert_eq!(DEFAULT_LARGE_RECORDS, 25_000);
    let events = &d.apps[&demo::EVENTS_APP];
    assert_eq!(events.records.len(), 25_000);
    eprintln!("demo_domain(25000) built in {took:?}");
    assert!(took.as_secs_f64() < 1.0, "built in {took:?}");
    // Values are functions of the record number.
    let r = &events.records[&12345];
    assert_eq!(r.values["title"], json!("Event 12345"));
    assert_eq!(r.values["seq"], json!("12345"));
    assert_eq!(r.values["kind"], json!("beta"));
    assert_eq!(r.values["Record_number"], json!("12345"));
    assert_eq!(events.records[&100].values["kind"], Value::Null);
    assert_eq!(events.next_record_id, 25_001);
}

#[test]
fn demo_covers_every_field_type() {
    let d = demo_domain(10);
    let mut seen = BTreeSet::new();
    for app in d.apps.values() {
        for (_, p) in &app.live.fields {
            let t = field_type_of(p).expect("known type");
            seen.insert(t.as_str());
            if let Some(inner) = p.get("fields").and_then(Value::as_object) {
                for ip in inner.values() {
                    seen.insert(field_type_of(ip).expect("inner type").as_str());
                }
            }
        }
    }
    for t in [
        "SINGLE_LINE_TEXT",
        "MULTI_LINE_TEXT",
        "RICH_TEXT",
        "NUMBER",
        "CALC",
        "CHECK_BOX",
        "RADIO_BUTTON",
        "DROP_DOWN",
        "MULTI_SELECT",
        "FILE",
        "LINK",
        "DATE",
        "TIME",
        "DATETIME",
        "USER_SELECT",
        "ORGANIZATION_SELECT",
        "GROUP_SELECT",
        "CATEGORY",
        "STATUS",
        "STATUS_ASSIGNEE",
        "SUBTABLE",
        "REFERENCE_TABLE",
        "GROUP",
        "RECORD_NUMBER",
        "CREATOR",
        "CREATED_TIME",
        "MODIFIER",
        "UPDATED_TIME",
    ] {
        assert!(seen.contains(t), "missing {t}");
    }
}

#[test]
fn demo_users_spaces_tokens_oauth() {
    let d = demo_domain(10);
    let demo_user = d.user("demo").unwrap();
    assert!(demo_user.admin);
    assert_eq!(demo_user.password, "demo");
    assert_eq!(demo_user.timezone, "Asia/Tokyo");
    assert_eq!(demo_user.locale, "ja");
    assert_eq!(demo_user.primary_organization.as_deref(), Some("hq"));
    let zones: BTreeSet<_> = d.users.iter().map(|u| u.timezone.as_str()).collect();
    assert!(zones.contains("America/Los_Angeles") && zones.contains("Pacific/Honolulu"));
    assert!(d.users.len() >= 4);
    // bob cannot use Orders.
    let orders = &d.apps[&demo::ORDERS_APP];
    assert!(!orders.acl_users.is_empty() && !orders.acl_users.contains(&"bob".to_string()));
    // One guest space holding the guest app, one normal space.
    assert!(d.spaces[&demo::GUEST_SPACE].is_guest);
    assert!(!d.spaces[&demo::NORMAL_SPACE].is_guest);
    assert_eq!(
        d.guest_space_of(&d.apps[&demo::GUEST_APP]),
        Some(demo::GUEST_SPACE)
    );
    // Tokens: 40 characters, distinct, a draft one.
    let all: Vec<_> = d.apps.values().flat_map(|a| a.api_tokens.iter()).collect();
    assert!(all.iter().all(|t| t.token.len() == 40));
    let distinct: BTreeSet<_> = all.iter().map(|t| &t.token).collect();
    assert_eq!(distinct.len(), all.len());
    let c = &d.apps[&demo::CUSTOMERS_APP].api_tokens;
    assert!(c
        .iter()
        .any(|t| t.token == demo::TOKEN_CUSTOMERS_DRAFT && !t.deployed));
    assert!(c
        .iter()
        .any(|t| t.token == demo::TOKEN_CUSTOMERS_VIEW && t.view && !t.add));
    assert_eq!(d.oauth_clients[0].redirect_uri, "http://127.0.0.1/callback");
}

#[test]
fn demo_form_shapes() {
    let d = demo_domain(10);
    let orders = &d.apps[&demo::ORDERS_APP];
    let f = &orders.live.fields;
    assert_eq!(
        f["priority"],
        json!({"type": "RADIO_BUTTON", "code": "priority", "label": "Priority", "noLabel": false,
               "required": true, "defaultValue": "Normal", "align": "HORIZONTAL",
               "options": {"Low": {"label": "Low", "index": "0"},
                           "Normal": {"label": "Normal", "index": "1"},
                           "High": {"label": "High", "index": "2"}}})
    );
    assert_eq!(
        f["Record_number"],
        json!({"type": "RECORD_NUMBER", "code": "Record_number", "label": "Record number", "noLabel": false})
    );
    assert_eq!(f["Status"]["enabled"], json!(true));
    assert_eq!(f["Categories"]["enabled"], json!(true));
    assert_eq!(
        f["customer"]["lookup"]["relatedKeyField"],
        json!("customer_code")
    );
    assert_eq!(f["customer"]["lookup"]["relatedApp"]["app"], json!("1"));
    assert_eq!(f["items"]["fields"]["subtotal"]["type"], json!("CALC"));
    let cust = &d.apps[&demo::CUSTOMERS_APP];
    assert_eq!(
        cust.live.fields["orders"]["referenceTable"]["size"],
        json!("5")
    );
    assert_eq!(cust.live.fields["Status"]["enabled"], json!(false));
    // preview equals live, revision numeric.
    assert_eq!(
        format!("{:?}", orders.live),
        format!("{:?}", orders.preview)
    );
    // Layout holds the subtable and the group with its members.
    let layout = orders.live.layout.as_array().unwrap();
    assert!(layout
        .iter()
        .any(|r| r["type"] == "SUBTABLE" && r["code"] == "items"));
    let g = layout.iter().find(|r| r["type"] == "GROUP").unwrap();
    assert_eq!(g["layout"][0]["fields"][0]["code"], json!("ship_address"));
    assert!(!layout
        .iter()
        .any(|r| r["fields"][0]["code"] == "ship_address"));
    assert_eq!(
        orders.live.status["states"]["In progress"]["index"],
        json!("1")
    );
    for app in d.apps.values() {
        assert!(!app.live.views.is_empty(), "app {} has a view", app.id);
    }
}

#[test]
fn demo_records() {
    let d = demo_domain(10);
    let orders = &d.apps[&demo::ORDERS_APP];
    let r14 = &orders.records[&14];
    assert_eq!(r14.values["Record_number"], json!("ORD-14"));
    assert_eq!(r14.values["customer"], json!("C015"));
    assert_eq!(r14.values["customer_name"], json!("Oscorp"));
    // Subtable rows carry domain-wide ids and typed cells; CALC totals are consistent.
    let rows = r14.values["items"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let sum: i64 = rows
        .iter()
        .map(|r| {
            r["value"]["subtotal"]["value"]
                .as_str()
                .unwrap()
                .parse::<i64>()
                .unwrap()
        })
        .sum();
    assert_eq!(r14.values["total"], json!(sum.to_string()));
    assert_eq!(rows[0]["value"]["quantity"]["type"], json!("NUMBER"));
    let mut ids = BTreeSet::new();
    for app in d.apps.values() {
        for r in app.records.values() {
            for v in r.values.values() {
                if let Some(rows) = v.as_array() {
                    for row in rows
                        .iter()
                        .filter(|x| x.get("id").is_some() && x.get("value").is_some())
                    {
                        let id: u64 = row["id"].as_str().unwrap().parse().unwrap();
                        assert!(ids.insert(id), "row id {id} reused");
                        assert!(id <= d.next_subtable_row_id);
                    }
                }
            }
        }
    }
    // Files attached in records exist in the store.
    let files = orders.records[&1].values["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let key = files[0]["fileKey"].as_str().unwrap();
    assert_eq!(d.files[key].name, files[0]["name"].as_str().unwrap());
    assert_eq!(files[0]["size"], json!(d.files[key].data.len().to_string()));
    // The Japanese app: Japanese codes, emoji, and an all-empty record.
    let ja = &d.apps[&demo::JAPANESE_APP];
    assert!(ja.live.fields.contains_key("レコード番号"));
    assert_eq!(ja.records[&2].values["氏名"], json!("佐藤 花子 🌸"));
    let empty = &ja.records[&5].values;
    assert_eq!(empty["氏名"], json!(""));
    assert_eq!(empty["都道府県"], Value::Null);
    assert_eq!(empty["誕生日"], Value::Null);
    assert_eq!(empty["予約日時"], json!(""));
    assert_eq!(empty["明細"], json!([]));
    assert_eq!(empty["担当者"], json!([]));
    // Every record of every app has all of its app's value fields.
    for app in d.apps.values() {
        for r in app.records.values() {
            for f in app.fields().into_iter().filter(|f| f.subtable.is_none()) {
                let enabled = f.props.get("enabled").is_none_or(|e| e == &json!(true));
                if f.ftype.has_value() && enabled {
                    assert!(
                        r.values.contains_key(f.code),
                        "app {} rec {} lacks {}",
                        app.id,
                        r.id,
                        f.code
                    );
                }
            }
            if !app.process_enabled() {
                assert!(!r.values.contains_key("Status"));
            }
        }
    }
    // Process management state values are states of the app.
    for r in orders.records.values() {
        let s = r.values["Status"].as_str().unwrap();
        assert!(orders.live.status["states"].get(s).is_some());
    }
    assert_eq!(
        d.apps[&demo::GUEST_APP].records[&3].values["Record_number"],
        json!("GT-3")
    );
    assert_eq!(FieldType::parse("SUBTABLE"), Some(FieldType::Subtable));
}

const SMALL: &str = r#"{
  "organizations": [{"code": "dev", "name": "Development"}],
  "groups": [{"code": "ops", "name": "Ops"}],
  "users": [
    {"code": "admin", "password": "pw", "admin": true, "timezone": "Asia/Tokyo", "organizations": ["dev"], "primary_organization": "dev"},
    {"code": "eve", "name": "Eve", "password": "pw2", "groups": ["ops"]}
  ],
  "spaces": [{"id": 7, "name": "Guests", "guest": true, "members": ["admin"]}],
  "oauth_clients": [{"client_id": "c", "client_secret": "s", "redirect_uri": "http://127.0.0.1/callback"}],
  "limits": {"cursor_limit": 3},
  "apps": [
    {"id": 10, "code": "TK", "name": "Tickets", "space": 7,
     "fields": {
       "title": {"type": "SINGLE_LINE_TEXT", "label": "Title", "required": true},
       "n": {"type": "NUMBER", "label": "N"},
       "pick": {"type": "DROP_DOWN", "label": "Pick", "options": {"x": {"label": "x", "index": 0}, "y": {"label": "y", "index": "1"}}},
       "who": {"type": "USER_SELECT", "label": "Who"},
       "att": {"type": "FILE", "label": "Att"},
       "rows": {"type": "SUBTABLE", "fields": {"item": {"type": "SINGLE_LINE_TEXT", "label": "Item"}, "qty": {"type": "NUMBER", "label": "Qty"}}}
     },
     "status": {"enable": true, "states": {"Open": {"name": "Open", "index": "0", "assignee": {"type": "ONE", "entities": []}}, "Done": {"name": "Done", "index": "1", "assignee": {"type": "ONE", "entities": []}}}, "actions": [{"name": "Finish", "from": "Open", "to": "Done"}]},
     "api_tokens": [{"token": "abc123", "view": true}],
     "records": [
       {"title": "first", "n": 12, "pick": "y", "who": [{"code": "eve"}], "att": [{"name": "a.txt", "contentType": "text/plain", "text": "hi"}],
        "rows": [{"item": "bolt", "qty": "3"}]},
       {"title": "second", "Status": "Done"}
     ]}
  ]
}"#;

#[test]
fn datafile_round_trip() {
    let dir = std::env::temp_dir().join(format!("apps-datafile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("small.json");
    std::fs::write(&path, SMALL).unwrap();
    let d = datafile::load(&path).unwrap();
    assert_eq!(d.users.len(), 2);
    assert_eq!(d.user("eve").unwrap().timezone, "UTC");
    assert_eq!(d.limits.cursor_limit, 3);
    assert_eq!(d.next_app_id, 11);
    let app = &d.apps[&10];
    assert_eq!(d.guest_space_of(app), Some(7));
    assert!(app.live.fields.contains_key("Record_number"));
    assert_eq!(app.live.fields["pick"]["options"]["x"]["index"], json!("0"));
    assert_eq!(app.live.fields["title"]["maxLength"], json!(""));
    assert_eq!(app.live.fields["Status"]["enabled"], json!(true));
    assert_eq!(app.api_tokens[0].token, "abc123");
    assert!(app.api_tokens[0].deployed);
    let r1 = &app.records[&1];
    assert_eq!(r1.values["Record_number"], json!("TK-1"));
    assert_eq!(r1.values["n"], json!("12"));
    assert_eq!(r1.values["who"], json!([{"code": "eve", "name": "Eve"}]));
    assert_eq!(r1.values["Status"], json!("Open"));
    assert_eq!(
        r1.values["Created_by"],
        json!({"code": "admin", "name": "admin"})
    );
    assert_eq!(
        r1.values["rows"][0]["value"]["qty"],
        json!({"type": "NUMBER", "value": "3"})
    );
    let key = r1.values["att"][0]["fileKey"].as_str().unwrap();
    assert_eq!(&d.files[key].data[..], b"hi");
    let r2 = &app.records[&2];
    assert_eq!(r2.values["Status"], json!("Done"));
    assert_eq!(r2.values["n"], json!(""));
    assert_eq!(r2.values["pick"], Value::Null);
    assert_eq!(r2.values["rows"], json!([]));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn datafile_errors_name_path_and_key() {
    let bad = SMALL
        .replace(
            "\"limits\": {\"cursor_limit\": 3}",
            "\"limits\": {\"cursor_limt\": 3}",
        )
        .replace("\"pick\": \"y\"", "\"pick\": \"zz\"")
        .replace(
            "\"who\": [{\"code\": \"eve\"}]",
            "\"who\": [{\"code\": \"nobody\"}]",
        );
    let err = datafile::load_str(&bad).unwrap_err();
    assert!(err.contains("$.limits.cursor_limt: unknown key"), "{err}");
    assert!(
        err.contains("$.apps[0].records[0].pick: \"zz\" is not an option"),
        "{err}"
    );
    assert!(
        err.contains("$.apps[0].records[0].who[0]: unknown user \"nobody\""),
        "{err}"
    );
    let err = datafile::load_str(
        r#"{"apps": [{"name": "x", "fields": {"a": {"type": "NOPE", "label": "A"}}}]}"#,
    )
    .unwrap_err();
    assert!(err.contains("$.apps[0].fields[a].type"), "{err}");
    let err = datafile::load_str("{nope").unwrap_err();
    assert!(err.starts_with("invalid JSON"), "{err}");
    let p = std::path::Path::new("/nonexistent/x.json");
    assert!(datafile::load(p)
        .unwrap_err()
        .starts_with("/nonexistent/x.json: cannot read"));
}

#[test]
fn documented_datafile_example_loads() {
    let md = include_str!("../docs/demo-data.md");
    let start = md.find("```json\n").expect("example block") + 8;
    let end = start + md[start..].find("```").expect("block end");
    let d = datafile::load_str(&md[start..end]).unwrap_or_else(|e| panic!("{e}"));
    let app = &d.apps[&10];
    assert_eq!(app.records[&1].values["Record_number"], json!("TK-1"));
    assert_eq!(app.records[&1].values["Status"], json!("Open"));
    assert_eq!(app.live.views["All"]["name"], json!("All"));
    assert_eq!(d.user("admin").unwrap().timezone, "Asia/Tokyo");
}
