//! OAuth 2.0 authorization-code flow (§3.4): the authorization page (login + consent,
//! completable with a plain form POST), and the token endpoint with the
//! `authorization_code` and `refresh_token` grants. Errors follow RFC 6749.

use super::auth;
use super::http::{full, json_response, now_ms, response, Body, Ctx};
use super::state::LogEntry;
use crate::model::{Domain, OAuthClient, OAuthGrant};
use chrono::{DateTime, Duration, Utc};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The six kintone scopes (§3.4).
pub const SCOPES: [&str; 6] = [
    "k:app_record:read",
    "k:app_record:write",
    "k:app_settings:read",
    "k:app_settings:write",
    "k:file:read",
    "k:file:write",
];

/// Authorization codes are short-lived (RFC 6749 §4.1.2 recommends at most 10 minutes).
pub const CODE_LIFETIME_SECS: i64 = 600;

/// Refresh tokens do not expire in the sandbox (kintone documents no lifetime).
const REFRESH_LIFETIME_DAYS: i64 = 36_500;

/// Only these parameters are copied to the request log: never passwords or secrets.
const LOGGABLE: [&str; 8] = [
    "client_id",
    "redirect_uri",
    "state",
    "response_type",
    "scope",
    "grant_type",
    "consent",
    "login",
];

fn new_secret() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn html(status: u16, body: String) -> Response<Body> {
    response(status, "text/html; charset=utf-8", body)
}

fn redirect(location: &str) -> Response<Body> {
    let mut resp = Response::new(full(""));
    *resp.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert("location", v);
    }
    resp
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{}", ser.finish())
}

fn token_error(status: u16, error: &str, description: &str) -> Response<Body> {
    let mut resp = json_response(
        status,
        &json!({"error": error, "error_description": description}),
    );
    resp.headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    if status == 401 {
        resp.headers_mut().insert(
            "www-authenticate",
            HeaderValue::from_static("Basic realm=\"oauth2\""),
        );
    }
    resp
}

pub async fn handle(ctx: &Ctx, req: Request<Incoming>, client_cert: bool) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut entry = LogEntry {
        method: parts.method.as_str().to_string(),
        effective_method: parts.method.as_str().to_string(),
        path: path.clone(),
        api: Some(path.trim_start_matches('/').to_string()),
        query: query.clone(),
        params: Value::Null,
        auth: "none",
        client_cert,
        content_type: content_type.clone(),
        started_ms: now_ms(),
        ..Default::default()
    };
    let bytes = Limited::new(body, 1024 * 1024)
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let mut form: HashMap<String, String> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if parts.method == Method::POST {
        let is_form = super::params::media_type(content_type.as_deref()).as_deref()
            == Some("application/x-www-form-urlencoded");
        if is_form {
            form.extend(form_urlencoded::parse(&bytes).into_owned());
        }
    }
    let logged: Map<String, Value> = form
        .iter()
        .filter(|(k, _)| LOGGABLE.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    entry.params = Value::Object(logged);

    let sb = ctx.sandbox.clone();
    let method = parts.method.clone();
    let headers = parts.headers.clone();
    let p = path.clone();
    let result = tokio::task::spawn_blocking(move || {
        let now = sb.now();
        match (method, p.as_str()) {
            (Method::GET, "/oauth2/authorization") => authorize_page(&sb.read(), &form),
            (Method::POST, "/oauth2/authorization") => {
                authorize_submit(&mut sb.write(), &form, now)
            }
            (Method::POST, "/oauth2/token") => token(&mut sb.write(), &headers, &form, now),
            _ => (
                json_response(404, &json!({"error": "not_found"})),
                Some("not_found".to_string()),
            ),
        }
    })
    .await;
    let (resp, code) = result.unwrap_or_else(|_| {
        (
            token_error(500, "server_error", "sandbox panic"),
            Some("server_error".into()),
        )
    });
    entry.code = code;
    entry.status = Some(resp.status().as_u16());
    entry.finished_ms = now_ms();
    ctx.sandbox.log().push(entry);
    resp
}

