//! Form fields, layout, views (§7.3-§7.5). OWNER: apps helper.
//!
//! Also home of the field-property builders shared by the demo data set, the data-file
//! loader and the preview APIs, so that every path produces the same §7.3 shapes.

use super::access::{check_app, Perm};
use super::{opt_param_u64, param_u64, ApiRequest, ApiResponse, AuthKind};
use crate::error::{KError, KResult};
use crate::model::{field_type_of, App, AppSettings, Domain, FieldType, Json};
use crate::server::state::Sandbox;
use indexmap::IndexMap;
use serde_json::{json, Map, Value};

// ---------------------------------------------------------------------------------------
// Property builders (§7.3)
// ---------------------------------------------------------------------------------------

/// The full property object of a field type with the defaults Kintone fills in when a
/// property is omitted on create (§7.3 "Defaults observed").
pub fn default_property(ftype: FieldType, code: &str, label: &str) -> Json {
    use FieldType::*;
    let t = ftype.as_str();
    match ftype {
        RecordNumber | Creator | CreatedTime | Modifier | UpdatedTime => {
            json!({"type": t, "code": code, "label": label, "noLabel": false})
        }
        Category | Status | StatusAssignee => {
            json!({"type": t, "code": code, "label": label, "enabled": false})
        }
        SingleLineText => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "required": false,
            "unique": false, "maxLength": "", "minLength": "", "defaultValue": "",
            "expression": "", "hideExpression": false
        }),
        Number => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "required": false,
            "unique": false, "maxValue": "", "minValue": "", "digit": false,
            "displayScale": "", "unit": "", "unitPosition": "BEFORE", "defaultValue": ""
        }),
        Calc => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "required": false,
            "expression": "", "format": "NUMBER", "displayScale": "", "hideExpression": false,
            "unit": "", "unitPosition": "BEFORE"
        }),
        MultiLineText | RichText => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "required": false,
            "defaultValue": ""
        }),
        Link => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "required": false,
            "unique": false, "maxLength": "", "minLength": "", "defaultValue": "",
            "protocol": "WEB"
        }),
        CheckBox => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "required": false,
            "defaultValue": [], "options": {}, "align": "HORIZONTAL"
        }),
        RadioButton => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "required": true,
            "defaultValue": "", "options": {}, "align": "HORIZONTAL"
        }),
        DropDown => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "required": false,
            "defaultValue": "", "options": {}
        }),
        MultiSelect => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "required": false,
            "defaultValue": [], "options": {}
        }),
        File => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "required": false,
            "thumbnailSize": "50"
        }),
        Date | DateTime => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "required": false,
            "unique": false, "defaultValue": "", "defaultNowValue": false
        }),
        Time => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "required": false,
            "defaultValue": "", "defaultNowValue": false
        }),
        UserSelect | OrganizationSelect | GroupSelect => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "required": false,
            "defaultValue": [], "entities": []
        }),
        Group => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "openGroup": false
        }),
        Subtable => json!({
            "type": t, "code": code, "label": label, "noLabel": false, "fields": {}
        }),
        ReferenceTable => json!({
            "type": t, "code": code, "label": label, "noLabel": false,
            "referenceTable": {
                "relatedApp": {"app": "", "code": ""},
                "condition": {"field": "", "relatedField": ""},
                "filterCond": "", "displayFields": [], "sort": "", "size": "5"
            }
        }),
        Id | Revision => json!({"type": t, "code": code, "label": label}),
    }
}

/// `options` with string indexes in the given order (§7.3).
pub fn options(names: &[&str]) -> Json {
    let mut m = Map::new();
    for (i, n) in names.iter().enumerate() {
        m.insert(n.to_string(), json!({"label": n, "index": i.to_string()}));
    }
    Value::Object(m)
}

/// Set keys on a property object (builders use this to override defaults).
pub fn with(mut props: Json, sets: &[(&str, Json)]) -> Json {
    if let Some(obj) = props.as_object_mut() {
        for (k, v) in sets {
            obj.insert(k.to_string(), v.clone());
        }
    }
    props
}

