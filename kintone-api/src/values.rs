//! Typed record model for every field type of §8, decoded from and encoded to JSON.
//!
//! Empty values: Kintone sends `null` or `""` depending on the type (§8 note); both
//! decode to `None` / an empty list, and writes send `""` (or `[]`), which every type
//! accepts.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use indexmap::IndexMap;
use serde_json::{json, Map, Value};

use crate::error::{Error, RequestContext, Result};

/// An exact decimal number kept as its text (NUMBER holds up to 30 digits, §8: never an
/// f64). Accepted: optional sign, digits, optional fraction, optional exponent.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decimal(String);

impl Decimal {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The decimal a text holds, taking the text rather than copying it when it has no
    /// surrounding spaces (every NUMBER cell of a read goes through here).
    pub fn from_string(s: String) -> std::result::Result<Self, String> {
        let t = checked_decimal(&s)?;
        if t.len() == s.len() {
            Ok(Decimal(s))
        } else {
            Ok(Decimal(t.to_string()))
        }
    }
}

impl FromStr for Decimal {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        checked_decimal(s).map(|t| Decimal(t.to_string()))
    }
}

/// `s` without surrounding spaces, if that is a decimal number.
fn checked_decimal(s: &str) -> std::result::Result<&str, String> {
    let t = s.trim();
    let b = t.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let digits_from = |mut i: usize| {
        while at(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        i
    };
    let mut i = 0;
    if matches!(at(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_end = digits_from(i);
    let mut digits = int_end - i;
    i = int_end;
    if at(i) == Some(b'.') {
        let frac_end = digits_from(i + 1);
        digits += frac_end - (i + 1);
        i = frac_end;
    }
    if digits == 0 {
        return Err(format!("'{s}' is not a number"));
    }
    if matches!(at(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(at(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_end = digits_from(i);
        if exp_end == i {
            return Err(format!("'{s}' is not a number"));
        }
        i = exp_end;
    }
    if i != b.len() {
        return Err(format!("'{s}' is not a number"));
    }
    Ok(t)
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user, organization or group: `{code, name}` (name absent in requests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entity {
    pub code: String,
    pub name: Option<String>,
}

impl Entity {
    pub fn code(code: impl Into<String>) -> Self {
        Entity {
            code: code.into(),
            name: None,
        }
    }
}

/// An attached file. For writes only `file_key` matters (a key from an upload, or an
/// existing file's key to keep it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInfo {
    pub file_key: String,
    pub name: String,
    pub content_type: String,
    pub size: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SubtableRow {
    /// Row id; `None` for a row to add.
    pub id: Option<String>,
    pub value: IndexMap<String, FieldValue>,
}

/// One field's value, by type.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    Id(u64),
    Revision(u64),
    /// May carry an app-code prefix (`APP-14`).
    RecordNumber(String),
    Creator(Option<Entity>),
    Modifier(Option<Entity>),
    CreatedTime(Option<DateTime<Utc>>),
    UpdatedTime(Option<DateTime<Utc>>),
    SingleLineText(String),
    MultiLineText(String),
    RichText(String),
    Link(String),
    Number(Option<Decimal>),
    /// A number, or a date/time text, depending on the field's `format`.
    Calc(String),
    CheckBox(Vec<String>),
    RadioButton(Option<String>),
    DropDown(Option<String>),
    MultiSelect(Vec<String>),
    File(Vec<FileInfo>),
    Date(Option<NaiveDate>),
    Time(Option<NaiveTime>),
    DateTime(Option<DateTime<Utc>>),
    UserSelect(Vec<Entity>),
    OrganizationSelect(Vec<Entity>),
    GroupSelect(Vec<Entity>),
    Category(Vec<String>),
    Status(Option<String>),
    StatusAssignee(Vec<Entity>),
    Subtable(Vec<SubtableRow>),
    /// A type this client does not know: kept as it came.
    Other {
        field_type: String,
        value: Value,
    },
}

fn ctx_err(msg: String) -> Error {
    Error::decode(&RequestContext::default(), msg)
}

/// A value read as text: null is "", a number its digits; borrowed from a string.
fn text_ref<'a>(v: &'a Value, what: &str) -> Result<Cow<'a, str>> {
    match v {
        Value::Null => Ok(Cow::Borrowed("")),
        Value::String(s) => Ok(Cow::Borrowed(s)),
        Value::Number(n) => Ok(Cow::Owned(n.to_string())),
        other => Err(ctx_err(format!("{what}: expected a string, got {other}"))),
    }
}

fn as_text(v: &Value, what: &str) -> Result<String> {
    text_ref(v, what).map(Cow::into_owned)
}

/// A text, or `None` when it is empty (Kintone sends "" for an unset choice).
fn non_empty(s: String) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

fn text_list(v: &Value, what: &str) -> Result<Vec<String>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(a) => a.iter().map(|x| as_text(x, what)).collect(),
        other => Err(ctx_err(format!("{what}: expected a list, got {other}"))),
    }
}

fn entity(v: &Value, what: &str) -> Result<Option<Entity>> {
    match v {
        Value::Null => Ok(None),
        Value::Object(o) => {
            let code = o
                .get("code")
                .map(|c| as_text(c, what))
                .transpose()?
                .unwrap_or_default();
            let name = o.get("name").map(|c| as_text(c, what)).transpose()?;
            if code.is_empty() && name.as_deref().unwrap_or("").is_empty() {
                return Ok(None);
            }
            Ok(Some(Entity { code, name }))
        }
        other => Err(ctx_err(format!(
            "{what}: expected {{code, name}}, got {other}"
        ))),
    }
}

fn entity_list(v: &Value, what: &str) -> Result<Vec<Entity>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(a) => Ok(a
            .iter()
            .map(|x| entity(x, what))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect()),
        other => Err(ctx_err(format!(
            "{what}: expected a list of users, got {other}"
        ))),
    }
}

/// Parses a Kintone datetime (`2012-01-11T11:30:00Z`, or with an offset).
pub fn parse_datetime(s: &str) -> std::result::Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .or_else(|_| {
            // Offsets without a colon (`+0900`) appear in Kintone's own samples (§6.6).
            DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z").map(|d| d.with_timezone(&Utc))
        })
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%z").map(|d| d.with_timezone(&Utc)))
        .map_err(|e| format!("'{s}' is not a datetime: {e}"))
}

