//! Compatibility branches: `#if LINUX_VERSION_CODE < KERNEL_VERSION(4,15,0)`
//! and their `#elif`/`#else`, decided against the version of the kernel a
//! module is built for. A branch that cannot be compiled for that kernel
//! is dead: the parse leaves it out and nothing in it is a site. A
//! condition on anything else (`defined(X)`, `CONFIG_FOO`) decides nothing
//! unless `||` or `&&` decide past it, and every branch from there on
//! stays live, as before.

pub use crate::ctext::kernel_version;
use std::ops::Range;

/// The byte ranges of `text` in branches dead for `version` (a
/// `KERNEL_VERSION` value): from the line after a directive to the start
/// of the next directive of the same `#if`.
pub fn dead_branches(text: &[u8], version: i64) -> Vec<Range<usize>> {
    let mut dead = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut at = 0;
    while at < text.len() {
        // Only a line whose first non-blank byte is `#` is a directive:
        // jump from `#` to `#`.
        let Some(hash) = memchr::memchr(b'#', &text[at..]).map(|i| at + i) else {
            break;
        };
        let line_start = text[..hash]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let next_line = memchr::memchr(b'\n', &text[hash..]).map_or(text.len(), |i| hash + i + 1);
        if line_start < at
            || !text[line_start..hash]
                .iter()
                .all(|b| *b == b' ' || *b == b'\t')
        {
            at = next_line;
            continue;
        }
        at = line_start;
        // Most directives are no conditional (a register header's
        // thousands of `#define`s): their lines are stepped over unread.
        if plain_name(text, hash).is_some_and(|name| !CONDITIONALS.contains(&name)) {
            at = logical_end(text, at);
            continue;
        }
        let (line, next) = logical_line(text, at);
        if let Some((directive, rest)) = directive(&line) {
            match directive {
                "if" | "ifdef" | "ifndef" => {
                    let cond = (directive == "if").then(|| eval(rest, version)).flatten();
                    let mut frame = Frame::default();
                    frame.branch(cond, next);
                    frames.push(frame);
                }
                "elif" | "else" => {
                    if let Some(frame) = frames.last_mut() {
                        frame.close(at, &mut dead);
                        let cond = match directive {
                            "else" => Some(1),
                            _ => eval(rest, version),
                        };
                        frame.branch(cond, next);
                    }
                }
                "endif" => {
                    if let Some(mut frame) = frames.pop() {
                        frame.close(at, &mut dead);
                    }
                }
                _ => {}
            }
        }
        at = next;
    }
    // Nested dead ranges lie inside their parent's: keep the outer ones.
    dead.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for range in dead {
        match merged.last() {
            Some(last) if range.end <= last.end => {}
            _ => merged.push(range),
        }
    }
    merged
}

/// One `#if` chain being read.
#[derive(Default)]
struct Frame {
    /// A branch was taken for sure: every later one is dead.
    taken: bool,
    /// A condition could not be decided: later branches stay live.
    unsure: bool,
    /// The branch being read: where it starts, and whether it is dead.
    open: Option<(usize, bool)>,
}

impl Frame {
    fn branch(&mut self, cond: Option<i64>, start: usize) {
        let is_dead = match (self.taken, self.unsure, cond) {
            (true, _, _) => true,
            (false, true, _) => false,
            (false, false, Some(0)) => true,
            (false, false, Some(_)) => {
                self.taken = true;
                false
            }
            (false, false, None) => {
                self.unsure = true;
                false
            }
        };
        self.open = Some((start, is_dead));
    }

    fn close(&mut self, end: usize, dead: &mut Vec<Range<usize>>) {
        if let Some((start, true)) = self.open.take() {
            if start < end {
                dead.push(start..end);
            }
        }
    }
}

/// The line at `at` with its backslash continuations, and where the next
/// one starts.
fn logical_line(text: &[u8], at: usize) -> (String, usize) {
    let end = logical_end(text, at);
    // The line without the newline that ends it (if any).
    let nl = match text[..end].last() {
        Some(b'\n') => end - 1,
        _ => end,
    };
    let line = String::from_utf8_lossy(&text[at..nl]);
    (line.replace("\\\n", " "), end)
}

