//! Record APIs (§4.1-§4.7, §4.10).

use reqwest::Method;
use serde_json::{json, Value};

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use crate::client::{Call, Client};
use crate::endpoints::put;
use crate::endpoints::{array_field, value_u64};
use crate::error::{Error, RequestContext, Result};
use crate::rows::{RecordDecoder, RowsDecoder, RowsSeed};
use crate::values::{FieldJson, Record};

/// Records per add/update/delete call (§10).
pub const MAX_WRITE: usize = 100;
/// Records per records.json read (§4.2).
pub const MAX_LIMIT: u64 = 500;
/// Largest `offset` (§4.2).
pub const MAX_OFFSET: u64 = 10_000;

#[derive(Clone, Debug, Default)]
pub struct RecordsPage<R = Vec<Record>> {
    pub records: R,
    pub total_count: Option<u64>,
    /// `X-Cybozu-Warning` (§2.5): the result may be incomplete.
    pub warning: Option<String>,
}

/// Which record an update targets (§4.5).
#[derive(Clone, Debug, PartialEq)]
pub enum RecordKey {
    Id(u64),
    /// A unique field (SINGLE_LINE_TEXT, NUMBER, LINK, DATE, DATETIME) and its value.
    UpdateKey {
        field: String,
        value: String,
    },
}

impl RecordKey {
    fn put_into(&self, obj: &mut serde_json::Map<String, Value>) {
        match self {
            RecordKey::Id(id) => {
                obj.insert("id".into(), json!(id));
            }
            RecordKey::UpdateKey { field, value } => {
                obj.insert("updateKey".into(), json!({"field": field, "value": value}));
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RecordUpdate {
    pub key: RecordKey,
    /// Expected revision; `None` skips the check.
    pub revision: Option<u64>,
    pub record: Record,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateResult {
    pub id: u64,
    pub revision: u64,
    /// With upsert: whether the record was inserted (`INSERT`) or updated (`UPDATE`).
    pub inserted: Option<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StatusAction {
    pub id: u64,
    pub action: String,
    pub assignee: Option<String>,
    pub revision: Option<u64>,
}

/// A records answer (records.json or a cursor page), decoded straight from the bytes.
/// Its `records` array goes through the read's [`RowsDecoder`]: [`Record`]s
/// ([`RecordDecoder`]: each field's `{type, value}` lands in a struct rather than in a
/// JSON map of its own, and values stay JSON until [`Record::from_fields`] types them, so
/// a value Kintone sends in an unexpected shape is a decoding error naming its field,
/// not garbage to retry), or the caller's own form.
pub(crate) struct RecordsBody<R> {
    /// `None`: no `records` key (or `null`); `Some(Err)`: a value could not be typed.
    pub(crate) records: Option<std::result::Result<R, String>>,
    pub(crate) total_count: Value,
    pub(crate) next: Value,
}

impl<R> RecordsBody<R> {
    pub(crate) fn empty() -> Self {
        RecordsBody {
            records: None,
            total_count: Value::Null,
            next: Value::Null,
        }
    }

    /// Decodes an answer's bytes (empty for an empty body).
    pub(crate) fn parse<D: RowsDecoder<Rows = R>>(
        decoder: &D,
        bytes: &[u8],
    ) -> serde_json::Result<Self> {
        if bytes.is_empty() {
            return Ok(RecordsBody::empty());
        }
        if let Some(body) = crate::scan::answer(decoder, bytes) {
            return Ok(body);
        }
        Self::parse_serde(decoder, bytes)
    }

    /// Decodes an answer through serde alone: what the scanner falls back to, and the
    /// reference it is tested against.
    pub(crate) fn parse_serde<D: RowsDecoder<Rows = R>>(
        decoder: &D,
        bytes: &[u8],
    ) -> serde_json::Result<Self> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let body = BodySeed(decoder).deserialize(&mut de)?;
        de.end()?;
        Ok(body)
    }

    /// A cursor page's `next` (Kintone sends a boolean; a string is accepted).
    pub(crate) fn next(&self) -> Option<bool> {
        self.next
            .as_bool()
            .or_else(|| self.next.as_str().map(|s| s == "true"))
    }

    pub(crate) fn records(self, ctx: &RequestContext) -> Result<R> {
        match self.records {
            None => Err(Error::decode(ctx, "no 'records' array")),
            Some(Err(message)) => Err(Error::decode(ctx, message)),
            Some(Ok(rows)) => Ok(rows),
        }
    }
}

struct BodySeed<'a, D>(&'a D);

impl<'de, D: RowsDecoder> DeserializeSeed<'de> for BodySeed<'_, D> {
    type Value = RecordsBody<D::Rows>;
    fn deserialize<De: Deserializer<'de>>(
        self,
        d: De,
    ) -> std::result::Result<Self::Value, De::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, D: RowsDecoder> Visitor<'de> for BodySeed<'_, D> {
    type Value = RecordsBody<D::Rows>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a records answer (a JSON object)")
    }
    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut body = RecordsBody::empty();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "records" => body.records = map.next_value_seed(Nullable(RowsSeed(self.0)))?,
                "totalCount" => body.total_count = map.next_value()?,
                "next" => body.next = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(body)
    }
}

/// A seed's value, or `None` for a JSON null.
struct Nullable<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Nullable<S> {
    type Value = Option<S::Value>;
    fn deserialize<De: Deserializer<'de>>(
        self,
        d: De,
    ) -> std::result::Result<Self::Value, De::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for Nullable<S> {
    type Value = Option<S::Value>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of records or null")
    }
    fn visit_none<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<De: Deserializer<'de>>(
        self,
        d: De,
    ) -> std::result::Result<Self::Value, De::Error> {
        self.0.deserialize(d).map(Some)
    }
}

