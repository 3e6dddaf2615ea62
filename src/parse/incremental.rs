//! A whole parse of a rewritten text, made from the whole parse of the
//! text it was made from: tree-sitter's incremental reparse, which reuses
//! every subtree the changes leave alone and gives the tree a parse from
//! scratch gives. The rewrite's check parses a file whole before and after
//! its edits; the second parse of a big driver file was a tenth of a first
//! run's time.

use super::{attributes, ranges::blank, PARSER};
use anyhow::{anyhow, Result};
use std::ops::Range;
use tree_sitter::{InputEdit, Point, Tree};

/// `parse_c_without(after, &[])`, from `tree` (`parse_c_without(before,
/// &[])`) and the `changes` that made `after` from `before`: each a range
/// of `before` and the length of what replaced it, sorted and disjoint.
/// None when the texts as parsed (attribute macros blanked) differ outside
/// the changes: an edit made or unmade an attribute next to it, and the
/// tree's edits would not say so; the caller then parses afresh.
pub fn reparse_whole(
    before: &[u8],
    tree: &Tree,
    after: &[u8],
    changes: &[(Range<usize>, usize)],
) -> Option<Result<Tree>> {
    let old = blank(before, &attributes::attribute_ranges(before));
    let new = blank(after, &attributes::attribute_ranges(after));
    let starts = new_starts(&old, &new, changes)?;
    let mut edited = tree.clone();
    // Back to front: each change's offsets in `before` still hold when
    // the ones after it have been made.
    for ((range, len), new_start) in changes.iter().zip(&starts).rev() {
        let start_position = point_at(&old, range.start);
        let inserted = &new[*new_start..new_start + len];
        edited.edit(&InputEdit {
            start_byte: range.start,
            old_end_byte: range.end,
            new_end_byte: range.start + len,
            start_position,
            old_end_position: point_at(&old, range.end),
            new_end_position: advance(start_position, inserted),
        });
    }
    Some(PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = super::parser(&mut slot)?;
        parser
            .set_included_ranges(&[])
            .map_err(|e| anyhow!("tree-sitter refused the ranges to parse: {e:?}"))?;
        parser
            .parse(&new, Some(&edited))
            .ok_or_else(|| anyhow!("tree-sitter gave up on the file"))
    }))
}

/// Where each change's text starts in `new`, when `old` and `new` agree
/// everywhere else.
fn new_starts(old: &[u8], new: &[u8], changes: &[(Range<usize>, usize)]) -> Option<Vec<usize>> {
    let mut starts = Vec::with_capacity(changes.len());
    let mut old_at = 0;
    let mut new_at = 0;
    for (range, len) in changes {
        let same = range.start.checked_sub(old_at)?;
        if old.get(old_at..range.start)? != new.get(new_at..new_at + same)? {
            return None;
        }
        new_at += same;
        starts.push(new_at);
        new_at += len;
        old_at = range.end;
    }
    (old.get(old_at..)? == new.get(new_at..)?).then_some(starts)
}

/// The row and byte column of `offset` in `text`.
fn point_at(text: &[u8], offset: usize) -> Point {
    let head = &text[..offset];
    let row = memchr::memchr_iter(b'\n', head).count();
    let line_start = memchr::memrchr(b'\n', head).map_or(0, |at| at + 1);
    Point {
        row,
        column: offset - line_start,
    }
}

/// The point after `inserted` written at `start`.
fn advance(start: Point, inserted: &[u8]) -> Point {
    match memchr::memrchr(b'\n', inserted) {
        None => Point {
            row: start.row,
            column: start.column + inserted.len(),
        },
        Some(last) => Point {
            row: start.row + memchr::memchr_iter(b'\n', inserted).count(),
            column: inserted.len() - last - 1,
        },
    }
}

#[cfg(test)]
mod tests;
