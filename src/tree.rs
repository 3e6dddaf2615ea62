//! The kernel tree: finding its root, walking its sources, and a cheap
//! textual prefilter run in parallel before anything is parsed.

use crate::ctext::Needles;
use crate::wq::WqFacts;
use anyhow::{bail, Context, Result};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

mod sources;
pub use sources::{Known, Stat, Visited};

/// Top-level directories that hold no kernel modules.
const SKIPPED_DIRS: &[&str] = &[".git", "Documentation", "tools", "scripts", "usr"];

/// A file or directory of the tree that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    /// Relative to the root.
    pub path: PathBuf,
    pub error: String,
}

impl Unread {
    fn new(path: PathBuf, err: &std::io::Error) -> Self {
        Unread {
            path,
            error: err.to_string(),
        }
    }
}

/// What a walk kept, and what it could not read.
pub struct Walked<T> {
    pub kept: Vec<(PathBuf, T)>,
    pub unread: Vec<Unread>,
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().expect("no panics while held")
}

#[derive(Debug, Clone)]
pub struct KernelTree {
    pub root: PathBuf,
    /// Its system workqueues, read once when the tree is opened.
    pub facts: Arc<WqFacts>,
    /// For an out-of-tree module (`root` is its directory): the kernel it
    /// is built against (`make -C KDIR M=root`), whose include/ and
    /// workqueue facts it uses.
    pub kdir: Option<PathBuf>,
    /// The KDIR as given, where `make -C KDIR M=root` runs: KDIR itself,
    /// or an `O=` build directory whose `source` link led to `kdir`.
    pub kbuild: Option<PathBuf>,
    /// The kernel's version as `KERNEL_VERSION(a, b, c)` computes it, from
    /// its top Makefile: compatibility branches are decided against it.
    pub version: Option<i64>,
    /// What the user sets on make's command line (`--make VAR=value`):
    /// read with the Makefiles, over `dkms.conf`'s, and passed to `check`.
    pub make_vars: std::collections::BTreeMap<String, Vec<String>>,
}

impl KernelTree {
    /// Accepts a directory that looks like a kernel source tree.
    pub fn open(path: &Path) -> Result<Self> {
        let root = path
            .canonicalize()
            .with_context(|| format!("{}: no such directory", path.display()))?;
        let markers = ["Makefile", "Kconfig", "include/linux/workqueue.h"];
        if let Some(missing) = markers.iter().find(|m| !root.join(m).is_file()) {
            bail!(
                "{} is not a kernel source tree ({} is missing); pass the top \
                 directory of a Linux tree",
                root.display(),
                missing
            );
        }
        let facts = Arc::new(read_facts(&root));
        Ok(KernelTree {
            version: read_version(&root),
            root,
            facts,
            kdir: None,
            kbuild: None,
            make_vars: Default::default(),
        })
    }

    /// An out-of-tree module's directory (what `make -C KDIR M=dir`
    /// builds: a Kbuild or a Makefile) against the kernel at `kdir`: a
    /// source tree or a prepared build/headers directory.
    pub fn open_external(dir: &Path, kdir: &Path) -> Result<Self> {
        let root = dir
            .canonicalize()
            .with_context(|| format!("{}: no such directory", dir.display()))?;
        if !["Kbuild", "Makefile"]
            .iter()
            .any(|m| root.join(m).is_file())
        {
            bail!(
                "{} has no Kbuild or Makefile: pass the directory `make -C KDIR M=<dir>` builds",
                root.display()
            );
        }
        let kbuild = kdir
            .canonicalize()
            .with_context(|| format!("--kernel {}: no such directory", kdir.display()))?;
        // An `O=` build directory links to its sources.
        let kdir = match kbuild.join("include/linux/workqueue.h").is_file() {
            true => kbuild.clone(),
            false => kbuild
                .join("source")
                .canonicalize()
                .unwrap_or(kbuild.clone()),
        };
        if !kdir.join("include/linux/workqueue.h").is_file() {
            bail!(
                "--kernel {}: include/linux/workqueue.h is missing; pass a kernel source \
                 tree or its headers directory (/lib/modules/$(uname -r)/build)",
                kdir.display()
            );
        }
        let facts = Arc::new(read_facts(&kdir));
        Ok(KernelTree {
            version: read_version(&kdir),
            root,
            facts,
            kdir: Some(kdir),
            kbuild: Some(kbuild),
            make_vars: Default::default(),
        })
    }

