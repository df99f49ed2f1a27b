//! Cursor API (§5). OWNER: records helper.
//!
//! Choices (UNCONFIRMED, listed in the README):
//! - OAuth callers are refused (the docs list no OAuth for the cursor APIs, §3.8) with
//!   403 `CB_NO02` "This API cannot be used with OAuth authentication.".
//! - A cursor is bound to the identity that created it (auth kind + user, plus the token
//!   set for API-token calls); any other identity gets 404 `GAIA_CN01` as if it did not
//!   exist.
//! - `size` outside 1..500 is 400 `CB_VA01` under `size`.
// KError is large (errors map); every handler returns it, as in the skeleton.
#![allow(clippy::result_large_err)]

use super::access::{check_app, Perm};
use super::record_out::RecordWriter;
use super::records::{app_param, eval_ctx, fields_param};
use super::write::scalar_str;
use super::{opt_param_u64, ApiRequest, ApiResponse, AuthKind, Caller};
use crate::error::{KError, KResult};
use crate::model::{Cursor, Json};
use crate::query::{self, QueryKind};
use crate::server::state::Sandbox;
use chrono::Duration;
use serde_json::{json, Value};

const LIFETIME_MINUTES: i64 = 10;

fn identity(caller: &Caller) -> String {
    let mut tokens: Vec<String> = caller
        .tokens
        .iter()
        .map(|(a, i)| format!("{a}/{i}"))
        .collect();
    tokens.sort();
    format!(
        "{}:{}:{}",
        caller.kind.as_str(),
        caller.user,
        tokens.join(",")
    )
}

fn not_found() -> KError {
    KError::new(
        404,
        "GAIA_CN01",
        "The specified cursor does not exist, or it has expired.",
    )
}

fn refuse_oauth(caller: &Caller) -> KResult<()> {
    if caller.kind == AuthKind::OAuth {
        return Err(KError::new(
            403,
            "CB_NO02",
            "This API cannot be used with OAuth authentication.",
        ));
    }
    Ok(())
}

fn id_param(params: &Json) -> KResult<String> {
    match params.get("id").and_then(scalar_str) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(KError::invalid("id", &["Required field."])),
    }
}

pub fn create(s: &Sandbox, req: &ApiRequest) -> KResult<ApiResponse> {
    refuse_oauth(&req.caller)?;
    let now = s.now();
    // Creation is serialised per domain (§5): one write lock for the whole call.
    let mut dom = s.write();
    let app = app_param(&dom, &req.params)?;
    check_app(&dom, &req.caller, app, Perm::View, req.guest)?;
    let size = match opt_param_u64(&req.params, "size") {
        Ok(None) => 100,
        Ok(Some(n)) if (1..=500).contains(&n) => n as usize,
        _ => {
            return Err(KError::invalid(
                "size",
                &["Enter an integer value between 1 and 500."],
            ))
        }
    };
    let fields = fields_param(&req.params)?;
    let ctx = eval_ctx(&dom, &req.caller, now);
    let q = req
        .params
        .get("query")
        .and_then(scalar_str)
        .unwrap_or_default();
    super::records::check_related_tokens(&dom, &req.caller, app, &q)?;
    let prepared = query::prepare_in(&dom, app, &q, QueryKind::Cursor, &ctx)?;
    let ids = prepared.select_in(&dom, app, &ctx).ids;
    let app_id = app.id;
    dom.cursors.retain(|_, c| c.expires_at > now);
    if dom.cursors.len() >= dom.limits.cursor_limit {
        return Err(KError::new(
            429,
            "GAIA_TM12",
            "The maximum number of cursors has been reached. Delete unused cursors or wait until they expire.",
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let total = ids.len();
    dom.cursors.insert(
        id.clone(),
        Cursor {
            id: id.clone(),
            app: app_id,
            guest: req.guest,
            fields,
            ids,
            position: 0,
            size,
            total,
            expires_at: now + Duration::minutes(LIFETIME_MINUTES),
            owner: identity(&req.caller),
        },
    );
    Ok(ApiResponse::Json(
        json!({"id": id, "totalCount": total.to_string()}),
    ))
}

pub fn read(s: &Sandbox, req: &ApiRequest) -> KResult<ApiResponse> {
    refuse_oauth(&req.caller)?;
    let id = id_param(&req.params)?;
    let now = s.now();
    let mut dom = s.write();
    // Only this page's ids are copied out: a cursor over a large app holds them all.
    let Some(cur) = dom.cursors.get(&id) else {
        return Err(not_found());
    };
    if cur.expires_at <= now {
        dom.cursors.remove(&id);
        return Err(not_found());
    }
    if cur.owner != identity(&req.caller) {
        return Err(not_found());
    }
    let end = (cur.position + cur.size).min(cur.ids.len());
    let next = end < cur.ids.len();
    let (app_id, fields) = (cur.app, cur.fields.clone());
    let page = cur.ids[cur.position..end].to_vec();
    // Values are read now, not at creation; records deleted since are skipped (§5).
    let body = match dom.apps.get(&app_id) {
        Some(app) => RecordWriter::new(app, fields.as_deref()).page(
            page.iter().filter_map(|rid| app.records.get(rid)),
            &format!(",\"next\":{next}"),
        ),
        None => format!("{{\"records\":[],\"next\":{next}}}").into_bytes(),
    };
    if next {
        if let Some(c) = dom.cursors.get_mut(&id) {
            c.position = end;
            c.expires_at = now + Duration::minutes(LIFETIME_MINUTES);
        }
    } else {
        dom.cursors.remove(&id);
    }
    Ok(ApiResponse::JsonText(body, Vec::new()))
}

pub fn delete(s: &Sandbox, req: &ApiRequest) -> KResult<ApiResponse> {
    refuse_oauth(&req.caller)?;
    let id = id_param(&req.params)?;
    let now = s.now();
    let mut dom = s.write();
    let live = dom
        .cursors
        .get(&id)
        .is_some_and(|c| c.expires_at > now && c.owner == identity(&req.caller));
    if !live {
        if dom.cursors.get(&id).is_some_and(|c| c.expires_at <= now) {
            dom.cursors.remove(&id);
        }
        return Err(not_found());
    }
    dom.cursors.remove(&id);
    Ok(ApiResponse::Json(Value::Object(Default::default())))
}
