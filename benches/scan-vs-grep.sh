#!/usr/bin/env bash
# Benchmark: `localwq scan` and `localwq scan --all` over a whole kernel
# tree against `grep -rlE` with the same identifiers over the same tree
# (its .git left out, which localwq never reads either), warm page cache,
# in interleaved A/B pairs (benches/ab.py): both medians, the median of
# the pair ratios and each side's peak memory; with localwq's caches warm
# and off.
#   usage: benches/scan-vs-grep.sh [KERNEL_TREE]   (default: Debian 5.10;
#   e.g. "$(tests/real/fetch-kernels.sh 7.2 | cut -d' ' -f2)" for 7.2)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
tree=${1:-$("$repo/tests/real/fetch-kernels.sh" 5.10 | awk '{print $2}')}
(cd "$repo" && cargo build --release --quiet)
localwq=$repo/target/release/localwq
pattern='flush_scheduled_work|flush_workqueue\(system_|__flush_workqueue\(system_'
# What `scan --all` looks for (wq::USE_NEEDLES).
all_pattern='schedule_work|schedule_delayed_work|\(system_|, system_|flush_scheduled_work'

# Warm the page cache for both, and localwq's own caches (README: what
# is kept between runs); each comparison is made with them warm, then
# off, which is what a first run on a tree costs.
grep -rlE --exclude-dir=.git "$pattern" "$tree" > /dev/null || true
"$localwq" scan "$tree" --json > /dev/null
"$localwq" scan "$tree" --json --all > /dev/null

pairs=${PAIRS:-5}
for caches in warm off; do
	a_env=""
	[ "$caches" = off ] && a_env="LOCALWQ_CACHE=off"
	echo "== scan (flush needles), localwq's caches $caches"
	A_ENV="$a_env" python3 "$here/ab.py" "$pairs" "localwq scan" "grep -rlE" \
		-- "$localwq" scan "$tree" --json -- grep -rlE --exclude-dir=.git "$pattern" "$tree"
	echo "== scan --all (queue needles), localwq's caches $caches"
	A_ENV="$a_env" python3 "$here/ab.py" "$pairs" "localwq scan --all" "grep -rlE" \
		-- "$localwq" scan "$tree" --json --all -- grep -rlE --exclude-dir=.git "$all_pattern" "$tree"
done
