//! A records answer read straight into one Arrow batch: the app-table scan's
//! [`RowsDecoder`].
//!
//! Read as [`Record`](kintone_api::Record)s first, every cell cost an owned field code,
//! a map entry and a second pass to copy it into its column, all on the thread that
//! hands rows to the application. Here each field's code is matched against the
//! columns without being copied (the fields of one answer come in the same order, so
//! one string comparison usually finds its column), fields no column needs are read
//! past, and the batch is built in the task that fetched the page. Values are typed
//! as a record would hold them ([`TypedField`]) and appended by the same
//! [`BatchBuilder`], so both paths give the same rows and the same errors.

use std::collections::HashMap;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use kintone_api::rows::{skip_rest, Rows, RowsDecoder};
use kintone_api::scan::RecordsScan;
use kintone_api::values::{FieldValue, IdField, TypedField};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::catalog::{Column, Source};
use crate::decode::BatchBuilder;
use crate::error::{SqlError, SqlResult};

/// Decodes the pages of one app-table scan.
pub struct BatchDecoder {
    schema: SchemaRef,
    columns: Vec<Column>,
    separator: String,
    /// Field code → slot: one slot per field the columns read.
    slots: HashMap<String, usize>,
    /// Per column, the slot of its field (`None`: `$id`, revision).
    slot_of: Vec<Option<usize>>,
}

impl BatchDecoder {
    pub fn new(schema: SchemaRef, columns: Vec<Column>, separator: &str) -> Self {
        let mut slots = HashMap::new();
        let slot_of = columns
            .iter()
            .map(|c| match &c.source {
                Source::Field { code, .. } => {
                    let next = slots.len();
                    Some(*slots.entry(code.clone()).or_insert(next))
                }
                _ => None,
            })
            .collect();
        BatchDecoder {
            schema,
            columns,
            separator: separator.to_string(),
            slots,
            slot_of,
        }
    }
}

/// One page as a batch, with each record's `$id` (for paging).
pub struct BatchRows {
    batch: Option<RecordBatch>,
    ids: Vec<Option<u64>>,
    /// A value that fit its field's type but not its column (out of range, not a
    /// date): raised when the page is taken, as a read of records would raise it.
    error: Option<SqlError>,
}

impl BatchRows {
    pub fn into_batch(self) -> SqlResult<RecordBatch> {
        match (self.error, self.batch) {
            (Some(e), _) => Err(e),
            (None, Some(b)) => Ok(b),
            (None, None) => Err(SqlError::general("a page was read without a batch")),
        }
    }
}

impl Rows for BatchRows {
    fn len(&self) -> usize {
        self.ids.len()
    }

    fn id(&self, i: usize) -> Option<u64> {
        self.ids.get(i).copied().flatten()
    }

    fn keep(&mut self, start: usize, len: usize) {
        let start = start.min(self.ids.len());
        let len = len.min(self.ids.len() - start);
        self.ids.drain(..start);
        self.ids.truncate(len);
        self.batch = self.batch.take().map(|b| b.slice(start, len));
    }
}

impl RowsDecoder for BatchDecoder {
    type Rows = BatchRows;

    fn decode<'de, D: Deserializer<'de>>(
        &self,
        d: D,
    ) -> Result<Result<BatchRows, String>, D::Error> {
        d.deserialize_seq(Page(self))
    }

    fn scan(&self, records: &mut RecordsScan<'_>) -> Option<BatchRows> {
        records.begin()?;
        let mut page = PageState::new(self, 500);
        let mut first = true;
        while records.next_record(first)? {
            first = false;
            page.fields.start();
            while let Some(code) = records.next_code()? {
                let slot = page.fields.slot(self, code);
                let value = match slot {
                    Some(_) => Some(records.typed(code)?),
                    None => records.id_only(code)?,
                };
                page.fields.take(code == "$id", slot, Ok(value));
            }
            // A value that does not fit its type made `typed` give up: none failed here.
            page.end_record().ok()?;
        }
        Some(page.finish())
    }
}

