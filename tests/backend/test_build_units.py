"""Pure pieces of the native wheel build: module selection, source decoding, tags, summary."""

from __future__ import annotations

import platform
import sys
import types
from pathlib import Path

import pytest

from backend_support import FakeToolchain
from ziggurat.backend.build import BuildSummary, CompiledModule, ModuleSource, decode_source, select_modules
from ziggurat.backend.config import Settings
from ziggurat.backend.tags import native_wheel_tags
from ziggurat.backend.wheel import WheelContents, WheelMember, WheelTag
from ziggurat.errors import TranslationError

DIST = "demo-1.0.dist-info"


def contents(*paths: str) -> WheelContents:
    members = tuple(WheelMember(p, b"x = 1\n") for p in (*paths, f"{DIST}/WHEEL"))
    return WheelContents("demo-1.0-py3-none-any.whl", members, DIST)


def selected(settings: Settings, *paths: str) -> list[tuple[str, str]]:
    return [(m.module_name, m.member_path) for m in select_modules(contents(*paths), settings)]


def test_select_every_module_of_the_package_tree() -> None:
    got = selected(
        Settings(),
        "pkg/__init__.py",
        "pkg/a.py",
        "pkg/sub/__init__.py",
        "pkg/sub/b.py",
        "top.py",
        "pkg/__main__.py",  # python -m needs source
        "pkg/data/not-a-module.py",  # not importable
        "pkg/class/x.py",  # keyword: not importable
        "__init__.py",  # a top-level __init__ belongs to no package
        "pkg/stub.pyi",
        "demo-1.0.data/scripts/tool.py",
        "demo-1.0.data/purelib/extra.py",
        f"{DIST}/x.py",
    )
    assert got == [
        ("pkg", "pkg/__init__.py"),
        ("pkg.a", "pkg/a.py"),
        ("pkg.sub", "pkg/sub/__init__.py"),
        ("pkg.sub.b", "pkg/sub/b.py"),
        ("top", "top.py"),
    ]


@pytest.mark.parametrize(
    "include, exclude, expected",
    [
        (("*",), (), ["pkg", "pkg.a", "pkg.sub", "pkg.sub.b"]),
        (("pkg.sub*",), (), ["pkg.sub", "pkg.sub.b"]),
        (("*",), ("pkg.sub.*",), ["pkg", "pkg.a"]),  # pkg/sub/__init__.py is pkg.sub.__init__
        (("*",), ("pkg.sub.b",), ["pkg", "pkg.a", "pkg.sub"]),
        (("*",), ("*.__init__",), ["pkg.a", "pkg.sub.b"]),
        (("pkg.a", "pkg.sub.b"), (), ["pkg.a", "pkg.sub.b"]),
        (("PKG.*",), (), []),  # case-sensitive, as module names are
    ],
)
def test_include_exclude_globs(include: tuple[str, ...], exclude: tuple[str, ...], expected: list[str]) -> None:
    paths = ("pkg/__init__.py", "pkg/a.py", "pkg/sub/__init__.py", "pkg/sub/b.py")
    assert [name for name, _ in selected(Settings(include=include, exclude=exclude), *paths)] == expected


@pytest.mark.parametrize(
    "data, text",
    [
        (b"x = '\xc3\xa9'\n", "x = '\u00e9'\n"),  # UTF-8 by default
        (b"\xef\xbb\xbfx = 1\n", "x = 1\n"),  # BOM dropped
        (b"# coding: latin-1\nx = '\xe9'\n", "# coding: latin-1\nx = '\u00e9'\n"),
        (b"#!/usr/bin/env python\n# -*- coding: cp1252 -*-\nx = '\x80'\n", "#!/usr/bin/env python\n# -*- coding: cp1252 -*-\nx = '\u20ac'\n"),
    ],
)
def test_decode_source_like_python(data: bytes, text: str) -> None:
    assert decode_source(data, "pkg/m.py") == text


@pytest.mark.parametrize(
    "data, message",
    [
        (b"# coding: nope\n", "pkg/m.py:1:1: cannot decode source: unknown encoding: nope"),
        (b"x = '\xff'\n", "pkg/m.py:1:1: cannot decode source:"),
    ],
)
def test_decode_source_errors_name_the_file(data: bytes, message: str) -> None:
    with pytest.raises(TranslationError) as info:
        decode_source(data, "pkg/m.py")
    assert str(info.value).startswith(message)


