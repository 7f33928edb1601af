"""Emit (genexpr_inline.py): which `builtin(genexpr)` calls run as an inline loop behind
a run-time test of the callee, and which keep their generator. The behaviour of both paths
is checked by tests/compile_compare/cases/genexpr_consumers.py."""

from __future__ import annotations

import re

from ziggurat.translator import translate_module


def cpp_of(source: str) -> str:
    return translate_module(source, filename="m.py", module_name="m").cpp


def test_set_of_genexpr_is_inlined_behind_a_type_test() -> None:
    cpp = cpp_of("def f(vec, cols):\n    return sorted(set(vec[i] + i for i in cols))\n")
    assert "== (PyObject*)&PySet_Type) {" in cpp
    assert "PySet_Add(" in cpp
    # the body's errors get the <genexpr> traceback entry and PEP 479, the generic path
    # a real generator (the genexpr's function is still emitted for it)
    assert "zrt::genexpr_body_error();" in cpp
    assert re.search(r'TbSite TB_\d+ = \{"<genexpr>", 2,', cpp)
    assert "zrt::gen_new(" in cpp and "zrt::call_one(" in cpp


def test_len_of_set_counts_behind_both_guards() -> None:
    cpp = cpp_of("def f(vec, cols):\n    return len(set(vec[i] + i for i in cols))\n")
    # set is the type and len the builtin, else set() then len() of a real generator
    assert re.search(r'== \(PyObject\*\)&PySet_Type && zrt::is_builtin\(\w+\.p, "builtins", "len"', cpp)
    assert "zrt::DistinctCount " in cpp and ".add_num(" in cpp and ".length()" in cpp
    assert "PySet_Add(" not in cpp and "zrt::gen_new(" in cpp
    # an element that is not arithmetic is counted as an object
    cpp = cpp_of("def f(xs):\n    return len(set(x for x in xs))\n")
    assert ".add(" in cpp and ".add_num(" not in cpp


def test_function_consumers_use_builtin_sites() -> None:
    cpp = cpp_of("def f(xs):\n    return any(x > 1 for x in xs), min(x for x in xs), sorted(x for x in xs)\n")
    for name in ("any", "min", "sorted"):
        assert f'zrt::is_builtin(' in cpp and f'"builtins", "{name}"' in cpp
    assert "PyList_Sort(" in cpp and "PyObject_RichCompareBool(" in cpp


def test_join_on_a_str_constant_needs_no_guard() -> None:
    cpp = cpp_of("def f(xs):\n    return ','.join(str(x) for x in xs)\n")
    assert "PyUnicode_Join(" in cpp
    # no generator function is made for it at all
    assert "zrt::gen_new(" not in cpp


def test_not_inlined() -> None:
    sources = [
        "def f(xs):\n    return sum(x for x in xs)\n",           # compensated float sums (3.12+)
        "def f(xs):\n    return max((x for x in xs), default=0)\n",  # keywords
        "def f(xs):\n    return list(locals() for x in xs)\n",    # reads its frame
        "import sys\ndef f(xs):\n    return list(sys._getframe() for x in xs)\n",
        "async def f(xs):\n    return list(await x for x in xs)\n",  # an async genexpr
    ]
    for source in sources:
        cpp = cpp_of(source)
        assert "genexpr_body_error" not in cpp, source
