"""Float runs computing a module-level function's return value in place (floatrun.py,
FloatRuns.inline_call: spectral_norm's `partial_sum += eval_A(i, j) * u_j`). Every check
of the inlined call is failed here mid-loop - the name rebound (to another function, a
builtin, a callable object, deleted), the function's code replaced, arguments of other
kinds (float subclasses, bools, big ints, floats where ints were expected, str), the
callee's own errors (ZeroDivisionError, OverflowError), the recursion limit - and the sum
so far printed, so a check in the wrong place or a wrong write-back changes the output."""

import sys


def eval_A(i, j):
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


def ratio(a, b):
    """a docstring, then the one return"""
    return a / b - 0.5 * a


def same(x):
    return x


def part(i_u):
    i, u = i_u
    partial_sum = 0
    for j, u_j in enumerate(u):
        partial_sum += eval_A(i, j) * u_j
    return partial_sum


def part_t(i_u):
    i, u = i_u
    partial_sum = 0
    for j, u_j in enumerate(u):
        partial_sum += eval_A(j, i) * u_j
    return partial_sum


def show(f, *args):
    try:
        print(f.__name__, repr(f(*args)))
    except Exception as e:
        print(f.__name__, "raised", type(e).__name__, e)


class F(float):
    def __mul__(self, other):
        return "F.__mul__"

    def __rmul__(self, other):
        return "F.__rmul__"


class I(int):
    def __add__(self, other):
        return 7

    def __radd__(self, other):
        return 7


def test_plain():
    u = [1.0, 0.5, -2.25, 3.0, 1e300, -0.0]
    for i in (0, 1, 5, -1):
        show(part, (i, u))
        show(part_t, (i, u))
    show(part, (3, [1, 2, 3]))  # ints as u_j: the int*float product is the float path's
    show(part, (3, []))


def test_argument_kinds():
    u = [1.0, 2.0, 3.0]
    for i in (2.5, True, I(3), F(1.5), 2 ** 40, 2 ** 62, 2 ** 70, -2 ** 63, "s", None):
        show(part, (i, u))
        show(part_t, (i, u))
    show(part, (1, [1.0, F(2.0), 3.0]))
    show(part, (1, [1.0, 2.0, float("nan"), float("inf")]))


def test_callee_errors():
    # i + j + 1 == 0 at j == 0 for i == -1: (0 * ...) // 2 + i + 1 == 0 -> ZeroDivisionError
    show(part, (-1, [1.0, 2.0]))
    show(part_t, (-1, [1.0, 2.0]))
    # the int product overflows int64 (the fast copy gives up; CPython's big ints go on)
    show(part, (2 ** 32, [1.0, 2.0]))
    show(part, (2 ** 31 + 5, [1.0, 2.0, 3.0]))


def rebinding(u):
    global eval_A
    partial_sum = 0
    saved = eval_A
    out = []
    for j, u_j in enumerate(u):
        if j == 2:
            eval_A = lambda a, b: 100.0
        elif j == 3:
            eval_A = max
        elif j == 4:
            eval_A = saved
        elif j == 5:
            del eval_A
        try:
            partial_sum += eval_A(1, j) * u_j
        except NameError as e:
            out.append(str(e))
        out.append(partial_sum)
    return out


def test_rebound_name():
    global eval_A
    saved = eval_A
    try:
        show(rebinding, [1.0] * 7)
    finally:
        eval_A = saved
    show(part, (2, [1.0, 2.0]))


def test_replaced_code():
    saved = eval_A.__code__
    try:
        eval_A.__code__ = (lambda i, j: -1.0).__code__
        show(part, (2, [1.0, 2.0]))
    finally:
        eval_A.__code__ = saved
    show(part, (2, [1.0, 2.0]))


def floats(xs, b):
    total = 0.0
    for x in xs:
        total += ratio(x, b) * 2.0
    return total


def test_float_params():
    show(floats, [1.0, 2.0, -0.0], 4.0)
    show(floats, [1.0, 2.0], 0.0)  # ZeroDivisionError from ratio, with its message
    show(floats, [1.0, 2.0], 0)
    show(floats, [1, 2.0, 3], 2.0)
    show(floats, [1e308, 2.0], 1e-308)  # inf, as CPython's float division gives
    show(floats, [float("nan")], 2.0)


def identity(xs):
    total = 0.0
    for x in xs:
        total = same(x) + total * 1.0
    return total


def test_not_inlined_identity():
    show(identity, [1.5, 2.5])
    show(identity, [1.5, "x"])


def part_caught(i_ju):
    i, ju = i_ju
    partial_sum = 0.0  # (a float from the start: the first call is in the run)
    for j, u_j in ju:  # (no call of a builtin first: 3.10 counts those too)
        try:
            partial_sum += eval_A(i, j) * u_j
        except RecursionError:
            return "eval_A's call reached the limit", partial_sum
    return partial_sum


def deep(n, u):
    if n:
        return deep(n - 1, u)
    return part_caught((1, u))


JU = list(enumerate([1.0, 2.0]))


def test_recursion_limit():
    # at one depth below the limit part_caught is entered but its call of eval_A (a frame
    # deeper) reaches the limit; which depth that is differs by a call between interpreters
    # and compiled code on some versions (docs/differences.md), so only that it happens
    # is printed, and what the depths around it gave
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    outcomes = []
    try:
        for n in range(100, 200):
            try:
                outcomes.append(deep(n, JU))
            except RecursionError as e:
                outcomes.append(("RecursionError", str(e)[:32]))
    finally:
        sys.setrecursionlimit(old)
    print("eval_A's call reached the limit:", [o for o in outcomes if isinstance(o, tuple) and o[0] != "RecursionError"])
    print("results before:", sorted({repr(o) for o in outcomes if not isinstance(o, tuple)}))
    print("errors after:", sorted({repr(o) for o in outcomes if isinstance(o, tuple) and o[0] == "RecursionError"}))
