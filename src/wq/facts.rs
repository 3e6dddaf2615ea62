//! The system workqueues of the tree being converted, read from its own
//! text: which ones `include/linux/workqueue.h` declares, the flags
//! `kernel/workqueue.c` creates each with (`workqueue_init_early()`), and
//! which one each implied-workqueue call (`schedule_work()`,
//! `flush_scheduled_work()`, …) acts on. Kernels change these: 6.12 made
//! `schedule_work()` queue on `system_percpu_wq`, 7.x wants `WQ_PERCPU`.
//! What the tree does not say comes from the table of Linux 5.10 compiled
//! in below, and the facts say so (`notes`).

use super::{intern, SystemWq, WqArg, APIS};
use crate::ctext::{
    arg_ranges, comment_ranges, is_word_byte, matching_brace, matching_paren, words_in,
};

/// What localwq knows of one tree's system workqueues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WqFacts {
    /// In the order the header declares them.
    pub system: Vec<SystemWqFact>,
    /// Each implied-workqueue API with the workqueue its body names.
    pub implied: Vec<(&'static str, SystemWq)>,
    /// What did not come from the tree, and why: printed by `facts` and
    /// carried into reports.
    pub notes: Vec<String>,
    /// The kernel the facts were read from (`7.2.13`), when its top
    /// Makefile says: reports name the kernel a fact holds for.
    pub kernel: Option<String>,
    /// The `WQ_*` flags the header declares (an enum's members): what a
    /// conversion may write for this kernel.
    pub flag_names: Vec<String>,
    /// `WQ_*` names the header declares as another (`WQ_UNBOUND_MAX_ACTIVE
    /// = WQ_MAX_ACTIVE,` since 6.8, a `#define` of one word): the same
    /// value under two spellings.
    pub aliases: Vec<(String, String)>,
    /// Flags the local replacements are written with that some kernel
    /// the module is built for lacks (converting for several kernels at
    /// once): the module's build tests for each (`across`).
    pub compat: Vec<super::across::Compat>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemWqFact {
    pub wq: SystemWq,
    /// The flags argument of its `alloc_workqueue()`, as written.
    pub created_with: Option<String>,
    /// Its max_active argument, as written (`WQ_MAX_ACTIVE`).
    pub max_active: Option<String>,
    /// Where the fact came from: the tree or the fallback table.
    pub from_tree: bool,
}

/// Linux 5.10's `workqueue_init_early()`: the fallback (flags; every
/// max_active is 0 but system_unbound_wq's, `FALLBACK_MAX_ACTIVE`).
const FALLBACK: &[(&str, &str)] = &[
    ("system_wq", "0"),
    ("system_highpri_wq", "WQ_HIGHPRI"),
    ("system_long_wq", "0"),
    ("system_unbound_wq", "WQ_UNBOUND"),
    ("system_freezable_wq", "WQ_FREEZABLE"),
    ("system_power_efficient_wq", "WQ_POWER_EFFICIENT"),
    (
        "system_freezable_power_efficient_wq",
        "WQ_FREEZABLE | WQ_POWER_EFFICIENT",
    ),
];
const FALLBACK_IMPLIED: &str = super::IMPLIED_BEFORE_SPLIT;
const FALLBACK_MAX_ACTIVE: (&str, &str) = ("system_unbound_wq", "WQ_UNBOUND_MAX_ACTIVE");
/// The flags Linux 5.10's `enum` declares that a local workqueue may get.
const FALLBACK_FLAG_NAMES: &[&str] = &[
    "WQ_UNBOUND",
    "WQ_FREEZABLE",
    "WQ_MEM_RECLAIM",
    "WQ_HIGHPRI",
    "WQ_CPU_INTENSIVE",
    "WQ_SYSFS",
    "WQ_POWER_EFFICIENT",
];

impl WqFacts {
    /// The compiled-in table alone, with `why` it is used.
    pub fn fallback(why: &str) -> WqFacts {
        let system = FALLBACK
            .iter()
            .map(|(name, flags)| fact(name, Some(flags.to_string()), fallback_max(name), false))
            .collect::<Vec<_>>();
        let implied_wq = system[0].wq;
        WqFacts {
            implied: implied_apis().map(|api| (api, implied_wq)).collect(),
            system,
            notes: vec![format!("{why}: Linux 5.10's table is used")],
            kernel: None,
            flag_names: FALLBACK_FLAG_NAMES.iter().map(|f| f.to_string()).collect(),
            aliases: Vec::new(),
            compat: Vec::new(),
        }
    }

    /// Reads the facts from the text of `include/linux/workqueue.h` and,
    /// when the tree has it, `kernel/workqueue.c` (a headers-only build
    /// directory has none).
    pub fn read(header: &[u8], source: Option<&[u8]>) -> WqFacts {
        let header = without_comments(header);
        let source = source.map(without_comments);
        let names = declared_system_wqs(&header);
        if names.is_empty() {
            return Self::fallback(
                "include/linux/workqueue.h declares no `extern struct workqueue_struct *system_*`",
            );
        }
        let mut notes = Vec::new();
        let system: Vec<SystemWqFact> = names
            .iter()
            .map(|name| {
                let created = source.as_deref().and_then(|c| creation_args(c, name));
                match created {
                    Some((flags, max)) => fact(name, Some(flags), Some(max), true),
                    None => {
                        let known = FALLBACK.iter().find(|(n, _)| n == name);
                        notes.push(match known {
                            Some(_) => format!(
                                "{name}: flags from Linux 5.10's table ({})",
                                where_not(&source)
                            ),
                            None => format!(
                                "{name}: flags unknown ({}); a module that flushes it is refused",
                                where_not(&source)
                            ),
                        });
                        let max = known.and_then(|_| fallback_max(name));
                        fact(name, known.map(|(_, f)| f.to_string()), max, false)
                    }
                }
            })
            .collect();
        let implied = implied_apis()
            .map(|api| {
                let named = [Some(header.as_slice()), source.as_deref()]
                    .into_iter()
                    .flatten()
                    .find_map(|text| body_names(text, api, &names));
                let wq = named.unwrap_or_else(|| {
                    let assumed = default_implied(&names);
                    notes.push(format!(
                        "{api}: no definition naming a system workqueue found; assumed {assumed}"
                    ));
                    assumed
                });
                (api, system_wq(&system, &wq).expect("declared"))
            })
            .collect();
        WqFacts {
            system,
            implied,
            notes,
            kernel: None,
            flag_names: declared_flags(&header),
            aliases: declared_aliases(&header),
            compat: Vec::new(),
        }
    }

    /// The system workqueue named `ident`, if the tree declares one.
    pub fn system_wq(&self, ident: &str) -> Option<SystemWq> {
        system_wq(&self.system, ident)
    }

    /// The workqueue an implied-workqueue API (`schedule_work`) acts on.
    pub fn implied(&self, api: &str) -> Option<SystemWq> {
        self.implied
            .iter()
            .find(|(a, _)| *a == api)
            .map(|(_, wq)| *wq)
    }

    /// Whether every fact came from the tree.
    pub fn all_from_tree(&self) -> bool {
        self.notes.is_empty()
    }
}

fn fact(
    name: &str,
    created_with: Option<String>,
    max_active: Option<String>,
    from_tree: bool,
) -> SystemWqFact {
    let local = created_with.as_deref().map(local_flags);
    SystemWqFact {
        wq: SystemWq {
            name: intern(name),
            flags: local.map(|f| intern(&f)),
            max_active: intern(max_active.as_deref().unwrap_or("0")),
        },
        created_with,
        max_active,
        from_tree,
    }
}

fn fallback_max(name: &str) -> Option<String> {
    let (wq, max) = FALLBACK_MAX_ACTIVE;
    Some(if name == wq { max } else { "0" }.to_string())
}

fn system_wq(system: &[SystemWqFact], ident: &str) -> Option<SystemWq> {
    system.iter().find(|f| f.wq.name == ident).map(|f| f.wq)
}

fn where_not(source: &Option<Vec<u8>>) -> &'static str {
    match source {
        Some(_) => "no `= alloc_workqueue(` for it in kernel/workqueue.c",
        None => "the tree has no kernel/workqueue.c",
    }
}

