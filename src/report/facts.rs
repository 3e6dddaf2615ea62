//! `localwq facts`: what localwq read of a tree's system workqueues, and
//! what it had to take from its fallback table instead.

use crate::wq::WqFacts;
use std::fmt::Write;

/// The facts table as `localwq facts` prints it.
pub fn facts_table(facts: &WqFacts) -> String {
    let mut out = String::new();
    let rows: Vec<[&str; 5]> = facts
        .system
        .iter()
        .map(|fact| {
            let from = match fact.from_tree {
                true => "the tree",
                false if fact.created_with.is_some() => "fallback (Linux 5.10)",
                false => "nowhere",
            };
            [
                fact.wq.ident(),
                fact.created_with.as_deref().unwrap_or("?"),
                fact.wq.max_active(),
                fact.wq.flags().unwrap_or("unknown"),
                from,
            ]
        })
        .collect();
    let head = [
        "system workqueue",
        "created with",
        "max_active",
        "local replacement",
        "from",
    ];
    let widths: Vec<usize> = (0..head.len() - 1)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].len())
                .chain([head[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&head).chain(&rows) {
        for (cell, width) in row.iter().zip(&widths) {
            let _ = write!(out, "{cell:width$}  ");
        }
        let _ = writeln!(out, "{}", row[row.len() - 1]);
    }
    out.push('\n');
    let implied_width = facts
        .implied
        .iter()
        .map(|(a, _)| a.len())
        .max()
        .unwrap_or(0);
    for (api, wq) in &facts.implied {
        let _ = writeln!(out, "{api:implied_width$}  acts on {}", wq.ident());
    }
    for note in &facts.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

/// One line for reports when not every fact came from the tree.
pub fn facts_warning(facts: &WqFacts) -> Option<String> {
    (!facts.all_from_tree()).then(|| {
        format!(
            "workqueue facts not all known from the tree (`localwq facts` shows what was \
             read): {}",
            facts.notes.join("; ")
        )
    })
}
