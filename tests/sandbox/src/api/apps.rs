//! Apps, app creation and deploy (§7.1, §7.2, §7.7). OWNER: apps helper.
use super::access::{can_see, check_app, require_scope, Perm};
use super::form::{auto_layout, check_settings_revision, empty_value, system_fields};
use super::{opt_param_u64, param_u64, ApiRequest, ApiResponse, AuthKind, Caller};
use crate::error::{KError, KResult};
use crate::model::{field_type_of, App, AppSettings, Domain, FieldType, Json};
use crate::server::state::Sandbox;
use chrono::{DateTime, SecondsFormat, Utc};
use indexmap::IndexMap;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// `{code, name}` of a user for responses; API-token actions run as "Administrator".
pub fn user_entity(d: &Domain, code: &str) -> Json {
    let name = d
        .user(code)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| code.to_string());
    json!({"code": code, "name": name})
}

/// Kintone times: UTC, seconds precision, `Z` suffix.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The app object of §7.1.
pub fn app_json(d: &Domain, app: &App) -> Json {
    json!({
        "appId": app.id.to_string(),
        "code": app.code,
        "name": app.name,
        "description": app.description,
        "spaceId": app.space_id.map(|s| s.to_string()),
        "threadId": app.thread_id.map(|s| s.to_string()),
        "createdAt": ts(app.created_at),
        "creator": user_entity(d, &app.creator),
        "modifiedAt": ts(app.modified_at),
        "modifier": user_entity(d, &app.modifier),
    })
}

/// GET app.json (§7.1).
pub fn get_app(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let d = s.read();
    let id = param_u64(&r.params, "id")?;
    let app = d.apps.get(&id).ok_or_else(|| KError::app_not_found(id))?;
    check_app(&d, &r.caller, app, Perm::SettingsRead, r.guest)?;
    Ok(ApiResponse::Json(app_json(&d, app)))
}

fn refuse_api_tokens(caller: &Caller) -> KResult<()> {
    if caller.kind == AuthKind::ApiToken {
        // §3.2: apps.json (and app creation) do not accept API tokens. The code is not
        // documented; the sandbox answers 403 GAIA_NO01 (README "Choices").
        return Err(KError::new(
            403,
            "GAIA_NO01",
            "API Tokens cannot be used with this API.",
        ));
    }
    if caller.kind == AuthKind::None {
        return Err(KError::not_logged_in());
    }
    Ok(())
}

/// A list parameter given as an array, or as `null` / absent (§7.2: null or [] = omitted).
fn list_param(params: &Json, key: &str) -> KResult<Option<Vec<Value>>> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) if a.is_empty() => Ok(None),
        Some(Value::Array(a)) => {
            if a.len() > 100 {
                return Err(KError::invalid(
                    key,
                    &["A maximum of 100 values can be specified."],
                ));
            }
            Ok(Some(a.clone()))
        }
        Some(_) => Err(KError::invalid(key, &["Must be an array."])),
    }
}

