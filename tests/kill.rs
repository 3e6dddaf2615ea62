//! Kill tests: `apply` and `patches` on a fixture, stopped by SIGKILL or
//! SIGINT at many moments spread over a whole run. Every time, what is left
//! is the old state or the complete new one; after SIGKILL `apply` may
//! also leave its journal, and then the next `apply` must complete it.
//! (tests/real/kill.sh does the same on a real kernel module.)

mod common;

use git2::{Oid, Repository, StatusOptions};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const RUNS: u64 = 60;
const FROM: &str = "Dev <dev@example.org>";

fn localwq(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_localwq"));
    command.args(args).args(["--from", FROM]);
    command
}

fn run(args: &[&str]) -> Output {
    localwq(args).output().expect("localwq runs")
}

/// Starts `command`, sends `signal` after `delay`, and waits for it;
/// "deferred" when the signal arrived in a critical section (localwq says
/// so), else "".
fn interrupt(mut command: Command, delay: Duration, signal: i32) -> &'static str {
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("localwq starts");
    std::thread::sleep(delay);
    // Safety: a plain kill(2) of our own child, which is not reaped yet.
    unsafe { libc::kill(child.id() as i32, signal) };
    let out = child.wait_with_output().expect("localwq ends");
    match String::from_utf8_lossy(&out.stderr).contains("finished first") {
        true => " deferred",
        false => "",
    }
}

/// Delays spread over `0..1.5 × whole` (a fixed sequence, so each run of
/// the test tries the same moments), with the signal alternating.
fn moments(whole: Duration) -> impl Iterator<Item = (Duration, i32)> {
    let span = whole.as_micros() as u64 * 3 / 2 + 1;
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    (0..RUNS).map(move |i| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let signal = if i % 2 == 0 {
            libc::SIGKILL
        } else {
            libc::SIGINT
        };
        (Duration::from_micros(seed % span), signal)
    })
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// The lock `apply` holds while it runs.
const LOCK: &str = ".git/localwq-apply.lock";

/// `apply` run again after an interruption: it takes over a lock the
/// killed run left, saying so. Killed between creating the lock and
/// writing it, a run leaves it empty: the next refuses it, saying to
/// remove it, and once that is done (here) runs.
fn apply_again(apply: impl Fn() -> Command, root: &Path, locked: bool) -> Output {
    let again = apply().output().unwrap();
    let err = String::from_utf8_lossy(&again.stderr);
    if locked && err.contains("was cut short: if no localwq apply runs") {
        std::fs::remove_file(root.join(LOCK)).unwrap();
        return apply().output().unwrap();
    }
    assert_eq!(err.contains("is no longer running"), locked, "{err}");
    again
}

#[derive(Debug, PartialEq)]
enum State {
    Old,
    New,
    Journal,
}

/// Which state the repository is in; panics on anything else: a lock or
/// a stray file left, a change not committed, HEAD elsewhere.
fn state(root: &Path, base: Oid, tip: Oid) -> State {
    let git = root.join(".git");
    if git.join("localwq-apply").exists() {
        return State::Journal;
    }
    for lock in ["index.lock", "HEAD.lock", "refs/heads/localwq.lock"] {
        assert!(!git.join(lock).exists(), "{lock} left behind");
    }
    let repo = Repository::open(root).unwrap();
    let mut options = StatusOptions::new();
    options.include_untracked(true).recurse_untracked_dirs(true);
    let dirty: Vec<String> = repo
        .statuses(Some(&mut options))
        .unwrap()
        .iter()
        .map(|s| format!("{:?} {}", s.status(), s.path().unwrap_or("?")))
        .collect();
    assert!(dirty.is_empty(), "the work tree is not clean: {dirty:?}");
    let head = repo.head().unwrap();
    let at = (head.name().unwrap_or(""), head.target().unwrap());
    let branch = repo.find_branch("localwq", git2::BranchType::Local).is_ok();
    match at {
        ("refs/heads/master", id) if id == base && !branch => State::Old,
        ("refs/heads/localwq", id) if id == tip => State::New,
        other => panic!("HEAD at {other:?}, neither the old state nor the new one"),
    }
}

