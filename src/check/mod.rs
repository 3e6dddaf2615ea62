//! Build check: the conversion compiled by the tree's own Kbuild. The tree
//! itself is never touched: a scratch copy (hard links, so it is cheap)
//! takes the rewritten files, and a prepared `O=` directory is reused
//! across runs. Each touched object is built before and after conversion,
//! and warnings that only the converted build shows are reported.

pub mod arch;

pub use arch::check_all;

use crate::edit::FileChange;
use crate::outcome::Outcome;
use crate::write::write_changes;
use anyhow::{bail, Context, Result};
use arch::Arch;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Options that slow the build down or turn warnings into errors.
const CONFIG_OFF: &[&str] = &[
    "WERROR",
    "KASAN",
    "UBSAN",
    "KCOV",
    "GCOV_KERNEL",
    "DEBUG_INFO",
    "DEBUG_INFO_BTF",
    "STACK_VALIDATION",
    "GCC_PLUGINS",
    "LTO_CLANG",
];

pub struct BuildDir {
    /// Where the rewritten files go: the copy of the tree, or of an
    /// out-of-tree module's directory.
    source: PathBuf,
    /// The kernel's prepared `O=` build directory.
    objects: PathBuf,
    /// The kernel sources `objects` is configured from (the tree copy, or
    /// KDIR for an out-of-tree module).
    kernel: PathBuf,
    /// Out of tree: objects are built with `make -C objects M=source`.
    external: bool,
    /// Another architecture than the host's (`ARCH=`, `CROSS_COMPILE=`).
    arch: Option<Arch>,
    /// The user's variables on make's command line (`--make`), for the
    /// module's objects.
    make_vars: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildVerdict {
    Builds {
        new_warnings: Vec<String>,
    },
    Fails {
        messages: Vec<String>,
    },
    /// The unconverted object does not build here either.
    NoBuild {
        reason: String,
    },
}

pub struct ModuleCheck {
    pub module: String,
    pub objects: Vec<PathBuf>,
    pub verdict: BuildVerdict,
    /// The architecture built for, when not the host's.
    pub arch: Option<Arch>,
    /// Kbuild does not build the object in this configuration (its Kconfig
    /// option is off): another architecture may.
    pub unconfigured: bool,
}

impl ModuleCheck {
    /// What the build showed, for the notes below a patch's `---`: the
    /// architecture and configuration it was built with and what came of it.
    pub fn tested_note(&self) -> String {
        let objects: Vec<String> = self
            .objects
            .iter()
            .map(|o| o.display().to_string())
            .collect();
        let built = format!(
            "built for {} with allmodconfig (plus the module's own Kconfig options; WERROR, \
             KASAN, UBSAN, KCOV, debug info and BTF off), {} before and after the change",
            self.arch.map_or(std::env::consts::ARCH, |a| a.name),
            objects.join(", ")
        );
        match &self.verdict {
            BuildVerdict::Builds { new_warnings } if new_warnings.is_empty() => {
                format!("Build-tested: {built}: no new warnings.")
            }
            BuildVerdict::Builds { new_warnings } => format!(
                "Build-tested: {built}: {} new warning(s).",
                new_warnings.len()
            ),
            BuildVerdict::Fails { .. } => format!("Build-tested: {built}: it FAILS."),
            BuildVerdict::NoBuild { reason } => format!("Not build-tested: {reason}."),
        }
    }
}

fn run(command: &mut Command, what: &str) -> Result<std::process::Output> {
    let output = command
        .output()
        .with_context(|| format!("running {what}"))?;
    Ok(output)
}

fn run_ok(command: &mut Command, what: &str) -> Result<()> {
    let output = run(command, what)?;
    if !output.status.success() {
        bail!(
            "{what} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

impl BuildDir {
    /// Makes (or reuses) `dir/src`, a hard-linked copy of `tree`, and
    /// `dir/obj`, configured with allmodconfig plus `symbols` (`FOO=m`,
    /// `BAR=y`) and prepared for building single objects.
    pub fn prepare(tree: &Path, dir: &Path, symbols: &BTreeSet<String>) -> Result<Self> {
        Self::prepare_for(tree, dir, symbols, None)
    }

    /// `prepare` for `arch` (None: the host's), in `dir/obj-<arch>`.
    pub fn prepare_for(
        tree: &Path,
        dir: &Path,
        symbols: &BTreeSet<String>,
        arch: Option<Arch>,
    ) -> Result<Self> {
        let source = dir.join("src");
        let objects = arch::objects_dir(dir, arch);
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        copy_tree(tree, &source)?;
        let build = BuildDir {
            kernel: source.clone(),
            source,
            objects,
            external: false,
            arch,
            make_vars: Default::default(),
        };
        build.configure(symbols)?;
        Ok(build)
    }

    /// For an out-of-tree module: `dir/src`, a copy of `module`, built
    /// with `make -C <kernel build> M=dir/src`. The kernel build is KDIR
    /// itself when it is prepared (a `/lib/modules/…/build` or an `O=`
    /// directory with a .config), or `dir/kernel`, configured from KDIR's
    /// sources with allmodconfig.
    pub fn prepare_external(
        module: &Path,
        kdir: &Path,
        dir: &Path,
        outside: &[PathBuf],
    ) -> Result<Self> {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        // The module's `-I` directories outside it (a sibling include/)
        // come along: the copy is of the directory that holds them all.
        let (top, within) = copied_top(module, outside);
        let copy = dir.join("src");
        // A module directory is small: the copy of another module (a build
        // directory shared across modules keeps its prepared kernel) is
        // replaced rather than refused.
        if is_copy_of_other(&copy, &top) {
            fs::remove_dir_all(&copy)
                .with_context(|| format!("removing the old copy {}", copy.display()))?;
        }
        copy_tree(&top, &copy)?;
        let source = copy.join(within);
        let prepared =
            kdir.join(".config").is_file() && kdir.join("include/generated/autoconf.h").is_file();
        let build = BuildDir {
            source,
            objects: match prepared {
                true => kdir.to_path_buf(),
                false => dir.join("kernel"),
            },
            kernel: kdir.to_path_buf(),
            external: true,
            arch: None,
            make_vars: Default::default(),
        };
        if !prepared {
            build.configure(&BTreeSet::new())?;
        }
        Ok(build)
    }

    fn make(&self) -> Command {
        let mut make = Command::new("make");
        make.arg("-C")
            .arg(&self.kernel)
            .arg(format!("O={}", self.objects.display()));
        if let Some(arch) = self.arch {
            make.arg(format!("ARCH={}", arch.name));
            if !arch.cross.is_empty() {
                make.arg(format!("CROSS_COMPILE={}", arch.cross));
            }
        }
        make.arg(format!(
            "-j{}",
            std::thread::available_parallelism().map_or(2, |n| n.get())
        ));
        make
    }

    /// `make -C <kernel build> M=<module copy>`, as DKMS builds it: with
    /// the variables its `dkms.conf` sets on make's command line.
    fn make_external(&self) -> Command {
        let mut make = Command::new("make");
        make.arg("-C")
            .arg(&self.objects)
            .arg(format!("M={}", self.source.display()));
        for (name, values) in crate::kbuild::dkms_make_variables(&self.source) {
            make.arg(format!("{name}={}", values.join(" ")));
        }
        make
    }

    fn configure(&self, symbols: &BTreeSet<String>) -> Result<()> {
        let stamp = self.objects.join(".localwq-symbols");
        let wanted: String = symbols.iter().map(|s| format!("{s}\n")).collect();
        let config = self.objects.join(".config");
        if config.is_file() && fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
            return Ok(());
        }
        fs::create_dir_all(&self.objects)?;
        if !config.is_file() {
            run_ok(
                self.make().arg("-s").arg("allmodconfig"),
                "make allmodconfig",
            )?;
        }
        let mut wanted_now: Vec<(String, char)> = symbols
            .iter()
            .map(|s| {
                // "FOO=y" for built-in code, "FOO=m" for a module.
                let (name, value) = s.split_once('=').unwrap_or((s, "m"));
                (name.to_string(), if value == "y" { 'y' } else { 'm' })
            })
            .collect();
        // A symbol olddefconfig drops for want of a dependency built in
        // (`depends on IIO = y` while allmodconfig made IIO a module) gets
        // that dependency switched to y, twice over at most.
        for _ in 0..3 {
            self.set_symbols(&config, &wanted_now)?;
            let now = fs::read_to_string(&config).unwrap_or_default();
            let missing: Vec<&(String, char)> = wanted_now
                .iter()
                .filter(|(name, value)| arch::config_value(&now, name) != Some(*value))
                .collect();
            let promote: Vec<(String, char)> = missing
                .iter()
                .flat_map(|(name, _)| arch::dependencies(&self.kernel, name))
                .filter(|dep| arch::config_value(&now, dep) == Some('m'))
                .map(|dep| (dep, 'y'))
                .collect();
            if promote.is_empty() {
                break;
            }
            wanted_now.extend(promote);
        }
        run_ok(
            self.make().arg("-s").arg("modules_prepare"),
            "make modules_prepare",
        )?;
        fs::write(&stamp, wanted)?;
        Ok(())
    }

    /// CONFIG_OFF off, `wanted` set, then olddefconfig.
    fn set_symbols(&self, config: &Path, wanted: &[(String, char)]) -> Result<()> {
        let mut edit = Command::new(self.kernel.join("scripts/config"));
        edit.arg("--file").arg(config);
        for option in CONFIG_OFF {
            edit.args(["-d", option]);
        }
        for (name, value) in wanted {
            edit.args([if *value == 'y' { "-e" } else { "-m" }, name]);
        }
        run_ok(&mut edit, "scripts/config")?;
        run_ok(
            self.make().arg("-s").arg("olddefconfig"),
            "make olddefconfig",
        )
    }

    /// Builds one object; returns success and the compiler's diagnostics.
    /// The first single-object build after `modules_prepare` (seen on
    /// 5.10) fails with a spurious "No rule to make target" and succeeds
    /// when run again: every failure is tried once more.
    fn build(&self, object: &Path) -> Result<(bool, Vec<String>)> {
        let first = self.build_once(object)?;
        if first.0 {
            return Ok(first);
        }
        self.build_once(object)
    }

    fn build_once(&self, object: &Path) -> Result<(bool, Vec<String>)> {
        let mut make = match self.external {
            true => self.make_external(),
            false => self.make(),
        };
        for (name, values) in &self.make_vars {
            make.arg(format!("{name}={}", values.join(" ")));
        }
        let output = run(make.arg(object), &format!("make {}", object.display()))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        let diagnostics = stderr
            .lines()
            .filter(|l| l.contains("warning:") || l.contains("error:") || l.contains("***"))
            .map(without_position)
            .collect();
        Ok((output.status.success(), diagnostics))
    }

    /// Builds the module's touched objects before and after conversion.
    pub fn check(&self, outcome: &Outcome) -> Result<ModuleCheck> {
        let objects: Vec<PathBuf> = outcome
            .changes
            .iter()
            .filter(|c| c.path.extension().is_some_and(|e| e == "c"))
            .map(|c| c.path.with_extension("o"))
            .collect();
        let originals: Vec<FileChange> = outcome.changes.iter().map(FileChange::reverted).collect();
        write_changes(&self.source, &originals)?;
        let before = self.build_all(&objects)?;
        if let Some(messages) = before.failed {
            let unconfigured = messages
                .iter()
                .any(|m| m.contains("No rule to make target"));
            let reason = match unconfigured {
                true => format!(
                    "Kbuild does not build it in this configuration (its Kconfig option is \
                     off for ARCH={})",
                    self.arch.map_or("x86", |a| a.name)
                ),
                false => messages
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| "no compiler message".into()),
            };
            return Ok(ModuleCheck {
                module: outcome.module.name.clone(),
                objects,
                verdict: BuildVerdict::NoBuild {
                    reason: format!("the unconverted object does not build here: {reason}"),
                },
                arch: self.arch,
                unconfigured,
            });
        }
        write_changes(&self.source, &outcome.changes)?;
        let after = self.build_all(&objects);
        write_changes(&self.source, &originals)?;
        let after = after?;
        let verdict = match after.failed {
            Some(messages) => BuildVerdict::Fails { messages },
            None => BuildVerdict::Builds {
                new_warnings: after
                    .diagnostics
                    .difference(&before.diagnostics)
                    .cloned()
                    .collect(),
            },
        };
        Ok(ModuleCheck {
            module: outcome.module.name.clone(),
            objects,
            verdict,
            arch: self.arch,
            unconfigured: false,
        })
    }

    fn build_all(&self, objects: &[PathBuf]) -> Result<BuildRun> {
        let mut run = BuildRun::default();
        for object in objects {
            let (ok, diagnostics) = self.build(object)?;
            if !ok {
                run.failed
                    .get_or_insert_with(Vec::new)
                    .extend(diagnostics.iter().cloned());
            }
            run.diagnostics.extend(diagnostics);
        }
        if let Some(failed) = &mut run.failed {
            if failed.is_empty() {
                failed.push("make failed without a compiler message".into());
            }
        }
        Ok(run)
    }
}

#[derive(Default)]
struct BuildRun {
    diagnostics: BTreeSet<String>,
    failed: Option<Vec<String>>,
}

/// `path:12:5: warning: x` → `path: warning: x`: line numbers move when
/// the conversion adds lines, the message does not.
fn without_position(line: &str) -> String {
    let mut parts = line.splitn(4, ':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(file), Some(l), Some(c), Some(rest))
            if l.parse::<u32>().is_ok() && c.parse::<u32>().is_ok() =>
        {
            format!("{file}:{rest}")
        }
        _ => line.to_string(),
    }
}

/// The directory to copy for `module` to build in the copy as in place:
/// the nearest one holding `module` and every directory of `outside`
/// (no more than two levels up and never `/`: further is not the
/// module's own), and `module`'s path within it.
fn copied_top(module: &Path, outside: &[PathBuf]) -> (PathBuf, PathBuf) {
    let mut top = module.to_path_buf();
    for _ in 0..2 {
        if outside.iter().all(|o| o.starts_with(&top)) {
            break;
        }
        match top.parent() {
            Some(parent) => top = parent.to_path_buf(),
            None => break,
        }
    }
    if !outside.iter().all(|o| o.starts_with(&top)) || top.parent().is_none() {
        top = module.to_path_buf();
    }
    let within = module
        .strip_prefix(&top)
        .unwrap_or(Path::new(""))
        .to_path_buf();
    (top, within)
}

/// Whether `copy` is a copy localwq made (it has the marker) of another
/// directory than `tree`.
fn is_copy_of_other(copy: &Path, tree: &Path) -> bool {
    fs::read_to_string(copy.join(".localwq-source"))
        .is_ok_and(|origin| origin != tree.display().to_string())
}

/// A hard-linked copy of the tree (without .git). Files localwq writes are
/// replaced by rename, so the links to the real tree are never written
/// through.
fn copy_tree(tree: &Path, copy: &Path) -> Result<()> {
    let marker = copy.join(".localwq-source");
    let origin = tree.display().to_string();
    if fs::read_to_string(&marker).is_ok_and(|m| m == origin) {
        return Ok(());
    }
    if copy.exists() {
        bail!(
            "{} holds a copy of another tree: choose another --build-dir or remove it",
            copy.display()
        );
    }
    let partial = copy.with_extension("partial");
    let _ = fs::remove_dir_all(&partial);
    fs::create_dir_all(&partial)?;
    // The build directory may sit inside what is copied (`--build-dir`
    // below the module): never into itself.
    let inside = partial.canonicalize()?;
    for entry in fs::read_dir(tree)?.flatten() {
        let holds_copy = entry
            .path()
            .canonicalize()
            .is_ok_and(|p| inside.starts_with(p));
        if entry.file_name() == ".git" || holds_copy {
            continue;
        }
        run_ok(
            Command::new("cp")
                .arg("-al")
                .arg(entry.path())
                .arg(&partial),
            "cp -al",
        )?;
    }
    fs::rename(&partial, copy)?;
    fs::write(marker, origin)?;
    Ok(())
}

/// The Kconfig settings that build the modules of `outcomes`.
pub fn symbols<'o>(outcomes: impl IntoIterator<Item = &'o Outcome>) -> BTreeSet<String> {
    outcomes
        .into_iter()
        .filter_map(|o| {
            let value = match o.module.kind {
                crate::kbuild::ModuleKind::BuiltIn => "y",
                crate::kbuild::ModuleKind::Loadable => "m",
            };
            o.module.config.as_ref().map(|c| format!("{c}={value}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_holds_the_include_directories_beside_the_module() {
        let module = Path::new("/src/pkg/driver");
        let (top, within) = copied_top(module, &[PathBuf::from("/src/pkg/include")]);
        assert_eq!(
            (top.as_path(), within.as_path()),
            (Path::new("/src/pkg"), Path::new("driver"))
        );
        let (top, within) = copied_top(module, &[]);
        assert_eq!((top.as_path(), within.as_path()), (module, Path::new("")));
        // Too far up is not the module's own: the module alone.
        let (top, _) = copied_top(module, &[PathBuf::from("/usr/include")]);
        assert_eq!(top, module);
    }

    #[test]
    fn warnings_lose_their_line_numbers() {
        assert_eq!(
            without_position("drivers/foo/foo.c:12:5: warning: unused variable 'x'"),
            "drivers/foo/foo.c: warning: unused variable 'x'"
        );
        assert_eq!(without_position("make: *** Error 1"), "make: *** Error 1");
    }
}
