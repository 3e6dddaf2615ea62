//! Make's functions, those Kbuild files use: text (`subst`, `patsubst`,
//! `strip`, `findstring`, `filter`, `filter-out`, `sort`, `word`,
//! `wordlist`, `words`, `firstword`, `lastword`), file names (`dir`,
//! `notdir`, `suffix`, `basename`, `addsuffix`, `addprefix`, `join`,
//! `wildcard`, against the files on disk) and control (`if`, `or`, `and`,
//! `foreach`, `call`, `eval`, `value`, `info`, `warning`, `error`).
//!
//! A word that is not known (`$(X)`) goes through a word-wise function as
//! the call on it (`$(notdir $(X))`), so it stays visible and unknown;
//! `addprefix`/`addsuffix` just join text, which is exact. Anything else
//! (`$(shell …)`, `$(origin …)`, a name make does not have) is left as
//! written, with a note.

use super::make::Cx;
use super::make::{Make, NoteKind, Origin, Part, Var};
use super::words::{self, glob_match, is_unknown, top_level_comma};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Functions whose arguments are all expanded first, with their arity.
const PLAIN: &[(&str, usize)] = &[
    ("subst", 3),
    ("patsubst", 3),
    ("strip", 1),
    ("findstring", 2),
    ("filter", 2),
    ("filter-out", 2),
    ("sort", 1),
    ("word", 2),
    ("wordlist", 3),
    ("words", 1),
    ("firstword", 1),
    ("lastword", 1),
    ("dir", 1),
    ("notdir", 1),
    ("suffix", 1),
    ("basename", 1),
    ("addsuffix", 2),
    ("addprefix", 2),
    ("join", 2),
    ("wildcard", 1),
];

/// Make's functions localwq does not evaluate.
const NOT_EVALUATED: &[&str] = &[
    "shell", "origin", "flavor", "realpath", "abspath", "file", "guile", "let", "intcmp",
];

/// `name args` when a reference's text is a function call: a name of
/// lowercase letters and dashes, then blanks.
pub(super) fn call(inner: &str) -> Option<(&str, &str)> {
    let at = inner
        .bytes()
        .position(|b| !(b.is_ascii_lowercase() || b == b'-'))?;
    let blank = matches!(inner.as_bytes()[at], b' ' | b'\t');
    (at > 0 && blank).then(|| (&inner[..at], inner[at..].trim_start()))
}

