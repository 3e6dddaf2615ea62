//! `localwq scan` over the fixture trees: the rows and the JSON schema.

mod common;

use std::process::Command;

fn scan(case: &str, extra: &[&str]) -> String {
    let root = common::testdata().join(case);
    let out = Command::new(env!("CARGO_BIN_EXE_localwq"))
        .arg("scan")
        .arg(&root)
        .args(extra)
        .output()
        .expect("localwq runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .replace(&root.display().to_string(), "<tree>")
}

/// One row per flushing module, with its flags, for every case.
#[test]
fn scan_rows() {
    common::each_case(|case, _| {
        insta::assert_snapshot!("scan", scan(case, &[]));
    });
}

/// The same, as JSON: what a script reading `scan --json` gets per case.
#[test]
fn scan_json() {
    common::each_case(|case, _| {
        insta::assert_snapshot!("scan-json", scan(case, &["--json"]));
    });
}

/// The documented schema 1, on a case with a flag of every common kind.
#[test]
fn scan_json_schema() {
    let json = scan("foreign_work", &["--json"]);
    insta::assert_snapshot!("scan-json@foreign_work", json);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["schema"], 1);
    let module = &value["modules"][0];
    for key in [
        "module",
        "files",
        "entry",
        "verdict",
        "queue_sites",
        "flush_sites",
        "flags",
    ] {
        assert!(!module[key].is_null(), "{key} missing");
    }
}

/// `--all` also lists modules that queue on a system workqueue without
/// flushing one; without it they are no finding.
#[test]
fn scan_all_adds_modules_that_only_queue() {
    let rows = scan("shared_file", &[]);
    assert!(!rows.contains("foo_b (drivers/foo"), "{rows}");
    let all = scan("shared_file", &["--all"]);
    assert!(
        all.contains("foo_b (drivers/foo, 2 files) [not applicable]"),
        "{all}"
    );
    assert!(all.contains("foo_a (drivers/foo"), "{all}");
}
