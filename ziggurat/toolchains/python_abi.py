"""The Python ABI a module is compiled for: headers, extension suffix, wheel tags.

`host_python_abi()` describes the running interpreter; `python_abi_for(executable)` asks
another CPython (through run()) so the CLI can build for e.g. a pyenv 3.13. Both evaluate
the same probe, `_PROBE`, so they cannot disagree. `PythonABI.identity()` hashes the header
contents, for compile caches whose key must not contain paths.

Only CPython is supported. This module must not compile anything; what a foreign target
changes (extension suffix, a Windows pyconfig.h, the DLL to import) is cross_abi.py's.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import sys
import sysconfig
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import ToolchainError
from .run import run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PythonABI:
    """One CPython's compile-relevant facts.

    include_dirs: passed with -I, in order (the dir holding Python.h first).
    after_include_dirs: passed with -idirafter: searched only for headers nothing else
      provides (Debian's multiarch pyconfig.h, see _debian_multiarch_root).
    ext_suffix: e.g. ".cpython-311-x86_64-linux-gnu.so"; python_tag / abi_tag: "cp311".
    """

    version: tuple[int, int]
    include_dirs: tuple[Path, ...]
    ext_suffix: str
    python_tag: str
    abi_tag: str
    after_include_dirs: tuple[Path, ...] = ()
    executable: str = ""
    # Set by cross_abi.target_python_abi() when these facts were prepared for a target:
    # its zig triple ("" = the interpreter's own platform, as probed) and, for Windows,
    # the DLL the module imports CPython from ("python311.dll").
    target_triple: str = ""
    dll_name: str = ""
    limited_api: tuple[int, int] | None = None
    """Set for abi3 builds: the oldest CPython the module must load on (Py_LIMITED_API)."""

    def identity(self) -> str:
        """A hash of everything about these headers that can change generated machine code:
        version, ABI and the content of every header (paths excluded, so two copies of
        the same CPython share compile-cache entries)."""
        return _headers_identity(
            self.version, self.abi_tag, self.ext_suffix, self.include_dirs, self.after_include_dirs
        ) + (f"-{self.dll_name}" if self.dll_name else "")


# The oldest limited API the runtime compiles against (runtime/limited.hpp needs 3.11's
# stable ABI: Py_Version, PyErr_GetHandledException, PyType_GetSlot on static types...).
ABI3_FLOOR = (3, 11)


def abi3_python_abi(python: PythonABI, minimum: tuple[int, int]) -> PythonABI:
    """The abi3 variant of `python`: compiled with its headers against the limited API of
    `minimum` (raised to ABI3_FLOOR), named `.abi3.so`, tagged cp3X-abi3."""
    floor = max(minimum, ABI3_FLOOR)
    if python.version < floor:
        raise ToolchainError(
            f"an abi3 build for CPython >= {floor[0]}.{floor[1]} needs headers of at least that "
            f"version; {python.executable or 'the interpreter'} is {python.version[0]}.{python.version[1]}"
        )
    if python.abi_tag.endswith(("t", "d")):
        raise ToolchainError(f"abi3 wheels cannot be built for a {python.abi_tag} interpreter (no limited API)")
    # EXT_SUFFIX ".cpython-311-x86_64-linux-gnu.so" -> ".abi3.so" (what importlib accepts on
    # every POSIX CPython; Windows takes plain ".pyd").
    suffix = ".pyd" if python.ext_suffix.endswith(".pyd") else ".abi3.so"
    return replace(
        python, ext_suffix=suffix, python_tag=f"cp{floor[0]}{floor[1]}", abi_tag="abi3", limited_api=floor
    )


# Evaluated inside the target interpreter (maybe much older than ours), so plain Python 3
# with `sys` and `sysconfig` in scope; one expression, so the logged command stays one line.
_PROBE = (
    '{"implementation": sys.implementation.name, "version": list(sys.version_info[:2]), '
    '"executable": sys.executable, "include": sysconfig.get_paths().get("include"), '
    '"platinclude": sysconfig.get_paths().get("platinclude"), '
    '"ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"), '
    '"soabi": sysconfig.get_config_var("SOABI"), '
    '"multiarch": sysconfig.get_config_var("MULTIARCH"), '
    '"gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED")), '
    '"debug": bool(sysconfig.get_config_var("Py_DEBUG"))}'
)


def _run_probe_here() -> dict[str, Any]:
    # The same expression a foreign interpreter evaluates, so the two cannot disagree.
    result: dict[str, Any] = eval(_PROBE, {"sys": sys, "sysconfig": sysconfig})
    return result


def abi_from_probe(info: dict[str, Any]) -> PythonABI:
    """Build a PythonABI from the probe's dict; ToolchainError if it is unusable."""
    where = info.get("executable") or "the interpreter"
    if info.get("implementation") != "cpython":
        raise ToolchainError(
            f"{where} is {info.get('implementation')}, but ziggurat compiles for CPython only"
        )
    major, minor = (int(v) for v in info["version"])
    ext_suffix = info.get("ext_suffix")
    if not ext_suffix:
        raise ToolchainError(f"{where} reports no EXT_SUFFIX; cannot name extension modules")

    include_dirs: list[Path] = []
    for key in ("include", "platinclude"):
        value = info.get(key)
        if value and Path(value) not in include_dirs:
            include_dirs.append(Path(value))
    if not any((d / "Python.h").is_file() for d in include_dirs):
        raise ToolchainError(
            f"Python {major}.{minor} headers not found for {where} (looked in "
            f"{', '.join(map(str, include_dirs)) or 'nothing'}); install the development "
            f"headers, e.g. `apt install python{major}.{minor}-dev`"
        )

    after: list[Path] = []
    multiarch = info.get("multiarch")
    if multiarch:
        root = _debian_multiarch_root(include_dirs, multiarch, f"python{major}.{minor}")
        if root is not None:
            after.append(root)

    abi = _abi_tag(info.get("soabi"), major, minor, bool(info.get("gil_disabled")),
                   bool(info.get("debug")))
    return PythonABI(
        version=(major, minor),
        include_dirs=tuple(include_dirs),
        ext_suffix=ext_suffix,
        python_tag=f"cp{major}{minor}",
        abi_tag=abi,
        after_include_dirs=tuple(after),
        executable=str(info.get("executable") or ""),
    )


def _abi_tag(soabi: str | None, major: int, minor: int, gil_disabled: bool, debug: bool) -> str:
    # SOABI "cpython-313t-x86_64-linux-gnu" carries exactly the flags the wheel ABI tag
    # needs ("t" free-threaded, "d" debug); build it from flags only when SOABI is absent.
    if soabi and soabi.startswith("cpython-"):
        return "cp" + soabi.split("-")[1]
    return f"cp{major}{minor}" + ("t" if gil_disabled else "") + ("d" if debug else "")


def _debian_multiarch_root(include_dirs: list[Path], multiarch: str, pyname: str) -> Path | None:
    """Debian/Ubuntu's python3.X-dev ships /usr/include/python3.X/pyconfig.h as a stub that
    does `#include <x86_64-linux-gnu/python3.X/pyconfig.h>`, which needs /usr/include on the
    search path. Adding it with -I would put the host's glibc headers before zig's (wrong
    glibc version), so it goes in with -idirafter: consulted only for what zig lacks."""
    for directory in include_dirs:
        root = directory.parent
        if (root / multiarch / pyname / "pyconfig.h").is_file():
            return root
    return None


@functools.lru_cache(maxsize=None)
def host_python_abi() -> PythonABI:
    """The running interpreter's ABI (cached)."""
    return abi_from_probe(_run_probe_here())


@functools.lru_cache(maxsize=None)
def python_abi_for(executable: str) -> PythonABI:
    """Ask another interpreter (e.g. /root/.pyenv/versions/3.13.0/bin/python) for its ABI."""
    script = f"import json, sys, sysconfig; print(json.dumps({_PROBE}))"
    # -I: isolated mode, so the user's PYTHONPATH/site-packages cannot change the answer.
    proc = run([executable, "-I", "-c", script])
    try:
        info = json.loads(proc.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError) as exc:
        raise ToolchainError(
            f"{executable} did not answer the ABI probe with JSON: {proc.stdout[:200]!r}"
        ) from exc
    if not isinstance(info, dict):
        raise ToolchainError(f"{executable} answered the ABI probe with {info!r}")
    return abi_from_probe(info)


def _headers_identity(
    version: tuple[int, int],
    abi_tag: str,
    ext_suffix: str,
    include_dirs: tuple[Path, ...],
    after_include_dirs: tuple[Path, ...],
) -> str:
    digest = hashlib.sha256()
    digest.update(repr((version, abi_tag, ext_suffix)).encode())
    for directory in include_dirs:
        # ~200 headers, ~1.4 MB for 3.11: a few ms, so it is recomputed per build (no stale
        # answer after an interpreter is reinstalled under the same path).
        for path in sorted(directory.rglob("*.h")):
            digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    for root in after_include_dirs:
        # Only the multiarch pyconfig.h is meant to come from here; hash just that.
        for path in sorted(root.glob(f"*/python{version[0]}.{version[1]}/pyconfig.h")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]
