//! C read as text, for the places where a parse tree is not at hand or not
//! worth its cost: identifiers, matching parentheses, argument lists,
//! column-0-braced blocks, calls and exported names. Every stage may use
//! these; they know nothing of workqueues.

use std::ops::Range;

/// A byte of a C identifier.
pub fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether the `len` bytes at `at` are a whole identifier followed (after
/// optional whitespace) by `(`: a call, or a function-like macro's use.
pub fn is_call_at(text: &[u8], at: usize, len: usize) -> bool {
    let whole_before = at == 0 || !is_word_byte(text[at - 1]);
    let after = text[at + len..].iter().find(|b| !b.is_ascii_whitespace());
    whole_before && after == Some(&b'(')
}

/// C identifiers in `text` with their offsets.
pub fn words_in(text: &[u8]) -> impl Iterator<Item = (usize, &str)> {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < text.len() {
            if is_word_byte(text[i]) && (i == 0 || !is_word_byte(text[i - 1])) {
                let start = i;
                while i < text.len() && is_word_byte(text[i]) {
                    i += 1;
                }
                if !text[start].is_ascii_digit() {
                    // SAFETY: every byte of the word is an ASCII letter,
                    // digit or `_` (`is_word_byte`), so it is UTF-8.
                    // Checked, the conversion was a sixteenth of a scan:
                    // analysis splits whole units into words.
                    let word = unsafe { std::str::from_utf8_unchecked(&text[start..i]) };
                    return Some((start, word));
                }
            } else {
                i += 1;
            }
        }
        None
    })
}

/// `KERNEL_VERSION(a, b, c)` as the kernel's headers compute it.
pub fn kernel_version(a: i64, b: i64, c: i64) -> i64 {
    (a << 16) + (b << 8) + c.min(255)
}

/// The starts of the lines of `text` that hold any of `needles`, sorted,
/// each once: what a line-by-line reader need look at.
pub fn lines_holding(text: &[u8], needles: &[&str]) -> Vec<usize> {
    let mut starts: Vec<usize> = needles
        .iter()
        .flat_map(|needle| memchr::memmem::find_iter(text, needle.as_bytes()))
        .map(|at| {
            text[..at]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1)
        })
        .collect();
    starts.sort_unstable();
    starts.dedup();
    starts
}

/// Whether `word` occurs in `text` as a whole identifier.
pub fn has_word(text: &[u8], word: &str) -> bool {
    word_offsets(text, word).next().is_some()
}

/// Where `word` (an identifier) occurs in `text` as a whole one: the
/// offsets `words_in` gives it, found by SIMD search instead of a walk
/// over every word.
pub fn word_offsets<'t>(text: &'t [u8], word: &'t str) -> impl Iterator<Item = usize> + 't {
    memchr::memmem::find_iter(text, word.as_bytes()).filter(move |&at| {
        let before = at.checked_sub(1).map(|i| text[i]);
        let after = text.get(at + word.len()).copied();
        !before.is_some_and(is_word_byte) && !after.is_some_and(is_word_byte)
    })
}

/// Identifiers followed by `(` (after optional whitespace): the functions
/// and function-like macros that `text` calls, with their offsets.
pub fn calls_in(text: &[u8]) -> impl Iterator<Item = (usize, &str)> {
    words_in(text).filter(move |(offset, word)| {
        text[offset + word.len()..]
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            == Some(&b'(')
    })
}

/// `calls_in` kept to the calls of `names`, in order: each name is found
/// with memmem instead of splitting the whole text into words, which cost
/// analysis a tenth of a scan where a unit is megabytes and is asked
/// again and again.
pub fn calls_named<'n>(text: &[u8], names: &[&'n str]) -> Vec<(usize, &'n str)> {
    let mut found: Vec<(usize, &str)> = names
        .iter()
        .flat_map(|name| {
            memchr::memmem::find_iter(text, name.as_bytes())
                .filter(|at| is_call_at(text, *at, name.len()))
                .map(move |at| (at, *name))
        })
        .collect();
    found.sort_unstable_by_key(|(at, _)| *at);
    found
}

/// Identifiers installed as values: `.member = name,`, `ops->fn = name;`,
/// `= &name}`: a function installed as a pointer is used as much as one
/// called.
pub fn installs_in(text: &[u8]) -> impl Iterator<Item = (usize, &str)> {
    words_in(text).filter(move |(offset, word)| {
        let before = text[..*offset]
            .iter()
            .rev()
            .find(|b| !b.is_ascii_whitespace() && **b != b'&');
        let after = text[offset + word.len()..]
            .iter()
            .find(|b| !b.is_ascii_whitespace());
        // `=` alone: not `==`, `!=`, `<=`, `>=`.
        let assigned = before == Some(&b'=')
            && !matches!(
                text[..*offset]
                    .iter()
                    .rev()
                    .filter(|b| !b.is_ascii_whitespace() && **b != b'&')
                    .nth(1),
                Some(b'=' | b'!' | b'<' | b'>')
            );
        assigned && matches!(after, Some(b',' | b';' | b'}'))
    })
}

