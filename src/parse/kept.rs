//! Facts kept between runs: a module's files are most of a scan's parsing,
//! and for one build of localwq a file's facts are a function of its text
//! and of the blocks left out of its parse (`idle`) alone. The CLI keeps
//! them in the user's cache (`cache::kept`); a file whose facts are found
//! there is not parsed until something asks for its tree (`tree()` makes
//! the same tree the parse would have).

use super::facts::Facts;
use sha2::Digest as _;
use std::ops::Range;
use std::sync::OnceLock;

/// The SHA-256 of a text and the blocks left out of its parse.
pub type Key = [u8; 32];

/// Facts known from earlier runs, by `key_of` their text and blocks.
pub trait FactsStore: Send + Sync {
    fn get(&self, key: &Key) -> Option<Facts>;
    fn put(&self, key: &Key, facts: &Facts);
}

static STORE: OnceLock<Box<dyn FactsStore>> = OnceLock::new();

/// Where facts are looked up before a file is parsed, and kept after: set
/// once, before the first parse.
pub fn keep_facts_in(store: Box<dyn FactsStore>) {
    let _ = STORE.set(store);
}

/// Parse error counts known from earlier runs, by `key_of` their text and
/// the blocks left out of the parse (`rewrite::counts` asks).
pub trait CountStore: Send + Sync {
    fn get(&self, key: &Key) -> Option<usize>;
    fn put(&self, key: &Key, count: usize);
}

pub(super) fn store() -> Option<&'static dyn FactsStore> {
    STORE.get().map(|s| s.as_ref())
}

/// The digest of `text` with `idle`: what a parse of it less them makes.
pub fn key_of(text: &[u8], idle: &[Range<usize>]) -> Key {
    let mut hasher = sha2::Sha256::new();
    hasher.update((text.len() as u64).to_le_bytes());
    hasher.update(text);
    for block in idle {
        hasher.update((block.start as u64).to_le_bytes());
        hasher.update((block.end as u64).to_le_bytes());
    }
    hasher.finalize().into()
}