/// A record's fields in the server's order.
pub(crate) struct RawRecord<'de>(pub(crate) Vec<(String, FieldJson<'de>)>);

impl<'de> Deserialize<'de> for RawRecord<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = RawRecord<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a record (a JSON object)")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<RawRecord<'de>, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(entry) = map.next_entry::<String, FieldJson<'de>>()? {
                    fields.push(entry);
                }
                Ok(RawRecord(fields))
            }
        }
        d.deserialize_map(Fields)
    }
}

fn u64_field(ctx: &RequestContext, v: &Value, key: &str) -> Result<u64> {
    v.get(key)
        .and_then(value_u64)
        .ok_or_else(|| Error::decode(ctx, format!("missing '{key}'")))
}

fn check_batch(n: usize, verb: &str) -> Result<()> {
    if n == 0 || n > MAX_WRITE {
        return Err(Error::Unsupported(format!(
            "between 1 and {MAX_WRITE} records can be {verb} in one request ({n} given)"
        )));
    }
    Ok(())
}

// The payloads and answers of the three batch writes. The direct calls below and a
// bulkRequest (`BulkItem::records`) send the same bodies and read the same answers.

/// POST records.json: `{app, records}`.
pub fn add_records_payload(app: u64, records: &[Record]) -> Value {
    let encoded: Vec<Value> = records.iter().map(Record::encode).collect();
    json!({"app": app, "records": encoded})
}

/// PUT records.json: `{app, records: [{id | updateKey, revision?, record}], upsert?}`.
pub fn update_records_payload(app: u64, updates: &[RecordUpdate], upsert: bool) -> Value {
    let items: Vec<Value> = updates
        .iter()
        .map(|u| {
            let mut o = serde_json::Map::new();
            u.key.put_into(&mut o);
            if let Some(r) = u.revision {
                o.insert("revision".into(), json!(r));
            }
            o.insert("record".into(), u.record.encode());
            Value::Object(o)
        })
        .collect();
    let mut params = json!({"app": app, "records": items});
    if upsert {
        put(&mut params, "upsert", json!(true));
    }
    params
}

/// DELETE records.json: `{app, ids, revisions?}`.
pub fn delete_records_payload(app: u64, ids: &[u64], revisions: Option<&[i64]>) -> Result<Value> {
    check_batch(ids.len(), "deleted")?;
    let mut params = json!({"app": app, "ids": ids});
    if let Some(r) = revisions {
        if r.len() != ids.len() {
            return Err(Error::Unsupported("revisions must parallel ids".into()));
        }
        put(&mut params, "revisions", json!(r));
    }
    Ok(params)
}

/// The `(id, revision)` pairs of an add answer, checked against the `n` records sent.
pub fn added_of(ctx: &RequestContext, body: &Value, n: usize) -> Result<Vec<(u64, u64)>> {
    let ids = array_field(ctx, body, "ids")?;
    let revs = array_field(ctx, body, "revisions")?;
    if ids.len() != n || revs.len() != n {
        return Err(Error::decode(
            ctx,
            "ids/revisions do not match the records sent",
        ));
    }
    ids.iter()
        .zip(revs.iter())
        .map(|(i, r)| match (value_u64(i), value_u64(r)) {
            (Some(i), Some(r)) => Ok((i, r)),
            _ => Err(Error::decode(ctx, "bad id or revision")),
        })
        .collect()
}