/// The eight system fields every app has, with the default codes of an English or a
/// Japanese app (§7.3).
pub fn system_fields(japanese: bool) -> Vec<(String, Json)> {
    use FieldType::*;
    let names: [(FieldType, &str, &str); 8] = if japanese {
        [
            (RecordNumber, "レコード番号", "レコード番号"),
            (Creator, "作成者", "作成者"),
            (CreatedTime, "作成日時", "作成日時"),
            (Modifier, "更新者", "更新者"),
            (UpdatedTime, "更新日時", "更新日時"),
            (Category, "カテゴリー", "カテゴリー"),
            (Status, "ステータス", "ステータス"),
            (StatusAssignee, "作業者", "作業者"),
        ]
    } else {
        [
            (RecordNumber, "Record_number", "Record number"),
            (Creator, "Created_by", "Created by"),
            (CreatedTime, "Created_datetime", "Created datetime"),
            (Modifier, "Updated_by", "Updated by"),
            (UpdatedTime, "Updated_datetime", "Updated datetime"),
            (Category, "Categories", "Categories"),
            (Status, "Status", "Status"),
            (StatusAssignee, "Assignee", "Assignee"),
        ]
    };
    names
        .iter()
        .map(|(t, code, label)| (code.to_string(), default_property(*t, code, label)))
        .collect()
}

/// The value a field has when nothing was entered (§8 and its note on empties).
pub fn empty_value(ftype: FieldType) -> Json {
    use FieldType::*;
    match ftype {
        CheckBox | MultiSelect | File | UserSelect | OrganizationSelect | GroupSelect
        | Category | StatusAssignee | Subtable => json!([]),
        RadioButton | DropDown | Date | Time => Json::Null,
        _ => json!(""),
    }
}

/// Whether a field type can be added through the form APIs (system fields already
/// exist in every app and cannot be added again).
fn addable(ftype: FieldType) -> bool {
    use FieldType::*;
    !matches!(
        ftype,
        Id | Revision
            | RecordNumber
            | Creator
            | CreatedTime
            | Modifier
            | UpdatedTime
            | Category
            | Status
            | StatusAssignee
    )
}

fn system_undeletable(ftype: FieldType) -> bool {
    !addable(ftype)
}

/// Validate a property object sent for `code` (POST or data file) and fill in every
/// omitted property with its default. Error keys follow §7.7: `properties[<code>].<prop>`.
pub fn normalize_property(
    code: &str,
    props: &Json,
    prefix: &str,
    errors: &mut Vec<(String, String)>,
) -> Option<Json> {
    let key = |p: &str| format!("{prefix}[{code}].{p}");
    let Some(obj) = props.as_object() else {
        errors.push((format!("{prefix}[{code}]"), "Must be an object.".into()));
        return None;
    };
    let Some(tname) = obj.get("type").and_then(Value::as_str) else {
        errors.push((key("type"), "Required field.".into()));
        return None;
    };
    let Some(ftype) =
        FieldType::parse(tname).filter(|t| !matches!(t, FieldType::Id | FieldType::Revision))
    else {
        errors.push((
            key("type"),
            "The value must be one of the enum value.".into(),
        ));
        return None;
    };
    if let Some(c) = obj.get("code") {
        if c.as_str() != Some(code) {
            errors.push((key("code"), "The field code must equal its key.".into()));
        }
    }
    if !valid_code(code) {
        errors.push((
            key("code"),
            "Field codes cannot start with a digit or contain spaces or these symbols.".into(),
        ));
    }
    let label = match obj.get("label") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ if matches!(ftype, FieldType::Group) || matches!(ftype, FieldType::Subtable) => {
            code.to_string()
        }
        _ => {
            errors.push((key("label"), "Required field.".into()));
            code.to_string()
        }
    };
    let mut out = default_property(ftype, code, &label);
    let out_obj = out.as_object_mut()?;
    let before = errors.len();
    for (k, v) in obj {
        if k == "fields" && ftype == FieldType::Subtable {
            continue;
        }
        if k == "lookup" {
            if !matches!(
                ftype,
                FieldType::SingleLineText | FieldType::Number | FieldType::Link
            ) {
                errors.push((key("lookup"), "This field type cannot be a lookup.".into()));
            } else if !v.is_null() {
                check_lookup(v, &key("lookup"), errors);
            }
            out_obj.insert(k.clone(), v.clone());
            continue;
        }
        if !out_obj.contains_key(k) {
            // Unknown properties are ignored like Kintone does.
            continue;
        }
        if k == "referenceTable" {
            // Merge over the defaults so omitted members (size, sort ...) are filled in.
            if let (Some(Value::Object(def)), Value::Object(given)) = (out_obj.get_mut(k), v) {
                for (gk, gv) in given {
                    def.insert(gk.clone(), gv.clone());
                }
                continue;
            }
        }
        out_obj.insert(k.clone(), v.clone());
    }
    if let Some(opts) = obj.get("options") {
        check_options(opts, &key("options"), errors);
    }
    if matches!(
        ftype,
        FieldType::CheckBox | FieldType::RadioButton | FieldType::DropDown | FieldType::MultiSelect
    ) && obj.get("options").is_none()
    {
        errors.push((key("options"), "Required field.".into()));
    }
    if ftype == FieldType::RadioButton
        && obj.get("defaultValue").is_none()
        && errors.len() == before
    {
        // A radio button always has a selection: the first option by default (§7.3).
        let first = crate::model::FieldRef {
            code,
            ftype,
            props: &out,
            subtable: None,
        }
        .options()
        .first()
        .map(|s| s.to_string());
        if let Some(f) = first {
            out.as_object_mut()?.insert("defaultValue".into(), json!(f));
        }
    }
    if ftype == FieldType::Subtable {
        let mut inner = Map::new();
        match obj.get("fields") {
            Some(Value::Object(fields)) if !fields.is_empty() => {
                for (ic, ip) in fields {
                    let ipfx = format!("{prefix}[{code}].fields");
                    if let Some(t) = ip.get("type").and_then(Value::as_str) {
                        if matches!(t, "SUBTABLE" | "GROUP" | "REFERENCE_TABLE")
                            || FieldType::parse(t).is_some_and(|t| !addable(t))
                        {
                            errors.push((
                                format!("{ipfx}[{ic}].type"),
                                "This field type cannot be placed in a table.".into(),
                            ));
                            continue;
                        }
                    }
                    if let Some(p) = normalize_property(ic, ip, &ipfx, errors) {
                        inner.insert(ic.clone(), p);
                    }
                }
            }
            _ => errors.push((key("fields"), "Required field.".into())),
        }
        out.as_object_mut()?
            .insert("fields".into(), Value::Object(inner));
    }
    Some(out)
}

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.chars().count() <= 128
        && !code.starts_with(|c: char| c.is_ascii_digit())
        && !code.chars().any(|c| {
            c.is_whitespace()
                || matches!(
                    c,
                    '!' | '"'
                        | '#'
                        | '%'
                        | '&'
                        | '\''
                        | '('
                        | ')'
                        | '*'
                        | '+'
                        | ','
                        | '-'
                        | '.'
                        | '/'
                        | ':'
                        | ';'
                        | '<'
                        | '='
                        | '>'
                        | '?'
                        | '@'
                        | '['
                        | '\\'
                        | ']'
                        | '^'
                        | '`'
                        | '{'
                        | '|'
                        | '}'
                        | '~'
                )
        })
}