fn datetime_text(s: &str, what: &str) -> Result<Option<DateTime<Utc>>> {
    if s.is_empty() {
        return Ok(None);
    }
    parse_datetime(s)
        .map(Some)
        .map_err(|e| ctx_err(format!("{what}: {e}")))
}

/// `YYYY-MM-DD` as Kintone writes it, without chrono's format parser (a DATE column
/// is read once per record); anything else goes the general way.
fn plain_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b.get(r)?.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

fn date_text(s: &str, what: &str) -> Result<Option<NaiveDate>> {
    if s.is_empty() {
        return Ok(None);
    }
    match plain_date(s) {
        Some(d) => Ok(Some(d)),
        None => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|e| ctx_err(format!("{what}: '{s}' is not a date: {e}"))),
    }
}

fn time_text(s: &str, what: &str) -> Result<Option<NaiveTime>> {
    if s.is_empty() {
        return Ok(None);
    }
    NaiveTime::parse_from_str(s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .map(Some)
        .map_err(|e| ctx_err(format!("{what}: '{s}' is not a time: {e}")))
}

fn id_text(s: &str, what: &str) -> Result<u64> {
    s.trim()
        .parse::<u64>()
        .map_err(|_| ctx_err(format!("{what}: '{s}' is not an id")))
}

fn number_text(s: Cow<'_, str>, what: &str) -> Result<Option<Decimal>> {
    if s.is_empty() {
        return Ok(None);
    }
    Decimal::from_string(s.into_owned())
        .map(Some)
        .map_err(|e| ctx_err(format!("{what}: {e}")))
}

/// How a field of a type that holds one text is made of its value read as text, and
/// the field code for errors.
type FromText = for<'a, 'w> fn(Cow<'a, str>, &'w str) -> Result<FieldValue>;

/// [`FromText`] for the types that hold one text (`None` for the others). A read hands
/// over the answer's own text: an id, date or time is parsed where it lies, and a text
/// moves into the value without a copy.
fn from_text(field_type: &str) -> Option<FromText> {
    let make: FromText = match field_type {
        "__ID__" => |s, what| id_text(&s, what).map(FieldValue::Id),
        "__REVISION__" => |s, what| id_text(&s, what).map(FieldValue::Revision),
        "CREATED_TIME" => |s, what| datetime_text(&s, what).map(FieldValue::CreatedTime),
        "UPDATED_TIME" => |s, what| datetime_text(&s, what).map(FieldValue::UpdatedTime),
        "DATETIME" => |s, what| datetime_text(&s, what).map(FieldValue::DateTime),
        "DATE" => |s, what| date_text(&s, what).map(FieldValue::Date),
        "TIME" => |s, what| time_text(&s, what).map(FieldValue::Time),
        "NUMBER" => |s, what| number_text(s, what).map(FieldValue::Number),
        "RECORD_NUMBER" => |s, _| Ok(FieldValue::RecordNumber(s.into_owned())),
        "SINGLE_LINE_TEXT" => |s, _| Ok(FieldValue::SingleLineText(s.into_owned())),
        "MULTI_LINE_TEXT" => |s, _| Ok(FieldValue::MultiLineText(s.into_owned())),
        "RICH_TEXT" => |s, _| Ok(FieldValue::RichText(s.into_owned())),
        "LINK" => |s, _| Ok(FieldValue::Link(s.into_owned())),
        "CALC" => |s, _| Ok(FieldValue::Calc(s.into_owned())),
        "RADIO_BUTTON" => |s, _| Ok(FieldValue::RadioButton(non_empty(s.into_owned()))),
        "DROP_DOWN" => |s, _| Ok(FieldValue::DropDown(non_empty(s.into_owned()))),
        "STATUS" => |s, _| Ok(FieldValue::Status(non_empty(s.into_owned()))),
        _ => return None,
    };
    Some(make)
}

fn file_list(v: &Value, what: &str) -> Result<Vec<FileInfo>> {
    let Value::Array(items) = v else {
        if v.is_null() {
            return Ok(Vec::new());
        }
        return Err(ctx_err(format!("{what}: expected a list of files")));
    };
    items
        .iter()
        .map(|f| {
            let get = |k: &str| f.get(k).map(|x| as_text(x, what)).transpose();
            let size = get("size")?.filter(|s| !s.is_empty());
            Ok(FileInfo {
                file_key: get("fileKey")?.unwrap_or_default(),
                name: get("name")?.unwrap_or_default(),
                content_type: get("contentType")?.unwrap_or_default(),
                size: match size {
                    None => None,
                    Some(s) => Some(
                        s.parse::<u64>()
                            .map_err(|_| ctx_err(format!("{what}: bad file size '{s}'")))?,
                    ),
                },
            })
        })
        .collect()
}

impl FieldValue {
    /// Decodes `{"type": T, "value": V}` from a record.
    pub fn decode(code: &str, field: &Value) -> Result<FieldValue> {
        let field_type = field.get("type").and_then(Value::as_str).unwrap_or("");
        let null = Value::Null;
        let v = field.get("value").unwrap_or(&null);
        Self::decode_typed(code, field_type, v)
    }

    pub fn decode_typed(code: &str, field_type: &str, v: &Value) -> Result<FieldValue> {
        let what = code;
        if let Some(make) = from_text(field_type) {
            return make(text_ref(v, what)?, what);
        }
        Ok(match field_type {
            "CREATOR" => FieldValue::Creator(entity(v, what)?),
            "MODIFIER" => FieldValue::Modifier(entity(v, what)?),
            "CHECK_BOX" => FieldValue::CheckBox(text_list(v, what)?),
            "MULTI_SELECT" => FieldValue::MultiSelect(text_list(v, what)?),
            "FILE" => FieldValue::File(file_list(v, what)?),
            "USER_SELECT" => FieldValue::UserSelect(entity_list(v, what)?),
            "ORGANIZATION_SELECT" => FieldValue::OrganizationSelect(entity_list(v, what)?),
            "GROUP_SELECT" => FieldValue::GroupSelect(entity_list(v, what)?),
            "CATEGORY" => FieldValue::Category(text_list(v, what)?),
            "STATUS_ASSIGNEE" => FieldValue::StatusAssignee(entity_list(v, what)?),
            "SUBTABLE" => {
                let rows = match v {
                    Value::Null => Vec::new(),
                    Value::Array(rows) => rows
                        .iter()
                        .map(|row| {
                            let id = row.get("id").map(|x| as_text(x, what)).transpose()?;
                            let mut value = IndexMap::new();
                            if let Some(Value::Object(inner)) = row.get("value") {
                                for (k, f) in inner {
                                    value.insert(k.clone(), FieldValue::decode(k, f)?);
                                }
                            }
                            Ok(SubtableRow {
                                id: id.filter(|s| !s.is_empty()),
                                value,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?,
                    other => return Err(ctx_err(format!("{what}: expected rows, got {other}"))),
                };
                FieldValue::Subtable(rows)
            }
            other => FieldValue::Other {
                field_type: other.to_string(),
                value: v.clone(),
            },
        })
    }

    pub fn type_name(&self) -> &str {
        match self {
            FieldValue::Id(_) => "__ID__",
            FieldValue::Revision(_) => "__REVISION__",
            FieldValue::RecordNumber(_) => "RECORD_NUMBER",
            FieldValue::Creator(_) => "CREATOR",
            FieldValue::Modifier(_) => "MODIFIER",
            FieldValue::CreatedTime(_) => "CREATED_TIME",
            FieldValue::UpdatedTime(_) => "UPDATED_TIME",
            FieldValue::SingleLineText(_) => "SINGLE_LINE_TEXT",
            FieldValue::MultiLineText(_) => "MULTI_LINE_TEXT",
            FieldValue::RichText(_) => "RICH_TEXT",
            FieldValue::Link(_) => "LINK",
            FieldValue::Number(_) => "NUMBER",
            FieldValue::Calc(_) => "CALC",
            FieldValue::CheckBox(_) => "CHECK_BOX",
            FieldValue::RadioButton(_) => "RADIO_BUTTON",
            FieldValue::DropDown(_) => "DROP_DOWN",
            FieldValue::MultiSelect(_) => "MULTI_SELECT",
            FieldValue::File(_) => "FILE",
            FieldValue::Date(_) => "DATE",
            FieldValue::Time(_) => "TIME",
            FieldValue::DateTime(_) => "DATETIME",
            FieldValue::UserSelect(_) => "USER_SELECT",
            FieldValue::OrganizationSelect(_) => "ORGANIZATION_SELECT",
            FieldValue::GroupSelect(_) => "GROUP_SELECT",
            FieldValue::Category(_) => "CATEGORY",
            FieldValue::Status(_) => "STATUS",
            FieldValue::StatusAssignee(_) => "STATUS_ASSIGNEE",
            FieldValue::Subtable(_) => "SUBTABLE",
            FieldValue::Other { field_type, .. } => field_type,
        }
    }

    /// The `value` to send in a write, or `None` for types Kintone does not let a client
    /// write (§8: `$id`, `$revision`, record number, calculated, category, status, assignee).
    pub fn encode_value(&self) -> Option<Value> {
        fn dt(d: &Option<DateTime<Utc>>) -> Value {
            match d {
                Some(d) => Value::String(d.to_rfc3339_opts(SecondsFormat::Secs, true)),
                None => Value::String(String::new()),
            }
        }
        fn ents(v: &[Entity]) -> Value {
            Value::Array(v.iter().map(|e| json!({"code": e.code})).collect())
        }
        fn opt(s: &Option<String>) -> Value {
            Value::String(s.clone().unwrap_or_default())
        }
        Some(match self {
            FieldValue::Id(_)
            | FieldValue::Revision(_)
            | FieldValue::RecordNumber(_)
            | FieldValue::Calc(_)
            | FieldValue::Category(_)
            | FieldValue::Status(_)
            | FieldValue::StatusAssignee(_) => return None,
            FieldValue::Creator(e) | FieldValue::Modifier(e) => match e {
                Some(e) => json!({"code": e.code}),
                None => return None,
            },
            FieldValue::CreatedTime(d) | FieldValue::UpdatedTime(d) => match d {
                Some(_) => dt(d),
                None => return None,
            },
            FieldValue::SingleLineText(s)
            | FieldValue::MultiLineText(s)
            | FieldValue::RichText(s)
            | FieldValue::Link(s) => Value::String(s.clone()),
            FieldValue::Number(n) => Value::String(
                n.as_ref()
                    .map(|d| d.as_str().to_string())
                    .unwrap_or_default(),
            ),
            FieldValue::CheckBox(v) | FieldValue::MultiSelect(v) => json!(v),
            FieldValue::RadioButton(s) | FieldValue::DropDown(s) => opt(s),
            FieldValue::File(files) => Value::Array(
                files
                    .iter()
                    .map(|f| json!({"fileKey": f.file_key}))
                    .collect(),
            ),
            FieldValue::Date(d) => Value::String(
                d.map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            ),
            FieldValue::Time(t) => {
                Value::String(t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default())
            }
            FieldValue::DateTime(d) => dt(d),
            FieldValue::UserSelect(v)
            | FieldValue::OrganizationSelect(v)
            | FieldValue::GroupSelect(v) => ents(v),
            FieldValue::Subtable(rows) => Value::Array(
                rows.iter()
                    .map(|row| {
                        let mut inner = Map::new();
                        for (k, f) in &row.value {
                            if let Some(v) = f.encode_value() {
                                inner.insert(k.clone(), json!({ "value": v }));
                            }
                        }
                        let mut r = Map::new();
                        if let Some(id) = &row.id {
                            r.insert("id".into(), Value::String(id.clone()));
                        }
                        r.insert("value".into(), Value::Object(inner));
                        Value::Object(r)
                    })
                    .collect(),
            ),
            FieldValue::Other { value, .. } => value.clone(),
        })
    }
}

/// A field of a record as Kintone sends it, `{"type": T, "value": V}`, before typing.
pub(crate) struct FieldJson<'de> {
    pub(crate) field_type: TypeTag,
    pub(crate) value: FieldJsonValue<'de>,
}

/// A field's value as read: a text of the answer (borrowed where it has no escapes),
/// other JSON, or already the user of a CREATOR or MODIFIER field.
pub(crate) enum FieldJsonValue<'de> {
    Text(Cow<'de, str>),
    Json(Value),
    Entity(Option<Entity>),
}

impl FieldJsonValue<'_> {
    fn into_json(self) -> Value {
        match self {
            FieldJsonValue::Text(s) => Value::String(s.into_owned()),
            FieldJsonValue::Json(v) => v,
            FieldJsonValue::Entity(e) => {
                e.map_or(Value::Null, |e| json!({"code": e.code, "name": e.name}))
            }
        }
    }
}

impl FieldJson<'_> {
    /// The field's value by its type, as [`FieldValue::decode_typed`] makes it of the
    /// same JSON. A text is parsed where it lies or moved into the value, not copied.
    fn typed(self, code: &str) -> Result<FieldValue> {
        typed_value(code, &self.field_type, self.value)
    }
}

pub(crate) fn typed_value(
    code: &str,
    field_type: &TypeTag,
    value: FieldJsonValue<'_>,
) -> Result<FieldValue> {
    let t = field_type.as_str();
    match value {
        FieldJsonValue::Text(s) => match field_type.make {
            Some(make) => make(s, code),
            None => FieldValue::decode_typed(code, t, &Value::String(s.into_owned())),
        },
        FieldJsonValue::Entity(e) if t == "CREATOR" => Ok(FieldValue::Creator(e)),
        FieldJsonValue::Entity(e) if t == "MODIFIER" => Ok(FieldValue::Modifier(e)),
        // A second `type` key after the value: judged as JSON, as ever.
        other => FieldValue::decode_typed(code, t, &other.into_json()),
    }
}

/// A field's `value` as read from an answer: a string stays the answer's text until
/// its type takes it (most cells of a read are strings: ids, numbers, dates, texts).
pub(crate) struct ValueJson<'de>(pub(crate) FieldJsonValue<'de>);

impl<'de> serde::Deserialize<'de> for ValueJson<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor { entity: false })
            .map(ValueJson)
    }
}

