//! SQL values → Kintone field values for writes: the read mapping of `catalog` turned
//! around, so what a SELECT shows can be written back as it is.
//!
//! Values arrive in whatever type the statement gave them (a literal, a parameter bound
//! as text, a column of another table): the conversion to the field's type happens here,
//! one value at a time, so an error names the column and the row instead of failing a
//! whole batch somewhere inside the engine.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::ScalarValue;
use kintone_api::values::{Decimal, Entity, FieldValue, FileInfo};

use crate::catalog::{Column, Source, Unit, UTC};

/// Whether a value is for a new record (creator and creation time may be set: §4.3) or
/// for an existing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    New,
    Existing,
}

/// The Kintone value of `v` for `col`. `Err` is the reason in words, without the column
/// and row (the caller adds them).
pub fn field_value(
    col: &Column,
    v: &ScalarValue,
    separator: &str,
    target: Target,
) -> Result<FieldValue, String> {
    let Source::Field { field_type, .. } = &col.source else {
        return Err(read_only_reason(col.field_type()));
    };
    let null = v.is_null();
    let text = || text_of(v);
    Ok(match field_type.as_str() {
        "SINGLE_LINE_TEXT" => FieldValue::SingleLineText(text()?),
        "MULTI_LINE_TEXT" => FieldValue::MultiLineText(text()?),
        "RICH_TEXT" => FieldValue::RichText(text()?),
        "LINK" => FieldValue::Link(text()?),
        "NUMBER" => FieldValue::Number(number(v, col.unit.as_ref())?),
        "RADIO_BUTTON" => FieldValue::RadioButton(non_empty(text()?)),
        "DROP_DOWN" => FieldValue::DropDown(non_empty(text()?)),
        "CHECK_BOX" => FieldValue::CheckBox(items(&text()?, separator)),
        "MULTI_SELECT" => FieldValue::MultiSelect(items(&text()?, separator)),
        "USER_SELECT" => FieldValue::UserSelect(entities(&text()?, separator)),
        "ORGANIZATION_SELECT" => FieldValue::OrganizationSelect(entities(&text()?, separator)),
        "GROUP_SELECT" => FieldValue::GroupSelect(entities(&text()?, separator)),
        "FILE" => FieldValue::File(file_keys(&text()?, separator)?),
        "DATE" => FieldValue::Date(date(v)?),
        "TIME" => FieldValue::Time(time(v)?),
        "DATETIME" => FieldValue::DateTime(timestamp(v)?),
        // Kintone takes these on a new record only, from an app administrator (§4.3);
        // empty means "the caller and now", so NULL is simply left out by the caller.
        "CREATOR" | "MODIFIER" if target == Target::New && !null => {
            let e = Some(Entity::code(text()?));
            if field_type == "CREATOR" {
                FieldValue::Creator(e)
            } else {
                FieldValue::Modifier(e)
            }
        }
        "CREATED_TIME" | "UPDATED_TIME" if target == Target::New && !null => {
            let t = timestamp(v)?;
            if field_type == "CREATED_TIME" {
                FieldValue::CreatedTime(t)
            } else {
                FieldValue::UpdatedTime(t)
            }
        }
        other => return Err(read_only_reason(other)),
    })
}

/// Whether a NULL for this column means "leave it out" rather than "make it empty":
/// the columns Kintone fills itself.
pub fn skips_null(col: &Column) -> bool {
    !matches!(
        col.field_type(),
        "SINGLE_LINE_TEXT"
            | "MULTI_LINE_TEXT"
            | "RICH_TEXT"
            | "LINK"
            | "NUMBER"
            | "RADIO_BUTTON"
            | "DROP_DOWN"
            | "CHECK_BOX"
            | "MULTI_SELECT"
            | "USER_SELECT"
            | "ORGANIZATION_SELECT"
            | "GROUP_SELECT"
            | "FILE"
            | "DATE"
            | "TIME"
            | "DATETIME"
    )
}

