//! Step 0 before Steps 1–5: whether a new workqueue is needed at all.
//! Each strategy comes with its evidence, and "does not apply" is an answer
//! with a reason like any other.

use super::exports::Provider;
use super::items::{name_at, queued_item, waited_before, QueuedItem};
use super::sites::{Site, SiteState};
use crate::load::Unit;
use crate::wq::ApiKind;

/// What the user asked for with `--strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Choice {
    #[default]
    Auto,
    LocalWq,
    FlushWork,
    RemoveFlush,
}

/// What one flush becomes under flush-work: the calls that wait for the
/// items it still waits for; none, and the flush is deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlushReplacement {
    pub file: usize,
    /// Offset of the flush call.
    pub at: usize,
    pub calls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    /// Steps 1–5, and why nothing smaller does.
    LocalWq { why: String },
    /// Each flush waits for the module's own items by name instead.
    FlushWork(Vec<FlushReplacement>),
    /// The flush waits for nothing of the module's: it queues nothing on
    /// that workqueue (`waited` empty), or everything it queues is already
    /// cancelled or flushed before the flush (`waited` names those calls).
    /// `unclaimed`: functions the module calls that queue there items it
    /// does not hand in (under review: the flush may wait for those).
    /// `managed`: work other code queues there and cancels itself, each
    /// said with who cancels it.
    RemoveFlush {
        waited: Vec<String>,
        unclaimed: Vec<String>,
        managed: Vec<String>,
    },
    /// The work is queued by another module's exported functions.
    Provider(Vec<Provider>),
    /// A workqueue one module allocates and others use, in one patch:
    /// the provider's with a flush helper its callers call, or a core
    /// module's, exported to the modules that call into it.
    Shared(Box<SharedWq>),
}

/// A workqueue shared across modules, as a strategy: the owner's
/// conversion carries the `LocalWq`, each member's names the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedWq {
    pub kind: SharedKind,
    /// The module that allocates the workqueue.
    pub owner: String,
    pub wq: String,
    /// The first flush the patch replaces, as a subject names it.
    pub flush: String,
    /// What moves onto the workqueue in the owner.
    pub owner_sites: SiteCounts,
    /// The other modules the patch changes, and what moves in each.
    pub members: Vec<(String, SiteCounts)>,
}

/// Queueing and flushing calls a conversion rewrites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SiteCounts {
    pub queue: usize,
    pub flush: usize,
}

