//! Long `IN` lists as several reads (issue 15, P6).
//!
//! A filter such as `"$id" IN (<20,000 values>)` pushed whole would be a 300 KB query sent
//! again with every page: the time grows with values × pages. Kintone documents no query
//! length limit, but its URLs end near 8 KB. So the longest list among the pushed
//! conjuncts is cut into chunks of at most a page of values and a few KB of text; each
//! chunk is a read of its own (the other conjuncts kept), and the scan runs them
//! concurrently within the request budget.
//!
//! Chunks of a `$id` list select disjoint records (values are deduplicated as numbers) and
//! are cut in ascending order, so their concatenation keeps `$id` order. A list on
//! another field may match one record from two chunks (Kintone may compare text
//! case-insensitively; `1` and `1.0` are one number): those scans drop records whose
//! `$id` was already delivered.

use kintone_api::query::{Cond, Op, Value};

/// A condition whose text is at most this long is sent whole.
pub const WHOLE_MAX_CHARS: usize = 6_000;
/// Values per chunk: a chunk of `$id`s is then one page.
pub const CHUNK_MAX_VALUES: usize = 500;
/// Text of one chunk's list (500 six-digit `$id`s fit).
pub const CHUNK_MAX_CHARS: usize = 10_000;

/// The reads of a chunked condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Chunks {
    /// One full condition per read, in output order.
    pub conditions: Vec<String>,
    /// Values in each chunk's list: for a `$id` list, the most records it can match.
    pub values: Vec<usize>,
    /// The list is on `$id`: chunks are disjoint and ascending.
    pub on_id: bool,
}

/// One alternative of a splittable list.
enum Alternative {
    Id(u64),
    /// One value of the field's `in` list.
    Value(Value),
    /// One `=` of an `or` chain.
    Other(Cond),
}

/// Cuts the longest splittable conjunct of `conds` (the scan's pushed filters, ANDed)
/// when the whole condition is too long to send. `None`: send it whole.
pub fn chunk(conds: &[Cond]) -> Option<Chunks> {
    let mut whole = 0usize;
    for c in conds {
        whole += text_len(c, WHOLE_MAX_CHARS);
        if whole > WHOLE_MAX_CHARS {
            break;
        }
    }
    if whole <= WHOLE_MAX_CHARS {
        return None;
    }
    let (index, field, mut alternatives) = conds
        .iter()
        .enumerate()
        .filter_map(|(i, c)| alternatives(c).map(|(f, a)| (i, f, a)))
        .max_by_key(|(_, _, a)| a.len())?;
    if alternatives.len() < 2 {
        return None;
    }
    let on_id = field == "$id";
    if on_id {
        let mut ids: Vec<u64> = alternatives
            .iter()
            .filter_map(|a| match a {
                Alternative::Id(v) => Some(*v),
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        alternatives = ids.into_iter().map(Alternative::Id).collect();
    }
    let rest: Vec<&Cond> = conds
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != index)
        .map(|(_, c)| c)
        .collect();
    let mut conditions = Vec::new();
    let mut values = Vec::new();
    let mut group: Vec<Alternative> = Vec::new();
    let mut chars = 0usize;
    for a in alternatives {
        let len = match &a {
            // Its digits, two quotes and ", ".
            Alternative::Id(id) => id.checked_ilog10().map_or(1, |d| d as usize + 1) + 4,
            Alternative::Value(v) => v.render().len() + 2,
            Alternative::Other(c) => text_len(c, CHUNK_MAX_CHARS) + 4,
        };
        if !group.is_empty() && (group.len() >= CHUNK_MAX_VALUES || chars + len > CHUNK_MAX_CHARS) {
            values.push(group.len());
            conditions.push(with_rest(&rest, &field, std::mem::take(&mut group)));
            chars = 0;
        }
        chars += len;
        group.push(a);
    }
    if !group.is_empty() {
        values.push(group.len());
        conditions.push(with_rest(&rest, &field, group));
    }
    Some(Chunks {
        conditions,
        values,
        on_id,
    })
}

/// The length of `c` as query text, counted without building the text; the count
/// stops soon after `cap` (a list of 20,000 values is measured several times).
fn text_len(c: &Cond, cap: usize) -> usize {
    struct Count {
        n: usize,
        cap: usize,
    }
    impl std::fmt::Write for Count {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.n += s.len();
            if self.n > self.cap {
                Err(std::fmt::Error)
            } else {
                Ok(())
            }
        }
    }
    let mut count = Count { n: 0, cap };
    let _ = std::fmt::Write::write_fmt(&mut count, format_args!("{c}"));
    count.n
}