/// Kintone keeps DATETIME and TIME to the minute (§8: seconds sent are dropped).
pub fn drops_seconds(v: &FieldValue) -> bool {
    use chrono::Timelike;
    match v {
        FieldValue::DateTime(Some(t)) => t.second() != 0 || t.nanosecond() != 0,
        FieldValue::Time(Some(t)) => t.second() != 0 || t.nanosecond() != 0,
        _ => false,
    }
}

fn read_only_reason(field_type: &str) -> String {
    let what = match field_type {
        "__ID__" => "the record id, which Kintone assigns",
        "__REVISION__" => "the revision, which Kintone counts",
        "__ROW_ID__" => "the subtable row id, which Kintone assigns",
        "RECORD_NUMBER" => "the record number, which Kintone assigns",
        "CALC" => "a calculated field",
        "STATUS" => "the process status (use the UpdateStatus procedure)",
        "STATUS_ASSIGNEE" => "the assignees (use the UpdateAssignees procedure)",
        "CATEGORY" => "the categories, which the API cannot write",
        "CREATOR" | "MODIFIER" | "CREATED_TIME" | "UPDATED_TIME" => {
            "set by Kintone on every change (it can be given only when adding a record)"
        }
        _ => "not writable through the API",
    };
    format!("is read-only: {what}")
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Text of any scalar: strings as they are, numbers and dates as SQL shows them.
fn text_of(v: &ScalarValue) -> Result<String, String> {
    if v.is_null() {
        return Ok(String::new());
    }
    match v {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => Ok(s.clone()),
        ScalarValue::Binary(_)
        | ScalarValue::LargeBinary(_)
        | ScalarValue::BinaryView(_)
        | ScalarValue::FixedSizeBinary(..) => {
            Err("binary data cannot be written to a text field".into())
        }
        ScalarValue::Decimal128(..) | ScalarValue::Decimal256(..) => Ok(decimal_text(v)?),
        other => Ok(other.to_string()),
    }
}

/// The items of a multi-value text, split by the connection's separator (the way reads
/// join them). Blank items are dropped: `"a,,b"` and `"a, b"` both mean a and b.
fn items(s: &str, separator: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split(separator)
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn entities(s: &str, separator: &str) -> Vec<Entity> {
    items(s, separator).into_iter().map(Entity::code).collect()
}

/// File keys: the JSON array a read shows (`[{"fileKey": ...}]`), or keys joined by the
/// separator (what `UploadFile` returns).
fn file_keys(s: &str, separator: &str) -> Result<Vec<FileInfo>, String> {
    let keys: Vec<String> = if s.trim_start().starts_with('[') {
        let v: serde_json::Value =
            serde_json::from_str(s).map_err(|e| format!("is not a JSON list of files: {e}"))?;
        let arr = v.as_array().cloned().unwrap_or_default();
        arr.iter()
            .map(|f| {
                f.get("fileKey")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| "lists a file without its \"fileKey\"".to_string())
            })
            .collect::<Result<_, _>>()?
    } else {
        items(s, separator)
    };
    Ok(keys
        .into_iter()
        .map(|file_key| FileInfo {
            file_key,
            name: String::new(),
            content_type: String::new(),
            size: None,
        })
        .collect())
}

/// NUMBER is exact: decimal text is sent as written (checked), decimals digit for
/// digit, floats by their shortest exact text. Never through a binary double. Text may
/// carry the field's unit (`UseUnitForNumericField` shows it), which is not sent.
fn number(v: &ScalarValue, unit: Option<&Unit>) -> Result<Option<Decimal>, String> {
    if v.is_null() {
        return Ok(None);
    }
    let text = match v {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => {
            let s = unit.map_or(s.trim(), |u| u.strip(s));
            if s.is_empty() {
                return Ok(None);
            }
            s.to_string()
        }
        ScalarValue::Decimal128(..) | ScalarValue::Decimal256(..) => decimal_text(v)?,
        ScalarValue::Float64(Some(f)) if f.is_finite() => f.to_string(),
        ScalarValue::Float32(Some(f)) if f.is_finite() => f.to_string(),
        ScalarValue::Float64(_) | ScalarValue::Float32(_) => {
            return Err("is not a finite number".into())
        }
        ScalarValue::Boolean(_) => return Err("is a boolean, not a number".into()),
        other if other.data_type().is_integer() => other.to_string(),
        other => return Err(format!("is {}, not a number", other.data_type())),
    };
    text.parse::<Decimal>()
        .map(Some)
        .map_err(|_| format!("'{text}' is not a number"))
}

/// A decimal's exact digits, without trailing fraction zeros (`12.50000000` is `12.5`).
fn decimal_text(v: &ScalarValue) -> Result<String, String> {
    let (digits, scale) = match v {
        ScalarValue::Decimal128(Some(x), _, s) => (x.to_string(), *s),
        ScalarValue::Decimal256(Some(x), _, s) => (x.to_string(), *s),
        _ => return Ok(String::new()),
    };
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(d) => ("-", d.to_string()),
        None => ("", digits),
    };
    if scale <= 0 {
        let zeros = "0".repeat(usize::from(scale.unsigned_abs()));
        return Ok(format!("{sign}{digits}{zeros}"));
    }
    let scale = usize::from(scale.unsigned_abs());
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    let frac = frac.trim_end_matches('0');
    Ok(if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    })
}