impl SiteCounts {
    pub fn of(sites: &[super::Site]) -> Self {
        let flush = sites.iter().filter(|s| s.is_flush()).count();
        SiteCounts {
            queue: sites.len() - flush,
            flush,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharedKind {
    /// workqueue-in-provider: the owner queues the work its callers hand
    /// in through `provider()`; they flush it through `helper()`, which
    /// the owner defines after `provider()`, exports with the same macro
    /// (`export`) and declares in `header` beside it.
    Provider {
        helper: String,
        header: String,
        provider: String,
        export: String,
        /// The init and exit written for an owner that has none.
        new_entry: Option<(String, String)>,
    },
    /// One workqueue for a core module and the modules that call into it
    /// and queue on the same system workqueue; declared in `header`.
    Family { header: String },
}

impl SharedWq {
    /// The members' names, "a, b".
    pub fn member_names(&self) -> String {
        let names: Vec<&str> = self.members.iter().map(|(n, _)| n.as_str()).collect();
        names.join(", ")
    }

    /// Everything the patch moves, owner and members.
    pub fn total(&self) -> SiteCounts {
        self.members
            .iter()
            .fold(self.owner_sites, |sum, (_, c)| SiteCounts {
                queue: sum.queue + c.queue,
                flush: sum.flush + c.flush,
            })
    }

    /// The header that declares what the members use.
    pub fn header(&self) -> &str {
        match &self.kind {
            SharedKind::Provider { header, .. } | SharedKind::Family { header } => header,
        }
    }
}

impl Strategy {
    pub fn slug(&self) -> &'static str {
        match self {
            Strategy::LocalWq { .. } => "local-wq",
            Strategy::FlushWork(_) => "flush-work",
            Strategy::RemoveFlush { .. } => "remove-flush",
            Strategy::Provider(_) => "workqueue-in-provider",
            Strategy::Shared(shared) => match shared.kind {
                SharedKind::Provider { .. } => "workqueue-in-provider",
                SharedKind::Family { .. } => "family-wq",
            },
        }
    }

    pub fn is_local_wq(&self) -> bool {
        matches!(self, Strategy::LocalWq { .. })
    }

    /// Every flush_*() call of a flush-work strategy, each once.
    pub fn flush_calls(&self) -> Vec<String> {
        let mut calls: Vec<String> = Vec::new();
        if let Strategy::FlushWork(replacements) = self {
            for call in replacements.iter().flat_map(|r| &r.calls) {
                if !calls.contains(call) {
                    calls.push(call.clone());
                }
            }
        }
        calls
    }
}

/// Per flush, the calls that wait for what it waits for of the module's
/// own, or why the flush cannot name every item. Items already cancelled
/// or flushed in the flush's block before it need nothing.
pub fn replacements(unit: &Unit, sites: &[Site]) -> Result<Vec<FlushReplacement>, String> {
    let mut items: Vec<QueuedItem> = Vec::new();
    for site in sites.iter().filter(|s| s.api.kind == ApiKind::Queue) {
        let item = queued_item(unit, site)?;
        if !items.contains(&item) {
            items.push(item);
        }
    }
    if items.is_empty() {
        return Err("the module queues nothing to flush".into());
    }
    let mut out = Vec::new();
    for flush in sites.iter().filter(|s| s.is_flush()) {
        let mut calls = Vec::new();
        for item in &items {
            let expr = name_at(unit, flush, item).map_err(|why| {
                format!(
                    "{}:{}: the flush cannot name {}: {why}",
                    unit.files[flush.file].path.display(),
                    flush.line,
                    item.describe()
                )
            })?;
            let call = format!("{}(&{expr})", item.kind.flush_fn());
            if !waited_before(unit, flush, &expr, item.kind) && !calls.contains(&call) {
                calls.push(call);
            }
        }
        out.push(FlushReplacement {
            file: flush.file,
            at: flush.range.start,
            calls,
        });
    }
    Ok(out)
}

/// The strategy Step 0 recommends, with its evidence. `unread` says why
/// localwq cannot see all of the module's queueing, if it cannot: then
/// nothing smaller than a workqueue of its own is safe.
pub fn recommend(
    unit: &Unit,
    sites: &[Site],
    providers: &[Provider],
    managed: &[String],
    unread: Option<&str>,
) -> Strategy {
    if let Some(why) = unread {
        return Strategy::LocalWq {
            why: format!("localwq could not read all of the module's queueing: {why}"),
        };
    }
    let queues = sites.iter().any(|s| s.api.kind == ApiKind::Queue);
    // Only work the caller hands in is protected by the caller's flush; a
    // provider's item of unclear origin is left to the review flag.
    let handed_in: Vec<Provider> = providers
        .iter()
        .filter(|p| p.from_caller)
        .cloned()
        .collect();
    if !queues && !handed_in.is_empty() {
        return Strategy::Provider(handed_in);
    }
    if !queues {
        return Strategy::RemoveFlush {
            waited: Vec::new(),
            unclaimed: providers
                .iter()
                .map(|p| format!("{}()", p.function))
                .collect(),
            managed: managed.to_vec(),
        };
    }
    // Other code's work the flush also waits for (a work-from-provider
    // flag) is no reason for a workqueue of the module's own: that would
    // stop waiting for it just as a smaller fix does. The flag stays.
    let left = sites
        .iter()
        .find(|s| s.api.kind == ApiKind::Queue && s.state != SiteState::Convert);
    if let Some(site) = left {
        return Strategy::LocalWq {
            why: format!(
                "{}:{}: a queueing call localwq leaves as it is",
                unit.files[site.file].path.display(),
                site.line
            ),
        };
    }
    match replacements(unit, sites) {
        Ok(found) if found.iter().all(|r| r.calls.is_empty()) => Strategy::RemoveFlush {
            waited: waited_items(unit, sites),
            unclaimed: Vec::new(),
            managed: managed.to_vec(),
        },
        Ok(found) => Strategy::FlushWork(found),
        Err(why) => Strategy::LocalWq { why },
    }
}

/// The items the flushes find already waited for, as `item` text.
fn waited_items(unit: &Unit, sites: &[Site]) -> Vec<String> {
    let mut names = Vec::new();
    for site in sites.iter().filter(|s| s.api.kind == ApiKind::Queue) {
        if let Some(arg) = site.work_arg(unit) {
            if !names.iter().any(|n: &String| n == arg) {
                names.push(arg.to_string());
            }
        }
    }
    names
}