fn check_options(opts: &Json, key: &str, errors: &mut Vec<(String, String)>) {
    let Some(m) = opts.as_object() else {
        errors.push((key.into(), "Must be an object.".into()));
        return;
    };
    for (name, o) in m {
        let k = format!("{key}[{name}]");
        if o.get("label").and_then(Value::as_str) != Some(name.as_str()) {
            errors.push((
                format!("{k}.label"),
                "The label must equal the option key.".into(),
            ));
        }
        let idx_ok = match o.get("index") {
            Some(Value::String(s)) => s.parse::<u64>().is_ok(),
            Some(Value::Number(n)) => n.as_u64().is_some(),
            _ => false,
        };
        if !idx_ok {
            errors.push((format!("{k}.index"), "Enter an integer value.".into()));
        }
    }
}

fn check_lookup(l: &Json, key: &str, errors: &mut Vec<(String, String)>) {
    if l.pointer("/relatedApp/app").is_none() && l.pointer("/relatedApp/code").is_none() {
        errors.push((format!("{key}.relatedApp"), "Required field.".into()));
    }
    if l.get("relatedKeyField").and_then(Value::as_str).is_none() {
        errors.push((format!("{key}.relatedKeyField"), "Required field.".into()));
    }
}

/// Normalize option indexes to strings and ids in lookup/reference objects to strings
/// (§2.6: numbers travel as strings in responses).
pub fn stringify_props(props: &mut Json) {
    if let Some(opts) = props.get_mut("options").and_then(Value::as_object_mut) {
        for o in opts.values_mut() {
            if let Some(i) = o.get("index").and_then(Value::as_u64) {
                o["index"] = json!(i.to_string());
            }
        }
    }
    for ptr in ["/lookup/relatedApp/app", "/referenceTable/relatedApp/app"] {
        if let Some(v) = props.pointer_mut(ptr) {
            if let Some(n) = v.as_u64() {
                *v = json!(n.to_string());
            }
        }
    }
    for p in [
        "maxLength",
        "minLength",
        "maxValue",
        "minValue",
        "displayScale",
    ] {
        if let Some(v) = props.get_mut(p) {
            if v.is_number() {
                *v = json!(v.to_string());
            }
        }
    }
    if let Some(v) = props.pointer_mut("/referenceTable/size") {
        if v.is_number() {
            *v = json!(v.to_string());
        }
    }
    if let Some(fields) = props.get_mut("fields").and_then(Value::as_object_mut) {
        for p in fields.values_mut() {
            stringify_props(p);
        }
    }
}

