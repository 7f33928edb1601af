"""Helpers for the backend tests: a tiny setuptools project, and stand-ins for the
translator and toolchains so the hook logic can be tested without zig."""

from __future__ import annotations

import hashlib
import sys
import types
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    from ziggurat.translator.report import FunctionReport, ModuleReport
except ImportError:
    # The translator package cannot be imported yet (its driver is still being written):
    # register the package without running its __init__ so report.py can be loaded.
    import ziggurat

    _stub = types.ModuleType("ziggurat.translator")
    _stub.__path__ = [str(Path(ziggurat.__file__).parent / "translator")]
    sys.modules["ziggurat.translator"] = _stub
    from ziggurat.translator.report import FunctionReport, ModuleReport

EXT_SUFFIX = ".cpython-311-x86_64-linux-gnu.so"

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "ziggurat.backend"

[project]
name = "tiny-demo"
version = "0.1"
description = "a project the backend tests build"

[project.scripts]
tiny = "tiny_demo.cli:main"

[tool.setuptools]
packages = ["tiny_demo", "tiny_demo.sub"]

[tool.setuptools.package-data]
tiny_demo = ["data.txt"]
"""

# core.py is Latin-1 with a PEP 263 cookie: the backend must decode it as Python does.
TINY_FILES: dict[str, bytes] = {
    "pyproject.toml": PYPROJECT.encode(),
    "tiny_demo/__init__.py": b'"""Tiny demo."""\nfrom .core import add, greet\n\n__all__ = ["add", "greet"]\n',
    "tiny_demo/core.py": (
        "# -*- coding: latin-1 -*-\n"
        "GREETING = 'caf\u00e9'\n\n"
        "def add(a, b):\n    return a + b\n\n"
        "def greet(name):\n    return f'{GREETING}, {name}!'\n"
    ).encode("latin-1"),
    "tiny_demo/cli.py": b"from .core import add\n\ndef main():\n    print(add(2, 3))\n",
    "tiny_demo/__main__.py": b"from .cli import main\nmain()\n",
    "tiny_demo/data.txt": b"some package data\n",
    "tiny_demo/sub/__init__.py": b"",
    "tiny_demo/sub/util.py": b"def double(x):\n    return 2 * x\n",
}


def write_project(root: Path, files: dict[str, bytes] | None = None) -> Path:
    for rel, data in (TINY_FILES if files is None else files).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root



def forget_distutils_created_paths() -> None:
    """Let setuptools run twice in one process on one tree.

    distutils' mkpath remembers every directory it created, process-wide, and skips them
    later; bdist_wheel deletes its build/bdist.* tree afterwards, so a second in-process
    build of the same project fails with "could not create ...". Frontends run each hook in
    a fresh process and never meet this; tests that build twice do.
    """
    import setuptools  # type: ignore[import-untyped,unused-ignore]  # noqa: F401  (makes `distutils` setuptools' own copy)
    import distutils.dir_util as dir_util

    created = getattr(dir_util, "_path_created", None)
    if isinstance(created, (dict, set)):
        created.clear()
    cache_clear = getattr(getattr(dir_util, "mkpath", None), "cache_clear", None)
    if callable(cache_clear):
        cache_clear()
    # setuptools >= 72 keeps the set in a class (SkipRepeatAbsolutePaths.instance)
    skip = getattr(dir_util, "SkipRepeatAbsolutePaths", None)
    if skip is not None and hasattr(skip, "instance"):
        skip.clear()



@dataclass(frozen=True)
class FakeTranslation:
    module_name: str
    cpp: str
    report: ModuleReport


@dataclass(frozen=True)
class FakeJob:
    module_name: str
    cpp_source: str
    output: Path


@dataclass(frozen=True)
class FakeSet:
    """Shaped like toolchains.ExtensionSet."""

    target: Any
    python: Any
    jobs: tuple[FakeJob, ...]


@dataclass(frozen=True)
class FakeBuildResult:
    """Shaped like toolchains.BuildResult: counts of fresh and cached modules."""

    compiled: int
    cached: int


@dataclass
class FakeToolchain:
    """Records what the backend asked for; 'compiles' by writing a marker file."""

    translated: list[dict[str, Any]] = field(default_factory=list)
    build_calls: list[dict[str, Any]] = field(default_factory=list)
    zig: bool = True
    fail_with: Exception | None = None
    seen: set[str] = field(default_factory=set)

    def translate_module(self, source: str, *, filename: str, module_name: str, fallback: str = "interpret") -> FakeTranslation:
        self.translated.append(dict(source=source, filename=filename, module_name=module_name, fallback=fallback))
        functions = (FunctionReport("f", 1, True), FunctionReport("g", 2, False, "uses a generator"))
        report = ModuleReport(module_name, filename, functions)
        return FakeTranslation(module_name, f"// {module_name}\n/* {source!r} */\n", report)

    def build_extensions(self, jobs: list[FakeJob], **options: Any) -> FakeBuildResult:
        self.build_calls.append(dict(jobs=list(jobs), **options))
        if self.fail_with is not None:
            raise self.fail_with
        cached = 0
        for job in jobs:
            digest = hashlib.sha256(job.cpp_source.encode()).hexdigest()
            job.output.parent.mkdir(parents=True, exist_ok=True)
            job.output.write_bytes(f"FAKE-SO {job.module_name} {digest}\n".encode())
            cached += digest in self.seen
            self.seen.add(digest)
        return FakeBuildResult(compiled=len(jobs) - cached, cached=cached)


    def build_extension_sets(self, sets: list[FakeSet], **options: Any) -> tuple[FakeBuildResult, ...]:
        # Recorded as one call, like the single build_extensions call of a one-wheel build.
        return tuple(self.build_extensions(list(s.jobs), **options) for s in sets)

    @staticmethod
    def target_python_abi(python: Any, target: Any, cache_dir: Path | None = None) -> Any:
        return python


def wheel_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()
