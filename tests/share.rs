//! Patches across modules: whatever part of a group is selected, the
//! patch holds every module the shared workqueue concerns, and a module
//! the patch would silently change is a refusal.

mod common;

use localwq::analysis::Verdict;
use localwq::refusal::RefusalKind;
use localwq::Session;
use std::path::{Path, PathBuf};

/// The outcomes for `paths` of the fixture `case` (a copy of it, with
/// `extra` files written), converted and grouped as the CLI does.
fn convert(case: &str, extra: &[(&str, &str)], paths: &[&str]) -> Vec<localwq::Outcome> {
    let copy = common::copy_case(case);
    for (path, text) in extra {
        std::fs::write(copy.path().join(path), text).unwrap();
    }
    let session = Session::open(copy.path()).unwrap();
    let paths: Vec<PathBuf> = paths.iter().map(|p| copy.path().join(p)).collect();
    let modules = session.select(&paths).unwrap().modules;
    session.convert_all(&modules)
}

fn changed(outcomes: &[localwq::Outcome]) -> Vec<&Path> {
    outcomes
        .iter()
        .flat_map(|o| &o.changes)
        .map(|c| c.path.as_path())
        .collect()
}

#[test]
fn one_selected_caller_brings_every_caller_of_the_provider() {
    let outcomes = convert("provider_patch", &[], &["drivers/foo/foo_ecc.c"]);
    let files = changed(&outcomes);
    for file in ["foo_ecc.c", "foo_sha.c", "foo_lib.c", "foo_lib.h"] {
        let path = PathBuf::from("drivers/foo").join(file);
        assert!(files.contains(&path.as_path()), "{file} in {files:?}");
    }
    let owners: Vec<&str> = outcomes
        .iter()
        .filter(|o| !o.changes.is_empty())
        .map(|o| o.module.name.as_str())
        .collect();
    assert_eq!(owners, ["foo_lib"], "one patch, the provider's");
}

#[test]
fn one_selected_member_brings_the_whole_family() {
    let outcomes = convert("family", &[], &["drivers/foo/tcp.c"]);
    let files = changed(&outcomes);
    for file in ["core.c", "cfg.c", "foo.h", "tcp.c", "rdma.c", "loop.c"] {
        let path = PathBuf::from("drivers/foo").join(file);
        assert!(files.contains(&path.as_path()), "{file} in {files:?}");
    }
}

#[test]
fn a_caller_that_also_queues_its_own_work_stops_the_provider_patch() {
    // foo_mix hands work to the provider and queues its own on system_wq:
    // its flush waits for both, and a provider workqueue would leave it
    // waiting for only one.
    let mix = "#include <linux/module.h>\n#include <linux/workqueue.h>\n\
               #include \"foo_lib.h\"\n\n\
               static struct foo_work_data foo_mix_data;\n\
               static struct work_struct foo_mix_work;\n\n\
               static void foo_mix_done(struct foo_work_data *data, int status)\n{\n}\n\n\
               static int __init foo_mix_init(void)\n{\n\
               \tschedule_work(&foo_mix_work);\n\
               \tfoo_lib_enqueue(&foo_mix_data, foo_mix_done);\n\treturn 0;\n}\n\n\
               static void __exit foo_mix_exit(void)\n{\n\tflush_scheduled_work();\n}\n\n\
               module_init(foo_mix_init);\nmodule_exit(foo_mix_exit);\n";
    let makefile = "obj-$(CONFIG_FOO) += foo_lib.o\nobj-$(CONFIG_FOO) += foo_ecc.o\n\
                    obj-$(CONFIG_FOO) += foo_sha.o\nobj-$(CONFIG_FOO) += foo_mix.o\n";
    let outcomes = convert(
        "provider_patch",
        &[
            ("drivers/foo/foo_mix.c", mix),
            ("drivers/foo/Makefile", makefile),
        ],
        &["drivers/foo/foo_ecc.c"],
    );
    let ecc = outcomes
        .iter()
        .find(|o| o.module.name == "foo_ecc")
        .expect("selected");
    assert_eq!(ecc.verdict(), Verdict::Refused);
    let refusal = ecc.decision.refusal().expect("refused");
    assert_eq!(refusal.kind, RefusalKind::SharedLayout, "{refusal}");
    assert!(refusal.detail.contains("foo_mix"), "{refusal}");
    assert!(changed(&outcomes).is_empty(), "{:?}", changed(&outcomes));
}

#[test]
fn the_provider_entry_is_judged_as_a_local_workqueue_entry() {
    // A provider with an init and no exit: its workqueue is never
    // destroyed, which review must see, as for any local workqueue.
    let lib = std::fs::read_to_string(
        common::testdata().join("provider_patch/drivers/foo/foo_lib.c"),
    )
    .unwrap()
    .replace(
        "MODULE_DESCRIPTION",
        "static int __init foo_lib_init(void)\n{\n\treturn 0;\n}\nmodule_init(foo_lib_init);\n\n\
         MODULE_DESCRIPTION",
    );
    let outcomes = convert("provider_patch", &[("drivers/foo/foo_lib.c", &lib)], &[]);
    let owner = outcomes
        .iter()
        .find(|o| o.module.name == "foo_lib")
        .expect("the provider's patch");
    assert!(!owner.changes.is_empty());
    assert!(
        owner
            .flags
            .iter()
            .any(|f| f.kind == localwq::analysis::FlagKind::NoExit),
        "{:?}",
        owner.flags
    );
    assert_eq!(owner.verdict(), Verdict::NeedsReview);
}
