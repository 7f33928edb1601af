"""CPython's own language tests, compiled by ziggurat, beside the same tests interpreted.

usage: python -m tools.cpython_suite.run [--python EXE] [--modules test_grammar,test_scope,...]
                                         [--jobs N] [--keep DIR] [--json OUT] [--timeout S]

For each test module of EXE's stdlib `test` package (EXE defaults to this interpreter):
  1. its source is translated by ziggurat (module name `test.NAME`) and compiled for EXE;
     translation runs in this process when EXE is this Python's version, else under EXE
     itself (its `ast` must parse the source), as the build backend would do;
  2. it is run twice in fresh EXE processes with unittest: interpreted (the stdlib module)
     and compiled (the extension module imported in place of the original inside the
     stdlib `test` package, so `test.support` is the stdlib's own) — see child.py;
  3. per module: tests run, passed, failed, errors, skipped (interpreted / compiled), the
     share of functions compiled natively, and the tests that pass interpreted but not
     compiled. A translation or C++ compile error, a crash or a timeout is reported for its
     module with the first lines of the error; the runner goes on with the others.

The headline figure: of the tests that pass interpreted, the share that pass compiled
(the bar is 98%). Packages (test_dataclasses on 3.11+) are compiled from their __init__.py;
their other modules stay interpreted, except in a package whose __init__.py only hands over
to load_package_tests (3.13's test_inspect): its test*.py modules are run instead, each as
PACKAGE.MODULE (a dotted name can be given to --modules too). Modules EXE does not have are
listed as missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tokenize
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

if __package__ in (None, ""):  # run as a script: make `tools` and `ziggurat` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

HERE = Path(__file__).resolve().parent
CHILD = HERE / "child.py"
TRANSLATE_WORKER = HERE / "translate_worker.py"

# Issue 3, "Proof 1": the language test modules.
DEFAULT_MODULES = (
    "test_grammar", "test_exceptions", "test_raise", "test_generators", "test_coroutines",
    "test_asyncgen", "test_yield_from", "test_class", "test_descr", "test_super",
    "test_property", "test_scope", "test_with", "test_contextlib", "test_contextlib_async",
    "test_patma", "test_fstring", "test_keywordonlyarg", "test_positional_only_arg",
    "test_decorators", "test_exception_group", "test_except_star", "test_funcattrs",
    "test_augassign", "test_compare", "test_bool", "test_int", "test_float", "test_list",
    "test_set", "test_dictviews", "test_named_expressions", "test_dataclasses", "test_enum",
    "test_types", "test_global", "test_iter", "test_unicode", "test_format",
)
BAR = 0.98
DEFAULT_TIMEOUT = 600.0
PASSING = ("pass", "xfail")
_LOST_SHOWN = 5


# ---------------------------------------------------------------------------- results


@dataclass
class Run:
    """One execution of a test module (interpreted or compiled) in a subprocess."""

    status: str  # ok | import-error | crashed | timeout
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> status, message, detail
    fixture_errors: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    returncode: int | None = None
    note: str = ""  # import error traceback, or how it crashed, with the tail of stderr
    loader: str = ""

    def count(self, *statuses: str) -> int:
        return sum(1 for o in self.outcomes.values() if o["status"] in statuses)

    @property
    def run(self) -> int:
        return len(self.outcomes)

    @property
    def passed(self) -> int:
        return self.count(*PASSING)

    @property
    def failed(self) -> int:
        return self.count("fail")

    @property
    def errors(self) -> int:
        return self.count("error") + sum(1 for f in self.fixture_errors if f["status"] == "error")

    @property
    def skipped(self) -> int:
        return self.count("skip")

    def passing_ids(self) -> set[str]:
        return {tid for tid, o in self.outcomes.items() if o["status"] in PASSING}

    def to_json(self, details_for: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
        return {
            "status": self.status,
            "returncode": self.returncode,
            "seconds": round(self.seconds, 1),
            "note": self.note,
            "loader": self.loader,
            "counts": {"run": self.run, "passed": self.passed, "failed": self.failed,
                       "errors": self.errors, "skipped": self.skipped},
            "outcomes": {
                tid: ({k: v for k, v in o.items()} if tid in details_for
                      else {k: v for k, v in o.items() if k != "detail"})
                for tid, o in self.outcomes.items()
            },
            "fixture_errors": self.fixture_errors,
        }


@dataclass
class ModuleResult:
    name: str
    status: str  # ok | missing | translate-error | build-error | import-error | crashed | timeout
    source: str = ""
    is_package: bool = False
    native: int = 0
    functions: int = 0
    fallback_reasons: dict[str, int] = field(default_factory=dict)
    error: str = ""  # first lines of a translation/compile error, or a crash's stderr tail
    interp: Run | None = None
    compiled: Run | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def lost(self) -> list[str]:
        """Tests that pass interpreted but not compiled (not run compiled counts as lost)."""
        if self.interp is None:
            return []
        passing = self.compiled.passing_ids() if self.compiled else set()
        return sorted(self.interp.passing_ids() - passing)

    @property
    def gained(self) -> list[str]:
        if self.interp is None or self.compiled is None:
            return []
        return sorted(self.compiled.passing_ids() - self.interp.passing_ids())

    def to_json(self) -> dict[str, Any]:
        lost = set(self.lost)
        return {
            "name": self.name,
            "status": self.status,
            "source": self.source,
            "is_package": self.is_package,
            "native_functions": self.native,
            "functions": self.functions,
            "fallback_reasons": self.fallback_reasons,
            "error": self.error,
            "seconds": {k: round(v, 1) for k, v in self.seconds.items()},
            "lost": self.lost,
            "gained": self.gained,
            "interpreted": self.interp.to_json() if self.interp else None,
            "compiled": self.compiled.to_json(details_for=lost) if self.compiled else None,
        }


@dataclass
class SuiteResult:
    python: str
    version: tuple[int, int]
    modules: list[ModuleResult]
    seconds: float
    ziggurat: str = ""  # version and git revision of the translator measured

    def present(self) -> list[ModuleResult]:
        return [m for m in self.modules if m.status != "missing"]

    @property
    def passed_interp(self) -> int:
        return sum(m.interp.passed for m in self.present() if m.interp)

    @property
    def passed_compiled(self) -> int:
        return sum(m.compiled.passed for m in self.present() if m.compiled)

    @property
    def kept(self) -> int:
        """Tests that pass interpreted and also pass compiled."""
        return sum(m.interp.passed - len(m.lost) for m in self.present() if m.interp)

    @property
    def headline(self) -> float:
        return self.kept / self.passed_interp if self.passed_interp else 0.0

    def to_json(self) -> dict[str, Any]:
        natives = sum(m.native for m in self.present())
        functions = sum(m.functions for m in self.present())
        return {
            "python": self.python,
            "version": ".".join(map(str, self.version)),
            "ziggurat": self.ziggurat,
            "seconds": round(self.seconds, 1),
            "bar": BAR,
            "totals": {
                "passed_interpreted": self.passed_interp,
                "passed_compiled": self.passed_compiled,
                "passing_interpreted_that_pass_compiled": self.kept,
                "headline": round(self.headline, 4),
                "native_functions": natives,
                "functions": functions,
            },
            "missing": [m.name for m in self.modules if m.status == "missing"],
            "modules": [m.to_json() for m in self.modules],
        }


# ---------------------------------------------------------------------------- interpreter


@dataclass(frozen=True)
class Interpreter:
    executable: str
    version: tuple[int, int]
    testdir: Path


_PROBE = (
    "import json, os, sys\n"
    "try:\n"
    "    import test, test.support\n"
    "    testdir = os.path.dirname(test.__file__)\n"
    "except ImportError as exc:\n"
    "    testdir = ''\n"
    "print(json.dumps({'version': list(sys.version_info[:2]), 'testdir': testdir}))\n"
)


def probe_interpreter(executable: str) -> Interpreter:
    with tempfile.TemporaryDirectory() as cwd:
        proc = subprocess.run([executable, "-I", "-c", _PROBE], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"cpython_suite: {executable} failed: {proc.stderr.strip()}")
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    if not info["testdir"]:
        raise SystemExit(f"cpython_suite: {executable} has no `test` package (on Debian: python3-test)")
    major, minor = info["version"]
    return Interpreter(executable, (int(major), int(minor)), Path(info["testdir"]))


def find_source(interp: Interpreter, name: str) -> tuple[Path | None, bool]:
    """The source of test.NAME (NAME may be dotted: a module of a test package) and whether
    it is a package."""
    single = interp.testdir.joinpath(*name.split(".")[:-1], f"{name.split('.')[-1]}.py")
    if single.is_file():
        return single, False
    package = interp.testdir.joinpath(*name.split("."), "__init__.py")
    if package.is_file():
        return package, True
    return None, False


def expand_packages(interp: Interpreter, names: Sequence[str]) -> list[str]:
    """A package whose __init__.py only hands its tests over (load_package_tests: 3.13's
    test_inspect, test_json...) holds its tests in test*.py modules: those are what is
    compiled and run, as NAME.MODULE. Compiling the __init__.py would compile no test, and
    its discovery refuses the shadow directory ("Path must be within the project":
    load_package_tests discovers from the stdlib's directory)."""
    out: list[str] = []
    for name in names:
        source, is_package = find_source(interp, name)
        if source is None or not is_package or "load_package_tests" not in source.read_text(encoding="utf-8"):
            out.append(name)
            continue
        subs = sorted(f"{name}.{p.stem}" for p in source.parent.glob("test*.py"))
        out.extend(subs or [name])
    return out


# ---------------------------------------------------------------------------- stages


def _first_lines(text: str, n: int = 8) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return "\n".join(lines[:n] + (["..."] if len(lines) > n else []))


def translate(interp: Interpreter, source: Path, module_name: str, work: Path) -> tuple[str | None, list[dict[str, Any]], str]:
    """(C++ or None, function reports, error text)."""
    if interp.version == tuple(sys.version_info[:2]):
        from ziggurat.translator import translate_module

        with tokenize.open(source) as f:
            text = f.read()
        try:
            result = translate_module(text, filename=source.name, module_name=module_name)
        except Exception as exc:  # TranslationError, InternalError, or a plain bug: all shown
            return None, [], f"{type(exc).__name__}: {_first_lines(str(exc))}"
        functions = [
            {"qualname": f.qualname, "line": f.line, "native": f.native, "reason": f.reason}
            for f in result.report.functions
        ]
        return result.cpp, functions, ""
    import ziggurat

    root = Path(ziggurat.__file__).resolve().parents[1]
    out_cpp, out_json = work / "module.cpp", work / "translate.json"
    proc = subprocess.run(
        [interp.executable, "-I", str(TRANSLATE_WORKER), str(root), str(source), module_name,
         source.name, str(out_cpp), str(out_json)],
        capture_output=True, text=True,
    )
    if proc.returncode != 0 or not out_json.exists():
        return None, [], f"translator process failed ({proc.returncode}): {_first_lines(proc.stderr[-3000:])}"
    info = json.loads(out_json.read_text(encoding="utf-8"))
    if "error" in info:
        return None, [], f"{info['error_type']}: {_first_lines(info['error'])}"
    return out_cpp.read_text(encoding="utf-8"), info["functions"], ""


def build(interp: Interpreter, abi: Any, module_name: str, cpp: str, output: Path, opt_level: str) -> str:
    """Compile one module; returns the error text ('' on success)."""
    from ziggurat.errors import ToolchainError
    from ziggurat.toolchains import ExtensionJob, ModuleCompileError, build_extensions

    try:
        build_extensions([ExtensionJob(module_name, cpp, output)], python=abi, opt_level=opt_level, parallel=1)
    except ModuleCompileError as exc:
        errors = [ln for ln in exc.stderr.splitlines() if "error" in ln] or exc.stderr.splitlines()
        return f"C++ compile error (source kept at {exc.kept_source}):\n" + _first_lines("\n".join(errors))
    except ToolchainError as exc:
        return f"ToolchainError: {_first_lines(str(exc))}"
    except Exception as exc:
        return f"{type(exc).__name__}: {_first_lines(str(exc))}"
    return ""


def make_shadow(testdir: Path, name: str, is_package: bool, shadow: Path, ext_suffix: str) -> Path:
    """A copy of `testdir` made of directories and symbolic links to its files, with the
    module's extension beside its source, as `ziggurat compile --inplace` would leave it;
    returns where the extension goes. `__file__` is then the real extension, tests find
    their data files next to it (directories are real, so `os.getcwd()` after a chdir into
    one is what the test expects) and tracebacks show source lines."""
    shutil.rmtree(shadow, ignore_errors=True)
    for dirpath, dirnames, filenames in os.walk(testdir):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        rel = Path(dirpath).relative_to(testdir)
        (shadow / rel).mkdir(parents=True, exist_ok=True)
        for f in filenames:
            (shadow / rel / f).symlink_to(Path(dirpath) / f)
    parts = name.split(".")
    if not is_package:
        return shadow.joinpath(*parts[:-1], f"{parts[-1]}{ext_suffix}")
    return shadow.joinpath(*parts, f"__init__{ext_suffix}")


MAX_RESTARTS = 25


def run_tests(interp: Interpreter, name: str, mode: str, work: Path, timeout: float, extension: Path | None = None) -> Run:
    """Run test.NAME in a fresh interpreter. When the process dies inside a test (a
    segfault), that test counts as an error and the module is started again without the
    tests already done, up to MAX_RESTARTS times, so one crash costs one test. A timeout
    (`timeout` seconds for all attempts together) ends the run with what was recorded."""
    events = work / f"{mode}.jsonl"
    events.unlink(missing_ok=True)
    skip_file = work / f"{mode}.skip"
    skip_file.unlink(missing_ok=True)
    cwd = work / f"{mode}-cwd"
    shutil.rmtree(cwd, ignore_errors=True)
    cwd.mkdir(parents=True)
    cmd = [interp.executable, "-I", "-X", "faulthandler", str(CHILD), name, mode, str(events)]
    if extension is not None:
        cmd += ["--extension", str(extension)]
    started = time.monotonic()
    crashed: dict[str, dict[str, Any]] = {}  # test id -> its outcome: died during it
    stops: list[str] = []  # one line per crash or timeout
    first_tail = ""
    stderr_path = work / f"{mode}.stderr"
    stderr_path.unlink(missing_ok=True)
    while True:
        timed_out = False
        with open(work / f"{mode}.stdout", "ab") as out, open(stderr_path, "ab") as err:
            proc = subprocess.Popen(
                cmd + (["--skip", str(skip_file)] if crashed else []),
                cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True,
            )
            try:
                rc = proc.wait(timeout=max(1.0, timeout - (time.monotonic() - started)))
            except subprocess.TimeoutExpired:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                rc = proc.wait()
        run, done, running = _read_events(events)
        run.outcomes.update(crashed)
        run.returncode = rc
        run.seconds = time.monotonic() - started
        stderr_tail = _tail(stderr_path)
        if done:
            if rc != 0:
                stops.append(f"{_exit_description(rc)} after all tests finished")
                first_tail = first_tail or stderr_tail
            if crashed:
                run.status = "crashed"
            break
        how = f"timed out after {timeout:.0f} s" if timed_out else _exit_description(rc)
        if running is not None:
            run.outcomes[running] = crashed[running] = {"status": "error", "message": f"{how} during this test"}
            how += f" in {running}"
        stops.append(how)
        first_tail = first_tail or stderr_tail
        run.status = "timeout" if timed_out else "crashed"
        if timed_out or running is None:
            break
        if len(crashed) > MAX_RESTARTS:
            stops.append(f"gave up after {MAX_RESTARTS} restarts")
            break
        done_ids = set(run.outcomes) | {f["id"] for f in run.fixture_errors}
        skip_file.write_text("".join(f"{tid}\n" for tid in sorted(done_ids)), encoding="utf-8")
        with open(stderr_path, "ab") as err:  # the next attempt's stderr starts after a mark
            err.write(f"\n--- restarted after the crash in {running} ---\n".encode())
    if stops and run.status != "import-error":
        shown = stops if len(stops) <= 6 else stops[:5] + [f"... and {len(stops) - 5} more"]
        run.note = "\n".join(shown) + "\nstderr of the first ends:\n" + first_tail
    return run


def _read_events(events: Path) -> tuple[Run, bool, str | None]:
    """The Run recorded in a child's events file; whether it finished; the test that was
    running when it stopped (None if none was)."""
    run = Run(status="ok")
    done = False
    running: str | None = None
    lines = events.read_text(encoding="utf-8", errors="replace").splitlines() if events.exists() else []
    for line in lines:
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        kind = ev.get("event")
        if kind == "start":
            running = ev["id"]
        elif kind == "outcome":
            entry = {k: ev[k] for k in ("status", "message", "detail") if ev.get(k)}
            if ev.get("fixture"):
                run.fixture_errors.append({"id": ev["id"], **entry})
            else:
                run.outcomes[ev["id"]] = entry
            if running == ev["id"]:
                running = None
        elif kind == "imported":
            run.loader = ev.get("loader", "")
            running = None
        elif kind == "import_error":
            run.status = "import-error"
            run.note = ev.get("traceback", "")
        elif kind == "done":
            done = True
    return run, done, running


def _exit_description(rc: int | None) -> str:
    if rc is not None and rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit code {rc}"


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def process_module(interp: Interpreter, abi: Any, name: str, root: Path, timeout: float, opt_level: str) -> ModuleResult:
    source, is_package = find_source(interp, name)
    if source is None:
        return ModuleResult(name, "missing")
    result = ModuleResult(name, "ok", source=str(source), is_package=is_package)
    work = root / name
    work.mkdir(parents=True, exist_ok=True)
    module_name = f"test.{name}"

    t = time.monotonic()
    cpp, functions, error = translate(interp, source, module_name, work)
    result.seconds["translate"] = time.monotonic() - t
    result.functions = len(functions)
    result.native = sum(1 for f in functions if f["native"])
    result.fallback_reasons = dict(Counter(f["reason"] for f in functions if not f["native"]).most_common())
    extension: Path | None = None
    if cpp is None:
        result.status, result.error = "translate-error", error
    else:
        (work / "module.cpp").write_text(cpp, encoding="utf-8")
        extension = make_shadow(interp.testdir, name, is_package, work / "shadow", abi.ext_suffix)
        t = time.monotonic()
        error = build(interp, abi, module_name, cpp, extension, opt_level)
        result.seconds["build"] = time.monotonic() - t
        if error:
            result.status, result.error, extension = "build-error", error, None

    result.interp = run_tests(interp, name, "interp", work, timeout)
    result.seconds["interp"] = result.interp.seconds
    if result.interp.note:  # the interpreted run itself crashed, timed out or would not import
        result.error = f"interpreted run: {result.interp.status}\n" + _first_lines(result.interp.note, 20)
    if extension is not None:
        result.compiled = run_tests(interp, name, "compiled", work, timeout, extension)
        result.seconds["compiled"] = result.compiled.seconds
        if result.compiled.status != "ok":
            result.status = result.compiled.status
        if result.compiled.note:
            result.error = (result.error + "\n" if result.error else "") + _first_lines(result.compiled.note, 40)
        if result.compiled.loader and result.compiled.loader != "ExtensionFileLoader":
            raise RuntimeError(f"{name}: the compiled run did not load the extension ({result.compiled.loader})")
    return result


def run_suite(
    python: str,
    modules: Sequence[str] = DEFAULT_MODULES,
    *,
    jobs: int | None = None,
    keep: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    opt_level: str = "2",
    progress: Callable[[str], None] | None = None,
) -> SuiteResult:
    from ziggurat.toolchains import python_abi_for

    started = time.monotonic()
    interp = probe_interpreter(python)
    abi = python_abi_for(python)
    root = Path(keep).resolve() if keep else Path(tempfile.mkdtemp(prefix="ziggurat-cpython-suite-"))
    root.mkdir(parents=True, exist_ok=True)
    modules = expand_packages(interp, modules)
    # Big modules first, so the slowest do not start last.
    order = sorted(modules, key=lambda n: -_source_size(interp, n))
    results: dict[str, ModuleResult] = {}
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs or os.cpu_count() or 1)) as pool:
            futures = {name: pool.submit(process_module, interp, abi, name, root, timeout, opt_level) for name in order}
            for i, name in enumerate(_as_finished(futures), 1):
                results[name] = futures[name].result()
                if progress:
                    progress(f"[{i}/{len(modules)}] {_progress_line(results[name])}")
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return SuiteResult(python, interp.version, [results[n] for n in modules], time.monotonic() - started, ziggurat_revision())


