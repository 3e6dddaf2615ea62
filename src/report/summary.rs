//! A summary of each outcome, computed once: the strategy line, Step 0's
//! advice, the workqueue, the init/exit names and the site counts. The
//! report's header, its JSON and the commit message templates all read
//! this, so none of them re-derives the analysis.

use crate::analysis::{LocalWq, SharedKind, SharedWq, Site, SiteState, Strategy};
use crate::entry::{Entry, Invocation};
use crate::load::Unit;
use crate::outcome::Outcome;

pub struct Summary {
    /// The strategy applied, in one line (conversions only).
    pub strategy: Option<String>,
    /// Step 0's recommendation, where analysis got that far.
    pub recommended: Option<&'static str>,
    pub advice: Option<String>,
    pub wq: Option<LocalWq>,
    /// The flush the patch removes or replaces, as written in the subject.
    pub flush: String,
    /// The system workqueues the conversion concerns, comma-separated.
    pub system: String,
    /// The system workqueues the converted flushes flush, "a and b".
    pub flushed: String,
    /// How the init is named in prose, and how the exit destroys.
    pub init: String,
    pub destroy: String,
    /// For a `module_*_driver()` module: the macro the new init and exit
    /// stand for, as a sentence.
    pub macro_note: Option<String>,
    pub converted_queue_sites: usize,
    pub converted_flush_sites: usize,
    /// Of those, the flushes whose place the destroy took (it drains).
    pub flushes_destroyed: usize,
    /// The flush_work() calls of a flush-work conversion.
    pub flush_items: Vec<String>,
    /// Why a remove-flush conversion may delete the flush, as a sentence.
    pub removal: String,
}

impl Summary {
    pub fn of(outcome: &Outcome) -> Summary {
        let conversion = outcome.decision.conversion();
        let converted = |flush: bool| {
            outcome
                .sites
                .iter()
                .filter(|s| s.state == SiteState::Convert && s.is_flush() == flush)
                .count()
        };
        let first_flush = outcome
            .sites
            .iter()
            .find(|s| s.is_flush() && s.state == SiteState::Convert);
        let shared = match conversion.map(|c| &c.strategy) {
            Some(Strategy::Shared(shared)) => Some(shared),
            _ => None,
        };
        let flush = match shared {
            Some(shared) => shared.flush.clone(),
            None => first_flush.map_or("flush_scheduled_work()".to_string(), Site::shown),
        };
        let wq = conversion.and_then(|c| c.wq.clone());
        let system = match &wq {
            Some(wq) => {
                let replaced: Vec<&str> = wq.replaces.iter().map(|w| w.ident()).collect();
                replaced.join(", ")
            }
            None => first_flush
                .map_or("system_wq", |s| s.wq.ident())
                .to_string(),
        };
        let (init, destroy) = match shared.map(|s| &s.kind) {
            Some(SharedKind::Provider {
                new_entry: Some((init, exit)),
                ..
            }) => (
                format!("a new {init}()"),
                format!(" and destroyed in a new {exit}()"),
            ),
            _ => helper_names(outcome, wq.as_ref())
                .unwrap_or_else(|| entry_names(outcome.unit.as_ref())),
        };
        let mut flushed: Vec<&str> = outcome
            .sites
            .iter()
            .filter(|s| s.is_flush() && s.state == SiteState::Convert)
            .map(|s| s.wq.ident())
            .collect();
        flushed.sort_unstable();
        flushed.dedup();
        let recommended = outcome.decision.recommended();
        Summary {
            strategy: conversion.map(|c| describe_strategy(&c.strategy, wq.as_ref())),
            recommended: recommended.map(Strategy::slug),
            advice: recommended.map(advice),
            flush_items: conversion.map_or(Vec::new(), |c| c.strategy.flush_calls()),
            removal: removal_of(outcome, &outcome.module.name),
            wq,
            flush,
            flushed: match flushed.is_empty() {
                true => system.clone(),
                false => flushed.join(" and "),
            },
            system,
            init,
            destroy,
            macro_note: macro_note(outcome.unit.as_ref()),
            converted_queue_sites: shared.map_or(converted(false), |s| s.total().queue),
            converted_flush_sites: shared.map_or(converted(true), |s| s.total().flush),
            flushes_destroyed: match (shared, outcome.unit.as_ref(), conversion) {
                (None, Some(unit), Some(c)) if c.wq.is_some() => usize::from(
                    crate::analysis::teardown::replaced_flush(unit, &outcome.sites).is_some(),
                ),
                _ => 0,
            },
        }
    }
}

