//! Step 2: allocate the workqueue at the top of `__init`, after the local
//! declarations, and destroy it on every later exit that returns an error.
//! The success path (`return 0;`, or a variable that is 0 then) keeps it.

mod ladder;
mod voice;

use super::layout::{self, block};
use super::refuse;
use crate::analysis::LocalWq;
use crate::ctext::words_in;
use crate::edit::Edit;
use crate::parse::{leading_declarations, Function, SourceFile};
use crate::refusal::{Refusal, RefusalKind};
use tree_sitter::Node;

/// How a `return` leaves the init function.
#[derive(Debug, PartialEq, Eq)]
enum Exit {
    Success,
    /// A negative constant or `PTR_ERR()`: always an error.
    Error,
    /// A variable: an error unless it is 0, and only goto can reach it.
    Ladder,
    Variable(String),
    /// A variable tested for failure by the `if` right before the return,
    /// whose block does not leave: the destroy goes at the end of that
    /// block (the offset of its `}`), the return is a success otherwise.
    InBlock(usize),
    /// Any other expression: its value decides.
    Computed(String),
}

pub(super) const RESULT_VARS: &[&str] = &[
    "ret", "err", "rc", "error", "retval", "result", "status", "r",
];

/// New helpers of another file that allocate and destroy the workqueue
/// (analysis::home): init calls them instead.
pub struct Helpers {
    pub init: String,
    pub destroy: String,
}

pub fn allocate(
    file: &SourceFile,
    func: &Function,
    wq: &LocalWq,
    helpers: Option<&Helpers>,
    users: &std::collections::BTreeSet<String>,
) -> Result<Vec<Edit>, Refusal> {
    let text = &file.text;
    if !func.body_clean {
        return Err(refuse(
            file,
            func.body.start,
            RefusalKind::InitUnparsed,
            "the init function does not parse cleanly",
        ));
    }
    let body = body_node(file, func)
        .ok_or_else(|| refuse(file, func.body.start, RefusalKind::InitLayout, "no body"))?;
    let decls = prelude(body, text);
    let at = allocation_point(file, body, &decls)?;
    let release = match helpers {
        None => format!("destroy_workqueue({})", wq.name),
        Some(helpers) => format!("{}()", helpers.destroy),
    };
    let exits = exits_after(body, at, text);
    // A ladder takes the workqueue as one more step when the steps before
    // it fail by returning: the top would need a destroy on each of them.
    if let Some(ladder) = ladder::find(body, text, at, &wq.name, users) {
        let early =
            |(node, exit): &(Node, Exit)| node.start_byte() < ladder.at() && *exit != Exit::Success;
        if exits.iter().any(early) {
            return ladder::allocate(file, body, &ladder, wq, helpers, &release);
        }
    }
    let needs_var = helpers.is_some() || exits.iter().any(|(_, e)| matches!(e, Exit::Computed(_)));
    let (var, declare) = match needs_var {
        true => result_var(file, func, &decls),
        false => (String::new(), None),
    };
    let mut prologue = Vec::new();
    if let Some(declaration) = declare {
        prologue.push((0, declaration));
        prologue.push((0, String::new()));
    } else if !decls.is_empty() {
        prologue.push((0, String::new()));
    }
    prologue.extend(match helpers {
        None => reporting(alloc_lines(wq), voice::failure_print(body, text, &wq.name)),
        Some(helpers) => vec![
            (0, format!("{var} = {}();", helpers.init)),
            (0, format!("if ({var})")),
            (1, format!("return {var};")),
        ],
    });
    if !layout::is_blank_line(text, at) {
        prologue.push((0, String::new()));
    }
    let mut edits = vec![Edit::insert(at, block("\t", &prologue), "init-alloc")];
    if let Some(bottom) = ladder::bottom(body, text, &exits, &wq.name) {
        edits.extend(ladder::hang_at_bottom(text, &bottom, &release));
        return Ok(edits);
    }
    edits.extend(destroys(file, exits, &release, &var, |_| true)?);
    Ok(edits)
}

