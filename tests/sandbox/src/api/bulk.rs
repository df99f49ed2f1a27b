//! bulkRequest (§4.8). OWNER: records helper.
//!
//! The sub-requests run in order under the real domain's single write lock: the domain
//! is moved into a private `Sandbox` (so every handler, including the process handlers
//! reached through `api::route`, takes that private lock), and moved back afterwards.
//! Before running, the apps the payloads name, the file store and the row-id counter are
//! copied; any failure restores them, so nothing of the batch stays committed.
//!
//! Choices (UNCONFIRMED, listed in the README):
//! - The HTTP status of a failed batch is the failing sub-request's status.
//! - Malformed `requests` entries (unknown method/api, missing payload) fail the batch as
//!   400 CB_VA01 with keys `requests[<i>].method` / `requests[<i>].api`, wrapped in
//!   `results` like any sub-request failure.
//! - Sub-requests whose paths name different guest spaces (or mix a guest space with
//!   normal paths) are 400 CB_VA01 under `requests`, not wrapped.
// KError is large (errors map); every handler returns it, as in the skeleton.
#![allow(clippy::result_large_err)]

use super::{route, ApiRequest, ApiResponse, Method};
use crate::error::{KError, KResult};
use crate::model::{App, Json, StoredFile};
use crate::server::state::Sandbox;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;

const MAX_REQUESTS: usize = 20;

/// `/k/v1/records.json` or `/k/guest/3/v1/records.json` -> (guest, "records").
fn parse_api_path(path: &str) -> Option<(Option<u64>, String)> {
    let rest = path.strip_prefix("/k/")?;
    let (guest, rest) = match rest.strip_prefix("guest/") {
        Some(g) => {
            let (id, r) = g.split_once('/')?;
            (Some(id.parse().ok()?), r)
        }
        None => (None, rest),
    };
    let name = rest.strip_prefix("v1/")?;
    let name = name.strip_suffix(".json").unwrap_or(name);
    Some((guest, name.to_string()))
}

fn allowed(method: Method, api: &str) -> bool {
    matches!(
        (method, api),
        (Method::Post, "record")
            | (Method::Put, "record")
            | (Method::Post, "records")
            | (Method::Put, "records")
            | (Method::Delete, "records")
            | (Method::Put, "record/status")
            | (Method::Put, "records/status")
            | (Method::Put, "record/assignees")
    )
}

struct Sub {
    method: Method,
    api: String,
    guest: Option<u64>,
    payload: Json,
}

fn wrap(mut e: KError, index: usize, count: usize) -> KError {
    e.bulk_index = Some((index, count));
    e
}

fn parse_requests(req: &ApiRequest) -> KResult<Vec<Sub>> {
    let list = match req.params.get("requests") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        Some(Value::Object(o)) if !o.is_empty() => o.values().cloned().collect(),
        _ => return Err(KError::invalid("requests", &["Required field."])),
    };
    if list.len() > MAX_REQUESTS {
        return Err(KError::invalid(
            "requests",
            &["A maximum of 20 requests can be sent at one time."],
        ));
    }
    let count = list.len();
    let mut subs = Vec::new();
    for (i, r) in list.iter().enumerate() {
        let method = r
            .get("method")
            .and_then(Value::as_str)
            .and_then(Method::parse)
            .ok_or_else(|| {
                wrap(
                    KError::invalid(&format!("requests[{i}].method"), &["Invalid value."]),
                    i,
                    count,
                )
            })?;
        let (guest, api) = r
            .get("api")
            .and_then(Value::as_str)
            .and_then(parse_api_path)
            .filter(|(_, api)| allowed(method, api))
            .ok_or_else(|| {
                wrap(
                    KError::invalid(
                        &format!("requests[{i}].api"),
                        &["This API cannot be used in a bulk request."],
                    ),
                    i,
                    count,
                )
            })?;
        let payload = match r.get("payload") {
            Some(p @ Value::Object(_)) => p.clone(),
            _ => {
                return Err(wrap(
                    KError::invalid(&format!("requests[{i}].payload"), &["Required field."]),
                    i,
                    count,
                ))
            }
        };
        subs.push(Sub {
            method,
            api,
            guest,
            payload,
        });
    }
    // §4.8: one batch may target only one guest space, and not mix it with normal apps.
    let first = subs[0].guest;
    let mixed = subs.iter().any(|s| s.guest != first)
        || (req.guest.is_some() && first.is_some() && req.guest != first);
    if mixed {
        return Err(KError::invalid(
            "requests",
            &["All requests of a bulk request must target apps of the same guest space."],
        ));
    }
    Ok(subs)
}

