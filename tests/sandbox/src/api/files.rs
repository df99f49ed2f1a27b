//! Files (§4.11). OWNER: apps helper.
//!
//! Upload stores a temporary [`StoredFile`]; the records helper (write.rs) turns it into a
//! permanent attachment when a FILE value names its key. Download serves any stored key.
use super::access::{check_app, require_scope, Perm};
use super::{ApiRequest, ApiResponse, AuthKind};
use crate::error::{KError, KResult};
use crate::model::{App, Domain, FieldType, StoredFile};
use crate::server::state::Sandbox;
use serde_json::{json, Value};

fn not_found(key: &str) -> KError {
    KError::new(
        404,
        "GAIA_BL01",
        format!("The specified file (id: {key}) not found."),
    )
}

/// The app whose records attach this file key, if any.
fn owner_app<'a>(d: &'a Domain, key: &str) -> Option<&'a App> {
    d.apps.values().find(|app| {
        let file_codes: Vec<(Option<&str>, &str)> = app
            .fields()
            .into_iter()
            .filter(|f| f.ftype == FieldType::File)
            .map(|f| (f.subtable, f.code))
            .collect();
        if file_codes.is_empty() {
            return false;
        }
        let holds = |v: Option<&Value>| {
            v.and_then(Value::as_array).is_some_and(|list| {
                list.iter()
                    .any(|f| f.get("fileKey").and_then(Value::as_str) == Some(key))
            })
        };
        app.records.values().any(|rec| {
            file_codes.iter().any(|(table, code)| match table {
                None => holds(rec.values.get(*code)),
                Some(t) => rec
                    .values
                    .get(*t)
                    .and_then(Value::as_array)
                    .is_some_and(|rows| {
                        rows.iter()
                            .any(|row| holds(row.pointer(&format!("/value/{code}/value"))))
                    }),
            })
        })
    })
}

/// GET file.json?fileKey=… → raw bytes (§4.11).
pub fn download(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    let d = s.read();
    let key = match r.params.get("fileKey") {
        Some(Value::String(k)) if !k.is_empty() => k.clone(),
        _ => return Err(KError::invalid("fileKey", &["Required field."])),
    };
    if r.caller.kind == AuthKind::None {
        return Err(KError::not_logged_in());
    }
    let file = d.files.get(&key).ok_or_else(|| not_found(&key))?;
    match owner_app(&d, &key) {
        // The app's view permission (or a view token of it) and its guest path apply.
        Some(app) => check_app(&d, &r.caller, app, Perm::FileRead, r.guest)?,
        None => {
            require_scope(&r.caller, Perm::FileRead.scope())?;
            // A temporary upload is not tied to an app yet: any token with view rights
            // on some app may read it back.
            if r.caller.kind == AuthKind::ApiToken
                && !r.caller.tokens.iter().any(|(a, i)| {
                    d.apps
                        .get(a)
                        .and_then(|app| app.api_tokens.get(*i))
                        .is_some_and(|t| t.view)
                })
            {
                return Err(KError::new(
                    403,
                    "GAIA_NO01",
                    "Using this API token, you cannot run the specified API.",
                ));
            }
        }
    }
    Ok(ApiResponse::Bytes {
        content_type: file.content_type.clone(),
        file_name: file.name.clone(),
        data: file.data.clone(),
    })
}

/// POST file.json (multipart `file`) → `{"fileKey"}` (§4.11).
pub fn upload(s: &Sandbox, r: &ApiRequest) -> KResult<ApiResponse> {
    if r.caller.kind == AuthKind::None {
        return Err(KError::not_logged_in());
    }
    require_scope(&r.caller, Perm::FileWrite.scope())?;
    let Some(up) = &r.upload else {
        return Err(KError::invalid("file", &["Required field."]));
    };
    let mut d = s.write();
    if r.caller.kind == AuthKind::ApiToken
        && !r.caller.tokens.iter().any(|(a, i)| {
            d.apps
                .get(a)
                .and_then(|app| app.api_tokens.get(*i))
                .is_some_and(|t| t.add || t.edit)
        })
    {
        return Err(KError::new(
            403,
            "GAIA_NO01",
            "Using this API token, you cannot run the specified API.",
        ));
    }
    // Kintone keys look like a timestamp followed by hex; the shape is not significant.
    let key = format!(
        "{}{}",
        r.now.format("%Y%m%d%H%M%S"),
        uuid::Uuid::new_v4().simple().to_string().to_uppercase()
    );
    let name = if up.name.is_empty() {
        "file".to_string()
    } else {
        up.name.clone()
    };
    let content_type = if up.content_type.is_empty() {
        "application/octet-stream".to_string()
    } else {
        up.content_type.clone()
    };
    d.files.insert(
        key.clone(),
        StoredFile {
            file_key: key.clone(),
            name,
            content_type,
            data: up.data.clone(),
            temporary: true,
        },
    );
    Ok(ApiResponse::Json(json!({ "fileKey": key })))
}

/// The FILE value entry of §8 for a stored file.
pub fn file_value(f: &StoredFile) -> serde_json::Value {
    json!({
        "contentType": f.content_type,
        "fileKey": f.file_key,
        "name": f.name,
        "size": f.data.len().to_string(),
    })
}
