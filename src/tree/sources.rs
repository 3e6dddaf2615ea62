//! One walk for the two kinds of file a whole-tree selection reads: the
//! .c files (every directory but the top-level ones without modules) and
//! the private headers (`select::headers` says which directories hold
//! them). A second walk of the tree for the headers listed its
//! directories on one core, a tenth of a scan where nothing flushes.

use super::{lock, KernelTree, Unread, Walked, SKIPPED_DIRS};
use std::fs;
use std::path::{Path, PathBuf};

/// A file as the walk found it: its `Stat` when read (None when it
/// could not be taken), and what was kept of it.
#[derive(Debug)]
pub struct Visited<T> {
    pub stat: Option<Stat>,
    pub kept: Option<T>,
}

/// What an earlier walk kept of a file, given its path and present
/// `Stat`: None when it did not see the file so.
pub type Known<'a, T> = dyn Fn(&Path, &Stat) -> Option<Option<T>> + Sync + 'a;

/// What tells one version of a file from another without reading it, as
/// git's index does: size, modification and change times and inode. Any
/// write sets the change time to the present, which no tool can set back.
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct Stat {
    pub size: u64,
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
    pub ino: u64,
    pub dev: u64,
}

impl Stat {
    pub fn of(meta: &fs::Metadata) -> Stat {
        use std::os::unix::fs::MetadataExt;
        Stat {
            size: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
            dev: meta.dev(),
        }
    }
}

/// The file at `path` as `known` saw it, if it is unchanged.
pub(super) fn reuse<T>(known: &Known<'_, T>, rel: &Path, path: &Path) -> Option<Visited<T>> {
    reuse_stat(known, rel, Stat::of(&fs::metadata(path).ok()?))
}

/// The file `rel`, found with `stat`, as `known` saw it, if it is unchanged.
fn reuse_stat<T>(known: &Known<'_, T>, rel: &Path, stat: Stat) -> Option<Visited<T>> {
    let kept = known(rel, &stat)?;
    Some(Visited {
        stat: Some(stat),
        kept,
    })
}

/// Which kind of file the walk found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Source {
    C,
    Header,
}

/// Whether a directory is walked for each kind.
#[derive(Clone, Copy)]
struct Kinds {
    c: bool,
    header: bool,
}

impl KernelTree {
    /// Reads every .c file of the tree and every header below the
    /// directories `header_dir` accepts (checked on each directory, the
    /// top one included), once, and keeps what `keep` makes of a .c
    /// file's text and `keep_header` of a header, opened (it reads what it
    /// needs); in no order, each file with its `Stat` as it was read. The
    /// .c files are those `filter_map_files` reads, what cannot be read
    /// among them listed; a header is a regular file (not a link), and one
    /// that cannot be opened or listed is left out. A file `known` has
    /// seen with its present `Stat` is not read again.
    pub fn filter_map_sources<T: Send>(
        &self,
        header_dir: &(impl Fn(&Path) -> bool + Sync),
        keep: impl Fn(&Path, &[u8]) -> Option<T> + Sync,
        keep_header: impl Fn(&Path, fs::File) -> Option<T> + Sync,
        known: Option<&Known<'_, T>>,
    ) -> Walked<Visited<T>> {
        let found = std::sync::Mutex::new(Vec::new());
        let unread = std::sync::Mutex::new(Vec::new());
        let buffers = Buffers::default();
        // Stats are taken only for a cache to keep.
        let stat = known.is_some();
        let visit = |entry: Result<(PathBuf, Source, Option<Stat>), Unread>| {
            let (rel, kind, listed) = match entry {
                Ok(file) => file,
                Err(failed) => return lock(&unread).push(failed),
            };
            let path = self.root.join(&rel);
            let reused = match listed {
                Some(stat) => known.and_then(|known| reuse_stat(known, &rel, stat)),
                None => known.and_then(|known| reuse(known, &rel, &path)),
            };
            if let Some(visited) = reused {
                return lock(&found).push((rel, visited));
            }
            let visited = match kind {
                Source::C => match buffers.read(&path, stat, |text| keep(&rel, text)) {
                    Ok((stat, kept)) => Visited { stat, kept },
                    Err(err) => return lock(&unread).push(Unread::new(rel, &err)),
                },
                Source::Header => match fs::File::open(&path) {
                    Ok(file) => Visited {
                        stat: stat
                            .then(|| file.metadata().ok())
                            .flatten()
                            .map(|m| Stat::of(&m)),
                        kept: keep_header(&rel, file),
                    },
                    Err(_) => return,
                },
            };
            lock(&found).push((rel, visited));
        };
        let top = PathBuf::new();
        let kinds = Kinds {
            c: true,
            header: header_dir(&top),
        };
        rayon::scope(|scope| walk_both(scope, &self.root, top, kinds, stat, header_dir, &visit));
        let mut unread = unread.into_inner().expect("no panics while held");
        unread.sort_by(|a, b| a.path.cmp(&b.path));
        Walked {
            kept: found.into_inner().expect("no panics while held"),
            unread,
        }
    }
}

