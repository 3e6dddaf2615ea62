//! The wait model: for every flush of a system workqueue, the work it
//! waits for. One entry per item: what it is, where it is queued, how it
//! reaches the flush (the module's own queueing, handed to other code,
//! a callback other code runs, a dependent's work, or code that could not
//! be read), and what already waits for it before the flush. Step 0, the
//! review flags and the reviewer's text all read this one model.

use super::drain::{drain_of, freed_at, work_function, works_on, Drain};
use super::elements::{each_element, Each};
use super::exports::{Dependent, Provider};
use super::items::{name_at, queued_item, waited_before, ItemKey, ItemKind, QueuedItem};
use super::sites::Site;
use crate::entry::Entry;
use crate::load::Unit;
use crate::wq::ApiKind;
use std::collections::{BTreeMap, BTreeSet};

/// How an item reaches a flush.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The module queues it. `name`: how the flush can name it (an
    /// expression in scope there), or why it cannot.
    Own {
        name: Result<String, String>,
        kind: ItemKind,
        /// The name is of one element of an array: the flush waits
        /// through a loop over all of them.
        each: Option<Each>,
    },
    /// The module hands it to `provider()`, which queues it.
    HandedIn { provider: String },
    /// `provider()` takes a callback of the module's and queues the work
    /// that runs it.
    Callback { provider: String },
    /// `provider()` queues an item it reaches itself (not one the module
    /// hands in): other code's work.
    ProviderItem { provider: String },
    /// A module that uses the module's exports (`via`) queues it.
    Dependent { via: Vec<String> },
    /// Code the module reaches could not be read: it may queue anything.
    Unknown,
}

/// One item a flush waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    /// `struct foo.work`, `foo_work`, "the callback of `f()`", a file.
    pub item: String,
    /// Where it is queued: `file:line` in this module or in other code.
    pub queued: Vec<String>,
    pub reach: Reach,
    /// What already waits for it before the flush (a cancel or flush in
    /// the same block, a teardown of the code that owns it, the module's
    /// references at exit), if anything.
    pub waited: Option<String>,
    /// Where else the module waits for its own item, not before the flush
    /// (`analysis::elsewhere`): said to the reviewer, decides nothing.
    pub elsewhere: Vec<String>,
    /// The module's own item: the system workqueues it is queued on, on
    /// this kernel (`schedule_work()` is system_percpu_wq on 6.18+).
    pub queued_on: Vec<&'static str>,
    /// Of those, the queues the flush meant but, on this kernel, does not
    /// flush: the call that queued it and the flush named the same queue
    /// before 6.18 split them (`schedule_work()` then meant `system_wq`).
    pub moved_to: Vec<&'static str>,
}

impl Wait {
    /// The kind of reach, whatever the provider's name.
    fn how_kind(&self) -> std::mem::Discriminant<Reach> {
        std::mem::discriminant(&self.reach)
    }

    /// Another export of other code that queues this same item.
    fn also_through(&mut self, function: &str) {
        let provider = match &mut self.reach {
            Reach::HandedIn { provider }
            | Reach::Callback { provider }
            | Reach::ProviderItem { provider } => provider,
            _ => return,
        };
        let old = listed(provider);
        *provider = format!("{provider}(), {function}");
        self.item = self.item.replacen(&old, &listed(provider), 1);
    }

    /// How it reaches the flush, as a reviewer reads it.
    pub fn how(&self) -> String {
        match &self.reach {
            Reach::Own { .. } => "queued by the module".into(),
            Reach::HandedIn { provider } => {
                format!("handed to {}, which queues it", listed(provider))
            }
            Reach::Callback { provider } => {
                format!(
                    "a callback the module hands to {}, which queues its work",
                    listed(provider)
                )
            }
            Reach::ProviderItem { provider } => {
                format!("queued by {} on an item of its own", listed(provider))
            }
            Reach::Dependent { via } => {
                format!("queued by a module that uses {}()", via.join("(), "))
            }
            Reach::Unknown => "code that could not be read".into(),
        }
    }
}

