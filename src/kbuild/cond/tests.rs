//! Conditionals decided when their variables are known, the union of
//! their branches (with a note naming the conditional and what is not
//! known) when they are not.

use super::super::fixture::{evaluate, evaluate_configured};
use super::*;

fn eval(text: &str, command_line: &[(&str, &str)]) -> super::super::fixture::Evaluated {
    evaluate(&[("Makefile", text)], command_line)
}

const CHOICE: &str = "ifeq ($(CONFIG_X),y)\nOBJS := a.o\nelse\nOBJS := b.o\nendif\n";

#[test]
fn ifeq_is_decided_by_a_known_variable() {
    assert_eq!(eval(CHOICE, &[("CONFIG_X", "y")]).get("OBJS"), "a.o");
    assert_eq!(eval(CHOICE, &[("CONFIG_X", "m")]).get("OBJS"), "b.o");
    let set_before = format!("CONFIG_X := y\n{CHOICE}");
    assert_eq!(eval(&set_before, &[]).get("OBJS"), "a.o");
}

#[test]
fn an_unknown_variable_reads_both_and_says_which() {
    let e = eval(CHOICE, &[]);
    assert_eq!(e.get("OBJS"), "a.o b.o");
    assert!(
        e.noted(&[
            "Makefile:1",
            "ifeq ($(CONFIG_X),y)",
            "CONFIG_X is not known",
            "both"
        ]),
        "{:?}",
        e.notes
    );
}

#[test]
fn ifneq_ifdef_ifndef() {
    let text = "ifneq ($(KERNELRELEASE),)\nK := kbuild\nelse\nK := outer\nendif\n\
                ifdef KERNELRELEASE\nD := yes\nendif\nifndef KERNELRELEASE\nN := yes\nendif\n\
                E :=\nifdef E\nDE := yes\nelse\nDE := no\nendif\n";
    let e = eval(text, &[]);
    assert_eq!(
        e.get("K"),
        "kbuild",
        "KERNELRELEASE is set when Kbuild reads"
    );
    assert_eq!(e.get("D"), "yes");
    assert_eq!(e.get("N"), "<unset>");
    assert_eq!(e.get("DE"), "no", "ifdef of an empty variable is false");
    assert!(
        e.notes.iter().all(|n| !n.contains("not decided")),
        "{:?}",
        e.notes
    );
}

#[test]
fn ifdef_of_a_variable_nothing_sets_is_not_known() {
    let e = eval("ifdef DEBUG\nX := d.o\nendif\n", &[]);
    assert_eq!(e.get("X"), "d.o");
    assert!(e.noted(&["Makefile:1", "ifdef DEBUG", "DEBUG is not set before it"]));
}

#[test]
fn nested_and_else_if_chains() {
    let text =
        "ifeq ($(A),1)\n X := one\nelse ifeq ($(A),2)\n X := two\n ifeq ($(B),y)\n  Y := by\n \
                else\n  Y := bn\n endif\nelse\n X := other\nendif\n";
    let e = eval(text, &[("A", "2"), ("B", "n")]);
    assert_eq!(e.get("X"), "two");
    assert_eq!(e.get("Y"), "bn");
    let e = eval(text, &[("A", "1")]);
    assert_eq!(e.get("X"), "one");
    assert_eq!(
        e.get("Y"),
        "<unset>",
        "a nested conditional of a dead branch"
    );
    let e = eval(text, &[("A", "3")]);
    assert_eq!(e.get("X"), "other");
    let e = eval(text, &[("B", "y")]);
    assert_eq!(e.get("X"), "one two other", "A not known: every branch");
    assert_eq!(e.get("Y"), "by");
}

#[test]
fn a_decided_branch_after_an_unknown_one_stays_decided() {
    let text = "ifeq ($(CONFIG_X),y)\nOBJS := x.o\nendif\nV := 1\nifeq ($(V),1)\nOBJS += v.o\n\
                else\nOBJS += w.o\nendif\n";
    let e = eval(text, &[]);
    assert_eq!(e.get("OBJS"), "x.o v.o");
    assert!(!e.get("OBJS").contains("w.o"));
}

