//! From a plan to new file contents: one submodule per step, each returning
//! byte-range edits on the original text. The result is re-parsed: a
//! rewrite that adds tree-sitter errors is refused, never shown.

mod calls;
mod comment;
mod compat;
pub mod counts;
mod declare;
mod driver_macro;
mod exit;
mod helpers;
mod init;
pub mod layout;
mod shared;
mod step0;

use crate::analysis::{hidden, Conversion, Fate, LocalWq, Site, SiteState, Strategy};
use crate::analysis::{home, teardown};
use crate::edit::{self, Edit, FileChange};
use crate::entry::{Entry, Invocation};
use crate::load::Unit;
pub use crate::parse::count_errors;
use crate::parse::{parse_c_without, Function, SourceFile};
use crate::refusal::{Refusal, RefusalKind};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// A refusal at the code at `offset` of `file`.
pub(crate) fn refuse(
    file: &SourceFile,
    offset: usize,
    kind: RefusalKind,
    detail: impl Into<String>,
) -> Refusal {
    Refusal::at(file.path.clone(), file.line_of(offset), kind, detail)
}

/// The new contents of every file the conversion touches, in path order.
pub fn rewrite(
    unit: &Unit,
    sites: &[Site],
    conversion: &Conversion,
) -> Result<Vec<FileChange>, Refusal> {
    let mut edits = match (&conversion.strategy, &conversion.wq) {
        (Strategy::FlushWork(replacements), _) => step0::flush_items(unit, sites, replacements)?,
        (Strategy::RemoveFlush { .. }, _) => step0::remove_flushes(unit, sites)?,
        (Strategy::Shared(shared), Some(wq)) => shared::owner(unit, sites, wq, shared)?,
        (Strategy::Shared(shared), None) => shared::member(unit, sites, shared)?,
        (_, Some(wq)) => local_wq(unit, sites, wq)?,
        (_, None) => unreachable!("analysis names the workqueue of a local-wq conversion"),
    };
    for (file, edit) in redefinitions_removed(unit, sites) {
        edits.entry(file).or_default().push(edit);
    }
    let needed = compat::needed(unit, &edits);
    // First among edits at the same offset: the block reads before a
    // declaration put after the same #include.
    for (file, edit) in compat::c_blocks(unit, &needed, &edits)? {
        edits.entry(file).or_default().insert(0, edit);
    }
    let kbuild = compat::kbuild_change(unit, &needed)?;
    let mut changes = edits
        .into_iter()
        .map(|(index, file_edits)| apply_checked(&unit.files[index], file_edits))
        .collect::<Result<Vec<_>, _>>()?;
    changes.extend(kbuild);
    edit::sort_in_git_order(&mut changes);
    Ok(changes)
}

/// The redefinitions of checked flush macros that hid only flushes this
/// conversion rewrites, and that nothing outside the module expands:
/// deleted with the lines that exist only for them (`hidden::fate`).
fn redefinitions_removed(unit: &Unit, sites: &[Site]) -> Vec<(usize, Edit)> {
    hidden::hiding(sites)
        .into_iter()
        .filter_map(|redef| match hidden::fate(unit, sites, redef) {
            Fate::Removed(span) => Some((redef.file, Edit::replace(span, "", "redefinition"))),
            _ => None,
        })
        .collect()
}

/// Steps 1–5.
fn local_wq(
    unit: &Unit,
    sites: &[Site],
    wq: &LocalWq,
) -> Result<BTreeMap<usize, Vec<Edit>>, Refusal> {
    let mut edits: BTreeMap<usize, Vec<Edit>> = BTreeMap::new();
    let (home, absorbed) = entry_edits(unit, sites, wq, &mut edits)?;
    let kept = without(sites, absorbed);
    let mut users = retarget_all(unit, &kept, &wq.name, &mut edits);
    users.insert(home);
    for (file, edit) in declare::declare(unit, home, &users, &wq.name)? {
        edits.entry(file).or_default().push(edit);
    }
    Ok(edits)
}

/// A call: its file's index and byte range.
type Located = (usize, Range<usize>);

/// The sites but the flush (file, call range) the destroy took the place
/// of: it is not retargeted.
fn without(sites: &[Site], absorbed: Option<Located>) -> Vec<Site> {
    sites
        .iter()
        .filter(|s| absorbed.as_ref() != Some(&(s.file, s.range.clone())))
        .cloned()
        .collect()
}

