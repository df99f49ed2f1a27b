//! What a connection string shows a user or a log, shared by the property tests
//! (`props.rs`) and the AFL target `fuzz/src/bin/connstr.rs`.

use kintone_sql::properties::{is_secret, parse_pairs, Properties};

/// Whether parsing puts `needle` into a key or a non-secret value (looking inside
/// `Other`, whose pairs are properties of their own).
pub fn in_plain_value(s: &str, needle: &str) -> bool {
    let Ok(pairs) = parse_pairs(s, ';') else {
        return false;
    };
    pairs.iter().any(|(k, v)| {
        if k.trim().eq_ignore_ascii_case("Other") {
            in_plain_value(v, needle) || (v.contains(needle) && parse_pairs(v, ';').is_err())
        } else {
            k.contains(needle) || (!is_secret(k) && v.contains(needle))
        }
    })
}

/// Everything a connection string turns into that a user or a log may see.
pub fn visible_outputs(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let pairs = match parse_pairs(s, ';') {
        Ok(p) => p,
        Err(e) => {
            out.push(format!("{e} {e:?}"));
            return out;
        }
    };
    let mut props = Properties::default();
    if let Err(e) = props.extend(pairs) {
        out.push(format!("{e} {e:?}"));
        return out;
    }
    out.push(props.masked());
    match props.build() {
        Ok(opts) => out.push(format!("{opts:?}")),
        Err(e) => out.push(format!("{e} {e:?}")),
    }
    out
}
