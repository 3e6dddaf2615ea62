//! Queue and flush sites on system workqueues, and the reasons a site cannot
//! be rewritten mechanically.

use super::hidden::{self, Hidden, Reading, Redefinition};
use super::{Flag, FlagKind};
use crate::ctext::{arg_ranges, is_word_byte, matching_paren, words_in};
use crate::load::Unit;
use crate::parse::{Function, SourceFile};
use crate::wq::{self, ApiKind, SystemWq, WqApi, WqArg, WqFacts};
use std::collections::BTreeSet;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteState {
    Convert,
    /// Left as it is; a flag says why.
    Flagged,
}

#[derive(Debug, Clone)]
pub struct Site {
    pub file: usize,
    pub callee_range: Range<usize>,
    pub range: Range<usize>,
    pub args: Vec<Range<usize>>,
    pub api: &'static WqApi,
    pub wq: SystemWq,
    pub line: usize,
    /// Found in a `#define` body rather than parsed as a call.
    pub in_macro: bool,
    pub state: SiteState,
    /// How a flush gets past the check that warns on a system workqueue
    /// since 5.19, if it does.
    pub hidden: Option<Hidden>,
}

impl Site {
    /// The queue the call meant before 6.18 split the queues: an implied
    /// call (`schedule_work()`, `flush_scheduled_work()`) meant Linux
    /// 5.10's `system_wq`; a named queue means itself. Two calls that
    /// meant the same queue are what the code plainly relies on, whatever
    /// their flags.
    pub fn meant(&self) -> &'static str {
        match self.api.wq_arg {
            wq::WqArg::Implied { .. } => wq::IMPLIED_BEFORE_SPLIT,
            wq::WqArg::Explicit { .. } => self.wq.ident(),
        }
    }

    pub fn is_flush(&self) -> bool {
        self.api.kind == ApiKind::Flush
    }

    /// The call as a subject names it: `flush_scheduled_work()`,
    /// `flush_workqueue(system_long_wq)`.
    pub fn shown(&self) -> String {
        match self.api.wq_arg {
            crate::wq::WqArg::Implied { .. } => format!("{}()", self.api.name),
            crate::wq::WqArg::Explicit { .. } => format!("{}({})", self.api.name, self.wq.ident()),
        }
    }

    /// The function the site is in.
    pub fn enclosing<'u>(&self, unit: &'u Unit) -> Option<&'u Function> {
        unit.files[self.file]
            .facts
            .functions
            .iter()
            .find(|f| f.body.contains(&self.range.start))
    }

    /// The work item a queueing call names, as written (`&foo->work`).
    pub fn work_arg<'u>(&self, unit: &'u Unit) -> Option<&'u str> {
        if self.is_flush() {
            return None;
        }
        let index = match self.api.wq_arg {
            WqArg::Implied { insert_at, .. } => insert_at,
            WqArg::Explicit { index, .. } => index + 1,
        };
        let range = self.args.get(index)?.clone();
        Some(unit.files[self.file].slice(range).trim())
    }
}

/// The system workqueue a call acts on, if it acts on one: through a
/// redefinition that names one, that one.
fn system_wq_of(
    facts: &WqFacts,
    file: &SourceFile,
    api: &WqApi,
    args: &[Range<usize>],
    hidden: Option<&Hidden>,
) -> Option<SystemWq> {
    if let Some(Hidden::Redefined(Redefinition {
        reads_as: Reading::Of(wq),
        ..
    })) = hidden
    {
        return Some(*wq);
    }
    match api.wq_arg {
        WqArg::Implied { .. } => facts.implied(api.name),
        WqArg::Explicit { index, .. } => {
            let arg = args.get(index)?;
            facts.system_wq(file.slice(arg.clone()).trim())
        }
    }
}

