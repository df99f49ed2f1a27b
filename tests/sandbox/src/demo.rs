//! The built-in demo data set. OWNER: apps helper.
//!
//! Deterministic: no randomness, every timestamp derived from 2026-01-01T00:00:00Z, and
//! every value a function of the record number, so two builds are identical and tests
//! can assert exact values. Described for humans in `tests/sandbox/docs/demo-data.md`.

// `is_multiple_of` is newer than the workspace's rust-version (1.85).
#![allow(clippy::manual_is_multiple_of)]

use crate::api::files::file_value;
use crate::api::form::{auto_layout, default_property, options, system_fields, with};
use crate::model::{
    ApiToken, App, AppSettings, Comment, Domain, FieldType, GroupDef, Guest, Json, Limits,
    OAuthClient, Organization, Record, Space, StoredFile, Thread, ThreadComment, User,
};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, TimeZone, Utc};
use indexmap::IndexMap;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Records in the large app when the caller does not say otherwise.
pub const DEFAULT_LARGE_RECORDS: usize = 25_000;

pub const CUSTOMERS_APP: u64 = 1;
pub const ORDERS_APP: u64 = 2;
pub const JAPANESE_APP: u64 = 3;
pub const EVENTS_APP: u64 = 4;
pub const GUEST_APP: u64 = 5;

pub const NORMAL_SPACE: u64 = 1;
pub const GUEST_SPACE: u64 = 2;
/// The default thread of the normal space (it is a multi-thread space).
pub const NORMAL_THREAD: u64 = 1;
/// The second thread of the normal space.
pub const DEALS_THREAD: u64 = 3;
/// The one (unnamed) thread of the single-thread guest space.
pub const GUEST_THREAD: u64 = 2;
/// A guest user, member of the guest space; password "partner".
pub const DEMO_GUEST: &str = "partner@example.com";

pub const TOKEN_CUSTOMERS_VIEW: &str = "CustomersViewOnly00000000000000000000000";
pub const TOKEN_CUSTOMERS_FULL: &str = "CustomersFullAccess000000000000000000000";
pub const TOKEN_CUSTOMERS_ADMIN: &str = "CustomersAppAdmin00000000000000000000000";
pub const TOKEN_CUSTOMERS_DRAFT: &str = "CustomersDraft00000000000000000000000000";
pub const TOKEN_ORDERS_VIEW: &str = "OrdersViewOnly00000000000000000000000000";
pub const TOKEN_ORDERS_FULL: &str = "OrdersFullAccess000000000000000000000000";
pub const TOKEN_ORDERS_ADD: &str = "OrdersAddOnly000000000000000000000000000";
pub const TOKEN_JAPANESE_VIEW: &str = "JapaneseViewOnly000000000000000000000000";
pub const TOKEN_JAPANESE_FULL: &str = "JapaneseFullAccess0000000000000000000000";
pub const TOKEN_EVENTS_VIEW: &str = "EventsViewOnly00000000000000000000000000";
pub const TOKEN_EVENTS_FULL: &str = "EventsFullAccess000000000000000000000000";
pub const TOKEN_GUEST_FULL: &str = "GuestTasksFullAccess00000000000000000000";

pub const OAUTH_CLIENT_ID: &str = "kintone-odbc-demo";
pub const OAUTH_CLIENT_SECRET: &str = "demo-client-secret-0123456789";
pub const OAUTH_REDIRECT_URI: &str = "http://127.0.0.1/callback";

/// 2026-01-01T00:00:00Z, the origin of every demo timestamp.
pub fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn date(base: (i32, u32, u32), plus_days: i64) -> String {
    let d = NaiveDate::from_ymd_opt(base.0, base.1, base.2).unwrap_or_default()
        + Duration::days(plus_days);
    d.format("%Y-%m-%d").to_string()
}

// ---------------------------------------------------------------------------------------
// Users, organizations, groups
// ---------------------------------------------------------------------------------------

fn users() -> Vec<User> {
    #[allow(clippy::type_complexity)]
    let rows: [(
        &str,
        &str,
        &str,
        &str,
        Option<&str>,
        &[&str],
        &[&str],
        bool,
        bool,
    ); 5] = [
        (
            "demo",
            "Demo Administrator",
            "Asia/Tokyo",
            "ja",
            Some("hq"),
            &["hq"],
            &["admins"],
            true,
            true,
        ),
        (
            "sato",
            "佐藤 花子",
            "Asia/Tokyo",
            "ja",
            Some("sales"),
            &["sales", "hq"],
            &["sales_team"],
            false,
            true,
        ),
        (
            "alice",
            "Alice Johnson",
            "America/Los_Angeles",
            "en",
            Some("dev"),
            &["dev"],
            &["developers", "sales_team"],
            false,
            true,
        ),
        (
            "bob",
            "Bob Kealoha",
            "Pacific/Honolulu",
            "en",
            None,
            &[],
            &[],
            false,
            true,
        ),
        (
            "retired",
            "Retired User",
            "UTC",
            "en",
            None,
            &[],
            &[],
            false,
            false,
        ),
    ];
    rows.iter()
        .enumerate()
        .map(|(i, r)| User {
            id: i as u64 + 1,
            code: r.0.into(),
            name: r.1.into(),
            // Every demo password equals the login name.
            password: r.0.into(),
            email: format!("{}@example.com", r.0),
            timezone: r.2.into(),
            locale: r.3.into(),
            primary_organization: r.4.map(str::to_string),
            organizations: r.5.iter().map(|s| s.to_string()).collect(),
            groups: r.6.iter().map(|s| s.to_string()).collect(),
            admin: r.7,
            valid: r.8,
        })
        .collect()
}

fn user_name(code: &str) -> &'static str {
    match code {
        "demo" => "Demo Administrator",
        "sato" => "佐藤 花子",
        "alice" => "Alice Johnson",
        "bob" => "Bob Kealoha",
        _ => "Retired User",
    }
}

fn user(code: &str) -> Json {
    json!({"code": code, "name": user_name(code)})
}

fn org(code: &str) -> Json {
    let name = match code {
        "hq" => "本社",
        "sales" => "営業部",
        _ => "Development",
    };
    json!({"code": code, "name": name})
}

fn group(code: &str) -> Json {
    let name = match code {
        "admins" => "Administrators",
        "sales_team" => "営業チーム",
        _ => "Developers",
    };
    json!({"code": code, "name": name})
}

// ---------------------------------------------------------------------------------------
// Form helpers
// ---------------------------------------------------------------------------------------

fn f(t: FieldType, code: &str, label: &str, sets: &[(&str, Json)]) -> (String, Json) {
    (
        code.to_string(),
        with(default_property(t, code, label), sets),
    )
}

