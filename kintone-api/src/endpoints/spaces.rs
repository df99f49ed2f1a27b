//! Spaces (§7.8).

use serde::Deserialize;
use serde_json::{json, Value};

use crate::client::{Call, Client};
use crate::endpoints::{de_opt_u64, de_u64, from_value, CodeName};
use crate::error::Result;

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Space {
    #[serde(deserialize_with = "de_u64")]
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub default_thread: Option<u64>,
    #[serde(default)]
    pub is_private: Option<bool>,
    #[serde(default)]
    pub is_guest: Option<bool>,
    #[serde(default)]
    pub creator: Option<CodeName>,
    /// Apps of the space as Kintone lists them (`attachedApps`).
    #[serde(default)]
    pub attached_apps: Vec<Value>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpaceMember {
    pub entity: Value,
    #[serde(default)]
    pub is_admin: Option<bool>,
    #[serde(default)]
    pub is_implicit: Option<bool>,
}

impl Client {
    pub async fn get_space(&self, id: u64) -> Result<Space> {
        let call = Call::get("space", json!({"id": id}));
        let ctx = self.context(&call);
        from_value(&ctx, self.execute(&call).await?.body)
    }

    pub async fn space_members(&self, id: u64) -> Result<Vec<SpaceMember>> {
        let call = Call::get("space/members", json!({"id": id}));
        let ctx = self.context(&call);
        let body = self.execute(&call).await?.body;
        from_value(&ctx, body.get("members").cloned().unwrap_or(Value::Array(vec![])))
    }
}
