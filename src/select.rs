//! Paths → modules: directories, .c files and module objects (`foo.o`,
//! `foo.ko`) named on the command line, or every file of the tree whose
//! text matches the needles, placed in modules by Kbuild. A file no
//! Makefile builds is an orphan, reported with the reason. A private
//! header that matches brings in the .c files that include it
//! (`headers.rs`).

mod headers;

use crate::ctext::Needles;
use crate::kbuild::{self, Module};
use crate::refusal::{Refusal, RefusalKind};
use crate::tree::{KernelTree, Known, Stat, Unread, Walked};
use crate::wq;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

pub struct Selection {
    pub modules: Vec<Module>,
    /// Files that matched but that localwq could not place in a module.
    pub orphans: Vec<Refusal>,
}

/// The modules named by `paths`, or the modules of every file whose text
/// matches `needles` when none is given. A whole-tree walk reads every .c
/// file once; `glean` is handed each one that mentions a workqueue
/// (`wq::mentions`) too, so that other whole-tree facts cost no second
/// read.
pub fn select<T: Send + Sync + Clone + serde::Serialize + serde::de::DeserializeOwned>(
    tree: &KernelTree,
    paths: &[PathBuf],
    needles: &[&str],
    glean: impl Fn(&Path, &[u8]) -> Option<T> + Sync,
) -> Result<(Selection, Option<Vec<T>>)> {
    let mut picked = Picked::default();
    let mut gleaned = None;
    let wanted: Vec<PathBuf> = match paths.is_empty() {
        true => vec![PathBuf::new()],
        false => paths
            .iter()
            .map(|p| relative(tree, p))
            .collect::<Result<_>>()?,
    };
    for rel in wanted {
        let before = picked.count();
        let ext = rel.extension().and_then(|e| e.to_str()).unwrap_or("");
        match ext {
            "o" | "ko" => picked.modules.push(module_by_object(tree, &rel)?),
            "c" => picked.files.push(rel.clone()),
            _ if rel.as_os_str().is_empty() => {
                let (walked, found, headers) = whole_tree(tree, needles, &glean);
                picked.add_walk(walked);
                gleaned = Some(found);
                picked.add_users(headers::includers_of(tree, &headers));
            }
            _ => {
                picked.add_walk(tree.files_mentioning(&rel, needles));
                picked.add_header_users(tree, &rel, needles);
            }
        }
        if picked.count() == before && !rel.as_os_str().is_empty() {
            bail!(
                "{} selects nothing: no .c file there {}; name another directory, file or \
                 module object",
                rel.display(),
                match needles == wq::FLUSH_NEEDLES {
                    true => "flushes a system workqueue",
                    false => "uses a system workqueue",
                }
            );
        }
    }
    Ok((picked.into_selection(tree), gleaned))
}

/// What the paths picked so far: modules, files to place in modules, and
/// files or directories that could not be read.
#[derive(Default)]
struct Picked {
    modules: Vec<Module>,
    files: Vec<PathBuf>,
    /// Files that match only through a private header they include: one
    /// no Makefile builds is no orphan, its header's flush is not its own.
    header_users: Vec<PathBuf>,
    unread: Vec<Unread>,
}

impl Picked {
    fn count(&self) -> usize {
        self.modules.len() + self.files.len() + self.unread.len()
    }

    fn add_walk(&mut self, walked: Walked<()>) {
        self.files
            .extend(walked.kept.into_iter().map(|(rel, ())| rel));
        self.unread.extend(walked.unread);
    }

    /// The .c files that match only through a private header they include.
    fn add_header_users(&mut self, tree: &KernelTree, under: &Path, needles: &[&str]) {
        self.add_users(headers::includers_of_matching_headers(tree, under, needles));
    }

    /// `files` as header users, but those picked already.
    fn add_users(&mut self, files: Vec<PathBuf>) {
        for file in files {
            if !self.files.contains(&file) && !self.header_users.contains(&file) {
                self.header_users.push(file);
            }
        }
    }

