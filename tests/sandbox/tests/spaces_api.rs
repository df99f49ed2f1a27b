//! Threads, thread comments and guest users: the handlers called directly (validation,
//! error codes, permissions, state), then over HTTP (guest paths, the admin read-back
//! endpoints, and passwords kept out of the request log).
#![allow(clippy::result_large_err)]
use base64::Engine;
use kintone_sandbox::api::{route, ApiRequest, ApiResponse, AuthKind, Caller, Method, Upload};
use kintone_sandbox::demo::{
    self, demo_domain, DEALS_THREAD, DEMO_GUEST, GUEST_SPACE, GUEST_THREAD, NORMAL_SPACE,
    NORMAL_THREAD,
};
use kintone_sandbox::error::KError;
use kintone_sandbox::server::state::Sandbox;
use kintone_sandbox::{start, Options};
use serde_json::{json, Value};

fn sandbox() -> Sandbox {
    Sandbox::new(demo_domain(10))
}

fn caller(kind: AuthKind, user: &str) -> Caller {
    Caller {
        kind,
        user: user.into(),
        tokens: vec![],
        scopes: vec![],
    }
}

fn pw(user: &str) -> Caller {
    caller(AuthKind::Password, user)
}

fn request(method: Method, api: &str, params: Value, c: Caller, guest: Option<u64>) -> ApiRequest {
    ApiRequest {
        method,
        api: api.into(),
        guest,
        params,
        caller: c,
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

fn ok(s: &Sandbox, m: Method, api: &str, p: Value, c: Caller, guest: Option<u64>) -> Value {
    run(s, &request(m, api, p, c, guest)).unwrap_or_else(|e| panic!("{api}: {e:?}"))
}

fn err(s: &Sandbox, m: Method, api: &str, p: Value, c: Caller, guest: Option<u64>) -> KError {
    match run(s, &request(m, api, p, c, guest)) {
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

#[test]
fn demo_spaces_have_threads_and_a_guest() {
    let d = demo_domain(10);
    assert_eq!(d.thread_space(NORMAL_THREAD), Some(NORMAL_SPACE));
    assert_eq!(d.thread_space(DEALS_THREAD), Some(NORMAL_SPACE));
    assert_eq!(d.thread_space(GUEST_THREAD), Some(GUEST_SPACE));
    assert_eq!(d.thread_space(99), None);
    assert!(d.multi_thread(NORMAL_SPACE));
    assert!(!d.multi_thread(GUEST_SPACE));
    assert!(d.guests.contains_key(DEMO_GUEST));
    assert_eq!(d.space_guests[&GUEST_SPACE], [DEMO_GUEST]);
    // The guest's password stays out of Debug output.
    assert!(!format!("{:?}", d.guests[DEMO_GUEST]).contains("partner\""));
    // space.json: multi-thread flag, and a single-thread space shows its thread's body.
    let s = Sandbox::new(d);
    let v = ok(&s, Get, "space", json!({"id": 1}), pw("demo"), None);
    assert_eq!(v["useMultiThread"], json!(true));
    let v = ok(&s, Get, "space", json!({"id": 2}), pw("demo"), Some(2));
    assert_eq!(v["useMultiThread"], json!(false));
    assert_eq!(v["body"], json!("Shared with our partners."));
}

#[test]
fn thread_comments_are_validated_and_stored() {
    let s = sandbox();
    let api = "space/thread/comment";
    let v = ok(
        &s,
        Post,
        api,
        json!({"space": 1, "thread": "3", "comment": {"text": "Hi", "mentions": [
            {"code": "sato", "type": "USER"}, {"code": "sales", "type": "ORGANIZATION"},
            {"code": "guest/partner@example.com", "type": "USER"}]}}),
        pw("demo"),
        None,
    );
    assert_eq!(v, json!({"id": 2}), "a number, per the reference");
    let d = s.read();
    let c = &d.threads[&DEALS_THREAD].comments[0];
    assert_eq!(
        (c.id, c.text.as_str(), c.creator.as_str()),
        (2, "Hi", "demo")
    );
    assert_eq!(c.mentions.len(), 3);
    drop(d);

    // Missing and invalid members: CB_VA01 with every key at once.
    let e = err(&s, Post, api, json!({}), pw("demo"), None);
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), ["space", "thread", "comment"]);
    let e = err(
        &s,
        Post,
        api,
        json!({"space": 1, "thread": 1, "comment": {"text": " ", "mentions": [
            {"code": "nobody", "type": "USER"}, {"code": "x", "type": "TEAM"}]}}),
        pw("demo"),
        None,
    );
    assert_eq!(
        err_keys(&e),
        [
            "comment.text",
            "comment.mentions[0].code",
            "comment.mentions[1].type"
        ]
    );
    let many: Vec<Value> = (0..11)
        .map(|_| json!({"code": "sato", "type": "USER"}))
        .collect();
    let e = err(
        &s,
        Post,
        api,
        json!({"space": 1, "thread": 1, "comment": {"text": "x", "mentions": many}}),
        pw("demo"),
        None,
    );
    assert_eq!(err_keys(&e), ["comment.mentions"]);
    let e = err(
        &s,
        Post,
        api,
        json!({"space": 1, "thread": 1, "comment": {"files": [{"fileKey": "nope"}]}}),
        pw("demo"),
        None,
    );
    assert_eq!(err_keys(&e), ["comment.files[0].fileKey"]);

    // Unknown space, a thread of another space, an unknown thread.
    let text = json!({"text": "x"});
    let e = err(
        &s,
        Post,
        api,
        json!({"space": 9, "thread": 1, "comment": text}),
        pw("demo"),
        None,
    );
    assert_err(&e, 404, "GAIA_SP01");
    let e = err(
        &s,
        Post,
        api,
        json!({"space": 1, "thread": 2, "comment": text}),
        pw("demo"),
        None,
    );
    assert_err(&e, 404, "GAIA_TH01");
    let e = err(
        &s,
        Post,
        api,
        json!({"space": 1, "thread": 77, "comment": text}),
        pw("demo"),
        None,
    );
    assert_err(&e, 404, "GAIA_TH01");
    // A guest space only through its guest path; an API token never; a non-member no.
    let e = err(
        &s,
        Post,
        api,
        json!({"space": 2, "thread": 2, "comment": text}),
        pw("demo"),
        None,
    );
    assert_err(&e, 400, "GAIA_IL23");
    ok(
        &s,
        Post,
        api,
        json!({"space": 2, "thread": 2, "comment": text}),
        pw("demo"),
        Some(2),
    );
    let e = err(
        &s,
        Post,
        api,
        json!({"space": 1, "thread": 1, "comment": text}),
        caller(AuthKind::ApiToken, "Administrator"),
        None,
    );
    assert_err(&e, 403, "GAIA_NO01");
    let e = err(
        &s,
        Post,
        api,
        json!({"space": 2, "thread": 2, "comment": text}),
        pw("sato"),
        Some(2),
    );
    assert_err(&e, 403, "CB_NO02");
}

#[test]
fn thread_comment_files_use_up_an_upload() {
    let s = sandbox();
    let mut up = request(Post, "file", json!({}), pw("demo"), None);
    up.upload = Some(Upload {
        name: "a.txt".into(),
        content_type: "text/plain".into(),
        data: bytes::Bytes::from_static(b"hello"),
    });
    let key = run(&s, &up).unwrap()["fileKey"]
        .as_str()
        .unwrap()
        .to_string();
    let p =
        json!({"space": 1, "thread": 1, "comment": {"files": [{"fileKey": key, "width": 250}]}});
    ok(
        &s,
        Post,
        "space/thread/comment",
        p.clone(),
        pw("demo"),
        None,
    );
    let d = s.read();
    let c = d.threads[&NORMAL_THREAD].comments.last().unwrap();
    assert_eq!(
        c.files,
        [json!({"fileKey": key, "name": "a.txt", "width": 250})]
    );
    drop(d);
    let e = err(&s, Post, "space/thread/comment", p, pw("demo"), None);
    assert_eq!(err_keys(&e), ["comment.files[0].fileKey"]);
}

#[test]
fn threads_are_updated_by_their_admin_or_creator() {
    let s = sandbox();
    let api = "space/thread";
    assert_eq!(
        ok(
            &s,
            Put,
            api,
            json!({"id": 3, "name": "Big deals", "body": "<i>x</i>"}),
            pw("demo"),
            None
        ),
        json!({})
    );
    let d = s.read();
    let t = &d.threads[&DEALS_THREAD];
    assert_eq!(
        (t.name.as_deref(), t.body.as_str()),
        (Some("Big deals"), "<i>x</i>")
    );
    drop(d);
    // Only the body changes when only the body is sent.
    ok(
        &s,
        Put,
        api,
        json!({"id": "3", "body": "new"}),
        pw("demo"),
        None,
    );
    assert_eq!(
        s.read().threads[&DEALS_THREAD].name.as_deref(),
        Some("Big deals")
    );

    let e = err(&s, Put, api, json!({"name": "x"}), pw("demo"), None);
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), ["id"]);
    let e = err(&s, Put, api, json!({"id": 3, "name": ""}), pw("demo"), None);
    assert_eq!(err_keys(&e), ["name"]);
    let e = err(
        &s,
        Put,
        api,
        json!({"id": 3, "name": "x".repeat(129)}),
        pw("demo"),
        None,
    );
    assert_eq!(err_keys(&e), ["name"]);
    let e = err(
        &s,
        Put,
        api,
        json!({"id": 55, "body": "x"}),
        pw("demo"),
        None,
    );
    assert_err(&e, 404, "GAIA_TH01");
    // sato is a member, not the space admin nor the creator.
    let e = err(
        &s,
        Put,
        api,
        json!({"id": 3, "body": "x"}),
        pw("sato"),
        None,
    );
    assert_err(&e, 403, "CB_NO02");
    // The single-thread guest space: the body changes (and is the space's), the name cannot.
    let e = err(
        &s,
        Put,
        api,
        json!({"id": 2, "body": "x"}),
        pw("demo"),
        None,
    );
    assert_err(&e, 400, "GAIA_IL23");
    let e = err(
        &s,
        Put,
        api,
        json!({"id": 2, "name": "x"}),
        pw("demo"),
        Some(2),
    );
    assert_eq!(err_keys(&e), ["name"]);
    ok(
        &s,
        Put,
        api,
        json!({"id": 2, "body": "<p>hi</p>"}),
        pw("demo"),
        Some(2),
    );
    let v = ok(&s, Get, "space", json!({"id": 2}), pw("demo"), Some(2));
    assert_eq!(v["body"], json!("<p>hi</p>"));
}

