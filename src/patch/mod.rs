//! Output for reviewers and mailing lists: git's unified diff, diffstat and
//! `git format-patch` mail series.

pub mod checkout;
pub mod commits;
pub mod diff;
pub mod identity;
pub mod mail;
pub mod prefix;
pub mod repo;
pub mod series;

use crate::outcome::Outcome;
use crate::report::commit::commit_message;
use anyhow::{Context, Result};
use git2::Repository;
use std::path::Path;

pub use series::{Mail, SeriesOptions};

/// Recipients given on the command line, added to MAINTAINERS'.
#[derive(Default, Clone)]
pub struct ExtraRecipients {
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

/// The patch plans for the outcomes that have a conversion to send.
fn plans<'a>(
    root: &Path,
    repo: Option<&Repository>,
    outcomes: &'a [Outcome],
    extra: &ExtraRecipients,
) -> Vec<series::PatchPlan<'a>> {
    let maintainers = crate::maintainers::Maintainers::load(root);
    outcomes
        .iter()
        .filter(|o| !o.changes.is_empty())
        .map(|outcome| {
            let files: Vec<&Path> = outcome.changes.iter().map(|c| c.path.as_path()).collect();
            let mut recipients = crate::maintainers::Recipients {
                to: extra.to.clone(),
                cc: extra.cc.clone(),
            };
            if let Some(m) = &maintainers {
                recipients.merge(&m.recipients(&files));
            }
            let prefix =
                prefix::subject_prefix(repo, &files, &outcome.module.name, &outcome.module.dir);
            series::PatchPlan {
                outcome,
                prefix,
                recipients,
            }
        })
        .collect()
}

/// The tree's repository when it has a commit to build on.
fn open_repo(root: &Path) -> Result<Option<Repository>> {
    Ok(repo::open(root)?.filter(|r| r.head().is_ok()))
}

/// The mails of the series. In a git tree the commits are built in memory
/// on top of HEAD, so the `From <id>` lines and `base-commit:` are real.
pub fn build_series(
    root: &Path,
    outcomes: &[Outcome],
    options: &SeriesOptions,
    extra: &ExtraRecipients,
) -> Result<Vec<Mail>> {
    let repo = open_repo(root)?;
    let plans = plans(root, repo.as_ref(), outcomes, extra);
    if plans.is_empty() {
        anyhow::bail!("no module has a conversion to send");
    }
    let (ids, base): (Vec<String>, Option<String>) = match &repo {
        Some(repo) => {
            let sig = commits::signature(&options.identity, options.unix_time)?;
            let built = commits::build(
                repo,
                &commit_specs(&plans, &options.identity)?,
                &sig,
                commits::Store::Memory,
            )?;
            let ids = built.commits.iter().map(|id| id.to_string()).collect();
            (ids, Some(built.base.to_string()))
        }
        None => {
            let ids = plans
                .iter()
                .map(|p| diff::blob_id(&diff::changes_diff(&p.outcome.changes)))
                .collect();
            (ids, None)
        }
    };
    series::render(&plans, options, &ids, base.as_deref())
}

fn commit_specs<'a>(
    plans: &'a [series::PatchPlan],
    identity: &str,
) -> Result<Vec<commits::CommitSpec<'a>>> {
    plans
        .iter()
        .map(|plan| {
            let (subject, body) = commit_message(plan.outcome, &plan.prefix, identity)?;
            Ok(commits::CommitSpec {
                message: format!("{subject}\n\n{body}"),
                changes: &plan.outcome.changes,
            })
        })
        .collect()
}

/// Finishes an `apply` a kill interrupted (see `checkout`), if any.
pub use checkout::{resume, Resumed};

/// Commits each module's conversion on a new branch of the tree's
/// repository and checks it out; refuses a dirty work tree.
pub fn apply_series(
    root: &Path,
    outcomes: &[Outcome],
    identity: &str,
    unix_time: i64,
    branch: &str,
) -> Result<Vec<git2::Oid>> {
    let repo = repo::open(root)?.with_context(|| {
        format!(
            "{} is not a git repository: apply commits its conversions",
            root.display()
        )
    })?;
    commits::ensure_clean(&repo)?;
    let plans = plans(root, Some(&repo), outcomes, &ExtraRecipients::default());
    if plans.is_empty() {
        anyhow::bail!("no module has a conversion to apply");
    }
    let sig = commits::signature(identity, unix_time)?;
    let built = commits::build(
        &repo,
        &commit_specs(&plans, identity)?,
        &sig,
        commits::Store::Branch(branch),
    )?;
    Ok(built.commits)
}
