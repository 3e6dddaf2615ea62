use super::*;

fn index() -> TreeIndex {
    let facts = crate::wq::WqFacts::fallback("a test");
    let text = b"#include <linux/workqueue.h>\n\
        void foo_kick(struct work_struct *w)\n{\n\tschedule_work(w);\n}\n\
        EXPORT_SYMBOL(foo_kick);\n";
    TreeIndex::of_file(Path::new("lib/foo.c"), text, &facts).expect("an index")
}

#[test]
fn an_index_reads_back_under_its_key_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.json");
    write(dir.path(), &path, "key 1", &index()).unwrap();
    let back = read(&path, "key 1").expect("reads back");
    assert_eq!(back.providers.keys().collect::<Vec<_>>(), ["foo_kick"]);
    assert!(
        read(&path, "key 2").is_none(),
        "another key is another tree"
    );
}

#[test]
fn a_corrupt_file_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.json");
    fs::write(&path, "key 1\n{\"providers\": {\"foo\"").unwrap();
    assert!(read(&path, "key 1").is_none());
    fs::write(&path, "").unwrap();
    assert!(read(&path, "key 1").is_none());
}

/// Writers racing on one file each leave a whole one: whatever a reader
/// finds afterwards (and meanwhile) parses.
#[test]
fn concurrent_writers_leave_a_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.json");
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..20 {
                    write(dir.path(), &path, "key 1", &index()).unwrap();
                    if path.exists() {
                        assert!(read(&path, "key 1").is_some(), "a half-written index");
                    }
                }
            });
        }
    });
    assert!(read(&path, "key 1").is_some());
    let leftovers = fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "temporary files left behind");
}

#[test]
fn the_workqueues_get_this_runs_flags_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.json");
    write(dir.path(), &path, "key", &index()).unwrap();
    let facts = crate::wq::WqFacts::fallback("a test");
    let back = read(&path, "key").unwrap().resolved(&facts);
    let wq = back.providers["foo_kick"].wq.expect("a queue");
    assert_eq!(Some(wq), facts.system_wq("system_wq"));
}
