//! The outcomes of a run, in selection order, with the modules that share
//! a workqueue grouped first: each outcome is mapped (and dropped) as soon
//! as it is made, except those that may join a patch across modules,
//! which are held until every module has its own.

use localwq::{Outcome, Session};
use std::path::PathBuf;

/// One module's place in the run: mapped already, or held for grouping.
pub enum Slot<T> {
    Mapped((String, PathBuf), Option<T>),
    Held(Box<Outcome>),
}

pub fn module_key(module: &localwq::kbuild::Module) -> (String, PathBuf) {
    (module.name.clone(), module.dir.clone())
}

/// The slots in order, the held outcomes grouped first (modules a group
/// adds come after the last held one).
pub fn unhold<T>(
    session: &Session,
    slots: Vec<Slot<T>>,
    map: &impl Fn(Outcome) -> Option<T>,
) -> Vec<T> {
    let mut order = Vec::with_capacity(slots.len());
    let mut held = Vec::new();
    for slot in slots {
        match slot {
            Slot::Mapped(key, t) => order.push(Some((key, t))),
            Slot::Held(o) => {
                held.push(*o);
                order.push(None);
            }
        }
    }
    let held_count = held.len();
    let shared = session.share(held);
    // A module a group added stands for the selection's own outcome of it.
    let added: Vec<(String, PathBuf)> = shared[held_count.min(shared.len())..]
        .iter()
        .map(|o| module_key(&o.module))
        .collect();
    let order: Vec<Option<Option<T>>> = order
        .into_iter()
        .map(|slot| match slot {
            Some((key, _)) if added.contains(&key) => Some(None),
            Some((_, t)) => Some(t),
            None => None,
        })
        .collect();
    let mut shared = shared.into_iter().map(map);
    let last_held = order.iter().rposition(Option::is_none);
    let mut out = Vec::with_capacity(order.len());
    for (i, slot) in order.into_iter().enumerate() {
        match slot {
            Some(t) => out.extend(t),
            None => {
                out.extend(shared.next().flatten());
                if Some(i) == last_held {
                    out.extend(shared.by_ref().flatten());
                }
            }
        }
    }
    out
}
