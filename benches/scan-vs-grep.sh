#!/usr/bin/env bash
# Benchmark: `localwq scan` over a whole kernel tree against `grep -rlE`
# with the same identifiers over the same tree (its .git left out, which
# localwq never reads either), warm page cache, side by
# side. Prints both wall times, the ratio and localwq's peak memory.
#   usage: benches/scan-vs-grep.sh [KERNEL_TREE]   (default: Debian 5.10)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
tree=${1:-$("$repo/tests/real/fetch-kernels.sh" 5.10 | awk '{print $2}')}
(cd "$repo" && cargo build --release --quiet)
localwq=$repo/target/release/localwq
pattern='flush_scheduled_work|flush_workqueue\(system_|__flush_workqueue\(system_'
runs=${RUNS:-3}

# Warm the page cache for both.
grep -rlE --exclude-dir=.git "$pattern" "$tree" > /dev/null || true

python3 - "$runs" "$tree" "$pattern" "$localwq" <<'PY'
import resource, subprocess, sys, time
runs, tree, pattern, localwq = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

def best(cmd):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return min(times)

grep = best(["grep", "-rlE", "--exclude-dir=.git", pattern, tree])
before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
scan = best([localwq, "scan", tree, "--json"])
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"grep -rlE      : {grep:7.2f} s (best of {runs})")
print(f"localwq scan   : {scan:7.2f} s (best of {runs})")
print(f"ratio scan/grep: {scan / grep:7.2f}")
print(f"localwq peak memory: {peak_kib / 1024:.0f} MiB (largest child RSS of the run)")
PY
