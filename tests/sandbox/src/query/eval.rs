//! Evaluation of checked predicates against `Record.values` (§6.3, §6.7, §8).
//!
//! Values are read in the §8 response shapes; `null` and `""` are the same "empty".
//! Literals were converted to their typed form once at prepare time (decimals, day
//! numbers, UTC seconds); per record only the record's own value is parsed.
//!
//! `like` model (§6.3, word search backed by a full-text index): both the stored value
//! and the search term are split into tokens. A run of Latin letters/digits is one
//! *word* and matches only a whole word, case-insensitively (`like "key"` does not match
//! "gamma keyword"). A run of kana/kanji/hangul has no word boundaries in a full-text
//! index, so it matches as a substring (`like "京都"` matches "東京都"). Every token of the
//! term must be present. Symbols and spaces only separate tokens; a term with no tokens
//! matches every value. Full-width ASCII is folded to ASCII first. RICH_TEXT is searched
//! with its HTML tags removed, FILE by its file names (contents are not indexed here).

use super::lexer::CmpOp;
use super::parser::{Arg, Op};
use crate::model::{Json, Record};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashSet;
use std::str::FromStr;

/// How a field's values are read and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Id,
    RecNum,
    Num,
    Text,
    MultiText,
    Rich,
    Choice,
    Multi,
    UserOne,
    UserMany,
    File,
    Date,
    Time,
    DateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// The literal `""` on a numeric/date/time field: "is empty".
    Empty,
    Dec(Decimal),
    Str(String),
    /// Half-open `[start, end)`: day numbers (DATE), minutes (TIME) or UTC seconds
    /// (DATETIME-like).
    Range(i64, i64),
    /// PRIMARY_ORGANIZATION() for a caller without one: the predicate is ignored (§6.5).
    Ignore,
    // Resolved at select time with the caller's context:
    LocalDays(NaiveDate, NaiveDate),
    Period(String, Vec<Arg>),
    Now,
    LoginUser,
    PrimaryOrg,
}

#[derive(Debug, Clone)]
pub struct LikeTerm {
    pub words: Vec<String>,
    pub cjk: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CPred {
    /// Field code; unused for `$id`.
    pub code: String,
    pub kind: Kind,
    pub subtable: Option<String>,
    pub op: Op,
    pub operands: Vec<Operand>,
    pub like: Option<LikeTerm>,
    /// Index among the query's like/not like predicates, for the abort counter (§2.5).
    pub like_idx: Option<usize>,
}

impl CPred {
    /// §6.7: negative predicates need every row of the subtable to match.
    pub fn is_negative(&self) -> bool {
        matches!(
            self.op,
            Op::NotIn | Op::NotLike | Op::IsNotEmpty | Op::Cmp(CmpOp::Ne)
        )
    }
}

#[derive(Debug, Clone)]
pub enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Pred(CPred),
    /// Positive predicates on one subtable joined by `and`: one row must satisfy all (§6.7).
    SameRow(String, Vec<CPred>),
    /// A related-records predicate `rel.field ...` (§6.7).
    Related(Box<RelNode>),
}

/// `rel.field op values` on a REFERENCE_TABLE: a record's related records are those of
/// the referenced app whose `related_key` equals the record's `key_field` and that pass
/// the table's `filterCond`. Positive predicates need one related record to match;
/// negative ones need every related record to match and at least one to exist (the
/// subtable rule of §6.7 applied to related records; UNCONFIRMED).
#[derive(Debug, Clone)]
pub struct RelNode {
    pub app: u64,
    pub key_field: String,
    pub related_key: String,
    pub filter: Option<Node>,
    pub pred: CPred,
    /// Computed per select from the referenced app: (keys with a matching related record
    /// for positive predicates / with a non-matching one for negative predicates, keys
    /// with any related record). `None` (no domain given) matches nothing.
    pub keys: Option<(HashSet<String>, HashSet<String>)>,
}

/// The comparable form of a join key: numbers normalised so "1" and "1.0" meet.
pub fn join_key(v: Option<&Json>, id: u64, field: &str) -> Option<String> {
    if field == "$id" {
        return Some(id.to_string());
    }
    let s = match v? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Object(o) => o.get("code")?.as_str()?.to_string(),
        _ => return None,
    };
    if s.is_empty() {
        return None;
    }
    Some(match parse_dec(&s) {
        Some(d) => d.normalize().to_string(),
        None => s,
    })
}

