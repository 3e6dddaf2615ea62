//! workqueue-in-provider: modules whose flush waits only for work they
//! hand to another module's exported function (`atmel_i2c_enqueue()`)
//! are converted together with that module. It gets the workqueue and a
//! flush helper, exported and declared beside the function; their flushes
//! call the helper.

use super::{group_flags, joined, merged, moved_sites, refused, rewritten_all, Pool};
use crate::analysis::entry_rules::entry_refusal;
use crate::analysis::plan::called_outside;
use crate::analysis::{
    wq_name, Conversion, Decision, FlagKind, LocalWq, Provider, SharedKind, SharedWq, SiteCounts,
    Strategy,
};
use crate::entry::Entry;
use crate::kbuild::Module;
use crate::refusal::{Refusal, RefusalKind};
use crate::Session;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::Ordering;

/// Groups the callers of each provider module and converts them with it.
pub(super) fn group(session: &Session, pool: &mut Pool) {
    let mut by_provider: BTreeMap<(PathBuf, String), (Module, Vec<usize>)> = BTreeMap::new();
    let mut failed: Vec<(usize, Refusal)> = Vec::new();
    for at in 0..pool.slots.len() {
        let Some(providers) = handed_to_provider(pool.get(at)) else {
            continue;
        };
        let files: BTreeSet<&PathBuf> = providers.iter().map(|p| &p.file).collect();
        let names = provider_names(&providers);
        let file = match files.into_iter().collect::<Vec<_>>().as_slice() {
            [file] => (*file).clone(),
            _ => {
                let why = format!(
                    "the flushed work is queued by {names} in several files: no one module \
                     can hold the workqueue"
                );
                failed.push((at, Refusal::module(RefusalKind::SharedNotModule, why)));
                continue;
            }
        };
        match session.module_of(&file) {
            Ok(module) => {
                let key = (module.dir.clone(), module.name.clone());
                by_provider
                    .entry(key)
                    .or_insert_with(|| (module, Vec::new()))
                    .1
                    .push(at);
            }
            Err(why) => {
                let why = format!(
                    "the flushed work is queued by {names}, and {why}: a workqueue there is \
                     its maintainers' to add (workqueue-in-provider), not this module's"
                );
                failed.push((at, Refusal::module(RefusalKind::SharedNotModule, why)));
            }
        }
    }
    for (at, refusal) in failed {
        let outcome = pool.take(at);
        pool.put(at, refused(outcome, refusal), false);
    }
    for (module, callers) in by_provider.into_values() {
        let owner = pool.find_or_plan(session, &module);
        // Where the helper would be declared first: without a place for
        // it, that is the reason, whoever else calls the provider.
        let provider = handed_to_provider(pool.get(callers[0])).expect("grouped as a caller");
        let converted = declaring_header(pool, owner, &callers, &provider[0].function)
            .and_then(|_| every_caller(session, pool, owner, callers.clone()))
            .and_then(|all| convert(pool, owner, &all));
        if let Err(refusal) = converted {
            for &at in &callers {
                let outcome = pool.take(at);
                pool.put(at, refused(outcome, refusal.clone()), false);
            }
        }
    }
}

/// Every module of the tree that flushes for work it hands to the
/// provider, not only the selected ones: once the provider queues on a
/// workqueue of its own, a caller left out would flush for nothing.
/// Refused when a module that calls the provider and flushes also queues
/// work of its own there (its flush would stop waiting for the provider's
/// work, and nothing of this patch says so).
fn every_caller(
    session: &Session,
    pool: &mut Pool,
    owner_at: usize,
    mut callers: Vec<usize>,
) -> Result<Vec<usize>, Refusal> {
    let owner = pool.get(owner_at);
    let owner_files = owner.module.files.clone();
    let owner_name = owner.module.name.clone();
    let functions: Vec<String> = session
        .around
        .providers_in(&owner_files)
        .into_iter()
        .map(|p| p.function)
        .collect();
    let needles: Vec<&str> = functions.iter().map(String::as_str).collect();
    // After a whole-tree selection every flushing module is in the pool;
    // otherwise the tree is read for the modules that name the functions.
    let candidates: Vec<usize> = match session.every_flusher.load(Ordering::Relaxed) {
        true => (0..pool.slots.len()).collect(),
        false => {
            let selection = session.select_by(&[], &needles).map_err(|e| {
                Refusal::module(
                    RefusalKind::Unreadable,
                    format!("looking for the callers of {}: {e:#}", needles.join(", ")),
                )
            })?;
            selection
                .modules
                .iter()
                .map(|m| pool.find_or_plan(session, m))
                .collect()
        }
    };
    for at in candidates {
        if at == owner_at || callers.contains(&at) {
            continue;
        }
        let outcome = pool.get(at);
        let calls = outcome
            .unit
            .as_ref()
            .is_some_and(|u| called_outside(u).iter().any(|c| needles.contains(c)));
        if !calls || !outcome.sites.iter().any(|s| s.is_flush()) {
            continue;
        }
        let hands_in = handed_to_provider(outcome)
            .is_some_and(|ps| ps.iter().all(|p| owner_files.contains(&p.file)));
        if !hands_in {
            return Err(Refusal::module(
                RefusalKind::SharedLayout,
                format!(
                    "{} also calls {}'s exports and flushes, but its flush waits for more \
                     than that work (see its Step 0): a workqueue in {} would change what \
                     it waits for; convert them together by hand",
                    outcome.module.name, owner_name, owner_name
                ),
            ));
        }
        callers.push(at);
    }
    Ok(callers)
}

