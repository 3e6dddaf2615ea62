//! The mail series, byte for byte in `git format-patch --cover-letter
//! --base` form: what `git am` applies and `git send-email` sends as is.
//! Commit messages and the cover letter come from templates/.

use super::diff::{diffstat, Counts};
use super::mail::{encode_address, from_header, patch_file_name, rfc2822, subject_header};
use crate::analysis::Verdict;
use crate::maintainers::Recipients;
use crate::outcome::Outcome;
use crate::report::commit::{commit_message, cover_text, LEFT_HEADING, NOTES_HEADING};
use crate::report::flag_block;
use crate::report::text::wrap;
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::PathBuf;

const SIGNATURE: &str = concat!("localwq ", env!("CARGO_PKG_VERSION"));

pub struct SeriesOptions {
    pub identity: String,
    pub subject_prefix: String,
    pub version: Option<u32>,
    /// None: a cover letter when there is more than one patch.
    pub cover_letter: Option<bool>,
    pub unix_time: i64,
    /// Message-ID on every mail, In-Reply-To/References to the first one,
    /// as `git format-patch --thread` (shallow) writes them.
    pub thread: bool,
    /// What a build check showed, per module (directory and name), for
    /// the notes below the `---`; none when no build ran.
    pub tested: BTreeMap<(PathBuf, String), String>,
}

/// One module's patch, before numbering.
pub struct PatchPlan<'a> {
    pub outcome: &'a Outcome,
    /// The other modules a patch across modules changes (its members),
    /// whose flushes' evidence goes below the `---` too.
    pub members: Vec<&'a Outcome>,
    /// The sibling modules whose own patches this one carries (see
    /// `siblings`): their flushes' evidence goes below the `---` too.
    pub siblings: Vec<&'a Outcome>,
    /// Every file the patch changes, siblings' included.
    pub changes: Vec<&'a crate::edit::FileChange>,
    pub prefix: super::prefix::Prefix,
    pub recipients: Recipients,
    pub diffs: Vec<FileDiff>,
}

/// One file's diff in a patch.
pub struct FileDiff {
    pub path: String,
    pub bytes: Vec<u8>,
    pub counts: Counts,
}

impl PatchPlan<'_> {
    pub fn rfc(&self) -> bool {
        self.outcome.verdict() == Verdict::NeedsReview
    }
}

pub struct Mail {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// `[RFC PATCH v2 03/12]`, or `[PATCH]` for a lone patch.
fn tag(options: &SeriesOptions, rfc: bool, number: usize, total: usize, numbered: bool) -> String {
    let mut tag = String::from("[");
    if rfc {
        tag.push_str("RFC ");
    }
    tag.push_str(&options.subject_prefix);
    if let Some(v) = options.version {
        tag.push_str(&format!(" v{v}"));
    }
    if numbered {
        let width = total.to_string().len();
        tag.push_str(&format!(" {number:0width$}/{total}"));
    }
    tag.push(']');
    tag
}

fn addresses(list: &[String]) -> String {
    list.iter()
        .map(|a| encode_address(a))
        .collect::<Vec<_>>()
        .join(",\n    ")
}

/// What heads one mail besides the series' identity and date.
struct Head<'a> {
    /// The commit id on the `From <id>` line.
    id: &'a str,
    /// `[PATCH 1/2]`.
    tag: String,
    subject: &'a str,
    recipients: &'a Recipients,
    message_id: Option<String>,
    reply_to: Option<String>,
}

