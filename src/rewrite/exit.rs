//! Step 3: destroy the workqueue last in `__exit`, once everything that
//! could queue work (the unregistration, timers, IRQs) has been stopped.
//! Every path out of the function gets the destroy: the end of the body
//! (before a final `return;` that is one of its own statements), and each
//! return elsewhere (in an `if`, a loop, before the end).

use super::init::{body_node, place, Before};
use super::{layout, refuse};
use crate::analysis::teardown::{Placement, Teardown};
use crate::ctext::words_in;
use crate::edit::Edit;
use crate::parse::{Function, SourceFile};
use crate::refusal::{Refusal, RefusalKind};
use tree_sitter::Node;

/// The destroy at the place `teardown` found (analysis::teardown), or,
/// without one, last and before each early return.
pub fn destroy(
    file: &SourceFile,
    func: &Function,
    release: &str,
    teardown: Option<&Teardown>,
) -> Result<Vec<Edit>, Refusal> {
    let text = &file.text;
    match teardown.map(|t| &t.at) {
        Some(Placement::Before(at)) => {
            let line = layout::line_at(text, *at);
            let indent = layout::indent_at(text, *at);
            let destroy = format!("{indent}{release};\n");
            let mut edits = vec![Edit::insert(line.start, destroy, "exit-destroy")];
            if let Some(flush) = teardown.and_then(|t| t.dropped.clone()) {
                edits.push(dropped_line(file, flush)?);
            }
            return Ok(edits);
        }
        Some(Placement::Replaces(flush)) => {
            // The flush's call becomes the destroy: it drains the queue too.
            let destroy = release.to_string();
            return Ok(vec![Edit::replace(flush.clone(), destroy, "exit-destroy")]);
        }
        Some(Placement::End) | None => {}
    }
    // Kernel style puts the closing brace alone in column 0.
    let close = func.body.end - 1;
    if text[close] != b'}' || !layout::first_on_line(text, close) {
        return Err(refuse(
            file,
            close,
            RefusalKind::ExitLayout,
            "the exit function's `}` shares its line",
        ));
    }
    let line = format!("\t{release};\n");
    let end = layout::line_at(text, close).start;
    if !func.body_clean {
        // Without a clean tree the paths out are unknown: only a body with
        // no `return` at all surely leaves through its `}`.
        if let Some(at) = return_word(file, func) {
            return Err(refuse(
                file,
                at,
                RefusalKind::ExitLayout,
                "the exit function does not parse cleanly and returns early: cannot tell \
                 which paths leave it to destroy the workqueue on each",
            ));
        }
        return Ok(vec![Edit::insert(end, line, "exit-destroy")]);
    }
    let body = body_node(file, func)
        .ok_or_else(|| refuse(file, func.body.start, RefusalKind::ExitLayout, "no body"))?;
    let returns = returns_in(body);
    if let Some(valued) = returns.iter().find(|r| value_of(**r).is_some()) {
        return Err(refuse(
            file,
            valued.start_byte(),
            RefusalKind::ExitLayout,
            "the exit function returns a value: the destroy would run before it is \
             computed, or never",
        ));
    }
    let last = final_return(body);
    let at = match last {
        Some(ret) if !layout::first_on_line(text, ret.start_byte()) => {
            return Err(refuse(
                file,
                ret.start_byte(),
                RefusalKind::ExitLayout,
                "the exit function's final `return` shares its line",
            ))
        }
        Some(ret) => layout::line_at(text, ret.start_byte()).start,
        None => end,
    };
    let mut edits = vec![Edit::insert(at, line, "exit-destroy")];
    let early: Vec<Node> = returns
        .into_iter()
        .filter(|r| Some(r.id()) != last.map(|l| l.id()))
        .collect();
    let before = Before {
        kind: RefusalKind::ExitLayout,
        origin: "exit-early-return",
        arm_origin: "exit-brace-arm",
        returns: early.iter().map(Node::id).collect(),
    };
    for ret in early {
        let lines = vec![
            (0, format!("{release};")),
            (0, ret.utf8_text(text).unwrap_or("return;").to_string()),
        ];
        let placed = place(file, ret, lines, &before).map_err(|mut refusal| {
            refusal.detail = format!(
                "the exit function returns early here, which needs the destroy too: {}",
                refusal.detail
            );
            refusal
        })?;
        edits.extend(placed);
    }
    Ok(edits)
}

/// The deletion of the line holding a flush the destroy made redundant;
/// refused when the line holds more than the flush statement.
fn dropped_line(file: &SourceFile, flush: std::ops::Range<usize>) -> Result<Edit, Refusal> {
    let text = &file.text;
    let line = layout::line_at(text, flush.start);
    let rest = String::from_utf8_lossy(&text[flush.end..line.end]);
    if !layout::first_on_line(text, flush.start) || rest.trim() != ";" {
        return Err(refuse(
            file,
            flush.start,
            RefusalKind::ExitLayout,
            "the flush the destroy makes redundant shares its line",
        ));
    }
    let end = (line.end + 1).min(text.len());
    let lines = layout::without_blank_pair(text, line.start..end);
    Ok(Edit::replace(lines, "", "exit-flush-dropped"))
}

