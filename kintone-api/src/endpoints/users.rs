//! cybozu.com User API (§7.9): `/v1/users.json`.

use serde::Deserialize;
use serde_json::json;

use crate::client::{Call, Client};
use crate::endpoints::{de_u64, from_value};
use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(deserialize_with = "de_u64")]
    pub id: u64,
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub valid: Option<bool>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub ctime: Option<String>,
    #[serde(default)]
    pub mtime: Option<String>,
}

const USERS_PAGE: u64 = 100;

impl Client {
    /// Users by code (empty = all), paging by 100.
    pub async fn list_users(&self, codes: &[String]) -> Result<Vec<User>> {
        let mut out = Vec::new();
        let mut offset = 0u64;
        loop {
            let mut p = json!({"size": USERS_PAGE, "offset": offset});
            if !codes.is_empty() {
                p["codes"] = json!(codes);
            }
            let mut call = Call::get("users", p);
            call.user_api = true;
            let ctx = self.context(&call);
            let body = self.execute(&call).await?.body;
            let users: Vec<User> = from_value(
                &ctx,
                body.get("users").cloned().ok_or_else(|| Error::decode(&ctx, "no 'users'"))?,
            )?;
            let n = users.len() as u64;
            out.extend(users);
            if n < USERS_PAGE {
                return Ok(out);
            }
            offset += n;
        }
    }
}
