//! The module's own call graph, read from the text of its functions'
//! bodies, and the converted sites a function reaches through it: the
//! evidence for WQ_MEM_RECLAIM (reclaim) and for work queued before any
//! initcall (entry_rules).

use super::sites::{Site, SiteState};
use crate::ctext::{is_call_at, words_in};
use crate::load::Unit;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// How many calls deep the search follows the module's own functions.
const DEPTH: usize = 4;

/// Each converted site by the name of the function it is in.
pub(super) fn converted_sites<'s>(unit: &Unit, sites: &'s [Site]) -> BTreeMap<String, &'s Site> {
    sites
        .iter()
        .filter(|s| s.state == SiteState::Convert)
        .filter_map(|s| Some((s.enclosing(unit)?.name.clone(), s)))
        .collect()
}

/// Each function of the module with the module's functions it calls,
/// read from the text of its body (once per unit): the focused parse
/// leaves out functions that name no workqueue (load), and a handler is
/// often one of them.
pub(super) fn call_graph(unit: &Unit) -> &BTreeMap<String, BTreeSet<String>> {
    unit.memo.call_graph.get_or_init(|| read_call_graph(unit))
}

fn read_call_graph(unit: &Unit) -> BTreeMap<String, BTreeSet<String>> {
    let defined: BTreeSet<&str> = unit
        .files
        .iter()
        .flat_map(|f| f.facts.functions.iter().map(|g| g.name.as_str()))
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &unit.files {
        for function in &file.facts.functions {
            let body = &file.text[function.body.clone()];
            let callees = words_in(body)
                .filter(|(at, word)| defined.contains(word) && is_call_at(body, *at, word.len()))
                .map(|(_, word)| word.to_string());
            graph
                .entry(function.name.clone())
                .or_default()
                .extend(callees);
        }
    }
    graph
}

/// The first function within `DEPTH` calls of `from` that holds a
/// converted site `pick` accepts, with that site.
pub(super) fn reached<'s>(
    calls: &BTreeMap<String, BTreeSet<String>>,
    converted: &BTreeMap<String, &'s Site>,
    from: &str,
    pick: fn(&Site) -> bool,
) -> Option<(String, &'s Site)> {
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([(from.to_string(), 0)]);
    while let Some((function, depth)) = queue.pop_front() {
        if !seen.insert(function.clone()) {
            continue;
        }
        if let Some(site) = converted.get(&function).filter(|s| pick(s)) {
            return Some((function, site));
        }
        if depth < DEPTH {
            let next = calls.get(&function).into_iter().flatten();
            queue.extend(next.map(|callee| (callee.clone(), depth + 1)));
        }
    }
    None
}

/// The module's functions `from` reaches within `DEPTH` calls, itself
/// first, then nearest first.
pub(super) fn reachable_from(
    graph: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    let mut queue = VecDeque::from([(from.to_string(), 0)]);
    while let Some((function, depth)) = queue.pop_front() {
        if !seen.insert(function.clone()) {
            continue;
        }
        order.push(function.clone());
        if depth < DEPTH {
            let next = graph.get(&function).into_iter().flatten();
            queue.extend(next.map(|callee| (callee.clone(), depth + 1)));
        }
    }
    order
}

/// The module's functions that reach one of its converted sites (a
/// queueing call or flush that the conversion points at the new
/// workqueue) within `DEPTH` calls, the sites' own functions included:
/// code that must not run once the workqueue is destroyed.
pub fn reaching_converted(unit: &Unit, sites: &[Site]) -> BTreeSet<String> {
    let graph = call_graph(unit);
    let mut reaching: BTreeSet<String> = converted_sites(unit, sites).into_keys().collect();
    for _ in 0..DEPTH {
        let callers: Vec<String> = graph
            .iter()
            .filter(|(caller, callees)| {
                !reaching.contains(*caller) && callees.iter().any(|c| reaching.contains(c))
            })
            .map(|(caller, _)| caller.clone())
            .collect();
        if callers.is_empty() {
            break;
        }
        reaching.extend(callers);
    }
    reaching
}