/// The records of an update (or upsert) answer.
pub fn updated_of(ctx: &RequestContext, body: &Value) -> Result<Vec<UpdateResult>> {
    array_field(ctx, body, "records")?
        .iter()
        .map(|r| {
            Ok(UpdateResult {
                id: u64_field(ctx, r, "id")?,
                revision: u64_field(ctx, r, "revision")?,
                inserted: r
                    .get("operation")
                    .and_then(Value::as_str)
                    .map(|o| o == "INSERT"),
            })
        })
        .collect()
}

impl Client {
    pub async fn get_record(&self, app: u64, id: u64) -> Result<Record> {
        let call = Call::get("record", json!({"app": app, "id": id})).app(app);
        let ctx = self.context(&call);
        let resp = self.execute(&call).await?;
        let r = resp
            .body
            .get("record")
            .ok_or_else(|| Error::decode(&ctx, "no 'record'"))?;
        Record::decode(r).map_err(|e| Error::decode(&ctx, e.to_string()))
    }

    /// One records.json call. `query` may hold a condition, order, limit and offset.
    pub async fn get_records(
        &self,
        app: u64,
        fields: Option<&[String]>,
        query: &str,
        total_count: bool,
    ) -> Result<RecordsPage> {
        self.get_records_as(&RecordDecoder, app, fields, query, total_count)
            .await
    }

    /// [`get_records`](Self::get_records), its records decoded by `decoder`.
    pub async fn get_records_as<D: RowsDecoder>(
        &self,
        decoder: &D,
        app: u64,
        fields: Option<&[String]>,
        query: &str,
        total_count: bool,
    ) -> Result<RecordsPage<D::Rows>> {
        let mut params = json!({"app": app, "query": query});
        if let Some(f) = fields {
            put(&mut params, "fields", json!(f));
        }
        if total_count {
            put(&mut params, "totalCount", json!(true));
        }
        let call = Call::get("records", params).app(app);
        let ctx = self.context(&call);
        let (_, body, warning) = self
            .execute_parsed(&call, |bytes| RecordsBody::parse(decoder, bytes))
            .await?;
        let total_count = value_u64(&body.total_count);
        Ok(RecordsPage {
            records: body.records(&ctx)?,
            total_count,
            warning,
        })
    }

    /// Adds one record; returns `(id, revision)`.
    pub async fn add_record(&self, app: u64, record: &Record) -> Result<(u64, u64)> {
        let call = Call::write(
            Method::POST,
            "record",
            json!({"app": app, "record": record.encode()}),
            format!("add 1 record to app {app}"),
        )
        .app(app);
        let ctx = self.context(&call);
        let resp = self.execute(&call).await?;
        Ok((
            u64_field(&ctx, &resp.body, "id")?,
            u64_field(&ctx, &resp.body, "revision")?,
        ))
    }

    /// Adds up to 100 records atomically; returns `(id, revision)` in input order.
    pub async fn add_records(&self, app: u64, records: &[Record]) -> Result<Vec<(u64, u64)>> {
        check_batch(records.len(), "added")?;
        let call = Call::write(
            Method::POST,
            "records",
            add_records_payload(app, records),
            format!("add {} records to app {app}", records.len()),
        )
        .app(app);
        let ctx = self.context(&call);
        let resp = self.execute(&call).await?;
        added_of(&ctx, &resp.body, records.len())
    }

    /// Updates one record; returns the new revision. With a revision check the request is
    /// safe to repeat (a repeat after success fails with GAIA_CO02 instead of applying twice).
    pub async fn update_record(
        &self,
        app: u64,
        key: &RecordKey,
        record: &Record,
        revision: Option<u64>,
    ) -> Result<u64> {
        let mut body = serde_json::Map::new();
        body.insert("app".into(), json!(app));
        key.put_into(&mut body);
        if let Some(r) = revision {
            body.insert("revision".into(), json!(r));
        }
        body.insert("record".into(), record.encode());
        let mut call = Call::write(
            Method::PUT,
            "record",
            Value::Object(body),
            format!("update 1 record ({key:?}) in app {app}"),
        )
        .app(app);
        if revision.is_some() {
            call = call.idempotent();
        }
        let ctx = self.context(&call);
        let resp = self.execute(&call).await?;
        u64_field(&ctx, &resp.body, "revision")
    }

