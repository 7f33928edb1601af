"""Emit (module_emitter.run_once_attributes): the functions that run once per import - module
init, the body of a module without loops and its top-level class bodies - are compiled
unoptimised (optnone: less compile time), a large one only for size (minsize: unoptimised
code keeps a stack slot per temporary). Functions that may run more than once never are."""

from __future__ import annotations

import re

from ziggurat.translator import translate_module
from ziggurat.translator.module_emitter import RUN_ONCE, RUN_ONCE_LARGE, RUN_ONCE_MAX_LINES


def cpp_of(source: str) -> str:
    return translate_module(source, filename="m.py", module_name="m").cpp


def attributes(cpp: str, function: str) -> str:
    """What precedes `static int <function>(` on its definition's line."""
    found = re.search(rf"^(.*)static int {re.escape(function)}\((?!.*\);$)", cpp, re.M)
    assert found, function
    return found.group(1)


def class_bodies(cpp: str) -> list[str]:
    return re.findall(r"^(.*)static int c_\d+\(zrt::ModuleState\*, PyObject\* L_ns", cpp, re.M)


def test_module_without_loops() -> None:
    cpp = cpp_of("class A:\n    x = 1\n    def m(self):\n        class B:\n            pass\n        return B\n"
                 "def f():\n    for i in range(3):\n        pass\n")
    assert attributes(cpp, "zrt_module_body") == RUN_ONCE
    assert attributes(cpp, "zrt_exec") == RUN_ONCE
    assert attributes(cpp, "zrt_init_constants") == RUN_ONCE
    # A's body runs once; B's each time m runs
    assert sorted(class_bodies(cpp)) == ["", RUN_ONCE]
    assert not re.search(r"optnone[^\n]*static PyObject\* (f_|b_|MP_)", cpp)


def test_module_with_a_loop() -> None:
    # its module body may run a class statement many times: only module init runs once
    cpp = cpp_of("for i in range(3):\n    class A:\n        pass\nclass B:\n    pass\n")
    assert attributes(cpp, "zrt_module_body") == ""
    assert class_bodies(cpp) == ["", ""]
    assert attributes(cpp, "zrt_exec") == RUN_ONCE


def test_large_units_only_for_size() -> None:
    source = "".join(f"x{i} = [{i}, {i + 1}]\n" for i in range(RUN_ONCE_MAX_LINES // 8))
    cpp = cpp_of(source)
    body = cpp[cpp.index("static int zrt_module_body("):]
    assert body[:body.index("\n}\n")].count("\n") > RUN_ONCE_MAX_LINES  # (~11 lines a statement)
    assert attributes(cpp, "zrt_module_body") == RUN_ONCE_LARGE