REPO = Path(__file__).resolve().parents[2]
_REVISION_FILE = "ZIGGURAT_REVISION"  # written into a tree exported by export_revision()


def export_revision(rev: str) -> Path:
    """Export the tree of git revision `rev` of this repository into a temporary directory
    (removed by the caller: the returned path's parent); returns the export's root."""
    full = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", f"{rev}^{{commit}}"],
                          capture_output=True, text=True)
    if full.returncode != 0:
        raise SystemExit(f"cpython_suite: no git revision {rev!r}: {full.stderr.strip()}")
    root = Path(tempfile.mkdtemp(prefix="ziggurat-rev-")) / "src"
    root.mkdir()
    archive = subprocess.Popen(["git", "-C", str(REPO), "archive", full.stdout.strip(), "ziggurat"], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(root)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit(f"cpython_suite: git archive {rev} failed")
    (root / _REVISION_FILE).write_text(full.stdout.strip() + "\n", encoding="utf-8")
    return root


def ziggurat_revision() -> str:
    """'0.1.0 (git 8ee7f8a)': the commit measured, '+dirty' when the working tree has changes."""
    import ziggurat

    root = Path(ziggurat.__file__).resolve().parents[1]
    if (root / _REVISION_FILE).exists():
        rev = (root / _REVISION_FILE).read_text(encoding="utf-8").strip()
    else:
        try:
            rev = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty=+dirty"],
                                 capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            rev = ""
    return f"{ziggurat.__version__} (git {rev})" if rev else f"{ziggurat.__version__} ({root})"


def _as_finished(futures: dict[str, Any]) -> list[str]:
    from concurrent.futures import as_completed

    by_future = {f: n for n, f in futures.items()}
    return [by_future[f] for f in as_completed(by_future)]


def _source_size(interp: Interpreter, name: str) -> int:
    source, _ = find_source(interp, name)
    return source.stat().st_size if source else 0


def _progress_line(m: ModuleResult) -> str:
    if m.status == "missing":
        return f"{m.name}: not in this Python's test package"
    i = m.interp.passed if m.interp else 0
    c = m.compiled.passed if m.compiled else 0
    secs = " ".join(f"{k} {v:.0f}s" for k, v in m.seconds.items())
    return f"{m.name}: {m.status}, passed {i} interpreted / {c} compiled, {len(m.lost)} lost ({secs})"


# ---------------------------------------------------------------------------- report


def _pair(a: int | None, b: int | None) -> str:
    return f"{'-' if a is None else a}/{'-' if b is None else b}"


def format_report(suite: SuiteResult) -> str:
    out: list[str] = []
    ver = ".".join(map(str, suite.version))
    out.append(f"CPython {ver} test suite ({suite.python}) compiled by ziggurat {suite.ziggurat}, {suite.seconds:.0f} s")
    out.append("columns: interpreted/compiled; native = functions compiled natively / all functions")
    head = f"{'module':<26}{'run':>11}{'passed':>11}{'failed':>9}{'errors':>9}{'skipped':>9}{'native':>17}{'lost':>6}  status"
    out.append(head)
    out.append("-" * len(head))
    totals = [0] * 10
    for m in suite.modules:
        if m.status == "missing":
            out.append(f"{m.name:<26}{'(not in this Python)':>47}")
            continue
        i, c = m.interp, m.compiled
        vals = []
        for attr in ("run", "passed", "failed", "errors", "skipped"):
            vals.append((getattr(i, attr) if i else None, getattr(c, attr) if c else None))
        for k, (a, b) in enumerate(vals):
            totals[2 * k] += a or 0
            totals[2 * k + 1] += b or 0
        share = f"{m.native}/{m.functions} {100 * m.native / m.functions:.0f}%" if m.functions else "-"
        out.append(
            f"{m.name:<26}{_pair(*vals[0]):>11}{_pair(*vals[1]):>11}{_pair(*vals[2]):>9}"
            f"{_pair(*vals[3]):>9}{_pair(*vals[4]):>9}{share:>17}{len(m.lost):>6}  {m.status}"
        )
    out.append("-" * len(head))
    natives = sum(m.native for m in suite.present())
    functions = sum(m.functions for m in suite.present())
    share = f"{natives}/{functions} {100 * natives / functions:.0f}%" if functions else "-"
    lost = sum(len(m.lost) for m in suite.present())
    out.append(
        f"{'total':<26}{_pair(totals[0], totals[1]):>11}{_pair(totals[2], totals[3]):>11}"
        f"{_pair(totals[4], totals[5]):>9}{_pair(totals[6], totals[7]):>9}{_pair(totals[8], totals[9]):>9}"
        f"{share:>17}{lost:>6}"
    )
    missing = [m.name for m in suite.modules if m.status == "missing"]
    if missing:
        out.append(f"not in CPython {ver}'s test package (skipped): {', '.join(missing)}")

    problems = [m for m in suite.present() if m.error or m.lost or m.gained]
    if problems:
        out.append("")
        out.append("details:")
    for m in problems:
        if m.error:
            out.append(f"  {m.name}: {m.status}")
            out.extend("      " + ln for ln in m.error.splitlines())
        if m.lost:
            out.append(f"  {m.name}: {len(m.lost)} test(s) pass interpreted but not compiled, e.g.")
            for tid in m.lost[:_LOST_SHOWN]:
                o = m.compiled.outcomes.get(tid) if m.compiled else None
                why = f"{o['status']}: {_one_line(o.get('message', ''))}" if o else "not run"
                out.append(f"      {_short_id(tid, m.name)}  [{why[:160]}]")
        if m.gained:
            out.append(f"  {m.name}: {len(m.gained)} test(s) pass compiled but not interpreted: "
                       + ", ".join(_short_id(t, m.name) for t in m.gained[:_LOST_SHOWN]))
    out.append("")
    pct = 100 * suite.headline
    verdict = "meets" if suite.headline >= BAR else "below"
    out.append(
        f"headline: {suite.kept} of the {suite.passed_interp} tests that pass interpreted pass compiled: "
        f"{pct:.1f}% ({verdict} the {100 * BAR:.0f}% bar)"
    )
    ratio = suite.passed_compiled / suite.passed_interp if suite.passed_interp else 0.0
    out.append(f"passed compiled / passed interpreted: {suite.passed_compiled}/{suite.passed_interp} = {100 * ratio:.1f}%")
    return "\n".join(out)


def _one_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[0] + (" ..." if len(lines) > 1 else "") if lines else ""


def _short_id(tid: str, name: str) -> str:
    prefix = f"test.{name}."
    return tid[len(prefix):] if tid.startswith(prefix) else tid


# ---------------------------------------------------------------------------- command


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.cpython_suite.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="the interpreter whose test package is run (default: this one)")
    parser.add_argument("--modules", help="comma-separated test modules (default: the language tests of issue 3)")
    parser.add_argument("--jobs", "-j", type=int, default=None, help="modules processed at once (default: CPU count)")
    parser.add_argument("--keep", help="keep the C++, the extensions and the logs under DIR")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per test run (default 600)")
    parser.add_argument("-O", "--opt-level", default="2", choices=["0", "1", "2", "3", "s"])
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--ziggurat", metavar="DIR",
                       help="use the ziggurat package under DIR instead of the installed one")
    which.add_argument("--rev", metavar="REV",
                       help="use ziggurat as committed at git revision REV of this repository "
                            "(e.g. HEAD: the last commit, without uncommitted edits)")
    args = parser.parse_args(argv)
    exported: Path | None = None
    if args.ziggurat or args.rev:
        if "ziggurat" in sys.modules:
            raise SystemExit("cpython_suite: --ziggurat/--rev must be given before ziggurat is imported")
        if args.rev:
            exported = export_revision(args.rev)
        sys.path.insert(0, str(exported or Path(args.ziggurat).resolve()))
    modules = [m.strip() for m in args.modules.split(",") if m.strip()] if args.modules else list(DEFAULT_MODULES)

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        suite = run_suite(
            args.python, modules, jobs=args.jobs, keep=Path(args.keep) if args.keep else None,
            timeout=args.timeout, opt_level=args.opt_level, progress=None if args.quiet else progress,
        )
    finally:
        if exported is not None:
            shutil.rmtree(exported.parent, ignore_errors=True)
    print(format_report(suite))
    if args.json:
        Path(args.json).write_text(json.dumps(suite.to_json(), indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
