//! Unit tests of the HTTP core and the pagers against the scripted mock server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::mock::{start, Mock, MockReq, MockResp};
use crate::paging::{read, read_all, ReadRequest, Strategy, StrategyChoice};
use crate::{
    ApiToken, Auth, BasicAuth, Client, ClientConfig, Error, ProxyConfig, Record, RetryPolicy,
};

fn client(m: &Mock, auth: Auth) -> Client {
    let mut c = ClientConfig::new(m.url.clone(), auth);
    c.proxy = ProxyConfig::None;
    c.retry = RetryPolicy {
        max_retries: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_total: Duration::from_secs(5),
    };
    c.cursor_wait = Duration::from_millis(300);
    Client::new(c).unwrap()
}

fn demo(m: &Mock) -> Client {
    client(m, Auth::password("demo", "pw"))
}

fn rec(id: u64) -> Value {
    json!({"$id": {"type": "__ID__", "value": id.to_string()},
           "$revision": {"type": "__REVISION__", "value": "1"},
           "n": {"type": "NUMBER", "value": (id * 10).to_string()}})
}

fn num_after(q: &str, pat: &str) -> Option<u64> {
    let i = q.find(pat)? + pat.len();
    q[i..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// records.json over ids 1..=n, understanding the queries the pagers send.
fn records_app(n: u64, req: &MockReq) -> MockResp {
    let q = req.param("query").unwrap_or_default();
    let desc = q.contains("order by $id desc");
    let mut ids: Vec<u64> = (1..=n)
        .filter(|&i| num_after(&q, "$id > ").map(|x| i > x).unwrap_or(true))
        .filter(|&i| num_after(&q, "$id < ").map(|x| i < x).unwrap_or(true))
        .filter(|&i| num_after(&q, "$id >= ").map(|x| i >= x).unwrap_or(true))
        .filter(|&i| num_after(&q, "$id <= ").map(|x| i <= x).unwrap_or(true))
        .collect();
    let total = ids.len();
    if desc {
        ids.reverse();
    }
    let off = num_after(&q, "offset ").unwrap_or(0) as usize;
    let lim = num_after(&q, "limit ").unwrap_or(100) as usize;
    let page: Vec<Value> = ids.into_iter().skip(off).take(lim).map(rec).collect();
    let tc = if req.param("totalCount").as_deref() == Some("true") {
        json!(total.to_string())
    } else {
        Value::Null
    };
    MockResp::Json(200, json!({"records": page, "totalCount": tc}))
}

fn ids_of(rs: &[Record]) -> Vec<u64> {
    rs.iter().map(|r| r.id().unwrap()).collect()
}

#[tokio::test]
async fn reads_retry_429_and_drops_then_succeed() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let m = start(Arc::new(move |r: &MockReq| {
        let k = h.fetch_add(1, Ordering::SeqCst);
        match k {
            0 => MockResp::Json(
                429,
                json!({"code": "GAIA_TO04", "id": "1", "message": "limit"}),
            ),
            1 => MockResp::Drop,
            2 => MockResp::Text(503, "Service Unavailable".into()),
            _ => records_app(3, r),
        }
    }))
    .await;
    let page = demo(&m)
        .get_records(1, None, "limit 10", false)
        .await
        .unwrap();
    assert_eq!(ids_of(&page.records).len(), 3);
    assert_eq!(m.log.lock().unwrap().len(), 4);
}

/// A records answer is decoded inside the attempt: a cut one is asked for again, while
/// a whole answer with a value that does not fit its type (or without records) is one
/// decoding error naming the field, not retried.
#[tokio::test]
async fn a_cut_answer_is_asked_again_and_a_mistyped_value_is_not() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let m = start(Arc::new(move |r: &MockReq| {
        match h.fetch_add(1, Ordering::SeqCst) {
            0 => MockResp::Text(200, r#"{"records": [{"$id": {"type": "__ID__", "#.into()),
            _ => records_app(2, r),
        }
    }))
    .await;
    let page = demo(&m).get_records(1, None, "", false).await.unwrap();
    assert_eq!(ids_of(&page.records), [1, 2]);
    assert_eq!(m.log.lock().unwrap().len(), 2);

    let bad = json!({"$id": {"type": "__ID__", "value": "x"}});
    let m = start(Arc::new(move |_: &MockReq| {
        MockResp::Json(200, json!({"records": [rec(1), bad.clone(), rec(3)]}))
    }))
    .await;
    let e = demo(&m).get_records(1, None, "", false).await.unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert!(e.to_string().contains("$id: 'x' is not an id"), "{e}");
    assert_eq!(m.log.lock().unwrap().len(), 1);

    let m = start(Arc::new(|_: &MockReq| {
        MockResp::Json(200, json!({"records": null, "totalCount": "3"}))
    }))
    .await;
    let e = demo(&m).get_records(1, None, "", true).await.unwrap_err();
    assert!(e.to_string().contains("no 'records' array"), "{e}");
    assert_eq!(m.log.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn retries_are_bounded() {
    let m = start(Arc::new(|_: &MockReq| MockResp::Text(503, "down".into()))).await;
    let e = demo(&m).get_records(1, None, "", false).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(m.log.lock().unwrap().len(), 5, "1 attempt + 4 retries");
}

#[tokio::test]
async fn a_dropped_write_is_reported_once_and_not_resent() {
    let m = start(Arc::new(|_: &MockReq| MockResp::Drop)).await;
    let mut r = Record::new();
    r.set("t", crate::FieldValue::SingleLineText("x".into()));
    let e = demo(&m).add_records(7, &[r.clone(), r]).await.unwrap_err();
    match &e {
        Error::WriteOutcomeUnknown { context, sent, .. } => {
            assert_eq!(context.app, Some(7));
            assert_eq!(sent, "add 2 records to app 7");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.log.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_write_answer_without_its_results_is_an_error_not_an_empty_success() {
    let m = start(Arc::new(|_: &MockReq| MockResp::Json(200, json!({})))).await;
    let update = crate::endpoints::records::RecordUpdate {
        key: crate::endpoints::records::RecordKey::Id(3),
        revision: None,
        record: Record::new(),
    };
    let e = demo(&m)
        .update_records(7, &[update], false)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert!(e.to_string().contains("'records'"), "{e}");
    let e = demo(&m).add_records(7, &[Record::new()]).await.unwrap_err();
    assert!(e.to_string().contains("'ids'"), "{e}");
}

#[tokio::test]
async fn writes_retry_gaia_to04_but_not_503() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let m = start(Arc::new(move |_: &MockReq| {
        match h.fetch_add(1, Ordering::SeqCst) {
            0 => MockResp::Json(
                429,
                json!({"code": "GAIA_TO04", "id": "1", "message": "limit"}),
            ),
            1 => MockResp::Json(200, json!({"id": "5", "revision": "1"})),
            _ => MockResp::Text(503, "down".into()),
        }
    }))
    .await;
    let c = demo(&m);
    assert_eq!(c.add_record(1, &Record::new()).await.unwrap(), (5, 1));
    let e = c.add_record(1, &Record::new()).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(m.log.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn auth_headers_and_user_agent() {
    let m = start(Arc::new(|r: &MockReq| records_app(1, r))).await;
    demo(&m).get_records(1, None, "", false).await.unwrap();
    let toks = Auth::ApiTokens(vec![
        ApiToken::new("tokA", vec![1]),
        ApiToken::new("tokB", vec![2]),
    ]);
    client(&m, toks)
        .get_records(2, None, "", false)
        .await
        .unwrap();
    let mut cfg = ClientConfig::new(m.url.clone(), Auth::password("u", "p"));
    cfg.proxy = ProxyConfig::None;
    cfg.basic_auth = Some(BasicAuth {
        user: "b".into(),
        password: "bp".into(),
    });
    Client::new(cfg)
        .unwrap()
        .get_records(1, None, "", false)
        .await
        .unwrap();
    client(
        &m,
        Auth::OAuth {
            access_token: "tkn".into(),
        },
    )
    .get_records(1, None, "", false)
    .await
    .unwrap();
    let log = m.log.lock().unwrap();
    assert_eq!(log[0].headers["x-cybozu-authorization"], "ZGVtbzpwdw==");
    assert!(log[0].headers["user-agent"].starts_with("kintone-odbc/"));
    assert_eq!(log[0].path, "/k/v1/records.json");
    assert_eq!(log[1].headers["x-cybozu-api-token"], "tokB,tokA");
    assert_eq!(log[2].headers["authorization"], "Basic YjpicA==");
    assert_eq!(log[2].headers["x-cybozu-authorization"], "dTpw");
    assert_eq!(log[3].headers["authorization"], "Bearer tkn");
}

#[tokio::test]
async fn long_get_goes_out_as_post_with_override() {
    let m = start(Arc::new(|r: &MockReq| records_app(2, r))).await;
    let long = format!("$id in ({}) limit 500", vec!["\"1\""; 1500].join(", "));
    demo(&m).get_records(1, None, &long, false).await.unwrap();
    let log = m.log.lock().unwrap();
    assert_eq!(log[0].method, "POST");
    assert_eq!(log[0].headers["x-http-method-override"], "GET");
    assert_eq!(log[0].body["query"], long);
}

#[tokio::test]
async fn seek_ranges_offset_and_windows() {
    let m = start(Arc::new(|r: &MockReq| records_app(1_234, r))).await;
    let c = demo(&m);
    let mut req = ReadRequest::new(1);
    req.total_count = true;
    let mut s = read(&c, req).unwrap();
    let mut all = Vec::new();
    let mut first = true;
    while let Some(p) = s.next().await {
        let p = p.unwrap();
        assert_eq!(p.strategy, Strategy::Seek);
        assert_eq!(p.total_count, if first { Some(1_234) } else { None });
        first = false;
        all.extend(p.records);
    }
    assert_eq!(ids_of(&all), (1..=1_234).collect::<Vec<_>>());
    {
        let log = m.log.lock().unwrap();
        assert_eq!(log.len(), 3);
        assert_eq!(log[0].query["query"], "order by $id asc limit 500");
        assert_eq!(
            log[1].query["query"],
            "$id > 500 order by $id asc limit 500"
        );
    }

    // A parallel scan: the first page, then windows of its width for the 734 records
    // left and an open one after them, delivered in $id order; no request waits for
    // the last $id.
    m.log.lock().unwrap().clear();
    let mut req = ReadRequest::new(1);
    req.strategy = StrategyChoice::ParallelSeek(4);
    req.condition = Some("n > \"0\" or n = \"0\"".into());
    let all = read_all(&c, req).await.unwrap();
    assert_eq!(ids_of(&all), (1..=1_234).collect::<Vec<_>>());
    let mut queries: Vec<String> = m
        .log
        .lock()
        .unwrap()
        .iter()
        .filter_map(|r| r.query.get("query").cloned())
        .collect();
    // The windows are fetched at once: their log order is the network's.
    queries[1..].sort();
    assert_eq!(
        queries,
        [
            "n > \"0\" or n = \"0\" order by $id asc limit 500",
            "(n > \"0\" or n = \"0\") and $id >= 1001 and $id <= 1500 order by $id asc limit 500",
            "(n > \"0\" or n = \"0\") and $id >= 1501 order by $id asc limit 500",
            "(n > \"0\" or n = \"0\") and $id >= 501 and $id <= 1000 order by $id asc limit 500",
        ]
    );

    let mut req = ReadRequest::new(1);
    req.offset = 10;
    req.limit = Some(25);
    assert_eq!(
        ids_of(&read_all(&c, req).await.unwrap()),
        (11..=35).collect::<Vec<_>>()
    );

    let mut req = ReadRequest::new(1);
    req.order_by = vec![crate::query::OrderKey::desc("$id").unwrap()];
    req.limit = Some(7);
    assert_eq!(
        ids_of(&read_all(&c, req).await.unwrap()),
        (1_228..=1_234).rev().collect::<Vec<_>>()
    );

    // Offset strategy with an unknown window over 10,000 matches refuses.
    let big = start(Arc::new(|r: &MockReq| records_app(12_000, r))).await;
    let mut req = ReadRequest::new(1);
    req.strategy = StrategyChoice::Offset;
    let e = read_all(&demo(&big), req).await.unwrap_err();
    assert!(matches!(e, Error::Unsupported(_)), "{e}");
    assert_eq!(big.log.lock().unwrap().len(), 1);
}

fn cursor_app(n: u64, busy: bool) -> impl Fn(&MockReq) -> MockResp + Send + Sync {
    let pos = Arc::new(AtomicUsize::new(0));
    move |r: &MockReq| {
        if r.path.ends_with("/records/cursor.json") {
            match r.method.as_str() {
                "POST" if busy => MockResp::Json(
                    429,
                    json!({"code": "GAIA_TM12", "id": "x", "message": "too many"}),
                ),
                "POST" => MockResp::Json(200, json!({"id": "cur-1", "totalCount": n.to_string()})),
                "GET" => {
                    let start = pos.fetch_add(500, Ordering::SeqCst) as u64;
                    let end = (start + 500).min(n);
                    let recs: Vec<Value> = (start + 1..=end).map(rec).collect();
                    MockResp::Json(200, json!({"records": recs, "next": end < n}))
                }
                _ => MockResp::Json(200, json!({})),
            }
        } else {
            records_app(n, r)
        }
    }
}

#[tokio::test]
async fn cursor_reads_and_deletes_on_early_drop() {
    let m = start(Arc::new(cursor_app(5_000, false))).await;
    let c = demo(&m);
    let mut req = ReadRequest::new(1);
    req.strategy = StrategyChoice::Cursor;
    req.fields = Some(vec!["n".into()]);
    let mut s = read(&c, req).unwrap();
    for _ in 0..2 {
        assert_eq!(s.next().await.unwrap().unwrap().strategy, Strategy::Cursor);
    }
    drop(s);
    let mut deleted = false;
    for _ in 0..100 {
        deleted = m.log.lock().unwrap().iter().any(|r| r.method == "DELETE");
        if deleted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(deleted, "cursor not deleted after drop");
    let log = m.log.lock().unwrap();
    let create = log.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(create.body["query"], "order by $id asc");
    assert_eq!(create.body["fields"], json!(["n", "$id"]));
    assert_eq!(create.body["size"], 500);
    let del = log.iter().find(|r| r.method == "DELETE").unwrap();
    assert_eq!(del.query["id"], "cur-1");
}

#[tokio::test]
async fn cursor_limit_reached_falls_back_to_seek() {
    let m = start(Arc::new(cursor_app(1_100, true))).await;
    let c = demo(&m);
    let mut req = ReadRequest::new(1);
    req.strategy = StrategyChoice::Cursor;
    let t = std::time::Instant::now();
    let mut s = read(&c, req).unwrap();
    let mut all = Vec::new();
    while let Some(p) = s.next().await {
        let p = p.unwrap();
        assert_eq!(p.strategy, Strategy::Seek);
        all.extend(p.records);
    }
    // $id order has a fallback: it is taken at once, not after waiting for a cursor.
    assert!(
        t.elapsed() < Duration::from_millis(150),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(ids_of(&all), (1..=1_100).collect::<Vec<_>>());
    let creates = |m: &Mock| {
        m.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method == "POST")
            .count()
    };
    assert_eq!(creates(&m), 1, "no second try");

    // Other order, no cursor, no unsorted fallback: it waits, then the TM12 error
    // surfaces.
    let mut req = ReadRequest::new(1);
    req.strategy = StrategyChoice::Cursor;
    req.order_by = vec![crate::query::OrderKey::asc("n").unwrap()];
    let t = std::time::Instant::now();
    let e = read_all(&c, req.clone()).await.unwrap_err();
    assert_eq!(e.code(), Some("GAIA_TM12"), "{e}");
    assert!(t.elapsed() >= Duration::from_millis(150));
    assert!(creates(&m) >= 3, "waited and retried: {}", creates(&m));

    // With the unsorted fallback allowed it falls back at once.
    req.allow_unsorted_fallback = true;
    let before = creates(&m);
    let t = std::time::Instant::now();
    let all = read_all(&c, req).await.unwrap();
    assert!(
        t.elapsed() < Duration::from_millis(150),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(all.len(), 1_100);
    assert_eq!(creates(&m), before + 1);
}

#[tokio::test]
async fn auto_probe_uses_offset_for_small_results_and_cursor_for_large() {
    let m = start(Arc::new(cursor_app(800, false))).await;
    let c = demo(&m);
    let mut req = ReadRequest::new(1);
    req.order_by = vec![crate::query::OrderKey::desc("n").unwrap()];
    let mut s = read(&c, req).unwrap();
    let mut n = 0;
    while let Some(p) = s.next().await {
        let p = p.unwrap();
        assert_eq!(p.strategy, Strategy::Offset);
        n += p.records.len();
    }
    assert_eq!(n, 800);
    assert!(m
        .log
        .lock()
        .unwrap()
        .iter()
        .all(|r| !r.path.contains("cursor")));

    let m = start(Arc::new(cursor_app(10_600, false))).await;
    let c = demo(&m);
    let mut req = ReadRequest::new(1);
    req.order_by = vec![crate::query::OrderKey::desc("n").unwrap()];
    req.offset = 100;
    req.limit = Some(10_000);
    let mut s = read(&c, req).unwrap();
    let mut all = Vec::new();
    while let Some(p) = s.next().await {
        let p = p.unwrap();
        assert_eq!(p.strategy, Strategy::Cursor);
        all.extend(p.records);
    }
    assert_eq!(ids_of(&all), (101..=10_100).collect::<Vec<_>>());
    // Stopped at the limit: the cursor is deleted.
    assert!(m.log.lock().unwrap().iter().any(|r| r.method == "DELETE"));

    // OAuth never creates a cursor.
    let m = start(Arc::new(cursor_app(10_600, false))).await;
    let c = client(
        &m,
        Auth::OAuth {
            access_token: "t".into(),
        },
    );
    let mut req = ReadRequest::new(1);
    req.order_by = vec![crate::query::OrderKey::desc("n").unwrap()];
    req.allow_unsorted_fallback = true;
    let all = read_all(&c, req).await.unwrap();
    assert_eq!(all.len(), 10_600);
    assert!(m
        .log
        .lock()
        .unwrap()
        .iter()
        .all(|r| !r.path.contains("cursor")));
}

#[tokio::test]
async fn apps_are_listed_past_100_and_users_past_100() {
    let m = start(Arc::new(|r: &MockReq| {
        let off: usize = r.param("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
        if r.path == "/v1/users.json" {
            let size: usize = r.param("size").and_then(|o| o.parse().ok()).unwrap_or(100);
            let users: Vec<Value> = (off..(off + size).min(130))
                .map(|i| json!({"id": (i + 1).to_string(), "code": format!("u{i}"), "name": "U"}))
                .collect();
            return MockResp::Json(200, json!({"users": users}));
        }
        let lim: usize = r.param("limit").and_then(|o| o.parse().ok()).unwrap_or(100);
        let apps: Vec<Value> = (off..(off + lim).min(250))
            .map(|i| json!({"appId": (i + 1).to_string(), "code": "", "name": format!("app {i}"),
                            "description": "", "spaceId": null, "threadId": null,
                            "createdAt": "2026-01-01T00:00:00Z", "creator": {"code": "demo", "name": "Demo"},
                            "modifiedAt": "2026-01-01T00:00:00Z", "modifier": {"code": "demo", "name": "Demo"}}))
            .collect();
        MockResp::Json(200, json!({"apps": apps}))
    }))
    .await;
    let c = demo(&m);
    let apps = c.list_apps(&Default::default()).await.unwrap();
    assert_eq!(apps.len(), 250);
    assert_eq!(apps[249].app_id, 250);
    assert_eq!(apps[0].creator.code, "demo");
    let users = c.list_users(&[]).await.unwrap();
    assert_eq!(users.len(), 130);
    let log = m.log.lock().unwrap();
    let offsets: Vec<String> = log
        .iter()
        .filter(|r| r.path == "/k/v1/apps.json")
        .map(|r| r.param("offset").unwrap())
        .collect();
    assert_eq!(offsets, vec!["0", "100", "200"]);
    assert_eq!(log.iter().filter(|r| r.path == "/v1/users.json").count(), 2);
}

#[tokio::test]
async fn guest_space_paths_bulk_requests_and_comments() {
    let m = start(Arc::new(|r: &MockReq| match r.path.as_str() {
        "/k/guest/5/v1/bulkRequest.json" => {
            if r.body["requests"].as_array().map(|a| a.len()) == Some(2) {
                MockResp::Json(
                    400,
                    json!({"results": [{}, {"code": "GAIA_RE01", "id": "e", "message": "The specified record (ID: 9) is not found."}]}),
                )
            } else {
                MockResp::Json(200, json!({"results": [{"id": "3", "revision": "1"}]}))
            }
        }
        "/k/guest/5/v1/record/comments.json" => {
            let off: u64 = r.param("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
            let comments: Vec<Value> = (off..(off + 10).min(23))
                .map(|i| json!({"id": (i + 1).to_string(), "text": format!("c{i}"),
                                "createdAt": "2026-01-01T00:00:00Z",
                                "creator": {"code": "demo", "name": "Demo"}, "mentions": []}))
                .collect();
            MockResp::Json(200, json!({"comments": comments, "older": off > 0, "newer": off + 10 < 23}))
        }
        _ => MockResp::Json(404, json!({"code": "X", "id": "", "message": r.path.clone()})),
    }))
    .await;
    let mut cfg = ClientConfig::new(m.url.clone(), Auth::password("demo", "pw"));
    cfg.proxy = ProxyConfig::None;
    cfg.guest_space_id = Some(5);
    let c = Client::new(cfg).unwrap();
    use crate::endpoints::bulk::BulkItem;
    let item = |id: u64| BulkItem {
        method: reqwest::Method::PUT,
        api: "record".into(),
        payload: json!({"app": 4, "id": id, "record": {}}),
    };
    let ok = c.bulk_request(&[item(3)]).await.unwrap();
    assert_eq!(ok[0]["id"], "3");
    let e = c.bulk_request(&[item(3), item(9)]).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Api {
                bulk_index: Some(1),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_code("GAIA_RE01"));
    assert!(e.to_string().contains("[bulk request #1]"), "{e}");
    assert!(c.bulk_request(&[]).await.is_err());
    let comments = c.get_all_comments(4, 1).await.unwrap();
    assert_eq!(comments.len(), 23);
    assert_eq!(comments[22].text, "c22");
    let log = m.log.lock().unwrap();
    assert_eq!(
        log[0].body["requests"][0]["api"],
        "/k/guest/5/v1/record.json"
    );
    assert_eq!(log[0].body["requests"][0]["method"], "PUT");
    assert_eq!(
        log.iter()
            .filter(|r| r.path.ends_with("comments.json"))
            .count(),
        3
    );
}
