//! Edits are byte ranges on a file's original bytes. They are kept sorted and
//! disjoint, and applied back to front so earlier offsets stay valid.

use anyhow::{bail, Result};
use std::ops::Range;
use std::path::PathBuf;

/// One rewritten file: its path relative to the tree, and both texts.
pub struct FileChange {
    pub path: PathBuf,
    pub before: Vec<u8>,
    pub after: Vec<u8>,
}

impl FileChange {
    /// The change that undoes this one.
    pub fn reverted(&self) -> FileChange {
        FileChange {
            path: self.path.clone(),
            before: self.after.clone(),
            after: self.before.clone(),
        }
    }
}

/// `changes` in git's order: plain byte order of the path, as a diff
/// lists files.
pub fn sort_in_git_order(changes: &mut [FileChange]) {
    changes.sort_by(|a, b| {
        a.path
            .as_os_str()
            .as_encoded_bytes()
            .cmp(b.path.as_os_str().as_encoded_bytes())
    });
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
    /// Which step produced the edit, to name both sides of an overlap.
    pub origin: &'static str,
}

impl Edit {
    pub fn replace(range: Range<usize>, text: impl Into<String>, origin: &'static str) -> Self {
        Edit {
            range,
            text: text.into(),
            origin,
        }
    }

    pub fn insert(at: usize, text: impl Into<String>, origin: &'static str) -> Self {
        Self::replace(at..at, text, origin)
    }
}

/// Sorts the edits and rejects overlaps. Two insertions at the same offset
/// are kept in the order they were made, which is the order they will read.
pub fn sorted_disjoint(mut edits: Vec<Edit>) -> Result<Vec<Edit>> {
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    for pair in edits.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.range.end > b.range.start {
            bail!(
                "overlapping edits: {} at {:?} and {} at {:?}",
                a.origin,
                a.range,
                b.origin,
                b.range
            );
        }
    }
    Ok(edits)
}

/// Applies edits (checked by `sorted_disjoint`) to `source`, back to front.
pub fn apply(source: &[u8], edits: &[Edit]) -> Result<Vec<u8>> {
    let edits = sorted_disjoint(edits.to_vec())?;
    let growth: isize = edits
        .iter()
        .map(|e| e.text.len() as isize - e.range.len() as isize)
        .sum();
    let mut out = source.to_vec();
    for edit in edits.iter().rev() {
        if edit.range.end > source.len() {
            bail!(
                "edit {} at {:?} is past the end of the file",
                edit.origin,
                edit.range
            );
        }
        out.splice(edit.range.clone(), edit.text.bytes());
    }
    assert_eq!(out.len() as isize, source.len() as isize + growth);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_back_to_front() {
        let edits = vec![
            Edit::replace(4..5, "X", "b"),
            Edit::insert(0, ">", "a"),
            Edit::replace(0..1, "A", "c"),
        ];
        assert_eq!(apply(b"abcdef", &edits).unwrap(), b">AbcdXf");
    }

    #[test]
    fn overlap_is_an_error_naming_both() {
        let edits = vec![
            Edit::replace(0..3, "x", "queue"),
            Edit::replace(2..4, "y", "flush"),
        ];
        let err = apply(b"abcdef", &edits).unwrap_err().to_string();
        assert!(err.contains("queue") && err.contains("flush"), "{err}");
    }

    #[test]
    fn two_insertions_at_one_offset_keep_their_order() {
        let edits = vec![Edit::insert(1, "1", "a"), Edit::insert(1, "2", "b")];
        assert_eq!(apply(b"ab", &edits).unwrap(), b"a12b");
    }
}
