//! Per-request dispatch: path forms (§1.2), method override (§2.3), parameters (§2.2),
//! the Basic layer and credentials (§3), the concurrency limit (§2.5), latency and fault
//! injection, the request log, and turning handler results into HTTP responses.

use super::state::{Fault, FaultAction, LogEntry, Sandbox};
use super::{admin, auth, oauth, params};
use crate::api::users::is_user_api;
use crate::api::{self, ApiRequest, ApiResponse, AuthKind, Caller, Method};
use crate::error::KError;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

pub type Body = BoxBody<Bytes, std::io::Error>;

/// Request bodies above this are refused (kintone allows 1 GB files; tests never need
/// that much and a runaway client should not exhaust memory).
pub const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

/// Configuration shared by every connection of one server.
pub struct Ctx {
    pub sandbox: Arc<Sandbox>,
    pub latency: Duration,
    pub basic: Option<(String, String)>,
}

/// Returned from the service to make hyper close the connection without a response
/// (fault injection).
#[derive(Debug)]
pub struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DropConnection {}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).map_err(|never| match never {}).boxed()
}

fn set_header(resp: &mut Response<Body>, name: &str, value: &str) {
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_bytes(value.as_bytes()),
    ) {
        resp.headers_mut().insert(n, v);
    }
}

pub fn response(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    set_header(&mut resp, "content-type", content_type);
    resp
}

pub const JSON_CT: &str = "application/json;charset=utf-8";

pub fn json_response(status: u16, v: &Value) -> Response<Body> {
    response(status, JSON_CT, v.to_string())
}

pub fn kerror_response(e: &KError) -> Response<Body> {
    let mut resp = json_response(e.status, &e.body());
    if e.code == "GAIA_TO04" {
        // §2.5: a 429 for the concurrency limit names its code in a header too.
        set_header(&mut resp, "x-cybozu-error", &e.code);
    }
    resp
}

pub fn too_many_requests() -> KError {
    KError::new(
        429,
        "GAIA_TO04",
        "The number of concurrent API requests exceeds the limit.",
    )
}

/// `/k/v1/{api}.json`, `/k/guest/{id}/v1/{api}.json` (preview names keep `preview/`),
/// and the User API's `/v1/{api}.json` (`users`, `organizations` ...); anything else
/// is not an API path.
pub fn parse_api_path(path: &str) -> Option<(String, Option<u64>)> {
    if let Some(rest) = path.strip_prefix("/k/") {
        let (guest, rest) = match rest.strip_prefix("guest/") {
            Some(g) => {
                let (id, r) = g.split_once('/')?;
                (Some(id.parse::<u64>().ok()?), r)
            }
            None => (None, rest),
        };
        let api = rest.strip_prefix("v1/")?.strip_suffix(".json")?;
        // The User API lives only at /v1/{api}.json.
        if api.is_empty() || is_user_api(api) || api.contains("//") {
            return None;
        }
        return Some((api.to_string(), guest));
    }
    let api = path.strip_prefix("/v1/")?.strip_suffix(".json")?;
    is_user_api(api).then(|| (api.to_string(), None))
}

