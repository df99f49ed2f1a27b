//! The access token a connection sends, refreshed when it expires.
//!
//! A token known to expire within a minute is refreshed before use; a token Kintone
//! refuses (401) is renewed once by the client (`kintone_api::oauth::TokenSource`).
//! Refreshes are serialised in the process (one per stale token) and across processes
//! (the store's lock): whoever comes second adopts the token the first one stored.

use std::sync::Mutex;
use std::time::Duration;

use kintone_api::oauth::{BoxFuture, OAuthClient, TokenSet, TokenSource};
use kintone_api::{Client, Secret};

use crate::error::AuthError;
use crate::settings_file::Stored;
use crate::store::Store;
use crate::sync::lock;

/// Refresh this long before the known expiry, so a request does not race it.
const MARGIN: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct ManagedToken {
    app: OAuthClient,
    store: Store,
    url: String,
    scope: Option<String>,
    current: Mutex<Stored>,
    refreshing: tokio::sync::Mutex<()>,
}

impl ManagedToken {
    pub fn new(app: OAuthClient, store: Store, stored: Stored, scope: Option<String>) -> Self {
        ManagedToken {
            app,
            store,
            url: stored.url.clone(),
            scope,
            current: Mutex::new(stored),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    pub fn tokens(&self) -> TokenSet {
        lock(&self.current).tokens.clone()
    }

    /// Refreshes unless someone already replaced `stale` (in this process or, through
    /// the store, in another one).
    pub async fn refresh(&self, client: &Client, stale: &Secret) -> Result<Secret, AuthError> {
        let _one = self.refreshing.lock().await;
        let (current, refresh_token, verifier_digest) = {
            let c = lock(&self.current);
            (
                c.tokens.access_token.clone(),
                c.tokens.refresh_token.clone(),
                c.verifier_digest.clone(),
            )
        };
        if &current != stale {
            return Ok(current);
        }
        let _store_lock = self.store.lock().await?;
        // Another process may have refreshed while this one waited for the lock.
        if let Ok(Some(saved)) = self.store.load() {
            if saved.url == self.url
                && &saved.tokens.access_token != stale
                && !saved.tokens.expires_within(MARGIN)
            {
                let token = saved.tokens.access_token.clone();
                *lock(&self.current) = saved;
                return Ok(token);
            }
        }
        let Some(refresh_token) = refresh_token else {
            return Err(AuthError::Denied(
                "the OAuth access token expired and there is no refresh token: sign in again \
                 (InitiateOAuth=GETANDREFRESH or `kintone-odbc oauth login`)"
                    .into(),
            ));
        };
        let tokens = client
            .oauth_refresh(&self.app, &refresh_token, self.scope.as_deref())
            .await?;
        tracing::info!(
            expires_in = ?tokens.expires_in,
            "OAuth access token refreshed; saved to {}",
            self.store.describe()
        );
        let stored = Stored {
            url: self.url.clone(),
            tokens,
            verifier_digest,
        };
        let token = stored.tokens.access_token.clone();
        // The connection keeps working with the new token even if it cannot be saved;
        // the failure is logged, not hidden.
        if let Err(e) = self.store.save(&stored) {
            tracing::warn!("the refreshed OAuth token could not be saved: {e}");
        }
        *lock(&self.current) = stored;
        Ok(token)
    }
}

impl TokenSource for ManagedToken {
    fn token<'a>(&'a self, client: &'a Client) -> BoxFuture<'a, kintone_api::Result<Secret>> {
        Box::pin(async move {
            let (token, expiring, renewable) = {
                let c = lock(&self.current);
                (
                    c.tokens.access_token.clone(),
                    c.tokens.expires_within(MARGIN),
                    c.tokens.refresh_token.is_some(),
                )
            };
            if expiring && renewable {
                return self.refresh(client, &token).await.map_err(into_api);
            }
            Ok(token)
        })
    }

    fn renew<'a>(
        &'a self,
        client: &'a Client,
        rejected: &'a Secret,
    ) -> BoxFuture<'a, kintone_api::Result<Option<Secret>>> {
        Box::pin(async move {
            if lock(&self.current).tokens.refresh_token.is_none() {
                return Ok(None);
            }
            self.refresh(client, rejected)
                .await
                .map(Some)
                .map_err(into_api)
        })
    }
}

/// The client reports token trouble as its own error; the message stays ours.
fn into_api(e: AuthError) -> kintone_api::Error {
    match e {
        AuthError::Api(e) => *e,
        other => kintone_api::Error::OAuth {
            status: 0,
            error: "refresh failed".into(),
            description: Some(other.to_string()),
        },
    }
}
