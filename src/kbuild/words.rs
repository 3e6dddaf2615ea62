//! Make's text as words. What localwq cannot evaluate stays in the text as
//! written, `$(NAME)` or `$(shell …)`, so a word holding a `$(` is one
//! whose value is not known, and splitting keeps such a reference whole.

/// The index just past the `)` or `}` that closes the reference opened at
/// `start` (`$(` or `${`); None when it is never closed. Only the opening
/// bracket's own kind nests, as in make.
pub(super) fn reference_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let (open, close) = match bytes.get(start + 1) {
        Some(b'(') => (b'(', b')'),
        Some(b'{') => (b'{', b'}'),
        _ => return None,
    };
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(start + 1) {
        if b == open {
            depth += 1;
        } else if b == close {
            depth -= 1;
            if depth == 0 {
                return Some(i + 1);
            }
        }
    }
    None
}

/// The whitespace-separated words of `text`, each `$(…)` kept whole.
pub(super) fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            if let Some(s) = start.take() {
                out.push(&text[s..i]);
            }
            i += 1;
            continue;
        }
        start.get_or_insert(i);
        i = match b == b'$' {
            true => reference_end(text, i).unwrap_or(i + 1),
            false => i + 1,
        };
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// Whether `text` holds something localwq could not evaluate.
pub(super) fn is_unknown(text: &str) -> bool {
    text.contains("$(") || text.contains("${")
}

/// The top-level `$(…)` references left in `text`, as written.
pub(super) fn references(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find('$') {
        let start = from + at;
        match reference_end(text, start) {
            Some(end) => {
                out.push(&text[start..end]);
                from = end;
            }
            None => from = start + 1,
        }
    }
    out
}

/// `$(NAME)` → `NAME` when NAME is a plain variable name.
pub(super) fn plain_name(reference: &str) -> Option<&str> {
    let inner = reference.get(2..reference.len().checked_sub(1)?)?;
    is_plain(inner).then_some(inner)
}

fn is_plain(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// The plain variable names referenced anywhere in `text`, nested too
/// (to a depth no Makefile needs).
pub(super) fn names_in(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    names_into(text, 0, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

fn names_into<'t>(text: &'t str, depth: usize, out: &mut Vec<&'t str>) {
    if depth > 32 {
        return;
    }
    for reference in references(text) {
        let inner = &reference[2..reference.len() - 1];
        // `$(NAME:.c=.o)` reads NAME too.
        let substituted = inner
            .split_once(':')
            .map(|(name, _)| name)
            .filter(|n| is_plain(n));
        match plain_name(reference).or(substituted) {
            Some(name) => out.push(name),
            None => names_into(inner, depth + 1, out),
        }
    }
}

/// A make pattern (`%.c`, `src/%`, `a.o`) against `word`: the part `%`
/// matched, or `""` when the pattern has no `%` and equals the word.
pub(super) fn pattern_match<'w>(pattern: &str, word: &'w str) -> Option<&'w str> {
    match pattern.split_once('%') {
        None => (pattern == word).then_some(""),
        Some((head, tail)) => {
            let fits = word.len() >= head.len() + tail.len()
                && word.starts_with(head)
                && word.ends_with(tail);
            fits.then(|| &word[head.len()..word.len() - tail.len()])
        }
    }
}

/// `patsubst`'s replacement of one word: None when it does not match.
pub(super) fn pattern_replace(pattern: &str, replacement: &str, word: &str) -> Option<String> {
    let stem = pattern_match(pattern, word)?;
    Some(match pattern.contains('%') {
        true => replacement.replacen('%', stem, 1),
        false => replacement.to_string(),
    })
}

/// A shell glob component (`*.c`, `a?.[ch]`) against a file name. A
/// leading dot is matched only by a dot, as glob(3) does.
pub(super) fn glob_match(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    glob_from(pattern.as_bytes(), name.as_bytes())
}

