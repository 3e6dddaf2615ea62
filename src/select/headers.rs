//! Private headers that flush: a `#define` or a `static inline` of a
//! module's own header can hold its only flush, and the .c files that
//! use it mention no needle. The module is the one whose .c files include
//! the header, directly or through another of its headers.

use crate::ctext::Needles;
use crate::parse::text_includes;
use crate::tree::KernelTree;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Top-level directories of a kernel tree whose headers are no module's
/// private ones (or no module's at all).
const NOT_PRIVATE: &[&str] = &["include", "tools", "scripts", "Documentation", "samples"];

/// The .c files below `under` that include, directly or through other
/// headers beside them, a private header whose text matches `needles`.
pub fn includers_of_matching_headers(
    tree: &KernelTree,
    under: &Path,
    needles: &[&str],
) -> Vec<PathBuf> {
    let matcher = Needles::new(needles);
    let in_tree = tree.kdir.is_none();
    let headers: Vec<PathBuf> = files_below(&tree.root, under, "h", in_tree)
        .into_par_iter()
        .filter(|rel| std::fs::read(tree.root.join(rel)).is_ok_and(|text| matches(&matcher, &text)))
        .collect();
    includers_of(tree, &headers)
}

/// Whether a header's text makes it one whose includers are selected:
/// it matches the needles and is not the workqueue implementation.
pub fn matches(needles: &Needles, text: &[u8]) -> bool {
    needles.is_match(text) && !crate::wq::is_implementation(text)
}

