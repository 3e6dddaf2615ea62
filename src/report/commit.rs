//! The texts of a patch series, from templates/: each commit message
//! (filled from the outcome's `Summary`) and the cover letter's blurb.

use super::summary::{removal_of, Summary};
use super::text::{fill, wrap};
use crate::analysis::{LocalWq, SharedKind, SiteCounts, Strategy};
use crate::outcome::Outcome;
use anyhow::{Context, Result};
use std::collections::BTreeMap;

const COMMIT_TEMPLATE: &str = include_str!("../../templates/commit.txt");
const FLUSH_WORK_TEMPLATE: &str = include_str!("../../templates/commit-flush-work.txt");
const REMOVE_FLUSH_TEMPLATE: &str = include_str!("../../templates/commit-remove-flush.txt");
const PROVIDER_TEMPLATE: &str = include_str!("../../templates/commit-provider.txt");
const FAMILY_TEMPLATE: &str = include_str!("../../templates/commit-family.txt");
const COVER_TEMPLATE: &str = include_str!("../../templates/cover.txt");
const RFC_NOTE: &str = include_str!("../../templates/rfc-note.txt");
/// The 2022 announcement the patches follow, for their `Link:` trailer.
const ANNOUNCEMENT: &str = include_str!("../../templates/announcement.txt");
/// The line that heads the review flags below a patch's `---`.
pub const NOTES_HEADING: &str = include_str!("../../templates/review-notes.txt");
/// Over the calls a patch leaves on system workqueues, said for the record.
pub const LEFT_HEADING: &str = include_str!("../../templates/left-notes.txt");

fn sites(n: usize) -> String {
    format!("{n} call site{}", if n == 1 { "" } else { "s" })
}

/// A subject prefix and whether the summary after it starts in lower
/// case ("Input: psmouse - avoid …", "crypto: atmel - Avoid …").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    pub text: String,
    pub lower: bool,
}

impl Prefix {
    pub fn new(text: String, lower: bool) -> Self {
        Prefix { text, lower }
    }

    /// `summary` after the prefix, its first letter in the subsystem's case.
    pub fn subject(&self, summary: &str) -> String {
        let mut chars = summary.chars();
        let first = chars.next().map(|c| match self.lower {
            true => c.to_lowercase().collect::<String>(),
            false => c.to_uppercase().collect(),
        });
        format!(
            "{}{}{}",
            self.text,
            first.unwrap_or_default(),
            chars.as_str()
        )
    }
}

