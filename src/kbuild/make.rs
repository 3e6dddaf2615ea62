//! Make's reading of a Makefile, for what Kbuild takes from it: lines in
//! order, assignments with make's flavours (`=` expanded when used, `:=`
//! when read, `+=` keeping the flavour, `?=` only when unset), `define`,
//! `include` and the conditionals (`cond.rs`), references and functions
//! (`expand.rs`, `functions.rs`). Pure: files come through `Disk`.
//!
//! What cannot be known (a `$(shell …)`, a variable nothing sets, an
//! undecided conditional) is never guessed: the text stays as written
//! and a `Note` says what and where. Every value carries the notes that
//! shaped it (its taint), so a module names only the ones that matter
//! to its own objects.

use super::lines::{define_body, define_start, logical_line, modifiers, split_statement};
use super::lines::{first_word, strip_comment, Op, Statement};
use super::words;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The variables as a branch of a conditional leaves them.
pub(super) type State = BTreeMap<String, Rc<Var>>;

/// Where an expansion happens, and the notes its result depends on.
pub(super) struct Cx {
    pub at: Loc,
    pub taint: Taint,
}

impl Cx {
    pub(super) fn at(at: &Loc) -> Cx {
        Cx {
            at: at.clone(),
            taint: Taint::new(),
        }
    }
}

/// One conditional being read (`cond.rs` decides it).
pub(super) struct Frame {
    /// Closed by the `endif` of the conditional whose `else ifeq …`
    /// opened it.
    pub(super) implicit: bool,
    pub(super) branch: Branch,
}

pub(super) enum Branch {
    /// Inside a branch make does not read: so is every branch here.
    Dead,
    /// `live`: this branch is read; `taken`: one of them was or is.
    Decided {
        live: bool,
        taken: bool,
        why: String,
    },
    /// Each branch read from `before`; `ends` holds the states at the end
    /// of each branch done so far.
    Forked {
        before: State,
        ends: Vec<State>,
        note: usize,
        had_else: bool,
    },
}

impl Frame {
    pub(super) fn fork_note(&self) -> Option<usize> {
        match &self.branch {
            Branch::Forked { note, .. } => Some(*note),
            _ => None,
        }
    }

    pub(super) fn live(&self) -> bool {
        !matches!(
            self.branch,
            Branch::Dead | Branch::Decided { live: false, .. }
        )
    }
}

/// Notes (their index in `Make::notes`) a value depends on.
pub(super) type Taint = BTreeSet<usize>;

/// Includes and evals nest at most this deep (a file including itself).
const MAX_DEPTH: usize = 16;

/// The files make reads, relative to the root. `read`: None when there is
/// no such file, Err with the reason when it cannot be read.
pub(super) trait Disk {
    fn read(&self, rel: &Path) -> Result<Option<String>, String>;
    /// The names in directory `rel`, empty when it is not one.
    fn list(&self, rel: &Path) -> Vec<String>;
    fn exists(&self, rel: &Path) -> bool;
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Loc {
    pub file: PathBuf,
    pub line: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NoteKind {
    /// A conditional (or `$(if …)`) whose branches were all read.
    Undecided,
    /// A value localwq could not compute, left as written.
    Unknown,
    /// A file make would read that localwq did not (`include`).
    NotRead,
}

#[derive(Debug, Clone)]
pub(super) struct Note {
    pub kind: NoteKind,
    pub at: Loc,
    /// The text left standing for the unknown value (`$(shell ls)`), if any.
    pub subject: Option<String>,
    pub text: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.text)
    }
}

/// One assignment's contribution to a variable: `raw` text is expanded
/// when the variable is used (`=`), the rest was expanded when read.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Part {
    pub text: String,
    pub raw: bool,
    pub at: Loc,
    pub taint: Taint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// make's command line (`dkms.conf`): the Makefile cannot change it.
    CommandLine,
    /// Set by Kbuild before the Makefile is read.
    Kbuild,
    File,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Var {
    pub parts: Vec<Part>,
    pub recursive: bool,
    pub origin: Origin,
    /// Set on some branches of an undecided conditional only.
    pub partial: bool,
}

impl Var {
    pub(super) fn is_empty(&self) -> bool {
        self.parts.iter().all(|p| p.text.trim().is_empty())
    }
}

/// A line of a branch make does not take, and why.
#[derive(Debug, Clone)]
pub(super) struct Skipped {
    pub at: Loc,
    pub text: String,
    pub why: String,
}

pub(super) struct Make<'d> {
    pub(super) disk: &'d dyn Disk,
    /// The Makefile's directory, relative to the root.
    pub(super) dir: PathBuf,
    /// Shared, so that an undecided conditional's copy of the state
    /// costs its names only.
    pub(super) vars: BTreeMap<String, Rc<Var>>,
    pub(super) notes: Vec<Note>,
    seen: HashMap<(Loc, String), usize>,
    pub(super) frames: Vec<Frame>,
    pub(super) skipped: Vec<Skipped>,
    /// Included files that exist but could not be read.
    pub(super) unreadable: Vec<String>,
    /// Variables Kbuild sets to a value localwq does not know: not empty.
    pub(super) set_unknown: BTreeSet<String>,
    /// The kernel's configuration was read (a prepared KDIR): a `CONFIG_`
    /// option nothing sets is off, as make sees it.
    pub(super) config_known: bool,
    pub(super) depth: usize,
    pub(super) includes: usize,
    /// Variables being expanded: one met again refers to itself.
    pub(super) expanding: Vec<String>,
    /// References being expanded inside one another.
    pub(super) nesting: usize,
}

