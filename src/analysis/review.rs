//! Review flags for what a mechanical Step 4 cannot prove: work that comes
//! from elsewhere, work items handed in by callers, flushes other modules
//! rely on, and queueing around the workqueue's lifetime.

use super::items::struct_of;
use super::sites::Site;
use super::wait::{Reach, Wait, WaitSet};
use super::{Flag, FlagKind, Surroundings};
use crate::ctext::{defines_struct, words_in};
use crate::entry::Entry;
use crate::load::Unit;
use crate::parse::Function;
use crate::wq::ApiKind;

pub fn review_flags(
    unit: &Unit,
    sites: &[Site],
    waits: &[WaitSet],
    around: &dyn Surroundings,
) -> Vec<Flag> {
    let mut flags = Vec::new();
    let queues = sites.iter().any(|s| s.api.kind == ApiKind::Queue);
    for set in waits {
        if queues {
            flags.extend(handed_in_work(unit, set));
        }
        flags.extend(dependents_work(unit, set));
    }
    for site in sites {
        flags.extend(caller_work(unit, site));
        flags.extend(foreign_work(unit, site, around));
        flags.extend(queue_in_entry(unit, site));
    }
    flags
}

fn flag_at(unit: &Unit, site: &Site, kind: FlagKind, reason: String) -> Flag {
    Flag::new(&unit.files[site.file], site.range.start, kind, reason)
}

fn flag_at_set(unit: &Unit, set: &WaitSet, kind: FlagKind, reason: String) -> Flag {
    Flag::new(&unit.files[set.file], set.at, kind, reason)
}

fn listed(waits: &[&Wait]) -> String {
    let named: Vec<String> = waits
        .iter()
        .map(|w| format!("{} ({})", w.item, w.queued.join(", ")))
        .collect();
    named.join("; ")
}

/// The module queues on the flushed workqueue itself, and also hands
/// items to other code that queues them there: the flush waits for both,
/// a workqueue of the module's own (or its items by name) only for the
/// first.
fn handed_in_work(unit: &Unit, set: &WaitSet) -> Option<Flag> {
    let handed = set.open_of(|r| matches!(r, Reach::HandedIn { .. }));
    (!handed.is_empty()).then(|| {
        flag_at_set(
            unit,
            set,
            FlagKind::ProviderWork,
            format!(
                "the flush also waits for work the module hands to other code, which \
                 queues it on the same workqueue: {}; once the flush no longer flushes the \
                 system workqueue it no longer waits for that work: convert the two \
                 together, or wait for it explicitly",
                listed(&handed)
            ),
        )
    })
}

/// Modules that use the module's exports queue on the flushed workqueue
/// themselves: the flush waits for their work (outside the exit, where
/// they are all unloaded).
fn dependents_work(unit: &Unit, set: &WaitSet) -> Option<Flag> {
    let dependents = set.open_of(|r| matches!(r, Reach::Dependent { .. }));
    if dependents.is_empty() {
        return None;
    }
    const SHOWN: usize = 4;
    let mut named: Vec<String> = dependents
        .iter()
        .take(SHOWN)
        .map(|w| w.item.clone())
        .collect();
    if dependents.len() > SHOWN {
        named.push(format!("{} more files", dependents.len() - SHOWN));
    }
    Some(flag_at_set(
        unit,
        set,
        FlagKind::DependentWork,
        format!(
            "code outside the module uses its exports and queues on the flushed workqueue \
             itself: {}; this flush waits for that work, and a workqueue of the module's own \
             would not",
            named.join("; ")
        ),
    ))
}

/// Parameter names of a function, from its head.
fn parameters(function: &Function) -> Vec<String> {
    let head = &function.head;
    let (Some(open), Some(close)) = (head.find('('), head.rfind(')')) else {
        return Vec::new();
    };
    head[open + 1..close]
        .split(',')
        .filter_map(|p| words_in(p.as_bytes()).last().map(|(_, w)| w.to_string()))
        .collect()
}