/// What a failed batch restores. Insert-only batches (the SDK's addAllRecords sends
/// 20 x 100 POSTs) only remember where the new ids start, so a large app is not copied.
enum AppBackup {
    Full(Option<Box<App>>),
    Inserts { next_record_id: u64, first_new: u64 },
}

struct Backup {
    apps: BTreeMap<u64, AppBackup>,
    files: HashMap<String, StoredFile>,
    next_row: u64,
    next_app: u64,
}

pub fn bulk_request(s: &Sandbox, req: &ApiRequest) -> KResult<ApiResponse> {
    let subs = parse_requests(req)?;
    let count = subs.len();
    let mut guard = s.write();
    let mut backup = Backup {
        apps: BTreeMap::new(),
        files: guard.files.clone(),
        next_row: guard.next_subtable_row_id,
        next_app: guard.next_app_id,
    };
    let insert_only = subs
        .iter()
        .all(|s| s.method == Method::Post && (s.api == "record" || s.api == "records"));
    for sub in &subs {
        if let Ok(Some(id)) = super::opt_param_u64(&sub.payload, "app") {
            backup
                .apps
                .entry(id)
                .or_insert_with(|| match guard.apps.get(&id) {
                    Some(app) if insert_only => AppBackup::Inserts {
                        next_record_id: app.next_record_id,
                        first_new: app
                            .next_record_id
                            .max(app.records.keys().next_back().map_or(1, |k| k + 1)),
                    },
                    other => AppBackup::Full(other.cloned().map(Box::new)),
                });
        }
    }
    let inner = Sandbox::new(std::mem::take(&mut *guard));
    inner.clock_offset_secs.store(
        s.clock_offset_secs.load(Ordering::Relaxed),
        Ordering::Relaxed,
    );
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut results = Vec::new();
        for (i, sub) in subs.iter().enumerate() {
            let Some(handler) = route(sub.method, &sub.api) else {
                return Err(wrap(super::not_found(&sub.api), i, count));
            };
            let sub_req = ApiRequest {
                method: sub.method,
                api: sub.api.clone(),
                guest: sub.guest,
                params: sub.payload.clone(),
                caller: req.caller.clone(),
                upload: None,
                lang: req.lang.clone(),
                now: req.now,
            };
            match handler(&inner, &sub_req) {
                Ok(r) => results.push(r.into_json().map_or_else(|| json!({}), |(v, _)| v)),
                Err(e) => return Err(wrap(e, i, count)),
            }
        }
        Ok(results)
    }));
    *guard = inner.domain.into_inner().unwrap_or_else(|e| e.into_inner());
    let outcome = match run {
        Ok(r) => r,
        Err(_) => Err(KError::new(
            500,
            "SANDBOX",
            "internal error in a bulk sub-request",
        )),
    };
    match outcome {
        Ok(results) => Ok(ApiResponse::Json(json!({"results": results}))),
        Err(e) => {
            for (id, app) in std::mem::take(&mut backup.apps) {
                match app {
                    AppBackup::Full(Some(a)) => {
                        guard.apps.insert(id, *a);
                    }
                    AppBackup::Full(None) => {
                        guard.apps.remove(&id);
                    }
                    AppBackup::Inserts {
                        next_record_id,
                        first_new,
                    } => {
                        if let Some(app) = guard.apps.get_mut(&id) {
                            app.records.split_off(&first_new);
                            app.next_record_id = next_record_id;
                        }
                    }
                }
            }
            guard.files = backup.files;
            guard.next_subtable_row_id = backup.next_row;
            guard.next_app_id = backup.next_app;
            Err(e)
        }
    }
}
