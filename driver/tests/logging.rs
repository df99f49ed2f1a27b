//! The connection's log through the ODBC API against the sandbox: what each
//! `Verbosity` shows and hides, `LogModules`, rotation by `MaxLogFileSize` /
//! `MaxLogFileCount`, and that no secret of any auth scheme reaches it at level 5.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use kintone_sandbox::demo;
use kintoneodbc::exports::*;
use kintoneodbc::sys::*;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kodbc-logging-{name}-{}", std::process::id()));
    if std::env::var_os("KEEP_LOGS").is_none() {
        let _ = std::fs::remove_dir_all(&d);
    }
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Connects with `extra`, runs a query and a catalog function, disconnects: the
/// events of every kind the levels are about.
fn session(e: &Env, extra: &str) {
    let (c, rc, _) = connect(&e.sb, extra);
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_DBC, c.dbc));
    assert_eq!(query(&c, "SELECT * FROM Customers").len(), 30);
    let s = stmt(&c);
    assert_eq!(
        unsafe {
            SQLTables(
                s,
                std::ptr::null_mut(),
                0,
                std::ptr::null_mut(),
                0,
                std::ptr::null_mut(),
                0,
                std::ptr::null_mut(),
                0,
            )
        },
        SQL_SUCCESS
    );
    assert!(!rows(s).is_empty());
    unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// What each level adds, as a text that only its events contain.
const BY_LEVEL: [(u8, &str); 12] = [
    (1, "connecting: "),
    (1, "] EXEC stmt{"),
    (1, "prepare: SELECT * FROM Customers"),
    (1, "result read to its end rows=30"),
    (2, "catalog function"),
    (2, "kintone query api=records"),
    (3, " request method=GET url=http://127.0.0.1"),
    (3, " answer status=200 bytes="),
    (4, "request headers headers="),
    (4, "answer body body={"),
    (5, "] SSL TLS configured"),
    (5, "] TCP "),
];

#[test]
fn each_verbosity_shows_its_events_and_no_more() {
    let e = sandbox();
    let d = dir("levels");
    for level in 1..=5u8 {
        let log = d.join(format!("v{level}.log"));
        session(&e, &format!(";Logfile={};Verbosity={level}", log.display()));
        let text = read(&log);
        for (at, needle) in BY_LEVEL {
            assert_eq!(
                text.contains(needle),
                at <= level,
                "Verbosity={level}: '{needle}' (level {at}) {} in:\n{text}",
                if at <= level { "missing" } else { "present" }
            );
        }
        // Each line says the lowest level that shows it, never above the file's own.
        for line in text.lines() {
            let shown: u8 = line
                .split_once(" [")
                .and_then(|(_, r)| r.get(..1))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no level in '{line}'"));
            assert!(shown <= level, "Verbosity={level}: {line}");
        }
    }
    if std::env::var_os("KEEP_LOGS").is_none() {
        let _ = std::fs::remove_dir_all(&d);
    }
}

#[test]
fn log_modules_keep_only_the_modules_named() {
    let e = sandbox();
    let d = dir("modules");
    let log = d.join("http.log");
    session(
        &e,
        &format!(";Logfile={};Verbosity=4;LogModules={{HTTP}}", log.display()),
    );
    let text = read(&log);
    assert!(text.contains("answer status=200"), "{text}");
    for line in text.lines() {
        assert!(line.contains("] HTTP "), "not an HTTP line: {line}");
    }
    let log = d.join("exec-meta.log");
    session(
        &e,
        &format!(
            ";Logfile={};Verbosity=4;LogModules={{exec;META}}",
            log.display()
        ),
    );
    let text = read(&log);
    assert!(text.contains("prepare: SELECT") && text.contains("catalog function"));
    for line in text.lines() {
        assert!(
            line.contains("] EXEC ") || line.contains("] META "),
            "{line}"
        );
    }
    if std::env::var_os("KEEP_LOGS").is_none() {
        let _ = std::fs::remove_dir_all(&d);
    }
}

