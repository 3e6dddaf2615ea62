//! What a DKMS package's `dkms.conf` sets on make's command line.

use std::collections::BTreeMap;
use std::path::Path;

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
