//! The conversion matrix, table-driven: SQL → C for every reported type and C type,
//! chunked `SQLGetData`, truncation, and C → SQL parameters.

use std::ffi::c_void;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use kintone_sql::arrow::array::*;
use kintone_sql::arrow::datatypes::{DataType, Field};
use kintone_sql::datafusion::common::ScalarValue;

use super::numeric::{numeric_struct, NUMERIC_STRUCT_SIZE};
use super::*;
use crate::encoding::{Encoding, Narrow, WcharMode, Wide};
use crate::sys::*;

const MODES: [WcharMode; 2] = [WcharMode::Utf16, WcharMode::Ucs4];

fn field_of(a: &ArrayRef) -> Field {
    Field::new("c", a.data_type().clone(), true)
}

/// One bound-column write into a fresh buffer of `len` bytes (at least 32 are
/// allocated so fixed types always fit); returns the bytes the call wrote up to
/// `len`, the indicator and the outcome.
fn get(
    a: &ArrayRef,
    row: usize,
    c_type: i16,
    len: isize,
    mode: WcharMode,
) -> Result<(Vec<u8>, isize, Outcome), ConvError> {
    get_numeric(a, row, c_type, len, mode, 0, 0)
}

fn get_numeric(
    a: &ArrayRef,
    row: usize,
    c_type: i16,
    len: isize,
    mode: WcharMode,
    precision: i16,
    scale: i16,
) -> Result<(Vec<u8>, isize, Outcome), ConvError> {
    let mut storage = vec![0xAAu8; (len.max(0) as usize).max(32)];
    let buf = CBuffer {
        c_type,
        ptr: storage.as_mut_ptr() as *mut c_void,
        len,
        precision,
        scale,
    };
    let (ind, outcome) = unsafe { write_value(a.as_ref(), &field_of(a), row, &buf, mode, None)? };
    let written = match c_type_size(if c_type == SQL_C_DEFAULT { 0 } else { c_type }) {
        Some(n) => n,
        None => {
            // Text and binary: everything up to the first 0xAA fill after the data.
            let max = len.max(0) as usize;
            storage
                .iter()
                .take(max)
                .position(|b| *b == 0xAA)
                .unwrap_or(max)
        }
    };
    storage.truncate(written);
    Ok((storage, ind, outcome))
}

fn arr<A: Array + 'static>(a: A) -> ArrayRef {
    Arc::new(a)
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn days(s: &str) -> i32 {
    (date(s) - date("1970-01-01")).num_days() as i32
}

fn micros(s: &str) -> i64 {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .unwrap()
        .and_utc()
        .timestamp_micros()
}

fn ts_array(s: &str) -> ArrayRef {
    arr(TimestampMicrosecondArray::from(vec![micros(s)]).with_timezone("UTC"))
}

fn dec(v: i128, p: u8, s: i8) -> ArrayRef {
    arr(Decimal128Array::from(vec![v])
        .with_precision_and_scale(p, s)
        .unwrap())
}

fn time_ns(h: i64, m: i64, s: i64, nanos: i64) -> ArrayRef {
    arr(Time64NanosecondArray::from(vec![
        ((h * 60 + m) * 60 + s) * 1_000_000_000 + nanos,
    ]))
}

/// A terminated narrow string's bytes.
fn narrow(s: &str) -> Vec<u8> {
    let mut b = s.as_bytes().to_vec();
    b.push(0);
    b
}

fn wide(s: &str, mode: WcharMode) -> Vec<u8> {
    let mut b = Wide::encode(s, mode);
    b.extend(std::iter::repeat_n(0u8, mode.width()));
    b
}

fn sample_values() -> Vec<(ArrayRef, &'static str)> {
    vec![
        (arr(StringArray::from(vec!["顧客 🍣"])), "顧客 🍣"),
        (dec(1_250_000_000, 38, 8), "12.50000000"),
        (dec(-5, 10, 3), "-0.005"),
        (arr(Float64Array::from(vec![1.5])), "1.5"),
        (arr(Float64Array::from(vec![-1e300])), "-1e300"),
        (arr(Float32Array::from(vec![0.25f32])), "0.25"),
        (arr(Int64Array::from(vec![-42])), "-42"),
        (arr(Int32Array::from(vec![7])), "7"),
        (arr(Int16Array::from(vec![300])), "300"),
        (arr(Int8Array::from(vec![-8])), "-8"),
        (
            arr(UInt64Array::from(vec![u64::MAX])),
            "18446744073709551615",
        ),
        (arr(BooleanArray::from(vec![true])), "1"),
        (arr(BooleanArray::from(vec![false])), "0"),
        (
            arr(Date32Array::from(vec![days("2024-02-09")])),
            "2024-02-09",
        ),
        (time_ns(9, 30, 0, 0), "09:30:00"),
        (time_ns(9, 30, 0, 250_000_000), "09:30:00.25"),
        (
            ts_array("2024-02-10 00:00:00.000001"),
            "2024-02-10 00:00:00.000001",
        ),
        (ts_array("2024-02-09 23:59:58"), "2024-02-09 23:59:58"),
        (arr(BinaryArray::from(vec![&b"\x01\xff"[..]])), "01FF"),
    ]
}

#[test]
fn every_type_to_char_and_wchar() {
    for (a, text) in sample_values() {
        let (bytes, ind, outcome) = get(&a, 0, SQL_C_CHAR, 100, WcharMode::Utf16).unwrap();
        assert_eq!(bytes, narrow(text), "{} as CHAR", a.data_type());
        assert_eq!(
            (ind, outcome),
            (text.len() as isize, Outcome::Done),
            "{}",
            a.data_type()
        );
        for mode in MODES {
            let (bytes, ind, outcome) = get(&a, 0, SQL_C_WCHAR, 200, mode).unwrap();
            assert_eq!(
                bytes,
                wide(text, mode),
                "{} as WCHAR {mode:?}",
                a.data_type()
            );
            let units = Wide::encode(text, mode).len() as isize;
            assert_eq!((ind, outcome), (units, Outcome::Done));
        }
    }
}

#[test]
fn null_is_sql_null_data_for_every_c_type() {
    let nulls: Vec<ArrayRef> = vec![
        arr(StringArray::from(vec![None::<&str>])),
        arr(Int64Array::from(vec![None])),
        arr(Decimal128Array::from(vec![None])
            .with_precision_and_scale(38, 8)
            .unwrap()),
        arr(Date32Array::from(vec![None])),
        arr(NullArray::new(1)),
    ];
    for a in nulls {
        for c in [
            SQL_C_CHAR,
            SQL_C_WCHAR,
            SQL_C_SLONG,
            SQL_C_DOUBLE,
            SQL_C_TYPE_DATE,
            SQL_C_BINARY,
            SQL_C_NUMERIC,
        ] {
            let (bytes, ind, outcome) = get(&a, 0, c, 16, WcharMode::Utf16).unwrap();
            assert_eq!(
                (ind, outcome),
                (SQL_NULL_DATA, Outcome::Done),
                "{} as {c}",
                a.data_type()
            );
            if c_type_size(c).is_none() {
                assert!(bytes.is_empty(), "nothing written for NULL");
            }
        }
    }
}

