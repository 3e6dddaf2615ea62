//! One `apply` at a time in a repository. Two at once interleave: each
//! reads the other's journal as an interrupted apply, its half-done switch
//! as uncommitted changes, its HEAD as the one to build on. So `apply`
//! holds `.git/localwq-apply.lock` for its whole run, made with O_EXCL as
//! git makes `index.lock` (in the git dir, beside the journal: a linked
//! work tree has its own, as it has its own HEAD and index). The file names its holder: pid, the process's
//! start time (a pid is reused, the pair is not) and host (a pid means
//! nothing on another one). A lock whose process is gone was left by a
//! killed run: it is taken over. Drop removes it on every return, the
//! signal handler (`interrupt`) on SIGINT, SIGTERM and SIGHUP.

use crate::interrupt::{remove_on_signal, Critical, RemoveOnSignal};
use anyhow::{bail, Context, Result};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const LOCK: &str = "localwq-apply.lock";
const HEADER: &str = "localwq apply lock 1";
/// How long a lock may read as incomplete: its holder writes it in one
/// call right after creating it, so longer means it was killed between.
const SETTLE: Duration = Duration::from_millis(500);

/// The process a lock names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    /// Clock ticks from boot to the process's start (`/proc/<pid>/stat`).
    start: Option<u64>,
    host: String,
}

/// The lock, held until dropped.
pub struct ApplyLock {
    path: PathBuf,
    text: String,
    on_signal: Option<RemoveOnSignal>,
    /// The holder of a stale lock this one replaced.
    pub took_over: Option<Holder>,
}

/// Takes the lock of the repository at `root`; None when `root` is not
/// one (`apply` refuses it later, saying so).
pub fn take_in(root: &Path) -> Result<Option<ApplyLock>> {
    match super::repo::open(root)? {
        Some(repo) => ApplyLock::take(repo.path()).map(Some),
        None => Ok(None),
    }
}

impl ApplyLock {
    /// Takes the lock in `git_dir`, or says who holds it.
    pub fn take(git_dir: &Path) -> Result<ApplyLock> {
        let path = git_dir.join(LOCK);
        let text = Holder::me().render();
        let mut took_over = None;
        // Each turn another run took the lock or let it go meanwhile.
        for _ in 0..10 {
            if let Some(mut lock) = create(&path, &text)? {
                lock.took_over = took_over;
                return Ok(lock);
            }
            let Some((found, holder)) = read(&path)? else {
                continue;
            };
            if holder.host != host() {
                bail!(
                    "{} is held by pid {} on host {}, which cannot be checked from here: if no \
                     localwq apply runs there, remove it and run again",
                    path.display(),
                    holder.pid,
                    holder.host
                );
            }
            if holder.running() {
                bail!(
                    "another localwq apply is running (pid {}): wait for it to finish",
                    holder.pid
                );
            }
            // A holder killed between linking its lock and removing the
            // name it wrote it under left that name too: no process has
            // its pid now, so nothing else writes under it.
            let _ = std::fs::remove_file(staged_name(&path, holder.pid));
            if set_aside(&path, &found)? {
                // Said now, while true: this run may yet be refused.
                eprintln!(
                    "localwq: removed {}: the localwq apply that held it (pid {}) is no \
                     longer running",
                    path.display(),
                    holder.pid
                );
                took_over = Some(holder);
            }
        }
        bail!("{} keeps changing hands: run again", path.display())
    }
}

