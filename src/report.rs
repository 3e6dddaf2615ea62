//! What a reviewer reads: a header per module (outside the hunks), and a
//! JSON view with its own structs so the core types stay serde-free.

use crate::analysis::{Flag, Plan, SiteState, Strategy, Verdict};
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

/// The strategy applied, in one line.
pub fn describe_strategy(plan: &Plan) -> String {
    match (&plan.strategy, &plan.wq) {
        (Strategy::FlushWork(items), _) => {
            let calls: Vec<String> = items.iter().map(|i| i.flush_call()).collect();
            format!("flush-work: {} in place of each flush", calls.join(", "))
        }
        (Strategy::RemoveFlush, _) => "remove-flush: the flush is deleted".into(),
        (_, Some(wq)) => {
            let replaces: Vec<&str> = wq.replaces.iter().map(|w| w.ident()).collect();
            format!(
                "local-wq: workqueue {} (flags {}) replacing {}",
                wq.name,
                wq.flags,
                replaces.join(", ")
            )
        }
        (other, None) => other.slug().to_string(),
    }
}

/// Step 0's recommendation with its evidence.
pub fn advice(recommended: &Strategy) -> String {
    match recommended {
        Strategy::LocalWq => "a local workqueue is needed: the module queues work items \
                              the flush site cannot name"
            .into(),
        Strategy::FlushWork(items) => {
            let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
            format!(
                "flush-work is the smaller fix: every item the module queues is a named \
                 global ({}), so flush_work() on them can replace the flush",
                names.join(", ")
            )
        }
        Strategy::RemoveFlush => "remove-flush: the module queues nothing on a system workqueue \
                                  and calls nothing that does"
            .into(),
        Strategy::Provider(providers) => {
            let names: Vec<String> = providers
                .iter()
                .map(|p| format!("{}()", p.function))
                .collect();
            format!(
                "workqueue-in-provider: the work is queued by {} in another module; give that \
                 module the workqueue and an exported flush helper (this patch is a stopgap)",
                names.join(", ")
            )
        }
    }
}

/// The lines `# …` that precede a module's diff.
pub fn module_header(outcome: &Outcome) -> String {
    let module = &outcome.module;
    let mut lines = vec![format!("module {} ({})", module.name, module.dir.display())];
    if let Some(unit) = &outcome.unit {
        lines.push(format!("entry: {}", describe_entry(unit)));
    }
    if let Some(plan) = outcome
        .plan
        .as_ref()
        .filter(|p| !matches!(p.verdict, Verdict::NotApplicable(_)))
    {
        lines.push(format!("strategy: {}", describe_strategy(plan)));
        lines.push(format!("step 0: {}", advice(&plan.recommended)));
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

/// `localwq scan --json`: schema version 1, documented in README.md.
#[derive(Serialize)]
pub struct ScanView {
    pub schema: u32,
    pub tree: String,
    pub modules: Vec<ModuleView>,
    pub orphans: Vec<OrphanView>,
}

#[derive(Serialize)]
pub struct OrphanView {
    pub file: String,
    pub reason: String,
}

#[derive(Serialize)]
pub struct ModuleView {
    pub module: String,
    pub dir: String,
    pub kind: &'static str,
    pub files: Vec<String>,
    pub entry: String,
    pub verdict: &'static str,
    pub reason: Option<String>,
    pub strategy: Option<String>,
    pub recommended: Option<&'static str>,
    pub advice: Option<String>,
    pub workqueue: Option<WorkqueueView>,
    pub queue_sites: Vec<SiteView>,
    pub flush_sites: Vec<SiteView>,
    pub system_workqueues: Vec<&'static str>,
    pub flags: Vec<FlagView>,
    pub changed_files: Vec<String>,
}

#[derive(Serialize)]
pub struct WorkqueueView {
    pub name: String,
    pub flags: &'static str,
    pub replaces: Vec<&'static str>,
}

#[derive(Serialize)]
pub struct SiteView {
    pub file: String,
    pub line: usize,
    pub api: &'static str,
    pub workqueue: &'static str,
    pub converted: bool,
}

impl ModuleView {
    pub fn new(outcome: &Outcome) -> Self {
        let module = &outcome.module;
        let plan = outcome.plan.as_ref();
        // A module with nothing to convert has no strategy to speak of.
        let decided = plan.filter(|p| !matches!(p.verdict, Verdict::NotApplicable(_)));
        let sites = |flush: bool| -> Vec<SiteView> {
            let (Some(plan), Some(unit)) = (plan, outcome.unit.as_ref()) else {
                return Vec::new();
            };
            plan.sites
                .iter()
                .filter(|s| s.is_flush() == flush)
                .map(|s| SiteView {
                    file: unit.files[s.file].path.display().to_string(),
                    line: s.line,
                    api: s.api.name,
                    workqueue: s.wq.ident(),
                    converted: s.state == SiteState::Convert && !outcome.changes.is_empty(),
                })
                .collect()
        };
        let mut system: Vec<&'static str> = plan
            .map(|p| p.sites.iter().map(|s| s.wq.ident()).collect())
            .unwrap_or_default();
        system.sort_unstable();
        system.dedup();
        let reason = match &outcome.verdict {
            Verdict::Refused(r) | Verdict::NotApplicable(r) => Some(r.clone()),
            _ => None,
        };
        ModuleView {
            module: module.name.clone(),
            dir: module.dir.display().to_string(),
            kind: match module.kind {
                crate::kbuild::ModuleKind::Loadable => "loadable",
                crate::kbuild::ModuleKind::BuiltIn => "built-in",
            },
            files: module
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect(),
            entry: outcome
                .unit
                .as_ref()
                .map(describe_entry)
                .unwrap_or_default(),
            verdict: verdict_word(&outcome.verdict),
            reason,
            strategy: decided.map(describe_strategy),
            recommended: decided.map(|p| p.recommended.slug()),
            advice: decided.map(|p| advice(&p.recommended)),
            workqueue: plan.and_then(|p| p.wq.as_ref()).map(|wq| WorkqueueView {
                name: wq.name.clone(),
                flags: wq.flags,
                replaces: wq.replaces.iter().map(|w| w.ident()).collect(),
            }),
            queue_sites: sites(false),
            flush_sites: sites(true),
            system_workqueues: system,
            flags: plan
                .map(|p| p.flags.iter().map(FlagView::from).collect())
                .unwrap_or_default(),
            changed_files: outcome
                .changes
                .iter()
                .map(|c| c.path.display().to_string())
                .collect(),
        }
    }
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
    if let Some(strategy) = &view.strategy {
        row.push_str(&format!("  strategy: {strategy}\n"));
    }
    if let Some(advice) = &view.advice {
        row.push_str(&format!("  step 0: {advice}\n"));
    }
    for flag in outcome.plan.iter().flat_map(|p| &p.flags) {
        row.push_str(&format!("  flag: {}\n", flag_line(flag)));
    }
    row
}
