//! Chaos: every read strategy under every injected failure, with and without latency.
//! Each run must deliver every `$id` exactly once (in order, where the read is ordered)
//! or fail with a clear error; a read that ends short without an error is the one
//! outcome never allowed. The summary line counts runs, lost and duplicated rows and
//! clear failures.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use common::*;
use futures_util::StreamExt;
use kintone_api::paging::{read, read_all, ReadRequest, StrategyChoice};
use kintone_api::query::OrderKey;
use kintone_api::{Auth, Error, Record};
use kintone_sandbox::demo::EVENTS_APP;
use serde_json::{json, Value};

const RECORDS: u64 = 3_000;

#[derive(Clone, Copy, Debug)]
enum Kind {
    Seek,
    ParallelSeek,
    Cursor,
    SortedCursor,
    Offset,
}

impl Kind {
    fn api(self) -> &'static str {
        match self {
            Kind::Cursor | Kind::SortedCursor => "records/cursor",
            _ => "records",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    TooMany,
    Unavailable,
    Reset,
    CutBeforeCommit,
    CutAfterCommit,
    EndedEarly,
    Garbage,
}

impl Fault {
    fn spec(self, api: &str) -> Value {
        let base = json!({"api": api, "method": "GET", "count": 1});
        let extra = match self {
            Fault::TooMany => json!({"action": "status", "status": 429,
                "content_type": "application/json",
                "body": "{\"code\":\"GAIA_TO04\",\"id\":\"c\",\"message\":\"The number of concurrent API requests exceeds the limit.\"}"}),
            Fault::Unavailable => json!({"action": "status", "status": 503}),
            Fault::Reset => json!({"action": "drop"}),
            Fault::CutBeforeCommit => json!({"action": "drop", "mid_body": true}),
            Fault::CutAfterCommit => json!({"action": "drop_after_commit", "mid_body": true}),
            Fault::EndedEarly => json!({"action": "end_cursor"}),
            Fault::Garbage => json!({"action": "status", "status": 200,
                "content_type": "application/json", "body": "<html>not json"}),
        };
        let mut v = base;
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    }

