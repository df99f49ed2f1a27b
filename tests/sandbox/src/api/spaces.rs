//! Spaces (§7.8): space.json, space/members.json, threads (space/thread.json,
//! space/thread/comment.json), guest users (guests.json) and the guest members of a
//! guest space (space/guests.json).
use super::{param_u64, ApiRequest, ApiResponse, AuthKind};
use crate::error::{KError, KResult};
use crate::model::{Domain, Guest, Json, Space, Thread, ThreadComment};
use crate::server::state::Sandbox;
use serde_json::{json, Map, Value};

fn space_not_found(id: u64) -> KError {
    // The real code for an unknown space is not in the reference (UNCONFIRMED, README).
    KError::new(
        404,
        "GAIA_SP01",
        format!("The space (ID: {id}) is not found. The space may have been deleted."),
    )
}

fn user_ref(domain: &Domain, code: &str) -> Json {
    let name = domain
        .user(code)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| code.to_string());
    json!({"code": code, "name": name})
}

fn thread_not_found(id: u64) -> KError {
    // Not in the reference either (UNCONFIRMED, README).
    KError::new(
        404,
        "GAIA_TH01",
        format!("The thread (ID: {id}) is not found. The thread may have been deleted."),
    )
}

/// Space and guest APIs are not in the API-token list of §3.2 (tokens belong to apps).
fn no_token(r: &ApiRequest) -> KResult<()> {
    if r.caller.kind == AuthKind::ApiToken {
        return Err(KError::new(
            403,
            "GAIA_NO01",
            "Using this API token, you cannot run the specified API.",
        ));
    }
    Ok(())
}

/// Find the space named by the `id` parameter and check the caller may see it.
fn visible_space<'a>(domain: &'a Domain, r: &ApiRequest) -> KResult<&'a Space> {
    let id = param_u64(&r.params, "id")?;
    space_by_id(domain, r, id)
}

/// Check the caller may see space `id` through this path (§1.2 guest paths).
fn space_by_id<'a>(domain: &'a Domain, r: &ApiRequest, id: u64) -> KResult<&'a Space> {
    no_token(r)?;
    let space = domain.spaces.get(&id).ok_or_else(|| space_not_found(id))?;
    // §1.2: a guest space is reached only through its guest path.
    match (space.is_guest, r.guest) {
        (true, None) => {
            return Err(KError::new(
                400,
                "GAIA_IL23",
                "When you operate an app in a guest space, please send the request to \
                 '/k/guest/(guest space ID)/v1/...'",
            ))
        }
        (true, Some(g)) if g != space.id => return Err(KError::no_privilege()),
        (false, Some(_)) => return Err(KError::no_privilege()),
        _ => {}
    }
    let admin = domain.user(&r.caller.user).is_some_and(|u| u.admin);
    let member = space.members.iter().any(|m| m == &r.caller.user);
    if !(admin || member || space.members.is_empty()) {
        return Err(KError::no_privilege());
    }
    Ok(space)
}

pub fn get_space(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let domain = s.read();
    let space = visible_space(&domain, r)?;
    let owner = space
        .members
        .first()
        .cloned()
        .unwrap_or_else(|| "Administrator".into());
    let apps: Vec<Json> = domain
        .apps
        .values()
        .filter(|a| a.space_id == Some(space.id))
        .map(|a| {
            json!({
                "threadId": a.thread_id.unwrap_or(space.default_thread).to_string(),
                "appId": a.id.to_string(),
                "code": a.code,
                "name": a.name,
                "description": a.description,
                "createdAt": a.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "creator": user_ref(&domain, &a.creator),
                "modifiedAt": a.modified_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "modifier": user_ref(&domain, &a.modifier),
            })
        })
        .collect();
    // A single-thread space shows its thread's body as its own.
    let multi = domain.multi_thread(space.id);
    let body = match domain.threads.get(&space.default_thread) {
        Some(t) if !multi => t.body.clone(),
        _ => String::new(),
    };
    Ok(ApiResponse::Json(json!({
        "id": space.id.to_string(),
        "name": space.name,
        "defaultThread": space.default_thread.to_string(),
        "isPrivate": space.is_guest,
        "creator": user_ref(&domain, &owner),
        "modifier": user_ref(&domain, &owner),
        "memberCount": space.members.len().to_string(),
        "coverType": "PRESET",
        "coverKey": "GREEN",
        "coverUrl": "",
        "body": body,
        "useMultiThread": multi,
        "isGuest": space.is_guest,
        "attachedApps": apps,
        "fixedMember": false,
        "showAnnouncement": true,
        "showThreadList": true,
        "showAppList": true,
        "showMemberList": true,
        "showRelatedLinkList": true,
        "permissions": {"createApp": "EVERYONE"},
    })))
}

