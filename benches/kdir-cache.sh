#!/usr/bin/env bash
# Benchmark: one out-of-tree module scanned against kernel source trees,
# with the kernel index read back from its cache (A) and built afresh
# (B, LOCALWQ_INDEX_CACHE=off), against one kernel and against four at
# once. Interleaved A/B pairs, medians, peak memory (benches/ab.py).
#   usage: benches/kdir-cache.sh [MODULE_DIR]   (default: the
#   testdata/out_of_tree/driver fixture; kernels from tests/real/fetch-kernels.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
module=${1:-$repo/testdata/out_of_tree/driver}
(cd "$repo" && cargo build --release --quiet)
localwq=$repo/target/release/localwq
kernels=()
for version in 5.10 6.1 6.12 7.2; do
	kernels+=(--kernel "$("$repo/tests/real/fetch-kernels.sh" "$version" | awk '{print $2}')")
done
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
# Fill the cache (and the page cache) once.
LOCALWQ_INDEX_CACHE=$cache "$localwq" scan "${kernels[@]}" "$module" > /dev/null
pairs=${PAIRS:-5}
export A_ENV="LOCALWQ_INDEX_CACHE=$cache" B_ENV="LOCALWQ_INDEX_CACHE=off"
echo "== one kernel (${kernels[7]})"
python3 "$here/ab.py" "$pairs" "scan, index from the cache" "scan, index built" \
	-- "$localwq" scan "${kernels[@]:6:2}" "$module" -- "$localwq" scan "${kernels[@]:6:2}" "$module"
echo "== four kernels"
python3 "$here/ab.py" "$pairs" "scan, indexes from the cache" "scan, indexes built" \
	-- "$localwq" scan "${kernels[@]}" "$module" -- "$localwq" scan "${kernels[@]}" "$module"
