//! Network and paging reliability against the sandbox: cursor pages lost after the
//! server moved on, cursors ended early, redirects that would carry credentials away,
//! deadlines against silent and trickling servers, and pinned self-signed certificates.
//! Every test checks what the sandbox logged as well as what the client returned.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use futures_util::StreamExt;
use kintone_api::paging::{read, read_all, ReadRequest, Strategy, StrategyChoice};
use kintone_api::query::OrderKey;
use kintone_api::{ApiToken, Auth, BasicAuth, Error, Record};
use kintone_sandbox::demo::EVENTS_APP;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn ids(records: &[Record]) -> Vec<u64> {
    records.iter().map(|r| r.id().expect("$id")).collect()
}

fn assert_exactly_once(records: &[Record], expected: u64, what: &str) {
    let v = ids(records);
    let set: HashSet<u64> = v.iter().copied().collect();
    assert_eq!(set.len(), v.len(), "{what}: duplicates");
    assert_eq!(v.len() as u64, expected, "{what}: record count");
}

fn small(records: u64) -> Options {
    let mut o = Options::standard();
    o.large_records = Some(records);
    o
}

/// A NUMBER field of the Events app to sort by.
async fn number_field(c: &kintone_api::Client) -> String {
    let f = c.form_fields(EVENTS_APP, None, false).await.unwrap();
    f.properties
        .values()
        .find(|p| p.field_type == "NUMBER")
        .map(|p| p.code.clone())
        .expect("a NUMBER field in Events")
}

fn cursor_calls<'a>(log: &'a [Value], method: &str) -> Vec<&'a Value> {
    log.iter()
        .filter(|r| api_of(r) == "records/cursor" && method_of(r) == method)
        .collect()
}

// ---------------------------------------------------------------- 1. cursors

