#!/usr/bin/env python3
"""Reads dkms.sh's outputs, asserts what they tell, prints the table.

usage: dkms-summary.py RUNS
RUNS has one line per package, kernel and module directory: package,
kernel, directory (relative to the package's source), the package's source
and the outputs' prefix (`.scan.json`, `.check.json`; `.parsed` for the
package's first directory: examples/parsed over all its C files).
Assertions (each failure is printed and makes the exit status 1):
- every file of the directory whose code (comments left out) holds a flush
  needle is listed: a flush site, a flag, a redefinition or a call in a
  branch not compiled for the kernel; never missed, never an orphan;
- every module converted that builds before conversion builds after with
  no new warning (one that does not build before is counted, not failed).
"""
import collections
import json
import os
import re
import sys

NEEDLE = re.compile(rb"\b(flush_scheduled_work\s*\(|_?_?flush_workqueue\s*\(\s*system_)")
COMMENT = re.compile(rb"/\*.*?\*/|//[^\n]*", re.S)

failed = []


def fail(what):
    print(f"FAIL [dkms]: {what}", file=sys.stderr)
    failed.append(what)


def needle_files(top):
    """Files under `top` (relative to it) whose code names a flush."""
    found = []
    for dirpath, _, names in os.walk(top):
        for name in names:
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            if NEEDLE.search(COMMENT.sub(b" ", open(path, "rb").read())):
                found.append(os.path.relpath(path, top))
    return sorted(found)


def listed_files(scan):
    """Files the scan names a flush or a finding in."""
    files = set()
    for m in scan["modules"]:
        files.update(s["file"] for s in m["flush_sites"])
        files.update(f["file"] for f in m["flags"])
        files.update(r["file"] for r in m.get("redefinitions", []))
        files.update(c.split(":")[0] for c in m.get("dead_branch_calls", []))
    return files


def check_needles(package, kernel, top, scan):
    listed = listed_files(scan)
    orphans = {o["file"]: o["reason"] for o in scan["orphans"]}
    for path in needle_files(top):
        if path in orphans:
            fail(f"{package} on {kernel}: {path} flushes and is called an orphan: {orphans[path]}")
        elif path not in listed:
            fail(f"{package} on {kernel}: {path} flushes and is not listed")


def builds(package, kernel, check):
    """(built before, built after, converted) over the check's rows."""
    before = after = 0
    check = [row for row in check if row["status"] != "not-converted"]
    for row in check:
        status = row["status"]
        if status == "not-built":
            continue
        before += 1
        if status == "builds":
            after += 1
        else:
            fail(f"{package} {row['module']} on {kernel}: built before, {row['result']}")
    return before, after, len(check)


def parsed_share(path):
    """`parsed/total` from examples/parsed's output."""
    match = re.search(r"(\d+)/(\d+) workqueue calls parsed", open(path).read())
    return (int(match[1]), int(match[2])) if match else (0, 0)


def main():
    rows = collections.OrderedDict()
    for line in open(sys.argv[1]):
        package, kernel, directory, root, out = line.rstrip("\n").split("\t")
        scan = json.load(open(f"{out}.scan.json"))
        check = json.load(open(f"{out}.check.json"))
        check_needles(package, kernel, os.path.join(root, directory), scan)
        row = rows.setdefault((package, kernel), collections.Counter())
        for m in scan["modules"]:
            row["flushes"] += len(m["flush_sites"])
            row["queues"] += len(m["queue_sites"])
            row["verdict:" + m["verdict"]] += 1
        row["orphans"] += len(scan["orphans"])
        if os.path.exists(f"{out}.parsed"):
            row["parsed"], row["calls"] = parsed_share(f"{out}.parsed")
        before, after, converted = builds(package, kernel, check)
        row["before"] += before
        row["after"] += after
        row["checked"] += converted
    print()
    print("package                | kernel | flush sites | queue sites | parsed | outcome"
          " | built before/after")
    totals = collections.Counter()
    for (package, kernel), row in rows.items():
        totals.update(row)
        verdicts = ", ".join(f"{n} {k[8:]}" for k, n in sorted(row.items())
                             if k.startswith("verdict:")) or "nothing to report"
        if row["orphans"]:
            verdicts += f", {row['orphans']} orphan(s)"
        no_build = row["checked"] - row["before"]
        built = f"{row['before']}/{row['after']}" + (
            f" ({no_build} did not build before)" if no_build else "")
        print(f"{package:<22} | {kernel:<6} | {row['flushes']:>11} | {row['queues']:>11} | "
              f"{row['parsed']:>2}/{row['calls']:<3} | {verdicts} | {built}")
    share = 100 * totals["parsed"] / max(totals["calls"], 1)
    print(f"workqueue calls parsed: {totals['parsed']}/{totals['calls']} ({share:.1f}%); "
          f"built before/after: {totals['before']}/{totals['after']} of {totals['checked']} converted")
    sys.exit(1 if failed else 0)


main()
