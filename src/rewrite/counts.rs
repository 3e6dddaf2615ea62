//! Whole-text parse error counts, kept for the run by the text's digest.
//! A module planned again for a group (`share`) is a new unit whose files
//! know no count yet, and a group's rewrite can give a file the text a
//! module's own rewrite gave it: each such whole parse (the costliest of
//! a scan, a file's bodies and all) counted again a file counted already.

use super::count_errors;
use crate::parse::parse_c;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Mutex, OnceLock};

/// A text's length and two independent 64-bit hashes of it: a different
/// text with the same key is not worth a thought.
type Key = (usize, u64, u64);

/// The errors `count_errors` finds in a whole parse of `text`, or why it
/// could not parse.
pub(super) fn whole_count(text: &[u8]) -> Result<usize, String> {
    static KEYS: OnceLock<(std::hash::RandomState, std::hash::RandomState)> = OnceLock::new();
    static COUNTS: OnceLock<Mutex<HashMap<Key, Result<usize, String>>>> = OnceLock::new();
    let (a, b) = KEYS.get_or_init(Default::default);
    let key = (text.len(), a.hash_one(text), b.hash_one(text));
    let counts = COUNTS.get_or_init(Default::default);
    let lock = || counts.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = lock().get(&key) {
        return known.clone();
    }
    // Counted outside the lock: files are counted on all cores at once.
    let count = parse_c(text)
        .map(|tree| count_errors(tree.root_node()))
        .map_err(|e| e.to_string());
    lock().insert(key, count.clone());
    count
}
