"""f-string fields holding ints: compiled code writes an exact int that fits in a C long
straight into a str; every other value, conversion and format spec must read as CPython's."""

import sys


class Loud(int):
    def __str__(self):
        return "Loud.__str__"

    def __format__(self, spec):
        return f"Loud.__format__({spec!r})"


def fmt(v):
    return f"{v}|{v!s}|{v!r}"


def test_edges():
    values = [0, 1, -1, 9, 10, -10, 255, 256, 2**31, -(2**31), 2**62, 2**63 - 1, -(2**63),
              2**63, -(2**63) - 1, 10**30, -(10**30), True, False, Loud(5)]
    for v in values:
        print(fmt(v), f"{v:5}" if not isinstance(v, Loud) else f"{v:5}")
    for i in range(-3, 300, 7):
        print(f"{i}:{i * 2}:{-i}", end=" ")
    print()


def test_loop_native_ints():
    parts = []
    for i in range(-50, 50):
        parts.append(f"{i}{i * i}{i - 1000}")
    print(",".join(parts))


def test_huge_int_limit():
    if hasattr(sys, "set_int_max_str_digits"):
        big = 10 ** 5000
        try:
            print(len(f"{big}"))
        except ValueError as e:
            print("ValueError", str(e)[:60])
