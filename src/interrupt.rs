//! SIGINT, SIGTERM and SIGHUP: outside a critical section they end the
//! process at once, as they would by default (nothing is half-written
//! there: files go to temporary names first). Inside one (the moments that
//! make a new state visible: a series renamed into place, `apply` switching
//! the work tree) the signal waits until the section ends, then ends the
//! process the same way. Either way the lock file `apply` holds (see
//! `patch::lock`) is removed first: the next run need not judge it stale.

use std::ffi::{c_char, CString};
use std::path::Path;
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicUsize, Ordering};

const SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
];

/// How many critical sections are open.
static DEPTH: AtomicUsize = AtomicUsize::new(0);
/// The signal that arrived during one, or 0.
static PENDING: AtomicI32 = AtomicI32::new(0);
/// The lock file to remove when a signal ends the process, or null: a
/// C string the handler can pass to unlink(2), which is async-signal-safe.
static LOCK: AtomicPtr<c_char> = AtomicPtr::new(std::ptr::null_mut());

/// Installs the handlers; once, at the start of the program.
pub fn install() -> std::io::Result<()> {
    for signal in SIGNALS {
        // Safety: the handler only touches atomics and ends the process
        // through the async-signal-safe default action.
        unsafe {
            signal_hook::low_level::register(signal, move || {
                if DEPTH.load(Ordering::SeqCst) == 0 {
                    end(signal);
                } else {
                    PENDING.store(signal, Ordering::SeqCst);
                }
            })?;
        }
    }
    Ok(())
}

/// A critical section: held while a change becomes visible. A signal
/// that arrives meanwhile takes effect when the last one is dropped.
pub struct Critical(());

impl Critical {
    pub fn enter() -> Self {
        DEPTH.fetch_add(1, Ordering::SeqCst);
        Critical(())
    }
}

impl Drop for Critical {
    fn drop(&mut self) {
        if DEPTH.fetch_sub(1, Ordering::SeqCst) != 1 {
            return;
        }
        let signal = PENDING.swap(0, Ordering::SeqCst);
        if signal != 0 {
            eprintln!("localwq: interrupted: the change under way was finished first");
            end(signal);
        }
    }
}

/// Ends the process as `signal` would, removing the registered lock first.
/// Swapping the pointer out makes the removal this handler's alone: a
/// guard dropped meanwhile finds nothing left to release.
fn end(signal: i32) {
    let lock = LOCK.swap(std::ptr::null_mut(), Ordering::SeqCst);
    if !lock.is_null() {
        // Safety: a NUL-terminated string leaked by `remove_on_signal`;
        // the process ends next, so it is never freed.
        unsafe { libc::unlink(lock) };
    }
    let _ = signal_hook::low_level::emulate_default_handler(signal);
}

/// While held, a signal that ends the process removes a file first.
pub struct RemoveOnSignal(*mut c_char);

/// Registers `path` to be removed if a signal ends the process. One path
/// at a time (a run holds one lock): None when another is registered, or
/// when the path cannot be a C string; a lock left that way is still
/// recognised as stale by its pid.
pub fn remove_on_signal(path: &Path) -> Option<RemoveOnSignal> {
    use std::os::unix::ffi::OsStrExt;
    let raw = CString::new(path.as_os_str().as_bytes()).ok()?.into_raw();
    let null = std::ptr::null_mut();
    match LOCK.compare_exchange(null, raw, Ordering::SeqCst, Ordering::SeqCst) {
        Ok(_) => Some(RemoveOnSignal(raw)),
        Err(_) => {
            // Safety: made by `into_raw` above and never shared.
            drop(unsafe { CString::from_raw(raw) });
            None
        }
    }
}

impl Drop for RemoveOnSignal {
    fn drop(&mut self) {
        let null = std::ptr::null_mut();
        // Freed only if still registered: a handler that swapped it out
        // is ending the process and may still be reading it.
        if LOCK
            .compare_exchange(self.0, null, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            // Safety: ours (`into_raw` in `remove_on_signal`), unregistered.
            drop(unsafe { CString::from_raw(self.0) });
        }
    }
}
