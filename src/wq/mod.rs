//! What localwq knows of the kernel's workqueue API: the system workqueues,
//! the flags a local replacement gets, and where each call names its
//! workqueue (KERNEL-FACTS.md, "Queueing and flushing calls"). Which
//! system workqueues exist, and their flags, are the tree's (`facts`).

use std::collections::BTreeSet;

pub mod across;
pub mod facts;

pub use facts::WqFacts;

/// A kernel-global workqueue of one tree, as its `WqFacts` describe it:
/// its name, the flags a local workqueue standing for it gets (None when
/// the tree did not say and no fallback knows) and the max_active it was
/// created with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SystemWq {
    name: &'static str,
    flags: Option<&'static str>,
    max_active: &'static str,
}

impl SystemWq {
    pub fn ident(self) -> &'static str {
        self.name
    }

    /// The `alloc_workqueue()` flags of a local workqueue that behaves like
    /// this one; max_active stays 0 (default).
    pub fn flags(self) -> Option<&'static str> {
        self.flags
    }

    /// The max_active it was allocated with, as the tree spells it
    /// (5.10's system_unbound_wq: `WQ_UNBOUND_MAX_ACTIVE`, 6.12's:
    /// `WQ_MAX_ACTIVE`; the others' `0`, the default).
    pub fn max_active(self) -> &'static str {
        self.max_active
    }
}

/// `flags` with WQ_MEM_RECLAIM added.
pub fn with_reclaim(flags: &str) -> &'static str {
    match flags {
        "0" | "" => "WQ_MEM_RECLAIM",
        _ if flags.contains("WQ_MEM_RECLAIM") => intern(flags),
        _ => intern(&format!("{flags} | WQ_MEM_RECLAIM")),
    }
}

/// Saved by name (an index cache): the flags are the facts' of the run
/// that reads it back (`TreeIndex::resolved`).
impl serde::Serialize for SystemWq {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name)
    }
}

impl<'de> serde::Deserialize<'de> for SystemWq {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(SystemWq {
            name: intern(&name),
            flags: None,
            max_active: "0",
        })
    }
}

/// The queue every implied call (`schedule_work()`,
/// `flush_scheduled_work()`) acted on until 6.18 (6.12.111) moved them to
/// `system_percpu_wq`: what such a call meant when the code was written.
pub const IMPLIED_BEFORE_SPLIT: &str = "system_wq";

/// The few names and flag sets a tree's facts hold, made `'static` once
/// each so that `SystemWq` stays `Copy`: a run reads at most a handful of
/// trees, each with a dozen names.
fn intern(text: &str) -> &'static str {
    static SEEN: std::sync::Mutex<BTreeSet<&'static str>> = std::sync::Mutex::new(BTreeSet::new());
    let mut seen = SEEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(known) = seen.get(text) {
        return known;
    }
    let made: &'static str = Box::leak(text.to_string().into_boxed_str());
    seen.insert(made);
    made
}

/// Whether `word` may name a system workqueue of some tree: what the parse
/// keeps from `#define` bodies before any tree's facts are at hand.
pub fn may_be_system_wq(word: &str) -> bool {
    word.starts_with("system_") && word.ends_with("wq")
}

/// Where a call names the workqueue it acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WqArg {
    /// The call implies `system_wq`; the local form is `renamed` with the
    /// workqueue inserted as argument `insert_at`.
    Implied {
        renamed: &'static str,
        insert_at: usize,
    },
    /// Argument `index` names the workqueue; `renamed` is the call to use on
    /// a local workqueue.
    Explicit { index: usize, renamed: &'static str },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    Queue,
    Flush,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WqApi {
    pub name: &'static str,
    pub kind: ApiKind,
    pub wq_arg: WqArg,
}

const fn implied(name: &'static str, kind: ApiKind, renamed: &'static str, at: usize) -> WqApi {
    WqApi {
        name,
        kind,
        wq_arg: WqArg::Implied {
            renamed,
            insert_at: at,
        },
    }
}

const fn explicit(name: &'static str, kind: ApiKind, index: usize, renamed: &'static str) -> WqApi {
    WqApi {
        name,
        kind,
        wq_arg: WqArg::Explicit { index, renamed },
    }
}

use ApiKind::{Flush, Queue};

pub const APIS: &[WqApi] = &[
    implied("schedule_work", Queue, "queue_work", 0),
    implied("schedule_work_on", Queue, "queue_work_on", 1),
    implied("schedule_delayed_work", Queue, "queue_delayed_work", 0),
    implied(
        "schedule_delayed_work_on",
        Queue,
        "queue_delayed_work_on",
        1,
    ),
    explicit("queue_work", Queue, 0, "queue_work"),
    explicit("queue_work_on", Queue, 1, "queue_work_on"),
    explicit("queue_work_node", Queue, 1, "queue_work_node"),
    explicit("queue_delayed_work", Queue, 0, "queue_delayed_work"),
    explicit("queue_delayed_work_on", Queue, 1, "queue_delayed_work_on"),
    explicit("mod_delayed_work", Queue, 0, "mod_delayed_work"),
    explicit("mod_delayed_work_on", Queue, 1, "mod_delayed_work_on"),
    explicit("queue_rcu_work", Queue, 0, "queue_rcu_work"),
    // 6.9 and later.
    explicit("enable_and_queue_work", Queue, 0, "enable_and_queue_work"),
    implied("flush_scheduled_work", Flush, "flush_workqueue", 0),
    explicit("flush_workqueue", Flush, 0, "flush_workqueue"),
    explicit("__flush_workqueue", Flush, 0, "flush_workqueue"),
];

/// The flush macros that warn on a system workqueue since 5.19: what code
/// that silences the warning redefines (`#define flush_workqueue(wq)
/// __flush_workqueue(wq)`). `__flush_workqueue()` is the unchecked
/// function behind both.
pub const CHECKED_FLUSHES: &[&str] = &["flush_workqueue", "flush_scheduled_work"];

/// The function the checked flush macros call, which some code calls
/// directly to get past the check.
pub const UNCHECKED_FLUSH: &str = "__flush_workqueue";

pub fn api(name: &str) -> Option<&'static WqApi> {
    APIS.iter().find(|api| api.name == name)
}

