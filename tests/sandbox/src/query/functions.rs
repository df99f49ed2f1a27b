//! Date functions of §6.5, evaluated in the calling user's time zone.
//!
//! Every day/week/month/year function is a half-open run of days `[start, end)`; the
//! comparison operators give it the period semantics of §6.5 (see `eval.rs`). On
//! DATETIME-like fields the edges become local midnights converted to UTC.

use super::parser::{is_int, Arg};
use crate::error::{KError, KResult};
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc};

pub const DATE_FUNCTIONS: &[&str] = &[
    "TODAY",
    "YESTERDAY",
    "TOMORROW",
    "FROM_TODAY",
    "THIS_WEEK",
    "LAST_WEEK",
    "NEXT_WEEK",
    "THIS_MONTH",
    "LAST_MONTH",
    "NEXT_MONTH",
    "THIS_YEAR",
    "LAST_YEAR",
    "NEXT_YEAR",
];

pub fn wrong_args() -> KError {
    KError::new(400, "GAIA_IL08", "クエリの指定が不正です。")
}

fn bad_day(arg: &str) -> KError {
    KError::new(
        400,
        "GAIA_IQ23",
        format!("指定した日にち（{arg}）は無効です。1から31までの整数で指定します。"),
    )
}

fn arg_text(a: &Arg) -> &str {
    match a {
        Arg::Word(w) | Arg::Str(w) => w,
    }
}

/// The number of arguments each function takes (min, max), for GAIA_IL08.
pub fn arity(name: &str) -> Option<(usize, usize)> {
    Some(match name {
        "NOW"
        | "LOGINUSER"
        | "PRIMARY_ORGANIZATION"
        | "TODAY"
        | "YESTERDAY"
        | "TOMORROW"
        | "THIS_YEAR"
        | "LAST_YEAR"
        | "NEXT_YEAR" => (0, 0),
        "FROM_TODAY" => (2, 2),
        "THIS_WEEK" | "LAST_WEEK" | "NEXT_WEEK" | "THIS_MONTH" | "LAST_MONTH" | "NEXT_MONTH" => {
            (0, 1)
        }
        _ => return None,
    })
}

/// Today's date in `tz`.
pub fn today(now: DateTime<Utc>, tz: chrono_tz::Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

fn add_months(d: NaiveDate, n: i64) -> Option<NaiveDate> {
    if n >= 0 {
        d.checked_add_months(Months::new(u32::try_from(n).ok()?))
    } else {
        d.checked_sub_months(Months::new(u32::try_from(-n).ok()?))
    }
}

fn add_days(d: NaiveDate, n: i64) -> Option<NaiveDate> {
    if n >= 0 {
        d.checked_add_days(Days::new(n as u64))
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs()))
    }
}

fn single(d: NaiveDate) -> KResult<(NaiveDate, NaiveDate)> {
    let e = d.succ_opt().ok_or_else(wrong_args)?;
    Ok((d, e))
}

fn weekday_index(s: &str) -> Option<i64> {
    let days = [
        "SUNDAY",
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
    ];
    days.iter()
        .position(|d| d.eq_ignore_ascii_case(s))
        .map(|i| i as i64)
}

