//! The share of workqueue calls (queueing and flushing) in a directory's
//! C files that the parser reads as calls inside a function and outside
//! any ERROR node: what localwq can rewrite. `-v` lists the others.
//!
//! cargo run --release --example parsed -- [-v] [-k6.12] DIR...
use localwq::parse::{worth_parsing, SourceFile};
use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    // The kernel the code is read for (`-k 6.12`): its dead compatibility
    // branches are left out, as localwq does.
    let version = args.iter().find_map(|a| a.strip_prefix("-k")).map(|v| {
        let mut parts = v.split('.').map(|p| p.parse::<i64>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        (major << 16) + (minor << 8)
    });
    for dir in args.iter().filter(|a| !a.starts_with('-')) {
        let (mut total, mut parsed) = (0, 0);
        for path in c_files(Path::new(dir)) {
            let text = std::fs::read(&path).expect("readable file");
            let calls = api_calls(&text);
            if calls.is_empty() {
                continue;
            }
            let file = SourceFile::parse_for_version(
                path.clone(),
                text,
                |block| worth_parsing(block, &[]),
                version,
            )
            .expect("parsed");
            for at in calls {
                // Not compiled for the kernel: no site, and rightly.
                if file.dead.iter().any(|d| d.contains(&at)) {
                    continue;
                }
                total += 1;
                let read = file
                    .facts
                    .calls
                    .iter()
                    .any(|c| c.callee_range.start == at && !c.in_error && c.function.is_some());
                let in_macro = file.facts.macro_mentions.iter().any(|m| m.offset == at);
                if read || in_macro {
                    parsed += 1;
                } else if verbose {
                    let call = file.facts.calls.iter().find(|c| c.callee_range.start == at);
                    let why = match call {
                        None => "no call",
                        Some(c) if c.in_error => "under ERROR",
                        Some(_) => "outside a function",
                    };
                    let (line, excerpt) = (file.line_of(at), file.excerpt(at));
                    println!("  {}:{line}: {why}: {excerpt}", path.display());
                }
            }
        }
        let share = 100.0 * parsed as f64 / total.max(1) as f64;
        println!("{dir}: {parsed}/{total} workqueue calls parsed ({share:.1}%)");
    }
}

/// Offsets of workqueue API names called on a system workqueue in
/// `text` (one they imply, or a `system_*` argument), comments left out.
fn api_calls(text: &[u8]) -> Vec<usize> {
    let comments = localwq::ctext::comment_ranges(text);
    let mut found = Vec::new();
    for api in localwq::wq::APIS {
        for at in memchr::memmem::find_iter(text, api.name.as_bytes()) {
            let call = localwq::ctext::is_call_at(text, at, api.name.len())
                && on_system_wq(text, at + api.name.len(), api);
            if call && !comments.iter().any(|c| c.contains(&at)) && !found.contains(&at) {
                found.push(at);
            }
        }
    }
    found.sort();
    found
}

fn on_system_wq(text: &[u8], after_name: usize, api: &localwq::wq::WqApi) -> bool {
    if matches!(api.wq_arg, localwq::wq::WqArg::Implied { .. }) {
        return true;
    }
    let open = after_name
        + text[after_name..]
            .iter()
            .take_while(|b| **b != b'(')
            .count();
    let close = localwq::ctext::matching_paren(text, open).unwrap_or(text.len());
    memchr::memmem::find(&text[open..close], b"system_").is_some()
}

fn c_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "c" || e == "h") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}
