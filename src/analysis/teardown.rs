//! Where `destroy_workqueue()` goes in an exit function. The destroy
//! drains the queue, so it must come after everything that can queue work
//! has been stopped, and before the first release of anything that work
//! may use: pending work runs during the drain. Read from the statements
//! of the exit body, one level deep:
//!
//! - a *stop* is any call that may still queue or that stops a source of
//!   work (an unregistration, a timer, an IRQ, a helper of the module: its
//!   inside is not known here, so it counts as a stop);
//! - a *release* is a kernel call that frees or destroys (kfree, vfree,
//!   free_*, *_destroy, destroy_workqueue of another queue, …); but the
//!   destroy of another queue whose work reaches the new one (queues or
//!   flushes there) is a stop: its drain runs that work;
//! - the rest (BUILD_BUG_ON, WARN_ON, printing) is inert.
//!
//! A flush of the new workqueue that the exit already makes once nothing
//! can queue is where the module's author says the work is over: the
//! destroy takes its place (it drains, so the flush would be redundant).
//! A release before the last stop leaves no safe place: flagged.

use super::home::home;
use super::sites::{Site, SiteState};
use super::{Flag, FlagKind};
use crate::load::Unit;
use crate::parse::{Function, SourceFile};
use std::ops::Range;
use tree_sitter::Node;

/// Where the destroy goes in the exit body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Inserted at the start of the line holding the statement at this
    /// offset.
    Before(usize),
    /// In place of this statement, a flush of the new workqueue.
    Replaces(Range<usize>),
    /// At the end of the body, as before this rule (after every stop, no
    /// release after it).
    End,
}

/// The place found, and the release that comes too early when there is
/// none that is safe: (offset of the release, offset of the stop after it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teardown {
    pub at: Placement,
    /// A flush of the new workqueue after that place, deleted (its call).
    pub dropped: Option<Range<usize>>,
    pub conflict: Option<(usize, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Stop,
    Release,
    Inert,
    /// A flush of the new workqueue (one of the converted flush calls).
    Flush,
}

/// Kernel calls that free memory or tear down an object.
const RELEASES: &[&str] = &[
    "kfree",
    "kvfree",
    "vfree",
    "kzfree",
    "kfree_sensitive",
    "kmem_cache_destroy",
    "kmem_cache_free",
    "mempool_destroy",
    "mempool_free",
    "dma_pool_destroy",
    "ida_destroy",
    "idr_destroy",
    "destroy_workqueue",
    "bitmap_free",
    "iounmap",
    "vunmap",
    "put_page",
];

/// Calls that do nothing a pending work item could notice.
const INERT: &[&str] = &[
    "BUILD_BUG_ON",
    "BUILD_BUG_ON_MSG",
    "WARN_ON",
    "WARN_ON_ONCE",
    "WARN",
    "BUG_ON",
    "printk",
    "pr_info",
    "pr_debug",
    "pr_notice",
    "pr_err",
    "pr_warn",
];

/// A module's own printing macro (`isert_info`, `foo_dbg`).
fn is_logging(name: &str) -> bool {
    const SUFFIXES: &[&str] = &["_info", "_err", "_dbg", "_debug", "_warn", "_notice"];
    SUFFIXES.iter().any(|s| name.ends_with(s))
}

pub(super) fn is_release(name: &str) -> bool {
    RELEASES.contains(&name)
        || (name.starts_with("free_") && name != "free_irq")
        || name.ends_with("_free")
        || (name.ends_with("_destroy") && !name.starts_with("unregister"))
}

/// The place for the destroy in `func` (of `file`); `flushes` are the
/// converted flush calls of the file (their call ranges), `module` says
/// whether the module defines a function (its calls are stops, whatever
/// their names) and whether another workqueue's work reaches the new one. None when the body is not clean or returns early: the
/// destroy then goes last and before each return, as Step 3 always did.
pub fn place(
    file: &SourceFile,
    func: &Function,
    flushes: &[Range<usize>],
    module: &Module,
) -> Option<Teardown> {
    if !func.body_clean {
        return None;
    }
    let body = file
        .tree()
        .root_node()
        .descendant_for_byte_range(func.body.start, func.body.end)?;
    if body.kind() != "compound_statement" || has_return(body) {
        return None;
    }
    let mut cursor = body.walk();
    let statements: Vec<(Node, Role)> = body
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .map(|n| (n, role(file, n, flushes, module)))
        .collect();
    let last_stop = statements.iter().rposition(|(_, r)| *r == Role::Stop);
    let after_stops = last_stop.map_or(0, |i| i + 1);
    let rest = &statements[after_stops..];
    let conflict = last_stop.and_then(|stop| {
        statements[..stop]
            .iter()
            .find(|(_, r)| *r == Role::Release)
            .map(|(n, _)| (n.start_byte(), statements[stop].0.start_byte()))
    });
    let flush = rest.iter().rev().find(|(_, r)| *r == Role::Flush);
    let release = rest.iter().find(|(_, r)| *r == Role::Release);
    let call = |n: &Node| {
        lone_call(*n)
            .expect("a flush statement is a lone call")
            .byte_range()
    };
    let (at, dropped) = match (flush, release) {
        // A release before the flush: the destroy goes before it, and the
        // flush (of a destroyed queue by then) goes.
        (Some((flush, _)), Some((release, _))) if release.start_byte() < flush.start_byte() => {
            (Placement::Before(release.start_byte()), Some(call(flush)))
        }
        (Some((flush, _)), _) => (Placement::Replaces(call(flush)), None),
        (None, Some((release, _))) => (Placement::Before(release.start_byte()), None),
        (None, None) => (Placement::End, None),
    };
    Some(Teardown {
        at,
        dropped,
        conflict,
    })
}

