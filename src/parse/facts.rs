//! The facts localwq reads off a parse tree: functions, calls, macro
//! bodies that mention workqueues, includes, inert ranges (comments and
//! strings), and the ERROR census. Every walk uses an explicit stack or a
//! cursor: nesting depth in the input cannot overflow ours.

use crate::ctext::words_in;
use std::ops::Range;
use tree_sitter::{Node, Tree};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Function {
    pub name: String,
    pub range: Range<usize>,
    pub body: Range<usize>,
    /// The text before the body: storage class, `__init`, name, parameters.
    pub head: String,
    /// No ERROR node inside the body.
    pub body_clean: bool,
    /// The end of the declarations that open the body (comments between
    /// them included, trailing ones not); the body's `{` + 1 when it
    /// opens with a statement. Step 2 allocates right after them.
    pub declarations_end: usize,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Call {
    pub callee: String,
    pub callee_range: Range<usize>,
    pub range: Range<usize>,
    /// Byte range of each argument's text.
    pub args: Vec<Range<usize>>,
    /// Index into `Facts::functions` of the enclosing function.
    pub function: Option<usize>,
    /// Under an ERROR node: the shape around the call is a guess.
    pub in_error: bool,
}

/// A workqueue identifier mentioned in a `#define` body, which the grammar
/// does not parse.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MacroMention {
    pub word: String,
    pub offset: usize,
    pub macro_name: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Include {
    pub path: String,
    pub quoted: bool,
    pub range: Range<usize>,
    /// Directly under the translation unit, not inside `#if`.
    pub top_level: bool,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Facts {
    pub functions: Vec<Function>,
    pub calls: Vec<Call>,
    pub macro_mentions: Vec<MacroMention>,
    pub includes: Vec<Include>,
    /// Comments and string literals: identifiers there are not code.
    pub inert: Vec<Range<usize>>,
    /// `count_errors` of the parse: what the rewrite's check compares a
    /// rewritten text's count with, without parsing the file again.
    pub error_count: usize,
    /// The top level's declarations (`declaration` nodes), in order.
    pub top_declarations: Vec<Range<usize>>,
    /// The names the file calls, in the parse and in the blocks left out
    /// of it (a word followed by `(`), sorted and each once: what a
    /// module calls that it does not define is asked of every file.
    pub called: Vec<String>,
}

impl Facts {
    /// Drops spare capacity: a unit keeps its files' facts as long as it
    /// lives, and a driver of hundreds of files has tens of thousands of
    /// comments.
    pub fn shrink_to_fit(&mut self) {
        self.functions.shrink_to_fit();
        self.calls.shrink_to_fit();
        self.macro_mentions.shrink_to_fit();
        self.includes.shrink_to_fit();
        self.inert.shrink_to_fit();
        self.top_declarations.shrink_to_fit();
        self.called.shrink_to_fit();
    }
}

fn text_of<'a>(node: Node, text: &'a [u8]) -> &'a str {
    node.utf8_text(text).unwrap_or("")
}

/// The name a function definition declares, through pointer declarators.
pub fn function_name(def: Node, text: &[u8]) -> Option<String> {
    let mut declarator = def.child_by_field_name("declarator")?;
    loop {
        match declarator.kind() {
            "function_declarator" => {
                let name = declarator.child_by_field_name("declarator")?;
                return (name.kind() == "identifier").then(|| text_of(name, text).to_string());
            }
            _ => declarator = declarator.child_by_field_name("declarator")?,
        }
    }
}

struct Walk<'a> {
    text: &'a [u8],
    keep: fn(&str) -> bool,
    facts: Facts,
}

pub(super) fn collect_facts(tree: &Tree, text: &[u8], keep: fn(&str) -> bool) -> Facts {
    let mut walk = Walk {
        text,
        keep,
        facts: Facts::default(),
    };
    walk.visit_all(tree.root_node());
    let root = tree.root_node();
    walk.facts.error_count = count_errors(root);
    let mut cursor = root.walk();
    walk.facts.top_declarations = root
        .named_children(&mut cursor)
        .filter(|n| n.kind() == "declaration")
        .map(|n| n.byte_range())
        .collect();
    walk.facts
}

