//! Hidden flushes as the reviewer reads them: each flush that got past
//! the check 5.19 put on the system workqueues, how, and what becomes of
//! each redefinition of a checked macro. The diff header, the `scan`
//! rows, the JSON, the notes below a patch's `---` and the commit
//! message all print this.

use crate::analysis::hidden::{self, Fate, Hidden, Redefinition};
use crate::analysis::{Site, SiteState, Strategy};
use crate::outcome::Outcome;

/// What every hidden flush escapes, for the texts below.
const CHECK: &str = "the check that warns on a system workqueue since 5.19";

/// One hidden flush site.
pub struct HiddenRow {
    pub at: String,
    /// `unchecked` (`__flush_workqueue()` called) or `redefined`.
    pub how: &'static str,
    /// `file:line` of the redefinition it goes through.
    pub redefinition: Option<String>,
    pub note: String,
}

/// One redefinition of a checked flush macro that hides a flush.
pub struct RedefinitionRow {
    pub file: String,
    pub line: usize,
    pub name: &'static str,
    /// The `#define` as written, on one line, and its replacement text.
    pub define: String,
    pub body: String,
    /// The flush sites it hides (`file:line`) and what they flush.
    pub hides: Vec<String>,
    pub flushed: Vec<&'static str>,
    /// `removed` (by this patch) or `kept`.
    pub fate: &'static str,
    pub reason: String,
    /// The sentence of the commit message on what becomes of it.
    pub commit: String,
}

/// Whether `site` is rewritten by the outcome's patch.
fn converted(outcome: &Outcome, site: &Site) -> bool {
    outcome.decision.conversion().is_some() && site.state == SiteState::Convert
}

/// The row of a hidden flush site; None for one not hidden.
pub fn row(outcome: &Outcome, site: &Site) -> Option<HiddenRow> {
    let unit = outcome.unit.as_ref()?;
    let at = format!("{}:{}", unit.files[site.file].path.display(), site.line);
    let wq = site.wq.ident();
    let (how, redefinition, note) = match site.hidden.as_ref()? {
        Hidden::Unchecked => {
            let mut note = format!(
                "{} calls the function behind flush_workqueue() directly, past {CHECK}: a flush \
                 of {wq} like any other",
                site.shown()
            );
            if let Some(local) = local_wq(outcome).filter(|_| converted(outcome, site)) {
                note.push_str(&format!(
                    "; it becomes flush_workqueue({local}), the checked macro: the module's own \
                     workqueue needs no bypass"
                ));
            }
            ("unchecked", None, note)
        }
        Hidden::Redefined(redef) if redef.is_flush() => {
            let place = place(outcome, redef);
            let mut note = format!(
                "{} is redefined at {place} as {}, past {CHECK}: this flush of {wq} is a flush \
                 like any other",
                redef.name, redef.body
            );
            if converted(outcome, site) {
                note.push_str("; once converted the redefinition is no longer needed for it");
            }
            ("redefined", Some(place), note)
        }
        // Flagged: the flag says it all.
        Hidden::Redefined(_) => return None,
    };
    Some(HiddenRow {
        at,
        how,
        redefinition,
        note,
    })
}

/// The workqueue a local-wq conversion flushes instead.
fn local_wq(outcome: &Outcome) -> Option<&str> {
    let conversion = outcome.decision.conversion()?;
    match conversion.strategy {
        Strategy::LocalWq { .. } => conversion.wq.as_ref().map(|w| w.name.as_str()),
        _ => None,
    }
}

fn place(outcome: &Outcome, redef: &Redefinition) -> String {
    format!("{}:{}", outcome.path_of(redef.file).display(), redef.line)
}

/// The rows of the redefinitions the module's flushes go through.
pub fn redefinitions(outcome: &Outcome) -> Vec<RedefinitionRow> {
    let Some(unit) = outcome.unit.as_ref() else {
        return Vec::new();
    };
    hidden::hiding(&outcome.sites)
        .into_iter()
        .filter(|r| r.is_flush())
        .map(|redef| {
            let path = unit.files[redef.file].path.display().to_string();
            let (fate, reason, commit) = fate_of(outcome, redef, &path);
            let sites: Vec<&Site> = outcome
                .sites
                .iter()
                .filter(|s| matches!(&s.hidden, Some(Hidden::Redefined(r)) if r == redef))
                .collect();
            let mut flushed: Vec<&'static str> = sites.iter().map(|s| s.wq.ident()).collect();
            flushed.dedup();
            RedefinitionRow {
                line: redef.line,
                name: redef.name,
                define: redef.shown(unit),
                body: redef.body.clone(),
                hides: sites
                    .iter()
                    .map(|s| format!("{}:{}", unit.files[s.file].path.display(), s.line))
                    .collect(),
                flushed,
                fate,
                reason,
                commit,
                file: path,
            }
        })
        .collect()
}

