//! Step 0's per-instance items: what a queueing call queues, as a global
//! (`&foo_work`) or as a field of a struct (`&chip->poweroff_work` is field
//! `poweroff_work` of `struct tsl2563_chip`), and how a flush site can name
//! the same item through a variable it already holds.

use super::sites::Site;
use crate::ctext::words_in;
use crate::load::Unit;
use crate::parse::SourceFile;
use crate::wq::ApiKind;
use std::collections::BTreeMap;

/// Which flush call waits for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItemKind {
    Work,
    Delayed,
    Rcu,
}

impl ItemKind {
    pub fn of(site: &Site) -> ItemKind {
        match site.api.name {
            "queue_rcu_work" => ItemKind::Rcu,
            name if name.contains("delayed_work") => ItemKind::Delayed,
            _ => ItemKind::Work,
        }
    }

    pub fn flush_fn(self) -> &'static str {
        match self {
            ItemKind::Work => "flush_work",
            ItemKind::Delayed => "flush_delayed_work",
            ItemKind::Rcu => "flush_rcu_work",
        }
    }

    /// The calls that, made before a flush, leave nothing of the item
    /// for it to wait for.
    fn waits(self) -> &'static [&'static str] {
        match self {
            ItemKind::Work => &["flush_work", "cancel_work_sync"],
            ItemKind::Delayed => &["flush_delayed_work", "cancel_delayed_work_sync"],
            ItemKind::Rcu => &["flush_rcu_work"],
        }
    }
}

/// What an item is, independent of the variable that reaches it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItemKey {
    /// A work item declared at file scope.
    Global(String),
    /// A file-scope pointer to a work item, set once in init
    /// (`static struct work_struct *foo_wk;`).
    GlobalPointer(String),
    /// A field (`poweroff_work`, `a.b`) of a struct.
    Member { tag: String, path: String },
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct QueuedItem {
    pub key: ItemKey,
    pub kind: ItemKind,
}

impl QueuedItem {
    /// How the item reads in text (`struct tsl2563_chip.poweroff_work`).
    pub fn describe(&self) -> String {
        match &self.key {
            ItemKey::Global(name) => name.clone(),
            ItemKey::GlobalPointer(name) => format!("*{name}"),
            ItemKey::Member { tag, path } => format!("struct {tag}.{path}"),
        }
    }
}

/// A variable declared as a struct, pointer or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Declared {
    pub(super) tag: String,
    pub(super) name: String,
    pub(super) pointer: bool,
    /// `name[…]`: many instances, none of which names "the" item.
    pub(super) array: bool,
    /// `name = …` at its declaration.
    initialized: bool,
    /// Offset just past the name.
    end: usize,
}

/// Struct tags by the typedef names the module gives them
/// (`typedef struct scsi_qla_host {…} scsi_qla_host_t;`).
pub type Typedefs = BTreeMap<String, String>;

/// Every `typedef struct tag … name;` in the module's files and headers.
pub fn typedefs(unit: &Unit) -> &Typedefs {
    unit.memo.typedefs.get_or_init(|| typedefs_in(unit))
}

fn typedefs_in(unit: &Unit) -> Typedefs {
    let mut found = Typedefs::new();
    for file in &unit.files {
        let text = &file.text;
        for at in memchr::memmem::find_iter(text, b"typedef") {
            let mut words = words_in(&text[at..]).take(3);
            let (Some((_, "typedef")), Some((_, "struct")), Some((tag_at, tag))) =
                (words.next(), words.next(), words.next())
            else {
                continue;
            };
            let after_tag = at + tag_at + tag.len();
            let rest = &text[after_tag..];
            let Some(next) = rest.iter().position(|b| !b.is_ascii_whitespace()) else {
                continue;
            };
            let name_from = match rest[next] {
                b'{' => match crate::ctext::matching_brace(text, after_tag + next) {
                    Some(close) => close + 1,
                    None => continue,
                },
                _ => after_tag,
            };
            let end =
                memchr::memchr(b';', &text[name_from..]).map_or(text.len(), |e| name_from + e);
            let decl = &text[name_from..end];
            // `*name` would make the typedef a pointer type: left out.
            if decl.contains(&b'*') || decl.contains(&b'(') {
                continue;
            }
            if let Some((_, name)) = words_in(decl).last() {
                found.insert(name.to_string(), tag.to_string());
            }
        }
    }
    found
}