/// A destroy (the call `release`) before each exit of `exits` that leaves
/// with an error and that `needs` one (var: the result variable a
/// computed return is kept in).
fn destroys(
    file: &SourceFile,
    exits: Vec<(Node, Exit)>,
    release: &str,
    var: &str,
    needs: impl Fn(&Exit) -> bool,
) -> Result<Vec<Edit>, Refusal> {
    let exits: Vec<(Node, Exit)> = exits
        .into_iter()
        .filter(|(_, exit)| *exit != Exit::Success && needs(exit))
        .collect();
    let before = Before {
        kind: RefusalKind::ErrorPathShape,
        origin: "init-error-path",
        arm_origin: "init-brace-arm",
        returns: exits.iter().map(|(node, _)| node.id()).collect(),
    };
    let mut edits = Vec::new();
    for (node, exit) in exits {
        edits.extend(destroy_on(file, node, exit, release, var, &before)?);
    }
    Ok(edits)
}

/// Compile-time checks (`BUILD_BUG_ON()`) and the declarations among
/// them: they hold no code that runs, so the allocation goes after them.
const CHECKS: &[&str] = &[
    "BUILD_BUG_ON",
    "BUILD_BUG_ON_MSG",
    "BUILD_BUG_ON_ZERO",
    "static_assert",
];

/// The leading declarations, and the compile-time checks after them.
fn prelude<'t>(body: Node<'t>, text: &[u8]) -> Vec<Node<'t>> {
    let mut nodes = leading_declarations(body);
    let start = nodes.last().map_or(body.start_byte(), |n| n.end_byte());
    let mut cursor = body.walk();
    let mut checks: Vec<Node> = body
        .named_children(&mut cursor)
        .filter(|n| n.start_byte() >= start)
        .take_while(|n| n.kind() == "comment" || n.kind() == "declaration" || is_check(*n, text))
        .collect();
    while checks.last().is_some_and(|n| n.kind() == "comment") {
        checks.pop();
    }
    nodes.extend(checks);
    nodes
}

fn is_check(statement: Node, text: &[u8]) -> bool {
    let callee = statement
        .named_child(0)
        .filter(|c| statement.kind() == "expression_statement" && c.kind() == "call_expression")
        .and_then(|c| c.child_by_field_name("function"))
        .and_then(|f| f.utf8_text(text).ok());
    callee.is_some_and(|name| CHECKS.contains(&name))
}

/// Where the allocation goes: the start of the line after the last leading
/// declaration (or after the `{`), which must end that line, followed by
/// nothing but whitespace or one complete comment. Anything else there
/// would take the inserted lines in: a comment going on, or a statement
/// such as an `if` whose body is on the next line.
fn allocation_point(file: &SourceFile, body: Node, decls: &[Node]) -> Result<usize, Refusal> {
    let text = &file.text;
    let after = decls.last().map_or(body.start_byte() + 1, |d| d.end_byte());
    let line = layout::line_at(text, after - 1);
    let rest = &text[after.min(line.end)..line.end];
    if layout::is_blank_or_comment(rest) {
        return Ok((line.end + 1).min(text.len()));
    }
    let rest = String::from_utf8_lossy(rest.trim_ascii()).into_owned();
    let detail = match (decls.is_empty(), rest.starts_with("/*")) {
        (true, _) => "statements share the line of `{`".to_string(),
        (false, true) => format!(
            "the comment after the last declaration (`{rest}`) goes on to the next line: \
             the allocation needs a line start after the declarations"
        ),
        (false, false) => format!(
            "`{rest}` follows the last declaration on its line: the allocation needs a \
             line start after the declarations"
        ),
    };
    Err(refuse(file, after, RefusalKind::InitLayout, detail))
}

/// `lines` of `alloc_lines` with `print` before the failure's return.
fn reporting(mut lines: Vec<(usize, String)>, print: Option<String>) -> Vec<(usize, String)> {
    if let Some(print) = print {
        lines[1].1.push_str(" {");
        lines.insert(2, (1, print));
        lines.push((0, "}".into()));
    }
    lines
}

