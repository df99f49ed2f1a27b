//! Property tests of the C-type conversions: any bytes in any C type's buffer convert or
//! give an SQLSTATE, never a panic; numbers survive C → SQL and SQL → C exactly; text
//! comes back whole through chunked `SQLGetData`.

use std::ffi::c_void;
use std::sync::Arc;

use kintone_sql::arrow::array::*;
use kintone_sql::arrow::datatypes::Field;
use kintone_sql::datafusion::common::ScalarValue;
use kintoneodbc::convert::{read_param, write_value, CBuffer, Outcome, Progress};
use kintoneodbc::encoding::{Encoding, WcharMode, Wide};
use kintoneodbc::sys::*;
use proptest::prelude::*;

#[path = "support/c_types.rs"]
mod c_types;
use c_types::{C_TYPES, SQL_TYPES};

fn mode() -> impl Strategy<Value = WcharMode> {
    prop_oneof![Just(WcharMode::Utf16), Just(WcharMode::Ucs4)]
}

/// Zero bytes after the data: a terminated-string scan always ends inside the
/// allocation, and every fixed-size C type (at most 19 bytes) fits.
const TAIL: usize = 24;

/// How the application describes the buffer: an indicator within the bytes given or
/// one of ODBC's special values, and a buffer length that may be anything.
#[derive(Clone, Debug)]
struct ParamCase {
    c_type: i16,
    sql_type: i16,
    decimal_digits: i16,
    bytes: Vec<u8>,
    indicator: Option<isize>,
    buffer_len: isize,
}

fn param_case() -> impl Strategy<Value = ParamCase> {
    (
        prop::sample::select(C_TYPES),
        prop::sample::select(SQL_TYPES),
        -2i16..40,
        prop::collection::vec(any::<u8>(), 0..48),
        0usize..8,
        any::<prop::sample::Index>(),
        prop_oneof![Just(-5isize), Just(0isize), Just(1isize), 2isize..80],
    )
        .prop_map(
            |(c_type, sql_type, decimal_digits, bytes, kind, at, buffer_len)| {
                let indicator = match kind {
                    0 => None,
                    1 => Some(SQL_NTSL),
                    2 => Some(SQL_NULL_DATA),
                    3 => Some(SQL_DATA_AT_EXEC),
                    4 => Some(SQL_DEFAULT_PARAM),
                    5 => Some(-1000),
                    _ => Some(at.index(bytes.len() + 1) as isize),
                };
                ParamCase {
                    c_type,
                    sql_type,
                    decimal_digits,
                    bytes,
                    indicator,
                    buffer_len,
                }
            },
        )
}

/// `read_param` over `bytes` followed by the zero tail.
fn read(
    c_type: i16,
    sql_type: i16,
    decimal_digits: i16,
    bytes: &[u8],
    indicator: Option<isize>,
    buffer_len: isize,
    mode: WcharMode,
) -> Result<ScalarValue, String> {
    let mut storage = bytes.to_vec();
    storage.extend([0u8; TAIL]);
    let buffer_len = buffer_len.min(storage.len() as isize);
    // SAFETY: every length the call may use is within `storage`: the indicator is at
    // most `bytes.len()`, the buffer length at most the allocation, a terminated scan
    // stops at the zero tail, and fixed-size types fit in the tail.
    unsafe {
        read_param(
            c_type,
            sql_type,
            0,
            decimal_digits,
            storage.as_ptr() as *const c_void,
            buffer_len,
            indicator,
            mode,
        )
    }
    .map_err(|e| format!("{} {}", e.sqlstate, e.message))
}

