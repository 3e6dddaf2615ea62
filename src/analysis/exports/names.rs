//! The names a queueing file calls and installs, hashed in one pass over
//! its bytes. The index keeps them for every file that queues on a system
//! workqueue (thousands in a tree), and two passes of `ctext::calls_in`
//! and `installs_in`, a string and a vector entry per word, cost a whole
//! scan a sixth of its time. What counts as a call or an install is
//! theirs: the test below holds the two ways equal.

use crate::ctext::is_word_byte;

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
/// of those it installs as values (`.op = name,`).
pub(super) fn calls_and_installs(text: &[u8]) -> (Vec<u64>, Vec<u64>) {
    let (mut calls, mut installs) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < text.len() {
        if !is_word_byte(text[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && is_word_byte(text[i]) {
            i += 1;
        }
        // A number is no name.
        if text[start].is_ascii_digit() {
            continue;
        }
        match text[i..].iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'(') => calls.push(bytes_hash(&text[start..i])),
            Some(b',' | b';' | b'}') if assigned_at(text, start) => {
                installs.push(bytes_hash(&text[start..i]))
            }
            _ => {}
        }
    }
    // Kept for the whole run, for thousands of files: no spare capacity.
    for hashes in [&mut calls, &mut installs] {
        hashes.sort_unstable();
        hashes.dedup();
        hashes.shrink_to_fit();
    }
    (calls, installs)
}

/// Whether the word at `offset` follows a lone `=` (not `==`, `!=`,
/// `<=`, `>=`), `&` and blanks skipped: `ctext::installs_in`'s test.
fn assigned_at(text: &[u8], offset: usize) -> bool {
    let mut before = text[..offset]
        .iter()
        .rev()
        .filter(|b| !b.is_ascii_whitespace() && **b != b'&');
    before.next() == Some(&b'=') && !matches!(before.next(), Some(b'=' | b'!' | b'<' | b'>'))
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
    fn one_pass_finds_what_calls_in_and_installs_in_find() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut texts: Vec<Vec<u8>> = std::fs::read_dir(corpus)
            .expect("tests/corpus")
            .map(|e| std::fs::read(e.expect("entry").path()).expect("readable"))
            .collect();
        texts.push(b"x = a == b_c; y = f (z); .op = &fn1 }; 1abc(2); p != q, r <= s;".to_vec());
        for text in &texts {
            let (calls, installs) = calls_and_installs(text);
            assert_eq!(calls, hashed(calls_in(text)));
            assert_eq!(installs, hashed(installs_in(text)));
        }
    }
}