    /// Where the kernel's own include/, MAINTAINERS and workqueue facts
    /// are: the tree itself, or KDIR for an out-of-tree module.
    pub fn kernel_root(&self) -> &Path {
        self.kdir.as_deref().unwrap_or(&self.root)
    }

    /// A file of the module's tree or, for `include/…` not found there,
    /// of the kernel it is built against.
    pub fn read_header(&self, rel: &Path) -> Result<Vec<u8>> {
        match (self.read(rel), &self.kdir) {
            (Err(_), Some(kdir)) if rel.starts_with("include") => {
                let path = kdir.join(rel);
                fs::read(&path).with_context(|| format!("reading {}", path.display()))
            }
            (result, _) => result,
        }
    }

    pub fn read(&self, rel: &Path) -> Result<Vec<u8>> {
        fs::read(self.root.join(rel))
            .with_context(|| format!("{} could not be read", rel.display()))
    }

    /// Every .c file below `under` (relative to the root), sorted.
    pub fn c_files(&self, under: &Path) -> Vec<PathBuf> {
        walk_ext(&self.root, under, "c")
    }

    /// The .c files below `under` that mention any of `words`, sorted,
    /// and what could not be read.
    pub fn files_mentioning(&self, under: &Path, words: &[&str]) -> Walked<()> {
        let needles = Needles::new(words);
        let mut walked =
            self.filter_map_files(under, |_, text| needles.is_match(text).then_some(()));
        walked.kept.sort_by(|a, b| a.0.cmp(&b.0));
        walked
    }

    /// Reads every .c file below `under` once and keeps what `keep` makes
    /// of it, with its path; in no order. Directories are walked on all
    /// cores while files are read, so the walk costs no time of its own.
    /// A file or directory that cannot be read is listed, never skipped.
    pub fn filter_map_files<T: Send>(
        &self,
        under: &Path,
        keep: impl Fn(&Path, &[u8]) -> Option<T> + Sync,
    ) -> Walked<T> {
        let found = std::sync::Mutex::new(Vec::new());
        let unread = std::sync::Mutex::new(Vec::new());
        let visit = |entry: Result<PathBuf, Unread>| {
            let rel = match entry {
                Ok(rel) => rel,
                Err(failed) => return lock(&unread).push(failed),
            };
            match fs::read(self.root.join(&rel)) {
                Ok(bytes) => {
                    if let Some(kept) = keep(&rel, &bytes) {
                        lock(&found).push((rel, kept));
                    }
                }
                Err(err) => lock(&unread).push(Unread::new(rel, &err)),
            }
        };
        rayon::scope(|scope| walk_parallel(scope, &self.root, under.to_path_buf(), "c", &visit));
        let mut unread = unread.into_inner().expect("no panics while held");
        unread.sort_by(|a, b| a.path.cmp(&b.path));
        Walked {
            kept: found.into_inner().expect("no panics while held"),
            unread,
        }
    }

    /// What changes when any `.c` file of the tree does: a hash of each
    /// one's path, size and modification time, stat only (nothing read),
    /// summed so that the walk's order does not matter; and their number.
    pub fn sources_fingerprint(&self) -> (u64, u64) {
        use std::hash::{Hash, Hasher};
        use std::sync::atomic::{AtomicU64, Ordering};
        let sum = AtomicU64::new(0);
        let count = AtomicU64::new(0);
        let visit = |entry: Result<PathBuf, Unread>| {
            count.fetch_add(1, Ordering::Relaxed);
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            match entry {
                Ok(rel) => {
                    rel.hash(&mut hasher);
                    match fs::metadata(self.root.join(&rel)) {
                        Ok(meta) => {
                            meta.len().hash(&mut hasher);
                            meta.modified().ok().hash(&mut hasher);
                        }
                        Err(err) => err.kind().hash(&mut hasher),
                    }
                }
                Err(unread) => unread.path.hash(&mut hasher),
            }
            sum.fetch_add(hasher.finish(), Ordering::Relaxed);
        };
        rayon::scope(|scope| walk_parallel(scope, &self.root, PathBuf::new(), "c", &visit));
        (sum.into_inner(), count.into_inner())
    }

