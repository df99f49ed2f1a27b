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
use serde_json::{json, Value};

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

// ------------------------------------------------------------ spaces and guests

/// A password connection as the demo administrator (the space administrator of both
/// demo spaces), optionally to a guest space, optionally read-only.
async fn admin_conn(sb: &RunningSandbox, guest: Option<u64>, read_only: bool) -> Connection {
    let mut cfg = ClientConfig::new(sb.base_url(), Auth::password("demo", "demo"));
    cfg.proxy = ProxyConfig::None;
    cfg.guest_space_id = guest;
    let mut s = Settings::new(cfg);
    s.read_only = read_only;
    Connection::connect(s).await.expect("connects")
}

async fn admin_get(sb: &RunningSandbox, path: &str) -> Value {
    reqwest::get(sb.url(path))
        .await
        .expect(path)
        .json()
        .await
        .expect("json")
}

/// The sandbox's threads of a space, as `GET /sandbox/spaces` shows them.
async fn space_state(sb: &RunningSandbox, space: u64) -> Value {
    let v = admin_get(sb, "/sandbox/spaces").await;
    v["spaces"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["id"] == space))
        .cloned()
        .unwrap_or_else(|| panic!("no space {space}: {v}"))
}

fn thread_of(space: &Value, id: u64) -> Value {
    space["threads"]
        .as_array()
        .and_then(|a| a.iter().find(|t| t["id"] == id))
        .cloned()
        .unwrap_or_else(|| panic!("no thread {id}: {space}"))
}

