"""Shed Skin's subset of benchmarks/typed/nbody.py (itself pyperformance 1.14.0's
benchmarks/bm_nbody/run_benchmark.py with type annotations added; pyperformance is MIT-licensed
and its notice applies to this file). Shed Skin types a tuple of more than two elements only
when they share one type, and a body here is (position, velocity, mass): (list, list, float).
The one change: each mass is a one-element list, `[m]`, read as `m[0]` (eleven reads), with the
annotations saying so. The arithmetic and its order are the typed variant's (tests/benchmarks
checks that undoing the change gives its AST). It exists so that the bar "within 2x of Shed
Skin" compares every tool on one workload Shed Skin compiles. The original docstring follows.

N-body benchmark from the Computer Language Benchmarks Game.

This is intended to support Unladen Swallow's pyperf.py. Accordingly, it has been
modified from the Shootout version:
- Accept standard Unladen Swallow benchmark options.
- Run report_energy()/advance() in a loop.
- Reimplement itertools.combinations() to work with older Python versions.

Pulled from:
http://benchmarksgame.alioth.debian.org/u64q/program.php?test=nbody&lang=python3&id=1

Contributed by Kevin Carson.
Modified by Tupteq, Fredrik Johansson, and Daniel Nanz.
"""

import pyperf

__contact__ = "collinwinter@google.com (Collin Winter)"
DEFAULT_ITERATIONS: int = 20000
DEFAULT_REFERENCE: str = 'sun'


def combinations(l: list[tuple[list[float], list[float], list[float]]]) -> list[tuple[tuple[list[float], list[float], list[float]], tuple[list[float], list[float], list[float]]]]:
    """Pure-Python implementation of itertools.combinations(l, 2)."""
    x: int
    ls: list[tuple[list[float], list[float], list[float]]]
    y: tuple[list[float], list[float], list[float]]
    result: list[tuple[tuple[list[float], list[float], list[float]], tuple[list[float], list[float], list[float]]]] = []
    for x in range(len(l) - 1):
        ls = l[x + 1:]
        for y in ls:
            result.append((l[x], y))
    return result


PI: float = 3.14159265358979323
SOLAR_MASS: float = 4 * PI * PI
DAYS_PER_YEAR: float = 365.24

BODIES: dict[str, tuple[list[float], list[float], list[float]]] = {
    'sun': ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [SOLAR_MASS]),

    'jupiter': ([4.84143144246472090e+00,
                 -1.16032004402742839e+00,
                 -1.03622044471123109e-01],
                [1.66007664274403694e-03 * DAYS_PER_YEAR,
                 7.69901118419740425e-03 * DAYS_PER_YEAR,
                 -6.90460016972063023e-05 * DAYS_PER_YEAR],
                [9.54791938424326609e-04 * SOLAR_MASS]),

    'saturn': ([8.34336671824457987e+00,
                4.12479856412430479e+00,
                -4.03523417114321381e-01],
               [-2.76742510726862411e-03 * DAYS_PER_YEAR,
                4.99852801234917238e-03 * DAYS_PER_YEAR,
                2.30417297573763929e-05 * DAYS_PER_YEAR],
               [2.85885980666130812e-04 * SOLAR_MASS]),

    'uranus': ([1.28943695621391310e+01,
                -1.51111514016986312e+01,
                -2.23307578892655734e-01],
               [2.96460137564761618e-03 * DAYS_PER_YEAR,
                2.37847173959480950e-03 * DAYS_PER_YEAR,
                -2.96589568540237556e-05 * DAYS_PER_YEAR],
               [4.36624404335156298e-05 * SOLAR_MASS]),

    'neptune': ([1.53796971148509165e+01,
                 -2.59193146099879641e+01,
                 1.79258772950371181e-01],
                [2.68067772490389322e-03 * DAYS_PER_YEAR,
                 1.62824170038242295e-03 * DAYS_PER_YEAR,
                 -9.51592254519715870e-05 * DAYS_PER_YEAR],
                [5.15138902046611451e-05 * SOLAR_MASS])}


SYSTEM: list[tuple[list[float], list[float], list[float]]] = list(BODIES.values())
PAIRS: list[tuple[tuple[list[float], list[float], list[float]], tuple[list[float], list[float], list[float]]]] = combinations(SYSTEM)


