//! Sending writes: records go in requests of 100 (§10), and up to 2,000 of them in one
//! bulkRequest (§4.8), which Kintone applies all or nothing. A statement of up to 2,000
//! rows is therefore one atomic unit; a larger one is a sequence of such units, and a
//! failure stops it with an exact account of which rows landed.

use kintone_api::endpoints::bulk::{BulkItem, MAX_BULK};
use kintone_api::endpoints::records::{added_of, updated_of, RecordUpdate, MAX_WRITE};
use kintone_api::error::RequestContext;
use kintone_api::values::Record;
use kintone_api::Client;

use crate::catalog::TableDef;
use crate::error::{from_kintone, SqlError};

/// Rows in one atomic unit.
pub const UNIT: usize = MAX_WRITE * MAX_BULK;

/// One row's write.
#[derive(Clone, Debug)]
pub enum Op {
    Add(Record),
    /// Update, or with upsert insert-or-update, by `$id` or a unique field.
    Put(RecordUpdate),
    /// Delete `$id`, checking the revision when there is one.
    Delete(u64, Option<u64>),
}

/// What happened to the rows of a statement, in order: `done` rows landed, then the
/// `failed` rows of the unit that failed did not (or, with an unknown outcome, may
/// have), and the rest were never sent.
#[derive(Debug, Default)]
pub struct Progress {
    pub done: usize,
    /// Ids of the added or upserted-as-new records, in row order.
    pub new_ids: Vec<u64>,
    pub failure: Option<Failure>,
}

#[derive(Debug)]
pub struct Failure {
    pub error: SqlError,
    /// Rows `first..first + count` (0-based) were in the failed unit.
    pub first: usize,
    pub count: usize,
    /// The connection broke after sending: these rows may or may not have landed.
    pub unknown: bool,
    /// Found before sending (a bad value, a failed source): the row being made when it
    /// happened is the failing one.
    pub local: bool,
}

/// Collects rows into units and sends each when it is full; `finish` sends the rest.
pub struct Writer<'a> {
    client: &'a Client,
    table: &'a TableDef,
    upsert: bool,
    pending: Vec<Op>,
    pub progress: Progress,
    /// Values whose seconds Kintone will drop, by column (see `WriteOutcome`).
    pub truncated: super::Truncated,
}

impl<'a> Writer<'a> {
    pub fn new(client: &'a Client, table: &'a TableDef, upsert: bool) -> Self {
        Writer {
            client,
            table,
            upsert,
            pending: Vec::new(),
            progress: Progress::default(),
            truncated: super::Truncated::new(),
        }
    }

    pub fn failed(&self) -> bool {
        self.progress.failure.is_some()
    }

    /// Rows handed over so far (sent or pending).
    pub fn rows(&self) -> usize {
        self.progress.done
            + self.pending.len()
            + self.progress.failure.as_ref().map_or(0, |f| f.count)
    }

    /// Adds a row; sends the pending unit first when a row beyond a unit arrives (so a
    /// statement of exactly 2,000 rows is still one unit).
    pub async fn push(&mut self, op: Op) {
        if self.failed() {
            return;
        }
        if self.pending.len() == UNIT {
            self.flush().await;
        }
        if !self.failed() {
            self.pending.push(op);
        }
    }

    /// A row could not be made (a bad value, or the source failed): the rows collected
    /// but not yet sent are not sent, and the statement reports them as failed.
    pub fn abandon(&mut self, error: SqlError) {
        if self.failed() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        self.progress.failure = Some(Failure {
            error,
            first: self.progress.done,
            count: pending.len(),
            unknown: false,
            local: true,
        });
    }

    pub async fn finish(mut self) -> (Progress, super::Truncated) {
        self.flush().await;
        (self.progress, self.truncated)
    }

    async fn flush(&mut self) {
        if self.pending.is_empty() || self.failed() {
            return;
        }
        let ops = std::mem::take(&mut self.pending);
        let first = self.progress.done;
        match send_unit(self.client, self.table, &ops, self.upsert).await {
            Ok(ids) => {
                self.progress.done += ops.len();
                self.progress.new_ids.extend(ids);
            }
            Err(e) => {
                let unknown = matches!(e, kintone_api::Error::WriteOutcomeUnknown { .. });
                self.progress.failure = Some(Failure {
                    error: explain(&e, self.table, &ops, first, unknown),
                    first,
                    count: ops.len(),
                    unknown,
                    local: false,
                });
            }
        }
    }
}