/// The commit message's subject and body (with Signed-off-by).
/// `siblings`: the modules whose flush removals the patch also carries
/// (see `patch::siblings`).
pub fn commit_message(
    outcome: &Outcome,
    siblings: &[&Outcome],
    prefix: &Prefix,
    identity: &str,
) -> Result<(String, String)> {
    let summary = Summary::of(outcome);
    let mut values = BTreeMap::from([
        ("flush", summary.flush.clone()),
        ("module", outcome.module.name.clone()),
        ("system", summary.system.clone()),
        ("flushed", summary.flushed.clone()),
        ("init", summary.init.clone()),
        ("destroy", summary.destroy.clone()),
        ("queue_sites", sites(summary.converted_queue_sites)),
        ("flush_sites", sites(summary.converted_flush_sites)),
        ("call", "call".into()),
        ("it", "it".into()),
    ]);
    let strategy = outcome.decision.conversion().map(|c| &c.strategy);
    let template = match (strategy, &summary.wq) {
        (Some(Strategy::FlushWork(_)), _) => {
            values.insert("items", summary.flush_items.join(", "));
            values.insert("named", named(outcome));
            values.insert("timers", timers_note(strategy));
            FLUSH_WORK_TEMPLATE
        }
        (Some(Strategy::RemoveFlush { .. }), _) if !siblings.is_empty() => {
            let all: Vec<&Outcome> = std::iter::once(outcome)
                .chain(siblings.iter().copied())
                .collect();
            let count: usize = all
                .iter()
                .map(|o| Summary::of(o).converted_flush_sites)
                .sum();
            values.insert("removal", sibling_removal(&all));
            values.insert("flush_sites", sites(count));
            values.insert("call", "calls".into());
            values.insert("it", "the flushes".into());
            REMOVE_FLUSH_TEMPLATE
        }
        (Some(Strategy::RemoveFlush { .. }), _) => {
            values.insert("removal", summary.removal.clone());
            REMOVE_FLUSH_TEMPLATE
        }
        (Some(Strategy::Shared(shared)), Some(wq)) => {
            values.insert("wq", wq.name.clone());
            values.insert("flags_reason", flags_reason(&summary, wq));
            values.insert("owner", shared.owner.clone());
            values.insert("modules", (shared.members.len() + 1).to_string());
            match &shared.kind {
                SharedKind::Provider {
                    helper, provider, ..
                } => {
                    values.insert("callers", and_list(&shared.members));
                    values.insert("provider", provider.clone());
                    values.insert("helper", helper.clone());
                    PROVIDER_TEMPLATE
                }
                SharedKind::Family { header } => {
                    values.insert("members", and_list(&shared.members));
                    values.insert("header", header.clone());
                    FAMILY_TEMPLATE
                }
            }
        }
        (_, Some(wq)) => {
            values.insert("wq", wq.name.clone());
            values.insert("flags", wq.flags.to_string());
            values.insert("flags_reason", flags_reason(&summary, wq));
            values.insert("queueing", queueing(&summary));
            values.insert("a_wq", a_workqueue(outcome));
            let note = summary.macro_note.as_ref();
            values.insert(
                "macro_note",
                note.map_or(String::new(), |n| format!("{n} ")),
            );
            COMMIT_TEMPLATE
        }
        (_, None) => COMMIT_TEMPLATE,
    };
    let mut text = fill(template, &values)
        .with_context(|| format!("the commit message of {}", outcome.module.name))?;
    if let Some(paragraph) = super::hidden::commit_paragraph(outcome) {
        text = format!("{}\n\n{paragraph}", text.trim_end());
    }
    if let Some(paragraph) = kernels_paragraph(outcome) {
        text = format!("{}\n\n{paragraph}", text.trim_end());
    }
    let (subject, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    // A flush that already waits for nothing of the module's on the
    // kernel it was read against: the patch fixes that, and says so.
    let split: String = super::waits::split_notes(outcome)
        .iter()
        .map(|note| format!("\n\nThis also fixes a flush that stopped waiting: {note}."))
        .collect();
    let body = format!(
        "{}\n\nLink: {}\nSigned-off-by: {identity}\n",
        wrap(&format!("{}{split}", body.trim()), 75),
        ANNOUNCEMENT.trim()
    );
    Ok((prefix.subject(subject.trim()), body))
}

/// Why each sibling's flush may go, a paragraph per distinct reason:
/// siblings with the same reason share one, said once for all of them.
fn sibling_removal(all: &[&Outcome]) -> String {
    let mut reasons: Vec<(String, Vec<&Outcome>)> = Vec::new();
    for outcome in all {
        let reason = removal_of(outcome, "the module");
        match reasons.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, modules)) => modules.push(outcome),
            None => reasons.push((reason, vec![outcome])),
        }
    }
    let paragraphs: Vec<String> = reasons
        .into_iter()
        .map(|(reason, modules)| match modules.as_slice() {
            [one] => removal_of(one, &one.module.name),
            _ => {
                let names: Vec<&str> = modules.iter().map(|m| m.module.name.as_str()).collect();
                format!("For each of {}: {reason}", and_names(&names))
            }
        })
        .collect();
    paragraphs.join("\n\n")
}

/// For a conversion made for several kernels that writes a flag some of
/// them lack: how the module's build tells them apart.
fn kernels_paragraph(outcome: &Outcome) -> Option<String> {
    let unit = outcome.unit.as_ref()?;
    let (first, last) = (outcome.kernels.first()?, outcome.kernels.last()?);
    let written: Vec<String> = unit
        .facts
        .compat
        .iter()
        .filter(|c| {
            outcome.changes.iter().any(|change| {
                let has = |text: &[u8]| memchr::memmem::find(text, c.probe.as_bytes()).is_some();
                has(&change.after) && !has(&change.before)
            })
        })
        .map(|c| {
            format!(
                "{symbol}, which Linux {lacking} lacks, is an enum constant that #ifdef cannot \
                 test: the Kbuild file greps the kernel's workqueue.h and defines {probe}, and \
                 without it {symbol} is {fallback}, which is what a workqueue without WQ_UNBOUND \
                 was there.",
                symbol = c.symbol,
                lacking = c.lacking.join(" and "),
                probe = c.probe,
                fallback = c.fallback,
            )
        })
        .collect();
    (!written.is_empty()).then(|| {
        format!(
            "The module is built for Linux {first} to {last}. {}",
            written.join(" ")
        )
    })
}