pub fn get_members(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let domain = s.read();
    let space = visible_space(&domain, r)?;
    // The first listed member is the space administrator.
    let members: Vec<Json> = space
        .members
        .iter()
        .enumerate()
        .map(|(i, code)| {
            json!({
                "entity": {"type": "USER", "code": code},
                "isAdmin": i == 0,
                "isImplicit": false,
                "roles": [],
            })
        })
        .collect();
    Ok(ApiResponse::Json(json!({ "members": members })))
}

fn put(obj: &mut Json, key: &str, v: Json) {
    if let Some(m) = obj.as_object_mut() {
        m.insert(key.to_string(), v);
    }
}

const MAX_TEXT: usize = 65_535;
const MAX_MENTIONS: usize = 10;
const MAX_FILES: usize = 5;
const MAX_GUESTS: usize = 100;

fn is_admin(d: &Domain, user: &str) -> bool {
    d.user(user).is_some_and(|u| u.admin)
}

/// The space administrator is the first listed member.
fn is_space_admin(space: &Space, user: &str) -> bool {
    space.members.first().is_some_and(|m| m == user)
}

/// The thread as stored, created from the space's implicit default thread if needed.
fn thread_mut<'a>(d: &'a mut Domain, id: u64, space: u64, creator: &str) -> &'a mut Thread {
    d.threads.entry(id).or_insert_with(|| Thread {
        id,
        space,
        name: None,
        body: String::new(),
        creator: creator.to_string(),
        comments: Vec::new(),
    })
}

/// Whether `code` of type `t` names someone a comment can mention: a user, group or
/// organization, or a guest as `guest/<login email>`.
fn mentionable(d: &Domain, t: &str, code: &str) -> Option<bool> {
    Some(match t {
        "USER" => match code.strip_prefix("guest/") {
            Some(g) => d.guests.contains_key(g),
            None => d.user(code).is_some(),
        },
        "GROUP" => d.groups.iter().any(|g| g.code == code),
        "ORGANIZATION" => d.organizations.iter().any(|o| o.code == code),
        _ => return None,
    })
}

