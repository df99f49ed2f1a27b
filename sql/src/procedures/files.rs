//! File procedures of CData's driver: `UploadFile` (a local file or base64 data to a
//! file key, optionally attached to a record's FILE field) and `DownloadFile` (a file
//! key to a local file, streamed, or to base64).

use std::path::PathBuf;

use base64::Engine;
use bytes::Bytes;
use datafusion::common::ScalarValue;
use futures_util::StreamExt;
use kintone_api::endpoints::records::RecordKey;
use kintone_api::values::{FieldValue, FileInfo, Record};
use tokio::io::AsyncWriteExt;

use super::records::{app_id, check_guest_space};
use super::{Args, Param, ProcContext, Procedure, ResultColumn, SqlType};
use crate::catalog::{Source, TableKind};
use crate::error::{SqlError, SqlResult};

/// Largest download returned as base64 in a result row; larger files need a
/// `DownloadLocation` (they are streamed to disk in constant memory).
pub const MAX_INLINE_DOWNLOAD: u64 = 64 * 1024 * 1024;

const fn text(
    name: &'static str,
    default: Option<&'static str>,
    description: &'static str,
) -> Param {
    Param {
        name,
        ty: SqlType::Text,
        required: false,
        default,
        description,
        secret: false,
    }
}

pub static UPLOAD_FILE: Procedure = Procedure {
    name: "UploadFile",
    description: "Uploads a file (FullPath, or base64 FileData with FileName) and returns its file key, for a FILE column in an INSERT or UPDATE. With AttachToApp=true it also attaches the file to the FILE field FieldName of record RecordId (kept files stay), or of a new record when RecordId is omitted.",
    params: &[
        text("FullPath", None, "A local file to upload (streamed)."),
        text("FileData", None, "The file's bytes in base64, when there is no FullPath."),
        text("FileName", Some("the file name of FullPath"), "The name Kintone shows; needed with FileData."),
        text("ContentType", Some("application/octet-stream"), "The file's MIME type."),
        Param {
            name: "AttachToApp",
            ty: SqlType::Boolean,
            required: false,
            default: Some("false"),
            description: "Attach the uploaded (or UploadedFileKey) file to a record.",
            secret: false,
        },
        text("UploadedFileKey", None, "A file key from an earlier upload, to attach without uploading again."),
        Param {
            name: "AppId",
            ty: SqlType::Integer,
            required: false,
            default: None,
            description: "The app of the record to attach to (with AttachToApp).",
            secret: false,
        },
        Param {
            name: "RecordId",
            ty: SqlType::Integer,
            required: false,
            default: Some("a new record"),
            description: "The record to attach to (with AttachToApp).",
            secret: false,
        },
        text("FieldName", None, "The FILE field to attach to: its column name or field code (with AttachToApp)."),
        Param {
            name: "GuestSpaceId",
            ty: SqlType::Integer,
            required: false,
            default: Some("the GuestSpaceId connection property"),
            description: "Accepted for compatibility: it must be the connection's own GuestSpaceId.",
            secret: false,
        },
    ],
    columns: &[
        ResultColumn {
            name: "FileKey",
            ty: SqlType::Text,
            nullable: false,
            description: "The uploaded file's key (valid three days until attached).",
        },
        ResultColumn {
            name: "Success",
            ty: SqlType::Boolean,
            nullable: false,
            description: "Whether the upload (and the attachment) succeeded.",
        },
        ResultColumn {
            name: "Id",
            ty: SqlType::Integer,
            nullable: true,
            description: "The record the file was attached to.",
        },
        ResultColumn {
            name: "Revision",
            ty: SqlType::Integer,
            nullable: true,
            description: "That record's revision afterwards.",
        },
    ],
    writes: true,
    body: |ctx, args| Box::pin(upload_file(ctx, args)),
};

