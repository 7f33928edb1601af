"""Generators whose numeric locals compiled code keeps as native numbers in the generator's
heap frame (GenObject::nums, runtime/generator.hpp): values across yields, ints beyond
int64, floats, identity of ints outside the small-int cache, parameters of any type,
unbound and deleted locals, close/throw/abandon mid-way (finally blocks read them), and
reference cycles through a local the garbage collector must see."""

import gc
import weakref


def counter(n, step):
    i = 0
    total = 0
    while i < n:
        total += i * step
        yield i, total
        i += 1
    yield "end", total


def test_values_across_yields():
    print(list(counter(4, 3)), list(counter(3, 2 ** 62)), list(counter(2, 0.5)), list(counter(0, 1)))
    print(list(counter(3, True)), list(counter(2, 2 ** 80)), list(counter(2.5, 1)))


def down(r):
    for i in reversed(range(r)):
        k = i * 2
        yield i, k, i - r
    for i in reversed(range(r - 2, r)):
        yield i
    yield "last", i


def test_reversed_range_locals():
    print(list(down(4)), list(down(2)))
    try:
        list(down(0))
    except NameError as e:  # `i` never bound: UnboundLocalError
        print(type(e).__name__)
    print(next(down(2 ** 63 + 2)), list(x for x in down(3)))


def ident():
    x = 1000 * 1000 + 7
    y = x
    yield x
    yield x is y
    z = x + 0
    yield z
    x = x * 2
    yield x


def twice(k):
    x = 1000 * 1000 + k
    yield x
    yield x
    x += 1
    yield x


def test_identity_outside_small_ints():
    a, b, c = twice(3)
    print(a is b, a is c, c)
    g = ident()
    a = next(g)
    print(a, next(g))
    b = next(g)
    print(b == a, next(g))
    g2 = ident()
    first = next(g2)
    print(type(first).__name__, first)


def params(a, b=2):
    a = a + b
    yield a
    b = b * a
    yield b


class Num:
    def __init__(self, v):
        self.v = v

    def __add__(self, other):
        return Num(self.v + other)

    def __radd__(self, other):
        return Num(other + self.v)

    def __mul__(self, other):
        return Num(self.v * (other.v if isinstance(other, Num) else other))

    __rmul__ = __mul__

    def __repr__(self):
        return f"Num({self.v})"


def test_parameters_of_any_type():
    print(list(params(1)), list(params(1.5, 2)), list(params(2 ** 70, -1)), list(params(True, True)))
    print(list(params(Num(3))), next(params("a", "b")))
    try:
        list(params("a", 1))
    except TypeError as e:
        print("TypeError", e)


def unbound(flag):
    if flag:
        k = 1 + 1
    yield 0
    yield k
    del k
    yield "deleted"
    yield k


def test_unbound_and_deleted():
    for flag in (True, False):
        out = []
        try:
            for v in unbound(flag):
                out.append(v)
        except NameError as e:
            out.append(type(e).__name__)
        print(out)


def guarded(log):
    n = 10
    try:
        while True:
            try:
                got = yield n
            except ValueError:
                n = n * 3
                log.append(("caught", n))
                continue
            n = n + (got or 1)
    finally:
        log.append(("finally", n, n * 2))


def test_close_throw_abandon():
    log = []
    g = guarded(log)
    print(next(g), g.send(5), g.throw(ValueError), next(g))
    g.close()
    print(log)
    log = []
    g = guarded(log)
    print(next(g), g.send(2 ** 64))
    del g  # abandoned mid-way: finally runs, reading the locals
    gc.collect()
    print(log)
    log = []
    g = guarded(log)
    next(g)
    try:
        g.throw(KeyError("k"))
    except KeyError as e:
        print("KeyError", e, log)
    print(next(g, "done"))


class Holder:
    def __init__(self):
        self.gen = None

    def __add__(self, other):
        return self

    __radd__ = __add__


def cyclic(h):
    h = h + 1  # a numeric-looking local holding an object
    yield h
    yield h


def test_cycle_through_local():
    h = Holder()
    g = cyclic(h)
    h.gen = g
    print(next(g) is h)
    w = weakref.ref(h)
    del h, g
    gc.collect()
    print(w() is None)
