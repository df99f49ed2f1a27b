//! The log's connection properties besides `Logfile` and `Verbosity`, as CData reads
//! them (peers-and-bi-tools.md §1.2): `LogModules`, `MaxLogFileSize`, `MaxLogFileCount`.

/// CData's module names this driver logs under (kintone-api's `targets`): `SSL ` and
/// `TCP ` are 4-character names in CData's lists, so names are trimmed.
pub const LOG_MODULES: &[&str] = &["INFO", "EXEC", "FUNC", "META", "HTTP", "SSL", "TCP"];

/// CData's default `MaxLogFileSize`.
pub const DEFAULT_MAX_LOG_FILE_SIZE: u64 = 100 * 1024 * 1024;
/// CData treats a smaller `MaxLogFileSize` as this.
pub const MIN_LOG_FILE_SIZE: u64 = 100 * 1024;
/// CData's smallest `MaxLogFileCount` (the file being written and one rotated).
pub const MIN_LOG_FILE_COUNT: u32 = 2;

/// `LogModules`: `;`- or `,`-separated module names, case-insensitive. `Err` names the
/// first unknown one.
pub fn parse_modules(v: &str) -> Result<Vec<&'static str>, String> {
    let mut out = Vec::new();
    for name in v.split([';', ',']).map(str::trim).filter(|s| !s.is_empty()) {
        let known = LOG_MODULES
            .iter()
            .find(|m| m.eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("unknown module '{name}'"))?;
        if !out.contains(known) {
            out.push(*known);
        }
    }
    Ok(out)
}

/// `MaxLogFileSize`: bytes, or a number with `KB`, `MB` or `GB` (1024-based, case and
/// spaces ignored). Below [`MIN_LOG_FILE_SIZE`] it is that, as in CData.
pub fn parse_size(v: &str) -> Option<u64> {
    let t = v.trim().to_ascii_uppercase();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t.as_str(), ""),
    };
    let n: u64 = digits.parse().ok()?;
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "K" | "KB" => 1024,
        "M" | "MB" => 1024 * 1024,
        "G" | "GB" => 1024 * 1024 * 1024,
        _ => return None,
    };
    Some(n.checked_mul(factor)?.max(MIN_LOG_FILE_SIZE))
}

/// `MaxLogFileCount`: 0 or negative is no limit (`None`); otherwise at least
/// [`MIN_LOG_FILE_COUNT`].
pub fn parse_count(v: &str) -> Option<Option<u32>> {
    let n: i64 = v.trim().parse().ok()?;
    if n <= 0 {
        return Some(None);
    }
    Some(Some(
        u32::try_from(n).unwrap_or(u32::MAX).max(MIN_LOG_FILE_COUNT),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_cdata_names_in_any_case_and_separator() {
        assert_eq!(
            parse_modules("http; exec,SSL ").unwrap(),
            ["HTTP", "EXEC", "SSL"]
        );
        assert_eq!(parse_modules("HTTP;HTTP").unwrap(), ["HTTP"]);
        assert!(parse_modules("HTTP;BOGUS").unwrap_err().contains("BOGUS"));
    }

    #[test]
    fn sizes_take_units_and_respect_the_floor() {
        assert_eq!(parse_size("10MB"), Some(10 * 1024 * 1024));
        assert_eq!(parse_size("500 kb"), Some(500 * 1024));
        assert_eq!(parse_size("2GB"), Some(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_size("204800"), Some(204_800));
        assert_eq!(parse_size("10"), Some(MIN_LOG_FILE_SIZE));
        assert_eq!(parse_size("ten"), None);
        assert_eq!(parse_size("10TB"), None);
        assert_eq!(parse_size("-5"), None);
    }

    #[test]
    fn counts_have_a_floor_and_zero_is_unlimited() {
        assert_eq!(parse_count("5"), Some(Some(5)));
        assert_eq!(parse_count("1"), Some(Some(2)));
        assert_eq!(parse_count("0"), Some(None));
        assert_eq!(parse_count("-1"), Some(None));
        assert_eq!(parse_count("x"), None);
    }
}
