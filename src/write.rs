//! The one way localwq writes a file: into a temporary file beside the
//! target, renamed over it, so a reader sees the old bytes or the new ones,
//! never half of them. A file that existed keeps its mode; a new one gets
//! 0666 less the umask, as git and the shell would give it.

use crate::edit::FileChange;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut builder = tempfile::Builder::new();
    builder.prefix(".localwq-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Masked by the umask at creation, like any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    temp.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    if let Some(permissions) = existing {
        std::fs::set_permissions(temp.path(), permissions)
            .with_context(|| format!("keeping the mode of {}", path.display()))?;
    }
    temp.persist(path)
        .with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// Writes each change's new text under `root`.
pub fn write_changes(root: &Path, changes: &[FileChange]) -> Result<()> {
    for change in changes {
        write_atomically(&root.join(&change.path), &change.after)?;
    }
    Ok(())
}

/// The file a series directory holds to say localwq wrote it, and what.
pub const SERIES_MANIFEST: &str = ".localwq-series";

/// Whether a series may go to `dir`: a new or empty directory, or with
/// `force` one that holds nothing but a series localwq wrote (its
/// manifest says which files). Checked before any work is done.
pub fn check_series_target(dir: &Path, force: bool) -> Result<()> {
    let Some(entries) = entries(dir)? else {
        return Ok(());
    };
    if entries.is_empty() {
        return Ok(());
    }
    if !force {
        anyhow::bail!(
            "{} is not empty: choose another -o directory, or pass --force to replace the \
             series localwq wrote there",
            dir.display()
        );
    }
    let manifest = std::fs::read_to_string(dir.join(SERIES_MANIFEST)).with_context(|| {
        format!(
            "{} has no {SERIES_MANIFEST}: localwq did not write it and --force will not \
             delete its files; choose another -o directory",
            dir.display()
        )
    })?;
    let ours: Vec<&str> = manifest.lines().chain([SERIES_MANIFEST]).collect();
    let foreign: Vec<&String> = entries
        .iter()
        .filter(|e| !ours.contains(&e.as_str()))
        .collect();
    if !foreign.is_empty() {
        anyhow::bail!(
            "{} holds files localwq did not write ({}): --force will not delete them; \
             choose another -o directory",
            dir.display(),
            foreign
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

fn entries(dir: &Path) -> Result<Option<Vec<String>>> {
    match std::fs::read_dir(dir) {
        Ok(read) => {
            let mut names = Vec::new();
            for entry in read {
                let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
            Ok(Some(names))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("reading {}", dir.display())),
    }
}

/// Writes a whole series as `dir`: every file and a manifest go to a
/// temporary directory beside it, which then takes its place in one step
/// (an old series, checked by `check_series_target`, is swapped out and
/// deleted). Signals wait for the end; a kill leaves the old directory or
/// the new one, never half a series (at worst a temporary directory).
pub fn write_series(dir: &Path, files: &[(String, Vec<u8>)], force: bool) -> Result<()> {
    check_series_target(dir, force)?;
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    remove_abandoned(parent);
    let _critical = crate::interrupt::Critical::enter();
    let staging = tempfile::Builder::new()
        .prefix(&format!("{STAGING}{}-", std::process::id()))
        .tempdir_in(parent)
        .with_context(|| format!("creating a temporary directory in {}", parent.display()))?;
    let mut manifest = String::new();
    for (name, bytes) in files {
        write_atomically(&staging.path().join(name), bytes)?;
        manifest.push_str(name);
        manifest.push('\n');
    }
    write_atomically(&staging.path().join(SERIES_MANIFEST), manifest.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(staging.path(), std::fs::Permissions::from_mode(0o755))?;
    }
    let put = |result: std::io::Result<()>| {
        result.with_context(|| format!("putting {} in place", dir.display()))
    };
    if entries(dir)?.is_none() {
        return put(std::fs::rename(staging.keep(), dir));
    }
    // The old series ends up in the staging directory, deleted with it.
    match exchange(staging.path(), dir) {
        Ok(()) => Ok(()),
        Err(_) => {
            let aside = staging.path().join("old");
            std::fs::rename(dir, &aside)
                .with_context(|| format!("moving the old {} aside", dir.display()))?;
            let staged = staging.path().with_extension("new");
            put(std::fs::rename(staging.path(), &staged))?;
            put(std::fs::rename(&staged, dir))?;
            std::fs::remove_dir_all(dir.join("old"))
                .with_context(|| format!("removing the old series from {}", dir.display()))
        }
    }
}

/// Staging directories are named `.localwq-series-<pid>-…`.
const STAGING: &str = ".localwq-series-";

/// Staging directories in `parent` whose process is gone (killed before it
/// could remove its own), removed. One of a running process is left alone.
fn remove_abandoned(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix(STAGING)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        let gone = pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
        if gone {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Swaps two paths in one step (Linux's renameat2 RENAME_EXCHANGE); an
/// error where the file system cannot, and the caller falls back.
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let a = CString::new(a.as_os_str().as_bytes())?;
        let b = CString::new(b.as_os_str().as_bytes())?;
        // Safety: two valid NUL-terminated paths; no memory is shared.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        match rc {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        Err(std::io::ErrorKind::Unsupported.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.c");
        std::fs::write(&path, b"old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
    }

    fn series(dir: &Path, force: bool) -> Result<()> {
        let files = vec![("0001-a.patch".to_string(), b"a".to_vec())];
        write_series(dir, &files, force)
    }

    #[test]
    fn a_staging_directory_left_by_a_killed_run_is_removed() {
        let root = tempfile::tempdir().unwrap();
        // No process has pid 0 in /proc; a running one (ours) keeps its own.
        let abandoned = root.path().join(format!("{STAGING}0-abc"));
        let running = root
            .path()
            .join(format!("{STAGING}{}-abc", std::process::id()));
        for dir in [&abandoned, &running] {
            std::fs::create_dir_all(dir.join("x")).unwrap();
        }
        series(&root.path().join("out"), false).unwrap();
        assert!(!abandoned.exists());
        assert!(running.exists());
    }

    #[test]
    fn a_series_lands_whole_with_its_manifest() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        series(&dir, false).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [SERIES_MANIFEST, "0001-a.patch"]);
        let left: Vec<_> = std::fs::read_dir(root.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no staging directory left behind");
    }

    #[test]
    fn force_replaces_only_a_series_localwq_wrote() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        series(&dir, false).unwrap();
        assert!(series(&dir, false).is_err(), "not empty without --force");
        series(&dir, true).unwrap();
        std::fs::write(dir.join("notes.txt"), b"mine").unwrap();
        let err = series(&dir, true).unwrap_err().to_string();
        assert!(err.contains("notes.txt"), "{err}");
        assert_eq!(std::fs::read(dir.join("notes.txt")).unwrap(), b"mine");
        let other = root.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("0001-x.patch"), b"x").unwrap();
        let err = series(&other, true).unwrap_err().to_string();
        assert!(err.contains("did not write"), "{err}");
        assert!(other.join("0001-x.patch").exists());
    }

    #[test]
    fn a_new_file_is_not_private_to_its_owner() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0001-x.patch");
        write_atomically(&path, b"mail").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_ne!(
                mode & 0o044,
                0,
                "readable by others as the umask allows: {mode:o}"
            );
        }
    }
}
