//! MAINTAINERS K: patterns read against a patch the way
//! `get_maintainer.pl` reads a patch file: before the first `--- a/…`
//! or `+++ b/…` line anywhere in a line (headers, message, diffstat),
//! after it only in added or removed lines; diff bookkeeping lines
//! (`diff --git`, `@@`, `Fixes:`) are never searched.

use regex::Regex;

/// The sections whose K: patterns match `patch`, in the script's order:
/// by the pattern's position in MAINTAINERS compared as text.
pub fn matching<'a>(
    keywords: impl Iterator<Item = (usize, &'a Regex, usize)>,
    patch: &[u8],
) -> Vec<usize> {
    let text = String::from_utf8_lossy(patch);
    let lines = searched_lines(&text);
    let mut hits: Vec<(String, usize)> = keywords
        .filter(|(_, pattern, _)| {
            lines.iter().any(|(line, from)| {
                pattern
                    .find_at(line, *from)
                    .is_some_and(|m| m.start() >= *from)
            })
        })
        .map(|(section, _, position)| (position.to_string(), section))
        .collect();
    hits.sort();
    hits.dedup();
    hits.into_iter().map(|(_, section)| section).collect()
}

/// Each line a keyword may match, and the offset a match may start at.
fn searched_lines(text: &str) -> Vec<(&str, usize)> {
    let mut in_diff = false;
    let mut out = Vec::new();
    for line in text.lines() {
        let file_line = ["--- ", "+++ "]
            .iter()
            .any(|p| line.strip_prefix(p).is_some_and(|r| !r.trim().is_empty()));
        if file_line {
            in_diff = true;
            continue;
        }
        let bookkeeping = line.starts_with("diff --git ")
            || line.starts_with("@@ -")
            || line.starts_with(" mode change ")
            || line.starts_with("rename from ")
            || line.starts_with("rename to ")
            || line.starts_with("Fixes:");
        if bookkeeping {
            continue;
        }
        match in_diff {
            false => out.push((line, 0)),
            true if line.starts_with(['+', '-']) => out.push((line, 1)),
            true => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_match_the_message_and_changed_lines_only() {
        let patch = "Subject: [PATCH] x: fix trivial thing\n\nbody\n---\n \
                     a.c | 2 +-\n\ndiff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n\
                     @@ -1,3 +1,3 @@ int pwm_ops_fn(void)\n context pidfd\n-old\n+new reset_control_get\n";
        let trivial = Regex::new(r"(?x)^Subject:.*(?i)trivial").unwrap();
        let pidfd = Regex::new(r"(?x)(?i)pidfd").unwrap();
        let pwm = Regex::new(r"(?x)pwm_(config|apply_state|ops)").unwrap();
        let reset = Regex::new(r"(?x)\breset_control_[a-z_]+\b").unwrap();
        let found = matching(
            [
                (1, &trivial, 20),
                (2, &pidfd, 3),
                (3, &pwm, 4),
                (4, &reset, 100),
            ]
            .into_iter(),
            patch.as_bytes(),
        );
        // "100" sorts before "20" as text, as in the script.
        assert_eq!(found, [4, 1]);
    }
}
