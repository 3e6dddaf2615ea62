//! Two conversions of the same file for two kernels, made one: each is a
//! set of line edits on the same original (git's own diff of it), and
//! where they touch different lines, or the same lines the same way, both
//! apply (a compat branch compiled for one kernel rewritten as that
//! kernel needs, the other branch as the other does). Edits that touch
//! the same lines differently are no merge: the caller refuses.

/// One change to the original: lines `start..start + len` (0-based)
/// become `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LineEdit {
    start: usize,
    len: usize,
    text: Vec<u8>,
}

/// `base` with both `ours` and `theirs`' changes, if they do not clash.
pub fn three_way(base: &[u8], ours: &[u8], theirs: &[u8]) -> Option<Vec<u8>> {
    let mut edits = line_edits(base, ours)?;
    edits.extend(line_edits(base, theirs)?);
    edits.sort_by_key(|e| (e.start, e.len));
    edits.dedup();
    for pair in edits.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let overlaps = a.start + a.len > b.start;
        let same_point = a.len == 0 && b.len == 0 && a.start == b.start;
        if overlaps || same_point {
            return None;
        }
    }
    let lines: Vec<&[u8]> = base.split_inclusive(|b| *b == b'\n').collect();
    let mut out = Vec::with_capacity(ours.len().max(theirs.len()));
    let mut next = 0;
    for edit in &edits {
        lines[next..edit.start].iter().for_each(|l| out.extend(*l));
        out.extend(&edit.text);
        next = edit.start + edit.len;
    }
    lines[next.min(lines.len())..]
        .iter()
        .for_each(|l| out.extend(*l));
    Some(out)
}

/// The hunks of git's diff of `base` and `changed`, without context.
fn line_edits(base: &[u8], changed: &[u8]) -> Option<Vec<LineEdit>> {
    let mut options = git2::DiffOptions::new();
    options.context_lines(0);
    let patch = git2::Patch::from_buffers(base, None, changed, None, Some(&mut options)).ok()?;
    let mut edits = Vec::new();
    for hunk_at in 0..patch.num_hunks() {
        let (hunk, count) = patch.hunk(hunk_at).ok()?;
        let mut text = Vec::new();
        for line_at in 0..count {
            let line = patch.line_in_hunk(hunk_at, line_at).ok()?;
            match line.origin() {
                '+' => text.extend(line.content()),
                '-' | ' ' => {}
                // "No newline at end of file": not worth the risk.
                _ => return None,
            }
        }
        let len = hunk.old_lines() as usize;
        // git numbers from 1; an insertion goes after line old_start.
        let start = match len {
            0 => hunk.old_start() as usize,
            _ => hunk.old_start() as usize - 1,
        };
        edits.push(LineEdit { start, len, text });
    }
    Some(edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &[u8] = b"a\n#if OLD\nold();\n#else\nnew();\n#endif\nz\n";

    #[test]
    fn edits_of_different_lines_both_apply() {
        let ours = b"top\na\n#if OLD\nOLD();\n#else\nnew();\n#endif\nz\n";
        let theirs = b"top\na\n#if OLD\nold();\n#else\nNEW();\n#endif\nz\n";
        let merged = three_way(BASE, ours, theirs).unwrap();
        assert_eq!(
            merged,
            b"top\na\n#if OLD\nOLD();\n#else\nNEW();\n#endif\nz\n"
        );
    }

    #[test]
    fn the_same_lines_changed_differently_clash() {
        let ours = b"a\n#if OLD\nx();\n#else\nnew();\n#endif\nz\n";
        let theirs = b"a\n#if OLD\ny();\n#else\nnew();\n#endif\nz\n";
        assert_eq!(three_way(BASE, ours, theirs), None);
        let ours = b"a\nA\n#if OLD\nold();\n#else\nnew();\n#endif\nz\n";
        let theirs = b"a\nB\n#if OLD\nold();\n#else\nnew();\n#endif\nz\n";
        assert_eq!(
            three_way(BASE, ours, theirs),
            None,
            "two insertions at one place"
        );
    }

    #[test]
    fn one_side_alone_is_itself() {
        let ours = b"a\n#if OLD\nOLD();\n#else\nnew();\n#endif\nz\nend\n";
        assert_eq!(three_way(BASE, ours, BASE).unwrap(), ours);
        assert_eq!(three_way(BASE, ours, ours).unwrap(), ours);
    }
}
