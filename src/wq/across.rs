//! One conversion for every kernel a module is built for (a DKMS package's
//! range, `--kernel` given more than once): the flags a local workqueue is
//! written with. Kernels spell the same system workqueue differently (7.x
//! writes out `WQ_PERCPU`, which earlier kernels lack because it was the
//! default), so flags are compared by meaning, written once, and where a
//! kernel lacks a flag that is written the module's build tests for it
//! (`Compat`). Flags that mean different things on two kernels are no
//! fact at all: a module that needs them is refused, naming the kernels.

use super::{intern, SystemWq, WqFacts};
use std::collections::{BTreeMap, BTreeSet};

/// A flag the written flags use that some kernel does not declare, and
/// what the module's build does about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compat {
    /// `WQ_PERCPU`.
    pub symbol: &'static str,
    /// What it stands for on a kernel without it (`0`).
    pub fallback: &'static str,
    /// The macro the module's Kbuild defines when the kernel declares it.
    pub probe: &'static str,
    /// Why the fallback is right, for the comment beside it.
    pub why: &'static str,
    /// The kernels (versions) that lack it.
    pub lacking: Vec<String>,
}

/// Flags that name a default: a workqueue without `unless` behaves as if
/// it had the flag, on kernels that declare it and on those before it.
struct DefaultFlag {
    flag: &'static str,
    unless: &'static str,
    probe: &'static str,
    why: &'static str,
}

const DEFAULT_FLAGS: &[DefaultFlag] = &[DefaultFlag {
    flag: "WQ_PERCPU",
    unless: "WQ_UNBOUND",
    probe: "HAVE_WQ_PERCPU",
    why: "Kernels without it make a workqueue without WQ_UNBOUND per-cpu",
}];

/// The version a report names a kernel by.
pub fn label(facts: &WqFacts) -> String {
    facts
        .kernel
        .clone()
        .unwrap_or_else(|| "a kernel of unknown version".into())
}

/// Each kernel's facts with its system workqueues' local flags replaced by
/// the flags written for all of `kernels` (oldest first), and the compat
/// each needs. One kernel keeps its own facts.
pub fn merge(kernels: &[WqFacts]) -> Vec<WqFacts> {
    if kernels.len() < 2 {
        return kernels.to_vec();
    }
    let names: BTreeSet<&'static str> = kernels
        .iter()
        .flat_map(|k| k.system.iter().map(|f| f.wq.name))
        .collect();
    let mut written: BTreeMap<&str, Result<String, String>> = names
        .iter()
        .map(|name| (*name, written_flags(kernels, name)))
        .collect();
    let compat = compat_of(kernels, &mut written);
    let written: BTreeMap<&str, Result<Written, String>> = written
        .into_iter()
        .map(|(name, flags)| {
            let both = flags.and_then(|flags| {
                let max_active = written_max(kernels, name)?;
                Ok(Written { flags, max_active })
            });
            (name, both)
        })
        .collect();
    kernels
        .iter()
        .map(|k| with_written(k, &written, &compat))
        .collect()
}

/// What a local workqueue standing for one system workqueue is written
/// with, for every kernel.
struct Written {
    flags: String,
    max_active: String,
}

/// The max_active of `name` written for every kernel that has it: one
/// spelling each kernel gives the value its own system workqueue was
/// created with, itself or an alias the kernel declares (6.8 made
/// `WQ_UNBOUND_MAX_ACTIVE` an alias of the `WQ_MAX_ACTIVE` it creates
/// system_unbound_wq with), the oldest kernel's preferred.
fn written_max(kernels: &[WqFacts], name: &str) -> Result<String, String> {
    let per: Vec<(&WqFacts, &str)> = kernels
        .iter()
        .filter_map(|k| k.system_wq(name).map(|wq| (k, wq.max_active())))
        .collect();
    let same = |kernel: &WqFacts, a: &str, b: &str| {
        a == b
            || kernel
                .aliases
                .iter()
                .any(|(x, y)| (x == a && y == b) || (x == b && y == a))
    };
    let chosen = per
        .iter()
        .map(|(_, max)| *max)
        .find(|candidate| per.iter().all(|(k, max)| same(k, candidate, max)));
    chosen.map(str::to_string).ok_or_else(|| {
        let each: Vec<String> = per
            .iter()
            .map(|(k, m)| format!("{m} on {}", label(k)))
            .collect();
        format!(
            "its max_active differs between kernels: {}",
            each.join(", ")
        )
    })
}

