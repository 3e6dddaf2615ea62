//! The Kbuild view of a Makefile: object lists, composites, where an
//! unknown word comes from, and why a file is in no module.

use super::super::dkms::command_line;
use super::super::fixture::kbuild;
use super::*;

fn texts(words: Vec<&Word>) -> Vec<&str> {
    words.iter().map(|w| w.text.as_str()).collect()
}

fn list<'v>(vars: &'v Vars, cond: &str) -> Vec<&'v str> {
    let lists = vars.object_lists();
    let (_, words) = lists.iter().find(|(c, _)| *c == cond).expect("the list");
    words.iter().map(|w| w.text.as_str()).collect()
}

#[test]
fn expands_composites_and_variables() {
    let vars = kbuild(
        &[(
            "Makefile",
            "obj-$(CONFIG_FOO) += foo.o\ngt-y += gt/a.o \\\n\tgt/b.o\nfoo-y := main.o $(gt-y)\n\
             foo-$(CONFIG_FOO_DEBUG) += debug.o # comment\n",
        )],
        &[],
    );
    assert_eq!(
        texts(vars.composite_members("foo")),
        ["debug.o", "main.o", "gt/a.o", "gt/b.o"]
    );
    assert_eq!(list(&vars, "$(CONFIG_FOO)"), ["foo.o"]);
}

#[test]
fn conditional_names_count_and_unknown_variables_stay_visible() {
    let vars = kbuild(
        &[(
            "Makefile",
            "obj-m += foo.o\nfoo-extra-$(CONFIG_FOO_X) += x.o\n\
             foo-y := main.o $(foo-extra-y) $(FOO_FROM_ELSEWHERE)\n",
        )],
        &[],
    );
    let members = vars.composite_members("foo");
    assert_eq!(
        texts(members.clone()),
        ["main.o", "x.o", "$(FOO_FROM_ELSEWHERE)"]
    );
    assert_eq!(vars.place(members[2]).line, 3, "where the unknown is");
}

#[test]
fn variables_inside_words_and_names_expand() {
    let vars = kbuild(
        &[(
            "Makefile",
            "MODNAME := wlan\nHDD_DIR := CORE/HDD\nHDD_SRC_DIR := $(HDD_DIR)/src\n\
             HDD_OBJS := $(HDD_SRC_DIR)/a.o \\\n\t$(HDD_SRC_DIR)/b.o\nOBJS := $(HDD_OBJS) \
             $(OTHER_DIR)/c.o\nobj-$(CONFIG_WLAN) += $(MODNAME).o\n$(MODNAME)-y := $(OBJS)\n",
        )],
        &[],
    );
    assert_eq!(list(&vars, "$(CONFIG_WLAN)"), ["wlan.o"]);
    let members = vars.composite_members("wlan");
    assert_eq!(
        texts(members.clone()),
        ["CORE/HDD/src/a.o", "CORE/HDD/src/b.o", "$(OTHER_DIR)/c.o"]
    );
    assert_eq!(
        vars.place(members[2]).line,
        6,
        "the OBJS line names OTHER_DIR"
    );
}

#[test]
fn the_command_line_wins_over_the_makefile() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dkms.conf"),
        "PACKAGE_NAME=\"x\"\nMAKE[0]=\"make -C ${kernel_source_dir} M=${dkms_tree}/x \
         modules MODNAME=vendorwlan CONFIG_WLAN=m\"\n",
    )
    .unwrap();
    let set = command_line(dir.path());
    assert_eq!(
        set.get("MODNAME").map(Vec::as_slice),
        Some(&["vendorwlan".to_string()][..])
    );
    assert!(!set.contains_key("M"), "a DKMS variable is not known");
    let vars = kbuild(
        &[(
            "Makefile",
            "MODNAME := wlan\nobj-$(CONFIG_WLAN) += $(MODNAME).o\n",
        )],
        &[("MODNAME", "vendorwlan"), ("CONFIG_WLAN", "m")],
    );
    assert_eq!(list(&vars, "m"), ["vendorwlan.o"]);
}

#[test]
fn substitution_references_in_names() {
    let text = "obj-$(CONFIG_NVRAM:m=y) += nvram.o\n";
    let vars = kbuild(&[("Makefile", text)], &[]);
    assert_eq!(list(&vars, "$(CONFIG_NVRAM:m=y)"), ["nvram.o"]);
    let vars = kbuild(&[("Makefile", text)], &[("CONFIG_NVRAM", "m")]);
    assert_eq!(list(&vars, "y"), ["nvram.o"]);
}

#[test]
fn lists_never_built_are_not_lists() {
    let vars = kbuild(
        &[("Makefile", "obj-$(CONFIG_A) += a.o\nobj-y += b.o\n")],
        &[("CONFIG_A", "n")],
    );
    let conds: Vec<&str> = vars.object_lists().iter().map(|(c, _)| *c).collect();
    assert_eq!(conds, ["y"]);
}

#[test]
fn undecided_notes_follow_the_words_they_shaped() {
    let vars = kbuild(
        &[(
            "Makefile",
            "obj-m += a.o\nifeq ($(CONFIG_X),y)\nobj-m += b.o\nendif\na-y := a1.o\n",
        )],
        &[],
    );
    let lists = vars.object_lists();
    let words = lists[0].1;
    let a = vars.notes_of([&words[0]], NoteKind::Undecided);
    let b = vars.notes_of([&words[1]], NoteKind::Undecided);
    assert!(a.is_empty(), "{a:?}");
    assert_eq!(
        b,
        [
            "Makefile:2: `ifeq ($(CONFIG_X),y)` is not decided (CONFIG_X is not known): \
          both branches are read"
        ]
    );
}

#[test]
fn why_a_file_is_unbuilt() {
    let vars = kbuild(
        &[(
            "Makefile",
            "ifeq ($(CONFIG_X),y)\nobj-m += gone.o\nendif\nobj-m += $(shell ls)\n\
             include $(KDIR)/rules.mk\n",
        )],
        &[("CONFIG_X", "n")],
    );
    let why = vars.why_unbuilt("gone.o");
    let dead = &why.dead_branches;
    assert!(
        dead[0].starts_with("Makefile:2 mentions gone.o only in a branch"),
        "{dead:?}"
    );
    assert!(dead[0].contains("CONFIG_X is `n`"), "{dead:?}");
    let unknowns = &why.unknowns;
    assert!(
        unknowns
            .iter()
            .any(|s| s.contains("`$(shell ls)` is not run")),
        "{unknowns:?}"
    );
    assert!(
        unknowns.iter().any(|s| s.contains("KDIR is not known")),
        "{unknowns:?}"
    );
    assert!(vars.why_unbuilt("one.o").dead_branches.is_empty());
}

#[test]
fn mentions_are_whole_names() {
    assert!(mentions("obj-m += src/b.o", "b.o"));
    assert!(mentions("$(addprefix src/,b.o c.o)", "b.o"));
    assert!(!mentions("obj-m += ab.o", "b.o"));
    assert!(!mentions("obj-m += b.o.o", "b.o"));
}
