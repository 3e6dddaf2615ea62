//! The b4 round trip on the series fixture: `localwq apply --b4`, then
//! `b4 send -o` of each branch, offline, must write the mails `localwq
//! patches` writes (tests/real/b4-roundtrip.sh and b4-compare.py, which the
//! real-tree suite runs too). Skipped, saying so, where b4 is not
//! installed; under CI (`CI=true`, where .ci/run installs it) that fails.

mod common;

use std::path::Path;
use std::process::{Command, Output};

const IDENTITY: &str = "Dev Eloper <dev@example.org>";

fn run(command: &mut Command) -> Output {
    let out = command.output().expect("the command runs");
    assert!(
        out.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn git(dir: &Path, args: &[&str]) {
    run(Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Fixture")
        .env("GIT_AUTHOR_EMAIL", "fixture@example.org")
        .env("GIT_COMMITTER_NAME", "Fixture")
        .env("GIT_COMMITTER_EMAIL", "fixture@example.org"));
}

fn b4_installed() -> bool {
    let found = Command::new("b4").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "b4 is not installed, and CI must run the b4 round trip (.ci/run installs it)"
        );
        eprintln!("skipped: b4 is not installed (pip install b4)");
    }
    found
}

fn script(name: &str) -> String {
    format!("{}/tests/real/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn b4_sends_what_patches_writes() {
    if !b4_installed() {
        return;
    }
    let tree = common::copy_case("series");
    git(tree.path(), &["init", "-q", "-b", "master"]);
    git(tree.path(), &["add", "-A"]);
    git(tree.path(), &["commit", "-q", "-m", "fixture"]);
    let work = tempfile::tempdir().unwrap();
    let patches = work.path().join("patches");
    run(Command::new(env!("CARGO_BIN_EXE_localwq"))
        .arg("patches")
        .arg(tree.path())
        .arg("-o")
        .arg(&patches)
        .args(["--from", IDENTITY, "--date", "1795431845"]));
    let trip = work.path().join("trip");
    let out = run(Command::new(script("b4-roundtrip.sh"))
        .arg(env!("CARGO_BIN_EXE_localwq"))
        .arg(tree.path())
        .arg(&patches)
        .arg(&trip)
        .arg(IDENTITY));
    let summary = String::from_utf8_lossy(&out.stdout);
    println!("{summary}");
    // Every mail has notes: what each flush waited for (ready patches
    // too), and the RFC's review flags.
    assert!(summary.contains("notes kept 4/4"), "{summary}");

    // The comparison can fail: a maintainer and the RFC's review notes
    // taken out of b4's mails must be reported.
    let b4 = trip.join("b4");
    for mail in walk(&b4) {
        let text = std::fs::read_to_string(&mail).unwrap();
        let text = text.replace("fay@new.example.org", "fay@elsewhere.example.org");
        let text: String = text
            .lines()
            .filter(|l| !l.contains("[other-system-wq]"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&mail, text).unwrap();
    }
    let out = Command::new(script("b4-compare.py"))
        .arg(&patches)
        .arg(&b4)
        .arg("dev@example.org")
        .output()
        .unwrap();
    let errors = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "tampered mails passed");
    assert!(
        errors.contains("only localwq has ['fay@new.example.org']"),
        "{errors}"
    );
    assert!(errors.contains("lacks localwq's notes"), "{errors}");
}

fn git_out(dir: &Path, args: &[&str]) -> String {
    let out = run(Command::new("git").args(args).current_dir(dir));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What b4 reads of the branches, checked without b4: each starts with an
/// empty commit holding the cover, the To/Cc trailers and the tracking
/// JSON; each patch's own recipients are Cc: trailers, its notes after
/// `---`; the strategy is pinned per branch.
#[test]
fn apply_b4_leaves_what_b4_prep_reads() {
    let tree = common::copy_case("series");
    git(tree.path(), &["init", "-q", "-b", "master"]);
    git(tree.path(), &["add", "-A"]);
    git(tree.path(), &["commit", "-q", "-m", "fixture"]);
    run(Command::new(env!("CARGO_BIN_EXE_localwq"))
        .arg("apply")
        .arg(tree.path())
        .args(["--b4", "--from", IDENTITY]));
    let dir = tree.path();
    assert_eq!(
        git_out(dir, &["branch", "--show-current"]).trim(),
        "localwq"
    );
    for (branch, patches, prefixes) in [("localwq", 2, "[]"), ("localwq-rfc", 1, "[\"RFC\"]")] {
        let range = format!("master..{branch}");
        let commits = git_out(dir, &["rev-list", "--reverse", &range]);
        let commits: Vec<&str> = commits.lines().collect();
        assert_eq!(commits.len(), patches + 1, "{branch}");
        let cover = git_out(dir, &["show", "-s", "--format=%B", commits[0]]);
        let (text, json) = cover.split_once("--- b4-submit-tracking ---\n").unwrap();
        assert!(
            text.contains("\nTo: ") || text.contains("\nCc: "),
            "{cover}"
        );
        let json = &json[json.find('{').unwrap()..];
        let tracking: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(tracking["series"]["revision"], 1);
        assert_eq!(tracking["series"]["prefixes"].to_string(), prefixes);
        let changed = git_out(
            dir,
            &[
                "diff",
                "--name-only",
                &format!("{}^", commits[0]),
                commits[0],
            ],
        );
        assert_eq!(changed, "", "the cover commit is empty");
        let key = format!("branch.{branch}.b4-prep-cover-strategy");
        assert_eq!(git_out(dir, &["config", &key]).trim(), "commit");
    }
    let foo = git_out(dir, &["log", "-1", "--format=%B", "localwq"]);
    assert!(foo.contains("Cc: Fay Oo <fay@new.example.org>\n"), "{foo}");
    let bar = git_out(dir, &["log", "-1", "--format=%B", "localwq-rfc"]);
    assert!(bar.contains("\n---\nWhat each flush waited for"), "{bar}");
    assert!(bar.contains("\nReview notes"), "{bar}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        match path.is_dir() {
            true => files.extend(walk(&path)),
            false => files.push(path),
        }
    }
    files
}
