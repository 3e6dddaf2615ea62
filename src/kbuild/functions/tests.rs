//! Each make function as Kbuild files use it, through make's reading of
//! a Makefile: what it gives, what it must not match, and what stays
//! unknown (and is said).

use super::super::fixture::{evaluate, Evaluated};

fn makefile(text: &str) -> Evaluated {
    evaluate(&[("Makefile", text)], &[])
}

#[test]
fn addprefix_and_addsuffix_join_text() {
    let e = makefile(
        "OBJS := a.o b.o\nX := $(addprefix src/,$(OBJS))\nY := $(addsuffix .o,a b)\n\
         Z := $(addprefix src/,$(UNSET))\n",
    );
    assert_eq!(e.get("X"), "src/a.o src/b.o");
    assert_eq!(e.get("Y"), "a.o b.o");
    assert_eq!(e.get("Z"), "src/$(UNSET)", "an unknown word stays visible");
    assert!(e.noted(&["Makefile:4", "UNSET is not set"]));
}

#[test]
fn patsubst_and_substitution_references() {
    let e = makefile(
        "SRCS := a.c sub/b.c c.h\nP := $(patsubst %.c,%.o,$(SRCS))\nQ := $(SRCS:.c=.o)\n\
         R := $(SRCS:%.c=obj/%.o)\nS := $(patsubst sub/%,%,$(SRCS))\n\
         U := $(patsubst %.c,%.o,a.c $(NOPE))\n",
    );
    assert_eq!(e.get("P"), "a.o sub/b.o c.h", "c.h must not match %.c");
    assert_eq!(e.get("Q"), "a.o sub/b.o c.h");
    assert_eq!(e.get("R"), "obj/a.o obj/sub/b.o c.h");
    assert_eq!(e.get("S"), "a.c b.c c.h");
    assert_eq!(e.get("U"), "a.o $(patsubst %.c,%.o,$(NOPE))");
}

#[test]
fn strip_sort_and_word_functions() {
    let e = makefile(
        "L :=  b.o   a.o b.o \nS := $(strip $(L))\nO := $(sort $(L))\nN := $(words $(L))\n\
         F := $(firstword $(L))\nW := $(word 2,$(L))\nW9 := $(word 9,$(L))\n\
         WL := $(wordlist 2,3,$(L))\nLW := $(lastword $(L))\nNU := $(words a $(NOPE))\n",
    );
    assert_eq!(e.get("S"), "b.o a.o b.o");
    assert_eq!(e.get("O"), "a.o b.o");
    assert_eq!(e.get("N"), "3");
    assert_eq!(e.get("F"), "b.o");
    assert_eq!(e.get("W"), "a.o");
    assert_eq!(e.get("W9"), "");
    assert_eq!(e.get("WL"), "a.o b.o");
    assert_eq!(e.get("LW"), "b.o");
    assert_eq!(
        e.get("NU"),
        "$(words a $(NOPE))",
        "a count of unknown words is unknown"
    );
}

#[test]
fn file_name_functions() {
    let e = makefile(
        "L := src/a.c b.h dir/ x.tar.gz\nN := $(notdir $(L))\nD := $(dir $(L))\n\
         B := $(basename $(L))\nS := $(suffix $(L))\nJ := $(join a b,.c .h)\n",
    );
    assert_eq!(e.get("N"), "a.c b.h x.tar.gz");
    assert_eq!(e.get("D"), "src/ ./ dir/ ./");
    assert_eq!(e.get("B"), "src/a b dir/ x.tar");
    assert_eq!(e.get("S"), ".c .h .gz");
    assert_eq!(e.get("J"), "a.c b.h");
}

#[test]
fn filter_and_filter_out() {
    let e = makefile(
        "L := a.o b.c c.o d.S\nF := $(filter %.o %.S,$(L))\nO := $(filter-out %.o,$(L))\n\
         X := $(filter a.o,aa.o a.o.o)\nU := $(filter %.o,a.o $(NOPE))\n",
    );
    assert_eq!(e.get("F"), "a.o c.o d.S");
    assert_eq!(e.get("O"), "b.c d.S");
    assert_eq!(
        e.get("X"),
        "",
        "a pattern without % matches whole words only"
    );
    assert_eq!(e.get("U"), "a.o $(filter %.o,$(NOPE))");
}

#[test]
fn subst_findstring_if_or_and() {
    let e = makefile(
        "S := $(subst .c,.o,a.c b.c)\nFS := $(findstring b,abc)\nFN := $(findstring z,abc)\n\
         Y := y\nI := $(if $(Y),yes.o,no.o)\nN := $(if $(EMPTY_BUT_SET),yes.o,no.o)\n\
         EMPTY_BUT_SET :=\nN2 := $(if $(EMPTY_BUT_SET),yes.o,no.o)\n\
         O := $(or ,,b)\nA := $(and a,,c)\nA2 := $(and a,c)\nOU := $(or $(NOPE),dflt)\n",
    );
    assert_eq!(e.get("S"), "a.o b.o");
    assert_eq!(e.get("FS"), "b");
    assert_eq!(e.get("FN"), "");
    assert_eq!(e.get("I"), "yes.o");
    assert_eq!(e.get("N"), "yes.o no.o", "not set yet: both read");
    assert!(e.noted(&["Makefile:6", "$(if $(EMPTY_BUT_SET)", "not decided"]));
    assert_eq!(e.get("N2"), "no.o");
    assert_eq!(e.get("O"), "b");
    assert_eq!(e.get("OU"), "$(NOPE) dflt", "either may be it");
    assert!(e.noted(&["`$(or $(NOPE),dflt)` is not decided", "NOPE is not known"]));
    assert_eq!(e.get("A"), "");
    assert_eq!(e.get("A2"), "c");
}