def advance(dt: float, n: int, bodies: list[tuple[list[float], list[float], list[float]]] = SYSTEM, pairs: list[tuple[tuple[list[float], list[float], list[float]], tuple[list[float], list[float], list[float]]]] = PAIRS) -> None:
    i: int
    x1: float
    y1: float
    z1: float
    x2: float
    y2: float
    z2: float
    v1: list[float]
    v2: list[float]
    m1: list[float]
    m2: list[float]
    dx: float
    dy: float
    dz: float
    mag: float
    b1m: float
    b2m: float
    r: list[float]
    vx: float
    vy: float
    vz: float
    m: list[float]
    for i in range(n):
        for (([x1, y1, z1], v1, m1),
             ([x2, y2, z2], v2, m2)) in pairs:
            dx = x1 - x2
            dy = y1 - y2
            dz = z1 - z2
            mag = dt * ((dx * dx + dy * dy + dz * dz) ** (-1.5))
            b1m = m1[0] * mag
            b2m = m2[0] * mag
            v1[0] -= dx * b2m
            v1[1] -= dy * b2m
            v1[2] -= dz * b2m
            v2[0] += dx * b1m
            v2[1] += dy * b1m
            v2[2] += dz * b1m
        for (r, [vx, vy, vz], m) in bodies:
            r[0] += dt * vx
            r[1] += dt * vy
            r[2] += dt * vz


def report_energy(bodies: list[tuple[list[float], list[float], list[float]]] = SYSTEM, pairs: list[tuple[tuple[list[float], list[float], list[float]], tuple[list[float], list[float], list[float]]]] = PAIRS, e: float = 0.0) -> float:
    x1: float
    y1: float
    z1: float
    x2: float
    y2: float
    z2: float
    v1: list[float]
    v2: list[float]
    m1: list[float]
    m2: list[float]
    dx: float
    dy: float
    dz: float
    r: list[float]
    vx: float
    vy: float
    vz: float
    m: list[float]
    for (((x1, y1, z1), v1, m1),
         ((x2, y2, z2), v2, m2)) in pairs:
        dx = x1 - x2
        dy = y1 - y2
        dz = z1 - z2
        e -= (m1[0] * m2[0]) / ((dx * dx + dy * dy + dz * dz) ** 0.5)
    for (r, [vx, vy, vz], m) in bodies:
        e += m[0] * (vx * vx + vy * vy + vz * vz) / 2.
    return e


def offset_momentum(ref: tuple[list[float], list[float], list[float]], bodies: list[tuple[list[float], list[float], list[float]]] = SYSTEM, px: float = 0.0, py: float = 0.0,
                    pz: float = 0.0) -> None:
    r: list[float]
    vx: float
    vy: float
    vz: float
    m: list[float]
    v: list[float]
    for (r, [vx, vy, vz], m) in bodies:
        px -= vx * m[0]
        py -= vy * m[0]
        pz -= vz * m[0]
    (r, v, m) = ref
    v[0] = px / m[0]
    v[1] = py / m[0]
    v[2] = pz / m[0]


def bench_nbody(loops: int, reference: str, iterations: int) -> float:
    # Set up global state
    offset_momentum(BODIES[reference])

    range_it: range = range(loops)
    t0: float = pyperf.perf_counter()

    for _ in range_it:
        report_energy()
        advance(0.01, iterations)
        report_energy()

    return pyperf.perf_counter() - t0


def add_cmdline_args(cmd, args):
    cmd.extend(("--iterations", str(args.iterations)))


if __name__ == '__main__':
    runner = pyperf.Runner(add_cmdline_args=add_cmdline_args)
    runner.metadata['description'] = "n-body benchmark"
    runner.argparser.add_argument("--iterations",
                                  type=int, default=DEFAULT_ITERATIONS,
                                  help="Number of nbody advance() iterations "
                                       "(default: %s)" % DEFAULT_ITERATIONS)
    runner.argparser.add_argument("--reference",
                                  type=str, default=DEFAULT_REFERENCE,
                                  help="nbody reference (default: %s)"
                                       % DEFAULT_REFERENCE)

    args = runner.parse_args()
    runner.bench_time_func('nbody', bench_nbody,
                           args.reference, args.iterations)
