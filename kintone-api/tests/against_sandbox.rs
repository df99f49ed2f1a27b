//! kintone-api against the sandbox: every test asserts the results and what the sandbox
//! logged. Each test starts its own sandbox, so they run in parallel without sharing state.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use kintone_api::paging::{read, read_all, ReadRequest, Strategy, StrategyChoice};
use kintone_api::query::{quote, Cond, OrderKey, Value as QValue};
use kintone_api::{ApiToken, Auth, BasicAuth, ClientCert, Error, FieldValue, Record};
use serde_json::{json, Value};

fn ids(records: &[Record]) -> Vec<u64> {
    records.iter().map(|r| r.id().expect("$id")).collect()
}

fn assert_exactly_once(records: &[Record], expected: u64, what: &str) {
    let v = ids(records);
    let set: HashSet<u64> = v.iter().copied().collect();
    assert_eq!(v.len() as u64, expected, "{what}: record count");
    assert_eq!(set.len(), v.len(), "{what}: duplicates");
}

fn test_app_fields() -> Value {
    json!({
        "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
        "memo": {"type": "MULTI_LINE_TEXT", "code": "memo", "label": "Memo"},
        "amount": {"type": "NUMBER", "code": "amount", "label": "Amount"},
        "attachment": {"type": "FILE", "code": "attachment", "label": "Attachment"}
    })
}

fn titled(t: &str) -> Record {
    let mut r = Record::new();
    r.set("title", FieldValue::SingleLineText(t.to_string()));
    r
}

