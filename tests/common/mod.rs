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
        .filter(|e| e.path().is_dir())
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
