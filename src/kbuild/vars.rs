//! One Makefile's variables as Kbuild sees them once make has read it
//! (`make.rs`): each variable's words with the notes that shaped them,
//! the Kbuild lists read from those (`obj-*`, composite objects,
//! compiler flags), and what make's command line sets for a DKMS package
//! (`dkms.conf`).

use super::make::Cx;
use super::make::{Disk, Loc, Make, Note, NoteKind, Origin, Skipped, Taint};
use super::words::{self, is_unknown};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A word of a variable's value, where it was written and the notes it
/// depends on.
#[derive(Debug, Clone)]
pub(super) struct Word {
    pub text: String,
    pub at: Loc,
    pub taint: Taint,
}

/// Why a file is in no module, as far as a Makefile can say.
#[derive(Debug, Default)]
pub struct Unbuilt {
    /// Lines that list it in branches make does not take, and why.
    pub dead_branches: Vec<String>,
    /// What could not be evaluated in the object lists, or read.
    pub unknowns: Vec<String>,
}

/// How make is run on the Makefile.
pub(super) struct Setup<'a> {
    /// The Makefile's directory, relative to the root.
    pub dir: &'a Path,
    /// make's command line (`dkms.conf`): wins over the Makefile.
    pub command_line: &'a BTreeMap<String, Vec<String>>,
    /// An out-of-tree module's directory (`make -C KDIR M=root`).
    pub external: bool,
    /// The kernel's version, `KERNEL_VERSION(a, b, c)`.
    pub version: Option<i64>,
    /// A prepared kernel's configuration (`include/config/auto.conf`),
    /// which Kbuild includes before the module's Makefile: the options
    /// that are on. None when KDIR is not prepared.
    pub kconfig: Option<&'a BTreeMap<String, String>>,
}

/// One Makefile's variables once read: name → words.
#[derive(Debug, Default)]
pub(super) struct Vars {
    values: BTreeMap<String, Vec<Word>>,
    notes: Vec<Note>,
    skipped: Vec<Skipped>,
    /// Files it includes that exist but could not be read.
    pub(super) unreadable: Vec<String>,
}

impl Vars {
    /// make's reading of `files` (the first that exists counts, as Kbuild
    /// takes `Kbuild` over `Makefile`); None when none exists.
    pub(super) fn read(disk: &dyn Disk, files: &[PathBuf], setup: &Setup) -> Option<Vars> {
        let mut make = Make::new(disk, setup.dir);
        preset(&mut make, setup);
        files
            .iter()
            .any(|file| make.read_file(file))
            .then(|| Vars::of(make))
    }

    /// Every variable Kbuild reads, expanded as Kbuild expands it after
    /// reading the Makefile.
    fn of(mut make: Make) -> Vars {
        let names: Vec<String> = make.vars.keys().filter(|n| wanted(n)).cloned().collect();
        let mut values = BTreeMap::new();
        for name in names {
            let words = make.words_of(&name);
            values.insert(name, words);
        }
        Vars {
            values,
            notes: make.notes,
            skipped: make.skipped,
            unreadable: make.unreadable,
        }
    }

    /// `obj-…` lists Kbuild builds: `obj-y`, `obj-m`, and `obj-$(…)`
    /// whose option is not known; with that condition.
    pub(super) fn object_lists(&self) -> Vec<(&str, &[Word])> {
        self.values
            .iter()
            .filter_map(|(name, words)| {
                let cond = name.strip_prefix("obj-")?;
                let built = cond == "y" || cond == "m" || is_unknown(cond);
                built.then_some((cond, words.as_slice()))
            })
            .collect()
    }

    /// The members of composite object `stem`: `stem-y`, `-objs`, `-m`,
    /// and `stem-$(CONFIG_…)` while that option is not known.
    pub(super) fn composite_members(&self, stem: &str) -> Vec<&Word> {
        let prefix = format!("{stem}-");
        self.starting_with(&prefix)
            .filter(|(name, _)| {
                name.strip_prefix(&prefix).is_some_and(|suffix| {
                    matches!(suffix, "y" | "objs" | "m") || suffix.starts_with("$(CONFIG_")
                })
            })
            .flat_map(|(_, words)| words)
            .collect()
    }

