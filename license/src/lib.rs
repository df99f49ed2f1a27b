//! Licensing of the Kintone ODBC driver: offline-verified keys and a 30-day trial.
//!
//! The driver calls [`status`] and [`connect_policy`]; the `kintone-odbc` command and
//! `install-license.sh` call [`install_key`] and [`trial::activate`]. Keys are described
//! in [`key`], file locations in [`paths`], the trial rules in [`trial`].
//!
//! Two test hooks exist only in builds without the `enforce` feature (source builds):
//! `KINTONE_ODBC_PUBLIC_KEY` (a `KODBC-PUBLIC-KEY-1 ...` line replacing the built-in
//! public key) and `KINTONE_ODBC_TODAY` (`YYYY-MM-DD`, the date used for expiry and the
//! trial). Release packages ignore both.

pub mod key;
pub mod paths;
pub mod trial;

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub use key::License;
pub use paths::{Paths, Scope};
pub use trial::{Activation, TrialState, TRIAL_DAYS};

/// The publisher's Ed25519 public key. Its signing key is kept outside the repository.
pub const BUILTIN_PUBLIC_KEY: &[u8; 32] = include_bytes!("public_key.bin");

/// Whether an expired trial or a missing licence refuses connections.
pub const ENFORCE: bool = cfg!(feature = "enforce");

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Licensed {
        licensee: String,
        edition: String,
        expires: Option<chrono::NaiveDate>,
    },
    Trial {
        days_left: i64,
    },
    TrialExpired,
    Unlicensed,
    Invalid {
        reason: String,
    },
}

impl std::fmt::Display for Status {
    /// The state in words, as `license show`, the driver's log and `sys_information`
    /// report it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Licensed {
                licensee,
                edition,
                expires,
            } => match expires {
                Some(d) => write!(
                    f,
                    "licensed to {licensee} ({edition} edition), valid through {d}"
                ),
                None => write!(f, "licensed to {licensee} ({edition} edition), no expiry"),
            },
            Status::Trial { days_left: 1 } => write!(f, "trial: 1 day left"),
            Status::Trial { days_left } => write!(f, "trial: {days_left} days left"),
            Status::TrialExpired => write!(f, "trial expired"),
            Status::Unlicensed => write!(f, "no licence installed and no trial activated"),
            Status::Invalid { reason } => write!(f, "invalid licence: {reason}"),
        }
    }
}

/// Reads the installed licence / trial state.
pub fn status() -> Status {
    let key = match public_key() {
        Ok(k) => k,
        Err(reason) => return Status::Invalid { reason },
    };
    status_with(&Paths::from_env(), &key, today())
}

/// What connecting does in this state: `Ok(None)` silent, `Ok(Some(msg))` connect with a
/// 01000 info diagnostic (trial: "trial: N days left"), `Err(msg)` refuse (only when
/// `enforce` is true: an expired trial or no licence).
pub fn connect_policy(status: &Status, enforce: bool) -> Result<Option<String>, String> {
    match status {
        Status::Licensed { .. } => Ok(None),
        Status::Trial { .. } => Ok(Some(status.to_string())),
        Status::TrialExpired if enforce => Err(
            "the 30-day trial has expired: install a licence key with install-license.sh KEY"
                .into(),
        ),
        Status::TrialExpired => Ok(Some(
            "the 30-day trial has expired (not enforced in this build)".into(),
        )),
        Status::Unlicensed if enforce => Err(
            "no licence is installed: run install-license.sh to activate the 30-day trial or install a key"
                .into(),
        ),
        // Source builds without any licence are the normal open-source case: silent.
        Status::Unlicensed => Ok(None),
        Status::Invalid { reason } if enforce => Err(format!(
            "invalid licence: {reason}: install a valid key with install-license.sh KEY"
        )),
        Status::Invalid { reason } => Ok(Some(format!(
            "invalid licence: {reason} (not enforced in this build)"
        ))),
    }
}

/// The state for explicit paths, key and date. A valid licence wins; then a licence file
/// that is present but unusable (so a broken or expired key is reported, not hidden
/// behind a trial); then the trial.
pub fn status_with(paths: &Paths, public_key: &[u8; 32], today: NaiveDate) -> Status {
    let mut invalid = None;
    for scope in [Scope::User, Scope::System] {
        let Some(path) = paths.license_file(scope) else {
            continue;
        };
        match read_license(&path, public_key, today) {
            Ok(None) => {}
            Ok(Some(l)) => {
                return Status::Licensed {
                    licensee: l.licensee,
                    edition: l.edition,
                    expires: l.expires,
                }
            }
            Err(reason) => {
                invalid.get_or_insert(reason);
            }
        }
    }
    if let Some(reason) = invalid {
        return Status::Invalid { reason };
    }
    match trial::state(paths, today) {
        TrialState::NotStarted => Status::Unlicensed,
        TrialState::Active { days_left, .. } => Status::Trial { days_left },
        TrialState::Expired { .. } => Status::TrialExpired,
    }
}

