//! `kintone-sandbox`: serve a local Kintone domain until SIGTERM/SIGINT.
//!
//! The first line on stdout is the base URL (`http://127.0.0.1:PORT`), so a test or a
//! script can start it with `--listen 127.0.0.1:0` and read where it landed.

use clap::Parser;
use kintone_sandbox::{DomainSource, Options, TlsOptions};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "kintone-sandbox",
    version,
    about = "A local Kintone REST server for tests (see tests/sandbox/README.md)"
)]
struct Cli {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR:PORT")]
    listen: SocketAddr,
    /// Load the domain from a JSON data file instead of the demo data.
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// Number of records in the demo's large app.
    #[arg(long, default_value_t = 25_000, value_name = "N")]
    large_records: usize,
    /// Delay added to every REST request, while it counts as in flight.
    #[arg(long, default_value_t = 0, value_name = "N")]
    latency_ms: u64,
    /// PEM certificate chain: serve HTTPS.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require a client certificate signed by this PEM CA (needs --tls-cert).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    client_ca: Option<PathBuf>,
    /// Enable the domain's Basic-auth layer with these credentials.
    #[arg(long, value_name = "USER:PASS", value_parser = parse_basic)]
    basic_auth: Option<(String, String)>,
    /// Concurrent REST requests before 429 GAIA_TO04 [default: 100].
    #[arg(long, value_name = "N", value_parser = positive)]
    max_concurrency: Option<usize>,
    /// Open cursors per domain before 429 GAIA_TM12 [default: 10].
    #[arg(long, value_name = "N", value_parser = positive)]
    cursor_limit: Option<usize>,
    /// `like` matches that abort the filter with X-Cybozu-Warning [default: 100000].
    #[arg(long, value_name = "N", value_parser = positive)]
    like_threshold: Option<usize>,
    /// OAuth access-token lifetime in seconds [default: 3600].
    #[arg(long, value_name = "SECS", value_parser = positive_secs)]
    oauth_token_lifetime: Option<i64>,
    /// Register an OAuth client (repeatable). The redirect URI may be a loopback URL
    /// with a port, such as http://localhost:33333.
    #[arg(long = "oauth-client", value_name = "ID:SECRET:REDIRECT_URI", value_parser = parse_oauth_client)]
    oauth_clients: Vec<kintone_sandbox::model::OAuthClient>,
    /// Add N apps to the demo data, copies of Customers named `Copy 000` ... (a domain
    /// with many apps).
    #[arg(long, default_value_t = 0, value_name = "N")]
    extra_apps: usize,
}

fn parse_oauth_client(s: &str) -> Result<kintone_sandbox::model::OAuthClient, String> {
    // The redirect URI has colons of its own: split at the first two only.
    let mut parts = s.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(id), Some(secret), Some(uri))
            if !id.is_empty() && !secret.is_empty() && uri.contains("://") =>
        {
            Ok(kintone_sandbox::model::OAuthClient {
                client_id: id.to_string(),
                client_secret: secret.to_string(),
                redirect_uri: uri.to_string(),
            })
        }
        _ => {
            Err("expected ID:SECRET:REDIRECT_URI, e.g. my-app:s3cret:http://localhost:33333".into())
        }
    }
}

fn parse_basic(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((u, p)) if !u.is_empty() => Ok((u.to_string(), p.to_string())),
        _ => Err("expected USER:PASS".to_string()),
    }
}

fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("expected a positive integer".to_string()),
    }
}

fn positive_secs(s: &str) -> Result<i64, String> {
    match s.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("expected a positive number of seconds".to_string()),
    }
}

fn main() {
    let cli = Cli::parse();
    let opts = Options {
        listen: cli.listen,
        domain: match cli.data {
            Some(p) => DomainSource::File(p),
            None => DomainSource::Demo,
        },
        large_records: cli.large_records,
        latency_ms: cli.latency_ms,
        tls: match (cli.tls_cert, cli.tls_key) {
            (Some(cert), Some(key)) => Some(TlsOptions {
                cert,
                key,
                client_ca: cli.client_ca,
            }),
            _ => None,
        },
        basic_auth: cli.basic_auth,
        max_concurrency: cli.max_concurrency,
        cursor_limit: cli.cursor_limit,
        like_threshold: cli.like_threshold,
        oauth_token_lifetime_secs: cli.oauth_token_lifetime,
        oauth_clients: cli.oauth_clients,
        extra_apps: cli.extra_apps,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kintone-sandbox: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(async move {
        // Install the handlers before the URL is printed: a client may signal as soon as
        // it has read it.
        let signals = Signals::install();
        let running = match kintone_sandbox::start(opts).await {
            Ok(r) => r,
            Err(e) => {
                // Every start-up failure comes from a flag (address, files).
                eprintln!("kintone-sandbox: error: {e}");
                return 2;
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", running.base_url());
        let _ = out.flush();
        drop(out);
        signals.wait().await;
        running.shutdown().await;
        0
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    std::process::exit(code);
}

#[cfg(unix)]
struct Signals {
    term: Option<tokio::signal::unix::Signal>,
    int: Option<tokio::signal::unix::Signal>,
}

#[cfg(unix)]
impl Signals {
    fn install() -> Signals {
        use tokio::signal::unix::{signal, SignalKind};
        Signals {
            term: signal(SignalKind::terminate()).ok(),
            int: signal(SignalKind::interrupt()).ok(),
        }
    }

    async fn wait(mut self) {
        async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        tokio::select! {
            _ = recv(&mut self.term) => {}
            _ = recv(&mut self.int) => {}
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn install() -> Signals {
        Signals
    }

    async fn wait(self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
