//! The other side of WQ_MEM_RECLAIM: work on a workqueue with a rescuer
//! must not flush one without (the kernel's check_flush_dependency()
//! warns, since the rescuer could then wait for work that cannot make
//! progress under memory pressure). When the evidence gives the new
//! workqueue WQ_MEM_RECLAIM, the work the module moves onto it is
//! followed through the module's own calls; a flush, drain or destroy of
//! one of the module's workqueues allocated without it is flagged
//! (5.10 nvmet-fc: the association's del_work flushes the queue's
//! `ntfc` workqueue, allocated with flags 0).

use super::flushed::allocations;
use crate::analysis::calls::call_graph;
use crate::analysis::exports::callback::bound_work;
use crate::analysis::exports::item_key;
use crate::analysis::sites::{Site, SiteState};
use crate::analysis::{Flag, FlagKind};
use crate::ctext::{call_args, calls_in};
use crate::load::Unit;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

const WAITS: &[(&str, &str)] = &[
    ("flush_workqueue", "flushes"),
    ("drain_workqueue", "drains"),
    ("destroy_workqueue", "destroys"),
];
/// How many calls deep the work is followed.
const DEPTH: usize = 4;

/// A flag on each flush of a workqueue without WQ_MEM_RECLAIM that the
/// work moved onto `wq` (which gets WQ_MEM_RECLAIM) reaches.
pub fn flush_dependencies(unit: &Unit, sites: &[Site], wq: &str) -> Vec<Flag> {
    let plain = plain_wqs(unit);
    if plain.is_empty() {
        return Vec::new();
    }
    let bound: Vec<(String, String)> = unit
        .files
        .iter()
        .flat_map(|f| bound_work(&f.text))
        .collect();
    let moved: BTreeSet<String> = sites
        .iter()
        .filter(|s| s.state == SiteState::Convert && !s.is_flush())
        .filter_map(|s| item_key(s.work_arg(unit)?))
        .flat_map(|key| {
            bound
                .iter()
                .filter(move |(item, _)| item_key(item).as_deref() == Some(key.as_str()))
                .map(|(_, function)| function.clone())
        })
        .collect();
    let graph = call_graph(unit);
    let mut flags = Vec::new();
    for (function, work) in reached_from(graph, &moved) {
        for (file, offset, verb, key) in waits_in(unit, &function) {
            let Some(allocated) = plain.get(&key) else {
                continue;
            };
            let runs = match function == work {
                true => format!("{work}(), on {wq},"),
                false => format!("{function}(), reached from {work}() on {wq},"),
            };
            let reason = format!(
                "{runs} {verb} {key}, allocated at {allocated} without WQ_MEM_RECLAIM, while \
                 {wq} gets it: the kernel's check_flush_dependency() warns when a \
                 WQ_MEM_RECLAIM workqueue's work waits for one without a rescuer; give \
                 {key} WQ_MEM_RECLAIM too, or decide that {wq} does without it"
            );
            let source = &unit.files[file];
            flags.push(Flag::new(source, offset, FlagKind::FlushDependency, reason));
        }
    }
    flags
}

/// The module's workqueues allocated without WQ_MEM_RECLAIM, by the name
/// the assignment gives them (`work_q` of `queue->work_q = …`), with
/// where; a name also allocated with it elsewhere still counts.
fn plain_wqs(unit: &Unit) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for file in &unit.files {
        for allocation in allocations(&file.text).into_iter().filter(|a| !a.reclaim) {
            if let Some(name) = allocation.name {
                let at = format!(
                    "{}:{}",
                    file.path.display(),
                    file.line_of(allocation.offset)
                );
                found.entry(name).or_insert(at);
            }
        }
    }
    found
}

/// `from` and every function of the module they call, within `DEPTH`,
/// each with the work function it is reached from.
fn reached_from(
    graph: &BTreeMap<String, BTreeSet<String>>,
    from: &BTreeSet<String>,
) -> Vec<(String, String)> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut queue: VecDeque<(String, String, usize)> =
        from.iter().map(|f| (f.clone(), f.clone(), 0)).collect();
    while let Some((function, root, depth)) = queue.pop_front() {
        if seen.contains_key(&function) || depth >= DEPTH {
            continue;
        }
        seen.insert(function.clone(), root.clone());
        let next = graph.get(&function).into_iter().flatten();
        queue.extend(next.map(|callee| (callee.clone(), root.clone(), depth + 1)));
    }
    seen.into_iter().collect()
}

/// Each wait on a named workqueue in the body of `function`: (file,
/// offset, what the call does to it, the workqueue's key).
fn waits_in(unit: &Unit, function: &str) -> Vec<(usize, usize, &'static str, String)> {
    let mut found = Vec::new();
    for (index, file) in unit.files.iter().enumerate() {
        let Some(defined) = file.facts.functions.iter().find(|f| f.name == function) else {
            continue;
        };
        let body = &file.text[defined.body.clone()];
        for (offset, word) in calls_in(body) {
            let Some((_, verb)) = WAITS.iter().find(|(name, _)| *name == word) else {
                continue;
            };
            let Some(args) = call_args(body, offset + word.len()) else {
                continue;
            };
            let arg = args
                .first()
                .map(|a| String::from_utf8_lossy(&body[a.clone()]).into_owned());
            if let Some(key) = arg.as_deref().and_then(item_key) {
                found.push((index, defined.body.start + offset, *verb, key));
            }
        }
    }
    found
}
