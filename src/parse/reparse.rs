//! A function re-parsed on its own when the file's parse lost it. Vendor
//! code trips tree-sitter on what it cannot know (a macro used as a
//! statement, an attribute macro, a function head split by `#if`), and
//! the ERROR can swallow what follows: calls come out under an ERROR node
//! or outside any function. Parsing the function's column-0 block alone,
//! the rest of the file blanked (offsets and lines kept), usually reads it
//! cleanly; its facts then stand for that block.

use super::facts::{collect_facts, Facts};
use super::ranges::blank;
use crate::ctext::column0_blocks;
use std::ops::Range;

/// `facts` of `text` with each function block whose calls of `wanted`
/// names the file's parse lost read again alone, when that reads them
/// cleanly. `idle` blocks are never re-read: nothing is wanted there.
/// `keep` is what the facts keep of macro bodies.
pub(super) fn mend(
    text: &[u8],
    idle: &[Range<usize>],
    facts: &mut Facts,
    wanted: fn(&str) -> bool,
    keep: fn(&str) -> bool,
) -> anyhow::Result<()> {
    for block in column0_blocks(text) {
        let region = head_start(text, block.head_start, block.open)..block.close + 1;
        let is_idle = idle
            .iter()
            .any(|i| i.start <= block.open && block.close <= i.end);
        if is_idle || !lost(text, facts, &region, wanted) {
            continue;
        }
        let mut left_out = vec![0..region.start, region.end..text.len()];
        left_out.extend(idle.iter().cloned());
        // Dead branches are blanked first: the head's directives are
        // read as the kernel leaves them.
        let copy = blank(text, &left_out);
        let mut copy = blank(&copy, &other_heads(&copy, region.start..block.open));
        macro_head(&mut copy, region.start..block.open);
        // The blanked rest of the file is left out of the parse (tree-sitter
        // would lex it space by space, a whole file's length per block).
        let tree = super::parse_c_without(&copy, &[0..region.start, region.end..copy.len()])?;
        let alone = collect_facts(&tree, &copy, keep);
        // A block may hold more than one function (`{ }` on one line in
        // column 0 closes none): each is read as it comes.
        let clean = alone
            .calls
            .iter()
            .filter(|c| wanted(&c.callee))
            .all(|c| !c.in_error && c.function.is_some());
        if !alone.functions.is_empty() && clean {
            replace(facts, &region, alone);
        }
    }
    Ok(())
}

/// Whether the file's parse lost a call of a `wanted` name in `region`:
/// one called there (`name(`) that is no call of a function outside
/// any ERROR node.
fn lost(text: &[u8], facts: &Facts, region: &Range<usize>, wanted: fn(&str) -> bool) -> bool {
    let clean = |at: usize| {
        facts
            .calls
            .iter()
            .any(|c| c.callee_range.start == at && !c.in_error && c.function.is_some())
    };
    let inert = |at: usize| facts.inert.iter().any(|r| r.contains(&at));
    crate::ctext::words_in(&text[region.clone()])
        .map(|(at, word)| (region.start + at, word))
        .any(|(at, word)| {
            wanted(word)
                && crate::ctext::is_call_at(text, at, word.len())
                && !inert(at)
                && !crate::ctext::in_define(text, at)
                && !clean(at)
        })
}

