//! One module's outcome: what was read, found and decided, and the new
//! file contents when there is a conversion. The verdict is derived, never
//! stored twice.

use crate::analysis::{Conversion, Decision, Flag, Site, Strategy, Verdict, WaitSet};
use crate::edit::FileChange;
use crate::kbuild::Module;
use crate::load::Unit;
use crate::refusal::{Refusal, RefusalKind};

pub struct Outcome {
    pub module: Module,
    /// None when the module's files could not be read or parsed.
    pub unit: Option<Unit>,
    pub sites: Vec<Site>,
    pub flags: Vec<Flag>,
    /// What each flush waits for (the wait model).
    pub waits: Vec<WaitSet>,
    pub decision: Decision,
    /// Empty unless the decision is a conversion.
    pub changes: Vec<FileChange>,
    /// The kernels (versions) it was made for, when several were given
    /// at once (`across`); empty for one.
    pub kernels: Vec<String>,
}

impl Outcome {
    /// A module whose files could not be loaded.
    pub fn unreadable(module: &Module, error: &anyhow::Error) -> Self {
        let kind = match error.downcast_ref::<crate::load::TooLarge>() {
            Some(_) => RefusalKind::FileTooLarge,
            None => RefusalKind::Unreadable,
        };
        let refusal = Refusal::module(kind, format!("{error:#}"));
        Outcome {
            module: module.clone(),
            unit: None,
            sites: Vec::new(),
            flags: Vec::new(),
            waits: Vec::new(),
            decision: Decision::refused(refusal),
            changes: Vec::new(),
            kernels: Vec::new(),
        }
    }

    /// The path of file `file` of the unit (the module's directory when
    /// nothing was read).
    pub fn path_of(&self, file: usize) -> std::path::PathBuf {
        match &self.unit {
            Some(unit) => unit.files[file].path.clone(),
            None => self.module.dir.clone(),
        }
    }

    /// The module whose patch carries this one's changes (a member of a
    /// patch across modules).
    pub fn patched_with(&self) -> Option<&str> {
        match self.decision.conversion() {
            Some(Conversion {
                strategy: Strategy::Shared(shared),
                wq: None,
                ..
            }) => Some(&shared.owner),
            _ => None,
        }
    }

    pub fn verdict(&self) -> Verdict {
        Verdict::of(
            &self.decision,
            self.flags.iter().any(|f| f.kind.needs_review()),
        )
    }
}
