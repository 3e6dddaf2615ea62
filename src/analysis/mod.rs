//! From a module's parsed files to a plan: which sites are converted, the
//! Step 0 decision, and what a human must review. Pure: what analysis needs
//! from the rest of the tree comes through `Surroundings`.

mod callback_wait;
pub mod calls;
pub mod decision;
pub mod drain;
pub mod elements;
pub mod elsewhere;
pub mod entry_rules;
pub mod exports;
pub mod flag;
pub mod hidden;
pub mod home;
pub mod items;
pub mod plan;
pub mod reclaim;
mod requeue;
pub mod review;
pub mod sites;
pub mod step0;
pub mod strategy;
pub mod teardown;
pub mod unseen;
pub mod wait;

use crate::load::Unit;
use crate::wq::SystemWq;
use std::collections::BTreeSet;
use std::path::PathBuf;

pub use crate::refusal::{Refusal, RefusalKind};
pub use decision::{Conversion, Decision, LocalWq, Verdict};
pub use exports::{Dependent, Provider, TreeIndex};
pub use flag::{Flag, FlagKind};
pub use hidden::{Fate, Hidden, Redefinition};
pub use plan::{plan, Plan};
pub use sites::{Site, SiteState};
pub use strategy::{Choice, FlushReplacement, SharedKind, SharedWq, SiteCounts, Strategy};
pub use wait::{Reach, Split, Wait, WaitSet};

/// Who defines the struct a queued item is embedded in, when it matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StructOwner {
    /// Another MAINTAINERS section's header.
    Foreign(PathBuf),
    /// A header that may define it could not be read.
    Unread { header: PathBuf, error: String },
}

/// What analysis asks of the tree beyond the module's own files.
pub trait Surroundings {
    /// The exported function of other code named `name`, if it queues on a
    /// system workqueue.
    fn provider(&self, name: &str) -> Option<Provider>;
    /// Code the module calls into that could not be read at all (an
    /// out-of-tree module against a kernel without its sources), said why.
    fn blind_spot(&self) -> Option<String> {
        None
    }
    /// The header that defines `struct tag` for `unit.files[file]`, when
    /// it belongs to another subsystem than that file (MAINTAINERS); None
    /// for the file's own subsystem or a definition not found.
    fn foreign_struct(&self, unit: &Unit, file: usize, tag: &str) -> Option<StructOwner>;
    /// Files other than `own` that call one of `exports` and queue on one
    /// of `flushed` themselves.
    fn dependents(
        &self,
        exports: &[&str],
        flushed: &BTreeSet<SystemWq>,
        own: &[PathBuf],
    ) -> Vec<Dependent>;
}

/// File names that say nothing of a file's work: a static there is
/// named with the module (`foo_main_wq`).
const GENERIC_STEMS: &[&str] = &["main", "core", "base", "common", "init", "util", "utils"];

/// Picks a name `<module>_wq` that no identifier of the module uses yet;
/// `<file>_wq` when the workqueue is `static` in one file of the module
/// other than its init's (`psmouse_smbus_wq` in psmouse-smbus.c, `cm_wq`
/// in mlx4's cm.c, as upstream named it), as maintainers name a file's
/// own: a static needs no module prefix, unless the file's name is a
/// generic one.
///
/// Where the file it is declared in (`declared_in`) already has workqueue
/// variables sharing a leading word (isert's `isert_comp_wq` and
/// `isert_release_wq`), that word leads, if the name is free; and as
/// those name what runs on them, so does this one when the work it gets
/// has one purpose (`purpose`: `login` of `login_work`): `isert_login_wq`.
pub fn wq_name(
    unit: &Unit,
    static_in: Option<usize>,
    declared_in: Option<usize>,
    purpose: Option<&str>,
) -> String {
    let module = unit.module.ident();
    let lead = declared_in
        .and_then(|file| shared_lead(&unit.files[file].text))
        .and_then(|lead| {
            let named = purpose.map(|purpose| format!("{lead}_{purpose}"));
            std::iter::once(named)
                .chain(std::iter::once(Some(lead)))
                .flatten()
                .find(|base| !unit.uses_identifier(&format!("{base}_wq")))
        });
    let base = match static_in.map(|file| file_ident(&unit.files[file].path)) {
        Some(stem) if stem.starts_with(&module) || !GENERIC_STEMS.contains(&stem.as_str()) => stem,
        Some(stem) => format!("{module}_{stem}"),
        None => lead.unwrap_or(module),
    };
    let mut candidates = vec![format!("{base}_wq"), format!("{base}_local_wq")];
    candidates.extend((2..).take(8).map(|n| format!("{base}_wq{n}")));
    candidates
        .into_iter()
        .find(|name| !unit.uses_identifier(name))
        .unwrap_or_else(|| format!("{base}_localwq_wq"))
}

/// The one purpose of the work queued at `sites`: `login` when every
/// item is a `login_work` (`&conn->login_work`, `&isert->login_work.work`
/// has none: `work`), None when they differ or one is not `<purpose>_work`.
pub fn work_purpose(unit: &Unit, sites: &[Site]) -> Option<String> {
    let mut purposes = sites.iter().filter(|s| !s.is_flush()).map(|site| {
        let last = site
            .work_arg(unit)?
            .trim_end()
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()?;
        let purpose = last.strip_suffix("_work")?;
        (!purpose.is_empty()).then(|| purpose.to_string())
    });
    let first = purposes.next()??;
    purposes
        .all(|p| p.as_deref() == Some(first.as_str()))
        .then_some(first)
}

/// The leading words the file's workqueue variables share (`isert` of
/// `isert_comp_wq` and `isert_release_wq`), when it has two or more.
fn shared_lead(text: &[u8]) -> Option<String> {
    const DECL: &[u8] = b"struct workqueue_struct *";
    let names: Vec<&str> = text
        .split(|&b| b == b'\n')
        .filter_map(|line| {
            let line = line.strip_prefix(b"static ").unwrap_or(line);
            let rest = line.strip_prefix(DECL)?;
            let name = std::str::from_utf8(rest).ok()?.strip_suffix(';')?;
            name.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                .then_some(name)
        })
        .collect();
    let [first, rest @ ..] = names.as_slice() else {
        return None;
    };
    if rest.is_empty() {
        return None;
    }
    let words: Vec<&str> = first.split('_').collect();
    let shared = rest.iter().fold(words.len(), |n, name| {
        words
            .iter()
            .zip(name.split('_'))
            .take(n)
            .take_while(|(a, b)| *a == b)
            .count()
    });
    let lead = words[..shared.min(words.len().saturating_sub(1))].join("_");
    (!lead.is_empty() && lead != "wq").then_some(lead)
}

/// `psmouse-smbus.c` → `psmouse_smbus`.
fn file_ident(path: &std::path::Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    stem.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}
