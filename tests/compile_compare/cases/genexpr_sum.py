"""`sum(genexpr)` whose element is made of int constants (`1 if c else 0`), which compiled
code runs inline when `sum` is the builtin at run time (translator/genexpr_inline.py,
runtime/generator.hpp IntSum): totals past int64, empty sums, elements that are not all int
constants (floats, which 3.12+ sums with compensation; bools; negative literals), a shadowed
or patched `sum`, errors raised by the condition with their tracebacks, PEP 479."""

import builtins
import traceback


def tb_names(exc):
    return [f.name for f in traceback.extract_tb(exc.__traceback__)]


def count_in(cells, v):
    return sum((1 if v in cell else 0) for cell in cells)


def test_counts():
    cells = [[0, 1, 2], [2, 7], [], [7, 7], [1]]
    print([count_in(cells, v) for v in range(9)], count_in([], 3), type(count_in([], 3)).__name__)
    print(sum(3 if x % 3 else (10 if x % 2 else 0) for x in range(20)))
    print(sum(5 for _ in range(7)), sum(0 for _ in "abc"), sum(1 for x in range(10) if x & 1))


def test_past_int64():
    big = 4611686018427387904  # 2 ** 62
    print(sum(big for _ in range(3)), sum(9223372036854775807 if x else 1 for x in [1, 1, 0]))
    print(sum(1000000000000000000000000000000 for _ in range(4)), sum(big for _ in range(8)))
    print(sum((1 if x else 9223372036854775807) for x in [0, 1, 0, 0]))


def test_other_elements():
    print(sum(0.1 if x else 0.0 for x in [1] * 10), sum(0.1 for _ in range(10)))
    print(sum(True for _ in range(4)), type(sum(True for _ in range(4))).__name__)
    print(sum(-1 for _ in range(4)), sum((1 if x else -1) for x in [1, 0, 0]))
    print(sum(1 if x else 0.5 for x in [1, 0, 1]), sum(x for x in range(5)))


def test_shadowed_and_patched():
    def sum(g):  # noqa: A001 - takes one item only: the generator must be real and lazy
        return ("local", next(g))

    print(sum(1 for _ in range(3)))
    saved = builtins.sum
    builtins.sum = lambda g, start=0: ("patched", list(g))
    try:
        print(count_in([[1], [2]], 1))
    finally:
        builtins.sum = saved
    print(count_in([[1], [2]], 1))


class Boom(Exception):
    pass


class Cell:
    def __contains__(self, v):
        if v == "boom":
            raise Boom("in " + repr(v))
        if v == "stop":
            raise StopIteration("from contains")
        return v == "yes"


def test_errors():
    print(count_in([Cell(), Cell()], "yes"), count_in([Cell()], "no"))
    try:
        count_in([Cell(), Cell()], "boom")
    except Boom as e:
        print("Boom", e, tb_names(e))
    try:
        count_in([Cell()], "stop")
    except RuntimeError as e:
        print("RuntimeError", e, type(e.__cause__).__name__, e.__cause__)
    try:
        sum(1 for _ in 5)
    except TypeError as e:
        print("TypeError", e)
