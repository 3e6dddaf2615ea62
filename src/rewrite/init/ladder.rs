//! An init whose failures unwind through a ladder of labels (aoe_init(),
//! mlx4_ib_init(), ib_core_init()) gets the workqueue as a maintainer adds
//! a step to it: allocated right before the first step that fails into
//! the ladder, its own failure going to that step's label, and a new
//! label above that one destroying it, which that step and every later
//! failure reach by falling through. Nothing else changes, and the
//! ladder's common `return` needs no destroy of its own.

use super::{destroys, exits_after, Exit, Helpers};
use crate::analysis::LocalWq;
use crate::ctext::calls_in;
use crate::edit::Edit;
use crate::parse::SourceFile;
use crate::refusal::Refusal;
use crate::rewrite::layout::{self, block};
use std::collections::BTreeSet;
use tree_sitter::Node;

/// Where the ladder takes the workqueue.
pub(super) struct Ladder<'t> {
    /// The line start the allocation goes at: above the step whose
    /// failure first jumps into the ladder.
    at: usize,
    /// The label that step's failure jumps to, and the line it starts.
    label: String,
    label_line: usize,
    /// The result variable the ladder returns.
    var: String,
    /// Every `goto label;` after `at`, which now goes to the new label.
    retarget: Vec<Node<'t>>,
    new_label: String,
}

impl Ladder<'_> {
    /// Where the allocation goes.
    pub(super) fn at(&self) -> usize {
        self.at
    }
}

/// The ladder of `body`, when its shape is the plain one: the first
/// top-level statement that holds a goto is an `if` right after the step
/// it checks, every goto after that step jumps to its label or one above
/// it, and the labels end in `return <var>;` reached only by them. The
/// undo steps below the new label run after the destroy: none of them may
/// call one of `users`, the functions that reach the workqueue (aoe's
/// `aoedev_exit()` flushes it).
pub(super) fn find<'t>(
    body: Node<'t>,
    text: &[u8],
    after: usize,
    wq: &str,
    users: &BTreeSet<String>,
) -> Option<Ladder<'t>> {
    let mut cursor = body.walk();
    let statements: Vec<Node> = body.named_children(&mut cursor).collect();
    let first = statements
        .iter()
        .position(|s| s.start_byte() >= after && !gotos_in(*s).is_empty())?;
    let check = statements[first];
    if check.kind() != "if_statement" || first == 0 {
        return None;
    }
    let step = statements[first - 1];
    if step.kind() != "expression_statement" || step.start_byte() < after {
        return None;
    }
    let label = label_of(gotos_in(check)[0], text)?;
    let labels = labels_in(&statements, text);
    let target = labels.iter().position(|(name, _)| *name == label)?;
    let below = labels[target].1.start_byte();
    let undo_uses_wq = statements
        .iter()
        .filter(|s| s.start_byte() >= below)
        .any(|s| calls_in(&text[s.byte_range()]).any(|(_, name)| users.contains(name)));
    if undo_uses_wq {
        return None;
    }
    let var = ladder_var(&statements, text)?;
    let at = layout::line_at(text, step.start_byte()).start;
    let mut retarget = Vec::new();
    for goto in statements[first..].iter().flat_map(|s| gotos_in(*s)) {
        let name = label_of(goto, text)?;
        let place = labels.iter().position(|(l, _)| *l == name)?;
        if place > target {
            // A later failure that skips the new label would leak.
            return None;
        }
        if place == target {
            retarget.push(goto);
        }
    }
    let new_label = new_label(&label, &labels, wq, text);
    let label_line = layout::line_at(text, labels[target].1.start_byte()).start;
    Some(Ladder {
        at,
        label,
        label_line,
        var,
        retarget,
        new_label: new_label?,
    })
}

