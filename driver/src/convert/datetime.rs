//! Dates, times and timestamps: the ODBC text forms and the C structs.
//!
//! Timestamps are UTC: Arrow values carry tz `UTC` and are shown as UTC wall-clock
//! time; parameters are read as UTC wall-clock time.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::ConvError;

/// `SQL_DATE_STRUCT`: year (i16), month, day (u16).
pub(crate) const DATE_STRUCT_SIZE: usize = 6;
/// `SQL_TIME_STRUCT`: hour, minute, second (u16).
pub(crate) const TIME_STRUCT_SIZE: usize = 6;
/// `SQL_TIMESTAMP_STRUCT`: year, month, day, hour, minute, second, then a u32
/// fraction in nanoseconds: 16 bytes.
pub(crate) const TIMESTAMP_STRUCT_SIZE: usize = 16;

pub(crate) fn date_struct(d: NaiveDate) -> [u8; DATE_STRUCT_SIZE] {
    let mut b = [0u8; DATE_STRUCT_SIZE];
    let year = i16::try_from(d.year()).unwrap_or(i16::MAX);
    b[0..2].copy_from_slice(&year.to_ne_bytes());
    b[2..4].copy_from_slice(&(d.month() as u16).to_ne_bytes());
    b[4..6].copy_from_slice(&(d.day() as u16).to_ne_bytes());
    b
}

pub(crate) fn time_struct(t: NaiveTime) -> [u8; TIME_STRUCT_SIZE] {
    let mut b = [0u8; TIME_STRUCT_SIZE];
    b[0..2].copy_from_slice(&(t.hour() as u16).to_ne_bytes());
    b[2..4].copy_from_slice(&(t.minute() as u16).to_ne_bytes());
    b[4..6].copy_from_slice(&(t.second() as u16).to_ne_bytes());
    b
}

pub(crate) fn timestamp_struct(ts: NaiveDateTime) -> [u8; TIMESTAMP_STRUCT_SIZE] {
    let mut b = [0u8; TIMESTAMP_STRUCT_SIZE];
    b[0..6].copy_from_slice(&date_struct(ts.date()));
    b[6..12].copy_from_slice(&time_struct(ts.time()));
    // A leap second (nanos >= 1e9) is reported as the last representable fraction.
    let frac = ts.time().nanosecond().min(999_999_999);
    b[12..16].copy_from_slice(&frac.to_ne_bytes());
    b
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    b.get(i..i + 2)
        .and_then(|s| <[u8; 2]>::try_from(s).ok())
        .map(u16::from_ne_bytes)
        .unwrap_or(0)
}

fn invalid_struct(what: &str, fields: String) -> ConvError {
    ConvError::new("22007", format!("invalid datetime format: {what} {fields}"))
}

pub(crate) fn read_date_struct(b: &[u8]) -> Result<NaiveDate, ConvError> {
    let year = i16::from_ne_bytes(u16_at(b, 0).to_ne_bytes());
    let (month, day) = (u16_at(b, 2), u16_at(b, 4));
    NaiveDate::from_ymd_opt(i32::from(year), u32::from(month), u32::from(day))
        .ok_or_else(|| invalid_struct("date", format!("{year}-{month}-{day}")))
}

pub(crate) fn read_time_struct(b: &[u8]) -> Result<NaiveTime, ConvError> {
    let (h, m, s) = (u16_at(b, 0), u16_at(b, 2), u16_at(b, 4));
    NaiveTime::from_hms_opt(u32::from(h), u32::from(m), u32::from(s))
        .ok_or_else(|| invalid_struct("time", format!("{h}:{m}:{s}")))
}

