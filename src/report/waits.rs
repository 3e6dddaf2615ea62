//! The wait model as the reviewer reads it: per flush, each item it waited
//! for, what waited for it before the flush, and what waits for it once
//! the patch is applied. The diff header, the notes below a patch's `---`
//! and the JSON all print this.

use crate::analysis::teardown;
use crate::analysis::{Reach, SharedKind, Strategy, Wait, WaitSet};
use crate::outcome::Outcome;

/// One entry, as every printer shows it (JSON's `waits_for` too).
#[derive(serde::Serialize)]
pub struct WaitRow {
    pub item: String,
    pub queued: Vec<String>,
    /// `own`, `handed-in`, `callback`, `provider-item`, `dependent`,
    /// `unknown`.
    pub reach: &'static str,
    pub how: String,
    /// What waited for it before the flush, already.
    #[serde(rename = "waited_before")]
    pub before: Option<String>,
    /// What waits for it after the patch; None when there is no patch.
    pub after: Option<String>,
    /// The module's own item: the system workqueues it is queued on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub queued_on: Vec<&'static str>,
    /// Where else the module waits for it, not before the flush.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub elsewhere: Vec<String>,
}

pub fn reach_slug(reach: &Reach) -> &'static str {
    match reach {
        Reach::Own { .. } => "own",
        Reach::HandedIn { .. } => "handed-in",
        Reach::Callback { .. } => "callback",
        Reach::ProviderItem { .. } => "provider-item",
        Reach::Dependent { .. } => "dependent",
        Reach::Unknown => "unknown",
    }
}

/// The rows of one flush's wait set.
pub fn rows(outcome: &Outcome, set: &WaitSet) -> Vec<WaitRow> {
    set.entries
        .iter()
        .map(|wait| WaitRow {
            item: wait.item.clone(),
            queued: wait.queued.clone(),
            reach: reach_slug(&wait.reach),
            how: wait.how(),
            before: wait.waited.clone(),
            after: after(outcome, set, wait),
            queued_on: wait.queued_on.clone(),
            elsewhere: wait.elsewhere.clone(),
        })
        .collect()
}

/// What waits for `wait` once the module's patch is applied.
fn after(outcome: &Outcome, set: &WaitSet, wait: &Wait) -> Option<String> {
    let conversion = outcome.decision.conversion()?;
    if wait.waited.is_some() {
        return Some("unchanged".into());
    }
    let wq = conversion.wq.as_ref().map(|w| w.name.clone());
    let shared = match &conversion.strategy {
        Strategy::Shared(shared) => Some(shared),
        _ => None,
    };
    let nothing = || "nothing: see the flags".to_string();
    Some(match (&wait.reach, &conversion.strategy) {
        (Reach::Own { name: Ok(expr), .. }, Strategy::FlushWork(replacements)) => replacements
            .iter()
            .filter(|r| r.file == set.file && r.at == set.at)
            .flat_map(|r| r.calls.iter().zip(r.described()))
            .find(|(call, _)| {
                let delayed = crate::analysis::step0::delayed_work_of(expr);
                call.ends_with(&format!("({expr})")) || call.ends_with(&format!("({delayed})"))
            })
            .map_or_else(nothing, |(_, described)| described),
        (Reach::Own { .. }, Strategy::LocalWq { .. }) => {
            let unit = outcome.unit.as_ref();
            let replaced = unit.and_then(|u| teardown::replaced_flush(u, &outcome.sites));
            let call = match replaced == Some((set.file, set.at)) {
                true => "destroy_workqueue",
                false => "flush_workqueue",
            };
            wq.map_or_else(nothing, |wq| format!("{call}({wq})"))
        }
        (
            Reach::Own { .. } | Reach::Dependent { .. } | Reach::HandedIn { .. },
            Strategy::Shared(_),
        ) => {
            let shared = shared.expect("matched");
            match &shared.kind {
                SharedKind::Provider { helper, .. } => format!("{helper}()"),
                SharedKind::Family { .. } => format!("flush_workqueue({})", shared.wq),
            }
        }
        (Reach::ProviderItem { provider }, _) => format!(
            "nothing in this module: {} {}, not one the module hands in; the flush waited \
             for it only because both use the system workqueue",
            crate::analysis::wait::listed(provider),
            match provider.contains(", ") {
                true => "queue an item of their own",
                false => "queues an item of its own",
            }
        ),
        _ => nothing(),
    })
}

