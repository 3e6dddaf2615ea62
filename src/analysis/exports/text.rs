//! The index's reading of C as text: a file's column-0-braced functions,
//! which of them queue on a system workqueue (directly, or through the
//! file's own functions), what they queue, and which cancel it.

use super::owned;
use super::queue_names::api_matches;
use crate::ctext::{
    arg_ranges, calls_in, column0_blocks, comment_ranges, has_word, is_word_byte, matching_paren,
    words_in, Needles,
};
use crate::wq::{self, ApiKind, SystemWq, WqArg, WqFacts};
use std::collections::{BTreeMap, BTreeSet};

/// A column-0-braced function of a file: its name, lines, callees.
pub(super) struct TextFunction {
    pub(super) name: String,
    pub(super) body_start: usize,
    pub(super) body_end: usize,
    pub(super) callees: BTreeSet<String>,
    /// Parameter names, in order.
    pub(super) params: Vec<String>,
    /// A parameter is a function pointer (`void (*cont)(…)`): the caller
    /// hands in code that the function may run, or have its work run.
    pub(super) takes_callback: bool,
    /// The names of those parameters (`cont`).
    pub(super) callback_params: Vec<String>,
    /// A parameter is a `struct module *`: the function can hold a
    /// reference on its caller's module while the work is pending.
    pub(super) pins_module: bool,
}

/// Whether a queueing call on a system workqueue occurs in `text`.
pub(super) fn system_queueing(text: &[u8], facts: &WqFacts) -> Vec<Option<SystemWq>> {
    // Queueing on a system workqueue either implies it or names it.
    static CHEAP: std::sync::OnceLock<Needles> = std::sync::OnceLock::new();
    let cheap = CHEAP.get_or_init(|| Needles::new(wq::QUEUE_NEEDLES));
    if !cheap.is_match(text) {
        return Vec::new();
    }
    let mut wqs: Vec<Option<SystemWq>> = api_matches(text)
        .into_iter()
        .filter_map(|m| {
            let api = wq::api(std::str::from_utf8(&text[m.clone()]).unwrap_or(""))?;
            let whole_word = text.get(m.end) == Some(&b'(')
                && (m.start == 0 || !is_word_byte(text[m.start - 1]));
            let (named, _) = whole_word.then(|| queued_on(text, m.end, api, facts))??;
            Some(facts.system_wq(&named))
        })
        .collect();
    wqs.sort();
    wqs.dedup();
    wqs
}

pub(super) fn text_functions(text: &[u8]) -> Vec<TextFunction> {
    let callback_types = function_typedefs(text);
    column0_blocks(text)
        .filter_map(|block| {
            let head = &text[block.head_start..block.open];
            let name = declared_name(head)?;
            let body_end = block.close + 1;
            let callees = calls_in(&text[block.open..body_end])
                .map(|(_, w)| w.to_string())
                .collect();
            let callback_params = callback_params(head, &name, &callback_types);
            Some(TextFunction {
                params: param_names(head, &name),
                takes_callback: !callback_params.is_empty(),
                callback_params,
                pins_module: params_text(head, &name)
                    .is_some_and(|p| memchr::memmem::find(p, b"struct module").is_some()),
                name,
                body_start: block.open,
                body_end,
                callees,
            })
        })
        .collect()
}

/// The parameter names of the head of function `name`: the last word of
/// each parameter (`struct x *p` → `p`); none for `(void)`.
fn param_names(head: &[u8], name: &str) -> Vec<String> {
    head_params(head, name)
        .into_iter()
        .filter_map(|r| {
            let param = std::str::from_utf8(&head[r]).ok()?;
            let (_, last) = words_in(param.as_bytes()).last()?;
            (last != "void").then(|| last.to_string())
        })
        .collect()
}

/// The parameters of function `name`'s head, as ranges of `head`.
fn head_params(head: &[u8], name: &str) -> Vec<std::ops::Range<usize>> {
    memchr::memmem::rfind(head, format!("{name}(").as_bytes())
        .and_then(|at| crate::ctext::call_args(head, at + name.len()))
        .unwrap_or_default()
}

/// The text between the parentheses of function `name`'s head.
fn params_text<'t>(head: &'t [u8], name: &str) -> Option<&'t [u8]> {
    let at = memchr::memmem::rfind(head, format!("{name}(").as_bytes())?;
    let open = at + name.len();
    let close = matching_paren(head, open)?;
    Some(&head[open + 1..close])
}