impl<'d> Make<'d> {
    /// Whether `name` is a configuration option the kernel's configuration
    /// leaves off: nothing sets it, and that configuration was read.
    pub(super) fn option_off(&self, name: &str) -> bool {
        self.config_known && name.starts_with("CONFIG_") && !self.vars.contains_key(name)
    }

    pub(super) fn new(disk: &'d dyn Disk, dir: &Path) -> Self {
        Make {
            disk,
            dir: dir.to_path_buf(),
            vars: BTreeMap::new(),
            notes: Vec::new(),
            seen: HashMap::new(),
            frames: Vec::new(),
            skipped: Vec::new(),
            unreadable: Vec::new(),
            set_unknown: BTreeSet::new(),
            config_known: false,
            depth: 0,
            includes: 0,
            expanding: Vec::new(),
            nesting: 0,
        }
    }

    /// Sets `name` as make's command line or Kbuild does: `None` is a
    /// value that is set but not known (`KERNELRELEASE`).
    pub(super) fn preset(&mut self, name: &str, value: Option<&str>, origin: Origin) {
        let text = match value {
            Some(value) => value.to_string(),
            None => {
                self.set_unknown.insert(name.to_string());
                format!("$({name})")
            }
        };
        let at = Loc {
            file: PathBuf::from(match origin {
                Origin::CommandLine => "make's command line",
                _ => "Kbuild",
            }),
            line: 0,
        };
        let part = Part {
            text,
            raw: false,
            at,
            taint: Taint::new(),
        };
        let var = Var {
            parts: vec![part],
            recursive: false,
            origin,
            partial: false,
        };
        self.vars.insert(name.to_string(), Rc::new(var));
    }

    /// The note `text` about `at`, once: its index.
    pub(super) fn note(
        &mut self,
        kind: NoteKind,
        at: &Loc,
        subject: Option<&str>,
        text: String,
    ) -> usize {
        let key = (at.clone(), text);
        if let Some(&id) = self.seen.get(&key) {
            return id;
        }
        self.notes.push(Note {
            kind,
            at: at.clone(),
            subject: subject.map(str::to_string),
            text: key.1.clone(),
        });
        self.seen.insert(key, self.notes.len() - 1);
        self.notes.len() - 1
    }

    /// Reads the makefile `file` (relative to the root); false when there
    /// is no such file.
    pub(super) fn read_file(&mut self, file: &Path) -> bool {
        match self.disk.read(file) {
            Ok(Some(text)) => {
                self.run(file, &text, 1);
                true
            }
            Ok(None) => false,
            Err(err) => {
                self.unreadable
                    .push(format!("{} could not be read: {err}", file.display()));
                true
            }
        }
    }

    /// Make's reading of `text`, lines numbered from `first`. Conditionals
    /// left open at its end are closed there.
    pub(super) fn run(&mut self, file: &Path, text: &str, first: usize) {
        if self.depth >= MAX_DEPTH {
            let at = Loc {
                file: file.to_path_buf(),
                line: first,
            };
            let text = "includes or $(eval …) nest too deep: not read".to_string();
            self.note(NoteKind::NotRead, &at, None, text);
            return;
        }
        self.depth += 1;
        let base = self.frames.len();
        let physical: Vec<&str> = text.lines().collect();
        let mut i = 0;
        let mut in_rule = false;
        while i < physical.len() {
            let at = Loc {
                file: file.to_path_buf(),
                line: first + i,
            };
            let recipe = in_rule && physical[i].starts_with('\t');
            let (logical, next) = logical_line(&physical, i);
            i = next;
            if recipe {
                continue;
            }
            let line = strip_comment(&logical);
            if let Some((modifiers, name, op)) = define_start(&line) {
                let (body, next) = define_body(&physical, i);
                i = next;
                if self.live() {
                    self.assign(name, op, &body, &at, modifiers.contains("override"));
                }
                continue;
            }
            if self.conditional(&line, &at) {
                continue;
            }
            if !self.live() {
                self.skip(&line, &at);
                continue;
            }
            in_rule = self.statement(&line, &at).unwrap_or(in_rule);
        }
        self.close_frames(base);
        self.depth -= 1;
    }

    fn skip(&mut self, line: &str, at: &Loc) {
        if line.trim().is_empty() {
            return;
        }
        let why = self.dead_reason().unwrap_or_default();
        self.skipped.push(Skipped {
            at: at.clone(),
            text: line.trim().to_string(),
            why,
        });
    }

