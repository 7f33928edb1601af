"""Find a usable zig and report how to invoke it.

Order: the `ZIGGURAT_ZIG` environment variable (a path or a command line such as
`python3 -m ziglang`) overrides everything and is never silently ignored; otherwise the
`ziglang` package importable by the running interpreter (its zig binary, else `python -m
ziglang`); otherwise `zig` on PATH. Every candidate is checked with `zig version` against
MINIMUM_ZIG. The result is cached per (override, PATH); `clear_zig_cache()` resets it for tests.

This module only discovers zig; it must not compile anything or know any flags.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import re
import shlex
import shutil
import sys
from dataclasses import dataclass

from ..errors import ToolchainError
from .run import run

log = logging.getLogger(__name__)

ENV_VAR = "ZIGGURAT_ZIG"
MINIMUM_ZIG = (0, 13)
INSTALL_HINT = "install it with `pip install ziglang`"


@dataclass(frozen=True)
class ZigInfo:
    """How to invoke zig: `argv` is the command prefix (append `c++ ...`, `version`, ...)."""

    argv: tuple[str, ...]
    version: str
    # Where it came from: "ZIGGURAT_ZIG", "ziglang" (the Python package) or "PATH"; for
    # `ziggurat doctor` and error messages only.
    origin: str = ""


def parse_zig_version(text: str) -> tuple[int, int, int] | None:
    """`0.17.1` / `0.14.0-dev.1+abc` -> (0, 17, 1); None when it is not a version."""
    match = re.match(r"\s*(\d+)\.(\d+)\.(\d+)", text)
    if match is None:
        return None
    major, minor, patch = (int(g) for g in match.groups())
    return (major, minor, patch)


def _probe(argv: tuple[str, ...], origin: str) -> ZigInfo:
    """Run `<argv> version` and check it; raise ToolchainError when it is unusable."""
    proc = run([*argv, "version"])
    text = proc.stdout.strip()
    parsed = parse_zig_version(text)
    if parsed is None:
        raise ToolchainError(
            f"'{shlex.join(argv)} version' printed {text!r}, not a zig version", command=argv
        )
    if parsed[:2] < MINIMUM_ZIG:
        minimum = ".".join(map(str, MINIMUM_ZIG))
        raise ToolchainError(
            f"zig {text} found via {origin} ({shlex.join(argv)}) is too old: ziggurat needs "
            f"zig >= {minimum}; upgrade it with `pip install -U ziglang`"
        )
    return ZigInfo(argv=argv, version=text, origin=origin)


def _ziglang_module_available() -> bool:
    # find_spec does not import the package: importing `ziglang.__main__` would exec zig.
    try:
        return importlib.util.find_spec("ziglang") is not None
    except (ImportError, ValueError):
        return False


def _ziglang_argv() -> tuple[str, ...]:
    """How to run the ziglang package's zig: its binary itself when it is where the
    package's `__main__` execs it from, else `python -m ziglang`. Every zig command (the
    version probe, one `zig c++` per module) through `-m` started a Python first: ~50 ms of
    CPU each, a tenth of json_dumps' whole build."""
    spec = importlib.util.find_spec("ziglang")
    for location in (spec.submodule_search_locations or []) if spec else []:
        binary = os.path.join(location, "zig.exe" if os.name == "nt" else "zig")
        if os.path.isfile(binary) and os.access(binary, os.X_OK):
            return (binary,)
    return (sys.executable, "-m", "ziglang")


@functools.lru_cache(maxsize=None)
def _find_zig_cached(override: str | None, path: str | None) -> ZigInfo:
    if override is not None and override.strip():
        # An explicit choice must win or fail loudly; falling back would hide the mistake.
        argv = tuple(shlex.split(override))
        try:
            return _probe(argv, ENV_VAR)
        except ToolchainError as exc:
            raise ToolchainError(
                f"{ENV_VAR}={override!r} is not a usable zig: {exc}"
            ) from exc

    problems: list[str] = []
    if _ziglang_module_available():
        try:
            return _probe(_ziglang_argv(), "ziglang")
        except ToolchainError as exc:
            problems.append(f"the ziglang package: {exc}")

    on_path = shutil.which("zig", path=path)
    if on_path is not None:
        try:
            return _probe((on_path,), "PATH")
        except ToolchainError as exc:
            problems.append(f"zig on PATH: {exc}")

    detail = "".join(f"\n  - {p}" for p in problems) or (
        f"\n  (no `ziglang` package for {sys.executable}, no `zig` on PATH, {ENV_VAR} unset)"
    )
    raise ToolchainError(f"no usable zig found; {INSTALL_HINT}{detail}")


def find_zig() -> ZigInfo:
    """The zig to use (see the module docstring for the search order). Cached."""
    info = _find_zig_cached(os.environ.get(ENV_VAR), os.environ.get("PATH"))
    return info


def zig_available() -> bool:
    """True when find_zig() succeeds: the backend asks for `ziglang` only when False."""
    try:
        find_zig()
    except ToolchainError as exc:
        log.debug("zig not available: %s", exc)
        return False
    return True


def clear_zig_cache() -> None:
    """Forget the cached discovery result (tests, or after installing ziglang)."""
    _find_zig_cached.cache_clear()
