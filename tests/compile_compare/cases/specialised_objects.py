"""The specialised tier on objects: `__slots__` attribute caches, orderings of attributes
and items through Nums, and `x[i] op= v` / `o.a op= v` storing a float into the float object
it replaces. Each path is warmed (the caches filled) before the case that must leave it."""

import math


class P:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def scale(self, k):
        self.x *= k
        self.y /= k
        return self

    def bigger(self, other):
        return self.x if self.x > other.x else other.x


class Q(P):
    __slots__ = ("z",)


class R:
    __slots__ = ("x", "y")


def read_x(o):
    return o.x


def write_x(o, v):
    o.x = v


def test_slot_reads_and_writes():
    ps = [P(i * 0.5, i) for i in range(50)]
    assert [read_x(p) for p in ps] == [i * 0.5 for i in range(50)]
    for p in ps:
        write_x(p, p.y)
    assert [p.x for p in ps] == list(range(50))
    q = Q(1.0, 2.0)
    q.z = 3
    assert read_x(q) == 1.0 and q.z == 3
    write_x(q, "s")
    assert read_x(q) == "s"


def test_slot_deleted_and_empty():
    p = P(1.0, 2.0)
    for _ in range(5):
        assert read_x(p) == 1.0
    del p.x
    try:
        read_x(p)
    except AttributeError as e:
        assert "x" in str(e)
    else:
        raise AssertionError("no AttributeError")
    write_x(p, 4.0)  # an empty slot is set, as member_set does
    assert read_x(p) == 4.0
    r = R()
    try:
        read_x(r)
    except AttributeError:
        pass
    else:
        raise AssertionError("no AttributeError")


def test_slot_class_reassigned_and_patched():
    p = P(1.0, 2.0)
    for _ in range(5):
        write_x(p, read_x(p) + 1.0)
    r = R()
    r.x = 10.0
    p.__class__ = R  # same layout: allowed
    assert read_x(p) == 6.0 and type(p) is R
    p.__class__ = P

    class S:
        __slots__ = ("x",)

    s = S()
    s.x = 1
    for _ in range(5):
        write_x(s, read_x(s) + 1)
    saved = S.x
    S.x = property(lambda self: "prop", lambda self, v: None)
    assert read_x(s) == "prop"
    write_x(s, 99)
    assert read_x(s) == "prop"
    S.x = saved
    assert read_x(s) == 6

    class T:
        __slots__ = ("x",)

    t = T()
    t.x = 1.5
    for _ in range(5):
        assert read_x(t) == 1.5
    T.__getattribute__ = lambda self, name: "hooked"
    assert read_x(t) == "hooked"
    del T.__getattribute__
    assert read_x(t) == 1.5
    T.__setattr__ = lambda self, name, v: object.__setattr__(self, name, v * 2)
    write_x(t, 2.0)
    assert read_x(t) == 4.0


def test_slot_inplace_ops():
    ps = [P(float(i), float(i + 1)) for i in range(20)]
    for p in ps:
        p.scale(2.0)
    assert [(p.x, p.y) for p in ps] == [(i * 2.0, (i + 1) / 2.0) for i in range(20)]
    p = P(3, 4)  # ints: no float to reuse
    p.scale(2)
    assert (p.x, p.y) == (6, 2.0) and type(p.x) is int
    keep = 1.5
    p = P(keep, 1.0)
    p.scale(2.0)
    assert keep == 1.5 and p.x == 3.0  # a float held elsewhere is not overwritten
    p = P(1.0, 0.0)
    try:
        p.scale(0.0)
    except ZeroDivisionError:
        assert p.x == 0.0 and p.y == 0.0
    else:
        raise AssertionError("no ZeroDivisionError")


class Plain:
    def __init__(self, v):
        self.v = v

    def bump(self, k):
        self.v += k
        self.v *= k


def test_values_inplace_ops():
    objs = [Plain(float(i)) for i in range(20)]
    for o in objs:
        o.bump(0.5)
    assert [o.v for o in objs] == [(i + 0.5) * 0.5 for i in range(20)]
    a = 2.5
    o = Plain(a)
    o.bump(1.0)
    assert a == 2.5 and o.v == 3.5
    o = Plain(float("inf"))
    o.bump(-math.inf)
    assert math.isnan(o.v)


class F(float):
    pass


def add_to_items(lst, k):
    for i in range(len(lst)):
        lst[i] += k
        lst[i] *= k
    return lst


