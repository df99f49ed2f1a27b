//! Stored procedures against the sandbox: the statement forms, their errors, and the
//! three OAuth procedures through the whole consent flow.

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::common::ScalarValue;
use kintone_api::{Auth, ClientConfig, ProxyConfig, Secret};
use kintone_sandbox::demo;
use kintone_sandbox::{start, Options, RunningSandbox};
use kintone_sql::settings::OAuthOptions;
use kintone_sql::{Connection, Settings};
use serde_json::Value;

async fn sandbox() -> RunningSandbox {
    start(Options {
        large_records: 300,
        ..Options::default()
    })
    .await
    .expect("sandbox starts")
}

fn oauth_client() -> OAuthOptions {
    OAuthOptions {
        client_id: Some(demo::OAUTH_CLIENT_ID.into()),
        client_secret: Some(Secret::new(demo::OAUTH_CLIENT_SECRET)),
        ..OAuthOptions::default()
    }
}

fn settings(sb: &RunningSandbox, auth: Auth, oauth: OAuthOptions) -> Settings {
    let mut cfg = ClientConfig::new(sb.base_url(), auth);
    cfg.proxy = ProxyConfig::None;
    let mut s = Settings::new(cfg);
    s.oauth = oauth;
    s
}

/// A connection that has its OAuth client but no token: what a user has before the
/// first consent.
async fn tokenless(sb: &RunningSandbox, oauth: OAuthOptions) -> Connection {
    Connection::connect(settings(sb, Auth::OAuthManaged(None), oauth))
        .await
        .expect("a connection without a token opens")
}

fn rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for b in batches {
        for r in 0..b.num_rows() {
            out.push(
                b.columns()
                    .iter()
                    .map(|c| {
                        if c.is_null(r) {
                            "NULL".to_string()
                        } else {
                            array_value_to_string(c, r).expect("displayable")
                        }
                    })
                    .collect(),
            );
        }
    }
    out
}

