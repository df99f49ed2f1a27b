//! End-to-end tests of the query engine against a test app with every field type.

use super::*;
use crate::model::{AppSettings, Record};
use indexmap::IndexMap;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Builds an app from a JSON form definition (`{code: property}`, §7.3) and a
/// process-management JSON (§7.6).
pub fn make_app(form: Value, status: Value) -> App {
    let mut fields = IndexMap::new();
    if let Value::Object(m) = form {
        for (code, mut props) in m {
            if let Some(o) = props.as_object_mut() {
                o.insert("code".into(), json!(code));
            }
            fields.insert(code, props);
        }
    }
    let settings = AppSettings {
        fields,
        layout: json!([]),
        views: IndexMap::new(),
        status,
        revision: 1,
    };
    let t = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    App {
        id: 1,
        code: "APP".into(),
        name: "test".into(),
        description: String::new(),
        space_id: None,
        thread_id: None,
        created_at: t,
        creator: "sato".into(),
        modified_at: t,
        modifier: "sato".into(),
        live: settings.clone(),
        preview: settings,
        deploy_status: None,
        records: BTreeMap::new(),
        next_record_id: 1,
        next_comment_id: 1,
        api_tokens: vec![],
        acl_users: vec![],
        comments_enabled: true,
    }
}

fn add(app: &mut App, id: u64, values: Value) {
    let mut map = BTreeMap::new();
    if let Value::Object(m) = values {
        for (k, v) in m {
            map.insert(k, v);
        }
    }
    app.records.insert(id, Record::new(id, 1, map));
}

fn opts(names: &[&str]) -> Value {
    let mut m = serde_json::Map::new();
    for (i, n) in names.iter().enumerate() {
        m.insert(n.to_string(), json!({"label": n, "index": i.to_string()}));
    }
    Value::Object(m)
}

fn ctx_at(now: &str, tz: chrono_tz::Tz) -> EvalCtx {
    EvalCtx {
        now: DateTime::parse_from_rfc3339(now)
            .unwrap()
            .with_timezone(&Utc),
        tz,
        login_user: "sato".into(),
        primary_organization: Some("dev".into()),
        like_abort_threshold: 100_000,
    }
}

/// 2024-03-01T20:00Z: Saturday 2024-03-02 in Tokyo, Friday 2024-03-01 in Honolulu.
fn tokyo() -> EvalCtx {
    ctx_at("2024-03-01T20:00:00Z", chrono_tz::Asia::Tokyo)
}
fn honolulu() -> EvalCtx {
    ctx_at("2024-03-01T20:00:00Z", chrono_tz::Pacific::Honolulu)
}

fn row(id: &str, name: &str, qty: &str) -> Value {
    json!({"id": id, "value": {
        "name": {"type": "SINGLE_LINE_TEXT", "value": name},
        "qty": {"type": "NUMBER", "value": qty}}})
}

fn user(code: &str) -> Value {
    json!({"code": code, "name": code})
}

fn test_app() -> App {
    let form = json!({
        "レコード番号": {"type": "RECORD_NUMBER"},
        "作成者": {"type": "CREATOR"},
        "作成日時": {"type": "CREATED_TIME"},
        "更新者": {"type": "MODIFIER"},
        "更新日時": {"type": "UPDATED_TIME"},
        "title": {"type": "SINGLE_LINE_TEXT"},
        "link": {"type": "LINK"},
        "memo": {"type": "MULTI_LINE_TEXT"},
        "rich": {"type": "RICH_TEXT"},
        "amount": {"type": "NUMBER"},
        "total": {"type": "CALC"},
        "tags": {"type": "CHECK_BOX", "options": opts(&["A", "B", "C"])},
        "kind": {"type": "RADIO_BUTTON", "options": opts(&["高", "中", "低"])},
        "rank": {"type": "DROP_DOWN", "options": opts(&["high", "mid", "low"])},
        "multi": {"type": "MULTI_SELECT", "options": opts(&["x", "y"])},
        "files": {"type": "FILE"},
        "due": {"type": "DATE"},
        "at": {"type": "DATETIME"},
        "clock": {"type": "TIME"},
        "owner": {"type": "USER_SELECT"},
        "org": {"type": "ORGANIZATION_SELECT"},
        "grp": {"type": "GROUP_SELECT"},
        "ステータス": {"type": "STATUS", "enabled": true},
        "作業者": {"type": "STATUS_ASSIGNEE", "enabled": true},
        "カテゴリー": {"type": "CATEGORY", "enabled": true},
        "items": {"type": "SUBTABLE", "fields": {
            "name": {"type": "SINGLE_LINE_TEXT", "code": "name"},
            "qty": {"type": "NUMBER", "code": "qty"},
            "opt": {"type": "CHECK_BOX", "code": "opt", "options": opts(&["p", "q"])},
            "when": {"type": "DATE", "code": "when"}}},
        "rel": {"type": "REFERENCE_TABLE", "referenceTable": {}},
        "grp1": {"type": "GROUP"},
        "key_lookup": {"type": "SINGLE_LINE_TEXT", "lookup": {"relatedApp": {"app": "2"},
            "relatedKeyField": "k", "fieldMappings": []}},
        "文字列・１": {"type": "SINGLE_LINE_TEXT"},
    });
    let status = json!({"enable": true, "states": {
        "完了": {"name": "完了", "index": "2"},
        "未処理": {"name": "未処理", "index": "0"},
        "処理中": {"name": "処理中", "index": "1"}}});
    let mut app = make_app(form, status);
    add(
        &mut app,
        1,
        json!({
            "レコード番号": "APP-1", "作成者": user("sato"), "更新者": user("suzuki"),
            "作成日時": "2024-03-01T10:00:00Z", "更新日時": "2024-03-01T15:00:00Z",
            "title": "Hello World", "link": "https://example.com/a",
            "memo": "gamma keyword\nline two", "rich": "<p>Rich <b>bold</b> text</p>",
            "amount": "1200", "total": "2400", "tags": ["A", "B"], "kind": "低",
            "rank": "high", "multi": ["x"],
            "files": [{"name": "report.pdf", "fileKey": "k1", "size": "3", "contentType": "application/pdf"}],
            "due": "2024-03-02", "at": "2024-03-01T15:00:00Z", "clock": "09:30",
            "owner": [user("sato")], "org": [{"code": "dev", "name": "Dev"}],
            "grp": [{"code": "admins", "name": "Admins"}],
            "ステータス": "未処理", "作業者": [user("sato")], "カテゴリー": ["cat1"],
            "items": [row("10", "apple", "3"), row("11", "banana", "5")],
            "key_lookup": "K-1", "文字列・１": "値",
        }),
    );
    add(
        &mut app,
        2,
        json!({
            "レコード番号": "APP-2", "作成者": user("suzuki"), "更新者": user("sato"),
            "作成日時": "2024-02-29T10:00:00Z", "更新日時": "2024-02-29T10:00:00Z",
            "title": "hello world", "link": "", "memo": "  \n\t ", "rich": "",
            "amount": "-1.5", "total": "", "tags": [], "kind": "高", "rank": null,
            "multi": [], "files": [], "due": "2024-03-01", "at": "2024-03-01T14:59:00Z",
            "clock": "", "owner": [], "org": [], "grp": [], "ステータス": "処理中",
            "作業者": [], "カテゴリー": [], "items": [row("12", "apple", "5")],
        }),
    );
    add(
        &mut app,
        3,
        json!({
            "レコード番号": "APP-3", "作成者": user("tanaka"), "更新者": user("tanaka"),
            "title": "東京都に住む", "memo": "これはテストです", "rich": "<div>日本語のテキスト</div>",
            "amount": "", "tags": ["C"], "kind": null, "rank": "low", "due": null, "at": "",
            "ステータス": "完了", "items": [],
        }),
    );
    add(
        &mut app,
        4,
        json!({"レコード番号": "APP-4", "title": "", "link": "a\"b\\c", "memo": ""}),
    );
    add(
        &mut app,
        5,
        json!({
            "レコード番号": "APP-5", "作成者": user("sato"), "更新者": user("sato"),
            "作成日時": "2024-03-02T01:00:00Z",
            "title": "keyword", "amount": "1200.0", "total": "10", "kind": "中", "rank": "mid",
            "tags": ["A"], "multi": ["x", "y"], "due": "2024-02-29", "at": "2024-03-02T15:00:00Z",
            "clock": "18:00", "ステータス": "未処理",
            "items": [json!({"id": "13", "value": {
                "name": {"type": "SINGLE_LINE_TEXT", "value": "cherry"},
                "qty": {"type": "NUMBER", "value": ""},
                "opt": {"type": "CHECK_BOX", "value": ["p"]},
                "when": {"type": "DATE", "value": "2024-03-02"}}})],
        }),
    );
    app
}

