//! bulkRequest (§4.8): up to 20 writes, run in order, all or nothing.

use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{Call, Client};
use crate::endpoints::array_field;
use crate::endpoints::records::{self, RecordUpdate};
use crate::error::{Error, Result};
use crate::url::api_path;
use crate::values::Record;

pub const MAX_BULK: usize = 20;

#[derive(Clone, Debug, PartialEq)]
pub struct BulkItem {
    pub method: Method,
    /// `record`, `records`, `record/status`, `records/status`, `record/assignees`.
    pub api: String,
    pub payload: Value,
}

// The records.json writes of a bulkRequest carry the payloads the direct calls send.
impl BulkItem {
    pub fn add_records(app: u64, records: &[Record]) -> BulkItem {
        BulkItem::records(Method::POST, records::add_records_payload(app, records))
    }

    pub fn update_records(app: u64, updates: &[RecordUpdate], upsert: bool) -> BulkItem {
        BulkItem::records(
            Method::PUT,
            records::update_records_payload(app, updates, upsert),
        )
    }

    pub fn delete_records(app: u64, ids: &[u64], revisions: Option<&[i64]>) -> Result<BulkItem> {
        Ok(BulkItem::records(
            Method::DELETE,
            records::delete_records_payload(app, ids, revisions)?,
        ))
    }

    fn records(method: Method, payload: Value) -> BulkItem {
        BulkItem {
            method,
            api: "records".into(),
            payload,
        }
    }
}

impl Client {
    /// Sends the requests; returns each sub-request's answer. On failure the error carries
    /// the failing index (`bulk_index`).
    pub async fn bulk_request(&self, items: &[BulkItem]) -> Result<Vec<Value>> {
        if items.is_empty() || items.len() > MAX_BULK {
            return Err(Error::Unsupported(format!(
                "a bulk request holds 1 to {MAX_BULK} requests ({} given)",
                items.len()
            )));
        }
        let apps: Vec<u64> = items
            .iter()
            .filter_map(|i| i.payload.get("app").and_then(crate::endpoints::value_u64))
            .collect();
        let requests: Vec<Value> = items
            .iter()
            .map(|i| {
                json!({
                    "method": i.method.as_str(),
                    // The full path, including the guest prefix (§4.8).
                    "api": api_path(self.guest_space_id(), false, &i.api),
                    "payload": i.payload,
                })
            })
            .collect();
        let mut call = Call::write(
            Method::POST,
            "bulkRequest",
            json!({"requests": requests}),
            format!("a bulk request of {} writes", items.len()),
        );
        call.app = apps.first().copied();
        let ctx = self.context(&call);
        let resp = self.execute(&call).await?;
        Ok(array_field(&ctx, &resp.body, "results")?.to_vec())
    }
}
