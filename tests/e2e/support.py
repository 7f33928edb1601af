"""Helpers of the end-to-end tests: the sample projects as data, and the commands a user runs.

Every build here goes through a real frontend (`python -m build`, `pip install -e`) with
build isolation, exactly as a user's would; the only help the frontend gets is
PIP_FIND_LINKS pointing at a wheelhouse holding ziggurat's own wheel, since ziggurat is
not on the package index. Figures (build times, wheel sizes, native-function counts) are
collected in FIGURES and printed at the end of the session by conftest.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_projects"
EXT_SUFFIX: str = sysconfig.get_config_var("EXT_SUFFIX")
PY_TAG = f"cp{sys.version_info[0]}{sys.version_info[1]}"
PLATFORM_TAGS = "manylinux_2_17_x86_64.manylinux2014_x86_64"
SOURCE_DATE_EPOCH = "1700000000"

# What the build log says once per build, e.g.
# "ziggurat: compiled 12 modules (12 built, 0 from cache): 53/73 functions native, ..., 2.9 s"
SUMMARY = re.compile(
    r"ziggurat: compiled (?P<modules>\d+) modules \((?P<built>\d+) built, (?P<cached>\d+) from cache\): "
    r"(?P<native>\d+)/(?P<functions>\d+) functions native, .*?(?P<seconds>[\d.]+) s$",
    re.M,
)


@dataclass(frozen=True)
class SampleProject:
    """One project under sample_projects/ and what a correct build of it holds."""

    dirname: str
    dist: str  # the distribution name as it appears in file names
    version: str
    source_root: str  # where the import roots live: "." or "src"
    roots: tuple[str, ...]  # top-level packages (directories) and modules (.py files)
    script: str  # the console script from [project.scripts]
    entry: str  # its "module:function"
    runs: tuple[tuple[str, ...], ...]  # argument lists the script is run with
    kept_sources: tuple[str, ...] = ()  # .py files the config keeps out of compilation
    data_files: tuple[str, ...] = ()  # package data the wheel must hold
    requires_python: tuple[int, int] = (3, 10)

    @property
    def path(self) -> Path:
        return SAMPLES / self.dirname

    def source_files(self, tree: Path | None = None) -> list[str]:
        """Every module of the project, as paths relative to the source root (wheel paths)."""
        base = (tree or self.path) / self.source_root
        found: list[str] = []
        for root in self.roots:
            if root.endswith(".py"):
                found.append(root)
            else:
                found.extend(p.relative_to(base).as_posix() for p in (base / root).rglob("*.py"))
        return sorted(found)

    def wheel_name(self) -> str:
        return f"{self.dist}-{self.version}-{PY_TAG}-{PY_TAG}-{PLATFORM_TAGS}.whl"


PROJECTS: dict[str, SampleProject] = {
    p.dirname: p
    for p in (
        SampleProject(
            dirname="src_layout_app",
            dist="stockroom",
            version="0.3.0",
            source_root="src",
            roots=("stockroom",),
            script="stockroom",
            entry="stockroom.cli:main",
            runs=((), ("-v",)),
            data_files=("stockroom/catalog.json", "stockroom/banner.txt"),
        ),
        SampleProject(
            dirname="single_module",
            dist="unitconv",
            version="1.0.0",
            source_root=".",
            roots=("unitconv.py",),
            script="unitconv",
            entry="unitconv:main",
            # The last run ends in an uncaught, chained exception raised in compiled code.
            runs=((), ("3.5 km", "72 degF", "-2 oz"), ("1 km", "7 parsec")),
        ),
        SampleProject(
            dirname="fallbacks_demo",
            dist="fallbacks_demo",
            version="0.2.0",
            source_root=".",
            roots=("fallbacks_demo",),
            script="fallbacks-demo",
            entry="fallbacks_demo.cli:main",
            runs=((),),
            kept_sources=("fallbacks_demo/legacy.py",),
            requires_python=(3, 11),
        ),
    )
}


@dataclass
class Figures:
    """Measurements printed at the end of the session (and kept for the closing note)."""

    builds: list[dict[str, Any]] = field(default_factory=list)
    sizes: list[dict[str, Any]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for b in self.builds:
            out.append(
                f"build {b['project']:<15} {b['kind']:<34} {b['wall']:6.1f} s wall"
                + (f", backend build_wheel {b['compile']:.1f} s ({b['built']} built, {b['cached']} cached)"
                   if b.get("compile") is not None else "")
                + (f", {b['native']}/{b['functions']} functions native" if b.get("functions") else "")
            )
        for s in self.sizes:
            out.append(
                f"wheel {s['name']}: {s['bytes'] / 1024:.1f} KiB "
                f"({s['extensions']} extension modules, {s['ext_bytes'] / 1024:.1f} KiB uncompressed; "
                f"largest {s['largest'] / 1024:.1f} KiB)"
            )
        return out


FIGURES = Figures()


@dataclass(frozen=True)
class Completed:
    """A finished command: exit status, combined output, wall time."""

    args: tuple[str, ...]
    returncode: int
    output: str
    seconds: float

    def check(self) -> "Completed":
        assert self.returncode == 0, f"command failed ({self.returncode}): {' '.join(self.args)}\n{self.output}"
        return self


def run(args: list[str | Path], *, env: dict[str, str], cwd: Path, timeout: float = 900) -> Completed:
    """Run a command with stdout and stderr merged (their order is what a user reads)."""
    argv = tuple(str(a) for a in args)
    started = time.monotonic()
    proc = subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
        check=False,
    )
    return Completed(argv, proc.returncode, proc.stdout, time.monotonic() - started)


def run_split(args: list[str | Path], *, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run a program and keep stdout and stderr apart (for comparing program output)."""
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    return proc.returncode, proc.stdout, proc.stderr


