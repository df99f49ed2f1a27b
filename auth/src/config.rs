//! The OAuth connection properties (CData's names), as the flows need them.

use std::time::Duration;

use kintone_api::oauth::OAuthClient;
use kintone_api::Secret;

pub use crate::store::Location;

/// The default `CallbackURL` (CData's): the desktop flow listens there.
pub const DEFAULT_CALLBACK_URL: &str = "http://localhost:33333";

/// How long the desktop flow waits for the browser when the application set no login
/// timeout.
pub const DEFAULT_SIGN_IN_WAIT: Duration = Duration::from_secs(120);

/// `InitiateOAuth`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Initiate {
    /// Use `OAuthAccessToken` as given; never refresh, never open a browser.
    Off,
    /// Stored tokens (refreshed when they expire), else the browser sign-in.
    GetAndRefresh,
    /// Stored or given tokens, refreshed when they expire; never a browser.
    Refresh,
}

/// Everything the flows read from the connection properties.
#[derive(Clone, Debug)]
pub struct OAuthConfig {
    pub initiate: Initiate,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    /// `CallbackURL`; `None` is [`DEFAULT_CALLBACK_URL`].
    pub callback_url: Option<String>,
    pub access_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
    pub verifier: Option<Secret>,
    /// `OAuthSettingsLocation`, resolved (default: a per-user file).
    pub location: Location,
    /// `Scope`; `None` is `kintone_api::oauth::DEFAULT_SCOPE`.
    pub scope: Option<String>,
    /// `OAuthExpiresIn`: the lifetime of the given access token, in seconds.
    pub expires_in: Option<u64>,
    /// `OAuthTokenTimestamp`: when the given access token was obtained (ms since epoch).
    pub token_timestamp: Option<u64>,
    /// How long the desktop flow waits for the browser.
    pub sign_in_wait: Duration,
}

impl OAuthConfig {
    pub fn callback_url(&self) -> &str {
        self.callback_url
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_CALLBACK_URL)
    }

    pub fn scope(&self) -> &str {
        self.scope
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(kintone_api::oauth::DEFAULT_SCOPE)
    }

    /// The client id and secret, when both are set.
    pub fn client(&self) -> Option<OAuthClient> {
        let id = self.client_id.as_deref()?.trim();
        let secret = self.client_secret.as_ref()?;
        (!id.is_empty() && !secret.is_empty()).then(|| OAuthClient {
            client_id: id.to_string(),
            client_secret: secret.clone(),
        })
    }
}
