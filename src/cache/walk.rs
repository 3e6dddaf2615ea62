//! What a whole-tree walk made of each file, kept between runs: a scan of
//! a whole tree reads every .c file and many headers (a gigabyte for
//! 5.10), and between two runs almost none of them changes. A file whose
//! `Stat` is what it was when it was read is not read again, as git's
//! index spares `git status` reading unchanged files.
//!
//! The file is keyed by this build of localwq (`build_id`: what a walk
//! keeps changes with the code), the tree, the needles and the tree's
//! workqueue facts (what a file's text is read for), and written whole
//! (a temporary file renamed) so that two runs at once never read half
//! of one. A file that does not read back is ignored and replaced. A file
//! changed within a second of the walk that read it is not kept: a
//! change after it was read could leave the same times on a filesystem
//! that keeps them coarsely.

use crate::tree::{Stat, Visited};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

/// Bumped when the file's layout changes.
const FORMAT: u32 = 1;

/// Below this many files a walk costs less than its cache (and each
/// scratch tree would leave a file behind); `LOCALWQ_CACHE_SMALL=1` keeps
/// one for any tree (the tests' fixtures).
const WORTH_CACHING: usize = 1000;

fn worth_caching(files: usize) -> bool {
    files >= WORTH_CACHING || std::env::var_os("LOCALWQ_CACHE_SMALL").is_some_and(|v| v == "1")
}

/// What an earlier walk kept of each file, by its path's bytes.
type Known<T> = HashMap<Box<[u8]>, (Stat, Option<T>)>;

/// An earlier walk's files, and where this one's are kept.
pub struct WalkCache<T> {
    path: PathBuf,
    key: String,
    started: SystemTime,
    /// By the path's bytes: a `Path` hashes and compares by components,
    /// which cost a warm scan more than the lookups' other work.
    known: Known<T>,
    /// How many files `get` found unchanged.
    hits: AtomicUsize,
}

impl<T: Serialize + DeserializeOwned + Clone> WalkCache<T> {
    /// The cache for a walk keyed by `key` (see the module's comment for
    /// what it must name), or None where there is no cache.
    pub fn open(key: &str) -> Option<Self> {
        let dir = super::dir("walk")?;
        let key = format!("localwq-walk {FORMAT} {:016x} {key}", super::build_id()?);
        Some(Self::open_at(dir.join(file_name(&key)), key))
    }

    fn open_at(path: PathBuf, key: String) -> Self {
        let known = read(&path, &key).unwrap_or_default();
        if known.is_empty() {
            if let Some(dir) = path.parent() {
                super::remove_stale_files(dir, "bin", &path);
            }
        }
        WalkCache {
            path,
            key,
            started: SystemTime::now(),
            known,
            hits: AtomicUsize::new(0),
        }
    }

    /// What the earlier walk kept of `rel`, if it saw it with `stat`.
    pub fn get(&self, rel: &Path, stat: &Stat) -> Option<Option<T>> {
        let (known, kept) = self.known.get(rel.as_os_str().as_bytes())?;
        let unchanged = known == stat;
        if unchanged {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        unchanged.then(|| kept.clone())
    }

    /// Keeps this walk's files for the next, when it read any file the
    /// cache did not hold or no longer finds one it held. A cache that
    /// cannot be written costs the next run its reading, nothing else.
    pub fn save(&self, visited: &[(PathBuf, Visited<T>)]) {
        // Every file the walk visited was found unchanged, and no other.
        let hits = self.hits.load(Ordering::Relaxed);
        if hits == visited.len() && hits == self.known.len() {
            return;
        }
        let settled = self.started - std::time::Duration::from_secs(1);
        let kept: Vec<(&Path, &Stat, &Option<T>)> = visited
            .iter()
            .filter_map(|(rel, v)| Some((rel.as_path(), v.stat.as_ref()?, &v.kept)))
            .filter(|(_, stat, _)| before(stat, settled))
            .collect();
        let unchanged = kept.len() == self.known.len()
            && kept.iter().all(|(rel, stat, _)| {
                let known = self.known.get(rel.as_os_str().as_bytes());
                known.is_some_and(|k| &k.0 == *stat)
            });
        if unchanged || !worth_caching(visited.len()) {
            return;
        }
        let _ = write(&self.path, &self.key, &kept);
    }
}

/// Whether the file last changed before `settled`.
fn before(stat: &Stat, settled: SystemTime) -> bool {
    let Ok(settled) = settled.duration_since(SystemTime::UNIX_EPOCH) else {
        return false;
    };
    let settled = (settled.as_secs() as i64, i64::from(settled.subsec_nanos()));
    stat.mtime < settled && stat.ctime < settled
}

/// One file per key, named by a hash of it.
fn file_name(key: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    format!("{:016x}.bin", hasher.finish())
}

fn read<T: DeserializeOwned>(path: &Path, key: &str) -> Option<Known<T>> {
    let bytes = fs::read(path).ok()?;
    let newline = memchr::memchr(b'\n', &bytes)?;
    if &bytes[..newline] != key.as_bytes() {
        return None;
    }
    let files: Vec<(PathBuf, Stat, Option<T>)> =
        postcard::from_bytes(&bytes[newline + 1..]).ok()?;
    Some(
        files
            .into_iter()
            .map(|(rel, stat, kept)| {
                let rel = rel.into_os_string().into_vec().into_boxed_slice();
                (rel, (stat, kept))
            })
            .collect(),
    )
}

fn write<T: Serialize>(
    path: &Path,
    key: &str,
    files: &[(&Path, &Stat, &Option<T>)],
) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| anyhow::anyhow!("no directory"))?;
    fs::create_dir_all(dir)?;
    let body = postcard::to_stdvec(files)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(key.as_bytes())?;
    file.write_all(b"\n")?;
    file.write_all(&body)?;
    file.as_file().sync_all()?;
    file.persist(path)?;
    Ok(())
}

#[cfg(test)]
mod tests;
