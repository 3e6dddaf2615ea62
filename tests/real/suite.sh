#!/usr/bin/env bash
# Real-kernel suite: localwq over whole Debian kernel trees.
#   usage: tests/real/suite.sh [VERSION...]    (default: 5.10 6.1)
# For each tree: scan, diff and patches over the whole tree; the series must
# apply with git am; checkpatch.pl --strict must report no errors; every
# touched object must build with no new warnings (localwq check); a second
# run over the converted tree must change nothing; no queueing on a
# replaced system workqueue may be left but the flagged ones; and on 5.10,
# apply and patches killed at many moments leave the old state or the new
# one (tests/real/kill.sh). Prints a summary table and exits non-zero on
# any failed assertion.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${LOCALWQ_CACHE:-$HOME/.cache/localwq}
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(5.10 6.1)
start=$(date +%s)

(cd "$repo" && cargo build --release --quiet)
localwq=$repo/target/release/localwq
identity="localwq CI <ci@localwq.invalid>"
failures=0
rows=()

failed_trees=()
fail() {
	echo "FAIL [$1]: $2" >&2
	failures=$((failures + 1))
	[[ " ${failed_trees[*]} " == *" $1 "* ]] || failed_trees+=("$1")
}

run_tree() {
	local version=$1 tree=$2 work=$cache/work-$version
	rm -rf "$work"
	mkdir -p "$work"
	git -C "$tree" worktree prune

	"$localwq" scan "$tree" --json > "$work/scan.json"
	"$localwq" diff "$tree" > "$work/diff.txt" 2> "$work/diff.err"
	"$localwq" patches "$tree" -o "$work/patches" --from "$identity" \
		--date 1795431845 > "$work/patches.list" 2> "$work/patches.err" ||
		fail "$version" "localwq patches: $(tail -n 1 "$work/patches.err")"

	# git am of the whole series, in a scratch worktree of the tree.
	git -C "$tree" worktree add -q --detach "$work/am" HEAD
	local numbered
	numbered=$(ls "$work"/patches/*.patch 2>/dev/null | grep -v '/0000-' || true)
	local applied=no
	if [ -n "$numbered" ] && (cd "$work/am" && git -c user.name=ci -c user.email=ci@localwq.invalid \
		am -q $numbered) > "$work/am.log" 2>&1; then
		applied=yes
	else
		fail "$version" "git am: $(tail -n 3 "$work/am.log" 2>/dev/null)"
	fi

	# checkpatch --strict from the same tree, patch by patch.
	local errors=0 warnings=0 checks=0 per_patch=""
	for patch in $numbered; do
		local total
		total=$(cd "$work/am" && perl scripts/checkpatch.pl --strict --no-signoff \
			--show-types "$patch" 2>&1 | grep '^total:' || true)
		local e w c
		e=$(sed -n 's/^total: \([0-9]*\) errors.*/\1/p' <<<"$total")
		w=$(sed -n 's/.* \([0-9]*\) warnings.*/\1/p' <<<"$total")
		c=$(sed -n 's/.* \([0-9]*\) checks.*/\1/p' <<<"$total")
		errors=$((errors + ${e:-0})); warnings=$((warnings + ${w:-0})); checks=$((checks + ${c:-0}))
		per_patch+="  $(basename "$patch"): ${total:-no checkpatch output}"$'\n'
		[ "${e:-1}" = 0 ] || fail "$version" "checkpatch errors in $(basename "$patch")"
	done
	printf '%s' "$per_patch" > "$work/checkpatch.txt"

	# The kernel's own build, before and after, in a prepared build dir.
	"$localwq" check "$tree" --build-dir "$cache/build-$version" --json \
		> "$work/check.json" 2> "$work/check.err" ||
		fail "$version" "localwq check: $(tail -n 2 "$work/check.err")"

	# A second run over the converted tree, and what it still finds.
	"$localwq" diff "$work/am" > "$work/diff2.txt" 2>/dev/null
	grep -q '^diff --git' "$work/diff2.txt" &&
		fail "$version" "second run is not a no-op (see $work/diff2.txt)"
	"$localwq" scan "$work/am" --all --json > "$work/scan2.json"

	local summary
	summary=$(python3 "$here/summarize.py" "$work" "$version" "$applied" \
		"$errors" "$warnings" "$checks") || fail "$version" "summary assertions (see above)"
	rows+=("$summary")
	git -C "$tree" worktree remove --force "$work/am"
}

for version in "${versions[@]}"; do
	tree=$("$here/fetch-kernels.sh" "$version" | awk '{print $2}')
	run_tree "$version" "$tree"
	# apply and patches killed at many moments, on one real module.
	if [ "$version" = 5.10 ]; then
		"$here/kill.sh" "$tree" "$cache/work-$version/kill" || fail "$version" "kill test (see above)"
	fi
done

echo
echo "tree  | flushing | converted | review | refused | git am | checkpatch E/W/C | builds | not built | build fails"
for row in "${rows[@]}"; do echo "$row"; done
echo "suite wall time: $(( $(date +%s) - start )) s"
total=${#versions[@]}
bad=${#failed_trees[@]}
echo "$failures failed assertions"
echo "real-kernel: $((total - bad)) passed, $bad failed"
[ "$failures" -eq 0 ]