/// POST space/thread/comment.json: `{space, thread, comment: {text?, mentions?, files?}}`
/// → `{"id": N}` (a number, as the reference's table says).
pub fn add_thread_comment(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let mut e = KError::validation();
    let space_id = super::opt_param_u64(&r.params, "space");
    let thread_id = super::opt_param_u64(&r.params, "thread");
    for (key, v) in [("space", &space_id), ("thread", &thread_id)] {
        match v {
            Ok(Some(_)) => {}
            Ok(None) => e.add_error(key, &["Required field."]),
            Err(_) => e.add_error(key, &["Enter an integer value."]),
        }
    }
    let comment = match r.params.get("comment") {
        Some(Value::Object(c)) => Some(c),
        None | Some(Value::Null) => {
            e.add_error("comment", &["Required field."]);
            None
        }
        Some(_) => {
            e.add_error("comment", &["Must be an object."]);
            None
        }
    };
    let text = comment
        .and_then(|c| c.get("text"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if text.chars().count() > MAX_TEXT {
        e.add_error("comment.text", &["Enter less than 65536 characters."]);
    }
    let list = |key: &str, e: &mut KError| -> Vec<Value> {
        match comment.and_then(|c| c.get(key)) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(_) => {
                e.add_error(&format!("comment.{key}"), &["Must be an array."]);
                Vec::new()
            }
        }
    };
    let mentions = list("mentions", &mut e);
    let files = list("files", &mut e);
    if comment.is_some() && text.trim().is_empty() && files.is_empty() {
        e.add_error("comment.text", &["Either text or files is required."]);
    }
    if mentions.len() > MAX_MENTIONS {
        e.add_error(
            "comment.mentions",
            &["A maximum of 10 mentions can be specified."],
        );
    }
    if files.len() > MAX_FILES {
        e.add_error("comment.files", &["A maximum of 5 files can be attached."]);
    }
    let mut clean_mentions = Vec::new();
    for (i, m) in mentions.iter().enumerate() {
        let code = m.get("code").and_then(Value::as_str).unwrap_or("");
        let t = m.get("type").and_then(Value::as_str).unwrap_or("USER");
        match mentionable(&d, t, code) {
            None => e.add_error(
                &format!("comment.mentions[{i}].type"),
                &["The value must be one of the enum value."],
            ),
            Some(false) => e.add_error(
                &format!("comment.mentions[{i}].code"),
                &[format!("The {} (code: {code}) not found.", t.to_lowercase()).as_str()],
            ),
            Some(true) => clean_mentions.push(json!({"code": code, "type": t})),
        }
    }
    let mut clean_files = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let key = f.get("fileKey").and_then(Value::as_str).unwrap_or("");
        match d.files.get(key) {
            Some(stored) if stored.temporary => {
                let mut v = json!({"fileKey": key, "name": stored.name});
                if let Some(w) = f.get("width").filter(|w| !w.is_null()) {
                    put(&mut v, "width", w.clone());
                }
                clean_files.push(v);
            }
            _ => e.add_error(
                &format!("comment.files[{i}].fileKey"),
                &["The file key is invalid or already used."],
            ),
        }
    }
    if e.has_errors() {
        return Err(e);
    }
    let (space_id, thread_id) = match (space_id, thread_id) {
        (Ok(Some(s)), Ok(Some(t))) => (s, t),
        _ => return Err(KError::invalid("thread", &["Required field."])),
    };
    space_by_id(&d, r, space_id)?;
    if d.thread_space(thread_id) != Some(space_id) {
        return Err(thread_not_found(thread_id));
    }
    // Attached files are used up, as when a record keeps them.
    for f in &clean_files {
        if let Some(stored) = f
            .get("fileKey")
            .and_then(Value::as_str)
            .and_then(|k| d.files.get_mut(k))
        {
            stored.temporary = false;
        }
    }
    let id = d.next_thread_comment_id.max(1);
    d.next_thread_comment_id = id + 1;
    let user = r.caller.user.clone();
    let thread = thread_mut(&mut d, thread_id, space_id, &user);
    thread.comments.push(ThreadComment {
        id,
        text,
        mentions: clean_mentions,
        files: clean_files,
        creator: user,
        created_at: r.now,
    });
    Ok(ApiResponse::Json(json!({ "id": id })))
}

/// PUT space/thread.json: `{id, name?, body?}` → `{}`. The space administrator or the
/// thread's creator; the thread of a single-thread space has no name to change.
pub fn update_thread(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let id = param_u64(&r.params, "id")?;
    let text = |key: &str| -> KResult<Option<String>> {
        match r.params.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(v)) => Ok(Some(v.clone())),
            Some(_) => Err(KError::invalid(key, &["Must be a string."])),
        }
    };
    let name = text("name")?;
    let body = text("body")?;
    if let Some(n) = &name {
        let len = n.chars().count();
        if !(1..=128).contains(&len) {
            return Err(KError::invalid(
                "name",
                &["Enter between 1 and 128 characters."],
            ));
        }
    }
    if body.as_ref().is_some_and(|b| b.chars().count() > MAX_TEXT) {
        return Err(KError::invalid(
            "body",
            &["Enter less than 65536 characters."],
        ));
    }
    no_token(r)?;
    let space_id = d.thread_space(id).ok_or_else(|| thread_not_found(id))?;
    let space = space_by_id(&d, r, space_id)?;
    let user = r.caller.user.clone();
    let creator = d
        .threads
        .get(&id)
        .map(|t| t.creator.clone())
        .or_else(|| space.members.first().cloned())
        .unwrap_or_default();
    if !is_space_admin(space, &user) && creator != user {
        return Err(KError::no_privilege());
    }
    let multi = d.multi_thread(space_id);
    let thread = thread_mut(&mut d, id, space_id, &creator);
    if name.is_some() && (!multi || thread.name.is_none()) {
        return Err(KError::invalid(
            "name",
            &["The thread of a single-thread space has no name."],
        ));
    }
    if let Some(n) = name {
        thread.name = Some(n);
    }
    if let Some(b) = body {
        thread.body = b;
    }
    Ok(ApiResponse::Json(json!({})))
}