#[test]
fn apply_killed_anywhere_leaves_the_old_or_the_new_state_or_completes() {
    let scratch = tempfile::tempdir().unwrap();
    let model = scratch.path().join("model");
    let base = common::git_repository("series", &model);
    let apply = |root: &Path| {
        let root = root.to_str().unwrap();
        localwq(&["apply", root, "--date", "1795431845"])
    };
    let reference = scratch.path().join("reference");
    common::copy_dir(&model, &reference);
    let mut first = apply(&reference);
    let whole = timed(|| assert!(first.output().unwrap().status.success()));
    let tip = Repository::open(&reference)
        .unwrap()
        .head()
        .unwrap()
        .target()
        .unwrap();
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for (i, (delay, signal)) in moments(whole).enumerate() {
        let root = scratch.path().join(format!("run{i}"));
        common::copy_dir(&model, &root);
        let deferred = interrupt(apply(&root), delay, signal);
        let found = state(&root, base, tip);
        let name = if signal == libc::SIGKILL {
            "KILL"
        } else {
            "INT"
        };
        *seen
            .entry(format!("{name} {found:?}{deferred}"))
            .or_default() += 1;
        assert!(
            signal == libc::SIGKILL || found != State::Journal,
            "SIGINT left a journal"
        );
        let locked = root.join(LOCK).exists();
        assert!(signal == libc::SIGKILL || !locked, "SIGINT left the lock");
        if found != State::New {
            let again = apply_again(|| apply(&root), &root, locked);
            assert!(!root.join(LOCK).exists(), "the lock outlived its run");
            let said = String::from_utf8_lossy(&again.stdout);
            assert!(again.status.success(), "{said}");
            assert_eq!(
                said.contains("finished an apply that was interrupted"),
                found == State::Journal,
                "{said}"
            );
            assert_eq!(state(&root, base, tip), State::New);
        }
        std::fs::remove_dir_all(&root).unwrap();
    }
    eprintln!("apply: {RUNS} interruptions over {whole:?}: {seen:?}");
}

/// Each file of a series directory, by name.
fn series(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn patches_killed_anywhere_leave_the_old_series_or_the_new_one() {
    let scratch = tempfile::tempdir().unwrap();
    let tree = common::testdata().join("series");
    let tree = tree.to_str().unwrap();
    let write = |out: &Path, date: &str| {
        let out = out.to_str().unwrap();
        localwq(&["patches", tree, "-o", out, "--force", "--date", date])
    };
    let old_dir = scratch.path().join("old");
    assert!(run(&["patches", tree, "-o", old_dir.to_str().unwrap()])
        .status
        .success());
    let old = series(&old_dir);
    let new_dir = scratch.path().join("new");
    let mut first = write(&new_dir, "2");
    let whole = timed(|| assert!(first.output().unwrap().status.success()));
    let new = series(&new_dir);
    assert_ne!(old, new);
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for (i, (delay, signal)) in moments(whole).enumerate() {
        let parent = scratch.path().join(format!("run{i}"));
        let out = parent.join("out");
        common::copy_dir(&old_dir, &out);
        let deferred = interrupt(write(&out, "2"), delay, signal);
        let found = series(&out);
        let which = match found {
            f if f == old => "old",
            f if f == new => "new",
            f => panic!("neither series: {:?}", f.keys()),
        };
        let stray = std::fs::read_dir(&parent).unwrap().count() - 1;
        let name = if signal == libc::SIGKILL {
            "KILL"
        } else {
            "INT"
        };
        assert!(
            signal == libc::SIGKILL || stray == 0,
            "SIGINT left a temporary directory"
        );
        *seen.entry(format!("{name} {which}{deferred}")).or_default() += 1;
        // The next run clears what a killed one left beside the series.
        assert!(write(&out, "2").output().unwrap().status.success());
        assert_eq!(series(&out), new);
        let left = std::fs::read_dir(&parent).unwrap().count() - 1;
        assert_eq!(left, 0, "a staging directory outlived its process");
        std::fs::remove_dir_all(&parent).unwrap();
    }
    eprintln!("patches: {RUNS} interruptions over {whole:?}: {seen:?}");
}
