"""`x.append(v)` calls: compiled sites append to an exact list directly when the method
found is list.append itself (CPython's CALL_LIST_APPEND); every other receiver, arity or
spelling must behave as the generic call does, errors included."""


class Logged(list):
    def append(self, v):
        super().append(("logged", v))


class NotAList:
    def __init__(self):
        self.items = []

    def append(self, v):
        self.items.append(v * 2)


def add(seq, v):
    seq.append(v)
    return seq


def test_receivers():
    out = []
    for seq in ([], Logged(), NotAList(), [], Logged()):
        for i in range(3):
            add(seq, i)
        out.append(seq.items if isinstance(seq, NotAList) else list(seq))
    print(out)


def test_unbound_and_bound_spellings():
    a = []
    list.append(a, 1)
    f = a.append
    f(2)
    append = list.append
    append(a, 3)
    print(a)
    try:
        list.append((), 1)
    except TypeError as e:
        print(e)


def test_wrong_arity_and_self_reference():
    a = []
    for bad in ((), (1, 2)):
        try:
            a.append(*bad)
        except TypeError as e:
            print(e)
    try:
        a.append(x=1)
    except TypeError as e:
        print(e)
    a.append(a)
    print(a, len(a))


def test_refcounts():
    import sys

    o = object()
    before = sys.getrefcount(o)
    a = []
    for _ in range(10):
        a.append(o)
    print(sys.getrefcount(o) - before)
    del a
    print(sys.getrefcount(o) - before)


class Plain(list):
    pass


def test_list_subclasses_and_shadowing():
    out = []
    items = [Plain(), Plain(), [], Logged()]
    for _ in range(3):
        for s in items:
            add(s, len(s))
    out.append([list(s) for s in items])
    shadowed = items[1]
    shadowed.append = lambda v: out.append(("instance attribute", v))
    add(shadowed, "x")
    del shadowed.append
    add(shadowed, "y")
    Plain.append = lambda self, v: out.append(("class attribute", v))
    add(items[0], "z")
    del Plain.append
    add(items[0], "w")
    out.append([list(s) for s in items[:2]])
    print(out)