/// The place for the destroy in the function `func` of `unit.files[file]`,
/// given the module's sites (its converted flushes there).
pub fn in_unit(unit: &Unit, sites: &[Site], file: usize, func: &Function) -> Option<Teardown> {
    let flushes: Vec<Range<usize>> = sites
        .iter()
        .filter(|s| s.file == file && s.is_flush() && s.state == SiteState::Convert)
        .map(|s| s.range.clone())
        .collect();
    let defined = |name: &str| {
        unit.files
            .iter()
            .any(|f| f.function(name).is_some() || declared_at_top(&f.text, name))
    };
    let feeds = |wq: &str| super::reclaim::work_reaches(unit, sites, wq);
    let module = Module {
        defined: &defined,
        feeds: &feeds,
    };
    place(&unit.files[file], func, &flushes, &module)
}

/// What the module's code tells about an exit's calls.
pub struct Module<'a> {
    /// The module defines this function.
    pub defined: &'a dyn Fn(&str) -> bool,
    /// The work of the workqueue this expression names reaches the new
    /// workqueue (a converted queueing call or flush).
    pub feeds: &'a dyn Fn(&str) -> bool,
}

/// Whether `name(` opens a line's declaration at column 0 (a definition
/// or prototype of the module's): a skimmed file records no functions.
fn declared_at_top(text: &[u8], name: &str) -> bool {
    let needle = format!("{name}(");
    memchr::memmem::find_iter(text, needle.as_bytes()).any(|at| {
        let start = text[..at]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let before = &text[start..at];
        let whole = at == 0 || !(text[at - 1].is_ascii_alphanumeric() || text[at - 1] == b'_');
        whole && !before.is_empty() && !before[0].is_ascii_whitespace() && !before.contains(&b'=')
    })
}

impl Teardown {
    /// The flush the destroy replaces or makes redundant (its call).
    pub fn absorbed(&self) -> Option<Range<usize>> {
        match &self.at {
            Placement::Replaces(flush) => Some(flush.clone()),
            _ => self.dropped.clone(),
        }
    }
}

/// The flush (file, call start) the destroy in the exit takes the place of.
pub fn replaced_flush(unit: &Unit, sites: &[Site]) -> Option<(usize, usize)> {
    let (file, func) = home(unit, sites)?.exit?;
    let flush = in_unit(unit, sites, file, func)?.absorbed()?;
    Some((file, flush.start))
}

/// A release in the exit before a call that may still queue: no place
/// for the destroy is both after every stop and before every release.
pub fn flag(unit: &Unit, sites: &[Site]) -> Option<Flag> {
    let (file, func) = home(unit, sites)?.exit?;
    let (release, stop) = in_unit(unit, sites, file, func)?.conflict?;
    let file = &unit.files[file];
    Some(Flag::new(
        file,
        release,
        FlagKind::ReleaseBeforeStop,
        format!(
            "{}() releases this before line {stop}, which may still queue work or stops \
             what does: destroy_workqueue() can go only after line {stop}, and pending work \
             it drains may use what is released here; stop the work first, or release \
             after the destroy",
            func.name,
            stop = file.line_of(stop),
        ),
    ))
}

fn has_return(body: Node) -> bool {
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "return_statement" {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

fn role(file: &SourceFile, statement: Node, flushes: &[Range<usize>], module: &Module) -> Role {
    let Some(call) = lone_call(statement) else {
        return Role::Stop;
    };
    if flushes.iter().any(|f| *f == call.byte_range()) {
        return Role::Flush;
    }
    let name = call
        .child_by_field_name("function")
        .and_then(|f| f.utf8_text(&file.text).ok())
        .unwrap_or("");
    match name {
        _ if INERT.contains(&name) || is_logging(name) => Role::Inert,
        _ if (module.defined)(name) => Role::Stop,
        "destroy_workqueue" if first_arg(file, call).is_some_and(module.feeds) => Role::Stop,
        _ if is_release(name) => Role::Release,
        _ => Role::Stop,
    }
}

/// The text of a call's first argument.
fn first_arg<'f>(file: &'f SourceFile, call: Node) -> Option<&'f str> {
    let args = call.child_by_field_name("arguments")?;
    args.named_child(0)?.utf8_text(&file.text).ok()
}

