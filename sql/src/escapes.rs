//! ODBC scalar functions (`{fn NAME(args)}`, ODBC 3.x appendix E) in DataFusion's SQL.
//!
//! The lists below are what SQLGetInfo reports (SQL_STRING_FUNCTIONS,
//! SQL_NUMERIC_FUNCTIONS, SQL_TIMEDATE_FUNCTIONS, SQL_SYSTEM_FUNCTIONS,
//! SQL_CONVERT_FUNCTIONS, SQL_TIMEDATE_ADD_INTERVALS / _DIFF_INTERVALS): every name
//! listed is translated by [`translate`] and tested through a query.
//!
//! Choices where ODBC leaves room (UNCONFIRMED against other drivers):
//! - `LENGTH` excludes trailing blanks (ODBC's definition), `CHAR_LENGTH` does not;
//! - `DAYOFWEEK` is 1 = Sunday .. 7 = Saturday; `WEEK` is the ISO week;
//! - `TIMESTAMPDIFF` counts whole elapsed units (truncated toward zero) for
//!   FRAC_SECOND..WEEK and calendar boundaries crossed for MONTH, QUARTER, YEAR;
//! - `TIMESTAMPADD` with SQL_TSI_FRAC_SECOND adds nanoseconds (billionths, ODBC 3);
//! - `DATABASE()` is the Kintone host, `USER()` the login name ('' with API tokens or
//!   OAuth, where no user name is known).

/// `{fn}` names per SQLGetInfo group.
pub const STRING_FUNCTIONS: &[&str] = &[
    "ASCII",
    "BIT_LENGTH",
    "CHAR",
    "CHAR_LENGTH",
    "CHARACTER_LENGTH",
    "CONCAT",
    "INSERT",
    "LCASE",
    "LEFT",
    "LENGTH",
    "LOCATE",
    "LTRIM",
    "OCTET_LENGTH",
    "REPEAT",
    "REPLACE",
    "RIGHT",
    "RTRIM",
    "SPACE",
    "SUBSTRING",
    "UCASE",
];

pub const NUMERIC_FUNCTIONS: &[&str] = &[
    "ABS", "ACOS", "ASIN", "ATAN", "ATAN2", "CEILING", "COS", "COT", "DEGREES", "EXP", "FLOOR",
    "LOG", "LOG10", "MOD", "PI", "POWER", "RADIANS", "ROUND", "SIGN", "SIN", "SQRT", "TAN",
    "TRUNCATE",
];

pub const TIMEDATE_FUNCTIONS: &[&str] = &[
    "CURDATE",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURTIME",
    "DAYNAME",
    "DAYOFMONTH",
    "DAYOFWEEK",
    "DAYOFYEAR",
    "HOUR",
    "MINUTE",
    "MONTH",
    "MONTHNAME",
    "NOW",
    "QUARTER",
    "SECOND",
    "TIMESTAMPADD",
    "TIMESTAMPDIFF",
    "WEEK",
    "YEAR",
];

pub const SYSTEM_FUNCTIONS: &[&str] = &["DATABASE", "IFNULL", "USER"];

/// `CONVERT(value, SQL_<type>)` targets (without the `SQL_` prefix).
pub const CONVERT_TYPES: &[&str] = &[
    "BIGINT",
    "BIT",
    "CHAR",
    "DATE",
    "DECIMAL",
    "DOUBLE",
    "FLOAT",
    "INTEGER",
    "LONGVARCHAR",
    "NUMERIC",
    "REAL",
    "SMALLINT",
    "TIME",
    "TIMESTAMP",
    "TINYINT",
    "TYPE_DATE",
    "TYPE_TIME",
    "TYPE_TIMESTAMP",
    "VARCHAR",
    "WCHAR",
    "WLONGVARCHAR",
    "WVARCHAR",
];

/// `SQL_TSI_<unit>` intervals of TIMESTAMPADD / TIMESTAMPDIFF (without the prefix).
pub const TIMESTAMP_INTERVALS: &[&str] = &[
    "FRAC_SECOND",
    "SECOND",
    "MINUTE",
    "HOUR",
    "DAY",
    "WEEK",
    "MONTH",
    "QUARTER",
    "YEAR",
];

