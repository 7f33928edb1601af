"""Emit (methodcalls.py): which methods get a body entry MP_<n> and which call sites and
binary operators try them. That the direct path behaves as CPython does whatever the site
meets is checked by tests/compile_compare/cases/direct_methods.py."""

from __future__ import annotations

import re

from ziggurat.translator import translate_module

CLASSES = """
class A:
    def m(self, x):
        return x
    def kw(self, x, *, y=1):
        return x
    def gen(self):
        yield 1
    def __sub__(self, o):
        return self
class B(A):
    def m(self, x):
        return -x
"""


def cpp_of(body: str) -> str:
    return translate_module(CLASSES + body, filename="m.py", module_name="m").cpp


def direct_targets(cpp: str) -> set[str]:
    """The entries the call sites of the module's functions enter directly."""
    inline = re.findall(r"== (MK_\d+)\(\) \? \(?(?:zrt::dunder_result\()?MP_\d+", cpp)
    # a specialised site's candidates: a table for zrt::num_dunder_binop
    tabled = re.findall(r"\{(MK_\d+), MP_\d+\}", cpp)
    return set(inline + tabled)


def dunder_site(cpp: str) -> bool:
    return "zrt::dunder_method(" in cpp or "zrt::num_dunder_binop(" in cpp


ALL_SITES = "def f(o, p):\n    return o.m(1), o.kw(1), o.gen(), o - p\n"


def entries_of(cpp: str) -> list[str]:
    return re.findall(r'static PyObject\* MK_\d+\(\) \{ return FS_\d+\.code; \}', cpp)


def test_entries_only_for_plain_methods() -> None:
    cpp = cpp_of(ALL_SITES)
    # A.m, B.m, A.__sub__: not the keyword-only one, not the generator
    assert len(entries_of(cpp)) == 3, entries_of(cpp)
    assert "MP_" in cpp and "zrt::bind_positional<2>" in cpp


def test_entries_only_for_methods_a_site_reaches() -> None:
    # No site calls a method or subtracts: no entry (each was one more function to compile,
    # its body then inlined back into b_<k> and optimised twice).
    assert entries_of(cpp_of("")) == []
    assert entries_of(cpp_of("def f(o):\n    return o.m(1, 2)\n")) == []  # m takes 1 argument
    assert len(entries_of(cpp_of("def f(o):\n    return o.m(1)\n"))) == 2  # A.m, B.m
    assert len(entries_of(cpp_of("def f(o):\n    o -= 1\n"))) == 1  # A.__sub__, a superset
    # a site reaches staticmethods with its own argument count, classmethods with one more
    decorated = "class C:\n    @staticmethod\n    def s(x):\n        return x\n" \
        "    @classmethod\n    def c(cls, x):\n        return x\n"
    assert len(entries_of(cpp_of(decorated + "def f(o):\n    return o.s(1), o.c(1)\n"))) == 2
    assert entries_of(cpp_of(decorated + "def f(o):\n    return o.s(), o.c()\n")) == []


def test_method_sites_try_every_same_named_method() -> None:
    cpp = cpp_of("def f(o):\n    return o.m(1)\n")
    assert len(direct_targets(cpp)) == 2  # A.m and B.m, each compared
    assert "zrt::method_code(" in cpp


def test_sites_left_generic() -> None:
    for body in ("def f(o):\n    return o.m(x=1)\n",   # keywords
                 "def f(o):\n    return o.m(1, 2)\n",  # no method of that name takes 3
                 "def f(o):\n    return o.kw(1)\n",    # keyword-only parameters: no entry
                 "def f(o):\n    return o.other(1)\n"):
        assert not direct_targets(cpp_of(body)), body


def test_dunder_sites() -> None:
    for body in ("def f(a, b):\n    return a.v - b.v\n", "def f(a):\n    return a.v - 2.5\n",
                 "def f(a, b):\n    return [a][0] - b\n"):
        cpp = cpp_of(body)
        assert dunder_site(cpp) and direct_targets(cpp), body
    for body in ("def f(a, b):\n    return a.v + b.v\n",  # no __add__ compiled
                 "def f(a, b):\n    return a - b\n",  # a likely number on the left (a Num local)
                 "def f(b):\n    return 2 - b\n"):
        assert not dunder_site(cpp_of(body)), body


INIT_CLASSES = """
class P:
    def __init__(self, x, y):
        self.x = x
class Q:
    def __init__(self, v, *, k=0):
        self.v = v
"""


def construct_targets(body: str) -> list[str]:
    """The entries `C(args)` sites of the module enter directly (construct_site)."""
    cpp = translate_module(INIT_CLASSES + body, filename="m.py", module_name="m").cpp
    return re.findall(r"== (MK_\d+)\(\) \? zrt::construct\(", cpp)


def test_construct_sites() -> None:
    # positional calls of a name with as many arguments as a compiled __init__ takes
    assert len(construct_targets("def f(a):\n    return P(a, 2)\n")) == 1
    assert len(construct_targets("def f(a):\n    C = P\n    return C(a, 2)\n")) == 1
    assert len(construct_targets("def f(g):\n    return g(1, 2)\n")) == 1  # any callable: checked at run time
    # a builtin the module rebinds may be a class
    assert len(construct_targets("divmod = P\ndef f(a):\n    return divmod(a, 2)\n")) == 1
    for body in ("def f(a):\n    return P(a, y=2)\n",   # keywords
                 "def f(a):\n    return P(a)\n",        # no compiled __init__ takes 2
                 "def f(a):\n    return Q(a)\n",        # keyword-only parameters: no entry
                 "def f(a):\n    return P(*a)\n",       # starred
                 "def f(m, a):\n    return m.P(a, 2)\n",  # an attribute: a method call site
                 "def f(a):\n    return divmod(a, 2)\n",  # a builtin the module never binds
                 "def g(a, b): pass\ndef f(a):\n    return g(a, 2)\n"):  # a function, by its only binding
        assert not construct_targets(body), body
