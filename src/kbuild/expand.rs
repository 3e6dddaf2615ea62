//! References as make expands them: `$(NAME)`, `${NAME}`, `$X`, computed
//! names (`$($(X)-y)`), substitution references (`$(SRCS:.c=.o)`) and
//! function calls (`functions.rs`). A variable nothing sets stays as
//! written, with a note, so that it is said rather than read as empty.

use super::functions;
use super::make::{Cx, Make, NoteKind, Part, Var};
use super::words;
use std::rc::Rc;

/// Expansion nests at most this deep (variables that refer to each other
/// through functions).
const MAX_NESTING: usize = 64;

impl Make<'_> {
    pub(super) fn expand(&mut self, text: &str, cx: &mut Cx) -> String {
        if !text.contains('$') {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while let Some(found) = text[i..].find('$') {
            let at = i + found;
            out.push_str(&text[i..at]);
            let next = text[at + 1..].chars().next();
            i = match next {
                Some('$') => {
                    out.push('$');
                    at + 2
                }
                Some('(' | '{') => match words::reference_end(text, at) {
                    Some(end) => {
                        let value = self.reference(&text[at + 2..end - 1], cx);
                        out.push_str(&value);
                        end
                    }
                    // Never closed: make stops here; kept as written.
                    None => {
                        out.push_str(&text[at..]);
                        text.len()
                    }
                },
                Some(c) => {
                    out.push_str(&self.variable(&c.to_string(), cx));
                    at + 1 + c.len_utf8()
                }
                None => {
                    out.push('$');
                    at + 1
                }
            };
        }
        out.push_str(&text[i..]);
        out
    }

    fn reference(&mut self, inner: &str, cx: &mut Cx) -> String {
        if self.nesting >= MAX_NESTING {
            let literal = format!("$({inner})");
            let text = "references nest too deep to read: left as written".to_string();
            cx.taint
                .insert(self.note(NoteKind::Unknown, &cx.at, Some(&literal), text));
            return literal;
        }
        self.nesting += 1;
        let value = self.reference_within(inner, cx);
        self.nesting -= 1;
        value
    }

    fn reference_within(&mut self, inner: &str, cx: &mut Cx) -> String {
        if let Some((name, args)) = functions::call(inner) {
            return self.function(name, args, cx);
        }
        if let Some((var, from, to)) = substitution(inner) {
            return self.substitution(var, from, to, cx);
        }
        let name = self.expand(inner, cx);
        // `$(foo-$(CONFIG_X))` names the variable `foo-$(CONFIG_X)` that
        // `foo-$(CONFIG_X) += …` made: the same unknown on both sides.
        let named = self.vars.contains_key(&name);
        if !named && (words::is_unknown(&name) || name.contains(char::is_whitespace)) {
            return format!("$({name})");
        }
        self.variable(&name, cx)
    }

    /// `$(name)`: its value, each part expanded where it was written.
    /// A reference to `foo-y` (or `foo-m`) takes `foo-$(CONFIG_…)` in too
    /// while that option is not known.
    pub(super) fn variable(&mut self, name: &str, cx: &mut Cx) -> String {
        if self.expanding.iter().any(|n| n == name) || self.expanding.len() >= MAX_NESTING {
            let literal = format!("$({name})");
            let text = format!("`{literal}` refers to itself: make would stop there");
            let id = self.note(NoteKind::Unknown, &cx.at, Some(&literal), text);
            cx.taint.insert(id);
            return literal;
        }
        let mut vars: Vec<Rc<Var>> = self.vars.get(name).cloned().into_iter().collect();
        vars.extend(self.branches(name));
        if vars.is_empty() {
            return self.unset(name, cx);
        }
        self.expanding.push(name.to_string());
        let mut out: Vec<String> = Vec::new();
        for part in vars.iter().flat_map(|v| &v.parts) {
            let text = self.expand_part(part, part.raw, cx);
            if !text.trim().is_empty() {
                out.push(text);
            }
        }
        self.expanding.pop();
        out.join(" ")
    }

    /// One part's text, expanded (when `raw`) where it was written.
    pub(super) fn expand_part(&mut self, part: &Part, raw: bool, cx: &mut Cx) -> String {
        cx.taint.extend(part.taint.iter().copied());
        if !raw {
            return part.text.clone();
        }
        let mut inner = Cx::at(&part.at);
        let text = self.expand(&part.text, &mut inner);
        cx.taint.extend(inner.taint);
        text
    }

    /// The variables a reference to `name` reads besides `name` while
    /// the options in their names are not known: `foo-$(CONFIG_X)` for
    /// `foo-y`, `lcds-y$(CONFIG_X)` for `lcds-yy`.
    fn branches(&self, name: &str) -> Vec<Rc<Var>> {
        if !name.ends_with(['y', 'm']) {
            return Vec::new();
        }
        self.vars
            .iter()
            .filter(|(k, _)| k.contains("$(") && may_be(k, name))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A variable nothing set: kept as written, and said. Automatic
    /// variables (`$@`) mean nothing outside a recipe: empty.
    fn unset(&mut self, name: &str, cx: &mut Cx) -> String {
        let automatic = name.len() == 1 && !name.as_bytes()[0].is_ascii_alphanumeric();
        if automatic || self.option_off(name) {
            return String::new();
        }
        let literal = format!("$({name})");
        let text = format!("{name} is not set in what localwq reads");
        let id = self.note(NoteKind::Unknown, &cx.at, Some(&literal), text);
        cx.taint.insert(id);
        literal
    }

    /// `$(var:from=to)`: `patsubst` on each word, `%from` → `%to` when
    /// `from` has no `%`.
    fn substitution(&mut self, var: &str, from: &str, to: &str, cx: &mut Cx) -> String {
        let name = self.expand(var, cx);
        let from = self.expand(from, cx);
        let to = self.expand(to, cx);
        // A variable nothing sets stays the reference as written, with
        // no blank in it: `obj-$(CONFIG_NVRAM:m=y)` is still one name.
        let set = !words::is_unknown(&name) && self.vars.contains_key(name.trim());
        if self.option_off(name.trim()) {
            return String::new();
        }
        if !set {
            self.variable(name.trim(), cx);
            return format!("$({name}:{from}={to})");
        }
        let value = self.variable(name.trim(), cx);
        let (pattern, replacement) = match from.contains('%') {
            true => (from, to),
            false => (format!("%{from}"), format!("%{to}")),
        };
        functions::patsubst(&pattern, &replacement, &value)
    }
}

/// Whether `template` (a name with options left as written) may be
/// `name` when each option is `y`, `m` or empty, as configurations set
/// them.
fn may_be(template: &str, name: &str) -> bool {
    // The places in `name` the template can have reached so far: each
    // option takes nothing or one `y`/`m`, so the set stays small.
    let mut at = std::collections::BTreeSet::from([0]);
    let mut rest = template;
    loop {
        let start = rest.find("$(");
        let literal = &rest[..start.unwrap_or(rest.len())];
        at = at
            .into_iter()
            .filter(|&p| name[p..].starts_with(literal))
            .map(|p| p + literal.len())
            .collect();
        let Some(start) = start else {
            return at.contains(&name.len());
        };
        let Some(end) = words::reference_end(rest, start) else {
            return false;
        };
        let option = |p: usize| name[p..].starts_with(['y', 'm']).then_some(p + 1);
        let more: Vec<usize> = at.iter().filter_map(|&p| option(p)).collect();
        at.extend(more);
        rest = &rest[end..];
        if at.is_empty() {
            return false;
        }
    }
}

/// `var:from=to` → its three parts, the `:` and `=` outside references.
fn substitution(inner: &str) -> Option<(&str, &str, &str)> {
    let colon = top_level(inner, b':')?;
    let rest = &inner[colon + 1..];
    let eq = top_level(rest, b'=')?;
    Some((&inner[..colon], &rest[..eq], &rest[eq + 1..]))
}

fn top_level(text: &str, wanted: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' => i = words::reference_end(text, i).unwrap_or(i + 1),
            b if b == wanted => return Some(i),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_options_may_be_the_name_read() {
        assert!(may_be("foo-$(CONFIG_X)", "foo-y"));
        assert!(may_be("lcds-y$(CONFIG_X)", "lcds-yy"));
        assert!(may_be("obj-$(CONFIG_A)$(CONFIG_B)", "obj-m"));
        assert!(!may_be("foo-$(CONFIG_X)", "bar-y"));
        assert!(!may_be("foo-$(CONFIG_X)", "foo-yy"));
        assert!(!may_be("lcds-y$(CONFIG_X)", "lcds-ny"));
        let many = "obj-".to_string() + &"$(CONFIG_A)".repeat(200);
        assert!(may_be(&many, "obj-y"), "many options cost no more than one");
    }

    #[test]
    fn substitution_references_are_told_apart() {
        assert_eq!(substitution("SRCS:.c=.o"), Some(("SRCS", ".c", ".o")));
        assert_eq!(
            substitution("$(X:a=b):%.c=%.o"),
            Some(("$(X:a=b)", "%.c", "%.o"))
        );
        assert_eq!(substitution("SRCS"), None);
        assert_eq!(substitution("a:b"), None);
    }
}
