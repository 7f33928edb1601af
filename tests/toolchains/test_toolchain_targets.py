"""Targets as a table: every row's zig triple, wheel tags and names; parsing and errors."""

from __future__ import annotations

import platform
import sys

import pytest

from ziggurat.errors import ConfigError
from ziggurat.toolchains.targets import (
    ALL_TARGETS,
    TARGET_TABLE,
    Target,
    host_target,
    known_target_names,
    parse_target,
    parse_targets,
    wheel_platform_tags,
    zig_triple,
)

# The expected mapping, written out independently of the module's own table so a typo in
# TARGET_TABLE cannot make the test agree with itself.
EXPECTED = [
    # alias, (arch, os, libc, libc_version, macos_min), zig triple, wheel tags
    ("linux-x86_64", ("x86_64", "linux", "gnu", "2.17", ""), "x86_64-linux-gnu.2.17",
     ("manylinux_2_17_x86_64", "manylinux2014_x86_64")),
    ("linux-aarch64", ("aarch64", "linux", "gnu", "2.17", ""), "aarch64-linux-gnu.2.17",
     ("manylinux_2_17_aarch64", "manylinux2014_aarch64")),
    ("musllinux-x86_64", ("x86_64", "linux", "musl", "1.2", ""), "x86_64-linux-musl",
     ("musllinux_1_2_x86_64",)),
    ("musllinux-aarch64", ("aarch64", "linux", "musl", "1.2", ""), "aarch64-linux-musl",
     ("musllinux_1_2_aarch64",)),
    ("macos-x86_64", ("x86_64", "macos", "", "", "11.0"), "x86_64-macos.11.0",
     ("macosx_11_0_x86_64",)),
    ("macos-arm64", ("aarch64", "macos", "", "", "11.0"), "aarch64-macos.11.0",
     ("macosx_11_0_arm64",)),
    ("windows-x64", ("x86_64", "windows", "", "", ""), "x86_64-windows-gnu", ("win_amd64",)),
    ("windows-arm64", ("aarch64", "windows", "", "", ""), "aarch64-windows-gnu", ("win_arm64",)),
]
IDS = [row[0] for row in EXPECTED]


def test_table_matches_expected_rows() -> None:
    assert [(r.alias, r.target, r.zig_triple, r.wheel_tags) for r in TARGET_TABLE] == [
        (alias, Target(*fields), triple, tags) for alias, fields, triple, tags in EXPECTED
    ]
    assert ALL_TARGETS == tuple(Target(*row[1]) for row in EXPECTED)
    assert len(set(ALL_TARGETS)) == 8


@pytest.mark.parametrize("alias, fields, triple, tags", EXPECTED, ids=IDS)
def test_zig_triple(alias: str, fields: tuple[str, ...], triple: str, tags: tuple[str, ...]) -> None:
    assert zig_triple(Target(*fields)) == triple


@pytest.mark.parametrize("alias, fields, triple, tags", EXPECTED, ids=IDS)
def test_wheel_platform_tags(
    alias: str, fields: tuple[str, ...], triple: str, tags: tuple[str, ...]
) -> None:
    assert wheel_platform_tags(Target(*fields)) == tags


@pytest.mark.parametrize("alias, fields, triple, tags", EXPECTED, ids=IDS)
def test_parse_every_name_of_a_row(
    alias: str, fields: tuple[str, ...], triple: str, tags: tuple[str, ...]
) -> None:
    target = Target(*fields)
    assert parse_target(alias) == target
    assert parse_target(triple) == target
    for tag in tags:
        assert parse_target(tag) == target
    # Names are case-insensitive and whitespace-tolerant: users paste them from anywhere.
    assert parse_target(f"  {alias.upper()} ") == target


@pytest.mark.parametrize(
    "name, expected",
    [
        ("linux-arm64", Target("aarch64", "linux", "gnu", "2.17")),
        ("macos-aarch64", Target("aarch64", "macos", macos_min="11.0")),
        ("windows-amd64", Target("x86_64", "windows")),
        ("manylinux2014_x86_64", Target("x86_64", "linux", "gnu", "2.17")),
        ("manylinux_2_28_aarch64", Target("aarch64", "linux", "gnu", "2.28")),
        ("musllinux_1_3_x86_64", Target("x86_64", "linux", "musl", "1.3")),
        ("macosx_10_13_x86_64", Target("x86_64", "macos", macos_min="10.13")),
        ("macosx_14_0_arm64", Target("aarch64", "macos", macos_min="14.0")),
    ],
)
def test_parse_other_tags_and_aliases(name: str, expected: Target) -> None:
    assert parse_target(name) == expected


