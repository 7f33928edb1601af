"""abi3 wheels: the limited-API build mode, from requires-python to a wheel that passes
abi3audit and runs on two CPythons.

Fast (default run): the pure pieces (floor version, names, tags, flags, cache key) and one
small module compiled against the limited API, audited and run here.
Slow (`python -m pytest tests/abi3 -m slow`): sample_projects/src_layout_app built once
with `abi3 = true` on this interpreter, audited with abi3audit, installed into a venv of
this interpreter and one of a newer CPython (ZIGGURAT_TEST_PYTHONS, else pyenv's 3.13) and
run there, its output compared with the uncompiled sources run by the same interpreter.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from ziggurat.backend.build import wheel_python_abi
from ziggurat.backend.config import Settings, load_settings
from ziggurat.backend.tags import abi3_minimum, native_wheel_tags
from ziggurat.errors import ConfigError, ToolchainError
from ziggurat.toolchains import (
    ABI3_FLOOR,
    ExtensionJob,
    abi3_python_abi,
    build_extensions,
    compile_argv,
    host_python_abi,
    host_target,
)
from ziggurat.toolchains.zig import ZigInfo
from ziggurat.translator import translate_module

REPO = Path(__file__).resolve().parents[2]
ABI3AUDIT = [sys.executable, "-m", "abi3audit"]


@pytest.mark.parametrize(
    ("requires", "expected"),
    [
        (None, (3, 11)),
        (">=3.10", (3, 11)),
        (">=3.11", (3, 11)),
        (">=3.12", (3, 12)),
        (">=3.12.1", (3, 12)),
        ("~=3.13", (3, 13)),
        (">=3.8,!=3.11.*,!=3.12.*", (3, 13)),
    ],
)
def test_abi3_minimum_from_requires_python(requires: str | None, expected: tuple[int, int]) -> None:
    assert abi3_minimum(requires, ABI3_FLOOR) == expected


def test_abi3_minimum_refuses_nonsense() -> None:
    with pytest.raises(ConfigError, match="not a version specifier"):
        abi3_minimum("three point eleven", ABI3_FLOOR)
    with pytest.raises(ConfigError, match="allows no CPython >= 3.11"):
        abi3_minimum("<3.11", ABI3_FLOOR)


def test_abi3_python_abi_names_tags_and_flags() -> None:
    host = host_python_abi()
    abi = abi3_python_abi(host, (3, 12) if host.version >= (3, 12) else ABI3_FLOOR)
    assert abi.ext_suffix == ".abi3.so" and abi.abi_tag == "abi3"
    assert abi.limited_api is not None and abi.python_tag == f"cp3{abi.limited_api[1]}"
    assert [str(t) for t in native_wheel_tags(abi, host_target())][0] == (
        f"{abi.python_tag}-abi3-manylinux_2_17_x86_64"
    )
    zig = ZigInfo(argv=("zig",), version="0.0.0")
    argv = compile_argv(zig, host_target(), abi, source=Path("m.cpp"), output=Path("m.so"), include_dirs=[],
                        opt_level="2", version_script=Path("v"))
    limited = [a for a in argv if a.startswith("-DPy_LIMITED_API=")]
    assert limited == [f"-DPy_LIMITED_API=0x03{abi.limited_api[1]:02X}0000"]
    plain = compile_argv(zig, host_target(), host, source=Path("m.cpp"), output=Path("m.so"), include_dirs=[],
                         opt_level="2", version_script=Path("v"))
    assert not [a for a in plain if "LIMITED" in a]
    # headers older than the floor cannot build for it; a free-threaded ABI has no abi3
    with pytest.raises(ToolchainError, match="needs headers"):
        abi3_python_abi(replace(host, version=(3, 10)), ABI3_FLOOR)
    with pytest.raises(ToolchainError, match="no limited API"):
        abi3_python_abi(replace(host, abi_tag="cp313t"), ABI3_FLOOR)


def test_abi3_setting_chooses_the_wheel_abi(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "1"\nrequires-python = ">=3.11"\n[tool.ziggurat]\nabi3 = true\n'
    )
    settings = load_settings(tmp_path, environ={})
    assert settings.abi3
    abi = wheel_python_abi(settings, tmp_path)
    assert (abi.abi_tag, abi.python_tag, abi.limited_api) == ("abi3", "cp311", (3, 11))
    assert wheel_python_abi(Settings(), tmp_path) == host_python_abi()
    # the environment and -C switch it too, and a misspelling still gets its suggestion
    assert load_settings(tmp_path, environ={"ZIGGURAT_ABI3": "0"}).abi3 is False
    with pytest.raises(ConfigError, match="abi3"):
        load_settings(tmp_path, environ={}, config_settings={"abi-3": "true"})


SMALL = textwrap.dedent(
    '''
    """a module exercising what the limited API changes: functions, methods, closures,
    classes with super(), generators, tracebacks"""
    import functools, inspect, pickle, types

    def deco(f):
        @functools.wraps(f)
        def inner(*a, **k):
            return f(*a, **k)
        return inner

    @deco
    def add(a, b=2, *, c=3):
        "adds"
        return a + b + c

    class Base:
        def hello(self, x):
            return f"base {x}"

    class Child(Base):
        def hello(self, x):
            return "child " + super().hello(x)

    def counter(n):
        total = 0
        def bump(k):
            nonlocal total
            total += k
            return total
        return [bump(i) for i in range(n)]

    def gen(n):
        yield from range(n)
        return "done"

    def fail():
        raise ValueError("boom")

    def report():
        out = [add(1), add(1, 2, c=4), add.__name__, add.__doc__, add.__wrapped__.__defaults__,
               add.__wrapped__.__kwdefaults__, str(inspect.signature(add.__wrapped__)),
               isinstance(add.__wrapped__, types.FunctionType), inspect.isfunction(add.__wrapped__),
               Child().hello(1), inspect.ismethod(Child().hello), counter(4), list(gen(3)),
               inspect.isgenerator(gen(1)), pickle.loads(pickle.dumps(fail)) is fail]
        try:
            fail()
        except ValueError as exc:
            tb = exc.__traceback__
            entries = []
            while tb is not None:
                entries.append((tb.tb_frame.f_code.co_name, tb.tb_lineno))
                tb = tb.tb_next
            out.append(entries)
        return out
    '''
)


def test_small_module_compiles_audits_and_runs(tmp_path: Path) -> None:
    source = tmp_path / "small.py"
    source.write_text(SMALL)
    abi = abi3_python_abi(host_python_abi(), ABI3_FLOOR)
    result = translate_module(SMALL, filename="small.py", module_name="small")
    built = tmp_path / "built"
    build_extensions([ExtensionJob("small", result.cpp, built / "small.abi3.so")], python=abi,
                     cache_dir=tmp_path / "cache")
    # a bare .so names no version (a wheel does, cp311-abi3): tell abi3audit the floor
    audit = subprocess.run([*ABI3AUDIT, "--strict", "--verbose", "--assume-minimum-abi3", "3.11",
                            str(built / "small.abi3.so")],
                           capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "0 ABI version mismatches and 0 ABI violations" in " ".join((audit.stdout + audit.stderr).split())
    probe = "import small, sys; print(repr(small.report())); print(small.__file__)"
    compiled = subprocess.run([sys.executable, "-c", probe], cwd=built, capture_output=True, text=True)
    reference = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stderr
    assert compiled.stdout.splitlines()[-1].endswith("small.abi3.so")
    assert compiled.stdout.splitlines()[0] == reference.stdout.splitlines()[0]
    # the version-specific build of the same source is another cache entry
    again = build_extensions([ExtensionJob("small", result.cpp, tmp_path / "v" / "small.so")],
                             cache_dir=tmp_path / "cache")
    assert again.compiled == 1


# -- slow: the sample project on two interpreters ------------------------------------------

def newer_python() -> str | None:
    """An interpreter newer than this one: from ZIGGURAT_TEST_PYTHONS, else pyenv's 3.13."""
    listed = [p for p in os.environ.get("ZIGGURAT_TEST_PYTHONS", "").split(os.pathsep) if p]
    listed += sorted(glob.glob("/root/.pyenv/versions/3.13.*/bin/python3"))
    for exe in listed:
        version = subprocess.run([exe, "-c", "import sys; print(sys.version_info[1])"], capture_output=True,
                                 text=True)
        if version.returncode == 0 and int(version.stdout) > sys.version_info[1]:
            return exe
    return None


