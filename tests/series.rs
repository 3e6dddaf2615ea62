//! The patch series: snapshots of every mail, and a round trip through
//! `git am` that must land on the same tree as `localwq apply`.

mod common;

use localwq::patch::{apply_series, build_series, ExtraRecipients, Mail, SeriesOptions};
use localwq::{Outcome, Session};
use std::path::Path;
use std::process::Command;

const IDENTITY: &str = "Dev Eloper <dev@example.org>";
const DATE: i64 = 1_795_431_845;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", "@1795431845 +0000")
        .env("GIT_COMMITTER_DATE", "@1795431845 +0000")
        .env("GIT_AUTHOR_NAME", "Fixture")
        .env("GIT_AUTHOR_EMAIL", "fixture@example.org")
        .env("GIT_COMMITTER_NAME", "Fixture")
        .env("GIT_COMMITTER_EMAIL", "fixture@example.org")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A git repository holding a copy of the fixture in one commit.
fn repository(case: &str) -> tempfile::TempDir {
    let dir = common::copy_case(case);
    git(dir.path(), &["init", "-q", "-b", "master"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "fixture"]);
    dir
}

fn outcomes(root: &Path) -> Vec<Outcome> {
    let session = Session::open(root).unwrap();
    let modules = session.select(&[]).unwrap().modules;
    modules.iter().map(|m| session.convert(m)).collect()
}

fn options() -> SeriesOptions {
    SeriesOptions {
        identity: IDENTITY.into(),
        subject_prefix: "PATCH".into(),
        version: None,
        cover_letter: None,
        unix_time: DATE,
        thread: false,
        tested: Default::default(),
    }
}

fn series_mails(root: &Path) -> Vec<Mail> {
    build_series(
        root,
        &outcomes(root),
        &options(),
        &ExtraRecipients::default(),
    )
    .unwrap()
}

#[test]
fn series_snapshot() {
    let repo = repository("series");
    let mails = series_mails(repo.path());
    let names: Vec<&str> = mails.iter().map(|m| m.file_name.as_str()).collect();
    insta::assert_snapshot!("series-files@series", names.join("\n"));
    for mail in &mails {
        let text = String::from_utf8(mail.bytes.clone()).unwrap();
        insta::assert_snapshot!(
            format!(
                "mail@series-{}",
                &mail.file_name[..mail.file_name.len() - 6]
            ),
            text
        );
    }
}

#[test]
fn git_am_lands_on_the_tree_apply_commits() {
    let repo = repository("series");
    let mails = series_mails(repo.path());
    let patches = tempfile::tempdir().unwrap();
    let mut numbered = Vec::new();
    for mail in &mails {
        let path = patches.path().join(&mail.file_name);
        std::fs::write(&path, &mail.bytes).unwrap();
        if !mail.file_name.contains("cover-letter") {
            numbered.push(path.display().to_string());
        }
    }
    let clone = tempfile::tempdir().unwrap();
    let clone_path = clone.path().join("tree");
    git(
        repo.path(),
        &["clone", "-q", ".", clone_path.to_str().unwrap()],
    );
    let mut am = vec!["am", "-q"];
    am.extend(numbered.iter().map(String::as_str));
    git(&clone_path, &am);

    apply_series(
        repo.path(),
        &outcomes(repo.path()),
        IDENTITY,
        DATE,
        "localwq",
    )
    .unwrap();
    assert_eq!(
        git(repo.path(), &["rev-parse", "--abbrev-ref", "HEAD"]),
        "localwq"
    );
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "");
    let applied = git(repo.path(), &["rev-parse", "HEAD^{tree}"]);
    let mailed = git(&clone_path, &["rev-parse", "HEAD^{tree}"]);
    assert_eq!(applied, mailed, "git am and apply disagree");
    assert_ne!(applied, git(repo.path(), &["rev-parse", "master^{tree}"]));
}

#[test]
fn apply_refuses_a_dirty_tree() {
    let repo = repository("series");
    std::fs::write(repo.path().join("drivers/foo/foo.c"), "edited\n").unwrap();
    let err = apply_series(
        repo.path(),
        &outcomes(repo.path()),
        IDENTITY,
        DATE,
        "localwq",
    )
    .expect_err("refused");
    assert!(err.to_string().contains("uncommitted changes"), "{err}");
}

/// The fixture with history: foo.c's own commits use `misc: foo-drv - `
/// with a lower-case summary (two of three), bar.c's none.
fn repository_with_history() -> tempfile::TempDir {
    let repo = repository("series");
    let file = repo.path().join("drivers/foo/foo.c");
    for subject in [
        "misc: foo-drv - fix a comment",
        "foo: Old style once",
        "misc: foo-drv - tidy up",
    ] {
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str(&format!("/* {subject} */\n"));
        std::fs::write(&file, text).unwrap();
        git(repo.path(), &["commit", "-q", "-am", subject]);
    }
    repo
}

#[test]
fn subject_prefixes_come_from_history_when_there_is_one() {
    let repo = repository_with_history();
    let subjects: Vec<String> = series_mails(repo.path())
        .iter()
        .map(|mail| {
            let text = String::from_utf8_lossy(&mail.bytes).into_owned();
            let start = text.find("Subject: ").unwrap();
            let mut lines = text[start..].lines();
            let mut subject = lines.next().unwrap().to_string();
            for more in lines.take_while(|l| l.starts_with(' ')) {
                subject.push_str(more);
            }
            subject
        })
        .collect();
    insta::assert_snapshot!("subjects@series-history", subjects.join("\n"));
}

