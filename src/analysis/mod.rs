//! From a module's parsed files to a plan: which sites are converted, the
//! local workqueue's name and flags, and what a human must review. Pure:
//! no file I/O here.

pub mod exports;
pub mod review;
pub mod sites;
pub mod strategy;

use crate::entry::{initcall_level, Entry, Invocation};
use crate::kbuild::{Module, ModuleKind};
use crate::parse::{words_in, SourceFile};
use crate::wq::SystemWq;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub use exports::{ExportIndex, Provider};
pub use review::defines_struct;
pub use sites::{Site, SiteState};
pub use strategy::{Choice, Strategy, WorkItem};

/// A module with its files parsed: .c files first, then private headers.
pub struct Unit {
    pub module: Module,
    pub files: Vec<SourceFile>,
    /// Headers that also belong to other code: never rewritten.
    pub shared_headers: BTreeSet<PathBuf>,
    /// Files of the module that Kbuild also builds into other modules,
    /// with those modules' names: never rewritten.
    pub co_owned: BTreeMap<PathBuf, Vec<String>>,
    /// Entry macros found at the top level of the module's .c files.
    pub invocations: Vec<Invocation>,
    pub entry: Entry,
}

impl Unit {
    pub fn is_header(&self, file: usize) -> bool {
        self.files[file].path.extension().is_some_and(|e| e == "h")
    }

    /// Whether any file of the module uses `name` as an identifier.
    pub fn uses_identifier(&self, name: &str) -> bool {
        self.files
            .iter()
            .any(|f| crate::parse::has_word(&f.text, name))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FlagKind {
    InMacro,
    SharedHeader,
    Unparsed,
    OtherSystemWq,
    NoExit,
    NoQueueing,
    BeforeAlloc,
    CallerWork,
    ForeignWork,
    ExportedFlush,
    ExitQueue,
    SharedFile,
}

impl FlagKind {
    pub fn slug(self) -> &'static str {
        match self {
            FlagKind::InMacro => "in-macro",
            FlagKind::SharedHeader => "shared-header",
            FlagKind::Unparsed => "unparsed",
            FlagKind::OtherSystemWq => "other-system-wq",
            FlagKind::NoExit => "no-exit",
            FlagKind::NoQueueing => "work-from-elsewhere",
            FlagKind::BeforeAlloc => "before-alloc",
            FlagKind::CallerWork => "work-from-caller",
            FlagKind::ForeignWork => "foreign-work",
            FlagKind::SharedFile => "shared-file",
            FlagKind::ExportedFlush => "exported-flush",
            FlagKind::ExitQueue => "queue-in-exit",
        }
    }
}

/// Something a maintainer must look at, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flag {
    pub file: PathBuf,
    pub line: usize,
    pub kind: FlagKind,
    pub excerpt: String,
    pub reason: String,
}

/// The workqueue the module gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalWq {
    pub name: String,
    pub flags: &'static str,
    /// The system workqueues it replaces.
    pub replaces: Vec<SystemWq>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Convertible,
    NeedsReview,
    Refused(String),
    /// Nothing to convert (e.g. the module flushes no system workqueue).
    NotApplicable(String),
}

/// What analysis decided for one module.
pub struct Plan {
    pub sites: Vec<Site>,
    pub wq: Option<LocalWq>,
    pub flags: Vec<Flag>,
    pub verdict: Verdict,
    /// What Step 0 recommends, with its evidence.
    pub recommended: Strategy,
    /// What is applied (the recommendation, or what --strategy asked for).
    pub strategy: Strategy,
}

/// Picks a name `<module>_wq` that no identifier of the module uses yet.
pub fn wq_name(unit: &Unit) -> String {
    let base = unit.module.ident();
    let mut candidates = vec![format!("{base}_wq"), format!("{base}_local_wq")];
    candidates.extend((2..).take(8).map(|n| format!("{base}_wq{n}")));
    candidates
        .into_iter()
        .find(|name| !unit.uses_identifier(name))
        .unwrap_or_else(|| format!("{base}_localwq_wq"))
}

