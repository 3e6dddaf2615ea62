//! `ifeq`/`ifneq`/`ifdef`/`ifndef` … `else [if…]` … `endif`, decided as
//! make decides them when their variables are known. When one is not
//! (a configuration option nothing sets, a `$(shell …)`), each branch is
//! read from the same state and the states are joined at `endif`: a
//! variable's value is then the union of its values, and every part that
//! is not in all branches carries the conditional's note.

use super::lines::first_word;
use super::make::{Branch, Cx, Frame, Loc, Make, NoteKind, State, Var};
use super::words;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::rc::Rc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Test {
    Eq,
    Neq,
    Def,
    Ndef,
}

/// A condition's value: known, or not (and why, for the note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Truth {
    Known(bool),
    Unknown(String),
}

/// The test a line starts with, and the rest: `ifeq (a,b)` → Eq, `(a,b)`.
fn test(line: &str) -> Option<(Test, &str)> {
    let line = line.trim_start();
    let (word, rest) = match line.find(|c: char| c.is_whitespace() || c == '(') {
        Some(at) => (&line[..at], &line[at..]),
        None => (line, ""),
    };
    let test = match word {
        "ifeq" => Test::Eq,
        "ifneq" => Test::Neq,
        "ifdef" => Test::Def,
        "ifndef" => Test::Ndef,
        _ => return None,
    };
    Some((test, rest.trim()))
}

/// The two arguments of `ifeq`: `(a,b)`, `"a" "b"`, `'a' 'b'`.
pub(super) fn arguments(text: &str) -> Option<(&str, &str)> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix('(') {
        let inner = inner.strip_suffix(')')?;
        let comma = words::top_level_comma(inner)?;
        return Some((inner[..comma].trim_end(), inner[comma + 1..].trim_start()));
    }
    let (first, rest) = quoted(text)?;
    let (second, rest) = quoted(rest.trim_start())?;
    rest.trim().is_empty().then_some((first, second))
}

fn quoted(text: &str) -> Option<(&str, &str)> {
    let quote = text.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let end = text[1..].find(quote)? + 1;
    Some((&text[1..end], &text[end + 1..]))
}

