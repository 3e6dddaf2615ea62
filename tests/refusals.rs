//! One test per `RefusalKind`: the smallest tree that makes localwq say
//! no for that reason, run through selection and conversion as the CLI
//! runs them. `every_kind_has_a_test` keeps the list complete.

mod common;

use common::{check, check_refused, check_with};
use localwq::analysis::Choice;
use localwq::refusal::RefusalKind;

const MAKEFILE: (&str, &str) = ("drivers/foo/Makefile", "obj-$(CONFIG_FOO) += foo.o\n");

/// A one-file module `foo` built from drivers/foo/foo.c.
fn module(c: &str) -> [(&str, &str); 2] {
    [MAKEFILE, ("drivers/foo/foo.c", c)]
}

/// The kinds the tests below cover, in `RefusalKind::ALL` order.
const COVERED: &[RefusalKind] = &[
    RefusalKind::NoSystemFlush,
    RefusalKind::NotInKbuild,
    RefusalKind::Unreadable,
    RefusalKind::FileTooLarge,
    RefusalKind::FlushesUnrewritable,
    RefusalKind::MixedFlushFlags,
    RefusalKind::StrategyNotApplicable,
    RefusalKind::InitcallTie,
    RefusalKind::EarlyInit,
    RefusalKind::SharedEntry,
    RefusalKind::NoEntry,
    RefusalKind::ExitWithoutInit,
    RefusalKind::DriverMacroUnknown,
    RefusalKind::InitNotDefined,
    RefusalKind::InitUnparsed,
    RefusalKind::InitLayout,
    RefusalKind::ErrorPathShape,
    RefusalKind::ExitLayout,
    RefusalKind::EmptyWorkqueue,
    RefusalKind::UnknownWqFlags,
    RefusalKind::NoSharedHeader,
    RefusalKind::NoIncludeBeforeCode,
    RefusalKind::DriverFunctionsExist,
    RefusalKind::FlushNotStatement,
    RefusalKind::FlushNotAlone,
    RefusalKind::FlushSharesLine,
    RefusalKind::OverlappingEdits,
    RefusalKind::ParseErrorsAdded,
    RefusalKind::ParserFailed,
    RefusalKind::SharedNotModule,
    RefusalKind::SharedLayout,
    RefusalKind::WaitsForCallback,
    RefusalKind::WaitsForDependents,
    RefusalKind::KernelsDiffer,
    RefusalKind::CompatPlace,
];

#[test]
fn every_kind_has_a_test() {
    assert_eq!(COVERED, RefusalKind::ALL.as_slice());
}

/// Asserts that `detail` mentions every one of `words`.
fn names(refusal: &localwq::refusal::Refusal, words: &[&str]) {
    for word in words {
        assert!(refusal.detail.contains(word), "{word} in {refusal:?}");
    }
}

/// Asserts where the refusal points.
fn at(refusal: &localwq::refusal::Refusal, file: &str, line: usize) {
    assert_eq!(
        refusal.file.as_deref(),
        Some(std::path::Path::new(file)),
        "{refusal:?}"
    );
    assert_eq!(refusal.line, line, "{refusal:?}");
}

// Selection and loading.

#[test]
fn no_system_flush() {
    // Selected by its text, but the only mention is a comment.
    let refusal = check_refused(
        &module(
            "#include <linux/module.h>\n\
             \n\
             /* flush_scheduled_work() is no longer needed here. */\n\
             static int __init foo_init(void)\n\
             {\n\
             \treturn 0;\n\
             }\n\
             module_init(foo_init);\n",
        ),
        Choice::LocalWq,
        RefusalKind::NoSystemFlush,
    );
    names(&refusal, &["no system workqueue"]);
}

#[test]
fn not_in_kbuild() {
    let refusal = check_refused(
        &[
            MAKEFILE,
            (
                "drivers/foo/bar.c",
                "void bar_stop(void)\n{\n\tflush_scheduled_work();\n}\n",
            ),
        ],
        Choice::LocalWq,
        RefusalKind::NotInKbuild,
    );
    at(&refusal, "drivers/foo/bar.c", 0);
    names(&refusal, &["no Makefile builds it"]);
}

#[test]
fn unreadable() {
    // foo_extra.c is a regular file to Kbuild (it follows the link) but
    // reading it fails, even as root.
    let dir = common::tree(&[
        (
            "drivers/foo/Makefile",
            "obj-$(CONFIG_FOO) += foo.o\nfoo-y := foo_main.o foo_extra.o\n",
        ),
        (
            "drivers/foo/foo_main.c",
            "void foo_stop(void)\n{\n\tflush_scheduled_work();\n}\n",
        ),
    ]);
    let extra = dir.path().join("drivers/foo/foo_extra.c");
    std::os::unix::fs::symlink("/proc/self/mem", &extra).unwrap();
    assert!(extra.is_file() && std::fs::read(&extra).is_err());
    let refusal = common::check_refused_in(dir.path(), Choice::LocalWq, RefusalKind::Unreadable);
    names(&refusal, &["foo_extra.c"]);
}

#[test]
fn file_too_large() {
    let limit = localwq::load::MAX_SOURCE_BYTES as usize;
    let padding = "static int foo_pad(void)\n{\n\treturn 0;\n}\n".repeat(limit / 40 + 1);
    let c = format!("void foo_stop(void)\n{{\n\tflush_scheduled_work();\n}}\n{padding}");
    let refusal = check_refused(&module(&c), Choice::LocalWq, RefusalKind::FileTooLarge);
    names(&refusal, &["drivers/foo/foo.c", "bytes, over the 4 MiB"]);
}

// Analysis: the sites.

#[test]
fn flushes_unrewritable() {
    // The only flush is outside any function: no rewrite can reach it.
    let refusal = check_refused(
        &module(
            "#include <linux/workqueue.h>\n\
             \n\
             static int foo_flushed = (flush_scheduled_work(), 1);\n",
        ),
        Choice::LocalWq,
        RefusalKind::FlushesUnrewritable,
    );
    names(&refusal, &["cannot rewrite"]);
}

#[test]
fn mixed_flush_flags() {
    let refusal = check_refused(
        &module(
            "#include <linux/workqueue.h>\n\
             \n\
             void foo_stop(void)\n\
             {\n\
             \tflush_scheduled_work();\n\
             \tflush_workqueue(system_highpri_wq);\n\
             }\n",
        ),
        Choice::LocalWq,
        RefusalKind::MixedFlushFlags,
    );
    names(&refusal, &["different flags"]);
}

const QUEUES_AND_FLUSHES: &str = "#include <linux/module.h>\n\
     #include <linux/workqueue.h>\n\
     \n\
     static void foo_fn(struct work_struct *work)\n\
     {\n\
     }\n\
     static DECLARE_WORK(foo_work, foo_fn);\n\
     \n\
     static int __init foo_init(void)\n\
     {\n\
     \tschedule_work(&foo_work);\n\
     \treturn 0;\n\
     }\n\
     \n\
     static void __exit foo_exit(void)\n\
     {\n\
     \tflush_scheduled_work();\n\
     }\n\
     \n\
     module_init(foo_init);\n\
     module_exit(foo_exit);\n";

