//! Kbuild Makefiles → modules. Each Makefile is read as make reads it
//! (`make.rs`): assignments in order, make's functions evaluated,
//! `include`s followed, conditionals decided when their variables are
//! known and read as the union of their branches when not. A file listed
//! in a composite object (`foo-y`, `foo-objs`, `foo-$(CONFIG_X)`) belongs
//! to it. What cannot be known is said, never guessed.

mod cond;
mod data;
mod dkms;
mod expand;
#[cfg(test)]
mod fixture;
mod functions;
mod include;
mod kconfig;
mod lines;
mod make;
mod placement;
mod vars;
mod words;

pub use dkms::command_line as dkms_make_variables;
pub use placement::Placement;
pub use vars::Unbuilt;

use crate::tree::KernelTree;
use anyhow::{Context, Result};
use make::{Disk, NoteKind};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use vars::{Setup, Vars, Word};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleKind {
    /// Can be built as a loadable module (obj-m, or a tristate option).
    Loadable,
    /// Always built in (obj-y, or a bool option): there is no exit.
    BuiltIn,
}

#[derive(Debug, Clone)]
pub struct Module {
    /// The object name as Kbuild spells it (`rtc-core`, `aoe`).
    pub name: String,
    /// Directory of the Makefile that names the object, relative to the root.
    pub dir: PathBuf,
    /// Its .c files, relative to the root, sorted.
    pub files: Vec<PathBuf>,
    /// The same files in the order the Makefile lists their objects: the
    /// link order, which orders initcalls of one level in built-in code;
    /// empty when the lists span several Makefiles (not known).
    pub link_order: Vec<PathBuf>,
    /// Files built into the module only under a condition: listed under
    /// an option (`foo-$(CONFIG_X)`), inside a Makefile conditional, or
    /// depending on one localwq could not decide. Code there may be
    /// missing from a build: nothing outside it may call it.
    pub conditional: Vec<PathBuf>,
    pub kind: ModuleKind,
    pub config: Option<String>,
    /// What Kbuild builds into the module that localwq cannot list: a
    /// variable defined in no Makefile it reads, a `$(shell …)`, or an
    /// object with no source beside it (generated). Its code is not read.
    pub unresolved: Vec<Unresolved>,
    /// The conditionals of its Makefiles that localwq could not decide
    /// and its objects depend on (`file:line: …`): both branches counted.
    pub kbuild_notes: Vec<String>,
}

/// A word of a module's object lists localwq could not list, and the
/// Makefile line it comes from.
#[derive(Debug, Clone)]
pub struct Unresolved {
    pub what: String,
    pub makefile: PathBuf,
    pub line: usize,
}

impl Module {
    /// The same module as `other`: the same object in the same directory
    /// (a module's files are read from those).
    pub fn is(&self, other: &Module) -> bool {
        self.name == other.name && self.dir == other.dir
    }

    /// The module's directory as reports print it: `.` for the top of an
    /// out-of-tree module's directory.
    pub fn dir_shown(&self) -> String {
        match self.dir.as_os_str().is_empty() {
            true => ".".to_string(),
            false => self.dir.display().to_string(),
        }
    }

    /// The name as a C identifier fragment (`rtc_core`).
    pub fn ident(&self) -> String {
        self.name.replace('-', "_")
    }
}

/// The files under the root, as make reads them: the one I/O edge of the
/// Makefile reading.
struct OnDisk<'a>(&'a Path);

/// An included file past this size is not a Makefile.
const MAX_MAKEFILE_BYTES: u64 = 4 << 20;

impl Disk for OnDisk<'_> {
    fn read(&self, rel: &Path) -> Result<Option<String>, String> {
        let path = self.0.join(rel);
        match fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => return Ok(None),
            Ok(meta) if meta.len() > MAX_MAKEFILE_BYTES => {
                return Err(format!("{} bytes, too large for a Makefile", meta.len()))
            }
            _ => {}
        }
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err.to_string()),
        }
    }

    fn list(&self, rel: &Path) -> Vec<String> {
        let Ok(entries) = fs::read_dir(self.0.join(rel)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn exists(&self, rel: &Path) -> bool {
        self.0.join(rel).exists()
    }
}

/// How make runs on a tree's Makefiles: its command line (a DKMS
/// package's `dkms.conf`), whether the tree is an out-of-tree module's
/// directory, and the kernel's version.
struct Reading<'t> {
    root: &'t Path,
    command_line: BTreeMap<String, Vec<String>>,
    external: bool,
    version: Option<i64>,
    kconfig: Option<BTreeMap<String, String>>,
    /// Each directory's variables, read once: placing many files reads
    /// one Makefile for all those of its directory (`Placement`).
    read: Mutex<HashMap<PathBuf, Option<Arc<Vars>>>>,
}

