//! Kernel layout: tabs of 8 columns, lines of at most 80.

use std::ops::Range;

pub const MAX_COLUMNS: usize = 80;
/// Where checkpatch.pl starts to warn.
pub const CHECKPATCH_COLUMNS: usize = 100;

/// Columns `bytes` take on screen when they start at column `from`.
pub fn width_from(from: usize, bytes: &[u8]) -> usize {
    bytes.iter().fold(from, |col, &b| match b {
        b'\t' => (col / 8 + 1) * 8,
        _ => col + 1,
    })
}

pub fn width(bytes: &[u8]) -> usize {
    width_from(0, bytes)
}

/// The line holding `offset`, without its newline.
pub fn line_at(text: &[u8], offset: usize) -> Range<usize> {
    let start = memchr::memrchr(b'\n', &text[..offset]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &text[offset..]).map_or(text.len(), |i| offset + i);
    start..end
}

/// The leading whitespace of the line holding `offset`.
pub fn indent_at(text: &[u8], offset: usize) -> String {
    let line = line_at(text, offset);
    let indent: Vec<u8> = text[line]
        .iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .copied()
        .collect();
    String::from_utf8(indent).expect("ASCII whitespace")
}

/// Whether only whitespace precedes `offset` on its line.
pub fn first_on_line(text: &[u8], offset: usize) -> bool {
    let line = line_at(text, offset);
    text[line.start..offset]
        .iter()
        .all(|b| *b == b' ' || *b == b'\t')
}

/// Whether most of the text's lines end in CRLF: new lines must too.
pub fn uses_crlf(text: &[u8]) -> bool {
    let lines = memchr::memchr_iter(b'\n', text).count();
    let crlf = memchr::memmem::find_iter(text, b"\r\n").count();
    lines > 0 && crlf * 2 > lines
}

/// Offset just past the newline ending the line that holds `offset`.
pub fn next_line_start(text: &[u8], offset: usize) -> usize {
    let end = line_at(text, offset).end;
    (end + 1).min(text.len())
}

/// Whether `rest`, the remainder of a line after some code, is whitespace
/// or whitespace around exactly one complete comment: a `/* … */` whose
/// first `*/` is its end, or a `// …` that no backslash continues onto
/// the next line. Anything else (more code, a comment going on to the next
/// line, a line continuation) means the line is not the code's alone.
pub fn is_blank_or_comment(rest: &[u8]) -> bool {
    let rest = rest.trim_ascii();
    if rest.is_empty() {
        return true;
    }
    if rest.starts_with(b"//") {
        return !rest.ends_with(b"\\");
    }
    rest.len() >= 4
        && rest.starts_with(b"/*")
        && memchr::memmem::find(&rest[2..], b"*/") == Some(rest.len() - 4)
}

/// Whether `offset`, a line start, begins a line of its own: not inside a
/// comment, and not joined to the line before by a trailing backslash.
/// Text inserted there reads as code, whatever that line held.
pub fn starts_own_line(text: &[u8], offset: usize) -> bool {
    if offset == 0 {
        return true;
    }
    if offset > text.len() || text[offset - 1] != b'\n' {
        return false;
    }
    let before = text[..offset - 1]
        .strip_suffix(b"\r")
        .unwrap_or(&text[..offset - 1]);
    if before.ends_with(b"\\") {
        return false;
    }
    // A comment still open at the end of the text before `offset` holds it.
    crate::ctext::comment_ranges(&text[..offset])
        .last()
        .is_none_or(|comment| comment.end < offset)
}

/// Whether the line starting at `offset` is empty or whitespace.
pub fn is_blank_line(text: &[u8], offset: usize) -> bool {
    if offset >= text.len() {
        return true;
    }
    let line = line_at(text, offset);
    text[line].iter().all(|b| b.is_ascii_whitespace())
}

/// Whole lines `lines` (line starts to after a newline) to delete, grown
/// by one blank line where deleting them would leave two blank lines in
/// a row, or a blank line right after `{` or before `}`.
pub fn without_blank_pair(text: &[u8], lines: Range<usize>) -> Range<usize> {
    let trimmed = |r: Range<usize>| text[r].trim_ascii().to_vec();
    let before = (lines.start > 0).then(|| line_at(text, lines.start - 1));
    let after = (lines.end < text.len()).then(|| line_at(text, lines.end));
    let blank = |r: &Option<Range<usize>>| r.clone().is_some_and(|r| trimmed(r).is_empty());
    let closes = after.clone().is_some_and(|r| trimmed(r).starts_with(b"}"));
    let opens = before.clone().is_some_and(|r| trimmed(r).ends_with(b"{"));
    match (&before, &after) {
        (Some(b), _) if blank(&before) && (blank(&after) || closes) => b.start..lines.end,
        (_, Some(a)) if blank(&after) && opens => lines.start..(a.end + 1).min(text.len()),
        _ => lines,
    }
}

