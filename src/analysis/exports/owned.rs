//! Whose is a queued work item: the provider's own when it is a member of
//! an object its file defines (a per-CPU variable, a static struct, what a
//! static pointer points at), reached directly or through the one
//! parameter its file's callers pass such an object in. A caller's flush
//! does not protect such an item: the provider manages it.

use crate::ctext::{arg_ranges, matching_paren};
use std::ops::Range;

/// Whether the queued item `&base->f` / `&base.f` is a member of an object
/// defined at file scope in `text`: `base` itself (`&dev_state.work`), or
/// a local of the queueing function `body` that every assignment points at
/// one (`p = raw_cpu_ptr(&vfree_deferred)`, `p = &per_cpu(g, cpu)`,
/// `ec = ec_priv`). Such an item is the provider's, whoever calls it.
pub(super) fn in_file_object(text: &[u8], body: &[u8], item: &str) -> bool {
    let Some(item) = item.trim().strip_prefix('&') else {
        return false;
    };
    let base_len = item
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(item.len());
    let (base, rest) = item.split_at(base_len);
    if base.is_empty() {
        return false;
    }
    if rest.starts_with('.') {
        return defines_file_object(text, base);
    }
    if !rest.starts_with("->") {
        return false;
    }
    let sources = assigned_from(body, base);
    !sources.is_empty()
        && sources.iter().all(|expr| {
            file_object_of(expr).is_some_and(|object| defines_file_object(text, object))
        })
}

/// The expressions `name` is initialised or assigned from in `body`.
fn assigned_from<'b>(body: &'b [u8], name: &str) -> Vec<&'b str> {
    let body = std::str::from_utf8(body).unwrap_or("");
    let mut found = Vec::new();
    for (at, _) in body.match_indices(name) {
        let before = body[..at].chars().next_back();
        let after = &body[at + name.len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '>' || c == '.') {
            continue;
        }
        let after = after.trim_start();
        if let Some(value) = after.strip_prefix('=').filter(|v| !v.starts_with('=')) {
            found.push(value.split(';').next().unwrap_or("").trim());
        }
    }
    found
}

/// The file-scope object an expression points at: `G`, `&G`, `&G[i]`,
/// `raw_cpu_ptr(&G)`, `this_cpu_ptr(&G)`, `per_cpu_ptr(&G, cpu)`,
/// `&per_cpu(G, cpu)`.
fn file_object_of(expr: &str) -> Option<&str> {
    let expr = expr.trim();
    let inner = ["raw_cpu_ptr(", "this_cpu_ptr(", "per_cpu_ptr(", "&per_cpu("]
        .iter()
        .find_map(|head| expr.strip_prefix(head))
        .unwrap_or(expr);
    let inner = inner.trim_start().trim_start_matches('&').trim_start();
    let len = inner
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(inner.len());
    let name = &inner[..len];
    let tail = inner[len..].trim_start();
    let plain = tail.is_empty() || tail.starts_with([',', ')', '[']);
    (!name.is_empty() && plain && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
}

/// Whether `text` defines `name` at file scope: `DEFINE_PER_CPU(t, name)`
/// or a column-0 declaration `[static] struct t name;` / `name[…]` /
/// `*name` / `name = …`.
fn defines_file_object(text: &[u8], name: &str) -> bool {
    // Only the lines that hold the name are read.
    crate::ctext::lines_holding(text, &[name])
        .into_iter()
        .map(|start| {
            let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
            String::from_utf8_lossy(&text[start..end])
        })
        .filter(|line| !line.starts_with([' ', '\t', '#', '/', '*', '}']))
        .any(|line| {
            let line = line.trim_end();
            if line.contains("DEFINE_PER_CPU") {
                return line
                    .trim_end_matches(';')
                    .trim_end_matches(')')
                    .rsplit([',', '('])
                    .next()
                    .is_some_and(|last| last.trim() == name);
            }
            if line.contains('(') {
                return false;
            }
            line.match_indices(name).any(|(at, _)| {
                let before = line[..at].chars().next_back();
                let after = line[at + name.len()..].trim_start();
                before.is_some_and(|c| c == ' ' || c == '*') && (after.starts_with([';', '[', '=']))
            })
        })
}

/// Whether `&param->f`, queued by `function` with `param` one of its
/// parameters, is always a file object's: every call of `function` in the
/// file passes, at that place, a file-scope object or a local pointing at
/// one (`queue_ec_descriptor(&desc, ec)` with `ec = ec_priv`).
/// `callers`: the bodies (ranges of `text`) of the file's functions that
/// call `name`, whose parameters are `params`.
pub(super) fn passed_file_object(
    text: &[u8],
    callers: &[Range<usize>],
    name: &str,
    params: &[String],
    item: &str,
) -> bool {
    let Some(base) = item
        .trim()
        .strip_prefix('&')
        .and_then(|i| i.split_once("->"))
        .map(|(b, _)| b.trim())
    else {
        return false;
    };
    let Some(position) = params.iter().position(|p| p == base) else {
        return false;
    };
    let needle = format!("{name}(");
    let mut calls = 0;
    for caller in callers {
        let body = &text[caller.clone()];
        for (at, _) in String::from_utf8_lossy(body).match_indices(&needle) {
            if at > 0 && crate::ctext::is_word_byte(body[at - 1]) {
                continue;
            }
            let open = at + name.len();
            let Some(arg) = matching_paren(body, open)
                .and_then(|close| arg_ranges(body, open, close).into_iter().nth(position))
            else {
                return false;
            };
            let arg = String::from_utf8_lossy(&body[arg]).trim().to_string();
            let points_at_object =
                file_object_of(&arg).is_some_and(|object| defines_file_object(text, object)) || {
                    let sources = assigned_from(body, &arg);
                    !sources.is_empty()
                        && sources.iter().all(|expr| {
                            file_object_of(expr).is_some_and(|o| defines_file_object(text, o))
                        })
                };
            if !points_at_object {
                return false;
            }
            calls += 1;
        }
    }
    calls > 0
}