/// The fate's word, the reason for the reviewer and the sentence for
/// the commit message.
fn fate_of(outcome: &Outcome, redef: &Redefinition, path: &str) -> (&'static str, String, String) {
    let unit = outcome.unit.as_ref().expect("rows need a unit");
    if outcome.decision.conversion().is_none() {
        return ("kept", "nothing is converted".into(), String::new());
    }
    match hidden::fate(unit, &outcome.sites, redef) {
        Fate::Removed(_) => {
            let alone = match unit.is_header(redef.file) {
                true => format!("only the module's own files include {path}"),
                false => format!("it is in {path} itself, which no other module builds"),
            };
            (
                "removed",
                format!("every flush it hid is converted, and {alone}"),
                "Nothing needs that redefinition any more: remove it.".into(),
            )
        }
        Fate::Needed(left) => {
            let them = if left.len() == 1 { "it is" } else { "they are" };
            let left = left.join(", ");
            (
                "kept",
                format!("it still hides {left}, which this patch leaves as {them}"),
                format!("It still hides {left}, which this patch does not convert: keep it."),
            )
        }
        Fate::Left(why) => (
            "kept",
            format!(
                "the module's flushes no longer need it, but {why}: remove it when nothing \
                 else relies on it"
            ),
            format!(
                "The module no longer needs that redefinition, but {why}: keep it until \
                 nothing else relies on it."
            ),
        ),
    }
}

/// The header lines (without `# `): each hidden flush, then each
/// redefinition and its fate.
pub fn header_lines(outcome: &Outcome) -> Vec<String> {
    let flushes = outcome
        .sites
        .iter()
        .filter_map(|s| row(outcome, s))
        .map(|r| format!("hidden flush {}: {}", r.at, r.note));
    let redefinitions = redefinitions(outcome).into_iter().map(|r| {
        let fate = match r.fate {
            "removed" => "removed by this patch",
            other => other,
        };
        format!(
            "redefinition {}:{} ({}): {fate}: {}",
            r.file, r.line, r.define, r.reason
        )
    });
    flushes.chain(redefinitions).collect()
}

/// The notes for below a patch's `---`, wrapped as the rest of the mail.
pub fn notes(outcome: &Outcome) -> String {
    let lines = header_lines(outcome);
    if lines.is_empty() {
        return String::new();
    }
    let mut out = String::from("Flushes hidden from the compile-time check:\n\n");
    for line in lines {
        let wrapped = super::text::wrap(&line, 73);
        for (at, part) in wrapped.lines().enumerate() {
            let lead = if at == 0 { "- " } else { "  " };
            out.push_str(&format!("{lead}{part}\n"));
        }
    }
    out.push('\n');
    out
}

/// The commit message's paragraph on hidden flushes; None when the patch
/// converts none.
pub fn commit_paragraph(outcome: &Outcome) -> Option<String> {
    let hidden: Vec<&Site> = outcome
        .sites
        .iter()
        .filter(|s| s.hidden.is_some() && converted(outcome, s))
        .collect();
    let mut sentences = Vec::new();
    if let Some(site) = hidden.iter().find(|s| s.hidden == Some(Hidden::Unchecked)) {
        sentences.push(format!(
            "{} called __flush_workqueue() directly, which skips the compile-time warning \
             flush_workqueue() gives for a system-wide workqueue since 5.19; it flushed {} all \
             the same.",
            outcome.module.name,
            site.wq.ident()
        ));
        if local_wq(outcome).is_some() {
            sentences.push(
                "The module's own workqueue is flushed with flush_workqueue(), which needs no \
                 such bypass."
                    .into(),
            );
        }
    }
    for row in redefinitions(outcome) {
        sentences.push(format!(
            "{} redefines {}() as {}, which skips the compile-time warning for a system-wide \
             workqueue since 5.19; the flush of {} went through it all the same.",
            row.file,
            row.name,
            row.body,
            row.flushed.join(" and ")
        ));
        sentences.push(row.commit);
    }
    (!sentences.is_empty()).then(|| sentences.join(" "))
}
