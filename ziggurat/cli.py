"""The `ziggurat` command: what a build backend alone cannot do well.

  ziggurat compile PATH... [--inplace | -o DIR]   .py files (or directories) -> extension
                                                  modules for an interpreter, like cythonize -i
  ziggurat translate FILE.py                      print the generated C++
  ziggurat build [PROJECT] [--target T]... [--python-version 3.X]... [-o DIR]
                                                  wheels for several targets / Pythons at once
  ziggurat targets                                the targets ziggurat knows
  ziggurat doctor                                 check the toolchain

It parses arguments and calls the translator and toolchains; it holds no compiler logic.
User errors (ZigguratError) print one `ziggurat: error:` message and exit 1.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import os
import sys
import tempfile
import tokenize
from pathlib import Path
from typing import Iterator, Sequence

from . import __version__
from .errors import ZigguratError


def module_name_for(path: Path) -> str:
    """Dotted name of a .py file: its stem, prefixed by every enclosing package directory."""
    path = path.resolve()
    parts = [] if path.stem == "__init__" else [path.stem]
    parent = path.parent
    while (parent / "__init__.py").exists():
        parts.insert(0, parent.name)
        parent = parent.parent
    return ".".join(parts)


def _collect(paths: Sequence[str]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files.extend(sorted(f for f in path.rglob("*.py") if "__pycache__" not in f.parts))
        elif path.suffix == ".py" and path.is_file():
            files.append(path)
        else:
            raise ZigguratError(f"{p}: not a .py file or a directory")
    return files


def _read_source(path: Path) -> str:
    with tokenize.open(path) as f:  # honours a PEP 263 coding cookie
        return f.read()


def cmd_translate(args: argparse.Namespace) -> int:
    from .translator import translate_module

    path = Path(args.file)
    result = translate_module(
        _read_source(path), filename=path.name, module_name=args.module or module_name_for(path),
        fallback=args.fallback,
    )
    sys.stdout.write(result.cpp)
    print(result.report.summary(), file=sys.stderr)
    return 0


def cmd_compile(args: argparse.Namespace) -> int:
    from .toolchains import ExtensionJob, abi3_python_abi, build_extensions, host_python_abi, python_abi_for
    from .translator import translate_module

    abi = python_abi_for(args.python) if args.python else host_python_abi()
    if args.abi3:
        abi = abi3_python_abi(abi, args.abi3)
    files = _collect(args.paths)
    if not files:
        raise ZigguratError("nothing to compile")
    out_dir = Path(args.output) if args.output else None
    jobs = []
    for f in files:
        name = module_name_for(f)
        result = translate_module(_read_source(f), filename=f.name, module_name=name, fallback=args.fallback)
        print(result.report.summary(), file=sys.stderr)
        if out_dir is not None:
            target = out_dir.joinpath(*name.split(".")[:-1]) if f.stem != "__init__" else out_dir.joinpath(*name.split("."))
            leaf = "__init__" if f.stem == "__init__" else name.rsplit(".", 1)[-1]
            output = target / f"{leaf}{abi.ext_suffix}"
        else:
            output = f.with_name(f"{f.stem}{abi.ext_suffix}")
        jobs.append(ExtensionJob(name, result.cpp, output))
    built = build_extensions(jobs, python=abi, opt_level=args.opt_level, parallel=args.jobs)
    for job in jobs:
        print(job.output)
    print(built.summary(), file=sys.stderr)
    return 0


@contextlib.contextmanager
def _inside(directory: Path) -> Iterator[None]:
    """Run setuptools as a PEP 517 frontend would: in the project's directory."""
    previous = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous)


def cmd_build(args: argparse.Namespace) -> int:
    from .backend.build import WheelRequest, abi3_for, build_wheels, prepare_project, report_wheels
    from .backend.config import check_wheel_settings, load_settings
    from .backend.wheel import zip_date_time
    from .toolchains import (
        host_python_abi, host_target, parse_python_version, parse_targets, python_abi_for_version,
        python_abi_from_headers,
    )

    project = Path(args.project).resolve()
    if not (project / "pyproject.toml").is_file() and not (project / "setup.py").is_file():
        raise ZigguratError(f"{project} is not a Python project (no pyproject.toml or setup.py)")
    settings = load_settings(project, environ=os.environ)
    check_wheel_settings(settings)
    date_time = zip_date_time(os.environ)
    # Targets: the command line, else [tool.ziggurat] targets (all of them), else the host.
    names = args.target or list(settings.targets)
    targets = parse_targets(names) if names else (host_target(),)
    pythons = [python_abi_for_version(parse_python_version(v)) for v in args.python_version or ()]
    pythons += [python_abi_from_headers(Path(d)) for d in args.python_headers or ()]
    if not pythons:
        pythons = [host_python_abi()]
    if settings.abi3:  # one abi3 wheel per target, whatever the headers' version
        pythons = [abi3_for(settings, python, project) for python in pythons]
    # dict.fromkeys: a version named twice (or by version and by headers) builds one wheel.
    requests = list(dict.fromkeys(WheelRequest(target, python) for python in pythons for target in targets))
    output = Path(args.output).resolve() if args.output else project / "dist"
    if args.jobs:
        settings = dataclasses.replace(settings, jobs=args.jobs)
    with tempfile.TemporaryDirectory(prefix="ziggurat-build-") as tmp, _inside(project):
        # stdout is for the wheel paths (scripts read them); setuptools' chatter goes to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            prepared = prepare_project(settings, Path(tmp))
        wheels = build_wheels(prepared, requests, settings, output, work=Path(tmp), date_time=date_time)
    report_wheels(wheels)
    for wheel in wheels:
        print(wheel.path)
    return 0


