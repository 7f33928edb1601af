"""The `zig c++` command line for one extension module, as pure functions.

`compile_argv()` returns one compile+link command; `version_script_text()` the linker map
that exports only `PyInit_<name>`. Nothing here runs a process or touches a file.

ONE fixed flag set, on purpose: zig caches the runtime libraries it builds for a target
(compiler-rt, libc stubs) keyed on the flags, and every new combination pays that cold
build again (measured: adding `-s` alone cost a second ~95 s libc++ build). Change a flag
here, not per call site. Per-target quirks live in `_target_flags()`, each with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ..errors import ConfigError
from .python_abi import PythonABI
from .targets import Target, zig_triple
from .zig import ZigInfo

OPT_LEVELS = ("0", "1", "2", "3", "s", "z")

# Release flags shared by every target. Why each one is here:
RELEASE_FLAGS: tuple[str, ...] = (
    "-std=c++17",
    # zig c++ emits debug info by default (a 10x larger .so); -g0 at compile, -s at link.
    "-g0",
    "-s",
    # The runtime and the generated code use neither C++ exceptions nor RTTI nor libc++
    # (CPython's error-return model, see runtime/ziggurat.hpp). -nostdlib++ then keeps zig
    # from building and linking libc++/libc++abi/libunwind: cold first build ~4 s, not ~100 s,
    # and no copy of libc++ (or its exported operator new/delete) in every module.
    "-fno-exceptions",
    "-fno-rtti",
    "-nostdlib++",
    # zig cc turns on trapping UBSan by default in debug-ish modes; a release module must
    # never trap on its own or depend on a sanitizer runtime, whatever -O is chosen.
    "-fno-sanitize=all",
    # Export nothing by accident; the version script (Linux) then exports only PyInit_*.
    "-fvisibility=hidden",
    "-fPIC",
    "-shared",
    "-DNDEBUG",
)


def init_symbol(module_name: str) -> str:
    """`pkg.sub.mod` -> `PyInit_mod` (CPython looks up the last component)."""
    last = module_name.rsplit(".", 1)[-1]
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", last):
        # Non-ASCII names use PyInitU_ with punycode; the translator does not emit those yet.
        raise ConfigError(f"module name {module_name!r} is not an ASCII identifier", key="modules")
    return f"PyInit_{last}"


def version_script_text(module_names: Sequence[str]) -> str:
    """A GNU ld version script exporting only the modules' PyInit_* symbols."""
    symbols = sorted({init_symbol(name) for name in module_names})
    return "{\n  global:\n" + "".join(f"    {s};\n" for s in symbols) + "  local: *;\n};\n"


def check_opt_level(opt_level: str) -> str:
    if opt_level not in OPT_LEVELS:
        raise ConfigError(
            f"optimisation level {opt_level!r} is not one of {', '.join(OPT_LEVELS)}",
            key="opt-level",
        )
    return opt_level


def _target_flags(target: Target, version_script: Path) -> list[str]:
    if target.os == "linux":
        return [
            # Drop unreferenced sections: smaller modules, same behaviour.
            "-Wl,--gc-sections",
            # Without it the .so exports every non-hidden symbol zig links in.
            f"-Wl,--version-script={version_script}",
        ]
    if target.os == "macos":
        # macOS: the Py* symbols must stay undefined for the interpreter to provide at load
        # time; without this zig's Mach-O linker fails on `undefined symbol: _PyModule_Create2`.
        # (zig's Mach-O linker ignores version scripts and rejects -exported_symbol, so the
        # export list cannot be trimmed there; -fvisibility=hidden does the main work.)
        return ["-Wl,-undefined,dynamic_lookup"]
    # Windows needs a generated pyconfig.h and an import library for python3XY.dll
    # (notes/cross-compiling-facts.md §2); building for it is not implemented yet and
    # compile.build_extensions refuses it before getting here.
    return []


def abi_flags(python: PythonABI) -> list[str]:
    """One flag set per ABI mode: nothing for a version-specific build; Py_LIMITED_API at
    the floor version for an abi3 build (the runtime switches on it, runtime/limited.hpp)."""
    if python.limited_api is None:
        return []
    major, minor = python.limited_api
    return [f"-DPy_LIMITED_API=0x{major:02X}{minor:02X}0000"]


def compile_argv(
    zig: ZigInfo,
    target: Target,
    python: PythonABI,
    *,
    source: Path,
    output: Path,
    include_dirs: Sequence[Path],
    opt_level: str,
    version_script: Path,
) -> list[str]:
    """One `zig c++` command compiling `source` and linking it into extension `output`.

    `include_dirs` (e.g. the runtime's) come before the Python ones, so our headers win.
    """
    std, *rest = RELEASE_FLAGS
    # Always an explicit -O: without one zig builds Debug (and its runtime libs again).
    argv = [*zig.argv, "c++", std, f"-O{check_opt_level(opt_level)}", *rest]
    argv += ["-target", zig_triple(target)]
    argv += _target_flags(target, version_script)
    argv += abi_flags(python)
    for directory in (*include_dirs, *python.include_dirs):
        argv.append(f"-I{directory}")
    for directory in python.after_include_dirs:
        argv += ["-idirafter", str(directory)]
    argv += [str(source), "-o", str(output)]
    return argv