/// A head written twice under `#if … #else … #endif` (a signature that
/// changed between kernels) has one read: the first branch a dead one
/// (blanked already in `copy`) does not leave empty; the directives and
/// the other branches are left out.
fn other_heads(copy: &[u8], head: Range<usize>) -> Vec<Range<usize>> {
    let mut left_out = Vec::new();
    // For each `#if` open in the head: its branches' contents so far.
    let mut open: Vec<Vec<Range<usize>>> = Vec::new();
    let mut at = head.start;
    while at < head.end {
        let end = memchr::memchr(b'\n', &copy[at..head.end]).map_or(head.end, |i| at + i + 1);
        let line = copy[at..end].trim_ascii_start();
        let directive = line.strip_prefix(b"#").map(|d| d.trim_ascii_start());
        let Some(d) = directive else {
            at = end;
            continue;
        };
        left_out.push(at..end);
        if let Some(branch) = open.last_mut().and_then(|b| b.last_mut()) {
            branch.end = at;
        }
        if d.starts_with(b"if") {
            open.push(std::iter::once(end..end).collect());
        } else if d.starts_with(b"el") {
            if let Some(branches) = open.last_mut() {
                branches.push(end..end);
            }
        } else if d.starts_with(b"endif") {
            let branches = open.pop().unwrap_or_default();
            let live = branches
                .iter()
                .position(|b| !copy[b.clone()].iter().all(u8::is_ascii_whitespace));
            let others = branches.into_iter().enumerate();
            left_out.extend(others.filter(|(i, _)| Some(*i) != live).map(|(_, b)| b));
        }
        at = end;
    }
    // An `#if` still open wraps the whole function: its `#endif` is past
    // the block, left out with the rest of the file.
    left_out
}

/// A head that is only a macro given the function's name
/// (`DAHDI_IRQ_HANDLER(foo_interrupt)`, a vendor's way to write an
/// interrupt handler's signature) made `int foo_interrupt()` in the copy,
/// padded with spaces to the same length: the grammar reads a function.
fn macro_head(copy: &mut [u8], head: Range<usize>) {
    let text = &copy[head.clone()];
    let lead = text.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let trail = text
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    if lead + trail >= text.len() {
        return;
    }
    let written = &text[lead..text.len() - trail];
    let Some(open) = written.iter().position(|b| *b == b'(') else {
        return;
    };
    let (macro_name, rest) = written.split_at(open);
    let is_macro = !macro_name.is_empty()
        && macro_name
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_');
    let name = rest[1..].strip_suffix(b")").map(|n| n.trim_ascii());
    let Some(name) =
        name.filter(|n| !n.is_empty() && n.iter().all(|b| crate::ctext::is_word_byte(*b)))
    else {
        return;
    };
    if !is_macro {
        return;
    }
    let mut head_text = format!("int {}()", String::from_utf8_lossy(name)).into_bytes();
    let len = written.len();
    head_text.resize(len, b' ');
    let at = head.start + lead;
    copy[at..at + len].copy_from_slice(&head_text);
}

/// Where a block's head starts: past the `;` or `}` before it, and past a
/// comment that `;` or `}` sat in (its `*/` closes nothing in the head).
fn head_start(text: &[u8], start: usize, open: usize) -> usize {
    let head = &text[start..open];
    let closes = memchr::memmem::rfind(head, b"*/");
    let opens = memchr::memmem::rfind(head, b"/*");
    match (closes, opens) {
        (Some(close), None) => start + close + 2,
        (Some(close), Some(open_at)) if open_at > close => start + close + 2,
        _ => start,
    }
}

/// `facts` with the functions and calls of `region` those of `alone`;
/// functions stay in order and calls point at them.
fn replace(facts: &mut Facts, region: &Range<usize>, alone: Facts) {
    #[derive(PartialEq)]
    enum Origin {
        Kept(usize),
        Alone(usize),
    }
    let inside = |r: &Range<usize>| region.start <= r.start && r.end <= region.end;
    let kept = facts.functions.drain(..).enumerate();
    let mut functions: Vec<(Origin, _)> = kept
        .filter(|(_, f)| !inside(&f.range))
        .map(|(i, f)| (Origin::Kept(i), f))
        .chain(
            alone
                .functions
                .into_iter()
                .enumerate()
                .map(|(j, f)| (Origin::Alone(j), f)),
        )
        .collect();
    functions.sort_by_key(|(_, f)| f.range.start);
    let index_of = |origin: Origin| functions.iter().position(|(o, _)| *o == origin);
    let mut calls: Vec<_> = facts
        .calls
        .drain(..)
        .filter(|c| !inside(&c.range))
        .map(|mut c| {
            c.function = c.function.and_then(|i| index_of(Origin::Kept(i)));
            c
        })
        .collect();
    calls.extend(
        alone
            .calls
            .into_iter()
            .filter(|c| inside(&c.range))
            .map(|mut c| {
                c.function = c.function.and_then(|j| index_of(Origin::Alone(j)));
                c
            }),
    );
    calls.sort_by_key(|c| c.range.start);
    facts.calls = calls;
    facts.functions = functions.into_iter().map(|(_, f)| f).collect();
}

