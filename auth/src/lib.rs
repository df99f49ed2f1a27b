//! Credentials for kintone-odbc, shared by the driver (through `kintone-sql`) and the
//! `kintone-odbc` command:
//!
//! - [`initiate`]: what a connection with `AuthScheme=OAuth` does at connect, per
//!   `InitiateOAuth` (OFF, GETANDREFRESH, REFRESH) and `OAuthVerifier`;
//! - [`desktop`]: the browser sign-in with a loopback callback; [`browser`] opens it;
//! - [`managed`]: the access token a connection sends, refreshed when it expires;
//! - [`store`], [`settings_file`]: where tokens are kept (`OAuthSettingsLocation`): an
//!   encrypted file, the OS keyring, or memory;
//! - [`keyring`]: secrets in the macOS Keychain or the Secret Service, referenced from
//!   odbc.ini.
//!
//! Section numbers (§n.m) refer to `shared/docs/kintone-rest-api.md`.

pub mod browser;
pub mod config;
pub mod desktop;
pub mod error;
pub mod initiate;
pub mod keyring;
pub mod managed;
pub mod settings_file;
pub mod store;
mod sync;

pub use config::{Initiate, OAuthConfig};
pub use error::{AuthError, AuthResult};
