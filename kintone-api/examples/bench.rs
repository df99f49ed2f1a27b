//! Read benchmark: the demo's large app read through each paging strategy, against an
//! in-process sandbox with and without simulated network latency.
//!
//! `cargo run --release -p kintone-api --example bench [-- RECORDS [LATENCY_MS]]`
//! (defaults: 25000 records, 20 ms). Prints records/s, requests sent and the most requests
//! the sandbox saw in flight at once (the concurrency budget at work).

use std::sync::atomic::Ordering;
use std::time::Instant;

use futures_util::StreamExt;
use kintone_api::paging::{read, ReadRequest, StrategyChoice};
use kintone_api::query::OrderKey;
use kintone_api::{Auth, Client, ClientConfig};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let records: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(25_000);
    let latency: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(20);
    println!("{records} records; latency 0 ms and {latency} ms per request");
    println!(
        "{:<10} {:<26} {:>9} {:>12} {:>9} {:>12}",
        "latency", "strategy", "seconds", "records/s", "requests", "max in flight"
    );
    for lat in [0, latency] {
        let sb = kintone_sandbox::start(kintone_sandbox::Options {
            large_records: records,
            latency_ms: lat,
            ..Default::default()
        })
        .await?;
        let client = Client::new(ClientConfig::new(
            sb.base_url(),
            Auth::password("demo", "demo"),
        ))?;
        let cases: Vec<(&str, StrategyChoice, bool)> = vec![
            ("$id seek", StrategyChoice::Seek, false),
            ("$id seek, 4 ranges", StrategyChoice::ParallelSeek(4), false),
            ("cursor (order by score)", StrategyChoice::Cursor, true),
        ];
        for (name, strategy, ordered) in cases {
            let state = sb.state();
            let before = state.total_requests.load(Ordering::Relaxed);
            state.max_in_flight.store(0, Ordering::Relaxed);
            let mut req = ReadRequest::new(kintone_sandbox::demo::EVENTS_APP);
            req.strategy = strategy;
            if ordered {
                req.order_by = vec![OrderKey::desc("score")?];
            }
            let start = Instant::now();
            let mut n = 0usize;
            let mut pages = read(&client, req)?;
            while let Some(page) = pages.next().await {
                n += page?.records.len();
            }
            let secs = start.elapsed().as_secs_f64();
            let sent = state.total_requests.load(Ordering::Relaxed) - before;
            let peak = state.max_in_flight.load(Ordering::Relaxed);
            if n != records {
                return Err(format!("{name}: read {n} records, expected {records}").into());
            }
            println!(
                "{:<10} {:<26} {:>9.2} {:>12.0} {:>9} {:>12}",
                format!("{lat} ms"),
                name,
                secs,
                n as f64 / secs,
                sent,
                peak
            );
        }
        sb.shutdown().await;
    }
    Ok(())
}
