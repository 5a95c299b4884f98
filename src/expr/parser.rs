//! Recursive-descent parser.
//!
//! ```text
//! expr    = term (("+" | "-") term)*
//! term    = unary (("*" | "/") unary)*
//! unary   = ("-" | "+") unary | power
//! power   = primary ("^" unary)?          # right-assoc; `x^-2` allowed
//! primary = number | name | name "(" [expr ("," expr)*] ")" | "(" expr ")"
//! ```
//!
//! Two limits keep every later recursive pass (eval, diff, printing, codegen)
//! far from the stack's end: syntactic nesting (parentheses, calls, unary
//! signs, exponents) is checked *before* recursing, and the depth of the tree
//! being built is checked as nodes are made (long `+`/`*` chains nest too).

use super::ast::{Ast, Var};
use super::func::Func;
use super::lexer::{Lexer, Tok, Token};
use super::{ExprError, MAX_NESTING, MAX_TREE_DEPTH};

const VARIABLES: [&str; 4] = ["x", "y", "pi", "e"];

/// A parsed subtree with its depth.
struct Node {
    ast: Ast,
    depth: usize,
}

impl Node {
    fn leaf(ast: Ast) -> Self {
        Node { ast, depth: 1 }
    }
}

pub(crate) struct Parser<'a> {
    lexer: Lexer<'a>,
    cur: Token,
    /// Text of the token before `cur`, for the implicit-multiplication hint.
    prev_text: String,
    nesting: usize,
    /// The surface's parameter names: `params[k]` parses to `Var::P(k)`.
    params: &'a [&'a str],
}

pub(crate) fn parse(src: &str, params: &[&str]) -> Result<Ast, ExprError> {
    let mut lexer = Lexer::new(src);
    let cur = lexer.next_token()?;
    let mut p = Parser {
        lexer,
        cur,
        prev_text: String::new(),
        nesting: 0,
        params,
    };
    let node = p.expr()?;
    match p.cur.kind {
        Tok::End => Ok(node.ast),
        _ => Err(p.unexpected("")),
    }
}

