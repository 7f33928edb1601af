"""The `fallbacks-demo` console script: exercises every module, prints deterministic output."""

from . import __version__, introspect, jobs, legacy, shapes, streams


def main():
    print(f"fallbacks-demo {__version__}")
    print("primes:", streams.take(10, streams.primes()))
    print("chunks:", list(streams.chunked(range(7), 3)))
    print("flatten:", list(streams.flatten([1, [2, (3, [4])], 5])))
    print("squares:", streams.sum_of_squares(range(10)), "| means:", streams.running_mean([3, 1, 4, 1, 5]))
    print("countdown:", list(streams.Countdown(4)), [n for n in streams.Countdown(2)])
    shapes_list = [
        {"kind": "circle", "r": 1.5},
        {"kind": "rect", "w": 3, "h": 4},
        {"kind": "polygon", "points": [(0, 0), (4, 0), (4, 3)]},
        shapes.Point(1, 2),
        [{"kind": "rect", "w": 1, "h": 1}, {"kind": "circle", "r": 1}],
        {"kind": "polygon", "points": [(0, 0), (1, 1)]},
    ]
    for s in shapes_list:
        print("area", s, "->", shapes.describe(s))
    print("jobs ok:", jobs.run(["alpha", "be", "gamma"]))
    print("jobs failing:", jobs.run(["alpha", "bad-1", "zero", "bad-2"]))
    print("ticks:", jobs.run_ticks(5), "| comprehensions:", jobs.run_comprehensions(6))
    print("snapshot:", introspect.snapshot(1), "| eval:", introspect.evaluate("x * 3", 7), introspect.evaluate_in("x - 1", 7))
    print("evaluate_all:", introspect.evaluate_all(["1 + 2", "scale([4], 3)", "len('abc')"]))
    print("scale:", introspect.scale([1, 2, 3]), "| legacy:", legacy.shout("hello"), legacy.origin())
    return 0
