//! Kintone API handlers. The server layer (`crate::server`) has already resolved the
//! path (§1.2), the method override (§2.3), the parameters (§2.2) and the caller's
//! credentials (§3) into an [`ApiRequest`]; a handler only implements the API itself.

pub mod access;
pub mod apps;
pub mod bulk;
pub mod comments;
pub mod cursor;
pub mod files;
pub mod form;
pub mod process;
pub mod record_out;
pub mod records;
pub mod spaces;
pub mod users;
pub mod write;

use crate::error::{KError, KResult};
use crate::model::Json;
use crate::server::state::Sandbox;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        // §2.3: the override value is upper case and case-sensitive.
        match s {
            "GET" => Some(Method::Get),
            "POST" => Some(Method::Post),
            "PUT" => Some(Method::Put),
            "DELETE" => Some(Method::Delete),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    None,
    Password,
    ApiToken,
    OAuth,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::None => "none",
            AuthKind::Password => "password",
            AuthKind::ApiToken => "api_token",
            AuthKind::OAuth => "oauth",
        }
    }
}

/// Who is calling, as established by the server's auth step.
#[derive(Debug, Clone)]
pub struct Caller {
    pub kind: AuthKind,
    /// User code. API-token calls run as "Administrator" (§3.2).
    pub user: String,
    /// For API-token auth: (app id, token index in that app's `api_tokens`) of every
    /// token sent, already checked for validity and duplicates.
    pub tokens: Vec<(u64, usize)>,
    /// OAuth scopes granted to the bearer token.
    pub scopes: Vec<String>,
}

/// An uploaded file from a multipart body (§4.11).
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub content_type: String,
    pub data: bytes::Bytes,
}

#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// The effective method (after `X-HTTP-Method-Override`).
    pub method: Method,
    /// The API name between `/v1/` and `.json`, with `preview/` kept:
    /// "records", "record/comments", "preview/app/form/fields", "users" (User API).
    pub api: String,
    /// Guest space id from `/k/guest/{id}/v1/`.
    pub guest: Option<u64>,
    /// Parameters from the query string or the JSON body, as one JSON object. Query
    /// string arrays and objects (`fields[0]=a`, `updateKey[field]=x`) are already
    /// turned into JSON arrays and objects; their scalar values stay strings.
    pub params: Json,
    pub caller: Caller,
    pub upload: Option<Upload>,
    /// `Accept-Language`, if sent.
    pub lang: Option<String>,
    /// The sandbox clock's "now" for this request.
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub enum ApiResponse {
    Json(Json),
    /// JSON plus extra response headers (e.g. `X-Cybozu-Warning`).
    JsonWithHeaders(Json, Vec<(String, String)>),
    /// JSON already written as text (large record lists, see `record_out`), plus extra
    /// response headers.
    JsonText(Vec<u8>, Vec<(String, String)>),
    /// Raw bytes (file download).
    Bytes {
        content_type: String,
        file_name: String,
        data: bytes::Bytes,
    },
}

impl ApiResponse {
    /// The body and extra headers of a JSON answer, parsing text; `None` for bytes.
    pub fn into_json(self) -> Option<(Json, Vec<(String, String)>)> {
        match self {
            ApiResponse::Json(v) => Some((v, Vec::new())),
            ApiResponse::JsonWithHeaders(v, h) => Some((v, h)),
            ApiResponse::JsonText(text, h) => serde_json::from_slice(&text).ok().map(|v| (v, h)),
            ApiResponse::Bytes { .. } => None,
        }
    }
}

pub type Handler = fn(&Sandbox, &ApiRequest) -> KResult<ApiResponse>;

