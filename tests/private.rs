//! Flushes behind a module's own macros and inlines: a site at each use,
//! rewritten where it is defined when only the module sees it, flagged
//! when other code includes its header; and a flush localwq sees in the
//! text but cannot read is a finding, never "flushes nothing".

mod common;

use localwq::analysis::{Choice, FlagKind};
use localwq::refusal::RefusalKind;
use localwq::Outcome;

const MAKEFILE: (&str, &str) = ("drivers/foo/Makefile", "obj-$(CONFIG_FOO) += foo.o\n");

/// A module foo whose exit calls `FOO_SYNC()`, defined in `foo.h` as
/// `flush`, and that queues `foo_work`.
const FOO_C: &str = "#include <linux/module.h>\n#include <linux/workqueue.h>\n\
    #include \"foo.h\"\n\n\
    static void foo_fn(struct work_struct *work)\n{\n}\n\
    static DECLARE_WORK(foo_work, foo_fn);\n\n\
    void foo_kick(void)\n{\n\tschedule_work(&foo_work);\n}\n\n\
    static int __init foo_init(void)\n{\n\treturn 0;\n}\n\n\
    static void __exit foo_exit(void)\n{\n\tFOO_SYNC();\n}\n\n\
    module_init(foo_init);\nmodule_exit(foo_exit);\n";

const FOO_H: &str = "#ifndef _FOO_H\n#define _FOO_H\n\
    #define FOO_SYNC() flush_scheduled_work()\n#endif\n";

fn foo(outcomes: Vec<Outcome>) -> Outcome {
    let mut found: Vec<Outcome> = outcomes
        .into_iter()
        .filter(|o| o.module.name == "foo")
        .collect();
    assert_eq!(found.len(), 1, "foo is selected once");
    found.remove(0)
}

fn outcomes(files: &[(&str, &str)]) -> Vec<Outcome> {
    let tree = common::tree(files);
    common::convert_all(tree.path(), Choice::LocalWq).1
}

#[test]
fn a_flush_in_a_private_macro_is_rewritten_where_it_is_defined() {
    let found = foo(outcomes(&[
        MAKEFILE,
        ("drivers/foo/foo.c", FOO_C),
        ("drivers/foo/foo.h", FOO_H),
    ]));
    let header = found
        .changes
        .iter()
        .find(|c| c.path.ends_with("foo.h"))
        .expect("foo.h is changed");
    let after = String::from_utf8_lossy(&header.after);
    assert!(
        after.contains("#define FOO_SYNC() flush_workqueue(foo_wq)"),
        "{after}"
    );
}

#[test]
fn a_flush_in_a_macro_of_a_header_other_code_includes_is_flagged() {
    let bar = "#include \"../foo/foo.h\"\n\nvoid bar(void)\n{\n\tFOO_SYNC();\n}\n";
    let found = foo(outcomes(&[
        MAKEFILE,
        ("drivers/foo/foo.c", FOO_C),
        ("drivers/foo/foo.h", FOO_H),
        ("drivers/bar/Makefile", "obj-m += bar.o\n"),
        ("drivers/bar/bar.c", bar),
    ]));
    let flag = found
        .flags
        .iter()
        .find(|f| f.kind == FlagKind::SharedHeader)
        .unwrap_or_else(|| panic!("no shared-header flag: {:?}", found.flags));
    assert_eq!(
        (flag.file.to_str(), flag.line),
        (Some("drivers/foo/foo.h"), 3)
    );
    assert!(found.changes.iter().all(|c| !c.path.ends_with("foo.h")));
}

#[test]
fn a_flush_no_site_was_made_of_refuses_the_module_naming_it() {
    let foo_c = FOO_C
        .replace("#include \"foo.h\"\n", "")
        .replace(
            "static void __exit",
            "static void (*foo_sync)(void) = flush_scheduled_work;\n\nstatic void __exit",
        )
        .replace("FOO_SYNC()", "foo_sync()");
    let found = foo(outcomes(&[MAKEFILE, ("drivers/foo/foo.c", &foo_c)]));
    let refusal = found.decision.refusal().expect("refused");
    assert_eq!(refusal.kind, RefusalKind::FlushesUnrewritable);
    let flag = found
        .flags
        .iter()
        .find(|f| f.kind == FlagKind::UnseenFlush)
        .unwrap_or_else(|| panic!("no unseen-flush flag: {:?}", found.flags));
    assert_eq!(
        (flag.file.to_str(), flag.line),
        (Some("drivers/foo/foo.c"), 19)
    );
}

#[test]
fn a_flush_in_a_comment_is_no_finding() {
    let foo_c = FOO_C
        .replace(
            "#include \"foo.h\"\n",
            "/* no flush_scheduled_work() here */\n",
        )
        .replace("\tFOO_SYNC();\n", "");
    let found = outcomes(&[MAKEFILE, ("drivers/foo/foo.c", &foo_c)]);
    assert!(found
        .iter()
        .all(|o| o.module.name != "foo" || o.flags.is_empty()));
}

#[test]
fn a_file_no_makefile_builds_is_no_orphan_for_a_header_it_includes() {
    let stray = "#include \"foo.h\"\n\nvoid foo_tool(void)\n{\n\tFOO_SYNC();\n}\n";
    let tree = common::tree(&[
        MAKEFILE,
        ("drivers/foo/foo.c", FOO_C),
        ("drivers/foo/foo.h", FOO_H),
        ("drivers/foo/foo_tool.c", stray),
    ]);
    let session = localwq::Session::open(tree.path()).unwrap();
    let selection = session.select(&[]).unwrap();
    assert!(selection.orphans.is_empty(), "{:?}", selection.orphans);
    let names: Vec<&str> = selection.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["foo"]);
}
