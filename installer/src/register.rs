//! Driver sections in odbcinst.ini and DSN sections in odbc.ini.

use std::path::{Path, PathBuf};

use crate::ini::Ini;

pub const DEFAULT_DRIVER_NAME: &str = "Kintone ODBC Driver";
const ODBC_DRIVERS: &str = "ODBC Drivers";
const ODBC_DATA_SOURCES: &str = "ODBC Data Sources";

/// The keys a driver section carries besides `Driver`, `Description` and `UsageCount`
/// (Microsoft's driver specification subkeys, odbc-driver-notes.md §3). `APILevel` and
/// `DriverODBCVer` must equal what the driver answers in SQLGetInfo
/// (SQL_ODBC_INTERFACE_CONFORMANCE, SQL_DRIVER_ODBC_VER).
pub const DRIVER_KEYS: &[(&str, &str)] = &[
    ("APILevel", "1"),
    ("ConnectFunctions", "YYN"),
    ("DriverODBCVer", "03.80"),
    ("FileUsage", "0"),
    ("SQLLevel", "1"),
    // unixODBC: 0 = the driver is thread-safe, no serialisation by the manager.
    ("Threading", "0"),
    // iODBC ≥ 3.52.14: the driver's wide strings are UTF-16.
    ("DriverUnicodeType", "1"),
];

fn usage_count(ini: &Ini, name: &str) -> Result<Option<u32>, String> {
    if !ini.has_section(name) {
        return Ok(None);
    }
    match ini.get(name, "UsageCount") {
        // A section written by hand has no count: it stands for one installation.
        None | Some("") => Ok(Some(1)),
        Some(v) => v.parse::<u32>().map(Some).map_err(|_| {
            format!(
                "{}: [{name}] UsageCount = '{v}' is not a whole number",
                ini.path().display()
            )
        }),
    }
}

/// Adds or refreshes the driver section; returns the new UsageCount.
pub fn install_driver(
    file: &Path,
    name: &str,
    library: &Path,
    list_in_odbc_drivers: bool,
) -> Result<u32, String> {
    check_name("driver", name)?;
    let mut ini = Ini::load(file)?;
    let count = usage_count(&ini, name)?.map_or(1, |c| c.saturating_add(1));
    ini.set(
        name,
        "Description",
        &format!(
            "ODBC driver for Kintone (kintone-odbc {})",
            env!("CARGO_PKG_VERSION")
        ),
    );
    ini.set(name, "Driver", &library.display().to_string());
    ini.set(name, "UsageCount", &count.to_string());
    for (k, v) in DRIVER_KEYS {
        ini.set(name, k, v);
    }
    if list_in_odbc_drivers {
        ini.set(ODBC_DRIVERS, name, "Installed");
    }
    ini.save(0o644)?;
    Ok(count)
}

/// What uninstalling did in one file.
#[derive(Debug, PartialEq, Eq)]
pub enum Unregistered {
    NotRegistered,
    /// Other installations remain; the section stays with this count.
    Decremented(u32),
    Removed,
}

pub fn uninstall_driver(file: &Path, name: &str, all: bool) -> Result<Unregistered, String> {
    if !file.exists() {
        return Ok(Unregistered::NotRegistered);
    }
    let mut ini = Ini::load(file)?;
    let Some(count) = usage_count(&ini, name)? else {
        return Ok(Unregistered::NotRegistered);
    };
    let result = if all || count <= 1 {
        ini.remove_section(name);
        ini.remove_key(ODBC_DRIVERS, name);
        if ini.section_is_empty(ODBC_DRIVERS) {
            ini.remove_section(ODBC_DRIVERS);
        }
        Unregistered::Removed
    } else {
        ini.set(name, "UsageCount", &(count - 1).to_string());
        Unregistered::Decremented(count - 1)
    };
    ini.save(0o644)?;
    Ok(result)
}