/// `file:line: call` without its line: where one call of a file queues.
fn same_call(place: &str) -> (&str, &str) {
    let mut parts = place.splitn(3, ':');
    let file = parts.next().unwrap_or("");
    let _line = parts.next();
    (file, parts.next().unwrap_or("").trim())
}

/// `a(), b(), c` as prose: "a(), b() and c()".
pub fn listed(providers: &str) -> String {
    let called = format!("{providers}()");
    match called.rfind("(), ") {
        Some(last) => format!("{}() and {}", &called[..last], &called[last + 4..]),
        None => called,
    }
}

/// What one flush waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitSet {
    pub file: usize,
    /// Offset of the flush call.
    pub at: usize,
    pub line: usize,
    /// The flush is in the module's exit: every module that uses its
    /// exports is unloaded by then.
    pub in_exit: bool,
    /// The system workqueue the flush flushes on this kernel.
    pub flushes: &'static str,
    /// The flush is in a drain loop that waits on one item: said so.
    pub drain: Option<String>,
    pub entries: Vec<Wait>,
    /// Where the flush waits for none of some of the module's items: per
    /// kernel, since which queue a call uses is a fact of each.
    pub splits: Vec<Split>,
}

/// The module's own items a flush is meant to wait for but, on `kernels`,
/// does not: they are queued on a separate system workqueue with the same
/// flags (6.18 split `system_wq` from `system_percpu_wq`, which
/// `schedule_work()` uses), though the code flushes as if they were not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Versions (`7.2.13`); empty when the kernel did not say.
    pub kernels: Vec<String>,
    pub items: Vec<String>,
    /// The queues they are on instead.
    pub queues: Vec<&'static str>,
}

impl WaitSet {
    /// Entries nothing waits for before the flush.
    pub fn open(&self) -> impl Iterator<Item = &Wait> {
        self.entries.iter().filter(|w| w.waited.is_none())
    }

    /// The module's own items, open, with how the flush names them.
    pub fn open_own(
        &self,
    ) -> impl Iterator<Item = (&Wait, &Result<String, String>, Option<&Each>)> {
        self.open().filter_map(|w| match &w.reach {
            Reach::Own { name, each, .. } => Some((w, name, each.as_ref())),
            _ => None,
        })
    }

    pub fn open_of(&self, pick: fn(&Reach) -> bool) -> Vec<&Wait> {
        self.open().filter(|w| pick(&w.reach)).collect()
    }
}

/// The module's own items the flush meant to wait for but, on the kernel
/// `unit` was read against, does not: they are queued on another queue.
fn split_on(unit: &Unit, entries: &[Wait]) -> Vec<Split> {
    let split: Vec<&Wait> = entries.iter().filter(|w| !w.moved_to.is_empty()).collect();
    if split.is_empty() {
        return Vec::new();
    }
    let mut queues: Vec<&'static str> = split
        .iter()
        .flat_map(|w| w.moved_to.iter().copied())
        .collect();
    queues.sort_unstable();
    queues.dedup();
    vec![Split {
        kernels: unit.facts.kernel.iter().cloned().collect(),
        items: split.iter().map(|w| w.item.clone()).collect(),
        queues,
    }]
}

/// What the model needs from beyond the module's own files.
pub struct Others<'a> {
    /// Exported functions of other code the module calls that queue on a
    /// flushed workqueue.
    pub providers: &'a [Provider],
    /// Functions the module calls (teardowns among them).
    pub called: &'a BTreeSet<&'a str>,
    /// Modules that use (call, or install as a function pointer) the
    /// given exports of the module and queue on a flushed workqueue
    /// themselves.
    pub dependents: &'a dyn Fn(&[&str]) -> Vec<Dependent>,
    /// Why some code the module reaches could not be read.
    pub unknown: Option<String>,
}

