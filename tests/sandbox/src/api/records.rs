//! Record APIs (§4.1-§4.7). OWNER: records helper.
//!
//! Reads take the read lock; every write takes `sandbox.write()` once and runs the
//! two-phase engine of `write.rs`, so a failed request changes nothing.
//!
//! Choices where the reference is silent (UNCONFIRMED, listed in the README):
//! - Query functions run in the caller's `timezone`; API-token calls ("Administrator")
//!   use the first domain administrator's zone, else Asia/Tokyo.
//! - Every field of the live form appears in a record, with its empty value (§8) when
//!   nothing was stored; STATUS/STATUS_ASSIGNEE only with process management enabled,
//!   CATEGORY only when its `enabled` is true.
//! - PUT with `record` omitted changes nothing and returns the current revision.
//! - PUT with both `id` and `updateKey` is 400 CB_VA01 under `id` (`records[i].id` in
//!   bulk); neither is `id: ["Required field."]`; an `updateKey` field that is not
//!   unique or not of an allowed type is CB_VA01 under `updateKey.field`.
//! - DELETE with `revisions` of a different length than `ids` is CB_VA01 `revisions`.
//! - Under API-token auth a query on a related-records field (`rel.field`) needs a token
//!   (with view) of the referenced app; otherwise 403 GAIA_NO01.
// KError is large (errors map); every handler returns it, as in the skeleton.
#![allow(clippy::result_large_err)]

use super::access::{check_app, Perm};
use super::record_out::RecordWriter;
use super::write::{self, caller_tz, opt_i64, scalar_str, UpdateItem, WriteCtx};
use super::{opt_param_u64, param_bool, param_u64, ApiRequest, ApiResponse, Caller};
use crate::error::{KError, KResult};
use crate::model::{App, Domain, FieldType, Json, Record};
use crate::query::{self, EvalCtx, QueryKind};
use crate::server::state::Sandbox;
use serde_json::{json, Value};

pub const ABORT_WARNING: &str = "Filter aborted because of too many search results";

/// A record as the API returns it (§4.1, §8): see [`RecordWriter`].
pub fn record_json(app: &App, rec: &Record, fields: Option<&[String]>) -> Json {
    RecordWriter::new(app, fields).value(rec)
}

/// `fields` as a list of codes; `None` when absent. More than 1,000 is CB_VA01 (§4.2).
pub fn fields_param(params: &Json) -> KResult<Option<Vec<String>>> {
    match params.get("fields") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => {
            if a.len() > 1000 {
                return Err(KError::invalid(
                    "fields",
                    &["A maximum of 1000 fields can be specified."],
                ));
            }
            Ok(Some(a.iter().filter_map(scalar_str).collect()))
        }
        // The server may flatten a single query-string value to a scalar.
        Some(Value::String(s)) => Ok(Some(vec![s.clone()])),
        Some(Value::Object(o)) => Ok(Some(o.values().filter_map(scalar_str).collect())),
        Some(_) => Err(KError::invalid("fields", &["Invalid value."])),
    }
}

/// The query context of the caller (§6.5): the user's zone; API-token calls run as
/// "Administrator" and use the first domain administrator's zone, else Asia/Tokyo.
pub fn eval_ctx(domain: &Domain, caller: &Caller, now: chrono::DateTime<chrono::Utc>) -> EvalCtx {
    EvalCtx {
        now,
        tz: caller_tz(domain, caller),
        login_user: caller.user.clone(),
        primary_organization: domain
            .user(&caller.user)
            .and_then(|u| u.primary_organization.clone()),
        like_abort_threshold: domain.limits.like_abort_threshold,
    }
}

/// §3.2: filtering on a related-records field (`rel.field`) under API-token auth needs a
/// token of the referenced app too. The failure code is UNCONFIRMED: the sandbox answers
/// 403 GAIA_NO01 like any missing token permission. The check is lexical (`<code>.`
/// outside string literals).
pub fn check_related_tokens(
    domain: &Domain,
    caller: &Caller,
    app: &App,
    query: &str,
) -> KResult<()> {
    if caller.kind != super::AuthKind::ApiToken {
        return Ok(());
    }
    for (code, props) in &app.live.fields {
        if crate::model::field_type_of(props) != Some(FieldType::ReferenceTable) {
            continue;
        }
        let used = mentions_field_dot(query, code);
        if !used {
            continue;
        }
        let related = props
            .get("referenceTable")
            .and_then(|r| r.get("relatedApp"))
            .and_then(|r| r.get("app"))
            .and_then(|a| opt_i64(Some(a)).ok().flatten());
        let ok = related.is_some_and(|rid| {
            caller.tokens.iter().any(|&(a, i)| {
                a as i64 == rid
                    && domain
                        .apps
                        .get(&a)
                        .and_then(|ap| ap.api_tokens.get(i))
                        .is_some_and(|t| t.view)
            })
        });
        if !ok {
            return Err(KError::new(
                403,
                "GAIA_NO01",
                "Using this API token, you cannot run the specified API.",
            ));
        }
    }
    Ok(())
}