fn header_string(parts: &hyper::http::request::Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Entry point for every request on every connection.
pub async fn serve(
    ctx: Arc<Ctx>,
    client_cert: bool,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let path = req.uri().path();
    if path == "/sandbox" || path.starts_with("/sandbox/") {
        return Ok(admin::handle(&ctx, req).await);
    }
    if path.starts_with("/oauth2/") {
        return Ok(oauth::handle(&ctx, req, client_cert).await);
    }
    api_request(&ctx, client_cert, req).await
}

fn finish(ctx: &Ctx, mut entry: LogEntry, mut resp: Response<Body>) -> Response<Body> {
    let sb = &ctx.sandbox;
    set_header(
        &mut resp,
        "x-concurrencylimit-limit",
        &sb.max_concurrency.load(Ordering::SeqCst).to_string(),
    );
    set_header(
        &mut resp,
        "x-concurrencylimit-running",
        &sb.in_flight.load(Ordering::SeqCst).to_string(),
    );
    entry.status = Some(resp.status().as_u16());
    entry.finished_ms = now_ms();
    sb.log().push(entry);
    resp
}

fn log_dropped(ctx: &Ctx, mut entry: LogEntry, status: Option<u16>) {
    entry.dropped = true;
    entry.status = status;
    entry.finished_ms = now_ms();
    ctx.sandbox.log().push(entry);
}

/// A body that sends `part` and then fails, so hyper aborts the connection mid-response.
fn aborting_body(part: Bytes) -> Body {
    let frames: Vec<Result<Frame<Bytes>, std::io::Error>> = vec![
        Ok(Frame::data(part)),
        Err(std::io::Error::other(
            "connection dropped by an injected fault",
        )),
    ];
    StreamBody::new(futures_util::stream::iter(frames)).boxed()
}

/// The same answer with its body sent one byte per `interval_ms`.
async fn trickled(resp: Response<Body>, interval_ms: u64) -> Response<Body> {
    let (mut rparts, rbody) = resp.into_parts();
    let bytes = rbody
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let interval = Duration::from_millis(interval_ms);
    // hyper stops polling (and drops the stream) when the client goes away.
    let stream = futures_util::stream::unfold(0usize, move |i| {
        let bytes = bytes.clone();
        async move {
            if i >= bytes.len() {
                return None;
            }
            tokio::time::sleep(interval).await;
            Some((
                Ok::<_, std::io::Error>(Frame::data(bytes.slice(i..i + 1))),
                i + 1,
            ))
        }
    });
    rparts.headers.remove("content-length");
    Response::from_parts(rparts, StreamBody::new(stream).boxed())
}

/// A cursor read's answer turned into `next: false`, with the cursor deleted, as if the
/// server had ended it early.
async fn end_cursor(sb: &Arc<Sandbox>, entry: &LogEntry, resp: Response<Body>) -> Response<Body> {
    let (rparts, rbody) = resp.into_parts();
    let bytes = rbody
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let mut v: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(_) => return Response::from_parts(rparts, full(bytes)),
    };
    if rparts.status.is_success() && v.get("next").is_some() {
        v["next"] = Value::Bool(false);
        if let Some(id) = entry.params.get("id").and_then(Value::as_str) {
            let id = id.to_string();
            let sb = sb.clone();
            let _ = tokio::task::spawn_blocking(move || sb.write().cursors.remove(&id)).await;
        }
    }
    let mut resp = Response::from_parts(rparts, full(v.to_string()));
    resp.headers_mut().remove("content-length");
    resp
}

fn fault_response(f: &Fault) -> (Response<Body>, Option<String>) {
    let status = f.status.unwrap_or(503);
    if let Some(body) = &f.body {
        let ct = f
            .content_type
            .as_deref()
            .unwrap_or("text/plain;charset=utf-8");
        return (response(status, ct, body.clone()), None);
    }
    if let Some(code) = &f.code {
        let msg = f
            .message
            .clone()
            .unwrap_or_else(|| "Injected fault.".into());
        let e = KError::new(status, code, msg);
        return (kerror_response(&e), Some(e.code));
    }
    match status {
        429 => {
            let e = too_many_requests();
            (kerror_response(&e), Some(e.code))
        }
        // §2.5: maintenance pages are text, not Kintone JSON.
        503 => (
            response(
                503,
                f.content_type
                    .as_deref()
                    .unwrap_or("text/plain;charset=utf-8"),
                "Service Unavailable",
            ),
            None,
        ),
        _ => {
            let msg = f
                .message
                .clone()
                .unwrap_or_else(|| "Injected fault.".into());
            let e = KError::new(status, "SANDBOX_FAULT", msg);
            (kerror_response(&e), Some(e.code))
        }
    }
}

