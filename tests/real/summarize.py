#!/usr/bin/env python3
"""Reads one tree's suite outputs, asserts what JSON can tell, prints a row.

usage: summarize.py WORK VERSION APPLIED ERRORS WARNINGS CHECKS
Assertions (each failure is printed and makes the exit status 1):
- every module that got a patch builds with no new warnings, or cannot be
  built in this configuration at all (said per module);
- after conversion, no converted module still queues on a system
  workqueue it replaced, except at sites the first run flagged;
- no patch allocates a workqueue that nothing is queued on;
- a module whose flush waits for work another module queues (Step 0 says
  workqueue-in-provider, or a work-from-provider / work-from-dependents
  flag) is never "convertible" on its own: only as part of a patch across
  modules (`shared`), whose owner has the patch; after conversion no member
  still queues on a system workqueue the shared one replaced, except at
  sites the first run flagged;
- every flush site in the JSON has `waits_for` (the wait model), and no
  converted module deletes or replaces a flush while an entry of its
  `waits_for` is a callback or a dependent's work that nothing else waits
  for (a wait deleted that matters).
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

# The wait model: every flush has its set; no conversion drops a wait on
# a callback or a dependent's work that nothing else waits for.
for m in modules:
    for site in m["flush_sites"]:
        if "waits_for" not in site:
            failed.append(f"{m['module']}: flush {site['file']}:{site['line']} has no waits_for")
            continue
        if not m["changed_files"] or (m.get("shared") or {}).get("kind") == "family-wq":
            continue
        for wait in site["waits_for"]:
            if wait["reach"] in ("callback", "dependent") and wait["waited_before"] is None:
                failed.append(f"{m['module']}: converted while {site['file']}:{site['line']} "
                              f"still waits for {wait['item']}")

# Patches across modules: each member's owner has the patch, and the
# members' queueing moved too.
names = {m["module"] + "@" + m["dir"]: m for m in modules}
owners = {m["module"]: m for m in converted if m.get("shared")}
shared_rows = []
for m in modules:
    shared = m.get("shared")
    waits_elsewhere = m["recommended"] == "workqueue-in-provider" or any(
        f["kind"] in ("work-from-provider", "work-from-dependents") for f in m["flags"])
    if m["verdict"] == "convertible" and waits_elsewhere and not shared:
        failed.append(f"{m['module']}: convertible while its flush waits for other modules' work")
    if not shared or m["workqueue"]:
        continue
    owner = owners.get(shared["owner"])
    if owner is None:
        failed.append(f"{m['module']}: in {shared['owner']}'s patch, which was not written")
        continue
    replaced = set(owner["workqueue"]["replaces"])
    flagged = sum(1 for s in m["queue_sites"] if s["workqueue"] in replaced and not s["converted"])
    later = after.get(m["module"] + "@" + m["dir"])
    left = 0 if later is None else sum(1 for s in later["queue_sites"] if s["workqueue"] in replaced)
    if left > flagged:
        failed.append(f"{m['module']}: {left} queueing calls on {sorted(replaced)} left after "
                      f"{shared['owner']}'s patch, {flagged} flagged")
for name, m in sorted(owners.items()):
    shared_rows.append(f"{m['shared']['kind']} {name} ({', '.join(m['shared']['members'])})")
print(f"  {version} patches across modules: {'; '.join(shared_rows) or 'none'}", file=sys.stderr)
print(f"  {version} strategies applied: {strategies}", file=sys.stderr)
for f in failed:
    print(f"FAIL [{version}]: {f}", file=sys.stderr)
print(f"{version:5} | {len(modules):8} | {len(converted):9} | {by_verdict('needs review'):6} | "
      f"{by_verdict('refused'):7} | {applied:6} | {errors}/{warnings}/{checks:<12} | {builds:6} | "
      f"{not_built:9} | {fails}")
sys.exit(1 if failed else 0)
