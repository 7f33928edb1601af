"""The PEP 517/660 hooks, called directly on a tiny project, with the translator and the
toolchain replaced by recording fakes (see conftest.py). setuptools runs for real."""

from __future__ import annotations

import csv
import io
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

import ziggurat.backend as backend
from ziggurat.backend.config import Settings
from backend_support import EXT_SUFFIX, FakeToolchain, forget_distutils_created_paths, wheel_names, write_project
from ziggurat.backend.wheel import read_wheel
from ziggurat.errors import ToolchainError

WHEEL_NAME = "tiny_demo-0.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
DIST = "tiny_demo-0.1.dist-info"


def build(out: Path, config_settings: dict[str, Any] | None = None) -> Path:
    return out / backend.build_wheel(str(out), config_settings)


def test_build_wheel_replaces_modules_with_extensions(
    tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = build(tmp_path / "dist")
    assert wheel.name == WHEEL_NAME
    assert sorted(p.name for p in wheel.parent.iterdir()) == [WHEEL_NAME]
    names = wheel_names(wheel)
    assert names[-1] == f"{DIST}/RECORD"
    assert [n for n in names if not n.startswith(DIST)] == [
        f"tiny_demo/__init__{EXT_SUFFIX}",
        "tiny_demo/__main__.py",  # python -m needs a code object: never compiled
        f"tiny_demo/cli{EXT_SUFFIX}",
        f"tiny_demo/core{EXT_SUFFIX}",
        "tiny_demo/data.txt",
        f"tiny_demo/sub/__init__{EXT_SUFFIX}",
        f"tiny_demo/sub/util{EXT_SUFFIX}",
    ]
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read(f"{DIST}/WHEEL").decode() == (
            "Wheel-Version: 1.0\nGenerator: ziggurat 0.1.0\nRoot-Is-Purelib: false\n"
            "Tag: cp311-cp311-manylinux_2_17_x86_64\nTag: cp311-cp311-manylinux2014_x86_64\n\n"
        )
        assert b"tiny = tiny_demo.cli:main" in zf.read(f"{DIST}/entry_points.txt")
        assert zf.read("tiny_demo/data.txt") == b"some package data\n"
        assert zf.read(f"tiny_demo/core{EXT_SUFFIX}").startswith(b"FAKE-SO tiny_demo.core ")
        assert zf.getinfo(f"tiny_demo/core{EXT_SUFFIX}").external_attr >> 16 == 0o100755

    # The translator saw wheel-relative filenames, package names for __init__, decoded text.
    by_name = {t["module_name"]: t for t in fake_toolchain.translated}
    assert sorted(by_name) == ["tiny_demo", "tiny_demo.cli", "tiny_demo.core", "tiny_demo.sub", "tiny_demo.sub.util"]
    assert by_name["tiny_demo"]["filename"] == "tiny_demo/__init__.py"
    assert by_name["tiny_demo.core"]["filename"] == "tiny_demo/core.py"
    assert "GREETING = 'caf\u00e9'" in by_name["tiny_demo.core"]["source"]
    assert all(t["fallback"] == "interpret" for t in fake_toolchain.translated)

    # One compile call for everything, with the settings' options.
    (call,) = fake_toolchain.build_calls
    assert len(call["jobs"]) == 5
    assert call["opt_level"] == "2" and call["parallel"] is None and call["cache_dir"] is None

    err = capsys.readouterr().err
    assert "ziggurat: tiny_demo.core: 1/2 functions native" in err
    assert "interpreted: g (line 2): uses a generator" in err
    assert "ziggurat: compiled 5 modules (5 built, 0 from cache): 5/10 functions native, 5 interpreted fallbacks" in err
    assert "fallback x5: uses a generator" in err
    assert f"ziggurat: built {WHEEL_NAME}" in err


def test_record_is_valid(tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain) -> None:
    wheel = build(tmp_path / "dist")
    from wheel.wheelfile import WheelFile  # type: ignore[import-untyped,unused-ignore]

    with WheelFile(wheel) as wf:  # verifies each member against RECORD while reading
        for name in wf.namelist():
            wf.read(name)
        rows = list(csv.reader(io.StringIO(wf.read(f"{DIST}/RECORD").decode())))
    assert [r[0] for r in rows] == wheel_names(wheel)


def test_settings_reach_the_build(
    tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZIGGURAT_JOBS", "3")
    wheel = build(
        tmp_path / "dist",
        {"keep-sources": "true", "ziggurat.exclude": "tiny_demo.sub.*", "opt-level": "s", "fallback": "error", "cache-dir": "zc"},
    )
    names = wheel_names(wheel)
    assert f"tiny_demo/core{EXT_SUFFIX}" in names and "tiny_demo/core.py" in names  # kept
    assert "tiny_demo/sub/util.py" in names and f"tiny_demo/sub/util{EXT_SUFFIX}" not in names
    # the package's own __init__.py matches too, through its file name tiny_demo.sub.__init__
    assert "tiny_demo/sub/__init__.py" in names and f"tiny_demo/sub/__init__{EXT_SUFFIX}" not in names
    (call,) = fake_toolchain.build_calls
    assert (call["opt_level"], call["parallel"], call["cache_dir"]) == ("s", 3, tiny_project / "zc")
    assert {t["fallback"] for t in fake_toolchain.translated} == {"error"}


def test_exclude_every_init(tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain) -> None:
    names = wheel_names(build(tmp_path / "dist", {"exclude": "*.__init__"}))
    assert "tiny_demo/__init__.py" in names and "tiny_demo/sub/__init__.py" in names
    assert f"tiny_demo/core{EXT_SUFFIX}" in names


def test_include_nothing_still_gives_a_platform_wheel(tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain) -> None:
    wheel = build(tmp_path / "dist", {"include": "nothing.matches"})
    assert wheel.name == WHEEL_NAME
    assert not any(n.endswith(".so") for n in wheel_names(wheel))
    assert fake_toolchain.build_calls == []  # no compile step, so no zig needed


@pytest.mark.parametrize("epoch", [None, "1700000000"])
def test_build_is_reproducible(
    tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain, monkeypatch: pytest.MonkeyPatch, epoch: str | None
) -> None:
    if epoch is not None:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    first = build(tmp_path / "one").read_bytes()
    forget_distutils_created_paths()
    # Touch every source so setuptools' intermediate wheel gets different mtimes.
    for path in tiny_project.rglob("*"):
        if path.is_file():
            path.touch()
    second = build(tmp_path / "two").read_bytes()
    assert first == second
    expected = (2023, 11, 14, 22, 13, 20) if epoch else (1980, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert {i.date_time for i in zf.infolist()} == {expected}
        assert {i.external_attr >> 16 for i in zf.infolist()} <= {0o100644, 0o100755}


def test_failed_compile_leaves_no_wheel(
    tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_toolchain.fail_with = ToolchainError("zig c++ failed", command=["zig", "c++"], returncode=1, stderr="boom")
    out = tmp_path / "dist"
    out.mkdir()
    with pytest.raises(SystemExit) as info:
        build(out)
    assert info.value.code == 1
    assert list(out.iterdir()) == []
    err = capsys.readouterr().err
    assert "ziggurat: error: zig c++ failed\n  command: zig c++\n  exit code: 1\n  boom" in err
    assert "Traceback" not in err


def test_failed_write_leaves_no_wheel(
    tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ziggurat.backend.wheel as wheel_module

    def explode(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(wheel_module, "write_wheel", explode)
    out = tmp_path / "dist"
    out.mkdir()
    with pytest.raises(OSError, match="disk full"):  # not a ZigguratError: keeps its traceback
        build(out)
    assert list(out.iterdir()) == []


def test_config_error_is_one_clean_line(
    tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        build(tmp_path / "dist", {"opt-levle": "3"})
    assert info.value.code == 1
    assert capsys.readouterr().err == (
        "ziggurat: error: unknown key 'opt-levle' in config settings (-C opt-levle); did you mean 'opt-level'?\n"
    )
    assert fake_toolchain.build_calls == []


def test_abi3_wheel_is_tagged_abi3(
    tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain, monkeypatch: pytest.MonkeyPatch
) -> None:
    import types

    import ziggurat.toolchains as toolchains

    def fake_abi3(abi: object, minimum: tuple[int, int]) -> object:
        return types.SimpleNamespace(ext_suffix=".abi3.so", python_tag=f"cp3{minimum[1]}", abi_tag="abi3")

    monkeypatch.setattr(toolchains, "abi3_python_abi", fake_abi3)
    wheel = build(tmp_path / "dist", {"abi3": "true"})
    assert wheel.name.endswith("-cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
    extensions = [n for n in wheel_names(wheel) if not n.endswith((".py", ".txt")) and ".dist-info" not in n]
    assert extensions and all(n.endswith(".abi3.so") for n in extensions)


def test_undecodable_source_names_the_file(
    tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain, capsys: pytest.CaptureFixture[str]
) -> None:
    (tiny_project / "tiny_demo" / "core.py").write_bytes(b"# -*- coding: klingon -*-\nx = 1\n")
    with pytest.raises(SystemExit):
        build(tmp_path / "dist")
    assert "ziggurat: error: tiny_demo/core.py:1:1: cannot decode source: unknown encoding" in capsys.readouterr().err


def test_other_exceptions_keep_their_traceback(tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.fail_with = RuntimeError("a bug")
    with pytest.raises(RuntimeError, match="a bug"):
        build(tmp_path / "dist")


def test_setuptools_extensions_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_toolchain: FakeToolchain,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    # A distribution that claims ext_modules makes bdist_wheel write a platform wheel.
    files = {
        "pyproject.toml": b'[project]\nname = "impure"\nversion = "1"\n[tool.setuptools]\npackages = ["impure"]\n',
        "setup.py": (
            b"from setuptools import setup\nfrom setuptools.dist import Distribution\n"
            b"class Binary(Distribution):\n    def has_ext_modules(self):\n        return True\n"
            b"setup(distclass=Binary)\n"
        ),
        "impure/__init__.py": b"",
    }
    monkeypatch.chdir(write_project(tmp_path / "impure", files))
    with pytest.raises(SystemExit):
        build(tmp_path / "dist")
    err = capsys.readouterr().err
    assert "ziggurat: error: setuptools built a platform wheel (impure-1-cp311-cp311-linux_x86_64.whl)" in err
    assert "not supported yet" in err
    assert not (tmp_path / "dist").exists() or list((tmp_path / "dist").iterdir()) == []


@pytest.mark.parametrize("zig, extra", [(True, []), (False, ["ziglang"])])
def test_get_requires_for_build_wheel(tiny_project: Path, fake_toolchain: FakeToolchain, zig: bool, extra: list[str]) -> None:
    fake_toolchain.zig = zig
    import setuptools.build_meta as setuptools_backend

    requires = backend.get_requires_for_build_wheel({"opt-level": "1"})
    assert ("ziglang" in requires) == bool(extra)
    # setuptools' own requirements are kept (which they are depends on its version)
    assert requires == list(setuptools_backend.get_requires_for_build_wheel({})) + extra


def test_get_requires_for_sdist_and_editable_never_ask_for_zig(tiny_project: Path, fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.zig = False
    assert "ziglang" not in backend.get_requires_for_build_sdist(None)
    assert "ziglang" not in backend.get_requires_for_build_editable(None)


def test_build_sdist_is_setuptools(tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain) -> None:
    name = backend.build_sdist(str(tmp_path / "sdist"), {"opt-level": "3", "--global-option": "--quiet"})
    assert name == "tiny-demo-0.1.tar.gz" or name == "tiny_demo-0.1.tar.gz"
    with tarfile.open(tmp_path / "sdist" / name) as tf:
        names = tf.getnames()
    top = name[: -len(".tar.gz")]
    assert f"{top}/pyproject.toml" in names and f"{top}/tiny_demo/core.py" in names
    assert fake_toolchain.translated == []


def test_build_sdist_checks_config(tiny_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        backend.build_sdist(str(tmp_path / "sdist"), {"keep-source": "1"})
    assert "did you mean 'keep-sources'?" in capsys.readouterr().err


def test_build_editable_is_setuptools_and_pure(tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain) -> None:
    name = backend.build_editable(str(tmp_path / "ed"), {"opt-level": "3"})
    assert name.endswith("-py3-none-any.whl")
    assert not any(n.endswith(".so") for n in wheel_names(tmp_path / "ed" / name))
    assert fake_toolchain.translated == [] and fake_toolchain.build_calls == []


def test_prepare_metadata_matches_the_wheel(tiny_project: Path, tmp_path: Path, fake_toolchain: FakeToolchain) -> None:
    meta = tmp_path / "meta"
    meta.mkdir()
    dist_info = backend.prepare_metadata_for_build_wheel(str(meta), None)
    assert dist_info == DIST
    forget_distutils_created_paths()
    wheel = read_wheel(build(tmp_path / "dist", None))
    assert (meta / dist_info / "METADATA").read_bytes() == wheel.member(f"{DIST}/METADATA").data
    # Some setuptools versions write a (pure) WHEEL file here; if so it must be ours.
    prepared = meta / dist_info / "WHEEL"
    if prepared.exists():
        assert prepared.read_bytes() == wheel.member(f"{DIST}/WHEEL").data


def test_prepared_wheel_file_is_rewritten(tmp_path: Path, fake_toolchain: FakeToolchain) -> None:
    from ziggurat.backend.build import prepare_native_metadata

    (tmp_path / DIST).mkdir()
    (tmp_path / DIST / "WHEEL").write_text(
        "Wheel-Version: 1.0\nGenerator: setuptools\nRoot-Is-Purelib: true\nTag: py3-none-any\nBuild: 5\n\n"
    )
    prepare_native_metadata(str(tmp_path), DIST, Settings())
    assert (tmp_path / DIST / "WHEEL").read_text() == (
        "Wheel-Version: 1.0\nGenerator: ziggurat 0.1.0\nRoot-Is-Purelib: false\n"
        "Tag: cp311-cp311-manylinux_2_17_x86_64\nTag: cp311-cp311-manylinux2014_x86_64\nBuild: 5\n\n"
    )


def test_prepare_metadata_for_editable_is_setuptools(tiny_project: Path, tmp_path: Path) -> None:
    meta = tmp_path / "meta"
    meta.mkdir()
    dist_info = backend.prepare_metadata_for_build_editable(str(meta), None)
    assert dist_info == DIST
    assert b"Name: tiny-demo" in (meta / dist_info / "METADATA").read_bytes()
