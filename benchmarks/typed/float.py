"""Typed variant of pyperformance 1.14.0's benchmarks/bm_float/run_benchmark.py (pyperformance is
MIT-licensed; its notice applies to this file): type annotations added, nothing else
changed (tests/benchmarks checks that stripping them gives the original's AST). It shows
what annotations buy a compiler. The original docstring follows.

Artificial, floating point-heavy benchmark originally used by Factor.
"""
import pyperf

from math import sin, cos, sqrt


POINTS: int = 100000


class Point(object):
    __slots__ = ('x', 'y', 'z')

    x: float
    y: float
    z: float

    def __init__(self, i: int) -> None:
        x: float
        self.x = x = sin(i)
        self.y = cos(i) * 3
        self.z = (x * x) / 2

    def __repr__(self) -> str:
        return "<Point: x=%s, y=%s, z=%s>" % (self.x, self.y, self.z)

    def normalize(self) -> None:
        x: float = self.x
        y: float = self.y
        z: float = self.z
        norm: float = sqrt(x * x + y * y + z * z)
        self.x /= norm
        self.y /= norm
        self.z /= norm

    def maximize(self, other: "Point") -> "Point":
        self.x = self.x if self.x > other.x else other.x
        self.y = self.y if self.y > other.y else other.y
        self.z = self.z if self.z > other.z else other.z
        return self


def maximize(points: list["Point"]) -> "Point":
    p: Point
    next: Point = points[0]
    for p in points[1:]:
        next = next.maximize(p)
    return next


def benchmark(n: int) -> Point:
    i: int
    p: Point
    points: list[Point] = [None] * n  # type: ignore[list-item]
    for i in range(n):
        points[i] = Point(i)
    for p in points:
        p.normalize()
    return maximize(points)


if __name__ == "__main__":
    runner = pyperf.Runner()
    runner.metadata['description'] = "Float benchmark"

    points = POINTS
    runner.bench_func('float', benchmark, points)
