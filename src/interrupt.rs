//! SIGINT, SIGTERM and SIGHUP: outside a critical section they end the
//! process at once, as they would by default (nothing is half-written
//! there: files go to temporary names first). Inside one (the moments that
//! make a new state visible: a series renamed into place, `apply` switching
//! the work tree) the signal waits until the section ends, then ends the
//! process the same way.

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

const SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
];

/// How many critical sections are open.
static DEPTH: AtomicUsize = AtomicUsize::new(0);
/// The signal that arrived during one, or 0.
static PENDING: AtomicI32 = AtomicI32::new(0);

/// Installs the handlers; once, at the start of the program.
pub fn install() -> std::io::Result<()> {
    for signal in SIGNALS {
        // Safety: the handler only touches atomics and ends the process
        // through the async-signal-safe default action.
        unsafe {
            signal_hook::low_level::register(signal, move || {
                if DEPTH.load(Ordering::SeqCst) == 0 {
                    let _ = signal_hook::low_level::emulate_default_handler(signal);
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
            let _ = signal_hook::low_level::emulate_default_handler(signal);
        }
    }
}