pub(crate) fn read_timestamp_struct(b: &[u8]) -> Result<NaiveDateTime, ConvError> {
    let date = read_date_struct(b.get(0..6).unwrap_or(&[]))?;
    let (h, m, s) = (u16_at(b, 6), u16_at(b, 8), u16_at(b, 10));
    let frac = b
        .get(12..16)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map(u32::from_ne_bytes)
        .unwrap_or(0);
    if frac > 999_999_999 {
        return Err(invalid_struct("timestamp fraction", frac.to_string()));
    }
    let time = NaiveTime::from_hms_nano_opt(u32::from(h), u32::from(m), u32::from(s), frac)
        .ok_or_else(|| invalid_struct("time", format!("{h}:{m}:{s}.{frac}")))?;
    Ok(date.and_time(time))
}

/// `YYYY-MM-DD`.
pub(crate) fn format_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Fraction digits of `nanos`, trailing zeros dropped, at most `max` digits; empty
/// when zero.
fn fraction(nanos: u32, max: usize) -> String {
    if nanos == 0 {
        return String::new();
    }
    let mut f = format!("{:09}", nanos.min(999_999_999));
    f.truncate(max);
    let f = f.trim_end_matches('0');
    if f.is_empty() {
        String::new()
    } else {
        format!(".{f}")
    }
}

/// `hh:mm:ss[.fff]`: the fraction only when nonzero.
pub(crate) fn format_time(t: NaiveTime) -> String {
    format!("{}{}", t.format("%H:%M:%S"), fraction(t.nanosecond(), 9))
}

/// `YYYY-MM-DD hh:mm:ss[.ffffff]`: the fraction only when nonzero, up to `digits`
/// (the column's decimal digits: 6 for µs).
pub(crate) fn format_timestamp(ts: NaiveDateTime, digits: usize) -> String {
    format!(
        "{}{}",
        ts.format("%Y-%m-%d %H:%M:%S"),
        fraction(ts.time().nanosecond(), digits)
    )
}

/// Text → date: `YYYY-MM-DD`, a timestamp whose time is zero, or `{d '...'}`.
/// The bool says a nonzero time part was dropped.
pub(crate) fn parse_date(s: &str) -> Result<(NaiveDate, bool), ConvError> {
    let t = unescape(s);
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok((d, false));
    }
    let ts = parse_timestamp(s)?;
    Ok((ts.date(), ts.time() != NaiveTime::MIN))
}

/// Text → time: `hh:mm[:ss[.f]]`, `{t '...'}`, or a timestamp's time part.
pub(crate) fn parse_time(s: &str) -> Result<NaiveTime, ConvError> {
    let t = unescape(s);
    for fmt in ["%H:%M:%S%.f", "%H:%M"] {
        if let Ok(v) = NaiveTime::parse_from_str(t, fmt) {
            return Ok(v);
        }
    }
    parse_timestamp(s).map(|ts| ts.time())
}

/// Text → timestamp: `YYYY-MM-DD[ T]hh:mm[:ss[.f]]`, a date alone (midnight),
/// RFC 3339 with an offset (converted to UTC), or `{ts '...'}`.
pub(crate) fn parse_timestamp(s: &str) -> Result<NaiveDateTime, ConvError> {
    let t = unescape(s);
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(v) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(v);
        }
    }
    if let Ok(v) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(v.naive_utc());
    }
    if let Some(v) = t
        .strip_suffix('Z')
        .and_then(|x| NaiveDateTime::parse_from_str(x, "%Y-%m-%dT%H:%M:%S%.f").ok())
    {
        return Ok(v);
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d.and_time(NaiveTime::MIN));
    }
    Err(ConvError::new(
        "22018",
        format!(
            "invalid character value for a date/time: {}",
            super::preview(s)
        ),
    ))
}