impl Make<'_> {
    /// Whether the current line is read: every conditional around it is
    /// in a branch make takes (or one not decided).
    pub(super) fn live(&self) -> bool {
        self.frames.iter().all(Frame::live)
    }

    /// Why the current line is not read, from the outermost conditional
    /// that says so.
    pub(super) fn dead_reason(&self) -> Option<String> {
        self.frames.iter().find_map(|f| match &f.branch {
            Branch::Decided {
                live: false, why, ..
            } => Some(why.clone()),
            _ => None,
        })
    }

    /// Handles `line` if it is a conditional directive; false otherwise.
    pub(super) fn conditional(&mut self, line: &str, at: &Loc) -> bool {
        if let Some((test, args)) = test(line) {
            self.open(test, args, line.trim(), at, false);
            return true;
        }
        match first_word(line) {
            ("else", rest) => self.otherwise(rest.trim(), at),
            ("endif", _) => self.endif(),
            _ => return false,
        }
        true
    }

    fn open(&mut self, test: Test, args: &str, line: &str, at: &Loc, implicit: bool) {
        let branch = match self.live() {
            false => Branch::Dead,
            true => match self.truth(test, args, at) {
                Truth::Known(live) => Branch::Decided {
                    live,
                    taken: live,
                    why: self.why(line, at, live),
                },
                Truth::Unknown(why) => {
                    let text = format!("`{line}` is not decided ({why}): both branches are read");
                    let note = self.note(NoteKind::Undecided, at, None, text);
                    Branch::Forked {
                        before: self.vars.clone(),
                        ends: Vec::new(),
                        note,
                        had_else: false,
                    }
                }
            },
        };
        self.frames.push(Frame { implicit, branch });
    }

    /// Why a branch of `line` is not read, with the values it compared.
    fn why(&self, line: &str, at: &Loc, live: bool) -> String {
        let mut names = words::names_in(line);
        if let Some((Test::Def | Test::Ndef, name)) = test(line) {
            names.push(name);
        }
        let facts: Vec<String> = names
            .into_iter()
            .map(|name| match self.vars.get(name) {
                Some(var) if self.set_unknown.contains(name) && var.parts.len() == 1 => {
                    format!("{name} is set by Kbuild")
                }
                Some(var) if var.is_empty() => format!("{name} is empty"),
                Some(var) => {
                    let text: Vec<&str> = var.parts.iter().map(|p| p.text.trim()).collect();
                    format!("{name} is `{}`", text.join(" "))
                }
                None => format!("{name} is not set"),
            })
            .collect();
        let value = if live { "true" } else { "false" };
        let facts = match facts.is_empty() {
            true => String::new(),
            false => format!(": {}", facts.join(", ")),
        };
        format!("`{line}` at {at} is {value}{facts}")
    }

    /// `else`, or `else ifeq …` (`rest`).
    fn otherwise(&mut self, rest: &str, at: &Loc) {
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        let chained = test(rest);
        match &mut frame.branch {
            Branch::Dead => return,
            Branch::Decided { live, taken, why } => {
                if *live || *taken {
                    *why = format!("{why}, so its later branches are not read");
                    *live = false;
                    *taken = true;
                    return;
                }
                *live = true;
                *taken = true;
            }
            Branch::Forked {
                before,
                ends,
                had_else,
                ..
            } => {
                let done = std::mem::replace(&mut self.vars, before.clone());
                ends.push(done);
                *had_else = true;
            }
        }
        if let Some((test, args)) = chained {
            self.open(test, args, rest, at, true);
        }
    }

    fn endif(&mut self) {
        while let Some(frame) = self.frames.pop() {
            let implicit = frame.implicit;
            self.close(frame);
            if !implicit {
                break;
            }
        }
    }

    /// Closes the conditionals a file or `$(eval …)` left open.
    pub(super) fn close_frames(&mut self, base: usize) {
        while self.frames.len() > base {
            let frame = self.frames.pop().expect("above base");
            self.close(frame);
        }
    }

    fn close(&mut self, frame: Frame) {
        if let Branch::Forked {
            before,
            mut ends,
            note,
            had_else,
        } = frame.branch
        {
            ends.push(std::mem::take(&mut self.vars));
            if !had_else {
                ends.push(before);
            }
            self.vars = join(ends, note);
        }
    }

    /// The value of a test, when its variables are known.
    pub(super) fn truth(&mut self, test: Test, args: &str, at: &Loc) -> Truth {
        let mut cx = Cx::at(at);
        let truth = match test {
            Test::Eq | Test::Neq => match arguments(args) {
                Some((a, b)) => {
                    let (a, b) = (self.expand(a, &mut cx), self.expand(b, &mut cx));
                    match self.undecided_in(&cx) {
                        Some(why) => Truth::Unknown(why),
                        None => self.equal(&a, &b),
                    }
                }
                None => Truth::Unknown("its arguments cannot be read".to_string()),
            },
            Test::Def | Test::Ndef => {
                let name = self.expand(args.trim(), &mut cx);
                self.defined(name.trim())
            }
        };
        match (test, truth) {
            (Test::Neq | Test::Ndef, Truth::Known(value)) => Truth::Known(!value),
            (_, truth) => truth,
        }
    }

    /// Why a value is not known when part of it was set in some branches
    /// of a conditional not decided: it is the union of those branches'
    /// values (`1 0`), none of which make may take, so a comparison on it
    /// decides nothing.
    fn undecided_in(&self, cx: &Cx) -> Option<String> {
        let note = cx
            .taint
            .iter()
            .map(|&id| &self.notes[id])
            .find(|n| n.kind == NoteKind::Undecided)?;
        Some(format!(
            "it depends on the conditional not decided at {}",
            note.at
        ))
    }

    fn equal(&self, a: &str, b: &str) -> Truth {
        if a == b {
            return Truth::Known(true);
        }
        if !words::is_unknown(a) && !words::is_unknown(b) {
            return Truth::Known(false);
        }
        let one_empty = |x: &str, y: &str| x.trim().is_empty() && self.surely_nonempty(y);
        if one_empty(a, b) || one_empty(b, a) {
            return Truth::Known(false);
        }
        Truth::Unknown(self.describe_unknown(&format!("{a} {b}")))
    }

    /// `ifdef`: whether `name` is set to something not empty. A variable
    /// nothing has set may come from the kernel's configuration or the
    /// environment: not known.
    fn defined(&self, name: &str) -> Truth {
        if words::is_unknown(name) {
            return Truth::Unknown(self.describe_unknown(name));
        }
        match self.vars.get(name) {
            None if self.option_off(name) => Truth::Known(false),
            None => Truth::Unknown(format!("{name} is not set before it")),
            Some(var) if var.partial => Truth::Unknown(format!(
                "{name} is set in only some branches of a conditional not decided"
            )),
            Some(var) => Truth::Known(!var.is_empty()),
        }
    }

    /// Whether `text` is not empty whatever its unknown parts are: it has
    /// text of its own, or a variable Kbuild sets.
    pub(super) fn surely_nonempty(&self, text: &str) -> bool {
        let mut rest = text.to_string();
        for reference in words::references(text) {
            let set = words::plain_name(reference).is_some_and(|n| self.set_unknown.contains(n));
            if set {
                return true;
            }
            rest = rest.replacen(reference, "", 1);
        }
        !rest.trim().is_empty()
    }
}

