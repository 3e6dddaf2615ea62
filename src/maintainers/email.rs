//! Mail addresses as `scripts/get_maintainer.pl` reads and writes them
//! (`parse_email`, `format_email`), and the tree's `.mailmap` applied the
//! way that script applies it (`mailmap_email`), so that a patch's
//! recipients are spelt as the script would print them.

use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;

fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("a valid built-in regex"))
}

/// `"Name" <user@host> (note)` → (`Name`, `user@host`); a name that needs
/// quoting comes back quoted, as the script keeps it.
pub fn parse_email(text: &str) -> (String, String) {
    static NAMED: OnceLock<Regex> = OnceLock::new();
    static BRACKETED: OnceLock<Regex> = OnceLock::new();
    static BARE: OnceLock<Regex> = OnceLock::new();
    let (name, address) = if let Some(c) = regex(&NAMED, r"^([^<]+)<(.+@.*)>.*$").captures(text) {
        (c[1].to_string(), c[2].to_string())
    } else if let Some(c) = regex(&BRACKETED, r"^\s*<(.+@\S*)>.*$").captures(text) {
        (String::new(), c[1].to_string())
    } else if let Some(c) = regex(&BARE, r"^(.+@\S*).*$").captures(text) {
        (String::new(), c[1].to_string())
    } else {
        (String::new(), String::new())
    };
    (quote_name(&name), address.trim().to_string())
}

/// `Name <address>`, or the bare address when there is no name.
pub fn format_email(name: &str, address: &str) -> String {
    let name = quote_name(name);
    let address = address.trim();
    match name.is_empty() {
        true => address.to_string(),
        false => format!("{name} <{address}>"),
    }
}

/// Trimmed, one surrounding quote each side dropped, then quoted again
/// when anything but ASCII word characters, spaces and `-` is in it (the
/// script reads bytes: a non-ASCII name is quoted too).
fn quote_name(name: &str) -> String {
    let name = name.trim();
    let name = name.strip_prefix('"').unwrap_or(name);
    let name = name.strip_suffix('"').unwrap_or(name);
    let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b' ' || b == b'-';
    if name.bytes().all(plain) {
        return name.to_string();
    }
    let mut quoted = String::from("\"");
    let mut previous = '\0';
    for c in name.chars() {
        if c == '"' && previous != '\\' {
            quoted.push('\\');
        }
        quoted.push(c);
        previous = c;
    }
    quoted.push('"');
    quoted
}

/// The tree's `.mailmap`: real names and addresses keyed by the address
/// or by the whole `Name <address>` they replace.
#[derive(Debug, Default, Clone)]
pub struct Mailmap {
    names: HashMap<String, String>,
    addresses: HashMap<String, String>,
}

impl Mailmap {
    pub fn parse(text: &str) -> Self {
        static ONE: OnceLock<Regex> = OnceLock::new();
        static TWO_ADDRESSES: OnceLock<Regex> = OnceLock::new();
        static NAME_TWO_ADDRESSES: OnceLock<Regex> = OnceLock::new();
        static TWO_NAMES: OnceLock<Regex> = OnceLock::new();
        let mut map = Mailmap::default();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if let Some(c) = regex(&ONE, r"^([^<]+)<([^>]+)>$").captures(line) {
                let (name, address) = parse_email(&format!("{} <{}>", c[1].trim_end(), &c[2]));
                map.names.insert(address, name);
            } else if let Some(c) = regex(&TWO_ADDRESSES, r"^<([^>]+)>\s*<([^>]+)>$").captures(line)
            {
                map.addresses.insert(c[2].to_string(), c[1].to_string());
            } else if let Some(c) =
                regex(&NAME_TWO_ADDRESSES, r"^(.+)<([^>]+)>\s*<([^>]+)>$").captures(line)
            {
                let (name, address) = parse_email(&format!("{} <{}>", c[1].trim_end(), &c[2]));
                map.names.insert(c[3].to_string(), name);
                map.addresses.insert(c[3].to_string(), address);
            } else if let Some(c) =
                regex(&TWO_NAMES, r"^(.+)<([^>]+)>\s*(.+)\s*<([^>]+)>$").captures(line)
            {
                let (name, address) = parse_email(&format!("{} <{}>", c[1].trim_end(), &c[2]));
                let (wrong_name, wrong_address) =
                    parse_email(&format!("{} <{}>", c[3].trim_end(), &c[4]));
                let wrong = format_email(&wrong_name, &wrong_address);
                map.names.insert(wrong.clone(), name);
                map.addresses.insert(wrong, address);
            }
        }
        map
    }

    /// The canonical spelling of `email`: looked up as a whole first,
    /// then by its address alone.
    pub fn canonical(&self, email: &str) -> String {
        let (mut name, mut address) = parse_email(email);
        let whole = format_email(&name, &address);
        let key = if self.names.contains_key(&whole) || self.addresses.contains_key(&whole) {
            whole
        } else {
            address.clone()
        };
        if let Some(real) = self.names.get(&key) {
            name = real.clone();
        }
        if let Some(real) = self.addresses.get(&key) {
            address = real.clone();
        }
        format_email(&name, &address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_as_the_script_quotes_them() {
        assert_eq!(
            parse_email("\"Justin Sanders\" <justin@coraid.com>"),
            ("Justin Sanders".into(), "justin@coraid.com".into())
        );
        assert_eq!(
            format_email("Jason A. Donenfeld", "jason@zx2c4.com"),
            "\"Jason A. Donenfeld\" <jason@zx2c4.com>"
        );
        assert_eq!(format_email("", "list@vger.org"), "list@vger.org");
        assert_eq!(format_email("Jörg", "j@x.org"), "\"Jörg\" <j@x.org>");
    }

    #[test]
    fn mailmap_maps_addresses_and_whole_emails() {
        let map = Mailmap::parse(
            "# comment\n\
             Jason Gunthorpe <jgg@ziepe.ca> <jgg@nvidia.com>\n\
             Ann Lee <ann@new.org>\n\
             <b@new.org> <b@old.org>\n\
             Real Name <real@x.org> Old Name <shared@x.org>\n",
        );
        assert_eq!(
            map.canonical("Jason Gunthorpe <jgg@nvidia.com>"),
            "Jason Gunthorpe <jgg@ziepe.ca>"
        );
        assert_eq!(
            map.canonical("A. Lee <ann@new.org>"),
            "Ann Lee <ann@new.org>"
        );
        assert_eq!(map.canonical("Bo <b@old.org>"), "Bo <b@new.org>");
        assert_eq!(
            map.canonical("Old Name <shared@x.org>"),
            "Real Name <real@x.org>"
        );
        assert_eq!(
            map.canonical("Other <shared@x.org>"),
            "Other <shared@x.org>"
        );
    }
}
