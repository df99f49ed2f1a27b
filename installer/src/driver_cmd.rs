//! `driver ...` and `dsn ...`: the ini files of each driver manager.

use std::path::PathBuf;

use kintone_license::Scope;

use crate::locations::{Dm, Layout};
use crate::register::{self, NewDsn, Unregistered};
use crate::{DriverCmd, DsnCmd, Target};

struct Resolved {
    layout: Layout,
    scope: Scope,
    dms: Vec<Dm>,
}

fn resolve(t: &Target) -> Result<Resolved, String> {
    let layout = Layout::new(t.target_os, t.root.clone());
    let scope = if t.user {
        Scope::User
    } else if t.system {
        Scope::System
    } else {
        Scope::for_current_user()
    };
    let dms = layout.managers(t.dm);
    if dms.is_empty() {
        return Err(
            "no driver manager found: install unixODBC or iODBC, or name one with --dm".into(),
        );
    }
    Ok(Resolved { layout, scope, dms })
}

/// Each odbcinst.ini once, with whether only iODBC reads it: `[ODBC Drivers]` goes there
/// (unixODBC would list that section as a driver named "ODBC Drivers").
fn odbcinst_files(r: &Resolved) -> Result<Vec<(PathBuf, Vec<Dm>)>, String> {
    let mut out: Vec<(PathBuf, Vec<Dm>)> = Vec::new();
    for dm in &r.dms {
        let f = r.layout.files(*dm, r.scope)?.odbcinst;
        match out.iter_mut().find(|(p, _)| *p == f) {
            Some((_, dms)) => dms.push(*dm),
            None => out.push((f, vec![*dm])),
        }
    }
    Ok(out)
}

fn odbc_files(r: &Resolved, scopes: &[Scope]) -> Result<Vec<PathBuf>, String> {
    let mut out: Vec<PathBuf> = Vec::new();
    for scope in scopes {
        for dm in &r.dms {
            let f = r.layout.files(*dm, *scope)?.odbc;
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

fn labels(dms: &[Dm]) -> String {
    dms.iter()
        .map(|d| d.label())
        .collect::<Vec<_>>()
        .join(" and ")
}

pub fn driver(cmd: DriverCmd) -> Result<(), String> {
    match cmd {
        DriverCmd::Install {
            library,
            name,
            target,
        } => {
            let r = resolve(&target)?;
            // Absolute but not canonical: a versioned .so symlink stays a symlink.
            let library = if library.is_absolute() {
                library
            } else {
                std::env::current_dir()
                    .map_err(|e| format!("cannot read the current directory: {e}"))?
                    .join(library)
            };
            if !library.is_file() {
                return Err(format!(
                    "driver library {} is not a file (build it with: cargo build --release --workspace)",
                    library.display()
                ));
            }
            for (file, dms) in odbcinst_files(&r)? {
                let iodbc_only = !dms.contains(&Dm::UnixOdbc);
                let n = register::install_driver(&file, &name, &library, iodbc_only)?;
                println!(
                    "registered driver '{name}' in {} for {} (UsageCount {n})",
                    file.display(),
                    labels(&dms)
                );
            }
            Ok(())
        }
        DriverCmd::Uninstall { name, all, target } => {
            let r = resolve(&target)?;
            for (file, dms) in odbcinst_files(&r)? {
                match register::uninstall_driver(&file, &name, all)? {
                    Unregistered::NotRegistered => println!(
                        "driver '{name}' is not registered in {}",
                        file.display()
                    ),
                    Unregistered::Decremented(n) => println!(
                        "driver '{name}' stays in {} for {}: UsageCount is now {n} (other installations use it)",
                        file.display(),
                        labels(&dms)
                    ),
                    Unregistered::Removed => println!(
                        "removed driver '{name}' from {} ({})",
                        file.display(),
                        labels(&dms)
                    ),
                }
            }
            Ok(())
        }
        DriverCmd::Paths { target } => {
            let r = resolve(&target)?;
            for dm in &r.dms {
                let f = r.layout.files(*dm, r.scope)?;
                println!("{}\todbcinst\t{}", dm.label(), f.odbcinst.display());
                println!("{}\todbc\t{}", dm.label(), f.odbc.display());
            }
            Ok(())
        }
        DriverCmd::List { target } => {
            let r = resolve(&target)?;
            for (file, _) in odbcinst_files(&r)? {
                for (name, lib) in register::drivers(&file)? {
                    println!("{name}\t{lib}\t{}", file.display());
                }
            }
            Ok(())
        }
    }
}

/// `KEY=VALUE` arguments.
pub fn parse_assignments(args: &[String]) -> Result<Vec<(String, String)>, String> {
    args.iter()
        .map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| format!("'{a}' is not KEY=VALUE"))
        })
        .collect()
}

