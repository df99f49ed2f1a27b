//! cybozu.com User API (§7.9): `GET /v1/users.json`, `/v1/organizations.json`,
//! `/v1/groups.json`, `/v1/organization/users.json`, `/v1/group/users.json`,
//! `/v1/user/organizations.json` and `/v1/user/groups.json`.
use super::{opt_param_u64, ApiRequest, ApiResponse, AuthKind};
use crate::error::{KError, KResult};
use crate::model::{Domain, GroupDef, Json, Organization, User};
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

/// The User API's names (the path between `/v1/` and `.json`): they live outside `/k/`.
pub const USER_APIS: [&str; 7] = [
    "users",
    "organizations",
    "groups",
    "organization/users",
    "group/users",
    "user/organizations",
    "user/groups",
];

pub fn is_user_api(api: &str) -> bool {
    USER_APIS.contains(&api)
}

/// Only a password caller reads the User API here.
fn check_caller(r: &ApiRequest) -> KResult<()> {
    match r.caller.kind {
        AuthKind::Password => Ok(()),
        // An OAuth token for kintone scopes is not a cybozu.com User API token (§7.9);
        // the sandbox refuses it with CB_NO02 (UNCONFIRMED, see README).
        AuthKind::OAuth => Err(KError::no_privilege()),
        // App API tokens are ignored on this path, so such a caller is anonymous.
        AuthKind::ApiToken | AuthKind::None => Err(KError::not_logged_in()),
    }
}

