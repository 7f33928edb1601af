"""The native wheel build: setuptools' pure wheel in, compiled platform wheels out.

Two stages, so several wheels (targets x Python versions) share one translation:

  `prepare_project` (once per project)
    1. setuptools builds the ordinary pure wheel into a private temporary directory;
    2. `select_modules` picks the project's modules to compile (config include/exclude);
    3. each is decoded as Python would and translated to C++ (`translate_modules`); the
       C++ is the same for every target and Python version (version checks are #ifs);
  `build_wheels` (per wheel: a Target and a PythonABI)
    4. every wheel's modules are compiled in one parallel, cached `build_extension_sets` call;
    5. `assemble_members` swaps each compiled `.py` for its extension module and rewrites WHEEL;
    6. each wheel is written reproducibly and atomically into the output directory;
    7. a summary goes to the log and to stderr.

`build_native_wheel` is the PEP 517 path (one wheel, for `wheel_target(settings)` and the
running interpreter); the `ziggurat build` command calls the two stages itself.
Everything setuptools does (metadata, package data, entry points) is kept byte for byte
apart from WHEEL and RECORD. This module must not parse Python, run compilers itself, or
know zig flags: it only hands sources to the translator and C++ to the toolchains.
"""

from __future__ import annotations

import fnmatch
import importlib
import io
import keyword
import logging
import sys
import tempfile
import time
import tokenize
from collections import Counter
import dataclasses
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from ziggurat import __version__
from ziggurat.backend.config import Settings, check_wheel_settings, read_requires_python
from ziggurat.backend.tags import abi3_minimum, native_wheel_tags
from ziggurat.backend.wheel import (
    WheelContents,
    WheelInfo,
    WheelMember,
    parse_wheel_file,
    read_wheel,
    render_wheel_file,
    wheel_filename,
    write_wheel_atomically,
    zip_date_time,
)
from ziggurat.errors import ConfigError, Diagnostic, TranslationError

if TYPE_CHECKING:
    from ziggurat.toolchains import PythonABI, Target
    from ziggurat.translator.report import ModuleReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModuleSource:
    """One module of the pure wheel chosen for compilation."""

    module_name: str  # dotted import name; a package's __init__.py is the package itself
    member_path: str  # path inside the wheel, e.g. "pkg/mod.py"; also the translator's filename
    data: bytes  # the source file's bytes as setuptools packed them


@dataclass(frozen=True)
class TranslatedModule:
    """A module after translation: its C++ serves every target and Python version."""

    source: ModuleSource
    cpp: str
    report: ModuleReport

    def compiled(self, ext_suffix: str) -> CompiledModule:
        """Where its extension module goes in a wheel whose interpreter uses `ext_suffix`."""
        stem = self.source.member_path[: -len(".py")]
        return CompiledModule(self.source, stem + ext_suffix, self.report)


@dataclass(frozen=True)
class CompiledModule:
    """A module after translation, and where its extension module goes in the wheel."""

    source: ModuleSource
    extension_path: str  # e.g. "pkg/mod.cpython-311-x86_64-linux-gnu.so"
    report: ModuleReport


@dataclass(frozen=True)
class BuildSummary:
    """What one build did, for the log."""

    modules: tuple[CompiledModule, ...]
    built: int  # extension modules compiled now
    cached: int  # extension modules taken from the compile cache
    seconds: float

    def lines(self, per_module: bool = True) -> list[str]:
        """The log lines; `per_module=False` leaves out the per-module report (a build of
        several wheels from one translation prints that once)."""
        out: list[str] = []
        for module in self.modules if per_module else ():
            out.extend(module.report.summary().splitlines())
        total = sum(len(m.report.functions) for m in self.modules)
        native = sum(m.report.native_count for m in self.modules)
        reasons = Counter(f.reason for m in self.modules for f in m.report.fallbacks)
        whole = sum(1 for m in self.modules if m.report.module_fallback_reason)
        out.append(
            f"compiled {len(self.modules)} modules ({self.built} built, {self.cached} from cache): "
            f"{native}/{total} functions native, "
            f"{sum(reasons.values())} interpreted fallbacks, {whole} modules wholly interpreted, "
            f"{self.seconds:.1f} s"
        )
        for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0])):
            out.append(f"    fallback x{count}: {reason}")
        return out


def _is_package_tree(path: str) -> bool:
    top = path.split("/", 1)[0]
    return not (top.endswith(".data") and "/" in path) and not top.endswith(".dist-info")