@pytest.mark.parametrize(
    "target, triple, tags",
    [
        # A newer glibc floor has no legacy manylinux20xx alias.
        (Target("x86_64", "linux", "gnu", "2.28"), "x86_64-linux-gnu.2.28", ("manylinux_2_28_x86_64",)),
        # macOS >= 11: installers only generate X_0 tags; zig still gets the exact minimum.
        (Target("aarch64", "macos", macos_min="12.3"), "aarch64-macos.12.3", ("macosx_12_0_arm64",)),
        (Target("x86_64", "macos", macos_min="10.13"), "x86_64-macos.10.13", ("macosx_10_13_x86_64",)),
    ],
)
def test_non_default_versions(target: Target, triple: str, tags: tuple[str, ...]) -> None:
    assert zig_triple(target) == triple
    assert wheel_platform_tags(target) == tags


@pytest.mark.parametrize(
    "name, suggestion",
    [
        ("linux-x86-64", "linux-x86_64"),
        ("macos-arm", "macos-arm64"),
        ("win-amd64", "win_amd64"),
        ("musllinux-x86", "musllinux-x86_64"),
        ("manylinux_2_17_x86", "manylinux_2_17_x86_64"),
        ("windows_x64", "windows-x64"),
    ],
)
def test_unknown_name_suggests(name: str, suggestion: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_target(name)
    assert f"did you mean '{suggestion}'" in str(info.value)
    assert info.value.key == "targets"


def test_unknown_name_without_close_match() -> None:
    with pytest.raises(ConfigError) as info:
        parse_target("solaris-sparc")
    assert "did you mean" not in str(info.value)
    assert "linux-x86_64" in str(info.value)  # lists what is known


@pytest.mark.parametrize(
    "name, reason",
    [
        ("manylinux_2_12_x86_64", "2.17"),
        ("manylinux2010_x86_64", "2.17"),
        ("musllinux_1_1_x86_64", "1.2"),
        ("manylinux_2_17_i686", "i686"),
        ("manylinux_2_17_riscv64", "riscv64"),
        ("macosx_11_0_universal2", "one arch"),
        ("macosx_10_6_x86_64", "10.9"),
        ("macosx_10_15_arm64", "11.0"),
        ("win32", "x86"),
    ],
)
def test_well_formed_but_unsupported_tags_say_why(name: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_target(name)
    assert name in str(info.value)
    assert reason in str(info.value)


@pytest.mark.parametrize(
    "fields",
    [
        ("x86_64", "linux"),  # no libc
        ("x86_64", "linux", "gnu"),  # no glibc version
        ("riscv64", "linux", "gnu", "2.17"),
        ("x86_64", "freebsd"),
        ("x86_64", "windows", "gnu"),
        ("x86_64", "macos"),  # no minimum
        ("x86_64", "linux", "gnu", "2.17", "11.0"),
    ],
)
def test_invalid_target_values(fields: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError):
        Target(*fields)


def test_group_names() -> None:
    assert parse_targets(["all"]) == ALL_TARGETS
    assert parse_targets(["linux-x86_64", "manylinux_2_17_x86_64", "macos-arm64"]) == (
        Target("x86_64", "linux", "gnu", "2.17"),
        Target("aarch64", "macos", macos_min="11.0"),
    )
    assert parse_targets(["host"]) == (host_target(),)
    with pytest.raises(ConfigError, match="several targets"):
        parse_target("all")


def test_known_names_all_parse() -> None:
    for name in known_target_names():
        assert parse_target(name) in ALL_TARGETS


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and platform.machine() == "x86_64"),
    reason="describes the x86_64 Linux build machine",
)
def test_host_target_here() -> None:
    assert host_target() == Target("x86_64", "linux", "gnu", "2.17")


@pytest.mark.parametrize(
    "machine, platform_name, libc, expected",
    [
        ("x86_64", "linux", ("glibc", "2.36"), Target("x86_64", "linux", "gnu", "2.17")),
        ("aarch64", "linux", ("", ""), Target("aarch64", "linux", "musl", "1.2")),
        ("arm64", "darwin", ("", ""), Target("aarch64", "macos", macos_min="11.0")),
        ("AMD64", "win32", ("", ""), Target("x86_64", "windows")),
    ],
)
def test_host_target_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
    machine: str,
    platform_name: str,
    libc: tuple[str, str],
    expected: Target,
) -> None:
    monkeypatch.setattr(platform, "machine", lambda: machine)
    monkeypatch.setattr(platform, "libc_ver", lambda: libc)
    monkeypatch.setattr(sys, "platform", platform_name)
    assert host_target() == expected