/// The strategy applied, in one line.
fn describe_strategy(strategy: &Strategy, wq: Option<&LocalWq>) -> String {
    match (strategy, wq) {
        (Strategy::FlushWork(replacements), _) => {
            let deleted = match replacements.iter().any(|r| r.calls.is_empty()) {
                true => "; a flush with nothing left to wait for is deleted",
                false => "",
            };
            format!(
                "flush-work: {} in place of each flush{deleted}",
                strategy.flush_calls().join(", ")
            )
        }
        (Strategy::RemoveFlush { .. }, _) => "remove-flush: the flush is deleted".into(),
        (Strategy::Shared(shared), _) => describe_shared(shared, wq),
        (_, Some(wq)) => {
            let replaces: Vec<&str> = wq.replaces.iter().map(|w| w.ident()).collect();
            format!(
                "local-wq: workqueue {} (flags {}) replacing {}",
                wq.name,
                wq.flags,
                replaces.join(", ")
            )
        }
        (other, None) => other.slug().to_string(),
    }
}

/// A patch across modules, from the side of the module at hand.
fn describe_shared(shared: &SharedWq, wq: Option<&LocalWq>) -> String {
    let members = shared.member_names();
    match (&shared.kind, wq) {
        (
            SharedKind::Provider {
                helper, provider, ..
            },
            Some(wq),
        ) => format!(
            "workqueue-in-provider: workqueue {} (flags {}) for the work {provider}() \
             queues, flushed by {members} through {helper}(), in one patch",
            wq.name, wq.flags
        ),
        (SharedKind::Provider { helper, .. }, None) => format!(
            "workqueue-in-provider: {helper}() in place of each flush; {} gets the \
             workqueue (its patch)",
            shared.owner
        ),
        (SharedKind::Family { header }, Some(wq)) => format!(
            "family-wq: workqueue {} (flags {}), exported in {header} to {members}, whose \
             queueing and flushes move onto it in the same patch",
            wq.name, wq.flags
        ),
        (SharedKind::Family { .. }, None) => format!(
            "family-wq: queues and flushes on {}, {}'s workqueue (its patch)",
            shared.wq, shared.owner
        ),
    }
}

/// Why a group of modules shares one workqueue, as the group's owner
/// sees it.
fn shared_advice(shared: &SharedWq) -> String {
    let members = shared.member_names();
    match &shared.kind {
        SharedKind::Provider {
            helper, provider, ..
        } => format!(
            "workqueue-in-provider: {members} flush only for the work they hand to \
             {provider}(); {} gets the workqueue and {helper}() for them, in one patch",
            shared.owner
        ),
        SharedKind::Family { .. } => format!(
            "family-wq: {members} call {}'s exports and queue on the same system \
             workqueue, and the flushes wait for each other's work: one workqueue in {}, \
             exported to all of them, in one patch",
            shared.owner, shared.owner
        ),
    }
}

/// Why remove-flush may delete the module's flush, its sentences led by
/// `module` (its name, or "the module" where several share them); empty
/// for any other strategy.
pub fn removal_of(outcome: &Outcome, module: &str) -> String {
    let Some(Strategy::RemoveFlush {
        waited,
        unclaimed,
        managed,
    }) = outcome.decision.conversion().map(|c| &c.strategy)
    else {
        return String::new();
    };
    // No workqueue of its own: the system one is the first flush's.
    let system = outcome
        .sites
        .iter()
        .find(|s| s.is_flush() && s.state == SiteState::Convert)
        .map_or("system_wq", |s| s.wq.ident());
    removal(module, system, waited, unclaimed, managed)
}

/// Why remove-flush may delete the flush, in sentences a commit message
/// can hold: every part of what the flush waited for, and who waits for it.
fn removal(
    module: &str,
    system: &str,
    waited: &[String],
    unclaimed: &[String],
    managed: &[String],
) -> String {
    let mut sentences = vec![match waited {
        [] => format!("{module} queues nothing on {system} itself."),
        _ => format!(
            "Every item {module} queues there ({}) is already cancelled or flushed before \
             the flush.",
            waited.join(", ")
        ),
    }];
    if !managed.is_empty() {
        sentences.push(format!(
            "The other code it calls that queues there waits for its own work: {}.",
            managed.join("; ")
        ));
    }
    if !unclaimed.is_empty() {
        sentences.push(format!(
            "{} queues work there on an item of its own, not one {module} hands in.",
            unclaimed.join(" and ")
        ));
    }
    if managed.is_empty() && unclaimed.is_empty() {
        sentences.push("It calls no other code that queues there.".into());
    }
    sentences.push("So the flush waits for nothing of the module's.".into());
    sentences.join(" ")
}

