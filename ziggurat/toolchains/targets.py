"""Targets as values: what a build is for, how zig and wheel tags name it.

A `Target` is a frozen value (arch, os, libc, libc version, macOS minimum). Two pure
functions map it to a zig triple and to wheel platform tags; `parse_target` reads the
names users write (wheel platform tags and short aliases). The eight supported targets
and their names are one table, `TARGET_TABLE`, and the tests walk it row by row.

This module must not run anything or look at files; `host_target()` only reads `platform`.
"""

from __future__ import annotations

import difflib
import platform
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import ConfigError

ARCHES = ("x86_64", "aarch64")
OSES = ("linux", "macos", "windows")

# Oldest glibc we target: manylinux2014 (2.17) is the floor chosen for ziggurat. Older
# manylinux policies (2010: 2.12, 1: 2.5) are refused rather than produced untested.
MIN_GLIBC = (2, 17)
# zig bundles musl 1.2.x, so a module links against 1.2 symbols: musllinux_1_1 would lie.
MIN_MUSL = (1, 2)
# arm64 Macs start at macOS 11; for x86_64, linking below 11.0 is unmeasured (compiling for
# 10.9/10.13 worked), so the floor stays at 10.9 (the oldest any current CPython supports).
MIN_MACOS = {"x86_64": (10, 9), "aarch64": (11, 0)}


@dataclass(frozen=True)
class Target:
    """One build target.

    libc: "gnu" or "musl" on Linux, "" elsewhere. libc_version: the glibc floor ("2.17")
    or the musl series ("1.2") on Linux, "" elsewhere. macos_min: "11.0" on macOS only.
    """

    arch: str
    os: str
    libc: str = ""
    libc_version: str = ""
    macos_min: str = ""

    def __post_init__(self) -> None:
        problem = _problem(self.arch, self.os, self.libc, self.libc_version, self.macos_min)
        if problem:
            raise ConfigError(f"invalid target {self!r}: {problem}", key="targets")

    @property
    def is_linux(self) -> bool:
        return self.os == "linux"

    @property
    def is_macos(self) -> bool:
        return self.os == "macos"

    @property
    def is_windows(self) -> bool:
        return self.os == "windows"

    def __str__(self) -> str:
        return zig_triple(self)


def _version_tuple(text: str) -> tuple[int, ...] | None:
    if not re.fullmatch(r"\d+(\.\d+)*", text):
        return None
    return tuple(int(p) for p in text.split("."))


def _problem(arch: str, os: str, libc: str, libc_version: str, macos_min: str) -> str:
    """Why these fields are not a supported target, or "" when they are."""
    if arch not in ARCHES:
        return f"arch must be one of {', '.join(ARCHES)}"
    if os not in OSES:
        return f"os must be one of {', '.join(OSES)}"
    if os == "linux":
        if macos_min:
            return "macos_min is only for macOS"
        version = _version_tuple(libc_version)
        if libc == "gnu":
            if version is None or len(version) != 2:
                return "glibc targets need libc_version like '2.17'"
            if version < MIN_GLIBC:
                return f"glibc {libc_version} is older than the supported floor 2.17 (manylinux2014)"
        elif libc == "musl":
            if version is None or len(version) != 2:
                return "musl targets need libc_version like '1.2'"
            if version < MIN_MUSL:
                return f"musl {libc_version} is older than the musl zig links against (1.2)"
        else:
            return "Linux targets need libc 'gnu' or 'musl'"
        return ""
    if libc or libc_version:
        return f"libc/libc_version are only for Linux, not {os}"
    if os == "macos":
        version = _version_tuple(macos_min)
        if version is None or len(version) != 2:
            return "macOS targets need macos_min like '11.0'"
        if version < MIN_MACOS[arch]:
            floor = ".".join(map(str, MIN_MACOS[arch]))
            return f"macOS {macos_min} is older than the supported minimum {floor} for {arch}"
        return ""
    if macos_min:
        return "macos_min is only for macOS"
    return ""


