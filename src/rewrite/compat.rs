//! Output that compiles on every kernel given at once. Where the flags a
//! conversion writes use one some of those kernels lack (`WQ_PERCPU`
//! before 6.17 and 6.12.97: `wq::across::Compat`), the module tests the
//! kernel it is built against the way mature out-of-tree code does: its
//! Kbuild greps the kernel's header and defines a `HAVE_…` macro, and one
//! commented block in the C gives the flag its old meaning without it.
//! Never `#ifdef` on the flag (an enum constant, invisible to the
//! preprocessor), never a version comparison (stable kernels backport it).
//! One kernel needs none of this: its facts carry no compat.

use super::refuse;
use crate::ctext::words_in;
use crate::edit::{Edit, FileChange};
use crate::load::Unit;
use crate::refusal::{Refusal, RefusalKind};
use crate::wq::across::Compat;
use std::collections::BTreeMap;

/// The compat entries whose flag the conversion's edits write.
pub fn needed<'u>(unit: &'u Unit, edits: &BTreeMap<usize, Vec<Edit>>) -> Vec<&'u Compat> {
    unit.facts
        .compat
        .iter()
        .filter(|c| {
            edits
                .values()
                .flatten()
                .any(|e| words_in(e.text.as_bytes()).any(|(_, w)| w == c.symbol))
        })
        .collect()
}

/// The C block, once per file whose edits write a flag of `needed`, after
/// the file's last `#include` outside any conditional. A file that
/// already tests the probe keeps its own.
pub fn c_blocks(
    unit: &Unit,
    needed: &[&Compat],
    edits: &BTreeMap<usize, Vec<Edit>>,
) -> Result<Vec<(usize, Edit)>, Refusal> {
    let mut blocks = Vec::new();
    for (&file, file_edits) in edits {
        let source = &unit.files[file];
        let writes = |c: &&&Compat| {
            file_edits
                .iter()
                .any(|e| words_in(e.text.as_bytes()).any(|(_, w)| w == c.symbol))
        };
        let text: String = needed
            .iter()
            .filter(writes)
            .filter(|c| !words_in(&source.text).any(|(_, w)| w == c.probe))
            .map(|c| block(c))
            .collect();
        if text.is_empty() {
            continue;
        }
        let Some(after) = last_include_end(&source.text) else {
            return Err(refuse(
                source,
                0,
                RefusalKind::CompatPlace,
                "no #include outside a conditional to put the compat block after",
            ));
        };
        let blank_follows = source.text.get(after) == Some(&b'\n');
        let text = match blank_follows {
            true => format!("\n{text}"),
            false => format!("\n{text}\n"),
        };
        blocks.push((file, Edit::insert(after, text, "compat block")));
    }
    Ok(blocks)
}

fn block(compat: &Compat) -> String {
    let says = format!(
        "{symbol} is an enum constant, which #ifdef cannot test: Kbuild defines {probe} when \
         the kernel's workqueue.h declares it. {why}: {fallback} is the same.",
        symbol = compat.symbol,
        probe = compat.probe,
        fallback = compat.fallback,
        why = compat.why,
    );
    let mut lines = vec![String::from("/*")];
    for word in says.split(' ') {
        match lines.last_mut() {
            Some(line) if line != "/*" && line.len() + 1 + word.len() <= 78 => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(format!(" * {word}")),
        }
    }
    format!(
        "{}\n */\n#ifndef {probe}\n#define {symbol} {fallback}\n#endif\n",
        lines.join("\n"),
        probe = compat.probe,
        symbol = compat.symbol,
        fallback = compat.fallback,
    )
}

/// The offset just past the last `#include` line at nesting depth 0.
fn last_include_end(text: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut found = None;
    let mut at = 0;
    for line in text.split_inclusive(|b| *b == b'\n') {
        let directive = line.trim_ascii_start();
        let word = |w: &[u8]| {
            directive.strip_prefix(b"#").is_some_and(|rest| {
                let rest = rest.trim_ascii_start();
                rest.starts_with(w)
                    && rest
                        .get(w.len())
                        .is_none_or(|b| !crate::ctext::is_word_byte(*b))
            })
        };
        if word(b"if") || word(b"ifdef") || word(b"ifndef") {
            depth += 1;
        } else if word(b"endif") {
            depth = depth.saturating_sub(1);
        } else if word(b"include") && depth == 0 {
            found = Some(at + line.len());
        }
        at += line.len();
    }
    found
}

