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
    value_u64(&v).map(Some).ok_or_else(|| serde::de::Error::custom(format!("expected an id, got {v}")))
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

pub(crate) fn from_value<T: serde::de::DeserializeOwned>(ctx: &RequestContext, v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| Error::decode(ctx, e.to_string()))
}