impl<'t> Reading<'t> {
    fn new(tree: &'t KernelTree) -> Self {
        let mut command_line = dkms::command_line(&tree.root);
        command_line.extend(tree.make_vars.clone());
        Reading {
            root: &tree.root,
            command_line,
            external: tree.kdir.is_some(),
            version: tree.version,
            kconfig: tree.kbuild.as_deref().and_then(kconfig::read),
            read: Mutex::default(),
        }
    }

    /// The variables of `dir`'s Kbuild (or, without one, its Makefile),
    /// as Kbuild reads it; None when it has neither. One that exists but
    /// cannot be read is an error: skipping it would say "no Makefile
    /// builds it" of a file that one does.
    fn vars(&self, dir: &Path) -> Result<Option<Arc<Vars>>> {
        let Some(vars) = self.read_once(dir) else {
            return Ok(None);
        };
        match vars.unreadable.first() {
            Some(err) => Err(anyhow::anyhow!("{err}")),
            None => Ok(Some(vars)),
        }
    }

    /// `Vars::read` of `dir`, once: the first reading kept is the one
    /// every caller gets (`Placement` keys modules by its words).
    fn read_once(&self, dir: &Path) -> Option<Arc<Vars>> {
        let lock = || self.read.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(read) = lock().get(dir) {
            return read.clone();
        }
        let read = self.read_vars(dir).map(Arc::new);
        lock().entry(dir.to_path_buf()).or_insert(read).clone()
    }

    fn read_vars(&self, dir: &Path) -> Option<Vars> {
        let files = [dir.join("Kbuild"), dir.join("Makefile")];
        let setup = Setup {
            dir,
            command_line: &self.command_line,
            external: self.external,
            version: self.version,
            kconfig: self.kconfig.as_ref(),
        };
        Vars::read(&OnDisk(self.root), &files, &setup)
    }
}

