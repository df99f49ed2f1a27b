//! Bounds on what one statement may allocate.
//!
//! The driver runs inside the user's application, where a failed allocation aborts the
//! whole process (Rust cannot turn it into an error). So memory is refused *before* it
//! is asked for:
//! - operators that buffer (sort, join, aggregate) draw from a per-connection memory
//!   pool and spill or fail with HY001 once it is used up ([`runtime_env`]);
//! - functions that build values out of proportion to their input (`repeat('x',
//!   2000000000)`, `lpad`, `array_repeat`, `range`, ...) estimate their output from the
//!   arguments first, and refuse with HY001 when it would exceed [`MAX_OUTPUT_BYTES`]
//!   beyond a small multiple of their input ([`guard_functions`]).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, FieldRef, Int64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::execution::context::SessionContext;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
};

use crate::error::{state, SqlError};

/// Memory the buffering operators of one connection may hold before spilling or
/// failing.
pub const MEMORY_POOL_BYTES: usize = 1 << 30;
/// Output one call of a value-building function may produce, beyond four times the
/// size of its input.
pub const MAX_OUTPUT_BYTES: u64 = 256 << 20;

pub fn runtime_env() -> Result<Arc<RuntimeEnv>> {
    RuntimeEnvBuilder::new()
        .with_memory_limit(MEMORY_POOL_BYTES, 1.0)
        .build_arc()
}

/// How a function's output size follows from its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Estimate {
    /// `repeat(s, n)`: len(s) * n.
    Repeat,
    /// `lpad(s, n [, fill])`, `rpad`: n characters of up to 4 bytes.
    Pad,
    /// `replace(s, from, to)`: every `from` becomes `to`.
    Replace,
    /// `concat(..)`, `concat_ws(sep, ..)`: the sum of the arguments.
    Concat,
    /// `array_repeat(v, n)`, `array_resize(a, n [, v])`: n elements.
    Elements,
    /// `range(stop)`, `range(start, stop [, step])`, `generate_series`.
    Range,
    /// `string_to_array(s, sep)`: up to one element per byte.
    Split,
}

/// The functions to guard, by DataFusion's names.
const GUARDED: &[(&str, Estimate)] = &[
    ("repeat", Estimate::Repeat),
    ("lpad", Estimate::Pad),
    ("rpad", Estimate::Pad),
    ("replace", Estimate::Replace),
    ("concat", Estimate::Concat),
    ("concat_ws", Estimate::Concat),
    ("array_repeat", Estimate::Elements),
    ("array_resize", Estimate::Elements),
    ("range", Estimate::Range),
    ("generate_series", Estimate::Range),
    ("string_to_array", Estimate::Split),
];

/// Replaces the registered functions named in [`GUARDED`] by guarded wrappers.
pub fn guard_functions(ctx: &SessionContext) {
    let state = ctx.state();
    let functions = state.scalar_functions();
    for (name, estimate) in GUARDED {
        if let Some(inner) = functions.get(*name) {
            ctx.register_udf(ScalarUDF::new_from_impl(Guarded {
                inner: inner.as_ref().clone(),
                estimate: *estimate,
            }));
        }
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Guarded {
    inner: ScalarUDF,
    estimate: Estimate,
}

impl ScalarUDFImpl for Guarded {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }
    fn schema_name(&self, args: &[Expr]) -> Result<String> {
        self.inner.inner().schema_name(args)
    }
    fn signature(&self) -> &Signature {
        self.inner.signature()
    }
    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.inner().return_type(arg_types)
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        self.inner.return_field_from_args(args)
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }
    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        // A simplification replaces the call by another expression; a call that stays
        // a call stays guarded.
        self.inner.inner().simplify(args, info)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = if args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)))
        {
            1
        } else {
            args.number_rows
        };
        let (out, input) = estimate(self.estimate, &args.args, rows)?;
        if out > MAX_OUTPUT_BYTES.saturating_add(input.saturating_mul(4)) {
            return Err(DataFusionError::from(SqlError::new(
                    state::NO_MEMORY,
                    format!(
                        "{}() would build about {} MB, more than one call may ({} MB): check its arguments",
                        self.inner.name(),
                        out >> 20,
                        MAX_OUTPUT_BYTES >> 20
                    ),
            )));
        }
        self.inner.invoke_with_args(args)
    }
}

