//! Out-of-tree modules: `--kernel KDIR` with a module directory, its
//! compatibility branches decided against KDIR's version, and what a
//! headers-only KDIR cannot tell.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn run(command: &str, kdir: &Path, dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_localwq"))
        .arg(command)
        .arg("--kernel")
        .arg(kdir)
        .arg(dir)
        .args(extra)
        .output()
        .expect("localwq runs")
}

fn case() -> std::path::PathBuf {
    common::testdata().join("out_of_tree")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Scan and diff of the module against a 6.1-shaped kernel with sources:
/// the dead `< 4.15` and `< 2.6.22` branches are not sites, and say so.
#[test]
fn a_module_directory_converts_against_kdir() {
    let (kdir, driver) = (case().join("kdir"), case().join("driver"));
    let scan = stdout(&run("scan", &kdir, &driver, &[]));
    insta::assert_snapshot!("external-scan", scan);
    assert!(scan.contains("not compiled for this kernel: bar.c:32 flush_workqueue()"));
    let diff = stdout(&run("diff", &kdir, &driver, &["--strategy", "local-wq"]));
    insta::assert_snapshot!("external-diff", diff);
    assert!(
        !diff.contains("system_long_wq);\n+"),
        "a dead branch was rewritten"
    );
}

/// Against a kernel whose version makes the old branches live, they are
/// sites again.
#[test]
fn branch_liveness_follows_kdir_version() {
    let kdir = tempfile::tempdir().unwrap();
    common::copy_dir(&case().join("kdir"), kdir.path());
    std::fs::write(
        kdir.path().join("Makefile"),
        "VERSION = 2\nPATCHLEVEL = 6\nSUBLEVEL = 20\n",
    )
    .unwrap();
    let scan = stdout(&run("scan", kdir.path(), &case().join("driver"), &[]));
    assert!(
        scan.contains("not compiled for this kernel: bar.c:19 schedule_work()"),
        "{scan}"
    );
    assert!(scan.contains("system wqs: system_long_wq"), "{scan}");
}

/// A headers-only KDIR (no kernel sources): what the module's calls into
/// the kernel queue is unknown, so Step 0 cannot say "nothing else".
#[test]
fn a_headers_only_kdir_blocks_step_0() {
    let kdir = tempfile::tempdir().unwrap();
    common::copy_dir(&case().join("kdir/include"), &kdir.path().join("include"));
    let scan = stdout(&run("scan", kdir.path(), &case().join("driver"), &[]));
    assert!(scan.contains("[needs review]"), "{scan}");
    assert!(scan.contains("has no C sources"), "{scan}");
    assert!(scan.contains("strategy: local-wq"), "{scan}");
}

#[test]
fn bad_directories_are_named() {
    let empty = tempfile::tempdir().unwrap();
    let out = run("scan", &case().join("kdir"), empty.path(), &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no Kbuild or Makefile"));
    let out = run("scan", empty.path(), &case().join("driver"), &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("include/linux/workqueue.h is missing"));
}

/// A composite module in subdirectories whose private header sits in its
/// own include directory (`ccflags-y += -I$(src)/include`): the header is
/// the module's, and carries the extern that joins its files.
#[test]
fn the_module_include_directories_hold_its_private_headers() {
    let (kdir, multi) = (case().join("kdir"), case().join("multi"));
    let diff = stdout(&run("diff", &kdir, &multi, &["--strategy", "local-wq"]));
    insta::assert_snapshot!("external-include-dir", diff);
    assert!(diff.contains("+++ b/include/baz.h"), "{diff}");
    assert!(
        diff.contains("+extern struct workqueue_struct *baz_wq;"),
        "{diff}"
    );
}

/// A DKMS package's Kbuild: the module is named on make's command line
/// (`dkms.conf`'s `MAKE`), its objects listed through variables. Without
/// reading both, its files would be in no module.
#[test]
fn a_dkms_module_is_named_by_its_dkms_conf() {
    let (kdir, dkms) = (case().join("kdir"), case().join("dkms"));
    let scan = stdout(&run("scan", &kdir, &dkms, &[]));
    assert!(scan.starts_with("baz_wlan (., 2 files)"), "{scan}");
    let diff = stdout(&run("diff", &kdir, &dkms, &["--strategy", "local-wq"]));
    assert!(diff.contains("+++ b/src/baz_main.c"), "{diff}");
    assert!(
        diff.contains("+extern struct workqueue_struct *baz_wlan_wq;"),
        "{diff}"
    );
}

/// A DKMS-style Makefile that places its objects with
/// `$(addprefix src/,$(OBJS))` inside the `ifneq ($(KERNELRELEASE),)`
/// wrapper: both files are one module, and the one that flushes is no
/// orphan.
#[test]
fn objects_placed_with_make_functions_are_one_module() {
    let (kdir, dir) = (case().join("kdir"), case().join("addprefix"));
    let scan = stdout(&run("scan", &kdir, &dir, &[]));
    insta::assert_snapshot!("external-addprefix-scan", scan);
    assert!(scan.starts_with("qux (., 2 files)"), "{scan}");
    assert!(!scan.contains("[refused]"), "{scan}");
    let diff = stdout(&run("diff", &kdir, &dir, &[]));
    insta::assert_snapshot!("external-addprefix-diff", diff);
    assert!(diff.contains("+++ b/src/b.c"), "{diff}");
    assert!(diff.contains("+\tflush_workqueue(qux_wq);"), "{diff}");
}

/// `ifeq ($(CONFIG_QUUX_FAST),y)` choosing between two object lists, the
/// option set on make's command line by dkms.conf: only the chosen
/// list's files are the module, and the file of the other branch is
/// said to be listed only there.
#[test]
fn a_known_option_decides_the_conditional() {
    let (kdir, dir) = (case().join("kdir"), case().join("choice"));
    let scan = stdout(&run("scan", &kdir, &dir, &["--all"]));
    insta::assert_snapshot!("external-choice-known-scan", scan);
    assert!(scan.contains("quux (., 2 files)"), "{scan}");
    assert!(!scan.contains("kbuild:"), "{scan}");
    assert!(
        scan.contains(
            "quux_slow.c [refused]\n  reason: no Makefile builds it into a module as far as \
             localwq can read them: Kbuild:6 mentions quux_slow.o only in a branch make does \
             not take"
        ),
        "{scan}"
    );
    let diff = stdout(&run("diff", &kdir, &dir, &[]));
    assert!(diff.contains("+++ b/quux_fast.c"), "{diff}");
    assert!(!diff.contains("quux_slow.c"), "{diff}");
}

/// The same Kbuild without dkms.conf: the option is not known, so both
/// branches' files are read (the union), and the module says which
/// conditional and which variable.
#[test]
fn an_unknown_option_reads_both_branches_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&case().join("choice"), dir.path());
    std::fs::remove_file(dir.path().join("dkms.conf")).unwrap();
    let scan = stdout(&run("scan", &case().join("kdir"), dir.path(), &[]));
    insta::assert_snapshot!("external-choice-unknown-scan", scan);
    assert!(scan.contains("quux (., 3 files)"), "{scan}");
    assert!(
        scan.contains(
            "kbuild: Kbuild:3: `ifeq ($(CONFIG_QUUX_FAST),y)` is not decided \
             (CONFIG_QUUX_FAST is not known): both branches are read"
        ),
        "{scan}"
    );
}