/// Tabs then spaces reaching column `col`, as kernel continuation lines do.
pub fn align_to(col: usize) -> String {
    format!("{}{}", "\t".repeat(col / 8), " ".repeat(col % 8))
}

/// `name(args)` starting at column `start`, arguments filled greedily and
/// continuation lines aligned after the `(`; `suffix` columns follow the
/// `)` on the last line.
pub fn fill_call(start: usize, name: &str, args: &[String], suffix: usize) -> String {
    let align = start + name.len() + 1;
    let mut out = format!("{name}(");
    let mut col = align;
    for (i, arg) in args.iter().enumerate() {
        let last = i + 1 == args.len();
        let piece = format!("{arg}{}", if last { ")" } else { "," });
        let needed = piece.len() + if last { suffix } else { 0 };
        if i > 0 && col + 1 + needed > MAX_COLUMNS.max(align + needed) {
            out.push('\n');
            out.push_str(&align_to(align));
            col = align;
        } else if i > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(&piece);
        col += piece.len();
    }
    if args.is_empty() {
        out.push(')');
    }
    out
}

/// Lines of C at a nesting depth below `indent`, each ending in a newline;
/// an empty string stands for a blank line.
pub fn block(indent: &str, lines: &[(usize, String)]) -> String {
    lines
        .iter()
        .map(|(depth, line)| match line.is_empty() {
            true => "\n".to_string(),
            false => format!("{indent}{}{line}\n", "\t".repeat(*depth)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_deletion_leaves_no_two_blank_lines_nor_a_blank_by_a_brace() {
        let grown = |text: &str, line: &str| {
            let at = text.find(line).unwrap();
            let range = super::without_blank_pair(text.as_bytes(), at..at + line.len());
            let mut left = text.to_string();
            left.replace_range(range, "");
            left
        };
        let text = "\ta();\n\n\tflush();\n\n\tb();\n";
        assert_eq!(grown(text, "\tflush();\n"), "\ta();\n\n\tb();\n");
        let text = "{\n\tflush();\n\n\tb();\n}\n";
        assert_eq!(grown(text, "\tflush();\n"), "{\n\tb();\n}\n");
        let text = "\ta();\n\n\tflush();\n}\n";
        assert_eq!(grown(text, "\tflush();\n"), "\ta();\n}\n");
        let text = "\ta();\n\tflush();\n\tb();\n";
        assert_eq!(grown(text, "\tflush();\n"), "\ta();\n\tb();\n");
    }

    use super::*;

    #[test]
    fn tabs_stop_every_eight_columns() {
        assert_eq!(width(b"\tx"), 9);
        assert_eq!(width(b"abc\tx"), 9);
        assert_eq!(align_to(19), "\t\t   ");
    }

    #[test]
    fn long_calls_wrap_under_the_open_parenthesis() {
        let args = [
            "\"a_rather_long_module_name_wq\"".to_string(),
            "WQ_UNBOUND".into(),
            "0".into(),
        ];
        let call = fill_call(40, "alloc_workqueue", &args, 1);
        assert_eq!(
            call,
            "alloc_workqueue(\"a_rather_long_module_name_wq\",\n\t\t\t\t\t\t\tWQ_UNBOUND, 0)"
        );
    }

    #[test]
    fn only_whitespace_or_one_complete_comment_ends_a_line() {
        for rest in [
            "",
            "  \t",
            " /* a */",
            "/**/ ",
            " // a /* b",
            "/* http://x */",
        ] {
            assert!(is_blank_or_comment(rest.as_bytes()), "{rest:?}");
        }
        for rest in [
            " foo();",
            " /* a */ foo_halt(); /* b */",
            " /* a */ /* b */",
            " /* set up",
            " /*/",
            " // c \\",
            " \\",
            " if (foo_quirk)",
        ] {
            assert!(!is_blank_or_comment(rest.as_bytes()), "{rest:?}");
        }
    }

    #[test]
    fn a_line_start_in_a_comment_or_after_a_backslash_is_not_its_own() {
        let text = b"a; /* b\n c */\nd; \\\ne; // f\ng;\n";
        let at = |s: &[u8]| memchr::memmem::find(text, s).unwrap();
        assert!(starts_own_line(text, 0));
        assert!(!starts_own_line(text, at(b" c */")), "inside the comment");
        assert!(starts_own_line(text, at(b"d;")));
        assert!(!starts_own_line(text, at(b"e;")), "continues `d; \\`");
        assert!(
            starts_own_line(text, at(b"g;")),
            "a // comment ends its line"
        );
        assert!(!starts_own_line(text, at(b"d;") + 1), "not a line start");
    }

    #[test]
    fn blocks_indent_and_keep_blank_lines_empty() {
        let text = block(
            "\t",
            &[(0, "if (x)".into()), (1, "y();".into()), (0, String::new())],
        );
        assert_eq!(text, "\tif (x)\n\t\ty();\n\n");
    }
}