async fn run(conn: &Connection, sql: &str, params: &[&str]) -> Vec<Vec<String>> {
    let p = conn
        .prepare(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let params = params
        .iter()
        .map(|v| ScalarValue::Utf8(Some(v.to_string())))
        .collect();
    let b = conn
        .execute(&p, params)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows(&b)
}

async fn requests(sb: &RunningSandbox) -> Vec<Value> {
    let v: Value = reqwest::get(sb.url("/sandbox/requests"))
        .await
        .expect("log")
        .json()
        .await
        .expect("log json");
    v["requests"].as_array().cloned().unwrap_or_default()
}

async fn clear_requests(sb: &RunningSandbox) {
    reqwest::Client::new()
        .delete(sb.url("/sandbox/requests"))
        .send()
        .await
        .expect("clear log");
}

fn query_param(url: &str, key: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).expect("a URL");
    u.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// The user's part: signs in and consents on the page the URL opens (a form POST, as
/// the browser sends it), and returns the code of the redirect.
async fn consent(url: &str) -> String {
    let u = reqwest::Url::parse(url).expect("a URL");
    let mut form: Vec<(String, String)> = u.query_pairs().into_owned().collect();
    form.extend(
        [
            ("login", "demo"),
            ("password", "demo"),
            ("consent", "allow"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let mut post = u.clone();
    post.set_query(None);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let res = http.post(post).form(&form).send().await.expect("consent");
    assert_eq!(res.status().as_u16(), 302, "consent redirects");
    let location = res.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(location.starts_with(demo::OAUTH_REDIRECT_URI), "{location}");
    query_param(&location, "code").expect("a code in the redirect")
}

#[tokio::test(flavor = "multi_thread")]
async fn prepare_gives_schema_and_markers_without_running() {
    let sb = sandbox().await;
    let conn = tokenless(&sb, oauth_client()).await;
    clear_requests(&sb).await;
    let p = conn
        .prepare("{call GetOAuthAccessToken(?, ?, ?)}")
        .await
        .expect("prepares");
    assert_eq!(p.param_count, 3);
    let names: Vec<&str> = p
        .schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(
        names,
        ["OAuthAccessToken", "OAuthRefreshToken", "ExpiresIn"]
    );
    assert_eq!(p.procedure().map(|x| x.name), Some("GetOAuthAccessToken"));
    let p = conn
        .prepare("exec getoauthauthorizationurl callbackurl = ?")
        .await
        .expect("prepares");
    assert_eq!(p.param_count, 1);
    assert_eq!(p.sql, "EXEC GetOAuthAuthorizationURL CallbackURL = ?");
    // A wrong marker count is refused before anything runs.
    let e = conn.execute(&p, Vec::new()).await.err().expect("refused");
    assert_eq!(e.sqlstate, "07002");
    assert!(requests(&sb).await.is_empty(), "prepare sends nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn call_errors_name_the_procedure_or_parameter() {
    let sb = sandbox().await;
    let conn = tokenless(&sb, oauth_client()).await;
    let err = |sql: &'static str| {
        let conn = &conn;
        async move { conn.prepare(sql).await.expect_err(sql) }
    };
    let e = err("EXEC GetOAuthAuthorisationURL").await;
    assert_eq!(e.sqlstate, "42000");
    assert!(
        e.message
            .contains("unknown stored procedure 'GetOAuthAuthorisationURL'"),
        "{e}"
    );
    assert!(
        e.message
            .contains("GetOAuthAccessToken, GetOAuthAuthorizationURL, RefreshOAuthAccessToken"),
        "{e}"
    );
    let e = err("EXECUTE GetOAuthAuthorizationURL Callback='x'").await;
    assert!(e.message.contains("no parameter 'Callback'"), "{e}");
    let e = err("{call GetOAuthAccessToken('APP')}").await;
    assert!(e.message.contains("needs parameter(s) Verifier"), "{e}");
    let e = err("{? = call GetOAuthAuthorizationURL}").await;
    assert_eq!(e.sqlstate, "HYC00");
    let e = err("SELECT {call GetOAuthAuthorizationURL}").await;
    assert!(e.message.contains("whole statement"), "{e}");

    // A `?` that brings NULL for a required parameter is refused at execute.
    let p = conn
        .prepare("EXEC GetOAuthAccessToken Verifier = ?")
        .await
        .unwrap();
    let e = conn
        .execute(&p, vec![ScalarValue::Utf8(None)])
        .await
        .err()
        .expect("refused");
    assert!(e.message.contains("needs parameter(s) Verifier"), "{e}");
    let e = conn
        .query("EXEC GetOAuthAuthorizationURL AuthMode='DESKTOP'")
        .await
        .unwrap_err();
    assert!(
        e.message.contains("AuthMode 'DESKTOP' is not APP or WEB"),
        "{e}"
    );

    // The client comes from the connection; a missing one is named.
    let no_client = tokenless(&sb, OAuthOptions::default()).await;
    let e = no_client
        .query("EXEC GetOAuthAuthorizationURL")
        .await
        .unwrap_err();
    assert!(
        e.message.contains("connection property OAuthClientId"),
        "{e}"
    );
    let e = no_client
        .query("EXEC RefreshOAuthAccessToken OAuthRefreshToken='r'")
        .await
        .unwrap_err();
    assert!(
        e.message
            .contains("connection properties OAuthClientId and OAuthClientSecret"),
        "{e}"
    );
    let no_secret = tokenless(
        &sb,
        OAuthOptions {
            client_secret: None,
            ..oauth_client()
        },
    )
    .await;
    let e = no_secret
        .query("EXEC GetOAuthAccessToken Verifier='v'")
        .await
        .unwrap_err();
    assert!(
        e.message.contains("connection property OAuthClientSecret"),
        "{e}"
    );
    let e = conn
        .query("EXEC RefreshOAuthAccessToken")
        .await
        .unwrap_err();
    assert!(
        e.message.contains("needs parameter OAuthRefreshToken"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn authorization_url_defaults_and_overrides() {
    let sb = sandbox().await;
    let conn = tokenless(&sb, oauth_client()).await;
    let r = run(&conn, "EXEC GetOAuthAuthorizationURL", &[]).await;
    assert_eq!(r.len(), 1);
    let url = &r[0][0];
    assert!(
        url.starts_with(&format!("{}/oauth2/authorization?", sb.base_url())),
        "{url}"
    );
    assert_eq!(
        query_param(url, "client_id").as_deref(),
        Some(demo::OAUTH_CLIENT_ID)
    );
    assert_eq!(
        query_param(url, "redirect_uri").as_deref(),
        Some("http://localhost:33333")
    );
    assert_eq!(
        query_param(url, "scope").as_deref(),
        Some(kintone_api::oauth::DEFAULT_SCOPE)
    );
    assert_eq!(query_param(url, "response_type").as_deref(), Some("code"));
    let state = query_param(url, "state").expect("a state");
    assert_eq!(state.len(), 32);
    assert!(state.chars().all(|c| c.is_ascii_hexdigit()), "{state}");
    // Another call, another state.
    let again = run(&conn, "EXEC GetOAuthAuthorizationURL", &[]).await;
    assert_ne!(
        query_param(&again[0][0], "state").as_deref(),
        Some(state.as_str())
    );

    // The connection's CallbackURL and Scope are the defaults; parameters win.
    let conn = tokenless(
        &sb,
        OAuthOptions {
            callback_url: Some("http://127.0.0.1:5000/cb".into()),
            scope: Some("k:app_record:read".into()),
            ..oauth_client()
        },
    )
    .await;
    let r = run(&conn, "{call GetOAuthAuthorizationURL('WEB')}", &[]).await;
    assert_eq!(
        query_param(&r[0][0], "redirect_uri").as_deref(),
        Some("http://127.0.0.1:5000/cb")
    );
    assert_eq!(
        query_param(&r[0][0], "scope").as_deref(),
        Some("k:app_record:read")
    );
    let r = run(
        &conn,
        "{call GetOAuthAuthorizationURL(?, ?, ?, ?)}",
        &["web", "http://h/x", "k:file:read", "my state"],
    )
    .await;
    let url = &r[0][0];
    assert_eq!(
        query_param(url, "redirect_uri").as_deref(),
        Some("http://h/x")
    );
    assert_eq!(query_param(url, "scope").as_deref(), Some("k:file:read"));
    assert_eq!(query_param(url, "state").as_deref(), Some("my state"));
}

#[tokio::test(flavor = "multi_thread")]
async fn web_flow_from_no_token_to_queries() {
    let sb = sandbox().await;
    clear_requests(&sb).await;
    let conn = tokenless(&sb, oauth_client()).await;
    // Without a token no API works, and opening read nothing.
    assert!(
        requests(&sb).await.is_empty(),
        "a tokenless connect sends nothing"
    );
    assert!(conn.catalog().tables.is_empty());

    let r = run(
        &conn,
        "EXEC GetOAuthAuthorizationURL AuthMode='WEB', CallbackURL=?, State='st-1'",
        &[demo::OAUTH_REDIRECT_URI],
    )
    .await;
    let url = r[0][0].clone();
    assert_eq!(query_param(&url, "state").as_deref(), Some("st-1"));
    let code = consent(&url).await;
    clear_requests(&sb).await;

    let r = run(
        &conn,
        "{call GetOAuthAccessToken(?, ?, ?)}",
        &["WEB", &code, demo::OAUTH_REDIRECT_URI],
    )
    .await;
    let (access, refresh, expires) = (r[0][0].clone(), r[0][1].clone(), r[0][2].clone());
    assert!(!access.is_empty() && access != "NULL");
    assert!(!refresh.is_empty() && refresh != "NULL");
    assert_eq!(expires, "3600");
    let log = requests(&sb).await;
    let paths: Vec<&str> = log
        .iter()
        .map(|r| r["path"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        paths,
        ["/oauth2/token"],
        "only the token endpoint is called"
    );
    assert_eq!(log[0]["status"], 200);

    // A code is single use: the second exchange is refused by the token endpoint (28000),
    // and the message does not echo the code.
    let e = conn
        .query(&format!(
            "EXEC GetOAuthAccessToken Verifier='{code}', CallbackURL='{}'",
            demo::OAUTH_REDIRECT_URI
        ))
        .await
        .unwrap_err();
    assert_eq!(e.sqlstate, "28000", "{e}");
    assert!(e.message.contains("invalid_grant"), "{e}");
    assert!(!e.message.contains(&code), "{e}");

    // The access token opens a working connection.
    let with_token = Connection::connect(settings(
        &sb,
        Auth::OAuth {
            access_token: Secret::new(access.clone()),
        },
        OAuthOptions::default(),
    ))
    .await
    .expect("connects with the access token");
    let n = rows(
        &with_token
            .query("SELECT COUNT(*) FROM Events")
            .await
            .unwrap(),
    );
    assert_eq!(n, [["300"]]);

    // Refresh: a new access token (the refresh token stays the same one).
    clear_requests(&sb).await;
    let r = run(
        &conn,
        "EXEC RefreshOAuthAccessToken OAuthRefreshToken = ?",
        &[&refresh],
    )
    .await;
    assert_ne!(r[0][0], access);
    assert_eq!(r[0][1], refresh);
    assert_eq!(r[0][2], "3600");
    let paths: Vec<String> = requests(&sb)
        .await
        .iter()
        .map(|r| r["path"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(paths, ["/oauth2/token"]);
    let refreshed = Connection::connect(settings(
        &sb,
        Auth::OAuth {
            access_token: Secret::new(r[0][0].clone()),
        },
        OAuthOptions::default(),
    ))
    .await
    .expect("connects with the refreshed token");
    let n = rows(
        &refreshed
            .query("SELECT COUNT(*) FROM Events")
            .await
            .unwrap(),
    );
    assert_eq!(n, [["300"]]);

    // The connection's OAuthRefreshToken is the default.
    let conn = tokenless(
        &sb,
        OAuthOptions {
            refresh_token: Some(Secret::new(refresh.clone())),
            ..oauth_client()
        },
    )
    .await;
    let r = run(&conn, "EXEC RefreshOAuthAccessToken", &[]).await;
    assert_eq!(r[0][1], refresh);

    // A wrong refresh token: 28000, and the token is not echoed.
    let e = conn
        .query("EXEC RefreshOAuthAccessToken OAuthRefreshToken='not-a-token-xyz'")
        .await
        .unwrap_err();
    assert_eq!(e.sqlstate, "28000", "{e}");
    assert!(!e.message.contains("not-a-token-xyz"), "{e}");

    // The tokenless connection still cannot read data: the error says why.
    let e = tokenless(&sb, oauth_client())
        .await
        .query("SELECT COUNT(*) FROM sys.Apps")
        .await
        .unwrap_err();
    assert!(e.message.contains("no OAuth access token yet"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn procedures_run_on_a_password_connection_too() {
    let sb = sandbox().await;
    let conn = Connection::connect(settings(
        &sb,
        Auth::password("demo", "demo"),
        oauth_client(),
    ))
    .await
    .expect("connects");
    let r = run(&conn, "CALL GetOAuthAuthorizationURL(State = NULL)", &[]).await;
    assert_eq!(r.len(), 1);
}