pub static DOWNLOAD_FILE: Procedure = Procedure {
    name: "DownloadFile",
    description: "Downloads an attached file by the fileKey a read shows in a FILE column: streamed to DownloadLocation, or returned as base64 (up to 64 MiB).",
    params: &[
        Param {
            name: "FileKey",
            ty: SqlType::Text,
            required: true,
            default: None,
            description: "The fileKey of the file in the FILE column's JSON.",
            secret: false,
        },
        text("DownloadLocation", None, "A local file path to write the file to (replaced if it exists)."),
    ],
    columns: &[
        ResultColumn {
            name: "Success",
            ty: SqlType::Boolean,
            nullable: false,
            description: "Whether the whole file arrived.",
        },
        ResultColumn {
            name: "FileData",
            ty: SqlType::Text,
            nullable: true,
            description: "The file's bytes in base64, when no DownloadLocation was given.",
        },
        ResultColumn {
            name: "Size",
            ty: SqlType::Integer,
            nullable: false,
            description: "Bytes downloaded.",
        },
        ResultColumn {
            name: "ContentType",
            ty: SqlType::Text,
            nullable: true,
            description: "The MIME type Kintone sent.",
        },
    ],
    writes: false,
    body: |ctx, args| Box::pin(download_file(ctx, args)),
};

fn bad(m: impl Into<String>) -> SqlError {
    SqlError::new("HY024", m)
}

async fn upload_file(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    check_guest_space(ctx, &args, "UploadFile")?;
    let content_type = args
        .text("ContentType")?
        .unwrap_or_else(|| "application/octet-stream".into());
    let key = match (
        args.text("FullPath")?,
        args.text("FileData")?,
        args.text("UploadedFileKey")?,
    ) {
        (Some(path), None, _) => {
            let name = args.text("FileName")?;
            ctx.client
                .upload_file_path(&PathBuf::from(path), name.as_deref(), &content_type)
                .await?
        }
        (None, Some(data), _) => {
            let name = args
                .text("FileName")?
                .ok_or_else(|| bad("UploadFile: FileData needs a FileName"))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .map_err(|e| bad(format!("UploadFile: FileData is not base64: {e}")))?;
            let len = bytes.len() as u64;
            let body = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(bytes))]);
            ctx.client
                .upload_file_stream(&name, &content_type, Some(len), body)
                .await?
        }
        (Some(_), Some(_), _) => {
            return Err(bad("UploadFile: give FullPath or FileData, not both"))
        }
        (None, None, Some(key)) => key,
        (None, None, None) => {
            return Err(bad(
                "UploadFile needs FullPath, FileData (with FileName) or UploadedFileKey",
            ))
        }
    };
    if !args.boolean("AttachToApp")?.unwrap_or(false) {
        return Ok(vec![vec![
            ScalarValue::Utf8(Some(key)),
            ScalarValue::Boolean(Some(true)),
            ScalarValue::Int64(None),
            ScalarValue::Int64(None),
        ]]);
    }
    let app = app_id(&args)?;
    let field = file_field(
        ctx,
        app,
        &args
            .text("FieldName")?
            .ok_or_else(|| bad("UploadFile: AttachToApp needs FieldName"))?,
    )
    .await?;
    let new = FileInfo {
        file_key: key.clone(),
        name: String::new(),
        content_type: String::new(),
        size: None,
    };
    let (id, revision) = match args.integer("RecordId")? {
        Some(id) => {
            let id =
                u64::try_from(id).map_err(|_| bad(format!("RecordId {id} is not a record id")))?;
            // The files already there are kept: a FILE value replaces the whole list.
            let current = ctx.client.get_record(app, id).await?;
            let mut files = match current.get(&field) {
                Some(FieldValue::File(f)) => f.clone(),
                _ => Vec::new(),
            };
            files.push(new);
            let mut r = Record::new();
            r.set(field.clone(), FieldValue::File(files));
            let rev = ctx
                .client
                .update_record(app, &RecordKey::Id(id), &r, current.revision())
                .await?;
            (id, rev)
        }
        None => {
            let mut r = Record::new();
            r.set(field.clone(), FieldValue::File(vec![new]));
            ctx.client.add_record(app, &r).await?
        }
    };
    Ok(vec![vec![
        ScalarValue::Utf8(Some(key)),
        ScalarValue::Boolean(Some(true)),
        ScalarValue::Int64(i64::try_from(id).ok()),
        ScalarValue::Int64(i64::try_from(revision).ok()),
    ]])
}

