//! family-wq: a core module whose flush also waits for the work of the
//! modules that call its exports and queue on the same system workqueue,
//! when at least one of those flushes too (nvmet and its transports). One
//! workqueue, allocated in the core and exported in the header the
//! members include, takes the queueing and flushes of all of them.

use super::{group_flags, joined, merged, moved_sites, Pool};
use crate::analysis::entry_rules::entry_refusal;
use crate::analysis::plan::called_outside;
use crate::analysis::{
    wq_name, Conversion, Decision, Flag, FlagKind, LocalWq, SharedKind, SharedWq, Site, SiteCounts,
    SiteState, Strategy, Surroundings,
};
use crate::load::Unit;
use crate::outcome::Outcome;
use crate::refusal::Refusal;
use crate::wq::SystemWq;
use crate::Session;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn group(session: &Session, pool: &mut Pool) {
    let pulled = pull_cores(session, pool);
    let mut at = 0;
    while at < pool.slots.len() {
        let core = pool.get(at);
        // A core: its flush waits for dependents' work, or a member's
        // flush waits for work its exports queue (the core's flush may
        // then wait for the members' work whatever function holds it).
        let waited_on =
            pulled.contains(&at) || core.flags.iter().any(|f| f.kind == FlagKind::DependentWork);
        let is_core = waited_on && !in_a_group(core);
        if is_core {
            if let Some(members) = members_of(session, pool, at) {
                // A family that cannot be made leaves every module as it
                // was: their flags already say what the flush waits for.
                let _ = convert(session, pool, at, &members);
            }
        }
        at += 1;
    }
}

/// The modules whose exported functions queue work a selected module's
/// flush waits for (a work-from-provider flag), planned into the pool: a
/// family is found from its core, whichever member was selected. Returns
/// their places in the pool.
fn pull_cores(session: &Session, pool: &mut Pool) -> BTreeSet<usize> {
    let mut cores: Vec<crate::kbuild::Module> = Vec::new();
    for at in 0..pool.slots.len() {
        for module in cores_of(session, pool.get(at)) {
            if !cores.iter().any(|c| c.is(&module)) {
                cores.push(module);
            }
        }
    }
    pool.find_or_plan_all(session, &cores).into_iter().collect()
}

/// The modules whose exported functions queue work `outcome`'s flush
/// waits for (none without a work-from-provider flag), in the order its
/// calls name them.
pub(super) fn cores_of(session: &Session, outcome: &Outcome) -> Vec<crate::kbuild::Module> {
    let mut cores: Vec<crate::kbuild::Module> = Vec::new();
    let provider_work = |f: &Flag| f.kind == FlagKind::ProviderWork;
    let Some(unit) = outcome.unit.as_ref() else {
        return cores;
    };
    if !outcome.flags.iter().any(provider_work) {
        return cores;
    }
    for name in called_outside(unit) {
        let Some(provider) = session.around.provider(name) else {
            continue;
        };
        if let Ok(module) = session.module_of(&provider.file) {
            if !cores.iter().any(|c| c.is(&module)) {
                cores.push(module);
            }
        }
    }
    cores
}

/// The flushed system workqueues of a module's converted flushes.
fn flushed(outcome: &Outcome) -> BTreeSet<SystemWq> {
    outcome
        .sites
        .iter()
        .filter(|s| s.is_flush() && s.state == SiteState::Convert)
        .map(|s| s.wq)
        .collect()
}

/// The modules that call the core's exports and queue on what it
/// flushes, when all are loadable modules and one of them flushes too.
fn members_of(session: &Session, pool: &mut Pool, core_at: usize) -> Option<Vec<usize>> {
    let core = pool.get(core_at);
    let unit = core.unit.as_ref()?;
    let flushed = flushed(core);
    let core_files = unit.module.files.clone();
    let mut modules: Vec<crate::kbuild::Module> = Vec::new();
    let mut exports: Vec<String> = unit.exported().into_iter().map(String::from).collect();
    // A family is whole: a module that uses a member's exports and queues
    // on the flushed workqueue joins too (nvme-fcloop through nvmet-fc).
    let mut next = 0;
    loop {
        let names: Vec<&str> = exports.iter().map(String::as_str).collect();
        for dependent in session.around.dependents(&names, &flushed, &core_files) {
            let module = session.module_of(&dependent.file).ok()?;
            if !modules.iter().any(|m| m.is(&module)) {
                modules.push(module);
            }
        }
        let Some(member) = modules.get(next).cloned() else {
            break;
        };
        next += 1;
        let at = pool.find_or_plan(session, &member);
        exports = pool.get(at).unit.as_ref().map_or(Vec::new(), |u| {
            u.exported().into_iter().map(String::from).collect()
        });
    }
    // Most cores' dependents flush nothing: their text says so before
    // any of them is parsed.
    if !modules.iter().any(|m| mentions_flush(session, m)) {
        return None;
    }
    let members: Vec<usize> = modules
        .iter()
        .map(|m| pool.find_or_plan(session, m))
        .filter(|&m| m != core_at)
        .collect::<BTreeSet<usize>>()
        .into_iter()
        .collect();
    // A module already in another group's patch cannot join this one.
    if members.iter().any(|&m| in_a_group(pool.get(m))) {
        return None;
    }
    let flags = pool
        .get(core_at)
        .sites
        .iter()
        .find(|s| s.is_flush())?
        .wq
        .flags();
    let any_flushes = members.iter().any(|&m| {
        pool.get(m)
            .sites
            .iter()
            .any(|s| s.is_flush() && s.state == SiteState::Convert && s.wq.flags() == flags)
    });
    (any_flushes && !members.is_empty()).then_some(members)
}

