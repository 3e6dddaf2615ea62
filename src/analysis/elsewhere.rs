//! Where else the module waits for one of its own items: a
//! `cancel_work_sync()` or `flush_work()` on the same member in another
//! function (a release callback, a remove path). It does not wait before
//! the flush, so the flush still counts; the reviewer is told of it, since
//! "nothing else waits" would not be true.

use super::items::{ItemKey, QueuedItem};
use crate::ctext::{call_args, calls_named, words_in};
use crate::load::Unit;

/// Calls that return only once the item is idle.
const WAITS: &[&str] = &[
    "cancel_work_sync",
    "cancel_delayed_work_sync",
    "flush_work",
    "flush_delayed_work",
    "flush_rcu_work",
    "disable_work_sync",
    "disable_delayed_work_sync",
];

/// How many places are named, at most.
const SHOWN: usize = 3;

/// Each wait on `item` in the module: "call() at file:line in
/// function()", the first `SHOWN`.
pub fn waits_on(unit: &Unit, item: &QueuedItem) -> Vec<String> {
    let mut found = Vec::new();
    for &(index, offset, call) in wait_calls(unit) {
        let file = &unit.files[index];
        let Some(args) = call_args(&file.text, offset + call.len()) else {
            continue;
        };
        let Some(first) = args.first() else {
            continue;
        };
        let enclosing = file
            .facts
            .functions
            .iter()
            .find(|f| f.range.contains(&offset));
        let head = enclosing.map_or(&[][..], |f| &file.text[f.range.start..offset]);
        if !names(&file.text[first.clone()], &item.key, head) {
            continue;
        }
        let function = enclosing.map_or(String::new(), |f| format!(" in {}()", f.name));
        found.push(format!(
            "{call}() at {}:{}{function}",
            file.path.display(),
            file.line_of(offset)
        ));
        if found.len() == SHOWN {
            break;
        }
    }
    found
}

/// The module's waiting calls, found once per unit: the wait model asks
/// per item, and a unit can be megabytes.
pub(super) fn wait_calls(unit: &Unit) -> &[(usize, usize, &'static str)] {
    unit.memo.item_waits.get_or_init(|| {
        unit.files
            .iter()
            .enumerate()
            .flat_map(|(index, file)| {
                calls_named(&file.text, WAITS)
                    .into_iter()
                    .map(move |(offset, call)| (index, offset, call))
            })
            .collect()
    })
}

/// Whether the argument `arg` names the item: `&name` for a file-scope
/// item, `&x->path` or `&x.path` where `x` is declared `struct tag` in
/// `head`, the function's text before the call (its parameters and
/// locals): a member name alone may belong to another struct.
fn names(arg: &[u8], key: &ItemKey, head: &[u8]) -> bool {
    let arg = String::from_utf8_lossy(arg);
    let arg = arg.trim().trim_start_matches('&').trim();
    match key {
        ItemKey::Global(name) | ItemKey::GlobalPointer(name) => arg == name,
        ItemKey::Member { tag, path } => {
            let Some(before) = arg.strip_suffix(path.as_str()) else {
                return false;
            };
            let base = before
                .strip_suffix("->")
                .or_else(|| before.strip_suffix('.'))
                .unwrap_or("");
            let simple =
                !base.is_empty() && base.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            simple && declared_as(head, base, tag)
        }
    }
}

/// Whether `head` declares `var` as a `struct tag` or a pointer to one.
fn declared_as(head: &[u8], var: &str, tag: &str) -> bool {
    let words: Vec<(usize, &str)> = words_in(head).collect();
    words.windows(3).any(|w| {
        w[0].1 == "struct" && w[1].1 == tag && w[2].1 == var && {
            let between = &head[w[1].0 + tag.len()..w[2].0];
            between
                .iter()
                .all(|b| b.is_ascii_whitespace() || *b == b'*')
        }
    })
}
