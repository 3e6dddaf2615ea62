//! Recipients from the tree's MAINTAINERS, matched as
//! `scripts/get_maintainer.pl --nogit --nogit-chief-penguins` does: F: and X:
//! patterns (a trailing `/` matches a whole subtree; otherwise the pattern
//! must have as many `/` as the file), N: regexes are not evaluated.

use std::collections::BTreeSet;
use std::path::Path;

#[derive(Debug, Default, Clone)]
struct Section {
    title: String,
    people: Vec<String>,
    lists: Vec<String>,
    files: Vec<String>,
    excluded: Vec<String>,
}

/// Who a patch goes to (maintainers and reviewers) and who is copied (lists).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recipients {
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

impl Recipients {
    pub fn merge(&mut self, other: &Recipients) {
        for to in &other.to {
            if !self.to.contains(to) {
                self.to.push(to.clone());
            }
        }
        for cc in &other.cc {
            if !self.cc.contains(cc) && !self.to.contains(cc) {
                self.cc.push(cc.clone());
            }
        }
        self.cc.retain(|c| !self.to.contains(c));
    }
}

pub struct Maintainers {
    sections: Vec<Section>,
}

impl Maintainers {
    pub fn parse(text: &str) -> Self {
        let mut sections = Vec::new();
        let mut current: Option<Section> = None;
        for line in text.lines() {
            let tagged = line.as_bytes().get(1) == Some(&b':') && line.len() > 2;
            if !tagged {
                if let Some(done) = current.take().filter(|s| !s.files.is_empty()) {
                    sections.push(done);
                }
                if !line.trim().is_empty() {
                    current = Some(Section {
                        title: line.trim().to_string(),
                        ..Section::default()
                    });
                }
                continue;
            }
            let Some(section) = current.as_mut() else {
                continue;
            };
            let value = line[2..].trim().to_string();
            match &line[..1] {
                "M" | "R" => section.people.push(value),
                "L" => section.lists.push(strip_list_note(&value)),
                "F" => section.files.push(value),
                "X" => section.excluded.push(value),
                _ => {}
            }
        }
        sections.extend(current.filter(|s| !s.files.is_empty()));
        Maintainers { sections }
    }

    pub fn load(root: &Path) -> Option<Self> {
        let bytes = std::fs::read(root.join("MAINTAINERS")).ok()?;
        Some(Self::parse(&String::from_utf8_lossy(&bytes)))
    }

    /// The sections (subsystems) that cover `file`, "THE REST" aside.
    pub fn sections_of(&self, file: &Path) -> Vec<&str> {
        let file = file.to_string_lossy();
        self.sections
            .iter()
            .filter(|s| s.title != "THE REST")
            .filter(|s| {
                s.files.iter().any(|p| matches(&file, p))
                    && !s.excluded.iter().any(|p| matches(&file, p))
            })
            .map(|s| s.title.as_str())
            .collect()
    }

    pub fn recipients(&self, files: &[&Path]) -> Recipients {
        let mut people = Vec::new();
        let mut lists = Vec::new();
        let mut catch_all_lists = Vec::new();
        for section in &self.sections {
            let matched = files.iter().any(|file| {
                let file = file.to_string_lossy();
                section.files.iter().any(|p| matches(&file, p))
                    && !section.excluded.iter().any(|p| matches(&file, p))
            });
            if !matched {
                continue;
            }
            // "THE REST" names the chief penguin: get_maintainer.pl leaves
            // him out by default, and so does localwq.
            if section.title == "THE REST" {
                catch_all_lists.extend(section.lists.iter().cloned());
                continue;
            }
            people.extend(section.people.iter().cloned());
            lists.extend(section.lists.iter().cloned());
        }
        lists.extend(catch_all_lists);
        let mut seen = BTreeSet::new();
        people.retain(|p| seen.insert(p.clone()));
        lists.retain(|l| seen.insert(l.clone()));
        Recipients {
            to: people,
            cc: lists,
        }
    }
}

