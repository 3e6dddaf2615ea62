//! Step 1: declare the workqueue. One file: `static` after the includes.
//! Several files: defined beside the init function and declared `extern` in
//! the private header that every other user includes.

use super::refuse;
use crate::ctext::conditional_step;
use crate::edit::Edit;
use crate::load::Unit;
use crate::parse::SourceFile;
use crate::refusal::{Refusal, RefusalKind};
use std::collections::BTreeSet;

/// `users` are the indexes of the files that name the workqueue.
pub fn declare(
    unit: &Unit,
    home: usize,
    users: &BTreeSet<usize>,
    wq: &str,
) -> Result<Vec<(usize, Edit)>, Refusal> {
    let declared_at = first_use(unit, home, wq);
    let others: Vec<usize> = users
        .iter()
        .copied()
        .filter(|&f| f != home && !included_after(unit, home, f, declared_at))
        .collect();
    if others.is_empty() {
        let decl = format!("static struct workqueue_struct *{wq};");
        return Ok(vec![(
            home,
            definition(&unit.files[home], &decl, first_use(unit, home, wq))?,
        )]);
    }
    let header =
        shared_header(unit, &others).ok_or_else(|| no_shared_header(unit, home, &others))?;
    let decl = format!("struct workqueue_struct *{wq};");
    Ok(vec![
        (
            home,
            definition(&unit.files[home], &decl, first_use(unit, home, wq))?,
        ),
        (
            header,
            extern_in_header(&unit.files[header], wq, users.contains(&header)),
        ),
    ])
}

