//! Parse error counts of a text (whole, or less the blocks its focused
//! parse leaves out), kept for the run by the text's digest.
//! A module planned again for a group (`share`) is a new unit whose files
//! know no count yet, and a group's rewrite can give a file the text a
//! module's own rewrite gave it: each such whole parse (the costliest of
//! a scan, a file's bodies and all) counted again a file counted already.
//! Counts may also be kept between runs (`keep_counts_in`): the CLI keeps
//! them in the user's cache (`cache::counts`).

use super::count_errors;
use crate::parse::kept::CountStore;
use crate::parse::parse_c_without;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::ops::Range;
use std::sync::{Mutex, OnceLock};

/// A text's length and two independent 64-bit hashes of it and the
/// blocks left out: a different text with the same key is not worth a
/// thought.
type Key = (usize, u64, u64);

static STORE: OnceLock<Box<dyn CountStore>> = OnceLock::new();

/// Where counts are looked up before a text is parsed, and kept after:
/// set once, before the first rewrite.
pub fn keep_counts_in(store: Box<dyn CountStore>) {
    let _ = STORE.set(store);
}

/// The errors `count_errors` finds in a parse of `text` less the `idle`
/// blocks (`parse_c_without`), or why it could not parse.
pub(super) fn count(text: &[u8], idle: &[Range<usize>]) -> Result<usize, String> {
    if let Some(known) = known(text, idle) {
        return known;
    }
    // Counted outside the lock: files are counted on all cores at once.
    let count = counted(text, idle);
    keep(text, idle, count.clone());
    count
}

/// `count` if this run or the store has it, without parsing.
pub(super) fn known(text: &[u8], idle: &[Range<usize>]) -> Option<Result<usize, String>> {
    let key = key_of(text, idle);
    if let Some(known) = lock().get(&key) {
        return Some(known.clone());
    }
    let store = STORE.get()?;
    let known = store.get(&crate::parse::kept::key_of(text, idle))?;
    lock().insert(key, Ok(known));
    Some(Ok(known))
}

/// Keeps a count made elsewhere (`whole_errors`' reparse) as `count`
/// would have.
pub(super) fn keep(text: &[u8], idle: &[Range<usize>], count: Result<usize, String>) {
    if let (Some(store), Ok(count)) = (STORE.get(), &count) {
        store.put(&crate::parse::kept::key_of(text, idle), *count);
    }
    lock().insert(key_of(text, idle), count);
}

/// The run's counts, by `key_of`.
fn lock() -> std::sync::MutexGuard<'static, HashMap<Key, Result<usize, String>>> {
    static COUNTS: OnceLock<Mutex<HashMap<Key, Result<usize, String>>>> = OnceLock::new();
    let counts = COUNTS.get_or_init(Default::default);
    counts.lock().unwrap_or_else(|e| e.into_inner())
}

fn key_of(text: &[u8], idle: &[Range<usize>]) -> Key {
    static KEYS: OnceLock<(std::hash::RandomState, std::hash::RandomState)> = OnceLock::new();
    let (a, b) = KEYS.get_or_init(Default::default);
    (
        text.len(),
        a.hash_one((text, idle)),
        b.hash_one((text, idle)),
    )
}

fn counted(text: &[u8], idle: &[Range<usize>]) -> Result<usize, String> {
    parse_c_without(text, idle)
        .map(|tree| count_errors(tree.root_node()))
        .map_err(|e| e.to_string())
}