#[test]
fn guests_are_added_validated_and_deleted() {
    let s = sandbox();
    let g = json!({"code": "new@example.com", "password": "s3cret!", "timezone": "Asia/Tokyo",
        "name": "New Guest", "locale": "ja", "company": "Partner Inc."});
    assert_eq!(
        ok(&s, Post, "guests", json!({"guests": [g]}), pw("demo"), None),
        json!({})
    );
    let d = s.read();
    let got = &d.guests["new@example.com"];
    assert_eq!(
        (got.name.as_str(), got.locale.as_str()),
        ("New Guest", "ja")
    );
    assert_eq!(got.profile["company"], json!("Partner Inc."));
    drop(d);

    let e = err(&s, Post, "guests", json!({}), pw("demo"), None);
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), ["guests"]);
    let e = err(
        &s,
        Post,
        "guests",
        json!({"guests": [{}]}),
        pw("demo"),
        None,
    );
    assert_eq!(
        err_keys(&e),
        [
            "guests[0].code",
            "guests[0].password",
            "guests[0].timezone",
            "guests[0].name"
        ]
    );
    let bad = json!({"guests": [
        {"code": "no-at", "password": "p", "timezone": "Mars/Base", "name": "x", "locale": "fr"},
        {"code": "new@example.com", "password": "p", "timezone": "UTC", "name": "dup"}]});
    let e = err(&s, Post, "guests", bad, pw("demo"), None);
    assert_eq!(
        err_keys(&e),
        [
            "guests[0].code",
            "guests[0].timezone",
            "guests[0].locale",
            "guests[1].code"
        ]
    );
    // The error never echoes a password.
    assert!(!format!("{e:?}").contains("s3cret"));
    // A kintone administrator only; never an API token.
    let one = json!({"guests": [{"code": "x@example.com", "password": "p", "timezone": "UTC", "name": "X"}]});
    assert_err(
        &err(&s, Post, "guests", one.clone(), pw("sato"), None),
        403,
        "CB_NO02",
    );
    assert_err(
        &err(
            &s,
            Post,
            "guests",
            one,
            caller(AuthKind::ApiToken, "Administrator"),
            None,
        ),
        403,
        "GAIA_NO01",
    );

    // Delete: all or nothing; the guest also leaves its spaces.
    let e = err(
        &s,
        Delete,
        "guests",
        json!({"guests": [DEMO_GUEST, "ghost@example.com"]}),
        pw("demo"),
        None,
    );
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), ["guests[1]"]);
    assert!(s.read().guests.contains_key(DEMO_GUEST));
    assert_err(
        &err(
            &s,
            Delete,
            "guests",
            json!({"guests": []}),
            pw("demo"),
            None,
        ),
        400,
        "CB_VA01",
    );
    let many: Vec<String> = (0..101).map(|i| format!("g{i}@example.com")).collect();
    let e = err(
        &s,
        Delete,
        "guests",
        json!({"guests": many}),
        pw("demo"),
        None,
    );
    assert_eq!(err_keys(&e), ["guests"]);
    assert_err(
        &err(
            &s,
            Delete,
            "guests",
            json!({"guests": [DEMO_GUEST]}),
            pw("sato"),
            None,
        ),
        403,
        "CB_NO02",
    );
    ok(
        &s,
        Delete,
        "guests",
        json!({"guests": [DEMO_GUEST]}),
        pw("demo"),
        None,
    );
    let d = s.read();
    assert!(!d.guests.contains_key(DEMO_GUEST));
    assert!(d.space_guests[&GUEST_SPACE].is_empty());
}