def _module_names(member_path: str) -> tuple[str, ...] | None:
    """(import name, file name) for a .py member, or None if it cannot be imported as a module."""
    parts = member_path[: -len(".py")].split("/")
    if not all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
        return None
    dotted = ".".join(parts)
    if parts[-1] == "__init__":
        if len(parts) == 1:
            return None  # a top-level __init__.py belongs to no package
        return (".".join(parts[:-1]), dotted)
    return (dotted, dotted)


def _matches(names: Iterable[str], globs: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, glob) for name in names for glob in globs)


def select_modules(contents: WheelContents, settings: Settings) -> tuple[ModuleSource, ...]:
    """The .py members to compile, in wheel order.

    Globs match the dotted import name (`pkg.sub`) and, for a package, also its file's dotted
    name (`pkg.sub.__init__`), so `exclude = ["*.__init__"]` keeps every __init__.py as source.
    """
    chosen: list[ModuleSource] = []
    for member in sorted(contents.members, key=lambda m: m.path):
        if not member.path.endswith(".py") or not _is_package_tree(member.path):
            continue
        names = _module_names(member.path)
        if names is None:
            log.info("not compiling %s: its path is not an importable module name", member.path)
            continue
        if names[0].rsplit(".", 1)[-1] == "__main__":
            # runpy needs a code object from the loader; an extension module has none.
            log.info("not compiling %s: `python -m` cannot run an extension module", member.path)
            continue
        if not _matches(names, settings.include) or _matches(names, settings.exclude):
            log.info("not compiling %s: excluded by include/exclude settings", member.path)
            continue
        chosen.append(ModuleSource(names[0], member.path, member.data))
    return tuple(chosen)


def decode_source(data: bytes, path: str) -> str:
    """Decode module source the way the interpreter does: BOM, then PEP 263 cookie, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        reason = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        raise TranslationError([Diagnostic(path, 1, 1, f"cannot decode source: {reason}")]) from None


def project_source_path(member_path: str, root: Path | None = None) -> str:
    """The project-relative path of the source a wheel member came from, if it can be found
    (a src/ layout or a package_dir moves it); else the member path itself."""
    root = root or Path.cwd()
    if (root / member_path).is_file():
        return member_path
    name = PurePosixPath(member_path)
    for candidate in sorted(root.rglob(name.name)):
        rel = candidate.relative_to(root)
        if rel.parts[-len(name.parts):] == name.parts and not {"build", "dist", ".git"} & set(rel.parts):
            return rel.as_posix()
    return member_path


def translate_modules(modules: Iterable[ModuleSource], settings: Settings) -> tuple[TranslatedModule, ...]:
    """Translate every module (once: the C++ does not depend on the target)."""
    from ziggurat.translator import translate_module

    results: list[TranslatedModule] = []
    for module in modules:
        source = decode_source(module.data, module.member_path)
        log.debug("translating %s (%s)", module.module_name, module.member_path)
        try:
            result = translate_module(
                source, filename=module.member_path, module_name=module.module_name, fallback=settings.fallback
            )
        except TranslationError as exc:
            # name the file the user edits (src/pkg/mod.py), not its place in the wheel
            where = project_source_path(module.member_path)
            raise TranslationError([dataclasses.replace(d, path=where) for d in exc.diagnostics]) from None
        results.append(TranslatedModule(module, result.cpp, result.report))
    return tuple(results)


def assemble_members(
    contents: WheelContents,
    compiled: Iterable[CompiledModule],
    extensions: Mapping[str, bytes],
    info: WheelInfo,
    settings: Settings,
) -> tuple[WheelMember, ...]:
    """The native wheel's members: compiled .py swapped for extension modules, WHEEL rewritten."""
    replaced = {m.source.member_path for m in compiled} if not settings.keep_sources else set()
    wheel_file = f"{contents.dist_info}/WHEEL"
    members = [m for m in contents.members if m.path not in replaced and m.path != wheel_file]
    # Shared objects are mapped executable, and every other build tool installs them 0o755.
    members.extend(WheelMember(path, data, executable=True) for path, data in extensions.items())
    members.append(WheelMember(wheel_file, render_wheel_file(info)))
    return tuple(members)


