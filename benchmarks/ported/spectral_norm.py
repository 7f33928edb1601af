"""Shed Skin's subset of benchmarks/typed/spectral_norm.py (itself pyperformance 1.14.0's
benchmarks/bm_spectral_norm/run_benchmark.py with type annotations added; pyperformance is
MIT-licensed and its notice applies to this file). Shed Skin gives a variable one static type,
and here the starting vector and three sums start as ints and become floats. The one change:
those four literals are written as floats (`[1.0] * DEFAULT_N`, `partial_sum: float = 0.0`
twice, `vBv = vv = 0.0`), which CPython computes with bit for bit the same results
(tests/benchmarks checks that undoing the change gives the typed variant's AST). It exists so
that the bar "within 2x of Shed Skin" compares every tool on one workload Shed Skin compiles.
The original docstring follows.

MathWorld: "Hundred-Dollar, Hundred-Digit Challenge Problems", Challenge #3.
http://mathworld.wolfram.com/Hundred-DollarHundred-DigitChallengeProblems.html

The Computer Language Benchmarks Game
http://benchmarksgame.alioth.debian.org/u64q/spectralnorm-description.html#spectralnorm

Contributed by Sebastien Loisel
Fixed by Isaac Gouy
Sped up by Josh Goldfoot
Dirtily sped up by Simon Descarpentries
Concurrency by Jason Stitt
"""

import pyperf


DEFAULT_N: int = 130


def eval_A(i: int, j: int) -> float:
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


def eval_times_u(func, u: list[float]) -> list[float]:
    return [func((i, u)) for i in range(len(list(u)))]


def eval_AtA_times_u(u: list[float]) -> list[float]:
    return eval_times_u(part_At_times_u, eval_times_u(part_A_times_u, u))


def part_A_times_u(i_u: tuple[int, list[float]]) -> float:
    i: int
    u: list[float]
    j: int
    u_j: float
    i, u = i_u
    partial_sum: float = 0.0
    for j, u_j in enumerate(u):
        partial_sum += eval_A(i, j) * u_j
    return partial_sum


def part_At_times_u(i_u: tuple[int, list[float]]) -> float:
    i: int
    u: list[float]
    j: int
    u_j: float
    i, u = i_u
    partial_sum: float = 0.0
    for j, u_j in enumerate(u):
        partial_sum += eval_A(j, i) * u_j
    return partial_sum


def bench_spectral_norm(loops: int) -> float:
    u: list[float]
    v: list[float]
    dummy: int
    vBv: float
    vv: float
    ue: float
    ve: float
    range_it: range = range(loops)
    t0: float = pyperf.perf_counter()

    for _ in range_it:
        u = [1.0] * DEFAULT_N

        for dummy in range(10):
            v = eval_AtA_times_u(u)
            u = eval_AtA_times_u(v)

        vBv = vv = 0.0

        for ue, ve in zip(u, v):
            vBv += ue * ve
            vv += ve * ve

    return pyperf.perf_counter() - t0


if __name__ == "__main__":
    runner = pyperf.Runner()
    runner.metadata['description'] = (
        'MathWorld: "Hundred-Dollar, Hundred-Digit Challenge Problems", '
        'Challenge #3.')
    runner.bench_time_func('spectral_norm', bench_spectral_norm)