#[test]
fn strategy_not_applicable() {
    let refusal = check_refused(
        &module(QUEUES_AND_FLUSHES),
        Choice::RemoveFlush,
        RefusalKind::StrategyNotApplicable,
    );
    names(&refusal, &["--strategy remove-flush does not apply"]);
}

// Analysis: the entry points. A local workqueue needs a module that
// queues on the flushed workqueue, so these modules queue foo_work and
// flush (lines 4–14 of foo.c, `foo_c!` puts the rest from line 16).

/// drivers/foo/foo.c: the includes, `foo_kick()` that queues, `foo_stop()`
/// that flushes, a blank line, then `rest` from line 16.
macro_rules! foo_c {
    ($($rest:expr),* $(,)?) => {
        concat!(
            "#include <linux/module.h>\n\
             #include <linux/workqueue.h>\n\
             \n\
             static struct work_struct foo_work;\n\
             \n\
             void foo_kick(void)\n\
             {\n\
             \tschedule_work(&foo_work);\n\
             }\n\
             \n\
             void foo_stop(void)\n\
             {\n\
             \tflush_scheduled_work();\n\
             }\n\
             \n",
            $($rest),*
        )
    };
}

#[test]
fn empty_workqueue() {
    // Flushes, queues nothing: a local workqueue would stay empty.
    let refusal = check_refused(
        &module(
            "#include <linux/module.h>\n\
             \n\
             static int __init foo_init(void)\n\
             {\n\
             \treturn 0;\n\
             }\n\
             \n\
             static void __exit foo_exit(void)\n\
             {\n\
             \tflush_scheduled_work();\n\
             }\n\
             \n\
             module_init(foo_init);\n\
             module_exit(foo_exit);\n",
        ),
        Choice::LocalWq,
        RefusalKind::EmptyWorkqueue,
    );
    names(&refusal, &["converts no queueing call"]);
}

#[test]
fn unknown_wq_flags() {
    // A 7.x-shaped header and no kernel/workqueue.c: system_percpu_wq is
    // known to exist, not how it is created.
    let header = "extern struct workqueue_struct *system_wq;\n\
                  extern struct workqueue_struct *system_percpu_wq;\n";
    let refusal = check_refused(
        &[
            MAKEFILE,
            ("include/linux/workqueue.h", header),
            (
                "drivers/foo/foo.c",
                &QUEUES_AND_FLUSHES
                    .replace(
                        "schedule_work(&foo_work)",
                        "queue_work(system_percpu_wq, &foo_work)",
                    )
                    .replace(
                        "flush_scheduled_work()",
                        "flush_workqueue(system_percpu_wq)",
                    ),
            ),
        ],
        Choice::LocalWq,
        RefusalKind::UnknownWqFlags,
    );
    names(&refusal, &["system_percpu_wq", "kernel/workqueue.c"]);
}

/// Two initcalls of one level in files whose objects come from two
/// Makefiles (one includes the other): link order is not known.
#[test]
fn initcall_tie() {
    let init = |name: &str| {
        format!(
            "#include <linux/module.h>\n\nstatic int __init {name}(void)\n{{\n\treturn 0;\n}}\n\
             late_initcall({name});\n"
        )
    };
    let (a, b) = (init("foo_a_init"), init("foo_b_init"));
    let flushing = foo_c!("");
    let refusal = check_refused(
        &[
            (
                "drivers/foo/Makefile",
                "obj-$(CONFIG_FOO) += foo.o\nfoo-y := foo_main.o foo_a.o\ninclude $(src)/more.mk\n",
            ),
            ("drivers/foo/more.mk", "foo-y += foo_b.o\n"),
            ("drivers/foo/foo_main.c", flushing),
            ("drivers/foo/foo_a.c", &a),
            ("drivers/foo/foo_b.c", &b),
        ],
        Choice::LocalWq,
        RefusalKind::InitcallTie,
    );
    names(
        &refusal,
        &[
            "late_initcall(foo_a_init)",
            "late_initcall(foo_b_init)",
            "link order (the order of the objects in the Makefile) decides",
            "could not tell it",
        ],
    );
}

/// Of two initcalls of one level, the one linked first (its object listed
/// first in the Makefile, whatever the file names) holds the workqueue.
#[test]
fn link_order_decides_between_initcalls_of_one_level() {
    let init = |name: &str| {
        format!(
            "#include <linux/module.h>\n\nstatic int __init {name}(void)\n{{\n\treturn 0;\n}}\n\
             late_initcall({name});\n"
        )
    };
    let (a, b) = (init("foo_a_init"), init("foo_b_init"));
    let flushing = foo_c!("");
    let tree = common::tree(&[
        (
            "drivers/foo/Makefile",
            "obj-$(CONFIG_FOO) += foo.o\nfoo-y := foo_main.o foo_b.o\nfoo-y += foo_a.o\n",
        ),
        ("drivers/foo/foo_main.c", flushing),
        ("drivers/foo/foo_a.c", &a),
        ("drivers/foo/foo_b.c", &b),
    ]);
    let (_, outcomes) = common::convert_all(tree.path(), Choice::LocalWq);
    let unit = outcomes[0].unit.as_ref().expect("loaded");
    match &unit.entry {
        localwq::entry::Entry::Explicit {
            init: Some(init), ..
        } => {
            assert_eq!(init.args, ["foo_b_init"]);
        }
        other => panic!("an explicit entry expected: {other:?}"),
    }
}

/// The early-init refusal of a built-in module whose global
/// `foo_early_init()` (no initcall, not called by the module: other code
/// calls it at boot) runs `call`.
macro_rules! early_init_refusal {
    ($call:literal) => {
        check_refused(
            &[
                ("drivers/foo/Makefile", "obj-y += foo.o\n"),
                (
                    "drivers/foo/foo.c",
                    foo_c!(
                        "void __init foo_early_init(void)\n{\n\t",
                        $call,
                        "\n}\n\nstatic int __init foo_init(void)\n{\n\treturn 0;\n}\n\
                         subsys_initcall(foo_init);\n",
                    ),
                ),
            ],
            Choice::LocalWq,
            RefusalKind::EarlyInit,
        )
    };
}

/// Built-in code whose __init function other code calls at boot: it may
/// queue before the workqueue exists. The refusal names the path.
#[test]
fn early_init() {
    let refusal = early_init_refusal!("foo_kick();");
    names(
        &refusal,
        &[
            "foo_early_init() (drivers/foo/foo.c:",
            "before any initcall",
            "reaches",
            "through foo_kick()",
        ],
    );
}

/// An early __init function that reaches no queueing call through the
/// module's own code may still through other code: refused all the same,
/// saying so.
#[test]
fn early_init_through_other_code() {
    let refusal = early_init_refusal!("other_setup();");
    names(
        &refusal,
        &[
            "foo_early_init() (drivers/foo/foo.c:",
            "cannot follow them",
            // foo_kick() is not static: other code may call it, early.
            "reached from functions other code can call (exported, or declared in no \
             header of the module's): schedule_work() at drivers/foo/foo.c:8 in foo_kick()",
        ],
    );
}

