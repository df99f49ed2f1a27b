//! Typed endpoints, as `impl Client` blocks grouped by area.

pub mod apps;
pub mod bulk;
pub mod comments;
pub mod cursor;
pub mod files;
pub mod form;
pub mod records;
pub mod spaces;
pub mod users;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::{Error, RequestContext, Result};

/// Kintone sends ids and counts as strings (§2.6); accept numbers too.
pub(crate) fn de_u64<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<u64, D::Error> {
    let v = Value::deserialize(d)?;
    value_u64(&v).ok_or_else(|| serde::de::Error::custom(format!("expected an id, got {v}")))
}

pub(crate) fn de_opt_u64<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<u64>, D::Error> {
    let v = Value::deserialize(d)?;
    if v.is_null() || v.as_str() == Some("") {
        return Ok(None);
    }
    value_u64(&v)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("expected an id, got {v}")))
}

pub(crate) fn value_u64(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// A `{code, name}` pair in app and comment metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct CodeName {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
}

pub(crate) fn from_value<T: serde::de::DeserializeOwned>(
    ctx: &RequestContext,
    v: Value,
) -> Result<T> {
    serde_json::from_value(v).map_err(|e| Error::decode(ctx, e.to_string()))
}

/// Sets a key of a JSON object built with `json!({..})` (no panicking `IndexMut`).
pub(crate) fn put(obj: &mut Value, key: &str, v: Value) {
    if let Some(m) = obj.as_object_mut() {
        m.insert(key.to_string(), v);
    }
}

/// The array `key` of a response body. A missing or mistyped member is a decode error,
/// never an empty list: a write that reports no results must not look like success.
pub(crate) fn array_field<'a>(
    ctx: &RequestContext,
    body: &'a Value,
    key: &str,
) -> Result<&'a [Value]> {
    body.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| Error::decode(ctx, format!("no '{key}' array")))
}