#[test]
fn foreach_call_eval_and_value() {
    let e = makefile(
        "DIRS := a b\nF := $(foreach d,$(DIRS),$(d)/x.o)\n\
         pair = $(1)-$(2).o\nC := $(call pair,p,q)\n\
         $(foreach n,one two,$(eval $(n)-y := $(n).o))\nV := $(value pair)\n",
    );
    assert_eq!(e.get("F"), "a/x.o b/x.o");
    assert_eq!(e.get("d"), "<unset>", "the loop variable is restored");
    assert_eq!(e.get("C"), "p-q.o");
    assert_eq!(e.get("one-y"), "one.o");
    assert_eq!(e.get("two-y"), "two.o");
    assert_eq!(e.get("V"), "$(1)-$(2).o");
}

#[test]
fn wildcard_reads_the_files_on_disk() {
    let e = evaluate(
        &[
            (
                "drv/Makefile",
                "W := $(wildcard *.c)\nS := $(wildcard $(src)/sub/*.c)\n\
              N := $(wildcard *.h)\nO := $(patsubst %.c,%.o,$(notdir $(S)))\n",
            ),
            ("drv/b.c", ""),
            ("drv/a.c", ""),
            ("drv/.hidden.c", ""),
            ("drv/sub/c.c", ""),
            ("drv/sub/c.h", ""),
        ],
        &[],
    );
    assert_eq!(e.get("W"), "a.c b.c");
    assert_eq!(e.get("S"), "drv/sub/c.c", "$(src) is spelt from the root");
    assert_eq!(e.get("N"), "");
    assert_eq!(e.get("O"), "c.o");
}

#[test]
fn shell_and_unknown_functions_are_said_not_guessed() {
    let e = makefile(
        "S := $(shell ls *.c)\nR != uname -r\nO := $(origin CC)\nX := $(frobnicate a b)\n",
    );
    assert_eq!(e.get("S"), "$(shell ls *.c)");
    assert!(e.noted(&["Makefile:1", "`$(shell ls *.c)` is not run"]));
    assert_eq!(e.get("R"), "$(shell uname -r)");
    assert!(e.noted(&["Makefile:2", "runs a shell command"]));
    assert!(
        !e.noted(&["Makefile:2", "is not run"]),
        "said once: {:?}",
        e.notes
    );
    assert!(e.noted(&["Makefile:3", "does not evaluate make's origin"]));
    assert!(e.noted(&["Makefile:4", "no frobnicate function"]));
}

#[test]
fn flavours_of_assignment() {
    let e = makefile(
        "A = $(B)\nS := $(B)\nB := late\nP := x\nP += y\nR = r\nR += $(B)\nQ ?= first\n\
         Q ?= second\ndefine LIST\na.o\nb.o\nendef\nL := $(LIST)\nT := y # comment\n",
    );
    assert_eq!(e.get("A"), "late", "= expands when used");
    assert_eq!(e.get("S"), "$(B)", ":= expanded before B was set");
    assert_eq!(e.get("P"), "x y");
    assert_eq!(e.get("R"), "r late", "+= keeps the recursive flavour");
    assert_eq!(e.get("Q"), "first");
    assert_eq!(e.get("L"), "a.o\nb.o");
    assert_eq!(e.get("T"), "y ", "make keeps the blank before a comment");
}

#[test]
fn the_command_line_wins_unless_overridden() {
    let e = evaluate(
        &[(
            "Makefile",
            "NAME := file\nNAME += more\nFORCED := file\noverride FORCED := mine\n",
        )],
        &[("NAME", "cmd"), ("FORCED", "cmd")],
    );
    assert_eq!(e.get("NAME"), "cmd");
    assert_eq!(e.get("FORCED"), "mine");
}

#[test]
fn includes_beside_the_makefile_or_from_src() {
    let e = evaluate(
        &[
            (
                "m/Makefile",
                "include objs.mk\n-include $(src)/more.Kbuild\n-include none.mk\n\
              include $(KDIR)/x.mk\nsinclude /etc/abs.mk\n",
            ),
            ("m/objs.mk", "OBJS := a.o\n"),
            ("m/more.Kbuild", "OBJS += b.o\n"),
        ],
        &[],
    );
    assert_eq!(e.get("OBJS"), "a.o b.o");
    assert!(e.noted(&["m/Makefile:3", "none.mk", "no such file"]));
    assert!(e.noted(&["m/Makefile:4", "is not read", "KDIR is not known"]));
    assert!(e.noted(&["m/Makefile:5", "outside the tree"]));
}

#[test]
fn includes_of_themselves_stop() {
    let e = makefile("X += a\ninclude Makefile\n");
    assert!(e.noted(&["too"]), "{:?}", e.notes);
}

#[test]
fn foreach_eval_include() {
    let e = evaluate(
        &[
            (
                "Makefile",
                "PARTS := a.mk b.mk\n$(foreach f,$(PARTS),$(eval include $(f)))\n",
            ),
            ("a.mk", "OBJS += a.o\n"),
            ("b.mk", "OBJS += b.o\n"),
        ],
        &[],
    );
    assert_eq!(e.get("OBJS"), "a.o b.o");
}

#[test]
fn hostile_nesting_is_cut_not_crashed_on() {
    let deep = format!("X := {}a{}\n", "$(a".repeat(20_000), ")".repeat(20_000));
    let e = makefile(&deep);
    assert!(
        e.noted(&["nest too deep"]),
        "{:?}",
        &e.notes[..e.notes.len().min(3)]
    );
    let conds = "ifeq ($(U),y)\n".repeat(2000) + &"endif\n".repeat(2000);
    assert_eq!(makefile(&(conds + "Y := 1\n")).get("Y"), "1");
}
