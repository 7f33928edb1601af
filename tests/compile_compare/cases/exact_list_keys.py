"""Subscripts and `in` on exact lists and tuples with plain-object keys (runtime/ops.hpp
`getitem`, `setitem`, `sequence_contains`): `seq[k]`, `seq[k] = v`, `seq[k] += v` and
`k in seq` / `k not in seq` where `k` is a method's parameter (not a native number), and
`len(seq)` (runtime/native.hpp num_len). An exact list
or tuple under an exact int of one digit is indexed directly and an exact int is looked
for item by item; every other case - negative, out-of-range and huge indices, bools, int
subclasses, `__index__`, list/tuple/int subclasses overriding the operation, items whose
`__eq__` runs code (mutating the list, raising) or that are equal without being ints - gives
CPython's result and error."""


class At:
    """The operations as methods: a method's parameters are plain objects (a module-level
    function's may be native numbers, whose subscripts take the specialised tier's path)."""

    def get(self, seq, k):
        return seq[k]

    def put(self, seq, k, v):
        seq[k] = v

    def bump(self, seq, k, v):
        seq[k] += v

    def has(self, seq, k):
        return k in seq

    def lacks(self, seq, k):
        return k not in seq

    def has_cond(self, seq, k):
        if k in seq:
            return "yes"
        return "no"

    def lacks_cond(self, seq, k):
        if k not in seq:
            return "no"
        return "yes"

    def size(self, seq):
        return len(seq) + 0


AT = At()
get, put, bump = AT.get, AT.put, AT.bump
has, lacks, has_cond, lacks_cond = AT.has, AT.lacks, AT.has_cond, AT.lacks_cond
size = AT.size


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as e:
        return (type(e).__name__, str(e))


class SubList(list):
    def __getitem__(self, k):
        return ("sub", list.__getitem__(self, k))

    def __setitem__(self, k, v):
        list.__setitem__(self, k, ("set", v))

    def __contains__(self, x):
        return x == "magic"


class LenList(list):
    def __len__(self):
        return 99


class LenTuple(tuple):
    def __len__(self):
        return 77


class SubTuple(tuple):
    def __getitem__(self, k):
        return ("subt", tuple.__getitem__(self, k))


class SubInt(int):
    def __index__(self):
        return 0

    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


class Idx:
    def __init__(self, v):
        self.v = v

    def __index__(self):
        return self.v


def test_get_exact_list_and_tuple():
    lst = [10, 11, 12, 13]
    tup = (20, 21, 22)
    assert [get(lst, k) for k in (0, 1, 3, -1, -4)] == [10, 11, 13, 13, 10]
    assert [get(tup, k) for k in (0, 2, -1, -3)] == [20, 22, 22, 20]
    assert outcome(get, lst, 4) == ("IndexError", "list index out of range")
    assert outcome(get, lst, -5) == ("IndexError", "list index out of range")
    assert outcome(get, tup, 3) == ("IndexError", "tuple index out of range")
    assert outcome(get, tup, -4) == ("IndexError", "tuple index out of range")
    assert outcome(get, lst, 2 ** 40) == ("IndexError", "list index out of range")
    assert outcome(get, lst, 2 ** 70)[0] == "IndexError"
    assert outcome(get, lst, -(2 ** 70))[0] == "IndexError"
    assert outcome(get, [], 0) == ("IndexError", "list index out of range")
    assert get(lst, True) == 11 and get(lst, False) == 10
    assert get(lst, Idx(2)) == 12 and get(tup, Idx(-1)) == 22
    assert get(lst, SubInt(3)) == 13  # (an int subclass is its own index)
    assert outcome(get, lst, "0")[0] == "TypeError"
    assert outcome(get, lst, 1.0)[0] == "TypeError"
    assert get(lst, slice(1, 3)) == [11, 12]
    assert get({1: "one", -1: "minus"}, -1) == "minus"
    assert get("abc", -1) == "c"


def test_get_subclasses_keep_their_methods():
    assert get(SubList([1, 2, 3]), 0) == ("sub", 1)
    assert get(SubList([1, 2, 3]), -1) == ("sub", 3)
    assert get(SubTuple((4, 5)), 1) == ("subt", 5)