/// Strips an ODBC escape (`{d '...'}`, `{t '...'}`, `{ts '...'}`) and blanks.
fn unescape(s: &str) -> &str {
    let t = s.trim();
    let Some(inner) = t.strip_prefix('{').and_then(|x| x.strip_suffix('}')) else {
        return t;
    };
    let inner = inner.trim();
    let body = inner
        .strip_prefix("ts")
        .or_else(|| inner.strip_prefix('d'))
        .or_else(|| inner.strip_prefix('t'))
        .unwrap_or(inner)
        .trim();
    body.strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .unwrap_or(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn text_forms() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 9).unwrap();
        assert_eq!(format_date(d), "2024-02-09");
        assert_eq!(
            format_time(NaiveTime::from_hms_opt(9, 5, 0).unwrap()),
            "09:05:00"
        );
        assert_eq!(
            format_time(NaiveTime::from_hms_milli_opt(9, 5, 0, 250).unwrap()),
            "09:05:00.25"
        );
        assert_eq!(
            format_timestamp(ts("2024-02-09 23:59:58"), 6),
            "2024-02-09 23:59:58"
        );
        assert_eq!(
            format_timestamp(ts("2024-02-09 23:59:58.123456"), 6),
            "2024-02-09 23:59:58.123456"
        );
        assert_eq!(
            format_timestamp(ts("2024-02-09 23:59:58.1234567"), 6),
            "2024-02-09 23:59:58.123456"
        );
        assert_eq!(
            format_timestamp(ts("2024-02-09 23:59:58.5"), 6),
            "2024-02-09 23:59:58.5"
        );
    }

    #[test]
    fn parses_plain_escaped_and_offset_forms() {
        assert_eq!(
            parse_date("2024-02-09").unwrap().0,
            NaiveDate::from_ymd_opt(2024, 2, 9).unwrap()
        );
        assert_eq!(
            parse_date("{d '2024-02-09'}").unwrap(),
            (NaiveDate::from_ymd_opt(2024, 2, 9).unwrap(), false)
        );
        assert!(parse_date("2024-02-09 10:00:00").unwrap().1);
        assert!(!parse_date("2024-02-09 00:00:00").unwrap().1);
        assert_eq!(
            parse_time("10:30").unwrap(),
            NaiveTime::from_hms_opt(10, 30, 0).unwrap()
        );
        assert_eq!(
            parse_time("{t '10:30:15'}").unwrap(),
            NaiveTime::from_hms_opt(10, 30, 15).unwrap()
        );
        assert_eq!(
            parse_timestamp("2024-02-09T10:00:00+09:00").unwrap(),
            ts("2024-02-09 01:00:00")
        );
        assert_eq!(
            parse_timestamp("2024-02-09T10:00:00Z").unwrap(),
            ts("2024-02-09 10:00:00")
        );
        assert_eq!(
            parse_timestamp("{ts '2024-02-09 10:00:00.5'}").unwrap(),
            ts("2024-02-09 10:00:00.5")
        );
        assert_eq!(
            parse_timestamp("2024-02-09").unwrap(),
            ts("2024-02-09 00:00:00")
        );
        for bad in ["2024-13-01", "yesterday", "", "10:61"] {
            assert_eq!(parse_timestamp(bad).unwrap_err().sqlstate, "22018", "{bad}");
        }
        assert_eq!(parse_date("2024-02-30").unwrap_err().sqlstate, "22018");
    }

    #[test]
    fn structs_round_trip_and_reject_bad_fields() {
        let v = ts("2024-02-09 23:59:58.123456");
        let b = timestamp_struct(v);
        assert_eq!(read_timestamp_struct(&b).unwrap(), v);
        assert_eq!(read_date_struct(&date_struct(v.date())).unwrap(), v.date());
        assert_eq!(
            read_time_struct(&time_struct(v.time())).unwrap(),
            NaiveTime::from_hms_opt(23, 59, 58).unwrap()
        );
        let mut bad = date_struct(v.date());
        bad[2..4].copy_from_slice(&13u16.to_ne_bytes());
        assert_eq!(read_date_struct(&bad).unwrap_err().sqlstate, "22007");
        let mut bad = timestamp_struct(v);
        bad[12..16].copy_from_slice(&1_000_000_000u32.to_ne_bytes());
        assert_eq!(read_timestamp_struct(&bad).unwrap_err().sqlstate, "22007");
    }
}
