//! Times the phases of a whole-tree scan: selection, then each module.
use std::time::Instant;
fn main() {
    let root = std::env::args().nth(1).expect("tree");
    let t = Instant::now();
    let session = localwq::Session::open(root.as_ref()).unwrap();
    let selection = session.select(&[]).unwrap();
    eprintln!(
        "select: {:.2}s, {} modules",
        t.elapsed().as_secs_f64(),
        selection.modules.len()
    );
    let mut slow = Vec::new();
    for m in &selection.modules {
        let t = Instant::now();
        let _ = session.convert(m);
        slow.push((t.elapsed().as_secs_f64(), m.name.clone()));
    }
    slow.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    let total: f64 = slow.iter().map(|s| s.0).sum();
    eprintln!(
        "convert total (serial): {total:.2}s; slowest: {:?}",
        &slow[..5]
    );
}
