//! The text git puts after a hunk's `@@`: the nearest line above the hunk
//! that the file's diff driver takes for a function. The driver comes from
//! the tree's `.gitattributes` (`*.c diff=cpp` in the kernel); git's
//! built-in `cpp` driver skips goto labels and access specifiers, which
//! git's default rule would name.

use regex::bytes::Regex;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// git cuts the function line to this many bytes (xemit.c's buffer).
const FUNCNAME_MAX: usize = 80;

/// How function lines are recognised in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Driver {
    /// git's default: a line that starts with a letter, `_` or `$`.
    #[default]
    Default,
    /// git's built-in `cpp` driver (userdiff.c).
    Cpp,
}

impl Driver {
    fn from_name(name: &str) -> Self {
        match name {
            "cpp" => Driver::Cpp,
            // Other drivers (and ones defined only in git config) are not
            // known here: git's default rule is what git uses without them.
            _ => Driver::Default,
        }
    }
}

/// The first pattern that matches decides: a `!` pattern rejects the line,
/// another takes its first group.
fn cpp_patterns() -> &'static [(bool, Regex)] {
    static PATTERNS: OnceLock<Vec<(bool, Regex)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        [
            // Jump targets or access declarations.
            (
                false,
                r"^[ \t]*[A-Za-z_][A-Za-z_0-9]*:[[:space:]]*($|/[/*])",
            ),
            // Functions, variables and compounds at top level.
            (true, r"^((::[[:space:]]*)?[A-Za-z_].*)$"),
        ]
        .into_iter()
        .map(|(keep, p)| (keep, Regex::new(&format!("(?-u){p}")).expect("valid")))
        .collect()
    })
}

/// The function line for a hunk whose old side starts at `start`
/// (0-based), searched upwards from the line before it.
pub fn function_line(driver: Driver, lines: &[&[u8]], start: usize) -> Option<Vec<u8>> {
    lines[..start.min(lines.len())]
        .iter()
        .rev()
        .find_map(|line| match_line(driver, line))
}

fn match_line(driver: Driver, line: &[u8]) -> Option<Vec<u8>> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let found: &[u8] = match driver {
        Driver::Default => {
            let first = *line.first()?;
            (first.is_ascii_alphabetic() || first == b'_' || first == b'$').then_some(line)?
        }
        Driver::Cpp => {
            let (keep, pattern) = cpp_patterns().iter().find(|(_, p)| p.is_match(line))?;
            if !keep {
                return None;
            }
            let captures = pattern.captures(line)?;
            captures.get(1).or_else(|| captures.get(0))?.as_bytes()
        }
    };
    let mut cut = &found[..found.len().min(FUNCNAME_MAX)];
    while let Some((last, rest)) = cut.split_last() {
        if !last.is_ascii_whitespace() {
            break;
        }
        cut = rest;
    }
    Some(cut.to_vec())
}

/// The `diff` attribute of files, from the tree's `.gitattributes` files
/// (the top one and those of each directory above a file; a deeper file
/// and a later line win, as in git).
#[derive(Debug, Default)]
pub struct Attributes {
    /// Directory (relative, "" for the top) → its lines' (pattern, value).
    files: HashMap<PathBuf, Vec<(String, Option<String>)>>,
}

impl Attributes {
    /// Reads the `.gitattributes` of every directory above `paths`.
    pub fn load(root: &Path, paths: &[&Path]) -> Self {
        let mut files = HashMap::new();
        for path in paths {
            for dir in path.ancestors().skip(1) {
                files.entry(dir.to_path_buf()).or_insert_with(|| {
                    std::fs::read(root.join(dir).join(".gitattributes"))
                        .map(|b| parse(&String::from_utf8_lossy(&b)))
                        .unwrap_or_default()
                });
            }
        }
        Attributes { files }
    }

    pub fn from_text(text: &str) -> Self {
        Attributes {
            files: HashMap::from([(PathBuf::new(), parse(text))]),
        }
    }

    /// The diff driver for `path` (relative to the tree's root).
    pub fn driver(&self, path: &Path) -> Driver {
        let mut value: Option<&str> = None;
        let dirs: Vec<&Path> = path.ancestors().skip(1).collect();
        for dir in dirs.iter().rev() {
            let Some(lines) = self.files.get(*dir) else {
                continue;
            };
            let relative = path.strip_prefix(dir).unwrap_or(path);
            for (pattern, diff) in lines {
                if pattern_matches(pattern, relative) {
                    value = diff.as_deref();
                }
            }
        }
        value.map(Driver::from_name).unwrap_or_default()
    }
}

/// Each line's pattern and its `diff=` value (None for `diff`, `-diff`,
/// `!diff`: git's default rule then); lines without `diff` are dropped.
fn parse(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(pattern) = words.next().filter(|p| !p.starts_with('#')) else {
            continue;
        };
        for word in words {
            if let Some(value) = word.strip_prefix("diff=") {
                out.push((pattern.to_string(), Some(value.to_string())));
            } else if matches!(word, "diff" | "-diff" | "!diff") {
                out.push((pattern.to_string(), None));
            }
        }
    }
    out
}

/// A pattern without a `/` matches the file name at any depth; one with a
/// `/` matches the path from the attributes file's directory.
fn pattern_matches(pattern: &str, relative: &Path) -> bool {
    let path = relative.to_string_lossy();
    let pattern = pattern.strip_prefix('/').unwrap_or(pattern);
    if pattern.contains('/') {
        return glob(pattern.as_bytes(), path.as_bytes());
    }
    let name = path.rsplit('/').next().unwrap_or(&path);
    glob(pattern.as_bytes(), name.as_bytes())
}

/// `*` and `?` that never cross a `/`; `**` is not needed here.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len())
            .take_while(|&i| i == 0 || text[i - 1] != b'/')
            .any(|i| glob(rest, &text[i..])),
        Some((b'?', rest)) => text.first().is_some_and(|c| *c != b'/') && glob(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && glob(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: &[&[u8]] = &[
        b"static int f(void)\n",
        b"{\n",
        b"\tint err;\n",
        b"err_disk:\n",
        b"\treturn err;\n",
    ];

    #[test]
    fn cpp_skips_labels_that_the_default_rule_names() {
        assert_eq!(function_line(Driver::Default, C, 4).unwrap(), b"err_disk:");
        assert_eq!(
            function_line(Driver::Cpp, C, 4).unwrap(),
            b"static int f(void)"
        );
        assert_eq!(function_line(Driver::Cpp, C, 0), None);
    }

    #[test]
    fn attributes_pick_the_driver_by_name_and_directory() {
        let attributes = Attributes::from_text("*.c diff=cpp\n*.dts diff=dts\n# *.h diff=cpp\n");
        assert_eq!(attributes.driver(Path::new("drivers/a/b.c")), Driver::Cpp);
        assert_eq!(
            attributes.driver(Path::new("drivers/a/b.h")),
            Driver::Default
        );
        assert_eq!(attributes.driver(Path::new("arch/x.dts")), Driver::Default);
        let none = Attributes::default();
        assert_eq!(none.driver(Path::new("drivers/a/b.c")), Driver::Default);
    }
}
