//! Records as the API returns them (§4.1, §8), built either as a JSON value or written
//! straight to JSON text.
//!
//! A 500-record page built as `serde_json::Value` trees spends most of its time
//! allocating and freeing small maps, more than finding the records (issue #15). The
//! list APIs (records.json, cursor reads) therefore write the text directly from the
//! stored values; [`RecordWriter::value`] builds the same record as a value for the
//! callers that embed it in a larger answer. Both walk one column list, computed once
//! per request, so they cannot disagree on which fields appear or in what order
//! (`tests::text_equals_value` checks that they produce the same text).

use super::write::{empty_value, record_number, scalar_str, unwrap_inner};
use crate::model::{field_type_of, App, FieldType, Json, Record};
use serde_json::{json, Map, Value};

/// One output field of the live form.
struct Column<'a> {
    code: &'a str,
    ftype: FieldType,
    props: &'a Json,
    /// The §8 empty value, for fields without a stored value.
    empty: Json,
}

/// Which fields a request returns, in response order: `$id`, `$revision`, then every
/// field of the live form that carries a value. `fields` limits the output to the
/// named top-level codes (unknown codes and subtable inner codes name nothing).
pub struct RecordWriter<'a> {
    app: &'a App,
    id: bool,
    revision: bool,
    columns: Vec<Column<'a>>,
}

impl<'a> RecordWriter<'a> {
    pub fn new(app: &'a App, fields: Option<&[String]>) -> RecordWriter<'a> {
        let wanted = |code: &str| fields.is_none_or(|f| f.iter().any(|c| c == code));
        let process = app.process_enabled();
        let mut columns = Vec::new();
        for (code, props) in &app.live.fields {
            let Some(ftype) = field_type_of(props) else {
                continue;
            };
            if !ftype.has_value() || !wanted(code) {
                continue;
            }
            let enabled = props.get("enabled").and_then(Value::as_bool);
            match ftype {
                FieldType::Status | FieldType::StatusAssignee if !process => continue,
                FieldType::Category if enabled != Some(true) => continue,
                _ => {}
            }
            columns.push(Column {
                code,
                ftype,
                props,
                empty: empty_value(ftype),
            });
        }
        RecordWriter {
            app,
            id: wanted("$id"),
            revision: wanted("$revision"),
            columns,
        }
    }

    /// The record as a JSON value.
    pub fn value(&self, rec: &Record) -> Json {
        let mut out = Map::new();
        if self.id {
            out.insert(
                "$id".into(),
                json!({"type": "__ID__", "value": rec.id.to_string()}),
            );
        }
        if self.revision {
            out.insert(
                "$revision".into(),
                json!({"type": "__REVISION__", "value": rec.revision.to_string()}),
            );
        }
        for c in &self.columns {
            let value = match c.ftype {
                FieldType::RecordNumber => json!(record_number(self.app, rec.id)),
                FieldType::Subtable => subtable_json(c.props, rec.values.get(c.code)),
                _ => rec.values.get(c.code).unwrap_or(&c.empty).clone(),
            };
            out.insert(
                c.code.to_string(),
                json!({"type": c.ftype.as_str(), "value": value}),
            );
        }
        Value::Object(out)
    }

    /// Appends the record as JSON text, the same text `value(rec).to_string()` gives.
    pub fn write(&self, rec: &Record, out: &mut Vec<u8>) {
        let mut first = true;
        let mut open = |out: &mut Vec<u8>, code: &str, ftype: &str| {
            out.push(if first { b'{' } else { b',' });
            first = false;
            text(out, code);
            out.extend_from_slice(b":{\"type\":");
            text(out, ftype);
            out.extend_from_slice(b",\"value\":");
        };
        if self.id {
            open(out, "$id", "__ID__");
            text(out, &rec.id.to_string());
            out.push(b'}');
        }
        if self.revision {
            open(out, "$revision", "__REVISION__");
            text(out, &rec.revision.to_string());
            out.push(b'}');
        }
        for c in &self.columns {
            open(out, c.code, c.ftype.as_str());
            match c.ftype {
                FieldType::RecordNumber => text(out, &record_number(self.app, rec.id)),
                FieldType::Subtable => value(out, &subtable_json(c.props, rec.values.get(c.code))),
                _ => value(out, rec.values.get(c.code).unwrap_or(&c.empty)),
            }
            out.push(b'}');
        }
        if first {
            out.push(b'{');
        }
        out.push(b'}');
    }

    /// `{"records":[...]` followed by `tail` members, e.g. `,"next":true}`: the body of
    /// a list answer.
    pub fn page<'r>(&self, records: impl Iterator<Item = &'r Record>, tail: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 * 1024);
        out.extend_from_slice(b"{\"records\":[");
        for (i, rec) in records.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.write(rec, &mut out);
        }
        out.push(b']');
        out.extend_from_slice(tail.as_bytes());
        out.push(b'}');
        out
    }
}

// Writing to a Vec cannot fail, and a `Value` always serialises.
fn text(out: &mut Vec<u8>, s: &str) {
    let _ = serde_json::to_writer(&mut *out, s);
}

fn value(out: &mut Vec<u8>, v: &Json) {
    let _ = serde_json::to_writer(&mut *out, v);
}

/// A SUBTABLE value: every row with every inner field, stored values unwrapped.
fn subtable_json(props: &Json, stored: Option<&Json>) -> Json {
    let inner = props.get("fields").and_then(Value::as_object);
    let mut rows = Vec::new();
    for row in stored.and_then(Value::as_array).into_iter().flatten() {
        let id = row.get("id").and_then(scalar_str).unwrap_or_default();
        let vals = row.get("value");
        let mut m = Map::new();
        for (code, p) in inner.into_iter().flatten() {
            let Some(t) = field_type_of(p) else {
                continue;
            };
            let v = vals
                .and_then(|v| v.get(code))
                .map(unwrap_inner)
                .unwrap_or_else(|| empty_value(t));
            m.insert(code.clone(), json!({"type": t.as_str(), "value": v}));
        }
        rows.push(json!({"id": id, "value": Value::Object(m)}));
    }
    Value::Array(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_equals_value() {
        let domain = crate::demo::demo_domain(300);
        for app in domain.apps.values() {
            let codes: Vec<String> = app.live.fields.keys().take(3).cloned().collect();
            let limited = [codes, vec!["$id".into(), "nope".into()]].concat();
            for fields in [None, Some(limited.as_slice()), Some(&[][..])] {
                let w = RecordWriter::new(app, fields);
                for rec in app.records.values() {
                    let mut out = Vec::new();
                    w.write(rec, &mut out);
                    assert_eq!(String::from_utf8(out).unwrap(), w.value(rec).to_string());
                }
                let page = w.page(app.records.values().take(3), ",\"next\":false");
                let parsed: Json = serde_json::from_slice(&page).unwrap();
                let want: Vec<Json> = app.records.values().take(3).map(|r| w.value(r)).collect();
                assert_eq!(parsed, json!({"records": want, "next": false}));
            }
        }
    }
}
