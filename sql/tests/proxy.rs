//! The proxy and firewall connection properties against the sandbox, through proxies
//! started by each test on 127.0.0.1 (tests/support/proxies.rs). Connections are built
//! from property strings, the way the driver builds them, so the property names and
//! values are what is tested.

#[path = "support/proxies.rs"]
mod proxies;

use std::time::Duration;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::array_value_to_string;
use kintone_api::{Client, RetryPolicy};
use kintone_sandbox::{start, Options, RunningSandbox, TlsOptions};
use kintone_sql::properties::{parse_pairs, ConnectOptions, Properties};
use kintone_sql::{Connection, SqlError};
use proxies::{http_proxy, socks4_proxy, socks5_proxy, Carried};

/// Bounds every test: a proxy that swallows a request must fail the test, not hang it.
const LIMIT: Duration = Duration::from_secs(60);

async fn sandbox() -> RunningSandbox {
    start(Options {
        large_records: 10,
        ..Options::default()
    })
    .await
    .expect("sandbox starts")
}

fn options(base_url: &str, extra: &str) -> ConnectOptions {
    let mut p = Properties::default();
    p.extend(
        parse_pairs(
            &format!("Url={base_url};User=demo;Password=demo;{extra}"),
            ';',
        )
        .expect("connection string"),
    )
    .expect("properties");
    let mut o = p.build().expect("options");
    // A refusal fails at once instead of after the default backoff.
    o.settings.client.retry = RetryPolicy {
        max_retries: 1,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(10),
        max_total: Duration::from_secs(5),
    };
    o
}

fn rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for b in batches {
        for r in 0..b.num_rows() {
            out.push(
                b.columns()
                    .iter()
                    .map(|c| array_value_to_string(c, r).expect("displayable"))
                    .collect(),
            );
        }
    }
    out
}

const CUSTOMERS: &str = r#"SELECT "$id", "Company name" FROM Customers ORDER BY "$id""#;

async fn customers(o: ConnectOptions) -> Result<Vec<Vec<String>>, SqlError> {
    let conn = Connection::connect(o.settings).await?;
    Ok(rows(&conn.query(CUSTOMERS).await?))
}

/// What the sandbox served since its log was last cleared (its own admin API aside).
fn served(sb: &RunningSandbox) -> Vec<String> {
    sb.state()
        .log()
        .entries
        .iter()
        .filter(|e| !e.path.starts_with("/sandbox"))
        .map(|e| e.path.clone())
        .collect()
}