fn sel_ctx(app: &App, q: &str, ctx: &EvalCtx) -> Vec<u64> {
    match prepare(app, q, QueryKind::Records, ctx) {
        Ok(p) => p.select(app, ctx).ids,
        Err(e) => panic!("query {q:?} failed: {e}"),
    }
}

fn sel(app: &App, q: &str) -> Vec<u64> {
    sel_ctx(app, q, &tokyo())
}

fn err(app: &App, q: &str) -> (u16, String) {
    match prepare(app, q, QueryKind::Records, &tokyo()) {
        Ok(_) => panic!("query {q:?} was accepted"),
        Err(e) => (e.status, e.code),
    }
}

fn code(app: &App, q: &str) -> String {
    let (status, code) = err(app, q);
    assert_eq!(status, 400, "{q}");
    code
}

#[test]
fn empty_query_is_all_records_id_desc() {
    let app = test_app();
    assert_eq!(sel(&app, ""), vec![5, 4, 3, 2, 1]);
    assert_eq!(sel(&app, "order by $id asc"), vec![1, 2, 3, 4, 5]);
}

#[test]
fn numbers_compare_as_decimals() {
    let app = test_app();
    assert_eq!(sel(&app, "amount = 1200"), vec![5, 1]);
    assert_eq!(sel(&app, "amount = \"1200.00\""), vec![5, 1]);
    assert_eq!(sel(&app, "amount > 0"), vec![5, 1]);
    assert_eq!(sel(&app, "amount < 0"), vec![2]);
    assert_eq!(sel(&app, "amount >= \"1200\""), vec![5, 1]);
    assert_eq!(sel(&app, "amount <= -1.5"), vec![2]);
    assert_eq!(sel(&app, "amount < 100000"), vec![5, 2, 1]);
    assert_eq!(sel(&app, "amount = \"\""), vec![4, 3]);
    assert_eq!(sel(&app, "amount != 1200"), vec![4, 3, 2]);
    assert_eq!(sel(&app, "amount != \"\""), vec![5, 2, 1]);
    assert_eq!(sel(&app, "amount in (1200, -1.5)"), vec![5, 2, 1]);
    assert_eq!(sel(&app, "amount not in (1200)"), vec![4, 3, 2]);
    assert_eq!(sel(&app, "total > 100"), vec![1]);
    assert_eq!(sel(&app, "total in (10, 2400)"), vec![5, 1]);
    assert_eq!(code(&app, "amount > \"abc\""), "CB_VA01");
}

#[test]
fn id_and_record_number_numeric() {
    let app = test_app();
    assert_eq!(sel(&app, "$id > 2"), vec![5, 4, 3]);
    assert_eq!(sel(&app, "$id in (1, 3)"), vec![3, 1]);
    assert_eq!(sel(&app, "$id not in (1, 3)"), vec![5, 4, 2]);
    assert_eq!(sel(&app, "$id <= 2"), vec![2, 1]);
    assert_eq!(sel(&app, "$id != 2"), vec![5, 4, 3, 1]);
    assert_eq!(sel(&app, "レコード番号 >= 4"), vec![5, 4]);
    assert_eq!(sel(&app, "レコード番号 = \"3\""), vec![3]);
    assert_eq!(sel(&app, "レコード番号 in (1, 10)"), vec![1]);
    assert_eq!(sel(&app, "order by レコード番号 asc"), vec![1, 2, 3, 4, 5]);
}

#[test]
fn text_equality_and_in() {
    let app = test_app();
    assert_eq!(sel(&app, "title = \"Hello World\""), vec![1]);
    assert_eq!(sel(&app, "title = \"hello world\""), vec![2]);
    assert_eq!(sel(&app, "title = \"\""), vec![4]);
    assert_eq!(sel(&app, "title != \"\""), vec![5, 3, 2, 1]);
    assert_eq!(
        sel(&app, "title in (\"keyword\", \"Hello World\")"),
        vec![5, 1]
    );
    assert_eq!(sel(&app, "title not in (\"keyword\", \"\")"), vec![3, 2, 1]);
    assert_eq!(sel(&app, "link = \"a\\\"b\\\\c\""), vec![4]);
    assert_eq!(sel(&app, "link like \"example\""), vec![1]);
    assert_eq!(sel(&app, "key_lookup = \"K-1\""), vec![1]);
    assert_eq!(sel(&app, "文字列・１ = \"値\""), vec![1]);
    // Full-width space between tokens.
    assert_eq!(sel(&app, "title\u{3000}=\u{3000}\"keyword\""), vec![5]);
}