/// Reads `req` as a stream, injecting `fault` once two pages have arrived.
async fn read_with_fault_after_two_pages(
    sb: &Sandbox,
    c: &kintone_api::Client,
    req: ReadRequest,
    fault: Value,
) -> (Vec<Record>, Option<Error>) {
    let mut s = read(c, req).unwrap();
    let mut all = Vec::new();
    let mut pages = 0;
    let mut err = None;
    while let Some(p) = s.next().await {
        match p {
            Ok(p) => {
                assert_eq!(p.strategy, Strategy::Cursor);
                all.extend(p.records);
            }
            Err(e) => {
                err = Some(e);
                break;
            }
        }
        pages += 1;
        if pages == 2 {
            sb.fault(fault.clone()).await;
        }
    }
    (all, err)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursor_page_cut_off_after_the_server_moved_on_is_reread_not_lost() {
    let sb = Sandbox::start(small(3_000)).await;
    let c = sb.demo();
    let code = number_field(&c).await;
    let cut = json!({"api": "records/cursor", "method": "GET", "count": 1,
                     "action": "drop_after_commit", "mid_body": true});

    // Sorted by another field: a new cursor re-reads and checks what was delivered.
    let seq = sb.last_seq().await;
    let mut req = ReadRequest::new(EVENTS_APP);
    req.strategy = StrategyChoice::Cursor;
    req.order_by = vec![OrderKey::desc(&code).unwrap()];
    req.fields = Some(vec![code.clone(), "$id".into()]);
    let (all, err) = read_with_fault_after_two_pages(&sb, &c, req.clone(), cut.clone()).await;
    assert!(err.is_none(), "{err:?}");
    assert_exactly_once(&all, 3_000, "sorted cursor with a cut page");
    let plain = read_all(&c, req).await.unwrap();
    assert_eq!(ids(&all), ids(&plain), "same order as an undisturbed read");
    let log = sb.requests(Some(seq)).await;
    let gets = cursor_calls(&log, "GET");
    assert_eq!(
        gets.iter().filter(|r| r["dropped"] == true).count(),
        1,
        "the cut page was served once"
    );
    let posts = cursor_calls(&log, "POST");
    assert_eq!(
        posts.len(),
        3,
        "the read's cursor, its replacement, the plain read"
    );
    assert_eq!(logged_query(posts[0]), logged_query(posts[1]));
    assert!(
        !cursor_calls(&log, "DELETE").is_empty(),
        "the broken cursor was deleted"
    );
    assert!(sb.cursors().await.is_empty());

    // By $id: the new cursor starts after the last delivered record.
    let seq = sb.last_seq().await;
    let mut req = ReadRequest::new(EVENTS_APP);
    req.strategy = StrategyChoice::Cursor;
    req.fields = Some(vec!["$id".into()]);
    let (all, err) = read_with_fault_after_two_pages(&sb, &c, req, cut).await;
    assert!(err.is_none(), "{err:?}");
    assert_exactly_once(&all, 3_000, "$id cursor with a cut page");
    assert!(ids(&all).windows(2).all(|w| w[0] < w[1]));
    let log = sb.requests(Some(seq)).await;
    let posts = cursor_calls(&log, "POST");
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert!(
        logged_query(posts[1]).starts_with("$id > "),
        "{}",
        logged_query(posts[1])
    );
    assert!(sb.cursors().await.is_empty());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursor_ended_early_is_an_error_naming_both_counts() {
    // Twelve pages: the reader is a few pages ahead of the consumer when the fault is
    // set, and an end on the last page would be no early end at all.
    let sb = Sandbox::start(small(6_000)).await;
    let c = sb.demo();
    let seq = sb.last_seq().await;
    let mut req = ReadRequest::new(EVENTS_APP);
    req.strategy = StrategyChoice::Cursor;
    req.fields = Some(vec!["$id".into()]);
    let (all, err) = read_with_fault_after_two_pages(
        &sb,
        &c,
        req,
        json!({"api": "records/cursor", "method": "GET", "count": 1, "action": "end_cursor"}),
    )
    .await;
    let err = err.expect("a cursor that ends early is an error");
    let n = all.len();
    assert!(n < 6_000);
    let text = err.to_string();
    assert!(text.contains("6000"), "{text}");
    assert!(text.contains(&n.to_string()), "{text}");
    let log = sb.requests(Some(seq)).await;
    let gets = cursor_calls(&log, "GET");
    assert!(gets.iter().all(|r| r["status"] == 200), "{gets:?}");
    assert!(sb.cursors().await.is_empty());
    sb.shutdown().await;
}

// ---------------------------------------------------------------- 2. redirects

/// A listener that answers every request with `{}` and records the credential
/// headers it saw (lower-cased names).
async fn trap() -> (
    String,
    Arc<Mutex<Vec<Vec<String>>>>,
    tokio::task::JoinHandle<()>,
) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
    let s2 = seen.clone();
    let task = tokio::spawn(async move {
        // Bounded: the test aborts the task when it is done.
        while let Ok((mut sock, _)) = l.accept().await {
            let mut buf = vec![0u8; 16 * 1024];
            let n = tokio::time::timeout(Duration::from_secs(2), sock.read(&mut buf))
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
            let creds: Vec<String> = [
                "x-cybozu-authorization",
                "x-cybozu-api-token",
                "authorization",
            ]
            .iter()
            .filter(|h| head.lines().any(|l| l.starts_with(&format!("{h}:"))))
            .map(|h| h.to_string())
            .collect();
            s2.lock().unwrap().push(creds);
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                .await;
        }
    });
    (url, seen, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_not_followed_and_credentials_stay_home() {
    let sb = Sandbox::start(small(100)).await;
    let (trap_url, seen, task) = trap().await;
    let target = format!("{trap_url}/k/v1/records.json");
    let mut with_basic = sb.config(Auth::password("demo", "demo"));
    with_basic.basic_auth = Some(BasicAuth {
        user: "b".into(),
        password: "basic-pw".into(),
    });
    let configs = [
        with_basic,
        sb.config(Auth::ApiTokens(vec![ApiToken::new(
            kintone_sandbox::demo::TOKEN_EVENTS_VIEW,
            vec![EVENTS_APP],
        )])),
        sb.config(Auth::OAuth {
            access_token: "bearer-token".into(),
        }),
    ];
    for (i, cfg) in configs.into_iter().enumerate() {
        let status = [302, 307, 308][i];
        let seq = sb.last_seq().await;
        sb.fault(json!({"api": "records", "count": 1, "action": "redirect",
                        "status": status, "location": target}))
            .await;
        let c = kintone_api::Client::new(cfg).unwrap();
        let e = c
            .get_records(EVENTS_APP, None, "limit 1", false)
            .await
            .unwrap_err();
        let text = e.to_string();
        assert!(text.contains(&target), "{text}");
        assert!(text.contains(&status.to_string()), "{text}");
        let log = sb.requests(Some(seq)).await;
        let reads: Vec<&Value> = log.iter().filter(|r| api_of(r) == "records").collect();
        assert_eq!(reads.len(), 1, "asked once, not retried: {reads:?}");
        assert_eq!(reads[0]["status"], status);
    }
    task.abort();
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter().all(|h| h.is_empty()),
        "credentials reached the redirect target: {seen:?}"
    );
    assert!(seen.is_empty(), "the redirect was followed: {seen:?}");
    sb.shutdown().await;
}

// ---------------------------------------------------------------- 3. deadlines

fn timed_client(sb: &Sandbox, secs: u64) -> kintone_api::Client {
    let mut cfg = sb.config(Auth::password("demo", "demo"));
    cfg.request_timeout = Duration::from_secs(secs);
    kintone_api::Client::new(cfg).unwrap()
}

fn assert_call_timeout(e: &Error, started: Instant) {
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}: {e}");
    assert!(
        matches!(e, Error::Timeout { .. }),
        "expected a timeout, got {e:?}"
    );
    let text = e.to_string();
    assert!(text.contains("2s") && text.contains("Timeout"), "{text}");
}

/// Waits (bounded) until the sandbox logged `n` requests to `api` after `seq`.
async fn logged(sb: &Sandbox, seq: u64, api: &str, n: usize) -> Vec<Value> {
    let mut log = Vec::new();
    for _ in 0..100 {
        log = sb.requests(Some(seq)).await;
        if log.iter().filter(|r| api_of(r) == api).count() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    log.into_iter().filter(|r| api_of(r) == api).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_trickling_servers_fail_within_the_timeout() {
    let sb = Sandbox::start(small(3_000)).await;
    let c = timed_client(&sb, 2);

    // Silent: accepted, never answered.
    let seq = sb.last_seq().await;
    sb.fault(json!({"api": "records", "count": 20, "action": "silent", "duration_ms": 3000}))
        .await;
    let started = Instant::now();
    let e = c
        .get_records(EVENTS_APP, None, "limit 1", false)
        .await
        .unwrap_err();
    assert_call_timeout(&e, started);
    sb.clear_faults().await;
    let log = logged(&sb, seq, "records", 1).await;
    assert_eq!(log.len(), 1, "no retry after the deadline: {log:?}");
    assert_eq!(log[0]["dropped"], true);

    // Trickling: the answer starts, its body never ends in time.
    let seq = sb.last_seq().await;
    sb.fault(json!({"api": "records", "count": 20, "action": "trickle", "interval_ms": 200}))
        .await;
    let started = Instant::now();
    let e = c
        .get_records(EVENTS_APP, None, "limit 100", false)
        .await
        .unwrap_err();
    assert_call_timeout(&e, started);
    sb.clear_faults().await;
    let log = logged(&sb, seq, "records", 1).await;
    assert_eq!(log.len(), 1, "{log:?}");

    // A page in the middle of long reads, by $id and by cursor.
    for strategy in [StrategyChoice::Seek, StrategyChoice::Cursor] {
        let api = match strategy {
            StrategyChoice::Cursor => "records/cursor",
            _ => "records",
        };
        let mut req = ReadRequest::new(EVENTS_APP);
        req.strategy = strategy;
        let mut s = read(&c, req).unwrap();
        let first = s.next().await.unwrap().unwrap();
        assert_eq!(first.records.len(), 500);
        let seq = sb.last_seq().await;
        sb.fault(
            json!({"api": api, "method": "GET", "count": 20, "action": "trickle",
                        "interval_ms": 200}),
        )
        .await;
        let started = Instant::now();
        let mut err = None;
        // The read fetches ahead (its channel holds two pages), so some pages may have
        // been read before the fault was in place: they arrive before the error.
        let mut fetched_ahead = 0;
        while let Some(p) = s.next().await {
            match p {
                Ok(_) => fetched_ahead += 1,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        let e = err.expect("the read fails");
        assert_call_timeout(&e, started);
        sb.clear_faults().await;
        let log = logged(&sb, seq, api, 1).await;
        let gets = log.iter().filter(|r| method_of(r) == "GET").count();
        assert!(
            gets - fetched_ahead.min(gets) <= 2,
            "{strategy:?}: {fetched_ahead} pages before the error; {log:?}"
        );
    }
    // The cursor of the failed read is not left open.
    for _ in 0..50 {
        if sb.cursors().await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sb.cursors().await.is_empty());
    sb.shutdown().await;
}

// ---------------------------------------------------------------- 6. pinned certificates

/// A self-signed certificate as `openssl req -x509` makes it by default (with
/// `CA:TRUE`, which webpki refuses as an end entity: `CaUsedAsEndEntity`).
fn self_signed(dir: &std::path::Path, name: &str) {
    let out = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.pem"),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ])
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_self_signed_certificate_is_accepted_and_no_other() {
    let dir = TempDir::new("pin");
    self_signed(&dir.0, "server");
    self_signed(&dir.0, "other");
    let mut o = small(100);
    o.tls = Some((dir.path("server.pem"), dir.path("server.key"), None));
    o.admin_tls = Some((dir.path("server.pem"), None));
    let sb = Sandbox::start(o).await;
    assert!(sb.base_url().starts_with("https://"));

    let seq = sb.last_seq().await;
    let mut cfg = sb.config(Auth::password("demo", "demo"));
    cfg.extra_ca_file = Some(dir.path("server.pem"));
    let c = kintone_api::Client::new(cfg).unwrap();
    let apps = c.list_apps(&Default::default()).await.unwrap();
    assert!(!apps.is_empty());

    // Another self-signed certificate, or none, is still refused.
    for pin in [Some(dir.path("other.pem")), None] {
        let mut cfg = sb.config(Auth::password("demo", "demo"));
        cfg.extra_ca_file = pin.clone();
        let c = kintone_api::Client::new(cfg).unwrap();
        let e = c.list_apps(&Default::default()).await.unwrap_err();
        assert!(matches!(e, Error::Transport { .. }), "{pin:?}: {e}");
    }
    let log = sb.requests(Some(seq)).await;
    assert_eq!(
        log.iter().filter(|r| api_of(r) == "apps").count(),
        1,
        "only the pinned client got through: {log:?}"
    );
    sb.shutdown().await;
}

/// A server that refuses the cursor API itself (a proxy or an emulator answering 404,
/// a plan without it answering 403) is read by the other strategies, every record once;
/// the connection then stops asking for cursors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_cursor_api_falls_back_to_id_paging() {
    let sb = Sandbox::start(small(3_000)).await;
    for status in [404u16, 403] {
        let c = kintone_api::Client::new(sb.config(Auth::password("demo", "demo"))).unwrap();
        assert!(c.cursors_allowed());
        let seq = sb.last_seq().await;
        sb.fault(
            json!({"api": "records/cursor", "method": "POST", "count": 1,
                        "action": "status", "status": status}),
        )
        .await;
        let mut req = ReadRequest::new(EVENTS_APP);
        req.strategy = StrategyChoice::Cursor;
        let all = read_all(&c, req).await.unwrap();
        assert_exactly_once(&all, 3_000, "fallback after a refused cursor");
        assert!(!c.cursors_allowed(), "{status}: remembered");
        let log = sb.requests(Some(seq)).await;
        let posts = cursor_calls(&log, "POST");
        assert_eq!(posts.len(), 1, "{status}: one refused cursor");
        assert_eq!(posts[0]["status"], status);
        assert!(
            log.iter().filter(|r| api_of(r) == "records").count() >= 6,
            "{status}: read by $id pages"
        );
        sb.clear_faults().await;
    }
    sb.shutdown().await;
}
