//! Record comments (§4.9). OWNER: apps helper.
use super::access::{require_scope, Perm};
use super::apps::{ts, user_entity};
use super::form::{app_for, app_for_mut};
use super::{opt_param_u64, param_u64, ApiRequest, ApiResponse};
use crate::error::{KError, KResult};
use crate::model::{App, Comment, Domain, Json};
use crate::server::state::Sandbox;
use serde_json::{json, Value};

const MAX_TEXT: usize = 65_535;
const MAX_MENTIONS: usize = 10;

fn comments_disabled() -> KError {
    // §4.9 says only "errors if comments are disabled"; the code is the sandbox's choice
    // (README "Choices").
    KError::new(
        400,
        "GAIA_CM01",
        "The comment feature is disabled for this app.",
    )
}

fn check_enabled(app: &App) -> KResult<()> {
    if app.comments_enabled {
        Ok(())
    } else {
        Err(comments_disabled())
    }
}

fn comment_json(d: &Domain, c: &Comment) -> Json {
    json!({
        "id": c.id.to_string(),
        "text": c.text,
        "createdAt": ts(c.created_at),
        "creator": user_entity(d, &c.creator),
        "mentions": c.mentions,
    })
}

/// GET record/comments.json: `order` asc|desc (by id, default desc), `offset`, `limit`
/// 0..10 (default 10); `older` / `newer` say whether comments exist beyond the page.
pub fn list(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let d = s.read();
    let app = app_for(&d, r, Perm::View)?;
    check_enabled(app)?;
    let id = param_u64(&r.params, "record")?;
    let desc = match r.params.get("order") {
        None | Some(Value::Null) => true,
        Some(Value::String(o)) if o == "desc" => true,
        Some(Value::String(o)) if o == "asc" => false,
        Some(_) => return Err(KError::invalid("order", &["must be one of the enum value"])),
    };
    let offset = opt_param_u64(&r.params, "offset")?.unwrap_or(0) as usize;
    let limit = match opt_param_u64(&r.params, "limit") {
        Ok(None) => 10,
        Ok(Some(l)) if l <= 10 => l as usize,
        _ => {
            return Err(KError::invalid(
                "limit",
                &["must be less than or equal to 10"],
            ))
        }
    };
    let rec = app
        .records
        .get(&id)
        .ok_or_else(|| KError::record_not_found(id))?;
    let mut all: Vec<&Comment> = rec.comments.iter().collect();
    all.sort_by_key(|c| c.id);
    if desc {
        all.reverse();
    }
    let n = all.len();
    let page: Vec<Json> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|c| comment_json(&d, c))
        .collect();
    let before = offset.min(n) > 0;
    let after = offset.saturating_add(limit) < n;
    // In descending order the comments after the page are the older ones.
    let (older, newer) = if desc {
        (after, before)
    } else {
        (before, after)
    };
    Ok(ApiResponse::Json(json!({
        "comments": page,
        "older": older,
        "newer": newer,
    })))
}

/// POST record/comment.json: `{app, record, comment: {text, mentions?}}` → `{"id"}`.
pub fn add(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let rid = param_u64(&r.params, "record")?;
    let comment = r.params.get("comment");
    let text = match comment.and_then(|c| c.get("text")) {
        Some(Value::String(t)) if !t.trim().is_empty() => t.clone(),
        _ => return Err(KError::invalid("comment.text", &["Required field."])),
    };
    if text.chars().count() > MAX_TEXT {
        return Err(KError::invalid(
            "comment.text",
            &["Enter less than 65536 characters."],
        ));
    }
    let mentions = match comment.and_then(|c| c.get("mentions")) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(KError::invalid("comment.mentions", &["Must be an array."])),
    };
    if mentions.len() > MAX_MENTIONS {
        return Err(KError::invalid(
            "comment.mentions",
            &["A maximum of 10 mentions can be specified."],
        ));
    }
    let mut e = KError::validation();
    let mut clean = Vec::new();
    for (i, m) in mentions.iter().enumerate() {
        let code = m.get("code").and_then(Value::as_str).unwrap_or("");
        let t = m.get("type").and_then(Value::as_str).unwrap_or("");
        let exists = match t {
            "USER" => d.user(code).is_some(),
            "GROUP" => d.groups.iter().any(|g| g.code == code),
            "ORGANIZATION" => d.organizations.iter().any(|o| o.code == code),
            _ => {
                e.add_error(
                    &format!("comment.mentions[{i}].type"),
                    &["The value must be one of the enum value."],
                );
                continue;
            }
        };
        if !exists {
            e.add_error(
                &format!("comment.mentions[{i}].code"),
                &[format!("The {} (code: {code}) not found.", t.to_lowercase()).as_str()],
            );
        }
        clean.push(json!({"code": code, "type": t}));
    }
    if e.has_errors() {
        return Err(e);
    }
    let creator = r.caller.user.clone();
    // Posting is a write: OAuth callers need the write scope on top of view rights.
    require_scope(&r.caller, Perm::Edit.scope())?;
    let app = app_for_mut(&mut d, r, Perm::View)?;
    check_enabled(app)?;
    if !app.records.contains_key(&rid) {
        return Err(KError::record_not_found(rid));
    }
    let cid = app.next_comment_id.max(1);
    app.next_comment_id = cid + 1;
    let now = r.now;
    let minute = now.timestamp() - now.timestamp().rem_euclid(60);
    let created_at = chrono::DateTime::from_timestamp(minute, 0).unwrap_or(now);
    if let Some(rec) = app.records.get_mut(&rid) {
        rec.comments.push(Comment {
            id: cid,
            text,
            created_at,
            creator,
            mentions: clean,
        });
    }
    Ok(ApiResponse::Json(json!({"id": cid.to_string()})))
}

/// DELETE record/comment.json: `{app, record, comment}`. Only the poster (or a domain
/// administrator) may delete; an unknown comment is 400 GAIA_RE02 (§4.9).
pub fn delete(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let rid = param_u64(&r.params, "record")?;
    let cid = param_u64(&r.params, "comment")?;
    let admin = d.user(&r.caller.user).is_some_and(|u| u.admin);
    let caller = r.caller.user.clone();
    require_scope(&r.caller, Perm::Edit.scope())?;
    let app = app_for_mut(&mut d, r, Perm::View)?;
    check_enabled(app)?;
    let rec = app
        .records
        .get_mut(&rid)
        .ok_or_else(|| KError::record_not_found(rid))?;
    let Some(pos) = rec.comments.iter().position(|c| c.id == cid) else {
        return Err(KError::new(
            400,
            "GAIA_RE02",
            "The specified comment does not exist. The comment may have been deleted.",
        ));
    };
    if rec.comments[pos].creator != caller && !admin {
        return Err(KError::no_privilege());
    }
    rec.comments.remove(pos);
    Ok(ApiResponse::Json(json!({})))
}