pub fn collect(unit: &Unit) -> Vec<Site> {
    let redefinitions = hidden::redefinitions(unit);
    let hidden_at = |index: usize, at: usize, name: &str| {
        hidden::hidden_at(unit, &redefinitions, index, at, name)
    };
    let mut sites = Vec::new();
    for (index, file) in unit.files.iter().enumerate() {
        // Asked only of a file with a site: who else includes a header can
        // take a walk of the directory above (`Unit::outside_includers`).
        let shared = std::cell::OnceCell::new();
        let shared = || {
            *shared.get_or_init(|| {
                unit.shares_header(&file.path) || unit.co_owned.contains_key(&file.path)
            })
        };
        for call in &file.facts.calls {
            let Some(api) = wq::api(&call.callee) else {
                continue;
            };
            let hidden = hidden_at(index, call.callee_range.start, api.name);
            let Some(wq) = system_wq_of(&unit.facts, file, api, &call.args, hidden.as_ref()) else {
                continue;
            };
            // The edit touches only the call, so an ERROR elsewhere in the
            // function (`container_of(p, struct t, m)` is the usual one)
            // does not make it unsafe; one in or around the call does.
            let trusted = !call.in_error && call.function.is_some() && !unknown(&hidden);
            let state = if trusted && !shared() {
                SiteState::Convert
            } else {
                SiteState::Flagged
            };
            sites.push(Site {
                file: index,
                callee_range: call.callee_range.clone(),
                range: call.range.clone(),
                args: call.args.clone(),
                api,
                wq,
                line: file.line_of(call.range.start),
                in_macro: false,
                state,
                hidden,
            });
        }
        let outside = |at: usize| !hidden::in_redefinition(&redefinitions, index, at);
        let mut more = macro_sites(unit, index, &shared, &hidden_at);
        if !file.parsed {
            more.extend(text_sites(unit, index, &hidden_at));
        }
        sites.extend(more.into_iter().filter(|s| outside(s.range.start)));
    }
    sites
}

/// Whether a site goes through a redefinition that reads as no flush
/// localwq knows: it is left as it is, flagged.
fn unknown(hidden: &Option<Hidden>) -> bool {
    matches!(hidden, Some(Hidden::Redefined(r)) if !r.is_flush())
}

/// How a call of an API at an offset of a file is hidden, if it is.
type HiddenAt<'a> = dyn Fn(usize, usize, &str) -> Option<Hidden> + 'a;

/// The calls of a skimmed file, read from its text (`Loader::survey`):
/// never rewritten, there is no parse tree to check an edit against.
fn text_sites(unit: &Unit, index: usize, hidden_at: &HiddenAt) -> Vec<Site> {
    text_api_calls(&unit.files[index])
        .filter_map(|(offset, api)| {
            let hidden = hidden_at(index, offset, api.name);
            text_site(unit, index, offset, api, SiteState::Flagged, hidden)
        })
        .collect()
}

/// The site of the call to `api` whose name is at `offset` of a file's
/// text, when it acts on a system workqueue.
fn text_site(
    unit: &Unit,
    index: usize,
    offset: usize,
    api: &'static WqApi,
    state: SiteState,
    hidden: Option<Hidden>,
) -> Option<Site> {
    let file = &unit.files[index];
    let (callee_range, range, args) = text_call(&file.text, offset)?;
    let wq = system_wq_of(&unit.facts, file, api, &args, hidden.as_ref())?;
    let state = match unknown(&hidden) {
        true => SiteState::Flagged,
        false => state,
    };
    Some(Site {
        file: index,
        callee_range,
        range,
        args,
        api,
        wq,
        line: file.line_of(offset),
        in_macro: false,
        state,
        hidden,
    })
}

