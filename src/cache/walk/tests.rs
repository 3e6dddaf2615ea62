use super::*;

fn stat(size: u64, ctime: i64) -> Stat {
    Stat {
        size,
        mtime: (ctime, 0),
        ctime: (ctime, 5),
        ino: 7,
        dev: 1,
    }
}

fn visited(n: usize, ctime: i64) -> Vec<(PathBuf, Visited<String>)> {
    (0..n)
        .map(|i| {
            let kept = (i % 3 == 0).then(|| format!("kept {i}"));
            let stat = Some(stat(i as u64, ctime));
            (PathBuf::from(format!("d/f{i}.c")), Visited { stat, kept })
        })
        .collect()
}

fn cache(dir: &Path, key: &str) -> WalkCache<String> {
    WalkCache::open_at(dir.join("w.bin"), key.to_string())
}

#[test]
fn an_unchanged_file_is_known_and_a_changed_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    cache(dir.path(), "k").save(&visited(WORTH_CACHING, 1000));
    let next = cache(dir.path(), "k");
    let f3 = Path::new("d/f3.c");
    assert_eq!(next.get(f3, &stat(3, 1000)), Some(Some("kept 3".into())));
    assert_eq!(next.get(Path::new("d/f4.c"), &stat(4, 1000)), Some(None));
    assert_eq!(next.get(f3, &stat(3, 1001)), None, "changed since");
    assert_eq!(next.get(f3, &stat(4, 1000)), None, "another size");
    assert_eq!(next.get(Path::new("d/new.c"), &stat(3, 1000)), None);
    assert!(
        cache(dir.path(), "other key").known.is_empty(),
        "another tree, needles or build reads nothing back"
    );
}

#[test]
fn a_file_changed_as_the_walk_began_is_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let walk = cache(dir.path(), "k");
    let now = walk
        .started
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut files = visited(WORTH_CACHING + 1, 1000);
    files[0].1.stat = Some(stat(0, now));
    walk.save(&files);
    let next = cache(dir.path(), "k");
    assert_eq!(next.known.len(), WORTH_CACHING);
    assert_eq!(next.get(Path::new("d/f0.c"), &stat(0, now)), None);
}

#[test]
fn a_small_tree_or_a_corrupt_file_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    cache(dir.path(), "k").save(&visited(WORTH_CACHING - 1, 1000));
    assert!(!dir.path().join("w.bin").exists());
    cache(dir.path(), "k").save(&visited(WORTH_CACHING, 1000));
    let mut bytes = fs::read(dir.path().join("w.bin")).unwrap();
    bytes.truncate(bytes.len() / 2);
    fs::write(dir.path().join("w.bin"), bytes).unwrap();
    assert!(cache(dir.path(), "k").known.is_empty());
}

/// Walks saving at once each leave a whole file, which reads back.
#[test]
fn concurrent_writers_leave_a_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = visited(WORTH_CACHING, 1000);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..5 {
                    cache(dir.path(), "k").save(&files);
                    let back = cache(dir.path(), "k");
                    assert!(back.known.is_empty() || back.known.len() == WORTH_CACHING);
                }
            });
        }
    });
    assert_eq!(cache(dir.path(), "k").known.len(), WORTH_CACHING);
    let leftovers = fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "temporary files left behind");
}
