//! Times the phases of a whole-tree scan: selection, then each module,
//! split into load (read + parse), plan and rewrite for the slowest.
use std::time::Instant;

fn main() {
    let root = std::env::args().nth(1).expect("usage: phases KERNEL_TREE");
    let t = Instant::now();
    let session = localwq::Session::open(root.as_ref()).unwrap();
    let selection = session.select(&[]).unwrap();
    eprintln!(
        "select: {:.2}s, {} modules",
        t.elapsed().as_secs_f64(),
        selection.modules.len()
    );
    let t = Instant::now();
    let _ = session.index();
    eprintln!("tree index: {:.2}s", t.elapsed().as_secs_f64());
    let mut slow = Vec::new();
    for m in &selection.modules {
        let t = Instant::now();
        let Ok(unit) = session.load(m) else { continue };
        let load = t.elapsed().as_secs_f64();
        let parsed: Vec<_> = unit.files.iter().filter(|f| f.parsed).collect();
        let bytes: usize = parsed.iter().map(|f| f.text.len()).sum();
        if load > 0.1 {
            eprintln!(
                "  {}: {} files, {} parsed ({} KiB)",
                m.name,
                unit.files.len(),
                parsed.len(),
                bytes >> 10
            );
        }
        let plan = session.plan(&unit);
        let planned = t.elapsed().as_secs_f64();
        if let Some(conversion) = plan.decision.conversion() {
            let _ = localwq::rewrite::rewrite(&unit, &plan.sites, conversion);
        }
        let total = t.elapsed().as_secs_f64();
        slow.push((total, load, planned - load, total - planned, m.name.clone()));
    }
    slow.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    let total: f64 = slow.iter().map(|s| s.0).sum();
    eprintln!("convert total (serial): {total:.2}s; slowest (total, load, plan, rewrite):");
    let sums = slow
        .iter()
        .fold((0.0, 0.0, 0.0), |a, s| (a.0 + s.1, a.1 + s.2, a.2 + s.3));
    eprintln!(
        "sums load {:.3} plan {:.3} rewrite {:.3}",
        sums.0, sums.1, sums.2
    );
    for s in slow.iter().take(10) {
        eprintln!("  {:<20} {:.3} {:.3} {:.3} {:.3}", s.4, s.0, s.1, s.2, s.3);
    }
}
