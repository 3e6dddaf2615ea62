//! Recipients from the tree's MAINTAINERS, as `scripts/get_maintainer.pl
//! --no-rolestats --no-git --no-git-fallback` finds them: F:/X: globs
//! (regexes once `.`, `*`, `?` are translated), N: regexes on the file
//! name and K: regexes on the patch; for each file the sections ordered
//! most specific pattern first, keyword sections after; people before
//! lists, each spelt through the tree's `.mailmap`. Two differences, both
//! on purpose: sections of equal depth keep MAINTAINERS order (the script
//! takes Perl's hash order, which changes from run to run), and the
//! addresses the script reads inside a patched `.yaml` file are not read
//! (localwq patches C).

mod email;
mod keywords;

pub use email::{format_email, parse_email, Mailmap};

use regex::Regex;
use std::collections::HashSet;
use std::path::Path;

/// What one MAINTAINERS line says, in the order the section gives it.
#[derive(Debug, Clone)]
enum Entry {
    Person(String),
    List(String),
    /// An F: pattern and its depth (how many directory levels it names).
    File(FilePattern, i32),
    Exclude(FilePattern),
    /// An N: regex on the file name.
    Name(Regex),
    /// A K: regex on the patch, with its position in the file (the
    /// script orders keyword sections by that position, as text).
    Keyword(Regex, usize),
    Status(String),
}

#[derive(Debug, Clone)]
struct Section {
    title: String,
    entries: Vec<Entry>,
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
    mailmap: Mailmap,
}

impl Maintainers {
    /// `is_dir` says whether an F: pattern names a directory of the tree
    /// (the script then reads it as the whole subtree).
    pub fn parse(text: &str, is_dir: impl Fn(&str) -> bool) -> Self {
        let mut sections: Vec<Section> = Vec::new();
        let mut position = 0;
        for line in text.lines() {
            let typed = line.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
                && line.as_bytes().get(1) == Some(&b':');
            if !typed {
                let trimmed = line.trim_start();
                if !trimmed.is_empty() && !trimmed.starts_with('#') {
                    position += 1;
                    sections.push(Section {
                        title: line.trim().to_string(),
                        entries: Vec::new(),
                    });
                }
                continue;
            }
            let value = line[2..].trim_start();
            if let (Some(section), Some(entry)) = (
                sections.last_mut(),
                entry(&line[..1], value, position, &is_dir),
            ) {
                section.entries.push(entry);
            }
            position += 1;
        }
        sections.retain(|s| !s.entries.is_empty());
        // Held for the whole run: no spare capacity.
        sections.iter_mut().for_each(|s| s.entries.shrink_to_fit());
        sections.shrink_to_fit();
        Maintainers {
            sections,
            mailmap: Mailmap::default(),
        }
    }

    pub fn with_mailmap(mut self, mailmap: Mailmap) -> Self {
        self.mailmap = mailmap;
        self
    }

    pub fn load(root: &Path) -> Option<Self> {
        let bytes = std::fs::read(root.join("MAINTAINERS")).ok()?;
        let maintainers = Self::parse(&String::from_utf8_lossy(&bytes), |p| root.join(p).is_dir());
        let mailmap = std::fs::read(root.join(".mailmap"))
            .map(|b| Mailmap::parse(&String::from_utf8_lossy(&b)))
            .unwrap_or_default();
        Some(maintainers.with_mailmap(mailmap))
    }

    /// The sections (subsystems) that cover `file`, "THE REST" aside.
    pub fn sections_of(&self, file: &Path) -> Vec<&str> {
        let file = file.to_string_lossy();
        self.by_specificity(&file)
            .into_iter()
            .filter(|(_, depth)| *depth >= 0)
            .map(|(s, _)| self.sections[s].title.as_str())
            .collect()
    }