fn in_a_group(outcome: &Outcome) -> bool {
    matches!(
        outcome.decision.conversion().map(|c| &c.strategy),
        Some(Strategy::Shared(_))
    )
}

/// Whether a module's .c files mention a flush of a system workqueue (an
/// unreadable one counts as yes: it is then parsed and refused there).
fn mentions_flush(session: &Session, module: &crate::kbuild::Module) -> bool {
    module.files.iter().any(|file| {
        std::fs::read(session.tree.root.join(file)).map_or(true, |text| {
            crate::wq::FLUSH_NEEDLES
                .iter()
                .any(|n| memchr::memmem::find(&text, n.as_bytes()).is_some())
        })
    })
}

fn convert(
    session: &Session,
    pool: &mut Pool,
    core_at: usize,
    members: &[usize],
) -> Result<(), Refusal> {
    let core = pool.get(core_at);
    let unit = core.unit.as_ref().expect("checked by members_of");
    if let Some(refusal) = entry_refusal(unit, &core.sites) {
        return Err(refusal);
    }
    let flags = core
        .sites
        .iter()
        .find(|s| s.is_flush())
        .and_then(|s| s.wq.flags())
        .ok_or_else(|| {
            Refusal::module(
                crate::refusal::RefusalKind::UnknownWqFlags,
                "the flags of the flushed system workqueue are not known",
            )
        })?;
    let core_sites = moved_sites(core, Some(flags))?;
    let mut member_sites = Vec::new();
    for &at in members {
        member_sites.push(moved_sites(pool.get(at), Some(flags))?);
    }
    let header = shared_header(pool, core_at, &core_sites, members, &member_sites)?;
    let name = wq_name(unit, None, None, None);
    if members.iter().any(|&at| {
        pool.get(at)
            .unit
            .as_ref()
            .is_none_or(|u| u.uses_identifier(&name))
    }) {
        return Err(layout(format!(
            "{name}, the core's workqueue name, is already used by a member"
        )));
    }
    let replaces: BTreeSet<SystemWq> = core_sites
        .iter()
        .chain(member_sites.iter().flatten())
        .map(|s| s.wq)
        .collect();
    // Evidence for WQ_MEM_RECLAIM in any module of the family: they share
    // the queue.
    let reclaim = std::iter::once((core_at, &core_sites))
        .chain(members.iter().copied().zip(&member_sites))
        .find_map(|(at, sites)| {
            let unit = pool.get(at).unit.as_ref()?;
            crate::analysis::reclaim::evidence(unit, sites)
        });
    // Work moved onto a WQ_MEM_RECLAIM queue must not wait for one without.
    let mut dependencies: BTreeMap<usize, Vec<Flag>> = BTreeMap::new();
    if reclaim.is_some() {
        for (at, sites) in std::iter::once((core_at, &core_sites))
            .chain(members.iter().copied().zip(&member_sites))
        {
            if let Some(unit) = pool.get(at).unit.as_ref() {
                let flags = crate::analysis::reclaim::flush_dependencies(unit, sites, &name);
                dependencies.entry(at).or_default().extend(flags);
            }
        }
    }
    let shared = SharedWq {
        kind: SharedKind::Family { header },
        owner: core.module.name.clone(),
        wq: name.clone(),
        flush: super::first_flush(&core_sites, &member_sites),
        owner_sites: SiteCounts::of(&core_sites),
        members: members
            .iter()
            .zip(&member_sites)
            .map(|(&at, sites)| (pool.get(at).module.name.clone(), SiteCounts::of(sites)))
            .collect(),
    };
    let core_conversion = Conversion {
        recommended: Strategy::Shared(Box::new(shared.clone())),
        strategy: Strategy::Shared(Box::new(shared.clone())),
        wq: Some(
            LocalWq::new(name, flags, replaces.into_iter().collect(), reclaim)
                .named_like(&texts(unit), None),
        ),
    };
    let conversions: Vec<Conversion> = members
        .iter()
        .map(|_| Conversion {
            recommended: Strategy::Shared(Box::new(shared.clone())),
            strategy: Strategy::Shared(Box::new(shared.clone())),
            wq: None,
        })
        .collect();
    let jobs = std::iter::once((core, &core_sites[..], &core_conversion)).chain(
        members
            .iter()
            .zip(&member_sites)
            .zip(&conversions)
            .map(|((&at, sites), conversion)| (pool.get(at), &sites[..], conversion)),
    );
    let changes = merged(super::rewritten_all(jobs.collect())?)?;
    let core_files = pool.get(core_at).module.files.clone();
    for (&at, conversion) in members.iter().zip(conversions) {
        let mut member = pool.take(at);
        member
            .flags
            .extend(dependencies.remove(&at).unwrap_or_default());
        let resolved: &[FlagKind] = match providers_all_in(session, &member, &core_files) {
            true => &[FlagKind::ProviderWork],
            false => &[],
        };
        pool.put(at, joined(member, conversion, resolved), true);
    }
    let mut core = pool.take(core_at);
    core.flags.retain(|f| f.kind != FlagKind::DependentWork);
    core.flags
        .extend(dependencies.remove(&core_at).unwrap_or_default());
    let members: Vec<&Outcome> = members.iter().map(|&at| pool.get(at)).collect();
    core.flags = group_flags(&core.flags, &members);
    core.decision = Decision::Convert(core_conversion);
    core.changes = changes;
    pool.put(core_at, core, true);
    Ok(())
}

