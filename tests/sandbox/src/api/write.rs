//! Record value validation, normalisation, defaults and merge for writes (§4.3-§4.7, §8).
//! OWNER: records helper.
//!
//! Every write runs in two phases against one `&mut Domain` (the caller holds the write
//! lock once): a *build* phase that reads the domain and produces the complete new
//! records (or a `KError` with every validation message), then a *commit* phase that
//! cannot fail. A failed request therefore leaves no trace, and bulkRequest can chain
//! several writes under the same lock.
//!
//! Storage format (shared with the query engine and the data loader): `Record::values`
//! maps a field code to the §8 response `value`; a subtable value is stored exactly as
//! in a response, `[{"id":"12","value":{"<inner>": {"type":"NUMBER","value":"3"}}}]`
//! (a bare inner value without the wrapper is tolerated on read).
//!
//! Choices where the reference is silent (UNCONFIRMED, listed in the README):
//! - Values sent for read-only fields (CALC, STATUS, CATEGORY, STATUS_ASSIGNEE,
//!   RECORD_NUMBER, lookup copy targets, auto-calculated text) are silently ignored.
//! - CREATOR/MODIFIER/CREATED_TIME/UPDATED_TIME are honoured on POST only when the caller
//!   is a domain administrator (password/OAuth) or uses a token with "manage app";
//!   otherwise they are ignored and the server sets them.
//! - A FILE value naming a fileKey that is neither a pending upload nor already attached
//!   to that field of that record is 400 CB_VA01 under `<field>.value`.
//! - A DATETIME without an offset is read as UTC.
//! - CALC fields with format NUMBER/NUMBER_DIGIT (or none) are recomputed on every save
//!   when the expression only uses + - * / ( ), numbers, field codes and SUM(); other
//!   expressions keep the stored value.
// KError is large (errors map); every handler returns it, as in the skeleton.
#![allow(clippy::result_large_err)]

use super::access::{check_app, Perm};
use super::{AuthKind, Caller};
use crate::error::{KError, KResult};
use crate::model::{App, Domain, FieldRef, FieldType, Json, Record, StoredFile};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

/// Who writes, and when.
pub struct WriteCtx<'a> {
    pub caller: &'a Caller,
    pub guest: Option<u64>,
    pub now: DateTime<Utc>,
}

/// One element of PUT records.json (or the body of PUT record.json).
#[derive(Debug, Clone)]
pub struct UpdateItem {
    pub id: Option<u64>,
    pub update_key: Option<(String, Json)>,
    /// `None` or `Some(-1)`: no revision check.
    pub revision: Option<i64>,
    pub record: Option<Json>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateResult {
    pub id: u64,
    pub revision: u64,
    /// `Some("INSERT" | "UPDATE")` in upsert mode.
    pub operation: Option<&'static str>,
}

// ---------------------------------------------------------------------------------
// Small value helpers shared with records.rs / cursor.rs.

/// The caller's time zone: the user's `timezone`; API-token calls ("Administrator")
/// use the first domain administrator's zone, else Asia/Tokyo.
pub fn caller_tz(domain: &Domain, caller: &Caller) -> chrono_tz::Tz {
    let user = domain
        .user(&caller.user)
        .or_else(|| domain.users.iter().find(|u| u.admin));
    user.and_then(|u| u.timezone.parse().ok())
        .unwrap_or(chrono_tz::Asia::Tokyo)
}

pub fn minute_stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:00Z").to_string()
}

/// A JSON scalar as text (ids and numbers arrive as numbers or strings, §2.6).
pub fn scalar_str(v: &Json) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Parse an integer given as number or string; `Err` when present but not an integer.
#[allow(clippy::result_unit_err)]
pub fn opt_i64(v: Option<&Json>) -> Result<Option<i64>, ()> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

/// The record number as shown in RECORD_NUMBER (§8): the id, prefixed by the app code.
pub fn record_number(app: &App, id: u64) -> String {
    if app.code.is_empty() {
        id.to_string()
    } else {
        format!("{}-{}", app.code, id)
    }
}

/// The stored value of `code` on `rec`, computing the pseudo/system fields.
pub fn value_of(app: &App, rec: &Record, code: &str) -> Option<Json> {
    if code == "$id" {
        return Some(json!(rec.id.to_string()));
    }
    if code == "$revision" {
        return Some(json!(rec.revision.to_string()));
    }
    if app.record_number_code() == Some(code) {
        return Some(json!(record_number(app, rec.id)));
    }
    rec.values.get(code).cloned()
}

/// A subtable inner value as stored, unwrapping a `{"type","value"}` wrapper.
pub fn unwrap_inner(v: &Json) -> Json {
    match v {
        Value::Object(o) if o.contains_key("value") => {
            o.get("value").cloned().unwrap_or(Value::Null)
        }
        other => other.clone(),
    }
}

/// The value a field has when nothing was ever written (§8 empty representations).
pub fn empty_value(ftype: FieldType) -> Json {
    use FieldType::*;
    match ftype {
        CheckBox | MultiSelect | File | UserSelect | OrganizationSelect | GroupSelect
        | Category | StatusAssignee | Subtable => json!([]),
        RadioButton | DropDown | Date | Time => Value::Null,
        Creator | Modifier => json!({"code": "", "name": ""}),
        _ => json!(""),
    }
}

pub fn is_empty(v: &Json) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// NUMBER normalisation (§8): trim; plain decimals are kept as written, exponent forms
/// are expanded (`1.5e1` -> `15`). `None` when not a number.
pub fn normalize_number(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        return Some(String::new());
    }
    let body = t
        .strip_prefix('-')
        .or_else(|| t.strip_prefix('+'))
        .unwrap_or(t);
    let plain = !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.chars().filter(|&c| c == '.').count() <= 1
        && !body.starts_with('.')
        && !body.ends_with('.');
    if plain {
        return Some(t.strip_prefix('+').unwrap_or(t).to_string());
    }
    if t.contains(['e', 'E']) {
        let d = Decimal::from_scientific(t).ok()?;
        return Some(d.normalize().to_string());
    }
    None
}

fn decimal_of(s: &str) -> Option<Decimal> {
    let t = s.trim();
    Decimal::from_str(t)
        .ok()
        .or_else(|| Decimal::from_scientific(t).ok())
}