/// The wait set of every flush among `sites` (those on the flushed
/// workqueue).
pub fn wait_sets(unit: &Unit, sites: &[Site], others: &Others) -> Vec<WaitSet> {
    sites
        .iter()
        .filter(|s| s.is_flush())
        .map(|flush| wait_set(unit, sites, flush, others))
        .collect()
}

fn wait_set(unit: &Unit, sites: &[Site], flush: &Site, others: &Others) -> WaitSet {
    let in_exit = in_exit(unit, flush);
    let (mut entries, drain) = own_entries(unit, sites, flush);
    for provider in others.providers {
        let entry = provider_entry(provider, others.called, in_exit);
        // Several exports that queue the same item with the same call
        // (vmalloc(), vfree(); target core's two `schedule_work(&dev->
        // delayed_cmd_work)`) are one item, queued at each place.
        let same = entries.iter_mut().find(|w| {
            w.how_kind() == entry.how_kind()
                && w.queued
                    .iter()
                    .map(|q| same_call(q))
                    .eq(entry.queued.iter().map(|q| same_call(q)))
        });
        match same {
            Some(existing) => {
                existing.also_through(&provider.function);
                for place in entry.queued {
                    if !existing.queued.contains(&place) {
                        existing.queued.push(place);
                    }
                }
            }
            None => entries.push(entry),
        }
    }
    let reaching = exports_reaching(unit, flush);
    if !reaching.is_empty() {
        let dependents = (others.dependents)(&reaching);
        entries.extend(dependents.iter().map(|d| dependent_entry(d, in_exit)));
    }
    if let Some(why) = &others.unknown {
        entries.push(Wait {
            item: "work of code that could not be read".into(),
            queued: vec![why.clone()],
            reach: Reach::Unknown,
            waited: None,
            queued_on: Vec::new(),
            moved_to: Vec::new(),
            elsewhere: Vec::new(),
        });
    }
    WaitSet {
        file: flush.file,
        at: flush.range.start,
        line: flush.line,
        in_exit,
        flushes: flush.wq.ident(),
        drain,
        splits: split_on(unit, &entries),
        entries,
    }
}

/// The module's own items, one entry each, with the places that queue it.
/// The module's own items, and what a drain loop around the flush waits
/// on, if one does.
fn own_entries(unit: &Unit, sites: &[Site], flush: &Site) -> (Vec<Wait>, Option<String>) {
    let mut entries: Vec<Wait> = Vec::new();
    let mut items: Vec<Option<QueuedItem>> = Vec::new();
    for site in sites.iter().filter(|s| s.api.kind == ApiKind::Queue) {
        let place = format!("{}:{}", unit.files[site.file].path.display(), site.line);
        let kind = ItemKind::of(site);
        let queued = queued_item(unit, site);
        let mut each = None;
        let (item, name, waited) = match &queued {
            Ok(item) => {
                let (named, found_each) = named_or_each(unit, flush, item);
                each = found_each;
                let name = named.and_then(|expr| match freed_at(unit, item, flush, &expr) {
                    Some(why) => Err(why),
                    None => Ok(expr),
                });
                let waited = name
                    .as_ref()
                    .ok()
                    .and_then(|expr| waited_before(unit, flush, expr, item.kind))
                    .map(|call| format!("{call}, before the flush"));
                (item.describe(), name, waited)
            }
            Err(why) => (
                site.work_arg(unit).unwrap_or("?").to_string(),
                Err(why.clone()),
                None,
            ),
        };
        let moved = (site.wq != flush.wq && site.meant() == flush.meant()).then(|| site.wq.ident());
        match entries.iter_mut().find(|w| w.item == item) {
            Some(entry) => {
                entry.queued.push(place);
                if !entry.queued_on.contains(&site.wq.ident()) {
                    entry.queued_on.push(site.wq.ident());
                }
                entry
                    .moved_to
                    .extend(moved.filter(|m| !entry.moved_to.contains(m)));
                // Waited for only when every spelling the flush found is.
                if waited.is_none() && entry.waited.is_some() {
                    entry.waited = None;
                    if let Ok(found) = &queued {
                        entry.elsewhere = super::elsewhere::waits_on(unit, found);
                    }
                }
            }
            None => {
                let elsewhere = match (&queued, &waited) {
                    (Ok(found), None) => super::elsewhere::waits_on(unit, found),
                    _ => Vec::new(),
                };
                entries.push(Wait {
                    item,
                    queued: vec![place],
                    reach: Reach::Own { name, kind, each },
                    waited,
                    elsewhere,
                    queued_on: vec![site.wq.ident()],
                    moved_to: moved.into_iter().collect(),
                });
                items.push(queued.ok());
            }
        }
    }
    let drained = drain_of(unit, flush)
        .and_then(|drain| set_aside_for_drain(unit, &drain, &mut entries, &items));
    (entries, drained)
}