/// `linux-input@vger.kernel.org (moderated for non-subscribers)` → address.
fn strip_list_note(value: &str) -> String {
    value.split_whitespace().next().unwrap_or(value).to_string()
}

/// get_maintainer.pl's file_match_pattern.
fn matches(file: &str, pattern: &str) -> bool {
    if let Some(dir) = pattern.strip_suffix('/') {
        return glob(file, dir, true);
    }
    let slashes = |s: &str| s.bytes().filter(|b| *b == b'/').count();
    glob(file, pattern, true) && slashes(file) == slashes(pattern)
        || (!pattern.contains(['*', '?']) && file.starts_with(&format!("{pattern}/")))
}

/// Whether `pattern` (with `*` and `?`, which also cross `/`) matches a
/// prefix of `file` (the whole of it unless `prefix`); a prefix match must
/// end at a path boundary.
fn glob(file: &str, pattern: &str, prefix: bool) -> bool {
    fn walk(f: &[u8], p: &[u8], prefix: bool) -> bool {
        match p.split_first() {
            None => f.is_empty() || (prefix && f[0] == b'/'),
            Some((b'*', rest)) => (0..=f.len()).any(|i| walk(&f[i..], rest, prefix)),
            Some((b'?', rest)) => !f.is_empty() && walk(&f[1..], rest, prefix),
            Some((c, rest)) => f.first() == Some(c) && walk(&f[1..], rest, prefix),
        }
    }
    walk(file.as_bytes(), pattern.as_bytes(), prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
THE REST
M:\tLinus Torvalds <torvalds@linux-foundation.org>
L:\tlinux-kernel@vger.kernel.org
F:\t*
F:\t*/

ATA OVER ETHERNET (AOE) DRIVER
M:\tJustin Sanders <justin@coraid.com>
S:\tSupported
F:\tdrivers/block/aoe/

INPUT (KEYBOARD, MOUSE, JOYSTICK, TOUCHSCREEN) DRIVERS
M:\tDmitry Torokhov <dmitry.torokhov@gmail.com>
L:\tlinux-input@vger.kernel.org (moderated)
F:\tdrivers/input/
X:\tdrivers/input/misc/

CRYPTO
F:\tdrivers/crypto/atmel-*.c
R:\tTudor <tudor@example.org>
";

    #[test]
    fn subtree_patterns_and_exclusions() {
        let m = Maintainers::parse(TEXT);
        let r = m.recipients(&[Path::new("drivers/input/mouse/psmouse-smbus.c")]);
        assert_eq!(r.to, ["Dmitry Torokhov <dmitry.torokhov@gmail.com>"]);
        assert_eq!(
            r.cc,
            [
                "linux-input@vger.kernel.org",
                "linux-kernel@vger.kernel.org"
            ]
        );
        assert!(!r.to.iter().any(|p| p.contains("Linus")));
        let misc = m.recipients(&[Path::new("drivers/input/misc/x.c")]);
        assert!(misc.to.is_empty());
    }

    #[test]
    fn sections_name_the_subsystems_of_a_file() {
        let m = Maintainers::parse(TEXT);
        assert_eq!(
            m.sections_of(Path::new("drivers/input/mouse/psmouse.c")),
            ["INPUT (KEYBOARD, MOUSE, JOYSTICK, TOUCHSCREEN) DRIVERS"]
        );
        assert!(m
            .sections_of(Path::new("drivers/input/misc/x.c"))
            .is_empty());
    }

    #[test]
    fn globs_keep_to_their_directory_depth() {
        let m = Maintainers::parse(TEXT);
        assert_eq!(
            m.recipients(&[Path::new("drivers/crypto/atmel-ecc.c")])
                .to
                .len(),
            1
        );
        assert!(m
            .recipients(&[Path::new("drivers/crypto/x/atmel-ecc.c")])
            .to
            .is_empty());
    }
}
