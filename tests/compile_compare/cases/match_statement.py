"""The match statement: every pattern kind, guards, bindings, errors."""

import dataclasses
import enum


class Color(enum.Enum):
    RED = 1
    GREEN = 2


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Plain:
    def __init__(self, a):
        self.a = a


def describe(v):
    match v:
        case None:
            return "none"
        case True:
            return "true"
        case 0 | 1 as small:
            return f"small {small}"
        case Color.RED:
            return "red"
        case str() as s if len(s) > 3:
            return f"long str {s}"
        case str(s):
            return f"str {s}"
        case [x, y]:
            return f"pair {x} {y}"
        case [first, *rest] if rest:
            return f"seq {first} {rest}"
        case (a, b, *mid, z):
            return f"never {a}"
        case {"kind": "point", "x": x, **others}:
            return f"point-map {x} {others}"
        case {"k": [1, *_]}:
            return "nested"
        case Point(x=0, y=yy):
            return f"on y axis {yy}"
        case Point(xx, yy):
            return f"point {xx},{yy}"
        case Plain(a=[_, _] as two):
            return f"plain two {two}"
        case float(f) | int(f):
            return f"number {f}"
        case _:
            return "other"


def test_patterns():
    values = [None, True, 0, 1, Color.RED, Color.GREEN, "hello", "hi", [1, 2], [1, 2, 3], (9,), {"kind": "point", "x": 3, "z": 4},
              {"k": [1, 2]}, Point(0, 5), Point(2, 3), Plain([1, 2]), Plain(1), 2.5, 7, object]
    for v in values:
        print(describe(v))


def test_bindings_and_guard():
    hits = []
    for item in [(1, 2), (3, 4), "x"]:
        match item:
            case (a, b) if a > 2:
                hits.append(("big", a, b))
            case (a, b):
                hits.append(("small", a, b))
            case other:
                hits.append(("other", other))
    print(hits)
    match [1, 2]:
        case [p, q] if p > 5:
            pass
        case _:
            pass
    print(p, q)


class NoArgs:
    pass


class BadArgs:
    __match_args__ = ["x"]


def test_errors():
    for subject, thunk in [(NoArgs(), lambda s: _m1(s)), (BadArgs(), lambda s: _m2(s)), (1, lambda s: _m3(s))]:
        try:
            thunk(subject)
        except TypeError as e:
            print(e)


def _m1(s):
    match s:
        case NoArgs(1):
            pass


def _m2(s):
    match s:
        case BadArgs(1):
            pass


def _m3(s):
    not_a_class = 5
    match s:
        case not_a_class.real():
            pass


def test_mapping_duplicates():
    class K:
        A = "a"
        B = "a"

    try:
        match {"a": 1}:
            case {K.A: 1, K.B: 1}:
                pass
    except ValueError as e:
        print(e)


def test_capture_before_or_pattern():
    match (False, 2, True):
        case [y, (1 | 2), z]:
            print(y, z)
    match [1, 2, 3]:
        case [*_]:
            print("any sequence")


def test_class_pattern_keywords_are_not_mangled():
    class C:
        __attr = "eggs"  # stored as _C__attr
        _Outer__attr = "bacon"

    class Outer:
        def f(self, x):
            match x:
                case C(__attr=y):  # looks up "__attr" itself
                    return y
            return "no match"

        def g(self, x):
            match x:
                case C(__attr=__bound):  # the bound name is mangled as any name
                    return __bound
            return "no match"

    c = C()
    setattr(c, "__attr", "spam")
    print(Outer().f(c), Outer().g(c), Outer().f(object()))
