"""Direct calls between compiled functions (native signatures: numbers passed and returned
unboxed, the thread state passed down) and leaf functions whose frame is pushed only when
needed: whatever the callee is called with, however it is rebound, wherever it fails, the
program sees what CPython gives - results, exceptions, tracebacks (function names and line
numbers), frames seen from a callee, the depth of RecursionError.
"""

import sys
import traceback

# an abi3 module has no frames of its own (docs/differences.md): the checks that need them
# are printed only where there are (FRAMES is false only in an .abi3.so build)
FRAMES = not __file__.endswith(".abi3.so")


def leaf(a, b):
    return (a + b) / (a - b)


def leaf_int(a, b):
    c = a * b
    return c - a // b


def leaf_float(x: float) -> float:
    y: float = x * 0.5
    return y * y ** 2.0 + 1.0


def first(a, b):
    return a


def pick(a, b):
    return a if b == "s" or a > b else b


def sq(x):
    return x * x


def uses_sq(n):
    return sq(n) + 1


def scaled(x, k=2):
    return x * k


def names_at(tb):
    out = []
    while tb is not None:
        out.append((tb.tb_frame.f_code.co_name, tb.tb_lineno - leaf.__code__.co_firstlineno))
        tb = tb.tb_next
    return out


def test_results():
    print(leaf(3, 1), leaf(2.5, 0.5), leaf_int(7, 2), leaf_float(3.0), uses_sq(12), uses_sq(2.5))
    print(leaf(2 ** 70, 1), leaf_int(2 ** 40, 2 ** 40), leaf_int(-7, 2), leaf_float(2 ** 80))
    print(repr(leaf(True, False)), leaf_int(True, True))
    big, f = int("1000000000001"), float("1.5e300")  # objects: a leaf returns the very ones
    print(first(big, 1) is big, first(f, 2) is f, first(big, "x") is big, leaf(2 ** 53 + 1, 1.0))
    c, n = 1.25, 10 ** 15
    c = c * 3.0
    n = n + 7
    print(first(c, 0) is c, first(n, c) is n, first(f, big) is f, first(-big, 1) is -big)
    print(pick(big, 1) is big, pick(1, f) is f, pick(c, 0.5) is c, pick(0, n) is n, pick(n, "s"))
    rebound_first(big, c, n)
    rebound_sq(c, n)


def rebound_first(big, c, n):
    global first
    c = c * 1.0  # Num locals with no box yet
    n = n + 0
    saved = first
    first = lambda a, b: a  # the generic path: still the very objects
    try:
        print(first(c, 0) is c, first(n, c) is n, first(big, 1) is big, first(1.0 * c, 0) == c)
    finally:
        first = saved


def rebound_sq(c, n):
    global sq
    c = c * 1.0  # Num locals with no box yet, passed for a parameter compiled sq only
    n = n + 0    # computes with (so the direct path would not box them)
    saved = sq
    sq = lambda x: x
    try:
        print(sq(c) is c, sq(n) is n)
    finally:
        sq = saved
    print(leaf_int(2 ** 62, 3), leaf_int(-2 ** 63, -1), leaf(1e308, 1e308 / 3), sq(-2 ** 62))


LOUD_CALLERS = []


class Loud(float):
    """A float subclass: its arithmetic is Python code, which sees the callee's frame."""

    def __add__(self, other):
        f = sys._getframe(1)
        LOUD_CALLERS.append((f.f_code.co_name, f.f_back.f_code.co_name))
        return Loud(float(self) + other)

    __radd__ = __add__


def test_odd_arguments():
    del LOUD_CALLERS[:]
    print(type(leaf(Loud(3.0), 1.0)).__name__, leaf(Loud(3.0), 1.0))
    if FRAMES:  # the leaf's frame is there when Python code runs in it
        assert LOUD_CALLERS == [("leaf", "test_odd_arguments")] * 2, LOUD_CALLERS
    print(sq(Loud(1.5)), uses_sq(Loud(2.0)))
    print(sq("ab" and 3), scaled("ab"), scaled("ab", 3), scaled([1], k=2))
    for bad in (("x", 1), (1, "y"), (None, 2)):
        try:
            leaf(*bad)
        except TypeError as e:
            print("TypeError", e)


def test_errors_in_leaf():
    for args in ((2, 2), (2.0, 2.0), (10 ** 30, 10 ** 30)):
        try:
            leaf(*args)
        except ZeroDivisionError as e:
            tb = e.__traceback__
            print("ZeroDivisionError", e, names_at(tb))
            inner = tb
            while inner.tb_next is not None:
                inner = inner.tb_next
            if FRAMES:  # the frame of the entry: the leaf's, called by this function
                seen = (inner.tb_frame.f_code.co_name, inner.tb_frame.f_back.f_code.co_name,
                        inner.tb_frame.f_lineno - leaf.__code__.co_firstlineno)
                assert seen == ("leaf", "test_errors_in_leaf", 1), seen
    try:
        leaf_int(3, 0)
    except ZeroDivisionError as e:
        print("ZeroDivisionError", e, names_at(e.__traceback__))
    try:
        leaf_float(1e200)
    except OverflowError as e:
        print("OverflowError", e, names_at(e.__traceback__))


