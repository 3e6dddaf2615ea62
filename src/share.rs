//! Patches across modules, made after each module has its own outcome:
//! the provider that queues the work its flushing callers hand in gets
//! the workqueue and a flush helper they call (workqueue-in-provider), and
//! a core module whose flush also waits for the work of flushing modules
//! that call into it gets one workqueue, exported to all of them
//! (family-wq). Each group becomes one outcome, the owner's, holding every
//! module's changes; the members keep their outcome, pointing at it.

mod family;
mod provider;

use crate::analysis::{Conversion, Decision, Flag, FlagKind, Site, SiteState};
use crate::edit::FileChange;
use crate::kbuild::{self, Module, ModuleKind};
use crate::load::Unit;
use crate::outcome::Outcome;
use crate::refusal::{Refusal, RefusalKind};
use crate::Session;
use std::path::Path;

/// Whether an outcome may join a patch across modules: its flush waits for
/// work it does not queue itself (Step 0's evidence says whose).
pub fn candidate(outcome: &Outcome) -> bool {
    // A member a group finds without this hint is loaded again, and its
    // outcome then stands for the one made here: holding is only to save
    // that load, and to keep the memory of the others free.
    let provider = matches!(
        outcome.decision.recommended(),
        Some(crate::analysis::Strategy::Provider(_))
    );
    provider
        || outcome
            .flags
            .iter()
            .any(|f| matches!(f.kind, FlagKind::DependentWork | FlagKind::ProviderWork))
}

impl Session {
    /// Groups the outcomes that share a workqueue into patches across
    /// modules; the others pass through. Outcomes for modules outside the
    /// selection that a group changes (a provider, a member that does not
    /// flush) are added.
    pub fn share(&self, outcomes: Vec<Outcome>) -> Vec<Outcome> {
        // An explicit --strategy is the user's call for each module.
        if self.choice != crate::analysis::Choice::Auto {
            return outcomes;
        }
        let mut pool = Pool::new(outcomes);
        provider::group(self, &mut pool);
        family::group(self, &mut pool);
        pool.into_outcomes()
    }

    /// The one loadable module that builds `file`, if there is one.
    fn module_of(&self, file: &Path) -> Result<Module, String> {
        let modules = kbuild::modules_of(&self.tree, file)
            .map_err(|e| format!("{}: {e:#}", file.display()))?;
        match modules.as_slice() {
            [module] if module.kind == ModuleKind::Loadable => Ok(module.clone()),
            [module] => Err(format!(
                "{} is built into the kernel ({}), not a loadable module",
                file.display(),
                module.name
            )),
            [] => Err(format!(
                "{} is in no module localwq can list",
                file.display()
            )),
            _ => Err(format!("{} is built into several modules", file.display())),
        }
    }

    /// Plans now, on the caller's core, the modules grouping will pull in
    /// for `outcome` (the cores whose exports queue the work its flush
    /// waits for), unless `selected` has them: grouping runs once every
    /// module has its outcome, on one core, and planned them there while
    /// the other cores idled. Grouping takes them (`planned`).
    pub fn plan_ahead(&self, outcome: &Outcome, selected: impl Fn(&Module) -> bool) {
        if self.choice != crate::analysis::Choice::Auto {
            return;
        }
        for module in family::cores_of(self, outcome) {
            let known = |ahead: &mut Vec<Outcome>| ahead.iter().any(|o| o.module.is(&module));
            if selected(&module) || self.ahead(known) {
                continue;
            }
            let mut planned = self.plan_only(&module);
            // Held like the selection's candidates: trees are made again
            // only if grouping asks for them.
            if let Some(unit) = planned.unit.as_mut() {
                unit.drop_trees();
            }
            self.ahead(|ahead| {
                if !known(ahead) {
                    ahead.push(planned);
                }
            });
        }
    }

