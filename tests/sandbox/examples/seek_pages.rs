//! Page rate of `$id` seeks: how many `$id > n order by $id asc limit 500` pages per
//! second a sandbox binary serves over HTTP, reading the demo Events app from the start.
//!
//! ```text
//! cargo run --release -p kintone-sandbox --example seek_pages -- \
//!     [--sandbox PATH | --url BASE_URL] [--records N] [--seconds S] [--latency-ms MS]
//! ```
//!
//! It starts the given binary (default: the `kintone-sandbox` next to this example's
//! directory) with `--large-records N`, so an older build can be measured the same way;
//! or it reads from a running sandbox at `--url` (started with `--large-records N`), for
//! a profiler attached to it.
//! Response bodies are read but not parsed: the figure is the server's, plus one HTTP
//! round trip on loopback per page. It stops after `S` seconds or at the end of the app.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EVENTS_APP: u64 = 4;
const PAGE: u64 = 500;

struct Args {
    sandbox: String,
    url: Option<String>,
    records: u64,
    seconds: f64,
    latency_ms: u64,
}

fn args() -> Args {
    let default_bin = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("kintone-sandbox")))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "kintone-sandbox".into());
    let mut a = Args {
        sandbox: default_bin,
        url: None,
        records: 20_000,
        seconds: 20.0,
        latency_ms: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--sandbox" => a.sandbox = value,
            "--url" => a.url = Some(value),
            "--records" => a.records = value.parse().expect("--records N"),
            "--seconds" => a.seconds = value.parse().expect("--seconds S"),
            "--latency-ms" => a.latency_ms = value.parse().expect("--latency-ms MS"),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// Starts the sandbox and returns it with its base URL (its first line on stdout).
fn start(a: &Args) -> (Child, String) {
    let mut child = Command::new(&a.sandbox)
        .args(["--large-records", &a.records.to_string()])
        .args(["--latency-ms", &a.latency_ms.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", a.sandbox));
    let mut line = String::new();
    let stdout = child.stdout.take().expect("piped stdout");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("base URL on stdout");
    (child, line.trim().to_string())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let a = args();
    let built = Instant::now();
    let (mut child, base) = match &a.url {
        Some(url) => (None, url.clone()),
        None => {
            let (child, url) = start(&a);
            (Some(child), url)
        }
    };
    let startup = built.elapsed();
    let client = reqwest::Client::new();
    let url = format!("{base}/k/v1/records.json");
    let page = |after: u64| {
        client
            .get(&url)
            .header("X-Cybozu-Authorization", "ZGVtbzpkZW1v") // demo:demo
            .query(&[
                ("app", EVENTS_APP.to_string()),
                (
                    "query",
                    format!("$id > {after} order by $id asc limit {PAGE}"),
                ),
            ])
            .send()
    };
    // The first page is checked, so a broken build cannot post a good figure.
    let first: serde_json::Value = page(0).await.unwrap().json().await.unwrap();
    let got = first["records"].as_array().map_or(0, Vec::len) as u64;
    assert_eq!(got, PAGE.min(a.records), "first page: {first}");

    let started = Instant::now();
    let budget = Duration::from_secs_f64(a.seconds);
    let (mut pages, mut bytes, mut after) = (0u64, 0usize, 0u64);
    while after < a.records && started.elapsed() < budget {
        let resp = page(after).await.unwrap();
        assert!(resp.status().is_success(), "status {}", resp.status());
        bytes += resp.bytes().await.unwrap().len();
        pages += 1;
        after += PAGE;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "records={} latency_ms={} startup={:.1}s pages={} time={:.2}s pages/s={:.1} records/s={:.0} MB/s={:.1}",
        a.records,
        a.latency_ms,
        startup.as_secs_f64(),
        pages,
        secs,
        pages as f64 / secs,
        (pages * PAGE) as f64 / secs,
        bytes as f64 / secs / 1e6,
    );
    if let Some(child) = child.as_mut() {
        let _ = child.kill();
        let _ = child.wait();
    }
}