fn table(code: &str, label: &str, inner: Vec<(String, Json)>) -> (String, Json) {
    let m: Map<String, Value> = inner.into_iter().collect();
    f(
        FieldType::Subtable,
        code,
        label,
        &[("fields", Value::Object(m))],
    )
}

/// System fields, with CATEGORY / STATUS / STATUS_ASSIGNEE enabled as asked.
fn sys_fields(japanese: bool, categories: bool, process: bool) -> Vec<(String, Json)> {
    system_fields(japanese)
        .into_iter()
        .map(|(c, mut p)| {
            match p.get("type").and_then(Value::as_str) {
                Some("CATEGORY") => p["enabled"] = json!(categories),
                Some("STATUS" | "STATUS_ASSIGNEE") => p["enabled"] = json!(process),
                _ => {}
            }
            (c, p)
        })
        .collect()
}

fn list_view(id: u64, name: &str, index: u32, fields: &[&str], filter: &str, sort: &str) -> Json {
    json!({
        "type": "LIST", "name": name, "id": id.to_string(), "index": index.to_string(),
        "filterCond": filter, "sort": sort, "fields": fields,
    })
}

fn no_process() -> Json {
    json!({"enable": false, "states": null, "actions": null})
}

struct AppSpec {
    id: u64,
    code: &'static str,
    name: &'static str,
    description: &'static str,
    space: Option<u64>,
    fields: Vec<(String, Json)>,
    groups: Vec<(&'static str, Vec<&'static str>)>,
    views: Vec<Json>,
    status: Json,
    tokens: Vec<(&'static str, [bool; 5], bool)>,
    acl_users: Vec<&'static str>,
    comments_enabled: bool,
}

fn build_app(spec: AppSpec) -> App {
    let fields: IndexMap<String, Json> = spec.fields.into_iter().collect();
    let groups: Vec<(&str, &[&str])> = spec
        .groups
        .iter()
        .map(|(g, m)| (*g, m.as_slice()))
        .collect();
    let layout = auto_layout(&fields, &groups);
    let views: IndexMap<String, Json> = spec
        .views
        .into_iter()
        .map(|v| {
            (
                v.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                v,
            )
        })
        .collect();
    let settings = AppSettings {
        fields,
        layout,
        views,
        status: spec.status,
        revision: 5,
    };
    let created = base_time() - Duration::days(30) + Duration::hours(spec.id as i64);
    App {
        id: spec.id,
        code: spec.code.into(),
        name: spec.name.into(),
        description: spec.description.into(),
        space_id: spec.space,
        thread_id: spec.space,
        created_at: created,
        creator: "demo".into(),
        modified_at: created + Duration::days(1),
        modifier: "demo".into(),
        live: settings.clone(),
        preview: settings,
        deploy_status: None,
        records: BTreeMap::new(),
        next_record_id: 1,
        next_comment_id: 1,
        api_tokens: spec
            .tokens
            .into_iter()
            .map(|(t, p, deployed)| ApiToken {
                token: t.into(),
                view: p[0],
                add: p[1],
                edit: p[2],
                delete: p[3],
                manage: p[4],
                deployed,
            })
            .collect(),
        acl_users: spec.acl_users.into_iter().map(str::to_string).collect(),
        comments_enabled: spec.comments_enabled,
    }
}

/// Record builder: fills the system fields of an English or Japanese app.
struct Sys {
    rn: &'static str,
    creator: &'static str,
    created: &'static str,
    modifier: &'static str,
    updated: &'static str,
}

const SYS_EN: Sys = Sys {
    rn: "Record_number",
    creator: "Created_by",
    created: "Created_datetime",
    modifier: "Updated_by",
    updated: "Updated_datetime",
};
const SYS_JA: Sys = Sys {
    rn: "レコード番号",
    creator: "作成者",
    created: "作成日時",
    modifier: "更新者",
    updated: "更新日時",
};

#[allow(clippy::too_many_arguments)]
fn put_record(
    app: &mut App,
    sys: &Sys,
    mut values: BTreeMap<String, Json>,
    creator: &str,
    created: DateTime<Utc>,
    modifier: &str,
    updated: DateTime<Utc>,
    revision: u64,
) {
    let id = app.next_record_id;
    app.next_record_id += 1;
    let rn = if app.code.is_empty() {
        id.to_string()
    } else {
        format!("{}-{id}", app.code)
    };
    values.insert(sys.rn.into(), json!(rn));
    values.insert(sys.creator.into(), user(creator));
    values.insert(sys.created.into(), json!(ts(created)));
    values.insert(sys.modifier.into(), user(modifier));
    values.insert(sys.updated.into(), json!(ts(updated)));
    app.records.insert(id, Record::new(id, revision, values));
}

fn row(d: &mut Domain, cells: &[(&str, FieldType, Json)]) -> Json {
    d.next_subtable_row_id += 1;
    let mut m = Map::new();
    for (c, t, v) in cells {
        m.insert(c.to_string(), json!({"type": t.as_str(), "value": v}));
    }
    json!({"id": d.next_subtable_row_id.to_string(), "value": m})
}

fn add_file(d: &mut Domain, n: u32, name: &str, ctype: &str, data: Vec<u8>) -> Json {
    let key = format!("20260101000000DEMOFILE{n:04}");
    let f = StoredFile {
        file_key: key.clone(),
        name: name.into(),
        content_type: ctype.into(),
        data: bytes::Bytes::from(data),
        temporary: false,
    };
    let v = file_value(&f);
    d.files.insert(key, f);
    v
}

/// A 1x1 transparent PNG.
const PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

// ---------------------------------------------------------------------------------------
// The data set
// ---------------------------------------------------------------------------------------

/// Adds `n` copies of Customers (form, records, settings) named `Copy 000` ...: a domain
/// with many apps, for the cost of discovery.
pub fn add_copies(d: &mut Domain, n: usize) {
    let Some(base) = d.apps.get(&CUSTOMERS_APP).cloned() else {
        return;
    };
    for k in 0..n {
        let id = d.next_app_id;
        d.next_app_id += 1;
        let mut app = base.clone();
        app.id = id;
        app.name = format!("Copy {k:03}");
        d.apps.insert(id, app);
    }
}

pub fn demo_domain(large_records: usize) -> Domain {
    let mut d = Domain {
        users: users(),
        organizations: vec![
            Organization {
                code: "hq".into(),
                name: "本社".into(),
            },
            Organization {
                code: "sales".into(),
                name: "営業部".into(),
            },
            Organization {
                code: "dev".into(),
                name: "Development".into(),
            },
        ],
        groups: vec![
            GroupDef {
                code: "admins".into(),
                name: "Administrators".into(),
            },
            GroupDef {
                code: "sales_team".into(),
                name: "営業チーム".into(),
            },
            GroupDef {
                code: "developers".into(),
                name: "Developers".into(),
            },
        ],
        next_app_id: 6,
        next_subtable_row_id: 1000,
        oauth_clients: vec![OAuthClient {
            client_id: OAUTH_CLIENT_ID.into(),
            client_secret: OAUTH_CLIENT_SECRET.into(),
            redirect_uri: OAUTH_REDIRECT_URI.into(),
        }],
        limits: Limits::default(),
        ..Domain::default()
    };
    d.spaces.insert(
        NORMAL_SPACE,
        Space {
            id: NORMAL_SPACE,
            name: "Sales Space".into(),
            is_guest: false,
            default_thread: 1,
            members: vec!["demo".into(), "sato".into(), "alice".into(), "bob".into()],
        },
    );
    d.spaces.insert(
        GUEST_SPACE,
        Space {
            id: GUEST_SPACE,
            name: "Partner Guest Space".into(),
            is_guest: true,
            default_thread: 2,
            members: vec!["demo".into(), "alice".into()],
        },
    );
    spaces_threads_and_guests(&mut d);
    let customers = customers_app();
    d.apps.insert(CUSTOMERS_APP, customers);
    let orders = orders_app(&mut d);
    d.apps.insert(ORDERS_APP, orders);
    let japanese = japanese_app(&mut d);
    d.apps.insert(JAPANESE_APP, japanese);
    d.apps.insert(EVENTS_APP, events_app(large_records));
    d.apps.insert(GUEST_APP, guest_app());
    d
}

/// The threads of the two spaces (one comment in the normal space's default thread) and
/// one guest user, member of the guest space.
fn spaces_threads_and_guests(d: &mut Domain) {
    let at = |h: i64| base_time() + Duration::hours(h);
    let thread = |id, space, name: Option<&str>, body: &str| Thread {
        id,
        space,
        name: name.map(str::to_string),
        body: body.into(),
        creator: "demo".into(),
        comments: Vec::new(),
    };
    let mut sales = thread(NORMAL_THREAD, NORMAL_SPACE, Some("Sales Space"), "");
    sales.comments.push(ThreadComment {
        id: 1,
        text: "Welcome to the sales space.".into(),
        mentions: Vec::new(),
        files: Vec::new(),
        creator: "demo".into(),
        created_at: at(1),
    });
    d.threads.insert(NORMAL_THREAD, sales);
    d.threads.insert(
        DEALS_THREAD,
        thread(
            DEALS_THREAD,
            NORMAL_SPACE,
            Some("Deals"),
            "<b>Deals</b> of the quarter.",
        ),
    );
    d.threads.insert(
        GUEST_THREAD,
        thread(GUEST_THREAD, GUEST_SPACE, None, "Shared with our partners."),
    );
    d.next_thread_comment_id = 2;
    d.guests.insert(
        DEMO_GUEST.into(),
        Guest {
            code: DEMO_GUEST.into(),
            password: "partner".into(),
            name: "Pat Partner".into(),
            timezone: "Asia/Tokyo".into(),
            locale: "en".into(),
            profile: Map::new(),
        },
    );
    d.space_guests.insert(GUEST_SPACE, vec![DEMO_GUEST.into()]);
}

const COMPANIES: [&str; 30] = [
    "Acme Corporation",
    "Globex",
    "Initech",
    "Umbrella Corp",
    "Stark Industries",
    "Wayne Enterprises",
    "Wonka Industries",
    "Cyberdyne Systems",
    "Soylent",
    "Hooli",
    "Vandelay Industries",
    "Tyrell Corporation",
    "株式会社サンプル",
    "Massive Dynamic",
    "Oscorp",
    "Pied Piper",
    "Aperture Science",
    "Black Mesa",
    "Dunder Mifflin",
    "Gringotts",
    "Monsters Inc",
    "Nakatomi Trading",
    "Paper Street Soap",
    "Prestige Worldwide",
    "Sirius Cybernetics",
    "Duff Beer",
    "Krusty Krab",
    "Los Pollos Hermanos",
    "Bluth Company",
    "Quote \"Escaped\" Ltd",
];
const COUNTRIES: [&str; 5] = ["Japan", "United States", "Germany", "France", "Brazil"];

fn customers_app() -> App {
    use FieldType::*;
    let mut fields = sys_fields(false, false, false);
    fields.extend([
        f(
            SingleLineText,
            "customer_code",
            "Customer code",
            &[
                ("required", json!(true)),
                ("unique", json!(true)),
                ("maxLength", json!("10")),
            ],
        ),
        f(
            SingleLineText,
            "name",
            "Company name",
            &[("required", json!(true))],
        ),
        f(Link, "email", "E-mail", &[("protocol", json!("MAIL"))]),
        f(Link, "website", "Website", &[]),
        f(Link, "phone", "Phone", &[("protocol", json!("CALL"))]),
        f(
            DropDown,
            "country",
            "Country",
            &[("options", options(&COUNTRIES))],
        ),
        f(
            RadioButton,
            "rank",
            "Rank",
            &[
                ("options", options(&["A", "B", "C"])),
                ("defaultValue", json!("B")),
            ],
        ),
        f(
            Number,
            "credit_limit",
            "Credit limit",
            &[
                ("digit", json!(true)),
                ("displayScale", json!("0")),
                ("minValue", json!("0")),
                ("unit", json!("$")),
            ],
        ),
        f(MultiLineText, "notes", "Notes", &[]),
        f(Date, "since", "Customer since", &[]),
        f(
            ReferenceTable,
            "orders",
            "Orders",
            &[(
                "referenceTable",
                json!({
                    "relatedApp": {"app": ORDERS_APP.to_string(), "code": "ORD"},
                    "condition": {"field": "customer_code", "relatedField": "customer"},
                    "filterCond": "",
                    "displayFields": ["Record_number", "order_date", "total", "Status"],
                    "sort": "Record_number desc",
                    "size": "5",
                }),
            )],
        ),
    ]);
    let mut app = build_app(AppSpec {
        id: CUSTOMERS_APP,
        code: "",
        name: "Customers",
        description: "Customer master (lookup source of Orders).",
        space: Some(NORMAL_SPACE),
        fields,
        groups: vec![],
        views: vec![list_view(
            1001,
            "All customers",
            0,
            &[
                "Record_number",
                "customer_code",
                "name",
                "country",
                "rank",
                "credit_limit",
            ],
            "",
            "Record_number desc",
        )],
        status: no_process(),
        tokens: vec![
            (
                TOKEN_CUSTOMERS_VIEW,
                [true, false, false, false, false],
                true,
            ),
            (TOKEN_CUSTOMERS_FULL, [true, true, true, true, false], true),
            (TOKEN_CUSTOMERS_ADMIN, [true, true, true, true, true], true),
            (
                TOKEN_CUSTOMERS_DRAFT,
                [true, false, false, false, false],
                false,
            ),
        ],
        acl_users: vec![],
        comments_enabled: true,
    });
    for i in 1..=30u32 {
        let mut v = BTreeMap::new();
        v.insert("customer_code".into(), json!(customer_code(i)));
        v.insert("name".into(), json!(COMPANIES[(i - 1) as usize]));
        v.insert(
            "email".into(),
            json!(if i % 7 == 0 {
                String::new()
            } else {
                format!("contact{i}@example.com")
            }),
        );
        v.insert(
            "website".into(),
            json!(if i % 6 == 0 {
                String::new()
            } else {
                format!("https://www.example.com/c/{i}")
            }),
        );
        v.insert(
            "phone".into(),
            json!(if i % 5 == 0 {
                String::new()
            } else {
                format!("+81-3-5555-{:04}", i * 37)
            }),
        );
        v.insert(
            "country".into(),
            if i % 11 == 0 {
                Json::Null
            } else {
                json!(COUNTRIES[(i % 5) as usize])
            },
        );
        v.insert("rank".into(), json!(["A", "B", "C"][(i % 3) as usize]));
        v.insert(
            "credit_limit".into(),
            json!(if i % 10 == 0 {
                String::new()
            } else {
                (i * 25_000).to_string()
            }),
        );
        v.insert(
            "notes".into(),
            json!(match i % 4 {
                0 => String::new(),
                1 => format!("Key account.\nContact keyword {i}"),
                2 => "   ".to_string(),
                _ => format!("Visited on {}", date((2025, 3, 1), i as i64)),
            }),
        );
        v.insert(
            "since".into(),
            if i % 9 == 0 {
                Json::Null
            } else {
                json!(date((2015, 1, 1), i as i64 * 97))
            },
        );
        let created = base_time() + Duration::hours(i as i64);
        let creator = if i % 3 == 0 { "sato" } else { "demo" };
        put_record(
            &mut app,
            &SYS_EN,
            v,
            creator,
            created,
            creator,
            created + Duration::minutes(i as i64 * 7),
            1 + (i % 3) as u64,
        );
    }
    app
}

fn customer_code(i: u32) -> String {
    format!("C{i:03}")
}

const PRODUCTS: [(&str, &str, u32); 6] = [
    ("Widget", "Hardware", 1200),
    ("Gadget", "Hardware", 4500),
    ("Cloud plan", "Software", 9800),
    ("Support", "Service", 30000),
    ("ケーブル", "Hardware", 350),
    ("License 🔑", "Software", 15000),
];
const ORDER_STATES: [&str; 4] = ["Not started", "In progress", "Review", "Completed"];

fn orders_app(d: &mut Domain) -> App {
    use FieldType::*;
    let mut fields = sys_fields(false, true, true);
    fields.extend([
        f(
            SingleLineText,
            "customer",
            "Customer",
            &[(
                "lookup",
                json!({
                    "relatedApp": {"app": CUSTOMERS_APP.to_string(), "code": ""},
                    "relatedKeyField": "customer_code",
                    "fieldMappings": [
                        {"field": "customer_name", "relatedField": "name"},
                        {"field": "customer_country", "relatedField": "country"},
                    ],
                    "lookupPickerFields": ["customer_code", "name", "country"],
                    "filterCond": "",
                    "sort": "Record_number desc",
                }),
            )],
        ),
        f(SingleLineText, "customer_name", "Customer name", &[]),
        f(SingleLineText, "customer_country", "Customer country", &[]),
        f(
            Date,
            "order_date",
            "Order date",
            &[("required", json!(true)), ("defaultNowValue", json!(true))],
        ),
        f(DateTime, "ordered_at", "Ordered at", &[]),
        f(Time, "pickup_time", "Pickup time", &[]),
        table(
            "items",
            "Line items",
            vec![
                f(SingleLineText, "product", "Product", &[]),
                f(
                    Number,
                    "quantity",
                    "Quantity",
                    &[("minValue", json!("0")), ("defaultValue", json!("1"))],
                ),
                f(Number, "unit_price", "Unit price", &[("unit", json!("¥"))]),
                f(
                    Calc,
                    "subtotal",
                    "Subtotal",
                    &[
                        ("expression", json!("quantity*unit_price")),
                        ("format", json!("NUMBER_DIGIT")),
                    ],
                ),
                f(
                    DropDown,
                    "item_type",
                    "Item type",
                    &[("options", options(&["Hardware", "Software", "Service"]))],
                ),
                f(Date, "ship_date", "Ship date", &[]),
            ],
        ),
        f(
            Calc,
            "total",
            "Total",
            &[
                ("expression", json!("SUM(subtotal)")),
                ("format", json!("NUMBER_DIGIT")),
                ("unit", json!("¥")),
            ],
        ),
        f(
            Number,
            "discount",
            "Discount",
            &[
                ("displayScale", json!("1")),
                ("unit", json!("%")),
                ("unitPosition", json!("AFTER")),
            ],
        ),
        f(
            RadioButton,
            "priority",
            "Priority",
            &[
                ("options", options(&["Low", "Normal", "High"])),
                ("defaultValue", json!("Normal")),
            ],
        ),
        f(
            CheckBox,
            "tags",
            "Tags",
            &[(
                "options",
                options(&["Urgent", "Gift", "Wholesale", "Repeat"]),
            )],
        ),
        f(
            MultiSelect,
            "channels",
            "Channels",
            &[("options", options(&["Web", "Phone", "Email", "Store"]))],
        ),
        f(
            File,
            "attachments",
            "Attachments",
            &[("thumbnailSize", json!("150"))],
        ),
        f(
            UserSelect,
            "owner",
            "Owner",
            &[(
                "entities",
                json!([{"code": "sales_team", "type": "GROUP"}, {"code": "demo", "type": "USER"}]),
            )],
        ),
        f(OrganizationSelect, "department", "Department", &[]),
        f(GroupSelect, "team", "Team", &[]),
        f(RichText, "remarks", "Remarks", &[]),
        f(Group, "shipping", "Shipping", &[("openGroup", json!(true))]),
        f(MultiLineText, "ship_address", "Shipping address", &[]),
        f(Link, "tracking_url", "Tracking URL", &[]),
    ]);
    let entity =
        |t: &str, c: Option<&str>| json!({"entity": {"type": t, "code": c}, "includeSubs": false});
    let status = json!({
        "enable": true,
        "states": {
            "Not started": {"name": "Not started", "index": "0", "assignee": {"type": "ONE", "entities": [entity("CREATOR", None)]}},
            "In progress": {"name": "In progress", "index": "1", "assignee": {"type": "ONE", "entities": [entity("USER", Some("sato")), entity("USER", Some("alice"))]}},
            "Review": {"name": "Review", "index": "2", "assignee": {"type": "ANY", "entities": [entity("GROUP", Some("admins"))]}},
            "Completed": {"name": "Completed", "index": "3", "assignee": {"type": "ONE", "entities": []}},
        },
        "actions": [
            {"name": "Start", "from": "Not started", "to": "In progress", "filterCond": "", "type": "PRIMARY", "executableUser": {"entities": []}},
            {"name": "Submit", "from": "In progress", "to": "Review", "filterCond": "", "type": "PRIMARY", "executableUser": {"entities": []}},
            {"name": "Approve", "from": "Review", "to": "Completed", "filterCond": "", "type": "PRIMARY", "executableUser": {"entities": []}},
            {"name": "Send back", "from": "Review", "to": "In progress", "filterCond": "", "type": "SECONDARY", "executableUser": {"entities": []}},
            {"name": "Cancel", "from": "Not started", "to": "Completed", "filterCond": "", "type": "SECONDARY", "executableUser": {"entities": []}},
        ],
    });
    let mut app = build_app(AppSpec {
        id: ORDERS_APP,
        code: "ORD",
        name: "Orders",
        description: "Orders with line items, a lookup into Customers and process management.",
        space: Some(NORMAL_SPACE),
        fields,
        groups: vec![("shipping", vec!["ship_address", "tracking_url"])],
        views: vec![
            list_view(
                2001,
                "All orders",
                0,
                &[
                    "Record_number",
                    "customer",
                    "customer_name",
                    "order_date",
                    "total",
                    "Status",
                ],
                "",
                "Record_number desc",
            ),
            list_view(
                2002,
                "High priority",
                1,
                &["Record_number", "customer_name", "priority"],
                "priority in (\"High\")",
                "order_date desc",
            ),
            json!({"type": "CALENDAR", "name": "Order calendar", "id": "2003", "index": "2", "filterCond": "", "sort": "Record_number desc", "date": "order_date", "title": "customer_name"}),
            json!({"type": "LIST", "builtinType": "ASSIGNEE", "name": "(Assigned to me)", "id": "2004", "index": "3", "filterCond": "", "sort": "Record_number desc", "fields": ["Record_number", "Status", "Assignee"]}),
        ],
        status,
        tokens: vec![
            (TOKEN_ORDERS_VIEW, [true, false, false, false, false], true),
            (TOKEN_ORDERS_FULL, [true, true, true, true, false], true),
            (TOKEN_ORDERS_ADD, [false, true, false, false, false], true),
        ],
        // bob has no access to this app (permission tests).
        acl_users: vec!["demo", "sato", "alice"],
        comments_enabled: true,
    });
    let f1 = add_file(
        d,
        1,
        "readme.txt",
        "text/plain",
        b"Hello from the kintone sandbox.\n".to_vec(),
    );
    let f2 = add_file(
        d,
        2,
        "invoice-0001.csv",
        "text/csv",
        b"item,qty,price\nWidget,2,1200\n".to_vec(),
    );
    let f3 = add_file(d, 3, "pixel.png", "image/png", PIXEL_PNG.to_vec());
    for i in 1..=40u32 {
        let mut v = BTreeMap::new();
        let cust = if i % 13 == 0 {
            None
        } else {
            Some((i % 30) + 1)
        };
        match cust {
            Some(c) => {
                v.insert("customer".into(), json!(customer_code(c)));
                v.insert("customer_name".into(), json!(COMPANIES[(c - 1) as usize]));
                let country = if c % 11 == 0 {
                    ""
                } else {
                    COUNTRIES[(c % 5) as usize]
                };
                v.insert("customer_country".into(), json!(country));
            }
            None => {
                v.insert("customer".into(), json!(""));
                v.insert("customer_name".into(), json!(""));
                v.insert("customer_country".into(), json!(""));
            }
        }
        v.insert(
            "order_date".into(),
            json!(date((2025, 10, 1), i as i64 * 3)),
        );
        v.insert(
            "ordered_at".into(),
            json!(if i % 8 == 0 {
                String::new()
            } else {
                ts(Utc
                    .with_ymd_and_hms(2025, 10, 1, 0, 0, 0)
                    .single()
                    .unwrap_or_default()
                    + Duration::minutes(i as i64 * (3 * 1440 + 313)))
            }),
        );
        v.insert(
            "pickup_time".into(),
            if i % 6 == 0 {
                Json::Null
            } else {
                json!(format!("{:02}:{:02}", (8 + i) % 24, (i * 15) % 60))
            },
        );
        let mut rows = Vec::new();
        let mut total: i64 = 0;
        for k in 0..(i % 4) {
            let (name, kind, price) = PRODUCTS[((i + k) % 6) as usize];
            let qty = ((i + k) % 5 + 1) as i64;
            let sub = qty * price as i64;
            total += sub;
            let ship = if (i + k) % 5 == 0 {
                Json::Null
            } else {
                json!(date((2025, 11, 1), (i + k) as i64))
            };
            rows.push(row(
                d,
                &[
                    ("product", SingleLineText, json!(name)),
                    ("quantity", Number, json!(qty.to_string())),
                    ("unit_price", Number, json!(price.to_string())),
                    ("subtotal", Calc, json!(sub.to_string())),
                    ("item_type", DropDown, json!(kind)),
                    ("ship_date", Date, ship),
                ],
            ));
        }
        v.insert(
            "total".into(),
            json!(if rows.is_empty() {
                "0".to_string()
            } else {
                total.to_string()
            }),
        );
        v.insert("items".into(), Json::Array(rows));
        v.insert(
            "discount".into(),
            json!(match i % 5 {
                0 => "",
                1 => "5",
                2 => "12.5",
                3 => "0",
                _ => "-2.5",
            }),
        );
        v.insert(
            "priority".into(),
            if i == 7 {
                Json::Null
            } else {
                json!(["Low", "Normal", "High"][(i % 3) as usize])
            },
        );
        let tags: Vec<&str> = ["Urgent", "Gift", "Wholesale", "Repeat"]
            .iter()
            .enumerate()
            .filter(|(k, _)| (i >> k) & 1 == 1)
            .map(|(_, t)| *t)
            .collect();
        v.insert("tags".into(), json!(tags));
        let channels: Vec<&str> = ["Web", "Phone", "Email", "Store"]
            .iter()
            .enumerate()
            .filter(|(k, _)| (i + *k as u32) % 3 == 0)
            .map(|(_, t)| *t)
            .collect();
        v.insert("channels".into(), json!(channels));
        let files = match i {
            1 => vec![f1.clone(), f2.clone()],
            2 => vec![f3.clone()],
            _ => vec![],
        };
        v.insert("attachments".into(), json!(files));
        let owner = match i % 4 {
            0 => vec![],
            1 => vec![user("sato")],
            2 => vec![user("alice")],
            _ => vec![user("sato"), user("demo")],
        };
        v.insert("owner".into(), json!(owner));
        let dept = match i % 3 {
            0 => vec![],
            1 => vec![org("sales")],
            _ => vec![org("dev"), org("hq")],
        };
        v.insert("department".into(), json!(dept));
        let team = match i % 5 {
            0 | 4 => vec![],
            1 => vec![group("sales_team")],
            2 => vec![group("developers")],
            _ => vec![group("admins"), group("sales_team")],
        };
        v.insert("team".into(), json!(team));
        v.insert(
            "remarks".into(),
            json!(if i % 3 == 0 {
                String::new()
            } else {
                format!("<div>Order <b>{i}</b> remarks</div>")
            }),
        );
        v.insert(
            "ship_address".into(),
            json!(if i % 4 == 0 {
                String::new()
            } else {
                format!("{i} Main Street\nSpringfield")
            }),
        );
        v.insert(
            "tracking_url".into(),
            json!(if i % 2 == 0 {
                String::new()
            } else {
                format!("https://track.example.com/{i:06}")
            }),
        );
        let cats: Vec<&str> = match i % 4 {
            0 => vec![],
            1 => vec!["Domestic"],
            2 => vec!["Overseas"],
            _ => vec!["Domestic", "Priority"],
        };
        v.insert("Categories".into(), json!(cats));
        let creator = ["demo", "sato", "alice"][(i % 3) as usize];
        let state = ORDER_STATES[(i % 4) as usize];
        v.insert("Status".into(), json!(state));
        let assignees = match state {
            "Not started" => vec![user(creator)],
            "In progress" => vec![user(if i % 2 == 0 { "sato" } else { "alice" })],
            "Review" => vec![user("demo")],
            _ => vec![],
        };
        v.insert("Assignee".into(), json!(assignees));
        let created = base_time() + Duration::hours(i as i64 * 5);
        let modifier = if i % 5 == 0 { "alice" } else { creator };
        let revision = 1 + 2 * (i % 4) as u64;
        put_record(
            &mut app,
            &SYS_EN,
            v,
            creator,
            created,
            modifier,
            created + Duration::minutes(i as i64 * 11),
            revision,
        );
    }
    let comments = [
        (1, "demo", "Order received. Preparing shipment.", vec![]),
        (
            1,
            "sato",
            "Customer asked for gift wrapping.\nPlease check.",
            vec![json!({"code": "demo", "type": "USER"})],
        ),
        (
            1,
            "alice",
            "Shipped 🚚",
            vec![json!({"code": "sales_team", "type": "GROUP"})],
        ),
    ];
    add_comments(&mut app, comments.to_vec());
    app
}

fn add_comments(app: &mut App, list: Vec<(u64, &str, &str, Vec<Json>)>) {
    for (k, (rid, who, text, mentions)) in list.into_iter().enumerate() {
        let id = app.next_comment_id;
        app.next_comment_id += 1;
        if let Some(rec) = app.records.get_mut(&rid) {
            rec.comments.push(Comment {
                id,
                text: text.into(),
                created_at: base_time() + Duration::days(2) + Duration::minutes(k as i64 * 30),
                creator: who.into(),
                mentions,
            });
        }
    }
}

const JA_NAMES: [&str; 24] = [
    "山田 太郎",
    "佐藤 花子 🌸",
    "鈴木 一郎",
    "高橋 美咲",
    "",
    "伊藤 健太",
    "渡辺 さくら",
    "中村 翔",
    "小林 由美",
    "加藤 大輔",
    "吉田 真央 😀",
    "山本 拓也",
    "松本 愛",
    "井上 陽介",
    "木村 葵",
    "林 光",
    "斎藤 蓮",
    "清水 結衣",
    "山口 颯",
    "",
    "森 陽菜",
    "池田 湊",
    "橋本 凛",
    "阿部 蒼",
];
const PREFS: [&str; 5] = ["北海道", "東京都", "大阪府", "福岡県", "沖縄県"];

fn japanese_app(d: &mut Domain) -> App {
    use FieldType::*;
    let mut fields = sys_fields(true, false, false);
    fields.extend([
        f(
            SingleLineText,
            "氏名",
            "氏名",
            &[("maxLength", json!("64"))],
        ),
        f(SingleLineText, "ふりがな", "ふりがな", &[]),
        f(MultiLineText, "備考", "備考", &[]),
        f(RichText, "本文", "本文", &[]),
        f(
            Number,
            "金額",
            "金額",
            &[
                ("digit", json!(true)),
                ("unit", json!("円")),
                ("unitPosition", json!("AFTER")),
            ],
        ),
        f(
            Calc,
            "税込金額",
            "税込金額",
            &[
                ("expression", json!("ROUNDDOWN(金額*1.1, 0)")),
                ("format", json!("NUMBER_DIGIT")),
                ("unit", json!("円")),
                ("unitPosition", json!("AFTER")),
            ],
        ),
        f(
            CheckBox,
            "趣味",
            "趣味",
            &[
                ("options", options(&["読書", "音楽", "旅行", "料理"])),
                ("align", json!("VERTICAL")),
            ],
        ),
        f(
            RadioButton,
            "性別",
            "性別",
            &[
                ("options", options(&["男性", "女性", "その他"])),
                ("defaultValue", json!("その他")),
            ],
        ),
        f(
            DropDown,
            "都道府県",
            "都道府県",
            &[("options", options(&PREFS))],
        ),
        f(
            MultiSelect,
            "言語",
            "言語",
            &[("options", options(&["日本語", "英語", "中国語", "韓国語"]))],
        ),
        f(File, "添付ファイル", "添付ファイル", &[]),
        f(Link, "ホームページ", "ホームページ", &[]),
        f(Date, "誕生日", "誕生日", &[]),
        f(Time, "開始時刻", "開始時刻", &[]),
        f(DateTime, "予約日時", "予約日時", &[]),
        f(
            UserSelect,
            "担当者",
            "担当者",
            &[(
                "defaultValue",
                json!([{"code": "LOGINUSER()", "type": "FUNCTION"}]),
            )],
        ),
        f(
            OrganizationSelect,
            "部署",
            "部署",
            &[(
                "defaultValue",
                json!([{"code": "PRIMARY_ORGANIZATION()", "type": "FUNCTION"}]),
            )],
        ),
        f(GroupSelect, "グループ", "グループ", &[]),
        table(
            "明細",
            "明細",
            vec![
                f(SingleLineText, "品名", "品名", &[]),
                f(Number, "数量", "数量", &[]),
                f(Date, "納期", "納期", &[]),
                f(Time, "時刻", "時刻", &[]),
                f(DateTime, "日時", "日時", &[]),
                f(CheckBox, "確認", "確認", &[("options", options(&["済"]))]),
                f(UserSelect, "確認者", "確認者", &[]),
                f(MultiLineText, "メモ", "メモ", &[]),
            ],
        ),
        f(Group, "詳細", "詳細", &[]),
    ]);
    let mut app = build_app(AppSpec {
        id: JAPANESE_APP,
        code: "",
        name: "日本語アプリ",
        description: "日本語のフィールドコードとラベルを持つアプリ 🎌",
        space: None,
        fields,
        groups: vec![("詳細", vec!["備考", "本文"])],
        views: vec![
            list_view(
                3001,
                "一覧",
                0,
                &["レコード番号", "氏名", "都道府県", "金額"],
                "",
                "レコード番号 desc",
            ),
            json!({"type": "CUSTOM", "name": "カスタム一覧", "id": "3002", "index": "1", "filterCond": "", "sort": "レコード番号 desc", "html": "<div id=\"custom-view\"></div>", "pager": true, "device": "DESKTOP"}),
        ],
        status: json!({
            "enable": false,
            "states": {
                "未処理": {"name": "未処理", "index": "0", "assignee": {"type": "ONE", "entities": []}},
                "処理中": {"name": "処理中", "index": "1", "assignee": {"type": "ONE", "entities": []}},
                "完了": {"name": "完了", "index": "2", "assignee": {"type": "ONE", "entities": []}},
            },
            "actions": [
                {"name": "処理開始", "from": "未処理", "to": "処理中", "filterCond": "", "type": "PRIMARY", "executableUser": {"entities": []}},
                {"name": "完了する", "from": "処理中", "to": "完了", "filterCond": "", "type": "PRIMARY", "executableUser": {"entities": []}},
            ],
        }),
        tokens: vec![
            (
                TOKEN_JAPANESE_VIEW,
                [true, false, false, false, false],
                true,
            ),
            (TOKEN_JAPANESE_FULL, [true, true, true, true, false], true),
        ],
        acl_users: vec![],
        comments_enabled: true,
    });
    let f4 = add_file(
        d,
        4,
        "見積書.txt",
        "text/plain",
        "御見積書\n金額: 12,000円\n".as_bytes().to_vec(),
    );
    let f5 = add_file(d, 5, "写真.png", "image/png", PIXEL_PNG.to_vec());
    for i in 1..=24u32 {
        let name = JA_NAMES[(i - 1) as usize];
        let mut v = BTreeMap::new();
        if name.is_empty() {
            // Records 5 and 20: every field empty (NULL handling of every type).
            for (code, p) in &app.live.fields {
                if let Some(t) = crate::model::field_type_of(p) {
                    if t.has_value()
                        && !t.is_system()
                        && !matches!(t, Creator | CreatedTime | Modifier | UpdatedTime)
                    {
                        v.insert(code.clone(), crate::api::form::empty_value(t));
                    }
                }
            }
            v.insert("税込金額".into(), json!(""));
        } else {
            v.insert("氏名".into(), json!(name));
            v.insert(
                "ふりがな".into(),
                json!(if i % 4 == 0 {
                    String::new()
                } else {
                    format!("ふりがな{i}")
                }),
            );
            v.insert(
                "備考".into(),
                json!(match i % 3 {
                    0 => String::new(),
                    1 => format!("東京タワー🗼の近く\n{i}番目の記録"),
                    _ => "特記事項なし".to_string(),
                }),
            );
            v.insert(
                "本文".into(),
                json!(if i % 2 == 0 {
                    String::new()
                } else {
                    format!("<p>こんにちは、<b>{name}</b>さん</p>")
                }),
            );
            let amount = (i as i64 * 1234) % 20000;
            let amount_s = if i % 7 == 0 {
                String::new()
            } else {
                amount.to_string()
            };
            v.insert("金額".into(), json!(amount_s));
            v.insert(
                "税込金額".into(),
                json!(if amount_s.is_empty() {
                    String::new()
                } else {
                    (amount * 11 / 10).to_string()
                }),
            );
            let hobbies: Vec<&str> = ["読書", "音楽", "旅行", "料理"]
                .iter()
                .enumerate()
                .filter(|(k, _)| (i + *k as u32) % 2 == 0)
                .map(|(_, h)| *h)
                .collect();
            v.insert("趣味".into(), json!(hobbies));
            v.insert(
                "性別".into(),
                json!(["男性", "女性", "その他"][(i % 3) as usize]),
            );
            v.insert(
                "都道府県".into(),
                if i % 6 == 0 {
                    Json::Null
                } else {
                    json!(PREFS[(i % 5) as usize])
                },
            );
            let langs: Vec<&str> = ["日本語", "英語", "中国語", "韓国語"]
                .iter()
                .enumerate()
                .filter(|(k, _)| *k == 0 || (i + *k as u32) % 4 == 0)
                .map(|(_, h)| *h)
                .collect();
            v.insert("言語".into(), json!(langs));
            let files = match i {
                1 => vec![f4.clone()],
                3 => vec![f5.clone()],
                _ => vec![],
            };
            v.insert("添付ファイル".into(), json!(files));
            v.insert(
                "ホームページ".into(),
                json!(if i % 3 == 0 {
                    String::new()
                } else {
                    format!("https://例え.jp/{i}")
                }),
            );
            v.insert(
                "誕生日".into(),
                if i % 5 == 0 {
                    Json::Null
                } else {
                    json!(date((1970, 1, 1), i as i64 * 601))
                },
            );
            v.insert(
                "開始時刻".into(),
                if i % 4 == 0 {
                    Json::Null
                } else {
                    json!(format!("{:02}:{:02}", (i * 5) % 24, (i * 10) % 60))
                },
            );
            v.insert(
                "予約日時".into(),
                json!(if i % 5 == 0 {
                    String::new()
                } else {
                    ts(base_time() + Duration::minutes(i as i64 * 997))
                }),
            );
            v.insert(
                "担当者".into(),
                json!(match i % 3 {
                    0 => vec![],
                    1 => vec![user("sato")],
                    _ => vec![user("demo"), user("alice")],
                }),
            );
            v.insert(
                "部署".into(),
                json!(if i % 2 == 0 {
                    vec![org("sales")]
                } else {
                    vec![]
                }),
            );
            v.insert(
                "グループ".into(),
                json!(if i % 4 == 1 {
                    vec![group("sales_team")]
                } else {
                    vec![]
                }),
            );
            let mut rows = Vec::new();
            for k in 0..(i % 3) {
                rows.push(row(
                    d,
                    &[
                        (
                            "品名",
                            SingleLineText,
                            json!(format!("品目{}-{}", i, k + 1)),
                        ),
                        ("数量", Number, json!(((i + k) % 9 + 1).to_string())),
                        ("納期", Date, json!(date((2026, 2, 1), (i + k) as i64))),
                        ("時刻", Time, json!(format!("{:02}:30", (9 + k) % 24))),
                        (
                            "日時",
                            DateTime,
                            json!(ts(base_time() + Duration::hours((i * 10 + k) as i64))),
                        ),
                        (
                            "確認",
                            CheckBox,
                            json!(if k == 0 { vec!["済"] } else { vec![] }),
                        ),
                        (
                            "確認者",
                            UserSelect,
                            json!(if k == 0 { vec![user("sato")] } else { vec![] }),
                        ),
                        (
                            "メモ",
                            MultiLineText,
                            json!(if k == 0 { "初回 🎉" } else { "" }),
                        ),
                    ],
                ));
            }
            v.insert("明細".into(), Json::Array(rows));
        }
        let creator = if i % 2 == 0 { "sato" } else { "demo" };
        let created = base_time() + Duration::hours(i as i64 * 3) + Duration::minutes(i as i64);
        put_record(
            &mut app,
            &SYS_JA,
            v,
            creator,
            created,
            creator,
            created + Duration::hours(1),
            1,
        );
    }
    add_comments(
        &mut app,
        vec![(
            1,
            "sato",
            "確認しました 👍",
            vec![json!({"code": "demo", "type": "USER"})],
        )],
    );
    app
}

const KINDS: [&str; 4] = ["alpha", "beta", "gamma", "delta"];

fn events_app(n: usize) -> App {
    use FieldType::*;
    let mut fields = sys_fields(false, false, false);
    fields.extend([
        f(SingleLineText, "title", "Title", &[]),
        f(Number, "seq", "Sequence", &[("unique", json!(true))]),
        f(Number, "score", "Score", &[("displayScale", json!("1"))]),
        f(Date, "day", "Day", &[]),
        f(DateTime, "starts_at", "Starts at", &[]),
        f(DropDown, "kind", "Kind", &[("options", options(&KINDS))]),
    ]);
    let mut app = build_app(AppSpec {
        id: EVENTS_APP,
        code: "",
        name: "Events",
        description: "A large app: every value is a function of the record number.",
        space: None,
        fields,
        groups: vec![],
        views: vec![list_view(
            4001,
            "All events",
            0,
            &["Record_number", "title", "seq", "day", "kind"],
            "",
            "seq asc",
        )],
        status: no_process(),
        tokens: vec![
            (TOKEN_EVENTS_VIEW, [true, false, false, false, false], true),
            (TOKEN_EVENTS_FULL, [true, true, true, true, false], true),
        ],
        acl_users: vec![],
        comments_enabled: false,
    });
    let start = Utc
        .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let day0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
    let demo = user("demo");
    for k in 1..=n {
        let n = k as i64;
        let mut v = BTreeMap::new();
        v.insert("title".into(), json!(format!("Event {k:05}")));
        v.insert("seq".into(), json!(k.to_string()));
        let score = (n * 7919) % 10000;
        v.insert(
            "score".into(),
            json!(format!("{}.{}", score / 10, score % 10)),
        );
        v.insert(
            "day".into(),
            json!((day0 + Duration::days(n % 731))
                .format("%Y-%m-%d")
                .to_string()),
        );
        v.insert(
            "starts_at".into(),
            json!(ts(start + Duration::minutes(n * 11))),
        );
        v.insert(
            "kind".into(),
            if k % 100 == 0 {
                Json::Null
            } else {
                json!(KINDS[k % 4])
            },
        );
        let id = app.next_record_id;
        app.next_record_id += 1;
        let created = ts(base_time() + Duration::minutes(n));
        v.insert("Record_number".into(), json!(id.to_string()));
        v.insert("Created_by".into(), demo.clone());
        v.insert("Created_datetime".into(), json!(created.clone()));
        v.insert("Updated_by".into(), demo.clone());
        v.insert("Updated_datetime".into(), json!(created));
        app.records.insert(id, Record::new(id, 1, v));
    }
    app
}

fn guest_app() -> App {
    use FieldType::*;
    let mut fields = sys_fields(false, false, false);
    fields.extend([
        f(SingleLineText, "task", "Task", &[("required", json!(true))]),
        f(CheckBox, "done", "Done", &[("options", options(&["Done"]))]),
        f(Date, "due", "Due date", &[]),
        f(UserSelect, "owner", "Owner", &[]),
    ]);
    let mut app = build_app(AppSpec {
        id: GUEST_APP,
        code: "GT",
        name: "Guest Tasks",
        description: "An app in a guest space: reach it through /k/guest/2/v1/.",
        space: Some(GUEST_SPACE),
        fields,
        groups: vec![],
        views: vec![list_view(
            5001,
            "All tasks",
            0,
            &["Record_number", "task", "done", "due"],
            "",
            "due asc",
        )],
        status: no_process(),
        tokens: vec![(TOKEN_GUEST_FULL, [true, true, true, true, false], true)],
        acl_users: vec![],
        comments_enabled: true,
    });
    for i in 1..=8u32 {
        let mut v = BTreeMap::new();
        v.insert("task".into(), json!(format!("Partner task {i}")));
        v.insert(
            "done".into(),
            json!(if i % 2 == 0 { vec!["Done"] } else { vec![] }),
        );
        v.insert(
            "due".into(),
            if i == 8 {
                Json::Null
            } else {
                json!(date((2026, 1, 10), i as i64))
            },
        );
        v.insert(
            "owner".into(),
            json!(if i % 3 == 0 {
                vec![]
            } else {
                vec![user("alice")]
            }),
        );
        let created = base_time() + Duration::hours(i as i64);
        put_record(&mut app, &SYS_EN, v, "alice", created, "alice", created, 1);
    }
    app
}
