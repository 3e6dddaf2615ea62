//! The command line's guard rails: what `patches` writes, replaces and
//! refuses, run as a user runs it.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn patches(out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_localwq"))
        .arg("patches")
        .arg(common::testdata().join("series"))
        .arg("-o")
        .arg(out)
        .args(["--from", "Dev <dev@example.org>", "--date", "1795431845"])
        .args(extra)
        .output()
        .expect("localwq runs")
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_series_is_written_whole_and_replaced_only_with_force() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    assert!(patches(&out, &[]).status.success());
    let first = names(&out);
    assert!(first.iter().any(|n| n.starts_with("0001-")), "{first:?}");
    let again = patches(&out, &[]);
    assert!(
        !again.status.success(),
        "a non-empty directory needs --force"
    );
    assert!(patches(&out, &["--force"]).status.success());
    assert_eq!(names(&out), first);
    std::fs::write(out.join("my-notes.txt"), "keep me").unwrap();
    let refused = patches(&out, &["--force"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("my-notes.txt"));
    assert_eq!(
        std::fs::read_to_string(out.join("my-notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn an_address_that_could_inject_a_header_is_refused_before_anything_is_written() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    for bad in ["b@c.org\nBcc: evil@x.org", "", "a@b.org, c@d.org"] {
        let run = patches(&out, &["--cc", bad]);
        assert!(!run.status.success(), "{bad:?} accepted");
        assert!(String::from_utf8_lossy(&run.stderr).contains("--cc"));
        assert!(!out.exists(), "nothing is written for {bad:?}");
    }
}
