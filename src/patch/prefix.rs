//! The subject prefix a subsystem uses ("Input: psmouse-smbus - ",
//! "crypto: atmel - ", "aoe: "): from the touched files' own history when
//! the tree has one, otherwise derived from the path.

pub use crate::report::commit::Prefix;
use git2::{DiffOptions, Repository};
use std::collections::BTreeMap;
use std::path::Path;

/// How many commits back the history search looks, at most.
const HISTORY_DEPTH: usize = 3000;
/// How many subjects are enough to vote on.
const SUBJECTS_WANTED: usize = 12;

pub fn subject_prefix(
    repo: Option<&Repository>,
    files: &[&Path],
    module: &str,
    dir: &Path,
) -> Prefix {
    repo.and_then(|r| from_history(r, files))
        .unwrap_or_else(|| from_path(module, dir, files))
}

/// The prefix most of the recent subjects touching `files` share, and the
/// case most of them start their summary in.
fn from_history(repo: &Repository, files: &[&Path]) -> Option<Prefix> {
    let mut walk = repo.revwalk().ok()?;
    walk.push_head().ok()?;
    // Per prefix: how many subjects use it, how many of those go on in
    // lower case.
    let mut votes: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut found = 0;
    for oid in walk.take(HISTORY_DEPTH).flatten() {
        let commit = repo.find_commit(oid).ok()?;
        if commit.parent_count() != 1 || !touches(repo, &commit, files) {
            continue;
        }
        let Some(summary) = commit.summary() else {
            continue;
        };
        if let Some(prefix) = prefix_of(summary) {
            let lower = summary[prefix.len()..].starts_with(|c: char| c.is_lowercase());
            let vote = votes.entry(prefix).or_default();
            vote.0 += 1;
            vote.1 += usize::from(lower);
            found += 1;
        }
        if found == SUBJECTS_WANTED {
            break;
        }
    }
    let (text, (count, lower)) = votes.into_iter().max_by_key(|(_, (n, _))| *n)?;
    Some(Prefix::new(text, lower * 2 > count))
}

fn touches(repo: &Repository, commit: &git2::Commit, files: &[&Path]) -> bool {
    let (Ok(tree), Ok(parent)) = (commit.tree(), commit.parent(0).and_then(|p| p.tree())) else {
        return false;
    };
    let mut options = DiffOptions::new();
    for file in files {
        options.pathspec(file);
    }
    repo.diff_tree_to_tree(Some(&parent), Some(&tree), Some(&mut options))
        .is_ok_and(|d| d.deltas().len() > 0)
}

/// "Input: psmouse-smbus - avoid …" → "Input: psmouse-smbus - ";
/// "aoe: Avoid …" → "aoe: ".
pub fn prefix_of(subject: &str) -> Option<String> {
    let colon = subject.rfind(": ")?;
    let after = &subject[colon + 2..];
    match after.find(" - ") {
        Some(dash) if !after[..dash].contains(' ') => {
            Some(subject[..colon + 2 + dash + 3].to_string())
        }
        _ => Some(subject[..colon + 2].to_string()),
    }
}

/// The conventions of templates/subject-prefixes.txt.
const CONVENTIONS: &str = include_str!("../../templates/subject-prefixes.txt");

/// A prefix in the subsystem's style from where the module sits: the
/// convention of the deepest directory holding it, else `module: `.
pub fn from_path(module: &str, dir: &Path, files: &[&Path]) -> Prefix {
    let first_file = files.first().copied();
    let dir = dir.to_string_lossy();
    let dir = format!("{}/", dir.trim_end_matches('/'));
    let row = CONVENTIONS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut columns = l.split('\t');
            Some((columns.next()?, columns.next()?, columns.next()))
        })
        .filter(|(row_dir, _, _)| dir.starts_with(row_dir))
        .max_by_key(|(row_dir, _, _)| row_dir.len());
    let Some((row_dir, style, case)) = row else {
        return Prefix::new(format!("{module}: "), false);
    };
    let below: Vec<&str> = dir[row_dir.len()..]
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    let stem = first_file
        .and_then(|f| f.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| module.to_string());
    let part = files_part(module, files);
    let text = style
        .trim()
        .replace("{part}", &part)
        .replace("{sub}", below.first().copied().unwrap_or(module))
        .replace("{leaf}", below.last().copied().unwrap_or(module))
        .replace("{module}", module)
        .replace("{stem}", &stem);
    Prefix::new(format!("{text} "), case == Some("lower"))
}

