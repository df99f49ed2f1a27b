//! Kintone values (kintone-api's typed model) → Arrow arrays, per the catalog's types.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};
use datafusion::arrow::array::{
    ArrayRef, Date32Builder, Decimal128Builder, Float64Builder, Int64Builder, StringBuilder,
    Time64NanosecondBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use kintone_api::values::{parse_datetime, Entity, FieldValue, Fields, FileInfo, Record};
use serde_json::json;

use crate::catalog::{Column, Source, Unit, UTC};
use crate::error::{state, SqlError, SqlResult};

enum Builder {
    Int(Int64Builder),
    Text(StringBuilder),
    Dec(Decimal128Builder, i8),
    Float(Float64Builder),
    Date(Date32Builder),
    Time(Time64NanosecondBuilder),
    Ts(TimestampMicrosecondBuilder),
    /// A number shown with its unit (`UseUnitForNumericField`).
    Unit(StringBuilder, Unit),
}

/// What one row offers a column: the record (for `$id`/`$revision`), a subtable row id,
/// and the field value if present.
pub struct RowCtx<'a> {
    pub id: Option<u64>,
    pub revision: Option<u64>,
    pub row_id: Option<&'a str>,
    pub value: Option<&'a FieldValue>,
}

/// Builds one batch column by column.
pub struct BatchBuilder {
    schema: SchemaRef,
    columns: Vec<Column>,
    builders: Vec<Builder>,
    /// Per column, where its field was in the last record (see [`field_at`]).
    hints: Vec<usize>,
    rows: usize,
    separator: String,
}

/// The field `code` of a record, looked for first at `hint`, where the same column's
/// field was in the previous record: the records of one answer list their fields in
/// the same order, so a key comparison replaces a hash lookup per cell.
fn field_at<'r>(fields: &'r Fields, code: &str, hint: &mut usize) -> Option<&'r FieldValue> {
    if let Some((k, v)) = fields.get_index(*hint) {
        if k == code {
            return Some(v);
        }
    }
    let (i, _, v) = fields.get_full(code)?;
    *hint = i;
    Some(v)
}

