//! Flushes hidden from the check 5.19 put in front of the system
//! workqueues (KERNEL-FACTS.md, "How out-of-tree code hides its
//! flushes"): `__flush_workqueue(system_*)` called directly, and uses of
//! a checked flush macro the module `#define`s again
//! (`#define flush_workqueue(wq) __flush_workqueue(wq)`). Both flush a
//! system workqueue like any other flush. This says how a site is hidden,
//! and what becomes of a redefinition once the module is converted.

use super::{Site, SiteState};
use crate::cpp::{self, Define};
use crate::ctext::{arg_ranges, is_call_at, matching_paren};
use crate::load::Unit;
use crate::wq::{self, ApiKind, SystemWq, WqArg, WqFacts};
use std::ops::Range;

/// How a flush site gets past the compile-time check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hidden {
    /// `__flush_workqueue()` called directly: the function behind the
    /// checked macros.
    Unchecked,
    /// A use of a checked flush macro the module redefined.
    Redefined(Redefinition),
}

/// A module's own `#define` of a checked flush macro.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redefinition {
    pub file: usize,
    pub line: usize,
    pub name: &'static str,
    pub define: Define,
    /// The replacement, on one line: `__flush_workqueue(wq)`.
    pub body: String,
    pub reads_as: Reading,
}

/// What a use of a redefined flush macro does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Flushes the workqueue the use names, as the kernel's macro does.
    Same,
    /// Flushes this system workqueue, whatever the use names
    /// (`flush_scheduled_work() __flush_workqueue(system_wq)`).
    Of(SystemWq),
    /// Anything else: localwq cannot say what a use flushes.
    Unknown,
}

impl Redefinition {
    pub fn is_flush(&self) -> bool {
        self.reads_as != Reading::Unknown
    }

    /// `#define flush_workqueue(wq) __flush_workqueue(wq)`, as written.
    pub fn shown(&self, unit: &Unit) -> String {
        let text = &unit.files[self.file].text;
        cpp::one_line(text, self.define.lines.clone())
    }

    fn same(&self, other: &Redefinition) -> bool {
        (self.file, self.define.name_at) == (other.file, other.define.name_at)
    }
}

/// The redefinitions of checked flush macros in the module's files and
/// private headers, outside branches dead for the kernel.
pub fn redefinitions(unit: &Unit) -> Vec<Redefinition> {
    let mut found = Vec::new();
    for (index, file) in unit.files.iter().enumerate() {
        for name in wq::CHECKED_FLUSHES {
            for define in cpp::defines_of(&file.text, name) {
                if file.dead.iter().any(|d| d.contains(&define.name_at)) {
                    continue;
                }
                found.push(Redefinition {
                    file: index,
                    line: file.line_of(define.name_at),
                    name,
                    body: cpp::one_line(&file.text, define.body.clone()),
                    reads_as: reading(&unit.facts, &file.text, &define, name),
                    define,
                });
            }
        }
    }
    found
}

/// What the body of a redefinition of `name` does: only one call of a
/// flush API on a system workqueue, or on the parameter where `name`
/// takes its workqueue, reads as a flush.
fn reading(facts: &WqFacts, text: &[u8], define: &Define, name: &str) -> Reading {
    let inner = strip_parens(text, define.body.clone());
    let Some(call) = wq::api(word_at(&text[..inner.end], inner.start)) else {
        return Reading::Unknown;
    };
    let after_name = inner.start + call.name.len();
    let open = after_name
        + text[after_name..inner.end]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    let whole_call = text.get(open) == Some(&b'(')
        && matching_paren(text, open).is_some_and(|close| close + 1 == inner.end);
    if call.kind != ApiKind::Flush || call.name == name || !whole_call {
        return Reading::Unknown;
    }
    let args = arg_ranges(text, open, inner.end - 1);
    let arg = |index: usize| {
        args.get(index)
            .map(|r| String::from_utf8_lossy(&text[r.clone()]))
    };
    let named = match call.wq_arg {
        WqArg::Implied { .. } => {
            return facts
                .implied(call.name)
                .map_or(Reading::Unknown, Reading::Of)
        }
        WqArg::Explicit { index, .. } => arg(index),
    };
    let Some(named) = named else {
        return Reading::Unknown;
    };
    let named = named.trim().trim_start_matches('(').trim_end_matches(')');
    if let Some(system) = facts.system_wq(named) {
        return Reading::Of(system);
    }
    let own_wq_param = match wq::api(name).map(|a| a.wq_arg) {
        Some(WqArg::Explicit { index, .. }) => define.params.as_ref().and_then(|p| p.get(index)),
        _ => None,
    };
    match own_wq_param {
        Some(param) if param == named => Reading::Same,
        _ => Reading::Unknown,
    }
}

