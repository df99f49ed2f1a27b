//! Secrets in the OS keyring (macOS Keychain, Linux Secret Service) instead of odbc.ini.
//!
//! A property value `keyring:<account>` is a reference: the secret itself is the
//! keyring item of service [`SERVICE`] and that account (`<DSN>/<Property>` when
//! written by `kintone-odbc dsn add --keyring`). The OAuth token store can live there too
//! (`OAuthSettingsLocation=keyring://<name>`, account `oauth/<name>`).
//!
//! INTERFACE ONLY (to be implemented): every function runs the keyring call on a
//! thread of its own, so it never runs inside a tokio runtime, and maps the keyring
//! crate's errors to `AuthError::Keyring` with a message that says what to do.

use kintone_api::Secret;

use crate::error::{AuthError, AuthResult};

/// The keyring service name of every item the driver stores.
pub const SERVICE: &str = "kintone-odbc";

/// The prefix that makes a property value a keyring reference.
pub const REFERENCE_PREFIX: &str = "keyring:";

/// Whether a property value is a keyring reference rather than the secret itself.
pub fn is_reference(value: &str) -> bool {
    value.trim_start().starts_with(REFERENCE_PREFIX)
}

/// The reference text stored in odbc.ini for an account.
pub fn reference(account: &str) -> String {
    format!("{REFERENCE_PREFIX}{account}")
}

/// The secret a reference points to. A missing item, a locked or absent keyring is an
/// error naming the reference (never a fallback to clear text).
pub fn resolve(value: &str) -> AuthResult<Secret> {
    let _ = value;
    Err(AuthError::Keyring(
        "the OS keyring is not supported by this build".into(),
    ))
}

/// Reads an item; `Ok(None)` when there is none.
pub fn load(account: &str) -> AuthResult<Option<Secret>> {
    let _ = account;
    Err(AuthError::Keyring(
        "the OS keyring is not supported by this build".into(),
    ))
}

/// Writes (or replaces) an item.
pub fn save(account: &str, secret: &Secret) -> AuthResult<()> {
    let _ = (account, secret);
    Err(AuthError::Keyring(
        "the OS keyring is not supported by this build".into(),
    ))
}

/// Deletes an item; `Ok(false)` when there was none.
pub fn delete(account: &str) -> AuthResult<bool> {
    let _ = account;
    Err(AuthError::Keyring(
        "the OS keyring is not supported by this build".into(),
    ))
}
