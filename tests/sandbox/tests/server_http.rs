//! Integration tests of the sandbox's HTTP front over real sockets: auth outcomes,
//! parameters, path forms, method override, faults, concurrency, OAuth, TLS, and the
//! users/space APIs. Each test starts its own server on a free port with a small domain.

use base64::Engine;
use chrono::{Duration, Utc};
use kintone_sandbox::model::*;
use kintone_sandbox::{start, Options, RunningSandbox, TlsOptions};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn user(id: u64, code: &str, admin: bool) -> User {
    User {
        id,
        code: code.into(),
        name: format!("{code} Example"),
        password: format!("{code}-pass"),
        email: format!("{code}@example.com"),
        timezone: "Asia/Tokyo".into(),
        locale: "ja".into(),
        primary_organization: Some("sales".into()),
        organizations: vec!["sales".into()],
        groups: vec![],
        admin,
        valid: true,
    }
}

fn token(t: &str, deployed: bool) -> ApiToken {
    ApiToken {
        token: t.into(),
        view: true,
        add: false,
        edit: false,
        delete: false,
        manage: false,
        deployed,
    }
}

fn app(id: u64, space: Option<u64>, tokens: Vec<ApiToken>) -> App {
    let now = Utc::now();
    App {
        id,
        code: format!("APP{id}"),
        name: format!("App {id}"),
        description: String::new(),
        space_id: space,
        thread_id: space,
        created_at: now,
        creator: "admin".into(),
        modified_at: now,
        modifier: "admin".into(),
        live: AppSettings::default(),
        preview: AppSettings::default(),
        deploy_status: None,
        records: BTreeMap::new(),
        next_record_id: 1,
        next_comment_id: 1,
        api_tokens: tokens,
        acl_users: vec![],
        comments_enabled: true,
    }
}

/// Users carol(3), alice(1), admin(2) (stored out of id order on purpose); space 1
/// (alice), guest space 2 (alice); apps 1 and 2 with tokens; one OAuth client.
fn domain() -> Domain {
    let mut d = Domain {
        users: vec![
            user(3, "carol", false),
            user(1, "alice", false),
            user(2, "admin", true),
        ],
        organizations: vec![Organization {
            code: "sales".into(),
            name: "Sales".into(),
        }],
        ..Domain::default()
    };
    d.spaces.insert(
        1,
        Space {
            id: 1,
            name: "Team".into(),
            is_guest: false,
            default_thread: 11,
            members: vec!["alice".into()],
        },
    );
    d.spaces.insert(
        2,
        Space {
            id: 2,
            name: "Guests".into(),
            is_guest: true,
            default_thread: 12,
            members: vec!["alice".into()],
        },
    );
    d.apps.insert(
        1,
        app(
            1,
            Some(1),
            vec![
                token("tokA1", true),
                token("tokA2", true),
                token("tokDraft", false),
            ],
        ),
    );
    d.apps.insert(2, app(2, None, vec![token("tokB1", true)]));
    d.next_app_id = 3;
    d.oauth_clients.push(OAuthClient {
        client_id: "cid".into(),
        client_secret: "csecret".into(),
        redirect_uri: "https://client.example/cb".into(),
    });
    d
}

async fn serve(opts: Options) -> RunningSandbox {
    start(opts).await.expect("sandbox starts")
}

