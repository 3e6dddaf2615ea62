//! Input a hostile user feeds the command line, one test per class: code
//! nested past any stack, files too big, files and directories that cannot
//! be read, paths that select nothing, flushes in odd places. Each must be
//! one module's refusal (or a clear error naming the path), never a crash
//! or a silent skip.

mod common;

use localwq::analysis::Choice;
use std::path::Path;
use std::process::{Command, Output};

const MAKEFILE: (&str, &str) = ("drivers/foo/Makefile", "obj-$(CONFIG_FOO) += foo.o\n");

/// A module that queues `foo_work` and flushes in its exit, with `extra`
/// code after it.
fn foo_c(extra: &str) -> String {
    format!(
        "#include <linux/module.h>\n#include <linux/workqueue.h>\n\n\
         static DECLARE_WORK(foo_work, foo_fn);\n\n\
         static int __init foo_init(void)\n{{\n\tschedule_work(&foo_work);\n\treturn 0;\n}}\n\n\
         static void __exit foo_exit(void)\n{{\n\tflush_scheduled_work();\n}}\n\n\
         module_init(foo_init);\nmodule_exit(foo_exit);\n{extra}"
    )
}

fn localwq(args: &[&str], tree: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_localwq"))
        .arg(args[0])
        .arg(tree)
        .args(&args[1..])
        .output()
        .expect("localwq runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn deep_nesting_and_long_else_if_chains_do_not_crash() {
    let depth = 20_000;
    let nested = format!(
        "void foo_deep(void)\n{{\n{}schedule_work(&foo_work);{}\n}}\n",
        "{".repeat(depth),
        "}".repeat(depth)
    );
    let chain: String = (0..3000)
        .map(|i| format!("\tif (x == {i})\n\t\tschedule_work(&foo_work);\n\telse "))
        .collect();
    let chain = format!("void foo_chain(int x)\n{{\n{chain}\n\t\tfoo_halt();\n}}\n");
    let c = foo_c(&format!("{nested}{chain}"));
    let dir = common::tree(&[MAKEFILE, ("drivers/foo/foo.c", &c)]);
    let out = localwq(&["scan"], dir.path());
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("foo (drivers/foo"), "{}", text(&out));
}

#[test]
fn a_source_file_past_the_size_limit_is_refused_by_name() {
    let limit = localwq::load::MAX_SOURCE_BYTES as usize;
    let filler = "static int foo_pad(void)\n{\n\treturn 0;\n}\n".repeat(limit / 40 + 1);
    let c = foo_c(&filler);
    assert!(c.len() > limit);
    let dir = common::tree(&[MAKEFILE, ("drivers/foo/foo.c", &c)]);
    let out = localwq(&["scan"], dir.path());
    let shown = text(&out);
    assert!(out.status.success(), "a refusal, not a failed run: {shown}");
    assert!(shown.contains("[refused]"), "{shown}");
    let size = format!("drivers/foo/foo.c is {} bytes", c.len());
    assert!(shown.contains(&size), "{shown}");
    assert!(shown.contains("over the 4 MiB"), "{shown}");
}

/// A path that reading fails on even as root: the link is a regular file
/// to `stat`, and reading it is an I/O error.
fn unreadable_link(path: &Path) {
    std::os::unix::fs::symlink("/proc/self/mem", path).unwrap();
}

#[test]
fn an_unreadable_source_file_is_named_and_fails_the_run() {
    let dir = common::tree(&[
        ("drivers/foo/Makefile", "obj-m += foo.o bar.o\n"),
        ("drivers/foo/foo.c", &foo_c("")),
    ]);
    unreadable_link(&dir.path().join("drivers/foo/bar.c"));
    let out = localwq(&["scan"], dir.path());
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("bar (drivers/foo"), "{shown}");
    assert!(
        shown.contains("drivers/foo/bar.c could not be read"),
        "{shown}"
    );
    assert!(
        shown.contains("foo (drivers/foo"),
        "the rest is done: {shown}"
    );
    assert!(shown.contains("1 file(s) or directories could not be read"));
}

#[test]
fn an_unreadable_makefile_is_named_not_taken_for_no_makefile() {
    let dir = common::tree(&[("drivers/foo/foo.c", &foo_c(""))]);
    unreadable_link(&dir.path().join("drivers/foo/Makefile"));
    let out = localwq(&["scan"], dir.path());
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("drivers/foo/Makefile could not be read"),
        "{shown}"
    );
    assert!(!shown.contains("no Makefile builds it"), "{shown}");
}

