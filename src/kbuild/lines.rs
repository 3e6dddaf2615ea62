//! A Makefile's lines as make reads them: backslash-newlines joined,
//! comments dropped, `define … endef` bodies, and what a line is (an
//! assignment and its operator, a rule, or neither). Text only.

use super::words;

/// An assignment operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Recursive,
    Simple,
    Append,
    IfUnset,
    Shell,
}

pub(super) enum Statement<'l> {
    Assign {
        name: &'l str,
        op: Op,
        value: &'l str,
    },
    Rule,
    Other,
}

/// The logical line starting at physical line `i` (a backslash-newline
/// and the blanks around it become one space, as in make) and the index
/// after it.
pub(super) fn logical_line(physical: &[&str], mut i: usize) -> (String, usize) {
    let mut line = String::new();
    let mut joined = false;
    while i < physical.len() {
        let raw = match joined {
            true => physical[i].trim_start(),
            false => physical[i],
        };
        i += 1;
        match continued(raw) {
            Some(head) => {
                line.push_str(head.trim_end());
                line.push(' ');
                joined = true;
            }
            None => {
                line.push_str(raw);
                return (line, i);
            }
        }
    }
    (line, i)
}

/// The line without its final backslash, when it ends in an odd number of
/// them (an even number is escaped backslashes).
fn continued(line: &str) -> Option<&str> {
    let slashes = line.len() - line.trim_end_matches('\\').len();
    (slashes % 2 == 1).then(|| &line[..line.len() - 1])
}

/// The line up to a `#` that is not escaped (`\#` is a literal `#`).
pub(super) fn strip_comment(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'#') => {
                out.push('#');
                chars.next();
            }
            '#' => break,
            c => out.push(c),
        }
    }
    out
}

/// `export`, `override`, `private`, `unexport` before a statement, and
/// the rest of the line.
pub(super) fn modifiers(line: &str) -> (String, &str) {
    let mut seen = String::new();
    // Only the start: make keeps a value's trailing blanks.
    let mut rest = line.trim_start();
    loop {
        let (word, after) = first_word(rest);
        match word {
            "export" | "override" | "private" | "unexport" => {
                seen.push_str(word);
                seen.push(' ');
                rest = after.trim_start();
            }
            _ => return (seen, rest),
        }
    }
}

/// The first word and what follows it.
pub(super) fn first_word(line: &str) -> (&str, &str) {
    let line = line.trim_start();
    match line.find(char::is_whitespace) {
        Some(at) => (&line[..at], &line[at..]),
        None => (line, ""),
    }
}

/// `define NAME [op]` (after any modifiers): the modifiers, name and op.
pub(super) fn define_start(line: &str) -> Option<(String, &str, Op)> {
    let (modifiers, rest) = modifiers(line);
    let (word, args) = first_word(rest);
    if word != "define" {
        return None;
    }
    let args = args.trim();
    let (name, op) = match args.rsplit_once(char::is_whitespace) {
        Some((name, op)) => match operator(op) {
            Some(op) => (name.trim(), op),
            None => (args, Op::Recursive),
        },
        None => match args.strip_suffix(":=").or_else(|| args.strip_suffix("=")) {
            Some(name) if args.ends_with(":=") => (name, Op::Simple),
            Some(name) => (name, Op::Recursive),
            None => (args, Op::Recursive),
        },
    };
    (!name.is_empty()).then_some((modifiers, name, op))
}

fn operator(text: &str) -> Option<Op> {
    Some(match text {
        "=" => Op::Recursive,
        ":=" | "::=" | ":::=" => Op::Simple,
        "+=" => Op::Append,
        "?=" => Op::IfUnset,
        "!=" => Op::Shell,
        _ => return None,
    })
}

/// A `define`'s body from physical line `i` to its `endef` (nested
/// defines kept), and the index after the `endef`.
pub(super) fn define_body(physical: &[&str], mut i: usize) -> (String, usize) {
    let mut body: Vec<&str> = Vec::new();
    let mut depth = 0;
    while i < physical.len() {
        let line = physical[i];
        i += 1;
        match first_word(line).0 {
            "endef" if depth == 0 => break,
            "endef" => depth -= 1,
            "define" => depth += 1,
            _ => {}
        }
        body.push(line);
    }
    (body.join("\n"), i)
}

/// What a line is: an assignment (the first `=` or `:` outside any `$(…)`
/// decides), a rule, or neither.
pub(super) fn split_statement(line: &str) -> Statement<'_> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' => {
                i = words::reference_end(line, i).unwrap_or(i + 1);
                continue;
            }
            b'=' => {
                let (name, op) = match i.checked_sub(1).map(|p| bytes[p]) {
                    Some(b'+') => (&line[..i - 1], Op::Append),
                    Some(b'?') => (&line[..i - 1], Op::IfUnset),
                    Some(b'!') => (&line[..i - 1], Op::Shell),
                    _ => (&line[..i], Op::Recursive),
                };
                let value = line[i + 1..].trim_start();
                return Statement::Assign { name, op, value };
            }
            b':' => {
                let colons = line[i..].bytes().take_while(|&b| b == b':').count();
                if line[i + colons..].starts_with('=') && colons <= 3 {
                    let value = line[i + colons + 1..].trim_start();
                    return Statement::Assign {
                        name: &line[..i],
                        op: Op::Simple,
                        value,
                    };
                }
                return Statement::Rule;
            }
            _ => {}
        }
        i += 1;
    }
    Statement::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_join_and_comments_go() {
        let physical = ["a := x \\", "\t y \\", "z", "b"];
        assert_eq!(logical_line(&physical, 0), ("a := x y z".to_string(), 3));
        assert_eq!(strip_comment("a := b # c"), "a := b ");
        assert_eq!(strip_comment("a := \\#b"), "a := #b");
    }

    #[test]
    fn statements_are_told_apart() {
        let assign = |line| match split_statement(line) {
            Statement::Assign { name, op, value } => Some((name.trim(), op, value)),
            _ => None,
        };
        assert_eq!(assign("a := b"), Some(("a", Op::Simple, "b")));
        assert_eq!(assign("a ::= b"), Some(("a", Op::Simple, "b")));
        assert_eq!(assign("a += b"), Some(("a", Op::Append, "b")));
        assert_eq!(assign("a ?= b"), Some(("a", Op::IfUnset, "b")));
        assert_eq!(assign("a != ls"), Some(("a", Op::Shell, "ls")));
        assert_eq!(
            assign("a = $(b:.c=.o)"),
            Some(("a", Op::Recursive, "$(b:.c=.o)"))
        );
        assert_eq!(
            assign("$(X:a=b)-y := c"),
            Some(("$(X:a=b)-y", Op::Simple, "c"))
        );
        assert!(matches!(split_statement("all: modules"), Statement::Rule));
        assert!(matches!(
            split_statement("x.o: CFLAGS += -O2"),
            Statement::Rule
        ));
        assert!(matches!(
            split_statement("$(eval a := b)"),
            Statement::Other
        ));
    }

    #[test]
    fn defines_are_read() {
        assert_eq!(
            define_start("define OBJS").map(|d| (d.1, d.2)),
            Some(("OBJS", Op::Recursive))
        );
        assert_eq!(
            define_start("override define OBJS :=").map(|d| (d.1, d.2)),
            Some(("OBJS", Op::Simple))
        );
        assert!(define_start("defined := 1").is_none());
        let physical = ["a.o", "define X", "endef", "b.o", "endef", "c"];
        assert_eq!(
            define_body(&physical, 0),
            ("a.o\ndefine X\nendef\nb.o".to_string(), 5)
        );
    }
}
