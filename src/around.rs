//! What analysis asks of the rest of the tree, answered from the files:
//! the tree-wide index of exported functions that queue on a system
//! workqueue, and which MAINTAINERS section owns a struct's header.
//! The I/O behind `analysis::Surroundings`, kept out of analysis.

use crate::analysis::exports::QueueingFile;
use crate::analysis::{Dependent, Provider, StructOwner, Surroundings, TreeIndex};
use crate::cache::kept::KeptDir;
use crate::ctext::defines_function;
use crate::load::Unit;
use crate::maintainers::Maintainers;
use crate::parse::{text_includes, SourceFile};
use crate::tree::{resolve_include, KernelTree};
use crate::wq::SystemWq;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Where exporting files' providers are kept between runs: set once, by
/// the CLI, before the first run (`cache::kept`).
static PROVIDERS: OnceLock<KeptDir<BTreeMap<String, Provider>>> = OnceLock::new();

pub fn keep_providers_in(dir: KeptDir<BTreeMap<String, Provider>>) {
    let _ = PROVIDERS.set(dir);
}

pub struct TreeSurroundings {
    tree: KernelTree,
    index: OnceLock<TreeIndex>,
    maintainers: OnceLock<Option<Maintainers>>,
    /// For an out-of-tree module, the kernel it is built against when KDIR
    /// holds the kernel's sources (a headers directory does not).
    kernel: Option<KernelTree>,
    kernel_index: OnceLock<TreeIndex>,
    /// The providers of files the index left for later, read on first ask.
    read_later: Mutex<HashMap<PathBuf, Arc<BTreeMap<String, Provider>>>>,
}

impl TreeSurroundings {
    pub fn new(tree: KernelTree) -> Self {
        let kernel = tree
            .kdir
            .as_deref()
            .filter(|kdir| kdir.join("kernel/workqueue.c").is_file())
            .and_then(|kdir| KernelTree::open(kdir).ok())
            // The module's facts: the same kernel's, with the flags written
            // for every kernel of the run (`wq::across`), so that its
            // providers' queues are the module's queues.
            .map(|kernel| KernelTree {
                facts: tree.facts.clone(),
                ..kernel
            });
        TreeSurroundings {
            tree,
            index: OnceLock::new(),
            maintainers: OnceLock::new(),
            kernel,
            kernel_index: OnceLock::new(),
            read_later: Mutex::default(),
        }
    }

    /// The index of the kernel an out-of-tree module is built against,
    /// read on first use (a whole-kernel walk).
    fn kernel_index(&self) -> Option<&TreeIndex> {
        let kernel = self.kernel.as_ref()?;
        Some(
            self.kernel_index
                .get_or_init(|| crate::index_cache::load_or_build(kernel, || index_of(kernel))),
        )
    }

    /// Takes an index built while the tree was read for another reason.
    pub fn set_index(&self, index: TreeIndex) {
        let _ = self.index.set(index);
    }

    /// The tree's exported functions that queue on a system workqueue:
    /// given by a whole-tree selection, or read on first use; providers
    /// are read when asked for (`tree_provider`).
    pub fn index(&self) -> &TreeIndex {
        self.index.get_or_init(|| {
            let per_file = crate::select::glean_tree(&self.tree, &|rel, text| {
                TreeIndex::of_file_deferred(rel, text, &self.tree.facts)
            });
            TreeIndex::merged(per_file.into_iter()).resolved(&self.tree.facts)
        })
    }

    /// The tree's provider named `name`: the last file by path that
    /// exports one, when several do (arch variants).
    fn tree_provider(&self, name: &str) -> Option<Provider> {
        let index = self.index();
        if let Some(provider) = index.providers.get(name) {
            return Some(provider.clone());
        }
        let files = index.deferred.get(name)?;
        files
            .iter()
            .rev()
            .find_map(|file| self.providers_of_file(file).get(name).cloned())
    }

    /// The providers of the tree's `files`, by function name.
    pub fn providers_in(&self, files: &[PathBuf]) -> Vec<Provider> {
        let index = self.index();
        let mut found: BTreeMap<String, Provider> = index
            .providers
            .values()
            .filter(|p| files.contains(&p.file))
            .map(|p| (p.function.clone(), p.clone()))
            .collect();
        let later: BTreeSet<&Path> = index
            .deferred
            .values()
            .flatten()
            .map(|file| &**file)
            .filter(|file| files.iter().any(|f| f == file))
            .collect();
        for file in later {
            found.extend(self.providers_of_file(file).as_ref().clone());
        }
        found.into_values().collect()
    }

    /// One file's providers, read once; none when it can no longer be
    /// read (it was when the tree was walked).
    fn providers_of_file(&self, file: &Path) -> Arc<BTreeMap<String, Provider>> {
        let lock = || self.read_later.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(read) = lock().get(file) {
            return read.clone();
        }
        let text = std::fs::read(self.tree.root.join(file)).unwrap_or_default();
        let read = Arc::new(self.kept_providers(file, &text));
        lock().insert(file.to_path_buf(), read.clone());
        read
    }

