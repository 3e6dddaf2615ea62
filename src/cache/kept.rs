//! Values computed from a file's text, kept between runs: a file per key
//! (a SHA-256 of what the value is computed from), in a directory per
//! kind (`facts`: a file's parse facts, which `parse::kept` asks for;
//! `providers`: an exporting file's providers) and build of localwq
//! (`build_id`: what a value holds changes with the code). Each file is written whole or not at all (a temporary file
//! renamed), so two runs at once never read half of one; one that does not
//! read back is a file parsed again. The directories of builds not used
//! for a day are removed when a new build starts one.

use crate::parse::kept::{FactsStore, Key};
use crate::parse::Facts;
use serde::{de::DeserializeOwned, Serialize};
use std::fs;
use std::io::Write;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// Bumped when the files' layout changes.
const FORMAT: u32 = 2;

/// The values of one kind, each of type `T`.
pub struct KeptDir<T> {
    dir: PathBuf,
    kept: PhantomData<fn() -> T>,
}

/// Parse facts, by `parse::kept::key_of`.
pub type FactsDir = KeptDir<Facts>;

impl<T: Serialize + DeserializeOwned> KeptDir<T> {
    /// This build's directory for `kind` in the cache, or None where there
    /// is no cache (`LOCALWQ_CACHE=off`, no home).
    pub fn open(kind: &str) -> Option<Self> {
        let parent = super::dir(kind)?;
        Some(Self::open_in(&parent, super::build_id()?))
    }

    fn open_in(parent: &Path, build: u64) -> Self {
        let dir = parent.join(format!("{FORMAT}-{build:016x}"));
        if !dir.is_dir() {
            super::remove_stale(parent, &dir, Path::is_dir);
        }
        KeptDir {
            dir,
            kept: PhantomData,
        }
    }

    /// The value kept for `key`; None for none, or one that does not read
    /// back (written by another layout).
    pub fn read(&self, key: &Key) -> Option<T> {
        postcard::from_bytes(&fs::read(self.path(key)).ok()?).ok()
    }

    /// Keeps `value` for `key`. One that cannot be kept costs the next run
    /// its computing, nothing else.
    pub fn keep(&self, key: &Key, value: &T) {
        let _ = self.write(key, value);
    }

    fn path(&self, key: &Key) -> PathBuf {
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(hex)
    }

    fn write(&self, key: &Key, value: &T) -> anyhow::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let body = postcard::to_stdvec(value)?;
        let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
        file.write_all(&body)?;
        file.persist(self.path(key))?;
        Ok(())
    }
}

impl FactsStore for FactsDir {
    fn get(&self, key: &Key) -> Option<Facts> {
        self.read(key)
    }

    fn put(&self, key: &Key, facts: &Facts) {
        self.keep(key, facts)
    }
}

#[cfg(test)]
mod tests;
