//! One Makefile's variables, as Kbuild reads them for localwq: the union
//! of every assignment (conditionals are not evaluated), `$(var)`
//! references expanded in values and in names, and what make's command
//! line sets (a DKMS package's `dkms.conf`) winning over the Makefile.

use std::collections::BTreeMap;
use std::path::Path;

/// One Makefile's variables: name → words, the union of every assignment.
#[derive(Debug, Default)]
pub(super) struct Vars(pub(super) BTreeMap<String, Vec<String>>);

impl Vars {
    #[cfg(test)]
    pub(super) fn parse(text: &str) -> Vars {
        Vars::parse_with(text, &BTreeMap::new())
    }

    /// The variables of `text`; `overrides` are set on make's command line
    /// and win over every assignment, as in make. A variable in a name
    /// (`$(MODNAME)-y`) is expanded when it is defined.
    pub(super) fn parse_with(text: &str, overrides: &BTreeMap<String, Vec<String>>) -> Vars {
        let mut vars = Vars::default();
        for line in logical_lines(text) {
            if let Some((name, words)) = assignment(&line) {
                vars.0.entry(name).or_default().extend(words);
            }
        }
        for (name, words) in overrides {
            vars.0.insert(name.clone(), words.clone());
        }
        vars.expand_names();
        vars
    }

    /// `$(MODNAME)-y := …` becomes `wlan-y := …` for each value of a
    /// defined MODNAME; names with a variable nobody defines (the usual
    /// `foo-$(CONFIG_FOO)`) stay as written.
    fn expand_names(&mut self) {
        let named: Vec<String> = self
            .0
            .keys()
            .filter(|k| k.contains("$("))
            .cloned()
            .collect();
        for name in named {
            let expanded = self.expand_word(&name, 0);
            if expanded.len() == 1 && expanded[0] == name {
                continue;
            }
            let words = self.0.remove(&name).unwrap_or_default();
            for new_name in expanded.into_iter().filter(|n| !n.contains("$(")) {
                self.0.entry(new_name).or_default().extend(words.clone());
            }
        }
    }

    pub(super) fn expanded(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.expand_into(name, &mut out, 0);
        out
    }

    fn expand_into(&self, name: &str, out: &mut Vec<String>, depth: usize) {
        let Some(words) = self.0.get(name) else {
            return;
        };
        for word in words {
            match word.strip_prefix("$(").and_then(|w| w.strip_suffix(')')) {
                Some(inner) if depth < 8 && !inner.contains(['$', ' ', ',']) => {
                    let branches = self.branches(inner);
                    if branches.is_empty() {
                        // Defined elsewhere, or nowhere: kept as written,
                        // so that the module says what it could not list.
                        out.push(word.clone());
                    }
                    for branch in branches {
                        self.expand_into(&branch, out, depth + 1);
                    }
                }
                _ => out.extend(self.expand_word(word, depth)),
            }
        }
    }

    /// A word with variables inside (`$(HDD_SRC_DIR)/wlan_hdd_main.o`):
    /// one word per value of the first defined one, expanded again; a
    /// variable nobody defines is left as written.
    fn expand_word(&self, word: &str, depth: usize) -> Vec<String> {
        let Some((start, name)) = first_reference(word) else {
            return vec![word.to_string()];
        };
        let end = start + name.len() + 3;
        let values = match self.0.contains_key(name) && depth < 8 {
            true => self.expanded(name),
            false => {
                // Not defined here: keep it, and look further along.
                let rest = self.expand_word(&word[end..], depth + 1);
                return rest
                    .into_iter()
                    .map(|r| format!("{}{r}", &word[..end]))
                    .collect();
            }
        };
        values
            .iter()
            .flat_map(|value| {
                let joined = format!("{}{value}{}", &word[..start], &word[end..]);
                self.expand_word(&joined, depth + 1)
            })
            .collect()
    }

    /// The variables a reference to `name` reads: `name` itself, or for
    /// `foo-y`/`foo-m`, every `foo-$(CONFIG_…)` too (configuration is not
    /// known: the union of the branches counts).
    fn branches(&self, name: &str) -> Vec<String> {
        let mut found: Vec<String> = self
            .0
            .contains_key(name)
            .then(|| name.to_string())
            .into_iter()
            .collect();
        if let Some(stem) = name.strip_suffix("-y").or_else(|| name.strip_suffix("-m")) {
            let conditional = format!("{stem}-$(");
            found.extend(
                self.0
                    .keys()
                    .filter(|k| k.starts_with(&conditional))
                    .cloned(),
            );
        }
        found
    }

    /// `obj-…` variables: (condition, expanded words).
    pub(super) fn object_lists(&self) -> Vec<(Option<String>, Vec<String>)> {
        self.0
            .keys()
            .filter_map(|name| {
                let cond = name.strip_prefix("obj-")?;
                Some((Some(cond.to_string()), self.expanded(name)))
            })
            .collect()
    }

