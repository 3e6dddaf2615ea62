//! Mutation fuzzing: kernel C (every fixture's .c files, and the real
//! kernel files of tests/corpus/) mutated by a fixed pseudo-random sequence
//! and run through selection, parse, analysis and rewrite as a one-file
//! module, once per `--strategy`. No panic; every rewrite re-parses with no
//! more errors than its input; a second run over the result changes
//! nothing. A failing input is saved under target/fuzz-failures/.
//!   cargo test --test fuzz                           a short smoke run
//!   cargo test --release --test fuzz -- --ignored    the budget (test.sh)

mod common;

use localwq::analysis::Choice;
use localwq::parse::parse_c;
use localwq::rewrite::count_errors;
use localwq::Session;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Inputs per run: the budget stays well under two minutes on one core.
const BUDGET: u64 = 20_000;
const SMOKE: u64 = 60;

const CHOICES: [Choice; 4] = [
    Choice::Auto,
    Choice::LocalWq,
    Choice::FlushWork,
    Choice::RemoveFlush,
];

/// Pieces of kernel C that steer localwq's decisions, for insertion.
const SNIPPETS: &[&str] = &[
    "{",
    "}",
    ";",
    "\n",
    "(",
    ")",
    ",",
    "\t",
    "\"",
    "'",
    "\\\n",
    "\r\n",
    "/* ",
    " */",
    "// ",
    "#if 0\n",
    "#endif\n",
    "#ifdef CONFIG_FOO\n",
    "#else\n",
    "\u{0}",
    "\u{ff}",
    "flush_scheduled_work();\n",
    "flush_workqueue(system_wq);\n",
    "flush_workqueue(system_long_wq);\n",
    "schedule_work(&w);\n",
    "schedule_delayed_work(&dw, HZ);\n",
    "queue_work(system_highpri_wq, &x->w);\n",
    "queue_delayed_work(system_wq, &d, 0);\n",
    "cancel_work_sync(&w);\n",
    "flush_work(&w);\n",
    "return -ENOMEM;\n",
    "return 0;\n",
    "return ret;\n",
    "return;\n",
    "goto err;\n",
    "err:\n",
    "if (ret)\n",
    "else\n",
    "for (;;)\n",
    "do {\n",
    "} while (0);\n",
    "static int __init foo_init(void)\n{\n",
    "static void __exit foo_exit(void)\n{\n",
    "module_init(foo_init);\n",
    "module_exit(foo_exit);\n",
    "module_platform_driver(foo_driver);\n",
    "late_initcall(foo_init);\n",
    "#define KICK(w) schedule_work(w)\n",
    "EXPORT_SYMBOL(foo_kick);\n",
    "static DECLARE_WORK(w, fn);\n",
    "#include \"foo.h\"\n",
    "#include <linux/module.h>\n",
    "struct foo *x = container_of(work, struct foo, w);\n",
    ".kick = schedule_work,\n",
];

/// splitmix64: a fixed sequence from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Byte offsets of line starts.
fn line_starts(text: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(
        text.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i + 1),
    );
    starts
}

fn line(text: &[u8], rng: &mut Rng) -> std::ops::Range<usize> {
    let starts = line_starts(text);
    let at = rng.below(starts.len());
    let end = starts.get(at + 1).copied().unwrap_or(text.len());
    starts[at].min(text.len())..end
}

/// One mutation of `text`, in place.
fn mutate(text: &mut Vec<u8>, rng: &mut Rng) {
    match rng.below(8) {
        0 | 1 => {
            let snippet = SNIPPETS[rng.below(SNIPPETS.len())].as_bytes();
            let at = match rng.below(2) {
                0 => line(text, rng).start,
                _ => rng.below(text.len() + 1),
            };
            text.splice(at..at, snippet.iter().copied());
        }
        2 => {
            let range = line(text, rng);
            text.drain(range);
        }
        3 => {
            let range = line(text, rng);
            let copy = text[range.clone()].to_vec();
            text.splice(range.start..range.start, copy);
        }
        4 => {
            let start = rng.below(text.len() + 1);
            let end = (start + rng.below(64)).min(text.len());
            text.drain(start..end);
        }
        5 if !text.is_empty() => {
            let at = rng.below(text.len());
            const BYTES: &[u8] = b"{};()\n\r\t #/*\\\"'x0";
            text[at] = BYTES[rng.below(BYTES.len())];
        }
        6 => {
            let crlf = String::from_utf8_lossy(text).replace('\n', "\r\n");
            *text = crlf.into_bytes();
        }
        _ => {
            let (a, b) = (line(text, rng), line(text, rng));
            if a.end <= b.start {
                let (first, second) = (text[a.clone()].to_vec(), text[b.clone()].to_vec());
                text.splice(b, first);
                text.splice(a, second);
            }
        }
    }
}

fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![common::testdata(), PathBuf::from("tests/corpus")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "c") {
                files.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// Parse errors as the rewrite counts them (a function attribute such as
/// `__init` is no error), over the whole text.
fn errors(text: &[u8]) -> usize {
    count_errors(parse_c(text).expect("parses").root_node())
}

/// Line ends that are a lone `\n`.
fn lone_lfs(text: &[u8]) -> usize {
    (0..text.len())
        .filter(|&i| text[i] == b'\n' && (i == 0 || text[i - 1] != b'\r'))
        .count()
}

/// Every change of every outcome of the module at drivers/foo/foo.c.
fn changes(root: &Path, choice: Choice) -> Vec<localwq::edit::FileChange> {
    let mut session = Session::open(root).expect("a kernel-shaped tree");
    session.choice = choice;
    let selection = session
        .select(&[PathBuf::from("drivers/foo/foo.c")])
        .expect("selected");
    selection
        .modules
        .iter()
        .flat_map(|m| session.convert(m).changes)
        .collect()
}

/// The properties, for one input under one strategy; whether it was
/// rewritten.
fn check(root: &Path, text: &[u8], choice: Choice) -> bool {
    let source = root.join("drivers/foo/foo.c");
    std::fs::write(&source, text).unwrap();
    let first = changes(root, choice);
    for change in &first {
        let (before, after) = (errors(&change.before), errors(&change.after));
        assert!(after <= before, "{after} errors after, {before} before");
        if lone_lfs(&change.before) == 0 {
            assert_eq!(lone_lfs(&change.after), 0, "a CRLF file got LF lines");
        }
        std::fs::write(root.join(&change.path), &change.after).unwrap();
    }
    if !first.is_empty() {
        let second = changes(root, choice);
        let paths: Vec<&Path> = second.iter().map(|c| c.path.as_path()).collect();
        assert!(second.is_empty(), "a second run changes {paths:?}");
    }
    !first.is_empty()
}

fn fuzz(runs: u64) {
    let seeds = seeds();
    let dir = common::tree(&[("drivers/foo/Makefile", "obj-m += foo.o\n")]);
    let failures = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../fuzz-failures");
    let start = Instant::now();
    let mut rewritten = 0;
    for run in 0..runs {
        let mut rng = Rng(run);
        let (name, seed) = &seeds[rng.below(seeds.len())];
        let mut text = seed.clone();
        for _ in 0..1 + rng.below(4) {
            mutate(&mut text, &mut rng);
        }
        let choice = CHOICES[rng.below(CHOICES.len())];
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check(dir.path(), &text, choice)
        }));
        let panic = match result {
            Ok(changed) => {
                rewritten += usize::from(changed);
                continue;
            }
            Err(panic) => panic,
        };
        {
            std::fs::create_dir_all(&failures).unwrap();
            let saved = failures.join(format!("run{run}.c"));
            std::fs::write(&saved, &text).unwrap();
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or(panic.downcast_ref::<&str>().copied())
                .unwrap_or("a panic");
            panic!(
                "run {run} ({name} mutated, {choice:?}) failed: {why}; input saved as {}",
                saved.display()
            );
        }
    }
    eprintln!(
        "fuzz: {runs} inputs from {} seeds, {rewritten} rewritten, in {:.1} s",
        seeds.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(rewritten > 0, "no input got as far as a rewrite");
}

#[test]
fn mutated_kernel_c_never_panics_and_rewrites_cleanly() {
    fuzz(SMOKE);
}

#[test]
#[ignore = "the fuzz budget: cargo test --release --test fuzz -- --ignored"]
fn fuzz_budget() {
    fuzz(BUDGET);
}

/// Re-runs a saved failure under every strategy and shows where the
/// parse errors are: `LOCALWQ_FUZZ_REPLAY=target/fuzz-failures/runN.c
/// cargo test --test fuzz replay -- --ignored --nocapture`.
#[test]
#[ignore = "a tool: needs LOCALWQ_FUZZ_REPLAY"]
fn replay() {
    let path = std::env::var("LOCALWQ_FUZZ_REPLAY").expect("LOCALWQ_FUZZ_REPLAY");
    let text = std::fs::read(path).unwrap();
    let dir = common::tree(&[("drivers/foo/Makefile", "obj-m += foo.o\n")]);
    for choice in CHOICES {
        std::fs::write(dir.path().join("drivers/foo/foo.c"), &text).unwrap();
        for change in changes(dir.path(), choice) {
            for (side, text) in [("before", &change.before), ("after", &change.after)] {
                let tree = parse_c(text).unwrap();
                for node in localwq::parse::error_nodes(tree.root_node()) {
                    let at = node.start_position();
                    let what = String::from_utf8_lossy(&text[node.byte_range()]);
                    eprintln!("{choice:?} {side} {}:{} {what:?}", at.row + 1, at.column);
                }
            }
        }
    }
}
