//! Callbacks a provider keeps and runs from its own work: an export that
//! stores a function pointer it is handed (`priv->done = done;`, or in a
//! file-scope pointer), where a work function of the same file, whose
//! item the file queues on a system workqueue, calls it back
//! (`priv->done(priv)`). The export queues nothing itself, yet the
//! caller's code runs on that workqueue: the caller's flush may be what
//! waits for it.

use super::text::{item_key, Queuer, TextFunction};
use crate::ctext::{call_args, calls_in, calls_named, installs_in, is_word_byte};
use std::collections::{BTreeMap, BTreeSet};

/// Where a callback is kept: a struct member (`done` of `priv->done`) or
/// a file-scope variable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Field(String),
    Global(String),
}

/// Macros that bind a work function to its item: `(item, function)`.
const BINDERS: &[&str] = &[
    "INIT_WORK",
    "INIT_DELAYED_WORK",
    "INIT_DEFERRABLE_WORK",
    "INIT_WORK_ONSTACK",
    "DECLARE_WORK",
    "DECLARE_DELAYED_WORK",
    "DECLARE_DEFERRABLE_WORK",
];

/// For each function of the file that keeps a callback it is handed and
/// has it run from work the file queues on a system workqueue, the
/// direct queuer of that work.
pub(super) fn called_back(
    functions: &[TextFunction],
    text: &[u8],
    direct: &BTreeMap<String, Queuer>,
) -> BTreeMap<String, String> {
    let stores = stored_slots(functions, text);
    if stores.values().all(BTreeSet::is_empty) {
        return BTreeMap::new();
    }
    let bound = bound_work(text);
    // Many functions keep their callbacks in the same slot (a big file's
    // dozens of `->done` setters): each slot's callers are read once.
    let mut callers_of: BTreeMap<&Slot, BTreeSet<&str>> = BTreeMap::new();
    let callers = callers_by_callee(functions);
    let mut found = BTreeMap::new();
    for (function, slots) in &stores {
        let mut items: BTreeSet<&str> = BTreeSet::new();
        for slot in slots {
            let callers = callers_of
                .entry(slot)
                .or_insert_with(|| reaching_call_of(functions, text, slot, &callers));
            items.extend(
                bound
                    .iter()
                    .filter(|(_, work)| callers.contains(work.as_str()))
                    .map(|(item, _)| item.as_str()),
            );
        }
        let queuer = direct
            .iter()
            .find(|(_, q)| q.keys.iter().any(|k| items.contains(k.as_str())));
        if let Some((name, _)) = queuer {
            found.insert(function.clone(), name.clone());
        }
    }
    found
}

/// For each function, where it keeps the callbacks it is handed: its own
/// assignments of a callback parameter, and those of the file's
/// functions it passes one on to.
fn stored_slots(functions: &[TextFunction], text: &[u8]) -> BTreeMap<String, BTreeSet<Slot>> {
    let mut stores: BTreeMap<String, BTreeSet<Slot>> = functions
        .iter()
        .filter(|f| !f.callback_params.is_empty())
        .map(|f| (f.name.clone(), assigned_slots(f, text, functions)))
        .collect();
    loop {
        let mut grew = false;
        for function in functions.iter().filter(|f| !f.callback_params.is_empty()) {
            let body = &text[function.body_start..function.body_end];
            let mut inherited = BTreeSet::new();
            for (offset, callee) in calls_in(body) {
                let Some(theirs) = stores.get(callee).filter(|s| !s.is_empty()) else {
                    continue;
                };
                let Some(args) = call_args(body, offset + callee.len()) else {
                    continue;
                };
                let passes = args.into_iter().any(|r| {
                    let arg = String::from_utf8_lossy(&body[r]);
                    function.callback_params.iter().any(|p| arg.trim() == p)
                });
                if passes {
                    inherited.extend(theirs.iter().cloned());
                }
            }
            let own = stores.entry(function.name.clone()).or_default();
            let before = own.len();
            own.extend(inherited);
            grew |= own.len() > before;
        }
        if !grew {
            return stores;
        }
    }
}

