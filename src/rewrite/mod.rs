//! From a plan to new file contents: one submodule per step, each returning
//! byte-range edits on the original text. The result is re-parsed: a
//! rewrite that adds tree-sitter errors is refused, never shown.

mod calls;
mod declare;
mod driver_macro;
mod exit;
mod init;
pub mod layout;
mod step0;

use crate::analysis::{Plan, SiteState, Strategy, Unit};
use crate::edit::{self, Edit};
use crate::entry::{Entry, Invocation};
use crate::parse::{parse_c, SourceFile};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Why a module cannot be rewritten, at a place in its sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub file: PathBuf,
    pub line: usize,
    pub reason: String,
}

impl Refusal {
    pub fn at(file: &SourceFile, offset: usize, reason: &str) -> Self {
        Refusal {
            file: file.path.clone(),
            line: file.line_of(offset),
            reason: reason.to_string(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.reason)
    }
}

/// One rewritten file.
pub struct FileChange {
    pub path: PathBuf,
    pub before: Vec<u8>,
    pub after: Vec<u8>,
}

/// The new contents of every file the plan touches, in path order.
pub fn rewrite(unit: &Unit, plan: &Plan) -> Result<Vec<FileChange>, Refusal> {
    let edits = match &plan.strategy {
        Strategy::FlushWork(items) => step0::flush_items(unit, plan, items)?,
        Strategy::RemoveFlush => step0::remove_flushes(unit, plan)?,
        Strategy::LocalWq | Strategy::Provider(_) => local_wq(unit, plan)?,
    };
    let mut changes = edits
        .into_iter()
        .map(|(index, file_edits)| apply(&unit.files[index], file_edits))
        .collect::<Result<Vec<_>, _>>()?;
    // git's order: plain byte order of the path, as a diff lists files.
    changes.sort_by(|a, b| {
        a.path
            .as_os_str()
            .as_encoded_bytes()
            .cmp(b.path.as_os_str().as_encoded_bytes())
    });
    Ok(changes)
}

/// Steps 1–5.
fn local_wq(unit: &Unit, plan: &Plan) -> Result<BTreeMap<usize, Vec<Edit>>, Refusal> {
    let wq = plan
        .wq
        .as_ref()
        .expect("local-wq plans name their workqueue");
    let mut edits: BTreeMap<usize, Vec<Edit>> = BTreeMap::new();
    let mut users = BTreeSet::new();
    for site in plan.sites.iter().filter(|s| s.state == SiteState::Convert) {
        let text = &unit.files[site.file].text;
        edits
            .entry(site.file)
            .or_default()
            .extend(calls::retarget(text, site, &wq.name));
        users.insert(site.file);
    }
    let home = entry_edits(unit, wq, &mut edits)?;
    users.insert(home);
    for (file, edit) in declare::declare(unit, home, &users, &wq.name)? {
        edits.entry(file).or_default().push(edit);
    }
    Ok(edits)
}

/// Steps 2 and 3; returns the index of the file holding the init.
fn entry_edits(
    unit: &Unit,
    wq: &crate::analysis::LocalWq,
    edits: &mut BTreeMap<usize, Vec<Edit>>,
) -> Result<usize, Refusal> {
    match &unit.entry {
        Entry::Explicit {
            init: Some(init),
            exit,
        } => {
            let (file, func) = defined(unit, init)?;
            let alloc = init::allocate(&unit.files[file], func, wq)?;
            edits.entry(file).or_default().extend(alloc);
            if let Some(exit) = exit {
                let (exit_file, exit_func) = defined(unit, exit)?;
                let destroy = exit::destroy(&unit.files[exit_file], exit_func, &wq.name)?;
                edits.entry(exit_file).or_default().push(destroy);
            }
            Ok(file)
        }
        Entry::DriverMacro {
            invocation,
            pair: Some(pair),
        } => {
            let edit = driver_macro::expand(unit, invocation, pair, wq)?;
            edits.entry(invocation.file).or_default().push(edit);
            Ok(invocation.file)
        }
        _ => unreachable!("analysis refuses modules without a usable entry"),
    }
}

/// The definition of the function an entry macro names.
fn defined<'u>(
    unit: &'u Unit,
    invocation: &Invocation,
) -> Result<(usize, &'u crate::parse::Function), Refusal> {
    let name = invocation.args.first().map(String::as_str).unwrap_or("");
    unit.files
        .iter()
        .enumerate()
        .find_map(|(index, file)| file.function(name).map(|(_, f)| (index, f)))
        .ok_or_else(|| {
            Refusal::at(
                &unit.files[invocation.file],
                invocation.range.start,
                &format!("{name}() is not defined in the module's files"),
            )
        })
}

fn apply(file: &SourceFile, edits: Vec<Edit>) -> Result<FileChange, Refusal> {
    let after =
        edit::apply(&file.text, &edits).map_err(|e| Refusal::at(file, 0, &e.to_string()))?;
    let errors_after = parse_c(&after)
        .map(|tree| count_errors(tree.root_node()))
        .unwrap_or(usize::MAX);
    // A skimmed file has no tree of its own yet: compare like with like.
    let before_tree = file
        .full_tree()
        .map_err(|e| Refusal::at(file, 0, &e.to_string()))?;
    let errors_before = count_errors(before_tree.root_node());
    if errors_after > errors_before {
        return Err(Refusal::at(
            file,
            0,
            &format!("the rewrite would add parse errors ({errors_before} → {errors_after})"),
        ));
    }
    Ok(FileChange {
        path: file.path.clone(),
        before: file.text.clone(),
        after,
    })
}

/// ERROR and MISSING nodes, less the ones a function attribute such as
/// `__init` makes in a definition's head (the grammar knows no attributes).
fn count_errors(node: tree_sitter::Node) -> usize {
    let attribute = node.is_error()
        && node
            .parent()
            .is_some_and(|p| p.kind() == "function_definition")
        && node.named_child_count() == 1
        && node
            .named_child(0)
            .is_some_and(|c| c.kind() == "identifier");
    let own = usize::from((node.is_error() || node.is_missing()) && !attribute);
    if !node.has_error() {
        return own;
    }
    let mut cursor = node.walk();
    own + node.children(&mut cursor).map(count_errors).sum::<usize>()
}