/// The one file a patch touches, by its stem, when that names a part of
/// the module (`psmouse-smbus` of `psmouse`); else the module's name.
fn files_part(module: &str, files: &[&Path]) -> String {
    let [file] = files else {
        return module.to_string();
    };
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
    match stem {
        Some(stem)
            if stem.len() > module.len() + 1
                && stem.starts_with(module)
                && stem[module.len()..].starts_with(['-', '_']) =>
        {
            stem
        }
        _ => module.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_from_subjects() {
        assert_eq!(
            prefix_of("Input: psmouse-smbus - avoid flush").unwrap(),
            "Input: psmouse-smbus - "
        );
        assert_eq!(
            prefix_of("aoe: Avoid flush_scheduled_work() usage").unwrap(),
            "aoe: "
        );
        assert_eq!(
            prefix_of("crypto: atmel - Fix it - really").unwrap(),
            "crypto: atmel - "
        );
        assert_eq!(prefix_of("no prefix here"), None);
    }

    #[test]
    fn prefixes_from_paths_follow_the_directory_conventions() {
        let of = |module: &str, dir: &str, file: &str| {
            from_path(module, Path::new(dir), &[Path::new(file)]).text
        };
        assert_eq!(
            of("psmouse", "drivers/input/mouse", "m.c"),
            "Input: psmouse - "
        );
        assert!(from_path("psmouse", Path::new("drivers/input/mouse"), &[]).lower);
        assert!(!from_path("atmel-ecc", Path::new("drivers/crypto"), &[]).lower);
        // Input names the driver's file when the patch touches only that
        // part of the module.
        assert_eq!(
            of(
                "psmouse",
                "drivers/input/mouse",
                "drivers/input/mouse/psmouse-smbus.c"
            ),
            "Input: psmouse-smbus - "
        );
        assert_eq!(
            of(
                "psmouse",
                "drivers/input/mouse",
                "drivers/input/mouse/psmousex.c"
            ),
            "Input: psmouse - "
        );
        assert_eq!(of("aoe", "drivers/net/aoe", "aoe.c"), "aoe: ");
        assert_eq!(
            of("tsl2563", "drivers/iio/light", "t.c"),
            "iio: light: tsl2563: "
        );
        assert_eq!(
            of("mlx4_ib", "drivers/infiniband/hw/mlx4", "m.c"),
            "RDMA/mlx4: "
        );
        assert_eq!(
            of("ib_core", "drivers/infiniband/core", "c.c"),
            "RDMA/core: "
        );
        assert_eq!(
            of("ib_isert", "drivers/infiniband/ulp/isert", "i.c"),
            "IB/isert: "
        );
        assert_eq!(
            of("olpc-dcon", "drivers/staging/olpc_dcon", "o.c"),
            "staging: olpc_dcon: "
        );
        // Block drivers in a directory of their own go by its name
        // ("aoe:", "drbd:", "zram:"); those beside the core by theirs.
        assert_eq!(of("aoe", "drivers/block/aoe", "a.c"), "aoe: ");
        assert_eq!(of("nbd", "drivers/block", "nbd.c"), "nbd: ");
        assert_eq!(
            of("ath6kl_usb", "drivers/net/wireless/ath/ath6kl", "usb.c"),
            "ath6kl: "
        );
        assert_eq!(
            of(
                "tsi721_mport",
                "drivers/rapidio/devices",
                "drivers/rapidio/devices/tsi721.c"
            ),
            "rapidio/tsi721: "
        );
        assert_eq!(
            of("mptscsih", "drivers/message/fusion", "m.c"),
            "scsi: mptscsih: "
        );
    }

    #[test]
    fn subjects_take_the_prefix_case() {
        let lower = Prefix::new("Input: x - ".into(), true);
        assert_eq!(lower.subject("Avoid it"), "Input: x - avoid it");
        let upper = Prefix::new("crypto: atmel - ".into(), false);
        assert_eq!(upper.subject("avoid it"), "crypto: atmel - Avoid it");
    }
}