impl RelNode {
    pub fn compute_keys(&mut self, related: &crate::model::App) {
        let mut hit = HashSet::new();
        let mut all = HashSet::new();
        let mut scratch = Scratch { like_hit: vec![] };
        let negative = self.pred.is_negative();
        for r in related.records.values() {
            if let Some(f) = &self.filter {
                if !f.eval(r, &mut scratch) {
                    continue;
                }
            }
            let Some(k) = join_key(r.values.get(&self.related_key), r.id, &self.related_key) else {
                continue;
            };
            let m = eval_pred(&self.pred, r, &mut scratch);
            if m != negative {
                hit.insert(k.clone());
            }
            all.insert(k);
        }
        self.keys = Some((hit, all));
    }

    fn eval(&self, rec: &Record) -> bool {
        let Some((hit, all)) = &self.keys else {
            return false;
        };
        let Some(k) = join_key(rec.values.get(&self.key_field), rec.id, &self.key_field) else {
            return false;
        };
        if self.pred.is_negative() {
            all.contains(&k) && !hit.contains(&k)
        } else {
            hit.contains(&k)
        }
    }
}

/// Per-record scratch: which like predicates matched.
pub struct Scratch {
    pub like_hit: Vec<bool>,
}

impl Node {
    pub fn eval(&self, rec: &Record, s: &mut Scratch) -> bool {
        match self {
            Node::And(items) => items.iter().all(|n| n.eval(rec, s)),
            Node::Or(items) => items.iter().any(|n| n.eval(rec, s)),
            Node::Pred(p) => eval_pred(p, rec, s),
            Node::Related(r) => r.eval(rec),
            Node::SameRow(table, preds) => rows(rec, table).iter().any(|row| {
                preds
                    .iter()
                    .all(|p| record_hit(p, s, eval_value(p, row_value(row, &p.code), rec.id)))
            }),
        }
    }
}

fn record_hit(p: &CPred, s: &mut Scratch, hit: bool) -> bool {
    if hit {
        if let Some(i) = p.like_idx {
            if let Some(h) = s.like_hit.get_mut(i) {
                *h = true;
            }
        }
    }
    hit
}

fn rows<'a>(rec: &'a Record, table: &str) -> &'a [Json] {
    rec.values
        .get(table)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn row_value<'a>(row: &'a Json, code: &str) -> Option<&'a Json> {
    row.get("value")?.get(code)?.get("value")
}

fn eval_pred(p: &CPred, rec: &Record, s: &mut Scratch) -> bool {
    let hit = match &p.subtable {
        None => eval_value(p, rec.values.get(&p.code), rec.id),
        Some(table) => {
            let rows = rows(rec, table);
            if p.operands.contains(&Operand::Ignore) {
                true
            } else if rows.is_empty() {
                // An empty table matches neither positive nor negative predicates (§6.7).
                false
            } else if p.is_negative() {
                rows.iter()
                    .all(|r| eval_value(p, row_value(r, &p.code), rec.id))
            } else {
                rows.iter()
                    .any(|r| eval_value(p, row_value(r, &p.code), rec.id))
            }
        }
    };
    record_hit(p, s, hit)
}

fn as_text(v: Option<&Json>) -> &str {
    v.and_then(Value::as_str).unwrap_or("")
}

fn parse_dec(s: &str) -> Option<Decimal> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    Decimal::from_str(t)
        .or_else(|_| Decimal::from_scientific(t))
        .ok()
}

fn num_value(v: Option<&Json>) -> Option<Decimal> {
    match v? {
        Value::String(s) => parse_dec(s),
        Value::Number(n) => parse_dec(&n.to_string()),
        _ => None,
    }
}

/// RECORD_NUMBER may be "APPCODE-14": the number after the last '-'.
pub fn record_number(s: &str) -> Option<Decimal> {
    let tail = s.rsplit('-').next().unwrap_or(s);
    parse_dec(tail)
}

fn codes(v: Option<&Json>) -> Vec<&str> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.as_str()),
                other => other.get("code").and_then(Value::as_str),
            })
            .collect(),
        Some(Value::Object(o)) => o.get("code").and_then(Value::as_str).into_iter().collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.as_str()],
        _ => vec![],
    }
}

fn lit_str(o: &Operand) -> &str {
    match o {
        Operand::Str(s) => s,
        _ => "",
    }
}