/// Sends up to [`UNIT`] rows of one kind atomically: one request when they fit in 100,
/// else one bulkRequest. Returns the ids of records that were added.
async fn send_unit(
    client: &Client,
    table: &TableDef,
    ops: &[Op],
    upsert: bool,
) -> kintone_api::Result<Vec<u64>> {
    let app = table.app_id;
    let batches: Vec<&[Op]> = ops.chunks(MAX_WRITE).collect();
    if let [only] = batches.as_slice() {
        return match kind(only).ok_or_else(mixed)? {
            Kind::Add(records) => Ok(client
                .add_records(app, &records)
                .await?
                .into_iter()
                .map(|(id, _)| id)
                .collect()),
            Kind::Put(updates) => Ok(inserted_ids(
                &client.update_records(app, &updates, upsert).await?,
            )),
            Kind::Delete(ids, revs) => {
                client.delete_records(app, &ids, Some(&revs)).await?;
                Ok(Vec::new())
            }
        };
    }
    let mut items = Vec::with_capacity(batches.len());
    let mut kinds = Vec::with_capacity(batches.len());
    for b in &batches {
        let k = kind(b).ok_or_else(mixed)?;
        items.push(match &k {
            Kind::Add(records) => BulkItem::add_records(app, records),
            Kind::Put(updates) => BulkItem::update_records(app, updates, upsert),
            Kind::Delete(ids, revs) => BulkItem::delete_records(app, ids, Some(revs))?,
        });
        kinds.push(k);
    }
    let results = client.bulk_request(&items).await?;
    let ctx = RequestContext {
        api: "bulkRequest".into(),
        app: Some(app),
        ..RequestContext::default()
    };
    if results.len() != items.len() {
        return Err(kintone_api::Error::decode(
            &ctx,
            "the bulk answer does not have one result per request",
        ));
    }
    let mut ids = Vec::new();
    for (k, body) in kinds.iter().zip(results.iter()) {
        match k {
            Kind::Add(records) => ids.extend(
                added_of(&ctx, body, records.len())?
                    .into_iter()
                    .map(|(id, _)| id),
            ),
            Kind::Put(_) => ids.extend(inserted_ids(&updated_of(&ctx, body)?)),
            Kind::Delete(..) => {}
        }
    }
    Ok(ids)
}

fn inserted_ids(r: &[kintone_api::endpoints::records::UpdateResult]) -> Vec<u64> {
    r.iter()
        .filter(|u| u.inserted == Some(true))
        .map(|u| u.id)
        .collect()
}

enum Kind {
    Add(Vec<Record>),
    Put(Vec<RecordUpdate>),
    Delete(Vec<u64>, Vec<i64>),
}

/// One request's rows as the API call takes them; `None` for no rows or mixed kinds
/// (a statement writes one kind of row, so neither happens).
fn kind(ops: &[Op]) -> Option<Kind> {
    let all = |k: Kind, n: usize| (n == ops.len() && n > 0).then_some(k);
    match ops.first()? {
        Op::Add(_) => {
            let v: Vec<Record> = ops
                .iter()
                .filter_map(|o| match o {
                    Op::Add(r) => Some(r.clone()),
                    _ => None,
                })
                .collect();
            let n = v.len();
            all(Kind::Add(v), n)
        }
        Op::Put(_) => {
            let v: Vec<RecordUpdate> = ops
                .iter()
                .filter_map(|o| match o {
                    Op::Put(u) => Some(u.clone()),
                    _ => None,
                })
                .collect();
            let n = v.len();
            all(Kind::Put(v), n)
        }
        Op::Delete(..) => {
            let (ids, revs): (Vec<u64>, Vec<i64>) = ops
                .iter()
                .filter_map(|o| match o {
                    // -1: no check (a delete by `$id` alone, with nothing read first).
                    Op::Delete(id, rev) => {
                        Some((*id, rev.and_then(|r| i64::try_from(r).ok()).unwrap_or(-1)))
                    }
                    _ => None,
                })
                .unzip();
            let n = ids.len();
            all(Kind::Delete(ids, revs), n)
        }
    }
}

fn mixed() -> kintone_api::Error {
    kintone_api::Error::Unsupported("one request writes one kind of change".into())
}