enum Want {
    Ok(Vec<u8>, Outcome),
    Err(&'static str),
}

fn ok(bytes: impl AsRef<[u8]>) -> Want {
    Want::Ok(bytes.as_ref().to_vec(), Outcome::Done)
}

fn cut(bytes: impl AsRef<[u8]>) -> Want {
    Want::Ok(bytes.as_ref().to_vec(), Outcome::FractionTruncated)
}

fn date_struct(y: i16, m: u16, d: u16) -> Vec<u8> {
    [y.to_ne_bytes(), m.to_ne_bytes(), d.to_ne_bytes()].concat()
}

fn time_struct(h: u16, m: u16, s: u16) -> Vec<u8> {
    [h.to_ne_bytes(), m.to_ne_bytes(), s.to_ne_bytes()].concat()
}

fn ts_struct(d: (i16, u16, u16), t: (u16, u16, u16), frac: u32) -> Vec<u8> {
    [
        date_struct(d.0, d.1, d.2),
        time_struct(t.0, t.1, t.2),
        frac.to_ne_bytes().to_vec(),
    ]
    .concat()
}

#[test]
fn fixed_c_types_matrix() {
    let int = |v: i64| arr(Int64Array::from(vec![v]));
    let text = |s: &str| arr(StringArray::from(vec![s.to_string()]));
    let f64a = |v: f64| arr(Float64Array::from(vec![v]));
    let booly = |b: bool| arr(BooleanArray::from(vec![b]));
    let d = arr(Date32Array::from(vec![days("2024-02-09")]));
    let bin = arr(BinaryArray::from(vec![&b"\x01"[..]]));
    let cases: Vec<(ArrayRef, i16, Want)> = vec![
        // Integers, each width and sign, with range checks.
        (int(-8), SQL_C_STINYINT, ok((-8i8).to_ne_bytes())),
        (int(-8), SQL_C_TINYINT, ok((-8i8).to_ne_bytes())),
        (int(300), SQL_C_STINYINT, Want::Err("22003")),
        (int(255), SQL_C_UTINYINT, ok(255u8.to_ne_bytes())),
        (int(-1), SQL_C_UTINYINT, Want::Err("22003")),
        (int(300), SQL_C_SSHORT, ok(300i16.to_ne_bytes())),
        (int(300), SQL_C_SHORT, ok(300i16.to_ne_bytes())),
        (int(70000), SQL_C_SSHORT, Want::Err("22003")),
        (int(65535), SQL_C_USHORT, ok(65535u16.to_ne_bytes())),
        (int(-70000), SQL_C_SLONG, ok((-70000i32).to_ne_bytes())),
        (int(-70000), SQL_C_LONG, ok((-70000i32).to_ne_bytes())),
        (int(1 << 40), SQL_C_SLONG, Want::Err("22003")),
        (int(-1), SQL_C_ULONG, Want::Err("22003")),
        (
            int(4_000_000_000),
            SQL_C_ULONG,
            ok(4_000_000_000u32.to_ne_bytes()),
        ),
        (int(i64::MIN), SQL_C_SBIGINT, ok(i64::MIN.to_ne_bytes())),
        (int(-1), SQL_C_UBIGINT, Want::Err("22003")),
        (
            arr(UInt64Array::from(vec![u64::MAX])),
            SQL_C_UBIGINT,
            ok(u64::MAX.to_ne_bytes()),
        ),
        (
            arr(UInt64Array::from(vec![u64::MAX])),
            SQL_C_SBIGINT,
            Want::Err("22003"),
        ),
        // Fractions are cut with 01S07.
        (dec(1_250, 38, 2), SQL_C_SLONG, cut(12i32.to_ne_bytes())),
        (
            dec(-1_250, 38, 2),
            SQL_C_SBIGINT,
            cut((-12i64).to_ne_bytes()),
        ),
        (dec(1_200, 38, 2), SQL_C_SLONG, ok(12i32.to_ne_bytes())),
        (f64a(2.75), SQL_C_SSHORT, cut(2i16.to_ne_bytes())),
        (f64a(1e20), SQL_C_SLONG, Want::Err("22003")),
        (f64a(1e20), SQL_C_SBIGINT, Want::Err("22003")),
        (f64a(f64::NAN), SQL_C_SBIGINT, Want::Err("22003")),
        // Text parses, or 22018.
        (text(" 42 "), SQL_C_SLONG, ok(42i32.to_ne_bytes())),
        (text("7.9"), SQL_C_SLONG, cut(7i32.to_ne_bytes())),
        (text("-1e3"), SQL_C_SSHORT, ok((-1000i16).to_ne_bytes())),
        (text("abc"), SQL_C_SLONG, Want::Err("22018")),
        (text("99999999999"), SQL_C_SLONG, Want::Err("22003")),
        (text("2.5"), SQL_C_DOUBLE, ok(2.5f64.to_ne_bytes())),
        (text("NaN"), SQL_C_DOUBLE, Want::Err("22018")),
        (text("x"), SQL_C_FLOAT, Want::Err("22018")),
        // Floating point.
        (f64a(1.5), SQL_C_DOUBLE, ok(1.5f64.to_ne_bytes())),
        (f64a(1.5), SQL_C_FLOAT, ok(1.5f32.to_ne_bytes())),
        (f64a(1e300), SQL_C_FLOAT, Want::Err("22003")),
        (
            dec(1_250_000_000, 38, 8),
            SQL_C_DOUBLE,
            ok(12.5f64.to_ne_bytes()),
        ),
        (int(3), SQL_C_FLOAT, ok(3f32.to_ne_bytes())),
        (booly(true), SQL_C_DOUBLE, ok(1f64.to_ne_bytes())),
        // BIT: 0/1; between 0 and 2 cut to 0 or 1 (01S07); anything else 22003.
        (booly(true), SQL_C_BIT, ok([1])),
        (booly(false), SQL_C_BIT, ok([0])),
        (int(1), SQL_C_BIT, ok([1])),
        (int(2), SQL_C_BIT, Want::Err("22003")),
        (int(-1), SQL_C_BIT, Want::Err("22003")),
        (dec(5, 10, 1), SQL_C_BIT, cut([0])),
        (dec(15, 10, 1), SQL_C_BIT, cut([1])),
        (dec(-5, 10, 1), SQL_C_BIT, Want::Err("22003")),
        (dec(20, 10, 1), SQL_C_BIT, Want::Err("22003")),
        (text("1"), SQL_C_BIT, ok([1])),
        (booly(true), SQL_C_SLONG, ok(1i32.to_ne_bytes())),
        (booly(true), SQL_C_UTINYINT, ok([1])),
        // Datetimes.
        (d.clone(), SQL_C_TYPE_DATE, ok(date_struct(2024, 2, 9))),
        (d.clone(), SQL_C_DATE, ok(date_struct(2024, 2, 9))),
        (
            d.clone(),
            SQL_C_TYPE_TIMESTAMP,
            ok(ts_struct((2024, 2, 9), (0, 0, 0), 0)),
        ),
        (
            d.clone(),
            SQL_C_TIMESTAMP,
            ok(ts_struct((2024, 2, 9), (0, 0, 0), 0)),
        ),
        (d.clone(), SQL_C_TYPE_TIME, Want::Err("07006")),
        (d.clone(), SQL_C_SLONG, Want::Err("07006")),
        (d.clone(), SQL_C_DOUBLE, Want::Err("07006")),
        (d.clone(), SQL_C_BIT, Want::Err("07006")),
        (
            time_ns(9, 30, 15, 0),
            SQL_C_TYPE_TIME,
            ok(time_struct(9, 30, 15)),
        ),
        (
            time_ns(9, 30, 15, 0),
            SQL_C_TIME,
            ok(time_struct(9, 30, 15)),
        ),
        (
            time_ns(9, 30, 15, 5),
            SQL_C_TYPE_TIME,
            cut(time_struct(9, 30, 15)),
        ),
        (time_ns(9, 30, 15, 0), SQL_C_TYPE_DATE, Want::Err("07006")),
        (
            ts_array("2024-02-09 23:59:58.123456"),
            SQL_C_TYPE_TIMESTAMP,
            ok(ts_struct((2024, 2, 9), (23, 59, 58), 123_456_000)),
        ),
        (
            ts_array("2024-02-09 23:59:58"),
            SQL_C_TIMESTAMP,
            ok(ts_struct((2024, 2, 9), (23, 59, 58), 0)),
        ),
        (
            ts_array("2024-02-09 23:59:58"),
            SQL_C_TYPE_DATE,
            cut(date_struct(2024, 2, 9)),
        ),
        (
            ts_array("2024-02-09 00:00:00"),
            SQL_C_TYPE_DATE,
            ok(date_struct(2024, 2, 9)),
        ),
        (
            ts_array("2024-02-09 23:59:58"),
            SQL_C_TYPE_TIME,
            ok(time_struct(23, 59, 58)),
        ),
        (
            ts_array("2024-02-09 23:59:58.5"),
            SQL_C_TYPE_TIME,
            cut(time_struct(23, 59, 58)),
        ),
        (
            ts_array("2024-02-09 23:59:58"),
            SQL_C_SBIGINT,
            Want::Err("07006"),
        ),
        (
            text("2024-02-09"),
            SQL_C_TYPE_DATE,
            ok(date_struct(2024, 2, 9)),
        ),
        (
            text("2024-02-09 10:00:00"),
            SQL_C_TYPE_DATE,
            cut(date_struct(2024, 2, 9)),
        ),
        (text("10:00"), SQL_C_TYPE_TIME, ok(time_struct(10, 0, 0))),
        (
            text("{ts '2024-02-09 10:00:01'}"),
            SQL_C_TYPE_TIMESTAMP,
            ok(ts_struct((2024, 2, 9), (10, 0, 1), 0)),
        ),
        (text("nope"), SQL_C_TYPE_DATE, Want::Err("22018")),
        (int(1), SQL_C_TYPE_TIMESTAMP, Want::Err("07006")),
        // Binary values only go to CHAR/WCHAR/BINARY.
        (bin.clone(), SQL_C_SLONG, Want::Err("07006")),
        (bin.clone(), SQL_C_TYPE_DATE, Want::Err("07006")),
        // GUID and intervals are restricted; an unknown C type is HY003.
        (text("x"), SQL_C_GUID, Want::Err("07006")),
        (int(1), SQL_C_GUID, Want::Err("07006")),
        (int(1), 101, Want::Err("07006")),
        (int(1), 113, Want::Err("07006")),
        (int(1), 1234, Want::Err("HY003")),
        (text("x"), 0, Want::Err("HY003")),
    ];
    for (i, (a, c, want)) in cases.into_iter().enumerate() {
        let got = get(&a, 0, c, 0, WcharMode::Utf16);
        match (got, want) {
            (Ok((bytes, ind, outcome)), Want::Ok(wb, wo)) => {
                assert_eq!(bytes, wb, "case {i}: {} as {c}", a.data_type());
                assert_eq!(
                    (ind, outcome),
                    (wb.len() as isize, wo),
                    "case {i}: {} as {c}",
                    a.data_type()
                );
            }
            (Err(e), Want::Err(state)) => assert_eq!(
                e.sqlstate,
                state,
                "case {i}: {} as {c}: {}",
                a.data_type(),
                e.message
            ),
            (Ok(v), Want::Err(state)) => panic!(
                "case {i}: {} as {c}: wanted {state}, got {v:?}",
                a.data_type()
            ),
            (Err(e), Want::Ok(..)) => panic!("case {i}: {} as {c}: {e:?}", a.data_type()),
        }
    }
}

#[test]
fn binary_matrix() {
    let cases: Vec<(ArrayRef, Vec<u8>)> = vec![
        (
            arr(BinaryArray::from(vec![&b"\x00\x01\xff"[..]])),
            vec![0, 1, 255],
        ),
        (
            arr(Int64Array::from(vec![-2])),
            (-2i64).to_ne_bytes().to_vec(),
        ),
        (arr(Int32Array::from(vec![7])), 7i32.to_ne_bytes().to_vec()),
        (arr(Int16Array::from(vec![7])), 7i16.to_ne_bytes().to_vec()),
        (
            arr(Float64Array::from(vec![1.5])),
            1.5f64.to_ne_bytes().to_vec(),
        ),
        (
            arr(Float32Array::from(vec![1.5f32])),
            1.5f32.to_ne_bytes().to_vec(),
        ),
        (arr(BooleanArray::from(vec![true])), vec![1]),
        (dec(-1250, 38, 2), numeric_struct(-1250, 38, 2).to_vec()),
        (
            arr(Date32Array::from(vec![days("2024-02-09")])),
            date_struct(2024, 2, 9),
        ),
        (
            ts_array("2024-02-09 01:02:03"),
            ts_struct((2024, 2, 9), (1, 2, 3), 0),
        ),
    ];
    for (a, want) in cases {
        let (bytes, ind, outcome) = get(&a, 0, SQL_C_BINARY, 64, WcharMode::Utf16).unwrap();
        assert_eq!(bytes, want, "{}", a.data_type());
        assert_eq!((ind, outcome), (want.len() as isize, Outcome::Done));
        // A number's bytes never truncate: 22003.
        if !matches!(a.data_type(), DataType::Binary) && want.len() > 1 {
            let e = get(
                &a,
                0,
                SQL_C_BINARY,
                want.len() as isize - 1,
                WcharMode::Utf16,
            )
            .unwrap_err();
            assert_eq!(e.sqlstate, "22003", "{}", a.data_type());
        }
    }
    // Text as binary: the wide bytes of the WVARCHAR value, in the driver's width.
    let t = arr(StringArray::from(vec!["é"]));
    for mode in MODES {
        let (bytes, ind, _) = get(&t, 0, SQL_C_BINARY, 64, mode).unwrap();
        assert_eq!(bytes, Wide::encode("é", mode));
        assert_eq!(ind, mode.width() as isize);
    }
}

#[test]
fn c_default_resolves_from_the_column_type() {
    let a = arr(Int64Array::from(vec![5]));
    let (bytes, ind, _) = get(&a, 0, SQL_C_DEFAULT, 16, WcharMode::Utf16).unwrap();
    assert_eq!(
        (bytes.get(..8).unwrap().to_vec(), ind),
        (5i64.to_ne_bytes().to_vec(), 8)
    );
    let t = arr(StringArray::from(vec!["ab"]));
    let (bytes, ind, _) = get(&t, 0, SQL_C_DEFAULT, 16, WcharMode::Ucs4).unwrap();
    assert_eq!((bytes, ind), (wide("ab", WcharMode::Ucs4), 8));
    let d = dec(125, 10, 1);
    let (bytes, ind, _) = get(&d, 0, SQL_C_DEFAULT, 16, WcharMode::Utf16).unwrap();
    assert_eq!((bytes, ind), (narrow("12.5"), 4));
}

#[test]
fn numeric_struct_conversions() {
    // Precision 0 in the ARD: the column's own scale.
    let a = dec(1_234_500_000, 38, 8);
    let (bytes, ind, outcome) =
        get_numeric(&a, 0, SQL_C_NUMERIC, 0, WcharMode::Utf16, 0, 0).unwrap();
    assert_eq!(
        (bytes, ind, outcome),
        (
            numeric_struct(1_234_500_000, 38, 8).to_vec(),
            NUMERIC_STRUCT_SIZE as isize,
            Outcome::Done
        )
    );
    // ARD precision/scale: rescaled; digits cut → 01S07; too many digits → 22003.
    let (bytes, _, outcome) =
        get_numeric(&a, 0, SQL_C_NUMERIC, 0, WcharMode::Utf16, 10, 2).unwrap();
    assert_eq!(
        (bytes, outcome),
        (
            numeric_struct(1234, 10, 2).to_vec(),
            Outcome::FractionTruncated
        )
    );
    let (bytes, _, outcome) =
        get_numeric(&a, 0, SQL_C_NUMERIC, 0, WcharMode::Utf16, 10, 4).unwrap();
    assert_eq!(
        (bytes, outcome),
        (numeric_struct(123_450, 10, 4).to_vec(), Outcome::Done)
    );
    let e = get_numeric(&a, 0, SQL_C_NUMERIC, 0, WcharMode::Utf16, 3, 2).unwrap_err();
    assert_eq!(e.sqlstate, "22003");
    let neg = arr(Int64Array::from(vec![-300]));
    let (bytes, _, _) = get_numeric(&neg, 0, SQL_C_NUMERIC, 0, WcharMode::Utf16, 5, 1).unwrap();
    assert_eq!(bytes, numeric_struct(-3000, 5, 1).to_vec());
    assert_eq!(bytes[2], 0, "sign 0 is negative");
    let text = arr(StringArray::from(vec!["-1.5"]));
    let (bytes, _, _) = get_numeric(&text, 0, SQL_C_NUMERIC, 0, WcharMode::Utf16, 0, 0).unwrap();
    assert_eq!(bytes, numeric_struct(-15, 38, 1).to_vec());
    let f = arr(Float64Array::from(vec![0.1]));
    let (bytes, _, _) = get_numeric(&f, 0, SQL_C_NUMERIC, 0, WcharMode::Utf16, 0, 0).unwrap();
    assert_eq!(bytes, numeric_struct(1, 38, 1).to_vec());
    // Round trip through a parameter.
    for (v, s) in [
        (1_234_500_000i128, 8u8),
        (-7, 0),
        (i128::from(i64::MAX) * 1000, 3),
    ] {
        let st = numeric_struct(v, 38, s as i8);
        let back = unsafe {
            read_param(
                SQL_C_NUMERIC,
                SQL_DECIMAL,
                38,
                s as i16,
                st.as_ptr() as *const c_void,
                0,
                None,
                WcharMode::Utf16,
            )
        }
        .unwrap();
        assert_eq!(back, ScalarValue::Decimal128(Some(v), 38, s as i8));
        let a = dec(v, 38, s as i8);
        let (bytes, _, _) = get_numeric(&a, 0, SQL_C_NUMERIC, 0, WcharMode::Utf16, 0, 0).unwrap();
        assert_eq!(bytes, st.to_vec());
    }
}

#[test]
fn bound_text_truncates_once_with_the_full_length() {
    let a = arr(StringArray::from(vec!["abcdef"]));
    let (bytes, ind, outcome) = get(&a, 0, SQL_C_CHAR, 4, WcharMode::Utf16).unwrap();
    assert_eq!(
        (bytes, ind, outcome),
        (narrow("abc"), 6, Outcome::Truncated)
    );
    let (bytes, ind, outcome) = get(&a, 0, SQL_C_WCHAR, 6, WcharMode::Utf16).unwrap();
    assert_eq!(
        (bytes, ind, outcome),
        (wide("ab", WcharMode::Utf16), 12, Outcome::Truncated)
    );
    let (bytes, ind, outcome) = get(&a, 0, SQL_C_WCHAR, 11, WcharMode::Ucs4).unwrap();
    assert_eq!(
        (bytes, ind, outcome),
        (wide("a", WcharMode::Ucs4), 24, Outcome::Truncated)
    );
    // Exactly fitting text plus terminator is not truncated.
    let (bytes, ind, outcome) = get(&a, 0, SQL_C_CHAR, 7, WcharMode::Utf16).unwrap();
    assert_eq!((bytes, ind, outcome), (narrow("abcdef"), 6, Outcome::Done));
    // No room even for the terminator: nothing written, the length reported.
    let (bytes, ind, outcome) = get(&a, 0, SQL_C_CHAR, 0, WcharMode::Utf16).unwrap();
    assert_eq!((bytes, ind, outcome), (vec![], 6, Outcome::Truncated));
    // A multi-byte character is never split: "é" is 2 bytes in UTF-8.
    let e = arr(StringArray::from(vec!["aé"]));
    let (bytes, ind, outcome) = get(&e, 0, SQL_C_CHAR, 3, WcharMode::Utf16).unwrap();
    assert_eq!((bytes, ind, outcome), (narrow("a"), 3, Outcome::Truncated));
    // Binary: no terminator.
    let b = arr(BinaryArray::from(vec![&b"\x01\x02\x03"[..]]));
    let (bytes, ind, outcome) = get(&b, 0, SQL_C_BINARY, 2, WcharMode::Utf16).unwrap();
    assert_eq!((bytes, ind, outcome), (vec![1, 2], 3, Outcome::Truncated));
    // Hex text of binary: two characters a byte.
    let (bytes, ind, outcome) = get(&b, 0, SQL_C_CHAR, 4, WcharMode::Utf16).unwrap();
    assert_eq!(
        (bytes, ind, outcome),
        (narrow("010"), 6, Outcome::Truncated)
    );
}

#[test]
fn numbers_and_datetimes_as_text_keep_their_whole_part_or_fail() {
    let d = dec(12_345_678, 38, 3); // 12345.678
    let (bytes, ind, outcome) = get(&d, 0, SQL_C_CHAR, 6, WcharMode::Utf16).unwrap();
    assert_eq!(
        (bytes, ind, outcome),
        (narrow("12345"), 9, Outcome::Truncated)
    );
    assert_eq!(
        get(&d, 0, SQL_C_CHAR, 5, WcharMode::Utf16)
            .unwrap_err()
            .sqlstate,
        "22003"
    );
    let (bytes, ind, _) = get(&d, 0, SQL_C_WCHAR, 12, WcharMode::Utf16).unwrap();
    assert_eq!((bytes, ind), (wide("12345", WcharMode::Utf16), 18));
    assert_eq!(
        get(&d, 0, SQL_C_WCHAR, 11, WcharMode::Utf16)
            .unwrap_err()
            .sqlstate,
        "22003"
    );
    let i = arr(Int64Array::from(vec![-1234]));
    assert_eq!(
        get(&i, 0, SQL_C_CHAR, 5, WcharMode::Utf16)
            .unwrap_err()
            .sqlstate,
        "22003"
    );
    let date_a = arr(Date32Array::from(vec![days("2024-02-09")]));
    assert_eq!(
        get(&date_a, 0, SQL_C_CHAR, 10, WcharMode::Utf16)
            .unwrap_err()
            .sqlstate,
        "22003"
    );
    assert_eq!(
        get(&date_a, 0, SQL_C_CHAR, 11, WcharMode::Utf16).unwrap().0,
        narrow("2024-02-09")
    );
    let ts = ts_array("2024-02-09 23:59:58.123456");
    let (bytes, ind, outcome) = get(&ts, 0, SQL_C_CHAR, 20, WcharMode::Utf16).unwrap();
    assert_eq!(
        (bytes, ind, outcome),
        (narrow("2024-02-09 23:59:58"), 26, Outcome::Truncated)
    );
    assert_eq!(
        get(&ts, 0, SQL_C_CHAR, 19, WcharMode::Utf16)
            .unwrap_err()
            .sqlstate,
        "22003"
    );
    let t = time_ns(1, 2, 3, 0);
    assert_eq!(
        get(&t, 0, SQL_C_CHAR, 8, WcharMode::Utf16)
            .unwrap_err()
            .sqlstate,
        "22003"
    );
    // A null buffer only reports the length, never an error.
    let buf = CBuffer {
        c_type: SQL_C_CHAR,
        ptr: std::ptr::null_mut(),
        len: 0,
        precision: 0,
        scale: 0,
    };
    let r =
        unsafe { write_value(d.as_ref(), &field_of(&d), 0, &buf, WcharMode::Utf16, None) }.unwrap();
    assert_eq!(r, (9, Outcome::Truncated));
}

/// Reads a whole cell with SQLGetData in `len`-byte chunks; returns the chunks (without
/// terminators) and checks every indicator against what remained.
fn chunks(a: &ArrayRef, c_type: i16, len: usize, mode: WcharMode) -> Vec<Vec<u8>> {
    let field = field_of(a);
    let mut p = Progress::default();
    let term = match c_type {
        SQL_C_CHAR => 1,
        SQL_C_WCHAR => mode.width(),
        _ => 0,
    };
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut remaining: Option<isize> = None;
    for _ in 0..10_000 {
        let mut storage = vec![0xAAu8; len];
        let buf = CBuffer {
            c_type,
            ptr: storage.as_mut_ptr() as *mut c_void,
            len: len as isize,
            precision: 0,
            scale: 0,
        };
        let (ind, outcome) =
            unsafe { write_value(a.as_ref(), &field, 0, &buf, mode, Some(&mut p)) }.unwrap();
        if outcome == Outcome::NoData {
            return out;
        }
        if let Some(r) = remaining {
            assert_eq!(ind, r, "the indicator is what remained before this call");
        }
        let n = match outcome {
            Outcome::Done => ind as usize,
            _ => {
                assert_eq!(outcome, Outcome::Truncated);
                // What was written: everything before the terminator, which is followed
                // by untouched fill (or the end of the buffer).
                let mut n = len - term;
                while n > 0 && storage[n..n + term].iter().any(|b| *b != 0) {
                    n -= 1;
                }
                n
            }
        };
        assert!(storage[n..n + term].iter().all(|b| *b == 0), "terminated");
        out.push(storage[..n].to_vec());
        remaining = Some(ind - n as isize);
        if outcome == Outcome::Done {
            // The next call must be SQL_NO_DATA.
            let mut storage = vec![0u8; len.max(1)];
            let buf = CBuffer {
                c_type,
                ptr: storage.as_mut_ptr() as *mut c_void,
                len: len as isize,
                precision: 0,
                scale: 0,
            };
            let again =
                unsafe { write_value(a.as_ref(), &field, 0, &buf, mode, Some(&mut p)) }.unwrap();
            assert_eq!(again.1, Outcome::NoData);
            return out;
        }
    }
    panic!("GetData never finished");
}

fn decode(bytes: &[u8], c_type: i16, mode: WcharMode) -> String {
    let mut b = bytes.to_vec();
    if c_type == SQL_C_CHAR {
        return String::from_utf8(b).expect("a chunk never splits a UTF-8 character");
    }
    b.extend(std::iter::repeat_n(0u8, mode.width()));
    let units = (bytes.len() / mode.width()) as i32;
    let s = unsafe { Wide::read(b.as_ptr() as *const c_void, units, mode) }.unwrap();
    assert!(
        !s.contains('\u{FFFD}'),
        "a chunk never splits a surrogate pair"
    );
    s
}

#[test]
fn chunked_get_data_never_splits_characters() {
    let long: String = "顧客管理🍣データ😀é-".repeat(40);
    let a = arr(StringArray::from(vec![long.clone()]));
    let cases: Vec<(i16, WcharMode, Vec<usize>)> = vec![
        (SQL_C_CHAR, WcharMode::Utf16, vec![5, 6, 7, 8, 13, 64, 4096]),
        (SQL_C_WCHAR, WcharMode::Utf16, vec![6, 7, 8, 10, 64, 4096]),
        (SQL_C_WCHAR, WcharMode::Ucs4, vec![8, 9, 12, 16, 64, 4096]),
    ];
    for (c_type, mode, sizes) in cases {
        for len in sizes {
            let parts = chunks(&a, c_type, len, mode);
            let joined: String = parts.iter().map(|p| decode(p, c_type, mode)).collect();
            assert_eq!(joined, long, "{c_type} {mode:?} buffer {len}");
            if len < 100 {
                assert!(parts.len() > 1);
            }
        }
    }
    // Binary chunks concatenate to the bytes.
    let bytes: Vec<u8> = (0..=255u8).collect();
    let b = arr(BinaryArray::from(vec![&bytes[..]]));
    for len in [1, 7, 256, 300] {
        assert_eq!(
            chunks(&b, SQL_C_BINARY, len, WcharMode::Utf16).concat(),
            bytes
        );
    }
    // A number as text in chunks.
    let d = dec(12_345_678, 38, 3);
    let parts = chunks(&d, SQL_C_CHAR, 7, WcharMode::Utf16);
    assert_eq!(parts, vec![b"12345.".to_vec(), b"678".to_vec()]);
}

#[test]
fn get_data_of_null_empty_and_fixed_values_then_no_data() {
    let cases: Vec<(ArrayRef, i16, isize)> = vec![
        (
            arr(StringArray::from(vec![None::<&str>])),
            SQL_C_WCHAR,
            SQL_NULL_DATA,
        ),
        (arr(StringArray::from(vec![""])), SQL_C_CHAR, 0),
        (arr(StringArray::from(vec![""])), SQL_C_WCHAR, 0),
        (arr(Int64Array::from(vec![9])), SQL_C_SLONG, 4),
        (arr(Date32Array::from(vec![0])), SQL_C_TYPE_DATE, 6),
    ];
    for (a, c_type, want) in cases {
        let mut p = Progress::default();
        let mut storage = [0u8; 32];
        let buf = CBuffer {
            c_type,
            ptr: storage.as_mut_ptr() as *mut c_void,
            len: 32,
            precision: 0,
            scale: 0,
        };
        let first = unsafe {
            write_value(
                a.as_ref(),
                &field_of(&a),
                0,
                &buf,
                WcharMode::Utf16,
                Some(&mut p),
            )
        }
        .unwrap();
        assert_eq!(
            first,
            (want, Outcome::Done),
            "{} as {c_type}",
            a.data_type()
        );
        assert!(p.started());
        let second = unsafe {
            write_value(
                a.as_ref(),
                &field_of(&a),
                0,
                &buf,
                WcharMode::Utf16,
                Some(&mut p),
            )
        }
        .unwrap();
        assert_eq!(second.1, Outcome::NoData);
    }
    // A length probe (null buffer) consumes nothing: the data still comes whole after.
    let a = arr(StringArray::from(vec!["abc"]));
    let mut p = Progress::default();
    let probe = CBuffer {
        c_type: SQL_C_CHAR,
        ptr: std::ptr::null_mut(),
        len: 0,
        precision: 0,
        scale: 0,
    };
    let r = unsafe {
        write_value(
            a.as_ref(),
            &field_of(&a),
            0,
            &probe,
            WcharMode::Utf16,
            Some(&mut p),
        )
    }
    .unwrap();
    assert_eq!(r, (3, Outcome::Truncated));
    let mut storage = [0u8; 8];
    let buf = CBuffer {
        ptr: storage.as_mut_ptr() as *mut c_void,
        len: 8,
        ..probe
    };
    let r = unsafe {
        write_value(
            a.as_ref(),
            &field_of(&a),
            0,
            &buf,
            WcharMode::Utf16,
            Some(&mut p),
        )
    }
    .unwrap();
    assert_eq!(r, (3, Outcome::Done));
    assert_eq!(&storage[..4], b"abc\0");
    // The same for a fixed-size type.
    let n = arr(Int32Array::from(vec![77]));
    let mut p = Progress::default();
    let probe = CBuffer {
        c_type: SQL_C_SLONG,
        ..probe
    };
    let r = unsafe {
        write_value(
            n.as_ref(),
            &field_of(&n),
            0,
            &probe,
            WcharMode::Utf16,
            Some(&mut p),
        )
    }
    .unwrap();
    assert_eq!(r, (4, Outcome::Done));
    let mut out = 0i32;
    let buf = CBuffer {
        ptr: &mut out as *mut i32 as *mut c_void,
        len: 4,
        ..probe
    };
    let r = unsafe {
        write_value(
            n.as_ref(),
            &field_of(&n),
            0,
            &buf,
            WcharMode::Utf16,
            Some(&mut p),
        )
    }
    .unwrap();
    assert_eq!((r, out), ((4, Outcome::Done), 77));
}

// ---- C → SQL (parameters) ----

unsafe fn param(
    c_type: i16,
    sql_type: i16,
    digits: i16,
    bytes: &[u8],
    buffer_len: isize,
    ind: Option<isize>,
    mode: WcharMode,
) -> Result<ScalarValue, ConvError> {
    unsafe {
        read_param(
            c_type,
            sql_type,
            0,
            digits,
            bytes.as_ptr() as *const c_void,
            buffer_len,
            ind,
            mode,
        )
    }
}

fn p(
    c_type: i16,
    sql_type: i16,
    bytes: &[u8],
    ind: Option<isize>,
) -> Result<ScalarValue, ConvError> {
    unsafe { param(c_type, sql_type, 0, bytes, 0, ind, WcharMode::Utf16) }
}

fn utf8(s: &str) -> ScalarValue {
    ScalarValue::Utf8(Some(s.to_string()))
}

fn ts_scalar(s: &str) -> ScalarValue {
    ScalarValue::TimestampMicrosecond(Some(micros(s)), Some("UTC".into()))
}

#[test]
fn text_parameters_nts_lengths_and_both_widths() {
    let s = "顧客🍣";
    assert_eq!(
        p(SQL_C_CHAR, SQL_WVARCHAR, &narrow(s), Some(SQL_NTSL)),
        Ok(utf8(s))
    );
    assert_eq!(p(SQL_C_CHAR, SQL_VARCHAR, &narrow(s), None), Ok(utf8(s)));
    assert_eq!(
        p(SQL_C_CHAR, SQL_WVARCHAR, b"hello", Some(3)),
        Ok(utf8("hel"))
    );
    assert_eq!(p(SQL_C_CHAR, SQL_WVARCHAR, b"", Some(0)), Ok(utf8("")));
    // NTS without a terminator inside the buffer stops at the buffer's end.
    let r = unsafe {
        param(
            SQL_C_CHAR,
            SQL_WVARCHAR,
            0,
            b"abc",
            3,
            Some(SQL_NTSL),
            WcharMode::Utf16,
        )
    };
    assert_eq!(r, Ok(utf8("abc")));
    for mode in MODES {
        let w = wide(s, mode);
        let r = unsafe { param(SQL_C_WCHAR, SQL_WVARCHAR, 0, &w, 0, Some(SQL_NTSL), mode) };
        assert_eq!(r, Ok(utf8(s)), "{mode:?}");
        let r = unsafe { param(SQL_C_WCHAR, SQL_WLONGVARCHAR, 0, &w, 0, None, mode) };
        assert_eq!(r, Ok(utf8(s)));
        let n = Wide::encode("顧客", mode).len() as isize;
        let r = unsafe { param(SQL_C_WCHAR, SQL_WVARCHAR, 0, &w, 0, Some(n), mode) };
        assert_eq!(r, Ok(utf8("顧客")));
        let r = unsafe { param(SQL_C_WCHAR, SQL_WVARCHAR, 0, &w, 0, Some(3), mode) };
        assert_eq!(
            r.unwrap_err().sqlstate,
            "HY090",
            "not a whole number of characters"
        );
    }
    assert_eq!(
        p(SQL_C_CHAR, SQL_WVARCHAR, b"x", Some(-7))
            .unwrap_err()
            .sqlstate,
        "HY090"
    );
    // Text into typed columns parses.
    let cases: Vec<(i16, i16, &str, Result<ScalarValue, &str>)> = vec![
        (SQL_INTEGER, 0, " 42 ", Ok(ScalarValue::Int32(Some(42)))),
        (SQL_INTEGER, 0, "4.9", Ok(ScalarValue::Int32(Some(4)))),
        (SQL_INTEGER, 0, "abc", Err("22018")),
        (SQL_INTEGER, 0, "3000000000", Err("22003")),
        (
            SQL_BIGINT,
            0,
            "3000000000",
            Ok(ScalarValue::Int64(Some(3_000_000_000))),
        ),
        (SQL_SMALLINT, 0, "-5", Ok(ScalarValue::Int16(Some(-5)))),
        (SQL_TINYINT, 0, "200", Err("22003")),
        (
            SQL_DECIMAL,
            2,
            "12.345",
            Ok(ScalarValue::Decimal128(Some(12345), 38, 3)),
        ),
        (
            SQL_DECIMAL,
            2,
            "12.3",
            Ok(ScalarValue::Decimal128(Some(1230), 38, 2)),
        ),
        (
            SQL_NUMERIC,
            0,
            "-7",
            Ok(ScalarValue::Decimal128(Some(-7), 38, 0)),
        ),
        (SQL_DECIMAL, 0, "1e40", Err("22003")),
        (SQL_DOUBLE, 0, "2.5", Ok(ScalarValue::Float64(Some(2.5)))),
        (SQL_DOUBLE, 0, "1e400", Err("22018")),
        (SQL_REAL, 0, "0.5", Ok(ScalarValue::Float32(Some(0.5)))),
        (SQL_BIT, 0, "1", Ok(ScalarValue::Boolean(Some(true)))),
        (SQL_BIT, 0, "false", Ok(ScalarValue::Boolean(Some(false)))),
        (SQL_BIT, 0, "2", Err("22003")),
        (
            SQL_TYPE_DATE,
            0,
            "2024-02-09",
            Ok(ScalarValue::Date32(Some(days("2024-02-09")))),
        ),
        (
            SQL_DATE,
            0,
            "{d '2024-02-09'}",
            Ok(ScalarValue::Date32(Some(days("2024-02-09")))),
        ),
        (SQL_TYPE_DATE, 0, "2024-02-09 10:00:00", Err("22008")),
        (SQL_TYPE_DATE, 0, "9 Feb", Err("22018")),
        (
            SQL_TYPE_TIME,
            0,
            "10:30:15",
            Ok(ScalarValue::Time64Nanosecond(Some(37_815_000_000_000))),
        ),
        (
            SQL_TYPE_TIMESTAMP,
            0,
            "2024-02-09 10:00:00.5",
            Ok(ts_scalar("2024-02-09 10:00:00.5")),
        ),
        (
            SQL_TIMESTAMP,
            0,
            "2024-02-09T10:00:00+09:00",
            Ok(ts_scalar("2024-02-09 01:00:00")),
        ),
        (
            SQL_VARBINARY,
            0,
            "01ff",
            Ok(ScalarValue::Binary(Some(vec![1, 255]))),
        ),
        (SQL_VARBINARY, 0, "zz", Err("22018")),
        (SQL_UNKNOWN_TYPE, 0, "x", Ok(utf8("x"))),
    ];
    for (sql_type, digits, text, want) in cases {
        let got = unsafe {
            param(
                SQL_C_CHAR,
                sql_type,
                digits,
                &narrow(text),
                0,
                Some(SQL_NTSL),
                WcharMode::Utf16,
            )
        };
        match want {
            Ok(v) => assert_eq!(got, Ok(v), "{text:?} as {sql_type}"),
            Err(state) => assert_eq!(
                got.map_err(|e| e.sqlstate),
                Err(state),
                "{text:?} as {sql_type}"
            ),
        }
    }
}

#[test]
fn null_parameters_are_typed() {
    let cases = [
        (SQL_WVARCHAR, ScalarValue::Utf8(None)),
        (SQL_INTEGER, ScalarValue::Int32(None)),
        (SQL_BIGINT, ScalarValue::Int64(None)),
        (SQL_DECIMAL, ScalarValue::Decimal128(None, 38, 2)),
        (SQL_DOUBLE, ScalarValue::Float64(None)),
        (SQL_BIT, ScalarValue::Boolean(None)),
        (SQL_TYPE_DATE, ScalarValue::Date32(None)),
        (SQL_TYPE_TIME, ScalarValue::Time64Nanosecond(None)),
        (
            SQL_TIMESTAMP,
            ScalarValue::TimestampMicrosecond(None, Some("UTC".into())),
        ),
        (SQL_VARBINARY, ScalarValue::Binary(None)),
        (SQL_UNKNOWN_TYPE, ScalarValue::Null),
    ];
    for (sql_type, want) in cases {
        // A NULL needs no buffer at all.
        let got = unsafe {
            read_param(
                SQL_C_SLONG,
                sql_type,
                0,
                2,
                std::ptr::null(),
                0,
                Some(SQL_NULL_DATA),
                WcharMode::Utf16,
            )
        };
        assert_eq!(got, Ok(want), "{sql_type}");
    }
}

/// C type, the C bytes, SQL type, and the value or SQLSTATE.
type ParamCase = (i16, Vec<u8>, i16, Result<ScalarValue, &'static str>);

#[test]
fn fixed_parameters_each_c_type() {
    let cases: Vec<ParamCase> = vec![
        (
            SQL_C_SLONG,
            42i32.to_ne_bytes().to_vec(),
            SQL_INTEGER,
            Ok(ScalarValue::Int32(Some(42))),
        ),
        (
            SQL_C_LONG,
            (-42i32).to_ne_bytes().to_vec(),
            SQL_BIGINT,
            Ok(ScalarValue::Int64(Some(-42))),
        ),
        (
            SQL_C_ULONG,
            u32::MAX.to_ne_bytes().to_vec(),
            SQL_INTEGER,
            Err("22003"),
        ),
        (
            SQL_C_ULONG,
            u32::MAX.to_ne_bytes().to_vec(),
            SQL_BIGINT,
            Ok(ScalarValue::Int64(Some(4_294_967_295))),
        ),
        (
            SQL_C_SSHORT,
            (-3i16).to_ne_bytes().to_vec(),
            SQL_SMALLINT,
            Ok(ScalarValue::Int16(Some(-3))),
        ),
        (
            SQL_C_SHORT,
            3i16.to_ne_bytes().to_vec(),
            SQL_INTEGER,
            Ok(ScalarValue::Int32(Some(3))),
        ),
        (
            SQL_C_USHORT,
            65535u16.to_ne_bytes().to_vec(),
            SQL_SMALLINT,
            Err("22003"),
        ),
        (
            SQL_C_STINYINT,
            (-1i8).to_ne_bytes().to_vec(),
            SQL_TINYINT,
            Ok(ScalarValue::Int8(Some(-1))),
        ),
        (
            SQL_C_TINYINT,
            5i8.to_ne_bytes().to_vec(),
            SQL_SMALLINT,
            Ok(ScalarValue::Int16(Some(5))),
        ),
        (SQL_C_UTINYINT, vec![255], SQL_TINYINT, Err("22003")),
        (
            SQL_C_SBIGINT,
            (1i64 << 40).to_ne_bytes().to_vec(),
            SQL_INTEGER,
            Err("22003"),
        ),
        (
            SQL_C_SBIGINT,
            (1i64 << 40).to_ne_bytes().to_vec(),
            SQL_BIGINT,
            Ok(ScalarValue::Int64(Some(1 << 40))),
        ),
        (
            SQL_C_UBIGINT,
            u64::MAX.to_ne_bytes().to_vec(),
            SQL_BIGINT,
            Err("22003"),
        ),
        (
            SQL_C_UBIGINT,
            u64::MAX.to_ne_bytes().to_vec(),
            SQL_DECIMAL,
            Ok(ScalarValue::Decimal128(Some(u64::MAX as i128), 38, 0)),
        ),
        (
            SQL_C_SLONG,
            42i32.to_ne_bytes().to_vec(),
            SQL_DECIMAL,
            Ok(ScalarValue::Decimal128(Some(42), 38, 0)),
        ),
        (
            SQL_C_SLONG,
            42i32.to_ne_bytes().to_vec(),
            SQL_WVARCHAR,
            Ok(utf8("42")),
        ),
        (
            SQL_C_SLONG,
            42i32.to_ne_bytes().to_vec(),
            SQL_DOUBLE,
            Ok(ScalarValue::Float64(Some(42.0))),
        ),
        (
            SQL_C_SLONG,
            1i32.to_ne_bytes().to_vec(),
            SQL_BIT,
            Ok(ScalarValue::Boolean(Some(true))),
        ),
        (
            SQL_C_SLONG,
            2i32.to_ne_bytes().to_vec(),
            SQL_BIT,
            Err("22003"),
        ),
        (
            SQL_C_SLONG,
            1i32.to_ne_bytes().to_vec(),
            SQL_TYPE_DATE,
            Err("07006"),
        ),
        (
            SQL_C_DOUBLE,
            1.5f64.to_ne_bytes().to_vec(),
            SQL_DOUBLE,
            Ok(ScalarValue::Float64(Some(1.5))),
        ),
        (
            SQL_C_DOUBLE,
            1.5f64.to_ne_bytes().to_vec(),
            SQL_INTEGER,
            Ok(ScalarValue::Int32(Some(1))),
        ),
        (
            SQL_C_DOUBLE,
            1.5f64.to_ne_bytes().to_vec(),
            SQL_DECIMAL,
            Ok(ScalarValue::Decimal128(Some(15), 38, 1)),
        ),
        (
            SQL_C_DOUBLE,
            1e300f64.to_ne_bytes().to_vec(),
            SQL_REAL,
            Err("22003"),
        ),
        (
            SQL_C_DOUBLE,
            0.1f64.to_ne_bytes().to_vec(),
            SQL_WVARCHAR,
            Ok(utf8("0.1")),
        ),
        (
            SQL_C_FLOAT,
            0.5f32.to_ne_bytes().to_vec(),
            SQL_REAL,
            Ok(ScalarValue::Float32(Some(0.5))),
        ),
        (
            SQL_C_FLOAT,
            0.5f32.to_ne_bytes().to_vec(),
            SQL_DOUBLE,
            Ok(ScalarValue::Float64(Some(0.5))),
        ),
        (
            SQL_C_BIT,
            vec![1],
            SQL_BIT,
            Ok(ScalarValue::Boolean(Some(true))),
        ),
        (
            SQL_C_BIT,
            vec![0],
            SQL_INTEGER,
            Ok(ScalarValue::Int32(Some(0))),
        ),
        (SQL_C_BIT, vec![1], SQL_WVARCHAR, Ok(utf8("1"))),
        (
            SQL_C_TYPE_DATE,
            date_struct(2024, 2, 9),
            SQL_TYPE_DATE,
            Ok(ScalarValue::Date32(Some(days("2024-02-09")))),
        ),
        (
            SQL_C_DATE,
            date_struct(2024, 2, 9),
            SQL_DATE,
            Ok(ScalarValue::Date32(Some(days("2024-02-09")))),
        ),
        (
            SQL_C_TYPE_DATE,
            date_struct(2024, 2, 9),
            SQL_TYPE_TIMESTAMP,
            Ok(ts_scalar("2024-02-09 00:00:00")),
        ),
        (
            SQL_C_TYPE_DATE,
            date_struct(2024, 2, 9),
            SQL_WVARCHAR,
            Ok(utf8("2024-02-09")),
        ),
        (
            SQL_C_TYPE_DATE,
            date_struct(2024, 2, 30),
            SQL_TYPE_DATE,
            Err("22007"),
        ),
        (
            SQL_C_TYPE_DATE,
            date_struct(2024, 2, 9),
            SQL_INTEGER,
            Err("07006"),
        ),
        (
            SQL_C_TYPE_TIME,
            time_struct(10, 30, 15),
            SQL_TYPE_TIME,
            Ok(ScalarValue::Time64Nanosecond(Some(37_815_000_000_000))),
        ),
        (
            SQL_C_TIME,
            time_struct(25, 0, 0),
            SQL_TYPE_TIME,
            Err("22007"),
        ),
        (
            SQL_C_TYPE_TIME,
            time_struct(10, 30, 15),
            SQL_WVARCHAR,
            Ok(utf8("10:30:15")),
        ),
        (
            SQL_C_TYPE_TIMESTAMP,
            ts_struct((2024, 2, 9), (23, 59, 58), 123_456_789),
            SQL_TYPE_TIMESTAMP,
            Ok(ts_scalar("2024-02-09 23:59:58.123456")),
        ),
        (
            SQL_C_TIMESTAMP,
            ts_struct((2024, 2, 9), (1, 2, 3), 0),
            SQL_TIMESTAMP,
            Ok(ts_scalar("2024-02-09 01:02:03")),
        ),
        (
            SQL_C_TYPE_TIMESTAMP,
            ts_struct((2024, 2, 9), (0, 0, 0), 0),
            SQL_TYPE_DATE,
            Ok(ScalarValue::Date32(Some(days("2024-02-09")))),
        ),
        (
            SQL_C_TYPE_TIMESTAMP,
            ts_struct((2024, 2, 9), (1, 0, 0), 0),
            SQL_TYPE_DATE,
            Err("22008"),
        ),
        (
            SQL_C_TYPE_TIMESTAMP,
            ts_struct((2024, 2, 9), (1, 2, 3), 0),
            SQL_TYPE_TIME,
            Ok(ScalarValue::Time64Nanosecond(Some(3_723_000_000_000))),
        ),
        (
            SQL_C_TYPE_TIMESTAMP,
            ts_struct((2024, 2, 9), (1, 2, 3), 500_000_000),
            SQL_WVARCHAR,
            Ok(utf8("2024-02-09 01:02:03.5")),
        ),
        (
            SQL_C_TYPE_TIMESTAMP,
            ts_struct((2024, 13, 9), (1, 2, 3), 0),
            SQL_TYPE_TIMESTAMP,
            Err("22007"),
        ),
        (
            SQL_C_NUMERIC,
            numeric_struct(-1234, 10, 2).to_vec(),
            SQL_DECIMAL,
            Ok(ScalarValue::Decimal128(Some(-1234), 38, 2)),
        ),
        (
            SQL_C_NUMERIC,
            numeric_struct(-1234, 10, 2).to_vec(),
            SQL_DOUBLE,
            Ok(ScalarValue::Float64(Some(-12.34))),
        ),
        (
            SQL_C_NUMERIC,
            numeric_struct(1250, 10, 2).to_vec(),
            SQL_INTEGER,
            Ok(ScalarValue::Int32(Some(12))),
        ),
        (
            SQL_C_NUMERIC,
            numeric_struct(1250, 10, 2).to_vec(),
            SQL_WVARCHAR,
            Ok(utf8("12.50")),
        ),
        (
            SQL_C_GUID,
            [
                0x12345678u32.to_ne_bytes().to_vec(),
                0x9abcu16.to_ne_bytes().to_vec(),
                0xdef0u16.to_ne_bytes().to_vec(),
                vec![1, 2, 3, 4, 5, 6, 7, 8],
            ]
            .concat(),
            SQL_GUID,
            Ok(utf8("12345678-9abc-def0-0102-030405060708")),
        ),
        (
            SQL_C_SLONG,
            7i32.to_ne_bytes().to_vec(),
            SQL_UNKNOWN_TYPE,
            Ok(ScalarValue::Int64(Some(7))),
        ),
        (
            SQL_C_DOUBLE,
            0.5f64.to_ne_bytes().to_vec(),
            SQL_UNKNOWN_TYPE,
            Ok(ScalarValue::Float64(Some(0.5))),
        ),
        (
            SQL_C_DEFAULT,
            7i32.to_ne_bytes().to_vec(),
            SQL_INTEGER,
            Ok(ScalarValue::Int32(Some(7))),
        ),
        (101, vec![0; 32], SQL_WVARCHAR, Err("07006")),
        (4321, vec![0; 32], SQL_WVARCHAR, Err("HY003")),
    ];
    for (i, (c_type, bytes, sql_type, want)) in cases.into_iter().enumerate() {
        // Fixed types ignore the indicator's length (only NULL matters).
        for ind in [None, Some(999)] {
            let got = unsafe { param(c_type, sql_type, 0, &bytes, 0, ind, WcharMode::Utf16) };
            match &want {
                Ok(v) => assert_eq!(got.as_ref(), Ok(v), "case {i}: C {c_type} → SQL {sql_type}"),
                Err(state) => assert_eq!(
                    got.map_err(|e| e.sqlstate),
                    Err(*state),
                    "case {i}: C {c_type} → SQL {sql_type}"
                ),
            }
        }
    }
}

#[test]
fn binary_parameters_and_bad_pointers() {
    assert_eq!(
        p(SQL_C_BINARY, SQL_VARBINARY, b"\x00\x01\x02", Some(2)),
        Ok(ScalarValue::Binary(Some(vec![0, 1])))
    );
    let r = unsafe {
        param(
            SQL_C_BINARY,
            SQL_VARBINARY,
            0,
            b"\x00\x01\x02",
            3,
            None,
            WcharMode::Utf16,
        )
    };
    assert_eq!(r, Ok(ScalarValue::Binary(Some(vec![0, 1, 2]))));
    assert_eq!(
        p(SQL_C_BINARY, SQL_VARBINARY, b"\x00", None)
            .unwrap_err()
            .sqlstate,
        "HY090"
    );
    assert_eq!(
        p(SQL_C_BINARY, SQL_WVARCHAR, b"\x01\xab", Some(2)),
        Ok(utf8("01AB"))
    );
    assert_eq!(
        p(SQL_C_BINARY, SQL_INTEGER, b"\x01", Some(1))
            .unwrap_err()
            .sqlstate,
        "07006"
    );
    let r = unsafe {
        read_param(
            SQL_C_CHAR,
            SQL_WVARCHAR,
            0,
            0,
            std::ptr::null(),
            0,
            Some(3),
            WcharMode::Utf16,
        )
    };
    assert_eq!(r.unwrap_err().sqlstate, "HY009");
    for (ind, state) in [
        (SQL_DATA_AT_EXEC, "HY000"),
        (SQL_LEN_DATA_AT_EXEC_OFFSET - 10, "HY000"),
        (SQL_DEFAULT_PARAM, "07S01"),
    ] {
        let r = p(SQL_C_SLONG, SQL_INTEGER, &1i32.to_ne_bytes(), Some(ind));
        assert_eq!(r.unwrap_err().sqlstate, state, "indicator {ind}");
    }
}

#[test]
fn messages_never_carry_long_values() {
    let secret = "s3cr3t-".repeat(20);
    let e = p(SQL_C_CHAR, SQL_INTEGER, &narrow(&secret), Some(SQL_NTSL)).unwrap_err();
    assert_eq!(e.sqlstate, "22018");
    assert!(!e.message.contains(&secret));
    assert!(e.message.chars().count() < 120, "{}", e.message);
}

#[test]
fn c_type_sizes_and_validity() {
    assert_eq!(c_type_size(SQL_C_SLONG), Some(4));
    assert_eq!(c_type_size(SQL_C_TYPE_TIMESTAMP), Some(16));
    assert_eq!(c_type_size(SQL_C_NUMERIC), Some(19));
    assert_eq!(c_type_size(SQL_C_CHAR), None);
    assert!(is_c_type(SQL_C_WCHAR) && is_c_type(SQL_C_DEFAULT) && is_c_type(105));
    assert!(!is_c_type(1234));
    // Narrow is used by the encoding for SQL_C_CHAR; the terminator rules match.
    assert_eq!(Narrow::unit_size(WcharMode::Ucs4), 1);
}

#[test]
fn outcomes_name_their_warnings() {
    assert_eq!(Outcome::Truncated.warning().map(|w| w.0), Some("01004"));
    assert_eq!(
        Outcome::FractionTruncated.warning().map(|w| w.0),
        Some("01S07")
    );
    assert_eq!(Outcome::Done.warning(), None);
    assert_eq!(Outcome::NoData.warning(), None);
}