/// The parameters of function `name`'s head that are function pointers,
/// spelt out (`void (*cont)(…)`: `cont`) or through one of the file's
/// function typedefs (`fw_cb_t cont`, `fw_cb_fn *cont`).
fn callback_params(head: &[u8], name: &str, callback_types: &BTreeSet<String>) -> Vec<String> {
    head_params(head, name)
        .into_iter()
        .filter_map(|r| {
            let param = &head[r];
            let squeezed: Vec<u8> = param
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            if let Some(star) = memchr::memmem::find(&squeezed, b"(*") {
                return words_in(&squeezed[star..])
                    .next()
                    .map(|(_, w)| w.to_string());
            }
            let typed = words_in(param).any(|(_, w)| callback_types.contains(w));
            typed
                .then(|| words_in(param).last().map(|(_, w)| w.to_string()))
                .flatten()
        })
        .collect()
}

/// The names a file's typedefs give function types and function
/// pointer types: `typedef void (*cb_t)(void *)`, `typedef void cb_fn(void *)`.
pub(super) fn function_typedefs(text: &[u8]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for at in memchr::memmem::find_iter(text, b"typedef") {
        if at > 0 && is_word_byte(text[at - 1]) {
            continue;
        }
        let end = memchr::memchr(b';', &text[at..]).map_or(text.len(), |e| at + e);
        let decl = &text[at..end];
        // The declarator is the first word after `(*` or, with no
        // pointer, the word just before the first `(`.
        let Some(open) = memchr::memchr(b'(', decl) else {
            continue;
        };
        let after = &decl[open + 1..];
        let name = match after.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(star) if after[star] == b'*' => words_in(&after[star..]).next().map(|(_, w)| w),
            _ => words_in(&decl[..open]).last().map(|(_, w)| w),
        };
        if let Some(name) = name.filter(|n| *n != "typedef") {
            names.insert(name.to_string());
        }
    }
    names
}

/// The identifier before the parameter list's `(` in a function head.
/// The kernel-doc comment above a function is part of its head here:
/// what it mentions (`… before free_irq() …`) is no declaration.
pub(super) fn declared_name(head: &[u8]) -> Option<String> {
    // The head may start inside that comment (after a `;` of its prose):
    // what follows its last `*/` is the declaration.
    let after_comment = memchr::memmem::rfind(head, b"*/").map_or(0, |at| at + 2);
    let mut head = head[after_comment..].to_vec();
    for comment in comment_ranges(&head.clone()) {
        head[comment].fill(b' ');
    }
    let open = memchr::memchr(b'(', &head)?;
    let name = words_in(&head[..open]).last()?.1;
    (!matches!(name, "if" | "while" | "for" | "switch" | "return")).then(|| name.to_string())
}

/// A function's queueing on system workqueues.
#[derive(Debug, Clone)]
pub(super) struct Queuer {
    /// Line and text of the first queueing call.
    pub(super) line: usize,
    pub(super) call: String,
    /// The workqueue of every call; None when they differ or one is not
    /// a system workqueue localwq knows.
    pub(super) wq: Option<SystemWq>,
    /// Every call queues a file-scope work item of this file.
    pub(super) own_item: bool,
    /// The fields (`changed_work` of `&psy->changed_work`) of the items
    /// queued; None when one is not a struct member.
    pub(super) fields: Option<BTreeSet<String>>,
    /// The parameter every item is reached from (`&work_data->work`
    /// with `work_data` the first parameter: 0): the caller's item.
    pub(super) item_param: Option<usize>,
    /// How each item queued is matched with its binding to a work
    /// function: its field or variable name (`callback::item_key`).
    pub(super) keys: BTreeSet<String>,
}

/// The variable whose object an item expression is in: `work_data` for
/// `&work_data->work`, `dev` for `&dev.a.work` or a bare `dev`. None when
/// the expression follows a pointer stored in that object
/// (`&cmd->se_dev->work`, `cmd->se_dev`): that is another object, which
/// the caller did not hand in (target core's `se_device`, reached from
/// the `se_cmd` isert passes).
fn item_base(item: &str) -> Option<&str> {
    let expr = item.trim();
    let (addressed, expr) = match expr.strip_prefix('&') {
        Some(rest) => (true, rest.trim()),
        None => (false, expr),
    };
    let expr = expr.trim_start_matches('(').trim();
    let end = expr
        .bytes()
        .position(|b| !is_word_byte(b))
        .unwrap_or(expr.len());
    let tail = expr[end..].trim_start_matches(')').trim();
    let hops = tail.matches("->").count();
    let same_object = match addressed {
        true => hops == 0 || (hops == 1 && tail.starts_with("->")),
        false => tail.is_empty(),
    };
    (end > 0 && same_object).then(|| &expr[..end])
}

