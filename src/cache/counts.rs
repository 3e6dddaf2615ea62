//! Whole-text parse error counts kept between runs (`rewrite::counts`
//! asks): the rewrite check parses a rewritten file whole before and
//! after, the costliest part of a scan, and for the same build of
//! localwq the count is a function of the text alone. So the log is keyed
//! by the build (`build_id`) and each count by the SHA-256 of its text.
//!
//! One log per build, appended to: each count is one line written by one
//! `write` on a file opened for appending, which Linux never interleaves
//! with another process's, and a line that is not whole (`<64 hex>
//! <count>\n`) is ignored. A log not written to for a day belongs to an
//! older build and is removed when a new one is started.

use crate::parse::kept::{CountStore, Key as Digest};
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The counts this build of localwq has kept, read when the store opens,
/// and the log new ones are appended to.
pub struct CountLog {
    path: PathBuf,
    known: HashMap<Digest, usize>,
    log: Mutex<Option<File>>,
}

impl CountLog {
    /// The log of this build in the cache directory, or None where there
    /// is no cache (`LOCALWQ_CACHE=off`, no home).
    pub fn open() -> Option<Self> {
        let dir = super::dir("counts")?;
        let build = super::build_id()?;
        Some(Self::open_in(&dir, build))
    }

    fn open_in(dir: &Path, build: u64) -> Self {
        let path = dir.join(format!("{build:016x}.log"));
        let known = fs::read(&path).map(|t| parse(&t)).unwrap_or_default();
        if known.is_empty() {
            super::remove_stale_files(dir, "log", &path);
        }
        CountLog {
            path,
            known,
            log: Mutex::new(None),
        }
    }

    fn append(&self, line: &[u8]) -> std::io::Result<()> {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if log.is_none() {
            if let Some(dir) = self.path.parent() {
                fs::create_dir_all(dir)?;
            }
            *log = Some(
                OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(&self.path)?,
            );
        }
        // One write: a line is appended whole or not at all.
        let written = log.as_mut().map(|f| f.write(line));
        match written {
            Some(Ok(n)) if n == line.len() => Ok(()),
            _ => Err(std::io::Error::other("a short write to the count log")),
        }
    }
}

impl CountStore for CountLog {
    fn get(&self, digest: &Digest) -> Option<usize> {
        self.known.get(digest).copied()
    }

    /// A count that cannot be kept costs the next run its parse, nothing else.
    fn put(&self, digest: &Digest, count: usize) {
        let _ = self.append(line(digest, count).as_bytes());
    }
}

fn line(digest: &Digest, count: usize) -> String {
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex} {count}\n")
}

/// The whole lines of a log; anything else (a line cut short by a run
/// that was killed, another file's bytes) is left out.
fn parse(text: &[u8]) -> HashMap<Digest, usize> {
    let whole = match memchr::memrchr(b'\n', text) {
        Some(last) => &text[..=last],
        None => return HashMap::new(),
    };
    whole
        .split(|&b| b == b'\n')
        .filter_map(|line| {
            let (hex, count) = (line.get(..64)?, line.get(65..)?);
            if line[64] != b' ' || count.is_empty() || !count.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some((
                digest_of_hex(hex)?,
                std::str::from_utf8(count).ok()?.parse().ok()?,
            ))
        })
        .collect()
}

fn digest_of_hex(hex: &[u8]) -> Option<Digest> {
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut digest = [0u8; 32];
    for (byte, pair) in digest.iter_mut().zip(hex.chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(digest)
}

#[cfg(test)]
mod tests;
