//! `localwq scan --json`: view structs of their own, so the core types
//! stay free of serde. Schema 1, documented in README.md.

use super::summary::{describe_entry, Summary};
use super::verdict_word;
use super::waits::WaitRow;
use crate::analysis::{Flag, SharedKind, SiteState, Strategy};
use crate::kbuild::ModuleKind;
use crate::outcome::Outcome;
use crate::refusal::Refusal;
use serde::Serialize;

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

#[derive(Serialize)]
pub struct ScanView {
    pub schema: u32,
    pub tree: String,
    /// The versions of the kernels read (one per `--kernel`, oldest
    /// first; the tree's own when converting in tree).
    pub kernels: Vec<String>,
    pub modules: Vec<ModuleView>,
    pub orphans: Vec<OrphanView>,
    /// What of the system workqueue facts did not come from the tree
    /// (absent when everything did).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workqueue_facts_notes: Vec<String>,
}

#[derive(Serialize)]
pub struct OrphanView {
    pub file: String,
    pub reason: String,
    pub reason_kind: String,
}

impl From<&Refusal> for OrphanView {
    fn from(orphan: &Refusal) -> Self {
        OrphanView {
            file: orphan
                .file
                .as_ref()
                .map(|f| f.display().to_string())
                .unwrap_or_default(),
            reason: orphan.detail.clone(),
            reason_kind: orphan.kind.slug(),
        }
    }
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
    /// The refusal's kind (`RefusalKind::slug`), with `reason`.
    pub reason_kind: Option<String>,
    pub strategy: Option<String>,
    pub recommended: Option<&'static str>,
    pub advice: Option<String>,
    pub workqueue: Option<WorkqueueView>,
    /// A patch across modules this module is part of; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared: Option<SharedView>,
    pub queue_sites: Vec<SiteView>,
    pub flush_sites: Vec<SiteView>,
    pub system_workqueues: Vec<&'static str>,
    pub flags: Vec<FlagView>,
    pub changed_files: Vec<String>,
    /// Workqueue calls in branches dead for the kernel (`file:line api()`);
    /// absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dead_branch_calls: Vec<String>,
    /// Redefinitions of checked flush macros the flushes go through;
    /// absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub redefinitions: Vec<RedefinitionView>,
    /// Conditionals of the module's Makefiles localwq could not decide,
    /// both branches read (`file:line: …`); absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kbuild_notes: Vec<String>,
}

#[derive(Serialize)]
pub struct WorkqueueView {
    pub name: String,
    pub flags: &'static str,
    pub replaces: Vec<&'static str>,
}

/// The workqueue a group of modules shares, and who is in the patch.
#[derive(Serialize)]
pub struct SharedView {
    /// `workqueue-in-provider` or `family-wq`.
    pub kind: &'static str,
    /// The module that allocates the workqueue and whose patch it is.
    pub owner: String,
    pub workqueue: String,
    pub members: Vec<String>,
    /// The exported flush helper the callers call (workqueue-in-provider).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helper: Option<String>,
    /// The header that declares what the members use.
    pub header: String,
}

impl SharedView {
    fn of(outcome: &Outcome) -> Option<Self> {
        let strategy = &outcome.decision.conversion()?.strategy;
        let Strategy::Shared(shared) = strategy else {
            return None;
        };
        Some(SharedView {
            kind: strategy.slug(),
            owner: shared.owner.clone(),
            workqueue: shared.wq.clone(),
            members: shared.members.iter().map(|(n, _)| n.clone()).collect(),
            helper: match &shared.kind {
                SharedKind::Provider { helper, .. } => Some(helper.clone()),
                SharedKind::Family { .. } => None,
            },
            header: shared.header().to_string(),
        })
    }
}

#[derive(Serialize)]
pub struct SiteView {
    pub file: String,
    pub line: usize,
    pub api: &'static str,
    pub workqueue: &'static str,
    pub converted: bool,
    /// Flush sites only: what the flush waits for (the wait model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waits_for: Option<Vec<WaitRow>>,
    /// Flush sites only: the module's items this flush does not wait for
    /// on this kernel (queued on a separate system workqueue), said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<String>,
    /// A flush past the 5.19 check: how; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<HiddenView>,
}

