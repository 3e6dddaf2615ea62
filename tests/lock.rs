//! One `apply` at a time in a repository: two started together on the
//! series fixture, round after round with the second started a little
//! later each time; a lock held by a live process, left by a killed run,
//! or unreadable. Every message must be true when printed, and the
//! repository end on one run's complete result with nothing left in .git.

mod common;

use git2::{Oid, Repository, StatusOptions};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const ROUNDS: u64 = 24;
const LOCK: &str = ".git/localwq-apply.lock";

fn apply(root: &Path, branch: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_localwq"));
    command.arg("apply").arg(root).args([
        "--branch",
        branch,
        "--from",
        "Dev <dev@example.org>",
        "--date",
        "1795431845",
    ]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    command
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// What one of two runs said; panics on anything but success, the other
/// run's lock, or nothing left to do after it.
#[derive(Debug, PartialEq)]
enum Said {
    Applied { commits: usize, branch: String },
    Busy { pid: u32 },
    NothingLeft,
}

fn said(out: &Output) -> Said {
    let (stdout, err) = (String::from_utf8_lossy(&out.stdout), stderr(out));
    if out.status.success() {
        assert_eq!(err, "", "a run that went alone says nothing else");
        let line = stdout.strip_suffix(", checked out\n").expect(&stdout);
        let (commits, branch) = line.split_once(" commits on branch ").expect(line);
        let commits = commits.parse().expect(line);
        let branch = branch.to_string();
        return Said::Applied { commits, branch };
    }
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(stdout, "", "{err}");
    let busy = "localwq: error: another localwq apply is running (pid ";
    if let Some(rest) = err.strip_prefix(busy) {
        let pid = rest.strip_suffix("): wait for it to finish\n").expect(&err);
        return Said::Busy {
            pid: pid.parse().expect(&err),
        };
    }
    assert_eq!(err, "localwq: error: no module has a conversion to apply\n");
    Said::NothingLeft
}

/// Asserts the repository holds what `branch`'s run said it made: HEAD on
/// it, `commits` commits above `base`, a clean work tree, and no lock,
/// journal or file set aside left in .git.
fn assert_applied(root: &Path, base: Oid, branch: &str, commits: usize) {
    let git = root.join(".git");
    for left in std::fs::read_dir(&git).unwrap().flatten() {
        let name = left.file_name().to_string_lossy().into_owned();
        assert!(!name.contains("localwq-apply"), "{name} left behind");
    }
    let repo = Repository::open(root).unwrap();
    let head = repo.head().unwrap();
    assert_eq!(head.name(), Some(format!("refs/heads/{branch}").as_str()));
    let mut walk = repo.revwalk().unwrap();
    walk.push_head().unwrap();
    walk.hide(base).unwrap();
    assert_eq!(walk.count(), commits);
    let mut options = StatusOptions::new();
    options.include_untracked(true);
    assert!(repo.statuses(Some(&mut options)).unwrap().is_empty());
}

/// Two runs on a fresh copy of the fixture, the second started `delay`
/// after the first; what the loser said, checked.
fn round(scratch: &Path, i: u64, delay: Duration) -> &'static str {
    let root = scratch.join(format!("round{i}"));
    let base = common::git_repository("series", &root);
    // Half the rounds ask for one branch, half for two.
    let branches = match i % 2 {
        0 => ["localwq", "localwq"],
        _ => ["one", "two"],
    };
    let first = apply(&root, branches[0]).spawn().unwrap();
    std::thread::sleep(delay);
    let second = apply(&root, branches[1]).spawn().unwrap();
    let runs: Vec<(u32, Output)> = [first, second]
        .into_iter()
        .map(|c: Child| (c.id(), c.wait_with_output().unwrap()))
        .collect();
    let saids: Vec<Said> = runs.iter().map(|(_, out)| said(out)).collect();
    let winners: Vec<usize> = (0..2)
        .filter(|&w| matches!(saids[w], Said::Applied { .. }))
        .collect();
    assert_eq!(winners.len(), 1, "one run applies: {saids:?}");
    let (winner, loser) = (winners[0], 1 - winners[0]);
    let Said::Applied { commits, branch } = &saids[winner] else {
        unreachable!()
    };
    assert_eq!(branch, branches[winner]);
    assert_applied(&root, base, branch, *commits);
    std::fs::remove_dir_all(&root).unwrap();
    match saids[loser] {
        Said::Busy { pid } => {
            assert_eq!(pid, runs[winner].0, "the refusal names the winner");
            "refused while the other ran"
        }
        _ => "ran after the other, found nothing left",
    }
}

#[test]
fn two_applies_at_once_one_applies_and_no_message_is_false() {
    let scratch = tempfile::tempdir().unwrap();
    let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
    for i in 0..ROUNDS {
        // 0 to 25 ms apart: together, overlapping, one after the other.
        let delay = Duration::from_micros((i / 2) % 6 * 5000);
        *seen.entry(round(scratch.path(), i, delay)).or_default() += 1;
    }
    eprintln!("{ROUNDS} pairs of applies: {seen:?}");
    assert!(
        seen.contains_key("refused while the other ran"),
        "no two runs overlapped: {seen:?}"
    );
}

/// A repository of the fixture at `<scratch>/repo`, its base commit.
fn repository(scratch: &Path) -> (std::path::PathBuf, Oid) {
    let root = scratch.join("repo");
    let base = common::git_repository("series", &root);
    (root, base)
}

/// Asserts the run was refused with `message` and left the repository
/// and the lock as they were.
fn assert_refused(root: &Path, base: Oid, lock: &[u8], message: &str) {
    let out = apply(root, "localwq").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), format!("localwq: error: {message}\n"));
    let repo = Repository::open(root).unwrap();
    assert_eq!(repo.head().unwrap().target(), Some(base));
    assert_eq!(std::fs::read(root.join(LOCK)).unwrap(), lock);
}

