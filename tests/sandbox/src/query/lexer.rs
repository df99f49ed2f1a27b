//! Tokens of the query language (§6.1, §6.2).
//!
//! Everything that is not whitespace, punctuation or a string literal is a *word*: field
//! codes, keywords, function names, units and numbers alike. The parser decides what a
//! word means from where it stands, which is how `Number>=20` (no spaces, §6.1) and field
//! codes made of kana, kanji, `$`, `・`, `＿`, `￥` all come out right without a
//! character class per role.

use crate::error::{KError, KResult};

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Word(String),
    Str(String),
    LParen,
    RParen,
    Comma,
    Op(CmpOp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Gt => ">",
            CmpOp::Lt => "<",
            CmpOp::Ge => ">=",
            CmpOp::Le => "<=",
        }
    }
}

/// Outside literals, every Unicode whitespace counts, including U+3000 (§6.1).
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

fn is_word_char(c: char) -> bool {
    !is_space(c) && !matches!(c, '(' | ')' | ',' | '=' | '!' | '<' | '>' | '"' | '\'')
}

pub fn lex(input: &str) -> KResult<Vec<Tok>> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_space(c) {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                out.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '=' => {
                out.push(Tok::Op(CmpOp::Eq));
                i += 1;
            }
            '!' => {
                if chars.get(i + 1) == Some(&'=') {
                    out.push(Tok::Op(CmpOp::Ne));
                    i += 2;
                } else {
                    return Err(KError::query_syntax());
                }
            }
            '<' | '>' => {
                let eq = chars.get(i + 1) == Some(&'=');
                let op = match (c, eq) {
                    ('<', true) => CmpOp::Le,
                    ('<', false) => CmpOp::Lt,
                    ('>', true) => CmpOp::Ge,
                    _ => CmpOp::Gt,
                };
                out.push(Tok::Op(op));
                i += if eq { 2 } else { 1 };
            }
            // Single quotes are not part of the syntax (§6.2).
            '\'' => return Err(KError::query_syntax()),
            '"' => {
                let (s, next) = lex_string(&chars, i + 1)?;
                out.push(Tok::Str(s));
                i = next;
            }
            _ => {
                let start = i;
                while i < chars.len() && is_word_char(chars[i]) {
                    i += 1;
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

/// A double-quoted literal starting after the opening quote. `\"`, `\\`, `\t`, `\n` are
/// decoded; any other escaped character stands for itself. Raw tab/CR/LF are a syntax
/// error on real Kintone (§6.2).
fn lex_string(chars: &[char], mut i: usize) -> KResult<(String, usize)> {
    let mut s = String::new();
    while i < chars.len() {
        match chars[i] {
            '"' => return Ok((s, i + 1)),
            '\t' | '\r' | '\n' => return Err(KError::query_syntax()),
            '\\' => {
                let Some(&n) = chars.get(i + 1) else {
                    return Err(KError::query_syntax());
                };
                s.push(match n {
                    't' => '\t',
                    'n' => '\n',
                    other => other,
                });
                i += 2;
            }
            c => {
                s.push(c);
                i += 1;
            }
        }
    }
    Err(KError::query_syntax())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Tok {
        Tok::Word(s.into())
    }

    #[test]
    fn no_spaces_needed() {
        assert_eq!(
            lex("Number>=20").unwrap(),
            vec![w("Number"), Tok::Op(CmpOp::Ge), w("20")]
        );
        assert_eq!(
            lex("a!=\"x\"and b<-1").unwrap(),
            vec![
                w("a"),
                Tok::Op(CmpOp::Ne),
                Tok::Str("x".into()),
                w("and"),
                w("b"),
                Tok::Op(CmpOp::Lt),
                w("-1")
            ]
        );
    }

    #[test]
    fn ideographic_space_and_japanese_codes() {
        assert_eq!(
            lex("文字列・１\u{3000}=\u{3000}\"値\"").unwrap(),
            vec![w("文字列・１"), Tok::Op(CmpOp::Eq), Tok::Str("値".into())]
        );
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            lex(r#""a\"b\\c\td\ne""#).unwrap(),
            vec![Tok::Str("a\"b\\c\td\ne".into())]
        );
    }

    #[test]
    fn raw_control_chars_rejected() {
        for q in ["a = \"x\ty\"", "a = \"x\ny\"", "a = \"x\ry\""] {
            assert_eq!(lex(q).unwrap_err().code, "CB_VA01");
        }
        // Outside literals they are plain whitespace.
        assert!(lex("a\t=\n\"x\"").is_ok());
    }

    #[test]
    fn bad_tokens() {
        let e = lex("a = 'x'").unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "CB_VA01"));
        assert_eq!(lex("a ! b").unwrap_err().code, "CB_VA01");
        assert_eq!(lex("a = \"open").unwrap_err().code, "CB_VA01");
        assert_eq!(lex("a = \"open\\").unwrap_err().code, "CB_VA01");
    }
}
