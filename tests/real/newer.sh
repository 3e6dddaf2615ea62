#!/usr/bin/env bash
# Kernels after 6.1 and out-of-tree modules, called by suite.sh.
#   usage: newer.sh LOCALWQ CACHE TREE_5_10 BUILD_6_1 TREE_6_12 TREE_7_2
# - 6.12 and 7.2: `localwq facts` must read every system workqueue from the
#   tree, and `scan --all` must find the queue sites of each within 10 % of
#   a regex count (wq-counts.py).
# - Out of tree: every 5.10 flushing module whose files sit in one
#   directory is copied out with a Makefile of its own, as DKMS packages
#   write them (`ifneq ($(KERNELRELEASE),)` around the Kbuild part); those whose
#   unconverted copy builds against 6.1 (`make -C BUILD M=dir`) are
#   converted with --kernel: `check` must build them with no new warning,
#   `apply` must commit in the copy's git repository and a second run must
#   change nothing. Against 7.2, a local workqueue must be allocated with
#   WQ_PERCPU or WQ_UNBOUND.
# Prints one line per check; exits non-zero on any failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
localwq=$1 cache=$2 tree510=$3 build61=$4 tree612=$5 tree72=$6
failures=0
fail() { echo "FAIL [newer]: $1" >&2; failures=$((failures + 1)); }

for pair in "6.12 $tree612" "7.2 $tree72"; do
	read -r version tree <<<"$pair"
	work=$cache/work-$version
	rm -rf "$work" && mkdir -p "$work"
	"$localwq" facts "$tree" > "$work/facts.txt"
	grep -q '^note:' "$work/facts.txt" && fail "$version: facts not all from the tree"
	"$localwq" scan "$tree" --all --json > "$work/scan.json"
	echo "== $version: queue sites per system workqueue (localwq vs regex)"
	python3 "$here/wq-counts.py" "$tree" "$work/scan.json" 0.10 ||
		fail "$version: sites per workqueue outside 10 % of the regex count"
done

oot=$cache/work-oot
rm -rf "$oot" && mkdir -p "$oot"
python3 - "$cache/work-5.10/scan.json" "$tree510" "$oot" <<'PY'
import json, os, shutil, sys
scan, tree, out = sys.argv[1:]
for m in json.load(open(scan))["modules"]:
    dirs = {os.path.dirname(f) for f in m["files"]}
    if len(dirs) != 1 or m["verdict"] not in ("convertible", "needs review"):
        continue
    (src,) = dirs
    dest = os.path.join(out, m["module"])
    os.makedirs(dest)
    for name in os.listdir(os.path.join(tree, src)):
        if name.endswith(".h") or os.path.join(src, name) in m["files"]:
            shutil.copy(os.path.join(tree, src, name), dest)
    objects = " ".join(os.path.basename(f)[:-2] + ".o" for f in m["files"])
    with open(os.path.join(dest, "Makefile"), "w") as makefile:
        makefile.write(
            "ifneq ($(KERNELRELEASE),)\n"
            f"obj-m += {m['module']}.o\n{m['module']}-y := {objects}\n"
            "else\n"
            "KDIR ?= /lib/modules/$(shell uname -r)/build\n"
            "default:\n\t$(MAKE) -C $(KDIR) M=$(CURDIR) modules\n"
            "endif\n"
        )
PY
converted=0
for dir in "$oot"/*/; do
	dir=${dir%/}
	objects=$(sed -n 's/.*-y := //p' "$dir/Makefile")
	# shellcheck disable=SC2086
	make -s -C "$build61" M="$dir" $objects >/dev/null 2>&1 || { rm -rf "$dir"; continue; }
	rm -f "$dir"/*.o "$dir"/.*.cmd
	name=$(basename "$dir")
	git -C "$dir" init -q && git -C "$dir" add -A &&
		git -C "$dir" -c user.name=ci -c user.email=ci@localwq.invalid commit -qm "$name as copied"
	"$localwq" check --kernel "$build61" "$dir" --build-dir "$oot/build-$name" > "$oot/$name.check" 2>&1 ||
		fail "out of tree $name: check failed: $(tail -n 2 "$oot/$name.check")"
	grep -q 'builds, no new warnings' "$oot/$name.check" || { echo "   $name: $(cat "$oot/$name.check")"; continue; }
	rm -rf "$oot/build-$name"
	"$localwq" apply --kernel "$build61" "$dir" --branch localwq > "$oot/$name.apply" 2>&1 ||
		fail "out of tree $name: apply: $(tail -n 1 "$oot/$name.apply")"
	"$localwq" diff --kernel "$build61" "$dir" 2>/dev/null | grep -q '^diff --git' &&
		fail "out of tree $name: second run is not a no-op"
	git -C "$dir" checkout -q HEAD~1
	allocs=$("$localwq" diff --kernel "$tree72" "$dir" --strategy local-wq 2>/dev/null |
		grep '^+.*alloc_workqueue(' || true)
	if [ -z "$allocs" ] || grep -qv 'WQ_PERCPU\|WQ_UNBOUND' <<<"$allocs"; then
		fail "out of tree $name: against 7.2, no allocation with WQ_PERCPU or WQ_UNBOUND: $allocs"
	fi
	converted=$((converted + 1))
	echo "== out of tree: $name converted against 6.1, built with make M=, applied, no-op on a second run"
done
# The bundled out-of-tree fixtures are real C too: they build against 6.1.
for fixture in driver multi dkms; do
	"$localwq" check --kernel "$build61" "$here/../../testdata/out_of_tree/$fixture" \
		--strategy local-wq --build-dir "$oot/build-$fixture" > "$oot/$fixture.check" 2>&1 &&
		grep -q 'builds, no new warnings' "$oot/$fixture.check" ||
		fail "out-of-tree fixture $fixture: $(cat "$oot/$fixture.check")"
done
[ "$converted" -gt 0 ] || fail "no 5.10 module copied out of tree built and converted against 6.1"
echo "out of tree: $converted module(s) converted and built"
[ "$failures" -eq 0 ]
