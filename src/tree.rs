//! The kernel tree: finding its root, walking its sources, and a cheap
//! textual prefilter run in parallel before anything is parsed.

use aho_corasick::AhoCorasick;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::entry::{driver_macros_in, DriverMacro};

/// Top-level directories that hold no kernel modules.
const SKIPPED_DIRS: &[&str] = &[".git", "Documentation", "tools", "scripts", "usr"];

pub struct KernelTree {
    pub root: PathBuf,
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
        Ok(KernelTree { root })
    }

    pub fn read(&self, rel: &Path) -> Result<Vec<u8>> {
        let path = self.root.join(rel);
        fs::read(&path).with_context(|| format!("reading {}", path.display()))
    }

    /// Every .c file below `under` (relative to the root), sorted.
    pub fn c_files(&self, under: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        walk(&self.root, under, &mut files);
        files.sort();
        files
    }

    /// The .c files below `under` that mention any of `words`, read and
    /// matched on both cores.
    pub fn files_mentioning(&self, under: &Path, words: &[&str]) -> Result<Vec<PathBuf>> {
        let matcher = AhoCorasick::new(words)?;
        let files = self.c_files(under);
        let hits: Vec<PathBuf> = files
            .into_par_iter()
            .filter(|rel| fs::read(self.root.join(rel)).is_ok_and(|bytes| matcher.is_match(&bytes)))
            .collect();
        Ok(hits)
    }

    /// Reads every .c file below `under` once and keeps those for which
    /// `classify` returns a non-zero bit set, with the bits.
    pub fn classify(
        &self,
        under: &Path,
        classify: impl Fn(&[u8]) -> u8 + Sync,
    ) -> Vec<(PathBuf, u8)> {
        self.c_files(under)
            .into_par_iter()
            .filter_map(|rel| {
                let bits = fs::read(self.root.join(&rel)).map_or(0, |bytes| classify(&bytes));
                (bits != 0).then_some((rel, bits))
            })
            .collect()
    }

    /// `module_*_driver` definitions in include/ and in `extra` files.
    pub fn driver_macros(&self, extra: &[Vec<u8>]) -> BTreeMap<String, DriverMacro> {
        let mut headers = Vec::new();
        walk_ext(&self.root, Path::new("include"), "h", &mut headers);
        let mut macros = BTreeMap::new();
        for text in extra {
            driver_macros_in(text, &mut macros);
        }
        let found: Vec<Vec<u8>> = headers
            .par_iter()
            .filter_map(|rel| fs::read(self.root.join(rel)).ok())
            .filter(|bytes| memchr::memmem::find(bytes, b"#define module_").is_some())
            .collect();
        for text in found {
            driver_macros_in(&text, &mut macros);
        }
        macros
    }
}

fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    walk_ext(root, rel, "c", out)
}

fn walk_ext(root: &Path, rel: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let full = root.join(rel);
    if full.is_file() {
        if rel.extension().is_some_and(|e| e == ext) {
            out.push(rel.to_path_buf());
        }
        return;
    }
    let Ok(entries) = fs::read_dir(&full) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let child = rel.join(&name);
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let top_level = rel.as_os_str().is_empty();
            if top_level && SKIPPED_DIRS.iter().any(|d| name == *d) {
                continue;
            }
            walk_ext(root, &child, ext, out);
        } else if kind.is_file() && child.extension().is_some_and(|e| e == ext) {
            out.push(child);
        }
    }
}
