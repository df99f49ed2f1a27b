//! Name arguments of the catalog functions: search patterns or identifiers.
//!
//! With `SQL_ATTR_METADATA_ID` false a name argument is a pattern: `%` matches any run
//! of characters, `_` one character, and `\` (our `SQL_SEARCH_PATTERN_ESCAPE`) makes
//! the next character literal, so `Sales\_T` names only `Sales_T`. Matching is by
//! character (a Japanese label is several bytes but one `_` matches one character) and
//! case-sensitive, as names are. With the attribute true the argument is an identifier:
//! a quoted one (`"Sales"`) is compared exactly, an unquoted one without regard to
//! case, and trailing blanks are ignored (ODBC "Arguments in Catalog Functions").

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Many,
    One,
    Lit(char),
}

fn tokens(pattern: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '%' => Tok::Many,
            '_' => Tok::One,
            // A lone trailing escape stands for itself.
            '\\' => Tok::Lit(chars.next().unwrap_or('\\')),
            c => Tok::Lit(c),
        });
    }
    out
}

/// Whether `value` matches the search `pattern`.
pub fn like(pattern: &str, value: &str) -> bool {
    let toks = tokens(pattern);
    let chars: Vec<char> = value.chars().collect();
    // Greedy matching with one backtrack point (the last `%`): linear for patterns
    // without `%`, and never exponential.
    let (mut t, mut v) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while v < chars.len() {
        match toks.get(t) {
            Some(Tok::Many) => {
                star = Some((t, v));
                t += 1;
            }
            Some(Tok::One) => {
                t += 1;
                v += 1;
            }
            Some(Tok::Lit(c)) if chars.get(v) == Some(c) => {
                t += 1;
                v += 1;
            }
            _ => match star {
                Some((st, sv)) => {
                    t = st + 1;
                    v = sv + 1;
                    star = Some((st, sv + 1));
                }
                None => return false,
            },
        }
    }
    toks.get(t..)
        .map(|rest| rest.iter().all(|k| *k == Tok::Many))
        .unwrap_or(true)
}

/// Whether an identifier argument names `value`.
pub fn ident_eq(arg: &str, value: &str) -> bool {
    let arg = arg.trim_end_matches(' ');
    if arg.len() >= 2 && arg.starts_with('"') && arg.ends_with('"') {
        let inner = arg.get(1..arg.len() - 1).unwrap_or("");
        return inner.replace("\"\"", "\"") == value;
    }
    arg.to_lowercase() == value.to_lowercase()
}

/// Whether a name argument selects `value`: NULL selects everything; otherwise a
/// pattern or an identifier depending on `metadata_id`.
pub fn selects(arg: Option<&str>, metadata_id: bool, value: &str) -> bool {
    match arg {
        None => true,
        Some(a) if metadata_id => ident_eq(a, value),
        Some(a) => like(a, value),
    }
}

/// Whether a pattern could match more than one name (it has an unescaped `%` or `_`).
pub fn is_wild(pattern: &str) -> bool {
    tokens(pattern).iter().any(|t| !matches!(t, Tok::Lit(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_and_underscore() {
        assert!(like("%", ""));
        assert!(like("%", "Customers"));
        assert!(like("Cust%", "Customers"));
        assert!(like("%omer%", "Customers"));
        assert!(like("C_stomers", "Customers"));
        assert!(!like("C_stomers", "Cstomers"));
        assert!(like("%s", "Customers"));
        assert!(!like("%x", "Customers"));
        assert!(like("%%", "a"));
        assert!(like("a%b%c", "aXXbYYc"));
        assert!(!like("a%b%c", "aXXbYY"));
        assert!(like("%a%a%a", "aaaa"));
        assert!(!like("_", ""));
        assert!(like("", ""));
        assert!(!like("", "a"));
    }

    #[test]
    fn case_sensitive() {
        assert!(!like("customers", "Customers"));
        assert!(!like("CUST%", "Customers"));
    }

    #[test]
    fn escapes() {
        assert!(like("Sales\\_T", "Sales_T"));
        assert!(!like("Sales\\_T", "SalesXT"));
        assert!(like("100\\%", "100%"));
        assert!(!like("100\\%", "1000"));
        assert!(like("a\\\\b", "a\\b"));
        // A trailing escape is literal.
        assert!(like("a\\", "a\\"));
        assert!(like("$id", "$id"));
    }

    #[test]
    fn japanese_names_match_by_character() {
        assert!(like("顧客%", "顧客リスト"));
        assert!(like("_客リスト", "顧客リスト"));
        assert!(!like("_リスト", "顧客リスト"));
        assert!(like("__リスト", "顧客リスト"));
        assert!(like("%リ_ト", "顧客リスト"));
        assert!(!like("顧客", "顧客リスト"));
    }

    #[test]
    fn identifiers() {
        assert!(ident_eq("customers", "Customers"));
        assert!(ident_eq("Customers  ", "Customers"));
        assert!(ident_eq("\"Customers\"", "Customers"));
        assert!(!ident_eq("\"customers\"", "Customers"));
        assert!(ident_eq("\"a\"\"b\"", "a\"b"));
        // Pattern characters are literal in identifiers.
        assert!(!ident_eq("Cust%", "Customers"));
        assert!(ident_eq("Cust%", "cust%"));
        assert!(ident_eq("顧客", "顧客"));
    }

    #[test]
    fn selects_by_mode() {
        assert!(selects(None, false, "x"));
        assert!(selects(None, true, "x"));
        assert!(selects(Some("%"), false, "x"));
        assert!(!selects(Some("%"), true, "x"));
        assert!(selects(Some("X"), true, "x"));
        assert!(!selects(Some("X"), false, "x"));
    }

    #[test]
    fn wildness() {
        assert!(is_wild("a%"));
        assert!(is_wild("a_"));
        assert!(!is_wild("a\\_"));
        assert!(!is_wild("abc"));
    }
}
