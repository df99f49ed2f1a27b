//! Exact decimals as `(i128 mantissa, scale)`: parsing, formatting without exponent,
//! rescaling, and `SQL_NUMERIC_STRUCT`.

use super::ConvError;

/// A number on its way between the two sides.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    Int(i128),
    /// Mantissa and scale (digits after the point).
    Dec(i128, u8),
    Float(f64),
}

/// Largest scale and precision we carry (Decimal128).
pub(crate) const MAX_DIGITS: u8 = 38;

pub(crate) fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

/// Parses a numeric literal (`-12.50`, `+3`, `.5`, `1.5E3`) exactly. Not a number:
/// 22018; more than 38 significant integer digits: 22003. Fraction digits past 38
/// are dropped (below any scale Arrow can carry).
pub(crate) fn parse_decimal(s: &str) -> Result<(i128, u8), ConvError> {
    let invalid = || {
        ConvError::new(
            "22018",
            format!(
                "invalid character value for a number: {}",
                super::preview(s)
            ),
        )
    };
    let t = s.trim();
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..).unwrap_or("")),
        Some(b'+') => (false, t.get(1..).unwrap_or("")),
        _ => (false, t),
    };
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => {
            let e: i32 = body
                .get(i + 1..)
                .unwrap_or("")
                .parse()
                .map_err(|_| invalid())?;
            (body.get(..i).unwrap_or(""), e)
        }
        None => (body, 0),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(i) => (
            mantissa.get(..i).unwrap_or(""),
            mantissa.get(i + 1..).unwrap_or(""),
        ),
        None => (mantissa, ""),
    };
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(invalid());
    }
    let mut digits: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|b| b - b'0')
        .collect();
    let mut scale: i64 = i64::try_from(frac_part.len()).map_err(|_| invalid())? - i64::from(exp);
    if scale < 0 {
        let zeros = usize::try_from(-scale).map_err(|_| overflow(s))?;
        if zeros > usize::from(MAX_DIGITS) {
            return Err(overflow(s));
        }
        digits.extend(std::iter::repeat_n(0, zeros));
        scale = 0;
    }
    if scale > i64::from(MAX_DIGITS) {
        // All the places past the 38th at once: one step per place ran for seconds on
        // an exponent such as e-2147483648.
        let cut = usize::try_from(scale - i64::from(MAX_DIGITS)).unwrap_or(usize::MAX);
        digits.truncate(digits.len().saturating_sub(cut));
        scale = i64::from(MAX_DIGITS);
    }
    let mut v: i128 = 0;
    for d in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(i128::from(d)))
            .ok_or_else(|| overflow(s))?;
    }
    if count_digits(v.unsigned_abs()) > u32::from(MAX_DIGITS) {
        return Err(overflow(s));
    }
    let scale = u8::try_from(scale).map_err(|_| invalid())?;
    Ok((if neg { -v } else { v }, scale))
}

fn overflow(s: &str) -> ConvError {
    ConvError::new(
        "22003",
        format!("numeric value out of range: {}", super::preview(s)),
    )
}

/// Decimal digits of `v` (1 for 0). `ilog10` rather than a division per digit: a u128
/// division is a library call, and this runs for every NUMBER cell an application
/// reads as SQL_C_NUMERIC (pyodbc reads every DECIMAL so), where it led the profile.
pub(crate) fn count_digits(v: u128) -> u32 {
    v.checked_ilog10().map_or(1, |d| d + 1)
}

/// `v / 10^scale` as text, no exponent, every scale digit kept (`1.50` for (150, 2)).
pub(crate) fn format_decimal(v: i128, scale: u8) -> String {
    let digits = v.unsigned_abs().to_string();
    let scale = usize::from(scale);
    let sign = if v < 0 { "-" } else { "" };
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = if digits.len() <= scale {
        format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
    } else {
        digits
    };
    let cut = padded.len() - scale;
    format!(
        "{sign}{}.{}",
        padded.get(..cut).unwrap_or("0"),
        padded.get(cut..).unwrap_or("")
    )
}