/// One argument as a per-row reader that never expands a scalar into an array.
enum Arg {
    Scalar(ScalarValue),
    Array(ArrayRef),
}

impl Arg {
    fn of(v: &ColumnarValue) -> Arg {
        match v {
            ColumnarValue::Scalar(s) => Arg::Scalar(s.clone()),
            ColumnarValue::Array(a) => Arg::Array(a.clone()),
        }
    }

    /// Bytes this argument occupies now (a scalar once).
    fn size(&self) -> u64 {
        match self {
            Arg::Scalar(s) => s.size() as u64,
            Arg::Array(a) => a.get_array_memory_size() as u64,
        }
    }

    /// Byte length of row `i` (strings and binaries; 16 for anything else).
    fn len(&self, i: usize) -> u64 {
        match self {
            Arg::Scalar(s) => match s {
                ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v) => {
                    v.as_ref().map_or(0, |s| s.len() as u64)
                }
                ScalarValue::Binary(v)
                | ScalarValue::LargeBinary(v)
                | ScalarValue::BinaryView(v) => v.as_ref().map_or(0, |b| b.len() as u64),
                ScalarValue::List(l) => l.get_array_memory_size() as u64,
                _ => 16,
            },
            Arg::Array(a) => array_len(a.as_ref(), i),
        }
    }
}

fn array_len(a: &dyn Array, i: usize) -> u64 {
    if i >= a.len() || a.is_null(i) {
        return 0;
    }
    if let Some(s) = a.as_string_opt::<i32>() {
        return s.value(i).len() as u64;
    }
    if let Some(s) = a.as_string_opt::<i64>() {
        return s.value(i).len() as u64;
    }
    if let Some(s) = a.as_string_view_opt() {
        return s.value(i).len() as u64;
    }
    if let Some(b) = a.as_binary_opt::<i32>() {
        return b.value(i).len() as u64;
    }
    if let Some(l) = a.as_list_opt::<i32>() {
        return l.value(i).get_array_memory_size() as u64;
    }
    16
}

/// An integer argument, read per row (NULL and non-integers are 0).
enum Ints {
    Scalar(i64),
    Array(Option<ArrayRef>),
}

impl Ints {
    fn of(v: &ColumnarValue) -> Result<Ints> {
        Ok(match v {
            ColumnarValue::Scalar(s) => Ints::Scalar(scalar_i64(s)),
            ColumnarValue::Array(a) => Ints::Array(cast(a, &DataType::Int64).ok()),
        })
    }

    fn at(&self, i: usize) -> i64 {
        match self {
            Ints::Scalar(v) => *v,
            Ints::Array(Some(a)) => a
                .as_primitive_opt::<Int64Type>()
                .filter(|p| i < p.len() && !p.is_null(i))
                .map_or(0, |p| p.value(i)),
            Ints::Array(None) => 0,
        }
    }
}

fn scalar_i64(s: &ScalarValue) -> i64 {
    match s.cast_to(&DataType::Int64) {
        Ok(ScalarValue::Int64(Some(v))) => v,
        _ => 0,
    }
}

fn is_temporal(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) | DataType::Interval(_)
    )
}

const DAY_NS: i128 = 86_400_000_000_000;

/// A date, timestamp or interval scalar in nanoseconds (a month as 30 days).
fn nanos(s: &ScalarValue) -> Option<i128> {
    Some(match s {
        ScalarValue::Date32(Some(d)) => i128::from(*d) * DAY_NS,
        ScalarValue::Date64(Some(ms)) => i128::from(*ms) * 1_000_000,
        ScalarValue::TimestampSecond(Some(t), _) => i128::from(*t) * 1_000_000_000,
        ScalarValue::TimestampMillisecond(Some(t), _) => i128::from(*t) * 1_000_000,
        ScalarValue::TimestampMicrosecond(Some(t), _) => i128::from(*t) * 1_000,
        ScalarValue::TimestampNanosecond(Some(t), _) => i128::from(*t),
        ScalarValue::IntervalYearMonth(Some(m)) => i128::from(*m) * 30 * DAY_NS,
        ScalarValue::IntervalDayTime(Some(v)) => {
            i128::from(v.days) * DAY_NS + i128::from(v.milliseconds) * 1_000_000
        }
        ScalarValue::IntervalMonthDayNano(Some(v)) => {
            (i128::from(v.months) * 30 + i128::from(v.days)) * DAY_NS + i128::from(v.nanoseconds)
        }
        _ => return None,
    })
}