/// The providers a refused module's flush waits for, when Step 0 says the
/// workqueue belongs there and the module queues nothing itself.
fn handed_to_provider(outcome: &crate::outcome::Outcome) -> Option<Vec<Provider>> {
    let Decision::Refused {
        refusal,
        recommended: Some(Strategy::Provider(providers)),
    } = &outcome.decision
    else {
        return None;
    };
    (refusal.kind == RefusalKind::EmptyWorkqueue && outcome.unit.is_some())
        .then(|| providers.clone())
}

fn provider_names(providers: &[Provider]) -> String {
    let names: Vec<String> = providers
        .iter()
        .map(|p| format!("{}()", p.function))
        .collect();
    names.join(", ")
}

/// The provider's patch: its workqueue, its queueing moved onto it, the
/// helper, and each caller's flushes calling the helper.
fn convert(pool: &mut Pool, owner_at: usize, callers: &[usize]) -> Result<(), Refusal> {
    let owner = pool.get(owner_at);
    let unit = owner.unit.as_ref().ok_or_else(|| {
        Refusal::module(
            RefusalKind::Unreadable,
            format!("the provider {} could not be read", owner.module.name),
        )
    })?;
    if owner.decision.conversion().is_some()
        || owner.flags.iter().any(|f| f.kind == FlagKind::Unparsed)
    {
        return Err(Refusal::module(
            RefusalKind::SharedLayout,
            format!(
                "the provider {} has a conversion of its own or code localwq could not read: \
                 convert it first",
                owner.module.name
            ),
        ));
    }
    let providers = handed_to_provider(pool.get(callers[0])).expect("grouped as a caller");
    let provider = providers[0].function.clone();
    let flags = flushed_flags(pool, callers)?;
    let sites = moved_sites(owner, Some(flags))?;
    if !sites.iter().any(|s| !s.is_flush()) {
        return Err(Refusal::module(
            RefusalKind::EmptyWorkqueue,
            format!(
                "{} queues nothing localwq can move on a workqueue with those flags",
                owner.module.name
            ),
        ));
    }
    if !matches!(unit.entry, Entry::None) {
        if let Some(refusal) = entry_refusal(unit, &sites) {
            return Err(refusal);
        }
    }
    let header = declaring_header(pool, owner_at, callers, &provider)?;
    let helper = helper_name(unit)?;
    let provider_file = &providers[0].file;
    let export = match unit.files.iter().find(|f| &f.path == provider_file) {
        Some(f) if crate::ctext::has_word(&f.text, &format!("EXPORT_SYMBOL_GPL({provider})")) => {
            "EXPORT_SYMBOL_GPL"
        }
        _ => "EXPORT_SYMBOL",
    };
    let replaces: BTreeSet<_> = sites.iter().map(|s| s.wq).collect();
    let texts: Vec<&[u8]> = unit.files.iter().map(|f| f.text.as_slice()).collect();
    let wq = LocalWq::new(
        wq_name(unit, None, None, None),
        flags,
        replaces.into_iter().collect(),
        None,
    )
    .named_like(&texts, None);
    let mut members = Vec::new();
    let mut caller_sites = Vec::new();
    for &at in callers {
        let caller = pool.get(at);
        let sites = moved_sites(caller, Some(flags))?;
        members.push((caller.module.name.clone(), SiteCounts::of(&sites)));
        caller_sites.push(sites);
    }
    let new_entry = match unit.entry {
        Entry::None => Some(entry_names(unit)?),
        _ => None,
    };
    let shared = SharedWq {
        kind: SharedKind::Provider {
            helper,
            header,
            provider,
            export: export.to_string(),
            new_entry,
        },
        owner: owner.module.name.clone(),
        wq: wq.name.clone(),
        flush: super::first_flush(&[], &caller_sites),
        owner_sites: SiteCounts::of(&sites),
        members,
    };
    let owner_conversion = Conversion {
        recommended: Strategy::Shared(Box::new(shared.clone())),
        strategy: Strategy::Shared(Box::new(shared.clone())),
        wq: Some(wq),
    };
    let caller_conversions: Vec<Conversion> = callers
        .iter()
        .map(|&at| Conversion {
            recommended: pool
                .get(at)
                .decision
                .recommended()
                .cloned()
                .expect("a provider"),
            strategy: Strategy::Shared(Box::new(shared.clone())),
            wq: None,
        })
        .collect();
    let jobs = std::iter::once((owner, &sites[..], &owner_conversion)).chain(
        callers
            .iter()
            .zip(&caller_sites)
            .zip(&caller_conversions)
            .map(|((&at, sites), conversion)| (pool.get(at), &sites[..], conversion)),
    );
    let changes = merged(rewritten_all(jobs.collect())?)?;
    for (&at, conversion) in callers.iter().zip(caller_conversions) {
        let caller = pool.take(at);
        pool.put(at, joined(caller, conversion, &[]), true);
    }
    let mut owner = pool.take(owner_at);
    let members: Vec<&crate::outcome::Outcome> = callers.iter().map(|&at| pool.get(at)).collect();
    // The owner's entry gets the workqueue: what local-wq says of an
    // entry (no exit, …) holds here too.
    let mut own_flags = owner.flags.clone();
    if let Some(unit) = owner.unit.as_ref() {
        own_flags.extend(crate::analysis::entry_rules::entry_flags(unit));
    }
    owner.flags = group_flags(&own_flags, &members);
    owner.decision = Decision::Convert(owner_conversion);
    owner.changes = changes;
    pool.put(owner_at, owner, true);
    Ok(())
}

