//! A records answer read by hand, for the one shape Kintone sends.
//!
//! Through serde every cell of a page, `{"type":"T","value":V}`, costs two keys parsed
//! and matched, a type looked up among 28 names and a visitor per value: about 190 ns
//! a cell, four times what tokenising the page alone costs, and most of a scan's CPU.
//! Here the scanner expects that shape (keys in Kintone's order, the type first) and
//! reads it where it lies: codes and texts are borrowed slices of the answer, and a
//! cell's type is compared with the type at the same place in the previous record.
//!
//! It accepts only what serde_json accepts and gives what the serde path gives:
//! anything else (another key order, an escaped key, a value that does not fit its
//! type, broken JSON) makes it give up (`None`), and the answer is read again through
//! serde, which stays the reference for errors. Values other than texts and nulls
//! (lists, users, subtables, numbers) are parsed by serde_json from their own slice.

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde_json::Value;

use crate::endpoints::records::RecordsBody;
use crate::rows::RowsDecoder;
use crate::values::{
    typed_value, user_entity, EntityJson, FieldJson, FieldJsonValue, FieldValue, TypeTag, ValueJson,
};

/// A position in an answer's text.
struct Cursor<'de> {
    text: &'de str,
    pos: usize,
}

impl<'de> Cursor<'de> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Skips whitespace, then takes `byte` if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        self.ws();
        let next = self.peek() == Some(byte);
        if next {
            self.pos += 1;
        }
        next
    }

    /// `eat`, as an `Option` for `?`: `None` when `byte` is not next.
    fn need(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// Skips whitespace, then takes `word` (a key with its quotes, `null`) if it is next.
    fn eat_word(&mut self, word: &str) -> bool {
        self.ws();
        let next = self
            .text
            .as_bytes()
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(word.as_bytes()));
        if next {
            self.pos += word.len();
        }
        next
    }

    /// The end of the string that starts at `start` (after its closing quote), and
    /// whether it holds an escape. `None`: a control character (serde_json refuses it)
    /// or no end.
    fn string_end(&self, start: usize) -> Option<(usize, bool)> {
        let bytes = self.text.as_bytes();
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            match *bytes.get(i)? {
                b'"' => return Some((i + 1, escaped)),
                b'\\' => {
                    escaped = true;
                    i += 2;
                }
                b if b < 0x20 => return None,
                _ => i += 1,
            }
        }
    }

    /// A string's text, borrowed when it has no escapes (then serde_json unescapes it).
    fn string(&mut self) -> Option<Cow<'de, str>> {
        self.ws();
        if self.peek() != Some(b'"') {
            return None;
        }
        let (end, escaped) = self.string_end(self.pos)?;
        let text = if escaped {
            Cow::Owned(serde_json::from_str::<String>(self.text.get(self.pos..end)?).ok()?)
        } else {
            Cow::Borrowed(self.text.get(self.pos + 1..end - 1)?)
        };
        self.pos = end;
        Some(text)
    }

    /// A string without escapes (keys, types): an escaped one is left to serde.
    fn plain_string(&mut self) -> Option<&'de str> {
        match self.string()? {
            Cow::Borrowed(s) => Some(s),
            Cow::Owned(_) => None,
        }
    }

    /// The text of the value at `self.pos`, which it then passes. Its end is found by
    /// brackets and quotes alone (no recursion): the caller has serde_json parse the
    /// slice, which is what judges it.
    fn value_slice(&mut self) -> Option<&'de str> {
        self.ws();
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let end = match *bytes.get(start)? {
            b'"' => self.string_end(start)?.0,
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut i = start;
                loop {
                    match *bytes.get(i)? {
                        b'"' => {
                            i = self.string_end(i)?.0;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                break i + 1;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            _ => {
                let mut i = start;
                while bytes.get(i).is_some_and(|b| {
                    !matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                }) {
                    i += 1;
                }
                i
            }
        };
        self.pos = end;
        self.text.get(start..end)
    }

    /// The value at `self.pos` parsed by serde_json.
    fn json<T: serde::Deserialize<'de>>(&mut self) -> Option<T> {
        serde_json::from_str(self.value_slice()?).ok()
    }
}

