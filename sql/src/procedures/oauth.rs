//! The OAuth procedures of CData's driver (the seeds' "Web Applications" and
//! "Headless Machines" flows): build the consent URL, exchange the code it yields,
//! refresh a token.
//!
//! They call the token endpoint only (no Kintone API, no catalog), so they work on a
//! connection that has an OAuth client but no token yet. The client id and secret
//! come from the connection (`OAuthClientId`, `OAuthClientSecret`), never from a
//! parameter, so a statement text never carries the client secret.

use datafusion::common::ScalarValue;
use kintone_api::oauth::{authorization_url, OAuthClient, TokenSet, DEFAULT_SCOPE};

use super::{Args, Param, ProcContext, Procedure, ResultColumn, SqlType};
use crate::error::{state, SqlError, SqlResult};

/// Where the browser is sent when neither `CallbackURL` (parameter or connection
/// property) is given: CData's default for desktop applications.
pub const DEFAULT_CALLBACK_URL: &str = "http://localhost:33333";

const AUTH_MODE: Param = Param {
    name: "AuthMode",
    ty: SqlType::Text,
    required: false,
    default: Some("APP"),
    description: "APP (a desktop application) or WEB (a web application that handles the redirect itself). Both yield the same Kintone request; WEB is accepted for compatibility with CData's driver.",
    secret: false,
};

const CALLBACK_URL: Param = Param {
    name: "CallbackURL",
    ty: SqlType::Text,
    required: false,
    default: Some("the CallbackURL connection property, else http://localhost:33333"),
    description: "The redirect URI registered for the OAuth client; the code comes back to it.",
    secret: false,
};

const SCOPE: Param = Param {
    name: "Scope",
    ty: SqlType::Text,
    required: false,
    default: Some("the Scope connection property, else k:app_record:read k:app_record:write k:app_settings:read k:file:read k:file:write"),
    description: "Space-separated Kintone OAuth scopes.",
    secret: false,
};

const STATE: Param = Param {
    name: "State",
    ty: SqlType::Text,
    required: false,
    default: Some("a random value"),
    description: "Passed through the consent page to the redirect, where the caller checks it (CSRF protection). When omitted, a random value is generated; it is in the URL returned.",
    secret: false,
};

pub static GET_OAUTH_AUTHORIZATION_URL: Procedure = Procedure {
    name: "GetOAuthAuthorizationURL",
    description: "The Kintone URL where a user signs in and consents; the redirect to CallbackURL then carries the code (the Verifier of GetOAuthAccessToken). Needs OAuthClientId.",
    params: &[AUTH_MODE, CALLBACK_URL, SCOPE, STATE],
    columns: &[ResultColumn {
        name: "URL",
        ty: SqlType::Text,
        nullable: false,
        description: "The authorization URL to open in a browser.",
    }],
    writes: false,
    body: |ctx, args| Box::pin(get_authorization_url(ctx, args)),
};

const TOKEN_COLUMNS: &[ResultColumn] = &[
    ResultColumn {
        name: "OAuthAccessToken",
        ty: SqlType::Text,
        nullable: false,
        description: "The access token (the OAuthAccessToken connection property).",
    },
    ResultColumn {
        name: "OAuthRefreshToken",
        ty: SqlType::Text,
        nullable: true,
        description: "The refresh token, for RefreshOAuthAccessToken.",
    },
    ResultColumn {
        name: "ExpiresIn",
        ty: SqlType::Integer,
        nullable: false,
        description: "Seconds the access token lives (-1: not said).",
    },
];

pub static GET_OAUTH_ACCESS_TOKEN: Procedure = Procedure {
    name: "GetOAuthAccessToken",
    description: "Exchanges the code of the consent redirect (Verifier) for an access token and a refresh token. Needs OAuthClientId and OAuthClientSecret.",
    params: &[
        AUTH_MODE,
        Param {
            name: "Verifier",
            ty: SqlType::Text,
            required: true,
            default: None,
            description: "The code parameter of the redirect after consent (valid 10 minutes, once).",
            secret: true,
        },
        Param {
            description: "The redirect URI the code was issued for (the CallbackURL given to GetOAuthAuthorizationURL).",
            ..CALLBACK_URL
        },
        Param {
            description: "Accepted for compatibility; the scopes are those consented to.",
            ..SCOPE
        },
        Param {
            default: None,
            description: "Accepted for compatibility; check the state of the redirect before calling.",
            ..STATE
        },
    ],
    columns: TOKEN_COLUMNS,
    writes: false,
    body: |ctx, args| Box::pin(get_access_token(ctx, args)),
};

pub static REFRESH_OAUTH_ACCESS_TOKEN: Procedure = Procedure {
    name: "RefreshOAuthAccessToken",
    description:
        "A new access token from a refresh token. Needs OAuthClientId and OAuthClientSecret.",
    params: &[Param {
        name: "OAuthRefreshToken",
        ty: SqlType::Text,
        required: false,
        default: Some("the OAuthRefreshToken connection property"),
        description: "The refresh token returned by GetOAuthAccessToken.",
        secret: true,
    }],
    columns: TOKEN_COLUMNS,
    writes: false,
    body: |ctx, args| Box::pin(refresh_access_token(ctx, args)),
};

