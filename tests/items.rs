//! Which work items a flush can name: a file-scope pointer set once in
//! init is one (testdata/item_file_pointer); set anywhere else, it may
//! point at several.

mod common;

use localwq::analysis::{Choice, Strategy};

const MAKEFILE: (&str, &str) = ("drivers/foo/Makefile", "obj-$(CONFIG_FOO) += foo.o\n");

/// foo queues through the file-scope pointer `foo_wk`, which `set_in_kick`
/// also assigns in `foo_kick()` when true.
fn foo_c(set_in_kick: bool) -> String {
    let again = if set_in_kick {
        "\tfoo_wk = foo_next;\n"
    } else {
        ""
    };
    format!(
        "#include <linux/module.h>\n#include <linux/workqueue.h>\n\n\
         static struct work_struct *foo_wk;\nstatic struct work_struct *foo_next;\n\n\
         void foo_kick(void)\n{{\n{again}\tschedule_work(foo_wk);\n}}\n\n\
         static int __init foo_init(void)\n{{\n\tfoo_wk = foo_alloc();\n\treturn 0;\n}}\n\n\
         static void __exit foo_exit(void)\n{{\n\tflush_scheduled_work();\n}}\n\n\
         module_init(foo_init);\nmodule_exit(foo_exit);\n"
    )
}

fn strategy(set_in_kick: bool) -> Strategy {
    let source = foo_c(set_in_kick);
    let tree = common::tree(&[MAKEFILE, ("drivers/foo/foo.c", &source)]);
    let (_, outcomes) = common::convert_all(tree.path(), Choice::Auto);
    let conversion = outcomes[0].decision.conversion().expect("converted");
    conversion.strategy.clone()
}

#[test]
fn a_pointer_set_once_in_init_is_flushed_through() {
    match strategy(false) {
        Strategy::FlushWork(replacements) => {
            assert_eq!(replacements[0].calls, ["flush_work(foo_wk)"]);
        }
        other => panic!("flush-work expected: {other:?}"),
    }
}

#[test]
fn a_pointer_set_again_outside_init_is_no_one_item() {
    match strategy(true) {
        Strategy::LocalWq { why } => assert!(why.contains("not set once"), "{why}"),
        other => panic!("local-wq expected: {other:?}"),
    }
}

#[test]
fn elements_of_a_member_array_are_reached_but_not_named() {
    // The flush's function holds the device, whose pipes[] holds every
    // item: the reason says so, and that each element's item would have
    // to be known initialised for a loop of flushes.
    let source = "#include <linux/module.h>\n#include <linux/workqueue.h>\n\n\
         struct foo_pipe { struct work_struct work; };\n\
         struct foo_dev { struct foo_pipe pipes[4]; };\n\n\
         static void foo_complete(struct foo_pipe *pipe)\n{\n\tschedule_work(&pipe->work);\n}\n\n\
         static void foo_flush_all(struct foo_dev *dev)\n{\n\tflush_scheduled_work();\n}\n\n\
         static int __init foo_init(void)\n{\n\treturn 0;\n}\n\n\
         static void __exit foo_exit(void)\n{\n}\n\n\
         module_init(foo_init);\nmodule_exit(foo_exit);\n";
    let tree = common::tree(&[MAKEFILE, ("drivers/foo/foo.c", source)]);
    let (_, outcomes) = common::convert_all(tree.path(), Choice::Auto);
    let conversion = outcomes[0].decision.conversion().expect("converted");
    match &conversion.strategy {
        Strategy::LocalWq { why } => assert!(
            why.contains("only as the elements of dev->pipes[], a member array")
                && why.contains("each element's work initialised"),
            "{why}"
        ),
        other => panic!("local-wq expected: {other:?}"),
    }
}

#[test]
fn a_wait_on_the_item_elsewhere_is_said_but_decides_nothing() {
    // foo_release() cancels the device's work; the flush in exit still
    // waits for it (nothing before the flush does), and the wait model
    // says where else the module waits. bar_dev's work of the same member
    // name is another struct's: not counted.
    let source = "#include <linux/module.h>\n#include <linux/workqueue.h>\n\n\
         struct foo_dev { struct work_struct work; };\n\
         struct bar_dev { struct work_struct work; };\n\n\
         static void foo_kick(struct foo_dev *dev)\n{\n\tschedule_work(&dev->work);\n}\n\n\
         static void foo_release(struct foo_dev *foo)\n{\n\tcancel_work_sync(&foo->work);\n}\n\n\
         static void bar_release(struct bar_dev *bar)\n{\n\tcancel_work_sync(&bar->work);\n}\n\n\
         static int __init foo_init(void)\n{\n\treturn 0;\n}\n\n\
         static void __exit foo_exit(void)\n{\n\tflush_scheduled_work();\n}\n\n\
         module_init(foo_init);\nmodule_exit(foo_exit);\n";
    let tree = common::tree(&[MAKEFILE, ("drivers/foo/foo.c", source)]);
    let (_, outcomes) = common::convert_all(tree.path(), Choice::Auto);
    let wait = &outcomes[0].waits[0].entries[0];
    assert_eq!(wait.waited, None);
    assert_eq!(
        wait.elsewhere,
        ["cancel_work_sync() at drivers/foo/foo.c:14 in foo_release()"]
    );
}