#[test]
fn shared_entry() {
    // foo_core.c, which holds the entry, is built into bar too; bar itself
    // flushes nothing and is not selected.
    let refusal = check_refused(
        &[
            (
                "drivers/foo/Makefile",
                "obj-$(CONFIG_FOO) += foo.o bar.o\n\
                 foo-y := foo_main.o foo_core.o\n\
                 bar-y := bar_main.o foo_core.o\n",
            ),
            ("drivers/foo/foo_main.c", foo_c!()),
            (
                "drivers/foo/foo_core.c",
                "#include <linux/module.h>\n\
                 \n\
                 static int __init foo_init(void)\n\
                 {\n\
                 \treturn 0;\n\
                 }\n\
                 module_init(foo_init);\n",
            ),
            ("drivers/foo/bar_main.c", "int bar;\n"),
        ],
        Choice::LocalWq,
        RefusalKind::SharedEntry,
    );
    names(&refusal, &["drivers/foo/foo_core.c", "bar"]);
}

#[test]
fn no_entry() {
    let refusal = check_refused(&module(foo_c!()), Choice::LocalWq, RefusalKind::NoEntry);
    names(&refusal, &["no module_init()"]);
}

#[test]
fn exit_without_init() {
    let refusal = check_refused(
        &module(foo_c!(
            "static void __exit foo_exit(void)\n\
             {\n\
             \tfoo_stop();\n\
             }\n\
             module_exit(foo_exit);\n",
        )),
        Choice::LocalWq,
        RefusalKind::ExitWithoutInit,
    );
    names(&refusal, &["module_exit() but no module_init()"]);
}

#[test]
fn driver_macro_unknown() {
    // No `#define module_bus_driver` anywhere in the tree.
    let refusal = check_refused(
        &module(foo_c!(
            "static struct bus_driver foo_driver = {\n\
             \t.remove = foo_stop,\n\
             };\n\
             module_bus_driver(foo_driver);\n",
        )),
        Choice::LocalWq,
        RefusalKind::DriverMacroUnknown,
    );
    names(&refusal, &["module_bus_driver()"]);
}

// Rewrite: Steps 1–3.

#[test]
fn init_not_defined() {
    // foo_init() lives in another module's file.
    let refusal = check_refused(
        &module(foo_c!("module_init(foo_init);\n")),
        Choice::LocalWq,
        RefusalKind::InitNotDefined,
    );
    at(&refusal, "drivers/foo/foo.c", 16);
    names(&refusal, &["foo_init()"]);
}

#[test]
fn init_unparsed() {
    let refusal = check_refused(
        &module(foo_c!(
            "static int __init foo_init(void)\n\
             {\n\
             \treturn foo_setup(FOO_A | );\n\
             }\n\
             module_init(foo_init);\n",
        )),
        Choice::LocalWq,
        RefusalKind::InitUnparsed,
    );
    at(&refusal, "drivers/foo/foo.c", 17);
}

#[test]
fn init_layout() {
    let refusal = check_refused(
        &module(foo_c!(
            "static int __init foo_init(void)\n\
             { return foo_setup(); }\n\
             module_init(foo_init);\n",
        )),
        Choice::LocalWq,
        RefusalKind::InitLayout,
    );
    at(&refusal, "drivers/foo/foo.c", 17);
    names(&refusal, &["share the line of `{`"]);
}

#[test]
fn error_path_shape() {
    // `case …: return -E…;` on one line: no place for the destroy.
    let refusal = check_refused(
        &module(foo_c!(
            "static int __init foo_init(void)\n\
             {\n\
             \tswitch (foo_mode) {\n\
             \tcase 0: return -EINVAL;\n\
             \tdefault: return 0;\n\
             \t}\n\
             }\n\
             module_init(foo_init);\n",
        )),
        Choice::LocalWq,
        RefusalKind::ErrorPathShape,
    );
    at(&refusal, "drivers/foo/foo.c", 19);
    names(&refusal, &["return shares its line"]);
}

#[test]
fn exit_layout() {
    let refusal = check_refused(
        &module(foo_c!(
            "static int __init foo_init(void)\n\
             {\n\
             \treturn 0;\n\
             }\n\
             \n\
             static void __exit foo_exit(void) { foo_stop(); }\n\
             \n\
             module_init(foo_init);\n\
             module_exit(foo_exit);\n",
        )),
        Choice::LocalWq,
        RefusalKind::ExitLayout,
    );
    at(&refusal, "drivers/foo/foo.c", 21);
}

#[test]
fn no_shared_header() {
    let refusal = check_refused(
        &[
            (
                "drivers/foo/Makefile",
                "obj-$(CONFIG_FOO) += foo.o\nfoo-y := foo_main.o foo_dev.o\n",
            ),
            (
                "drivers/foo/foo_main.c",
                "#include <linux/module.h>\n\
                 #include <linux/workqueue.h>\n\
                 \n\
                 static int __init foo_init(void)\n\
                 {\n\
                 \treturn 0;\n\
                 }\n\
                 \n\
                 static void __exit foo_exit(void)\n\
                 {\n\
                 \tflush_scheduled_work();\n\
                 }\n\
                 \n\
                 module_init(foo_init);\n\
                 module_exit(foo_exit);\n",
            ),
            (
                "drivers/foo/foo_dev.c",
                "#include <linux/workqueue.h>\n\
                 \n\
                 void foo_dev_kick(struct work_struct *work)\n\
                 {\n\
                 \tschedule_work(work);\n\
                 }\n",
            ),
        ],
        Choice::LocalWq,
        RefusalKind::NoSharedHeader,
    );
    names(&refusal, &["drivers/foo/foo_dev.c"]);
}

/// A refusal is not read as the only obstacle: the review flags the patch
/// would still carry are named after it.
#[test]
fn no_shared_header_names_the_review_flags_that_would_remain() {
    let refusal = check_refused(
        &[
            (
                "drivers/foo/Makefile",
                "obj-$(CONFIG_FOO) += foo.o\nfoo-y := foo_main.o foo_dev.o\n",
            ),
            (
                "drivers/foo/foo_main.c",
                "#include <linux/module.h>\n#include <linux/slab.h>\n\
                 #include <linux/workqueue.h>\n\n\
                 void *foo_buf;\n\n\
                 static int __init foo_init(void)\n{\n\treturn 0;\n}\n\n\
                 static void __exit foo_exit(void)\n{\n\tflush_scheduled_work();\n\tkfree(foo_buf);\n}\n\n\
                 module_init(foo_init);\nmodule_exit(foo_exit);\n",
            ),
            (
                "drivers/foo/foo_dev.c",
                "#include <linux/workqueue.h>\n\n\
                 extern void *foo_buf;\n\n\
                 static void foo_dev_poll(struct work_struct *work);\n\
                 static DECLARE_WORK(foo_poll_work, foo_dev_poll);\n\n\
                 static void foo_dev_poll(struct work_struct *work)\n{\n\
                 \tif (foo_buf)\n\t\tschedule_work(&foo_poll_work);\n}\n",
            ),
        ],
        Choice::LocalWq,
        RefusalKind::NoSharedHeader,
    );
    names(
        &refusal,
        &["the patch would still need review besides: requeued (the flags below)"],
    );
}