/// The rows read directly (ProxyAutoDetect=false, no ProxyServer: no proxy at all).
async fn direct_rows(sb: &RunningSandbox) -> Vec<Vec<String>> {
    let want = customers(options(sb.base_url(), "ProxyAutoDetect=false"))
        .await
        .expect("direct read");
    assert!(want.len() > 2, "demo Customers: {want:?}");
    sb.state().log().clear();
    want
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_server_with_basic_credentials_carries_every_request() {
    tokio::time::timeout(LIMIT, async {
        let sb = sandbox().await;
        let want = direct_rows(&sb).await;
        let proxy = http_proxy(Some(("pu", "p;w"))).await;
        let got = customers(options(
            sb.base_url(),
            &format!(
                "ProxyServer=127.0.0.1;ProxyPort={};ProxyUser=pu;ProxyPassword={{p;w}}",
                proxy.port
            ),
        ))
        .await
        .expect("read through the proxy");
        assert_eq!(got, want);
        let carried = proxy.carried();
        let origin = format!("http://127.0.0.1:{}/", sb.addr().port());
        assert!(!carried.is_empty());
        for c in &carried {
            assert!(c.accepted, "{c:?}");
            assert!(["GET", "POST"].contains(&c.method.as_str()), "{c:?}");
            assert!(
                c.target.starts_with(&origin),
                "forwarded, absolute-form: {c:?}"
            );
            assert_eq!(
                c.auth.as_deref(),
                Some(basic("pu", "p;w").as_str()),
                "{c:?}"
            );
        }
        // Everything Kintone served came through the proxy, and nothing else.
        let served = served(&sb);
        assert_eq!(served.len(), carried.len(), "{served:?} / {carried:?}");
        assert!(carried
            .iter()
            .all(|c| served.iter().any(|p| c.target.contains(p.as_str()))));
    })
    .await
    .expect("within the limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_proxy_password_is_a_407_that_names_the_proxy() {
    tokio::time::timeout(LIMIT, async {
        let sb = sandbox().await;
        let proxy = http_proxy(Some(("pu", "right"))).await;
        let o = options(
            sb.base_url(),
            &format!(
                "ProxyServer=127.0.0.1;ProxyPort={};ProxyUser=pu;ProxyPassword=wrongZZ9",
                proxy.port
            ),
        );
        let client = Client::new(o.settings.client.clone()).expect("client");
        let e = client
            .get_records(1, None, "limit 1", false)
            .await
            .expect_err("the proxy refuses");
        assert_eq!(e.status(), Some(407), "{e}");
        let m = e.to_string();
        assert!(
            m.contains(&format!("the proxy http://127.0.0.1:{}", proxy.port))
                && m.contains("407")
                && m.contains("ProxyUser and ProxyPassword"),
            "{m}"
        );
        assert!(
            !m.contains("Kintone answered") && !m.contains("wrongZZ9"),
            "{m}"
        );
        // Not retried: one attempt, refused.
        assert_eq!(proxy.carried().len(), 1, "{:?}", proxy.carried());

        // Through the SQL layer, as the driver connects: 28000 with the same text.
        let e = customers(o).await.expect_err("connect refused");
        assert_eq!(e.sqlstate, "28000", "{}", e.message);
        assert!(
            e.message.contains("Proxy Authentication Required"),
            "{}",
            e.message
        );
        assert!(served(&sb).is_empty(), "Kintone saw nothing");
    })
    .await
    .expect("within the limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_auth_scheme_none_sends_no_credentials() {
    tokio::time::timeout(LIMIT, async {
        let sb = sandbox().await;
        let want = direct_rows(&sb).await;
        let proxy = http_proxy(None).await;
        let got = customers(options(
            sb.base_url(),
            &format!(
                "ProxyServer=http://127.0.0.1;ProxyPort={};ProxyAuthScheme=NONE;\
                 ProxyUser=pu;ProxyPassword=ppZZ",
                proxy.port
            ),
        ))
        .await
        .expect("read through the proxy");
        assert_eq!(got, want);
        let carried = proxy.carried();
        assert!(!carried.is_empty());
        assert!(carried.iter().all(|c| c.auth.is_none()), "{carried:?}");
    })
    .await
    .expect("within the limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_exceptions_reach_their_hosts_directly() {
    tokio::time::timeout(LIMIT, async {
        let sb = sandbox().await;
        let want = direct_rows(&sb).await;
        let proxy = http_proxy(Some(("pu", "pp"))).await;
        let props = |exceptions: &str| {
            format!(
                "ProxyServer=127.0.0.1;ProxyPort={};ProxyUser=pu;ProxyPassword=pp;\
                 ProxyExceptions={{{exceptions}}}",
                proxy.port
            )
        };
        // Another host in the list: the sandbox still goes through the proxy.
        let got = customers(options(sb.base_url(), &props("intranet.example")))
            .await
            .expect("through the proxy");
        assert_eq!(got, want);
        let through = proxy.carried().len();
        assert!(through > 0);
        sb.state().log().clear();
        let got = customers(options(
            sb.base_url(),
            &props("intranet.example; 127.0.0.1,*.corp.example"),
        ))
        .await
        .expect("direct");
        assert_eq!(got, want);
        assert_eq!(proxy.carried().len(), through, "{:?}", proxy.carried());
        assert!(!served(&sb).is_empty());
    })
    .await
    .expect("within the limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socks5_firewall_with_credentials_resolves_names_remotely() {
    tokio::time::timeout(LIMIT, async {
        let sb = sandbox().await;
        let want = direct_rows(&sb).await;
        let fw = socks5_proxy(("fu", "fpw")).await;
        let port = sb.addr().port();
        // `localhost`, so that the test sees whether the name or an address is sent.
        let base = format!("http://localhost:{port}");
        let props = |password: &str| {
            format!(
                "FirewallType=SOCKS5;FirewallServer=127.0.0.1;FirewallPort={};\
                 FirewallUser=fu;FirewallPassword={password}",
                fw.port
            )
        };
        let got = customers(options(&base, &props("fpw")))
            .await
            .expect("read through the firewall");
        assert_eq!(got, want);
        let carried = fw.carried();
        assert!(!carried.is_empty());
        for c in &carried {
            assert_eq!(c.method, "SOCKS5");
            assert_eq!(c.target, format!("localhost:{port}"), "{c:?}");
            assert!(c.by_name, "socks5h: the firewall resolves the name: {c:?}");
            assert_eq!(c.auth.as_deref(), Some("fu"));
            assert!(c.accepted);
        }
        assert!(!served(&sb).is_empty());

        sb.state().log().clear();
        let e = customers(options(&base, &props("wrongZZ9")))
            .await
            .expect_err("refused");
        assert_eq!(e.sqlstate, "08S01", "{}", e.message);
        assert!(
            e.message.to_ascii_lowercase().contains("socks") && !e.message.contains("wrongZZ9"),
            "{}",
            e.message
        );
        assert!(fw.carried().iter().any(|c| !c.accepted));
        assert!(served(&sb).is_empty());
    })
    .await
    .expect("within the limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socks4_firewall_carries_the_connection() {
    tokio::time::timeout(LIMIT, async {
        let sb = sandbox().await;
        let want = direct_rows(&sb).await;
        let fw = socks4_proxy().await;
        let got = customers(options(
            sb.base_url(),
            &format!(
                "FirewallType=SOCKS4;FirewallServer=127.0.0.1;FirewallPort={}",
                fw.port
            ),
        ))
        .await
        .expect("read through the firewall");
        assert_eq!(got, want);
        let carried = fw.carried();
        assert!(!carried.is_empty());
        let target = format!("127.0.0.1:{}", sb.addr().port());
        assert!(
            carried
                .iter()
                .all(|c| c.method == "SOCKS4" && c.target == target),
            "{carried:?}"
        );
    })
    .await
    .expect("within the limit");
}

/// A self-signed certificate for 127.0.0.1, pinned through SSLServerCert.
struct Certs(std::path::PathBuf);

impl Certs {
    fn new() -> Certs {
        let dir = std::env::temp_dir().join(format!(
            "ksql-proxy-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let out = std::process::Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "key.pem",
                "-out",
                "cert.pem",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
            .current_dir(&dir)
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Certs(dir)
    }
}

impl Drop for Certs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_goes_through_a_connect_tunnel() {
    tokio::time::timeout(LIMIT, async {
        let certs = Certs::new();
        let sb = start(Options {
            large_records: 10,
            tls: Some(TlsOptions {
                cert: certs.0.join("cert.pem"),
                key: certs.0.join("key.pem"),
                client_ca: None,
            }),
            ..Options::default()
        })
        .await
        .expect("TLS sandbox");
        assert!(sb.base_url().starts_with("https://"));
        let pin = format!("SSLServerCert={}", certs.0.join("cert.pem").display());
        let want = customers(options(sb.base_url(), &format!("{pin};ProxyAutoDetect=false")))
            .await
            .expect("direct read");
        sb.state().log().clear();
        let proxy = http_proxy(Some(("pu", "pp"))).await;
        let authority = format!("127.0.0.1:{}", sb.addr().port());
        for props in [
            format!(
                "ProxyServer=127.0.0.1;ProxyPort={};ProxyUser=pu;ProxyPassword=pp;ProxySSLType=TUNNEL",
                proxy.port
            ),
            format!(
                "FirewallType=TUNNEL;FirewallServer=127.0.0.1;FirewallPort={};\
                 FirewallUser=pu;FirewallPassword=pp",
                proxy.port
            ),
        ] {
            let before = proxy.carried().len();
            let got = customers(options(sb.base_url(), &format!("{pin};{props}")))
                .await
                .unwrap_or_else(|e| panic!("{props}: {}", e.message));
            assert_eq!(got, want, "{props}");
            let carried: Vec<Carried> = proxy.carried().split_off(before);
            assert!(!carried.is_empty(), "{props}");
            for c in &carried {
                assert_eq!(c.method, "CONNECT", "{c:?}");
                assert_eq!(c.target, authority, "{c:?}");
                assert_eq!(c.auth.as_deref(), Some(basic("pu", "pp").as_str()));
            }
        }
        assert!(!served(&sb).is_empty());

        // A refused CONNECT is the proxy's 407 too.
        sb.state().log().clear();
        let e = customers(options(
            sb.base_url(),
            &format!(
                "{pin};ProxyServer=127.0.0.1;ProxyPort={};ProxyUser=pu;ProxyPassword=wrongZZ9",
                proxy.port
            ),
        ))
        .await
        .expect_err("refused");
        assert_eq!(e.sqlstate, "28000", "{}", e.message);
        assert!(
            e.message.contains(&format!("the proxy http://127.0.0.1:{}", proxy.port))
                && e.message.contains("407")
                && !e.message.contains("wrongZZ9"),
            "{}",
            e.message
        );
        assert!(served(&sb).is_empty());
    })
    .await
    .expect("within the limit");
}
