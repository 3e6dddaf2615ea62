//! `apply`'s switch to the new branch, journaled so that no interruption
//! leaves the repository lying. The commits already exist as objects. In
//! order: a journal (`.git/localwq-apply`: branch, base, tip, each file's
//! old and new blob); each file replaced by temporary file + rename; the
//! index written whole through its lock; the branch created; HEAD moved
//! last; the journal removed. Signals wait for the end (`Critical`). After
//! a kill, the next `apply` finds the journal and finishes the switch, or
//! says what it found instead.

use super::repo::explain;
use crate::interrupt::Critical;
use crate::write::write_atomically;
use anyhow::{bail, Context, Result};
use git2::{Delta, Oid, Repository};
use std::path::{Path, PathBuf};

const JOURNAL: &str = "localwq-apply";
const HEADER: &str = "localwq apply journal 1";
/// How long after writing its journal the switch may still take a lock:
/// it writes a few files and refs, well under this.
const LOCK_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// One file of the switch: its blob before and after (None: absent).
struct FileSwitch {
    path: String,
    old: Option<Oid>,
    new: Option<Oid>,
}

struct Journal {
    branch: String,
    base: Oid,
    tip: Oid,
    files: Vec<FileSwitch>,
}

/// An interrupted apply that `resume` finished.
pub struct Resumed {
    pub branch: String,
    pub tip: Oid,
}

/// Checks `tip` out on a new branch `branch`, HEAD moving from `base`.
pub fn switch(repo: &Repository, branch: &str, base: Oid, tip: Oid) -> Result<()> {
    can_switch(repo, branch)?;
    let journal = Journal {
        branch: branch.to_string(),
        base,
        tip,
        files: changed_files(repo, base, tip)?,
    };
    let _critical = Critical::enter();
    write_atomically(&repo.path().join(JOURNAL), journal.render()?.as_bytes())?;
    finish(repo, &journal)
}

/// Why `switch` to a new `branch` would be refused now, if it would: the
/// branch exists, or git holds a lock the switch needs.
pub fn can_switch(repo: &Repository, branch: &str) -> Result<()> {
    let root = workdir(repo)?;
    if repo.find_branch(branch, git2::BranchType::Local).is_ok() {
        bail!("branch {branch} already exists: pass another --branch");
    }
    if let Some(lock) = locks(repo, branch).into_iter().find(|l| l.exists()) {
        bail!(
            "{} exists: another git command is running in {}, or one was killed; if none \
             is running, delete it and run again",
            lock.display(),
            root.display()
        );
    }
    Ok(())
}

/// Finishes an apply that was interrupted, if the repository holds the
/// journal of one; refuses, saying what it found, when the work tree or
/// HEAD moved since in a way the journal does not explain.
pub fn resume(root: &Path) -> Result<Option<Resumed>> {
    let Some(repo) = super::repo::open(root)? else {
        return Ok(None);
    };
    let path = repo.path().join(JOURNAL);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(err).with_context(|| format!("{} could not be read", path.display()))
        }
    };
    let journal = Journal::parse(&text).with_context(|| {
        format!(
            "{} is damaged: delete it and check `git status`",
            path.display()
        )
    })?;
    let found = |what: String| -> anyhow::Error {
        anyhow::anyhow!(
            "{} holds an interrupted apply (branch {} from {}), but {what}: the repository \
             changed since. Check `git status` and `git log`, then delete {}",
            path.display(),
            journal.branch,
            journal.base,
            path.display()
        )
    };
    let head = repo.head().map_err(|e| explain(&e, root))?;
    let head_id = head.peel_to_commit()?.id();
    if head_id != journal.base && head_id != journal.tip {
        return Err(found(format!("HEAD is at {head_id}")));
    }
    let workdir = workdir(&repo)?;
    for file in &journal.files {
        let now = blob_of(&workdir.join(&file.path))?;
        if now != file.old && now != file.new {
            return Err(found(format!(
                "{} is neither its old nor its new text",
                file.path
            )));
        }
    }
    let started = std::fs::metadata(&path)?.modified()?;
    for lock in locks(&repo, &journal.branch) {
        let Ok(taken) = std::fs::metadata(&lock).and_then(|m| m.modified()) else {
            continue;
        };
        // The switch takes its locks within moments of writing the
        // journal: a lock taken before, or long after (by a git command
        // run since, maybe still running), is not the apply's to remove.
        let ours = taken >= started
            && taken
                .duration_since(started)
                .is_ok_and(|d| d <= LOCK_WINDOW);
        if !ours {
            let when = match taken < started {
                true => "older than the apply",
                false => "newer than the apply: another git command may hold it",
            };
            return Err(found(format!("{} is {when}", lock.display())));
        }
        std::fs::remove_file(&lock).with_context(|| {
            format!("removing {} left by the interrupted apply", lock.display())
        })?;
    }
    remove_temporaries(&workdir, &journal.files);
    let _critical = Critical::enter();
    finish(&repo, &journal)?;
    Ok(Some(Resumed {
        branch: journal.branch,
        tip: journal.tip,
    }))
}