/// The period `[start, end)` (in days) of a day/week/month/year function relative to
/// `today`. Errors: GAIA_IL08 wrong arg count, GAIA_IQ25 bad FROM_TODAY unit, GAIA_IQ23
/// bad month day. A bad weekday name is a syntax error (UNCONFIRMED choice).
pub fn period(name: &str, args: &[Arg], today: NaiveDate) -> KResult<(NaiveDate, NaiveDate)> {
    let (min, max) = arity(name).ok_or_else(KError::query_syntax)?;
    if args.len() < min || args.len() > max {
        return Err(wrong_args());
    }
    let overflow = wrong_args;
    match name {
        "TODAY" => single(today),
        "YESTERDAY" => single(today.pred_opt().ok_or_else(overflow)?),
        "TOMORROW" => single(today.succ_opt().ok_or_else(overflow)?),
        "FROM_TODAY" => {
            let n_txt = arg_text(&args[0]);
            if !is_int(n_txt) {
                return Err(wrong_args());
            }
            let n: i64 = n_txt.parse().map_err(|_| wrong_args())?;
            let unit = arg_text(&args[1]).to_ascii_uppercase();
            let d = match unit.as_str() {
                "DAYS" => add_days(today, n),
                "WEEKS" => n.checked_mul(7).and_then(|n| add_days(today, n)),
                "MONTHS" => add_months(today, n),
                "YEARS" => n.checked_mul(12).and_then(|n| add_months(today, n)),
                _ => {
                    return Err(KError::new(
                        400,
                        "GAIA_IQ25",
                        format!("FROM_TODAY関数の単位（{}）が不正です。", arg_text(&args[1])),
                    ))
                }
            };
            single(d.ok_or_else(overflow)?)
        }
        "THIS_WEEK" | "LAST_WEEK" | "NEXT_WEEK" => {
            // Weeks run Sunday to Saturday (§6.5).
            let sunday = add_days(today, -(today.weekday().num_days_from_sunday() as i64))
                .ok_or_else(overflow)?;
            let shift = match name {
                "LAST_WEEK" => -7,
                "NEXT_WEEK" => 7,
                _ => 0,
            };
            let start = add_days(sunday, shift).ok_or_else(overflow)?;
            match args.first() {
                None => Ok((start, add_days(start, 7).ok_or_else(overflow)?)),
                Some(a) => {
                    let idx = weekday_index(arg_text(a)).ok_or_else(KError::query_syntax)?;
                    single(add_days(start, idx).ok_or_else(overflow)?)
                }
            }
        }
        "THIS_MONTH" | "LAST_MONTH" | "NEXT_MONTH" => {
            let first = today.with_day(1).ok_or_else(overflow)?;
            let shift = match name {
                "LAST_MONTH" => -1,
                "NEXT_MONTH" => 1,
                _ => 0,
            };
            let first = add_months(first, shift).ok_or_else(overflow)?;
            let next_first = add_months(first, 1).ok_or_else(overflow)?;
            match args.first() {
                None => Ok((first, next_first)),
                Some(a) => {
                    let t = arg_text(a);
                    if t.eq_ignore_ascii_case("LAST") {
                        return single(next_first.pred_opt().ok_or_else(overflow)?);
                    }
                    let day: u32 = if is_int(t) {
                        t.parse().map_err(|_| bad_day(t))?
                    } else {
                        return Err(bad_day(t));
                    };
                    if !(1..=31).contains(&day) {
                        return Err(bad_day(t));
                    }
                    // A day the month lacks (30 Feb) rolls to the 1st of the next month.
                    single(first.with_day(day).unwrap_or(next_first))
                }
            }
        }
        "THIS_YEAR" | "LAST_YEAR" | "NEXT_YEAR" => {
            let y = today.year()
                + match name {
                    "LAST_YEAR" => -1,
                    "NEXT_YEAR" => 1,
                    _ => 0,
                };
            let s = NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(overflow)?;
            let e = NaiveDate::from_ymd_opt(y + 1, 1, 1).ok_or_else(overflow)?;
            Ok((s, e))
        }
        _ => Err(KError::query_syntax()),
    }
}