/// The flags of a local workqueue that behaves like one created with
/// `created`: the kernel's internal `__WQ_*` flags dropped, the rest
/// (`WQ_PERCPU` on 7.x included) kept in order.
pub fn local_flags(created: &str) -> String {
    let kept: Vec<&str> = created
        .split('|')
        .map(str::trim)
        .filter(|f| !f.is_empty() && !f.starts_with("__WQ_") && *f != "0")
        .collect();
    match kept.is_empty() {
        true => "0".to_string(),
        false => kept.join(" | "),
    }
}

fn implied_apis() -> impl Iterator<Item = &'static str> {
    APIS.iter()
        .filter(|a| matches!(a.wq_arg, WqArg::Implied { .. }))
        .map(|a| a.name)
}

/// Without its own definition, an implied API is taken to act on the
/// workqueue `schedule_work()` would have had in 5.10, when declared.
fn default_implied(names: &[String]) -> String {
    match names.iter().any(|n| n == FALLBACK_IMPLIED) {
        true => FALLBACK_IMPLIED.to_string(),
        false => names[0].clone(),
    }
}

/// `text` with its comments blanked (same length), so that
/// `/* use system_percpu_wq */` names nothing.
fn without_comments(text: &[u8]) -> Vec<u8> {
    let mut out = text.to_vec();
    for range in comment_ranges(text) {
        for b in &mut out[range] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    out
}

/// `extern struct workqueue_struct *system_…;` declarations, in order.
fn declared_system_wqs(header: &[u8]) -> Vec<String> {
    let needle = b"struct workqueue_struct *system_";
    memchr::memmem::find_iter(header, needle)
        .filter(|&at| header[..at].ends_with(b"extern "))
        .filter_map(|at| {
            let start = at + needle.len() - "system_".len();
            let (_, word) = words_in(&header[start..]).next()?;
            let after = header[start + word.len()..]
                .iter()
                .find(|b| !b.is_ascii_whitespace());
            (after == Some(&b';')).then(|| word.to_string())
        })
        .collect()
}

/// The `WQ_*` names the header gives a value (`WQ_UNBOUND = 1 << 1,`):
/// the flags this kernel knows. An enum's members are invisible to
/// `#ifdef`, so this is how a conversion learns whether it may write one.
fn declared_flags(header: &[u8]) -> Vec<String> {
    let mut found: Vec<String> = words_in(header)
        .filter(|(_, word)| word.starts_with("WQ_"))
        .filter(|(at, word)| {
            let rest = &header[at + word.len()..];
            let Some(gap) = rest.iter().position(|b| *b != b' ' && *b != b'\t') else {
                return false;
            };
            rest[gap] == b'=' && rest.get(gap + 1) != Some(&b'=')
        })
        .map(|(_, word)| word.to_string())
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The flags and max_active arguments of `name = alloc_workqueue("…",
/// flags, max)`, each on one line.
fn creation_args(source: &[u8], name: &str) -> Option<(String, String)> {
    let pattern = format!("{name} = alloc_workqueue(");
    let at = memchr::memmem::find_iter(source, pattern.as_bytes())
        .find(|&at| at == 0 || !is_word_byte(source[at - 1]))?;
    let open = at + pattern.len() - 1;
    let close = matching_paren(source, open)?;
    let args = arg_ranges(source, open, close);
    let arg = |at: usize| -> Option<String> {
        let text = std::str::from_utf8(&source[args.get(at)?.clone()]).ok()?;
        Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    Some((arg(1)?, arg(2)?))
}

/// `WQ_A = WQ_B,` (an enum member) and `#define WQ_A WQ_B`: A, B.
fn declared_aliases(header: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(header);
    let mut found: Vec<(String, String)> = text
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("#define").unwrap_or(line);
            let (name, rest) = line.trim_start().split_once([' ', '\t'])?;
            let value = rest
                .trim()
                .trim_start_matches('=')
                .trim()
                .trim_end_matches(',');
            let one_word = |w: &str| w.starts_with("WQ_") && w.bytes().all(is_word_byte);
            (one_word(name) && one_word(value)).then(|| (name.to_string(), value.to_string()))
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The first declared system workqueue named in the definition of `api`
/// in `text`: a function body or a `#define` of it.
fn body_names(text: &[u8], api: &str, names: &[String]) -> Option<String> {
    let needle = format!("{api}(");
    memchr::memmem::find_iter(text, needle.as_bytes())
        .filter(|&at| at == 0 || !is_word_byte(text[at - 1]))
        .find_map(|at| {
            let body = definition_body(text, at, at + needle.len() - 1)?;
            words_in(&text[body])
                .map(|(_, w)| w)
                .find(|w| names.iter().any(|n| n == w))
                .map(str::to_string)
        })
}

/// The body of the definition whose name starts at `name` with its `(` at
/// `open`: the braces after the parameters, or the rest of a `#define`
/// (continued lines included). None for a call or a declaration.
fn definition_body(text: &[u8], name: usize, open: usize) -> Option<std::ops::Range<usize>> {
    let line_start = text[..name]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let before = String::from_utf8_lossy(&text[line_start..name]);
    let close = matching_paren(text, open)?;
    if before.trim_start().starts_with("#define") {
        let mut end = close;
        while let Some(nl) = memchr::memchr(b'\n', &text[end..]).map(|i| end + i) {
            end = nl + 1;
            if !text[..nl].trim_ascii_end().ends_with(b"\\") {
                break;
            }
        }
        return Some(close..end.min(text.len()));
    }
    let next = close
        + 1
        + text[close + 1..]
            .iter()
            .position(|b| !b.is_ascii_whitespace())?;
    if text[next] != b'{' {
        return None;
    }
    Some(next..matching_brace(text, next)?)
}

#[cfg(test)]
mod tests;
