//! The localwq command line: subcommands call into the library, print, and
//! map outcomes to exit codes (the table below).

use anyhow::{bail, Result};
use clap::Parser;
use localwq::analysis::Verdict;
use localwq::check::BuildVerdict;
use localwq::patch::mail::mailbox;
use localwq::patch::{
    apply_series, build_series, identity::identity, ExtraRecipients, SeriesOptions,
};
use localwq::refusal::{Refusal, RefusalKind};
use localwq::report::{scan_row, verdict_line, verdict_word, ModuleView, OrphanView, ScanView};
use localwq::write::{check_series_target, write_series};
use localwq::{dry_run, wq, Outcome, Session};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Exit statuses. A refused module is a finding, not an error: it is
/// reported and the command still succeeds.
mod cli {
    pub mod args;
    pub mod build;
    pub mod stream;
}

use cli::args::{BuildCheck, Cli, Command, Signing, Target};

mod exit {
    /// The command did what it was asked.
    pub const DONE: u8 = 0;
    /// An error, printed with its cause chain; nothing half-written.
    pub const ERROR: u8 = 1;
    // 2: a usage error, reported by clap before anything runs.
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    if let Some(log) = localwq::cache::counts::CountLog::open() {
        localwq::rewrite::counts::keep_counts_in(Box::new(log));
    }
    if let Some(dir) = localwq::cache::kept::FactsDir::open("facts") {
        localwq::parse::kept::keep_facts_in(Box::new(dir));
    }
    if let Some(dir) = localwq::cache::kept::KeptDir::open("providers") {
        localwq::around::keep_providers_in(dir);
    }
    let cli = Cli::parse();
    if let Err(err) = localwq::interrupt::install() {
        eprintln!("localwq: error: cannot handle interruptions: {err}");
        return ExitCode::from(exit::ERROR);
    }
    let result = match cli.command {
        Command::Scan { target, json, all } => scan(&target, json, all),
        Command::Facts { tree } => facts(&tree),
        Command::Diff { target, build } => diff(&target, &build),
        Command::Check {
            target,
            build_dir,
            json,
        } => check(&target, &build_dir, json),
        Command::Patches {
            target,
            output,
            to,
            cc,
            signing,
            subject_prefix,
            version,
            cover_letter,
            no_cover_letter,
            thread,
            force,
            build,
        } => {
            let cover = match (cover_letter, no_cover_letter) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            let request = PatchRequest {
                output: &output,
                extra: ExtraRecipients { to, cc },
                signing: &signing,
                subject_prefix,
                version,
                cover,
                thread,
                force,
                build,
            };
            patches(&target, request)
        }
        Command::Apply {
            target,
            branch,
            b4,
            signing,
        } => apply(&target, &branch, b4, &signing),
    };
    let unread = UNREAD.load(std::sync::atomic::Ordering::Relaxed);
    match result {
        Ok(()) if unread > 0 => {
            eprintln!(
                "localwq: error: {unread} file(s) or directories could not be read (named \
                 above, their modules refused): make them readable and run again"
            );
            ExitCode::from(exit::ERROR)
        }
        Ok(()) => ExitCode::from(exit::DONE),
        Err(err) => {
            eprintln!("localwq: error: {err:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}

/// One malloc arena per core, not glibc's eight: the parse trees a
/// thread frees are then reused by the next parse instead of sitting in
/// an arena of their own (a whole-tree scan peaked 6 MiB higher, for no
/// time saved).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // SAFETY: mallopt only sets a tunable; called before any thread
        // exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, i32::try_from(cores).unwrap_or(i32::MAX));
        }
    }
}

/// The size of a module's parsed files: what its outcome freed, parse
/// trees and all, is some multiple of it. A module only skimmed (most of
/// `scan --all`'s) frees little more than its texts.
fn unit_bytes(outcome: &Outcome) -> usize {
    outcome.unit.as_ref().map_or(0, |u| {
        u.files
            .iter()
            .filter(|f| f.parsed)
            .map(|f| f.text.len())
            .sum()
    })
}

/// Past this much text, a module's outcome freed enough to hand back.
const RELEASED_BYTES: usize = 1 << 20;

/// Hands free heap pages back to the system once a big module's outcome
/// freed them (`freed`: its text size). Each thread allocates from its own
/// arena: the other one cannot reuse what a big module (hundreds of files)
/// freed, and a whole-tree scan's peak was both arenas' highest at once.
fn release_freed(freed: usize) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if freed > RELEASED_BYTES {
        // SAFETY: malloc_trim only returns free pages; any thread may call it.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

/// Converts the selected modules; orphans go to stderr.
fn convert(target: &Target) -> Result<(Sessions, Vec<Outcome>)> {
    let (session, outcomes, orphans) = convert_by(target, wq::FLUSH_NEEDLES)?;
    print_orphans(&orphans);
    Ok((session, outcomes))
}

fn print_orphans(orphans: &[Refusal]) {
    for orphan in orphans {
        eprintln!(
            "localwq: {}: refused: {}",
            orphan_file(orphan),
            orphan.detail
        );
    }
}

/// Converts the modules whose files mention `needles`, on all cores, with
/// a progress bar when stderr is a terminal.
fn convert_by(target: &Target, needles: &[&str]) -> Result<(Sessions, Vec<Outcome>, Vec<Refusal>)> {
    let explicit = !target.paths.is_empty();
    convert_map(target, needles, false, |o| {
        (explicit || o.verdict() != Verdict::NotApplicable).then_some(o)
    })
}

fn orphan_file(orphan: &Refusal) -> String {
    orphan
        .file
        .as_ref()
        .map(|f| f.display().to_string())
        .unwrap_or_default()
}

/// Files and modules refused because something could not be read: the
/// run reports everything else, then exits with an error.
static UNREAD: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn count_unread(refusal: Option<&Refusal>) {
    if refusal.is_some_and(|r| r.kind == RefusalKind::Unreadable) {
        UNREAD.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The sessions of a run: one, or one per kernel given (oldest first).
struct Sessions(Vec<Session>);

impl Sessions {
    /// The session whose outcome a merged module keeps: the newest kernel.
    fn primary(&self) -> &Session {
        self.0.last().expect("one session at least")
    }

    /// The versions of the kernels read, oldest first.
    fn kernels(&self) -> Vec<String> {
        self.0
            .iter()
            .filter_map(|s| s.tree.facts.kernel.clone())
            .collect()
    }
}

fn open_sessions(target: &Target) -> Result<Sessions> {
    let make_vars = target.make_vars();
    let mut sessions: Vec<Session> = match target.kernel.as_slice() {
        [] => vec![Session::open(&target.tree)?],
        [kdir] => vec![Session::open_external(&target.tree, kdir)?],
        kdirs => Session::open_external_all(&target.tree, kdirs)?,
    }
    .into_iter()
    .map(|s| s.with_make_vars(&make_vars))
    .collect();
    let mut warnings: Vec<String> = Vec::new();
    for session in &mut sessions {
        session.choice = target.strategy.into();
        let warning = localwq::report::facts::facts_warning(&session.tree.facts);
        // Several kernels often say the same (a flag none of them shares).
        if let Some(warning) = warning.filter(|w| !warnings.contains(w)) {
            eprintln!("localwq: {warning}");
            warnings.push(warning);
        }
    }
    Ok(Sessions(sessions))
}

/// Like `convert_by`, but each outcome is mapped (and dropped) as soon as
/// it is made: a whole-tree scan never holds every parse tree at once.
/// Against several kernels every outcome is held, then merged per module
/// (`localwq::across`) and mapped.
fn convert_map<T: Send>(
    target: &Target,
    needles: &[&str],
    survey: bool,
    map: impl Fn(Outcome) -> Option<T> + Sync + Send,
) -> Result<(Sessions, Vec<T>, Vec<Refusal>)> {
    let sessions = open_sessions(target)?;
    let (mapped, orphans) = convert_map_in(&sessions, target, needles, survey, map)?;
    Ok((sessions, mapped, orphans))
}

/// `convert_map` in sessions already open.
fn convert_map_in<T: Send>(
    sessions: &Sessions,
    target: &Target,
    needles: &[&str],
    survey: bool,
    map: impl Fn(Outcome) -> Option<T> + Sync + Send,
) -> Result<(Vec<T>, Vec<Refusal>)> {
    if let [session] = sessions.0.as_slice() {
        return run_session(session, target, needles, survey, &map);
    }
    let mut per_kernel = Vec::new();
    let mut orphans = Vec::new();
    for session in &sessions.0 {
        let (outcomes, found) = run_session(session, target, needles, survey, &Some)?;
        orphans = found;
        per_kernel.push(localwq::across::KernelOutcomes {
            kernel: wq::across::label(&session.tree.facts),
            outcomes,
        });
    }
    let mapped = localwq::across::merge(per_kernel)
        .into_iter()
        .filter_map(map)
        .collect();
    Ok((mapped, orphans))
}

/// One session's outcomes, mapped as they are made.
fn run_session<T: Send>(
    session: &Session,
    target: &Target,
    needles: &[&str],
    survey: bool,
    map: &(impl Fn(Outcome) -> Option<T> + Sync + Send),
) -> Result<(Vec<T>, Vec<Refusal>)> {
    use indicatif::ParallelProgressIterator;
    use rayon::prelude::*;
    let selection = session.select_by(&target.paths, needles)?;
    let bar = indicatif::ProgressBar::new(selection.modules.len() as u64);
    // Outcomes that may join a patch across modules are held until every
    // module has one; the others are mapped (and dropped) at once.
    // The biggest modules first (by their files: i915 is a tenth of a
    // scan), so that none is left to run alone at the end; the slots are
    // put back in selection order after.
    let mut order: Vec<usize> = (0..selection.modules.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(selection.modules[i].files.len()));
    let slot_of = |m: &localwq::kbuild::Module| {
        let mut o = match survey {
            true => session.survey(m),
            false => session.convert(m),
        };
        count_unread(o.decision.refusal());
        match localwq::share::candidate(&o) {
            true => {
                session.plan_ahead(&o, |m| selection.modules.iter().any(|s| s.is(m)));
                // Held while every other module converts: its trees are
                // made again only if grouping asks for them.
                if let Some(unit) = o.unit.as_mut() {
                    unit.drop_trees();
                }
                release_freed(unit_bytes(&o));
                cli::stream::Slot::Held(Box::new(o))
            }
            false => {
                let key = cli::stream::module_key(&o.module);
                let freed = unit_bytes(&o);
                let mapped = map(o);
                release_freed(freed);
                cli::stream::Slot::Mapped(key, mapped)
            }
        }
    };
    let mut slots: Vec<(usize, cli::stream::Slot<T>)> = order
        .into_par_iter()
        .progress_with(bar)
        .map(|i| (i, slot_of(&selection.modules[i])))
        .collect();
    slots.sort_by_key(|(i, _)| *i);
    let slots = slots.into_iter().map(|(_, slot)| slot).collect();
    let mapped = cli::stream::unhold(session, slots, map);
    selection.orphans.iter().for_each(|o| count_unread(Some(o)));
    Ok((mapped, selection.orphans))
}

fn scan(target: &Target, json: bool, all: bool) -> Result<()> {
    let needles = if all {
        wq::USE_NEEDLES
    } else {
        wq::FLUSH_NEEDLES
    };
    // Without --all, a module whose text matched but that flushes
    // nothing (the words were in a comment) is no finding.
    let explicit = !target.paths.is_empty();
    let keep = |o: &Outcome| all || explicit || o.verdict() != Verdict::NotApplicable;
    // --all shows every module that queues; the many that flush nothing
    // are only surveyed (skimmed, not parsed).
    let (sessions, rows, orphans) = convert_map(target, needles, all, |o| {
        keep(&o).then(|| (ModuleView::new(&o), scan_row(&o)))
    })?;
    let session = sessions.primary();
    let kernels = sessions.kernels();
    if json {
        let view = ScanView {
            schema: 1,
            tree: session.tree.root.display().to_string(),
            kernels,
            modules: rows.into_iter().map(|(view, _)| view).collect(),
            orphans: orphans.iter().map(OrphanView::from).collect(),
            workqueue_facts_notes: session.tree.facts.notes.clone(),
        };
        println!("{}", serde_json::to_string_pretty(&view)?);
        return Ok(());
    }
    if kernels.len() > 1 {
        println!("against Linux {}\n", kernels.join(", "));
    }
    for orphan in &orphans {
        println!(
            "{} [refused]\n  reason: {}\n",
            orphan_file(orphan),
            orphan.detail
        );
    }
    for (_, row) in &rows {
        println!("{row}");
    }
    Ok(())
}

fn facts(tree: &Path) -> Result<()> {
    let tree = localwq::tree::KernelTree::open(tree)?;
    print!("{}", localwq::report::facts::facts_table(&tree.facts));
    Ok(())
}

fn diff(target: &Target, build: &BuildCheck) -> Result<()> {
    if !build.build_check {
        return diff_streamed(target);
    }
    let (sessions, outcomes) = convert(target)?;
    let checks = cli::build::build_checks(&sessions.0, &outcomes, build)?;
    let mut stdout = std::io::stdout().lock();
    for (outcome, checks) in outcomes.iter().zip(checks) {
        for check in checks {
            writeln!(
                stdout,
                "# build: {}{}",
                check.on(),
                cli::build::build_line(&check.check.verdict)
            )?;
        }
        stdout.write_all(&dry_run(&sessions.primary().tree.root, outcome))?;
        writeln!(stdout)?;
    }
    Ok(())
}

/// `diff` without build checks: each module's diff is made as soon as its
/// outcome is, and the outcome dropped, as `scan` does; holding every
/// outcome for the checks cost a whole-tree diff a third more memory.
fn diff_streamed(target: &Target) -> Result<()> {
    let sessions = open_sessions(target)?;
    let root = sessions.primary().tree.root.clone();
    let explicit = !target.paths.is_empty();
    let (diffs, orphans) = convert_map_in(&sessions, target, wq::FLUSH_NEEDLES, false, |o| {
        (explicit || o.verdict() != Verdict::NotApplicable).then(|| dry_run(&root, &o))
    })?;
    print_orphans(&orphans);
    let mut stdout = std::io::stdout().lock();
    for diff in diffs {
        stdout.write_all(&diff)?;
        writeln!(stdout)?;
    }
    Ok(())
}

/// One check per outcome (None where nothing is converted or not asked).
fn check(target: &Target, build_dir: &Path, json: bool) -> Result<()> {
    let (sessions, outcomes) = convert(target)?;
    let build = BuildCheck {
        build_check: true,
        build_dir: build_dir.to_path_buf(),
    };
    let checks = cli::build::build_checks(&sessions.0, &outcomes, &build)?;
    let mut rows = Vec::new();
    for (outcome, checks) in outcomes.iter().zip(&checks) {
        let unbuilt = match outcome.patched_with() {
            Some(owner) => format!(
                "built with {owner}'s patch ({})",
                verdict_word(outcome.verdict())
            ),
            None => format!("nothing converted ({})", verdict_word(outcome.verdict())),
        };
        let lines: Vec<(Option<&cli::build::KernelCheck>, String)> = match checks.is_empty() {
            true => vec![(None, unbuilt)],
            false => checks
                .iter()
                .map(|c| (Some(c), cli::build::build_line(&c.check.verdict)))
                .collect(),
        };
        for (check, line) in lines {
            let on = check.map_or(String::new(), |c| c.on());
            if !json {
                println!(
                    "{} ({}): {on}{line}",
                    outcome.module.name,
                    outcome.module.dir_shown()
                );
            }
            rows.push(serde_json::json!({
                "module": outcome.module.name,
                "dir": outcome.module.dir_shown(),
                "kernel": check.and_then(|c| c.kernel.clone()),
                "status": cli::build::status_word(check.map(|c| &c.check)),
                "result": line,
            }));
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    }
    if checks
        .iter()
        .flatten()
        .any(|c| cli::build::status_word(Some(&c.check)) == "fails")
    {
        bail!("a conversion does not build");
    }
    Ok(())
}

struct PatchRequest<'a> {
    output: &'a Path,
    extra: ExtraRecipients,
    signing: &'a Signing,
    subject_prefix: String,
    version: Option<u32>,
    cover: Option<bool>,
    thread: bool,
    force: bool,
    build: BuildCheck,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn report_skipped(outcomes: &[Outcome]) {
    for outcome in outcomes.iter().filter(|o| o.changes.is_empty()) {
        let with = outcome
            .patched_with()
            .map_or(String::new(), |owner| format!(", in {owner}'s patch"));
        eprintln!(
            "localwq: {} ({}): {}{with}",
            outcome.module.name,
            outcome.module.dir_shown(),
            verdict_line(outcome)
        );
    }
}

fn patches(target: &Target, request: PatchRequest) -> Result<()> {
    let extra = ExtraRecipients {
        to: mailboxes("--to", &request.extra.to)?,
        cc: mailboxes("--cc", &request.extra.cc)?,
    };
    check_series_target(request.output, request.force)?;
    let (sessions, outcomes) = convert(target)?;
    let session = sessions.primary();
    report_skipped(&outcomes);
    let mut tested = std::collections::BTreeMap::new();
    for (outcome, checks) in outcomes.iter().zip(cli::build::build_checks(
        &sessions.0,
        &outcomes,
        &request.build,
    )?) {
        if !checks.is_empty() {
            let module = (outcome.module.dir.clone(), outcome.module.name.clone());
            let notes: Vec<String> = checks.iter().map(|c| c.tested_note()).collect();
            tested.insert(module, notes.join("\n"));
        }
        for check in checks {
            if let BuildVerdict::Fails { messages } = check.check.verdict {
                bail!(
                    "{} does not build once converted{}; nothing written:\n{}",
                    outcome.module.name,
                    check
                        .kernel
                        .map_or(String::new(), |k| format!(" on Linux {k}")),
                    messages.join("\n")
                );
            }
        }
    }
    let repo = localwq::patch::repo::open(&session.tree.root)?;
    let options = SeriesOptions {
        identity: identity(request.signing.from.as_deref(), repo.as_ref())?,
        subject_prefix: request.subject_prefix,
        version: request.version,
        cover_letter: request.cover,
        thread: request.thread,
        tested,
        unix_time: request.signing.date.unwrap_or_else(now),
    };
    let mails = build_series(&session.tree.root, &outcomes, &options, &extra)?;
    let files: Vec<(String, Vec<u8>)> = mails.into_iter().map(|m| (m.file_name, m.bytes)).collect();
    write_series(request.output, &files, request.force)?;
    for (name, _) in &files {
        println!("{}", request.output.join(name).display());
    }
    Ok(())
}

/// Each `--to`/`--cc` value checked as one mailbox.
fn mailboxes(flag: &str, values: &[String]) -> Result<Vec<String>> {
    values
        .iter()
        .map(|v| mailbox(v).map_err(|e| anyhow::anyhow!("{flag}: {e}")))
        .collect()
}

fn apply(target: &Target, branch: &str, b4: bool, signing: &Signing) -> Result<()> {
    // Held to the end, so that what is printed below is still true when
    // it is: no other apply moves HEAD or writes a journal meanwhile.
    let _lock = localwq::patch::lock::take_in(&target.tree)?;
    // Before anything reads the work tree: an interrupted apply first.
    if let Some(done) = localwq::patch::resume(&target.tree)? {
        println!(
            "finished an apply that was interrupted: branch {} at {}, checked out; run \
             again for anything else",
            done.branch, done.tip
        );
        return Ok(());
    }
    let (sessions, outcomes) = convert(target)?;
    let session = sessions.primary();
    report_skipped(&outcomes);
    let repo = localwq::patch::repo::open(&session.tree.root)?;
    let who = identity(signing.from.as_deref(), repo.as_ref())?;
    if b4 {
        let date = signing.date.unwrap_or_else(now);
        let root = &session.tree.root;
        for b in localwq::patch::apply_b4_series(root, &outcomes, &who, date, branch)? {
            println!("{b}");
        }
        return Ok(());
    }
    let commits = apply_series(
        &session.tree.root,
        &outcomes,
        &who,
        signing.date.unwrap_or_else(now),
        branch,
    )?;
    let branch = localwq::patch::commits::branch_name(branch)?;
    println!("{} commits on branch {branch}, checked out", commits.len());
    Ok(())
}
