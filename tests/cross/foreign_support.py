"""Helpers of tests/cross/test_foreign_run.py: the sample project run on the host and abroad.

The reference is always CPython on this x86-64 machine running the project's plain sources
(PYTHONPATH=src); the foreign side is a wheel built by `ziggurat build --target T`, unpacked
for the foreign interpreter (tools/cross/foreign.py) and run through its console script's
entry point. Both sides start the entry point the same way (`python -c`), so argv[0] and
everything derived from it agree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.cross.foreign import ForeignPython  # noqa: E402

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - ziggurat depends on tomli there
    import tomli as tomllib

SAMPLE = ROOT / "sample_projects" / "src_layout_app"
SAMPLE_PACKAGE = "stockroom"
# The argument lists the console script is run with (the same as tests/e2e's).
SAMPLE_RUNS: tuple[tuple[str, ...], ...] = ((), ("-v",))


@dataclass(frozen=True)
class Outcome:
    """What a program run leaves behind that compiled and interpreted code must agree on."""

    returncode: int
    stdout: str
    stderr: str


def entry_code(entry: str) -> str:
    """`python -c` code that runs a console-script entry point the way its launcher does."""
    module, _, function = entry.partition(":")
    return f"import sys; from {module} import {function} as f; sys.exit(f())"


def sample_entry(name: str = "stockroom") -> str:
    """The sample project's console script, from its pyproject.toml."""
    with open(SAMPLE / "pyproject.toml", "rb") as handle:
        return str(tomllib.load(handle)["project"]["scripts"][name])


def host_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "ZIGGURAT_")) or k.startswith("ZIGGURAT_TEST_")}


def run_on_host(code: str, args: tuple[str, ...], *, cwd: Path, path: Path) -> Outcome:
    """CPython on this machine running `code` with `path` first on sys.path."""
    env = host_env()
    env["PYTHONPATH"] = str(path)
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=300, check=False)
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def run_abroad(python: ForeignPython, code: str, args: tuple[str, ...], *, cwd: Path, path: Path) -> Outcome:
    proc = python.run(["-c", code, *args], cwd=cwd, extra_paths=[path])
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def copy_sample(where: Path) -> Path:
    """A private copy of the sample project (a build writes build/ and *.egg-info into it)."""
    ignore = shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__", "*.so", "*.pyd", "*.pyc")
    shutil.copytree(SAMPLE, where, ignore=ignore)
    return where


def ziggurat_build(project: Path, target: str, version: str, outdir: Path) -> subprocess.CompletedProcess[str]:
    """`ziggurat build PROJECT --target T --python-version X.Y -o OUTDIR`, as a user types it."""
    script = Path(sys.executable).with_name("ziggurat")
    command = [str(script)] if script.is_file() else [sys.executable, "-c", entry_code("ziggurat.cli:main")]
    argv = [*command, "build", str(project), "--target", target, "--python-version", version, "-o", str(outdir)]
    return subprocess.run(argv, cwd=project, env=host_env(), capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=3600, check=False)


def extension_suffix(target: str, version: str) -> str:
    """The file suffix CPython on `target` imports extension modules with."""
    xy = version.replace(".", "")
    if target == "windows-x64":
        return f".cp{xy}-win_amd64.pyd"
    if target == "musllinux-x86_64":
        return f".cpython-{xy}-x86_64-linux-musl.so"
    return f".cpython-{xy}-aarch64-linux-gnu.so"


def module_files_code(package: str) -> str:
    """`python -c` code printing `dotted.name file-name` for every module of `package`, sorted."""
    return (
        "import importlib, os, pkgutil, sys\n"
        f"pkg = importlib.import_module({package!r})\n"
        "names = [pkg.__name__] + [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.')]\n"
        "for name in sorted(names):\n"
        "    print(name, os.path.basename(importlib.import_module(name).__file__))\n"
    )