/// Whether `query` names `<code>.` outside string literals, as a whole identifier.
fn mentions_field_dot(query: &str, code: &str) -> bool {
    let needle = format!("{code}.");
    let mut in_str = false;
    let mut escaped = false;
    let mut prev: Option<char> = None;
    for (i, c) in query.char_indices() {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
        } else if query[i..].starts_with(&needle)
            && prev.is_none_or(|p| !(p.is_alphanumeric() || p == '_' || p == '$'))
        {
            return true;
        }
        prev = Some(c);
    }
    false
}

pub fn app_param<'d>(domain: &'d Domain, params: &Json) -> KResult<&'d App> {
    let id = param_u64(params, "app")?;
    domain
        .apps
        .get(&id)
        .ok_or_else(|| KError::app_not_found(id))
}

fn query_param(params: &Json) -> String {
    params.get("query").and_then(scalar_str).unwrap_or_default()
}

fn wctx<'a>(s: &Sandbox, req: &'a ApiRequest) -> WriteCtx<'a> {
    let _ = s;
    WriteCtx {
        caller: &req.caller,
        guest: req.guest,
        now: req.now,
    }
}

pub fn get_record(s: &Sandbox, req: &ApiRequest) -> KResult<ApiResponse> {
    let dom = s.read();
    let app = app_param(&dom, &req.params)?;
    check_app(&dom, &req.caller, app, Perm::View, req.guest)?;
    let id = param_u64(&req.params, "id")?;
    let rec = app
        .records
        .get(&id)
        .ok_or_else(|| KError::record_not_found(id))?;
    Ok(ApiResponse::Json(
        json!({"record": record_json(app, rec, None)}),
    ))
}

pub fn get_records(s: &Sandbox, req: &ApiRequest) -> KResult<ApiResponse> {
    let dom = s.read();
    let app = app_param(&dom, &req.params)?;
    check_app(&dom, &req.caller, app, Perm::View, req.guest)?;
    let fields = fields_param(&req.params)?;
    let ctx = eval_ctx(&dom, &req.caller, s.now());
    let q = query_param(&req.params);
    check_related_tokens(&dom, &req.caller, app, &q)?;
    let prepared = query::prepare_in(&dom, app, &q, QueryKind::Records, &ctx)?;
    let want_total = param_bool(&req.params, "totalCount");
    let window = prepared.select_window(&dom, app, &ctx, want_total);
    let total_count = match window.total {
        Some(n) => format!(",\"totalCount\":\"{n}\""),
        None => ",\"totalCount\":null".to_string(),
    };
    let writer = RecordWriter::new(app, fields.as_deref());
    let body = writer.page(
        window.ids.iter().filter_map(|id| app.records.get(id)),
        &total_count,
    );
    let headers = if window.aborted {
        vec![("X-Cybozu-Warning".into(), ABORT_WARNING.into())]
    } else {
        Vec::new()
    };
    Ok(ApiResponse::JsonText(body, headers))
}

/// POST record.json on an already locked domain (shared with bulkRequest).
pub fn add_record_in(dom: &mut Domain, ctx: &WriteCtx<'_>, params: &Json) -> KResult<Json> {
    let app = param_u64(params, "app")?;
    let rec = params.get("record").cloned();
    let r = write::add_records(dom, ctx, app, &[rec], false)?;
    let (id, rev) = r
        .first()
        .copied()
        .ok_or_else(|| KError::new(500, "SANDBOX", "no record"))?;
    Ok(json!({"id": id.to_string(), "revision": rev.to_string()}))
}

pub fn add_records_in(dom: &mut Domain, ctx: &WriteCtx<'_>, params: &Json) -> KResult<Json> {
    let app = param_u64(params, "app")?;
    let list = match params.get("records") {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Object(o)) => o.values().cloned().collect(),
        _ => return Err(KError::invalid("records", &["Required field."])),
    };
    if list.len() > 100 {
        return Err(KError::invalid(
            "records",
            &["A maximum of 100 records can be added at one time."],
        ));
    }
    let inputs: Vec<Option<Json>> = list.into_iter().map(Some).collect();
    let r = write::add_records(dom, ctx, app, &inputs, true)?;
    Ok(json!({
        "ids": r.iter().map(|(id, _)| id.to_string()).collect::<Vec<_>>(),
        "revisions": r.iter().map(|(_, rev)| rev.to_string()).collect::<Vec<_>>(),
    }))
}

fn update_item(v: &Json, prefix: &str) -> KResult<UpdateItem> {
    let id = opt_param_u64(v, "id")
        .map_err(|_| KError::invalid(&format!("{prefix}id"), &["Enter an integer value."]))?;
    let update_key = match v.get("updateKey") {
        None | Some(Value::Null) => None,
        Some(k) => {
            let field = k.get("field").and_then(scalar_str).unwrap_or_default();
            if field.is_empty() {
                return Err(KError::invalid(
                    &format!("{prefix}updateKey.field"),
                    &["Required field."],
                ));
            }
            Some((field, k.get("value").cloned().unwrap_or(Value::Null)))
        }
    };
    let revision = opt_i64(v.get("revision"))
        .map_err(|_| KError::invalid(&format!("{prefix}revision"), &["Enter an integer value."]))?;
    Ok(UpdateItem {
        id,
        update_key,
        revision,
        record: v.get("record").filter(|r| !r.is_null()).cloned(),
    })
}

