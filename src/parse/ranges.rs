//! The blocks a focused parse leaves out, as tree-sitter takes them: a
//! few long ones as gaps between included ranges, the rest blanked in a
//! copy of the text (see `parse_c_without`).

use super::LineIndex;
use std::ops::Range;

/// How many idle blocks at most tree-sitter skips (see `parse_c_without`).
pub(super) const SKIPPED_BLOCKS: usize = 64;

/// The `count` longest of `ranges`, and the others; each in text order.
pub(super) fn largest(
    ranges: &[Range<usize>],
    count: usize,
) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
    let mut by_length: Vec<&Range<usize>> = ranges.iter().collect();
    by_length.sort_by_key(|r| std::cmp::Reverse(r.len()));
    let mut long: Vec<Range<usize>> = by_length.iter().take(count).map(|r| (*r).clone()).collect();
    let mut short: Vec<Range<usize>> = by_length.iter().skip(count).map(|r| (*r).clone()).collect();
    long.sort_by_key(|r| r.start);
    short.sort_by_key(|r| r.start);
    (long, short)
}

/// A copy of `text` with every byte of `idle` but newlines made a space.
pub(super) fn blank(text: &[u8], idle: &[Range<usize>]) -> Vec<u8> {
    let mut copy = text.to_vec();
    for range in idle {
        for byte in &mut copy[range.clone()] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    copy
}

/// The complement of `idle` in `text`; empty (the whole text) for none.
pub(super) fn included_ranges(text: &[u8], idle: &[Range<usize>]) -> Vec<tree_sitter::Range> {
    if idle.is_empty() {
        return Vec::new();
    }
    let lines = LineIndex::new(text);
    let point = |offset: usize| tree_sitter::Point {
        row: lines.line(offset) - 1,
        column: offset - lines.line_start(offset),
    };
    let mut included = Vec::new();
    let mut start = 0;
    let end = text.len()..text.len();
    for gap in idle.iter().chain(std::iter::once(&end)) {
        if gap.start > start {
            included.push(tree_sitter::Range {
                start_byte: start,
                end_byte: gap.start,
                start_point: point(start),
                end_point: point(gap.start),
            });
        }
        start = gap.end;
    }
    included
}
