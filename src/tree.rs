//! The kernel tree: finding its root, walking its sources, and a cheap
//! textual prefilter run in parallel before anything is parsed.

use crate::ctext::Needles;
use crate::wq::WqFacts;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Top-level directories that hold no kernel modules.
const SKIPPED_DIRS: &[&str] = &[".git", "Documentation", "tools", "scripts", "usr"];

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
        let path = self.root.join(rel);
        fs::read(&path).with_context(|| format!("reading {}", path.display()))
    }

    /// Every .c file below `under` (relative to the root), sorted.
    pub fn c_files(&self, under: &Path) -> Vec<PathBuf> {
        walk_ext(&self.root, under, "c")
    }

    /// The .c files below `under` that mention any of `words`, sorted.
    pub fn files_mentioning(&self, under: &Path, words: &[&str]) -> Result<Vec<PathBuf>> {
        let needles = Needles::new(words);
        let mut hits: Vec<PathBuf> = self
            .filter_map_files(under, |_, text| needles.is_match(text).then_some(()))
            .into_iter()
            .map(|(rel, _)| rel)
            .collect();
        hits.sort();
        Ok(hits)
    }

    /// Reads every .c file below `under` once and keeps what `keep` makes
    /// of it, with its path; in no order. Directories are walked on all
    /// cores while files are read, so the walk costs no time of its own.
    pub fn filter_map_files<T: Send>(
        &self,
        under: &Path,
        keep: impl Fn(&Path, &[u8]) -> Option<T> + Sync,
    ) -> Vec<(PathBuf, T)> {
        let found = std::sync::Mutex::new(Vec::new());
        let visit = |rel: PathBuf| {
            let kept = fs::read(self.root.join(&rel))
                .ok()
                .and_then(|bytes| keep(&rel, &bytes));
            if let Some(kept) = kept {
                found
                    .lock()
                    .expect("no panics while held")
                    .push((rel, kept));
            }
        };
        rayon::scope(|scope| walk_parallel(scope, &self.root, under.to_path_buf(), "c", &visit));
        found.into_inner().expect("no panics while held")
    }

    /// The kernel's headers below `under` (include/…) whose text contains
    /// `needle`, read.
    pub fn headers_containing(&self, under: &Path, needle: &str) -> Vec<Vec<u8>> {
        let root = self.kernel_root();
        walk_ext(root, under, "h")
            .par_iter()
            .filter_map(|rel| fs::read(root.join(rel)).ok())
            .filter(|bytes| memchr::memmem::find(bytes, needle.as_bytes()).is_some())
            .collect()
    }
}

/// The workqueue facts of the tree at `root`: from its workqueue.h and,
/// when present, kernel/workqueue.c.
fn read_facts(root: &Path) -> WqFacts {
    let header = root.join("include/linux/workqueue.h");
    match fs::read(&header) {
        Ok(text) => WqFacts::read(
            &text,
            fs::read(root.join("kernel/workqueue.c")).ok().as_deref(),
        ),
        Err(err) => WqFacts::fallback(&format!("{}: {err}", header.display())),
    }
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
/// per directory.
fn walk_parallel<'s>(
    scope: &rayon::Scope<'s>,
    root: &'s Path,
    rel: PathBuf,
    ext: &'s str,
    visit: &'s (impl Fn(PathBuf) + Sync),
) {
    let full = root.join(&rel);
    if full.is_file() {
        if rel.extension().is_some_and(|e| e == ext) {
            visit(rel);
        }
        return;
    }
    let Ok(entries) = fs::read_dir(full) else {
        return;
    };
    let top_level = rel.as_os_str().is_empty();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let child = rel.join(&name);
        if kind.is_dir() {
            if top_level && SKIPPED_DIRS.iter().any(|d| name == *d) {
                continue;
            }
            scope.spawn(move |scope| walk_parallel(scope, root, child, ext, visit));
        } else if kind.is_file() && child.extension().is_some_and(|e| e == ext) {
            visit(child);
        }
    }
}

/// The files ending in `.ext` below `rel`, sorted.
fn walk_ext(root: &Path, rel: &Path, ext: &str) -> Vec<PathBuf> {
    let found = std::sync::Mutex::new(Vec::new());
    let visit = |path: PathBuf| found.lock().expect("no panics while held").push(path);
    rayon::scope(|scope| walk_parallel(scope, root, rel.to_path_buf(), ext, &visit));
    let mut files = found.into_inner().expect("no panics while held");
    files.sort();
    files
}