/// A double as text: the shortest form that reads back to the same value, with an
/// exponent only where the plain form would be very long.
pub(crate) fn format_float(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-5..1e16).contains(&a) && a.is_finite() {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Changes the scale; the bool says whether nonzero digits were cut (toward zero).
/// `None` when the result does not fit.
pub(crate) fn rescale(v: i128, from: u8, to: u8) -> Option<(i128, bool)> {
    if to >= from {
        let f = pow10(u32::from(to - from))?;
        Some((v.checked_mul(f)?, false))
    } else {
        let f = pow10(u32::from(from - to))?;
        Some((v / f, v % f != 0))
    }
}

impl Num {
    /// The integral part and whether a fraction was cut. NaN, infinities and
    /// magnitudes past i128: 22003.
    pub(crate) fn to_int(self) -> Result<(i128, bool), ConvError> {
        match self {
            Num::Int(v) => Ok((v, false)),
            Num::Dec(v, s) => rescale(v, s, 0).ok_or_else(|| overflow(&format_decimal(v, s))),
            Num::Float(f) => {
                let t = f.trunc();
                if !t.is_finite() || t.abs() >= 1.7e38 {
                    return Err(overflow(&format_float(f)));
                }
                Ok((t as i128, t != f))
            }
        }
    }

    pub(crate) fn to_f64(self) -> f64 {
        match self {
            Num::Int(v) => v as f64,
            Num::Dec(v, s) => format_decimal(v, s).parse().unwrap_or(v as f64),
            Num::Float(f) => f,
        }
    }

    /// As an exact decimal at its natural scale (floats through their shortest text).
    pub(crate) fn to_dec(self) -> Result<(i128, u8), ConvError> {
        match self {
            Num::Int(v) => Ok((v, 0)),
            Num::Dec(v, s) => Ok((v, s)),
            Num::Float(f) => {
                if !f.is_finite() {
                    return Err(overflow(&format_float(f)));
                }
                parse_decimal(&format_float(f))
            }
        }
    }

    pub(crate) fn is_negative(self) -> bool {
        match self {
            Num::Int(v) | Num::Dec(v, _) => v < 0,
            Num::Float(f) => f < 0.0,
        }
    }

    pub(crate) fn to_text(self) -> String {
        match self {
            Num::Int(v) => v.to_string(),
            Num::Dec(v, s) => format_decimal(v, s),
            Num::Float(f) => format_float(f),
        }
    }
}

/// `SQL_NUMERIC_STRUCT`: precision, scale, sign (1 = positive), 16-byte little-endian
/// magnitude: 19 bytes, no padding.
pub(crate) const NUMERIC_STRUCT_SIZE: usize = 19;

pub(crate) fn numeric_struct(v: i128, precision: u8, scale: i8) -> [u8; NUMERIC_STRUCT_SIZE] {
    let mut out = [0u8; NUMERIC_STRUCT_SIZE];
    out[0] = precision;
    out[1] = scale.to_ne_bytes()[0];
    out[2] = u8::from(v >= 0);
    out[3..].copy_from_slice(&v.unsigned_abs().to_le_bytes());
    out
}

/// The value of a `SQL_NUMERIC_STRUCT` as (mantissa, scale); a negative scale is
/// applied at once. Magnitudes past i128 or 38 digits: 22003.
pub(crate) fn read_numeric_struct(b: &[u8; NUMERIC_STRUCT_SIZE]) -> Result<(i128, u8), ConvError> {
    let scale = i8::from_ne_bytes([b[1]]);
    let positive = b[2] != 0;
    let mut mag = [0u8; 16];
    mag.copy_from_slice(&b[3..]);
    let m = u128::from_le_bytes(mag);
    let v = i128::try_from(m)
        .map_err(|_| ConvError::new("22003", "SQL_NUMERIC_STRUCT value out of range".into()))?;
    let v = if positive { v } else { -v };
    if scale < 0 {
        let f = pow10(u32::from(scale.unsigned_abs()));
        let v = f.and_then(|f| v.checked_mul(f)).ok_or_else(|| {
            ConvError::new("22003", "SQL_NUMERIC_STRUCT value out of range".into())
        })?;
        return Ok((v, 0));
    }
    Ok((v, scale.unsigned_abs().min(MAX_DIGITS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_counted_at_every_power_of_ten() {
        assert_eq!(count_digits(0), 1);
        let mut p: u128 = 1;
        for n in 1..=38u32 {
            assert_eq!(count_digits(p), n, "10^{}", n - 1);
            assert_eq!(count_digits(p * 10 - 1), n, "10^{n} - 1");
            p *= 10;
        }
        assert_eq!(count_digits(p), 39);
        assert_eq!(count_digits(u128::MAX), 39);
    }

    #[test]
    fn parses_literals_exactly() {
        assert_eq!(parse_decimal("12.50").unwrap(), (1250, 2));
        assert_eq!(parse_decimal(" -0.001 ").unwrap(), (-1, 3));
        assert_eq!(parse_decimal("+7").unwrap(), (7, 0));
        assert_eq!(parse_decimal(".5").unwrap(), (5, 1));
        assert_eq!(parse_decimal("5.").unwrap(), (5, 0));
        assert_eq!(parse_decimal("1.5E3").unwrap(), (1500, 0));
        assert_eq!(parse_decimal("25e-2").unwrap(), (25, 2));
        assert_eq!(
            parse_decimal("99999999999999999999999999999999999999")
                .unwrap()
                .1,
            0
        );
        for bad in ["", "-", "abc", "1.2.3", "1e", "１２", "0x10", "1 2"] {
            assert_eq!(parse_decimal(bad).unwrap_err().sqlstate, "22018", "{bad:?}");
        }
        assert_eq!(
            parse_decimal("999999999999999999999999999999999999999")
                .unwrap_err()
                .sqlstate,
            "22003"
        );
        assert_eq!(parse_decimal("1e50").unwrap_err().sqlstate, "22003");
    }

    /// The smallest exponents used to take one loop step per fraction place.
    #[test]
    fn extreme_exponents_are_quick() {
        let start = std::time::Instant::now();
        assert_eq!(parse_decimal("1e-2147483648").unwrap(), (0, 38));
        assert_eq!(parse_decimal("-123.45e-2147483600").unwrap(), (0, 38));
        assert_eq!(parse_decimal("12345e-40").unwrap(), (123, 38));
        assert_eq!(parse_decimal("1e2147483647").unwrap_err().sqlstate, "22003");
        assert!(start.elapsed() < std::time::Duration::from_millis(500));
    }

    #[test]
    fn formats_without_exponent() {
        assert_eq!(format_decimal(1250, 2), "12.50");
        assert_eq!(format_decimal(-5, 3), "-0.005");
        assert_eq!(format_decimal(0, 2), "0.00");
        assert_eq!(format_decimal(12, 0), "12");
        assert_eq!(format_decimal(i128::MAX, 0), i128::MAX.to_string());
        assert_eq!(format_float(1.5), "1.5");
        assert_eq!(format_float(-0.25), "-0.25");
        assert_eq!(format_float(1e300), "1e300");
        assert_eq!(format_float(123456789.0), "123456789");
    }

    #[test]
    fn numeric_struct_round_trips() {
        for (v, p, s) in [
            (1234567i128, 10u8, 3i8),
            (-1, 1, 0),
            (0, 1, 0),
            (i128::MAX / 2, 38, 8),
        ] {
            let b = numeric_struct(v, p, s);
            assert_eq!(b[0], p);
            assert_eq!(b[2], u8::from(v >= 0));
            assert_eq!(read_numeric_struct(&b).unwrap(), (v, s as u8));
        }
        let mut b = numeric_struct(5, 3, -2);
        assert_eq!(read_numeric_struct(&b).unwrap(), (500, 0));
        b[3..].copy_from_slice(&u128::MAX.to_le_bytes());
        assert_eq!(read_numeric_struct(&b).unwrap_err().sqlstate, "22003");
    }

    #[test]
    fn rescale_reports_cut_digits() {
        assert_eq!(rescale(1250, 2, 1), Some((125, false)));
        assert_eq!(rescale(1255, 2, 1), Some((125, true)));
        assert_eq!(rescale(-1255, 2, 0), Some((-12, true)));
        assert_eq!(rescale(12, 0, 3), Some((12000, false)));
        assert_eq!(rescale(i128::MAX, 0, 1), None);
    }
}
