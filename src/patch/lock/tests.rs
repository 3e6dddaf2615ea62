use super::*;

/// A pid no process has: over 2^22, the most Linux gives.
const NO_PID: u32 = 4_194_305;

/// A lock as `holder` would have written it.
fn plant(git_dir: &Path, holder: &Holder) {
    std::fs::write(git_dir.join(LOCK), holder.render()).unwrap();
}

fn lock_text(git_dir: &Path) -> String {
    std::fs::read_to_string(git_dir.join(LOCK)).unwrap()
}

fn refusal(git_dir: &Path) -> String {
    format!("{:#}", ApplyLock::take(git_dir).err().expect("refused"))
}

#[test]
fn the_lock_is_taken_and_dropping_it_releases_it() {
    let dir = tempfile::tempdir().unwrap();
    let lock = ApplyLock::take(dir.path()).unwrap();
    assert_eq!(lock_text(dir.path()), Holder::me().render());
    assert_eq!(lock.took_over, None);
    drop(lock);
    assert!(!dir.path().join(LOCK).exists());
    drop(ApplyLock::take(dir.path()).expect("free again"));
    assert!(!dir.path().join(LOCK).exists());
}

#[test]
fn a_second_take_is_refused_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let _held = ApplyLock::take(dir.path()).unwrap();
    assert_eq!(
        refusal(dir.path()),
        format!(
            "another localwq apply is running (pid {}): wait for it to finish",
            std::process::id()
        )
    );
    assert_eq!(lock_text(dir.path()), Holder::me().render(), "kept");
}

#[test]
fn a_lock_is_stale_once_its_process_has_ended() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .unwrap();
    let pid = child.id();
    let holder = Holder {
        pid,
        start: start_time(pid),
        host: host(),
    };
    plant(dir.path(), &holder);
    assert!(refusal(dir.path()).contains(&format!("(pid {pid})")));
    child.kill().unwrap();
    child.wait().unwrap();
    let lock = ApplyLock::take(dir.path()).expect("taken over");
    assert_eq!(lock.took_over, Some(holder));
    assert_eq!(lock_text(dir.path()), Holder::me().render());
}

#[test]
fn a_pid_no_process_has_or_one_given_to_another_is_stale() {
    let me = Holder::me();
    let reused = Holder {
        start: Some(me.start.expect("/proc/self/stat") + 1),
        ..me.clone()
    };
    let absent = Holder {
        pid: NO_PID,
        ..me.clone()
    };
    for holder in [reused, absent] {
        let dir = tempfile::tempdir().unwrap();
        plant(dir.path(), &holder);
        let lock = ApplyLock::take(dir.path()).expect("taken over");
        assert_eq!(lock.took_over, Some(holder));
        let aside = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(aside, 1, "only the new lock is left");
    }
}

#[test]
fn a_lock_from_another_host_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let holder = Holder {
        host: "elsewhere.invalid".into(),
        ..Holder::me()
    };
    plant(dir.path(), &holder);
    let err = refusal(dir.path());
    assert!(err.contains("held by pid"), "{err}");
    assert!(err.contains("on host elsewhere.invalid"), "{err}");
    assert_eq!(lock_text(dir.path()), holder.render());
}

#[test]
fn a_lock_that_cannot_be_read_is_refused_naming_the_file() {
    for text in [
        "",
        "garbage\n",
        "localwq apply lock 1\npid 0\nstart -\nhost h\n",
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LOCK), text).unwrap();
        let err = refusal(dir.path());
        let named = dir.path().join(LOCK).display().to_string();
        assert!(err.starts_with(&named), "{err}");
        assert!(err.contains("remove it and run again"), "{err}");
        assert_eq!(lock_text(dir.path()), text, "left for the user");
    }
}

#[test]
fn a_lock_reads_back_as_written_and_not_before_it_is_whole() {
    let holder = Holder {
        pid: 42,
        start: None,
        host: "h".into(),
    };
    let text = holder.render();
    assert_eq!(Holder::parse(text.as_bytes()), Some(holder));
    for end in 0..text.len() {
        assert_eq!(Holder::parse(&text.as_bytes()[..end]), None, "{end}");
    }
}

#[test]
fn the_stat_fields_follow_a_command_name_with_spaces() {
    let stat = "77 (a (b) c) S 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9876 1 2";
    let fields = stat_fields(stat);
    assert_eq!(fields[0], "S");
    assert_eq!(fields[19], "9876");
}