/// One page as it is read: the rows built so far and each record's `$id`. Shared by the
/// serde visitor and the scanner, so both make the same batch of the same answer.
struct PageState<'a> {
    dec: &'a BatchDecoder,
    ids: Vec<Option<u64>>,
    builder: Option<BatchBuilder>,
    error: Option<SqlError>,
    fields: RecordFields,
}

impl<'a> PageState<'a> {
    fn new(dec: &'a BatchDecoder, capacity: usize) -> Self {
        let (builder, error) = match BatchBuilder::new(
            dec.schema.clone(),
            dec.columns.clone(),
            capacity,
            &dec.separator,
        ) {
            Ok(b) => (Some(b), None),
            Err(e) => (None, Some(e)),
        };
        PageState {
            dec,
            ids: Vec::with_capacity(capacity),
            builder,
            error,
            fields: RecordFields {
                values: vec![None; dec.slots.len()],
                order: Vec::new(),
                at: 0,
                ids: RecordIds::default(),
            },
        }
    }

    /// Appends the record just read, or gives the message of a value that did not fit.
    fn end_record(&mut self) -> Result<(), String> {
        let (id, revision) = self.fields.ids.take()?;
        self.ids.push(id);
        let Some(b) = self.builder.as_mut() else {
            return Ok(());
        };
        let (dec, values) = (self.dec, &self.fields.values);
        let pushed = b.push_row(id, revision, |i, _| {
            let slot = dec.slot_of.get(i).copied().flatten()?;
            values.get(slot)?.as_ref()
        });
        if let Err(e) = pushed {
            // The rest of the page is still read for its `$id`s.
            self.error = Some(e);
            self.builder = None;
        }
        Ok(())
    }

    fn finish(mut self) -> BatchRows {
        let batch = match self.builder.map(|mut b| b.finish()) {
            Some(Ok(b)) => Some(b),
            Some(Err(e)) => {
                self.error = Some(e);
                None
            }
            None => None,
        };
        BatchRows {
            batch,
            ids: self.ids,
            error: self.error,
        }
    }
}

struct Page<'a>(&'a BatchDecoder);

impl<'de> Visitor<'de> for Page<'_> {
    type Value = Result<BatchRows, String>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let capacity = seq.size_hint().unwrap_or(0).min(500);
        let mut page = PageState::new(self.0, capacity);
        while seq
            .next_element_seed(RecordSeed {
                dec: self.0,
                fields: &mut page.fields,
            })?
            .is_some()
        {
            if let Err(message) = page.end_record() {
                skip_rest(&mut seq)?;
                return Ok(Err(message));
            }
        }
        Ok(Ok(page.finish()))
    }
}

/// What one record offers the columns, reused from record to record.
struct RecordFields {
    /// Per slot, this record's value of the field.
    values: Vec<Option<FieldValue>>,
    /// Per position in a record, the code last seen there and its slot.
    order: Vec<(Box<str>, Option<usize>)>,
    /// The position in the current record of the next field.
    at: usize,
    ids: RecordIds,
}

/// A record's `$id` and revision as [`kintone_api::Record::id`] and `revision` would
/// find them, or the message of the first value that does not fit its type.
#[derive(Default)]
struct RecordIds {
    by_code: Option<u64>,
    first: Option<u64>,
    revision: Option<u64>,
    failed: Option<String>,
}

impl RecordIds {
    fn take(&mut self) -> Result<(Option<u64>, Option<u64>), String> {
        let ids = std::mem::take(self);
        match ids.failed {
            Some(message) => Err(message),
            None => Ok((ids.by_code.or(ids.first), ids.revision)),
        }
    }
}

impl RecordFields {
    fn start(&mut self) {
        self.values.iter_mut().for_each(|v| *v = None);
        self.at = 0;
    }

