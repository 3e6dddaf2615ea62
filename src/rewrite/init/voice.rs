//! The allocation's failure in the voice of the init around it: where
//! every failure branch after the allocation point opens with the same
//! print (`pr_err("Failed to load module, …")`), the workqueue's failure
//! prints too, with the same function and the prefix those messages
//! share; a silent init stays silent.

use tree_sitter::Node;

/// Print functions an init's failure branches open with.
const PRINTERS: &[&str] = &["pr_err", "pr_warn", "pr_crit", "pr_alert", "pr_emerg"];

/// The statement that reports the allocation's failure, when the failure
/// branches of `body` (two at least: a habit, not one message) all report
/// theirs the same way.
pub fn failure_print(body: Node, text: &[u8], wq: &str) -> Option<String> {
    let mut printer: Option<&str> = None;
    let mut messages = Vec::new();
    for branch in failure_branches(body, text) {
        let (function, message) = opening_print(branch, text)?;
        if printer.is_some_and(|p| p != function) {
            return None;
        }
        printer = Some(function);
        messages.push(message);
    }
    if messages.len() < 2 {
        return None;
    }
    Some(format!(
        "{}(\"{}\\n\");",
        printer?,
        message_like(&messages, wq)
    ))
}

/// The branches of the `if`s of `body` that handle a failure: they
/// leave with a value other than 0, or the `if` tests a result
/// (`if (err)`, `if (ret < 0)`).
fn failure_branches<'t>(body: Node<'t>, text: &[u8]) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "if_statement" {
            if let Some(branch) = node.child_by_field_name("consequence") {
                if leaves_failing(branch, text) || tests_result(node, text) {
                    found.push(branch);
                }
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found
}

/// The branch is, or its block holds, a goto or a return of a value
/// other than 0.
fn leaves_failing(branch: Node, text: &[u8]) -> bool {
    let failing = |n: Node| match n.kind() {
        "goto_statement" => true,
        "return_statement" => {
            let value = n.named_child(0).and_then(|v| v.utf8_text(text).ok());
            value.is_some_and(|v| v != "0")
        }
        _ => false,
    };
    let mut cursor = branch.walk();
    failing(branch) || branch.named_children(&mut cursor).any(failing)
}

/// `if (err)`, `if (ret < 0)`: a test of a result variable.
fn tests_result(statement: Node, text: &[u8]) -> bool {
    let Some(condition) = statement
        .child_by_field_name("condition")
        .and_then(|c| c.utf8_text(text).ok())
    else {
        return false;
    };
    let inner = condition
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    let name = inner.strip_suffix("< 0").map_or(inner, str::trim_end);
    super::RESULT_VARS.contains(&name)
}

/// The print a failure branch opens with: its function and the text of
/// its format string, or None when it opens with anything else.
fn opening_print<'t>(branch: Node, text: &'t [u8]) -> Option<(&'t str, String)> {
    let block = Some(branch).filter(|p| p.kind() == "compound_statement")?;
    let mut cursor = block.walk();
    let first = block
        .named_children(&mut cursor)
        .find(|n| n.kind() != "comment")?;
    let call = first
        .named_child(0)
        .filter(|c| c.kind() == "call_expression")?;
    let name = call.child_by_field_name("function")?.utf8_text(text).ok()?;
    // The pr_*() family, or the module's own macro on it (`isert_err()`):
    // either takes the format string first.
    let own = ["_err", "_error", "_warn"]
        .iter()
        .any(|end| name.ends_with(end));
    if !PRINTERS.contains(&name) && !own {
        return None;
    }
    let args = call.child_by_field_name("arguments")?;
    let format = args
        .named_child(0)
        .filter(|a| a.kind() == "string_literal")?;
    let quoted = format.utf8_text(text).ok()?;
    Some((name, quoted.trim_matches('"').to_string()))
}

/// A message for the workqueue's failure like `messages`: their shared
/// lead ("Failed to load module, "), or the words they share before what
/// each names ("Unable to allocate " + the workqueue), else their case.
fn message_like(messages: &[String], wq: &str) -> String {
    let shared = shared_lead(messages);
    if !shared.is_empty() {
        return format!("{shared}allocating the workqueue failed");
    }
    let words = shared_words(messages);
    if words.split(' ').filter(|w| !w.is_empty()).count() >= 2 {
        return format!("{words}{wq}");
    }
    let upper = messages
        .iter()
        .all(|m| m.starts_with(|c: char| c.is_ascii_uppercase()));
    match upper {
        true => "Failed to allocate the workqueue".into(),
        false => "failed to allocate the workqueue".into(),
    }
}