impl Parser<'_> {
    fn bump(&mut self) -> Result<Token, ExprError> {
        let next = self.lexer.next_token()?;
        let tok = std::mem::replace(&mut self.cur, next);
        self.prev_text.clone_from(&tok.text);
        Ok(tok)
    }

    /// Error for the current token, which cannot stand where it is.
    /// `expected` is appended as "; expected ..." unless the token looks like
    /// the second half of an implicit multiplication.
    fn unexpected(&self, expected: &str) -> ExprError {
        let t = &self.cur;
        if t.kind == Tok::End {
            let what = if expected.is_empty() {
                "an expression"
            } else {
                expected
            };
            return ExprError::new(
                format!("unexpected end of input at column {}; expected {what}", t.col),
                t.col,
                "",
            );
        }
        let mut msg = format!("unexpected '{}' at column {}", t.text, t.col);
        if t.kind.starts_operand() && !self.prev_text.is_empty() {
            msg += &format!("; did you mean '{}*{}'?", self.prev_text, t.text);
        } else if !expected.is_empty() {
            msg += &format!("; expected {expected}");
        }
        ExprError::new(msg, t.col, t.text.clone())
    }

    /// Enters one level of syntactic nesting opened by `tok`.
    fn enter(&mut self, tok: &Token) -> Result<(), ExprError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(ExprError::new(
                format!(
                    "expression nested too deeply at column {} (limit {MAX_NESTING})",
                    tok.col
                ),
                tok.col,
                tok.text.clone(),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting -= 1;
    }

    /// Depth of a node over children of depths `children`, made by operator
    /// `tok`, if within the limit.
    fn depth(&self, tok: &Token, children: &[usize]) -> Result<usize, ExprError> {
        let depth = 1 + children.iter().copied().max().unwrap_or(0);
        if depth > MAX_TREE_DEPTH {
            return Err(ExprError::new(
                format!(
                    "expression too deep at column {} (limit {MAX_TREE_DEPTH} levels of operations)",
                    tok.col
                ),
                tok.col,
                tok.text.clone(),
            ));
        }
        Ok(depth)
    }

    fn binary(
        &self,
        tok: &Token,
        l: Node,
        r: Node,
        make: fn(Box<Ast>, Box<Ast>) -> Ast,
    ) -> Result<Node, ExprError> {
        let depth = self.depth(tok, &[l.depth, r.depth])?;
        Ok(Node {
            ast: make(Box::new(l.ast), Box::new(r.ast)),
            depth,
        })
    }

    fn expr(&mut self) -> Result<Node, ExprError> {
        let mut lhs = self.term()?;
        loop {
            let make = match self.cur.kind {
                Tok::Plus => Ast::Add,
                Tok::Minus => Ast::Sub,
                _ => return Ok(lhs),
            };
            let op = self.bump()?;
            let rhs = self.term()?;
            lhs = self.binary(&op, lhs, rhs, make)?;
        }
    }

    fn term(&mut self) -> Result<Node, ExprError> {
        let mut lhs = self.unary()?;
        loop {
            let make = match self.cur.kind {
                Tok::Star => Ast::Mul,
                Tok::Slash => Ast::Div,
                _ => return Ok(lhs),
            };
            let op = self.bump()?;
            let rhs = self.unary()?;
            lhs = self.binary(&op, lhs, rhs, make)?;
        }
    }

    fn unary(&mut self) -> Result<Node, ExprError> {
        if !matches!(self.cur.kind, Tok::Minus | Tok::Plus) {
            return self.power();
        }
        let op = self.bump()?;
        self.enter(&op)?;
        let inner = self.unary()?;
        self.leave();
        if op.kind == Tok::Plus {
            return Ok(inner);
        }
        let depth = self.depth(&op, &[inner.depth])?;
        Ok(Node {
            ast: Ast::Neg(Box::new(inner.ast)),
            depth,
        })
    }

    fn power(&mut self) -> Result<Node, ExprError> {
        let base = self.primary()?;
        if self.cur.kind != Tok::Caret {
            return Ok(base);
        }
        let op = self.bump()?;
        self.enter(&op)?;
        let exponent = self.unary()?;
        self.leave();
        self.binary(&op, base, exponent, Ast::Pow)
    }

    fn primary(&mut self) -> Result<Node, ExprError> {
        match self.cur.kind {
            Tok::Num(v) => {
                self.bump()?;
                Ok(Node::leaf(Ast::Num(v)))
            }
            Tok::Ident => {
                let name = self.bump()?;
                self.name(name)
            }
            Tok::LParen => {
                let open = self.bump()?;
                self.enter(&open)?;
                let inner = self.expr()?;
                match self.cur.kind {
                    Tok::RParen => self.bump()?,
                    Tok::End => return Err(missing_paren(&self.cur, &open)),
                    _ => {
                        return Err(self.unexpected(&format!("')' to close '(' at column {}", open.col)));
                    }
                };
                self.leave();
                Ok(inner)
            }
            _ => Err(self.unexpected("an expression")),
        }
    }

    /// A variable, a constant or a call.
    fn name(&mut self, name: Token) -> Result<Node, ExprError> {
        let called = self.cur.kind == Tok::LParen;
        let text = name.text.as_str();
        if called {
            if let Some(f) = Func::from_name(text) {
                return self.call(f, name);
            }
            if VARIABLES.contains(&text) {
                // `x(y+1)`: the '(' is what cannot follow.
                return Err(self.unexpected(""));
            }
            let names: Vec<&str> = Func::ALL.iter().map(|f| f.name()).collect();
            let hint = suggest(text, &names)
                .map(|s| format!("; did you mean '{s}'?"))
                .unwrap_or_default();
            return Err(ExprError::new(
                format!("unknown function '{text}' at column {}{hint}", name.col),
                name.col,
                text,
            ));
        }
        let ast = match text {
            "x" => Ast::Var(Var::X),
            "y" => Ast::Var(Var::Y),
            "pi" => Ast::Num(std::f64::consts::PI),
            "e" => Ast::Num(std::f64::consts::E),
            _ => match self.params.iter().position(|p| *p == text) {
                Some(k) => Ast::Var(Var::P(k as u8)),
                None => return Err(unknown_name(&name, self.params)),
            },
        };
        Ok(Node::leaf(ast))
    }

    fn call(&mut self, f: Func, name: Token) -> Result<Node, ExprError> {
        self.enter(&name)?;
        let open = self.bump()?;
        let mut args = Vec::new();
        if self.cur.kind == Tok::RParen {
            self.bump()?;
        } else {
            loop {
                args.push(self.expr()?);
                match self.cur.kind {
                    Tok::Comma => {
                        self.bump()?;
                    }
                    Tok::RParen => {
                        self.bump()?;
                        break;
                    }
                    Tok::End => return Err(missing_paren(&self.cur, &open)),
                    _ => return Err(self.unexpected("',' or ')'")),
                }
            }
        }
        self.leave();
        let want = f.arity();
        if args.len() != want {
            let plural = if want == 1 { "" } else { "s" };
            return Err(ExprError::new(
                format!(
                    "'{}' takes {want} argument{plural}, got {}, at column {}",
                    f.name(),
                    args.len(),
                    name.col
                ),
                name.col,
                name.text,
            ));
        }
        let depths: Vec<usize> = args.iter().map(|a| a.depth).collect();
        let depth = self.depth(&name, &depths)?;
        Ok(Node {
            ast: Ast::Call(f, args.into_iter().map(|n| n.ast).collect()),
            depth,
        })
    }
}

