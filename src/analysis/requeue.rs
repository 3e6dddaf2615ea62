//! Work that queues itself again. A flush waits only for what was queued
//! before it: an item whose own work function queues it again (aoe's
//! `d->work`: `aoecmd_sleepwork()` → `aoeblk_gdalloc()` →
//! `schedule_work(&d->work)` when an allocation fails) may be pending
//! after the module's last flush. If the exit then releases something
//! (directly, or in one of its helpers) before `destroy_workqueue()`
//! drains the queue, that work can run on what was released. No place of
//! the destroy is safe then; the reviewer is told, unless the module
//! cancels the item somewhere (`cancel_work_sync()` stops a requeue), or
//! every such release is of a variable the work's functions never name.

use super::calls::{call_graph, reachable_from};
use super::elsewhere::wait_calls;
use super::home::home;
use super::sites::{Site, SiteState};
use super::{Flag, FlagKind};
use crate::analysis::exports::item_key;
use crate::analysis::reclaim::only_work_function;
use crate::ctext::{call_args, calls_in, has_word};
use crate::load::Unit;
use std::collections::{BTreeMap, BTreeSet};

/// Of the module's waiting calls, those that stop an item for good,
/// requeues included.
const CANCELS: &[&str] = &[
    "cancel_work_sync",
    "cancel_delayed_work_sync",
    "disable_work_sync",
    "disable_delayed_work_sync",
];

/// The flag for the first converted queueing call that its own item's
/// work function reaches, when the exit releases, after its last flush,
/// something the work uses (or may: what it cannot name) and does not
/// cancel that item. A release before the flush is the code's own order,
/// which the flush ran the work after anyway.
pub fn flag(unit: &Unit, sites: &[Site]) -> Option<Flag> {
    let (exit_file, exit) = home(unit, sites)?.exit?;
    let graph = call_graph(unit);
    let releases = releases_after_flush(unit, graph, sites, exit_file, &exit.name);
    if releases.is_empty() {
        return None;
    }
    sites
        .iter()
        .filter(|s| s.state == SiteState::Convert && !s.is_flush())
        .find_map(|site| {
            let item = site.work_arg(unit)?;
            let key = item_key(item)?;
            let work_fn = only_work_function(unit, &key)?;
            let queuer = site.enclosing(unit)?;
            let work = reachable_from(graph, &work_fn);
            if !work.contains(&queuer.name) || cancelled(unit, &key) {
                return None;
            }
            let (release, uses) = used_release(unit, &releases, &work)?;
            let file = &unit.files[site.file];
            Some(Flag::new(
                file,
                site.range.start,
                FlagKind::Requeued,
                format!(
                    "{} queues itself again: this call in {}() is reached from its work \
                     function {work_fn}(), so it may still be pending after the last flush; \
                     {}() then calls {release} before destroy_workqueue() drains it, and the \
                     work {uses}; cancel it first (cancel_work_sync() stops a requeue) or make \
                     the work stop queueing itself",
                    item.trim_start_matches('&'),
                    queuer.name,
                    exit.name
                ),
            ))
        })
}

/// A release the exit makes: as said ("kfree(p)", "helper(), which calls
/// kfree(p)"), and the variable it releases when its argument is one.
struct Release {
    said: String,
    object: Option<String>,
}

/// The first release the work is shown to use ("uses x (in f())"), else
/// the first whose object localwq cannot name; None when every release
/// is of a variable none of the work's functions mention.
fn used_release(unit: &Unit, releases: &[Release], work: &[String]) -> Option<(String, String)> {
    let user = |object: &str| {
        work.iter().find(|f| {
            body_of(unit, f)
                .is_some_and(|(index, body)| has_word(&unit.files[index].text[body], object))
        })
    };
    releases
        .iter()
        .find_map(|r| {
            let object = r.object.as_deref()?;
            let function = user(object)?;
            Some((r.said.clone(), format!("uses {object} (in {function}())")))
        })
        .or_else(|| {
            releases.iter().find(|r| r.object.is_none()).map(|r| {
                (
                    r.said.clone(),
                    "may use what that releases (localwq cannot tell)".to_string(),
                )
            })
        })
}

