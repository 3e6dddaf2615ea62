//! The text functions of make, on words already expanded: each gives
//! what make gives for known words, and keeps a word that is not known
//! (`$(X)`) as the call on it, or the whole call when its result hangs on
//! it (`$(words a $(X))`).

use super::super::words::{self, is_unknown, pattern_match, pattern_replace};

/// Each word of `list` through `f`, empty results dropped.
pub(super) fn each(list: &str, f: impl Fn(&str) -> Option<String>) -> String {
    words::words(list)
        .into_iter()
        .filter_map(f)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A word-wise function's result: known words through `f`, unknown ones
/// as the call `$(name fixed,word)`.
fn wordwise(name: &str, fixed: &str, list: &str, f: impl Fn(&str) -> Option<String>) -> String {
    each(list, |w| match is_unknown(w) {
        true => Some(format!("$({name} {fixed}{w})")),
        false => f(w),
    })
}

fn literal(name: &str, args: &[&str]) -> String {
    format!("$({name} {})", args.join(","))
}

pub(in crate::kbuild) fn patsubst(pattern: &str, replacement: &str, list: &str) -> String {
    if is_unknown(pattern) || is_unknown(replacement) {
        return literal("patsubst", &[pattern, replacement, list]);
    }
    let fixed = format!("{pattern},{replacement},");
    wordwise("patsubst", &fixed, list, |w| {
        Some(pattern_replace(pattern, replacement, w).unwrap_or_else(|| w.to_string()))
    })
}

pub(super) fn subst(from: &str, to: &str, text: &str) -> String {
    match (is_unknown(from) || is_unknown(to), is_unknown(text)) {
        (false, false) if from.is_empty() => text.to_string(),
        (false, false) => text.replace(from, to),
        (false, true) if !from.contains(char::is_whitespace) && !from.is_empty() => {
            wordwise("subst", &format!("{from},{to},"), text, |w| {
                Some(w.replace(from, to))
            })
        }
        _ => literal("subst", &[from, to, text]),
    }
}

pub(super) fn findstring(find: &str, text: &str) -> String {
    match is_unknown(find) || is_unknown(text) {
        true => literal("findstring", &[find, text]),
        false if text.contains(find) => find.to_string(),
        false => String::new(),
    }
}

pub(super) fn filter(patterns: &str, list: &str, keep: bool) -> String {
    let name = if keep { "filter" } else { "filter-out" };
    if is_unknown(patterns) {
        return literal(name, &[patterns, list]);
    }
    let patterns = words::words(patterns);
    wordwise(name, &format!("{},", patterns.join(" ")), list, |w| {
        let hit = patterns.iter().any(|p| pattern_match(p, w).is_some());
        (hit == keep).then(|| w.to_string())
    })
}

pub(super) fn sort(list: &str) -> String {
    let (mut unknown, mut known): (Vec<&str>, Vec<&str>) =
        words::words(list).into_iter().partition(|w| is_unknown(w));
    known.sort_unstable();
    known.dedup();
    unknown.dedup();
    known.extend(unknown);
    known.join(" ")
}

/// The first `n` words, when none of them is unknown.
fn known_prefix(list: &str, n: usize) -> Option<Vec<&str>> {
    let all = words::words(list);
    let head = &all[..n.min(all.len())];
    let unknown_before = all.iter().take(n).any(|w| is_unknown(w));
    (!unknown_before).then(|| head.to_vec())
}

pub(super) fn word(n: &str, list: &str) -> String {
    match n.trim().parse::<usize>() {
        Ok(n) if n > 0 => match known_prefix(list, n) {
            Some(head) => head.get(n - 1).map_or(String::new(), |w| w.to_string()),
            None => literal("word", &[&n.to_string(), list]),
        },
        _ => literal("word", &[n, list]),
    }
}

pub(super) fn wordlist(start: &str, end: &str, list: &str) -> String {
    let (Ok(s), Ok(e)) = (start.trim().parse::<usize>(), end.trim().parse::<usize>()) else {
        return literal("wordlist", &[start, end, list]);
    };
    match known_prefix(list, e) {
        Some(head) if s > 0 && s <= head.len() => head[s - 1..].join(" "),
        Some(_) => String::new(),
        None => literal("wordlist", &[start, end, list]),
    }
}

pub(super) fn count(list: &str) -> String {
    match is_unknown(list) {
        true => literal("words", &[list]),
        false => words::words(list).len().to_string(),
    }
}

pub(super) fn firstword(list: &str) -> String {
    match words::words(list).first() {
        Some(w) if is_unknown(w) => literal("firstword", &[list]),
        Some(w) => w.to_string(),
        None => String::new(),
    }
}

pub(super) fn lastword(list: &str) -> String {
    match words::words(list).last() {
        Some(w) if is_unknown(w) => literal("lastword", &[list]),
        Some(w) => w.to_string(),
        None => String::new(),
    }
}

pub(super) fn join(a: &str, b: &str) -> String {
    if is_unknown(a) || is_unknown(b) {
        return literal("join", &[a, b]);
    }
    let (a, b) = (words::words(a), words::words(b));
    (0..a.len().max(b.len()))
        .map(|i| format!("{}{}", a.get(i).unwrap_or(&""), b.get(i).unwrap_or(&"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `dir`, `notdir`, `suffix`, `basename` on each word.
pub(super) fn names(name: &str, list: &str) -> String {
    wordwise(name, "", list, |w| {
        let slash = w.rfind('/').map_or(0, |s| s + 1);
        let dot = w[slash..].rfind('.').map(|d| slash + d);
        Some(match name {
            "dir" if slash == 0 => "./".to_string(),
            "dir" => w[..slash].to_string(),
            "notdir" => w[slash..].to_string(),
            "suffix" => dot.map_or(String::new(), |d| w[d..].to_string()),
            _ => dot.map_or(w.to_string(), |d| w[..d].to_string()),
        })
    })
}
