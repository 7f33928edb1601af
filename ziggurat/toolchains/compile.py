"""Cached, parallel compilation of translated modules into extension modules.

In: `ExtensionJob`s (dotted module name, C++ text, final output path), a target, a Python
ABI; or several such `ExtensionSet`s (one per target and Python version), which
`build_extension_sets` compiles in one shared pool of workers. Out: the extension modules
written atomically at the jobs' output paths, and per set a `BuildResult` saying which were
compiled and which came from the cache.

Per target: Linux and macOS are one `zig c++` command per module (musl's libc NEEDED entry
renamed afterwards, elf.py); Windows compiles to an object, makes an import library for the
Python DLL from the symbols the object uses (windows.py), then links.

The cache is content-addressed: the key hashes the C++ text, the full `zig c++` command
with every path replaced by a placeholder, the linker version script, the zig version,
the target triple, the Python headers' identity and the runtime headers' hash. Entries
are published with `os.replace`, so concurrent builds sharing a cache directory never see
a partial file; a hit copies the entry without running zig at all.

This module must not translate Python, pick flags (flags.py does) or know wheel layout.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shlex
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from .. import runtime
from ..errors import InternalError, ToolchainError
from .cross_abi import target_python_abi
from .elf import retarget_needed
from .flags import compile_argv, exports_file_name, exports_file_text, init_symbol, link_argv
from .python_abi import PythonABI, host_python_abi
from .run import run
from .targets import Target, host_target, musl_libc_soname, zig_triple
from .windows import import_library
from .zig import ZigInfo, find_zig

log = logging.getLogger(__name__)

CACHE_ENV_VAR = "ZIGGURAT_CACHE_DIR"
# Bump when the cache layout or the meaning of a key changes.
CACHE_FORMAT = "ext-v1"


@dataclass(frozen=True)
class ExtensionJob:
    """One module to build: `module_name` dotted ("pkg.sub.mod"), its C++ text, and the
    final path of the extension module (the caller picks the name and EXT_SUFFIX)."""

    module_name: str
    cpp_source: str
    output: Path


class ModuleCompileError(ToolchainError):
    """zig failed on one module; its C++ source is kept at `kept_source` for the user.

    When several modules fail, build_extensions raises the first (in job order) and lists
    the others in the message and in `also_failed` as (module name, kept source) pairs.
    """

    def __init__(
        self,
        message: str,
        *,
        module_name: str,
        kept_source: Path,
        command: Sequence[str] | None = None,
        returncode: int | None = None,
        stderr: str = "",
        also_failed: Sequence[tuple[str, Path]] = (),
    ) -> None:
        super().__init__(message, command=command, returncode=returncode, stderr=stderr)
        self.message = message
        self.module_name = module_name
        self.kept_source = kept_source
        self.also_failed = tuple(also_failed)


@dataclass(frozen=True)
class ModuleBuild:
    """What happened to one job: compiled (cached=False) or copied from the cache."""

    module_name: str
    output: Path
    cached: bool
    seconds: float
    cache_key: str


@dataclass(frozen=True)
class BuildResult:
    """The result of build_extensions(): per-module outcomes in job order, wall time."""

    modules: tuple[ModuleBuild, ...]
    seconds: float

    @property
    def outputs(self) -> tuple[Path, ...]:
        return tuple(m.output for m in self.modules)

    @property
    def compiled(self) -> int:
        return sum(1 for m in self.modules if not m.cached)

    @property
    def cached(self) -> int:
        return sum(1 for m in self.modules if m.cached)

    def summary(self) -> str:
        """One line for the build log: '3 modules: 1 compiled, 2 cached in 1.4 s'."""
        return (
            f"{len(self.modules)} module{'s' if len(self.modules) != 1 else ''}: "
            f"{self.compiled} compiled, {self.cached} cached in {self.seconds:.1f} s"
        )


def default_cache_dir() -> Path:
    """$ZIGGURAT_CACHE_DIR, else $XDG_CACHE_HOME/ziggurat, else ~/.cache/ziggurat."""
    explicit = os.environ.get(CACHE_ENV_VAR)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "ziggurat"


@dataclass(frozen=True)
class ExtensionSet:
    """Jobs that share a target and a Python ABI (for build_extension_sets)."""

    target: Target
    python: PythonABI
    jobs: tuple[ExtensionJob, ...]


@dataclass(frozen=True)
class _Plan:
    """Everything one job needs, decided up front in the calling thread."""

    job: ExtensionJob
    key: str
    script: str


@dataclass(frozen=True)
class _Context:
    zig: ZigInfo
    target: Target
    python: PythonABI
    opt_level: str
    include_dirs: tuple[Path, ...]
    entries: Path | None  # cache directory for entries, None when caching is off
    python_identity: str
    runtime_hash: str


def build_extensions(
    jobs: Iterable[ExtensionJob],
    *,
    target: Target | None = None,
    python: PythonABI | None = None,
    opt_level: str = "2",
    cache_dir: Path | None = None,
    parallel: int | None = None,
) -> BuildResult:
    """Build every job (in parallel, `parallel` workers, default os.cpu_count()).

    Returns a BuildResult with the modules in job order (`.outputs` are the paths).
    Raises ToolchainError if any module fails to compile: the first failing one in job
    order, with its command, zig's stderr and where its C++ source was kept.
    """
    chosen = ExtensionSet(target or host_target(), python or host_python_abi(), tuple(jobs))
    return build_extension_sets([chosen], opt_level=opt_level, cache_dir=cache_dir, parallel=parallel)[0]


def build_extension_sets(
    sets: Sequence[ExtensionSet],
    *,
    opt_level: str = "2",
    cache_dir: Path | None = None,
    parallel: int | None = None,
) -> tuple[BuildResult, ...]:
    """Build several targets' (and Python versions') jobs in one pool of `parallel`
    workers (default os.cpu_count()), so a slow first build for one target (zig building
    its libc) overlaps with work for the others. One BuildResult per set, in order.

    Each set's `python` may be an interpreter's ABI; it is prepared for the set's target
    (target_python_abi). Failures are raised as in build_extensions, the first set first.
    """
    started = time.monotonic()
    _check_jobs([job for chosen in sets for job in chosen.jobs])
    results: list[BuildResult | None] = [None] * len(sets)
    for index, chosen in enumerate(sets):
        if not chosen.jobs:
            # Nothing to compile: do not demand a zig.
            results[index] = BuildResult(modules=(), seconds=0.0)
    busy = [i for i, chosen in enumerate(sets) if chosen.jobs]
    if not busy:
        return tuple(r for r in results if r is not None)
    zig = find_zig()
    entries = _prepare_cache(cache_dir if cache_dir is not None else default_cache_dir())
    runtime_hash = runtime.runtime_hash()
    plans: list[tuple[int, _Context, _Plan]] = []
    for index in busy:
        chosen = sets[index]
        python = target_python_abi(chosen.python, chosen.target, cache_dir)
        ctx = _Context(
            zig=zig,
            target=chosen.target,
            python=python,
            opt_level=opt_level,
            include_dirs=(runtime.include_dir(),),
            entries=entries,
            python_identity=python.identity(),
            runtime_hash=runtime_hash,
        )
        plans += [(index, ctx, _plan(ctx, job)) for job in chosen.jobs]
    workers = max(1, min(parallel or os.cpu_count() or 1, len(plans)))

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ziggurat-cc") as pool:
        futures = [(index, pool.submit(_build_one, ctx, plan)) for index, ctx, plan in plans]
        # Let every job finish (a user fixing code wants all errors), then report.
        outcomes: dict[int, list[ModuleBuild | ToolchainError]] = {i: [] for i in busy}
        for index, future in futures:
            try:
                outcomes[index].append(future.result())
            except ToolchainError as exc:
                outcomes[index].append(exc)

    for index in busy:
        _raise_failures(outcomes[index])
        modules = tuple(o for o in outcomes[index] if isinstance(o, ModuleBuild))
        result = BuildResult(modules=modules, seconds=time.monotonic() - started)
        log.info("%s: %s", zig_triple(sets[index].target), result.summary())
        results[index] = result
    return tuple(r for r in results if r is not None)


def _raise_failures(outcomes: Sequence[ModuleBuild | ToolchainError]) -> None:
    failures = [o for o in outcomes if isinstance(o, ToolchainError)]
    if not failures:
        return
    first = failures[0]
    others = [f for f in failures[1:] if isinstance(f, ModuleCompileError)]
    if isinstance(first, ModuleCompileError) and others:
        listing = "".join(f"\n    {o.module_name} (source kept at {o.kept_source})" for o in others)
        raise ModuleCompileError(
            f"{first.message}\n  {len(others)} more module(s) failed:{listing}",
            module_name=first.module_name,
            kept_source=first.kept_source,
            command=first.command,
            returncode=first.returncode,
            stderr=first.stderr,
            also_failed=[(o.module_name, o.kept_source) for o in others],
        ) from first
    raise first


def _check_jobs(jobs: Sequence[ExtensionJob]) -> None:
    seen: dict[Path, str] = {}
    for job in jobs:
        init_symbol(job.module_name)  # ConfigError for names CPython could not import
        output = Path(os.path.abspath(job.output))
        if output in seen:
            raise InternalError(
                "toolchains",
                f"modules {seen[output]!r} and {job.module_name!r} both write {output}",
            )
        seen[output] = job.module_name


def _prepare_cache(cache_dir: Path) -> Path | None:
    entries = cache_dir / CACHE_FORMAT
    try:
        entries.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        # A read-only home (sandboxed builders) must not break the build, only slow it.
        log.warning("compile cache disabled: cannot create %s (%s)", entries, exc)
        return None
    return entries


def _plan(ctx: _Context, job: ExtensionJob) -> _Plan:
    script = exports_file_text(ctx.target, [job.module_name])
    # The key must not contain paths (temp dirs differ per build; the cache is shared), so
    # the command is rendered with placeholders and the headers enter by content hash.
    neutral_python = replace(
        ctx.python,
        include_dirs=tuple(Path(f"<python-include-{i}>") for i in range(len(ctx.python.include_dirs))),
        after_include_dirs=tuple(
            Path(f"<python-after-{i}>") for i in range(len(ctx.python.after_include_dirs))
        ),
    )
    argv = compile_argv(
        ctx.zig,
        ctx.target,
        neutral_python,
        source=Path("<source>"),
        output=Path("<output>"),
        include_dirs=[Path(f"<include-{i}>") for i in range(len(ctx.include_dirs))],
        opt_level=ctx.opt_level,
        version_script=Path("<version-script>"),
    )
    if ctx.target.is_windows:
        # Two steps there (object, import library, link): the link line is part of the key.
        argv += link_argv(
            ctx.zig,
            ctx.target,
            objects=[Path("<object>")],
            libraries=[Path("<import-library>")],
            output=Path("<output>"),
            opt_level=ctx.opt_level,
            version_script=Path("<version-script>"),
        )[len(ctx.zig.argv):]
    material = {
        "format": CACHE_FORMAT,
        "source": hashlib.sha256(job.cpp_source.encode()).hexdigest(),
        "flags": argv[len(ctx.zig.argv):],
        "version_script": script,
        "zig": ctx.zig.version,
        "target": zig_triple(ctx.target),
        "python": ctx.python_identity,
        "dll": ctx.python.dll_name,
        "runtime": ctx.runtime_hash,
    }
    key = hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
    return _Plan(job=job, key=key, script=script)


def _entry_path(entries: Path, key: str) -> Path:
    return entries / key[:2] / f"{key}.so"


def _build_one(ctx: _Context, plan: _Plan) -> ModuleBuild:
    started = time.monotonic()
    name = plan.job.module_name
    output = Path(plan.job.output)
    if ctx.entries is not None:
        entry = _entry_path(ctx.entries, plan.key)
        if _copy_if_present(entry, output):
            log.info("cached %s", name)
            return ModuleBuild(name, output, True, time.monotonic() - started, plan.key)

    built = _compile(ctx, plan)
    try:
        if ctx.entries is not None:
            _atomic_copy(built, _entry_path(ctx.entries, plan.key))
        _atomic_copy(built, output)
    finally:
        shutil.rmtree(built.parent, ignore_errors=True)
    seconds = time.monotonic() - started
    log.info("compiled %s (%.1f s)", name, seconds)
    return ModuleBuild(name, output, False, seconds, plan.key)


def _compile(ctx: _Context, plan: _Plan) -> Path:
    """Compile in a private temp dir; return the built file (caller removes its dir).

    On failure the dir is kept, so the paths in zig's messages stay valid for the user.
    """
    name = plan.job.module_name
    work = Path(tempfile.mkdtemp(prefix=f"ziggurat-{name}-"))
    source = work / f"{name}.cpp"
    source.write_text(plan.job.cpp_source, encoding="utf-8")
    script = work / exports_file_name(ctx.target)
    script.write_text(plan.script, encoding="utf-8")
    leaf = name.rsplit(".", 1)[-1]
    built = work / f"{leaf}{'.pyd' if ctx.target.is_windows else '.so'}"

    def compile_to(output: Path, compile_only: bool) -> list[str]:
        return compile_argv(
            ctx.zig, ctx.target, ctx.python, source=source, output=output, include_dirs=ctx.include_dirs,
            opt_level=ctx.opt_level, version_script=script, compile_only=compile_only,
        )

    try:
        if ctx.target.is_windows:
            obj = work / f"{leaf}.obj"
            _step(ctx, name, source, work, compile_to(obj, compile_only=True))
            library = import_library(ctx.zig, [obj], dll_name=ctx.python.dll_name, target=ctx.target, directory=work)
            _step(ctx, name, source, work, link_argv(
                ctx.zig, ctx.target, objects=[obj], libraries=[library], output=built,
                opt_level=ctx.opt_level, version_script=script,
            ))
        else:
            _step(ctx, name, source, work, compile_to(built, compile_only=False))
    except ModuleCompileError:
        raise
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if not built.is_file() or built.stat().st_size == 0:
        raise ToolchainError(f"zig c++ reported success for {name} but wrote no output at {built}")
    if ctx.target.libc == "musl":
        retarget_needed(built, "libc.so", musl_libc_soname(ctx.target))
    return built


def _step(ctx: _Context, name: str, source: Path, work: Path, argv: list[str]) -> None:
    """Run one zig command for module `name`; a failure keeps `work` and names the source."""
    try:
        proc = run(argv, cwd=work)
    except ToolchainError as exc:
        # Re-runnable by hand from any directory: every path in argv is absolute.
        with open(work / "command.txt", "a", encoding="utf-8") as f:
            f.write(shlex.join(argv) + "\n")
        raise ModuleCompileError(
            f"compiling module {name} for {zig_triple(ctx.target)} failed; "
            f"its C++ source is kept at {source}",
            module_name=name,
            kept_source=source,
            command=exc.command or argv,
            returncode=exc.returncode,
            stderr=exc.stderr,
        ) from exc
    if proc.stderr.strip():
        log.warning("zig c++ warnings for %s:\n%s", name, proc.stderr.rstrip())


def _copy_if_present(entry: Path, output: Path) -> bool:
    """Copy a cache entry to output; False on a miss (including one deleted meanwhile)."""
    try:
        if entry.stat().st_size == 0:
            return False
        _atomic_copy(entry, output)
    except FileNotFoundError:
        return False
    return True


def _atomic_copy(src: Path, dest: Path) -> None:
    """Write dest as a copy of src, atomically: readers see the old file or the new one.

    The temp file sits in dest's own directory, so os.replace never crosses filesystems.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{dest.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        shutil.copyfile(src, tmp)
        os.chmod(tmp, 0o755)
        os.replace(tmp, dest)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