def test_native_tags() -> None:
    from ziggurat.toolchains import Target

    python = types.SimpleNamespace(python_tag="cp313", abi_tag="cp313t")
    tags = native_wheel_tags(python, Target("aarch64", "linux", "gnu", "2.17"))  # type: ignore[arg-type]
    assert tags == (
        WheelTag("cp313", "cp313t", "manylinux_2_17_aarch64"),
        WheelTag("cp313", "cp313t", "manylinux2014_aarch64"),
    )
    assert native_wheel_tags(python, Target("x86_64", "linux", "musl", "1.2")) == (  # type: ignore[arg-type]
        WheelTag("cp313", "cp313t", "musllinux_1_2_x86_64"),
    )


def test_native_tags_for_this_host() -> None:
    from ziggurat.toolchains import host_python_abi, host_target

    abi = host_python_abi()
    tags = native_wheel_tags(abi, host_target())
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    assert tags[0].python == f"cp{version}" and tags[0].abi.startswith(f"cp{version}")
    if sys.platform.startswith("linux") and platform.machine() == "x86_64" and platform.libc_ver()[0] == "glibc":
        assert [t.platform for t in tags] == ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]


def test_summary_lines() -> None:
    fake = FakeToolchain()
    modules = []
    for name in ("pkg.a", "pkg.b"):
        report = fake.translate_module("", filename=name.replace(".", "/") + ".py", module_name=name).report
        modules.append(CompiledModule(ModuleSource(name, "x.py", b""), "x.so", report))
    summary = BuildSummary(tuple(modules), built=1, cached=1, seconds=2.04)
    assert summary.lines() == [
        "pkg.a: 1/2 functions native",
        "    interpreted: g (line 2): uses a generator",
        "pkg.b: 1/2 functions native",
        "    interpreted: g (line 2): uses a generator",
        "compiled 2 modules (1 built, 1 from cache): 2/4 functions native, 2 interpreted fallbacks, "
        "0 modules wholly interpreted, 2.0 s",
        "    fallback x2: uses a generator",
    ]
    assert BuildSummary((), 0, 0, 0.0).lines() == [
        "compiled 0 modules (0 built, 0 from cache): 0/0 functions native, 0 interpreted fallbacks, "
        "0 modules wholly interpreted, 0.0 s"
    ]


def test_project_source_path_finds_src_layout(tmp_path: Path) -> None:
    from ziggurat.backend.build import project_source_path

    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "mod.py").write_text("x = 1\n")
    (tmp_path / "flat.py").write_text("")
    assert project_source_path("pkg/mod.py", tmp_path) == "src/pkg/mod.py"
    assert project_source_path("flat.py", tmp_path) == "flat.py"
    assert project_source_path("gone/x.py", tmp_path) == "gone/x.py"


@pytest.mark.parametrize(
    "settings, expected",
    [
        (Settings(), "host"),
        (Settings(targets=("win_amd64", "linux-x86_64")), "host"),  # the host when it is listed
        (Settings(targets=("all",)), "host"),
        (Settings(targets=("win_amd64", "macos-arm64")), "win_amd64"),  # else the first listed
        (Settings(targets=("win_amd64",), target="linux-aarch64"), "linux-aarch64"),  # `target` wins
        (Settings(target="manylinux_2_17_aarch64"), "linux-aarch64"),
    ],
)
def test_the_one_target_of_a_pep517_build(settings: Settings, expected: str) -> None:
    from ziggurat.backend.build import wheel_target
    from ziggurat.toolchains import host_target, parse_target

    if platform.machine() != "x86_64" or not sys.platform.startswith("linux"):
        pytest.skip("the table assumes an x86-64 Linux host")
    assert wheel_target(settings) == (host_target() if expected == "host" else parse_target(expected))


def test_a_bad_target_name_is_a_config_error() -> None:
    from ziggurat.backend.build import wheel_target

    with pytest.raises(Exception, match="did you mean 'linux-aarch64'") as info:
        wheel_target(Settings(target="linux-aarch46"))
    assert info.value.key == "targets"  # type: ignore[attr-defined]
