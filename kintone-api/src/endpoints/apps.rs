//! Apps (§7.1, §7.2) and app creation / deploy (§7.7).

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::client::{Call, Client};
use crate::endpoints::{array_field, put};
use crate::endpoints::{de_opt_u64, de_u64, from_value, value_u64, CodeName};
use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    #[serde(deserialize_with = "de_u64")]
    pub app_id: u64,
    #[serde(default)]
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub space_id: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub thread_id: Option<u64>,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub creator: CodeName,
    #[serde(default)]
    pub modified_at: String,
    #[serde(default)]
    pub modifier: CodeName,
}

/// Filters of apps.json; empty means all apps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppFilter {
    pub ids: Vec<u64>,
    pub codes: Vec<String>,
    pub name: Option<String>,
    pub space_ids: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployStatus {
    pub app: u64,
    /// PROCESSING, SUCCESS, FAIL, CANCEL.
    pub status: String,
}

/// apps.json returns at most 100 per call (§7.2).
const APPS_PAGE: u64 = 100;

impl Client {
    pub async fn get_app(&self, id: u64) -> Result<App> {
        let call = Call::get("app", json!({"id": id})).app(id);
        let ctx = self.context(&call);
        from_value(&ctx, self.execute(&call).await?.body)
    }

    /// Every app matching the filter, paging past 100. (API tokens cannot call this, §7.2.)
    pub async fn list_apps(&self, filter: &AppFilter) -> Result<Vec<App>> {
        let mut out = Vec::new();
        let mut offset = 0u64;
        loop {
            let mut p = json!({"limit": APPS_PAGE, "offset": offset});
            if !filter.ids.is_empty() {
                put(&mut p, "ids", json!(filter.ids));
            }
            if !filter.codes.is_empty() {
                put(&mut p, "codes", json!(filter.codes));
            }
            if let Some(n) = &filter.name {
                put(&mut p, "name", json!(n));
            }
            if !filter.space_ids.is_empty() {
                put(&mut p, "spaceIds", json!(filter.space_ids));
            }
            let call = Call::get("apps", p);
            let ctx = self.context(&call);
            let body = self.execute(&call).await?.body;
            let apps: Vec<App> = from_value(
                &ctx,
                body.get("apps")
                    .cloned()
                    .ok_or_else(|| Error::decode(&ctx, "no 'apps'"))?,
            )?;
            let n = apps.len() as u64;
            out.extend(apps);
            if n < APPS_PAGE {
                return Ok(out);
            }
            offset += n;
        }
    }

    /// Creates an app in the pre-live environment; returns `(app, revision)`.
    pub async fn create_app(&self, name: &str, space: Option<(u64, u64)>) -> Result<(u64, u64)> {
        let mut p = json!({"name": name});
        if let Some((space, thread)) = space {
            put(&mut p, "space", json!(space));
            put(&mut p, "thread", json!(thread));
        }
        let call =
            Call::write(Method::POST, "app", p, format!("create app '{name}'")).preview(true);
        let ctx = self.context(&call);
        let body = self.execute(&call).await?.body;
        let app = body
            .get("app")
            .and_then(value_u64)
            .ok_or_else(|| Error::decode(&ctx, "no app"))?;
        let rev = body.get("revision").and_then(value_u64).unwrap_or(0);
        Ok((app, rev))
    }

    /// Adds fields to the pre-live form: `properties` as in §7.3.
    pub async fn add_form_fields(&self, app: u64, properties: Value) -> Result<u64> {
        let call = Call::write(
            Method::POST,
            "app/form/fields",
            json!({"app": app, "properties": properties}),
            format!("add form fields to app {app}"),
        )
        .app(app)
        .preview(true);
        let body = self.execute(&call).await?.body;
        Ok(body.get("revision").and_then(value_u64).unwrap_or(0))
    }

    /// Deploys pre-live settings (asynchronous on Kintone's side: poll [`Self::deploy_status`]).
    pub async fn deploy_apps(&self, apps: &[u64], revert: bool) -> Result<()> {
        let list: Vec<Value> = apps.iter().map(|a| json!({"app": a})).collect();
        // Deploying the same settings twice is harmless.
        let call = Call::write(
            Method::POST,
            "app/deploy",
            json!({"apps": list, "revert": revert}),
            "deploy app settings",
        )
        .preview(true)
        .idempotent();
        self.execute(&call).await?;
        Ok(())
    }

    pub async fn deploy_status(&self, apps: &[u64]) -> Result<Vec<DeployStatus>> {
        let call = Call::get("app/deploy", json!({"apps": apps})).preview(true);
        let ctx = self.context(&call);
        let body = self.execute(&call).await?.body;
        array_field(&ctx, &body, "apps")?
            .iter()
            .map(|a| {
                Ok(DeployStatus {
                    app: a
                        .get("app")
                        .and_then(value_u64)
                        .ok_or_else(|| Error::decode(&ctx, "no app"))?,
                    status: a
                        .get("status")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                })
            })
            .collect()
    }

    /// Deploys and waits until every app reports SUCCESS (or FAIL/CANCEL, an error).
    pub async fn deploy_and_wait(&self, apps: &[u64], timeout: std::time::Duration) -> Result<()> {
        self.deploy_apps(apps, false).await?;
        let start = std::time::Instant::now();
        loop {
            let st = self.deploy_status(apps).await?;
            if let Some(bad) = st
                .iter()
                .find(|s| s.status == "FAIL" || s.status == "CANCEL")
            {
                return Err(Error::Unsupported(format!(
                    "deploying app {} ended with {}",
                    bad.app, bad.status
                )));
            }
            if st.iter().all(|s| s.status == "SUCCESS") {
                return Ok(());
            }
            if start.elapsed() > timeout {
                return Err(Error::Unsupported(
                    "deploying the app settings did not finish in time".into(),
                ));
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
}
