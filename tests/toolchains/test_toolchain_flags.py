"""compile_argv and the version script as pure functions: no zig, no processes."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ziggurat.errors import ConfigError
from ziggurat.toolchains.flags import (
    RELEASE_FLAGS,
    compile_argv,
    init_symbol,
    version_script_text,
)
from ziggurat.toolchains.python_abi import PythonABI
from ziggurat.toolchains.targets import ALL_TARGETS, Target, zig_triple
from ziggurat.toolchains.zig import ZigInfo

ZIG = ZigInfo(argv=("/opt/py", "-m", "ziglang"), version="0.17.1")
PY = PythonABI(
    version=(3, 11),
    include_dirs=(Path("/py/include/python3.11"),),
    ext_suffix=".cpython-311-x86_64-linux-gnu.so",
    python_tag="cp311",
    abi_tag="cp311",
)
LINUX = Target("x86_64", "linux", "gnu", "2.17")
MACOS = Target("aarch64", "macos", macos_min="11.0")


@pytest.fixture(autouse=True)
def _no_processes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("flags must be pure: a subprocess was started")

    monkeypatch.setattr(subprocess, "run", forbidden)
    monkeypatch.setattr(subprocess, "Popen", forbidden)
    yield


def argv_for(target: Target, opt: str = "2", python: PythonABI = PY) -> list[str]:
    return compile_argv(
        ZIG,
        target,
        python,
        source=Path("/w/pkg.mod.cpp"),
        output=Path("/w/mod.so"),
        include_dirs=[Path("/rt")],
        opt_level=opt,
        version_script=Path("/w/exports.map"),
    )


def test_linux_release_command_exactly() -> None:
    assert argv_for(LINUX) == [
        "/opt/py", "-m", "ziglang", "c++",
        "-std=c++17", "-O2", "-g0", "-s", "-fno-exceptions", "-fno-rtti", "-nostdlib++",
        "-fno-threadsafe-statics", "-fno-sanitize=all", "-ffp-contract=off", "-fvisibility=hidden", "-fPIC", "-shared", "-DNDEBUG",
        "-target", "x86_64-linux-gnu.2.17",
        "-Wl,--gc-sections", "-Wl,--version-script=/w/exports.map",
        "-I/rt", "-I/py/include/python3.11",
        "/w/pkg.mod.cpp", "-o", "/w/mod.so",
    ]


@pytest.mark.parametrize("target", ALL_TARGETS, ids=zig_triple)
def test_every_target_gets_the_one_release_flag_set(target: Target) -> None:
    argv = argv_for(target)
    # The shared flags appear unchanged and in order for every target (zig's cache of
    # its runtime libraries is keyed on them).
    shared = [a for a in argv if a in RELEASE_FLAGS]
    assert shared == list(RELEASE_FLAGS)
    assert argv[argv.index("-target") + 1] == zig_triple(target)
    assert "-O2" in argv
    assert argv[-2:] == ["-o", "/w/mod.so"]


def test_macos_keeps_python_symbols_undefined() -> None:
    argv = argv_for(MACOS)
    assert "-Wl,-undefined,dynamic_lookup" in argv
    # zig's Mach-O linker ignores version scripts: do not pretend.
    assert not any("version-script" in a for a in argv)


@pytest.mark.parametrize("opt", ["0", "1", "2", "3", "s", "z"])
def test_opt_levels(opt: str) -> None:
    assert argv_for(LINUX, opt).count(f"-O{opt}") == 1


@pytest.mark.parametrize("opt", ["", "fast", "O2", "4", "-O2"])
def test_bad_opt_level(opt: str) -> None:
    with pytest.raises(ConfigError, match="optimisation level"):
        argv_for(LINUX, opt)


def test_runtime_includes_precede_python_and_multiarch_goes_last() -> None:
    debian = PythonABI(
        version=(3, 11),
        include_dirs=(Path("/usr/include/python3.11"),),
        ext_suffix=".cpython-311-x86_64-linux-gnu.so",
        python_tag="cp311",
        abi_tag="cp311",
        after_include_dirs=(Path("/usr/include"),),
    )
    argv = argv_for(LINUX, python=debian)
    assert argv.index("-I/rt") < argv.index("-I/usr/include/python3.11")
    # /usr/include must never be a plain -I: it would shadow zig's glibc 2.17 headers.
    assert "-I/usr/include" not in argv
    assert argv[argv.index("-idirafter") + 1] == "/usr/include"


@pytest.mark.parametrize(
    "module, symbol",
    [("mod", "PyInit_mod"), ("pkg.sub.mod", "PyInit_mod"), ("_speedups", "PyInit__speedups")],
)
def test_init_symbol(module: str, symbol: str) -> None:
    assert init_symbol(module) == symbol


@pytest.mark.parametrize("module", ["pkg.", "pkg.1mod", "pkg.mo-d", "pkg.café"])
def test_init_symbol_rejects_non_identifiers(module: str) -> None:
    with pytest.raises(ConfigError):
        init_symbol(module)


def test_version_script_exports_only_init() -> None:
    assert version_script_text(["pkg.sub.mod"]) == (
        "{\n  global:\n    PyInit_mod;\n  local: *;\n};\n"
    )
    # Several modules in one shared object: sorted, deduplicated.
    assert version_script_text(["b.z", "a.y", "c.y"]) == (
        "{\n  global:\n    PyInit_y;\n    PyInit_z;\n  local: *;\n};\n"
    )


WINDOWS = Target("x86_64", "windows")
MUSL = Target("aarch64", "linux", "musl", "1.2")


def test_windows_exports_through_a_def_file() -> None:
    from ziggurat.toolchains.flags import exports_file_name, exports_file_text

    assert exports_file_name(WINDOWS) == "exports.def" and exports_file_name(LINUX) == "exports.map"
    assert exports_file_text(WINDOWS, ["pkg.b", "pkg.a"]) == "EXPORTS\n    PyInit_a\n    PyInit_b\n"
    assert exports_file_text(LINUX, ["pkg.a"]) == version_script_text(["pkg.a"])


def test_windows_compiles_then_links_with_the_same_flags() -> None:
    from ziggurat.toolchains.flags import link_argv

    obj = compile_argv(ZIG, WINDOWS, PY, source=Path("/w/m.cpp"), output=Path("/w/m.obj"),
                       include_dirs=[Path("/rt")], opt_level="2", version_script=Path("/w/exports.def"),
                       compile_only=True)
    assert "-c" in obj and "/w/exports.def" not in obj  # no link inputs in the compile step
    link = link_argv(ZIG, WINDOWS, objects=[Path("/w/m.obj")], libraries=[Path("/w/libpython311.a")],
                     output=Path("/w/m.pyd"), opt_level="2", version_script=Path("/w/exports.def"))
    assert [a for a in link if a in RELEASE_FLAGS] == list(RELEASE_FLAGS)
    assert link[-5:] == ["/w/exports.def", "/w/m.obj", "/w/libpython311.a", "-o", "/w/m.pyd"]
    assert obj[: obj.index("-target") + 2] == link[: link.index("-target") + 2]


def test_musl_plants_the_libc_name_for_the_needed_patch() -> None:
    argv = argv_for(MUSL)
    assert "-Wl,-rpath,libc.musl-aarch64.so.1" in argv
    assert not any("rpath" in a for a in argv_for(LINUX))