/// One chunk's condition: the other conjuncts and the chunk's part of the list, as one
/// `in` where the list was values (Kintone documents `in` for `$id` too, and it is
/// half as long as an `or` of `=`s), else as the `or` it was.
fn with_rest(rest: &[&Cond], field: &str, group: Vec<Alternative>) -> String {
    if let Some(ids) = group
        .iter()
        .map(|a| match a {
            Alternative::Id(id) => Some(*id),
            _ => None,
        })
        .collect::<Option<Vec<u64>>>()
    {
        return with_id_list(rest, field, &ids);
    }
    let mut all: Vec<Cond> = rest.iter().map(|c| (*c).clone()).collect();
    let mut listed = Vec::new();
    let mut others = Vec::new();
    for a in group {
        match a {
            Alternative::Id(id) => listed.push(Value::str(id.to_string())),
            Alternative::Value(v) => listed.push(v),
            Alternative::Other(c) => others.push(c),
        }
    }
    if !listed.is_empty() {
        all.push(Cond::In {
            field: field.to_string(),
            negated: false,
            values: listed,
        });
    }
    if !others.is_empty() {
        all.push(Cond::Or(others));
    }
    Cond::And(all).to_string()
}

/// [`with_rest`] for a chunk of ids, written straight from the numbers: the text
/// `Cond::And(rest + [field in ("id", ...)])` renders, without a string per id.
fn with_id_list(rest: &[&Cond], field: &str, ids: &[u64]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(ids.len() * 10 + field.len() + 8);
    if !rest.is_empty() {
        let rest = Cond::And(rest.iter().map(|c| (*c).clone()).collect());
        let _ = write!(out, "{rest} and ");
    }
    let _ = write!(out, "{field} in (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "\"{id}\"");
    }
    out.push(')');
    out
}

/// The field and alternatives of a list: `f in (a, b, ...)` or `f = a or f = b or ...`
/// on one field (nested `or`s flattened). `None` for anything else.
fn alternatives(c: &Cond) -> Option<(String, Vec<Alternative>)> {
    match c {
        Cond::In {
            field,
            negated: false,
            values,
        } => Some((
            field.clone(),
            values
                .iter()
                .map(|v| match (field.as_str(), v) {
                    ("$id", Value::Str(s)) => s.parse().ok().map(Alternative::Id),
                    ("$id", _) => None,
                    _ => Some(Alternative::Value(v.clone())),
                })
                .collect::<Option<Vec<_>>>()?,
        )),
        Cond::Or(_) => {
            let mut leaves = Vec::new();
            flatten_or(c, &mut leaves);
            let field = match leaves.first() {
                Some(Cond::Cmp {
                    field, op: Op::Eq, ..
                }) => field.clone(),
                _ => return None,
            };
            let mut out = Vec::with_capacity(leaves.len());
            for leaf in leaves {
                match leaf {
                    Cond::Cmp {
                        field: f,
                        op: Op::Eq,
                        value,
                    } if *f == field => out.push(match (field.as_str(), value) {
                        ("$id", Value::Str(v)) => Alternative::Id(v.parse().ok()?),
                        ("$id", _) => return None,
                        _ => Alternative::Other(leaf.clone()),
                    }),
                    _ => return None,
                }
            }
            Some((field, out))
        }
        _ => None,
    }
}

