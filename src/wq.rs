//! What localwq knows of the kernel's workqueue API: the system workqueues,
//! the flags a local replacement gets, and where each call names its
//! workqueue (KERNEL-FACTS.md, "Queueing and flushing calls").

/// A kernel-global workqueue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SystemWq {
    Wq,
    Highpri,
    Long,
    Unbound,
    Freezable,
    PowerEfficient,
    FreezablePowerEfficient,
}

impl SystemWq {
    pub const ALL: [SystemWq; 7] = [
        SystemWq::Wq,
        SystemWq::Highpri,
        SystemWq::Long,
        SystemWq::Unbound,
        SystemWq::Freezable,
        SystemWq::PowerEfficient,
        SystemWq::FreezablePowerEfficient,
    ];

    pub fn ident(self) -> &'static str {
        match self {
            SystemWq::Wq => "system_wq",
            SystemWq::Highpri => "system_highpri_wq",
            SystemWq::Long => "system_long_wq",
            SystemWq::Unbound => "system_unbound_wq",
            SystemWq::Freezable => "system_freezable_wq",
            SystemWq::PowerEfficient => "system_power_efficient_wq",
            SystemWq::FreezablePowerEfficient => "system_freezable_power_efficient_wq",
        }
    }

    pub fn from_ident(text: &str) -> Option<SystemWq> {
        Self::ALL.into_iter().find(|wq| wq.ident() == text)
    }

    /// The `alloc_workqueue()` flags of a local workqueue that behaves like
    /// this one (`workqueue_init_early()`); max_active stays 0 (default).
    pub fn flags(self) -> &'static str {
        match self {
            SystemWq::Wq | SystemWq::Long => "0",
            SystemWq::Highpri => "WQ_HIGHPRI",
            SystemWq::Unbound => "WQ_UNBOUND",
            SystemWq::Freezable => "WQ_FREEZABLE",
            SystemWq::PowerEfficient => "WQ_POWER_EFFICIENT",
            SystemWq::FreezablePowerEfficient => "WQ_FREEZABLE | WQ_POWER_EFFICIENT",
        }
    }
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
    implied("flush_scheduled_work", Flush, "flush_workqueue", 0),
    explicit("flush_workqueue", Flush, 0, "flush_workqueue"),
    explicit("__flush_workqueue", Flush, 0, "flush_workqueue"),
];

pub fn api(name: &str) -> Option<&'static WqApi> {
    APIS.iter().find(|api| api.name == name)
}

/// Workqueue identifiers looked for in `#define` bodies, which the
/// grammar does not parse.
pub fn prefilter_words() -> Vec<&'static str> {
    let mut words: Vec<&'static str> = APIS.iter().map(|a| a.name).collect();
    words.extend(SystemWq::ALL.iter().map(|wq| wq.ident()));
    words
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
    words.extend(SystemWq::ALL.iter().map(|wq| wq.ident()));
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
pub const WORKQUEUE_IMPLEMENTATION: &str = "system_wq = alloc_workqueue";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_system_wq_round_trips_through_its_identifier() {
        for wq in SystemWq::ALL {
            assert_eq!(SystemWq::from_ident(wq.ident()), Some(wq));
        }
        assert_eq!(SystemWq::from_ident("my_wq"), None);
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
