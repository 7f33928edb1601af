"""The `ziggurat` command: compile in place and into a directory, translate, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ziggurat.cli import main, module_name_for


def _package(root: Path) -> Path:
    pkg = root / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .sub import helper\ndef hello():\n    return 'hello ' + helper.name()\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "helper.py").write_text("def name():\n    return 'world'\n")
    return pkg


def test_module_names(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    assert module_name_for(pkg / "sub" / "helper.py") == "pkg.sub.helper"
    assert module_name_for(pkg / "__init__.py") == "pkg"
    assert module_name_for(tmp_path / "alone.py") == "alone"


def _import_hello(path: Path) -> str:
    code = "import pkg, pkg.sub.helper as h; print(pkg.hello(), pkg.__file__.endswith('.so'), h.__file__.endswith('.so'))"
    return subprocess.run([sys.executable, "-c", code], cwd=path, capture_output=True, text=True, check=True).stdout


def test_compile_inplace(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    assert main(["compile", str(pkg)]) == 0
    assert len(list(pkg.rglob("*.so"))) == 3
    assert _import_hello(tmp_path) == "hello world True True\n"


def test_compile_to_directory(tmp_path: Path) -> None:
    pkg = _package(tmp_path / "src")
    out = tmp_path / "out"
    assert main(["compile", str(pkg), "-o", str(out)]) == 0
    assert sorted(p.relative_to(out).as_posix().split(".")[0] for p in out.rglob("*.so")) == [
        "pkg/__init__", "pkg/sub/__init__", "pkg/sub/helper"]
    assert _import_hello(out) == "hello world True True\n"


def test_translate_prints_cpp(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "m.py"
    src.write_text("def f(x):\n    return x + 1\n")
    assert main(["translate", str(src)]) == 0
    out, err = capsys.readouterr()
    assert 'extern "C"' in out and "PyInit_m" in out
    assert "m: 1/1 functions native" in err


def test_compiler_detected_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "bad2.py"
    src.write_text("def f():\n    pass\nreturn 5\n")
    assert main(["translate", str(src)]) == 1
    err = capsys.readouterr().err
    assert "bad2.py:3:1: syntax error: 'return' outside function" in err


def test_syntax_error_is_one_clean_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "bad.py"
    src.write_text("x = 1\ndef f(:\n    pass\n")
    assert main(["compile", str(src)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ziggurat: error: bad.py:2:7: syntax error")
    assert "def f(:\n          ^" in err
    assert "Traceback" not in err
    assert not list(tmp_path.glob("*.so"))


def test_fallback_error_names_the_construct(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "m.py"
    src.write_text("async def g(xs):\n    return [(lambda: x) async for x in xs]\n")
    assert main(["compile", str(src), "--fallback", "error"]) == 1
    assert "m.py:2:12: async comprehension with a nested function or comprehension" in capsys.readouterr().err


def test_targets_lists_the_eight(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["targets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in lines[1:9]]
    assert [r[0] for r in rows] == ["linux-x86_64", "linux-aarch64", "musllinux-x86_64", "musllinux-aarch64",
                                   "macos-x86_64", "macos-arm64", "windows-x64", "windows-arm64"]
    assert ["win_arm64"] == rows[7][2:3] and sum("(host)" in line for line in lines) == 1
    assert "'all'" in lines[-1]


def test_build_outside_a_project_is_one_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith(f"ziggurat: error: {tmp_path.resolve()} is not a Python project")


def test_build_rejects_a_bad_python_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    assert main(["build", str(tmp_path), "--python-version", "2.7"]) == 1
    assert "not a Python version: '2.7'" in capsys.readouterr().err