/// What analysis asks of the tree beyond the module's own files.
pub trait Surroundings {
    /// The exported function of other code named `name`, if it queues on a
    /// system workqueue.
    fn provider(&self, name: &str) -> Option<Provider>;
    /// The header that defines `struct tag` for `unit.files[file]`, when
    /// it belongs to another subsystem than that file (MAINTAINERS); None
    /// for the file's own subsystem or a definition not found.
    fn foreign_struct(&self, unit: &Unit, file: usize, tag: &str) -> Option<PathBuf>;
}

/// Builds the plan. `provider` names the exported function of another
/// module that queues on a system workqueue, if `name` is one.
pub fn plan(unit: &Unit, around: &dyn Surroundings, choice: Choice) -> Plan {
    let mut sites = sites::collect(unit);
    let mut flags = sites::flags(unit, &sites);
    let flushed: BTreeSet<&'static str> = sites
        .iter()
        .filter(|s| s.is_flush() && s.state == SiteState::Convert)
        .map(|s| s.wq.flags())
        .collect();
    let refused =
        |reason: &str, flags: Vec<Flag>, sites: Vec<Site>, verdict: fn(String) -> Verdict| Plan {
            sites,
            wq: None,
            flags,
            verdict: verdict(reason.to_string()),
            recommended: Strategy::LocalWq,
            strategy: Strategy::LocalWq,
        };
    if flushed.is_empty() && sites.iter().any(|s| s.is_flush()) {
        let reason =
            "every flush of a system workqueue is in code localwq cannot rewrite (see the flags)";
        return refused(reason, flags, sites, Verdict::Refused);
    }
    if flushed.is_empty() {
        return refused(
            "flushes no system workqueue",
            flags,
            sites,
            Verdict::NotApplicable,
        );
    }
    if flushed.len() > 1 {
        let reason = "flushes system workqueues with different flags; one local workqueue \
                      cannot stand for all of them";
        return refused(reason, flags, sites, Verdict::Refused);
    }
    let wq_flags = *flushed.first().expect("one flag set");
    sites::leave_other_flags(unit, &mut sites, wq_flags, &mut flags);
    let relevant: Vec<Site> = sites
        .iter()
        .filter(|s| s.wq.flags() == wq_flags)
        .cloned()
        .collect();
    // Whole-tree index only when the work must come from elsewhere.
    let queues = relevant
        .iter()
        .any(|s| s.api.kind == crate::wq::ApiKind::Queue);
    let providers = if queues {
        Vec::new()
    } else {
        providers_called(unit, around)
    };
    flags.extend(review::flags(unit, &relevant, &providers, around));
    let recommended = strategy::recommend(unit, &relevant, &providers);
    let strategy = match resolve(unit, &relevant, &recommended, choice) {
        Ok(strategy) => strategy,
        Err(reason) => return refused(&reason, flags, sites, Verdict::Refused),
    };
    if strategy == Strategy::LocalWq {
        if let Some(reason) = entry_refusal(unit) {
            return refused(&reason, flags, sites, Verdict::Refused);
        }
        flags.extend(entry_flags(unit));
    }
    flags.sort();
    flags.dedup();
    let replaces: BTreeSet<SystemWq> = relevant.iter().map(|s| s.wq).collect();
    let verdict = if flags.is_empty() {
        Verdict::Convertible
    } else {
        Verdict::NeedsReview
    };
    let wq = (strategy == Strategy::LocalWq).then(|| LocalWq {
        name: wq_name(unit),
        flags: wq_flags,
        replaces: replaces.into_iter().collect(),
    });
    Plan {
        wq,
        sites,
        flags,
        verdict,
        recommended,
        strategy,
    }
}

/// The strategy to apply: the recommendation under `auto` (a provider's
/// workqueue is another module's patch, so this one gets Steps 1–5 with
/// the explanation), or the one asked for where it applies.
fn resolve(
    unit: &Unit,
    sites: &[Site],
    recommended: &Strategy,
    choice: Choice,
) -> Result<Strategy, String> {
    let queues = sites
        .iter()
        .any(|s| s.api.kind == crate::wq::ApiKind::Queue);
    match choice {
        Choice::Auto => Ok(match recommended {
            Strategy::Provider(_) => Strategy::LocalWq,
            other => other.clone(),
        }),
        Choice::LocalWq => Ok(Strategy::LocalWq),
        Choice::FlushWork => strategy::known_items(unit, sites)
            .map(Strategy::FlushWork)
            .map_err(|why| format!("--strategy flush-work does not apply: {why}")),
        Choice::RemoveFlush if queues => Err(
            "--strategy remove-flush does not apply: the module queues on the flushed workqueue itself".into(),
        ),
        Choice::RemoveFlush => Ok(Strategy::RemoveFlush),
    }
}

