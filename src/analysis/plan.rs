//! The plan for one module: its sites and flags, and the decision (refuse,
//! not applicable, or convert with a strategy), Step 0 first.

use super::entry_rules::{entry_flags, entry_refusal};
use super::strategy::{Choice, Strategy};
use super::wait::{self, WaitSet};
use super::{review, sites, step0, work_purpose, wq_name, Surroundings};
use super::{
    Conversion, Decision, Flag, FlagKind, LocalWq, Provider, Refusal, RefusalKind, Site, SiteState,
};
use crate::ctext::calls_in;
use crate::load::Unit;
use crate::parse::SourceFile;
use crate::wq::{ApiKind, SystemWq};
use std::collections::BTreeSet;

/// What analysis decided for one module. Sites and flags are kept for a
/// refused module too: they are what a reviewer needs to decide by hand.
pub struct Plan {
    pub sites: Vec<Site>,
    pub flags: Vec<Flag>,
    /// What each flush waits for (the wait model), one set per flush on
    /// the flushed workqueue.
    pub waits: Vec<WaitSet>,
    pub decision: Decision,
}

/// Builds the plan; `choice` is what `--strategy` asked for.
pub fn plan(unit: &Unit, around: &dyn Surroundings, choice: Choice) -> Plan {
    let mut sites = sites::collect(unit);
    let mut flags = sites::site_flags(unit, &sites);
    flags.extend(unlisted_flags(unit));
    let unseen = super::unseen::unseen_flushes(unit, &sites);
    let flushes_unseen = !unseen.is_empty();
    flags.extend(unseen);
    let flushed: BTreeSet<Option<&'static str>> = sites
        .iter()
        .filter(|s| s.is_flush() && s.state == SiteState::Convert)
        .map(|s| s.wq.flags())
        .collect();
    let early = |decision: Decision, flags: Vec<Flag>, sites: Vec<Site>| Plan {
        sites,
        flags,
        waits: Vec::new(),
        decision,
    };
    if flushed.is_empty() && (flushes_unseen || sites.iter().any(|s| s.is_flush())) {
        let refusal = Refusal::module(
            RefusalKind::FlushesUnrewritable,
            "every flush of a system workqueue is in code localwq cannot rewrite (see the flags)",
        );
        return early(Decision::refused(refusal), flags, sites);
    }
    if flushed.is_empty() {
        let refusal = Refusal::module(RefusalKind::NoSystemFlush, "flushes no system workqueue");
        return early(Decision::NotApplicable(refusal), flags, sites);
    }
    if flushed.len() > 1 {
        let refusal = Refusal::module(
            RefusalKind::MixedFlushFlags,
            "flushes system workqueues with different flags; one local workqueue \
             cannot stand for all of them",
        );
        return early(Decision::refused(refusal), flags, sites);
    }
    let wq_flags = *flushed.first().expect("one flag set");
    let covered = sites::Flushed::of(&sites);
    sites::leave_unflushed(unit, &mut sites, &covered, &mut flags);
    let relevant: Vec<Site> = sites
        .iter()
        .filter(|s| covered.covers(s))
        .cloned()
        .collect();
    let flushed_wqs = covered.wqs;
    // What each flush waits for: the module's own items, other code's
    // work it reaches (providers it calls, dependents that use its
    // exports), and what could not be read.
    let called = called_outside(unit);
    let providers: Vec<Provider> = called
        .iter()
        .filter_map(|name| around.provider(name))
        .filter(|p| p.wq.is_none_or(|wq| flushed_wqs.contains(&wq)))
        .collect();
    let dependents =
        |exports: &[&str]| around.dependents(exports, &flushed_wqs, &unit.module.files);
    flags.extend(blind_spot_flag(unit, &relevant, &called, around));
    let unknown = flags
        .iter()
        .find(|f| f.kind == FlagKind::Unparsed)
        .map(|f| format!("{}:{}: {}", f.file.display(), f.line, f.reason));
    let others = wait::Others {
        providers: &providers,
        called: &called,
        dependents: &dependents,
        unknown,
    };
    let waits = wait::wait_sets(unit, &relevant, &others);
    flags.extend(review::review_flags(unit, &relevant, &waits, around));
    if let Some(refusal) = step0::blocking(unit, &waits) {
        flags.sort();
        flags.dedup();
        return Plan {
            sites,
            flags,
            waits,
            decision: Decision::refused(refusal),
        };
    }
    let handed_in: Vec<Provider> = providers
        .iter()
        .filter(|p| p.hands_item)
        .filter(|p| p.works_for_caller(&flushed_wqs, &called))
        .cloned()
        .collect();
    let recommended = step0::recommend(unit, &relevant, &waits, &handed_in);
    let refused = |refusal: Refusal, flags: Vec<Flag>, sites: Vec<Site>, waits| Plan {
        sites,
        flags,
        waits,
        decision: Decision::Refused {
            refusal,
            recommended: Some(recommended.clone()),
        },
    };
    let strategy = match resolve(unit, &relevant, &waits, &recommended, choice) {
        Ok(strategy) => strategy,
        Err(refusal) => return refused(refusal, flags, sites, waits),
    };
    if strategy.is_local_wq() {
        if let Some(refusal) = empty_workqueue(&sites, wq_flags, &recommended) {
            return refused(refusal, flags, sites, waits);
        }
        if wq_flags.is_none() {
            return refused(unknown_flags(unit, &relevant), flags, sites, waits);
        }
        if let Some(refusal) = entry_refusal(unit, &relevant) {
            return refused(refusal, flags, sites, waits);
        }
        flags.extend(entry_flags(unit));
        flags.extend(super::teardown::flag(unit, &relevant));
        flags.extend(super::requeue::flag(unit, &relevant));
    }
    let replaces: BTreeSet<SystemWq> = relevant.iter().map(|s| s.wq).collect();
    let wq = strategy.is_local_wq().then(|| {
        let home = super::home::home(unit, &relevant);
        let static_in = home.as_ref().and_then(|h| h.static_in());
        let declared_in = static_in.or(home.as_ref().map(|h| h.init.0));
        LocalWq::new(
            wq_name(
                unit,
                static_in,
                declared_in,
                work_purpose(unit, &relevant).as_deref(),
            ),
            wq_flags.unwrap_or("0"),
            replaces.into_iter().collect(),
            super::reclaim::evidence(unit, &relevant),
        )
        .led_by(static_in.map(|_| unit.module.ident()))
        .named_like(
            &unit
                .files
                .iter()
                .map(|f| f.text.as_slice())
                .collect::<Vec<_>>(),
            declared_in,
        )
    });
    if let Some(wq) = wq.as_ref().filter(|wq| wq.reclaim.is_some()) {
        flags.extend(super::reclaim::flush_dependencies(
            unit, &relevant, &wq.name,
        ));
    }
    flags.sort();
    flags.dedup();
    Plan {
        sites,
        flags,
        waits,
        decision: Decision::Convert(Conversion {
            recommended,
            strategy,
            wq,
        }),
    }
}