fn as_u64(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// GET apps.json (§7.2).
pub fn get_apps(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    refuse_api_tokens(&r.caller)?;
    require_scope(&r.caller, Perm::SettingsRead.scope())?;
    let d = s.read();
    let p = &r.params;
    let mut e = KError::validation();
    let ids = list_param(p, "ids")?.map(|a| {
        a.iter()
            .enumerate()
            .filter_map(|(i, v)| match as_u64(v).filter(|n| *n >= 1) {
                Some(n) => Some(n),
                None => {
                    e.add_error(&format!("ids[{i}]"), &["Enter an integer value."]);
                    None
                }
            })
            .collect::<Vec<u64>>()
    });
    let codes = list_param(p, "codes")?.map(|a| {
        a.iter()
            .enumerate()
            .filter_map(|(i, v)| match v.as_str() {
                Some(s) if !s.is_empty() && s.chars().count() <= 64 => Some(s.to_string()),
                _ => {
                    e.add_error(
                        &format!("codes[{i}]"),
                        &["Enter between 1 and 64 characters."],
                    );
                    None
                }
            })
            .collect::<Vec<String>>()
    });
    let space_ids = list_param(p, "spaceIds")?.map(|a| {
        a.iter()
            .enumerate()
            .filter_map(|(i, v)| match as_u64(v) {
                Some(n) => Some(n),
                None => {
                    e.add_error(&format!("spaceIds[{i}]"), &["Enter an integer value."]);
                    None
                }
            })
            .collect::<Vec<u64>>()
    });
    let name = match p.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() > 64 => {
            e.add_error("name", &["Enter less than 65 characters."]);
            None
        }
        Some(Value::String(s)) => Some(s.to_lowercase()),
        Some(_) => {
            e.add_error("name", &["Must be a string."]);
            None
        }
    };
    let limit = match opt_param_u64(p, "limit") {
        Ok(Some(l)) if (1..=100).contains(&l) => l,
        Ok(None) => 100,
        _ => {
            e.add_error("limit", &["The value must be between 1 and 100."]);
            100
        }
    };
    let offset = match opt_param_u64(p, "offset") {
        Ok(Some(o)) if o <= 2_147_483_647 => o,
        Ok(None) => 0,
        _ => {
            e.add_error("offset", &["The value must be between 0 and 2147483647."]);
            0
        }
    };
    if e.has_errors() {
        return Err(e);
    }
    let apps: Vec<Json> = d
        .apps
        .values()
        .filter(|a| can_see(&d, &r.caller, a))
        // Guest spaces are isolated: the normal path lists no guest-space app and a guest
        // path lists only that space's apps (README "Choices").
        .filter(|a| d.guest_space_of(a) == r.guest)
        .filter(|a| ids.as_ref().is_none_or(|ids| ids.contains(&a.id)))
        .filter(|a| codes.as_ref().is_none_or(|c| c.contains(&a.code)))
        .filter(|a| {
            space_ids
                .as_ref()
                .is_none_or(|s| a.space_id.is_some_and(|id| s.contains(&id)))
        })
        .filter(|a| {
            name.as_ref()
                .is_none_or(|n| a.name.to_lowercase().contains(n.as_str()))
        })
        .skip(offset as usize)
        .take(limit as usize)
        .map(|a| app_json(&d, a))
        .collect();
    Ok(ApiResponse::Json(json!({ "apps": apps })))
}

/// A new empty app: English system fields, no process management, one LIST view.
pub fn new_app(id: u64, name: &str, creator: &str, now: DateTime<Utc>) -> App {
    let fields: IndexMap<String, Json> = system_fields(false).into_iter().collect();
    let layout = auto_layout(&fields, &[]);
    let settings = AppSettings {
        fields,
        layout,
        views: IndexMap::new(),
        status: json!({"enable": false, "states": null, "actions": null}),
        revision: 2,
    };
    App {
        id,
        code: String::new(),
        name: name.to_string(),
        description: String::new(),
        space_id: None,
        thread_id: None,
        created_at: now,
        creator: creator.to_string(),
        modified_at: now,
        modifier: creator.to_string(),
        live: settings.clone(),
        preview: settings,
        deploy_status: None,
        records: BTreeMap::new(),
        next_record_id: 1,
        next_comment_id: 1,
        api_tokens: Vec::new(),
        acl_users: Vec::new(),
        comments_enabled: true,
    }
}