/// Why the flush-work calls stand for the flush: what the wait model
/// shows, a drain loop's one item or every item still waited for.
fn named(outcome: &Outcome) -> String {
    let drains: Vec<&str> = outcome
        .waits
        .iter()
        .filter_map(|w| w.drain.as_deref())
        .collect();
    match drains.as_slice() {
        [] => format!(
            "The work items {} queues there that nothing waits for before the flush are \
             known by name, so wait for those instead",
            outcome.module.name
        ),
        _ => {
            let mut text = drains.join("; ");
            if let Some(first) = text.get(..1) {
                text = format!("{}{}", first.to_uppercase(), &text[1..]);
            }
            format!("{text}. Wait for it by name instead")
        }
    }
}

/// Why a delayed item's work is flushed rather than the item, when one is.
fn timers_note(strategy: Option<&Strategy>) -> String {
    let timers = match strategy {
        Some(Strategy::FlushWork(replacements)) => replacements.iter().any(|r| r.timers),
        _ => false,
    };
    match timers {
        true => " A delayed item is waited for through its work (flush_work(&x.work)): \
                 that is what the flush waited for, while flush_delayed_work() would also \
                 run it at once if its timer were still pending, which the flush never did."
            .to_string(),
        false => String::new(),
    }
}

/// "a workqueue", or "another workqueue" when the module already
/// allocates one of its own (psmouse's kpsmoused_wq): the new one is not
/// its first.
fn a_workqueue(outcome: &Outcome) -> String {
    let allocates = outcome
        .unit
        .as_ref()
        .is_some_and(crate::analysis::reclaim::allocates_workqueue);
    match allocates {
        true => "another workqueue".into(),
        false => "a workqueue".into(),
    }
}

/// "a, b and c", from the members' names.
fn and_list(members: &[(String, SiteCounts)]) -> String {
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    and_names(&names)
}

