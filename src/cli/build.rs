//! `--build-check` and `check`: the kernel's build of each converted
//! module, against every kernel given, and how a result reads in a row
//! and in JSON.

use super::args::BuildCheck;
use anyhow::Result;
use localwq::check::{check_all, BuildVerdict, ModuleCheck};
use localwq::{Outcome, Session};

/// One kernel's build of one converted module; `kernel` names it when
/// several were given.
pub struct KernelCheck {
    pub kernel: Option<String>,
    pub check: ModuleCheck,
}

impl KernelCheck {
    /// The row's lead: "on Linux 7.2.13: " when several kernels are built.
    pub fn on(&self) -> String {
        self.kernel
            .as_ref()
            .map_or(String::new(), |k| format!("on Linux {k}: "))
    }

    /// What the notes below a patch's `---` say of this build.
    pub fn tested_note(&self) -> String {
        match &self.kernel {
            Some(kernel) => format!("Linux {kernel}: {}", self.check.tested_note()),
            None => self.check.tested_note(),
        }
    }
}

/// Each outcome's builds, one per kernel (none when `--build-check` did
/// not ask, or nothing is converted). With several kernels each is
/// prepared in a directory of its own under the build directory, reused.
pub fn build_checks(
    sessions: &[Session],
    outcomes: &[Outcome],
    build: &BuildCheck,
) -> Result<Vec<Vec<KernelCheck>>> {
    let mut checks: Vec<Vec<KernelCheck>> = outcomes.iter().map(|_| Vec::new()).collect();
    if !build.build_check {
        return Ok(checks);
    }
    let several = sessions.len() > 1;
    for session in sessions {
        let kernel = several.then(|| localwq::wq::across::label(&session.tree.facts));
        let dir = match &kernel {
            Some(k) => build.build_dir.join(format!("linux-{k}")),
            None => build.build_dir.clone(),
        };
        let built = check_all(
            &session.tree.root,
            session.tree.kbuild.as_deref(),
            &dir,
            outcomes,
            &session.tree.make_vars,
            &outside_include_dirs(session, outcomes),
        )?;
        for (row, check) in checks.iter_mut().zip(built) {
            row.extend(check.map(|check| KernelCheck {
                kernel: kernel.clone(),
                check,
            }));
        }
    }
    Ok(checks)
}

/// The include directories outside an out-of-tree module's directory
/// that the converted modules' Makefiles name (`check` copies them too).
fn outside_include_dirs(session: &Session, outcomes: &[Outcome]) -> Vec<std::path::PathBuf> {
    if session.tree.kdir.is_none() {
        return Vec::new();
    }
    let mut dirs: Vec<std::path::PathBuf> = outcomes
        .iter()
        .flat_map(|o| localwq::kbuild::outside_include_dirs(&session.tree, &o.module.dir))
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// A build result in words.
pub fn build_line(verdict: &BuildVerdict) -> String {
    match verdict {
        BuildVerdict::Builds { new_warnings } if new_warnings.is_empty() => {
            "builds, no new warnings".into()
        }
        BuildVerdict::Builds { new_warnings } => {
            format!(
                "builds with {} new warning(s): {}",
                new_warnings.len(),
                new_warnings.join(" | ")
            )
        }
        BuildVerdict::Fails { messages } => format!("FAILS: {}", messages.join(" | ")),
        BuildVerdict::NoBuild { reason } => format!("not built: {reason}"),
    }
}

/// A build result as JSON's `status`.
pub fn status_word(check: Option<&ModuleCheck>) -> &'static str {
    match check.map(|c| &c.verdict) {
        Some(BuildVerdict::Builds { new_warnings }) if new_warnings.is_empty() => "builds",
        Some(BuildVerdict::Builds { .. }) => "new-warnings",
        Some(BuildVerdict::Fails { .. }) => "fails",
        Some(BuildVerdict::NoBuild { .. }) => "not-built",
        None => "not-converted",
    }
}