def copy_project(project: SampleProject, where: Path) -> Path:
    """A private copy of a sample project: builds write build/ and *.egg-info into the tree."""
    ignore = shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__", "*.so", "*.pyc")
    shutil.copytree(project.path, where, ignore=ignore)
    return where


def python_build(
    project_dir: Path, outdir: Path, env: dict[str, str], *options: str
) -> Completed:
    """`python -m build` with build isolation (the default), as a user runs it."""
    return run([sys.executable, "-m", "build", *options, "--outdir", outdir, project_dir], env=env, cwd=project_dir)


def parse_summary(output: str) -> dict[str, float] | None:
    match = SUMMARY.search(output)
    if match is None:
        return None
    return {k: float(v) if k == "seconds" else int(v) for k, v in match.groupdict().items()}


def wheel_members(wheel: Path) -> dict[str, int]:
    """Member name -> uncompressed size."""
    with zipfile.ZipFile(wheel) as zf:
        return {info.filename: info.file_size for info in zf.infolist()}


def venv(where: Path, env: dict[str, str], python: str | Path = sys.executable) -> Path:
    """A fresh virtual environment (of the running interpreter by default); returns its bin directory."""
    run([python, "-m", "venv", where], env=env, cwd=where.parent).check()
    return where / "bin"


def entry_code(entry: str) -> str:
    """`python -c` code running a console-script entry point the way its launcher does."""
    module, _, function = entry.partition(":")
    return f"import sys; from {module} import {function} as f; sys.exit(f())"


_FRAME = re.compile(r'^(\s*)File "(?P<path>[^"]+)", line (?P<line>\d+), in (?P<func>.+)$')


def normalise_stderr(stderr: str, roots: list[Path]) -> list[str]:
    """A traceback reduced to what compiled and interpreted code must agree on.

    Keeps each frame's file (relative to where the package was imported from), line and
    function, the exception lines and the chaining messages; drops the source lines and
    carets (only the interpreter shows those) and the launcher's own frame (`<string>` for
    `python -c`, bin/<script> for the console script).
    """
    kept: list[str] = []
    for line in stderr.splitlines():
        frame = _FRAME.match(line)
        if frame:
            path = frame["path"]
            for root in roots:
                prefix = str(root).rstrip("/") + "/"
                if path.startswith(prefix):
                    path = path[len(prefix):]
                    break
            else:
                if frame["func"] == "<module>":
                    continue  # the launcher
            kept.append(f'File "{path}", line {frame["line"]}, in {frame["func"]}')
        elif line and not line.startswith(" "):
            kept.append(line)
    return kept


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a user's command: no ziggurat settings or PYTHONPATH of ours."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith("ZIGGURAT_") and not k.startswith("ZIGGURAT_TEST_"))
        and k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTEST_CURRENT_TEST"}
    }
    env.update(extra)
    return env
