//! `/sandbox/...` admin endpoints for tests: request log, fault injection, statistics,
//! open cursors and the sandbox clock. No auth; never logged. See README.

use super::http::{json_response, Body, Ctx};
use super::params;
use super::state::{Fault, FaultAction};
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

fn bad(msg: impl Into<String>) -> Response<Body> {
    json_response(400, &json!({"error": msg.into()}))
}

async fn read_json(body: Incoming) -> Result<Value, Response<Body>> {
    let bytes: Bytes = Limited::new(body, 1024 * 1024)
        .collect()
        .await
        .map_err(|_| bad("cannot read the request body"))?
        .to_bytes();
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(json!({}));
    }
    serde_json::from_slice(&bytes).map_err(|e| bad(format!("invalid JSON body: {e}")))
}

pub async fn handle(ctx: &Ctx, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().trim_end_matches('/').to_string();
    let query = params::parse_query(req.uri().query().unwrap_or(""));
    let method = req.method().clone();
    let sb = ctx.sandbox.clone();
    match (method, path.as_str()) {
        (Method::GET, "/sandbox/requests") => {
            let since = match query.get("since").and_then(Value::as_str) {
                None => 0,
                Some(s) => match s.parse::<u64>() {
                    Ok(n) => n,
                    Err(_) => return bad("since must be a non-negative integer"),
                },
            };
            let log = sb.log();
            let entries: Vec<&_> = log.entries.iter().filter(|e| e.seq > since).collect();
            json_response(
                200,
                &json!({ "requests": entries, "last_seq": log.next_seq }),
            )
        }
        (Method::DELETE, "/sandbox/requests") => {
            // Sequence numbers keep growing so `since` pollers stay valid.
            sb.log().clear();
            json_response(200, &json!({}))
        }
        (Method::POST, "/sandbox/faults") => {
            let v = match read_json(req.into_body()).await {
                Ok(v) => v,
                Err(r) => return r,
            };
            let fault: Fault = match serde_json::from_value(v) {
                Ok(f) => f,
                Err(e) => return bad(format!("invalid fault: {e}")),
            };
            if fault.count == 0 {
                return bad("count must be at least 1");
            }
            if let Some(s) = fault.status {
                if !(100..=999).contains(&s) {
                    return bad("status must be an HTTP status code");
                }
            }
            if fault
                .method
                .as_deref()
                .is_some_and(|m| crate::api::Method::parse(m).is_none())
            {
                return bad("method must be GET, POST, PUT or DELETE");
            }
            if !matches!(fault.action, FaultAction::Status | FaultAction::Redirect)
                && fault.status.is_some()
            {
                return bad("status applies only to actions \"status\" and \"redirect\"");
            }
            if fault.action == FaultAction::Redirect {
                if fault.location.as_deref().is_none_or(str::is_empty) {
                    return bad("a redirect needs a location");
                }
                if !matches!(fault.status.unwrap_or(302), 301..=303 | 307 | 308) {
                    return bad("a redirect status is 301, 302, 303, 307 or 308");
                }
            } else if fault.location.is_some() {
                return bad("location applies only to action \"redirect\"");
            }
            if fault.duration_ms.is_some_and(|d| d > 600_000) {
                return bad("duration_ms is at most 600000");
            }
            if fault.interval_ms.is_some_and(|d| d == 0 || d > 60_000) {
                return bad("interval_ms is 1 to 60000");
            }
            let mut faults = sb.faults();
            faults.push(fault);
            json_response(200, &json!({ "faults": *faults }))
        }
        (Method::GET, "/sandbox/faults") => json_response(200, &json!({ "faults": *sb.faults() })),
        (Method::DELETE, "/sandbox/faults") => {
            sb.faults().clear();
            json_response(200, &json!({}))
        }
        (Method::GET, "/sandbox/stats") => {
            let sb2 = sb.clone();
            let open = tokio::task::spawn_blocking(move || sb2.open_cursors())
                .await
                .unwrap_or(0);
            json_response(
                200,
                &json!({
                    "in_flight": sb.in_flight.load(Ordering::SeqCst),
                    "max_in_flight": sb.max_in_flight.load(Ordering::SeqCst),
                    "total_requests": sb.total_requests.load(Ordering::SeqCst),
                    "open_cursors": open,
                    "max_concurrency": sb.max_concurrency.load(Ordering::SeqCst),
                }),
            )
        }
        (Method::POST, "/sandbox/stats/reset") => {
            sb.max_in_flight
                .store(sb.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
            sb.total_requests.store(0, Ordering::SeqCst);
            json_response(200, &json!({}))
        }
        (Method::GET, "/sandbox/cursors") => {
            let sb2 = sb.clone();
            let list = tokio::task::spawn_blocking(move || {
                let now = sb2.now();
                let d = sb2.read();
                let mut list: Vec<Value> = d
                    .cursors
                    .values()
                    .filter(|c| c.expires_at > now)
                    .map(|c| {
                        json!({
                            "id": c.id,
                            "app": c.app,
                            "guest": c.guest,
                            "position": c.position,
                            "size": c.size,
                            "total": c.total,
                            "owner": c.owner,
                            "expires_at": c.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        })
                    })
                    .collect();
                list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
                list
            })
            .await
            .unwrap_or_default();
            json_response(200, &json!({ "cursors": list }))
        }
        (Method::GET, "/sandbox/spaces") => {
            let sb2 = sb.clone();
            let v =
                tokio::task::spawn_blocking(move || crate::api::spaces::admin_spaces(&sb2.read()))
                    .await
                    .unwrap_or_default();
            json_response(200, &v)
        }
        (Method::GET, "/sandbox/guests") => {
            let sb2 = sb.clone();
            let v =
                tokio::task::spawn_blocking(move || crate::api::spaces::admin_guests(&sb2.read()))
                    .await
                    .unwrap_or_default();
            json_response(200, &v)
        }
        (Method::GET, "/sandbox/clock") => clock(ctx),
        (Method::POST, "/sandbox/clock") => {
            let v = match read_json(req.into_body()).await {
                Ok(v) => v,
                Err(r) => return r,
            };
            let Some(secs) = v.get("advance_secs").and_then(Value::as_i64) else {
                return bad("advance_secs (integer seconds) is required");
            };
            sb.advance_clock(secs);
            clock(ctx)
        }
        _ => json_response(
            404,
            &json!({"error": format!("unknown admin endpoint {path}")}),
        ),
    }
}

fn clock(ctx: &Ctx) -> Response<Body> {
    let sb = &ctx.sandbox;
    json_response(
        200,
        &json!({
            "now": sb.now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "offset_secs": sb.clock_offset_secs.load(Ordering::SeqCst),
        }),
    )
}