async fn serve_default() -> RunningSandbox {
    serve(Options::with_domain(domain())).await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn pw(user: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{user}-pass"))
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

async fn json_of(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, v)
}

async fn code_of(resp: reqwest::Response) -> (u16, String) {
    let (s, v) = json_of(resp).await;
    (s.as_u16(), v["code"].as_str().unwrap_or("").to_string())
}

async fn last_log(sb: &RunningSandbox) -> Value {
    let v: Value = client()
        .get(format!("{}/sandbox/requests", sb.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["requests"].as_array().unwrap().last().cloned().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_auth_outcomes() {
    let sb = serve_default().await;
    let c = client();
    let url = format!("{}/k/v1/space.json?id=1", sb.base_url());

    let r = c.get(&url).send().await.unwrap();
    assert_eq!(
        r.headers()["content-type"],
        "application/json;charset=utf-8"
    );
    let (_, body) = json_of(r).await;
    assert_eq!(body["code"], "CB_AU01");
    assert_eq!(body["message"], "Please login.");
    assert_eq!(body["id"].as_str().unwrap().len(), 20);
    assert_eq!(last_log(&sb).await["status"], 401);

    let r = c
        .get(&url)
        .header("X-Cybozu-Authorization", b64("alice:wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (401, "CB_WA01".into()));
    let log = last_log(&sb).await;
    assert_eq!(log["auth"], "password");
    assert_eq!(log["user"], Value::Null);
    assert_eq!(log["code"], "CB_WA01");

    let r = c
        .get(&url)
        .header("X-Cybozu-Authorization", "%%%not-base64")
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (401, "CB_WA01".into()));

    let r = c
        .get(&url)
        .header("X-Cybozu-Authorization", pw("alice"))
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, 200);
    assert_eq!(v["id"], "1");
    assert_eq!(v["defaultThread"], "11");
    let log = last_log(&sb).await;
    assert_eq!(log["auth"], "password");
    assert_eq!(log["user"], "alice");
    // The log never carries the credential.
    assert!(!log.to_string().contains(&pw("alice")));

    // §3.7: password beats a (bad) API token; a bad password is not rescued by a token.
    let r = c
        .get(&url)
        .header("X-Cybozu-Authorization", pw("alice"))
        .header("X-Cybozu-API-Token", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .get(&url)
        .header("X-Cybozu-Authorization", b64("alice:x"))
        .header("X-Cybozu-API-Token", "tokA1")
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (401, "CB_WA01".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_token_outcomes() {
    let sb = serve_default().await;
    let c = client();
    let url = format!("{}/k/v1/space.json?id=1", sb.base_url());
    let with = |tok: &str| c.get(&url).header("X-Cybozu-API-Token", tok.to_string());

    assert_eq!(
        code_of(with("bogus").send().await.unwrap()).await,
        (400, "GAIA_IA02".into())
    );
    assert_eq!(
        code_of(with("tokA1,bogus").send().await.unwrap()).await,
        (400, "GAIA_IA02".into())
    );
    assert_eq!(
        code_of(with("bogus, tokB1").send().await.unwrap()).await,
        (400, "GAIA_IA02".into())
    );
    assert_eq!(
        code_of(with("tokDraft").send().await.unwrap()).await,
        (400, "GAIA_IA02".into())
    );
    assert_eq!(
        code_of(with("tokA1, tokA2").send().await.unwrap()).await,
        (400, "GAIA_DA03".into())
    );
    let r = c
        .get(&url)
        .header("X-Cybozu-API-Token", "tokA1")
        .header("X-Cybozu-API-Token", "tokA2")
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (400, "GAIA_DA03".into()));
    let log = last_log(&sb).await;
    assert_eq!(log["auth"], "api_token");
    assert_eq!(log["api_tokens"], 2);
    assert!(!log.to_string().contains("tokA"));

    let ten = ["tokB1"; 10].join(",");
    let (s, v) = json_of(with(&ten).send().await.unwrap()).await;
    assert_eq!(s, 400);
    assert_eq!(v["code"], "CB_VA01");
    assert!(v["errors"]["X-Cybozu-API-Token"]["messages"][0].is_string());

    // Tokens of two apps, comma list with spaces plus a repeated header: accepted, and
    // the call runs as Administrator; space.json itself does not take API tokens.
    let r = c
        .get(&url)
        .header("X-Cybozu-API-Token", " tokA1 , ")
        .header("X-Cybozu-API-Token", "tokB1")
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (403, "GAIA_NO01".into()));
    let log = last_log(&sb).await;
    assert_eq!(log["auth"], "api_token");
    assert_eq!(log["user"], "Administrator");
    assert_eq!(log["api_tokens"], 2);

    // The User API ignores app tokens: anonymous.
    let r = c
        .get(format!("{}/v1/users.json", sb.base_url()))
        .header("X-Cybozu-API-Token", "tokA1")
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (401, "CB_AU01".into()));
}

fn grant(user: &str, expires_in: i64) -> OAuthGrant {
    OAuthGrant {
        client_id: "cid".into(),
        user: user.into(),
        scopes: vec!["k:app_record:read".into()],
        redirect_uri: "https://client.example/cb".into(),
        expires_at: Utc::now() + Duration::seconds(expires_in),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_outcomes_and_basic_layer() {
    let mut d = domain();
    d.oauth
        .access_tokens
        .insert("good".into(), grant("alice", 600));
    d.oauth
        .access_tokens
        .insert("old".into(), grant("alice", -1));
    let mut opts = Options::with_domain(d);
    opts.basic_auth = Some(("bu".into(), "bp:x".into()));
    let sb = serve(opts).await;
    let c = client();
    let url = format!("{}/k/v1/space.json?id=1", sb.base_url());

    // Basic layer missing / wrong: the web server's HTML 401, not Kintone JSON.
    for auth in [None, Some(format!("Basic {}", b64("bu:wrong")))] {
        let mut rq = c.get(&url).header("X-Cybozu-Authorization", pw("alice"));
        if let Some(a) = auth {
            rq = rq.header("Authorization", a);
        }
        let r = rq.send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.headers()["www-authenticate"],
            "Basic realm=\"kintone-sandbox\""
        );
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(r.text().await.unwrap().contains("Authorization Required"));
    }
    let r = c
        .get(&url)
        .header("X-Cybozu-Authorization", pw("alice"))
        .header("Authorization", format!("Basic {}", b64("bu:bp:x")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let log = last_log(&sb).await;
    assert_eq!(log["basic"], true);
    assert!(!log.to_string().contains("bp:x"));

    // Basic layer right but no Kintone credentials.
    let r = c
        .get(&url)
        .header("Authorization", format!("Basic {}", b64("bu:bp:x")))
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (401, "CB_AU01".into()));

    // Bearer requests are not asked for the Basic layer.
    let r = c.get(&url).bearer_auth("good").send().await.unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, 200, "{v}");
    let log = last_log(&sb).await;
    assert_eq!(log["auth"], "oauth");
    assert_eq!(log["user"], "alice");
    assert_eq!(log["basic"], false);

    for bad in ["old", "unknown"] {
        let r = c.get(&url).bearer_auth(bad).send().await.unwrap();
        assert_eq!(
            r.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\""
        );
        assert_eq!(code_of(r).await, (401, "CB_AU01".into()));
    }

    // The good token expires when the sandbox clock moves past it.
    let r = c
        .post(format!("{}/sandbox/clock", sb.base_url()))
        .json(&json!({"advance_secs": 601}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c.get(&url).bearer_auth("good").send().await.unwrap();
    assert_eq!(code_of(r).await, (401, "CB_AU01".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_forms_and_unknown_apis() {
    let sb = serve_default().await;
    let c = client();
    let base = sb.base_url().to_string();
    let get = |p: &str| {
        c.get(format!("{base}{p}"))
            .header("X-Cybozu-Authorization", pw("alice"))
    };

    let (s, v) = json_of(get("/k/guest/2/v1/space.json?id=2").send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(v["isGuest"], true);
    let log = last_log(&sb).await;
    assert_eq!(log["guest"], 2);
    assert_eq!(log["api"], "space");

    assert_eq!(
        code_of(get("/k/v1/space.json?id=2").send().await.unwrap()).await,
        (400, "GAIA_IL23".into())
    );
    assert_eq!(
        code_of(get("/k/guest/3/v1/space.json?id=2").send().await.unwrap()).await,
        (403, "CB_NO02".into())
    );

    let _ = get("/k/guest/2/v1/preview/app/form/fields.json?app=1")
        .send()
        .await
        .unwrap();
    let log = last_log(&sb).await;
    assert_eq!(log["api"], "preview/app/form/fields");
    assert_eq!(log["guest"], 2);
    let _ = get("/k/v1/preview/app/form/fields.json?app=1")
        .send()
        .await
        .unwrap();
    assert_eq!(last_log(&sb).await["api"], "preview/app/form/fields");

    for p in [
        "/k/v1/nope.json",
        "/k/v1/users.json",
        "/k/v1/space",
        "/k/guest/x/v1/space.json",
        "/v1/records.json",
    ] {
        let r = get(p).send().await.unwrap();
        assert_eq!(r.status(), 404, "{p}");
        assert_eq!(
            r.headers()["content-type"],
            "application/json;charset=utf-8"
        );
        let (_, v) = json_of(r).await;
        assert_eq!(v["code"], "GAIA_NF01", "{p}");
    }
    // Unknown API without credentials is still a 404.
    let r = c
        .get(format!("{base}/k/v1/nope.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // A known API with a method it does not have.
    let r = c
        .delete(format!("{base}/k/v1/space.json"))
        .header("X-Cybozu-Authorization", pw("alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn method_override() {
    let sb = serve_default().await;
    let c = client();
    let url = format!("{}/k/v1/space.json", sb.base_url());
    let r = c
        .post(&url)
        .header("X-Cybozu-Authorization", pw("alice"))
        .header("X-HTTP-Method-Override", "GET")
        .json(&json!({"id": 1}))
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, 200);
    assert_eq!(v["name"], "Team");
    let log = last_log(&sb).await;
    assert_eq!(log["method"], "POST");
    assert_eq!(log["effective_method"], "GET");
    assert_eq!(log["override"], "GET");
    assert_eq!(log["params"], json!({"id": 1}));

    // Case-sensitive: "get" is not an override, so this is a POST space.json (none).
    let r = c
        .post(&url)
        .header("X-Cybozu-Authorization", pw("alice"))
        .header("X-HTTP-Method-Override", "get")
        .json(&json!({"id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(last_log(&sb).await["effective_method"], "POST");

    // Only on POST.
    let r = c
        .put(&url)
        .header("X-Cybozu-Authorization", pw("alice"))
        .header("X-HTTP-Method-Override", "GET")
        .json(&json!({"id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(last_log(&sb).await["effective_method"], "PUT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_string_and_json_body_params() {
    let sb = serve_default().await;
    let c = client();
    let base = sb.base_url().to_string();
    let users_url = format!("{base}/v1/users.json");
    let ids = |r: &Value| -> Vec<String> {
        r["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect()
    };

    let mut params_seen = Vec::new();
    let mut results = Vec::new();
    for q in ["?ids[0]=3&ids[1]=1", "?ids%5B0%5D=3&ids%5B1%5D=1"] {
        let r = c
            .get(format!("{users_url}{q}"))
            .header("X-Cybozu-Authorization", pw("alice"))
            .send()
            .await
            .unwrap();
        let (s, v) = json_of(r).await;
        assert_eq!(s, 200);
        results.push(ids(&v));
        params_seen.push(last_log(&sb).await["params"].clone());
    }
    let r = c
        .get(&users_url)
        .header("X-Cybozu-Authorization", pw("alice"))
        .json(&json!({"ids": ["3", "1"]}))
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, 200);
    results.push(ids(&v));
    params_seen.push(last_log(&sb).await["params"].clone());
    for p in &params_seen {
        assert_eq!(p, &json!({"ids": ["3", "1"]}));
    }
    for r in &results {
        assert_eq!(r, &vec!["1".to_string(), "3".to_string()]);
    }

    // Nested objects and arrays of objects in the query string.
    let _ = c
        .get(format!(
            "{base}/k/v1/records.json?app=1&fields[0]=a&fields[1]=b&updateKey%5Bfield%5D=code&updateKey[value]=x%20y"
        ))
        .header("X-Cybozu-Authorization", pw("alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        last_log(&sb).await["params"],
        json!({"app": "1", "fields": ["a", "b"], "updateKey": {"field": "code", "value": "x y"}})
    );

    // §2.2: on records.json the fields index stops at 99 in the query string.
    let r = c
        .get(format!("{base}/k/v1/records.json?app=1&fields[100]=a"))
        .header("X-Cybozu-Authorization", pw("alice"))
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, 400);
    assert_eq!(v["code"], "CB_VA01");
    assert!(v["errors"]["fields[100]"]["messages"].is_array());

    // A JSON body without application/json cannot be parsed (§2.1).
    let r = c
        .get(&users_url)
        .header("X-Cybozu-Authorization", pw("alice"))
        .header("Content-Type", "text/plain")
        .body("{\"ids\":[1]}")
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (400, "CB_IJ01".into()));
    let r = c
        .post(format!("{base}/k/v1/record.json"))
        .header("X-Cybozu-Authorization", pw("alice"))
        .header("Content-Type", "application/json")
        .body("{\"app\":")
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (400, "CB_IJ01".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_api() {
    let mut d = domain();
    d.oauth
        .access_tokens
        .insert("good".into(), grant("alice", 600));
    let sb = serve(Options::with_domain(d)).await;
    let c = client();
    let url = format!("{}/v1/users.json", sb.base_url());
    let get = |q: &str| {
        c.get(format!("{url}{q}"))
            .header("X-Cybozu-Authorization", pw("alice"))
    };
    let (s, v) = json_of(get("").send().await.unwrap()).await;
    assert_eq!(s, 200);
    let codes: Vec<&str> = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["alice", "admin", "carol"]);
    let alice = &v["users"][0];
    assert_eq!(alice["id"], "1");
    assert_eq!(alice["timezone"], "Asia/Tokyo");
    assert_eq!(alice["email"], "alice@example.com");
    assert_eq!(alice["primaryOrganization"], "1");
    assert_eq!(alice["valid"], true);

    let (_, v) = json_of(get("?codes[0]=carol").send().await.unwrap()).await;
    assert_eq!(v["users"].as_array().unwrap().len(), 1);
    assert_eq!(v["users"][0]["id"], "3");
    let (_, v) = json_of(get("?size=1&offset=1").send().await.unwrap()).await;
    assert_eq!(v["users"][0]["code"], "admin");
    assert_eq!(v["users"].as_array().unwrap().len(), 1);

    let (s, v) = json_of(get("?ids[0]=1&codes[0]=carol").send().await.unwrap()).await;
    assert_eq!(s, 400);
    assert_eq!(v["code"], "CB_VA01");
    assert!(v["errors"]["ids"].is_object());
    for q in ["?size=0", "?size=101", "?size=x"] {
        let (s, v) = json_of(get(q).send().await.unwrap()).await;
        assert_eq!(s, 400, "{q}");
        assert!(v["errors"]["size"].is_object(), "{q}");
    }
    let r = c.get(&url).bearer_auth("good").send().await.unwrap();
    assert_eq!(code_of(r).await, (403, "CB_NO02".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn space_members_and_permissions() {
    let sb = serve_default().await;
    let c = client();
    let base = sb.base_url();
    let r = c
        .get(format!("{base}/k/v1/space/members.json?id=1"))
        .header("X-Cybozu-Authorization", pw("alice"))
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, 200);
    assert_eq!(
        v,
        json!({"members": [{"entity": {"type": "USER", "code": "alice"}, "isAdmin": true, "isImplicit": false, "roles": []}]})
    );
    let r = c
        .get(format!("{base}/k/v1/space.json?id=1"))
        .header("X-Cybozu-Authorization", pw("alice"))
        .send()
        .await
        .unwrap();
    let (_, v) = json_of(r).await;
    assert_eq!(v["attachedApps"][0]["appId"], "1");
    assert_eq!(v["memberCount"], "1");
    assert_eq!(v["isGuest"], false);
    // carol is not a member; admin sees everything.
    let r = c
        .get(format!("{base}/k/v1/space.json?id=1"))
        .header("X-Cybozu-Authorization", pw("carol"))
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (403, "CB_NO02".into()));
    let r = c
        .get(format!("{base}/k/v1/space.json?id=1"))
        .header("X-Cybozu-Authorization", pw("admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .get(format!("{base}/k/v1/space.json?id=99"))
        .header("X-Cybozu-Authorization", pw("admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (404, "GAIA_SP01".into()));
    let r = c
        .get(format!("{base}/k/v1/space.json"))
        .header("X-Cybozu-Authorization", pw("admin"))
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, 400);
    assert_eq!(v["errors"]["id"]["messages"][0], "Required field.");
}

async fn add_fault(base: &str, f: Value) {
    let r = client()
        .post(format!("{base}/sandbox/faults"))
        .json(&f)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_injection() {
    let sb = serve_default().await;
    let base = sb.base_url().to_string();
    let c = client();
    let url = format!("{base}/k/v1/space.json?id=1");
    let get = |c: &reqwest::Client| c.get(&url).header("X-Cybozu-Authorization", pw("alice"));

    add_fault(
        &base,
        json!({"api": "space", "count": 2, "action": "status", "status": 503}),
    )
    .await;
    let v: Value = c
        .get(format!("{base}/sandbox/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["faults"][0]["count"], 2);
    for _ in 0..2 {
        let r = get(&c).send().await.unwrap();
        assert_eq!(r.status(), 503);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
        assert_eq!(r.text().await.unwrap(), "Service Unavailable");
    }
    assert_eq!(get(&c).send().await.unwrap().status(), 200);
    let v: Value = c
        .get(format!("{base}/sandbox/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["faults"], json!([]));

    add_fault(
        &base,
        json!({"method": "GET", "count": 1, "action": "status", "status": 429}),
    )
    .await;
    let r = get(&c).send().await.unwrap();
    assert_eq!(r.headers()["x-cybozu-error"], "GAIA_TO04");
    let (s, v) = json_of(r).await;
    assert_eq!(s, 429);
    assert_eq!(v["code"], "GAIA_TO04");
    assert_eq!(
        v["message"],
        "The number of concurrent API requests exceeds the limit."
    );

    add_fault(
        &base,
        json!({"count": 1, "action": "status", "status": 500, "code": "GAIA_XX01"}),
    )
    .await;
    assert_eq!(
        code_of(get(&c).send().await.unwrap()).await,
        (500, "GAIA_XX01".into())
    );

    // A fault for another API does not fire.
    add_fault(&base, json!({"api": "users", "count": 1, "action": "drop"})).await;
    assert_eq!(get(&c).send().await.unwrap().status(), 200);
    c.delete(format!("{base}/sandbox/faults"))
        .send()
        .await
        .unwrap();

    // Drop before any response byte; fresh clients so no pooled connection is reused.
    add_fault(
        &base,
        json!({"path_contains": "space.json", "count": 1, "action": "drop"}),
    )
    .await;
    assert!(get(&client()).send().await.is_err());
    let log = last_log(&sb).await;
    assert_eq!(log["dropped"], true);
    assert_eq!(log["status"], Value::Null);
    assert_eq!(get(&client()).send().await.unwrap().status(), 200);

    // Drop mid-body: headers arrive, the body does not complete.
    add_fault(
        &base,
        json!({"count": 1, "action": "drop", "mid_body": true}),
    )
    .await;
    match get(&client()).send().await {
        Err(_) => {}
        Ok(r) => assert!(r.bytes().await.is_err()),
    }

    // drop_after_commit runs the handler (the log shows the authenticated caller).
    add_fault(&base, json!({"count": 1, "action": "drop_after_commit"})).await;
    assert!(get(&client()).send().await.is_err());
    let log = last_log(&sb).await;
    assert_eq!(log["dropped"], true);
    assert_eq!(log["user"], "alice");

    // Bad fault specs are refused.
    for bad in [
        json!({"count": 0, "action": "drop"}),
        json!({"count": 1, "action": "explode"}),
        json!({"count": 1, "action": "drop", "status": 503}),
    ] {
        let r = c
            .post(format!("{base}/sandbox/faults"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrency_limit_with_latency() {
    let mut opts = Options::with_domain(domain());
    opts.max_concurrency = Some(2);
    opts.latency_ms = 1500;
    let sb = serve(opts).await;
    let base = sb.base_url().to_string();
    let url = format!("{base}/k/v1/space.json?id=1");
    let mut tasks = Vec::new();
    for i in 0..3u64 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            // Stagger so the third surely arrives while the first two sleep.
            tokio::time::sleep(std::time::Duration::from_millis(i * 200)).await;
            let r = client()
                .get(&url)
                .header("X-Cybozu-Authorization", pw("alice"))
                .send()
                .await
                .unwrap();
            let limit = r.headers()["x-concurrencylimit-limit"]
                .to_str()
                .unwrap()
                .to_string();
            let running = r.headers()["x-concurrencylimit-running"]
                .to_str()
                .unwrap()
                .parse::<u64>()
                .unwrap();
            let err = r
                .headers()
                .get("x-cybozu-error")
                .map(|v| v.to_str().unwrap().to_string());
            let (s, v) = json_of(r).await;
            (
                s.as_u16(),
                v["code"].as_str().unwrap_or("").to_string(),
                limit,
                running,
                err,
            )
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let ok = results.iter().filter(|r| r.0 == 200).count();
    let limited: Vec<_> = results.iter().filter(|r| r.0 == 429).collect();
    assert_eq!(ok, 2, "{results:?}");
    assert_eq!(limited.len(), 1, "{results:?}");
    assert_eq!(limited[0].1, "GAIA_TO04");
    assert_eq!(limited[0].4.as_deref(), Some("GAIA_TO04"));
    assert_eq!(limited[0].3, 2);
    assert!(results.iter().all(|r| r.2 == "2"));

    let c = client();
    let stats: Value = c
        .get(format!("{base}/sandbox/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["max_in_flight"], 2);
    assert_eq!(stats["in_flight"], 0);
    assert_eq!(stats["total_requests"], 3);
    c.post(format!("{base}/sandbox/stats/reset"))
        .send()
        .await
        .unwrap();
    let stats: Value = c
        .get(format!("{base}/sandbox/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["max_in_flight"], 0);
    assert_eq!(stats["total_requests"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_connections() {
    let mut opts = Options::with_domain(domain());
    opts.max_concurrency = Some(1000);
    opts.latency_ms = 300;
    let sb = serve(opts).await;
    let url = format!("{}/k/v1/space.json?id=1", sb.base_url());
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            // One client per task: 200 separate connections.
            let r = client()
                .get(&url)
                .header("X-Cybozu-Authorization", pw("alice"))
                .send()
                .await?;
            let s = r.status().as_u16();
            let v: Value = r.json().await?;
            Ok::<_, reqwest::Error>((s, v["name"].as_str().unwrap_or("").to_string()))
        }));
    }
    for t in tasks {
        let (s, name) = tokio::time::timeout(std::time::Duration::from_secs(60), t)
            .await
            .expect("answered in time")
            .unwrap()
            .expect("request succeeded");
        assert_eq!((s, name.as_str()), (200, "Team"));
    }
    // Served in parallel: 200 x 300 ms serialised would take a minute.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let stats: Value = client()
        .get(format!("{}/sandbox/stats", sb.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(stats["max_in_flight"].as_u64().unwrap() > 10, "{stats}");
    let r = client()
        .get(&url)
        .header("X-Cybozu-Authorization", pw("alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

fn authorize_form(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = [
        ("client_id", "cid"),
        ("redirect_uri", "https://client.example/cb"),
        ("state", "st8"),
        ("response_type", "code"),
        ("scope", "k:app_record:read k:app_settings:read"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    for (k, val) in extra {
        v.push((k.to_string(), val.to_string()));
    }
    v
}

fn location_params(r: &reqwest::Response) -> (String, BTreeMap<String, String>) {
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let (base, q) = loc.split_once('?').unwrap();
    let params = form_urlencoded::parse(q.as_bytes()).into_owned().collect();
    (base.to_string(), params)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_code_flow_end_to_end() {
    let mut opts = Options::with_domain(domain());
    opts.oauth_token_lifetime_secs = Some(120);
    let sb = serve(opts).await;
    let base = sb.base_url().to_string();
    let c = client();
    let authz = format!("{base}/oauth2/authorization");
    let token_url = format!("{base}/oauth2/token");

    // The consent page.
    let r = c
        .get(&authz)
        .query(&authorize_form(&[]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("name=\"login\"") && page.contains("value=\"allow\""));
    assert!(page.contains("k:app_settings:read"));

    // Bad client / redirect: an error page, no redirect.
    let mut bad = authorize_form(&[]);
    bad[0].1 = "nope".into();
    assert_eq!(
        c.get(&authz).query(&bad).send().await.unwrap().status(),
        400
    );
    let mut bad = authorize_form(&[]);
    bad[1].1 = "https://evil.example/cb".into();
    assert_eq!(
        c.get(&authz).query(&bad).send().await.unwrap().status(),
        400
    );
    // Bad scope: redirect with invalid_scope.
    let mut bad = authorize_form(&[]);
    bad[4].1 = "k:app_record:read k:everything".into();
    let r = c.get(&authz).query(&bad).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let (_, p) = location_params(&r);
    assert_eq!(p["error"], "invalid_scope");
    assert_eq!(p["state"], "st8");

    // Deny.
    let r = c
        .post(&authz)
        .form(&authorize_form(&[("consent", "deny")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let (loc, p) = location_params(&r);
    assert_eq!(loc, "https://client.example/cb");
    assert_eq!(p["error"], "access_denied");

    // Wrong password: the form again.
    let r = c
        .post(&authz)
        .form(&authorize_form(&[
            ("consent", "allow"),
            ("login", "alice"),
            ("password", "x"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Allow: a code comes back with the state.
    let r = c
        .post(&authz)
        .form(&authorize_form(&[
            ("consent", "allow"),
            ("login", "alice"),
            ("password", "alice-pass"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let (_, p) = location_params(&r);
    assert_eq!(p["state"], "st8");
    let code = p["code"].clone();
    let log = last_log(&sb).await;
    assert!(!log.to_string().contains("alice-pass"));

    // Wrong client secret.
    let r = c
        .post(&token_url)
        .basic_auth("cid", Some("wrong"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "https://client.example/cb"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_client");

    // Exchange (client auth with Basic).
    let r = c
        .post(&token_url)
        .basic_auth("cid", Some("csecret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "https://client.example/cb"),
        ])
        .send()
        .await
        .unwrap();
    let (s, tok) = json_of(r).await;
    assert_eq!(s, 200, "{tok}");
    assert_eq!(tok["token_type"], "Bearer");
    assert_eq!(tok["expires_in"], 120);
    assert_eq!(tok["scope"], "k:app_record:read k:app_settings:read");
    let access = tok["access_token"].as_str().unwrap().to_string();
    let refresh = tok["refresh_token"].as_str().unwrap().to_string();
    let log = last_log(&sb).await.to_string();
    assert!(!log.contains(&access) && !log.contains(&refresh) && !log.contains("csecret"));

    // The code is single-use.
    let r = c
        .post(&token_url)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "https://client.example/cb"),
            ("client_id", "cid"),
            ("client_secret", "csecret"),
        ])
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(
        (s.as_u16(), v["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // The bearer token works.
    let space = format!("{base}/k/v1/space.json?id=1");
    let r = c.get(&space).bearer_auth(&access).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(last_log(&sb).await["user"], "alice");

    // Refresh (client credentials in the body): no new refresh token (§3.4).
    let r = c
        .post(&token_url)
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
            ("client_id", "cid"),
            ("client_secret", "csecret"),
        ])
        .send()
        .await
        .unwrap();
    let (s, tok2) = json_of(r).await;
    assert_eq!(s, 200, "{tok2}");
    assert!(tok2.get("refresh_token").is_none());
    let access2 = tok2["access_token"].as_str().unwrap().to_string();
    assert_ne!(access2, access);

    // Expiry by the sandbox clock.
    c.post(format!("{base}/sandbox/clock"))
        .json(&json!({"advance_secs": 121}))
        .send()
        .await
        .unwrap();
    for t in [&access, &access2] {
        let r = c.get(&space).bearer_auth(t).send().await.unwrap();
        assert_eq!(code_of(r).await, (401, "CB_AU01".into()));
    }
    // The refresh token still works after the access token expired.
    let r = c
        .post(&token_url)
        .basic_auth("cid", Some("csecret"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let (_, tok3) = json_of(r).await;
    let r = c
        .get(&space)
        .bearer_auth(tok3["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // An authorization code expires after 10 minutes.
    let r = c
        .post(&authz)
        .form(&authorize_form(&[
            ("consent", "allow"),
            ("login", "alice"),
            ("password", "alice-pass"),
        ]))
        .send()
        .await
        .unwrap();
    let (_, p) = location_params(&r);
    c.post(format!("{base}/sandbox/clock"))
        .json(&json!({"advance_secs": 601}))
        .send()
        .await
        .unwrap();
    let r = c
        .post(&token_url)
        .basic_auth("cid", Some("csecret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", p["code"].as_str()),
            ("redirect_uri", "https://client.example/cb"),
        ])
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(
        (s.as_u16(), v["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let r = c
        .post(&token_url)
        .basic_auth("cid", Some("csecret"))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(
        (s.as_u16(), v["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_log_clock_and_cursors() {
    let mut d = domain();
    let now = Utc::now();
    for (id, exp) in [("c1", 600), ("c0", -5)] {
        d.cursors.insert(
            id.into(),
            Cursor {
                id: id.into(),
                app: 1,
                guest: None,
                fields: None,
                ids: vec![1, 2, 3],
                position: 1,
                size: 1,
                total: 3,
                expires_at: now + Duration::seconds(exp),
                owner: "alice".into(),
            },
        );
    }
    let sb = serve(Options::with_domain(d)).await;
    let base = sb.base_url().to_string();
    let c = client();
    for _ in 0..3 {
        c.get(format!("{base}/v1/users.json"))
            .header("X-Cybozu-Authorization", pw("alice"))
            .send()
            .await
            .unwrap();
    }
    let v: Value = c
        .get(format!("{base}/sandbox/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reqs = v["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 3);
    let first = &reqs[0];
    assert_eq!(first["seq"], 1);
    assert_eq!(first["method"], "GET");
    assert_eq!(first["path"], "/v1/users.json");
    assert_eq!(first["api"], "users");
    assert_eq!(first["status"], 200);
    assert_eq!(first["code"], Value::Null);
    assert_eq!(first["client_cert"], false);
    assert!(first["finished_ms"].as_u64() >= first["started_ms"].as_u64());
    let v: Value = c
        .get(format!("{base}/sandbox/requests?since=2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["requests"].as_array().unwrap().len(), 1);
    assert_eq!(v["requests"][0]["seq"], 3);
    c.delete(format!("{base}/sandbox/requests"))
        .send()
        .await
        .unwrap();
    let v: Value = c
        .get(format!("{base}/sandbox/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["requests"], json!([]));

    let v: Value = c
        .get(format!("{base}/sandbox/cursors"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["cursors"].as_array().unwrap().len(), 1);
    assert_eq!(v["cursors"][0]["id"], "c1");
    assert_eq!(v["cursors"][0]["app"], 1);
    assert_eq!(v["cursors"][0]["position"], 1);
    let stats: Value = c
        .get(format!("{base}/sandbox/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["open_cursors"], 1);

    let before = sb.state().now();
    let v: Value = c
        .post(format!("{base}/sandbox/clock"))
        .json(&json!({"advance_secs": 3600}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["offset_secs"], 3600);
    assert!(sb.state().now() - before >= Duration::seconds(3600));
    let v: Value = c
        .get(format!("{base}/sandbox/cursors"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["cursors"], json!([]));
    let r = c
        .post(format!("{base}/sandbox/clock"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        c.get(format!("{base}/sandbox/nope"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    sb.shutdown().await;
}

// ---------- TLS ----------

fn openssl(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1/localhost and a client certificate, all
/// generated for this test run.
fn make_certs(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kintone-sandbox-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("ca.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("client.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    let ec = [
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
    ];
    for k in ["ca.key", "server.key", "client.key"] {
        let mut a = ec.to_vec();
        a.push(k);
        openssl(&dir, &a);
    }
    openssl(
        &dir,
        &[
            "req",
            "-new",
            "-key",
            "ca.key",
            "-subj",
            "/CN=sandbox test CA",
            "-out",
            "ca.csr",
        ],
    );
    openssl(
        &dir,
        &[
            "x509", "-req", "-in", "ca.csr", "-signkey", "ca.key", "-days", "2", "-extfile",
            "ca.ext", "-out", "ca.pem",
        ],
    );
    for (n, cn) in [("server", "localhost"), ("client", "sandbox-client")] {
        let subj = format!("/CN={cn}");
        openssl(
            &dir,
            &[
                "req",
                "-new",
                "-key",
                &format!("{n}.key"),
                "-subj",
                &subj,
                "-out",
                &format!("{n}.csr"),
            ],
        );
        openssl(
            &dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{n}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &format!("{n}.ext"),
                "-out",
                &format!("{n}.pem"),
            ],
        );
    }
    dir
}

fn tls_client(dir: &Path, identity: bool) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(dir.join("ca.pem")).unwrap()).unwrap();
    let mut b = reqwest::Client::builder()
        .no_proxy()
        .use_rustls_tls()
        .add_root_certificate(ca);
    if identity {
        let mut pem = std::fs::read(dir.join("client.pem")).unwrap();
        pem.extend(std::fs::read(dir.join("client.key")).unwrap());
        b = b.identity(reqwest::Identity::from_pem(&pem).unwrap());
    }
    b.build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_and_without_client_certificates() {
    let dir = make_certs("tls");
    let mut opts = Options::with_domain(domain());
    opts.tls = Some(TlsOptions {
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
        client_ca: None,
    });
    let sb = serve(opts.clone()).await;
    assert!(sb.base_url().starts_with("https://127.0.0.1:"));
    let url = format!("{}/k/v1/space.json?id=1", sb.base_url());
    let r = tls_client(&dir, false)
        .get(&url)
        .header("X-Cybozu-Authorization", pw("alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let log: Value = tls_client(&dir, false)
        .get(format!("{}/sandbox/requests", sb.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["requests"][0]["client_cert"], false);
    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = url.replace("https://", "http://");
    let plain_ok = client()
        .get(&plain)
        .send()
        .await
        .is_ok_and(|r| r.status() == 200);
    assert!(!plain_ok);
    drop(sb);

    // With --client-ca: no certificate, no handshake.
    opts.tls.as_mut().unwrap().client_ca = Some(dir.join("ca.pem"));
    let sb = serve(opts).await;
    let url = format!("{}/k/v1/space.json?id=1", sb.base_url());
    assert!(tls_client(&dir, false)
        .get(&url)
        .header("X-Cybozu-Authorization", pw("alice"))
        .send()
        .await
        .is_err());
    let c = tls_client(&dir, true);
    let r = c
        .get(&url)
        .header("X-Cybozu-Authorization", pw("alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let log: Value = c
        .get(format!("{}/sandbox/requests", sb.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reqs = log["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0]["client_cert"], true);
    assert_eq!(reqs[0]["status"], 200);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_errors_name_the_flag() {
    let mut opts = Options::with_domain(domain());
    opts.tls = Some(TlsOptions {
        cert: "/nonexistent/cert.pem".into(),
        key: "/nonexistent/key.pem".into(),
        client_ca: None,
    });
    let err = start(opts).await.err().expect("fails");
    assert!(err.to_string().contains("--tls-cert"), "{err}");
    let opts = Options {
        domain: kintone_sandbox::DomainSource::File("/nonexistent/data.json".into()),
        ..Options::default()
    };
    let err = start(opts).await.err().expect("fails");
    assert!(err.to_string().contains("--data"), "{err}");
    let sb = serve_default().await;
    let opts = Options {
        listen: sb.addr(),
        ..Options::with_domain(domain())
    };
    let err = start(opts).await.err().expect("port in use");
    assert!(err.to_string().contains("--listen"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_silent_trickle_and_end_cursor_faults() {
    let sb = serve(Options {
        large_records: 30,
        ..Options::default()
    })
    .await;
    let base = sb.base_url().to_string();
    let demo = b64("demo:demo");
    let c = client();
    let events = kintone_sandbox::demo::EVENTS_APP;
    let records = format!("{base}/k/v1/records.json?app={events}");

    // redirect: status and Location, the API does not run.
    add_fault(
        &base,
        json!({"api": "records", "count": 1, "action": "redirect", "status": 307,
               "location": "http://127.0.0.1:9/elsewhere"}),
    )
    .await;
    let r = c
        .get(&records)
        .header("X-Cybozu-Authorization", &demo)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 307);
    assert_eq!(r.headers()["location"], "http://127.0.0.1:9/elsewhere");
    let log = last_log(&sb).await;
    assert_eq!(log["status"], 307);
    assert_eq!(log["user"], Value::Null, "the API did not run");

    // silent: no answer; the connection closes after duration_ms.
    add_fault(
        &base,
        json!({"api": "records", "count": 1, "action": "silent", "duration_ms": 400}),
    )
    .await;
    let started = std::time::Instant::now();
    let r = client()
        .get(&records)
        .header("X-Cybozu-Authorization", &demo)
        .send()
        .await;
    assert!(r.is_err(), "no answer");
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_millis(350)
            && waited < std::time::Duration::from_secs(5),
        "{waited:?}"
    );
    assert_eq!(last_log(&sb).await["dropped"], true);

    // trickle: the real answer, slowly.
    let plain = c
        .get(format!("{records}&query=limit%202"))
        .header("X-Cybozu-Authorization", &demo)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    add_fault(
        &base,
        json!({"api": "records", "count": 1, "action": "trickle", "interval_ms": 1}),
    )
    .await;
    let started = std::time::Instant::now();
    let slow = c
        .get(format!("{records}&query=limit%202"))
        .header("X-Cybozu-Authorization", &demo)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(slow, plain);
    assert!(started.elapsed() >= std::time::Duration::from_millis(plain.len() as u64));
    assert_eq!(last_log(&sb).await["status"], 200);

    // end_cursor: a page of records, then next:false and the cursor is gone.
    let (s, v) = json_of(
        c.post(format!("{base}/k/v1/records/cursor.json"))
            .header("X-Cybozu-Authorization", &demo)
            .json(&json!({"app": events, "size": 10}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["totalCount"], "30");
    add_fault(
        &base,
        json!({"api": "records/cursor", "method": "GET", "count": 1, "action": "end_cursor"}),
    )
    .await;
    let (s, v) = json_of(
        c.get(format!("{base}/k/v1/records/cursor.json?id={id}"))
            .header("X-Cybozu-Authorization", &demo)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["records"].as_array().unwrap().len(), 10);
    assert_eq!(v["next"], false);
    let cursors: Value = c
        .get(format!("{base}/sandbox/cursors"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cursors["cursors"], json!([]));

    for bad in [
        json!({"count": 1, "action": "redirect"}),
        json!({"count": 1, "action": "redirect", "location": "http://x", "status": 200}),
        json!({"count": 1, "action": "drop", "location": "http://x"}),
        json!({"count": 1, "action": "trickle", "interval_ms": 0}),
        json!({"count": 1, "action": "silent", "duration_ms": 700000}),
    ] {
        let r = c
            .post(format!("{base}/sandbox/faults"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
}
