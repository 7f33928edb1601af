"""List operations of the specialised tier as pyperformance's fannkuch and nqueens use them:
list methods bound earlier and called through a local (`pop = lst.pop; pop(0)`), `while k:`
on a number local, and every way out of those fast paths (a list subclass, another
callable in the local, out-of-range / negative / huge indices, an index with __index__,
the allocation a pop would shrink, a rebound name)."""

import sys


class L(list):
    def pop(self, i=-1):
        return ("sub", list.pop(self, i))

    def insert(self, i, x):
        list.insert(self, i, ("ins", x))


class Idx:
    def __init__(self, v):
        self.v = v

    def __index__(self):
        return self.v


def rotate(lst, r):
    ins = lst.insert
    pop = lst.pop
    out = []
    for _ in range(r):
        ins(r, pop(0))
        out.append(list(lst))
    return out


def test_bound_pop_insert_exact_list():
    assert rotate(list(range(6)), 3) == [[1, 2, 3, 0, 4, 5], [2, 3, 0, 1, 4, 5], [3, 0, 1, 2, 4, 5]]
    assert rotate([1], 1) == [[1]]


def test_bound_methods_of_subclass():
    assert rotate(L(range(4)), 2) == [[1, 2, ("ins", ("sub", 0)), 3], [2, ("ins", ("sub", 0)), ("ins", ("sub", 1)), 3]]


def test_bound_pop_indices():
    lst = list(range(10))
    pop = lst.pop
    assert pop(-1) == 9
    assert pop(-9) == 0
    assert pop(3) == 4
    assert pop(True) == 2
    assert pop(Idx(0)) == 1
    assert lst == [3, 5, 6, 7, 8]
    for bad in (5, -6, 2 ** 70, -(2 ** 70)):
        try:
            pop(bad)
        except (IndexError, OverflowError) as e:
            assert type(e) is (IndexError if abs(bad) < 100 else OverflowError), e
        else:
            raise AssertionError(bad)
    try:
        pop("0")
    except TypeError as e:
        assert "integer" in str(e)
    empty = []
    epop = empty.pop
    try:
        epop(0)
    except IndexError as e:
        assert str(e) == "pop from empty list"
    assert lst == [3, 5, 6, 7, 8]


def test_bound_insert_indices():
    lst = [0, 1, 2]
    ins = lst.insert
    ins(-1, "a")
    ins(100, "b")
    ins(-100, "c")
    ins(2 ** 62, "d")
    ins(Idx(1), "e")
    ins(False, "f")
    assert lst == ["f", "c", "e", 0, 1, "a", 2, "b", "d"]
    try:
        ins(2 ** 70, "x")
    except OverflowError:
        pass
    else:
        raise AssertionError("no overflow")
    assert ins(0, lst) is None and lst[0] is lst


def test_pop_allocation_matches():
    # pops that shrink the allocation are left to the method: sizes stay CPython's
    lst = list(range(64))
    pop = lst.pop
    sizes = []
    for _ in range(60):
        pop(0)
        sizes.append(sys.getsizeof(lst))
    assert lst == [60, 61, 62, 63]
    ref = list(range(64))
    refsizes = []
    for _ in range(60):
        ref.pop(0)
        refsizes.append(sys.getsizeof(ref))
    assert sizes == refsizes


def test_insert_allocation_matches():
    # inserts into a list with room, into a full one, and into one under half full (which
    # list_resize shrinks): items, order and sizes as the method leaves them
    for start in (list(range(8)), [], [1], list(range(100))):
        lst = list(start)
        ref = list(start)
        if len(start) == 100:
            del lst[10:], ref[10:]  # the allocation stays large: under half full
        ins = lst.insert
        sizes, refsizes = [], []
        for k, i in enumerate([0, -1, 3, -100, 100, 2 ** 40, -(2 ** 40), 1, 0, 5] * 3):
            ins(i, k)
            ref.insert(i, k)
            sizes.append(sys.getsizeof(lst))
            refsizes.append(sys.getsizeof(ref))
        assert lst == ref
        assert sizes == refsizes


def test_insert_rotation_items_and_refcounts():
    big = 10 ** 30
    lst = [big, "a", 2.5, None]
    ins, pop = lst.insert, lst.pop
    before = sys.getrefcount(big)
    for r in range(1, 4):
        ins(r, pop(0))
    assert lst == [2.5, "a", None, big]
    assert sys.getrefcount(big) == before
    assert lst.count(big) == 1