/// Every `struct tag name` / `struct tag *name` declaration in `text`, in
/// order (parameters, locals, members alike).
fn declarations(text: &[u8]) -> Vec<Declared> {
    declarations_in(text, &Typedefs::new())
}

/// `declarations`, also through the module's typedef names
/// (`scsi_qla_host_t *vha` is a `struct scsi_qla_host`).
pub(super) fn declarations_in(text: &[u8], typedefs: &Typedefs) -> Vec<Declared> {
    let words: Vec<(usize, &str)> = words_in(text).collect();
    let declared = |(tag_at, tag): (usize, &str), (at, name): (usize, &str)| {
        let between = &text[tag_at + tag.len()..at];
        let only_stars = between
            .iter()
            .all(|b| b.is_ascii_whitespace() || *b == b'*');
        let end = at + name.len();
        let next = text[end..].iter().find(|b| !b.is_ascii_whitespace());
        let initialized = next == Some(&b'=')
            && text[end..]
                .iter()
                .skip_while(|b| b.is_ascii_whitespace())
                .nth(1)
                != Some(&b'=');
        only_stars.then(|| Declared {
            tag: tag.to_string(),
            name: name.to_string(),
            pointer: between.contains(&b'*'),
            array: next == Some(&b'['),
            initialized,
            end,
        })
    };
    let mut found: Vec<Declared> = Vec::new();
    for (i, &(at, word)) in words.iter().enumerate() {
        let Some(&next) = words.get(i + 1) else {
            break;
        };
        let by_keyword = word == "struct" && i + 2 < words.len();
        let declaration = match (by_keyword, typedefs.get(word)) {
            (true, _) => declared(next, words[i + 2]),
            (false, Some(tag)) => declared((at, word), next).map(|mut d| {
                d.tag = tag.clone();
                d
            }),
            _ => None,
        };
        found.extend(declaration);
    }
    found
}

