//! Tree-wide index, built from text in the same read that selects modules:
//! exported functions (EXPORT_SYMBOL*) that reach a queueing call on a
//! system workqueue within their own file (providers), and every file that
//! queues on one, with what it calls (for a flushing module's dependents).
//! Text, not parse trees: kernel style puts a function's braces in column
//! 0, which bounds it cheaply, and only prefiltered files are split.

use crate::ctext::{
    arg_ranges, calls_in, column0_blocks, comment_ranges, exported_names, has_word, matching_paren,
    words_in, Needles,
};
use crate::wq::{self, ApiKind, SystemWq, WqArg};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where an exported function ends up queueing on a system workqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub function: String,
    pub file: PathBuf,
    pub line: usize,
    pub call: String,
    /// The system workqueue the call queues on; None when the tree names
    /// one localwq does not know (it then counts as any).
    pub wq: Option<SystemWq>,
    /// The queued item is a file-scope work item of the provider's own
    /// file (`kmem_cache_destroy()`'s, `fput()`'s): its code queues and
    /// manages it whoever calls it, so no caller's flush is what protects it.
    pub own_item: bool,
    /// Exported functions of the same file that cancel or flush every item
    /// this one queues (`power_supply_unregister()` cancels the
    /// `changed_work` that `power_supply_changed()` queues): the provider's
    /// own teardown, which a caller invokes instead of relying on its flush.
    pub teardown: Vec<String>,
}

impl Provider {
    /// Whether a flush of `flushed`, in a module that calls `called`,
    /// waits for this provider's work on its caller's behalf.
    pub fn works_for_caller(&self, flushed: &BTreeSet<SystemWq>, called: &BTreeSet<&str>) -> bool {
        let torn_down = self.teardown.iter().any(|t| called.contains(t.as_str()));
        !self.own_item && !torn_down && self.wq.is_none_or(|wq| flushed.contains(&wq))
    }
}

/// Other code that calls a module's exports and queues on a flushed
/// system workqueue itself: the module's flush may be waiting for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependent {
    pub file: PathBuf,
    /// The module's exports it calls.
    pub calls: Vec<String>,
}

/// A file that queues on a system workqueue itself, and what it calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueingFile {
    pub path: PathBuf,
    /// The system workqueues it queues on; None for one localwq does not
    /// know (it then counts as any).
    pub wqs: Vec<Option<SystemWq>>,
    /// The names it calls (functions and function-like macros), as sorted
    /// `name_hash`es: a whole-tree index holds thousands of these, and
    /// strings would cost the scan a fifth of its time.
    calls: Vec<u64>,
}

/// FNV-1a of a name: cheap, and collisions only ever add a dependent to
/// review, never hide one.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl QueueingFile {
    /// Whether the file calls `name`.
    pub fn calls(&self, name: &str) -> bool {
        self.calls.binary_search(&name_hash(name)).is_ok()
    }

    pub fn queues_on(&self, flushed: &BTreeSet<SystemWq>) -> bool {
        self.wqs
            .iter()
            .any(|wq| wq.is_none_or(|wq| flushed.contains(&wq)))
    }
}

#[derive(Debug, Default)]
pub struct TreeIndex {
    pub providers: BTreeMap<String, Provider>,
    pub queueing: Vec<QueueingFile>,
}

/// A column-0-braced function of a file: its name, lines, callees.
struct TextFunction {
    name: String,
    body_start: usize,
    body_end: usize,
    callees: BTreeSet<String>,
}

impl TreeIndex {
    /// The index of one file, if it exports a function that queues on a
    /// system workqueue. kernel/workqueue.c, the API itself, queues for
    /// its callers: it is no provider.
    pub fn of_file(path: &Path, text: &[u8]) -> Option<TreeIndex> {
        if memchr::memmem::find(text, wq::WORKQUEUE_IMPLEMENTATION.as_bytes()).is_some() {
            return None;
        }
        let mut index = TreeIndex::default();
        index.add_file(path.to_path_buf(), text);
        (!index.providers.is_empty() || !index.queueing.is_empty()).then_some(index)
    }

    /// One index from the per-file ones.
    pub fn merged(indexes: impl Iterator<Item = TreeIndex>) -> TreeIndex {
        let mut merged = TreeIndex::default();
        for index in indexes {
            merged.providers.extend(index.providers);
            merged.queueing.extend(index.queueing);
        }
        merged.queueing.sort_by(|a, b| a.path.cmp(&b.path));
        merged
    }

