//! Step 0 decided from the wait model, and only from it: what each flush
//! still waits for once what already waits before it is set aside says
//! whether the flush can go, name its items, or needs a workqueue; work
//! no change of this module can wait for again (a callback other code
//! runs, a dependent's work) refuses the module with the remedy.

use super::callback_wait::existing_wait;
use super::exports::Provider;
use super::items::ItemKind;
use super::strategy::{FlushReplacement, Strategy};
use super::wait::{Reach, Wait, WaitSet};
use super::{Refusal, RefusalKind, Site, SiteState};
use crate::load::Unit;
use crate::wq::ApiKind;

/// Work a flush waits for that no conversion of this module keeps
/// waiting for, and that matters: the module is refused, the remedy said.
pub fn blocking(unit: &Unit, waits: &[WaitSet]) -> Option<Refusal> {
    for set in waits {
        let path = || unit.files[set.file].path.clone();
        let callbacks = set.open_of(|r| matches!(r, Reach::Callback { .. }));
        if let Some(first) = callbacks.first() {
            return Some(Refusal::at(
                path(),
                set.line,
                RefusalKind::WaitsForCallback,
                format!(
                    "the flush waits for {} ({}), work that other code queues to run a \
                     callback the module hands it: no workqueue of the module's can wait for \
                     it, and without the flush the callback may run after this point; {}",
                    items(&callbacks),
                    first.queued.join(", "),
                    callback_remedy(unit, set, &callbacks)
                ),
            ));
        }
        let dependents = set.open_of(|r| matches!(r, Reach::Dependent { .. }));
        if !dependents.is_empty() {
            return Some(Refusal::at(
                path(),
                set.line,
                RefusalKind::WaitsForDependents,
                format!(
                    "the flush waits for the {}: they reach it through the module's exports, \
                     and no workqueue of this module's would wait for their work; the wait \
                     belongs in them (each waits for its own work where it relies on this \
                     flush, the mirror of workqueue-in-provider): convert them first, or \
                     decide by hand",
                    items(&dependents)
                ),
            ));
        }
    }
    None
}

/// What the module can do to let the flush go: wait for the callback
/// itself, or close the gaps of the wait it already has.
fn callback_remedy(unit: &Unit, set: &WaitSet, callbacks: &[&Wait]) -> String {
    let providers: Vec<&str> = callbacks
        .iter()
        .filter_map(|w| match &w.reach {
            Reach::Callback { provider } => Some(provider.as_str()),
            _ => None,
        })
        .flat_map(|p| p.split(", "))
        .collect();
    match existing_wait(unit, set.file, set.at, &providers) {
        None => "make the module wait for the callback itself first (a completion the \
                 callback signals, waited for before the flush, as drivers do for firmware \
                 loads), then the flush can go"
            .into(),
        Some(found) => format!(
            "the module already waits for it at {}, signalled at {}, but that wait can end \
             while the callback is still to run or running{}; make it cover every run of the \
             callback (signalled as the callback's last step on each of its returns, waited \
             for without a timeout), then the flush can go",
            found.wait,
            found.signal,
            match found.gaps.is_empty() {
                true => String::new(),
                false => format!(": {}", found.gaps.join("; ")),
            }
        ),
    }
}

fn items(waits: &[&Wait]) -> String {
    let named: Vec<&str> = waits.iter().map(|w| w.item.as_str()).collect();
    named.join("; ")
}

/// The strategy Step 0 recommends, with its evidence. `handed_in`: the
/// providers the module hands its items to.
pub fn recommend(
    unit: &Unit,
    sites: &[Site],
    waits: &[WaitSet],
    handed_in: &[Provider],
) -> Strategy {
    let open = |pick: fn(&Reach) -> bool| waits.iter().flat_map(|s| s.open_of(pick)).next();
    if let Some(unknown) = open(|r| matches!(r, Reach::Unknown)) {
        return Strategy::LocalWq {
            why: format!(
                "localwq could not read all of the module's queueing: {}",
                unknown.queued.join(", ")
            ),
        };
    }
    let queues = sites.iter().any(|s| s.api.kind == ApiKind::Queue);
    if !queues && !handed_in.is_empty() {
        return Strategy::Provider(handed_in.to_vec());
    }
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
    // Work the module hands to other code (a work-from-provider flag) is
    // no reason for a workqueue of its own: that would stop waiting for it
    // just as a smaller fix does. The flag asks for the two together.
    match replacements(unit, waits) {
        Ok(found) if found.iter().all(|r| r.calls.is_empty()) => removal(waits),
        Ok(found) => Strategy::FlushWork(found),
        Err(why) => Strategy::LocalWq { why },
    }
}

