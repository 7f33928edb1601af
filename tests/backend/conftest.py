"""Fixtures for the backend tests (helpers live in backend_support.py)."""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path
from typing import Iterator

import pytest

from backend_support import EXT_SUFFIX, FakeJob, FakeSet, FakeToolchain, forget_distutils_created_paths, write_project


@pytest.fixture
def tiny_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the tiny project; the test runs with it as the current directory."""
    project = write_project(tmp_path / "project")
    monkeypatch.chdir(project)
    return project


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ZIGGURAT_* settings or SOURCE_DATE_EPOCH from the developer's shell leak in."""
    for var in list(os.environ):
        if (var.startswith("ZIGGURAT_") and var != "ZIGGURAT_ZIG") or var == "SOURCE_DATE_EPOCH":
            monkeypatch.delenv(var)
    # setuptools' hooks rewrite sys.argv in-process; give each test its own copy back.
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    forget_distutils_created_paths()


@pytest.fixture
def fake_toolchain(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeToolchain]:
    """Replace translate_module and the toolchain entry points with recording fakes."""
    import ziggurat.backend.tags as tags
    import ziggurat.toolchains as toolchains

    fake = FakeToolchain()
    try:
        import ziggurat.translator as translator
    except ImportError:  # the translator package is not importable yet: stand one in
        translator = types.ModuleType("ziggurat.translator")
        monkeypatch.setitem(sys.modules, "ziggurat.translator", translator)
    monkeypatch.setattr(translator, "translate_module", fake.translate_module, raising=False)
    monkeypatch.setattr(toolchains, "ExtensionJob", FakeJob, raising=False)
    monkeypatch.setattr(toolchains, "build_extensions", fake.build_extensions, raising=False)
    monkeypatch.setattr(toolchains, "ExtensionSet", FakeSet, raising=False)
    monkeypatch.setattr(toolchains, "build_extension_sets", fake.build_extension_sets, raising=False)
    monkeypatch.setattr(toolchains, "target_python_abi", fake.target_python_abi, raising=False)
    monkeypatch.setattr(toolchains, "host_target", lambda: "host-target", raising=False)
    monkeypatch.setattr(
        toolchains,
        "host_python_abi",
        lambda: types.SimpleNamespace(ext_suffix=EXT_SUFFIX, python_tag="cp311", abi_tag="cp311"),
        raising=False,
    )
    monkeypatch.setattr(toolchains, "zig_available", lambda: fake.zig, raising=False)
    monkeypatch.setattr(tags, "platform_tags", lambda target: ("manylinux_2_17_x86_64", "manylinux2014_x86_64"))
    yield fake
