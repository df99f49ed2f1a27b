//! One Arrow cell as a [`Val`]: the common middle of every conversion.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use kintone_sql::arrow::array::{Array, AsArray};
use kintone_sql::arrow::datatypes::*;
use kintone_sql::arrow::util::display::{ArrayFormatter, FormatOptions};

use super::numeric::{pow10, Num};
use super::ConvError;

/// Text borrows the Arrow array's bytes: a cell is read once per `SQLGetData`, and
/// copying every string first showed in profiles (issue 15, P2).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val<'a> {
    Null,
    Text(Cow<'a, str>),
    Bytes(Vec<u8>),
    Num(Num),
    Bool(bool),
    Date(NaiveDate),
    Time(NaiveTime),
    /// UTC wall-clock time; the u8 is the column's fraction digits (text form).
    Ts(NaiveDateTime, u8),
}

impl Val<'_> {
    /// What kind of value this is, for messages (never the value itself).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Val::Null => "NULL",
            Val::Text(_) => "text",
            Val::Bytes(_) => "binary",
            Val::Num(_) => "numeric",
            Val::Bool(_) => "bit",
            Val::Date(_) => "date",
            Val::Time(_) => "time",
            Val::Ts(..) => "timestamp",
        }
    }
}

fn overflow(what: &str) -> ConvError {
    ConvError::new("22008", format!("datetime field overflow: {what}"))
}

fn internal(dt: &DataType) -> ConvError {
    ConvError::new("HY000", format!("column data does not match its type {dt}"))
}

macro_rules! prim {
    ($array:expr, $t:ty, $row:expr) => {
        $array.as_primitive_opt::<$t>().map(|a| a.value($row))
    };
}

