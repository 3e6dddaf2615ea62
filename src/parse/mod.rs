//! tree-sitter-c wrapper: one file's bytes in, the facts localwq needs out.
//! Kernel code is full of macros the grammar does not know, so ERROR nodes
//! are treated as local: a fact records whether it sits under one.

mod attributes;
pub mod compat;
mod facts;
mod incremental;
pub mod kept;
mod ranges;
mod reparse;

use crate::ctext::{column0_blocks, has_word};
use anyhow::{anyhow, Result};
use facts::collect_facts;
pub use incremental::reparse_whole;
use ranges::{blank, included_ranges, largest, SKIPPED_BLOCKS};
use std::cell::RefCell;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;
use tree_sitter::{Parser, Tree};

pub use facts::{
    count_errors, error_nodes, function_name, has_real_error, Call, Facts, Function, Include,
    MacroMention,
};

/// The names `calls` calls and the `idle` blocks' text calls, sorted,
/// each once.
fn called_names(text: &[u8], idle: &[Range<usize>], calls: &[Call]) -> Vec<String> {
    let mut names: Vec<&str> = calls.iter().map(|c| c.callee.as_str()).collect();
    for block in idle {
        names.extend(crate::ctext::calls_in(&text[block.clone()]).map(|(_, name)| name));
    }
    names.sort_unstable();
    names.dedup();
    names.into_iter().map(str::to_string).collect()
}

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses C with this thread's parser, created on first use.
pub fn parse_c(text: &[u8]) -> Result<Tree> {
    parse_c_without(text, &[])
}

/// Parses C as if the `idle` ranges (sorted, disjoint) were not there.
/// Node offsets and lines stay those of `text`. The largest blocks are left
/// out through tree-sitter's included ranges, which its lexer skips for
/// free; but it scans that list from the start at every token (a file of
/// thousands of functions took quadratic time), so the list is kept short
/// and the other blocks are blanked in a copy instead: lexed as spaces.
pub fn parse_c_without(text: &[u8], idle: &[Range<usize>]) -> Result<Tree> {
    let (skipped, mut blanked) = largest(idle, SKIPPED_BLOCKS);
    // Attribute macros the grammar does not know are read as the
    // compiler does, as nothing (`attributes.rs`).
    blanked.extend(attributes::attribute_ranges(text));
    let copy;
    let source = match blanked.is_empty() {
        true => text,
        false => {
            copy = blank(text, &blanked);
            &copy
        }
    };
    let included = included_ranges(text, &skipped);
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = parser(&mut slot)?;
        parser
            .set_included_ranges(&included)
            .map_err(|e| anyhow!("tree-sitter refused the ranges to parse: {e:?}"))?;
        parser
            .parse(source, None)
            .ok_or_else(|| anyhow!("tree-sitter gave up on the file"))
    })
}

/// The thread's parser, made on first use, reset.
fn parser(slot: &mut Option<Parser>) -> Result<&mut Parser> {
    if slot.is_none() {
        let mut parser = Parser::new();
        parser.set_language(&tree_sitter_c::LANGUAGE.into())?;
        *slot = Some(parser);
    }
    let parser = slot.as_mut().expect("parser was just created");
    parser.reset();
    Ok(parser)
}

/// Interiors of the column-0-braced blocks (kernel style puts a function's
/// braces in column 0) whose text, head included, holds nothing `wanted`
/// finds. Parsing them as `{}` loses nothing localwq reads or rewrites.
pub fn idle_blocks(text: &[u8], wanted: impl Fn(&[u8]) -> bool) -> Vec<Range<usize>> {
    column0_blocks(text)
        .filter(|b| b.close > b.open + 1 && !wanted(&text[b.head_start..=b.close]))
        .map(|b| b.open + 1..b.close)
        .collect()
}

/// Byte offsets of line starts, for 1-based line numbers. Every file of
/// a unit has one, for as long as the unit lives (i915: 500 files): four
/// bytes a line, and no spare capacity.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> Self {
        // A source file is at most `load::MAX_SOURCE_BYTES` (4 MiB).
        let offset = |i: usize| u32::try_from(i).expect("a source file under 4 GiB");
        let mut starts = Vec::with_capacity(memchr::memchr_iter(b'\n', text).count() + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| offset(i + 1)));
        LineIndex { starts }
    }

    pub fn line(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&start| start as usize <= offset)
    }

    pub fn line_start(&self, offset: usize) -> usize {
        self.starts[self.line(offset) - 1] as usize
    }
}

