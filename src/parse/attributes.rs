//! Attribute macros the grammar does not know, blanked before a parse
//! (spaces, same length: offsets and lines stay the file's). The kernel's
//! (`__iomem`, `__printf(2, 3)`, `__cold`…) and the file's own `#define`s
//! that stand for nothing or for such an attribute (`#define DRV_API`).
//! In `static void __iomem *regs;` or `int __printf(2, 3) log(…);` the
//! grammar otherwise makes an ERROR that can swallow what follows.

use crate::ctext::{is_word_byte, matching_paren};
use std::collections::BTreeSet;
use std::ops::Range;

/// The kernel's attribute macros that take no arguments.
const PLAIN: &[&str] = &[
    "__always_inline",
    "__always_unused",
    "__attribute_const__",
    "__bitwise",
    "__cold",
    "__force",
    "__hot",
    "__iomem",
    "__kernel",
    "__latent_entropy",
    "__maybe_unused",
    "__must_check",
    "__nocast",
    "__noreturn",
    "__percpu",
    "__pure",
    "__randomize_layout",
    "__rcu",
    "__read_mostly",
    "__ro_after_init",
    "__sched",
    "__user",
    "__used",
    "__visible",
    "__weak",
    "noinline",
    "notrace",
];

/// The kernel's attribute macros written with arguments.
const WITH_ARGS: &[&str] = &["__printf", "__scanf", "__aligned", "__section", "__alias"];

/// The ranges to blank in `text`: each use of a known attribute macro
/// (with its arguments), and of a name the file defines as nothing or as
/// one of those, outside the `#define` lines themselves.
pub(super) fn attribute_ranges(text: &[u8]) -> Vec<Range<usize>> {
    let own = own_attributes(text);
    let mut found = Vec::new();
    // Every known attribute starts with `__` or `no`: most words are
    // then no attribute without a look through the lists.
    let known = |word: &str| word.starts_with("__") || word.starts_with("no");
    for (at, word) in candidate_words(text, &own) {
        let plain = (known(word) && PLAIN.contains(&word)) || own.contains(word);
        let with_args = known(word) && WITH_ARGS.contains(&word);
        if !(plain || with_args) {
            continue;
        }
        if crate::ctext::in_define(text, at) || on_directive_line(text, at) {
            continue;
        }
        let end = at + word.len();
        let open = end + text[end..].iter().take_while(|b| **b == b' ').count();
        match (with_args, text.get(open)) {
            (true, Some(b'(')) => {
                if let Some(close) = matching_paren(text, open) {
                    found.push(at..close + 1);
                }
            }
            (true, _) => {}
            (false, _) => found.push(at..end),
        }
    }
    found
}

/// The words of `text` (as `words_in` finds them, in order) that can be
/// an attribute: those starting with `__` or `no`, and the file's own
/// names. Each is found with memmem: splitting every parsed text into
/// words was a fortieth of a scan.
fn candidate_words<'t>(text: &'t [u8], own: &BTreeSet<&str>) -> Vec<(usize, &'t str)> {
    let word_start = |at: &usize| *at == 0 || !is_word_byte(text[*at - 1]);
    let prefixes = ["__", "no"].into_iter().chain(own.iter().copied());
    let mut starts: Vec<usize> = prefixes
        .filter(|p| p.as_bytes().first().is_some_and(|b| !b.is_ascii_digit()))
        .flat_map(|p| memchr::memmem::find_iter(text, p.as_bytes()).filter(word_start))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    starts
        .into_iter()
        .map(|at| {
            let len = text[at..].iter().take_while(|b| is_word_byte(**b)).count();
            // SAFETY: every byte of the word is an ASCII letter, digit or
            // `_` (`is_word_byte`), so it is UTF-8.
            (at, unsafe {
                std::str::from_utf8_unchecked(&text[at..at + len])
            })
        })
        // A longer word that begins with one of the file's names.
        .filter(|(_, w)| w.starts_with("__") || w.starts_with("no") || own.contains(w))
        .collect()
}

/// Whether `at` is on a preprocessor line (`#ifndef _FOO_H` names the
/// guard defined as nothing: it stays).
fn on_directive_line(text: &[u8], at: usize) -> bool {
    let start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
    text[start..at].trim_ascii_start().starts_with(b"#")
}

/// The object-like macros `text` defines as nothing, or as one known
/// attribute: `#define DRV_API` and `#define NOTRACE notrace` count,
/// `#define STATIC static` does not (`static` is code the grammar reads).
fn own_attributes(text: &[u8]) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    for line in text.split(|b| *b == b'\n') {
        let trimmed = line.trim_ascii_start();
        let Some(rest) = trimmed.strip_prefix(b"#") else {
            continue;
        };
        let Some(rest) = rest.trim_ascii_start().strip_prefix(b"define") else {
            continue;
        };
        let rest = rest.trim_ascii_start();
        let len = rest.iter().take_while(|b| is_word_byte(**b)).count();
        let (name, body) = rest.split_at(len);
        // Function-like (`NAME(`) or continued: not a plain attribute.
        if name.is_empty() || body.first() == Some(&b'(') || body.ends_with(b"\\") {
            continue;
        }
        let body = std::str::from_utf8(body.trim_ascii()).unwrap_or("?");
        if body.is_empty() || PLAIN.contains(&body) {
            names.extend(std::str::from_utf8(name).ok());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::attribute_ranges;

    fn blanked(src: &str) -> String {
        let ranges = attribute_ranges(src.as_bytes());
        let copy = super::super::ranges::blank(src.as_bytes(), &ranges);
        String::from_utf8(copy).unwrap()
    }

    #[test]
    fn kernel_and_own_attributes_become_spaces() {
        let src = "#ifndef FOO_H\n#define FOO_H\n#define DRV_API\nstatic void __iomem *regs;\n\
            int __printf(2, 3) foo_log(int l, const char *fmt, ...);\nDRV_API void foo(void);\n";
        let want = "#ifndef FOO_H\n#define FOO_H\n#define DRV_API\nstatic void         *regs;\n\
            int                foo_log(int l, const char *fmt, ...);\n        void foo(void);\n";
        assert_eq!(blanked(src), want);
    }

    #[test]
    fn candidates_are_the_words_that_can_be_attributes() {
        let text = b"#define FOO_H\n#define DRV\n___x a__b 0x__c __y nono FOO_H2 DRV(\n\
            __printf(1, 2) notrace DRV_X FOO_H";
        let own = super::own_attributes(text);
        let can = |w: &str| w.starts_with("__") || w.starts_with("no") || own.contains(w);
        let want: Vec<(usize, &str)> = crate::ctext::words_in(text)
            .filter(|(_, w)| can(w))
            .collect();
        assert_eq!(super::candidate_words(text, &own), want);
    }

    #[test]
    fn a_macro_that_stands_for_code_is_left() {
        let src = "#define STATIC static\n#define LOG(x) pr_info(x)\nSTATIC int x;\n";
        assert_eq!(blanked(src), src);
    }
}
