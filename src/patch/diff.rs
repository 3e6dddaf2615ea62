//! Unified diffs as git writes them: `diff --git` headers with blob ids,
//! three lines of context, hunks as git's own xdiff aligns them (libgit2's
//! copy, with the indent heuristic `git diff` uses by default), and the
//! function line after each `@@` as the file's diff driver finds it.

use super::funcname::{function_line, Attributes, Driver};
use crate::edit::FileChange;
use git2::{DiffOptions, Patch};
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
pub fn file_diff(change: &FileChange, driver: Driver) -> (Vec<u8>, Counts) {
    let path = change.path.display();
    let header = format!(
        "diff --git a/{path} b/{path}\nindex {}..{} 100644\n--- a/{path}\n+++ b/{path}\n",
        &blob_id(&change.before)[..12],
        &blob_id(&change.after)[..12],
    );
    let mut out = header.into_bytes();
    let mut counts = Counts::default();
    let mut options = DiffOptions::new();
    options
        .context_lines(3)
        .interhunk_lines(0)
        .indent_heuristic(true)
        .force_text(true);
    let Ok(patch) = Patch::from_buffers(
        &change.before,
        None,
        &change.after,
        None,
        Some(&mut options),
    ) else {
        return (out, counts);
    };
    let old_lines: Vec<&[u8]> = split_lines(&change.before);
    for h in 0..patch.num_hunks() {
        let Ok((hunk, line_count)) = patch.hunk(h) else {
            continue;
        };
        out.extend(hunk_header(
            hunk.header(),
            driver,
            &old_lines,
            hunk.old_start(),
            hunk.old_lines(),
        ));
        for l in 0..line_count {
            let Ok(line) = patch.line_in_hunk(h, l) else {
                continue;
            };
            let sign = match line.origin() {
                ' ' => b' ',
                '-' => {
                    counts.removed += 1;
                    b'-'
                }
                '+' => {
                    counts.added += 1;
                    b'+'
                }
                // The end-of-file markers: written below, after the line.
                _ => continue,
            };
            let content = line.content();
            out.push(sign);
            out.extend_from_slice(content);
            if !content.ends_with(b"\n") {
                out.extend_from_slice(b"\n\\ No newline at end of file\n");
            }
        }
    }
    (out, counts)
}

/// The diffs of several files, one after the other.
pub fn changes_diff(changes: &[FileChange], attributes: &Attributes) -> Vec<u8> {
    changes
        .iter()
        .flat_map(|c| file_diff(c, attributes.driver(&c.path)).0)
        .collect()
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

/// libgit2's `@@ -a,b +c,d @@` (git's own range rule) with the function
/// line the driver finds above the hunk's first old line.
fn hunk_header(
    libgit2: &[u8],
    driver: Driver,
    old_lines: &[&[u8]],
    old_start: u32,
    old_len: u32,
) -> Vec<u8> {
    let ranges_end = libgit2
        .windows(2)
        .skip(2)
        .position(|w| w == b"@@")
        .map_or(libgit2.len(), |i| i + 4);
    let mut header = libgit2[..ranges_end].to_vec();
    // xdiff's first line of the hunk, 0-based; an empty old side starts
    // after the line its start names.
    let first = match old_len {
        0 => old_start as usize,
        _ => old_start.saturating_sub(1) as usize,
    };
    if let Some(name) = function_line(driver, old_lines, first) {
        header.push(b' ');
        header.extend(name);
    }
    header.push(b'\n');
    header
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
        let (diff, counts) = file_diff(&change, Driver::Default);
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
