//! One commit per module on top of the tree's HEAD, built with git2.
//! `patches` builds them in an in-memory object store (nothing reaches the
//! repository); `apply` writes them and moves a new branch onto them.

use crate::edit::FileChange;
use anyhow::{bail, Context, Result};
use git2::build::TreeUpdateBuilder;
use git2::{FileMode, Oid, Repository, Signature, StatusOptions, Time};

pub struct CommitSpec<'a> {
    pub message: String,
    pub changes: Vec<&'a FileChange>,
}

/// Where the commits go.
pub enum Store<'a> {
    /// An in-memory pack: the ids are real, the repository is untouched.
    Memory,
    /// A new branch, checked out, in the repository.
    Branch(&'a str),
    /// Objects in the repository, no branch moved: the caller places them.
    Objects,
}

/// The commit ids of the series, first to last, and the base commit.
pub struct Built {
    pub base: Oid,
    pub commits: Vec<Oid>,
}

pub fn signature(identity: &str, unix: i64) -> Result<Signature<'static>> {
    let (name, email) = identity
        .rsplit_once('<')
        .map(|(n, e)| (n.trim(), e.trim_end_matches('>')))
        .context("identity must look like 'Name <email>'")?;
    Ok(Signature::new(name, email, &Time::new(unix, 0))?)
}

pub fn build(
    repo: &Repository,
    specs: &[CommitSpec],
    sig: &Signature,
    store: Store,
) -> Result<Built> {
    if let Store::Memory = store {
        // Highest priority: every write below lands in memory.
        repo.odb()?.add_new_mempack_backend(1000)?;
    }
    let head = repo
        .head()
        .context("the tree's repository has no HEAD commit")?
        .peel_to_commit()?;
    let mut parent = head.clone();
    let mut commits = Vec::new();
    for spec in specs {
        let mut update = TreeUpdateBuilder::new();
        for change in &spec.changes {
            let blob = repo.blob(&change.after)?;
            update.upsert(&change.path, blob, FileMode::Blob);
        }
        let tree_id = update.create_updated(repo, &parent.tree()?)?;
        let tree = repo.find_tree(tree_id)?;
        let id = repo.commit(None, sig, sig, &spec.message, &tree, &[&parent])?;
        parent = repo.find_commit(id)?;
        commits.push(id);
    }
    if let Store::Branch(name) = store {
        super::checkout::switch(repo, branch_name(name)?, head.id(), parent.id())?;
    }
    Ok(Built {
        base: head.id(),
        commits,
    })
}

/// `--branch` as a short branch name: `refs/heads/x` is taken as `x`; a
/// name git would refuse is refused here, before anything is written.
pub fn branch_name(name: &str) -> Result<&str> {
    let short = name.strip_prefix("refs/heads/").unwrap_or(name);
    if !git2::Branch::name_is_valid(short).unwrap_or(false) {
        bail!("--branch {name:?} is not a valid branch name");
    }
    Ok(short)
}

/// Refuses a work tree with uncommitted changes.
pub fn ensure_clean(repo: &Repository) -> Result<()> {
    let mut options = StatusOptions::new();
    options.include_untracked(false).exclude_submodules(true);
    let statuses = repo.statuses(Some(&mut options))?;
    if let Some(entry) = statuses.iter().next() {
        bail!(
            "the work tree has uncommitted changes ({} and {} more): commit or stash them first",
            entry.path().unwrap_or("?"),
            statuses.len() - 1
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::branch_name;

    #[test]
    fn branch_names_are_short_and_valid() {
        assert_eq!(branch_name("refs/heads/wq").unwrap(), "wq");
        assert_eq!(branch_name("localwq/v2").unwrap(), "localwq/v2");
        assert!(branch_name("bad..name").is_err());
        assert!(branch_name("").is_err());
    }
}
