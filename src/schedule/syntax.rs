//! The command-line syntax of a schedule (`cosine_annealing:T_max=200`, with nested
//! `name(key=value)` lists) and TOML tables, both read into [`Node`]s whose spans locate errors.

use std::ops::Range;

use super::check::known_names;
use super::{Node, NodeValue, ScheduleError, fail};

/// Parses `--schedule` text (see the module documentation) into a table node whose spans are
/// byte ranges of `text`.
pub fn parse_spec(text: &str) -> Result<Node, ScheduleError> {
    let mut p = SpecParser { s: text, pos: 0 };
    p.skip_ws();
    let start = p.pos;
    let name = p.word().to_string();
    if name.is_empty() {
        return fail(
            &(start..start + 1),
            format!("expected a scheduler name ({})", known_names()),
        );
    }
    let name_span = start..p.pos;
    p.skip_ws();
    let mut entries = vec![(
        "name".to_string(),
        name_span.clone(),
        Node {
            span: name_span,
            value: NodeValue::Str(name.to_string()),
        },
    )];
    match p.peek() {
        None => {}
        Some(':') => {
            p.pos += 1;
            entries.extend(p.items(None)?);
        }
        Some('(') => {
            p.pos += 1;
            entries.extend(p.items(Some(')'))?);
            p.pos += 1;
        }
        Some(c) => {
            return fail(
                &(p.pos..p.pos + c.len_utf8()),
                format!("expected ':' after the scheduler name, found '{c}'"),
            );
        }
    }
    p.skip_ws();
    if let Some(c) = p.peek() {
        return fail(&(p.pos..p.pos + c.len_utf8()), format!("unexpected '{c}'"));
    }
    Ok(Node {
        span: 0..text.len(),
        value: NodeValue::Table(entries),
    })
}

struct SpecParser<'a> {
    s: &'a str,
    pos: usize,
}

impl SpecParser<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// Letters, digits, `_`, `.`, `+`, `-`: a name, key, number or word.
    fn word(&mut self) -> &str {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || "_.+-".contains(c))
        {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    fn here(&self) -> Range<usize> {
        let len = self.peek().map_or(1, char::len_utf8);
        self.pos..self.pos + len
    }

    /// `key=value` items separated by commas, up to `close` (left unconsumed) or the end.
    fn items(&mut self, close: Option<char>) -> Result<Vec<(String, Range<usize>, Node)>, ScheduleError> {
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == close {
                if close.is_none() && !out.is_empty() {
                    return fail(&self.here(), "expected key=value after ','");
                }
                return Ok(out);
            }
            let start = self.pos;
            let key = self.word().to_string();
            let kspan = start..self.pos;
            self.skip_ws();
            if key.is_empty() || self.peek() != Some('=') {
                let what = self.peek().map_or("the end".to_string(), |c| format!("'{c}'"));
                return fail(
                    &if key.is_empty() { self.here() } else { kspan },
                    format!("expected key=value, found {what}"),
                );
            }
            self.pos += 1;
            let value = self.value()?;
            out.push((key, kspan, value));
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                c if c == close => return Ok(out),
                Some(c) => return fail(&self.here(), format!("expected ',' between items, found '{c}'")),
                None => {
                    return fail(
                        &(self.pos..self.pos + 1),
                        format!("missing '{}'", close.unwrap_or(')')),
                    );
                }
            }
        }
    }

    fn value(&mut self) -> Result<Node, ScheduleError> {
        self.skip_ws();
        let start = self.pos;
        if self.peek() == Some('[') {
            self.pos += 1;
            let mut items = Vec::new();
            loop {
                self.skip_ws();
                if self.peek() == Some(']') {
                    self.pos += 1;
                    break;
                }
                items.push(self.value()?);
                self.skip_ws();
                match self.peek() {
                    Some(',') => self.pos += 1,
                    Some(']') => {}
                    Some(c) => return fail(&self.here(), format!("expected ',' or ']', found '{c}'")),
                    None => return fail(&(start..start + 1), "this '[' is never closed"),
                }
            }
            return Ok(Node {
                span: start..self.pos,
                value: NodeValue::List(items),
            });
        }
        let word = self.word().to_string();
        let wspan = start..self.pos;
        if word.is_empty() {
            let what = self.peek().map_or("the end".to_string(), |c| format!("'{c}'"));
            return fail(&self.here(), format!("expected a value, found {what}"));
        }
        if self.peek() == Some('(') {
            // A scheduler inside a list: name(key=value,...).
            self.pos += 1;
            let mut entries = vec![(
                "name".to_string(),
                wspan.clone(),
                Node {
                    span: wspan,
                    value: NodeValue::Str(word),
                },
            )];
            entries.extend(self.items(Some(')'))?);
            self.pos += 1;
            return Ok(Node {
                span: start..self.pos,
                value: NodeValue::Table(entries),
            });
        }
        let value = match word.to_ascii_lowercase().as_str() {
            "true" => NodeValue::Bool(true),
            "false" => NodeValue::Bool(false),
            _ => match word.parse::<f64>() {
                Ok(x) => NodeValue::Num {
                    x,
                    int: word.parse::<i64>().is_ok(),
                },
                Err(_) => NodeValue::Str(word),
            },
        };
        Ok(Node { span: wspan, value })
    }
}

/// A TOML value (with spans into the scene text) as a node.
pub fn node_from_toml(v: &toml::Spanned<toml::de::DeValue<'_>>) -> Node {
    use toml::de::DeValue;
    let span = v.span();
    let value = match v.get_ref() {
        DeValue::String(s) => NodeValue::Str(s.to_string()),
        DeValue::Integer(i) => {
            let text = i.as_str().replace('_', "");
            let digits = text.trim_start_matches(['+']);
            let digits = digits
                .strip_prefix("0x")
                .or_else(|| digits.strip_prefix("0o"))
                .or_else(|| digits.strip_prefix("0b"))
                .unwrap_or(digits);
            let x = i64::from_str_radix(digits, i.radix()).map_or(f64::NAN, |n| n as f64);
            NodeValue::Num { x, int: true }
        }
        DeValue::Float(f) => {
            let text = f.as_str().replace('_', "");
            NodeValue::Num {
                x: text.parse().unwrap_or(f64::NAN),
                int: false,
            }
        }
        DeValue::Boolean(b) => NodeValue::Bool(*b),
        DeValue::Datetime(d) => NodeValue::Str(d.to_string()),
        DeValue::Array(a) => NodeValue::List(a.iter().map(node_from_toml).collect()),
        DeValue::Table(t) => NodeValue::Table(
            t.iter()
                .map(|(k, v)| (k.get_ref().to_string(), k.span(), node_from_toml(v)))
                .collect(),
        ),
    };
    Node { span, value }
}
