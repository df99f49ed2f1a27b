//! `--data FILE`: load a domain (users, spaces, apps, tokens, records) from JSON.
//! OWNER: apps helper. Format documented in tests/sandbox/docs/demo-data.md.
//!
//! Validation is strict (unknown keys are errors) so a typo in a test fixture fails
//! loudly; every error names the JSON path of the offending key.

use crate::api::apps::{first_state, new_app};
use crate::api::files::file_value;
use crate::api::form::{
    auto_layout, empty_value, normalize_property, stringify_props, system_fields,
};
use crate::model::{
    field_type_of, ApiToken, Domain, FieldType, GroupDef, Json, OAuthClient, Organization, Record,
    Space, StoredFile, User,
};
use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
use indexmap::IndexMap;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub fn load(path: &std::path::Path) -> Result<Domain, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    load_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parse and validate a data file's text. Errors are `path: message` lines.
pub fn load_str(text: &str) -> Result<Domain, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let mut l = Loader {
        errors: Vec::new(),
        d: Domain {
            next_app_id: 1,
            next_subtable_row_id: 1000,
            ..Domain::default()
        },
        file_seq: 0,
    };
    l.root(&root);
    if l.errors.is_empty() {
        Ok(l.d)
    } else {
        Err(l.errors.join("\n"))
    }
}

struct Loader {
    errors: Vec<String>,
    d: Domain,
    file_seq: u64,
}

fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

impl Loader {
    fn err(&mut self, path: &str, msg: impl std::fmt::Display) {
        self.errors.push(format!("{path}: {msg}"));
    }