#[test]
fn no_shared_header_names_the_file_that_lacks_the_nearest_one() {
    let user = |name: &str, include: &str| {
        format!(
            "{include}#include <linux/workqueue.h>\n\nvoid {name}_kick(struct work_struct *work)\n\
             {{\n\tschedule_work(work);\n}}\n"
        )
    };
    let dev = user("foo_dev", "#include \"foo.h\"\n");
    let irq = user("foo_irq", "#include \"foo.h\"\n");
    let ops = user("foo_ops", "");
    let refusal = check_refused(
        &[
            (
                "drivers/foo/Makefile",
                "obj-$(CONFIG_FOO) += foo.o\nfoo-y := foo_main.o foo_dev.o foo_irq.o foo_ops.o\n",
            ),
            ("drivers/foo/foo.h", "extern int foo_debug;\n"),
            (
                "drivers/foo/foo_main.c",
                "#include <linux/module.h>\n#include <linux/workqueue.h>\n#include \"foo.h\"\n\n\
                 static int __init foo_init(void)\n{\n\treturn 0;\n}\n\n\
                 static void __exit foo_exit(void)\n{\n\tflush_scheduled_work();\n}\n\n\
                 module_init(foo_init);\nmodule_exit(foo_exit);\n",
            ),
            ("drivers/foo/foo_dev.c", &dev),
            ("drivers/foo/foo_irq.c", &irq),
            ("drivers/foo/foo_ops.c", &ops),
        ],
        Choice::LocalWq,
        RefusalKind::NoSharedHeader,
    );
    at(&refusal, "drivers/foo/foo_ops.c", 1);
    names(
        &refusal,
        &["drivers/foo/foo.h reaches 2 of the 3 besides drivers/foo/foo_main.c, not drivers/foo/foo_ops.c"],
    );
}

#[test]
fn no_include_before_code() {
    let refusal = check_refused(
        &module(
            "static struct work_struct foo_work;\n\
             \n\
             static int __init foo_init(void)\n\
             {\n\
             \tschedule_work(&foo_work);\n\
             \treturn 0;\n\
             }\n\
             \n\
             static void __exit foo_exit(void)\n\
             {\n\
             \tflush_scheduled_work();\n\
             }\n\
             \n\
             module_init(foo_init);\n\
             module_exit(foo_exit);\n",
        ),
        Choice::LocalWq,
        RefusalKind::NoIncludeBeforeCode,
    );
    names(&refusal, &["no #include"]);
}

#[test]
fn driver_functions_exist() {
    let refusal = check_refused(
        &module(foo_c!(
            "static void foo_driver_init(struct platform_device *pdev)\n\
             {\n\
             }\n\
             \n\
             static struct platform_driver foo_driver = {\n\
             \t.remove = foo_stop,\n\
             };\n\
             module_platform_driver(foo_driver);\n",
        )),
        Choice::LocalWq,
        RefusalKind::DriverFunctionsExist,
    );
    at(&refusal, "drivers/foo/foo.c", 23);
    names(&refusal, &["foo_driver_init()"]);
}

// Rewrite: Step 0's smaller fixes (`--strategy remove-flush`; the module
// queues nothing).

/// drivers/foo/foo.c with `foo_stop()` made of `body`.
fn stop_with(body: &str) -> String {
    format!("#include <linux/workqueue.h>\n\nvoid foo_stop(void)\n{{\n{body}}}\n")
}

#[test]
fn flush_not_statement() {
    let refusal = check_refused(
        &module(&stop_with("\tfoo_halt(), flush_scheduled_work();\n")),
        Choice::RemoveFlush,
        RefusalKind::FlushNotStatement,
    );
    at(&refusal, "drivers/foo/foo.c", 5);
}

#[test]
fn flush_not_alone() {
    let refusal = check_refused(
        &module(&stop_with(
            "\tif (foo_busy())\n\t\tflush_scheduled_work();\n",
        )),
        Choice::RemoveFlush,
        RefusalKind::FlushNotAlone,
    );
    at(&refusal, "drivers/foo/foo.c", 6);
}

/// flush-work rewrites a braceless body in place when it stays one call
/// (testdata/braceless_flush); two calls would need braces.
#[test]
fn flush_not_alone_when_flush_work_makes_it_two_calls() {
    let c = "#include <linux/module.h>\n#include <linux/workqueue.h>\n\n\
        static void foo_fn(struct work_struct *work)\n{\n}\n\
        static DECLARE_WORK(foo_a, foo_fn);\nstatic DECLARE_WORK(foo_b, foo_fn);\n\n\
        void foo_kick(void)\n{\n\tschedule_work(&foo_a);\n\tschedule_work(&foo_b);\n}\n\n\
        static int __init foo_init(void)\n{\n\treturn 0;\n}\n\n\
        static void __exit foo_exit(void)\n{\n\tif (foo_busy())\n\t\treturn;\n\telse\n\
        \t\tflush_scheduled_work();\n}\n\nmodule_init(foo_init);\nmodule_exit(foo_exit);\n";
    let refusal = check_refused(&module(c), Choice::FlushWork, RefusalKind::FlushNotAlone);
    at(&refusal, "drivers/foo/foo.c", 26);
    names(&refusal, &["2 calls"]);
}

#[test]
fn flush_shares_line() {
    let refusal = check_refused(
        &module(&stop_with("\tflush_scheduled_work(); foo_halt();\n")),
        Choice::RemoveFlush,
        RefusalKind::FlushSharesLine,
    );
    at(&refusal, "drivers/foo/foo.c", 5);
}

// Rewrite: the checks on the result.

#[test]
fn overlapping_edits() {
    // The error return's rewrite copies its expression into `ret = …;`,
    // and the queueing call inside it has an edit of its own: the two
    // overlap, and neither may silently lose the other (the copy would
    // keep `schedule_work()` on the system workqueue). Caught before
    // anything is shown.
    let refusal = check_refused(
        &module(foo_c!(
            "static int __init foo_init(void)\n\
             {\n\
             \treturn schedule_work(&foo_work) ? 0 : -EBUSY;\n\
             }\n\
             module_init(foo_init);\n",
        )),
        Choice::LocalWq,
        RefusalKind::OverlappingEdits,
    );
    at(&refusal, "drivers/foo/foo.c", 1);
    names(&refusal, &["overlapping edits", "init-error-path", "queue"]);
}