    /// All members of composite object `stem`.
    pub(super) fn composite_members(&self, stem: &str) -> Vec<String> {
        let prefix = format!("{stem}-");
        self.0
            .keys()
            .filter(|name| {
                name.strip_prefix(&prefix).is_some_and(|suffix| {
                    matches!(suffix, "y" | "objs" | "m") || suffix.starts_with("$(CONFIG_")
                })
            })
            .flat_map(|name| self.expanded(name))
            .collect()
    }
}

/// Joins backslash continuations and drops comments.
pub(super) fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for raw in text.lines() {
        let raw = raw.split('#').next().unwrap_or("");
        match raw.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(raw);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    lines.push(current);
    lines
}

pub(super) fn assignment(line: &str) -> Option<(String, Vec<String>)> {
    let op_at = line.find('=')?;
    let (lhs, rhs) = line.split_at(op_at);
    let name = lhs.trim_end_matches([':', '+', '?']).trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    let words = rhs[1..].split_whitespace().map(str::to_string).collect();
    Some((name.to_string(), words))
}

/// The first `$(NAME)` in `word` with NAME a plain name: its offset and
/// the name.
fn first_reference(word: &str) -> Option<(usize, &str)> {
    let mut from = 0;
    while let Some(at) = word[from..].find("$(") {
        let start = from + at;
        let inner = &word[start + 2..];
        let end = inner.find(')')?;
        let name = &inner[..end];
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Some((start, name));
        }
        from = start + 2;
    }
    None
}

/// What make's command line sets for an out-of-tree module built by DKMS:
/// the `NAME=value` words of `dkms.conf`'s `MAKE` lines (a value that
/// names a DKMS variable, `${kernel_source_dir}`, is left out).
pub fn command_line(root: &Path) -> BTreeMap<String, Vec<String>> {
    let Ok(text) = std::fs::read_to_string(root.join("dkms.conf")) else {
        return BTreeMap::new();
    };
    let mut set = BTreeMap::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("MAKE"))
    {
        let Some((_, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches(['"', '\'']);
        for word in value.split_whitespace() {
            let Some((name, value)) = word.split_once('=') else {
                continue;
            };
            let plain = !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !value.contains('$');
            if plain {
                set.insert(name.to_string(), vec![value.to_string()]);
            }
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_composites_and_variables() {
        let vars = Vars::parse(
            "obj-$(CONFIG_FOO) += foo.o\ngt-y += gt/a.o \\\n\tgt/b.o\nfoo-y := main.o $(gt-y)\n\
             foo-$(CONFIG_FOO_DEBUG) += debug.o # comment\n",
        );
        assert_eq!(
            vars.composite_members("foo"),
            ["debug.o", "main.o", "gt/a.o", "gt/b.o"]
        );
        assert_eq!(vars.object_lists()[0].1, ["foo.o"]);
    }

    #[test]
    fn conditional_branches_count_and_unknown_variables_stay_visible() {
        let vars = Vars::parse(
            "obj-m += foo.o\nfoo-extra-$(CONFIG_FOO_X) += x.o\n\
             foo-y := main.o $(foo-extra-y) $(FOO_FROM_ELSEWHERE)\n",
        );
        assert_eq!(
            vars.composite_members("foo"),
            ["main.o", "x.o", "$(FOO_FROM_ELSEWHERE)"]
        );
    }

    #[test]
    fn variables_inside_words_and_names_expand() {
        let vars = Vars::parse(
            "MODNAME := wlan\nHDD_DIR := CORE/HDD\nHDD_SRC_DIR := $(HDD_DIR)/src\n\
             HDD_OBJS := $(HDD_SRC_DIR)/a.o \\\n\t$(HDD_SRC_DIR)/b.o\nOBJS := $(HDD_OBJS) \
             $(OTHER_DIR)/c.o\nobj-$(CONFIG_WLAN) += $(MODNAME).o\n$(MODNAME)-y := $(OBJS)\n",
        );
        assert_eq!(vars.object_lists()[0].1, ["wlan.o"]);
        assert_eq!(
            vars.composite_members("wlan"),
            ["CORE/HDD/src/a.o", "CORE/HDD/src/b.o", "$(OTHER_DIR)/c.o"]
        );
    }

    #[test]
    fn the_command_line_wins_over_the_makefile() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("dkms.conf"),
            "PACKAGE_NAME=\"x\"\nMAKE[0]=\"make -C ${kernel_source_dir} M=${dkms_tree}/x \
             modules MODNAME=qcacld2 CONFIG_WLAN=m\"\n",
        )
        .unwrap();
        let set = command_line(dir.path());
        assert_eq!(
            set.get("MODNAME").map(Vec::as_slice),
            Some(&["qcacld2".to_string()][..])
        );
        assert!(!set.contains_key("M"), "a DKMS variable is not known");
        let vars = Vars::parse_with("MODNAME := wlan\nobj-m += $(MODNAME).o\n", &set);
        assert_eq!(vars.object_lists()[0].1, ["qcacld2.o"]);
    }
}
