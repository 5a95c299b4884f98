//! Tokenizer, pulled one token at a time by the parser.
//!
//! Being lazy makes errors come out in reading order (a problem at column 3
//! is reported before one at column 9) and bounds the work on oversized
//! input: at most [`MAX_LEN`] + 1 characters are ever looked at, and the
//! "too long" error is only reached if nothing before the limit was wrong.

use super::{ExprError, MAX_LEN};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Tok {
    Num(f64),
    Ident,
    Plus,
    Minus,
    Star,
    Slash,
    /// `^` or `**`.
    Caret,
    LParen,
    RParen,
    Comma,
    End,
}

impl Tok {
    /// Whether this token can begin an operand; used to spot implicit
    /// multiplication such as `2x`.
    pub(crate) fn starts_operand(self) -> bool {
        matches!(self, Tok::Num(_) | Tok::Ident | Tok::LParen)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub kind: Tok,
    /// The source text (empty for `End`).
    pub text: String,
    /// 1-based column of the first character.
    pub col: usize,
}

pub(crate) struct Lexer<'a> {
    src: &'a str,
    /// At most `MAX_LEN + 1` characters: enough to tell that the input is too
    /// long without copying all of it.
    chars: Vec<char>,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Lexer {
            src,
            chars: src.chars().take(MAX_LEN + 1).collect(),
            pos: 0,
        }
    }

    fn peek_at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn too_long(&self) -> ExprError {
        let n = self.src.chars().count();
        ExprError::new(
            format!("expression too long: {n} characters (limit {MAX_LEN})"),
            MAX_LEN + 1,
            "",
        )
    }

    /// A token ending at `end` (exclusive), unless it runs past the limit.
    fn token(&self, kind: Tok, start: usize, end: usize) -> Result<Token, ExprError> {
        if end > MAX_LEN {
            return Err(self.too_long());
        }
        let text = self.chars[start..end].iter().collect();
        Ok(Token {
            kind,
            text,
            col: start + 1,
        })
    }

    pub(crate) fn next_token(&mut self) -> Result<Token, ExprError> {
        while self.peek_at(self.pos).is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        let start = self.pos;
        if start >= MAX_LEN && self.chars.len() > MAX_LEN {
            return Err(self.too_long());
        }
        let Some(c) = self.peek_at(start) else {
            return Ok(Token {
                kind: Tok::End,
                text: String::new(),
                col: start + 1,
            });
        };
        let (kind, end) = match c {
            '0'..='9' | '.' => return self.number(start),
            'a'..='z' | 'A'..='Z' | '_' => {
                let mut end = start + 1;
                while self
                    .peek_at(end)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    end += 1;
                }
                (Tok::Ident, end)
            }
            '*' if self.peek_at(start + 1) == Some('*') => (Tok::Caret, start + 2),
            '*' => (Tok::Star, start + 1),
            '^' => (Tok::Caret, start + 1),
            '+' => (Tok::Plus, start + 1),
            '-' => (Tok::Minus, start + 1),
            '/' => (Tok::Slash, start + 1),
            '(' => (Tok::LParen, start + 1),
            ')' => (Tok::RParen, start + 1),
            ',' => (Tok::Comma, start + 1),
            other => {
                return Err(ExprError::new(
                    format!(
                        "unexpected character '{}' at column {}",
                        other.escape_debug(),
                        start + 1
                    ),
                    start + 1,
                    other.to_string(),
                ));
            }
        };
        self.pos = end;
        self.token(kind, start, end)
    }

    /// `digits [. digits] [(e|E) [+|-] digits]`, with at least one mantissa
    /// digit. An `e` followed by a letter is not an exponent (`2exp(x)` is a
    /// number then a name, reported as implicit multiplication).
    fn number(&mut self, start: usize) -> Result<Token, ExprError> {
        let digits_from = |mut i: usize| {
            while self.peek_at(i).is_some_and(|c| c.is_ascii_digit()) {
                i += 1;
            }
            i
        };
        let mut end = digits_from(start);
        let mut mantissa_digits = end - start;
        if self.peek_at(end) == Some('.') {
            let frac_end = digits_from(end + 1);
            mantissa_digits += frac_end - (end + 1);
            end = frac_end;
        }
        let mut valid = mantissa_digits > 0;
        if valid && matches!(self.peek_at(end), Some('e' | 'E')) {
            let mut i = end + 1;
            let signed = matches!(self.peek_at(i), Some('+' | '-'));
            if signed {
                i += 1;
            }
            let exp_end = digits_from(i);
            if exp_end > i {
                end = exp_end;
            } else if signed
                || !self
                    .peek_at(i)
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            {
                // `1e`, `1e+`, `1e)`: a malformed exponent, not `1*e`.
                end = i;
                valid = false;
            }
        }
        // `1.2.3` or `1e5.5`: swallow the rest so the whole thing is quoted.
        if self.peek_at(end).is_some_and(|c| c == '.' || c.is_ascii_digit()) {
            while self.peek_at(end).is_some_and(|c| c == '.' || c.is_ascii_digit()) {
                end += 1;
            }
            valid = false;
        }
        self.pos = end;
        let mut tok = self.token(Tok::End, start, end)?;
        tok.kind = match tok.text.parse::<f64>() {
            Ok(v) if valid => Tok::Num(v),
            _ => {
                return Err(ExprError::new(
                    format!("invalid number '{}' at column {}", tok.text, tok.col),
                    tok.col,
                    tok.text,
                ));
            }
        };
        Ok(tok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        let mut lx = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            match lx.next_token() {
                Ok(t) if t.kind == Tok::End => return out,
                Ok(t) => out.push(t.kind),
                Err(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(
            kinds("1e-8 .5 3. 1.5E+3 2"),
            [1e-8, 0.5, 3.0, 1500.0, 2.0].map(Tok::Num)
        );
        assert_eq!(kinds("2exp"), [Tok::Num(2.0), Tok::Ident]);
        assert_eq!(kinds("x**2"), [Tok::Ident, Tok::Caret, Tok::Num(2.0)]);
    }
}