/// What `DATABASE()` and `USER()` answer.
#[derive(Clone, Debug, Default)]
pub struct EscapeContext {
    pub database: String,
    pub user: String,
}

fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Translates the inside of one `{fn ...}` (already free of nested escapes). A call
/// whose name is not an ODBC function is left as written for DataFusion to resolve.
pub fn translate(inner: &str, ctx: &EscapeContext) -> Result<String, String> {
    let text = inner.trim();
    let name_len = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(text.len(), |(i, _)| i);
    let (name, rest) = text.split_at(name_len);
    let rest = rest.trim();
    let args: Vec<String> = if rest.is_empty() {
        Vec::new()
    } else if rest.starts_with('(') && rest.ends_with(')') && closes_at_end(rest) {
        split_args(&rest[1..rest.len() - 1])
    } else {
        return Ok(text.to_string());
    };
    let upper = name.to_ascii_uppercase();
    let a = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let n = args.len();
    let arity = |want: &[usize]| -> Result<(), String> {
        if want.contains(&n) {
            Ok(())
        } else {
            Err(format!(
                "{{fn {upper}}} takes {} argument(s), {n} given",
                want.iter()
                    .map(|w| w.to_string())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ))
        }
    };
    let part = |p: &str| -> Result<String, String> {
        arity(&[1])?;
        Ok(format!("CAST(date_part('{p}', {}) AS INT)", a(0)))
    };
    let simple = |df: &str, want: &[usize]| -> Result<String, String> {
        arity(want)?;
        Ok(format!("{df}({})", args.join(", ")))
    };
    Ok(match upper.as_str() {
        // String functions.
        "ASCII" => simple("ascii", &[1])?,
        "BIT_LENGTH" => simple("bit_length", &[1])?,
        "CHAR" => simple("chr", &[1])?,
        "CHAR_LENGTH" | "CHARACTER_LENGTH" => simple("character_length", &[1])?,
        "CONCAT" => simple("concat", &[2])?,
        "INSERT" => {
            arity(&[4])?;
            format!(
                "overlay({} placing {} from {} for {})",
                a(0),
                a(3),
                a(1),
                a(2)
            )
        }
        "LCASE" => simple("lower", &[1])?,
        "UCASE" => simple("upper", &[1])?,
        "LEFT" => simple("left", &[2])?,
        "RIGHT" => simple("right", &[2])?,
        "LENGTH" => {
            arity(&[1])?;
            format!("character_length(rtrim({}))", a(0))
        }
        "LOCATE" => {
            arity(&[2, 3])?;
            if n == 2 {
                format!("strpos({}, {})", a(1), a(0))
            } else {
                // Search from `start`: the position is still counted from the start.
                let (needle, hay, start) = (a(0), a(1), a(2));
                format!(
                    "(CASE WHEN strpos(substr({hay}, {start}), {needle}) = 0 THEN 0 \
                     ELSE strpos(substr({hay}, {start}), {needle}) + ({start}) - 1 END)"
                )
            }
        }
        "LTRIM" => simple("ltrim", &[1])?,
        "RTRIM" => simple("rtrim", &[1])?,
        "OCTET_LENGTH" => simple("octet_length", &[1])?,
        "REPEAT" => simple("repeat", &[2])?,
        "REPLACE" => simple("replace", &[3])?,
        "SPACE" => {
            arity(&[1])?;
            format!("repeat(' ', {})", a(0))
        }
        "SUBSTRING" => simple("substr", &[2, 3])?,
        // Numeric functions.
        "ABS" => simple("abs", &[1])?,
        "ACOS" => simple("acos", &[1])?,
        "ASIN" => simple("asin", &[1])?,
        "ATAN" => simple("atan", &[1])?,
        "ATAN2" => simple("atan2", &[2])?,
        "CEILING" => simple("ceil", &[1])?,
        "COS" => simple("cos", &[1])?,
        "COT" => simple("cot", &[1])?,
        "DEGREES" => simple("degrees", &[1])?,
        "EXP" => simple("exp", &[1])?,
        "FLOOR" => simple("floor", &[1])?,
        "LOG" => simple("ln", &[1])?,
        "LOG10" => simple("log10", &[1])?,
        "MOD" => {
            arity(&[2])?;
            format!("(({}) % ({}))", a(0), a(1))
        }
        "PI" => simple("pi", &[0])?,
        "POWER" => simple("power", &[2])?,
        "RADIANS" => simple("radians", &[1])?,
        "ROUND" => simple("round", &[1, 2])?,
        "SIGN" => simple("signum", &[1])?,
        "SIN" => simple("sin", &[1])?,
        "SQRT" => simple("sqrt", &[1])?,
        "TAN" => simple("tan", &[1])?,
        "TRUNCATE" => simple("trunc", &[1, 2])?,
        // Time and date functions.
        "CURDATE" | "CURRENT_DATE" => simple("current_date", &[0])?,
        "CURTIME" | "CURRENT_TIME" => simple("current_time", &[0])?,
        "NOW" | "CURRENT_TIMESTAMP" => simple("now", &[0])?,
        "DAYNAME" => {
            arity(&[1])?;
            format!("to_char({}, '%A')", a(0))
        }
        "MONTHNAME" => {
            arity(&[1])?;
            format!("to_char({}, '%B')", a(0))
        }
        "DAYOFMONTH" => part("day")?,
        "DAYOFWEEK" => {
            arity(&[1])?;
            format!("(CAST(date_part('dow', {}) AS INT) + 1)", a(0))
        }
        "DAYOFYEAR" => part("doy")?,
        "HOUR" => part("hour")?,
        "MINUTE" => part("minute")?,
        "MONTH" => part("month")?,
        "QUARTER" => part("quarter")?,
        "SECOND" => part("second")?,
        "WEEK" => part("week")?,
        "YEAR" => part("year")?,
        "TIMESTAMPADD" => {
            arity(&[3])?;
            let (unit, count) = match interval(a(0))? {
                "FRAC_SECOND" => ("nanoseconds", "1"),
                "SECOND" => ("seconds", "1"),
                "MINUTE" => ("minutes", "1"),
                "HOUR" => ("hours", "1"),
                "DAY" => ("days", "1"),
                "WEEK" => ("days", "7"),
                "MONTH" => ("months", "1"),
                "QUARTER" => ("months", "3"),
                _ => ("years", "1"),
            };
            format!(
                "(CAST({ts} AS TIMESTAMP) + CAST(concat(CAST(CAST({n} AS BIGINT) * {count} AS VARCHAR), ' {unit}') AS INTERVAL))",
                ts = a(2),
                n = a(1)
            )
        }
        "TIMESTAMPDIFF" => {
            arity(&[3])?;
            let (t1, t2) = (
                format!("CAST({} AS TIMESTAMP)", a(1)),
                format!("CAST({} AS TIMESTAMP)", a(2)),
            );
            let months = |per: &str| {
                format!(
                    "CAST(((date_part('year', {t2}) * 12 + date_part('month', {t2})) - \
                     (date_part('year', {t1}) * 12 + date_part('month', {t1}))) / {per} AS BIGINT)"
                )
            };
            let elapsed = |per_ns: &str| {
                format!(
                    "CAST(trunc((CAST(date_part('epoch', {t2}) AS DOUBLE) - \
                     CAST(date_part('epoch', {t1}) AS DOUBLE)) * 1000000000 / {per_ns}) AS BIGINT)"
                )
            };
            match interval(a(0))? {
                "FRAC_SECOND" => elapsed("1"),
                "SECOND" => elapsed("1000000000"),
                "MINUTE" => elapsed("60000000000"),
                "HOUR" => elapsed("3600000000000"),
                "DAY" => elapsed("86400000000000"),
                "WEEK" => elapsed("604800000000000"),
                "MONTH" => months("1"),
                "QUARTER" => format!(
                    "CAST((date_part('year', {t2}) * 4 + date_part('quarter', {t2})) - \
                     (date_part('year', {t1}) * 4 + date_part('quarter', {t1})) AS BIGINT)"
                ),
                _ => format!("CAST(date_part('year', {t2}) - date_part('year', {t1}) AS BIGINT)"),
            }
        }
        // System functions.
        "DATABASE" => {
            arity(&[0])?;
            sql_string(&ctx.database)
        }
        "USER" => {
            arity(&[0])?;
            sql_string(&ctx.user)
        }
        "IFNULL" => simple("coalesce", &[2])?,
        "CONVERT" => {
            arity(&[2])?;
            let ty = a(1).trim().to_ascii_uppercase();
            let target = match ty.strip_prefix("SQL_").unwrap_or("") {
                "CHAR" | "VARCHAR" | "LONGVARCHAR" | "WCHAR" | "WVARCHAR" | "WLONGVARCHAR" => {
                    "VARCHAR"
                }
                "BIGINT" => "BIGINT",
                "INTEGER" => "INT",
                "SMALLINT" => "SMALLINT",
                "TINYINT" => "TINYINT",
                "BIT" => "BOOLEAN",
                "DOUBLE" | "FLOAT" => "DOUBLE",
                "REAL" => "REAL",
                "DECIMAL" | "NUMERIC" => "DECIMAL(38, 8)",
                "DATE" | "TYPE_DATE" => "DATE",
                "TIME" | "TYPE_TIME" => "TIME",
                "TIMESTAMP" | "TYPE_TIMESTAMP" => "TIMESTAMP",
                _ => {
                    return Err(format!(
                        "{{fn CONVERT}}: unsupported target type '{}' (expected SQL_{})",
                        a(1).trim(),
                        CONVERT_TYPES.join(", SQL_")
                    ))
                }
            };
            format!("CAST({} AS {target})", a(0))
        }
        _ => text.to_string(),
    })
}

