//! The second kind of evidence for WQ_MEM_RECLAIM: a flush the patch
//! points at the new workqueue, reached from the work function of an item
//! the module queues on a workqueue of its own that has WQ_MEM_RECLAIM.
//! Work that memory reclaim may need then waits for the new workqueue's
//! work, which can make progress under memory pressure only with a
//! rescuer (the kernel's check_flush_dependency() warns about exactly
//! this dependency).

use crate::analysis::exports::callback::bound_work;
use crate::analysis::exports::item_key;
use crate::ctext::{call_args, calls_named};
use crate::load::Unit;

/// Allocations whose workqueue has a rescuer: the `create_*` macros
/// always give WQ_MEM_RECLAIM; the others when their flags say so.
const ALWAYS_RECLAIM: &[&str] = &[
    "create_workqueue",
    "create_freezable_workqueue",
    "create_singlethread_workqueue",
];
const BY_FLAGS: &[&str] = &["alloc_workqueue", "alloc_ordered_workqueue"];

/// Queueing calls on a named workqueue, with the index of the workqueue
/// argument.
const QUEUEING: &[(&str, usize)] = &[
    ("queue_work", 0),
    ("queue_delayed_work", 0),
    ("mod_delayed_work", 0),
    ("queue_rcu_work", 0),
    ("queue_work_on", 1),
    ("queue_delayed_work_on", 1),
    ("mod_delayed_work_on", 1),
];

/// A work function whose item the module queues on a workqueue of its
/// own.
pub(super) struct QueuedWork {
    pub(super) function: String,
    pub(super) item: String,
    pub(super) wq: String,
    /// `file:line` of the queueing call.
    pub(super) queued: String,
}

/// Every work function of the module that runs on a WQ_MEM_RECLAIM
/// workqueue the module allocates; `chosen`: only those whose flags
/// spell it out (the author's choice; the `create_*` macros give it to
/// every legacy workqueue).
pub(super) fn reclaim_work(unit: &Unit, chosen: bool) -> Vec<QueuedWork> {
    let wqs: Vec<String> = unit
        .files
        .iter()
        .flat_map(|f| reclaim_wqs(&f.text))
        .filter(|(_, spelt)| *spelt || !chosen)
        .map(|(wq, _)| wq)
        .collect();
    if wqs.is_empty() {
        return Vec::new();
    }
    work_of(unit, &wqs)
}

/// The one work function bound to the item `key` names in the module
/// (`INIT_WORK(&x->key, f)`), if exactly one is.
pub(crate) fn only_function(unit: &Unit, key: &str) -> Option<String> {
    let mut functions: Vec<String> = unit
        .files
        .iter()
        .flat_map(|f| bound_work(&f.text))
        .filter(|(item, _)| item == key)
        .map(|(_, function)| function)
        .collect();
    functions.sort();
    functions.dedup();
    match functions.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// Every work function of the module queued on the workqueue an
/// expression names (`dev->io_wq`: matched by its last name, `io_wq`).
pub(super) fn work_on(unit: &Unit, wq: &str) -> Vec<QueuedWork> {
    match item_key(wq) {
        Some(key) => work_of(unit, &[key]),
        None => Vec::new(),
    }
}

fn work_of(unit: &Unit, wqs: &[String]) -> Vec<QueuedWork> {
    let bound: Vec<(String, String)> = unit
        .files
        .iter()
        .flat_map(|f| bound_work(&f.text))
        .collect();
    let mut found = Vec::new();
    for file in &unit.files {
        for (offset, wq, item) in queued_on(&file.text) {
            if !wqs.contains(&wq) {
                continue;
            }
            let line = 1 + memchr::memchr_iter(b'\n', &file.text[..offset]).count();
            for (_, function) in bound.iter().filter(|(bound_item, _)| *bound_item == item) {
                found.push(QueuedWork {
                    function: function.clone(),
                    item: item.clone(),
                    wq: wq.clone(),
                    queued: format!("{}:{line}", file.path.display()),
                });
            }
        }
    }
    found
}

/// One workqueue allocation in a text.
pub(super) struct Allocation {
    pub(super) offset: usize,
    /// The name the assignment gives it (`wq` of `dev->wq = …`).
    pub(super) name: Option<String>,
    /// It has a rescuer: a `create_*` macro, or flags that say so.
    pub(super) reclaim: bool,
    /// Its flags spell WQ_MEM_RECLAIM out.
    pub(super) spelt: bool,
}

/// Every workqueue allocation of `text`.
pub(super) fn allocations(text: &[u8]) -> Vec<Allocation> {
    let names: Vec<&str> = ALWAYS_RECLAIM.iter().chain(BY_FLAGS).copied().collect();
    calls_named(text, &names)
        .into_iter()
        .filter_map(|(offset, word)| {
            let always = ALWAYS_RECLAIM.contains(&word);
            let args = call_args(text, offset + word.len())?;
            let spelt = args
                .iter()
                .any(|a| memchr::memmem::find(&text[a.clone()], b"WQ_MEM_RECLAIM").is_some());
            Some(Allocation {
                offset,
                name: assigned_to(&text[..offset]),
                reclaim: always || spelt,
                spelt,
            })
        })
        .collect()
}

/// The workqueues `text` allocates with WQ_MEM_RECLAIM, by the name the
/// assignment gives them, and whether their flags spell it out.
fn reclaim_wqs(text: &[u8]) -> Vec<(String, bool)> {
    allocations(text)
        .into_iter()
        .filter(|a| a.reclaim)
        .filter_map(|a| Some((a.name?, a.spelt)))
        .collect()
}

/// The key of what the text just before a call assigns (`x->wq =`).
fn assigned_to(before: &[u8]) -> Option<String> {
    let lhs = before.trim_ascii_end().strip_suffix(b"=")?;
    let start = lhs
        .iter()
        .rposition(|b| matches!(b, b';' | b'{' | b'}' | b'\n'))
        .map_or(0, |i| i + 1);
    item_key(std::str::from_utf8(&lhs[start..]).ok()?.trim())
}

/// Each queueing call on a named workqueue: (offset, the workqueue's
/// key, the item's key).
fn queued_on(text: &[u8]) -> Vec<(usize, String, String)> {
    let names: Vec<&str> = QUEUEING.iter().map(|(name, _)| *name).collect();
    calls_named(text, &names)
        .into_iter()
        .filter_map(|(offset, word)| {
            let (_, index) = QUEUEING.iter().find(|(name, _)| *name == word)?;
            let args = call_args(text, offset + word.len())?;
            let arg = |at: usize| {
                let range = args.get(at)?.clone();
                item_key(String::from_utf8_lossy(&text[range]).trim())
            };
            Some((offset, arg(*index)?, arg(*index + 1)?))
        })
        .collect()
}
