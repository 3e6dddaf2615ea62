#!/usr/bin/env bash
# Benchmark: `localwq scan` and `localwq scan --all` over a whole kernel
# tree against `grep -rlE` with the same identifiers over the same tree
# (its .git left out, which localwq never reads either), warm page cache,
# side by side. Prints both wall times, the ratio and localwq's peak memory.
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
runs=${RUNS:-3}

# Warm the page cache for both.
grep -rlE --exclude-dir=.git "$pattern" "$tree" > /dev/null || true

python3 - "$runs" "$tree" "$pattern" "$all_pattern" "$localwq" <<'PY'
import resource, subprocess, sys, time
runs, tree, pattern, all_pattern, localwq = int(sys.argv[1]), *sys.argv[2:]

def best(cmd):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return min(times)

for label, extra, pat in (("scan", [], pattern), ("scan --all", ["--all"], all_pattern)):
    grep = best(["grep", "-rlE", "--exclude-dir=.git", pat, tree])
    scan = best([localwq, "scan", tree, "--json", *extra])
    print(f"grep -rlE ({label} needles): {grep:7.2f} s (best of {runs})")
    print(f"localwq {label:17}: {scan:7.2f} s (best of {runs})")
    print(f"ratio {label}/grep       : {scan / grep:7.2f}")
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"localwq peak memory: {peak_kib / 1024:.0f} MiB (largest child RSS of the run)")
PY
