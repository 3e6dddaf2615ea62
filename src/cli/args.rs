//! The command line's shape: subcommands, their arguments and flags.

use clap::{Args, Parser, Subcommand};
use localwq::analysis::Choice;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "localwq",
    version,
    about = "Move Linux kernel modules off the kernel-global workqueues"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Which modules: the tree and optional paths within it.
#[derive(Args)]
pub struct Target {
    /// Top directory of the kernel source tree; with --kernel, the
    /// out-of-tree module's directory (what `make -C KDIR M=<dir>` builds).
    pub tree: PathBuf,
    /// Convert an out-of-tree module against this kernel (a source tree or
    /// a headers/build directory): its include/ and workqueue facts are used.
    /// Give it once per kernel the module is built for (a DKMS package's
    /// range): the conversion is one that is right for all of them, or a
    /// refusal naming the kernel where it is not.
    #[arg(long, value_name = "KDIR")]
    pub kernel: Vec<PathBuf>,
    /// A variable on make's command line, as the package is built with
    /// (`--make CONFIG_FOO=y --make KVER=6.1`): read with the Makefiles
    /// (over dkms.conf's) and passed to `check`'s make. Repeatable.
    #[arg(long = "make", value_name = "VAR=VALUE", value_parser = make_var)]
    pub make: Vec<(String, String)>,
    /// Directories, .c files or module objects (foo.o / foo.ko) to convert;
    /// default: every module that flushes a system workqueue.
    pub paths: Vec<PathBuf>,
    /// auto follows Step 0's recommendation; the others apply where they can.
    #[arg(long, value_enum, default_value_t = StrategyArg::Auto)]
    pub strategy: StrategyArg,
}

/// `NAME=value`, NAME a make variable name.
fn make_var(word: &str) -> Result<(String, String), String> {
    let (name, value) = word
        .split_once('=')
        .ok_or_else(|| format!("`{word}` is not VAR=VALUE"))?;
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    match plain {
        true => Ok((name.to_string(), value.to_string())),
        false => Err(format!("`{name}` is not a make variable name")),
    }
}

impl Target {
    /// `--make` as make's command line holds it: a value is a list of words.
    pub fn make_vars(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        self.make
            .iter()
            .map(|(name, value)| {
                let words = value.split_whitespace().map(str::to_string).collect();
                (name.clone(), words)
            })
            .collect()
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum StrategyArg {
    Auto,
    LocalWq,
    FlushWork,
    RemoveFlush,
}

impl From<StrategyArg> for Choice {
    fn from(arg: StrategyArg) -> Choice {
        match arg {
            StrategyArg::Auto => Choice::Auto,
            StrategyArg::LocalWq => Choice::LocalWq,
            StrategyArg::FlushWork => Choice::FlushWork,
            StrategyArg::RemoveFlush => Choice::RemoveFlush,
        }
    }
}

#[derive(Args)]
pub struct Signing {
    /// Author and Signed-off-by identity, 'Name <email>'; default: git's
    /// user.name and user.email.
    #[arg(long)]
    pub from: Option<String>,
    /// Commit and mail date as seconds since the epoch (reproducible output).
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub date: Option<i64>,
}

#[derive(Args)]
pub struct BuildCheck {
    /// Build every touched object before and after conversion first (see
    /// `check`); a conversion that does not compile stops the command.
    #[arg(long)]
    pub build_check: bool,
    /// Where `check` keeps its scratch copy and prepared build.
    #[arg(long, value_name = "DIR", default_value = "localwq-build")]
    pub build_dir: PathBuf,
}

#[derive(Subcommand)]
pub enum Command {
    /// List the modules that flush a system workqueue, with their entry
    /// points, sites, verdict and review flags.
    Scan {
        #[command(flatten)]
        target: Target,
        /// Machine-readable output (schema in README.md).
        #[arg(long)]
        json: bool,
        /// Every module that queues on a system workqueue, flushing or not.
        #[arg(long)]
        all: bool,
    },
    /// Print the system workqueues read from a kernel tree: their flags, the
    /// local replacement's, and the one each schedule_*() call acts on.
    Facts {
        /// Top directory of the kernel source tree (or KDIR).
        tree: PathBuf,
    },
    /// Dry run: print each module's conversion as a git diff on stdout.
    Diff {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        build: BuildCheck,
    },
    /// Build each converted module's touched objects before and after
    /// conversion, in a scratch copy, and report per module.
    Check {
        #[command(flatten)]
        target: Target,
        /// Where the scratch copy and the prepared build live (reused).
        #[arg(long, value_name = "DIR", default_value = "localwq-build")]
        build_dir: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
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
        /// Message-ID, In-Reply-To and References headers, as `git
        /// format-patch --thread` writes them.
        #[arg(long)]
        thread: bool,
        /// Replace the output directory when it holds only a series localwq
        /// wrote there before (its .localwq-series manifest says so).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        build: BuildCheck,
    },
    /// Commit each module's conversion on a new branch of the tree's git
    /// repository and check it out.
    Apply {
        #[command(flatten)]
        target: Target,
        /// The branch to create.
        #[arg(long, default_value = "localwq")]
        branch: String,
        /// Leave the series as `b4 prep` keeps them: ready patches on the
        /// branch, RFCs on `<branch>-rfc`, each after a cover letter commit
        /// that holds the recipients and b4's tracking data.
        #[arg(long)]
        b4: bool,
        #[command(flatten)]
        signing: Signing,
    },
}
