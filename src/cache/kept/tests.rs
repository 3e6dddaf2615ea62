use super::*;

fn facts() -> Facts {
    let text = b"static int foo(void)\n{\n\tschedule_work(&w);\n\treturn 0;\n}\n";
    crate::parse::SourceFile::parse("f.c".into(), text.to_vec())
        .unwrap()
        .facts
}

#[test]
fn facts_read_back_for_their_key_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = FactsDir::open_in(dir.path(), 7);
    let facts = facts();
    assert!(store.get(&[1; 32]).is_none());
    store.put(&[1; 32], &facts);
    let back = FactsDir::open_in(dir.path(), 7)
        .get(&[1; 32])
        .expect("kept");
    assert_eq!(format!("{back:?}"), format!("{facts:?}"));
    assert!(
        FactsDir::open_in(dir.path(), 8).get(&[1; 32]).is_none(),
        "another build"
    );
}

#[test]
fn a_corrupt_file_is_no_facts() {
    let dir = tempfile::tempdir().unwrap();
    let store = FactsDir::open_in(dir.path(), 7);
    store.put(&[1; 32], &facts());
    let path = store.path(&[1; 32]);
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert!(store.get(&[1; 32]).is_none());
}

#[test]
fn concurrent_writers_leave_whole_files() {
    let dir = tempfile::tempdir().unwrap();
    let facts = facts();
    std::thread::scope(|scope| {
        for _ in 0..6 {
            scope.spawn(|| {
                let store = FactsDir::open_in(dir.path(), 7);
                for n in 0..20u8 {
                    store.put(&[n; 32], &facts);
                    assert!(store.get(&[n; 32]).is_some(), "a half-written file");
                }
            });
        }
    });
    let files = fs::read_dir(FactsDir::open_in(dir.path(), 7).dir)
        .unwrap()
        .count();
    assert_eq!(files, 20, "one file per key, no temporary files left");
}

#[test]
fn a_new_build_removes_old_builds_only() {
    let dir = tempfile::tempdir().unwrap();
    let old = FactsDir::open_in(dir.path(), 1);
    old.put(&[1; 32], &facts());
    let recent = FactsDir::open_in(dir.path(), 2);
    recent.put(&[1; 32], &facts());
    let long_ago = std::time::SystemTime::now() - 2 * crate::cache::STALE;
    fs::File::open(&old.dir)
        .unwrap()
        .set_modified(long_ago)
        .unwrap();
    let _ = FactsDir::open_in(dir.path(), 3);
    assert!(!old.dir.exists());
    assert!(recent.dir.exists());
}
