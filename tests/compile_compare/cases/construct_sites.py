"""Direct instantiation sites (translator/methodcalls.py construct_site, runtime/ops.hpp
class_init_code/construct): `C(args)` entering a compiled `__init__` of the module with a
new instance, and every way the site must take the ordinary call instead: `__init__` or
`__new__` given to the class after first calls, `__init__.__code__` replaced, a metaclass
with `__call__`, subclasses (with and without their own `__init__`, with a `__dict__`), an
abstract class, a name rebound to something that is not a class. And what the call does
either way: `__init__` returning non-None, keywords, wrong argument counts (the messages),
exceptions raised inside `__init__` (their tracebacks), recursion through constructors."""

import abc
import sys
import traceback


class Point:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y * 2.0


class Plain:
    def __init__(self, v):
        self.v = v


class Sub(Plain):
    pass


class SubInit(Plain):
    def __init__(self, v):
        super().__init__(v)
        self.w = -v


class Returns:
    def __init__(self, v):
        self.v = v
        if v:
            return v


class Fails:
    def __init__(self, v):
        self.v = v
        if v < 0:
            raise ValueError("negative")
        self.r = 1 // v


class Chain:
    def __init__(self, n):
        self.n = n
        self.next = Chain(n - 1) if n else None


class Abstract(abc.ABC):
    @abc.abstractmethod
    def f(self):
        pass

    def __init__(self, v):
        self.v = v


class Meta(type):
    calls = []

    def __call__(cls, *args, **kw):
        Meta.calls.append((cls.__name__, args, kw))
        return super().__call__(*args, **kw)


class Metad(metaclass=Meta):
    def __init__(self, v):
        self.v = v


def make_plain(v):
    return Plain(v)


def make_point(i):
    return Point(i, i + 0.5)


def errors(*fs):
    out = []
    for f in fs:
        try:
            r = f()
            out.append(("ok", type(r).__name__))
        except (TypeError, ValueError, ZeroDivisionError) as e:
            out.append((type(e).__name__, str(e)))
    return out


def test_fast_and_plain():
    p = make_point(3)
    print(p.x, p.y, type(p).__name__, make_plain([1]).v)
    print(Sub(4).v, type(Sub(4)).__name__, vars(Sub(5)), vars(SubInit(6)))
    print(Metad(7).v, Meta.calls)


def test_returns_non_none_and_wrong_counts():
    print(Returns(0).v)
    print(errors(lambda: Returns(2), lambda: Returns("s"), lambda: Plain(), lambda: Plain(1, 2),
                 lambda: Point(1), lambda: Point(1, 2, 3), lambda: Abstract(1), lambda: Sub(1, 2)))
    print(errors(lambda: Plain(v=3), lambda: Point(1, y=2), lambda: Point(y=1, x=2), lambda: Plain(w=1)))
    print(Plain(v=3).v, Point(y=1, x=2).y)


def tb_lines(e):
    return [(t.name, t.lineno) for t in traceback.extract_tb(e.__traceback__)]


def test_exceptions_inside_init():
    for v in (-1, 0):
        try:
            Fails(v)
        except (ValueError, ZeroDivisionError) as e:
            print(type(e).__name__, tb_lines(e))
    before = sys.getrefcount(Fails)
    for v in range(-3, 3):
        try:
            Fails(v)
        except (ValueError, ZeroDivisionError):
            pass
    print(sys.getrefcount(Fails) - before)


def test_recursion():
    c = Chain(40)
    n = 0
    while c.next is not None:
        c, n = c.next, n + 1
    print(n)
    try:
        Chain(10 ** 6)
    except RecursionError:
        print("RecursionError")


def test_init_reassigned_after_first_calls():
    class Local:
        def __init__(self, a, b):
            self.ab = (a, b)

    out = [Local(1, 2).ab, make_plain(1).v]
    saved = Plain.__init__
    Plain.__init__ = lambda self, v: setattr(self, "v", ("patched", v))
    Local.__init__ = lambda self, *a: setattr(self, "ab", ("patched",) + a)
    out += [make_plain(2).v, Local(3, 4).ab, Sub(5).v]
    Plain.__init__ = saved
    out += [make_plain(6).v, Sub(7).v]
    del Local.__init__
    out += errors(lambda: Local(1, 2))
    print(out)


def test_new_given_later_and_code_replaced():
    class Later:
        def __init__(self, v):
            self.v = v

    log = []
    out = [Later(1).v]
    Later.__new__ = staticmethod(lambda cls, *a: log.append(a) or object.__new__(cls))
    out.append(Later(2).v)
    del Later.__new__
    # (CPython's tp_new is then slot_tp_new over object.__new__, which refuses arguments)
    out += errors(lambda: Later(3))

    class Other:
        def __init__(self, v):
            self.v = ("other", v)

    class Recoded:
        def __init__(self, v):
            self.v = v

    out.append(Recoded(4).v)
    Recoded.__init__.__code__ = Other.__init__.__code__
    out.append(Recoded(5).v)
    print(out, log)


def test_name_rebound_to_other_callables():
    global Plain
    saved = Plain
    out = [make_plain(1).v]
    try:
        Plain = lambda v: ("function", v)
        out.append(make_plain(2))
        Plain = Sub
        out.append((type(make_plain(3)).__name__, make_plain(3).v))
        Plain = SubInit
        out.append(vars(make_plain(4)))
        Plain = Metad
        out.append(make_plain(5).v)
        Plain = list
        out.append(make_plain("ab"))
        Plain = Abstract
        out += errors(lambda: make_plain(6))
    finally:
        Plain = saved
    print(out, make_plain(7).v, Meta.calls[-1:])


def test_class_changed_while_init_runs():
    class Reentrant:
        def __init__(self, n):
            self.n = n
            if n:
                Reentrant.__init__ = lambda self, n: setattr(self, "n", -n)

    print(Reentrant(1).n, Reentrant(2).n)