/// `text` cut at its top-level commas into at most `most` arguments (the
/// last takes the rest, commas and all).
fn arguments(text: &str, most: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while out.len() + 1 < most {
        match top_level_comma(rest) {
            Some(at) => {
                out.push(&rest[..at]);
                rest = &rest[at + 1..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

impl Make<'_> {
    pub(super) fn function(&mut self, name: &str, args: &str, cx: &mut Cx) -> String {
        match name {
            "if" => self.if_(args, cx),
            "or" => self.or(args, cx),
            "and" => self.and(args, cx),
            "foreach" => self.foreach(args, cx),
            "call" => self.call(args, cx),
            "eval" => {
                let text = self.expand(args, cx);
                let (file, line) = (cx.at.file.clone(), cx.at.line);
                self.run(&file, &text, line);
                String::new()
            }
            "value" => self.value(args.trim(), cx),
            "info" | "warning" | "error" => {
                self.expand(args, cx);
                String::new()
            }
            _ => match PLAIN.iter().find(|(n, _)| *n == name) {
                Some(&(_, most)) => {
                    let values: Vec<String> = arguments(args, most)
                        .into_iter()
                        .map(|a| self.expand(a, cx))
                        .collect();
                    self.plain(name, &values)
                }
                None => self.not_evaluated(name, args, cx),
            },
        }
    }

    /// A function localwq does not evaluate: as written, and said.
    fn not_evaluated(&mut self, name: &str, args: &str, cx: &mut Cx) -> String {
        let args = self.expand(args, cx);
        let literal = format!("$({name} {args})");
        let text = match name {
            "shell" => format!("`{literal}` is not run"),
            _ if NOT_EVALUATED.contains(&name) => {
                format!("`{literal}`: localwq does not evaluate make's {name}")
            }
            _ => format!("`{literal}`: make has no {name} function localwq knows"),
        };
        let id = self.note(NoteKind::Unknown, &cx.at, Some(&literal), text);
        cx.taint.insert(id);
        literal
    }

    fn plain(&self, name: &str, a: &[String]) -> String {
        let arg = |i: usize| a.get(i).map_or("", String::as_str);
        match name {
            "subst" => subst(arg(0), arg(1), arg(2)),
            "patsubst" => patsubst(arg(0), arg(1), arg(2)),
            "strip" => words::words(arg(0)).join(" "),
            "findstring" => findstring(arg(0), arg(1)),
            "filter" => filter(arg(0), arg(1), true),
            "filter-out" => filter(arg(0), arg(1), false),
            "sort" => sort(arg(0)),
            "word" => word(arg(0), arg(1)),
            "wordlist" => wordlist(arg(0), arg(1), arg(2)),
            "words" => count(arg(0)),
            "firstword" => firstword(arg(0)),
            "lastword" => lastword(arg(0)),
            "addsuffix" => each(arg(1), |w| Some(format!("{w}{}", arg(0)))),
            "addprefix" => each(arg(1), |w| Some(format!("{}{w}", arg(0)))),
            "join" => join(arg(0), arg(1)),
            "wildcard" => self.wildcards(arg(0)),
            _ => names(name, arg(0)),
        }
    }

    /// `$(if cond,then,else)`: a condition not known reads both.
    fn if_(&mut self, args: &str, cx: &mut Cx) -> String {
        let a = arguments(args, 3);
        let cond = self.expand(a[0], cx);
        let cond = cond.trim();
        let then = a.get(1).copied().unwrap_or("");
        let otherwise = a.get(2).copied().unwrap_or("");
        if !is_unknown(cond) || self.surely_nonempty(cond) {
            let chosen = if cond.is_empty() { otherwise } else { then };
            return self.expand(chosen, cx);
        }
        let why = self.describe_unknown(cond);
        let text = format!(
            "`$(if {},…)` is not decided ({why}): both results are read",
            a[0]
        );
        let id = self.note(NoteKind::Undecided, &cx.at, None, text);
        cx.taint.insert(id);
        let both = [self.expand(then, cx), self.expand(otherwise, cx)];
        both.iter()
            .filter(|s| !s.trim().is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `$(or a,b,…)`: the first not empty; while the values are not
    /// known, each may be it: all are read, up to one surely not empty.
    fn or(&mut self, args: &str, cx: &mut Cx) -> String {
        let mut maybe = Vec::new();
        let mut undecided = false;
        for arg in arguments(args, usize::MAX) {
            let value = self.expand(arg, cx).trim().to_string();
            let known = !is_unknown(&value) || self.surely_nonempty(&value);
            if known && value.is_empty() {
                continue;
            }
            maybe.push(value);
            if known {
                break;
            }
            undecided = true;
        }
        if undecided {
            self.undecided("or", args, &maybe.join(" "), cx);
        }
        maybe.join(" ")
    }

    /// `$(and a,b,…)`: empty if one is, else the last.
    fn and(&mut self, args: &str, cx: &mut Cx) -> String {
        let mut last = String::new();
        let mut unknown = false;
        for arg in arguments(args, usize::MAX) {
            last = self.expand(arg, cx).trim().to_string();
            if last.is_empty() {
                return last;
            }
            unknown |= is_unknown(&last) && !self.surely_nonempty(&last);
        }
        if unknown {
            self.undecided("and", args, &last, cx);
        }
        last
    }

    fn undecided(&mut self, name: &str, args: &str, values: &str, cx: &mut Cx) {
        let why = self.describe_unknown(values);
        let text = format!("`$({name} {args})` is not decided ({why}): all it may give is read");
        let id = self.note(NoteKind::Undecided, &cx.at, None, text);
        cx.taint.insert(id);
    }

    /// `$(foreach v,list,text)`: `text` once per word, with `v` set to it.
    fn foreach(&mut self, args: &str, cx: &mut Cx) -> String {
        let a = arguments(args, 3);
        let name = self.expand(a[0], cx).trim().to_string();
        let list = self.expand(a.get(1).copied().unwrap_or(""), cx);
        let body = a.get(2).copied().unwrap_or("");
        if is_unknown(&name) {
            return format!("$(foreach {name},{list},{body})");
        }
        let saved = self.vars.get(&name).cloned();
        let mut out = Vec::new();
        for word in words::words(&list) {
            self.set_plain(&name, word, cx);
            let value = self.expand(body, cx);
            if !value.trim().is_empty() {
                out.push(value);
            }
        }
        self.restore(&name, saved);
        out.join(" ")
    }

    /// `$(call f,a,b)`: `f`'s value expanded with `$(1)`, `$(2)` set.
    fn call(&mut self, args: &str, cx: &mut Cx) -> String {
        let a = arguments(args, usize::MAX);
        let name = self.expand(a[0], cx).trim().to_string();
        let values: Vec<String> = a[1..].iter().map(|v| self.expand(v, cx)).collect();
        let Some(var) = self.vars.get(&name).cloned() else {
            return self.call_of_unset(&name, args, cx);
        };
        if self.expanding.contains(&name) {
            return self.variable(&name, cx);
        }
        let slots: Vec<String> = (0..=values.len().max(9)).map(|i| i.to_string()).collect();
        let saved: Vec<Option<Rc<Var>>> = slots.iter().map(|s| self.vars.get(s).cloned()).collect();
        self.set_plain("0", &name, cx);
        for (i, slot) in slots.iter().enumerate().skip(1) {
            self.set_plain(slot, values.get(i - 1).map_or("", String::as_str), cx);
        }
        self.expanding.push(name);
        let texts: Vec<String> = var
            .parts
            .iter()
            .map(|p| self.expand_part(p, true, cx))
            .collect();
        self.expanding.pop();
        for (slot, old) in slots.iter().zip(saved) {
            self.restore(slot, old);
        }
        texts.join(" ")
    }

    /// `$(call f,…)` of an `f` nothing sets (a Kbuild helper such as
    /// `cc-option`, defined in a file localwq does not read).
    fn call_of_unset(&mut self, name: &str, args: &str, cx: &mut Cx) -> String {
        let literal = format!("$(call {})", self.expand(args, cx));
        let text = format!("`{literal}`: {name} is not set in what localwq reads");
        let id = self.note(NoteKind::Unknown, &cx.at, Some(&literal), text);
        cx.taint.insert(id);
        literal
    }

    fn value(&mut self, name: &str, cx: &mut Cx) -> String {
        let name = self.expand(name, cx);
        match self.vars.get(name.trim()) {
            Some(var) => {
                let texts: Vec<&str> = var.parts.iter().map(|p| p.text.as_str()).collect();
                texts.join(" ")
            }
            None => format!("$(value {name})"),
        }
    }

    fn set_plain(&mut self, name: &str, value: &str, cx: &Cx) {
        let part = Part {
            text: value.to_string(),
            raw: false,
            at: cx.at.clone(),
            taint: Default::default(),
        };
        let var = Var {
            parts: vec![part],
            recursive: false,
            origin: Origin::File,
            partial: false,
        };
        self.vars.insert(name.to_string(), Rc::new(var));
    }

    fn restore(&mut self, name: &str, old: Option<Rc<Var>>) {
        match old {
            Some(var) => self.vars.insert(name.to_string(), var),
            None => self.vars.remove(name),
        };
    }

    /// `$(wildcard …)`: each pattern's matches, sorted, beside the
    /// Makefile or else from the root; one not known stays a call.
    fn wildcards(&self, patterns: &str) -> String {
        let mut out = Vec::new();
        for pattern in words::words(patterns) {
            match is_unknown(pattern) {
                true => out.push(format!("$(wildcard {pattern})")),
                false => out.extend(self.wildcard(pattern)),
            }
        }
        out.join(" ")
    }

    /// One pattern's matches, spelt as the pattern spells them.
    pub(super) fn wildcard(&self, pattern: &str) -> Vec<String> {
        if pattern.starts_with('/') {
            return Vec::new();
        }
        let dir = self.dir.clone();
        for base in [dir.as_path(), Path::new("")] {
            let mut found = self.glob(base, pattern);
            if !found.is_empty() {
                found.sort();
                found.dedup();
                return found;
            }
        }
        Vec::new()
    }

    fn glob(&self, base: &Path, pattern: &str) -> Vec<String> {
        let mut states: Vec<(PathBuf, String)> = vec![(base.to_path_buf(), String::new())];
        for component in pattern.split('/').filter(|c| !c.is_empty()) {
            let mut next = Vec::new();
            for (path, shown) in states {
                let join = |name: &str| {
                    let shown = match shown.is_empty() {
                        true => name.to_string(),
                        false => format!("{shown}/{name}"),
                    };
                    (path.join(name), shown)
                };
                match words::has_glob(component) {
                    true => next.extend(
                        self.disk
                            .list(&normal(&path))
                            .iter()
                            .filter(|n| glob_match(component, n))
                            .map(|n| join(n)),
                    ),
                    false => next.push(join(component)),
                }
            }
            states = next;
        }
        states
            .into_iter()
            .filter(|(path, _)| self.disk.exists(&normal(path)))
            .map(|(_, shown)| shown)
            .collect()
    }
}

fn normal(path: &Path) -> PathBuf {
    crate::tree::lexical(path)
}

mod text;

pub(super) use text::patsubst;
use text::*;

#[cfg(test)]
mod tests;