#[test]
fn like_word_search() {
    let app = test_app();
    assert_eq!(sel(&app, "memo like \"keyword\""), vec![1]);
    assert_eq!(sel(&app, "memo like \"key\""), Vec::<u64>::new());
    assert_eq!(sel(&app, "memo like \"GAMMA two\""), vec![1]);
    assert_eq!(sel(&app, "memo like \"gamma three\""), Vec::<u64>::new());
    assert_eq!(sel(&app, "memo like \"テスト\""), vec![3]);
    assert_eq!(sel(&app, "title like \"world\""), vec![2, 1]);
    assert_eq!(sel(&app, "title like \"京都\""), vec![3]);
    assert_eq!(sel(&app, "title like \"wor\""), Vec::<u64>::new());
    assert_eq!(sel(&app, "title not like \"world\""), vec![5, 4, 3]);
    assert_eq!(sel(&app, "rich like \"bold\""), vec![1]);
    assert_eq!(sel(&app, "rich like \"p\""), Vec::<u64>::new());
    assert_eq!(sel(&app, "rich like \"日本語\""), vec![3]);
    assert_eq!(sel(&app, "rich not like \"bold\""), vec![5, 4, 3, 2]);
    assert_eq!(sel(&app, "files like \"report\""), vec![1]);
    assert_eq!(sel(&app, "files like \"pdf\""), vec![1]);
    assert_eq!(sel(&app, "files not like \"report\""), vec![5, 4, 3, 2]);
}

#[test]
fn is_empty_on_multiline_and_file() {
    let app = test_app();
    // Record 2's memo is whitespace only; 5 has no memo at all.
    assert_eq!(sel(&app, "memo is empty"), vec![5, 4, 2]);
    assert_eq!(sel(&app, "memo is not empty"), vec![3, 1]);
    assert_eq!(sel(&app, "files is empty"), vec![5, 4, 3, 2]);
    assert_eq!(sel(&app, "files is not empty"), vec![1]);
}

#[test]
fn choice_fields() {
    let app = test_app();
    assert_eq!(sel(&app, "kind in (\"高\")"), vec![2]);
    assert_eq!(sel(&app, "kind in (\"高\", \"低\")"), vec![2, 1]);
    assert_eq!(sel(&app, "kind in (\"\")"), vec![4, 3]);
    assert_eq!(sel(&app, "kind not in (\"高\")"), vec![5, 4, 3, 1]);
    assert_eq!(sel(&app, "rank in (\"\")"), vec![4, 2]);
    assert_eq!(sel(&app, "rank not in (\"\", \"high\")"), vec![5, 3]);
    assert_eq!(sel(&app, "tags in (\"A\", \"C\")"), vec![5, 3, 1]);
    assert_eq!(sel(&app, "tags in (\"B\")"), vec![1]);
    assert_eq!(sel(&app, "tags not in (\"A\")"), vec![4, 3, 2]);
    assert_eq!(sel(&app, "multi in (\"y\")"), vec![5]);
    assert_eq!(sel(&app, "multi not in (\"y\")"), vec![4, 3, 2, 1]);
}

#[test]
fn choice_value_errors_precede_operator_errors() {
    let app = test_app();
    assert_eq!(code(&app, "kind in (\"zzz\")"), "GAIA_IQ10");
    assert_eq!(code(&app, "kind = \"zzz\""), "GAIA_IQ10");
    assert_eq!(code(&app, "kind = \"高\""), "GAIA_IQ03");
    assert_eq!(code(&app, "tags in (\"\")"), "GAIA_IQ10");
    assert_eq!(code(&app, "multi not in (\"x\", \"z\")"), "GAIA_IQ10");
    assert_eq!(code(&app, "rank in (\"HIGH\")"), "GAIA_IQ10");
    assert_eq!(code(&app, "opt in (\"r\")"), "GAIA_IQ10");
    let e = prepare(&app, "kind in (\"zzz\")", QueryKind::Records, &tokyo()).unwrap_err();
    assert_eq!(
        e.message,
        "フィールド「kind」の項目に「zzz」は存在しません。"
    );
}

#[test]
fn users_orgs_groups() {
    let app = test_app();
    assert_eq!(sel(&app, "作成者 in (LOGINUSER())"), vec![5, 1]);
    assert_eq!(sel(&app, "作成者 in (\"suzuki\", \"tanaka\")"), vec![3, 2]);
    assert_eq!(sel(&app, "作成者 not in (LOGINUSER())"), vec![4, 3, 2]);
    assert_eq!(sel(&app, "更新者 in (LOGINUSER())"), vec![5, 2]);
    assert_eq!(sel(&app, "owner in (LOGINUSER())"), vec![1]);
    assert_eq!(sel(&app, "owner not in (\"sato\")"), vec![5, 4, 3, 2]);
    assert_eq!(sel(&app, "org in (PRIMARY_ORGANIZATION())"), vec![1]);
    assert_eq!(sel(&app, "grp in (\"admins\")"), vec![1]);
    assert_eq!(sel(&app, "作業者 in (LOGINUSER())"), vec![1]);
    assert_eq!(sel(&app, "カテゴリー in (\"cat1\")"), vec![1]);
    assert_eq!(sel(&app, "カテゴリー not in (\"cat1\")"), vec![5, 4, 3, 2]);
    assert_eq!(code(&app, "grp in (LOGINUSER())"), "GAIA_IQ03");
    assert_eq!(code(&app, "org in (LOGINUSER())"), "GAIA_IQ03");
    assert_eq!(code(&app, "owner in (PRIMARY_ORGANIZATION())"), "GAIA_IQ03");
    assert_eq!(code(&app, "title = LOGINUSER()"), "GAIA_IQ03");
}

#[test]
fn primary_organization_missing_ignores_the_condition() {
    let app = test_app();
    let mut ctx = tokyo();
    ctx.primary_organization = None;
    assert_eq!(
        sel_ctx(&app, "org in (PRIMARY_ORGANIZATION())", &ctx),
        vec![5, 4, 3, 2, 1]
    );
    assert_eq!(
        sel_ctx(
            &app,
            "org not in (PRIMARY_ORGANIZATION()) and amount = 1200",
            &ctx
        ),
        vec![5, 1]
    );
    ctx.primary_organization = Some("sales".into());
    assert_eq!(
        sel_ctx(&app, "org in (PRIMARY_ORGANIZATION())", &ctx),
        Vec::<u64>::new()
    );
}

#[test]
fn status_field() {
    let app = test_app();
    assert_eq!(sel(&app, "ステータス = \"未処理\""), vec![5, 1]);
    assert_eq!(sel(&app, "ステータス != \"未処理\""), vec![4, 3, 2]);
    assert_eq!(
        sel(&app, "ステータス in (\"処理中\", \"完了\")"),
        vec![3, 2]
    );
    assert_eq!(sel(&app, "ステータス not in (\"完了\")"), vec![5, 4, 2, 1]);
    assert_eq!(code(&app, "ステータス like \"未\""), "GAIA_IQ03");
}