#[test]
fn a_live_holder_is_named_and_the_run_refused() {
    let scratch = tempfile::tempdir().unwrap();
    let (root, base) = repository(scratch.path());
    let held = localwq::patch::lock::ApplyLock::take(&root.join(".git")).unwrap();
    let lock = std::fs::read(root.join(LOCK)).unwrap();
    let message = format!(
        "another localwq apply is running (pid {}): wait for it to finish",
        std::process::id()
    );
    assert_refused(&root, base, &lock, &message);
    drop(held);
    let out = apply(&root, "localwq").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_applied(&root, base, "localwq", 3);
}

#[test]
fn a_lock_that_cannot_be_read_is_named_with_what_to_do() {
    let scratch = tempfile::tempdir().unwrap();
    let (root, base) = repository(scratch.path());
    std::fs::write(root.join(LOCK), b"not a lock\n").unwrap();
    let message = format!(
        "{} is not a lock localwq apply wrote, or was cut short: if no localwq apply runs in \
         this repository, remove it and run again",
        root.join(LOCK).display()
    );
    assert_refused(&root, base, b"not a lock\n", &message);
}

/// Starts an apply and signals it as soon as its lock is whole (it names
/// a host, the last line), waiting for it to end; its pid, or None when
/// it ended before that was seen.
fn signal_once_locked(root: &Path, signal: i32) -> Option<u32> {
    let mut child = apply(root, "localwq").spawn().unwrap();
    let pid = child.id();
    let started = Instant::now();
    let lock = root.join(LOCK);
    while started.elapsed() < Duration::from_secs(10) && child.try_wait().unwrap().is_none() {
        let text = std::fs::read_to_string(&lock).unwrap_or_default();
        if text.ends_with('\n') && text.contains("\nhost ") {
            // Safety: a plain kill(2) of our own child, not reaped yet.
            unsafe { libc::kill(pid as i32, signal) };
            child.wait_with_output().unwrap();
            return Some(pid);
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    None
}

#[test]
fn a_lock_left_by_a_killed_apply_is_taken_over_saying_so() {
    let scratch = tempfile::tempdir().unwrap();
    for attempt in 0..10 {
        let root = scratch.path().join(format!("attempt{attempt}"));
        let base = common::git_repository("series", &root);
        let Some(pid) = signal_once_locked(&root, libc::SIGKILL) else {
            continue;
        };
        assert!(root.join(LOCK).exists(), "SIGKILL leaves the lock");
        let out = apply(&root, "localwq").output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let removed = format!(
            "localwq: removed {}: the localwq apply that held it (pid {pid}) is no longer \
             running\n",
            root.join(LOCK).display()
        );
        assert!(stderr(&out).starts_with(&removed), "{}", stderr(&out));
        assert_applied(&root, base, "localwq", 3);
        return;
    }
    panic!("no apply was seen holding its lock");
}

#[test]
fn an_interrupted_apply_removes_its_lock() {
    let scratch = tempfile::tempdir().unwrap();
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        let root = scratch.path().join(format!("signal{signal}"));
        common::git_repository("series", &root);
        // Whether it ended at once or after finishing a switch first.
        if signal_once_locked(&root, signal).is_some() {
            assert!(!root.join(LOCK).exists(), "signal {signal} left the lock");
        }
    }
}
