//! Process management (§4.10, §7.6). OWNER: apps helper.
use super::access::Perm;
use super::apps::{ts, user_entity};
use super::form::{app_for, app_for_mut, check_settings_revision, is_preview};
use super::{param_u64, ApiRequest, ApiResponse};
use crate::error::{KError, KResult};
use crate::model::{field_type_of, App, Domain, FieldType, Json, Record};
use crate::server::state::Sandbox;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn st02() -> KError {
    // §4.10: the status is not captured; the sandbox uses 400 (README "Choices").
    KError::new(
        400,
        "GAIA_ST02",
        "Process management is not enabled for this app.",
    )
}

fn il03() -> KError {
    KError::new(
        400,
        "GAIA_IL03",
        "Failed to update the status. The settings or the status itself may have been changed by someone.",
    )
}

fn code_of_type(app: &App, t: FieldType) -> Option<String> {
    app.live
        .fields
        .iter()
        .find(|(_, p)| field_type_of(p) == Some(t))
        .map(|(c, _)| c.clone())
}

/// `revision` on a record write: omitted or -1 skips the check (§4.5).
fn check_record_revision(v: Option<&Value>, current: u64) -> KResult<()> {
    let rev = match v {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match rev {
        Some(-1) => Ok(()),
        Some(r) if r >= 0 && r as u64 == current => Ok(()),
        Some(r) if r >= 0 => Err(KError::revision_conflict()),
        _ => Err(KError::invalid("revision", &["Enter an integer value."])),
    }
}

/// Resolve an entity list of §7.6 to user codes for a record.
fn resolve_entities(d: &Domain, app: &App, rec: &Record, entities: &[Json]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |c: String| {
        if !out.contains(&c) {
            out.push(c);
        }
    };
    for e in entities {
        let ent = e.get("entity").unwrap_or(e);
        let t = ent.get("type").and_then(Value::as_str).unwrap_or("");
        let code = ent.get("code").and_then(Value::as_str).unwrap_or("");
        match t {
            "USER" if d.user(code).is_some_and(|u| u.valid) => push(code.to_string()),
            "GROUP" => d
                .users
                .iter()
                .filter(|u| u.valid && u.groups.iter().any(|g| g == code))
                .for_each(|u| push(u.code.clone())),
            "ORGANIZATION" => d
                .users
                .iter()
                .filter(|u| u.valid && u.organizations.iter().any(|o| o == code))
                .for_each(|u| push(u.code.clone())),
            "CREATOR" => {
                if let Some(c) = code_of_type(app, FieldType::Creator)
                    .and_then(|cc| rec.values.get(&cc))
                    .and_then(|v| v.get("code"))
                    .and_then(Value::as_str)
                {
                    push(c.to_string());
                }
            }
            "FIELD_ENTITY" => {
                // A user-selection field (or the creator/modifier field) of the record.
                match rec.values.get(code) {
                    Some(Value::Array(list)) => {
                        for u in list {
                            if let Some(c) = u.get("code").and_then(Value::as_str) {
                                push(c.to_string());
                            }
                        }
                    }
                    Some(Value::Object(o)) => {
                        if let Some(c) = o.get("code").and_then(Value::as_str) {
                            push(c.to_string());
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    out
}

/// Run one action on one record (no commit); returns the new revision.
#[allow(clippy::too_many_arguments)]
fn apply_action(
    d: &Domain,
    app: &App,
    rec: &mut Record,
    action: &str,
    assignee: Option<&str>,
    revision: Option<&Value>,
    user: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> KResult<u64> {
    if !app.process_enabled() {
        return Err(st02());
    }
    check_record_revision(revision, rec.revision)?;
    let status_code = code_of_type(app, FieldType::Status).ok_or_else(st02)?;
    let assignee_code = code_of_type(app, FieldType::StatusAssignee);
    let current = rec
        .values
        .get(&status_code)
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| super::apps::first_state(&app.live.status))
        .unwrap_or_default();
    let actions = app
        .live
        .status
        .get("actions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let Some(act) = actions.iter().find(|a| {
        a.get("name").and_then(Value::as_str) == Some(action)
            && a.get("from").and_then(Value::as_str) == Some(current.as_str())
    }) else {
        return Err(il03());
    };
    let to = act
        .get("to")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let state = app
        .live
        .status
        .pointer(&format!("/states/{}", escape_ptr(&to)));
    let Some(state) = state else {
        return Err(il03());
    };
    let atype = state
        .pointer("/assignee/type")
        .and_then(Value::as_str)
        .unwrap_or("ONE");
    let entities = state
        .pointer("/assignee/entities")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let candidates = resolve_entities(d, app, rec, &entities);
    let assignees: Vec<String> = match (atype, assignee) {
        (_, Some(a)) if !a.is_empty() => {
            if d.user(a).is_none() {
                return Err(KError::invalid(
                    "assignee",
                    &["The specified user does not exist."],
                ));
            }
            if !candidates.is_empty() && !candidates.iter().any(|c| c == a) {
                return Err(KError::invalid(
                    "assignee",
                    &["The specified user is not an assignee candidate of the next status."],
                ));
            }
            if atype == "ONE" {
                vec![a.to_string()]
            } else {
                candidates
            }
        }
        // §4.10: `assignee` is required when the next status takes ONE assignee out of
        // several candidates. The error code is not documented (README "Choices").
        ("ONE", _) if candidates.len() > 1 => {
            return Err(KError::invalid("assignee", &["Required field."]))
        }
        _ => candidates,
    };
    rec.values.insert(status_code, json!(to));
    if let Some(ac) = assignee_code {
        let list: Vec<Json> = assignees.iter().map(|c| user_entity(d, c)).collect();
        rec.values.insert(ac, Json::Array(list));
    }
    touch(app, rec, d, user, now);
    // A status change counts as two saves (§4.5).
    rec.revision += 2;
    Ok(rec.revision)
}

fn escape_ptr(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn touch(app: &App, rec: &mut Record, d: &Domain, user: &str, now: chrono::DateTime<chrono::Utc>) {
    if let Some(c) = code_of_type(app, FieldType::Modifier) {
        rec.values.insert(c, user_entity(d, user));
    }
    if let Some(c) = code_of_type(app, FieldType::UpdatedTime) {
        let minute = now.timestamp() - now.timestamp().rem_euclid(60);
        let t = chrono::DateTime::from_timestamp(minute, 0).unwrap_or(now);
        rec.values.insert(c, json!(ts(t)));
    }
}

fn record_id(v: Option<&Value>, key: &str) -> KResult<u64> {
    let params = json!({ "id": v.cloned().unwrap_or(Value::Null) });
    param_u64(&params, "id").map_err(|mut e| {
        if let Some(errs) = e.errors.take() {
            let remapped: Map<String, Value> = errs
                .into_iter()
                .map(|(_, v)| (key.to_string(), v))
                .collect();
            e.errors = Some(remapped);
        }
        e
    })
}

/// PUT record/status.json (§4.10).
pub fn update_status(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let app = app_for(&d, r, Perm::Edit)?;
    let id = param_u64(&r.params, "id")?;
    let Some(action) = r.params.get("action").and_then(Value::as_str) else {
        return Err(KError::invalid("action", &["Required field."]));
    };
    let mut rec = app
        .records
        .get(&id)
        .cloned()
        .ok_or_else(|| KError::record_not_found(id))?;
    let assignee = r.params.get("assignee").and_then(Value::as_str);
    let rev = apply_action(
        &d,
        app,
        &mut rec,
        action,
        assignee,
        r.params.get("revision"),
        &r.caller.user,
        r.now,
    )?;
    let app_id = app.id;
    if let Some(a) = d.apps.get_mut(&app_id) {
        a.records.insert(id, rec);
    }
    Ok(ApiResponse::Json(json!({"revision": rev.to_string()})))
}

/// PUT records/status.json (§4.10): up to 100 actions, all or nothing.
pub fn update_statuses(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let app = app_for(&d, r, Perm::Edit)?;
    let items = match r.params.get("records") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        _ => return Err(KError::invalid("records", &["Required field."])),
    };
    if items.len() > 100 {
        return Err(KError::invalid(
            "records",
            &["A maximum of 100 records can be updated at one time."],
        ));
    }
    let mut changed: BTreeMap<u64, Record> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let id = record_id(item.get("id"), &format!("records[{i}].id"))?;
        let Some(action) = item.get("action").and_then(Value::as_str) else {
            return Err(KError::invalid(
                &format!("records[{i}].action"),
                &["Required field."],
            ));
        };
        let mut rec = match changed.get(&id) {
            Some(r) => r.clone(),
            None => app
                .records
                .get(&id)
                .cloned()
                .ok_or_else(|| KError::record_not_found(id))?,
        };
        let rev = apply_action(
            &d,
            app,
            &mut rec,
            action,
            item.get("assignee").and_then(Value::as_str),
            item.get("revision"),
            &r.caller.user,
            r.now,
        )?;
        out.push(json!({"id": id.to_string(), "revision": rev.to_string()}));
        changed.insert(id, rec);
    }
    let app_id = app.id;
    if let Some(a) = d.apps.get_mut(&app_id) {
        a.records.extend(changed);
    }
    Ok(ApiResponse::Json(json!({ "records": out })))
}

/// PUT record/assignees.json (§4.10): replace the assignees of the current status.
pub fn update_assignees(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let app = app_for(&d, r, Perm::Edit)?;
    if !app.process_enabled() {
        return Err(st02());
    }
    let id = param_u64(&r.params, "id")?;
    let list = match r.params.get("assignees") {
        Some(Value::Array(a)) => a.clone(),
        _ => return Err(KError::invalid("assignees", &["Required field."])),
    };
    if list.len() > 100 {
        return Err(KError::invalid(
            "assignees",
            &["A maximum of 100 assignees can be specified."],
        ));
    }
    let mut codes: Vec<String> = Vec::new();
    let mut e = KError::validation();
    for (i, v) in list.iter().enumerate() {
        match v.as_str() {
            Some(c) if d.user(c).is_some_and(|u| u.valid) => {
                if codes.iter().any(|x| x == c) {
                    e.add_error(&format!("assignees[{i}]"), &["Duplicate user."]);
                }
                codes.push(c.to_string());
            }
            Some(c) => e.add_error(
                &format!("assignees[{i}]"),
                &[format!("The user (code: {c}) not found.").as_str()],
            ),
            None => e.add_error(&format!("assignees[{i}]"), &["Must be a string."]),
        }
    }
    if e.has_errors() {
        return Err(e);
    }
    let mut rec = app
        .records
        .get(&id)
        .cloned()
        .ok_or_else(|| KError::record_not_found(id))?;
    check_record_revision(r.params.get("revision"), rec.revision)?;
    let status_code = code_of_type(app, FieldType::Status).ok_or_else(st02)?;
    let current = rec
        .values
        .get(&status_code)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let one = app
        .live
        .status
        .pointer(&format!("/states/{}/assignee/type", escape_ptr(&current)))
        .and_then(Value::as_str)
        == Some("ONE");
    if one && codes.len() > 1 {
        return Err(KError::invalid(
            "assignees",
            &["Only one assignee can be specified for the current status."],
        ));
    }
    if let Some(ac) = code_of_type(app, FieldType::StatusAssignee) {
        let ents: Vec<Json> = codes.iter().map(|c| user_entity(&d, c)).collect();
        rec.values.insert(ac, Json::Array(ents));
    }
    touch(app, &mut rec, &d, &r.caller.user, r.now);
    rec.revision += 1;
    let rev = rec.revision;
    let app_id = app.id;
    if let Some(a) = d.apps.get_mut(&app_id) {
        a.records.insert(id, rec);
    }
    Ok(ApiResponse::Json(json!({"revision": rev.to_string()})))
}

/// GET (preview/)app/status.json (§7.6).
pub fn get_settings(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let d = s.read();
    let app = app_for(&d, r, Perm::SettingsRead)?;
    let st = if is_preview(r) {
        &app.preview
    } else {
        &app.live
    };
    let mut out = json!({
        "enable": st.status.get("enable").cloned().unwrap_or(json!(false)),
        "states": st.status.get("states").cloned().unwrap_or(Value::Null),
        "actions": st.status.get("actions").cloned().unwrap_or(Value::Null),
    });
    out["revision"] = json!(st.revision.to_string());
    Ok(ApiResponse::Json(out))
}

/// PUT preview/app/status.json: `enable`, `states`, `actions` (each optional).
pub fn update_settings(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let app = app_for_mut(&mut d, r, Perm::SettingsWrite)?;
    check_settings_revision(r, app.preview.revision)?;
    let mut status = app.preview.status.clone();
    if !status.is_object() {
        status = json!({"enable": false, "states": null, "actions": null});
    }
    let mut e = KError::validation();
    if let Some(en) = r.params.get("enable") {
        match en {
            Value::Bool(b) => status["enable"] = json!(b),
            Value::String(s) if s == "true" || s == "false" => {
                status["enable"] = json!(s == "true")
            }
            _ => e.add_error("enable", &["Must be a boolean."]),
        }
    }
    if let Some(states) = r.params.get("states") {
        match states.as_object() {
            Some(m) if !m.is_empty() => {
                let mut out = Map::new();
                for (name, st) in m {
                    let idx = st.get("index").and_then(|i| {
                        i.as_u64()
                            .or_else(|| i.as_str().and_then(|s| s.parse().ok()))
                    });
                    let Some(idx) = idx else {
                        e.add_error(&format!("states.{name}.index"), &["Required field."]);
                        continue;
                    };
                    if st
                        .get("name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n != name)
                    {
                        e.add_error(
                            &format!("states.{name}.name"),
                            &["The state name must equal its key."],
                        );
                    }
                    let atype = st
                        .pointer("/assignee/type")
                        .and_then(Value::as_str)
                        .unwrap_or("ONE");
                    if !matches!(atype, "ONE" | "ALL" | "ANY") {
                        e.add_error(
                            &format!("states.{name}.assignee.type"),
                            &["The value must be one of the enum value."],
                        );
                    }
                    let entities = st
                        .pointer("/assignee/entities")
                        .cloned()
                        .unwrap_or(json!([]));
                    out.insert(
                        name.clone(),
                        json!({
                            "name": name,
                            "index": idx.to_string(),
                            "assignee": {"type": atype, "entities": entities},
                        }),
                    );
                }
                status["states"] = Value::Object(out);
            }
            _ => e.add_error("states", &["Required field."]),
        }
    }
    if let Some(actions) = r.params.get("actions") {
        let names: Vec<String> = status
            .get("states")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        match actions.as_array() {
            Some(list) => {
                let mut out = Vec::new();
                for (i, a) in list.iter().enumerate() {
                    for k in ["name", "from", "to"] {
                        match a.get(k).and_then(Value::as_str) {
                            None => e.add_error(&format!("actions[{i}].{k}"), &["Required field."]),
                            Some(s) if k != "name" && !names.iter().any(|n| n == s) => e.add_error(
                                &format!("actions[{i}].{k}"),
                                &["The status does not exist."],
                            ),
                            _ => {}
                        }
                    }
                    let mut act = json!({
                        "name": a.get("name").cloned().unwrap_or(Value::Null),
                        "from": a.get("from").cloned().unwrap_or(Value::Null),
                        "to": a.get("to").cloned().unwrap_or(Value::Null),
                        "filterCond": a.get("filterCond").cloned().unwrap_or(json!("")),
                        "type": a.get("type").cloned().unwrap_or(json!("PRIMARY")),
                    });
                    if let Some(x) = a.get("executableUser") {
                        act["executableUser"] = x.clone();
                    } else {
                        act["executableUser"] = json!({"entities": []});
                    }
                    out.push(act);
                }
                status["actions"] = Value::Array(out);
            }
            None => e.add_error("actions", &["Must be an array."]),
        }
    }
    if status.get("enable") == Some(&json!(true))
        && status
            .get("states")
            .and_then(Value::as_object)
            .is_none_or(|m| m.is_empty())
    {
        e.add_error(
            "states",
            &["At least one status is required to enable process management."],
        );
    }
    if e.has_errors() {
        return Err(e);
    }
    let enabled = status.get("enable") == Some(&json!(true));
    for p in app.preview.fields.values_mut() {
        if matches!(
            field_type_of(p),
            Some(FieldType::Status | FieldType::StatusAssignee)
        ) {
            p["enabled"] = json!(enabled);
        }
    }
    app.preview.status = status;
    app.preview.revision += 1;
    Ok(ApiResponse::Json(
        json!({"revision": app.preview.revision.to_string()}),
    ))
}
