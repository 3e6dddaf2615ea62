#!/usr/bin/env python3
"""Compares the mails `b4 send -o` wrote of `localwq apply --b4`'s branches
with the `localwq patches` series: every mail of one has its counterpart
in the other (same subject and RFC prefix, same number in the series), the
same diff (`git patch-id --stable`), localwq's notes below the `---` and
cover-letter prose, and per mail the same set of recipients (the sender
aside: b4 Cc's the Signed-off-by). Which of them are To and which Cc is
counted, not required: b4 Cc's a patch's own trailers. Prints the counts;
exits 1 on any difference.

usage: b4-compare.py PATCHES_DIR B4_DIR SENDER_EMAIL"""

import email
import email.header
import email.policy
import email.utils
import pathlib
import re
import subprocess
import sys

TAG = re.compile(r"^\[([^\]]*)\]\s*(.*)$", re.S)
DIFFSTAT = re.compile(r"^ \S.* \| +\d+ ?[+-]*$|^ \d+ files? changed", re.M)


def parse(path):
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    subject = " ".join(str(msg["Subject"]).split())
    tag, title = TAG.match(subject).groups()
    words = tag.replace(",", " ").split()
    count = next((w for w in words if re.fullmatch(r"\d+/\d+", w)), None)
    number = int(count.split("/")[0]) if count else None
    body = msg.get_payload(decode=True).decode()
    cover = number == 0

    def addrs(header):
        values = [str(v) for v in msg.get_all(header, [])]
        return {a.lower() for _, a in email.utils.getaddresses(values) if a}

    return {
        "file": path.name,
        "rfc": "RFC" in words,
        "count": count,
        "key": ("RFC" in words, None if cover else title),
        "to": addrs("To"),
        "cc": addrs("Cc"),
        "body": body,
    }


def notes(mail):
    """What localwq writes below a patch's `---` before the diffstat, or
    a cover letter's prose before its shortlog."""
    body = mail["body"]
    if mail["key"][1] is None:
        return re.split(r"^\S.* \(\d+\):$", body, maxsplit=1, flags=re.M)[0].strip()
    below = body.split("\n---\n", 1)[1] if "\n---\n" in body else ""
    return DIFFSTAT.split(below, maxsplit=1)[0].strip()


def patch_id(mail):
    out = subprocess.run(
        ["git", "patch-id", "--stable"],
        input=mail["body"].encode(),
        capture_output=True,
        check=True,
    ).stdout.split()
    return out[0].decode() if out else None


def main():
    ours_dir, b4_dir, sender = sys.argv[1:4]
    sender = sender.lower()
    ours = {m["key"]: m for m in map(parse, sorted(pathlib.Path(ours_dir).glob("*.patch")))}
    theirs = {m["key"]: m for m in map(parse, sorted(pathlib.Path(b4_dir).rglob("*.eml")))}
    problems = []
    for key in sorted(set(ours) ^ set(theirs), key=str):
        side = "localwq" if key in ours else "b4"
        other = "b4" if key in ours else "localwq"
        mail = (ours if key in ours else theirs)[key]
        problems.append(f"{mail['file']} ({side}) has no counterpart in {other}'s series")
    pairs = [(ours[k], theirs[k]) for k in ours if k in theirs]
    same = {"numbered": 0, "notes": 0, "recipients": 0, "to": 0, "diff": 0}
    for mine, b4 in pairs:
        name = mine["file"]
        if mine["count"] == b4["count"]:
            same["numbered"] += 1
        else:
            problems.append(f"{name}: numbered {mine['count']} in localwq, {b4['count']} in b4")
        if not notes(mine):
            pass
        elif notes(mine) in b4["body"]:
            same["notes"] += 1
        else:
            problems.append(f"{name}: b4's mail lacks localwq's notes:\n{notes(mine)}")
        b4_all = (b4["to"] | b4["cc"]) - {sender}
        mine_all = mine["to"] | mine["cc"]
        if mine_all == b4_all:
            same["recipients"] += 1
        else:
            problems.append(
                f"{name}: recipients only localwq has {sorted(mine_all - b4_all)}, "
                f"only b4 has {sorted(b4_all - mine_all)}"
            )
        if mine["to"] == b4["to"]:
            same["to"] += 1
        if mine["key"][1] is not None:
            if patch_id(mine) == patch_id(b4):
                same["diff"] += 1
            else:
                problems.append(f"{name}: the diff differs (git patch-id --stable)")
    patches = sum(1 for m, _ in pairs if m["key"][1] is not None)
    noted = sum(1 for m, _ in pairs if notes(m))
    print(
        f"b4 round trip: {len(ours)} localwq mails, {len(theirs)} b4 mails; of {len(pairs)} "
        f"matched: numbered alike {same['numbered']}, notes kept {same['notes']}/{noted}, "
        f"same recipients {same['recipients']} (same To {same['to']}), same diff "
        f"{same['diff']}/{patches} patches"
    )
    for problem in problems:
        print(f"b4 round trip: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
