"""Target Python ABI: the running interpreter, other interpreters, header identity."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from ziggurat.errors import ToolchainError
from ziggurat.toolchains.python_abi import (
    PythonABI,
    abi_from_probe,
    host_python_abi,
    python_abi_for,
)

PYENV_313 = Path("/root/.pyenv/versions/3.13.0/bin/python")
DEBIAN_PY = Path("/usr/bin/python3")


def test_host_matches_sysconfig() -> None:
    abi = host_python_abi()
    assert abi.version == sys.version_info[:2]
    assert abi.ext_suffix == sysconfig.get_config_var("EXT_SUFFIX")
    assert abi.include_dirs[0] == Path(sysconfig.get_paths()["include"])
    assert (abi.include_dirs[0] / "Python.h").is_file()
    tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    assert abi.python_tag == tag
    assert abi.abi_tag.startswith(tag)


def test_asking_ourselves_gives_the_same_answer() -> None:
    assert python_abi_for(sys.executable) == host_python_abi()


@pytest.mark.skipif(not PYENV_313.exists(), reason="needs pyenv's CPython 3.13.0")
def test_other_interpreter() -> None:
    abi = python_abi_for(str(PYENV_313))
    assert abi.version == (3, 13)
    assert abi.ext_suffix == ".cpython-313-x86_64-linux-gnu.so"
    assert (abi.python_tag, abi.abi_tag) == ("cp313", "cp313")
    assert (abi.include_dirs[0] / "Python.h").is_file()
    assert abi.identity() != host_python_abi().identity()


@pytest.mark.skipif(
    not (DEBIAN_PY.exists() and Path("/usr/include/x86_64-linux-gnu").is_dir()),
    reason="needs Debian's python3 with python3-dev (multiarch pyconfig.h)",
)
def test_debian_multiarch_headers() -> None:
    abi = python_abi_for(str(DEBIAN_PY))
    # pyconfig.h there is a stub including <x86_64-linux-gnu/python3.X/pyconfig.h>.
    assert abi.after_include_dirs == (Path("/usr/include"),)


def test_missing_interpreter(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError, match="not found"):
        python_abi_for(str(tmp_path / "python9.9"))


def probe(include: Path, **changes: Any) -> dict[str, Any]:
    info: dict[str, Any] = {
        "implementation": "cpython",
        "version": [3, 12],
        "executable": "/x/python3.12",
        "include": str(include),
        "platinclude": str(include),
        "ext_suffix": ".cpython-312-x86_64-linux-gnu.so",
        "soabi": "cpython-312-x86_64-linux-gnu",
        "multiarch": "x86_64-linux-gnu",
        "gil_disabled": False,
        "debug": False,
    }
    info.update(changes)
    return info


@pytest.fixture
def headers(tmp_path: Path) -> Path:
    include = tmp_path / "include" / "python3.12"
    (include / "cpython").mkdir(parents=True)
    (include / "Python.h").write_text("/* fake */\n")
    (include / "pyconfig.h").write_text("#define SIZEOF_LONG 8\n")
    (include / "cpython" / "object.h").write_text("/* fake */\n")
    return include


def test_probe_to_abi(headers: Path) -> None:
    abi = abi_from_probe(probe(headers))
    assert abi == PythonABI(
        version=(3, 12),
        include_dirs=(headers,),
        ext_suffix=".cpython-312-x86_64-linux-gnu.so",
        python_tag="cp312",
        abi_tag="cp312",
        executable="/x/python3.12",
    )


@pytest.mark.parametrize(
    "soabi, gil_disabled, debug, abi_tag",
    [
        ("cpython-313t-x86_64-linux-gnu", True, False, "cp313t"),
        ("cpython-313d-x86_64-linux-gnu", False, True, "cp313d"),
        (None, True, False, "cp313t"),
        (None, False, False, "cp313"),
    ],
)
def test_abi_tags(
    headers: Path, soabi: str | None, gil_disabled: bool, debug: bool, abi_tag: str
) -> None:
    info = probe(headers, version=[3, 13], soabi=soabi, gil_disabled=gil_disabled, debug=debug)
    assert abi_from_probe(info).abi_tag == abi_tag


def test_pypy_is_refused(headers: Path) -> None:
    with pytest.raises(ToolchainError, match="CPython only"):
        abi_from_probe(probe(headers, implementation="pypy"))


def test_missing_headers_say_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError) as info:
        abi_from_probe(probe(tmp_path / "nowhere"))
    assert "python3.12-dev" in str(info.value)


def test_multiarch_detected(headers: Path) -> None:
    root = headers.parent
    stub_target = root / "x86_64-linux-gnu" / "python3.12"
    stub_target.mkdir(parents=True)
    (stub_target / "pyconfig.h").write_text("#define SIZEOF_LONG 8\n")
    assert abi_from_probe(probe(headers)).after_include_dirs == (root,)


def test_identity_follows_header_content_not_paths(headers: Path, tmp_path: Path) -> None:
    first = abi_from_probe(probe(headers)).identity()
    # A byte-identical copy elsewhere shares the identity (and so the compile cache).
    copy = tmp_path / "elsewhere" / "python3.12"
    (copy / "cpython").mkdir(parents=True)
    for path in headers.rglob("*.h"):
        (copy / path.relative_to(headers)).write_bytes(path.read_bytes())
    assert abi_from_probe(probe(copy)).identity() == first
    # A changed nested header changes it.
    (copy / "cpython" / "object.h").write_text("/* changed */\n")
    assert abi_from_probe(probe(copy)).identity() != first