/// Reads a whole records answer (`{"records": [...], "totalCount": .., "next": ..}`) as
/// [`RecordsBody::parse`] does through serde, or `None` to leave it to that path.
pub(crate) fn answer<D: RowsDecoder>(decoder: &D, bytes: &[u8]) -> Option<RecordsBody<D::Rows>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut c = Cursor { text, pos: 0 };
    let mut body = RecordsBody::empty();
    let mut read_records = false;
    c.need(b'{')?;
    if !c.eat(b'}') {
        loop {
            let key = c.plain_string()?;
            c.need(b':')?;
            match key {
                // A second `records` is left to serde (which keeps the last).
                "records" if read_records => return None,
                "records" => {
                    read_records = true;
                    if !c.eat_word("null") {
                        let mut scan = RecordsScan::new(c);
                        let rows = decoder.scan(&mut scan)?;
                        c = scan.c;
                        body.records = Some(Ok(rows));
                    }
                }
                "totalCount" => body.total_count = c.json::<Value>()?,
                "next" => body.next = c.json::<Value>()?,
                _ => {
                    c.json::<IgnoredAny>()?;
                }
            }
            if !c.eat(b',') {
                c.need(b'}')?;
                break;
            }
        }
    }
    c.ws();
    (c.pos == text.len()).then_some(body)
}

/// The `records` array of an answer, for a [`RowsDecoder::scan`]: records, then their
/// fields' codes, then each field read as the decoder needs it. Every method gives
/// `None` where the answer leaves the expected shape: the decoder then gives up too.
pub struct RecordsScan<'de> {
    c: Cursor<'de>,
    /// Per place in a record, the type text last seen there and its tag.
    types: Vec<(&'de str, TypeTag)>,
    /// The place in the current record of the next field.
    at: usize,
}

impl<'de> RecordsScan<'de> {
    fn new(c: Cursor<'de>) -> Self {
        RecordsScan {
            c,
            types: Vec::new(),
            at: 0,
        }
    }

    /// Opens the array.
    pub fn begin(&mut self) -> Option<()> {
        self.c.need(b'[')
    }

    /// Opens the next record: `Some(true)`, or `Some(false)` at the end of the array.
    pub fn next_record(&mut self, first: bool) -> Option<bool> {
        if self.c.eat(b']') {
            return Some(false);
        }
        if !first {
            self.c.need(b',')?;
        }
        self.c.need(b'{')?;
        self.at = 0;
        Some(true)
    }

    /// The code of the record's next field, or `Some(None)` at its end.
    pub fn next_code(&mut self) -> Option<Option<&'de str>> {
        if self.c.eat(b'}') {
            return Some(None);
        }
        if self.at > 0 {
            self.c.need(b',')?;
        }
        let code = self.c.plain_string()?;
        self.c.need(b':')?;
        Some(Some(code))
    }

    /// The field's `{"type": T, "value": ` up to its value: its type.
    fn head(&mut self) -> Option<TypeTag> {
        self.c.need(b'{')?;
        if !self.c.eat_word("\"type\"") {
            return None;
        }
        self.c.need(b':')?;
        let text = self.c.plain_string()?;
        self.c.need(b',')?;
        if !self.c.eat_word("\"value\"") {
            return None;
        }
        self.c.need(b':')?;
        let at = self.at;
        self.at += 1;
        if let Some((seen, tag)) = self.types.get(at) {
            if *seen == text {
                return Some(tag.clone());
            }
        }
        let tag = TypeTag::of(text);
        let entry = (text, tag.clone());
        match self.types.get_mut(at) {
            Some(e) => *e = entry,
            None => self.types.push(entry),
        }
        Some(tag)
    }

    /// The field's value (as `FieldJson`'s visitor reads it) and the field's end.
    fn value(&mut self, t: &TypeTag) -> Option<FieldJsonValue<'de>> {
        self.c.ws();
        let value = match self.c.peek()? {
            b'"' => FieldJsonValue::Text(self.c.string()?),
            _ if self.c.eat_word("null") => match t.is_user() {
                true => FieldJsonValue::Entity(None),
                false => FieldJsonValue::Json(Value::Null),
            },
            _ if t.is_user() => match self.user() {
                Some(user) => user,
                None => self.c.json::<EntityJson<'de>>()?.0,
            },
            _ => self.c.json::<ValueJson<'de>>()?.0,
        };
        self.c.need(b'}')?;
        Some(value)
    }

    /// A user as Kintone sends it, `{"code": C, "name": N}` with texts; `None` (and
    /// the position unmoved) for any other shape, which serde then reads.
    fn user(&mut self) -> Option<FieldJsonValue<'de>> {
        let start = self.c.pos;
        let mut read = || {
            self.c.need(b'{')?;
            self.c.eat_word("\"code\"").then_some(())?;
            self.c.need(b':')?;
            let code = self.c.string()?;
            self.c.need(b',')?;
            self.c.eat_word("\"name\"").then_some(())?;
            self.c.need(b':')?;
            let name = self.c.string()?;
            self.c.need(b'}')?;
            Some(user_entity(code.into_owned(), Some(name.into_owned())))
        };
        let user = read();
        if user.is_none() {
            self.c.pos = start;
        }
        user
    }

    /// The field as it came, for a [`crate::Record`].
    pub(crate) fn raw(&mut self) -> Option<FieldJson<'de>> {
        let field_type = self.head()?;
        let value = self.value(&field_type)?;
        Some(FieldJson { field_type, value })
    }

    /// The field typed, as [`crate::values::TypedField`] reads it. A value that does not
    /// fit its type is `None`: serde then words the error.
    pub fn typed(&mut self, code: &str) -> Option<FieldValue> {
        let t = self.head()?;
        let value = self.value(&t)?;
        typed_value(code, &t, value).ok()
    }

    /// The field typed only when it is an `__ID__` or `__REVISION__`, as
    /// [`crate::values::IdField`] reads it; else read past.
    pub fn id_only(&mut self, code: &str) -> Option<Option<FieldValue>> {
        let t = self.head()?;
        if t.is_id() {
            let value = self.value(&t)?;
            return typed_value(code, &t, value).ok().map(Some);
        }
        self.c.json::<IgnoredAny>()?;
        self.c.need(b'}')?;
        Some(None)
    }

    /// Every record as it came (for [`crate::rows::RecordDecoder`]).
    pub(crate) fn records(&mut self) -> Option<Vec<crate::Record>> {
        self.begin()?;
        let mut out = Vec::new();
        let mut first = true;
        while self.next_record(first)? {
            first = false;
            let mut fields = Vec::new();
            while let Some(code) = self.next_code()? {
                let field = self.raw()?;
                fields.push((code.to_owned(), field));
            }
            out.push(crate::Record::from_fields(fields).ok()?);
        }
        Some(out)
    }
}

