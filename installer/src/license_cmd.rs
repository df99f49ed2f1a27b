//! `license ...`: install a key or start the trial, show the state, make keys.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use chrono::NaiveDate;
use kintone_license::{key, trial, Activation, License, Paths, Scope};

use crate::LicenseCmd;

pub fn run(cmd: LicenseCmd) -> Result<(), String> {
    match cmd {
        LicenseCmd::Install {
            key,
            name,
            user,
            system,
        } => {
            let scope = if user {
                Scope::User
            } else if system {
                Scope::System
            } else {
                Scope::for_current_user()
            };
            let name = name
                .or_else(|| std::env::var("KINTONE_ODBC_LICENSEE_NAME").ok())
                .filter(|n| !n.trim().is_empty())
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "unknown".into());
            install(&Paths::from_env(), scope, key.as_deref(), &name)
        }
        LicenseCmd::Show => {
            show(&Paths::from_env());
            Ok(())
        }
        LicenseCmd::Issue {
            signing_key,
            licensee,
            edition,
            expires,
        } => {
            let text = std::fs::read_to_string(&signing_key)
                .map_err(|e| format!("cannot read {}: {e}", signing_key.display()))?;
            let seed = key::decode_signing_key(&text)
                .map_err(|e| format!("{}: {e}", signing_key.display()))?;
            let expires =
                match expires.trim() {
                    "never" => None,
                    d => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                        format!("--expires '{d}' is not a YYYY-MM-DD date or 'never'")
                    })?),
                };
            let k = key::issue(
                &License {
                    licensee,
                    edition,
                    expires,
                },
                &seed,
            )?;
            println!("{k}");
            Ok(())
        }
        LicenseCmd::Keygen { out } => keygen(&out),
    }
}

fn install(paths: &Paths, scope: Scope, key_text: Option<&str>, name: &str) -> Result<(), String> {
    let today = kintone_license::today();
    let where_ = match scope {
        Scope::System => "for all users of this machine",
        Scope::User => "for the current user",
    };
    match key_text {
        Some(k) => {
            let public = kintone_license::public_key()?;
            let (l, path) = kintone_license::install_key(paths, scope, k, name, &public, today)?;
            println!(
                "licence installed {where_} in {}: {} ({} edition), {}",
                path.display(),
                l.licensee,
                l.edition,
                match l.expires {
                    Some(d) => format!("valid through {d}"),
                    None => "no expiry".into(),
                }
            );
            Ok(())
        }
        None => match trial::activate(paths, scope, name, today)? {
            Activation::Started { marker, days_left } => {
                println!(
                    "30-day trial activated {where_} ({}): {days_left} days left",
                    marker.display()
                );
                Ok(())
            }
            Activation::AlreadyActive { started, days_left } => {
                println!(
                    "the trial was activated on {started} and is not extended: {days_left} days left (a trial is activated once per machine)"
                );
                Ok(())
            }
            Activation::Expired { started } => Err(format!(
                "the trial {} has expired and is activated once per machine: install a licence key with install-license.sh KEY",
                started.map(|d| format!("activated on {d}")).unwrap_or_else(|| "marker is damaged, so the trial".into())
            )),
        },
    }
}

fn show(paths: &Paths) {
    let status = kintone_license::status();
    println!("{status}");
    let files = [Scope::User, Scope::System]
        .into_iter()
        .flat_map(|s| [paths.license_file(s), paths.trial_file(s)])
        .flatten();
    for f in files {
        println!(
            "  {} {}",
            if f.exists() { "found  " } else { "missing" },
            f.display()
        );
    }
    let enforce = kintone_license::ENFORCE;
    println!(
        "this build {} connections without a valid licence or trial",
        if enforce { "refuses" } else { "allows" }
    );
    match kintone_license::connect_policy(&status, enforce) {
        Ok(None) => {}
        Ok(Some(m)) => println!("connecting reports: {m}"),
        Err(m) => println!("connecting is refused: {m}"),
    }
}

fn keygen(out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let (seed, public) =
        key::generate_keypair().map_err(|e| format!("cannot read random bytes: {e}"))?;
    let signing = out.join("signing.key");
    // create_new: never overwrite a signing key; 0600: it is the publisher's secret.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&signing)
        .map_err(|e| format!("cannot create {}: {e}", signing.display()))?;
    f.write_all(format!("{}\n", key::encode_signing_key(&seed)).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", signing.display()))?;
    let public_file = out.join("public.key");
    let public_line = key::encode_public_key(&public);
    std::fs::write(&public_file, format!("{public_line}\n"))
        .map_err(|e| format!("cannot write {}: {e}", public_file.display()))?;
    println!("signing key: {} (keep it secret)", signing.display());
    println!("public key:  {}", public_file.display());
    println!("{public_line}");
    Ok(())
}
