//! Work that queues itself again. A flush waits only for what was queued
//! before it: an item whose own work function queues it again (aoe's
//! `d->work`: `aoecmd_sleepwork()` → `aoeblk_gdalloc()` →
//! `schedule_work(&d->work)` when an allocation fails) may be pending
//! after the module's last flush. If the exit then releases something
//! (directly, or in one of its helpers) before `destroy_workqueue()`
//! drains the queue, that work can run on what was released. No place of
//! the destroy is safe then; the reviewer is told, unless the module
//! cancels the item somewhere (`cancel_work_sync()` stops a requeue).

use super::calls::{call_graph, reachable_from};
use super::elsewhere::wait_calls;
use super::home::home;
use super::sites::{Site, SiteState};
use super::{Flag, FlagKind};
use crate::analysis::exports::item_key;
use crate::analysis::reclaim::only_work_function;
use crate::ctext::{call_args, calls_in};
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
/// work function reaches, when the exit releases something before the
/// destroy and does not cancel that item.
pub fn flag(unit: &Unit, sites: &[Site]) -> Option<Flag> {
    let (exit_file, exit) = home(unit, sites)?.exit?;
    let graph = call_graph(unit);
    let release = first_release(unit, graph, exit_file, &exit.name)?;
    sites
        .iter()
        .filter(|s| s.state == SiteState::Convert && !s.is_flush())
        .find_map(|site| {
            let item = site.work_arg(unit)?;
            let key = item_key(item)?;
            let work_fn = only_work_function(unit, &key)?;
            let queuer = site.enclosing(unit)?;
            if !reachable_from(graph, &work_fn).contains(&queuer.name) || cancelled(unit, &key) {
                return None;
            }
            let file = &unit.files[site.file];
            Some(Flag::new(
                file,
                site.range.start,
                FlagKind::Requeued,
                format!(
                    "{} queues itself again: this call in {}() is reached from its work \
                     function {work_fn}(), so it may still be pending after the last flush; \
                     {}() calls {release} before destroy_workqueue() drains it, and the work \
                     may use what that releases; cancel it first (cancel_work_sync() stops a \
                     requeue) or make the work stop queueing itself",
                    item.trim_start_matches('&'),
                    queuer.name,
                    exit.name
                ),
            ))
        })
}

/// The first release the exit makes, as "kfree()" or "helper(), which
/// calls kfree()": a kernel call that frees, in the exit or in a
/// function of the module it reaches (nearest first).
fn first_release(
    unit: &Unit,
    graph: &BTreeMap<String, BTreeSet<String>>,
    file: usize,
    exit: &str,
) -> Option<String> {
    let text = &unit.files[file].text;
    let (_, func) = unit.files[file].function(exit)?;
    calls_in(&text[func.body.clone()]).find_map(|(_, name)| {
        if super::teardown::is_release(name) {
            return Some(format!("{name}()"));
        }
        if !graph.contains_key(name) {
            return None;
        }
        reachable_from(graph, name).iter().find_map(|helper| {
            let (index, body) = body_of(unit, helper)?;
            calls_in(&unit.files[index].text[body])
                .find(|(_, callee)| super::teardown::is_release(callee))
                .map(|(_, callee)| match helper == name {
                    true => format!("{name}(), which calls {callee}()"),
                    false => format!("{name}(), which reaches {callee}() in {helper}()"),
                })
        })
    })
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