/// Whether `home` #includes the `.c` file `file` after `offset` (a
/// selftest built at the end of the file it tests): the two are one
/// translation unit, and a `static` declared before serves both.
fn included_after(unit: &Unit, home: usize, file: usize, offset: usize) -> bool {
    let included = &unit.files[file];
    if unit.is_header(file) || !unit.includes[home].contains(&file) {
        return false;
    }
    let name = included
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    unit.files[home].facts.includes.iter().any(|include| {
        include.range.start > offset
            && std::path::Path::new(&include.path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                == name
    })
}

/// The earliest offset in `file` that must see the declaration.
pub(super) fn first_use(unit: &Unit, file: usize, _wq: &str) -> usize {
    unit.files[file]
        .facts
        .functions
        .first()
        .map_or(unit.files[file].text.len(), |f| f.range.start)
}

/// Beside the file's own workqueue variables (ib_core's `ib_comp_wq`,
/// isert's `isert_release_wq`) when it has some before `first_use`,
/// else after the last top-level `#include`, followed by a blank line.
pub(super) fn definition(file: &SourceFile, decl: &str, first_use: usize) -> Result<Edit, Refusal> {
    if let Some(at) = after_own_workqueues(&file.text[..first_use.min(file.text.len())]) {
        return Ok(Edit::insert(at, format!("{decl}\n"), "declare"));
    }
    let last_include = file
        .facts
        .includes
        .iter()
        .filter(|i| i.top_level && i.range.end <= first_use)
        .map(|i| i.range.end)
        .max();
    if let Some(at) = last_include.and_then(|from| after_own_statics(file, from, first_use)) {
        return Ok(Edit::insert(at, format!("{decl}\n"), "declare"));
    }
    let Some(at) = last_include else {
        return Err(refuse(
            file,
            0,
            RefusalKind::NoIncludeBeforeCode,
            "no #include before the first function to declare the workqueue after",
        ));
    };
    // The include's range runs to the end of its line, or of the comment
    // that follows it and goes on over more lines: the declaration goes at
    // the start of the next line, which must be a line of its own.
    let at = super::layout::next_line_start(&file.text, at.saturating_sub(1));
    if !super::layout::starts_own_line(&file.text, at) {
        return Err(refuse(
            file,
            at,
            RefusalKind::NoIncludeBeforeCode,
            "the line after the last #include before the first function goes on from \
             it (a comment or a continued line): no line start to declare the \
             workqueue at",
        ));
    }
    Ok(Edit::insert(at, format!("\n{decl}\n"), "declare"))
}

/// The line start after the last workqueue variable declared at column 0
/// outside any `#if` in `text`, and after the `EXPORT_SYMBOL*()` lines
/// that follow it.
fn after_own_workqueues(text: &[u8]) -> Option<usize> {
    let mut found = None;
    let mut exports_follow = false;
    for (_, end, body) in top_level_lines(text) {
        let declares = (body.starts_with(b"static struct workqueue_struct *")
            || body.starts_with(b"struct workqueue_struct *"))
            && body.ends_with(b";")
            && !body.contains(&b'(')
            && !body.contains(&b'=');
        if declares {
            found = Some(end);
            exports_follow = true;
        } else if exports_follow && body.starts_with(b"EXPORT_SYMBOL") {
            found = Some(end);
        } else {
            exports_follow = false;
        }
    }
    found
}

/// The whole lines of `text` outside any `#if`: (start, end, the line
/// without its line end).
fn top_level_lines(text: &[u8]) -> impl Iterator<Item = (usize, usize, &[u8])> {
    let mut start = 0;
    let mut depth = 0;
    text.split_inclusive(|&b| b == b'\n')
        .filter_map(move |line| {
            let (line_start, end) = (start, start + line.len());
            let body = line.trim_ascii_end();
            let outside = depth == 0 && line.ends_with(b"\n");
            depth = conditional_step(depth, body);
            start = end;
            outside.then_some((line_start, end, body))
        })
}

/// The line start after the file's last group of one-line `static`
/// variables between `from` (its last include) and `to` (its first
/// function): rnbd's `static LIST_HEAD(sess_list);`, where upstream puts
/// a file's workqueue. The group must end at a blank line, so that the
/// declaration never parts a variable from the `module_param()` or
/// comment under it, and each line must start a top-level declaration
/// outside any `#if`, so that nothing in a comment or an initializer
/// counts.
fn after_own_statics(file: &SourceFile, from: usize, to: usize) -> Option<usize> {
    let tree = file.full_tree().ok()?;
    let root = tree.root_node();
    let text = &file.text[..to.min(file.text.len())];
    let mut group_end = None;
    let mut found = None;
    for (start, end, body) in top_level_lines(text).filter(|(start, ..)| *start >= from) {
        if one_line_static(body) && starts_top_level(root, start) {
            group_end = Some(end);
        } else {
            if body.is_empty() {
                found = group_end.or(found);
            }
            group_end = None;
        }
    }
    found
}

/// `static int major;`, `static DEFINE_MUTEX(lock);`: a variable, not a
/// prototype (`static void f(int);`) nor the head of an initializer.
fn one_line_static(body: &[u8]) -> bool {
    let Some(rest) = body.strip_prefix(b"static ") else {
        return false;
    };
    if !body.ends_with(b";") {
        return false;
    }
    match rest.iter().position(|&b| b == b'(') {
        None => true,
        // Only a macro that defines a variable: every word before the
        // parenthesis in capitals (`DEFINE_IDA(`, `LIST_HEAD(`).
        Some(open) => {
            let head = rest[..open].trim_ascii();
            !head.is_empty()
                && head
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        }
    }
}

/// Whether a top-level node of the file starts at `at`.
fn starts_top_level(root: tree_sitter::Node, at: usize) -> bool {
    let mut cursor = root.walk();
    let starts = root
        .named_children(&mut cursor)
        .any(|n| n.start_byte() == at && n.kind() != "comment");
    starts
}

/// A header of the module that every file in `users` includes, directly
/// or through another of its headers. A header other modules include too
/// is fine: an `extern` declaration changes nothing for them. Of several,
/// the one where the module declares its other globals (most `extern`
/// variables, qla2xxx's qla_gbl.h), else the first.
pub(super) fn shared_header(unit: &Unit, users: &[usize]) -> Option<usize> {
    let reach: Vec<BTreeSet<usize>> = users.iter().map(|&u| reached(unit, u)).collect();
    let candidates = (0..unit.files.len())
        .filter(|&h| unit.is_header(h))
        .filter(|h| {
            users
                .iter()
                .zip(&reach)
                .all(|(u, reached)| u == h || reached.contains(h))
        });
    // max_by_key keeps the last of equals: compare the negated index too.
    candidates.max_by_key(|&h| (extern_variables(&unit.files[h].text), std::cmp::Reverse(h)))
}

/// The refusal when no header reaches every user: it names the header
/// most of them reach and the files that do not reach it, at the first
/// of those (i915: every user but intel_wakeref.c has i915_drv.h).
fn no_shared_header(unit: &Unit, home: usize, users: &[usize]) -> Refusal {
    let reach: Vec<BTreeSet<usize>> = users.iter().map(|&u| reached(unit, u)).collect();
    let best = (0..unit.files.len())
        .filter(|&h| unit.is_header(h))
        .map(|h| (reach.iter().filter(|r| r.contains(&h)).count(), h))
        .filter(|(count, _)| *count > 0)
        .max_by_key(|&(count, h)| {
            let globals = extern_variables(&unit.files[h].text);
            (count, globals, std::cmp::Reverse(h))
        });
    let listed = |files: &[usize]| {
        let mut names: Vec<String> = files
            .iter()
            .take(3)
            .map(|f| unit.files[*f].path.display().to_string())
            .collect();
        if files.len() > 3 {
            names.push(format!("{} more", files.len() - 3));
        }
        names.join(", ")
    };
    let Some((count, header)) = best else {
        return refuse(
            &unit.files[home],
            0,
            RefusalKind::NoSharedHeader,
            format!(
                "no private header of the module is included by the other files that use \
                 the workqueue ({})",
                listed(users)
            ),
        );
    };
    let lacking: Vec<usize> = users
        .iter()
        .zip(&reach)
        .filter(|(u, r)| **u != header && !r.contains(&header))
        .map(|(u, _)| *u)
        .collect();
    let names = [listed(&lacking)];
    refuse(
        &unit.files[lacking.first().copied().unwrap_or(home)],
        0,
        RefusalKind::NoSharedHeader,
        format!(
            "no private header is included by every file that uses the workqueue: {} \
             reaches {count} of the {} besides {}, not {}",
            unit.files[header].path.display(),
            users.len(),
            unit.files[home].path.display(),
            names.join(", ")
        ),
    )
}

/// The headers `file` reaches, and for a `.c` file that another file of
/// the unit includes (a selftest built inside the file it tests), those
/// its includer reaches too.
fn reached(unit: &Unit, file: usize) -> BTreeSet<usize> {
    let mut headers = unit.headers_reached(file);
    if !unit.is_header(file) {
        for (includer, included) in unit.includes.iter().enumerate() {
            if included.contains(&file) {
                headers.extend(unit.headers_reached(includer));
            }
        }
    }
    headers
}

/// Lines declaring an `extern` variable (not a function) in a header.
fn extern_variables(text: &[u8]) -> usize {
    text.split(|&b| b == b'\n')
        .filter(|line| line.starts_with(b"extern ") && line.ends_with(b";"))
        .filter(|line| !line.contains(&b'('))
        .count()
}

/// The header's declaration of the workqueue `wq`.
fn extern_decl(wq: &str) -> String {
    format!("extern struct workqueue_struct *{wq};\n")
}

/// The `extern` of `wq` in `file`: right after the header's last `extern`
/// workqueue (nvmet.h's `buffered_io_wq`), else its last `extern`
/// variable, where the module declares its globals, else as `in_header`
/// puts it.
pub(super) fn extern_in_header(file: &SourceFile, wq: &str, in_code: bool) -> Edit {
    let decl = extern_decl(wq);
    let guarded = usize::from(guard_endif(file).is_some());
    let text = &file.text;
    let mut start = 0;
    let mut after_last = None;
    let mut after_last_wq = None;
    let mut depth = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let end = start + line.len();
        let body = line.trim_ascii_end();
        let variable =
            body.starts_with(b"extern ") && body.ends_with(b";") && !body.contains(&b'(');
        if variable && line.ends_with(b"\n") && depth == guarded {
            after_last = Some(end);
            if body.starts_with(b"extern struct workqueue_struct *") {
                after_last_wq = Some(end);
            }
        }
        depth = conditional_step(depth, body);
        start = end;
    }
    // Beside the module's other workqueues, if it declares some.
    let after_last = after_last_wq.or(after_last);
    let first_code = file.facts.functions.first().map(|f| f.range.start);
    match after_last.filter(|at| !in_code || first_code.is_none_or(|code| *at <= code)) {
        Some(at) => Edit::insert(at, decl, "declare-extern"),
        None => in_header(file, &decl, in_code),
    }
}

