//! Spaces (§7.8): space.json and space/members.json.
use super::{param_u64, ApiRequest, ApiResponse, AuthKind};
use crate::error::{KError, KResult};
use crate::model::{Domain, Json, Space};
use crate::server::state::Sandbox;
use serde_json::json;

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

/// Find the space and check the caller may see it through this path.
fn visible_space<'a>(domain: &'a Domain, r: &ApiRequest) -> KResult<&'a Space> {
    let id = param_u64(&r.params, "id")?;
    // Space APIs are not in the API-token list of §3.2 (tokens belong to apps).
    if r.caller.kind == AuthKind::ApiToken {
        return Err(KError::new(
            403,
            "GAIA_NO01",
            "Using this API token, you cannot run the specified API.",
        ));
    }
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
        "body": "",
        "useMultiThread": false,
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
