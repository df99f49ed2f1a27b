//! cybozu.com User API (§7.9): users, organizations, groups and who belongs where.
//! Every list pages by 100 with `size`/`offset`.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::client::{Call, Client};
use crate::endpoints::put;
use crate::endpoints::{de_opt_u64, de_u64, from_value};
use crate::error::{Error, Result};

/// The User API's `User` type. Text the administrator left empty comes as `null`.
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
    pub sur_name: Option<String>,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub sur_name_reading: Option<String>,
    #[serde(default)]
    pub given_name_reading: Option<String>,
    #[serde(default)]
    pub local_name: Option<String>,
    #[serde(default)]
    pub local_name_locale: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub mobile_phone: Option<String>,
    #[serde(default)]
    pub extension_number: Option<String>,
    /// The Skype id.
    #[serde(default)]
    pub callto: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub employee_number: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub join_date: Option<String>,
    /// An organization id.
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub primary_organization: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub sort_order: Option<u64>,
    #[serde(default)]
    pub ctime: Option<String>,
    #[serde(default)]
    pub mtime: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    #[serde(deserialize_with = "de_u64")]
    pub id: u64,
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub local_name: Option<String>,
    #[serde(default)]
    pub local_name_locale: Option<String>,
    #[serde(default)]
    pub parent_code: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    #[serde(deserialize_with = "de_u64")]
    pub id: u64,
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// A user's job title in an organization.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Title {
    #[serde(deserialize_with = "de_u64")]
    pub id: u64,
    pub code: String,
    #[serde(default)]
    pub name: String,
}

/// A member of an organization, with the title held there.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct UserTitle {
    pub user: User,
    #[serde(default)]
    pub title: Option<Title>,
}

const PAGE: u64 = 100;

impl Client {
    /// Every item of a paged User API list (`key` in the answer), 100 per request.
    async fn user_api_list<T: DeserializeOwned>(
        &self,
        api: &str,
        key: &str,
        params: Value,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        let mut offset = 0u64;
        loop {
            let mut p = params.clone();
            put(&mut p, "size", json!(PAGE));
            put(&mut p, "offset", json!(offset));
            let mut call = Call::get(api, p);
            call.user_api = true;
            let ctx = self.context(&call);
            let body = self.execute(&call).await?.body;
            let items: Vec<T> = from_value(
                &ctx,
                body.get(key)
                    .cloned()
                    .ok_or_else(|| Error::decode(&ctx, format!("no '{key}'")))?,
            )?;
            let n = items.len() as u64;
            out.extend(items);
            if n < PAGE {
                return Ok(out);
            }
            offset += n;
        }
    }

    /// Users by code (empty = all).
    pub async fn list_users(&self, codes: &[String]) -> Result<Vec<User>> {
        let mut p = json!({});
        if !codes.is_empty() {
            put(&mut p, "codes", json!(codes));
        }
        self.user_api_list("users", "users", p).await
    }

    pub async fn list_organizations(&self) -> Result<Vec<Organization>> {
        self.user_api_list("organizations", "organizations", json!({}))
            .await
    }

    pub async fn list_groups(&self) -> Result<Vec<Group>> {
        self.user_api_list("groups", "groups", json!({})).await
    }

    /// The members of an organization, with their titles there.
    pub async fn organization_users(&self, code: &str) -> Result<Vec<UserTitle>> {
        self.user_api_list("organization/users", "userTitles", json!({"code": code}))
            .await
    }

    /// The members of a group (role).
    pub async fn group_users(&self, code: &str) -> Result<Vec<User>> {
        self.user_api_list("group/users", "users", json!({"code": code}))
            .await
    }
}
