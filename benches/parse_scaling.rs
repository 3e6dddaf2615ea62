//! Benchmark: parse time against file size. A generated file of many small
//! functions (one of them queueing work, so the file is parsed focused, as
//! `load` parses it) at 1, 4 and 8 MiB. Prints each time, the time a linear
//! parse would take (1 MiB's time times the size) and the ratio of the two:
//! about 1 is linear, the size factor itself is quadratic.
//!   usage: cargo bench --bench parse_scaling

use localwq::parse::{worth_parsing, SourceFile};
use std::time::Instant;

const HEAD: &str = "#include <linux/module.h>\n#include <linux/workqueue.h>\n\n\
    static DECLARE_WORK(foo_work, foo_fn);\n\n\
    void foo_kick(void)\n{\n\tschedule_work(&foo_work);\n}\n\n";

fn generated(mib: usize) -> Vec<u8> {
    let mut text = HEAD.to_string();
    let mut i = 0;
    while text.len() < mib << 20 {
        text.push_str(&format!(
            "static int helper_{i}(int a)\n{{\n\tint b = a * {i};\n\n\tif (b > 3)\n\t\t\
             return b - 1;\n\treturn b + helper_x(a);\n}}\n\n"
        ));
        i += 1;
    }
    text.into_bytes()
}

/// The best of three focused parses of `text`, in seconds.
fn parse_time(text: &[u8]) -> f64 {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            let file = SourceFile::parse_focused("gen.c".into(), text.to_vec(), |block| {
                worth_parsing(block, &[])
            })
            .expect("parses");
            assert!(file.facts.functions.len() > 1000);
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let base = parse_time(&generated(1));
    println!("size    parse      linear     ratio");
    for mib in [1, 4, 8] {
        let took = parse_time(&generated(mib));
        let linear = base * mib as f64;
        println!(
            "{mib} MiB  {took:7.3} s  {linear:7.3} s  {:5.2}",
            took / linear
        );
    }
}