fn interval(arg: &str) -> Result<&'static str, String> {
    let t = arg.trim().to_ascii_uppercase();
    let unit = t.strip_prefix("SQL_TSI_").unwrap_or(&t);
    TIMESTAMP_INTERVALS
        .iter()
        .find(|u| **u == unit)
        .copied()
        .ok_or_else(|| {
            format!(
                "unknown interval '{}' (expected SQL_TSI_{})",
                arg.trim(),
                TIMESTAMP_INTERVALS.join(", SQL_TSI_")
            )
        })
}

/// Whether the `(` at the start of `s` is closed by its last character.
fn closes_at_end(s: &str) -> bool {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let n = s.chars().count();
    for (i, c) in s.chars().enumerate() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1 == n;
                }
            }
            _ => {}
        }
    }
    false
}

/// Splits at top-level commas (outside parentheses and quotes); `''` inside a string
/// closes and reopens it, which keeps the split right.
fn split_args(s: &str) -> Vec<String> {
    if s.trim().is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        if let Some(q) = quote {
            cur.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                cur.push(c);
            }
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => out.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_arguments() {
        let ctx = EscapeContext {
            database: "x.cybozu.com".into(),
            user: "o'brien".into(),
        };
        let t = |s: &str| translate(s, &ctx).unwrap();
        assert_eq!(t("UCASE(\"a, b\")"), "upper(\"a, b\")");
        assert_eq!(
            t(" locate('b', concat('a', 'b')) "),
            "strpos(concat('a', 'b'), 'b')"
        );
        assert_eq!(t("USER()"), "'o''brien'");
        assert_eq!(t("CONVERT(x, SQL_INTEGER)"), "CAST(x AS INT)");
        assert_eq!(t("unknown_fn(1)"), "unknown_fn(1)");
        assert!(translate("UCASE(1, 2)", &ctx)
            .unwrap_err()
            .contains("UCASE"));
        assert!(translate("TIMESTAMPADD(SQL_TSI_EON, 1, x)", &ctx)
            .unwrap_err()
            .contains("SQL_TSI_EON"));
        assert!(translate("CONVERT(x, SQL_GUID)", &ctx)
            .unwrap_err()
            .contains("SQL_GUID"));
    }
}