/// Every field code of a form, including subtable inner codes.
fn all_codes(fields: &IndexMap<String, Json>) -> Vec<String> {
    let mut out = Vec::new();
    for (c, p) in fields {
        out.push(c.clone());
        if let Some(inner) = p.get("fields").and_then(Value::as_object) {
            out.extend(inner.keys().cloned());
        }
    }
    out
}

/// A layout with one ROW per top-level field, SUBTABLE blocks for tables and GROUP
/// blocks for field groups (§7.4). `groups` maps a GROUP code to its member codes.
pub fn auto_layout(fields: &IndexMap<String, Json>, groups: &[(&str, &[&str])]) -> Json {
    let in_group: Vec<&str> = groups.iter().flat_map(|(_, m)| m.iter().copied()).collect();
    let mut layout = Vec::new();
    for (code, p) in fields {
        if in_group.contains(&code.as_str()) {
            continue;
        }
        match field_type_of(p) {
            Some(FieldType::Subtable) => {
                let inner: Vec<Json> = p
                    .get("fields")
                    .and_then(Value::as_object)
                    .map(|m| m.iter().map(|(c, ip)| layout_field(c, ip)).collect())
                    .unwrap_or_default();
                layout.push(json!({"type": "SUBTABLE", "code": code, "fields": inner}));
            }
            Some(FieldType::Group) => {
                let members = groups
                    .iter()
                    .find(|(g, _)| *g == code)
                    .map(|(_, m)| *m)
                    .unwrap_or(&[]);
                let rows: Vec<Json> = members
                    .iter()
                    .filter_map(|m| fields.get(*m).map(|mp| (m, mp)))
                    .map(|(m, mp)| json!({"type": "ROW", "fields": [layout_field(m, mp)]}))
                    .collect();
                layout.push(json!({"type": "GROUP", "code": code, "layout": rows}));
            }
            Some(t) if in_layout(t) => {
                layout.push(json!({"type": "ROW", "fields": [layout_field(code, p)]}));
            }
            _ => {}
        }
    }
    Json::Array(layout)
}

/// System fields other than RECORD_NUMBER & co. are not placed in layouts.
fn in_layout(t: FieldType) -> bool {
    !matches!(
        t,
        FieldType::Category
            | FieldType::Status
            | FieldType::StatusAssignee
            | FieldType::Id
            | FieldType::Revision
    )
}

fn layout_field(code: &str, p: &Json) -> Json {
    let t = p.get("type").and_then(Value::as_str).unwrap_or("");
    match t {
        "MULTI_LINE_TEXT" | "RICH_TEXT" => json!({
            "type": t, "code": code, "size": {"width": "315", "innerHeight": "125"}
        }),
        "REFERENCE_TABLE" => json!({"type": t, "code": code}),
        _ => json!({"type": t, "code": code, "size": {"width": "193"}}),
    }
}

/// Remove every layout element that names `code` (fields deleted from the form).
fn layout_remove(layout: &mut Json, code: &str) {
    if let Some(rows) = layout.as_array_mut() {
        rows.retain(|r| {
            !(matches!(
                r.get("type").and_then(Value::as_str),
                Some("SUBTABLE" | "GROUP")
            ) && r.get("code").and_then(Value::as_str) == Some(code))
        });
        for r in rows.iter_mut() {
            if let Some(fs) = r.get_mut("fields").and_then(Value::as_array_mut) {
                fs.retain(|f| f.get("code").and_then(Value::as_str) != Some(code));
            }
            if let Some(inner) = r.get_mut("layout") {
                layout_remove(inner, code);
            }
        }
        rows.retain(|r| {
            r.get("type").and_then(Value::as_str) != Some("ROW")
                || r.get("fields")
                    .and_then(Value::as_array)
                    .is_some_and(|f| !f.is_empty())
        });
    }
}