/// Per flush, the calls that wait for the module's own items it still
/// waits for, or why one of them cannot be named there.
pub fn replacements(unit: &Unit, waits: &[WaitSet]) -> Result<Vec<FlushReplacement>, String> {
    let mut out = Vec::new();
    for set in waits {
        // Every item the flush cannot name, each with why: the reviewer
        // sees all that keeps the flush, not the first found.
        let mut unnamed: Vec<String> = set
            .open_own()
            .filter_map(|(wait, name, _)| Some(format!("{}: {}", wait.item, name.as_ref().err()?)))
            .collect();
        const SHOWN: usize = 3;
        if unnamed.len() > SHOWN {
            let more = unnamed.len() - SHOWN;
            unnamed.truncate(SHOWN);
            unnamed.push(format!(
                "and {more} more items (see what the flush waits for)"
            ));
        }
        if !unnamed.is_empty() {
            return Err(format!(
                "{}:{}: the flush cannot name {}",
                unit.files[set.file].path.display(),
                set.line,
                unnamed.join("; ")
            ));
        }
        let mut calls = Vec::new();
        let mut loops = Vec::new();
        let mut timers = false;
        for (wait, name, each) in set.open_own() {
            let Ok(expr) = name else {
                continue;
            };
            let call = match wait.reach {
                Reach::Own {
                    kind: ItemKind::Delayed,
                    ..
                } => {
                    timers = true;
                    format!("flush_work({})", delayed_work_of(expr))
                }
                _ => format!("{}({expr})", flush_fn(wait)),
            };
            if !calls.contains(&call) {
                loops.push(each.cloned());
                calls.push(call);
            }
        }
        out.push(FlushReplacement {
            file: set.file,
            at: set.at,
            calls,
            each: loops,
            timers,
        });
    }
    Ok(out)
}

/// The work of a delayed item (`&chip->poweroff_work` →
/// `&chip->poweroff_work.work`, `dwork` → `&dwork->work`): what the
/// flush of its queue waited for. flush_delayed_work() would also fire a
/// timer still pending, which the flush never did.
pub fn delayed_work_of(expr: &str) -> String {
    let simple = |e: &str| e.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    match expr.strip_prefix('&') {
        Some(_) => format!("{expr}.work"),
        None if simple(expr) => format!("&{expr}->work"),
        None => format!("&({expr})->work"),
    }
}

/// The flush call for an own item, from how it is queued.
fn flush_fn(wait: &Wait) -> &'static str {
    match wait.reach {
        Reach::Own { kind, .. } => kind.flush_fn(),
        _ => "flush_work",
    }
}

/// The queueing calls of other code, as a commit message can say them:
/// the code alone ("schedule_work(&psy->changed_work)"), its file:line
/// left to the notes below the `---`, where it cannot go stale.
fn queued_code(queued: &[String]) -> String {
    let codes: Vec<&str> = queued
        .iter()
        .map(|q| {
            q.split_once(": ")
                .map_or(q.as_str(), |(_, code)| code)
                .trim_end_matches(';')
        })
        .collect();
    codes.join(" and ")
}

/// remove-flush, with its evidence from every set: the module's items
/// already waited for, and other code's work that code waits for itself.
fn removal(waits: &[WaitSet]) -> Strategy {
    let mut waited = Vec::new();
    let mut unclaimed = Vec::new();
    let mut managed = Vec::new();
    for wait in waits.iter().flat_map(|s| &s.entries) {
        let (list, text) = match (&wait.reach, &wait.waited) {
            (Reach::Own { .. }, _) => (&mut waited, wait.item.clone()),
            // The caller hands in its object; the item is the provider's
            // code's to queue and to wait for.
            (Reach::HandedIn { provider }, Some(by)) => (
                &mut managed,
                format!(
                    "{provider}() queues work there with {}, and {by}",
                    queued_code(&wait.queued)
                ),
            ),
            (_, Some(by)) => (
                &mut managed,
                format!(
                    "{}, queued with {}: {by}",
                    wait.item,
                    queued_code(&wait.queued)
                ),
            ),
            (Reach::ProviderItem { provider }, None) => (
                &mut unclaimed,
                format!("{provider}() (with {})", queued_code(&wait.queued)),
            ),
            _ => continue,
        };
        if !list.contains(&text) {
            list.push(text);
        }
    }
    Strategy::RemoveFlush {
        waited,
        unclaimed,
        managed,
    }
}