/// Driver names registered in an odbcinst.ini (its sections, without the list section).
pub fn drivers(file: &Path) -> Result<Vec<(String, String)>, String> {
    let ini = Ini::load(file)?;
    Ok(ini
        .sections()
        .into_iter()
        .filter(|s| !s.eq_ignore_ascii_case(ODBC_DRIVERS) && !s.eq_ignore_ascii_case("ODBC"))
        .map(|s| {
            (
                s.to_string(),
                ini.get(s, "Driver").unwrap_or("").to_string(),
            )
        })
        .collect())
}

fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err(format!("the {what} name must not be empty"));
    }
    if name.trim() != name || name.contains(['[', ']', '=', ';', '{', '}', '\n', '\r']) {
        return Err(format!(
            "the {what} name '{name}' may not contain [ ] = ; {{ }}, line breaks or leading/trailing spaces"
        ));
    }
    if name.eq_ignore_ascii_case(ODBC_DRIVERS)
        || name.eq_ignore_ascii_case(ODBC_DATA_SOURCES)
        || name.eq_ignore_ascii_case("ODBC")
    {
        return Err(format!("'{name}' is reserved by the driver managers"));
    }
    Ok(())
}

/// A section's key/value pairs in file order.
pub type Pairs = Vec<(String, String)>;

pub struct NewDsn<'a> {
    pub name: &'a str,
    pub driver: &'a str,
    pub description: Option<&'a str>,
    pub pairs: &'a [(String, String)],
    pub replace: bool,
}

/// Writes a DSN section and its `[ODBC Data Sources]` entry (iODBC lists DSNs from it;
/// unixODBC ignores it). Returns a warning when a secret lands in a file others can read.
pub fn add_dsn(file: &Path, dsn: &NewDsn) -> Result<Option<String>, String> {
    use std::os::unix::fs::PermissionsExt;
    check_name("DSN", dsn.name)?;
    let mut ini = Ini::load(file)?;
    if ini.has_section(dsn.name) {
        if !dsn.replace {
            return Err(format!(
                "DSN '{}' already exists in {} (use --replace to overwrite it)",
                dsn.name,
                file.display()
            ));
        }
        ini.remove_section(dsn.name);
    }
    ini.set(ODBC_DATA_SOURCES, dsn.name, dsn.driver);
    ini.set(dsn.name, "Driver", dsn.driver);
    if let Some(d) = dsn.description {
        ini.set(dsn.name, "Description", d);
    }
    let mut secret = None;
    for (k, v) in dsn.pairs {
        if k.trim().is_empty() {
            return Err(format!("DSN '{}': a property has an empty key", dsn.name));
        }
        if v.contains(['\n', '\r']) {
            return Err(format!(
                "DSN '{}': the value of '{k}' contains a line break",
                dsn.name
            ));
        }
        if kintone_sql::properties::is_secret(k) && !kintone_auth::keyring::is_reference(v) {
            secret.get_or_insert(k.clone());
        }
        ini.set(dsn.name, k, v);
    }
    // A new file holding a secret is private; an existing file keeps its mode.
    ini.save(if secret.is_some() { 0o600 } else { 0o644 })?;
    let readable = std::fs::metadata(file)
        .map(|m| m.permissions().mode() & 0o044 != 0)
        .unwrap_or(false);
    Ok(match secret {
        Some(k) if readable => Some(format!(
            "warning: {} is readable by other users and now holds the {k} of DSN '{}' in plain text",
            file.display(),
            dsn.name
        )),
        _ => None,
    })
}

pub fn remove_dsn(file: &Path, name: &str) -> Result<bool, String> {
    if !file.exists() {
        return Ok(false);
    }
    let mut ini = Ini::load(file)?;
    let removed = ini.remove_section(name);
    let listed = ini.remove_key(ODBC_DATA_SOURCES, name);
    if ini.section_is_empty(ODBC_DATA_SOURCES) {
        ini.remove_section(ODBC_DATA_SOURCES);
    }
    if removed || listed {
        ini.save(0o644)?;
    }
    Ok(removed)
}