pub fn eval_value(p: &CPred, v: Option<&Json>, id: u64) -> bool {
    if p.operands.contains(&Operand::Ignore) {
        return true;
    }
    match p.kind {
        Kind::Id => num_op(&p.op, Some(Decimal::from(id)), &p.operands),
        Kind::RecNum => num_op(
            &p.op,
            v.and_then(Value::as_str).and_then(record_number),
            &p.operands,
        ),
        Kind::Num => num_op(&p.op, num_value(v), &p.operands),
        Kind::Text | Kind::Choice => {
            let s = as_text(v);
            match &p.op {
                Op::Cmp(CmpOp::Eq) => p.operands.iter().any(|o| lit_str(o) == s),
                Op::Cmp(CmpOp::Ne) => !p.operands.iter().any(|o| lit_str(o) == s),
                Op::In => p.operands.iter().any(|o| lit_str(o) == s),
                Op::NotIn => !p.operands.iter().any(|o| lit_str(o) == s),
                Op::Like => like(p, s),
                Op::NotLike => !like(p, s),
                Op::IsEmpty => s.trim().is_empty(),
                Op::IsNotEmpty => !s.trim().is_empty(),
                _ => false,
            }
        }
        Kind::MultiText | Kind::Rich => {
            let raw = as_text(v);
            let text = if p.kind == Kind::Rich {
                strip_html(raw)
            } else {
                raw.to_string()
            };
            match &p.op {
                Op::Like => like(p, &text),
                Op::NotLike => !like(p, &text),
                // Whitespace/newline/tab-only text counts as empty (§6.3).
                Op::IsEmpty => text.trim().is_empty(),
                Op::IsNotEmpty => !text.trim().is_empty(),
                _ => false,
            }
        }
        Kind::Multi | Kind::UserOne | Kind::UserMany => {
            let items = codes(v);
            let any = if items.is_empty() {
                // `in ("")` matches "nothing selected".
                p.operands.iter().any(|o| lit_str(o).is_empty())
            } else {
                items
                    .iter()
                    .any(|c| p.operands.iter().any(|o| lit_str(o) == *c))
            };
            match &p.op {
                Op::In | Op::Cmp(CmpOp::Eq) => any,
                Op::NotIn | Op::Cmp(CmpOp::Ne) => !any,
                _ => false,
            }
        }
        Kind::File => {
            let names: Vec<&str> = match v {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(|f| f.get("name").and_then(Value::as_str))
                    .collect(),
                _ => vec![],
            };
            match &p.op {
                Op::Like => like(p, &names.join(" ")),
                Op::NotLike => !like(p, &names.join(" ")),
                Op::IsEmpty => names.is_empty(),
                Op::IsNotEmpty => !names.is_empty(),
                _ => false,
            }
        }
        Kind::Date => range_op(&p.op, as_opt_text(v).and_then(date_days), &p.operands),
        Kind::Time => range_op(&p.op, as_opt_text(v).and_then(time_minutes), &p.operands),
        Kind::DateTime => range_op(&p.op, as_opt_text(v).and_then(datetime_secs), &p.operands),
    }
}

fn as_opt_text(v: Option<&Json>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn num_op(op: &Op, rec: Option<Decimal>, ops: &[Operand]) -> bool {
    let eq = |o: &Operand| match o {
        Operand::Empty => rec.is_none(),
        Operand::Dec(d) => rec == Some(*d),
        _ => false,
    };
    let ord = |f: fn(&Decimal, &Decimal) -> bool| match (rec, ops.first()) {
        (Some(r), Some(Operand::Dec(d))) => f(&r, d),
        _ => false,
    };
    match op {
        Op::Cmp(CmpOp::Eq) | Op::In => ops.iter().any(eq),
        Op::Cmp(CmpOp::Ne) | Op::NotIn => !ops.iter().any(eq),
        Op::Cmp(CmpOp::Gt) => ord(|a, b| a > b),
        Op::Cmp(CmpOp::Lt) => ord(|a, b| a < b),
        Op::Cmp(CmpOp::Ge) => ord(|a, b| a >= b),
        Op::Cmp(CmpOp::Le) => ord(|a, b| a <= b),
        _ => false,
    }
}

/// Period semantics of §6.5: `=` within, `!=` outside, `<` before start, `<=` before the
/// end, `>` at or after the end, `>=` at or after start. An empty value satisfies no
/// ordering; `= ""` tests emptiness.
fn range_op(op: &Op, rec: Option<i64>, ops: &[Operand]) -> bool {
    let Some(o) = ops.first() else { return false };
    let within_of = |o: &Operand| match (o, rec) {
        (Operand::Empty, r) => r.is_none(),
        (Operand::Range(s, e), Some(v)) => *s <= v && v < *e,
        _ => false,
    };
    let within = within_of(o);
    match op {
        // Only CALC fields with a date/time format take in / not in here.
        Op::In => ops.iter().any(within_of),
        Op::NotIn => !ops.iter().any(within_of),
        Op::Cmp(CmpOp::Eq) => within,
        Op::Cmp(CmpOp::Ne) => !within,
        _ => match (o, rec) {
            (Operand::Range(s, e), Some(v)) => match op {
                Op::Cmp(CmpOp::Lt) => v < *s,
                Op::Cmp(CmpOp::Le) => v < *e,
                Op::Cmp(CmpOp::Gt) => v >= *e,
                Op::Cmp(CmpOp::Ge) => v >= *s,
                _ => false,
            },
            _ => false,
        },
    }
}

// ---- value parsing -------------------------------------------------------------------

pub fn days_of(d: NaiveDate) -> i64 {
    d.num_days_from_ce() as i64
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |a, d| a * 10 + (d - b'0') as u32))
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.trim().as_bytes();
    // Fast path for the stored form `YYYY-MM-DD`.
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        return NaiveDate::from_ymd_opt(
            digits(&b[..4])? as i32,
            digits(&b[5..7])?,
            digits(&b[8..])?,
        );
    }
    let mut it = s.trim().splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

