"""The harness must catch what it exists to catch: a reference leaked per call, and a
compiled module whose behaviour differs from CPython's."""

from __future__ import annotations

import sys
from pathlib import Path

from ziggurat.toolchains import ExtensionJob, build_extensions, host_python_abi
from ziggurat.translator import translate_module

from .harness import CaseBuild, compare_case

SOURCE = "def test_it():\n    x = [1, 2]\n    print(x)\n"


def _build(tmp_path: Path, name: str, mutate, source: str = SOURCE) -> CaseBuild:
    src = tmp_path / f"{name}.py"
    src.write_text(source)
    cpp = mutate(translate_module(source, filename=src.name, module_name=name).cpp)
    abi = host_python_abi()
    out = tmp_path / "out"
    out.mkdir()
    build_extensions([ExtensionJob(name, cpp, out / f"{name}{abi.ext_suffix}")], python=abi)
    keep = tmp_path / "keep"
    keep.mkdir()
    return CaseBuild(name, src, sys.executable, keep, out)


LEAK = "{ PyObject* leaked = PyList_New(0); (void)leaked; }\n    "


def _leak_on_return(cpp: str) -> str:
    # a function's `return None`, from its vectorcall body or its direct entry (module-level)
    return cpp.replace("return zrt::newref(Py_None);", LEAK + "return zrt::newref(Py_None);").replace(
        "return zrt::num_obj(zrt::newref(Py_None));", LEAK + "return zrt::num_obj(zrt::newref(Py_None));")


def test_detects_a_leaked_reference(tmp_path: Path) -> None:
    problems = compare_case(_build(tmp_path, "leaky_case", _leak_on_return))
    assert any("a leak" in p for p in problems), problems


def test_fewer_leak_calls_still_detect_a_leak(tmp_path: Path) -> None:
    # a slow test may ask for fewer calls (driver.py's leak_calls); one block a call still shows
    source = SOURCE + "\n\ntest_it.leak_calls = 20\n"
    problems = compare_case(_build(tmp_path, "leaky_few", _leak_on_return, source))
    assert any("a leak" in p for p in problems), problems


def test_detects_different_output(tmp_path: Path) -> None:
    build = _build(tmp_path, "wrong_case", lambda cpp: cpp.replace("PyLong_FromLongLong(2LL)", "PyLong_FromLongLong(3LL)"))
    problems = compare_case(build)
    assert any("output differs" in p for p in problems), problems


def test_clean_case_passes(tmp_path: Path) -> None:
    assert compare_case(_build(tmp_path, "clean_case", lambda cpp: cpp)) == []
