//! Whether the new workqueue needs WQ_MEM_RECLAIM, decided from evidence,
//! never asked in a commit message. The evidence read here: a queueing
//! call or a flush reached (through direct calls of the module's own
//! functions) from a `blk_mq_ops` `.queue_rq` or `.complete` handler.
//! That is block I/O, which memory reclaim waits for (writeback): work it
//! needs must be able to run under memory pressure, which only a rescuer
//! thread guarantees. Or a flush reached from the work of one of the
//! module's own WQ_MEM_RECLAIM workqueues (`flushed`). Without evidence
//! the flags stay the system workqueue's, and nothing is said.

mod dependency;
mod flushed;

pub use dependency::flush_dependencies;
pub(crate) use flushed::only_function as only_work_function;

/// Whether the module already allocates a workqueue of its own (outside
/// comments and strings).
pub fn allocates_workqueue(unit: &Unit) -> bool {
    unit.files.iter().any(|file| {
        flushed::allocations(&file.text)
            .iter()
            .any(|a| !file.in_inert(a.offset))
    })
}

use super::calls::{call_graph, converted_sites, reached};
use super::sites::{Site, SiteState};
use crate::load::Unit;
use std::collections::{BTreeMap, BTreeSet};

/// The `blk_mq_ops` members whose handlers run on the block I/O path.
const IO_HANDLERS: &[&str] = &["queue_rq", "complete"];

/// Why the workqueue gets WQ_MEM_RECLAIM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reclaim {
    /// For the commit message: what memory reclaim waits for.
    pub because: &'static str,
    /// The sites, for below the `---`.
    pub evidence: String,
}

/// The evidence, when there is some.
pub fn evidence(unit: &Unit, sites: &[Site]) -> Option<Reclaim> {
    let calls = call_graph(unit);
    let converted = converted_sites(unit, sites);
    block_io(unit, calls, &converted)
        .or_else(|| reclaim_flushes(unit, calls, &converted))
        .or_else(|| same_work(unit, sites))
}

/// A converted site on the block I/O path.
fn block_io(
    unit: &Unit,
    calls: &BTreeMap<String, BTreeSet<String>>,
    converted: &BTreeMap<String, &Site>,
) -> Option<Reclaim> {
    for (ops, member, handler) in io_handlers(unit) {
        let Some((function, site)) = reached(calls, converted, &handler, |_| true) else {
            continue;
        };
        let file = &unit.files[site.file];
        let verb = if site.is_flush() { "flushes" } else { "queues" };
        let reaches = match function == handler {
            true => String::new(),
            false => format!("reaches {function}(), which "),
        };
        let evidence = format!(
            "WQ_MEM_RECLAIM: {handler}(), the .{member} of the blk_mq_ops {ops}, \
             {reaches}{verb} at {}:{} ({}): the work is on the block I/O path, which \
             memory reclaim waits for, so the workqueue needs a rescuer.",
            file.path.display(),
            site.line,
            site.shown()
        );
        return Some(Reclaim {
            because: "the work is queued on the block I/O path, which memory reclaim can \
                      wait for",
            evidence,
        });
    }
    None
}

/// Whether the work of the workqueue `wq` (as an exit names it) reaches a
/// converted site: draining it can still queue on, or flush, the new one.
pub fn work_reaches(unit: &Unit, sites: &[Site], wq: &str) -> bool {
    // Most workqueues an exit names run no work the module binds: the
    // call graph, a pass over every function body, is then not needed.
    let work = flushed::work_on(unit, wq);
    if work.is_empty() {
        return false;
    }
    let calls = call_graph(unit);
    let converted = converted_sites(unit, sites);
    work.iter()
        .any(|work| reached(calls, &converted, &work.function, |_| true).is_some())
}