/// The slots a function assigns one of its callback parameters to. A
/// plain variable counts only when another function of the file names
/// it (a local would not).
fn assigned_slots(
    function: &TextFunction,
    text: &[u8],
    functions: &[TextFunction],
) -> BTreeSet<Slot> {
    let body = &text[function.body_start..function.body_end];
    installs_in(body)
        .filter(|(_, value)| function.callback_params.iter().any(|p| p == value))
        .filter_map(|(offset, _)| {
            let equals = body[..offset].iter().rposition(|b| *b == b'=')?;
            let lhs = body[..equals].trim_ascii_end();
            let start = lhs
                .iter()
                .rposition(|b| !is_word_byte(*b))
                .map_or(0, |i| i + 1);
            let name = std::str::from_utf8(&lhs[start..])
                .ok()
                .filter(|n| !n.is_empty())?;
            let before = lhs[..start].trim_ascii_end();
            if before.ends_with(b"->") || before.ends_with(b".") {
                return Some(Slot::Field(name.to_string()));
            }
            let shared = functions.iter().any(|other| {
                other.name != function.name
                    && crate::ctext::has_word(&text[other.body_start..other.body_end], name)
            });
            shared.then(|| Slot::Global(name.to_string()))
        })
        .collect()
}

/// The functions of the file that call through `slot`, or reach one that
/// does through the file's own calls.
fn reaching_call_of<'f>(
    functions: &'f [TextFunction],
    text: &[u8],
    slot: &Slot,
    callers: &BTreeMap<&str, Vec<&'f str>>,
) -> BTreeSet<&'f str> {
    let mut reached: BTreeSet<&str> = functions
        .iter()
        .filter(|f| calls_through(&text[f.body_start..f.body_end], slot))
        .map(|f| f.name.as_str())
        .collect();
    // Every function calling one reached is reached: the callers of each,
    // once (the call graph read backwards).
    let mut pending: Vec<&str> = reached.iter().copied().collect();
    while let Some(name) = pending.pop() {
        for &caller in callers.get(name).into_iter().flatten() {
            if reached.insert(caller) {
                pending.push(caller);
            }
        }
    }
    reached
}

/// Each function's callers in the file, by the callee's name.
fn callers_by_callee(functions: &[TextFunction]) -> BTreeMap<&str, Vec<&str>> {
    let mut callers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for function in functions {
        for callee in &function.callees {
            callers
                .entry(callee.as_str())
                .or_default()
                .push(function.name.as_str());
        }
    }
    callers
}

/// Whether `body` calls the function kept in `slot`: `p->done(…)`,
/// `s.done(…)`, `done_cb(…)`, `(*done_cb)(…)`.
fn calls_through(body: &[u8], slot: &Slot) -> bool {
    let (name, member) = match slot {
        Slot::Field(name) => (name, true),
        Slot::Global(name) => (name, false),
    };
    // Found by SIMD search: a big file has hundreds of bodies per slot.
    crate::ctext::word_offsets(body, name).any(|offset| {
        let after = body[offset + name.len()..].trim_ascii_start();
        let before = body[..offset].trim_ascii_end();
        let accessed = before.ends_with(b"->") || before.ends_with(b".");
        let called =
            after.starts_with(b"(") || (before.ends_with(b"(*") && after.starts_with(b")"));
        called && accessed == member
    })
}

/// Each work item of the file bound to a work function: (the item's
/// field, or its name for a plain variable; the function).
pub(crate) fn bound_work(text: &[u8]) -> Vec<(String, String)> {
    calls_named(text, BINDERS)
        .into_iter()
        .filter_map(|(offset, word)| {
            let args = call_args(text, offset + word.len())?;
            let [item, function, ..] = args.as_slice() else {
                return None;
            };
            let item = String::from_utf8_lossy(&text[item.clone()])
                .trim()
                .to_string();
            let function = String::from_utf8_lossy(&text[function.clone()])
                .trim()
                .to_string();
            Some((item_key(&item)?, function))
        })
        .collect()
}