/// The value of a CREATOR or MODIFIER field (two in every record): its user is read
/// straight into an `Entity`, without a JSON object of its own.
pub(crate) struct EntityJson<'de>(pub(crate) FieldJsonValue<'de>);

impl<'de> serde::Deserialize<'de> for EntityJson<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor { entity: true })
            .map(EntityJson)
    }
}

/// `entity`: the value of a user field (null is no user, an object is read by
/// [`entity_of_map`]; anything else is JSON for `decode_typed` to judge).
struct ValueVisitor {
    entity: bool,
}

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = FieldJsonValue<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a field value")
    }
    fn visit_borrowed_str<E: serde::de::Error>(
        self,
        v: &'de str,
    ) -> std::result::Result<Self::Value, E> {
        Ok(FieldJsonValue::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
        Ok(FieldJsonValue::Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> std::result::Result<Self::Value, E> {
        Ok(FieldJsonValue::Text(Cow::Owned(v)))
    }
    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(if self.entity {
            FieldJsonValue::Entity(None)
        } else {
            FieldJsonValue::Json(Value::Null)
        })
    }
    fn visit_none<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<Self::Value, E> {
        Ok(FieldJsonValue::Json(Value::Bool(v)))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
        Ok(FieldJsonValue::Json(Value::from(v)))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
        Ok(FieldJsonValue::Json(Value::from(v)))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Self::Value, E> {
        Ok(FieldJsonValue::Json(Value::from(v)))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let d = serde::de::value::SeqAccessDeserializer::new(seq);
        Ok(FieldJsonValue::Json(serde::Deserialize::deserialize(d)?))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        if self.entity {
            return entity_of_map(map);
        }
        let d = serde::de::value::MapAccessDeserializer::new(map);
        Ok(FieldJsonValue::Json(serde::Deserialize::deserialize(d)?))
    }
}

/// Reads one field of a records answer, `{"type": T, "value": V}`, into its typed
/// value, as a record read from the same answer would hold it (for decoders that read
/// an answer straight into their own form, see [`crate::rows`]). `Ok(Err)`: the value
/// does not fit its type.
pub struct TypedField<'a> {
    pub code: &'a str,
}

impl<'de> serde::de::DeserializeSeed<'de> for TypedField<'_> {
    type Value = Result<FieldValue>;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        Ok(<FieldJson<'de> as serde::Deserialize<'de>>::deserialize(d)?.typed(self.code))
    }
}