/// One source file of a module, parsed, or only skimmed when nothing in
/// it concerns workqueues (a big driver has hundreds of such files).
pub struct SourceFile {
    /// Relative to the kernel tree's root.
    pub path: PathBuf,
    pub text: Vec<u8>,
    /// The parse tree (`tree()`); an empty one for a skimmed file. Made
    /// again on first ask after `drop_tree`.
    tree: OnceLock<Tree>,
    pub lines: LineIndex,
    /// For a skimmed file, only `includes` is filled (from the text).
    pub facts: Facts,
    pub parsed: bool,
    /// Function bodies parsed as empty (see `idle_blocks`) and dead
    /// compatibility branches: no facts come from them.
    pub idle: Vec<Range<usize>>,
    /// Branches that cannot be compiled for the kernel the module is
    /// built for (`compat`), also in `idle`.
    pub dead: Vec<Range<usize>>,
}

impl SourceFile {
    pub fn parse(path: PathBuf, text: Vec<u8>) -> Result<Self> {
        Self::parse_without(path, text, Vec::new())
    }

    /// Parses only the top level and the blocks `wanted` finds something
    /// in: a big driver file has one function of interest among hundreds.
    pub fn parse_focused(
        path: PathBuf,
        text: Vec<u8>,
        wanted: impl Fn(&[u8]) -> bool,
    ) -> Result<Self> {
        let idle = idle_blocks(&text, wanted);
        Self::parse_without(path, text, idle)
    }

    /// `parse_focused` for the kernel `version` (a `KERNEL_VERSION`
    /// value): branches dead for it are left out of the parse too.
    pub fn parse_for_version(
        path: PathBuf,
        text: Vec<u8>,
        wanted: impl Fn(&[u8]) -> bool,
        version: Option<i64>,
    ) -> Result<Self> {
        let dead = version.map_or_else(Vec::new, |v| compat::dead_branches(&text, v));
        let mut idle: Vec<Range<usize>> = idle_blocks(&text, wanted)
            .into_iter()
            .filter(|block| {
                !dead
                    .iter()
                    .any(|d| d.start <= block.end && block.start <= d.end)
            })
            .chain(dead.iter().cloned())
            .collect();
        idle.sort_by_key(|r| r.start);
        let mut file = Self::parse_without(path, text, idle)?;
        file.dead = dead;
        Ok(file)
    }

    fn parse_without(path: PathBuf, text: Vec<u8>, idle: Vec<Range<usize>>) -> Result<Self> {
        let Some(store) = kept::store() else {
            let (tree, facts) = Self::parse_facts(&text, &idle)?;
            return Ok(Self::parsed(path, text, idle, OnceLock::from(tree), facts));
        };
        let key = kept::key_of(&text, &idle);
        if let Some(facts) = store.get(&key) {
            // The tree is made when something asks for it.
            return Ok(Self::parsed(path, text, idle, OnceLock::new(), facts));
        }
        let (tree, facts) = Self::parse_facts(&text, &idle)?;
        store.put(&key, &facts);
        Ok(Self::parsed(path, text, idle, OnceLock::from(tree), facts))
    }

    /// The parse of `text` less `idle`, and its facts.
    fn parse_facts(text: &[u8], idle: &[Range<usize>]) -> Result<(Tree, Facts)> {
        let tree = parse_c_without(text, idle)?;
        let mut facts = collect_facts(&tree, text, crate::wq::is_macro_word);
        // A function lost leaves an ERROR, or its calls outside any
        // function (a head the grammar took for a statement).
        let wanted = |word: &str| crate::wq::api(word).is_some();
        let outside = || {
            facts
                .calls
                .iter()
                .any(|c| c.function.is_none() && wanted(&c.callee))
        };
        if tree.root_node().has_error() || outside() {
            reparse::mend(text, idle, &mut facts, wanted, crate::wq::is_macro_word)?;
        }
        facts.called = called_names(text, idle, &facts.calls);
        facts.shrink_to_fit();
        Ok((tree, facts))
    }