/// The flags of the system workqueue the callers flush: one for all.
fn flushed_flags(pool: &Pool, callers: &[usize]) -> Result<&'static str, Refusal> {
    let flags: BTreeSet<Option<&'static str>> = callers
        .iter()
        .flat_map(|&at| pool.get(at).sites.iter().filter(|s| s.is_flush()))
        .map(|s| s.wq.flags())
        .collect();
    match flags.into_iter().collect::<Vec<_>>().as_slice() {
        [Some(flags)] => Ok(flags),
        [None] => Err(Refusal::module(
            RefusalKind::UnknownWqFlags,
            "the flags of the flushed system workqueue are not known (see `localwq facts`)",
        )),
        _ => Err(Refusal::module(
            RefusalKind::MixedFlushFlags,
            "the callers flush system workqueues with different flags",
        )),
    }
}

/// The provider's header that declares `provider()` and that every
/// caller reads (it is among their files).
fn declaring_header(
    pool: &Pool,
    owner_at: usize,
    callers: &[usize],
    provider: &str,
) -> Result<String, Refusal> {
    let owner = pool.get(owner_at);
    let unit = owner.unit.as_ref().expect("checked");
    let declares = |text: &[u8]| {
        memchr::memmem::find_iter(text, format!("{provider}(").as_bytes())
            .any(|at| at == 0 || !crate::ctext::is_word_byte(text[at - 1]))
    };
    let read_by_callers = |path: &PathBuf| {
        callers.iter().all(|&at| {
            let caller = pool.get(at);
            caller
                .unit
                .as_ref()
                .is_some_and(|u| u.files.iter().any(|f| &f.path == path))
        })
    };
    (0..unit.files.len())
        .filter(|&h| unit.is_header(h))
        .map(|h| &unit.files[h])
        .find(|h| declares(&h.text) && read_by_callers(&h.path))
        .map(|h| h.path.display().to_string())
        .ok_or_else(|| {
            Refusal::module(
                RefusalKind::SharedLayout,
                format!(
                    "no header of {}'s own declares {provider}() for every caller to read \
                     (a public header may): there is nowhere to declare the flush helper, \
                     and adding one to a public API is its maintainers' call; decide by hand",
                    owner.module.name
                ),
            )
        })
}

/// `<module>_flush_queue`, unless the module uses the name already.
fn helper_name(unit: &crate::load::Unit) -> Result<String, Refusal> {
    let base = unit.module.ident();
    [format!("{base}_flush_queue"), format!("{base}_flush_wq")]
        .into_iter()
        .find(|name| !unit.uses_identifier(name))
        .ok_or_else(|| {
            Refusal::module(
                RefusalKind::SharedLayout,
                format!("{base}_flush_queue and {base}_flush_wq are both taken"),
            )
        })
}

/// `<module>_init`/`_exit` for an owner that has no entry, or
/// `<module>_wq_init`/`_exit` when those are taken.
fn entry_names(unit: &crate::load::Unit) -> Result<(String, String), Refusal> {
    let base = unit.module.ident();
    [("init", "exit"), ("wq_init", "wq_exit")]
        .iter()
        .map(|(i, e)| (format!("{base}_{i}"), format!("{base}_{e}")))
        .find(|(i, e)| !unit.uses_identifier(i) && !unit.uses_identifier(e))
        .ok_or_else(|| {
            Refusal::module(
                RefusalKind::DriverFunctionsExist,
                format!("{base}_init() and {base}_wq_init() are both taken"),
            )
        })
}