/// Files to search for a DSN, in the managers' order: the user's before the system's,
/// unless a scope was named.
fn dsn_search_files(t: &Target) -> Result<Vec<PathBuf>, String> {
    let r = resolve(t)?;
    let scopes: &[Scope] = if t.user {
        &[Scope::User]
    } else if t.system {
        &[Scope::System]
    } else {
        &[Scope::User, Scope::System]
    };
    odbc_files(&r, scopes)
}

/// The pairs of DSN `name`, and the file it came from.
pub fn dsn_pairs(name: &str, t: &Target) -> Result<(PathBuf, Vec<(String, String)>), String> {
    let files = dsn_search_files(t)?;
    register::find_dsn(&files, name)?.ok_or_else(|| {
        format!(
            "DSN '{name}' is not defined in {}",
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

pub fn dsn(cmd: DsnCmd) -> Result<(), String> {
    match cmd {
        DsnCmd::Add {
            name,
            properties,
            driver,
            description,
            replace,
            no_check,
            keyring,
            target,
        } => {
            let mut pairs = parse_assignments(&properties)?;
            if !no_check {
                let mut p = kintone_sql::properties::Properties::default();
                p.extend(pairs.iter().cloned())
                    .and_then(|()| p.require_known())
                    .map_err(|e| format!("DSN '{name}': {}", e.message))?;
            }
            let r = resolve(&target)?;
            let files = odbc_files(&r, &[r.scope])?;
            // An existing DSN without --replace is refused below: its keyring items stay.
            let exists = register::find_dsn(&files, &name)?.is_some();
            let mut stored: Vec<String> = Vec::new();
            if keyring && (replace || !exists) {
                store_secrets_in_keyring(&name, &mut pairs, &mut stored).inspect_err(|_| {
                    if !exists {
                        forget_keyring_items(&stored);
                    }
                })?;
            }
            for (i, file) in files.into_iter().enumerate() {
                let warning = register::add_dsn(
                    &file,
                    &NewDsn {
                        name: &name,
                        driver: &driver,
                        description: description.as_deref(),
                        pairs: &pairs,
                        replace,
                    },
                )
                .inspect_err(|_| {
                    // Nothing refers to the new items when no file was written.
                    if i == 0 && !exists {
                        forget_keyring_items(&stored);
                    }
                })?;
                println!(
                    "added DSN '{name}' (driver '{driver}') to {}",
                    file.display()
                );
                if let Some(w) = warning {
                    eprintln!("{w}");
                }
            }
            Ok(())
        }
        DsnCmd::Remove { name, target } => {
            let r = resolve(&target)?;
            let mut any = false;
            let mut references: Vec<String> = Vec::new();
            for file in odbc_files(&r, &[r.scope])? {
                if let Some((_, pairs)) = register::find_dsn(std::slice::from_ref(&file), &name)? {
                    for (k, v) in pairs {
                        if kintone_sql::properties::is_secret(&k)
                            && kintone_auth::keyring::is_reference(&v)
                            && !references.contains(&v)
                        {
                            references.push(v);
                        }
                    }
                }
                if register::remove_dsn(&file, &name)? {
                    any = true;
                    println!("removed DSN '{name}' from {}", file.display());
                }
            }
            if !any {
                return Err(format!("DSN '{name}' was not found"));
            }
            delete_keyring_items(&name, &references);
            Ok(())
        }
        DsnCmd::List { target } => {
            for file in dsn_search_files(&target)? {
                if !file.exists() {
                    continue;
                }
                for (name, driver) in register::dsns(&file)? {
                    println!("{name}\t{driver}\t{}", file.display());
                }
            }
            Ok(())
        }
        DsnCmd::Test { name, target } => {
            let (file, pairs) = dsn_pairs(&name, &target)?;
            crate::query::test_dsn(&name, &file, pairs)
        }
    }
}

/// `dsn add --keyring`: stores each secret of `pairs` as the keyring item
/// `<DSN>/<Property>` and replaces its value by the reference. Values that are references
/// already stay as they are.
fn store_secrets_in_keyring(
    dsn: &str,
    pairs: &mut [(String, String)],
    stored: &mut Vec<String>,
) -> Result<(), String> {
    use kintone_auth::keyring;
    for (k, v) in pairs.iter_mut() {
        let Some(prop) = kintone_sql::properties::lookup(k).filter(|p| p.secret) else {
            continue;
        };
        if keyring::is_reference(v) {
            continue;
        }
        let account = keyring::dsn_account(dsn, prop.name);
        keyring::save(&account, &kintone_api::Secret::new(v.as_str()))
            .map_err(|e| format!("DSN '{dsn}': {k} was not stored and the DSN not written: {e}"))?;
        println!(
            "stored {} of DSN '{dsn}' in {} (service '{}', account '{account}')",
            prop.name,
            keyring::KEYRING_NAME,
            keyring::SERVICE
        );
        *v = keyring::reference(&account);
        stored.push(account);
    }
    if stored.is_empty() {
        eprintln!("note: --keyring: DSN '{dsn}' has no secret property to store in the keyring");
    }
    Ok(())
}

/// Deletes items `dsn add --keyring` stored before it failed (best effort).
fn forget_keyring_items(accounts: &[String]) {
    for a in accounts {
        match kintone_auth::keyring::delete(a) {
            Ok(_) => eprintln!("deleted keyring item '{a}' again: the DSN was not written"),
            Err(e) => eprintln!("warning: keyring item '{a}' stays behind: {e}"),
        }
    }
}

/// `dsn remove`: deletes the keyring items the DSN referenced, best effort. Only the
/// DSN's own items (`<DSN>/...`, as `dsn add --keyring` names them) are deleted: a
/// reference to another account may be shared with other DSNs.
fn delete_keyring_items(dsn: &str, references: &[String]) {
    use kintone_auth::keyring;
    let own = format!("{}/", dsn.trim());
    for r in references {
        let Some(account) = keyring::account_of(r) else {
            continue;
        };
        if !account.starts_with(&own) {
            println!(
                "kept keyring item '{account}' (not stored for DSN '{dsn}'; other DSNs may use it)"
            );
            continue;
        }
        match keyring::delete(account) {
            Ok(true) => println!(
                "deleted keyring item '{account}' (service '{}') from {}",
                keyring::SERVICE,
                keyring::KEYRING_NAME
            ),
            Ok(false) => println!("keyring item '{account}' was already gone"),
            Err(e) => eprintln!("warning: keyring item '{account}' was not deleted: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_split_at_the_first_equals_sign() {
        assert_eq!(
            parse_assignments(&["Url=http://h/?a=b".into(), " User = me ".into()]).unwrap(),
            vec![
                ("Url".to_string(), "http://h/?a=b".to_string()),
                ("User".to_string(), "me".to_string())
            ]
        );
        assert_eq!(
            parse_assignments(&["Url".into()]).unwrap_err(),
            "'Url' is not KEY=VALUE"
        );
        assert_eq!(
            parse_assignments(&["=x".into()]).unwrap_err(),
            "'=x' is not KEY=VALUE"
        );
    }
}
