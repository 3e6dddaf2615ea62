//! `apply --b4`: branches that `b4 prep` takes over as its own, so that
//! `b4 send` sends what `patches` writes. b4 keeps a series on its branch
//! as an empty commit at the start (its `commit` cover strategy, pinned in
//! the branch's `b4-prep-cover-strategy`): the cover letter, then
//! `--- b4-submit-tracking ---` and the series' JSON (revision, change-id,
//! subject prefixes). The format is b4's `ez.store_cover`; b4 finds the
//! commit by that marker, committed by the user's own address (git's
//! user.email) within the last year.
//!
//! b4 sends every mail of a series to the cover letter's `To:`/`Cc:`
//! trailers, and a patch also to the people in its own commit's trailers
//! (`Cc:`, as Cc; the cover letter to all of them). So the cover commit
//! names the recipients every patch has (To and Cc as `patches` gives
//! them), and each commit has a `Cc:` trailer for each of its other
//! recipients: every mail reaches the addresses `patches` gives it, no
//! more, but a patch's own maintainers as Cc (as To when the cover has no
//! To), and the trailers stay in the commit `git am` makes. Review
//! notes go after a `---` line in the commit message, where `git
//! format-patch` and b4 keep them above the diffstat and `git am` drops
//! them. A b4 branch holds one series, so ready patches and RFCs get one
//! each, both on HEAD (the patches are independent).

use super::commits::{self, branch_name, CommitSpec, Store};
use super::series::{cover_prose, review_notes, PatchPlan};
use crate::maintainers::Recipients;
use crate::report::commit::commit_message;
use anyhow::Result;
use git2::{ObjectType, Oid, Repository, Signature};

/// b4's marker between the cover letter and its tracking data.
const MARKER: &str = "--- b4-submit-tracking ---";

/// One series' branch as `apply --b4` left it.
pub struct B4Branch {
    pub name: String,
    pub rfc: bool,
    /// The empty commit holding the cover letter and the tracking data.
    pub cover: Oid,
    /// The patches' commits, first to last.
    pub commits: Vec<Oid>,
    pub checked_out: bool,
}

impl std::fmt::Display for B4Branch {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let kind = if self.rfc { "RFC" } else { "ready" };
        let shown = if self.checked_out {
            ", checked out"
        } else {
            ""
        };
        write!(
            f,
            "{} {kind} commit(s) after a b4 cover letter commit on branch {}{shown}",
            self.commits.len(),
            self.name
        )
    }
}

/// Commits the ready patches on `branch` and the RFCs on `<branch>-rfc`,
/// each series after its cover commit; checks out the ready one (the RFC
/// one when there is nothing else). `plans` is not empty, ready first.
pub(super) fn apply(
    repo: &Repository,
    plans: &[PatchPlan],
    identity: &str,
    sig: &Signature,
    branch: &str,
) -> Result<Vec<B4Branch>> {
    let main = branch_name(branch)?;
    let split = plans.iter().take_while(|p| !p.rfc()).count();
    let (ready, rfcs) = plans.split_at(split);
    let rfc_name = format!("{main}-rfc");
    let mut series = Vec::new();
    if !ready.is_empty() {
        series.push((main.to_string(), ready, false));
    }
    if !rfcs.is_empty() {
        series.push((branch_name(&rfc_name)?.to_string(), rfcs, true));
    }
    for (name, _, _) in &series {
        super::checkout::can_switch(repo, name)?;
    }
    let base = repo.head()?.peel_to_commit()?;
    // Every series is built on HEAD before the switch moves it.
    let mut built = Vec::new();
    for (name, plans, rfc) in series {
        let common = common(plans);
        let cover = cover_message(plans, rfc, &common, &name, base.id(), sig)?;
        let mut specs = vec![CommitSpec {
            message: cover,
            changes: Vec::new(),
        }];
        for plan in plans {
            specs.push(patch_spec(plan, identity, &common)?);
        }
        let commits = commits::build(repo, &specs, sig, Store::Objects)?.commits;
        built.push((name, rfc, commits));
    }
    // The branch checked out goes last, through the journaled switch: the
    // other branch and every setting exist before it, so that an apply
    // interrupted at any moment (and finished by the next one) leaves
    // nothing half made.
    let mut branches = Vec::new();
    for (index, (name, rfc, commits)) in built.into_iter().enumerate() {
        repo.config()?
            .open_level(git2::ConfigLevel::Local)?
            .set_str(&format!("branch.{name}.b4-prep-cover-strategy"), "commit")?;
        if index > 0 {
            let tip = *commits.last().expect("the cover commit at least");
            repo.branch(&name, &repo.find_commit(tip)?, false)?;
        }
        branches.push(B4Branch {
            name,
            rfc,
            cover: commits[0],
            commits: commits[1..].to_vec(),
            checked_out: index == 0,
        });
    }
    let first = &branches[0];
    let tip = *first.commits.last().unwrap_or(&first.cover);
    super::checkout::switch(repo, &first.name, base.id(), tip)?;
    Ok(branches)
}

