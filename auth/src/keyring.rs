//! Secrets in the OS keyring (macOS Keychain, Linux Secret Service) instead of odbc.ini.
//!
//! A property value `keyring:<account>` is a reference: the secret itself is the
//! keyring item of service [`SERVICE`] and that account (`<DSN>/<Property>` when
//! written by `kintone-odbc dsn add --keyring`). The OAuth token store can live there too
//! (`OAuthSettingsLocation=keyring://<name>`, account `oauth/<name>`).
//!
//! Every call runs on a thread of its own, never inside the caller's tokio runtime (the
//! Secret Service client drives D-Bus on its own executor), and is abandoned after
//! [`CALL_TIMEOUT`]: a locked keyring waiting for an unlock prompt nobody answers, or a
//! Secret Service that never replies, cannot hang the host application. Failures are
//! `AuthError::Keyring` with a message naming the account and what to do; nothing falls
//! back to clear text, and no message carries the secret.

use std::sync::mpsc;
use std::time::Duration;

use kintone_api::Secret;

use crate::error::{AuthError, AuthResult};

/// The keyring service name of every item the driver stores.
pub const SERVICE: &str = "kintone-odbc";

/// The prefix that makes a property value a keyring reference.
pub const REFERENCE_PREFIX: &str = "keyring:";

/// The longest one keyring call may take before it is given up (the thread making it is
/// left to finish or block on its own).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// What the keyring is called in messages.
#[cfg(target_os = "macos")]
pub const KEYRING_NAME: &str = "the macOS Keychain";
#[cfg(not(target_os = "macos"))]
pub const KEYRING_NAME: &str = "the Secret Service (OS keyring)";

/// What to do when the keyring is missing or locked.
#[cfg(target_os = "macos")]
const UNLOCK_HINT: &str =
    "unlock the login keychain (`security unlock-keychain`), or store the secret in the DSN";
#[cfg(not(target_os = "macos"))]
const UNLOCK_HINT: &str = "unlock the login keyring (log in to the desktop session, or \
     `gnome-keyring-daemon --unlock`), or store the secret in the DSN";

/// What to do when there is no keyring to ask.
#[cfg(target_os = "macos")]
const MISSING_HINT: &str = "connect from the user's login session (the Keychain of another \
     user or of a daemon is not the login keychain), or store the secret in the DSN";
#[cfg(not(target_os = "macos"))]
const MISSING_HINT: &str = "connect from a session with a D-Bus session bus \
     (DBUS_SESSION_BUS_ADDRESS) and a Secret Service on it (gnome-keyring, KeePassXC), and \
     make sure the login keyring is unlocked, or store the secret in the DSN";

/// Whether a property value is a keyring reference rather than the secret itself.
pub fn is_reference(value: &str) -> bool {
    value.trim_start().starts_with(REFERENCE_PREFIX)
}

/// The reference text stored in odbc.ini for an account.
pub fn reference(account: &str) -> String {
    format!("{REFERENCE_PREFIX}{account}")
}

/// The account a reference names (`keyring:<account>`, surrounding blanks ignored);
/// `None` when `value` is not a reference or names no account.
pub fn account_of(value: &str) -> Option<&str> {
    value
        .trim()
        .strip_prefix(REFERENCE_PREFIX)
        .map(str::trim)
        .filter(|a| !a.is_empty())
}

/// The account `dsn add --keyring` uses for a DSN's property.
pub fn dsn_account(dsn: &str, property: &str) -> String {
    format!("{}/{}", dsn.trim(), property.trim())
}

/// The secret a reference points to. A missing item, a locked or absent keyring is an
/// error naming the reference (never a fallback to clear text).
pub fn resolve(value: &str) -> AuthResult<Secret> {
    let Some(account) = account_of(value) else {
        return Err(AuthError::Keyring(format!(
            "'{}' is not a keyring reference: write it as {REFERENCE_PREFIX}<account>, the account of a {KEYRING_NAME} item of service '{SERVICE}'",
            // A value without the prefix may be a secret: never show it.
            if is_reference(value) { value.trim() } else { "****" }
        )));
    };
    let what = format!("the keyring reference '{}'", reference(account));
    match load(account).map_err(|e| in_context(e, &what))? {
        Some(s) if !s.is_empty() => Ok(s),
        Some(_) => Err(AuthError::Keyring(format!(
            "{what}: the {KEYRING_NAME} item of service '{SERVICE}', account '{account}' is empty: store the secret again (kintone-odbc dsn add ... --keyring)"
        ))),
        None => Err(AuthError::Keyring(format!(
            "{what}: {KEYRING_NAME} has no item of service '{SERVICE}', account '{account}': store it with `kintone-odbc dsn add ... --keyring`, or put the secret in the DSN"
        ))),
    }
}

/// Reads an item; `Ok(None)` when there is none.
pub fn load(account: &str) -> AuthResult<Option<Secret>> {
    let acc = account.to_string();
    match call(account, move || imp::get(&acc))? {
        Ok(s) => Ok(Some(Secret::new(s))),
        Err(Failure::NoEntry) => Ok(None),
        Err(f) => Err(failure(f, account, "read")),
    }
}