/// The Kbuild file with the test of each flag in `needed`, after the line
/// that names the module's object (inside whatever part of the file Kbuild
/// reads). None when nothing is needed or the file tests already.
pub fn kbuild_change(unit: &Unit, needed: &[&Compat]) -> Result<Option<FileChange>, Refusal> {
    if needed.is_empty() {
        return Ok(None);
    }
    let object = format!("{}.o", unit.module.name);
    let Some((path, text)) = &unit.kbuild else {
        return Err(Refusal::module(
            RefusalKind::CompatPlace,
            format!(
                "{} lacks {} on {}, and the module's directory has no Kbuild or Makefile \
                 to test for it in",
                needed[0].symbol,
                needed[0].symbol,
                needed[0].lacking.join(", ")
            ),
        ));
    };
    let probes: String = needed
        .iter()
        .filter(|c| !words_in(text).any(|(_, w)| w == c.probe))
        .map(|c| probe(c))
        .collect();
    if probes.is_empty() {
        return Ok(None);
    }
    let Some(after) = object_line_end(text, &object) else {
        return Err(Refusal::module(
            RefusalKind::CompatPlace,
            format!(
                "the conversion writes {}, which Linux {} lacks, and no line of {} names \
                 {object} to put the test for it after: convert for the kernels that declare \
                 it, or name the object there",
                needed[0].symbol,
                needed[0].lacking.join(", "),
                path.display()
            ),
        ));
    };
    let mut after_text = text.clone();
    after_text.splice(after..after, probes.bytes());
    Ok(Some(FileChange {
        path: path.clone(),
        before: text.clone(),
        after: after_text,
    }))
}

fn probe(compat: &Compat) -> String {
    format!(
        "# {symbol} is an enum constant: the C tests {probe}, defined when the\n\
         # kernel's workqueue.h declares it.\n\
         ccflags-y += $(if $(shell grep -qsE '\\<{symbol}[[:space:]]*=' \\\n\
         \t$(srctree)/include/linux/workqueue.h && echo y),-D{probe})\n",
        symbol = compat.symbol,
        probe = compat.probe,
    )
}

/// The end of the logical line (continuations included) of the `obj-…`
/// assignment that names `object`, or of the file's only `obj-…`
/// assignment (`obj-m := $(MODULE_NAME).o`, as DKMS Makefiles write it).
fn object_line_end(text: &[u8], object: &str) -> Option<usize> {
    let assignments = obj_assignments(text);
    let names_object = |line: &std::ops::Range<usize>| {
        text[line.clone()]
            .split(|b| b.is_ascii_whitespace() || *b == b'\\')
            .any(|w| w == object.as_bytes())
    };
    match assignments.iter().find(|l| names_object(l)) {
        Some(line) => Some(line.end),
        None => match assignments.as_slice() {
            [only] if only_variable(&text[only.clone()]) => Some(only.end),
            _ => None,
        },
    }
}

/// The logical lines (continuations joined) that assign to `obj-…`.
fn obj_assignments(text: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    let mut at = 0;
    let mut logical_start = 0;
    for line in text.split_inclusive(|b| *b == b'\n') {
        let continued = line.trim_ascii_end().ends_with(b"\\");
        at += line.len();
        if continued {
            continue;
        }
        if text[logical_start..at]
            .trim_ascii_start()
            .starts_with(b"obj-")
        {
            found.push(logical_start..at);
        }
        logical_start = at;
    }
    found
}

/// An assignment whose objects are spelt through a variable: the only
/// one in the file is the module's.
fn only_variable(line: &[u8]) -> bool {
    memchr::memmem::find(line, b"$(").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_include_outside_conditionals() {
        let text =
            b"#include <a.h>\n#ifdef X\n#include <b.h>\n#endif\n#include \"c.h\"\n\nint x;\n";
        let end = last_include_end(text).unwrap();
        assert_eq!(
            &text[..end],
            b"#include <a.h>\n#ifdef X\n#include <b.h>\n#endif\n#include \"c.h\"\n"
        );
        assert_eq!(last_include_end(b"#if A\n#include <a.h>\n#endif\n"), None);
    }

    #[test]
    fn the_object_line_with_its_continuations() {
        let text = b"ifneq ($(KERNELRELEASE),)\nobj-m += foo.o \\\n\tbar.o\nfoo-y := a.o\nelse\nall:\nendif\n";
        let end = object_line_end(text, "bar.o").unwrap();
        assert!(text[..end].ends_with(b"\tbar.o\n"));
        assert_eq!(object_line_end(text, "foo-y"), None);
        assert_eq!(object_line_end(text, "a.o"), None);
        let dkms = b"MODULE_NAME = foo\nobj-m := $(MODULE_NAME).o\n";
        assert_eq!(object_line_end(dkms, "foo.o"), Some(dkms.len()));
        let two = b"obj-m := $(A).o\nobj-m += $(B).o\n";
        assert_eq!(object_line_end(two, "foo.o"), None);
    }
}
