//! `include`, `-include` and `sinclude`: the files named, beside the
//! Makefile or from the root (`$(src)/x.mk` is spelt from the root), read
//! in place. A file that is not there, outside the tree or named through
//! something not known is not read, and said.

use super::make::Cx;
use super::make::{Loc, Make, NoteKind};
use super::words;
use std::path::{Component, Path, PathBuf};

/// A Makefile pulls in at most this many files.
const MAX_INCLUDES: usize = 512;

impl Make<'_> {
    /// `include`, `-include` (`optional`): each file named, relative to
    /// the Makefile's directory, or to the root as `$(src)` spells it.
    pub(super) fn include(&mut self, args: &str, at: &Loc, optional: bool) {
        let names = self.expand(args, &mut Cx::at(at));
        let keyword = if optional { "-include" } else { "include" };
        for name in words::words(&names) {
            if words::is_unknown(name) {
                let why = self.describe_unknown(name);
                let text = format!("`{keyword} {name}` is not read ({why})");
                self.note(NoteKind::NotRead, at, Some(name), text);
                continue;
            }
            let found = match words::has_glob(name) {
                true => self.wildcard(name),
                false => vec![name.to_string()],
            };
            for file in found {
                self.include_file(&file, keyword, at, optional);
            }
        }
    }

    fn include_file(&mut self, name: &str, keyword: &str, at: &Loc, optional: bool) {
        if self.includes >= MAX_INCLUDES {
            let text = format!("`{keyword} {name}` is not read: too many includes");
            self.note(NoteKind::NotRead, at, None, text);
            return;
        }
        let candidates = self.bases(name);
        for path in &candidates {
            self.includes += 1;
            if self.read_file(path) {
                return;
            }
            self.includes -= 1;
        }
        let why = match candidates.is_empty() {
            true => "outside the tree localwq reads",
            false if optional => {
                "no such file: make reads nothing there unless a build step makes it"
            }
            false => "no such file",
        };
        let text = format!("`{keyword} {name}` is not read: {why}");
        self.note(NoteKind::NotRead, at, None, text);
    }

    /// Where a relative path of the Makefile may be: beside it, then
    /// from the root (`$(src)/x` is spelt from the root). Absolute paths
    /// and paths that climb out of the root are nowhere localwq reads.
    pub(super) fn bases(&self, name: &str) -> Vec<PathBuf> {
        if name.starts_with('/') {
            return Vec::new();
        }
        let mut found: Vec<PathBuf> = [self.dir.join(name), PathBuf::from(name)]
            .iter()
            .filter_map(|p| inside(p))
            .collect();
        found.dedup();
        found
    }
}

/// A root-relative path with `.` and `..` resolved; None when it climbs
/// out of the root.
fn inside(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            // `..` climbs a level as the guard pops it; past the root, None.
            Component::ParentDir if !out.pop() => return None,
            Component::Normal(name) => out.push(name),
            _ => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        assert_eq!(inside(Path::new("a/../b/./c")), Some(PathBuf::from("b/c")));
        assert_eq!(inside(Path::new("../x")), None);
    }
}
