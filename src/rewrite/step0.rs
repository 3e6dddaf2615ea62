//! Step 0's smaller fixes: wait for the module's own work items instead of
//! the whole system workqueue, or drop a flush that waits for nobody.

use super::{layout, refuse};
use crate::analysis::{FlushReplacement, Site, SiteState};
use crate::edit::Edit;
use crate::load::Unit;
use crate::refusal::{Refusal, RefusalKind};
use std::collections::BTreeMap;

type FileEdits = BTreeMap<usize, Vec<Edit>>;

/// Each flush becomes the flush_*() calls its replacement lists, one
/// statement each; a flush with none left to wait for is deleted.
pub fn flush_items(
    unit: &Unit,
    sites: &[Site],
    replacements: &[FlushReplacement],
) -> Result<FileEdits, Refusal> {
    let mut edits = each_flush(unit, sites, |file, call, statement| {
        let calls = replacements
            .iter()
            .find(|r| file.path == unit.files[r.file].path && r.at == call.start)
            .map_or_else(Vec::new, |r| r.code());
        if statement.braceless && calls.len() != 1 {
            let becomes = match calls.len() {
                0 => "flush-work would delete it".to_string(),
                n => format!("flush-work makes it {n} calls"),
            };
            return Err(not_alone(file, call.start, &becomes));
        }
        if calls.is_empty() {
            return delete_statement(file, statement.range);
        }
        let indent = layout::indent_at(&file.text, statement.range.start);
        // A call over several lines (a loop and its body) keeps the
        // statement's indentation on each.
        let text = calls
            .iter()
            .map(|c| c.replace('\n', &format!("\n{indent}")))
            .collect::<Vec<_>>()
            .join(&format!(";\n{indent}"));
        Ok(Edit::replace(call, text, "flush-items"))
    })?;
    for (file, edit) in index_declarations(unit, sites, replacements)? {
        edits.entry(file).or_default().push(edit);
    }
    Ok(edits)
}

/// An `int` declaration for each loop index a replacement needs, once per
/// function: after the function's leading declarations, or first in its
/// body with a blank line after it.
fn index_declarations(
    unit: &Unit,
    sites: &[Site],
    replacements: &[FlushReplacement],
) -> Result<Vec<(usize, Edit)>, Refusal> {
    let mut declared: Vec<(usize, usize, String)> = Vec::new();
    let mut edits = Vec::new();
    for replacement in replacements {
        let indexes: Vec<&String> = replacement
            .each
            .iter()
            .flatten()
            .map(|e| &e.index)
            .collect();
        if indexes.is_empty() {
            continue;
        }
        let site = sites
            .iter()
            .find(|s| s.file == replacement.file && s.range.start == replacement.at);
        let file = &unit.files[replacement.file];
        let Some(function) = site.and_then(|s| s.enclosing(unit)) else {
            continue;
        };
        let body = super::init::body_node(file, function).ok_or_else(|| {
            refuse(
                file,
                replacement.at,
                RefusalKind::FlushNotStatement,
                "the flush's function does not parse: no place to declare the loop index",
            )
        })?;
        for index in indexes {
            let key = (replacement.file, function.body.start, index.clone());
            if declared.contains(&key) {
                continue;
            }
            declared.push(key);
            edits.push((replacement.file, declaration(&file.text, body, index)));
        }
    }
    Ok(edits)
}

/// The edit that declares `int index;` in a function body.
fn declaration(text: &[u8], body: tree_sitter::Node, index: &str) -> Edit {
    let decls = crate::parse::leading_declarations(body);
    match decls.last() {
        Some(last) => {
            let line = layout::line_at(text, last.start_byte());
            let indent = layout::indent_at(text, line.start);
            let at = layout::next_line_start(text, last.end_byte());
            Edit::insert(at, format!("{indent}int {index};\n"), "flush-items-index")
        }
        None => {
            let at = layout::next_line_start(text, body.start_byte());
            Edit::insert(at, format!("\tint {index};\n\n"), "flush-items-index")
        }
    }
}

/// Each flush statement is deleted with its lines.
pub fn remove_flushes(unit: &Unit, sites: &[Site]) -> Result<FileEdits, Refusal> {
    each_flush(unit, sites, |file, call, statement| {
        if statement.braceless {
            return Err(not_alone(file, call.start, "remove-flush would delete it"));
        }
        delete_statement(file, statement.range)
    })
}