    /// The slot of the field at the next position, matched without copying its code:
    /// first against the code seen at the same position in the previous record.
    fn slot(&mut self, dec: &BatchDecoder, code: &str) -> Option<usize> {
        let at = self.at;
        self.at += 1;
        if let Some((seen, slot)) = self.order.get(at) {
            if **seen == *code {
                return *slot;
            }
        }
        let slot = dec.slots.get(code).copied();
        let entry = (Box::<str>::from(code), slot);
        match self.order.get_mut(at) {
            Some(e) => *e = entry,
            None => self.order.push(entry),
        }
        slot
    }

    /// A field read (typed, or `None` when it is neither a column's nor an id);
    /// `dollar_id`: its code is `$id`.
    fn take(
        &mut self,
        dollar_id: bool,
        slot: Option<usize>,
        typed: kintone_api::Result<Option<FieldValue>>,
    ) {
        let value = match typed {
            Ok(Some(v)) => v,
            Ok(None) => return,
            Err(e) => {
                // Read on to the end of the record: the answer is whole.
                self.ids.failed.get_or_insert_with(|| e.to_string());
                return;
            }
        };
        match value {
            FieldValue::Id(i) => {
                if dollar_id {
                    self.ids.by_code = Some(i);
                }
                self.ids.first = self.ids.first.or(Some(i));
            }
            FieldValue::Revision(r) => self.ids.revision = self.ids.revision.or(Some(r)),
            _ => {}
        }
        if let Some(v) = slot.and_then(|s| self.values.get_mut(s)) {
            *v = Some(value);
        }
    }
}

struct RecordSeed<'a> {
    dec: &'a BatchDecoder,
    fields: &'a mut RecordFields,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a record (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let RecordSeed { dec, fields } = self;
        fields.start();
        while let Some(slot) = map.next_key_seed(KeySlot { dec, fields })? {
            let at = fields.at.saturating_sub(1);
            let code = fields.order.get(at).map(|(c, _)| &**c).unwrap_or_default();
            let typed = match slot {
                Some(_) => map.next_value_seed(TypedField { code })?.map(Some),
                None => map.next_value_seed(IdField { code })?,
            };
            let dollar_id = code == "$id";
            fields.take(dollar_id, slot, typed);
        }
        Ok(())
    }
}

/// A record's key, matched to the slot of its field (see [`RecordFields::slot`]).
struct KeySlot<'a> {
    dec: &'a BatchDecoder,
    fields: &'a mut RecordFields,
}

impl<'de> DeserializeSeed<'de> for KeySlot<'_> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySlot<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a field code")
    }

    fn visit_str<E: serde::de::Error>(self, code: &str) -> Result<Option<usize>, E> {
        Ok(self.fields.slot(self.dec, code))
    }
}