/// The code of app `app`'s FILE field called `name` (column name or field code).
async fn file_field(ctx: &ProcContext, app: u64, name: &str) -> SqlResult<String> {
    let cat = ctx.catalog.ensure_apps(&[app]).await?;
    let table = cat
        .tables
        .iter()
        .find(|t| t.app_id == app && t.kind == TableKind::App)
        .ok_or_else(|| {
            bad(format!(
                "UploadFile: app {app} is not visible to this connection"
            ))
        })?;
    table
        .columns
        .iter()
        .find(|c| c.name == name || c.code() == name)
        .and_then(|c| match &c.source {
            Source::Field { code, field_type } if field_type == "FILE" => Some(code.clone()),
            _ => None,
        })
        .ok_or_else(|| {
            bad(format!(
                "UploadFile: {} has no FILE field '{name}'",
                table.name
            ))
        })
}

async fn download_file(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    let key = args
        .text("FileKey")?
        .ok_or_else(|| bad("DownloadFile needs a FileKey"))?;
    let mut dl = ctx.client.download_file(&key).await?;
    let content_type = dl.content_type.clone();
    let (data, size) = match args.text("DownloadLocation")? {
        Some(path) => {
            let path = PathBuf::from(path);
            if path.is_dir() {
                return Err(bad(format!(
                    "DownloadFile: DownloadLocation '{}' is a directory; give the file's path",
                    path.display()
                )));
            }
            let size = match to_file(&mut dl, &path).await {
                Ok(n) => n,
                Err(e) => {
                    // No half file is left behind to be mistaken for the whole one.
                    let _ = tokio::fs::remove_file(&path).await;
                    return Err(e);
                }
            };
            (None, size)
        }
        None => {
            if dl.content_length.is_some_and(|n| n > MAX_INLINE_DOWNLOAD) {
                return Err(too_big());
            }
            let mut buf = Vec::new();
            while let Some(chunk) = dl.next().await {
                buf.extend_from_slice(&chunk?);
                if buf.len() as u64 > MAX_INLINE_DOWNLOAD {
                    return Err(too_big());
                }
            }
            let size = buf.len() as u64;
            (
                Some(base64::engine::general_purpose::STANDARD.encode(&buf)),
                size,
            )
        }
    };
    Ok(vec![vec![
        ScalarValue::Boolean(Some(true)),
        ScalarValue::Utf8(data),
        ScalarValue::Int64(i64::try_from(size).ok()),
        ScalarValue::Utf8(content_type),
    ]])
}

fn too_big() -> SqlError {
    bad(format!(
        "DownloadFile: the file is larger than {} MiB: give a DownloadLocation to stream it to disk",
        MAX_INLINE_DOWNLOAD >> 20
    ))
}

async fn to_file(
    dl: &mut kintone_api::endpoints::files::Download,
    path: &std::path::Path,
) -> SqlResult<u64> {
    let io = |e: std::io::Error| {
        bad(format!(
            "DownloadFile: cannot write '{}': {e}",
            path.display()
        ))
    };
    let mut f = tokio::fs::File::create(path).await.map_err(io)?;
    let mut size = 0u64;
    while let Some(chunk) = dl.next().await {
        let chunk = chunk?;
        size += chunk.len() as u64;
        f.write_all(&chunk).await.map_err(io)?;
    }
    f.flush().await.map_err(io)?;
    Ok(size)
}