pub fn update_record_in(dom: &mut Domain, ctx: &WriteCtx<'_>, params: &Json) -> KResult<Json> {
    let app = param_u64(params, "app")?;
    let item = update_item(params, "")?;
    let r = write::update_records(dom, ctx, app, &[item], false, false)?;
    let rev = r.first().map(|r| r.revision).unwrap_or(0);
    Ok(json!({"revision": rev.to_string()}))
}

pub fn update_records_in(dom: &mut Domain, ctx: &WriteCtx<'_>, params: &Json) -> KResult<Json> {
    let app = param_u64(params, "app")?;
    let list = match params.get("records") {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Object(o)) => o.values().cloned().collect(),
        _ => return Err(KError::invalid("records", &["Required field."])),
    };
    if list.len() > 100 {
        return Err(KError::invalid(
            "records",
            &["A maximum of 100 records can be updated at one time."],
        ));
    }
    let upsert = param_bool(params, "upsert");
    let items = list
        .iter()
        .enumerate()
        .map(|(i, v)| update_item(v, &format!("records[{i}].")))
        .collect::<KResult<Vec<_>>>()?;
    let r = write::update_records(dom, ctx, app, &items, upsert, true)?;
    let out: Vec<Json> = r
        .iter()
        .map(|u| {
            let mut o = json!({"id": u.id.to_string(), "revision": u.revision.to_string()});
            if let Some(op) = u.operation {
                o["operation"] = json!(op);
            }
            o
        })
        .collect();
    Ok(json!({"records": out}))
}

fn id_list(v: Option<&Json>) -> Option<Vec<Json>> {
    match v? {
        Value::Array(a) => Some(a.clone()),
        Value::Object(o) => Some(o.values().cloned().collect()),
        Value::Null => None,
        other => Some(vec![other.clone()]),
    }
}

pub fn delete_records_in(dom: &mut Domain, ctx: &WriteCtx<'_>, params: &Json) -> KResult<Json> {
    let app = param_u64(params, "app")?;
    let ids = id_list(params.get("ids")).unwrap_or_default();
    if ids.is_empty() {
        return Err(KError::invalid(
            "ids",
            &[
                "Required field.",
                "Between 1 and 100 records can be deleted at one time.",
            ],
        ));
    }
    if ids.len() > 100 {
        return Err(KError::invalid(
            "ids",
            &["Between 1 and 100 records can be deleted at one time."],
        ));
    }
    let mut parsed = Vec::new();
    for (i, v) in ids.iter().enumerate() {
        match opt_i64(Some(v)) {
            Ok(Some(n)) if n > 0 => parsed.push(n as u64),
            _ => {
                return Err(KError::invalid(
                    &format!("ids[{i}]"),
                    &["Enter an integer value."],
                ))
            }
        }
    }
    let revisions = match id_list(params.get("revisions")) {
        None => Vec::new(),
        Some(list) => {
            if list.len() != parsed.len() {
                return Err(KError::invalid(
                    "revisions",
                    &["The number of revisions must match the number of ids."],
                ));
            }
            let mut out = Vec::new();
            for (i, v) in list.iter().enumerate() {
                match opt_i64(Some(v)) {
                    Ok(r) => out.push(r.unwrap_or(-1)),
                    Err(_) => {
                        return Err(KError::invalid(
                            &format!("revisions[{i}]"),
                            &["Enter an integer value."],
                        ))
                    }
                }
            }
            out
        }
    };
    write::delete_records(dom, ctx, app, &parsed, &revisions)?;
    Ok(json!({}))
}

fn locked_write(
    s: &Sandbox,
    req: &ApiRequest,
    f: fn(&mut Domain, &WriteCtx<'_>, &Json) -> KResult<Json>,
) -> KResult<ApiResponse> {
    let ctx = wctx(s, req);
    let mut dom = s.write();
    f(&mut dom, &ctx, &req.params).map(ApiResponse::Json)
}

pub fn add_record(s: &Sandbox, req: &ApiRequest) -> KResult<ApiResponse> {
    locked_write(s, req, add_record_in)
}

pub fn update_record(s: &Sandbox, req: &ApiRequest) -> KResult<ApiResponse> {
    locked_write(s, req, update_record_in)
}

pub fn add_records(s: &Sandbox, req: &ApiRequest) -> KResult<ApiResponse> {
    locked_write(s, req, add_records_in)
}

pub fn update_records(s: &Sandbox, req: &ApiRequest) -> KResult<ApiResponse> {
    locked_write(s, req, update_records_in)
}

pub fn delete_records(s: &Sandbox, req: &ApiRequest) -> KResult<ApiResponse> {
    locked_write(s, req, delete_records_in)
}