#[test]
fn dates_with_functions_depend_on_zone() {
    let app = test_app();
    // Tokyo: today 2024-03-02; Honolulu: 2024-03-01.
    assert_eq!(sel(&app, "due = TODAY()"), vec![1]);
    assert_eq!(sel_ctx(&app, "due = TODAY()", &honolulu()), vec![2]);
    assert_eq!(sel(&app, "due < TODAY()"), vec![5, 2]);
    assert_eq!(sel(&app, "due <= TODAY()"), vec![5, 2, 1]);
    assert_eq!(sel(&app, "due > YESTERDAY()"), vec![1]);
    assert_eq!(sel(&app, "due >= YESTERDAY()"), vec![2, 1]);
    assert_eq!(sel(&app, "due = TOMORROW()"), Vec::<u64>::new());
    assert_eq!(sel_ctx(&app, "due = TOMORROW()", &honolulu()), vec![1]);
    assert_eq!(sel(&app, "due != TODAY()"), vec![5, 4, 3, 2]);
    assert_eq!(sel(&app, "due >= THIS_MONTH()"), vec![2, 1]);
    assert_eq!(sel(&app, "due = LAST_MONTH()"), vec![5]);
    assert_eq!(sel(&app, "due = LAST_MONTH(LAST)"), vec![5]);
    assert_eq!(sel(&app, "due = THIS_MONTH(1)"), vec![2]);
    assert_eq!(sel(&app, "due = THIS_YEAR()"), vec![5, 2, 1]);
    assert_eq!(sel(&app, "due < THIS_YEAR()"), Vec::<u64>::new());
    assert_eq!(sel(&app, "due = NEXT_YEAR()"), Vec::<u64>::new());
    assert_eq!(sel(&app, "due = FROM_TODAY(-2, DAYS)"), vec![5]);
    assert_eq!(
        sel_ctx(&app, "due = FROM_TODAY(-2, DAYS)", &honolulu()),
        Vec::<u64>::new()
    );
    // Tokyo's week: Sun 02-25 .. Sat 03-02.
    assert_eq!(sel(&app, "due = THIS_WEEK()"), vec![5, 2, 1]);
    assert_eq!(sel(&app, "due = THIS_WEEK(FRIDAY)"), vec![2]);
    assert_eq!(sel(&app, "due > LAST_WEEK()"), vec![5, 2, 1]);
    assert_eq!(sel(&app, "due < NEXT_WEEK()"), vec![5, 2, 1]);
    assert_eq!(sel(&app, "due = \"2024-03-01\""), vec![2]);
    assert_eq!(sel(&app, "due > \"2024-02-29\""), vec![2, 1]);
    assert_eq!(sel(&app, "due = \"\""), vec![4, 3]);
    assert_eq!(sel(&app, "due != \"\""), vec![5, 2, 1]);
    assert_eq!(code(&app, "due = \"March\""), "CB_VA01");
}

#[test]
fn month_and_year_edges() {
    let app = test_app();
    // 2024-02-29T20:00Z: Tokyo is already 2024-03-01, Honolulu still 2024-02-29.
    let tk = ctx_at("2024-02-29T20:00:00Z", chrono_tz::Asia::Tokyo);
    let hn = ctx_at("2024-02-29T20:00:00Z", chrono_tz::Pacific::Honolulu);
    assert_eq!(sel_ctx(&app, "due = THIS_MONTH()", &tk), vec![2, 1]);
    assert_eq!(sel_ctx(&app, "due = THIS_MONTH()", &hn), vec![5]);
    assert_eq!(sel_ctx(&app, "due = LAST_MONTH()", &tk), vec![5]);
    assert_eq!(sel_ctx(&app, "due = NEXT_MONTH()", &hn), vec![2, 1]);
    assert_eq!(sel_ctx(&app, "due = THIS_MONTH(LAST)", &hn), vec![5]);
    // Day 30 of February rolls to March 1st.
    assert_eq!(sel_ctx(&app, "due = THIS_MONTH(30)", &hn), vec![2]);
    assert_eq!(sel_ctx(&app, "due = THIS_MONTH(31)", &hn), vec![2]);
    // Year boundary: 2023-12-31T20:00Z is 2024-01-01 in Tokyo.
    let tk = ctx_at("2023-12-31T20:00:00Z", chrono_tz::Asia::Tokyo);
    let hn = ctx_at("2023-12-31T20:00:00Z", chrono_tz::Pacific::Honolulu);
    assert_eq!(sel_ctx(&app, "due = THIS_YEAR()", &tk), vec![5, 2, 1]);
    assert_eq!(sel_ctx(&app, "due = THIS_YEAR()", &hn), Vec::<u64>::new());
    assert_eq!(sel_ctx(&app, "due = NEXT_YEAR()", &hn), vec![5, 2, 1]);
    assert_eq!(sel_ctx(&app, "due = FROM_TODAY(2, MONTHS)", &tk), vec![2]);
    assert_eq!(sel_ctx(&app, "due = FROM_TODAY(59, DAYS)", &tk), vec![5]);
    assert_eq!(
        sel_ctx(&app, "due = FROM_TODAY(9, WEEKS)", &tk),
        Vec::<u64>::new()
    );
}

#[test]
fn datetimes_are_instants() {
    let app = test_app();
    // Tokyo day 03-02 = [03-01T15:00Z, 03-02T15:00Z).
    assert_eq!(sel(&app, "at = TODAY()"), vec![1]);
    // Honolulu day 03-01 = [03-01T10:00Z, 03-02T10:00Z).
    assert_eq!(sel_ctx(&app, "at = TODAY()", &honolulu()), vec![2, 1]);
    assert_eq!(sel(&app, "at < TODAY()"), vec![2]);
    assert_eq!(sel(&app, "at > TODAY()"), vec![5]);
    assert_eq!(sel(&app, "at >= TODAY()"), vec![5, 1]);
    assert_eq!(sel(&app, "at <= TODAY()"), vec![2, 1]);
    assert_eq!(sel(&app, "at < NOW()"), vec![2, 1]);
    assert_eq!(sel(&app, "at > NOW()"), vec![5]);
    assert_eq!(sel(&app, "at = \"2024-03-01T15:00:00Z\""), vec![1]);
    assert_eq!(sel(&app, "at = \"2024-03-02T00:00:00+0900\""), vec![1]);
    assert_eq!(sel(&app, "at > \"2024-03-02T00:00:00+09:00\""), vec![5]);
    assert_eq!(sel(&app, "at >= \"2024-03-02T00:00:00+09:00\""), vec![5, 1]);
    assert_eq!(sel(&app, "at < \"2024-03-01T15:00:00Z\""), vec![2]);
    assert_eq!(sel(&app, "at <= \"2024-03-01T15:00:00Z\""), vec![2, 1]);
    assert_eq!(
        sel(&app, "at != \"2024-03-01T15:00:00Z\""),
        vec![5, 4, 3, 2]
    );
    // A date-only literal is that day in the user's zone.
    assert_eq!(sel(&app, "at = \"2024-03-02\""), vec![1]);
    assert_eq!(sel_ctx(&app, "at = \"2024-03-02\"", &honolulu()), vec![5]);
    assert_eq!(sel(&app, "at = \"\""), vec![4, 3]);
    assert_eq!(sel(&app, "作成日時 = TODAY()"), vec![5]);
    assert_eq!(sel(&app, "作成日時 = YESTERDAY()"), vec![1]);
    assert_eq!(sel(&app, "作成日時 < FROM_TODAY(-1, DAYS)"), vec![2]);
    assert_eq!(
        sel(&app, "更新日時 > \"2012-02-03T09:00:00+0900\""),
        vec![2, 1]
    );
    assert_eq!(sel(&app, "更新日時 >= THIS_MONTH()"), vec![1]);
    assert_eq!(code(&app, "at = \"yesterday\""), "CB_VA01");
}

