#!/usr/bin/env bash
# Kernels after 6.1 and out-of-tree modules, called by suite.sh.
#   usage: newer.sh LOCALWQ CACHE TREE_5_10 BUILD_5_10 BUILD_6_1 TREE_6_12 TREE_7_2
# - 6.12 and 7.2: `localwq facts` must read every system workqueue from the
#   tree, and `scan --all` must find the queue sites of each within 10 % of
#   a regex count (wq-counts.py).
# - Out of tree: every 5.10 flushing module whose files sit in one
#   directory is copied out with a Makefile of its own, as DKMS packages
#   write them (`ifneq ($(KERNELRELEASE),)` around the Kbuild part); those whose
#   unconverted copy builds against 6.1 (`make -C BUILD M=dir`) are
#   converted for 5.10, 6.1, 6.12 and 7.2 at once (--kernel four times):
#   `check` must build them against each kernel with no new warning (with
#   Step 0's strategy, and with a local workqueue, which needs the
#   WQ_PERCPU probe), `apply` must commit in the copy's git repository and
#   a second run must change nothing. Against 7.2 alone, a local workqueue
#   must be allocated with WQ_PERCPU or WQ_UNBOUND. The bundled out-of-tree
#   fixtures go through the same four-kernel check.
# - Debian DKMS packages, against 6.12 and 7.2: tests/real/dkms.sh.
# The 6.12 and 7.2 kernels are prepared once (allmodconfig,
# modules_prepare) under CACHE/build-oot and reused by every run.
# Prints one line per check; exits non-zero on any failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
localwq=$1 cache=$2 tree510=$3 build510=$4 build61=$5 tree612=$6 tree72=$7
kernels=(--kernel "$build510" --kernel "$build61" --kernel "$tree612" --kernel "$tree72")
shared_build=$cache/build-oot
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
declare -A builds=()
# `check` rows against several kernels: "name (.): on Linux V: result".
count_builds() {
	local v
	for v in $(sed -n 's/.*: on Linux \([0-9.]*\): builds, no new warnings$/\1/p' "$1"); do
		builds[$v]=$(( ${builds[$v]:-0} + 1 ))
	done
}
for dir in "$oot"/*/; do
	dir=${dir%/}
	objects=$(sed -n 's/.*-y := //p' "$dir/Makefile")
	# shellcheck disable=SC2086
	make -s -C "$build61" M="$dir" $objects >/dev/null 2>&1 || { rm -rf "$dir"; continue; }
	rm -f "$dir"/*.o "$dir"/.*.cmd
	name=$(basename "$dir")
	git -C "$dir" init -q && git -C "$dir" add -A &&
		git -C "$dir" -c user.name=ci -c user.email=ci@localwq.invalid commit -qm "$name as copied"
	for strategy in auto local-wq; do
		log=$oot/$name.check-$strategy
		start=$(date +%s)
		"$localwq" check "${kernels[@]}" "$dir" --strategy "$strategy" --build-dir "$shared_build" \
			> "$log" 2>&1 || fail "out of tree $name ($strategy): check failed: $(tail -n 2 "$log")"
		echo "   $name, $strategy, four kernels: $(( $(date +%s) - start )) s"
		sed 's/^/     /' "$log"
		count_builds "$log"
		grep -qE 'FAILS|[0-9]+ new warning' "$log" && fail "out of tree $name ($strategy): $(cat "$log")"
	done
	"$localwq" apply "${kernels[@]}" "$dir" --branch localwq > "$oot/$name.apply" 2>&1 ||
		fail "out of tree $name: apply: $(tail -n 1 "$oot/$name.apply")"
	"$localwq" diff "${kernels[@]}" "$dir" 2>/dev/null | grep -q '^diff --git' &&
		fail "out of tree $name: second run is not a no-op"
	git -C "$dir" checkout -q HEAD~1
	allocs=$("$localwq" diff --kernel "$tree72" "$dir" --strategy local-wq 2>/dev/null |
		grep '^+.*alloc_workqueue(' || true)
	if [ -z "$allocs" ] || grep -qv 'WQ_PERCPU\|WQ_UNBOUND' <<<"$allocs"; then
		fail "out of tree $name: against 7.2, no allocation with WQ_PERCPU or WQ_UNBOUND: $allocs"
	fi
	four=$("$localwq" diff "${kernels[@]}" "$dir" --strategy local-wq 2>/dev/null)
	if grep -q '^+.*alloc_workqueue(.*WQ_PERCPU' <<<"$four" && ! grep -q '^+#ifndef HAVE_WQ_PERCPU' <<<"$four"; then
		fail "out of tree $name: WQ_PERCPU written for 5.10 to 7.2 without its probe"
	fi
	converted=$((converted + 1))
	echo "== out of tree: $name converted for 5.10, 6.1, 6.12 and 7.2, built against each, applied, no-op on a second run"
done
# The bundled out-of-tree fixtures are real C too: they build against all four.
# kernels/split: its flush stopped waiting on 6.12.118 and 7.2; converted
# for all four it waits again, with the WQ_PERCPU probe.
for fixture in out_of_tree/driver out_of_tree/multi out_of_tree/dkms kernels/split; do
	log=$oot/${fixture//\//-}.check
	"$localwq" check "${kernels[@]}" "$here/../../testdata/$fixture" \
		--strategy local-wq --build-dir "$shared_build" > "$log" 2>&1 ||
		fail "out-of-tree fixture $fixture: $(cat "$log")"
	count_builds "$log"
	sed 's/^/     /' "$log"
	grep -qE 'FAILS|[0-9]+ new warning|not built' "$log" && fail "out-of-tree fixture $fixture: $(cat "$log")"
done
# The probe itself: converted for 5.10 and 7.2, the module's build defines
# HAVE_WQ_PERCPU against 7.2 and not against 5.10 (a wrong probe would
# still compile, with WQ_PERCPU 0, and only warn when loaded).
probe=$oot/probe
cp -r "$here/../../testdata/out_of_tree/driver" "$probe"
git -C "$probe" init -q && git -C "$probe" add -A &&
	git -C "$probe" -c user.name=ci -c user.email=ci@localwq.invalid commit -qm "as found"
"$localwq" apply --kernel "$build510" --kernel "$tree72" "$probe" --strategy local-wq \
	--from "ci <ci@localwq.invalid>" > "$oot/probe.apply" 2>&1 || fail "probe apply: $(cat "$oot/probe.apply")"
for pair in "$shared_build/linux-$(sed -n 's/^VERSION = //p' "$tree72/Makefile").$(sed -n 's/^PATCHLEVEL = //p' "$tree72/Makefile").$(sed -n 's/^SUBLEVEL = //p' "$tree72/Makefile")/kernel y" "$build510 n"; do
	read -r kbuild want <<<"$pair"
	got=n
	# The whole output first: grep -q would close the pipe on make
	# (pipefail then fails the test of a line it found).
	build=$(make -C "$kbuild" M="$probe" V=1 bar.o 2>&1 || true)
	grep -q -- '-DHAVE_WQ_PERCPU' <<<"$build" && got=y
	[ "$got" = "$want" ] || fail "HAVE_WQ_PERCPU defined=$got against $kbuild, expected $want"
	echo "   probe against $kbuild: HAVE_WQ_PERCPU defined=$got"
	rm -f "$probe"/*.o "$probe"/.*.cmd
done
[ "$converted" -gt 0 ] || fail "no 5.10 module copied out of tree built and converted against 6.1"
echo "out of tree: $converted module(s) converted for four kernels"
for v in $(printf '%s\n' "${!builds[@]}" | sort -V); do
	echo "   builds with no new warning on Linux $v: ${builds[$v]}"
done
[ ${#builds[@]} -eq 4 ] || fail "out of tree: builds on ${#builds[@]} kernels, not 4"
# Debian DKMS packages against 6.12 and 7.2 (the kernels prepared above).
"$here/dkms.sh" "$localwq" "$cache" "$tree612" "$tree72" || fail "DKMS packages (see above)"
[ "$failures" -eq 0 ]