    /// Places the files in modules. A file that cannot be read goes with
    /// its modules, refused when they load; one that no module takes in,
    /// or whose Makefile cannot be read, is an orphan with the reason
    /// (a header user no module takes in is left out).
    fn into_selection(mut self, tree: &KernelTree) -> Selection {
        let mut orphans = Vec::new();
        for unread in &self.unread {
            let is_c = unread.path.extension().is_some_and(|e| e == "c");
            match is_c {
                true => self.files.push(unread.path.clone()),
                false => orphans.push(unread_refusal(unread, "nothing below it was looked at")),
            }
        }
        // Kbuild placement reads Makefiles: on all cores, results in order,
        // each Makefile read once for all the files of its directory.
        let placement = kbuild::Placement::new(tree);
        let placed: Vec<(PathBuf, Result<Vec<Module>>)> = {
            use rayon::prelude::*;
            self.files
                .into_par_iter()
                .chain(self.header_users.par_iter().cloned())
                .map(|file| {
                    let found = placement.modules_of(&file);
                    (file, found)
                })
                .collect()
        };
        for (file, found) in placed {
            match found {
                // A .c file another file #includes is the includer's code.
                Ok(found) if found.is_empty() => match includer_modules(tree, &file) {
                    Some(modules) => self.modules.extend(modules),
                    None if self.header_users.contains(&file) => {}
                    None => orphans.push(orphan(tree, file, &self.unread)),
                },
                Ok(found) => self.modules.extend(found),
                Err(err) => orphans.push(Refusal::at(
                    file,
                    0,
                    RefusalKind::Unreadable,
                    format!("{err:#}; make it readable and run again"),
                )),
            }
        }
        let mut modules = self.modules;
        modules.sort_by(|a, b| (&a.dir, &a.name).cmp(&(&b.dir, &b.name)));
        modules.dedup_by(|a, b| a.dir == b.dir && a.name == b.name);
        orphans.sort_by(|a, b| a.file.cmp(&b.file));
        Selection { modules, orphans }
    }
}

/// The modules of a file in the same directory that `#include`s `file`
/// (`#include "selftest_x.c"`), if one does and Kbuild builds it.
fn includer_modules(tree: &KernelTree, file: &Path) -> Option<Vec<Module>> {
    let name = file.file_name()?.to_str()?;
    let dir = file.parent()?;
    let needle = format!("\"{name}\"");
    let entries = std::fs::read_dir(tree.root.join(dir)).ok()?;
    for entry in entries.flatten() {
        let path = entry.path();
        let is_c = path.extension().is_some_and(|e| e == "c" || e == "h");
        if !is_c || path.file_name() == file.file_name() {
            continue;
        }
        let Ok(text) = std::fs::read(&path) else {
            continue;
        };
        let includes = text.split(|b| *b == b'\n').any(|line| {
            let line = line.trim_ascii_start();
            line.starts_with(b"#include") && memchr::memmem::find(line, needle.as_bytes()).is_some()
        });
        if !includes {
            continue;
        }
        let includer = dir.join(entry.file_name());
        if let Ok(modules) = kbuild::modules_of(tree, &includer) {
            if !modules.is_empty() {
                return Some(modules);
            }
        }
    }
    None
}

/// Why a file no Makefile builds is left alone: what localwq could not
/// evaluate in its Makefile, or a branch make does not take that lists
/// it, when there is such a thing to say.
fn orphan(tree: &KernelTree, file: PathBuf, unread: &[Unread]) -> Refusal {
    if let Some(unread) = unread.iter().find(|u| u.path == file) {
        return unread_refusal(unread, "and no Makefile builds it into a module");
    }
    // The Makefile was read once already to place the file.
    let why = kbuild::why_unbuilt(tree, &file).unwrap_or_default();
    // A branch that lists it answers the question; otherwise it may be
    // code another file includes.
    let hint = match why.dead_branches.is_empty() {
        true => " (is it #included by another file?)",
        false => "",
    };
    let said: Vec<String> = why.dead_branches.into_iter().chain(why.unknowns).collect();
    let detail = match said.is_empty() {
        true => format!("no Makefile builds it into a module{hint}"),
        false => format!(
            "no Makefile builds it into a module as far as localwq can read them{hint}: {}",
            said.join("; ")
        ),
    };
    Refusal::at(file, 0, RefusalKind::NotInKbuild, detail)
}

fn unread_refusal(unread: &Unread, consequence: &str) -> Refusal {
    Refusal::at(
        unread.path.clone(),
        0,
        RefusalKind::Unreadable,
        format!(
            "could not be read ({}): {consequence}; make it readable and run again",
            unread.error
        ),
    )
}

/// What a whole-tree walk keeps of one file.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
enum Kept<T> {
    /// A .c file: whether it matched, and what `glean` made of it.
    C(bool, Option<T>),
    /// A private header that matched.
    Header,
}

