//! Record comments (§4.9).

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::client::{Call, Client};
use crate::endpoints::{de_u64, from_value, value_u64, CodeName};
use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Mention {
    pub code: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    #[serde(deserialize_with = "de_u64")]
    pub id: u64,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub creator: CodeName,
    #[serde(default)]
    pub mentions: Vec<Mention>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CommentsPage {
    pub comments: Vec<Comment>,
    #[serde(default)]
    pub older: bool,
    #[serde(default)]
    pub newer: bool,
}

impl Client {
    /// One page of comments (`limit` ≤ 10).
    pub async fn get_comments(
        &self,
        app: u64,
        record: u64,
        ascending: bool,
        offset: u64,
        limit: u32,
    ) -> Result<CommentsPage> {
        let call = Call::get(
            "record/comments",
            json!({"app": app, "record": record, "order": if ascending {"asc"} else {"desc"},
                   "offset": offset, "limit": limit.min(10)}),
        )
        .app(app);
        let ctx = self.context(&call);
        from_value(&ctx, self.execute(&call).await?.body)
    }

    /// All comments of a record, oldest first.
    pub async fn get_all_comments(&self, app: u64, record: u64) -> Result<Vec<Comment>> {
        let mut out = Vec::new();
        let mut offset = 0u64;
        loop {
            let page = self.get_comments(app, record, true, offset, 10).await?;
            let n = page.comments.len() as u64;
            out.extend(page.comments);
            if !page.newer || n == 0 {
                return Ok(out);
            }
            offset += n;
        }
    }

    /// Adds a comment; returns its id.
    pub async fn add_comment(
        &self,
        app: u64,
        record: u64,
        text: &str,
        mentions: &[Mention],
    ) -> Result<u64> {
        let m: Vec<Value> =
            mentions.iter().map(|m| json!({"code": m.code, "type": m.kind})).collect();
        let call = Call::write(
            Method::POST,
            "record/comment",
            json!({"app": app, "record": record, "comment": {"text": text, "mentions": m}}),
            format!("add a comment to record {record} of app {app}"),
        )
        .app(app);
        let ctx = self.context(&call);
        let resp = self.execute(&call).await?;
        resp.body.get("id").and_then(value_u64).ok_or_else(|| Error::decode(&ctx, "no comment id"))
    }

    pub async fn delete_comment(&self, app: u64, record: u64, comment: u64) -> Result<()> {
        let call = Call::write(
            Method::DELETE,
            "record/comment",
            json!({"app": app, "record": record, "comment": comment}),
            format!("delete comment {comment} of record {record} in app {app}"),
        )
        .app(app);
        self.execute(&call).await?;
        Ok(())
    }
}
