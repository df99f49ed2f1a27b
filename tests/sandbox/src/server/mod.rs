//! HTTP(S) front: listener, TLS and client certificates, path and parameter parsing,
//! method override, authentication, concurrency limit, latency and fault injection,
//! the request log and the `/sandbox/` admin endpoints.

pub mod admin;
pub mod auth;
pub mod http;
pub mod oauth;
pub mod params;
pub mod state;
pub mod tls;

use crate::model::Domain;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use state::Sandbox;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// Where the served domain comes from.
#[derive(Debug, Clone, Default)]
pub enum DomainSource {
    /// The built-in demo data (`crate::demo::demo_domain`).
    #[default]
    Demo,
    /// A `--data` JSON file (`crate::datafile::load`).
    File(PathBuf),
    /// A domain built by a test.
    Explicit(Box<Domain>),
}

#[derive(Debug, Clone)]
pub struct TlsOptions {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Require a client certificate signed by this CA (PEM).
    pub client_ca: Option<PathBuf>,
}

/// Every CLI setting. Limits left at `None` keep the domain's own value (the data file's,
/// or `Limits::default()`: 100 / 10 / 100000 / 3600).
#[derive(Debug, Clone)]
pub struct Options {
    pub listen: SocketAddr,
    pub domain: DomainSource,
    /// Rows of the demo's large app (`--large-records`, default 25000).
    pub large_records: usize,
    /// Extra delay per REST request, spent while the request counts as in flight.
    pub latency_ms: u64,
    pub tls: Option<TlsOptions>,
    /// The domain's Basic layer (§3.3): (user, password).
    pub basic_auth: Option<(String, String)>,
    pub max_concurrency: Option<usize>,
    pub cursor_limit: Option<usize>,
    pub like_threshold: Option<usize>,
    pub oauth_token_lifetime_secs: Option<i64>,
    /// Further OAuth clients (`--oauth-client ID:SECRET:REDIRECT_URI`); an id that is
    /// already registered gets the new secret and redirect URI.
    pub oauth_clients: Vec<crate::model::OAuthClient>,
    /// Further apps, copies of the demo's Customers named `Copy 000`, `Copy 001` ...
    /// (`--extra-apps`): a domain with hundreds of apps.
    pub extra_apps: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            domain: DomainSource::Demo,
            large_records: 25_000,
            latency_ms: 0,
            tls: None,
            basic_auth: None,
            max_concurrency: None,
            cursor_limit: None,
            like_threshold: None,
            oauth_token_lifetime_secs: None,
            oauth_clients: Vec::new(),
            extra_apps: 0,
        }
    }
}

impl Options {
    /// Options serving a test's own domain.
    pub fn with_domain(domain: Domain) -> Self {
        Options {
            domain: DomainSource::Explicit(Box::new(domain)),
            ..Options::default()
        }
    }
}

/// A started server. Dropping it stops accepting and closes connections.
pub struct RunningSandbox {
    base_url: String,
    addr: SocketAddr,
    sandbox: Arc<Sandbox>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl RunningSandbox {
    /// `http://127.0.0.1:PORT` or `https://...`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `base_url` + `path` (`path` starts with '/').
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn state(&self) -> Arc<Sandbox> {
        self.sandbox.clone()
    }

    /// Stop accepting, let in-flight requests finish (up to 5 s), and wait for it.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

fn invalid_input(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Build the domain, bind, and serve in the background on the current tokio runtime.
/// Error messages name the CLI flag at fault.
pub async fn start(opts: Options) -> io::Result<RunningSandbox> {
    let mut domain = match opts.domain {
        DomainSource::Demo => {
            let (n, extra) = (opts.large_records, opts.extra_apps);
            tokio::task::spawn_blocking(move || {
                let mut d = crate::demo::demo_domain(n);
                crate::demo::add_copies(&mut d, extra);
                d
            })
            .await
            .map_err(|e| io::Error::other(format!("building the demo data failed: {e}")))?
        }
        DomainSource::File(path) => {
            let p = path.clone();
            tokio::task::spawn_blocking(move || crate::datafile::load(&p))
                .await
                .map_err(|e| io::Error::other(format!("--data {}: {e}", path.display())))?
                .map_err(|e| invalid_input(format!("--data {}: {e}", path.display())))?
        }
        DomainSource::Explicit(d) => *d,
    };
    if let Some(n) = opts.max_concurrency {
        domain.limits.max_concurrency = n;
    }
    if let Some(n) = opts.cursor_limit {
        domain.limits.cursor_limit = n;
    }
    if let Some(n) = opts.like_threshold {
        domain.limits.like_abort_threshold = n;
    }
    if let Some(n) = opts.oauth_token_lifetime_secs {
        domain.limits.oauth_token_lifetime_secs = n;
    }
    for c in &opts.oauth_clients {
        domain.oauth_clients.retain(|o| o.client_id != c.client_id);
        domain.oauth_clients.push(c.clone());
    }
    let tls = match &opts.tls {
        Some(t) => Some(tokio_rustls::TlsAcceptor::from(tls::server_config(
            &t.cert,
            &t.key,
            t.client_ca.as_deref(),
        )?)),
        None => None,
    };
    let listener = TcpListener::bind(opts.listen)
        .await
        .map_err(|e| io::Error::new(e.kind(), format!("--listen {}: {e}", opts.listen)))?;
    let addr = listener.local_addr()?;
    let host = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let base_url = format!("{scheme}://{}", SocketAddr::new(host, addr.port()));

    let sandbox = Arc::new(Sandbox::new(domain));
    let ctx = Arc::new(http::Ctx {
        sandbox: sandbox.clone(),
        latency: Duration::from_millis(opts.latency_ms),
        basic: opts.basic_auth.clone(),
    });
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, tls, ctx, rx));
    Ok(RunningSandbox {
        base_url,
        addr,
        sandbox,
        shutdown: tx,
        task: Some(task),
    })
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    ctx: Arc<http::Ctx>,
    shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    let mut stop = shutdown.clone();
    loop {
        tokio::select! {
            _ = stopped(&mut stop) => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            res = listener.accept() => match res {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    conns.spawn(serve_conn(stream, tls.clone(), ctx.clone(), shutdown.clone()));
                }
                // Out of descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(Duration::from_secs(5), async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        conns.abort_all();
    }
}

async fn serve_conn(
    stream: TcpStream,
    tls: Option<tokio_rustls::TlsAcceptor>,
    ctx: Arc<http::Ctx>,
    shutdown: watch::Receiver<bool>,
) {
    match tls {
        None => drive(TokioIo::new(stream), ctx, false, shutdown).await,
        Some(acceptor) => {
            let accepted =
                tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await;
            // A failed handshake (e.g. no client certificate) just closes the socket.
            let Ok(Ok(tls_stream)) = accepted else {
                return;
            };
            let client_cert = tls_stream
                .get_ref()
                .1
                .peer_certificates()
                .is_some_and(|c| !c.is_empty());
            drive(TokioIo::new(tls_stream), ctx, client_cert, shutdown).await
        }
    }
}

async fn drive<I>(
    io: TokioIo<I>,
    ctx: Arc<http::Ctx>,
    client_cert: bool,
    mut shutdown: watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |req| {
        let ctx = ctx.clone();
        async move { http::serve(ctx, client_cert, req).await }
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection(io, svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stopped(&mut shutdown) => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Resolves once shutdown is requested (or the `RunningSandbox` is gone). The
/// `watch::Ref` is dropped inside, so callers' futures stay `Send`.
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|v| *v).await;
}