    /// The object at `path`, with its keys checked against `allowed`.
    fn obj<'a>(
        &mut self,
        v: &'a Value,
        path: &str,
        allowed: &[&str],
    ) -> Option<&'a Map<String, Value>> {
        let Some(m) = v.as_object() else {
            self.err(path, "must be an object");
            return None;
        };
        for k in m.keys() {
            if !allowed.contains(&k.as_str()) {
                self.err(
                    &format!("{path}.{k}"),
                    format!("unknown key (allowed: {})", allowed.join(", ")),
                );
            }
        }
        Some(m)
    }

    fn arr<'a>(&mut self, m: &'a Map<String, Value>, key: &str, path: &str) -> &'a [Value] {
        match m.get(key) {
            None | Some(Value::Null) => &[],
            Some(Value::Array(a)) => a,
            Some(_) => {
                self.err(&format!("{path}.{key}"), "must be an array");
                &[]
            }
        }
    }

    fn string(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        path: &str,
        required: bool,
    ) -> Option<String> {
        match m.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            None | Some(Value::Null) => {
                if required {
                    self.err(&format!("{path}.{key}"), "required");
                }
                None
            }
            Some(_) => {
                self.err(&format!("{path}.{key}"), "must be a string");
                None
            }
        }
    }

    fn boolean(&mut self, m: &Map<String, Value>, key: &str, path: &str, default: bool) -> bool {
        match m.get(key) {
            Some(Value::Bool(b)) => *b,
            None | Some(Value::Null) => default,
            Some(_) => {
                self.err(&format!("{path}.{key}"), "must be true or false");
                default
            }
        }
    }

    fn uint(&mut self, m: &Map<String, Value>, key: &str, path: &str) -> Option<u64> {
        match m.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => match v
                .as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            {
                Some(n) => Some(n),
                None => {
                    self.err(&format!("{path}.{key}"), "must be a non-negative integer");
                    None
                }
            },
        }
    }

    fn strings(&mut self, m: &Map<String, Value>, key: &str, path: &str) -> Vec<String> {
        let list = self.arr(m, key, path);
        let mut out = Vec::new();
        for (i, v) in list.iter().enumerate() {
            match v.as_str() {
                Some(s) => out.push(s.to_string()),
                None => self.err(&format!("{path}.{key}[{i}]"), "must be a string"),
            }
        }
        out
    }

    fn root(&mut self, root: &Value) {
        let Some(m) = self.obj(
            root,
            "$",
            &[
                "users",
                "organizations",
                "groups",
                "spaces",
                "apps",
                "oauth_clients",
                "limits",
            ],
        ) else {
            return;
        };
        for (i, o) in self.arr(m, "organizations", "$").iter().enumerate() {
            let p = format!("$.organizations[{i}]");
            if let Some(om) = self.obj(o, &p, &["code", "name"]) {
                let code = self.string(om, "code", &p, true).unwrap_or_default();
                let name = self
                    .string(om, "name", &p, false)
                    .unwrap_or_else(|| code.clone());
                self.d.organizations.push(Organization { code, name });
            }
        }
        for (i, o) in self.arr(m, "groups", "$").iter().enumerate() {
            let p = format!("$.groups[{i}]");
            if let Some(om) = self.obj(o, &p, &["code", "name"]) {
                let code = self.string(om, "code", &p, true).unwrap_or_default();
                let name = self
                    .string(om, "name", &p, false)
                    .unwrap_or_else(|| code.clone());
                self.d.groups.push(GroupDef { code, name });
            }
        }
        for (i, u) in self.arr(m, "users", "$").iter().enumerate() {
            self.user(u, i);
        }
        for (i, s) in self.arr(m, "spaces", "$").iter().enumerate() {
            self.space(s, i);
        }
        for (i, c) in self.arr(m, "oauth_clients", "$").iter().enumerate() {
            let p = format!("$.oauth_clients[{i}]");
            if let Some(cm) = self.obj(c, &p, &["client_id", "client_secret", "redirect_uri"]) {
                let client_id = self.string(cm, "client_id", &p, true).unwrap_or_default();
                let client_secret = self
                    .string(cm, "client_secret", &p, true)
                    .unwrap_or_default();
                let redirect_uri = self
                    .string(cm, "redirect_uri", &p, true)
                    .unwrap_or_default();
                self.d.oauth_clients.push(OAuthClient {
                    client_id,
                    client_secret,
                    redirect_uri,
                });
            }
        }
        if let Some(lv) = m.get("limits") {
            let p = "$.limits";
            if let Some(lm) = self.obj(
                lv,
                p,
                &[
                    "max_concurrency",
                    "cursor_limit",
                    "like_abort_threshold",
                    "oauth_token_lifetime_secs",
                ],
            ) {
                if let Some(v) = self.uint(lm, "max_concurrency", p) {
                    self.d.limits.max_concurrency = v as usize;
                }
                if let Some(v) = self.uint(lm, "cursor_limit", p) {
                    self.d.limits.cursor_limit = v as usize;
                }
                if let Some(v) = self.uint(lm, "like_abort_threshold", p) {
                    self.d.limits.like_abort_threshold = v as usize;
                }
                if let Some(v) = self.uint(lm, "oauth_token_lifetime_secs", p) {
                    self.d.limits.oauth_token_lifetime_secs = v as i64;
                }
            }
        }
        // Apps in two passes: forms first, so lookups can be checked against any app.
        let apps = self.arr(m, "apps", "$").to_vec();
        let mut ids = Vec::new();
        for (i, a) in apps.iter().enumerate() {
            ids.push(self.app(a, i));
        }
        for (i, (a, id)) in apps.iter().zip(ids).enumerate() {
            if let Some(id) = id {
                self.records(a, i, id);
            }
        }
        self.d.next_app_id = self.d.apps.keys().max().map_or(1, |m| m + 1);
    }

    fn user(&mut self, u: &Value, i: usize) {
        let p = format!("$.users[{i}]");
        let Some(um) = self.obj(
            u,
            &p,
            &[
                "code",
                "name",
                "password",
                "email",
                "timezone",
                "locale",
                "primary_organization",
                "organizations",
                "groups",
                "admin",
                "valid",
            ],
        ) else {
            return;
        };
        let code = self.string(um, "code", &p, true).unwrap_or_default();
        if self.d.user(&code).is_some() {
            self.err(
                &format!("{p}.code"),
                format!("duplicate user code \"{code}\""),
            );
        }
        let timezone = self
            .string(um, "timezone", &p, false)
            .unwrap_or_else(|| "UTC".into());
        if timezone.parse::<chrono_tz::Tz>().is_err() {
            self.err(
                &format!("{p}.timezone"),
                format!("unknown time zone \"{timezone}\""),
            );
        }
        let organizations = self.strings(um, "organizations", &p);
        for (k, o) in organizations.iter().enumerate() {
            if !self.d.organizations.iter().any(|x| &x.code == o) {
                self.err(
                    &format!("{p}.organizations[{k}]"),
                    format!("unknown organization \"{o}\""),
                );
            }
        }
        let groups = self.strings(um, "groups", &p);
        for (k, g) in groups.iter().enumerate() {
            if !self.d.groups.iter().any(|x| &x.code == g) {
                self.err(
                    &format!("{p}.groups[{k}]"),
                    format!("unknown group \"{g}\""),
                );
            }
        }
        let primary_organization = self.string(um, "primary_organization", &p, false);
        if let Some(po) = &primary_organization {
            if !organizations.contains(po) {
                self.err(
                    &format!("{p}.primary_organization"),
                    "must be one of the user's organizations",
                );
            }
        }
        let user = User {
            id: i as u64 + 1,
            name: self
                .string(um, "name", &p, false)
                .unwrap_or_else(|| code.clone()),
            password: self.string(um, "password", &p, true).unwrap_or_default(),
            email: self.string(um, "email", &p, false).unwrap_or_default(),
            timezone,
            locale: self
                .string(um, "locale", &p, false)
                .unwrap_or_else(|| "en".into()),
            primary_organization,
            organizations,
            groups,
            admin: self.boolean(um, "admin", &p, false),
            valid: self.boolean(um, "valid", &p, true),
            code,
        };
        self.d.users.push(user);
    }

    fn space(&mut self, s: &Value, i: usize) {
        let p = format!("$.spaces[{i}]");
        let Some(sm) = self.obj(s, &p, &["id", "name", "guest", "default_thread", "members"])
        else {
            return;
        };
        let Some(id) = self.uint(sm, "id", &p) else {
            self.err(&format!("{p}.id"), "required");
            return;
        };
        if self.d.spaces.contains_key(&id) {
            self.err(&format!("{p}.id"), format!("duplicate space id {id}"));
        }
        let members = self.strings(sm, "members", &p);
        for (k, m) in members.iter().enumerate() {
            if self.d.user(m).is_none() {
                self.err(
                    &format!("{p}.members[{k}]"),
                    format!("unknown user \"{m}\""),
                );
            }
        }
        let space = Space {
            id,
            name: self.string(sm, "name", &p, true).unwrap_or_default(),
            is_guest: self.boolean(sm, "guest", &p, false),
            default_thread: self.uint(sm, "default_thread", &p).unwrap_or(id),
            members,
        };
        self.d.spaces.insert(id, space);
    }

    /// Build an app's settings; returns its id.
    fn app(&mut self, a: &Value, i: usize) -> Option<u64> {
        let p = format!("$.apps[{i}]");
        let am = self.obj(
            a,
            &p,
            &[
                "id",
                "code",
                "name",
                "description",
                "space",
                "creator",
                "japanese_system_fields",
                "fields",
                "layout",
                "views",
                "status",
                "acl_users",
                "comments_enabled",
                "api_tokens",
                "records",
            ],
        )?;
        let id = self.uint(am, "id", &p).unwrap_or(i as u64 + 1);
        if id == 0 || self.d.apps.contains_key(&id) {
            self.err(
                &format!("{p}.id"),
                format!("duplicate or invalid app id {id}"),
            );
            return None;
        }
        let name = self.string(am, "name", &p, true).unwrap_or_default();
        let creator = self.string(am, "creator", &p, false).unwrap_or_else(|| {
            self.d
                .users
                .iter()
                .find(|u| u.admin)
                .or(self.d.users.first())
                .map(|u| u.code.clone())
                .unwrap_or_default()
        });
        let mut app = new_app(id, &name, &creator, base_time());
        app.code = self.string(am, "code", &p, false).unwrap_or_default();
        app.description = self
            .string(am, "description", &p, false)
            .unwrap_or_default();
        if let Some(sp) = self.uint(am, "space", &p) {
            match self.d.spaces.get(&sp) {
                Some(s) => {
                    app.space_id = Some(sp);
                    app.thread_id = Some(s.default_thread);
                }
                None => self.err(&format!("{p}.space"), format!("unknown space {sp}")),
            }
        }
        app.comments_enabled = self.boolean(am, "comments_enabled", &p, true);
        app.acl_users = self.strings(am, "acl_users", &p);
        for (k, u) in app.acl_users.iter().enumerate() {
            if self.d.user(u).is_none() {
                self.errors
                    .push(format!("{p}.acl_users[{k}]: unknown user \"{u}\""));
            }
        }
        // Fields (§7.3), then the system fields the file did not define.
        let japanese = self.boolean(am, "japanese_system_fields", &p, false);
        let mut fields: IndexMap<String, Json> = IndexMap::new();
        let fpath = format!("{p}.fields");
        match am.get("fields") {
            Some(Value::Object(fm)) => {
                let mut errs = Vec::new();
                for (code, props) in fm {
                    let t = props
                        .get("type")
                        .and_then(Value::as_str)
                        .and_then(FieldType::parse);
                    let normalized = match t {
                        // System fields carry no validation beyond their type.
                        Some(
                            t @ (FieldType::RecordNumber
                            | FieldType::Creator
                            | FieldType::CreatedTime
                            | FieldType::Modifier
                            | FieldType::UpdatedTime
                            | FieldType::Category
                            | FieldType::Status
                            | FieldType::StatusAssignee),
                        ) => {
                            let label = props.get("label").and_then(Value::as_str).unwrap_or(code);
                            let mut d = crate::api::form::default_property(t, code, label);
                            if let Some(en) = props.get("enabled") {
                                d["enabled"] = en.clone();
                            }
                            Some(d)
                        }
                        _ => normalize_property(code, props, &fpath, &mut errs),
                    };
                    if let Some(mut n) = normalized {
                        stringify_props(&mut n);
                        fields.insert(code.clone(), n);
                    }
                }
                for (k, m) in errs {
                    self.err(&k, m);
                }
            }
            None => {}
            Some(_) => self.err(&fpath, "must be an object of field properties"),
        }
        let mut all = IndexMap::new();
        for (c, sp) in system_fields(japanese) {
            let t = field_type_of(&sp);
            if !fields.values().any(|f| field_type_of(f) == t) {
                if fields.contains_key(&c) {
                    self.err(
                        &format!("{fpath}.{c}"),
                        "this code is reserved for a system field",
                    );
                }
                all.insert(c, sp);
            }
        }
        all.extend(fields);
        let status = am
            .get("status")
            .cloned()
            .unwrap_or(json!({"enable": false, "states": null, "actions": null}));
        if let Some(sm) = self.obj(
            &status,
            &format!("{p}.status"),
            &["enable", "states", "actions"],
        ) {
            if sm.get("enable") == Some(&json!(true)) && first_state(&status).is_none() {
                self.err(
                    &format!("{p}.status.states"),
                    "process management is enabled but no state has a name and index",
                );
            }
        }
        let enabled = status.get("enable") == Some(&json!(true));
        for f in all.values_mut() {
            if matches!(
                field_type_of(f),
                Some(FieldType::Status | FieldType::StatusAssignee)
            ) {
                f["enabled"] = json!(enabled);
            }
        }
        let layout = match am.get("layout") {
            Some(Value::Array(l)) => Value::Array(l.clone()),
            None | Some(Value::Null) => auto_layout(&all, &[]),
            Some(_) => {
                self.err(&format!("{p}.layout"), "must be an array (§7.4)");
                json!([])
            }
        };
        let mut views = IndexMap::new();
        match am.get("views") {
            Some(Value::Object(vm)) => {
                for (k, (name, v)) in vm.iter().enumerate() {
                    let mut v = v.clone();
                    if !v.is_object() {
                        self.err(&format!("{p}.views.{name}"), "must be an object (§7.5)");
                        continue;
                    }
                    if !matches!(
                        v.get("type").and_then(Value::as_str),
                        Some("LIST" | "CALENDAR" | "CUSTOM")
                    ) {
                        self.err(
                            &format!("{p}.views.{name}.type"),
                            "must be LIST, CALENDAR or CUSTOM",
                        );
                    }
                    v["name"] = json!(name);
                    if v.get("id").is_none() {
                        v["id"] = json!((id * 1000 + k as u64 + 1).to_string());
                    }
                    if v.get("index").is_none() {
                        v["index"] = json!(k.to_string());
                    }
                    for (key, def) in [("filterCond", ""), ("sort", "")] {
                        if v.get(key).is_none() {
                            v[key] = json!(def);
                        }
                    }
                    views.insert(name.clone(), v);
                }
            }
            None | Some(Value::Null) => {
                let rn = all
                    .iter()
                    .find(|(_, f)| field_type_of(f) == Some(FieldType::RecordNumber))
                    .map(|(c, _)| c.clone())
                    .unwrap_or_default();
                views.insert(
                    "All records".to_string(),
                    json!({"type": "LIST", "name": "All records", "id": (id * 1000 + 1).to_string(),
                           "index": "0", "filterCond": "", "sort": format!("{rn} desc"),
                           "fields": all.keys().filter(|c| {
                               all.get(*c).and_then(field_type_of).is_some_and(|t| t.has_value() && t != FieldType::Subtable)
                           }).cloned().collect::<Vec<_>>()}),
                );
            }
            Some(_) => self.err(&format!("{p}.views"), "must be an object of views by name"),
        }
        app.live.fields = all;
        app.live.layout = layout;
        app.live.views = views;
        app.live.status = status;
        app.live.revision = 2;
        app.preview = app.live.clone();
        for (k, t) in self.arr(am, "api_tokens", &p).iter().enumerate() {
            let tp = format!("{p}.api_tokens[{k}]");
            if let Some(tm) = self.obj(
                t,
                &tp,
                &[
                    "token", "view", "add", "edit", "delete", "manage", "deployed",
                ],
            ) {
                let token = self.string(tm, "token", &tp, true).unwrap_or_default();
                if token.is_empty() || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
                    self.err(
                        &format!("{tp}.token"),
                        "must be a non-empty alphanumeric string",
                    );
                }
                app.api_tokens.push(ApiToken {
                    token,
                    view: self.boolean(tm, "view", &tp, false),
                    add: self.boolean(tm, "add", &tp, false),
                    edit: self.boolean(tm, "edit", &tp, false),
                    delete: self.boolean(tm, "delete", &tp, false),
                    manage: self.boolean(tm, "manage", &tp, false),
                    deployed: self.boolean(tm, "deployed", &tp, true),
                });
            }
        }
        if app.api_tokens.len() > 20 {
            self.err(
                &format!("{p}.api_tokens"),
                "at most 20 tokens per app (§3.2)",
            );
        }
        self.d.apps.insert(id, app);
        Some(id)
    }

    fn records(&mut self, a: &Value, i: usize, app_id: u64) {
        let p = format!("$.apps[{i}].records");
        let Some(list) = a.get("records") else { return };
        let Some(list) = list.as_array() else {
            self.err(&p, "must be an array");
            return;
        };
        let Some(app) = self.d.apps.get(&app_id).cloned() else {
            return;
        };
        let mut app = app;
        let first = first_state(&app.live.status);
        for (j, r) in list.iter().enumerate() {
            let rp = format!("{p}[{j}]");
            let Some(rm) = r.as_object() else {
                self.err(&rp, "must be an object of field code -> value");
                continue;
            };
            for k in rm.keys() {
                if app.field(k).is_none_or(|f| f.subtable.is_some()) {
                    self.err(&format!("{rp}.{k}"), "unknown field code");
                }
            }
            let id = app.next_record_id;
            app.next_record_id += 1;
            let mut values = BTreeMap::new();
            let top: Vec<(String, FieldType, Json)> = app
                .live
                .fields
                .iter()
                .filter_map(|(c, f)| field_type_of(f).map(|t| (c.clone(), t, f.clone())))
                .collect();
            for (code, t, props) in top {
                let vp = format!("{rp}.{code}");
                let given = rm.get(&code);
                let v = match t {
                    FieldType::RecordNumber => Some(json!(if app.code.is_empty() {
                        id.to_string()
                    } else {
                        format!("{}-{id}", app.code)
                    })),
                    FieldType::Creator | FieldType::Modifier => {
                        let c = match given {
                            Some(v) => v
                                .get("code")
                                .or(Some(v))
                                .and_then(Value::as_str)
                                .map(str::to_string),
                            None => Some(app.creator.clone()),
                        };
                        match c {
                            Some(c) => Some(self.entity("USER", &c, &vp)),
                            None => {
                                self.err(&vp, "must be {\"code\": \"<user>\"}");
                                None
                            }
                        }
                    }
                    FieldType::CreatedTime | FieldType::UpdatedTime => match given {
                        Some(v) => self.datetime(v, &vp).map(|s| json!(s)),
                        None => Some(json!((base_time() + Duration::minutes(id as i64))
                            .to_rfc3339_opts(SecondsFormat::Secs, true))),
                    },
                    FieldType::Status => {
                        if !app.process_enabled() {
                            None
                        } else {
                            match given {
                                Some(Value::String(s)) => {
                                    if app
                                        .live
                                        .status
                                        .pointer(&format!(
                                            "/states/{}",
                                            s.replace('~', "~0").replace('/', "~1")
                                        ))
                                        .is_none()
                                    {
                                        self.err(&vp, format!("unknown state \"{s}\""));
                                    }
                                    Some(json!(s))
                                }
                                Some(_) => {
                                    self.err(&vp, "must be a state name");
                                    None
                                }
                                None => first.as_ref().map(|s| json!(s)),
                            }
                        }
                    }
                    FieldType::StatusAssignee => {
                        if !app.process_enabled() {
                            None
                        } else {
                            Some(self.value(FieldType::UserSelect, given, &props, &vp))
                        }
                    }
                    FieldType::Category => {
                        if props.get("enabled") == Some(&json!(true)) {
                            Some(self.value(FieldType::CheckBox, given, &json!({}), &vp))
                        } else {
                            None
                        }
                    }
                    FieldType::Subtable => Some(self.subtable(given, &props, &vp)),
                    t if !t.has_value() => None,
                    t => Some(self.value(t, given, &props, &vp)),
                };
                if let Some(v) = v {
                    values.insert(code, v);
                }
            }
            app.records.insert(id, Record::new(id, 1, values));
        }
        self.d.apps.insert(app_id, app);
    }

    fn subtable(&mut self, given: Option<&Value>, props: &Json, path: &str) -> Json {
        let rows = match given {
            None | Some(Value::Null) => return json!([]),
            Some(Value::Array(a)) => a.clone(),
            Some(_) => {
                self.err(path, "must be an array of rows");
                return json!([]);
            }
        };
        let inner: Vec<(String, FieldType, Json)> = props
            .get("fields")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(c, f)| field_type_of(f).map(|t| (c.clone(), t, f.clone())))
                    .collect()
            })
            .unwrap_or_default();
        let mut out = Vec::new();
        for (k, row) in rows.iter().enumerate() {
            let rp = format!("{path}[{k}]");
            let Some(rm) = row.as_object() else {
                self.err(&rp, "a row must be an object of inner field code -> value");
                continue;
            };
            for key in rm.keys() {
                if !inner.iter().any(|(c, _, _)| c == key) {
                    self.err(&format!("{rp}.{key}"), "unknown field code in this table");
                }
            }
            let mut cells = Map::new();
            for (c, t, ip) in &inner {
                let v = self.value(*t, rm.get(c), ip, &format!("{rp}.{c}"));
                cells.insert(c.clone(), json!({"type": t.as_str(), "value": v}));
            }
            self.d.next_subtable_row_id += 1;
            out.push(json!({"id": self.d.next_subtable_row_id.to_string(), "value": cells}));
        }
        Json::Array(out)
    }

    fn entity(&mut self, kind: &str, code: &str, path: &str) -> Json {
        let name = match kind {
            "USER" => self.d.user(code).map(|u| u.name.clone()),
            "ORGANIZATION" => self
                .d
                .organizations
                .iter()
                .find(|o| o.code == code)
                .map(|o| o.name.clone()),
            _ => self
                .d
                .groups
                .iter()
                .find(|g| g.code == code)
                .map(|g| g.name.clone()),
        };
        match name {
            Some(n) => json!({"code": code, "name": n}),
            None => {
                self.err(path, format!("unknown {} \"{code}\"", kind.to_lowercase()));
                json!({"code": code, "name": code})
            }
        }
    }

    fn datetime(&mut self, v: &Value, path: &str) -> Option<String> {
        let s = v.as_str().unwrap_or("");
        match DateTime::parse_from_rfc3339(s) {
            Ok(t) => {
                let t = t.with_timezone(&Utc);
                let t = t - Duration::seconds(t.timestamp().rem_euclid(60));
                Some(t.to_rfc3339_opts(SecondsFormat::Secs, true))
            }
            Err(_) => {
                self.err(
                    path,
                    "must be an ISO 8601 datetime such as 2026-01-01T09:00:00Z",
                );
                None
            }
        }
    }

    /// A §8 value for a (non-system) field; absent → the field's empty value.
    fn value(&mut self, t: FieldType, given: Option<&Value>, props: &Json, path: &str) -> Json {
        use FieldType::*;
        let Some(v) = given.filter(|v| !v.is_null()) else {
            return empty_value(t);
        };
        let opts: Vec<String> = crate::model::FieldRef {
            code: "",
            ftype: t,
            props,
            subtable: None,
        }
        .options()
        .into_iter()
        .map(str::to_string)
        .collect();
        match t {
            SingleLineText | MultiLineText | RichText | Link | Calc => match v {
                Value::String(_) => v.clone(),
                Value::Number(n) if t == Calc => json!(n.to_string()),
                _ => {
                    self.err(path, "must be a string");
                    empty_value(t)
                }
            },
            Number => {
                let s = match v {
                    Value::Number(n) => n.to_string(),
                    Value::String(s) => s.trim().to_string(),
                    _ => "?".into(),
                };
                if !s.is_empty()
                    && s.parse::<rust_decimal::Decimal>().is_err()
                    && s.parse::<f64>().is_err()
                {
                    self.err(path, "must be a number or a numeric string");
                    return json!("");
                }
                json!(s)
            }
            RadioButton | DropDown => match v.as_str() {
                Some("") if t == DropDown => Json::Null,
                Some(s) if opts.iter().any(|o| o == s) => json!(s),
                Some(s) => {
                    self.err(
                        path,
                        format!("\"{s}\" is not an option ({})", opts.join(", ")),
                    );
                    Json::Null
                }
                None => {
                    self.err(path, "must be an option name");
                    Json::Null
                }
            },
            CheckBox | MultiSelect | Category => {
                let Some(list) = v.as_array() else {
                    self.err(path, "must be an array of option names");
                    return json!([]);
                };
                let mut out = Vec::new();
                for (k, x) in list.iter().enumerate() {
                    match x.as_str() {
                        Some(s) if t == Category || opts.iter().any(|o| o == s) => {
                            out.push(json!(s))
                        }
                        _ => self.err(
                            &format!("{path}[{k}]"),
                            format!("not an option ({})", opts.join(", ")),
                        ),
                    }
                }
                Json::Array(out)
            }
            Date | Time => match v.as_str() {
                Some("") => Json::Null,
                Some(s) => {
                    let ok = if t == Date {
                        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
                    } else {
                        chrono::NaiveTime::parse_from_str(s, "%H:%M").is_ok()
                    };
                    if !ok {
                        self.err(
                            path,
                            if t == Date {
                                "must be YYYY-MM-DD"
                            } else {
                                "must be HH:MM"
                            },
                        );
                        return Json::Null;
                    }
                    json!(s)
                }
                None => {
                    self.err(path, "must be a string");
                    Json::Null
                }
            },
            DateTime => match v.as_str() {
                Some("") => json!(""),
                _ => self
                    .datetime(v, path)
                    .map(|s| json!(s))
                    .unwrap_or(json!("")),
            },
            UserSelect | OrganizationSelect | GroupSelect => {
                let Some(list) = v.as_array() else {
                    self.err(path, "must be an array of {\"code\": ...}");
                    return json!([]);
                };
                let kind = match t {
                    UserSelect => "USER",
                    OrganizationSelect => "ORGANIZATION",
                    _ => "GROUP",
                };
                let mut out = Vec::new();
                for (k, x) in list.iter().enumerate() {
                    match x.get("code").or(Some(x)).and_then(Value::as_str) {
                        Some(c) => {
                            let e = self.entity(kind, c, &format!("{path}[{k}]"));
                            out.push(e);
                        }
                        None => self.err(&format!("{path}[{k}]"), "must be {\"code\": ...}"),
                    }
                }
                Json::Array(out)
            }
            File => {
                let Some(list) = v.as_array() else {
                    self.err(path, "must be an array of files");
                    return json!([]);
                };
                let mut out = Vec::new();
                for (k, x) in list.iter().enumerate() {
                    let fp = format!("{path}[{k}]");
                    let name = x.get("name").and_then(Value::as_str);
                    let data = match (
                        x.get("text").and_then(Value::as_str),
                        x.get("base64").and_then(Value::as_str),
                    ) {
                        (Some(t), None) => Some(t.as_bytes().to_vec()),
                        (None, Some(b)) => {
                            use base64::Engine;
                            match base64::engine::general_purpose::STANDARD.decode(b) {
                                Ok(d) => Some(d),
                                Err(_) => {
                                    self.err(&format!("{fp}.base64"), "invalid base64");
                                    None
                                }
                            }
                        }
                        _ => {
                            self.err(
                                &fp,
                                "needs \"name\" and exactly one of \"text\" or \"base64\"",
                            );
                            None
                        }
                    };
                    let (Some(name), Some(data)) = (name, data) else {
                        if name.is_none() {
                            self.err(&format!("{fp}.name"), "required");
                        }
                        continue;
                    };
                    self.file_seq += 1;
                    let key = format!("20260101000000DATAFILE{:06}", self.file_seq);
                    let f = StoredFile {
                        file_key: key.clone(),
                        name: name.to_string(),
                        content_type: x
                            .get("contentType")
                            .and_then(Value::as_str)
                            .unwrap_or("application/octet-stream")
                            .to_string(),
                        data: bytes::Bytes::from(data),
                        temporary: false,
                    };
                    out.push(file_value(&f));
                    self.d.files.insert(key, f);
                }
                Json::Array(out)
            }
            _ => v.clone(),
        }
    }
}
