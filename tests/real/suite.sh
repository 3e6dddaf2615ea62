#!/usr/bin/env bash
# Real-kernel suite: localwq over whole Debian kernel trees.
#   usage: tests/real/suite.sh [VERSION...]    (default: 5.10 6.1; with both,
#   also 6.12 and 7.2 and out-of-tree modules: tests/real/newer.sh)
# For each tree: scan, diff and patches over the whole tree; the series must
# apply with git am, and `apply --b4` then `b4 send -o` must write the
# same mails (recipients, RFC prefixes, notes, diffs); each patch's
# recipients must be what the tree's get_maintainer.pl prints for it, its
# `git patch-id --stable` what git format-patch of the applied commit
# gives, and no hunk header may name a goto label; checkpatch.pl --strict
# must report no errors; every touched object must build with no new
# warnings (localwq check); a second run over the converted tree must
# change nothing; no queueing on a replaced system workqueue may be left
# but the flagged ones; and on 5.10, apply and patches killed at many
# moments leave the old state or the new one (tests/real/kill.sh). Prints
# a summary table and exits non-zero on any failed assertion.
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

# Per patch, cheap: recipients equal to get_maintainer.pl's, patch-id equal
# to git format-patch's of the commit git am made of it (the am worktree has
# the tree's .gitattributes), no goto label after an @@; send-email
# --dry-run takes the series when git send-email is installed.
mail_checks() {
	local version=$1 tree=$2 work=$3
	shift 3
	local count=$# same_to=0 same_id=0 labels
	local commits
	commits=$(git -C "$work/am" rev-list --reverse "HEAD~$count..HEAD")
	for commit in $commits; do
		local patch=$1
		shift
		local theirs ours try
		ours=$(python3 "$here/recipients.py" "$patch")
		# The script orders sections of equal depth by Perl's hash order,
		# which changes from run to run: a few runs give each order a chance.
		for try in 1 2 3 4 5; do
			theirs=$(cd "$tree" && perl scripts/get_maintainer.pl --no-rolestats --no-git \
				--no-git-fallback "$patch" 2>/dev/null)
			[ "$theirs" = "$ours" ] && break
		done
		if [ "$theirs" = "$ours" ]; then
			same_to=$((same_to + 1))
		else
			fail "$version" "recipients of $(basename "$patch") differ from get_maintainer.pl's"
		fi
		theirs=$(git -C "$work/am" format-patch -1 --stdout "$commit" | git patch-id --stable | cut -d' ' -f1)
		ours=$(git patch-id --stable < "$patch" | cut -d' ' -f1)
		if [ -n "$ours" ] && [ "$theirs" = "$ours" ]; then
			same_id=$((same_id + 1))
		else
			fail "$version" "patch-id of $(basename "$patch") differs from git format-patch's"
		fi
	done
	labels=$(cat "$work"/patches/*.patch | grep -cE '^@@ [^@]* @@ [[:space:]]*[A-Za-z_][A-Za-z_0-9]*:[[:space:]]*($|/[/*])' || true)
	[ "$labels" = 0 ] || fail "$version" "$labels hunk header(s) name a goto label"
	echo "[$version] recipients equal $same_to/$count, patch-id equal $same_id/$count, labels in hunk headers $labels"
	# Debian's git-email may serve a git built elsewhere: try both.
	local sendemail=()
	if git send-email --help >/dev/null 2>&1; then
		sendemail=(git send-email)
	elif /usr/bin/git send-email --help >/dev/null 2>&1; then
		sendemail=(/usr/bin/git send-email)
	fi
	if [ ${#sendemail[@]} -eq 0 ]; then
		echo "[$version] git send-email is not installed: its --dry-run check skipped"
		return
	fi
	local mails sent
	mails=$(ls "$work"/patches/*.patch | wc -l)
	sent=$(cd "$work/am" && "${sendemail[@]}" --dry-run --confirm=never \
		--to ci@localwq.invalid "$work"/patches/*.patch < /dev/null 2>&1 |
		tee "$work/send-email.log" | grep -c '^Result: OK' || true)
	[ "$sent" = "$mails" ] ||
		fail "$version" "git send-email --dry-run took $sent of $mails mails (see $work/send-email.log)"
	echo "[$version] git send-email --dry-run: $sent/$mails"
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

	# The b4 round trip: apply --b4 on a clone, b4 send -o of its branches,
	# the same mails as the series (tests/real/b4-roundtrip.sh).
	if command -v b4 >/dev/null; then
		local trip
		trip=$("$here/b4-roundtrip.sh" "$localwq" "$tree" "$work/patches" "$work/b4" \
			"$identity" 2> "$work/b4.err") ||
			fail "$version" "b4 round trip: $(tail -n 5 "$work/b4.err")"
		echo "[$version] $trip ($(b4 --version))"
	elif [ "${CI:-}" = true ]; then
		fail "$version" "b4 is not installed: .ci/run installs it"
	else
		echo "[$version] b4 is not installed: its round trip skipped"
	fi

	# git am of the whole series, in a scratch worktree of the tree.
	git -C "$tree" worktree add -q --detach "$work/am" HEAD
	local numbered
	numbered=$(ls "$work"/patches/*.patch 2>/dev/null | grep -v 'cover-letter' || true)
	local applied=no
	if [ -n "$numbered" ] && (cd "$work/am" && git -c user.name=ci -c user.email=ci@localwq.invalid \
		am -q $numbered) > "$work/am.log" 2>&1; then
		applied=yes
	else
		fail "$version" "git am: $(tail -n 3 "$work/am.log" 2>/dev/null)"
	fi

	[ "$applied" = yes ] && mail_checks "$version" "$tree" "$work" $numbered

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

# Kernels after 6.1 and out-of-tree modules, when 5.10 and 6.1 ran.
ran_newer=0
if [[ " ${versions[*]} " == *" 5.10 "* && " ${versions[*]} " == *" 6.1 "* ]]; then
	tree510=$("$here/fetch-kernels.sh" 5.10 | awk '{print $2}')
	tree612=$("$here/fetch-kernels.sh" 6.12 | awk '{print $2}')
	tree72=$("$here/fetch-kernels.sh" 7.2 | awk '{print $2}')
	"$here/newer.sh" "$localwq" "$cache" "$tree510" "$cache/build-5.10/obj" "$cache/build-6.1/obj" \
		"$tree612" "$tree72" ||
		fail newer "6.12/7.2 facts and sites, out-of-tree modules (see above)"
	ran_newer=1
fi

echo
echo "tree  | flushing | converted | review | refused | git am | checkpatch E/W/C | builds | not built | build fails"
for row in "${rows[@]}"; do echo "$row"; done
echo "suite wall time: $(( $(date +%s) - start )) s"
total=$((${#versions[@]} + ran_newer))
bad=${#failed_trees[@]}
echo "$failures failed assertions"
echo "real-kernel: $((total - bad)) passed, $bad failed"
[ "$failures" -eq 0 ]