/// Where the flush waits for none of some of the module's items: they
/// are queued on a separate system workqueue with the same flags (6.18's
/// `system_percpu_wq` beside `system_wq`), on the kernels named. Said on
/// the flush, in the header, JSON and the commit message: the conversion
/// fixes a bug.
pub fn split_note(outcome: &Outcome, set: &WaitSet) -> Option<String> {
    let fixed = match outcome.decision.conversion().map(|c| &c.strategy) {
        Some(Strategy::RemoveFlush { .. }) | None => "",
        Some(_) => "; after this patch the flush waits for the module's work again",
    };
    let notes: Vec<String> = set
        .splits
        .iter()
        .map(|split| {
            let kernel = match split.kernels.as_slice() {
                [] => "this kernel".to_string(),
                [one] => format!("Linux {one}"),
                [rest @ .., last] => format!("Linux {} and {last}", rest.join(", ")),
            };
            let (verb, pronoun) = match split.items.len() {
                1 => ("is", "it"),
                _ => ("are", "them"),
            };
            format!(
                "on {kernel}, {} {verb} queued on {}, not on {}: this flush of {} waits for \
                 none of {pronoun}",
                split.items.join(", "),
                split.queues.join(" and "),
                set.flushes,
                set.flushes,
            )
        })
        .collect();
    match notes.is_empty() {
        true => None,
        false => Some(format!("{}{fixed}", notes.join("; "))),
    }
}

/// Every flush's split note, each once.
pub fn split_notes(outcome: &Outcome) -> Vec<String> {
    let mut notes: Vec<String> = Vec::new();
    for note in outcome
        .waits
        .iter()
        .filter_map(|set| split_note(outcome, set))
    {
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    notes
}

/// The header lines (without `# `) of every flush's wait set.
pub fn header_lines(outcome: &Outcome) -> Vec<String> {
    let Some(unit) = outcome.unit.as_ref() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for set in &outcome.waits {
        let path = unit.files[set.file].path.display();
        let count = set.entries.len();
        // On a kernel that split the queues the flush is meant to wait
        // for items it no longer does (the split line says which).
        let verb = match set.splits.is_empty() {
            true => "waits",
            false => "is meant to wait",
        };
        let intro = match count {
            0 => "waits for nothing localwq can see".to_string(),
            1 => format!("{verb} for 1 item"),
            n => format!("{verb} for {n} items"),
        };
        lines.push(format!("flush {path}:{} {intro}", set.line));
        if let Some(note) = split_note(outcome, set) {
            lines.push(format!("  split: {note}"));
        }
        for row in rows(outcome, set) {
            lines.push(format!(
                "  - {} [{}] queued at {}",
                row.item,
                row.reach,
                // A place may end in its code line's `;`: no `;,`.
                row.queued
                    .iter()
                    .map(|q| q.trim_end_matches(';'))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            lines.push(format!(
                "    waited for by: {}",
                row.before
                    .as_deref()
                    .unwrap_or("nothing localwq sees before this flush")
            ));
            if !row.elsewhere.is_empty() {
                lines.push(format!(
                    "    also waited for, not before this flush: {}",
                    row.elsewhere.join("; ")
                ));
            }
            if let Some(after) = &row.after {
                lines.push(format!("    after: {after}"));
            }
        }
    }
    lines
}

/// The notes for below a patch's `---`: what each flush waited for and
/// what waits for it after the patch, the proof a reviewer checks.
pub fn notes(outcome: &Outcome) -> String {
    notes_of(&[outcome])
}

/// `notes` of several modules' flushes under one heading (each flush
/// line names its file).
pub fn notes_of(outcomes: &[&Outcome]) -> String {
    let lines: Vec<String> = outcomes.iter().flat_map(|o| header_lines(o)).collect();
    if lines.is_empty() {
        return String::new();
    }
    let mut out =
        String::from("What each flush waited for, and what waits for it after this patch:\n\n");
    for (at, line) in lines.iter().enumerate() {
        // A blank line between the flushes.
        if at > 0 && line.starts_with("flush ") {
            out.push('\n');
        }
        // Wrapped at 75 columns as the rest of the mail, continuation
        // lines indented two more under the text they continue (so the
        // text is wrapped for their width).
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        let wrapped = super::text::wrap(&line[indent..], 75 - indent - 2);
        for (at, part) in wrapped.lines().enumerate() {
            let lead = match at {
                0 => line[..indent].to_string(),
                _ => " ".repeat(indent + 2),
            };
            out.push_str(&format!("{lead}{part}\n"));
        }
    }
    out.push('\n');
    out
}