/// The work tree, index, branch and HEAD moved to the journal's tip; each
/// step can be run again. The journal goes last.
fn finish(repo: &Repository, journal: &Journal) -> Result<()> {
    let root = workdir(repo)?;
    for file in &journal.files {
        let path = root.join(&file.path);
        match file.new {
            Some(id) => write_atomically(&path, repo.find_blob(id)?.content())?,
            None => match std::fs::remove_file(&path) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    return Err(err).with_context(|| format!("removing {}", path.display()))
                }
                _ => {}
            },
        }
    }
    let git = |e: git2::Error| explain(&e, &root);
    let mut index = repo.index().map_err(git)?;
    index.read(true).map_err(git)?;
    for file in &journal.files {
        match file.new {
            Some(_) => index.add_path(Path::new(&file.path)).map_err(git)?,
            None => index.remove_path(Path::new(&file.path)).map_err(git)?,
        }
    }
    index.write().map_err(git)?;
    let name = format!("refs/heads/{}", journal.branch);
    match repo.find_reference(&name) {
        Ok(existing) if existing.target() == Some(journal.tip) => {}
        Ok(_) => bail!(
            "branch {} appeared meanwhile at another commit",
            journal.branch
        ),
        Err(_) => {
            repo.reference(&name, journal.tip, false, "localwq apply")
                .map_err(git)?;
        }
    }
    repo.set_head(&name).map_err(git)?;
    let path = repo.path().join(JOURNAL);
    std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))
}

fn workdir(repo: &Repository) -> Result<PathBuf> {
    repo.workdir()
        .map(Path::to_path_buf)
        .context("the repository has no work tree: apply needs one")
}

/// The lock files git would take for the switch.
fn locks(repo: &Repository, branch: &str) -> Vec<PathBuf> {
    vec![
        repo.path().join("index.lock"),
        repo.path().join("HEAD.lock"),
        repo.path().join(format!("refs/heads/{branch}.lock")),
    ]
}

/// The files that differ between two commits, with their blobs.
fn changed_files(repo: &Repository, base: Oid, tip: Oid) -> Result<Vec<FileSwitch>> {
    let old = repo.find_commit(base)?.tree()?;
    let new = repo.find_commit(tip)?.tree()?;
    let diff = repo.diff_tree_to_tree(Some(&old), Some(&new), None)?;
    let mut files = Vec::new();
    for delta in diff.deltas() {
        let side = |f: git2::DiffFile| (!f.id().is_zero()).then(|| f.id());
        let path = delta
            .new_file()
            .path()
            .or(delta.old_file().path())
            .and_then(Path::to_str)
            .filter(|p| !p.contains('\n'))
            .context("a changed file's path is not one line of UTF-8")?
            .to_string();
        let (old, new) = match delta.status() {
            Delta::Added | Delta::Deleted | Delta::Modified => {
                (side(delta.old_file()), side(delta.new_file()))
            }
            other => bail!("{path}: a change git calls {other:?}, which apply does not make"),
        };
        files.push(FileSwitch { path, old, new });
    }
    Ok(files)
}

/// The blob id of a work tree file as it is now; None when it is absent.
fn blob_of(path: &Path) -> Result<Option<Oid>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(Oid::hash_object(git2::ObjectType::Blob, &bytes)?)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("{} could not be read", path.display())),
    }
}