    /// The members of `stem` listed under an option (`stem-$(CONFIG_X)`):
    /// built only when it is set.
    pub(super) fn optional_members(&self, stem: &str) -> Vec<&Word> {
        let prefix = format!("{stem}-$(");
        self.starting_with(&prefix)
            .flat_map(|(_, words)| words)
            .collect()
    }

    /// The variables whose names start with `prefix`, in name order: one
    /// run of the sorted map. Placement asks for each object list entry of
    /// a directory for each of its files, and a walk over every variable
    /// each time made a tenth of `scan --all`.
    fn starting_with<'v, 'p>(
        &'v self,
        prefix: &'p str,
    ) -> impl Iterator<Item = (&'v String, &'v Vec<Word>)> + use<'v, 'p> {
        self.values
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(move |(name, _)| name.starts_with(prefix))
    }

    /// The words of the compiler-flag variables (`ccflags-y`, …).
    pub(super) fn flags(&self) -> impl Iterator<Item = &str> {
        self.values
            .iter()
            .filter(|(name, _)| {
                name.starts_with("ccflags-")
                    || name.starts_with("subdir-ccflags-")
                    || name.starts_with("CFLAGS_")
                    || *name == "EXTRA_CFLAGS"
            })
            .flat_map(|(_, words)| words.iter().map(|w| w.text.as_str()))
    }

    /// The notes of `kind` that `words` depend on, as `file:line: text`,
    /// in the order of the files.
    pub(super) fn notes_of<'w>(
        &self,
        words: impl IntoIterator<Item = &'w Word>,
        kind: NoteKind,
    ) -> Vec<String> {
        let mut ids: Vec<usize> = words
            .into_iter()
            .flat_map(|w| w.taint.iter().copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut notes: Vec<&Note> = ids
            .iter()
            .map(|&id| &self.notes[id])
            .filter(|n| n.kind == kind)
            .collect();
        notes.sort_by(|a, b| a.at.cmp(&b.at));
        notes.iter().map(|n| n.to_string()).collect()
    }

    /// Where `word`, not known, comes from: the place of what is not
    /// known in it (`$(shell …)`, a variable nothing sets), else the
    /// assignment it is a word of.
    pub(super) fn place(&self, word: &Word) -> Loc {
        word.taint
            .iter()
            .map(|&id| &self.notes[id])
            .find(|n| {
                n.kind == NoteKind::Unknown
                    && n.subject.as_deref().is_some_and(|s| word.text.contains(s))
            })
            .map_or_else(|| word.at.clone(), |n| n.at.clone())
    }

    /// For a file no list here builds: the lines of branches make does
    /// not take that mention `object`, and what localwq could not
    /// evaluate in the object lists or could not read (includes).
    pub(super) fn why_unbuilt(&self, object: &str) -> Unbuilt {
        let dead_branches = self
            .skipped
            .iter()
            .filter(|s| mentions(&s.text, object))
            .map(|s| {
                format!(
                    "{} mentions {object} only in a branch make does not take ({})",
                    s.at, s.why
                )
            })
            .collect();
        let mut unknowns = self.notes_of(self.object_words(), NoteKind::Unknown);
        let unread = self.notes.iter().filter(|n| n.kind == NoteKind::NotRead);
        unknowns.extend(unread.map(Note::to_string));
        Unbuilt {
            dead_branches,
            unknowns,
        }
    }
}

impl Vars {
    /// Every word of the object lists and of the composites they name:
    /// what decides which module a file is in (flags do not).
    fn object_words(&self) -> Vec<&Word> {
        let mut out = Vec::new();
        for (_, words) in self.object_lists() {
            for word in words {
                out.push(word);
                if let Some(stem) = word.text.strip_suffix(".o") {
                    out.extend(self.composite_members(stem));
                }
            }
        }
        out
    }
}