// ---------------------------------------------------------------- auth

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_auth_succeeds_and_failures_carry_codes() {
    let sb = Sandbox::start(Options::standard()).await;
    let demo = sb.demo();
    let apps = demo
        .list_apps(&Default::default())
        .await
        .expect("apps as demo");
    assert!(!apps.is_empty());
    let app = apps[0].app_id;
    demo.get_records(app, None, "limit 1", true)
        .await
        .expect("records as demo");
    let log = sb.requests(None).await;
    let mine: Vec<&Value> = log
        .iter()
        .filter(|r| api_of(r) == "apps" || api_of(r) == "records")
        .collect();
    assert!(!mine.is_empty());
    for r in &mine {
        assert_eq!(r["auth"], "password", "{r}");
        assert_eq!(r["user"], "demo", "{r}");
        assert_eq!(r["status"], 200, "{r}");
    }

    let seq = sb.last_seq().await;
    let bad = sb.client(Auth::password("demo", "wrong-password"));
    let e = bad
        .get_records(app, None, "limit 1", false)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401), "{e}");
    assert_eq!(e.code(), Some("CB_WA01"), "{e}");
    assert!(
        e.to_string().contains("(CB_WA01)") && e.to_string().contains("user 'demo'"),
        "{e}"
    );
    assert!(!e.to_string().contains("wrong-password"));
    let log = sb.requests(Some(seq)).await;
    assert!(
        log.iter()
            .any(|r| r["code"] == "CB_WA01" && r["status"] == 401),
        "{log:?}"
    );
    // Not retried: an auth failure is final.
    assert_eq!(log.iter().filter(|r| api_of(r) == "records").count(), 1);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_bearer_is_sent_and_rejection_has_a_code() {
    let sb = Sandbox::start(Options::standard()).await;
    let app = sb.demo().list_apps(&Default::default()).await.unwrap()[0].app_id;
    let seq = sb.last_seq().await;
    let c = sb.client(Auth::OAuth {
        access_token: "not-a-real-token".into(),
    });
    assert!(!c.cursors_allowed());
    let e = c
        .get_records(app, None, "limit 1", false)
        .await
        .unwrap_err();
    let code = e.code().expect("a Kintone code").to_string();
    assert!(e.to_string().contains(&format!("({code})")), "{e}");
    assert!(!e.to_string().contains("not-a-real-token"));
    let log = sb.requests(Some(seq)).await;
    let r = log.iter().find(|r| api_of(r) == "records").expect("logged");
    assert_eq!(r["auth"], "oauth");
    assert_eq!(r["code"], code.as_str());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_reads_past_10000_without_a_cursor() {
    let sb = Sandbox::start(Options::standard()).await;
    let (app, total) = large_app(&sb.demo()).await;
    let token = oauth_access_token(sb.base_url(), "k:app_record:read k:app_settings:read").await;
    let c = sb.client(Auth::OAuth {
        access_token: token.clone().into(),
    });
    assert!(!c.cursors_allowed());
    let seq = sb.last_seq().await;

    // $id order: seek paging, the whole app (no 10,000-row ceiling under OAuth).
    let all = read_all(&c, ReadRequest::new(app)).await.unwrap();
    assert_exactly_once(&all, total, "oauth seek");

    // Another order cannot use a cursor: the read falls back to an unsorted $id scan
    // that the caller sorts, and says so on every page.
    let mut req = ReadRequest::new(app);
    req.order_by = vec![OrderKey::desc("score").unwrap()];
    req.allow_unsorted_fallback = true;
    let mut s = read(&c, req).unwrap();
    let mut n = 0;
    while let Some(p) = s.next().await {
        let p = p.unwrap();
        assert!(!p.sorted);
        assert_eq!(p.strategy, Strategy::Seek);
        n += p.records.len() as u64;
    }
    assert_eq!(n, total);

    let log = sb.requests(Some(seq)).await;
    assert!(!log.is_empty());
    assert!(
        log.iter().all(|r| r["auth"] == "oauth"),
        "every request used the bearer token"
    );
    assert!(
        log.iter().all(|r| api_of(r) != "records/cursor"),
        "no cursor request under OAuth"
    );
    assert!(log.iter().all(|r| r["status"] == 200));

    // A token without the record scope is refused with a Kintone code, and the token
    // never shows in the message.
    let narrow = oauth_access_token(sb.base_url(), "k:app_settings:read").await;
    let c = sb.client(Auth::OAuth {
        access_token: narrow.clone().into(),
    });
    let e = c
        .get_records(app, None, "limit 1", false)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("CB_NO02"), "{e}");
    assert!(!e.to_string().contains(&narrow));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_space_apps_are_read_through_the_guest_path() {
    use kintone_sandbox::demo;
    let mut o = Options::standard();
    o.large_records = Some(10);
    let sb = Sandbox::start(o).await;
    let mut cfg = sb.config(Auth::password("demo", "demo"));
    cfg.guest_space_id = Some(demo::GUEST_SPACE);
    let guest = kintone_api::Client::new(cfg).unwrap();
    let seq = sb.last_seq().await;
    let all = read_all(&guest, ReadRequest::new(demo::GUEST_APP))
        .await
        .unwrap();
    assert_eq!(all.len(), 8);
    let log = sb.requests(Some(seq)).await;
    assert!(log.iter().any(|r| r["path"]
        .as_str()
        .unwrap_or("")
        .starts_with(&format!("/k/guest/{}/v1/records.json", demo::GUEST_SPACE))));
    // The same app through the normal path: Kintone's GAIA_IL23.
    let e = sb
        .demo()
        .get_records(demo::GUEST_APP, None, "limit 1", false)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("GAIA_IL23"), "{e}");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_of_several_apps_serve_a_lookup_write() {
    use kintone_sandbox::demo;
    let mut o = Options::standard();
    o.large_records = Some(10);
    let sb = Sandbox::start(o).await;
    let customer = sb
        .demo()
        .get_records(
            demo::CUSTOMERS_APP,
            Some(&["customer_code".into()]),
            "order by $id asc limit 1",
            false,
        )
        .await
        .unwrap()
        .records
        .remove(0);
    let Some(FieldValue::SingleLineText(code)) = customer.get("customer_code").cloned() else {
        panic!("customer_code is text: {customer:?}");
    };
    let mut order = Record::new();
    order.set("customer", FieldValue::SingleLineText(code.clone()));
    order.set(
        "order_date",
        FieldValue::Date(chrono::NaiveDate::from_ymd_opt(2026, 11, 23)),
    );
    // The Orders token alone cannot reach the lookup's source app: GAIA_LO04.
    let orders_only = sb.client(Auth::ApiTokens(vec![ApiToken::new(
        demo::TOKEN_ORDERS_FULL,
        vec![demo::ORDERS_APP],
    )]));
    let e = orders_only
        .add_record(demo::ORDERS_APP, &order)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("GAIA_LO04"), "{e}");
    // With the Customers token too, both go in one request and the lookup copies.
    let both = sb.client(Auth::ApiTokens(vec![
        ApiToken::new(demo::TOKEN_ORDERS_FULL, vec![demo::ORDERS_APP]),
        ApiToken::new(demo::TOKEN_CUSTOMERS_VIEW, vec![demo::CUSTOMERS_APP]),
    ]));
    let seq = sb.last_seq().await;
    let (id, _) = both.add_record(demo::ORDERS_APP, &order).await.unwrap();
    let log = sb.requests(Some(seq)).await;
    let post = log.iter().find(|r| api_of(r) == "record").unwrap();
    assert_eq!(post["api_tokens"], 2);
    let got = sb.demo().get_record(demo::ORDERS_APP, id).await.unwrap();
    assert_eq!(got.get("customer"), Some(&FieldValue::SingleLineText(code)));
    // The lookup copied the customer's name from the source app.
    assert!(
        matches!(got.get("customer_name"), Some(FieldValue::SingleLineText(n)) if !n.is_empty()),
        "{got:?}"
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_succeed_and_failures_carry_codes() {
    use kintone_sandbox::demo;
    let sb = Sandbox::start(Options::standard()).await;
    let apps: Vec<u64> = sb
        .demo()
        .list_apps(&Default::default())
        .await
        .unwrap()
        .iter()
        .map(|a| a.app_id)
        .collect();
    let (token, app) = (demo::TOKEN_CUSTOMERS_VIEW.to_string(), demo::CUSTOMERS_APP);
    let seq = sb.last_seq().await;
    let c = sb.client(Auth::ApiTokens(vec![ApiToken::new(
        token.as_str(),
        vec![app],
    )]));
    let page = c
        .get_records(app, None, "limit 5", true)
        .await
        .expect("read with token");
    assert!(page.total_count.is_some());
    let log = sb.requests(Some(seq)).await;
    let r = log.iter().find(|r| api_of(r) == "records").unwrap();
    assert_eq!(r["auth"], "api_token");
    assert_eq!(r["api_tokens"], 1);

    // The token on another app: GAIA_NO01 with an actionable message.
    if let Some(&other) = apps.iter().find(|&&a| a != app) {
        let e = c
            .get_records(other, None, "limit 1", false)
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("GAIA_NO01"), "{e}");
        assert_eq!(e.status(), Some(403));
        assert!(
            e.to_string().contains(&format!(
                "API token for app {other} lacks view permission (GAIA_NO01)"
            )),
            "{e}"
        );
    }
    // An invalid token: GAIA_IA02.
    let bad = sb.client(Auth::ApiTokens(vec![ApiToken::new(
        "invalidtoken0000000000000000000000000000",
        vec![app],
    )]));
    let e = bad
        .get_records(app, None, "limit 1", false)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("GAIA_IA02"), "{e}");
    assert!(!e.to_string().contains("invalidtoken0000"));
    // Tokens cannot list apps (§7.2).
    let e = c.list_apps(&Default::default()).await.unwrap_err();
    assert!(e.code().is_some(), "{e}");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_layer_is_sent_on_top_of_password_auth() {
    let mut o = Options::standard();
    o.large_records = Some(100);
    o.basic_auth = Some(("basicuser".into(), "basicpass".into()));
    let sb = Sandbox::start(o).await;
    let mut cfg = sb.config(Auth::password("demo", "demo"));
    cfg.basic_auth = Some(BasicAuth {
        user: "basicuser".into(),
        password: "basicpass".into(),
    });
    let c = kintone_api::Client::new(cfg).unwrap();
    let apps = c.list_apps(&Default::default()).await.expect("with basic");
    assert!(!apps.is_empty());
    let log = sb.requests(None).await;
    let r = log.iter().find(|r| api_of(r) == "apps").unwrap();
    assert_eq!(r["basic"], true);
    assert_eq!(r["auth"], "password");
    assert_eq!(r["status"], 200);

    let without = sb.demo();
    let e = without.list_apps(&Default::default()).await.unwrap_err();
    assert_eq!(e.status(), Some(401), "{e}");
    let mut cfg = sb.config(Auth::password("demo", "demo"));
    cfg.basic_auth = Some(BasicAuth {
        user: "basicuser".into(),
        password: "wrong".into(),
    });
    let e = kintone_api::Client::new(cfg)
        .unwrap()
        .list_apps(&Default::default())
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401), "{e}");
    assert!(!e.to_string().contains("wrong"));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_over_tls() {
    let dir = TempDir::new("tls");
    make_certs(&dir.0);
    let p12 = ClientCert::Pkcs12 {
        path: dir.path("client.p12"),
        password: "p12pass".into(),
    };
    let pem = ClientCert::Pem {
        cert_path: dir.path("client.pem"),
        key_path: dir.path("client.key"),
    };
    let mut o = Options::standard();
    o.large_records = Some(100);
    o.tls = Some((
        dir.path("server.pem"),
        dir.path("server.key"),
        Some(dir.path("ca.pem")),
    ));
    o.admin_tls = Some((dir.path("ca.pem"), Some(pem.clone())));
    let sb = Sandbox::start(o).await;
    assert!(
        sb.base_url().starts_with("https://127.0.0.1:"),
        "{}",
        sb.base_url()
    );

    for cert in [p12.clone(), pem.clone()] {
        let mut cfg = sb.config(Auth::password("demo", "demo"));
        cfg.extra_ca_file = Some(dir.path("ca.pem"));
        cfg.client_cert = Some(cert.clone());
        let c = kintone_api::Client::new(cfg).expect("client with certificate");
        let apps = c
            .list_apps(&Default::default())
            .await
            .unwrap_or_else(|e| panic!("{cert:?}: {e}"));
        assert!(!apps.is_empty());
    }
    let log = sb.requests(None).await;
    let with_cert: Vec<&Value> = log.iter().filter(|r| api_of(r) == "apps").collect();
    assert_eq!(with_cert.len(), 2);
    assert!(with_cert
        .iter()
        .all(|r| r["client_cert"] == true && r["auth"] == "password"));

    // A wrong PKCS#12 password is a configuration error that does not echo it.
    let mut cfg = sb.config(Auth::password("demo", "demo"));
    cfg.extra_ca_file = Some(dir.path("ca.pem"));
    cfg.client_cert = Some(ClientCert::Pkcs12 {
        path: dir.path("client.p12"),
        password: "bad-p12-pw".into(),
    });
    let e = kintone_api::Client::new(cfg).unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
    assert!(!e.to_string().contains("bad-p12-pw"));

    // No client certificate: refused.
    let mut cfg = sb.config(Auth::password("demo", "demo"));
    cfg.extra_ca_file = Some(dir.path("ca.pem"));
    let c = kintone_api::Client::new(cfg).unwrap();
    assert!(c.list_apps(&Default::default()).await.is_err());

    // Server certificate not trusted without the extra CA: never accepted silently.
    let mut cfg = sb.config(Auth::password("demo", "demo"));
    cfg.client_cert = Some(pem);
    let c = kintone_api::Client::new(cfg).unwrap();
    let e = c.list_apps(&Default::default()).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e}");
    sb.shutdown().await;
}