/// One page decoded as a scan decodes it (for tests).
#[cfg(test)]
pub fn decode_answer(dec: &BatchDecoder, records_json: &str) -> Result<BatchRows, String> {
    let mut de = serde_json::Deserializer::from_str(records_json);
    let read = dec.decode(&mut de).map_err(|e| e.to_string())?;
    // Where the scanner reads the answer at all, it gives what serde gives.
    if let Some(scanned) = kintone_api::scan::records(dec, records_json) {
        let Ok(read) = &read else {
            panic!("the scanner read an answer serde refuses: {:?}", read.err());
        };
        assert_eq!(scanned.ids, read.ids);
        assert_eq!(scanned.batch, read.batch);
        assert_eq!(
            scanned.error.as_ref().map(|e| (&e.message, &e.sqlstate)),
            read.error.as_ref().map(|e| (&e.message, &e.sqlstate))
        );
    }
    read
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{build, AppForm, TableDef};
    use crate::settings::Settings;
    use kintone_api::{Auth, ClientConfig, Record};
    use serde_json::{json, Value};
    use std::sync::Arc;

    fn table(settings: &Settings) -> Arc<TableDef> {
        let props = json!({
            "$id": {"type": "__ID__", "code": "$id", "label": "$id"},
            "rn": {"type": "RECORD_NUMBER", "code": "rn", "label": "No"},
            "by": {"type": "CREATOR", "code": "by", "label": "By"},
            "at": {"type": "CREATED_TIME", "code": "at", "label": "At"},
            "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
            "memo": {"type": "MULTI_LINE_TEXT", "code": "memo", "label": "Memo"},
            "n": {"type": "NUMBER", "code": "n", "label": "N"},
            "day": {"type": "DATE", "code": "day", "label": "Day"},
            "t": {"type": "TIME", "code": "t", "label": "T"},
            "ts": {"type": "DATETIME", "code": "ts", "label": "Ts"},
            "kind": {"type": "DROP_DOWN", "code": "kind", "label": "Kind",
                     "options": {"a": {"label": "a", "index": "0"}}},
            "tags": {"type": "CHECK_BOX", "code": "tags", "label": "Tags",
                     "options": {"x": {"label": "x", "index": "0"}}},
            "who": {"type": "USER_SELECT", "code": "who", "label": "Who"},
            "calc": {"type": "CALC", "code": "calc", "label": "Calc", "format": "NUMBER"},
            "files": {"type": "FILE", "code": "files", "label": "Files"}
        });
        let form = AppForm {
            id: 3,
            name: "Ev".into(),
            properties: serde_json::from_value(props).unwrap(),
        };
        build(vec![form], settings).table("Ev").unwrap().clone()
    }

    fn settings() -> Settings {
        Settings::new(ClientConfig::new(
            "http://127.0.0.1:1",
            Auth::password("u", "p"),
        ))
    }

    fn record(id: u64) -> Value {
        json!({
            "$id": {"type": "__ID__", "value": id.to_string()},
            "$revision": {"type": "__REVISION__", "value": "4"},
            "rn": {"type": "RECORD_NUMBER", "value": format!("EV-{id}")},
            "by": {"type": "CREATOR", "value": {"code": "sato", "name": "佐藤"}},
            "at": {"type": "CREATED_TIME", "value": "2026-04-23T14:11:00Z"},
            "title": {"type": "SINGLE_LINE_TEXT", "value": format!("Event \"{id}\" ✓")},
            "memo": {"type": "MULTI_LINE_TEXT", "value": ""},
            "n": {"type": "NUMBER", "value": format!("{id}.25")},
            "day": {"type": "DATE", "value": "2024-02-29"},
            "t": {"type": "TIME", "value": "09:30"},
            "ts": {"type": "DATETIME", "value": "2025-01-01T09:00:00+09:00"},
            "kind": {"type": "DROP_DOWN", "value": null},
            "tags": {"type": "CHECK_BOX", "value": ["x", "y"]},
            "who": {"type": "USER_SELECT", "value": [{"code": "a", "name": "A"}, {"code": "b", "name": "B"}]},
            "calc": {"type": "CALC", "value": "12.5"},
            "files": {"type": "FILE", "value": []},
            "extra": {"type": "SINGLE_LINE_TEXT", "value": "not a column"}
        })
    }

    /// The rows of `records` read as `Record`s, as the other path builds them.
    fn via_records(t: &TableDef, records: &[Value]) -> SqlResult<RecordBatch> {
        let mut b = BatchBuilder::new(t.schema.clone(), t.columns.clone(), 4, ",")?;
        for r in records {
            b.push_record(&Record::decode(r).unwrap())?;
        }
        b.finish()
    }

    fn decoder(t: &TableDef) -> BatchDecoder {
        BatchDecoder::new(t.schema.clone(), t.columns.clone(), ",")
    }

    #[test]
    fn an_answer_reads_into_the_batch_its_records_give() {
        let t = table(&settings());
        // Fields in another order in one record, one missing in another, an escaped
        // key, and a record whose `$id` comes last: the position hint misses.
        let mut shuffled = serde_json::Map::new();
        let r2 = record(2);
        for (k, v) in r2.as_object().unwrap().iter().rev() {
            shuffled.insert(k.clone(), v.clone());
        }
        let mut missing = record(3);
        missing.as_object_mut().unwrap().remove("n");
        let records = vec![record(1), Value::Object(shuffled), missing, record(40)];
        let text = serde_json::to_string(&records)
            .unwrap()
            .replace("\"title\"", "\"ti\\u0074le\"");
        let rows = decode_answer(&decoder(&t), &text).unwrap();
        assert_eq!(
            (0..4).map(|i| rows.id(i)).collect::<Vec<_>>(),
            [Some(1), Some(2), Some(3), Some(40)]
        );
        let want = via_records(&t, &records).unwrap();
        assert_eq!(rows.into_batch().unwrap(), want);
        assert_eq!(want.num_rows(), 4);
    }

    #[test]
    fn the_scanner_reads_kintones_pages_into_the_batch_serde_gives() {
        let t = table(&settings());
        let dec = decoder(&t);
        let records: Vec<Value> = (1..=6).map(record).collect();
        for text in [
            serde_json::to_string(&records).unwrap(),
            serde_json::to_string_pretty(&records).unwrap(),
        ] {
            // `decode_answer` compares the two paths wherever the scanner reads.
            let scanned = kintone_api::scan::records(&dec, &text);
            assert!(scanned.is_some(), "the scanner gave up on {text}");
            let rows = decode_answer(&dec, &text).unwrap();
            assert_eq!(
                rows.into_batch().unwrap(),
                via_records(&t, &records).unwrap()
            );
        }
        // A value its type refuses: the scanner leaves the page to serde.
        let mut bad = records.clone();
        bad[3]["n"]["value"] = json!("abc");
        let text = serde_json::to_string(&bad).unwrap();
        assert!(kintone_api::scan::records(&dec, &text).is_none());
        assert!(decode_answer(&dec, &text).is_err());
    }

    #[test]
    fn keep_cuts_rows_and_ids_together() {
        let t = table(&settings());
        let records: Vec<Value> = (1..=5).map(record).collect();
        let text = serde_json::to_string(&records).unwrap();
        let mut rows = decode_answer(&decoder(&t), &text).unwrap();
        rows.keep(1, 3);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            (rows.id(0), rows.id(2), rows.id(3)),
            (Some(2), Some(4), None)
        );
        let want = via_records(&t, &records[1..4]).unwrap();
        assert_eq!(rows.into_batch().unwrap(), want);
    }

    #[test]
    fn values_that_do_not_fit_fail_as_they_do_read_as_records() {
        let t = table(&settings());
        // Not a number at all: the field's type refuses it, naming the field, and the
        // answer is still read to its end.
        let mut bad = record(2);
        bad["n"]["value"] = json!("abc");
        let text = serde_json::to_string(&vec![record(1), bad.clone(), record(3)]).unwrap();
        let Err(err) = decode_answer(&decoder(&t), &text) else {
            panic!("a value that is not a number was read");
        };
        let want = Record::decode(&bad).unwrap_err().to_string();
        assert_eq!(err, want);
        assert!(err.contains("n:"), "{err}");
        // A number the column cannot hold: the column's error, with its SQLSTATE,
        // raised when the page is taken; the `$id`s are all there for paging.
        let mut huge = record(2);
        huge["n"]["value"] = json!("1e40");
        let records = vec![record(1), huge, record(3)];
        let rows = decode_answer(&decoder(&t), &serde_json::to_string(&records).unwrap()).unwrap();
        assert_eq!(rows.id(2), Some(3));
        let got = rows.into_batch().unwrap_err();
        let want = via_records(&t, &records).unwrap_err();
        assert_eq!(got.message, want.message);
        assert_eq!(got.sqlstate, want.sqlstate);
        // A broken answer is a JSON error (retried by the client), not a value error.
        let cut = &serde_json::to_string(&vec![record(1)]).unwrap()[..60];
        let mut de = serde_json::Deserializer::from_str(cut);
        assert!(decoder(&t).decode(&mut de).is_err());
    }
}