/// How the flush names an item: by the one instance in scope, or else
/// in every element of the one array that holds them all.
fn named_or_each(
    unit: &Unit,
    flush: &Site,
    item: &QueuedItem,
) -> (Result<String, String>, Option<Each>) {
    let named = name_at(unit, flush, item);
    let (Err(why), ItemKey::Member { tag, path }) = (&named, &item.key) else {
        return (named, None);
    };
    match each_element(unit, flush, tag, path) {
        None => (named, None),
        Some(Ok((expr, each))) => (Ok(expr), Some(each)),
        Some(Err(not_each)) => (Err(format!("{why}; {not_each}")), None),
    }
}

/// In a drain loop, the flush waits for the list to empty: when exactly
/// one item's work function works on that list and the flush can name
/// it, the module's other items are not what the loop waits on.
fn set_aside_for_drain(
    unit: &Unit,
    drain: &Drain,
    entries: &mut [Wait],
    items: &[Option<QueuedItem>],
) -> Option<String> {
    let drains: Vec<(usize, String)> = items
        .iter()
        .enumerate()
        .filter_map(|(at, item)| Some((at, work_function(unit, item.as_ref()?)?)))
        .filter(|(_, function)| works_on(unit, function, &drain.field))
        .collect();
    let [(drained, function)] = drains.as_slice() else {
        return None;
    };
    if !matches!(entries[*drained].reach, Reach::Own { name: Ok(_), .. }) {
        return None;
    }
    let why = format!(
        "not what this loop waits on: it runs until {} is empty, which {}() ({}'s work function) empties",
        drain.list, function, entries[*drained].item
    );
    for (at, entry) in entries.iter_mut().enumerate() {
        if at != *drained && entry.waited.is_none() {
            entry.waited = Some(why.clone());
        }
    }
    Some(format!(
        "the flush repeats until {} is empty, which only {}(), the work function of {}, \
         empties: the loop waits on that item alone",
        drain.list, function, entries[*drained].item
    ))
}

fn provider_entry(provider: &Provider, called: &BTreeSet<&str>, in_exit: bool) -> Wait {
    let function = provider.function.clone();
    let queued = vec![format!(
        "{}:{}: {}",
        provider.file.display(),
        provider.line,
        provider.call
    )];
    let teardown: Vec<&str> = provider
        .teardown
        .iter()
        .map(String::as_str)
        .filter(|t| called.contains(t))
        .collect();
    let (item, reach) = if provider.hands_item {
        (
            format!("the item the module hands to {function}()"),
            Reach::HandedIn { provider: function },
        )
    } else if provider.takes_callback {
        (
            format!("the callback of {function}()"),
            Reach::Callback { provider: function },
        )
    } else {
        (
            format!("other code's item (through {function}())"),
            Reach::ProviderItem { provider: function },
        )
    };
    let waited = if !teardown.is_empty() {
        let how = match provider.teardown_waits.as_slice() {
            [] => "cancels or flushes it".to_string(),
            calls => format!("waits for it ({}())", calls.join("(), ")),
        };
        Some(format!(
            "{}(), which the module calls, {how}",
            teardown.join("(), ")
        ))
    } else if provider.own_item {
        Some(
            "none needed by the module: that code's own item, which the module never hands in"
                .into(),
        )
    } else if in_exit && matches!(reach, Reach::Callback { .. }) && provider.pins_module {
        Some(format!(
            "{}() holds a reference on the module until the callback has run: exit cannot \
             run before",
            provider.function
        ))
    } else {
        None
    };
    Wait {
        item,
        queued,
        reach,
        waited,
        queued_on: Vec::new(),
        moved_to: Vec::new(),
        elsewhere: Vec::new(),
    }
}

