//! Compatibility branches: `#if LINUX_VERSION_CODE < KERNEL_VERSION(4,15,0)`
//! and their `#elif`/`#else`, decided against the version of the kernel a
//! module is built for. A branch that cannot be compiled for that kernel
//! is dead: the parse leaves it out and nothing in it is a site. A
//! condition on anything else (`defined(X)`, `CONFIG_FOO`) decides nothing,
//! and every branch from there on stays live, as before.

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
    let mut end = at;
    loop {
        let nl = memchr::memchr(b'\n', &text[end..]).map_or(text.len(), |i| end + i);
        let continued = text[end..nl].trim_ascii_end().ends_with(b"\\");
        end = (nl + 1).min(text.len());
        if !continued || end >= text.len() {
            let line = String::from_utf8_lossy(&text[at..nl.min(text.len())]);
            return (line.replace("\\\n", " "), end);
        }
    }
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
/// `+`, `-`; None for anything else.
pub fn eval(cond: &str, version: i64) -> Option<i64> {
    let tokens = tokens(cond)?;
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        version,
    };
    let value = parser.or()?;
    (parser.at == tokens.len()).then_some(value)
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

    fn or(&mut self) -> Option<i64> {
        let mut value = self.and()?;
        while self.eat("||") {
            let rhs = self.and()?;
            value = i64::from(value != 0 || rhs != 0);
        }
        Some(value)
    }

    fn and(&mut self) -> Option<i64> {
        let mut value = self.equality()?;
        while self.eat("&&") {
            let rhs = self.equality()?;
            value = i64::from(value != 0 && rhs != 0);
        }
        Some(value)
    }

    fn equality(&mut self) -> Option<i64> {
        let mut value = self.relation()?;
        loop {
            if self.eat("==") {
                value = i64::from(value == self.relation()?);
            } else if self.eat("!=") {
                value = i64::from(value != self.relation()?);
            } else {
                return Some(value);
            }
        }
    }

    fn relation(&mut self) -> Option<i64> {
        let mut value = self.sum()?;
        loop {
            let op = ["<=", ">=", "<", ">"]
                .into_iter()
                .find(|op| self.peek_op(op));
            let Some(op) = op else {
                return Some(value);
            };
            self.at += 1;
            let rhs = self.sum()?;
            value = i64::from(match op {
                "<=" => value <= rhs,
                ">=" => value >= rhs,
                "<" => value < rhs,
                _ => value > rhs,
            });
        }
    }

    fn sum(&mut self) -> Option<i64> {
        let mut value = self.unary()?;
        loop {
            if self.eat("+") {
                value += self.unary()?;
            } else if self.eat("-") {
                value -= self.unary()?;
            } else {
                return Some(value);
            }
        }
    }

    fn unary(&mut self) -> Option<i64> {
        if self.eat("!") {
            return Some(i64::from(self.unary()? == 0));
        }
        if self.eat("-") {
            return Some(-self.unary()?);
        }
        if self.eat("(") {
            let value = self.or()?;
            return self.eat(")").then_some(value);
        }
        match self.tokens.get(self.at)?.clone() {
            Token::Num(n) => {
                self.at += 1;
                Some(n)
            }
            Token::Ident(name) if name == "LINUX_VERSION_CODE" => {
                self.at += 1;
                Some(self.version)
            }
            Token::Ident(name) if name == "KERNEL_VERSION" => {
                self.at += 1;
                self.version_call()
            }
            _ => None,
        }
    }

    fn version_call(&mut self) -> Option<i64> {
        if !self.eat("(") {
            return None;
        }
        let a = self.or()?;
        let b = self.eat(",").then(|| self.or()).flatten()?;
        let c = self.eat(",").then(|| self.or()).flatten()?;
        self.eat(")").then(|| kernel_version(a, b, c))
    }
}

#[cfg(test)]
mod tests;