    /// Adds one file: its exported queueing functions, and the file
    /// itself if it queues on a system workqueue.
    pub fn add_file(&mut self, path: PathBuf, text: &[u8]) {
        // Most files queue nothing on a system workqueue, and most that do
        // export nothing: only an exporting one is split into functions.
        let wqs = system_queueing(text);
        if wqs.is_empty() {
            return;
        }
        self.queueing.push(QueueingFile {
            path: path.clone(),
            wqs,
            calls: {
                let mut calls: Vec<u64> = calls_in(text).map(|(_, name)| name_hash(name)).collect();
                calls.sort_unstable();
                calls.dedup();
                calls
            },
        });
        if memchr::memmem::find(text, b"EXPORT_SYMBOL").is_none() {
            return;
        }
        let functions = text_functions(text);
        let direct = direct_queuers(&functions, text);
        let reaching = reaching(&functions, &direct);
        let cancels = cancelled_fields(&functions, text);
        let exports = exported_names(text);
        for &export in &exports {
            let Some(queuer) = reaching.get(export) else {
                continue;
            };
            let export = export.to_string();
            let queuer = &direct[queuer];
            let teardown = match &queuer.fields {
                Some(fields) => exports
                    .iter()
                    .filter(|e| cancels.get(**e).is_some_and(|c| fields.is_subset(c)))
                    .map(|e| e.to_string())
                    .collect(),
                None => Vec::new(),
            };
            self.providers.insert(
                export.clone(),
                Provider {
                    function: export,
                    file: path.clone(),
                    line: queuer.line,
                    call: queuer.call.clone(),
                    wq: queuer.wq,
                    own_item: queuer.own_item,
                    teardown,
                },
            );
        }
    }
}

/// Whether a queueing call on a system workqueue occurs in `text`.
fn system_queueing(text: &[u8]) -> Vec<Option<SystemWq>> {
    // Queueing on a system workqueue either implies it or names it.
    static CHEAP: std::sync::OnceLock<Needles> = std::sync::OnceLock::new();
    let cheap = CHEAP.get_or_init(|| Needles::new(wq::QUEUE_NEEDLES));
    if !cheap.is_match(text) {
        return Vec::new();
    }
    static QUEUE: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let names = wq::APIS
            .iter()
            .filter(|a| a.kind == ApiKind::Queue)
            .map(|a| a.name);
        aho_corasick::AhoCorasick::new(names).expect("static patterns")
    });
    let mut wqs: Vec<Option<SystemWq>> = queue
        .find_iter(text)
        .filter_map(|m| {
            let api = wq::api(std::str::from_utf8(&text[m.range()]).unwrap_or(""))?;
            let rest = String::from_utf8_lossy(&text[m.end()..text.len().min(m.end() + 120)]);
            let whole_word =
                rest.starts_with('(') && (m.start() == 0 || !is_word(text[m.start() - 1]));
            whole_word.then(|| system_wq_named(api, &rest))?
        })
        .collect();
    wqs.sort();
    wqs.dedup();
    wqs
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The system workqueue the call whose text from `(` on is `args` queues
/// on: None when it queues on no system workqueue, Some(None) on one
/// localwq does not know.
fn system_wq_named(api: &wq::WqApi, args: &str) -> Option<Option<SystemWq>> {
    match api.wq_arg {
        WqArg::Implied { .. } => Some(Some(SystemWq::Wq)),
        WqArg::Explicit { index, .. } => {
            let args = args.strip_prefix('(').unwrap_or(args);
            let named = args.split(',').nth(index)?.trim();
            named
                .starts_with("system_")
                .then(|| SystemWq::from_ident(named))
        }
    }
}

fn text_functions(text: &[u8]) -> Vec<TextFunction> {
    column0_blocks(text)
        .filter_map(|block| {
            let name = declared_name(&text[block.head_start..block.open])?;
            let body_end = block.close + 1;
            let callees = calls_in(&text[block.open..body_end])
                .map(|(_, w)| w.to_string())
                .collect();
            Some(TextFunction {
                name,
                body_start: block.open,
                body_end,
                callees,
            })
        })
        .collect()
}

/// The identifier before the parameter list's `(` in a function head.
/// The kernel-doc comment above a function is part of its head here:
/// what it mentions (`… before free_irq() …`) is no declaration.
fn declared_name(head: &[u8]) -> Option<String> {
    // The head may start inside that comment (after a `;` of its prose):
    // what follows its last `*/` is the declaration.
    let after_comment = memchr::memmem::rfind(head, b"*/").map_or(0, |at| at + 2);
    let mut head = head[after_comment..].to_vec();
    for comment in comment_ranges(&head.clone()) {
        head[comment].fill(b' ');
    }
    let open = memchr::memchr(b'(', &head)?;
    let name = words_in(&head[..open]).last()?.1;
    (!matches!(name, "if" | "while" | "for" | "switch" | "return")).then(|| name.to_string())
}