/// The value at `row`. Types with no ODBC counterpart become their Arrow text form.
/// Inlined into its callers for the reason `render` is.
#[inline(always)]
pub(crate) fn cell(array: &dyn Array, row: usize) -> Result<Val<'_>, ConvError> {
    if row >= array.len() {
        return Err(ConvError::new(
            "HY000",
            format!("row {row} is past the {} rows of the batch", array.len()),
        ));
    }
    if array.is_null(row) {
        return Ok(Val::Null);
    }
    let dt = array.data_type();
    let bad = || internal(dt);
    let int = |v: Option<i128>| v.map(|v| Val::Num(Num::Int(v))).ok_or_else(bad);
    Ok(match dt {
        DataType::Null => Val::Null,
        DataType::Utf8 => Val::Text(
            array
                .as_string_opt::<i32>()
                .ok_or_else(bad)?
                .value(row)
                .into(),
        ),
        DataType::LargeUtf8 => Val::Text(
            array
                .as_string_opt::<i64>()
                .ok_or_else(bad)?
                .value(row)
                .into(),
        ),
        DataType::Utf8View => Val::Text(
            array
                .as_string_view_opt()
                .ok_or_else(bad)?
                .value(row)
                .into(),
        ),
        DataType::Int8 => int(prim!(array, Int8Type, row).map(i128::from))?,
        DataType::Int16 => int(prim!(array, Int16Type, row).map(i128::from))?,
        DataType::Int32 => int(prim!(array, Int32Type, row).map(i128::from))?,
        DataType::Int64 => int(prim!(array, Int64Type, row).map(i128::from))?,
        DataType::UInt8 => int(prim!(array, UInt8Type, row).map(i128::from))?,
        DataType::UInt16 => int(prim!(array, UInt16Type, row).map(i128::from))?,
        DataType::UInt32 => int(prim!(array, UInt32Type, row).map(i128::from))?,
        DataType::UInt64 => int(prim!(array, UInt64Type, row).map(i128::from))?,
        DataType::Float16 => Val::Num(Num::Float(
            prim!(array, Float16Type, row).ok_or_else(bad)?.to_f64(),
        )),
        DataType::Float32 => Val::Num(Num::Float(f64::from(
            prim!(array, Float32Type, row).ok_or_else(bad)?,
        ))),
        DataType::Float64 => Val::Num(Num::Float(prim!(array, Float64Type, row).ok_or_else(bad)?)),
        DataType::Decimal32(_, s) => {
            decimal(prim!(array, Decimal32Type, row).map(i128::from), *s, dt)?
        }
        DataType::Decimal64(_, s) => {
            decimal(prim!(array, Decimal64Type, row).map(i128::from), *s, dt)?
        }
        DataType::Decimal128(_, s) => decimal(prim!(array, Decimal128Type, row), *s, dt)?,
        DataType::Decimal256(_, s) => {
            let v = prim!(array, Decimal256Type, row).ok_or_else(bad)?;
            match v.to_i128() {
                Some(v) => decimal(Some(v), *s, dt)?,
                // Past i128: text, which any numeric conversion then reports as 22003.
                None => Val::Text(formatted(array, row)?.into()),
            }
        }
        DataType::Boolean => Val::Bool(array.as_boolean_opt().ok_or_else(bad)?.value(row)),
        DataType::Date32 => {
            let days = prim!(array, Date32Type, row).ok_or_else(bad)?;
            let d = NaiveDate::from_ymd_opt(1970, 1, 1)
                .and_then(|e| e.checked_add_signed(chrono::TimeDelta::days(i64::from(days))))
                .ok_or_else(|| overflow("date"))?;
            Val::Date(d)
        }
        DataType::Date64 => {
            let ms = prim!(array, Date64Type, row).ok_or_else(bad)?;
            Val::Date(
                DateTime::from_timestamp_millis(ms)
                    .ok_or_else(|| overflow("date"))?
                    .date_naive(),
            )
        }
        DataType::Time32(unit) => {
            let v = match unit {
                TimeUnit::Second => prim!(array, Time32SecondType, row),
                _ => prim!(array, Time32MillisecondType, row),
            }
            .ok_or_else(bad)?;
            Val::Time(time_of(i64::from(v), unit)?)
        }
        DataType::Time64(unit) => {
            let v = match unit {
                TimeUnit::Microsecond => prim!(array, Time64MicrosecondType, row),
                _ => prim!(array, Time64NanosecondType, row),
            }
            .ok_or_else(bad)?;
            Val::Time(time_of(v, unit)?)
        }
        DataType::Timestamp(unit, _) => {
            let (v, digits) = match unit {
                TimeUnit::Second => (prim!(array, TimestampSecondType, row), 0),
                TimeUnit::Millisecond => (prim!(array, TimestampMillisecondType, row), 3),
                TimeUnit::Microsecond => (prim!(array, TimestampMicrosecondType, row), 6),
                TimeUnit::Nanosecond => (prim!(array, TimestampNanosecondType, row), 9),
            };
            let v = v.ok_or_else(bad)?;
            let ts = match unit {
                TimeUnit::Second => DateTime::from_timestamp(v, 0),
                TimeUnit::Millisecond => DateTime::from_timestamp_millis(v),
                TimeUnit::Microsecond => DateTime::from_timestamp_micros(v),
                TimeUnit::Nanosecond => Some(DateTime::from_timestamp_nanos(v)),
            }
            .ok_or_else(|| overflow("timestamp"))?;
            Val::Ts(ts.naive_utc(), digits)
        }
        DataType::Binary => Val::Bytes(
            array
                .as_binary_opt::<i32>()
                .ok_or_else(bad)?
                .value(row)
                .to_vec(),
        ),
        DataType::LargeBinary => Val::Bytes(
            array
                .as_binary_opt::<i64>()
                .ok_or_else(bad)?
                .value(row)
                .to_vec(),
        ),
        DataType::BinaryView => Val::Bytes(
            array
                .as_binary_view_opt()
                .ok_or_else(bad)?
                .value(row)
                .to_vec(),
        ),
        DataType::FixedSizeBinary(_) => Val::Bytes(
            array
                .as_fixed_size_binary_opt()
                .ok_or_else(bad)?
                .value(row)
                .to_vec(),
        ),
        _ => Val::Text(formatted(array, row)?.into()),
    })
}

fn decimal(v: Option<i128>, scale: i8, dt: &DataType) -> Result<Val<'static>, ConvError> {
    let v = v.ok_or_else(|| internal(dt))?;
    if scale >= 0 {
        return Ok(Val::Num(Num::Dec(v, scale.unsigned_abs())));
    }
    // A negative scale multiplies: Decimal(p, -2) 5 is 500.
    let v = pow10(u32::from(scale.unsigned_abs()))
        .and_then(|f| v.checked_mul(f))
        .ok_or_else(|| ConvError::new("22003", "numeric value out of range".into()))?;
    Ok(Val::Num(Num::Int(v)))
}