/// Steps 4 and 5: every converted call onto `wq`; returns the files
/// that now name it.
fn retarget_all(
    unit: &Unit,
    sites: &[Site],
    wq: &str,
    edits: &mut BTreeMap<usize, Vec<Edit>>,
) -> BTreeSet<usize> {
    let mut users = BTreeSet::new();
    // Two calls on one item quote alike: one edit per comment range.
    let mut comment_edits: BTreeMap<(usize, usize), Edit> = BTreeMap::new();
    for site in sites.iter().filter(|s| s.state == SiteState::Convert) {
        let file = &unit.files[site.file];
        edits
            .entry(site.file)
            .or_default()
            .extend(calls::retarget(&file.text, site, wq));
        for edit in calls::quoted_in_comments(&file.text, &file.facts.inert, site, wq) {
            comment_edits.insert((site.file, edit.range.start), edit);
        }
        users.insert(site.file);
    }
    // A comment is only text: where another edit touches it, that edit
    // wins and the comment stays as it was.
    for ((file, _), edit) in comment_edits {
        let in_file = edits.entry(file).or_default();
        let overlaps = in_file.iter().any(|e| {
            e.range.start < edit.range.end && edit.range.start < e.range.end.max(e.range.start + 1)
        });
        if !overlaps {
            in_file.push(edit);
        }
    }
    users
}

/// Steps 2 and 3; returns the index of the file holding the init, and the
/// flush (file, call range) the destroy replaced, if it replaced one.
fn entry_edits(
    unit: &Unit,
    sites: &[Site],
    wq: &LocalWq,
    edits: &mut BTreeMap<usize, Vec<Edit>>,
) -> Result<(usize, Option<Located>), Refusal> {
    match &unit.entry {
        Entry::Explicit {
            init: Some(init),
            exit,
        } => {
            let (mut file, mut func) = defined(unit, init, "init")?;
            let mut exit = match exit {
                Some(exit) => Some(defined(unit, exit, "exit")?),
                None => None,
            };
            // A file's own init/exit helpers, when it alone uses the queue;
            // new ones there when it has none.
            let home = home::home(unit, sites);
            let mut new_helpers = None;
            if let Some(home) = &home {
                if home.helpers {
                    (file, func) = home.init;
                    exit = home.exit;
                }
                if let Some(owner) = home.new_helpers_in {
                    let named = helpers::named(unit, owner, wq)?;
                    for (at, edit) in helpers::edits(unit, owner, file, wq, &named)? {
                        edits.entry(at).or_default().push(edit);
                    }
                    new_helpers = Some((owner, named));
                }
            }
            let called = new_helpers.as_ref().map(|(_, h)| h);
            // Undo steps of init's ladder that still use the workqueue
            // must run before its destroy.
            let users = crate::analysis::calls::reaching_converted(unit, sites);
            let alloc = allocate_in(&unit.files[file], func, wq, called, &users)?;
            edits.entry(file).or_default().extend(alloc);
            let release = match called {
                Some(helpers) => format!("{}()", helpers.destroy),
                None => format!("destroy_workqueue({})", wq.name),
            };
            let mut absorbed = None;
            if let Some((exit_file, exit_func)) = exit {
                let teardown = teardown::in_unit(unit, sites, exit_file, exit_func);
                if let Some(flush) = teardown.as_ref().and_then(|t| t.absorbed()) {
                    absorbed = Some((exit_file, flush));
                }
                let destroy = exit::destroy(
                    &unit.files[exit_file],
                    exit_func,
                    &release,
                    teardown.as_ref(),
                )?;
                edits.entry(exit_file).or_default().extend(destroy);
            }
            // With new helpers the workqueue lives in their file.
            let home = new_helpers.map_or(file, |(owner, _)| owner);
            Ok((home, absorbed))
        }
        Entry::DriverMacro {
            invocation,
            pair: Some(pair),
        } => {
            let edit = driver_macro::expand(unit, invocation, pair, wq)?;
            edits.entry(invocation.file).or_default().push(edit);
            Ok((invocation.file, None))
        }
        _ => unreachable!("analysis refuses modules without a usable entry"),
    }
}

/// Step 2 in `func` of `file`. A helper that names no workqueue was left
/// out of the focused parse (load): its file is parsed whole for it (the
/// same bytes, so the edits' offsets hold).
fn allocate_in(
    file: &SourceFile,
    func: &Function,
    wq: &LocalWq,
    helpers: Option<&init::Helpers>,
    users: &std::collections::BTreeSet<String>,
) -> Result<Vec<Edit>, Refusal> {
    let idle = file
        .idle
        .iter()
        .any(|b| b.start < func.body.end && b.end > func.body.start);
    if !idle {
        return init::allocate(file, func, wq, helpers, users);
    }
    let whole = SourceFile::parse(file.path.clone(), file.text.clone()).map_err(|e| {
        refuse(
            file,
            func.body.start,
            RefusalKind::ParserFailed,
            e.to_string(),
        )
    })?;
    let (_, func) = whole
        .function(&func.name)
        .ok_or_else(|| refuse(file, func.body.start, RefusalKind::InitLayout, "no body"))?;
    init::allocate(&whole, func, wq, helpers, users)
}

