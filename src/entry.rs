//! Module entry points: `module_init`/`module_exit`, initcalls, and the
//! `module_*_driver()` family, whose register/unregister pair is read from
//! the tree's own `#define`s rather than from a table in localwq.

use crate::ctext::{matching_paren, split_args, words_in};
use std::collections::BTreeMap;
use std::ops::Range;

/// A top-level macro invocation such as `module_init(foo_init);`.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub file: usize,
    pub macro_name: String,
    pub args: Vec<String>,
    /// From the start of the line to the end of the line holding the `;`.
    pub range: Range<usize>,
}

/// What `#define module_foo_driver(...)` expands to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriverMacro {
    /// `module_driver(driver, register, unregister, extra...)`, with the
    /// macro's own parameters substituted by `expand`.
    ModuleDriver {
        params: Vec<String>,
        driver: String,
        register: String,
        unregister: String,
        extra: Vec<String>,
    },
    /// Anything else: localwq cannot say what init and exit would be.
    Other,
}

/// The pair a `module_*_driver()` invocation stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverPair {
    pub driver: String,
    pub register: String,
    pub unregister: String,
    /// Arguments after `&driver` in both calls.
    pub extra: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Entry {
    Explicit {
        init: Option<Invocation>,
        exit: Option<Invocation>,
    },
    DriverMacro {
        invocation: Invocation,
        pair: Option<DriverPair>,
    },
    None,
}

const INITCALLS: &[&str] = &[
    "module_init",
    "__initcall",
    "pure_initcall",
    "core_initcall",
    "core_initcall_sync",
    "postcore_initcall",
    "postcore_initcall_sync",
    "arch_initcall",
    "arch_initcall_sync",
    "subsys_initcall",
    "subsys_initcall_sync",
    "fs_initcall",
    "fs_initcall_sync",
    "rootfs_initcall",
    "device_initcall",
    "device_initcall_sync",
    "late_initcall",
    "late_initcall_sync",
];

/// Position of an initcall in boot order (`module_init` is a device
/// initcall).
pub fn initcall_level(name: &str) -> Option<usize> {
    let name = match name {
        "module_init" | "__initcall" => "device_initcall",
        other => other,
    };
    INITCALLS.iter().position(|i| *i == name)
}

pub fn is_driver_macro(name: &str) -> bool {
    name.starts_with("module_") && name.ends_with("_driver")
}

/// Top-level invocations of `names` (or of any `module_*_driver`) in `file`.
/// `inert` says whether an offset is in a comment or string (a parse
/// knows; a skimmed file has none), where a macro name is no invocation.
pub fn invocations(text: &[u8], inert: impl Fn(usize) -> bool, index: usize) -> Vec<Invocation> {
    // Every entry macro's name holds `module_` or `initcall`: only lines
    // with one of them are looked at.
    let starts = crate::ctext::lines_holding(text, &["module_", "initcall"]);
    let mut found: Vec<Invocation> = Vec::new();
    for line_start in starts {
        if found.last().is_some_and(|inv| line_start < inv.range.end) {
            continue;
        }
        if let Some(inv) = invocation_at(text, &inert, index, line_start) {
            found.push(inv);
        }
    }
    found
}

