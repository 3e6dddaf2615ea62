//! What localwq keeps between runs changes nothing it prints: every
//! fixture scanned with the caches cold, warm and off says the same.

mod common;

use std::path::Path;
use std::process::Command;

/// A scan of `tree`: of the whole tree, or with `all` of every module
/// that queues, or of its drivers/ directory alone (the tree's index is
/// then read by a walk of its own).
fn scan(tree: &Path, cache: &str, how: How) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_localwq"));
    command.args(["scan", "--json"]).arg(tree);
    match how {
        How::Flushers => {}
        How::All => {
            command.arg("--all");
        }
        How::Drivers => {
            command.arg(tree.join("drivers"));
        }
    }
    let out = command
        .env("LOCALWQ_CACHE", cache)
        .env("LOCALWQ_CACHE_SMALL", "1")
        .output()
        .expect("localwq runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[derive(Clone, Copy, Debug)]
enum How {
    Flushers,
    All,
    Drivers,
}

const EVERY_HOW: [How; 3] = [How::Flushers, How::All, How::Drivers];

fn walk_files(cache: &Path) -> Vec<(std::path::PathBuf, std::time::SystemTime)> {
    let mut files: Vec<_> = std::fs::read_dir(cache.join("walk"))
        .map(|d| {
            d.flatten()
                .map(|e| (e.path(), e.metadata().unwrap().modified().unwrap()))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// How many files are under `dir`, at any depth.
fn kept_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.flatten()
            .map(|e| match e.path().is_dir() {
                true => kept_files(&e.path()),
                false => 1,
            })
            .sum()
    })
}

#[test]
fn every_fixture_scans_the_same_with_caches_cold_warm_and_off() {
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap();
    let cases = common::cases();
    for how in EVERY_HOW {
        for case in &cases {
            let tree = common::testdata().join(case);
            let off = scan(&tree, "off", how);
            let cold = scan(&tree, cache_dir, how);
            assert_eq!(off, cold, "{case} ({how:?}): a cold cache changed the scan");
        }
    }
    // One per tree and needles; a tree without drivers/ selects nothing.
    let saved = walk_files(cache.path());
    assert!(saved.len() > 2 * cases.len(), "{} walks kept", saved.len());
    // Exporting files' providers were read and kept: the warm runs read
    // them back.
    let providers = kept_files(&cache.path().join("providers"));
    assert!(providers > 0, "no providers kept");
    for how in EVERY_HOW {
        for case in &cases {
            let tree = common::testdata().join(case);
            let warm = scan(&tree, cache_dir, how);
            let off = scan(&tree, "off", how);
            assert_eq!(off, warm, "{case} ({how:?}): a warm cache changed the scan");
        }
    }
    assert_eq!(
        walk_files(cache.path()),
        saved,
        "a warm walk read every file again"
    );
}

/// A file rewritten between two runs with its size and modification time
/// kept (as `touch -d` or an unpacked archive leaves them) is read again:
/// its change time tells. Here a file gains a flush that a stale cache
/// would not see.
#[test]
fn a_file_changed_behind_its_times_is_read_again() {
    let tree = common::copy_case("remove_flush");
    let file = tree.path().join("drivers/foo/foo.c");
    let text = std::fs::read_to_string(&file).unwrap();
    let call = "flush_scheduled_work();";
    let same_size = format!("/*{}*/", " ".repeat(call.len() - 4));
    std::fs::write(&file, text.replace(call, &same_size)).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap();
    // Files changed within a second of a walk are not kept.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let before = scan(tree.path(), cache_dir, How::Flushers);
    assert!(!before.contains("\"foo\""), "{before}");
    assert_eq!(walk_files(cache.path()).len(), 1, "the walk was kept");
    let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
    std::fs::write(&file, &text).unwrap();
    let reopened = std::fs::File::options().write(true).open(&file).unwrap();
    reopened.set_modified(mtime).unwrap();
    let after = scan(tree.path(), cache_dir, How::Flushers);
    assert!(after.contains("\"foo\""), "{after}");
    assert_eq!(after, scan(tree.path(), "off", How::Flushers));
}