def test_put_and_bump():
    lst = [1, 2, 3]
    put(lst, 0, "a")
    put(lst, -1, "z")
    assert lst == ["a", 2, "z"]
    bump(lst, 1, 40)
    bump(lst, -3, "b")
    assert lst == ["ab", 42, "z"]
    assert outcome(put, lst, 3, 0) == ("IndexError", "list assignment index out of range")
    assert outcome(put, lst, -4, 0) == ("IndexError", "list assignment index out of range")
    assert outcome(bump, lst, 3, 0) == ("IndexError", "list index out of range")
    assert outcome(put, (1, 2), 0, 0)[0] == "TypeError"
    put(lst, True, "t")
    put(lst, Idx(2), "i")
    assert lst == ["ab", "t", "i"]
    sub = SubList([1, 2])
    put(sub, 1, 5)
    bump(sub, 0, ("x",))
    assert list(sub) == [("set", ("sub", 1, "x")), ("set", 5)]


class Tattler:
    """An item whose release reads the list it was stored in (list_ass_item releases the old
    item only after the store)."""

    seen = []

    def __init__(self, lst):
        self.lst = lst

    def __del__(self):
        Tattler.seen.append(list(self.lst))


def test_put_releases_old_item_after_the_store():
    lst = [0, 1]
    lst[0] = Tattler(lst)
    Tattler.seen.clear()
    put(lst, 0, "new")
    assert Tattler.seen == [["new", 1]]


class Eq:
    """Equal to one int; counts the comparisons made against it."""

    calls = 0

    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        Eq.calls += 1
        return other == self.v

    __hash__ = object.__hash__


class Shrinker:
    """An item whose comparison empties the list being searched."""

    def __init__(self, lst):
        self.lst = lst

    def __eq__(self, other):
        self.lst.clear()
        return False

    __hash__ = object.__hash__


class Raiser:
    def __eq__(self, other):
        raise ValueError("no comparing " + repr(other))

    __hash__ = object.__hash__


def test_contains_ints():
    cell = [0, 1, 2, 3, 7]
    assert [has(cell, k) for k in (0, 3, 7, 5, -1)] == [True, True, True, False, False]
    assert [has_cond(cell, k) for k in (0, 7, 5)] == ["yes", "yes", "no"]
    assert [lacks(cell, k) for k in (0, 7, 5)] == [False, False, True]
    assert [lacks_cond(cell, k) for k in (0, 7, 5)] == ["yes", "yes", "no"]
    assert has([], 0) is False and lacks([], 0) is True
    assert has([2 ** 40, 2 ** 70], 2 ** 40) and has([2 ** 70], 2 ** 70)
    assert not has([2 ** 70 + 1], 2 ** 70) and not has([-(2 ** 40)], 2 ** 40)
    assert has([-5, 5], -5) and not has([5], -5)


def test_contains_items_of_other_kinds():
    assert has([1.0], 1) and has_cond([3.0, 2.0], 2) == "yes"
    assert has([True], 1) and has([False], 0) and has([1], True)
    assert not has(["1", None, (1,)], 1)
    assert has([SubInt(9)], 4)
    assert has([5], SubInt(9))
    Eq.calls = 0
    assert has([Eq(4), Eq(6)], 6) and Eq.calls == 2
    Eq.calls = 0
    assert has([4, Eq(4)], 4) and Eq.calls == 0
    assert lacks_cond([Eq(1), Eq(2)], 3) == "no" and Eq.calls == 2
    lst = [1]
    lst.insert(0, Shrinker(lst))
    assert has(lst, 1) is False and lst == []
    assert outcome(has, [1, Raiser(), 2], 2) == ("ValueError", "no comparing 2")
    assert outcome(has_cond, [Raiser()], 0) == ("ValueError", "no comparing 0")
    assert has([1, Raiser()], 1)


def test_contains_other_containers():
    assert has(SubList([1]), "magic") and not has(SubList([1]), 1)
    assert has_cond(SubList([1]), 1) == "no"
    assert has((1, 2), 2) and has({3: 0}, 3) and has({4}, 4) and has(range(5), 4)
    assert outcome(has, 5, 1) == ("TypeError", "argument of type 'int' is not iterable")
    assert outcome(has_cond, None, 1)[0] == "TypeError"
    assert has("abc", "b") and outcome(has, "abc", 1)[0] == "TypeError"


def test_len():
    assert [size(x) for x in ([], [1, 2], (), (1, 2, 3), "ab", {1: 2})] == [0, 2, 0, 3, 2, 1]
    assert size(LenList([1])) == 99 and size(LenTuple((1,))) == 77
    assert outcome(size, 5) == ("TypeError", "object of type 'int' has no len()")