/// `matches` of a header's whole text, read a piece at a time: the
/// biggest headers are generated register maps of tens of megabytes, and
/// reading each whole made the peak memory of a scan. A piece begins
/// with the end of the one before, as long as the longest needle, so
/// that no needle is missed where two pieces meet. A file that cannot be
/// read to its end does not match, as when it cannot be read at all.
pub fn file_matches(needles: &[&str], matcher: &Needles, file: impl Read) -> bool {
    thread_local! {
        // One buffer per thread for the walk's thousands of headers.
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUF.with(|buf| pieces_match(needles, matcher, file, &mut buf.borrow_mut()))
}

fn pieces_match(
    needles: &[&str],
    matcher: &Needles,
    mut file: impl Read,
    buf: &mut Vec<u8>,
) -> bool {
    const PIECE: usize = 256 << 10;
    let implementation = crate::wq::WORKQUEUE_IMPLEMENTATION.as_bytes();
    let overlap = needles
        .iter()
        .map(|n| n.len())
        .chain([implementation.len()])
        .max()
        .unwrap_or(0)
        .saturating_sub(1);
    buf.resize(PIECE + overlap, 0);
    let gated = crate::wq::all_mention(needles);
    let (mut kept, mut matched) = (0, false);
    loop {
        let got = match file.read(&mut buf[kept..]) {
            Ok(0) => return matched,
            Ok(got) => got,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        };
        let end = kept + got;
        let piece = &buf[..end];
        // A piece that mentions no workqueue holds neither a needle nor
        // the implementation's line: one pass over it for both.
        let mentioned = !gated || crate::wq::mentions(piece);
        if mentioned && memchr::memmem::find(piece, implementation).is_some() {
            return false;
        }
        matched = matched || (mentioned && matcher.is_match(piece));
        kept = overlap.min(end);
        buf.copy_within(end - kept..end, 0);
    }
}

/// Whether the directory `rel` may hold a module's private headers (a
/// whole-tree walk reads the headers below those that may).
pub fn private_dir(tree: &KernelTree, rel: &Path) -> bool {
    !skipped(rel, tree.kdir.is_none())
}

/// The .c files that reach one of `headers` (matching ones, sorted), as
/// `includers_of_matching_headers` finds them. The areas are listed once
/// each and their files read once for all: areas nest (a driver's and
/// its subdirectory's) and several headers share one, and reading an
/// area per header cost `scan --all` a sixth of its time.
pub fn includers_of(tree: &KernelTree, headers: &[PathBuf]) -> Vec<PathBuf> {
    let in_tree = tree.kdir.is_none();
    let areas: BTreeSet<PathBuf> = headers.iter().map(|h| search_area(tree, h)).collect();
    let listed: BTreeMap<&PathBuf, Listed> = areas
        .par_iter()
        .map(|area| {
            let below = |ext| files_below(&tree.root, area, ext, in_tree);
            (area, (below("h"), below("c")))
        })
        .collect();
    let files: BTreeSet<&PathBuf> = listed
        .values()
        .flat_map(|(h, c)| h.iter().chain(c))
        .collect();
    // A file that cannot be read is left out, as if it were not there.
    let included: HashMap<&PathBuf, Vec<String>> = files
        .into_par_iter()
        .filter_map(|rel| {
            Some((
                rel,
                include_names(&std::fs::read(tree.root.join(rel)).ok()?),
            ))
        })
        .collect();
    let mut found = BTreeSet::new();
    for header in headers {
        let (area_headers, area_c) = &listed[&search_area(tree, header)];
        found.extend(includers(header, area_headers, area_c, &included));
    }
    found.into_iter().collect()
}

/// An area's headers and .c files.
type Listed = (Vec<PathBuf>, Vec<PathBuf>);

/// The file names a text's `#include`s name.
fn include_names(text: &[u8]) -> Vec<String> {
    text_includes(text)
        .into_iter()
        .filter_map(|i| file_name(Path::new(&i.path)))
        .collect()
}

/// Where the users of a private header are: its directory, or the one
/// above when it sits in an `include`/`inc` directory of the module; the
/// whole directory of an out-of-tree module.
fn search_area(tree: &KernelTree, header: &Path) -> PathBuf {
    if tree.kdir.is_some() {
        return PathBuf::new();
    }
    let dir = header.parent().unwrap_or(Path::new(""));
    let is_include_dir = dir
        .file_name()
        .is_some_and(|n| n == "include" || n == "inc");
    match is_include_dir {
        true => dir.parent().unwrap_or(Path::new("")).to_path_buf(),
        false => dir.to_path_buf(),
    }
}

/// The .c files among `c_files` that reach `header` through quoted or
/// `-I` includes, matched by file name: first the `headers` that include
/// it (until no more are found), then the .c files. `included` holds what
/// each file includes (none for a file that could not be read).
fn includers(
    header: &Path,
    headers: &[PathBuf],
    c_files: &[PathBuf],
    included: &HashMap<&PathBuf, Vec<String>>,
) -> Vec<PathBuf> {
    let read = |files: &[PathBuf]| -> Vec<(PathBuf, &Vec<String>)> {
        files
            .iter()
            .filter_map(|rel| Some((rel.clone(), included.get(rel)?)))
            .collect()
    };
    let headers = read(headers);
    let mut names: BTreeSet<String> = file_name(header).into_iter().collect();
    loop {
        let before = names.len();
        for (rel, included) in &headers {
            if included.iter().any(|n| names.contains(n)) {
                names.extend(file_name(rel));
            }
        }
        if names.len() == before {
            break;
        }
    }
    read(c_files)
        .into_iter()
        .filter(|(_, included)| included.iter().any(|n| names.contains(n)))
        .map(|(rel, _)| rel)
        .collect()
}

fn file_name(path: &Path) -> Option<String> {
    path.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// The files ending in `.ext` below `under`, relative to `root`; in a
/// kernel tree, none of the directories that hold no private header.
/// What cannot be listed is left out: the walk that selects by .c files
/// reports it.
fn files_below(root: &Path, under: &Path, ext: &str, in_tree: bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![under.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let rel = dir.join(entry.file_name());
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() && !skipped(&rel, in_tree) {
                pending.push(rel);
            } else if kind.is_file() && rel.extension().is_some_and(|e| e == ext) {
                found.push(rel);
            }
        }
    }
    found.sort();
    found
}

/// Hidden directories, and in a kernel tree its public headers and its
/// tools: `include/`, `arch/*/include/`, `tools/`…
fn skipped(rel: &Path, in_tree: bool) -> bool {
    let hidden = rel
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'));
    if hidden || !in_tree {
        return hidden;
    }
    let parts: Vec<_> = rel.components().map(|c| c.as_os_str()).collect();
    match parts.as_slice() {
        [top] => NOT_PRIVATE.iter().any(|n| top == n),
        [arch, _, include] => *arch == "arch" && *include == "include",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `file_matches` of `text`, against `matches` of the whole of it.
    fn both(text: &[u8]) -> (bool, bool) {
        let needles = crate::wq::FLUSH_NEEDLES;
        let matcher = Needles::new(needles);
        (
            file_matches(needles, &matcher, text),
            matches(&matcher, text),
        )
    }

    #[test]
    fn a_needle_across_two_pieces_is_found() {
        let needle = b"flush_scheduled_work();\n";
        for cut in [1, 10, needle.len() - 1] {
            let mut text = vec![b' '; (256 << 10) - cut];
            text.extend_from_slice(needle);
            assert_eq!(both(&text), (true, true), "cut {cut}");
        }
        let text = vec![b' '; 600 << 10];
        assert_eq!(both(&text), (false, false));
    }

    #[test]
    fn the_implementation_anywhere_does_not_match() {
        let mut text = b"flush_scheduled_work();\n".to_vec();
        text.resize(300 << 10, b' ');
        text.extend_from_slice(b"system_wq = alloc_workqueue(\"events\", 0, 0);\n");
        assert_eq!(both(&text), (false, false));
    }
}
