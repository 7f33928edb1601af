"""Attribute loads on instances whose attributes live in a real dict (CPython 3.11/3.12 give
them one once a class's shared keys run out of room, as go's Square; anywhere after
`__dict__` is touched or replaced): the site's inline hit reads the dict entry it saw last.
Every way that entry can stop being the answer must take the generic path instead."""


class Cell:
    def __init__(self, i):
        self.i = i

    def finish(self):
        # added after many instances exist: the instances get real dicts on 3.11/3.12
        self.stamp = self.i * 2
        self.colour = 0


def stamp_of(o):
    return o.stamp


def colour_of(o):
    return o.colour


def many():
    cells = [Cell(i) for i in range(80)]
    for c in cells:
        c.finish()
    return cells


def test_hint_hits_and_moved_keys():
    cells = many()
    out = [sum(stamp_of(c) for c in cells)]
    # the key moves within the dict: deleted and added again, so the old entry is empty
    c = cells[3]
    del c.stamp
    c.colour = 5
    c.stamp = "back"
    out.append(stamp_of(c))
    out.append([stamp_of(x) for x in cells[:6]])
    # a deleted attribute at a warm site raises CPython's error
    del cells[4].stamp
    try:
        stamp_of(cells[4])
    except AttributeError as e:
        out.append(str(e))
    # another object's dict whose entry at the same place holds another key
    d = cells[5].__dict__
    d.clear()
    d["colour"] = 1
    d["stamp"] = 2
    out.append((stamp_of(cells[5]), colour_of(cells[5])))
    return out


def test_replaced_dicts():
    class Loud(dict):
        def __getitem__(self, k):
            return "a dict subclass is not asked by attribute lookup"

    cells = many()
    for c in cells[:5]:
        stamp_of(c)
    cells[0].__dict__ = {"stamp": "plain dict"}
    cells[1].__dict__ = Loud(stamp="subclass")
    cells[2].__dict__ = {}
    out = [stamp_of(cells[0]), stamp_of(cells[1])]
    try:
        stamp_of(cells[2])
    except AttributeError as e:
        out.append(str(e))
    return out


def test_class_changes_under_warm_site():
    cells = many()
    for c in cells[:5]:
        stamp_of(c)
    Cell.stamp = property(lambda self: "a property wins")
    out = [stamp_of(cells[1])]
    del Cell.stamp
    out.append(stamp_of(cells[1]))
    Cell.__getattribute__ = lambda self, name: "getattribute " + name
    out.append(stamp_of(cells[1]))
    del Cell.__getattribute__
    out.append(stamp_of(cells[1]))

    class Sub(Cell):
        stamp = "class attribute of a subclass"

    s = Sub(1)
    s.finish()  # the instance value shadows the plain class attribute
    out.append(stamp_of(s))
    del s.stamp
    out.append(stamp_of(s))

    class Other:
        pass

    o = cells[2]
    o.__class__ = Other
    out.append(stamp_of(o))
    out.append(sorted(vars(o)))
    return out


def test_str_subclass_key_in_dict():
    class Key(str):
        def __hash__(self):
            return str.__hash__(self)

        def __eq__(self, other):
            return str.__eq__(self, other)

    cells = many()
    for c in cells[:5]:
        stamp_of(c)
    c = cells[1]
    c.__dict__ = {Key("stamp"): "through an equal key"}
    return stamp_of(c), [stamp_of(x) for x in cells[2:5]]


# -- comparisons whose only use is their truth (`if a == b:`) ------------------------------

def eq(a, b):
    if a == b:
        return "eq"
    return "ne"


def ordered(a, b):
    out = []
    if a < b:
        out.append("lt")
    if a <= b:
        out.append("le")
    if a > b:
        out.append("gt")
    if a >= b:
        out.append("ge")
    if a != b:
        out.append("ne")
    return out


# (parameters compared with each other take the specialised tier's Num path; items and
# globals are what reach the generic condition)
def eq_items(p):
    if p[0] == p[1]:
        return "eq"
    if p[0] != p[1]:
        return "ne"
    return "neither"


LEFT = RIGHT = None


def ordered_globals(a, b):
    global LEFT, RIGHT
    LEFT, RIGHT = a, b
    out = []
    if LEFT < RIGHT:
        out.append("lt")
    if LEFT <= RIGHT:
        out.append("le")
    if LEFT > RIGHT:
        out.append("gt")
    if LEFT >= RIGHT:
        out.append("ge")
    if LEFT == RIGHT:
        out.append("eq")
    if LEFT != RIGHT:
        out.append("ne")
    return out


def same(a, b):
    if a is b:
        return "is"
    if a is not b:
        return "is not"


class Int(int):
    def __eq__(self, other):
        return "truthy string"

    def __lt__(self, other):
        return []

    __hash__ = int.__hash__


class NoTruth:
    def __eq__(self, other):
        return self

    def __bool__(self):
        raise ValueError("no truth")


class Raises:
    def __lt__(self, other):
        raise RuntimeError("no order")


def test_compare_truth():
    nan = float("nan")
    big = 10**30
    pairs = [(1, 1), (1, 2), (-1, 1), (0, -0), (2**30, 2**30), (2**30 - 1, 2**30), (big, big + 1),
             (big, -big), (-(2**31), 2**31), (1, 1.0), (True, 1), (False, 0), (1.5, 1.5),
             (nan, nan), (0.0, -0.0), (-1.5, 2.5), ("a", "a"), ("a", "b"), ((1, 2), (1, 3)),
             (None, None), (Int(3), 3), (3, Int(3)), (Int(1), Int(2))]
    out = [(eq(a, b), ordered(a, b), eq_items((a, b)), ordered_globals(a, b))
           for a, b in pairs if not isinstance(a, type(None))]
    out.append(eq_items([None, None]))
    out.append(eq(None, None))
    x = [1]
    out.append([same(x, x), same(x, [1]), same(None, None), same(1.5, 2.5)])
    try:
        eq(NoTruth(), 1)
    except ValueError as e:
        out.append(str(e))
    try:
        ordered(Raises(), 1)
    except RuntimeError as e:
        out.append(str(e))
    for bad in ((1, "a"), (Raises(), 2)):
        try:
            ordered(*bad)
        except (TypeError, RuntimeError) as e:
            out.append(str(e))
        try:
            ordered_globals(*bad)
        except (TypeError, RuntimeError) as e:
            out.append(str(e))
    try:
        eq_items([NoTruth(), 1])
    except ValueError as e:
        out.append(str(e))
    return out


def member(x, c):
    out = []
    if x in c:
        out.append("in")
    if x not in c:
        out.append("not in")
    return out


class Contains:
    def __contains__(self, x):
        if x == "boom":
            raise KeyError(x)
        return x  # truth of whatever __contains__ returns


class Iterates:
    def __iter__(self):
        return iter([1, 2])


def test_membership_truth():
    out = [member(1, [1, 2]), member(3, (1, 2)), member("a", {"a": 1}), member(2, {2}),
           member("b", "abc"), member(0, Contains()), member("x", Contains()), member(2, Iterates()),
           member(float("nan"), [float("nan")])]
    nan = float("nan")
    out.append(member(nan, [nan]))
    for bad in ((1, 5), ("boom", Contains()), ([], {1})):
        try:
            member(*bad)
        except (TypeError, KeyError) as e:
            out.append((type(e).__name__, str(e)))
    return out