fn layout_codes(layout: &Json, out: &mut Vec<String>) {
    if let Some(rows) = layout.as_array() {
        for r in rows {
            if let Some(c) = r.get("code").and_then(Value::as_str) {
                out.push(c.to_string());
            }
            if let Some(fs) = r.get("fields").and_then(Value::as_array) {
                for f in fs {
                    if let Some(c) = f.get("code").and_then(Value::as_str) {
                        out.push(c.to_string());
                    }
                }
            }
            if let Some(inner) = r.get("layout") {
                layout_codes(inner, out);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Shared request helpers
// ---------------------------------------------------------------------------------------

pub(crate) fn is_preview(r: &ApiRequest) -> bool {
    r.api.starts_with("preview/")
}

/// Look the app up and check access, in one step for every settings API.
pub(crate) fn app_for<'a>(d: &'a Domain, r: &ApiRequest, perm: Perm) -> KResult<&'a App> {
    let id = param_u64(&r.params, "app")?;
    let app = d.apps.get(&id).ok_or_else(|| KError::app_not_found(id))?;
    check_app(d, &r.caller, app, perm, r.guest)?;
    Ok(app)
}

pub(crate) fn app_for_mut<'a>(
    d: &'a mut Domain,
    r: &ApiRequest,
    perm: Perm,
) -> KResult<&'a mut App> {
    let id = param_u64(&r.params, "app")?;
    {
        let app = d.apps.get(&id).ok_or_else(|| KError::app_not_found(id))?;
        check_app(d, &r.caller, app, perm, r.guest)?;
    }
    d.apps.get_mut(&id).ok_or_else(|| KError::app_not_found(id))
}

/// `revision` on a preview write: omitted or -1 skips the check; a stale one is 409.
pub(crate) fn check_settings_revision(r: &ApiRequest, current: u64) -> KResult<()> {
    if let Some(Value::Number(n)) = r.params.get("revision") {
        if n.as_i64() == Some(-1) {
            return Ok(());
        }
    }
    if let Some(Value::String(s)) = r.params.get("revision") {
        if s.trim() == "-1" {
            return Ok(());
        }
    }
    if let Some(rev) = opt_param_u64(&r.params, "revision")? {
        if rev != current {
            return Err(KError::revision_conflict());
        }
    }
    Ok(())
}

fn check_lang(r: &ApiRequest) -> KResult<()> {
    match r.params.get("lang") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s))
            if matches!(
                s.as_str(),
                "ja" | "en" | "zh" | "zh-TW" | "user" | "default" | ""
            ) =>
        {
            Ok(())
        }
        _ => Err(KError::invalid(
            "lang",
            &["The value must be one of the enum value."],
        )),
    }
}

fn errors_to_kerror(errors: Vec<(String, String)>) -> KError {
    let mut e = KError::validation();
    for (k, m) in errors {
        e.add_error(&k, &[m.as_str()]);
    }
    e
}

fn settings<'a>(app: &'a App, r: &ApiRequest) -> &'a AppSettings {
    if is_preview(r) {
        &app.preview
    } else {
        &app.live
    }
}

// ---------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------

/// GET app/form/fields.json and preview/app/form/fields.json (§7.3).
pub fn get_fields(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let d = s.read();
    let app = app_for(&d, r, Perm::SettingsRead)?;
    check_lang(r)?;
    let st = settings(app, r);
    let props: Map<String, Value> = st
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(ApiResponse::Json(json!({
        "properties": props,
        "revision": st.revision.to_string(),
    })))
}

/// POST preview/app/form/fields.json: add fields.
pub fn add_fields(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let other_apps: Vec<(u64, Vec<String>)> = d
        .apps
        .values()
        .map(|a| (a.id, all_codes(&a.live.fields)))
        .collect();
    let app = app_for_mut(&mut d, r, Perm::SettingsWrite)?;
    check_settings_revision(r, app.preview.revision)?;
    let Some(props) = r.params.get("properties").and_then(Value::as_object) else {
        return Err(KError::invalid("properties", &["Required field."]));
    };
    let mut errors = Vec::new();
    let mut existing = all_codes(&app.preview.fields);
    let mut added: Vec<(String, Json)> = Vec::new();
    for (code, p) in props {
        if let Some(t) = p
            .get("type")
            .and_then(Value::as_str)
            .and_then(FieldType::parse)
        {
            if !addable(t) {
                errors.push((
                    format!("properties[{code}].type"),
                    "This field type cannot be added.".into(),
                ));
                continue;
            }
        }
        let Some(mut norm) = normalize_property(code, p, "properties", &mut errors) else {
            continue;
        };
        stringify_props(&mut norm);
        let mut codes = vec![code.clone()];
        if let Some(inner) = norm.get("fields").and_then(Value::as_object) {
            codes.extend(inner.keys().cloned());
        }
        for c in codes {
            if existing.contains(&c) {
                errors.push((
                    format!("properties[{code}].code"),
                    format!("The field code \"{c}\" is already used."),
                ));
            }
            existing.push(c);
        }
        added.push((code.clone(), norm));
    }
    if !errors.is_empty() {
        return Err(errors_to_kerror(errors));
    }
    // Lookups and related records must point at existing apps and fields (§7.7).
    for (code, p) in &added {
        check_refs(code, p, &other_apps, &existing)?;
    }
    for (code, p) in added {
        if field_type_of(&p).is_some_and(in_layout)
            && field_type_of(&p) != Some(FieldType::Subtable)
        {
            if let Some(rows) = app.preview.layout.as_array_mut() {
                rows.push(json!({"type": "ROW", "fields": [layout_field(&code, &p)]}));
            }
        } else if field_type_of(&p) == Some(FieldType::Subtable) {
            let inner: Vec<Json> = p
                .get("fields")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(c, ip)| layout_field(c, ip)).collect())
                .unwrap_or_default();
            if let Some(rows) = app.preview.layout.as_array_mut() {
                rows.push(json!({"type": "SUBTABLE", "code": code, "fields": inner}));
            }
        }
        app.preview.fields.insert(code, p);
    }
    app.preview.revision += 1;
    Ok(ApiResponse::Json(
        json!({"revision": app.preview.revision.to_string()}),
    ))
}

