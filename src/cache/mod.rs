//! What localwq keeps between runs, in the user's cache directory: each
//! kind in a directory of its own. Everything kept there is a function of
//! what it is keyed by (so a run that finds nothing, or something it
//! cannot read, computes it again and loses nothing but the time), and
//! every file is written whole or not at all, so two runs at once never
//! read each other's half.

pub mod counts;
pub mod kept;
pub mod walk;

use std::path::{Path, PathBuf};

/// The directory for `kind`: `$LOCALWQ_CACHE/kind` (`LOCALWQ_CACHE=off`:
/// no cache), else `$XDG_CACHE_HOME/localwq/kind`, else
/// `~/.cache/localwq/kind`.
pub fn dir(kind: &str) -> Option<PathBuf> {
    if let Some(base) = std::env::var_os("LOCALWQ_CACHE") {
        return (base != "off").then(|| Path::new(&base).join(kind));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
    Some(base.join("localwq").join(kind))
}

/// This build of localwq: what it computes may change with any rebuild
/// (a version number stays the same across a developer's builds), so a
/// cache of computed values is kept per executable, known by its size,
/// modification time and inode.
pub fn build_id() -> Option<u64> {
    use std::hash::{Hash, Hasher};
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (
        env!("CARGO_PKG_VERSION"),
        meta.len(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ino(),
    )
        .hash(&mut hasher);
    Some(hasher.finish())
}

/// How long a file of another build is kept after its last write.
pub const STALE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// The entries of `dir` that are `ours` (a kind of file, a build's
/// directory), but `keep`, not written to for `STALE`: another build's,
/// most likely, which no run reads again.
fn remove_stale(dir: &Path, keep: &Path, ours: impl Fn(&Path) -> bool) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let path = entry.path();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|m| now.duration_since(m).is_ok_and(|age| age > STALE));
        if !old || !ours(&path) || path == keep {
            continue;
        }
        let _ = match path.is_dir() {
            true => std::fs::remove_dir_all(&path),
            false => std::fs::remove_file(&path),
        };
    }
}

/// `remove_stale` of the files ending in `.ext`.
fn remove_stale_files(dir: &Path, ext: &str, keep: &Path) {
    remove_stale(dir, keep, |p| {
        p.is_file() && p.extension().is_some_and(|e| e == ext)
    });
}
