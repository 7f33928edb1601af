"""Direct calls of compiled methods (translator/methodcalls.py): `obj.m(args)` entering the
body of a compiled method found by the site's method lookup, and binary operators calling a
compiled `__add__`/`__sub__`/`__mul__`/`__truediv__` directly. Whatever the site meets
instead - a subclass's override, a method patched on the class or shadowed by an instance
attribute, `__getattribute__`, a property, a staticmethod or other descriptor, a replaced
`__code__`, `__class__` reassigned, `NotImplemented`, a reflected operand - the program
sees what CPython gives: results, errors and their messages, tracebacks (function names
and lines), the frames a callee sees, the recursion limit."""

import sys
import traceback

# compiled frames exist except in an .abi3.so build (runtime/frames.hpp)
FRAMES = not __file__.endswith(".abi3.so")


class Shape:
    def __init__(self, w, h):
        self.w = w
        self.h = h

    def area(self):
        return self.w * self.h

    def scaled(self, k):
        return Shape(self.w * k, self.h * k)

    def describe(self, prefix):
        return prefix + ":" + str(self.area())

    def fail(self, x):
        return 1 // x

    def caller_line(self):
        f = sys._getframe(1)
        return f.f_code.co_name, f.f_lineno - Shape.__init__.__code__.co_firstlineno

    def down(self, n):
        return 0 if n == 0 else 1 + self.down(n - 1)


class Square(Shape):
    def area(self):
        return self.w * self.w + 1


class Slotted:
    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def area(self):
        return -self.v


class Guarded(Shape):
    def __getattribute__(self, name):
        if name == "area":
            return lambda: "from __getattribute__"
        return object.__getattribute__(self, name)


class WithProperty(Shape):
    @property
    def area(self):
        return lambda: "from a property"


class Static(Shape):
    @staticmethod
    def area():
        return "static"


class Strength:
    def __init__(self, v):
        self.v = v

    @classmethod
    def stronger(cls, a, b):
        return cls.__name__, a.v > b.v

    @staticmethod
    def weakest(a, b):
        return a if a.v < b.v else b

    @classmethod
    def fails(cls, a):
        return 1 // a


class Required(Strength):
    pass


def strengths(s, t):
    return (Strength.stronger(s, t), Required.stronger(s, t), s.stronger(t, s), Strength.weakest(s, t).v,
            t.weakest(t, s).v)


def test_classmethods_and_staticmethods():
    s, t = Strength(1), Required(2)
    print(strengths(s, t))
    for call in (lambda: Strength.stronger(s), lambda: Strength.weakest(s, t, s), lambda: Strength.fails(0)):
        try:
            print(call())
        except (TypeError, ZeroDivisionError) as e:
            print(type(e).__name__, e, [f.name for f in traceback.extract_tb(e.__traceback__)][1:])
    saved, saved_static = Strength.__dict__["stronger"], Strength.__dict__["weakest"]
    Strength.stronger = classmethod(lambda cls, a, b: "patched " + cls.__name__)
    Strength.weakest = staticmethod(Strength.fails.__func__)
    try:
        print(strengths(s, t))
    except TypeError as e:
        print("TypeError", e)
    Strength.weakest = lambda a, b: "plain function"
    print(Strength.weakest(s, t))
    Strength.stronger, Strength.weakest = saved, saved_static
    Required.stronger = staticmethod(lambda a, b: "static now")
    print(strengths(s, t))
    del Required.stronger
    print(strengths(s, t))


def use(s):
    return s.area(), s.describe("d"), s.scaled(2).area()


def twice_fail(s, x):
    return s.fail(x) + s.fail(x)


def interpreted_area(self):
    return "interpreted"


def test_dispatch_and_patching():
    s, q, sl = Shape(2, 3), Square(2, 3), Slotted(5)
    print(use(s), use(q), sl.area())
    for obj in (Guarded(1, 2), WithProperty(1, 2), Static(1, 2)):
        print(type(obj).__name__, obj.area())
    # an instance attribute shadows the method
    s2 = Shape(1, 1)
    s2.area = lambda: "instance"
    print(s2.area(), s2.describe("p"), Shape(4, 1).area())
    del s2.area
    print(s2.area())
    # the class's method patched: another compiled method, an interpreted function, back
    saved = Shape.area
    Shape.area = Square.area
    print(use(s))
    Shape.area = eval("lambda self: 'lambda'")
    print(use(s), use(q))
    Shape.area = saved
    print(use(s))
    # __code__ replaced by another compiled method's and by interpreted code
    saved_code = Shape.area.__code__
    Shape.area.__code__ = Square.area.__code__
    print(use(s))
    Shape.area.__code__ = interpreted_area.__code__
    print(use(s))
    Shape.area.__code__ = saved_code
    print(use(s))
    # __class__ reassigned
    s3 = Shape(3, 3)
    s3.__class__ = Square
    print(use(s3))
    s3.__class__ = Shape
    print(use(s3))
    # a class made later whose method has the same name
    Later = type("Later", (), {"area": lambda self: "later", "describe": Shape.describe})
    print(Later().area(), Later().describe("x"))


