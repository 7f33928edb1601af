"""The compilers the benchmark suite compares: how each is found or installed and how it turns
one benchmark module into an extension module next to its data.

In: a directory holding the benchmark as `MODULE.py` (plus the data files it reads). Out: a
`Build` saying whether the tool built an extension module, how long the build took (wall
clock, cold: ziggurat gets an empty compile cache each time; zig's own cache of libc++ stays
warm, as a toolchain install would; and the CPU time of the build's processes, which a loaded
machine inflates far less), the size of the extension files, and the error if any.
After a successful build the `.py` is removed, so the driver cannot silently import it.

Must not: change the benchmark's source, retry a failed build, or hide a failure.
"""

from __future__ import annotations

import importlib.util
import py_compile
import resource
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ziggurat.errors import ToolchainError
from ziggurat.toolchains.run import run

EXT_SUFFIX = str(sysconfig.get_config_var("EXT_SUFFIX"))
COMPILE_TIMEOUT = 1200.0


@dataclass(frozen=True)
class Build:
    ok: bool
    seconds: float = 0.0
    size: int = 0  # bytes of every extension module the build left
    error: str = ""
    # user + system time of the build command and every process it waited for (compilers,
    # linkers): on a shared machine the wall clock counts the other jobs' time too
    cpu_seconds: float = 0.0


@dataclass(frozen=True)
class Tool:
    name: str
    requirement: str  # what pip installs for it; "" for tools that need nothing
    import_name: str  # importable when the tool is installed
    build_argv: Callable[[Path, str], list[str]]  # (dir, module) -> the build command
    compiled: bool = True
    # Where the build leaves the extension module when not beside the source under the
    # interpreter's suffix (relative to the directory; "{module}" is substituted): it is moved
    # there, as MODULE + EXT_SUFFIX, which the import system finds first.
    product: str = ""

    def available(self) -> bool:
        return not self.import_name or importlib.util.find_spec(self.import_name) is not None

    def build(self, directory: Path, module: str, zig_cache: Path | None = None) -> Build:
        if not self.compiled:
            return Build(ok=True)
        before = set(directory.rglob("*"))
        with tempfile.TemporaryDirectory(prefix="zgcache-") as cache:
            env = _env(cache, zig_cache)
            t0, cpu0 = time.perf_counter(), _children_cpu()
            try:
                proc = run(self.build_argv(directory, module), cwd=directory, env=env, timeout=COMPILE_TIMEOUT,
                           check=False)
            except ToolchainError as exc:
                return Build(ok=False, seconds=time.perf_counter() - t0, error=_last_lines(exc.stderr or str(exc)),
                             cpu_seconds=_children_cpu() - cpu0)
            seconds, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
            if proc.returncode != 0:
                return Build(ok=False, seconds=seconds, error=_diagnostics(proc.stdout, proc.stderr), cpu_seconds=cpu)
        product = directory / self.product.format(module=module)
        if self.product and product.is_file():
            product.rename(directory / (module + EXT_SUFFIX))
        extensions = [p for p in set(directory.rglob(f"*{EXT_SUFFIX}")) - before if p.is_file()]
        if not any(p.name == module + EXT_SUFFIX for p in extensions):
            return Build(ok=False, seconds=seconds, error=f"no {module}{EXT_SUFFIX} was produced")
        (directory / f"{module}.py").unlink()
        return Build(ok=True, seconds=seconds, size=sum(p.stat().st_size for p in extensions), cpu_seconds=cpu)