    /// What the sandbox logs for the faulty request.
    fn logged(self, r: &Value) -> bool {
        match self {
            Fault::TooMany => r["status"] == 429,
            Fault::Unavailable => r["status"] == 503,
            Fault::Reset => r["dropped"] == true && r["status"].is_null(),
            Fault::CutBeforeCommit | Fault::CutAfterCommit => {
                r["dropped"] == true && r["status"] == 200
            }
            Fault::EndedEarly | Fault::Garbage => r["status"] == 200,
        }
    }
}

fn request(kind: Kind, sort_code: &str) -> ReadRequest {
    let mut r = ReadRequest::new(EVENTS_APP);
    r.fields = Some(vec!["$id".into(), sort_code.into()]);
    r.strategy = match kind {
        Kind::Seek => StrategyChoice::Seek,
        Kind::ParallelSeek => StrategyChoice::ParallelSeek(3),
        Kind::Cursor | Kind::SortedCursor => StrategyChoice::Cursor,
        Kind::Offset => StrategyChoice::Offset,
    };
    if let Kind::SortedCursor = kind {
        r.order_by = vec![OrderKey::desc(sort_code).unwrap()];
    }
    r
}

fn ids(records: &[Record]) -> Vec<u64> {
    records.iter().map(|r| r.id().expect("$id")).collect()
}

#[derive(Default, Debug)]
struct Tally {
    runs: u64,
    lost: u64,
    duplicated: u64,
    misordered: u64,
    clear_failures: u64,
    unexpected_failures: Vec<String>,
    faults_missed: Vec<String>,
}

/// Reads with `fault` injected before the read (`middle: false`) or once its first
/// page has arrived.
async fn run(
    sb: &Sandbox,
    c: &kintone_api::Client,
    req: ReadRequest,
    spec: Value,
    middle: bool,
) -> (Vec<u64>, Option<Error>) {
    if !middle {
        sb.fault(spec.clone()).await;
    }
    let mut s = read(c, req).unwrap();
    let mut got = Vec::new();
    let mut first = true;
    // Bounded: every read ends (3,000 records, a finite retry policy and deadline).
    while let Some(p) = s.next().await {
        match p {
            Ok(p) => got.extend(ids(&p.records)),
            Err(e) => return (got, Some(e)),
        }
        if first && middle {
            sb.fault(spec.clone()).await;
        }
        first = false;
    }
    (got, None)
}

async fn suite(latency_ms: u64, tally: &mut Tally) {
    let mut o = Options::standard();
    o.large_records = Some(RECORDS);
    o.latency_ms = Some(latency_ms);
    let sb = Sandbox::start(o).await;
    let mut cfg = sb.config(Auth::password("demo", "demo"));
    cfg.request_timeout = Duration::from_secs(20);
    let c = kintone_api::Client::new(cfg).unwrap();
    let f = c.form_fields(EVENTS_APP, None, false).await.unwrap();
    let sort_code = f
        .properties
        .values()
        .find(|p| p.field_type == "NUMBER")
        .map(|p| p.code.clone())
        .expect("a NUMBER field");

    let kinds = [
        Kind::Seek,
        Kind::ParallelSeek,
        Kind::Cursor,
        Kind::SortedCursor,
        Kind::Offset,
    ];
    // What an undisturbed read returns, per strategy.
    let mut expected: HashMap<String, Vec<u64>> = HashMap::new();
    for kind in kinds {
        let all = read_all(&c, request(kind, &sort_code)).await.unwrap();
        assert_eq!(all.len() as u64, RECORDS, "{kind:?} baseline");
        expected.insert(format!("{kind:?}"), ids(&all));
    }
    let faults = [
        Fault::TooMany,
        Fault::Unavailable,
        Fault::Reset,
        Fault::CutBeforeCommit,
        Fault::CutAfterCommit,
        Fault::EndedEarly,
        Fault::Garbage,
    ];
    for kind in kinds {
        for fault in faults {
            if fault == Fault::EndedEarly && kind.api() != "records/cursor" {
                continue;
            }
            for middle in [false, true] {
                // A parallel scan may have all its windows out before the first page is
                // read: a fault injected then could miss every request.
                if middle && matches!(kind, Kind::ParallelSeek) {
                    continue;
                }
                let what = format!(
                    "{kind:?} {fault:?} {} latency {latency_ms}ms",
                    if middle { "mid-read" } else { "at start" }
                );
                let seq = sb.last_seq().await;
                let (got, err) = run(
                    &sb,
                    &c,
                    request(kind, &sort_code),
                    fault.spec(kind.api()),
                    middle,
                )
                .await;
                tally.runs += 1;
                let want = &expected[&format!("{kind:?}")];
                let want_set: HashSet<u64> = want.iter().copied().collect();
                let got_set: HashSet<u64> = got.iter().copied().collect();
                tally.duplicated += (got.len() - got_set.len()) as u64;
                match &err {
                    None => {
                        tally.lost += want_set.difference(&got_set).count() as u64;
                        // Every strategy delivers in order, parallel windows included.
                        if got_set.len() == got.len() && &got != want {
                            tally.misordered += 1;
                        }
                    }
                    Some(e) => {
                        let text = e.to_string();
                        assert!(!text.is_empty());
                        tally.clear_failures += 1;
                        if fault != Fault::EndedEarly {
                            tally.unexpected_failures.push(format!("{what}: {text}"));
                        } else {
                            assert!(matches!(e, Error::Incomplete { .. }), "{what}: {e:?}");
                            assert!(text.contains(&RECORDS.to_string()), "{what}: {text}");
                        }
                    }
                }
                if fault == Fault::EndedEarly && err.is_none() {
                    tally.unexpected_failures.push(format!("{what}: no error"));
                }
                // The fault was served, and the sandbox saw it.
                let pending = sb.pending_faults().await;
                let log = sb.requests(Some(seq)).await;
                let hit = log
                    .iter()
                    .any(|r| api_of(r) == kind.api() && method_of(r) == "GET" && fault.logged(r));
                if !pending.is_empty() || !hit {
                    tally.faults_missed.push(what.clone());
                    sb.clear_faults().await;
                }
                // No cursor is left behind (deletions run as their own tasks).
                for _ in 0..50 {
                    if sb.cursors().await.is_empty() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                assert!(
                    sb.cursors().await.is_empty(),
                    "{what}: a cursor was left open"
                );
            }
        }
    }
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_strategy_under_every_fault_delivers_each_id_once_or_fails_clearly() {
    let started = Instant::now();
    let mut tally = Tally::default();
    for latency in [0, 50] {
        suite(latency, &mut tally).await;
    }
    println!(
        "chaos: {} runs, {} lost rows, {} duplicated rows, {} misordered reads, {} clear \
         failures, {} faults not served, in {:.1?}",
        tally.runs,
        tally.lost,
        tally.duplicated,
        tally.misordered,
        tally.clear_failures,
        tally.faults_missed.len(),
        started.elapsed()
    );
    assert_eq!(tally.lost, 0, "lost rows");
    assert_eq!(tally.duplicated, 0, "duplicated rows");
    assert_eq!(tally.misordered, 0, "misordered reads");
    assert!(
        tally.unexpected_failures.is_empty(),
        "{:#?}",
        tally.unexpected_failures
    );
    assert!(tally.faults_missed.is_empty(), "{:#?}", tally.faults_missed);
}
