//! All reviewer-facing text: a header per module (outside the hunks), the
//! rows of `scan`, flag lines and blocks, Step 0's advice, the commit
//! messages and the JSON view. `patch/` only packs this into mail bytes.

pub mod commit;
pub mod facts;
pub mod hidden;
pub mod json;
pub mod summary;
pub mod text;
pub mod waits;

use crate::analysis::{Flag, Verdict};
use crate::outcome::Outcome;

pub use json::{ModuleView, OrphanView, ScanView};
pub use summary::{describe_entry, Summary};

pub fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Convertible => "convertible",
        Verdict::NeedsReview => "needs review",
        Verdict::Refused => "refused",
        Verdict::NotApplicable => "not applicable",
    }
}

/// `verdict` or `verdict: reason`, as the header and `check` print it.
pub fn verdict_line(outcome: &Outcome) -> String {
    let word = verdict_word(outcome.verdict());
    match outcome.decision.refusal() {
        Some(refusal) => format!("{word}: {refusal}"),
        None => word.to_string(),
    }
}

pub fn flag_line(flag: &Flag) -> String {
    format!(
        "{}:{}: [{}] {}\n    {}",
        flag.file.display(),
        flag.line,
        flag.kind.slug(),
        flag.reason,
        flag.excerpt
    )
}

/// A flag for a mail: location and kind, the reason wrapped at 72
/// columns, the code excerpt indented.
pub fn flag_block(flag: &Flag) -> String {
    let reason = text::wrap(&flag.reason, 70);
    let reason: Vec<String> = reason.lines().map(|l| format!("  {l}")).collect();
    format!(
        "- {}:{} [{}]\n{}\n    {}\n",
        flag.file.display(),
        flag.line,
        flag.kind.slug(),
        reason.join("\n"),
        flag.excerpt
    )
}

/// The lines `# …` that precede a module's diff.
/// The kernel whose compat branches the outcome's sites are read for:
/// the newest when several were given (a merged outcome is the newest's).
fn dead_for(outcome: &Outcome) -> String {
    match &outcome.kernels[..] {
        [] | [_] => "this kernel".to_string(),
        [.., newest] => format!("Linux {newest}"),
    }
}

pub fn module_header(outcome: &Outcome) -> String {
    let module = &outcome.module;
    let summary = Summary::of(outcome);
    let mut lines = vec![format!("module {} ({})", module.name, module.dir_shown())];
    if let Some(unit) = &outcome.unit {
        lines.push(format!("entry: {}", describe_entry(unit)));
    }
    if let Some(strategy) = &summary.strategy {
        lines.push(format!("strategy: {strategy}"));
    }
    if let Some(advice) = &summary.advice {
        lines.push(format!("step 0: {advice}"));
    }
    lines.push(format!("verdict: {}", verdict_line(outcome)));
    if outcome.kernels.len() > 1 {
        lines.push(format!("kernels: Linux {}", outcome.kernels.join(", ")));
    }
    if let Some(unit) = &outcome.unit {
        let kernel = dead_for(outcome);
        for call in dead_branch_calls(unit) {
            lines.push(format!("not compiled for {kernel}, not a site: {call}"));
        }
    }
    for note in &module.kbuild_notes {
        lines.push(format!("kbuild: {note}"));
    }
    lines.extend(waits::header_lines(outcome));
    lines.extend(hidden::header_lines(outcome));
    for flag in &outcome.flags {
        lines.push(format!("flag: {}", flag_line(flag)));
    }
    let mut out = String::new();
    for line in lines {
        for part in line.lines() {
            out.push_str("# ");
            out.push_str(part);
            out.push('\n');
        }
    }
    out
}

/// Workqueue calls in compatibility branches dead for the kernel the
/// module is built for (`file:line api`): left alone, and said so.
pub fn dead_branch_calls(unit: &crate::load::Unit) -> Vec<String> {
    let mut calls = Vec::new();
    for file in &unit.files {
        for range in &file.dead {
            for (offset, word) in crate::ctext::calls_in(&file.text[range.clone()]) {
                if crate::wq::api(word).is_some() {
                    let line = file.line_of(range.start + offset);
                    calls.push(format!("{}:{line} {word}()", file.path.display()));
                }
            }
        }
    }
    calls
}

/// One row of `localwq scan`'s table.
pub fn scan_row(outcome: &Outcome) -> String {
    let view = ModuleView::new(outcome);
    let mut apis: std::collections::BTreeMap<&str, usize> = Default::default();
    for site in &view.queue_sites {
        *apis.entry(site.api).or_default() += 1;
    }
    let queue: Vec<String> = apis.iter().map(|(api, n)| format!("{api}×{n}")).collect();
    let mut row = format!(
        "{} ({}, {} file{}) [{}]\n  entry: {}\n  queues: {}\n  flushes: {}\n  system wqs: {}\n",
        view.module,
        view.dir,
        view.files.len(),
        if view.files.len() == 1 { "" } else { "s" },
        view.verdict,
        view.entry,
        if queue.is_empty() {
            "none".into()
        } else {
            queue.join(", ")
        },
        view.flush_sites.len(),
        view.system_workqueues.join(", "),
    );
    if let Some(reason) = &view.reason {
        row.push_str(&format!("  reason: {reason}\n"));
    }
    for split in view.flush_sites.iter().filter_map(|s| s.split.as_ref()) {
        row.push_str(&format!("  split: {split}\n"));
    }
    if let Some(strategy) = &view.strategy {
        row.push_str(&format!("  strategy: {strategy}\n"));
    }
    if let Some(advice) = &view.advice {
        row.push_str(&format!("  step 0: {advice}\n"));
    }
    for call in &view.dead_branch_calls {
        row.push_str(&format!(
            "  not compiled for {}: {call}\n",
            dead_for(outcome)
        ));
    }
    for line in hidden::header_lines(outcome) {
        row.push_str(&format!("  {line}\n"));
    }
    for note in &view.kbuild_notes {
        row.push_str(&format!("  kbuild: {note}\n"));
    }
    for flag in &outcome.flags {
        row.push_str(&format!("  flag: {}\n", flag_line(flag)));
    }
    row
}