def test_arguments_and_errors():
    s = Shape(2, 2)
    for call in (lambda: s.scaled(), lambda: s.scaled(1, 2), lambda: s.scaled(k=3).area(),
                 lambda: Shape.scaled(s, 3).area(), lambda: s.describe(None)):
        try:
            print(call())
        except TypeError as e:
            print("TypeError", e)
    try:
        twice_fail(s, 0)
    except ZeroDivisionError as e:
        print([(f.name, f.lineno - Shape.__init__.__code__.co_firstlineno)
               for f in traceback.extract_tb(e.__traceback__)][1:])
    print(twice_fail(s, 1))
    got = s.caller_line()
    here = sys._getframe().f_lineno - 1 - Shape.__init__.__code__.co_firstlineno if FRAMES else 0
    if FRAMES:  # the callee sees its caller's frame at the line of the call
        assert got == ("test_arguments_and_errors", here), (got, here)


def depth():
    return len(traceback.extract_stack())


def test_recursion_limit():
    s = Shape(1, 1)
    print(s.down(50))
    old = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(depth() + 60)
        deepest = max([n for n in range(30, 70) if _fits(s, n)] or [0])
        print("deepest in range", 30 < deepest < 69 or not FRAMES)
        try:
            s.down(10 ** 6)
        except RecursionError:
            print("RecursionError")
    finally:
        sys.setrecursionlimit(old)
    # (compiled code is not seen by profilers, docs/differences.md: only that it runs)
    sys.setprofile(lambda frame, event, arg: None)
    try:
        r = s.down(3)
    finally:
        sys.setprofile(None)
    print(r)


def _fits(s, n):
    try:
        s.down(n)
        return True
    except RecursionError:
        return False


class Vec:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, o):
        return Vec(self.x + o.x, self.y + o.y)

    def __sub__(self, o):
        if not isinstance(o, Vec):
            return NotImplemented
        return Vec(self.x - o.x, self.y - o.y)

    def __mul__(self, k):
        if isinstance(k, Vec):
            return self.x * k.x + self.y * k.y
        if k == 0:
            raise ValueError("zero scale")
        return Vec(self.x * k, self.y * k)

    def __rmul__(self, k):
        return Vec(-self.x * k, -self.y * k)

    def __truediv__(self, k):
        return NotImplemented

    def __repr__(self):
        return f"Vec({self.x}, {self.y})"


class SubVec(Vec):
    def __rsub__(self, o):
        return "SubVec.__rsub__"

    def __add__(self, o):
        return "SubVec.__add__"


class Other:
    def __rsub__(self, o):
        return "Other.__rsub__"

    def __rtruediv__(self, o):
        return "Other.__rtruediv__"


class OtherStatic:
    __rsub__ = staticmethod(lambda a: ("OtherStatic.__rsub__", a))
    __radd__ = 5  # not callable: the TypeError of calling it


class SeqVec(list):
    def __add__(self, o):
        return NotImplemented

    def __mul__(self, o):
        return NotImplemented


def ops(a, b):
    out = []
    for f in (lambda: a + b, lambda: a - b, lambda: a * b, lambda: a / b):
        try:
            out.append(f())
        except (TypeError, ValueError, AttributeError) as e:
            out.append(f"{type(e).__name__}: {e}")
        except ZeroDivisionError:
            out.append("ZeroDivisionError")
    return out


def scale_fail(v):
    return v * 0


def test_dunders():
    a, b = Vec(1, 2), Vec(3, 5)
    print(ops(a, b), ops(a, 2), ops(a, 2.5), ops(2, a), ops(a, "s"))
    print(ops(a, SubVec(1, 1)), ops(SubVec(1, 1), a), ops(a, Other()), ops(a, OtherStatic()), ops(a, [1]))
    print(ops(SeqVec([1]), SeqVec([2])), ops(SeqVec([1]), 2))
    try:
        scale_fail(a)
    except ValueError as e:
        print([(f.name, f.lineno - Vec.__init__.__code__.co_firstlineno)
               for f in traceback.extract_tb(e.__traceback__)][1:])
    saved = Vec.__sub__
    Vec.__sub__ = lambda s, o: "patched"
    print(ops(a, b))
    Vec.__sub__ = saved
    c = Vec(0, 1)
    c.__add__ = lambda o: "instance attributes do not take part"
    print(ops(c, b))
    c.__class__ = SubVec
    print(ops(c, b))
    total = Vec(0, 0)
    for i in range(5):
        total = total + Vec(i, i) * 2 - Vec(1, 0)
    print(total, total * total)