async fn api_request(
    ctx: &Ctx,
    client_cert: bool,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let wire = parts.method.as_str().to_string();
    let override_header = header_string(&parts, "x-http-method-override");
    // §2.3: only on POST, and the value is case-sensitive; an unknown value is ignored.
    let effective = if wire == "POST" {
        Some(
            override_header
                .as_deref()
                .and_then(Method::parse)
                .unwrap_or(Method::Post),
        )
    } else {
        Method::parse(&wire)
    };
    let parsed = parse_api_path(&path);
    let mut entry = LogEntry {
        method: wire.clone(),
        effective_method: effective.map(|m| m.as_str().to_string()).unwrap_or(wire),
        override_header,
        path: path.clone(),
        api: parsed.as_ref().map(|p| p.0.clone()),
        guest: parsed.as_ref().and_then(|p| p.1),
        query: query.clone(),
        params: Value::Null,
        auth: AuthKind::None.as_str(),
        client_cert,
        content_type: header_string(&parts, "content-type"),
        started_ms: now_ms(),
        ..Default::default()
    };
    let sb = &ctx.sandbox;
    sb.total_requests.fetch_add(1, Ordering::SeqCst);

    // §2.5/§10: only REST (/k/) requests count towards the limit.
    let _slot = if path.starts_with("/k/") {
        match sb.try_enter() {
            Some(g) => Some(g),
            None => {
                let e = too_many_requests();
                entry.code = Some(e.code.clone());
                return Ok(finish(ctx, entry, kerror_response(&e)));
            }
        }
    } else {
        None
    };
    if !ctx.latency.is_zero() {
        tokio::time::sleep(ctx.latency).await;
    }

    let mut drop_after = None;
    let mut after_api = None;
    if let Some(f) = sb.take_fault(&entry.effective_method, entry.api.as_deref(), &path) {
        match f.action {
            FaultAction::Status => {
                let (resp, code) = fault_response(&f);
                entry.code = code;
                return Ok(finish(ctx, entry, resp));
            }
            FaultAction::Redirect => {
                let mut resp = response(
                    f.status.unwrap_or(302),
                    "text/html;charset=utf-8",
                    "<html><body>Moved</body></html>",
                );
                set_header(&mut resp, "location", f.location.as_deref().unwrap_or("/"));
                return Ok(finish(ctx, entry, resp));
            }
            FaultAction::Silent => {
                // Logged now: a client that gives up closes the connection, and hyper
                // then drops this future before the sleep ends.
                log_dropped(ctx, entry, None);
                // Bounded so that a test that never gives up still frees the connection.
                tokio::time::sleep(Duration::from_millis(f.duration_ms.unwrap_or(30_000))).await;
                return Err(DropConnection);
            }
            FaultAction::Trickle | FaultAction::EndCursor => after_api = Some(f),
            FaultAction::Drop if f.mid_body => {
                let mut resp = Response::new(aborting_body(Bytes::from_static(
                    b"{\"records\":[{\"$id\":{\"type\":\"__ID__\",\"value\":\"1\"}",
                )));
                set_header(&mut resp, "content-type", JSON_CT);
                set_header(&mut resp, "content-length", "4096");
                entry.dropped = true;
                return Ok(finish(ctx, entry, resp));
            }
            FaultAction::Drop => {
                log_dropped(ctx, entry, None);
                return Err(DropConnection);
            }
            FaultAction::DropAfterCommit => drop_after = Some(f),
        }
    }

    let resp = run_api(ctx, &parts, body, parsed, effective, &mut entry).await;

    if let Some(f) = after_api {
        let resp = match f.action {
            FaultAction::Trickle => trickled(resp, f.interval_ms.unwrap_or(100)).await,
            _ => end_cursor(sb, &entry, resp).await,
        };
        return Ok(finish(ctx, entry, resp));
    }

    if let Some(f) = drop_after {
        if !f.mid_body {
            log_dropped(ctx, entry, None);
            return Err(DropConnection);
        }
        let (rparts, rbody) = resp.into_parts();
        let bytes = rbody
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let half = bytes.slice(..bytes.len() / 2);
        let mut resp = Response::from_parts(rparts, aborting_body(half));
        set_header(&mut resp, "content-length", &bytes.len().to_string());
        entry.dropped = true;
        return Ok(finish(ctx, entry, resp));
    }
    Ok(finish(ctx, entry, resp))
}

