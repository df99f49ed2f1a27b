//! Arrow values → Python objects: `int`, `float`, `bool`, `str`, `bytes`,
//! `decimal.Decimal` (NUMBER), `datetime.datetime` aware in UTC (DATETIME),
//! `datetime.date`, `datetime.time`; any other type as its text.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{
    DataType, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    Time32MillisecondType, Time32SecondType, Time64MicrosecondType, Time64NanosecondType, TimeUnit,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDate, PyDateTime, PyList, PyTime, PyTuple, PyTzInfo};
use pyo3::IntoPyObjectExt;

/// The Python type a column's values come as (the Python layer maps it to a class).
pub fn kind(t: &DataType) -> &'static str {
    match t {
        DataType::Null => "null",
        DataType::Boolean => "bool",
        t if t.is_integer() => "int",
        DataType::Float16 | DataType::Float32 | DataType::Float64 => "float",
        DataType::Decimal128(..) | DataType::Decimal256(..) => "decimal",
        DataType::Date32 | DataType::Date64 => "date",
        DataType::Time32(_) | DataType::Time64(_) => "time",
        DataType::Timestamp(..) => "datetime",
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => "bytes",
        _ => "str",
    }
}

pub fn precision_scale(t: &DataType) -> (Option<u8>, Option<i8>) {
    match t {
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => (Some(*p), Some(*s)),
        _ => (None, None),
    }
}

/// Appends the batch's rows to `out` as tuples.
pub fn append_rows(py: Python<'_>, batch: &RecordBatch, out: &Bound<'_, PyList>) -> PyResult<()> {
    let columns = batch
        .columns()
        .iter()
        .map(|c| column(py, c))
        .collect::<PyResult<Vec<_>>>()?;
    for row in 0..batch.num_rows() {
        let cells = columns.iter().map(|c| c.get(row).map(|v| v.clone_ref(py)));
        let cells: Vec<Py<PyAny>> = cells.map(|c| c.unwrap_or_else(|| py.None())).collect();
        out.append(PyTuple::new(py, cells)?)?;
    }
    Ok(())
}

/// One column's values.
fn column(py: Python<'_>, a: &ArrayRef) -> PyResult<Vec<Py<PyAny>>> {
    // `$x` is the typed array, `$i` the row; nulls are None.
    macro_rules! each {
        ($arr:expr, |$x:ident, $i:ident| $body:expr) => {{
            let $x = $arr;
            (0..$x.len())
                .map(|$i| if $x.is_null($i) { Ok(py.None()) } else { $body })
                .collect::<PyResult<Vec<_>>>()
        }};
    }
    fn obj<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> PyResult<Py<PyAny>> {
        v.into_py_any(py)
    }
    match a.data_type() {
        DataType::Null => Ok((0..a.len()).map(|_| py.None()).collect()),
        DataType::Boolean => each!(a.as_boolean(), |x, i| obj(py, x.value(i))),
        DataType::Int8 => each!(a.as_primitive::<Int8Type>(), |x, i| obj(py, x.value(i))),
        DataType::Int16 => each!(a.as_primitive::<Int16Type>(), |x, i| obj(py, x.value(i))),
        DataType::Int32 => each!(a.as_primitive::<Int32Type>(), |x, i| obj(py, x.value(i))),
        DataType::Int64 => each!(a.as_primitive::<Int64Type>(), |x, i| obj(py, x.value(i))),
        DataType::UInt8 => each!(a.as_primitive::<UInt8Type>(), |x, i| obj(py, x.value(i))),
        DataType::UInt16 => each!(a.as_primitive::<UInt16Type>(), |x, i| obj(py, x.value(i))),
        DataType::UInt32 => each!(a.as_primitive::<UInt32Type>(), |x, i| obj(py, x.value(i))),
        DataType::UInt64 => each!(a.as_primitive::<UInt64Type>(), |x, i| obj(py, x.value(i))),
        DataType::Float32 => each!(a.as_primitive::<Float32Type>(), |x, i| obj(py, x.value(i))),
        DataType::Float64 => each!(a.as_primitive::<Float64Type>(), |x, i| obj(py, x.value(i))),
        DataType::Utf8 => each!(a.as_string::<i32>(), |x, i| obj(py, x.value(i))),
        DataType::LargeUtf8 => {
            each!(a.as_string::<i64>(), |x, i| obj(py, x.value(i)))
        }
        DataType::Utf8View => {
            each!(a.as_string_view(), |x, i| obj(py, x.value(i)))
        }
        DataType::Binary => each!(a.as_binary::<i32>(), |x, i| Ok(PyBytes::new(
            py,
            x.value(i)
        )
        .into_any()
        .unbind())),
        DataType::LargeBinary => each!(a.as_binary::<i64>(), |x, i| Ok(PyBytes::new(
            py,
            x.value(i)
        )
        .into_any()
        .unbind())),
        DataType::Decimal128(_, scale) => {
            let class = py.import("decimal")?.getattr("Decimal")?;
            let scale = *scale;
            each!(
                a.as_primitive::<arrow::datatypes::Decimal128Type>(),
                |x, i| Ok(class.call1((decimal_text(x.value(i), scale),))?.unbind())
            )
        }
        DataType::Date32 => each!(a.as_primitive::<arrow::datatypes::Date32Type>(), |x, i| {
            date(py, x.value(i))
        }),
        DataType::Time64(TimeUnit::Nanosecond) => {
            each!(a.as_primitive::<Time64NanosecondType>(), |x, i| time(
                py,
                x.value(i)
            ))
        }
        DataType::Time64(TimeUnit::Microsecond) => {
            each!(a.as_primitive::<Time64MicrosecondType>(), |x, i| time(
                py,
                x.value(i).saturating_mul(1_000)
            ))
        }
        DataType::Time32(TimeUnit::Millisecond) => {
            each!(a.as_primitive::<Time32MillisecondType>(), |x, i| time(
                py,
                i64::from(x.value(i)) * 1_000_000
            ))
        }
        DataType::Time32(TimeUnit::Second) => {
            each!(a.as_primitive::<Time32SecondType>(), |x, i| time(
                py,
                i64::from(x.value(i)) * 1_000_000_000
            ))
        }
        DataType::Timestamp(unit, tz) => {
            let aware = tz.is_some();
            let micros: Vec<Option<i64>> = match unit {
                TimeUnit::Second => ts(a.as_primitive::<TimestampSecondType>(), |v| {
                    v.checked_mul(1_000_000)
                }),
                TimeUnit::Millisecond => ts(a.as_primitive::<TimestampMillisecondType>(), |v| {
                    v.checked_mul(1_000)
                }),
                TimeUnit::Microsecond => ts(a.as_primitive::<TimestampMicrosecondType>(), Some),
                TimeUnit::Nanosecond => ts(a.as_primitive::<TimestampNanosecondType>(), |v| {
                    Some(v.div_euclid(1_000))
                }),
            };
            micros
                .into_iter()
                .enumerate()
                .map(|(i, m)| match m {
                    _ if a.is_null(i) => Ok(py.None()),
                    Some(m) => datetime(py, m, aware),
                    None => Err(out_of_range()),
                })
                .collect()
        }
        _ => {
            // Lists, structs and anything rarer: the engine's own text of the value.
            let f = ArrayFormatter::try_new(a.as_ref(), &FormatOptions::default())
                .map_err(|e| crate::errors::native("HY000", e.to_string()))?;
            (0..a.len())
                .map(|i| {
                    if a.is_null(i) {
                        Ok(py.None())
                    } else {
                        obj(py, f.value(i).to_string())
                    }
                })
                .collect()
        }
    }
}