def cmd_targets(args: argparse.Namespace) -> int:
    from .toolchains import TARGET_TABLE, host_target

    host = host_target()
    print(f"{'alias':<20} {'zig target':<24} wheel platform tags")
    for row in TARGET_TABLE:
        mark = "  (host)" if row.target == host else ""
        print(f"{row.alias:<20} {row.zig_triple:<24} {'.'.join(row.wheel_tags)}{mark}")
    print("'all' names all of them; any wheel platform tag of these targets works too")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .toolchains import find_zig, host_python_abi, host_target, zig_triple

    zig = find_zig()
    abi = host_python_abi()
    print(f"ziggurat {__version__}")
    print(f"zig {zig.version}: {' '.join(zig.argv)}")
    print(f"python {'.'.join(map(str, abi.version))} ({abi.python_tag}), headers {', '.join(map(str, abi.include_dirs))}")
    print(f"host target {zig_triple(host_target())}")
    return 0


def _version(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    if not (major.isdigit() and minor.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a version X.Y, got {text!r}")
    return int(major), int(minor)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ziggurat", description="Compile Python modules to native code with zig.")
    parser.add_argument("--version", action="version", version=f"ziggurat {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every command")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("compile", help="compile .py files into extension modules")
    p.add_argument("paths", nargs="+", help=".py files or directories")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--inplace", "-i", action="store_true", help="write each module next to its source (default)")
    where.add_argument("-o", "--output", help="write modules under DIR, laid out by package")
    p.add_argument("--python", help="the interpreter to build for (default: this one)")
    p.add_argument("-O", "--opt-level", default="2", choices=["0", "1", "2", "3", "s"])
    p.add_argument("-j", "--jobs", type=int, default=None)
    p.add_argument("--abi3", nargs="?", const=(3, 11), type=_version, metavar="X.Y",
                   help="build against the limited API of CPython X.Y (default 3.11): .abi3.so modules")
    p.add_argument("--fallback", choices=["interpret", "error"], default="interpret")
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser("translate", help="print the C++ generated for a module")
    p.add_argument("file")
    p.add_argument("--module", help="module name (default: from the enclosing packages)")
    p.add_argument("--fallback", choices=["interpret", "error"], default="interpret")
    p.set_defaults(func=cmd_translate)

    p = sub.add_parser(
        "build", help="build wheels for several targets and Python versions at once",
        description="Build the project's native wheels: translated once, compiled for every "
        "target x Python version in parallel. Prints each wheel's path.",
    )
    p.add_argument("project", nargs="?", default=".", help="the project directory (default: .)")
    p.add_argument("-t", "--target", action="append", metavar="T",
                   help="alias, wheel platform tag or 'all'; repeatable (default: [tool.ziggurat] "
                   "targets, else this machine)")
    p.add_argument("--python-version", action="append", metavar="3.X",
                   help="build for this CPython version, with the headers of a matching "
                   "interpreter on this machine (PATH or pyenv); repeatable (default: this one)")
    p.add_argument("--python-headers", action="append", metavar="DIR",
                   help="build for the CPython whose headers (Python.h) are in DIR; repeatable")
    p.add_argument("-o", "--output", metavar="DIR", help="where the wheels go (default: PROJECT/dist)")
    p.add_argument("-j", "--jobs", type=int, default=None, help="parallel compile jobs (default: CPUs)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("targets", help="list the targets")
    p.set_defaults(func=cmd_targets)
    p = sub.add_parser("doctor", help="check the toolchain")
    p.set_defaults(func=cmd_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    # setuptools (run in-process by `build`) may lower the root logger to INFO; ours stays put.
    logging.getLogger("ziggurat").setLevel(logging.INFO if args.verbose else logging.WARNING)
    try:
        return int(args.func(args))
    except ZigguratError as exc:
        print(f"ziggurat: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
