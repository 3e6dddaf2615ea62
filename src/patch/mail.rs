//! The small print of a format-patch mail: dates, folded and encoded
//! headers, file-name slugs and 75-column body text, as git writes them.

/// RFC 2822 date of a UTC unix time, as in `Date:` headers.
pub fn rfc2822(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {day} {} {year} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm.
pub(super) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `Name <email>` with a non-ASCII name encoded per RFC 2047.
/// `address` checked as one mailbox for a To/Cc/From header: `user@host`
/// or `Name <user@host>`, nothing that could end the header (CR, LF or
/// another control character) and no second address after a comma.
pub fn mailbox(address: &str) -> anyhow::Result<String> {
    let address = address.trim();
    let refuse = |why: &str| anyhow::anyhow!("{address:?} is not a mail address: {why}");
    if address.chars().any(char::is_control) {
        return Err(refuse("it holds a line break or control character"));
    }
    let spec = match (address.find('<'), address.strip_suffix('>')) {
        (Some(open), Some(inner)) => {
            let name = &address[..open];
            if name.contains(['<', '>', ',', '"']) {
                return Err(refuse("give a plain name before <user@host>"));
            }
            &inner[open + 1..]
        }
        (None, None) if !address.contains(['>', ',']) => address,
        _ => {
            return Err(refuse(
                "write it as user@host or 'Name <user@host>', one per flag",
            ))
        }
    };
    let (user, host) = spec.split_once('@').ok_or_else(|| refuse("no @ in it"))?;
    let bad = |part: &str| {
        part.is_empty() || part.contains(|c: char| c.is_whitespace() || "<>@,;\"()".contains(c))
    };
    if bad(user) || bad(host) {
        return Err(refuse(
            "write it as user@host or 'Name <user@host>', one per flag",
        ));
    }
    Ok(address.to_string())
}

/// `Name <email>` for a To/Cc header: a name with non-ASCII in it
/// (quoted or not) encoded per RFC 2047 as git encodes its From.
pub fn encode_address(address: &str) -> String {
    let Some(open) = address.find('<') else {
        return address.to_string();
    };
    let name = address[..open].trim();
    if name.is_ascii() {
        return address.to_string();
    }
    let name = name.strip_prefix('"').unwrap_or(name);
    let name = name.strip_suffix('"').unwrap_or(name);
    format!(
        "{} {}",
        rfc2047(name, 0, Rfc2047::Address),
        &address[open..]
    )
}

/// git's From header: a non-ASCII name RFC 2047 encoded, a name with
/// RFC 822 specials quoted, the address after it.
pub fn from_header(identity: &str) -> String {
    let (name, email) = match identity.rsplit_once('<') {
        Some((name, email)) => (name.trim(), format!("<{}", email.trim())),
        None => return format!("From: {identity}\n"),
    };
    let shown = if !name.is_ascii() || name.contains("=?") {
        rfc2047(name, "From: ".len(), Rfc2047::Address)
    } else if name.contains(|c| "()<>[]:;@,.\"\\".contains(c)) {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        name.to_string()
    };
    header("From", &format!("{shown} {email}"))
}

/// git's Subject header: the `[PATCH …] ` tag as is, the subject after it
/// RFC 2047 encoded when it is not ASCII, folded on spaces otherwise.
pub fn subject_header(tag: &str, subject: &str) -> String {
    if subject.is_ascii() && !subject.contains("=?") {
        return header("Subject", &format!("{tag} {subject}"));
    }
    let start = format!("Subject: {tag} ");
    let encoded = rfc2047(subject, start.len(), Rfc2047::Subject);
    format!("{start}{encoded}\n")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rfc2047 {
    Subject,
    /// A phrase before an address: fewer characters stay as they are.
    Address,
}

/// git's add_rfc2047: Q-encoding of whole UTF-8 characters, spaces as
/// `=20`, encoded words kept within 76 columns (`column` is where the
/// first one starts).
fn rfc2047(text: &str, column: usize, kind: Rfc2047) -> String {
    const MAX: usize = 76;
    const OPEN: &str = "=?UTF-8?q?";
    let mut out = String::from(OPEN);
    let mut line = column + OPEN.len();
    for c in text.chars() {
        let mut bytes = [0u8; 4];
        let bytes = c.encode_utf8(&mut bytes).as_bytes();
        let special = bytes.len() > 1 || rfc2047_special(bytes[0], kind);
        let encoded: String = match special {
            true => bytes.iter().map(|b| format!("={b:02X}")).collect(),
            false => c.to_string(),
        };
        if line + encoded.len() + 2 > MAX {
            out.push_str("?=\n ");
            out.push_str(OPEN);
            line = OPEN.len() + 1;
        }
        line += encoded.len();
        out.push_str(&encoded);
    }
    out.push_str("?=");
    out
}

fn rfc2047_special(b: u8, kind: Rfc2047) -> bool {
    if !b.is_ascii_graphic() || matches!(b, b'=' | b'?' | b'_') {
        return true;
    }
    kind == Rfc2047::Address && !(b.is_ascii_alphanumeric() || b"!*+-/".contains(&b))
}

/// A header folded at 78 columns on spaces, continuation lines indented.
pub fn header(name: &str, value: &str) -> String {
    let mut out = format!("{name}:");
    let mut col = out.len();
    for word in value.split(' ') {
        if col + 1 + word.len() > 78 && col > name.len() + 1 {
            out.push_str("\n ");
            col = 1;
        } else {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += word.len();
    }
    out.push('\n');
    out
}

/// git's format_sanitized_subject: letters, digits, `.` and `_` kept, runs
/// of anything else become one `-`, runs of `.` one `.`; no trailing `.`
/// or `-` (before any cut: see `patch_file_name`).
pub fn slug(subject: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for b in subject.bytes() {
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'_' {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            if !(b == b'.' && out.ends_with('.')) {
                out.push(b as char);
            }
        } else {
            dash = true;
        }
    }
    out.trim_end_matches(['.', '-']).to_string()
}

/// git's file name for patch `number`: `[vN-]NNNN-<slug>.patch`, cut to
/// 64 bytes with the suffix as git cuts it (a `-` the cut leaves stays).
pub fn patch_file_name(version: Option<u32>, number: usize, subject: &str) -> String {
    const NAME_MAX: usize = 64;
    const SUFFIX: &str = ".patch";
    let mut name = version.map(|v| format!("v{v}-")).unwrap_or_default();
    name.push_str(&format!("{number:04}-{}", slug(subject)));
    name.truncate(NAME_MAX - SUFFIX.len() - 1);
    name + SUFFIX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc2822() {
        assert_eq!(rfc2822(0), "Thu, 1 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc2822(1_795_431_845), "Mon, 23 Nov 2026 11:04:05 +0000");
    }

    #[test]
    fn slugs_follow_git() {
        assert_eq!(
            slug("Input: psmouse-smbus - avoid flush_scheduled_work() usage"),
            "Input-psmouse-smbus-avoid-flush_scheduled_work-usage"
        );
        assert_eq!(slug("a... b."), "a.-b");
        assert_eq!(
            patch_file_name(
                None,
                3,
                "drm/bridge: cdns-mhdp8546: Avoid flush_scheduled_work() usage"
            ),
            "0003-drm-bridge-cdns-mhdp8546-Avoid-flush_scheduled_work-.patch"
        );
        assert_eq!(
            patch_file_name(Some(2), 1, "bar: second - x"),
            "v2-0001-bar-second-x.patch"
        );
        // The version counts against the same 64 bytes.
        assert_eq!(
            patch_file_name(Some(2), 1, "foo: Änderung über alles das ist ein sehr langer betreff der abgeschnitten wird..."),
            "v2-0001-foo-nderung-ber-alles-das-ist-ein-sehr-langer-bet.patch"
        );
    }

    #[test]
    fn headers_are_encoded_as_git_encodes_them() {
        assert_eq!(
            from_header("Jörg Ö <j@x.invalid>"),
            "From: =?UTF-8?q?J=C3=B6rg=20=C3=96?= <j@x.invalid>\n"
        );
        assert_eq!(
            from_header("Jason A. Donenfeld <j@x.org>"),
            "From: \"Jason A. Donenfeld\" <j@x.org>\n"
        );
        assert_eq!(
            subject_header(
                "[PATCH v2 1/2]",
                "foo: Änderung über alles das ist ein sehr langer betreff der abgeschnitten wird..."
            ),
            "Subject: [PATCH v2 1/2] =?UTF-8?q?foo:=20=C3=84nderung=20=C3=BCber=20alles?=\n \
             =?UTF-8?q?=20das=20ist=20ein=20sehr=20langer=20betreff=20der=20abgeschnit?=\n \
             =?UTF-8?q?ten=20wird...?=\n"
        );
    }

    #[test]
    fn long_headers_fold() {
        let folded = header("Subject", &"word ".repeat(20));
        assert!(folded.lines().all(|l| l.len() <= 78), "{folded}");
        assert!(folded.lines().nth(1).unwrap().starts_with(' '));
    }

    #[test]
    fn mailboxes_are_one_address_that_cannot_end_a_header() {
        assert_eq!(mailbox(" a@b.org ").unwrap(), "a@b.org");
        assert!(mailbox("Ann Lee <ann@b.org>").is_ok());
        for bad in [
            "",
            "b@c\nBcc: evil@x",
            "a@b.org, c@d.org",
            "no-at-sign",
            "Ann <ann@b.org",
            "<>",
            "a b@c.org",
        ] {
            assert!(mailbox(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn non_ascii_names_are_encoded() {
        assert_eq!(
            encode_address("\"Jörg Rödel\" <j@x.org>"),
            "=?UTF-8?q?J=C3=B6rg=20R=C3=B6del?= <j@x.org>"
        );
        assert_eq!(encode_address("Ann <a@x.org>"), "Ann <a@x.org>");
    }
}