#[test]
fn an_unreadable_private_header_refuses_its_module() {
    let c = foo_c("").replace(
        "#include <linux/module.h>\n",
        "#include <linux/module.h>\n#include \"foo.h\"\n",
    );
    let dir = common::tree(&[MAKEFILE, ("drivers/foo/foo.c", &c)]);
    unreadable_link(&dir.path().join("drivers/foo/foo.h"));
    let out = localwq(&["diff"], dir.path());
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("drivers/foo/foo.h could not be read"),
        "{shown}"
    );
    assert!(!shown.contains("diff --git"), "not converted: {shown}");
}

/// Runs localwq as an unprivileged user when the tests run as root (a
/// mode-000 directory stops nobody else); None when that is impossible.
fn as_unprivileged(args: &[&str], tree: &Path) -> Option<Output> {
    as_unprivileged_with_home(args, tree, Path::new("/nonexistent"))
}

fn as_unprivileged_with_home(args: &[&str], tree: &Path, home: &Path) -> Option<Output> {
    let root = std::fs::metadata("/proc/self").ok()?;
    let is_root = std::os::unix::fs::MetadataExt::uid(&root) == 0;
    let mut command = match is_root {
        true => {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
            c.arg(env!("CARGO_BIN_EXE_localwq"));
            c
        }
        false => Command::new(env!("CARGO_BIN_EXE_localwq")),
    };
    command
        .env("HOME", home)
        .arg(args[0])
        .arg(tree)
        .args(&args[1..])
        .output()
        .ok()
}

#[test]
fn an_unreadable_directory_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = common::tree(&[MAKEFILE, ("drivers/foo/foo.c", &foo_c(""))]);
    let locked = dir.path().join("drivers/bar");
    std::fs::create_dir_all(&locked).unwrap();
    // The tree must be readable by the unprivileged user but `locked`.
    let open = std::fs::Permissions::from_mode(0o755);
    std::fs::set_permissions(dir.path(), open.clone()).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let Some(out) = as_unprivileged(&["scan"], dir.path()) else {
        panic!("setpriv is needed to run this test as root");
    };
    std::fs::set_permissions(&locked, open).unwrap();
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("drivers/bar [refused]"), "{shown}");
    assert!(shown.contains("nothing below it was looked at"), "{shown}");
    assert!(
        shown.contains("foo (drivers/foo"),
        "the rest is done: {shown}"
    );
}

#[test]
fn a_path_that_selects_nothing_says_so() {
    let dir = common::tree(&[MAKEFILE, ("drivers/foo/foo.c", &foo_c(""))]);
    std::fs::create_dir_all(dir.path().join("drivers/empty")).unwrap();
    for path in ["include", "drivers/empty"] {
        let out = localwq(&["diff", path], dir.path());
        let shown = text(&out);
        assert_eq!(out.status.code(), Some(1), "{shown}");
        assert!(
            shown.contains(&format!("{path} selects nothing")),
            "{shown}"
        );
    }
    let out = localwq(&["scan", "drivers/foo/gone.c"], dir.path());
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("no such file"), "{shown}");
    assert!(!shown.contains("outside the kernel tree"), "{shown}");
}

#[test]
fn a_flush_under_if_0_or_after_a_comment_is_converted() {
    let stop = |body: &str| {
        format!(
            "#include <linux/workqueue.h>\n\nstatic DECLARE_WORK(foo_work, foo_fn);\n\n\
             void foo_kick(void)\n{{\n\tschedule_work(&foo_work);\n}}\n\n\
             void foo_stop(void)\n{{\n{body}}}\n"
        )
    };
    let before =
        stop("#if 0\n\tflush_scheduled_work();\n#endif\n\t/* all */ flush_scheduled_work();\n");
    let after =
        stop("#if 0\n\tflush_work(&foo_work);\n#endif\n\t/* all */ flush_work(&foo_work);\n");
    common::check_with(
        &[MAKEFILE, ("drivers/foo/foo.c", &before)],
        Choice::FlushWork,
        &[("drivers/foo/foo.c", &after)],
    );
}