/// The module's own include directories, relative to the root: `-I` words
/// of its Makefile's `ccflags-y`, `EXTRA_CFLAGS`, `CFLAGS_<obj>.o`, …
/// that name a directory through `$(src)`, `$(obj)`, `$(M)`, `$(PWD)` or
/// `$(srctree)`. Others (a variable of the build) are not followed.
pub fn include_dirs(tree: &KernelTree, dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = include_paths(tree, dir)
        .iter()
        .filter_map(|p| include_dir(&tree.root, dir, p))
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The module's include directories that lie outside its tree (a
/// sibling `$(src)/../include` of an out-of-tree module), as absolute
/// paths: `check`'s scratch copy must hold them for the module to build.
pub fn outside_include_dirs(tree: &KernelTree, dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = include_paths(tree, dir)
        .iter()
        .filter_map(|p| spelt_from(dir, p))
        .filter(|p| p.starts_with(".."))
        .filter_map(|p| tree.root.join(p).canonicalize().ok())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The words after `-I` in the flags of `dir`'s Makefile.
fn include_paths(tree: &KernelTree, dir: &Path) -> Vec<String> {
    // An unreadable Makefile was already reported when the module was
    // placed: no include directories then.
    let Ok(Some(vars)) = Reading::new(tree).vars(dir) else {
        return Vec::new();
    };
    let mut paths = Vec::new();
    let mut words = vars.flags();
    while let Some(word) = words.next() {
        let path = match word.strip_prefix("-I") {
            Some("") => words.next(),
            Some(path) => Some(path),
            None => None,
        };
        paths.extend(path.map(str::to_string));
    }
    paths
}

/// `$(src)/../include` for the Makefile in `dir` → a root-relative path
/// inside the root, if it is one. `src` and its kin are already spelt
/// from the root; what stays a reference is the module's directory too.
fn include_dir(root: &Path, dir: &Path, path: &str) -> Option<PathBuf> {
    let rel = crate::tree::lexical(&spelt_from(dir, path)?);
    root.join(&rel).is_dir().then_some(rel)
}

/// The path with the module's directory variables spelt out, relative to
/// the root (a leading `..` kept); None when another variable is in it.
fn spelt_from(dir: &Path, path: &str) -> Option<PathBuf> {
    let dir_text = dir.to_string_lossy();
    let mut path = path.replace("$(srctree)/$(src)", &dir_text);
    for var in ["$(src)", "$(obj)", "$(M)", "$(PWD)", "$(CURDIR)"] {
        path = path.replace(var, &dir_text);
    }
    path = path.replace("$(srctree)", "");
    if path.contains("$(") {
        return None;
    }
    let mut kept = PathBuf::new();
    for part in Path::new(path.trim_start_matches('/')).components() {
        match part {
            Component::ParentDir if kept.file_name().is_some_and(|n| n != "..") => {
                kept.pop();
            }
            Component::CurDir => {}
            other => kept.push(other),
        }
    }
    Some(kept)
}

/// The modules that `file` (a .c path relative to `root`) is built into.
/// More than one means the file is shared: the caller flags it.
pub fn modules_of(tree: &KernelTree, file: &Path) -> Result<Vec<Module>> {
    Placement::new(tree).modules_of(file)
}

/// The names and directories of the modules `file` is built into, without
/// reading their other files.
pub fn owner_names(tree: &KernelTree, file: &Path) -> Result<Vec<(PathBuf, String)>> {
    let mut found = owners(&Reading::new(tree), file, |dir, _, owner| {
        (dir.to_path_buf(), owner.stem.to_string())
    })?;
    found.sort();
    found.dedup();
    Ok(found)
}

/// Why no Makefile builds `file` into a module, as far as localwq can
/// say: what it could not evaluate in the nearest Makefile's object
/// lists, and branches make does not take that mention the file.
pub fn why_unbuilt(tree: &KernelTree, file: &Path) -> Result<Unbuilt> {
    let reading = Reading::new(tree);
    let object = file.with_extension("o");
    let name = object.file_name().unwrap_or_default().to_string_lossy();
    let mut dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    loop {
        if let Some(vars) = reading.vars(&dir)? {
            return Ok(vars.why_unbuilt(&name));
        }
        if !dir.pop() {
            return Ok(Unbuilt::default());
        }
    }
}

/// An object list entry that takes a file in: the module's stem, its
/// objects, the list's condition and the entry itself.
struct Owner<'v> {
    stem: &'v str,
    objects: Vec<&'v Word>,
    cond: &'v str,
    entry: &'v Word,
}

/// What `make` builds from each Kbuild object list entry that takes in
/// `file`, from the nearest Makefile (up to four levels up) that has one.
fn owners<T>(
    reading: &Reading,
    file: &Path,
    make: impl Fn(&Path, &Vars, &Owner) -> T,
) -> Result<Vec<T>> {
    let object = file.with_extension("o");
    let mut dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    for _ in 0..4 {
        if let Some(vars) = reading.vars(&dir)? {
            let rel = object.strip_prefix(&dir).unwrap_or(&object);
            let found: Vec<T> = owners_in(&vars, &rel.to_string_lossy())
                .iter()
                .map(|owner| make(&dir, &vars, owner))
                .collect();
            if !found.is_empty() {
                return Ok(found);
            }
        }
        if !dir.pop() {
            break;
        }
    }
    Ok(Vec::new())
}

fn owners_in<'v>(vars: &'v Vars, object: &str) -> Vec<Owner<'v>> {
    let mut found = Vec::new();
    for (cond, words) in vars.object_lists() {
        for entry in words.iter().filter(|w| w.text.ends_with(".o")) {
            let stem = &entry.text[..entry.text.len() - 2];
            let members = vars.composite_members(stem);
            let is_member = members.iter().any(|m| m.text == object);
            if is_member || (members.is_empty() && entry.text == object) {
                let objects = match members.is_empty() {
                    true => vec![entry],
                    false => members,
                };
                found.push(Owner {
                    stem,
                    objects,
                    cond,
                    entry,
                });
            }
        }
    }
    found
}

