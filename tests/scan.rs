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

fn facts(root: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_localwq"))
        .arg("facts")
        .arg(root)
        .output()
        .expect("localwq runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The facts read from a 5.10-shaped and a 7.2-shaped tree: the system
/// workqueues, their flags, and where schedule_*() queues.
#[test]
fn facts_are_read_from_the_tree() {
    for case in ["single_file", "percpu_7x"] {
        insta::assert_snapshot!(
            format!("facts@{case}"),
            facts(&common::testdata().join(case))
        );
    }
}

/// A tree with no kernel/workqueue.c and a name no table knows: the
/// fallback is named, and what it cannot tell is "unknown".
#[test]
fn facts_say_what_came_from_the_fallback() {
    let header = "extern struct workqueue_struct *system_wq;\n\
                  extern struct workqueue_struct *system_percpu_wq;\n";
    let dir = common::tree(&[("include/linux/workqueue.h", header)]);
    std::fs::remove_file(dir.path().join("kernel/workqueue.c")).unwrap();
    let shown = facts(dir.path());
    insta::assert_snapshot!("facts@headers_only", shown);
    assert!(shown.contains("system_percpu_wq: flags unknown"), "{shown}");
}

/// `scan --all` only skims the modules that flush nothing: for every such
/// module of every case, the skim finds the same sites, entry and verdict
/// as the full conversion.
#[test]
fn a_survey_agrees_with_the_conversion() {
    use localwq::report::ModuleView;
    let mut surveyed = 0;
    for case in common::cases() {
        let session = localwq::Session::open(&common::testdata().join(&case)).unwrap();
        let selection = session.select_by(&[], localwq::wq::USE_NEEDLES).unwrap();
        for module in &selection.modules {
            let full = ModuleView::new(&session.convert(module));
            let survey = ModuleView::new(&session.survey(module));
            let key = |v: &ModuleView| {
                let mut sites: Vec<(String, usize, &str, &str)> = v
                    .queue_sites
                    .iter()
                    .chain(&v.flush_sites)
                    .map(|s| (s.file.clone(), s.line, s.api, s.workqueue))
                    .collect();
                sites.sort();
                (sites, v.entry.clone(), v.verdict)
            };
            assert_eq!(key(&full), key(&survey), "{case}: {}", module.name);
            surveyed += usize::from(full.verdict == "not applicable");
        }
    }
    assert!(surveyed > 0, "no case has a module that only queues");
}
