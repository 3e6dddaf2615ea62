//! One module against several kernels (`--kernel` given more than once):
//! each kernel's outcome is made from its own facts (its version decides
//! the compat branches, its headers and workqueues are read), then they
//! are merged into one. Where the kernels agree (the same changes), the
//! newest kernel's outcome stands with every kernel's findings (a split on
//! one kernel is a split); where they do not, the module is refused naming
//! the kernel. A difference between kernels is a finding, never averaged.

mod merge;

use crate::analysis::{Decision, Flag, FlagKind, Split};
use crate::edit::FileChange;
use crate::outcome::Outcome;
use crate::refusal::{Refusal, RefusalKind};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One kernel's outcomes and the version it is named by.
pub struct KernelOutcomes {
    pub kernel: String,
    pub outcomes: Vec<Outcome>,
}

/// The outcomes of `per_kernel` (oldest kernel first), one per module, in
/// the order the newest kernel lists them.
pub fn merge(per_kernel: Vec<KernelOutcomes>) -> Vec<Outcome> {
    let kernels: Vec<String> = per_kernel.iter().map(|k| k.kernel.clone()).collect();
    let mut order: Vec<(PathBuf, String)> = Vec::new();
    let mut by_module: BTreeMap<(PathBuf, String), Vec<(String, Outcome)>> = BTreeMap::new();
    for kernel in per_kernel.into_iter().rev() {
        for outcome in kernel.outcomes {
            let key = (outcome.module.dir.clone(), outcome.module.name.clone());
            if !by_module.contains_key(&key) {
                order.push(key.clone());
            }
            by_module
                .entry(key)
                .or_default()
                .insert(0, (kernel.kernel.clone(), outcome));
        }
    }
    order
        .into_iter()
        .map(|key| merge_one(&kernels, by_module.remove(&key).expect("listed")))
        .collect()
}

/// One module's outcomes, oldest kernel first.
fn merge_one(kernels: &[String], mut each: Vec<(String, Outcome)>) -> Outcome {
    let present: Vec<String> = each.iter().map(|(k, _)| k.clone()).collect();
    let refusing: Vec<usize> = (0..each.len())
        .filter(|&i| matches!(each[i].1.decision, Decision::Refused { .. }))
        .collect();
    let converting: Vec<usize> = (0..each.len())
        .filter(|&i| each[i].1.decision.conversion().is_some())
        .collect();
    let mut merged = match (refusing.first(), converting.last()) {
        (Some(_), _) => refused_on(&mut each, &refusing),
        (None, Some(&newest)) => {
            match (disagreement(&each, &converting), united(&each, &converting)) {
                (None, _) => agreed(each, newest),
                // Branches compiled for some kernels only, each rewritten for
                // its kernels: one conversion when they touch other lines.
                (Some(_), Some(changes)) => {
                    let mut outcome = agreed(each, newest);
                    outcome.changes = changes;
                    outcome
                }
                (Some(refusal), None) => {
                    let mut outcome = each.swap_remove(newest).1;
                    outcome.decision = Decision::refused(refusal);
                    outcome.changes.clear();
                    outcome
                }
            }
        }
        (None, None) => each.pop().expect("one kernel at least").1,
    };
    merged.kernels = present;
    for kernel in kernels.iter().filter(|k| !merged.kernels.contains(k)) {
        merged.module.kbuild_notes.push(format!(
            "Linux {kernel}: Kbuild does not build this module from these files"
        ));
    }
    merged
}

/// Some kernel refuses: the module is refused, saying on which kernels
/// (all of them, when they agree, need no naming).
fn refused_on(each: &mut Vec<(String, Outcome)>, refusing: &[usize]) -> Outcome {
    let reasons: Vec<(String, Refusal)> = refusing
        .iter()
        .map(|&i| {
            let (kernel, outcome) = &each[i];
            (
                kernel.clone(),
                outcome.decision.refusal().expect("refused").clone(),
            )
        })
        .collect();
    let everywhere = reasons.len() == each.len() && reasons.iter().all(|(_, r)| *r == reasons[0].1);
    let newest = *refusing.last().expect("one at least");
    let mut outcome = each.swap_remove(newest).1;
    if !everywhere {
        let mut refusal = reasons.last().expect("one at least").1.clone();
        refusal.detail = grouped(&reasons);
        outcome.decision = Decision::refused(refusal);
    }
    outcome.changes.clear();
    outcome
}

