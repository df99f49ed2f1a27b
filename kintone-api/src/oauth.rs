//! OAuth 2.0 against the Kintone domain (§3.4): the authorization URL, the token
//! endpoint's two grants, and the token a client sends, which a [`TokenSource`] may
//! renew when Kintone says it expired.
//!
//! The token endpoint is called through the connection's own HTTP client, so the
//! same TLS roots, client certificate, proxy and "never follow a redirect" rule apply:
//! the client secret never leaves the Kintone origin.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;
use tracing::Instrument;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::targets::{BODY_LIMIT, HTTP, INFO};
use crate::url::BaseUrl;

/// What the driver asks for when `Scope` is not set: everything a connection can do
/// with records and files, and reading app settings (the catalog needs it).
pub const DEFAULT_SCOPE: &str =
    "k:app_record:read k:app_record:write k:app_settings:read k:file:read k:file:write";

/// A registered OAuth client (confidential: id and secret, §3.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret: Secret,
}

/// Tokens from the token endpoint, with when they were obtained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSet {
    pub access_token: Secret,
    /// Kintone's refresh answer carries none; the original one stays valid (§3.4).
    pub refresh_token: Option<Secret>,
    /// Seconds the access token lives, counted from `obtained_ms`.
    pub expires_in: Option<u64>,
    pub scope: Option<String>,
    /// Milliseconds since the Unix epoch (CData's `OAuthTokenTimestamp`).
    pub obtained_ms: u64,
}

impl TokenSet {
    /// Milliseconds since the epoch at which the access token stops working, if known.
    pub fn expires_at_ms(&self) -> Option<u64> {
        self.expires_in
            .map(|s| self.obtained_ms.saturating_add(s.saturating_mul(1000)))
    }

    /// Whether the token is known to expire within `margin` from now. A token of
    /// unknown lifetime is taken as usable: Kintone's 401 says otherwise.
    pub fn expires_within(&self, margin: Duration) -> bool {
        match self.expires_at_ms() {
            Some(at) => now_ms().saturating_add(margin.as_millis() as u64) >= at,
            None => false,
        }
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The URL that asks the user to sign in and consent (§3.4).
pub fn authorization_url(
    base: &BaseUrl,
    client_id: &str,
    redirect_uri: &str,
    scope: &str,
    state: &str,
) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", state)
        .append_pair("response_type", "code")
        .append_pair("scope", scope)
        .finish();
    format!("{}?{query}", base.join("/oauth2/authorization"))
}

/// A boxed future, so that [`TokenSource`] stays object safe without a macro crate.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a connection's access token comes from when it can be renewed.
///
/// `token` is asked before each request (and may refresh a token it knows has
/// expired); `renew` after Kintone refused `rejected` with 401, so that a request is
/// retried once with a new token. Implementations serialise refreshes, so concurrent
/// requests that all saw the same stale token cause one refresh.
pub trait TokenSource: Send + Sync + fmt::Debug {
    fn token<'a>(&'a self, client: &'a Client) -> BoxFuture<'a, Result<Secret>>;
    /// `Ok(None)`: the token cannot be renewed (no refresh token): report the 401.
    fn renew<'a>(
        &'a self,
        client: &'a Client,
        rejected: &'a Secret,
    ) -> BoxFuture<'a, Result<Option<Secret>>>;
}

impl Client {
    /// `grant_type=authorization_code`: exchanges the code the redirect carried.
    pub async fn oauth_exchange_code(
        &self,
        app: &OAuthClient,
        code: &Secret,
        redirect_uri: &str,
    ) -> Result<TokenSet> {
        self.oauth_token(
            app,
            &[
                ("grant_type", "authorization_code"),
                ("code", code.expose()),
                ("redirect_uri", redirect_uri),
            ],
        )
        .await
    }