/// The flags of `name` for every kernel that has it: the same meaning on
/// each, written as the newest kernel spells them plus what older ones
/// add. Err says which kernels disagree.
fn written_flags(kernels: &[WqFacts], name: &str) -> Result<String, String> {
    let per: Vec<(String, Option<&'static str>)> = kernels
        .iter()
        .filter_map(|k| k.system_wq(name).map(|wq| (label(k), wq.flags())))
        .collect();
    if let Some((kernel, _)) = per.iter().find(|(_, flags)| flags.is_none()) {
        return Err(format!("its flags are unknown on {kernel}"));
    }
    let flags: Vec<(&str, &str)> = per.iter().map(|(k, f)| (k.as_str(), f.unwrap())).collect();
    let meaning = normalised(flags[0].1);
    if flags.iter().any(|(_, f)| normalised(f) != meaning) {
        let each: Vec<String> = flags.iter().map(|(k, f)| format!("{f} on {k}")).collect();
        return Err(format!(
            "its flags differ between kernels: {}",
            each.join(", ")
        ));
    }
    let mut words: Vec<&str> = Vec::new();
    for (_, text) in flags.iter().rev() {
        for word in flag_words(text) {
            if !words.contains(&word) {
                words.push(word);
            }
        }
    }
    Ok(match words.is_empty() {
        true => "0".into(),
        false => words.join(" | "),
    })
}

fn flag_words(text: &str) -> impl Iterator<Item = &str> {
    text.split('|')
        .map(str::trim)
        .filter(|w| !w.is_empty() && *w != "0")
}

/// The flags' meaning: their set, with the defaults a workqueue has
/// without saying so.
fn normalised(text: &str) -> BTreeSet<&str> {
    let mut set: BTreeSet<&str> = flag_words(text).collect();
    for default in DEFAULT_FLAGS {
        if !set.contains(default.unless) {
            set.insert(default.flag);
        }
    }
    set
}

/// The flags written that some kernel lacks: a compat where the flag is a
/// default (the kernel without it behaves the same), otherwise the
/// workqueue's flags cannot be written for every kernel.
fn compat_of(
    kernels: &[WqFacts],
    written: &mut BTreeMap<&str, Result<String, String>>,
) -> Vec<Compat> {
    let mut compat: Vec<Compat> = Vec::new();
    for (name, flags) in written.iter_mut() {
        let Ok(text) = flags else { continue };
        let mut problem = None;
        for word in flag_words(text) {
            // Only kernels that have the workqueue: a module that uses it
            // is not built for the others.
            let lacking: Vec<String> = kernels
                .iter()
                .filter(|k| k.system_wq(name).is_some())
                .filter(|k| !k.flag_names.iter().any(|f| f == word))
                .map(label)
                .collect();
            if lacking.is_empty() || compat.iter().any(|c| c.symbol == word) {
                continue;
            }
            match DEFAULT_FLAGS.iter().find(|d| d.flag == word) {
                Some(default) => compat.push(Compat {
                    symbol: default.flag,
                    fallback: "0",
                    probe: default.probe,
                    why: default.why,
                    lacking,
                }),
                None => problem = Some(format!("{word} is not declared on {}", lacking.join(", "))),
            }
        }
        if let Some(problem) = problem {
            *flags = Err(problem);
        }
    }
    compat
}

fn with_written(
    kernel: &WqFacts,
    written: &BTreeMap<&str, Result<Written, String>>,
    compat: &[Compat],
) -> WqFacts {
    let mut facts = kernel.clone();
    for fact in &mut facts.system {
        let flags = written.get(fact.wq.name).expect("every name merged");
        if let Err(why) = flags {
            facts.notes.push(format!(
                "{}: {why}; a module that needs it is refused",
                fact.wq.name
            ));
        }
        fact.wq = SystemWq {
            name: fact.wq.name,
            flags: flags.as_ref().ok().map(|w| intern(&w.flags)),
            max_active: flags
                .as_ref()
                .map_or(fact.wq.max_active, |w| intern(&w.max_active)),
        };
    }
    let system = facts.system.clone();
    for (_, wq) in &mut facts.implied {
        *wq = system
            .iter()
            .find(|f| f.wq.name == wq.name)
            .expect("implied names a declared workqueue")
            .wq;
    }
    facts.compat = compat.to_vec();
    facts
}

#[cfg(test)]
mod tests;
