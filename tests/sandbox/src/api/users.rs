//! cybozu.com User API: GET /v1/users.json (§7.9).
use super::{opt_param_u64, ApiRequest, ApiResponse, AuthKind};
use crate::error::{KError, KResult};
use crate::model::{Domain, Json, User};
use crate::server::state::Sandbox;
use serde_json::{json, Value};

pub const MAX_SIZE: u64 = 100;

/// The User API does not know kintone's (app) creation times; a fixed instant keeps
/// responses deterministic.
const FIXED_TIME: &str = "2020-01-01T00:00:00Z";

/// `ids` / `codes` given as an array (JSON body or `ids[0]=`), a single scalar, or
/// `null`/`[]` for "not given".
fn list_param(params: &Json, key: &str) -> KResult<Vec<String>> {
    let items: Vec<&Value> = match params.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(KError::invalid(
                &format!("{key}[{i}]"),
                &["Enter a valid value."],
            )),
        })
        .collect()
}

fn user_json(domain: &Domain, u: &User) -> Json {
    let (sur, given) = match u.name.split_once(' ') {
        Some((s, g)) => (s.to_string(), g.to_string()),
        None => (u.name.clone(), String::new()),
    };
    // The User API identifies organizations by numeric id; the sandbox numbers them by
    // their position in the domain.
    let primary = u.primary_organization.as_ref().and_then(|code| {
        domain
            .organizations
            .iter()
            .position(|o| &o.code == code)
            .map(|i| (i + 1).to_string())
    });
    json!({
        "id": u.id.to_string(),
        "code": u.code,
        "ctime": FIXED_TIME,
        "mtime": FIXED_TIME,
        "valid": u.valid,
        "name": u.name,
        "surName": sur,
        "givenName": given,
        "surNameReading": "",
        "givenNameReading": "",
        "localName": "",
        "localNameLocale": "",
        "timezone": u.timezone,
        "locale": u.locale,
        "description": "",
        "phone": "",
        "mobilePhone": "",
        "extensionNumber": "",
        "email": u.email,
        "callto": "",
        "url": "",
        "employeeNumber": "",
        "birthDate": null,
        "joinDate": null,
        "primaryOrganization": primary,
        "sortOrder": null,
        "customItemValues": [],
    })
}

pub fn get_users(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    match r.caller.kind {
        AuthKind::Password => {}
        // An OAuth token for kintone scopes is not a cybozu.com User API token (§7.9);
        // the sandbox refuses it with CB_NO02 (UNCONFIRMED, see README).
        AuthKind::OAuth => return Err(KError::no_privilege()),
        // App API tokens are ignored on this path, so such a caller is anonymous.
        AuthKind::ApiToken | AuthKind::None => return Err(KError::not_logged_in()),
    }
    let ids = list_param(&r.params, "ids")?;
    let codes = list_param(&r.params, "codes")?;
    let mut err = KError::validation();
    if !ids.is_empty() && !codes.is_empty() {
        err.add_error("ids", &["Specify either ids or codes, not both."]);
    }
    if ids.len() > MAX_SIZE as usize {
        err.add_error("ids", &["Specify up to 100 values."]);
    }
    if codes.len() > MAX_SIZE as usize {
        err.add_error("codes", &["Specify up to 100 values."]);
    }
    let mut id_nums = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        match id.trim().parse::<u64>() {
            Ok(n) => id_nums.push(n),
            Err(_) => err.add_error(&format!("ids[{i}]"), &["Enter an integer value."]),
        }
    }
    let size = match opt_param_u64(&r.params, "size") {
        Ok(v) => v.unwrap_or(MAX_SIZE),
        Err(e) => {
            err.add_error("size", &["Enter an integer value."]);
            let _ = e;
            MAX_SIZE
        }
    };
    if !(1..=MAX_SIZE).contains(&size) {
        err.add_error("size", &["Enter a value between 1 and 100."]);
    }
    let offset = match opt_param_u64(&r.params, "offset") {
        Ok(v) => v.unwrap_or(0),
        Err(_) => {
            err.add_error("offset", &["Enter an integer value."]);
            0
        }
    };
    if err.has_errors() {
        return Err(err);
    }
    let domain = s.read();
    let mut users: Vec<&User> = domain
        .users
        .iter()
        .filter(|u| id_nums.is_empty() || id_nums.contains(&u.id))
        .filter(|u| codes.is_empty() || codes.contains(&u.code))
        .collect();
    users.sort_by_key(|u| u.id);
    let page: Vec<Json> = users
        .into_iter()
        .skip(offset.min(usize::MAX as u64) as usize)
        .take(size as usize)
        .map(|u| user_json(&domain, u))
        .collect();
    Ok(ApiResponse::Json(json!({ "users": page })))
}
