//! Python parameter values → the engine's scalars (the `?` markers, `qmark` style).
//! The engine then casts each to the type its place in the statement asks for, refusing
//! a conversion that would change the value (22018).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use kintone_sql::datafusion::common::ScalarValue;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDate, PyDateAccess, PyDateTime, PyFloat, PyInt, PyString,
    PyTime, PyTimeAccess, PyTzInfoAccess,
};

use crate::errors::native;

/// The widest decimal the engine holds (NUMBER is DECIMAL(38, s)).
const MAX_DIGITS: u8 = 38;

pub fn to_scalars(py: Python<'_>, values: &[Bound<'_, PyAny>]) -> PyResult<Vec<ScalarValue>> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            to_scalar(py, v).map_err(|e| {
                if e.is_instance_of::<crate::errors::NativeError>(py) {
                    e
                } else {
                    native("HY105", format!("parameter {}: {e}", i + 1))
                }
            })
        })
        .collect()
}

fn to_scalar(py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<ScalarValue> {
    if v.is_none() {
        return Ok(ScalarValue::Null);
    }
    // bool before int: Python's bool is an int.
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(ScalarValue::Boolean(Some(b.is_true())));
    }
    if v.is_instance_of::<PyInt>() {
        return match v.extract::<i64>() {
            Ok(n) => Ok(ScalarValue::Int64(Some(n))),
            Err(_) => decimal(&v.str()?.to_cow()?),
        };
    }
    if let Ok(f) = v.cast::<PyFloat>() {
        return Ok(ScalarValue::Float64(Some(f.value())));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(ScalarValue::Utf8(Some(s.to_cow()?.into_owned())));
    }
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(ScalarValue::Binary(Some(b.as_bytes().to_vec())));
    }
    if let Ok(b) = v.cast::<PyByteArray>() {
        return Ok(ScalarValue::Binary(Some(b.to_vec())));
    }
    // datetime before date: a datetime is a date.
    if let Ok(dt) = v.cast::<PyDateTime>() {
        return datetime(py, dt);
    }
    if let Ok(d) = v.cast::<PyDate>() {
        let day = ymd(d.get_year(), d.get_month(), d.get_day())?;
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).ok_or_else(range)?;
        let days = i32::try_from((day - epoch).num_days()).map_err(|_| range())?;
        return Ok(ScalarValue::Date32(Some(days)));
    }
    if let Ok(t) = v.cast::<PyTime>() {
        let nanos = hms(
            t.get_hour(),
            t.get_minute(),
            t.get_second(),
            t.get_microsecond(),
        )?
        .signed_duration_since(NaiveTime::MIN)
        .num_nanoseconds()
        .ok_or_else(range)?;
        return Ok(ScalarValue::Time64Nanosecond(Some(nanos)));
    }
    let decimal_class = py.import("decimal")?.getattr("Decimal")?;
    if v.is_instance(&decimal_class)? {
        // Fixed-point text: `str()` may use an exponent (1E+3).
        let text = py.import("builtins")?.getattr("format")?.call1((v, "f"))?;
        return decimal(&text.str()?.to_cow()?);
    }
    Err(native(
        "HY105",
        format!(
            "a {} cannot be a parameter (use None, bool, int, float, Decimal, str, bytes, date, time or datetime)",
            v.get_type().name()?
        ),
    ))
}

/// An aware datetime is the instant it names; a naive one is taken as UTC, the zone
/// Kintone's DATETIME values are read in.
fn datetime(py: Python<'_>, dt: &Bound<'_, PyDateTime>) -> PyResult<ScalarValue> {
    let utc_dt;
    let dt = if dt.get_tzinfo().is_some() {
        let utc = pyo3::types::PyTzInfo::utc(py)?;
        utc_dt = dt.call_method1("astimezone", (utc,))?;
        utc_dt.cast::<PyDateTime>()?
    } else {
        dt
    };
    let day = ymd(dt.get_year(), dt.get_month(), dt.get_day())?;
    let t = hms(
        dt.get_hour(),
        dt.get_minute(),
        dt.get_second(),
        dt.get_microsecond(),
    )?;
    let micros = NaiveDateTime::new(day, t).and_utc().timestamp_micros();
    Ok(ScalarValue::TimestampMicrosecond(
        Some(micros),
        Some("UTC".into()),
    ))
}

fn ymd(y: i32, m: u8, d: u8) -> PyResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, u32::from(m), u32::from(d)).ok_or_else(range)
}

fn hms(h: u8, m: u8, s: u8, us: u32) -> PyResult<NaiveTime> {
    NaiveTime::from_hms_micro_opt(u32::from(h), u32::from(m), u32::from(s), us).ok_or_else(range)
}

fn range() -> PyErr {
    native(
        "22008",
        "the date or time is outside the range the engine holds",
    )
}

/// Decimal text (`-12.50`) → an exact DECIMAL(38, s).
fn decimal(text: &str) -> PyResult<ScalarValue> {
    let t = text.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all: String = format!("{int}{frac}");
    let too_big = || native("22003", format!("{t} has more than {MAX_DIGITS} digits"));
    if all.is_empty() || !all.bytes().all(|b| b.is_ascii_digit()) {
        return Err(native(
            "22018",
            format!("'{t}' is not a finite decimal number"),
        ));
    }
    let significant = all.trim_start_matches('0').len();
    if significant > usize::from(MAX_DIGITS) {
        return Err(too_big());
    }
    let scale = i8::try_from(frac.len()).map_err(|_| too_big())?;
    if frac.len() > usize::from(MAX_DIGITS) {
        return Err(too_big());
    }
    let mut v: i128 = all.trim_start_matches('0').parse().unwrap_or(0);
    if neg {
        v = -v;
    }
    Ok(ScalarValue::Decimal128(Some(v), MAX_DIGITS, scale))
}
