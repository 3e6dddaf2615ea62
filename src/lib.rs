//! localwq: tree → kbuild → select → load (entry, parse) → analysis →
//! rewrite → report / patch. This file is the table of contents: each
//! stage is a module of its own and `Session` runs them in order.
//! Printing and exit codes live in main.rs.

// Text and values every stage may use.
pub mod cpp;
pub mod ctext;
pub mod edit;
pub mod refusal;
pub mod wq;
// The pipeline, in order.
pub mod across;
pub mod analysis;
pub mod around;
pub mod entry;
pub mod kbuild;
pub mod load;
pub mod maintainers;
pub mod outcome;
pub mod parse;
pub mod patch;
pub mod report;
pub mod rewrite;
pub mod select;
pub mod share;
pub mod tree;
// At the edges: writing files, building them, caches.
pub mod cache;
pub mod check;
pub mod index_cache;
pub mod interrupt;
pub mod write;

use analysis::{Choice, Decision, Plan, TreeIndex};
use anyhow::Result;
use around::TreeSurroundings;
use kbuild::Module;
use load::{Loader, Unit};
use std::path::{Path, PathBuf};
use tree::KernelTree;

pub use outcome::Outcome;
pub use select::Selection;

/// A kernel tree and what is worth computing once per run.
pub struct Session {
    pub tree: KernelTree,
    /// The strategy asked for (`--strategy`).
    pub choice: Choice,
    loader: Loader,
    around: TreeSurroundings,
    /// A whole-tree selection by the flush needles ran: every module that
    /// flushes a system workqueue has an outcome, so grouping need not
    /// look for more.
    every_flusher: std::sync::atomic::AtomicBool,
    /// Outcomes grouping will need, planned ahead (`share`).
    planned_ahead: std::sync::Mutex<Vec<Outcome>>,
}