fn missing_paren(end: &Token, open: &Token) -> ExprError {
    ExprError::new(
        format!(
            "missing ')' at column {} to close '(' at column {}",
            end.col, open.col
        ),
        end.col,
        "",
    )
}

/// Error for a name that is not a variable or constant.
fn unknown_name(name: &Token, params: &[&str]) -> ExprError {
    let text = name.text.as_str();
    if Func::from_name(text).is_some() {
        // A function used without parentheses: `sin x`.
        return ExprError::new(
            format!(
                "function '{text}' at column {} needs parentheses, as in '{text}(x)'",
                name.col
            ),
            name.col,
            text,
        );
    }
    let hint = if let Some(s) = split_hint(text) {
        format!("; did you mean '{s}'?")
    } else if let Some(s) = suggest(text, &[&VARIABLES[..], params].concat()) {
        format!("; did you mean '{s}'?")
    } else if params.is_empty() {
        "; the variables are x and y".to_string()
    } else {
        format!(
            "; the variables are x and y, the parameters {}",
            params.join(", ")
        )
    };
    ExprError::new(
        format!("unknown variable '{text}' at column {}{hint}", name.col),
        name.col,
        text,
    )
}

/// `sinx` -> `sin(x)`, `xy` -> `x*y`: a known prefix glued to a variable.
fn split_hint(name: &str) -> Option<String> {
    for f in Func::ALL {
        if let Some(rest) = name.strip_prefix(f.name())
            && VARIABLES.contains(&rest)
        {
            return Some(format!("{}({rest})", f.name()));
        }
    }
    for v in VARIABLES {
        if let Some(rest) = name.strip_prefix(v)
            && VARIABLES.contains(&rest)
        {
            return Some(format!("{v}*{rest}"));
        }
    }
    None
}

/// The candidate closest to `name`: equal ignoring case, or one edit away
/// (optimal string alignment: a swap of neighbours is one edit), or two for
/// names of five or more characters. One-letter names are never close to
/// anything, so `z` is not taken for `x`. Also knows a few aliases from other
/// languages (`ln`, `arcsin`, ...).
fn suggest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let alias = match lower.as_str() {
        "ln" => "log",
        "sgn" => "sign",
        "arcsin" => "asin",
        "arccos" => "acos",
        "arctan" => "atan",
        _ => lower.as_str(),
    };
    let len = name.chars().count();
    candidates
        .iter()
        .map(|&c| (osa_distance(alias, c), c))
        .filter(|&(d, _)| d == 0 || (d < len && d <= if len >= 5 { 2 } else { 1 }))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Edit distance counting insertions, deletions, substitutions and swaps of
/// adjacent characters as one edit each.
fn osa_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * w + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (d[(i - 1) * w + j] + 1)
                    .min(d[i * w + j - 1] + 1)
                    .min(d[(i - 1) * w + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[(i - 2) * w + j - 2] + 1);
                }
                best
            };
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(osa_distance("cso", "cos"), 1);
        assert_eq!(osa_distance("sinn", "sin"), 1);
        assert_eq!(osa_distance("", "abc"), 3);
        assert_eq!(suggest("z", &VARIABLES), None);
        assert_eq!(suggest("X", &VARIABLES), Some("x"));
        assert_eq!(suggest("ln", &["sin", "log"]), Some("log"));
    }
}