/// "on Linux 5.10.223 and 6.1.192: …; on Linux 7.2.13: …", each reason once.
fn grouped(reasons: &[(String, Refusal)]) -> String {
    let mut groups: Vec<(Vec<&str>, String)> = Vec::new();
    for (kernel, refusal) in reasons {
        let detail = refusal.to_string();
        match groups.iter_mut().find(|(_, d)| *d == detail) {
            Some((kernels, _)) => kernels.push(kernel),
            None => groups.push((vec![kernel], detail)),
        }
    }
    groups
        .iter()
        .map(|(kernels, detail)| format!("on Linux {}: {detail}", kernels.join(" and ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Why the converting kernels' conversions are not one, if they are not:
/// another strategy, or other changes (the first file that differs).
fn disagreement(each: &[(String, Outcome)], converting: &[usize]) -> Option<Refusal> {
    let &newest = converting.last()?;
    let (theirs, reference) = &each[newest];
    converting[..converting.len() - 1].iter().find_map(|&i| {
        let (kernel, outcome) = &each[i];
        // The strategy, not its wording: Step 0's reasons may name each
        // kernel's own queues.
        let what = match strategy_word(outcome) != strategy_word(reference) {
            true => format!(
                "Step 0 decides {} on Linux {kernel} and {} on Linux {theirs}",
                strategy_word(outcome),
                strategy_word(reference)
            ),
            false => {
                let path = first_difference(outcome, reference)?;
                format!(
                    "the conversion of {} differs between Linux {kernel} and {theirs}",
                    path.display()
                )
            }
        };
        Some(Refusal::module(
            RefusalKind::KernelsDiffer,
            format!("{what}: convert for each kernel separately, or make the code agree"),
        ))
    })
}

/// The converting kernels' changes as one, when they use one strategy
/// and one workqueue and their edits of each file do not clash.
fn united(each: &[(String, Outcome)], converting: &[usize]) -> Option<Vec<FileChange>> {
    let outcomes: Vec<&Outcome> = converting.iter().map(|&i| &each[i].1).collect();
    let first = outcomes[0];
    let same_plan = outcomes
        .iter()
        .all(|o| strategy_word(o) == strategy_word(first) && local_name(o) == local_name(first));
    if !same_plan {
        return None;
    }
    let mut united: Vec<FileChange> = Vec::new();
    for change in outcomes.iter().flat_map(|o| &o.changes) {
        match united.iter_mut().find(|c| c.path == change.path) {
            None => united.push(FileChange {
                path: change.path.clone(),
                before: change.before.clone(),
                after: change.after.clone(),
            }),
            Some(known) if known.before != change.before => return None,
            Some(known) => {
                known.after = merge::three_way(&known.before, &known.after, &change.after)?
            }
        }
    }
    crate::edit::sort_in_git_order(&mut united);
    Some(united)
}

fn local_name(outcome: &Outcome) -> Option<&str> {
    outcome
        .decision
        .conversion()
        .and_then(|c| c.wq.as_ref())
        .map(|wq| wq.name.as_str())
}

fn strategy_word(outcome: &Outcome) -> String {
    outcome
        .decision
        .conversion()
        .map_or("nothing".into(), |c| c.strategy.slug().to_string())
}

/// The first file whose new text differs between two conversions.
fn first_difference(a: &Outcome, b: &Outcome) -> Option<PathBuf> {
    let paths = |o: &Outcome| o.changes.iter().map(|c| c.path.clone()).collect::<Vec<_>>();
    if paths(a) != paths(b) {
        let mut all = paths(a);
        all.extend(paths(b));
        all.sort();
        return all
            .into_iter()
            .find(|p| !paths(a).contains(p) || !paths(b).contains(p));
    }
    a.changes
        .iter()
        .zip(&b.changes)
        .find(|(x, y)| x.after != y.after)
        .map(|(x, _)| x.path.clone())
}

/// Every converting kernel agrees: the newest's outcome, with the review
/// flags and splits the others found too.
fn agreed(mut each: Vec<(String, Outcome)>, newest: usize) -> Outcome {
    let flags = kernel_flags(&each);
    let (_, mut merged) = each.remove(newest);
    merged.flags = flags;
    for (_, other) in &each {
        replaces_also(&mut merged, other);
        for set in &mut merged.waits {
            let path = merged.unit.as_ref().map(|u| u.files[set.file].path.clone());
            let same = other.waits.iter().find(|o| {
                o.at == set.at && other.unit.as_ref().map(|u| u.files[o.file].path.clone()) == path
            });
            if let Some(same) = same {
                set.splits.extend(same.splits.iter().cloned());
            }
        }
    }
    for set in &mut merged.waits {
        set.splits = joined(std::mem::take(&mut set.splits));
    }
    merged
}

/// Every kernel's flags, once each. A call left on a queue no flush
/// waited for is so on some kernels only (`schedule_work()` queues on
/// system_percpu_wq from 6.18): its flag names them.
fn kernel_flags(each: &[(String, Outcome)]) -> Vec<Flag> {
    let mut flags: Vec<Flag> = Vec::new();
    let mut kernels_of: Vec<Vec<&str>> = Vec::new();
    for (kernel, outcome) in each {
        for flag in &outcome.flags {
            match flags.iter().position(|f| f == flag) {
                Some(at) => kernels_of[at].push(kernel),
                None => {
                    flags.push(flag.clone());
                    kernels_of.push(vec![kernel]);
                }
            }
        }
    }
    for (flag, kernels) in flags.iter_mut().zip(kernels_of) {
        if flag.kind == FlagKind::OtherSystemWq && kernels.len() < each.len() {
            flag.reason = format!("on Linux {}: {}", kernels.join(", "), flag.reason);
        }
    }
    flags
}

/// The system workqueues the local one replaces on any kernel (5.10's
/// `system_wq`, 7.2's `system_percpu_wq`).
fn replaces_also(merged: &mut Outcome, other: &Outcome) {
    let theirs = other
        .decision
        .conversion()
        .and_then(|c| c.wq.as_ref())
        .map_or(Vec::new(), |wq| wq.replaces.clone());
    if let Decision::Convert(conversion) = &mut merged.decision {
        if let Some(wq) = &mut conversion.wq {
            for system in theirs {
                if !wq.replaces.contains(&system) {
                    wq.replaces.push(system);
                }
            }
            wq.replaces.sort_by_key(|w| w.ident());
        }
    }
}

/// Splits of the same items onto the same queues, one per kernel, as one
/// naming every kernel, oldest first.
fn joined(splits: Vec<Split>) -> Vec<Split> {
    let mut out: Vec<Split> = Vec::new();
    for split in splits {
        match out
            .iter_mut()
            .find(|s| s.items == split.items && s.queues == split.queues)
        {
            Some(same) => same.kernels.extend(split.kernels),
            None => out.push(split),
        }
    }
    for split in &mut out {
        split.kernels.sort_by_key(|k| version_key(k));
        split.kernels.dedup();
    }
    out
}

fn version_key(version: &str) -> Vec<u32> {
    version.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}