/// Writes (or replaces) an item.
pub fn save(account: &str, secret: &Secret) -> AuthResult<()> {
    let acc = account.to_string();
    let value = secret.expose().to_string();
    let r = call(account, move || imp::set(&acc, &value))?;
    r.map_err(|f| {
        // A platform message that echoed what was sent would carry the secret.
        let f = match f {
            Failure::Platform(m) | Failure::Locked(m)
                if !secret.is_empty() && m.contains(secret.expose()) =>
            {
                Failure::Platform(String::new())
            }
            f => f,
        };
        failure(f, account, "write")
    })
}

/// Deletes an item; `Ok(false)` when there was none.
pub fn delete(account: &str) -> AuthResult<bool> {
    let acc = account.to_string();
    match call(account, move || imp::delete(&acc))? {
        Ok(()) => Ok(true),
        Err(Failure::NoEntry) => Ok(false),
        Err(f) => Err(failure(f, account, "delete")),
    }
}

/// A keyring failure, reduced to what the messages need (no secret in any variant).
#[derive(Debug)]
enum Failure {
    NoEntry,
    /// Locked, access refused, an unlock prompt dismissed.
    Locked(String),
    /// No keyring (no D-Bus session bus, no Secret Service) or another platform error.
    Platform(String),
    /// The item is not UTF-8 text.
    BadEncoding,
    /// More than one item matches.
    Ambiguous(usize),
    /// The keyring refused the account name or the value.
    Invalid(String),
    /// This build has no keyring store for the OS.
    #[cfg_attr(any(target_os = "linux", target_os = "macos"), allow(dead_code))]
    Unsupported,
}

/// Runs `f` on a thread of its own and waits at most [`CALL_TIMEOUT`] for it.
fn call<T: Send + 'static>(
    account: &str,
    f: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> AuthResult<Result<T, Failure>> {
    call_within(account, CALL_TIMEOUT, f)
}

fn call_within<T: Send + 'static>(
    account: &str,
    timeout: Duration,
    f: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> AuthResult<Result<T, Failure>> {
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("kintone-keyring".into())
        .spawn(move || {
            // The receiver is gone when the caller gave up: nothing to report then.
            let _ = tx.send(f());
        })
        .map_err(|e| {
            AuthError::Keyring(format!(
                "cannot start a thread for {KEYRING_NAME} (account '{account}'): {e}"
            ))
        })?;
    match rx.recv_timeout(timeout) {
        Ok(r) => Ok(r),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(AuthError::Keyring(format!(
            "{KEYRING_NAME} did not answer within {} s for account '{account}' of service '{SERVICE}' (a locked keyring waiting for an unlock prompt, or a keyring daemon that does not respond): {UNLOCK_HINT}",
            timeout.as_secs_f64()
        ))),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(AuthError::Keyring(format!(
            "{KEYRING_NAME} failed for account '{account}' of service '{SERVICE}' (the keyring call stopped unexpectedly): {UNLOCK_HINT}"
        ))),
    }
}

fn failure(f: Failure, account: &str, verb: &str) -> AuthError {
    let item = format!("account '{account}' of service '{SERVICE}'");
    AuthError::Keyring(match f {
        Failure::NoEntry => format!("{KEYRING_NAME} has no item for {item}"),
        Failure::Locked(detail) => format!(
            "cannot {verb} {item}: {KEYRING_NAME} is locked or refused access{}: {UNLOCK_HINT}",
            detail_text(&detail)
        ),
        Failure::Platform(detail) => format!(
            "cannot {verb} {item}: {KEYRING_NAME} is not available{}: {MISSING_HINT}",
            detail_text(&detail)
        ),
        Failure::BadEncoding => format!(
            "the {KEYRING_NAME} item for {item} is not UTF-8 text: store the secret again (kintone-odbc dsn add ... --keyring)"
        ),
        Failure::Ambiguous(n) => format!(
            "{n} items of {KEYRING_NAME} match {item}: delete all but one{}",
            if cfg!(target_os = "macos") {
                ""
            } else {
                " (secret-tool search --all service kintone-odbc username ...)"
            }
        ),
        Failure::Invalid(m) => format!("{KEYRING_NAME} refused {item}: {m}"),
        Failure::Unsupported => format!(
            "{KEYRING_NAME} is not supported on this system ({item}): store the secret in the DSN"
        ),
    })
}

fn detail_text(detail: &str) -> String {
    let d = detail.trim();
    if d.is_empty() {
        String::new()
    } else {
        format!(" ({d})")
    }
}

/// Adds what was being resolved to a keyring error's message.
fn in_context(e: AuthError, what: &str) -> AuthError {
    match e {
        AuthError::Keyring(m) => AuthError::Keyring(format!("{what}: {m}")),
        other => other,
    }
}

#[cfg(any(target_os = "linux", target_os = "macos"))]
mod imp {
    use super::{Failure, SERVICE};