#[test]
fn guest_members_of_a_guest_space_are_set() {
    let s = sandbox();
    ok(
        &s,
        Post,
        "guests",
        json!({"guests": [{"code": "b@example.com", "password": "p", "timezone": "UTC", "name": "B"}]}),
        pw("demo"),
        None,
    );
    let api = "space/guests";
    let both = json!({"id": 2, "guests": ["b@example.com", DEMO_GUEST, "b@example.com"]});
    ok(&s, Put, api, both, pw("demo"), Some(2));
    assert_eq!(
        s.read().space_guests[&GUEST_SPACE],
        ["b@example.com", DEMO_GUEST]
    );
    // The list replaces the old one.
    ok(
        &s,
        Put,
        api,
        json!({"id": "2", "guests": ["b@example.com"]}),
        pw("demo"),
        Some(2),
    );
    assert_eq!(s.read().space_guests[&GUEST_SPACE], ["b@example.com"]);

    let e = err(
        &s,
        Put,
        api,
        json!({"id": 2, "guests": ["sato"]}),
        pw("demo"),
        Some(2),
    );
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), ["guests[0]"]);
    let e = err(&s, Put, api, json!({"id": 2}), pw("demo"), Some(2));
    assert_eq!(err_keys(&e), ["guests"]);
    let e = err(&s, Put, api, json!({"guests": []}), pw("demo"), Some(2));
    assert_eq!(err_keys(&e), ["id"]);
    // A normal space is refused: through a guest path (no privilege) or not (not a guest space).
    let e = err(
        &s,
        Put,
        api,
        json!({"id": 1, "guests": []}),
        pw("demo"),
        Some(1),
    );
    assert_err(&e, 403, "CB_NO02");
    let e = err(
        &s,
        Put,
        api,
        json!({"id": 1, "guests": []}),
        pw("demo"),
        None,
    );
    assert_err(&e, 400, "CB_VA01");
    assert_eq!(err_keys(&e), ["id"]);
    let e = err(
        &s,
        Put,
        api,
        json!({"id": 2, "guests": []}),
        pw("demo"),
        None,
    );
    assert_err(&e, 400, "GAIA_IL23");
    let e = err(
        &s,
        Put,
        api,
        json!({"id": 9, "guests": []}),
        pw("demo"),
        Some(9),
    );
    assert_err(&e, 404, "GAIA_SP01");
    // alice is a member of the guest space but not its administrator.
    let e = err(
        &s,
        Put,
        api,
        json!({"id": 2, "guests": []}),
        pw("alice"),
        Some(2),
    );
    assert_err(&e, 403, "CB_NO02");
}