/// The edits for the workqueue in `ladder`: the allocation, the gotos
/// retargeted, the new label, and a destroy before any other error exit
/// after the allocation.
pub(super) fn allocate(
    file: &SourceFile,
    body: Node,
    ladder: &Ladder,
    wq: &LocalWq,
    helpers: Option<&Helpers>,
    release: &str,
) -> Result<Vec<Edit>, Refusal> {
    let text = &file.text;
    let indent = layout::indent_at(text, ladder.at);
    let var = &ladder.var;
    let mut lines = match helpers {
        None => {
            let mut lines = super::alloc_lines(wq);
            lines.truncate(2);
            lines[1].1.push_str(" {");
            lines.extend(super::voice::failure_print(body, text, &wq.name).map(|p| (1, p)));
            lines.push((1, format!("{var} = -ENOMEM;")));
            lines.push((1, format!("goto {};", ladder.label)));
            lines.push((0, "}".into()));
            lines
        }
        Some(helpers) => vec![
            (0, format!("{var} = {}();", helpers.init)),
            (0, format!("if ({var})")),
            (1, format!("goto {};", ladder.label)),
        ],
    };
    // Steps apart by a blank line keep that; steps back to back too.
    if ladder.at >= 2 && layout::is_blank_line(text, ladder.at - 1) {
        lines.push((0, String::new()));
    }
    let mut edits = vec![Edit::insert(
        ladder.at,
        block(&indent, &lines),
        "init-alloc",
    )];
    for goto in &ladder.retarget {
        let name = goto.child_by_field_name("label").expect("checked in find");
        edits.push(Edit::replace(
            name.byte_range(),
            ladder.new_label.clone(),
            "init-ladder-goto",
        ));
    }
    let label_indent = layout::indent_at(text, ladder.label_line);
    let step_indent = layout::indent_at(text, layout::next_line_start(text, ladder.label_line));
    let blank = ladder.label_line >= 2 && layout::is_blank_line(text, ladder.label_line - 1);
    let label = format!(
        "{label_indent}{}:\n{step_indent}{release};\n{}",
        ladder.new_label,
        if blank { "\n" } else { "" }
    );
    edits.push(Edit::insert(ladder.label_line, label, "init-ladder-label"));
    let exits = exits_after(body, ladder.at, text);
    edits.extend(destroys(file, exits, release, var, |exit| {
        *exit != Exit::Ladder
    })?);
    Ok(edits)
}

/// Where no step of the ladder can take the workqueue (an undo below
/// the first label still uses it), the ladder takes it at its bottom, as
/// upstream's aoe: allocated first, its destroy under a new label right
/// before the common `return <var>;`, which every failure reaches, and
/// each error return before the ladder (`return <var>;`) turned into a
/// goto to that label. None when the ladder is not that plain.
pub(super) struct Bottom<'t> {
    /// The early `return <var>;` statements, to become gotos.
    returns: Vec<Node<'t>>,
    /// The line start of the common return, and the new label.
    line: usize,
    label: String,
    label_indent: String,
}

pub(super) fn bottom<'t>(
    body: Node<'t>,
    text: &[u8],
    exits: &[(Node<'t>, Exit)],
    wq: &str,
) -> Option<Bottom<'t>> {
    let mut cursor = body.walk();
    let statements: Vec<Node> = body.named_children(&mut cursor).collect();
    let labels = labels_in(&statements, text);
    let (first_label, first_node) = labels.first()?;
    let var = ladder_var(&statements, text)?;
    let common = *statements.iter().rev().find(|s| s.kind() != "comment")?;
    if common.kind() != "return_statement" {
        return None;
    }
    let plain_return = format!("return {var};");
    let mut returns = Vec::new();
    for (node, exit) in exits {
        if *exit == Exit::Success || node.id() == common.id() {
            continue;
        }
        // Only a return known to fail: one that may be 0 must not reach
        // the destroy.
        let early = node.start_byte() < first_node.start_byte() && *exit == Exit::Error;
        if !early || node.utf8_text(text).ok()? != plain_return {
            return None;
        }
        returns.push(*node);
    }
    if returns.is_empty() {
        return None;
    }
    // The label is where the first early return's step now fails to: in
    // a ladder that names each label for the step failing into it, it is
    // named for that step.
    let step = statements
        .iter()
        .position(|s| s.byte_range().contains(&returns[0].start_byte()))
        .and_then(|i| step_callee(&statements, i, text));
    let label = step
        .and_then(|callee| label_for_step(&statements, &labels, text, callee))
        .filter(|name| !labels.iter().any(|(l, _)| l == name))
        .or_else(|| new_label(first_label, &labels, wq, text))?;
    let label_line = layout::line_at(text, first_node.start_byte()).start;
    Some(Bottom {
        returns,
        line: layout::line_at(text, common.start_byte()).start,
        label,
        label_indent: layout::indent_at(text, label_line),
    })
}

