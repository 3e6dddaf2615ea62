//! A wait the module already has for a callback other code runs for it
//! (`request_firmware_nowait()`'s): before the flush, the flush's function
//! waits on a wait queue or completion (`wait_event_timeout(x->fw_wq, …)`)
//! that code the callback reaches signals (`wake_up(&x->fw_wq)`). The
//! flush is then what covers the runs that wait misses, and the remedy is
//! to close those gaps, which this names: a timeout, a return of the
//! callback before the signal, code of the callback after it.

use super::calls::call_graph;
use crate::ctext::{call_args, calls_named, comment_ranges, words_in};
use crate::load::Unit;
use crate::parse::SourceFile;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// What the module already waits with, and why it can end first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackWait {
    /// `file:line` (`call(first argument, …)`).
    pub wait: String,
    /// `file:line in function()`.
    pub signal: String,
    /// Why the wait can end while the callback is still to run or running.
    pub gaps: Vec<String>,
}

/// Calls that sleep until a wait queue is woken or a completion done.
const WAITS: &[&str] = &[
    "wait_event",
    "wait_event_timeout",
    "wait_event_interruptible",
    "wait_event_interruptible_timeout",
    "wait_event_killable",
    "wait_event_killable_timeout",
    "wait_for_completion",
    "wait_for_completion_timeout",
    "wait_for_completion_interruptible",
    "wait_for_completion_interruptible_timeout",
    "wait_for_completion_killable",
    "wait_for_completion_killable_timeout",
];

/// Calls that end such a wait.
const SIGNALS: &[&str] = &[
    "wake_up",
    "wake_up_all",
    "wake_up_interruptible",
    "wake_up_interruptible_all",
    "complete",
    "complete_all",
];

/// How many calls deep from the callback the signal is looked for.
const DEPTH: usize = 4;

/// The wait before the flush at `flush_at` of file `file` that a callback
/// the module hands to one of `providers` signals, if the module has one.
pub fn existing_wait(
    unit: &Unit,
    file: usize,
    flush_at: usize,
    providers: &[&str],
) -> Option<CallbackWait> {
    let source = &unit.files[file];
    let function = source
        .facts
        .functions
        .iter()
        .find(|f| f.body.contains(&flush_at))?;
    let callbacks = callbacks_handed_to(unit, providers);
    let graph = call_graph(unit);
    let body = function.body.start;
    let waits = calls_named(&source.text[body..flush_at], WAITS);
    waits.into_iter().find_map(|(offset, call)| {
        let object = first_arg_key(&source.text, body + offset + call.len())?;
        callbacks.iter().find_map(|callback| {
            let signal = signal_reached(unit, graph, callback, &object)?;
            Some(CallbackWait {
                wait: format!(
                    "{}:{} (`{call}({}, …)`)",
                    source.path.display(),
                    source.line_of(body + offset),
                    first_arg(&source.text, body + offset + call.len())?
                ),
                gaps: gaps(unit, call, callback, &signal),
                signal: format!(
                    "{}:{} in {}()",
                    unit.files[signal.file].path.display(),
                    unit.files[signal.file].line_of(signal.at),
                    signal.function
                ),
            })
        })
    })
}

/// A signal call found from the callback.
struct Signal {
    file: usize,
    at: usize,
    function: String,
    /// Where the callback's body makes the call that leads to it (the
    /// signal itself when the callback signals).
    step: usize,
}

/// The module's functions passed to a call of one of `providers`.
fn callbacks_handed_to(unit: &Unit, providers: &[&str]) -> BTreeSet<String> {
    let defined: BTreeSet<&str> = unit
        .files
        .iter()
        .flat_map(|f| f.facts.functions.iter().map(|g| g.name.as_str()))
        .collect();
    let mut found = BTreeSet::new();
    for file in &unit.files {
        for (offset, name) in calls_named(&file.text, providers) {
            let args = call_args(&file.text, offset + name.len()).unwrap_or_default();
            for arg in args {
                let arg = String::from_utf8_lossy(&file.text[arg]);
                let arg = arg.trim().trim_start_matches('&');
                if defined.contains(arg) {
                    found.insert(arg.to_string());
                }
            }
        }
    }
    found
}

/// The first argument of the call whose name ends at `name_end`.
fn first_arg(text: &[u8], name_end: usize) -> Option<String> {
    let args = call_args(text, name_end)?;
    let first = args.first()?;
    Some(
        String::from_utf8_lossy(&text[first.clone()])
            .trim()
            .to_string(),
    )
}

/// The last identifier of the first argument: `fw_load_wq` of
/// `mhdp->fw_load_wq` and of `&mhdp->fw_load_wq`.
fn first_arg_key(text: &[u8], name_end: usize) -> Option<String> {
    let arg = first_arg(text, name_end)?;
    let (_, last) = words_in(arg.as_bytes()).last()?;
    Some(last.to_string())
}