def test_list_item_inplace():
    assert add_to_items([1.0, 2.0, -0.0], 2.0) == [6.0, 8.0, 4.0]
    shared = 1.25
    lst = [shared, shared]
    add_to_items(lst, 1.0)
    assert shared == 1.25 and lst == [2.25, 2.25]
    alias = [0.5]
    held = alias[0]
    add_to_items(alias, 3.0)
    assert held == 0.5 and alias == [10.5]
    sub = add_to_items([F(1.5)], 1.0)
    assert sub == [2.5] and type(sub[0]) is float
    ints = add_to_items([1, 2], 3)
    assert ints == [12, 15] and type(ints[0]) is int
    big = add_to_items([2 ** 62], 2 ** 62)
    assert big == [(2 ** 62 + 2 ** 62) * 2 ** 62]
    mixed = add_to_items([1, 2.0], 0.5)
    assert mixed == [0.75, 1.25]
    try:
        add_to_items(["a"], 1.0)
    except TypeError as e:
        assert "str" in str(e)
    else:
        raise AssertionError("no TypeError")
    t = (1.0, 2.0)
    try:
        add_to_items(t, 1.0)
    except TypeError:
        assert t == (1.0, 2.0)
    else:
        raise AssertionError("no TypeError")

    class L(list):
        def __setitem__(self, i, v):
            list.__setitem__(self, i, v * 10)

    assert list(add_to_items(L([1.0]), 1.0)) == [200.0]
    d = {0: 1.0}
    assert add_to_items(d, 2.0) == {0: 6.0}
    nan = add_to_items([math.nan], 1.0)
    assert math.isnan(nan[0])


def test_item_inplace_errors():
    lst = [1.0]

    def bump(i):
        lst[i] += 1.0

    for _ in range(3):
        bump(0)
    try:
        bump(5)
    except IndexError as e:
        assert "index out of range" in str(e)
    else:
        raise AssertionError("no IndexError")
    assert lst == [4.0]
    try:
        lst[0] /= 0.0
    except ZeroDivisionError:
        assert lst == [4.0]
    else:
        raise AssertionError("no ZeroDivisionError")


class Odd:
    def __init__(self, v):
        self.v = v

    def __gt__(self, other):
        return "yes"

    def __lt__(self, other):
        return NotImplemented


class Box:
    def __init__(self, v):
        self.v = v


def biggest(a, b):
    return a.v if a.v > b.v else b.v


def first_smaller(xs, ys, i):
    return xs[i] < ys[i]


def test_attribute_orderings():
    for k in range(10):
        assert biggest(Box(k), Box(5)) == max(k, 5)
    assert biggest(Box(1.5), Box(1)) == 1.5
    assert biggest(Box(-0.0), Box(0.0)) == 0.0
    assert math.isnan(biggest(Box(1.0), Box(math.nan)))
    assert biggest(Box(math.nan), Box(1.0)) == 1.0
    assert biggest(Box(2 ** 63), Box(2 ** 63 + 1)) == 2 ** 63 + 1
    assert biggest(Box(2 ** 53 + 1), Box(float(2 ** 53))) == 2 ** 53 + 1
    assert biggest(Box("b"), Box("a")) == "b"
    assert biggest(Box((1, 2)), Box((1, 3))) == (1, 3)
    o = Odd(1)
    assert biggest(Box(o), Box(2)) is o  # "yes" is true
    assert (Box(o).v > 2) == "yes"
    try:
        biggest(Box("a"), Box(1))
    except TypeError as e:
        assert "not supported" in str(e)
    else:
        raise AssertionError("no TypeError")
    assert first_smaller([1, 2.5], [2, 2.0], 0) is True
    assert first_smaller([1, 2.5], [2, 2.0], 1) is False
    assert first_smaller(["a"], ["b"], 0) is True
    assert first_smaller({0: 1.0}, {0: 0.5}, 0) is False
    assert first_smaller([True], [2], 0) is True


def flip(a, k):
    a[:k + 1] = a[k::-1]
    return a


def flip_inner(a, k):
    a[1:k + 1] = a[k:0:-1]
    return a


def flip_short(a, k):
    a[:k] = a[k::-1]
    return a


def test_reversed_slice_assignments():
    for k in range(-8, 9):
        assert flip(list(range(6)), k) == (lambda a: (a.__setitem__(slice(None, k + 1), a[k::-1]), a)[1])(list(range(6)))
        assert flip_inner(list("abcdef"), k) == (lambda a: (a.__setitem__(slice(1, k + 1), a[k:0:-1]), a)[1])(list("abcdef"))
        assert flip_short(list(range(4)), k) == (lambda a: (a.__setitem__(slice(None, k), a[k::-1]), a)[1])(list(range(4)))
    assert flip([], 0) == [] and flip([], -1) == []
    assert flip([1, 2, 3], 2 ** 70) == [3, 2, 1]
    assert flip([1, 2, 3], True) == [2, 1, 3]
    o = object()
    lst = [o, 1.5, "s"]
    assert flip(lst, 1)[1] is o

    class L(list):
        pass

    sub = flip(L([1, 2, 3]), 1)
    assert sub == [2, 1, 3] and type(sub) is L
    for bad in (1.0, "1", None):
        try:
            flip([1, 2, 3], bad)
        except TypeError as e:
            print(type(bad).__name__, e)  # the output is compared too
        else:
            raise AssertionError("no TypeError")
    try:
        flip((1, 2, 3), 1)
    except TypeError as e:
        assert "does not support item assignment" in str(e)
    else:
        raise AssertionError("no TypeError")