/// The field an item expression names: `changed_work` for
/// `&psy->changed_work`; None for anything but a member access.
pub(super) fn field_of(item: &str) -> Option<String> {
    let expr = item.trim().strip_prefix('&')?.trim();
    let at = expr
        .rfind("->")
        .map(|i| i + 2)
        .or_else(|| expr.rfind('.').map(|i| i + 1))?;
    let field = expr[at..].trim();
    let is_ident = !field.is_empty()
        && field
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    is_ident.then(|| field.to_string())
}

/// The calls that leave nothing of an item queued behind them.
const WAITS: &[&str] = &[
    "cancel_work_sync",
    "cancel_delayed_work_sync",
    "flush_work",
    "flush_delayed_work",
];

/// For each function, the item fields it cancels or flushes, itself or
/// through the functions of the file it calls, each with the waiting
/// calls that do it (`cancel_work_sync`).
pub(super) fn cancelled_fields(
    functions: &[TextFunction],
    text: &[u8],
) -> BTreeMap<String, BTreeMap<String, BTreeSet<&'static str>>> {
    let mut cancels: BTreeMap<String, BTreeMap<String, BTreeSet<&'static str>>> = BTreeMap::new();
    for function in functions {
        let body = &text[function.body_start..function.body_end];
        for (offset, word) in calls_in(body) {
            let Some(call) = WAITS.iter().find(|w| **w == word) else {
                continue;
            };
            let Some(args) = crate::ctext::call_args(body, offset + word.len()) else {
                continue;
            };
            let first = args.into_iter().next();
            let field = first.and_then(|r| field_of(&String::from_utf8_lossy(&body[r])));
            if let Some(field) = field {
                cancels
                    .entry(function.name.clone())
                    .or_default()
                    .entry(field)
                    .or_default()
                    .insert(call);
            }
        }
    }
    loop {
        let mut grew = false;
        for function in functions {
            let mut inherited: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
            for callee in function.callees.iter().filter_map(|c| cancels.get(c)) {
                for (field, calls) in callee {
                    inherited.entry(field.clone()).or_default().extend(calls);
                }
            }
            let own = cancels.entry(function.name.clone()).or_default();
            for (field, calls) in inherited {
                let known = own.entry(field).or_default();
                let before = known.len();
                known.extend(calls);
                grew |= known.len() > before;
            }
        }
        if !grew {
            return cancels;
        }
    }
}

/// Functions with a queueing call on a system workqueue in their body
/// (calls in comments are none).
pub(super) fn direct_queuers(
    functions: &[TextFunction],
    text: &[u8],
    facts: &WqFacts,
) -> BTreeMap<String, Queuer> {
    let mut found: BTreeMap<String, Queuer> = BTreeMap::new();
    for function in functions {
        let body = &text[function.body_start..function.body_end];
        let comments = comment_ranges(body);
        for (offset, word) in words_in(body) {
            let Some(api) = wq::api(word).filter(|a| a.kind == ApiKind::Queue) else {
                continue;
            };
            if comments.iter().any(|c| c.contains(&offset)) {
                continue;
            }
            let Some((named, item)) = queued_on(body, offset + word.len(), api, facts) else {
                continue;
            };
            let absolute = function.body_start + offset;
            // The call itself: up to its closing parenthesis, on its first line.
            let open = offset + word.len();
            let end = matching_paren(body, open).map_or(body.len(), |close| close + 1);
            let end = end.min(offset + 200);
            let end = end + usize::from(body.get(end) == Some(&b';'));
            let rest = String::from_utf8_lossy(&body[offset..end]);
            let queuer = Queuer {
                line: 1 + memchr::memchr_iter(b'\n', &text[..absolute]).count(),
                call: rest.lines().next().unwrap_or("").trim().to_string(),
                wq: facts.system_wq(&named),
                own_item: declares_work(text, item.strip_prefix('&').unwrap_or(&item))
                    || owned::in_file_object(text, body, &item)
                    || owned::passed_file_object(
                        text,
                        &callers_of(functions, &function.name),
                        &function.name,
                        &function.params,
                        &item,
                    ),
                fields: field_of(&item).map(|f| BTreeSet::from([f])),
                item_param: item_base(&item)
                    .and_then(|base| function.params.iter().position(|p| p == base)),
                keys: item_key(&item).into_iter().collect(),
            };
            found
                .entry(function.name.clone())
                .and_modify(|q| {
                    q.wq = q.wq.filter(|w| Some(*w) == queuer.wq);
                    q.own_item &= queuer.own_item;
                    q.item_param = q.item_param.filter(|p| Some(*p) == queuer.item_param);
                    q.keys.extend(queuer.keys.iter().cloned());
                    q.fields = match (q.fields.take(), &queuer.fields) {
                        (Some(mut mine), Some(theirs)) => {
                            mine.extend(theirs.iter().cloned());
                            Some(mine)
                        }
                        _ => None,
                    };
                })
                .or_insert(queuer);
        }
    }
    found
}