# --- the table ------------------------------------------------------------------------
# One row per supported target: (alias, target, zig triple, wheel platform tags).
# zig_triple() and wheel_platform_tags() compute these; the table states the expected
# results so the tests can check every row, and parse_target() reads the aliases from it.

LINUX_X86_64 = Target("x86_64", "linux", "gnu", "2.17")
LINUX_AARCH64 = Target("aarch64", "linux", "gnu", "2.17")
MUSLLINUX_X86_64 = Target("x86_64", "linux", "musl", "1.2")
MUSLLINUX_AARCH64 = Target("aarch64", "linux", "musl", "1.2")
MACOS_X86_64 = Target("x86_64", "macos", macos_min="11.0")
MACOS_ARM64 = Target("aarch64", "macos", macos_min="11.0")
WINDOWS_X64 = Target("x86_64", "windows")
WINDOWS_ARM64 = Target("aarch64", "windows")


@dataclass(frozen=True)
class TargetRow:
    alias: str
    target: Target
    zig_triple: str
    wheel_tags: tuple[str, ...]


TARGET_TABLE: tuple[TargetRow, ...] = (
    TargetRow("linux-x86_64", LINUX_X86_64, "x86_64-linux-gnu.2.17",
              ("manylinux_2_17_x86_64", "manylinux2014_x86_64")),
    TargetRow("linux-aarch64", LINUX_AARCH64, "aarch64-linux-gnu.2.17",
              ("manylinux_2_17_aarch64", "manylinux2014_aarch64")),
    TargetRow("musllinux-x86_64", MUSLLINUX_X86_64, "x86_64-linux-musl", ("musllinux_1_2_x86_64",)),
    TargetRow("musllinux-aarch64", MUSLLINUX_AARCH64, "aarch64-linux-musl", ("musllinux_1_2_aarch64",)),
    TargetRow("macos-x86_64", MACOS_X86_64, "x86_64-macos.11.0", ("macosx_11_0_x86_64",)),
    TargetRow("macos-arm64", MACOS_ARM64, "aarch64-macos.11.0", ("macosx_11_0_arm64",)),
    TargetRow("windows-x64", WINDOWS_X64, "x86_64-windows-gnu", ("win_amd64",)),
    TargetRow("windows-arm64", WINDOWS_ARM64, "aarch64-windows-gnu", ("win_arm64",)),
)

ALL_TARGETS: tuple[Target, ...] = tuple(row.target for row in TARGET_TABLE)

# Extra spellings users reach for; each maps to a table alias.
EXTRA_ALIASES: dict[str, str] = {
    "linux-amd64": "linux-x86_64",
    "linux-arm64": "linux-aarch64",
    "musllinux-amd64": "musllinux-x86_64",
    "musllinux-arm64": "musllinux-aarch64",
    "macos-aarch64": "macos-arm64",
    "macos-amd64": "macos-x86_64",
    "windows-x86_64": "windows-x64",
    "windows-amd64": "windows-x64",
    "windows-aarch64": "windows-arm64",
}

# Names that expand to several targets; understood by parse_targets() only.
GROUP_NAMES = ("all", "host", "native")

# Wheel tags spell arches per OS: Linux uses the kernel names, macOS and Windows their own.
_MACOS_ARCH = {"x86_64": "x86_64", "aarch64": "arm64"}
_WINDOWS_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}


def zig_triple(target: Target) -> str:
    """The `-target` value for zig: `x86_64-linux-gnu.2.17`, `aarch64-macos.11.0`, ..."""
    if target.os == "linux":
        if target.libc == "gnu":
            # zig links against stubs of exactly this glibc version: the manylinux floor.
            return f"{target.arch}-linux-gnu.{target.libc_version}"
        # zig ships one musl; the version only matters for the wheel tag.
        return f"{target.arch}-linux-musl"
    if target.os == "macos":
        return f"{target.arch}-macos.{target.macos_min}"
    # Windows: the "gnu" ABI (mingw-w64 + UCRT, bundled with zig). The "msvc" ABI would need
    # the Windows SDK, which cannot be had on Linux; the output still imports UCRT like CPython.
    return f"{target.arch}-windows-gnu"


