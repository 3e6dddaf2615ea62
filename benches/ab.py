"""Interleaved A/B timing for the benches: PAIRS runs of A then B (the
order alternating, so that neither side always runs on a warmer cache),
each side's median wall time and peak memory, and the median of the
per-pair ratios A/B. Medians, never best-of: a quiet moment is not what a
user waits for.

  python3 ab.py PAIRS LABEL_A LABEL_B -- CMD_A... -- CMD_B...
Environment for one side only: A_ENV / B_ENV ("NAME=value NAME2=value").
"""
import os, statistics, subprocess, sys, time


def run(cmd, env):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def side_env(name):
    env = dict(os.environ)
    for word in os.environ.get(name, "").split():
        key, _, value = word.partition("=")
        env[key] = value
    return env


def main():
    pairs, label_a, label_b = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    rest = sys.argv[4:]
    split = [i for i, w in enumerate(rest) if w == "--"]
    cmd_a, cmd_b = rest[split[0] + 1 : split[1]], rest[split[1] + 1 :]
    env_a, env_b = side_env("A_ENV"), side_env("B_ENV")
    a, b, ratios, mem_a, mem_b = [], [], [], [], []
    for i in range(pairs):
        order = [("a", cmd_a, env_a), ("b", cmd_b, env_b)]
        if i % 2:
            order.reverse()
        got = {}
        for side, cmd, env in order:
            got[side] = run(cmd, env)
        a.append(got["a"][0]); mem_a.append(got["a"][1])
        b.append(got["b"][0]); mem_b.append(got["b"][1])
        ratios.append(got["a"][0] / got["b"][0])
    print(f"{label_a:40} {statistics.median(a):8.3f} s median, peak {max(mem_a):6.0f} MiB")
    print(f"{label_b:40} {statistics.median(b):8.3f} s median, peak {max(mem_b):6.0f} MiB")
    print(f"{'ratio ' + label_a + ' / ' + label_b:40} {statistics.median(ratios):8.2f}x "
          f"(median of {pairs} interleaved pairs)")


main()
