//! A patch across modules: the owner allocates the shared workqueue
//! (Steps 1–4, and what the others need of it: an export and an `extern`,
//! or a flush helper), and each member moves its calls onto it.

use super::step0::each_flush;
use super::{declare, entry_edits, init, layout, refuse, retarget_all, without};
use crate::analysis::{LocalWq, SharedKind, SharedWq, Site};
use crate::ctext::{has_word, matching_paren};
use crate::edit::Edit;
use crate::entry::Entry;
use crate::load::Unit;
use crate::parse::SourceFile;
use crate::refusal::{Refusal, RefusalKind};
use std::collections::BTreeMap;

type FileEdits = BTreeMap<usize, Vec<Edit>>;

/// The owner's edits: its queueing calls moved onto `wq`, the allocation
/// in its init (one written when it has none), the destroy in its exit,
/// the declaration, and the export or the flush helper.
pub fn owner(
    unit: &Unit,
    sites: &[Site],
    wq: &LocalWq,
    shared: &SharedWq,
) -> Result<FileEdits, Refusal> {
    let mut edits = FileEdits::new();
    let header = file_named(unit, shared.header())?;
    let (home, absorbed) = match (&unit.entry, &shared.kind) {
        (
            Entry::None,
            SharedKind::Provider {
                provider,
                new_entry: Some(names),
                ..
            },
        ) => {
            let home = defining(unit, provider)?;
            edits
                .entry(home)
                .or_default()
                .push(new_entry(&unit.files[home], wq, names)?);
            (home, None)
        }
        _ => entry_edits(unit, sites, wq, &mut edits)?,
    };
    let kept = without(sites, absorbed);
    let mut users = retarget_all(unit, &kept, &wq.name, &mut edits);
    users.insert(home);
    match &shared.kind {
        SharedKind::Family { .. } => {
            let file = &unit.files[home];
            let decl = format!(
                "struct workqueue_struct *{name};\nEXPORT_SYMBOL_GPL({name});",
                name = wq.name
            );
            let at = declare::first_use(unit, home, &wq.name);
            edits
                .entry(home)
                .or_default()
                .push(declare::definition(file, &decl, at)?);
            edits
                .entry(header)
                .or_default()
                .push(declare::extern_in_header(
                    &unit.files[header],
                    &wq.name,
                    false,
                ));
        }
        SharedKind::Provider {
            helper,
            provider,
            export,
            ..
        } => {
            for (file, edit) in declare::declare(unit, home, &users, &wq.name)? {
                edits.entry(file).or_default().push(edit);
            }
            let at = defining(unit, provider)?;
            edits.entry(at).or_default().push(helper_definition(
                &unit.files[at],
                provider,
                helper,
                export,
                &wq.name,
            )?);
            edits.entry(header).or_default().push(helper_declaration(
                &unit.files[header],
                provider,
                helper,
            )?);
        }
    }
    Ok(edits)
}

/// A member's edits: its queueing and flushing calls onto the owner's
/// workqueue (a family), or its flushes replaced by the owner's helper.
pub fn member(unit: &Unit, sites: &[Site], shared: &SharedWq) -> Result<FileEdits, Refusal> {
    match &shared.kind {
        SharedKind::Provider { helper, .. } => each_flush(unit, sites, |_, call, _| {
            Ok(Edit::replace(call, format!("{helper}()"), "flush-helper"))
        }),
        SharedKind::Family { .. } => {
            let mut edits = FileEdits::new();
            retarget_all(unit, sites, &shared.wq, &mut edits);
            Ok(edits)
        }
    }
}

fn file_named(unit: &Unit, path: &str) -> Result<usize, Refusal> {
    unit.files
        .iter()
        .position(|f| f.path.as_os_str() == path)
        .ok_or_else(|| {
            Refusal::module(
                RefusalKind::SharedLayout,
                format!("{path} is not one of {}'s files", unit.module.name),
            )
        })
}

/// The file that defines function `name`.
fn defining(unit: &Unit, name: &str) -> Result<usize, Refusal> {
    unit.files
        .iter()
        .position(|f| f.function(name).is_some())
        .ok_or_else(|| {
            Refusal::module(
                RefusalKind::SharedLayout,
                format!("{name}() is not defined in {}'s files", unit.module.name),
            )
        })
}