/// Step 0's recommendation with its evidence.
fn advice(recommended: &Strategy) -> String {
    match recommended {
        Strategy::LocalWq { why } => format!("a local workqueue is needed: {why}"),
        Strategy::FlushWork(_) => format!(
            "flush-work is the smaller fix: every item of the module's that the flush waits for can be named, \
             so waiting for those ({}) can replace it",
            recommended.flush_calls().join(", ")
        ),
        Strategy::RemoveFlush {
            waited, unclaimed, ..
        } if waited.is_empty() && !unclaimed.is_empty() => format!(
            "remove-flush: the module queues nothing on a system workqueue itself; {} \
             queues there, on an item of its own, not one the module hands in",
            unclaimed.join(", ")
        ),
        Strategy::RemoveFlush {
            waited, managed, ..
        } if waited.is_empty() && !managed.is_empty() => format!(
            "remove-flush: the module queues nothing on a system workqueue itself, and the \
             work of the code it calls is that code's to wait for: {}",
            managed.join("; ")
        ),
        Strategy::RemoveFlush { waited, .. } if waited.is_empty() => {
            "remove-flush: the module queues nothing on a system workqueue and calls nothing \
             that does"
                .into()
        }
        Strategy::RemoveFlush { waited, .. } => format!(
            "remove-flush: every item the module queues ({}) is already cancelled or flushed \
             before the flush, which waits for nothing more of the module's",
            waited.join(", ")
        ),
        Strategy::Shared(shared) => shared_advice(shared),
        Strategy::Provider(providers) => {
            let names: Vec<String> = providers
                .iter()
                .map(|p| format!("{}()", p.function))
                .collect();
            format!(
                "workqueue-in-provider: the work is queued by {} in another module; give that \
                 module the workqueue and an exported flush helper this module calls",
                names.join(", ")
            )
        }
    }
}

/// The helpers of the one file that uses the workqueue, when they hold it
/// (analysis::home), named as `entry_names` names the entry points; new
/// ones with the file they are in and the entry points that call them.
fn helper_names(outcome: &Outcome, wq: Option<&LocalWq>) -> Option<(String, String)> {
    let unit = outcome.unit.as_ref()?;
    let home = crate::analysis::home::home(unit, &outcome.sites)?;
    let exit = home.exit?;
    if let (Some(file), Some(wq)) = (home.new_helpers_in, wq) {
        let (init, destroy) = crate::analysis::home::helper_names(&unit.module.ident(), &wq.name);
        let name = unit.files[file].path.file_name()?.to_string_lossy();
        return Some((
            format!("a new {init}()"),
            format!(
                " and destroyed in a new {destroy}(): helpers in {name}, the one file that \
                 uses it, which {}() and {}() call",
                home.init.1.name, exit.1.name
            ),
        ));
    }
    home.helpers.then(|| {
        (
            format!("{}()", home.init.1.name),
            format!(" and destroyed in {}()", exit.1.name),
        )
    })
}

/// The init as the commit message names it, and how the exit destroys.
fn entry_names(unit: Option<&Unit>) -> (String, String) {
    match unit.map(|u| &u.entry) {
        Some(Entry::DriverMacro {
            pair: Some(pair), ..
        }) => (
            format!("{}_init()", pair.driver_name()),
            format!(" and destroyed in {}_exit()", pair.driver_name()),
        ),
        Some(Entry::Explicit { init, exit }) => {
            let name = |i: &Option<Invocation>| {
                i.as_ref()
                    .and_then(|i| i.args.first().cloned())
                    .unwrap_or_default()
            };
            let destroy = match exit {
                Some(_) => format!(" and destroyed in {}()", name(exit)),
                None => "; the code has no exit, so it is never destroyed".to_string(),
            };
            (format!("{}()", name(init)), destroy)
        }
        _ => (String::new(), String::new()),
    }
}

/// "module_platform_driver() gives way to the foo_init() and foo_exit()
/// it stood for, so that they can allocate and destroy it."
fn macro_note(unit: Option<&Unit>) -> Option<String> {
    match unit.map(|u| &u.entry) {
        Some(Entry::DriverMacro {
            invocation,
            pair: Some(pair),
        }) => Some(format!(
            "{}() gives way to the {name}_init() and {name}_exit() it stood for, so that \
             they can allocate and destroy it.",
            invocation.macro_name,
            name = pair.driver_name()
        )),
        _ => None,
    }
}

/// A one-line description of a module's entry points.
pub fn describe_entry(unit: &Unit) -> String {
    let name = |inv: &Invocation| format!("{}({})", inv.macro_name, inv.args.join(", "));
    match &unit.entry {
        Entry::Explicit { init, exit } => {
            let parts: Vec<String> = init.iter().chain(exit.iter()).map(name).collect();
            parts.join(", ")
        }
        Entry::DriverMacro { invocation, pair } => match pair {
            Some(p) => format!("{} → {}/{}", name(invocation), p.register, p.unregister),
            None => name(invocation),
        },
        Entry::None => "none found".into(),
    }
}