/// Reads past one field of a records answer that the reader does not keep, typing it
/// only when it is a record's `__ID__` or `__REVISION__` (what [`Record::id`] and
/// [`Record::revision`] look for, whatever the field's code).
pub struct IdField<'a> {
    pub code: &'a str,
}

impl<'de> serde::de::DeserializeSeed<'de> for IdField<'_> {
    type Value = Result<Option<FieldValue>>;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        struct Peek<'a>(&'a str);
        impl<'de> serde::de::Visitor<'de> for Peek<'_> {
            type Value = Result<Option<FieldValue>>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field (a JSON object with type and value)")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut field_type: Option<TypeTag> = None;
                let mut value: Option<FieldJsonValue<'de>> = None;
                while let Some(key) = map.next_key::<Key>()? {
                    let wanted = |t: &Option<TypeTag>| t.as_ref().is_none_or(TypeTag::is_id);
                    match key {
                        Key::Type => field_type = Some(map.next_value()?),
                        // The value is kept only while it may be an id (the type comes
                        // first in Kintone's answers: other fields are skipped unread).
                        Key::Value if wanted(&field_type) => {
                            value = Some(map.next_value::<ValueJson<'de>>()?.0)
                        }
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                let t = field_type.unwrap_or_default();
                Ok(if t.is_id() {
                    let value = value.unwrap_or(FieldJsonValue::Json(Value::Null));
                    typed_value(self.0, &t, value).map(Some)
                } else {
                    Ok(None)
                })
            }
        }
        d.deserialize_map(Peek(self.code))
    }
}