/// The files of the whole tree that mention `needles`, sorted, what
/// `glean` made of every .c file read, and what could not be read; and
/// the private headers that mention them (sorted), from the same walk.
fn whole_tree<T: Send + Sync + Clone + serde::Serialize + serde::de::DeserializeOwned>(
    tree: &KernelTree,
    needles: &[&str],
    glean: &(impl Fn(&Path, &[u8]) -> Option<T> + Sync),
) -> (Walked<()>, Vec<T>, Vec<PathBuf>) {
    let matcher = Needles::new(needles);
    let gated = wq::all_mention(needles);
    // A walk for `glean` alone reads no header.
    let header_dir = |rel: &Path| !needles.is_empty() && headers::private_dir(tree, rel);
    let c_file = |rel: &Path, text: &[u8]| {
        if !wq::mentions(text) {
            // Neither the implementation nor anything glean keeps.
            let matched = !gated && matcher.is_match(text);
            return matched.then_some(Kept::C(true, None));
        }
        let gleaned = glean(rel, text);
        // The workqueue implementation flushes its own system workqueues:
        // it is the API, never a module to convert.
        let matched = matcher.is_match(text) && !crate::wq::is_implementation(text);
        (matched || gleaned.is_some()).then_some(Kept::C(matched, gleaned))
    };
    let header = |_: &Path, file: std::fs::File| {
        headers::file_matches(needles, &matcher, file).then_some(Kept::Header)
    };
    let cache = crate::cache::walk::WalkCache::open(&walk_key(tree, needles));
    let known = cache
        .as_ref()
        .map(|c| move |rel: &Path, stat: &Stat| c.get(rel, stat));
    let known = known.as_ref().map(|k| k as &Known<'_, Kept<T>>);
    let walked = tree.filter_map_sources(&header_dir, c_file, header, known);
    if let Some(cache) = &cache {
        cache.save(&walked.kept);
    }
    let mut matching = Vec::new();
    let mut gleaned = Vec::new();
    let mut headers = Vec::new();
    for (rel, visited) in walked.kept {
        match visited.kept {
            Some(Kept::C(matched, kept)) => {
                if matched {
                    matching.push((rel, ()));
                }
                gleaned.extend(kept);
            }
            Some(Kept::Header) => headers.push(rel),
            None => {}
        }
    }
    matching.sort_by(|a, b| a.0.cmp(&b.0));
    headers.sort();
    let walked = Walked {
        kept: matching,
        unread: walked.unread,
    };
    (walked, gleaned, headers)
}

/// What a walk's files are read for: the tree, the needles and the
/// tree's workqueue facts (what `glean` looks for).
fn walk_key(tree: &KernelTree, needles: &[&str]) -> String {
    format!("{} {needles:?} {:?}", tree.root.display(), tree.facts)
}

/// What `glean` makes of each .c file of the tree that mentions a
/// workqueue (`wq::mentions`), from the walk's cache where a file is
/// unchanged.
pub fn glean_tree<T: Send + Sync + Clone + serde::Serialize + serde::de::DeserializeOwned>(
    tree: &KernelTree,
    glean: &(impl Fn(&Path, &[u8]) -> Option<T> + Sync),
) -> Vec<T> {
    whole_tree(tree, &[], glean).1
}

/// `path` relative to the tree's root: as given when it exists there,
/// otherwise from the current directory.
fn relative(tree: &KernelTree, path: &Path) -> Result<PathBuf> {
    let object = matches!(path.extension().and_then(|e| e.to_str()), Some("o" | "ko"));
    // `drivers/foo/bar.o` names an object that need not exist yet.
    let in_tree = |p: &Path| match object {
        true => p.parent().is_some_and(Path::is_dir),
        false => p.exists(),
    };
    let full = match path.is_absolute() {
        true => path.to_path_buf(),
        false if in_tree(&tree.root.join(path)) => tree.root.join(path),
        false => std::env::current_dir()?.join(path),
    };
    let probe = if object {
        full.with_extension("c")
    } else {
        full.clone()
    };
    let canonical = probe
        .canonicalize()
        .or_else(|_| {
            full.parent()
                .map_or(Ok(full.clone()), Path::canonicalize)
                .map(|d| d.join(full.file_name().unwrap_or_default()))
        })
        .with_context(|| format!("{}: no such file or directory in the tree", path.display()))?;
    let rel = canonical.strip_prefix(&tree.root).with_context(|| {
        format!(
            "{} is outside the kernel tree {}",
            path.display(),
            tree.root.display()
        )
    })?;
    Ok(if object {
        rel.with_extension("o")
    } else {
        rel.to_path_buf()
    })
}

/// The module a `foo.o` / `foo.ko` path names.
fn module_by_object(tree: &KernelTree, rel: &Path) -> Result<Module> {
    let stem = rel
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    let c_file = rel.with_extension("c");
    let probe = if tree.root.join(&c_file).is_file() {
        kbuild::modules_of(tree, &c_file)?
    } else {
        let dir = rel.parent().unwrap_or(Path::new(""));
        let candidates = tree.c_files(dir);
        let mut found = Vec::new();
        for file in candidates.iter().filter(|f| f.parent() == Some(dir)) {
            found.extend(kbuild::modules_of(tree, file)?);
        }
        found
    };
    probe
        .into_iter()
        .find(|m| m.name == stem)
        .with_context(|| format!("{}: no Kbuild object of that name", rel.display()))
}