    /// Updates (or with `upsert`, inserts) up to 100 records atomically (§4.6).
    pub async fn update_records(
        &self,
        app: u64,
        updates: &[RecordUpdate],
        upsert: bool,
    ) -> Result<Vec<UpdateResult>> {
        check_batch(updates.len(), "updated")?;
        let all_checked = !upsert && updates.iter().all(|u| u.revision.is_some());
        let mut call = Call::write(
            Method::PUT,
            "records",
            update_records_payload(app, updates, upsert),
            format!(
                "{} {} records in app {app}",
                if upsert { "upsert" } else { "update" },
                updates.len()
            ),
        )
        .app(app);
        if all_checked {
            call = call.idempotent();
        }
        let ctx = self.context(&call);
        let resp = self.execute(&call).await?;
        updated_of(&ctx, &resp.body)
    }

    /// Deletes up to 100 records atomically; `revisions` parallel to `ids` (-1 = no check).
    pub async fn delete_records(
        &self,
        app: u64,
        ids: &[u64],
        revisions: Option<&[i64]>,
    ) -> Result<()> {
        let params = delete_records_payload(app, ids, revisions)?;
        let call = Call::write(
            Method::DELETE,
            "records",
            params,
            format!("delete {} records from app {app}", ids.len()),
        )
        .app(app);
        self.execute(&call).await?;
        Ok(())
    }

    /// Runs one process-management action (§4.10); returns the new revision.
    pub async fn update_status(&self, app: u64, action: &StatusAction) -> Result<u64> {
        let mut params = json!({"app": app, "id": action.id, "action": action.action});
        if let Some(a) = &action.assignee {
            put(&mut params, "assignee", json!(a));
        }
        if let Some(r) = action.revision {
            put(&mut params, "revision", json!(r));
        }
        let mut call = Call::write(
            Method::PUT,
            "record/status",
            params,
            format!(
                "status action '{}' on record {} of app {app}",
                action.action, action.id
            ),
        )
        .app(app);
        if action.revision.is_some() {
            call = call.idempotent();
        }
        let ctx = self.context(&call);
        let resp = self.execute(&call).await?;
        u64_field(&ctx, &resp.body, "revision")
    }

    /// Runs actions on up to 100 records atomically; returns `(id, revision)`.
    pub async fn update_statuses(
        &self,
        app: u64,
        actions: &[StatusAction],
    ) -> Result<Vec<(u64, u64)>> {
        if actions.len() > MAX_WRITE {
            return Err(Error::Unsupported(format!(
                "at most {MAX_WRITE} status updates per request"
            )));
        }
        let items: Vec<Value> = actions
            .iter()
            .map(|a| {
                let mut o = json!({"id": a.id, "action": a.action});
                if let Some(x) = &a.assignee {
                    put(&mut o, "assignee", json!(x));
                }
                if let Some(r) = a.revision {
                    put(&mut o, "revision", json!(r));
                }
                o
            })
            .collect();
        let call = Call::write(
            Method::PUT,
            "records/status",
            json!({"app": app, "records": items}),
            format!("status actions on {} records of app {app}", actions.len()),
        )
        .app(app);
        let ctx = self.context(&call);
        let resp = self.execute(&call).await?;
        array_field(&ctx, &resp.body, "records")?
            .iter()
            .map(|r| Ok((u64_field(&ctx, r, "id")?, u64_field(&ctx, r, "revision")?)))
            .collect()
    }

    /// Replaces the assignees of a record (§4.10); returns the new revision.
    pub async fn update_assignees(
        &self,
        app: u64,
        id: u64,
        assignees: &[String],
        revision: Option<u64>,
    ) -> Result<u64> {
        let mut params = json!({"app": app, "id": id, "assignees": assignees});
        if let Some(r) = revision {
            put(&mut params, "revision", json!(r));
        }
        // Setting the same assignee list twice yields the same state.
        let call = Call::write(
            Method::PUT,
            "record/assignees",
            params,
            format!("set assignees of record {id} in app {app}"),
        )
        .app(app)
        .idempotent();
        let ctx = self.context(&call);
        let resp = self.execute(&call).await?;
        u64_field(&ctx, &resp.body, "revision")
    }

    /// `totalCount` of a condition, with one 1-record request.
    pub async fn count_records(&self, app: u64, condition: Option<&str>) -> Result<u64> {
        let q = crate::query::build(condition, &[], Some(1), None);
        let page = self
            .get_records(app, Some(&["$id".to_string()]), &q, true)
            .await?;
        page.total_count.ok_or_else(|| {
            Error::decode(
                &RequestContext {
                    api: "records".into(),
                    app: Some(app),
                    ..Default::default()
                },
                "no totalCount",
            )
        })
    }
}
