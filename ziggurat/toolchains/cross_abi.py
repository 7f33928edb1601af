"""The Python ABI of a build for a target: which headers, which file suffix, which DLL.

In: a `PythonABI` describing some CPython's headers (an interpreter on this machine, found
by version with `find_python()`, or a header directory with `python_abi_from_headers()`)
and a `Target`. Out: `target_python_abi()`, the same facts prepared for that target:

- Linux and macOS: the interpreter's own headers. Every supported target is LP64 with a
  4-byte wchar_t, so the structure layouts and API a module compiles against are the same;
  headers of a Windows or 32-bit build are refused. The suffix is the target's
  (`.cpython-311-aarch64-linux-gnu.so`, `...-x86_64-linux-musl.so`, `.cpython-311-darwin.so`).
- Windows: a shadow copy of the headers with a generated pyconfig.h (windows.py), the DLL
  the module imports from (`python311.dll`), suffix `.cp311-win_amd64.pyd`.

A foreign target never needs that platform's SDK or interpreter. This module must not
compile anything; it only reads headers, asks interpreters (through run()) and writes the
shadow header directory into the cache.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from ..errors import ConfigError, InternalError
from .python_abi import PythonABI, _debian_multiarch_root, host_python_abi, python_abi_for
from .targets import Target, host_target, zig_triple
from .windows import windows_include_dir

log = logging.getLogger(__name__)

# The versions ziggurat's runtime supports (ZRT_PY checks in runtime/*.hpp).
SUPPORTED_VERSIONS = ((3, 10), (3, 11), (3, 12), (3, 13))
_WINDOWS_ARCH = {"x86_64": "win_amd64", "aarch64": "win_arm64"}


def target_ext_suffix(target: Target, abi_tag: str) -> str:
    """EXT_SUFFIX a CPython on `target` looks for, e.g. `.cpython-311-x86_64-linux-musl.so`.

    `abi_tag` is the wheel ABI tag: `cp311`, `cp313t`, or `abi3` (stable ABI: `.abi3.so`,
    and plain `.pyd` on Windows).
    """
    if abi_tag == "abi3":
        return ".pyd" if target.is_windows else ".abi3.so"
    if not re.fullmatch(r"cp3\d+[td]*", abi_tag):
        raise InternalError("toolchains", f"unexpected ABI tag {abi_tag!r}")
    soabi = abi_tag[2:]
    if target.is_windows:
        return f".cp{soabi}-{_WINDOWS_ARCH[target.arch]}.pyd"
    if target.is_macos:
        return f".cpython-{soabi}-darwin.so"
    return f".cpython-{soabi}-{target.arch}-linux-{target.libc}.so"


def windows_dll_name(python: PythonABI) -> str:
    """The DLL a version-specific module imports CPython from: python311.dll."""
    return f"python{python.version[0]}{python.version[1]}.dll"


@functools.lru_cache(maxsize=None)
def target_python_abi(python: PythonABI, target: Target, cache_dir: Path | None = None) -> PythonABI:
    """`python` (an interpreter's or a header directory's ABI) prepared for `target`.

    `cache_dir` is the compile cache (default: toolchains.default_cache_dir()); the Windows
    shadow headers are kept there, named by the headers' content hash. Calling it again
    with an ABI already prepared for `target` returns that ABI.
    """
    triple = zig_triple(target)
    if python.target_triple == triple:
        return python
    if python.target_triple:
        raise InternalError(
            "toolchains", f"Python ABI prepared for {python.target_triple} reused for {triple}"
        )
    where = python.executable or ", ".join(map(str, python.include_dirs))
    if python.version not in SUPPORTED_VERSIONS:
        versions = ", ".join(f"{a}.{b}" for a, b in SUPPORTED_VERSIONS)
        raise ConfigError(
            f"Python {python.version[0]}.{python.version[1]} ({where}) is not supported; "
            f"ziggurat builds for {versions}",
            key="python-version",
        )
    if target.is_windows:
        return _windows_abi(python, target, cache_dir)

    _check_unix_headers(python, target, where)
    is_own = target == host_target() and python.executable
    suffix = python.ext_suffix if is_own else target_ext_suffix(target, python.abi_tag)
    return replace(python, ext_suffix=suffix, target_triple=triple)


def _windows_abi(python: PythonABI, target: Target, cache_dir: Path | None) -> PythonABI:
    if python.abi_tag not in (python.python_tag, "abi3"):
        # Free-threaded (t) and debug (d) Windows builds have other DLLs and pyconfig.h.
        raise ConfigError(
            f"Windows targets are built for the standard CPython build, not {python.abi_tag}",
            key="python-version",
        )
    name = f"windows-{python.identity()}"
    # Not after_include_dirs: that is Debian's whole /usr/include, there only for the
    # multiarch pyconfig.h, which the generated one replaces.
    sources = python.include_dirs
    try:
        shadow = windows_include_dir(sources, python.version, _headers_root(cache_dir) / name)
    except OSError as exc:
        # A read-only cache (sandboxed builders) must not break the build, only slow it.
        log.warning("cannot keep Windows headers in the cache (%s); using a temporary copy", exc)
        shadow = windows_include_dir(sources, python.version, Path(tempfile.mkdtemp(prefix="ziggurat-pyinc-")) / name)
    return replace(
        python,
        include_dirs=(shadow,),
        after_include_dirs=(),
        ext_suffix=target_ext_suffix(target, python.abi_tag),
        target_triple=zig_triple(target),
        # abi3 modules import the stable ABI from python3.dll, which every later CPython ships
        dll_name="python3.dll" if python.limited_api else windows_dll_name(python),
    )


def _headers_root(cache_dir: Path | None) -> Path:
    from .compile import default_cache_dir  # late: compile.py imports this module

    return (cache_dir or default_cache_dir()) / "python-headers"


_DEFINE = re.compile(r"^\s*#\s*define\s+(\w+)(?:[ \t]+(\S+))?", re.M)


def _pyconfig_defines(python: PythonABI) -> dict[str, str] | None:
    """The #defines of the pyconfig.h these headers use, or None if it cannot be found
    (Debian's stub includes the real one from a multiarch directory)."""
    candidates = [d / "pyconfig.h" for d in python.include_dirs]
    for root in python.after_include_dirs:
        candidates += sorted(root.glob(f"*/python{python.version[0]}.{python.version[1]}/pyconfig.h"))
    for path in candidates:
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            defines = {m[1]: m[2] or "" for m in _DEFINE.finditer(text)}
            if "SIZEOF_LONG" in defines or "MS_WINDOWS" in defines:
                return defines
    return None


def _check_unix_headers(python: PythonABI, target: Target, where: str) -> None:
    defines = _pyconfig_defines(python)
    if defines is None:
        return
    expected = {"SIZEOF_LONG": "8", "SIZEOF_VOID_P": "8", "SIZEOF_WCHAR_T": "4"}
    wrong = {k: defines.get(k) for k, v in expected.items() if defines.get(k, v) != v}
    if "MS_WINDOWS" in defines or wrong:
        raise ConfigError(
            f"the Python headers of {where} are not those of a 64-bit Linux or macOS CPython "
            f"({'a Windows build' if 'MS_WINDOWS' in defines else wrong}); {zig_triple(target)} "
            "needs headers from a Linux or macOS interpreter of the same version",
            key="python-version",
        )


# --- finding headers for a Python version ----------------------------------------------


def parse_python_version(text: str) -> tuple[int, int]:
    """`3.11` -> (3, 11); also accepts `311`, `cp311` and `py3.11` as users write them."""
    cleaned = text.strip().lower()
    for prefix in ("cp", "py", "python"):
        if cleaned.startswith(prefix):
            cleaned = cleaned[len(prefix):]
    match = re.fullmatch(r"3\.?(\d{1,2})", cleaned)
    if not match:
        raise ConfigError(f"not a Python version: {text!r} (expected e.g. 3.11)", key="python-version")
    return (3, int(match[1]))


def _pyenv_pythons(version: tuple[int, int]) -> list[Path]:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    found: list[tuple[int, Path]] = []
    pattern = re.compile(rf"{version[0]}\.{version[1]}\.(\d+)")
    if root.is_dir():
        for entry in root.iterdir():
            match = pattern.fullmatch(entry.name)  # not 3.13.0t (free-threaded) or -dev builds
            exe = entry / "bin" / f"python{version[0]}.{version[1]}"
            if match and exe.is_file():
                found.append((int(match[1]), exe))
    return [exe for _, exe in sorted(found, reverse=True)]


def find_python(version: tuple[int, int]) -> str:
    """An interpreter of `version` on this machine: this one, `python3.X` on PATH, or the
    newest pyenv 3.X.*. ConfigError naming where it looked when there is none."""
    if sys.version_info[:2] == version:
        return sys.executable
    name = f"python{version[0]}.{version[1]}"
    candidates: list[str] = []
    on_path = shutil.which(name)
    # A pyenv shim answers "command not found" for versions not selected: use the real one.
    if on_path and "shims" not in Path(on_path).parts:
        candidates.append(on_path)
    candidates += [str(p) for p in _pyenv_pythons(version)]
    if candidates:
        return candidates[0]
    raise ConfigError(
        f"no Python {version[0]}.{version[1]} found (looked for {name} on PATH and in "
        "$PYENV_ROOT/versions); install one, or name its headers with --python-headers DIR",
        key="python-version",
    )


def python_abi_for_version(version: tuple[int, int]) -> PythonABI:
    """The ABI of an interpreter of `version` on this machine (see find_python)."""
    if sys.version_info[:2] == version:
        return host_python_abi()
    return python_abi_for(find_python(version))


def python_abi_from_headers(directory: Path) -> PythonABI:
    """An ABI from a header directory (the one holding Python.h), no interpreter needed.

    The version comes from patchlevel.h; a free-threaded build's pyconfig.h (Py_GIL_DISABLED)
    gives the `t` ABI. The suffix is for this machine; target_python_abi() sets the target's.
    """
    directory = Path(directory).resolve()
    patchlevel = directory / "patchlevel.h"
    if not (directory / "Python.h").is_file() or not patchlevel.is_file():
        raise ConfigError(
            f"{directory} holds no Python.h and patchlevel.h: name the directory of a "
            "CPython's headers (e.g. .../include/python3.11)",
            key="python-headers",
        )
    defines = {m[1]: m[2] or "" for m in _DEFINE.finditer(patchlevel.read_text(encoding="utf-8", errors="replace"))}
    try:
        version = (int(defines["PY_MAJOR_VERSION"]), int(defines["PY_MINOR_VERSION"]))
    except (KeyError, ValueError):
        raise ConfigError(f"{patchlevel} does not state PY_MAJOR_VERSION/PY_MINOR_VERSION", key="python-headers") from None
    after: tuple[Path, ...] = ()
    multiarch = sorted(directory.parent.glob(f"*/python{version[0]}.{version[1]}/pyconfig.h"))
    if multiarch:
        root = _debian_multiarch_root([directory], multiarch[0].parts[-3], f"python{version[0]}.{version[1]}")
        after = (root,) if root is not None else ()
    pyconfig = directory / "pyconfig.h"
    free_threaded = pyconfig.is_file() and re.search(
        r"#\s*define\s+Py_GIL_DISABLED\s+1", pyconfig.read_text(encoding="utf-8", errors="replace")
    )
    tag = f"cp{version[0]}{version[1]}"
    abi = tag + ("t" if free_threaded else "")
    return PythonABI(
        version=version,
        include_dirs=(directory,),
        ext_suffix=target_ext_suffix(host_target(), abi),
        python_tag=tag,
        abi_tag=abi,
        after_include_dirs=after,
    )