/// Glob matching without recursion: on a mismatch, the last `*` takes
/// one more byte (linear in practice, whatever the pattern).
fn glob_from(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if let Some(after) = step(pattern, p, name[n]) {
            (p, n) = (after, n + 1);
            continue;
        }
        if pattern.get(p) == Some(&b'*') {
            star = Some((p, n));
            p += 1;
            continue;
        }
        match star {
            Some((at, from)) => {
                star = Some((at, from + 1));
                (p, n) = (at + 1, from + 1);
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Where the pattern goes on after matching `c` at `p` with `?`, a class
/// or itself; None when it does not match there (or `p` is a `*`).
fn step(pattern: &[u8], p: usize, c: u8) -> Option<usize> {
    match pattern.get(p)? {
        b'*' => None,
        b'?' => Some(p + 1),
        b'[' => match class_match(&pattern[p + 1..], Some(&c)) {
            Some((true, after)) => Some(pattern.len() - after.len()),
            Some((false, _)) => None,
            None => (c == b'[').then_some(p + 1),
        },
        &b => (b == c).then_some(p + 1),
    }
}

/// A `[…]` class (after its `[`) against `c`: whether it matches and the
/// pattern after the `]`; None when the class is never closed.
fn class_match<'p>(class: &'p [u8], c: Option<&u8>) -> Option<(bool, &'p [u8])> {
    let (negated, body) = match class.first() {
        Some(b'!' | b'^') => (true, &class[1..]),
        _ => (false, class),
    };
    let close = body.iter().skip(1).position(|&b| b == b']')? + 1;
    let set = &body[..close];
    let c = *c?;
    let mut hit = false;
    let mut i = 0;
    while i < set.len() {
        if i + 2 < set.len() && set[i + 1] == b'-' {
            hit |= (set[i]..=set[i + 2]).contains(&c);
            i += 3;
        } else {
            hit |= set[i] == c;
            i += 1;
        }
    }
    Some((hit != negated, &body[close + 1..]))
}

pub(super) fn has_glob(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// The first `,` outside parentheses and braces.
pub(super) fn top_level_comma(text: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '{' => depth += 1,
            ')' | '}' => depth -= 1,
            ',' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_unknown_references_whole() {
        assert_eq!(
            words(" a.o\tb.o $(shell ls *.c) c$(X y).o \n"),
            ["a.o", "b.o", "$(shell ls *.c)", "c$(X y).o"]
        );
        assert_eq!(words("$(unclosed a"), ["$(unclosed", "a"]);
        assert!(words("  ").is_empty());
    }

    #[test]
    fn references_and_names() {
        assert_eq!(
            references("x $(A) ${B} $(if $(C),d)"),
            ["$(A)", "${B}", "$(if $(C),d)"]
        );
        assert_eq!(
            names_in("$(A) $(filter y,$(CONFIG_B)) $(shell x)"),
            ["A", "CONFIG_B"]
        );
        assert_eq!(names_in("obj-$(CONFIG_C:m=y)"), ["CONFIG_C"]);
        assert_eq!(plain_name("$(shell ls)"), None);
    }

    #[test]
    fn patterns_match_as_make_does() {
        assert_eq!(pattern_match("%.c", "a/b.c"), Some("a/b"));
        assert_eq!(pattern_match("src/%.c", "lib/b.c"), None);
        assert_eq!(pattern_match("a.o", "a.o"), Some(""));
        assert_eq!(pattern_match("a.o", "b.o"), None);
        assert_eq!(pattern_match("%.o.o", "x.o"), None, "must not overlap");
        assert_eq!(pattern_replace("%.c", "%.o", "x.c").as_deref(), Some("x.o"));
        assert_eq!(pattern_replace("x.c", "y.o", "x.c").as_deref(), Some("y.o"));
    }

    #[test]
    fn globs_match_as_the_shell_does() {
        assert!(glob_match("*.c", "a.c"));
        assert!(!glob_match("*.c", "a.h"));
        assert!(!glob_match("*.c", ".hidden.c"));
        assert!(glob_match("a?.[ch]", "ab.h"));
        assert!(!glob_match("a[!b].c", "ab.c"));
        assert!(glob_match("a[0-9].c", "a7.c"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        assert!(glob_match("[.c", "[.c"), "an unclosed class is a bracket");
        let stars = "*".repeat(5000) + "z";
        assert!(
            !glob_match(&stars, &"a".repeat(5000)),
            "no backtracking blow-up"
        );
    }
}
