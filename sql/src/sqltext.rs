//! ODBC's SQL dialect on top of DataFusion's: `?` parameters become `$1, $2 ...`,
//! ODBC escapes (`{d '...'}`, `{t}`, `{ts}`, `{fn ...}`, `{oj ...}`, `{escape '.'}`) are
//! unwrapped, and trailing `;` are dropped. Quoted strings, quoted identifiers and
//! comments are copied untouched.

use crate::error::{state, SqlError, SqlResult};
use crate::escapes::{self, EscapeContext};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewritten {
    pub sql: String,
    /// Number of `?` parameters.
    pub params: usize,
}

pub fn rewrite(input: &str) -> SqlResult<Rewritten> {
    rewrite_with(input, &EscapeContext::default())
}

/// [`rewrite`] with what `{fn DATABASE()}` and `{fn USER()}` answer.
pub fn rewrite_with(input: &str, ctx: &EscapeContext) -> SqlResult<Rewritten> {
    let chars: Vec<char> = input.chars().collect();
    let mut params = 0usize;
    let out = rewrite_part(&chars, ctx, &mut params)?;
    let trimmed = out.trim_end();
    let trimmed = trimmed.trim_end_matches(|c: char| c == ';' || c.is_whitespace());
    Ok(Rewritten {
        sql: trimmed.to_string(),
        params,
    })
}