/// A licence file: `Ok(None)` when absent; errors name the file.
pub fn read_license(
    path: &Path,
    public_key: &[u8; 32],
    today: NaiveDate,
) -> Result<Option<License>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let key: String = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .collect();
    let l = key::verify(&key, public_key).map_err(|e| format!("{}: {e}", path.display()))?;
    if l.is_expired(today) {
        return Err(format!(
            "{}: the licence of {} expired on {}",
            path.display(),
            l.licensee,
            l.expires.map(|d| d.to_string()).unwrap_or_default()
        ));
    }
    Ok(Some(l))
}

/// Verifies `key_text` and writes it as the licence of `scope`. Nothing is written when
/// the key is bad or expired.
pub fn install_key(
    paths: &Paths,
    scope: Scope,
    key_text: &str,
    installed_by: &str,
    public_key: &[u8; 32],
    today: NaiveDate,
) -> Result<(License, PathBuf), String> {
    let l = key::verify(key_text, public_key)?;
    if l.is_expired(today) {
        return Err(format!(
            "the licence of {} expired on {}",
            l.licensee,
            l.expires.map(|d| d.to_string()).unwrap_or_default()
        ));
    }
    let path = paths.license_file(scope).ok_or_else(|| {
        "cannot tell where the per-user licence goes: HOME is not set (set KINTONE_ODBC_USER_DIR)"
            .to_string()
    })?;
    let dir = path
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", path.display()))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let by: String = installed_by.chars().filter(|c| !c.is_control()).collect();
    let compact: String = key_text.chars().filter(|c| !c.is_whitespace()).collect();
    let text = format!(
        "# Kintone ODBC driver licence for {} ({} edition), installed {} by {by}\n{compact}\n",
        l.licensee,
        l.edition,
        today.format("%Y-%m-%d")
    );
    // Written beside the target and renamed, so a reader never sees half a key.
    let tmp = dir.join(format!(".license.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
    })?;
    Ok((l, path))
}

/// The public key in force: the built-in one, or the test override in source builds.
pub fn public_key() -> Result<[u8; 32], String> {
    if !ENFORCE {
        if let Some(v) = std::env::var_os("KINTONE_ODBC_PUBLIC_KEY") {
            return key::decode_public_key(&v.to_string_lossy())
                .map_err(|e| format!("KINTONE_ODBC_PUBLIC_KEY: {e}"));
        }
    }
    Ok(*BUILTIN_PUBLIC_KEY)
}

