//! File upload and download (§4.11), streamed: neither side holds the whole file.

use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::AsyncReadExt;
use tokio::sync::OwnedSemaphorePermit;

use crate::client::{Call, Client};
use crate::error::{Error, RequestContext, Result};

/// A file being downloaded: a stream of chunks. The request's budget permit is held
/// until the stream ends or is dropped.
pub struct Download {
    pub content_type: Option<String>,
    pub content_length: Option<u64>,
    stream: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    ctx: RequestContext,
    permit: Option<OwnedSemaphorePermit>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

impl Stream for Download {
    type Item = Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.stream.as_mut().poll_next(cx) {
            Poll::Ready(None) => {
                self.permit = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                self.permit = None;
                let ctx = self.ctx.clone();
                Poll::Ready(Some(Err(Error::Transport {
                    context: ctx,
                    message: e.to_string(),
                })))
            }
            Poll::Ready(Some(Ok(b))) => Poll::Ready(Some(Ok(b))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Kintone takes files up to 1 GB (§10); a path that reads on past that (`/dev/zero`, a
/// pipe) is cut there instead of being streamed forever.
pub const MAX_UPLOAD_BYTES: u64 = 1024 * 1024 * 1024;

fn file_stream(
    file: tokio::fs::File,
) -> impl Stream<Item = std::result::Result<Bytes, std::io::Error>> + Send + 'static {
    futures_util::stream::unfold(Some((file, 0u64)), |state| async move {
        let (mut file, sent) = state?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) if sent + n as u64 > MAX_UPLOAD_BYTES => Some((
                Err(std::io::Error::other(format!(
                    "the file is larger than Kintone's {} GiB limit",
                    MAX_UPLOAD_BYTES >> 30
                ))),
                None,
            )),
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some((file, sent + n as u64))))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

impl Client {
    /// Uploads a file from a stream of chunks; returns the temporary `fileKey` to put in
    /// a FILE field. Sent once: the stream cannot be replayed.
    pub async fn upload_file_stream<S>(
        &self,
        file_name: &str,
        content_type: &str,
        length: Option<u64>,
        body: S,
    ) -> Result<String>
    where
        S: Stream<Item = std::result::Result<Bytes, std::io::Error>> + Send + Sync + 'static,
    {
        let call = Call::write(
            Method::POST,
            "file",
            json!({}),
            format!("upload file '{file_name}'"),
        );
        let ctx = self.context(&call);
        let body = reqwest::Body::wrap_stream(body);
        let part = match length {
            Some(n) => reqwest::multipart::Part::stream_with_length(body, n),
            None => reqwest::multipart::Part::stream(body),
        }
        .file_name(file_name.to_string())
        .mime_str(content_type)
        .map_err(|e| Error::Config(format!("invalid content type '{content_type}': {e}")))?;
        let form = reqwest::multipart::Form::new().part("file", part);
        let rb = self.bare_request(&call).await?.multipart(form);
        let resp = self.send_once(&call, rb).await?;
        resp.body
            .get("fileKey")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Error::decode(&ctx, "no fileKey"))
    }

    /// Uploads a file from disk, streaming it.
    /// Uploads a local file, streamed; `name` is what Kintone shows (the file's own
    /// name when `None`).
    pub async fn upload_file_path(
        &self,
        path: &Path,
        name: Option<&str>,
        content_type: &str,
    ) -> Result<String> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| Error::Config(format!("cannot open '{}': {e}", path.display())))?;
        let len = file.metadata().await.ok().map(|m| m.len());
        if len.is_some_and(|n| n > MAX_UPLOAD_BYTES) {
            return Err(Error::Config(format!(
                "'{}' is larger than Kintone's {} GiB file limit",
                path.display(),
                MAX_UPLOAD_BYTES >> 30
            )));
        }
        let name = match name {
            Some(n) => n.to_string(),
            None => path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| "file".to_string()),
        };
        self.upload_file_stream(&name, content_type, len, file_stream(file))
            .await
    }

    /// Downloads a file by its `fileKey` as a stream of chunks.
    pub async fn download_file(&self, file_key: &str) -> Result<Download> {
        let call = Call::get("file", json!({"fileKey": file_key}));
        let ctx = self.context(&call);
        let (resp, permit) = self.execute_streaming(&call).await?;
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let content_length = resp.content_length();
        Ok(Download {
            content_type,
            content_length,
            stream: Box::pin(resp.bytes_stream()),
            ctx,
            permit: Some(permit),
        })
    }
}
