//! How a Kintone name (an app name, a field label or code) becomes an SQL name, under
//! `UseSimpleNames` and `AllowSpecialCharacters`.
//!
//! Labels are free text in Kintone. Most characters are fine inside a quoted SQL
//! identifier, but a few break the quoting or qualification of common tools: `.`
//! (read as a qualifier), `"`, `` ` ``, `[`, `]` (quote characters of ODBC, MySQL-style
//! and Access/Excel SQL) and control characters (a label may hold a line break). Those
//! become `_` unless `AllowSpecialCharacters=true`. `UseSimpleNames=true` goes further:
//! only ASCII letters, digits and `_` remain.

use crate::settings::Settings;

/// Characters that become `_` unless `AllowSpecialCharacters` is set.
fn is_special(c: char) -> bool {
    matches!(c, '.' | '"' | '`' | '[' | ']') || c.is_control()
}

fn is_simple(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `raw` as an SQL name under the connection's naming properties.
pub fn sql_name(raw: &str, settings: &Settings) -> String {
    if settings.use_simple_names {
        raw.chars()
            .map(|c| if is_simple(c) { c } else { '_' })
            .collect()
    } else if settings.allow_special_characters {
        raw.to_string()
    } else {
        raw.chars()
            .map(|c| if is_special(c) { '_' } else { c })
            .collect()
    }
}

/// Whether a name says anything: under `UseSimpleNames` a Japanese label is all `_`,
/// and the field code (or a fallback) names the column instead.
pub fn is_telling(name: &str) -> bool {
    name.chars().any(|c| c.is_alphanumeric())
}

/// The first telling name of `candidates` (each made an SQL name), else `fallback`.
pub fn first_telling<'a>(
    candidates: impl IntoIterator<Item = &'a str>,
    fallback: String,
    settings: &Settings,
) -> String {
    candidates
        .into_iter()
        .map(|c| sql_name(c, settings))
        .find(|n| is_telling(n))
        .unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kintone_api::{Auth, ClientConfig};

    fn settings(simple: bool, special: bool) -> Settings {
        let mut s = Settings::new(ClientConfig::new(
            "http://127.0.0.1:1",
            Auth::password("u", "p"),
        ));
        s.use_simple_names = simple;
        s.allow_special_characters = special;
        s
    }

    #[test]
    fn default_replaces_only_the_quoting_breakers() {
        let s = settings(false, false);
        assert_eq!(sql_name("Unit price (¥) v1.2", &s), "Unit price (¥) v1_2");
        assert_eq!(sql_name("a\"b`c[d]e\nf", &s), "a_b_c_d_e_f");
        assert_eq!(sql_name("顧客名", &s), "顧客名");
    }

    #[test]
    fn allow_special_characters_keeps_everything() {
        let s = settings(false, true);
        assert_eq!(sql_name("v1.2 [a]\n", &s), "v1.2 [a]\n");
    }

    #[test]
    fn simple_names_keep_ascii_letters_digits_and_underscore() {
        let s = settings(true, true);
        assert_eq!(sql_name("Unit price (¥)", &s), "Unit_price____");
        assert_eq!(sql_name("$id", &s), "_id");
        assert_eq!(sql_name("顧客名", &s), "___");
        assert!(!is_telling("___"));
        assert_eq!(
            first_telling(["顧客名", "customer_name"], "Field".into(), &s),
            "customer_name"
        );
        assert_eq!(
            first_telling(["顧客名", "顧客"], "Field".into(), &s),
            "Field"
        );
    }
}