    /// The .c and .h files below `under` whose text `keep` accepts,
    /// sorted, and what could not be read (which may hold anything).
    pub fn sources_where(&self, under: &Path, keep: impl Fn(&[u8]) -> bool + Sync) -> Walked<()> {
        let found = std::sync::Mutex::new(Vec::new());
        let unread = std::sync::Mutex::new(Vec::new());
        let visit = |entry: Result<PathBuf, Unread>| match entry {
            Err(failed) => lock(&unread).push(failed),
            Ok(rel) => match fs::read(self.root.join(&rel)) {
                Ok(bytes) if keep(&bytes) => lock(&found).push((rel, ())),
                Ok(_) => {}
                Err(err) => lock(&unread).push(Unread::new(rel, &err)),
            },
        };
        rayon::scope(|scope| {
            for ext in ["c", "h"] {
                let (root, visit) = (&self.root, &visit);
                scope.spawn(move |scope| {
                    walk_parallel(scope, root, under.to_path_buf(), ext, visit)
                });
            }
        });
        let mut kept = found.into_inner().expect("no panics while held");
        kept.sort_by(|a, b| a.0.cmp(&b.0));
        let mut unread = unread.into_inner().expect("no panics while held");
        unread.sort_by(|a, b| a.path.cmp(&b.path));
        Walked { kept, unread }
    }

    /// The kernel's headers below `under` (include/…), each with its text
    /// when it contains `needle`; a header `known` has seen with its
    /// present `Stat` is not read again.
    /// What could not be read (a header, a directory) is listed beside.
    pub fn headers_containing(
        &self,
        under: &Path,
        needle: &str,
        known: Option<&Known<'_, Vec<u8>>>,
    ) -> Walked<Visited<Vec<u8>>> {
        let root = self.kernel_root();
        let found = std::sync::Mutex::new(Vec::new());
        let unread = std::sync::Mutex::new(Vec::new());
        let visit = |entry: Result<PathBuf, Unread>| {
            let rel = match entry {
                Ok(rel) => rel,
                Err(failed) => return lock(&unread).push(failed),
            };
            let path = root.join(&rel);
            let visited = match known.and_then(|known| sources::reuse(known, &rel, &path)) {
                Some(visited) => visited,
                None => match read_with_stat(&path, known.is_some()) {
                    Ok((stat, bytes)) => Visited {
                        stat,
                        kept: memchr::memmem::find(&bytes, needle.as_bytes()).map(|_| bytes),
                    },
                    Err(err) => return lock(&unread).push(Unread::new(rel, &err)),
                },
            };
            lock(&found).push((rel, visited));
        };
        rayon::scope(|scope| walk_parallel(scope, root, under.to_path_buf(), "h", &visit));
        let mut unread = unread.into_inner().expect("no panics while held");
        unread.sort_by(|a, b| a.path.cmp(&b.path));
        Walked {
            kept: found.into_inner().expect("no panics while held"),
            unread,
        }
    }
}

/// A file's text and, with `stat`, its `Stat`, taken as it was opened.
fn read_with_stat(path: &Path, stat: bool) -> std::io::Result<(Option<Stat>, Vec<u8>)> {
    use std::io::Read;
    let mut file = fs::File::open(path)?;
    let meta = file.metadata().ok();
    let mut bytes = Vec::with_capacity(meta.as_ref().map_or(0, |m| m.len() as usize));
    file.read_to_end(&mut bytes)?;
    Ok((meta.filter(|_| stat).map(|m| Stat::of(&m)), bytes))
}

/// The workqueue facts of the tree at `root`: from its workqueue.h and,
/// when present, kernel/workqueue.c.
fn read_facts(root: &Path) -> WqFacts {
    let header = root.join("include/linux/workqueue.h");
    let mut facts = match fs::read(&header) {
        Ok(text) => WqFacts::read(
            &text,
            fs::read(root.join("kernel/workqueue.c")).ok().as_deref(),
        ),
        Err(err) => WqFacts::fallback(&format!("{}: {err}", header.display())),
    };
    facts.kernel = version_text(root);
    facts
}