/// `range` without one pair of parentheses around all of it.
fn strip_parens(text: &[u8], range: Range<usize>) -> Range<usize> {
    let wrapped = range.len() > 2
        && text[range.start] == b'('
        && matching_paren(text, range.start) == Some(range.end - 1);
    match wrapped {
        true => range.start + 1..range.end - 1,
        false => range,
    }
}

fn word_at(text: &[u8], at: usize) -> &str {
    let len = text[at..]
        .iter()
        .take_while(|b| crate::ctext::is_word_byte(**b))
        .count();
    std::str::from_utf8(&text[at..at + len]).unwrap_or("")
}

/// How the call of `name` at `at` of file `file` is hidden, if it is.
pub fn hidden_at(
    unit: &Unit,
    redefinitions: &[Redefinition],
    file: usize,
    at: usize,
    name: &str,
) -> Option<Hidden> {
    if name == wq::UNCHECKED_FLUSH {
        return Some(Hidden::Unchecked);
    }
    covering(unit, redefinitions, file, at, name).map(|r| Hidden::Redefined(r.clone()))
}

/// The redefinition of `name` a use at `at` of file `file` expands: the
/// last one before it in the same file, else one in a header it includes.
fn covering<'r>(
    unit: &Unit,
    redefinitions: &'r [Redefinition],
    file: usize,
    at: usize,
    name: &str,
) -> Option<&'r Redefinition> {
    let named = || redefinitions.iter().filter(|r| r.name == name);
    named().next()?;
    let before = named().rfind(|r| r.file == file && r.define.lines.end <= at);
    before.or_else(|| {
        let reached = unit.headers_reached(file);
        named().find(|r| r.file != file && reached.contains(&r.file))
    })
}

/// Whether `at` of file `file` is in a redefinition's own lines: its
/// body names what it stands for, it is no flush site of its own.
pub fn in_redefinition(redefinitions: &[Redefinition], file: usize, at: usize) -> bool {
    redefinitions
        .iter()
        .any(|r| r.file == file && r.define.lines.contains(&at))
}

/// The redefinitions the module's flush sites go through, each once.
pub fn hiding(sites: &[Site]) -> Vec<&Redefinition> {
    let mut found: Vec<&Redefinition> = Vec::new();
    for site in sites {
        if let Some(Hidden::Redefined(r)) = &site.hidden {
            if !found.iter().any(|f| f.same(r)) {
                found.push(r);
            }
        }
    }
    found
}

/// What becomes of a redefinition once the module's converted sites are
/// rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// The patch deletes these bytes of its file.
    Removed(Range<usize>),
    /// It still hides flushes the patch leaves (`file:line` each).
    Needed(Vec<String>),
    /// It hides no flush of a system workqueue any more, but stays: why.
    Left(String),
}

/// Removing a redefinition changes no code (its body is what the
/// kernel's macro calls after the check) but brings the warning back
/// wherever it is expanded: so it goes only when every use it covers is
/// converted or flushes no system workqueue, and no code outside the
/// module can expand it.
pub fn fate(unit: &Unit, sites: &[Site], redef: &Redefinition) -> Fate {
    if !redef.is_flush() {
        return Fate::Left("localwq does not read it as a flush".into());
    }
    let needed = still_hidden(unit, sites, redef);
    if !needed.is_empty() {
        return Fate::Needed(needed);
    }
    if let Some(why) = outside_reach(unit, redef) {
        return Fate::Left(why);
    }
    let text = &unit.files[redef.file].text;
    match cpp::removal_span(text, &redef.define, redef.name) {
        Some(span) => Fate::Removed(span),
        None => Fate::Left(
            "it is all of an #else or #elif branch, which would be left empty: remove it by \
             hand"
                .into(),
        ),
    }
}

