//! Flushes hidden from the 5.19 check on the smallest trees that show a
//! rule: which redefinitions a patch removes and which it keeps, what a
//! redefinition makes a flush flush, and one localwq cannot read.

mod common;

use localwq::analysis::{Choice, FlagKind, Hidden};
use localwq::refusal::RefusalKind;
use localwq::Outcome;

const MAKEFILE: (&str, &str) = ("drivers/foo/Makefile", "obj-$(CONFIG_FOO) += foo.o\n");

const COMPAT: &str = "#ifdef flush_workqueue\n#undef flush_workqueue\n#endif\n\
    #define flush_workqueue(wq) __flush_workqueue(wq)\n";

/// A module foo that queues `foo_work` and flushes with `flush` in its
/// exit, including `drivers/foo/foo_compat.h`.
fn foo_c(flush: &str) -> String {
    format!(
        "#include <linux/module.h>\n#include <linux/workqueue.h>\n#include \"foo_compat.h\"\n\n\
         static void foo_fn(struct work_struct *work)\n{{\n}}\n\
         static DECLARE_WORK(foo_work, foo_fn);\n\n\
         void foo_kick(void)\n{{\n\tschedule_work(&foo_work);\n}}\n\n\
         static int __init foo_init(void)\n{{\n\treturn 0;\n}}\n\n\
         static void __exit foo_exit(void)\n{{\n\t{flush};\n}}\n\n\
         module_init(foo_init);\nmodule_exit(foo_exit);\n"
    )
}

fn outcomes(files: &[(&str, &str)], choice: Choice) -> Vec<Outcome> {
    let tree = common::tree(files);
    common::convert_all(tree.path(), choice).1
}

fn only_foo(outcomes: Vec<Outcome>) -> Outcome {
    let mut found: Vec<Outcome> = outcomes
        .into_iter()
        .filter(|o| o.module.name == "foo")
        .collect();
    assert_eq!(found.len(), 1);
    found.remove(0)
}

fn changed(outcome: &Outcome, path: &str) -> bool {
    outcome
        .changes
        .iter()
        .any(|c| c.path == std::path::Path::new(path))
}

fn header(outcome: &Outcome) -> String {
    localwq::report::module_header(outcome)
}

#[test]
fn a_header_another_module_includes_keeps_its_redefinition() {
    let foo = foo_c("flush_workqueue(system_wq)");
    let bar = "#include \"../foo/foo_compat.h\"\n\nvoid bar(void)\n{\n}\n";
    let found = only_foo(outcomes(
        &[
            MAKEFILE,
            ("drivers/foo/foo.c", &foo),
            ("drivers/foo/foo_compat.h", COMPAT),
            ("drivers/bar/Makefile", "obj-m += bar.o\n"),
            ("drivers/bar/bar.c", bar),
        ],
        Choice::LocalWq,
    ));
    assert!(found.decision.conversion().is_some(), "{}", header(&found));
    assert!(changed(&found, "drivers/foo/foo.c"));
    assert!(!changed(&found, "drivers/foo/foo_compat.h"));
    let shown = header(&found);
    assert!(
        shown.contains("kept: the module's flushes no longer need it, but drivers/bar/bar.c includes drivers/foo/foo_compat.h too"),
        "{shown}"
    );
}

#[test]
fn a_redefinition_that_still_hides_a_flush_is_kept() {
    // The header's own macro flushes through the redefinition: it is no
    // site localwq rewrites (a header another module includes), so the
    // redefinition stays.
    let compat = format!("{COMPAT}#define FOO_DRAIN() flush_workqueue(system_wq)\n");
    let bar = "#include \"../foo/foo_compat.h\"\n\nvoid bar(void)\n{\n}\n";
    let found = only_foo(outcomes(
        &[
            MAKEFILE,
            ("drivers/foo/foo.c", &foo_c("flush_workqueue(system_wq)")),
            ("drivers/foo/foo_compat.h", &compat),
            ("drivers/bar/Makefile", "obj-m += bar.o\n"),
            ("drivers/bar/bar.c", bar),
        ],
        Choice::LocalWq,
    ));
    assert!(!changed(&found, "drivers/foo/foo_compat.h"));
    let shown = header(&found);
    assert!(
        shown.contains("kept: it still hides drivers/foo/foo_compat.h:5"),
        "{shown}"
    );
}

#[test]
fn a_redefinition_in_the_c_file_itself_goes_with_its_flush() {
    let foo = foo_c("flush_workqueue(system_wq)").replace(
        "#include \"foo_compat.h\"\n",
        &format!("\n/* Quiet the 5.19 warning. */\n{COMPAT}"),
    );
    common::check_with(
        &[MAKEFILE, ("drivers/foo/foo.c", &foo)],
        Choice::Auto,
        &[(
            "drivers/foo/foo.c",
            "#include <linux/module.h>\n#include <linux/workqueue.h>\n\n\
             static void foo_fn(struct work_struct *work)\n{\n}\n\
             static DECLARE_WORK(foo_work, foo_fn);\n\n\
             void foo_kick(void)\n{\n\tschedule_work(&foo_work);\n}\n\n\
             static int __init foo_init(void)\n{\n\treturn 0;\n}\n\n\
             static void __exit foo_exit(void)\n{\n\tflush_work(&foo_work);\n}\n\n\
             module_init(foo_init);\nmodule_exit(foo_exit);\n",
        )],
    );
}