#[test]
fn parse_errors_added() {
    // The braces added around the error return go after the `if` head's
    // last token, which is a `//` comment: the `{` is commented out and
    // the `}` closes the function.
    let refusal = check_refused(
        &module(foo_c!(
            "static int __init foo_init(void)\n\
             {\n\
             \tif (foo_missing()) // no device\n\
             \t\treturn -ENODEV;\n\
             \treturn 0;\n\
             }\n\
             module_init(foo_init);\n",
        )),
        Choice::LocalWq,
        RefusalKind::ParseErrorsAdded,
    );
    names(&refusal, &["parse errors"]);
}

#[test]
#[ignore = "unreachable: tree-sitter returns no tree only on a timeout or cancellation, \
            which localwq never sets, and the check that maps it to this kind \
            (rewrite::apply_checked) is private"]
fn parser_failed() {
    // The nearest input: control bytes around a flush are parsed (with
    // ERROR nodes) like any other text, so this is refused for another
    // reason. See the report for the seam that would make the kind
    // reachable (an injectable re-parse in rewrite::apply_checked, or a
    // parse budget through tree-sitter's progress callback).
    check_refused(
        &module("\u{0}\u{1}\u{7f}\nvoid foo_stop(void)\n{\n\tflush_scheduled_work();\n}\n"),
        Choice::RemoveFlush,
        RefusalKind::ParserFailed,
    );
}

/// A caller that flushes only for the work it hands to `foo_lib_enqueue()`:
/// `QUEUES_AND_FLUSHES` with its queueing handed to the library.
fn caller() -> String {
    QUEUES_AND_FLUSHES
        .replace(
            "#include <linux/workqueue.h>\n",
            "#include \"foo_lib.h\"\n\nstatic struct foo_job foo_job;\n",
        )
        .replace("schedule_work(&foo_work)", "foo_lib_enqueue(&foo_job)")
}

/// The library that queues the caller's item.
const LIBRARY: &str = "#include <linux/module.h>\n\
    #include \"foo_lib.h\"\n\
    \n\
    void foo_lib_enqueue(struct foo_job *job)\n\
    {\n\
    \tschedule_work(&job->work);\n\
    }\n\
    EXPORT_SYMBOL(foo_lib_enqueue);\n";

#[test]
fn shared_not_module() {
    // The provider is built into the kernel: its workqueue is not this
    // patch's to add.
    let refusal = check_refused(
        &[
            (
                "drivers/foo/Makefile",
                "obj-$(CONFIG_FOO) += foo.o\nobj-y += foo_lib.o\n",
            ),
            (
                "drivers/foo/foo_lib.h",
                "struct foo_job { struct work_struct work; };\n\
                 void foo_lib_enqueue(struct foo_job *job);\n",
            ),
            ("drivers/foo/foo_lib.c", LIBRARY),
            ("drivers/foo/foo.c", &caller()),
        ],
        Choice::Auto,
        RefusalKind::SharedNotModule,
    );
    names(&refusal, &["foo_lib_enqueue()", "built into the kernel"]);
}

#[test]
fn shared_layout() {
    // The library's header does not declare the function: nowhere to
    // declare the flush helper its callers would call.
    let refusal = check_refused(
        &[
            (
                "drivers/foo/Makefile",
                "obj-$(CONFIG_FOO) += foo.o\nobj-$(CONFIG_FOO) += foo_lib.o\n",
            ),
            (
                "drivers/foo/foo_lib.h",
                "struct foo_job { struct work_struct work; };\n",
            ),
            ("drivers/foo/foo_lib.c", LIBRARY),
            ("drivers/foo/foo.c", &caller()),
        ],
        Choice::Auto,
        RefusalKind::SharedLayout,
    );
    names(&refusal, &["declares foo_lib_enqueue()", "flush helper"]);
}

// The wait model: work a flush waits for that no conversion of this
// module can keep waiting for.

/// A firmware loader of the module's directory: it queues the work that
/// runs the callback it is handed on system_wq.
const FW_MAKEFILE: (&str, &str) = (
    "drivers/foo/Makefile",
    "obj-$(CONFIG_FOO) += foo.o\nobj-$(CONFIG_FOO) += foo_fw.o\n",
);
const FW_LOADER: (&str, &str) = (
    "drivers/foo/foo_fw.c",
    "#include <linux/module.h>\n\
     typedef void (*foo_fw_cb)(void *context);\n\
     \n\
     int foo_fw_load(void *context, foo_fw_cb cont)\n\
     {\n\
     \tstruct fw_work *fw_work = kzalloc(8, 0);\n\
     \n\
     \tschedule_work(&fw_work->work);\n\
     \treturn 0;\n\
     }\n\
     EXPORT_SYMBOL(foo_fw_load);\n",
);

#[test]
fn waits_for_callback() {
    // The module's own item is cancelled before the flush, but the flush
    // also waits for the loader's work that runs the module's callback.
    let refusal = check_refused(
        &[
            FW_MAKEFILE,
            FW_LOADER,
            (
                "drivers/foo/foo.c",
                &QUEUES_AND_FLUSHES
                    .replace(
                        "\tschedule_work(&foo_work);\n",
                        "\tschedule_work(&foo_work);\n\tfoo_fw_load(NULL, foo_loaded);\n",
                    )
                    .replace(
                        "static void __exit foo_exit(void)\n{\n",
                        "static void foo_stop(void)\n{\n\tcancel_work_sync(&foo_work);\n\
                         \tflush_scheduled_work();\n}\n\nstatic void __exit foo_exit(void)\n{\n\
                         \tfoo_stop();\n",
                    ),
            ),
        ],
        Choice::Auto,
        RefusalKind::WaitsForCallback,
    );
    names(&refusal, &["the callback of foo_fw_load()", "completion"]);
    at(&refusal, "drivers/foo/foo.c", 19);
}

#[test]
fn waits_for_callback_already_waited_in_part() {
    // The module waits for its callback before the flush, but with a
    // timeout, and the callback returns early without waking it: the
    // remedy names that wait and its gaps instead of asking for one.
    let refusal = check_refused(
        &[
            FW_MAKEFILE,
            FW_LOADER,
            (
                "drivers/foo/foo.c",
                "#include <linux/module.h>\n\
                 #include <linux/wait.h>\n\
                 \n\
                 static struct foo { wait_queue_head_t fw_wq; int ready; } foo;\n\
                 \n\
                 static void foo_ready(struct foo *f)\n\
                 {\n\
                 \tf->ready = 1;\n\
                 \twake_up(&f->fw_wq);\n\
                 }\n\
                 \n\
                 static void foo_loaded(void *context)\n\
                 {\n\
                 \tif (!context)\n\
                 \t\treturn;\n\
                 \tfoo_ready(context);\n\
                 \tpr_info(\"loaded\\n\");\n\
                 }\n\
                 \n\
                 static int __init foo_init(void)\n\
                 {\n\
                 \treturn foo_fw_load(&foo, foo_loaded);\n\
                 }\n\
                 \n\
                 static void __exit foo_exit(void)\n\
                 {\n\
                 \twait_event_timeout(foo.fw_wq, foo.ready, HZ);\n\
                 \tflush_scheduled_work();\n\
                 }\n\
                 \n\
                 module_init(foo_init);\n\
                 module_exit(foo_exit);\n",
            ),
        ],
        Choice::Auto,
        RefusalKind::WaitsForCallback,
    );
    names(
        &refusal,
        &[
            "already waits for it at drivers/foo/foo.c:27 (`wait_event_timeout(foo.fw_wq, …)`)",
            "signalled at drivers/foo/foo.c:9 in foo_ready()",
            "gives up after a timeout",
            "foo_loaded() can return without signalling (line 15)",
            "foo_loaded() goes on after the signal",
        ],
    );
    at(&refusal, "drivers/foo/foo.c", 28);
}

