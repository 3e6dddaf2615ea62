//! A flush waits for one item in every element of a file-scope array of
//! per-instance structs (testdata/item_array) only when those elements
//! are all the instances there are, each initialised at the top of init,
//! and the flush's function leaves the loop index free.

mod common;

use localwq::analysis::{Choice, Strategy};

const MAKEFILE: (&str, &str) = ("drivers/foo/Makefile", "obj-$(CONFIG_FOO) += foo.o\n");
const FIXTURE: &str = "drivers/foo/foo.c";

/// The fixture's foo.c with `edit` applied (a (from, to) replacement).
fn strategy(edit: (&str, &str)) -> Strategy {
    let original = std::fs::read_to_string(common::testdata().join("item_array").join(FIXTURE))
        .expect("fixture");
    assert!(original.contains(edit.0), "{}", edit.0);
    let source = original.replacen(edit.0, edit.1, 1);
    let tree = common::tree(&[MAKEFILE, (FIXTURE, &source)]);
    let (_, outcomes) = common::convert_all(tree.path(), Choice::Auto);
    let conversion = outcomes[0].decision.conversion().expect("converted");
    conversion.strategy.clone()
}

fn local_wq_because(edit: (&str, &str), reason: &str) {
    match strategy(edit) {
        Strategy::LocalWq { why } => assert!(why.contains(reason), "{why}"),
        other => panic!("local-wq expected: {other:?}"),
    }
}

#[test]
fn every_element_initialised_in_init_is_flushed_in_a_loop() {
    match strategy(("", "")) {
        Strategy::FlushWork(replacements) => {
            assert_eq!(
                replacements[0].calls,
                ["flush_work(&foo_ports[i].event_work)"]
            );
            assert_eq!(
                replacements[0].code(),
                ["for (i = 0; i < ARRAY_SIZE(foo_ports); i++)\n\tflush_work(&foo_ports[i].event_work)"]
            );
        }
        other => panic!("flush-work expected: {other:?}"),
    }
}

#[test]
fn an_instance_allocated_elsewhere_is_no_element() {
    let allocating = "static void foo_spare(void)\n{\n\tstruct foo_port *spare = \
                      kzalloc(sizeof(*spare), GFP_KERNEL);\n\n\tschedule_work(&spare->event_work);\n}\n\n\
                      static int __init foo_init(void)";
    local_wq_because(
        ("static int __init foo_init(void)", allocating),
        "allocates a struct foo_port",
    );
}

#[test]
fn items_initialised_behind_a_condition_are_not_every_element() {
    local_wq_because(
        ("\tfor (n = 0; n < ARRAY_SIZE(foo_ports); n++) {\n\t\tfoo_ports[n].irq", "\tif (foo_ports[0].irq)\n\tfor (n = 0; n < ARRAY_SIZE(foo_ports); n++) {\n\t\tfoo_ports[n].irq"),
        "does not initialise .event_work of every element of foo_ports",
    );
}

#[test]
fn a_function_using_the_index_name_keeps_the_system_flush() {
    local_wq_because(
        ("unsigned int port;", "unsigned int port, i;"),
        "already uses `i`",
    );
}