/// A queueing call on a work item the caller passed in.
fn caller_work(unit: &Unit, site: &Site) -> Option<Flag> {
    let arg = site.work_arg(unit)?.to_string();
    let function = site.enclosing(unit)?;
    parameters(function).contains(&arg).then(|| {
        flag_at(
            unit,
            site,
            FlagKind::CallerWork,
            format!(
                "queues `{arg}`, a parameter of {}(): callers outside the module may hand in \
                 work that is not the module's to move",
                function.name
            ),
        )
    })
}

/// A queueing call on `&x->field` or `&x.field` where `x` is declared as
/// a struct that another subsystem defines: the item belongs to it, and
/// it may queue or flush the item too.
fn foreign_work(unit: &Unit, site: &Site, around: &dyn Surroundings) -> Option<Flag> {
    let arg = site.work_arg(unit)?;
    let (base, _field) = member_access(arg.strip_prefix('&')?)?;
    let function = site.enclosing(unit)?;
    let text = &unit.files[site.file].text[function.range.start..site.range.start];
    let owner = struct_of(text, base)?;
    if unit.files.iter().any(|f| defines_struct(&f.text, &owner)) {
        return None;
    }
    let header = match around.foreign_struct(unit, site.file, &owner)? {
        super::StructOwner::Foreign(header) => header,
        super::StructOwner::Unread { header, error } => {
            return Some(flag_at(
                unit,
                site,
                FlagKind::Unparsed,
                format!(
                    "queues `{arg}`, a work item embedded in struct {owner}; {} may define \
                     it but could not be read ({error}): whether another subsystem owns the \
                     item is unknown; make it readable and run again",
                    header.display()
                ),
            ))
        }
    };
    Some(flag_at(
        unit,
        site,
        FlagKind::ForeignWork,
        format!(
            "queues `{arg}`, a work item embedded in struct {owner} ({}, another \
             subsystem): that subsystem may queue or flush the item too; moving it to the \
             module's workqueue changes what their flushes wait for",
            header.display()
        ),
    ))
}

/// `x->field` or `x.field`, one member access deep: (x, field).
fn member_access(expr: &str) -> Option<(&str, &str)> {
    let (base, field) = expr.split_once("->").or_else(|| expr.split_once('.'))?;
    let (base, field) = (base.trim(), field.trim());
    let is_ident = |s: &str| {
        !s.is_empty()
            && !s.starts_with(|c: char| c.is_ascii_digit())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    (is_ident(base) && is_ident(field)).then_some((base, field))
}

/// Queueing inside the exit function (the item runs during the final
/// drain) or in init's declarations (before the allocation).
fn queue_in_entry(unit: &Unit, site: &Site) -> Option<Flag> {
    if site.api.kind != ApiKind::Queue {
        return None;
    }
    let Entry::Explicit { init, exit } = &unit.entry else {
        return None;
    };
    let function = site.enclosing(unit)?;
    let names =
        |inv: &Option<crate::entry::Invocation>| inv.as_ref().and_then(|i| i.args.first().cloned());
    if names(exit).as_deref() == Some(function.name.as_str()) {
        return Some(flag_at(
            unit,
            site,
            FlagKind::ExitQueue,
            format!(
                "queues from {}(), the exit path: the item runs while destroy_workqueue() \
                 drains the workqueue; make sure it cannot queue again",
                function.name
            ),
        ));
    }
    let in_init = names(init).as_deref() == Some(function.name.as_str());
    // Step 2 allocates after init's declarations: a queueing call among
    // them (an initializer) runs before the workqueue exists.
    let in_declarations = site.range.start < function.declarations_end;
    (in_init && in_declarations).then(|| {
        flag_at(
            unit,
            site,
            FlagKind::BeforeAlloc,
            "queues in init's declarations, before the workqueue is allocated".to_string(),
        )
    })
}