// ---------------------------------------------------------------- large reads

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_app_read_once_per_record_with_each_strategy() {
    let sb = Sandbox::start(Options::standard()).await;
    let c = sb.demo();
    let (app, total) = large_app(&c).await;
    assert_eq!(total, 25_000);

    // $id seek.
    let seq = sb.last_seq().await;
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::Seek;
    req.fields = Some(vec!["$id".into()]);
    req.total_count = true;
    let mut s = read(&c, req).unwrap();
    let mut all = Vec::new();
    let mut first = true;
    while let Some(p) = s.next().await {
        let p = p.unwrap();
        assert_eq!(p.strategy, Strategy::Seek);
        if first {
            assert_eq!(p.total_count, Some(25_000));
            first = false;
        }
        all.extend(p.records);
    }
    assert_exactly_once(&all, total, "seek");
    let v = ids(&all);
    assert!(
        v.windows(2).all(|w| w[0] < w[1]),
        "seek returns $id ascending"
    );
    let log = sb.requests(Some(seq)).await;
    let reads: Vec<&Value> = log.iter().filter(|r| api_of(r) == "records").collect();
    assert_eq!(reads.len(), 51, "50 full pages and one empty one");
    assert!(
        reads
            .iter()
            .skip(1)
            .all(|r| logged_query(r).starts_with("$id > ")
                && logged_query(r).ends_with("order by $id asc limit 500")),
        "{reads:?}"
    );

    // Cursor.
    let seq = sb.last_seq().await;
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::Cursor;
    req.fields = Some(vec!["$id".into()]);
    let all = read_all(&c, req).await.unwrap();
    assert_exactly_once(&all, total, "cursor");
    let log = sb.requests(Some(seq)).await;
    let cursor_calls: Vec<&Value> = log
        .iter()
        .filter(|r| api_of(r) == "records/cursor")
        .collect();
    assert_eq!(
        cursor_calls
            .iter()
            .filter(|r| r["method"] == "POST")
            .count(),
        1
    );
    let gets = cursor_calls
        .iter()
        .filter(|r| method_of(r) == "GET")
        .count();
    assert!((50..=51).contains(&gets), "{gets} cursor reads");
    assert!(sb.cursors().await.is_empty(), "a fully read cursor is gone");

    // Offset refuses a window past 10,000 before sending any page request past it.
    let seq = sb.last_seq().await;
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::Offset;
    let mut s = read(&c, req).unwrap();
    let first = s.next().await.unwrap();
    assert!(matches!(first, Err(Error::Unsupported(_))), "{first:?}");
    let log = sb.requests(Some(seq)).await;
    assert!(log.iter().filter(|r| api_of(r) == "records").count() <= 1);
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::Offset;
    req.limit = Some(12_000);
    assert!(matches!(read(&c, req), Err(Error::Unsupported(_))));
    // ... and serves a window that ends at 10,000.
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::Offset;
    req.limit = Some(1_200);
    req.offset = 8_800;
    req.order_by = vec![OrderKey::asc("$id").unwrap()];
    let seq = sb.last_seq().await;
    let part = read_all(&c, req).await.unwrap();
    assert_exactly_once(&part, 1_200, "offset window");
    let log = sb.requests(Some(seq)).await;
    assert!(log.iter().filter(|r| api_of(r) == "records").all(|r| {
        let q = logged_query(r);
        let off: u64 = q
            .rsplit("offset ")
            .next()
            .and_then(|x| x.trim().parse().ok())
            .unwrap_or(0);
        off <= 10_000
    }));

    // Automatic choice (no order: seek) and a 4-range scan.
    let mut req = ReadRequest::new(app);
    req.fields = Some(vec!["$id".into()]);
    assert_exactly_once(&read_all(&c, req).await.unwrap(), total, "auto");
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::ParallelSeek(4);
    req.fields = Some(vec!["$id".into()]);
    assert_exactly_once(&read_all(&c, req).await.unwrap(), total, "ranges");
    sb.shutdown().await;
}