/// A converted flush reached from the work function of an item the
/// module queues on one of its WQ_MEM_RECLAIM workqueues.
fn reclaim_flushes(
    unit: &Unit,
    calls: &BTreeMap<String, BTreeSet<String>>,
    converted: &BTreeMap<String, &Site>,
) -> Option<Reclaim> {
    for work in flushed::reclaim_work(unit, false) {
        let Some((function, site)) = reached(calls, converted, &work.function, Site::is_flush)
        else {
            continue;
        };
        let file = &unit.files[site.file];
        let reaches = match function == work.function {
            true => String::new(),
            false => format!("reaches {function}(), which "),
        };
        let evidence = format!(
            "WQ_MEM_RECLAIM: {}(), the work function of {} that {} queues on {} (a \
             WQ_MEM_RECLAIM workqueue), {reaches}flushes at {}:{} ({}): work that memory \
             reclaim may need waits for this workqueue, so it needs a rescuer too.",
            work.function,
            work.item,
            work.queued,
            work.wq,
            file.path.display(),
            site.line,
            site.shown()
        );
        return Some(Reclaim {
            because: "work on the module's own WQ_MEM_RECLAIM workqueue flushes it, so \
                      memory reclaim can wait for it",
            evidence,
        });
    }
    None
}

/// A converted queueing call whose work function the module also runs on
/// a workqueue it gave WQ_MEM_RECLAIM itself: the same work, which its
/// author judged memory reclaim may need.
fn same_work(unit: &Unit, sites: &[Site]) -> Option<Reclaim> {
    let chosen = flushed::reclaim_work(unit, true);
    if chosen.is_empty() {
        return None;
    }
    for site in sites
        .iter()
        .filter(|s| s.state == SiteState::Convert && !s.is_flush())
    {
        let Some(key) = site
            .work_arg(unit)
            .and_then(crate::analysis::exports::item_key)
        else {
            continue;
        };
        let Some(function) = flushed::only_function(unit, &key) else {
            continue;
        };
        // Both items name their one work function: no other item of the
        // same field name blurs which work it is.
        let same = |w: &&flushed::QueuedWork| {
            w.function == function
                && flushed::only_function(unit, &w.item).as_deref() == Some(function.as_str())
        };
        let Some(work) = chosen.iter().find(same) else {
            continue;
        };
        let evidence = format!(
            "WQ_MEM_RECLAIM: {}:{} ({}) queues work that runs {function}(), which {} also \
             queues on {}, a workqueue the module gave WQ_MEM_RECLAIM: the same work, so \
             the new workqueue needs a rescuer too.",
            unit.files[site.file].path.display(),
            site.line,
            site.shown(),
            work.queued,
            work.wq
        );
        return Some(Reclaim {
            because: "the module runs the same work on a workqueue it gave WQ_MEM_RECLAIM",
            evidence,
        });
    }
    None
}

/// (ops variable, member, handler) of every `struct blk_mq_ops` the
/// module initialises, read from the text of its initialiser.
fn io_handlers(unit: &Unit) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for file in &unit.files {
        let text = String::from_utf8_lossy(&file.text);
        for (at, _) in text.match_indices("struct blk_mq_ops ") {
            let rest = &text[at + "struct blk_mq_ops ".len()..];
            let Some(name) = rest.split(|c: char| !is_ident(c)).next() else {
                continue;
            };
            let after = rest[name.len()..].trim_start();
            let Some(body) = after.strip_prefix('=').map(str::trim_start) else {
                continue;
            };
            let Some(body) = body.strip_prefix('{') else {
                continue;
            };
            let body = &body[..body.find("};").unwrap_or(body.len())];
            for field in body.split(',') {
                let Some((member, value)) = field.trim().trim_start_matches('.').split_once('=')
                else {
                    continue;
                };
                let (member, value) = (member.trim(), value.trim());
                if IO_HANDLERS.contains(&member) && value.chars().all(is_ident) {
                    found.push((name.to_string(), member.to_string(), value.to_string()));
                }
            }
        }
    }
    found
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}