/// `7.2.13`, from the top Makefile's `VERSION`, `PATCHLEVEL`, `SUBLEVEL`.
fn version_text(root: &Path) -> Option<String> {
    let text = fs::read_to_string(root.join("Makefile")).ok()?;
    let field = |name: &str| -> Option<String> {
        text.lines().find_map(|line| {
            let (key, value) = line.split_once('=')?;
            let value = value.trim();
            (key.trim() == name && !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
                .then(|| value.to_string())
        })
    };
    let mut version = format!("{}.{}", field("VERSION")?, field("PATCHLEVEL")?);
    if let Some(sub) = field("SUBLEVEL").filter(|s| s != "0") {
        version.push_str(&format!(".{sub}"));
    }
    Some(version)
}

/// `VERSION`, `PATCHLEVEL` and `SUBLEVEL` of the top Makefile at `root`
/// as one `KERNEL_VERSION` value.
fn read_version(root: &Path) -> Option<i64> {
    let text = fs::read_to_string(root.join("Makefile")).ok()?;
    let field = |name: &str| -> Option<i64> {
        text.lines().find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == name).then(|| value.trim().parse().ok())?
        })
    };
    let (a, b) = (field("VERSION")?, field("PATCHLEVEL")?);
    Some(crate::ctext::kernel_version(
        a,
        b,
        field("SUBLEVEL").unwrap_or(0),
    ))
}

/// The tree-relative file an `#include` of `from` names: `"x.h"` beside
/// `from`, `<x.h>` under `include/`. Only the kernel's own include path is
/// known here; a module's extra `-I` directories are not.
pub fn resolve_include(from: &Path, path: &str, quoted: bool) -> PathBuf {
    match quoted {
        true => lexical(&from.parent().unwrap_or(Path::new("")).join(path)),
        false => Path::new("include").join(path),
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Calls `visit` on every file ending in `.ext` below `rel` (or on `rel`
/// itself), top-level directories without modules left out; a rayon task
/// per directory. A symbolic link to a file counts as the file (a broken
/// one is unreadable); links to directories are not followed. What cannot
/// be listed is handed to `visit` as an error.
fn walk_parallel<'s>(
    scope: &rayon::Scope<'s>,
    root: &'s Path,
    rel: PathBuf,
    ext: &'s str,
    visit: &'s (impl Fn(Result<PathBuf, Unread>) + Sync),
) {
    let full = root.join(&rel);
    if full.is_file() {
        if rel.extension().is_some_and(|e| e == ext) {
            visit(Ok(rel));
        }
        return;
    }
    let entries = match fs::read_dir(full) {
        Ok(entries) => entries,
        Err(err) => return visit(Err(Unread::new(rel, &err))),
    };
    let top_level = rel.as_os_str().is_empty();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => return visit(Err(Unread::new(rel, &err))),
        };
        let name = entry.file_name();
        let child = rel.join(&name);
        let kind = match entry.file_type() {
            Ok(kind) => kind,
            Err(err) => {
                visit(Err(Unread::new(child, &err)));
                continue;
            }
        };
        if kind.is_dir() {
            if top_level && SKIPPED_DIRS.iter().any(|d| name == *d) {
                continue;
            }
            scope.spawn(move |scope| walk_parallel(scope, root, child, ext, visit));
        } else if (kind.is_file() || kind.is_symlink())
            && child.extension().is_some_and(|e| e == ext)
        {
            if kind.is_symlink() && root.join(&child).is_dir() {
                continue;
            }
            visit(Ok(child));
        }
    }
}

/// The files ending in `.ext` below `rel`, sorted.
fn walk_ext(root: &Path, rel: &Path, ext: &str) -> Vec<PathBuf> {
    let found = std::sync::Mutex::new(Vec::new());
    // Callers list a directory they already read from: what cannot be
    // listed there was reported by the walk that selected the module.
    let visit = |path: Result<PathBuf, Unread>| {
        if let Ok(path) = path {
            lock(&found).push(path);
        }
    };
    rayon::scope(|scope| walk_parallel(scope, root, rel.to_path_buf(), ext, &visit));
    let mut files = found.into_inner().expect("no panics while held");
    files.sort();
    files
}