/// The headers in git's order; MIME headers when anything in the mail is
/// not ASCII (git send-email stops to ask otherwise).
fn headers(options: &SeriesOptions, head: &Head, body: &[u8]) -> Vec<u8> {
    let mut out = format!("From {} Mon Sep 17 00:00:00 2001\n", head.id);
    if let Some(id) = &head.message_id {
        out.push_str(&format!("Message-ID: <{id}>\n"));
    }
    if let Some(first) = &head.reply_to {
        out.push_str(&format!("In-Reply-To: <{first}>\nReferences: <{first}>\n"));
    }
    out.push_str(&from_header(&options.identity));
    out.push_str(&format!("Date: {}\n", rfc2822(options.unix_time)));
    out.push_str(&subject_header(&head.tag, head.subject));
    let recipients = &head.recipients;
    let all = recipients.to.iter().chain(&recipients.cc);
    let ascii = options.identity.is_ascii()
        && head.subject.is_ascii()
        && body.is_ascii()
        && all.clone().all(|a| a.is_ascii());
    if !ascii {
        out.push_str("MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n");
        out.push_str("Content-Transfer-Encoding: 8bit\n");
    }
    if !recipients.to.is_empty() {
        out.push_str(&format!("To: {}\n", addresses(&recipients.to)));
    }
    if !recipients.cc.is_empty() {
        out.push_str(&format!("Cc: {}\n", addresses(&recipients.cc)));
    }
    out.push('\n');
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// git's Message-ID: `<base>.<time>.git.<sender's address>`.
fn message_id(options: &SeriesOptions, base: &str) -> Option<String> {
    let email = options
        .identity
        .rsplit_once('<')
        .map_or(options.identity.as_str(), |(_, e)| e.trim_end_matches('>'));
    options
        .thread
        .then(|| format!("{base}.{}.git.{email}", options.unix_time))
}

/// For a patch across modules: each flush of the shared workqueue also
/// waits for what the other modules queue there, which the counts above
/// (each module's own view) leave out.
fn shared_note(plan: &PatchPlan) -> String {
    let shared = match plan.outcome.decision.conversion().map(|c| &c.strategy) {
        Some(crate::analysis::Strategy::Shared(shared)) if !plan.members.is_empty() => shared,
        _ => return String::new(),
    };
    let text = format!(
        "Each flush of {} also waits for the work the other modules of this patch put on \
         it ({}), as the flush of the system workqueue did: the items above are only \
         those this module's own code shows.",
        shared.wq,
        shared.member_names()
    );
    format!("{}\n\n", crate::report::text::wrap(&text, 75))
}

/// Review notes for below the `---`, where `git am` drops them.
/// First what each flush waited for (the evidence), then the flags.
pub(super) fn review_notes(plan: &PatchPlan) -> String {
    // A sibling's flush notes name its file: they follow the lead's.
    let lead_and_siblings: Vec<&Outcome> = std::iter::once(plan.outcome)
        .chain(plan.siblings.iter().copied())
        .collect();
    let mut evidence = crate::report::waits::notes_of(&lead_and_siblings);
    for outcome in &lead_and_siblings {
        evidence += &crate::report::hidden::notes(outcome);
    }
    evidence += &crate::report::commit::reclaim_note(plan.outcome);
    evidence += &shared_note(plan);
    for member in &plan.members {
        let notes = crate::report::waits::notes(member);
        if !notes.is_empty() {
            evidence += &format!(
                "In {} ({}):\n{notes}",
                member.module.name,
                member.module.dir_shown()
            );
        }
    }
    let mut flags: Vec<&crate::analysis::Flag> = plan.outcome.flags.iter().collect();
    for sibling in &plan.siblings {
        flags.extend(sibling.flags.iter());
    }
    if !plan.siblings.is_empty() {
        flags.sort();
        flags.dedup();
    }
    let (review, left): (Vec<_>, Vec<_>) = flags.into_iter().partition(|f| f.kind.needs_review());
    let mut notes = evidence;
    for (heading, flags) in [(NOTES_HEADING, review), (LEFT_HEADING, left)] {
        if !flags.is_empty() {
            let blocks: String = flags.into_iter().map(flag_block).collect();
            notes += &format!("{}\n{blocks}\n", heading.trim_end());
        }
    }
    notes
}

/// One series' numbered mails, cover letter (if any) first: the ready
/// patches, or the RFCs (whose file names start `rfc-`). Empty for none.
pub fn render(
    plans: &[PatchPlan],
    options: &SeriesOptions,
    ids: &[String],
    base: Option<&str>,
) -> Result<Vec<Mail>> {
    let total = plans.len();
    if total == 0 {
        return Ok(Vec::new());
    }
    let rfc = plans[0].rfc();
    let files = |name: String| if rfc { format!("rfc-{name}") } else { name };
    let cover = options.cover_letter.unwrap_or(total > 1);
    let numbered = total > 1 || cover;
    let mut mails = Vec::new();
    let mut stats: Vec<(String, Counts)> = Vec::new();
    let mut subjects = Vec::new();
    let first = match cover {
        true => message_id(options, "cover"),
        false => ids.first().and_then(|id| message_id(options, id)),
    };
    for (index, plan) in plans.iter().enumerate() {
        let (subject, body) = commit_message(
            plan.outcome,
            &plan.siblings,
            &plan.prefix,
            &options.identity,
        )?;
        let file_stats: Vec<(String, Counts)> = plan
            .diffs
            .iter()
            .map(|d| (d.path.clone(), d.counts))
            .collect();
        let base_line = match (cover, index, base) {
            (false, 0, Some(base)) => format!("\nbase-commit: {base}\n"),
            _ => String::new(),
        };
        let module = &plan.outcome.module;
        let tested = options
            .tested
            .get(&(module.dir.clone(), module.name.clone()))
            .map_or(String::new(), |note| format!("{}\n\n", wrap(note, 75)));
        let mut text = format!(
            "{body}---\n{tested}{}{}\n",
            review_notes(plan),
            diffstat(&file_stats)
        )
        .into_bytes();
        for diff in &plan.diffs {
            text.extend_from_slice(&diff.bytes);
        }
        text.extend(format!("{base_line}-- \n{SIGNATURE}\n\n").bytes());
        let message_id = message_id(options, &ids[index]);
        let head = Head {
            id: &ids[index],
            tag: tag(options, plan.rfc(), index + 1, total, numbered),
            subject: &subject,
            recipients: &plan.recipients,
            reply_to: first.clone().filter(|f| Some(f) != message_id.as_ref()),
            message_id,
        };
        mails.push(Mail {
            file_name: files(patch_file_name(options.version, index + 1, &subject)),
            bytes: headers(options, &head, &text),
        });
        stats.extend(file_stats);
        subjects.push(subject);
    }
    if cover {
        let id = ids.last().cloned().unwrap_or_else(|| "0".repeat(40));
        let cover = Cover {
            id: &id,
            subjects: &subjects,
            stats: &stats,
            base,
            message_id: first,
        };
        let mut letter = cover_letter(plans, options, &cover)?;
        letter.file_name = files(letter.file_name);
        mails.insert(0, letter);
    }
    Ok(mails)
}

/// What the cover letter sums up of the patches.
struct Cover<'a> {
    id: &'a str,
    subjects: &'a [String],
    stats: &'a [(String, Counts)],
    base: Option<&'a str>,
    message_id: Option<String>,
}