/// The edits that hang the destroy at `bottom`: the early returns go to
/// its label. The allocation at the top is the caller's.
pub(super) fn hang_at_bottom(text: &[u8], bottom: &Bottom, release: &str) -> Vec<Edit> {
    let mut edits: Vec<Edit> = bottom
        .returns
        .iter()
        .map(|ret| {
            Edit::replace(
                ret.byte_range(),
                format!("goto {};", bottom.label),
                "init-ladder-goto",
            )
        })
        .collect();
    let indent = layout::indent_at(text, bottom.line);
    edits.push(Edit::insert(
        bottom.line,
        format!(
            "{}{}:\n{indent}{release};\n",
            bottom.label_indent, bottom.label
        ),
        "init-ladder-label",
    ));
    edits
}

/// The function the statement before `statements[check]` calls first:
/// the step that the check (`if (ret) goto …;`) tests.
fn step_callee<'a>(statements: &[Node], check: usize, text: &'a [u8]) -> Option<&'a str> {
    let step = statements.get(check.checked_sub(1)?)?;
    if step.kind() != "expression_statement" {
        return None;
    }
    calls_in(&text[step.byte_range()])
        .next()
        .map(|(_, name)| name)
}

/// The label for a step calling `callee`, in a ladder whose labels are
/// named for the step that fails into them (aoe_init(): `aoechr_init()`
/// fails to `chr_fail`, `aoeblk_init()` to `blk_fail`): two or more
/// labels whose word is their step's name without one same head and
/// tail (`aoe`, `_init`), and `callee` with that head and tail
/// (`aoedev_init()` → `dev_fail`). None in any other ladder.
fn label_for_step(
    statements: &[Node],
    labels: &[(String, Node)],
    text: &[u8],
    callee: &str,
) -> Option<String> {
    type Shape<'l> = (String, String, Option<&'l str>, Option<&'l str>);
    let mut shapes: Vec<Shape> = Vec::new();
    for (label, _) in labels {
        let (word, prefix, suffix) = label_word(label);
        let check = statements.iter().position(|s| {
            s.kind() == "if_statement"
                && gotos_in(*s)
                    .iter()
                    .any(|g| label_of(*g, text).as_deref() == Some(label))
        });
        let Some(step) = check.and_then(|i| step_callee(statements, i, text)) else {
            continue;
        };
        if let Some(at) = step
            .find(word)
            .filter(|_| !word.is_empty() && word != label)
        {
            let (head, tail) = (&step[..at], &step[at + word.len()..]);
            shapes.push((head.to_string(), tail.to_string(), prefix, suffix));
        }
    }
    let (head, tail, prefix, suffix) = shapes
        .iter()
        .find(|shape| shapes.iter().filter(|other| other == shape).count() >= 2)?;
    let word = callee
        .strip_prefix(head.as_str())?
        .strip_suffix(tail.as_str())?;
    let word = word.trim_matches('_');
    match (prefix, suffix) {
        _ if word.is_empty() => None,
        (Some(p), _) => Some(format!("{p}_{word}")),
        (None, Some(s)) => Some(format!("{word}_{s}")),
        (None, None) => None,
    }
}

const LABEL_PREFIXES: &[&str] = &[
    "err", "error", "fail", "out", "clean", "cleanup", "free", "destroy",
];
const LABEL_SUFFIXES: &[&str] = &["fail", "err", "error", "out"];

/// A label's own word and the prefix or suffix around it (`chr_fail` →
/// `chr`, suffix `fail`; `err_comp` → `comp`, prefix `err`).
fn label_word(label: &str) -> (&str, Option<&str>, Option<&str>) {
    if let Some((p, rest)) = label
        .split_once('_')
        .filter(|(p, _)| LABEL_PREFIXES.contains(p))
    {
        return (rest, Some(p), None);
    }
    if let Some((rest, s)) = label
        .rsplit_once('_')
        .filter(|(_, s)| LABEL_SUFFIXES.contains(s))
    {
        return (rest, None, Some(s));
    }
    (label, None, None)
}

