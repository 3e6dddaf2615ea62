use super::*;

const V6_1: i64 = (6 << 16) + (1 << 8) + 192;

fn dead_text(text: &str, version: i64) -> Vec<String> {
    dead_branches(text.as_bytes(), version)
        .into_iter()
        .map(|r| text[r].trim().to_string())
        .collect()
}

#[test]
fn version_conditions_evaluate() {
    assert_eq!(
        eval("LINUX_VERSION_CODE < KERNEL_VERSION(4, 15, 0)", V6_1),
        Some(0)
    );
    assert_eq!(
        eval("LINUX_VERSION_CODE >= KERNEL_VERSION(6,1,0)", V6_1),
        Some(1)
    );
    assert_eq!(
        eval("(LINUX_VERSION_CODE > KERNEL_VERSION(6,5,12)) || 0", V6_1),
        Some(0)
    );
    assert_eq!(eval("!(LINUX_VERSION_CODE < 0x60000)", V6_1), Some(1));
    assert_eq!(eval("0", V6_1), Some(0));
    assert_eq!(eval("defined(CONFIG_FOO)", V6_1), None);
    assert_eq!(
        eval("LINUX_VERSION_CODE > KERNEL_VERSION(4,15,0) && X", V6_1),
        None
    );
    assert_eq!(
        eval("LINUX_VERSION_CODE < KERNEL_VERSION(4,15,0) +", V6_1),
        None
    );
    assert_eq!(eval("KERNEL_VERSION(4,15)", V6_1), None);
}

/// qcacld-2.0: a version test that `||` or `&&` decides whatever the
/// macro beside it is.
#[test]
fn or_and_decide_past_what_is_not_known() {
    let new_enough = "(LINUX_VERSION_CODE >= KERNEL_VERSION(3,6,0)) || defined(WITH_BACKPORTS)";
    assert_eq!(eval(new_enough, V6_1), Some(1));
    let old = "(LINUX_VERSION_CODE < KERNEL_VERSION(3,8,0)) && !defined(WITH_BACKPORTS)";
    assert_eq!(eval(old, V6_1), Some(0));
    assert_eq!(eval("defined X || LINUX_VERSION_CODE > 0", V6_1), Some(1));
    assert_eq!(eval("IS_ENABLED(CONFIG_X) && 0", V6_1), Some(0));
    assert_eq!(eval("IS_ENABLED(CONFIG_X) || 0", V6_1), None);
    assert_eq!(eval("defined(X) == 0", V6_1), None);
    assert_eq!(eval("defined(X", V6_1), None);
}

/// `#if` inside a call's arguments: the dead argument is left out, the
/// call reads as one.
#[test]
fn branches_inside_call_arguments() {
    let text = "f(\n#if (LINUX_VERSION_CODE >= KERNEL_VERSION(3,6,0)) || defined(B)\n a,\n\
                #else\n b,\n#endif\n c);\n";
    assert_eq!(dead_text(text, V6_1), ["b,"]);
}

#[test]
fn the_live_branch_of_a_chain_is_kept() {
    let text = "#if LINUX_VERSION_CODE < KERNEL_VERSION(4, 15, 0)\nold();\n\
                #elif LINUX_VERSION_CODE < KERNEL_VERSION(6, 0, 0)\nmiddle();\n\
                #else\nnew();\n#endif\n";
    assert_eq!(dead_text(text, V6_1), ["old();", "middle();"]);
    assert_eq!(
        dead_text(text, kernel_version(5, 10, 0)),
        ["old();", "new();"]
    );
}

#[test]
fn an_undecided_condition_keeps_what_follows_live() {
    let text = "#ifdef CONFIG_X\na();\n#elif LINUX_VERSION_CODE < KERNEL_VERSION(4,0,0)\nb();\n\
                #else\nc();\n#endif\n";
    assert!(dead_text(text, V6_1).is_empty());
    let text = "#if LINUX_VERSION_CODE < KERNEL_VERSION(4,0,0)\na();\n#elif defined(X)\nb();\n\
                #else\nc();\n#endif\n";
    assert_eq!(dead_text(text, V6_1), ["a();"]);
}

#[test]
fn nested_branches_inside_a_dead_one_are_covered_by_it() {
    let text = "#if 0\n#if LINUX_VERSION_CODE > 0\nx();\n#endif\n#endif\ny();\n";
    let dead = dead_text(text, V6_1);
    assert_eq!(dead.len(), 1);
    assert!(dead[0].contains("x();"));
}

#[test]
fn continued_directives_are_one_line() {
    let text = "#if LINUX_VERSION_CODE < \\\n    KERNEL_VERSION(4,0,0)\nold();\n#endif\n";
    assert_eq!(dead_text(text, V6_1), ["old();"]);
}

#[test]
fn other_directives_are_stepped_over_with_their_continuations() {
    // A `#define` continued over an `#if`-looking line holds no branch.
    let text = "#define M \\\n#if 0\nx\n#endif\n#if 0\ndead\n#endif\n";
    assert_eq!(dead_text(text, V6_1), ["dead"]);
    // A conditional spelt across a continuation is still read.
    let text = "#\\\nif 0\nalso dead\n#  endif\n# define N 1\n#\tifdef X\nlive\n#endif\n";
    assert_eq!(dead_text(text, V6_1), ["also dead"]);
}
