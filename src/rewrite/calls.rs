//! Steps 4 and 5: a queueing or flushing call on a system workqueue becomes
//! the same call on the module's workqueue. Both steps are one mechanism:
//! rename the callee, then put the workqueue in the argument that names it.

use super::layout::{self, MAX_COLUMNS};
use crate::analysis::Site;
use crate::edit::Edit;
use crate::wq::WqArg;
use std::ops::Range;

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

/// A comment of the file that quotes the queueing call at `site` by its
/// item (isert's "kick schedule_delayed_work(&conn->login_work) as the
/// packet is received") is edited with it, or it would name the call the
/// patch removed. Only the call's head up to its item is matched, and the
/// item must end there: `&w` is not `&w2`. Flushes are left: a comment on
/// one explains what it waited for, which the patch does not change.
pub fn quoted_in_comments(
    text: &[u8],
    comments: &[Range<usize>],
    site: &Site,
    wq: &str,
) -> Vec<Edit> {
    if site.is_flush() || site.in_macro {
        return Vec::new();
    }
    let Some((quoted, item)) = quoted_head(text, site) else {
        return Vec::new();
    };
    let new = format!("{}({wq}, {item}", renamed(site));
    let mut edits = Vec::new();
    for comment in comments {
        let body = &text[comment.clone()];
        if !(body.starts_with(b"/*") || body.starts_with(b"//")) {
            continue;
        }
        for at in memchr::memmem::find_iter(body, quoted.as_bytes()) {
            let end = at + quoted.len();
            let start = comment.start + at;
            if !matches!(body.get(end), Some(b')' | b',')) {
                continue;
            }
            let old = start..start + quoted.len();
            let line = layout::width(&text[layout::line_at(text, start)]);
            let grown = line + new.len() - quoted.len();
            // A line pushed past 80 columns gets its paragraph filled
            // again; where that cannot be done, past checkpatch's limit the
            // comment is better left as it is.
            let edit = match grown > MAX_COLUMNS {
                true => super::comment::refilled(text, comment, old.clone(), &new),
                false => None,
            };
            match edit {
                Some(edit) => edits.push(edit),
                None if grown <= layout::CHECKPATCH_COLUMNS => {
                    edits.push(Edit::replace(old, new.clone(), "comment"));
                }
                None => {}
            }
        }
    }
    edits
}

/// The call's head as a comment would quote it, `schedule_work(&w` or
/// `queue_work(system_wq, &w`, and its item `&w`: only when the item is
/// the argument right after the workqueue's place.
fn quoted_head(text: &[u8], site: &Site) -> Option<(String, String)> {
    let callee = std::str::from_utf8(&text[site.callee_range.clone()]).ok()?;
    let arg = |i: usize| -> Option<&str> {
        let range = site.args.get(i)?.clone();
        std::str::from_utf8(&text[range]).ok().map(str::trim)
    };
    match site.api.wq_arg {
        WqArg::Implied { insert_at: 0, .. } => {
            let item = arg(0)?;
            Some((format!("{callee}({item}"), item.to_string()))
        }
        WqArg::Explicit { index: 0, .. } => {
            let item = arg(1)?;
            Some((format!("{callee}({}, {item}", arg(0)?), item.to_string()))
        }
        _ => None,
    }
    .filter(|(_, item)| !item.contains('\n'))
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

/// Whether the edits push a line past 80 columns that fitted before, or
/// make a line that was already longer grow. Macro bodies keep
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
        // A line the author already let run past 80 may stay as long,
        // not grow: the call is wrapped as a new one would be.
        let limit = before.max(MAX_COLUMNS);
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
