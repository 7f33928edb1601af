"""Float runs that store attributes and choose between floats (translator/floatrun.py):
`self.x = <float>` into a __slots__ member (empty or holding a float) or an instance value,
and `a if x > y else b`. The chosen object itself is stored (identity is printed), only the
chosen branch is read, NaN/-0.0/int/subclass/str operands and odd attribute holders take the
ordinary path, and a store that cannot run without code (a property, __setattr__, a
non-float old value with __del__) deoptimises before anything is written."""

import math
from math import sin, cos, sqrt


class Point(object):
    """pyperformance's bm_float Point."""
    __slots__ = ('x', 'y', 'z')

    def __init__(self, i):
        self.x = x = sin(i)
        self.y = cos(i) * 3
        self.z = (x * x) / 2

    def normalize(self):
        x = self.x
        y = self.y
        z = self.z
        norm = sqrt(x * x + y * y + z * z)
        self.x /= norm
        self.y /= norm
        self.z /= norm

    def maximize(self, other):
        self.x = self.x if self.x > other.x else other.x
        self.y = self.y if self.y > other.y else other.y
        self.z = self.z if self.z > other.z else other.z
        return self


class Plain:
    """The same methods on an instance with a values array (no __slots__)."""

    def __init__(self, x, y, z):
        self.x = x
        self.y = y
        self.z = z

    def scale(self, k):
        self.x = self.x * k + 0.5
        self.y = self.y * k - 0.5
        self.z = self.z * k * k
        return self

    maximize = Point.maximize


class Noisy:
    def __del__(self):
        print("Noisy.__del__")


class F(float):
    pass


class Guarded(Plain):
    def __setattr__(self, name, value):
        print("Guarded.__setattr__", name, value)
        object.__setattr__(self, name, value)


class Prop:
    __slots__ = ("_x", "y", "z")

    def __init__(self):
        self._x, self.y, self.z = 1.0, 2.0, 3.0

    @property
    def x(self):
        print("Prop.x get")
        return self._x

    @x.setter
    def x(self, v):
        print("Prop.x set", v)
        self._x = v

    maximize = Point.maximize


def show(p):
    return (p.x, p.y, p.z)


def test_bm_float():
    points = [Point(i) for i in range(60)]
    for p in points:
        p.normalize()
    best = points[0]
    for p in points[1:]:
        best = best.maximize(p)
    print(show(best))
    print([show(p) for p in points[:3]])


def test_identity():
    a, b = Point(1), Point(2)
    a.x, b.x = 0.25, 0.75
    a.maximize(b)
    print(a.x is b.x, a.y is b.y, a.z is b.z)
    c = Point(3)
    c.maximize(c)
    print(show(c))


def test_init_argument_kinds():
    for i in (0, 1, -7, 2 ** 40, 2 ** 62, 2 ** 70, 1.5, -0.0, True, F(0.5), float("inf"), float("nan")):
        try:
            print(show(Point(i)))
        except Exception as e:
            print(type(e).__name__, e)
    for i in ("s", None, 1j):
        try:
            Point(i)
        except Exception as e:
            print(type(e).__name__, e)


def test_special_values():
    nan, inf = float("nan"), float("inf")
    for vals in ((nan, 1.0, -0.0), (0.0, -0.0, inf), (-inf, nan, 0.0), (1, 2.0, F(3.0)), (True, 2 ** 60, -1)):
        a = Point(0)
        a.x, a.y, a.z = vals
        b = Point(1)
        b.x, b.y, b.z = (0.0, -0.0, 1.0)
        a.maximize(b)
        print(show(a), [type(v).__name__ for v in show(a)], [math.copysign(1, v) for v in show(a)])
    p = Point(2)
    p.x = p.y = p.z = 0.0
    try:
        p.normalize()
    except ZeroDivisionError as e:
        print("ZeroDivisionError", e, show(p))
    p.x, p.y, p.z = 1e300, 1e300, 1.0
    p.normalize()
    print(show(p))


def test_empty_and_odd_slots():
    p = Point.__new__(Point)
    try:
        p.maximize(Point(1))
    except AttributeError as e:
        print("AttributeError", e)
    q = Point.__new__(Point)
    q.x = 2.0
    try:
        q.normalize()
    except AttributeError as e:
        print("AttributeError", e, q.x)
    r = Point(1)
    r.y = Noisy()
    try:
        r.maximize(Point(2))
    except TypeError as e:
        print("TypeError", e)
    r.y = 5.0
    print("released")
    r.maximize(Point(2))
    print(show(r))


def test_plain_instances():
    a = Plain(1.0, 2.0, 3.0)
    print(show(a.scale(2.0)), show(a.scale(3)))
    b = Plain(1, 2, 3)
    print(show(b.scale(2)), [type(v).__name__ for v in show(b)])
    c = Plain(0.5, "s", 1.0)
    try:
        c.scale(2.0)
    except TypeError as e:
        print("TypeError", e, show(c))
    d = Plain(5.0, 1.0, -1.0)
    d.maximize(Plain(1.0, 7.0, -0.5))
    print(show(d))
    g = Guarded(1.0, 2.0, 3.0)
    g.scale(2.0)
    g.maximize(Plain(9.0, 0.0, 0.0))
    print(show(g))
    pr = Prop()
    pr.maximize(Plain(0.5, 0.5, 4.0))
    print(pr._x, pr.y, pr.z)


def test_rebound_names():
    global sin
    saved = sin
    sin = lambda v: 42.0
    try:
        print(show(Point(1)))
    finally:
        sin = saved
    print(show(Point(1)))


def chain(o, v):
    o.x = y = v * 2.0
    o.y = y + 1.0
    return o.x is y, y


def test_chained_targets():
    for o in (Point(1), Plain(1.0, 2.0, 3.0), Plain(Noisy(), 1.0, 1.0), Point.__new__(Point), Guarded(0.0, 0.0, 0.0)):
        for v in (1.5, 3, F(2.0), float("nan"), "s"):
            try:
                print(chain(o, v), show(o) if hasattr(o, "z") else o.x)
            except Exception as e:
                print(type(e).__name__, e)
