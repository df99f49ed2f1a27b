//! Where OAuth tokens are kept between connections (`OAuthSettingsLocation`).

use std::path::PathBuf;

/// `OAuthSettingsLocation`, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// An encrypted file (the default: a per-user file).
    File(PathBuf),
    /// `keyring://<name>`: the same encrypted text, as an OS keyring item.
    Keyring(String),
    /// `memory://` or `memory://<name>`: only in this process, shared by its connections.
    Memory(String),
}