/// The cover letter's subject, and what it says before the shortlog: the
/// blurb, then each RFC's review notes.
pub(super) fn cover_prose(plans: &[PatchPlan]) -> Result<(String, String)> {
    let rfc = plans.iter().any(PatchPlan::rfc);
    let patches: Vec<(&Outcome, &[&Outcome])> = plans
        .iter()
        .map(|p| (p.outcome, p.siblings.as_slice()))
        .collect();
    let (subject, blurb) = cover_text(&patches, rfc)?;
    let mut body = format!("{blurb}\n\n");
    for plan in plans.iter().filter(|p| p.rfc()) {
        let module = &plan.outcome.module;
        body.push_str(&format!(
            "{} ({}):\n{}",
            module.name,
            module.dir_shown(),
            review_notes(plan)
        ));
    }
    Ok((subject, body))
}

fn cover_letter(plans: &[PatchPlan], options: &SeriesOptions, cover: &Cover) -> Result<Mail> {
    let rfc = plans.iter().any(PatchPlan::rfc);
    let mut recipients = Recipients::default();
    for plan in plans {
        recipients.merge(&plan.recipients);
    }
    let (subject, mut body) = cover_prose(plans)?;
    body.push_str(&shortlog(&options.identity, cover.subjects));
    body.push('\n');
    body.push_str(&diffstat(&combined(cover.stats)));
    // git leaves a blank line after the diffstat, then the base if known.
    body.push('\n');
    if let Some(base) = cover.base {
        body.push_str(&format!("\nbase-commit: {base}\n"));
    }
    body.push_str(&format!("-- \n{SIGNATURE}\n\n"));
    let head = Head {
        id: cover.id,
        tag: tag(options, rfc, 0, plans.len(), true),
        subject: &subject,
        recipients: &recipients,
        message_id: cover.message_id.clone(),
        reply_to: None,
    };
    let prefix = options
        .version
        .map(|v| format!("v{v}-"))
        .unwrap_or_default();
    Ok(Mail {
        file_name: format!("{prefix}0000-cover-letter.patch"),
        bytes: headers(options, &head, body.as_bytes()),
    })
}

/// `Name (N):` and the subjects, wrapped at 72 columns as git's shortlog.
fn shortlog(identity: &str, subjects: &[String]) -> String {
    let name = identity.split('<').next().unwrap_or(identity).trim();
    let mut out = format!("{name} ({}):\n", subjects.len());
    for subject in subjects {
        let wrapped = wrap(subject, 70);
        for (i, line) in wrapped.lines().enumerate() {
            let indent = if i == 0 { "  " } else { "    " };
            out.push_str(&format!("{indent}{line}\n"));
        }
    }
    out
}

/// Per-file counts summed across patches, in path order.
fn combined(stats: &[(String, Counts)]) -> Vec<(String, Counts)> {
    let mut sums: BTreeMap<&str, Counts> = BTreeMap::new();
    for (name, counts) in stats {
        let sum = sums.entry(name).or_default();
        sum.added += counts.added;
        sum.removed += counts.removed;
    }
    sums.into_iter().map(|(n, c)| (n.to_string(), c)).collect()
}