#[test]
fn waits_for_dependents() {
    // The flush is in an export another module installs as a function
    // pointer, and that module queues on system_wq itself.
    let refusal = check_refused(
        &[
            (
                "drivers/foo/Makefile",
                "obj-$(CONFIG_FOO) += foo.o\nobj-$(CONFIG_FOO) += bar.o\n",
            ),
            (
                "drivers/foo/foo.c",
                "#include <linux/module.h>\n\
                 \n\
                 int foo_suspend(struct pci_dev *pdev)\n\
                 {\n\
                 \tflush_scheduled_work();\n\
                 \treturn 0;\n\
                 }\n\
                 EXPORT_SYMBOL(foo_suspend);\n",
            ),
            (
                "drivers/foo/bar.c",
                "#include <linux/module.h>\n\
                 \n\
                 static void bar_kick(struct bar *bar)\n\
                 {\n\
                 \tschedule_work(&bar->work);\n\
                 }\n\
                 \n\
                 static struct pci_driver bar_driver = {\n\
                 \t.suspend = foo_suspend,\n\
                 };\n",
            ),
        ],
        Choice::Auto,
        RefusalKind::WaitsForDependents,
    );
    names(
        &refusal,
        &[
            "drivers/foo/bar.c",
            "installs foo_suspend()",
            "the wait belongs in them",
        ],
    );
    at(&refusal, "drivers/foo/foo.c", 5);
}

// Conversions: what the refusals above are the exceptions to.

#[test]
fn init_and_exit_get_a_local_workqueue() {
    check(
        &module(QUEUES_AND_FLUSHES),
        &[(
            "drivers/foo/foo.c",
            "#include <linux/module.h>\n\
             #include <linux/workqueue.h>\n\
             \n\
             static struct workqueue_struct *foo_wq;\n\
             \n\
             static void foo_fn(struct work_struct *work)\n\
             {\n\
             }\n\
             static DECLARE_WORK(foo_work, foo_fn);\n\
             \n\
             static int __init foo_init(void)\n\
             {\n\
             \tfoo_wq = alloc_workqueue(\"foo_wq\", 0, 0);\n\
             \tif (!foo_wq)\n\
             \t\treturn -ENOMEM;\n\
             \n\
             \tqueue_work(foo_wq, &foo_work);\n\
             \treturn 0;\n\
             }\n\
             \n\
             static void __exit foo_exit(void)\n\
             {\n\
             \tdestroy_workqueue(foo_wq);\n\
             }\n\
             \n\
             module_init(foo_init);\n\
             module_exit(foo_exit);\n",
        )],
    );
}

#[test]
fn a_driver_macro_is_expanded_around_the_workqueue() {
    check(
        &module(
            "#include <linux/module.h>\n\
             #include <linux/workqueue.h>\n\
             #include <linux/platform_device.h>\n\
             \n\
             static struct work_struct foo_work;\n\
             \n\
             static int foo_probe(struct platform_device *pdev)\n\
             {\n\
             \tqueue_work(system_highpri_wq, &foo_work);\n\
             \treturn 0;\n\
             }\n\
             \n\
             static int foo_remove(struct platform_device *pdev)\n\
             {\n\
             \tflush_workqueue(system_highpri_wq);\n\
             \treturn 0;\n\
             }\n\
             \n\
             static struct platform_driver foo_driver = {\n\
             \t.probe = foo_probe,\n\
             \t.remove = foo_remove,\n\
             };\n\
             module_platform_driver(foo_driver);\n",
        ),
        &[(
            "drivers/foo/foo.c",
            "#include <linux/module.h>\n\
             #include <linux/workqueue.h>\n\
             #include <linux/platform_device.h>\n\
             \n\
             static struct work_struct foo_work;\n\
             static struct workqueue_struct *foo_wq;\n\
             \n\
             static int foo_probe(struct platform_device *pdev)\n\
             {\n\
             \tqueue_work(foo_wq, &foo_work);\n\
             \treturn 0;\n\
             }\n\
             \n\
             static int foo_remove(struct platform_device *pdev)\n\
             {\n\
             \tflush_workqueue(foo_wq);\n\
             \treturn 0;\n\
             }\n\
             \n\
             static struct platform_driver foo_driver = {\n\
             \t.probe = foo_probe,\n\
             \t.remove = foo_remove,\n\
             };\n\
             \n\
             static int __init foo_driver_init(void)\n\
             {\n\
             \tint ret;\n\
             \n\
             \tfoo_wq = alloc_workqueue(\"foo_wq\", WQ_HIGHPRI, 0);\n\
             \tif (!foo_wq)\n\
             \t\treturn -ENOMEM;\n\
             \n\
             \tret = platform_driver_register(&foo_driver);\n\
             \tif (ret)\n\
             \t\tdestroy_workqueue(foo_wq);\n\
             \n\
             \treturn ret;\n\
             }\n\
             module_init(foo_driver_init);\n\
             \n\
             static void __exit foo_driver_exit(void)\n\
             {\n\
             \tplatform_driver_unregister(&foo_driver);\n\
             \tdestroy_workqueue(foo_wq);\n\
             }\n\
             module_exit(foo_driver_exit);\n",
        )],
    );
}

#[test]
fn a_flush_that_waits_for_nobody_is_removed() {
    check_with(
        &module(&stop_with(
            "\tfoo_halt();\n\tflush_scheduled_work();\n\tfoo_free();\n",
        )),
        Choice::RemoveFlush,
        &[(
            "drivers/foo/foo.c",
            "#include <linux/workqueue.h>\n\
             \n\
             void foo_stop(void)\n\
             {\n\
             \tfoo_halt();\n\
             \tfoo_free();\n\
             }\n",
        )],
    );
}

// Rewrites found wrong by running the tool, each kept to its rule.

#[test]
fn a_flush_over_two_lines_is_removed_with_both() {
    check_with(
        &module(&stop_with(
            "\tfoo_halt();\n\tflush_scheduled_work(\n\t);\n\tfoo_free();\n",
        )),
        Choice::RemoveFlush,
        &[(
            "drivers/foo/foo.c",
            &stop_with("\tfoo_halt();\n\tfoo_free();\n"),
        )],
    );
}

#[test]
fn code_after_a_flush_over_two_lines_is_refused() {
    let refusal = check_refused(
        &module(&stop_with("\tflush_scheduled_work(\n\t); foo_halt();\n")),
        Choice::RemoveFlush,
        RefusalKind::FlushSharesLine,
    );
    at(&refusal, "drivers/foo/foo.c", 5);
}

