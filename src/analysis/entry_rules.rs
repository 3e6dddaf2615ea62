//! What the module's entry points allow: a local workqueue needs an init
//! that runs first and alone, and is flagged where no exit destroys it.

use super::{Flag, FlagKind, Refusal, RefusalKind};
use crate::entry::{initcall_level, Entry};
use crate::kbuild::ModuleKind;
use crate::load::Unit;

/// Why the module's entry cannot take a local workqueue, if it cannot.
pub fn entry_refusal(unit: &Unit) -> Option<Refusal> {
    if let Some(tie) = initcall_tie(unit) {
        return Some(tie);
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
    let tied: Vec<String> = unit
        .invocations
        .iter()
        .filter(|i| initcall_level(&i.macro_name) == level)
        .map(|i| format!("{}({})", i.macro_name, i.args.join(", ")))
        .collect();
    (tied.len() > 1).then(|| {
        Refusal::module(
            RefusalKind::InitcallTie,
            format!(
                "several initcalls at the same level ({}): link order (the order of the \
                 objects in the Makefile) decides which runs first, and localwq does not \
                 read it: the workqueue belongs in the first of them",
                tied.join(", ")
            ),
        )
    })
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