/// Whether `word`, found in a `#define` body (which the grammar does not
/// parse), is worth keeping: an API or what may be a system workqueue.
pub fn is_macro_word(word: &str) -> bool {
    api(word).is_some() || may_be_system_wq(word)
}

/// What makes a file, or a block of one, worth a parse tree: a call of an
/// API that implies a system workqueue, a system workqueue's name, or a
/// `module_*_driver()` line, which the rewrite expands. `queue_work(priv->wq,
/// …)` alone is none.
pub fn parse_words() -> Vec<&'static str> {
    let mut words: Vec<&'static str> = APIS
        .iter()
        .filter(|a| matches!(a.wq_arg, WqArg::Implied { .. }))
        .map(|a| a.name)
        .collect();
    // Every system workqueue of every kernel so far is `system_…wq`.
    words.push("system_");
    words.push("_driver(");
    words
}

/// What a flush of a system workqueue looks like in text.
pub const FLUSH_NEEDLES: &[&str] = &[
    "flush_scheduled_work",
    "flush_workqueue(system_",
    "__flush_workqueue(system_",
];

/// What queueing on, or flushing, a system workqueue looks like in text
/// (`scan --all`).
pub const USE_NEEDLES: &[&str] = &[
    "schedule_work",
    "schedule_delayed_work",
    "(system_",
    ", system_",
    "flush_scheduled_work",
];

/// What any queueing on a system workqueue must contain: an API that
/// implies one, or a system workqueue's name.
pub const QUEUE_NEEDLES: &[&str] = &["schedule_work", "schedule_delayed_work", "system_"];

/// A line only the workqueue implementation has: the file that queues for
/// every caller and so is nobody's provider.
pub(crate) const WORKQUEUE_IMPLEMENTATION: &str = "system_wq = alloc_workqueue";

/// Whether `text` is the workqueue implementation (kernel/workqueue.c),
/// which creates and flushes the system workqueues for everyone: never a
/// module to convert nor a provider.
pub fn is_implementation(text: &[u8]) -> bool {
    memchr::memmem::find(text, WORKQUEUE_IMPLEMENTATION.as_bytes()).is_some()
}

/// Words one of which every needle above holds, and the implementation's
/// line too: a text with none of them matches no needle. Most of a tree
/// mentions no workqueue, and one pass over a file for these spared the
/// whole-tree walk a pass for each needle it and the export index look
/// for (six per file for `scan`, nine for `scan --all`).
pub const MENTIONS: &[&str] = &["schedule", "system_"];

/// Whether `text` holds a word of `MENTIONS`.
pub fn mentions(text: &[u8]) -> bool {
    static FINDERS: std::sync::OnceLock<crate::ctext::Needles> = std::sync::OnceLock::new();
    FINDERS
        .get_or_init(|| crate::ctext::Needles::new(MENTIONS))
        .is_match(text)
}

/// Whether each of `needles` holds a word of `MENTIONS`: then a text
/// that `mentions` none matches none of them.
pub fn all_mention(needles: &[&str]) -> bool {
    needles
        .iter()
        .all(|n| MENTIONS.iter().any(|m| n.contains(m)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_names_are_shared() {
        let a = intern("system_wq");
        let b = intern(&String::from("system_wq"));
        assert!(std::ptr::eq(a, b));
    }

    #[test]
    fn every_needle_mentions_a_workqueue() {
        for needles in [FLUSH_NEEDLES, USE_NEEDLES, QUEUE_NEEDLES] {
            assert!(all_mention(needles), "{needles:?}");
        }
        assert!(all_mention(&[WORKQUEUE_IMPLEMENTATION]));
        assert!(!all_mention(&["flush_workqueue("]));
    }

    #[test]
    fn every_flush_of_a_system_workqueue_meets_a_flush_needle() {
        for api in APIS.iter().filter(|a| a.kind == Flush) {
            let call = match api.wq_arg {
                WqArg::Implied { .. } => format!("{}();", api.name),
                WqArg::Explicit { .. } => format!("{}(system_long_wq);", api.name),
            };
            assert!(FLUSH_NEEDLES.iter().any(|n| call.contains(n)), "{call}");
        }
    }

    /// A local workqueue needs no way around the check: the unchecked
    /// flush is rewritten as the checked macro.
    #[test]
    fn the_unchecked_flush_becomes_the_checked_macro() {
        let unchecked = api(UNCHECKED_FLUSH).expect("in the table");
        let renamed = WqArg::Explicit {
            index: 0,
            renamed: "flush_workqueue",
        };
        assert_eq!((unchecked.kind, unchecked.wq_arg), (Flush, renamed));
        for name in CHECKED_FLUSHES {
            assert_eq!(api(name).map(|a| a.kind), Some(Flush), "{name}");
        }
    }

    #[test]
    fn implied_apis_become_their_explicit_twins() {
        for api in APIS {
            if let WqArg::Implied { renamed, .. } = api.wq_arg {
                let twin = super::api(renamed).expect(renamed);
                assert!(matches!(twin.wq_arg, WqArg::Explicit { .. }));
            }
        }
    }
}