#[test]
fn code_between_comments_after_a_flush_is_refused() {
    // Not deleted with the line for starting with `/*` and ending with `*/`.
    let refusal = check_refused(
        &module(&stop_with(
            "\tflush_scheduled_work(); /* a */ foo_halt(); /* b */\n",
        )),
        Choice::RemoveFlush,
        RefusalKind::FlushSharesLine,
    );
    at(&refusal, "drivers/foo/foo.c", 5);
    names(&refusal, &["after it"]);
}

#[test]
fn code_before_a_flush_on_its_line_is_refused() {
    let refusal = check_refused(
        &module(&stop_with("\tfoo_halt(); flush_scheduled_work();\n")),
        Choice::RemoveFlush,
        RefusalKind::FlushSharesLine,
    );
    names(&refusal, &["before it"]);
}

#[test]
fn a_flush_is_removed_with_the_one_comment_after_it() {
    check_with(
        &module(&stop_with(
            "\tfoo_halt();\n\tflush_scheduled_work(); /* idle by now */\n\tfoo_free();\n",
        )),
        Choice::RemoveFlush,
        &[(
            "drivers/foo/foo.c",
            &stop_with("\tfoo_halt();\n\tfoo_free();\n"),
        )],
    );
}

/// drivers/foo/foo.c for `--strategy flush-work`: foo_work is queued,
/// cancelled before the flush in `foo_stop()` (whose flush line is
/// `flush_line`, so nothing is left to wait for there: it is deleted) and
/// flushed over two lines in `foo_suspend()`.
fn flush_work_module(flush_line: &str) -> String {
    format!(
        "#include <linux/workqueue.h>\n\
         \n\
         static struct work_struct foo_work;\n\
         \n\
         void foo_kick(void)\n\
         {{\n\
         \tschedule_work(&foo_work);\n\
         }}\n\
         \n\
         void foo_stop(void)\n\
         {{\n\
         \tcancel_work_sync(&foo_work);\n\
         {flush_line}\
         \tfoo_free();\n\
         }}\n\
         \n\
         void foo_suspend(void)\n\
         {{\n\
         \tflush_scheduled_work(\n\
         \t);\n\
         }}\n"
    )
}

#[test]
fn flush_work_deletes_a_flush_only_with_a_line_of_its_own() {
    let refusal = check_refused(
        &module(&flush_work_module(
            "\tflush_scheduled_work(); /* a */ foo_halt(); /* b */\n",
        )),
        Choice::FlushWork,
        RefusalKind::FlushSharesLine,
    );
    at(&refusal, "drivers/foo/foo.c", 13);
    let after = flush_work_module("").replace(
        "\tflush_scheduled_work(\n\t);\n",
        "\tflush_work(&foo_work);\n",
    );
    check_with(
        &module(&flush_work_module("\tflush_scheduled_work(); /* a */\n")),
        Choice::FlushWork,
        &[("drivers/foo/foo.c", &after)],
    );
}

#[test]
fn exit_not_defined() {
    let refusal = check_refused(
        &module(foo_c!(
            "static int __init foo_init(void)\n\
             {\n\
             \treturn 0;\n\
             }\n\
             \n\
             module_init(foo_init);\n\
             module_exit(foo_exit);\n",
        )),
        Choice::LocalWq,
        RefusalKind::InitNotDefined,
    );
    at(&refusal, "drivers/foo/foo.c", 22);
    names(
        &refusal,
        &["the exit function foo_exit() named by module_exit() is not defined"],
    );
}

#[test]
fn init_not_defined_names_the_init() {
    let refusal = check_refused(
        &module(foo_c!("module_init(foo_init);\n")),
        Choice::LocalWq,
        RefusalKind::InitNotDefined,
    );
    names(
        &refusal,
        &["the init function foo_init() named by module_init() is not defined"],
    );
}

/// drivers/foo/foo.c with `foo_init()` made of `body` and an exit that
/// flushes.
fn init_with(body: &str) -> String {
    foo_c!().to_string()
        + &format!(
            "static int __init foo_init(void)\n{{\n{body}}}\n\n\
             static void __exit foo_exit(void)\n{{\n\tfoo_stop();\n}}\n\n\
             module_init(foo_init);\nmodule_exit(foo_exit);\n"
        )
}

/// `init_with(body)` as converted: `body` becomes `converted`.
fn init_converted(converted: &str) -> String {
    init_with(converted)
        .replacen(
            "static struct work_struct foo_work;\n",
            "static struct work_struct foo_work;\nstatic struct workqueue_struct *foo_wq;\n",
            1,
        )
        .replace(
            "\tschedule_work(&foo_work);",
            "\tqueue_work(foo_wq, &foo_work);",
        )
        .replace("\tflush_scheduled_work();", "\tflush_workqueue(foo_wq);")
        .replace(
            "\tfoo_stop();\n}",
            "\tfoo_stop();\n\tdestroy_workqueue(foo_wq);\n}",
        )
}

const ALLOC: &str = "\tfoo_wq = alloc_workqueue(\"foo_wq\", 0, 0);\n\
                     \tif (!foo_wq)\n\
                     \t\treturn -ENOMEM;\n";

#[test]
fn a_comment_going_on_after_the_declarations_is_refused() {
    let refusal = check_refused(
        &module(&init_with(
            "\tint ret; /* set up\n\t\t   in order */\n\n\tret = foo_setup();\n\treturn ret;\n",
        )),
        Choice::LocalWq,
        RefusalKind::InitLayout,
    );
    at(&refusal, "drivers/foo/foo.c", 18);
    names(&refusal, &["goes on to the next line"]);
}

#[test]
fn a_statement_on_the_line_of_the_declarations_is_refused() {
    let refusal = check_refused(
        &module(&init_with(
            "\tint ret = 0; if (foo_quirk)\n\t\tfoo_fixup();\n\n\treturn ret;\n",
        )),
        Choice::LocalWq,
        RefusalKind::InitLayout,
    );
    at(&refusal, "drivers/foo/foo.c", 18);
    names(&refusal, &["`if (foo_quirk)` follows the last declaration"]);
}

#[test]
fn a_complete_comment_after_the_declarations_stays_on_their_line() {
    let body = "\tint ret; /* set up in order */\n\n\tret = foo_setup();\n\treturn ret;\n";
    let converted = format!(
        "\tint ret; /* set up in order */\n\n{ALLOC}\n\tret = foo_setup();\n\
         \tif (ret)\n\t\tdestroy_workqueue(foo_wq);\n\n\treturn ret;\n"
    );
    check(
        &module(&init_with(body)),
        &[("drivers/foo/foo.c", &init_converted(&converted))],
    );
    // And after a `{` followed by one.
    let body = "\t/* nothing to declare */\n\treturn foo_setup();\n";
    let braced = init_with(body).replace("{\n\t/* nothing", "{ /* nothing here */\n\t/* nothing");
    let converted = format!(
        "{ALLOC}\n\t/* nothing to declare */\n\tret = foo_setup();\n\
         \tif (ret)\n\t\tdestroy_workqueue(foo_wq);\n\n\treturn ret;\n"
    );
    let after = init_converted(&format!("\tint ret;\n\n{converted}"))
        .replace("{\n\tint ret;", "{ /* nothing here */\n\tint ret;");
    check(&module(&braced), &[("drivers/foo/foo.c", &after)]);
}