/// The strategy to apply: the recommendation under `auto` (a provider's
/// workqueue is another module's patch, so this one gets Steps 1–5 with
/// the explanation), or the one asked for where it applies.
fn resolve(
    unit: &Unit,
    sites: &[Site],
    waits: &[WaitSet],
    recommended: &Strategy,
    choice: Choice,
) -> Result<Strategy, Refusal> {
    let queues = sites.iter().any(|s| s.api.kind == ApiKind::Queue);
    let not_applicable = |detail: String| {
        Refusal::module(
            RefusalKind::StrategyNotApplicable,
            format!("--strategy {detail}"),
        )
    };
    match choice {
        Choice::Auto => Ok(match recommended {
            Strategy::Provider(_) => Strategy::LocalWq {
                why: "the work comes from other code (see Step 0)".into(),
            },
            other => other.clone(),
        }),
        Choice::LocalWq => Ok(Strategy::LocalWq {
            why: "asked for with --strategy local-wq".into(),
        }),
        Choice::FlushWork => match step0::replacements(unit, waits) {
            Ok(found) if found.iter().any(|r| !r.calls.is_empty()) => {
                Ok(Strategy::FlushWork(found))
            }
            Ok(_) => Err(not_applicable(
                "flush-work does not apply: every item is already waited for before the \
                 flush (remove-flush)"
                    .into(),
            )),
            Err(why) => Err(not_applicable(format!("flush-work does not apply: {why}"))),
        },
        Choice::RemoveFlush => match recommended {
            Strategy::RemoveFlush { .. } => Ok(recommended.clone()),
            _ if queues => Err(not_applicable(
                "remove-flush does not apply: the module queues on the flushed workqueue \
                 itself and the flush still waits for some of it"
                    .into(),
            )),
            _ => Ok(Strategy::RemoveFlush {
                waited: Vec::new(),
                unclaimed: Vec::new(),
                managed: Vec::new(),
            }),
        },
    }
}