    /// `module`'s outcome without its rewrite: the one `plan_ahead` made,
    /// taken, or planned now.
    fn planned(&self, module: &Module) -> Outcome {
        let ahead = self.ahead(|ahead| {
            let at = ahead.iter().position(|o| o.module.is(module))?;
            Some(ahead.swap_remove(at))
        });
        ahead.unwrap_or_else(|| self.plan_only(module))
    }

    fn ahead<R>(&self, with: impl FnOnce(&mut Vec<Outcome>) -> R) -> R {
        let mut ahead = self.planned_ahead.lock().unwrap_or_else(|e| e.into_inner());
        with(&mut ahead)
    }

    /// A module's outcome without its rewrite.
    fn plan_only(&self, module: &Module) -> Outcome {
        let unit = match self.load(module) {
            Ok(unit) => unit,
            Err(err) => return Outcome::unreadable(module, &err),
        };
        let plan = self.plan(&unit);
        Outcome {
            module: module.clone(),
            unit: Some(unit),
            sites: plan.sites,
            flags: plan.flags,
            waits: plan.waits,
            decision: plan.decision,
            changes: Vec::new(),
            kernels: Vec::new(),
        }
    }
}

/// The outcomes being grouped: the selection's, and modules outside it
/// that a group needs, kept only if a group changes them.
struct Pool {
    slots: Vec<Option<Outcome>>,
    keep: Vec<bool>,
}

impl Pool {
    fn new(outcomes: Vec<Outcome>) -> Self {
        Pool {
            keep: vec![true; outcomes.len()],
            slots: outcomes.into_iter().map(Some).collect(),
        }
    }

    fn find(&self, module: &Module) -> Option<usize> {
        self.slots
            .iter()
            .position(|o| o.as_ref().is_some_and(|o| o.module.is(module)))
    }

    /// The index of `module`'s outcome, planned (not kept) if new.
    fn find_or_plan(&mut self, session: &Session, module: &Module) -> usize {
        if let Some(at) = self.find(module) {
            return at;
        }
        self.slots.push(Some(session.planned(module)));
        self.keep.push(false);
        self.slots.len() - 1
    }

    /// `find_or_plan` of each of `modules` in turn, the new ones planned
    /// on all cores: a run's few cores were each loaded and planned alone
    /// while the other cores idled at the end of the run.
    fn find_or_plan_all(&mut self, session: &Session, modules: &[Module]) -> Vec<usize> {
        use rayon::prelude::*;
        let mut planned: Vec<Option<Outcome>> = modules
            .par_iter()
            .map(|m| self.find(m).is_none().then(|| session.planned(m)))
            .collect();
        modules
            .iter()
            .zip(&mut planned)
            .map(
                |(module, planned)| match (self.find(module), planned.take()) {
                    (Some(at), _) => at,
                    (None, planned) => {
                        let outcome = planned.unwrap_or_else(|| session.planned(module));
                        self.slots.push(Some(outcome));
                        self.keep.push(false);
                        self.slots.len() - 1
                    }
                },
            )
            .collect()
    }

    fn get(&self, at: usize) -> &Outcome {
        self.slots[at].as_ref().expect("outcome not taken")
    }

    fn take(&mut self, at: usize) -> Outcome {
        self.slots[at].take().expect("outcome not taken twice")
    }

    /// Puts an outcome back; `kept` makes a planned one part of the output.
    fn put(&mut self, at: usize, outcome: Outcome, kept: bool) {
        self.keep[at] |= kept;
        self.slots[at] = Some(outcome);
    }

    fn into_outcomes(self) -> Vec<Outcome> {
        self.slots
            .into_iter()
            .zip(self.keep)
            .filter_map(|(o, keep)| o.filter(|_| keep))
            .collect()
    }
}