fn ts<T: arrow::datatypes::ArrowPrimitiveType<Native = i64>>(
    a: &arrow::array::PrimitiveArray<T>,
    to_micros: impl Fn(i64) -> Option<i64>,
) -> Vec<Option<i64>> {
    a.values().iter().map(|v| to_micros(*v)).collect()
}

fn out_of_range() -> PyErr {
    crate::errors::native(
        "22003",
        "a date or time is outside the range Python can hold",
    )
}

/// `12345` at scale 2 is `123.45`: Python's Decimal reads the exact text.
fn decimal_text(v: i128, scale: i8) -> String {
    let digits = v.unsigned_abs().to_string();
    let sign = if v < 0 { "-" } else { "" };
    if scale <= 0 {
        return format!(
            "{sign}{digits}{}",
            "0".repeat(scale.unsigned_abs() as usize)
        );
    }
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int}.{frac}")
}

fn date(py: Python<'_>, days: i32) -> PyResult<Py<PyAny>> {
    let d = NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|e| e.checked_add_signed(chrono::Duration::days(i64::from(days))))
        .ok_or_else(out_of_range)?;
    let year = d.year();
    Ok(PyDate::new(py, year, d.month() as u8, d.day() as u8)?
        .into_any()
        .unbind())
}

fn time(py: Python<'_>, nanos: i64) -> PyResult<Py<PyAny>> {
    let secs = u32::try_from(nanos.div_euclid(1_000_000_000)).map_err(|_| out_of_range())?;
    let frac = u32::try_from(nanos.rem_euclid(1_000_000_000)).map_err(|_| out_of_range())?;
    let t = NaiveTime::from_num_seconds_from_midnight_opt(secs, frac).ok_or_else(out_of_range)?;
    Ok(PyTime::new(
        py,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
        t.nanosecond() / 1_000,
        None,
    )?
    .into_any()
    .unbind())
}

/// An instant: aware in UTC when the column has a time zone (Kintone's DATETIME),
/// naive otherwise.
fn datetime(py: Python<'_>, micros: i64, aware: bool) -> PyResult<Py<PyAny>> {
    let t = DateTime::from_timestamp_micros(micros).ok_or_else(out_of_range)?;
    let utc = PyTzInfo::utc(py)?;
    let tz = aware.then(|| utc.to_owned());
    Ok(PyDateTime::new(
        py,
        t.year(),
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
        t.timestamp_subsec_micros(),
        tz.as_ref(),
    )?
    .into_any()
    .unbind())
}