#[cfg(test)]
mod tests {
    use crate::parse::SourceFile;

    /// Whether every `schedule_work` call of `src` is read as a call in a
    /// function, outside any ERROR node, in a parse for Linux 6.12.
    fn all_read(src: &str) -> bool {
        let file = SourceFile::parse_for_version(
            "t.c".into(),
            src.as_bytes().to_vec(),
            |_| true,
            Some((6 << 16) + (12 << 8)),
        )
        .unwrap();
        let wanted = memchr::memmem::find_iter(src.as_bytes(), b"schedule_work(").count();
        let read = file
            .facts
            .calls
            .iter()
            .filter(|c| c.callee == "schedule_work" && !c.in_error && c.function.is_some())
            .count();
        read == wanted
    }

    #[test]
    fn a_head_written_twice_under_if_is_read_once() {
        let src = "static int x;\n\n/* handler */\nstatic irqreturn_t\n\
            #if LINUX_VERSION_CODE < KERNEL_VERSION(2, 6, 20)\n\
            foo_isr(int irq, void *dev_id, struct pt_regs *regs)\n#else\n\
            foo_isr(int irq, void *dev_id)\n#endif\n{\n\
            \tschedule_work(&foo_work);\n\treturn IRQ_HANDLED;\n}\n";
        assert!(all_read(src));
    }

    #[test]
    fn a_head_under_an_undecided_if_is_read_as_its_first_branch() {
        let src = "static int x;\n\n#if FOO_HANG_TIMER\n#if FOO_NEW_TIMER\n\
            static void foo_timer(struct timer_list *t)\n#else\n\
            static void foo_timer(unsigned long data)\n#endif\n{\n\
            \tschedule_work(&foo_work);\n}\n#endif\n";
        assert!(all_read(src));
    }

    #[test]
    fn a_head_that_is_a_macro_of_the_name_is_read_as_a_function() {
        let src = "static int x;\n\nFOO_IRQ_HANDLER(foo_interrupt)\n{\n\
            \tschedule_work(&foo_work);\n\treturn IRQ_HANDLED;\n}\n";
        assert!(all_read(src));
    }

    #[test]
    fn a_block_that_runs_over_two_functions_reads_both() {
        // `{ }` in column 0 closes no column-0 block: the one found runs
        // from foo_stub's head to foo_auth's end. The file's parse is made
        // to have lost the call, as a vendor file's ERROR does.
        let src = b"static void foo_stub(void)\n{ }\n\nstatic v_VOID_t\nfoo_auth(int state)\n{\n\
            \tschedule_work(&foo_work);\n}\n";
        let tree = crate::parse::parse_c(src).unwrap();
        let keep = crate::wq::is_macro_word;
        let mut facts = super::collect_facts(&tree, src, keep);
        facts.calls.iter_mut().for_each(|c| c.in_error = true);
        let wanted = |w: &str| crate::wq::api(w).is_some();
        super::mend(src, &[], &mut facts, wanted, keep).unwrap();
        let call = facts
            .calls
            .iter()
            .find(|c| c.callee == "schedule_work")
            .unwrap();
        assert!(!call.in_error);
        let function = &facts.functions[call.function.unwrap()];
        assert_eq!(function.name, "foo_auth");
    }

    #[test]
    fn a_function_the_file_parse_reads_is_left_as_it_is() {
        let src = "static void foo(void)\n{\n\tschedule_work(&foo_work);\n}\n";
        assert!(all_read(src));
    }
}