fn check_refs(
    code: &str,
    p: &Json,
    apps: &[(u64, Vec<String>)],
    own_codes: &[String],
) -> KResult<()> {
    let fc01 = |c: &str| {
        KError::new(
            400,
            "GAIA_FC01",
            format!("The field (code: {c}) not found."),
        )
    };
    let app_of = |v: Option<&Json>| -> Option<&(u64, Vec<String>)> {
        let id = v.and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })?;
        apps.iter().find(|(a, _)| *a == id)
    };
    if let Some(l) = p.get("lookup").filter(|l| !l.is_null()) {
        let Some((_, src)) = app_of(l.pointer("/relatedApp/app")) else {
            return Err(KError::invalid(
                &format!("properties[{code}].lookup.relatedApp.app"),
                &["The app does not exist."],
            ));
        };
        let key = l
            .get("relatedKeyField")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !src.iter().any(|c| c == key) {
            return Err(KError::invalid(
                &format!("properties[{code}].lookup.relatedKeyField"),
                &["The field does not exist in the related app."],
            ));
        }
        for m in l
            .get("fieldMappings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let f = m.get("field").and_then(Value::as_str).unwrap_or("");
            let rf = m.get("relatedField").and_then(Value::as_str).unwrap_or("");
            if !own_codes.iter().any(|c| c == f) {
                return Err(fc01(f));
            }
            if !src.iter().any(|c| c == rf) {
                return Err(fc01(rf));
            }
        }
    }
    if let Some(rt) = p.get("referenceTable") {
        if app_of(rt.pointer("/relatedApp/app")).is_none() {
            return Err(KError::invalid(
                &format!("properties[{code}].referenceTable.relatedApp.app"),
                &["The app does not exist."],
            ));
        }
    }
    Ok(())
}

/// PUT preview/app/form/fields.json: change properties of existing fields.
pub fn update_fields(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let app = app_for_mut(&mut d, r, Perm::SettingsWrite)?;
    check_settings_revision(r, app.preview.revision)?;
    let Some(props) = r.params.get("properties").and_then(Value::as_object) else {
        return Err(KError::invalid("properties", &["Required field."]));
    };
    let mut fields = app.preview.fields.clone();
    let mut errors = Vec::new();
    for (code, change) in props {
        let Some(change_obj) = change.as_object() else {
            errors.push((format!("properties[{code}]"), "Must be an object.".into()));
            continue;
        };
        // A field may be top level or inside a subtable.
        let slot: Option<&mut Json> = if fields.contains_key(code) {
            fields.get_mut(code)
        } else {
            fields.values_mut().find_map(|p| {
                p.get_mut("fields")
                    .and_then(Value::as_object_mut)
                    .and_then(|m| m.get_mut(code))
            })
        };
        let Some(current) = slot else {
            return Err(KError::new(
                400,
                "GAIA_FC01",
                format!("The field (code: {code}) not found."),
            ));
        };
        let ftype = field_type_of(current);
        if let Some(t) = change_obj.get("type") {
            if t.as_str() != ftype.map(|t| t.as_str()) {
                errors.push((
                    format!("properties[{code}].type"),
                    "The field type cannot be changed.".into(),
                ));
                continue;
            }
        }
        if let Some(c) = change_obj.get("code") {
            if c.as_str() != Some(code.as_str()) {
                // Renaming would have to carry record values across the next deploy;
                // the sandbox does not track that (README "Choices").
                errors.push((
                    format!("properties[{code}].code"),
                    "The sandbox does not support changing field codes.".into(),
                ));
                continue;
            }
        }
        if let Some(opts) = change_obj.get("options") {
            check_options(opts, &format!("properties[{code}].options"), &mut errors);
        }
        if let Some(cur) = current.as_object_mut() {
            for (k, v) in change_obj {
                if k == "fields" || k == "type" || k == "code" {
                    continue;
                }
                if cur.contains_key(k) || k == "lookup" {
                    cur.insert(k.clone(), v.clone());
                }
            }
        }
        stringify_props(current);
    }
    if !errors.is_empty() {
        return Err(errors_to_kerror(errors));
    }
    app.preview.fields = fields;
    app.preview.revision += 1;
    Ok(ApiResponse::Json(
        json!({"revision": app.preview.revision.to_string()}),
    ))
}