#[test]
fn times() {
    let app = test_app();
    assert_eq!(sel(&app, "clock = \"09:30\""), vec![1]);
    assert_eq!(sel(&app, "clock < \"10:00\""), vec![1]);
    assert_eq!(sel(&app, "clock > \"09:30\""), vec![5]);
    assert_eq!(sel(&app, "clock >= \"09:30:00\""), vec![5, 1]);
    assert_eq!(sel(&app, "clock = \"\""), vec![4, 3, 2]);
    assert_eq!(code(&app, "clock = TODAY()"), "GAIA_IQ03");
    assert_eq!(code(&app, "clock = \"25:00\""), "CB_VA01");
}

#[test]
fn function_errors() {
    let app = test_app();
    assert_eq!(code(&app, "due = NOW()"), "GAIA_IQ03");
    assert_eq!(code(&app, "due = LOGINUSER()"), "GAIA_IQ03");
    assert_eq!(code(&app, "amount = TODAY()"), "GAIA_IQ03");
    assert_eq!(code(&app, "作成者 in (TODAY())"), "GAIA_IQ03");
    assert_eq!(code(&app, "due = THIS_MONTH(32)"), "GAIA_IQ23");
    assert_eq!(code(&app, "due = THIS_MONTH(0)"), "GAIA_IQ23");
    assert_eq!(code(&app, "at = FROM_TODAY(1, HOURS)"), "GAIA_IQ25");
    assert_eq!(code(&app, "due = TODAY(1)"), "GAIA_IL08");
    assert_eq!(code(&app, "due = FROM_TODAY(1)"), "GAIA_IL08");
    assert_eq!(code(&app, "due = THIS_WEEK(MONDAY, TUESDAY)"), "GAIA_IL08");
    assert_eq!(code(&app, "作成者 in (LOGINUSER(1))"), "GAIA_IL08");
    assert_eq!(code(&app, "at < NOW(1)"), "GAIA_IL08");
    assert_eq!(code(&app, "due = FOO()"), "CB_VA01");
    let e = prepare(&app, "due = THIS_MONTH(32)", QueryKind::Records, &tokyo()).unwrap_err();
    assert_eq!(
        e.message,
        "指定した日にち（32）は無効です。1から31までの整数で指定します。"
    );
}

#[test]
fn subtable_rows() {
    let app = test_app();
    assert_eq!(sel(&app, "name in (\"apple\")"), vec![2, 1]);
    assert_eq!(sel(&app, "name like \"apple\""), vec![2, 1]);
    assert_eq!(sel(&app, "qty > 4"), vec![2, 1]);
    // Same row must satisfy both.
    assert_eq!(sel(&app, "name in (\"apple\") and qty > 4"), vec![2]);
    assert_eq!(sel(&app, "qty > 4 and name in (\"apple\")"), vec![2]);
    assert_eq!(
        sel(&app, "name in (\"banana\") and qty < 4"),
        Vec::<u64>::new()
    );
    assert_eq!(sel(&app, "(name in (\"banana\") and (qty >= 5))"), vec![1]);
    // Across `or` the rows are independent.
    assert_eq!(sel(&app, "name in (\"banana\") or qty > 4"), vec![2, 1]);
    // Negative predicates: every row, and at least one row.
    assert_eq!(sel(&app, "name not in (\"banana\")"), vec![5, 2]);
    assert_eq!(sel(&app, "name not like \"apple\""), vec![5]);
    assert_eq!(
        sel(&app, "name not in (\"cherry\") and qty > 4"),
        vec![2, 1]
    );
    assert_eq!(sel(&app, "opt in (\"p\")"), vec![5]);
    assert_eq!(sel(&app, "opt not in (\"p\")"), vec![2, 1]);
    assert_eq!(sel(&app, "when > \"2024-03-01\""), vec![5]);
    // A record with an empty table matches neither.
    assert!(!sel(&app, "name not in (\"zzz\")").contains(&3));
    assert!(!sel(&app, "name in (\"\")").contains(&3));
    assert_eq!(sel(&app, "name in (\"\")"), Vec::<u64>::new());
}

#[test]
fn subtable_errors() {
    let app = test_app();
    assert_eq!(code(&app, "name = \"apple\""), "GAIA_IQ07");
    assert_eq!(code(&app, "qty != 3"), "GAIA_IQ07");
    assert_eq!(code(&app, "items.name in (\"apple\")"), "GAIA_IR02");
    assert_eq!(code(&app, "items in (\"apple\")"), "GAIA_IQ03");
    assert_eq!(code(&app, "qty is empty"), "GAIA_IQ03");
    assert_eq!(code(&app, "order by name asc"), "GAIA_IS02");
    assert_eq!(code(&app, "order by items asc"), "GAIA_IS02");
    let (status, _) = err(&app, "rel.title in (\"x\")");
    assert_eq!(status, 400);
    assert_eq!(code(&app, "nope.title in (\"x\")"), "GAIA_IQ11");
    assert_eq!(code(&app, "grp1 in (\"x\")"), "GAIA_IQ03");
}

#[test]
fn unknown_fields() {
    let app = test_app();
    let e = prepare(&app, "nope = 1", QueryKind::Records, &tokyo()).unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "GAIA_IQ11"));
    assert_eq!(e.message, "Specified field (nope) not found.");
    assert_eq!(code(&app, "order by nope desc"), "GAIA_IQ11");
    // Codes are case-sensitive.
    assert_eq!(code(&app, "Title = \"x\""), "GAIA_IQ11");
    assert_eq!(code(&app, "$revision = 1"), "GAIA_IQ11");
}

