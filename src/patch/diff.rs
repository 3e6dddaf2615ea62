//! Unified diffs as git writes them: `diff --git` headers with blob ids,
//! three lines of context, and the enclosing function after each `@@`
//! (git's default funcname rule: the nearest earlier line that starts with a
//! letter, `_` or `$`).

use crate::edit::FileChange;
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

/// The diff of one file with paths relative to the tree root. Bytes, not
/// text: context lines must reach `git am` exactly as they are in the tree.
pub fn file_diff(change: &FileChange) -> (Vec<u8>, Counts) {
    let path = change.path.display();
    let header = format!(
        "diff --git a/{path} b/{path}\nindex {}..{} 100644\n--- a/{path}\n+++ b/{path}\n",
        &blob_id(&change.before)[..12],
        &blob_id(&change.after)[..12],
    );
    let mut out = header.into_bytes();
    let diff = TextDiff::configure().diff_lines(&change.before[..], &change.after[..]);
    let old_lines: Vec<&[u8]> = split_lines(&change.before);
    let mut counts = Counts::default();
    for group in diff.grouped_ops(3) {
        out.extend_from_slice(hunk_header(&group, &old_lines).as_bytes());
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
                let line = change.value();
                out.push(sign as u8);
                out.extend_from_slice(line);
                if !line.ends_with(b"\n") {
                    out.extend_from_slice(b"\n\\ No newline at end of file\n");
                }
            }
        }
    }
    (out, counts)
}

/// The diffs of several files, one after the other.
pub fn changes_diff(changes: &[FileChange]) -> Vec<u8> {
    changes.iter().flat_map(|c| file_diff(c).0).collect()
}

/// git's diffstat (`--stat` at format-patch's 72 columns): one line per
/// file, then the summary line.
pub fn diffstat(files: &[(String, Counts)]) -> String {
    const WIDTH: usize = 72;
    let max_change = files
        .iter()
        .map(|(_, c)| c.added + c.removed)
        .max()
        .unwrap_or(0);
    let max_len = files.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let number_width = max_change.max(1).to_string().len();
    let mut graph_width = max_change;
    let mut name_width = max_len;
    if name_width + number_width + 6 + graph_width > WIDTH {
        if graph_width > (WIDTH * 3 / 8).saturating_sub(number_width + 6) {
            graph_width = ((WIDTH * 3 / 8).saturating_sub(number_width + 6)).max(6);
        }
        if name_width > WIDTH.saturating_sub(number_width + 6 + graph_width) {
            name_width = WIDTH - number_width - 6 - graph_width;
        } else {
            graph_width = WIDTH - number_width - 6 - name_width;
        }
    }
    let scale = |n: usize| match (n, max_change > graph_width) {
        (0, _) => 0,
        (n, true) => 1 + n * (graph_width - 1) / max_change,
        (n, false) => n,
    };
    let mut out = String::new();
    let (mut added, mut removed) = (0, 0);
    for (name, counts) in files {
        added += counts.added;
        removed += counts.removed;
        let shown = shorten(name, name_width);
        let _ = writeln!(
            out,
            " {shown:<name_width$} | {:>number_width$} {}{}",
            counts.added + counts.removed,
            "+".repeat(scale(counts.added)),
            "-".repeat(scale(counts.removed)),
        );
    }
    out.push_str(&summary(files.len(), added, removed));
    out
}

/// `.../tail/of/the/path` within `width` columns, cut at a `/`.
fn shorten(name: &str, width: usize) -> String {
    if name.len() <= width {
        return name.to_string();
    }
    let tail = &name[name.len() - width.saturating_sub(3)..];
    let tail = tail.find('/').map_or(tail, |i| &tail[i..]);
    format!("...{tail}")
}

fn summary(files: usize, added: usize, removed: usize) -> String {
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            one.to_string()
        } else {
            many.to_string()
        }
    };
    let mut line = format!(" {files} {} changed", plural(files, "file", "files"));
    if added > 0 || removed == 0 {
        let _ = write!(
            line,
            ", {added} {}(+)",
            plural(added, "insertion", "insertions")
        );
    }
    if removed > 0 || added == 0 {
        let _ = write!(
            line,
            ", {removed} {}(-)",
            plural(removed, "deletion", "deletions")
        );
    }
    line.push('\n');
    line
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
        let diff = String::from_utf8(diff).unwrap();
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
    fn diffstat_matches_git() {
        let files = vec![
            (
                "drivers/block/aoe/aoemain.c".to_string(),
                Counts {
                    added: 19,
                    removed: 1,
                },
            ),
            (
                "drivers/block/aoe/aoe.h".to_string(),
                Counts {
                    added: 2,
                    removed: 0,
                },
            ),
        ];
        assert_eq!(
            diffstat(&files),
            " drivers/block/aoe/aoemain.c | 20 +++++++++++++++++++-\n \
             drivers/block/aoe/aoe.h     |  2 ++\n 2 files changed, 21 insertions(+), 1 deletion(-)\n"
        );
    }

    #[test]
    fn blob_ids_are_gits() {
        assert_eq!(blob_id(b""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    }
}
