//! `--build-check` and `check`: the kernel's build of each converted
//! module, and how a result reads in a row and in JSON.

use super::args::BuildCheck;
use anyhow::Result;
use localwq::check::{check_all, BuildVerdict, ModuleCheck};
use localwq::{Outcome, Session};

/// Each outcome's build check, when `--build-check` asked for them.
pub fn build_checks(
    session: &Session,
    outcomes: &[Outcome],
    build: &BuildCheck,
) -> Result<Vec<Option<ModuleCheck>>> {
    if !build.build_check {
        return Ok(outcomes.iter().map(|_| None).collect());
    }
    check_all(
        &session.tree.root,
        session.tree.kbuild.as_deref(),
        &build.build_dir,
        outcomes,
    )
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