impl Session {
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self::of(KernelTree::open(path)?))
    }

    /// An out-of-tree module's directory, built against the kernel at
    /// `kdir` (`make -C KDIR M=dir`).
    pub fn open_external(dir: &Path, kdir: &Path) -> Result<Self> {
        Ok(Self::of(KernelTree::open_external(dir, kdir)?))
    }

    /// An out-of-tree module's directory against several kernels at once
    /// (a DKMS package's range): one session per kernel, oldest first, each
    /// reading its own kernel and writing the flags that fit all of them
    /// (`wq::across`). The same kernel given twice counts once.
    pub fn open_external_all(dir: &Path, kdirs: &[PathBuf]) -> Result<Vec<Self>> {
        let mut trees = kdirs
            .iter()
            .map(|kdir| KernelTree::open_external(dir, kdir))
            .collect::<Result<Vec<_>>>()?;
        trees.sort_by_key(|t| t.version);
        trees.dedup_by(|a, b| a.kdir == b.kdir);
        let facts: Vec<wq::WqFacts> = trees.iter().map(|t| (*t.facts).clone()).collect();
        for (tree, merged) in trees.iter_mut().zip(wq::across::merge(&facts)) {
            tree.facts = std::sync::Arc::new(merged);
        }
        Ok(trees.into_iter().map(Self::of).collect())
    }

    /// The session with `vars` set on make's command line (`--make`),
    /// as make would see them: before anything reads a Makefile.
    pub fn with_make_vars(self, vars: &std::collections::BTreeMap<String, Vec<String>>) -> Self {
        if vars.is_empty() {
            return self;
        }
        let choice = self.choice;
        let mut tree = self.tree;
        tree.make_vars.extend(vars.clone());
        Session {
            choice,
            ..Self::of(tree)
        }
    }

    fn of(tree: KernelTree) -> Self {
        Session {
            loader: Loader::new(tree.clone()),
            around: TreeSurroundings::new(tree.clone()),
            tree,
            choice: Choice::Auto,
            every_flusher: Default::default(),
            planned_ahead: Default::default(),
        }
    }

    /// The modules named by `paths` (directories, files, `foo.o`/`foo.ko`),
    /// or every module that flushes a system workqueue when none is given.
    pub fn select(&self, paths: &[PathBuf]) -> Result<Selection> {
        self.select_by(paths, wq::FLUSH_NEEDLES)
    }

    /// Like `select`, but files are picked by `needles`. A whole-tree walk
    /// builds the export index from the same reads.
    pub fn select_by(&self, paths: &[PathBuf], needles: &[&str]) -> Result<Selection> {
        let (selection, indexes) = select::select(&self.tree, paths, needles, |rel, text| {
            TreeIndex::of_file_deferred(rel, text, &self.tree.facts)
        })?;
        // An index read back from the walk's cache knows its workqueues
        // by name only.
        if let Some(indexes) = indexes {
            let index = TreeIndex::merged(indexes.into_iter()).resolved(&self.tree.facts);
            self.around.set_index(index);
        }
        // Every text a flush needle matches, one of `needles` matches too.
        let flushers = wq::FLUSH_NEEDLES
            .iter()
            .all(|f| needles.iter().any(|n| f.contains(n)));
        if paths.is_empty() && flushers {
            self.every_flusher
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(selection)
    }

    /// The tree's exported functions that queue on a system workqueue.
    pub fn index(&self) -> &TreeIndex {
        self.around.index()
    }

    pub fn load(&self, module: &Module) -> Result<Unit> {
        self.loader.load(module)
    }

    pub fn plan(&self, unit: &Unit) -> Plan {
        analysis::plan(unit, &self.around, self.choice)
    }

    /// What `scan --all` shows of one module: a module none of whose files
    /// mentions a flush of a system workqueue is only skimmed (its sites
    /// read from the text: it is not applicable, nothing to rewrite); any
    /// other is converted.
    pub fn survey(&self, module: &Module) -> Outcome {
        let unit = match self.loader.survey(module, wq::FLUSH_NEEDLES) {
            Ok(load::Survey::Skimmed(unit)) => *unit,
            Ok(load::Survey::Flushes(texts)) => {
                return self.convert_unit(module, self.loader.load_texts(module, texts))
            }
            Err(err) => return Outcome::unreadable(module, &err),
        };
        let Plan {
            sites,
            flags,
            waits,
            decision,
        } = self.plan(&unit);
        if decision.conversion().is_some() {
            let texts = unit.into_texts();
            return self.convert_unit(module, self.loader.load_texts(module, texts));
        }
        Outcome {
            module: module.clone(),
            unit: Some(unit),
            sites,
            flags,
            waits,
            decision,
            changes: Vec::new(),
            kernels: Vec::new(),
        }
    }

    /// Converts `modules` one by one, then groups those that share a
    /// workqueue into patches across modules (`share`). The CLI streams
    /// the same two stages over all cores.
    pub fn convert_all(&self, modules: &[Module]) -> Vec<Outcome> {
        let outcomes = modules.iter().map(|m| self.convert(m)).collect();
        self.share(outcomes)
    }

    /// Loads, analyses and rewrites one module.
    pub fn convert(&self, module: &Module) -> Outcome {
        self.convert_unit(module, self.load(module))
    }

    /// `convert` of a module loaded already (or that could not be).
    fn convert_unit(&self, module: &Module, loaded: Result<Unit>) -> Outcome {
        let unit = match loaded {
            Ok(unit) => unit,
            Err(err) => return Outcome::unreadable(module, &err),
        };
        let Plan {
            sites,
            flags,
            waits,
            decision,
        } = self.plan(&unit);
        let (decision, changes) = match decision {
            Decision::Convert(conversion) => match rewrite::rewrite(&unit, &sites, &conversion) {
                Ok(changes) => (Decision::Convert(conversion), changes),
                Err(mut refusal) => {
                    let recommended = Some(conversion.recommended);
                    refusal.detail.push_str(&still_open(&flags));
                    (
                        Decision::Refused {
                            refusal,
                            recommended,
                        },
                        Vec::new(),
                    )
                }
            },
            other => (other, Vec::new()),
        };
        Outcome {
            module: module.clone(),
            unit: Some(unit),
            sites,
            flags,
            waits,
            decision,
            changes,
            kernels: Vec::new(),
        }
    }
}

/// For a module the rewrite refused: what would still hold the patch back
/// once the refusal's obstacle is gone (its review flags, listed with it),
/// so the reason is not read as the only one.
fn still_open(flags: &[analysis::Flag]) -> String {
    let mut kinds: Vec<&str> = flags
        .iter()
        .filter(|f| f.kind.needs_review())
        .map(|f| f.kind.slug())
        .collect();
    kinds.dedup();
    match kinds.is_empty() {
        true => String::new(),
        false => format!(
            "; the patch would still need review besides: {} (the flags below)",
            kinds.join(", ")
        ),
    }
}

/// What `localwq diff` prints for a module: its header, then its diff
/// (function lines as the tree's `.gitattributes` asks git for them).
pub fn dry_run(root: &Path, outcome: &Outcome) -> Vec<u8> {
    let mut out = report::module_header(outcome).into_bytes();
    let paths: Vec<&Path> = outcome.changes.iter().map(|c| c.path.as_path()).collect();
    let attributes = patch::funcname::Attributes::load(root, &paths);
    out.extend(patch::diff::changes_diff(&outcome.changes, &attributes));
    out
}
