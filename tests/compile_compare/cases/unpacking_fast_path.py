"""Unpacking into plain locals: the inline path for exact tuples and lists of the right size
(runtime/unpack.hpp) and every case it must hand to the general path or get exactly right."""


class Log:
    """Records its name in `log` when released; optionally mutates `victim` from __del__."""

    def __init__(self, name, log, victim=None):
        self.name = name
        self.log = log
        self.victim = victim

    def __del__(self):
        self.log.append(self.name)
        if self.victim is not None:
            self.victim.clear()
            self.victim.append("mutated by " + self.name)


def test_ten_targets_tuple_and_list():
    out = []
    for src in (tuple(range(10)), list(range(10, 20)), tuple("abcdefghij")):
        a, b, c, d, e, f, g, h, i, j = src
        out.append((a, b, c, d, e, f, g, h, i, j))
        j, i, h, g, f, e, d, c, b, a = src
        out.append((a, b, c, d, e, f, g, h, i, j))
    print(out)


def test_wrong_sizes_messages():
    for src in ((1, 2, 3), [1, 2, 3], (1,), [1], (), [], tuple(range(11)), list(range(11))):
        a, b = "keep-a", "keep-b"
        try:
            a, b = src
        except ValueError as err:
            print(type(src).__name__, len(src), err, a, b)
    for src in (tuple(range(9)), list(range(11))):
        try:
            a, b, c, d, e, f, g, h, i, j = src
        except ValueError as err:
            print(err)
    try:
        a, b = 5
    except TypeError as err:
        print(err)


class ListSub(list):
    def __iter__(self):
        return iter(["sub-" + str(x) for x in list.__iter__(self)])


class TupleSub(tuple):
    def __iter__(self):
        return iter(("t0", "t1"))


class LenLies(list):
    def __len__(self):
        return 5


def test_subclasses_iterate():
    a, b = ListSub([1, 2])
    print(a, b)
    a, b = TupleSub((7, 8, 9))
    print(a, b)
    a, b = LenLies([3, 4])
    print(a, b)
    try:
        a, b = ListSub([1, 2, 3])
    except ValueError as err:
        print(err)


def gen(n, fail_at=None):
    for k in range(n):
        if k == fail_at:
            raise KeyError(k)
        yield k * 10


def test_iterators_and_generators():
    a, b, c = gen(3)
    print(a, b, c)
    a, b, c = iter([4, 5, 6])
    print(a, b, c)
    a, b, c = "xyz"
    print(a, b, c)
    a, b, c = {"k1": 1, "k2": 2, "k3": 3}
    print(a, b, c)
    for bad in (gen(2), gen(4), gen(3, fail_at=1), iter([])):
        a, b, c = "old-a", "old-b", "old-c"
        try:
            a, b, c = bad
        except (ValueError, KeyError) as err:
            print(type(err).__name__, err, a, b, c)


def test_del_mutating_the_source_list():
    # the old value of `a` clears the list being unpacked when released by the store to `a`:
    # every item was taken before that store
    log = []
    source = [1, 2, 3]
    a = Log("old-a", log, victim=source)
    b = c = None
    a, b, c = source
    print(a, b, c, log, source)
    # released by the last store
    source = [4, 5, 6]
    c = Log("old-c", log, victim=source)
    a, b, c = source
    print(a, b, c, log, source)
    # released by a middle store, the items appearing nowhere else
    source = [Log("i0", log), Log("i1", log), Log("i2", log)]
    b = Log("old-b", log, victim=source)
    a, b, c = source
    del source
    print(a.name, b.name, c.name, log)
    a = b = c = None
    print(log)


def test_del_order_of_several_old_values():
    log = []
    a, b, c, d = Log("a0", log), Log("b0", log), Log("c0", log), Log("d0", log)
    a, b, c, d = [1, 2, 3, 4]
    print(log)
    shared = Log("shared", log)
    a = b = shared
    del shared
    a, b = (5, 6)
    print(log)
    # the same old value in two targets is released once, at the second store
    x = Log("x", log)
    a, b, c = x, x, Log("y", log)
    del x
    a, b, c = 7, 8, 9
    print(log)


def test_source_released_by_its_own_unpacking():
    t = (1, (2, 3), [4])
    t, u, v = t
    print(t, u, v)
    lst = [Log("only-in-list", [])]
    lst, = lst
    print(type(lst).__name__, lst.name)
    pair = ("x", "y")
    a, pair = pair
    print(a, pair)


def test_duplicate_targets_and_swaps():
    a, a = 1, 2
    print(a)
    a, b, a = [3, 4, 5]
    print(a, b)
    a, b = "p", "q"
    a, b = b, a
    print(a, b)
    items = [a, b]
    b, a = items
    print(a, b, items)


def test_del_that_unpacks_again():
    log = []

    class Again:
        def __del__(self):
            p, q = [10, 20]
            log.append((p, q))
            r, s = (30, 40)
            log.append((r, s))

    a, b = Again(), Again()
    a, b = 1, 2
    print(a, b, log)


def test_del_raising_is_unraisable():
    import sys

    seen = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = lambda info: seen.append(type(info.exc_value).__name__)

    class Bad:
        def __del__(self):
            raise RuntimeError("from __del__")

    try:
        a, b = Bad(), 1
        a, b = [2, 3]
        print(a, b, seen)
    finally:
        sys.unraisablehook = old_hook


class Recorder:
    def __init__(self):
        object.__setattr__(self, "calls", [])

    def __setattr__(self, name, value):
        self.calls.append((name, value))
        object.__setattr__(self, name, value)


def test_attribute_item_and_starred_targets():
    r = Recorder()
    source = [1, 2, 3]
    r.x, r.y, r.z = source
    print(r.calls)
    d = {}
    d["a"], d["b"] = (4, 5)
    print(d)
    a, *rest, z = (1, 2, 3, 4)
    print(a, rest, z)
    *init, last = [6, 7]
    print(init, last)
    first, *empty = (8,)
    print(first, empty)
    try:
        a, *rest, z = [1]
    except ValueError as err:
        print(err)
    # mixed: a local and an attribute target, where __setattr__ mutates the source list
    log = []

    class Mutates:
        def __setattr__(self, name, value):
            log.append(list(source))
            source.clear()
            object.__setattr__(self, name, value)

    m = Mutates()
    source = [1, 2, 3]
    a, m.b, c = source
    print(a, m.b, c, log, source)


def test_in_loops_and_nested():
    total = 0
    pairs = [(1, 2), [3, 4], (5, 6)]
    for p in pairs:
        x, y = p
        total += x * y
    print(total)
    (a, b), c = [(1, 2), 3]
    print(a, b, c)
    src = ([1, 2], (3, 4))
    (a, b), (c, d) = src
    print(a, b, c, d)


def test_large_values_and_none():
    big = 10 ** 30
    a, b, c = (big, None, -big)
    print(a, b, c)
    a, b, c = [None, None, None]
    print(a, b, c)
    a, b, c = (a, b, c)
    print(a, b, c)
