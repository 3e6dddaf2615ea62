//! What a reviewer reads: a header per module (outside the hunks), and a
//! JSON view with its own structs so the core types stay serde-free.

use crate::analysis::{Flag, Verdict};
use crate::{describe_entry, Outcome};
use serde::Serialize;

pub fn verdict_word(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Convertible => "convertible",
        Verdict::NeedsReview => "needs review",
        Verdict::Refused(_) => "refused",
        Verdict::NotApplicable(_) => "not applicable",
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
    let reason = crate::patch::mail::wrap(&flag.reason, 70);
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
pub fn module_header(outcome: &Outcome) -> String {
    let module = &outcome.module;
    let mut lines = vec![format!("module {} ({})", module.name, module.dir.display())];
    if let Some(unit) = &outcome.unit {
        lines.push(format!("entry: {}", describe_entry(unit)));
    }
    if let Some(wq) = outcome.plan.as_ref().and_then(|p| p.wq.as_ref()) {
        let replaces: Vec<&str> = wq.replaces.iter().map(|w| w.ident()).collect();
        lines.push(format!(
            "strategy: local workqueue {} (flags {}) replacing {}",
            wq.name,
            wq.flags,
            replaces.join(", ")
        ));
    }
    match &outcome.verdict {
        Verdict::Refused(reason) | Verdict::NotApplicable(reason) => lines.push(format!(
            "verdict: {}: {reason}",
            verdict_word(&outcome.verdict)
        )),
        other => lines.push(format!("verdict: {}", verdict_word(other))),
    }
    for flag in outcome.plan.iter().flat_map(|p| &p.flags) {
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

#[derive(Serialize)]
pub struct FlagView {
    pub kind: &'static str,
    pub file: String,
    pub line: usize,
    pub excerpt: String,
    pub reason: String,
}

impl From<&Flag> for FlagView {
    fn from(flag: &Flag) -> Self {
        FlagView {
            kind: flag.kind.slug(),
            file: flag.file.display().to_string(),
            line: flag.line,
            excerpt: flag.excerpt.clone(),
            reason: flag.reason.clone(),
        }
    }
}