    /// `grant_type=refresh_token`. Kintone's answer has no new refresh token, so the
    /// one used is kept in the result.
    pub async fn oauth_refresh(
        &self,
        app: &OAuthClient,
        refresh_token: &Secret,
        scope: Option<&str>,
    ) -> Result<TokenSet> {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ];
        if let Some(s) = scope.filter(|s| !s.trim().is_empty()) {
            form.push(("scope", s));
        }
        let mut set = self.oauth_token(app, &form).await?;
        if set.refresh_token.is_none() {
            set.refresh_token = Some(refresh_token.clone());
        }
        Ok(set)
    }

    async fn oauth_token(&self, app: &OAuthClient, form: &[(&str, &str)]) -> Result<TokenSet> {
        let grant = form
            .iter()
            .find(|(k, _)| *k == "grant_type")
            .map(|(_, v)| *v)
            .unwrap_or_default();
        let span = tracing::debug_span!(target: HTTP, "oauth_token", grant);
        let answer = self
            .logged(self.oauth_token_here(app, form).instrument(span))
            .await;
        match &answer {
            Ok(set) => tracing::info!(
                target: INFO,
                grant,
                expires_in = set.expires_in,
                "OAuth token endpoint issued an access token"
            ),
            Err(e) => tracing::warn!(target: INFO, grant, error = %e, "OAuth token request failed"),
        }
        answer
    }

    async fn oauth_token_here(&self, app: &OAuthClient, form: &[(&str, &str)]) -> Result<TokenSet> {
        let url = self.base_url().join("/oauth2/token");
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            app.client_id,
            app.client_secret.expose()
        ));
        let mut auth = HeaderValue::from_str(&format!("Basic {basic}")).map_err(|_| {
            Error::Config(
                "the OAuth client id or secret contains characters not allowed in HTTP headers"
                    .into(),
            )
        })?;
        auth.set_sensitive(true);
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter())
            .finish();
        let started = now_ms();
        let sent = std::time::Instant::now();
        let request = self
            .http()
            .post(&url)
            .header(AUTHORIZATION, auth)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        let send = crate::client::log_request(request, 0).send();
        let timeout = self.call_timeout();
        let resp = if timeout.is_zero() {
            send.await
        } else {
            tokio::time::timeout(timeout, send)
                .await
                .map_err(|_| token_endpoint_error(format!("no answer within {timeout:.0?}")))?
        }
        .map_err(|e| token_endpoint_error(format!("cannot reach it: {}", without_url(&e))))?;
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            return Err(token_endpoint_error(format!(
                "it answered with a redirect ({status}), which is not followed"
            )));
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| token_endpoint_error(format!("the answer was cut off: {e}")))?;
        tracing::debug!(
            target: HTTP,
            status,
            bytes = bytes.len(),
            ms = sent.elapsed().as_millis() as u64,
            "answer"
        );
        if tracing::enabled!(target: HTTP, tracing::Level::TRACE) {
            let masked = crate::redact::body(&bytes, BODY_LIMIT);
            tracing::trace!(target: HTTP, body = %masked, "answer body");
        }
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        if !(200..300).contains(&status) {
            let field = |k: &str| {
                json.as_ref()
                    .and_then(|v| v.get(k))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            return Err(Error::OAuth {
                status,
                error: field("error").unwrap_or_else(|| format!("HTTP {status}")),
                description: field("error_description"),
            });
        }
        let json = json.ok_or_else(|| token_endpoint_error("its answer is not JSON".into()))?;
        parse_token_answer(&json, started)
    }
}

fn token_endpoint_error(why: String) -> Error {
    Error::OAuth {
        status: 0,
        error: "token endpoint unavailable".into(),
        description: Some(why),
    }
}

/// reqwest's message without the URL (it holds no secret, but keeps messages short).
fn without_url(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    if let Some(u) = e.url() {
        msg = msg.replace(&format!(" ({u})"), "");
    }
    msg
}

/// Reads `{access_token, token_type, expires_in, refresh_token, scope}`; `expires_in`
/// may come as a string (§3.4).
pub fn parse_token_answer(json: &Value, obtained_ms: u64) -> Result<TokenSet> {
    let text = |k: &str| json.get(k).and_then(Value::as_str).map(str::to_string);
    let access = text("access_token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| token_endpoint_error("its answer has no access_token".into()))?;
    if let Some(t) = text("token_type") {
        if !t.eq_ignore_ascii_case("bearer") {
            return Err(token_endpoint_error(format!(
                "it issued a '{t}' token; only Bearer tokens are supported"
            )));
        }
    }
    let expires_in = match json.get("expires_in") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    Ok(TokenSet {
        access_token: Secret::new(access),
        refresh_token: text("refresh_token")
            .filter(|t| !t.is_empty())
            .map(Secret::new),
        expires_in,
        scope: text("scope"),
        obtained_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answer_with_string_expiry_and_no_refresh_token() {
        let t = parse_token_answer(
            &json!({"access_token": "a", "token_type": "Bearer", "expires_in": "3600", "scope": "k:file:read"}),
            1_000,
        )
        .unwrap();
        assert_eq!(t.expires_in, Some(3600));
        assert_eq!(t.expires_at_ms(), Some(3_601_000));
        assert!(t.refresh_token.is_none());
        assert!(t.expires_within(Duration::ZERO));
        assert!(parse_token_answer(&json!({"token_type": "Bearer"}), 0).is_err());
        assert!(parse_token_answer(&json!({"access_token": "a", "token_type": "mac"}), 0).is_err());
    }

    #[test]
    fn authorization_url_encodes_every_parameter() {
        let base = BaseUrl::parse("https://x.cybozu.com").unwrap();
        let u = authorization_url(
            &base,
            "id 1",
            "http://localhost:33333",
            DEFAULT_SCOPE,
            "s&t",
        );
        assert!(u.starts_with("https://x.cybozu.com/oauth2/authorization?client_id=id+1&"));
        assert!(u.contains("redirect_uri=http%3A%2F%2Flocalhost%3A33333"));
        assert!(u.contains("state=s%26t"));
        assert!(u.contains("response_type=code"));
        assert!(u.contains("scope=k%3Aapp_record%3Aread+"));
    }
}
