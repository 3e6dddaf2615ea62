//! Kbuild Makefiles → modules. Conditionals are ignored (the union of all
//! branches counts), `$(var)` references are expanded, and a file listed in
//! a composite object (`foo-y`, `foo-objs`, `foo-$(CONFIG_X)`) belongs to it.

mod vars;

pub use vars::command_line as dkms_make_variables;

use anyhow::{Context, Result};
use std::fs;
use std::path::{Path, PathBuf};
use vars::Vars;

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
    pub kind: ModuleKind,
    pub config: Option<String>,
    /// What Kbuild builds into the module that localwq cannot list: a
    /// variable defined in no Makefile it reads, or an object with no
    /// source beside it (generated). Its code is not read.
    pub unresolved: Vec<String>,
}

impl Module {
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

/// The variables of `dir`'s Makefile and Kbuild; None when it has
/// neither. One that exists but cannot be read is an error: skipping it
/// would say "no Makefile builds it" of a file that one does.
fn read_vars(root: &Path, dir: &Path) -> Result<Option<Vars>> {
    let mut text = String::new();
    for name in ["Makefile", "Kbuild"] {
        match fs::read(root.join(dir).join(name)) {
            Ok(bytes) => {
                text.push_str(&String::from_utf8_lossy(&bytes));
                text.push('\n');
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(err)
                    .with_context(|| format!("{} could not be read", dir.join(name).display()))
            }
        }
    }
    let overrides = vars::command_line(root);
    Ok((!text.is_empty()).then(|| Vars::parse_with(&text, &overrides)))
}

/// The module's own include directories, relative to the root: `-I` words
/// of its Makefile's `ccflags-y`, `EXTRA_CFLAGS`, `CFLAGS_<obj>.o`, …
/// that name a directory through `$(src)`, `$(obj)`, `$(M)`, `$(PWD)` or
/// `$(srctree)`. Others (a variable of the build) are not followed.
pub fn include_dirs(root: &Path, dir: &Path) -> Vec<PathBuf> {
    // An unreadable Makefile was already reported when the module was
    // placed: no include directories then.
    let Ok(Some(vars)) = read_vars(root, dir) else {
        return Vec::new();
    };
    let flags = vars.0.iter().filter(|(name, _)| {
        name.starts_with("ccflags-")
            || name.starts_with("subdir-ccflags-")
            || name.starts_with("CFLAGS_")
            || *name == "EXTRA_CFLAGS"
    });
    let mut dirs = Vec::new();
    for (_, words) in flags {
        let mut words = words.iter();
        while let Some(word) = words.next() {
            let path = match word.strip_prefix("-I") {
                Some("") => words.next().map(String::as_str),
                Some(path) => Some(path),
                None => None,
            };
            if let Some(found) = path.and_then(|p| include_dir(root, dir, p)) {
                dirs.push(found);
            }
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// `$(src)/../include` for the Makefile in `dir` → a root-relative path
/// inside the root, if it is one.
fn include_dir(root: &Path, dir: &Path, path: &str) -> Option<PathBuf> {
    let dir_text = dir.to_string_lossy();
    let mut path = path.replace("$(srctree)/$(src)", &dir_text);
    for var in ["$(src)", "$(obj)", "$(M)", "$(PWD)", "$(CURDIR)"] {
        path = path.replace(var, &dir_text);
    }
    path = path.replace("$(srctree)", "");
    if path.contains("$(") {
        return None;
    }
    let rel = crate::tree::lexical(Path::new(path.trim_start_matches('/')));
    root.join(&rel).is_dir().then_some(rel)
}

/// The modules that `file` (a .c path relative to `root`) is built into.
/// More than one means the file is shared: the caller flags it.
pub fn modules_of(root: &Path, file: &Path) -> Result<Vec<Module>> {
    let mut found = owners(root, file, |dir, stem, objects, cond| {
        module(root, dir, stem, objects, cond)
    })?
    .into_iter()
    .collect::<Result<Vec<_>>>()?;
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found.dedup_by(|a, b| a.name == b.name);
    Ok(found)
}

/// The names and directories of the modules `file` is built into, without
/// reading their other files.
pub fn owner_names(root: &Path, file: &Path) -> Result<Vec<(PathBuf, String)>> {
    let mut found = owners(root, file, |dir, stem, _, _| {
        (dir.to_path_buf(), stem.to_string())
    })?;
    found.sort();
    found.dedup();
    Ok(found)
}

/// What `make` builds from each Kbuild object list entry that takes in
/// `file`, from the nearest Makefile (up to four levels up) that has one.
fn owners<T>(
    root: &Path,
    file: &Path,
    make: impl Fn(&Path, &str, &[String], Option<&str>) -> T,
) -> Result<Vec<T>> {
    let object = file.with_extension("o");
    let mut dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    for _ in 0..4 {
        if let Some(vars) = read_vars(root, &dir)? {
            let rel = object.strip_prefix(&dir).unwrap_or(&object);
            let found = owners_in(&dir, &vars, &rel.to_string_lossy(), &make);
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

fn owners_in<T>(
    dir: &Path,
    vars: &Vars,
    object: &str,
    make: &impl Fn(&Path, &str, &[String], Option<&str>) -> T,
) -> Vec<T> {
    let mut found = Vec::new();
    for (cond, words) in vars.object_lists() {
        for word in words.iter().filter(|w| w.ends_with(".o")) {
            let stem = &word[..word.len() - 2];
            let members = vars.composite_members(stem);
            let is_member = members.iter().any(|m| m == object);
            if is_member || (members.is_empty() && word == object) {
                let objects = if members.is_empty() {
                    vec![word.clone()]
                } else {
                    members
                };
                found.push(make(dir, stem, &objects, cond.as_deref()));
            }
        }
    }
    found
}

fn module(
    root: &Path,
    dir: &Path,
    stem: &str,
    objects: &[String],
    cond: Option<&str>,
) -> Result<Module> {
    let mut files = Vec::new();
    let mut unresolved = Vec::new();
    for object in objects {
        let Some(base) = object.strip_suffix(".o") else {
            if object.contains("$(") {
                unresolved.push(object.clone());
            }
            continue;
        };
        let c_file = dir.join(format!("{base}.c"));
        if root.join(&c_file).is_file() {
            files.push(c_file);
        } else if !root.join(dir.join(format!("{base}.S"))).is_file() {
            unresolved.push(format!("{object} (no {base}.c or {base}.S)"));
        }
    }
    files.sort();
    files.dedup();
    let config = cond
        .and_then(|c| c.strip_prefix("$(CONFIG_"))
        .and_then(|c| c.strip_suffix(')'))
        .map(str::to_string);
    let bool_option = match &config {
        Some(symbol) => kconfig_is_bool(root, dir, symbol)?,
        None => false,
    };
    let kind = match cond {
        Some("y") => ModuleKind::BuiltIn,
        _ if bool_option => ModuleKind::BuiltIn,
        _ => ModuleKind::Loadable,
    };
    Ok(Module {
        name: Path::new(stem)
            .file_name()
            .map_or(stem.into(), |n| n.to_string_lossy().into()),
        dir: dir.to_path_buf(),
        files,
        kind,
        config,
        unresolved,
    })
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
    fn reads_kconfig_types() {
        let text = "config FOO\n\ttristate \"Foo\"\n\nconfig BAR\n\tbool \"Bar\"\n";
        assert_eq!(kconfig_type(text, "FOO"), Some("tristate"));
        assert_eq!(kconfig_type(text, "BAR"), Some("bool"));
        assert_eq!(kconfig_type(text, "BAZ"), None);
    }
}
