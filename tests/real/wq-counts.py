#!/usr/bin/env python3
"""Queue sites per system workqueue: what `localwq scan --all --json` found
against a regex count of the calls in the tree's .c files.

usage: wq-counts.py TREE SCAN_JSON [TOLERANCE]   (default 0.10)

The regex counts calls that name a system workqueue as their workqueue
argument, and schedule_*() calls for the workqueue `localwq facts` says they
act on. It skips what localwq skips (Documentation, tools, scripts, usr,
comments are not removed: the tolerance absorbs them). Exits 1 when a
workqueue's count differs by more than the tolerance (and by more than 3)."""
import collections, json, os, re, subprocess, sys

tree, scan_json = sys.argv[1], sys.argv[2]
tolerance = float(sys.argv[3]) if len(sys.argv) > 3 else 0.10
here = os.path.dirname(os.path.abspath(__file__))
localwq = os.path.join(here, "..", "..", "target", "release", "localwq")

facts = subprocess.run([localwq, "facts", tree], capture_output=True, text=True, check=True).stdout
implied = dict(re.findall(r"^(schedule_\w+)\s+acts on (\w+)", facts, re.M))
system = re.findall(r"^(system_\w+)\s", facts, re.M)

explicit_apis = ["queue_work", "queue_work_on", "queue_work_node", "queue_delayed_work",
                 "queue_delayed_work_on", "mod_delayed_work", "mod_delayed_work_on",
                 "queue_rcu_work", "enable_and_queue_work"]
explicit = re.compile(r"\b(?:%s)\s*\(\s*(?:[^,()]+,\s*)?(system_\w+)\s*," % "|".join(explicit_apis))
implied_re = re.compile(r"\b(%s)\s*\(" % "|".join(map(re.escape, implied)))
definition = re.compile(r"^(static inline |extern |#define )")

regex = collections.Counter()
for top, dirs, files in os.walk(tree):
    if top == tree:
        dirs[:] = [d for d in dirs if d not in (".git", "Documentation", "tools", "scripts", "usr")]
    for name in files:
        if not name.endswith(".c"):
            continue
        text = open(os.path.join(top, name), errors="replace").read()
        if "system_wq = alloc_workqueue" in text:
            continue  # the implementation itself, which localwq leaves out
        for wq in explicit.findall(text):
            if wq in system:
                regex[wq] += 1
        for api in implied_re.findall(text):
            regex[implied[api]] += 1

# A site in a header several modules include (netfilter's
# ip_set_hash_gen.h, a template each ipset module instantiates) is one
# site of each module: counted once here, as the regex counts text.
found = collections.Counter()
seen = set()
for module in json.load(open(scan_json))["modules"]:
    for site in module["queue_sites"]:
        key = (site["file"], site["line"], site["workqueue"])
        if key not in seen:
            seen.add(key)
            found[site["workqueue"]] += 1

failed = False
print(f"{'system workqueue':38} {'localwq':>8} {'regex':>8} {'ratio':>6}")
for wq in system:
    a, b = found[wq], regex[wq]
    ratio = a / b if b else (1.0 if a == 0 else float("inf"))
    bad = abs(a - b) > 3 and abs(1 - ratio) > tolerance
    failed |= bad
    print(f"{wq:38} {a:8} {b:8} {ratio:6.2f}{'  <-- outside tolerance' if bad else ''}")
print(f"{'all':38} {sum(found.values()):8} {sum(regex.values()):8}")
sys.exit(1 if failed else 0)