/// Whether `text` names `object` (`b.o`) as a word or a path's end, not
/// as part of another name (`ab.o`).
fn mentions(text: &str, object: &str) -> bool {
    let name_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    text.match_indices(object).any(|(at, _)| {
        let before = text[..at].bytes().next_back();
        let after = text[at + object.len()..].bytes().next();
        !before.is_some_and(name_byte) && !after.is_some_and(|b| name_byte(b) || b == b'.')
    })
}

/// The variables Kbuild reads from a Makefile.
fn wanted(name: &str) -> bool {
    name.starts_with("obj-")
        || name.ends_with("-y")
        || name.ends_with("-m")
        || name.ends_with("-objs")
        || name.contains("-$(")
        || name.starts_with("ccflags-")
        || name.starts_with("subdir-ccflags-")
        || name.starts_with("CFLAGS_")
        || name == "EXTRA_CFLAGS"
}

/// What make has set before it reads the Makefile: its command line, and
/// what Kbuild sets. `src` and `obj` are the directory spelt from the
/// root (`.` for an out-of-tree module's top), as are `M` and `PWD` of
/// an out-of-tree build; `KERNELRELEASE` is set, to a value not known.
pub(super) fn preset(make: &mut Make, setup: &Setup) {
    let dir = match setup.dir.as_os_str().is_empty() {
        true => ".".to_string(),
        false => setup.dir.display().to_string(),
    };
    let mut kbuild: Vec<(&str, Option<String>)> = vec![
        ("KERNELRELEASE", None),
        ("src", Some(dir.clone())),
        ("obj", Some(dir)),
        ("objtree", None),
    ];
    match setup.external {
        true => kbuild.extend([
            ("srctree", None),
            ("M", Some(".".to_string())),
            ("KBUILD_EXTMOD", Some(".".to_string())),
            ("PWD", Some(".".to_string())),
        ]),
        false => kbuild.push(("srctree", Some(".".to_string()))),
    }
    if let Some(version) = setup.version {
        let (a, b, c) = (version >> 16, (version >> 8) & 0xff, version & 0xff);
        kbuild.push(("VERSION", Some(a.to_string())));
        kbuild.push(("PATCHLEVEL", Some(b.to_string())));
        // KERNEL_VERSION() caps the sublevel at 255: past it, not known.
        if c < 255 {
            kbuild.push(("SUBLEVEL", Some(c.to_string())));
            kbuild.push(("KERNELVERSION", Some(format!("{a}.{b}.{c}"))));
        }
    }
    for (name, value) in kbuild {
        make.preset(name, value.as_deref(), Origin::Kbuild);
    }
    // Kbuild reads the configuration before the Makefile: an option it
    // does not set is off, so empty, not unknown.
    if let Some(kconfig) = setup.kconfig {
        for (name, value) in kconfig {
            make.preset(name, Some(value), Origin::Kbuild);
        }
        make.config_known = true;
    }
    for (name, value) in setup.command_line {
        make.preset(name, Some(&value.join(" ")), Origin::CommandLine);
    }
}

impl Make<'_> {
    /// `name`'s words, each part expanded where it was written.
    fn words_of(&mut self, name: &str) -> Vec<Word> {
        let Some(var) = self.vars.get(name).cloned() else {
            return Vec::new();
        };
        self.expanding.push(name.to_string());
        let mut out = Vec::new();
        for part in &var.parts {
            let mut cx = Cx::at(&part.at);
            let text = self.expand_part(part, part.raw, &mut cx);
            out.extend(words::words(&text).into_iter().map(|w| Word {
                text: w.to_string(),
                at: part.at.clone(),
                taint: cx.taint.clone(),
            }));
        }
        self.expanding.pop();
        out
    }
}

#[cfg(test)]
mod tests;
