//! Review flags and Step 0 rules on the smallest trees that show them:
//! each flag fires where it must, and stays quiet where it must not.

mod common;

use localwq::analysis::{Choice, FlagKind};
use localwq::Outcome;

const MAKEFILE: (&str, &str) = ("drivers/foo/Makefile", "obj-$(CONFIG_FOO) += foo.o\n");

fn outcome(c: &str, choice: Choice) -> Outcome {
    let tree = common::tree(&[MAKEFILE, ("drivers/foo/foo.c", c)]);
    let (_, mut outcomes) = common::convert_all(tree.path(), choice);
    assert_eq!(outcomes.len(), 1, "{}", common::dry_runs(&outcomes));
    outcomes.remove(0)
}

fn kinds(outcome: &Outcome) -> Vec<FlagKind> {
    outcome.flags.iter().map(|f| f.kind).collect()
}

const HEAD: &str = "#include <linux/module.h>\n#include <linux/workqueue.h>\n\n\
    static void foo_fn(struct work_struct *work)\n{\n}\n\
    static DECLARE_WORK(foo_work, foo_fn);\n\n";

const EXIT: &str = "\nstatic void __exit foo_exit(void)\n{\n\tflush_scheduled_work();\n}\n\n\
    module_init(foo_init);\nmodule_exit(foo_exit);\n";

#[test]
fn queueing_in_an_init_declaration_runs_before_the_allocation() {
    let init = "static int __init foo_init(void)\n{\n\tint ret = 0;\n\
        \tbool queued = schedule_work(&foo_work);\n\n\treturn ret;\n}\n";
    let found = outcome(&format!("{HEAD}{init}{EXIT}"), Choice::LocalWq);
    assert!(
        kinds(&found).contains(&FlagKind::BeforeAlloc),
        "{:?}",
        found.flags
    );
}

#[test]
fn queueing_as_init_s_first_statement_follows_the_allocation() {
    let init = "static int __init foo_init(void)\n{\n\tschedule_work(&foo_work);\n\treturn 0;\n}\n";
    let found = outcome(&format!("{HEAD}{init}{EXIT}"), Choice::LocalWq);
    assert!(
        !kinds(&found).contains(&FlagKind::BeforeAlloc),
        "{:?}",
        found.flags
    );
    let diff = common::dry_runs(std::slice::from_ref(&found));
    let alloc = diff.find("+\tfoo_wq = alloc_workqueue").expect(&diff);
    let queue = diff.find("queue_work(foo_wq, &foo_work)").expect(&diff);
    assert!(alloc < queue, "{diff}");
}