/// The longest start all `messages` share that ends in a space.
fn shared_words(messages: &[String]) -> &str {
    let common = common_start(messages);
    common.rfind(' ').map_or("", |at| &common[..=at])
}

/// The longest start all `messages` share that ends in ", " or ": ".
fn shared_lead(messages: &[String]) -> &str {
    let common = common_start(messages);
    let cut = [", ", ": "]
        .iter()
        .filter_map(|sep| common.rfind(sep).map(|at| at + sep.len()))
        .max()
        .unwrap_or(0);
    &common[..cut]
}

/// The longest start all `messages` share, whole characters only: a
/// message is any text a driver wrote.
fn common_start(messages: &[String]) -> &str {
    let Some(first) = messages.first() else {
        return "";
    };
    let len = messages[1..].iter().fold(first.len(), |len, other| {
        first
            .char_indices()
            .zip(other.chars())
            .take_while(|((at, a), b)| *at < len && a == b)
            .last()
            .map_or(0, |((at, a), _)| at + a.len_utf8())
    });
    &first[..len]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print_for(body: &str) -> Option<String> {
        let source = format!("int f(void)\n{body}\n");
        let tree = crate::parse::parse_c(source.as_bytes()).unwrap();
        let function = tree.root_node().named_child(0).unwrap();
        let body = function.child_by_field_name("body").unwrap();
        failure_print(body, source.as_bytes(), "foo_wq")
    }

    #[test]
    fn siblings_that_print_give_their_lead() {
        let body = "{\n\tif (a() < 0) {\n\t\tpr_err(\"Failed to load, no a\\n\");\n\t\treturn -EBUSY;\n\t}\n\
                    \tif (b()) {\n\t\tpr_err(\"Failed to load, no b: %d\\n\", 1);\n\t\tgoto out;\n\t}\n\
                    \treturn 0;\nout:\n\treturn -EIO;\n}";
        assert_eq!(
            print_for(body).as_deref(),
            Some("pr_err(\"Failed to load, allocating the workqueue failed\\n\");")
        );
    }

    #[test]
    fn one_silent_branch_keeps_it_silent() {
        let body = "{\n\tif (a() < 0) {\n\t\tpr_err(\"no a\\n\");\n\t\treturn -EBUSY;\n\t}\n\
                    \tif (b())\n\t\treturn -EIO;\n\treturn 0;\n}";
        assert_eq!(print_for(body), None);
    }

    #[test]
    fn different_printers_keep_it_silent() {
        let body = "{\n\tif (a()) {\n\t\tpr_err(\"no a\\n\");\n\t\treturn -EBUSY;\n\t}\n\
                    \tif (b()) {\n\t\tpr_warn(\"no b\\n\");\n\t\treturn -EIO;\n\t}\n\treturn 0;\n}";
        assert_eq!(print_for(body), None);
    }

    #[test]
    fn without_a_shared_lead_the_case_is_kept() {
        let body = "{\n\tif (a()) {\n\t\tpr_err(\"cannot register\\n\");\n\t\treturn -EBUSY;\n\t}\n\
                    \tret = b();\n\tif (ret) {\n\t\tpr_err(\"no b\\n\");\n\t\tunregister();\n\t}\n\treturn ret;\n}";
        assert_eq!(
            print_for(body).as_deref(),
            Some("pr_err(\"failed to allocate the workqueue\\n\");")
        );
    }

    #[test]
    fn the_modules_own_macro_and_shared_words_name_the_workqueue() {
        let body = "{\n\tif (!a) {\n\t\tfoo_err(\"Unable to allocate a_wq\\n\");\n\t\tret = -ENOMEM;\n\t\tgoto out;\n\t}\n\
                    \tif (!b) {\n\t\tfoo_err(\"Unable to allocate b_wq\\n\");\n\t\tret = -ENOMEM;\n\t\tgoto out;\n\t}\n\
                    \treturn 0;\nout:\n\treturn ret;\n}";
        assert_eq!(
            print_for(body).as_deref(),
            Some("foo_err(\"Unable to allocate foo_wq\\n\");")
        );
    }

    #[test]
    fn messages_that_part_inside_a_character_do_not_split_it() {
        let messages = ["Gerät é fehlt".to_string(), "Gerät è fehlt".to_string()];
        assert_eq!(common_start(&messages), "Gerät ");
        assert_eq!(shared_words(&messages), "Gerät ");
    }

    #[test]
    fn one_printing_branch_is_no_habit() {
        let body = "{\n\tif (a()) {\n\t\tpr_err(\"cannot register\\n\");\n\t\treturn -EBUSY;\n\t}\n\treturn 0;\n}";
        assert_eq!(print_for(body), None);
    }
}