/// The same Kbuild without dkms.conf, against a prepared kernel: its
/// configuration (`include/config/auto.conf`) decides the option, as
/// Kbuild reads it before the module's Makefile; an option it does not
/// set is off.
#[test]
fn a_prepared_kernel_configuration_decides_the_conditional() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&case().join("choice"), dir.path());
    std::fs::remove_file(dir.path().join("dkms.conf")).unwrap();
    for (auto_conf, built, left_out) in [
        ("CONFIG_QUUX_FAST=y\n", "quux_fast.c", "quux_slow.c"),
        ("CONFIG_OTHER=m\n", "quux_slow.c", "quux_fast.c"),
    ] {
        let kdir = tempfile::tempdir().unwrap();
        common::copy_dir(&case().join("kdir"), kdir.path());
        std::fs::create_dir_all(kdir.path().join("include/config")).unwrap();
        std::fs::write(kdir.path().join("include/config/auto.conf"), auto_conf).unwrap();
        let scan = stdout(&run("scan", kdir.path(), dir.path(), &["--all"]));
        assert!(scan.contains("quux (., 2 files)"), "{scan}");
        assert!(!scan.contains("kbuild:"), "{scan}");
        assert!(scan.contains(&format!("{left_out} [refused]")), "{scan}");
        let diff = stdout(&run("diff", kdir.path(), dir.path(), &[]));
        assert!(diff.contains(&format!("+++ b/{built}")), "{diff}");
    }
}