fn invocation_at(
    text: &[u8],
    inert: impl Fn(usize) -> bool,
    index: usize,
    start: usize,
) -> Option<Invocation> {
    let name_len = text[start..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    let name = std::str::from_utf8(&text[start..start + name_len]).ok()?;
    let wanted = INITCALLS.contains(&name) || name == "module_exit" || is_driver_macro(name);
    if !wanted || text.get(start + name_len) != Some(&b'(') || inert(start) {
        return None;
    }
    let close = matching_paren(text, start + name_len)?;
    let args = split_args(&String::from_utf8_lossy(&text[start + name_len + 1..close]));
    let mut end = memchr::memchr(b'\n', &text[close..]).map_or(text.len(), |i| close + i + 1);
    if end > text.len() {
        end = text.len();
    }
    Some(Invocation {
        file: index,
        macro_name: name.to_string(),
        args,
        range: start..end,
    })
}

/// The module's entry, from the invocations in all of its files;
/// `link_rank` gives a file's place in the link order (None: unknown).
pub fn entry(
    invocations: &[Invocation],
    macros: &BTreeMap<String, DriverMacro>,
    link_rank: &dyn Fn(usize) -> Option<usize>,
) -> Entry {
    // The earliest initcall runs first: allocating there covers the others.
    // Of one level, the first linked (its file's object listed first, then
    // first in its file) runs first.
    let init = invocations
        .iter()
        .filter_map(|i| {
            Some((
                initcall_level(&i.macro_name)?,
                link_rank(i.file),
                i.range.start,
                i,
            ))
        })
        .min_by_key(|(level, rank, start, _)| (*level, rank.unwrap_or(usize::MAX), *start))
        .map(|(.., i)| i);
    let exit = invocations.iter().find(|i| i.macro_name == "module_exit");
    if init.is_some() || exit.is_some() {
        return Entry::Explicit {
            init: init.cloned(),
            exit: exit.cloned(),
        };
    }
    let Some(driver) = invocations.iter().find(|i| is_driver_macro(&i.macro_name)) else {
        return Entry::None;
    };
    let pair = if driver.macro_name == "module_driver" && driver.args.len() >= 3 {
        let a = &driver.args;
        Some(DriverPair::new(&a[0], &a[1], &a[2], a[3..].iter().cloned()))
    } else {
        macros
            .get(&driver.macro_name)
            .and_then(|m| m.expand(&driver.args))
    };
    Entry::DriverMacro {
        invocation: driver.clone(),
        pair,
    }
}

impl DriverPair {
    /// What `module_driver(driver, register, unregister, extra...)` calls.
    pub fn new(
        driver: &str,
        register: &str,
        unregister: &str,
        extra: impl Iterator<Item = String>,
    ) -> Self {
        DriverPair {
            driver: simplify_address(&format!("&({driver})")),
            register: register.to_string(),
            unregister: unregister.to_string(),
            extra: extra.map(|e| simplify_address(&e)).collect(),
        }
    }

    /// The driver struct's name, for the generated function names.
    pub fn driver_name(&self) -> &str {
        self.driver.trim_start_matches('&')
    }
}

impl DriverMacro {
    /// Parses the text after `#define ` of a `module_*_driver` definition.
    pub fn parse(definition: &str) -> Option<(String, DriverMacro)> {
        let open = definition.find('(')?;
        let name = definition[..open].trim().to_string();
        let close = open + matching_paren(&definition.as_bytes()[open..], 0)?;
        let params = split_args(&definition[open + 1..close]);
        let body = definition[close + 1..].trim_start();
        let Some(rest) = body.strip_prefix("module_driver") else {
            return Some((name, DriverMacro::Other));
        };
        let rest = rest.trim_start();
        let inner_close = matching_paren(rest.as_bytes(), 0)?;
        let mut args = split_args(&rest[1..inner_close]).into_iter();
        let (driver, register, unregister) = (args.next()?, args.next()?, args.next()?);
        let extra = args.collect();
        let parsed = DriverMacro::ModuleDriver {
            params,
            driver,
            register,
            unregister,
            extra,
        };
        Some((name, parsed))
    }

    /// Substitutes an invocation's arguments for the macro's parameters.
    pub fn expand(&self, actual: &[String]) -> Option<DriverPair> {
        let DriverMacro::ModuleDriver {
            params,
            driver,
            register,
            unregister,
            extra,
        } = self
        else {
            return None;
        };
        if params.len() != actual.len() {
            return None;
        }
        let substitute = |text: &str| -> String {
            let mut out = text.to_string();
            for (param, arg) in params.iter().zip(actual) {
                out = replace_word(&out, param, arg);
            }
            out
        };
        Some(DriverPair::new(
            &substitute(driver),
            &substitute(register),
            &substitute(unregister),
            extra.iter().map(|e| substitute(e)),
        ))
    }
}

fn replace_word(text: &str, word: &str, with: &str) -> String {
    let mut out = String::new();
    let mut last = 0;
    for (offset, found) in words_in(text.as_bytes()) {
        if found == word {
            out.push_str(&text[last..offset]);
            out.push_str(with);
            last = offset + word.len();
        }
    }
    out.push_str(&text[last..]);
    out
}

/// `&(foo)` → `&foo`: the parentheses only protect macro arguments.
fn simplify_address(text: &str) -> String {
    let inner = text.strip_prefix("&(").and_then(|t| t.strip_suffix(')'));
    match inner {
        Some(name) if name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
            format!("&{name}")
        }
        _ => text.to_string(),
    }
}

/// Every `#define module_*_driver(` in `text`, continuation lines joined.
pub fn driver_macros_in(text: &[u8], into: &mut BTreeMap<String, DriverMacro>) {
    let needle = b"#define module_";
    for at in memchr::memmem::find_iter(text, needle) {
        let start = at + b"#define ".len();
        let mut end = start;
        while end < text.len() {
            let line_end = memchr::memchr(b'\n', &text[end..]).map_or(text.len(), |i| end + i);
            end = line_end;
            if line_end == 0 || text[line_end - 1] != b'\\' {
                break;
            }
            end += 1;
        }
        let definition = String::from_utf8_lossy(&text[start..end]).replace("\\\n", " ");
        if let Some((name, parsed)) = DriverMacro::parse(&definition) {
            if is_driver_macro(&name) {
                into.entry(name).or_insert(parsed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_module_driver_definitions() {
        let mut macros = BTreeMap::new();
        driver_macros_in(
            b"#define module_platform_driver(__platform_driver) \\\n\
              \tmodule_driver(__platform_driver, platform_driver_register, \\\n\
              \t\t\tplatform_driver_unregister)\n\
              #define module_isa_driver(__isa_driver, __num_isa_dev) \\\n\
              static int __init __isa_driver##_init(void) \\\n",
            &mut macros,
        );
        let pair = macros["module_platform_driver"]
            .expand(&["foo_driver".into()])
            .unwrap();
        assert_eq!(pair.driver, "&foo_driver");
        assert_eq!(pair.register, "platform_driver_register");
        assert_eq!(pair.unregister, "platform_driver_unregister");
        assert_eq!(macros["module_isa_driver"], DriverMacro::Other);
    }

    #[test]
    fn substitutes_extra_arguments() {
        let (_, m) = DriverMacro::parse(
            "module_comedi_pci_driver(__comedi, __pci) module_driver(__comedi, \
             comedi_pci_driver_register, comedi_pci_driver_unregister, &(__pci))",
        )
        .unwrap();
        let pair = m.expand(&["c".into(), "p".into()]).unwrap();
        assert_eq!(pair.extra, ["&p"]);
    }
}
