//! Starts the sandbox for integration tests and talks to its admin endpoints.
//!
//! The sandbox is started as its binary (`kintone-sandbox --listen 127.0.0.1:0 ...`,
//! base URL on the first stdout line) so that this crate compiles whatever state the
//! sandbox library is in; this module is the one place to switch to the in-process
//! `kintone_sandbox::start(Options {..})` later.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use kintone_api::{Auth, Client, ClientConfig, ProxyConfig, RetryPolicy};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub large_records: Option<u64>,
    pub latency_ms: Option<u64>,
    pub max_concurrency: Option<u64>,
    pub cursor_limit: Option<u64>,
    pub basic_auth: Option<(String, String)>,
    /// (server cert, server key, optional client CA)
    pub tls: Option<(PathBuf, PathBuf, Option<PathBuf>)>,
    /// For the admin client over TLS: the CA to trust and the client certificate to show.
    pub admin_tls: Option<(PathBuf, Option<kintone_api::ClientCert>)>,
}

impl Options {
    pub fn standard() -> Options {
        Options {
            large_records: Some(25_000),
            max_concurrency: Some(100),
            cursor_limit: Some(10),
            latency_ms: Some(0),
            ..Default::default()
        }
    }
}

pub struct Sandbox {
    child: Child,
    base_url: String,
    admin: reqwest::Client,
}

