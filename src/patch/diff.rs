//! Unified diffs as git writes them: `diff --git` headers with blob ids,
//! three lines of context, and the enclosing function after each `@@`
//! (git's default funcname rule: the nearest earlier line that starts with a
//! letter, `_` or `$`).

use crate::report::module_header;
use crate::rewrite::FileChange;
use crate::Outcome;
use similar::{ChangeTag, DiffOp, TextDiff};
use std::fmt::Write;

/// Insertions and deletions of one file, for diffstats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub added: usize,
    pub removed: usize,
}

pub fn blob_id(bytes: &[u8]) -> String {
    git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
        .map(|oid| oid.to_string())
        .unwrap_or_else(|_| "0".repeat(40))
}

/// The diff of one file with paths relative to the tree root.
pub fn file_diff(change: &FileChange) -> (String, Counts) {
    let path = change.path.display();
    let mut out = format!(
        "diff --git a/{path} b/{path}\nindex {}..{} 100644\n--- a/{path}\n+++ b/{path}\n",
        &blob_id(&change.before)[..12],
        &blob_id(&change.after)[..12],
    );
    let diff = TextDiff::configure().diff_lines(&change.before[..], &change.after[..]);
    let old_lines: Vec<&[u8]> = split_lines(&change.before);
    let mut counts = Counts::default();
    for group in diff.grouped_ops(3) {
        out.push_str(&hunk_header(&group, &old_lines));
        for op in &group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => {
                        counts.removed += 1;
                        '-'
                    }
                    ChangeTag::Insert => {
                        counts.added += 1;
                        '+'
                    }
                };
                let line = String::from_utf8_lossy(change.value());
                out.push(sign);
                out.push_str(&line);
                if !line.ends_with('\n') {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    (out, counts)
}

/// What `localwq diff` prints for a module: its header, then its diff.
pub fn module_diff(outcome: &Outcome) -> String {
    let mut out = module_header(outcome);
    for change in &outcome.changes {
        out.push_str(&file_diff(change).0);
    }
    out
}

fn split_lines(text: &[u8]) -> Vec<&[u8]> {
    text.split_inclusive(|b| *b == b'\n').collect()
}

fn range(start: usize, len: usize) -> String {
    match len {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        _ => format!("{},{len}", start + 1),
    }
}

fn hunk_header(group: &[DiffOp], old_lines: &[&[u8]]) -> String {
    let (first, last) = (&group[0], &group[group.len() - 1]);
    let old = first.old_range().start..last.old_range().end;
    let new = first.new_range().start..last.new_range().end;
    let mut header = String::new();
    let _ = write!(
        header,
        "@@ -{} +{} @@",
        range(old.start, old.len()),
        range(new.start, new.len())
    );
    if let Some(name) = function_context(old_lines, old.start) {
        header.push(' ');
        header.push_str(&name);
    }
    header.push('\n');
    header
}

/// git's default funcname: the last line before the hunk that starts with
/// a letter, `_` or `$`, cut to 80 bytes and stripped of trailing blanks.
fn function_context(lines: &[&[u8]], before: usize) -> Option<String> {
    let line = lines[..before.min(lines.len())].iter().rev().find(|l| {
        l.first()
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'$')
    })?;
    let cut = &line[..line.len().min(80)];
    let text = String::from_utf8_lossy(cut);
    Some(text.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunk_headers_name_the_enclosing_function() {
        let before =
            "int x;\n\nstatic void f(void)\n{\n\ta();\n\tb();\n\tc();\n\td();\n\te();\n}\n";
        let after = before.replace("\td();", "\tD();");
        let change = FileChange {
            path: "a.c".into(),
            before: before.as_bytes().to_vec(),
            after: after.into_bytes(),
        };
        let (diff, counts) = file_diff(&change);
        assert!(
            diff.contains("@@ -5,6 +5,6 @@ static void f(void)\n"),
            "{diff}"
        );
        assert_eq!(
            counts,
            Counts {
                added: 1,
                removed: 1
            }
        );
    }

    #[test]
    fn blob_ids_are_gits() {
        assert_eq!(blob_id(b""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    }
}