/// `size` (1..=100, default 100) and `offset` (default 0), errors added to `err`.
fn page(r: &ApiRequest, err: &mut KError) -> (u64, u64) {
    let size = match opt_param_u64(&r.params, "size") {
        Ok(v) => v.unwrap_or(MAX_SIZE),
        Err(_) => {
            err.add_error("size", &["Enter an integer value."]);
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
    (size, offset)
}

/// `ids` or `codes` (not both, at most 100 each): the numeric ids and the codes.
fn ids_or_codes(r: &ApiRequest, err: &mut KError) -> KResult<(Vec<u64>, Vec<String>)> {
    let ids = list_param(&r.params, "ids")?;
    let codes = list_param(&r.params, "codes")?;
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
    Ok((id_nums, codes))
}

fn slice<T>(items: Vec<T>, size: u64, offset: u64) -> impl Iterator<Item = T> {
    items
        .into_iter()
        .skip(offset.min(usize::MAX as u64) as usize)
        .take(size as usize)
}

/// The required `code` parameter.
fn code_param(r: &ApiRequest, err: &mut KError) -> String {
    match r.params.get("code") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => {
            err.add_error("code", &["Required field."]);
            String::new()
        }
    }
}

pub fn get_users(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    check_caller(r)?;
    let mut err = KError::validation();
    let (ids, codes) = ids_or_codes(r, &mut err)?;
    let (size, offset) = page(r, &mut err);
    if err.has_errors() {
        return Err(err);
    }
    let domain = s.read();
    let mut users: Vec<&User> = domain
        .users
        .iter()
        .filter(|u| ids.is_empty() || ids.contains(&u.id))
        .filter(|u| codes.is_empty() || codes.contains(&u.code))
        .collect();
    users.sort_by_key(|u| u.id);
    let page: Vec<Json> = slice(users, size, offset)
        .map(|u| user_json(&domain, u))
        .collect();
    Ok(ApiResponse::Json(json!({ "users": page })))
}

/// Organizations and groups are numbered by their position in the domain.
fn organization_json(i: usize, o: &Organization) -> Json {
    json!({
        "id": (i + 1).to_string(),
        "code": o.code,
        "name": o.name,
        "localName": "",
        "localNameLocale": null,
        "parentCode": null,
        "description": "",
    })
}

fn group_json(i: usize, g: &GroupDef) -> Json {
    json!({
        "id": (i + 1).to_string(),
        "code": g.code,
        "name": g.name,
        "description": "",
    })
}

/// A paged list of coded items (organizations, groups), by `ids` (their positions
/// from 1) or `codes`.
fn coded_list<T>(
    r: &ApiRequest,
    key: &str,
    items: &[T],
    code: impl Fn(&T) -> &str,
    to_json: impl Fn(usize, &T) -> Json,
) -> KResult<ApiResponse> {
    check_caller(r)?;
    let mut err = KError::validation();
    let (ids, codes) = ids_or_codes(r, &mut err)?;
    let (size, offset) = page(r, &mut err);
    if err.has_errors() {
        return Err(err);
    }
    let list: Vec<Json> = items
        .iter()
        .enumerate()
        .filter(|(i, x)| {
            (ids.is_empty() || ids.contains(&(*i as u64 + 1)))
                && (codes.is_empty() || codes.iter().any(|c| c == code(x)))
        })
        .map(|(i, x)| to_json(i, x))
        .collect();
    let mut out = serde_json::Map::new();
    out.insert(
        key.to_string(),
        Json::Array(slice(list, size, offset).collect()),
    );
    Ok(ApiResponse::Json(Json::Object(out)))
}

pub fn get_organizations(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let domain = s.read();
    coded_list(
        r,
        "organizations",
        &domain.organizations,
        |o| &o.code,
        organization_json,
    )
}

pub fn get_groups(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let domain = s.read();
    coded_list(r, "groups", &domain.groups, |g| &g.code, group_json)
}

/// The users of an organization (`userTitles`, no titles in the sandbox) or a group
/// (`users`), by id, paged.
fn members(s: &Sandbox, r: &ApiRequest, of_org: bool) -> KResult<ApiResponse> {
    check_caller(r)?;
    let mut err = KError::validation();
    let code = code_param(r, &mut err);
    let (size, offset) = page(r, &mut err);
    if err.has_errors() {
        return Err(err);
    }
    let domain = s.read();
    let known = if of_org {
        domain.organizations.iter().any(|o| o.code == code)
    } else {
        domain.groups.iter().any(|g| g.code == code)
    };
    if !known {
        return Err(KError::new(
            520,
            "CB_NO02",
            format!("The specified code ({code}) was not found."),
        ));
    }
    let mut users: Vec<&User> = domain
        .users
        .iter()
        .filter(|u| {
            let of = if of_org { &u.organizations } else { &u.groups };
            of.contains(&code)
        })
        .collect();
    users.sort_by_key(|u| u.id);
    let page = slice(users, size, offset);
    Ok(ApiResponse::Json(if of_org {
        let titles: Vec<Json> = page
            .map(|u| json!({ "user": user_json(&domain, u), "title": null }))
            .collect();
        json!({ "userTitles": titles })
    } else {
        let users: Vec<Json> = page.map(|u| user_json(&domain, u)).collect();
        json!({ "users": users })
    }))
}

pub fn get_organization_users(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    members(s, r, true)
}

pub fn get_group_users(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    members(s, r, false)
}

/// One user's organizations (`organizationTitles`) or groups, by the user's code.
fn memberships(s: &Sandbox, r: &ApiRequest, orgs: bool) -> KResult<ApiResponse> {
    check_caller(r)?;
    let mut err = KError::validation();
    let code = code_param(r, &mut err);
    if err.has_errors() {
        return Err(err);
    }
    let domain = s.read();
    let user = domain
        .users
        .iter()
        .find(|u| u.code == code)
        .ok_or_else(|| {
            KError::new(
                520,
                "CB_NO02",
                format!("The specified user ({code}) was not found."),
            )
        })?;
    Ok(ApiResponse::Json(if orgs {
        let titles: Vec<Json> = domain
            .organizations
            .iter()
            .enumerate()
            .filter(|(_, o)| user.organizations.contains(&o.code))
            .map(|(i, o)| json!({ "organization": organization_json(i, o), "title": null }))
            .collect();
        json!({ "organizationTitles": titles })
    } else {
        let groups: Vec<Json> = domain
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| user.groups.contains(&g.code))
            .map(|(i, g)| group_json(i, g))
            .collect();
        json!({ "groups": groups })
    }))
}

pub fn get_user_organizations(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    memberships(s, r, true)
}

pub fn get_user_groups(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    memberships(s, r, false)
}