    fn parsed(
        path: PathBuf,
        text: Vec<u8>,
        idle: Vec<Range<usize>>,
        tree: OnceLock<Tree>,
        facts: Facts,
    ) -> Self {
        SourceFile {
            path,
            lines: LineIndex::new(&text),
            text,
            tree,
            facts,
            parsed: true,
            idle,
            dead: Vec::new(),
        }
    }

    /// A file read but not parsed: its includes come from the text.
    pub fn skim(path: PathBuf, text: Vec<u8>) -> Result<Self> {
        // Comments stay inert, so that the text's calls (`sites`) and
        // entry macros are those of the code.
        let mut facts = Facts {
            includes: text_includes(&text),
            inert: crate::ctext::comment_ranges(&text),
            ..Facts::default()
        };
        facts.shrink_to_fit();
        Ok(SourceFile {
            path,
            tree: OnceLock::from(parse_c(b"")?),
            lines: LineIndex::new(&text),
            text,
            facts,
            parsed: false,
            idle: Vec::new(),
            dead: Vec::new(),
        })
    }

    /// `skim` for the kernel `version`: branches dead for it are inert
    /// (and `dead`), as a parse for it would leave them out.
    pub fn skim_for_version(path: PathBuf, text: Vec<u8>, version: Option<i64>) -> Result<Self> {
        let dead = version.map_or_else(Vec::new, |v| compat::dead_branches(&text, v));
        let mut file = Self::skim(path, text)?;
        file.facts.inert.extend(dead.iter().cloned());
        file.facts.shrink_to_fit();
        file.dead = dead;
        Ok(file)
    }

    /// The parse tree: of the text less its idle blocks, or an empty one
    /// for a skimmed file.
    pub fn tree(&self) -> &Tree {
        self.tree.get_or_init(|| {
            // The same parse as when the file was opened, of the same
            // bytes: tree-sitter makes the same tree again.
            let text: &[u8] = if self.parsed { &self.text } else { b"" };
            parse_c_without(text, &self.idle).expect("the file was parsed once already")
        })
    }

    /// Frees the parse tree, for as long as nothing asks for it: a unit
    /// held for grouping keeps its facts and texts, and its trees were
    /// most of a scan's peak memory while other modules converted.
    pub fn drop_tree(&mut self) {
        self.tree = OnceLock::new();
    }

    /// The parse tree of the whole text, parsing now if the file was only
    /// skimmed or parsed in part.
    pub fn full_tree(&self) -> Result<Tree> {
        match self.parsed && self.idle.is_empty() {
            true => Ok(self.tree().clone()),
            false => parse_c(&self.text),
        }
    }

    /// Whether `offset` is in a block parsed as empty.
    pub fn in_idle(&self, offset: usize) -> bool {
        // Sorted and disjoint: the only candidate is the last one starting
        // at or before `offset`.
        let after = self.idle.partition_point(|r| r.start <= offset);
        after > 0 && self.idle[after - 1].contains(&offset)
    }

    pub fn slice(&self, range: Range<usize>) -> &str {
        std::str::from_utf8(&self.text[range]).unwrap_or("")
    }

    pub fn line_of(&self, offset: usize) -> usize {
        self.lines.line(offset)
    }

    /// The trimmed source line holding `offset`, for review notes.
    pub fn excerpt(&self, offset: usize) -> String {
        let start = self.lines.line_start(offset);
        let end = memchr::memchr(b'\n', &self.text[start..]).map_or(self.text.len(), |i| start + i);
        String::from_utf8_lossy(&self.text[start..end])
            .trim()
            .to_string()
    }

    pub fn function(&self, name: &str) -> Option<(usize, &Function)> {
        self.facts
            .functions
            .iter()
            .enumerate()
            .find(|(_, f)| f.name == name)
    }

    pub fn in_inert(&self, offset: usize) -> bool {
        self.facts.inert.iter().any(|r| r.contains(&offset))
    }
}

/// The declarations that open a body, with the comments between them
/// (trailing comments not): where Step 2's allocation goes after, and what
/// analysis calls "before the allocation".
pub fn leading_declarations(body: tree_sitter::Node) -> Vec<tree_sitter::Node> {
    let mut cursor = body.walk();
    let mut decls: Vec<tree_sitter::Node> = body
        .named_children(&mut cursor)
        .take_while(|n| matches!(n.kind(), "declaration" | "comment"))
        .collect();
    while decls.last().is_some_and(|n| n.kind() == "comment") {
        decls.pop();
    }
    decls
}

