"""One small hand-written module built for each of the eight targets through
toolchains.build_extensions, checked with the parser for its format, and built twice from
empty compile caches to show the bytes are reproducible (no timestamps, no paths).

The module calls into libc (strlen, getenv), so a musl build has a libc NEEDED entry to
retarget. windows-arm64 (its first build compiles zig's mingw runtime, ~1 min) is slow-only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from artifacts import check_elf, check_macho, check_pe
from ziggurat.toolchains import TARGET_TABLE, ExtensionJob, ExtensionSet, build_extension_sets, build_extensions
from ziggurat.toolchains import host_python_abi, target_ext_suffix
from ziggurat.toolchains.elf import needed_names

SOURCE = """#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>
static PyObject* home_length(PyObject*, PyObject*) {
    const char* home = getenv("HOME");
    return PyLong_FromSize_t(home ? strlen(home) : 0);
}
static PyMethodDef methods[] = {{"home_length", home_length, METH_NOARGS, nullptr}, {nullptr, nullptr, 0, nullptr}};
static PyModuleDef mdef = {PyModuleDef_HEAD_INIT, "probe", nullptr, -1, methods};
extern "C" __attribute__((visibility("default"))) PyObject* PyInit_probe(void) {
    Py_INCREF(Py_None);  // a data symbol (_Py_NoneStruct): an __imp_ reference on Windows
    Py_DECREF(Py_None);
    return PyModule_Create(&mdef);
}
"""
HOST_TAG = f"cp{sys.version_info[0]}{sys.version_info[1]}"
ROWS = [pytest.param(row, id=row.alias, marks=[pytest.mark.slow] if row.alias == "windows-arm64" else [])
        for row in TARGET_TABLE]


def build_probe(row: object, out: Path, cache: Path) -> bytes:
    target = row.target  # type: ignore[attr-defined]
    output = out / f"probe{target_ext_suffix(target, HOST_TAG)}"
    build_extensions([ExtensionJob("probe", SOURCE, output)], target=target, python=host_python_abi(), cache_dir=cache)
    return output.read_bytes()


@pytest.mark.parametrize("row", ROWS)
def test_probe_module_per_target_and_reproducible(row: object, tmp_path: Path) -> None:
    target = row.target  # type: ignore[attr-defined]
    first = build_probe(row, tmp_path / "one", tmp_path / "cache-one")
    if target.is_windows:
        seen = check_pe(first, arch=target.arch, module="probe", dll=f"python{HOST_TAG[2:]}.dll")
        assert {"_Py_NoneStruct", "PyModule_Create2"} <= set(_pe_python_imports(first))
    elif target.is_macos:
        seen = check_macho(first, arch=target.arch, module="probe")
    else:
        seen = check_elf(first, arch=target.arch, libc=target.libc, module="probe")
        libc = f"libc.musl-{target.arch}.so.1" if target.libc == "musl" else "libc.so.6"
        assert libc in needed_names(first), seen
    second = build_probe(row, tmp_path / "two", tmp_path / "cache-two")
    assert first == second, "two builds from empty compile caches differ"


def _pe_python_imports(data: bytes) -> list[str]:
    import pefile  # type: ignore[import-untyped]

    pe = pefile.PE(data=data)
    return [imp.name.decode() for entry in pe.DIRECTORY_ENTRY_IMPORT if entry.dll.decode().startswith("python")
            for imp in entry.imports]


def test_sets_share_one_pool_and_keep_their_order(tmp_path: Path) -> None:
    """build_extension_sets: one result per set, in order, each with its target's suffix."""
    chosen = [row for row in TARGET_TABLE if row.alias in ("linux-aarch64", "macos-x86_64", "musllinux-aarch64")]
    sets = [
        ExtensionSet(row.target, host_python_abi(), (
            ExtensionJob("probe", SOURCE, tmp_path / row.alias / f"probe{target_ext_suffix(row.target, HOST_TAG)}"),))
        for row in chosen
    ]
    results = build_extension_sets(sets, cache_dir=tmp_path / "cache", parallel=2)
    assert [r.outputs for r in results] == [(s.jobs[0].output,) for s in sets]
    assert [r.compiled for r in results] == [1, 1, 1]
    again = build_extension_sets(sets, cache_dir=tmp_path / "cache")
    assert [r.cached for r in again] == [1, 1, 1]