fn module(root: &Path, dir: &Path, vars: &Vars, owner: &Owner) -> Result<Module> {
    let mut files = Vec::new();
    let mut unresolved = Vec::new();
    // Link order is the order of the object lists' lines; known only when
    // they are all in one Makefile (an included one's lines count where
    // its `include` is, which is not read here).
    let mut objects = owner.objects.clone();
    let one_makefile = objects.windows(2).all(|w| w[0].at.file == w[1].at.file);
    objects.sort_by_key(|w| w.at.line);
    let optional = vars.optional_members(owner.stem);
    let mut conditional = Vec::new();
    let mut conditional_lines = ConditionalLines::default();
    for object in &objects {
        let text = &object.text;
        let Some(base) = text.strip_suffix(".o") else {
            if words::is_unknown(text) {
                unresolved.push(unresolved_word(vars, object, text.clone()));
            }
            continue;
        };
        // `../lib/x.o` names a file of another directory: spelt plainly.
        let c_file = crate::tree::lexical(&dir.join(format!("{base}.c")));
        if root.join(&c_file).is_file() {
            let listed_under_option = optional.iter().any(|w| std::ptr::eq(*w, *object));
            if listed_under_option
                || !object.taint.is_empty()
                || conditional_lines.holds(root, object)
            {
                conditional.push(c_file.clone());
            }
            files.push(c_file);
        } else if !root.join(c_file.with_extension("S")).is_file() && !is_data(root, &c_file) {
            let what = format!("{text} (no {base}.c or {base}.S)");
            unresolved.push(unresolved_word(vars, object, what));
        }
    }
    // A set beside the list: i915's 500 files made the list's own
    // lookups a twentieth of a `scan --all`.
    let mut link_order: Vec<PathBuf> = Vec::new();
    let mut linked: HashSet<&Path> = HashSet::new();
    for file in files.iter().filter(|_| one_makefile) {
        if linked.insert(file) {
            link_order.push(file.clone());
        }
    }
    files.sort();
    files.dedup();
    conditional.sort();
    conditional.dedup();
    let cond = owner.cond;
    let config = config_of(cond);
    let bool_option = match &config {
        Some(symbol) => kconfig_is_bool(root, dir, symbol)?,
        None => false,
    };
    let kind = match cond {
        "y" => ModuleKind::BuiltIn,
        _ if bool_option => ModuleKind::BuiltIn,
        _ => ModuleKind::Loadable,
    };
    let shaping = owner.objects.iter().copied().chain([owner.entry]);
    Ok(Module {
        name: Path::new(owner.stem)
            .file_name()
            .map_or(owner.stem.into(), |n| n.to_string_lossy().into()),
        dir: dir.to_path_buf(),
        files,
        link_order,
        conditional,
        kind,
        config,
        unresolved,
        kbuild_notes: vars.notes_of(shaping, NoteKind::Undecided),
    })
}

/// For each Makefile read, the numbers (from 1) of its lines inside an
/// `ifeq`, `ifneq`, `ifdef` or `ifndef` (decided or not: another
/// configuration decides it otherwise); None when it cannot be read again.
#[derive(Default)]
struct ConditionalLines(BTreeMap<PathBuf, Option<Vec<bool>>>);

impl ConditionalLines {
    /// Whether the line that lists `word` is conditional; true when its
    /// Makefile cannot be read again.
    fn holds(&mut self, root: &Path, word: &Word) -> bool {
        let lines = self.0.entry(word.at.file.clone()).or_insert_with(|| {
            fs::read_to_string(root.join(&word.at.file))
                .ok()
                .map(|t| inside(&t))
        });
        match lines {
            Some(lines) => lines
                .get(word.at.line.saturating_sub(1))
                .copied()
                .unwrap_or(false),
            None => true,
        }
    }
}

