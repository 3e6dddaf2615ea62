//! Kbuild placement of many files in one run. Each file's module is
//! listed from its Makefile; files of one directory share the Makefile,
//! and files of one module share the listing: a `scan --all` places 2700
//! files, and each of i915's read the same Makefile and listed the same
//! 500 objects again. Both are kept here for the run's files.

use super::{module, owners, Module, Reading};
use crate::tree::KernelTree;
use anyhow::Result;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Places files in modules, each directory's Makefile read once and each
/// module listed once.
pub struct Placement<'t> {
    tree: &'t KernelTree,
    reading: Reading<'t>,
    /// Each module listed, by its directory and the address of the object
    /// list entry that makes it: the directory's one reading is kept
    /// (`Reading::read_once`), so the address names one entry all run.
    listed: Mutex<HashMap<(PathBuf, usize), Module>>,
}

impl<'t> Placement<'t> {
    pub fn new(tree: &'t KernelTree) -> Self {
        Placement {
            tree,
            reading: Reading::new(tree),
            listed: Mutex::default(),
        }
    }

    /// The modules that `file` (a .c path relative to the root) is built
    /// into, by name. More than one means the file is shared: the caller
    /// flags it.
    pub fn modules_of(&self, file: &Path) -> Result<Vec<Module>> {
        let lock = || self.listed.lock().unwrap_or_else(|e| e.into_inner());
        let mut found = owners(&self.reading, file, |dir, vars, owner| {
            let key = (dir.to_path_buf(), std::ptr::from_ref(owner.entry) as usize);
            if let Some(listed) = lock().get(&key) {
                return Ok(listed.clone());
            }
            // An error is made again each time: it is rare, and its
            // context is kept whole.
            let listed = module(&self.tree.root, dir, vars, owner)?;
            lock().insert(key, listed.clone());
            Ok(listed)
        })?
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
        found.sort_by(|a, b| a.name.cmp(&b.name));
        found.dedup_by(|a, b| a.name == b.name);
        Ok(found)
    }
}