    /// `TreeIndex::providers_of_file`, kept between runs when the CLI
    /// keeps them (`keep_providers_in`): a module that calls exported
    /// functions (i915, hundreds of drm's) has their files read for their
    /// providers on every run, the same text for the same answer.
    fn kept_providers(&self, file: &Path, text: &[u8]) -> BTreeMap<String, Provider> {
        let Some(store) = PROVIDERS.get() else {
            return TreeIndex::providers_of_file(file, text, &self.tree.facts);
        };
        // What the answer is computed from: the file's path and text, and
        // the tree's workqueue facts (a provider's queue is one of them).
        let mut keyed = format!("providers {:?} {:?}\n", file, self.tree.facts).into_bytes();
        keyed.extend_from_slice(text);
        let key = crate::parse::kept::key_of(&keyed, &[]);
        if let Some(providers) = store.read(&key) {
            // Read back by name: the tree's flags are put back.
            let index = TreeIndex {
                providers,
                ..TreeIndex::default()
            };
            return index.resolved(&self.tree.facts).providers;
        }
        let providers = TreeIndex::providers_of_file(file, text, &self.tree.facts);
        store.keep(&key, &providers);
        providers
    }
}

/// Every file's exported functions that queue on a system workqueue, read
/// at once (a kernel's index is kept whole in the cache).
fn index_of(tree: &KernelTree) -> TreeIndex {
    let per_file = tree.filter_map_files(Path::new(""), |rel, text| {
        TreeIndex::of_file(rel, text, &tree.facts)
    });
    TreeIndex::merged(per_file.kept.into_iter().map(|(_, index)| index))
}

impl Surroundings for TreeSurroundings {
    fn provider(&self, name: &str) -> Option<Provider> {
        self.tree_provider(name)
            .or_else(|| self.kernel_index()?.providers.get(name).cloned())
    }

    fn blind_spot(&self) -> Option<String> {
        let kdir = self.tree.kdir.as_ref()?;
        self.kernel.is_none().then(|| {
            format!(
                "the kernel at {} has no C sources (a headers directory): what the functions \
                 the module calls there queue could not be read; pass a kernel source tree \
                 with --kernel to check",
                kdir.display()
            )
        })
    }

    fn dependents(
        &self,
        exports: &[&str],
        flushed: &BTreeSet<SystemWq>,
        own: &[PathBuf],
    ) -> Vec<Dependent> {
        self.index()
            .queueing
            .iter()
            .filter(|q| !own.contains(&q.path) && q.queues_on(flushed))
            .filter_map(|q| {
                let uses = |pick: fn(&QueueingFile, &str) -> bool| -> Vec<String> {
                    exports
                        .iter()
                        .filter(|e| pick(q, e))
                        .map(|e| e.to_string())
                        .collect()
                };
                let (calls, installs) = (uses(QueueingFile::calls), uses(QueueingFile::installs));
                if calls.is_empty() && installs.is_empty() {
                    return None;
                }
                // A file that defines a function of the same name (arch
                // code's own ec_read()) calls its own, not the module's.
                let text = std::fs::read(self.tree.root.join(&q.path)).unwrap_or_default();
                let theirs = |name: &String| !defines_function(&text, name);
                let calls: Vec<String> = calls.into_iter().filter(theirs).collect();
                let installs: Vec<String> = installs.into_iter().filter(theirs).collect();
                (!calls.is_empty() || !installs.is_empty()).then(|| Dependent {
                    file: q.path.clone(),
                    calls,
                    installs,
                })
            })
            .collect()
    }

    fn foreign_struct(&self, unit: &Unit, file: usize, tag: &str) -> Option<StructOwner> {
        let header = match struct_header(&self.tree, &unit.files[file], tag)? {
            Ok(header) => header,
            Err(unread) => return Some(unread),
        };
        let maintainers = self
            .maintainers
            .get_or_init(|| Maintainers::load(self.tree.kernel_root()))
            .as_ref()?;
        let own = maintainers.sections_of(&unit.files[file].path);
        let owners = maintainers.sections_of(&header);
        (!owners.is_empty() && !owners.iter().any(|s| own.contains(s)))
            .then_some(StructOwner::Foreign(header))
    }
}

/// The header that defines `struct tag` among those `file` includes,
/// directly or through one more include; Err for a header that is there
/// but could not be read before the definition was found.
fn struct_header(
    tree: &KernelTree,
    file: &SourceFile,
    tag: &str,
) -> Option<Result<PathBuf, StructOwner>> {
    let mut pending: Vec<(PathBuf, usize)> = file
        .facts
        .includes
        .iter()
        .map(|i| (resolve_include(&file.path, &i.path, i.quoted), 1))
        .collect();
    let mut seen = BTreeSet::new();
    while let Some((header, depth)) = pending.pop() {
        if !seen.insert(header.clone()) {
            continue;
        }
        let text = match tree.read_header(&header) {
            Ok(text) => text,
            // Not there: generated, or found through flags localwq does
            // not know; no claim either way.
            Err(err) if is_not_found(&err) => continue,
            Err(err) => {
                return Some(Err(StructOwner::Unread {
                    header,
                    error: format!("{:#}", err.root_cause()),
                }))
            }
        };
        if crate::ctext::defines_struct(&text, tag) {
            return Some(Ok(header));
        }
        if depth < 2 {
            let includes = text_includes(&text);
            pending.extend(
                includes
                    .iter()
                    .map(|i| (resolve_include(&header, &i.path, i.quoted), depth + 1)),
            );
        }
    }
    None
}

fn is_not_found(err: &anyhow::Error) -> bool {
    err.downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
}
