//! What the module's entry points allow: a local workqueue needs an init
//! that runs first and alone, and is flagged where no exit destroys it.

use super::calls::{call_graph, converted_sites, reached};
use super::{Flag, FlagKind, Refusal, RefusalKind, Site};
use crate::entry::{initcall_level, Entry};
use crate::kbuild::ModuleKind;
use crate::load::Unit;
use std::collections::HashSet;

/// Why the module's entry cannot take a local workqueue, if it cannot.
pub fn entry_refusal(unit: &Unit, sites: &[Site]) -> Option<Refusal> {
    if let Some(tie) = initcall_tie(unit) {
        return Some(tie);
    }
    if let Some(early) = early_init(unit, sites) {
        return Some(early);
    }
    if let Some(shared) = shared_entry(unit) {
        return Some(shared);
    }
    let (kind, detail) = match &unit.entry {
        Entry::None => (
            RefusalKind::NoEntry,
            "no module_init(), initcall or module_*_driver() in the module's files: \
             there is no init to allocate the workqueue in"
                .to_string(),
        ),
        Entry::Explicit { init: None, .. } => (
            RefusalKind::ExitWithoutInit,
            "module_exit() but no module_init() or initcall in the module's files".into(),
        ),
        Entry::DriverMacro {
            invocation,
            pair: None,
        } => (
            RefusalKind::DriverMacroUnknown,
            format!(
                "{}() does not expand through module_driver() in this tree: write the \
                 init/exit pair by hand",
                invocation.macro_name
            ),
        ),
        _ => return None,
    };
    Some(Refusal::module(kind, detail))
}

/// An entry macro in a file other modules are built from too: their init
/// would allocate this module's workqueue.
fn shared_entry(unit: &Unit) -> Option<Refusal> {
    let file = match &unit.entry {
        Entry::Explicit { init: Some(i), .. } => i.file,
        Entry::DriverMacro { invocation, .. } => invocation.file,
        _ => return None,
    };
    let path = &unit.files[file].path;
    let others = unit.co_owned.get(path)?;
    Some(Refusal::module(
        RefusalKind::SharedEntry,
        format!(
            "the module's entry is in {}, which Kbuild also builds into {}: \
             one init cannot allocate the workqueue for both",
            path.display(),
            others.join(", ")
        ),
    ))
}

/// Several initcalls at the earliest level: which runs first depends on
/// link order, which is not read here (module files come sorted), so the
/// reason says so rather than that no order exists.
fn initcall_tie(unit: &Unit) -> Option<Refusal> {
    let Entry::Explicit {
        init: Some(init), ..
    } = &unit.entry
    else {
        return None;
    };
    let level = initcall_level(&init.macro_name);
    let tied: Vec<&crate::entry::Invocation> = unit
        .invocations
        .iter()
        .filter(|i| initcall_level(&i.macro_name) == level)
        .collect();
    // Link order decides among them: the order of the objects in the
    // Makefile, read with the module; a file outside that list leaves it
    // unknown.
    let linked = |i: &&crate::entry::Invocation| {
        let path = &unit.files[i.file].path;
        unit.module.link_order.contains(path)
    };
    (tied.len() > 1 && !tied.iter().all(linked)).then(|| {
        let shown: Vec<String> = tied
            .iter()
            .map(|i| format!("{}({})", i.macro_name, i.args.join(", ")))
            .collect();
        Refusal::module(
            RefusalKind::InitcallTie,
            format!(
                "several initcalls at the same level ({}): link order (the order of the \
                 objects in the Makefile) decides which runs first, and localwq could not \
                 tell it from the Makefiles it read: the workqueue belongs in the first of \
                 them",
                shown.join(", ")
            ),
        )
    })
}

/// Built-in code with `__init` functions other code calls at boot (not
/// initcalls, not called by the module itself: `acpi_early_init()`, which
/// start_kernel() calls before any initcall): what they reach may queue
/// before the initcall allocates the workqueue, and localwq cannot follow
/// them through other code.
fn early_init(unit: &Unit, sites: &[Site]) -> Option<Refusal> {
    if unit.module.kind != ModuleKind::BuiltIn {
        return None;
    }
    let initcalls: Vec<&str> = unit
        .invocations
        .iter()
        .filter_map(|i| i.args.first().map(String::as_str))
        .collect();
    let mut early = Vec::new();
    // Read once for every name: asked file by file per name, a built-in
    // unit of a hundred files was split into words hundreds of times.
    let mut called: Option<HashSet<&str>> = None;
    for file in &unit.files {
        for (name, offset) in global_init_functions(&file.text) {
            let called = called.get_or_insert_with(|| called_in_bodies(unit));
            if !initcalls.contains(&name.as_str()) && !called.contains(name.as_str()) {
                let at = format!("{}:{}", file.path.display(), file.line_of(offset));
                early.push((name, at));
            }
        }
    }
    if early.is_empty() {
        return None;
    }
    // Those that reach a converted call through the module's own code
    // first, with the call: the plain case a maintainer can check.
    let graph = call_graph(unit);
    let converted = converted_sites(unit, sites);
    let reaching: Vec<String> = early
        .iter()
        .filter_map(|(name, at)| {
            let (via, site) = reached(graph, &converted, name, |s| !s.is_flush())?;
            let through = match via == *name {
                true => String::new(),
                false => format!(" through {via}()"),
            };
            Some(format!(
                "{name}() ({at}) reaches {}() at {}:{}{through}",
                site.api.name,
                unit.files[site.file].path.display(),
                site.line
            ))
        })
        .collect();
    let mut shown: Vec<String> = early
        .iter()
        .map(|(name, at)| format!("{name}() ({at})"))
        .collect();
    const SHOWN: usize = 3;
    if shown.len() > SHOWN {
        let more = shown.len() - SHOWN;
        shown.truncate(SHOWN);
        shown.push(format!("{more} more"));
    }
    let detail = match reaching.is_empty() {
        true => format!(
            "built-in code with __init functions other code calls at boot, outside the \
             initcalls ({}): start_kernel() or arch setup may run them before any \
             initcall, and work queued from what they reach would find no workqueue \
             allocated yet; localwq cannot follow them through other code{}",
            shown.join(", "),
            open_to_others(unit, graph, &converted)
        ),
        false => format!(
            "built-in code queues work before any initcall: {}; other code calls it at \
             boot, outside the initcalls, when no workqueue is allocated yet",
            reaching.join("; ")
        ),
    };
    Some(Refusal::module(RefusalKind::EarlyInit, detail))
}