/// "a, b and c".
fn and_names(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Where the work goes now: "Queue the module's work on it (2 call
/// sites) and flush it instead of system_wq (1 call site)."
fn queueing(summary: &Summary) -> String {
    let destroyed = summary.flushes_destroyed.min(summary.converted_flush_sites);
    let flushed = summary.converted_flush_sites - destroyed;
    // The flush the destroy took the place of is no longer a flush: say so.
    let becomes = format!(
        "the exit's flush of {} becomes its destroy, which waits for that work as the \
         flush did ({})",
        summary.flushed,
        sites(destroyed)
    );
    let flush = match (flushed, destroyed) {
        (_, 0) => format!(
            "flush it instead of {} ({})",
            summary.flushed,
            sites(summary.converted_flush_sites)
        ),
        (0, _) => becomes,
        (n, _) => format!(
            "flush it instead of {} ({}); {becomes}",
            summary.flushed,
            sites(n)
        ),
    };
    match summary.converted_queue_sites {
        0 => format!("Then {flush}."),
        n => format!("Queue the module's work on it ({}) and {flush}.", sites(n)),
    }
}

/// Why the new workqueue has its flags and max_active: the replaced
/// queue's, plus WQ_MEM_RECLAIM where analysis found the work on the block
/// I/O path (the evidence goes below the `---`, `reclaim_note`).
fn flags_reason(summary: &Summary, wq: &LocalWq) -> String {
    let system = summary.system.replace(", ", " and ");
    let same = match wq.max_active {
        "0" => format!("Its flags ({})", base_flags(wq)),
        max => format!("Its flags ({}) and max_active ({max})", base_flags(wq)),
    };
    match &wq.reclaim {
        None => format!(
            "{same} are those of {system}, where that work ran until now, so it runs as before."
        ),
        Some(reclaim) => format!(
            "{same} are those of {system}, where that work ran until now; it also gets \
             WQ_MEM_RECLAIM: {}.",
            reclaim.because
        ),
    }
}

/// The flags of the replaced system workqueue (without the WQ_MEM_RECLAIM
/// the evidence added).
fn base_flags(wq: &LocalWq) -> String {
    if wq.reclaim.is_none() {
        return wq.flags.to_string();
    }
    let rest: Vec<&str> = wq
        .flags
        .split(" | ")
        .filter(|f| *f != "WQ_MEM_RECLAIM")
        .collect();
    match rest.is_empty() {
        true => "0".to_string(),
        false => rest.join(" | "),
    }
}

/// The evidence for WQ_MEM_RECLAIM, for below the patch's `---`.
pub fn reclaim_note(outcome: &Outcome) -> String {
    let wq = outcome.decision.conversion().and_then(|c| c.wq.as_ref());
    match wq.and_then(|w| w.reclaim.as_ref()) {
        Some(reclaim) => format!("{}\n\n", wrap(&reclaim.evidence, 75)),
        None => String::new(),
    }
}

/// The cover letter's subject and its blurb, wrapped at 72 columns: what
/// the patches of the series do, counted by kind. Each patch is its lead
/// outcome and the siblings it also carries.
pub fn cover_text(patches: &[(&Outcome, &[&Outcome])], rfc: bool) -> Result<(String, String)> {
    let (stops, touches) = scope(patches);
    let values = BTreeMap::from([
        ("version", env!("CARGO_PKG_VERSION").to_string()),
        ("kinds", kinds(patches)),
        ("stops", stops),
        ("touches", touches),
        (
            "rfc_note",
            match rfc {
                true => RFC_NOTE.trim_end().to_string(),
                false => String::new(),
            },
        ),
    ]);
    let text = fill(COVER_TEMPLATE, &values).context("the cover letter")?;
    let (subject, blurb) = text.split_once("\n\n").unwrap_or((&text, ""));
    Ok((subject.trim().to_string(), wrap(blurb.trim(), 72)))
}

/// What one patch covers, as the cover letter says it: one module, or a
/// group of modules (named, with its size): those that share a workqueue,
/// or siblings that each lose a flush.
fn scope(patches: &[(&Outcome, &[&Outcome])]) -> (String, String) {
    let groups: Vec<String> = patches
        .iter()
        .filter_map(
            |(o, siblings)| match o.decision.conversion().map(|c| &c.strategy) {
                Some(Strategy::Shared(shared)) => Some(format!(
                    "{}: {} modules that share a workqueue",
                    shared.owner,
                    shared.members.len() + 1
                )),
                _ if !siblings.is_empty() => {
                    let names: Vec<&str> = std::iter::once(*o)
                        .chain(siblings.iter().copied())
                        .map(|m| m.module.name.as_str())
                        .collect();
                    Some(format!(
                        "{}: built together, each losing a flush",
                        and_names(&names)
                    ))
                }
                _ => None,
            },
        )
        .collect();
    match groups.is_empty() {
        true => ("one module".into(), "one module only".into()),
        false => (
            "one module, or one group of modules,".into(),
            format!(
                "one module, or one group of modules ({})",
                groups.join("; ")
            ),
        ),
    }
}

/// "2 give the module a workqueue of its own …; 1 removes a flush …".
fn kinds(patches: &[(&Outcome, &[&Outcome])]) -> String {
    let (mut own, mut named, mut removed, mut removed_groups) = (0, 0, 0, 0);
    for (outcome, siblings) in patches {
        match outcome.decision.conversion().map(|c| &c.strategy) {
            Some(Strategy::FlushWork(_)) => named += 1,
            Some(Strategy::RemoveFlush { .. }) if !siblings.is_empty() => removed_groups += 1,
            Some(Strategy::RemoveFlush { .. }) => removed += 1,
            _ => own += 1,
        }
    }
    let verb = |n: usize, one: &str, many: &str| match n {
        1 => format!("1 {one}"),
        _ => format!("{n} {many}"),
    };
    let mut parts = Vec::new();
    if own > 0 {
        // WQ_MEM_RECLAIM beyond the replaced queue's flags, where evidence
        // put it: the sentence must stay true of every patch.
        let reclaim = patches.iter().any(|(o, _)| {
            o.decision
                .conversion()
                .and_then(|c| c.wq.as_ref())
                .is_some_and(|wq| wq.reclaim.is_some())
        });
        let flags = match reclaim {
            true => {
                "the flags of the system workqueue it replaces (plus WQ_MEM_RECLAIM where the \
                 patch shows its work on the memory-reclaim path)"
            }
            false => "the flags of the system workqueue it replaces",
        };
        parts.push(verb(
            own,
            &format!("gives its module a workqueue of its own, allocated at init with {flags} and destroyed at exit, and queues and flushes there"),
            &format!("give their module a workqueue of its own, allocated at init with {flags} and destroyed at exit, and queue and flush there"),
        ));
    }
    if named > 0 {
        parts.push(verb(
            named,
            "waits for the module's own work items by name (flush_work()) instead",
            "wait for the module's own work items by name (flush_work()) instead",
        ));
    }
    if removed > 0 {
        parts.push(verb(
            removed,
            "removes a flush that waits for none of the module's work",
            "remove a flush that waits for none of the module's work",
        ));
    }
    if removed_groups > 0 {
        parts.push(verb(
            removed_groups,
            "removes, from each module of a group, a flush that waits for none of that \
             module's work",
            "remove, from each module of a group, a flush that waits for none of that \
             module's work",
        ));
    }
    parts.join("; ")
}
