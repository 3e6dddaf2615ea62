//! Preprocessor directives read as text: where a macro is defined, the
//! lines that exist only for one definition (its `#undef`, a conditional
//! that holds nothing else, the comment above it), and whether a word is
//! the name a directive acts on. The grammar parses none of this in a
//! skimmed header, and a `#define` body not at all. Knows nothing of
//! workqueues.

use crate::ctext::{comment_ranges, is_word_byte};
use std::ops::Range;

/// One `#define` of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Define {
    /// The directive's logical line: from the start of its line to past
    /// its newline, continuation lines included.
    pub lines: Range<usize>,
    /// The offset of the defined name.
    pub name_at: usize,
    /// A function-like macro's parameters; None for an object-like one.
    pub params: Option<Vec<String>>,
    /// The replacement text, trimmed.
    pub body: Range<usize>,
}

/// Every `#define name` of `text` outside comments, in order. The
/// comments are only looked for when there is a candidate: most files
/// have none.
pub fn defines_of(text: &[u8], name: &str) -> Vec<Define> {
    let candidates: Vec<usize> = memchr::memmem::find_iter(text, name.as_bytes())
        .filter(|&at| directive_naming(text, at, name.len()) == Some("define"))
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let comments = comment_ranges(text);
    candidates
        .into_iter()
        .filter(|at| !comments.iter().any(|c| c.contains(at)))
        .filter_map(|at| define_at(text, at, name.len()))
        .collect()
}

/// The `#define` whose name is the `len` bytes at `at`.
fn define_at(text: &[u8], at: usize, len: usize) -> Option<Define> {
    let lines = logical_line(text, at);
    let end = at + len;
    let (params, body_start) = match text.get(end) {
        Some(b'(') => {
            let close = end + text[end..lines.end].iter().position(|b| *b == b')')?;
            let inner = String::from_utf8_lossy(&text[end + 1..close]);
            let params = inner
                .split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect();
            (Some(params), close + 1)
        }
        _ => (None, end),
    };
    let body = trimmed(text, body_start..lines.end);
    Some(Define {
        lines,
        name_at: at,
        params,
        body,
    })
}

/// The `#define` whose logical line holds `at`, if any.
pub fn enclosing_define(text: &[u8], at: usize) -> Option<Define> {
    let mut start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |nl| nl + 1);
    while let Some(above) = line_before(text, start) {
        let continued = text[above.clone()]
            .iter()
            .rev()
            .find(|b| !matches!(b, b'\n' | b'\r'))
            == Some(&b'\\');
        if !continued {
            break;
        }
        start = above.start;
    }
    let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |nl| start + nl);
    let line = std::str::from_utf8(&text[start..end]).ok()?;
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let name = rest.strip_prefix("define")?.trim_start();
    let name_at = end - name.len();
    let len = name.bytes().take_while(|b| is_word_byte(*b)).count();
    define_at(text, name_at, len).filter(|d| d.lines.contains(&at))
}

/// `range` without the whitespace and line continuations around it.
fn trimmed(text: &[u8], range: Range<usize>) -> Range<usize> {
    let blank = |b: &u8| b.is_ascii_whitespace() || *b == b'\\';
    let slice = &text[range.clone()];
    let lead = slice.iter().take_while(|b| blank(b)).count();
    let trail = slice[lead..].iter().rev().take_while(|b| blank(b)).count();
    range.start + lead..range.end - trail
}