/// Calls into code that could not be read: Step 0 may not say the module's
/// flush waits for nothing of theirs.
fn blind_spot_flag(
    unit: &Unit,
    sites: &[Site],
    called: &BTreeSet<&str>,
    around: &dyn Surroundings,
) -> Option<Flag> {
    let why = around.blind_spot().filter(|_| !called.is_empty())?;
    let flush = sites.iter().find(|s| s.is_flush())?;
    Some(Flag::new(
        &unit.files[flush.file],
        flush.range.start,
        FlagKind::Unparsed,
        why,
    ))
}

/// A local workqueue needs the flags the flushed system workqueue is
/// created with, and this tree did not say (`localwq facts` shows why).
fn unknown_flags(unit: &Unit, sites: &[Site]) -> Refusal {
    let names: BTreeSet<&str> = sites
        .iter()
        .filter(|s| s.is_flush())
        .map(|s| s.wq.ident())
        .collect();
    let names: Vec<&str> = names.into_iter().collect();
    let why = unit.facts.notes.join("; ");
    Refusal::module(
        RefusalKind::UnknownWqFlags,
        format!(
            "the flags {} is created with are not known ({why}): pass a kernel tree with \
             kernel/workqueue.c, or allocate the workqueue by hand",
            names.join(", ")
        ),
    )
}

/// Code Kbuild builds into the module that localwq could not list, and so
/// did not read: it may queue work, so the module is never "queues
/// nothing".
fn unlisted_flags(unit: &Unit) -> Vec<Flag> {
    unit.unlisted
        .iter()
        .map(|u| Flag {
            file: u.makefile.clone(),
            line: u.line,
            kind: FlagKind::Unparsed,
            excerpt: u.excerpt.clone(),
            reason: format!(
                "Kbuild builds {} into the module, which localwq cannot list from the \
                 Makefiles it reads: that code was not read and may queue work",
                u.what
            ),
        })
        .collect()
}

/// A local workqueue on which the module would queue nothing: the flush
/// would become a no-op presented as a conversion. Refused, with where
/// the flushed work comes from when Step 0 found it.
fn empty_workqueue(
    sites: &[Site],
    wq_flags: Option<&str>,
    recommended: &Strategy,
) -> Option<Refusal> {
    let queues = sites.iter().any(|s| {
        s.api.kind == ApiKind::Queue && s.state == SiteState::Convert && s.wq.flags() == wq_flags
    });
    if queues {
        return None;
    }
    let whence = match recommended {
        Strategy::Provider(providers) => {
            let names: Vec<String> = providers
                .iter()
                .map(|p| format!("{}()", p.function))
                .collect();
            format!(
                "; the flushed work is queued by {} in other code, which is where a \
                 workqueue belongs (workqueue-in-provider)",
                names.join(", ")
            )
        }
        _ => String::new(),
    };
    Some(Refusal::module(
        RefusalKind::EmptyWorkqueue,
        format!(
            "the module converts no queueing call: a workqueue of its own would stay \
             empty and the flush would wait for nothing{whence}"
        ),
    ))
}

/// The functions a file calls: from its facts, and from the text (a word
/// followed by `(`) where nothing was parsed.
fn called_names(file: &SourceFile) -> Vec<&str> {
    match file.parsed {
        true => file.facts.called.iter().map(String::as_str).collect(),
        false => calls_in(&file.text).map(|(_, name)| name).collect(),
    }
}

/// The functions the module calls that it does not define.
pub(crate) fn called_outside(unit: &Unit) -> BTreeSet<&str> {
    let names = unit.memo.called_outside.get_or_init(|| {
        let defined: BTreeSet<&str> = unit
            .files
            .iter()
            .flat_map(|f| f.facts.functions.iter().map(|func| func.name.as_str()))
            .collect();
        let called: BTreeSet<&str> = unit
            .files
            .iter()
            .flat_map(called_names)
            .filter(|name| !defined.contains(name))
            .collect();
        called.into_iter().map(str::to_string).collect()
    });
    names.iter().map(String::as_str).collect()
}
