//! Output for reviewers and mailing lists: git's unified diff, diffstat and
//! `git format-patch` mail series.

pub mod b4;
pub mod checkout;
pub mod commits;
pub mod diff;
pub mod funcname;
pub mod identity;
pub mod lock;
pub mod mail;
pub mod prefix;
pub mod repo;
pub mod series;
pub mod siblings;

use crate::analysis::Strategy;
use crate::edit::FileChange;
use crate::outcome::Outcome;
use crate::report::commit::commit_message;
use anyhow::{Context, Result};
use git2::Repository;
use std::path::Path;

pub use series::{FileDiff, Mail, SeriesOptions};

/// Recipients given on the command line, added to MAINTAINERS'.
#[derive(Default, Clone)]
pub struct ExtraRecipients {
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

/// What MAINTAINERS' K: patterns read: the mail's From and Subject, its
/// message and its diff.
fn keyword_text(
    outcome: &Outcome,
    siblings: &[&Outcome],
    prefix: &prefix::Prefix,
    identity: &str,
    diffs: &[FileDiff],
) -> Vec<u8> {
    let Ok((subject, body)) = commit_message(outcome, siblings, prefix, identity) else {
        return Vec::new();
    };
    let mut text =
        format!("From: {identity}\nSubject: [PATCH] {subject}\n\n{body}---\n").into_bytes();
    for diff in diffs {
        text.extend_from_slice(&diff.bytes);
    }
    text
}

/// Each changed file's diff, its function lines found by the driver the
/// tree's `.gitattributes` give it.
fn file_diffs(root: &Path, changes: &[&FileChange]) -> Vec<FileDiff> {
    let paths: Vec<&Path> = changes.iter().map(|c| c.path.as_path()).collect();
    let attributes = funcname::Attributes::load(root, &paths);
    changes
        .iter()
        .map(|change| {
            let (bytes, counts) = diff::file_diff(change, attributes.driver(&change.path));
            FileDiff {
                path: change.path.display().to_string(),
                bytes,
                counts,
            }
        })
        .collect()
}

/// The patch plans for the outcomes that have a conversion to send: one
/// per module, or per group of siblings (`siblings`).
fn plans<'a>(
    root: &Path,
    repo: Option<&Repository>,
    outcomes: &'a [Outcome],
    extra: &ExtraRecipients,
    identity: &str,
) -> Vec<series::PatchPlan<'a>> {
    let maintainers = crate::maintainers::Maintainers::load(root);
    siblings::patches(outcomes)
        .into_iter()
        .map(|(outcome, siblings)| {
            let changes = patch_changes(outcome, &siblings);
            let files: Vec<&Path> = changes.iter().map(|c| c.path.as_path()).collect();
            let mut recipients = crate::maintainers::Recipients {
                to: extra.to.clone(),
                cc: extra.cc.clone(),
            };
            let name = patch_name(outcome, &siblings);
            let prefix = prefix::subject_prefix(repo, &files, &name, &outcome.module.dir);
            let diffs = file_diffs(root, &changes);
            if let Some(m) = &maintainers {
                let text = keyword_text(outcome, &siblings, &prefix, identity, &diffs);
                recipients.merge(&m.recipients(&files, &text));
            }
            series::PatchPlan {
                outcome,
                members: members_of(outcome, outcomes),
                siblings,
                changes,
                prefix,
                recipients,
                diffs,
            }
        })
        .collect()
}

/// A patch's file changes: the lead's, then its siblings', in git's path
/// order (siblings never share a file: each is one module's).
fn patch_changes<'a>(outcome: &'a Outcome, siblings: &[&'a Outcome]) -> Vec<&'a FileChange> {
    let mut changes: Vec<&FileChange> = outcome.changes.iter().collect();
    for sibling in siblings {
        changes.extend(sibling.changes.iter());
    }
    if !siblings.is_empty() {
        changes.sort_by(|a, b| {
            a.path
                .as_os_str()
                .as_encoded_bytes()
                .cmp(b.path.as_os_str().as_encoded_bytes())
        });
    }
    changes
}

/// The modules whose changes `owner`'s patch across modules carries:
/// those whose shared workqueue it owns and that have no patch of their own.
fn members_of<'a>(owner: &Outcome, outcomes: &'a [Outcome]) -> Vec<&'a Outcome> {
    let owns = |o: &Outcome| match o.decision.conversion().map(|c| &c.strategy) {
        Some(Strategy::Shared(shared)) => shared.owner == owner.module.name,
        _ => false,
    };
    let is_owner = matches!(
        owner.decision.conversion().map(|c| &c.strategy),
        Some(Strategy::Shared(_))
    );
    outcomes
        .iter()
        .filter(|o| is_owner && o.changes.is_empty() && owns(o) && !std::ptr::eq(*o, owner))
        .collect()
}

