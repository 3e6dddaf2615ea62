//! The mail series, byte for byte in `git format-patch --cover-letter
//! --base` form: what `git am` applies and `git send-email` sends as is.
//! Commit messages and the cover letter come from templates/.

use super::diff::{diffstat, Counts};
use super::mail::{encode_address, header, rfc2822, slug};
use crate::analysis::Verdict;
use crate::maintainers::Recipients;
use crate::outcome::Outcome;
use crate::report::commit::{commit_message, cover_text, NOTES_HEADING};
use crate::report::flag_block;
use crate::report::text::wrap;
use anyhow::Result;
use std::collections::BTreeMap;

const SIGNATURE: &str = concat!("localwq ", env!("CARGO_PKG_VERSION"));

pub struct SeriesOptions {
    pub identity: String,
    pub subject_prefix: String,
    pub version: Option<u32>,
    /// None: a cover letter when there is more than one patch.
    pub cover_letter: Option<bool>,
    pub unix_time: i64,
}

/// One module's patch, before numbering.
pub struct PatchPlan<'a> {
    pub outcome: &'a Outcome,
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

fn headers(options: &SeriesOptions, id: &str, subject: &str, recipients: &Recipients) -> String {
    let mut out = format!("From {id} Mon Sep 17 00:00:00 2001\n");
    out.push_str(&header("From", &encode_address(&options.identity)));
    out.push_str(&format!("Date: {}\n", rfc2822(options.unix_time)));
    out.push_str(&header("Subject", subject));
    if !recipients.to.is_empty() {
        out.push_str(&format!("To: {}\n", addresses(&recipients.to)));
    }
    if !recipients.cc.is_empty() {
        out.push_str(&format!("Cc: {}\n", addresses(&recipients.cc)));
    }
    out
}

/// Review notes for below the `---`, where `git am` drops them.
fn review_notes(plan: &PatchPlan) -> String {
    let flags = &plan.outcome.flags;
    if flags.is_empty() {
        return String::new();
    }
    let blocks: String = flags.iter().map(flag_block).collect();
    format!("{}\n{blocks}\n", NOTES_HEADING.trim_end())
}

/// The numbered mails: cover letter (if any) first.
pub fn render(
    plans: &[PatchPlan],
    options: &SeriesOptions,
    ids: &[String],
    base: Option<&str>,
) -> Result<Vec<Mail>> {
    let total = plans.len();
    let cover = options.cover_letter.unwrap_or(total > 1);
    let numbered = total > 1 || cover;
    let mut mails = Vec::new();
    let mut stats: Vec<(String, Counts)> = Vec::new();
    let mut subjects = Vec::new();
    for (index, plan) in plans.iter().enumerate() {
        let (subject, body) = commit_message(plan.outcome, &plan.prefix, &options.identity)?;
        let full = format!(
            "{} {subject}",
            tag(options, plan.rfc(), index + 1, total, numbered)
        );
        let diffs: Vec<u8> = plan.diffs.iter().flat_map(|d| d.bytes.clone()).collect();
        let file_stats: Vec<(String, Counts)> = plan
            .diffs
            .iter()
            .map(|d| (d.path.clone(), d.counts))
            .collect();
        let mut text = headers(options, &ids[index], &full, &plan.recipients).into_bytes();
        let base_line = match (cover, index, base) {
            (false, 0, Some(base)) => format!("\nbase-commit: {base}\n"),
            _ => String::new(),
        };
        text.extend(
            format!(
                "\n{body}---\n{}{}\n",
                review_notes(plan),
                diffstat(&file_stats)
            )
            .bytes(),
        );
        text.extend(diffs);
        text.extend(format!("{base_line}-- \n{SIGNATURE}\n\n").bytes());
        let number = index + 1;
        mails.push(Mail {
            file_name: format!("{number:04}-{}.patch", slug(&subject, 52)),
            bytes: text,
        });
        stats.extend(file_stats);
        subjects.push(subject);
    }
    if cover {
        let id = ids.last().cloned().unwrap_or_else(|| "0".repeat(40));
        mails.insert(
            0,
            cover_letter(plans, options, &id, &subjects, &stats, base)?,
        );
    }
    Ok(mails)
}

fn cover_letter(
    plans: &[PatchPlan],
    options: &SeriesOptions,
    id: &str,
    subjects: &[String],
    stats: &[(String, Counts)],
    base: Option<&str>,
) -> Result<Mail> {
    let rfc = plans.iter().any(PatchPlan::rfc);
    let mut recipients = Recipients::default();
    for plan in plans {
        recipients.merge(&plan.recipients);
    }
    let (subject, blurb) = cover_text(rfc)?;
    let full = format!("{} {subject}", tag(options, rfc, 0, plans.len(), true));
    let mut body = headers(options, id, &full, &recipients);
    body.push('\n');
    body.push_str(&blurb);
    body.push_str("\n\n");
    for plan in plans.iter().filter(|p| p.rfc()) {
        let module = &plan.outcome.module;
        body.push_str(&format!(
            "{} ({}):\n{}",
            module.name,
            module.dir.display(),
            review_notes(plan)
        ));
    }
    body.push_str(&shortlog(&options.identity, subjects));
    body.push('\n');
    body.push_str(&diffstat(&combined(stats)));
    if let Some(base) = base {
        body.push_str(&format!("\n\nbase-commit: {base}\n"));
    }
    body.push_str(&format!("-- \n{SIGNATURE}\n\n"));
    Ok(Mail {
        file_name: "0000-cover-letter.patch".into(),
        bytes: body.into_bytes(),
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
