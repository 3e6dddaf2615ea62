//! Drain loops: a flush in the body of `while (!list_empty(&x->list))`
//! waits, for the loop's purpose, until the list is empty; the item whose
//! work function takes entries off that list is the one it waits on
//! (qla2xxx's `qlt_stop_phase1()` style: upstream named that item).

use super::items::{ItemKey, QueuedItem};
use super::sites::Site;
use crate::ctext::{
    arg_ranges, calls_in, calls_named, has_word, matching_brace, matching_paren, words_in,
};
use crate::load::Unit;
use std::collections::HashMap;

/// The loop a flush drains: the list expression and its last field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drain {
    /// `tgt->sess_works_list`
    pub list: String,
    /// `sess_works_list`
    pub field: String,
}

/// The drain loop the flush is directly in, if any: a `while` whose
/// condition is `!list_empty(&expr)`.
pub fn drain_of(unit: &Unit, flush: &Site) -> Option<Drain> {
    let file = &unit.files[flush.file];
    let call = file
        .tree()
        .root_node()
        .descendant_for_byte_range(flush.range.start, flush.range.end)?;
    let mut node = call.parent()?;
    // The flush's statement, its block, then the loop.
    for _ in 0..3 {
        if node.kind() == "while_statement" {
            let condition = node.child_by_field_name("condition")?;
            return drained_list(condition.utf8_text(&file.text).ok()?);
        }
        node = node.parent()?;
    }
    None
}

/// `(!list_empty(&tgt->sess_works_list))` → the list.
fn drained_list(condition: &str) -> Option<Drain> {
    let squeezed: String = condition.split_whitespace().collect();
    let inner = squeezed
        .strip_prefix("(!list_empty(&")?
        .strip_suffix("))")?;
    let field = inner.rsplit(['.', '>']).next()?.to_string();
    let simple = inner
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_.->".contains(&b));
    (simple && !field.is_empty()).then(|| Drain {
        list: inner.to_string(),
        field,
    })
}

/// The work function `INIT_WORK()` / `INIT_DELAYED_WORK()` gives `item`
/// in the module's files, if they agree on one. Read from the text: the
/// functions that name no workqueue are left out of the parse.
pub fn work_function(unit: &Unit, item: &QueuedItem) -> Option<String> {
    let last = match &item.key {
        ItemKey::Global(name) | ItemKey::GlobalPointer(name) => name.as_str(),
        ItemKey::Member { path, .. } => path.rsplit('.').next()?,
    };
    let table = unit
        .memo
        .work_functions
        .get_or_init(|| work_functions(unit));
    table.get(last)?.clone()
}

/// For each last word of an `INIT_WORK()`'s work argument, the function
/// every such call gives it, or None when two disagree.
fn work_functions(unit: &Unit) -> HashMap<String, Option<String>> {
    let mut table: HashMap<String, Option<String>> = HashMap::new();
    for file in &unit.files {
        let text = &file.text;
        // Found with memmem: splitting a unit of megabytes into words
        // was a hundredth of a scan.
        for (at, _) in calls_named(text, &["INIT_WORK", "INIT_DELAYED_WORK"]) {
            let Some(open) = memchr::memchr(b'(', &text[at..]).map(|o| at + o) else {
                continue;
            };
            let Some(close) = matching_paren(text, open) else {
                continue;
            };
            let args = arg_ranges(text, open, close);
            let [work, function] = args.as_slice() else {
                continue;
            };
            let Some((_, last)) = words_in(&text[work.clone()]).last() else {
                continue;
            };
            let name = String::from_utf8_lossy(&text[function.clone()])
                .trim()
                .to_string();
            table
                .entry(last.to_string())
                .and_modify(|found| {
                    if found.as_ref().is_some_and(|f| *f != name) {
                        *found = None;
                    }
                })
                .or_insert(Some(name));
        }
    }
    table
}

/// Whether function `name` of the module mentions `field` in its body: it
/// works on the drained list.
pub fn works_on(unit: &Unit, name: &str, field: &str) -> bool {
    unit.files
        .iter()
        .any(|file| function_body(&file.text, name).is_some_and(|body| has_word(body, field)))
}