#[test]
fn rotation_keeps_at_most_the_count_each_under_the_size() {
    let e = sandbox();
    let d = dir("rotation");
    let log = d.join("kintone.log");
    let (c, rc, _) = connect(
        &e.sb,
        &format!(
            ";Logfile={};Verbosity=4;MaxLogFileSize=100KB;MaxLogFileCount=3",
            log.display()
        ),
    );
    assert_eq!(rc, SQL_SUCCESS);
    let rotated_twice = |d: &Path| d.join("kintone.log.2").exists();
    // Each query logs its pages' bodies (2 KB each, cut): about 3 rotations' worth
    // within the bound.
    let mut n = 0;
    while n < 400 && !(rotated_twice(&d) && n >= 150) {
        assert_eq!(query(&c, "SELECT * FROM Customers").len(), 30);
        n += 1;
    }
    drop(c);
    let mut names: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["kintone.log", "kintone.log.1", "kintone.log.2"]);
    for name in &names {
        let len = std::fs::metadata(d.join(name)).unwrap().len();
        assert!(len <= 100 * 1024, "{name}: {len} bytes");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    // The rotated files are full, and the newest lines are in the current file.
    assert!(std::fs::metadata(d.join("kintone.log.1")).unwrap().len() > 90 * 1024);
    assert!(read(&log).contains("disconnected"));
    if std::env::var_os("KEEP_LOGS").is_none() {
        let _ = std::fs::remove_dir_all(&d);
    }
}

/// The user's part of the OAuth flow: signs in and consents (the form the browser
/// posts) and returns the code of the redirect.
fn consent(e: &Env, url: &str) -> String {
    e._rt.block_on(async {
        let u = reqwest::Url::parse(url).unwrap();
        let mut form: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        for (k, v) in [
            ("login", "demo"),
            ("password", "demo"),
            ("consent", "allow"),
        ] {
            form.push((k.into(), v.into()));
        }
        let mut post = u.clone();
        post.set_query(None);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let res = http.post(post).form(&form).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 302);
        let location = reqwest::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
        location
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .expect("a code")
    })
}

fn one_row(c: &Conn, sql: &str) -> Vec<String> {
    let r = query(c, sql);
    r[0].iter().map(|v| v.clone().unwrap_or_default()).collect()
}

#[test]
fn no_secret_of_any_scheme_reaches_the_log_at_level_5() {
    let e = sandbox();
    let d = dir("secrets");
    let log = d.join("all.log");
    let logged = format!(";Logfile={};Verbosity=5", log.display());
    let url = e.sb.base_url();
    let open = |cs: String| {
        let (env, dbc) = alloc_dbc();
        let c = Conn { env, dbc };
        let (rc, _) = driver_connect(c.dbc, &format!("{cs}{logged}"));
        assert_eq!(rc, SQL_SUCCESS, "{cs}: {:?}", diag(SQL_HANDLE_DBC, c.dbc));
        c
    };
    // Password auth, two users.
    for user in ["demo", "alice"] {
        let c = open(format!("Driver=kintone;Url={url};UID={user};PWD={user}"));
        query(&c, "SELECT * FROM Customers");
    }
    // A multipart upload, whose streamed body is not logged but its request line is.
    let c = open(format!("Driver=kintone;Url={url};UID=demo;PWD=demo"));
    query(
        &c,
        "EXEC UploadFile FileData = 'aGVsbG8=', FileName = 'notes.txt'",
    );
    drop(c);
    // An API token.
    let token = "EventsViewOnly00000000000000000000000000";
    let c = open(format!(
        "Driver=kintone;Url={url};AuthScheme=APIToken;APIToken={token};AppId=4"
    ));
    query(&c, "SELECT COUNT(*) FROM Events");
    drop(c);
    // OAuth: authorization URL, consent, code exchange, refresh, then queries with the
    // access token.
    let c = open(format!(
        "Driver=kintone;Url={url};AuthScheme=OAuth;OAuthClientId={};OAuthClientSecret={};CallbackURL={}",
        demo::OAUTH_CLIENT_ID,
        demo::OAUTH_CLIENT_SECRET,
        demo::OAUTH_REDIRECT_URI
    ));
    let auth_url = one_row(
        &c,
        "EXEC GetOAuthAuthorizationURL AuthMode='WEB', State='s-1'",
    )[0]
    .clone();
    let code = consent(&e, &auth_url);
    let tokens = one_row(
        &c,
        &format!(
            "EXEC GetOAuthAccessToken AuthMode='WEB', Verifier='{code}', CallbackURL='{}'",
            demo::OAUTH_REDIRECT_URI
        ),
    );
    let (access, refresh) = (tokens[0].clone(), tokens[1].clone());
    let renewed = one_row(
        &c,
        &format!("EXEC RefreshOAuthAccessToken OAuthRefreshToken='{refresh}'"),
    )[0]
    .clone();
    drop(c);
    for t in [&access, &renewed] {
        let c = open(format!(
            "Driver=kintone;Url={url};AuthScheme=OAuth;OAuthAccessToken={t}"
        ));
        query(&c, "SELECT * FROM Customers");
    }

    let text = read(&log);
    // The run was logged in full: the token endpoint's exchanges with their bodies.
    assert!(
        text.contains("oauth_token{grant=\"authorization_code\"}"),
        "{text}"
    );
    assert!(
        text.contains("oauth_token{grant=\"refresh_token\"}"),
        "{text}"
    );
    assert!(text.contains("request body body=") && text.contains("answer body body="));
    assert!(
        text.lines().any(|l| l
            .contains("oauth_token{grant=\"authorization_code\"}: request headers")
            && l.contains("authorization: ***")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("method=POST") && l.contains("/k/v1/file.json")),
        "{text}"
    );
    assert!(text.contains("x-cybozu-authorization: ***"), "{text}");
    assert!(text.contains("x-cybozu-api-token: ***"), "{text}");
    assert!(text.contains("authorization: ***"), "{text}");
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut secrets = vec![
        b64("demo:demo"),
        b64("alice:alice"),
        token.to_string(),
        demo::OAUTH_CLIENT_SECRET.to_string(),
        b64(&format!(
            "{}:{}",
            demo::OAUTH_CLIENT_ID,
            demo::OAUTH_CLIENT_SECRET
        )),
        code.clone(),
        access.clone(),
        refresh.clone(),
        renewed.clone(),
    ];
    // base64 without its padding, as it might be cut in a line.
    secrets.extend(
        [b64("demo:demo"), b64("alice:alice")].map(|s| s.trim_end_matches('=').to_string()),
    );
    for s in &secrets {
        assert!(s.len() >= 8, "a secret too short to search for: {s}");
        assert!(
            !text.contains(s.as_str()),
            "secret '{s}' in the log:\n{text}"
        );
    }
    if std::env::var_os("KEEP_LOGS").is_none() {
        let _ = std::fs::remove_dir_all(&d);
    }
}