pub fn date_days(s: &str) -> Option<i64> {
    parse_date(s).map(days_of)
}

/// `HH:MM` or `HH:MM:SS` as minutes of the day (TIME is minute-precision, §6.6).
pub fn time_minutes(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if !(b.len() == 5 || (b.len() == 8 && b[5] == b':')) || b[2] != b':' {
        return None;
    }
    let (h, m) = (digits(&b[..2])?, digits(&b[3..5])?);
    if b.len() == 8 && digits(&b[6..8])? > 59 {
        return None;
    }
    (h < 24 && m < 60).then_some((h * 60 + m) as i64)
}

/// A datetime with `Z`, `±HH:MM`, `±HHMM` or `±HH`, or no offset (taken as UTC, like
/// writes in §6.6), as UTC seconds. Date-only strings are not datetimes here.
pub fn datetime_secs(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    // Fast path for the stored form `YYYY-MM-DDTHH:MM:SSZ`.
    if b.len() == 20 && b[10] == b'T' && b[13] == b':' && b[16] == b':' && b[19] == b'Z' {
        let d = parse_date(&s[..10])?;
        let (h, m, sec) = (
            digits(&b[11..13])?,
            digits(&b[14..16])?,
            digits(&b[17..19])?,
        );
        if h < 24 && m < 60 && sec < 60 {
            return Some(d.and_hms_opt(h, m, sec)?.and_utc().timestamp());
        }
        return None;
    }
    let (date, time) = s.split_once(['T', ' '])?;
    let date = parse_date(date)?;
    let (clock, offset_secs) = split_offset(time)?;
    let t = NaiveTime::parse_from_str(clock, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(clock, "%H:%M"))
        .ok()?;
    Some(NaiveDateTime::new(date, t).and_utc().timestamp() - offset_secs)
}

fn split_offset(time: &str) -> Option<(&str, i64)> {
    if let Some(c) = time.strip_suffix(['Z', 'z']) {
        return Some((c, 0));
    }
    let Some(pos) = time.rfind(['+', '-']) else {
        return Some((time, 0));
    };
    let (clock, off) = time.split_at(pos);
    let sign = if off.starts_with('-') { -1 } else { 1 };
    let digits: String = off[1..].chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i64>().ok()?, 0),
        4 => (
            digits[..2].parse::<i64>().ok()?,
            digits[2..].parse::<i64>().ok()?,
        ),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some((clock, sign * (h * 3600 + m * 60)))
}

// ---- like ----------------------------------------------------------------------------

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3005..=0x3007 | 0x3040..=0x30FF | 0x31F0..=0x31FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF66..=0xFF9F | 0xAC00..=0xD7AF
        | 0x20000..=0x2FFFF)
}

fn fold(c: char) -> char {
    let u = c as u32;
    let c = if (0xFF01..=0xFF5E).contains(&u) {
        char::from_u32(u - 0xFEE0).unwrap_or(c)
    } else {
        c
    };
    c.to_lowercase().next().unwrap_or(c)
}