/// Whether `text` defines function `name`: `name(…)` followed by `{`.
pub fn defines_function(text: &[u8], name: &str) -> bool {
    memchr::memmem::find_iter(text, name.as_bytes()).any(|at| {
        let end = at + name.len();
        let bounded = !(at > 0 && is_word_byte(text[at - 1]));
        let Some(open) = text[end..].iter().position(|b| !b.is_ascii_whitespace()) else {
            return false;
        };
        if !bounded || text[end + open] != b'(' {
            return false;
        }
        matching_paren(text, end + open).is_some_and(|close| {
            text[close + 1..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        })
    })
}

/// Offset of the `)` that closes the `(` at `open`.
pub fn matching_paren(text: &[u8], open: usize) -> Option<usize> {
    matching(text, open, b'(', b')')
}

/// Offset of the `}` that closes the `{` at `open`.
pub fn matching_brace(text: &[u8], open: usize) -> Option<usize> {
    matching(text, open, b'{', b'}')
}

fn matching(text: &[u8], open: usize, opening: u8, closing: u8) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &b) in text.iter().enumerate().skip(open) {
        if b == opening {
            depth += 1;
        } else if b == closing {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// The arguments between the parentheses at `open` and `close`, split at
/// top-level commas, each trimmed of whitespace. An empty last argument
/// (`f()`, `f(a, )`) is left out; an empty middle one is kept.
pub fn arg_ranges(text: &[u8], open: usize, close: usize) -> Vec<Range<usize>> {
    let mut args = Vec::new();
    let mut depth = 0i32;
    let mut start = open + 1;
    for i in open + 1..close {
        match text[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => {
                args.push(trimmed(text, start..i));
                start = i + 1;
            }
            _ => {}
        }
    }
    if text[start..close].iter().any(|b| !b.is_ascii_whitespace()) {
        args.push(trimmed(text, start..close));
    }
    args
}

/// The arguments of the call whose callee's name ends at `name_end`
/// (whitespace may come before its `(`), as `arg_ranges` splits them;
/// None when no balanced parenthesis follows.
pub fn call_args(text: &[u8], name_end: usize) -> Option<Vec<Range<usize>>> {
    let open = name_end
        + text[name_end..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    if text.get(open) != Some(&b'(') {
        return None;
    }
    let close = matching_paren(text, open)?;
    Some(arg_ranges(text, open, close))
}

/// Splits an argument list (the text inside the parentheses) at top-level
/// commas, as `arg_ranges` does.
pub fn split_args(inner: &str) -> Vec<String> {
    let text = format!("({inner})");
    arg_ranges(text.as_bytes(), 0, text.len() - 1)
        .into_iter()
        .map(|r| text[r].to_string())
        .collect()
}

fn trimmed(text: &[u8], range: Range<usize>) -> Range<usize> {
    let lead = text[range.clone()]
        .iter()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    let trail = text[range.clone()]
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    range.start + lead..range.end - trail.min(range.len() - lead)
}

/// The comments of `text` (`/* … */` and `// …`), string and character
/// literals skipped so that a `/*` inside one starts nothing.
pub fn comment_ranges(text: &[u8]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < text.len() {
        // Only `/`, `"` and `'` can start anything: jump to the next one.
        match memchr::memchr3(b'/', b'"', b'\'', &text[i..]) {
            Some(skip) => i += skip,
            None => break,
        }
        match (text[i], text.get(i + 1)) {
            (b'/', Some(b'*')) => {
                let end = memchr::memmem::find(&text[i + 2..], b"*/")
                    .map_or(text.len(), |e| i + 2 + e + 2);
                ranges.push(i..end);
                i = end;
            }
            (b'/', Some(b'/')) => {
                let end = memchr::memchr(b'\n', &text[i..]).map_or(text.len(), |e| i + e);
                ranges.push(i..end);
                i = end;
            }
            (quote @ (b'"' | b'\''), _) => {
                i += 1;
                while i < text.len() && text[i] != quote && text[i] != b'\n' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    ranges
}

/// A block whose braces sit in column 0, as kernel style puts a
/// function's: `head_start` is past the `;` or `}` before its head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column0Block {
    pub head_start: usize,
    /// Offset of the `{`.
    pub open: usize,
    /// Offset of the `}`.
    pub close: usize,
}

/// Every column-0-braced block of `text`, in order.
pub fn column0_blocks(text: &[u8]) -> impl Iterator<Item = Column0Block> + '_ {
    let mut offset = 0;
    std::iter::from_fn(move || {
        let found = memchr::memmem::find(&text[offset..], b"\n{")?;
        let open = offset + found + 1;
        let close = memchr::memmem::find(&text[open..], b"\n}").map(|i| open + i + 1)?;
        let head_start = memchr::memrchr(b';', &text[..open])
            .max(memchr::memrchr(b'}', &text[..open]))
            .map_or(0, |i| i + 1);
        offset = close;
        Some(Column0Block {
            head_start,
            open,
            close,
        })
    })
}

/// The names exported with `EXPORT_SYMBOL`, `EXPORT_SYMBOL_GPL` and the
/// rest of the family, in order.
pub fn exported_names(text: &[u8]) -> Vec<&str> {
    let mut names = Vec::new();
    for at in memchr::memmem::find_iter(text, b"EXPORT_SYMBOL") {
        // Inside a macro body it exports whatever the macro is given,
        // not the parameter's name.
        if in_define(text, at) {
            continue;
        }
        let rest = &text[at..text.len().min(at + 120)];
        let Some(open) = memchr::memchr(b'(', rest) else {
            continue;
        };
        if let Some((_, name)) = words_in(&rest[open..]).next() {
            names.push(name);
        }
    }
    names
}

/// Whether offset `at` is on a line of a `#define` (its first line, or a
/// continuation after lines ending in `\`).
pub fn in_define(text: &[u8], at: usize) -> bool {
    let mut start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |nl| nl + 1);
    loop {
        let line = &text[start..];
        let first = line
            .iter()
            .position(|b| !b.is_ascii_whitespace() || *b == b'\n');
        if let Some(i) = first {
            if line[i] == b'#' {
                return memchr::memmem::find(&line[i..line.len().min(i + 16)], b"define").is_some();
            }
        }
        if start == 0 {
            return false;
        }
        // The line before: a continuation only if it ends in `\`.
        let prev_end = start - 1;
        let before = text[..prev_end].iter().rev().find(|b| **b != b'\r');
        if before != Some(&b'\\') {
            return false;
        }
        start = memchr::memrchr(b'\n', &text[..prev_end]).map_or(0, |nl| nl + 1);
    }
}

/// `struct tag {` (any spacing) in `text`.
pub fn defines_struct(text: &[u8], tag: &str) -> bool {
    let needle = format!("struct {tag}");
    memchr::memmem::find_iter(text, needle.as_bytes()).any(|at| {
        let rest = &text[at + needle.len()..];
        let next = rest.iter().find(|b| !b.is_ascii_whitespace());
        let boundary = rest.first().is_some_and(|b| !is_word_byte(*b));
        boundary && next == Some(&b'{')
    })
}

/// Substrings searched one by one with SIMD memmem, which beats one
/// Aho-Corasick automaton several times over for a handful of needles.
pub struct Needles {
    finders: Vec<memchr::memmem::Finder<'static>>,
}

impl Needles {
    /// A needle that contains another is dropped: the shorter finds it.
    pub fn new(words: &[&str]) -> Self {
        let kept = words.iter().filter(|w| {
            !words
                .iter()
                .any(|other| other != *w && !other.is_empty() && w.contains(*other))
        });
        Needles {
            finders: kept
                .map(|w| memchr::memmem::Finder::new(w.as_bytes()).into_owned())
                .collect(),
        }
    }

    pub fn is_match(&self, text: &[u8]) -> bool {
        self.finders.iter().any(|f| f.find(text).is_some())
    }
}

/// How many `#if`/`#ifdef`/`#ifndef` are open at the end of `text`.
pub fn open_conditionals(text: &[u8]) -> usize {
    text.split(|&b| b == b'\n').fold(0, conditional_step)
}

/// `depth` after one line: one more for an `#if`/`#ifdef`/`#ifndef`, one
/// less for an `#endif`.
pub fn conditional_step(depth: usize, line: &[u8]) -> usize {
    let Some(directive) = line.trim_ascii_start().strip_prefix(b"#") else {
        return depth;
    };
    let word = directive.trim_ascii_start();
    let opens = [&b"if"[..], b"ifdef", b"ifndef"].iter().any(|d| {
        word.starts_with(d) && !word.get(d.len()).is_some_and(|b| b.is_ascii_alphanumeric())
    });
    match (opens, word.starts_with(b"endif")) {
        (true, _) => depth + 1,
        (false, true) => depth.saturating_sub(1),
        _ => depth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_in_a_macro_body_names_no_function() {
        let text = b"#define OP(func)\t\t\\\n\tint x_##func(void) { return 0; }\t\\\n\
            \tEXPORT_SYMBOL(func)\n\nvoid real(void)\n{\n}\nEXPORT_SYMBOL(real);\n";
        assert_eq!(exported_names(text), ["real"]);
        assert!(in_define(text, 40));
        assert!(!in_define(text, text.len() - 5));
    }

    #[test]
    fn installs_are_assignments_of_a_name_alone() {
        let text = b"static struct d drv = {\n\t.suspend\t= lib_suspend,\n\t.x = &lib_ops };\n\
            ops->fn = lib_fn;\nif (a == b_c) x = f(y);\n";
        let found: Vec<&str> = installs_in(text).map(|(_, w)| w).collect();
        assert_eq!(found, ["lib_suspend", "lib_ops", "lib_fn"]);
    }

    #[test]
    fn a_definition_is_a_name_its_parameters_and_a_body() {
        assert!(defines_function(
            b"int ec_read(u8 addr, u8 *val)\n{\n",
            "ec_read"
        ));
        assert!(!defines_function(b"\tret = ec_read(1, &v);\n", "ec_read"));
        assert!(!defines_function(
            b"int ec_read(u8 addr, u8 *val);\n",
            "ec_read"
        ));
    }

    #[test]
    fn words_skip_numbers_and_keep_offsets() {
        let words: Vec<(usize, &str)> = words_in(b"a1 = 2x + _b;").collect();
        assert_eq!(words, [(0, "a1"), (10, "_b")]);
        assert!(has_word(b"foo(bar_wq)", "bar_wq"));
        assert!(!has_word(b"foo(bar_wq2)", "bar_wq"));
    }

    #[test]
    fn calls_are_words_before_a_parenthesis() {
        let calls: Vec<&str> = calls_in(b"if (x) f (a, g(b));").map(|(_, w)| w).collect();
        assert_eq!(calls, ["if", "f", "g"]);
    }

    #[test]
    fn calls_named_are_the_calls_in_of_those_names() {
        let text = b"INIT_WORK(&a, f); xINIT_WORK(b); INIT_WORK_ONSTACK (c, g);\n\
            INIT_WORK_x(d); queue_work(wq, &w); INIT_WORK;";
        let names = ["INIT_WORK", "INIT_WORK_ONSTACK", "queue_work"];
        let expected: Vec<(usize, &str)> =
            calls_in(text).filter(|(_, w)| names.contains(w)).collect();
        assert_eq!(calls_named(text, &names), expected);
        assert_eq!(expected.len(), 3);
    }

    #[test]
    fn arguments_split_at_top_level_commas_only() {
        let text = b"f( a, g(b, c) , [1,2] )";
        let close = matching_paren(text, 1).unwrap();
        let args: Vec<&[u8]> = arg_ranges(text, 1, close)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(args, [&b"a"[..], b"g(b, c)", b"[1,2]"]);
        assert_eq!(split_args("x, , y"), ["x", "", "y"]);
        assert!(split_args("  ").is_empty());
        assert_eq!(matching_paren(b"(()", 0), None);
    }

    #[test]
    fn comments_are_found_outside_strings() {
        let text = b"a(); /* x */ b(\"/* no */\"); // y\nc();";
        let found: Vec<&[u8]> = comment_ranges(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(found, [&b"/* x */"[..], b"// y"]);
    }

    #[test]
    fn column0_blocks_start_after_the_previous_statement() {
        let text = b"int x;\nstatic void f(void)\n{\n\tg();\n}\n";
        let blocks: Vec<Column0Block> = column0_blocks(text).collect();
        assert_eq!(blocks.len(), 1);
        assert_eq!(
            &text[blocks[0].head_start..blocks[0].open],
            b"\nstatic void f(void)\n"
        );
        assert_eq!(text[blocks[0].close], b'}');
    }

    #[test]
    fn exported_names_and_struct_definitions() {
        let text = b"EXPORT_SYMBOL(a);\nEXPORT_SYMBOL_GPL( b );\nstruct foo {\n};\n";
        assert_eq!(exported_names(text), ["a", "b"]);
        assert!(defines_struct(text, "foo"));
        assert!(!defines_struct(b"struct foobar {", "foo"));
        assert!(!defines_struct(b"struct foo *x;", "foo"));
    }

    #[test]
    fn needles_find_any_substring() {
        let needles = Needles::new(&["schedule_work", "schedule_work_on", "system_"]);
        assert!(needles.is_match(b"x schedule_work_on(1, &w)"));
        assert!(!needles.is_match(b"queue_work(wq, &w)"));
    }

    #[test]
    fn open_conditionals_count_if_ifdef_ifndef_until_their_endif() {
        let text =
            b"#ifndef FOO_H\n#define FOO_H\n#ifdef CONFIG_X\n#include <x.h>\n#endif\n# if 0\n";
        assert_eq!(open_conditionals(text), 2);
        assert_eq!(
            open_conditionals(b"#include <linux/module.h>\n#ifdefined\n"),
            0
        );
    }
}