/// The allocation and its check, for a function body indented one tab.
pub fn alloc_lines(wq: &LocalWq) -> Vec<(usize, String)> {
    let assign = format!("{} = ", wq.name);
    let args = [
        format!("\"{}\"", wq.alloc_name),
        wq.flags.to_string(),
        wq.max_active.to_string(),
    ];
    let call = layout::fill_call(8 + assign.len(), "alloc_workqueue", &args, 1);
    vec![
        (0, format!("{assign}{call};")),
        (0, format!("if (!{})", wq.name)),
        (1, "return -ENOMEM;".into()),
    ]
}

pub(super) fn body_node<'t>(file: &'t SourceFile, func: &Function) -> Option<Node<'t>> {
    let node = file
        .tree()
        .root_node()
        .descendant_for_byte_range(func.body.start, func.body.end)?;
    (node.kind() == "compound_statement").then_some(node)
}

/// Every `return` after `from`, with how it leaves.
fn exits_after<'t>(body: Node<'t>, from: usize, text: &[u8]) -> Vec<(Node<'t>, Exit)> {
    let mut found = Vec::new();
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "return_statement" && node.start_byte() >= from {
            found.push((node, classify(node, text)));
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found.sort_by_key(|(n, _)| n.start_byte());
    found
}

fn classify(ret: Node, text: &[u8]) -> Exit {
    let mut cursor = ret.walk();
    let Some(mut expr) = ret
        .named_children(&mut cursor)
        .find(|n| n.kind() != "comment")
    else {
        return Exit::Success;
    };
    while expr.kind() == "parenthesized_expression" {
        match expr.named_child(0) {
            Some(inner) => expr = inner,
            None => break,
        }
    }
    let source = expr.utf8_text(text).unwrap_or("").to_string();
    match expr.kind() {
        "number_literal" if source == "0" => Exit::Success,
        "unary_expression" if source.starts_with('-') => Exit::Error,
        "call_expression" if source.starts_with("PTR_ERR(") => Exit::Error,
        "identifier" if reached_only_by_goto(ret) => Exit::Ladder,
        "identifier" if guarded_by_failure(ret, &source, text) => Exit::Error,
        "identifier" => after_failure_test(ret, &source, text).unwrap_or(Exit::Variable(source)),
        _ => Exit::Computed(source),
    }
}

/// True when the statements before `ret` in its block end in a return or
/// goto with a label after it: an error ladder's common exit.
fn reached_only_by_goto(ret: Node) -> bool {
    let mut stmt = ret;
    let mut seen_label = false;
    if let Some(parent) = ret.parent().filter(|p| p.kind() == "labeled_statement") {
        stmt = parent;
        seen_label = true;
    }
    let mut prev = stmt.prev_named_sibling();
    while let Some(node) = prev {
        match node.kind() {
            "labeled_statement" => seen_label = true,
            "return_statement" | "goto_statement" => return seen_label,
            _ => {}
        }
        prev = node.prev_named_sibling();
    }
    false
}

/// `return var;` right after `if (var) { … }` (no else): when that block
/// always leaves (goto, return), `var` is 0 here and the return is the
/// success path; otherwise the failures pass through the block, which
/// gets the destroy. None for any other shape.
fn after_failure_test(ret: Node, var: &str, text: &[u8]) -> Option<Exit> {
    let mut prev = ret.prev_named_sibling()?;
    while prev.kind() == "comment" {
        prev = prev.prev_named_sibling()?;
    }
    if prev.kind() != "if_statement" || prev.child_by_field_name("alternative").is_some() {
        return None;
    }
    let condition = prev
        .child_by_field_name("condition")?
        .utf8_text(text)
        .ok()?;
    let condition = condition
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    if !failing(var).iter().any(|f| f == condition) {
        return None;
    }
    let block = prev.child_by_field_name("consequence")?;
    if leaves(block) {
        return Some(Exit::Success);
    }
    let close = block.end_byte().checked_sub(1)?;
    let braced = block.kind() == "compound_statement" && text[close] == b'}';
    (braced && layout::first_on_line(text, close)).then_some(Exit::InBlock(close))
}

/// Whether a statement always leaves the function: a return or goto, or
/// a block that ends in one.
fn leaves(statement: Node) -> bool {
    match statement.kind() {
        "return_statement" | "goto_statement" => true,
        "compound_statement" => {
            let mut cursor = statement.walk();
            let last = statement
                .named_children(&mut cursor)
                .filter(|n| n.kind() != "comment")
                .last();
            last.is_some_and(leaves)
        }
        _ => false,
    }
}

/// The conditions that test `var` for failure.
fn failing(var: &str) -> [String; 4] {
    [
        var.to_string(),
        format!("{var} < 0"),
        format!("{var} != 0"),
        format!("unlikely({var})"),
    ]
}

/// True when `ret` sits in the branch of an `if` that tests `var` for
/// failure (`if (err)`, `if (ret < 0)`, `if (ret != 0)`).
fn guarded_by_failure(ret: Node, var: &str, text: &[u8]) -> bool {
    let failing = failing(var);
    let mut child = ret;
    while let Some(parent) = child.parent() {
        if parent.kind() == "if_statement" {
            let in_consequence = parent
                .child_by_field_name("consequence")
                .is_some_and(|c| c.id() == child.id());
            let condition = parent
                .child_by_field_name("condition")
                .and_then(|c| c.utf8_text(text).ok())
                .map(|c| {
                    c.trim_start_matches('(')
                        .trim_end_matches(')')
                        .trim()
                        .to_string()
                });
            return in_consequence && condition.is_some_and(|c| failing.contains(&c));
        }
        if parent.kind() != "compound_statement" {
            return false;
        }
        child = parent;
    }
    false
}

/// An existing `int` result variable of the function, or a new `int ret;`.
fn result_var(file: &SourceFile, func: &Function, decls: &[Node]) -> (String, Option<String>) {
    for decl in decls {
        let source = decl.utf8_text(&file.text).unwrap_or("");
        let Some(rest) = source.strip_prefix("int ") else {
            continue;
        };
        for name in rest
            .trim_end_matches(';')
            .split(',')
            .map(|d| d.split('=').next().unwrap_or("").trim())
        {
            if RESULT_VARS.contains(&name) {
                return (name.to_string(), None);
            }
        }
    }
    let used: Vec<&str> = words_in(&file.text[func.range.clone()])
        .map(|(_, w)| w)
        .collect();
    let name = RESULT_VARS
        .iter()
        .find(|v| !used.contains(v))
        .expect("one of the result names is free");
    (name.to_string(), Some(format!("int {name};")))
}

/// How a destroy is added before a return (of init's error paths, or of
/// exit's early returns): the refusal kind for a shape that leaves no
/// place for it, the origins of the edits, and the returns that get one
/// (ids of their nodes). An unbraced arm that is one of those returns is
/// braced by its own edit, so the other arm's edit must leave it alone.
pub(super) struct Before {
    pub kind: RefusalKind,
    pub origin: &'static str,
    pub arm_origin: &'static str,
    pub returns: Vec<usize>,
}

/// The edit that destroys the workqueue (the call `release`) before `ret`
/// leaves with an error.
fn destroy_on(
    file: &SourceFile,
    ret: Node,
    exit: Exit,
    release: &str,
    var: &str,
    before: &Before,
) -> Result<Vec<Edit>, Refusal> {
    let destroy = format!("{release};");
    let ret_text = ret.utf8_text(&file.text).unwrap_or("").to_string();
    let lines = match exit {
        Exit::Success => return Ok(Vec::new()),
        Exit::InBlock(close) => {
            let indent = layout::indent_at(&file.text, close);
            let line = format!("{indent}\t{destroy}\n");
            let at = layout::line_at(&file.text, close).start;
            return Ok(vec![Edit::insert(at, line, before.origin)]);
        }
        Exit::Error | Exit::Ladder => vec![(0, destroy), (0, ret_text)],
        Exit::Variable(name) => vec![
            (0, format!("if ({name})")),
            (1, destroy),
            (0, String::new()),
            (0, ret_text),
        ],
        Exit::Computed(expr) => vec![
            (0, format!("{var} = {expr};")),
            (0, format!("if ({var})")),
            (1, destroy),
            (0, String::new()),
            (0, format!("return {var};")),
        ],
    };
    place(file, ret, lines, before)
}

/// Replaces the return statement with `lines` (which end with a return),
/// adding braces where the return was an unbraced `if`/`else` branch.
pub(super) fn place(
    file: &SourceFile,
    ret: Node,
    lines: Vec<(usize, String)>,
    before: &Before,
) -> Result<Vec<Edit>, Refusal> {
    let text = &file.text;
    let parent = ret.parent().map(|p| p.kind()).unwrap_or("");
    match parent {
        "compound_statement" | "case_statement" | "labeled_statement" => {
            if !layout::first_on_line(text, ret.start_byte()) {
                return Err(refuse(
                    file,
                    ret.start_byte(),
                    before.kind,
                    "return shares its line with other code",
                ));
            }
            let indent = layout::indent_at(text, ret.start_byte());
            let mut replacement = block(&indent, &lines);
            replacement.drain(..indent.len());
            replacement.pop();
            Ok(vec![Edit::replace(
                ret.byte_range(),
                replacement,
                before.origin,
            )])
        }
        "if_statement" | "else_clause" => braced(file, ret, &lines, before),
        _ => Err(refuse(
            file,
            ret.start_byte(),
            before.kind,
            format!("cannot add the destroy inside a {parent}"),
        )),
    }
}

fn braced(
    file: &SourceFile,
    ret: Node,
    lines: &[(usize, String)],
    before: &Before,
) -> Result<Vec<Edit>, Refusal> {
    let text = &file.text;
    let parent = ret.parent().expect("checked by the caller");
    let head_end = ret.prev_sibling().map(|n| n.end_byte()).ok_or_else(|| {
        refuse(
            file,
            ret.start_byte(),
            before.kind,
            "unbraced branch without a head",
        )
    })?;
    let statement = if parent.kind() == "else_clause" {
        parent.parent()
    } else {
        Some(parent)
    };
    let statement =
        statement.ok_or_else(|| refuse(file, ret.start_byte(), before.kind, "else without if"))?;
    let indent = layout::indent_at(text, statement.start_byte());
    let inner: Vec<(usize, String)> = lines.iter().map(|(d, l)| (d + 1, l.clone())).collect();
    let mut replacement = format!(" {{\n{}{indent}}}", block(&indent, &inner));
    let mut end = ret.end_byte();
    if parent.kind() == "if_statement" {
        if let Some(alternative) = parent.child_by_field_name("alternative") {
            // `} else` share a line.
            replacement.push(' ');
            end = alternative.start_byte();
        }
    }
    let mut edits = vec![Edit::replace(head_end..end, replacement, before.origin)];
    // Kernel style braces every arm once one arm needs braces; an arm that
    // is itself a return getting the destroy is braced by its own edit.
    let other_arm = match parent.kind() {
        "else_clause" => statement.child_by_field_name("consequence"),
        _ => statement
            .child_by_field_name("alternative")
            .and_then(|alt| alt.named_child(0)),
    };
    if let Some(arm) = other_arm.filter(|a| {
        !matches!(a.kind(), "compound_statement" | "if_statement")
            && !before.returns.contains(&a.id())
    }) {
        edits.push(brace_arm(text, arm, &indent, before.arm_origin));
    }
    Ok(edits)
}

/// Wraps an unbraced single-statement arm in braces.
fn brace_arm(text: &[u8], arm: Node, indent: &str, origin: &'static str) -> Edit {
    let head_end = arm
        .prev_sibling()
        .map_or(arm.start_byte(), |n| n.end_byte());
    let body = arm.utf8_text(text).unwrap_or("");
    let follows_else =
        arm.next_sibling().is_none() && arm.parent().is_some_and(|p| p.kind() == "else_clause");
    let mut replacement = format!(" {{\n{indent}\t{body}\n{indent}}}");
    let mut end = arm.end_byte();
    if !follows_else {
        // The consequence: `}` and `else` share a line.
        if let Some(alternative) = arm.next_sibling() {
            replacement.push(' ');
            end = alternative.start_byte();
        }
    }
    Edit::replace(head_end..end, replacement, origin)
}