def test_local_holding_other_callables():
    def two(a, b):
        return a * b

    f = two
    assert f(3, 4) == 12
    f = {}.get
    assert f(1, "d") == "d"
    f = [5, 6].pop
    g = print
    f = len
    assert f([1, 2]) == 2
    f = (1, 2).index
    assert f(2) == 1
    lst = [1, 2, 3]
    f = lst.append  # another list method: the ordinary call
    assert f(4) is None and lst == [1, 2, 3, 4]
    f = lst.remove
    f(2)
    assert lst == [1, 3, 4]
    f = lst.index
    assert f(3) == 1
    assert g is print


def test_pop_item_identity_and_refcount():
    big = [object() for _ in range(4)]
    first = big[0]
    lst = list(big)
    pop = lst.pop
    x = pop(0)
    assert x is first
    before = sys.getrefcount(first)
    del big[0]
    assert sys.getrefcount(first) == before - 1
    ins = lst.insert
    ins(0, x)
    assert lst[0] is first and len(lst) == 4


def test_mutation_while_bound():
    lst = [1, 2, 3]
    pop = lst.pop
    lst.clear()
    try:
        pop(0)
    except IndexError:
        pass
    lst.extend(range(3))
    assert pop(0) == 0 and lst == [1, 2]
    lst = [9]  # the local keeps the old list
    assert pop(0) == 1 and lst == [9]


def flips(perm):
    k = perm[0]
    n = 0
    while k:
        perm[:k + 1] = perm[k::-1]
        n += 1
        k = perm[0]
    return n


class Truthy(int):
    def __bool__(self):
        return False


def test_while_on_number_local():
    assert flips([3, 1, 0, 2]) == 3
    assert flips([0, 1]) == 0
    k = 2.5
    n = 0
    while k:
        k -= 0.5
        n += 1
    assert n == 5
    k = 2 ** 80
    while k:
        k //= 2 ** 40
    assert k == 0
    k = Truthy(5)
    while k:
        raise AssertionError("Truthy is false")
    k = [0]
    out = []
    while k:
        out.append(k.pop())
    assert out == [0]
    k = None
    assert not k
    k = 3
    while not k or k > 5:
        raise AssertionError("3")
    if k and not k - 3:
        k = 0
    assert k == 0


def test_while_unbound_number_local():
    def f(flag):
        if flag:
            k = 1
        while k:
            k -= 1
        return k

    assert f(True) == 0
    try:
        f(False)
    except UnboundLocalError as e:
        assert "k" in str(e)
    else:
        raise AssertionError("no error")


def rot1(x, i):
    x[i:] = x[i + 1:] + x[i:i + 1]
    return x


def rot(x, a, b):
    x[a:] = x[b:] + x[a:b]
    return x


class Counted(int):
    calls = 0

    def __add__(self, other):
        Counted.calls += 1
        return Counted(int(self) + other)

    def __index__(self):
        return int(self)


class SubList(list):
    def __getitem__(self, k):
        return SubList(list.__getitem__(self, k)) if isinstance(k, slice) else list.__getitem__(self, k)

    def __add__(self, other):
        return SubList(list(self) + list(other) + ["sub"])


def test_rotation_in_place():
    base = list(range(8))
    for i in range(-12, 12):
        x = list(base)
        alias = x
        assert rot1(x, i) is alias
        ref = list(base)
        ref[i:] = list(base)[i + 1:] + list(base)[i:i + 1]
        assert x == ref, (i, x, ref)
    for a in range(-3, 11):
        for b in range(-3, 11):
            x = list(range(9))
            ref = list(range(9))
            ref[a:] = ref[b:] + ref[a:b]
            assert rot(x, a, b) == ref, (a, b)
    x = list(range(40))
    assert rot(x, 2, 30) == [0, 1] + list(range(30, 40)) + list(range(2, 30))
    assert rot(list(range(5)), 2 ** 70, 1) == [0, 1, 2, 3, 4, 1, 2, 3, 4]
    assert rot(list(range(5)), 1, 2 ** 70) == [0, 1, 2, 3, 4]
    assert rot(list(range(5)), 2 ** 63 - 1, 2 ** 63) == [0, 1, 2, 3, 4]


def test_rotation_keeps_size_and_refs():
    items = [object() for _ in range(6)]
    x = list(items)
    before = [sys.getrefcount(o) for o in items]
    size = sys.getsizeof(x)
    rot1(x, 2)
    assert [sys.getrefcount(o) for o in items] == before
    assert sys.getsizeof(x) == size
    assert x == items[:2] + items[3:] + [items[2]]


def test_rotation_not_taken():
    Counted.calls = 0
    x = list(range(5))
    rot1(x, Counted(1))
    assert x == [0, 2, 3, 4, 1] and Counted.calls == 2
    assert rot1(SubList(range(4)), 1) == [0, 2, 3, 1, "sub"]
    assert rot1(list(range(4)), True) == [0, 2, 3, 1]
    try:
        rot1((1, 2), 0)
    except TypeError as e:
        assert "does not support item assignment" in str(e)
    else:
        raise AssertionError("tuple rotated")
    try:
        rot1(list(range(3)), None)
    except TypeError as e:
        assert "unsupported operand" in str(e)
    else:
        raise AssertionError("None + 1")


