//! Step 0 before Steps 1–5: whether a new workqueue is needed at all.
//! Each strategy comes with its evidence, and "does not apply" is an answer
//! with a reason like any other.

use super::exports::Provider;
use super::sites::{Site, SiteState};
use crate::ctext::words_in;
use crate::load::Unit;
use crate::wq::ApiKind;
use std::collections::BTreeSet;

/// What the user asked for with `--strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Choice {
    #[default]
    Auto,
    LocalWq,
    FlushWork,
    RemoveFlush,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItem {
    pub name: String,
    pub delayed: bool,
}

impl WorkItem {
    /// The call that waits for this item, as the flush waited for it.
    pub fn flush_call(&self) -> String {
        let call = if self.delayed {
            "flush_delayed_work"
        } else {
            "flush_work"
        };
        format!("{call}(&{})", self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    /// Steps 1–5.
    LocalWq,
    /// Replace each flush by flush_work() on every item the module queues.
    FlushWork(Vec<WorkItem>),
    /// The module queues nothing on a system workqueue, directly or through
    /// the functions it calls: the flush waits for nobody's work of its own.
    RemoveFlush,
    /// The work is queued by another module's exported functions.
    Provider(Vec<Provider>),
}

impl Strategy {
    pub fn slug(&self) -> &'static str {
        match self {
            Strategy::LocalWq => "local-wq",
            Strategy::FlushWork(_) => "flush-work",
            Strategy::RemoveFlush => "remove-flush",
            Strategy::Provider(_) => "workqueue-in-provider",
        }
    }
}

/// Every queued item as a named global of the flushing file, or why not.
pub fn known_items(unit: &Unit, sites: &[Site]) -> Result<Vec<WorkItem>, String> {
    let flushes: BTreeSet<usize> = sites
        .iter()
        .filter(|s| s.is_flush())
        .map(|s| s.file)
        .collect();
    let [flush_file] = flushes.iter().copied().collect::<Vec<_>>()[..] else {
        return Err("the flushes are in several files".into());
    };
    let mut items: Vec<WorkItem> = Vec::new();
    for site in sites.iter().filter(|s| s.api.kind == ApiKind::Queue) {
        let arg = site.work_arg(unit).unwrap_or("");
        let name = arg.strip_prefix('&').unwrap_or("");
        let simple =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !simple {
            return Err(format!(
                "{}:{}: {}() queues `{arg}`, not a named global work item",
                unit.files[site.file].path.display(),
                site.line,
                site.api.name
            ));
        }
        if site.api.name == "queue_rcu_work" {
            return Err(format!("{name} is an rcu_work: flush it by hand"));
        }
        let delayed = global_declaration(unit, flush_file, name).ok_or_else(|| {
            format!(
                "{name} is not a global of {} (the flush could not name it)",
                unit.files[flush_file].path.display()
            )
        })?;
        if !items.iter().any(|i| i.name == name) {
            items.push(WorkItem {
                name: name.to_string(),
                delayed,
            });
        }
    }
    if items.is_empty() {
        return Err("the module queues nothing to flush".into());
    }
    Ok(items)
}

/// Whether `name` is declared at file scope as a work item; Some(delayed).
fn global_declaration(unit: &Unit, file: usize, name: &str) -> Option<bool> {
    let file = &unit.files[file];
    let root = file.tree.root_node();
    let mut cursor = root.walk();
    for node in root.named_children(&mut cursor) {
        let text = node.utf8_text(&file.text).unwrap_or("");
        let names_it = words_in(text.as_bytes()).any(|(_, w)| w == name);
        if !names_it || node.kind() == "function_definition" {
            continue;
        }
        if text.contains("DECLARE_DELAYED_WORK") || text.contains("struct delayed_work") {
            return Some(true);
        }
        if text.contains("DECLARE_WORK") || text.contains("struct work_struct") {
            return Some(false);
        }
    }
    None
}

/// The strategy Step 0 recommends, with the providers where work comes
/// from elsewhere.
pub fn recommend(unit: &Unit, sites: &[Site], providers: &[Provider]) -> Strategy {
    let queues = sites.iter().any(|s| s.api.kind == ApiKind::Queue);
    if !queues && !providers.is_empty() {
        return Strategy::Provider(providers.to_vec());
    }
    if !queues {
        return Strategy::RemoveFlush;
    }
    let all_convertible = sites.iter().all(|s| s.state == SiteState::Convert);
    match known_items(unit, sites) {
        Ok(items) if all_convertible => Strategy::FlushWork(items),
        _ => Strategy::LocalWq,
    }
}