fn flatten_or<'a>(c: &'a Cond, out: &mut Vec<&'a Cond>) {
    match c {
        Cond::Or(parts) => parts.iter().for_each(|p| flatten_or(p, out)),
        other => out.push(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u64) -> Cond {
        Cond::Or(
            (1..=n)
                .rev()
                .map(|i| Cond::eq("$id", Value::str(i.to_string())).unwrap())
                .collect(),
        )
    }

    #[test]
    fn short_conditions_are_sent_whole() {
        assert_eq!(chunk(&[ids(10)]), None);
    }

    #[test]
    fn id_lists_become_ascending_disjoint_chunks_of_a_page() {
        let kind = Cond::in_list("kind", vec![Value::str("a")]).unwrap();
        let c = chunk(&[kind.clone(), ids(1_200)]).expect("chunked");
        assert!(c.on_id);
        assert_eq!(c.conditions.len(), 3);
        assert_eq!(c.values, [500, 500, 200]);
        for (i, q) in c.conditions.iter().enumerate() {
            assert!(q.len() <= CHUNK_MAX_CHARS + 100, "{}", q.len());
            if i < 2 {
                assert!(q.len() > 2_500, "{}", q.len());
            }
            assert!(q.starts_with("kind in (\"a\") and $id in ("), "{q}");
            let first = (i * 500 + 1) as u64;
            assert!(q.contains(&format!("$id in (\"{first}\", ")), "{q}");
            assert_eq!(q.matches(", ").count() + 1, c.values[i], "{q}");
        }
        assert!(c.conditions[2].ends_with(", \"1200\")"));
    }

    /// The text written straight from the ids is the text of the condition it stands for.
    #[test]
    fn id_chunks_read_as_their_condition() {
        let kind = Cond::in_list("kind", vec![Value::str("a")]).unwrap();
        let either = Cond::Or(vec![
            Cond::eq("n", Value::str("1")).unwrap(),
            Cond::eq("n", Value::str("2")).unwrap(),
        ]);
        let ids = [3u64, 40, 500];
        for rest in [vec![], vec![&kind], vec![&either], vec![&kind, &either]] {
            let mut all: Vec<Cond> = rest.iter().map(|c| (*c).clone()).collect();
            all.push(
                Cond::in_list(
                    "$id",
                    ids.iter().map(|i| Value::str(i.to_string())).collect(),
                )
                .unwrap(),
            );
            let group = ids.iter().map(|i| Alternative::Id(*i)).collect();
            assert_eq!(with_rest(&rest, "$id", group), Cond::And(all).to_string());
        }
    }

    #[test]
    fn duplicate_ids_are_read_once() {
        let mut parts = Vec::new();
        for i in 0..3_000u64 {
            parts.push(Cond::eq("$id", Value::str((i % 700 + 1).to_string())).unwrap());
        }
        let c = chunk(&[Cond::Or(parts)]).expect("chunked");
        let n: usize = c
            .conditions
            .iter()
            .map(|q| q.matches(", ").count() + 1)
            .sum();
        assert_eq!(n, 700);
        assert!(c.conditions.iter().all(|q| q.starts_with("$id in (")));
    }

    #[test]
    fn text_lists_split_by_length() {
        let values: Vec<Value> = (0..2_000).map(|i| Value::str(format!("v{i:05}"))).collect();
        let c = chunk(&[Cond::in_list("name", values).unwrap()]).expect("chunked");
        assert!(!c.on_id);
        assert!(c.conditions.len() >= 2);
        let n: usize = c.conditions.iter().map(|q| q.matches("\"v").count()).sum();
        assert_eq!(n, 2_000);
        assert!(c
            .conditions
            .iter()
            .all(|q| q.matches("name in (").count() == 1));
    }

    #[test]
    fn mixed_or_chains_are_not_cut() {
        let mut parts: Vec<Cond> = (1..=1_000)
            .map(|i| Cond::eq("$id", Value::str(i.to_string())).unwrap())
            .collect();
        parts.push(Cond::eq("other", Value::str("1")).unwrap());
        assert_eq!(chunk(&[Cond::Or(parts)]), None);
    }
}