    fn entry(account: &str) -> Result<keyring::Entry, Failure> {
        keyring::Entry::new(SERVICE, account).map_err(map)
    }

    pub fn get(account: &str) -> Result<String, Failure> {
        entry(account)?.get_password().map_err(map)
    }

    pub fn set(account: &str, value: &str) -> Result<(), Failure> {
        entry(account)?.set_password(value).map_err(map)
    }

    pub fn delete(account: &str) -> Result<(), Failure> {
        entry(account)?.delete_credential().map_err(map)
    }

    fn map(e: keyring::Error) -> Failure {
        match e {
            keyring::Error::NoEntry => Failure::NoEntry,
            keyring::Error::NoStorageAccess(e) => Failure::Locked(e.to_string()),
            keyring::Error::PlatformFailure(e) => Failure::Platform(e.to_string()),
            keyring::Error::BadEncoding(_) => Failure::BadEncoding,
            keyring::Error::Ambiguous(v) => Failure::Ambiguous(v.len()),
            keyring::Error::TooLong(what, max) => {
                Failure::Invalid(format!("{what} is longer than {max}"))
            }
            keyring::Error::Invalid(what, why) => Failure::Invalid(format!("{what} {why}")),
            other => Failure::Platform(other.to_string()),
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
mod imp {
    use super::Failure;

    pub fn get(_: &str) -> Result<String, Failure> {
        Err(Failure::Unsupported)
    }

    pub fn set(_: &str, _: &str) -> Result<(), Failure> {
        Err(Failure::Unsupported)
    }

    pub fn delete(_: &str) -> Result<(), Failure> {
        Err(Failure::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_recognised_and_parsed() {
        assert!(is_reference("keyring:k/Password"));
        assert!(is_reference("  keyring:k/Password"));
        assert!(!is_reference("Keyring:k/Password"));
        assert!(!is_reference("hunter2"));
        assert!(!is_reference("xkeyring:a"));
        assert_eq!(reference("kintone/Password"), "keyring:kintone/Password");
        assert_eq!(
            account_of("keyring:kintone/Password"),
            Some("kintone/Password")
        );
        assert_eq!(account_of(" keyring: a b/APIToken "), Some("a b/APIToken"));
        assert_eq!(account_of("keyring:"), None);
        assert_eq!(account_of("keyring:   "), None);
        assert_eq!(account_of("hunter2"), None);
        assert_eq!(dsn_account(" kintone ", "APIToken"), "kintone/APIToken");
        assert_eq!(
            account_of(&reference(&dsn_account("d", "Password"))),
            Some("d/Password")
        );
    }

    #[test]
    fn a_value_that_is_no_reference_is_refused_without_showing_it() {
        let Err(AuthError::Keyring(m)) = resolve("hunter2") else {
            panic!("expected a keyring error");
        };
        assert!(!m.contains("hunter2"), "{m}");
        assert!(m.contains("'****' is not a keyring reference"), "{m}");
        let Err(AuthError::Keyring(m)) = resolve("keyring:  ") else {
            panic!("expected a keyring error");
        };
        assert!(m.contains("'keyring:' is not a keyring reference"), "{m}");
    }

    #[test]
    fn messages_name_the_account_and_what_to_do_and_never_the_secret() {
        let secret = "S3cr3t-Value-42";
        let failures = [
            Failure::NoEntry,
            Failure::Locked("org.freedesktop.Secret.Error.IsLocked".into()),
            Failure::Platform("I/O error: No such file or directory".into()),
            Failure::BadEncoding,
            Failure::Ambiguous(2),
            Failure::Invalid("user is longer than 10".into()),
            Failure::Unsupported,
        ];
        for f in failures {
            let m = failure(f, "dsn1/Password", "read").to_string();
            assert!(m.contains("'dsn1/Password'"), "{m}");
            assert!(m.contains("kintone-odbc"), "{m}");
            assert!(!m.contains(secret), "{m}");
        }
        let m = failure(Failure::Locked(String::new()), "d/APIToken", "read").to_string();
        assert!(m.contains("is locked or refused access: unlock"), "{m}");
        assert!(m.contains("store the secret in the DSN"), "{m}");
    }

    #[test]
    fn a_call_that_never_returns_is_given_up_with_a_message() {
        let started = std::time::Instant::now();
        let r = call_within("d/Password", Duration::from_millis(200), || {
            std::thread::sleep(Duration::from_secs(5));
            Ok::<_, Failure>(())
        });
        assert!(started.elapsed() < Duration::from_secs(2));
        let Err(AuthError::Keyring(m)) = r else {
            panic!("expected a timeout");
        };
        assert!(m.contains("did not answer within 0.2 s"), "{m}");
        assert!(m.contains("account 'd/Password'"), "{m}");
    }

    #[test]
    fn calls_run_off_the_callers_tokio_runtime() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let inside = rt.block_on(async {
            call_within("a", Duration::from_secs(5), || {
                Ok::<_, Failure>(tokio::runtime::Handle::try_current().is_ok())
            })
        });
        assert!(matches!(inside, Ok(Ok(false))));
    }
}
