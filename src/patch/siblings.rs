//! Sibling patches: modules of one driver family that each only lose a
//! flush waiting for nothing of theirs go out as one patch, as a
//! maintainer sends such a cleanup (the chargers, fuel gauge and thermal
//! drivers of one PMIC). Siblings are built from one Makefile directory
//! under one Kconfig option and lose the same flush for the same verdict;
//! anything else keeps a patch of its own. A group whose names start with
//! more than `MAX_LEADS` different words is no family: it splits by them.

use crate::analysis::Strategy;
use crate::outcome::Outcome;
use crate::report::summary::Summary;
use std::path::PathBuf;

/// How many different first words of their names a group may have.
const MAX_LEADS: usize = 3;

/// What siblings have in common: directory, option, verdict, the flush
/// removed and the workqueue it flushed.
#[derive(PartialEq, Eq)]
struct Key {
    dir: PathBuf,
    config: String,
    review: bool,
    flush: String,
    flushed: String,
}

fn key(outcome: &Outcome) -> Option<Key> {
    let strategy = outcome.decision.conversion().map(|c| &c.strategy);
    if !matches!(strategy, Some(Strategy::RemoveFlush { .. })) || outcome.changes.is_empty() {
        return None;
    }
    let summary = Summary::of(outcome);
    Some(Key {
        dir: outcome.module.dir.clone(),
        config: outcome.module.config.clone()?,
        review: outcome.flags.iter().any(|f| f.kind.needs_review()),
        flush: summary.flush,
        flushed: summary.flushed,
    })
}

pub fn first_word(name: &str) -> &str {
    name.split(['-', '_']).next().unwrap_or(name)
}

/// The outcomes with changes as patches: each a lead and the siblings
/// that join its patch (none for most), in the outcomes' order.
pub fn patches(outcomes: &[Outcome]) -> Vec<(&Outcome, Vec<&Outcome>)> {
    let with_changes: Vec<&Outcome> = outcomes.iter().filter(|o| !o.changes.is_empty()).collect();
    let keys: Vec<Option<Key>> = with_changes.iter().map(|o| key(o)).collect();
    let mut taken = vec![false; with_changes.len()];
    let mut patches = Vec::new();
    for (at, lead) in with_changes.iter().enumerate() {
        if taken[at] {
            continue;
        }
        let mut group = vec![*lead];
        if let Some(mine) = &keys[at] {
            for later in at + 1..with_changes.len() {
                if !taken[later] && keys[later].as_ref() == Some(mine) {
                    taken[later] = true;
                    group.push(with_changes[later]);
                }
            }
        }
        patches.extend(split_by_lead(group));
    }
    patches
}

/// A group as patches: whole, or one per first word of the names when
/// they have too many to be one family.
fn split_by_lead(group: Vec<&Outcome>) -> Vec<(&Outcome, Vec<&Outcome>)> {
    let mut leads: Vec<&str> = Vec::new();
    for outcome in &group {
        let lead = first_word(&outcome.module.name);
        if !leads.contains(&lead) {
            leads.push(lead);
        }
    }
    let parts: Vec<Vec<&Outcome>> = match leads.len() <= MAX_LEADS {
        true => vec![group],
        false => leads
            .iter()
            .map(|lead| {
                group
                    .iter()
                    .copied()
                    .filter(|o| first_word(&o.module.name) == *lead)
                    .collect()
            })
            .collect(),
    };
    parts
        .into_iter()
        .map(|mut part| {
            let lead = part.remove(0);
            (lead, part)
        })
        .collect()
}