    /// One line that is not a conditional: whether it leaves make reading
    /// a rule (its recipe lines follow), None for a blank line.
    fn statement(&mut self, line: &str, at: &Loc) -> Option<bool> {
        let (modifiers, rest) = modifiers(line);
        if rest.trim().is_empty() {
            return (!modifiers.is_empty()).then_some(false);
        }
        let (word, args) = first_word(rest);
        match word {
            "include" => self.include(args, at, false),
            "-include" | "sinclude" => self.include(args, at, true),
            "undefine" => drop(self.vars.remove(args.trim())),
            "vpath" => {}
            _ => return Some(self.assignment_or_rule(rest, modifiers.contains("override"), at)),
        }
        Some(false)
    }

    /// An assignment (false), a rule (true: recipe lines follow) or a line
    /// that is a call, expanded for what it does (`$(eval …)`).
    fn assignment_or_rule(&mut self, rest: &str, over: bool, at: &Loc) -> bool {
        match split_statement(rest) {
            Statement::Assign { name, op, value } => {
                self.assign(name, op, value, at, over);
                false
            }
            Statement::Rule => true,
            Statement::Other => {
                self.expand(rest, &mut Cx::at(at));
                false
            }
        }
    }

    /// The notes of the undecided conditionals around the current line.
    pub(super) fn fork_taint(&self) -> Taint {
        self.frames.iter().filter_map(Frame::fork_note).collect()
    }

    /// `name op value` read at `at`; a command-line variable is kept
    /// unless `override` says otherwise, as in make.
    pub(super) fn assign(&mut self, name: &str, op: Op, value: &str, at: &Loc, over: bool) {
        let mut cx = Cx::at(at);
        let name = self.expand(name.trim(), &mut cx);
        let name = name.trim();
        // One word, a reference left as written (`$(shell …)`) counting as
        // part of it.
        if words::words(name).len() != 1 {
            return;
        }
        let existing = self
            .vars
            .get(name)
            .map(|v| (v.origin, v.recursive, v.partial));
        if matches!(existing, Some((Origin::CommandLine, _, _))) && !over {
            return;
        }
        let taint = self.fork_taint();
        // `+=` and `?=` add a part in place: a list built over hundreds of
        // lines is not copied at each one.
        let added = match (op, existing) {
            (Op::Append, Some((_, recursive, _))) => Some(self.part(value, recursive, at, taint)),
            (Op::IfUnset, Some((_, _, false))) => return,
            (Op::IfUnset, Some(_)) => Some(self.part(value, true, at, taint)),
            (Op::Simple | Op::Shell, _) => {
                let part = match op {
                    Op::Shell => self.shell_assignment(name, value, at, taint),
                    _ => self.part(value, false, at, taint),
                };
                self.vars
                    .insert(name.to_string(), Rc::new(file_var(part, false)));
                None
            }
            _ => {
                let var = file_var(self.part(value, true, at, taint), true);
                self.vars.insert(name.to_string(), Rc::new(var));
                None
            }
        };
        if let (Some(part), Some(var)) = (added, self.vars.get_mut(name)) {
            Rc::make_mut(var).parts.push(part);
        }
    }

    /// A part of a value: expanded now unless `raw`.
    fn part(&mut self, value: &str, raw: bool, at: &Loc, taint: Taint) -> Part {
        let mut cx = Cx::at(at);
        cx.taint = taint;
        let text = match raw {
            true => value.to_string(),
            false => self.expand(value, &mut cx),
        };
        Part {
            text,
            raw,
            at: at.clone(),
            taint: cx.taint,
        }
    }

    /// `NAME != command` runs a shell: its value is not known, and stays
    /// the call as written.
    fn shell_assignment(&mut self, name: &str, value: &str, at: &Loc, mut taint: Taint) -> Part {
        let command = self.expand(value.trim(), &mut Cx::at(at));
        let literal = format!("$(shell {command})");
        let text = format!("`{name} != {command}` runs a shell command, which localwq does not");
        taint.insert(self.note(NoteKind::Unknown, at, Some(&literal), text));
        Part {
            text: literal,
            raw: false,
            at: at.clone(),
            taint,
        }
    }

    /// Why `text` is not known, for a note: `CONFIG_X is not known`.
    pub(super) fn describe_unknown(&self, text: &str) -> String {
        let mut said = Vec::new();
        for reference in words::references(text) {
            let what = match words::plain_name(reference) {
                Some(name) if self.set_unknown.contains(name) => {
                    format!("{name} is set by Kbuild to a value localwq does not know")
                }
                Some(name) => format!("{name} is not known"),
                None if reference[2..].starts_with("shell") => format!("`{reference}` is not run"),
                None => match words::names_in(reference).as_slice() {
                    [] => format!("`{reference}` is not evaluated"),
                    names => format!("{} not known", list_names(names)),
                },
            };
            if !said.contains(&what) {
                said.push(what);
            }
        }
        said.join(", ")
    }
}

/// A variable the Makefile sets.
fn file_var(part: Part, recursive: bool) -> Var {
    Var {
        parts: vec![part],
        recursive,
        origin: Origin::File,
        partial: false,
    }
}

fn list_names(names: &[&str]) -> String {
    match names {
        [one] => format!("{one} is"),
        _ => format!("{} are", names.join(", ")),
    }
}
