//! The subject prefix a subsystem uses ("Input: psmouse-smbus - ",
//! "crypto: atmel - ", "aoe: "): from the touched files' own history when
//! the tree has one, otherwise derived from the path.

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
) -> String {
    repo.and_then(|r| from_history(r, files))
        .unwrap_or_else(|| from_path(module, dir))
}

/// The prefix most of the recent subjects touching `files` share.
fn from_history(repo: &Repository, files: &[&Path]) -> Option<String> {
    let mut walk = repo.revwalk().ok()?;
    walk.push_head().ok()?;
    let mut votes: BTreeMap<String, usize> = BTreeMap::new();
    let mut found = 0;
    for oid in walk.take(HISTORY_DEPTH).flatten() {
        let commit = repo.find_commit(oid).ok()?;
        if commit.parent_count() != 1 || !touches(repo, &commit, files) {
            continue;
        }
        if let Some(prefix) = commit.summary().and_then(prefix_of) {
            *votes.entry(prefix).or_default() += 1;
            found += 1;
        }
        if found == SUBJECTS_WANTED {
            break;
        }
    }
    votes.into_iter().max_by_key(|(_, n)| *n).map(|(p, _)| p)
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

/// A prefix in the style the subsystem is known for, from the path alone.
pub fn from_path(module: &str, dir: &Path) -> String {
    let parts: Vec<String> = dir
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let part = |i: usize| parts.get(i).map(String::as_str).unwrap_or("");
    match (part(0), part(1)) {
        ("drivers", "input") => format!("Input: {module} - "),
        ("drivers", "crypto") => format!("crypto: {module} - "),
        ("drivers", "gpu") if part(2) == "drm" && matches!(part(3), "bridge" | "panel") => {
            format!("drm/{}: {module}: ", part(3))
        }
        ("drivers", "gpu") if part(2) == "drm" && !part(3).is_empty() => {
            format!("drm/{}: ", part(3))
        }
        ("drivers", "iio") if !part(2).is_empty() => format!("iio: {}: {module}: ", part(2)),
        ("drivers", "power") if part(2) == "supply" => format!("power: supply: {module}: "),
        ("drivers", "scsi") => format!("scsi: {module}: "),
        ("drivers", "rtc") => "rtc: ".to_string(),
        ("drivers", "infiniband") => format!("RDMA/{module}: "),
        ("sound", "soc") => format!("ASoC: {module}: "),
        ("sound", _) => format!("ALSA: {module}: "),
        _ => format!("{module}: "),
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
    fn prefixes_from_paths() {
        assert_eq!(
            from_path("psmouse", Path::new("drivers/input/mouse")),
            "Input: psmouse - "
        );
        assert_eq!(from_path("aoe", Path::new("drivers/block/aoe")), "aoe: ");
        assert_eq!(
            from_path("tsl2563", Path::new("drivers/iio/light")),
            "iio: light: tsl2563: "
        );
    }
}
