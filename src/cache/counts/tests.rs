use super::*;

fn digest(n: u16) -> Digest {
    let mut digest = [0; 32];
    digest[..2].copy_from_slice(&n.to_le_bytes());
    digest
}

#[test]
fn counts_read_back_in_the_next_run_of_the_same_build() {
    let dir = tempfile::tempdir().unwrap();
    let first = CountLog::open_in(dir.path(), 7);
    assert_eq!(first.get(&digest(1)), None);
    first.put(&digest(1), 3);
    first.put(&digest(2), 0);
    let next = CountLog::open_in(dir.path(), 7);
    assert_eq!(next.get(&digest(1)), Some(3));
    assert_eq!(next.get(&digest(2)), Some(0));
    let other_build = CountLog::open_in(dir.path(), 8);
    assert_eq!(
        other_build.get(&digest(1)),
        None,
        "another build counts anew"
    );
}

#[test]
fn lines_that_are_not_whole_are_left_out() {
    let whole = line(&digest(1), 12);
    let cut = &line(&digest(2), 34)[..66];
    let mut text = format!("{whole}garbage\n{}z 5\n", "a".repeat(64));
    text.push_str(&format!("{} +5\n{} \n", "b".repeat(64), "c".repeat(64)));
    text.push_str(cut);
    let known = parse(text.as_bytes());
    assert_eq!(known.len(), 1, "{known:?}");
    assert_eq!(known.get(&digest(1)), Some(&12));
    // A count cut short and then appended to is no count either.
    let glued = format!("{cut}{whole}");
    assert_eq!(parse(glued.as_bytes()).get(&digest(2)), None);
}

/// Runs appending at once each leave their lines whole.
#[test]
fn concurrent_writers_leave_whole_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::thread::scope(|scope| {
        for writer in 0..8u16 {
            let dir = dir.path();
            scope.spawn(move || {
                let log = CountLog::open_in(dir, 7);
                for n in 0..50u16 {
                    log.put(&digest(writer * 50 + n), usize::from(n));
                }
            });
        }
    });
    let log = CountLog::open_in(dir.path(), 7);
    assert_eq!(log.known.len(), 400);
    assert!((0..8u16).all(|w| log.get(&digest(w * 50 + 49)) == Some(49)));
}

#[test]
fn a_new_build_removes_old_logs_only() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("0000000000000001.log");
    let recent = dir.path().join("0000000000000002.log");
    let other = dir.path().join("notes.txt");
    for path in [&old, &recent, &other] {
        fs::write(path, "").unwrap();
    }
    let long_ago = std::time::SystemTime::now() - 2 * crate::cache::STALE;
    for path in [&old, &other] {
        let file = File::options().write(true).open(path).unwrap();
        file.set_modified(long_ago).unwrap();
    }
    let _ = CountLog::open_in(dir.path(), 3);
    assert!(!old.exists());
    assert!(recent.exists() && other.exists());
}