    /// The sections whose F: or N: patterns take `file` (and no X:
    /// pattern excludes it), deepest pattern first; the last pattern of a
    /// section that matches gives its depth, an N: match depth 0.
    fn by_specificity(&self, file: &str) -> Vec<(usize, i32)> {
        let mut hits = Vec::new();
        for (index, section) in self.sections.iter().enumerate() {
            let excluded = section.entries.iter().any(|e| match e {
                Entry::Exclude(pattern) => file_matches(file, pattern),
                _ => false,
            });
            if excluded {
                continue;
            }
            let depth = section.entries.iter().fold(None, |depth, e| match e {
                Entry::File(pattern, d) if file_matches(file, pattern) => Some(*d),
                Entry::Name(pattern) if pattern.is_match(file) => Some(0),
                _ => depth,
            });
            if let Some(depth) = depth {
                hits.push((index, depth));
            }
        }
        // Stable: sections of equal depth keep MAINTAINERS order.
        hits.sort_by_key(|(_, depth)| std::cmp::Reverse(*depth));
        hits
    }

    /// The recipients of a patch that touches `files`; `patch` is its
    /// text (headers, message and diff) for the K: patterns.
    pub fn recipients(&self, files: &[&Path], patch: &[u8]) -> Recipients {
        let mut names: Vec<String> = files
            .iter()
            .map(|f| f.to_string_lossy().into_owned())
            .collect();
        names.sort();
        names.dedup();
        let mut chosen: Vec<usize> = Vec::new();
        for file in &names {
            chosen.extend(self.by_specificity(file).into_iter().map(|(s, _)| s));
        }
        let keyworded = self.sections.iter().enumerate().flat_map(|(i, s)| {
            s.entries.iter().filter_map(move |e| match e {
                Entry::Keyword(pattern, position) => Some((i, pattern, *position)),
                _ => None,
            })
        });
        chosen.extend(keywords::matching(keyworded, patch));
        self.collect(&chosen)
    }

    /// People and lists of the chosen sections, in order, without the
    /// chief penguins (the people of a section "Buried alive in
    /// reporters"), each through the mailmap and deduplicated by name or
    /// address as the script does.
    fn collect(&self, chosen: &[usize]) -> Recipients {
        let sections: Vec<&Section> = chosen.iter().map(|&s| &self.sections[s]).collect();
        let mut people = people_of(&sections);
        let chiefs = self.chiefs();
        people.retain(|p| !chiefs.iter().any(|c| p.contains(c.as_str())));
        let mut dedup = Deduplicate::new(&self.mailmap);
        let mut seen = HashSet::new();
        let mut keep = |list: Vec<String>| -> Vec<String> {
            list.into_iter()
                .map(|e| dedup.apply(&e))
                .filter(|e| seen.insert(e.clone()))
                .collect()
        };
        let to = keep(people);
        let cc = keep(lists_of(&sections));
        Recipients { to, cc }
    }

    fn chiefs(&self) -> Vec<String> {
        self.sections
            .iter()
            .filter(|s| {
                s.entries.iter().any(|e| {
                    matches!(e, Entry::Status(status) if status.eq_ignore_ascii_case("buried alive in reporters"))
                })
            })
            .flat_map(|s| &s.entries)
            .filter_map(|e| match e {
                Entry::Person(value) => {
                    let (name, address) = parse_email(value);
                    Some(format_email(&name, &address))
                }
                _ => None,
            })
            .collect()
    }
}

/// M: and R: people in order, one per name and per address (the first
/// spelling wins, compared without case).
fn people_of(sections: &[&Section]) -> Vec<String> {
    let mut people = Vec::new();
    let mut names_seen = HashSet::new();
    let mut addresses_seen = HashSet::new();
    for entry in sections.iter().flat_map(|s| &s.entries) {
        let Entry::Person(value) = entry else {
            continue;
        };
        let (name, address) = parse_email(value);
        let used = (!name.is_empty() && names_seen.contains(&name.to_lowercase()))
            || addresses_seen.contains(&address.to_lowercase());
        if address.is_empty() || used {
            continue;
        }
        names_seen.insert(name.to_lowercase());
        addresses_seen.insert(address.to_lowercase());
        people.push(format_email(&name, &address));
    }
    people
}

/// L: lists in order, once each, without subscribers-only ones (the
/// script leaves those out by default).
fn lists_of(sections: &[&Section]) -> Vec<String> {
    let mut lists = Vec::new();
    let mut seen = HashSet::new();
    for entry in sections.iter().flat_map(|s| &s.entries) {
        let Entry::List(value) = entry else {
            continue;
        };
        let mut words = value.splitn(2, char::is_whitespace);
        let address = words.next().unwrap_or("").to_string();
        let note = words.next().unwrap_or("");
        if !note.contains("subscribers-only") && seen.insert(address.to_lowercase()) {
            lists.push(address);
        }
    }
    lists
}