/// §6.4's operator table, cell by cell.
#[test]
fn operator_table() {
    let app = test_app();
    let ops: [(&str, &str); 10] = [
        ("=", "= V"),
        ("!=", "!= V"),
        (">", "> V"),
        ("<=", "<= V"),
        ("in", "in (V)"),
        ("not in", "not in (V)"),
        ("like", "like V"),
        ("not like", "not like V"),
        ("is empty", "is empty"),
        ("is not empty", "is not empty"),
    ];
    // field, a valid literal, allowed operators
    let table: &[(&str, &str, &[&str])] = &[
        ("$id", "1", &["=", "!=", ">", "<=", "in", "not in"]),
        ("レコード番号", "1", &["=", "!=", ">", "<=", "in", "not in"]),
        ("作成者", "\"sato\"", &["in", "not in"]),
        ("更新者", "\"sato\"", &["in", "not in"]),
        (
            "作成日時",
            "\"2024-01-01T00:00:00Z\"",
            &["=", "!=", ">", "<="],
        ),
        (
            "更新日時",
            "\"2024-01-01T00:00:00Z\"",
            &["=", "!=", ">", "<="],
        ),
        (
            "title",
            "\"a\"",
            &["=", "!=", "in", "not in", "like", "not like"],
        ),
        (
            "link",
            "\"a\"",
            &["=", "!=", "in", "not in", "like", "not like"],
        ),
        ("amount", "1", &["=", "!=", ">", "<=", "in", "not in"]),
        ("total", "1", &["=", "!=", ">", "<=", "in", "not in"]),
        (
            "memo",
            "\"a\"",
            &["like", "not like", "is empty", "is not empty"],
        ),
        ("rich", "\"a\"", &["like", "not like"]),
        ("tags", "\"A\"", &["in", "not in"]),
        ("kind", "\"高\"", &["in", "not in"]),
        ("rank", "\"high\"", &["in", "not in"]),
        ("multi", "\"x\"", &["in", "not in"]),
        (
            "files",
            "\"a\"",
            &["like", "not like", "is empty", "is not empty"],
        ),
        ("due", "\"2024-01-01\"", &["=", "!=", ">", "<="]),
        ("clock", "\"10:00\"", &["=", "!=", ">", "<="]),
        ("at", "\"2024-01-01T00:00:00Z\"", &["=", "!=", ">", "<="]),
        ("owner", "\"sato\"", &["in", "not in"]),
        ("org", "\"dev\"", &["in", "not in"]),
        ("grp", "\"g\"", &["in", "not in"]),
        ("ステータス", "\"完了\"", &["=", "!=", "in", "not in"]),
        ("作業者", "\"sato\"", &["in", "not in"]),
        ("カテゴリー", "\"cat1\"", &["in", "not in"]),
        (
            "key_lookup",
            "\"a\"",
            &["=", "!=", "in", "not in", "like", "not like"],
        ),
        // Subtable inner fields: the base type's operators minus = and != (IQ07).
        ("name", "\"a\"", &["in", "not in", "like", "not like"]),
        ("qty", "1", &[">", "<=", "in", "not in"]),
        ("when", "\"2024-01-01\"", &[">", "<="]),
        ("opt", "\"p\"", &["in", "not in"]),
    ];
    for (field, lit, allowed) in table {
        for (name, tmpl) in ops {
            let q = format!("{field} {}", tmpl.replace('V', lit));
            let r = prepare(&app, &q, QueryKind::Records, &tokyo());
            if allowed.contains(&name) {
                assert!(r.is_ok(), "{q}: {:?}", r.err());
            } else {
                let e = r.unwrap_err();
                let inner = ["name", "qty", "when", "opt"].contains(field);
                let expect = if inner && (name == "=" || name == "!=") {
                    "GAIA_IQ07"
                } else {
                    "GAIA_IQ03"
                };
                assert_eq!((e.status, e.code.as_str()), (400, expect), "{q}");
            }
        }
    }
}

#[test]
fn sorting() {
    let app = test_app();
    // Radio by option index 高(0) 中(1) 低(2), empty first in asc.
    assert_eq!(sel(&app, "order by kind asc"), vec![4, 3, 2, 5, 1]);
    assert_eq!(sel(&app, "order by kind desc"), vec![1, 5, 2, 4, 3]);
    // Drop-down by index high(0) mid(1) low(2), not alphabetically.
    assert_eq!(sel(&app, "order by rank asc"), vec![4, 2, 1, 5, 3]);
    // Status by state index 未処理(0) 処理中(1) 完了(2); ties by $id desc.
    assert_eq!(sel(&app, "order by ステータス asc"), vec![4, 5, 1, 2, 3]);
    assert_eq!(sel(&app, "order by ステータス desc"), vec![3, 2, 5, 1, 4]);
    assert_eq!(sel(&app, "order by amount desc"), vec![5, 1, 2, 4, 3]);
    assert_eq!(
        sel(&app, "order by amount asc, $id asc"),
        vec![3, 4, 2, 1, 5]
    );
    assert_eq!(sel(&app, "order by title asc"), vec![4, 1, 2, 5, 3]);
    assert_eq!(
        sel(&app, "order by 作成者 asc, $id asc"),
        vec![4, 1, 5, 2, 3]
    );
    assert_eq!(sel(&app, "order by due desc"), vec![1, 2, 5, 4, 3]);
    assert_eq!(sel(&app, "order by at asc"), vec![4, 3, 2, 1, 5]);
    assert_eq!(sel(&app, "order by clock desc"), vec![5, 1, 4, 3, 2]);
    assert_eq!(sel(&app, "order by 作成日時 asc"), vec![4, 3, 2, 1, 5]);
    assert_eq!(sel(&app, "order by link desc"), vec![1, 4, 5, 3, 2]);
    assert_eq!(sel(&app, "amount = 1200 order by $id asc"), vec![1, 5]);
    // Direction omitted = asc.
    assert_eq!(sel(&app, "order by $id"), vec![1, 2, 3, 4, 5]);
}

#[test]
fn unsortable_fields() {
    let app = test_app();
    for f in [
        "tags",
        "multi",
        "owner",
        "org",
        "grp",
        "files",
        "items",
        "rich",
        "memo",
        "カテゴリー",
        "作業者",
        "name",
        "qty",
        "rel",
        "grp1",
    ] {
        assert_eq!(code(&app, &format!("order by {f} asc")), "GAIA_IS02", "{f}");
    }
}

#[test]
fn logic_and_keywords() {
    let app = test_app();
    assert_eq!(sel(&app, "amount = 1200 and title = \"keyword\""), vec![5]);
    assert_eq!(sel(&app, "amount = 1200 AND title = \"keyword\""), vec![5]);
    assert_eq!(sel(&app, "$id = 2 or $id = 3 and amount = 1200"), vec![2]);
    assert_eq!(sel(&app, "($id = 2 or $id = 5) and amount = 1200"), vec![5]);
    assert_eq!(
        sel(&app, "$id = 1 OR $id = 2 Order By $id Asc Limit 1"),
        vec![1, 2]
    );
    assert_eq!(sel(&app, "amount>=1200 and $id<5"), vec![1]);
    assert_eq!(sel(&app, "amount>=1200"), vec![5, 1]);
    assert_eq!(sel(&app, "(((amount = 1200)))"), vec![5, 1]);
    assert_eq!(
        sel(&app, "tags NOT IN (\"A\") And memo IS NOT EMPTY"),
        vec![3]
    );
    assert_eq!(
        sel(&app, "memo IS EMPTY or title LIKE \"world\""),
        vec![5, 4, 2, 1]
    );
    assert_eq!(
        sel(
            &app,
            "title NOT LIKE \"world\" ORDER BY $id DESC LIMIT 10 OFFSET 0"
        ),
        vec![5, 4, 3]
    );
    assert_eq!(sel(&app, "due = today()"), vec![1]);
    assert_eq!(sel(&app, "due = from_today(-2, days)"), vec![5]);
    // A field whose code looks like a keyword is still a field where a field belongs.
    let app2 = make_app(json!({"limit": {"type": "NUMBER"}}), json!({}));
    let mut app2 = app2;
    add(&mut app2, 1, json!({"limit": "3"}));
    add(&mut app2, 2, json!({"limit": "7"}));
    assert_eq!(sel(&app2, "limit > 5 limit 5"), vec![2]);
    assert_eq!(sel(&app2, "order by limit desc limit 1"), vec![2, 1]);
}