/// The goto statements in `node`, in order.
fn gotos_in(node: Node) -> Vec<Node> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.kind() == "goto_statement" {
            found.push(n);
            continue;
        }
        let mut cursor = n.walk();
        let children: Vec<Node> = n.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    found.sort_by_key(|n| n.start_byte());
    found
}

fn label_of(goto: Node, text: &[u8]) -> Option<String> {
    let name = goto.child_by_field_name("label")?;
    Some(name.utf8_text(text).ok()?.to_string())
}

/// The top-level labels of the body, in order, with their statements.
fn labels_in<'t>(statements: &[Node<'t>], text: &[u8]) -> Vec<(String, Node<'t>)> {
    statements
        .iter()
        .filter(|s| s.kind() == "labeled_statement")
        .filter_map(|s| {
            let name = s.child_by_field_name("label")?.utf8_text(text).ok()?;
            Some((name.to_string(), *s))
        })
        .collect()
}

/// The variable the last statement returns, when the body ends in the
/// ladder: `return err;` after a label, or as a label's statement.
fn ladder_var(statements: &[Node], text: &[u8]) -> Option<String> {
    let last = *statements.iter().rev().find(|s| s.kind() != "comment")?;
    let ret = match last.kind() {
        "labeled_statement" => last.named_child(1)?,
        _ => last,
    };
    if ret.kind() != "return_statement" || !super::reached_only_by_goto(ret) {
        return None;
    }
    let value = ret.named_child(0)?;
    (value.kind() == "identifier").then(|| value.utf8_text(text).ok().map(str::to_string))?
}

/// A label in the style of `existing` (`err_comp` → `err_wq`, `chr_fail`
/// → `wq_fail`) that the function does not use yet; with the workqueue's
/// name's last word, or its whole name, when the short one is taken
/// (mlx4_ib_init()'s `clean_wq`).
fn new_label(existing: &str, labels: &[(String, Node)], wq: &str, text: &[u8]) -> Option<String> {
    let taken = |name: &String| labels.iter().any(|(l, _)| l == name);
    if let Some(named) = like_destroy_labels(labels, wq, text).filter(|n| !taken(n)) {
        return Some(named);
    }
    style_label(existing, labels, wq)
}

/// A label in the style of labels that name the workqueue they destroy
/// (isert's `destroy_comp_wq:` over `destroy_workqueue(isert_comp_wq)`):
/// the same prefix or suffix around as many of the new workqueue's last
/// words (`destroy_login_wq` for `isert_login_wq`); the shortest such.
fn like_destroy_labels(labels: &[(String, Node)], wq: &str, text: &[u8]) -> Option<String> {
    let base = wq.strip_suffix("_wq").unwrap_or(wq);
    let last_words = |name: &str, k: usize| -> Option<String> {
        let words: Vec<&str> = name.split('_').collect();
        (k <= words.len()).then(|| words[words.len() - k..].join("_"))
    };
    let mut found: Vec<String> = Vec::new();
    for (label, node) in labels {
        let Some(destroyed) = node
            .named_child(1)
            .and_then(|s| s.utf8_text(text).ok())
            .and_then(|s| s.strip_prefix("destroy_workqueue("))
            .and_then(|s| s.strip_suffix(");"))
            .map(str::trim)
        else {
            continue;
        };
        let (word, prefix, suffix) = label_word(label);
        let k = word.split('_').count();
        let ours = if destroyed.ends_with(word) && word.ends_with("wq") {
            last_words(wq, k)
        } else if destroyed
            .strip_suffix("_wq")
            .is_some_and(|d| d.ends_with(word))
        {
            last_words(base, k)
        } else {
            None
        };
        let named = match (ours, prefix, suffix) {
            (Some(ours), Some(p), _) => format!("{p}_{ours}"),
            (Some(ours), None, Some(s)) => format!("{ours}_{s}"),
            _ => continue,
        };
        found.push(named);
    }
    found.into_iter().min_by_key(|n| (n.len(), n.clone()))
}