def _children_cpu() -> float:
    """CPU seconds of this process's finished children so far (the tools run one at a time)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _env(cache: str, zig_cache: Path | None) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["ZIGGURAT_CACHE_DIR"] = cache  # a cold build every time: compile time is measured
    if zig_cache is not None:
        # zig's global cache (~/.cache/zig) is shared by every zig on the machine and locked
        # while one of them builds there: a build measured 300 s of waiting for 1.4 s of CPU
        # while other users' zig ran. A cache of our own, warmed once (warm), keeps
        # their work out of ziggurat's compile time.
        env["ZIG_GLOBAL_CACHE_DIR"] = env["ZIG_LOCAL_CACHE_DIR"] = str(zig_cache)
    # The venv's console scripts (cythonize's compiler driver finds gcc itself; mypyc and
    # Nuitka run as `python -m`) and the interpreter the modules are built for.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _diagnostics(stdout: str, stderr: str) -> str:
    """Why a build failed: the compilers' own error lines when there are any (Shed Skin's
    `*ERROR*` and g++'s `error:` lines are on stdout, under a Python traceback on stderr that
    says only that CMake failed), else the last lines of stderr (or stdout). When Shed Skin
    translated code g++ then rejects, its warnings name the cause (`method passing is not
    supported`, `tuple with length > 2 and different types of elements`, a variable's
    `dynamic (sub)type`): up to three distinct ones follow the errors, the specific first."""
    lines = (stdout + "\n" + stderr).splitlines()
    errors = [line for line in lines if "*ERROR*" in line or ": error:" in line or ": fatal error:" in line]
    if not errors:
        return _last_lines(stderr or stdout)
    warnings = [line for line in lines if line.startswith("*WARNING*") and not line.endswith("not called!")]
    causes: dict[str, str] = {}
    for line in sorted(warnings, key=lambda w: "dynamic (sub)type" in w):  # stable: file order kept
        causes.setdefault(line.split(": ", 1)[-1], line)
    return "\n".join(errors[:4] + list(causes.values())[:3])


def _last_lines(text: str, n: int = 12) -> str:
    # pip's warnings about unusable index locations are this machine's, not the tool's.
    lines = [line for line in text.strip().splitlines() if line.strip() and not line.startswith("WARNING: Location")]
    return "\n".join(lines[-n:])


PY = sys.executable

CPYTHON = Tool("cpython", "", "", lambda d, m: [], compiled=False)
ZIGGURAT = Tool("ziggurat", "", "ziggurat",
                lambda d, m: [PY, "-m", "ziggurat.cli", "compile", f"{m}.py", "--inplace"])
NUITKA = Tool("nuitka", "nuitka", "nuitka",
              lambda d, m: [PY, "-m", "nuitka", "--module", f"{m}.py", "--output-dir=.", "--remove-output",
                            "--no-pyi-file", "--quiet"])
# Pure-Python mode: the .py as it is, language level 3, built in place.
CYTHON = Tool("cython", "cython", "Cython",
              lambda d, m: [PY, "-m", "Cython.Build.Cythonize", "-i", "-3", "-q", f"{m}.py"])
# mypyc type-checks first; pyperf ships no type information, which mypy would otherwise
# report as an error before compiling anything.
MYPYC = Tool("mypyc", "mypy", "mypyc",
             lambda d, m: [PY, "-m", "mypyc", "--ignore-missing-imports", f"{m}.py"])
# Shed Skin compiles a whole program from its own type inference; extension-module mode, in
# CMake's Release configuration (its extension flags are -O2 -g in any configuration). It is
# given the module as shedskin_prep.py rewrites it (pyperf shim, inference call) and leaves
# build/MODULE.so.
SHEDSKIN = Tool("shedskin", "shedskin", "shedskin",
                lambda d, m: [PY, "-m", "shedskin", "build", "--extmod", "--build-type", "Release", f"{m}.py"],
                product="build/{module}.so")

PEERS = (NUITKA, CYTHON, MYPYC, SHEDSKIN)


def ensure_installed(requirement: str) -> str:
    """pip-install `requirement` into the running interpreter; '' on success, else why not."""
    try:
        run([PY, "-m", "pip", "install", "--quiet", requirement], timeout=900)
    except ToolchainError as exc:
        return _last_lines(exc.stderr or str(exc), 3)
    importlib.invalidate_caches()
    return ""


def ensure_zig() -> str:
    """Make ziggurat's zig available to the builds: '' when one is found (ZIGGURAT_ZIG, the
    `ziglang` package, `zig` on PATH) or after pip installed `ziglang`, else why not.

    ziggurat itself asks the build frontend for `ziglang` (get_requires_for_build_wheel), but
    the suite runs `ziggurat compile` in the interpreter it was installed into, where a plain
    `pip install -e .` (a fresh clone) brings no zig: the first build then failed with "no
    usable zig found" before anything was measured."""
    from ziggurat.toolchains.zig import clear_zig_cache, zig_available

    if zig_available():
        return ""
    why = ensure_installed("ziglang")
    clear_zig_cache()
    if why:
        return why
    return "" if zig_available() else "pip installed ziglang, but ziggurat still finds no usable zig"


WARM_MODULE = "def f(x):\n    return x + 1\n\n\nif __name__ == '__main__':\n    f(1)\n"


def byte_compile(tool: Tool) -> int:
    """Write the bytecode of the tool's own Python package where it has none, as installing
    it from a wheel does (pip byte-compiles what it installs); the number of files compiled.

    An editable install (the ziggurat of this repository) has no bytecode until it is
    imported, and with PYTHONDONTWRITEBYTECODE set (some CI and sandboxed environments) it
    never gets any: every measured build then compiled ziggurat's ~40 modules from source
    again, ~0.2 s of CPU (a tenth of a small benchmark's build) that no user of an installed
    ziggurat pays. Applied to every tool alike; a wheel-installed peer has nothing missing."""
    spec = importlib.util.find_spec(tool.import_name) if tool.import_name else None
    compiled = 0
    for location in (spec.submodule_search_locations or []) if spec else []:
        for source in Path(location).rglob("*.py"):
            cached = Path(importlib.util.cache_from_source(str(source)))
            if not cached.exists() and py_compile_quietly(source, cached):
                compiled += 1
    return compiled


def py_compile_quietly(source: Path, cached: Path) -> bool:
    """Byte-compile one file as the import system would have (a file that does not compile,
    or a read-only directory, is left to the build to report or to compile itself)."""
    try:
        py_compile.compile(str(source), cfile=str(cached), doraise=True)
    except (py_compile.PyCompileError, OSError):
        return False
    return True


def warm(tool: Tool, zig_cache: Path) -> float:
    """Build a one-line module with `tool`, so that its one-time work is done before any compile
    time is measured (ziggurat: zig's C runtime for the target, into `zig_cache`; Shed Skin: its
    own Boehm GC and PCRE2, into ~/.cache/shedskin); seconds taken."""
    with tempfile.TemporaryDirectory(prefix="zgwarm-") as d:
        Path(d, "zg_warm.py").write_text(WARM_MODULE, encoding="utf-8")
        t0 = time.perf_counter()
        build = tool.build(Path(d), "zg_warm", zig_cache)
        if not build.ok:
            raise ToolchainError(f"{tool.name} cannot build a one-line module:\n" + build.error)
        return time.perf_counter() - t0
