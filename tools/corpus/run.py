#!/usr/bin/env python3
"""Real-project corpus: third-party packages from PyPI built with ziggurat, their own tests
run against the compiled wheel and against the ordinary interpreted install.

    python tools/corpus/run.py [--packages six,idna,...] [--python EXE] [--keep DIR]
                               [--json OUT] [--cache DIR] [--timeout SECONDS]

For each package of PACKAGES (pinned below):

  1. `pip download --no-deps --no-binary :all:` fetches the sdist into the cache (reused);
  2. it is unpacked and a *build copy* is made that declares `build-backend =
     "ziggurat.backend"` (what a user switching to ziggurat does; see BUILD NOTES in the
     table and docs/corpus.md), built with `python -m build --wheel --no-isolation`;
  3. two venvs are made from the same interpreter: "interpreted" gets the original sdist
     installed by pip with its own backend, "compiled" gets ziggurat's wheel; both get the
     same test dependencies;
  4. the project's tests are copied into a scratch dir with no package sources, and pytest
     runs there in each venv (a probe plugin records every imported module of the package
     and its `__file__`; the compiled run must import extension modules from site-packages);
  5. a table: tests passed/failed/collected in each, native functions from the build log,
     fallback reasons.

The bar (issue 3): every package passes compiled exactly as interpreted, with the same
number of tests collected, and fewer than 2% of functions fall back to the interpreter.
Exit status: 0 when the bar is met, 1 otherwise, 2 on a harness error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.10
    try:
        import tomli as tomllib
    except ImportError:
        from setuptools.extern import tomli as tomllib


# --------------------------------------------------------------------------------------------
# The corpus. Each pin is a release whose sdist ships its tests (checked by hand; the harness
# fails loudly if a listed test path is missing).


@dataclass(frozen=True)
class Package:
    name: str  # the PyPI name
    version: str
    imports: tuple[str, ...]  # top-level import names the wheel provides
    backend: str  # the project's own build backend (for the notes)
    tests: tuple[tuple[str, str], ...]  # (path in the sdist, path in the scratch dir)
    pytest_args: tuple[str, ...]  # what to run, relative to the scratch dir
    test_deps: tuple[str, ...] = ()  # beyond pytest and pytest-timeout
    # How the build copy declares ziggurat. None: the project already builds with
    # setuptools from pyproject.toml, so only [build-system] changes. Otherwise the
    # [project] and [tool.setuptools] tables of a new pyproject.toml (the original one, if
    # any, is replaced; [build-system] is added by the harness).
    pyproject: dict[str, Any] | None = None
    remove: tuple[str, ...] = ()  # files removed from the build copy (setup.py ...)
    write: tuple[tuple[str, str], ...] = ()  # files written into the build copy
    # Files of the sdist the tests expect beside the package, as in the source checkout:
    # (path in the sdist, path relative to site-packages), put into both venvs alike.
    site_files: tuple[tuple[str, str], ...] = ()
    note: str = ""


_VERSION_FILE = '# written by the corpus harness, as hatch-vcs would\n__version__ = version = "{v}"\n'

PACKAGES: dict[str, Package] = {
    p.name: p
    for p in (
        Package(
            "six", "1.17.0", ("six",), "setuptools (setup.py only)",
            tests=(("test_six.py", "test_six.py"),),
            pytest_args=("test_six.py",),
            pyproject={"project": {"name": "six", "version": "1.17.0"},
                       "tool": {"setuptools": {"py-modules": ["six"]}}},
            remove=("setup.py",),
            note="setup.py imports six from the source dir for its version, which a PEP 517 "
                 "build cannot; replaced by a static [project] table and py-modules.",
        ),
        Package(
            "idna", "3.10", ("idna",), "flit_core",
            tests=(("tests", "tests"),),
            pytest_args=("tests",),
            pyproject={"project": {"name": "idna", "version": "3.10", "requires-python": ">=3.6"},
                       "tool": {"setuptools": {"packages": ["idna"], "package-data": {"idna": ["py.typed"]}}}},
            note="flit reads the version from idna/package_data.py; setuptools gets it static. "
                 "flit's include of py.typed becomes package-data.",
        ),
        Package(
            "toolz", "1.0.0", ("toolz", "tlz"), "setuptools (setup.py + versioneer)",
            tests=(("toolz/tests", "tests"),),
            pytest_args=("tests",),
            pyproject={"project": {"name": "toolz", "version": "1.0.0", "requires-python": ">=3.8"},
                       "tool": {"setuptools": {"packages": ["toolz", "toolz.sandbox", "toolz.curried", "tlz"],
                                               "package-data": {"toolz": ["tests/*.py"]}}}},
            remove=("setup.py",),
            note="setup.py imports versioneer from the source dir; replaced by a static [project] "
                 "table with setup.py's package list. The tests ship inside the package as "
                 "package data (as upstream), so ziggurat compiles them too; the run uses the copy.",
        ),
        Package(
            "more-itertools", "10.5.0", ("more_itertools",), "flit_core",
            tests=(("tests", "tests"),),
            pytest_args=("tests",),
            pyproject={"project": {"name": "more-itertools", "version": "10.5.0", "requires-python": ">=3.8",
                                   "description": "More routines for operating on iterables, beyond itertools"},
                       "tool": {"setuptools": {"packages": ["more_itertools"],
                                               "package-data": {"more_itertools": ["py.typed", "*.pyi"]}}}},
            note="flit takes version and description from the module; setuptools gets them static.",
        ),
        Package(
            "mistune", "3.0.2", ("mistune",), "setuptools (pyproject.toml)",
            tests=(("tests", "tests"),),
            pytest_args=("tests",),
            note="Already setuptools with [project]: only build-backend changes.",
        ),
        Package(
            "sqlparse", "0.5.1", ("sqlparse",), "hatchling",
            tests=(("tests", "tests"),),
            pytest_args=("tests",),
            pyproject={"project": {"name": "sqlparse", "version": "0.5.1", "requires-python": ">=3.8",
                                   "scripts": {"sqlformat": "sqlparse.__main__:main"}},
                       "tool": {"setuptools": {"packages": ["sqlparse", "sqlparse.engine", "sqlparse.filters"]},
                                "ziggurat": {"exclude": ["sqlparse.cli"]}}},
            note="hatch reads the version from sqlparse/__init__.py; setuptools gets it static "
                 "and an explicit package list. tests/test_cli.py runs `python -m sqlparse.cli`, "
                 "and runpy cannot run an extension module (it needs a code object), so, as a "
                 "user who runs that module with -m would, the build copy keeps sqlparse.cli "
                 "as source with `[tool.ziggurat] exclude`.",
        ),
        Package(
            "cachetools", "5.5.0", ("cachetools",), "setuptools (setup.cfg)",
            tests=(("tests", "tests"),),
            pytest_args=("tests",),
            note="Already setuptools (setup.cfg + pyproject [build-system]): only build-backend changes.",
        ),
        Package(
            "humanize", "4.11.0", ("humanize",), "hatchling + hatch-vcs",
            tests=(("tests", "tests"),),
            pytest_args=("tests",),
            test_deps=("freezegun", "pytest-cov"),
            pyproject={"project": {"name": "humanize", "version": "4.11.0", "requires-python": ">=3.9"},
                       "tool": {"setuptools": {"package-dir": {"": "src"}, "packages": ["humanize"],
                                               "package-data": {"humanize": ["py.typed", "locale/*/LC_MESSAGES/*.mo"]}}}},
            write=(("src/humanize/_version.py", _VERSION_FILE.format(v="4.11.0")),),
            note="hatch-vcs writes src/humanize/_version.py at build time (the sdist has no copy); "
                 "the build copy gets one. hatch's `artifacts = [\"*.mo\"]` becomes package-data. "
                 "pytest-cov is installed only because the project's filterwarnings names "
                 "coverage.exceptions.CoverageWarning.",
        ),
        Package(
            "pyflakes", "3.2.0", ("pyflakes",), "setuptools (setup.py only)",
            tests=(("pyflakes/test", "pyflakes_test"),),
            pytest_args=("pyflakes_test",),
            pyproject={"project": {"name": "pyflakes", "version": "3.2.0", "requires-python": ">=3.8",
                                   "scripts": {"pyflakes": "pyflakes.api:main"}},
                       "tool": {"setuptools": {"packages": ["pyflakes", "pyflakes.scripts", "pyflakes.test"]}}},
            remove=("setup.py",),
            site_files=(("bin/pyflakes", "bin/pyflakes"),),
            note="setup.py reads the version by eval of pyflakes/__init__.py; replaced by a static "
                 "[project] table. The tests are the package pyflakes.test (shipped and compiled, "
                 "as upstream); the copy is renamed pyflakes_test so it cannot shadow the stdlib "
                 "`test` package, and it imports pyflakes.test.harness from the installed build. "
                 "IntegrationTests run `<pyflakes package dir>/../bin/pyflakes` in a subprocess, as "
                 "in a source checkout; the sdist's bin/pyflakes is put at site-packages/bin/pyflakes in both venvs.",
        ),
        Package(
            "decorator", "5.1.1", ("decorator",), "setuptools (setup.py only)",
            tests=(("src/tests", "tests"),),
            pytest_args=("tests/test.py",),
            pyproject={"project": {"name": "decorator", "version": "5.1.1", "requires-python": ">=3.5"},
                       "tool": {"setuptools": {"package-dir": {"": "src"}, "py-modules": ["decorator"]}}},
            remove=("setup.py",),
            note="setup.py exec()s src/decorator.py for its version; replaced by a static [project] "
                 "table. The test module is tests/test.py (not test_*.py), named explicitly.",
        ),
    )
}

BUILD_SYSTEM = {"requires": ["ziggurat"], "build-backend": "ziggurat.backend"}
TEST_BASE_DEPS = ("pytest", "pytest-timeout")
DROPPED_PYTEST_KEYS = {"pythonpath", "testpaths"}  # they point into the source tree


# --------------------------------------------------------------------------------------------
# Small helpers


class HarnessError(Exception):
    pass


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float | None = None, log: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, env=env, timeout=timeout, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if log is not None:
        with log.open("a", encoding="utf-8") as f:
            f.write(f"$ {' '.join(cmd)}\n{proc.stdout}\n[exit {proc.returncode}]\n")
    if check and proc.returncode != 0:
        tail = "\n".join(proc.stdout.splitlines()[-30:])
        raise HarnessError(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{tail}")
    return proc


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def to_toml(doc: dict[str, Any]) -> str:
    """TOML for nested tables of strings, lists and inline tables (enough for pyproject.toml).

    A dict at table level whose values are all plain becomes an inline table unless it is a
    top-level table or named in the tables below, so `package-data` stays one line."""
    out: list[str] = []

    def table(path: list[str], body: dict[str, Any]) -> None:
        plain = {k: v for k, v in body.items() if not (isinstance(v, dict) and k in _SUBTABLES)}
        if path:
            out.append(f"[{'.'.join(_toml_key(p) for p in path)}]")
        out.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in plain.items())
        out.append("")
        for k, v in body.items():
            if isinstance(v, dict) and k in _SUBTABLES:
                table(path + [k], v)

    for key, value in doc.items():
        table([key], value)
    return "\n".join(out)


_SUBTABLES = {"tool", "setuptools", "scripts"}


# --------------------------------------------------------------------------------------------
# Steps


def download(pkg: Package, cache: Path, log: Path) -> Path:
    sdists = cache / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    stem_names = {pkg.name, pkg.name.replace("-", "_"), pkg.name.replace("-", "_").lower()}
    for cand in sdists.iterdir():
        if any(cand.name.lower() == f"{s}-{pkg.version}.tar.gz".lower() for s in stem_names):
            return cand
    run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         "-d", str(sdists), f"{pkg.name}=={pkg.version}"], log=log)
    for cand in sdists.iterdir():
        if any(cand.name.lower() == f"{s}-{pkg.version}.tar.gz".lower() for s in stem_names):
            return cand
    raise HarnessError(f"pip download gave no sdist for {pkg.name}=={pkg.version}")


def unpack(sdist: Path, dest: Path) -> Path:
    with tarfile.open(sdist) as tar:
        kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(dest, **kwargs)
    (root,) = [p for p in dest.iterdir() if p.is_dir()]
    return root


def make_build_copy(pkg: Package, src: Path, dest: Path) -> Path:
    """The sdist tree, switched to build-backend = "ziggurat.backend"."""
    shutil.copytree(src, dest)
    for rel in pkg.remove:
        (dest / rel).unlink()
    for rel, text in pkg.write:
        (dest / rel).write_text(text, encoding="utf-8")
    pyproject = dest / "pyproject.toml"
    if pkg.pyproject is None:
        text = pyproject.read_text(encoding="utf-8")
        text, n = re.subn(r'(?m)^build-backend\s*=\s*"[^"]*"', 'build-backend = "ziggurat.backend"', text)
        if n != 1:
            raise HarnessError(f"{pkg.name}: no build-backend line to switch")
        text = re.sub(r'(?ms)^(\[build-system\][^\[]*?^requires\s*=\s*\[)', r'\1"ziggurat", ', text, count=1)
        pyproject.write_text(text, encoding="utf-8")
    else:
        pyproject.write_text(to_toml({"build-system": BUILD_SYSTEM, **pkg.pyproject}), encoding="utf-8")
    tomllib.loads(pyproject.read_text(encoding="utf-8"))  # must stay valid TOML
    return dest


_MODULE_LINE = re.compile(r"^ziggurat: (\S+): (\d+)/(\d+) functions native(?: \(whole module interpreted: (.*)\))?$")
_FALLBACK_LINE = re.compile(r"^ziggurat:     interpreted: (\S+) \(line (\d+)\): (.*)$")


def parse_build_log(text: str) -> dict[str, Any]:
    modules: dict[str, dict[str, Any]] = {}
    fallbacks: list[dict[str, Any]] = []
    current = None
    for line in text.splitlines():
        m = _MODULE_LINE.match(line)
        if m:
            current = m.group(1)
            modules[current] = {"native": int(m.group(2)), "total": int(m.group(3)), "whole_module": m.group(4)}
            continue
        m = _FALLBACK_LINE.match(line)
        if m and current:
            fallbacks.append({"module": current, "function": m.group(1), "line": int(m.group(2)), "reason": m.group(3)})
    return {
        "modules": modules,
        "native": sum(m["native"] for m in modules.values()),
        "total": sum(m["total"] for m in modules.values()),
        "fallbacks": fallbacks,
    }


def build_python(python: str, cache: Path, log: Path) -> str:
    """An interpreter that can run `-m build` with ziggurat: `python` itself, or a venv made from it."""
    probe = run([python, "-c", "import ziggurat.backend, build, setuptools"], check=False)
    if probe.returncode == 0:
        return python
    tag = run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).stdout.strip()
    # One per interpreter and per ziggurat checkout (the venv installs this checkout editable).
    import hashlib

    venv = cache / f"build-venv-{tag}-{hashlib.sha256(str(REPO).encode()).hexdigest()[:8]}"
    exe = venv / "bin" / "python"
    if not exe.exists():
        say(f"corpus: making a build venv for {python} in {venv}")
        run([python, "-m", "venv", str(venv)], log=log)
        run([str(exe), "-m", "pip", "install", "-q", "build", "setuptools>=68", "wheel", "packaging>=23", "ziglang>=0.13"], log=log)
        # Editable, so the build venv follows the work tree, as the project's own venv does.
        run([str(exe), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e", str(REPO)], log=log)
    return str(exe)


def build_compiled(pkg: Package, copy: Path, out: Path, builder: str, log: Path) -> tuple[Path | None, str]:
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    for var in [v for v in env if v.startswith("ZIGGURAT_") and not v.startswith("ZIGGURAT_TEST_")
                and v not in ("ZIGGURAT_ZIG", "ZIGGURAT_CACHE_DIR")]:
        del env[var]
    proc = run([builder, "-m", "build", "--wheel", "--no-isolation", "-o", str(out), str(copy)],
               env=env, log=log, check=False, timeout=3600)
    wheels = sorted(out.glob("*.whl"))
    if proc.returncode != 0 or not wheels:
        return None, proc.stdout
    return wheels[0], proc.stdout


def make_venv(python: str, path: Path, packages: list[str], log: Path) -> Path:
    run([python, "-m", "venv", str(path)], log=log)
    exe = path / "bin" / "python"
    run([str(exe), "-m", "pip", "install", "-q", *packages], log=log)
    return exe


def install_site_files(pkg: Package, src: Path, exe: Path) -> None:
    site = Path(run([str(exe), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    for rel_src, rel_dest in pkg.site_files:
        dest = (site / rel_dest).resolve()
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / rel_src, dest)


_PROBE_PLUGIN = '''
"""Loaded with -p corpus_probe: records where the package under test was imported from."""
import json, os, sys

def pytest_sessionfinish(session, exitstatus):
    names = os.environ["CORPUS_IMPORTS"].split(",")
    found = {}
    for mod_name, mod in list(sys.modules.items()):
        # Aliases (six.moves.queue is the stdlib queue) are not the package's own modules.
        if mod_name.split(".")[0] in names and getattr(mod, "__name__", None) == mod_name:
            found[mod_name] = getattr(mod, "__file__", None)
    with open(os.environ["CORPUS_PROBE_OUT"], "w") as f:
        json.dump(found, f, indent=1, sort_keys=True)
'''


def pytest_ini(src: Path) -> str:
    """The project's pytest settings from the file pytest would read, less path settings."""
    import configparser

    options: dict[str, Any] | None = None
    for name, section in (("pytest.ini", "pytest"), (".pytest.ini", "pytest"), ("pyproject.toml", None),
                          ("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        path = src / name
        if not path.is_file():
            continue
        if section is None:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("pytest", {})
            if "ini_options" in table:
                options = dict(table["ini_options"])
                break
            continue
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(path, encoding="utf-8")
        if parser.has_section(section):
            options = dict(parser[section])
            break
    lines = ["[pytest]"]
    for key, value in (options or {}).items():
        if key in DROPPED_PYTEST_KEYS:
            continue
        if isinstance(value, list):
            value = "\n" + "\n".join(f"    {v}" for v in value)
        lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def prepare_scratch(pkg: Package, src: Path, dest: Path) -> None:
    dest.mkdir(parents=True)
    for rel_src, rel_dest in pkg.tests:
        origin = src / rel_src
        if not origin.exists():
            raise HarnessError(f"{pkg.name} {pkg.version}: the sdist has no {rel_src}")
        if origin.is_dir():
            shutil.copytree(origin, dest / rel_dest, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, dest / rel_dest)
    (dest / "pytest.ini").write_text(pytest_ini(src), encoding="utf-8")
    # Nothing of the package's own sources may be here.
    for top in pkg.imports:
        if (dest / top).exists() or (dest / f"{top}.py").exists():
            raise HarnessError(f"scratch dir {dest} contains package sources {top}")


_OUTCOME_LINE = re.compile(r"^(\S+::\S.*?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b")
_STARTED_LINE = re.compile(r"^(\S+::\S+)\s*$")


@dataclass
class TestRun:
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    collected: int = 0
    crashed: list[str] = field(default_factory=list)  # node ids that killed the interpreter
    exit_code: int | None = None
    outcomes: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    imported: dict[str, str | None] = field(default_factory=dict)
    note: str = ""


def parse_junit(path: Path, result: TestRun) -> None:
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        node = f"{case.get('classname')}::{case.get('name')}"
        kinds = [child.tag for child in case]
        if "error" in kinds:
            outcome = "error"
        elif "failure" in kinds:
            outcome = "failed"
        elif "skipped" in kinds:
            outcome = "skipped"
        else:
            outcome = "passed"
        if node in result.outcomes:  # a teardown error is a second entry for the same test
            if outcome in ("error", "failed"):
                result.outcomes[node] = result.outcomes[node] if result.outcomes[node] == "failed" else outcome
            continue
        result.outcomes[node] = outcome
        for child in case:
            if child.tag in ("error", "failure"):
                msg = (child.get("message") or child.text or "").strip().splitlines()
                result.messages[node] = msg[0][:300] if msg else ""


def run_tests(pkg: Package, exe: Path, scratch: Path, work: Path, label: str, timeout: float,
              per_test_timeout: int, log: Path) -> TestRun:
    plugin_dir = work / "plugin"
    plugin_dir.mkdir(exist_ok=True)
    (plugin_dir / "corpus_probe.py").write_text(_PROBE_PLUGIN)
    result = TestRun()
    deselect: list[str] = []
    for attempt in range(8):
        junit = work / f"junit-{label}-{attempt}.xml"
        probe = work / f"imports-{label}.json"
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTEST_ADDOPTS")}
        env.update(PYTHONPATH=str(plugin_dir), CORPUS_IMPORTS=",".join(pkg.imports),
                   CORPUS_PROBE_OUT=str(probe), PYTHONDONTWRITEBYTECODE="1", PYTHONFAULTHANDLER="1")
        cmd = [str(exe), "-m", "pytest", *pkg.pytest_args, "-p", "no:cacheprovider", "-p", "corpus_probe",
               "-v", "--junitxml", str(junit), f"--timeout={per_test_timeout}", "--rootdir", str(scratch),
               "-c", str(scratch / "pytest.ini")]
        for node in deselect:
            cmd += ["--deselect", node]
        try:
            proc = run(cmd, cwd=scratch, env=env, timeout=timeout, log=log, check=False)
            output, code = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired as exc:
            output = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            code = None
        (work / f"pytest-{label}-{attempt}.log").write_text(output)
        result.exit_code = code
        if junit.is_file() and code is not None and code >= 0:
            parse_junit(junit, result)
            if probe.is_file():
                result.imported = json.loads(probe.read_text())
            break
        # The interpreter died (signal or timeout): find the test it was running, skip it, retry.
        started = None
        for line in output.splitlines():
            m = _STARTED_LINE.match(line.strip()) or re.match(r"^(\S+::\S+) ", line)
            if m and not _OUTCOME_LINE.match(line):
                started = m.group(1)
            elif _OUTCOME_LINE.match(line):
                started = None
        if started is None or started in deselect:
            result.note = f"pytest died (exit {code}) and the test it was running is unknown"
            break
        say(f"corpus:   {label}: {started} killed the interpreter (exit {code}); rerunning without it")
        deselect.append(started)
        result.crashed.append(started)
    for node in result.crashed:
        result.outcomes[_junit_node(node)] = "crashed"
        result.messages[_junit_node(node)] = "the interpreter died running this test"
    counts = Counter(result.outcomes.values())
    result.passed, result.failed = counts["passed"], counts["failed"] + counts["crashed"]
    result.errors, result.skipped = counts["error"], counts["skipped"]
    result.collected = len(result.outcomes)
    return result


def _junit_node(node: str) -> str:
    """pytest's `tests/test_x.py::TestC::test_y` as junitxml names it: `tests.test_x.TestC::test_y`."""
    path, _, rest = node.partition("::")
    parts = rest.split("::")
    classname = path[: -len(".py")].replace("/", ".") if path.endswith(".py") else path
    if len(parts) > 1:
        classname += "." + ".".join(parts[:-1])
    return f"{classname}::{parts[-1]}"


@dataclass
class PackageResult:
    name: str
    version: str
    status: str = "ok"  # ok | build-failed | harness-error
    interpreted: TestRun | None = None
    compiled: TestRun | None = None
    build: dict[str, Any] = field(default_factory=dict)
    build_error: str = ""
    extension_modules: int = 0  # package modules the compiled run imported as extension modules
    python_modules: int = 0  # ... and as .py (modules ziggurat did not compile, e.g. __main__)
    differences: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def meets_bar(self) -> bool:
        i, c = self.interpreted, self.compiled
        return (self.status == "ok" and i is not None and c is not None and not self.problems
                and i.collected == c.collected and i.passed == c.passed and i.failed == c.failed
                and i.errors == c.errors and i.skipped == c.skipped and not self.differences)


def check_imports(pkg: Package, res: PackageResult, venv: Path, run_: TestRun, compiled: bool,
                  wheel_modules: set[str]) -> None:
    if not run_.imported:
        res.problems.append(f"{'compiled' if compiled else 'interpreted'} run: the probe saw no import of {pkg.imports}")
        return
    venv_root = str(venv.resolve())
    for mod, file in sorted(run_.imported.items()):
        if file is None:
            continue  # a namespace or built-in submodule
        if not str(Path(file).resolve()).startswith(venv_root):
            res.problems.append(f"{mod} was imported from {file}, outside the venv")
            continue
        if compiled:
            if file.endswith(".so"):
                res.extension_modules += 1
            else:
                res.python_modules += 1
                if mod in wheel_modules:
                    res.problems.append(f"{mod} is compiled in the wheel but was imported from {file}")
        elif not file.endswith(".py"):
            res.problems.append(f"interpreted run imported {mod} from {file}")
    for top in pkg.imports:
        file = run_.imported.get(top)
        if compiled and file is not None and not file.endswith(".so"):
            res.problems.append(f"{top}.__file__ is {file}, not an extension module")


def wheel_compiled_modules(wheel: Path) -> set[str]:
    import zipfile

    names = set()
    with zipfile.ZipFile(wheel) as zf:
        for member in zf.namelist():
            if member.endswith(".so"):
                parts = member.split("/")
                parts[-1] = parts[-1].split(".")[0]
                if parts[-1] == "__init__":
                    parts.pop()
                names.add(".".join(parts))
    return names


def run_package(pkg: Package, python: str, builder: str, cache: Path, work: Path, timeout: float,
                per_test_timeout: int) -> PackageResult:
    started = time.monotonic()
    res = PackageResult(pkg.name, pkg.version)
    work.mkdir(parents=True)
    log = work / "harness.log"
    say(f"corpus: {pkg.name} {pkg.version}")
    sdist = download(pkg, cache, log)
    src = unpack(sdist, work / "sdist")
    copy = make_build_copy(pkg, src, work / "build-copy")
    (work / "build-copy.pyproject.toml").write_text((copy / "pyproject.toml").read_text())
    say("corpus:   building with ziggurat")
    wheel, build_log = build_compiled(pkg, copy, work / "wheel", builder, log)
    (work / "build.log").write_text(build_log)
    res.build = parse_build_log(build_log)
    if wheel is None:
        res.status = "build-failed"
        res.build_error = "\n".join(build_log.splitlines()[-40:])
    scratch = work / "scratch"
    prepare_scratch(pkg, src, scratch)
    deps = [*TEST_BASE_DEPS, *pkg.test_deps]
    say("corpus:   interpreted venv")
    exe_i = make_venv(python, work / "venv-interpreted", deps, log)
    run([str(exe_i), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(sdist)], log=log)
    install_site_files(pkg, src, exe_i)
    res.interpreted = run_tests(pkg, exe_i, scratch, work, "interpreted", timeout, per_test_timeout, log)
    check_imports(pkg, res, work / "venv-interpreted", res.interpreted, False, set())
    if wheel is not None:
        say("corpus:   compiled venv")
        exe_c = make_venv(python, work / "venv-compiled", deps, log)
        run([str(exe_c), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)], log=log)
        install_site_files(pkg, src, exe_c)
        res.compiled = run_tests(pkg, exe_c, scratch, work, "compiled", timeout, per_test_timeout, log)
        check_imports(pkg, res, work / "venv-compiled", res.compiled, True, wheel_compiled_modules(wheel))
        i, c = res.interpreted.outcomes, res.compiled.outcomes
        for node in sorted(set(i) | set(c)):
            if i.get(node) != c.get(node):
                res.differences.append({"test": node, "interpreted": i.get(node, "missing"),
                                        "compiled": c.get(node, "missing"),
                                        "message": res.compiled.messages.get(node, "")})
    res.seconds = time.monotonic() - started
    return res


# --------------------------------------------------------------------------------------------
# Report


def _fmt_run(r: TestRun | None, attr: str) -> str:
    return "-" if r is None else str(getattr(r, attr))


def _fallback_cell(build: dict[str, Any]) -> str:
    """How many functions fell back, and the reasons (by count) in short."""
    if not build.get("total"):
        return "-"
    n = build["total"] - build["native"]
    reasons = Counter(f["reason"] for f in build.get("fallbacks", []))
    reasons.update(f"whole module: {m['whole_module']}" for m in build.get("modules", {}).values() if m["whole_module"])
    if not reasons:
        return str(n)
    return f"{n} ({'; '.join(f'{k[:40]} x{v}' for k, v in reasons.most_common(2))})"


def table(results: list[PackageResult]) -> str:
    head = ("package", "version", "pass(i)", "pass(c)", "fail(c)", "err(c)", "skip(i/c)", "tests(i/c)",
            "native", "fallbacks", "ext", "ok")
    rows: list[tuple[str, ...]] = []
    tot = Counter()
    for r in results:
        i, c = r.interpreted, r.compiled
        b = r.build
        rows.append((
            r.name, r.version, _fmt_run(i, "passed"), _fmt_run(c, "passed"), _fmt_run(c, "failed"),
            _fmt_run(c, "errors"), f"{_fmt_run(i, 'skipped')}/{_fmt_run(c, 'skipped')}",
            f"{_fmt_run(i, 'collected')}/{_fmt_run(c, 'collected')}",
            f"{b.get('native', 0)}/{b.get('total', 0)}" if b.get("total") else "-",
            _fallback_cell(b), str(r.extension_modules), "yes" if r.meets_bar else ("BUILD FAILED" if r.status == "build-failed" else "no"),
        ))
        for name, run_ in (("i", i), ("c", c)):
            if run_ is not None:
                for attr in ("passed", "failed", "errors", "skipped", "collected"):
                    tot[f"{attr}_{name}"] += getattr(run_, attr)
        tot["native"] += b.get("native", 0)
        tot["total"] += b.get("total", 0)
        tot["ok"] += r.meets_bar
    rows.append(("TOTAL", "", str(tot["passed_i"]), str(tot["passed_c"]), str(tot["failed_c"]), str(tot["errors_c"]),
                 f"{tot['skipped_i']}/{tot['skipped_c']}", f"{tot['collected_i']}/{tot['collected_c']}",
                 f"{tot['native']}/{tot['total']}", str(tot["total"] - tot["native"]), "", f"{tot['ok']}/{len(results)}"))
    widths = [max(len(row[k]) for row in [head, *rows]) for k in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [head, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.insert(len(lines) - 1, "  ".join("-" * w for w in widths))
    share = 100.0 * (tot["total"] - tot["native"]) / tot["total"] if tot["total"] else 0.0
    lines.append("")
    lines.append(f"fallback share: {tot['total'] - tot['native']}/{tot['total']} functions = {share:.2f}% (bar: < 2%)")
    lines.append(f"packages passing compiled exactly as interpreted: {tot['ok']}/{len(results)} (bar: all)")
    reasons = Counter(f["reason"] for r in results for f in r.build.get("fallbacks", []))
    whole = [(r.name, mod, m["whole_module"]) for r in results for mod, m in r.build.get("modules", {}).items()
             if m["whole_module"]]
    if reasons or whole:
        lines.append("fallback reasons:")
        for reason, n in reasons.most_common():
            pkgs = sorted({r.name for r in results for f in r.build.get("fallbacks", []) if f["reason"] == reason})
            lines.append(f"  {n:4d}  {reason}  [{', '.join(pkgs)}]")
        for name, mod, reason in whole:
            lines.append(f"  whole module interpreted: {mod} ({name}): {reason}")
    for r in results:
        if r.status == "build-failed":
            lines.append(f"{r.name}: build failed:\n" + textwrap.indent(r.build_error, "    "))
        for p in r.problems:
            lines.append(f"{r.name}: PROBLEM: {p}")
        if r.compiled and r.compiled.crashed:
            lines.append(f"{r.name}: crashed the interpreter: {', '.join(r.compiled.crashed)}")
        if r.differences:
            lines.append(f"{r.name}: {len(r.differences)} tests differ (interpreted -> compiled):")
            for d in r.differences[:15]:
                lines.append(f"    {d['test']}: {d['interpreted']} -> {d['compiled']}  {d['message'][:160]}")
            if len(r.differences) > 15:
                lines.append(f"    ... {len(r.differences) - 15} more (see --json)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", default=",".join(PACKAGES), help="comma-separated names (default: all)")
    parser.add_argument("--python", default=sys.executable, help="interpreter to build for and test with")
    parser.add_argument("--keep", metavar="DIR", help="keep sdists, build copies, wheels, venvs and logs in DIR")
    parser.add_argument("--json", metavar="OUT", help="write every result, test by test, as JSON")
    parser.add_argument("--cache", metavar="DIR", default=os.environ.get("ZIGGURAT_CORPUS_CACHE")
                        or str(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ziggurat-corpus"),
                        help="where sdists (and build venvs) are cached")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for one pytest run")
    parser.add_argument("--test-timeout", type=int, default=120, help="seconds for one test (pytest-timeout)")
    args = parser.parse_args(argv)

    names = [n.strip() for n in args.packages.split(",") if n.strip()]
    unknown = [n for n in names if n not in PACKAGES]
    if unknown:
        parser.error(f"unknown packages {unknown}; known: {', '.join(PACKAGES)}")
    cache = Path(args.cache).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    if args.keep:
        root = Path(args.keep).resolve()
        root.mkdir(parents=True, exist_ok=True)
        cleanup = None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="ziggurat-corpus-")
        root = Path(cleanup.name)
    results: list[PackageResult] = []
    try:
        builder = build_python(args.python, cache, root / "build-venv.log")
        for name in names:
            work = root / name
            if work.exists():
                shutil.rmtree(work)
            try:
                results.append(run_package(PACKAGES[name], args.python, builder, cache, work, args.timeout,
                                           args.test_timeout))
            except HarnessError as exc:
                say(f"corpus: {name}: harness error: {exc}")
                res = PackageResult(name, PACKAGES[name].version, status="harness-error")
                res.problems.append(str(exc))
                results.append(res)
    finally:
        if cleanup is not None:
            cleanup.cleanup()
    report = table(results)
    print(report)
    if args.json:
        python_version = run([args.python, "-c", "import sys; print(sys.version.split()[0])"]).stdout.strip()
        Path(args.json).write_text(json.dumps({
            "python": python_version,
            "packages": [asdict(r) | {"meets_bar": r.meets_bar} for r in results],
        }, indent=1, default=str))
    if any(r.status == "harness-error" for r in results):
        return 2
    total = sum(r.build.get("total", 0) for r in results)
    native = sum(r.build.get("native", 0) for r in results)
    fallback_ok = total == 0 or (total - native) / total < 0.02
    return 0 if all(r.meets_bar for r in results) and fallback_ok else 1


if __name__ == "__main__":
    sys.exit(main())