/// DSNs of one odbc.ini: (name, driver).
pub fn dsns(file: &Path) -> Result<Vec<(String, String)>, String> {
    let ini = Ini::load(file)?;
    Ok(ini
        .sections()
        .into_iter()
        .filter(|s| !s.eq_ignore_ascii_case(ODBC_DATA_SOURCES) && !s.eq_ignore_ascii_case("ODBC"))
        .map(|s| {
            (
                s.to_string(),
                ini.get(s, "Driver").unwrap_or("").to_string(),
            )
        })
        .collect())
}

/// The first of `files` defining DSN `name`, with its pairs.
pub fn find_dsn(files: &[PathBuf], name: &str) -> Result<Option<(PathBuf, Pairs)>, String> {
    for f in files {
        if !f.exists() {
            continue;
        }
        let ini = Ini::load(f)?;
        if ini.has_section(name) {
            return Ok(Some((f.clone(), ini.pairs(name))));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("kintone-register-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn install_twice_counts_and_uninstall_restores_the_file() {
        let d = tmp("count");
        let f = d.join("odbcinst.ini");
        let original = "# managed by hand\n[PostgreSQL]\nDriver = /usr/lib/psqlodbcw.so\n";
        std::fs::write(&f, original).unwrap();
        let lib = Path::new("/opt/kintone-odbc/lib/libkintoneodbc.so");
        assert_eq!(
            install_driver(&f, DEFAULT_DRIVER_NAME, lib, true).unwrap(),
            1
        );
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.starts_with(original));
        assert!(text.contains(
            "\n[Kintone ODBC Driver]\nDescription = ODBC driver for Kintone (kintone-odbc 0.1.0)\nDriver = /opt/kintone-odbc/lib/libkintoneodbc.so\nUsageCount = 1\nAPILevel = 1\nConnectFunctions = YYN\nDriverODBCVer = 03.80\nFileUsage = 0\nSQLLevel = 1\nThreading = 0\nDriverUnicodeType = 1\n"
        ), "{text}");
        assert!(text.contains("[ODBC Drivers]\nKintone ODBC Driver = Installed\n"));
        assert_eq!(
            install_driver(&f, DEFAULT_DRIVER_NAME, lib, true).unwrap(),
            2
        );
        assert_eq!(
            uninstall_driver(&f, DEFAULT_DRIVER_NAME, false).unwrap(),
            Unregistered::Decremented(1)
        );
        assert!(std::fs::read_to_string(&f)
            .unwrap()
            .contains("UsageCount = 1\n"));
        assert_eq!(
            uninstall_driver(&f, DEFAULT_DRIVER_NAME, false).unwrap(),
            Unregistered::Removed
        );
        assert_eq!(std::fs::read_to_string(&f).unwrap(), original);
        assert_eq!(
            uninstall_driver(&f, DEFAULT_DRIVER_NAME, false).unwrap(),
            Unregistered::NotRegistered
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn uninstall_all_removes_whatever_the_count() {
        let d = tmp("all");
        let f = d.join("odbcinst.ini");
        let lib = Path::new("/x.so");
        install_driver(&f, "K", lib, false).unwrap();
        install_driver(&f, "K", lib, false).unwrap();
        assert_eq!(
            uninstall_driver(&f, "K", true).unwrap(),
            Unregistered::Removed
        );
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn bad_usage_count_names_file_section_and_key() {
        let d = tmp("badcount");
        let f = d.join("odbcinst.ini");
        std::fs::write(&f, "[K]\nUsageCount = many\n").unwrap();
        assert_eq!(
            install_driver(&f, "K", Path::new("/x.so"), false).unwrap_err(),
            format!(
                "{}: [K] UsageCount = 'many' is not a whole number",
                f.display()
            )
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn dsn_add_list_find_remove() {
        let d = tmp("dsn");
        let f = d.join("odbc.ini");
        let pairs = vec![
            ("Url".to_string(), "https://example.cybozu.com".to_string()),
            ("User".to_string(), "demo".to_string()),
            ("Password".to_string(), "s3cret".to_string()),
        ];
        let dsn = NewDsn {
            name: "kintone",
            driver: DEFAULT_DRIVER_NAME,
            description: Some("demo"),
            pairs: &pairs,
            replace: false,
        };
        assert_eq!(add_dsn(&f, &dsn).unwrap(), None, "a new file is private");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "[ODBC Data Sources]\nkintone = Kintone ODBC Driver\n\n[kintone]\nDriver = Kintone ODBC Driver\nDescription = demo\nUrl = https://example.cybozu.com\nUser = demo\nPassword = s3cret\n"
        );
        assert_eq!(
            add_dsn(&f, &dsn).unwrap_err(),
            format!(
                "DSN 'kintone' already exists in {} (use --replace to overwrite it)",
                f.display()
            )
        );
        assert_eq!(
            dsns(&f).unwrap(),
            vec![("kintone".to_string(), DEFAULT_DRIVER_NAME.to_string())]
        );
        let (found, got) = find_dsn(&[d.join("none.ini"), f.clone()], "KINTONE")
            .unwrap()
            .unwrap();
        assert_eq!(found, f);
        assert_eq!(got.len(), 5);
        assert!(remove_dsn(&f, "kintone").unwrap());
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "");
        assert!(!remove_dsn(&f, "kintone").unwrap());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn secret_in_a_shared_file_warns() {
        let d = tmp("shared");
        let f = d.join("odbc.ini");
        std::fs::write(&f, "").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let pairs = vec![("APIToken".to_string(), "tok".to_string())];
        let w = add_dsn(
            &f,
            &NewDsn {
                name: "k",
                driver: "K",
                description: None,
                pairs: &pairs,
                replace: false,
            },
        )
        .unwrap();
        assert_eq!(
            w,
            Some(format!(
                "warning: {} is readable by other users and now holds the APIToken of DSN 'k' in plain text",
                f.display()
            ))
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn reserved_and_malformed_names_are_refused() {
        let f = Path::new("/nonexistent/odbc.ini");
        let dsn = |name| NewDsn {
            name,
            driver: "K",
            description: None,
            pairs: &[],
            replace: false,
        };
        assert_eq!(
            add_dsn(f, &dsn("ODBC Data Sources")).unwrap_err(),
            "'ODBC Data Sources' is reserved by the driver managers"
        );
        assert_eq!(
            add_dsn(f, &dsn("a]b")).unwrap_err(),
            "the DSN name 'a]b' may not contain [ ] = ; { }, line breaks or leading/trailing spaces"
        );
    }
}

#[cfg(test)]
mod name_tests {
    use super::DEFAULT_DRIVER_NAME;

    /// Every driver name a user copies (README examples, the quickstart's ini, the
    /// odbcinst template, install.sh's default) is the one the installer registers:
    /// another spelling fails with "Can't open lib".
    #[test]
    fn one_driver_name_everywhere() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut seen = 0;
        for file in [
            "README.md",
            "scripts/quickstart.sh",
            "odbcinst.ini.template",
            "scripts/install.sh",
        ] {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            for line in text.lines() {
                let l = line.trim();
                let name = if let Some(v) = l.strip_prefix("Driver") {
                    let v = v.trim_start();
                    match v.strip_prefix('=') {
                        // `Driver = /path/lib.so` and `Driver = $lib` are libraries.
                        Some(v) if !v.trim().starts_with(['/', '$', '.']) => v.trim(),
                        _ => continue,
                    }
                } else if let Some(at) = l.find("Driver={") {
                    let rest = &l[at + "Driver={".len()..];
                    &rest[..rest.find('}').unwrap()]
                } else if let Some(v) = l.strip_prefix("driver_name=\"") {
                    v.trim_end_matches('"')
                } else if l.starts_with("[Kintone") {
                    l.trim_matches(['[', ']'])
                } else {
                    continue;
                };
                assert_eq!(name, DEFAULT_DRIVER_NAME, "{file}: {line}");
                seen += 1;
            }
        }
        assert!(seen >= 6, "only {seen} driver names found");
    }
}