@pytest.mark.slow
def test_sample_project_abi3_wheel_runs_on_two_pythons(tmp_path: Path) -> None:
    if sys.version_info[:2] != (3, 11):
        pytest.skip("the abi3 proof builds on CPython 3.11 (the floor) and runs on a newer one")
    newer = newer_python()
    assert newer, "no newer CPython found: set ZIGGURAT_TEST_PYTHONS (e.g. a 3.13)"
    project = tmp_path / "src_layout_app"
    shutil.copytree(REPO / "sample_projects" / "src_layout_app", project)
    env = {**os.environ, "ZIGGURAT_ABI3": "1", "ZIGGURAT_CACHE_DIR": str(tmp_path / "cache")}
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                            str(tmp_path / "dist"), str(project)], env=env, cwd=project, capture_output=True,
                           text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert wheel.name == "stockroom-0.3.0-cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    with zipfile.ZipFile(wheel) as zf:
        extensions = [n for n in zf.namelist() if n.endswith(".so")]
    assert extensions and all(n.endswith(".abi3.so") for n in extensions)
    audit = subprocess.run([*ABI3AUDIT, "--strict", "--verbose", str(wheel)], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    said = " ".join((audit.stdout + audit.stderr).split())  # abi3audit wraps its lines
    assert f"{len(extensions)} extensions scanned; 0 ABI version mismatches and 0 ABI violations" in said, said
    for python in (sys.executable, newer):
        venv = tmp_path / f"venv-{Path(python).parent.parent.name}"
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                        str(wheel)], check=True)
        for args in ([], ["-v"]):
            compiled = subprocess.run([str(venv / "bin" / "stockroom"), *args], capture_output=True, text=True,
                                      cwd=tmp_path)
            reference = subprocess.run([python, "-c", "import sys; from stockroom.cli import main; sys.exit(main())",
                                        *args], capture_output=True, text=True, cwd=tmp_path,
                                       env={**os.environ, "PYTHONPATH": str(project / "src")})
            assert (compiled.returncode, compiled.stdout) == (reference.returncode, reference.stdout), (
                f"{python} {args}:\n{compiled.stderr}"
            )
        loaded = subprocess.run([str(venv / "bin" / "python"), "-c", "import stockroom.cli as m; print(m.__file__)"],
                                capture_output=True, text=True, cwd=tmp_path)
        assert loaded.stdout.strip().endswith(".abi3.so"), loaded.stdout + loaded.stderr