def musl_libc_soname(target: Target) -> str:
    """The name musl systems (and the musllinux policy) give libc: `libc.musl-x86_64.so.1`."""
    return f"libc.musl-{target.arch}.so.1"


def wheel_platform_tags(target: Target) -> tuple[str, ...]:
    """Platform tags for the wheel, most specific first (PEP 600 / 656 / macOS / Windows)."""
    if target.os == "linux":
        major, minor = target.libc_version.split(".")
        if target.libc == "gnu":
            tags = [f"manylinux_{major}_{minor}_{target.arch}"]
            # Older pips (< 20.3) only understand the legacy alias of the same policy.
            legacy = _LEGACY_MANYLINUX.get((int(major), int(minor)))
            if legacy:
                tags.append(f"{legacy}_{target.arch}")
            return tuple(tags)
        return (f"musllinux_{major}_{minor}_{target.arch}",)
    if target.os == "macos":
        major, minor = target.macos_min.split(".")
        # From macOS 11 on, installers only generate tags with minor 0 (packaging's
        # mac_platforms), so a 12.3 floor must be written as macosx_12_0.
        if int(major) >= 11:
            minor = "0"
        return (f"macosx_{major}_{minor}_{_MACOS_ARCH[target.arch]}",)
    return (f"win_{_WINDOWS_ARCH[target.arch]}",)


_LEGACY_MANYLINUX = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}
_LEGACY_BY_NAME = {name: version for version, name in _LEGACY_MANYLINUX.items()}


def host_target() -> Target:
    """The default target for this machine: its OS and arch at the portable floor.

    On Linux that is glibc 2.17 (manylinux2014) or musl 1.2, not the host's own glibc,
    so a host build installs on every manylinux2014 system.
    """
    arch = _normalize_arch(platform.machine())
    if arch is None:
        raise ConfigError(f"unsupported host architecture {platform.machine()!r}", key="targets")
    if sys.platform.startswith("linux"):
        libc_name, _ = platform.libc_ver()
        if libc_name == "glibc":
            return Target(arch, "linux", "gnu", "2.17")
        return Target(arch, "linux", "musl", "1.2")
    if sys.platform == "darwin":
        return Target(arch, "macos", macos_min="11.0")
    if sys.platform == "win32":
        return Target(arch, "windows")
    raise ConfigError(f"unsupported host platform {sys.platform!r}", key="targets")


def _normalize_arch(machine: str) -> str | None:
    return {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}.get(
        machine.lower()
    )


_ALIASES: dict[str, Target] = {row.alias: row.target for row in TARGET_TABLE}
_ALIASES.update({extra: _ALIASES[alias] for extra, alias in EXTRA_ALIASES.items()})
_TRIPLES: dict[str, Target] = {row.zig_triple: row.target for row in TARGET_TABLE}


def known_target_names() -> tuple[str, ...]:
    """Every single-target name parse_target() accepts verbatim (for help and suggestions)."""
    names: list[str] = [row.alias for row in TARGET_TABLE]
    names += [tag for row in TARGET_TABLE for tag in row.wheel_tags]
    names += list(EXTRA_ALIASES)
    return tuple(names)


def parse_target(name: str) -> Target:
    """A Target from an alias (`linux-aarch64`), a wheel platform tag
    (`manylinux_2_28_x86_64`, `musllinux_1_2_aarch64`, `macosx_11_0_arm64`, `win_amd64`)
    or one of the table's zig triples. Unknown names raise ConfigError with a suggestion.
    """
    key = name.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    if key in _TRIPLES:
        return _TRIPLES[key]
    try:
        target = _parse_platform_tag(key)
    except ConfigError as exc:
        # A tag-shaped name for something unsupported: say why, and suggest if close.
        raise ConfigError(str(exc) + _did_you_mean(key), key="targets") from None
    if target is not None:
        return target
    if key in GROUP_NAMES:
        raise ConfigError(
            f"'{name}' names several targets; it is allowed in a target list, not here",
            key="targets",
        )
    hint = _did_you_mean(key)
    raise ConfigError(
        f"unknown target '{name}'{hint} (known: {', '.join(row.alias for row in TARGET_TABLE)}, "
        "'all', or a wheel platform tag such as manylinux_2_17_x86_64)",
        key="targets",
    )