/// The `guests` parameter as a list of strings (DELETE guests.json, PUT space/guests.json).
fn guest_codes(r: &ApiRequest) -> KResult<Vec<String>> {
    let Some(Value::Array(list)) = r.params.get("guests") else {
        return Err(KError::invalid("guests", &["Required field."]));
    };
    let mut e = KError::validation();
    let mut out = Vec::new();
    for (i, g) in list.iter().enumerate() {
        match g.as_str().map(str::trim).filter(|g| !g.is_empty()) {
            Some(code) => out.push(code.to_string()),
            None => e.add_error(&format!("guests[{i}]"), &["Required field."]),
        }
    }
    if e.has_errors() {
        return Err(e);
    }
    Ok(out)
}

fn kintone_admin(d: &Domain, r: &ApiRequest) -> KResult<()> {
    no_token(r)?;
    if is_admin(d, &r.caller.user) {
        Ok(())
    } else {
        Err(KError::no_privilege())
    }
}

/// POST guests.json: `{guests: [{code, password, timezone, name, locale?, image?,
/// surNameReading?, givenNameReading?, company?, division?, phone?, callto?}]}` → `{}`.
/// A kintone administrator only; all or nothing.
pub fn add_guests(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let list = match r.params.get("guests") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return Err(KError::invalid("guests", &["Required field."]))
        }
        Some(_) => return Err(KError::invalid("guests", &["Must be an array."])),
    };
    if list.len() > MAX_GUESTS {
        return Err(KError::invalid(
            "guests",
            &["A maximum of 100 guests can be specified."],
        ));
    }
    kintone_admin(&d, r)?;
    const LOCALES: [&str; 4] = ["auto", "ja", "en", "zh"];
    const PROFILE: [(&str, usize); 8] = [
        ("image", usize::MAX),
        ("surNameReading", 64),
        ("givenNameReading", 64),
        ("company", 100),
        ("division", 100),
        ("phone", 100),
        ("callto", 256),
        ("locale", 8),
    ];
    let mut e = KError::validation();
    let mut new = Vec::new();
    for (i, g) in list.iter().enumerate() {
        let key = |k: &str| format!("guests[{i}].{k}");
        let get = |k: &str| g.get(k).and_then(Value::as_str).map(str::to_string);
        let required = |k: &str, e: &mut KError| -> String {
            match get(k).filter(|v| !v.trim().is_empty()) {
                Some(v) => v,
                None => {
                    e.add_error(&key(k), &["Required field."]);
                    String::new()
                }
            }
        };
        let code = required("code", &mut e);
        let password = required("password", &mut e);
        let timezone = required("timezone", &mut e);
        let name = required("name", &mut e);
        if !code.is_empty() && (!code.contains('@') || code.starts_with('@')) {
            e.add_error(&key("code"), &["Enter an email address."]);
        } else if d.guests.contains_key(&code) || new.iter().any(|x: &Guest| x.code == code) {
            e.add_error(&key("code"), &["The guest user already exists."]);
        }
        if name.chars().count() > 128 {
            e.add_error(&key("name"), &["Enter between 1 and 128 characters."]);
        }
        if !timezone.is_empty() && timezone.parse::<chrono_tz::Tz>().is_err() {
            e.add_error(&key("timezone"), &["The time zone is invalid."]);
        }
        let locale = get("locale").unwrap_or_else(|| "auto".into());
        if !LOCALES.contains(&locale.as_str()) {
            e.add_error(
                &key("locale"),
                &["The value must be one of the enum value."],
            );
        }
        let mut profile = Map::new();
        for (k, max) in PROFILE {
            if k == "locale" {
                continue;
            }
            if let Some(v) = get(k) {
                if v.chars().count() > max {
                    e.add_error(
                        &key(k),
                        &[format!("Enter at most {max} characters.").as_str()],
                    );
                }
                profile.insert(k.to_string(), Value::String(v));
            }
        }
        new.push(Guest {
            code,
            password,
            name,
            timezone,
            locale,
            profile,
        });
    }
    if e.has_errors() {
        return Err(e);
    }
    for g in new {
        d.guests.insert(g.code.clone(), g);
    }
    Ok(ApiResponse::Json(json!({})))
}