impl BatchBuilder {
    pub fn new(
        schema: SchemaRef,
        columns: Vec<Column>,
        capacity: usize,
        separator: &str,
    ) -> SqlResult<Self> {
        let builders = columns
            .iter()
            .map(|c| {
                if let Some(u) = &c.unit {
                    let b = StringBuilder::with_capacity(capacity, capacity * 16);
                    return Ok(Builder::Unit(b, u.clone()));
                }
                Ok(match &c.data_type {
                    DataType::Int64 => Builder::Int(Int64Builder::with_capacity(capacity)),
                    DataType::Utf8 => {
                        Builder::Text(StringBuilder::with_capacity(capacity, capacity * 16))
                    }
                    DataType::Decimal128(p, s) => Builder::Dec(
                        Decimal128Builder::with_capacity(capacity)
                            .with_precision_and_scale(*p, *s)
                            .map_err(|e| SqlError::general(e.to_string()))?,
                        *s,
                    ),
                    DataType::Float64 => Builder::Float(Float64Builder::with_capacity(capacity)),
                    DataType::Date32 => Builder::Date(Date32Builder::with_capacity(capacity)),
                    DataType::Time64(TimeUnit::Nanosecond) => {
                        Builder::Time(Time64NanosecondBuilder::with_capacity(capacity))
                    }
                    DataType::Timestamp(TimeUnit::Microsecond, _) => Builder::Ts(
                        TimestampMicrosecondBuilder::with_capacity(capacity).with_timezone(UTC),
                    ),
                    other => {
                        return Err(SqlError::general(format!(
                            "column {} has an unexpected type {other}",
                            c.name
                        )))
                    }
                })
            })
            .collect::<SqlResult<Vec<_>>>()?;
        Ok(BatchBuilder {
            schema,
            hints: vec![0; columns.len()],
            columns,
            builders,
            rows: 0,
            separator: separator.to_string(),
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Appends a record of an app table.
    pub fn push_record(&mut self, r: &Record) -> SqlResult<()> {
        let mut hints = std::mem::take(&mut self.hints);
        let pushed = self.push_row(r.id(), r.revision(), |i, col| match &col.source {
            Source::Field { code, .. } => match hints.get_mut(i) {
                Some(hint) => field_at(&r.fields, code, hint),
                None => r.fields.get(code),
            },
            _ => None,
        });
        self.hints = hints;
        pushed
    }

    /// Appends a record of an app table given as its `$id`, revision and the value of
    /// each field column (`value(i, column)`).
    pub fn push_row<'v>(
        &mut self,
        id: Option<u64>,
        revision: Option<u64>,
        mut value: impl FnMut(usize, &Column) -> Option<&'v FieldValue>,
    ) -> SqlResult<()> {
        for i in 0..self.columns.len() {
            let ctx = RowCtx {
                id,
                revision,
                row_id: None,
                value: self.columns.get(i).and_then(|c| value(i, c)),
            };
            self.push(i, &ctx)?;
        }
        self.rows += 1;
        Ok(())
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Appends every row of the record's subtable `code` (a child table).
    pub fn push_subtable_rows(&mut self, r: &Record, code: &str) -> SqlResult<()> {
        let id = r.id();
        let Some(FieldValue::Subtable(rows)) = r.fields.get(code) else {
            return Ok(());
        };
        for row in rows {
            for i in 0..self.columns.len() {
                let value = match &self.columns[i].source {
                    Source::Field { code, .. } => row.value.get(code),
                    _ => None,
                };
                let ctx = RowCtx {
                    id,
                    revision: None,
                    row_id: row.id.as_deref(),
                    value,
                };
                self.push(i, &ctx)?;
            }
            self.rows += 1;
        }
        Ok(())
    }

    fn push(&mut self, i: usize, ctx: &RowCtx<'_>) -> SqlResult<()> {
        let col = &self.columns[i];
        let sep = &self.separator;
        let bad = |what: &str| {
            SqlError::new(
                state::BAD_CAST,
                format!("column \"{}\" ({}): {what}", col.name, col.code()),
            )
        };
        match &mut self.builders[i] {
            Builder::Int(b) => {
                let v = match &col.source {
                    Source::Id => ctx.id.map(|x| x as i64),
                    Source::Revision => ctx.revision.map(|x| x as i64),
                    Source::RowId => match ctx.row_id {
                        Some(s) => Some(
                            s.trim()
                                .parse::<i64>()
                                .map_err(|_| bad(&format!("row id '{s}' is not a number")))?,
                        ),
                        None => None,
                    },
                    Source::Field { .. } => None,
                };
                b.append_option(v);
            }
            Builder::Text(b) => b.append_option(text_of(ctx.value, sep)),
            Builder::Unit(b, u) => b.append_option(number_text(ctx.value).map(|n| u.show(n))),
            Builder::Dec(b, scale) => {
                let v = match number_text(ctx.value) {
                    None => None,
                    Some(t) => Some(parse_decimal(t, *scale).map_err(|e| {
                        SqlError::new(
                            state::OUT_OF_RANGE,
                            format!(
                                "column \"{}\" ({}): {e}; set NumberMapToDouble=true to read it as a double",
                                col.name,
                                col.code()
                            ),
                        )
                    })?),
                };
                b.append_option(v);
            }
            Builder::Float(b) => {
                let v = match number_text(ctx.value) {
                    None => None,
                    Some(t) => Some(
                        t.trim()
                            .parse::<f64>()
                            .map_err(|_| bad(&format!("'{t}' is not a number")))?,
                    ),
                };
                b.append_option(v);
            }
            Builder::Date(b) => {
                let d = match ctx.value {
                    Some(FieldValue::Date(d)) => *d,
                    Some(FieldValue::Calc(s)) if !s.is_empty() => Some(
                        NaiveDate::parse_from_str(s, "%Y-%m-%d")
                            .map_err(|_| bad(&format!("'{s}' is not a date")))?,
                    ),
                    _ => None,
                };
                b.append_option(d.map(days_since_epoch));
            }
            Builder::Time(b) => {
                let t = match ctx.value {
                    Some(FieldValue::Time(t)) => *t,
                    Some(FieldValue::Calc(s)) if !s.is_empty() => Some(
                        NaiveTime::parse_from_str(s, "%H:%M")
                            .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
                            .map_err(|_| bad(&format!("'{s}' is not a time")))?,
                    ),
                    _ => None,
                };
                b.append_option(t.map(|t| {
                    t.num_seconds_from_midnight() as i64 * 1_000_000_000 + t.nanosecond() as i64
                }));
            }
            Builder::Ts(b) => {
                let t: Option<DateTime<Utc>> = match ctx.value {
                    Some(FieldValue::DateTime(t))
                    | Some(FieldValue::CreatedTime(t))
                    | Some(FieldValue::UpdatedTime(t)) => *t,
                    Some(FieldValue::Calc(s)) if !s.is_empty() => {
                        Some(parse_datetime(s).map_err(|e| bad(&e))?)
                    }
                    _ => None,
                };
                b.append_option(t.map(|t| t.timestamp_micros()));
            }
        }
        Ok(())
    }

    pub fn finish(&mut self) -> SqlResult<RecordBatch> {
        let arrays: Vec<ArrayRef> = self
            .builders
            .iter_mut()
            .map(|b| -> ArrayRef {
                match b {
                    Builder::Int(b) => Arc::new(b.finish()),
                    Builder::Text(b) | Builder::Unit(b, _) => Arc::new(b.finish()),
                    Builder::Dec(b, _) => Arc::new(b.finish()),
                    Builder::Float(b) => Arc::new(b.finish()),
                    Builder::Date(b) => Arc::new(b.finish()),
                    Builder::Time(b) => Arc::new(b.finish()),
                    Builder::Ts(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        let opts = RecordBatchOptions::new().with_row_count(Some(self.rows));
        self.rows = 0;
        RecordBatch::try_new_with_options(self.schema.clone(), arrays, &opts)
            .map_err(|e| SqlError::general(format!("building a batch failed: {e}")))
    }
}

fn days_since_epoch(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (d - epoch).num_days() as i32
}

fn non_empty(s: &str) -> Option<Cow<'_, str>> {
    if s.is_empty() {
        None
    } else {
        Some(Cow::Borrowed(s))
    }
}

fn join_list(items: &[String], sep: &str) -> Option<String> {
    if items.is_empty() {
        None
    } else {
        Some(items.join(sep))
    }
}

fn join_codes(items: &[Entity], sep: &str) -> Option<String> {
    if items.is_empty() {
        None
    } else {
        Some(
            items
                .iter()
                .map(|e| e.code.as_str())
                .collect::<Vec<_>>()
                .join(sep),
        )
    }
}

fn files_json(files: &[FileInfo]) -> Option<String> {
    if files.is_empty() {
        return None;
    }
    let v: Vec<_> = files
        .iter()
        .map(|f| {
            json!({"name": f.name, "size": f.size, "fileKey": f.file_key, "contentType": f.content_type})
        })
        .collect();
    Some(serde_json::Value::Array(v).to_string())
}

/// The text form of any field for a Utf8 column. Text fields are borrowed: this runs
/// once per cell of a read.
pub fn text_of<'a>(v: Option<&'a FieldValue>, sep: &str) -> Option<Cow<'a, str>> {
    Some(match v? {
        FieldValue::RecordNumber(s)
        | FieldValue::SingleLineText(s)
        | FieldValue::MultiLineText(s)
        | FieldValue::RichText(s)
        | FieldValue::Link(s)
        | FieldValue::Calc(s) => return non_empty(s),
        FieldValue::Creator(e) | FieldValue::Modifier(e) => {
            return e.as_ref().and_then(|e| non_empty(&e.code))
        }
        FieldValue::RadioButton(s) | FieldValue::DropDown(s) | FieldValue::Status(s) => {
            return s.as_deref().and_then(non_empty)
        }
        FieldValue::Number(d) => Cow::Borrowed(d.as_ref()?.as_str()),
        FieldValue::Other {
            value: serde_json::Value::String(s),
            ..
        } => return non_empty(s),
        other => Cow::Owned(owned_text(other, sep)?),
    })
}

/// [`text_of`] for the fields whose text is built.
fn owned_text(v: &FieldValue, sep: &str) -> Option<String> {
    match v {
        FieldValue::Id(i) | FieldValue::Revision(i) => Some(i.to_string()),
        FieldValue::CheckBox(l) | FieldValue::MultiSelect(l) | FieldValue::Category(l) => {
            join_list(l, sep)
        }
        FieldValue::UserSelect(l)
        | FieldValue::OrganizationSelect(l)
        | FieldValue::GroupSelect(l)
        | FieldValue::StatusAssignee(l) => join_codes(l, sep),
        FieldValue::File(f) => files_json(f),
        FieldValue::Date(d) => d.map(|d| d.format("%Y-%m-%d").to_string()),
        FieldValue::Time(t) => t.map(|t| t.format("%H:%M").to_string()),
        FieldValue::DateTime(t) | FieldValue::CreatedTime(t) | FieldValue::UpdatedTime(t) => {
            t.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        }
        FieldValue::Other { value, .. } => match value {
            serde_json::Value::Null | serde_json::Value::String(_) => None,
            v => Some(v.to_string()),
        },
        // Borrowed by `text_of`; a subtable has no text.
        _ => None,
    }
}

fn number_text(v: Option<&FieldValue>) -> Option<&str> {
    match v? {
        FieldValue::Number(d) => d.as_ref().map(|d| d.as_str()),
        FieldValue::Calc(s) => Some(s.trim()).filter(|s| !s.is_empty()),
        _ => None,
    }
}

/// Parses a decimal text (sign, digits, fraction, exponent) into an i128 at `scale`,
/// refusing any loss of digits and anything beyond 38 digits. Digit by digit, without
/// building a text: every NUMBER cell of a read comes here.
pub fn parse_decimal(s: &str, scale: i8) -> Result<i128, String> {
    let t = s.trim();
    let not_a_number = || format!("'{s}' is not a number");
    let too_long = || format!("'{s}' has more digits than DECIMAL(38,{scale}) holds");
    let (mant, exp) = match t.find(['e', 'E']) {
        Some(i) => (
            t.get(..i).unwrap_or_default(),
            t.get(i + 1..)
                .unwrap_or_default()
                .parse::<i32>()
                .map_err(|_| not_a_number())?,
        ),
        None => (t, 0),
    };
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mant.strip_prefix('+').unwrap_or(mant)),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(not_a_number());
    }
    let digits = || int.bytes().chain(frac.bytes());
    let count = int.len() + frac.len();
    // value = digits * 10^(exp - frac.len()); at `scale` that is digits * 10^shift.
    let shift = exp as i64 - frac.len() as i64 + scale as i64;
    // The digits kept, and the zeros that follow them.
    let (kept, zeros) = if shift >= 0 {
        (count, shift as u64)
    } else {
        let keep = count.saturating_sub(shift.unsigned_abs() as usize);
        if digits().skip(keep).any(|b| b != b'0') {
            return Err(format!("'{s}' has more than {scale} fraction digits"));
        }
        (keep, 0)
    };
    let significant = || digits().take(kept).skip_while(|b| *b == b'0');
    let length = significant().count() as u64;
    if length == 0 {
        return Ok(0);
    }
    // Past 38 places nothing but zero fits (and an exponent such as 1e2000000000 is
    // refused without counting its zeros).
    if length.saturating_add(zeros) > 38 {
        return Err(too_long());
    }
    let mut v = significant().fold(0i128, |v, b| v * 10 + i128::from(b - b'0'));
    for _ in 0..zeros {
        v *= 10;
    }
    Ok(if neg { -v } else { v })
}

/// Formats an i128 at `scale` as a decimal text without trailing fraction zeros.
pub fn format_decimal(v: i128, scale: i8) -> String {
    if scale <= 0 {
        let mut s = v.to_string();
        for _ in 0..(-scale) {
            s.push('0');
        }
        return s;
    }
    let neg = v < 0;
    let abs = v.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded = if abs.len() <= scale {
        format!("{}{abs}", "0".repeat(scale - abs.len() + 1))
    } else {
        abs
    };
    let (i, f) = padded.split_at(padded.len() - scale);
    let f = f.trim_end_matches('0');
    let body = if f.is_empty() {
        i.to_string()
    } else {
        format!("{i}.{f}")
    };
    if neg && body.bytes().any(|b| b != b'0' && b != b'.') {
        format!("-{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The former parse, through a text of digits: the reference for `parse_decimal`.
    /// Parses a decimal text (sign, digits, fraction, exponent) into an i128 at `scale`,
    /// refusing any loss of digits and anything beyond 38 digits.
    fn parse_decimal_by_text(s: &str, scale: i8) -> Result<i128, String> {
        let t = s.trim();
        let (mant, exp) = match t.find(['e', 'E']) {
            Some(i) => (
                &t[..i],
                t[i + 1..]
                    .parse::<i32>()
                    .map_err(|_| format!("'{s}' is not a number"))?,
            ),
            None => (t, 0),
        };
        let (neg, mant) = match mant.as_bytes().first() {
            Some(b'-') => (true, &mant[1..]),
            Some(b'+') => (false, &mant[1..]),
            _ => (false, mant),
        };
        let (int, frac) = match mant.find('.') {
            Some(i) => (&mant[..i], &mant[i + 1..]),
            None => (mant, ""),
        };
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return Err(format!("'{s}' is not a number"));
        }
        let mut digits: String = format!("{int}{frac}");
        // value = digits * 10^(exp - frac.len()); we want digits * 10^(exp - frac.len() + scale)
        let shift = exp as i64 - frac.len() as i64 + scale as i64;
        if shift >= 0 {
            // Past 38 places nothing but zero fits: refuse before padding, or an exponent
            // such as 1e2000000000 would build a text of that many digits.
            if shift > 38 && digits.bytes().any(|b| b != b'0') {
                return Err(format!(
                    "'{s}' has more digits than DECIMAL(38,{scale}) holds"
                ));
            }
            if shift <= 38 {
                digits.extend(std::iter::repeat_n('0', shift as usize));
            }
        } else {
            let cut = (-shift) as usize;
            let keep = digits.len().saturating_sub(cut);
            if digits[keep..].bytes().any(|b| b != b'0') {
                return Err(format!("'{s}' has more than {scale} fraction digits"));
            }
            digits.truncate(keep);
        }
        let trimmed = digits.trim_start_matches('0');
        if trimmed.len() > 38 {
            return Err(format!(
                "'{s}' has more digits than DECIMAL(38,{scale}) holds"
            ));
        }
        let v: i128 = if trimmed.is_empty() {
            0
        } else {
            trimmed
                .parse()
                .map_err(|_| format!("'{s}' is not a number"))?
        };
        Ok(if neg { -v } else { v })
    }

    /// Every text of a grid of signs, digits, fractions and exponents parses as the
    /// former parse, through a text of digits, parsed it: the same value or an error
    /// with the same words.
    #[test]
    fn the_digit_parse_agrees_with_the_text_parse() {
        let mut n = 0;
        for sign in ["", "-", "+"] {
            for int in [
                "",
                "0",
                "7",
                "00012",
                "123456789012345678901234567890",
                "9".repeat(38).as_str(),
                "1".repeat(39).as_str(),
            ] {
                for frac in [
                    None,
                    Some(""),
                    Some("5"),
                    Some("250"),
                    Some("000"),
                    Some("123456789"),
                ] {
                    for exp in [
                        "",
                        "e0",
                        "E2",
                        "e-3",
                        "e+1",
                        "e29",
                        "e30",
                        "e-40",
                        "e2147483647",
                        "e-2147483648",
                        "e",
                        "ex",
                    ] {
                        for scale in [0i8, 2, 8] {
                            let text = format!(
                                "{sign}{int}{}{exp}",
                                frac.map(|f| format!(".{f}")).unwrap_or_default()
                            );
                            assert_eq!(
                                parse_decimal(&text, scale),
                                parse_decimal_by_text(&text, scale),
                                "{text} at scale {scale}"
                            );
                            n += 1;
                        }
                    }
                }
            }
        }
        for text in [" 1.5 ", "1..2", "1.2.3", "--1", "1e", ".", "-", "1 2", "١٢"] {
            assert_eq!(
                parse_decimal(text, 2),
                parse_decimal_by_text(text, 2),
                "{text}"
            );
        }
        assert!(n > 3000);
    }

    #[test]
    fn decimals_are_exact_or_refused() {
        assert_eq!(parse_decimal("791.9", 8), Ok(79_190_000_000));
        assert_eq!(parse_decimal("-2.5", 8), Ok(-250_000_000));
        assert_eq!(parse_decimal("1.5e1", 2), Ok(1500));
        assert_eq!(
            parse_decimal("123456789012345678901234567890", 8).map(|v| v / 100_000_000),
            Ok(123456789012345678901234567890)
        );
        assert!(parse_decimal("0.123456789", 8).is_err());
        assert_eq!(parse_decimal("0.12345678000", 8), Ok(12_345_678));
        assert!(parse_decimal("abc", 8).is_err());
        assert!(parse_decimal("", 8).is_err());
        assert_eq!(format_decimal(79_190_000_000, 8), "791.9");
        assert_eq!(format_decimal(-250_000_000, 8), "-2.5");
        assert_eq!(format_decimal(5, 8), "0.00000005");
        assert_eq!(format_decimal(0, 8), "0");
    }

    /// The exponent used to size a padding loop, so one NUMBER value such as
    /// `1e2147483647` (valid to Kintone's number syntax) took gigabytes and minutes.
    #[test]
    fn huge_exponents_are_refused_without_padding() {
        let start = std::time::Instant::now();
        assert!(parse_decimal("1e2147483647", 8).is_err());
        assert!(parse_decimal("-9.5E2000000000", 0).is_err());
        assert_eq!(parse_decimal("0e2147483647", 8), Ok(0));
        assert_eq!(parse_decimal("0.000e999999999", 2), Ok(0));
        assert_eq!(parse_decimal("1e29", 8), Ok(10i128.pow(37)));
        assert!(parse_decimal("1e30", 8).is_err());
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
    }
}