/// `#include "x.h"` lines, read from text.
pub fn text_includes(text: &[u8]) -> Vec<Include> {
    let mut includes = Vec::new();
    for at in memchr::memmem::find_iter(text, b"#include") {
        if at > 0 && text[at - 1] != b'\n' {
            continue;
        }
        let end = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i);
        let line = String::from_utf8_lossy(&text[at..end]);
        let rest = line["#include".len()..].trim();
        let quoted = rest.starts_with('"');
        let close = if quoted { '"' } else { '>' };
        // Only the delimited name: a comment may follow on the line.
        let Some(path) = rest.get(1..).and_then(|r| r.split(close).next()) else {
            continue;
        };
        let path = path.to_string();
        includes.push(Include {
            path,
            quoted,
            range: at..end,
            top_level: false,
        });
    }
    includes
}

/// Whether a file (or a block of one) mentions anything localwq rewrites
/// or reads (`wq::parse_words`), or one of `names` (the entry functions,
/// which need a tree).
pub fn worth_parsing(text: &[u8], names: &[String]) -> bool {
    static WORDS: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    let matcher = WORDS.get_or_init(|| {
        aho_corasick::AhoCorasick::new(crate::wq::parse_words()).expect("static patterns")
    });
    matcher.is_match(text) || names.iter().any(|n| has_word(text, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(src: &str) -> SourceFile {
        SourceFile::parse("t.c".into(), src.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn finds_functions_through_kernel_attributes() {
        let file = facts("static int __init foo_init(void)\n{\n\treturn 0;\n}\n");
        let (_, f) = file.function("foo_init").expect("foo_init");
        assert!(f.body_clean);
        assert!(f.head.contains("__init"));
    }

    #[test]
    fn records_call_arguments_and_enclosing_function() {
        let file = facts("void f(void)\n{\n\tqueue_work(system_wq, &w);\n}\n");
        let call = file
            .facts
            .calls
            .iter()
            .find(|c| c.callee == "queue_work")
            .unwrap();
        assert_eq!(call.args.len(), 2);
        assert_eq!(file.slice(call.args[0].clone()), "system_wq");
        assert_eq!(call.function, Some(0));
        assert!(!call.in_error);
    }

    #[test]
    fn sees_workqueue_calls_in_macro_bodies() {
        let file = facts("#define KICK(w) schedule_work(w)\n");
        assert_eq!(file.facts.macro_mentions.len(), 1);
        assert_eq!(file.facts.macro_mentions[0].macro_name, "KICK");
    }

    #[test]
    fn for_each_macros_leave_the_body_clean() {
        let file = facts("void f(void)\n{\n\tlist_for_each_entry(a, b, c) {\n\t\tg(a);\n\t}\n}\n");
        assert!(file.facts.functions[0].body_clean);
        let broken = facts("void f(void)\n{\n\tint = ;\n}\n");
        assert!(!broken.facts.functions[0].body_clean);
    }

    #[test]
    fn comments_are_inert() {
        let file = facts("/* flush_scheduled_work() */\nint x;\n");
        assert!(file.in_inert(5));
        assert!(file.facts.calls.is_empty());
    }

    const TWO_FUNCTIONS: &str = "static int busy(void)\n{\n\treturn helper(1) + 2;\n}\n\n\
        static void kick(void)\n{\n\tschedule_work(&w);\n}\n";

    #[test]
    fn only_blocks_with_wanted_words_are_parsed() {
        let wanted = |block: &[u8]| worth_parsing(block, &[]);
        let file = SourceFile::parse_focused("t.c".into(), TWO_FUNCTIONS.into(), wanted).unwrap();
        assert_eq!(file.idle.len(), 1, "busy()'s body is left out");
        assert_eq!(
            file.slice(file.idle[0].clone()),
            "\n\treturn helper(1) + 2;\n"
        );
        let names: Vec<&str> = file
            .facts
            .functions
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, ["busy", "kick"], "both functions are still seen");
        let callees: Vec<&str> = file.facts.calls.iter().map(|c| c.callee.as_str()).collect();
        assert_eq!(callees, ["schedule_work"]);
        let whole = facts(TWO_FUNCTIONS);
        let kick = |f: &SourceFile| f.function("kick").map(|(_, f)| f.range.clone());
        assert_eq!(
            kick(&file),
            kick(&whole),
            "offsets are those of the whole text"
        );
        assert!(!file.tree().root_node().has_error());
    }

    #[test]
    fn many_blocks_left_out_read_as_the_whole_text() {
        // More blocks than tree-sitter skips: the rest are blanked, and
        // both kinds must read like the whole text.
        let mut src = String::new();
        for i in 0..3 * SKIPPED_BLOCKS {
            let body = "\tint x = 1;\n".repeat(1 + i % 5);
            src.push_str(&format!(
                "static int busy{i}(void)\n{{\n{body}\treturn x;\n}}\n\n"
            ));
        }
        src.push_str("static void kick(void)\n{\n\tschedule_work(&w);\n}\n");
        let wanted = |block: &[u8]| worth_parsing(block, &[]);
        let file = SourceFile::parse_focused("t.c".into(), src.clone().into(), wanted).unwrap();
        assert_eq!(file.idle.len(), 3 * SKIPPED_BLOCKS);
        let whole = facts(&src);
        let ranges = |f: &SourceFile| -> Vec<_> {
            f.facts
                .functions
                .iter()
                .map(|f| (f.name.clone(), f.range.clone()))
                .collect()
        };
        assert_eq!(ranges(&file), ranges(&whole));
        let call = |f: &SourceFile| {
            f.facts
                .calls
                .iter()
                .find(|c| c.callee == "schedule_work")
                .map(|c| c.range.clone())
        };
        assert_eq!(call(&file), call(&whole));
        assert!(!file.tree().root_node().has_error());
    }

    #[test]
    fn an_entry_name_keeps_its_function_parsed() {
        let names = ["busy".to_string()];
        let wanted = |block: &[u8]| worth_parsing(block, &names);
        let file = SourceFile::parse_focused("t.c".into(), TWO_FUNCTIONS.into(), wanted).unwrap();
        assert!(file.idle.is_empty());
        assert!(file.facts.calls.iter().any(|c| c.callee == "helper"));
    }

    #[test]
    fn text_includes_stop_at_the_delimiter() {
        let found = text_includes(b"#include \"core.h\" /* struct x */\n#include <linux/a.h>\n");
        let paths: Vec<(&str, bool)> = found.iter().map(|i| (i.path.as_str(), i.quoted)).collect();
        assert_eq!(paths, [("core.h", true), ("linux/a.h", false)]);
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        // Test threads have 2 MiB of stack: a recursive walk dies here.
        let depth = 50_000;
        let src = format!(
            "void f(void)\n{{\n{}schedule_work(&w);{}\n}}\n",
            "{".repeat(depth),
            "}".repeat(depth)
        );
        let file = facts(&src);
        assert!(file.facts.calls.iter().any(|c| c.callee == "schedule_work"));
        assert!(error_nodes(file.tree().root_node()).is_empty());
    }

    #[test]
    fn the_error_count_is_that_of_the_files_own_parse() {
        // What the rewrite's check takes as the count before: it must be
        // the count of a parse with the same blocks left out.
        let src = "static int a(void)\n{\n\tint x = ;\n}\n\nstatic void b(void)\n{\n\tschedule_work(&w);\n\tfoo(;\n}\n";
        let file =
            SourceFile::parse_focused("t.c".into(), src.into(), |b| has_word(b, "schedule_work"))
                .unwrap();
        assert_eq!(file.idle.len(), 1, "a()'s body is left out");
        let again = parse_c_without(src.as_bytes(), &file.idle).unwrap();
        assert_eq!(file.facts.error_count, count_errors(again.root_node()));
        assert!(file.facts.error_count > 0);
        let whole = SourceFile::parse("t.c".into(), src.into()).unwrap();
        assert!(whole.facts.error_count > file.facts.error_count);
    }

    #[test]
    fn line_numbers_are_one_based() {
        let lines = LineIndex::new(b"a\nb\nc");
        assert_eq!(lines.line(0), 1);
        assert_eq!(lines.line(2), 2);
        assert_eq!(lines.line(4), 3);
    }
}