fn dependent_entry(dependent: &Dependent, in_exit: bool) -> Wait {
    let mut via = dependent.calls.clone();
    via.extend(dependent.installs.iter().cloned());
    via.sort();
    via.dedup();
    let uses: Vec<String> = dependent
        .calls
        .iter()
        .map(|c| format!("calls {c}()"))
        .chain(
            dependent
                .installs
                .iter()
                .map(|i| format!("installs {i}() as a function pointer")),
        )
        .collect();
    Wait {
        item: format!("work of {} ({})", dependent.file.display(), uses.join(", ")),
        queued: vec![dependent.file.display().to_string()],
        reach: Reach::Dependent { via },
        queued_on: Vec::new(),
        moved_to: Vec::new(),
        elsewhere: Vec::new(),
        waited: in_exit.then(|| {
            "module references: every module that uses the exports is unloaded before this \
             exit runs"
                .to_string()
        }),
    }
}

/// The module's exported functions from which the flush's function is
/// reached through the module's own calls: what a dependent must use to
/// reach this flush.
fn exports_reaching<'u>(unit: &'u Unit, flush: &Site) -> Vec<&'u str> {
    let Some(function) = flush.enclosing(unit) else {
        return Vec::new();
    };
    let exports = unit.exported();
    if exports.is_empty() {
        return Vec::new();
    }
    // Callers of each function, by name, across the module's files.
    let mut callers: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for file in &unit.files {
        for call in &file.facts.calls {
            if let Some(caller) = call.function.map(|f| file.facts.functions[f].name.as_str()) {
                callers
                    .entry(call.callee.as_str())
                    .or_default()
                    .insert(caller);
            }
        }
    }
    let mut seen: BTreeSet<&str> = BTreeSet::from([function.name.as_str()]);
    let mut pending: Vec<&str> = vec![function.name.as_str()];
    while let Some(name) = pending.pop() {
        for &caller in callers.get(name).into_iter().flatten() {
            if seen.insert(caller) {
                pending.push(caller);
            }
        }
    }
    exports.into_iter().filter(|e| seen.contains(e)).collect()
}

/// Whether the flush is in the module's exit function.
fn in_exit(unit: &Unit, flush: &Site) -> bool {
    let Some(function) = flush.enclosing(unit) else {
        return false;
    };
    let named_exit = match &unit.entry {
        Entry::Explicit { exit, .. } => exit
            .as_ref()
            .and_then(|i| i.args.first())
            .is_some_and(|name| *name == function.name),
        _ => false,
    };
    named_exit || crate::ctext::has_word(function.head.as_bytes(), "__exit")
}

#[cfg(test)]
mod text_tests {
    use super::{listed, same_call};

    #[test]
    fn one_call_of_a_file_is_one_item_whatever_its_line() {
        let a = "drivers/target/t.c:2108: schedule_work(&dev->delayed_cmd_work);";
        let b = "drivers/target/t.c:2225: schedule_work(&dev->delayed_cmd_work);";
        let c = "drivers/target/u.c:2225: schedule_work(&dev->delayed_cmd_work);";
        assert_eq!(same_call(a), same_call(b));
        assert_ne!(same_call(b), same_call(c));
    }

    #[test]
    fn providers_read_as_a_list() {
        assert_eq!(listed("a"), "a()");
        assert_eq!(listed("a(), b"), "a() and b()");
        assert_eq!(listed("a(), b(), c"), "a(), b() and c()");
    }
}
