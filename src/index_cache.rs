//! A kernel's index (its exports that queue on a system workqueue, the
//! files that queue) kept once per KDIR in the user's cache directory and
//! read back while the kernel's sources are unchanged: an out-of-tree
//! maintainer runs localwq on one small directory again and again, often
//! against several kernels, and indexing a kernel's sources is most of
//! such a run.
//!
//! The file is keyed by this format, localwq's version, the KDIR and a
//! fingerprint of its `.c` files (path, size, modification time: stat
//! only), so a changed tree is indexed again. It is written to a temporary
//! file and renamed into place, so that a run never reads half of one and
//! two runs writing at once each leave a whole file. One that does not
//! read back (corrupt, another version) is ignored and replaced. A cache
//! that cannot be written costs the next run the indexing, nothing else.

use crate::analysis::TreeIndex;
use crate::tree::KernelTree;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Bumped whenever what the index holds changes shape or meaning (2: an
/// export that keeps a callback its work runs is a provider; providers
/// read on demand; 4: a provider's teardowns' waiting calls).
const FORMAT: u32 = 4;

/// Below this many `.c` files indexing costs less than the cache (and a
/// scratch tree would leave a file behind for nothing).
const WORTH_CACHING: u64 = 1000;

/// The index of `kernel`, read from the cache when its key matches, else
/// built by `build` and saved.
pub fn load_or_build(kernel: &KernelTree, build: impl FnOnce() -> TreeIndex) -> TreeIndex {
    let Some(dir) = cache_dir() else {
        return build();
    };
    let (fingerprint, files) = kernel.sources_fingerprint();
    if files < WORTH_CACHING {
        return build();
    }
    let path = dir.join(file_name(&kernel.root));
    let key = key_of(kernel, fingerprint);
    if let Some(index) = read(&path, &key) {
        return index.resolved(&kernel.facts);
    }
    let index = build();
    let _ = write(&dir, &path, &key, &index);
    index
}

/// `$LOCALWQ_INDEX_CACHE` (`off`: none), else the cache's `index`
/// directory (`cache::dir`: `LOCALWQ_CACHE=off` turns every cache off).
fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("LOCALWQ_INDEX_CACHE") {
        return (dir != "off").then(|| PathBuf::from(dir));
    }
    crate::cache::dir("index")
}

/// One file per KDIR, named by a hash of its path.
fn file_name(root: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    root.hash(&mut hasher);
    format!("{:016x}.json", hasher.finish())
}

fn key_of(kernel: &KernelTree, fingerprint: u64) -> String {
    format!(
        "localwq-index {FORMAT} {} {fingerprint:016x} {}",
        env!("CARGO_PKG_VERSION"),
        kernel.root.display()
    )
}

/// The saved index, if the file holds one under `key`.
fn read(path: &Path, key: &str) -> Option<TreeIndex> {
    let text = fs::read(path).ok()?;
    let newline = memchr::memchr(b'\n', &text)?;
    if &text[..newline] != key.as_bytes() {
        return None;
    }
    serde_json::from_slice(&text[newline + 1..]).ok()
}

fn write(dir: &Path, path: &Path, key: &str, index: &TreeIndex) -> anyhow::Result<()> {
    fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(key.as_bytes())?;
    file.write_all(b"\n")?;
    serde_json::to_writer(std::io::BufWriter::new(&mut file), index)?;
    file.as_file().sync_all()?;
    file.persist(path)?;
    Ok(())
}

#[cfg(test)]
mod tests;