def _check_pure(contents: WheelContents) -> None:
    info = contents.info
    impure = [str(t) for t in info.tags if t.abi != "none" or t.platform != "any"]
    if not info.root_is_purelib or impure:
        raise ConfigError(
            f"setuptools built a platform wheel ({contents.filename}): the project has its own "
            "C extensions (ext_modules). Mixing setuptools extensions with ziggurat's compiled "
            "modules is not supported yet; build it with setuptools.build_meta instead"
        )


@dataclass(frozen=True)
class PreparedProject:
    """Stages 1-3, shared by every wheel built from them."""

    contents: WheelContents  # setuptools' pure wheel
    translated: tuple[TranslatedModule, ...]
    seconds: float


@dataclass(frozen=True)
class WheelRequest:
    """One wheel to build: for this target, against this Python's headers."""

    target: Target
    python: PythonABI


@dataclass(frozen=True)
class BuiltWheel:
    """One wheel written by build_wheels."""

    request: WheelRequest
    filename: str
    path: Path
    summary: BuildSummary


def wheel_target(settings: Settings) -> Target:
    """The one target a PEP 517 build produces.

    `target` (e.g. `-C target=linux-aarch64`) if set; else, when `targets` lists several,
    the host if it is among them, otherwise the first listed; else the host. (The
    `ziggurat build` command builds every listed target.)
    """
    from ziggurat.toolchains import host_target, parse_target, parse_targets

    if settings.target:
        return parse_target(settings.target)
    if settings.targets:
        listed = parse_targets(settings.targets)
        host = host_target()
        return host if host in listed else listed[0]
    return host_target()


def prepare_project(
    settings: Settings,
    work: Path,
    *,
    setuptools_settings: dict[str, str | list[str] | None] | None = None,
    metadata_directory: str | None = None,
) -> PreparedProject:
    """Stages 1-3 for the project in the current directory; `work` is a private temp dir."""
    started = time.monotonic()
    # 1. setuptools' own wheel: metadata, package data, entry points, all as usual.
    pure_name = setuptools_backend().build_wheel(str(work / "pure"), setuptools_settings, metadata_directory)
    contents = read_wheel(work / "pure" / pure_name)
    _check_pure(contents)
    # 2-3. choose and translate.
    modules = select_modules(contents, settings)
    return PreparedProject(contents, translate_modules(modules, settings), time.monotonic() - started)


def build_wheels(
    prepared: PreparedProject,
    requests: Iterable[WheelRequest],
    settings: Settings,
    wheel_directory: Path,
    *,
    work: Path,
    date_time: tuple[int, int, int, int, int, int],
) -> tuple[BuiltWheel, ...]:
    """Stages 4-7: compile every request's modules in one worker pool, then write each
    wheel. Nothing is written unless every module of every wheel compiled."""
    from ziggurat.toolchains import ExtensionJob, ExtensionSet, build_extension_sets, target_python_abi

    started = time.monotonic()
    cache_dir = Path(settings.cache_dir).resolve() if settings.cache_dir else None
    plans: list[tuple[WheelRequest, PythonABI, tuple[CompiledModule, ...], tuple[Any, ...]]] = []
    for index, request in enumerate(requests):
        # The target's suffix, headers (a Windows pyconfig.h) and DLL, from the interpreter's.
        abi = target_python_abi(request.python, request.target, cache_dir)
        compiled = tuple(t.compiled(abi.ext_suffix) for t in prepared.translated)
        jobs = tuple(
            ExtensionJob(module_name=c.source.module_name, cpp_source=t.cpp, output=work / f"ext{index}" / c.extension_path)
            for c, t in zip(compiled, prepared.translated)
        )
        plans.append((request, abi, compiled, jobs))
    # 4. one call for everything, so the toolchain runs every target's jobs in one pool.
    results: tuple[Any, ...] = ()
    if any(jobs for *_, jobs in plans):  # nothing selected: no need for zig at all
        results = build_extension_sets(
            [ExtensionSet(request.target, abi, jobs) for request, abi, _, jobs in plans],
            opt_level=settings.opt_level,
            cache_dir=cache_dir,
            parallel=settings.jobs,
        )
    contents = prepared.contents
    built_wheels: list[BuiltWheel] = []
    for index, (request, abi, compiled, jobs) in enumerate(plans):
        extensions = {c.extension_path: job.output.read_bytes() for c, job in zip(compiled, jobs)}
        # 5-6. the new wheel, written in one piece.
        tags = native_wheel_tags(abi, request.target)
        info = WheelInfo(
            root_is_purelib=False, tags=tags, build=contents.info.build, generator=f"ziggurat {__version__}"
        )
        members = assemble_members(contents, compiled, extensions, info, settings)
        filename = wheel_filename(contents.name, contents.version, tags, build=info.build)
        path = write_wheel_atomically(
            wheel_directory, filename, members, dist_info=contents.dist_info, date_time=date_time
        )
        result = results[index] if results else None
        summary = BuildSummary(
            compiled,
            result.compiled if result else 0,
            result.cached if result else 0,
            prepared.seconds + time.monotonic() - started,
        )
        built_wheels.append(BuiltWheel(request, filename, path, summary))
    return tuple(built_wheels)


