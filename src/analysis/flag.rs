//! Review flags: something a maintainer must look at, with where and why.

use crate::parse::SourceFile;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FlagKind {
    InMacro,
    SharedHeader,
    Unparsed,
    OtherSystemWq,
    NoExit,
    BeforeAlloc,
    CallerWork,
    ForeignWork,
    ExitQueue,
    SharedFile,
    ProviderWork,
    DependentWork,
    RedefinedFlush,
    ReleaseBeforeStop,
    Requeued,
    UnseenFlush,
    FlushDependency,
}

impl FlagKind {
    /// Whether the flag asks a maintainer to decide (the patch is an RFC).
    /// A call left on a system workqueue no converted flush waited for is
    /// only said: the patch changes nothing for it.
    pub fn needs_review(self) -> bool {
        self != FlagKind::OtherSystemWq
    }

    pub fn slug(self) -> &'static str {
        match self {
            FlagKind::InMacro => "in-macro",
            FlagKind::SharedHeader => "shared-header",
            FlagKind::Unparsed => "unparsed",
            FlagKind::OtherSystemWq => "other-system-wq",
            FlagKind::NoExit => "no-exit",
            FlagKind::BeforeAlloc => "before-alloc",
            FlagKind::CallerWork => "work-from-caller",
            FlagKind::ForeignWork => "foreign-work",
            FlagKind::SharedFile => "shared-file",
            FlagKind::ExitQueue => "queue-in-exit",
            FlagKind::ProviderWork => "work-from-provider",
            FlagKind::DependentWork => "work-from-dependents",
            FlagKind::RedefinedFlush => "redefined-flush",
            FlagKind::ReleaseBeforeStop => "release-before-stop",
            FlagKind::Requeued => "requeued",
            FlagKind::UnseenFlush => "unseen-flush",
            FlagKind::FlushDependency => "flush-dependency",
        }
    }
}

/// Something a maintainer must look at, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flag {
    pub file: PathBuf,
    pub line: usize,
    pub kind: FlagKind,
    /// The source line, trimmed.
    pub excerpt: String,
    pub reason: String,
}

impl Flag {
    /// The flag for the code at `offset` of `file`.
    pub fn new(file: &SourceFile, offset: usize, kind: FlagKind, reason: String) -> Self {
        Flag {
            file: file.path.clone(),
            line: file.line_of(offset),
            kind,
            excerpt: file.excerpt(offset),
            reason,
        }
    }
}
