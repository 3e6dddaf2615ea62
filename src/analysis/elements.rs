//! Every element of a fixed array of per-instance structs: where the
//! module's only instances of `struct tag` are the elements of one
//! file-scope array, each initialised by a loop at the top level of the
//! module's init function, a flush waits for one item of all of them
//! with a loop over the array (`for (i = 0; i < ARRAY_SIZE(ports); i++)
//! flush_work(&ports[i].work);`).

use super::items::{declarations_in, file_scope, typedefs, Typedefs};
use super::sites::Site;
use crate::ctext::{calls_in, has_word, words_in};
use crate::entry::Entry;
use crate::load::Unit;

/// A flush that waits for an item in each element of `array`, through a
/// loop on `index`, an `int` the flush's function declares for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Each {
    pub array: String,
    pub index: String,
}

impl Each {
    /// The loop that makes `call` (spelt with `index`) for each element.
    pub fn wrap(&self, call: &str) -> String {
        let Each { array, index } = self;
        format!("for ({index} = 0; {index} < ARRAY_SIZE({array}); {index}++)\n\t{call}")
    }

    /// `call` for each element, as prose.
    pub fn describe(&self, call: &str) -> String {
        format!("{call} for each element of {}[]", self.array)
    }
}

/// The loop index a flush's function can take for its own.
const INDEX: &str = "i";

/// Macros that initialise a work item.
const INITS: &[&str] = &[
    "INIT_WORK",
    "INIT_DELAYED_WORK",
    "INIT_DEFERRABLE_WORK",
    "INIT_RCU_WORK",
];

/// How the flush names `path` in every element of the one file-scope
/// array of `struct tag`: None when the module has no such array (the
/// rule does not apply), or why it cannot.
pub fn each_element(
    unit: &Unit,
    flush: &Site,
    tag: &str,
    path: &str,
) -> Option<Result<(String, Each), String>> {
    let typedefs = typedefs(unit);
    let arrays: Vec<String> = file_scope(unit, flush.file, typedefs)
        .into_iter()
        .filter(|d| d.tag == tag && d.array && !d.pointer)
        .map(|d| d.name)
        .collect();
    let array = arrays.first()?.clone();
    Some(
        only_instances(unit, typedefs, tag, &array, &arrays)
            .and_then(|()| initialised_in_init(unit, flush, &array, path))
            .and_then(|()| free_index(unit, flush))
            .map(|index| (format!("&{array}[{index}].{path}"), Each { array, index })),
    )
}

/// Whether the elements of `array` are the module's only instances of
/// `struct tag`: no other array, variable or member of that type, and
/// no allocation of one.
fn only_instances(
    unit: &Unit,
    typedefs: &Typedefs,
    tag: &str,
    array: &str,
    arrays: &[String],
) -> Result<(), String> {
    if arrays.len() > 1 {
        return Err(format!(
            "struct {tag} has several arrays ({})",
            arrays.join(", ")
        ));
    }
    let spellings: Vec<String> = std::iter::once(format!("struct {tag}"))
        .chain(
            typedefs
                .iter()
                .filter(|(_, t)| *t == tag)
                .map(|(n, _)| n.clone()),
        )
        .collect();
    for file in &unit.files {
        let declared = declarations_in(&file.text, typedefs);
        let instances = declared.iter().filter(|d| d.tag == tag && !d.pointer);
        if let Some(other) = instances.into_iter().find(|d| d.name != array) {
            return Err(format!(
                "{} declares another struct {tag}, {}, besides the elements of {array}",
                file.path.display(),
                other.name
            ));
        }
        let pointers: Vec<&str> = declared
            .iter()
            .filter(|d| d.tag == tag && d.pointer)
            .map(|d| d.name.as_str())
            .collect();
        if allocates(&file.text, &spellings, &pointers) {
            return Err(format!(
                "{} allocates a struct {tag}: not every one is an element of {array}",
                file.path.display()
            ));
        }
    }
    Ok(())
}

/// Whether `text` takes the size of the type or of what one of its
/// pointers points to (`sizeof(struct tag)`, `sizeof(*port)`): the
/// allocations of another instance.
fn allocates(text: &[u8], spellings: &[String], pointers: &[&str]) -> bool {
    let squeezed: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let sized = |inner: String| {
        memchr::memmem::find(&squeezed, format!("sizeof({inner})").as_bytes()).is_some()
    };
    spellings.iter().any(|s| sized(s.replace(' ', "")))
        || pointers.iter().any(|p| sized(format!("*{p}")))
}