/// Kintone's refusal in the statement's terms: which rows, which columns, and for a
/// revision conflict which records.
pub(crate) fn explain(
    e: &kintone_api::Error,
    table: &TableDef,
    ops: &[Op],
    first: usize,
    unknown: bool,
) -> SqlError {
    let rows = |from: usize, n: usize| {
        if n == 1 {
            format!("row {}", from + 1)
        } else {
            format!("rows {}-{}", from + 1, from + n)
        }
    };
    if unknown {
        return SqlError::new(
            state::UNKNOWN_OUTCOME,
            format!(
                "{}: the outcome is unknown ({e}); they were not sent again, so nothing was written twice; read them back to see whether they landed",
                rows(first, ops.len())
            ),
        );
    }
    let kintone_api::Error::Api {
        code,
        errors,
        bulk_index,
        ..
    } = e
    else {
        return with_rows(from_kintone(e), &rows(first, ops.len()));
    };
    let base = first + bulk_index.unwrap_or(0) * MAX_WRITE;
    let batch = ops
        .get(bulk_index.unwrap_or(0) * MAX_WRITE..)
        .unwrap_or(&[]);
    let batch = batch.get(..MAX_WRITE.min(batch.len())).unwrap_or(&[]);
    match code.as_deref() {
        // The revision check failed, or a record went away, between the read and the
        // write: someone else changed it. Nothing of this unit was written.
        Some("GAIA_CO02" | "GAIA_RE01") => {
            let ids: Vec<String> = batch
                .iter()
                .filter_map(|o| match o {
                    Op::Put(u) => match u.key {
                        kintone_api::endpoints::records::RecordKey::Id(i) => Some(i.to_string()),
                        _ => None,
                    },
                    Op::Delete(i, _) => Some(i.to_string()),
                    Op::Add(_) => None,
                })
                .take(20)
                .collect();
            SqlError::new(
                state::CONCURRENT_CHANGE,
                format!(
                    "{}: a record was changed or deleted by someone else since it was read (one of $id {}); nothing of these rows was written: {e}",
                    rows(base, batch.len()),
                    ids.join(", ")
                ),
            )
        }
        _ if !errors.is_empty() => {
            let details: Vec<String> = errors
                .iter()
                .take(10)
                .map(|(key, msgs)| {
                    let (row, field) = parse_error_key(key);
                    let col = field
                        .and_then(|code| table.columns.iter().find(|c| c.code() == code))
                        .map_or_else(|| field.unwrap_or(key).to_string(), |c| c.name.clone());
                    let at = match row {
                        Some(i) => format!("row {}", base + i + 1),
                        None => rows(base, batch.len()),
                    };
                    format!("{at}, column \"{col}\": {}", msgs.join("; "))
                })
                .collect();
            SqlError::new(
                state::REFUSED_VALUE,
                format!(
                    "Kintone refused the values ({}): {}",
                    code.as_deref().unwrap_or("no code"),
                    details.join(" | ")
                ),
            )
        }
        _ => with_rows(from_kintone(e), &rows(base, batch.len())),
    }
}

fn with_rows(mut e: SqlError, rows: &str) -> SqlError {
    e.message = format!("{rows}: {}", e.message);
    e
}

/// `records[3].price.value` → (Some(3), Some("price")); `record.price.value` →
/// (Some(0), Some("price")). Kintone's keys name the request's record and field (§9).
fn parse_error_key(key: &str) -> (Option<usize>, Option<&str>) {
    let (row, rest) = if let Some(r) = key.strip_prefix("records[") {
        match r.split_once(']') {
            Some((n, rest)) => (n.parse().ok(), rest.strip_prefix('.').unwrap_or(rest)),
            None => (None, r),
        }
    } else if let Some(r) = key.strip_prefix("record.") {
        (Some(0), r)
    } else {
        (None, key)
    };
    // Field codes hold no dot (§8).
    let field = rest.split('.').next().filter(|f| !f.is_empty());
    (row, field)
}

pub mod state {
    /// A value Kintone refused (CB_VA01: required, unique, option, length ...).
    pub const REFUSED_VALUE: &str = "23000";
    /// Serialization failure: a record changed between the read and the write.
    pub const CONCURRENT_CHANGE: &str = "40001";
    /// The link broke after the write was sent.
    pub const UNKNOWN_OUTCOME: &str = "08S01";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_keys_name_row_and_field() {
        assert_eq!(
            parse_error_key("records[3].price.value"),
            (Some(3), Some("price"))
        );
        assert_eq!(
            parse_error_key("record.title.value"),
            (Some(0), Some("title"))
        );
        assert_eq!(
            parse_error_key("records[12].tags.values[1].value"),
            (Some(12), Some("tags"))
        );
        assert_eq!(parse_error_key("ids"), (None, Some("ids")));
    }
}
