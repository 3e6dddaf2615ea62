use super::*;
use crate::parse::parse_c_without;

/// `after` from `before` by `edits` (range of `before`, text), and the
/// changes as `reparse_whole` takes them.
fn edited(before: &str, edits: &[(Range<usize>, &str)]) -> (Vec<u8>, Vec<(Range<usize>, usize)>) {
    let mut after = before.as_bytes().to_vec();
    for (range, text) in edits.iter().rev() {
        after.splice(range.clone(), text.bytes());
    }
    let changes = edits.iter().map(|(r, t)| (r.clone(), t.len())).collect();
    (after, changes)
}

fn same_as_fresh(before: &str, edits: &[(Range<usize>, &str)]) {
    let (after, changes) = edited(before, edits);
    let tree = parse_c_without(before.as_bytes(), &[]).unwrap();
    let reparsed = reparse_whole(before.as_bytes(), &tree, &after, &changes)
        .expect("the texts agree outside the changes")
        .unwrap();
    let fresh = parse_c_without(&after, &[]).unwrap();
    assert_eq!(reparsed.root_node().to_sexp(), fresh.root_node().to_sexp());
}

const SRC: &str = "static struct work_struct w;\n\nstatic int __init foo_init(void)\n{\n\tint ret;\n\n\tret = bar();\n\tif (ret)\n\t\treturn ret;\n\treturn 0;\n}\n\nstatic void __exit foo_exit(void)\n{\n\tflush_scheduled_work();\n}\n";

#[test]
fn a_reparse_gives_the_tree_a_fresh_parse_gives() {
    let decl = SRC.find("\nstatic int").unwrap() + 1;
    let ret = SRC.find("\tret = bar();").unwrap();
    let flush = SRC.find("flush_scheduled_work();").unwrap();
    same_as_fresh(
        SRC,
        &[
            (decl..decl, "static struct workqueue_struct *foo_wq;\n\n"),
            (ret..ret, "\tfoo_wq = alloc_workqueue(\"foo_wq\", 0, 0);\n\tif (!foo_wq)\n\t\treturn -ENOMEM;\n\n"),
            (flush..flush + 22, "destroy_workqueue(foo_wq);"),
        ],
    );
}

#[test]
fn a_change_that_breaks_the_code_breaks_the_reparse_too() {
    let ret = SRC.find("\tret = bar();").unwrap();
    let (after, changes) = edited(SRC, &[(ret..ret, "\tif (x {\n")]);
    let tree = parse_c_without(SRC.as_bytes(), &[]).unwrap();
    let reparsed = reparse_whole(SRC.as_bytes(), &tree, &after, &changes)
        .unwrap()
        .unwrap();
    assert!(reparsed.root_node().has_error());
    let fresh = parse_c_without(&after, &[]).unwrap();
    assert_eq!(reparsed.root_node().to_sexp(), fresh.root_node().to_sexp());
}

#[test]
fn texts_that_differ_outside_the_changes_are_parsed_afresh() {
    let (after, _) = edited(SRC, &[(0..0, "/* x */\n")]);
    let tree = parse_c_without(SRC.as_bytes(), &[]).unwrap();
    // The changes say nothing changed at the top: not the same texts.
    assert!(reparse_whole(SRC.as_bytes(), &tree, &after, &[(5..5, 8)]).is_none());
    assert!(reparse_whole(SRC.as_bytes(), &tree, &after, &[(0..0, 8)]).is_some());
}

#[test]
fn points_count_rows_and_byte_columns() {
    assert_eq!(point_at(b"ab\ncd", 4), Point { row: 1, column: 1 });
    assert_eq!(point_at(b"ab\ncd", 0), Point { row: 0, column: 0 });
    let start = Point { row: 3, column: 2 };
    assert_eq!(advance(start, b"xyz"), Point { row: 3, column: 5 });
    assert_eq!(advance(start, b"x\nyz\n"), Point { row: 5, column: 0 });
}

/// Every fixture's C file, with a statement added at the top of each
/// function body and its first call renamed: the reparse is the fresh
/// parse, errors and all.
#[test]
fn every_fixture_reparses_as_it_parses() {
    let mut checked = 0;
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata"
    ))];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            match path.is_dir() {
                true => dirs.push(path),
                false if path.extension().is_some_and(|e| e == "c") => files.push(path),
                false => {}
            }
        }
    }
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let mut edits: Vec<(Range<usize>, &str)> = text
            .match_indices("\n{\n")
            .map(|(at, _)| at + 3..at + 3)
            .map(|r| (r, "\tlocalwq_added();\n"))
            .collect();
        if let Some(at) = text.find("schedule_work(") {
            if edits.iter().all(|(r, _)| r.start < at || r.start > at + 13) {
                edits.push((at..at + 13, "queue_work(my_wq, "));
                edits.sort_by_key(|(r, _)| r.start);
            }
        }
        if edits.is_empty() {
            continue;
        }
        same_as_fresh(&text, &edits);
        checked += 1;
    }
    assert!(checked > 50, "only {checked} fixtures checked");
}