/// Why `item` may be freed memory by the time a flush names it as
/// `expr`: its work function frees the struct it is embedded in, or the
/// flush's function frees the object before the flush.
pub fn freed_at(unit: &Unit, item: &QueuedItem, flush: &Site, expr: &str) -> Option<String> {
    let ItemKey::Member { tag, .. } = &item.key else {
        return None;
    };
    if let Some(function) = work_function(unit, item) {
        let frees_container = unit.files.iter().any(|file| {
            function_body(&file.text, &function).is_some_and(|body| frees_its_container(body, tag))
        });
        if frees_container {
            return Some(format!(
                "its work function {function}() frees the struct {tag} it is embedded in: at \
                 the flush the item may already be freed memory"
            ));
        }
    }
    let base = words_in(expr.as_bytes()).next()?.1;
    let file = &unit.files[flush.file];
    let function = flush.enclosing(unit)?;
    let before = &file.text[function.body.start..flush.range.start];
    frees(before, base).then(|| format!("{base} is freed before the flush in {}()", function.name))
}

/// `v = container_of(…, struct tag, …)` and then a call freeing `v`.
fn frees_its_container(body: &[u8], tag: &str) -> bool {
    let words: Vec<(usize, &str)> = words_in(body).collect();
    words.windows(2).any(|w| {
        let [(_, var), (at, "container_of")] = w else {
            return false;
        };
        let assigned = body[..*at].iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b'=');
        let names_tag =
            memchr::memmem::find(&body[*at..body.len().min(at + 200)], tag.as_bytes()).is_some();
        assigned && names_tag && frees(&body[*at..], var)
    })
}

/// A call whose name ends in `free` (kfree, kvfree, kmem_cache_free) with
/// `var` among its arguments.
fn frees(text: &[u8], var: &str) -> bool {
    calls_in(text).any(|(at, callee)| {
        if !callee.ends_with("free") {
            return false;
        }
        let Some(open) = memchr::memchr(b'(', &text[at..]).map(|o| at + o) else {
            return false;
        };
        matching_paren(text, open)
            .is_some_and(|close| words_in(&text[open..close]).any(|(_, w)| w == var))
    })
}

/// The body of function `name` as `text` defines it: `name(…) {…}`.
fn function_body<'t>(text: &'t [u8], name: &str) -> Option<&'t [u8]> {
    memchr::memmem::find_iter(text, name.as_bytes()).find_map(|at| {
        let end = at + name.len();
        if at > 0 && crate::ctext::is_word_byte(text[at - 1]) {
            return None;
        }
        let open = end + text[end..].iter().position(|b| !b.is_ascii_whitespace())?;
        if text[open] != b'(' {
            return None;
        }
        let close = matching_paren(text, open)?;
        let brace = close
            + 1
            + text[close + 1..]
                .iter()
                .position(|b| !b.is_ascii_whitespace())?;
        if text[brace] != b'{' {
            return None;
        }
        let end = matching_brace(text, brace)?;
        Some(&text[brace..end])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drain_condition_names_its_list() {
        let drain = drained_list("(!list_empty(&tgt->sess_works_list))").unwrap();
        assert_eq!(drain.list, "tgt->sess_works_list");
        assert_eq!(drain.field, "sess_works_list");
        assert!(drained_list("(list_empty(&tgt->l))").is_none());
        assert!(drained_list("(!list_empty(&tgt->l) && x)").is_none());
    }
}

#[cfg(test)]
mod freeing {
    use super::*;

    #[test]
    fn a_work_function_that_frees_its_container_is_seen() {
        let body = b"{\n\tstruct req *r = container_of(work, struct req, work);\n\
            \tdo_it(r);\n\tkfree(r);\n}";
        assert!(frees_its_container(body, "req"));
        assert!(!frees_its_container(body, "other"));
        let keeps = b"{\n\tstruct req *r = container_of(work, struct req, work);\n\tdo_it(r);\n}";
        assert!(!frees_its_container(keeps, "req"));
    }
}
