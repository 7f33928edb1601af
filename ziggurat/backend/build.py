"""The native wheel build: setuptools' pure wheel in, a compiled platform wheel out.

`build_native_wheel` is the whole stage, as a short list of steps:

  1. setuptools builds the ordinary pure wheel into a private temporary directory;
  2. `select_modules` picks the project's modules to compile (config include/exclude);
  3. each is decoded as Python would and translated to C++ (`translate_module`);
  4. all are compiled in one parallel, cached `build_extensions` call;
  5. `assemble_members` swaps each compiled `.py` for its extension module and rewrites WHEEL;
  6. the wheel is written reproducibly and atomically into the output directory;
  7. a summary goes to the log and to stderr.

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
from typing import TYPE_CHECKING, Any, Iterable, Mapping

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
    from ziggurat.toolchains import PythonABI
    from ziggurat.translator.report import ModuleReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModuleSource:
    """One module of the pure wheel chosen for compilation."""

    module_name: str  # dotted import name; a package's __init__.py is the package itself
    member_path: str  # path inside the wheel, e.g. "pkg/mod.py"; also the translator's filename
    data: bytes  # the source file's bytes as setuptools packed them


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

    def lines(self) -> list[str]:
        out: list[str] = []
        for module in self.modules:
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


def translate_modules(
    modules: Iterable[ModuleSource], settings: Settings, ext_suffix: str
) -> tuple[tuple[CompiledModule, str], ...]:
    """Translate every module; returns (module, C++ text) pairs."""
    from ziggurat.translator import translate_module

    results: list[tuple[CompiledModule, str]] = []
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
        stem = module.member_path[: -len(".py")]
        results.append((CompiledModule(module, stem + ext_suffix, result.report), result.cpp))
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


def build_native_wheel(
    wheel_directory: Path,
    settings: Settings,
    *,
    setuptools_settings: dict[str, str | list[str] | None] | None,
    metadata_directory: str | None,
    environ: Mapping[str, str],
) -> str:
    """Build the project in the current directory into a native wheel; returns its basename."""
    from ziggurat.toolchains import ExtensionJob, build_extensions, host_target

    check_wheel_settings(settings)
    if settings.targets:
        _say(f"note: targets {list(settings.targets)} are not built by the build backend yet; building for this host")
    started = time.monotonic()
    date_time = zip_date_time(environ)  # fail on a bad SOURCE_DATE_EPOCH before any work
    target, abi = host_target(), wheel_python_abi(settings)
    tags = native_wheel_tags(abi, target)

    with tempfile.TemporaryDirectory(prefix="ziggurat-build-") as tmp:
        work = Path(tmp)
        # 1. setuptools' own wheel: metadata, package data, entry points, all as usual.
        pure_name = setuptools_backend().build_wheel(str(work / "pure"), setuptools_settings, metadata_directory)
        contents = read_wheel(work / "pure" / pure_name)
        _check_pure(contents)
        # 2-3. choose and translate.
        modules = select_modules(contents, settings)
        translated = translate_modules(modules, settings, abi.ext_suffix)
        # 4. compile everything in one call so the toolchain can run jobs in parallel.
        jobs = [
            ExtensionJob(module_name=m.source.module_name, cpp_source=cpp, output=work / "ext" / m.extension_path)
            for m, cpp in translated
        ]
        built = cached = 0
        if jobs:  # nothing selected: no need for zig at all
            result = build_extensions(
                jobs,
                target=target,
                python=abi,
                opt_level=settings.opt_level,
                cache_dir=Path(settings.cache_dir).resolve() if settings.cache_dir else None,
                parallel=settings.jobs,
            )
            built, cached = result.compiled, result.cached
        extensions = {m.extension_path: job.output.read_bytes() for (m, _), job in zip(translated, jobs)}

    # 5-6. the new wheel, written in one piece.
    compiled = tuple(m for m, _ in translated)
    info = WheelInfo(
        root_is_purelib=False, tags=tags, build=contents.info.build, generator=f"ziggurat {__version__}"
    )
    members = assemble_members(contents, compiled, extensions, info, settings)
    filename = wheel_filename(contents.name, contents.version, tags, build=info.build)
    write_wheel_atomically(wheel_directory, filename, members, dist_info=contents.dist_info, date_time=date_time)

    # 7. report.
    summary = BuildSummary(compiled, built, cached, time.monotonic() - started)
    for line in summary.lines():
        log.info("%s", line)
        _say(line)
    _say(f"built {filename}")
    return filename


def wheel_python_abi(settings: Settings, project_dir: Path | None = None) -> PythonABI:
    """The ABI the wheel's modules are built for: this interpreter's, or with `abi3` the
    limited API of the oldest CPython that requires-python allows (ABI3_FLOOR at least)."""
    from ziggurat.toolchains import ABI3_FLOOR, abi3_python_abi, host_python_abi

    abi = host_python_abi()
    if not settings.abi3:
        return abi
    requires = read_requires_python(project_dir or Path.cwd())
    minimum = abi3_minimum(requires, ABI3_FLOOR)
    if requires and minimum == ABI3_FLOOR and abi3_minimum(requires, (3, 0)) < ABI3_FLOOR:
        _say(f"note: abi3 wheels need CPython >= {ABI3_FLOOR[0]}.{ABI3_FLOOR[1]}; requires-python is "
             f"{requires!r}, so older interpreters will use the sdist")
    return abi3_python_abi(abi, minimum)


def setuptools_backend() -> Any:
    """setuptools.build_meta, imported late (hooks stay cheap) and untyped (it ships no stubs)."""
    return importlib.import_module("setuptools.build_meta")


def _say(line: str) -> None:
    # pip -v and python -m build show the backend's stderr; logging may not be configured.
    sys.stderr.write(f"ziggurat: {line}\n")
    sys.stderr.flush()


def prepare_native_metadata(metadata_directory: str, dist_info: str, settings: Settings) -> None:
    """Make a prepared .dist-info's WHEEL match what build_native_wheel will write."""
    from ziggurat.toolchains import host_target

    wheel_file = Path(metadata_directory, dist_info, "WHEEL")
    if not wheel_file.is_file():
        return
    info = WheelInfo(
        root_is_purelib=False,
        tags=native_wheel_tags(wheel_python_abi(settings), host_target()),
        build=parse_wheel_file(wheel_file.read_bytes()).build,
        generator=f"ziggurat {__version__}",
    )
    wheel_file.write_bytes(render_wheel_file(info))
