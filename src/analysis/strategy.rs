//! Step 0 before Steps 1–5: whether a new workqueue is needed at all.
//! Each strategy comes with its evidence, and "does not apply" is an answer
//! with a reason like any other.

use super::elements::Each;
use super::exports::Provider;

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
    /// For each call, the array over whose elements it loops, if any
    /// (`elements::Each`): the code wraps it in a loop.
    pub each: Vec<Option<Each>>,
    /// Some call flushes a delayed item's work (`&x.work`), leaving a
    /// pending timer as the flush did: the commit message says so.
    pub timers: bool,
}

impl FlushReplacement {
    /// The statements that replace the flush, as code.
    pub fn code(&self) -> Vec<String> {
        self.spelt(Each::wrap)
    }

    /// The same, as a reviewer reads them on one line.
    pub fn described(&self) -> Vec<String> {
        self.spelt(Each::describe)
    }

    fn spelt(&self, with_each: fn(&Each, &str) -> String) -> Vec<String> {
        self.calls
            .iter()
            .zip(&self.each)
            .map(|(call, each)| {
                each.as_ref()
                    .map_or_else(|| call.clone(), |e| with_each(e, call))
            })
            .collect()
    }
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

    /// Every flush_*() call of a flush-work strategy, each once, on one
    /// line (a loop over an array's elements with its call).
    pub fn flush_calls(&self) -> Vec<String> {
        let mut calls: Vec<String> = Vec::new();
        if let Strategy::FlushWork(replacements) = self {
            for call in replacements.iter().flat_map(|r| r.described()) {
                if !calls.contains(&call) {
                    calls.push(call);
                }
            }
        }
        calls
    }
}
