//! A block comment's paragraph filled again after an edit made one of its
//! lines too long (isert's "kick queue_delayed_work(isert_login_wq,
//! &conn->login_work) as the packet is"), as its author would have: the
//! same ` * ` lead on each line, words kept in order, lines up to 80
//! columns.

use super::layout::{self, MAX_COLUMNS};
use crate::edit::Edit;
use std::ops::Range;

/// The edit replacing `old` (a range inside the comment `comment`) with
/// `new` and filling its paragraph again, when the line of `old` is a
/// ` * text` line of a block comment; None otherwise.
pub fn refilled(text: &[u8], comment: &Range<usize>, old: Range<usize>, new: &str) -> Option<Edit> {
    let line = layout::line_at(text, old.start);
    let lead = star_lead(&text[line.clone()])?;
    let mut first = line.clone();
    while first.start > comment.start {
        let above = layout::line_at(text, first.start - 1);
        if above.start <= comment.start || !same_paragraph(&text[above.clone()], &lead) {
            break;
        }
        first = above;
    }
    let mut last = line.clone();
    while last.end + 1 < comment.end {
        let below = layout::line_at(text, last.end + 1);
        if below.end >= comment.end || !same_paragraph(&text[below.clone()], &lead) {
            break;
        }
        last = below;
    }
    let mut paragraph = text[first.start..last.end].to_vec();
    let local = old.start - first.start..old.end - first.start;
    paragraph.splice(local, new.bytes());
    let words: Vec<String> = String::from_utf8(paragraph)
        .ok()?
        .lines()
        .flat_map(|l| l.trim_start().trim_start_matches('*').split_whitespace())
        .map(str::to_string)
        .collect::<Vec<_>>();
    let filled = fill(&calls_whole(words), &lead);
    // A CRLF file's last line keeps its `\r`: the lines between get theirs
    // where every edit's newlines do (rewrite::apply_checked).
    let end = match text[..last.end].ends_with(b"\r") {
        true => last.end - 1,
        false => last.end,
    };
    Some(Edit::replace(first.start..end, filled, "comment"))
}

/// The words with a quoted call kept on one line: words inside its
/// parentheses joined to the one that opens them.
fn calls_whole(words: Vec<String>) -> Vec<String> {
    let mut joined: Vec<String> = Vec::new();
    let mut depth = 0i32;
    for word in words {
        match joined.last_mut() {
            Some(last) if depth > 0 => {
                last.push(' ');
                last.push_str(&word);
            }
            _ => joined.push(word.clone()),
        }
        depth += word.matches('(').count() as i32 - word.matches(')').count() as i32;
        depth = depth.max(0);
    }
    joined
}

/// The lead of a ` * text` line (`\t * `), when it is one.
fn star_lead(line: &[u8]) -> Option<String> {
    let indent = line
        .iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count();
    let rest = &line[indent..];
    let words = rest.strip_prefix(b"* ")?;
    if words.trim_ascii().is_empty()
        || rest.starts_with(b"*/")
        || words.windows(2).any(|w| w == b"*/")
    {
        return None;
    }
    Some(format!("{}* ", String::from_utf8_lossy(&line[..indent])))
}

/// Whether `line` goes on the paragraph led by `lead`: the same lead and
/// some words, not an empty ` *` line nor the comment's end.
fn same_paragraph(line: &[u8], lead: &str) -> bool {
    star_lead(line).as_deref() == Some(lead)
}

/// `words` in lines of at most 80 columns, each led by `lead`.
fn fill(words: &[String], lead: &str) -> String {
    let lead_width = layout::width(lead.as_bytes());
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in words {
        let width = lead_width + current.len() + usize::from(!current.is_empty()) + word.len();
        if !current.is_empty() && width > MAX_COLUMNS {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(current);
    lines
        .iter()
        .map(|l| format!("{lead}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_crlf_paragraph_keeps_its_line_ends() {
        let text = "\t/*\r\n\t * kick schedule_work(&foo->work) as the packet is received from the wire\r\n\t */\r\n";
        let comment = 1..text.len() - 2;
        let at = text.find("schedule_work(").unwrap();
        let old = at..at + "schedule_work(".len();
        let edit = super::refilled(text.as_bytes(), &comment, old, "queue_work(foo_wq, ").unwrap();
        assert!(!edit.text.contains('\r'), "{edit:?}");
        assert_eq!(
            &text.as_bytes()[edit.range.end..edit.range.end + 2],
            b"\r\n"
        );
    }

    #[test]
    fn a_paragraph_is_filled_again_to_eighty_columns() {
        let text = "\t/*\n\t * For login requests, rx() will\n\t * kick schedule_delayed_work(&conn->login_work) as the packet is\n\t * received, which turns this into a NOP.\n\t *\n\t * Other.\n\t */\n";
        let comment = 1..text.len() - 1;
        let at = text.find("schedule_delayed_work(").unwrap();
        let old = at..at + "schedule_delayed_work(".len();
        let edit = super::refilled(
            text.as_bytes(),
            &comment,
            old,
            "queue_delayed_work(foo_pdu_login_wq, ",
        )
        .unwrap();
        let after = crate::edit::apply(text.as_bytes(), &[edit]).unwrap();
        assert_eq!(
            String::from_utf8(after).unwrap(),
            "\t/*\n\t * For login requests, rx() will kick\n\t * queue_delayed_work(foo_pdu_login_wq, &conn->login_work) as the packet\n\t * is received, which turns this into a NOP.\n\t *\n\t * Other.\n\t */\n"
        );
    }
}