/// A flush that is the braceless body of an `if`, `else` or loop stays
/// one statement: replaced in place by one call, never deleted nor made
/// several (that needs braces, and the line above changed).
fn not_alone(file: &crate::parse::SourceFile, at: usize, becomes: &str) -> Refusal {
    refuse(
        file,
        at,
        RefusalKind::FlushNotAlone,
        format!(
            "the flush is the body of an if, else or loop without braces and {becomes}: add \
             the braces, or pass --strategy local-wq"
        ),
    )
}

/// The flush statement deleted with its lines: from the start of its first
/// line (where only whitespace precedes it, see `statement_of`) to the end
/// of its last, which may hold nothing else but one complete comment;
/// refused when other code shares that line.
fn delete_statement(file: &crate::parse::SourceFile, statement: Range) -> Result<Edit, Refusal> {
    let text = &file.text;
    // The statement ends with its `;`: its last line is the one holding that
    // byte, which may be a later line than the one it starts on.
    let last = layout::line_at(text, statement.end.saturating_sub(1).max(statement.start));
    if !layout::is_blank_or_comment(&text[statement.end.min(last.end)..last.end]) {
        return Err(refuse(
            file,
            statement.start,
            RefusalKind::FlushSharesLine,
            "the flush shares its line with other code after it: put it on a line of its \
             own, or pass --strategy local-wq",
        ));
    }
    let start = layout::line_at(text, statement.start).start;
    let end = (last.end + 1).min(text.len());
    let lines = layout::without_blank_pair(text, start..end);
    Ok(Edit::replace(lines, "", "remove-flush"))
}

pub(super) type Range = std::ops::Range<usize>;

/// The `call();` statement a flush is.
pub(super) struct Statement {
    pub range: Range,
    /// The body of an `if`, `else` or loop without braces: it must stay
    /// one statement.
    pub braceless: bool,
}

/// One edit per converted flush, made from its call range and statement.
pub(super) fn each_flush(
    unit: &Unit,
    sites: &[Site],
    edit: impl Fn(&crate::parse::SourceFile, Range, Statement) -> Result<Edit, Refusal>,
) -> Result<FileEdits, Refusal> {
    let mut edits = FileEdits::new();
    for site in sites
        .iter()
        .filter(|s| s.is_flush() && s.state == SiteState::Convert)
    {
        let file = &unit.files[site.file];
        let statement = statement_of(file, site.range.clone())?;
        edits
            .entry(site.file)
            .or_default()
            .push(edit(file, site.range.clone(), statement)?);
    }
    Ok(edits)
}

/// The `call();` statement around a call, first on its line: in a
/// block, or the braceless body of an `if`, `else` or loop (which cannot
/// lose or grow its statement). It may go on over several lines.
fn statement_of(
    file: &crate::parse::SourceFile,
    call: std::ops::Range<usize>,
) -> Result<Statement, Refusal> {
    let node = file
        .tree()
        .root_node()
        .descendant_for_byte_range(call.start, call.end)
        .and_then(|n| n.parent())
        .filter(|p| p.kind() == "expression_statement");
    let Some(statement) = node else {
        return Err(refuse(
            file,
            call.start,
            RefusalKind::FlushNotStatement,
            "the flush's value is used (it is not a statement of its own): convert it by \
             hand, or pass --strategy local-wq",
        ));
    };
    // In a block, or among a block's statements under `#if`/`#else`: a
    // statement there can be deleted or become several.
    let in_block = statement.parent().is_some_and(|p| {
        matches!(
            p.kind(),
            "compound_statement"
                | "preproc_if"
                | "preproc_ifdef"
                | "preproc_else"
                | "preproc_elif"
                | "preproc_elifdef"
        )
    });
    let line_start = layout::line_at(&file.text, statement.start_byte()).start;
    let before = &file.text[line_start..statement.start_byte()];
    // A comment before it on its line is the flush's own: it goes with it.
    if !layout::is_blank_or_comment(before) {
        return Err(refuse(
            file,
            call.start,
            RefusalKind::FlushSharesLine,
            "the flush shares its line with other code before it: put it on a line of its \
             own, or pass --strategy local-wq",
        ));
    }
    Ok(Statement {
        range: statement.byte_range(),
        braceless: !in_block,
    })
}