/// POST preview/app.json (§7.7): `{name, space?, thread?}` → `{"app","revision"}`.
pub fn create_app(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    refuse_api_tokens(&r.caller)?;
    require_scope(&r.caller, Perm::SettingsWrite.scope())?;
    let mut d = s.write();
    let name = match r.params.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() => n.clone(),
        _ => return Err(KError::invalid("name", &["Required field."])),
    };
    if name.chars().count() > 64 {
        return Err(KError::invalid("name", &["Enter less than 65 characters."]));
    }
    let space = opt_param_u64(&r.params, "space")?;
    let thread = opt_param_u64(&r.params, "thread")?;
    if let Some(sp) = space {
        let Some(thread) = thread else {
            return Err(KError::invalid("thread", &["Required field."]));
        };
        let Some(spc) = d.spaces.get(&sp) else {
            return Err(KError::invalid("space", &["The space does not exist."]));
        };
        if spc.default_thread != thread {
            return Err(KError::invalid(
                "thread",
                &["The thread does not exist in the space."],
            ));
        }
        // A guest space's apps are created through its guest path (§1.2).
        match (spc.is_guest, r.guest) {
            (true, Some(g)) if g == sp => {}
            (false, None) => {}
            (true, None) => {
                return Err(KError::new(
                    400,
                    "GAIA_IL23",
                    "When you operate an app in a guest space, please send the request to \
                     '/k/guest/(guest space ID)/v1/...'",
                ))
            }
            _ => return Err(KError::no_privilege()),
        }
        let admin = d.user(&r.caller.user).is_some_and(|u| u.admin);
        if !admin && !spc.members.contains(&r.caller.user) {
            return Err(KError::no_privilege());
        }
    } else if r.guest.is_some() {
        return Err(KError::invalid("space", &["Required field."]));
    }
    let id = d.next_app_id.max(d.apps.keys().max().map_or(1, |m| m + 1));
    d.next_app_id = id + 1;
    let mut app = new_app(id, &name, &r.caller.user, r.now);
    app.space_id = space;
    app.thread_id = space.and(thread);
    // An app that was never deployed has no live settings yet; the sandbox serves the
    // initial (system-fields-only) form as live so reads do not fail before a deploy.
    let rev = app.preview.revision;
    d.apps.insert(id, app);
    Ok(ApiResponse::Json(
        json!({"app": id.to_string(), "revision": rev.to_string()}),
    ))
}

/// GET preview/app/deploy.json?apps[0]=9 (§7.7).
pub fn deploy_status(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let d = s.read();
    let ids = match r.params.get("apps") {
        Some(Value::Array(a)) if !a.is_empty() && a.len() <= 300 => a.clone(),
        _ => return Err(KError::invalid("apps", &["Required field."])),
    };
    let mut out = Vec::new();
    for (i, v) in ids.iter().enumerate() {
        let Some(id) = as_u64(v) else {
            return Err(KError::invalid(
                &format!("apps[{i}]"),
                &["Enter an integer value."],
            ));
        };
        let app = d.apps.get(&id).ok_or_else(|| KError::app_not_found(id))?;
        check_app(&d, &r.caller, app, Perm::SettingsRead, r.guest)?;
        let status = app
            .deploy_status
            .clone()
            .unwrap_or_else(|| "SUCCESS".into());
        out.push(json!({"app": id.to_string(), "status": status}));
    }
    Ok(ApiResponse::Json(json!({ "apps": out })))
}

/// POST preview/app/deploy.json (§7.7). The sandbox deploys synchronously: the status is
/// SUCCESS as soon as this returns. All apps are checked before any is changed.
pub fn deploy(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let list = match r.params.get("apps") {
        Some(Value::Array(a)) if !a.is_empty() && a.len() <= 300 => a.clone(),
        _ => return Err(KError::invalid("apps", &["Required field."])),
    };
    let revert = super::param_bool(&r.params, "revert");
    let mut ids = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let id_v = item.get("app").cloned().unwrap_or(Value::Null);
        let Some(id) = as_u64(&id_v) else {
            return Err(KError::invalid(
                &format!("apps[{i}].app"),
                &["Required field."],
            ));
        };
        let app = d.apps.get(&id).ok_or_else(|| KError::app_not_found(id))?;
        check_app(&d, &r.caller, app, Perm::SettingsWrite, r.guest)?;
        let sub = ApiRequest {
            params: item.clone(),
            ..r.clone()
        };
        check_settings_revision(&sub, app.preview.revision)
            .map_err(|_| KError::revision_conflict())?;
        ids.push(id);
    }
    let now = r.now;
    let modifier = r.caller.user.clone();
    for id in ids {
        if let Some(app) = d.apps.get_mut(&id) {
            if revert {
                app.preview = app.live.clone();
            } else {
                app.live = app.preview.clone();
                sync_records(app);
                app.modified_at = now;
                app.modifier = modifier.clone();
            }
            app.deploy_status = Some("SUCCESS".into());
        }
    }
    Ok(ApiResponse::Json(json!({})))
}

