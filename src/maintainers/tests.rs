//! Sections, their order and the mailmap, on small MAINTAINERS texts.

use super::*;

const TEXT: &str = "\
THE REST
M:\tLinus Torvalds <torvalds@linux-foundation.org>
S:\tBuried alive in reporters
L:\tlinux-kernel@vger.kernel.org
F:\t*
F:\t*/

ATA OVER ETHERNET (AOE) DRIVER
M:\tJustin Sanders <justin@coraid.com>
S:\tSupported
F:\tdrivers/block/aoe/

INPUT (KEYBOARD, MOUSE, JOYSTICK, TOUCHSCREEN) DRIVERS
M:\tDmitry Torokhov <dmitry.torokhov@gmail.com>
L:\tlinux-input@vger.kernel.org (moderated)
F:\tdrivers/input/
X:\tdrivers/input/misc/

CRYPTO
F:\tdrivers/crypto/atmel-*.c
R:\tTudor <tudor@example.org>
";

#[test]
fn subtree_patterns_and_exclusions() {
    let m = Maintainers::parse(TEXT, |_| false);
    let r = m.recipients(&[Path::new("drivers/input/mouse/psmouse-smbus.c")], b"");
    assert_eq!(r.to, ["Dmitry Torokhov <dmitry.torokhov@gmail.com>"]);
    assert_eq!(
        r.cc,
        [
            "linux-input@vger.kernel.org",
            "linux-kernel@vger.kernel.org"
        ]
    );
    assert!(!r.to.iter().any(|p| p.contains("Linus")));
    let misc = m.recipients(&[Path::new("drivers/input/misc/x.c")], b"");
    assert!(misc.to.is_empty());
}

#[test]
fn sections_name_the_subsystems_of_a_file() {
    let m = Maintainers::parse(TEXT, |_| false);
    assert_eq!(
        m.sections_of(Path::new("drivers/input/mouse/psmouse.c")),
        ["INPUT (KEYBOARD, MOUSE, JOYSTICK, TOUCHSCREEN) DRIVERS"]
    );
    assert!(m
        .sections_of(Path::new("drivers/input/misc/x.c"))
        .is_empty());
}

#[test]
fn globs_keep_to_their_directory_depth() {
    let m = Maintainers::parse(TEXT, |_| false);
    assert_eq!(
        m.recipients(&[Path::new("drivers/crypto/atmel-ecc.c")], b"")
            .to
            .len(),
        1
    );
    assert!(m
        .recipients(&[Path::new("drivers/crypto/x/atmel-ecc.c")], b"")
        .to
        .is_empty());
}

const ORDERED: &str = "\
THE REST
M:\tLinus Torvalds <torvalds@linux-foundation.org>
S:\tBuried alive in reporters
L:\tlinux-kernel@vger.kernel.org
F:\t*
F:\t*/

ARM/Microchip (AT91) SoC support
M:\tNic Fer <nic@example.org>
L:\tlinux-arm-kernel@lists.infradead.org (moderated for non-subscribers)
N:\tat91
N:\tatmel

BLOCK LAYER
M:\tJens <jens@example.org>
L:\tlinux-block@vger.kernel.org
F:\tdrivers/block/

RNBD BLOCK DRIVERS
M:\tDan <dan@example.org>
M:\tJason Gunthorpe <jgg@nvidia.com>
L:\tlinux-block@vger.kernel.org
L:\tsecret@example.org (subscribers-only)
F:\tdrivers/block/rnbd/

PIDFD API
M:\tChris <chris@example.org>
K:\t(?i)pidfd
";

#[test]
fn deeper_patterns_first_then_name_regexes_then_keywords_through_the_mailmap() {
    let m = Maintainers::parse(ORDERED, |_| false).with_mailmap(Mailmap::parse(
        "Jason Gunthorpe <jgg@ziepe.ca> <jgg@nvidia.com>\n",
    ));
    let r = m.recipients(
        &[Path::new("drivers/block/rnbd/atmel-x.c")],
        b"Subject: add pidfd\n",
    );
    assert_eq!(
        r.to,
        [
            "Dan <dan@example.org>",
            "Jason Gunthorpe <jgg@ziepe.ca>",
            "Jens <jens@example.org>",
            "Nic Fer <nic@example.org>",
            "Chris <chris@example.org>"
        ]
    );
    assert_eq!(
        r.cc,
        [
            "linux-block@vger.kernel.org",
            "linux-arm-kernel@lists.infradead.org",
            "linux-kernel@vger.kernel.org"
        ]
    );
}

#[test]
fn directories_named_without_a_slash_take_their_subtree() {
    let text = "X DRIVER\nM:\tX <x@example.org>\nF:\tdrivers/x\n";
    let as_dir = Maintainers::parse(text, |p| p == "drivers/x");
    assert_eq!(
        as_dir
            .recipients(&[Path::new("drivers/x/sub/a.c")], b"")
            .to
            .len(),
        1
    );
    let as_file = Maintainers::parse(text, |_| false);
    assert!(as_file
        .recipients(&[Path::new("drivers/x/sub/a.c")], b"")
        .to
        .is_empty());
}

#[test]
fn a_glob_is_tried_only_on_files_with_its_literal_start() {
    let special = ['*', '?', '[', '{', '|'];
    assert_eq!(
        literal_prefix("drivers/net/*/foo.c", &special),
        "drivers/net/"
    );
    assert_eq!(
        literal_prefix("include/linux/ab{0,1}c", &special),
        "include/linux/a"
    );
    assert_eq!(literal_prefix("a/b|c/d", &special), "");
    let (pattern, _) = file_pattern("drivers/*/x.c", &|_| false);
    assert!(!pattern.is_match("fs/a/x.c"));
    assert!(
        pattern.regex.get().is_none(),
        "compiled for a file it cannot match"
    );
    assert!(pattern.is_match("drivers/a/x.c"));
}

#[test]
fn a_wildcard_glob_matches_as_its_regex_does() {
    let globs = [
        "drivers/*/x.c",
        "*/foo/*",
        "a?c",
        "a*b*c",
        "*",
        "**x",
        "d/*.h",
        "x?",
        "a*",
        "drivers/net/*/",
        "*mlx*",
        "ab*?c",
    ];
    let files = [
        "drivers/a/x.c",
        "drivers/a/b/x.c",
        "drivers/x.c",
        "x/foo/y",
        "foo/y",
        "abc",
        "abbc",
        "axbyc",
        "ac",
        "",
        "x",
        "xx",
        "d/e.h",
        "d/e/f.h",
        "d/eh",
        "drivers/net/a/b.c",
        "drivers/net/a",
        "net/mlx5/a.c",
        "abxc",
        "abc/d",
        "é/x.c",
        "drivers/é/x.c",
    ];
    for glob in globs {
        let (pattern, _) = file_pattern(glob, &|_| false);
        assert!(pattern.wildcards, "{glob}");
        let regex = regex::Regex::new(&format!("^{}", pattern.glob())).unwrap();
        for file in files {
            assert_eq!(
                glob_matches_start(&pattern.glob_chars(), file),
                regex.is_match(file),
                "{glob} on {file}"
            );
        }
    }
}