#[tokio::test(flavor = "multi_thread")]
async fn over_http_read_back_and_no_password_in_the_log() {
    let sb = start(Options {
        large_records: 10,
        ..Options::default()
    })
    .await
    .expect("sandbox starts");
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode("demo:demo");
    let send = |m: reqwest::Method, path: &str, body: Value| {
        http.request(m, sb.url(path))
            .header("X-Cybozu-Authorization", &auth)
            .json(&body)
            .send()
    };
    let r = send(
        reqwest::Method::POST,
        "/k/v1/guests.json",
        json!({"guests": [{"code": "h@example.com", "password": "Pa55-word-xyz", "timezone": "UTC", "name": "H"}]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let r = send(
        reqwest::Method::PUT,
        "/k/guest/2/v1/space/guests.json",
        json!({"id": 2, "guests": ["h@example.com", DEMO_GUEST]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let r = send(
        reqwest::Method::POST,
        "/k/v1/space/thread/comment.json",
        json!({"space": 1, "thread": 3, "comment": {"text": "over http"}}),
    )
    .await
    .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"id": 2}));

    let guests: Value = http
        .get(sb.url("/sandbox/guests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = guests["guests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["h@example.com", DEMO_GUEST]);
    assert!(guests["guests"][0].get("password").is_none());
    let spaces: Value = http
        .get(sb.url("/sandbox/spaces"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let guest_space = &spaces["spaces"][1];
    assert_eq!(guest_space["guests"], json!(["h@example.com", DEMO_GUEST]));
    let deals = &spaces["spaces"][0]["threads"][1];
    assert_eq!(deals["id"], json!(3));
    assert_eq!(deals["comments"][0]["text"], json!("over http"));

    let log = http
        .get(sb.url("/sandbox/requests"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!log.contains("Pa55-word-xyz"), "{log}");
    let log: Value = serde_json::from_str(&log).unwrap();
    let add = &log["requests"][0];
    assert_eq!(add["api"], json!("guests"));
    assert_eq!(add["params"]["guests"][0]["password"], json!("***"));
    assert_eq!(add["params"]["guests"][0]["code"], json!("h@example.com"));
    assert_eq!(log["requests"][1]["guest"], json!(2));
    let _ = demo::GUEST_APP;
}
