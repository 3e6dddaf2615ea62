//! Sibling patches: modules of one driver family that each only lose a
//! flush waiting for nothing of theirs go out as one patch, as a
//! maintainer sends such a cleanup (the ab8500-style chargers, fuel gauge
//! and thermal drivers of one PMIC). Siblings are built from one Makefile
//! directory under one Kconfig option, share the first word of their
//! names and lose the same flush for the same verdict; anything else
//! keeps a patch of its own.

use crate::analysis::Strategy;
use crate::outcome::Outcome;
use crate::report::summary::Summary;
use std::path::PathBuf;

/// What siblings have in common: directory, option, first name word,
/// verdict, the flush removed and the workqueue it flushed.
#[derive(PartialEq, Eq)]
struct Key {
    dir: PathBuf,
    config: String,
    lead: String,
    review: bool,
    flush: String,
    flushed: String,
}

fn key(outcome: &Outcome) -> Option<Key> {
    let strategy = outcome.decision.conversion().map(|c| &c.strategy);
    if !matches!(strategy, Some(Strategy::RemoveFlush { .. })) || outcome.changes.is_empty() {
        return None;
    }
    let lead = first_word(&outcome.module.name);
    let summary = Summary::of(outcome);
    Some(Key {
        dir: outcome.module.dir.clone(),
        config: outcome.module.config.clone()?,
        // A one-word name is the whole module, not a family's lead.
        lead: (lead.len() < outcome.module.name.len()).then(|| lead.to_string())?,
        review: outcome.flags.iter().any(|f| f.kind.needs_review()),
        flush: summary.flush,
        flushed: summary.flushed,
    })
}

fn first_word(name: &str) -> &str {
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
        let mut siblings = Vec::new();
        if let Some(mine) = &keys[at] {
            for later in at + 1..with_changes.len() {
                if !taken[later] && keys[later].as_ref() == Some(mine) {
                    taken[later] = true;
                    siblings.push(with_changes[later]);
                }
            }
        }
        patches.push((*lead, siblings));
    }
    patches
}