impl Walk<'_> {
    /// Pre-order over the tree, with the enclosing function, whether an
    /// ERROR node is above, and whether the node is at the top level.
    fn visit_all(&mut self, root: Node) {
        let mut stack = vec![(root, None, false, true)];
        while let Some((node, function, in_error, top_level)) = stack.pop() {
            let in_error = in_error || node.is_error();
            let mut function = function;
            match node.kind() {
                "function_definition" => function = self.function(node).or(function),
                "call_expression" => self.call(node, function, in_error),
                "preproc_def" | "preproc_function_def" => self.macro_body(node),
                "preproc_include" => self.include(node, top_level),
                "comment" | "string_literal" | "char_literal" | "system_lib_string" => {
                    self.facts.inert.push(node.byte_range());
                    continue;
                }
                _ => {}
            }
            let children_top_level = node.kind() == "translation_unit";
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            for child in children.into_iter().rev() {
                stack.push((child, function, in_error, children_top_level));
            }
        }
    }

    fn function(&mut self, node: Node) -> Option<usize> {
        let name = function_name(node, self.text)?;
        let body = node.child_by_field_name("body")?;
        self.facts.functions.push(Function {
            name,
            range: node.byte_range(),
            body: body.byte_range(),
            head: String::from_utf8_lossy(&self.text[node.start_byte()..body.start_byte()]).into(),
            body_clean: !has_real_error(body, self.text),
            declarations_end: declarations_end(body),
        });
        Some(self.facts.functions.len() - 1)
    }

    fn call(&mut self, node: Node, function: Option<usize>, in_error: bool) {
        let Some(callee) = node.child_by_field_name("function") else {
            return;
        };
        if callee.kind() != "identifier" {
            return;
        }
        let args = node
            .child_by_field_name("arguments")
            .map_or_else(Vec::new, |list| {
                let mut cursor = list.walk();
                list.named_children(&mut cursor)
                    .filter(|arg| arg.kind() != "comment")
                    .map(|arg| arg.byte_range())
                    .collect()
            });
        self.facts.calls.push(Call {
            callee: text_of(callee, self.text).to_string(),
            callee_range: callee.byte_range(),
            range: node.byte_range(),
            args,
            function,
            in_error: in_error || node.has_error(),
        });
    }

    fn macro_body(&mut self, node: Node) {
        let macro_name = node
            .child_by_field_name("name")
            .map(|n| text_of(n, self.text).to_string())
            .unwrap_or_default();
        let Some(value) = node.child_by_field_name("value") else {
            return;
        };
        let start = value.start_byte();
        for (offset, word) in words_in(&self.text[value.byte_range()]) {
            if (self.keep)(word) {
                self.facts.macro_mentions.push(MacroMention {
                    word: word.to_string(),
                    offset: start + offset,
                    macro_name: macro_name.clone(),
                });
            }
        }
    }

    fn include(&mut self, node: Node, top_level: bool) {
        let Some(path) = node.child_by_field_name("path") else {
            return;
        };
        let raw = text_of(path, self.text);
        self.facts.includes.push(Include {
            path: raw
                .trim_matches(|c| c == '"' || c == '<' || c == '>')
                .to_string(),
            quoted: path.kind() == "string_literal",
            range: node.byte_range(),
            top_level,
        });
        if path.kind() == "system_lib_string" {
            self.facts.inert.push(path.byte_range());
        }
    }
}

/// The ERROR census: every ERROR and MISSING node at or under `node`, in
/// document order. Walked with a cursor, so any depth of nesting is fine;
/// subtrees without errors are skipped.
pub fn error_nodes(node: Node) -> Vec<Node> {
    let mut found = Vec::new();
    let mut cursor = node.walk();
    loop {
        let current = cursor.node();
        if current.is_error() || current.is_missing() {
            found.push(current);
        }
        if current.has_error() && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return found;
            }
        }
    }
}

/// ERROR and MISSING nodes, less the ones a function attribute such as
/// `__init` makes in a definition's head (the grammar knows no attributes).
pub fn count_errors(node: Node) -> usize {
    let attribute = |node: &Node| {
        node.is_error()
            && node
                .parent()
                .is_some_and(|p| p.kind() == "function_definition")
            && node.named_child_count() == 1
            && node
                .named_child(0)
                .is_some_and(|c| c.kind() == "identifier")
    };
    error_nodes(node).iter().filter(|n| !attribute(n)).count()
}

/// ERROR or MISSING nodes, except the MISSING `;` that a for-each macro
/// (`list_for_each_entry(pos, head, member) {`) leaves: the grammar reads
/// it as a call statement followed by a block, and both are intact.
pub fn has_real_error(node: Node, text: &[u8]) -> bool {
    error_nodes(node)
        .into_iter()
        .any(|n| n.is_error() || !is_foreach_artifact(n, text))
}

fn is_foreach_artifact(missing: Node, text: &[u8]) -> bool {
    let Some(statement) = missing
        .parent()
        .filter(|p| p.kind() == "expression_statement")
    else {
        return false;
    };
    let Some(call) = statement
        .named_child(0)
        .filter(|c| c.kind() == "call_expression")
    else {
        return false;
    };
    let block_follows = statement
        .next_named_sibling()
        .is_some_and(|n| n.kind() == "compound_statement");
    let named_for_each = call
        .child_by_field_name("function")
        .and_then(|f| f.utf8_text(text).ok())
        .is_some_and(|name| name.contains("for_each"));
    missing.kind() == ";" && (block_follows || named_for_each)
}

/// `Function::declarations_end` of a function's `body`.
fn declarations_end(body: Node) -> usize {
    let opening = body.start_byte() + 1;
    let Some(body) = body
        .descendant_for_byte_range(body.start_byte(), body.end_byte())
        .filter(|n| n.kind() == "compound_statement")
    else {
        return opening;
    };
    super::leading_declarations(body)
        .last()
        .map_or(opening, |last| last.end_byte())
}