/// The system workqueue a call queues on and its work item argument, read
/// from the text after the callee's name; None when the workqueue is not
/// a system one.
fn queued_on(
    body: &[u8],
    after_name: usize,
    api: &wq::WqApi,
    facts: &WqFacts,
) -> Option<(String, String)> {
    let open = after_name
        + body[after_name..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    let close = matching_paren(body, open).filter(|_| body.get(open) == Some(&b'('))?;
    let args: Vec<String> = arg_ranges(body, open, close)
        .into_iter()
        .map(|r| String::from_utf8_lossy(&body[r]).into_owned())
        .collect();
    let (named, item) = match api.wq_arg {
        WqArg::Implied { insert_at, .. } => {
            (facts.implied(api.name)?.ident().to_string(), insert_at)
        }
        WqArg::Explicit { index, .. } => (args.get(index)?.clone(), index + 1),
    };
    named
        .starts_with("system_")
        .then(|| (named, args.get(item).cloned().unwrap_or_default()))
}

/// The bodies of the functions that call `name`.
fn callers_of(functions: &[TextFunction], name: &str) -> Vec<std::ops::Range<usize>> {
    functions
        .iter()
        .filter(|f| f.callees.contains(name))
        .map(|f| f.body_start..f.body_end)
        .collect()
}

/// Whether `text` declares `name` as a work item at file scope
/// (`DECLARE_WORK(name, …)`, `static struct delayed_work name;`, …).
fn declares_work(text: &[u8], name: &str) -> bool {
    let is_ident = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    is_ident
        && [
            "DECLARE_WORK(",
            "DECLARE_DELAYED_WORK(",
            "work_struct ",
            "delayed_work ",
        ]
        .iter()
        .any(|head| {
            has_word(text, &format!("{head}{name}")) || has_word(text, &format!("{head} {name}"))
        })
}

/// For each function of the file, the direct queuer it reaches (itself or
/// through calls to other functions of the same file).
pub(super) fn reaching(
    functions: &[TextFunction],
    direct: &BTreeMap<String, Queuer>,
) -> BTreeMap<String, String> {
    let mut reaches: BTreeMap<String, String> =
        direct.keys().map(|k| (k.clone(), k.clone())).collect();
    loop {
        let mut grew = false;
        for function in functions {
            if reaches.contains_key(&function.name) {
                continue;
            }
            if let Some(target) = function
                .callees
                .iter()
                .find_map(|c| reaches.get(c))
                .cloned()
            {
                reaches.insert(function.name.clone(), target);
                grew = true;
            }
        }
        if !grew {
            return reaches;
        }
    }
}

/// For each function of the file, the parameter whose item ends up
/// queued: a direct queuer's, or one passed on as that argument of a
/// function of the file that has one (`foo_lib_enqueue(req)` calling
/// `foo_lib_kick(req)`, which queues `&req->work`).
pub(super) fn handed_in(
    functions: &[TextFunction],
    text: &[u8],
    direct: &BTreeMap<String, Queuer>,
) -> BTreeMap<String, usize> {
    let mut handed: BTreeMap<String, usize> = direct
        .iter()
        .filter_map(|(name, q)| Some((name.clone(), q.item_param?)))
        .collect();
    loop {
        let mut grew = false;
        for function in functions {
            if handed.contains_key(&function.name) {
                continue;
            }
            let body = &text[function.body_start..function.body_end];
            let passed = calls_in(body).find_map(|(offset, callee)| {
                let index = *handed.get(callee)?;
                let open = offset + callee.len();
                let close = matching_paren(body, open).filter(|_| body.get(open) == Some(&b'('))?;
                let arg = arg_ranges(body, open, close).into_iter().nth(index)?;
                let arg = String::from_utf8_lossy(&body[arg]).into_owned();
                let base = item_base(&arg)?;
                function.params.iter().position(|p| p == base)
            });
            if let Some(index) = passed {
                handed.insert(function.name.clone(), index);
                grew = true;
            }
        }
        if !grew {
            return handed;
        }
    }
}

/// How a work item is matched between its binding and its queueing: the
/// field of a member (`work` of `&priv->work`), or a variable's name.
pub(crate) fn item_key(item: &str) -> Option<String> {
    let field = field_of(item).or_else(|| field_of(&format!("&{item}")));
    field.or_else(|| {
        let name = item.trim().trim_start_matches('&').trim();
        let is_ident = !name.is_empty() && name.bytes().all(is_word_byte);
        is_ident.then(|| name.to_string())
    })
}
