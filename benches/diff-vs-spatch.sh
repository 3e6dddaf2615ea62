#!/usr/bin/env bash
# Benchmark: `localwq diff` of every module that flushes a system
# workqueue over a whole kernel tree against spatch (Coccinelle) applying
# the announcement's Steps 4-5 as a semantic patch (benches/steps45.cocci:
# queueing calls moved onto the module's workqueue, flushes pointed at
# it) to the .c files that flush one (`grep -rlE` with the flush
# identifiers, as `scan` selects them), warm page cache, in interleaved
# A/B pairs (benches/ab.py): both medians, the median of the pair ratios
# and each side's peak memory. spatch does less (no init/exit, no Step 0,
# no wait model): the ratio is what the whole conversion costs against a
# rewrite of the calls alone.
#   usage: benches/diff-vs-spatch.sh [KERNEL_TREE]   (default: Debian 5.10;
#   spatch from the coccinelle package, e.g. `apt-get install coccinelle`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
tree=${1:-$("$repo/tests/real/fetch-kernels.sh" 5.10 | awk '{print $2}')}
command -v spatch > /dev/null || { echo "spatch not found: apt-get install coccinelle" >&2; exit 1; }
(cd "$repo" && cargo build --release --quiet)
localwq=$repo/target/release/localwq
pattern='flush_scheduled_work|flush_workqueue\(system_|__flush_workqueue\(system_'
mapfile -t files < <(grep -rlE --exclude-dir=.git --include='*.c' "$pattern" "$tree" | sort)
[ "${#files[@]}" -gt 0 ] || { echo "no .c file in $tree flushes a system workqueue" >&2; exit 1; }
echo "spatch $(spatch --version | head -1 | awk '{print $3}'), ${#files[@]} files"

# Warm the page cache for both, and localwq's own caches (README: what
# is kept between runs).
"$localwq" diff "$tree" > /dev/null

pairs=${PAIRS:-5}
echo "== localwq's caches warm"
python3 "$here/ab.py" "$pairs" "localwq diff" "spatch (Steps 4-5)" \
	-- "$localwq" diff "$tree" \
	-- spatch --very-quiet --sp-file "$here/steps45.cocci" "${files[@]}"
echo "== localwq's caches off (LOCALWQ_CACHE=off)"
A_ENV="LOCALWQ_CACHE=off" python3 "$here/ab.py" "$pairs" "localwq diff" "spatch (Steps 4-5)" \
	-- "$localwq" diff "$tree" \
	-- spatch --very-quiet --sp-file "$here/steps45.cocci" "${files[@]}"
