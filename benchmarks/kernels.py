"""Numeric-kernel benchmark: pyperformance's own benchmark modules (unmodified, from the
installed `pyperformance` package) run interpreted and compiled, alternately, in fresh
processes of the same interpreter; prints the median CPU time (process_time: the machine
may be shared) of each and the speedup.
Not a test: run it by hand.

    pip install pyperformance pyperf
    python benchmarks/kernels.py [--python EXE] [--rounds 3] [--only nbody,float]
    python benchmarks/kernels.py --instructions       # needs valgrind

`--instructions` counts instructions with valgrind's callgrind instead of timing (see
benchmarks/generic_tier.py): the work of one call is a run of two calls less a run of one.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from generic_tier import counted_env  # a script: its directory, benchmarks/, is on sys.path

# benchmark directory, module call timed (the module's names are in scope)
KERNELS = {
    "nbody": "bench_nbody(1, 'sun', 20000)",
    "spectral_norm": "bench_spectral_norm(1)",
    "float": "benchmark(POINTS)",
    "fannkuch": "fannkuch(DEFAULT_ARG)",
    "nqueens": "bench_n_queens(8)",
}
TIMER = """
import sys, time, importlib
sys.path.insert(0, sys.argv[1])
m = importlib.import_module(sys.argv[2])
call = compile(sys.argv[3], "<timer>", "eval")
eval(call, vars(m))
best = min((lambda t0: (eval(call, vars(m)), time.process_time() - t0)[1])(time.process_time()) for _ in range(3))
print(best, m.__file__)
"""


COUNTER = """
import sys, importlib
sys.path.insert(0, sys.argv[1])
m = importlib.import_module(sys.argv[2])
call = compile(sys.argv[3], "<counter>", "eval")
for _ in range(int(sys.argv[4])):
    eval(call, vars(m))
"""


def benchmark_source(name: str) -> Path:
    import pyperformance

    return Path(pyperformance.__file__).parent / "data-files" / "benchmarks" / f"bm_{name}" / "run_benchmark.py"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="")
    parser.add_argument("--instructions", action="store_true", help="count instructions (valgrind) instead of timing")
    args = parser.parse_args()
    if args.instructions and not shutil.which("valgrind"):
        parser.error("--instructions needs valgrind (apt-get install valgrind)")
    names = [n for n in KERNELS if not args.only or n in args.only.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        interp, compiled = Path(tmp, "interp"), Path(tmp, "compiled")
        for d in (interp, compiled):
            d.mkdir()
            for name in names:
                shutil.copy(benchmark_source(name), d / f"bm_{name}.py")
        subprocess.run([sys.executable, "-m", "ziggurat.cli", "compile", *(str(compiled / f"bm_{n}.py") for n in names),
                        "--python", args.python], check=True, capture_output=True)
        for name in names:
            (compiled / f"bm_{name}.py").unlink()
        if args.instructions:
            return _count_instructions(args.python, names, interp, compiled)
        print(f"{'kernel':<14} {'interpreted':>12} {'compiled':>12} {'speedup':>8}")
        ratios = []
        for name in names:
            times: dict[Path, list[float]] = {interp: [], compiled: []}
            for _ in range(args.rounds):
                for d in (interp, compiled):  # alternate, so drift hits both
                    out = subprocess.run([args.python, "-c", TIMER, str(d), f"bm_{name}", KERNELS[name]],
                                         check=True, capture_output=True, text=True).stdout.split()
                    assert (d == compiled) == out[1].endswith(".so"), out
                    times[d].append(float(out[0]))
            a, b = statistics.median(times[interp]), statistics.median(times[compiled])
            ratios.append(a / b)
            print(f"{name:<14} {a * 1000:>10.2f}ms {b * 1000:>10.2f}ms {a / b:>7.2f}x", flush=True)
        print(f"{'geomean':<14} {'':>12} {'':>12} {statistics.geometric_mean(ratios):>7.2f}x")
    return 0


def _instructions(python: str, where: Path, name: str, calls: int) -> int:
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, "-c", COUNTER,
                          str(where), f"bm_{name}", KERNELS[name], str(calls)], check=True, capture_output=True, text=True,
                         env=counted_env())
    return int([line for line in run.stderr.splitlines() if "Collected" in line][-1].split()[-1].replace(",", ""))


def _count_instructions(python: str, names: list[str], interp: Path, compiled: Path) -> int:
    print(f"{'kernel':<14} {'interpreted':>16} {'compiled':>16} {'ratio':>8}   (instructions per call)")
    ratios = []
    for name in names:
        per_call = {d: _instructions(python, d, name, 2) - _instructions(python, d, name, 1)
                    for d in (interp, compiled)}
        ratio = per_call[interp] / per_call[compiled]
        ratios.append(ratio)
        print(f"{name:<14} {per_call[interp]:>16,} {per_call[compiled]:>16,} {ratio:>7.2f}x", flush=True)
    print(f"{'geomean':<14} {'':>16} {'':>16} {statistics.geometric_mean(ratios):>7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
