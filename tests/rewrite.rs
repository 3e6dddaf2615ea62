//! Snapshot and idempotence tests over the fixture trees in testdata/.

mod common;

use localwq::analysis::Verdict;
use localwq::patch::diff::module_diff;
use localwq::{write_changes, Session};
use std::path::Path;

/// The dry-run output for every flushing module of a tree.
fn dry_run(root: &Path) -> String {
    let session = Session::open(root).expect("fixture is a kernel tree");
    let selection = session.select(&[]).expect("selection");
    let mut out = String::new();
    for orphan in &selection.orphans {
        out.push_str(&format!(
            "# file {}: {}\n",
            orphan.file.display(),
            orphan.reason
        ));
    }
    for module in &selection.modules {
        out.push_str(&String::from_utf8(module_diff(&session.convert(module))).unwrap());
    }
    out
}

#[test]
fn diff_snapshots() {
    for case in common::cases() {
        let output = dry_run(&common::testdata().join(&case));
        insta::assert_snapshot!(format!("diff@{case}"), output);
    }
}

#[test]
fn second_run_changes_nothing() {
    for case in common::cases() {
        let copy = common::copy_case(&case);
        let session = Session::open(copy.path()).unwrap();
        let modules = session.select(&[]).unwrap().modules;
        for module in &modules {
            let outcome = session.convert(module);
            write_changes(copy.path(), &outcome.changes).unwrap();
        }
        let again = Session::open(copy.path()).unwrap();
        for module in &again.select(&[]).unwrap().modules {
            let outcome = again.convert(module);
            assert!(
                outcome.changes.is_empty(),
                "{case}: second run rewrote {}",
                module.name
            );
            if !matches!(outcome.verdict, Verdict::NotApplicable(_)) {
                assert!(
                    matches!(outcome.verdict, Verdict::Refused(_)),
                    "{case}: {} is still convertible after conversion",
                    module.name
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