/// `v` converted by the engine's cast rules, with the reason when it does not convert.
fn cast(v: &ScalarValue, t: &DataType, what: &str) -> Result<ScalarValue, String> {
    if let ScalarValue::Utf8(Some(s))
    | ScalarValue::LargeUtf8(Some(s))
    | ScalarValue::Utf8View(Some(s)) = v
    {
        if s.trim().is_empty() {
            return ScalarValue::try_from(t).map_err(|e| e.to_string());
        }
    }
    v.cast_to(t).map_err(|_| match v {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => {
            format!("'{s}' is not {what}")
        }
        other => format!("{} cannot be written as {what}", other.data_type()),
    })
}

fn date(v: &ScalarValue) -> Result<Option<NaiveDate>, String> {
    match cast(v, &DataType::Date32, "a date (YYYY-MM-DD)")? {
        ScalarValue::Date32(Some(d)) => Ok(NaiveDate::from_num_days_from_ce_opt(d + 719_163)),
        _ => Ok(None),
    }
}

fn time(v: &ScalarValue) -> Result<Option<NaiveTime>, String> {
    match cast(v, &DataType::Time64(TimeUnit::Nanosecond), "a time (HH:MM)")? {
        ScalarValue::Time64Nanosecond(Some(ns)) => {
            let secs = u32::try_from(ns / 1_000_000_000).map_err(|_| "is not a time of day")?;
            NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)
                .map(Some)
                .ok_or_else(|| "is not a time of day".into())
        }
        _ => Ok(None),
    }
}

