//! Plain-text helpers for what reviewers read: paragraphs wrapped to a
//! width, and templates whose every placeholder must be filled.

use anyhow::{bail, Result};
use std::collections::BTreeMap;

/// Paragraphs re-wrapped at `width` columns; blank lines kept.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for paragraph in text.split("\n\n") {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        let mut col = 0;
        for word in paragraph.split_whitespace() {
            if col > 0 && col + 1 + word.len() > width {
                out.push('\n');
                col = 0;
            } else if col > 0 {
                out.push(' ');
                col += 1;
            }
            out.push_str(word);
            col += word.len();
        }
    }
    out
}

/// `template` with each `{key}` replaced by its value. A `{name}` left
/// over is an error naming it: a template and its caller disagree.
pub fn fill(template: &str, values: &BTreeMap<&str, String>) -> Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}');
        let key = close.map(|c| &after[..c]);
        let is_name = key.is_some_and(|k| {
            !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
        match (key, is_name) {
            (Some(key), true) => {
                let Some(value) = values.get(key) else {
                    bail!("template placeholder {{{key}}} has no value");
                };
                out.push_str(value);
                rest = &after[key.len() + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_paragraphs_and_keeps_blank_lines() {
        assert_eq!(wrap("a b c\n\nd", 3), "a b\nc\n\nd");
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        let values = BTreeMap::from([("wq", "foo_wq".to_string())]);
        assert_eq!(
            fill("use {wq}, {wq}", &values).unwrap(),
            "use foo_wq, foo_wq"
        );
        assert_eq!(fill("a { b }", &values).unwrap(), "a { b }");
    }

    #[test]
    fn an_unfilled_placeholder_is_an_error_naming_it() {
        let err = fill(
            "use {wq} on {system}",
            &BTreeMap::from([("wq", "x".into())]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("{system}"), "{err}");
    }
}