def _did_you_mean(key: str) -> str:
    close = difflib.get_close_matches(key, known_target_names() + GROUP_NAMES, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _parse_platform_tag(tag: str) -> Target | None:
    """Wheel platform tag -> Target, or None if it is not shaped like one we know.

    A well-shaped tag for something unsupported (universal2, win32, manylinux_2_12, i686)
    raises ConfigError saying why, rather than a vague "unknown target".
    """
    match = re.fullmatch(r"manylinux_(\d+)_(\d+)_(\w+?)", tag)
    legacy = re.fullmatch(r"(manylinux1|manylinux2010|manylinux2014)_(\w+)", tag)
    if match or legacy:
        if match:
            version, arch_name = f"{match[1]}.{match[2]}", match[3]
        else:
            assert legacy is not None
            glibc = _LEGACY_BY_NAME[legacy[1]]
            version, arch_name = f"{glibc[0]}.{glibc[1]}", legacy[2]
        return _make(tag, _tag_arch(tag, arch_name, ("x86_64", "aarch64")), "linux", "gnu", version)
    match = re.fullmatch(r"musllinux_(\d+)_(\d+)_(\w+?)", tag)
    if match:
        arch = _tag_arch(tag, match[3], ("x86_64", "aarch64"))
        return _make(tag, arch, "linux", "musl", f"{match[1]}.{match[2]}")
    match = re.fullmatch(r"macosx_(\d+)_(\d+)_(\w+)", tag)
    if match:
        if match[3] in ("universal2", "universal", "intel"):
            raise ConfigError(
                f"target '{tag}': fat (multi-arch) macOS binaries are not supported; zig builds "
                "one arch per run; build macos-x86_64 and macos-arm64 separately",
                key="targets",
            )
        arch = _tag_arch(tag, match[3], ("x86_64", "arm64"))
        return _make(tag, arch, "macos", macos_min=f"{match[1]}.{match[2]}")
    match = re.fullmatch(r"win_(\w+)|win32", tag)
    if match:
        return _make(tag, _tag_arch(tag, match[1] or "x86", ("amd64", "arm64")), "windows")
    return None


def _make(tag: str, arch: str, os: str, libc: str = "", libc_version: str = "",
          macos_min: str = "") -> Target:
    problem = _problem(arch, os, libc, libc_version, macos_min)
    if problem:
        # Name what the user wrote, not the dataclass repr.
        raise ConfigError(f"target '{tag}': {problem}", key="targets")
    return Target(arch, os, libc, libc_version, macos_min)


def _tag_arch(tag: str, arch_name: str, allowed: tuple[str, ...]) -> str:
    if arch_name not in allowed:
        raise ConfigError(
            f"target '{tag}': architecture '{arch_name}' is not supported "
            f"(supported here: {', '.join(allowed)})",
            key="targets",
        )
    arch = _normalize_arch(arch_name)
    assert arch is not None
    return arch


def parse_targets(names: Iterable[str]) -> tuple[Target, ...]:
    """A target list: each name as in parse_target(), plus `all` (the eight targets) and
    `host`/`native` (host_target()). Duplicates are dropped, first occurrence wins."""
    result: list[Target] = []
    for name in names:
        key = name.strip().lower()
        if key == "all":
            expanded: tuple[Target, ...] = ALL_TARGETS
        elif key in ("host", "native"):
            expanded = (host_target(),)
        else:
            expanded = (parse_target(name),)
        for target in expanded:
            if target not in result:
                result.append(target)
    return tuple(result)
