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
fn civil_from_days(days: i64) -> (i64, i64, i64) {
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

pub fn encode_address(address: &str) -> String {
    let Some(open) = address.find('<') else {
        return address.to_string();
    };
    let name = address[..open].trim();
    if name.is_ascii() {
        return address.to_string();
    }
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            b' ' => "_".to_string(),
            _ => format!("={b:02X}"),
        })
        .collect();
    format!("=?UTF-8?q?{encoded}?= {}", &address[open..])
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
/// of anything else become one `-`; at most `max` bytes, no trailing `.`/`-`.
pub fn slug(subject: &str, max: usize) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in subject.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
        if out.len() >= max {
            break;
        }
    }
    while out.contains("..") {
        out = out.replace("..", ".");
    }
    out.truncate(max);
    out.trim_end_matches(['.', '-']).to_string()
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
            slug(
                "Input: psmouse-smbus - avoid flush_scheduled_work() usage",
                52
            ),
            "Input-psmouse-smbus-avoid-flush_scheduled_work-usage"
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
            encode_address("Jörg <j@x.org>"),
            "=?UTF-8?q?J=C3=B6rg?= <j@x.org>"
        );
        assert_eq!(encode_address("Ann <a@x.org>"), "Ann <a@x.org>");
    }
}
