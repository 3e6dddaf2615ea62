#!/usr/bin/env python3
"""Reads one tree's suite outputs, asserts what JSON can tell, prints a row.

usage: summarize.py WORK VERSION APPLIED ERRORS WARNINGS CHECKS
Assertions (each failure is printed and makes the exit status 1):
- every module that got a patch builds with no new warnings, or cannot be
  built in this configuration at all (said per module);
- after conversion, no converted module still queues on a system
  workqueue it replaced, except at sites the first run flagged;
- no patch allocates a workqueue that nothing is queued on.
"""
import json
import sys

work, version, applied, errors, warnings, checks = sys.argv[1:7]
scan = json.load(open(f"{work}/scan.json"))
scan2 = json.load(open(f"{work}/scan2.json"))
check = json.load(open(f"{work}/check.json"))
failed = []

modules = scan["modules"]
converted = [m for m in modules if m["changed_files"]]
by_verdict = lambda v: sum(1 for m in modules if m["verdict"] == v)

status = {c["module"] + "@" + c["dir"]: c for c in check}
builds = not_built = fails = 0
for m in converted:
    c = status.get(m["module"] + "@" + m["dir"])
    s = c["status"] if c else "missing"
    if s == "builds":
        builds += 1
    elif s == "not-built":
        # Every converted module must build somewhere: x86-64, i386 or a
        # cross compiler (.ci/run installs them).
        not_built += 1
        failed.append(f"{m['module']}: not built: {c['result']}")
    else:
        fails += 1
        failed.append(f"{m['module']}: build {s}: {c['result'] if c else ''}")

after = {m["module"] + "@" + m["dir"]: m for m in scan2["modules"]}
strategies = {}
for m in converted:
    strategy = (m["strategy"] or "").split(":")[0]
    strategies[strategy] = strategies.get(strategy, 0) + 1
    if m["workqueue"] is None:
        continue  # flush-work / remove-flush: no workqueue was introduced
    replaced = set(m["workqueue"]["replaces"])
    if not any(s["converted"] for s in m["queue_sites"]):
        failed.append(f"{m['module']}: allocates {m['workqueue']['name']}, which nothing is queued on")
    flagged = sum(1 for s in m["queue_sites"] if s["workqueue"] in replaced and not s["converted"])
    later = after.get(m["module"] + "@" + m["dir"])
    left = 0 if later is None else sum(1 for s in later["queue_sites"] if s["workqueue"] in replaced)
    if left > flagged:
        failed.append(f"{m['module']}: {left} queueing calls on {sorted(replaced)} left, {flagged} flagged")

print(f"  {version} strategies applied: {strategies}", file=sys.stderr)
for f in failed:
    print(f"FAIL [{version}]: {f}", file=sys.stderr)
print(f"{version:5} | {len(modules):8} | {len(converted):9} | {by_verdict('needs review'):6} | "
      f"{by_verdict('refused'):7} | {applied:6} | {errors}/{warnings}/{checks:<12} | {builds:6} | "
      f"{not_built:9} | {fails}")
sys.exit(1 if failed else 0)