/// The converted queueing calls other code can reach, through which
/// function of the module that is not static: where the early code, if
/// it queues, would come in ("; other code can reach …", or nothing).
fn open_to_others(
    unit: &Unit,
    graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
    converted: &std::collections::BTreeMap<String, &Site>,
) -> String {
    let mut found: Vec<(String, String)> = Vec::new();
    // Outside code can call an exported function, or one no header of the
    // module declares (a public header does); one declared in the
    // module's own header only is the module's business.
    let exported = unit.exported();
    let in_headers: HashSet<&str> = (0..unit.files.len())
        .filter(|&h| unit.is_header(h))
        .flat_map(|h| crate::ctext::calls_in(&unit.files[h].text).map(|(_, w)| w))
        .collect();
    let private = |name: &str| in_headers.contains(name);
    let entries = unit
        .files
        .iter()
        .flat_map(|f| &f.facts.functions)
        .filter(|f| !crate::ctext::has_word(f.head.as_bytes(), "static"))
        .filter(|f| exported.contains(&f.name.as_str()) || !private(&f.name));
    for entry in entries {
        let Some((via, site)) = reached(graph, converted, &entry.name, |s| !s.is_flush()) else {
            continue;
        };
        let call = format!(
            "{}() at {}:{} in {via}()",
            site.api.name,
            unit.files[site.file].path.display(),
            site.line
        );
        if found.iter().all(|(c, _)| *c != call) {
            found.push((call, entry.name.clone()));
        }
    }
    const SHOWN: usize = 3;
    let listed: Vec<String> = found
        .iter()
        .take(SHOWN)
        .map(
            |(call, entry)| match call.ends_with(&format!(" in {entry}()")) {
                true => call.clone(),
                false => format!("{call}, through {entry}()"),
            },
        )
        .collect();
    match listed.is_empty() {
        true => String::new(),
        false => format!(
            "; queueing calls reached from functions other code can call (exported, or \
             declared in no header of the module's): {}{}",
            listed.join("; "),
            match found.len() > SHOWN {
                true => format!("; {} more", found.len() - SHOWN),
                false => String::new(),
            }
        ),
    }
}

/// The non-static `__init` functions defined at column 0 of `text`, with
/// the offset of their head.
fn global_init_functions(text: &[u8]) -> Vec<(String, usize)> {
    crate::ctext::column0_blocks(text)
        .filter_map(|block| {
            let head = &text[block.head_start..block.open];
            let open = memchr::memchr(b'(', head)?;
            let words: Vec<&str> = crate::ctext::words_in(&head[..open])
                .map(|(_, w)| w)
                .collect();
            let is_init = words.contains(&"__init");
            let name = words.last()?;
            (is_init && !words.contains(&"static")).then(|| {
                let at = memchr::memmem::rfind(&head[..open], name.as_bytes()).unwrap_or(0);
                (name.to_string(), block.head_start + at)
            })
        })
        .collect()
}

/// The names the unit's files call on an indented line (a statement in a
/// body), not at column 0 (a definition or a prototype).
fn called_in_bodies(unit: &Unit) -> HashSet<&str> {
    let indented = |text: &[u8], at: usize| {
        let line_start = text[..at]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        matches!(text.get(line_start), Some(b' ' | b'\t'))
    };
    unit.files
        .iter()
        .flat_map(|f| {
            crate::ctext::calls_in(&f.text)
                .filter(|(at, _)| indented(&f.text, *at))
                .map(|(_, word)| word)
        })
        .collect()
}

/// Built-in code and a missing exit: the workqueue may be used before it
/// exists, or is never destroyed.
pub fn entry_flags(unit: &Unit) -> Vec<Flag> {
    let Entry::Explicit {
        init: Some(init),
        exit,
    } = &unit.entry
    else {
        return Vec::new();
    };
    let file = &unit.files[init.file];
    let at_init = |kind: FlagKind, reason: String| Flag::new(file, init.range.start, kind, reason);
    let mut flags = Vec::new();
    let init_fn = init.args.first().cloned().unwrap_or_default();
    if unit.module.kind == ModuleKind::BuiltIn {
        flags.push(at_init(
            FlagKind::BeforeAlloc,
            format!(
                "built-in code: other code may call into this module before \
                 {init_fn}() ({}) allocates the workqueue; check that nothing queues earlier",
                init.macro_name
            ),
        ));
    }
    if exit.is_none() {
        let reason = match unit.module.kind {
            ModuleKind::BuiltIn => "built-in code has no exit: the workqueue is never destroyed",
            ModuleKind::Loadable => {
                "no module_exit(): the module cannot be unloaded and the workqueue is \
                 never destroyed"
            }
        };
        flags.push(at_init(FlagKind::NoExit, reason.into()));
    }
    flags
}