/// A body's text on one line: continuations and runs of blanks become
/// one space.
pub fn one_line(text: &[u8], body: Range<usize>) -> String {
    let raw = String::from_utf8_lossy(&text[body]).replace("\\\n", " ");
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The line holding `at` and the lines it continues onto (`\` at the
/// end), through the last one's newline.
fn logical_line(text: &[u8], at: usize) -> Range<usize> {
    let start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |nl| nl + 1);
    let mut end = start;
    loop {
        let nl = memchr::memchr(b'\n', &text[end..]).map(|i| end + i);
        let Some(nl) = nl else {
            return start..text.len();
        };
        let before = text[..nl].iter().rev().find(|b| **b != b'\r');
        end = nl + 1;
        if before != Some(&b'\\') {
            return start..end;
        }
    }
}

/// The keyword of the directive on the line holding `at` when the word
/// of `len` bytes there is what it acts on: `define`, `undef`, `ifdef`,
/// `ifndef`, or `if`/`elif` for `defined(name)` / `defined name`.
fn directive_naming(text: &[u8], at: usize, len: usize) -> Option<&str> {
    let whole = (at == 0 || !is_word_byte(text[at - 1]))
        && text.get(at + len).is_none_or(|b| !is_word_byte(*b));
    if !whole {
        return None;
    }
    let start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |nl| nl + 1);
    let head = std::str::from_utf8(&text[start..at]).ok()?.trim_start();
    let rest = head.strip_prefix('#')?.trim_start();
    let keyword_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
    let (keyword, between) = rest.split_at(keyword_len);
    let between = between.trim();
    match keyword {
        "define" | "undef" | "ifdef" | "ifndef" if between.is_empty() => Some(keyword),
        "if" | "elif" if between.ends_with("defined(") || between.ends_with("defined") => {
            Some(keyword)
        }
        _ => None,
    }
}

/// Whether the word at `at` (of `len` bytes) is the name a directive acts
/// on (`#undef name`, `#ifdef name`, `#define name`, `defined(name)`):
/// a mention of the macro, not a use of it.
pub fn is_directive_name(text: &[u8], at: usize, len: usize) -> bool {
    directive_naming(text, at, len).is_some()
}

/// What must go to remove `define` of `name` cleanly: its `#undef`
/// before it (bare, or in an `#ifdef name` of its own), any conditional
/// holding nothing else, the comment right above it when nothing follows
/// it, and one of the blank lines that would otherwise meet. None when
/// it is the whole of an `#else`/`#elif` branch, which would be left
/// empty.
pub fn removal_span(text: &[u8], define: &Define, name: &str) -> Option<Range<usize>> {
    let mut span = define.lines.clone();
    span.start = undef_before(text, span.start, name);
    loop {
        if ends_group(text, span.end) {
            span.start = comment_above(text, span.start);
        }
        match lone_conditional(text, &span) {
            Some(wider) => span = wider,
            None => break,
        }
    }
    let keyword = |line: Option<Range<usize>>| line.and_then(|l| directive(text, &l)).map(|d| d.0);
    let opens = matches!(
        keyword(line_before(text, span.start)),
        Some("if" | "ifdef" | "ifndef" | "elif" | "else")
    );
    let closes = matches!(
        keyword(line_after(text, span.end)),
        Some("else" | "elif" | "endif")
    );
    if opens && closes {
        return None;
    }
    let blank_before = line_before(text, span.start).is_none_or(|l| is_blank(text, &l));
    match line_after(text, span.end) {
        Some(next) if blank_before && is_blank(text, &next) => span.end = next.end,
        _ => {}
    }
    Some(span)
}

/// Whether the lines from `end` on start something else than what came
/// before: a blank line, an `#endif` or the end of the file. A comment
/// right above heads only what ends there.
fn ends_group(text: &[u8], end: usize) -> bool {
    line_after(text, end)
        .is_none_or(|l| is_blank(text, &l) || directive(text, &l).is_some_and(|d| d.0 == "endif"))
}

/// The start of an `#undef name` (or `#ifdef name` / `#undef name` /
/// `#endif`) right before the line at `start`; `start` when there is none.
fn undef_before(text: &[u8], start: usize, name: &str) -> usize {
    let is = |line: &Option<Range<usize>>, keyword: &str, arg: &str| {
        line.as_ref()
            .and_then(|l| directive(text, l))
            .is_some_and(|d| d == (keyword, arg))
    };
    let before = line_before(text, start);
    if is(&before, "undef", name) {
        return before.map_or(start, |l| l.start);
    }
    if !is(&before, "endif", "") {
        return start;
    }
    let undef = before.and_then(|l| line_before(text, l.start));
    let test = undef.clone().and_then(|l| line_before(text, l.start));
    match is(&undef, "undef", name) && is(&test, "ifdef", name) {
        true => test.map_or(start, |l| l.start),
        false => start,
    }
}

/// `span` with the `#if…`/`#endif` around it, when the conditional holds
/// nothing else.
fn lone_conditional(text: &[u8], span: &Range<usize>) -> Option<Range<usize>> {
    let open = line_before(text, span.start)?;
    let close = line_after(text, span.end)?;
    let opens = matches!(
        directive(text, &open).map(|d| d.0),
        Some("if" | "ifdef" | "ifndef")
    );
    let closes = directive(text, &close).is_some_and(|d| d.0 == "endif");
    (opens && closes).then_some(open.start..close.end)
}

/// The start of a comment that ends on the line right above `start` and
/// starts a line of its own; `start` when there is none.
fn comment_above(text: &[u8], start: usize) -> usize {
    let Some(above) = line_before(text, start) else {
        return start;
    };
    let comments = comment_ranges(&text[..start]);
    let Some(last) = comments.last() else {
        return start;
    };
    let ends_above =
        text[last.end..start].iter().all(u8::is_ascii_whitespace) && last.end >= above.start;
    let line_start = memchr::memrchr(b'\n', &text[..last.start]).map_or(0, |nl| nl + 1);
    let alone = text[line_start..last.start]
        .iter()
        .all(u8::is_ascii_whitespace);
    match ends_above && alone {
        true => line_start,
        false => start,
    }
}

/// The line that ends where `start` begins.
fn line_before(text: &[u8], start: usize) -> Option<Range<usize>> {
    let end = start.checked_sub(1)?;
    let begin = memchr::memrchr(b'\n', &text[..end]).map_or(0, |nl| nl + 1);
    Some(begin..start)
}

/// The line that starts at `end`.
fn line_after(text: &[u8], end: usize) -> Option<Range<usize>> {
    if end >= text.len() {
        return None;
    }
    let stop = memchr::memchr(b'\n', &text[end..]).map_or(text.len(), |nl| end + nl + 1);
    Some(end..stop)
}

fn is_blank(text: &[u8], line: &Range<usize>) -> bool {
    text[line.clone()].iter().all(u8::is_ascii_whitespace)
}

/// The directive of a line and the word it acts on: `("undef", "x")`
/// for `#  undef x`, `("endif", "")` for `#endif /* X */`.
fn directive<'t>(text: &'t [u8], line: &Range<usize>) -> Option<(&'t str, &'t str)> {
    let line = std::str::from_utf8(&text[line.clone()]).ok()?.trim_start();
    let rest = line.strip_prefix('#')?.trim_start();
    let len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
    let (keyword, after) = rest.split_at(len);
    let after = after.trim_start();
    let arg_len = after.bytes().take_while(|b| is_word_byte(*b)).count();
    Some((keyword, &after[..arg_len]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn removed(text: &str, name: &str) -> Option<String> {
        let define = defines_of(text.as_bytes(), name).pop().expect("a define");
        let span = removal_span(text.as_bytes(), &define, name)?;
        Some(format!("{}{}", &text[..span.start], &text[span.end..]))
    }

    #[test]
    fn reads_a_function_like_define_and_its_body() {
        let text = b"/* #define f(x) no */\n#define f(wq) \\\n\t__f(wq)\nf(a);\n";
        let found = defines_of(text, "f");
        assert_eq!(found.len(), 1);
        let define = &found[0];
        assert_eq!(define.params, Some(vec!["wq".to_string()]));
        assert_eq!(one_line(text, define.body.clone()), "__f(wq)");
        assert_eq!(&text[define.lines.end..], b"f(a);\n");
    }

    #[test]
    fn finds_the_define_a_continuation_line_belongs_to() {
        let text = b"int a;\n#define g(q) \\\n\tf(q)\nf(b);\n";
        let inside = text.len() - 9;
        let define = enclosing_define(text, inside).expect("in g");
        assert_eq!(define.params, Some(vec!["q".to_string()]));
        assert_eq!(enclosing_define(text, text.len() - 4), None);
        assert_eq!(enclosing_define(text, 2), None);
    }

    #[test]
    fn names_of_directives_are_not_uses() {
        let text = b"#undef f\n#if defined(f)\nf(x);\n";
        assert!(is_directive_name(text, 7, 1));
        assert!(is_directive_name(text, 21, 1));
        assert!(!is_directive_name(text, 24, 1));
    }

    #[test]
    fn removes_the_undef_guard_comment_and_one_blank_line() {
        let text = "a;\n\n/* why */\n#ifdef f\n#undef f\n#endif\n#define f(x) g(x)\n\nb;\n";
        assert_eq!(removed(text, "f").unwrap(), "a;\n\nb;\n");
    }

    #[test]
    fn removes_a_conditional_that_holds_only_the_redefinition() {
        let text = "#ifndef G\n#define G\n\n#if V\n#undef f\n#define f() g(s)\n#endif\n\n\
                    #endif\n";
        assert_eq!(
            removed(text, "f").unwrap(),
            "#ifndef G\n#define G\n\n#endif\n"
        );
    }

    #[test]
    fn keeps_a_comment_that_heads_more_than_the_redefinition() {
        let text = "/* compat */\n#define f(x) g(x)\n#define h 1\n";
        assert_eq!(removed(text, "f").unwrap(), "/* compat */\n#define h 1\n");
    }

    #[test]
    fn leaves_an_else_branch_alone() {
        let text = "#if A\nx\n#else\n#define f(x) g(x)\n#endif\n";
        assert_eq!(removed(text, "f"), None);
    }
}