/// `decl` (whole lines) before the include guard's `#endif`, or at the end
/// of the header; when the header's own code uses the workqueue
/// (`in_code`: a `static inline`), above its first function and the
/// comment over it.
pub(super) fn in_header(file: &SourceFile, decl: &str, in_code: bool) -> Edit {
    if let Some(first) = file.facts.functions.first().filter(|_| in_code) {
        let at = above_comment(&file.text, first.range.start);
        return Edit::insert(at, format!("{decl}\n"), "declare-extern");
    }
    match guard_endif(file) {
        Some(at) => Edit::insert(at, format!("{decl}\n"), "declare-extern"),
        None => Edit::insert(file.text.len(), format!("\n{decl}"), "declare-extern"),
    }
}

/// The start of the line of `at`, or of the comment lines right above it.
fn above_comment(text: &[u8], at: usize) -> usize {
    let mut start = super::layout::line_at(text, at).start;
    while start > 0 {
        let above = super::layout::line_at(text, start - 1);
        let line = text[above.clone()].trim_ascii();
        let comment = line.starts_with(b"/*") || line.starts_with(b"*") || line.starts_with(b"//");
        if !comment {
            break;
        }
        start = above.start;
    }
    start
}

/// The offset of the `#endif` closing an include guard: a top-level
/// `#ifndef` that holds every declaration of the file.
fn guard_endif(file: &SourceFile) -> Option<usize> {
    let tree = file.full_tree().ok()?;
    let root = tree.root_node();
    let mut cursor = root.walk();
    let mut code = root
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment");
    let guard = code.next().filter(|n| n.kind() == "preproc_ifdef")?;
    if code.next().is_some() {
        return None;
    }
    let last = guard.child(guard.child_count().checked_sub(1)?)?;
    (last.kind() == "#endif").then(|| last.start_byte())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(file: &SourceFile) -> Result<String, Refusal> {
        let decl = "static struct workqueue_struct *foo_wq;";
        let edit = definition(file, decl, file.text.len())?;
        Ok(String::from_utf8(crate::edit::apply(&file.text, &[edit]).unwrap()).unwrap())
    }

    #[test]
    fn the_declaration_follows_a_comment_that_goes_on_after_the_last_include() {
        let src = "#include <linux/module.h>\n#include \"foo.h\" /* foo_dev,\n\t\t   foo_ops */\nint foo;\n";
        let file = SourceFile::parse("t.c".into(), src.into()).unwrap();
        assert_eq!(
            declared(&file).unwrap(),
            "#include <linux/module.h>\n#include \"foo.h\" /* foo_dev,\n\t\t   foo_ops */\n\
             \nstatic struct workqueue_struct *foo_wq;\nint foo;\n"
        );
    }

    #[test]
    fn a_line_start_inside_a_comment_is_refused() {
        // An include range that stops at the end of its first line, as a
        // range read from the text would, leaves the next line start in
        // the comment.
        let src = "#include \"foo.h\" /* foo_dev,\n\t\t   foo_ops */\nint foo;\n";
        let mut file = SourceFile::parse("t.c".into(), src.into()).unwrap();
        file.facts.includes[0].range.end = src.find('\n').unwrap();
        let refusal = declared(&file).expect_err("refused");
        assert_eq!(
            refusal.kind,
            RefusalKind::NoIncludeBeforeCode,
            "{refusal:?}"
        );
    }
}