/// A non-git copy of the fixture, `-v 2 --thread --cover-letter`, a
/// sender whose name is not ASCII: the ready patch and the RFC as two
/// series, file names, threading headers, MIME headers and the cover
/// letters' blank line before `-- `.
#[test]
fn threaded_second_version_from_a_tree_without_git() {
    let tree = common::copy_case("series");
    let options = SeriesOptions {
        identity: "Jörg Rödel <joerg@example.org>".into(),
        version: Some(2),
        thread: true,
        cover_letter: Some(true),
        // What `--build-check` hands over: shown below foo's `---`.
        tested: [(
            ("drivers/foo".into(), "foo".to_string()),
            "Build-tested: built for x86_64 with allmodconfig: no new warnings.".to_string(),
        )]
        .into(),
        ..options()
    };
    let mails = build_series(
        tree.path(),
        &outcomes(tree.path()),
        &options,
        &ExtraRecipients::default(),
    )
    .unwrap();
    let names: Vec<&str> = mails.iter().map(|m| m.file_name.as_str()).collect();
    insta::assert_snapshot!("series-files@series-v2", names.join("\n"));
    for mail in &mails {
        let text = String::from_utf8(mail.bytes.clone()).unwrap();
        insta::assert_snapshot!(
            format!(
                "mail@series-{}",
                &mail.file_name[..mail.file_name.len() - 6]
            ),
            text
        );
    }
}

/// Flags decided from evidence: WQ_MEM_RECLAIM for work queued from a
/// blk_mq_ops .queue_rq (the evidence below the `---`), system_unbound_wq's
/// max_active kept, and for a module whose other workqueue has the flag
/// for other work, nothing added and nothing asked.
#[test]
fn workqueue_flags_are_decided_and_said() {
    let repo = repository("wq_flags");
    let mails = series_mails(repo.path());
    for mail in &mails {
        let text = String::from_utf8(mail.bytes.clone()).unwrap();
        let message = text.split("\n---\n").next().unwrap();
        assert!(!message.contains("if this work"), "{message}");
        insta::assert_snapshot!(
            format!(
                "mail@wq_flags-{}",
                &mail.file_name[..mail.file_name.len() - 6]
            ),
            text
        );
    }
    let all: String = mails
        .iter()
        .map(|m| String::from_utf8_lossy(&m.bytes).into_owned())
        .collect();
    assert!(all.contains("WQ_MEM_RECLAIM: foo_queue_rq()"), "{all}");
    assert!(all.contains("WQ_UNBOUND, WQ_UNBOUND_MAX_ACTIVE"), "{all}");
}

/// Modules built together under one option that each only lose a flush go
/// out as one patch, a paragraph per distinct reason; a module of another
/// option keeps its own patch, and so do modules under one option whose
/// names start with too many different words; `git am` takes the series.
#[test]
fn sibling_flush_removals_go_in_one_patch() {
    let repo = repository("siblings");
    let mails = series_mails(repo.path());
    let names: Vec<&str> = mails.iter().map(|m| m.file_name.as_str()).collect();
    insta::assert_snapshot!("series-files@siblings", names.join("\n"));
    let group = mails
        .iter()
        .find(|m| m.file_name.contains("-zork-"))
        .expect("one patch for the zork siblings");
    let text = String::from_utf8(group.bytes.clone()).unwrap();
    for file in ["zork_btemp.c", "zork_charger.c", "zork_fg.c"] {
        assert!(
            text.contains(&format!("+++ b/drivers/pmic/{file}")),
            "{text}"
        );
    }
    assert!(!text.contains("zork_led.c"), "{text}");
    for demo in ["alpha", "beta", "gamma", "delta"] {
        assert!(
            names.iter().any(|n| n.contains(&format!("-{demo}-Remove"))),
            "{names:?}"
        );
    }
    insta::assert_snapshot!("mail@siblings-group", text);
    let cover = String::from_utf8(mails[0].bytes.clone()).unwrap();
    insta::assert_snapshot!("mail@siblings-cover", cover);
    let patches = tempfile::tempdir().unwrap();
    let mut numbered = Vec::new();
    for mail in mails.iter().skip(1) {
        let path = patches.path().join(&mail.file_name);
        std::fs::write(&path, &mail.bytes).unwrap();
        numbered.push(path.display().to_string());
    }
    let mut am = vec!["am", "-q"];
    am.extend(numbered.iter().map(String::as_str));
    git(repo.path(), &am);
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "");
}

/// A patch across modules says, below its `---`, that each flush of the
/// shared workqueue also waits for the other modules' work on it: each
/// module's wait notes show only its own code's view.
#[test]
fn a_family_patch_says_its_flushes_wait_for_the_members_work() {
    let repo = repository("family");
    let session = Session::open(repo.path()).unwrap();
    let modules = session.select(&[]).unwrap().modules;
    let outcomes = session.share(modules.iter().map(|m| session.convert(m)).collect());
    let mails = build_series(
        repo.path(),
        &outcomes,
        &options(),
        &ExtraRecipients::default(),
    )
    .unwrap();
    let all: String = mails
        .iter()
        .map(|m| String::from_utf8_lossy(&m.bytes).into_owned())
        .collect();
    let notes = all.split("\n---\n").nth(1).unwrap_or_default();
    let words: Vec<&str> = notes.split_whitespace().collect();
    assert!(
        words
            .join(" ")
            .contains("also waits for the work the other modules of this patch put on it"),
        "{all}"
    );
}