fn check_auth_mode(args: &Args) -> SqlResult<()> {
    match args.text("AuthMode")? {
        None => Ok(()),
        Some(m) if m.eq_ignore_ascii_case("APP") || m.eq_ignore_ascii_case("WEB") => Ok(()),
        Some(m) => Err(SqlError::new(
            "HY024",
            format!("AuthMode '{m}' is not APP or WEB"),
        )),
    }
}

fn callback_url(ctx: &ProcContext, args: &Args) -> SqlResult<String> {
    Ok(args
        .text("CallbackURL")?
        .or_else(|| {
            ctx.settings
                .oauth
                .callback_url
                .clone()
                .filter(|s| !s.trim().is_empty())
        })
        .unwrap_or_else(|| DEFAULT_CALLBACK_URL.to_string()))
}

fn missing_client(procedure: &str, missing: &[&str]) -> SqlError {
    SqlError::new(
        state::GENERAL,
        format!(
            "{procedure} needs the connection propert{} {} (the OAuth client registered in Kintone's OAuth settings)",
            if missing.len() == 1 { "y" } else { "ies" },
            missing.join(" and ")
        ),
    )
}

fn client_id(ctx: &ProcContext, procedure: &str) -> SqlResult<String> {
    ctx.settings
        .oauth
        .client_id
        .clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing_client(procedure, &["OAuthClientId"]))
}

fn oauth_client(ctx: &ProcContext, procedure: &str) -> SqlResult<OAuthClient> {
    let o = &ctx.settings.oauth;
    let id = o.client_id.clone().filter(|s| !s.trim().is_empty());
    let secret = o
        .client_secret
        .clone()
        .filter(|s| !s.expose().trim().is_empty());
    match (id, secret) {
        (Some(client_id), Some(client_secret)) => Ok(OAuthClient {
            client_id,
            client_secret,
        }),
        (id, secret) => {
            let mut missing = Vec::new();
            if id.is_none() {
                missing.push("OAuthClientId");
            }
            if secret.is_none() {
                missing.push("OAuthClientSecret");
            }
            Err(missing_client(procedure, &missing))
        }
    }
}

fn token_row(t: TokenSet) -> Vec<Vec<ScalarValue>> {
    let expires = t
        .expires_in
        .and_then(|s| i64::try_from(s).ok())
        .unwrap_or(-1);
    vec![vec![
        ScalarValue::Utf8(Some(t.access_token.expose().to_string())),
        ScalarValue::Utf8(t.refresh_token.map(|r| r.expose().to_string())),
        ScalarValue::Int64(Some(expires)),
    ]]
}

async fn get_authorization_url(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    check_auth_mode(&args)?;
    let id = client_id(ctx, GET_OAUTH_AUTHORIZATION_URL.name)?;
    let redirect = callback_url(ctx, &args)?;
    let scope = args
        .text("Scope")?
        .or_else(|| {
            ctx.settings
                .oauth
                .scope
                .clone()
                .filter(|s| !s.trim().is_empty())
        })
        .unwrap_or_else(|| DEFAULT_SCOPE.to_string());
    // Kintone requires a state; an unguessable one is what the caller should have
    // passed, so that is what an omitted one becomes.
    let state = match args.text("State")? {
        Some(s) => s,
        None => format!("{:032x}", rand::random::<u128>()),
    };
    let url = authorization_url(ctx.client.base_url(), &id, &redirect, &scope, &state);
    Ok(vec![vec![ScalarValue::Utf8(Some(url))]])
}

async fn get_access_token(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    check_auth_mode(&args)?;
    let app = oauth_client(ctx, GET_OAUTH_ACCESS_TOKEN.name)?;
    let code = args.secret("Verifier")?.ok_or_else(|| {
        SqlError::new(
            state::SYNTAX,
            "GetOAuthAccessToken needs parameter Verifier (the code of the consent redirect)",
        )
    })?;
    let redirect = callback_url(ctx, &args)?;
    let tokens = ctx
        .client
        .oauth_exchange_code(&app, &code, &redirect)
        .await?;
    Ok(token_row(tokens))
}

async fn refresh_access_token(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    let app = oauth_client(ctx, REFRESH_OAUTH_ACCESS_TOKEN.name)?;
    let refresh = args
        .secret("OAuthRefreshToken")?
        .or_else(|| {
            ctx.settings
                .oauth
                .refresh_token
                .clone()
                .filter(|s| !s.expose().trim().is_empty())
        })
        .ok_or_else(|| {
            SqlError::new(
                state::SYNTAX,
                "RefreshOAuthAccessToken needs parameter OAuthRefreshToken (or the OAuthRefreshToken connection property)",
            )
        })?;
    let tokens = ctx.client.oauth_refresh(&app, &refresh, None).await?;
    Ok(token_row(tokens))
}