fn basic_challenge() -> Response<Body> {
    let mut resp = response(
        401,
        "text/html; charset=utf-8",
        "<!DOCTYPE html>\n<html><head><title>401 Authorization Required</title></head>\
         <body><h1>Authorization Required</h1></body></html>\n",
    );
    set_header(
        &mut resp,
        "www-authenticate",
        "Basic realm=\"kintone-sandbox\"",
    );
    resp
}

fn error_out(entry: &mut LogEntry, e: &KError) -> Response<Body> {
    entry.code = Some(e.code.clone());
    kerror_response(e)
}

fn content_disposition(name: &str) -> String {
    let enc = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("attachment; filename*=UTF-8''{enc}")
}

fn api_response(r: ApiResponse) -> Response<Body> {
    match r {
        ApiResponse::Json(v) => json_response(200, &v),
        ApiResponse::JsonWithHeaders(v, headers) => {
            let mut resp = json_response(200, &v);
            for (k, val) in headers {
                set_header(&mut resp, &k, &val);
            }
            resp
        }
        ApiResponse::JsonText(text, headers) => {
            let mut resp = response(200, JSON_CT, text);
            for (k, val) in headers {
                set_header(&mut resp, &k, &val);
            }
            resp
        }
        ApiResponse::Bytes {
            content_type,
            file_name,
            data,
        } => {
            let mut resp = response(200, &content_type, data);
            set_header(
                &mut resp,
                "content-disposition",
                &content_disposition(&file_name),
            );
            resp
        }
    }
}

/// Replaces the value of every `password` member (at any depth) with `"***"`.
fn mask_passwords(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k.eq_ignore_ascii_case("password") {
                    *x = Value::String("***".into());
                } else {
                    mask_passwords(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask_passwords),
        _ => {}
    }
}