/// The script's last pass: an address or name seen before is replaced by
/// the first spelling it had, then mapped again.
struct Deduplicate<'a> {
    mailmap: &'a Mailmap,
    by_name: std::collections::HashMap<String, (String, String)>,
    by_address: std::collections::HashMap<String, (String, String)>,
}

impl<'a> Deduplicate<'a> {
    fn new(mailmap: &'a Mailmap) -> Self {
        Deduplicate {
            mailmap,
            by_name: Default::default(),
            by_address: Default::default(),
        }
    }

    fn apply(&mut self, email: &str) -> String {
        let (name, address) = parse_email(&self.mailmap.canonical(email));
        let earlier = match name.is_empty() {
            false => self.by_name.get(&name.to_lowercase()),
            true => None,
        }
        .or_else(|| self.by_address.get(&address.to_lowercase()))
        .cloned();
        let (name, address) = earlier.unwrap_or_else(|| {
            let both = (name.clone(), address.clone());
            self.by_name.insert(name.to_lowercase(), both.clone());
            self.by_address.insert(address.to_lowercase(), both.clone());
            both
        });
        self.mailmap.canonical(&format_email(&name, &address))
    }
}

/// One tagged line as an entry; a regex the `regex` crate cannot read is
/// left out (the script's Perl would take it: see the suite's check).
fn entry(tag: &str, value: &str, position: usize, is_dir: &dyn Fn(&str) -> bool) -> Option<Entry> {
    Some(match tag {
        "M" | "R" => Entry::Person(value.to_string()),
        "L" => Entry::List(value.trim().to_string()),
        "S" => Entry::Status(value.trim().to_string()),
        "F" => {
            let (pattern, depth) = file_pattern(value, is_dir);
            Entry::File(pattern, depth)
        }
        "X" => Entry::Exclude(file_pattern(value, is_dir).0),
        "N" => Entry::Name(Regex::new(&format!("(?x){value}")).ok()?),
        "K" => Entry::Keyword(Regex::new(&format!("(?x){value}")).ok()?, position),
        _ => return None,
    })
}

/// An F:/X: pattern. Most name a file or directory literally and match as
/// a prefix; the others are the script's regex, compiled on first use (a
/// regex for each of 5.10's 20,000 patterns cost 60 MB and 0.2 s a run).
/// Only the value as written is kept, the rest worked out from it when
/// asked: a run holds every pattern of the file, and four strings each
/// were a tenth of a whole-tree scan's peak memory.
#[derive(Debug)]
struct FilePattern {
    /// The value as written.
    value: Box<str>,
    /// It names a directory without its `/`: the script adds one.
    slash: bool,
    /// It has no regex in it: it matches as a prefix.
    literal: bool,
    /// Its only regex is `*` and `?`: it is matched as the glob it is
    /// (`glob_matches_start`), no regex compiled (their caches were a
    /// megabyte of a whole-tree scan).
    wildcards: bool,
    /// The length of the plain text every match starts with
    /// (`drivers/net/` of `drivers/net/*/foo`): a file without it is no
    /// match, and the regex is never compiled for it (a lookup would
    /// otherwise compile every glob of the file, 20 MB of regex caches).
    prefix: u32,
    regex: std::sync::OnceLock<Option<Box<Regex>>>,
}

impl Clone for FilePattern {
    fn clone(&self) -> Self {
        FilePattern {
            value: self.value.clone(),
            slash: self.slash,
            literal: self.literal,
            wildcards: self.wildcards,
            prefix: self.prefix,
            regex: std::sync::OnceLock::new(),
        }
    }
}

impl FilePattern {
    fn is_match(&self, file: &str) -> bool {
        if self.literal {
            return file.starts_with(&*self.value)
                && (!self.slash || file[self.value.len()..].starts_with('/'));
        }
        if !file.starts_with(&self.value[..self.prefix as usize]) {
            return false;
        }
        if self.wildcards && !file.contains('\n') {
            return glob_matches_start(&self.glob_chars(), file);
        }
        self.regex
            .get_or_init(|| {
                Regex::new(&format!("^{}", self.glob()))
                    .or_else(|_| Regex::new(&format!("^{}", regex::escape(&self.value))))
                    .ok()
                    .map(Box::new)
            })
            .as_ref()
            .is_some_and(|r| r.is_match(file))
    }