/// Calls of workqueue APIs in a file's text, comments left out: each
/// whole word that is an API name and is followed by `(`, once for every
/// entry of `wq::APIS` of that name. Every name holds `_work`, so only
/// the words around one are looked at: an automaton over the whole text
/// stopped at most of its lines, a fifteenth of `scan --all`.
fn text_api_calls(file: &SourceFile) -> impl Iterator<Item = (usize, &'static WqApi)> + '_ {
    let text = &file.text;
    let mut starts: Vec<usize> = memchr::memmem::find_iter(text, API_MARK)
        .map(|at| {
            at - text[..at]
                .iter()
                .rev()
                .take_while(|b| is_word_byte(**b))
                .count()
        })
        .collect();
    starts.dedup();
    starts.into_iter().flat_map(move |at| {
        let len = text[at..].iter().take_while(|b| is_word_byte(**b)).count();
        let word = &text[at..at + len];
        let called = crate::ctext::is_call_at(text, at, len) && !file.in_inert(at);
        wq::APIS
            .iter()
            .filter(move |api| called && api.name.as_bytes() == word)
            .map(move |api| (at, api))
    })
}

/// What every workqueue API's name holds (a test checks it).
const API_MARK: &[u8] = b"_work";

/// Calls in `#define` bodies: a site at each use of the macro, written
/// once. A macro of a .c file, or of a header only the module includes,
/// is the module's own and is rewritten where it is defined; one in a
/// header other code includes is left for review.
fn macro_sites(
    unit: &Unit,
    index: usize,
    shared: &dyn Fn() -> bool,
    hidden_at: &HiddenAt,
) -> Vec<Site> {
    let file = &unit.files[index];
    file.facts
        .macro_mentions
        .iter()
        .filter_map(|mention| {
            let api = wq::api(&mention.word)?;
            let hidden = hidden_at(index, mention.offset, api.name);
            let state = match !shared() {
                true => SiteState::Convert,
                false => SiteState::Flagged,
            };
            let site = text_site(unit, index, mention.offset, api, state, hidden)?;
            Some(Site {
                in_macro: true,
                ..site
            })
        })
        .collect()
}

type TextCall = (Range<usize>, Range<usize>, Vec<Range<usize>>);

/// A call's shape read from raw text (macro bodies are not parsed).
fn text_call(text: &[u8], at: usize) -> Option<TextCall> {
    let name_end = at
        + text[at..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
    let open = name_end + text[name_end..].iter().take_while(|b| **b == b' ').count();
    if text.get(open) != Some(&b'(') {
        return None;
    }
    let close = matching_paren(text, open)?;
    let args = arg_ranges(text, open, close);
    Some((at..name_end, at..close + 1, args))
}

/// A flag for every site left alone, and for workqueue calls the parser
/// did not see as calls at all.
pub fn site_flags(unit: &Unit, sites: &[Site]) -> Vec<Flag> {
    let mut flags: Vec<Flag> = sites
        .iter()
        .filter(|s| s.state == SiteState::Flagged && unit.files[s.file].parsed)
        .map(|site| site_flag(unit, site))
        .collect();
    // A skimmed file, or an idle block of a parsed one, names no system
    // workqueue and no API that implies one (parse::worth_parsing): its
    // API mentions queue elsewhere.
    for (index, file) in unit.files.iter().enumerate().filter(|(_, f)| f.parsed) {
        flags.extend(unseen_mentions(unit, index, file, sites));
    }
    flags
}

fn site_flag(unit: &Unit, site: &Site) -> Flag {
    let file = &unit.files[site.file];
    if let Some(flag) = unknown_redefinition_flag(unit, site) {
        return flag;
    }
    let (kind, reason) = if unit.shares_header(&file.path) {
        (
            FlagKind::SharedHeader,
            "in a header that code outside the module includes: not rewritten".to_string(),
        )
    } else if let Some(others) = unit.co_owned.get(&file.path) {
        (
            FlagKind::SharedFile,
            format!(
                "{} is also built into {}, which would have no such workqueue: not rewritten",
                file.path.display(),
                others.join(", ")
            ),
        )
    } else if site.in_macro {
        (
            FlagKind::InMacro,
            "in a #define body of a header: every user of the macro must agree".to_string(),
        )
    } else {
        (
            FlagKind::Unparsed,
            "the parser could not read the code around this call: not rewritten".to_string(),
        )
    };
    let reason = format!("{}() on {}: {reason}", site.api.name, site.wq.ident());
    Flag::new(file, site.range.start, kind, reason)
}

/// A call through a redefinition that reads as no flush localwq knows:
/// what it flushes, if anything, is not the API's system workqueue.
fn unknown_redefinition_flag(unit: &Unit, site: &Site) -> Option<Flag> {
    let Some(Hidden::Redefined(redef)) = site.hidden.as_ref().filter(|_| unknown(&site.hidden))
    else {
        return None;
    };
    let reason = format!(
        "{} is redefined at {}:{} as {}: localwq cannot tell whether this call flushes a \
         system workqueue; check what it does (not rewritten)",
        redef.name,
        unit.files[redef.file].path.display(),
        redef.line,
        redef.body
    );
    let file = &unit.files[site.file];
    Some(Flag::new(
        file,
        site.range.start,
        FlagKind::RedefinedFlush,
        reason,
    ))
}

/// Queueing API names in code that is neither a parsed call, a macro body,
/// a comment nor a string: whatever they are, localwq did not convert them.
fn unseen_mentions(unit: &Unit, index: usize, file: &SourceFile, sites: &[Site]) -> Vec<Flag> {
    let known: BTreeSet<usize> = file
        .facts
        .calls
        .iter()
        .map(|c| c.callee_range.start)
        .chain(file.facts.macro_mentions.iter().map(|m| m.offset))
        .chain(
            sites
                .iter()
                .filter(|s| s.file == index)
                .map(|s| s.callee_range.start),
        )
        .collect();
    words_in(&file.text)
        .filter(|(offset, word)| {
            // A flush no site was made of is `unseen`'s.
            wq::api(word).is_some_and(|a| a.kind == ApiKind::Queue)
                && !known.contains(offset)
                && !crate::cpp::is_directive_name(&file.text, *offset, word.len())
                && !file.in_inert(*offset)
                && !file.in_idle(*offset)
        })
        .map(|(offset, word)| {
            let reason = format!("{word} is used here but not as a call localwq could parse");
            Flag::new(&unit.files[index], offset, FlagKind::Unparsed, reason)
        })
        .collect()
}

/// The converted flushes: the queues they flush, and those they meant.
pub struct Flushed {
    pub wqs: BTreeSet<SystemWq>,
    pub meant: BTreeSet<&'static str>,
    /// Their flags (one set: flushes with different flags are refused).
    pub flags: Option<&'static str>,
}

impl Flushed {
    pub fn of(sites: &[Site]) -> Flushed {
        let flushes = || {
            sites
                .iter()
                .filter(|s| s.is_flush() && s.state == SiteState::Convert)
        };
        Flushed {
            wqs: flushes().map(|s| s.wq).collect(),
            meant: flushes().map(Site::meant).collect(),
            flags: flushes().next().and_then(|s| s.wq.flags()),
        }
    }

    /// Whether a converted flush waits for the site's work, or meant to
    /// (`schedule_work()` with `flush_workqueue(system_wq)` on 7.x), on a
    /// queue with the flushed one's flags (one local workqueue stands for
    /// both).
    pub fn covers(&self, site: &Site) -> bool {
        let flushed = self.wqs.contains(&site.wq) || self.meant.contains(site.meant());
        flushed && site.wq.flags() == self.flags
    }
}

/// Queue sites on a system workqueue no converted flush flushes or meant
/// are not waited for by any (system_wq's work is not system_long_wq's,
/// even with the same flags): Step 4 moves only the calls on the flushed
/// queues, so these stay, said below the patch's `---`.
pub fn leave_unflushed(unit: &Unit, sites: &mut [Site], flushed: &Flushed, out: &mut Vec<Flag>) {
    for site in sites.iter_mut() {
        if site.state != SiteState::Convert || flushed.covers(site) {
            continue;
        }
        site.state = SiteState::Flagged;
        let reason = format!(
            "queues on {} (flags {}), which no converted flush waited for: left as is; \
             give it a workqueue of its own if it must be flushed too",
            site.wq.ident(),
            site.wq.flags().unwrap_or("unknown")
        );
        out.push(Flag::new(
            &unit.files[site.file],
            site.range.start,
            FlagKind::OtherSystemWq,
            reason,
        ));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_api_name_holds_the_mark() {
        let mark = std::str::from_utf8(super::API_MARK).expect("ASCII");
        for api in crate::wq::APIS {
            assert!(api.name.contains(mark), "{}", api.name);
        }
    }
}
