//! The `kintone-sandbox` binary: URL on the first stdout line, clean stop on SIGTERM,
//! exit status 2 with a message naming the flag on bad flags.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kintone-sandbox");

fn wait_with_timeout(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("kintone-sandbox did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn prints_url_first_and_stops_on_sigterm() {
    let mut child = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--large-records",
            "10",
            "--max-concurrency",
            "7",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let url = line.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = reqwest::Client::builder().no_proxy().build().unwrap();
        let r = c
            .get(format!("{url}/k/v1/space.json?id=1"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["x-concurrencylimit-limit"], "7");
        let stats: serde_json::Value = c
            .get(format!("{url}/sandbox/stats"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(stats["total_requests"], 1);
    });

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_with_timeout(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
    // The port is released.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

fn run_expect_usage_error(args: &[&str], flag: &str) {
    let out = Command::new(BIN).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(flag), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}");
}

#[test]
fn bad_flags_exit_2_naming_the_flag() {
    run_expect_usage_error(&["--max-concurrency", "0"], "--max-concurrency");
    run_expect_usage_error(&["--cursor-limit", "x"], "--cursor-limit");
    run_expect_usage_error(&["--oauth-token-lifetime=0"], "--oauth-token-lifetime");
    run_expect_usage_error(&["--basic-auth", "nocolon"], "--basic-auth");
    run_expect_usage_error(&["--listen", "nowhere"], "--listen");
    run_expect_usage_error(&["--tls-cert", "/tmp/x.pem"], "--tls-key");
    run_expect_usage_error(&["--client-ca", "/tmp/ca.pem"], "--tls-cert");
    run_expect_usage_error(&["--data", "/nonexistent/sandbox-data.json"], "--data");
    run_expect_usage_error(
        &[
            "--tls-cert",
            "/nonexistent/c.pem",
            "--tls-key",
            "/nonexistent/k.pem",
        ],
        "--tls-cert",
    );
}