fn time_of(v: i64, unit: &TimeUnit) -> Result<NaiveTime, ConvError> {
    let per_sec: i64 = match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    let secs = u32::try_from(v.div_euclid(per_sec)).map_err(|_| overflow("time"))?;
    let nanos = u32::try_from(v.rem_euclid(per_sec) * (1_000_000_000 / per_sec))
        .map_err(|_| overflow("time"))?;
    NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos).ok_or_else(|| overflow("time"))
}

fn formatted(array: &dyn Array, row: usize) -> Result<String, ConvError> {
    let options = FormatOptions::default();
    let f = ArrayFormatter::try_new(array, &options).map_err(|e| {
        ConvError::new(
            "HY000",
            format!("cannot show a value of type {}: {e}", array.data_type()),
        )
    })?;
    Ok(f.value(row).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kintone_sql::arrow::array::*;
    use std::sync::Arc;

    #[test]
    fn cells_of_every_engine_type() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let cases: Vec<(ArrayRef, Val)> = vec![
            (
                Arc::new(StringArray::from(vec!["顧客"])),
                Val::Text("顧客".into()),
            ),
            (
                Arc::new(LargeStringArray::from(vec!["x"])),
                Val::Text("x".into()),
            ),
            (
                Arc::new(StringViewArray::from(vec!["v"])),
                Val::Text("v".into()),
            ),
            (Arc::new(Int8Array::from(vec![-8])), Val::Num(Num::Int(-8))),
            (
                Arc::new(UInt64Array::from(vec![u64::MAX])),
                Val::Num(Num::Int(u64::MAX as i128)),
            ),
            (
                Arc::new(Float32Array::from(vec![1.5])),
                Val::Num(Num::Float(1.5)),
            ),
            (
                Arc::new(
                    Decimal128Array::from(vec![1250])
                        .with_precision_and_scale(38, 2)
                        .unwrap(),
                ),
                Val::Num(Num::Dec(1250, 2)),
            ),
            (
                Arc::new(
                    Decimal128Array::from(vec![5])
                        .with_precision_and_scale(10, -2)
                        .unwrap(),
                ),
                Val::Num(Num::Int(500)),
            ),
            (Arc::new(BooleanArray::from(vec![true])), Val::Bool(true)),
            (
                Arc::new(Date32Array::from(vec![19762])),
                Val::Date(d("2024-02-09")),
            ),
            (
                Arc::new(Date64Array::from(vec![86_400_000])),
                Val::Date(d("1970-01-02")),
            ),
            (
                Arc::new(Time64NanosecondArray::from(vec![
                    (9 * 3600 + 30 * 60) * 1_000_000_000,
                ])),
                Val::Time(NaiveTime::from_hms_opt(9, 30, 0).unwrap()),
            ),
            (
                Arc::new(Time32MillisecondArray::from(vec![1_500])),
                Val::Time(NaiveTime::from_hms_milli_opt(0, 0, 1, 500).unwrap()),
            ),
            (
                Arc::new(
                    TimestampMicrosecondArray::from(vec![1_707_523_200_000_001])
                        .with_timezone("UTC"),
                ),
                Val::Ts(d("2024-02-10").and_hms_micro_opt(0, 0, 0, 1).unwrap(), 6),
            ),
            (
                Arc::new(BinaryArray::from(vec![&b"\x01\xff"[..]])),
                Val::Bytes(vec![1, 255]),
            ),
            (Arc::new(NullArray::new(1)), Val::Null),
            (
                Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
                    Some(vec![Some(1), Some(2)]),
                ])),
                Val::Text("[1, 2]".into()),
            ),
        ];
        for (array, want) in cases {
            assert_eq!(
                cell(array.as_ref(), 0).unwrap(),
                want,
                "{}",
                array.data_type()
            );
        }
    }

    #[test]
    fn null_and_out_of_range_rows() {
        let a = Int64Array::from(vec![None, Some(1)]);
        assert_eq!(cell(&a, 0).unwrap(), Val::Null);
        assert_eq!(cell(&a, 2).unwrap_err().sqlstate, "HY000");
    }
}