#[test]
fn a_use_before_the_redefinition_is_not_hidden() {
    let foo = foo_c("flush_workqueue(system_wq)").replace("#include \"foo_compat.h\"\n", "")
        + &format!("\n{COMPAT}");
    let found = only_foo(outcomes(
        &[MAKEFILE, ("drivers/foo/foo.c", &foo)],
        Choice::Auto,
    ));
    let flush = found.sites.iter().find(|s| s.is_flush()).expect("a flush");
    assert_eq!(flush.hidden, None);
}

#[test]
fn a_redefined_scheduled_flush_flushes_the_workqueue_it_names() {
    let compat = "#undef flush_scheduled_work\n\
        #define flush_scheduled_work() __flush_workqueue(system_highpri_wq)\n";
    let found = only_foo(outcomes(
        &[
            MAKEFILE,
            ("drivers/foo/foo.c", &foo_c("flush_scheduled_work()")),
            ("drivers/foo/foo_compat.h", compat),
        ],
        Choice::LocalWq,
    ));
    let flush = found.sites.iter().find(|s| s.is_flush()).expect("a flush");
    assert_eq!(flush.wq.ident(), "system_highpri_wq");
    assert!(matches!(flush.hidden, Some(Hidden::Redefined(_))));
    // schedule_work() queues on system_wq, which that flush never waited
    // for: left as is, and so the workqueue would be empty.
    let kinds: Vec<FlagKind> = found.flags.iter().map(|f| f.kind).collect();
    assert!(
        kinds.contains(&FlagKind::OtherSystemWq),
        "{}",
        header(&found)
    );
    let refusal = found.decision.refusal().expect("refused");
    assert_eq!(refusal.kind, RefusalKind::EmptyWorkqueue, "{refusal}");
}

#[test]
fn a_redefinition_localwq_cannot_read_is_flagged_and_left() {
    let compat = "#undef flush_scheduled_work\n\
        #define flush_scheduled_work() flush_workqueue(foo_private_wq)\n";
    let found = only_foo(outcomes(
        &[
            MAKEFILE,
            ("drivers/foo/foo.c", &foo_c("flush_scheduled_work()")),
            ("drivers/foo/foo_compat.h", compat),
        ],
        Choice::Auto,
    ));
    let flag = found
        .flags
        .iter()
        .find(|f| f.kind == FlagKind::RedefinedFlush)
        .unwrap_or_else(|| panic!("{}", header(&found)));
    assert!(
        flag.reason
            .contains("redefined at drivers/foo/foo_compat.h:2")
            && flag
                .reason
                .contains("as flush_workqueue(foo_private_wq): localwq cannot tell"),
        "{}",
        flag.reason
    );
    assert_eq!(
        found.decision.refusal().map(|r| r.kind),
        Some(RefusalKind::FlushesUnrewritable)
    );
    assert!(found.changes.is_empty());
}

#[test]
fn a_converted_hidden_flush_is_said_so_in_the_commit_message() {
    let found = only_foo(outcomes(
        &[
            MAKEFILE,
            ("drivers/foo/foo.c", &foo_c("flush_workqueue(system_wq)")),
            ("drivers/foo/foo_compat.h", COMPAT),
        ],
        Choice::Auto,
    ));
    let prefix = localwq::report::commit::Prefix::new("foo: ".into(), false);
    let (_, body) =
        localwq::report::commit::commit_message(&found, &[], &prefix, "A <a@example.org>").unwrap();
    assert!(
        body.contains("drivers/foo/foo_compat.h redefines flush_workqueue() as")
            && body.contains("remove it."),
        "{body}"
    );
    assert!(changed(&found, "drivers/foo/foo_compat.h"));
}

/// Out of tree, every file of the module's directory counts: a header
/// another module of the package includes keeps its redefinition; alone,
/// it goes.
#[test]
fn out_of_tree_a_redefinition_goes_only_when_the_module_alone_includes_it() {
    let case = common::testdata().join("hidden_redefined_flush");
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&case.join("drivers/foo"), dir.path());
    let other = dir.path().join("probe/probe.c");
    std::fs::create_dir_all(other.parent().unwrap()).unwrap();
    std::fs::write(&other, "#include \"../foo_compat.h\"\n").unwrap();
    let diff = |dir: &std::path::Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_localwq"))
            .args(["diff", "--kernel"])
            .arg(&case)
            .arg(dir)
            .output()
            .expect("localwq runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let kept = diff(dir.path());
    assert!(
        kept.contains("kept: the module's flushes no longer need it, but probe/probe.c includes foo_compat.h too")
            && !kept.contains("+++ b/foo_compat.h"),
        "{kept}"
    );
    std::fs::remove_file(&other).unwrap();
    let removed = diff(dir.path());
    assert!(
        removed.contains("+++ b/foo_compat.h") && removed.contains("-#undef flush_workqueue"),
        "{removed}"
    );
}