async fn guest_codes(sb: &RunningSandbox) -> Vec<String> {
    admin_get(sb, "/sandbox/guests").await["guests"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|g| g["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `(method, path, params)` of each logged request.
fn calls(log: &[Value]) -> Vec<(String, String, Value)> {
    log.iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap_or("").to_string(),
                r["path"].as_str().unwrap_or("").to_string(),
                r["params"].clone(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn thread_comments_and_thread_updates_reach_kintone() {
    let sb = sandbox().await;
    let conn = admin_conn(&sb, None, false).await;
    let key = run(
        &conn,
        "EXEC UploadFile FileData = 'aGVsbG8=', FileName = 'notes.txt'",
        &[],
    )
    .await[0][0]
        .clone();
    clear_requests(&sb).await;
    let r = run(
        &conn,
        &format!(
            "EXEC AddThreadComment SpaceId = 1, ThreadId = 3, Text = 'Deal closed', \
             Mentions = 'sato, ORGANIZATION:sales, group:sales_team', FileKeys = '{key}'"
        ),
        &[],
    )
    .await;
    assert_eq!(r, [["true", "2"]]);
    assert_eq!(
        calls(&requests(&sb).await),
        [(
            "POST".to_string(),
            "/k/v1/space/thread/comment.json".to_string(),
            json!({"space": 1, "thread": 3, "comment": {"text": "Deal closed",
                "mentions": [{"code": "sato", "type": "USER"},
                             {"code": "sales", "type": "ORGANIZATION"},
                             {"code": "sales_team", "type": "GROUP"}],
                "files": [{"fileKey": key}]}})
        )]
    );
    let deals = thread_of(&space_state(&sb, 1).await, 3);
    let c = &deals["comments"][0];
    assert_eq!(c["id"], 2);
    assert_eq!(c["text"], "Deal closed");
    assert_eq!(c["creator"], "demo");
    assert_eq!(c["mentions"].as_array().map(Vec::len), Some(3));
    assert_eq!(c["files"][0]["name"], "notes.txt");

    // Positional {call} with markers; the default thread of the space.
    let r = run(
        &conn,
        "{call AddThreadComment(?, ?, ?)}",
        &["1", "1", "Second"],
    )
    .await;
    assert_eq!(r, [["true", "3"]]);
    let sales = thread_of(&space_state(&sb, 1).await, 1);
    assert_eq!(sales["comments"][1]["text"], "Second");

    clear_requests(&sb).await;
    let r = run(
        &conn,
        "EXEC UpdateThread ThreadId = 3, Name = 'Q3 deals', Body = '<b>Closed</b> deals'",
        &[],
    )
    .await;
    assert_eq!(r, [["true"]]);
    assert_eq!(
        calls(&requests(&sb).await),
        [(
            "PUT".to_string(),
            "/k/v1/space/thread.json".to_string(),
            json!({"id": 3, "name": "Q3 deals", "body": "<b>Closed</b> deals"})
        )]
    );
    let deals = thread_of(&space_state(&sb, 1).await, 3);
    assert_eq!(
        (&deals["name"], &deals["body"]),
        (&json!("Q3 deals"), &json!("<b>Closed</b> deals"))
    );
    // Only the body: the name stays.
    run(&conn, "{call UpdateThread(3, NULL, 'plain')}", &[]).await;
    let deals = thread_of(&space_state(&sb, 1).await, 3);
    assert_eq!(
        (&deals["name"], &deals["body"]),
        (&json!("Q3 deals"), &json!("plain"))
    );

    // Neither Name nor Body: refused before anything is sent, naming both.
    clear_requests(&sb).await;
    let e = conn
        .query("EXEC UpdateThread ThreadId = 3")
        .await
        .expect_err("nothing to change");
    assert_eq!(e.sqlstate, "HY024", "{e}");
    assert!(e.message.contains("Name or Body"), "{e}");
    let e = conn
        .query("EXEC AddThreadComment SpaceId = 1, ThreadId = 3, Text = ''")
        .await
        .expect_err("empty text");
    assert_eq!(e.sqlstate, "HY024", "{e}");
    assert!(e.message.contains("Text"), "{e}");
    let e = conn
        .query("EXEC AddThreadComment SpaceId = 'one', ThreadId = 3, Text = 'x'")
        .await
        .expect_err("not a number");
    assert!(e.message.contains("SpaceId"), "{e}");
    assert!(requests(&sb).await.is_empty());

    // Kintone's refusals: an unknown thread, a thread of another space, the guest
    // space's thread without a connection to that guest space.
    for sql in [
        "EXEC AddThreadComment SpaceId = 1, ThreadId = 99, Text = 'x'",
        "EXEC AddThreadComment SpaceId = 1, ThreadId = 2, Text = 'x'",
        "EXEC UpdateThread ThreadId = 99, Body = 'x'",
        "EXEC AddThreadComment SpaceId = 2, ThreadId = 2, Text = 'x'",
    ] {
        let e = conn.query(sql).await.expect_err(sql);
        assert_ne!(e.sqlstate, "HY024", "{sql}: {e}");
    }
    let codes: Vec<String> = requests(&sb)
        .await
        .iter()
        .map(|r| r["code"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(codes, ["GAIA_TH01", "GAIA_TH01", "GAIA_TH01", "GAIA_IL23"]);

    // With GuestSpaceId=2 the guest space's thread takes its guest path.
    let guest = admin_conn(&sb, Some(2), false).await;
    clear_requests(&sb).await;
    let r = run(
        &guest,
        "EXEC AddThreadComment SpaceId = 2, ThreadId = 2, Text = 'Hello partners', \
         Mentions = 'guest/partner@example.com'",
        &[],
    )
    .await;
    assert_eq!(r[0][0], "true");
    run(
        &guest,
        "EXEC UpdateThread ThreadId = 2, Body = '<p>new</p>'",
        &[],
    )
    .await;
    let paths: Vec<String> = calls(&requests(&sb).await)
        .into_iter()
        .map(|(m, p, _)| format!("{m} {p}"))
        .collect();
    assert_eq!(
        paths,
        [
            "POST /k/guest/2/v1/space/thread/comment.json",
            "PUT /k/guest/2/v1/space/thread.json"
        ]
    );
    let t = thread_of(&space_state(&sb, 2).await, 2);
    assert_eq!(t["comments"][0]["text"], "Hello partners");
    assert_eq!(t["body"], "<p>new</p>");
}

#[tokio::test(flavor = "multi_thread")]
async fn guests_are_added_placed_in_a_space_and_deleted() {
    const PW: &str = "Gu3st-Secret-9!";
    let sb = sandbox().await;
    let conn = admin_conn(&sb, None, false).await;
    clear_requests(&sb).await;
    let r = run(
        &conn,
        "EXEC AddGuests Code = 'yamada@example.com', Password = ?, Timezone = 'Asia/Tokyo', \
         Locale = 'ja', SurName = 'Yamada', GivenName = 'Taro', Company = 'Partner Inc.'",
        &[PW],
    )
    .await;
    assert_eq!(r, [["true"]]);
    let log = requests(&sb).await;
    let dump = serde_json::to_string(&log).expect("json");
    assert!(!dump.contains(PW), "the password is not in the request log");
    assert_eq!(
        calls(&log),
        [(
            "POST".to_string(),
            "/k/v1/guests.json".to_string(),
            json!({"guests": [{"code": "yamada@example.com", "password": "***",
                "timezone": "Asia/Tokyo", "name": "Yamada Taro", "locale": "ja",
                "company": "Partner Inc."}]})
        )]
    );
    let guests = admin_get(&sb, "/sandbox/guests").await;
    let g = guests["guests"]
        .as_array()
        .and_then(|a| a.iter().find(|g| g["code"] == "yamada@example.com"))
        .cloned()
        .expect("the guest exists");
    assert_eq!(
        (&g["name"], &g["locale"], &g["company"]),
        (&json!("Yamada Taro"), &json!("ja"), &json!("Partner Inc."))
    );

    // Kintone refuses a second guest with the same code: the error names the code's
    // problem, never the password (not in the message, its Debug, or the log).
    let sql = format!(
        "EXEC AddGuests Code = 'yamada@example.com', Password = '{PW}', Timezone = 'UTC', Name = 'Again'"
    );
    let e = conn.query(&sql).await.expect_err("a duplicate");
    assert!(e.message.contains("guests[0].code"), "{e}");
    assert!(!e.message.contains(PW) && !format!("{e:?}").contains(PW));
    let dump = serde_json::to_string(&requests(&sb).await).expect("json");
    assert!(!dump.contains(PW));
    assert!(!kintone_sql::procedures::redact(&sql).contains(PW));
    // The display name is needed one way or another.
    let e = conn
        .query("EXEC AddGuests Code = 'n@example.com', Password = 'p', Timezone = 'UTC'")
        .await
        .expect_err("no name");
    assert_eq!(e.sqlstate, "HY024", "{e}");
    assert!(e.message.contains("needs Name"), "{e}");

    // Into the guest space: always its own guest path, whatever the connection's.
    let guest_conn = admin_conn(&sb, Some(2), false).await;
    clear_requests(&sb).await;
    let r = run(
        &conn,
        "EXEC AddGuestsToSpace SpaceId = 2, Guests = 'yamada@example.com, partner@example.com'",
        &[],
    )
    .await;
    assert_eq!(r, [["true"]]);
    run(
        &guest_conn,
        "{call AddGuestsToSpace(2, 'yamada@example.com,partner@example.com')}",
        &[],
    )
    .await;
    let want = (
        "PUT".to_string(),
        "/k/guest/2/v1/space/guests.json".to_string(),
        json!({"id": 2, "guests": ["yamada@example.com", "partner@example.com"]}),
    );
    assert_eq!(calls(&requests(&sb).await), [want.clone(), want]);
    assert_eq!(
        space_state(&sb, 2).await["guests"],
        json!(["yamada@example.com", "partner@example.com"])
    );
    // A normal space, or someone who is not a guest, is refused by Kintone.
    for sql in [
        "EXEC AddGuestsToSpace SpaceId = 1, Guests = 'yamada@example.com'",
        "EXEC AddGuestsToSpace SpaceId = 2, Guests = 'sato'",
    ] {
        conn.query(sql).await.expect_err(sql);
    }
    let e = conn
        .query("EXEC AddGuestsToSpace SpaceId = 2, Guests = ' , '")
        .await
        .expect_err("no guest");
    assert!(e.message.contains("Guests"), "{e}");

    // Deleted from Kintone (through /k/v1/ even on a guest-space connection), and so
    // from the space.
    clear_requests(&sb).await;
    let r = run(
        &guest_conn,
        "EXEC DeleteGuests Guests = 'yamada@example.com'",
        &[],
    )
    .await;
    assert_eq!(r, [["true"]]);
    assert_eq!(
        calls(&requests(&sb).await),
        [(
            "DELETE".to_string(),
            "/k/v1/guests.json".to_string(),
            json!({"guests": ["yamada@example.com"]})
        )]
    );
    assert_eq!(guest_codes(&sb).await, ["partner@example.com"]);
    assert_eq!(
        space_state(&sb, 2).await["guests"],
        json!(["partner@example.com"])
    );
    let e = conn
        .query("EXEC DeleteGuests Guests = 'ghost@example.com'")
        .await
        .expect_err("unknown guest");
    assert!(e.message.contains("guests[0]"), "{e}");
    let many: Vec<String> = (0..101).map(|i| format!("g{i}@example.com")).collect();
    let e = conn
        .query(&format!("EXEC DeleteGuests Guests = '{}'", many.join(",")))
        .await
        .expect_err("too many");
    assert!(e.message.contains("at most 100"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_refuses_the_space_and_guest_procedures() {
    let sb = sandbox().await;
    let conn = admin_conn(&sb, None, true).await;
    clear_requests(&sb).await;
    for sql in [
        "EXEC AddThreadComment SpaceId = 1, ThreadId = 1, Text = 'x'",
        "EXEC UpdateThread ThreadId = 1, Body = 'x'",
        "EXEC AddGuests Code = 'a@example.com', Password = 'secret-ro', Timezone = 'UTC', Name = 'A'",
        "{call AddGuestsToSpace(2, 'partner@example.com')}",
        "EXEC DeleteGuests Guests = 'partner@example.com'",
    ] {
        let e = conn.prepare(sql).await.expect_err(sql);
        assert_eq!(e.sqlstate, "25006", "{sql}: {e}");
        assert!(!e.message.contains("secret-ro"), "{e}");
    }
    assert!(requests(&sb).await.is_empty());
    assert_eq!(guest_codes(&sb).await, ["partner@example.com"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn space_procedures_name_a_missing_parameter() {
    let sb = sandbox().await;
    let conn = admin_conn(&sb, None, false).await;
    for (sql, missing) in [
        ("EXEC AddThreadComment ThreadId = 1, Text = 'x'", "SpaceId"),
        ("{call AddThreadComment(1, 1)}", "Text"),
        ("EXEC UpdateThread Body = 'x'", "ThreadId"),
        (
            "EXEC AddGuests Code = 'a@example.com', Password = 'p', Name = 'A'",
            "Timezone",
        ),
        (
            "EXEC AddGuests Password = 'p', Timezone = 'UTC', Name = 'A'",
            "Code",
        ),
        ("EXEC AddGuestsToSpace Guests = 'a@example.com'", "SpaceId"),
        ("EXEC DeleteGuests", "Guests"),
    ] {
        let e = conn.prepare(sql).await.expect_err(sql);
        assert_eq!(e.sqlstate, "42000", "{sql}: {e}");
        assert!(
            e.message.contains(&format!("needs parameter(s) {missing}")),
            "{sql}: {e}"
        );
    }
    // A `?` bound to NULL is refused at execute, naming the parameter.
    let p = conn
        .prepare(
            "EXEC AddGuests Code = 'a@example.com', Password = ?, Timezone = 'UTC', Name = 'A'",
        )
        .await
        .expect("prepares");
    let e = conn
        .execute(&p, vec![ScalarValue::Utf8(None)])
        .await
        .err()
        .expect("refused");
    assert!(e.message.contains("needs parameter(s) Password"), "{e}");
}