/// A sortable field of the app: the first NUMBER or SINGLE_LINE_TEXT field.
async fn sortable_field(c: &kintone_api::Client, app: u64) -> (String, String) {
    let f = c.form_fields(app, None, false).await.unwrap();
    f.properties
        .values()
        .find(|p| p.field_type == "NUMBER")
        .or_else(|| {
            f.properties
                .values()
                .find(|p| p.field_type == "SINGLE_LINE_TEXT")
        })
        .map(|p| (p.code.clone(), p.field_type.clone()))
        .expect("a NUMBER or SINGLE_LINE_TEXT field in the large app")
}

fn sort_key(r: &Record, code: &str) -> (Option<f64>, String) {
    match r.get(code) {
        Some(FieldValue::Number(n)) => (
            n.as_ref().and_then(|d| d.as_str().parse().ok()),
            String::new(),
        ),
        Some(FieldValue::SingleLineText(s)) => (None, s.clone()),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordered_reads_come_back_in_order() {
    let sb = Sandbox::start(Options::standard()).await;
    let c = sb.demo();
    let (app, total) = large_app(&c).await;
    let (code, _) = sortable_field(&c, app).await;

    // Another order over 25,000 records: automatic choice takes a cursor.
    let seq = sb.last_seq().await;
    let mut req = ReadRequest::new(app);
    req.order_by = vec![OrderKey::desc(&code).unwrap()];
    req.fields = Some(vec![code.clone(), "$id".into()]);
    let mut s = read(&c, req).unwrap();
    let mut all = Vec::new();
    while let Some(p) = s.next().await {
        let p = p.unwrap();
        assert_eq!(p.strategy, Strategy::Cursor);
        assert!(p.sorted);
        all.extend(p.records);
    }
    assert_exactly_once(&all, total, "ordered cursor");
    for w in all.windows(2) {
        let (a, b) = (sort_key(&w[0], &code), sort_key(&w[1], &code));
        assert!(a >= b || a.0.is_none(), "not descending: {a:?} then {b:?}");
        if a == b {
            assert!(w[0].id() < w[1].id(), "ties broken by $id asc");
        }
    }
    let log = sb.requests(Some(seq)).await;
    let created = log
        .iter()
        .find(|r| api_of(r) == "records/cursor" && r["method"] == "POST")
        .unwrap();
    assert!(
        logged_query(created).ends_with(&format!("order by {code} desc, $id asc")),
        "{created}"
    );

    // A small window of the same order is one offset request and equals that slice.
    let mut req = ReadRequest::new(app);
    req.order_by = vec![OrderKey::desc(&code).unwrap()];
    req.fields = Some(vec![code.clone(), "$id".into()]);
    req.offset = 9_700;
    req.limit = Some(300);
    let mut s = read(&c, req).unwrap();
    let p = s.next().await.unwrap().unwrap();
    assert_eq!(p.strategy, Strategy::Offset);
    assert_eq!(ids(&p.records), ids(&all[9_700..10_000]));
    assert!(s.next().await.is_none());

    // $id descending by seek.
    let mut req = ReadRequest::new(app);
    req.order_by = vec![OrderKey::desc("$id").unwrap()];
    req.fields = Some(vec!["$id".into()]);
    req.limit = Some(1_234);
    let part = read_all(&c, req).await.unwrap();
    let v = ids(&part);
    assert_eq!(v.len(), 1_234);
    assert!(v.windows(2).all(|w| w[0] > w[1]));

    // Under OAuth-like restrictions (cursors off) the same order falls back to an unsorted
    // $id scan only when allowed.
    let mut cfg = sb.config(Auth::password("demo", "demo"));
    cfg.use_cursor = false;
    let nc = kintone_api::Client::new(cfg).unwrap();
    let mut req = ReadRequest::new(app);
    req.order_by = vec![OrderKey::desc(&code).unwrap()];
    req.fields = Some(vec!["$id".into()]);
    let mut s = read(&nc, req.clone()).unwrap();
    let mut err = None;
    while let Some(p) = s.next().await {
        if let Err(e) = p {
            err = Some(e);
        }
    }
    assert!(matches!(err, Some(Error::Unsupported(_))), "{err:?}");
    req.allow_unsorted_fallback = true;
    let mut s = read(&nc, req).unwrap();
    let mut n = 0;
    while let Some(p) = s.next().await {
        let p = p.unwrap();
        assert!(!p.sorted);
        n += p.records.len() as u64;
    }
    assert_eq!(n, total);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_range_scan_equals_sequential_scan() {
    let sb = Sandbox::start(Options::standard()).await;
    let c = sb.demo();
    let (app, total) = large_app(&c).await;
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::Seek;
    let seq_records = read_all(&c, req).await.unwrap();
    let seq = sb.last_seq().await;
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::ParallelSeek(4);
    let par_records = read_all(&c, req).await.unwrap();
    assert_exactly_once(&par_records, total, "ranges");
    let key = |rs: &[Record]| {
        let mut v: Vec<(u64, u64)> = rs
            .iter()
            .map(|r| (r.id().unwrap(), r.revision().unwrap_or(0)))
            .collect();
        v.sort();
        v
    };
    assert_eq!(key(&seq_records), key(&par_records));
    // Same content, not just the same ids.
    let mut by_id: BTreeMap<u64, &Record> = BTreeMap::new();
    for r in &seq_records {
        by_id.insert(r.id().unwrap(), r);
    }
    assert!(par_records.iter().all(|r| by_id[&r.id().unwrap()] == r));
    let log = sb.requests(Some(seq)).await;
    let ranges: HashSet<String> = log
        .iter()
        .filter(|r| api_of(r) == "records")
        .map(logged_query)
        .filter(|q| q.contains("$id >= "))
        .map(|q| range_of(&q))
        .collect();
    // After the first page, the ids are cut into windows of its width (about one page
    // each, never narrower), enough for the records left, then one open window; they
    // are contiguous and each asked for once. The app's ids are dense: no record lies
    // beyond the estimate, so no second round.
    let mut windows: Vec<(u64, Option<u64>)> = ranges.iter().map(|r| bounds_of(r)).collect();
    windows.sort();
    let size = 500;
    let bounded = (total - size).div_ceil(size);
    assert_eq!(windows.len() as u64, bounded + 1, "{windows:?}");
    assert_eq!(windows[0].0, size + 1, "{windows:?}");
    for pair in windows.windows(2) {
        assert_eq!(
            pair[0].1.map(|b| b + 1),
            Some(pair[1].0),
            "gap or overlap: {windows:?}"
        );
    }
    assert!(windows[..windows.len() - 1]
        .iter()
        .all(|(a, b)| b.is_some_and(|b| b - a + 1 >= size)));
    let (open, end) = windows[windows.len() - 1];
    assert_eq!(end, None, "the last window is open: {windows:?}");
    assert!(open > total, "{windows:?}");
    let asked: usize = log
        .iter()
        .filter(|r| api_of(r) == "records")
        .filter(|r| logged_query(r).contains("$id >= "))
        .count();
    assert_eq!(asked, windows.len(), "a window was asked for twice");
    sb.shutdown().await;
}

/// The (A, B) of a `$id >= A and $id <= B` window; B is `None` for an open `$id >= A`.
fn bounds_of(range: &str) -> (u64, Option<u64>) {
    let nums: Vec<u64> = range
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    (nums[0], nums.get(1).copied())
}

/// `$id >= A and $id <= B` (or the open `$id >= A`) out of a range scan's query,
/// whatever wraps it.
fn range_of(q: &str) -> String {
    let start = q.find("$id >= ").unwrap();
    let rest = &q[start..];
    let end = rest
        .find(')')
        .or_else(|| rest.find(" order by"))
        .unwrap_or(rest.len());
    rest[..end].to_string()
}

// ---------------------------------------------------------------- cursors

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_cursor_stream_halfway_leaves_no_cursor() {
    let sb = Sandbox::start(Options::standard()).await;
    let c = sb.demo();
    let (app, _) = large_app(&c).await;
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::Cursor;
    let mut s = read(&c, req).unwrap();
    for _ in 0..3 {
        let p = s.next().await.unwrap().unwrap();
        assert_eq!(p.strategy, Strategy::Cursor);
        assert_eq!(p.records.len(), 500);
    }
    assert_eq!(sb.cursors().await.len(), 1);
    drop(s);
    // The deletion is spawned when the stream drops; on a loaded CI machine running many
    // sandboxes at once it can take seconds to reach the server, and the sandbox logs a
    // request only after answering it, so wait (up to 30 s) for both the cursor to be gone
    // and the DELETE to be logged.
    let deleted = |log: &[Value]| {
        log.iter().any(|r| {
            api_of(r) == "records/cursor" && method_of(r) == "DELETE" && r["status"] == 200
        })
    };
    let mut open = usize::MAX;
    let mut logged = false;
    for _ in 0..300 {
        open = sb.cursors().await.len();
        logged = deleted(&sb.requests(None).await);
        if open == 0 && logged {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        open, 0,
        "the cursor was not deleted after the stream was dropped"
    );
    assert!(logged, "the cursor was deleted by the client's DELETE");

    // An error mid-read deletes the cursor as well.
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::Cursor;
    let mut s = read(&c, req).unwrap();
    s.next().await.unwrap().unwrap();
    sb.fault(
        json!({"api": "records/cursor", "method": "GET", "count": 1, "action": "status",
                    "status": 400, "content_type": "application/json",
                    "body": "{\"code\":\"CB_VA01\",\"id\":\"x\",\"message\":\"injected\"}"}),
    )
    .await;
    let mut saw_err = false;
    while let Some(p) = s.next().await {
        if let Err(e) = p {
            assert_eq!(e.code(), Some("CB_VA01"));
            saw_err = true;
        }
    }
    assert!(saw_err);
    assert!(sb.cursors().await.is_empty());

    // Stopping at a limit deletes the cursor too.
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::Cursor;
    req.limit = Some(750);
    assert_eq!(read_all(&c, req).await.unwrap().len(), 750);
    assert!(sb.cursors().await.is_empty());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eleventh_cursor_falls_back_to_seek_at_once_or_waits_when_it_cannot() {
    let sb = Sandbox::start(Options::standard()).await;
    let c = sb.demo();
    let (app, total) = large_app(&c).await;
    let mut held = Vec::new();
    for _ in 0..10 {
        held.push(
            c.create_cursor(app, None, "order by $id asc", 500)
                .await
                .unwrap()
                .id,
        );
    }
    let e = c.create_cursor(app, None, "", 500).await.unwrap_err();
    assert_eq!(e.code(), Some("GAIA_TM12"));
    assert_eq!(e.status(), Some(429));

    let seq = sb.last_seq().await;
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::Cursor;
    req.fields = Some(vec!["$id".into()]);
    let started = std::time::Instant::now();
    let mut s = read(&c, req).unwrap();
    let mut all = Vec::new();
    while let Some(p) = s.next().await {
        let p = p.unwrap();
        assert_eq!(p.strategy, Strategy::Seek, "fell back to $id seek");
        all.extend(p.records);
    }
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "a read with a fallback does not wait for a free cursor"
    );
    assert_exactly_once(&all, total, "fallback");
    let log = sb.requests(Some(seq)).await;
    let refused = log
        .iter()
        .filter(|r| api_of(r) == "records/cursor" && r["code"] == "GAIA_TM12")
        .count();
    assert_eq!(refused, 1, "fell back on the first refusal");

    // An order only a cursor can serve waits, and uses a slot freed meanwhile.
    let (code, _) = sortable_field(&c, app).await;
    let mut cfg = sb.config(Auth::password("demo", "demo"));
    cfg.cursor_wait = Duration::from_secs(20);
    let patient = kintone_api::Client::new(cfg).unwrap();
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::Cursor;
    req.order_by = vec![OrderKey::desc(&code).unwrap()];
    req.fields = Some(vec!["$id".into()]);
    req.limit = Some(1_000);
    let freer = c.clone();
    let one = held.pop().unwrap();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        freer.delete_cursor(&one).await.unwrap();
    });
    let mut s = read(&patient, req).unwrap();
    let mut n = 0;
    while let Some(p) = s.next().await {
        let p = p.unwrap();
        assert_eq!(p.strategy, Strategy::Cursor);
        n += p.records.len();
    }
    assert_eq!(n, 1_000);
    for id in held {
        c.delete_cursor(&id).await.unwrap();
    }
    assert!(sb.cursors().await.is_empty());
    sb.shutdown().await;
}

// ---------------------------------------------------------------- faults

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_429_503_and_drops_during_a_scan_lose_nothing() {
    let sb = Sandbox::start(Options::standard()).await;
    let c = sb.demo();
    let (app, total) = large_app(&c).await;
    let seq = sb.last_seq().await;
    sb.fault(json!({"api": "records", "method": "GET", "count": 3, "action": "status", "status": 429,
                    "content_type": "application/json",
                    "body": "{\"code\":\"GAIA_TO04\",\"id\":\"f\",\"message\":\"The number of concurrent API requests exceeds the limit.\"}"}))
        .await;
    sb.fault(
        json!({"api": "records", "method": "GET", "count": 2, "action": "status", "status": 503,
                    "content_type": "text/plain", "body": "Service Unavailable"}),
    )
    .await;
    sb.fault(json!({"api": "records", "method": "GET", "count": 2, "action": "drop"}))
        .await;
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::Seek;
    req.fields = Some(vec!["$id".into()]);
    let all = read_all(&c, req).await.unwrap();
    assert_exactly_once(&all, total, "seek with faults");
    let log = sb.requests(Some(seq)).await;
    let statuses: Vec<i64> = log
        .iter()
        .filter(|r| api_of(r) == "records")
        .filter_map(|r| r["status"].as_i64())
        .collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 429).count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 503).count(),
        2,
        "{statuses:?}"
    );

    // Same on a cursor read.
    sb.fault(json!({"api": "records/cursor", "method": "GET", "count": 2, "action": "status", "status": 503,
                    "content_type": "text/plain", "body": "Service Unavailable"}))
        .await;
    sb.fault(json!({"api": "records/cursor", "method": "GET", "count": 1, "action": "drop"}))
        .await;
    let mut req = ReadRequest::new(app);
    req.strategy = StrategyChoice::Cursor;
    req.fields = Some(vec!["$id".into()]);
    let all = read_all(&c, req).await.unwrap();
    assert_exactly_once(&all, total, "cursor with faults");
    assert!(sb.cursors().await.is_empty());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_dropped_after_commit_is_reported_not_duplicated() {
    let mut o = Options::standard();
    o.large_records = Some(100);
    let sb = Sandbox::start(o).await;
    let c = sb.demo();
    let app = create_app(&c, "kapi write faults", test_app_fields()).await;
    let seq = sb.last_seq().await;
    sb.fault(
        json!({"api": "records", "method": "POST", "count": 1, "action": "drop_after_commit"}),
    )
    .await;
    let recs = vec![titled("one"), titled("two"), titled("three")];
    let e = c.add_records(app, &recs).await.unwrap_err();
    match &e {
        Error::WriteOutcomeUnknown { context, sent, .. } => {
            assert_eq!(context.app, Some(app));
            assert!(sent.contains("3 records"), "{sent}");
        }
        other => panic!("expected WriteOutcomeUnknown, got {other:?}"),
    }
    assert!(e.to_string().contains(&format!("app {app}")), "{e}");
    let log = sb.requests(Some(seq)).await;
    assert_eq!(
        log.iter()
            .filter(|r| api_of(r) == "records" && r["method"] == "POST")
            .count(),
        1,
        "not resent"
    );
    assert_eq!(
        c.count_records(app, None).await.unwrap(),
        3,
        "committed once"
    );

    // A 429 GAIA_TO04 on a write is retried (Kintone ran nothing), a 503 is not.
    sb.fault(
        json!({"api": "record", "method": "POST", "count": 1, "action": "status", "status": 429,
                    "content_type": "application/json",
                    "body": "{\"code\":\"GAIA_TO04\",\"id\":\"f\",\"message\":\"limit\"}"}),
    )
    .await;
    c.add_record(app, &titled("four"))
        .await
        .expect("retried after GAIA_TO04");
    sb.fault(
        json!({"api": "record", "method": "POST", "count": 1, "action": "status", "status": 503,
                    "content_type": "text/plain", "body": "Service Unavailable"}),
    )
    .await;
    let e = c.add_record(app, &titled("five")).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(c.count_records(app, None).await.unwrap(), 4);
    sb.shutdown().await;
}

