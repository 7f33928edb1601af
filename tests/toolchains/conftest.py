"""Shared helpers for the toolchains tests: hand-written C++ modules (no translator)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ziggurat.toolchains import clear_zig_cache


def module_source(dotted: str, answer: int = 42) -> str:
    """A minimal extension module `dotted` with one function `answer()` returning `answer`."""
    last = dotted.rsplit(".", 1)[-1]
    return f"""#define PY_SSIZE_T_CLEAN
#include <Python.h>
static PyObject* answer(PyObject*, PyObject*) {{ return PyLong_FromLong({answer}); }}
static PyMethodDef methods[] = {{
    {{"answer", answer, METH_NOARGS, nullptr}},
    {{nullptr, nullptr, 0, nullptr}},
}};
static PyModuleDef mdef = {{PyModuleDef_HEAD_INIT, "{dotted}", nullptr, -1, methods}};
extern "C" __attribute__((visibility("default"))) PyObject* PyInit_{last}(void) {{
    return PyModule_Create(&mdef);
}}
"""


@pytest.fixture(autouse=True)
def _fresh_zig_discovery(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Discovery is cached per process; tests that fake zig must not leak into others.
    monkeypatch.delenv("ZIGGURAT_ZIG", raising=False)
    clear_zig_cache()
    yield
    clear_zig_cache()


@pytest.fixture
def make_source() -> object:
    """The module_source helper, as a fixture so test files need not import conftest."""
    return module_source