/// `init`/`exit` for a module that has neither: allocate, destroy,
/// `module_init()`/`module_exit()`, before the `MODULE_*()` lines that end
/// the file (or at its end).
fn new_entry(
    file: &SourceFile,
    wq: &LocalWq,
    (init, exit): &(String, String),
) -> Result<Edit, Refusal> {
    if !has_word(&file.text, "module_init") && !includes_module_h(&file.text) {
        return Err(refuse(
            file,
            0,
            RefusalKind::SharedLayout,
            "the file does not include <linux/module.h> for module_init()",
        ));
    }
    let mut lines = init::alloc_lines(wq);
    lines.push((0, "return 0;".into()));
    let body = layout::block("\t", &lines);
    let code = format!(
        "static int __init {init}(void)\n{{\n{body}}}\n\n\
         static void __exit {exit}(void)\n{{\n\tdestroy_workqueue({wq});\n}}\n\n\
         module_init({init});\nmodule_exit({exit});\n",
        wq = wq.name
    );
    let last_function = file.facts.functions.iter().map(|f| f.range.end).max();
    let trailer = last_function.and_then(|end| module_lines_after(&file.text, end));
    Ok(match trailer {
        Some(at) => Edit::insert(at, format!("{code}\n"), "new-entry"),
        None => {
            let sep = if file.text.ends_with(b"\n") {
                "\n"
            } else {
                "\n\n"
            };
            Edit::insert(file.text.len(), format!("{sep}{code}"), "new-entry")
        }
    })
}

fn includes_module_h(text: &[u8]) -> bool {
    memchr::memmem::find(text, b"<linux/module.h>").is_some()
}

/// The start of the first line after `from` that begins with `MODULE_`.
fn module_lines_after(text: &[u8], from: usize) -> Option<usize> {
    let mut at = layout::next_line_start(text, from);
    while at < text.len() {
        if text[at..].starts_with(b"MODULE_") {
            return Some(at);
        }
        at = layout::next_line_start(text, at);
    }
    None
}

/// The helper, on the lines after the export of `provider`:
/// `void helper(void) { flush_workqueue(wq); }` and its export.
fn helper_definition(
    file: &SourceFile,
    provider: &str,
    helper: &str,
    export: &str,
    wq: &str,
) -> Result<Edit, Refusal> {
    let text = &file.text;
    let needle = format!("{export}({provider});");
    let at = memchr::memmem::find(text, needle.as_bytes()).ok_or_else(|| {
        refuse(
            file,
            0,
            RefusalKind::SharedLayout,
            format!("no `{needle}` line to put the flush helper after"),
        )
    })?;
    let at = layout::next_line_start(text, at);
    Ok(Edit::insert(
        at,
        format!("\nvoid {helper}(void)\n{{\n\tflush_workqueue({wq});\n}}\n{export}({helper});\n"),
        "flush-helper",
    ))
}

/// `void helper(void);` on the line after the declaration of `provider`.
fn helper_declaration(file: &SourceFile, provider: &str, helper: &str) -> Result<Edit, Refusal> {
    let text = &file.text;
    let missing = || {
        refuse(
            file,
            0,
            RefusalKind::SharedLayout,
            format!("no declaration of {provider}() ending in `);` to declare the helper after"),
        )
    };
    let open = memchr::memmem::find_iter(text, format!("{provider}(").as_bytes())
        .find(|&at| at == 0 || !crate::ctext::is_word_byte(text[at - 1]))
        .map(|at| at + provider.len())
        .ok_or_else(missing)?;
    let close = matching_paren(text, open).ok_or_else(missing)?;
    let semi = close
        + 1
        + text[close + 1..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace() && **b != b'\n')
            .count();
    if text.get(semi) != Some(&b';') {
        return Err(missing());
    }
    let at = layout::next_line_start(text, semi);
    Ok(Edit::insert(
        at,
        format!("void {helper}(void);\n"),
        "flush-helper",
    ))
}
