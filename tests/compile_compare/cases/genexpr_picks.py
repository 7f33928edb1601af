"""Inlined generator expressions whose element picks items of one sequence by the loop
variable - `tuple(p[i] for i in idx[:r])`, `len(set(v[i] + i for i in cols))` - which
compiled code runs as one native pass when that runs no code (runtime/genexpr.hpp), and
as the ordinary loop for everything else: indices and items that are not exact ints (bool,
__index__, huge ints), subclasses, out-of-range and negative indices, sums outside the
window or int64, rebound builtins, an unbound cell, identity of the picked objects."""

import builtins


class Idx:
    """An index with __index__: every call is recorded."""

    calls = []

    def __init__(self, v):
        self.v = v

    def __index__(self):
        Idx.calls.append(self.v)
        return self.v


class Loud(list):
    """A list subclass whose item and slice reads are recorded."""

    reads = []

    def __getitem__(self, k):
        Loud.reads.append(k if not isinstance(k, slice) else ("slice", k.start, k.stop))
        return list.__getitem__(self, k)


class Added:
    def __init__(self, v):
        self.v = v

    def __add__(self, other):
        print("add", self.v, other)
        return self.v + other

    def __sub__(self, other):
        print("sub", self.v, other)
        return self.v - other

    def __radd__(self, other):
        print("radd", self.v, other)
        return other + self.v


def picks(p, idx, r):
    return tuple(p[i] for i in idx[:r]), list(p[i] for i in idx[1:r])


def test_tuple_picks():
    pool = ("a", "b", "c", "d", 10 ** 30, 1000)
    for idx in ([0, 1, 2, 3], [3, -1, 0, -6], (5, 4, 3, 2, 1, 0), [], [2]):
        for r in (0, 2, 4, 99, -1, -99, None):
            print(idx, r, picks(pool, idx, r))
    big = 12345678
    p = [big + 1, big + 2, 2 ** 70]
    t = tuple(p[i] for i in [2, 0, 1][:3])
    print(t, all(a is b for a, b in zip(t, (p[2], p[0], p[1]))))  # the very objects, not copies
    whole = [0, 1, 2]
    print(tuple(p[i] for i in whole), list(p[i] for i in (2, 1)), tuple(p[i] for i in range(-3, 3, 2)))
    print(type(list(p[i] for i in whole[:2])).__name__, tuple(p[i] for i in whole[:0]) == ())


def test_tuple_picks_not_native():
    pool = ("a", "b", "c")
    print(picks(pool, [True, False, 2], 3))  # bools index as 1 and 0
    Idx.calls.clear()
    print(picks(pool, [0, Idx(2), Idx(-1)], 3), Idx.calls)
    Idx.calls.clear()
    print(picks(pool, [0, 1, 2], Idx(2)), Idx.calls)  # the bound's __index__, once per slice
    Loud.reads.clear()
    print(picks(Loud(pool), [2, 1], 2), Loud.reads)  # the subclass's own __getitem__
    Loud.reads.clear()
    print(picks(pool, Loud([2, 1, 0]), 2), Loud.reads)  # the index list's slice too
    print(picks({0: "x", 5: "y"}, [5, 0], 2), picks("xyz", [2, 0], 2))
    for idx in ([0, 3], [0, -4], [0, 2 ** 70], [0, -(2 ** 64)], [0, "1"], [0, 1.0]):
        try:
            print(picks(pool, idx, 2))
        except (IndexError, TypeError) as e:
            print(type(e).__name__, e, e.__traceback__.tb_next is not None)


def test_tuple_picks_rebound_and_unbound():
    saved = builtins.tuple
    try:
        builtins.tuple = lambda g: ("rebound", list(g))
        print(tuple(x for x in "ab"), picks((1, 2), [1, 0], 2))
    finally:
        builtins.tuple = saved
    print(picks((1, 2), [1, 0], 2))

    def late():
        out = tuple(pool[i] for i in [0][:1])
        pool = (1,)
        return out

    try:
        late()
    except NameError as e:
        print("NameError", e)


def diagonals(v, cols):
    return len(set(v[i] + i for i in cols)), len(set(v[i] - i for i in cols)), len(set(i + v[i] for i in cols))


def test_distinct_sums():
    for v in ((0, 4, 7, 5, 2, 6, 1, 3), [1, 1, 1, 1, 1, 1, 1, 1], (7, 6, 5, 4, 3, 2, 1, 0), ()):
        print(v, diagonals(v, range(len(v))), diagonals(v, list(range(len(v)))), diagonals(v, tuple(range(len(v)))))
    v = (3, 1, 2, 0)
    print(diagonals(v, range(-4, 4)), diagonals(v, range(3, -1, -1)), diagonals(v, range(0, 4, 3)), diagonals(v, []))
    print(len(set(v[i] for i in range(4))), len(set(v[i] for i in [0, 0, 1])))
    print(diagonals([500, -500, 0], range(3)), diagonals([600, -600, 0], range(3)))  # outside the bit window
    print(diagonals([2 ** 63 - 1, -(2 ** 63), 5], range(3)), diagonals([2 ** 80, 2 ** 80 + 1], range(2)))


def test_distinct_sums_not_native():
    print(diagonals([True, False, 1, 0], range(4)), diagonals([1.0, 2.0, 0.5], range(3)))
    print(diagonals([Added(1), 0], range(2)))
    Loud.reads.clear()
    print(diagonals(Loud([2, 0, 1]), range(3)), len(Loud.reads))
    Idx.calls.clear()
    v = (2, 0, 1)
    print(len(set(v[i] for i in [0, Idx(1), Idx(-1)])), Idx.calls)
    print(diagonals({0: 5, 1: 5}, range(2)))
    for v, cols in (((1, 2), range(3)), ((1, 2), [0, -3]), ((1, 2), [2 ** 70]), ((1, "x"), range(2)),
                    ((1, None), range(2))):
        try:
            print(diagonals(v, cols))
        except (IndexError, TypeError) as e:
            print(type(e).__name__, e)


def test_distinct_sums_rebound():
    saved_len, saved_set = builtins.len, builtins.set
    try:
        builtins.len = lambda s: ("len", sorted(s))
        print(diagonals((1, 0), range(2)))
        builtins.len = saved_len
        builtins.set = lambda g: list(g)
        print(diagonals((1, 0), range(2)))
    finally:
        builtins.len, builtins.set = saved_len, saved_set
    print(diagonals((1, 0), range(2)))