def build_native_wheel(
    wheel_directory: Path,
    settings: Settings,
    *,
    setuptools_settings: dict[str, str | list[str] | None] | None,
    metadata_directory: str | None,
    environ: Mapping[str, str],
) -> str:
    """Build the project in the current directory into one native wheel (PEP 517): for
    `wheel_target(settings)`, against the running interpreter. Returns its basename."""
    
    check_wheel_settings(settings)
    date_time = zip_date_time(environ)  # fail on a bad SOURCE_DATE_EPOCH before any work
    request = WheelRequest(wheel_target(settings), wheel_python_abi(settings))
    with tempfile.TemporaryDirectory(prefix="ziggurat-build-") as tmp:
        work = Path(tmp)
        prepared = prepare_project(
            settings, work, setuptools_settings=setuptools_settings, metadata_directory=metadata_directory
        )
        (wheel,) = build_wheels(prepared, [request], settings, wheel_directory, work=work, date_time=date_time)
    # 7. report.
    report_wheels([wheel])
    return wheel.filename


def report_wheels(wheels: Sequence[BuiltWheel]) -> None:
    """Stage 7: the per-module report once, then one summary per wheel (log and stderr)."""
    for index, wheel in enumerate(wheels):
        for line in wheel.summary.lines(per_module=index == 0):
            log.info("%s", line)
            _say(line)
        _say(f"built {wheel.filename}")


def wheel_python_abi(settings: Settings, project_dir: Path | None = None) -> PythonABI:
    """The ABI a PEP 517 build's modules are built for: this interpreter's, or with `abi3`
    its abi3 variant (see abi3_for)."""
    from ziggurat.toolchains import host_python_abi

    return abi3_for(settings, host_python_abi(), project_dir) if settings.abi3 else host_python_abi()


def abi3_for(settings: Settings, python: PythonABI, project_dir: Path | None = None) -> PythonABI:
    """`python`'s headers used for the limited API of the oldest CPython that
    requires-python allows (ABI3_FLOOR at least)."""
    from ziggurat.toolchains import ABI3_FLOOR, abi3_python_abi

    requires = read_requires_python(project_dir or Path.cwd())
    minimum = abi3_minimum(requires, ABI3_FLOOR)
    if requires and minimum == ABI3_FLOOR and abi3_minimum(requires, (3, 0)) < ABI3_FLOOR:
        _say(f"note: abi3 wheels need CPython >= {ABI3_FLOOR[0]}.{ABI3_FLOOR[1]}; requires-python is "
             f"{requires!r}, so older interpreters will use the sdist")
    return abi3_python_abi(python, minimum)


def setuptools_backend() -> Any:
    """setuptools.build_meta, imported late (hooks stay cheap) and untyped (it ships no stubs)."""
    return importlib.import_module("setuptools.build_meta")


def _say(line: str) -> None:
    # pip -v and python -m build show the backend's stderr; logging may not be configured.
    sys.stderr.write(f"ziggurat: {line}\n")
    sys.stderr.flush()


def prepare_native_metadata(metadata_directory: str, dist_info: str, settings: Settings | None = None) -> None:
    """Make a prepared .dist-info's WHEEL match what build_native_wheel will write."""

    wheel_file = Path(metadata_directory, dist_info, "WHEEL")
    if not wheel_file.is_file():
        return
    info = WheelInfo(
        root_is_purelib=False,
        tags=native_wheel_tags(wheel_python_abi(settings or Settings()), wheel_target(settings or Settings())),
        build=parse_wheel_file(wheel_file.read_bytes()).build,
        generator=f"ziggurat {__version__}",
    )
    wheel_file.write_bytes(render_wheel_file(info))