/// DELETE preview/app/form/fields.json: `fields` is a list of codes.
pub fn delete_fields(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let app_id = param_u64(&r.params, "app")?;
    // Fields another app's lookup copies from cannot be deleted (GAIA_LO02, §7.7).
    let referenced: Vec<String> = d
        .apps
        .values()
        .filter(|a| a.id != app_id)
        .flat_map(|a| a.live.fields.values().chain(a.preview.fields.values()))
        .filter_map(|p| p.get("lookup").filter(|l| !l.is_null()))
        .filter(|l| {
            l.pointer("/relatedApp/app").and_then(|v| {
                v.as_str()
                    .and_then(|s| s.parse::<u64>().ok())
                    .or_else(|| v.as_u64())
            }) == Some(app_id)
        })
        .flat_map(|l| {
            let mut v = vec![l
                .get("relatedKeyField")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()];
            for m in l
                .get("fieldMappings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(f) = m.get("relatedField").and_then(Value::as_str) {
                    v.push(f.to_string());
                }
            }
            v
        })
        .collect();
    let app = app_for_mut(&mut d, r, Perm::SettingsWrite)?;
    check_settings_revision(r, app.preview.revision)?;
    let codes: Vec<String> = match r.params.get("fields") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        _ => return Err(KError::invalid("fields", &["Required field."])),
    };
    let mut fields = app.preview.fields.clone();
    let mut layout = app.preview.layout.clone();
    let mut errors = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let top = fields.get(code).and_then(field_type_of);
        let inner_in = fields
            .iter()
            .find(|(_, p)| p.get("fields").and_then(|f| f.get(code)).is_some())
            .map(|(c, _)| c.clone());
        match (top, inner_in) {
            (Some(t), _) if system_undeletable(t) => errors.push((
                format!("fields[{i}]"),
                format!("The system field \"{code}\" cannot be deleted."),
            )),
            (None, None) => {
                return Err(KError::new(
                    400,
                    "GAIA_FC01",
                    format!("The field (code: {code}) not found."),
                ))
            }
            _ if referenced.contains(code) => {
                return Err(KError::new(
                    400,
                    "GAIA_LO02",
                    format!(
                        "The field (code: {code}) cannot be deleted because another app's \
                         lookup field refers to it."
                    ),
                ))
            }
            (Some(_), _) => {
                fields.shift_remove(code);
                layout_remove(&mut layout, code);
            }
            (None, Some(table)) => {
                if let Some(m) = fields
                    .get_mut(&table)
                    .and_then(|p| p.get_mut("fields"))
                    .and_then(Value::as_object_mut)
                {
                    m.remove(code);
                }
                layout_remove(&mut layout, code);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors_to_kerror(errors));
    }
    app.preview.fields = fields;
    app.preview.layout = layout;
    app.preview.revision += 1;
    Ok(ApiResponse::Json(
        json!({"revision": app.preview.revision.to_string()}),
    ))
}

/// GET (preview/)app/form/layout.json (§7.4).
pub fn get_layout(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let d = s.read();
    let app = app_for(&d, r, Perm::SettingsRead)?;
    let st = settings(app, r);
    Ok(ApiResponse::Json(json!({
        "layout": st.layout,
        "revision": st.revision.to_string(),
    })))
}