fn records_of_app(e: &Env, app: u64) -> usize {
    e.sb.state()
        .log()
        .entries
        .iter()
        .filter(|x| x.path.contains("/records.json"))
        .filter(|x| x.params["app"].to_string().trim_matches('"') == app.to_string())
        .count()
}

/// Two connections with their own files, used at once from two threads: each file
/// gets its own connection's events, including the pages a parallel scan fetches in
/// tasks on the runtime's workers.
#[test]
fn each_connection_logs_to_its_own_file_even_from_worker_tasks() {
    let e = sandbox();
    let d = dir("two");
    let (a, b) = (d.join("a.log"), d.join("b.log"));
    let (ca, rc, _) = connect(&e.sb, &format!(";Logfile={};Verbosity=3", a.display()));
    assert_eq!(rc, SQL_SUCCESS);
    let (cb, rc, _) = connect(&e.sb, &format!(";Logfile={};Verbosity=3", b.display()));
    assert_eq!(rc, SQL_SUCCESS);
    let before = records_of_app(&e, 4);
    // Handles are plain addresses to the C API: the threads borrow the connections
    // without owning (or dropping) them.
    let handles = |c: &Conn| (c.env as usize, c.dbc as usize);
    let borrowed = |(env, dbc): (usize, usize)| {
        std::mem::ManuallyDrop::new(Conn {
            env: env as Handle,
            dbc: dbc as Handle,
        })
    };
    let (ha, hb) = (handles(&ca), handles(&cb));
    std::thread::scope(|s| {
        s.spawn(move || {
            let c = borrowed(ha);
            assert_eq!(query(&c, "SELECT * FROM Events").len(), 3000);
        });
        s.spawn(move || {
            let c = borrowed(hb);
            for _ in 0..5 {
                assert_eq!(query(&c, "SELECT * FROM Customers").len(), 30);
            }
        });
    });
    let sent = records_of_app(&e, 4) - before;
    assert!(sent > 2, "a parallel read: {sent} requests");
    drop((ca, cb));
    let (ta, tb) = (read(&a), read(&b));
    let pages = |t: &str| {
        t.lines()
            .filter(|l| l.contains("api=records app=4}: answer status=200"))
            .count()
    };
    assert_eq!(pages(&ta), sent, "{ta}");
    assert_eq!(pages(&tb), 0, "{tb}");
    assert!(!ta.contains("FROM Customers"), "{ta}");
    assert!(!tb.contains("FROM Events"), "{tb}");
    assert_eq!(tb.matches("prepare: SELECT * FROM Customers").count(), 5);
    if std::env::var_os("KEEP_LOGS").is_none() {
        let _ = std::fs::remove_dir_all(&d);
    }
}
