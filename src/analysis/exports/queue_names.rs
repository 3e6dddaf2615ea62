//! Where a file names a queueing API, as the index reads it: the
//! non-overlapping matches of an Aho-Corasick search for the API names,
//! made word by word. Every name holds `work`, and no name holds a byte
//! that is not a word byte, so a match never crosses a word's edge and
//! the search restarts at each one: the matches in the words that hold
//! `work` are the whole text's, found at memmem's speed (the automaton
//! over whole texts was a tenth of a scan of 7.2).

use crate::ctext::is_word_byte;
use crate::wq::{self, ApiKind};
use std::ops::Range;

/// What every queueing API's name holds.
const CORE: &[u8] = b"work";

fn automaton() -> &'static aho_corasick::AhoCorasick {
    static QUEUE: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    QUEUE.get_or_init(|| {
        let names = wq::APIS
            .iter()
            .filter(|a| a.kind == ApiKind::Queue)
            .map(|a| a.name);
        aho_corasick::AhoCorasick::new(names).expect("static patterns")
    })
}

/// The byte ranges of `text` where a queueing API's name matches, in
/// order: what the automaton's `find_iter` over all of `text` finds.
pub(super) fn api_matches(text: &[u8]) -> Vec<Range<usize>> {
    let queue = automaton();
    words_holding(text, CORE)
        .into_iter()
        .flat_map(|word| {
            let start = word.start;
            queue
                .find_iter(&text[word])
                .map(move |m| m.start() + start..m.end() + start)
        })
        .collect()
}

/// The words of `text` that hold `core`, each once, in order.
fn words_holding(text: &[u8], core: &[u8]) -> Vec<Range<usize>> {
    let mut words: Vec<Range<usize>> = Vec::new();
    for at in memchr::memmem::find_iter(text, core) {
        if words.last().is_some_and(|w| w.end > at) {
            continue;
        }
        let before = text[..at]
            .iter()
            .rev()
            .take_while(|b| is_word_byte(**b))
            .count();
        let after = text[at..].iter().take_while(|b| is_word_byte(**b)).count();
        words.push(at - before..at + after);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_one_word_holding_the_core() {
        for api in wq::APIS.iter().filter(|a| a.kind == ApiKind::Queue) {
            let name = api.name.as_bytes();
            assert!(name.iter().all(|b| is_word_byte(*b)), "{}", api.name);
            assert!(memchr::memmem::find(name, CORE).is_some(), "{}", api.name);
        }
    }

    #[test]
    fn word_by_word_finds_what_the_whole_text_search_finds() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut texts: Vec<Vec<u8>> = std::fs::read_dir(corpus)
            .expect("tests/corpus")
            .map(|e| std::fs::read(e.expect("entry").path()).expect("readable"))
            .collect();
        // Names inside longer words, at the text's edges, run together.
        texts.push(b"schedule_work_on(a); xqueue_work(b) queue_workqueue_work(c)".to_vec());
        texts.push(b"enable_and_queue_work(w);mod_delayed_work_on(1,q,w,0)queue_work".to_vec());
        for text in &texts {
            let whole: Vec<Range<usize>> = automaton().find_iter(text).map(|m| m.range()).collect();
            assert_eq!(api_matches(text), whole);
        }
    }
}