/// Buffers a walk reads its .c files into, one per thread at work, freed
/// with the walk: `fs::read` asked each file's size first and allocated
/// (and the kernel mapped and zeroed) a new buffer for each of the tree's
/// 30 000 .c files, and buffers kept per thread past the walk added to
/// the peak memory of the conversions after it.
#[derive(Default)]
struct Buffers(std::sync::Mutex<Vec<Vec<u8>>>);

impl Buffers {
    /// What `keep` makes of the whole text of the file at `path`, and
    /// with `stat` the file's `Stat` (taken before it is read: a write
    /// while it is read gives it another).
    fn read<T>(
        &self,
        path: &Path,
        stat: bool,
        keep: impl FnOnce(&[u8]) -> T,
    ) -> std::io::Result<(Option<Stat>, T)> {
        let mut file = fs::File::open(path)?;
        let stat = stat
            .then(|| file.metadata().ok())
            .flatten()
            .map(|m| Stat::of(&m));
        let mut buf = lock(&self.0).pop().unwrap_or_default();
        let read = read_all(&mut file, &mut buf).map(|len| (stat, keep(&buf[..len])));
        lock(&self.0).push(buf);
        read
    }
}

/// Reads `file` to its end into `buf` (grown as needed, never shrunk):
/// how many bytes it holds.
fn read_all(file: &mut fs::File, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    use std::io::Read;
    const GROWTH: usize = 256 << 10;
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(buf.len() + GROWTH, 0);
        }
        match file.read(&mut buf[len..]) {
            Ok(0) => return Ok(len),
            Ok(got) => len += got,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

/// `walk_parallel` for the .c files and `select::headers`' listing for
/// the headers, in one: each directory is listed once, for the kinds
/// walked there, and each kind keeps its own rules (which directories,
/// links, what an error stops).
fn walk_both<'s>(
    scope: &rayon::Scope<'s>,
    root: &'s Path,
    rel: PathBuf,
    mut kinds: Kinds,
    stat: bool,
    header_dir: &'s (impl Fn(&Path) -> bool + Sync),
    visit: &'s (impl Fn(Result<(PathBuf, Source, Option<Stat>), Unread>) + Sync),
) {
    let entries = match fs::read_dir(root.join(&rel)) {
        Ok(entries) => entries,
        Err(err) if kinds.c => return visit(Err(Unread::new(rel, &err))),
        Err(_) => return,
    };
    let top_level = rel.as_os_str().is_empty();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            // The .c walk stops listing the directory; the headers' goes on.
            Err(err) if kinds.c => {
                visit(Err(Unread::new(rel.clone(), &err)));
                kinds.c = false;
                continue;
            }
            Err(_) => continue,
        };
        let name = entry.file_name();
        let child = rel.join(&name);
        let kind = match entry.file_type() {
            Ok(kind) => kind,
            Err(err) => {
                if kinds.c {
                    visit(Err(Unread::new(child, &err)));
                }
                continue;
            }
        };
        if kind.is_dir() {
            let below = Kinds {
                c: kinds.c && !(top_level && SKIPPED_DIRS.iter().any(|d| name == *d)),
                header: kinds.header && header_dir(&child),
            };
            if below.c || below.header {
                scope.spawn(move |scope| {
                    walk_both(scope, root, child, below, stat, header_dir, visit)
                });
            }
            continue;
        }
        let ext = child.extension();
        if kinds.c && ext.is_some_and(|e| e == "c") && (kind.is_file() || kind.is_symlink()) {
            if !(kind.is_symlink() && root.join(&child).is_dir()) {
                visit(Ok((child, Source::C, listed_stat(&entry, kind, stat))));
            }
        } else if kinds.header && ext.is_some_and(|e| e == "h") && kind.is_file() {
            visit(Ok((child, Source::Header, listed_stat(&entry, kind, stat))));
        }
    }
}

/// The `Stat` of a regular file taken from its directory's listing
/// (`fstatat` on the open directory: no path to resolve from the root, a
/// tenth of a walk of the whole tree), when `wanted`; a link is stat'ed
/// through its path instead, for its target's.
fn listed_stat(entry: &fs::DirEntry, kind: fs::FileType, wanted: bool) -> Option<Stat> {
    (wanted && kind.is_file())
        .then(|| entry.metadata().ok())
        .flatten()
        .map(|m| Stat::of(&m))
}