/// Everything after the infrastructure layer: Basic, routing, body, params, auth, handler.
async fn run_api(
    ctx: &Ctx,
    parts: &hyper::http::request::Parts,
    body: Incoming,
    parsed: Option<(String, Option<u64>)>,
    effective: Option<Method>,
    entry: &mut LogEntry,
) -> Response<Body> {
    match auth::check_basic(&parts.headers, ctx.basic.as_ref()) {
        auth::BasicLayer::Failed => return basic_challenge(),
        auth::BasicLayer::Passed => entry.basic = true,
        auth::BasicLayer::NotApplicable => {}
    }
    let Some((api, guest)) = parsed else {
        let name = parts.uri.path().trim_start_matches('/');
        return error_out(entry, &api::not_found(name));
    };
    let Some(method) = effective else {
        return error_out(entry, &api::not_found(&api));
    };
    let Some(handler) = api::route(method, &api) else {
        return error_out(entry, &api::not_found(&api));
    };

    let bytes = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => {
            let e = KError::new(413, "CB_VA01", "The request body is too large.");
            return error_out(entry, &e);
        }
    };
    let ct = entry.content_type.clone();
    let mut upload = None;
    let is_multipart = params::media_type(ct.as_deref()).as_deref() == Some("multipart/form-data");
    let body_params = if is_multipart && method == Method::Post && api == "file" {
        match params::parse_multipart(ct.as_deref().unwrap_or(""), bytes).await {
            Ok(u) => {
                upload = u;
                None
            }
            Err(e) => return error_out(entry, &e),
        }
    } else {
        match params::parse_json_body(ct.as_deref(), &bytes) {
            Ok(b) => b,
            Err(e) => return error_out(entry, &e),
        }
    };
    let query = entry.query.clone();
    if let Err(e) = params::check_query_field_indexes(&api, &query) {
        return error_out(entry, &e);
    }
    let params = params::merge(params::parse_query(&query), body_params);
    entry.params = params.clone();
    // guests.json carries the new guests' passwords: the log shows that one was sent.
    mask_passwords(&mut entry.params);

    let headers = parts.headers.clone();
    let lang = header_string(parts, "accept-language");
    let sandbox = ctx.sandbox.clone();
    let bearer_sent = auth::bearer(&headers).is_some();
    let sent_tokens = if is_user_api(&api) {
        0
    } else {
        auth::api_tokens(&headers).len()
    };
    let attempted = if headers.contains_key("x-cybozu-authorization") {
        AuthKind::Password
    } else if sent_tokens > 0 {
        AuthKind::ApiToken
    } else if bearer_sent {
        AuthKind::OAuth
    } else {
        AuthKind::None
    };
    let joined = tokio::task::spawn_blocking(move || {
        let now = sandbox.now();
        // The lock guard is a temporary: released before the handler takes its own.
        let caller = auth::authenticate(&sandbox.read(), &headers, &api, now);
        let caller: Caller = match caller {
            Ok(c) => c,
            Err(e) => return (None, Err(e)),
        };
        if caller.kind == AuthKind::None {
            return (Some(caller), Err(KError::not_logged_in()));
        }
        let req = ApiRequest {
            method,
            api,
            guest,
            params,
            caller: caller.clone(),
            upload,
            lang,
            now,
        };
        let result = handler(&sandbox, &req);
        (Some(caller), result)
    })
    .await;
    let (caller, result) = match joined {
        Ok(r) => r,
        Err(_) => (
            None,
            Err(KError::new(
                500,
                "SANDBOX_PANIC",
                "The sandbox handler panicked; this is a sandbox bug.",
            )),
        ),
    };
    // Log what was attempted even when it failed (a wrong password is "password").
    entry.auth = attempted.as_str();
    entry.api_tokens = sent_tokens;
    if let Some(c) = caller.as_ref().filter(|c| c.kind != AuthKind::None) {
        entry.user = Some(c.user.clone());
    }
    match result {
        Ok(r) => api_response(r),
        Err(e) => {
            let mut resp = error_out(entry, &e);
            if attempted == AuthKind::OAuth && caller.is_none() && e.status == 401 {
                set_header(
                    &mut resp,
                    "www-authenticate",
                    "Bearer error=\"invalid_token\"",
                );
            }
            resp
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_headers_and_downloads() {
        let r = api_response(ApiResponse::JsonWithHeaders(
            serde_json::json!({"records": []}),
            vec![(
                "X-Cybozu-Warning".into(),
                "Filter aborted because of too many search results".into(),
            )],
        ));
        assert_eq!(
            r.headers()["x-cybozu-warning"],
            "Filter aborted because of too many search results"
        );
        assert_eq!(r.headers()["content-type"], JSON_CT);
        let r = api_response(ApiResponse::Bytes {
            content_type: "image/png".into(),
            file_name: "写真 1.png".into(),
            data: Bytes::from_static(b"\x89PNG"),
        });
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(
            r.headers()["content-disposition"],
            "attachment; filename*=UTF-8''%E5%86%99%E7%9C%9F%201%2Epng"
        );
        let e = too_many_requests();
        let r = kerror_response(&e);
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["x-cybozu-error"], "GAIA_TO04");
    }

    #[test]
    fn path_forms() {
        assert_eq!(
            parse_api_path("/k/v1/records.json"),
            Some(("records".into(), None))
        );
        assert_eq!(
            parse_api_path("/k/guest/7/v1/preview/app/form/fields.json"),
            Some(("preview/app/form/fields".into(), Some(7)))
        );
        assert_eq!(
            parse_api_path("/v1/users.json"),
            Some(("users".into(), None))
        );
        assert_eq!(
            parse_api_path("/v1/organization/users.json"),
            Some(("organization/users".into(), None))
        );
        assert_eq!(parse_api_path("/k/v1/users.json"), None);
        assert_eq!(parse_api_path("/k/v1/groups.json"), None);
        assert_eq!(parse_api_path("/v1/apps.json"), None);
        assert_eq!(parse_api_path("/k/v1/records"), None);
        assert_eq!(parse_api_path("/k/guest/x/v1/records.json"), None);
        assert_eq!(parse_api_path("/v1/records.json"), None);
    }
}