/// Every `return` statement in `body`, in order.
fn returns_in(body: Node) -> Vec<Node> {
    let mut found = Vec::new();
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "return_statement" {
            found.push(node);
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found.sort_by_key(|n| n.start_byte());
    found
}

/// The expression a return gives back, if any.
fn value_of(ret: Node) -> Option<Node> {
    let mut cursor = ret.walk();
    let value = ret
        .named_children(&mut cursor)
        .find(|n| n.kind() != "comment");
    value
}

/// The body's last statement when it is a `return` (under any labels):
/// every path reaches the destroy put before it. Any other last statement
/// falls through to the `}`.
fn final_return(body: Node) -> Option<Node> {
    let mut cursor = body.walk();
    let mut last = body
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .last()?;
    while last.kind() == "labeled_statement" {
        let mut cursor = last.walk();
        last = last
            .named_children(&mut cursor)
            .filter(|n| !matches!(n.kind(), "comment" | "statement_identifier"))
            .last()?;
    }
    (last.kind() == "return_statement").then_some(last)
}

/// The offset of a `return` keyword in the function's body, outside
/// comments and strings.
fn return_word(file: &SourceFile, func: &Function) -> Option<usize> {
    let body = func.body.clone();
    words_in(&file.text[body.clone()])
        .map(|(at, word)| (body.start + at, word))
        .find(|(at, word)| *word == "return" && !file.in_inert(*at))
        .map(|(at, _)| at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit;

    /// The exit function of `src` (named `foo_exit`) with the destroy added.
    fn destroyed(src: &str) -> Result<String, Refusal> {
        let file = SourceFile::parse("t.c".into(), src.into()).unwrap();
        let (_, func) = file.function("foo_exit").expect("foo_exit");
        let edits = destroy(&file, func, "destroy_workqueue(foo_wq)", None)?;
        let after = edit::apply(&file.text, &edits).expect("disjoint edits");
        Ok(String::from_utf8(after).unwrap())
    }

    #[test]
    fn the_destroy_goes_last_or_before_a_final_return() {
        let src = "void foo_exit(void)\n{\n\tfoo_stop();\n}\n";
        assert_eq!(
            destroyed(src).unwrap(),
            "void foo_exit(void)\n{\n\tfoo_stop();\n\tdestroy_workqueue(foo_wq);\n}\n"
        );
        let src = "void foo_exit(void)\n{\n\tfoo_stop();\n\treturn;\n}\n";
        assert_eq!(
            destroyed(src).unwrap(),
            "void foo_exit(void)\n{\n\tfoo_stop();\n\tdestroy_workqueue(foo_wq);\n\treturn;\n}\n"
        );
    }

    #[test]
    fn a_return_under_a_label_is_final_too() {
        let src = "void foo_exit(void)\n{\n\tif (!foo)\n\t\tgoto out;\n\tfoo_stop();\nout:\n\treturn;\n}\n";
        assert_eq!(
            destroyed(src).unwrap(),
            "void foo_exit(void)\n{\n\tif (!foo)\n\t\tgoto out;\n\tfoo_stop();\nout:\n\
             \tdestroy_workqueue(foo_wq);\n\treturn;\n}\n"
        );
    }

    #[test]
    fn a_final_return_in_an_if_is_an_early_return() {
        // Not `if (foo_gone) destroy_workqueue(foo_wq); return;`.
        let src = "void foo_exit(void)\n{\n\tfoo_stop();\n\tif (foo_gone)\n\t\treturn;\n}\n";
        assert_eq!(
            destroyed(src).unwrap(),
            "void foo_exit(void)\n{\n\tfoo_stop();\n\tif (foo_gone) {\n\
             \t\tdestroy_workqueue(foo_wq);\n\t\treturn;\n\t}\n\
             \tdestroy_workqueue(foo_wq);\n}\n"
        );
    }

    #[test]
    fn returns_the_destroy_cannot_precede_are_refused() {
        for (src, why) in [
            (
                "void foo_exit(void)\n{\n\tfoo_stop(); return;\n}\n",
                "final `return` shares its line",
            ),
            (
                "void foo_exit(void)\n{\n\treturn foo_stop();\n}\n",
                "returns a value",
            ),
            (
                "void foo_exit(void)\n{\n\twhile (foo_busy())\n\t\treturn;\n\tfoo_stop();\n}\n",
                "cannot add the destroy inside a while_statement",
            ),
            (
                "void foo_exit(void)\n{\n\tif (!foo) return;\n\tFOO_STOP(;\n}\n",
                "does not parse cleanly",
            ),
        ] {
            let refusal = destroyed(src).expect_err(src);
            assert_eq!(refusal.kind, RefusalKind::ExitLayout, "{refusal:?}");
            assert!(refusal.detail.contains(why), "{why} in {refusal:?}");
        }
        // Unparsed but without a return: every path ends at the `}`.
        let src = "void foo_exit(void)\n{\n\tFOO_STOP(;\n}\n";
        assert!(destroyed(src)
            .unwrap()
            .contains("\tdestroy_workqueue(foo_wq);\n}\n"));
    }
}