/// The index of the `}` closing an escape whose body starts at `from` (quotes and
/// nested escapes skipped).
fn closing_brace(chars: &[char], from: usize) -> Option<usize> {
    let mut depth = 1usize;
    let mut quote: Option<char> = None;
    let mut i = from;
    while let Some(&c) = chars.get(i) {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else {
            match c {
                '\'' | '"' | '`' => quote = Some(c),
                // Comments as `rewrite_part` reads them: a `}` in a comment closes
                // nothing (else a `?` commented out after it became a parameter).
                '-' if chars.get(i + 1) == Some(&'-') => {
                    while chars.get(i).is_some_and(|c| *c != '\n') {
                        i += 1;
                    }
                    continue;
                }
                '/' if chars.get(i + 1) == Some(&'*') => {
                    i += 2;
                    while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                        i += 1;
                    }
                    i += 2;
                    continue;
                }
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// `text` with each comment replaced by a space: the translation of a `{fn}` rejoins
/// its arguments on one line, where a line comment would swallow the rest.
fn without_comments(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while chars.get(i).is_some_and(|c| *c != '\n') {
                i += 1;
            }
            out.push(' ');
            continue;
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
            out.push(' ');
            continue;
        } else if matches!(c, '\'' | '"' | '`') {
            quote = Some(c);
        }
        out.push(c);
        i += 1;
    }
    out
}

fn rewrite_part(chars: &[char], ctx: &EscapeContext, params: &mut usize) -> SqlResult<String> {
    let mut out = String::with_capacity(chars.len() + 8);
    let mut braces = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' | '`' => {
                let q = c;
                out.push(c);
                i += 1;
                let mut closed = false;
                while i < chars.len() {
                    out.push(chars[i]);
                    if chars[i] == q {
                        if i + 1 < chars.len() && chars[i + 1] == q {
                            out.push(q);
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                if !closed {
                    let what = if q == '\'' {
                        "string literal"
                    } else {
                        "quoted identifier"
                    };
                    return Err(SqlError::syntax(format!(
                        "unterminated {what} (missing {q})"
                    )));
                }
                continue;
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    out.push(chars[i]);
                    i += 1;
                }
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                let start = i;
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                if i + 1 >= chars.len() {
                    return Err(SqlError::syntax("unterminated comment (missing */)"));
                }
                i += 2;
                out.extend(&chars[start..i]);
                continue;
            }
            '?' => {
                *params += 1;
                out.push_str(&format!("${params}"));
            }
            '{' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                let kw_start = j;
                while j < chars.len() && chars[j].is_ascii_alphabetic() {
                    j += 1;
                }
                let kw: String = chars[kw_start..j]
                    .iter()
                    .collect::<String>()
                    .to_ascii_lowercase();
                if kw == "fn" {
                    let close = closing_brace(chars, j)
                        .ok_or_else(|| SqlError::syntax("unterminated ODBC escape (missing })"))?;
                    let inner = rewrite_part(&chars[j..close], ctx, params)?;
                    let call = escapes::translate(&without_comments(&inner), ctx)
                        .map_err(SqlError::syntax)?;
                    out.push(' ');
                    out.push_str(&call);
                    out.push(' ');
                    i = close + 1;
                    continue;
                }
                let replacement = match kw.as_str() {
                    "d" => "DATE ",
                    "t" => "TIME ",
                    "ts" => "TIMESTAMP ",
                    "oj" => " ",
                    "escape" => " ESCAPE ",
                    "call" | "?" => {
                        return Err(SqlError::new(
                            state::NOT_IMPLEMENTED,
                            "a {call} escape must be the whole statement ({call Procedure(...)}), not part of a query",
                        ))
                    }
                    _ => {
                        return Err(SqlError::syntax(format!(
                            "unknown ODBC escape '{{{kw}' (expected d, t, ts, fn, oj or escape)"
                        )))
                    }
                };
                braces += 1;
                out.push_str(replacement);
                i = j;
                continue;
            }
            '}' if braces > 0 => {
                braces -= 1;
                out.push(' ');
            }
            _ => out.push(c),
        }
        i += 1;
    }
    if braces > 0 {
        return Err(SqlError::syntax("unterminated ODBC escape (missing })"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_escapes_and_semicolons() {
        let r = rewrite("SELECT * FROM t WHERE a = ? AND b = '?' AND \"c?\" = ?;  ").unwrap();
        assert_eq!(
            r.sql,
            "SELECT * FROM t WHERE a = $1 AND b = '?' AND \"c?\" = $2"
        );
        assert_eq!(r.params, 2);
        let r = rewrite("SELECT {fn UCASE(x)} FROM t WHERE d = {d '2025-01-02'} -- ?\n").unwrap();
        assert_eq!(
            r.sql,
            "SELECT  upper(x)  FROM t WHERE d = DATE  '2025-01-02'  -- ?"
        );
        assert_eq!(r.params, 0);
        let r = rewrite("SELECT {fn LCASE({fn CONCAT(?, 'a}')})}, ?").unwrap();
        assert_eq!(r.sql, "SELECT  lower(concat($1, 'a}')) , $2");
        assert_eq!(r.params, 2);
        assert_eq!(
            rewrite("SELECT {fn UCASE(x)").unwrap_err().sqlstate,
            "42000"
        );
        assert_eq!(rewrite("SELECT 'it''s ?'").unwrap().params, 0);
        assert_eq!(rewrite("SELECT 'x").unwrap_err().sqlstate, "42000");
        assert_eq!(rewrite("SELECT {zz 1}").unwrap_err().sqlstate, "42000");
    }

    /// Found by fuzzing (sqltext target): a `}` inside a comment inside `{fn ...}`
    /// closed the escape, so a `?` the comment hid was counted as a parameter.
    #[test]
    fn braces_in_comments_inside_escapes_close_nothing() {
        let r = rewrite("SELECT {fn UCASE(x -- } ?\n)}, ?").unwrap();
        assert_eq!((r.params, r.sql.as_str()), (1, "SELECT  upper(x) , $1"));
        let r = rewrite("SELECT {fn LCASE(/* } ? */ ?)}").unwrap();
        assert_eq!((r.params, r.sql.as_str()), (1, "SELECT  lower($1)"));
        assert_eq!(
            rewrite("SELECT {fn UCASE(x) -- }").unwrap_err().sqlstate,
            "42000"
        );
        assert_eq!(
            rewrite("SELECT {fn UCASE(x) /* }").unwrap_err().sqlstate,
            "42000"
        );
    }
}
