//! The localwq command line: subcommands call into the library, print, and
//! map outcomes to exit codes (0 done, 1 error, 2 usage from clap).

use anyhow::Result;
use clap::{Parser, Subcommand};
use localwq::analysis::Verdict;
use localwq::patch::diff::module_diff;
use localwq::Session;
use std::io::Write;
use std::path::PathBuf;
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

#[derive(Subcommand)]
enum Command {
    /// Dry run: print each module's conversion as a git diff on stdout.
    Diff {
        /// Top directory of the kernel source tree.
        tree: PathBuf,
        /// Directories, .c files or module objects (foo.o / foo.ko) to
        /// convert; default: every module that flushes a system workqueue.
        paths: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Diff { tree, paths } => diff(&tree, &paths),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("localwq: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn diff(tree: &std::path::Path, paths: &[PathBuf]) -> Result<()> {
    let session = Session::open(tree)?;
    let selection = session.select(paths)?;
    let explicit = !paths.is_empty();
    let mut stdout = std::io::stdout().lock();
    for orphan in &selection.orphans {
        writeln!(
            stdout,
            "# file {}\n# verdict: refused: {}\n",
            orphan.file.display(),
            orphan.reason
        )?;
    }
    for module in &selection.modules {
        let outcome = session.convert(module);
        if !explicit && matches!(outcome.verdict, Verdict::NotApplicable(_)) {
            continue;
        }
        writeln!(stdout, "{}", module_diff(&outcome))?;
    }
    Ok(())
}
