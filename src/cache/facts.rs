//! Parse facts kept between runs (`parse::kept` asks): a file per text
//! (its SHA-256 with the blocks left out of its parse), in a directory
//! per build of localwq (`build_id`: what the facts hold changes with the
//! code). Each file is written whole or not at all (a temporary file
//! renamed), so two runs at once never read half of one; one that does not
//! read back is a file parsed again. The directories of builds not used
//! for a day are removed when a new build starts one.

use crate::parse::kept::{FactsStore, Key};
use crate::parse::Facts;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Bumped when the files' layout changes.
const FORMAT: u32 = 2;

pub struct FactsDir {
    dir: PathBuf,
}

impl FactsDir {
    /// This build's directory in the cache, or None where there is no
    /// cache (`LOCALWQ_CACHE=off`, no home).
    pub fn open() -> Option<Self> {
        let facts = super::dir("facts")?;
        Some(Self::open_in(&facts, super::build_id()?))
    }

    fn open_in(facts: &Path, build: u64) -> Self {
        let dir = facts.join(format!("{FORMAT}-{build:016x}"));
        if !dir.is_dir() {
            super::remove_stale(facts, &dir, Path::is_dir);
        }
        FactsDir { dir }
    }

    fn path(&self, key: &Key) -> PathBuf {
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(hex)
    }

    fn write(&self, key: &Key, facts: &Facts) -> anyhow::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let body = postcard::to_stdvec(facts)?;
        let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
        file.write_all(&body)?;
        file.persist(self.path(key))?;
        Ok(())
    }
}

impl FactsStore for FactsDir {
    fn get(&self, key: &Key) -> Option<Facts> {
        postcard::from_bytes(&fs::read(self.path(key)).ok()?).ok()
    }

    /// Facts that cannot be kept cost the next run a parse, nothing else.
    fn put(&self, key: &Key, facts: &Facts) {
        let _ = self.write(key, facts);
    }
}

#[cfg(test)]
mod tests;
