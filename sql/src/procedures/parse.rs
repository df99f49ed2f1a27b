//! The statements that call a procedure:
//!
//! - `EXEC name p = 'v', q = ?, ...` and `EXECUTE ...` (CData's form; names may carry
//!   an `@` prefix, as in SQL Server; arguments without names are positional);
//! - `{call name(?, 'v', ...)}` (the ODBC escape) and `CALL name(...)`: positional in
//!   the declared order, or named (`name = value`) like EXEC;
//! - `{? = call ...}` is refused: our procedures return a result set, not a value.
//!
//! Values are string literals (`'it''s'`), numbers, `NULL`, `TRUE`/`FALSE` or `?`.
//! Anything else is not a procedure call and goes to the SQL engine.

use crate::error::{state, SqlError, SqlResult};

/// A procedure call as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallStmt {
    pub name: String,
    pub args: Vec<ArgExpr>,
}

/// One argument: `name = value`, or a positional value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgExpr {
    pub name: Option<String>,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A literal, as text (numbers too: each parameter converts to its own type).
    Literal(String),
    /// A `?` marker.
    Marker,
    Null,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    /// A quoted identifier (`"x"`, `[x]`, `` `x` ``).
    Quoted(String),
    Str(String),
    Number(String),
    Punct(char),
}

fn syntax(msg: impl Into<String>) -> SqlError {
    SqlError::syntax(msg)
}