impl Drop for ApplyLock {
    fn drop(&mut self) {
        let _critical = Critical::enter();
        self.on_signal = None;
        // Only our own: one removed by hand may have been taken since.
        if std::fs::read(&self.path).is_ok_and(|t| t == self.text.as_bytes()) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The name process `pid` writes the lock under before linking it.
fn staged_name(path: &Path, pid: u32) -> std::path::PathBuf {
    path.with_extension(format!("lock.{pid}"))
}

/// The lock, created holding `text`; None when it exists. Registered for
/// removal on a signal in the same critical section: no signal leaves it
/// behind once it is created.
fn create(path: &Path, text: &str) -> Result<Option<ApplyLock>> {
    let _critical = Critical::enter();
    // Written whole under a name of this process's own, then linked into
    // place: link(2) fails if the lock exists, and a kill at any moment
    // leaves either no lock or a whole one, never an empty one.
    let staged = staged_name(path, std::process::id());
    std::fs::write(&staged, text.as_bytes())
        .with_context(|| format!("writing {}", staged.display()))?;
    let linked = std::fs::hard_link(&staged, path);
    let _ = std::fs::remove_file(&staged);
    match linked {
        Ok(()) => {}
        Err(err) if err.kind() == ErrorKind::AlreadyExists => return Ok(None),
        Err(err) => return Err(err).with_context(|| format!("creating {}", path.display())),
    }
    Ok(Some(ApplyLock {
        path: path.to_path_buf(),
        text: text.to_string(),
        on_signal: remove_on_signal(path),
        took_over: None,
    }))
}

/// The lock's text and holder; None when it is gone. Read again while
/// it is incomplete, for its holder may be writing it.
fn read(path: &Path) -> Result<Option<(Vec<u8>, Holder)>> {
    let deadline = Instant::now() + SETTLE;
    loop {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
        };
        match Holder::parse(&bytes) {
            Some(holder) => return Ok(Some((bytes, holder))),
            None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            None => bail!(
                "{} is not a lock localwq apply wrote, or was cut short: if no localwq apply \
                 runs in this repository, remove it and run again",
                path.display()
            ),
        }
    }
}

/// Removes the stale lock that read as `found`; false when it was gone.
/// Renamed aside first, then checked: another run may have replaced it
/// after we read it, and then its lock goes back in place.
fn set_aside(path: &Path, found: &[u8]) -> Result<bool> {
    let _critical = Critical::enter();
    let aside = path.with_extension(format!("lock.stale-{}", std::process::id()));
    match std::fs::rename(path, &aside) {
        Ok(()) => {}
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(false),
        Err(err) => return Err(err).with_context(|| format!("removing {}", path.display())),
    }
    let ours = std::fs::read(&aside).is_ok_and(|b| b == found);
    let back = match ours {
        true => Ok(()),
        false => std::fs::hard_link(&aside, path),
    };
    std::fs::remove_file(&aside).with_context(|| format!("removing {}", aside.display()))?;
    back.with_context(|| format!("{} changed hands meanwhile: run again", path.display()))?;
    Ok(ours)
}

impl Holder {
    fn me() -> Holder {
        let pid = std::process::id();
        Holder {
            pid,
            start: start_time(pid),
            host: host(),
        }
    }

    fn render(&self) -> String {
        let start = self.start.map_or("-".to_string(), |s| s.to_string());
        format!(
            "{HEADER}\npid {}\nstart {start}\nhost {}\n",
            self.pid, self.host
        )
    }

    /// None unless the text is whole: a holder still writing it is read
    /// again.
    fn parse(bytes: &[u8]) -> Option<Holder> {
        let text = std::str::from_utf8(bytes).ok()?.strip_suffix('\n')?;
        let mut lines = text.split('\n');
        if lines.next()? != HEADER {
            return None;
        }
        let mut field = |name: &str| lines.next()?.strip_prefix(name)?.strip_prefix(' ');
        let pid = field("pid")?
            .parse()
            .ok()
            .filter(|&p| p > 0 && p <= i32::MAX as u32)?;
        let start = match field("start")? {
            "-" => None,
            ticks => Some(ticks.parse().ok()?),
        };
        let host = field("host")?.to_string();
        lines
            .next()
            .is_none()
            .then_some(Holder { pid, start, host })
    }

    /// Whether the process still runs: it exists, is not a zombie, and
    /// started when the lock says (else its pid was given to another).
    fn running(&self) -> bool {
        // Safety: signal 0 only checks; pid is positive (see `parse`).
        let exists = unsafe { libc::kill(self.pid as i32, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid));
        let fields = stat.as_deref().map(stat_fields).unwrap_or_default();
        let zombie = matches!(fields.first(), Some(&"Z" | &"X"));
        let started = fields.get(19).and_then(|s| s.parse::<u64>().ok());
        let reused = matches!((self.start, started), (Some(a), Some(b)) if a != b);
        exists && !zombie && !reused
    }
}

/// The fields of `/proc/<pid>/stat` after the command name, which may
/// hold spaces and parentheses: state first, start time twentieth.
fn stat_fields(stat: &str) -> Vec<&str> {
    stat.rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect())
}

fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_fields(&stat).get(19)?.parse().ok()
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
