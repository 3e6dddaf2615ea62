//! Objects that are data, not code: a firmware blob made into an object
//! by a rule of its own (`fw.o: fw.bin` with `objcopy`, `ld -b binary`
//! or a script), which Kbuild links into a module like any object. It has
//! no `.c` or `.S`, and it queues no work: it is no unread code.

/// How a file that holds data ends.
const DATA_SUFFIXES: &[&str] = &[".bin", ".fw", ".hex", ".ucode", ".img", ".dat", ".cis"];

/// What in a recipe makes an object out of data (lower case: `$(OBJCOPY)`
/// is `objcopy`).
const DATA_TOOLS: &[&str] = &["objcopy", "-b binary", "-i binary", ".incbin"];

/// Whether `makefile` has a rule making `object` (`name.o`, also as
/// `$(obj)/name.o` or `dir/name.o`) out of a data file, or with a tool
/// that wraps data in an object.
pub fn builds_from_data(makefile: &[u8], object: &str) -> bool {
    let text = String::from_utf8_lossy(makefile);
    let lines: Vec<&str> = text.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        if line.starts_with('\t') || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((targets, prerequisites)) = rule(line) else {
            continue;
        };
        let names_object = targets
            .split_whitespace()
            .any(|t| t == object || t.ends_with(&format!("/{object}")));
        if !names_object {
            continue;
        }
        let recipe = lines[index + 1..]
            .iter()
            .take_while(|l| l.starts_with('\t'))
            .copied();
        let from_data = prerequisites
            .split_whitespace()
            .any(|p| DATA_SUFFIXES.iter().any(|s| p.ends_with(s)));
        let by_tool = std::iter::once(prerequisites)
            .chain(recipe)
            .any(|l| DATA_TOOLS.iter().any(|t| l.to_lowercase().contains(t)));
        if from_data || by_tool {
            return true;
        }
    }
    false
}

/// A rule line's targets and prerequisites: `a b: c d`, not an
/// assignment (`:=`, `::=`) nor a target-specific variable.
fn rule(line: &str) -> Option<(&str, &str)> {
    let colon = line.find(':')?;
    let after = &line[colon + 1..];
    let assignment =
        after.starts_with('=') || after.starts_with(":=") || line[..colon].contains('=');
    match assignment {
        true => None,
        false => Some((&line[..colon], after.trim_start_matches(':'))),
    }
}

#[cfg(test)]
mod tests {
    use super::builds_from_data;

    #[test]
    fn a_blob_made_an_object_is_data() {
        let makefile =
            b"fw-a.o: fw-a-$(V).tar.gz fw-a.bin make_object\n\t./make_object fw-a.bin $@\n";
        assert!(builds_from_data(makefile, "fw-a.o"));
        let objcopy = b"$(obj)/blob.o: $(src)/blob\n\t$(OBJCOPY) -I binary -O elf64 $< $@\n";
        assert!(builds_from_data(objcopy, "blob.o"));
    }

    #[test]
    fn an_object_built_from_code_or_not_named_is_not() {
        let makefile = b"gen.o: gen.c\n\t$(CC) -c gen.c\nfw-a.o := fw-a.bin\n";
        assert!(!builds_from_data(makefile, "gen.o"));
        assert!(!builds_from_data(makefile, "fw-a.o"));
        assert!(!builds_from_data(makefile, "other.o"));
    }
}