fn style_label(existing: &str, labels: &[(String, Node)], wq: &str) -> Option<String> {
    let prefix = existing
        .split('_')
        .next()
        .filter(|p| LABEL_PREFIXES.contains(p));
    let suffix = existing
        .rsplit('_')
        .next()
        .filter(|s| LABEL_SUFFIXES.contains(s));
    let make = |name: &str| match (prefix, suffix) {
        (Some(p), _) => format!("{p}_{name}"),
        (None, Some(s)) => format!("{name}_{s}"),
        (None, None) => format!("err_{name}"),
    };
    let taken = |name: &String| labels.iter().any(|(l, _)| l == name);
    // `clean_wq` taken: the word the name ends in before `_wq`
    // (`clean_cm` for mlx4_ib_cm_wq), then the whole name.
    let base = wq.strip_suffix("_wq").unwrap_or(wq);
    let last = base.rsplit('_').next().unwrap_or(base);
    ["wq", last, wq].into_iter().map(make).find(|c| !taken(c))
}

#[cfg(test)]
mod tests {
    use crate::parse::SourceFile;

    /// Whether `foo_init` of `src` has a ladder that takes the workqueue.
    fn has_ladder(src: &str) -> bool {
        let file = SourceFile::parse("t.c".into(), src.into()).unwrap();
        let (_, func) = file.function("foo_init").expect("foo_init");
        let body = super::super::body_node(&file, func).expect("body");
        let users = std::collections::BTreeSet::new();
        super::find(body, &file.text, func.body.start + 1, "foo_wq", &users).is_some()
    }

    const LADDER: &str =
        "int foo_init(void)\n{\n\tint ret;\n\n\tret = a();\n\tif (ret)\n\t\treturn ret;\n\
        \tret = b();\n\tif (ret)\n\t\tgoto b_fail;\n\tret = c();\n\tif (ret)\n\t\tgoto c_fail;\n\
        \treturn 0;\n c_fail:\n\tb_exit();\n b_fail:\n\ta_exit();\n\treturn ret;\n}\n";

    #[test]
    fn a_plain_ladder_takes_the_workqueue() {
        assert!(has_ladder(LADDER));
    }

    #[test]
    fn a_later_failure_below_the_step_label_would_skip_the_destroy() {
        // c()'s failure jumps past b_fail: the new label above b_fail
        // would not be reached.
        let src = LADDER
            .replace("\t\tgoto c_fail;", "\t\tgoto out;")
            .replace("\treturn ret;\n}", " out:\n\treturn ret;\n}");
        assert!(!has_ladder(&src));
    }

    #[test]
    fn a_ladder_must_end_in_returning_its_variable() {
        let src = LADDER.replace("\ta_exit();\n\treturn ret;", "\ta_exit();\n\treturn -EIO;");
        assert!(!has_ladder(&src));
    }

    /// The label `foo_init` of `src` gives the workqueue `wq`, if any.
    fn label_for(src: &str, wq: &str) -> Option<String> {
        let file = SourceFile::parse("t.c".into(), src.into()).unwrap();
        let (_, func) = file.function("foo_init").expect("foo_init");
        let body = super::super::body_node(&file, func).expect("body");
        let users = std::collections::BTreeSet::new();
        super::find(body, &file.text, func.body.start + 1, wq, &users).map(|l| l.new_label)
    }

    #[test]
    fn a_taken_label_gives_way_to_the_names_last_word() {
        let src = LADDER
            .replace("b_fail", "clean_wq")
            .replace("c_fail", "clean_c");
        assert_eq!(label_for(&src, "foo_cm_wq").as_deref(), Some("clean_cm"));
        let src = src.replace("clean_c", "clean_cm");
        assert_eq!(
            label_for(&src, "foo_cm_wq").as_deref(),
            Some("clean_foo_cm_wq")
        );
    }

    #[test]
    fn an_undo_that_reaches_the_workqueue_keeps_the_label_out() {
        let file = SourceFile::parse("t.c".into(), LADDER.into()).unwrap();
        let (_, func) = file.function("foo_init").expect("foo_init");
        let body = super::super::body_node(&file, func).expect("body");
        let users = std::collections::BTreeSet::from(["a_exit".to_string()]);
        assert!(super::find(body, &file.text, func.body.start + 1, "foo_wq", &users).is_none());
    }
}