fn ne<const N: usize>(b: [u8; N]) -> Vec<u8> {
    b.to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any bytes as any C type for any SQL type: a value or an SQLSTATE.
    #[test]
    fn any_parameter_buffer_converts_or_errors(c in param_case(), m in mode()) {
        let r = read(c.c_type, c.sql_type, c.decimal_digits, &c.bytes, c.indicator, c.buffer_len, m);
        if let Err(e) = r {
            prop_assert!(e.len() > 6 && e.as_bytes()[5] == b' ', "no SQLSTATE in {:?}", e);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Integers keep their exact value from every integer C type and from text.
    #[test]
    fn integer_parameters_are_exact(v in any::<i64>(), m in mode()) {
        let cases: Vec<(i16, Vec<u8>, bool)> = vec![
            (SQL_C_SBIGINT, ne(v.to_ne_bytes()), true),
            (SQL_C_SLONG, ne((v as i32).to_ne_bytes()), v as i32 as i64 == v),
            (SQL_C_SSHORT, ne((v as i16).to_ne_bytes()), v as i16 as i64 == v),
            (SQL_C_STINYINT, ne((v as i8).to_ne_bytes()), v as i8 as i64 == v),
            (SQL_C_UBIGINT, ne((v as u64).to_ne_bytes()), v >= 0),
            (SQL_C_ULONG, ne((v as u32).to_ne_bytes()), v as u32 as i64 == v),
            (SQL_C_CHAR, format!("{v}").into_bytes(), true),
            (SQL_C_WCHAR, Wide::encode(&format!(" {v} "), m), true),
        ];
        for (c_type, bytes, fits) in cases {
            if !fits {
                continue;
            }
            let got = read(c_type, SQL_BIGINT, 0, &bytes, Some(bytes.len() as isize), 64, m)
                .map_err(|e| TestCaseError::fail(format!("C type {c_type}: {e}")))?;
            prop_assert_eq!(got, ScalarValue::Int64(Some(v)), "C type {}", c_type);
        }
    }

    /// Doubles keep every bit through SQL_C_DOUBLE, and their shortest text reads back
    /// to the same double.
    #[test]
    fn double_parameters_are_exact(v in any::<f64>().prop_filter("finite", |v| v.is_finite()), m in mode()) {
        let bytes = v.to_ne_bytes();
        let got = read(SQL_C_DOUBLE, SQL_DOUBLE, 0, &bytes, None, 0, m).map_err(TestCaseError::fail)?;
        let ScalarValue::Float64(Some(back)) = got else {
            return Err(TestCaseError::fail(format!("{got:?}")));
        };
        prop_assert_eq!(back.to_bits(), v.to_bits());
        let text = format!("{v:?}");
        let got = read(SQL_C_CHAR, SQL_DOUBLE, 0, text.as_bytes(), Some(SQL_NTSL), 0, m).map_err(TestCaseError::fail)?;
        prop_assert_eq!(got, ScalarValue::Float64(Some(v)), "{}", text);
    }

    /// Decimal text keeps every digit: the value read equals the text's, at a scale at
    /// least the text's.
    #[test]
    fn decimal_text_parameters_are_exact(
        v in -(10i128.pow(30))..10i128.pow(30),
        scale in 0u32..8,
        m in mode(),
    ) {
        let p = 10i128.pow(scale);
        let text = if scale == 0 {
            v.to_string()
        } else {
            format!("{}{}.{:0width$}", if v < 0 { "-" } else { "" }, (v / p).abs(), (v % p).abs(), width = scale as usize)
        };
        let got = read(SQL_C_CHAR, SQL_DECIMAL, scale as i16, text.as_bytes(), Some(text.len() as isize), 0, m)
            .map_err(TestCaseError::fail)?;
        let ScalarValue::Decimal128(Some(x), _, s) = got else {
            return Err(TestCaseError::fail(format!("{text}: {got:?}")));
        };
        prop_assert!(s as u32 >= scale, "{}: scale {}", text, s);
        prop_assert_eq!(x, v * 10i128.pow(s as u32 - scale), "{}", text);
    }
}

// ---------------------------------------------------------------------------------
// SQL → C

fn arr<A: Array + 'static>(a: A) -> ArrayRef {
    Arc::new(a)
}

/// One cell of every Arrow type the SQL layer produces, from arbitrary values.
fn cell() -> impl Strategy<Value = ArrayRef> {
    prop_oneof![
        any::<i64>().prop_map(|v| arr(Int64Array::from(vec![v]))),
        any::<i32>().prop_map(|v| arr(Int32Array::from(vec![v]))),
        any::<f64>().prop_map(|v| arr(Float64Array::from(vec![v]))),
        any::<bool>().prop_map(|v| arr(BooleanArray::from(vec![v]))),
        any::<String>().prop_map(|v| arr(StringArray::from(vec![v]))),
        Just(arr(StringArray::from(vec![None::<&str>]))),
        "[0-9 .:eE+-]{0,12}".prop_map(|v| arr(StringArray::from(vec![v]))),
        prop::collection::vec(any::<u8>(), 0..20)
            .prop_map(|v| arr(BinaryArray::from(vec![v.as_slice()]))),
        (-(10i128.pow(38) - 1)..10i128.pow(38), 0i8..=38).prop_map(|(v, s)| {
            arr(Decimal128Array::from(vec![v])
                .with_precision_and_scale(38, s)
                .unwrap())
        }),
        (-1_000_000i32..3_000_000).prop_map(|d| arr(Date32Array::from(vec![d]))),
        (0i64..86_400_000_000_000).prop_map(|t| arr(Time64NanosecondArray::from(vec![t]))),
        (-60_000_000_000_000_000i64..60_000_000_000_000_000)
            .prop_map(|t| arr(TimestampMicrosecondArray::from(vec![t]).with_timezone("UTC"))),
    ]
}

/// One bound-column write into `len` bytes (at least 32 allocated for fixed types).
fn write(
    a: &ArrayRef,
    c_type: i16,
    len: isize,
    precision: i16,
    scale: i16,
    m: WcharMode,
) -> Result<(Vec<u8>, isize, Outcome), String> {
    let mut storage = vec![0xAAu8; (len.max(0) as usize).max(32)];
    let buf = CBuffer {
        c_type,
        ptr: storage.as_mut_ptr() as *mut c_void,
        len,
        precision,
        scale,
    };
    let field = Field::new("c", a.data_type().clone(), true);
    // SAFETY: `storage` is writable for `len` bytes and for any fixed-size C type.
    let (ind, outcome) = unsafe { write_value(a.as_ref(), &field, 0, &buf, m, None) }
        .map_err(|e| format!("{} {}", e.sqlstate, e.message))?;
    Ok((storage, ind, outcome))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any cell into any C type and buffer size: written or an SQLSTATE; a probe with
    /// a null pointer too.
    #[test]
    fn any_cell_writes_or_errors(
        a in cell(),
        c_type in prop::sample::select(C_TYPES),
        len in prop_oneof![Just(0isize), 1isize..48, Just(-1isize)],
        precision in 0i16..40,
        scale in -2i16..40,
        m in mode(),
    ) {
        let _ = write(&a, c_type, len, precision, scale, m);
        let field = Field::new("c", a.data_type().clone(), true);
        let probe = CBuffer { c_type, ptr: std::ptr::null_mut(), len: 0, precision, scale };
        let mut progress = Progress::default();
        // SAFETY: a null buffer is never written.
        let _ = unsafe { write_value(a.as_ref(), &field, 0, &probe, m, Some(&mut progress)) };
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Integers and doubles come out of their native C types unchanged.
    #[test]
    fn numbers_write_exactly(i in any::<i64>(), f in any::<f64>().prop_filter("finite", |v| v.is_finite()), m in mode()) {
        let (b, ind, _) = write(&arr(Int64Array::from(vec![i])), SQL_C_SBIGINT, 8, 0, 0, m).map_err(TestCaseError::fail)?;
        prop_assert_eq!(ind, 8);
        prop_assert_eq!(i64::from_ne_bytes(b[..8].try_into().unwrap()), i);
        let (b, _, _) = write(&arr(Float64Array::from(vec![f])), SQL_C_DOUBLE, 8, 0, 0, m).map_err(TestCaseError::fail)?;
        prop_assert_eq!(f64::from_ne_bytes(b[..8].try_into().unwrap()).to_bits(), f.to_bits());
        let (b, ind, _) = write(&arr(Int64Array::from(vec![i])), SQL_C_CHAR, 32, 0, 0, m).map_err(TestCaseError::fail)?;
        let digits = i.to_string();
        prop_assert_eq!(&b[..ind as usize], digits.as_bytes());
        prop_assert_eq!(b[ind as usize], 0);
        let (b, ind, _) = write(&arr(Float64Array::from(vec![f])), SQL_C_CHAR, 40, 0, 0, m).map_err(TestCaseError::fail)?;
        let text = std::str::from_utf8(&b[..ind as usize]).unwrap();
        prop_assert_eq!(text.parse::<f64>().ok(), Some(f), "{}", text);
    }

    /// Text read back in chunks of any size is the whole text, for narrow and wide
    /// buffers alike: no character split, nothing lost or repeated.
    #[test]
    fn chunked_text_reassembles(s in "[^\u{0}]{0,40}", chunk in 1usize..16, wide in any::<bool>(), m in mode()) {
        let a = arr(StringArray::from(vec![s.as_str()]));
        let field = Field::new("c", a.data_type().clone(), true);
        let (c_type, unit) = if wide { (SQL_C_WCHAR, m.width()) } else { (SQL_C_CHAR, 1) };
        // Room for at least one character (4 narrow bytes or 2 UTF-16 units) and the
        // terminator.
        let len = (chunk * unit).max(5 * unit) as isize;
        let mut out = Vec::new();
        let mut progress = Progress::default();
        let mut done = false;
        for _ in 0..=s.len() + 2 {
            let mut storage = vec![0xAAu8; len as usize];
            let buf = CBuffer { c_type, ptr: storage.as_mut_ptr() as *mut c_void, len, precision: 0, scale: 0 };
            // SAFETY: `storage` holds `len` bytes.
            let (_, outcome) = unsafe { write_value(a.as_ref(), &field, 0, &buf, m, Some(&mut progress)) }
                .map_err(|e| TestCaseError::fail(e.message))?;
            if outcome == Outcome::NoData {
                done = true;
                break;
            }
            // The chunk ends at its terminator (one zero unit, aligned).
            let end = storage
                .chunks(unit)
                .position(|u| u.iter().all(|b| *b == 0))
                .ok_or_else(|| TestCaseError::fail("no terminator"))?;
            out.extend_from_slice(&storage[..end * unit]);
        }
        prop_assert!(done, "never reached SQL_NO_DATA");
        let expected = if wide { Wide::encode(&s, m) } else { s.as_bytes().to_vec() };
        prop_assert_eq!(out, expected);
    }
}

/// Found by fuzzing (c_convert target, with debug assertions): wide text was read
/// through a pointer into a byte vector, unaligned for u16/u32 (always so when empty).
#[test]
fn wide_parameters_at_any_alignment() {
    for m in [WcharMode::Utf16, WcharMode::Ucs4] {
        for (ind, expected) in [(Some(0), ""), (Some(SQL_NTSL), "")] {
            let got = read(SQL_C_WCHAR, SQL_WVARCHAR, 0, &[], ind, 0, m).unwrap();
            assert_eq!(
                got,
                ScalarValue::Utf8(Some(expected.into())),
                "{m:?} {ind:?}"
            );
        }
        // The same text one byte past an aligned address.
        let text = "顧客 🍣";
        let mut bytes = vec![0u8];
        bytes.extend(Wide::encode(text, m));
        let mut storage = bytes.clone();
        storage.extend([0u8; TAIL]);
        // SAFETY: `bytes.len() - 1` readable bytes after the offset.
        let got = unsafe {
            read_param(
                SQL_C_WCHAR,
                SQL_WVARCHAR,
                0,
                0,
                storage.as_ptr().add(1) as *const c_void,
                0,
                Some(bytes.len() as isize - 1),
                m,
            )
        }
        .unwrap();
        assert_eq!(got, ScalarValue::Utf8(Some(text.into())));
    }
}