enum AuthzError {
    /// client_id / redirect_uri cannot be trusted: show an error page, do not redirect
    /// (RFC 6749 §4.1.2.1).
    Page(String),
    /// Redirect back to the client with `error=...`.
    Redirect(String, &'static str),
}

struct Authz {
    client: OAuthClient,
    redirect_uri: String,
    scopes: Vec<String>,
}

fn validate(domain: &Domain, form: &HashMap<String, String>) -> Result<Authz, AuthzError> {
    let client_id = form.get("client_id").map(String::as_str).unwrap_or("");
    let client = domain
        .oauth_clients
        .iter()
        .find(|c| c.client_id == client_id)
        .ok_or_else(|| AuthzError::Page("Unknown client_id.".into()))?;
    let redirect_uri = match form.get("redirect_uri") {
        Some(r) if r != &client.redirect_uri => {
            return Err(AuthzError::Page(
                "redirect_uri does not match the registered redirect endpoint.".into(),
            ))
        }
        _ => client.redirect_uri.clone(),
    };
    if form.get("response_type").map(String::as_str) != Some("code") {
        return Err(AuthzError::Redirect(
            redirect_uri,
            "unsupported_response_type",
        ));
    }
    let scopes: Vec<String> = form
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    if scopes.is_empty() || scopes.iter().any(|s| !SCOPES.contains(&s.as_str())) {
        return Err(AuthzError::Redirect(redirect_uri, "invalid_scope"));
    }
    Ok(Authz {
        client: client.clone(),
        redirect_uri,
        scopes,
    })
}

fn authz_error(e: AuthzError, form: &HashMap<String, String>) -> (Response<Body>, Option<String>) {
    match e {
        AuthzError::Page(msg) => (
            html(
                400,
                format!(
                    "<!DOCTYPE html>\n<html><head><title>OAuth error</title></head><body>\
                     <h1>Authorization error</h1><p id=\"error\">{}</p></body></html>\n",
                    html_escape(&msg)
                ),
            ),
            Some("invalid_request".into()),
        ),
        AuthzError::Redirect(uri, error) => {
            let mut pairs = vec![("error", error)];
            if let Some(s) = form.get("state") {
                pairs.push(("state", s.as_str()));
            }
            (redirect(&with_query(&uri, &pairs)), Some(error.to_string()))
        }
    }
}

fn login_form(form: &HashMap<String, String>, a: &Authz, error: Option<&str>) -> String {
    let hidden: String = [
        "client_id",
        "redirect_uri",
        "state",
        "response_type",
        "scope",
    ]
    .iter()
    .filter_map(|k| {
        let v = match *k {
            "redirect_uri" => Some(a.redirect_uri.clone()),
            "client_id" => Some(a.client.client_id.clone()),
            _ => form.get(*k).cloned(),
        }?;
        Some(format!(
            "<input type=\"hidden\" name=\"{k}\" value=\"{}\">\n",
            html_escape(&v)
        ))
    })
    .collect();
    let scopes: String = a
        .scopes
        .iter()
        .map(|s| format!("<li>{}</li>", html_escape(s)))
        .collect();
    let err = error
        .map(|e| format!("<p id=\"error\">{}</p>\n", html_escape(e)))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>kintone-sandbox: authorize</title></head>\n\
         <body><h1>Authorize {client}</h1>\n{err}<p>The application asks for:</p><ul>{scopes}</ul>\n\
         <form method=\"post\" action=\"/oauth2/authorization\">\n{hidden}\
         <label>Login name <input name=\"login\"></label>\n\
         <label>Password <input type=\"password\" name=\"password\"></label>\n\
         <button type=\"submit\" name=\"consent\" value=\"allow\">Allow</button>\n\
         <button type=\"submit\" name=\"consent\" value=\"deny\">Deny</button>\n\
         </form></body></html>\n",
        client = html_escape(&a.client.client_id)
    )
}

fn authorize_page(
    domain: &Domain,
    form: &HashMap<String, String>,
) -> (Response<Body>, Option<String>) {
    match validate(domain, form) {
        Ok(a) => (html(200, login_form(form, &a, None)), None),
        Err(e) => authz_error(e, form),
    }
}