/// Whether the module's init function initialises `path` of every
/// element of `array` before anything can reach the flush: in a loop over
/// the whole array, at the top level of its body (not behind a
/// condition), and before the flush when the flush is in init itself.
fn initialised_in_init(unit: &Unit, flush: &Site, array: &str, path: &str) -> Result<(), String> {
    let Entry::Explicit {
        init: Some(init), ..
    } = &unit.entry
    else {
        return Err("the module has no init function to initialise the array's items".into());
    };
    let name = init.args.first().map(String::as_str).unwrap_or("");
    let found = unit.files.iter().enumerate().find_map(|(at, file)| {
        let function = file.facts.functions.iter().find(|f| f.name == name)?;
        Some((at, file, function))
    });
    let Some((at, file, function)) = found else {
        return Err(format!(
            "{name}(), the init function, is not in the module's files"
        ));
    };
    let body = &file.text[function.body.clone()];
    let before_flush =
        |offset: usize| at != flush.file || function.body.start + offset < flush.range.start;
    let covered = top_level_loops(body).into_iter().any(|(header, inner)| {
        let whole =
            has_word(header, array) && memchr::memmem::find(header, b"ARRAY_SIZE").is_some();
        whole && before_flush(inner.start) && initialises(&body[inner], path)
    });
    match covered {
        true => Ok(()),
        false => Err(format!(
            "{name}() does not initialise .{path} of every element of {array} in a loop over \
             ARRAY_SIZE({array}) at the top of its body"
        )),
    }
}

/// The `for` loops at the top level of a function body (`{…}`): each
/// loop's header and body ranges, as offsets in `body`.
fn top_level_loops(body: &[u8]) -> Vec<(&[u8], std::ops::Range<usize>)> {
    let mut loops = Vec::new();
    for (offset, word) in calls_in(body) {
        if word != "for" || depth_at(body, offset) != 1 || !starts_statement(body, offset) {
            continue;
        }
        let open = offset + body[offset..].iter().position(|b| *b == b'(').unwrap_or(0);
        let Some(close) = crate::ctext::matching_paren(body, open) else {
            continue;
        };
        let rest = close + 1;
        let end = match body[rest..].iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => {
                let brace = rest + body[rest..].iter().position(|b| *b == b'{').unwrap_or(0);
                crate::ctext::matching_brace(body, brace).unwrap_or(body.len())
            }
            _ => rest + body[rest..].iter().position(|b| *b == b';').unwrap_or(0),
        };
        loops.push((&body[open..close], rest..end));
    }
    loops
}

/// Whether the code at `offset` starts a statement of its block, not the
/// braceless body of an `if`, `else` or loop: what precedes it ends a
/// statement or a block.
fn starts_statement(body: &[u8], offset: usize) -> bool {
    let mut before = body[..offset].trim_ascii_end();
    // A comment above it is not what it follows.
    while before.ends_with(b"*/") {
        match memchr::memmem::rfind(before, b"/*") {
            Some(open) => before = before[..open].trim_ascii_end(),
            None => break,
        }
    }
    matches!(before.last(), Some(b';' | b'{' | b'}')) && !before.ends_with(b"else")
}

/// Brace depth at `offset` of a function body that starts with its `{`.
fn depth_at(body: &[u8], offset: usize) -> i32 {
    let comments = crate::ctext::comment_ranges(body);
    body[..offset]
        .iter()
        .enumerate()
        .filter(|(at, _)| !comments.iter().any(|c| c.contains(at)))
        .map(|(_, b)| match b {
            b'{' => 1,
            b'}' => -1,
            _ => 0,
        })
        .sum()
}

/// Whether `text` initialises a work item ending in `.path` or `->path`.
fn initialises(text: &[u8], path: &str) -> bool {
    calls_in(text).any(|(offset, word)| {
        if !INITS.contains(&word) {
            return false;
        }
        let after = &text[offset + word.len()..];
        let first = after.split(|b| *b == b',').next().unwrap_or(b"");
        let first: String = String::from_utf8_lossy(first)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        first.ends_with(&format!(".{path}")) || first.ends_with(&format!("->{path}"))
    })
}

/// The loop index for the flush's function: `i`, when the function does
/// not use that name already.
fn free_index(unit: &Unit, flush: &Site) -> Result<String, String> {
    let function = flush
        .enclosing(unit)
        .ok_or("the flush is outside a function")?;
    let text = &unit.files[flush.file].text[function.range.clone()];
    match words_in(text).any(|(_, w)| w == INDEX) {
        false => Ok(INDEX.to_string()),
        true => Err(format!(
            "{}() already uses `{INDEX}`, which the loop over the array would take",
            function.name
        )),
    }
}
