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

/// Whether a name argument could select some name that starts with `prefix` (a child
/// table `<app table><separator>...` whose app's form is not read yet). Errs toward yes.
pub fn may_select_prefixed(arg: Option<&str>, metadata_id: bool, prefix: &str) -> bool {
    match arg {
        None => true,
        Some(a) if metadata_id => {
            let a = a.trim_end_matches(' ');
            let a = a
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .unwrap_or(a);
            a.to_lowercase().starts_with(&prefix.to_lowercase())
        }
        Some(a) => may_extend(a, prefix),
    }
}

/// Whether `pattern` matches some string that starts with `prefix`: the set of pattern
/// positions reachable after reading the prefix is not empty.
fn may_extend(pattern: &str, prefix: &str) -> bool {
    let toks = tokens(pattern);
    let n = toks.len();
    // Bounded work for any argument an application may pass; too long a pair counts
    // as a possible match (the app's form is read, nothing is missed).
    if n.saturating_mul(prefix.chars().count()) > 4_000_000 {
        return true;
    }
    let mark = |set: &mut [bool], i: usize| {
        if let Some(s) = set.get_mut(i) {
            *s = true;
        }
    };
    // `%` also matches nothing: the position after it is reached as well.
    let close = |set: &mut [bool]| {
        for (i, tok) in toks.iter().enumerate() {
            if *tok == Tok::Many && set.get(i) == Some(&true) {
                mark(set, i + 1);
            }
        }
    };
    let mut at = vec![false; n + 1];
    mark(&mut at, 0);
    close(&mut at);
    for c in prefix.chars() {
        let mut next = vec![false; n + 1];
        for (i, tok) in toks.iter().enumerate() {
            if at.get(i) != Some(&true) {
                continue;
            }
            match tok {
                Tok::Many => mark(&mut next, i),
                Tok::One => mark(&mut next, i + 1),
                Tok::Lit(x) if *x == c => mark(&mut next, i + 1),
                Tok::Lit(_) => {}
            }
        }
        close(&mut next);
        if !next.contains(&true) {
            return false;
        }
        at = next;
    }
    true
}

/// Whether a pattern could match more than one name (it has an unescaped `%` or `_`).
pub fn is_wild(pattern: &str) -> bool {
    tokens(pattern).iter().any(|t| !matches!(t, Tok::Lit(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_a_pattern_could_extend() {
        assert!(may_extend("%", "Orders_"));
        assert!(may_extend("Orders_Items", "Orders_"));
        assert!(may_extend("Ord%", "Orders_"));
        assert!(may_extend("O_ders\\_%", "Orders_"));
        assert!(!may_extend("Customers", "Orders_"));
        assert!(!may_extend("Orders", "Orders_"));
        assert!(!may_extend("Orders\\_", "Orders_x"));
        assert!(may_extend("%Items", "Orders_"));
        assert!(may_select_prefixed(None, false, "A_"));
        assert!(may_select_prefixed(Some("orders_items"), true, "Orders_"));
        assert!(!may_select_prefixed(Some("\"Orders\""), true, "Orders_"));
    }

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