def permutations_gen(n):
    indices = list(range(n))
    for i in reversed(range(n)):
        indices[i:] = indices[i + 1:] + indices[i:i + 1]
        yield tuple(indices)
    i = 1.5
    try:
        indices[i:] = indices[i + 1:] + indices[i:i + 1]
    except TypeError as e:
        yield str(e)


def test_rotation_in_generator():
    assert list(permutations_gen(4)) == [(0, 1, 2, 3), (0, 1, 3, 2), (0, 3, 2, 1), (3, 2, 1, 0),
                                         "slice indices must be integers or None or have an __index__ method"]
    g = permutations_gen(3)
    assert next(g) == (0, 1, 2)
    g.close()
    g = permutations_gen(3)
    next(g)
    try:
        g.throw(KeyError("k"))
    except KeyError:
        pass
    assert list(g) == []


log = []


def note(tag, v):
    log.append(tag)
    return v


class Rec:
    def __setitem__(self, k, v):
        log.append(("set", k, v))


def test_parallel_assignment():
    a, b = 1, 2
    a, b = b, a
    assert (a, b) == (2, 1)
    x = [0, 1, 2, 3]
    i, j = 0, 3
    x[i], x[j] = x[j], x[i]
    assert x == [3, 1, 2, 0]
    i, x[i] = 2, "two"  # i is stored first, then x[i] uses it
    assert x == [3, 1, "two", 0]
    del log[:]
    r = Rec()
    r[note("k1", 1)], r[note("k2", 2)] = note("v1", "a"), note("v2", "b")
    assert log == ["v1", "v2", "k1", ("set", 1, "a"), "k2", ("set", 2, "b")]
    (p, q), s = (1, 2), 3
    assert (p, q, s) == (1, 2, 3)
    [m, n] = 5, 6
    assert (m, n) == (5, 6)
    y = 10
    y, z = (y := 20), y
    assert (y, z) == (20, 20)
    try:
        a, b = 1, 2, 3
    except ValueError as e:
        assert "too many" in str(e)
    try:
        a, (b, c) = 1, 2
    except TypeError as e:
        assert "cannot unpack non-iterable int object" in str(e)
    items = [object(), object()]
    before = [sys.getrefcount(o) for o in items]
    items[0], items[1] = items[1], items[0]
    assert [sys.getrefcount(o) for o in reversed(items)] == before


def test_parallel_assignment_unbound():
    def f():
        a, b = b, 1  # noqa: F821
        return a

    try:
        f()
    except UnboundLocalError as e:
        assert "'b'" in str(e)
    else:
        raise AssertionError("no error")


def test_copy_into_the_list_a_local_held():
    # `a = b[:]` may refill the list `a` held when nothing else refers to it: every other
    # case makes a new list, and the result is always CPython's (items, sizes, aliases)
    class Noisy:
        def __init__(self, tag):
            self.tag = tag

        def __del__(self):
            print("del", self.tag)

    src = list(range(9))
    perm = list(range(9))
    alias = perm
    perm = src[:]
    print(perm is alias, perm is src, alias == perm, sys.getsizeof(perm) == sys.getsizeof(src[:]))
    for _ in range(3):
        perm = src[:]
        perm[0], perm[1] = perm[1], perm[0]
        print(perm, src, sys.getsizeof(perm) == sys.getsizeof(list(src)))
    short = [1, 2]
    perm = short[:]  # a different length: a new list
    print(perm, sys.getsizeof(perm) == sys.getsizeof([1, 2][:]))
    grown = [0] * 9
    grown.append(1)
    perm = grown[:]
    print(len(perm), sys.getsizeof(perm) == sys.getsizeof(grown[:]))
    perm = [Noisy("old1"), Noisy("old2")]
    new = [Noisy("new1"), Noisy("new2")]
    perm = new[:]  # the old items go once the new ones are held, last first
    print([n.tag for n in perm])
    new = None
    perm = (5, 6)
    perm = [7, 8][:]
    print(perm)

    class L(list):
        pass

    sub = L([1, 2, 3])
    perm = [0, 0, 0]
    perm = sub[:]
    print(type(perm).__name__, perm)
    perm = [0, 0, 0]
    perm = "abc"[:]
    print(perm)
    held = [[9, 9]]
    perm = held[0]
    perm = [3, 4][:]
    print(held, perm)
    try:
        del src
        perm = src[:]
    except UnboundLocalError as e:
        print("UnboundLocalError", e)
    print(perm)
