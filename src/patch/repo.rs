//! The tree's git repository, opened with errors in the user's words:
//! what git could not do, and what to do about it (libgit2's own texts
//! name classes and codes, and a path under the wrong home).

use anyhow::{anyhow, Result};
use git2::{ErrorClass, ErrorCode, Repository};
use std::path::Path;

/// The repository whose work tree is `root`; None when `root` is not in
/// one. A repository git cannot open is an error, never "no repository":
/// patches without it would silently lose their real commit ids.
pub fn open(root: &Path) -> Result<Option<Repository>> {
    match Repository::open(root) {
        Ok(repo) => Ok(Some(repo)),
        Err(err) if err.code() == ErrorCode::NotFound => Ok(None),
        Err(err) => Err(explain(&err, root)),
    }
}

/// A git error as a sentence that says what to do.
pub fn explain(err: &git2::Error, root: &Path) -> anyhow::Error {
    let what = err.message();
    let root = root.display();
    match (err.code(), err.class()) {
        (ErrorCode::Owner, _) => anyhow!(
            "git will not open {root}: it belongs to another user. Run as its owner, or \
             mark it safe: git config --global --add safe.directory {root}"
        ),
        (ErrorCode::Locked, _) => anyhow!(
            "{what}: a lock file in {root}/.git is held by another git command, or was left \
             by one that was killed; if no git command is running there, delete the \
             *.lock file and run again"
        ),
        (_, ErrorClass::Config) => anyhow!(
            "git could not read its configuration ({what}): make the file readable, or set \
             HOME to a directory you can read"
        ),
        _ => anyhow!("git: {what} (in {root})"),
    }
}