/// A signal of `object` in the callback or a function it reaches within
/// `DEPTH` calls.
fn signal_reached(
    unit: &Unit,
    graph: &BTreeMap<String, BTreeSet<String>>,
    callback: &str,
    object: &str,
) -> Option<Signal> {
    // Each function reached, with the callee the callback called first
    // on the way there.
    let mut via: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = VecDeque::from([(callback.to_string(), callback.to_string(), 0)]);
    while let Some((function, first, depth)) = queue.pop_front() {
        if via.contains_key(&function) {
            continue;
        }
        via.insert(function.clone(), first.clone());
        if let Some((file, at)) = signal_in(unit, &function, object) {
            let step = step_in_callback(unit, callback, &first, at, file)?;
            return Some(Signal {
                file,
                at,
                function,
                step,
            });
        }
        if depth < DEPTH {
            for callee in graph.get(&function).into_iter().flatten() {
                let first = if function == callback { callee } else { &first };
                queue.push_back((callee.clone(), first.clone(), depth + 1));
            }
        }
    }
    None
}

/// Where `function` signals `object`: `wake_up*(&….object)`,
/// `complete*(&….object)`.
fn signal_in(unit: &Unit, function: &str, object: &str) -> Option<(usize, usize)> {
    let (file, source, body) = function_body(unit, function)?;
    calls_named(&source.text[body.clone()], SIGNALS)
        .into_iter()
        .map(|(offset, call)| (body.start + offset, call))
        .find(|(at, call)| first_arg_key(&source.text, at + call.len()).as_deref() == Some(object))
        .map(|(at, _)| (file, at))
}

/// The offset in the callback's body of the call that leads to the signal:
/// the signal itself, or the first call of `first`.
fn step_in_callback(
    unit: &Unit,
    callback: &str,
    first: &str,
    signal_at: usize,
    signal_file: usize,
) -> Option<usize> {
    let (file, source, body) = function_body(unit, callback)?;
    if first == callback && file == signal_file {
        return Some(signal_at);
    }
    calls_named(&source.text[body.clone()], &[first])
        .first()
        .map(|(offset, _)| body.start + offset)
}

fn function_body<'u>(
    unit: &'u Unit,
    name: &str,
) -> Option<(usize, &'u SourceFile, std::ops::Range<usize>)> {
    unit.files.iter().enumerate().find_map(|(index, file)| {
        let (_, function) = file.function(name)?;
        Some((index, file, function.body.clone()))
    })
}

/// Why the wait `call` can end before `callback` has run to its end.
fn gaps(unit: &Unit, call: &str, callback: &str, signal: &Signal) -> Vec<String> {
    let mut found = Vec::new();
    if call.ends_with("_timeout") {
        found.push("the wait gives up after a timeout".to_string());
    }
    if call.contains("interruptible") || call.contains("killable") {
        found.push("a signal to the waiting task ends the wait".to_string());
    }
    let Some((_, source, body)) = function_body(unit, callback) else {
        return found;
    };
    found.extend(returns_before(source, body.start, signal.step, callback));
    if signal.function != callback {
        if let Some((_, inner, inner_body)) = function_body(unit, &signal.function) {
            found.extend(returns_before(
                inner,
                inner_body.start,
                signal.at,
                &signal.function,
            ));
        }
    }
    let statement_end = source.text[signal.step..body.end]
        .iter()
        .position(|b| *b == b';')
        .map_or(body.end, |p| signal.step + p + 1);
    let rest = &source.text[statement_end..body.end.saturating_sub(1)];
    if !code_words(rest).is_empty() {
        found.push(format!(
            "{callback}() goes on after the signal (to line {})",
            source.line_of(body.end.saturating_sub(1))
        ));
    }
    found
}

/// The returns of `function` between `from` and `to`, said as a gap.
fn returns_before(source: &SourceFile, from: usize, to: usize, function: &str) -> Option<String> {
    let lines: Vec<String> = code_words(&source.text[from..to])
        .into_iter()
        .filter(|(_, word)| *word == "return")
        .map(|(offset, _)| source.line_of(from + offset).to_string())
        .collect();
    let (word, _) = match lines.as_slice() {
        [] => return None,
        [_] => ("line", ()),
        _ => ("lines", ()),
    };
    Some(format!(
        "{function}() can return without signalling ({word} {})",
        lines.join(", ")
    ))
}

/// The words of `text` outside its comments.
fn code_words(text: &[u8]) -> Vec<(usize, &str)> {
    let comments = comment_ranges(text);
    words_in(text)
        .filter(|(at, _)| !comments.iter().any(|c| c.contains(at)))
        .collect()
}