/// How a flush gets past the check that warns on a system workqueue.
#[derive(Serialize)]
pub struct HiddenView {
    /// `unchecked` (`__flush_workqueue()` called) or `redefined`.
    pub how: &'static str,
    /// `file:line` of the redefinition the flush goes through.
    pub redefinition: Option<String>,
    pub note: String,
}

/// A redefinition of a checked flush macro that hides a flush, and what
/// the patch does with it.
#[derive(Serialize)]
pub struct RedefinitionView {
    pub file: String,
    pub line: usize,
    pub name: &'static str,
    pub define: String,
    /// The flush sites that go through it (`file:line`).
    pub hides: Vec<String>,
    /// `removed` (by the patch) or `kept`.
    pub fate: &'static str,
    pub reason: String,
}

impl ModuleView {
    pub fn new(outcome: &Outcome) -> Self {
        let module = &outcome.module;
        let summary = Summary::of(outcome);
        let sites = |flush: bool| -> Vec<SiteView> {
            let Some(unit) = outcome.unit.as_ref() else {
                return Vec::new();
            };
            outcome
                .sites
                .iter()
                .filter(|s| s.is_flush() == flush)
                .map(|s| SiteView {
                    file: unit.files[s.file].path.display().to_string(),
                    line: s.line,
                    api: s.api.name,
                    workqueue: s.wq.ident(),
                    converted: s.state == SiteState::Convert
                        && (!outcome.changes.is_empty() || outcome.patched_with().is_some()),
                    waits_for: s.is_flush().then(|| waits_for(outcome, s)),
                    split: outcome
                        .waits
                        .iter()
                        .find(|w| w.file == s.file && w.at == s.range.start)
                        .and_then(|set| super::waits::split_note(outcome, set)),
                    hidden: super::hidden::row(outcome, s).map(|row| HiddenView {
                        how: row.how,
                        redefinition: row.redefinition,
                        note: row.note,
                    }),
                })
                .collect()
        };
        let mut system: Vec<&'static str> = outcome.sites.iter().map(|s| s.wq.ident()).collect();
        system.sort_unstable();
        system.dedup();
        ModuleView {
            module: module.name.clone(),
            dir: module.dir_shown(),
            kind: match module.kind {
                ModuleKind::Loadable => "loadable",
                ModuleKind::BuiltIn => "built-in",
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
            verdict: verdict_word(outcome.verdict()),
            reason: outcome.decision.refusal().map(|r| r.to_string()),
            reason_kind: outcome.decision.refusal().map(|r| r.kind.slug()),
            strategy: summary.strategy,
            recommended: summary.recommended,
            advice: summary.advice,
            workqueue: summary.wq.map(|wq| WorkqueueView {
                replaces: wq.replaces.iter().map(|w| w.ident()).collect(),
                name: wq.name,
                flags: wq.flags,
            }),
            shared: SharedView::of(outcome),
            queue_sites: sites(false),
            flush_sites: sites(true),
            system_workqueues: system,
            flags: outcome.flags.iter().map(FlagView::from).collect(),
            changed_files: outcome
                .changes
                .iter()
                .map(|c| c.path.display().to_string())
                .collect(),
            dead_branch_calls: outcome
                .unit
                .as_ref()
                .map(super::dead_branch_calls)
                .unwrap_or_default(),
            redefinitions: super::hidden::redefinitions(outcome)
                .into_iter()
                .map(|r| RedefinitionView {
                    file: r.file,
                    line: r.line,
                    name: r.name,
                    define: r.define,
                    hides: r.hides,
                    fate: r.fate,
                    reason: r.reason,
                })
                .collect(),
            kbuild_notes: outcome.module.kbuild_notes.clone(),
        }
    }
}

/// The wait set of a flush site, as JSON: empty for a flush the model
/// has no set for (one left as it is, on another workqueue).
fn waits_for(outcome: &Outcome, site: &crate::analysis::Site) -> Vec<WaitRow> {
    outcome
        .waits
        .iter()
        .find(|w| w.file == site.file && w.at == site.range.start)
        .map_or_else(Vec::new, |set| super::waits::rows(outcome, set))
}