#[test]
fn a_crlf_file_gets_crlf_lines() {
    let c = foo_c("").replace('\n', "\r\n");
    let dir = common::tree(&[MAKEFILE, ("drivers/foo/foo.c", &c)]);
    let (_, outcomes) = common::convert_all(dir.path(), Choice::LocalWq);
    let after = &outcomes[0].changes[0].after;
    assert!(after.len() > c.len() + 100, "lines were added");
    let lone = (1..after.len()).filter(|&i| after[i] == b'\n' && after[i - 1] != b'\r');
    assert_eq!(lone.count(), 0, "{}", String::from_utf8_lossy(after));
    assert!(!after.windows(3).any(|w| w == b"\r\r\n"));
}

#[test]
fn patches_that_find_nothing_to_send_write_nothing() {
    // A flush whose value is used: refused, so there is nothing to send.
    let c = "#include <linux/workqueue.h>\n\nvoid foo_stop(void)\n{\n\tfoo_halt(), \
             flush_scheduled_work();\n}\n";
    let dir = common::tree(&[MAKEFILE, ("drivers/foo/foo.c", c)]);
    let out = dir.path().join("out");
    let run = localwq(
        &[
            "patches",
            "-o",
            out.to_str().unwrap(),
            "--from",
            "A <a@b.c>",
        ],
        dir.path(),
    );
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(
        text(&run).contains("no module has a conversion"),
        "{}",
        text(&run)
    );
    assert!(!out.exists(), "no output directory");
}

#[test]
fn an_unreadable_kconfig_is_named_not_taken_for_tristate() {
    let dir = common::tree(&[MAKEFILE, ("drivers/foo/foo.c", &foo_c(""))]);
    unreadable_link(&dir.path().join("drivers/foo/Kconfig"));
    let out = localwq(&["scan"], dir.path());
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("drivers/foo/Kconfig could not be read"),
        "{shown}"
    );
}

/// The `series` fixture as a git repository of one commit.
fn git_fixture() -> tempfile::TempDir {
    let dir = common::copy_case("series");
    let repo = git2::Repository::init(dir.path()).unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::new("F", "f@example.org", &git2::Time::new(1, 0)).unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "fixture", &tree, &[])
        .unwrap();
    dir
}

#[test]
fn a_stale_git_lock_is_named_with_what_to_do() {
    let dir = git_fixture();
    let lock = dir.path().join(".git/index.lock");
    std::fs::write(&lock, b"").unwrap();
    let out = localwq(&["apply", "--from", "A <a@b.c>"], dir.path());
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("index.lock exists"), "{shown}");
    assert!(shown.contains("delete it and run again"), "{shown}");
    assert!(!shown.contains("code="), "no libgit2 codes: {shown}");
    let repo = git2::Repository::open(dir.path()).unwrap();
    assert!(repo.statuses(None).unwrap().is_empty(), "nothing written");
}

#[test]
fn an_unreadable_git_configuration_is_named_with_what_to_do() {
    use std::os::unix::fs::PermissionsExt;
    let dir = git_fixture();
    let home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o000)).unwrap();
    for path in [dir.path().to_path_buf(), dir.path().join(".git")] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let Some(out) = as_unprivileged_with_home(&["diff"], dir.path(), home.path()) else {
        panic!("setpriv is needed to run this test as root");
    };
    let shown = text(&out);
    assert!(out.status.success(), "diff needs no git: {shown}");
    let out = as_unprivileged_with_home(&["patches", "-o", "/tmp/x"], dir.path(), home.path());
    let shown = text(&out.unwrap());
    assert!(
        shown.contains("git could not read its configuration"),
        "{shown}"
    );
    assert!(shown.contains("set HOME"), "{shown}");
    assert!(!shown.contains("class="), "no libgit2 classes: {shown}");
}

#[test]
fn a_left_out_block_with_an_unbalanced_brace_hides_no_added_error() {
    // Found by the fuzz test: `foo_kick`'s body opens three braces and
    // closes one, so leaving it out of the parse made the rewrite look
    // clean while the whole text gained errors.
    let c = "#include <linux/module.h>\n#include <linux/workqueue.h>\n\n\
             \tschedule_work(&priv->work);\nreturn ret;\n};\n\n\
             void foo_changed(struct bar_device *bar)\n{\n\tschedule_work(&bar->changed_work);\n}\n\n\
             void foo_kick(struct foo_priv *priv)\n{\n{\nstruct foo_priv {\nstruct foo_priv {\n}\n\n\
             static int __init foo_init(void)\n{\n\treturn 0;\n}\n\n\
             static void __exit foo_exit(void)\n{\n\tflush_scheduled_work();\n}\n\n\
             module_init(foo_init);\nmodule_exit(foo_exit);\n";
    let refusal = common::check_refused(
        &[MAKEFILE, ("drivers/foo/foo.c", c)],
        Choice::Auto,
        localwq::refusal::RefusalKind::ParseErrorsAdded,
    );
    assert!(refusal.detail.contains("parse errors"), "{refusal:?}");
}