/// The sites a shared workqueue takes over in one module: every queueing
/// and flushing call on a system workqueue with `flags`. Refused when one
/// of them cannot be rewritten.
fn moved_sites(outcome: &Outcome, flags: Option<&str>) -> Result<Vec<Site>, Refusal> {
    let on_it: Vec<&Site> = outcome
        .sites
        .iter()
        .filter(|s| s.wq.flags() == flags)
        .collect();
    if let Some(left) = on_it.iter().find(|s| s.state != SiteState::Convert) {
        return Err(Refusal::at(
            outcome.path_of(left.file),
            left.line,
            RefusalKind::SharedLayout,
            format!(
                "{} has a call on {} localwq cannot rewrite (see the flags): the shared \
                 workqueue would not take all of its work",
                outcome.module.name,
                left.wq.ident()
            ),
        ));
    }
    Ok(on_it.into_iter().cloned().collect())
}

/// Rewrites one module of a group.
fn rewritten(
    outcome: &Outcome,
    sites: &[Site],
    conversion: &Conversion,
) -> Result<Vec<FileChange>, Refusal> {
    let unit: &Unit = outcome.unit.as_ref().ok_or_else(|| {
        Refusal::module(
            RefusalKind::Unreadable,
            format!("{} could not be read", outcome.module.name),
        )
    })?;
    crate::rewrite::rewrite(unit, sites, conversion)
}

/// `rewritten` of each module of a group, side by side (grouping runs
/// after every module converted, on one core otherwise); refused with the
/// first refusal in the group's order, as one by one.
fn rewritten_all(
    jobs: Vec<(&Outcome, &[Site], &Conversion)>,
) -> Result<Vec<Vec<FileChange>>, Refusal> {
    use rayon::prelude::*;
    let parts: Vec<Result<Vec<FileChange>, Refusal>> = jobs
        .into_par_iter()
        .map(|(outcome, sites, conversion)| rewritten(outcome, sites, conversion))
        .collect();
    parts.into_iter().collect()
}

/// Every module's changes in one list, in git's path order; refused when
/// two modules change the same file.
fn merged(parts: Vec<Vec<FileChange>>) -> Result<Vec<FileChange>, Refusal> {
    let mut all: Vec<FileChange> = parts.into_iter().flatten().collect();
    all.sort_by(|a, b| {
        a.path
            .as_os_str()
            .as_encoded_bytes()
            .cmp(b.path.as_os_str().as_encoded_bytes())
    });
    if let Some(pair) = all.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(Refusal::at(
            pair[0].path.clone(),
            0,
            RefusalKind::SharedLayout,
            "two modules of the group change this file: it cannot go in one patch as two \
             rewrites",
        ));
    }
    Ok(all)
}

/// A member's outcome once the group's patch holds its changes.
fn joined(mut outcome: Outcome, conversion: Conversion, resolved: &[FlagKind]) -> Outcome {
    outcome.flags.retain(|f| !resolved.contains(&f.kind));
    outcome.decision = Decision::Convert(conversion);
    outcome.changes = Vec::new();
    outcome
}

/// A member's outcome when its group could not be made: refused with why,
/// Step 0's recommendation kept.
fn refused(mut outcome: Outcome, refusal: Refusal) -> Outcome {
    let recommended = outcome.decision.recommended().cloned();
    outcome.decision = Decision::Refused {
        refusal,
        recommended,
    };
    outcome.changes = Vec::new();
    outcome
}

/// The flags of the group's patch: the owner's, then each member's.
fn group_flags(owner: &[Flag], members: &[&Outcome]) -> Vec<Flag> {
    let mut flags: Vec<Flag> = owner.to_vec();
    for member in members {
        flags.extend(member.flags.iter().cloned());
    }
    flags.sort();
    flags.dedup();
    flags
}

/// The first flush a group replaces, the owner's first.
fn first_flush(owner: &[Site], members: &[Vec<Site>]) -> String {
    owner
        .iter()
        .chain(members.iter().flatten())
        .find(|s| s.is_flush())
        .map_or("flush_scheduled_work()".into(), Site::shown)
}