/// After a deploy, make stored records match the new live form: values of deleted fields
/// go, new fields get their empty value, and enabling process management puts every
/// record in the first state (§7.6).
pub fn sync_records(app: &mut App) {
    let mut top: Vec<(String, FieldType)> = Vec::new();
    let mut inner: Vec<(String, Vec<(String, FieldType)>)> = Vec::new();
    let mut status_code = None;
    let mut assignee_code = None;
    let mut category_code = None;
    for (code, p) in &app.live.fields {
        let Some(t) = field_type_of(p) else { continue };
        let enabled = p.get("enabled").and_then(Value::as_bool) == Some(true);
        match t {
            FieldType::Status => {
                if enabled {
                    status_code = Some(code.clone());
                }
                continue;
            }
            FieldType::StatusAssignee => {
                if enabled {
                    assignee_code = Some(code.clone());
                }
                continue;
            }
            FieldType::Category => {
                if enabled {
                    category_code = Some(code.clone());
                }
                continue;
            }
            _ => {}
        }
        if !t.has_value() {
            continue;
        }
        top.push((code.clone(), t));
        if t == FieldType::Subtable {
            let cols = p
                .get("fields")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(c, ip)| field_type_of(ip).map(|t| (c.clone(), t)))
                        .collect()
                })
                .unwrap_or_default();
            inner.push((code.clone(), cols));
        }
    }
    let process = app.process_enabled();
    let first_state = first_state(&app.live.status);
    for rec in app.records.values_mut() {
        let keep = |k: &String| {
            top.iter().any(|(c, _)| c == k)
                || Some(k) == status_code.as_ref()
                || Some(k) == assignee_code.as_ref()
                || Some(k) == category_code.as_ref()
        };
        rec.values.retain(|k, _| keep(k));
        for (c, t) in &top {
            rec.values
                .entry(c.clone())
                .or_insert_with(|| empty_value(*t));
        }
        for (table, cols) in &inner {
            if let Some(rows) = rec.values.get_mut(table).and_then(Value::as_array_mut) {
                for row in rows {
                    if let Some(vals) = row.get_mut("value").and_then(Value::as_object_mut) {
                        vals.retain(|k, _| cols.iter().any(|(c, _)| c == k));
                        for (c, t) in cols {
                            vals.entry(c.clone()).or_insert_with(
                                || json!({"type": t.as_str(), "value": empty_value(*t)}),
                            );
                        }
                    }
                }
            }
        }
        if let Some(c) = &category_code {
            rec.values.entry(c.clone()).or_insert_with(|| json!([]));
        }
        if process {
            if let (Some(sc), Some(first)) = (&status_code, &first_state) {
                rec.values.entry(sc.clone()).or_insert_with(|| json!(first));
            }
            if let Some(ac) = &assignee_code {
                rec.values.entry(ac.clone()).or_insert_with(|| json!([]));
            }
        }
    }
}

/// The name of the state with the lowest index.
pub fn first_state(status: &Json) -> Option<String> {
    status
        .get("states")
        .and_then(Value::as_object)?
        .values()
        .filter_map(|s| {
            let idx = s.get("index").and_then(|i| {
                i.as_str()
                    .and_then(|s| s.parse::<u64>().ok())
                    .or(i.as_u64())
            })?;
            Some((idx, s.get("name")?.as_str()?.to_string()))
        })
        .min()
        .map(|(_, n)| n)
}