/// A function's queueing on system workqueues.
#[derive(Debug, Clone)]
struct Queuer {
    /// Line and text of the first queueing call.
    line: usize,
    call: String,
    /// The workqueue of every call; None when they differ or one is not
    /// a system workqueue localwq knows.
    wq: Option<SystemWq>,
    /// Every call queues a file-scope work item of this file.
    own_item: bool,
    /// The fields (`changed_work` of `&psy->changed_work`) of the items
    /// queued; None when one is not a struct member.
    fields: Option<BTreeSet<String>>,
}

/// The field an item expression names: `changed_work` for
/// `&psy->changed_work`; None for anything but a member access.
fn field_of(item: &str) -> Option<String> {
    let expr = item.trim().strip_prefix('&')?.trim();
    let at = expr
        .rfind("->")
        .map(|i| i + 2)
        .or_else(|| expr.rfind('.').map(|i| i + 1))?;
    let field = expr[at..].trim();
    let is_ident = !field.is_empty()
        && field
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    is_ident.then(|| field.to_string())
}

/// The calls that leave nothing of an item queued behind them.
const WAITS: &[&str] = &[
    "cancel_work_sync",
    "cancel_delayed_work_sync",
    "flush_work",
    "flush_delayed_work",
];

/// For each function, the item fields it cancels or flushes, itself or
/// through the functions of the file it calls.
fn cancelled_fields(functions: &[TextFunction], text: &[u8]) -> BTreeMap<String, BTreeSet<String>> {
    let mut cancels: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for function in functions {
        let body = &text[function.body_start..function.body_end];
        for (offset, word) in calls_in(body) {
            if !WAITS.contains(&word) {
                continue;
            }
            let open = offset + word.len();
            let open = open
                + body[open..]
                    .iter()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count();
            let Some(close) = matching_paren(body, open) else {
                continue;
            };
            let first = arg_ranges(body, open, close).into_iter().next();
            let field = first.and_then(|r| field_of(&String::from_utf8_lossy(&body[r])));
            if let Some(field) = field {
                cancels
                    .entry(function.name.clone())
                    .or_default()
                    .insert(field);
            }
        }
    }
    loop {
        let mut grew = false;
        for function in functions {
            let inherited: BTreeSet<String> = function
                .callees
                .iter()
                .filter_map(|c| cancels.get(c))
                .flatten()
                .cloned()
                .collect();
            let own = cancels.entry(function.name.clone()).or_default();
            let before = own.len();
            own.extend(inherited);
            grew |= own.len() > before;
        }
        if !grew {
            return cancels;
        }
    }
}

/// Functions with a queueing call on a system workqueue in their body
/// (calls in comments are none).
fn direct_queuers(functions: &[TextFunction], text: &[u8]) -> BTreeMap<String, Queuer> {
    let mut found: BTreeMap<String, Queuer> = BTreeMap::new();
    for function in functions {
        let body = &text[function.body_start..function.body_end];
        let comments = comment_ranges(body);
        for (offset, word) in words_in(body) {
            let Some(api) = wq::api(word).filter(|a| a.kind == ApiKind::Queue) else {
                continue;
            };
            if comments.iter().any(|c| c.contains(&offset)) {
                continue;
            }
            let Some((named, item)) = queued_on(body, offset + word.len(), api) else {
                continue;
            };
            let absolute = function.body_start + offset;
            let rest = String::from_utf8_lossy(&body[offset..body.len().min(offset + 200)]);
            let queuer = Queuer {
                line: 1 + memchr::memchr_iter(b'\n', &text[..absolute]).count(),
                call: rest.lines().next().unwrap_or("").trim().to_string(),
                wq: SystemWq::from_ident(&named),
                own_item: declares_work(text, item.strip_prefix('&').unwrap_or(&item)),
                fields: field_of(&item).map(|f| BTreeSet::from([f])),
            };
            found
                .entry(function.name.clone())
                .and_modify(|q| {
                    q.wq = q.wq.filter(|w| Some(*w) == queuer.wq);
                    q.own_item &= queuer.own_item;
                    q.fields = match (q.fields.take(), &queuer.fields) {
                        (Some(mut mine), Some(theirs)) => {
                            mine.extend(theirs.iter().cloned());
                            Some(mine)
                        }
                        _ => None,
                    };
                })
                .or_insert(queuer);
        }
    }
    found
}

