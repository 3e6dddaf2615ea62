//! Building for another architecture: a driver whose Kconfig option is off
//! on x86-64 (an ARM SoC's charger, a 32-bit laptop's display controller)
//! is built with `ARCH=i386` or a Debian cross compiler instead, and the
//! options it depends on are switched on as far as Kconfig lets them.

use super::{symbols, BuildDir, ModuleCheck};
use crate::outcome::Outcome;
use anyhow::Result;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A kernel architecture and the compiler prefix that builds for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arch {
    /// `ARCH=`.
    pub name: &'static str,
    /// `CROSS_COMPILE=`; empty for the host compiler (`-m32`).
    pub cross: &'static str,
}

/// Where an object x86-64 does not build is tried next, in order.
pub const OTHER_ARCHES: &[Arch] = &[
    Arch {
        name: "i386",
        cross: "",
    },
    Arch {
        name: "arm",
        cross: "arm-linux-gnueabihf-",
    },
    Arch {
        name: "arm64",
        cross: "aarch64-linux-gnu-",
    },
];

impl Arch {
    /// Whether this machine has the compiler (`.ci/run` installs the
    /// cross compilers).
    pub fn available(self) -> bool {
        self.cross.is_empty()
            || Command::new(format!("{}gcc", self.cross))
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
    }
}

/// The Kconfig symbols the `depends on` lines of `config symbol` name, from
/// whichever Kconfig file of the tree at `source` declares it.
pub fn dependencies(source: &Path, symbol: &str) -> Vec<String> {
    let mut pending = vec![source.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if entry.file_type().is_ok_and(|t| t.is_dir()) && name != ".git" {
                pending.push(path);
            } else if name.to_string_lossy().starts_with("Kconfig") {
                if let Some(found) = dependencies_in(&path, symbol) {
                    return found;
                }
            }
        }
    }
    Vec::new()
}

fn dependencies_in(file: &Path, symbol: &str) -> Option<Vec<String>> {
    let text = fs::read_to_string(file).ok()?;
    let head = format!("config {symbol}");
    let mut lines = text.lines().skip_while(|l| l.trim() != head);
    lines.next()?;
    let mut found = Vec::new();
    for line in lines {
        let line = line.trim();
        if line.starts_with("config ") || line.starts_with("menuconfig ") || line == "endmenu" {
            break;
        }
        if let Some(expr) = line.strip_prefix("depends on") {
            found.extend(
                expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|w| {
                        w.len() > 1
                            && w.chars()
                                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                    })
                    .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
                    .map(str::to_string),
            );
        }
    }
    Some(found)
}

/// `symbol`'s value in a `.config`: `y`, `m`, or None when unset.
pub fn config_value(config: &str, symbol: &str) -> Option<char> {
    let head = format!("CONFIG_{symbol}=");
    config
        .lines()
        .find_map(|l| l.strip_prefix(&head))
        .and_then(|v| v.chars().next())
}

/// The directory of a tree's `O=` build for `arch` beside the native one.
pub fn objects_dir(dir: &Path, arch: Option<Arch>) -> PathBuf {
    match arch {
        Some(arch) => dir.join(format!("obj-{}", arch.name)),
        None => dir.join("obj"),
    }
}

/// Builds every converted outcome before and after, in `dir`: on the host
/// first (or with `make M=` against `kbuild` for an out-of-tree module);
/// an object Kbuild does not build there is tried on each architecture of
/// `OTHER_ARCHES` whose compiler is installed, in turn.
pub fn check_all(
    root: &Path,
    kbuild: Option<&Path>,
    dir: &Path,
    outcomes: &[Outcome],
    make_vars: &std::collections::BTreeMap<String, Vec<String>>,
    outside: &[PathBuf],
) -> Result<Vec<Option<ModuleCheck>>> {
    let mut native = match kbuild {
        Some(kdir) => BuildDir::prepare_external(root, kdir, dir, outside)?,
        None => BuildDir::prepare(root, dir, &symbols(outcomes))?,
    };
    native.make_vars = make_vars.clone();
    let mut checks: Vec<Option<ModuleCheck>> = outcomes
        .iter()
        .map(|o| match o.changes.is_empty() {
            true => Ok(None),
            false => native.check(o).map(Some),
        })
        .collect::<Result<_>>()?;
    if kbuild.is_some() {
        return Ok(checks);
    }
    for arch in OTHER_ARCHES.iter().copied() {
        let pending: Vec<usize> = (0..checks.len())
            .filter(|&i| checks[i].as_ref().is_some_and(|c| c.unconfigured))
            .collect();
        if pending.is_empty() {
            break;
        }
        if !arch.available() {
            continue;
        }
        let wanted = symbols(pending.iter().map(|&i| &outcomes[i]));
        // A failed preparation for one architecture leaves the checks as
        // they are: the report says why they were not built.
        let Ok(mut build) = BuildDir::prepare_for(root, dir, &wanted, Some(arch)) else {
            continue;
        };
        build.make_vars = make_vars.clone();
        for i in pending {
            let check = build.check(&outcomes[i])?;
            if !check.unconfigured {
                checks[i] = Some(check);
            }
        }
    }
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depends_on_lines_give_symbols() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("Kconfig"),
            "config OTHER\n\tdepends on NOPE\n\nconfig AB8500_BM\n\tbool \"x\"\n\
             \tdepends on AB8500_CORE && AB8500_GPADC && (IIO = y)\n\thelp\n\t  y\n\n\
             config NEXT\n\tdepends on NOT_MINE\n",
        )
        .unwrap();
        assert_eq!(
            dependencies(dir.path(), "AB8500_BM"),
            ["AB8500_CORE", "AB8500_GPADC", "IIO"]
        );
    }

    #[test]
    fn config_values_are_read() {
        let config = "CONFIG_IIO=m\nCONFIG_FB=y\n# CONFIG_X is not set\n";
        assert_eq!(config_value(config, "IIO"), Some('m'));
        assert_eq!(config_value(config, "FB"), Some('y'));
        assert_eq!(config_value(config, "X"), None);
    }
}
