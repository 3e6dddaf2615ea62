//! Why localwq will not (or need not) touch a module or a file: a value
//! with a kind and a reason, made by selection, loading, analysis and
//! rewrite alike, and tested as often as success.

use std::path::PathBuf;

/// Why a module is refused, or why it is not applicable. One kind per
/// branch that can say no, so tests and JSON can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalKind {
    /// Not applicable: the module flushes no system workqueue.
    NoSystemFlush,
    /// A flushing file that no Makefile builds into a module.
    NotInKbuild,
    /// A file of the module could not be read or parsed.
    Unreadable,
    /// A source file of the module is over the size localwq reads.
    FileTooLarge,
    /// Every flush sits in code localwq cannot rewrite.
    FlushesUnrewritable,
    /// Flushes of system workqueues with different flags.
    MixedFlushFlags,
    /// `--strategy` asked for something that does not apply.
    StrategyNotApplicable,
    /// Several initcalls at the earliest level.
    InitcallTie,
    /// Built-in `__init` code other code calls outside the initcalls.
    EarlyInit,
    /// The entry macro is in a file other modules are built from too.
    SharedEntry,
    /// No module_init(), initcall or driver macro.
    NoEntry,
    /// module_exit() without an init.
    ExitWithoutInit,
    /// A module_*_driver() that does not expand through module_driver().
    DriverMacroUnknown,
    /// The init or exit function named by an entry macro is not defined in
    /// the module's files (the detail says which).
    InitNotDefined,
    /// The init function does not parse cleanly.
    InitUnparsed,
    /// The init function's layout leaves no safe place for the allocation.
    InitLayout,
    /// An error return of init has a shape the destroy cannot be added to.
    ErrorPathShape,
    /// The exit function has a shape the destroy cannot be placed in: a
    /// closing brace or return sharing its line, an early return in a loop,
    /// a return with a value.
    ExitLayout,
    /// A local workqueue nothing would be queued on: the module converts
    /// no queueing call, so the flush would wait for nothing.
    EmptyWorkqueue,
    /// The tree does not say which flags the flushed system workqueue is
    /// created with (no kernel/workqueue.c, a name no table knows).
    UnknownWqFlags,
    /// Several files use the workqueue and no private header joins them.
    NoSharedHeader,
    /// No `#include` before the first function to declare after.
    NoIncludeBeforeCode,
    /// The init/exit names a driver macro would expand to are taken.
    DriverFunctionsExist,
    /// A flush that is not a statement of its own.
    FlushNotStatement,
    /// A flush that is not alone in a block.
    FlushNotAlone,
    /// A flush that shares its line with other code.
    FlushSharesLine,
    /// Two edits of the rewrite overlap (a bug in localwq).
    OverlappingEdits,
    /// The rewritten file parses with more errors than before.
    ParseErrorsAdded,
    /// tree-sitter gave up on the rewritten file.
    ParserFailed,
    /// The code that queues the flushed work (a provider, or a module in
    /// a family) is built into the kernel or no module localwq can list.
    SharedNotModule,
    /// The patch across modules has no place for what the others use: no
    /// header of the owner's that declares the provider function or that
    /// every member includes, no export line to put the helper after.
    SharedLayout,
    /// A flush waits for work other code queues to run the module's
    /// callback: no workqueue of the module's can wait for it.
    WaitsForCallback,
    /// A flush waits for the work of modules that use the module's
    /// exports: the wait belongs in them.
    WaitsForDependents,
    /// Converting for several kernels: they call for different changes,
    /// or one of them refuses (the detail names the kernel).
    KernelsDiffer,
    /// The conversion writes a flag some kernel given lacks, and the
    /// module's Kbuild has no line to put the test for it after.
    CompatPlace,
}

impl RefusalKind {
    pub const ALL: [RefusalKind; 35] = [
        RefusalKind::NoSystemFlush,
        RefusalKind::NotInKbuild,
        RefusalKind::Unreadable,
        RefusalKind::FileTooLarge,
        RefusalKind::FlushesUnrewritable,
        RefusalKind::MixedFlushFlags,
        RefusalKind::StrategyNotApplicable,
        RefusalKind::InitcallTie,
        RefusalKind::EarlyInit,
        RefusalKind::SharedEntry,
        RefusalKind::NoEntry,
        RefusalKind::ExitWithoutInit,
        RefusalKind::DriverMacroUnknown,
        RefusalKind::InitNotDefined,
        RefusalKind::InitUnparsed,
        RefusalKind::InitLayout,
        RefusalKind::ErrorPathShape,
        RefusalKind::ExitLayout,
        RefusalKind::EmptyWorkqueue,
        RefusalKind::UnknownWqFlags,
        RefusalKind::NoSharedHeader,
        RefusalKind::NoIncludeBeforeCode,
        RefusalKind::DriverFunctionsExist,
        RefusalKind::FlushNotStatement,
        RefusalKind::FlushNotAlone,
        RefusalKind::FlushSharesLine,
        RefusalKind::OverlappingEdits,
        RefusalKind::ParseErrorsAdded,
        RefusalKind::ParserFailed,
        RefusalKind::SharedNotModule,
        RefusalKind::SharedLayout,
        RefusalKind::WaitsForCallback,
        RefusalKind::WaitsForDependents,
        RefusalKind::KernelsDiffer,
        RefusalKind::CompatPlace,
    ];
}

impl RefusalKind {
    /// The kind as JSON and scripts name it: `NoSystemFlush` →
    /// `no-system-flush`.
    pub fn slug(self) -> String {
        let mut slug = String::new();
        for (i, c) in format!("{self:?}").chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                slug.push('-');
            }
            slug.push(c.to_ascii_lowercase());
        }
        slug
    }
}

/// A refusal (or a "not applicable"): what, where when known, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub file: Option<PathBuf>,
    /// 1-based; meaningful only with `file`.
    pub line: usize,
    pub kind: RefusalKind,
    pub detail: String,
}

impl Refusal {
    /// A refusal about the module as a whole.
    pub fn module(kind: RefusalKind, detail: impl Into<String>) -> Self {
        Refusal {
            file: None,
            line: 0,
            kind,
            detail: detail.into(),
        }
    }

    /// A refusal at a line of a file.
    pub fn at(file: PathBuf, line: usize, kind: RefusalKind, detail: impl Into<String>) -> Self {
        Refusal {
            file: Some(file),
            line,
            kind,
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}:{}: {}", file.display(), self.line, self.detail),
            None => f.write_str(&self.detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RefusalKind;

    #[test]
    fn slugs_are_kebab_case_and_distinct() {
        assert_eq!(RefusalKind::NoSystemFlush.slug(), "no-system-flush");
        assert_eq!(RefusalKind::UnknownWqFlags.slug(), "unknown-wq-flags");
        let mut slugs: Vec<String> = RefusalKind::ALL.iter().map(|k| k.slug()).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), RefusalKind::ALL.len());
    }
}
