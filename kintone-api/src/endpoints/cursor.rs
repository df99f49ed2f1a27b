//! Cursor API (§5).

use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{Call, Client};
use crate::endpoints::put;
use crate::endpoints::records::RecordsBody;
use crate::endpoints::value_u64;
use crate::error::{Error, Result};
use crate::rows::{RecordDecoder, RowsDecoder};
use crate::values::Record;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CursorInfo {
    pub id: String,
    pub total_count: u64,
}

#[derive(Clone, Debug)]
pub struct CursorPage<R = Vec<Record>> {
    pub records: R,
    pub next: bool,
}

impl Client {
    /// Creates a cursor. `query` must not contain `limit`/`offset`; `size` 1..=500.
    /// Treated as repeatable: a creation whose answer was lost only leaves an unused
    /// cursor that Kintone expires after 10 minutes (§5), while failing the read would
    /// lose the whole export.
    pub async fn create_cursor(
        &self,
        app: u64,
        fields: Option<&[String]>,
        query: &str,
        size: u32,
    ) -> Result<CursorInfo> {
        let mut params = json!({"app": app, "query": query, "size": size.clamp(1, 500)});
        if let Some(f) = fields {
            put(&mut params, "fields", json!(f));
        }
        let call = Call::write(
            Method::POST,
            "records/cursor",
            params,
            format!("create a cursor on app {app}"),
        )
        .app(app)
        .idempotent();
        let ctx = self.context(&call);
        let resp = self.execute(&call).await?;
        let id = resp
            .body
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::decode(&ctx, "no cursor id"))?
            .to_string();
        let total_count = resp.body.get("totalCount").and_then(value_u64).unwrap_or(0);
        Ok(CursorInfo { id, total_count })
    }

    /// Reads the next page of a cursor.
    pub async fn get_cursor(&self, id: &str) -> Result<CursorPage> {
        self.get_cursor_for(&RecordDecoder, id, None).await
    }

    pub(crate) async fn get_cursor_for<D: RowsDecoder>(
        &self,
        decoder: &D,
        id: &str,
        app: Option<u64>,
    ) -> Result<CursorPage<D::Rows>> {
        let mut call = Call::get("records/cursor", json!({"id": id}));
        call.app = app;
        // Each read hands out the next page: sending it twice would skip one.
        call.safety = crate::retry::Safety::ReadOnce;
        let ctx = self.context(&call);
        let (_, body, _) = self
            .execute_parsed(&call, |bytes| RecordsBody::parse(decoder, bytes))
            .await?;
        let next = body
            .next()
            .ok_or_else(|| Error::decode(&ctx, "no 'next'"))?;
        Ok(CursorPage {
            records: body.records(&ctx)?,
            next,
        })
    }

    /// Deletes a cursor. GAIA_CN01 (already gone) counts as success.
    pub async fn delete_cursor(&self, id: &str) -> Result<()> {
        let call = Call::write(
            Method::DELETE,
            "records/cursor",
            json!({"id": id}),
            "delete a cursor",
        )
        .idempotent();
        match self.execute(&call).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_code("GAIA_CN01") => Ok(()),
            Err(e) => Err(e),
        }
    }
}