fn lex(sql: &str) -> SqlResult<Vec<Tok>> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0usize;
    let at = |i: usize| chars.get(i).copied();
    while let Some(c) = at(i) {
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && at(i + 1) == Some('-') {
            while at(i).is_some_and(|c| c != '\n') {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == Some('*') {
            i += 2;
            while at(i).is_some() && !(at(i) == Some('*') && at(i + 1) == Some('/')) {
                i += 1;
            }
            if at(i).is_none() {
                return Err(syntax("unterminated comment"));
            }
            i += 2;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match at(i) {
                    None => return Err(syntax("unterminated string literal")),
                    Some('\'') if at(i + 1) == Some('\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(c) => {
                        s.push(c);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Str(s));
        } else if matches!(c, '"' | '[' | '`') {
            let close = if c == '[' { ']' } else { c };
            let mut s = String::new();
            i += 1;
            loop {
                match at(i) {
                    None => return Err(syntax("unterminated quoted name")),
                    Some(x) if x == close && at(i + 1) == Some(close) => {
                        s.push(close);
                        i += 2;
                    }
                    Some(x) if x == close => {
                        i += 1;
                        break;
                    }
                    Some(x) => {
                        s.push(x);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Quoted(s));
        } else if c.is_ascii_digit()
            || (matches!(c, '-' | '+' | '.') && at(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            i += 1;
            while at(i).is_some_and(|d| d.is_ascii_alphanumeric() || d == '.') {
                i += 1;
            }
            out.push(Tok::Number(
                chars.get(start..i).unwrap_or(&[]).iter().collect(),
            ));
        } else if c.is_alphanumeric() || c == '_' || c == '@' || c == '#' {
            let start = i;
            i += 1;
            while at(i).is_some_and(|d| d.is_alphanumeric() || d == '_' || d == '#') {
                i += 1;
            }
            out.push(Tok::Word(
                chars.get(start..i).unwrap_or(&[]).iter().collect(),
            ));
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    Ok(out)
}

fn is_kw(t: Option<&Tok>, kw: &str) -> bool {
    matches!(t, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A procedure or parameter name: a word (without `@`) or a quoted name.
    fn name(&mut self, what: &str) -> SqlResult<String> {
        match self.next() {
            Some(Tok::Word(w)) => {
                let w = w.strip_prefix('@').unwrap_or(&w).to_string();
                if w.is_empty() {
                    Err(syntax(format!("expected {what}")))
                } else {
                    Ok(w)
                }
            }
            Some(Tok::Quoted(q)) => Ok(q),
            _ => Err(syntax(format!("expected {what}"))),
        }
    }

    /// The procedure name; `schema.name` is taken as `name` (one namespace).
    fn proc_name(&mut self) -> SqlResult<String> {
        let mut name = self.name("a procedure name")?;
        while self.eat('.') {
            name = self.name("a procedure name after '.'")?;
        }
        Ok(name)
    }

    fn value(&mut self) -> SqlResult<Value> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Value::Literal(s)),
            Some(Tok::Number(n)) => Ok(Value::Literal(n)),
            Some(Tok::Punct('?')) => Ok(Value::Marker),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("null") => Ok(Value::Null),
            Some(Tok::Word(w))
                if w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") =>
            {
                Ok(Value::Literal(w.to_ascii_lowercase()))
            }
            _ => Err(syntax(
                "a procedure argument must be a string literal, a number, NULL, TRUE, FALSE or ?",
            )),
        }
    }

    /// `[name =] value`.
    fn arg(&mut self) -> SqlResult<ArgExpr> {
        let named = matches!(self.peek(), Some(Tok::Word(_) | Tok::Quoted(_)))
            && self.toks.get(self.pos + 1) == Some(&Tok::Punct('='));
        if named {
            let name = self.name("a parameter name")?;
            self.pos += 1;
            return Ok(ArgExpr {
                name: Some(name),
                value: self.value()?,
            });
        }
        Ok(ArgExpr {
            name: None,
            value: self.value()?,
        })
    }

    /// Arguments up to `end` (`None`: the end of the statement).
    fn args(&mut self, end: Option<char>) -> SqlResult<Vec<ArgExpr>> {
        let mut args = Vec::new();
        let at_end = |p: &Parser| match end {
            Some(c) => p.peek() == Some(&Tok::Punct(c)),
            None => p.peek().is_none() || p.peek() == Some(&Tok::Punct(';')),
        };
        if at_end(&*self) {
            return Ok(args);
        }
        loop {
            let a = self.arg()?;
            if a.name.is_none() && args.iter().any(|x: &ArgExpr| x.name.is_some()) {
                return Err(syntax(
                    "a positional procedure argument cannot follow a named one",
                ));
            }
            args.push(a);
            if !self.eat(',') {
                break;
            }
        }
        if !at_end(&*self) {
            return Err(syntax(match end {
                Some(c) => format!("expected ',' or '{c}' after a procedure argument"),
                None => "expected ',' or the end of the statement after a procedure argument"
                    .to_string(),
            }));
        }
        Ok(args)
    }

    /// `name [( args )]` after CALL.
    fn call_body(&mut self) -> SqlResult<CallStmt> {
        let name = self.proc_name()?;
        let args = if self.eat('(') {
            let a = self.args(Some(')'))?;
            self.pos += 1;
            a
        } else {
            Vec::new()
        };
        Ok(CallStmt { name, args })
    }

    fn finish(&mut self) -> SqlResult<()> {
        while self.eat(';') {}
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(syntax(
                "unexpected text after the procedure call (one statement at a time)",
            )),
        }
    }
}

/// The call `sql` makes, or `None` when it is not a procedure call at all.
pub fn parse_call(sql: &str) -> SqlResult<Option<CallStmt>> {
    // Cheap test first: most statements are queries, and lexing them here would only
    // report errors the SQL engine words better.
    let head: String = {
        let mut p = Parser {
            toks: match lex_head(sql) {
                Some(t) => t,
                None => return Ok(None),
            },
            pos: 0,
        };
        match p.next() {
            Some(Tok::Word(w)) => w.to_ascii_lowercase(),
            Some(Tok::Punct('{')) => "{".into(),
            _ => return Ok(None),
        }
    };
    if !matches!(head.as_str(), "exec" | "execute" | "call" | "{") {
        return Ok(None);
    }
    let toks = lex(sql)?;
    let mut p = Parser { toks, pos: 0 };
    p.pos = 1;
    let call = match head.as_str() {
        "{" => {
            if p.eat('?') {
                return Err(SqlError::new(
                    state::NOT_IMPLEMENTED,
                    "{? = call ...} is not supported: procedures return a result set, not a value; use {call ...}",
                ));
            }
            if !is_kw(p.peek(), "call") {
                // `{fn ...}`, `{d ...}` ...: an escape inside a query.
                return Ok(None);
            }
            p.pos += 1;
            let c = p.call_body()?;
            if !p.eat('}') {
                return Err(syntax("expected '}' to close {call ...}"));
            }
            c
        }
        "call" => p.call_body()?,
        _ => {
            let name = p.proc_name()?;
            let args = p.args(None)?;
            CallStmt { name, args }
        }
    };
    p.finish()?;
    Ok(Some(call))
}

/// The first token (after blanks and comments), or `None` if there is none. Only the
/// head is lexed, so a query's own errors stay the engine's to report.
fn lex_head(sql: &str) -> Option<Vec<Tok>> {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map(|(_, after)| after)?;
        } else {
            break;
        }
    }
    let first = rest.chars().next()?;
    if first == '{' {
        return Some(vec![Tok::Punct('{')]);
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    if word.is_empty() {
        return None;
    }
    // `EXECUTE` vs a table named `executed`: the word must end there.
    let next = rest.chars().nth(word.chars().count());
    if next.is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    Some(vec![Tok::Word(word)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Value {
        Value::Literal(s.into())
    }

    fn named(n: &str, v: Value) -> ArgExpr {
        ArgExpr {
            name: Some(n.into()),
            value: v,
        }
    }

    fn pos(v: Value) -> ArgExpr {
        ArgExpr {
            name: None,
            value: v,
        }
    }

    #[test]
    fn exec_with_named_literals_markers_and_comments() {
        let c = parse_call(
            "  -- get it\n exec GetOAuthAuthorizationURL AuthMode='WEB', @State = 'it''s', Scope=?, X = -1.5, Y = NULL, Z = true ;",
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.name, "GetOAuthAuthorizationURL");
        assert_eq!(
            c.args,
            vec![
                named("AuthMode", lit("WEB")),
                named("State", lit("it's")),
                named("Scope", Value::Marker),
                named("X", lit("-1.5")),
                named("Y", Value::Null),
                named("Z", lit("true")),
            ]
        );
        let c = parse_call("EXECUTE [Refresh] ").unwrap().unwrap();
        assert_eq!((c.name.as_str(), c.args.len()), ("Refresh", 0));
    }

    #[test]
    fn call_escape_and_call_statement() {
        let c = parse_call("{call GetOAuthAuthorizationURL(?, 'b')}")
            .unwrap()
            .unwrap();
        assert_eq!(c.args, vec![pos(Value::Marker), pos(lit("b"))]);
        let c = parse_call(" { CALL x.P } ").unwrap().unwrap();
        assert_eq!((c.name.as_str(), c.args.len()), ("P", 0));
        let c = parse_call("CALL P()").unwrap().unwrap();
        assert_eq!((c.name.as_str(), c.args.len()), ("P", 0));
        let c = parse_call("call P(a => 1)");
        assert_eq!(c.unwrap_err().sqlstate, "42000");
        // Recognised with or without spaces (the escape scanner once took only letters
        // after '{' and called it an unknown escape).
        for q in ["{? = call P(?)}", "{?=call f(?)}", "  {?= CALL f}"] {
            let e = parse_call(q).unwrap_err();
            assert_eq!(e.sqlstate, "HYC00", "{q}");
            assert!(e.message.contains("{? = call"), "{q}");
        }
    }

    #[test]
    fn queries_are_not_calls() {
        for q in [
            "SELECT 1",
            "{fn NOW()}",
            "executed_at",
            "  /* c */ SELECT {call x}",
            "",
            "-- only a comment",
        ] {
            assert_eq!(parse_call(q).unwrap(), None, "{q}");
        }
    }

    #[test]
    fn malformed_calls_are_syntax_errors() {
        for q in [
            "EXEC",
            "EXEC P a",
            "EXEC P a=",
            "EXEC P a='x' b='y'",
            "EXEC P a='x', 'y'",
            "{call P(?)",
            "{call P(?}",
            "CALL P(?) SELECT 1",
            "EXEC P a='unterminated",
            "EXEC P a=(SELECT 1)",
        ] {
            let e = parse_call(q).unwrap_err();
            assert_eq!(e.sqlstate, "42000", "{q}: {e}");
        }
    }
}
