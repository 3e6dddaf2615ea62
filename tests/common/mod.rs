//! Helpers shared by the integration tests: fixture trees and copies.
#![allow(dead_code)] // each test crate uses a different subset

use std::path::{Path, PathBuf};

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// Every case directory under testdata/, sorted.
pub fn cases() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(testdata())
        .expect("testdata/")
        .flatten()
        // A kernel-shaped tree; out_of_tree/ holds a KDIR and a module.
        .filter(|e| e.path().join("Kconfig").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A scratch copy of a case's tree.
pub fn copy_case(case: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&testdata().join(case), dir.path());
    dir
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A git repository at `into` holding `case`'s tree in one commit on
/// master; that commit's id.
pub fn git_repository(case: &str, into: &Path) -> git2::Oid {
    copy_dir(&testdata().join(case), into);
    let repo = git2::Repository::init(into).unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::new("F", "f@example.org", &git2::Time::new(1, 0)).unwrap();
    let base = repo
        .commit(Some("HEAD"), &sig, &sig, "fixture", &tree, &[])
        .unwrap();
    repo.set_head("refs/heads/master").ok();
    base
}

/// Runs `check` on every case under testdata/, as `insta::glob!` does:
/// each snapshot is named `<name>@<case>`, and a mismatch in one case is
/// reported with all the others instead of hiding them.
pub fn each_case(mut check: impl FnMut(&str, &Path)) {
    insta::glob!("../../testdata", "*/Kconfig", |kconfig| {
        let root = kconfig.parent().expect("a case directory");
        let case = root
            .file_name()
            .expect("named")
            .to_string_lossy()
            .into_owned();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_suffix(case.as_str());
        settings.bind(|| check(&case, root));
    });
}

/// The root files `Session::open` looks for (with
/// include/linux/workqueue.h, which `tree` copies with its directory).
const ROOT_FILES: &[&str] = &["Makefile", "Kconfig"];

/// A scratch kernel-shaped tree: the root markers, `include/linux/*.h` and
/// `kernel/workqueue.c` (the workqueue facts) of testdata/single_file,
/// plus `files` (paths relative to the root).
/// A given file replaces a copied one of the same path.
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = testdata().join("single_file");
    for name in ROOT_FILES {
        std::fs::copy(model.join(name), dir.path().join(name)).expect("root marker");
    }
    copy_dir(
        &model.join("include/linux"),
        &dir.path().join("include/linux"),
    );
    copy_dir(&model.join("kernel"), &dir.path().join("kernel"));
    for (path, text) in files {
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().expect("a file in a directory")).unwrap();
        std::fs::write(target, text).unwrap();
    }
    dir
}

/// Every selected module of a tree, converted with `choice`: the orphans
/// of the selection, and each module's outcome.
pub fn convert_all(
    root: &Path,
    choice: localwq::analysis::Choice,
) -> (Vec<localwq::refusal::Refusal>, Vec<localwq::Outcome>) {
    let mut session = localwq::Session::open(root).expect("a kernel-shaped tree");
    session.choice = choice;
    let selection = session.select(&[]).expect("selection");
    let outcomes = session.convert_all(&selection.modules);
    (selection.orphans, outcomes)
}

/// What `localwq diff` would print for every outcome, for failure messages.
pub fn dry_runs(outcomes: &[localwq::Outcome]) -> String {
    outcomes
        .iter()
        .map(|o| {
            String::from_utf8_lossy(&localwq::dry_run(std::path::Path::new(""), o)).into_owned()
        })
        .collect()
}

/// Converts every selected module of the tree made of `files` with
/// `Choice::LocalWq`, and asserts that each file of `after` then reads as
/// given (a listed file no change touches keeps its text).
pub fn check(files: &[(&str, &str)], after: &[(&str, &str)]) {
    check_with(files, localwq::analysis::Choice::LocalWq, after)
}

/// `check` with another `--strategy`.
pub fn check_with(
    files: &[(&str, &str)],
    choice: localwq::analysis::Choice,
    after: &[(&str, &str)],
) {
    let dir = tree(files);
    let (orphans, outcomes) = convert_all(dir.path(), choice);
    let shown = dry_runs(&outcomes);
    assert!(orphans.is_empty(), "orphans: {orphans:?}\n{shown}");
    assert!(!outcomes.is_empty(), "no module selected");
    for outcome in &outcomes {
        assert!(
            outcome.decision.conversion().is_some(),
            "{} not converted: {:?}\n{shown}",
            outcome.module.name,
            outcome.decision.refusal()
        );
    }
    let mut texts: std::collections::BTreeMap<PathBuf, Vec<u8>> = files
        .iter()
        .map(|(path, text)| (PathBuf::from(path), text.as_bytes().to_vec()))
        .collect();
    for change in outcomes.iter().flat_map(|o| &o.changes) {
        let text = texts
            .get_mut(&change.path)
            .expect("a change of a given file");
        assert_eq!(
            text,
            &change.before,
            "{} changed twice",
            change.path.display()
        );
        *text = change.after.clone();
    }
    for (path, expected) in after {
        let actual = texts
            .get(Path::new(path))
            .expect("`after` names a given file");
        assert_eq!(
            String::from_utf8_lossy(actual),
            *expected,
            "{path} after the rewrite\n{shown}"
        );
    }
}

/// Selects and converts every module of the tree made of `files` with
/// `choice`, asserts that exactly one file or module is refused with
/// `kind` (an orphan of the selection for `NotInKbuild`, a not-applicable
/// decision for `NoSystemFlush`, a refused one otherwise), that nothing
/// else was selected and that no change was made; returns that refusal.
pub fn check_refused(
    files: &[(&str, &str)],
    choice: localwq::analysis::Choice,
    kind: localwq::refusal::RefusalKind,
) -> localwq::refusal::Refusal {
    let dir = tree(files);
    check_refused_in(dir.path(), choice, kind)
}

/// `check_refused` on a tree already made (for what `tree` cannot write,
/// such as a symbolic link).
pub fn check_refused_in(
    root: &Path,
    choice: localwq::analysis::Choice,
    kind: localwq::refusal::RefusalKind,
) -> localwq::refusal::Refusal {
    use localwq::analysis::{Decision, Verdict};
    use localwq::refusal::RefusalKind;
    let (orphans, outcomes) = convert_all(root, choice);
    let shown = dry_runs(&outcomes);
    assert_eq!(
        orphans.len() + outcomes.len(),
        1,
        "one file or module selected: orphans {orphans:?}\n{shown}"
    );
    for outcome in &outcomes {
        assert!(
            outcome.changes.is_empty(),
            "{} was changed\n{shown}",
            outcome.module.name
        );
    }
    if let Some(orphan) = orphans.first() {
        assert_eq!(orphan.kind, kind, "{orphan:?}");
        return orphan.clone();
    }
    let outcome = &outcomes[0];
    let refusal = match (&outcome.decision, kind) {
        (Decision::NotApplicable(r), RefusalKind::NoSystemFlush) => {
            assert_eq!(outcome.verdict(), Verdict::NotApplicable);
            r
        }
        (Decision::Refused { refusal, .. }, _) if kind != RefusalKind::NoSystemFlush => {
            assert_eq!(outcome.verdict(), Verdict::Refused);
            refusal
        }
        (other, _) => panic!("expected {kind:?}, got {other:?}\n{shown}"),
    };
    assert_eq!(refusal.kind, kind, "{refusal:?}\n{shown}");
    refusal.clone()
}
