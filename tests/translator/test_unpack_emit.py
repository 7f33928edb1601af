"""Emit: which unpacking assignments take zrt::unpack_locals (runtime/unpack.hpp, inline for
exact tuples/lists) and which keep the general path. Their behaviour is checked by
tests/compile_compare/cases/unpacking_fast_path.py and loops_unpacking.py."""

from __future__ import annotations

from ziggurat.translator import translate_module


def cpp_of(source: str) -> str:
    return translate_module(source, filename="m.py", module_name="m").cpp


def test_plain_local_targets_are_one_call_with_the_locals_in_order() -> None:
    cpp = cpp_of("def f(seq):\n    a, b, c = seq\n    c, b, a = seq\n    return a, b, c\n")
    assert cpp.count("zrt::unpack_locals(") == 2
    assert ", l_a, l_b, l_c)) goto L_error;" in cpp
    assert ", l_c, l_b, l_a)) goto L_error;" in cpp
    # no per-statement arrays of items or targets in the caller
    assert "zrt::Ref* u" not in cpp


def test_other_targets_keep_the_general_path() -> None:
    cases = {
        "attribute": "def f(o, seq):\n    a, o.x = seq\n",
        "item": "def f(d, seq):\n    a, d[0] = seq\n",
        "starred": "def f(seq):\n    a, *b = seq\n    return a, b\n",
        "cell": "def f(seq):\n    a, b = seq\n    return lambda: a + b\n",
        "global": "def f(seq):\n    global g\n    g, b = seq\n",
        "nested": "def f(seq):\n    (a, b), c = seq\n",
    }
    for name, source in cases.items():
        cpp = cpp_of(source)
        assert "zrt::unpack_fast(" in cpp or "zrt::unpack_star(" in cpp, name
        if name != "nested":
            assert "zrt::unpack_locals(" not in cpp, name
    # the inner tuple of a nested target is itself all plain locals
    assert "zrt::unpack_locals(" in cpp_of(cases["nested"])