/// The uses of the redefined name that still flush a system workqueue
/// through it once the converted sites are rewritten.
fn still_hidden(unit: &Unit, sites: &[Site], redef: &Redefinition) -> Vec<String> {
    let mut left = Vec::new();
    for (index, file) in unit.files.iter().enumerate() {
        let reached = index == redef.file || unit.headers_reached(index).contains(&redef.file);
        if !reached {
            continue;
        }
        for at in uses(unit, index, redef.name) {
            if index == redef.file && at < redef.define.lines.end {
                continue;
            }
            let site = sites
                .iter()
                .find(|s| s.file == index && s.callee_range.start == at);
            let flushes_system = match site {
                Some(site) => site.state != SiteState::Convert,
                None => names_system_wq(unit, index, at, redef.name),
            };
            if flushes_system {
                left.push(format!("{}:{}", file.path.display(), file.line_of(at)));
            }
        }
    }
    left
}

/// Calls of `name` in file `index`'s code: not comments, dead branches,
/// directives naming it, nor a redefinition's own line.
fn uses(unit: &Unit, index: usize, name: &str) -> Vec<usize> {
    let file = &unit.files[index];
    let text = &file.text;
    memchr::memmem::find_iter(text, name.as_bytes())
        .filter(|&at| is_call_at(text, at, name.len()))
        .filter(|&at| !file.in_inert(at) && !file.dead.iter().any(|d| d.contains(&at)))
        .filter(|&at| !cpp::is_directive_name(text, at, name.len()))
        .collect()
}

/// Whether a call of `name` that is no site flushes a system workqueue
/// in the kernel's eyes: an implied one always, an explicit one when its
/// argument is one as written, or a parameter of the macro it is in
/// (whatever a use of that macro passes).
fn names_system_wq(unit: &Unit, index: usize, at: usize, name: &str) -> bool {
    let text = &unit.files[index].text;
    let Some(WqArg::Explicit { index: arg, .. }) = wq::api(name).map(|a| a.wq_arg) else {
        return true;
    };
    let open = at
        + name.len()
        + text[at + name.len()..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    let Some(close) = matching_paren(text, open) else {
        return true;
    };
    let args = arg_ranges(text, open, close);
    let Some(named) = args
        .get(arg)
        .map(|r| String::from_utf8_lossy(&text[r.clone()]))
    else {
        return true;
    };
    let named = named.trim();
    let param = cpp::enclosing_define(text, at)
        .and_then(|d| d.params)
        .is_some_and(|params| params.iter().any(|p| p == named));
    param || unit.facts.system_wq(named).is_some()
}

/// Why code outside the module might expand the redefinition, if it may.
fn outside_reach(unit: &Unit, redef: &Redefinition) -> Option<String> {
    let path = &unit.files[redef.file].path;
    let shown = path.display();
    if unit.shared_headers.contains(path) {
        return Some(format!("code outside the module includes {shown}"));
    }
    if let Some(others) = unit.co_owned.get(path) {
        return Some(format!("{shown} is also built into {}", others.join(", ")));
    }
    if !unit.unlisted.is_empty() {
        return Some(
            "Kbuild builds code into the module that localwq could not read, which may use it"
                .into(),
        );
    }
    if !unit.is_header(redef.file) {
        return None;
    }
    match unit.outside_includers.get(path) {
        Some(outside) if outside.is_empty() => None,
        Some(outside) => {
            let names: Vec<String> = outside.iter().map(|p| p.display().to_string()).collect();
            let verb = if names.len() == 1 {
                "includes"
            } else {
                "include"
            };
            Some(format!("{} {verb} {shown} too", names.join(", ")))
        }
        None => Some(format!("who else includes {shown} was not looked for")),
    }
}