/// Elements of a range of dates or timestamps given as scalars (a column of them is
/// not estimated).
fn temporal_range(args: &[ColumnarValue]) -> u64 {
    let scalars: Option<Vec<i128>> = args
        .iter()
        .map(|a| match a {
            ColumnarValue::Scalar(s) => nanos(s),
            ColumnarValue::Array(_) => None,
        })
        .collect();
    match scalars.as_deref() {
        Some([start, stop, step]) => {
            let count = (stop - start).unsigned_abs() / step.unsigned_abs().max(1) + 1;
            u64::try_from(count).unwrap_or(u64::MAX)
        }
        _ => 0,
    }
}

/// (estimated output bytes, input bytes) of one call over `rows` rows.
fn estimate(kind: Estimate, args: &[ColumnarValue], rows: usize) -> Result<(u64, u64)> {
    let input: u64 = args.iter().map(|a| Arg::of(a).size()).sum();
    let arg = |n: usize| args.get(n).map(Arg::of);
    let int = |n: usize| args.get(n).map(Ints::of).transpose();
    let mut out: u64 = 0;
    match kind {
        Estimate::Repeat | Estimate::Elements => {
            let (Some(v), Some(n)) = (arg(0), int(1)?) else {
                return Ok((0, input));
            };
            for i in 0..rows {
                let per = if kind == Estimate::Elements {
                    v.len(i).max(8)
                } else {
                    v.len(i)
                };
                out = out.saturating_add(per.saturating_mul(n.at(i).max(0) as u64));
            }
        }
        Estimate::Pad => {
            let Some(n) = int(1)? else {
                return Ok((0, input));
            };
            for i in 0..rows {
                out = out.saturating_add((n.at(i).max(0) as u64).saturating_mul(4));
            }
        }
        Estimate::Replace => {
            let (Some(s), Some(from), Some(to)) = (arg(0), arg(1), arg(2)) else {
                return Ok((0, input));
            };
            for i in 0..rows {
                let matches = s.len(i) / from.len(i).max(1) + 1;
                out =
                    out.saturating_add(s.len(i).saturating_add(matches.saturating_mul(to.len(i))));
            }
        }
        Estimate::Concat => {
            let all: Vec<Arg> = args.iter().map(Arg::of).collect();
            for i in 0..rows {
                let row: u64 = all.iter().map(|a| a.len(i)).sum();
                // concat_ws puts the separator between every pair.
                let sep = all.first().map_or(0, |a| a.len(i)) * all.len() as u64;
                out = out.saturating_add(row.saturating_add(sep));
            }
        }
        Estimate::Range if args.iter().any(|a| is_temporal(&a.data_type())) => {
            out = temporal_range(args).saturating_mul(8);
        }
        Estimate::Range => {
            let ints: Vec<Ints> = args.iter().map(Ints::of).collect::<Result<_>>()?;
            for i in 0..rows {
                let (start, stop, step) = match ints.as_slice() {
                    [stop] => (0, stop.at(i), 1),
                    [start, stop] => (start.at(i), stop.at(i), 1),
                    [start, stop, step] => (start.at(i), stop.at(i), step.at(i)),
                    _ => (0, 0, 1),
                };
                // An interval step reads as 0: assume the finest one.
                let span = stop.abs_diff(start);
                let count = span / step.unsigned_abs().max(1) + 1;
                out = out.saturating_add(count.saturating_mul(8));
            }
        }
        Estimate::Split => {
            let Some(s) = arg(0) else {
                return Ok((0, input));
            };
            for i in 0..rows {
                out = out.saturating_add(s.len(i).saturating_add(1).saturating_mul(9));
            }
        }
    }
    Ok((out, input))
}