/// The route table: (method, api name) -> handler. `users`, `organizations` ... are the
/// cybozu.com User API (`/v1/users.json` ..., see [`users::USER_APIS`]), reached
/// without the `/k/` prefix.
pub fn route(method: Method, api: &str) -> Option<Handler> {
    use Method::*;
    let h: Handler = match (method, api) {
        (Get, "record") => records::get_record,
        (Post, "record") => records::add_record,
        (Put, "record") => records::update_record,
        (Get, "records") => records::get_records,
        (Post, "records") => records::add_records,
        (Put, "records") => records::update_records,
        (Delete, "records") => records::delete_records,
        (Post, "records/cursor") => cursor::create,
        (Get, "records/cursor") => cursor::read,
        (Delete, "records/cursor") => cursor::delete,
        (Post, "bulkRequest") => bulk::bulk_request,
        (Get, "record/comments") => comments::list,
        (Post, "record/comment") => comments::add,
        (Delete, "record/comment") => comments::delete,
        (Put, "record/status") => process::update_status,
        (Put, "records/status") => process::update_statuses,
        (Put, "record/assignees") => process::update_assignees,
        (Get, "file") => files::download,
        (Post, "file") => files::upload,
        (Get, "app") => apps::get_app,
        (Get, "apps") => apps::get_apps,
        (Post, "preview/app") => apps::create_app,
        (Get, "preview/app/deploy") => apps::deploy_status,
        (Post, "preview/app/deploy") => apps::deploy,
        (Get, "app/form/fields") | (Get, "preview/app/form/fields") => form::get_fields,
        (Post, "preview/app/form/fields") => form::add_fields,
        (Put, "preview/app/form/fields") => form::update_fields,
        (Delete, "preview/app/form/fields") => form::delete_fields,
        (Get, "app/form/layout") | (Get, "preview/app/form/layout") => form::get_layout,
        (Put, "preview/app/form/layout") => form::update_layout,
        (Get, "app/views") | (Get, "preview/app/views") => form::get_views,
        (Put, "preview/app/views") => form::update_views,
        (Get, "app/status") | (Get, "preview/app/status") => process::get_settings,
        (Put, "preview/app/status") => process::update_settings,
        (Get, "space") => spaces::get_space,
        (Get, "space/members") => spaces::get_members,
        (Put, "space/thread") => spaces::update_thread,
        (Post, "space/thread/comment") => spaces::add_thread_comment,
        (Put, "space/guests") => spaces::update_space_guests,
        (Post, "guests") => spaces::add_guests,
        (Delete, "guests") => spaces::delete_guests,
        (Get, "users") => users::get_users,
        (Get, "organizations") => users::get_organizations,
        (Get, "groups") => users::get_groups,
        (Get, "organization/users") => users::get_organization_users,
        (Get, "group/users") => users::get_group_users,
        (Get, "user/organizations") => users::get_user_organizations,
        (Get, "user/groups") => users::get_user_groups,
        _ => return None,
    };
    Some(h)
}

/// Whether an API name exists at all (a known name with a wrong method is a 404 too,
/// like Kintone's `CB_NO01`-less "not found", but is kept apart for the request log).
pub fn not_found(api: &str) -> KError {
    KError::new(404, "GAIA_NF01", format!("The API ({api}) is not found."))
}

/// Read a required integer parameter (`app`, `id` ...), given as number or string (§2.6).
pub fn param_u64(params: &Json, key: &str) -> KResult<u64> {
    match opt_param_u64(params, key)? {
        Some(v) => Ok(v),
        None => Err(KError::invalid(key, &["Required field."])),
    }
}

pub fn opt_param_u64(params: &Json, key: &str) -> KResult<Option<u64>> {
    match params.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| KError::invalid(key, &["Enter an integer value."])),
        Some(Json::String(s)) if s.is_empty() => Ok(None),
        Some(Json::String(s)) => s
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| KError::invalid(key, &["Enter an integer value."])),
        Some(_) => Err(KError::invalid(key, &["Enter an integer value."])),
    }
}

/// A boolean parameter given as JSON bool or the strings "true"/"false" (§4.2 totalCount).
pub fn param_bool(params: &Json, key: &str) -> bool {
    match params.get(key) {
        Some(Json::Bool(b)) => *b,
        Some(Json::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}