/// The states at the ends of a conditional's branches, as one: a variable
/// the same everywhere is kept; otherwise its parts are the union, those
/// not in every branch tainted with `note`. Only the names that differ
/// are looked at: most of a Makefile's variables are shared untouched.
fn join(mut ends: Vec<State>, note: usize) -> State {
    let mut joined = ends.remove(0);
    let mut differing = BTreeSet::new();
    for other in &ends {
        differences(&joined, other, &mut differing);
    }
    for name in differing {
        let mut values: Vec<Option<&Var>> = vec![joined.get(&name).map(|v| &**v)];
        values.extend(ends.iter().map(|s| s.get(&name).map(|v| &**v)));
        let var = Rc::new(union(&values, note));
        joined.insert(name, var);
    }
    joined
}

/// The names whose values differ between `a` and `b` (set in one only, or
/// to another value), by one walk over both sorted maps.
fn differences(a: &State, b: &State, out: &mut BTreeSet<String>) {
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    loop {
        let order = match (a.peek(), b.peek()) {
            (None, None) => return,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some((ka, _)), Some((kb, _))) => ka.cmp(kb),
        };
        match order {
            Ordering::Less => out.insert(a.next().expect("peeked").0.clone()),
            Ordering::Greater => out.insert(b.next().expect("peeked").0.clone()),
            Ordering::Equal => {
                let ((name, va), (_, vb)) = (a.next().expect("peeked"), b.next().expect("peeked"));
                if !Rc::ptr_eq(va, vb) && va != vb {
                    out.insert(name.clone());
                }
                true
            }
        };
    }
}

fn union(values: &[Option<&Var>], note: usize) -> Var {
    let present: Vec<&Var> = values.iter().flatten().copied().collect();
    let mut var = Var {
        parts: Vec::new(),
        recursive: present.iter().any(|v| v.recursive),
        origin: present[0].origin,
        partial: present.len() < values.len() || present.iter().any(|v| v.partial),
    };
    for value in &present {
        for part in &value.parts {
            let everywhere = present.len() == values.len()
                && present
                    .iter()
                    .all(|v| v.parts.iter().any(|p| p.text == part.text));
            let same = |p: &&mut super::make::Part| p.text == part.text && p.raw == part.raw;
            let slot = match var.parts.iter_mut().find(same) {
                Some(slot) => slot,
                None => {
                    var.parts.push(part.clone());
                    var.parts.last_mut().expect("pushed")
                }
            };
            slot.taint.extend(part.taint.iter().copied());
            if !everywhere {
                slot.taint.insert(note);
            }
        }
    }
    var
}

#[cfg(test)]
mod tests;
