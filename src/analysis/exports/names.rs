//! The names a queueing file calls and installs, hashed, found from the
//! `(` and `=` they hang on. The index keeps them for every file that queues on a system
//! workqueue (thousands in a tree), and two passes of `ctext::calls_in`
//! and `installs_in`, a string and a vector entry per word, cost a whole
//! scan a sixth of its time. What counts as a call or an install is
//! theirs: the test below holds the two ways equal.

use crate::ctext::is_word_byte;
use std::ops::Range;

/// FNV-1a of a name: cheap, and collisions only ever add a dependent to
/// review, never hide one.
pub(super) fn name_hash(name: &str) -> u64 {
    bytes_hash(name.as_bytes())
}

fn bytes_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The sorted, distinct hashes of the names `text` calls (`name(`), and
/// of those it installs as values (`.op = name,`). Found from the rarer
/// bytes they hang on, a `(` and a `=`, each reached with memchr: a walk
/// over every word of every queueing file cost the scan a tenth of its
/// time.
pub(super) fn calls_and_installs(text: &[u8]) -> (Vec<u64>, Vec<u64>) {
    let mut calls: Vec<u64> = memchr::memchr_iter(b'(', text)
        .filter_map(|at| name_before(text, at))
        .map(|name| bytes_hash(&text[name]))
        .collect();
    let mut installs: Vec<u64> = memchr::memchr_iter(b'=', text)
        .filter_map(|at| installed_after(text, at))
        .map(|name| bytes_hash(&text[name]))
        .collect();
    // Kept for the whole run, for thousands of files: no spare capacity.
    for hashes in [&mut calls, &mut installs] {
        hashes.sort_unstable();
        hashes.dedup();
        hashes.shrink_to_fit();
    }
    (calls, installs)
}

/// The name that ends, blanks after it skipped, right before `at` (a
/// whole word, not a number).
fn name_before(text: &[u8], at: usize) -> Option<Range<usize>> {
    let blanks = text[..at]
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    let end = at - blanks;
    let length = text[..end]
        .iter()
        .rev()
        .take_while(|b| is_word_byte(**b))
        .count();
    let start = end - length;
    (start < end && !text[start].is_ascii_digit()).then_some(start..end)
}

/// The name installed by the `=` at `at`: a lone one (not `==`, `!=`,
/// `<=`, `>=`), then blanks and `&`, a name, blanks and `,`, `;` or `}`.
/// `ctext::installs_in`'s test, read from the `=`.
fn installed_after(text: &[u8], at: usize) -> Option<Range<usize>> {
    let skipped = |b: &&u8| b.is_ascii_whitespace() || **b == b'&';
    let before = text[..at].iter().rev().find(|b| !skipped(b));
    if matches!(before, Some(b'=' | b'!' | b'<' | b'>')) {
        return None;
    }
    let start = at + 1 + text[at + 1..].iter().take_while(skipped).count();
    let length = text[start..]
        .iter()
        .take_while(|b| is_word_byte(**b))
        .count();
    let end = start + length;
    if start == end || text[start].is_ascii_digit() {
        return None;
    }
    let next = text[end..].iter().find(|b| !b.is_ascii_whitespace());
    matches!(next, Some(b',' | b';' | b'}')).then_some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctext::{calls_in, installs_in};

    fn hashed<'t>(found: impl Iterator<Item = (usize, &'t str)>) -> Vec<u64> {
        let mut hashes: Vec<u64> = found.map(|(_, name)| name_hash(name)).collect();
        hashes.sort_unstable();
        hashes.dedup();
        hashes
    }

    #[test]
    fn the_same_as_calls_in_and_installs_in() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut texts: Vec<Vec<u8>> = std::fs::read_dir(corpus)
            .expect("tests/corpus")
            .map(|e| std::fs::read(e.expect("entry").path()).expect("readable"))
            .collect();
        texts.push(b"x = a == b_c; y = f (z); .op = &fn1 }; 1abc(2); p != q, r <= s;".to_vec());
        // At the edges of the text, and assignments that are not lone.
        texts.push(b"=a; b &= & c , d >>= e} f=\n&\tg\n}(h ( =".to_vec());
        for text in &texts {
            let (calls, installs) = calls_and_installs(text);
            assert_eq!(calls, hashed(calls_in(text)));
            assert_eq!(installs, hashed(installs_in(text)));
        }
    }
}
