"""zig discovery: override, the ziglang package, PATH, version checks, caching."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from ziggurat.errors import ToolchainError
from ziggurat.toolchains import zig as zig_mod
from ziggurat.toolchains.zig import (
    clear_zig_cache,
    find_zig,
    parse_zig_version,
    zig_available,
)


def fake_zig(directory: Path, version: str, name: str = "zig") -> Path:
    """A script that answers `version` and counts its calls in <name>.calls."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / name
    calls = directory / f"{name}.calls"
    script.write_text(
        "#!/bin/sh\n"
        f'echo x >> "{calls}"\n'
        f'if [ "$1" = version ]; then echo "{version}"; exit 0; fi\n'
        "echo unexpected >&2; exit 3\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def calls(script: Path) -> int:
    counter = script.parent / f"{script.name}.calls"
    return len(counter.read_text().splitlines()) if counter.exists() else 0


@pytest.fixture
def no_ziglang(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Hide the ziglang package and give an empty PATH dir; returns that dir."""
    monkeypatch.setattr(zig_mod, "_ziglang_module_available", lambda: False)
    empty = tmp_path / "emptybin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return empty


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("0.17.1", (0, 17, 1)),
        ("0.13.0\n", (0, 13, 0)),
        ("0.14.0-dev.2577+271452d22", (0, 14, 0)),
        ("1.0.0", (1, 0, 0)),
        ("zig", None),
        ("", None),
    ],
)
def test_parse_zig_version(text: str, parsed: tuple[int, int, int] | None) -> None:
    assert parse_zig_version(text) == parsed


def test_default_is_the_ziglang_package() -> None:
    # This venv has ziglang installed: it must be found first, and its binary run directly
    # (no Python started per zig command).
    import ziglang

    info = find_zig()
    assert info.argv == (str(Path(ziglang.__file__).parent / "zig"),)
    assert info.origin == "ziglang"
    parsed = parse_zig_version(info.version)
    assert parsed is not None and parsed[:2] >= (0, 13)
    assert zig_available()


def test_ziglang_without_its_binary_runs_through_python(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A ziglang package whose binary is not where its __main__ expects it (another layout):
    # `python -m ziglang` still knows how to run it.
    clear_zig_cache()
    package = tmp_path / "ziglang"
    package.mkdir()
    fake = type("Spec", (), {"submodule_search_locations": [str(package)]})()
    monkeypatch.setattr(zig_mod.importlib.util, "find_spec", lambda name: fake)
    assert zig_mod._ziglang_argv() == (sys.executable, "-m", "ziglang")
    fake_zig(package, "0.15.0")
    assert zig_mod._ziglang_argv() == (str(package / "zig"),)


def test_override_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = fake_zig(tmp_path / "bin", "0.14.1")
    monkeypatch.setenv("ZIGGURAT_ZIG", str(script))
    info = find_zig()
    assert info.argv == (str(script),)
    assert info.version == "0.14.1"
    assert info.origin == "ZIGGURAT_ZIG"


def test_override_command_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A command with arguments, e.g. "python3 -m ziglang", is split like a shell would.
    tool = tmp_path / "my zig.py"
    tool.write_text("import sys\nassert sys.argv[1:] == ['version']\nprint('0.15.2')\n")
    monkeypatch.setenv("ZIGGURAT_ZIG", f"{sys.executable} '{tool}'")
    info = find_zig()
    assert info.argv == (sys.executable, str(tool))
    assert info.version == "0.15.2"


def test_override_wins_over_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = fake_zig(tmp_path / "bin", "0.13.0")
    monkeypatch.setenv("ZIGGURAT_ZIG", str(script))
    assert find_zig().origin == "ZIGGURAT_ZIG"


def test_bad_override_fails_loudly_without_fallback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ZIGGURAT_ZIG", str(tmp_path / "nope" / "zig"))
    with pytest.raises(ToolchainError) as info:
        find_zig()
    assert "ZIGGURAT_ZIG" in str(info.value)
    assert "not found" in str(info.value)
    assert not zig_available()


def test_too_old(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ZIGGURAT_ZIG", str(fake_zig(tmp_path, "0.12.1")))
    with pytest.raises(ToolchainError) as info:
        find_zig()
    message = str(info.value)
    assert "0.12.1" in message and "too old" in message and ">= 0.13" in message
    assert "pip install -U ziglang" in message


def test_not_a_version(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ZIGGURAT_ZIG", str(fake_zig(tmp_path, "hello")))
    with pytest.raises(ToolchainError, match="not a zig version"):
        find_zig()


def test_none_found(no_ziglang: Path) -> None:
    with pytest.raises(ToolchainError) as info:
        find_zig()
    assert "pip install ziglang" in str(info.value)
    assert not zig_available()


def test_path_fallback(no_ziglang: Path) -> None:
    script = fake_zig(no_ziglang, "0.16.0")
    info = find_zig()
    assert info.argv == (str(script),)
    assert info.origin == "PATH"


def test_too_old_on_path_is_reported(no_ziglang: Path) -> None:
    fake_zig(no_ziglang, "0.11.0")
    with pytest.raises(ToolchainError) as info:
        find_zig()
    message = str(info.value)
    assert "zig on PATH" in message and "0.11.0" in message and "pip install ziglang" in message


def test_result_is_cached_until_cleared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = fake_zig(tmp_path, "0.14.0")
    monkeypatch.setenv("ZIGGURAT_ZIG", str(script))
    first = find_zig()
    assert find_zig() is first
    assert calls(script) == 1
    clear_zig_cache()
    find_zig()
    assert calls(script) == 2


def test_changing_the_override_is_seen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ZIGGURAT_ZIG", str(fake_zig(tmp_path / "a", "0.14.0")))
    assert find_zig().version == "0.14.0"
    monkeypatch.setenv("ZIGGURAT_ZIG", str(fake_zig(tmp_path / "b", "0.15.0")))
    assert find_zig().version == "0.15.0"


def test_failures_are_not_cached(no_ziglang: Path) -> None:
    assert not zig_available()
    fake_zig(no_ziglang, "0.14.0")
    # Same PATH string as before: only the fact that errors are not cached makes this work.
    assert os.environ["PATH"] == str(no_ziglang)
    assert zig_available()