/// The system workqueue a call queues on and its work item argument, read
/// from the text after the callee's name; None when the workqueue is not
/// a system one.
fn queued_on(body: &[u8], after_name: usize, api: &wq::WqApi) -> Option<(String, String)> {
    let open = after_name
        + body[after_name..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    let close = matching_paren(body, open).filter(|_| body.get(open) == Some(&b'('))?;
    let args: Vec<String> = arg_ranges(body, open, close)
        .into_iter()
        .map(|r| String::from_utf8_lossy(&body[r]).into_owned())
        .collect();
    let (named, item) = match api.wq_arg {
        WqArg::Implied { insert_at, .. } => (SystemWq::Wq.ident().to_string(), insert_at),
        WqArg::Explicit { index, .. } => (args.get(index)?.clone(), index + 1),
    };
    named
        .starts_with("system_")
        .then(|| (named, args.get(item).cloned().unwrap_or_default()))
}

/// Whether `text` declares `name` as a work item at file scope
/// (`DECLARE_WORK(name, …)`, `static struct delayed_work name;`, …).
fn declares_work(text: &[u8], name: &str) -> bool {
    let is_ident = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    is_ident
        && [
            "DECLARE_WORK(",
            "DECLARE_DELAYED_WORK(",
            "work_struct ",
            "delayed_work ",
        ]
        .iter()
        .any(|head| {
            has_word(text, &format!("{head}{name}")) || has_word(text, &format!("{head} {name}"))
        })
}

/// For each function of the file, the direct queuer it reaches (itself or
/// through calls to other functions of the same file).
fn reaching(
    functions: &[TextFunction],
    direct: &BTreeMap<String, Queuer>,
) -> BTreeMap<String, String> {
    let mut reaches: BTreeMap<String, String> =
        direct.keys().map(|k| (k.clone(), k.clone())).collect();
    loop {
        let mut grew = false;
        for function in functions {
            if reaches.contains_key(&function.name) {
                continue;
            }
            if let Some(target) = function
                .callees
                .iter()
                .find_map(|c| reaches.get(c))
                .cloned()
            {
                reaches.insert(function.name.clone(), target);
                grew = true;
            }
        }
        if !grew {
            return reaches;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kernel_doc_comment_does_not_name_the_function() {
        let head =
            b"}\n\n/**\n * foo_notify - call it before free_irq() */\nint\nfoo_notify(int irq)\n";
        assert_eq!(declared_name(head).as_deref(), Some("foo_notify"));
        // The same head cut after a `;` of the comment's prose.
        let cut = b" then free_irq() runs.\n */\nint\nfoo_notify(int irq)\n";
        assert_eq!(declared_name(cut).as_deref(), Some("foo_notify"));
    }

    #[test]
    fn teardown_exports_cancel_what_the_provider_queues() {
        let text = b"void lib_changed(struct lib *l)\n{\n\tschedule_work(&l->changed_work);\n}\n\
            EXPORT_SYMBOL(lib_changed);\n\nstatic void lib_stop(struct lib *l)\n{\n\
            \tcancel_work_sync(&l->changed_work);\n}\n\nvoid lib_unregister(struct lib *l)\n{\n\
            \tlib_stop(l);\n}\nEXPORT_SYMBOL(lib_unregister);\n";
        let mut index = TreeIndex::default();
        index.add_file("lib.c".into(), text);
        assert_eq!(index.providers["lib_changed"].teardown, ["lib_unregister"]);
        let flushed = BTreeSet::from([SystemWq::Wq]);
        let provider = &index.providers["lib_changed"];
        assert!(provider.works_for_caller(&flushed, &BTreeSet::from(["lib_changed"])));
        assert!(!provider
            .works_for_caller(&flushed, &BTreeSet::from(["lib_changed", "lib_unregister"])));
    }

    #[test]
    fn exported_functions_reach_queueing_through_static_helpers() {
        let text = b"static void kick(struct x *x)\n{\n\tschedule_work(&x->work);\n}\n\n\
            void lib_enqueue(struct x *x)\n{\n\tkick(x);\n}\nEXPORT_SYMBOL(lib_enqueue);\n\n\
            void lib_other(void)\n{\n\tqueue_work(my_wq, &w);\n}\nEXPORT_SYMBOL_GPL(lib_other);\n";
        let mut index = TreeIndex::default();
        index.add_file("lib.c".into(), text);
        let provider = &index.providers["lib_enqueue"];
        assert_eq!(provider.line, 3);
        assert!(provider.call.starts_with("schedule_work("));
        assert!(!index.providers.contains_key("lib_other"));
    }
}
