//! Prices the whole-tree prefilter: walk, read, and candidate matchers.
use rayon::prelude::*;
use std::time::Instant;

fn time<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    eprintln!("{label:<28} {:.3}s", t.elapsed().as_secs_f64());
    out
}

fn main() {
    let root = std::env::args()
        .nth(1)
        .expect("usage: select_cost KERNEL_TREE");
    let tree = localwq::tree::KernelTree::open(root.as_ref()).unwrap();
    let files = time("walk", || tree.c_files("".as_ref()));
    let read = |f: &std::path::PathBuf| std::fs::read(tree.root.join(f)).unwrap_or_default();
    time("read", || {
        files.par_iter().map(|f| read(f).len()).sum::<usize>()
    });
    let ac = aho_corasick::AhoCorasick::new(localwq::FLUSH_NEEDLES).unwrap();
    time("read + aho-corasick", || {
        files.par_iter().filter(|f| ac.is_match(&read(f))).count()
    });
    let finders: Vec<_> = ["flush_scheduled_work", "flush_workqueue(system_"]
        .iter()
        .map(|n| memchr::memmem::Finder::new(n.as_bytes()))
        .collect();
    time("read + 2 memmem", || {
        files
            .par_iter()
            .filter(|f| {
                let b = read(f);
                finders.iter().any(|x| x.find(&b).is_some())
            })
            .count()
    });
    let flush = memchr::memmem::Finder::new(b"flush_");
    time("read + memmem flush_", || {
        files
            .par_iter()
            .filter(|f| flush.find_iter(&read(f)).next().is_some())
            .count()
    });
}
