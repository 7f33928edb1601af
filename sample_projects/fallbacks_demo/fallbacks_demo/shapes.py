"""Shapes: a `match` over dicts, sequences and classes dispatching to plain geometry.
(`match` was an interpreted fallback until the translator learnt it; kept here as a check.)"""

import math


class Point:
    __match_args__ = ("x", "y")

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __repr__(self):
        return f"Point({self.x}, {self.y})"


def circle_area(r):
    return math.pi * r * r


def polygon_area(points):
    """Shoelace formula."""
    acc = 0
    for i in range(len(points)):
        x1, y1 = points[i]
        x2, y2 = points[(i + 1) % len(points)]
        acc += x1 * y2 - x2 * y1
    return abs(acc) / 2


def area(shape):
    match shape:
        case {"kind": "circle", "r": r}:
            return circle_area(r)
        case {"kind": "rect", "w": w, "h": h}:
            return w * h
        case {"kind": "polygon", "points": [_, _, _, *_] as pts}:
            return polygon_area(pts)
        case Point():
            return 0.0
        case [*shapes]:
            return sum([area(s) for s in shapes])
        case _:
            raise TypeError(f"not a shape: {shape!r}")


def describe(shape):
    try:
        return f"{area(shape):.3f}"
    except TypeError as exc:
        return f"error: {exc}"
