"""The `zig c++` command line for one extension module, as pure functions.

`compile_argv()` returns one compile+link command (or, with `compile_only`, the compile to
an object that Windows needs before its import library exists); `link_argv()` links objects;
`exports_file_text()` is the file that exports only `PyInit_<name>` (a GNU version script,
or a module-definition file on Windows). Nothing here runs a process or touches a file.

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
from .targets import Target, musl_libc_soname, zig_triple
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
    # A function-local static whose initialiser is not a constant (on Windows the address of
    # a dllimport'ed CPython function is not) would call libc++abi's __cxa_guard_acquire,
    # which -nostdlib++ leaves out; module code runs under the GIL, so no guard is needed.
    "-fno-threadsafe-statics",
    # zig cc turns on trapping UBSan by default in debug-ish modes; a release module must
    # never trap on its own or depend on a sanitizer runtime, whatever -O is chosen.
    "-fno-sanitize=all",
    # Python float arithmetic rounds after every operation; clang's default contraction
    # would fuse `a*b + c` into one FMA where the target has it (zig builds for the host
    # CPU: x86-64 with FMA, every aarch64) and give results that differ from CPython's.
    "-ffp-contract=off",
    # Export nothing by accident; the exports file (a version script on Linux, a .def on
    # Windows) then exports only PyInit_*.
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


def exports_file_name(target: Target) -> str:
    """What the exports file is called: zig recognises a module-definition file by `.def`."""
    return "exports.def" if target.is_windows else "exports.map"


def exports_file_text(target: Target, module_names: Sequence[str]) -> str:
    """The link's export list for `target`: only the modules' PyInit_* symbols."""
    if target.is_windows:
        symbols = sorted({init_symbol(name) for name in module_names})
        return "EXPORTS\n" + "".join(f"    {s}\n" for s in symbols)
    return version_script_text(module_names)


def check_opt_level(opt_level: str) -> str:
    if opt_level not in OPT_LEVELS:
        raise ConfigError(
            f"optimisation level {opt_level!r} is not one of {', '.join(OPT_LEVELS)}",
            key="opt-level",
        )
    return opt_level


def _target_flags(target: Target, version_script: Path, output: Path) -> list[str]:
    """Link flags one target needs; `version_script` is the exports file (exports_file_text)."""
    if target.os == "linux":
        flags = [
            # Drop unreferenced sections: smaller modules, same behaviour.
            "-Wl,--gc-sections",
            # Without it the .so exports every non-hidden symbol zig links in.
            f"-Wl,--version-script={version_script}",
        ]
        if target.libc == "musl":
            # musl: zig's libc stub is named `libc.so`, the musllinux policy wants
            # `libc.musl-<arch>.so.1`. This -rpath only plants that string in .dynstr;
            # elf.retarget_needed() then points DT_NEEDED at it and removes the RUNPATH.
            flags.append(f"-Wl,-rpath,{musl_libc_soname(target)}")
        return flags
    if target.os == "macos":
        # macOS: the Py* symbols must stay undefined for the interpreter to provide at load
        # time; without this zig's Mach-O linker fails on `undefined symbol: _PyModule_Create2`.
        # (zig's Mach-O linker ignores version scripts and rejects -exported_symbol, so the
        # export list cannot be trimmed there; -fvisibility=hidden does the main work.)
        return [
            "-Wl,-undefined,dynamic_lookup",
            # zig's Mach-O linker records the output's absolute path as the dylib's id: a
            # build's temp dir, so every build's bytes differed and leaked the build path.
            f"-Wl,-install_name,@rpath/{output.name}",
        ]
    # Windows: the exports .def is an input file. Without it lld's MinGW mode exports every
    # external symbol (_CRT_INIT, atexit, ...), since the generated code marks none dllexport.
    return [str(version_script)]


def _head(zig: ZigInfo, target: Target, opt_level: str) -> list[str]:
    std, *rest = RELEASE_FLAGS
    # Always an explicit -O: without one zig builds Debug (and its runtime libs again).
    return [*zig.argv, "c++", std, f"-O{check_opt_level(opt_level)}", *rest, "-target", zig_triple(target)]


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
    compile_only: bool = False,
) -> list[str]:
    """One `zig c++` command compiling `source` and linking it into extension `output`;
    with `compile_only`, compiling it to the object `output` (no link flags).

    `include_dirs` (e.g. the runtime's) come before the Python ones, so our headers win.
    """
    argv = _head(zig, target, opt_level)
    if compile_only:
        # The same flag set as the one-step command (-shared/-s are unused here, silently).
        argv.append("-c")
    else:
        argv += _target_flags(target, version_script, output)
    argv += abi_flags(python)
    for directory in (*include_dirs, *python.include_dirs):
        argv.append(f"-I{directory}")
    for directory in python.after_include_dirs:
        argv += ["-idirafter", str(directory)]
    argv += [str(source), "-o", str(output)]
    return argv


def link_argv(
    zig: ZigInfo,
    target: Target,
    *,
    objects: Sequence[Path],
    libraries: Sequence[Path],
    output: Path,
    opt_level: str,
    version_script: Path,
) -> list[str]:
    """One `zig c++` command linking `objects` (and e.g. an import library) into `output`,
    with exactly the flags of the one-step command, so zig reuses the same runtime libs."""
    argv = _head(zig, target, opt_level) + _target_flags(target, version_script, output)
    argv += [*map(str, objects), *map(str, libraries), "-o", str(output)]
    return argv