/// For each line of a Makefile, whether a conditional is open on it.
fn inside(text: &str) -> Vec<bool> {
    let mut depth = 0usize;
    text.lines()
        .map(|line| {
            let open = depth > 0;
            match line.split_whitespace().next() {
                Some("ifeq" | "ifneq" | "ifdef" | "ifndef") => depth += 1,
                Some("endif") => depth = depth.saturating_sub(1),
                _ => {}
            }
            open
        })
        .collect()
}

/// The Kconfig option an object list's condition names: `$(CONFIG_X)`,
/// `$(CONFIG_X:m=y)` → `X`; None for none or several.
fn config_of(cond: &str) -> Option<String> {
    let names = words::names_in(cond);
    match names.as_slice() {
        [name] => name.strip_prefix("CONFIG_").map(str::to_string),
        _ => None,
    }
}

/// Whether the object of `source` (its would-be `.c`) is data a Makefile
/// of its directory makes into an object (`data::builds_from_data`).
fn is_data(root: &Path, source: &Path) -> bool {
    let (Some(dir), Some(stem)) = (source.parent(), source.file_stem()) else {
        return false;
    };
    let object = format!("{}.o", stem.to_string_lossy());
    ["Makefile", "Kbuild", "GNUmakefile"].iter().any(|name| {
        fs::read(root.join(dir).join(name)).is_ok_and(|text| data::builds_from_data(&text, &object))
    })
}

fn unresolved_word(vars: &Vars, word: &Word, what: String) -> Unresolved {
    let at = vars.place(word);
    Unresolved {
        what,
        makefile: at.file,
        line: at.line,
    }
}

/// Whether `symbol` is declared `bool` in a Kconfig beside the Makefile or
/// above it; an option that is not found counts as tristate.
/// A Kconfig that cannot be read is an error: skipping it could make a
/// built-in module look loadable.
fn kconfig_is_bool(root: &Path, dir: &Path, symbol: &str) -> Result<bool> {
    let mut dir = dir.to_path_buf();
    loop {
        if let Some(kind) = kconfig_type_in(root, &dir, symbol)? {
            return Ok(kind == "bool");
        }
        if !dir.pop() {
            return Ok(false);
        }
    }
}

fn kconfig_type_in(root: &Path, dir: &Path, symbol: &str) -> Result<Option<&'static str>> {
    let unreadable = |path: &Path| format!("{} could not be read", path.display());
    let entries = match fs::read_dir(root.join(dir)) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).with_context(|| unreadable(dir)),
    };
    for entry in entries {
        let entry = entry.with_context(|| unreadable(dir))?;
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with("Kconfig") {
            continue;
        }
        let bytes = fs::read(entry.path()).with_context(|| unreadable(&dir.join(&name)))?;
        if let Some(kind) = kconfig_type(&String::from_utf8_lossy(&bytes), symbol) {
            return Ok(Some(kind));
        }
    }
    Ok(None)
}

fn kconfig_type(text: &str, symbol: &str) -> Option<&'static str> {
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let mut words = line.split_whitespace();
        let keyword = words.next();
        if !matches!(keyword, Some("config" | "menuconfig")) || words.next() != Some(symbol) {
            continue;
        }
        for body in lines.by_ref() {
            let first = body.split_whitespace().next();
            match first {
                Some("tristate" | "def_tristate") => return Some("tristate"),
                Some("bool" | "def_bool" | "boolean") => return Some("bool"),
                Some("config" | "menuconfig" | "endmenu" | "menu" | "choice") => break,
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_of_a_condition() {
        assert_eq!(config_of("$(CONFIG_FOO)").as_deref(), Some("FOO"));
        assert_eq!(config_of("$(CONFIG_FOO:m=y)").as_deref(), Some("FOO"));
        assert_eq!(config_of("$(CONFIG_A)$(CONFIG_B)"), None);
        assert_eq!(config_of("m"), None);
    }

    #[test]
    fn reads_kconfig_types() {
        let text = "config FOO\n\ttristate \"Foo\"\n\nconfig BAR\n\tbool \"Bar\"\n";
        assert_eq!(kconfig_type(text, "FOO"), Some("tristate"));
        assert_eq!(kconfig_type(text, "BAR"), Some("bool"));
        assert_eq!(kconfig_type(text, "BAZ"), None);
    }
}