fn authorize_submit(
    domain: &mut Domain,
    form: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> (Response<Body>, Option<String>) {
    let a = match validate(domain, form) {
        Ok(a) => a,
        Err(e) => return authz_error(e, form),
    };
    if form.get("consent").map(String::as_str) != Some("allow") {
        return authz_error(AuthzError::Redirect(a.redirect_uri, "access_denied"), form);
    }
    let login = form.get("login").map(String::as_str).unwrap_or("");
    let password = form.get("password").map(String::as_str).unwrap_or("");
    let Some(user) = domain
        .users
        .iter()
        .find(|u| u.code == login && u.password == password && u.valid)
    else {
        return (
            html(
                401,
                login_form(form, &a, Some("Login name or password is incorrect.")),
            ),
            Some("login_failed".into()),
        );
    };
    let code = new_secret();
    domain.oauth.codes.retain(|_, g| g.expires_at > now);
    domain.oauth.codes.insert(
        code.clone(),
        OAuthGrant {
            client_id: a.client.client_id.clone(),
            user: user.code.clone(),
            scopes: a.scopes.clone(),
            redirect_uri: a.redirect_uri.clone(),
            expires_at: now + Duration::seconds(CODE_LIFETIME_SECS),
        },
    );
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = form.get("state") {
        pairs.push(("state", s.as_str()));
    }
    (redirect(&with_query(&a.redirect_uri, &pairs)), None)
}

fn token(
    domain: &mut Domain,
    headers: &hyper::HeaderMap,
    form: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> (Response<Body>, Option<String>) {
    let err = |status: u16, error: &str, desc: &str| {
        (token_error(status, error, desc), Some(error.to_string()))
    };
    // Client authentication: HTTP Basic, or client_id/client_secret in the body (§3.4
    // says both are reported to work). A Basic header that is not a client's (e.g. the
    // domain's Basic layer) falls through to the body credentials.
    let basic = auth::basic_credentials(headers);
    let body = form
        .get("client_id")
        .zip(form.get("client_secret"))
        .map(|(i, s)| (i.clone(), s.clone()));
    if basic.is_none() && body.is_none() {
        return err(401, "invalid_client", "Client authentication is required.");
    }
    let Some(client) = [basic, body]
        .into_iter()
        .flatten()
        .find_map(|(id, secret)| {
            domain
                .oauth_clients
                .iter()
                .find(|c| c.client_id == id && c.client_secret == secret)
                .cloned()
        })
    else {
        return err(401, "invalid_client", "Client authentication failed.");
    };
    let lifetime = domain.limits.oauth_token_lifetime_secs;
    domain.oauth.access_tokens.retain(|_, g| g.expires_at > now);
    match form.get("grant_type").map(String::as_str) {
        None => err(400, "invalid_request", "grant_type is required."),
        Some("authorization_code") => {
            let Some(code) = form.get("code") else {
                return err(400, "invalid_request", "code is required.");
            };
            // Single use: the code is consumed even when the request fails below.
            let Some(grant) = domain.oauth.codes.remove(code) else {
                return err(
                    400,
                    "invalid_grant",
                    "The authorization code is invalid or was already used.",
                );
            };
            if grant.client_id != client.client_id {
                return err(
                    400,
                    "invalid_grant",
                    "The authorization code was issued to another client.",
                );
            }
            if grant.expires_at <= now {
                return err(400, "invalid_grant", "The authorization code has expired.");
            }
            match form.get("redirect_uri") {
                None => return err(400, "invalid_request", "redirect_uri is required."),
                Some(r) if r != &grant.redirect_uri => {
                    return err(
                        400,
                        "invalid_grant",
                        "redirect_uri does not match the authorization request.",
                    )
                }
                Some(_) => {}
            }
            let access = new_secret();
            let refresh = new_secret();
            let scope = grant.scopes.join(" ");
            domain.oauth.access_tokens.insert(
                access.clone(),
                OAuthGrant {
                    expires_at: now + Duration::seconds(lifetime),
                    ..grant.clone()
                },
            );
            domain.oauth.refresh_tokens.insert(
                refresh.clone(),
                OAuthGrant {
                    expires_at: now + Duration::days(REFRESH_LIFETIME_DAYS),
                    ..grant
                },
            );
            (
                token_ok(json!({
                    "access_token": access,
                    "token_type": "Bearer",
                    "expires_in": lifetime,
                    "refresh_token": refresh,
                    "scope": scope,
                })),
                None,
            )
        }
        Some("refresh_token") => {
            let Some(rt) = form.get("refresh_token") else {
                return err(400, "invalid_request", "refresh_token is required.");
            };
            let Some(grant) = domain
                .oauth
                .refresh_tokens
                .get(rt)
                .filter(|g| g.expires_at > now)
                .cloned()
            else {
                return err(400, "invalid_grant", "The refresh token is invalid.");
            };
            if grant.client_id != client.client_id {
                return err(
                    400,
                    "invalid_grant",
                    "The refresh token was issued to another client.",
                );
            }
            let scopes = match form.get("scope") {
                Some(s) => {
                    let asked: Vec<String> = s.split_whitespace().map(str::to_string).collect();
                    if asked.is_empty() || asked.iter().any(|a| !grant.scopes.contains(a)) {
                        return err(
                            400,
                            "invalid_scope",
                            "The scope exceeds the original grant.",
                        );
                    }
                    asked
                }
                None => grant.scopes.clone(),
            };
            let access = new_secret();
            let scope = scopes.join(" ");
            domain.oauth.access_tokens.insert(
                access.clone(),
                OAuthGrant {
                    scopes,
                    expires_at: now + Duration::seconds(lifetime),
                    ..grant
                },
            );
            // §3.4: the refresh response carries no new refresh_token; the original
            // one stays valid.
            (
                token_ok(json!({
                    "access_token": access,
                    "token_type": "Bearer",
                    "expires_in": lifetime,
                    "scope": scope,
                })),
                None,
            )
        }
        Some(_) => err(
            400,
            "unsupported_grant_type",
            "Only authorization_code and refresh_token are supported.",
        ),
    }
}

fn token_ok(v: Value) -> Response<Body> {
    let mut resp = json_response(200, &v);
    resp.headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    resp.headers_mut()
        .insert("pragma", HeaderValue::from_static("no-cache"));
    resp
}