/// Reads a `records` array alone, as an answer holding it would be read by hand
/// (`None`: left to serde). For tests and benchmarks that compare the two paths.
pub fn records<D: RowsDecoder>(decoder: &D, records_json: &str) -> Option<D::Rows> {
    let mut scan = RecordsScan::new(Cursor {
        text: records_json,
        pos: 0,
    });
    let rows = decoder.scan(&mut scan)?;
    scan.c.ws();
    (scan.c.pos == records_json.len()).then_some(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::RecordDecoder;
    use crate::values::Record;
    use serde_json::json;

    type Body = RecordsBody<Vec<Record>>;

    fn parts(b: &Body) -> (Option<Result<Vec<Record>, String>>, Value, Value) {
        (b.records.clone(), b.total_count.clone(), b.next.clone())
    }

    /// The scanner's reading of `text` (`None`: it gave up), after checking that it is
    /// what serde makes of the same text.
    fn scanned(text: &str) -> Option<Body> {
        let got = answer(&RecordDecoder, text.as_bytes())?;
        match Body::parse_serde(&RecordDecoder, text.as_bytes()) {
            Ok(want) => assert!(
                parts(&got) == parts(&want),
                "scanner and serde differ on {text}"
            ),
            Err(e) => panic!("the scanner read what serde refuses ({e}): {text}"),
        }
        Some(got)
    }

    /// A record with a field of every shape a read meets.
    fn record(id: u64) -> Value {
        json!({
            "$id": {"type": "__ID__", "value": id.to_string()},
            "$revision": {"type": "__REVISION__", "value": "3"},
            "title": {"type": "SINGLE_LINE_TEXT", "value": format!("Say \"hi\"\n\t✓ {id}")},
            "n": {"type": "NUMBER", "value": "-12.50"},
            "none": {"type": "DROP_DOWN", "value": null},
            "empty": {"type": "NUMBER", "value": ""},
            "at": {"type": "DATETIME", "value": "2025-01-01T09:00:00+09:00"},
            "day": {"type": "DATE", "value": "2024-02-29"},
            "by": {"type": "CREATOR", "value": {"code": "sato", "name": "佐藤 \\ 太郎"}},
            "nobody": {"type": "MODIFIER", "value": {"code": "", "name": ""}},
            "odd_user": {"type": "MODIFIER", "value": {"name": "N", "code": "c", "x": 1}},
            "tags": {"type": "CHECK_BOX", "value": ["a", "b"]},
            "who": {"type": "USER_SELECT", "value": [{"code": "u", "name": "U"}]},
            "files": {"type": "FILE", "value": []},
            "rows": {"type": "SUBTABLE", "value": [
                {"id": "7", "value": {"q": {"type": "NUMBER", "value": "2"}}}
            ]},
            "new": {"type": "SOMETHING_NEW", "value": {"k": [1, 2.5, true]}}
        })
    }

    fn page() -> Value {
        json!({"records": [record(1), record(2), record(30)], "totalCount": "3", "next": false})
    }

    #[test]
    fn kintones_answers_are_read_by_the_scanner_as_serde_reads_them() {
        let compact = page().to_string();
        let body = scanned(&compact).expect("the scanner gave up on Kintone's own shape");
        let records = body.records.unwrap().unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[2].id(), Some(30));
        assert_eq!(
            records[0].fields["title"],
            FieldValue::SingleLineText("Say \"hi\"\n\t✓ 1".into())
        );
        assert_eq!(body.total_count, json!("3"));
        // Whitespace anywhere JSON allows it.
        let pretty = serde_json::to_string_pretty(&page()).unwrap();
        assert!(scanned(&pretty).is_some());
        assert!(scanned(&format!(" \n{compact}\r\n ")).is_some());
        // Other answers: no records, null records, no other keys, an empty list.
        assert!(scanned(r#"{}"#).unwrap().records.is_none());
        assert!(scanned(r#"{"records": null, "next": true}"#)
            .unwrap()
            .records
            .is_none());
        let empty = scanned(r#"{"records":[],"extra":{"a":[1,{}]}}"#).unwrap();
        assert_eq!(empty.records, Some(Ok(vec![])));
    }

    #[test]
    fn what_the_scanner_does_not_read_is_left_to_serde() {
        let compact = page().to_string();
        let gives_up = [
            // Value before type, an escaped key, a second `records`.
            compact.replacen(
                r#"{"type":"NUMBER","value":"-12.50"}"#,
                r#"{"value":"-12.50","type":"NUMBER"}"#,
                1,
            ),
            compact.replacen(r#""title""#, r#""ti\u0074le""#, 1),
            r#"{"records":[],"records":[]}"#.to_string(),
            // A value that does not fit its type: serde words the error.
            compact.replacen(r#""-12.50""#, r#""twelve""#, 1),
            // Broken JSON: serde words that error too.
            compact.replacen(r#""3"}"#, r#""3",}"#, 1),
            compact[..compact.len() - 1].to_string(),
            compact.replacen("Say", "S\u{1}ay", 1),
            format!("{compact}x"),
        ];
        for text in gives_up {
            assert!(answer(&RecordDecoder, text.as_bytes()).is_none(), "{text}");
        }
        // Through `parse` the same answers still read (or fail) as serde has them.
        let text = compact.replacen(r#""-12.50""#, r#""twelve""#, 1);
        let body = Body::parse(&RecordDecoder, text.as_bytes()).unwrap();
        let err = body.records.unwrap().unwrap_err();
        assert!(err.contains("n:"), "{err}");
    }

    /// Small changes to a page, byte by byte: wherever the scanner still reads the
    /// result, serde reads it too and to the same records.
    #[test]
    fn mangled_answers_are_read_alike_or_left_to_serde() {
        let text = page().to_string();
        let bytes = text.as_bytes();
        let pieces: [&[u8]; 12] = [
            b"{", b"}", b"[", b"]", b"\"", b",", b":", b"\\", b" ", b"null", b"1", b"x",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut read, mut tried) = (0, 0);
        for _ in 0..3000 {
            let at = next(bytes.len());
            let mut m = bytes[..at].to_vec();
            match next(3) {
                0 => m.extend_from_slice(&bytes[at + 1..]),
                1 => {
                    m.extend_from_slice(pieces[next(pieces.len())]);
                    m.extend_from_slice(&bytes[at..]);
                }
                _ => {
                    let piece = pieces[next(pieces.len())];
                    m.extend_from_slice(piece);
                    m.extend_from_slice(&bytes[(at + piece.len()).min(bytes.len())..]);
                }
            }
            let Ok(m) = String::from_utf8(m) else {
                continue;
            };
            tried += 1;
            if scanned(&m).is_some() {
                read += 1;
            }
        }
        // Some changes leave valid answers (inside texts, whitespace), most do not.
        assert!(
            tried > 2000 && read > 100 && read < tried,
            "{read} of {tried}"
        );
    }
}