/// The call a statement consists of (`f(x);`), if that is all it is.
fn lone_call(statement: Node) -> Option<Node> {
    if statement.kind() != "expression_statement" {
        return None;
    }
    let call = statement.named_child(0)?;
    (call.kind() == "call_expression").then_some(call)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(src: &str, flush: Option<&str>) -> Option<(Placement, bool, String)> {
        let file = SourceFile::parse("t.c".into(), src.into()).unwrap();
        let (_, func) = file.function("foo_exit").expect("foo_exit");
        let flushes: Vec<Range<usize>> = flush
            .map(|f| {
                let at = src.find(f).unwrap();
                std::iter::once(at..at + f.len()).collect()
            })
            .unwrap_or_default();
        let module = Module {
            defined: &|n| n == "foo_helper",
            feeds: &|wq| wq == "foo_io_wq",
        };
        let t = place(&file, func, &flushes, &module)?;
        let shown = match &t.at {
            Placement::Before(at) => src[*at..].lines().next().unwrap().to_string(),
            Placement::Replaces(r) => src[r.clone()].to_string(),
            Placement::End => "end".to_string(),
        };
        Some((t.at, t.conflict.is_some(), shown))
    }

    #[test]
    fn another_queue_whose_work_reaches_the_new_one_is_drained_first() {
        let src = "void foo_exit(void)\n{\n\tunregister_foo(&d);\n\
                   \tdestroy_workqueue(foo_io_wq);\n\tkfree(buf);\n}\n";
        let (_, conflict, shown) = placed(src, None).unwrap();
        assert_eq!((conflict, shown.as_str()), (false, "kfree(buf);"));
    }

    #[test]
    fn the_destroy_goes_after_the_last_stop_and_before_the_first_release() {
        let src = "void foo_exit(void)\n{\n\tunregister_foo(&d);\n\tkfree(buf);\n\
                   \tdestroy_workqueue(other_wq);\n}\n";
        let (_, conflict, shown) = placed(src, None).unwrap();
        assert_eq!((conflict, shown.as_str()), (false, "kfree(buf);"));
    }

    #[test]
    fn a_helper_of_the_module_is_a_stop_whatever_its_name() {
        let src = "void foo_exit(void)\n{\n\tkfree(buf);\n\tfoo_helper();\n}\n";
        let (at, conflict, _) = placed(src, None).unwrap();
        assert_eq!((at, conflict), (Placement::End, true));
        let src = "void foo_exit(void)\n{\n\tkfree(buf);\n\tfoo_info(\"gone\");\n}\n";
        let (_, conflict, _) = placed(src, None).unwrap();
        assert!(!conflict);
    }

    #[test]
    fn a_flush_after_the_stops_is_replaced() {
        let src = "void foo_exit(void)\n{\n\tunregister_foo(&d);\n\
                   \tflush_workqueue(foo_wq);\n\tWARN_ON(busy);\n\tvfree(x);\n}\n";
        let (at, conflict, shown) = placed(src, Some("flush_workqueue(foo_wq)")).unwrap();
        assert!(matches!(at, Placement::Replaces(_)));
        assert_eq!(
            (conflict, shown.as_str()),
            (false, "flush_workqueue(foo_wq)")
        );
    }

    #[test]
    fn a_flush_after_a_release_goes_and_the_destroy_precedes_the_release() {
        let src = "void foo_exit(void)\n{\n\tunregister_foo(&d);\n\tkfree(x);\n\
                   \tflush_workqueue(foo_wq);\n}\n";
        let file = SourceFile::parse("t.c".into(), src.into()).unwrap();
        let (_, func) = file.function("foo_exit").unwrap();
        let at = src.find("flush_workqueue").unwrap();
        let flush = at..at + "flush_workqueue(foo_wq)".len();
        let module = Module {
            defined: &|_| false,
            feeds: &|_| false,
        };
        let t = place(&file, func, std::slice::from_ref(&flush), &module).unwrap();
        assert_eq!(t.at, Placement::Before(src.find("kfree").unwrap()));
        assert_eq!(t.dropped, Some(flush));
    }

    #[test]
    fn a_flush_before_a_stop_stays() {
        let src = "void foo_exit(void)\n{\n\tflush_workqueue(foo_wq);\n\tunregister_foo(&d);\n}\n";
        let (at, _, _) = placed(src, Some("flush_workqueue(foo_wq)")).unwrap();
        assert_eq!(at, Placement::End);
    }

    #[test]
    fn a_function_of_a_skimmed_file_is_the_module_s() {
        let text = b"void foo_mcg_destroy(void)\n{\n}\nstatic int x = foo_init(1);\n\tkfree(p);\n";
        assert!(declared_at_top(text, "foo_mcg_destroy"));
        assert!(!declared_at_top(text, "kfree"));
        assert!(!declared_at_top(text, "foo_init"));
        assert!(!declared_at_top(text, "mcg_destroy"));
    }

    #[test]
    fn early_returns_keep_the_old_rule() {
        let src = "void foo_exit(void)\n{\n\tif (!d)\n\t\treturn;\n\tkfree(d);\n}\n";
        assert_eq!(placed(src, None), None);
    }
}
