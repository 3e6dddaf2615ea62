//! The localwq command line: subcommands call into the library, print, and
//! map outcomes to exit codes (0 done, 1 error, 2 usage from clap).

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use localwq::analysis::Verdict;
use localwq::patch::diff::module_diff;
use localwq::patch::{
    apply_series, build_series, identity::identity, ExtraRecipients, SeriesOptions,
};
use localwq::report::verdict_word;
use localwq::{Outcome, Session};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "localwq",
    version,
    about = "Move Linux kernel modules off the kernel-global workqueues"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Which modules: the tree and optional paths within it.
#[derive(Args)]
struct Target {
    /// Top directory of the kernel source tree.
    tree: PathBuf,
    /// Directories, .c files or module objects (foo.o / foo.ko) to convert;
    /// default: every module that flushes a system workqueue.
    paths: Vec<PathBuf>,
}

#[derive(Args)]
struct Signing {
    /// Author and Signed-off-by identity, 'Name <email>'; default: git's
    /// user.name and user.email.
    #[arg(long)]
    from: Option<String>,
    /// Commit and mail date as seconds since the epoch (reproducible output).
    #[arg(long, value_name = "UNIX_SECONDS")]
    date: Option<i64>,
}

#[derive(Subcommand)]
enum Command {
    /// Dry run: print each module's conversion as a git diff on stdout.
    Diff {
        #[command(flatten)]
        target: Target,
    },
    /// Write a git format-patch series (one patch per module) to a directory.
    Patches {
        #[command(flatten)]
        target: Target,
        /// Output directory; must be empty or new unless --force.
        #[arg(short = 'o', long = "output-directory", value_name = "DIR")]
        output: PathBuf,
        /// Extra To: recipients (added to those from MAINTAINERS).
        #[arg(long)]
        to: Vec<String>,
        /// Extra Cc: recipients.
        #[arg(long)]
        cc: Vec<String>,
        #[command(flatten)]
        signing: Signing,
        /// The word in the subject's brackets.
        #[arg(long, default_value = "PATCH")]
        subject_prefix: String,
        /// Series version: [PATCH vN ...].
        #[arg(short = 'v', long = "reroll-count", value_name = "N")]
        version: Option<u32>,
        /// Always write a cover letter (default: when there are several patches).
        #[arg(long, overrides_with = "no_cover_letter")]
        cover_letter: bool,
        /// Never write a cover letter.
        #[arg(long)]
        no_cover_letter: bool,
        /// Write into a non-empty output directory, replacing its .patch files.
        #[arg(long)]
        force: bool,
    },
    /// Commit each module's conversion on a new branch of the tree's git
    /// repository and check it out.
    Apply {
        #[command(flatten)]
        target: Target,
        /// The branch to create.
        #[arg(long, default_value = "localwq")]
        branch: String,
        #[command(flatten)]
        signing: Signing,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Diff { target } => diff(&target),
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
            force,
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
                force,
            };
            patches(&target, request)
        }
        Command::Apply {
            target,
            branch,
            signing,
        } => apply(&target, &branch, &signing),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("localwq: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Converts the selected modules; orphans and refusals go to stderr.
fn convert(target: &Target) -> Result<(Session, Vec<Outcome>)> {
    let session = Session::open(&target.tree)?;
    let selection = session.select(&target.paths)?;
    for orphan in &selection.orphans {
        eprintln!(
            "localwq: {}: refused: {}",
            orphan.file.display(),
            orphan.reason
        );
    }
    let explicit = !target.paths.is_empty();
    let outcomes = selection
        .modules
        .iter()
        .map(|m| session.convert(m))
        .filter(|o| explicit || !matches!(o.verdict, Verdict::NotApplicable(_)))
        .collect();
    Ok((session, outcomes))
}

fn diff(target: &Target) -> Result<()> {
    let (_, outcomes) = convert(target)?;
    let mut stdout = std::io::stdout().lock();
    for outcome in &outcomes {
        stdout.write_all(&module_diff(outcome))?;
        writeln!(stdout)?;
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
    force: bool,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn report_skipped(outcomes: &[Outcome]) {
    for outcome in outcomes.iter().filter(|o| o.changes.is_empty()) {
        let reason = match &outcome.verdict {
            Verdict::Refused(r) | Verdict::NotApplicable(r) => r.as_str(),
            _ => "",
        };
        eprintln!(
            "localwq: {} ({}): {}: {reason}",
            outcome.module.name,
            outcome.module.dir.display(),
            verdict_word(&outcome.verdict)
        );
    }
}

fn patches(target: &Target, request: PatchRequest) -> Result<()> {
    prepare_output(request.output, request.force)?;
    let (session, outcomes) = convert(target)?;
    report_skipped(&outcomes);
    let repo = git2::Repository::open(&session.tree.root).ok();
    let options = SeriesOptions {
        identity: identity(request.signing.from.as_deref(), repo.as_ref())?,
        subject_prefix: request.subject_prefix,
        version: request.version,
        cover_letter: request.cover,
        unix_time: request.signing.date.unwrap_or_else(now),
    };
    let mails = build_series(&session.tree.root, &outcomes, &options, &request.extra)?;
    for mail in &mails {
        write_atomically(&request.output.join(&mail.file_name), &mail.bytes)?;
        println!("{}", request.output.join(&mail.file_name).display());
    }
    Ok(())
}

/// Creates the directory, or accepts an existing one that is empty; with
/// `force`, removes the .patch files a previous run left there.
fn prepare_output(dir: &Path, force: bool) -> Result<()> {
    if !dir.exists() {
        return std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()));
    }
    let entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    if entries.is_empty() {
        return Ok(());
    }
    if !force {
        bail!(
            "{} is not empty: choose another -o directory, or pass --force to replace its patches",
            dir.display()
        );
    }
    for patch in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "patch"))
    {
        std::fs::remove_file(patch).with_context(|| format!("removing {}", patch.display()))?;
    }
    Ok(())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn apply(target: &Target, branch: &str, signing: &Signing) -> Result<()> {
    let (session, outcomes) = convert(target)?;
    report_skipped(&outcomes);
    let repo = git2::Repository::open(&session.tree.root).ok();
    let who = identity(signing.from.as_deref(), repo.as_ref())?;
    let commits = apply_series(
        &session.tree.root,
        &outcomes,
        &who,
        signing.date.unwrap_or_else(now),
        branch,
    )?;
    println!("{} commits on branch {branch}, checked out", commits.len());
    Ok(())
}