/// DELETE guests.json: `{guests: [code...]}` (at most 100) → `{}`. Removes the guest users
/// from kintone and from every guest space. A kintone administrator only; an unknown
/// guest refuses the whole request.
pub fn delete_guests(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let codes = guest_codes(r)?;
    if codes.is_empty() {
        return Err(KError::invalid("guests", &["Required field."]));
    }
    if codes.len() > MAX_GUESTS {
        return Err(KError::invalid(
            "guests",
            &["A maximum of 100 guests can be specified."],
        ));
    }
    kintone_admin(&d, r)?;
    let mut e = KError::validation();
    for (i, c) in codes.iter().enumerate() {
        if !d.guests.contains_key(c) {
            e.add_error(
                &format!("guests[{i}]"),
                &[format!("The guest user ({c}) is not found.").as_str()],
            );
        }
    }
    if e.has_errors() {
        return Err(e);
    }
    for c in &codes {
        d.guests.remove(c);
    }
    for members in d.space_guests.values_mut() {
        members.retain(|m| !codes.contains(m));
    }
    Ok(ApiResponse::Json(json!({})))
}

/// PUT /k/guest/{id}/v1/space/guests.json: `{id, guests: [code...]}` → `{}`. Sets the
/// guest members of a guest space to the list (those left out leave the space). The
/// space administrator only; every code must be a guest user.
pub fn update_space_guests(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let mut d = s.write();
    let id = param_u64(&r.params, "id")?;
    let codes = guest_codes(r)?;
    let space = space_by_id(&d, r, id)?;
    if !space.is_guest {
        return Err(KError::invalid("id", &["The space is not a guest space."]));
    }
    if !is_space_admin(space, &r.caller.user) {
        return Err(KError::no_privilege());
    }
    let mut e = KError::validation();
    for (i, c) in codes.iter().enumerate() {
        if !d.guests.contains_key(c) {
            e.add_error(
                &format!("guests[{i}]"),
                &[format!("The guest user ({c}) is not found.").as_str()],
            );
        }
    }
    if e.has_errors() {
        return Err(e);
    }
    let mut list: Vec<String> = Vec::new();
    for c in codes {
        if !list.contains(&c) {
            list.push(c);
        }
    }
    d.space_guests.insert(id, list);
    Ok(ApiResponse::Json(json!({})))
}

/// What `GET /sandbox/spaces` shows: every space with its threads (and their comments)
/// and guest members.
pub fn admin_spaces(d: &Domain) -> Json {
    let spaces: Vec<Json> = d
        .spaces
        .values()
        .map(|sp| {
            let mut threads: Vec<&Thread> =
                d.threads.values().filter(|t| t.space == sp.id).collect();
            let implicit;
            if !threads.iter().any(|t| t.id == sp.default_thread) {
                implicit = Thread {
                    id: sp.default_thread,
                    space: sp.id,
                    name: None,
                    body: String::new(),
                    creator: sp.members.first().cloned().unwrap_or_default(),
                    comments: Vec::new(),
                };
                threads.insert(0, &implicit);
            }
            json!({
                "id": sp.id,
                "name": sp.name,
                "isGuest": sp.is_guest,
                "defaultThread": sp.default_thread,
                "multiThread": d.multi_thread(sp.id),
                "guests": d.space_guests.get(&sp.id).cloned().unwrap_or_default(),
                "threads": threads.iter().map(|t| json!({
                    "id": t.id,
                    "name": t.name,
                    "body": t.body,
                    "creator": t.creator,
                    "comments": t.comments.iter().map(|c| json!({
                        "id": c.id,
                        "text": c.text,
                        "mentions": c.mentions,
                        "files": c.files,
                        "creator": c.creator,
                        "createdAt": c.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "spaces": spaces })
}

/// What `GET /sandbox/guests` shows: the guest users, without their passwords.
pub fn admin_guests(d: &Domain) -> Json {
    let guests: Vec<Json> = d
        .guests
        .values()
        .map(|g| {
            let mut v = json!({
                "code": g.code,
                "name": g.name,
                "timezone": g.timezone,
                "locale": g.locale,
            });
            for (k, x) in &g.profile {
                put(&mut v, k, x.clone());
            }
            v
        })
        .collect();
    json!({ "guests": guests })
}