fn binary() -> PathBuf {
    if let Ok(p) = std::env::var("KINTONE_SANDBOX_BIN") {
        return PathBuf::from(p);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut candidates = Vec::new();
    if let Ok(t) = std::env::var("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(t).join("release/kintone-sandbox"));
    }
    candidates.push(manifest.join("../target/release/kintone-sandbox"));
    // The test binary itself lives in <target>/release/deps/.
    if let Ok(exe) = std::env::current_exe() {
        if let Some(release) = exe.parent().and_then(Path::parent) {
            candidates.push(release.join("kintone-sandbox"));
        }
    }
    candidates
        .iter()
        .find(|p| p.exists())
        .cloned()
        .unwrap_or_else(|| panic!("kintone-sandbox binary not found (build it with `cargo build --release -p kintone-sandbox`); looked in {candidates:?}"))
}

impl Sandbox {
    pub async fn start(opts: Options) -> Sandbox {
        let mut cmd = Command::new(binary());
        cmd.arg("--listen").arg("127.0.0.1:0");
        if let Some(n) = opts.large_records {
            cmd.arg("--large-records").arg(n.to_string());
        }
        if let Some(n) = opts.latency_ms {
            cmd.arg("--latency-ms").arg(n.to_string());
        }
        if let Some(n) = opts.max_concurrency {
            cmd.arg("--max-concurrency").arg(n.to_string());
        }
        if let Some(n) = opts.cursor_limit {
            cmd.arg("--cursor-limit").arg(n.to_string());
        }
        if let Some((u, p)) = &opts.basic_auth {
            cmd.arg("--basic-auth").arg(format!("{u}:{p}"));
        }
        if let Some((cert, key, client_ca)) = &opts.tls {
            cmd.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
            if let Some(ca) = client_ca {
                cmd.arg("--client-ca").arg(ca);
            }
        }
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("start kintone-sandbox");
        let stdout = child.stdout.take().expect("sandbox stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base_url = tokio::time::timeout(Duration::from_secs(120), async {
            loop {
                let line = lines.next_line().await.expect("read sandbox stdout");
                let Some(line) = line else {
                    panic!("kintone-sandbox exited before printing its URL")
                };
                if let Some(i) = line.find("http") {
                    let url = line[i..]
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .trim_end_matches('/');
                    return url.to_string();
                }
            }
        })
        .await
        .expect("kintone-sandbox did not print its URL in time");
        // Keep draining stdout so the sandbox never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let mut admin = reqwest::Client::builder().no_proxy();
        if let Some((ca, cert)) = &opts.admin_tls {
            let tls =
                kintone_api::tls::client_config(Some(ca), cert.as_ref(), true).expect("admin TLS");
            admin = admin.use_preconfigured_tls(tls);
        }
        Sandbox {
            child,
            base_url,
            admin: admin.build().expect("admin client"),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn config(&self, auth: Auth) -> ClientConfig {
        let mut c = ClientConfig::new(self.base_url.clone(), auth);
        c.proxy = ProxyConfig::None;
        c.retry = RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(300),
            max_total: Duration::from_secs(20),
        };
        c.cursor_wait = Duration::from_secs(2);
        c
    }

    pub fn client(&self, auth: Auth) -> Client {
        Client::new(self.config(auth)).expect("client")
    }

    pub fn demo(&self) -> Client {
        self.client(Auth::password("demo", "demo"))
    }

    async fn admin_get(&self, path: &str) -> Value {
        let r = self
            .admin
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .expect("admin GET");
        assert!(r.status().is_success(), "admin GET {path}: {}", r.status());
        r.json().await.expect("admin JSON")
    }

    async fn admin_send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut rb = self
            .admin
            .request(method.clone(), format!("{}{path}", self.base_url));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.expect("admin request");
        assert!(
            r.status().is_success(),
            "admin {method} {path}: {}",
            r.status()
        );
        let bytes = r.bytes().await.expect("admin body");
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    }

    /// The request log (oldest first), optionally after a sequence number.
    pub async fn requests(&self, since: Option<u64>) -> Vec<Value> {
        let path = match since {
            Some(s) => format!("/sandbox/requests?since={s}"),
            None => "/sandbox/requests".to_string(),
        };
        self.admin_get(&path).await["requests"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The last sequence number logged so far (0 when empty).
    pub async fn last_seq(&self) -> u64 {
        self.requests(None)
            .await
            .iter()
            .filter_map(|r| r["seq"].as_u64())
            .max()
            .unwrap_or(0)
    }

    pub async fn clear_requests(&self) {
        self.admin_send(reqwest::Method::DELETE, "/sandbox/requests", None)
            .await;
    }

    pub async fn fault(&self, spec: Value) {
        self.admin_send(reqwest::Method::POST, "/sandbox/faults", Some(spec))
            .await;
    }

    /// Faults not yet used up.
    pub async fn pending_faults(&self) -> Vec<Value> {
        self.admin_get("/sandbox/faults").await["faults"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn clear_faults(&self) {
        self.admin_send(reqwest::Method::DELETE, "/sandbox/faults", None)
            .await;
    }

    pub async fn stats(&self) -> Value {
        self.admin_get("/sandbox/stats").await
    }

    pub async fn reset_stats(&self) {
        self.admin_send(reqwest::Method::POST, "/sandbox/stats/reset", None)
            .await;
    }

    /// Open cursors as the sandbox lists them.
    pub async fn cursors(&self) -> Vec<Value> {
        let v = self.admin_get("/sandbox/cursors").await;
        match v {
            Value::Array(a) => a,
            other => other["cursors"].as_array().cloned().unwrap_or_default(),
        }
    }

    pub async fn advance_clock(&self, secs: u64) {
        self.admin_send(
            reqwest::Method::POST,
            "/sandbox/clock",
            Some(json!({"advance_secs": secs})),
        )
        .await;
    }

    pub async fn shutdown(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The Kintone query text of a logged request (from its parameters).
pub fn logged_query(r: &Value) -> String {
    r["params"]["query"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_default()
}

pub fn api_of(r: &Value) -> &str {
    r["api"].as_str().unwrap_or("")
}

pub fn method_of(r: &Value) -> &str {
    r["effective_method"]
        .as_str()
        .or_else(|| r["method"].as_str())
        .unwrap_or("")
}

/// Runs the sandbox's OAuth consent flow the way a browser would (login + consent form
/// POST, then the code exchange) and returns the access token.
pub async fn oauth_access_token(base_url: &str, scope: &str) -> String {
    use kintone_sandbox::demo;
    let http = reqwest::Client::new();
    let redirect = demo::OAUTH_REDIRECT_URI;
    let code = oauth_code(base_url, scope).await;
    let token: Value = http
        .post(format!("{base_url}/oauth2/token"))
        .basic_auth(demo::OAUTH_CLIENT_ID, Some(demo::OAUTH_CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().unwrap().to_string()
}

/// The login + consent step for the demo client: the code its redirect carries.
pub async fn oauth_code(base_url: &str, scope: &str) -> String {
    use kintone_sandbox::demo;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = demo::OAUTH_REDIRECT_URI;
    let res = http
        .post(format!("{base_url}/oauth2/authorization"))
        .form(&[
            ("client_id", demo::OAUTH_CLIENT_ID),
            ("redirect_uri", redirect),
            ("state", "xyz"),
            ("response_type", "code"),
            ("scope", scope),
            ("login", "demo"),
            ("password", "demo"),
            ("consent", "allow"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status().as_u16(),
        302,
        "consent answers with a redirect"
    );
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let url = url::Url::parse(&location).unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.to_string())
        .expect("code in the redirect");
    code
}

/// Creates a test app with the given fields (preview API), deploys it, returns its id.
pub async fn create_app(client: &Client, name: &str, properties: Value) -> u64 {
    let (app, _) = client.create_app(name, None).await.expect("create app");
    client
        .add_form_fields(app, properties)
        .await
        .expect("add fields");
    client
        .deploy_and_wait(&[app], Duration::from_secs(30))
        .await
        .expect("deploy");
    app
}

/// The app with the most records (the demo's large app) and its record count.
pub async fn large_app(client: &Client) -> (u64, u64) {
    let apps = client
        .list_apps(&Default::default())
        .await
        .expect("list apps");
    let mut best = (0, 0);
    for a in apps {
        if let Ok(n) = client.count_records(a.app_id, None).await {
            if n > best.1 {
                best = (a.app_id, n);
            }
        }
    }
    assert!(best.1 > 0, "no app with records found");
    best
}

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "kapi-{tag}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self, f: &str) -> PathBuf {
        self.0.join(f)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn openssl(args: &[&str], dir: &Path) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1, and a client certificate (PEM and PKCS#12
/// with password `p12pass`).
pub fn make_certs(dir: &Path) {
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=kapi test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        dir,
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("client.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n\
         extendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    for (name, cn) in [("server", "127.0.0.1"), ("client", "kapi client")] {
        openssl(
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &format!("/CN={cn}"),
            ],
            dir,
        );
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &format!("{name}.pem"),
                "-days",
                "2",
                "-extfile",
                &format!("{name}.ext"),
            ],
            dir,
        );
    }
    openssl(
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "client.key",
            "-in",
            "client.pem",
            "-out",
            "client.p12",
            "-passout",
            "pass:p12pass",
            "-certpbe",
            "AES-256-CBC",
            "-keypbe",
            "AES-256-CBC",
            "-macalg",
            "sha256",
        ],
        dir,
    );
}