/// The releases the exit makes after its last flush (each kernel call
/// that frees, in the exit or a function of the module it reaches), in
/// order; all of them when the exit reaches no flush.
fn releases_after_flush(
    unit: &Unit,
    graph: &BTreeMap<String, BTreeSet<String>>,
    sites: &[Site],
    file: usize,
    exit: &str,
) -> Vec<Release> {
    let text = &unit.files[file].text;
    let Some((_, func)) = unit.files[file].function(exit) else {
        return Vec::new();
    };
    let flushes: Vec<&Site> = sites
        .iter()
        .filter(|s| s.state == SiteState::Convert && s.is_flush())
        .collect();
    let flushing: BTreeSet<String> = flushes
        .iter()
        .filter_map(|s| s.enclosing(unit).map(|f| f.name.clone()))
        .collect();
    let body = func.body.clone();
    let calls: Vec<(usize, &str)> = calls_in(&text[body.clone()])
        .map(|(at, name)| (body.start + at, name))
        .collect();
    // The last call that is, or reaches, a converted flush.
    let last_flush = calls
        .iter()
        .rev()
        .find(|(at, name)| {
            flushes
                .iter()
                .any(|s| s.file == file && s.range.start == *at)
                || (graph.contains_key(*name)
                    && reachable_from(graph, name)
                        .iter()
                        .any(|f| flushing.contains(f)))
        })
        .map(|(at, _)| *at);
    let mut releases = Vec::new();
    for &(at, name) in calls.iter().filter(|(at, _)| Some(*at) > last_flush) {
        if super::teardown::is_release(name) {
            releases.push(release(text, at, name, name.to_string()));
            continue;
        }
        if !graph.contains_key(name) {
            continue;
        }
        for helper in reachable_from(graph, name) {
            let Some((index, body)) = body_of(unit, &helper) else {
                continue;
            };
            let helper_text = &unit.files[index].text;
            for (rel, callee) in calls_in(&helper_text[body.clone()]) {
                if !super::teardown::is_release(callee) {
                    continue;
                }
                let lead = match helper == name {
                    true => format!("{name}(), which calls {callee}"),
                    false => format!("{name}(), which reaches {callee}"),
                };
                let mut found = release(helper_text, body.start + rel, callee, lead);
                if helper != name {
                    found.said.push_str(&format!(" in {helper}()"));
                }
                releases.push(found);
            }
        }
    }
    releases
}

/// The release call `name` at `at`: `lead` and its argument as said, and
/// the variable it releases when the argument is one (`&x` or `x`).
fn release(text: &[u8], at: usize, name: &str, lead: String) -> Release {
    let arg = call_args(text, at + name.len())
        .and_then(|args| args.first().cloned())
        .map(|range| String::from_utf8_lossy(&text[range]).trim().to_string())
        .unwrap_or_default();
    let plain = arg.trim_start_matches('&');
    let object = (!plain.is_empty()
        && !plain.starts_with(|c: char| c.is_ascii_digit())
        && plain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    .then(|| plain.to_string());
    Release {
        said: format!("{lead}({arg})"),
        object,
    }
}

/// Whether the module cancels the item `key` names anywhere: its author
/// then ends its requeues where its object goes (nvmet's keep-alive work,
/// cancelled when its controller is freed, before the module can go).
fn cancelled(unit: &Unit, key: &str) -> bool {
    wait_calls(unit)
        .iter()
        .filter(|(_, _, call)| CANCELS.contains(call))
        .any(|&(index, offset, call)| {
            let text = &unit.files[index].text;
            call_args(text, offset + call.len())
                .and_then(|args| args.first().cloned())
                .is_some_and(|arg| {
                    item_key(&String::from_utf8_lossy(&text[arg])).as_deref() == Some(key)
                })
        })
}

/// The file index and body range of the module's function `name`.
fn body_of(unit: &Unit, name: &str) -> Option<(usize, std::ops::Range<usize>)> {
    unit.files
        .iter()
        .enumerate()
        .find_map(|(index, file)| file.function(name).map(|(_, f)| (index, f.body.clone())))
}