#[test]
fn limit_offset_bounds() {
    let app = test_app();
    let ctx = tokyo();
    let p = prepare(&app, "", QueryKind::Records, &ctx).unwrap();
    assert_eq!((p.limit(), p.offset()), (Some(100), 0));
    let p = prepare(&app, "limit 500 offset 10000", QueryKind::Records, &ctx).unwrap();
    assert_eq!((p.limit(), p.offset()), (Some(500), 10000));
    let p = prepare(&app, "limit 0", QueryKind::Records, &ctx).unwrap();
    assert_eq!(p.limit(), Some(0));
    assert_eq!(code(&app, "limit 501"), "GAIA_QU01");
    assert_eq!(code(&app, "limit 99999999999999999999999"), "GAIA_QU01");
    assert_eq!(code(&app, "offset 10001"), "GAIA_QU02");
    assert_eq!(code(&app, "limit -1"), "CB_VA01");
    assert_eq!(code(&app, "offset -1"), "CB_VA01");
    let e = prepare(&app, "limit 501", QueryKind::Records, &ctx).unwrap_err();
    assert_eq!(e.message, "limit には 500 以下の値を指定してください。");
    // Cursor queries: no limit/offset (UNCONFIRMED code: CB_VA01).
    let p = prepare(&app, "amount > 0 order by $id asc", QueryKind::Cursor, &ctx).unwrap();
    assert_eq!((p.limit(), p.offset()), (None, 0));
    assert_eq!(p.select(&app, &ctx).ids, vec![1, 5]);
    for q in ["limit 10", "offset 1", "amount > 0 limit 1 offset 1"] {
        let e = prepare(&app, q, QueryKind::Cursor, &ctx).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"), "{q}");
        assert!(e.errors.unwrap().contains_key("query"));
    }
}

#[test]
fn syntax_errors_carry_query_messages() {
    let app = test_app();
    for q in [
        "title = 'x'",
        "title = \"a\tb\"",
        "title = \"a\nb\"",
        "title == \"x\"",
        "title = \"x\" and",
        "title in (\"x\"",
        "order by title asc limit",
        "title like",
    ] {
        let e = prepare(&app, q, QueryKind::Records, &tokyo()).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"), "{q}");
        assert_eq!(
            e.errors.unwrap()["query"]["messages"],
            json!(["クエリ記法が間違っています。"])
        );
    }
    // Escaped tab/newline are fine.
    assert_eq!(sel(&app, "title = \"a\\tb\""), Vec::<u64>::new());
}

#[test]
fn like_abort_threshold() {
    let app = test_app();
    let mut ctx = tokyo();
    ctx.like_abort_threshold = 2;
    let p = prepare(&app, "title like \"world\"", QueryKind::Records, &ctx).unwrap();
    let s = p.select(&app, &ctx);
    assert_eq!((s.ids, s.aborted), (vec![2, 1], true));
    // not like counts its own matches: 3 and 4 reach 2 before 5 is scanned.
    let p = prepare(&app, "title not like \"world\"", QueryKind::Records, &ctx).unwrap();
    let s = p.select(&app, &ctx);
    assert_eq!((s.ids, s.aborted), (vec![4, 3], true));
    ctx.like_abort_threshold = 3;
    let p = prepare(&app, "title like \"world\"", QueryKind::Records, &ctx).unwrap();
    let s = p.select(&app, &ctx);
    assert_eq!((s.ids, s.aborted), (vec![2, 1], false));
    // Non-like queries never abort.
    ctx.like_abort_threshold = 1;
    let p = prepare(&app, "$id > 0", QueryKind::Records, &ctx).unwrap();
    let s = p.select(&app, &ctx);
    assert_eq!((s.ids.len(), s.aborted), (5, false));
}

#[test]
fn functions_are_bound_at_select_time() {
    let app = test_app();
    let p = prepare(&app, "due = TODAY()", QueryKind::Records, &tokyo()).unwrap();
    assert_eq!(p.select(&app, &tokyo()).ids, vec![1]);
    assert_eq!(p.select(&app, &honolulu()).ids, vec![2]);
    let mut other = tokyo();
    other.login_user = "suzuki".into();
    let p = prepare(
        &app,
        "作成者 in (LOGINUSER())",
        QueryKind::Records,
        &tokyo(),
    )
    .unwrap();
    assert_eq!(p.select(&app, &other).ids, vec![2]);
}

#[test]
fn large_app_selection() {
    let form = json!({
        "n": {"type": "NUMBER"},
        "t": {"type": "SINGLE_LINE_TEXT"},
        "d": {"type": "DATETIME"},
        "c": {"type": "DROP_DOWN", "options": opts(&["a", "b", "c"])},
    });
    let mut app = make_app(form, json!({"enable": false}));
    for id in 1..=25_000u64 {
        let choice = ["a", "b", "c"][(id % 3) as usize];
        add(
            &mut app,
            id,
            json!({
                "n": (id % 1000).to_string(),
                "t": format!("item {} word{}", id, id % 7),
                "d": format!("2024-01-{:02}T00:00:00Z", id % 28 + 1),
                "c": choice,
            }),
        );
    }
    let ctx = tokyo();
    let q = "n >= 990 and c in (\"b\") and d < \"2024-01-15T00:00:00Z\" order by n desc, $id asc";
    let p = prepare(&app, q, QueryKind::Records, &ctx).unwrap();
    let s = p.select(&app, &ctx);
    let mut expect: Vec<u64> = (1..=25_000u64)
        .filter(|id| id % 1000 >= 990 && id % 3 == 1 && id % 28 + 1 < 15)
        .collect();
    expect.sort_by(|a, b| (b % 1000).cmp(&(a % 1000)).then(a.cmp(b)));
    assert!(!expect.is_empty());
    assert_eq!(s.ids, expect);
    let p = prepare(&app, "t like \"word3\"", QueryKind::Records, &ctx).unwrap();
    let s = p.select(&app, &ctx);
    assert_eq!(s.ids.len(), (1..=25_000u64).filter(|i| i % 7 == 3).count());
    assert_eq!(
        s.ids[0],
        (1..=25_000u64).filter(|i| i % 7 == 3).max().unwrap()
    );
    assert!(!s.aborted);
}