/// The functions a file calls: from the parse, and from the text (a word
/// followed by `(`) where nothing was parsed.
fn called_names(file: &SourceFile) -> Vec<&str> {
    if !file.parsed {
        return text_calls(&file.text, 0..file.text.len());
    }
    let mut names: Vec<&str> = file.facts.calls.iter().map(|c| c.callee.as_str()).collect();
    for block in &file.idle {
        names.extend(text_calls(&file.text, block.clone()));
    }
    names
}

fn text_calls(text: &[u8], range: std::ops::Range<usize>) -> Vec<&str> {
    let start = range.start;
    words_in(&text[range])
        .filter(|(offset, word)| {
            text[start + offset + word.len()..]
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                == Some(&b'(')
        })
        .map(|(_, word)| word)
        .collect()
}

/// Exported functions of other code that the module calls and that queue
/// on a system workqueue.
fn providers_called(unit: &Unit, around: &dyn Surroundings) -> Vec<Provider> {
    let defined: BTreeSet<&str> = unit
        .files
        .iter()
        .flat_map(|f| f.facts.functions.iter().map(|func| func.name.as_str()))
        .collect();
    let called: BTreeSet<&str> = unit
        .files
        .iter()
        .flat_map(called_names)
        .filter(|name| !defined.contains(name))
        .collect();
    called
        .into_iter()
        .filter_map(|name| around.provider(name))
        .collect()
}

fn entry_refusal(unit: &Unit) -> Option<String> {
    if let Some(tie) = initcall_tie(unit) {
        return Some(tie);
    }
    if let Some(shared) = shared_entry(unit) {
        return Some(shared);
    }
    match &unit.entry {
        Entry::None => Some(
            "no module_init(), initcall or module_*_driver() in the module's files: \
             there is no init to allocate the workqueue in"
                .into(),
        ),
        Entry::Explicit { init: None, .. } => {
            Some("module_exit() but no module_init() or initcall in the module's files".into())
        }
        Entry::DriverMacro {
            invocation,
            pair: None,
        } => Some(format!(
            "{}() does not expand through module_driver() in this tree: write the \
             init/exit pair by hand",
            invocation.macro_name
        )),
        _ => None,
    }
}

/// An entry macro in a file other modules are built from too: their init
/// would allocate this module's workqueue.
fn shared_entry(unit: &Unit) -> Option<String> {
    let file = match &unit.entry {
        Entry::Explicit { init: Some(i), .. } => i.file,
        Entry::DriverMacro { invocation, .. } => invocation.file,
        _ => return None,
    };
    let path = &unit.files[file].path;
    let others = unit.co_owned.get(path)?;
    Some(format!(
        "the module's entry is in {}, which Kbuild also builds into {}: \
         one init cannot allocate the workqueue for both",
        path.display(),
        others.join(", ")
    ))
}

/// Several initcalls at the earliest level: which runs first depends on
/// link order, so no single one is known to run before the others.
fn initcall_tie(unit: &Unit) -> Option<String> {
    let Entry::Explicit {
        init: Some(init), ..
    } = &unit.entry
    else {
        return None;
    };
    let level = initcall_level(&init.macro_name);
    let tied: Vec<String> = unit
        .invocations
        .iter()
        .filter(|i| initcall_level(&i.macro_name) == level)
        .map(|i| format!("{}({})", i.macro_name, i.args.join(", ")))
        .collect();
    (tied.len() > 1).then(|| {
        format!(
            "several initcalls at the same level ({}): none is known to run first",
            tied.join(", ")
        )
    })
}

fn entry_flags(unit: &Unit) -> Vec<Flag> {
    let Entry::Explicit {
        init: Some(init),
        exit,
    } = &unit.entry
    else {
        return Vec::new();
    };
    let file = &unit.files[init.file];
    let at_init = |kind: FlagKind, reason: String| Flag {
        file: file.path.clone(),
        line: file.line_of(init.range.start),
        kind,
        excerpt: file.excerpt(init.range.start),
        reason,
    };
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