/// The name a patch goes by in its subject: the module's, or for a patch
/// across modules the leading words their names share (`atmel` for
/// atmel-i2c, atmel-ecc and atmel-sha204a), the owner's when none.
fn patch_name(outcome: &Outcome, siblings: &[&Outcome]) -> String {
    let owner = outcome.module.name.as_str();
    let others: Vec<&str> = match outcome.decision.conversion().map(|c| &c.strategy) {
        Some(Strategy::Shared(shared)) => shared.members.iter().map(|(m, _)| m.as_str()).collect(),
        _ => siblings.iter().map(|s| s.module.name.as_str()).collect(),
    };
    fn words(name: &str) -> Vec<&str> {
        name.split(['-', '_']).collect()
    }
    let mine = words(owner);
    let shared_words = others
        .iter()
        .map(|member| {
            let theirs = words(member);
            mine.iter().zip(&theirs).take_while(|(a, b)| a == b).count()
        })
        .min()
        .unwrap_or(mine.len());
    // The owner's name up to the separator after its last shared word;
    // siblings that share none go by their first words ("ab8500/pm2301").
    match shared_words {
        0 if !siblings.is_empty() => {
            let mut leads: Vec<&str> = vec![siblings::first_word(owner)];
            for sibling in siblings {
                let lead = siblings::first_word(&sibling.module.name);
                if !leads.contains(&lead) {
                    leads.push(lead);
                }
            }
            leads.join("/")
        }
        0 => owner.to_string(),
        n => {
            let end = owner.match_indices(['-', '_']).nth(n - 1);
            owner[..end.map_or(owner.len(), |(at, _)| at)].to_string()
        }
    }
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
    let mut plans = plans(root, repo.as_ref(), outcomes, extra, &options.identity);
    if plans.is_empty() {
        anyhow::bail!("no module has a conversion to send");
    }
    // Ready patches and RFCs go out as two series; the commits follow the
    // same order so that each series' ids run in its own order.
    plans.sort_by_key(series::PatchPlan::rfc);
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
                .map(|p| {
                    let bytes: Vec<u8> = p.diffs.iter().flat_map(|d| d.bytes.clone()).collect();
                    diff::blob_id(&bytes)
                })
                .collect();
            (ids, None)
        }
    };
    let split = plans.iter().take_while(|p| !p.rfc()).count();
    let mut mails = series::render(&plans[..split], options, &ids[..split], base.as_deref())?;
    mails.extend(series::render(
        &plans[split..],
        options,
        &ids[split..],
        base.as_deref(),
    )?);
    Ok(mails)
}

fn commit_specs<'a>(
    plans: &'a [series::PatchPlan],
    identity: &str,
) -> Result<Vec<commits::CommitSpec<'a>>> {
    plans
        .iter()
        .map(|plan| {
            let (subject, body) =
                commit_message(plan.outcome, &plan.siblings, &plan.prefix, identity)?;
            Ok(commits::CommitSpec {
                message: format!("{subject}\n\n{body}"),
                changes: plan.changes.clone(),
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
    let repo = apply_repo(root)?;
    let plans = apply_plans(root, &repo, outcomes, identity)?;
    let sig = commits::signature(identity, unix_time)?;
    let built = commits::build(
        &repo,
        &commit_specs(&plans, identity)?,
        &sig,
        commits::Store::Branch(branch),
    )?;
    Ok(built.commits)
}

/// The tree's repository, clean, for `apply`.
fn apply_repo(root: &Path) -> Result<Repository> {
    let repo = repo::open(root)?.with_context(|| {
        format!(
            "{} is not a git repository: apply commits its conversions",
            root.display()
        )
    })?;
    commits::ensure_clean(&repo)?;
    Ok(repo)
}

/// The patches `apply` commits, ready ones first.
fn apply_plans<'a>(
    root: &Path,
    repo: &Repository,
    outcomes: &'a [Outcome],
    identity: &str,
) -> Result<Vec<series::PatchPlan<'a>>> {
    let mut plans = plans(
        root,
        Some(repo),
        outcomes,
        &ExtraRecipients::default(),
        identity,
    );
    if plans.is_empty() {
        anyhow::bail!("no module has a conversion to apply");
    }
    plans.sort_by_key(series::PatchPlan::rfc);
    Ok(plans)
}

/// `apply --b4`: one branch per series (ready patches on `branch`, RFCs
/// on `<branch>-rfc`), each as `b4 prep` keeps a series of its own.
pub fn apply_b4_series(
    root: &Path,
    outcomes: &[Outcome],
    identity: &str,
    unix_time: i64,
    branch: &str,
) -> Result<Vec<b4::B4Branch>> {
    let repo = apply_repo(root)?;
    let plans = apply_plans(root, &repo, outcomes, identity)?;
    let sig = commits::signature(identity, unix_time)?;
    b4::apply(&repo, &plans, identity, &sig, branch)
}
