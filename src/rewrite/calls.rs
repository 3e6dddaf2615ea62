//! Steps 4 and 5: a queueing or flushing call on a system workqueue becomes
//! the same call on the module's workqueue. Both steps are one mechanism:
//! rename the callee, then put the workqueue in the argument that names it.

use super::layout::{self, MAX_COLUMNS};
use crate::analysis::Site;
use crate::edit::Edit;
use crate::wq::WqArg;

/// The edits turning `site` into a call on `wq`, reflowed when the simple
/// edit would push a line past 80 columns.
pub fn retarget(text: &[u8], site: &Site, wq: &str) -> Vec<Edit> {
    let origin = if site.is_flush() { "flush" } else { "queue" };
    let simple = simple_edits(text, site, wq, origin);
    if !overflows(text, site, &simple) {
        return simple;
    }
    match reflowed(text, site, wq) {
        Some(call) => vec![Edit::replace(site.range.clone(), call, origin)],
        None => simple,
    }
}

fn renamed(site: &Site) -> &'static str {
    match site.api.wq_arg {
        WqArg::Implied { renamed, .. } | WqArg::Explicit { renamed, .. } => renamed,
    }
}

fn simple_edits(text: &[u8], site: &Site, wq: &str, origin: &'static str) -> Vec<Edit> {
    let mut edits = Vec::new();
    if renamed(site) != site.api.name {
        edits.push(Edit::replace(
            site.callee_range.clone(),
            renamed(site),
            origin,
        ));
    }
    match site.api.wq_arg {
        WqArg::Explicit { index, .. } => {
            edits.push(Edit::replace(site.args[index].clone(), wq, origin));
        }
        WqArg::Implied { insert_at, .. } => match site.args.get(insert_at) {
            Some(arg) => edits.push(Edit::insert(arg.start, format!("{wq}, "), origin)),
            None if site.args.is_empty() => {
                let close = site.range.end - 1;
                let open = memchr::memrchr(b'(', &text[site.range.start..close])
                    .map_or(close, |i| site.range.start + i + 1);
                edits.push(Edit::replace(open..close, wq, origin));
            }
            None => {
                let last = site.args.last().expect("not empty");
                edits.push(Edit::insert(last.end, format!(", {wq}"), origin));
            }
        },
    }
    edits
}

/// Whether the edits push a line past 80 columns that fitted before, or a
/// line that was already long past checkpatch's 100. Macro bodies keep
/// their layout: their line ends carry continuation backslashes.
fn overflows(text: &[u8], site: &Site, edits: &[Edit]) -> bool {
    if site.in_macro {
        return false;
    }
    edits.iter().any(|edit| {
        let line = layout::line_at(text, edit.range.start);
        let mut after = text[line.clone()].to_vec();
        let on_line = edits
            .iter()
            .rev()
            .filter(|e| e.range.start >= line.start && e.range.end <= line.end);
        for e in on_line {
            let local = e.range.start - line.start..e.range.end - line.start;
            after.splice(local, e.text.bytes());
        }
        let (before, after) = (layout::width(&text[line]), layout::width(&after));
        let limit = if before <= MAX_COLUMNS {
            MAX_COLUMNS
        } else {
            layout::CHECKPATCH_COLUMNS
        };
        after > limit
    })
}

/// The call laid out again: arguments filled greedily, continuation lines
/// aligned under the first argument. None when an argument spans lines or
/// holds a comment, which reflowing would disturb.
fn reflowed(text: &[u8], site: &Site, wq: &str) -> Option<String> {
    let mut args: Vec<String> = Vec::new();
    for range in &site.args {
        let arg = std::str::from_utf8(&text[range.clone()]).ok()?;
        if arg.contains('\n') || arg.contains("/*") || arg.contains("//") {
            return None;
        }
        args.push(arg.to_string());
    }
    match site.api.wq_arg {
        WqArg::Explicit { index, .. } => args[index] = wq.to_string(),
        WqArg::Implied { insert_at, .. } => args.insert(insert_at.min(args.len()), wq.to_string()),
    }
    let line = layout::line_at(text, site.range.start);
    let start_col = layout::width(&text[line.start..site.range.start]);
    let end_line = layout::line_at(text, site.range.end - 1);
    let suffix_width = layout::width(&text[site.range.end..end_line.end]);
    Some(layout::fill_call(
        start_col,
        renamed(site),
        &args,
        suffix_width,
    ))
}