/// The definition of the function an entry macro names; `role` is which
/// entry point it is ("init", "exit") for the refusal. A missing exit is
/// refused with `InitNotDefined` too: one kind for an entry function that
/// is not in the module, the detail saying which.
fn defined<'u>(
    unit: &'u Unit,
    invocation: &Invocation,
    role: &str,
) -> Result<(usize, &'u Function), Refusal> {
    let name = invocation.args.first().map(String::as_str).unwrap_or("");
    unit.files
        .iter()
        .enumerate()
        .find_map(|(index, file)| file.function(name).map(|(_, f)| (index, f)))
        .ok_or_else(|| {
            refuse(
                &unit.files[invocation.file],
                invocation.range.start,
                RefusalKind::InitNotDefined,
                format!(
                    "the {role} function {name}() named by {}() is not defined in the \
                     module's files",
                    invocation.macro_name
                ),
            )
        })
}

fn apply_checked(file: &SourceFile, edits: Vec<Edit>) -> Result<FileChange, Refusal> {
    let edits = match layout::uses_crlf(&file.text) {
        true => edits
            .into_iter()
            .map(|e| crlf_edit(&file.text, e))
            .collect(),
        false => edits,
    };
    let idle_after = shifted(&file.idle, &edits);
    let after = edit::apply(&file.text, &edits)
        .map_err(|e| refuse(file, 0, RefusalKind::OverlappingEdits, e.to_string()))?;
    // Compare like with like: both sides parsed with the same blocks left
    // out, or both whole when the file was skimmed or an edit reaches
    // into a left-out block.
    let focused = match idle_after {
        Some(idle_after) if file.parsed => Some(idle_after),
        _ => None,
    };
    let errors = match &focused {
        // The load's parse was this one: its count is in the facts.
        Some(idle_after) => counts::count(&after, idle_after)
            .map(|errors_after| (file.facts.error_count, errors_after))
            .map_err(anyhow::Error::msg),
        None => whole_errors(file, &edits, &after),
    };
    no_errors_added(file, errors)?;
    // A block left out that does not stand alone (an unbalanced brace in
    // it) can hide what an edit does to the code around it, and so can a
    // file that already has parse errors (where they recover differs with
    // what is left out): then the whole texts must agree too. The ERROR a
    // function attribute leaves in a definition's head (`__init`, in most
    // module files) is not counted: the grammar takes the head's next
    // words as it would without it, whatever is left out elsewhere.
    if focused.is_some()
        && (file.facts.error_count > 0
            || !file
                .idle
                .iter()
                .all(|b| stands_alone(&file.text[b.clone()])))
    {
        no_errors_added(file, whole_errors(file, &edits, &after))?;
    }
    Ok(FileChange {
        path: file.path.clone(),
        before: file.text.clone(),
        after,
    })
}

/// Whether a block's text closes all it opens: braces, comments and
/// conditional compilation (counted in the raw text, so a brace in a
/// string counts too: the safe side).
fn stands_alone(block: &[u8]) -> bool {
    let count = |needle: &[u8]| memchr::memmem::find_iter(block, needle).count();
    let conditionals = count(b"#if") + count(b"# if");
    let ends = count(b"#endif") + count(b"# endif");
    count(b"{") == count(b"}") && count(b"/*") == count(b"*/") && conditionals == ends
}

/// The errors of the whole texts before and after `edits`. The text after
/// is parsed by reparsing the one before (`reparse_whole`), which reuses
/// all the edits leave alone; the trees are dropped once counted (a whole
/// parse of a big file, mpt3sas's 340 KB, takes megabytes). A count made
/// once is kept (`counts`), for a second rewrite of the file or run.
fn whole_errors(file: &SourceFile, edits: &[Edit], after: &[u8]) -> anyhow::Result<(usize, usize)> {
    // A file parsed with nothing left out was parsed whole by the load.
    let loaded_whole = file.parsed && file.idle.is_empty();
    let before = match loaded_whole {
        true => Some(Ok(file.facts.error_count)),
        false => counts::known(&file.text, &[]),
    };
    if let (Some(before), Some(after)) = (&before, counts::known(after, &[])) {
        return Ok((
            before.clone().map_err(anyhow::Error::msg)?,
            after.map_err(anyhow::Error::msg)?,
        ));
    }
    let tree = match loaded_whole {
        true => file.tree().clone(),
        false => parse_c_without(&file.text, &[])?,
    };
    let before = count_errors(tree.root_node());
    counts::keep(&file.text, &[], Ok(before));
    let mut changes: Vec<(Range<usize>, usize)> = edits
        .iter()
        .map(|e| (e.range.clone(), e.text.len()))
        .collect();
    changes.sort_by_key(|(range, _)| range.start);
    let reparsed = crate::parse::reparse_whole(&file.text, &tree, after, &changes)
        .unwrap_or_else(|| parse_c_without(after, &[]))?;
    let errors_after = count_errors(reparsed.root_node());
    counts::keep(after, &[], Ok(errors_after));
    Ok((before, errors_after))
}