/// Where the line at `at`, with its backslash continuations, ends: the
/// start of the next line.
fn logical_end(text: &[u8], at: usize) -> usize {
    let mut end = at;
    loop {
        let nl = memchr::memchr(b'\n', &text[end..]).map_or(text.len(), |i| end + i);
        let continued = text[end..nl].trim_ascii_end().ends_with(b"\\");
        end = (nl + 1).min(text.len());
        if !continued || end >= text.len() {
            return end;
        }
    }
}

/// The directives that open, turn or close a conditional.
const CONDITIONALS: &[&[u8]] = &[b"if", b"ifdef", b"ifndef", b"elif", b"else", b"endif"];

/// The name of the directive whose `#` is at `hash` when it is spelt
/// plainly: blanks, then a word. Anything else (a continuation, another
/// blank) is left for `directive` to read from the logical line; the
/// word is the same either way, as nothing in it is rewritten there.
fn plain_name(text: &[u8], hash: usize) -> Option<&[u8]> {
    let start = hash
        + 1
        + text[hash + 1..]
            .iter()
            .take_while(|b| **b == b' ' || **b == b'\t')
            .count();
    let length = text[start..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    (length > 0).then(|| &text[start..start + length])
}

/// `# if cond` → ("if", "cond"), comments cut.
fn directive(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let name_len = rest
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(rest.len());
    let (name, tail) = rest.split_at(name_len);
    let tail = tail.split("//").next().unwrap_or("");
    let tail = tail.split("/*").next().unwrap_or("");
    Some((name, tail.trim()))
}

/// The value of a condition made of integers, `LINUX_VERSION_CODE`,
/// `KERNEL_VERSION(a,b,c)`, parentheses, `!`, comparisons, `&&`, `||`,
/// `+`, `-`; None when it cannot be known. Anything else (`defined(X)`,
/// `CONFIG_FOO`, `IS_ENABLED(X)`) is a value not known, which `||` and
/// `&&` still decide past as C does: `LINUX_VERSION_CODE >=
/// KERNEL_VERSION(3,6,0) || defined(WITH_BACKPORTS)` is true on 6.1
/// whatever the other side is.
pub fn eval(cond: &str, version: i64) -> Option<i64> {
    let tokens = tokens(cond)?;
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        version,
    };
    let value = parser.or().ok()?;
    (parser.at == tokens.len()).then_some(value).flatten()
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(i64),
    Ident(String),
    Op(&'static str),
}

fn tokens(text: &str) -> Option<Vec<Token>> {
    const OPS: [&str; 15] = [
        "&&", "||", "<=", ">=", "==", "!=", "<", ">", "!", "(", ")", ",", "+", "-", "~",
    ];
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            let digits = text[start..i].trim_end_matches(['u', 'U', 'l', 'L']);
            let value = match digits.strip_prefix("0x").or(digits.strip_prefix("0X")) {
                Some(hex) => i64::from_str_radix(hex, 16).ok()?,
                None => digits.parse().ok()?,
            };
            out.push(Token::Num(value));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push(Token::Ident(text[start..i].to_string()));
        } else {
            let op = OPS.iter().find(|op| text[i..].starts_with(**op))?;
            out.push(Token::Op(op));
            i += op.len();
        }
    }
    Some(out)
}

/// A condition that does not read as one (unbalanced, an operator
/// missing): nothing is decided.
struct Malformed;

/// A value, None when not known; Err when the condition is malformed.
type Value = Result<Option<i64>, Malformed>;

/// `f` of two values, known only when both are.
fn both(a: Option<i64>, b: Option<i64>, f: impl Fn(i64, i64) -> i64) -> Option<i64> {
    Some(f(a?, b?))
}

struct Parser<'t> {
    tokens: &'t [Token],
    at: usize,
    version: i64,
}