/// Today's date (UTC), or the test override in source builds.
pub fn today() -> NaiveDate {
    if !ENFORCE {
        if let Some(d) = std::env::var("KINTONE_ODBC_TODAY")
            .ok()
            .and_then(|v| NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok())
        {
            return d;
        }
    }
    chrono::Utc::now().date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    struct Fixture {
        _dir: TempDir,
        paths: Paths,
        seed: [u8; 32],
        public: [u8; 32],
    }

    /// A private directory removed on drop (no tempfile dependency).
    struct TempDir(PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn fixture(name: &str) -> Fixture {
        let dir = std::env::temp_dir().join(format!(
            "kintone-license-{name}-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let (seed, public) = key::generate_keypair().unwrap();
        Fixture {
            paths: Paths::under(&dir),
            _dir: TempDir(dir),
            seed,
            public,
        }
    }

    fn issue(f: &Fixture, expires: Option<&str>) -> String {
        key::issue(
            &License {
                licensee: "Example K.K.".into(),
                edition: "Standard".into(),
                expires: expires.map(date),
            },
            &f.seed,
        )
        .unwrap()
    }

    #[test]
    fn builtin_public_key_is_a_valid_ed25519_key() {
        assert!(ed25519_dalek::VerifyingKey::from_bytes(BUILTIN_PUBLIC_KEY).is_ok());
    }

    #[test]
    fn nothing_installed_is_unlicensed() {
        let f = fixture("none");
        assert_eq!(
            status_with(&f.paths, &f.public, date("2026-01-01")),
            Status::Unlicensed
        );
    }

    #[test]
    fn installed_key_is_licensed_in_either_scope() {
        for scope in [Scope::System, Scope::User] {
            let f = fixture("key");
            let key = issue(&f, Some("2027-12-31"));
            let (l, path) = install_key(
                &f.paths,
                scope,
                &key,
                "Alice",
                &f.public,
                date("2026-01-01"),
            )
            .unwrap();
            assert_eq!(l.licensee, "Example K.K.");
            assert_eq!(Some(path), f.paths.license_file(scope));
            assert_eq!(
                status_with(&f.paths, &f.public, date("2026-01-01")),
                Status::Licensed {
                    licensee: "Example K.K.".into(),
                    edition: "Standard".into(),
                    expires: Some(date("2027-12-31")),
                }
            );
        }
    }

    #[test]
    fn bad_or_expired_key_writes_nothing() {
        let f = fixture("bad");
        let other = fixture("other");
        let foreign = issue(&other, None);
        assert_eq!(
            install_key(&f.paths, Scope::System, &foreign, "A", &f.public, date("2026-01-01"))
                .unwrap_err(),
            "the licence key's signature does not match: the key was altered or was not issued for this product"
        );
        let expired = issue(&f, Some("2025-12-31"));
        assert_eq!(
            install_key(
                &f.paths,
                Scope::System,
                &expired,
                "A",
                &f.public,
                date("2026-01-01")
            )
            .unwrap_err(),
            "the licence of Example K.K. expired on 2025-12-31"
        );
        assert!(!f.paths.system_license_dir.exists());
        assert_eq!(
            status_with(&f.paths, &f.public, date("2026-01-01")),
            Status::Unlicensed
        );
    }

    #[test]
    fn licence_that_expires_after_install_is_invalid_with_the_reason() {
        let f = fixture("expiring");
        let key = issue(&f, Some("2026-01-31"));
        install_key(
            &f.paths,
            Scope::System,
            &key,
            "A",
            &f.public,
            date("2026-01-01"),
        )
        .unwrap();
        let file = f.paths.license_file(Scope::System).unwrap();
        assert_eq!(
            status_with(&f.paths, &f.public, date("2026-02-01")),
            Status::Invalid {
                reason: format!(
                    "{}: the licence of Example K.K. expired on 2026-01-31",
                    file.display()
                )
            }
        );
    }

    #[test]
    fn tampered_licence_file_is_invalid() {
        let f = fixture("tampered");
        let key = issue(&f, Some("2026-01-31"));
        install_key(
            &f.paths,
            Scope::User,
            &key,
            "A",
            &f.public,
            date("2026-01-01"),
        )
        .unwrap();
        let file = f.paths.license_file(Scope::User).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        // Swap the payload for one claiming another expiry, keeping the signature.
        let line = text.lines().find(|l| l.starts_with("KODBC1.")).unwrap();
        let (_, rest) = line.split_once('.').unwrap();
        let (_, sig) = rest.split_once('.').unwrap();
        use base64::Engine;
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode("Example K.K.\nStandard\nnever");
        std::fs::write(&file, format!("KODBC1.{forged}.{sig}\n")).unwrap();
        match status_with(&f.paths, &f.public, date("2026-01-01")) {
            Status::Invalid { reason } => assert!(
                reason.ends_with("the licence key's signature does not match: the key was altered or was not issued for this product"),
                "{reason}"
            ),
            s => panic!("{s:?}"),
        }
    }

    #[test]
    fn trial_starts_with_30_days_and_counts_down() {
        let f = fixture("trial");
        let a = trial::activate(&f.paths, Scope::System, "Alice", date("2026-03-01")).unwrap();
        assert_eq!(
            a,
            Activation::Started {
                marker: f.paths.trial_file(Scope::System).unwrap(),
                days_left: 30
            }
        );
        let at = |d| status_with(&f.paths, &f.public, date(d));
        assert_eq!(at("2026-03-01"), Status::Trial { days_left: 30 });
        assert_eq!(at("2026-03-11"), Status::Trial { days_left: 20 });
        assert_eq!(at("2026-03-30"), Status::Trial { days_left: 1 });
        assert_eq!(at("2026-03-31"), Status::TrialExpired);
        // A clock set back never gives more than 30 days.
        assert_eq!(at("2026-01-01"), Status::Trial { days_left: 30 });
    }

    #[test]
    fn repeated_trial_does_not_extend_in_either_scope() {
        let f = fixture("again");
        trial::activate(&f.paths, Scope::System, "Alice", date("2026-03-01")).unwrap();
        let marker = f.paths.trial_file(Scope::System).unwrap();
        let before = std::fs::read_to_string(&marker).unwrap();
        assert_eq!(
            trial::activate(&f.paths, Scope::System, "Alice", date("2026-03-11")).unwrap(),
            Activation::AlreadyActive {
                started: date("2026-03-01"),
                days_left: 20
            }
        );
        // Without sudo on the same machine: the system marker still counts.
        assert_eq!(
            trial::activate(&f.paths, Scope::User, "Bob", date("2026-03-11")).unwrap(),
            Activation::AlreadyActive {
                started: date("2026-03-01"),
                days_left: 20
            }
        );
        assert!(!f.paths.trial_file(Scope::User).unwrap().exists());
        assert_eq!(std::fs::read_to_string(&marker).unwrap(), before);
        assert_eq!(
            trial::activate(&f.paths, Scope::System, "Alice", date("2026-04-15")).unwrap(),
            Activation::Expired {
                started: Some(date("2026-03-01"))
            }
        );
        assert_eq!(
            status_with(&f.paths, &f.public, date("2026-04-15")),
            Status::TrialExpired
        );
    }

    #[test]
    fn earliest_marker_wins_and_damaged_marker_ends_the_trial() {
        let f = fixture("earliest");
        trial::activate(&f.paths, Scope::User, "Bob", date("2026-03-01")).unwrap();
        // A later system marker (written by hand) does not restart the clock.
        let sys = f.paths.trial_file(Scope::System).unwrap();
        std::fs::create_dir_all(sys.parent().unwrap()).unwrap();
        std::fs::write(&sys, "started=2026-03-25\n").unwrap();
        assert_eq!(
            status_with(&f.paths, &f.public, date("2026-03-26")),
            Status::Trial { days_left: 5 }
        );
        std::fs::write(&sys, "started=whenever\n").unwrap();
        assert_eq!(
            status_with(&f.paths, &f.public, date("2026-03-26")),
            Status::TrialExpired
        );
    }

    #[test]
    fn valid_licence_wins_over_an_expired_trial() {
        let f = fixture("both");
        trial::activate(&f.paths, Scope::System, "A", date("2026-01-01")).unwrap();
        let key = issue(&f, None);
        install_key(
            &f.paths,
            Scope::System,
            &key,
            "A",
            &f.public,
            date("2026-03-01"),
        )
        .unwrap();
        assert!(matches!(
            status_with(&f.paths, &f.public, date("2026-03-01")),
            Status::Licensed { expires: None, .. }
        ));
    }

    #[test]
    fn policy_with_enforcement_off_never_refuses() {
        let lic = Status::Licensed {
            licensee: "X".into(),
            edition: "Standard".into(),
            expires: None,
        };
        assert_eq!(connect_policy(&lic, false), Ok(None));
        assert_eq!(
            connect_policy(&Status::Trial { days_left: 12 }, false),
            Ok(Some("trial: 12 days left".into()))
        );
        assert_eq!(
            connect_policy(&Status::TrialExpired, false),
            Ok(Some(
                "the 30-day trial has expired (not enforced in this build)".into()
            ))
        );
        assert_eq!(connect_policy(&Status::Unlicensed, false), Ok(None));
        assert_eq!(
            connect_policy(
                &Status::Invalid {
                    reason: "bad".into()
                },
                false
            ),
            Ok(Some(
                "invalid licence: bad (not enforced in this build)".into()
            ))
        );
    }

    #[test]
    fn policy_with_enforcement_on_refuses_expired_trial_and_missing_licence() {
        let lic = Status::Licensed {
            licensee: "X".into(),
            edition: "Standard".into(),
            expires: None,
        };
        assert_eq!(connect_policy(&lic, true), Ok(None));
        assert_eq!(
            connect_policy(&Status::Trial { days_left: 1 }, true),
            Ok(Some("trial: 1 day left".into()))
        );
        assert_eq!(
            connect_policy(&Status::TrialExpired, true),
            Err(
                "the 30-day trial has expired: install a licence key with install-license.sh KEY"
                    .into()
            )
        );
        assert_eq!(
            connect_policy(&Status::Unlicensed, true),
            Err("no licence is installed: run install-license.sh to activate the 30-day trial or install a key".into())
        );
        assert_eq!(
            connect_policy(
                &Status::Invalid {
                    reason: "bad".into()
                },
                true
            ),
            Err("invalid licence: bad: install a valid key with install-license.sh KEY".into())
        );
    }

    #[test]
    fn enforce_constant_follows_the_feature() {
        assert_eq!(ENFORCE, cfg!(feature = "enforce"));
    }
}