/// The struct tag that `name` is last declared with in `text` (`struct tag
/// *name`, `struct tag name`), as parameter or local.
pub fn struct_of(text: &[u8], name: &str) -> Option<String> {
    declarations(text)
        .into_iter()
        .rev()
        .find(|d| d.name == name)
        .map(|d| d.tag)
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The item a queueing site queues, or why it cannot be told.
pub fn queued_item(unit: &Unit, site: &Site) -> Result<QueuedItem, String> {
    let arg = site.work_arg(unit).unwrap_or("");
    let kind = ItemKind::of(site);
    let where_ = || {
        format!(
            "{}:{}: {}() queues `{arg}`",
            unit.files[site.file].path.display(),
            site.line,
            site.api.name
        )
    };
    let Some(expr) = arg.strip_prefix('&').map(str::trim) else {
        return match is_ident(arg) {
            true => set_once_in_init(unit, site.file, arg)
                .map(|()| QueuedItem {
                    key: ItemKey::GlobalPointer(arg.to_string()),
                    kind,
                })
                .map_err(|why| format!("{}, {why}", where_())),
            false => Err(format!("{}, not the address of a work item", where_())),
        };
    };
    if is_ident(expr) {
        return Ok(QueuedItem {
            key: ItemKey::Global(expr.to_string()),
            kind,
        });
    }
    let split = expr
        .find("->")
        .map(|at| (at, 2))
        .into_iter()
        .chain(expr.find('.').map(|at| (at, 1)))
        .min();
    let Some((at, len)) = split else {
        return Err(format!("{}, which localwq cannot resolve", where_()));
    };
    let (base, path) = (expr[..at].trim(), expr[at + len..].trim());
    let path_ok = path.split('.').all(|part| is_ident(part.trim()));
    if !is_ident(base) || !path_ok {
        return Err(format!("{}, which localwq cannot resolve", where_()));
    }
    let function = site.enclosing(unit).ok_or_else(where_)?;
    let text = &unit.files[site.file].text[function.range.start..site.range.start];
    let typedefs = typedefs(unit);
    let declared = declarations_in(text, typedefs)
        .into_iter()
        .rev()
        .find(|d| d.name == base)
        .or_else(|| {
            file_scope(unit, site.file, typedefs)
                .into_iter()
                .find(|d| d.name == base)
        })
        .ok_or_else(|| {
            format!(
                "{}: the type of `{base}` is not declared as a struct",
                where_()
            )
        })?;
    Ok(QueuedItem {
        key: ItemKey::Member {
            tag: declared.tag,
            path: path.to_string(),
        },
        kind,
    })
}

/// Why `name`, queued as it is, is not one work item for certain: it must
/// be a pointer to one declared at file scope, assigned once in all the
/// module, in its init.
fn set_once_in_init(unit: &Unit, file: usize, name: &str) -> Result<(), String> {
    let work_types = ["work_struct", "delayed_work", "rcu_work"];
    let declared = file_scope(unit, file, typedefs(unit))
        .into_iter()
        .any(|d| d.name == name && d.pointer && !d.array && work_types.contains(&d.tag.as_str()));
    if !declared {
        return Err("not the address of a work item".into());
    }
    let mut assigned_in = Vec::new();
    for source in &unit.files {
        for (at, word) in words_in(&source.text) {
            if word == name && assigns(&source.text[at + word.len()..]) && !source.in_inert(at) {
                let function = source.facts.functions.iter().find(|f| f.body.contains(&at));
                assigned_in.push(function.map(|f| (f.name.clone(), f.head.contains("__init"))));
            }
        }
    }
    match assigned_in.as_slice() {
        [Some((_, true))] => Ok(()),
        _ => Err(format!(
            "a pointer to a work item not set once in the module's __init function ({} \
             assignments)",
            assigned_in.len()
        )),
    }
}

/// Whether the text after a name assigns it (`= …`, not `==`).
fn assigns(after: &[u8]) -> bool {
    let mut rest = after.iter().skip_while(|b| b.is_ascii_whitespace());
    rest.next() == Some(&b'=') && rest.next() != Some(&b'=')
}

/// The argument a flush call at the flush site can pass for `item`: the
/// global's address, the pointer that holds it, or the field's address
/// through a struct variable in scope (a parameter or a local declared
/// before the flush), directly or through one member that holds the
/// struct.
pub fn name_at(unit: &Unit, flush: &Site, item: &QueuedItem) -> Result<String, String> {
    let address = |expr: String| format!("&{expr}");
    if let ItemKey::GlobalPointer(name) = &item.key {
        return set_once_in_init(unit, flush.file, name).map(|()| name.clone());
    }
    named_at(unit, flush, item).map(address)
}

/// The expression that names `item` at the flush site (`name_at`).
fn named_at(unit: &Unit, flush: &Site, item: &QueuedItem) -> Result<String, String> {
    let file = &unit.files[flush.file];
    let function = flush
        .enclosing(unit)
        .ok_or("the flush is outside a function")?;
    match &item.key {
        ItemKey::GlobalPointer(name) => Ok(name.clone()),
        ItemKey::Global(name) => {
            if declared_globally(file, name) {
                Ok(name.clone())
            } else {
                Err(format!(
                    "{name} is not a work item declared at file scope in {}",
                    file.path.display()
                ))
            }
        }
        ItemKey::Member { tag, path } => {
            let text = &file.text[function.range.start..flush.range.start];
            let params_end = function.body.start - function.range.start;
            // One instance for certain: a parameter, or a local set once
            // where it is declared; never an array, a loop cursor or a
            // variable assigned again before the flush.
            let in_scope: Vec<Declared> = declarations_in(text, typedefs(unit))
                .into_iter()
                .filter(|d| {
                    !d.array
                        && (d.end <= params_end || d.initialized)
                        && !rebound(&text[d.end..], &d.name)
                })
                .collect();
            let access = |pointer: bool| if pointer { "->" } else { "." };
            if let Some(var) = in_scope.iter().rev().find(|d| d.tag == *tag) {
                return Ok(format!("{}{}{path}", var.name, access(var.pointer)));
            }
            for var in in_scope.iter().rev() {
                let member = struct_members(unit, &var.tag)
                    .into_iter()
                    .find(|m| m.tag == *tag && !m.array);
                if let Some(m) = member {
                    return Ok(format!(
                        "{}{}{}{}{path}",
                        var.name,
                        access(var.pointer),
                        m.name,
                        access(m.pointer)
                    ));
                }
            }
            if let Some(global) = global_instance(unit, flush.file, tag) {
                return Ok(format!("{global}.{path}"));
            }
            // An array member (`ar->pipes[i]`): the elements are reached,
            // but a loop of flushes over them is sound only where every
            // element's item is known initialised, which localwq proves
            // for a file-scope array alone.
            for var in in_scope.iter().rev() {
                let member = struct_members(unit, &var.tag)
                    .into_iter()
                    .find(|m| m.tag == *tag && m.array && !m.pointer);
                if let Some(m) = member {
                    return Err(format!(
                        "{}() reaches struct {tag} only as the elements of {}{}{}[], a member \
                         array: localwq cannot prove each element's {path} initialised, which \
                         a loop of flushes over them needs, so it does not name them",
                        function.name,
                        var.name,
                        access(var.pointer),
                        m.name
                    ));
                }
            }
            Err(format!(
                "{}() holds no single struct {tag} (a parameter, or a local set once where \
                 it is declared) to reach {path} through",
                function.name
            ))
        }
    }
}

/// The one file-scope instance of `struct tag` the flush's file can name:
/// `static struct tag name;` in the file, or `extern struct tag name;` in
/// a header of the module it includes. None when there are several.
fn global_instance(unit: &Unit, file: usize, tag: &str) -> Option<String> {
    let mut found: Vec<String> = Vec::new();
    for d in file_scope(unit, file, typedefs(unit)) {
        if d.tag == tag && !d.pointer && !d.array && !found.contains(&d.name) {
            found.push(d.name);
        }
    }
    match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// The struct variables declared at file scope in `file` and in the
/// module's headers it includes (`extern struct x state;`).
pub(super) fn file_scope(unit: &Unit, file: usize, typedefs: &Typedefs) -> Vec<Declared> {
    let mut files: Vec<usize> = vec![file];
    files.extend(unit.headers_reached(file));
    let mut found = Vec::new();
    for at in files {
        let source = &unit.files[at];
        for declaration in &source.facts.top_declarations {
            found.extend(declarations_in(&source.text[declaration.clone()], typedefs));
        }
    }
    found
}

/// Whether `text` assigns `name` again (`name = …`, `name++`) or walks it
/// as a loop cursor (`list_for_each_entry(name, …)`).
fn rebound(text: &[u8], name: &str) -> bool {
    words_in(text).any(|(at, word)| {
        if word != name {
            return false;
        }
        let after: Vec<u8> = text[at + word.len()..]
            .iter()
            .filter(|b| !b.is_ascii_whitespace())
            .take(2)
            .copied()
            .collect();
        let assigned = after.first() == Some(&b'=') && after.get(1) != Some(&b'=')
            || after.starts_with(b"++")
            || after.starts_with(b"--");
        let before = text[..at].iter().rev().find(|b| !b.is_ascii_whitespace());
        let cursor = before == Some(&b'(')
            && words_in(&text[..at])
                .last()
                .is_some_and(|(_, call)| call.contains("for_each"));
        assigned || cursor
    })
}

/// Whether `name` is declared at file scope in `file` as a work item.
fn declared_globally(file: &SourceFile, name: &str) -> bool {
    let root = file.tree().root_node();
    let mut cursor = root.walk();
    let found = root.named_children(&mut cursor).any(|node| {
        let text = node.utf8_text(&file.text).unwrap_or("");
        node.kind() != "function_definition"
            && words_in(text.as_bytes()).any(|(_, w)| w == name)
            && [
                "DECLARE_WORK",
                "DECLARE_DELAYED_WORK",
                "work_struct",
                "delayed_work",
                "rcu_work",
            ]
            .iter()
            .any(|t| text.contains(t))
    });
    found
}

/// The struct-typed members of `struct tag`, from its definition in the
/// module's own files.
fn struct_members(unit: &Unit, tag: &str) -> Vec<Declared> {
    let memo = || {
        unit.memo
            .struct_bodies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    };
    let known = memo().get(tag).cloned();
    let body = known.unwrap_or_else(|| {
        let found = struct_body(unit, tag);
        memo().insert(tag.to_string(), found.clone());
        found
    });
    body.map_or_else(Vec::new, |(file, range)| {
        declarations(&unit.files[file].text[range])
    })
}

/// Where the first `struct tag {…}` of the unit's files holds its
/// members: the file and the text between the braces.
fn struct_body(unit: &Unit, tag: &str) -> Option<(usize, std::ops::Range<usize>)> {
    let needle = format!("struct {tag}");
    for (index, file) in unit.files.iter().enumerate() {
        for at in memchr::memmem::find_iter(&file.text, needle.as_bytes()) {
            let rest = &file.text[at + needle.len()..];
            let open = rest.iter().position(|b| !b.is_ascii_whitespace());
            if open.map(|o| rest[o]) != Some(b'{')
                || rest
                    .first()
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
            {
                continue;
            }
            let body_start = at + needle.len() + open.unwrap_or(0);
            let Some(close) = crate::ctext::matching_brace(&file.text, body_start) else {
                continue;
            };
            return Some((index, body_start + 1..close));
        }
    }
    None
}

/// The statement of the flush's block, before it, that already waits for
/// the item `expr` points to (`cancel_work_sync(expr);` or a flush of it) with no queueing
/// of it in between, as `call (line N)`.
pub fn waited_before(unit: &Unit, flush: &Site, expr: &str, kind: ItemKind) -> Option<String> {
    let file = &unit.files[flush.file];
    let call = file
        .tree()
        .root_node()
        .descendant_for_byte_range(flush.range.start, flush.range.end)?;
    let statement = call
        .parent()
        .filter(|p| p.kind() == "expression_statement")?;
    let wanted = expr.to_string();
    let mut previous = statement.prev_named_sibling();
    while let Some(node) = previous {
        let text = node.utf8_text(&file.text).unwrap_or("");
        let compact: String = text.split_whitespace().collect();
        let queues_it = compact.contains(&wanted.replace(' ', ""))
            && crate::wq::APIS
                .iter()
                .any(|a| a.kind == ApiKind::Queue && text.contains(a.name));
        if queues_it {
            return None;
        }
        if node.kind() == "expression_statement"
            && kind
                .waits()
                .iter()
                .any(|w| compact == format!("{w}({wanted});"))
        {
            let line = file.line_of(node.start_byte());
            return Some(format!(
                "{} (line {line})",
                text.trim().trim_end_matches(';')
            ));
        }
        previous = node.prev_named_sibling();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_cursors_and_reassigned_variables_are_rebound() {
        assert!(rebound(
            b"\n\tlist_for_each_entry(dev, &devs, node)\n",
            "dev"
        ));
        assert!(rebound(b"\n\tdev = next(dev);\n", "dev"));
        assert!(!rebound(b"\n\tif (dev == NULL)\n\t\tfoo(dev);\n", "dev"));
    }

    #[test]
    fn arrays_and_initializers_are_told_apart() {
        let found = declarations(b"struct p pipes[4]; struct c *c = get(); struct d *d;");
        let shape: Vec<(bool, bool)> = found.iter().map(|d| (d.array, d.initialized)).collect();
        assert_eq!(shape, [(true, false), (false, true), (false, false)]);
    }

    #[test]
    fn declarations_see_parameters_locals_and_pointers() {
        let text = b"static int f(struct i2c_client *client)\n{\n\tstruct chip *chip = x;\n\tstruct a b;\n";
        let found = declarations(text);
        let names: Vec<(&str, &str, bool)> = found
            .iter()
            .map(|d| (d.tag.as_str(), d.name.as_str(), d.pointer))
            .collect();
        assert_eq!(
            names,
            [
                ("i2c_client", "client", true),
                ("chip", "chip", true),
                ("a", "b", false)
            ]
        );
    }
}
