//! Snapshot and idempotence tests over the fixture trees in testdata/.

mod common;

use localwq::analysis::{Choice, Verdict};
use localwq::write::write_changes;
use localwq::{dry_run, Session};
use std::path::Path;

/// The dry-run output for every flushing module of a tree.
fn dry_run_all(root: &Path, choice: Choice) -> String {
    let mut session = Session::open(root).expect("fixture is a kernel tree");
    session.choice = choice;
    let selection = session.select(&[]).expect("selection");
    let mut out = String::new();
    for orphan in &selection.orphans {
        let file = orphan.file.as_ref().expect("an orphan is a file");
        out.push_str(&format!("# file {}: {}\n", file.display(), orphan.detail));
    }
    for outcome in session.convert_all(&selection.modules) {
        out.push_str(&String::from_utf8(dry_run(root, &outcome)).unwrap());
    }
    out
}

/// The rewrite engine (Steps 1–5) on every shape.
#[test]
fn diff_snapshots() {
    common::each_case(|_, root| {
        let output = dry_run_all(root, Choice::LocalWq);
        insta::assert_snapshot!("diff", output);
    });
}

/// What a user gets by default: Step 0's recommendation applied.
#[test]
fn auto_snapshots() {
    common::each_case(|_, root| {
        let output = dry_run_all(root, Choice::Auto);
        insta::assert_snapshot!("auto", output);
    });
}

#[test]
fn strategies_that_do_not_apply_are_refused_with_the_reason() {
    let root = common::testdata().join("platform_driver");
    let output = dry_run_all(&root, Choice::FlushWork);
    assert!(
        output.contains("refused: --strategy flush-work does not apply"),
        "{output}"
    );
    let output = dry_run_all(&root, Choice::RemoveFlush);
    assert!(
        output.contains("refused: --strategy remove-flush does not apply"),
        "{output}"
    );
}

#[test]
fn second_run_changes_nothing() {
    for choice in [Choice::LocalWq, Choice::Auto] {
        second_run_changes_nothing_with(choice);
    }
}

fn second_run_changes_nothing_with(choice: Choice) {
    for case in common::cases() {
        let copy = common::copy_case(&case);
        let mut session = Session::open(copy.path()).unwrap();
        session.choice = choice;
        let modules = session.select(&[]).unwrap().modules;
        for outcome in session.convert_all(&modules) {
            write_changes(copy.path(), &outcome.changes).unwrap();
        }
        let mut again = Session::open(copy.path()).unwrap();
        again.choice = choice;
        let modules = again.select(&[]).unwrap().modules;
        for outcome in again.convert_all(&modules) {
            let name = &outcome.module.name;
            assert!(
                outcome.changes.is_empty(),
                "{case}: second run rewrote {name}"
            );
            if outcome.verdict() != Verdict::NotApplicable {
                assert!(
                    outcome.verdict() == Verdict::Refused,
                    "{case}: {name} is still convertible after conversion"
                );
            }
        }
    }
}

#[test]
fn not_a_kernel_tree_is_refused_with_the_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = Session::open(dir.path())
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("not a kernel source tree") && err.contains("Makefile"),
        "{err}"
    );
}
