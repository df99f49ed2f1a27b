//! OAuth at connect: runs the flow the properties ask for (`kintone_auth::initiate`)
//! and settles the connection's `Auth` before anything is read.

use std::time::Duration;

use kintone_api::Auth;
pub use kintone_auth::config::DEFAULT_SIGN_IN_WAIT;
use kintone_auth::AuthError;

use crate::error::{from_kintone, state, SqlError, SqlResult};
use crate::properties::ConnectOptions;

const CONFIG: &str = "08001";

/// What a statement on a connection without a token is told.
pub const NO_TOKEN_YET: &str = "this connection has no OAuth access token yet, so it can only \
     call the OAuth procedures (GetOAuthAuthorizationURL, GetOAuthAccessToken, \
     RefreshOAuthAccessToken): connect again with OAuthAccessToken, or with \
     InitiateOAuth=GETANDREFRESH or REFRESH";

pub fn from_auth(e: AuthError) -> SqlError {
    match e {
        AuthError::Config(m) | AuthError::Store(m) | AuthError::Keyring(m) => {
            SqlError::new(CONFIG, m)
        }
        AuthError::Denied(m) => SqlError::new(state::AUTH, m),
        AuthError::Timeout(m) => SqlError::new(state::TIMEOUT, m),
        AuthError::Api(e) => from_kintone(&e),
    }
}

/// Whether `auth` still waits for [`authorize`] (or is a connection for the OAuth
/// procedures only).
pub fn tokenless(auth: &Auth) -> bool {
    matches!(auth, Auth::OAuthManaged(None))
}

/// Runs the OAuth flow of `opts` (sign-in, verifier exchange, stored or given tokens)
/// and puts the resulting `Auth` into its client settings. `sign_in_wait` bounds the
/// browser sign-in. Other schemes are left as they are.
pub async fn authorize(opts: &mut ConnectOptions, sign_in_wait: Duration) -> SqlResult<()> {
    if !tokenless(&opts.settings.client.auth) {
        return Ok(());
    }
    let cfg = opts.settings.oauth.config(sign_in_wait)?;
    let auth = kintone_auth::initiate::authorize(&opts.settings.client, &cfg)
        .await
        .map_err(from_auth)?;
    opts.settings.client.auth = auth;
    Ok(())
}
