//! Review flags for what a mechanical Step 4 cannot prove: work that comes
//! from elsewhere, work items handed in by callers, flushes other modules
//! rely on, and queueing around the workqueue's lifetime.

use super::exports::Provider;
use super::items::struct_of;
use super::sites::{Site, SiteState};
use super::{Flag, FlagKind, Surroundings};
use crate::ctext::{defines_struct, exported_names, words_in};
use crate::entry::Entry;
use crate::load::Unit;
use crate::parse::{Function, SourceFile};
use crate::wq::{ApiKind, SystemWq};
use std::collections::BTreeSet;

pub fn review_flags(
    unit: &Unit,
    sites: &[Site],
    providers: &[Provider],
    managed: &[String],
    around: &dyn Surroundings,
) -> Vec<Flag> {
    let mut flags = Vec::new();
    flags.extend(work_from_elsewhere(unit, sites, providers, managed));
    flags.extend(work_from_provider(unit, sites, providers));
    flags.extend(work_from_dependents(unit, sites, around));
    for site in sites {
        flags.extend(caller_work(unit, site));
        flags.extend(foreign_work(unit, site, around));
        flags.extend(exported_flush(unit, site));
        flags.extend(queue_in_entry(unit, site));
    }
    flags
}

fn flag_at(unit: &Unit, site: &Site, kind: FlagKind, reason: String) -> Flag {
    Flag::new(&unit.files[site.file], site.range.start, kind, reason)
}

/// The module flushes but queues nothing on that workqueue itself.
fn work_from_elsewhere(
    unit: &Unit,
    sites: &[Site],
    providers: &[Provider],
    managed: &[String],
) -> Vec<Flag> {
    if sites.iter().any(|s| s.api.kind == ApiKind::Queue) {
        return Vec::new();
    }
    let reason = match providers {
        [] if managed.is_empty() => "the module queues nothing on a system workqueue and calls \
               nothing that does: the flush waits only for other code's work (Step 0: remove it)"
            .to_string(),
        [] => format!(
            "the module queues nothing on a system workqueue itself; of what it calls, {}: \
             the flush waits only for work other code manages (Step 0: remove it)",
            managed.join("; ")
        ),
        _ if providers.iter().any(|p| p.from_caller) => {
            let named: Vec<String> = providers.iter().map(describe_provider).collect();
            format!(
                "the module queues nothing itself; the flushed work comes from {}: the \
                 workqueue belongs in that module, with an exported flush helper used here",
                named.join(", ")
            )
        }
        _ => {
            let named: Vec<String> = providers.iter().map(describe_provider).collect();
            format!(
                "the module queues nothing itself, but the flush may also wait for work \
                 that {} queues: its item is not one this module hands in, and whether the \
                 module relies on it being done cannot be told from the code; decide \
                 before removing the flush",
                named.join(", ")
            )
        }
    };
    sites
        .iter()
        .filter(|s| s.is_flush())
        .map(|s| flag_at(unit, s, FlagKind::NoQueueing, reason.clone()))
        .collect()
}

/// The module queues on the flushed workqueue itself, and also calls
/// other code that queues there on its behalf: the flush waits for both,
/// a workqueue of the module's own would wait only for the first.
fn work_from_provider(unit: &Unit, sites: &[Site], providers: &[Provider]) -> Vec<Flag> {
    if providers.is_empty() || !sites.iter().any(|s| s.api.kind == ApiKind::Queue) {
        return Vec::new();
    }
    let named: Vec<String> = providers.iter().map(describe_provider).collect();
    let reason = format!(
        "the flush also waits for work that other code queues on the same workqueue \
         when this module calls it: {}; once the flush no longer flushes the system \
         workqueue (a workqueue of the module's own, or its items by name), it no longer \
         waits for that work: convert the two together, or wait for it explicitly",
        named.join(", ")
    );
    sites
        .iter()
        .filter(|s| s.is_flush())
        .map(|s| flag_at(unit, s, FlagKind::ProviderWork, reason.clone()))
        .collect()
}

/// Other code calls the module's exports and queues on the flushed
/// workqueue itself: the flush may be waiting for that code's work, which
/// a workqueue of the module's own would no longer wait for.
fn work_from_dependents(unit: &Unit, sites: &[Site], around: &dyn Surroundings) -> Vec<Flag> {
    let flushed: BTreeSet<SystemWq> = sites
        .iter()
        .filter(|s| s.is_flush() && s.state == SiteState::Convert)
        .map(|s| s.wq)
        .collect();
    let exports = unit.exported();
    if flushed.is_empty() || exports.is_empty() {
        return Vec::new();
    }
    let dependents = around.dependents(&exports, &flushed, &unit.module.files);
    if dependents.is_empty() {
        return Vec::new();
    }
    const SHOWN: usize = 4;
    let mut named: Vec<String> = dependents
        .iter()
        .take(SHOWN)
        .map(|d| format!("{} (calls {}())", d.file.display(), d.calls.join("(), ")))
        .collect();
    if dependents.len() > SHOWN {
        named.push(format!("{} more files", dependents.len() - SHOWN));
    }
    let reason = format!(
        "code outside the module calls its exports and queues on the flushed workqueue \
         itself: {}; this flush may be waiting for that work, and a workqueue of the \
         module's own would not: check what the callers rely on",
        named.join(", ")
    );
    sites
        .iter()
        .filter(|s| s.is_flush() && s.state == SiteState::Convert)
        .map(|s| flag_at(unit, s, FlagKind::DependentWork, reason.clone()))
        .collect()
}

fn describe_provider(p: &Provider) -> String {
    format!(
        "{}() ({}:{}: {})",
        p.function,
        p.file.display(),
        p.line,
        p.call
    )
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

fn is_exported(file: &SourceFile, name: &str) -> bool {
    exported_names(&file.text).contains(&name)
}

/// A flush in a function other modules can call: they may rely on it
/// flushing work they queued themselves.
fn exported_flush(unit: &Unit, site: &Site) -> Option<Flag> {
    if !site.is_flush() {
        return None;
    }
    let function = site.enclosing(unit)?;
    let file = &unit.files[site.file];
    is_exported(file, &function.name).then(|| {
        flag_at(
            unit,
            site,
            FlagKind::ExportedFlush,
            format!(
                "flushes in {}(), which is exported: other modules that call it may rely on it \
                 flushing work they queued on the system workqueue themselves",
                function.name
            ),
        )
    })
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
    let in_declarations = site.range.start < unit.files[site.file].declarations_end(function);
    (in_init && in_declarations).then(|| {
        flag_at(
            unit,
            site,
            FlagKind::BeforeAlloc,
            "queues in init's declarations, before the workqueue is allocated".to_string(),
        )
    })
}