/// Splits text into Latin words and CJK runs, folded (see the module comment).
pub fn tokenize(text: &str) -> LikeTerm {
    let mut words = Vec::new();
    let mut cjk = Vec::new();
    let mut cur = String::new();
    let mut cur_cjk = false;
    let flush =
        |cur: &mut String, cur_cjk: bool, words: &mut Vec<String>, cjk: &mut Vec<String>| {
            if !cur.is_empty() {
                if cur_cjk {
                    cjk.push(std::mem::take(cur));
                } else {
                    words.push(std::mem::take(cur));
                }
            }
        };
    for c in text.chars().map(fold) {
        if is_cjk(c) {
            if !cur_cjk {
                flush(&mut cur, cur_cjk, &mut words, &mut cjk);
            }
            cur_cjk = true;
            cur.push(c);
        } else if c.is_alphanumeric() {
            if cur_cjk {
                flush(&mut cur, cur_cjk, &mut words, &mut cjk);
            }
            cur_cjk = false;
            cur.push(c);
        } else {
            flush(&mut cur, cur_cjk, &mut words, &mut cjk);
        }
    }
    flush(&mut cur, cur_cjk, &mut words, &mut cjk);
    LikeTerm { words, cjk }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

pub fn like_text(term: &LikeTerm, text: &str) -> bool {
    if term.words.is_empty() && term.cjk.is_empty() {
        return true;
    }
    let folded: String = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.chars().map(fold).collect()
    };
    term.cjk.iter().all(|c| folded.contains(c.as_str()))
        && term.words.iter().all(|w| has_word(&folded, w))
}

/// `w` occurs in `text` as a whole word (not inside a longer Latin run).
fn has_word(text: &str, w: &str) -> bool {
    let mut from = 0;
    while let Some(pos) = text[from..].find(w) {
        let start = from + pos;
        let end = start + w.len();
        let before_ok = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !is_word_char(c));
        let after_ok = text[end..].chars().next().is_none_or(|c| !is_word_char(c));
        if before_ok && after_ok {
            return true;
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

fn like(p: &CPred, text: &str) -> bool {
    p.like.as_ref().is_some_and(|t| like_text(t, text))
}

/// RICH_TEXT is searched as text: tags removed, common entities decoded.
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(term: &str, text: &str) -> bool {
        like_text(&tokenize(term), text)
    }

    #[test]
    fn like_is_word_search() {
        assert!(!l("key", "gamma keyword"));
        assert!(l("keyword", "gamma keyword"));
        assert!(l("KEYWORD", "Gamma Keyword."));
        assert!(l("gamma keyword", "keyword, then gamma"));
        assert!(!l("gamma delta", "gamma keyword"));
        assert!(l("ｋｅｙｗｏｒｄ", "gamma keyword"));
        assert!(l("", "anything"));
    }

    #[test]
    fn like_cjk_is_substring() {
        assert!(l("京都", "東京都に住む"));
        assert!(l("東京", "東京都"));
        assert!(!l("大阪", "東京都"));
        assert!(l("テスト", "これはテストです"));
        assert!(l("Excel表", "この表はExcelで作った"));
        assert!(!l("Excel表", "この図はExcelで作った"));
    }

    #[test]
    fn html_stripped() {
        assert_eq!(
            strip_html("<p>a&amp;b</p><b>c</b>")
                .split_whitespace()
                .collect::<Vec<_>>(),
            vec!["a&b", "c"]
        );
    }

    #[test]
    fn datetime_forms() {
        let z = datetime_secs("2012-02-03T00:00:00Z").unwrap();
        assert_eq!(datetime_secs("2012-02-03T09:00:00+0900"), Some(z));
        assert_eq!(datetime_secs("2012-02-03T09:00:00+09:00"), Some(z));
        assert_eq!(datetime_secs("2012-02-02T14:00-10:00"), Some(z));
        assert_eq!(datetime_secs("2012-02-03T00:00:00"), Some(z));
        assert_eq!(datetime_secs("2012-02-03"), None);
        assert_eq!(datetime_secs("2012-02-03Tfoo"), None);
        assert_eq!(datetime_secs("2012-02-03T00:00:00+9x"), None);
    }

    #[test]
    fn record_numbers() {
        assert_eq!(record_number("APP-X-14"), Some(Decimal::from(14)));
        assert_eq!(record_number("7"), Some(Decimal::from(7)));
        assert_eq!(time_minutes("09:30"), Some(570));
        assert_eq!(time_minutes("09:30:59"), Some(570));
        assert_eq!(date_days("2024-02-30"), None);
    }
}