#[test]
fn both_arms_returning_errors_get_the_destroy() {
    let body = "\tif (foo_missing())\n\t\treturn -ENODEV;\n\telse\n\t\treturn -EINVAL;\n";
    let converted = format!(
        "{ALLOC}\n\tif (foo_missing()) {{\n\t\tdestroy_workqueue(foo_wq);\n\t\treturn -ENODEV;\n\
         \t}} else {{\n\t\tdestroy_workqueue(foo_wq);\n\t\treturn -EINVAL;\n\t}}\n"
    );
    check(
        &module(&init_with(body)),
        &[("drivers/foo/foo.c", &init_converted(&converted))],
    );
}

#[test]
fn a_braced_arm_around_a_queueing_call_is_refused() {
    // Bracing the other arm copies `schedule_work()`, which has an edit of
    // its own: the overlap is caught, neither edit is lost.
    let refusal = check_refused(
        &module(&init_with(
            "\tif (foo_missing())\n\t\treturn -ENODEV;\n\telse\n\
             \t\tschedule_work(&foo_work);\n\treturn 0;\n",
        )),
        Choice::LocalWq,
        RefusalKind::OverlappingEdits,
    );
    names(&refusal, &["init-brace-arm", "queue"]);
}

/// drivers/foo/foo.c with `foo_exit()` made of `body`.
fn exit_with(body: &str) -> String {
    foo_c!().to_string()
        + &format!(
            "static int __init foo_init(void)\n{{\n\treturn 0;\n}}\n\n\
             static void __exit foo_exit(void)\n{{\n{body}}}\n\n\
             module_init(foo_init);\nmodule_exit(foo_exit);\n"
        )
}

/// `exit_with(body)` as converted: `body` becomes `converted`.
fn exit_converted(converted: &str) -> String {
    exit_with(converted)
        .replacen(
            "static struct work_struct foo_work;\n",
            "static struct work_struct foo_work;\nstatic struct workqueue_struct *foo_wq;\n",
            1,
        )
        .replace(
            "\tschedule_work(&foo_work);",
            "\tqueue_work(foo_wq, &foo_work);",
        )
        .replace("\tflush_scheduled_work();", "\tflush_workqueue(foo_wq);")
        .replace(
            "{\n\treturn 0;\n}",
            &format!("{{\n{ALLOC}\n\treturn 0;\n}}"),
        )
}

#[test]
fn an_exit_returning_in_an_if_destroys_on_both_paths() {
    // Not `if (foo_gone)` + `destroy_workqueue(foo_wq);` + `return;`.
    check(
        &module(&exit_with("\tfoo_stop();\n\tif (foo_gone)\n\t\treturn;\n")),
        &[(
            "drivers/foo/foo.c",
            &exit_converted(
                "\tfoo_stop();\n\tif (foo_gone) {\n\t\tdestroy_workqueue(foo_wq);\n\
                 \t\treturn;\n\t}\n\tdestroy_workqueue(foo_wq);\n",
            ),
        )],
    );
}

#[test]
fn an_exit_returning_early_from_a_loop_is_refused() {
    let refusal = check_refused(
        &module(&exit_with(
            "\twhile (foo_busy())\n\t\treturn;\n\tfoo_stop();\n",
        )),
        Choice::LocalWq,
        RefusalKind::ExitLayout,
    );
    at(&refusal, "drivers/foo/foo.c", 24);
    names(&refusal, &["returns early here", "while_statement"]);
}

/// One module against several kernels (testdata/kernels/), merged as the
/// CLI merges them; the refusal of the module `dir`.
fn across_kernels(dir: &str, versions: &[&str], choice: Choice) -> localwq::refusal::Refusal {
    let root = common::testdata().join("kernels");
    let kdirs: Vec<std::path::PathBuf> = versions
        .iter()
        .map(|v| root.join(format!("kdir-{v}")))
        .collect();
    let mut sessions = localwq::Session::open_external_all(&root.join(dir), &kdirs).unwrap();
    let per_kernel = sessions
        .iter_mut()
        .map(|session| {
            session.choice = choice;
            let selection = session.select(&[]).unwrap();
            localwq::across::KernelOutcomes {
                kernel: localwq::wq::across::label(&session.tree.facts),
                outcomes: session.convert_all(&selection.modules),
            }
        })
        .collect();
    let merged = localwq::across::merge(per_kernel);
    assert_eq!(merged.len(), 1);
    merged[0].decision.refusal().expect("refused").clone()
}

#[test]
fn kernels_on_which_step_0_decides_differently_are_refused() {
    let refusal = across_kernels("differs", &["5.10", "7.2"], Choice::Auto);
    assert_eq!(refusal.kind, RefusalKind::KernelsDiffer);
    names(
        &refusal,
        &[
            "flush-work on Linux 5.10",
            "remove-flush on Linux 7.2",
            "each kernel separately",
        ],
    );
}

#[test]
fn a_flag_some_kernel_lacks_needs_a_line_to_test_it_after() {
    let refusal = across_kernels("included", &["5.10", "7.2"], Choice::LocalWq);
    assert_eq!(refusal.kind, RefusalKind::CompatPlace);
    names(
        &refusal,
        &["WQ_PERCPU", "Linux 5.10 lacks", "Kbuild", "foo.o"],
    );
}

/// Files Kbuild builds into the module only under a condition: listed
/// under an option, inside a Makefile conditional (decided or not), or
/// not (`foo_main.o`). New helpers never go into such a file.
#[test]
fn conditionally_built_files_are_known() {
    let flushing = foo_c!("");
    let tree = common::tree(&[
        (
            "drivers/foo/Makefile",
            "obj-$(CONFIG_FOO) += foo.o\nfoo-y := foo_main.o\nfoo-$(CONFIG_FOO_A) += foo_a.o\n\
             ifeq ($(CONFIG_FOO_B),y)\nfoo-y += foo_b.o\nendif\nfoo-y += foo_c.o\n",
        ),
        ("drivers/foo/foo_main.c", flushing),
        ("drivers/foo/foo_a.c", "int foo_a;\n"),
        ("drivers/foo/foo_b.c", "int foo_b;\n"),
        ("drivers/foo/foo_c.c", "int foo_c;\n"),
    ]);
    let (_, outcomes) = common::convert_all(tree.path(), Choice::LocalWq);
    let unit = outcomes[0].unit.as_ref().expect("loaded");
    let conditional: Vec<String> = unit
        .module
        .conditional
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(conditional, ["drivers/foo/foo_a.c", "drivers/foo/foo_b.c"]);
    assert_eq!(unit.module.files.len(), 4);
}
