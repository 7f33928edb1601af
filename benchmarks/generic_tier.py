"""Generic-tier benchmark: each workload of benchmarks/workloads/generic_mix.py run
interpreted and compiled, alternately, in fresh processes of the same interpreter; prints
the median time of each and the speedup. Not a test: run it by hand.

    python benchmarks/generic_tier.py [--python EXE] [--rounds 5] [--abi3 [X.Y]]
    python benchmarks/generic_tier.py --instructions     # needs valgrind

With --abi3 the workloads are also compiled against the limited API (an abi3 module, the
floor version X.Y, default 3.11) and a last column gives abi3 time / version-specific time.
`--instructions` counts instructions with valgrind's callgrind instead of timing: the work
of a call is the difference between a large and a small run (so start-up and import cancel
out). Counts repeat exactly whatever else the machine is doing, which wall-clock
times on a shared machine do not; they ignore cache misses and branch prediction.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKLOADS = [("fib", 25), ("loops", 300000), ("floats", 300000), ("dicts", 100000), ("gens", 300000),
             ("strings", 100000), ("objects", 100000), ("exceptions", 100000)]
COUNTER = """
import sys, importlib
sys.path.insert(0, sys.argv[1])
m = importlib.import_module("generic_mix")
getattr(m, sys.argv[2])(int(sys.argv[3]))
"""
TIMER = """
import sys, time, importlib
sys.path.insert(0, sys.argv[1])
m = importlib.import_module("generic_mix")
f = getattr(m, sys.argv[2]); n = int(sys.argv[3])
f(n)
best = min((lambda t0: (f(n), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(3))
print(best, m.__file__)
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--instructions", action="store_true", help="count instructions (valgrind) instead of timing")
    parser.add_argument("--abi3", nargs="?", const="3.11", default=None, metavar="X.Y")
    args = parser.parse_args()
    if args.instructions and not shutil.which("valgrind"):
        parser.error("--instructions needs valgrind (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        interp, compiled, limited = Path(tmp, "interp"), Path(tmp, "compiled"), Path(tmp, "abi3")
        dirs = [interp, compiled] + ([limited] if args.abi3 else [])
        for d in dirs:
            d.mkdir()
            shutil.copy(HERE / "workloads" / "generic_mix.py", d)
        for d, extra in ((compiled, []), (limited, ["--abi3", str(args.abi3)])):
            if d not in dirs:
                continue
            subprocess.run([sys.executable, "-m", "ziggurat.cli", "compile", str(d / "generic_mix.py"),
                            "--python", args.python, *extra], check=True, capture_output=True)
            (d / "generic_mix.py").unlink()
        if args.instructions:
            return _count_instructions(args.python, interp, compiled)
        print(f"{'workload':<12} {'interpreted':>12} {'compiled':>12} {'speedup':>8}"
              + (f" {'abi3':>12} {'speedup':>8} {'abi3/spec':>9}" if args.abi3 else ""))
        ratios, abi3_speedups, abi3_costs = [], [], []
        for name, n in WORKLOADS:
            times: dict[Path, list[float]] = {d: [] for d in dirs}
            for _ in range(args.rounds):
                for d in dirs:  # alternate, so drift hits all
                    out = subprocess.run([args.python, "-c", TIMER, str(d), name, str(n)],
                                         check=True, capture_output=True, text=True).stdout.split()
                    times[d].append(float(out[0]))
            a, b = statistics.median(times[interp]), statistics.median(times[compiled])
            ratios.append(a / b)
            line = f"{name:<12} {a * 1000:>10.2f}ms {b * 1000:>10.2f}ms {a / b:>7.2f}x"
            if args.abi3:
                c = statistics.median(times[limited])
                abi3_speedups.append(a / c)
                abi3_costs.append(c / b)
                line += f" {c * 1000:>10.2f}ms {a / c:>7.2f}x {c / b:>8.2f}x"
            print(line)
        tail = f"{'geomean':<12} {'':>12} {'':>12} {statistics.geometric_mean(ratios):>7.2f}x"
        if args.abi3:
            tail += (f" {'':>12} {statistics.geometric_mean(abi3_speedups):>7.2f}x"
                     f" {statistics.geometric_mean(abi3_costs):>8.2f}x")
        print(tail)
    return 0


# Counted processes share one hash seed. A count is one process's total less another's, which
# cancels start-up only if both probe their dicts alike at import; with a seed per process
# start-up differed by 1-2 M instructions between them, which no subtraction removes
# (json_dumps's ziggurat build, ~90 M counted, came out 14.5x to 15.8x from run to run).
COUNTED_HASH_SEED = "0"


def counted_env() -> dict[str, str]:
    """The environment of a process whose instructions are counted."""
    return {**os.environ, "PYTHONHASHSEED": COUNTED_HASH_SEED}


def callgrind(profile: str = "/dev/null") -> list[str]:
    """The command prefix that counts a process's instructions (profile: callgrind's output
    file, for callgrind_annotate)."""
    return ["valgrind", "--tool=callgrind", f"--callgrind-out-file={profile}"]


def collected(stderr: str) -> int:
    """The instruction count callgrind reports on stderr at exit."""
    refs = [line for line in stderr.splitlines() if "Collected" in line or "refs:" in line]
    return int(refs[-1].split()[-1].replace(",", ""))


def _instructions(python: str, where: Path, name: str, n: int) -> int:
    run = subprocess.run([*callgrind(), python, "-c", COUNTER, str(where), name, str(n)],
                         check=True, capture_output=True, text=True, env=counted_env())
    return collected(run.stderr)


def _count_instructions(python: str, interp: Path, compiled: Path) -> int:
    print(f"{'workload':<12} {'interpreted':>14} {'compiled':>14} {'ratio':>8}   (instructions per call)")
    ratios = []
    for name, n in WORKLOADS:
        # fib's argument is a depth, not a count: two depths differ by ~11x in calls
        small, large = (n - 7, n - 2) if name == "fib" else (n // 10, 4 * (n // 10))
        per_call = {}
        for d in (interp, compiled):
            per_call[d] = _instructions(python, d, name, large) - _instructions(python, d, name, small)
        ratio = per_call[interp] / per_call[compiled]
        ratios.append(ratio)
        print(f"{name:<12} {per_call[interp]:>14,} {per_call[compiled]:>14,} {ratio:>7.2f}x")
    print(f"{'geomean':<12} {'':>14} {'':>14} {statistics.geometric_mean(ratios):>7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
