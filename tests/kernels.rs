//! One source, several kernels: `--kernel` given once per kernel the
//! module is built for. The fixture kernels under testdata/kernels/ are
//! shaped like Linux 5.10 (no WQ_PERCPU, schedule_work() on system_wq),
//! 6.12.118 (WQ_PERCPU backported, schedule_work() on system_percpu_wq,
//! both created with 0) and 7.2 (WQ_PERCPU spelt out).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kernels() -> PathBuf {
    common::testdata().join("kernels")
}

fn kdir(version: &str) -> PathBuf {
    kernels().join(format!("kdir-{version}"))
}

fn run(command: &str, versions: &[&str], dir: &Path, extra: &[&str]) -> Output {
    let mut run = Command::new(env!("CARGO_BIN_EXE_localwq"));
    run.arg(command);
    for version in versions {
        run.arg("--kernel").arg(kdir(version));
    }
    run.arg(dir).args(extra).output().expect("localwq runs")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

const ALL: &[&str] = &["5.10", "6.12", "7.2"];

/// The flush of system_wq after schedule_work() waits for nothing on the
/// kernels that split the queues, and only there: named per kernel.
#[test]
fn a_split_flush_names_the_kernels_it_is_broken_on() {
    let scan = stdout(&run("scan", ALL, &kernels().join("split"), &[]));
    insta::assert_snapshot!("kernels-split-scan", scan);
    assert!(scan.contains("against Linux 5.10, 6.12.118, 7.2"));
    assert!(scan.contains("split: on Linux 6.12.118 and 7.2, foo_release_work"));
    let old = stdout(&run("scan", &["5.10"], &kernels().join("split"), &[]));
    assert!(!old.contains("split:"), "{old}");
    let json = stdout(&run("scan", ALL, &kernels().join("split"), &["--json"]));
    let view: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        view["kernels"],
        serde_json::json!(["5.10", "6.12.118", "7.2"])
    );
    let split = &view["modules"][0]["flush_sites"][0]["split"];
    assert!(
        split.as_str().unwrap().contains("Linux 6.12.118 and 7.2"),
        "{split}"
    );
}

/// A local workqueue for 5.10 to 7.2: WQ_PERCPU where the kernel has it,
/// tested by the module's Kbuild, and a commented fallback in the C.
#[test]
fn one_conversion_compiles_on_every_kernel_given() {
    let split = kernels().join("split");
    let diff = stdout(&run("diff", ALL, &split, &["--strategy", "local-wq"]));
    insta::assert_snapshot!("kernels-compat-diff", diff);
    assert!(diff.contains("+ccflags-y += $(if $(shell grep -qsE '\\<WQ_PERCPU"));
    assert!(diff.contains("+#ifndef HAVE_WQ_PERCPU\n+#define WQ_PERCPU 0\n+#endif"));
    assert!(diff.contains("alloc_workqueue(\"foo_wq\", WQ_PERCPU, 0)"));
    // Kernels that all declare WQ_PERCPU need no test of it.
    let new = stdout(&run(
        "diff",
        &["6.12", "7.2"],
        &split,
        &["--strategy", "local-wq"],
    ));
    assert!(
        new.contains("WQ_PERCPU, 0)") && !new.contains("HAVE_WQ_PERCPU"),
        "{new}"
    );
}

/// One kernel writes its own flags and no compat code.
#[test]
fn one_kernel_writes_no_compat() {
    let split = kernels().join("split");
    let old = stdout(&run("diff", &["5.10"], &split, &["--strategy", "local-wq"]));
    assert!(old.contains("alloc_workqueue(\"foo_wq\", 0, 0)"), "{old}");
    let new = stdout(&run("diff", &["7.2"], &split, &["--strategy", "local-wq"]));
    assert!(
        new.contains("alloc_workqueue(\"foo_wq\", WQ_PERCPU, 0)"),
        "{new}"
    );
    for diff in [old, new] {
        assert!(
            !diff.contains("HAVE_WQ_PERCPU") && !diff.contains("Makefile"),
            "{diff}"
        );
    }
}

/// A module that queues on a system workqueue only on older kernels:
/// Step 0 decides flush-work there and remove-flush on newer ones, and no
/// one conversion is right for both: refused, naming the kernels.
#[test]
fn kernels_that_disagree_refuse_naming_them() {
    let scan = stdout(&run("scan", ALL, &kernels().join("differs"), &["--json"]));
    let view: serde_json::Value = serde_json::from_str(&scan).unwrap();
    let module = &view["modules"][0];
    assert_eq!(module["verdict"], "refused");
    assert_eq!(module["reason_kind"], "kernels-differ");
    let reason = module["reason"].as_str().unwrap();
    assert!(
        reason.contains("flush-work on Linux 5.10 and remove-flush on Linux 7.2"),
        "{reason}"
    );
    // Each kernel alone converts it.
    for version in ["5.10", "7.2"] {
        let one = stdout(&run("scan", &[version], &kernels().join("differs"), &[]));
        assert!(!one.contains("[refused]"), "{one}");
    }
}

/// Compat branches that flush different queues, each compiled for some
/// of the kernels: each branch is rewritten for its kernels, in one
/// conversion.
#[test]
fn branches_for_different_kernels_are_one_conversion() {
    let diff = stdout(&run("diff", ALL, &kernels().join("branches"), &[]));
    insta::assert_snapshot!("kernels-branches-diff", diff);
    assert!(diff.contains("-\tflush_scheduled_work();"), "{diff}");
    assert!(
        diff.contains("-\tflush_workqueue(system_long_wq);"),
        "{diff}"
    );
    assert!(!diff.contains("verdict: refused"), "{diff}");
}

/// apply with several kernels commits the Kbuild and C changes; a second
/// run over the result changes nothing.
#[test]
fn applied_for_several_kernels_then_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&kernels().join("split"), dir.path());
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@x.invalid"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "as found"]);
    let extra = [
        "--strategy",
        "local-wq",
        "--from",
        "t <t@x.invalid>",
        "--date",
        "1795431845",
    ];
    stdout(&run("apply", ALL, dir.path(), &extra));
    let changed = git(&["show", "--stat", "--format=", "HEAD"]);
    assert!(
        changed.contains("Makefile") && changed.contains("foo.c"),
        "{changed}"
    );
    let again = stdout(&run("diff", ALL, dir.path(), &["--strategy", "local-wq"]));
    assert!(!again.contains("diff --git"), "{again}");
}