/// Refuses a rewrite whose text has more errors than the original's.
fn no_errors_added(
    file: &SourceFile,
    errors: anyhow::Result<(usize, usize)>,
) -> Result<(), Refusal> {
    let (errors_before, errors_after) =
        errors.map_err(|e| refuse(file, 0, RefusalKind::ParserFailed, e.to_string()))?;
    if errors_after > errors_before {
        return Err(refuse(
            file,
            0,
            RefusalKind::ParseErrorsAdded,
            format!("the rewrite would add parse errors ({errors_before} → {errors_after})"),
        ));
    }
    Ok(())
}

/// An edit made for LF text, fitted to a CRLF file: its new lines end in
/// CRLF, and an insertion between a `\r` and its `\n` moves before the
/// `\r` (so the line it ends keeps its CRLF).
fn crlf_edit(text: &[u8], mut edit: Edit) -> Edit {
    let mut fitted = String::with_capacity(edit.text.len());
    let mut last = '\0';
    for c in edit.text.chars() {
        if c == '\n' && last != '\r' {
            fitted.push('\r');
        }
        fitted.push(c);
        last = c;
    }
    edit.text = fitted;
    let at = edit.range.start;
    let splits_crlf = at > 0 && text.get(at - 1) == Some(&b'\r') && text.get(at) == Some(&b'\n');
    if edit.range.is_empty() && splits_crlf {
        edit.range = at - 1..at - 1;
    }
    edit
}

/// The idle blocks of a file, moved to where they are after `edits`;
/// None when an edit touches one.
fn shifted(idle: &[Range<usize>], edits: &[Edit]) -> Option<Vec<Range<usize>>> {
    idle.iter()
        .map(|block| {
            let touches = edits
                .iter()
                .any(|e| e.range.start <= block.end && e.range.end >= block.start);
            let delta: isize = edits
                .iter()
                .filter(|e| e.range.end < block.start)
                .map(|e| e.text.len() as isize - e.range.len() as isize)
                .sum();
            let moved = |at: usize| at.checked_add_signed(delta);
            (!touches).then(|| Some(moved(block.start)?..moved(block.end)?))?
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "static int busy(void)\n{\n\treturn 1;\n}\n\n\
        static void kick(void)\n{\n\tschedule_work(&w);\n}\n";

    fn focused() -> SourceFile {
        let wanted = |block: &[u8]| crate::parse::worth_parsing(block, &[]);
        SourceFile::parse_focused("t.c".into(), SRC.into(), wanted).unwrap()
    }

    fn at(text: &str) -> usize {
        SRC.find(text).unwrap()
    }

    #[test]
    fn idle_blocks_follow_the_edits_before_them() {
        let file = focused();
        let before = file.idle[0].clone();
        let later = Edit::insert(at("schedule_work"), "x", "t");
        assert_eq!(shifted(&file.idle, &[later]), Some(vec![before.clone()]));
        let earlier = Edit::insert(0, "/* 12 */\n", "t");
        let moved = before.start + 9..before.end + 9;
        assert_eq!(shifted(&file.idle, &[earlier]), Some(vec![moved]));
        let inside = Edit::replace(at("1;")..at("1;") + 1, "2", "t");
        assert_eq!(shifted(&file.idle, &[inside]), None);
    }

    #[test]
    fn an_edit_that_breaks_a_parsed_function_is_refused() {
        let file = focused();
        let bad = Edit::replace(at("&w);")..at("&w);") + 4, "&w;", "t");
        let refusal = apply_checked(&file, vec![bad]).err().expect("refused");
        assert_eq!(refusal.kind, RefusalKind::ParseErrorsAdded, "{refusal}");
        let good = Edit::replace(at("schedule_work")..at("(&w)"), "queue_work", "t");
        assert!(apply_checked(&file, vec![good]).is_ok());
    }

    #[test]
    fn an_edit_inside_an_idle_block_is_checked_on_the_whole_file() {
        let file = focused();
        let bad = Edit::replace(at("1;")..at("1;") + 2, "1", "t");
        assert!(apply_checked(&file, vec![bad]).is_err());
    }
}
