//! A file's providers: its exported functions that reach a queueing call
//! on a system workqueue through the file's own functions, read from the
//! text split at its column-0 braces.

use super::text::{cancelled_fields, direct_queuers, handed_in, reaching, text_functions};
use super::Provider;
use crate::ctext::exported_names;
use crate::wq::WqFacts;
use std::collections::BTreeMap;
use std::path::Path;

/// The providers of the file at `path`, by function name. Only worth
/// asking of a file that queues on a system workqueue and exports.
pub(super) fn providers_of(
    path: &Path,
    text: &[u8],
    facts: &WqFacts,
) -> BTreeMap<String, Provider> {
    let mut providers = BTreeMap::new();
    let functions = text_functions(text);
    let direct = direct_queuers(&functions, text, facts);
    let reaching = reaching(&functions, &direct);
    let cancels = cancelled_fields(&functions, text);
    let handed = handed_in(&functions, text, &direct);
    let called_back = super::callback::called_back(&functions, text, &direct);
    let exports = exported_names(text);
    for &export in &exports {
        // An export that keeps a callback its work runs later queues
        // nothing itself: that work is still the caller's code.
        let kept = called_back.get(export);
        let Some(queuer) = reaching.get(export).or(kept) else {
            continue;
        };
        let export = export.to_string();
        let head = functions.iter().find(|f| f.name == export);
        let takes_callback = head.is_some_and(|f| f.takes_callback) || kept.is_some();
        let pins_module = head.is_some_and(|f| f.pins_module);
        let hands_item = handed.contains_key(&export);
        let queuer = &direct[queuer];
        let mut teardown = Vec::new();
        let mut teardown_waits: Vec<String> = Vec::new();
        if let Some(fields) = &queuer.fields {
            for e in &exports {
                let Some(cancelled) = cancels.get(*e) else {
                    continue;
                };
                if !fields.iter().all(|f| cancelled.contains_key(f)) {
                    continue;
                }
                teardown.push(e.to_string());
                for call in fields.iter().flat_map(|f| &cancelled[f]) {
                    if !teardown_waits.iter().any(|w| w == call) {
                        teardown_waits.push(call.to_string());
                    }
                }
            }
        }
        providers.insert(
            export.clone(),
            Provider {
                function: export,
                file: path.to_path_buf(),
                line: queuer.line,
                call: queuer.call.clone(),
                wq: queuer.wq,
                // A kept callback runs the caller's code, whose item the
                // work is; another function pointer parameter
                // (`alloc_netdev_mqs()`'s `setup`) may be run there and
                // then, and says nothing of the item.
                own_item: queuer.own_item && kept.is_none(),
                teardown,
                teardown_waits,
                hands_item,
                takes_callback,
                pins_module,
            },
        );
    }
    providers
}
