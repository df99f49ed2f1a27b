//! Credentials (§3): password, API tokens, OAuth bearer tokens, and the Basic layer.

use crate::api::{AuthKind, Caller};
use crate::error::KError;
use crate::model::Domain;
use base64::Engine;
use chrono::{DateTime, Utc};
use hyper::HeaderMap;

/// §3.2 / §10: at most 9 API tokens per request.
pub const MAX_API_TOKENS: usize = 9;

/// The user API-token calls run as (§3.2).
pub const TOKEN_USER: &str = "Administrator";

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Every token from `X-Cybozu-API-Token`: comma-separated and/or repeated headers.
pub fn api_tokens(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("x-cybozu-api-token")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = header_str(headers, "authorization")?.trim();
    let (scheme, rest) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let v = header_str(headers, "authorization")?.trim();
    let (scheme, rest) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    decode_pair(rest.trim())
}

/// base64("login:password") -> (login, password); the password may contain ':'.
pub fn decode_pair(b64: &str) -> Option<(String, String)> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (u, p) = s.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

/// The Basic layer (§3.3). A Bearer request is not asked for it: OAuth and Basic both
/// use `Authorization`, so a client cannot send both (UNCONFIRMED §3.3, see README).
pub enum BasicLayer {
    /// Basic layer off, or a Bearer request.
    NotApplicable,
    Passed,
    Failed,
}

pub fn check_basic(headers: &HeaderMap, expected: Option<&(String, String)>) -> BasicLayer {
    let Some((user, pass)) = expected else {
        return BasicLayer::NotApplicable;
    };
    if bearer(headers).is_some() {
        return BasicLayer::NotApplicable;
    }
    match basic_credentials(headers) {
        Some((u, p)) if &u == user && &p == pass => BasicLayer::Passed,
        _ => BasicLayer::Failed,
    }
}

fn unauthenticated() -> Caller {
    Caller {
        kind: AuthKind::None,
        user: String::new(),
        tokens: Vec::new(),
        scopes: Vec::new(),
    }
}

/// An invalid or expired OAuth access token. Kintone's code for this is not documented;
/// the sandbox answers 401 CB_AU01 plus an RFC 6750 `WWW-Authenticate` header so a
/// client can tell "refresh the token" apart (UNCONFIRMED, see README).
pub fn invalid_bearer() -> KError {
    KError::new(401, "CB_AU01", "Please login.")
}

/// Resolve the caller (§3.7 priority: password > API token > bearer). `api` is the API
/// name: the User API (`users`, `organizations` ...) does not take app API tokens (§7.9), so the token
/// header is ignored there. No credentials at all gives a `Caller` of kind `None`;
/// the caller decides whether that is 401 CB_AU01.
pub fn authenticate(
    domain: &Domain,
    headers: &HeaderMap,
    api: &str,
    now: DateTime<Utc>,
) -> Result<Caller, KError> {
    if let Some(v) = headers.get("x-cybozu-authorization") {
        let login = v.to_str().ok().and_then(decode_pair);
        let user = login.and_then(|(login, password)| {
            domain
                .users
                .iter()
                .find(|u| u.code == login && u.password == password && u.valid)
        });
        return match user {
            Some(u) => Ok(Caller {
                kind: AuthKind::Password,
                user: u.code.clone(),
                tokens: Vec::new(),
                scopes: Vec::new(),
            }),
            None => Err(KError::new(
                401,
                "CB_WA01",
                "Password authentication failed. The value in http header of \
                 X-Cybozu-Authorization is not valid.",
            )),
        };
    }

    let tokens = if crate::api::users::is_user_api(api) {
        Vec::new()
    } else {
        api_tokens(headers)
    };
    if !tokens.is_empty() {
        return token_caller(domain, &tokens);
    }

    if let Some(tok) = bearer(headers) {
        let grant = domain
            .oauth
            .access_tokens
            .get(tok)
            .filter(|g| g.expires_at > now)
            .ok_or_else(invalid_bearer)?;
        return Ok(Caller {
            kind: AuthKind::OAuth,
            user: grant.user.clone(),
            tokens: Vec::new(),
            scopes: grant.scopes.clone(),
        });
    }
    Ok(unauthenticated())
}

fn token_caller(domain: &Domain, tokens: &[String]) -> Result<Caller, KError> {
    if tokens.len() > MAX_API_TOKENS {
        // §3.2 says 10 or more tokens is an error without naming it; the sandbox uses
        // CB_VA01 keyed by the header (UNCONFIRMED, see README).
        return Err(KError::invalid(
            "X-Cybozu-API-Token",
            &["Specify up to 9 API tokens."],
        ));
    }
    // Every token must be a deployed token of some app before duplicates are judged:
    // one valid plus one invalid token is GAIA_IA02 (§3.2 table).
    let mut found = Vec::with_capacity(tokens.len());
    for t in tokens {
        let hit = domain.apps.values().find_map(|app| {
            app.api_tokens
                .iter()
                .position(|k| &k.token == t && k.deployed)
                .map(|idx| (app.id, idx))
        });
        match hit {
            Some(h) => found.push(h),
            None => {
                return Err(KError::new(
                    400,
                    "GAIA_IA02",
                    "The specified API token does not match the API token generated via an app.",
                ))
            }
        }
    }
    for (i, (app, _)) in found.iter().enumerate() {
        if found[..i].iter().any(|(a, _)| a == app) {
            return Err(KError::new(
                400,
                "GAIA_DA03",
                "You cannot specify a duplicate API token for the same app.",
            ));
        }
    }
    Ok(Caller {
        kind: AuthKind::ApiToken,
        user: TOKEN_USER.to_string(),
        tokens: found,
        scopes: Vec::new(),
    })
}
