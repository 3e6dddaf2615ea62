//! What a module shares with other code, found by reading the files
//! around it: headers other files include, files Kbuild builds into other
//! modules too, and who else includes a header whose redefinition of a
//! checked flush macro a patch might remove. What is shared is never
//! rewritten (or removed) blind.

use crate::kbuild::{self, Module};
use crate::parse::SourceFile;
use crate::tree::KernelTree;
use anyhow::Result;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Headers that a .c file outside the module, in the header's directory,
/// also includes. Each outsider is read once.
pub(super) fn shared_headers(
    tree: &KernelTree,
    module: &Module,
    headers: &[PathBuf],
) -> Result<BTreeSet<PathBuf>> {
    let mut by_dir: BTreeMap<PathBuf, Vec<&PathBuf>> = BTreeMap::new();
    for header in headers {
        by_dir
            .entry(header.parent().unwrap_or(Path::new("")).to_path_buf())
            .or_default()
            .push(header);
    }
    let mut shared = BTreeSet::new();
    for (dir, in_dir) in by_dir {
        let outsiders: Vec<PathBuf> = tree
            .c_files(&dir)
            .into_iter()
            .filter(|f| f.parent() == Some(dir.as_path()) && !module.files.contains(f))
            .collect();
        // An outsider that cannot be read might include the header: the
        // module is refused rather than its header rewritten blind.
        let texts: Vec<Vec<u8>> = outsiders
            .par_iter()
            .map(|f| tree.read(f))
            .collect::<Result<_>>()?;
        for header in in_dir {
            let name = header
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            if texts.iter().any(|text| includes_name(text, &name)) {
                shared.insert(header.clone());
            }
        }
    }
    Ok(shared)
}

/// The module's parsed .c files (the only ones with anything to rewrite)
/// that Kbuild also builds into other modules, with those modules.
pub(super) fn co_owned(
    tree: &KernelTree,
    module: &Module,
    files: &[SourceFile],
) -> Result<BTreeMap<PathBuf, Vec<String>>> {
    let mut shared = BTreeMap::new();
    for file in files
        .iter()
        .filter(|f| f.parsed && module.files.contains(&f.path))
    {
        let others: Vec<String> = kbuild::owner_names(tree, &file.path)?
            .into_iter()
            .filter(|(dir, name)| *name != module.name || *dir != module.dir)
            .map(|(_, name)| name)
            .collect();
        if !others.is_empty() {
            shared.insert(file.path.clone(), others);
        }
    }
    Ok(shared)
}

/// `"name"` or `.../name"` in an include line of `text`.
pub(super) fn includes_name(text: &[u8], name: &str) -> bool {
    let needle = format!("{name}\"");
    memchr::memmem::find_iter(text, needle.as_bytes())
        .any(|at| at > 0 && matches!(text[at - 1], b'"' | b'/'))
}
