//! A prepared kernel's configuration, as Kbuild reads it before an
//! out-of-tree module's Makefile: `include/config/auto.conf` (the options
//! that are on), else `.config`.

use std::collections::BTreeMap;
use std::path::Path;

/// The options the kernel built at `kbuild` (KDIR as given: a prepared
/// source tree, an `O=` directory or `/lib/modules/…/build`) sets, name →
/// value as make reads them (`y`, `m`, `"text"`). None when it is not
/// prepared: then no option is known.
pub fn read(kbuild: &Path) -> Option<BTreeMap<String, String>> {
    let text = ["include/config/auto.conf", ".config"]
        .iter()
        .find_map(|f| std::fs::read(kbuild.join(f)).ok())?;
    Some(parse(&String::from_utf8_lossy(&text)))
}

/// `CONFIG_X=value` lines; comments (`# CONFIG_Y is not set`) and
/// anything else left out.
fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .filter(|(name, _)| {
            name.starts_with("CONFIG_")
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_that_are_on_and_nothing_else() {
        let text = "#\n# Automatically generated file; DO NOT EDIT.\n\
                    CONFIG_CFG80211=m\nCONFIG_PCI=y\n# CONFIG_USB is not set\n\
                    CONFIG_LOCALVERSION=\"\"\nnot a line\n";
        let options = parse(text);
        assert_eq!(
            options.get("CONFIG_CFG80211").map(String::as_str),
            Some("m")
        );
        assert_eq!(options.get("CONFIG_PCI").map(String::as_str), Some("y"));
        assert_eq!(
            options.get("CONFIG_LOCALVERSION").map(String::as_str),
            Some("\"\"")
        );
        assert!(!options.contains_key("CONFIG_USB"));
        assert_eq!(options.len(), 3);
    }

    #[test]
    fn an_unprepared_kernel_has_no_configuration() {
        let dir = std::env::temp_dir().join(format!("localwq-kconfig-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(read(&dir).is_none());
        std::fs::create_dir_all(dir.join("include/config")).unwrap();
        std::fs::write(dir.join("include/config/auto.conf"), "CONFIG_X=y\n").unwrap();
        assert_eq!(
            read(&dir).unwrap().get("CONFIG_X").map(String::as_str),
            Some("y")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
