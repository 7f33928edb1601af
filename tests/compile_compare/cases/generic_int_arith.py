"""`a + b`, `a - b`, `+=`, `-=`, `^=`, `&=` and `|=` in the generic tier (runtime/ops.hpp
int_sum, int_bitop): operands that are objects (attributes, items, method parameters). Two
exact ints of one digit are added directly, two that fit in int64 combined bitwise (int64's
edges and beyond); the results past one digit,
negative values, small-int identity, bools, int subclasses with their own operators, and
every other type (in-place list concatenation, __iadd__, str, float) give CPython's
results and errors."""


class Box:
    def __init__(self, a, b):
        self.a = a
        self.b = b

    def plus(self):
        return self.a + self.b

    def minus(self):
        return self.a - self.b

    def bump(self, k):
        self.a += k
        return self.a

    def drop(self, k):
        self.a -= k
        return self.a

    def xor(self, k):
        self.a ^= k
        return self.a

    def and_or(self, k):
        self.a &= k
        self.b |= k
        return self.a, self.b

    def bump_item(self, i, k):
        self.b[i] += k
        return self.b[i]


class MyInt(int):
    def __xor__(self, other):
        return ("xor", int(self), other)

    def __rand__(self, other):
        return ("rand", other, int(self))

    def __add__(self, other):
        return ("add", int(self), other)

    def __radd__(self, other):
        return ("radd", other, int(self))

    def __sub__(self, other):
        return ("sub", int(self), other)

    def __rsub__(self, other):
        return ("rsub", other, int(self))


class Acc:
    def __init__(self):
        self.items = []

    def __iadd__(self, other):
        self.items.append(other)
        return self


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as e:
        return (type(e).__name__, str(e))


EDGES = [0, 1, -1, 5, -5, 255, 256, 257, 2 ** 30 - 1, -(2 ** 30 - 1), 2 ** 30, -(2 ** 30), 2 ** 62, -(2 ** 64)]


def test_ints():
    print([Box(a, b).plus() for a in EDGES for b in EDGES])
    print([Box(a, b).minus() for a in EDGES for b in EDGES])
    print([Box(a, 0).bump(b) for a in EDGES for b in EDGES])
    print([Box(a, 0).drop(b) for a in EDGES for b in EDGES])
    print([Box(0, [a]).bump_item(0, b) for a in EDGES for b in EDGES])


def same(a, b):
    return a is b


def test_small_int_identity():
    # the interpreter's cached small ints, as CPython's own additions give them
    print(same(Box(200, 0).bump(56), 256), same(Box(300, 0).drop(44), 256), same(Box(-2, 0).bump(-3), -5))
    print(same(Box(0, [255]).bump_item(0, 1), 256), same(Box(0, 0).drop(5), -5), same(Box(0, 0).bump(257), 257))


def test_other_operands():
    print(Box(True, 1).plus(), Box(1, True).minus(), Box(True, True).plus(), Box(False, 0).bump(True))
    print(Box(MyInt(3), 4).plus(), Box(4, MyInt(3)).plus(), Box(MyInt(3), 4).minus(), Box(4, MyInt(3)).minus())
    print(Box(MyInt(3), 0).bump(4), Box(4, 0).drop(MyInt(3)))
    print(Box(1.5, 2).plus(), Box(2, 0.5).minus(), Box("a", "b").plus(), Box((1,), (2,)).plus())
    lst = [1]
    box = Box(lst, None)
    assert box.bump([2]) is lst and lst == [1, 2]
    acc = Acc()
    box = Box(acc, None)
    assert box.bump(7) is acc and acc.items == [7]
    print(outcome(Box(1, "a").plus), outcome(Box("a", 1).minus), outcome(Box(None, 0).bump, 1))
    print(outcome(Box(1, None).drop, None), outcome(Box(0, [None]).bump_item, 0, 1))


BITS = [0, 1, -1, 7, -8, 255, 256, 2 ** 62, 2 ** 63 - 1, -(2 ** 63), 2 ** 63, -(2 ** 63) - 1, 2 ** 64 + 5,
        9223372036854775806, 4611686018427387903,
        # read from their digits (up to three, the third below 8) or not
        2 ** 30, -(2 ** 30) - 7, 2 ** 59 + 3, 2 ** 60 - 1, 2 ** 60, -(2 ** 60) - 9, 2 ** 63 - 2 ** 60 + 11,
        -(2 ** 63 - 2 ** 60), 2 ** 63 + 2 ** 60, 2 ** 90 - 1, 2 ** 90 + 5, -(2 ** 90) - 3]


def test_bitwise():
    print([Box(a, 0).xor(b) for a in BITS for b in BITS])
    print([Box(a, a).and_or(b) for a in BITS for b in BITS])
    print(same(Box(256, 0).xor(257), 1), same(Box(1000, 0).xor(1000 ^ 200), 200), same(Box(511, 0).and_or(256)[0], 256))
    print(Box(True, 0).xor(True), Box(True, 0).xor(1), Box(True, False).and_or(True), Box(MyInt(5), 0).xor(3))
    print(Box(3, 0).and_or(MyInt(6)), Box({1, 2}, 0).xor({2, 3}), outcome(Box(1.0, 0).xor, 1))
    s = {1}
    box = Box(s, 0)
    assert box.xor({2}) is s and s == {1, 2}