    /// The pattern as `glob_matches_start` reads it: the value, with the
    /// `/` a directory gets.
    fn glob_chars(&self) -> Vec<char> {
        let mut chars: Vec<char> = self.value.chars().collect();
        if self.slash {
            chars.push('/');
        }
        chars
    }

    /// The pattern as the script's regex, without its `^`.
    fn glob(&self) -> String {
        let mut glob = glob_of(&self.value);
        if self.slash {
            glob.push('/');
        }
        glob
    }

    /// Whether the pattern takes a directory's whole subtree (its glob
    /// ends in `/`: the replacements of `glob_of` end in no `/`).
    fn takes_subtree(&self) -> bool {
        self.slash || self.value.ends_with('/')
    }

    /// The `/`s of the glob.
    fn slashes(&self) -> usize {
        self.value.matches('/').count() + usize::from(self.slash)
    }
}

/// Whether `file` starts with a match of `glob` (`*` any run of
/// characters, `?` any one, the others themselves): what the script's
/// regex `^…` of a glob with no other regex in it finds, in a name
/// without a line break (a regex's `.` takes none).
fn glob_matches_start(glob: &[char], file: &str) -> bool {
    let text: Vec<char> = file.chars().collect();
    let (mut g, mut t) = (0, 0);
    // The last `*` seen, and where in the text its run ends for now: on a
    // mismatch it takes one character more (the usual wildcard match).
    let mut star: Option<(usize, usize)> = None;
    loop {
        if g == glob.len() {
            // A match of a start: the rest of the text does not count.
            return true;
        }
        match glob[g] {
            '*' => {
                star = Some((g, t));
                g += 1;
                continue;
            }
            c if t < text.len() && (c == '?' || c == text[t]) => {
                g += 1;
                t += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((at, end)) if end < text.len() => {
                star = Some((at, end + 1));
                g = at + 1;
                t = end + 1;
            }
            _ => return false,
        }
    }
}

/// An F:/X: glob as the script's regex: `.` literal, `*` any run, `?` any
/// one character.
fn glob_of(value: &str) -> String {
    value
        .replace('.', "\\.")
        .replace('*', ".*")
        .replace('?', ".")
}

/// An F:/X: glob as a pattern (a directory given without its `/` gets
/// one), and its depth: the `/`s it names, one more for a file, -1 for
/// `*…`.
fn file_pattern(value: &str, is_dir: &dyn Fn(&str) -> bool) -> (FilePattern, i32) {
    let glob = glob_of(value);
    let slash = is_dir(&glob) && !glob.ends_with('/');
    const SPECIAL: [char; 13] = [
        '*', '?', '[', ']', '(', ')', '{', '}', '+', '|', '^', '$', '\\',
    ];
    let pattern = FilePattern {
        value: value.into(),
        slash,
        literal: !value.contains(SPECIAL),
        wildcards: !value.contains(&SPECIAL[2..]),
        prefix: u32::try_from(literal_prefix(value, &SPECIAL).len()).unwrap_or(0),
        regex: std::sync::OnceLock::new(),
    };
    let depth = match (glob.starts_with(".*"), pattern.takes_subtree()) {
        (true, _) => -1,
        (false, true) => pattern.slashes() as i32,
        (false, false) => pattern.slashes() as i32 + 1,
    };
    (pattern, depth)
}

/// The text before the first of `special` in `value`, which every match
/// of its regex starts with: none when an alternation (`|`) may match
/// anything, and one character less before a `{n,m}` that may repeat
/// the last one no time.
fn literal_prefix(value: &str, special: &[char]) -> String {
    if value.contains('|') {
        return String::new();
    }
    let stop = value.find(special).unwrap_or(value.len());
    let mut prefix = value[..stop].to_string();
    if value[stop..].starts_with('{') {
        prefix.pop();
    }
    prefix
}

/// A directory pattern takes its whole subtree; any other only names at
/// its own depth.
fn file_matches(file: &str, pattern: &FilePattern) -> bool {
    if !pattern.is_match(file) {
        return false;
    }
    pattern.takes_subtree() || file.matches('/').count() == pattern.slashes()
}

#[cfg(test)]
mod tests;