impl<'de> serde::Deserialize<'de> for FieldJson<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Field;
        impl<'de> serde::de::Visitor<'de> for Field {
            type Value = FieldJson<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field (a JSON object with type and value)")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<FieldJson<'de>, A::Error> {
                let mut field_type: Option<TypeTag> = None;
                let mut value = None;
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::Type => field_type = Some(map.next_value()?),
                        // Kintone sends the type first. Then the user of a CREATOR or
                        // MODIFIER field (two in every record) is read straight into an
                        // `Entity`, without a JSON object of its own.
                        Key::Value => {
                            value = Some(if field_type.as_ref().is_some_and(TypeTag::is_user) {
                                map.next_value::<EntityJson<'de>>()?.0
                            } else {
                                map.next_value::<ValueJson<'de>>()?.0
                            })
                        }
                        Key::Code | Key::Name | Key::Other => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(FieldJson {
                    field_type: field_type.unwrap_or_default(),
                    value: value.unwrap_or(FieldJsonValue::Json(Value::Null)),
                })
            }
        }
        d.deserialize_map(Field)
    }
}

/// A key of a field object (`type`, `value`) or of a user object (`code`, `name`),
/// told apart without making a string of it.
enum Key {
    Type,
    Value,
    Code,
    Name,
    Other,
}

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Names;
        impl serde::de::Visitor<'_> for Names {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<Key, E> {
                Ok(match s {
                    "type" => Key::Type,
                    "value" => Key::Value,
                    "code" => Key::Code,
                    "name" => Key::Name,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(Names)
    }
}

/// The value of a CREATOR or MODIFIER field that is an object. `{"code": C, "name": N}`
/// with texts (or nulls, or numbers) becomes the entity `entity` would make of it;
/// anything else is kept as JSON, so `decode_typed` judges it (and words any error) as
/// before.
fn entity_of_map<'de, A: serde::de::MapAccess<'de>>(
    mut map: A,
) -> std::result::Result<FieldJsonValue<'de>, A::Error> {
    let (mut code, mut name) = (None, None);
    while let Some(key) = map.next_key::<Key>()? {
        match key {
            Key::Code => code = Some(map.next_value::<Value>()?),
            Key::Name => name = Some(map.next_value::<Value>()?),
            // `entity` reads `code` and `name` only.
            Key::Type | Key::Value | Key::Other => {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
    }
    let text_like = |v: &Option<Value>| {
        v.as_ref()
            .is_none_or(|v| matches!(v, Value::Null | Value::String(_) | Value::Number(_)))
    };
    if !(text_like(&code) && text_like(&name)) {
        // Not texts: `entity` words the error, naming the field.
        let mut o = Map::new();
        o.extend(code.map(|c| ("code".to_string(), c)));
        o.extend(name.map(|n| ("name".to_string(), n)));
        return Ok(FieldJsonValue::Json(Value::Object(o)));
    }
    let code = code.map(into_text).unwrap_or_default();
    Ok(user_entity(code, name.map(into_text)))
}

/// The user of a CREATOR or MODIFIER field whose object held these texts (as `entity`
/// makes it: no user when both are empty).
pub(crate) fn user_entity<'de>(code: String, name: Option<String>) -> FieldJsonValue<'de> {
    FieldJsonValue::Entity(
        if code.is_empty() && name.as_deref().unwrap_or("").is_empty() {
            None
        } else {
            Some(Entity { code, name })
        },
    )
}

/// What `as_text` makes of a null, string or number, taking a string rather than
/// copying it.
fn into_text(v: Value) -> String {
    match v {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// The field types a record answer carries (`decode_typed`'s cases).
pub const RECORD_TYPES: [&str; 28] = [
    "__ID__",
    "__REVISION__",
    "RECORD_NUMBER",
    "CREATOR",
    "MODIFIER",
    "CREATED_TIME",
    "UPDATED_TIME",
    "SINGLE_LINE_TEXT",
    "MULTI_LINE_TEXT",
    "RICH_TEXT",
    "LINK",
    "NUMBER",
    "CALC",
    "CHECK_BOX",
    "RADIO_BUTTON",
    "DROP_DOWN",
    "MULTI_SELECT",
    "FILE",
    "DATE",
    "TIME",
    "DATETIME",
    "USER_SELECT",
    "ORGANIZATION_SELECT",
    "GROUP_SELECT",
    "CATEGORY",
    "STATUS",
    "STATUS_ASSIGNEE",
    "SUBTABLE",
];

/// A field's `type`, read without an allocation when it is one of [`RECORD_TYPES`]: a
/// page of 500 records carries it once per cell.
/// Its [`FromText`] is looked up once with it: a reader that keeps the tag from record
/// to record (the scanner) then types each text cell without matching the name again.
#[derive(Clone, Default)]
pub(crate) struct TypeTag {
    name: Cow<'static, str>,
    make: Option<FromText>,
}

impl TypeTag {
    pub(crate) fn of(s: &str) -> TypeTag {
        TypeTag {
            name: match RECORD_TYPES.iter().find(|t| **t == s) {
                Some(t) => Cow::Borrowed(*t),
                None => Cow::Owned(s.to_owned()),
            },
            make: from_text(s),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.name
    }

    /// A user field, whose value is read straight into an `Entity`.
    pub(crate) fn is_user(&self) -> bool {
        matches!(self.as_str(), "CREATOR" | "MODIFIER")
    }

    /// What a record's `id` and `revision` look for, whatever the field's code.
    pub(crate) fn is_id(&self) -> bool {
        matches!(self.as_str(), "__ID__" | "__REVISION__")
    }
}

impl<'de> serde::Deserialize<'de> for TypeTag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Tag;
        impl serde::de::Visitor<'_> for Tag {
            type Value = TypeTag;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field type (a string)")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<TypeTag, E> {
                Ok(TypeTag::of(s))
            }
        }
        d.deserialize_str(Tag)
    }
}

/// A record's fields by code. Hashed with foldhash rather than SipHash: every field of
/// every record read is inserted once and looked up once, where SipHash showed in read
/// profiles; field codes come from the customer's own Kintone, not from an attacker
/// choosing collisions (and foldhash is still seeded per process).
pub type Fields = IndexMap<String, FieldValue, foldhash::fast::RandomState>;

/// One record as returned by Kintone: field code → value, in the server's order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Record {
    pub fields: Fields,
}