impl Parser<'_> {
    fn peek_op(&self, op: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Op(o)) if *o == op)
    }

    fn eat(&mut self, op: &str) -> bool {
        let found = self.peek_op(op);
        self.at += usize::from(found);
        found
    }

    fn or(&mut self) -> Value {
        let mut value = self.and()?;
        while self.eat("||") {
            let rhs = self.and()?;
            // One side true makes it true, whatever the other is.
            value = match (value, rhs) {
                (Some(a), _) | (_, Some(a)) if a != 0 => Some(1),
                (a, b) => both(a, b, |_, _| 0),
            };
        }
        Ok(value)
    }

    fn and(&mut self) -> Value {
        let mut value = self.equality()?;
        while self.eat("&&") {
            let rhs = self.equality()?;
            // One side false makes it false, whatever the other is.
            value = match (value, rhs) {
                (Some(0), _) | (_, Some(0)) => Some(0),
                (a, b) => both(a, b, |_, _| 1),
            };
        }
        Ok(value)
    }

    fn equality(&mut self) -> Value {
        let mut value = self.relation()?;
        loop {
            if self.eat("==") {
                value = both(value, self.relation()?, |a, b| i64::from(a == b));
            } else if self.eat("!=") {
                value = both(value, self.relation()?, |a, b| i64::from(a != b));
            } else {
                return Ok(value);
            }
        }
    }

    fn relation(&mut self) -> Value {
        let mut value = self.sum()?;
        loop {
            let op = ["<=", ">=", "<", ">"]
                .into_iter()
                .find(|op| self.peek_op(op));
            let Some(op) = op else {
                return Ok(value);
            };
            self.at += 1;
            let rhs = self.sum()?;
            value = both(value, rhs, |a, b| {
                i64::from(match op {
                    "<=" => a <= b,
                    ">=" => a >= b,
                    "<" => a < b,
                    _ => a > b,
                })
            });
        }
    }

    fn sum(&mut self) -> Value {
        let mut value = self.unary()?;
        loop {
            if self.eat("+") {
                value = both(value, self.unary()?, |a, b| a + b);
            } else if self.eat("-") {
                value = both(value, self.unary()?, |a, b| a - b);
            } else {
                return Ok(value);
            }
        }
    }

    fn unary(&mut self) -> Value {
        if self.eat("!") {
            return Ok(self.unary()?.map(|v| i64::from(v == 0)));
        }
        if self.eat("-") {
            return Ok(self.unary()?.map(|v| -v));
        }
        if self.eat("(") {
            let value = self.or()?;
            return self.eat(")").then_some(value).ok_or(Malformed);
        }
        match self.tokens.get(self.at).ok_or(Malformed)?.clone() {
            Token::Num(n) => {
                self.at += 1;
                Ok(Some(n))
            }
            Token::Ident(name) if name == "LINUX_VERSION_CODE" => {
                self.at += 1;
                Ok(Some(self.version))
            }
            Token::Ident(name) if name == "KERNEL_VERSION" => {
                self.at += 1;
                self.version_call()
            }
            Token::Ident(_) => {
                self.at += 1;
                self.skip_arguments()?;
                Ok(None)
            }
            Token::Op(_) => Err(Malformed),
        }
    }

    /// Past a name not known: `defined X`, or its `( … )` when it has
    /// some (`defined(X)`, `IS_ENABLED(CONFIG_X)`).
    fn skip_arguments(&mut self) -> Result<(), Malformed> {
        if matches!(self.tokens.get(self.at), Some(Token::Ident(_)))
            && matches!(self.tokens.get(self.at - 1), Some(Token::Ident(d)) if d == "defined")
        {
            self.at += 1;
            return Ok(());
        }
        if !self.eat("(") {
            return Ok(());
        }
        let mut depth = 1;
        while depth > 0 {
            match self.tokens.get(self.at).ok_or(Malformed)? {
                Token::Op("(") => depth += 1,
                Token::Op(")") => depth -= 1,
                _ => {}
            }
            self.at += 1;
        }
        Ok(())
    }

    fn version_call(&mut self) -> Value {
        if !self.eat("(") {
            return Err(Malformed);
        }
        let a = self.or()?;
        let b = if self.eat(",") {
            self.or()?
        } else {
            return Err(Malformed);
        };
        let c = if self.eat(",") {
            self.or()?
        } else {
            return Err(Malformed);
        };
        if !self.eat(")") {
            return Err(Malformed);
        }
        Ok(match (a, b, c) {
            (Some(a), Some(b), Some(c)) => Some(kernel_version(a, b, c)),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests;
