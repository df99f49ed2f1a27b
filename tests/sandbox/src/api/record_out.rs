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
//!
//! The text of each record is kept between reads ([`crate::model::TextCache`]): written
//! afresh, the pages of a 20,000-record scan took the sandbox about a quarter of the
//! time the driver took to read them, where the benchmark of issue #15 wants the server
//! at least five times faster than its clients. A record's text holds every field of the
//! live form; a request that names fields copies the ones it names from it, or, for a
//! record not read whole yet, writes them without keeping anything.

use super::write::{empty_value, record_number, scalar_str, unwrap_inner};
use crate::model::{field_type_of, App, FieldType, Json, Record, RecordText};
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
    /// Every column of the live form: what a record's kept text holds.
    all: Vec<Column<'a>>,
    /// The parts of a record's text this answer takes (`$id`, `$revision`, then `all`),
    /// or `None` for every part.
    parts: Option<Vec<usize>>,
}

impl<'a> RecordWriter<'a> {
    pub fn new(app: &'a App, fields: Option<&[String]>) -> RecordWriter<'a> {
        let wanted = |code: &str| fields.is_none_or(|f| f.iter().any(|c| c == code));
        let all = form_columns(app);
        let (id, revision) = (wanted("$id"), wanted("$revision"));
        let taken = [id, revision]
            .into_iter()
            .chain(all.iter().map(|c| wanted(c.code)));
        let parts: Vec<usize> = taken
            .enumerate()
            .filter_map(|(i, w)| w.then_some(i))
            .collect();
        let columns = all
            .iter()
            .filter(|c| wanted(c.code))
            .map(|c| Column {
                empty: c.empty.clone(),
                ..*c
            })
            .collect();
        RecordWriter {
            app,
            id,
            revision,
            columns,
            parts: (parts.len() < all.len() + 2).then_some(parts),
            all,
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
        let key = (rec.revision, self.app.live.revision);
        out.push(b'{');
        match (&self.parts, rec.text.get(key)) {
            (None, kept) => {
                let kept = kept.unwrap_or_else(|| {
                    let mut body = Vec::with_capacity(1024);
                    let mut ends = Vec::with_capacity(self.all.len() + 2);
                    self.write_fields(rec, (true, true), &self.all, &mut body, Some(&mut ends));
                    rec.text.put(RecordText::new(key, body, ends))
                });
                out.extend_from_slice(kept.body());
            }
            (Some(parts), Some(kept)) => {
                for (n, part) in parts.iter().filter_map(|&i| kept.part(i)).enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(part);
                }
            }
            // A few fields of a record not read whole yet: written as they are, not
            // made whole to be kept (an `IN` list of ids would pay for every field).
            (Some(_), None) => {
                self.write_fields(rec, (self.id, self.revision), &self.columns, out, None)
            }
        }
        out.push(b'}');
    }

    /// Appends `"code":{"type":..,"value":..}` for `$id` and `$revision` (as `system`
    /// says) and `columns`, comma-separated; `ends` gets where each one ends.
    fn write_fields(
        &self,
        rec: &Record,
        system: (bool, bool),
        columns: &[Column<'_>],
        out: &mut Vec<u8>,
        mut ends: Option<&mut Vec<usize>>,
    ) {
        let mut first = true;
        let mut part =
            |out: &mut Vec<u8>, code: &str, ftype: &str, write: &dyn Fn(&mut Vec<u8>)| {
                if !std::mem::take(&mut first) {
                    out.push(b',');
                }
                text(out, code);
                out.extend_from_slice(b":{\"type\":");
                text(out, ftype);
                out.extend_from_slice(b",\"value\":");
                write(out);
                out.push(b'}');
                if let Some(ends) = ends.as_deref_mut() {
                    ends.push(out.len());
                }
            };
        if system.0 {
            part(out, "$id", "__ID__", &|out| text(out, &rec.id.to_string()));
        }
        if system.1 {
            part(out, "$revision", "__REVISION__", &|out| {
                text(out, &rec.revision.to_string())
            });
        }
        for c in columns {
            part(out, c.code, c.ftype.as_str(), &|out| match c.ftype {
                FieldType::RecordNumber => text(out, &record_number(self.app, rec.id)),
                FieldType::Subtable => value(out, &subtable_json(c.props, rec.values.get(c.code))),
                _ => value(out, rec.values.get(c.code).unwrap_or(&c.empty)),
            });
        }
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

/// The fields of the live form that records carry, in form order.
fn form_columns(app: &App) -> Vec<Column<'_>> {
    let process = app.process_enabled();
    let mut columns = Vec::new();
    for (code, props) in &app.live.fields {
        let Some(ftype) = field_type_of(props) else {
            continue;
        };
        if !ftype.has_value() {
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
    columns
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
            // Named fields before and after the records were read whole: written as
            // they are, then taken from the kept texts.
            let named = [Some(limited.as_slice()), Some(&[][..])];
            for fields in named.into_iter().chain([None]).chain(named) {
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

    /// A record's text is made once per revision of the record and of the live form,
    /// and a request that names fields takes its parts of the same text.
    #[test]
    fn kept_text_follows_record_and_form_revisions() {
        let mut domain = crate::demo::demo_domain(300);
        let app = domain
            .apps
            .values_mut()
            .find(|a| !a.records.is_empty())
            .expect("a demo app with records");
        let code = app
            .live
            .fields
            .iter()
            .find(|(_, p)| field_type_of(p) == Some(FieldType::SingleLineText))
            .map(|(c, _)| c.clone())
            .expect("a text field");
        let id = *app.records.keys().next().expect("a record");
        let read = |app: &App| {
            let mut out = Vec::new();
            RecordWriter::new(app, None).write(&app.records[&id], &mut out);
            String::from_utf8(out).unwrap()
        };
        let set = |app: &mut App, text: &str| {
            let rec = app.records.get_mut(&id).unwrap();
            rec.values.insert(code.clone(), json!(text));
        };
        set(app, "first");
        assert!(read(app).contains("\"first\""));
        // The same revisions: the kept text is read, not the values.
        set(app, "second");
        assert!(read(app).contains("\"first\""));
        app.records.get_mut(&id).unwrap().revision += 1;
        let text = read(app);
        assert!(
            text.contains("\"second\"") && !text.contains("\"first\""),
            "{text}"
        );
        set(app, "third");
        app.live.revision += 1;
        assert!(read(app).contains("\"third\""));
        // A clone does not share the kept text.
        let mut copy = app.records[&id].clone();
        copy.values.insert(code.clone(), json!("fourth"));
        let mut out = Vec::new();
        RecordWriter::new(app, None).write(&copy, &mut out);
        assert!(String::from_utf8(out).unwrap().contains("\"fourth\""));
        // A request naming fields takes its parts, in the form's order.
        let fields = [code.clone(), "$id".to_string()];
        let w = RecordWriter::new(app, Some(&fields));
        let mut out = Vec::new();
        w.write(&app.records[&id], &mut out);
        let parsed: Json = serde_json::from_slice(&out).unwrap();
        assert_eq!(parsed, w.value(&app.records[&id]));
        assert_eq!(parsed.as_object().map(|o| o.len()), Some(2), "{parsed}");
        assert_eq!(parsed[&code]["value"], json!("third"));
    }
}
