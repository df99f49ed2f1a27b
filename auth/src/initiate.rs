//! What a connection with `AuthScheme=OAuth` does at connect (CData's flows):
//!
//! - `InitiateOAuth=OFF`: the given `OAuthAccessToken`, never refreshed. Without one, a
//!   connection that has its client id and secret still opens, for the OAuth procedures.
//! - `REFRESH`: a verifier to exchange (headless option 1), else the stored tokens
//!   (option 2: a file copied from elsewhere), else the given tokens; refreshed when
//!   they expire. Never a browser.
//! - `GETANDREFRESH`: the same, and when nothing usable is stored, the browser sign-in.
//!
//! A store that cannot be read (damaged, another client's) is an error, never a silent
//! new sign-in: the user should know their tokens were not used.

use std::sync::Arc;
use std::time::Duration;

use kintone_api::oauth::{now_ms, OAuthClient, TokenSet};
use kintone_api::{Auth, Client, ClientConfig};

use crate::browser::HEADLESS_OPTIONS;
use crate::config::{Initiate, OAuthConfig};
use crate::desktop::{self, Callback};
use crate::error::{AuthError, AuthResult};
use crate::managed::ManagedToken;
use crate::settings_file::{fingerprint, Stored};
use crate::store::Store;

/// Refresh at connect when the stored token expires this soon.
const CONNECT_MARGIN: Duration = Duration::from_secs(60);

/// A client that can reach the token endpoint (and nothing else yet).
pub fn token_client(config: &ClientConfig) -> AuthResult<Client> {
    let mut c = config.clone();
    c.auth = Auth::OAuthManaged(None);
    Ok(Client::new(c)?)
}

fn needs_client(initiate: Initiate) -> AuthError {
    let name = match initiate {
        Initiate::Refresh => "REFRESH",
        _ => "GETANDREFRESH",
    };
    AuthError::Config(format!(
        "InitiateOAuth={name} needs OAuthClientId and OAuthClientSecret (the OAuth client \
         registered in Kintone)"
    ))
}

/// The `Auth` a connection uses, after running whatever flow the properties ask for.
pub async fn authorize(config: &ClientConfig, cfg: &OAuthConfig) -> AuthResult<Auth> {
    if cfg.initiate == Initiate::Off {
        return match (&cfg.access_token, cfg.client()) {
            (Some(t), _) => Ok(Auth::OAuth {
                access_token: t.clone(),
            }),
            (None, Some(_)) => Ok(Auth::OAuthManaged(None)),
            (None, None) => Err(AuthError::Config(
                "AuthScheme is OAuth but OAuthAccessToken is missing: set InitiateOAuth=\
                 GETANDREFRESH (browser sign-in) or REFRESH with OAuthClientId and \
                 OAuthClientSecret, run `kintone-odbc oauth login`, or pass an access token"
                    .into(),
            )),
        };
    }
    let app = cfg.client().ok_or_else(|| needs_client(cfg.initiate))?;
    let client = token_client(config)?;
    let store = Store::new(cfg.location.clone(), app.clone());
    let stored = obtain(&client, &app, &store, cfg).await?;
    let scope = cfg.scope.clone();
    Ok(Auth::OAuthManaged(Some(Arc::new(ManagedToken::new(
        app, store, stored, scope,
    )))))
}

async fn save(store: &Store, stored: &Stored) -> AuthResult<()> {
    let _lock = store.lock().await?;
    store.save(stored)
}

/// Tokens for the connection, from the first source that has them.
async fn obtain(
    client: &Client,
    app: &OAuthClient,
    store: &Store,
    cfg: &OAuthConfig,
) -> AuthResult<Stored> {
    let origin = client.base_url().origin();
    let loaded = store.load()?;

    // Headless option 1: a code signed in for on another machine.
    if let Some(v) = &cfg.verifier {
        let digest = fingerprint(v.expose());
        if let Some(s) = loaded
            .as_ref()
            .filter(|s| s.url == origin && s.verifier_digest.as_deref() == Some(&digest))
        {
            // This verifier was exchanged before (codes are single use): keep its tokens.
            return Ok(s.clone());
        }
        let tokens = client
            .oauth_exchange_code(app, v, cfg.callback_url())
            .await?;
        let stored = Stored {
            url: origin,
            tokens,
            verifier_digest: Some(digest),
        };
        save(store, &stored).await?;
        return Ok(stored);
    }

    match loaded {
        Some(s) if s.url == origin => {
            if cfg.initiate == Initiate::GetAndRefresh && s.tokens.expires_within(CONNECT_MARGIN) {
                // Refresh now, so that a revoked refresh token leads to a new sign-in
                // here instead of an error in the middle of a statement.
                let managed =
                    ManagedToken::new(app.clone(), store.clone(), s.clone(), cfg.scope.clone());
                match managed.refresh(client, &s.tokens.access_token).await {
                    Ok(_) => {
                        return Ok(Stored {
                            tokens: managed.tokens(),
                            ..s
                        })
                    }
                    Err(AuthError::Api(e)) if matches!(&*e, kintone_api::Error::OAuth { error, .. } if error == "invalid_grant") =>
                    {
                        tracing::info!(
                            "the stored OAuth refresh token was refused; signing in again"
                        );
                    }
                    Err(e) => return Err(e),
                }
            } else {
                return Ok(s);
            }
        }
        Some(s) if cfg.initiate == Initiate::Refresh => {
            return Err(AuthError::Store(format!(
                "{} holds tokens for another Kintone domain ({}), not {origin}: sign in for \
                 this domain, or use another OAuthSettingsLocation",
                store.describe(),
                s.url
            )));
        }
        _ => {}
    }

    // The first time: tokens given in the connection string.
    if cfg.access_token.is_some() || cfg.refresh_token.is_some() {
        let tokens = TokenSet {
            access_token: cfg.access_token.clone().unwrap_or_default(),
            refresh_token: cfg.refresh_token.clone(),
            expires_in: cfg.expires_in,
            scope: None,
            obtained_ms: cfg.token_timestamp.unwrap_or_else(now_ms),
        };
        let tokens = match (&cfg.access_token, &cfg.refresh_token) {
            (None, Some(r)) => client.oauth_refresh(app, r, cfg.scope.as_deref()).await?,
            _ => tokens,
        };
        let stored = Stored {
            url: origin,
            tokens,
            verifier_digest: None,
        };
        save(store, &stored).await?;
        return Ok(stored);
    }

    if cfg.initiate == Initiate::Refresh {
        return Err(AuthError::Config(format!(
            "InitiateOAuth=REFRESH found no OAuth tokens in {} and none were given \
             (OAuthAccessToken, OAuthRefreshToken or OAuthVerifier): sign in first with \
             InitiateOAuth=GETANDREFRESH or `kintone-odbc oauth login`; {HEADLESS_OPTIONS}",
            store.describe()
        )));
    }

    let callback = Callback::parse(cfg.callback_url())?;
    let tokens = desktop::sign_in(client, app, &callback, cfg.scope(), cfg.sign_in_wait).await?;
    let stored = Stored {
        url: origin,
        tokens,
        verifier_digest: None,
    };
    save(store, &stored).await?;
    Ok(stored)
}