/// Temporary files an interrupted `write_atomically` left beside the
/// journal's files (its prefix, in their directories only).
fn remove_temporaries(root: &Path, files: &[FileSwitch]) {
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| root.join(&f.path).parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(".localwq-") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

impl Journal {
    fn render(&self) -> Result<String> {
        let id = |o: Option<Oid>| o.map_or("-".to_string(), |o| o.to_string());
        let mut text = format!(
            "{HEADER}\nbranch {}\nbase {}\ntip {}\n",
            self.branch, self.base, self.tip
        );
        for file in &self.files {
            text.push_str(&format!(
                "file {} {} {}\n",
                id(file.old),
                id(file.new),
                file.path
            ));
        }
        Ok(text)
    }

    fn parse(text: &str) -> Result<Journal> {
        let mut lines = text.lines();
        if lines.next() != Some(HEADER) {
            bail!("not a journal localwq wrote");
        }
        let mut field = |name: &str| -> Result<String> {
            let line = lines.next().unwrap_or("");
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(' '))
                .map(str::to_string)
                .with_context(|| format!("no {name} line"))
        };
        let branch = field("branch")?;
        let base = Oid::from_str(&field("base")?)?;
        let tip = Oid::from_str(&field("tip")?)?;
        let id = |word: &str| -> Result<Option<Oid>> {
            Ok(match word {
                "-" => None,
                hex => Some(Oid::from_str(hex)?),
            })
        };
        let mut files = Vec::new();
        for line in lines {
            let mut words = line.splitn(4, ' ');
            let (Some("file"), Some(old), Some(new), Some(path)) =
                (words.next(), words.next(), words.next(), words.next())
            else {
                bail!("a file line is damaged: {line}");
            };
            files.push(FileSwitch {
                path: path.to_string(),
                old: id(old)?,
                new: id(new)?,
            });
        }
        Ok(Journal {
            branch,
            base,
            tip,
            files,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository with `a.c` committed as "old", a commit on top of it
    /// with "new" (not checked out), and the journal of a switch to it.
    fn interrupted() -> (tempfile::TempDir, Repository, Journal) {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let sig = git2::Signature::new("T", "t@example.org", &git2::Time::new(1, 0)).unwrap();
        let commit = |text: &[u8], parents: &[&git2::Commit]| {
            let mut tree = repo.treebuilder(None).unwrap();
            let blob = repo.blob(text).unwrap();
            tree.insert("a.c", blob, 0o100644).unwrap();
            let tree = repo.find_tree(tree.write().unwrap()).unwrap();
            let head = parents.is_empty().then_some("HEAD");
            repo.commit(head, &sig, &sig, "m", &tree, parents).unwrap()
        };
        let base = commit(b"old\n", &[]);
        let tip = commit(b"new\n", &[&repo.find_commit(base).unwrap()]);
        std::fs::write(dir.path().join("a.c"), b"old\n").unwrap();
        let mut index = repo.index().unwrap();
        index.add_path(Path::new("a.c")).unwrap();
        index.write().unwrap();
        let journal = Journal {
            branch: "localwq".into(),
            base,
            tip,
            files: changed_files(&repo, base, tip).unwrap(),
        };
        let text = journal.render().unwrap();
        std::fs::write(repo.path().join(JOURNAL), text).unwrap();
        (dir, repo, journal)
    }

    #[test]
    fn the_journal_reads_back_as_written() {
        let (_dir, _repo, journal) = interrupted();
        let again = Journal::parse(&journal.render().unwrap()).unwrap();
        assert_eq!(again.render().unwrap(), journal.render().unwrap());
        assert_eq!(journal.files.len(), 1);
        assert!(Journal::parse("not a journal\n").is_err());
    }

    #[test]
    fn an_interrupted_switch_is_finished() {
        let (dir, repo, journal) = interrupted();
        std::fs::write(repo.path().join("index.lock"), b"").unwrap();
        let done = resume(dir.path()).unwrap().expect("resumed");
        assert_eq!(done.tip, journal.tip);
        assert_eq!(std::fs::read(dir.path().join("a.c")).unwrap(), b"new\n");
        let head = repo.head().unwrap();
        assert_eq!(head.name(), Some("refs/heads/localwq"));
        assert!(!repo.path().join(JOURNAL).exists());
        assert!(!repo.path().join("index.lock").exists());
        assert!(resume(dir.path()).unwrap().is_none(), "nothing left to do");
    }

    #[test]
    fn a_lock_taken_long_after_the_apply_is_not_removed() {
        let (dir, repo, _) = interrupted();
        let lock = repo.path().join("index.lock");
        let file = std::fs::File::create(&lock).unwrap();
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(600);
        file.set_modified(later).unwrap();
        let err = resume(dir.path()).err().expect("refused").to_string();
        assert!(err.contains("newer than the apply"), "{err}");
        assert!(lock.exists(), "another command's lock is left alone");
        assert!(repo.path().join(JOURNAL).exists(), "kept for the user");
    }

    #[test]
    fn a_file_changed_since_is_reported_not_overwritten() {
        let (dir, repo, _) = interrupted();
        std::fs::write(dir.path().join("a.c"), b"edited by hand\n").unwrap();
        let err = resume(dir.path()).err().expect("refused").to_string();
        assert!(
            err.contains("a.c is neither its old nor its new text"),
            "{err}"
        );
        assert_eq!(
            std::fs::read(dir.path().join("a.c")).unwrap(),
            b"edited by hand\n"
        );
        assert!(repo.path().join(JOURNAL).exists(), "kept for the user");
    }
}
