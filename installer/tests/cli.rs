//! The `kintone-odbc` command as users run it: private ini files, the sandbox's demo data.

use std::path::PathBuf;
use std::process::{Command, Output};

use kintone_sandbox::{start, Options, RunningSandbox};

struct Env {
    dir: PathBuf,
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Env {
    fn new(name: &str) -> Env {
        let dir = std::env::temp_dir().join(format!("kintone-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("home")).unwrap();
        std::fs::create_dir_all(dir.join("etc")).unwrap();
        Env { dir }
    }

    fn etc(&self, f: &str) -> PathBuf {
        self.dir.join("etc").join(f)
    }

    /// The command with unixODBC's files redirected here and nothing of the real HOME.
    fn cmd(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kintone-odbc"))
            .args(args)
            .env("HOME", self.dir.join("home"))
            .env("ODBCSYSINI", self.dir.join("etc"))
            .env("ODBCINSTINI", "odbcinst.ini")
            .env("ODBCINI", self.dir.join("home/.odbc.ini"))
            .env("KINTONE_ODBC_LICENSE_DIR", self.dir.join("lic"))
            .env("KINTONE_ODBC_TRIAL_DIR", self.dir.join("trial"))
            .env("KINTONE_ODBC_USER_DIR", self.dir.join("user"))
            .env_remove("KINTONE_ODBC_PUBLIC_KEY")
            .env_remove("KINTONE_ODBC_TODAY")
            .env_remove("KINTONE_ODBC_ROOT")
            .env_remove("KINTONE_ODBC_TARGET_OS")
            .output()
            .unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

async fn sandbox() -> RunningSandbox {
    start(Options {
        large_records: 50,
        ..Options::default()
    })
    .await
    .unwrap()
}

const UNIX_SYSTEM: &[&str] = &["--dm", "unixodbc", "--system"];

fn add_demo_dsn(env: &Env, sb: &RunningSandbox, password: &str) {
    let url = format!("Url={}", sb.base_url());
    let pw = format!("Password={password}");
    let mut args = vec!["dsn", "add", "demo", url.as_str(), "User=demo", pw.as_str()];
    args.extend(UNIX_SYSTEM);
    let o = env.cmd(&args);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn dsn_test_lists_the_apps_the_dsn_sees() {
    let sb = sandbox().await;
    let env = Env::new("dsntest");
    add_demo_dsn(&env, &sb, "demo");
    let args = [&["dsn", "test", "demo"][..], UNIX_SYSTEM].concat();
    let o = tokio::task::spawn_blocking(move || env.cmd(&args))
        .await
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("): connected to {}; ", sb.base_url())),
        "{out}"
    );
    for line in [
        "  app    1  Customers\n",
        "  app    2  Orders\n",
        "  app    2  Orders_Line items  (subtable",
        "  app    4  Events\n",
    ] {
        assert!(out.contains(line), "{line:?} missing from {out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn query_prints_a_table_and_explain_prints_the_plan() {
    let sb = sandbox().await;
    let env = Env::new("query");
    add_demo_dsn(&env, &sb, "demo");
    let env = std::sync::Arc::new(env);
    let e = env.clone();
    let o = tokio::task::spawn_blocking(move || {
        e.cmd(&[
            "query",
            "--dsn",
            "demo",
            "--dm",
            "unixodbc",
            "--system",
            "SELECT COUNT(*) AS n FROM Events",
        ])
    })
    .await
    .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "+----+\n| n  |\n+----+\n| 50 |\n+----+\n1 row(s)\n"
    );
    let e = env.clone();
    let o = tokio::task::spawn_blocking(move || {
        e.cmd(&[
            "query",
            "--dsn",
            "demo",
            "--explain",
            "--dm",
            "unixodbc",
            "--system",
            r#"SELECT "$id" FROM Events WHERE "Sequence" > 10"#,
        ])
    })
    .await
    .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("plan_type"), "{out}");
    assert!(out.contains("physical_plan"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_errors_mask_secrets() {
    let sb = sandbox().await;
    let env = Env::new("secret");
    add_demo_dsn(&env, &sb, "Wrong-Secret-42");
    let args = [&["dsn", "test", "demo"][..], UNIX_SYSTEM].concat();
    let o = tokio::task::spawn_blocking(move || env.cmd(&args))
        .await
        .unwrap();
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.starts_with("kintone-odbc: cannot connect ("), "{err}");
    assert!(err.contains("Password=****"), "{err}");
    assert!(!err.contains("Wrong-Secret-42"), "{err}");
}

#[test]
fn dsn_errors_name_the_file_line_and_key() {
    let env = Env::new("errors");
    let ini = env.etc("odbc.ini");
    // An unknown key in a DSN is ignored with a warning (as the driver does: 01S00);
    // the DSN then fails for what it lacks.
    std::fs::write(&ini, "[bad]\nDriver = Kintone ODBC Driver\nColour = red\n").unwrap();
    let args = [&["query", "--dsn", "bad", "SELECT 1"][..], UNIX_SYSTEM].concat();
    let o = env.cmd(&args);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.starts_with(
            "warning: ignored connection property this driver does not know: 'Colour'\n"
        ) && err.contains("missing connection property 'Url'"),
        "{err}"
    );
    std::fs::write(&ini, "[bad]\nDriver = K\nnonsense\n").unwrap();
    let o = env.cmd(&args);
    assert_eq!(
        stderr(&o),
        format!(
            "kintone-odbc: {} line 3: expected '[section]', 'key = value' or a comment, found 'nonsense'\n",
            ini.display()
        )
    );
    let o = env.cmd(&[&["dsn", "add", "x", "Colour=red"][..], UNIX_SYSTEM].concat());
    assert!(stderr(&o).starts_with("kintone-odbc: DSN 'x': unknown connection property 'Colour'"));
    std::fs::write(&ini, "[other]\nDriver = K\n").unwrap();
    let o = env.cmd(&[&["query", "--dsn", "missing", "SELECT 1"][..], UNIX_SYSTEM].concat());
    assert_eq!(
        stderr(&o),
        format!(
            "kintone-odbc: DSN 'missing' is not defined in {}\n",
            ini.display()
        )
    );
}

#[test]
fn macos_layout_under_a_root() {
    let env = Env::new("macos");
    let root = env.dir.join("root");
    let lib = env.dir.join("libkintoneodbc.dylib");
    std::fs::write(&lib, b"stand-in").unwrap();
    let r = root.display().to_string();
    let l = lib.display().to_string();
    let target = ["--target-os", "macos", "--root", r.as_str(), "--system"];
    let o = env.cmd(&[&["driver", "install", "--library", l.as_str()][..], &target].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let inst = root.join("Library/ODBC/odbcinst.ini");
    assert_eq!(
        stdout(&o),
        format!(
            "registered driver 'Kintone ODBC Driver' in {} for iODBC (UsageCount 1)\n",
            inst.display()
        )
    );
    let text = std::fs::read_to_string(&inst).unwrap();
    assert!(text.starts_with(&format!(
        "[Kintone ODBC Driver]\nDescription = ODBC driver for Kintone (kintone-odbc {})\nDriver = {l}\nUsageCount = 1\n",
        env!("CARGO_PKG_VERSION")
    )), "{text}");
    assert!(
        text.ends_with("\n\n[ODBC Drivers]\nKintone ODBC Driver = Installed\n"),
        "{text}"
    );
    let o = env.cmd(&[&["driver", "uninstall"][..], &target].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&inst).unwrap(), "");
}

#[test]
fn licence_keygen_issue_install_show() {
    let env = Env::new("licence");
    let keys = env.dir.join("keys");
    let k = keys.display().to_string();
    let o = env.cmd(&["license", "keygen", "--out", &k]);
    assert!(o.status.success(), "{}", stderr(&o));
    let public = std::fs::read_to_string(keys.join("public.key")).unwrap();
    assert!(public.starts_with("KODBC-PUBLIC-KEY-1 "));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(keys.join("signing.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // A second keygen never overwrites the signing key.
    assert!(!env
        .cmd(&["license", "keygen", "--out", &k])
        .status
        .success());
    let sk = keys.join("signing.key").display().to_string();
    let o = env.cmd(&[
        "license",
        "issue",
        "--signing-key",
        &sk,
        "--licensee",
        "ACME",
        "--edition",
        "Pro",
        "--expires",
        "2099-01-31",
    ]);
    let key = stdout(&o).trim().to_string();
    assert!(key.starts_with("KODBC1."), "{key}");
    // Without the matching public key (the built-in one), the key is refused.
    let o = env.cmd(&["license", "install", &key, "--name", "T", "--system"]);
    assert_eq!(
        stderr(&o),
        "kintone-odbc: the licence key's signature does not match: the key was altered or was not issued for this product\n"
    );
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kintone-odbc"))
            .args(args)
            .env("KINTONE_ODBC_LICENSE_DIR", env.dir.join("lic"))
            .env("KINTONE_ODBC_TRIAL_DIR", env.dir.join("trial"))
            .env("KINTONE_ODBC_USER_DIR", env.dir.join("user"))
            .env("KINTONE_ODBC_PUBLIC_KEY", public.trim())
            .env("KINTONE_ODBC_TODAY", "2026-06-01")
            .output()
            .unwrap()
    };
    let o = run(&["license", "install", &key, "--name", "T", "--user"]);
    assert_eq!(
        stdout(&o),
        format!(
            "licence installed for the current user in {}: ACME (Pro edition), valid through 2099-01-31\n",
            env.dir.join("user/license").display()
        )
    );
    let show = stdout(&run(&["license", "show"]));
    assert!(
        show.starts_with("licensed to ACME (Pro edition), valid through 2099-01-31\n"),
        "{show}"
    );
    assert!(
        show.contains("this build allows connections without a valid licence or trial"),
        "{show}"
    );
}

#[test]
fn help_lists_the_commands() {
    let o = Command::new(env!("CARGO_BIN_EXE_kintone-odbc"))
        .arg("--help")
        .output()
        .unwrap();
    let out = stdout(&o);
    for c in ["driver", "dsn", "license", "query"] {
        assert!(out.contains(c), "{out}");
    }
}

/// `dsn add --help` lists every property the driver takes, with its meaning and default,
/// from the same list as `sys_connection_props` and the README.
#[test]
fn dsn_add_help_lists_every_property() {
    let o = Command::new(env!("CARGO_BIN_EXE_kintone-odbc"))
        .args(["dsn", "add", "--help"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for p in kintone_sql::property_list::PROPERTIES {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{} ", p.name)) || l.trim() == p.name)
            .unwrap_or_else(|| panic!("{} missing from dsn add --help:\n{out}", p.name));
        if !p.default.is_empty() {
            assert!(line.contains(p.default), "{line}");
        }
        assert_eq!(line.contains("(secret)"), p.secret, "{line}");
    }
    assert!(
        out.contains(
            "the apps (names or ids, comma-separated) whose subtables become child tables"
        ),
        "{out}"
    );
}