/// A timestamp in UTC. One without a zone is taken as UTC, the zone every DATETIME column
/// reads in.
fn timestamp(v: &ScalarValue) -> Result<Option<DateTime<Utc>>, String> {
    let t = DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into()));
    match cast(v, &t, "a timestamp (YYYY-MM-DD HH:MM:SS, UTC)")? {
        ScalarValue::TimestampMicrosecond(Some(us), _) => DateTime::from_timestamp_micros(us)
            .map(Some)
            .ok_or_else(|| "is out of the timestamp range".into()),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::DataType;

    fn col(field_type: &str) -> Column {
        Column {
            name: "c".into(),
            source: Source::Field {
                code: "c".into(),
                field_type: field_type.into(),
            },
            data_type: DataType::Utf8,
            nullable: true,
            calc_format: None,
            options: Vec::new(),
            label: "c".into(),
            max_length: None,
            unique: false,
            unit: None,
        }
    }

    fn enc(t: &str, v: ScalarValue) -> Result<FieldValue, String> {
        field_value(&col(t), &v, ",", Target::New)
    }

    fn utf8(s: &str) -> ScalarValue {
        ScalarValue::Utf8(Some(s.into()))
    }

    #[test]
    fn numbers_stay_exact() {
        let n = |v| match enc("NUMBER", v) {
            Ok(FieldValue::Number(Some(d))) => d.as_str().to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            n(utf8("123456789012345678901234.5678")),
            "123456789012345678901234.5678"
        );
        assert_eq!(n(ScalarValue::Decimal128(Some(1250000000), 38, 8)), "12.5");
        assert_eq!(n(ScalarValue::Decimal128(Some(-5), 38, 2)), "-0.05");
        assert_eq!(n(ScalarValue::Decimal128(Some(7), 38, -2)), "700");
        assert_eq!(n(ScalarValue::Float64(Some(0.1))), "0.1");
        assert_eq!(n(ScalarValue::Int64(Some(-42))), "-42");
        assert!(matches!(
            enc("NUMBER", ScalarValue::Utf8(None)),
            Ok(FieldValue::Number(None))
        ));
        assert_eq!(
            enc("NUMBER", utf8("12,5")).err().as_deref(),
            Some("'12,5' is not a number")
        );
        assert!(enc("NUMBER", ScalarValue::Float64(Some(f64::NAN))).is_err());
    }

    #[test]
    fn multi_values_split_by_the_separator() {
        assert_eq!(
            enc("CHECK_BOX", utf8("a, b,,c")),
            Ok(FieldValue::CheckBox(vec![
                "a".into(),
                "b".into(),
                "c".into()
            ]))
        );
        assert_eq!(
            enc("MULTI_SELECT", ScalarValue::Utf8(None)),
            Ok(FieldValue::MultiSelect(vec![]))
        );
        assert_eq!(
            enc("USER_SELECT", utf8("sato,alice")),
            Ok(FieldValue::UserSelect(vec![
                Entity::code("sato"),
                Entity::code("alice")
            ]))
        );
        match enc(
            "FILE",
            utf8(r#"[{"fileKey":"k1","name":"a.txt"},{"fileKey":"k2"}]"#),
        ) {
            Ok(FieldValue::File(f)) => {
                assert_eq!(
                    f.iter().map(|x| x.file_key.as_str()).collect::<Vec<_>>(),
                    ["k1", "k2"]
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(enc("FILE", utf8(r#"[{"name":"a.txt"}]"#)).is_err());
    }

    #[test]
    fn dates_and_times_convert_or_say_why() {
        assert_eq!(
            enc("DATE", utf8("2026-02-28")),
            Ok(FieldValue::Date(NaiveDate::from_ymd_opt(2026, 2, 28)))
        );
        assert_eq!(
            enc("DATE", utf8("2026-02-30")).err().as_deref(),
            Some("'2026-02-30' is not a date (YYYY-MM-DD)")
        );
        assert_eq!(
            enc("TIME", utf8("09:30:00")),
            Ok(FieldValue::Time(NaiveTime::from_hms_opt(9, 30, 0)))
        );
        let want = DateTime::from_timestamp(1_767_225_600, 0);
        assert_eq!(
            enc("DATETIME", utf8("2026-01-01 00:00:00")),
            Ok(FieldValue::DateTime(want))
        );
        assert_eq!(
            enc("DATETIME", utf8("2026-01-01T09:00:00+09:00")),
            Ok(FieldValue::DateTime(want))
        );
        assert_eq!(enc("DATETIME", utf8("")), Ok(FieldValue::DateTime(None)));
    }

    #[test]
    fn read_only_columns_say_so() {
        let e = enc("CALC", ScalarValue::Int64(Some(1)))
            .err()
            .unwrap_or_default();
        assert!(e.contains("read-only") && e.contains("calculated"), "{e}");
        let e = enc("STATUS", utf8("Done")).err().unwrap_or_default();
        assert!(e.contains("UpdateStatus"), "{e}");
        assert!(field_value(&col("CREATOR"), &utf8("sato"), ",", Target::Existing).is_err());
        assert_eq!(
            enc("CREATOR", utf8("sato")),
            Ok(FieldValue::Creator(Some(Entity::code("sato"))))
        );
        assert!(skips_null(&col("CREATOR")) && !skips_null(&col("DATE")));
    }
}