/// PUT preview/app/form/layout.json: replace the layout; every code must be a field.
pub fn update_layout(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let app = app_for_mut(&mut d, r, Perm::SettingsWrite)?;
    check_settings_revision(r, app.preview.revision)?;
    let Some(rows) = r.params.get("layout").and_then(Value::as_array) else {
        return Err(KError::invalid("layout", &["Required field."]));
    };
    let mut errors = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let t = row.get("type").and_then(Value::as_str).unwrap_or("");
        if !matches!(t, "ROW" | "SUBTABLE" | "GROUP") {
            errors.push((
                format!("layout[{i}].type"),
                "The value must be one of the enum value.".to_string(),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors_to_kerror(errors));
    }
    let layout = Json::Array(rows.clone());
    let mut codes = Vec::new();
    layout_codes(&layout, &mut codes);
    let known = all_codes(&app.preview.fields);
    for c in &codes {
        if !known.contains(c) {
            return Err(KError::new(
                400,
                "GAIA_FC01",
                format!("The field (code: {c}) not found."),
            ));
        }
    }
    app.preview.layout = layout;
    app.preview.revision += 1;
    Ok(ApiResponse::Json(
        json!({"revision": app.preview.revision.to_string()}),
    ))
}

fn has_custom_view(st: &AppSettings) -> bool {
    st.views
        .values()
        .any(|v| v.get("type").and_then(Value::as_str) == Some("CUSTOM"))
}

fn token_refused() -> KError {
    KError::new(
        403,
        "GAIA_NO01",
        "Using this API token, you cannot run the specified API.",
    )
}

/// GET (preview/)app/views.json (§7.5). API tokens are refused when the app has a CUSTOM
/// view (§3.2).
pub fn get_views(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let d = s.read();
    let app = app_for(&d, r, Perm::SettingsRead)?;
    check_lang(r)?;
    let st = settings(app, r);
    if r.caller.kind == AuthKind::ApiToken && has_custom_view(st) {
        return Err(token_refused());
    }
    let views: Map<String, Value> = st
        .views
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(ApiResponse::Json(json!({
        "views": views,
        "revision": st.revision.to_string(),
    })))
}

/// PUT preview/app/views.json: replace all views; existing names keep their ids.
pub fn update_views(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let app = app_for_mut(&mut d, r, Perm::SettingsWrite)?;
    if r.caller.kind == AuthKind::ApiToken && has_custom_view(&app.preview) {
        return Err(token_refused());
    }
    check_settings_revision(r, app.preview.revision)?;
    let Some(views) = r.params.get("views").and_then(Value::as_object) else {
        return Err(KError::invalid("views", &["Required field."]));
    };
    let mut next_id = app
        .live
        .views
        .values()
        .chain(app.preview.views.values())
        .filter_map(|v| {
            v.get("id")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<u64>().ok())
        })
        .max()
        .unwrap_or(0)
        + 1;
    let mut errors = Vec::new();
    let mut out: IndexMap<String, Json> = IndexMap::new();
    let mut ids = Map::new();
    for (name, v) in views {
        let key = |p: &str| format!("views[{name}].{p}");
        let Some(obj) = v.as_object() else {
            errors.push((format!("views[{name}]"), "Must be an object.".into()));
            continue;
        };
        let t = obj.get("type").and_then(Value::as_str).unwrap_or("");
        if !matches!(t, "LIST" | "CALENDAR" | "CUSTOM") {
            errors.push((
                key("type"),
                "The value must be one of the enum value.".into(),
            ));
        }
        match obj.get("name").and_then(Value::as_str) {
            Some(n) if n == name => {}
            Some(_) => errors.push((key("name"), "The view name must equal its key.".into())),
            None => errors.push((key("name"), "Required field.".into())),
        }
        let index = match obj.get("index") {
            Some(Value::String(s)) if s.parse::<u64>().is_ok() => s.clone(),
            Some(Value::Number(n)) if n.as_u64().is_some() => n.to_string(),
            _ => {
                errors.push((key("index"), "Required field.".into()));
                continue;
            }
        };
        let id = app
            .preview
            .views
            .get(name)
            .and_then(|v| v.get("id").cloned())
            .unwrap_or_else(|| {
                let id = json!(next_id.to_string());
                next_id += 1;
                id
            });
        let mut view = json!({
            "type": t, "name": name, "id": id, "index": index,
            "filterCond": "", "sort": "",
        });
        match t {
            "LIST" => view["fields"] = json!([]),
            "CALENDAR" => {
                view["date"] = json!("");
                view["title"] = json!("");
            }
            "CUSTOM" => {
                view["html"] = json!("");
                view["pager"] = json!(true);
                view["device"] = json!("DESKTOP");
            }
            _ => {}
        }
        for (k, val) in obj {
            if k != "id" && k != "index" {
                view[k.as_str()] = val.clone();
            }
        }
        ids.insert(name.clone(), json!({"id": view["id"].clone()}));
        out.insert(name.clone(), view);
    }
    if !errors.is_empty() {
        return Err(errors_to_kerror(errors));
    }
    app.preview.views = out;
    app.preview.revision += 1;
    Ok(ApiResponse::Json(json!({
        "revision": app.preview.revision.to_string(),
        "views": ids,
    })))
}
