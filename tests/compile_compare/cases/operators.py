"""Arithmetic, comparison, identity, membership and boolean operators with exact semantics."""


def test_int_arithmetic():
    big = 2 ** 100
    assert big * big == 2 ** 200
    assert -7 // 2 == -4 and -7 % 2 == 1 and 7 % -2 == -1 and 7 // -2 == -4
    assert divmod(-7, 2) == (-4, 1)
    assert 7 / 2 == 3.5 and -7 / 2 == -3.5
    assert 2 ** -1 == 0.5
    assert (1 << 70) >> 69 == 2
    assert ~5 == -6 and -(-5) == 5 and +3 == 3
    assert 6 & 3 == 2 and 6 | 3 == 7 and 6 ^ 3 == 5
    print(10 ** 30 + 1, -(10 ** 30) // 7, (-(10 ** 30)) % 7)


def test_float_and_complex():
    assert 0.1 + 0.2 != 0.3
    assert -7.5 // 2 == -4.0 and -7.5 % 2 == 0.5
    assert (1 + 2j) * (3 - 1j) == (5 + 5j)
    print(1e308 * 10, -1e308 * 10, 1 / 3, 2.5e-10, float("nan") != float("nan"))


def test_errors():
    for f in (lambda: 1 / 0, lambda: 1 // 0, lambda: 1 % 0, lambda: "a" + 1, lambda: [] - []):
        try:
            f()
        except Exception as e:
            print(type(e).__name__, e)


def test_comparisons():
    a, b, c = 1, 2, 3
    assert a < b < c and not (a < b > c)
    assert 1 < 2 <= 2 < 3 != 4
    assert [1, 2] < [1, 3] and (1, 2) == (1, 2)
    x = [1]
    assert x is x and x is not [1] and x == [1]
    assert 1 in x and 2 not in x and "b" in "abc"
    calls = []

    def v(n):
        calls.append(n)
        return n

    assert not (v(3) < v(2) < v(1))
    print(calls)
    try:
        1 < "a"
    except TypeError as e:
        print(e)


def test_boolean_ops():
    assert (0 or "x") == "x" and (1 and 2) == 2 and (0 and 1) == 0 and ([] or []) == []
    assert (None or 0 or "" or "last") == "last"
    assert not None and not 0 and not [] and bool([0])
    seen = []

    def f(n):
        seen.append(n)
        return n

    f(0) and f(1)
    f(1) or f(2)
    f(0) or f(3) and f(4)
    print(seen)
    print(1 if seen else 2, "a" if not seen else "b")


def test_strings_and_sequences():
    s = "ab" * 3 + "c"
    assert s == "abababc" and s[1:4] == "bab" and s[::-1] == "cbababa" and s[-1] == "c"
    lst = [1, 2, 3, 4, 5]
    assert lst[1:-1] == [2, 3, 4] and lst[::2] == [1, 3, 5]
    lst[1:3] = ["x"]
    del lst[0]
    assert lst == ["x", 4, 5]
    print("%s-%d-%.2f" % ("a", 3, 2.5), "{}+{}".format(1, 2))


def test_augmented():
    x = 5
    x += 3
    x -= 1
    x *= 2
    x //= 3
    x **= 2
    x %= 7
    x <<= 3
    x >>= 1
    x |= 1
    x ^= 3
    x &= 6
    print(x)
    lst = [1]
    alias = lst
    lst += [2]
    assert alias is lst and alias == [1, 2]
    t = (1,)
    t2 = t
    t += (2,)
    assert t2 == (1,) and t == (1, 2)
    d = {"k": 1}
    d["k"] += 5

    class O:
        v = 1

    o = O()
    o.v += 10
    print(d, o.v, O.v)