/// A patch's commit: `patches`' message, then a `Cc:` trailer for each of
/// its recipients the series' cover does not name, then its review notes
/// after `---`.
fn patch_spec<'a>(
    plan: &'a PatchPlan,
    identity: &str,
    common: &Recipients,
) -> Result<CommitSpec<'a>> {
    let (subject, body) = commit_message(plan.outcome, &plan.siblings, &plan.prefix, identity)?;
    let mut message = format!("{subject}\n\n{body}");
    for address in plan.recipients.to.iter().chain(&plan.recipients.cc) {
        if !common.to.contains(address) && !common.cc.contains(address) {
            message.push_str(&format!("Cc: {address}\n"));
        }
    }
    let notes = review_notes(plan);
    if !notes.is_empty() {
        message.push_str(&format!("---\n{}\n", notes.trim_end()));
    }
    Ok(CommitSpec {
        message,
        changes: plan.changes.clone(),
    })
}

/// The recipients every patch of the series has, To and Cc as the first
/// patch has them: what the cover letter's trailers send every mail to.
fn common(plans: &[PatchPlan]) -> Recipients {
    let every = |address: &String| {
        plans
            .iter()
            .all(|p| p.recipients.to.contains(address) || p.recipients.cc.contains(address))
    };
    let first = &plans[0].recipients;
    Recipients {
        to: first.to.iter().filter(|a| every(a)).cloned().collect(),
        cc: first.cc.iter().filter(|a| every(a)).cloned().collect(),
    }
}

/// The cover commit's message: subject, prose, the recipients common to
/// the series as To:/Cc: trailers, b4's marker and tracking JSON.
fn cover_message(
    plans: &[PatchPlan],
    rfc: bool,
    recipients: &Recipients,
    branch: &str,
    base: Oid,
    sig: &Signature,
) -> Result<String> {
    let (subject, prose) = cover_prose(plans)?;
    // A lone patch goes out without a cover letter: b4 then puts the
    // cover's prose below the patch's `---`, where `patches` writes only
    // the patch's own notes (already in its commit).
    let prose = if plans.len() > 1 {
        prose
    } else {
        String::new()
    };
    // b4 drops `#` lines from the cover as comments, and unescapes `>#`.
    let prose: String = prose
        .lines()
        .map(|l| match l.starts_with('#') {
            true => format!(">{l}\n"),
            false => format!("{l}\n"),
        })
        .collect();
    let mut trailers = String::new();
    for to in &recipients.to {
        trailers.push_str(&format!("To: {to}\n"));
    }
    for cc in &recipients.cc {
        trailers.push_str(&format!("Cc: {cc}\n"));
    }
    let cover = format!("{subject}\n\n{prose}{trailers}");
    let tracking = serde_json::json!({
        "series": {
            "revision": 1,
            "change-id": change_id(branch, sig, &cover, base),
            "prefixes": if rfc { vec!["RFC"] } else { Vec::new() },
            "presubject": "",
        }
    });
    Ok(format!(
        "{}\n\n{MARKER}\n# This section is used internally by b4 prep for tracking \
         purposes.\n{}",
        cover.trim_end(),
        serde_json::to_string_pretty(&tracking)?
    ))
}

/// b4's change-id, `YYYYMMDD-<branch slug>-<12 hex>`: the date of the
/// commits, and a hash of the cover and base in place of b4's random part,
/// so the same run gives the same id.
fn change_id(branch: &str, sig: &Signature, cover: &str, base: Oid) -> String {
    let days = sig.when().seconds().div_euclid(86_400);
    let (year, month, day) = super::mail::civil_from_days(days);
    let mut slug = String::new();
    for c in branch.chars() {
        match c.is_ascii_alphanumeric() || c == '_' {
            true => slug.push(c.to_ascii_lowercase()),
            false if !slug.ends_with('-') => slug.push('-'),
            false => {}
        }
    }
    let hash = Oid::hash_object(ObjectType::Blob, format!("{base}\n{cover}").as_bytes())
        .map_or_else(|_| "0".repeat(12), |id| id.to_string()[..12].to_string());
    format!(
        "{year:04}{month:02}{day:02}-{}-{hash}",
        slug.trim_matches('-')
    )
}