#[test]
fn odd_inputs_never_panic() {
    let app = test_app();
    let ctx = tokyo();
    let long_in = format!("$id in ({})", vec!["1"; 5000].join(","));
    let long_or = vec!["amount = 1"; 2000].join(" or ");
    for q in [
        "\u{0}",
        "\"",
        "\\",
        "()",
        "(",
        ")",
        ",",
        "$id",
        "$id =",
        "$id = 99999999999999999999999999999999999999",
        "amount > 1e400",
        "amount > \"1e5\"",
        "due = FROM_TODAY(99999999999999, YEARS)",
        "due = FROM_TODAY(-99999999999999999999, DAYS)",
        "at = THIS_MONTH(LAST)",
        "at = \"9999-12-31T23:59:59+23:59\"",
        "at = \"2024-01-01T10:00:00+99:00\"",
        "clock = \"2:3\"",
        "title like \"🎉 émoji ÄÖ\"",
        "title like \"!!!\"",
        "name in (\"a\") and name in (\"b\") and qty > 1 and opt in (\"p\")",
        "order by",
        "order by $id asc,",
        "limit",
        "limit 1 limit 2",
        "作成者 in (LOGINUSER(",
        "作成者 in (LOGINUSER())) ",
        "\u{3000}\u{3000}",
        &long_in,
        &long_or,
    ] {
        match prepare(&app, q, QueryKind::Records, &ctx) {
            Ok(p) => {
                let _ = p.select(&app, &ctx);
            }
            Err(e) => assert_eq!(e.status, 400, "{q}: {e}"),
        }
    }
    assert_eq!(sel(&app, &long_in), vec![1]);
    assert_eq!(sel(&app, "title like \"!!!\""), vec![5, 4, 3, 2, 1]);
}

fn related_domain(filter: &str) -> crate::model::Domain {
    let mut customers = make_app(
        json!({
            "cust": {"type": "SINGLE_LINE_TEXT"},
            "orders": {"type": "REFERENCE_TABLE", "referenceTable": {
                "relatedApp": {"app": "2", "code": ""},
                "condition": {"field": "cust", "relatedField": "customer"},
                "filterCond": filter,
                "displayFields": ["product", "amount"],
                "sort": "$id desc", "size": "5"}},
        }),
        json!({}),
    );
    customers.id = 1;
    for (id, c) in [(1, "acme"), (2, "globex"), (3, "initech"), (4, "")] {
        add(&mut customers, id, json!({"cust": c}));
    }
    let mut orders = make_app(
        json!({
            "customer": {"type": "SINGLE_LINE_TEXT"},
            "product": {"type": "SINGLE_LINE_TEXT"},
            "amount": {"type": "NUMBER"},
        }),
        json!({}),
    );
    orders.id = 2;
    for (id, c, p, a) in [
        (1, "acme", "widget", "10"),
        (2, "acme", "gadget", "0"),
        (3, "globex", "widget", "5"),
        (4, "initech", "gizmo", "7"),
        (5, "", "widget", "1"),
    ] {
        add(
            &mut orders,
            id,
            json!({"customer": c, "product": p, "amount": a}),
        );
    }
    let mut d = crate::model::Domain::default();
    d.apps.insert(1, customers);
    d.apps.insert(2, orders);
    d
}

fn sel_rel(d: &crate::model::Domain, q: &str) -> Vec<u64> {
    let app = &d.apps[&1];
    let ctx = tokyo();
    match prepare_in(d, app, q, QueryKind::Records, &ctx) {
        Ok(p) => p.select_in(d, app, &ctx).ids,
        Err(e) => panic!("{q}: {e}"),
    }
}

#[test]
fn related_records() {
    let d = related_domain("");
    assert_eq!(sel_rel(&d, "orders.product in (\"widget\")"), vec![2, 1]);
    assert_eq!(
        sel_rel(&d, "orders.product in (\"gadget\", \"gizmo\")"),
        vec![3, 1]
    );
    assert_eq!(sel_rel(&d, "orders.product not in (\"widget\")"), vec![3]);
    assert_eq!(sel_rel(&d, "orders.amount > 6"), vec![3, 1]);
    assert_eq!(sel_rel(&d, "orders.product like \"gizmo\""), vec![3]);
    assert_eq!(
        sel_rel(&d, "orders.product in (\"widget\") and cust = \"acme\""),
        vec![1]
    );
    // filterCond restricts which records are related.
    let d = related_domain("amount > 0");
    assert_eq!(
        sel_rel(&d, "orders.product in (\"gadget\")"),
        Vec::<u64>::new()
    );
    assert_eq!(
        sel_rel(&d, "orders.product not in (\"gadget\")"),
        vec![3, 2, 1]
    );
    // Errors.
    let app = &d.apps[&1];
    let ctx = tokyo();
    let e = |q: &str| {
        prepare_in(&d, app, q, QueryKind::Records, &ctx)
            .unwrap_err()
            .code
    };
    assert_eq!(e("orders.nope in (\"x\")"), "GAIA_IQ11");
    assert_eq!(e("orders.product = \"x\""), "GAIA_IQ03");
    assert_eq!(e("orders.product is empty"), "GAIA_IQ03");
    // Without the domain: rejected by prepare, unmatched by select.
    assert_eq!(
        prepare(app, "orders.product in (\"x\")", QueryKind::Records, &ctx)
            .unwrap_err()
            .code,
        "GAIA_IQ03"
    );
    let p = prepare_in(
        &d,
        app,
        "orders.product in (\"widget\")",
        QueryKind::Records,
        &ctx,
    )
    .unwrap();
    assert_eq!(p.select(app, &ctx).ids, Vec::<u64>::new());
}

#[test]
fn calc_with_date_formats() {
    let mut app = make_app(
        json!({
            "cd": {"type": "CALC", "format": "DATE"},
            "ct": {"type": "CALC", "format": "DATETIME"},
            "cn": {"type": "CALC", "format": "NUMBER_DIGIT"},
        }),
        json!({}),
    );
    add(
        &mut app,
        1,
        json!({"cd": "2024-03-02", "ct": "2024-03-01T15:00:00Z", "cn": "5"}),
    );
    add(
        &mut app,
        2,
        json!({"cd": "2024-03-01", "ct": "2024-03-01T14:00:00Z", "cn": "-5"}),
    );
    add(&mut app, 3, json!({"cd": "", "ct": "", "cn": ""}));
    assert_eq!(sel(&app, "cd = \"2024-03-02\""), vec![1]);
    // §6.4 gives CALC no functions, whatever its format.
    assert_eq!(code(&app, "cd = TODAY()"), "GAIA_IQ03");
    assert_eq!(sel(&app, "cd < \"2024-03-02\""), vec![2]);
    assert_eq!(sel(&app, "cd in (\"2024-03-01\", \"2024-03-05\")"), vec![2]);
    assert_eq!(sel(&app, "cd not in (\"2024-03-01\")"), vec![3, 1]);
    assert_eq!(sel(&app, "ct >= \"2024-03-02\""), vec![1]);
    assert_eq!(sel(&app, "cn > 0"), vec![1]);
    assert_eq!(sel(&app, "order by cd asc"), vec![3, 2, 1]);
    assert_eq!(sel(&app, "order by ct desc"), vec![1, 2, 3]);
    assert_eq!(sel(&app, "order by cn asc"), vec![3, 2, 1]);
}