#[test]
fn quoted_arguments_and_make_whitespace() {
    let e = eval(
        "T := y # trailing blank\nifeq \"$(T)\" \"y\"\nA := exact\nelse\nA := blank\nendif\n\
         ifeq ($(strip $(T)),y)\nB := stripped\nendif\n",
        &[],
    );
    assert_eq!(
        e.get("A"),
        "blank",
        "make keeps the blank before the comment"
    );
    assert_eq!(e.get("B"), "stripped");
}

#[test]
fn a_shell_condition_is_not_known() {
    let e = eval("ifeq ($(shell uname -m),x86_64)\nA := x.o\nendif\n", &[]);
    assert_eq!(e.get("A"), "x.o");
    assert!(e.noted(&["Makefile:1", "`$(shell uname -m)` is not run"]));
}

#[test]
fn directives_in_a_define_or_a_recipe_are_not_conditionals() {
    let e = eval(
        "define BODY\nifeq (a,b)\nendef\nall:\n\tifeq (a,b)\nX := kept\n",
        &[],
    );
    assert_eq!(e.get("X"), "kept");
    assert!(e.skipped.is_empty(), "{:?}", e.skipped);
}

#[test]
fn lines_of_a_branch_not_taken_are_kept_with_why() {
    let e = eval(CHOICE, &[("CONFIG_X", "m")]);
    assert_eq!(e.skipped, ["Makefile:2: OBJS := a.o"]);
}

#[test]
fn versions_decide_too() {
    let e = eval(
        "ifeq ($(VERSION).$(PATCHLEVEL),6.1)\nA := new.o\nelse\nA := old.o\nendif\n",
        &[],
    );
    assert_eq!(e.get("A"), "new.o");
}

#[test]
fn tests_and_arguments_are_read() {
    assert_eq!(test("ifeq ($(A),y)"), Some((Test::Eq, "($(A),y)")));
    assert_eq!(test("ifneq($(A),)"), Some((Test::Neq, "($(A),)")));
    assert_eq!(test("  ifdef A"), Some((Test::Def, "A")));
    assert_eq!(test("ifeqx (a,b)"), None);
    assert_eq!(test("ifdef_x := 1"), None);
    assert_eq!(arguments("($(A), y)"), Some(("$(A)", "y")));
    assert_eq!(
        arguments("($(filter a,b),$(X))"),
        Some(("$(filter a,b)", "$(X)"))
    );
    assert_eq!(arguments("\"$(A)\" 'y'"), Some(("$(A)", "y")));
    assert_eq!(arguments("($(A) y)"), None);
}

/// qcacld-2.0's Kbuild: a variable set in exclusive branches on a
/// configuration option, then tested.
const HAVE: &str = "ifeq ($(CONFIG_CFG80211),y)\nHAVE := 1\nelse\nHAVE := 0\nendif\n\
                    ifeq ($(HAVE),1)\nOBJS := cfg.o\nendif\n\
                    ifdef CONFIG_PRIVATE\nOBJS += private.o\nendif\n";

#[test]
fn a_value_from_an_undecided_conditional_decides_nothing() {
    // HAVE is `1` or `0`, not `1 0`: the test on it is not false.
    let e = eval(HAVE, &[]);
    assert_eq!(e.get("OBJS"), "cfg.o private.o");
    assert!(
        e.noted(&[
            "Makefile:6",
            "ifeq ($(HAVE),1)",
            "not decided at Makefile:1"
        ]),
        "{:?}",
        e.notes
    );
}

#[test]
fn a_prepared_kernel_configuration_decides_its_options() {
    let configured = |options: &[(&str, &str)]| {
        evaluate_configured(&[("Makefile", HAVE)], &[], Some(options))
            .get("OBJS")
            .to_string()
    };
    // An option the configuration does not set is off, a module's private
    // CONFIG_ name included.
    assert_eq!(configured(&[("CONFIG_CFG80211", "y")]), "cfg.o");
    assert_eq!(configured(&[("CONFIG_CFG80211", "m")]), "<unset>");
    assert_eq!(configured(&[("CONFIG_PRIVATE", "y")]), "private.o");
    // The command line wins over the configuration.
    let e = evaluate_configured(
        &[("Makefile", HAVE)],
        &[("CONFIG_CFG80211", "y")],
        Some(&[("CONFIG_CFG80211", "m")]),
    );
    assert_eq!(e.get("OBJS"), "cfg.o");
}
