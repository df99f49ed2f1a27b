//! Kintone query builder (§6). Always lower-case keywords, every literal a `"`-quoted
//! string with `\` and `"` escaped and control characters written as escapes, and every
//! nested `and`/`or` parenthesised, so a value bound into a query can never change it.

use std::fmt;

use crate::error::{Error, Result};

/// Quotes a string literal (§6.2). Tab and line feed become `\t` and `\n` (raw ones
/// are rejected by Kintone). A carriage return is folded into a line feed: Kintone
/// stores line breaks as `\n`, and whether it decodes `\r` is not documented
/// (UNCONFIRMED).
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            // Other C0 controls have no escape in Kintone's syntax; drop them rather
            // than emit a query Kintone rejects.
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Checks a field code for use in a query: codes are written bare (§6.1), so anything
/// that could end the code or start an operator is refused.
pub fn field_code(code: &str) -> Result<&str> {
    let bad = |c: char| {
        c.is_whitespace()
            || c == '\u{3000}'
            || matches!(
                c,
                '"' | '\'' | '(' | ')' | '=' | '!' | '<' | '>' | ',' | '\\'
            )
            || (c as u32) < 0x20
    };
    if code.is_empty() || code.chars().any(bad) {
        return Err(Error::Unsupported(format!(
            "'{code}' cannot be used as a field code in a query"
        )));
    }
    Ok(code)
}

/// A value on the right of an operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Any text, date, datetime or number: always quoted (quoted numbers work, §6.2).
    Str(String),
    /// A function call such as `LOGINUSER()` or `FROM_TODAY(-5, DAYS)`, emitted verbatim;
    /// build it with [`Value::function`].
    Func(String),
}

impl Value {
    pub fn str(s: impl Into<String>) -> Self {
        Value::Str(s.into())
    }

    /// A query function with bare arguments (numbers, unit words, weekday names).
    pub fn function(name: &str, args: &[&str]) -> Result<Self> {
        let ok_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_');
        let ok_args = args.iter().all(|a| {
            !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        });
        if !ok_name || !ok_args {
            return Err(Error::Unsupported(format!("invalid query function {name}")));
        }
        Ok(Value::Func(format!("{name}({})", args.join(", "))))
    }

    /// The value as query text (quoted and escaped).
    pub fn render(&self) -> String {
        match self {
            Value::Str(s) => quote(s),
            Value::Func(f) => f.clone(),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::Le => "<=",
        }
    }
}

/// A condition tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    Cmp {
        field: String,
        op: Op,
        value: Value,
    },
    In {
        field: String,
        negated: bool,
        values: Vec<Value>,
    },
    Like {
        field: String,
        negated: bool,
        value: String,
    },
    Empty {
        field: String,
        negated: bool,
    },
    And(Vec<Cond>),
    Or(Vec<Cond>),
    /// Condition text produced elsewhere (already valid Kintone syntax).
    Raw(String),
}

impl Cond {
    pub fn cmp(field: &str, op: Op, value: impl Into<Value>) -> Result<Cond> {
        Ok(Cond::Cmp {
            field: field_code(field)?.to_string(),
            op,
            value: value.into(),
        })
    }
    pub fn eq(field: &str, value: impl Into<Value>) -> Result<Cond> {
        Cond::cmp(field, Op::Eq, value)
    }
    pub fn in_list(field: &str, values: Vec<Value>) -> Result<Cond> {
        Ok(Cond::In {
            field: field_code(field)?.to_string(),
            negated: false,
            values,
        })
    }
    pub fn not_in(field: &str, values: Vec<Value>) -> Result<Cond> {
        Ok(Cond::In {
            field: field_code(field)?.to_string(),
            negated: true,
            values,
        })
    }
    pub fn like(field: &str, value: &str) -> Result<Cond> {
        Ok(Cond::Like {
            field: field_code(field)?.to_string(),
            negated: false,
            value: value.into(),
        })
    }
    pub fn not_like(field: &str, value: &str) -> Result<Cond> {
        Ok(Cond::Like {
            field: field_code(field)?.to_string(),
            negated: true,
            value: value.into(),
        })
    }
    pub fn is_empty(field: &str) -> Result<Cond> {
        Ok(Cond::Empty {
            field: field_code(field)?.to_string(),
            negated: false,
        })
    }
    pub fn is_not_empty(field: &str) -> Result<Cond> {
        Ok(Cond::Empty {
            field: field_code(field)?.to_string(),
            negated: true,
        })
    }

    fn is_compound(&self) -> bool {
        matches!(self, Cond::And(v) | Cond::Or(v) if v.len() > 1) || matches!(self, Cond::Raw(_))
    }

    /// Writes a group's item, in parentheses when it is a group itself. Straight into
    /// the output: a list of 20,000 values is rendered without a string per item.
    fn write_child(f: &mut fmt::Formatter<'_>, c: &Cond) -> fmt::Result {
        if c.is_compound() {
            write!(f, "({c})")
        } else {
            write!(f, "{c}")
        }
    }
}

