//! Flushes localwq saw in the text but made no site of. A module whose
//! flush is out of localwq's sight (a macro it cannot read, code the
//! parser lost, a function pointer) must never read as "flushes no
//! system workqueue": each such needle is a flag with its place.

use super::hidden;
use super::{Flag, FlagKind, Site};
use crate::load::Unit;
use crate::wq;

/// A flag for every flush needle in the code of the module's files
/// (neither comment, string, dead branch, directive name nor a
/// redefinition's own line) that no site covers; one per line.
pub fn unseen_flushes(unit: &Unit, sites: &[Site]) -> Vec<Flag> {
    let redefinitions = hidden::redefinitions(unit);
    let mut flags = Vec::new();
    for (index, file) in unit.files.iter().enumerate() {
        let text = &file.text;
        let covered = |at: usize| {
            sites
                .iter()
                .any(|s| s.file == index && s.range.contains(&at))
        };
        let mut seen_lines = Vec::new();
        for needle in wq::FLUSH_NEEDLES {
            for at in memchr::memmem::find_iter(text, needle.as_bytes()) {
                let name_len = needle.find('(').unwrap_or(needle.len());
                let ignored = file.in_inert(at)
                    || file.dead.iter().any(|d| d.contains(&at))
                    || crate::cpp::is_directive_name(text, at, name_len)
                    || hidden::in_redefinition(&redefinitions, index, at)
                    || covered(at);
                let line = file.line_of(at);
                if ignored || seen_lines.contains(&line) {
                    continue;
                }
                seen_lines.push(line);
                let shown = String::from_utf8_lossy(&text[at..at + name_len]);
                let reason = format!(
                    "{shown} flushes a system workqueue here, but localwq could not read it \
                     as a call it can rewrite: convert it by hand"
                );
                flags.push(Flag::new(file, at, FlagKind::UnseenFlush, reason));
            }
        }
    }
    flags
}