/// Compare two numbers given as text, beyond Decimal's range via f64.
fn cmp_numbers(a: &str, b: &str) -> Option<std::cmp::Ordering> {
    match (decimal_of(a), decimal_of(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => {
            let x: f64 = a.trim().parse().ok()?;
            let y: f64 = b.trim().parse().ok()?;
            x.partial_cmp(&y)
        }
    }
}

fn prop_str(props: &Json, key: &str) -> Option<String> {
    match props.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn prop_bool(props: &Json, key: &str) -> bool {
    match props.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

/// Fields the record APIs never write (§4.3): the values sent are ignored.
fn read_only(f: &FieldRef<'_>, lookup_targets: &HashSet<String>) -> bool {
    use FieldType::*;
    if matches!(
        f.ftype,
        Id | Revision
            | RecordNumber
            | Calc
            | Category
            | Status
            | StatusAssignee
            | ReferenceTable
            | Group
    ) {
        return true;
    }
    if f.ftype == SingleLineText && prop_str(f.props, "expression").is_some() {
        return true;
    }
    lookup_targets.contains(f.code)
}

fn lookup_targets(app: &App) -> HashSet<String> {
    let mut out = HashSet::new();
    for f in app.fields() {
        if !f.is_lookup() {
            continue;
        }
        if let Some(maps) = f.props["lookup"]
            .get("fieldMappings")
            .and_then(Value::as_array)
        {
            for m in maps {
                if let Some(t) = m.get("field").and_then(Value::as_str) {
                    out.insert(t.to_string());
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------
// Errors with de-duplicated messages.

struct Errs(KError);

impl Errs {
    fn new() -> Self {
        Errs(KError::validation())
    }
    fn add(&mut self, key: &str, msg: &str) {
        let present = self
            .0
            .errors
            .as_ref()
            .and_then(|m| m.get(key))
            .and_then(|e| e.get("messages"))
            .and_then(Value::as_array)
            .is_some_and(|l| l.iter().any(|m| m == msg));
        if !present {
            self.0.add_error(key, &[msg]);
        }
    }
    fn any(&self) -> bool {
        self.0.has_errors()
    }
}

// ---------------------------------------------------------------------------------
// Build phase.

/// A pending upload that becomes a permanent file on commit.
struct FileOp {
    temp_key: String,
    new_key: String,
}

struct Builder<'a> {
    dom: &'a Domain,
    app: &'a App,
    ctx: &'a WriteCtx<'a>,
    tz: chrono_tz::Tz,
    targets: HashSet<String>,
    /// The last subtable row id handed out (`Domain::next_subtable_row_id` holds the
    /// last one used, as the data loader does).
    last_row: u64,
    files: Vec<FileOp>,
    errs: Errs,
    /// Caller may set CREATOR/... on POST (§4.3).
    app_admin: bool,
}

impl<'a> Builder<'a> {
    fn new(dom: &'a Domain, app: &'a App, ctx: &'a WriteCtx<'a>) -> Self {
        let app_admin = match ctx.caller.kind {
            AuthKind::ApiToken => ctx
                .caller
                .tokens
                .iter()
                .any(|&(a, i)| a == app.id && app.api_tokens.get(i).is_some_and(|t| t.manage)),
            AuthKind::Password | AuthKind::OAuth => {
                dom.user(&ctx.caller.user).is_some_and(|u| u.admin)
            }
            AuthKind::None => false,
        };
        Builder {
            dom,
            app,
            ctx,
            tz: caller_tz(dom, ctx.caller),
            targets: lookup_targets(app),
            last_row: dom.next_subtable_row_id,
            files: Vec::new(),
            errs: Errs::new(),
            app_admin,
        }
    }

    fn user_entity(&self, code: &str) -> Json {
        let name = self
            .dom
            .user(code)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| code.to_string());
        json!({"code": code, "name": name})
    }

    /// defaultValue / defaultNowValue of a field (§8 "Defaults on POST").
    fn default_value(&self, f: &FieldRef<'_>) -> Json {
        use FieldType::*;
        let p = f.props;
        let now = self.ctx.now;
        if prop_bool(p, "defaultNowValue") {
            match f.ftype {
                Date => return json!(now.with_timezone(&self.tz).format("%Y-%m-%d").to_string()),
                DateTime => return json!(minute_stamp(now)),
                Time => return json!(now.with_timezone(&self.tz).format("%H:%M").to_string()),
                _ => {}
            }
        }
        let d = p.get("defaultValue").cloned().unwrap_or(Value::Null);
        match f.ftype {
            SingleLineText | MultiLineText | RichText | Link => {
                if prop_str(p, "expression").is_some() {
                    return json!("");
                }
                json!(scalar_str(&d).unwrap_or_default())
            }
            Number => json!(scalar_str(&d)
                .and_then(|s| normalize_number(&s))
                .unwrap_or_default()),
            CheckBox | MultiSelect => match d {
                Value::Array(a) => Value::Array(a),
                _ => json!([]),
            },
            RadioButton | DropDown | Date | Time => match scalar_str(&d) {
                Some(s) if !s.is_empty() => json!(s),
                _ => Value::Null,
            },
            DateTime => json!(scalar_str(&d).unwrap_or_default()),
            UserSelect | OrganizationSelect | GroupSelect => {
                let mut out = Vec::new();
                for e in d.as_array().into_iter().flatten() {
                    let code = e.get("code").and_then(Value::as_str).unwrap_or("");
                    let etype = e.get("type").and_then(Value::as_str).unwrap_or("");
                    match (f.ftype, etype, code) {
                        (UserSelect, "FUNCTION", "LOGINUSER()")
                            if self.dom.user(&self.ctx.caller.user).is_some() =>
                        {
                            out.push(self.user_entity(&self.ctx.caller.user));
                        }
                        (OrganizationSelect, "FUNCTION", "PRIMARY_ORGANIZATION()") => {
                            if let Some(org) = self
                                .dom
                                .user(&self.ctx.caller.user)
                                .and_then(|u| u.primary_organization.clone())
                            {
                                if let Some(v) = self.org_entity(&org) {
                                    out.push(v);
                                }
                            }
                        }
                        (UserSelect, "USER" | "", c) if !c.is_empty() => {
                            out.push(self.user_entity(c))
                        }
                        (OrganizationSelect, "ORGANIZATION" | "", c) => {
                            if let Some(v) = self.org_entity(c) {
                                out.push(v)
                            }
                        }
                        (GroupSelect, "GROUP" | "", c) => {
                            if let Some(v) = self.group_entity(c) {
                                out.push(v)
                            }
                        }
                        _ => {}
                    }
                }
                Value::Array(out)
            }
            _ => empty_value(f.ftype),
        }
    }

    fn org_entity(&self, code: &str) -> Option<Json> {
        self.dom
            .organizations
            .iter()
            .find(|o| o.code == code)
            .map(|o| json!({"code": o.code, "name": o.name}))
    }

    fn group_entity(&self, code: &str) -> Option<Json> {
        self.dom
            .groups
            .iter()
            .find(|g| g.code == code)
            .map(|g| json!({"code": g.code, "name": g.name}))
    }

    /// Convert one sent value to its stored form. `base` is the error-key stem
    /// (`record.code` or `record.tbl.value[0].value.inner`); `top` is the bracket key
    /// used by the NUMBER quirk at top level. `None`: error recorded (or, for a NUMBER
    /// inside a subtable, the value silently becomes "").
    fn convert(
        &mut self,
        f: &FieldRef<'_>,
        raw: &Json,
        base: &str,
        top: Option<&str>,
        old: Option<&Json>,
    ) -> Option<Json> {
        use FieldType::*;
        let key = format!("{base}.value");
        match f.ftype {
            SingleLineText | MultiLineText | RichText | Link => match raw {
                Value::Null => Some(json!("")),
                Value::String(_) | Value::Number(_) => Some(json!(scalar_str(raw)?)),
                Value::Bool(b) => Some(json!(b.to_string())),
                _ => self.bad(&key, "Invalid value."),
            },
            Number => {
                let s = match raw {
                    Value::Null => String::new(),
                    Value::String(_) | Value::Number(_) => scalar_str(raw)?,
                    _ => String::new() + "\u{0}",
                };
                match normalize_number(&s) {
                    Some(n) => Some(json!(n)),
                    None if top.is_none() => Some(json!("")),
                    None => {
                        // §8: two keys for one mistake.
                        self.errs.add(&key, "Required.");
                        self.errs.add(
                            &format!("{}.value", top.unwrap_or(base)),
                            "Only numbers are allowed.",
                        );
                        None
                    }
                }
            }
            CheckBox | MultiSelect => {
                let list = match raw {
                    Value::Null => Vec::new(),
                    Value::Array(a) => a.clone(),
                    _ => return self.bad(&key, "Invalid value."),
                };
                let opts = f.options();
                let mut out = Vec::new();
                for (i, v) in list.iter().enumerate() {
                    let Some(s) = scalar_str(v) else {
                        return self.bad(&format!("{base}.values[{i}].value"), "Invalid value.");
                    };
                    if !opts.contains(&s.as_str()) {
                        self.errs.add(
                            &format!("{base}.values[{i}].value"),
                            &format!("The value, \"{s}\", is not in options."),
                        );
                        continue;
                    }
                    out.push(json!(s));
                }
                Some(Value::Array(out))
            }
            RadioButton | DropDown => match raw {
                Value::Null => Some(Value::Null),
                Value::String(s) if s.is_empty() => Some(Value::Null),
                Value::String(_) | Value::Number(_) => {
                    let s = scalar_str(raw)?;
                    if f.options().contains(&s.as_str()) {
                        Some(json!(s))
                    } else {
                        self.bad(&key, &format!("The value, \"{s}\", is not in options."))
                    }
                }
                _ => self.bad(&key, "Invalid value."),
            },
            Date => match raw {
                Value::Null => Some(Value::Null),
                Value::String(s) if s.trim().is_empty() => Some(Value::Null),
                Value::String(s) => match parse_date(s) {
                    Some(d) => Some(json!(d.format("%Y-%m-%d").to_string())),
                    None => self.bad(&key, "Invalid date format."),
                },
                _ => self.bad(&key, "Invalid date format."),
            },
            Time => match raw {
                Value::Null => Some(Value::Null),
                Value::String(s) if s.trim().is_empty() => Some(Value::Null),
                Value::String(s) => match parse_time(s) {
                    Some(t) => Some(json!(t.format("%H:%M").to_string())),
                    None => self.bad(&key, "Invalid time format."),
                },
                _ => self.bad(&key, "Invalid time format."),
            },
            DateTime | CreatedTime | UpdatedTime => match raw {
                Value::Null => Some(json!("")),
                Value::String(s) if s.trim().is_empty() => Some(json!("")),
                Value::String(s) => match parse_datetime(s) {
                    Some(t) => Some(json!(minute_stamp(t))),
                    None => self.bad(&key, "Invalid datetime format."),
                },
                _ => self.bad(&key, "Invalid datetime format."),
            },
            UserSelect | OrganizationSelect | GroupSelect => {
                let list = match raw {
                    Value::Null => Vec::new(),
                    Value::Array(a) => a.clone(),
                    _ => return self.bad(&key, "Invalid value."),
                };
                let mut out = Vec::new();
                for (i, e) in list.iter().enumerate() {
                    let code = e
                        .get("code")
                        .and_then(scalar_str_ref)
                        .or_else(|| scalar_str(e))
                        .unwrap_or_default();
                    let ent = match f.ftype {
                        UserSelect => self.dom.user(&code).map(|_| self.user_entity(&code)),
                        OrganizationSelect => self.org_entity(&code),
                        _ => self.group_entity(&code),
                    };
                    match ent {
                        Some(v) => out.push(v),
                        None => {
                            let what = match f.ftype {
                                UserSelect => "user",
                                OrganizationSelect => "organization",
                                _ => "group",
                            };
                            self.errs.add(
                                &format!("{base}.values[{i}].value"),
                                &format!("The {what} (code: {code}) not found."),
                            );
                        }
                    }
                }
                Some(Value::Array(out))
            }
            Creator | Modifier => {
                let code = raw
                    .get("code")
                    .and_then(scalar_str_ref)
                    .or_else(|| scalar_str(raw))
                    .unwrap_or_default();
                if self.dom.user(&code).is_none() && code != "Administrator" {
                    return self.bad(&key, &format!("The user (code: {code}) not found."));
                }
                Some(self.user_entity(&code))
            }
            File => {
                let list = match raw {
                    Value::Null => Vec::new(),
                    Value::Array(a) => a.clone(),
                    _ => return self.bad(&key, "Invalid value."),
                };
                let mut out = Vec::new();
                for e in &list {
                    let fk = e
                        .get("fileKey")
                        .and_then(scalar_str_ref)
                        .unwrap_or_default();
                    let kept = old
                        .and_then(Value::as_array)
                        .and_then(|a| {
                            a.iter().find(|o| {
                                o.get("fileKey").and_then(Value::as_str) == Some(fk.as_str())
                            })
                        })
                        .cloned();
                    if let Some(k) = kept {
                        out.push(k);
                        continue;
                    }
                    match self.dom.files.get(&fk).filter(|sf| sf.temporary) {
                        Some(sf) => {
                            let new_key = format!(
                                "{}{}",
                                self.ctx.now.format("%Y%m%d%H%M%S"),
                                uuid::Uuid::new_v4().simple()
                            );
                            out.push(json!({
                                "contentType": sf.content_type,
                                "fileKey": new_key,
                                "name": sf.name,
                                "size": sf.data.len().to_string(),
                            }));
                            self.files.push(FileOp {
                                temp_key: fk,
                                new_key,
                            });
                        }
                        None => {
                            self.errs.add(
                                &key,
                                &format!("The specified file (fileKey: {fk}) does not exist."),
                            );
                        }
                    }
                }
                Some(Value::Array(out))
            }
            _ => None,
        }
    }

    fn bad(&mut self, key: &str, msg: &str) -> Option<Json> {
        self.errs.add(key, msg);
        None
    }

    /// Build the complete values of one record: `existing` is the stored record on PUT
    /// (merge), `None` on POST (defaults). `prefix` is `record` or `records[i]`.
    fn build(
        &mut self,
        existing: Option<&BTreeMap<String, Json>>,
        input: Option<&Json>,
        prefix: &str,
    ) -> KResult<BTreeMap<String, Json>> {
        let is_post = existing.is_none();
        let app = self.app;
        let input = match input {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                self.errs.add(prefix, "Invalid value.");
                return Ok(BTreeMap::new());
            }
        };
        let mut values: BTreeMap<String, Json> = existing.cloned().unwrap_or_default();
        let top_fields: Vec<FieldRef<'_>> = app
            .fields()
            .into_iter()
            .filter(|f| f.subtable.is_none())
            .collect();
        let mut sent_lookups: Vec<String> = Vec::new();
        for f in &top_fields {
            if !f.ftype.has_value() {
                continue;
            }
            let sent = input.get(f.code);
            let base = format!("{prefix}.{}", f.code);
            let system_settable = matches!(
                f.ftype,
                FieldType::Creator
                    | FieldType::Modifier
                    | FieldType::CreatedTime
                    | FieldType::UpdatedTime
            );
            if system_settable {
                if let (true, true, Some(entry)) = (is_post, self.app_admin, sent) {
                    let raw = entry.get("value").cloned().unwrap_or(Value::Null);
                    if !is_empty(&raw) {
                        if let Some(v) = self.convert(f, &raw, &base, None, None) {
                            values.insert(f.code.to_string(), v);
                        }
                    }
                }
                continue;
            }
            if read_only(f, &self.targets) {
                if is_post && !values.contains_key(f.code) {
                    values.insert(f.code.to_string(), empty_value(f.ftype));
                }
                continue;
            }
            match sent {
                None => {
                    if is_post {
                        let v = if f.ftype == FieldType::Subtable {
                            json!([])
                        } else {
                            self.default_value(f)
                        };
                        values.insert(f.code.to_string(), v);
                        if f.is_lookup() {
                            sent_lookups.push(f.code.to_string());
                        }
                    }
                }
                Some(entry) => {
                    let raw = match entry {
                        Value::Object(o) => o.get("value").cloned().unwrap_or(Value::Null),
                        _ => {
                            self.errs.add(&format!("{base}.value"), "Invalid value.");
                            continue;
                        }
                    };
                    if f.ftype == FieldType::Subtable {
                        let old = values.get(f.code).cloned().unwrap_or(json!([]));
                        if let Some(rows) = self.build_table(f, &raw, &old, is_post, &base)? {
                            values.insert(f.code.to_string(), rows);
                        }
                        continue;
                    }
                    let top = format!("{prefix}[{}]", f.code);
                    let old = values.get(f.code).cloned();
                    if let Some(v) = self.convert(f, &raw, &base, Some(&top), old.as_ref()) {
                        values.insert(f.code.to_string(), v);
                        if f.is_lookup() {
                            sent_lookups.push(f.code.to_string());
                        }
                    }
                }
            }
        }
        // Lookups copy after every value is converted, so a mapping wins over any value
        // sent for its target (§8 "Lookups").
        for code in sent_lookups {
            let Some(f) = app.field(&code) else { continue };
            let key = values.get(&code).cloned().unwrap_or(Value::Null);
            let (key_value, copies) = self.resolve_lookup(&f, &key)?;
            values.insert(code.clone(), key_value);
            for (target, v) in copies {
                if app.field(&target).is_some_and(|t| t.subtable.is_none()) {
                    values.insert(target, v);
                }
            }
        }
        compute_calcs(app, &mut values);
        validate(app, &values, prefix, &mut self.errs);
        Ok(values)
    }

    /// The SUBTABLE row rules of §8: omitted rows are deleted, rows with a known id are
    /// merged, rows without (or with an unknown) id get a fresh id.
    fn build_table(
        &mut self,
        table: &FieldRef<'_>,
        raw: &Json,
        old: &Json,
        is_post: bool,
        base: &str,
    ) -> KResult<Option<Json>> {
        let rows: Vec<Json> = match raw {
            Value::Null => Vec::new(),
            Value::Array(a) => a.clone(),
            // Old doc form: {"0": {...}, "1": {...}}.
            Value::Object(o) => {
                let mut v: Vec<(u64, Json)> = o
                    .iter()
                    .map(|(k, r)| (k.parse().unwrap_or(u64::MAX), r.clone()))
                    .collect();
                v.sort_by_key(|(k, _)| *k);
                v.into_iter().map(|(_, r)| r).collect()
            }
            _ => {
                self.errs.add(&format!("{base}.value"), "Invalid value.");
                return Ok(None);
            }
        };
        let inner: Vec<(String, Json)> = table
            .props
            .get("fields")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let old_rows = old.as_array().cloned().unwrap_or_default();
        let mut used_ids: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        for (ri, row) in rows.iter().enumerate() {
            let row_base = format!("{base}.value[{ri}].value");
            let sent_id = row.get("id").and_then(scalar_str_ref);
            let existing = sent_id.as_ref().and_then(|id| {
                if used_ids.contains(id) {
                    return None;
                }
                old_rows
                    .iter()
                    .find(|r| r.get("id").and_then(scalar_str_ref).as_deref() == Some(id.as_str()))
            });
            let (row_id, mut vals): (String, Map<String, Json>) = match existing {
                Some(r) => {
                    let id = sent_id.clone().unwrap_or_default();
                    used_ids.insert(id.clone());
                    let m = r
                        .get("value")
                        .and_then(Value::as_object)
                        .map(|m| {
                            m.iter()
                                .map(|(k, v)| (k.clone(), unwrap_inner(v)))
                                .collect()
                        })
                        .unwrap_or_default();
                    (id, m)
                }
                None => {
                    self.last_row += 1;
                    let id = self.last_row;
                    (id.to_string(), Map::new())
                }
            };
            let sent = match row.get("value") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(m)) => m.clone(),
                Some(_) => {
                    self.errs.add(&row_base, "Invalid value.");
                    continue;
                }
            };
            let mut row_lookups = Vec::new();
            for (code, props) in &inner {
                let Some(ftype) = crate::model::field_type_of(props) else {
                    continue;
                };
                let f = FieldRef {
                    code,
                    ftype,
                    props,
                    subtable: Some(table.code),
                };
                let fresh = existing.is_none();
                if read_only(&f, &self.targets) {
                    vals.entry(code.clone())
                        .or_insert_with(|| empty_value(ftype));
                    continue;
                }
                match sent.get(code) {
                    None => {
                        if fresh {
                            let v = if is_post {
                                self.default_value(&f)
                            } else {
                                empty_value(ftype)
                            };
                            vals.insert(code.clone(), v);
                            if is_post && f.is_lookup() {
                                row_lookups.push(code.clone());
                            }
                        }
                    }
                    Some(entry) => {
                        let raw = entry.get("value").cloned().unwrap_or(Value::Null);
                        let old_v = vals.get(code).cloned();
                        let fb = format!("{row_base}.{code}");
                        if let Some(v) = self.convert(&f, &raw, &fb, None, old_v.as_ref()) {
                            vals.insert(code.clone(), v);
                            if f.is_lookup() {
                                row_lookups.push(code.clone());
                            }
                        }
                    }
                }
            }
            for code in row_lookups {
                let Some(f) = self.app.field(&code) else {
                    continue;
                };
                let key = vals.get(&code).cloned().unwrap_or(Value::Null);
                let (kv, copies) = self.resolve_lookup(&f, &key)?;
                vals.insert(code, kv);
                for (target, v) in copies {
                    if inner.iter().any(|(c, _)| *c == target) {
                        vals.insert(target, v);
                    }
                }
            }
            // Stored like the §8 response: inner values keep their `{"type","value"}`.
            let wrapped: Map<String, Json> = inner
                .iter()
                .filter_map(|(code, props)| {
                    let t = crate::model::field_type_of(props)?;
                    let v = vals.get(code).cloned().unwrap_or_else(|| empty_value(t));
                    Some((code.clone(), json!({"type": t.as_str(), "value": v})))
                })
                .collect();
            out.push(json!({"id": row_id, "value": Value::Object(wrapped)}));
        }
        Ok(Some(Value::Array(out)))
    }

    /// A lookup key (§3.2, §8): exactly one source record whose `relatedKeyField` equals
    /// the key; returns the key as stored and the copies of `fieldMappings`.
    fn resolve_lookup(&self, f: &FieldRef<'_>, key: &Json) -> KResult<(Json, Vec<(String, Json)>)> {
        let lk = &f.props["lookup"];
        let mappings: Vec<(String, String)> = lk
            .get("fieldMappings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| {
                Some((
                    m.get("field")?.as_str()?.to_string(),
                    m.get("relatedField")?.as_str()?.to_string(),
                ))
            })
            .collect();
        let target_type = |code: &str| {
            self.app
                .field(code)
                .map(|t| t.ftype)
                .unwrap_or(FieldType::SingleLineText)
        };
        if is_empty(key) {
            let copies = mappings
                .iter()
                .map(|(t, _)| (t.clone(), empty_value(target_type(t))))
                .collect();
            return Ok((key.clone(), copies));
        }
        let key_s = scalar_str(key).unwrap_or_default();
        let not_found = || {
            KError::new(
                400,
                "GAIA_LO04",
                format!(
                    "Field \"{}\" has a value \"{}\" that does not exist in the datasource app, \
                     or you do not have permission to view the record.",
                    f.code, key_s
                ),
            )
        };
        let src_id = lk
            .get("relatedApp")
            .and_then(|r| r.get("app"))
            .and_then(|a| opt_i64(Some(a)).ok().flatten())
            .ok_or_else(not_found)?;
        let src = self.dom.apps.get(&(src_id as u64)).ok_or_else(not_found)?;
        let allowed = match self.ctx.caller.kind {
            AuthKind::ApiToken => self
                .ctx
                .caller
                .tokens
                .iter()
                .any(|&(a, i)| a == src.id && src.api_tokens.get(i).is_some_and(|t| t.view)),
            _ => check_app(
                self.dom,
                self.ctx.caller,
                src,
                Perm::View,
                self.dom.guest_space_of(src),
            )
            .is_ok(),
        };
        if !allowed {
            return Err(not_found());
        }
        let related = lk
            .get("relatedKeyField")
            .and_then(Value::as_str)
            .unwrap_or("");
        let matches = |v: &Json| -> bool {
            let Some(s) = scalar_str(v) else { return false };
            s == key_s || cmp_numbers(&s, &key_s) == Some(std::cmp::Ordering::Equal)
        };
        let found: Vec<&Record> = src
            .records
            .values()
            .filter(|r| value_of(src, r, related).is_some_and(|v| matches(&v)))
            .collect();
        if found.len() != 1 {
            return Err(not_found());
        }
        let rec = found[0];
        let key_value = value_of(src, rec, related).unwrap_or_else(|| key.clone());
        let copies = mappings
            .iter()
            .map(|(t, r)| {
                let v = value_of(src, rec, r).unwrap_or_else(|| empty_value(target_type(t)));
                (t.clone(), v)
            })
            .collect();
        Ok((key_value, copies))
    }
}

fn scalar_str_ref(v: &Json) -> Option<String> {
    scalar_str(v)
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    // Partial forms are accepted on write (§8): 2015-7-5, and a datetime's date part.
    let s = s.split('T').next().unwrap_or(s);
    let mut it = s.split('-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next().map(|d| d.parse().ok()).unwrap_or(Some(1))?;
    if it.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let mut it = s.trim().split(':');
    let h: u32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    NaiveTime::from_hms_opt(h, m, 0)
}

fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M%#z",
        "%Y-%m-%dT%H:%M:%S%#z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    let bare = s.trim_end_matches('Z');
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(bare, fmt) {
            return Some(t.and_utc());
        }
    }
    None
}

// ---------------------------------------------------------------------------------
// Validation of a merged record (§8 "Validation error keys").

fn required_key(base: &str, ftype: FieldType) -> String {
    use FieldType::*;
    match ftype {
        CheckBox | MultiSelect | File => format!("{base}.values"),
        UserSelect | OrganizationSelect | GroupSelect => format!("{base}.values.value"),
        _ => format!("{base}.value"),
    }
}

fn validate_field(f: &FieldRef<'_>, v: &Json, base: &str, errs: &mut Errs) {
    use FieldType::*;
    let p = f.props;
    if matches!(f.ftype, RadioButton | Calc) {
        return; // required is not enforced for these (§8)
    }
    if prop_bool(p, "required") && is_empty(v) {
        errs.add(&required_key(base, f.ftype), "Required.");
        return;
    }
    let key = format!("{base}.value");
    match f.ftype {
        SingleLineText | MultiLineText | RichText | Link => {
            let Some(s) = v.as_str() else { return };
            if s.is_empty() {
                return;
            }
            let n = s.chars().count();
            if let Some(max) = prop_str(p, "maxLength").and_then(|m| m.parse::<usize>().ok()) {
                if n > max {
                    errs.add(&key, &format!("Enter less than {} characters.", max + 1));
                }
            }
            if let Some(min) = prop_str(p, "minLength").and_then(|m| m.parse::<usize>().ok()) {
                if n < min {
                    errs.add(
                        &key,
                        &format!("Enter more than {} characters.", min.saturating_sub(1)),
                    );
                }
            }
        }
        Number => {
            let Some(s) = v.as_str().filter(|s| !s.is_empty()) else {
                return;
            };
            if let Some(max) = prop_str(p, "maxValue") {
                if cmp_numbers(s, &max) == Some(std::cmp::Ordering::Greater) {
                    errs.add(&key, &format!("The value must be {max} or less."));
                }
            }
            if let Some(min) = prop_str(p, "minValue") {
                if cmp_numbers(s, &min) == Some(std::cmp::Ordering::Less) {
                    errs.add(&key, &format!("The value must be {min} or more."));
                }
            }
        }
        _ => {}
    }
}

fn validate(app: &App, values: &BTreeMap<String, Json>, prefix: &str, errs: &mut Errs) {
    for f in app.fields() {
        if f.subtable.is_some() {
            continue;
        }
        let v = values.get(f.code).cloned().unwrap_or(Value::Null);
        let base = format!("{prefix}.{}", f.code);
        if f.ftype == FieldType::Subtable {
            let inner = f.props.get("fields").and_then(Value::as_object);
            for (ri, row) in v.as_array().into_iter().flatten().enumerate() {
                let Some(inner) = inner else { break };
                for (code, props) in inner {
                    let Some(ftype) = crate::model::field_type_of(props) else {
                        continue;
                    };
                    let fr = FieldRef {
                        code,
                        ftype,
                        props,
                        subtable: Some(f.code),
                    };
                    let iv = row
                        .get("value")
                        .and_then(|m| m.get(code))
                        .map(unwrap_inner)
                        .unwrap_or(Value::Null);
                    validate_field(&fr, &iv, &format!("{base}.value[{ri}].value.{code}"), errs);
                }
            }
            continue;
        }
        validate_field(&f, &v, &base, errs);
    }
}

fn unique_fields(app: &App) -> Vec<String> {
    app.fields()
        .into_iter()
        .filter(|f| f.subtable.is_none() && prop_bool(f.props, "unique"))
        .map(|f| f.code.to_string())
        .collect()
}

/// Uniqueness over the final state (§8): `""` never collides; an updated record does not
/// collide with its old self.
fn check_unique(
    app: &App,
    pending: &[(Option<u64>, &BTreeMap<String, Json>, String)],
    errs: &mut Errs,
) {
    let codes = unique_fields(app);
    if codes.is_empty() {
        return;
    }
    let touched: HashSet<u64> = pending.iter().filter_map(|(id, _, _)| *id).collect();
    for code in codes {
        let mut seen: HashSet<String> = app
            .records
            .values()
            .filter(|r| !touched.contains(&r.id))
            .filter_map(|r| r.values.get(&code).and_then(scalar_str))
            .filter(|s| !s.is_empty())
            .collect();
        for (_, values, prefix) in pending {
            let Some(s) = values
                .get(&code)
                .and_then(scalar_str)
                .filter(|s| !s.is_empty())
            else {
                continue;
            };
            if !seen.insert(s) {
                errs.add(
                    &format!("{prefix}.{code}.value"),
                    "This value already exists in another record.",
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// CALC (simple arithmetic only; see the module comment).

fn compute_calcs(app: &App, values: &mut BTreeMap<String, Json>) {
    let calcs: Vec<FieldRef<'_>> = app
        .fields()
        .into_iter()
        .filter(|f| f.ftype == FieldType::Calc)
        .filter(|f| {
            matches!(
                f.props.get("format").and_then(Value::as_str),
                None | Some("NUMBER") | Some("NUMBER_DIGIT") | Some("")
            )
        })
        .collect();
    if calcs.is_empty() {
        return;
    }
    // Two passes so a CALC that reads another CALC sees its new value.
    for _ in 0..2 {
        for f in &calcs {
            let Some(expr) = f.props.get("expression").and_then(Value::as_str) else {
                continue;
            };
            match f.subtable {
                None => {
                    let snapshot = values.clone();
                    let look = |code: &str| snapshot.get(code).cloned();
                    let sum = |code: &str| sum_inner(app, &snapshot, code);
                    if let Some(r) = eval_calc(expr, &look, &sum) {
                        values.insert(f.code.to_string(), json!(r));
                    }
                }
                Some(table) => {
                    let snapshot = values.clone();
                    let Some(rows) = values.get_mut(table).and_then(Value::as_array_mut) else {
                        continue;
                    };
                    for row in rows.iter_mut() {
                        let rowvals = row.get("value").cloned().unwrap_or(json!({}));
                        let look = |code: &str| {
                            rowvals
                                .get(code)
                                .map(unwrap_inner)
                                .or_else(|| snapshot.get(code).cloned())
                        };
                        let sum = |code: &str| sum_inner(app, &snapshot, code);
                        if let Some(r) = eval_calc(expr, &look, &sum) {
                            if let Some(m) = row.get_mut("value").and_then(Value::as_object_mut) {
                                m.insert(f.code.to_string(), json!({"type": "CALC", "value": r}));
                            }
                        }
                    }
                }
            }
        }
    }
}

fn sum_inner(app: &App, values: &BTreeMap<String, Json>, code: &str) -> Option<Decimal> {
    let f = app.field(code)?;
    let table = f.subtable?;
    let mut total = Decimal::ZERO;
    for row in values.get(table)?.as_array()? {
        let v = row.get("value").and_then(|m| m.get(code)).map(unwrap_inner);
        if let Some(s) = v.as_ref().and_then(scalar_str).filter(|s| !s.is_empty()) {
            total += decimal_of(&s)?;
        }
    }
    Some(total)
}

/// Evaluate `+ - * /`, parentheses, numbers, field codes and `SUM(code)`. `None` means
/// "not supported here": the stored value is kept.
fn eval_calc(
    expr: &str,
    look: &dyn Fn(&str) -> Option<Json>,
    sum: &dyn Fn(&str) -> Option<Decimal>,
) -> Option<String> {
    struct P<'e> {
        t: Vec<String>,
        i: usize,
        look: &'e dyn Fn(&str) -> Option<Json>,
        sum: &'e dyn Fn(&str) -> Option<Decimal>,
        empty: bool,
    }
    impl P<'_> {
        fn peek(&self) -> Option<&str> {
            self.t.get(self.i).map(String::as_str)
        }
        fn expr(&mut self) -> Option<Decimal> {
            let mut v = self.term()?;
            while let Some(op) = self
                .peek()
                .filter(|o| *o == "+" || *o == "-")
                .map(str::to_string)
            {
                self.i += 1;
                let r = self.term()?;
                v = if op == "+" {
                    v.checked_add(r)?
                } else {
                    v.checked_sub(r)?
                };
            }
            Some(v)
        }
        fn term(&mut self) -> Option<Decimal> {
            let mut v = self.unary()?;
            while let Some(op) = self
                .peek()
                .filter(|o| *o == "*" || *o == "/")
                .map(str::to_string)
            {
                self.i += 1;
                let r = self.unary()?;
                v = if op == "*" {
                    v.checked_mul(r)?
                } else {
                    if r.is_zero() {
                        self.empty = true;
                        return Some(Decimal::ZERO);
                    }
                    v.checked_div(r)?
                };
            }
            Some(v)
        }
        fn unary(&mut self) -> Option<Decimal> {
            if self.peek() == Some("-") {
                self.i += 1;
                return Some(-self.unary()?);
            }
            self.atom()
        }
        fn atom(&mut self) -> Option<Decimal> {
            let tok = self.peek()?.to_string();
            self.i += 1;
            if tok == "(" {
                let v = self.expr()?;
                if self.peek() != Some(")") {
                    return None;
                }
                self.i += 1;
                return Some(v);
            }
            if tok.eq_ignore_ascii_case("SUM") && self.peek() == Some("(") {
                self.i += 1;
                let code = self.peek()?.to_string();
                self.i += 1;
                if self.peek() != Some(")") {
                    return None;
                }
                self.i += 1;
                return (self.sum)(&code);
            }
            if tok.chars().next()?.is_ascii_digit() {
                return decimal_of(&tok);
            }
            match (self.look)(&tok)? {
                Value::String(s) if s.is_empty() => Some(Decimal::ZERO),
                Value::Null => Some(Decimal::ZERO),
                v => decimal_of(&scalar_str(&v)?),
            }
        }
    }
    let mut toks = Vec::new();
    let mut cur = String::new();
    for c in expr.chars() {
        if "+-*/(),".contains(c) || c.is_whitespace() {
            if !cur.is_empty() {
                toks.push(std::mem::take(&mut cur));
            }
            if !c.is_whitespace() {
                toks.push(c.to_string());
            }
        } else if "&<>=^\"".contains(c) {
            return None;
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        toks.push(cur);
    }
    let mut p = P {
        t: toks,
        i: 0,
        look,
        sum,
        empty: false,
    };
    let v = p.expr()?;
    if p.i != p.t.len() {
        return None;
    }
    if p.empty {
        return Some(String::new());
    }
    Some(v.normalize().to_string())
}

// ---------------------------------------------------------------------------------
// The write operations, each under the caller's single write lock.

fn app_of(domain: &Domain, app: u64) -> KResult<&App> {
    domain
        .apps
        .get(&app)
        .ok_or_else(|| KError::app_not_found(app))
}

fn caller_entity(domain: &Domain, caller: &Caller) -> Json {
    let name = domain
        .user(&caller.user)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| caller.user.clone());
    json!({"code": caller.user, "name": name})
}

/// The first state (lowest index) of an enabled process (§4.10) and its assignees.
fn first_state(domain: &Domain, app: &App, creator: &Json) -> Option<(String, Json)> {
    if !app.process_enabled() {
        return None;
    }
    let states = app.live.status.get("states")?.as_object()?;
    let (name, st) = states.iter().min_by_key(|(_, s)| {
        s.get("index")
            .and_then(|i| opt_i64(Some(i)).ok().flatten())
            .unwrap_or(i64::MAX)
    })?;
    let mut assignees = Vec::new();
    for e in st
        .get("assignee")
        .and_then(|a| a.get("entities"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let ent = e.get("entity").unwrap_or(e);
        match (
            ent.get("type").and_then(Value::as_str),
            ent.get("code").and_then(Value::as_str),
        ) {
            (Some("USER"), Some(c)) => {
                let n = domain
                    .user(c)
                    .map(|u| u.name.clone())
                    .unwrap_or_else(|| c.to_string());
                assignees.push(json!({"code": c, "name": n}));
            }
            (Some("CREATOR"), _) => assignees.push(creator.clone()),
            _ => {}
        }
    }
    let name = st
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(name)
        .to_string();
    Some((name, Value::Array(assignees)))
}

fn set_system_fields(
    app: &App,
    domain: &Domain,
    values: &mut BTreeMap<String, Json>,
    id: u64,
    caller: &Caller,
    now: DateTime<Utc>,
    insert: bool,
) {
    let me = caller_entity(domain, caller);
    let stamp = minute_stamp(now);
    for f in app.fields() {
        if f.subtable.is_some() {
            continue;
        }
        let code = f.code.to_string();
        match f.ftype {
            FieldType::RecordNumber => {
                values.insert(code, json!(record_number(app, id)));
            }
            FieldType::Creator if insert => {
                values.entry(code).or_insert_with(|| me.clone());
            }
            FieldType::CreatedTime if insert => {
                values.entry(code).or_insert_with(|| json!(stamp));
            }
            FieldType::Modifier => {
                if insert {
                    values.entry(code).or_insert_with(|| me.clone());
                } else {
                    values.insert(code, me.clone());
                }
            }
            FieldType::UpdatedTime => {
                if insert {
                    values.entry(code).or_insert_with(|| json!(stamp));
                } else {
                    values.insert(code, json!(stamp));
                }
            }
            _ => {}
        }
    }
    if insert {
        let creator = app
            .fields()
            .iter()
            .find(|f| f.ftype == FieldType::Creator)
            .and_then(|f| values.get(f.code).cloned())
            .unwrap_or(me);
        if let Some((state, assignees)) = first_state(domain, app, &creator) {
            for f in app.fields() {
                match f.ftype {
                    FieldType::Status => {
                        values.insert(f.code.to_string(), json!(state));
                    }
                    FieldType::StatusAssignee => {
                        values.insert(f.code.to_string(), assignees.clone());
                    }
                    _ => {}
                }
            }
        }
    }
}

fn commit_files(domain: &mut Domain, ops: Vec<FileOp>) {
    let mut used = Vec::new();
    for op in ops {
        if let Some(tmp) = domain.files.get(&op.temp_key).cloned() {
            domain.files.insert(
                op.new_key.clone(),
                StoredFile {
                    file_key: op.new_key,
                    temporary: false,
                    ..tmp
                },
            );
            used.push(op.temp_key);
        }
    }
    for k in used {
        domain.files.remove(&k);
    }
}

/// What one record of a batch becomes.
enum Pending {
    Insert(BTreeMap<String, Json>),
    Update(u64, BTreeMap<String, Json>),
    Noop(u64),
}

/// POST record(s) (§4.3, §4.4). `bulk` picks the `records[i]` error-key prefix.
pub fn add_records(
    domain: &mut Domain,
    ctx: &WriteCtx<'_>,
    app_id: u64,
    inputs: &[Option<Json>],
    bulk: bool,
) -> KResult<Vec<(u64, u64)>> {
    let items: Vec<(Option<u64>, Option<Json>)> =
        inputs.iter().map(|r| (None, r.clone())).collect();
    let res = write_batch(domain, ctx, app_id, BatchInput::Add(items), bulk)?;
    Ok(res.into_iter().map(|r| (r.id, r.revision)).collect())
}

/// PUT record(s) (§4.5, §4.6).
pub fn update_records(
    domain: &mut Domain,
    ctx: &WriteCtx<'_>,
    app_id: u64,
    items: &[UpdateItem],
    upsert: bool,
    bulk: bool,
) -> KResult<Vec<UpdateResult>> {
    write_batch(
        domain,
        ctx,
        app_id,
        BatchInput::Update(items.to_vec(), upsert),
        bulk,
    )
}

enum BatchInput {
    Add(Vec<(Option<u64>, Option<Json>)>),
    Update(Vec<UpdateItem>, bool),
}

fn write_batch(
    domain: &mut Domain,
    ctx: &WriteCtx<'_>,
    app_id: u64,
    input: BatchInput,
    bulk: bool,
) -> KResult<Vec<UpdateResult>> {
    let dom: &Domain = domain;
    let app = app_of(dom, app_id)?;
    match &input {
        BatchInput::Add(_) => check_app(dom, ctx.caller, app, Perm::Add, ctx.guest)?,
        BatchInput::Update(_, upsert) => {
            check_app(dom, ctx.caller, app, Perm::Edit, ctx.guest)?;
            if *upsert {
                check_app(dom, ctx.caller, app, Perm::Add, ctx.guest)?;
            }
        }
    }
    let mut b = Builder::new(dom, app, ctx);
    let mut pending: Vec<(Pending, String, Option<&'static str>)> = Vec::new();
    // Records already rewritten earlier in this batch, so a later item sees them.
    let mut overlay: HashMap<u64, BTreeMap<String, Json>> = HashMap::new();
    match input {
        BatchInput::Add(items) => {
            for (i, (_, rec)) in items.iter().enumerate() {
                let prefix = if bulk {
                    format!("records[{i}]")
                } else {
                    "record".into()
                };
                let vals = b.build(None, rec.as_ref(), &prefix)?;
                pending.push((Pending::Insert(vals), prefix, None));
            }
        }
        BatchInput::Update(items, upsert) => {
            for (i, item) in items.iter().enumerate() {
                let prefix = if bulk {
                    format!("records[{i}]")
                } else {
                    "record".into()
                };
                let iprefix = if bulk {
                    format!("records[{i}].")
                } else {
                    String::new()
                };
                let target: Option<u64> = match (&item.id, &item.update_key) {
                    (Some(_), Some(_)) => {
                        return Err(KError::invalid(
                            &format!("{iprefix}id"),
                            &["Specify either id or updateKey, not both."],
                        ))
                    }
                    (None, None) => {
                        return Err(KError::invalid(
                            &format!("{iprefix}id"),
                            &["Required field."],
                        ))
                    }
                    (Some(id), None) => {
                        if app.records.contains_key(id) {
                            Some(*id)
                        } else if upsert {
                            None
                        } else {
                            return Err(KError::record_not_found(id));
                        }
                    }
                    (None, Some((field, value))) => {
                        let key_err =
                            |m: &str| KError::invalid(&format!("{iprefix}updateKey.field"), &[m]);
                        let f = app
                            .field(field)
                            .filter(|f| f.subtable.is_none())
                            .ok_or_else(|| {
                                key_err("The field specified in updateKey does not exist.")
                            })?;
                        let ok_type = matches!(
                            f.ftype,
                            FieldType::SingleLineText
                                | FieldType::Number
                                | FieldType::Link
                                | FieldType::Date
                                | FieldType::DateTime
                        );
                        if !ok_type || !prop_bool(f.props, "unique") {
                            return Err(key_err(
                                "The field specified in updateKey must have \"Prohibit duplicate values\" enabled.",
                            ));
                        }
                        let mut kb = Builder::new(dom, app, ctx);
                        let norm = kb
                            .convert(&f, value, &format!("{iprefix}updateKey"), None, None)
                            .filter(|v| !is_empty(v))
                            .ok_or_else(|| {
                                KError::invalid(
                                    &format!("{iprefix}updateKey.value"),
                                    &["Required field."],
                                )
                            })?;
                        let ns = scalar_str(&norm).unwrap_or_default();
                        let hit = app.records.values().find(|r| {
                            overlay
                                .get(&r.id)
                                .unwrap_or(&r.values)
                                .get(field)
                                .and_then(scalar_str)
                                .is_some_and(|s| s == ns)
                        });
                        match hit {
                            Some(r) => Some(r.id),
                            None if upsert => None,
                            None => return Err(KError::record_not_found(&ns)),
                        }
                    }
                };
                match target {
                    Some(id) => {
                        let rec = &app.records[&id];
                        if let Some(rev) = item.revision.filter(|r| *r != -1) {
                            if rev < 0 || rev as u64 != rec.revision {
                                return Err(KError::revision_conflict());
                            }
                        }
                        let base = overlay
                            .get(&id)
                            .cloned()
                            .unwrap_or_else(|| rec.values.clone());
                        if item.record.is_none() {
                            // §4.5: `record` omitted updates nothing (revision unchanged).
                            let op = upsert.then_some("UPDATE");
                            pending.push((Pending::Noop(id), prefix, op));
                            continue;
                        }
                        let vals = b.build(Some(&base), item.record.as_ref(), &prefix)?;
                        overlay.insert(id, vals.clone());
                        let op = upsert.then_some("UPDATE");
                        pending.push((Pending::Update(id, vals), prefix, op));
                    }
                    None => {
                        // Upsert insert: a new id; the updateKey value is stored (§4.6).
                        let mut rec = match &item.record {
                            Some(Value::Object(m)) => m.clone(),
                            _ => Map::new(),
                        };
                        if let Some((field, value)) = &item.update_key {
                            rec.insert(field.clone(), json!({"value": value}));
                        }
                        let vals = b.build(None, Some(&Value::Object(rec)), &prefix)?;
                        pending.push((Pending::Insert(vals), prefix, Some("INSERT")));
                    }
                }
            }
        }
    }
    {
        let view: Vec<(Option<u64>, &BTreeMap<String, Json>, String)> = pending
            .iter()
            .filter_map(|(p, prefix, _)| match p {
                Pending::Insert(v) => Some((None, v, prefix.clone())),
                Pending::Update(id, v) => Some((Some(*id), v, prefix.clone())),
                Pending::Noop(_) => None,
            })
            .collect();
        check_unique(app, &view, &mut b.errs);
    }
    if b.errs.any() {
        return Err(b.errs.0);
    }
    let last_row = b.last_row;
    let files = std::mem::take(&mut b.files);
    let now = ctx.now;
    // Commit: nothing below can fail.
    let mut prepared: Vec<(Pending, Option<&'static str>)> = Vec::new();
    let mut next_id = app
        .next_record_id
        .max(app.records.keys().next_back().map_or(1, |k| k + 1));
    let mut assigned = Vec::new();
    for (p, _, op) in pending {
        match p {
            Pending::Insert(mut v) => {
                let id = next_id;
                next_id += 1;
                set_system_fields(app, dom, &mut v, id, ctx.caller, now, true);
                assigned.push(id);
                prepared.push((Pending::Insert(v), op));
            }
            Pending::Update(id, mut v) => {
                set_system_fields(app, dom, &mut v, id, ctx.caller, now, false);
                assigned.push(id);
                prepared.push((Pending::Update(id, v), op));
            }
            Pending::Noop(id) => {
                assigned.push(id);
                prepared.push((Pending::Noop(id), op));
            }
        }
    }
    domain.next_subtable_row_id = domain.next_subtable_row_id.max(last_row);
    commit_files(domain, files);
    let Some(app) = domain.apps.get_mut(&app_id) else {
        return Err(KError::app_not_found(app_id));
    };
    app.next_record_id = next_id;
    let mut out = Vec::new();
    for ((p, op), id) in prepared.into_iter().zip(assigned) {
        let values = match p {
            Pending::Insert(v) | Pending::Update(_, v) => v,
            Pending::Noop(_) => {
                let revision = app.records.get(&id).map_or(0, |r| r.revision);
                out.push(UpdateResult {
                    id,
                    revision,
                    operation: op,
                });
                continue;
            }
        };
        let rec = app
            .records
            .entry(id)
            .or_insert_with(|| Record::new(id, 0, BTreeMap::new()));
        rec.values = values;
        rec.revision += 1;
        out.push(UpdateResult {
            id,
            revision: rec.revision,
            operation: op,
        });
    }
    Ok(out)
}

/// DELETE records.json (§4.7): all ids are checked before any is removed.
pub fn delete_records(
    domain: &mut Domain,
    ctx: &WriteCtx<'_>,
    app_id: u64,
    ids: &[u64],
    revisions: &[i64],
) -> KResult<()> {
    let app = app_of(domain, app_id)?;
    check_app(domain, ctx.caller, app, Perm::Delete, ctx.guest)?;
    for (i, id) in ids.iter().enumerate() {
        let rec = app
            .records
            .get(id)
            .ok_or_else(|| KError::record_not_found(id))?;
        if let Some(rev) = revisions.get(i).copied().filter(|r| *r != -1) {
            if rev < 0 || rev as u64 != rec.revision {
                return Err(KError::revision_conflict());
            }
        }
    }
    if let Some(app) = domain.apps.get_mut(&app_id) {
        for id in ids {
            app.records.remove(id);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_normalize() {
        assert_eq!(normalize_number("1.5e1").as_deref(), Some("15"));
        assert_eq!(normalize_number(" 42 ").as_deref(), Some("42"));
        assert_eq!(normalize_number("-1.50").as_deref(), Some("-1.50"));
        assert_eq!(normalize_number("+7").as_deref(), Some("7"));
        assert_eq!(normalize_number("").as_deref(), Some(""));
        assert_eq!(normalize_number("abc"), None);
        assert_eq!(normalize_number("1.2.3"), None);
        assert_eq!(
            normalize_number("123456789012345678901234567890").as_deref(),
            Some("123456789012345678901234567890")
        );
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(parse_date("2015-7-5").unwrap().to_string(), "2015-07-05");
        assert!(parse_date("2015-13-5").is_none());
        assert_eq!(
            parse_time("9:05").unwrap().format("%H:%M").to_string(),
            "09:05"
        );
        let t = parse_datetime("2012-01-11T11:30:45+09:00").unwrap();
        assert_eq!(minute_stamp(t), "2012-01-11T02:30:00Z");
        let t = parse_datetime("2012-01-11T11:30Z").unwrap();
        assert_eq!(minute_stamp(t), "2012-01-11T11:30:00Z");
    }

    #[test]
    fn calc_expressions() {
        let look = |c: &str| match c {
            "a" => Some(json!("3")),
            "b" => Some(json!("1.5")),
            "e" => Some(json!("")),
            _ => None,
        };
        let sum = |_: &str| Some(Decimal::from(10));
        assert_eq!(eval_calc("a*b", &look, &sum).as_deref(), Some("4.5"));
        assert_eq!(
            eval_calc("(a + 1) * 2 - SUM(x)", &look, &sum).as_deref(),
            Some("-2")
        );
        assert_eq!(eval_calc("a / e", &look, &sum).as_deref(), Some(""));
        assert_eq!(eval_calc("IF(a>1, 1, 0)", &look, &sum), None);
        assert_eq!(eval_calc("unknown + 1", &look, &sum), None);
    }
}