fn layout(detail: String) -> Refusal {
    Refusal::module(crate::refusal::RefusalKind::SharedLayout, detail)
}

/// Whether every other code's work a member's flush waited for is queued
/// by the core's own files (now on the shared workqueue).
fn providers_all_in(
    session: &Session,
    member: &Outcome,
    core_files: &[std::path::PathBuf],
) -> bool {
    let Some(unit) = member.unit.as_ref() else {
        return false;
    };
    called_outside(unit)
        .iter()
        .filter_map(|name| session.around.provider(name))
        .all(|p| core_files.contains(&p.file))
}

/// A header of the core's that every file using the workqueue includes,
/// in the core and in each member.
fn shared_header(
    pool: &Pool,
    core_at: usize,
    core_sites: &[Site],
    members: &[usize],
    member_sites: &[Vec<Site>],
) -> Result<String, Refusal> {
    let core = pool.get(core_at);
    let unit = core.unit.as_ref().expect("checked");
    let mut core_users: BTreeSet<usize> = core_sites.iter().map(|s| s.file).collect();
    core_users.extend(init_file(unit));
    let reaches_in = |unit: &Unit, users: &BTreeSet<usize>, path: &std::path::Path| {
        let Some(h) = unit.files.iter().position(|f| f.path == path) else {
            return false;
        };
        users
            .iter()
            .all(|&u| u == h || unit.headers_reached(u).contains(&h))
    };
    (0..unit.files.len())
        .filter(|&h| unit.is_header(h))
        .map(|h| unit.files[h].path.clone())
        .find(|path| {
            reaches_in(unit, &core_users, path)
                && members.iter().zip(member_sites).all(|(&at, sites)| {
                    let users: BTreeSet<usize> = sites.iter().map(|s| s.file).collect();
                    pool.get(at)
                        .unit
                        .as_ref()
                        .is_some_and(|u| reaches_in(u, &users, path))
                })
        })
        .map(|p| p.display().to_string())
        .ok_or_else(|| {
            layout(format!(
                "no header of {} is included by every file of the family that uses the \
                 workqueue: nowhere to declare it",
                core.module.name
            ))
        })
}

/// The file that defines the module's init function, if it has one.
fn init_file(unit: &Unit) -> Option<usize> {
    let name = match &unit.entry {
        crate::entry::Entry::Explicit {
            init: Some(init), ..
        } => init.args.first()?.clone(),
        crate::entry::Entry::DriverMacro { invocation, .. } => return Some(invocation.file),
        _ => return None,
    };
    unit.files.iter().position(|f| f.function(&name).is_some())
}

/// The texts of the unit's files.
fn texts(unit: &Unit) -> Vec<&[u8]> {
    unit.files.iter().map(|f| f.text.as_slice()).collect()
}