// ---------------------------------------------------------------- budget

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_never_exceeds_the_budget() {
    let mut o = Options::standard();
    o.latency_ms = Some(40);
    o.large_records = Some(6_000);
    let sb = Sandbox::start(o).await;
    let mut cfg = sb.config(Auth::password("demo", "demo"));
    cfg.concurrency = Some(3);
    let a = kintone_api::Client::new(cfg.clone()).unwrap();
    let b = kintone_api::Client::new(cfg).unwrap();
    let (app, total) = large_app(&a).await;
    sb.reset_stats().await;
    let mut ra = ReadRequest::new(app);
    ra.strategy = StrategyChoice::ParallelSeek(8);
    ra.fields = Some(vec!["$id".into()]);
    let mut rb = ra.clone();
    rb.strategy = StrategyChoice::ParallelSeek(6);
    let (x, y) = tokio::join!(read_all(&a, ra), read_all(&b, rb));
    assert_exactly_once(&x.unwrap(), total, "client a");
    assert_exactly_once(&y.unwrap(), total, "client b");
    let stats = sb.stats().await;
    let max = stats["max_in_flight"].as_u64().unwrap();
    assert!(max <= 3, "max_in_flight {max} > budget 3");
    assert!(max >= 2, "the budget was used concurrently: {max}");
    assert_eq!(a.budget().available(), 3);
    sb.shutdown().await;
}