impl fmt::Display for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cond::Cmp { field, op, value } => {
                write!(f, "{field} {} {}", op.as_str(), value.render())
            }
            Cond::In {
                field,
                negated,
                values,
            } => {
                write!(f, "{field} {}in (", if *negated { "not " } else { "" })?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(&v.render())?;
                }
                f.write_str(")")
            }
            Cond::Like {
                field,
                negated,
                value,
            } => {
                write!(
                    f,
                    "{field} {}like {}",
                    if *negated { "not " } else { "" },
                    quote(value)
                )
            }
            Cond::Empty { field, negated } => {
                write!(f, "{field} is {}empty", if *negated { "not " } else { "" })
            }
            Cond::And(items) | Cond::Or(items) => {
                let sep = if matches!(self, Cond::And(_)) {
                    " and "
                } else {
                    " or "
                };
                if let [only] = items.as_slice() {
                    // A single-item group renders as its item (raw text keeps its parens).
                    return Cond::write_child(f, only);
                }
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    Cond::write_child(f, item)?;
                }
                Ok(())
            }
            Cond::Raw(s) => write!(f, "{s}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderKey {
    pub field: String,
    pub ascending: bool,
}

impl OrderKey {
    pub fn asc(field: &str) -> Result<Self> {
        Ok(OrderKey {
            field: field_code(field)?.to_string(),
            ascending: true,
        })
    }
    pub fn desc(field: &str) -> Result<Self> {
        Ok(OrderKey {
            field: field_code(field)?.to_string(),
            ascending: false,
        })
    }
    pub fn is_id(&self) -> bool {
        self.field == "$id"
    }
}

impl fmt::Display for OrderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.field,
            if self.ascending { "asc" } else { "desc" }
        )
    }
}

/// Builds the full query text: condition, then `order by`, `limit`, `offset` in that
/// order (§6.1), direction always explicit.
pub fn build(
    condition: Option<&str>,
    order: &[OrderKey],
    limit: Option<u64>,
    offset: Option<u64>,
) -> String {
    let mut q = String::new();
    if let Some(c) = condition.map(str::trim).filter(|c| !c.is_empty()) {
        q.push_str(c);
    }
    if !order.is_empty() {
        if !q.is_empty() {
            q.push(' ');
        }
        q.push_str("order by ");
        q.push_str(
            &order
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if let Some(l) = limit {
        if !q.is_empty() {
            q.push(' ');
        }
        q.push_str(&format!("limit {l}"));
    }
    if let Some(o) = offset {
        if !q.is_empty() {
            q.push(' ');
        }
        q.push_str(&format!("offset {o}"));
    }
    q
}

/// `(<condition>) and <extra>`, or just `<extra>` without a condition.
pub fn and_with(condition: Option<&str>, extra: &str) -> String {
    match condition.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => format!("({c}) and {extra}"),
        None => extra.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("abc"), r#""abc""#);
        assert_eq!(quote(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(quote(r"C:\dir\"), r#""C:\\dir\\""#);
        assert_eq!(quote("a\tb\nc"), r#""a\tb\nc""#);
        assert_eq!(quote("a\r\nb\rc"), r#""a\nb\nc""#);
        assert_eq!(quote("日本語テキスト・＿"), "\"日本語テキスト・＿\"");
        assert_eq!(quote("x\u{0}y\u{7}"), r#""xy""#);
        assert_eq!(quote(r#"\""#), r#""\\\"""#);
        assert_eq!(quote(""), r#""""#);
        // An injection attempt stays one literal.
        assert_eq!(quote(r#"" or $id > "0"#), r#""\" or $id > \"0""#);
    }

    #[test]
    fn conditions() {
        let c = Cond::Or(vec![
            Cond::And(vec![
                Cond::eq("title", "a\"b").unwrap(),
                Cond::cmp("数値", Op::Ge, "10").unwrap(),
            ]),
            Cond::in_list("status", vec!["A".into(), Value::str("B")]).unwrap(),
            Cond::is_empty("memo").unwrap(),
        ]);
        assert_eq!(
            c.to_string(),
            r#"(title = "a\"b" and 数値 >= "10") or status in ("A", "B") or memo is empty"#
        );
        let c = Cond::And(vec![
            Cond::Raw("a = \"1\" or b = \"2\"".into()),
            Cond::not_like("memo", "x").unwrap(),
            Cond::not_in("作成者", vec![Value::function("LOGINUSER", &[]).unwrap()]).unwrap(),
            Cond::is_not_empty("f").unwrap(),
            Cond::cmp(
                "d",
                Op::Lt,
                Value::function("FROM_TODAY", &["-5", "DAYS"]).unwrap(),
            )
            .unwrap(),
        ]);
        assert_eq!(
            c.to_string(),
            "(a = \"1\" or b = \"2\") and memo not like \"x\" and 作成者 not in (LOGINUSER()) \
             and f is not empty and d < FROM_TODAY(-5, DAYS)"
        );
        assert!(Cond::eq("a b", "x").is_err());
        assert!(Cond::eq("a\"", "x").is_err());
        assert!(Cond::eq("", "x").is_err());
        assert!(Value::function("X(", &[]).is_err());
        assert!(Value::function("FROM_TODAY", &["1)", "DAYS"]).is_err());
    }

    #[test]
    fn full_query() {
        let order = vec![
            OrderKey::desc("数値").unwrap(),
            OrderKey::asc("$id").unwrap(),
        ];
        assert_eq!(
            build(Some("a = \"1\""), &order, Some(500), Some(1000)),
            "a = \"1\" order by 数値 desc, $id asc limit 500 offset 1000"
        );
        assert_eq!(build(None, &[], Some(1), None), "limit 1");
        assert_eq!(build(Some("  "), &[], None, None), "");
        assert_eq!(
            and_with(Some("a = \"1\" or b = \"2\""), "$id > 5"),
            "(a = \"1\" or b = \"2\") and $id > 5"
        );
        assert_eq!(and_with(None, "$id > 5"), "$id > 5");
    }
}