impl Record {
    pub fn new() -> Self {
        Record::default()
    }

    pub fn decode(v: &Value) -> Result<Record> {
        let Value::Object(o) = v else {
            return Err(ctx_err("a record must be a JSON object".into()));
        };
        let mut fields = Fields::with_capacity_and_hasher(o.len(), Default::default());
        for (k, f) in o {
            fields.insert(k.clone(), FieldValue::decode(k, f)?);
        }
        Ok(Record { fields })
    }

    /// Types the fields of a record read from a records answer (`RecordsBody`).
    pub(crate) fn from_fields(raw: Vec<(String, FieldJson<'_>)>) -> Result<Record> {
        let mut fields = Fields::with_capacity_and_hasher(raw.len(), Default::default());
        for (code, f) in raw {
            let v = f.typed(&code)?;
            fields.insert(code, v);
        }
        Ok(Record { fields })
    }

    /// `$id`, or the `__ID__` field whatever its code.
    pub fn id(&self) -> Option<u64> {
        if let Some(FieldValue::Id(i)) = self.fields.get("$id") {
            return Some(*i);
        }
        self.fields.values().find_map(|f| {
            if let FieldValue::Id(i) = f {
                Some(*i)
            } else {
                None
            }
        })
    }

    pub fn revision(&self) -> Option<u64> {
        self.fields.values().find_map(|f| {
            if let FieldValue::Revision(r) = f {
                Some(*r)
            } else {
                None
            }
        })
    }

    pub fn get(&self, code: &str) -> Option<&FieldValue> {
        self.fields.get(code)
    }

    pub fn set(&mut self, code: impl Into<String>, value: FieldValue) -> &mut Self {
        self.fields.insert(code.into(), value);
        self
    }

    /// The `record` object of a write: `{"code": {"value": ...}}`, without the fields a
    /// client cannot write.
    pub fn encode(&self) -> Value {
        let mut m = Map::new();
        for (k, f) in &self.fields {
            if let Some(v) = f.encode_value() {
                m.insert(k.clone(), json!({ "value": v }));
            }
        }
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        json!({
            "$id": {"type": "__ID__", "value": "14"},
            "$revision": {"type": "__REVISION__", "value": "3"},
            "レコード番号": {"type": "RECORD_NUMBER", "value": "APP-14"},
            "作成者": {"type": "CREATOR", "value": {"code": "sato", "name": "佐藤"}},
            "作成日時": {"type": "CREATED_TIME", "value": "2026-04-23T14:11:00Z"},
            "更新者": {"type": "MODIFIER", "value": {"code": "sato", "name": "佐藤"}},
            "更新日時": {"type": "UPDATED_TIME", "value": "2026-04-23T14:24:00Z"},
            "title": {"type": "SINGLE_LINE_TEXT", "value": "Hello"},
            "memo": {"type": "MULTI_LINE_TEXT", "value": "a\nb"},
            "rich": {"type": "RICH_TEXT", "value": "<b>x</b>"},
            "link": {"type": "LINK", "value": "https://example.com"},
            "amount": {"type": "NUMBER", "value": "123456789012345678901234567890.5"},
            "empty_amount": {"type": "NUMBER", "value": ""},
            "total": {"type": "CALC", "value": "2400"},
            "tags": {"type": "CHECK_BOX", "value": ["A", "B"]},
            "kind": {"type": "RADIO_BUTTON", "value": "A"},
            "kind_null": {"type": "RADIO_BUTTON", "value": null},
            "rank": {"type": "DROP_DOWN", "value": null},
            "multi": {"type": "MULTI_SELECT", "value": []},
            "due": {"type": "DATE", "value": "2026-05-01"},
            "due_null": {"type": "DATE", "value": null},
            "at_time": {"type": "TIME", "value": "11:30"},
            "at": {"type": "DATETIME", "value": "2026-05-01T00:30:00Z"},
            "at_empty": {"type": "DATETIME", "value": ""},
            "owner": {"type": "USER_SELECT", "value": [{"code": "sato", "name": "佐藤"}]},
            "org": {"type": "ORGANIZATION_SELECT", "value": [{"code": "dev", "name": "Dev"}]},
            "grp": {"type": "GROUP_SELECT", "value": []},
            "files": {"type": "FILE", "value": [{"contentType": "text/plain", "fileKey": "k1", "name": "a.txt", "size": "3"}]},
            "items": {"type": "SUBTABLE", "value": [
                {"id": "368", "value": {"name": {"type": "SINGLE_LINE_TEXT", "value": "apple"},
                                         "qty": {"type": "NUMBER", "value": "3"}}}]},
            "ステータス": {"type": "STATUS", "value": "未処理"},
            "作業者": {"type": "STATUS_ASSIGNEE", "value": []},
            "カテゴリー": {"type": "CATEGORY", "value": ["c1"]},
            "future": {"type": "SOMETHING_NEW", "value": {"x": 1}}
        })
    }

    #[test]
    fn plain_dates_read_as_chrono_reads_them() {
        for s in [
            "2024-02-29",
            "2023-02-29",
            "0001-01-01",
            "9999-12-31",
            "2024-13-01",
            "2024-1-01",
            "2024/01/01",
            "+2024-01-01",
            "2024-01-0x",
            "２０２４-01-01",
            "",
        ] {
            let chrono = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            match plain_date(s) {
                Some(d) => assert_eq!(Some(d), chrono, "{s}"),
                // Not plain: the general parser decides, as before.
                None => assert!(chrono.is_none() || s.len() != 10, "{s}"),
            }
        }
        assert_eq!(
            plain_date("2024-02-29"),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        // The fast path types a record's DATE field the same as the general one.
        let r = Record::decode(&json!({"d": {"type": "DATE", "value": "2023-02-28"}})).unwrap();
        assert_eq!(
            r.get("d"),
            Some(&FieldValue::Date(NaiveDate::from_ymd_opt(2023, 2, 28)))
        );
    }

    #[test]
    fn decode_every_type() {
        let r = Record::decode(&sample()).unwrap();
        assert_eq!(r.id(), Some(14));
        assert_eq!(r.revision(), Some(3));
        let g = |k: &str| r.get(k).unwrap().clone();
        assert_eq!(g("レコード番号"), FieldValue::RecordNumber("APP-14".into()));
        assert_eq!(
            g("作成者"),
            FieldValue::Creator(Some(Entity {
                code: "sato".into(),
                name: Some("佐藤".into())
            }))
        );
        assert_eq!(
            g("作成日時"),
            FieldValue::CreatedTime(Some("2026-04-23T14:11:00Z".parse().unwrap()))
        );
        assert_eq!(g("memo"), FieldValue::MultiLineText("a\nb".into()));
        assert_eq!(
            g("amount"),
            FieldValue::Number(Some("123456789012345678901234567890.5".parse().unwrap()))
        );
        assert_eq!(g("empty_amount"), FieldValue::Number(None));
        assert_eq!(g("total"), FieldValue::Calc("2400".into()));
        assert_eq!(
            g("tags"),
            FieldValue::CheckBox(vec!["A".into(), "B".into()])
        );
        assert_eq!(g("kind_null"), FieldValue::RadioButton(None));
        assert_eq!(g("rank"), FieldValue::DropDown(None));
        assert_eq!(g("multi"), FieldValue::MultiSelect(vec![]));
        assert_eq!(
            g("due"),
            FieldValue::Date(NaiveDate::from_ymd_opt(2026, 5, 1))
        );
        assert_eq!(g("due_null"), FieldValue::Date(None));
        assert_eq!(
            g("at_time"),
            FieldValue::Time(NaiveTime::from_hms_opt(11, 30, 0))
        );
        assert_eq!(g("at_empty"), FieldValue::DateTime(None));
        assert_eq!(
            g("owner"),
            FieldValue::UserSelect(vec![Entity {
                code: "sato".into(),
                name: Some("佐藤".into())
            }])
        );
        assert_eq!(g("grp"), FieldValue::GroupSelect(vec![]));
        assert_eq!(
            g("files"),
            FieldValue::File(vec![FileInfo {
                file_key: "k1".into(),
                name: "a.txt".into(),
                content_type: "text/plain".into(),
                size: Some(3)
            }])
        );
        let FieldValue::Subtable(rows) = g("items") else {
            panic!()
        };
        assert_eq!(rows[0].id.as_deref(), Some("368"));
        assert_eq!(
            rows[0].value["qty"],
            FieldValue::Number(Some("3".parse().unwrap()))
        );
        assert_eq!(g("ステータス"), FieldValue::Status(Some("未処理".into())));
        assert_eq!(g("カテゴリー"), FieldValue::Category(vec!["c1".into()]));
        assert!(matches!(g("future"), FieldValue::Other { .. }));
        assert_eq!(g("future").type_name(), "SOMETHING_NEW");
    }

    #[test]
    fn encode_for_write() {
        let r = Record::decode(&sample()).unwrap();
        let e = r.encode();
        for skipped in [
            "$id",
            "$revision",
            "レコード番号",
            "total",
            "ステータス",
            "作業者",
            "カテゴリー",
        ] {
            assert!(e.get(skipped).is_none(), "{skipped} must not be written");
        }
        assert_eq!(e["作成者"], json!({"value": {"code": "sato"}}));
        assert_eq!(e["作成日時"], json!({"value": "2026-04-23T14:11:00Z"}));
        assert_eq!(
            e["amount"],
            json!({"value": "123456789012345678901234567890.5"})
        );
        assert_eq!(e["empty_amount"], json!({"value": ""}));
        assert_eq!(e["rank"], json!({"value": ""}));
        assert_eq!(e["due"], json!({"value": "2026-05-01"}));
        assert_eq!(e["due_null"], json!({"value": ""}));
        assert_eq!(e["at_time"], json!({"value": "11:30"}));
        assert_eq!(e["at"], json!({"value": "2026-05-01T00:30:00Z"}));
        assert_eq!(e["owner"], json!({"value": [{"code": "sato"}]}));
        assert_eq!(e["files"], json!({"value": [{"fileKey": "k1"}]}));
        assert_eq!(e["tags"], json!({"value": ["A", "B"]}));
        assert_eq!(
            e["items"],
            json!({"value": [{"id": "368", "value": {"name": {"value": "apple"}, "qty": {"value": "3"}}}]})
        );
        // A new subtable row has no id.
        let row = SubtableRow {
            id: None,
            value: [(
                "name".to_string(),
                FieldValue::SingleLineText("pear".into()),
            )]
            .into_iter()
            .collect(),
        };
        assert_eq!(
            FieldValue::Subtable(vec![row]).encode_value().unwrap(),
            json!([{"value": {"name": {"value": "pear"}}}])
        );
    }

    #[test]
    fn decimals_are_exact_text() {
        for ok in [
            "0",
            "-1.5",
            "+42",
            "1.5e1",
            "123456789012345678901234567890",
            ".5",
            "5.",
            "1E-3",
        ] {
            assert_eq!(ok.parse::<Decimal>().unwrap().as_str(), ok);
        }
        for bad in ["", "-", "1.2.3", "abc", "1e", "NaN", "inf", "1,000", "0x10"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad}");
        }
        // NUMBER given as a JSON number still decodes exactly.
        let f = FieldValue::decode_typed("n", "NUMBER", &json!(42)).unwrap();
        assert_eq!(f, FieldValue::Number(Some("42".parse().unwrap())));
        assert!(FieldValue::decode_typed("n", "NUMBER", &json!("x1")).is_err());
    }

    #[test]
    fn datetimes_with_offsets() {
        let want: DateTime<Utc> = "2012-02-03T00:00:00Z".parse().unwrap();
        assert_eq!(parse_datetime("2012-02-03T09:00:00+09:00").unwrap(), want);
        assert_eq!(parse_datetime("2012-02-03T09:00:00+0900").unwrap(), want);
        assert!(parse_datetime("2012-02-03").is_err());
        assert!(FieldValue::decode_typed("d", "DATE", &json!("2012-13-01")).is_err());
        assert!(FieldValue::decode_typed("i", "__ID__", &json!("x")).is_err());
        assert!(Record::decode(&json!([])).is_err());
    }

    #[test]
    fn a_records_answer_decodes_as_record_decode_does() {
        let body = serde_json::to_vec(&json!({"records": [sample()], "totalCount": "1"})).unwrap();
        let page =
            crate::endpoints::records::RecordsBody::parse(&crate::rows::RecordDecoder, &body)
                .unwrap();
        let ctx = RequestContext::default();
        let got = page.records(&ctx).unwrap();
        assert_eq!(got, vec![Record::decode(&sample()).unwrap()]);
    }

    fn answer_of(record: &Value) -> Result<Vec<Record>> {
        let body = serde_json::to_vec(&json!({"records": [record]})).unwrap();
        let page =
            crate::endpoints::records::RecordsBody::parse(&crate::rows::RecordDecoder, &body)
                .unwrap();
        page.records(&RequestContext::default())
    }

    #[test]
    fn edge_values_in_a_records_answer_decode_as_record_decode_does() {
        // The answer's own paths: texts moved out of the JSON, users read straight into
        // entities when the type comes first, JSON otherwise.
        let record = json!({
            "n_spaces": {"type": "NUMBER", "value": " 5 "},
            "n_empty": {"type": "NUMBER", "value": ""},
            "n_json": {"type": "NUMBER", "value": 42},
            "dd_empty": {"type": "DROP_DOWN", "value": ""},
            "dd": {"type": "DROP_DOWN", "value": "b"},
            "rb": {"type": "RADIO_BUTTON", "value": "x"},
            "st_empty": {"type": "STATUS", "value": ""},
            "c_null": {"type": "CREATOR", "value": null},
            "c_blank": {"type": "CREATOR", "value": {"code": "", "name": null}},
            "c_name_only": {"type": "CREATOR", "value": {"name": "N"}},
            "c_null_name": {"type": "CREATOR", "value": {"code": "a", "name": null}},
            "c_extra": {"type": "MODIFIER", "value": {"code": 7, "name": "x", "extra": [1]}},
            "c_code_only": {"type": "MODIFIER", "value": {"code": "a"}},
            "c_twice": {"type": "MODIFIER", "value": {"code": "a", "code": "b"}},
            "v_first": {"value": {"code": "b", "name": "B"}, "type": "CREATOR"},
            "no_type": {"value": "x"},
            // Texts read where they lie in the answer, or unescaped first.
            "id_spaces": {"type": "__ID__", "value": " 12 "},
            "id_json": {"type": "__REVISION__", "value": 3},
            "t_quoted": {"type": "SINGLE_LINE_TEXT", "value": "say \"hi\"\n"},
            "t_null": {"type": "MULTI_LINE_TEXT", "value": null},
            "t_json": {"type": "LINK", "value": 12.5},
            "rn": {"type": "RECORD_NUMBER", "value": "EV-1"},
            "calc": {"type": "CALC", "value": "3.5"},
            "d": {"type": "DATE", "value": "2024-02-29"},
            "d_empty": {"type": "DATE", "value": ""},
            "d_null": {"type": "DATE", "value": null},
            "tm": {"type": "TIME", "value": "09:30"},
            "ts": {"type": "DATETIME", "value": "2025-01-01T09:00:00+09:00"},
            "ts_empty": {"type": "UPDATED_TIME", "value": ""},
            "ct": {"type": "CREATED_TIME", "value": "2012-01-11T11:30:00Z"},
        });
        let got = answer_of(&record).unwrap();
        let want = Record::decode(&record).unwrap();
        assert_eq!(got, vec![want.clone()]);
        assert_eq!(
            want.get("n_spaces"),
            Some(&FieldValue::Number(Some("5".parse().unwrap())))
        );
        assert_eq!(
            want.get("c_null_name"),
            Some(&FieldValue::Creator(Some(Entity {
                code: "a".into(),
                name: Some(String::new())
            })))
        );
        assert_eq!(want.get("c_blank"), Some(&FieldValue::Creator(None)));
        assert_eq!(want.get("dd_empty"), Some(&FieldValue::DropDown(None)));
        // Values no type accepts fail both ways, with the same words and field code.
        for bad in [
            json!({"type": "CREATOR", "value": "sato"}),
            json!({"type": "CREATOR", "value": {"code": ["x"], "name": "n"}}),
            json!({"type": "MODIFIER", "value": [1, {"code": "a"}]}),
            json!({"type": "MODIFIER", "value": {"code": "a", "name": {"x": 1}}}),
            json!({"type": "CREATOR", "value": true}),
            json!({"type": "CREATOR", "value": 1.5}),
            json!({"type": "NUMBER", "value": "1,000"}),
            json!({"type": "NUMBER", "value": " "}),
            json!({"type": "__ID__", "value": "x1"}),
            json!({"type": "__ID__", "value": null}),
            json!({"type": "__REVISION__", "value": [1]}),
            json!({"type": "SINGLE_LINE_TEXT", "value": true}),
            json!({"type": "STATUS", "value": ["a"]}),
            json!({"type": "DATE", "value": "2024-02-30"}),
            json!({"type": "TIME", "value": "25:00"}),
            json!({"type": "DATETIME", "value": "yesterday"}),
            json!({"type": "CREATED_TIME", "value": {"at": 1}}),
        ] {
            let record = json!({ "the_field": bad });
            let direct = Record::decode(&record).unwrap_err().to_string();
            let answered = answer_of(&record).unwrap_err().to_string();
            assert!(direct.contains("the_field"), "{direct}");
            assert!(answered.contains(&direct), "{bad}: {answered} / {direct}");
        }
        // Escapes inside a date, an id and a number: unescaped, then typed the same.
        let body = br#"{"records": [{"d": {"type": "DATE", "value": "2024\u002d02-29"},
            "i": {"type": "__ID__", "value": "\u0031\u0032"},
            "n": {"type": "NUMBER", "value": "1\u002e5"}}]}"#;
        let page = crate::endpoints::records::RecordsBody::parse(&crate::rows::RecordDecoder, body)
            .unwrap();
        let got = page.records(&RequestContext::default()).unwrap();
        let want = Record::decode(&json!({
            "d": {"type": "DATE", "value": "2024-02-29"},
            "i": {"type": "__ID__", "value": "12"},
            "n": {"type": "NUMBER", "value": "1.5"},
        }))
        .unwrap();
        assert_eq!(got, vec![want]);
    }
}