/// `include objects.mk` beside the Kbuild lists the module's objects.
#[test]
fn an_included_file_lists_the_objects() {
    let (kdir, dir) = (case().join("kdir"), case().join("include"));
    let scan = stdout(&run("scan", &kdir, &dir, &[]));
    insta::assert_snapshot!("external-include-scan", scan);
    assert!(scan.starts_with("corge (., 2 files)"), "{scan}");
    let diff = stdout(&run("diff", &kdir, &dir, &[]));
    insta::assert_snapshot!("external-include-diff", diff);
    assert!(diff.contains("+++ b/corge_work.c"), "{diff}");
}

/// Exclusive branches that name two modules over the same files: decided,
/// there is one module; not decided, both are read, refused as sharing
/// a file, and each says why there are two.
#[test]
fn exclusive_branches_invent_no_second_module() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&case().join("choice"), dir.path());
    std::fs::write(
        dir.path().join("Kbuild"),
        "ifeq ($(CONFIG_QUUX_FAST),y)\nobj-m += quux.o\nquux-y := quux_main.o quux_fast.o\n\
         else\nobj-m += quux_compat.o\nquux_compat-y := quux_main.o quux_slow.o\nendif\n",
    )
    .unwrap();
    let kdir = case().join("kdir");
    let scan = stdout(&run("scan", &kdir, dir.path(), &[]));
    assert!(
        scan.starts_with("quux (., 2 files) [convertible]"),
        "{scan}"
    );
    assert!(!scan.contains("quux_compat"), "{scan}");
    std::fs::remove_file(dir.path().join("dkms.conf")).unwrap();
    let scan = stdout(&run("scan", &kdir, dir.path(), &[]));
    assert_eq!(scan.matches("[shared-file]").count(), 2, "{scan}");
    assert_eq!(scan.matches("kbuild: Kbuild:1: `ifeq").count(), 2, "{scan}");
    assert!(
        scan.contains("quux_compat (., 2 files) [refused]"),
        "{scan}"
    );
}

/// The option given with `--make` decides the conditional as dkms.conf's
/// does, and over it: `--make CONFIG_QUUX_FAST=n` picks the slow path.
#[test]
fn make_variables_from_the_user_decide_the_conditional() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&case().join("choice"), dir.path());
    std::fs::remove_file(dir.path().join("dkms.conf")).unwrap();
    let kdir = case().join("kdir");
    let fast = stdout(&run(
        "scan",
        &kdir,
        dir.path(),
        &["--make", "CONFIG_QUUX_FAST=y"],
    ));
    assert!(
        fast.contains("quux (., 2 files)") && !fast.contains("kbuild:"),
        "{fast}"
    );
    let diff = stdout(&run(
        "diff",
        &kdir,
        dir.path(),
        &["--make", "CONFIG_QUUX_FAST=y"],
    ));
    assert!(
        diff.contains("+++ b/quux_fast.c") && !diff.contains("quux_slow.c"),
        "{diff}"
    );
    let over = stdout(&run(
        "diff",
        &kdir,
        &case().join("choice"),
        &["--make", "CONFIG_QUUX_FAST=n"],
    ));
    assert!(
        over.contains("+++ b/quux_slow.c") && !over.contains("quux_fast.c"),
        "{over}"
    );
    let bad = run("scan", &kdir, dir.path(), &["--make", "NOT A VAR"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("VAR=VALUE"));
}