/// A kernel header that cannot be read may define the module's driver
/// macro: the module is refused, naming the header, not converted as if
/// the macro were unknown.
#[test]
fn an_unreadable_kernel_header_refuses_a_driver_macro_module() {
    let c = "#include <linux/module.h>\n#include <linux/platform_device.h>\n\
             #include <linux/workqueue.h>\n\n\
             static void foo_fn(struct work_struct *w)\n{\n}\n\
             static DECLARE_WORK(foo_work, foo_fn);\n\n\
             static int foo_probe(struct platform_device *pdev)\n{\n\
             \tschedule_work(&foo_work);\n\treturn 0;\n}\n\n\
             static int foo_remove(struct platform_device *pdev)\n{\n\
             \tflush_scheduled_work();\n\treturn 0;\n}\n\n\
             static struct platform_driver foo_driver = {\n\
             \t.probe = foo_probe,\n\t.remove = foo_remove,\n};\n\
             module_platform_driver(foo_driver);\n";
    let dir = common::tree(&[MAKEFILE, ("drivers/foo/foo.c", c)]);
    unreadable_link(&dir.path().join("include/linux/zz_unreadable.h"));
    let out = localwq(&["diff"], dir.path());
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("include/linux/zz_unreadable.h"), "{shown}");
    assert!(!shown.contains("diff --git"), "not converted: {shown}");
}

/// A header that may define the struct a queued item is embedded in, and
/// that cannot be read: whether another subsystem owns the item is
/// unknown, which is flagged, never taken as "the module's own".
#[test]
fn an_unreadable_struct_header_is_flagged() {
    let c = "#include <linux/module.h>\n#include <linux/workqueue.h>\n\
             #include <linux/zz_other.h>\n\n\
             static int __init foo_init(void)\n{\n\
             \tstruct other_dev *dev = other_get();\n\n\
             \tschedule_work(&dev->work);\n\treturn 0;\n}\n\n\
             static void __exit foo_exit(void)\n{\n\tflush_scheduled_work();\n}\n\n\
             module_init(foo_init);\nmodule_exit(foo_exit);\n";
    let dir = common::tree(&[MAKEFILE, ("drivers/foo/foo.c", c)]);
    unreadable_link(&dir.path().join("include/linux/zz_other.h"));
    let out = localwq(&["scan"], dir.path());
    let shown = text(&out);
    assert!(shown.contains("[unparsed]"), "{shown}");
    assert!(
        shown.contains("include/linux/zz_other.h may define it"),
        "{shown}"
    );
}

/// `--branch refs/heads/x` creates `x`, and says so.
#[test]
fn a_full_branch_ref_is_created_and_named_short() {
    let dir = git_fixture();
    let out = localwq(
        &["apply", "--from", "A <a@b.c>", "--branch", "refs/heads/wq"],
        dir.path(),
    );
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("on branch wq,"), "{shown}");
    let repo = git2::Repository::open(dir.path()).unwrap();
    assert_eq!(repo.head().unwrap().name(), Some("refs/heads/wq"));
}

/// A file that already has parse errors, where an include line ran into a
/// comment (found by the fuzz budget): the declaration after that include
/// added one, which the focused parse did not see. No rewrite may add a
/// parse error over the whole text.
#[test]
fn a_rewrite_next_to_existing_parse_errors_adds_none() {
    let tree = common::copy_case("item_getter");
    let input = std::fs::read("tests/regress/include_into_comment.c").unwrap();
    std::fs::write(tree.path().join("drivers/foo/foo.c"), input).unwrap();
    let (_, outcomes) = common::convert_all(tree.path(), Choice::LocalWq);
    let errors = |text: &[u8]| {
        localwq::rewrite::count_errors(localwq::parse::parse_c(text).unwrap().root_node())
    };
    for change in outcomes.iter().flat_map(|o| &o.changes) {
        assert!(
            errors(&change.after) <= errors(&change.before),
            "{}",
            change.path.display()
        );
    }
}