// ---------------------------------------------------------------- query values

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_values_with_quotes_backslashes_controls_and_japanese_match_exactly() {
    let mut o = Options::standard();
    o.large_records = Some(100);
    let sb = Sandbox::start(o).await;
    let c = sb.demo();
    let app = create_app(&c, "kapi escaping", test_app_fields()).await;
    let target = "say \"hi\" C:\\dir\\ 改行\nタブ\t日本語テキスト";
    let decoys = [
        "say \"hi\" C:\\dir\\ 改行\nタブ 日本語テキスト",
        "say \\\"hi\\\" C:\\dir\\ 改行\nタブ\t日本語テキスト",
        "say \"hi\" C:\\dir\\ 改行\\nタブ\\t日本語テキスト",
        "say \"hi\" C:dir 改行\nタブ\t日本語テキスト",
        "say ",
    ];
    let mut recs = vec![];
    for d in decoys {
        let mut r = titled(d);
        r.set("memo", FieldValue::MultiLineText(d.to_string()));
        recs.push(r);
    }
    let mut t = titled(target);
    t.set("memo", FieldValue::MultiLineText(target.to_string()));
    recs.push(t);
    let added = c.add_records(app, &recs).await.unwrap();
    let target_id = added.last().unwrap().0;

    let seq = sb.last_seq().await;
    let cond = Cond::eq("title", target).unwrap().to_string();
    let mut req = ReadRequest::new(app);
    req.condition = Some(cond.clone());
    let got = read_all(&c, req).await.unwrap();
    assert_eq!(ids(&got), vec![target_id]);
    assert_eq!(
        got[0].get("title"),
        Some(&FieldValue::SingleLineText(target.to_string()))
    );
    assert_eq!(
        got[0].get("memo"),
        Some(&FieldValue::MultiLineText(target.to_string()))
    );
    let cond_in = Cond::in_list("title", vec![QValue::str(target)])
        .unwrap()
        .to_string();
    let page = c.get_records(app, None, &cond_in, true).await.unwrap();
    assert_eq!(ids(&page.records), vec![target_id]);
    assert_eq!(page.total_count, Some(1));
    let log = sb.requests(Some(seq)).await;
    let q = logged_query(log.iter().find(|r| api_of(r) == "records").unwrap());
    assert!(q.contains(&quote(target)), "{q}");
    assert!(
        q.contains("\\n") && q.contains("\\t") && !q.contains('\n') && !q.contains('\t'),
        "{q}"
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_queries_use_method_override() {
    let mut o = Options::standard();
    o.large_records = Some(100);
    let sb = Sandbox::start(o).await;
    let c = sb.demo();
    let (app, _) = large_app(&c).await;
    let values: Vec<QValue> = (1..=900).map(|i| QValue::str(i.to_string())).collect();
    let cond = Cond::in_list("$id", values).unwrap().to_string();
    assert!(cond.len() > 4096);
    let seq = sb.last_seq().await;
    let page = c
        .get_records(
            app,
            Some(&["$id".to_string()]),
            &format!("{cond} limit 500"),
            true,
        )
        .await
        .unwrap();
    let log = sb.requests(Some(seq)).await;
    let expected = c.count_records(app, Some("$id <= 900")).await.unwrap();
    assert_eq!(page.total_count, Some(expected));
    assert!(ids(&page.records).iter().all(|&i| (1..=900).contains(&i)));
    let r = log.iter().find(|r| api_of(r) == "records").unwrap();
    assert_eq!(r["method"], "POST");
    assert_eq!(r["effective_method"], "GET");
    assert_eq!(r["override"], "GET");
    sb.shutdown().await;
}

// ---------------------------------------------------------------- writes and files

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_updates_and_streamed_files_round_trip() {
    let mut o = Options::standard();
    o.large_records = Some(100);
    let sb = Sandbox::start(o).await;
    let c = sb.demo();
    let app = create_app(&c, "kapi writes", test_app_fields()).await;
    let mut r = titled("first");
    r.set(
        "amount",
        FieldValue::Number(Some("123456789012345678901234567.125".parse().unwrap())),
    );
    let (id, rev) = c.add_record(app, &r).await.unwrap();
    let got = c.get_record(app, id).await.unwrap();
    assert_eq!(got.get("amount"), r.get("amount"), "NUMBER stays exact");
    assert_eq!(got.revision(), Some(rev));

    // Update with a revision check; a stale revision is GAIA_CO02.
    let key = kintone_api::endpoints::records::RecordKey::Id(id);
    let rev2 = c
        .update_record(app, &key, &titled("second"), Some(rev))
        .await
        .unwrap();
    assert_eq!(rev2, rev + 1);
    let e = c
        .update_record(app, &key, &titled("third"), Some(rev))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("GAIA_CO02"));
    assert!(e.to_string().contains("(GAIA_CO02)"));

    // File: upload from a path, attach, download as a stream.
    let dir = TempDir::new("file");
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.path("data.bin"), &content).unwrap();
    let key_file = c
        .upload_file_path(&dir.path("data.bin"), None, "application/octet-stream")
        .await
        .unwrap();
    let mut r = Record::new();
    r.set(
        "attachment",
        FieldValue::File(vec![kintone_api::FileInfo {
            file_key: key_file,
            name: String::new(),
            content_type: String::new(),
            size: None,
        }]),
    );
    c.update_record(app, &key, &r, None).await.unwrap();
    let got = c.get_record(app, id).await.unwrap();
    let Some(FieldValue::File(files)) = got.get("attachment") else {
        panic!("{got:?}")
    };
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, "data.bin");
    assert_eq!(files[0].size, Some(content.len() as u64));
    let mut dl = c.download_file(&files[0].file_key).await.unwrap();
    let mut bytes = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = dl.next().await {
        bytes.extend_from_slice(&chunk.unwrap());
        chunks += 1;
    }
    assert!(chunks >= 1);
    assert_eq!(bytes, content);
    let e = c.download_file("no-such-file-key").await.unwrap_err();
    assert_eq!(e.code(), Some("GAIA_BL01"));

    // Delete; the record is gone.
    c.delete_records(app, &[id], None).await.unwrap();
    let e = c.get_record(app, id).await.unwrap_err();
    assert_eq!(e.code(), Some("GAIA_RE01"));
    assert_eq!(e.status(), Some(404));
    sb.shutdown().await;
}
