//! Step 1: declare the workqueue. One file: `static` after the includes.
//! Several files: defined beside the init function and declared `extern` in
//! the private header that every other user includes.

use super::refuse;
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
    let others: Vec<usize> = users.iter().copied().filter(|f| *f != home).collect();
    if others.is_empty() {
        let decl = format!("static struct workqueue_struct *{wq};");
        return Ok(vec![(
            home,
            definition(&unit.files[home], &decl, first_use(unit, home, wq))?,
        )]);
    }
    let header = shared_header(unit, &others).ok_or_else(|| {
        let mut names: Vec<String> = others
            .iter()
            .take(3)
            .map(|f| unit.files[*f].path.display().to_string())
            .collect();
        if others.len() > 3 {
            names.push(format!("{} more", others.len() - 3));
        }
        refuse(
            &unit.files[home],
            0,
            RefusalKind::NoSharedHeader,
            format!(
                "no private header is included by every file that uses the workqueue ({})",
                names.join(", ")
            ),
        )
    })?;
    let decl = format!("struct workqueue_struct *{wq};");
    Ok(vec![
        (
            home,
            definition(&unit.files[home], &decl, first_use(unit, home, wq))?,
        ),
        (header, extern_in_header(&unit.files[header], wq)),
    ])
}

/// The earliest offset in `file` that must see the declaration.
fn first_use(unit: &Unit, file: usize, _wq: &str) -> usize {
    unit.files[file]
        .facts
        .functions
        .first()
        .map_or(unit.files[file].text.len(), |f| f.range.start)
}

/// After the last top-level `#include`, followed by a blank line.
fn definition(file: &SourceFile, decl: &str, first_use: usize) -> Result<Edit, Refusal> {
    let last_include = file
        .facts
        .includes
        .iter()
        .filter(|i| i.top_level && i.range.end <= first_use)
        .map(|i| i.range.end)
        .max();
    let Some(at) = last_include else {
        return Err(refuse(
            file,
            0,
            RefusalKind::NoIncludeBeforeCode,
            "no #include before the first function to declare the workqueue after",
        ));
    };
    let at = super::layout::next_line_start(&file.text, at.saturating_sub(1));
    Ok(Edit::insert(at, format!("\n{decl}\n"), "declare"))
}

/// A header of the module that every file in `users` includes, directly
/// or through another of its headers. A header other modules include too
/// is fine: an `extern` declaration changes nothing for them.
fn shared_header(unit: &Unit, users: &[usize]) -> Option<usize> {
    let reach: Vec<BTreeSet<usize>> = users.iter().map(|&u| reachable(unit, u)).collect();
    (0..unit.files.len())
        .filter(|&h| unit.is_header(h))
        .find(|h| {
            users
                .iter()
                .zip(&reach)
                .all(|(u, reached)| u == h || reached.contains(h))
        })
}

/// The module's headers that `file` includes, transitively.
fn reachable(unit: &Unit, file: usize) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut pending = vec![file];
    while let Some(current) = pending.pop() {
        for &header in &unit.includes[current] {
            if seen.insert(header) {
                pending.push(header);
            }
        }
    }
    seen
}

/// Before the include guard's `#endif`, or at the end of the header.
fn extern_in_header(file: &SourceFile, wq: &str) -> Edit {
    let decl = format!("extern struct workqueue_struct *{wq};\n");
    match guard_endif(file) {
        Some(at) => Edit::insert(at, format!("{decl}\n"), "declare-extern"),
        None => Edit::insert(file.text.len(), format!("\n{decl}"), "declare-extern"),
    }
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