def mid(x):
    y = x * 2
    return leaf(y, x + 4) + 1


def top(x):
    return mid(x) - 1


def test_traceback_through_direct_calls():
    try:
        top(4)
    except ZeroDivisionError as e:
        print(names_at(e.__traceback__))
        print([(f.name, f.lineno - leaf.__code__.co_firstlineno) for f in traceback.extract_tb(e.__traceback__)])
    print(top(1.5))


def probe():
    f = sys._getframe(1)
    return f.f_lineno - leaf.__code__.co_firstlineno + len(f.f_code.co_name)


def calls_probe(x):
    k = probe()
    return x + k


def calls_probe_twice(x):
    return calls_probe(x) * 2


def test_getframe_in_callee():
    got = (calls_probe(1), calls_probe(2.5), calls_probe_twice(3))
    k = calls_probe.__code__.co_firstlineno + 1 - leaf.__code__.co_firstlineno + len("calls_probe")
    if FRAMES:  # probe sees the line and name of its direct caller
        assert got == (1 + k, 2.5 + k, 2 * (3 + k)), (got, k)


def rebinding_user(n):
    return sq(n) + scaled(n)


def test_rebinding():
    global sq, scaled
    print(rebinding_user(3))
    old_sq, old_scaled = sq, scaled
    sq = lambda x: x + 100
    scaled = old_sq
    try:
        print(rebinding_user(3), rebinding_user(2.5))
        del sq
        try:
            rebinding_user(3)
        except NameError as e:
            print("NameError", e)
    finally:
        sq, scaled = old_sq, old_scaled
    print(rebinding_user(3))
    old_code = sq.__code__
    sq.__code__ = leaf_float.__code__
    try:
        print(rebinding_user(3))
    finally:
        sq.__code__ = old_code
    print(rebinding_user(4))


def raises(x):
    if x > 2:
        raise ValueError("too big: %r" % (x,))
    return x * 3


def catches(x):
    try:
        return raises(x) + 1
    except ValueError as e:
        return -1 if "big" in str(e) else -2


def test_exceptions_from_callee():
    print(catches(1), catches(5), catches(2.5))
    try:
        raises(7) + 1
    except ValueError as e:
        print("ValueError", e, names_at(e.__traceback__))


def down(n):
    return 0 if n == 0 else down(n - 1) + 1


def depth():
    f, n = sys._getframe(), 0
    while f is not None:
        f, n = f.f_back, n + 1
    return n


def down_kw(n):
    return 0 if n == 0 else down_kw(n=n - 1) + 1


def deepest(n, f=down):
    try:
        return f(n)
    except RecursionError:
        return -1


def test_recursion_limit():
    old = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(depth() + 60)
        # the largest depth that still fits, as CPython counts frames
        # (3.11 counts the C-level entry of the interpreter that runs the caller, which a
        # compiled caller has not: one level more here; the same with or without direct calls)
        direct = max([n for n in range(30, 70) if deepest(n) == n] or [0])
        generic = max([n for n in range(30, 70) if deepest(n, down_kw) == n] or [0])
        print("deepest", direct - generic, 57 <= direct <= 59 or not FRAMES)
        try:
            down(10 ** 6)
        except RecursionError:  # (3.10 may say "... in comparison": where C code met the limit)
            print("RecursionError")
        try:
            leaf_recursive(0)
        except RecursionError:
            print("RecursionError in a leaf's caller chain")
    finally:
        sys.setrecursionlimit(old)


def not_leaf(x):
    y = [x]  # (a call, even of len, counts one more level of C recursion on 3.10)
    return x * x


def chain_leaf(n):
    return sq(n) if n == 0 else chain_leaf(n - 1)


def chain_not_leaf(n):
    return not_leaf(n) if n == 0 else chain_not_leaf(n - 1)


def fits(f, n):
    try:
        f(n)
        return True
    except RecursionError:
        return False


def test_leaf_at_the_recursion_limit():
    # a leaf called at the limit raises RecursionError as any call does
    old = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(depth() + 60)
        a = max([n for n in range(30, 70) if fits(chain_leaf, n)] or [0])
        b = max([n for n in range(30, 70) if fits(chain_not_leaf, n)] or [0])
        print("leaf vs not:", a - b)
    finally:
        sys.setrecursionlimit(old)


def leaf_recursive(n):
    return leaf_recursive(n + 1)