/// Local midnight of `d` in `tz` as a UTC timestamp. In a DST gap (no midnight that day)
/// the first valid instant after it is used.
pub fn local_midnight_utc(d: NaiveDate, tz: chrono_tz::Tz) -> i64 {
    let mut ndt = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    for _ in 0..4 {
        if let Some(t) = tz.from_local_datetime(&ndt).earliest() {
            return t.timestamp();
        }
        ndt += chrono::Duration::minutes(30);
    }
    d.and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn w(s: &str) -> Arg {
        Arg::Word(s.into())
    }
    fn p(name: &str, args: &[Arg], today: &str) -> (String, String) {
        let (s, e) = period(name, args, d(today)).unwrap();
        (s.to_string(), e.to_string())
    }
    fn pair(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    #[test]
    fn days() {
        assert_eq!(
            p("TODAY", &[], "2024-03-01"),
            pair("2024-03-01", "2024-03-02")
        );
        assert_eq!(
            p("YESTERDAY", &[], "2024-03-01"),
            pair("2024-02-29", "2024-03-01")
        );
        assert_eq!(
            p("TOMORROW", &[], "2024-12-31"),
            pair("2025-01-01", "2025-01-02")
        );
    }

    #[test]
    fn from_today() {
        let t = "2024-01-31";
        assert_eq!(p("FROM_TODAY", &[w("-5"), w("DAYS")], t).0, "2024-01-26");
        assert_eq!(p("FROM_TODAY", &[w("2"), w("WEEKS")], t).0, "2024-02-14");
        // Month arithmetic clamps to the month's last day.
        assert_eq!(p("FROM_TODAY", &[w("1"), w("MONTHS")], t).0, "2024-02-29");
        assert_eq!(p("FROM_TODAY", &[w("-1"), w("YEARS")], t).0, "2023-01-31");
        let e = period("FROM_TODAY", &[w("1"), w("HOURS")], d(t)).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "GAIA_IQ25"));
        let e = period("FROM_TODAY", &[w("1")], d(t)).unwrap_err();
        assert_eq!(e.code, "GAIA_IL08");
    }

    #[test]
    fn weeks() {
        // 2024-03-06 is a Wednesday; its week is Sun 03-03 .. Sat 03-09.
        let t = "2024-03-06";
        assert_eq!(p("THIS_WEEK", &[], t), pair("2024-03-03", "2024-03-10"));
        assert_eq!(p("LAST_WEEK", &[], t), pair("2024-02-25", "2024-03-03"));
        assert_eq!(p("NEXT_WEEK", &[], t), pair("2024-03-10", "2024-03-17"));
        assert_eq!(p("THIS_WEEK", &[w("MONDAY")], t).0, "2024-03-04");
        assert_eq!(p("NEXT_WEEK", &[w("SATURDAY")], t).0, "2024-03-16");
        // A Sunday starts its own week.
        assert_eq!(p("THIS_WEEK", &[], "2024-03-03").0, "2024-03-03");
        assert_eq!(
            period("THIS_WEEK", &[w("FUNDAY")], d(t)).unwrap_err().code,
            "CB_VA01"
        );
    }

    #[test]
    fn months() {
        let t = "2024-02-10";
        assert_eq!(p("THIS_MONTH", &[], t), pair("2024-02-01", "2024-03-01"));
        assert_eq!(p("LAST_MONTH", &[], t), pair("2024-01-01", "2024-02-01"));
        assert_eq!(
            p("NEXT_MONTH", &[], "2024-12-31"),
            pair("2025-01-01", "2025-02-01")
        );
        assert_eq!(p("THIS_MONTH", &[w("LAST")], t).0, "2024-02-29");
        assert_eq!(p("THIS_MONTH", &[w("15")], t).0, "2024-02-15");
        assert_eq!(p("THIS_MONTH", &[w("30")], t).0, "2024-03-01");
        assert_eq!(p("NEXT_MONTH", &[w("31")], "2024-03-31").0, "2024-05-01");
        for bad in ["32", "0", "-1", "X"] {
            let e = period("THIS_MONTH", &[w(bad)], d(t)).unwrap_err();
            assert_eq!((e.status, e.code.as_str()), (400, "GAIA_IQ23"), "{bad}");
        }
        assert_eq!(
            period("THIS_MONTH", &[w("1"), w("2")], d(t))
                .unwrap_err()
                .code,
            "GAIA_IL08"
        );
    }

    #[test]
    fn years() {
        assert_eq!(
            p("THIS_YEAR", &[], "2024-12-31"),
            pair("2024-01-01", "2025-01-01")
        );
        assert_eq!(
            p("LAST_YEAR", &[], "2024-01-01"),
            pair("2023-01-01", "2024-01-01")
        );
        assert_eq!(
            p("NEXT_YEAR", &[], "2024-06-01"),
            pair("2025-01-01", "2026-01-01")
        );
        assert_eq!(
            period("TODAY", &[w("1")], d("2024-01-01"))
                .unwrap_err()
                .code,
            "GAIA_IL08"
        );
    }

    #[test]
    fn midnight_inside_a_dst_gap() {
        // Chile skipped 00:00-01:00 local on 2024-09-08: the day starts at 01:00 (-03).
        assert_eq!(
            local_midnight_utc(d("2024-09-08"), chrono_tz::America::Santiago),
            DateTime::parse_from_rfc3339("2024-09-08T04:00:00Z")
                .unwrap()
                .timestamp()
        );
    }

    #[test]
    fn today_depends_on_zone() {
        let now = DateTime::parse_from_rfc3339("2024-03-01T20:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(today(now, chrono_tz::Asia::Tokyo).to_string(), "2024-03-02");
        assert_eq!(
            today(now, chrono_tz::Pacific::Honolulu).to_string(),
            "2024-03-01"
        );
        assert_eq!(
            local_midnight_utc(d("2024-03-02"), chrono_tz::Asia::Tokyo),
            DateTime::parse_from_rfc3339("2024-03-01T15:00:00Z")
                .unwrap()
                .timestamp()
        );
    }
}
