//! Makefiles in memory for the unit tests: a `Disk` of named texts, and
//! make run over them with every variable expanded afterwards.

use super::make::Cx;
use super::make::{Disk, Loc, Make};
use super::vars::{preset, Setup, Vars};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(super) struct MemDisk(BTreeMap<PathBuf, String>);

impl MemDisk {
    pub(super) fn new(files: &[(&str, &str)]) -> Self {
        MemDisk(
            files
                .iter()
                .map(|(p, t)| (PathBuf::from(p), t.to_string()))
                .collect(),
        )
    }
}

impl Disk for MemDisk {
    fn read(&self, rel: &Path) -> Result<Option<String>, String> {
        match self.0.get(rel) {
            Some(text) if text == "<unreadable>" => Err("permission denied".into()),
            found => Ok(found.cloned()),
        }
    }

    fn list(&self, rel: &Path) -> Vec<String> {
        let mut names: Vec<String> = self
            .0
            .keys()
            .filter_map(|p| p.strip_prefix(rel).ok())
            .filter_map(|p| p.components().next())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        names.dedup();
        names
    }

    fn exists(&self, rel: &Path) -> bool {
        rel.as_os_str().is_empty() || self.0.keys().any(|p| p.starts_with(rel))
    }
}

/// Every variable's value after make read the first file (the others are
/// beside it, to include or match), and the notes, as `file:line: text`.
pub(super) struct Evaluated {
    pub values: BTreeMap<String, String>,
    pub notes: Vec<String>,
    pub skipped: Vec<String>,
}

impl Evaluated {
    pub(super) fn get(&self, name: &str) -> &str {
        self.values.get(name).map_or("<unset>", String::as_str)
    }

    /// Whether a note mentions every one of `parts`.
    pub(super) fn noted(&self, parts: &[&str]) -> bool {
        self.notes
            .iter()
            .any(|n| parts.iter().all(|p| n.contains(p)))
    }
}

pub(super) fn evaluate(files: &[(&str, &str)], command_line: &[(&str, &str)]) -> Evaluated {
    evaluate_configured(files, command_line, None)
}

/// `evaluate` against a prepared kernel whose configuration sets `kconfig`.
pub(super) fn evaluate_configured(
    files: &[(&str, &str)],
    command_line: &[(&str, &str)],
    kconfig: Option<&[(&str, &str)]>,
) -> Evaluated {
    let kconfig: Option<BTreeMap<String, String>> = kconfig.map(|k| {
        k.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    });
    let disk = MemDisk::new(files);
    let first = Path::new(files[0].0);
    let dir = first.parent().unwrap_or(Path::new(""));
    let command_line: BTreeMap<String, Vec<String>> = command_line
        .iter()
        .map(|(n, v)| (n.to_string(), vec![v.to_string()]))
        .collect();
    let mut make = Make::new(&disk, dir);
    let mut setup = setup(dir, &command_line);
    setup.kconfig = kconfig.as_ref();
    preset(&mut make, &setup);
    make.read_file(first);
    let names: Vec<String> = make.vars.keys().cloned().collect();
    let at = Loc {
        file: first.to_path_buf(),
        line: 0,
    };
    let values = names
        .into_iter()
        .map(|name| {
            let value = make.variable(&name, &mut Cx::at(&at));
            (name, value)
        })
        .collect();
    Evaluated {
        values,
        notes: make.notes.iter().map(ToString::to_string).collect(),
        skipped: make
            .skipped
            .iter()
            .map(|s| format!("{}: {}", s.at, s.text))
            .collect(),
    }
}

fn setup<'a>(dir: &'a Path, command_line: &'a BTreeMap<String, Vec<String>>) -> Setup<'a> {
    Setup {
        dir,
        command_line,
        external: true,
        version: Some(crate::ctext::kernel_version(6, 1, 0)),
        kconfig: None,
    }
}

/// The Kbuild view of the first file, as `kbuild.rs` reads it.
pub(super) fn kbuild(files: &[(&str, &str)], command_line: &[(&str, &str)]) -> Vars {
    let disk = MemDisk::new(files);
    let first = PathBuf::from(files[0].0);
    let dir = first.parent().unwrap_or(Path::new("")).to_path_buf();
    let command_line: BTreeMap<String, Vec<String>> = command_line
        .iter()
        .map(|(n, v)| (n.to_string(), vec![v.to_string()]))
        .collect();
    Vars::read(&disk, &[first], &setup(&dir, &command_line)).expect("the Makefile exists")
}
