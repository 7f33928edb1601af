"""The compile-and-compare harness.

A case is a Python file in cases/ whose `test_*` functions assert. For each interpreter
under test the harness: runs the case under CPython (it must pass there); translates it
twice (the C++ must be identical); compiles it; runs the compiled module; compares every
test's outcome and output; and calls each test many times, failing if allocated memory
grows with the number of calls (a reference leaked per call shows up at once).
On failure the generated C++ and the logs stay in .ziggurat_test_output/ and the message
says where.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ziggurat.errors import ToolchainError
from ziggurat.toolchains import ABI3_FLOOR, ExtensionJob, abi3_python_abi, build_extensions, python_abi_for
from ziggurat.translator import translate_module

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
DRIVER = HERE / "driver.py"
KEEP_ROOT = HERE.parents[1] / ".ziggurat_test_output"
LEAK_CALLS = 200
# Allocated blocks may grow by caches warming up, never by one block per call more than
# the same code grows under CPython.
LEAK_TOLERANCE_PER_CALL = 0.5


# ZIGGURAT_TEST_ABI3=1 builds every case against the limited API (an .abi3.so module for
# the ABI3_FLOOR and later, toolchains.abi3_python_abi) instead of the interpreter's own ABI,
# always with the running interpreter's headers: the module each interpreter under test
# (ZIGGURAT_TEST_PYTHONS) runs is the very one the others run.
ABI3_ENV = "ZIGGURAT_TEST_ABI3"


def abi3_mode() -> bool:
    return os.environ.get(ABI3_ENV, "") not in ("", "0")


def case_files() -> list[Path]:
    return sorted(CASES.glob("*.py"))


def required_version(source: Path) -> tuple[int, int]:
    """A case may start with `# requires-python: >=3.11` (new syntax it needs): on older
    interpreters the case is reported as skipped ("needs a newer Python"), never as passed;
    when the running interpreter is older than that but the one under test is not, the
    case is translated by the interpreter under test (whose `ast` parses it), as the build
    backend would be run by it."""
    for line in source.read_text(encoding="utf-8").splitlines()[:5]:
        if line.startswith("# requires-python: >="):
            major, minor = line.split(">=")[1].strip().split(".")[:2]
            return int(major), int(minor)
    return (3, 0)


@dataclass
class CaseBuild:
    name: str
    source: Path
    python: str
    keep_dir: Path
    module_dir: Path | None  # holds the compiled extension; None when the build failed
    error: str = ""
    report: str = ""


def build_cases(sources: list[Path], python: str, out: Path) -> list[CaseBuild]:
    abi = python_abi_for(python)
    if abi3_mode():
        target_version = abi.version
        abi = abi3_python_abi(python_abi_for(sys.executable), ABI3_FLOOR)
        if target_version < ABI3_FLOOR:
            return []
    builds: list[CaseBuild] = []
    jobs: list[ExtensionJob] = []
    for src in sources:
        if python_abi_for(python).version < required_version(src):
            continue
        name = src.stem
        keep = KEEP_ROOT / f"{abi.python_tag}-{abi.abi_tag}" / name
        if keep.exists():
            shutil.rmtree(keep)
        keep.mkdir(parents=True)
        build = CaseBuild(name, src, python, keep, None)
        builds.append(build)
        text = src.read_text(encoding="utf-8")
        try:
            if sys.version_info[:2] < required_version(src):
                first_cpp, second_cpp, build.report = translate_elsewhere(python, src, keep)
            else:
                first = translate_module(text, filename=src.name, module_name=name)
                second = translate_module(text, filename=src.name, module_name=name)
                first_cpp, second_cpp, build.report = first.cpp, second.cpp, first.report.summary()
        except Exception as exc:  # reported per case by the test
            build.error = f"translation failed: {type(exc).__name__}: {exc}"
            continue
        (keep / f"{name}.cpp").write_text(first_cpp, encoding="utf-8")
        if first_cpp != second_cpp:
            (keep / f"{name}.second.cpp").write_text(second_cpp, encoding="utf-8")
            build.error = "translating twice gave different C++"
            continue
        module_dir = out / name
        module_dir.mkdir()
        jobs.append(ExtensionJob(name, first_cpp, module_dir / f"{name}{abi.ext_suffix}"))
        build.module_dir = module_dir
    by_name = {b.name: b for b in builds}
    try:
        build_extensions(jobs, python=abi)
    except ToolchainError:
        for job in jobs:  # find which cases failed, one by one
            try:
                build_extensions([job], python=abi)
            except ToolchainError as exc:
                case = by_name[job.module_name]
                case.error = f"compile failed:\n{exc}"
                case.module_dir = None
    return builds


# Translates a case twice under another interpreter (the translator is pure Python).
_TRANSLATE = """
import sys
sys.path.insert(0, sys.argv[1])
from ziggurat.translator import translate_module
src, out = sys.argv[2], sys.argv[3]
text = open(src, encoding="utf-8").read()
name = src.rsplit("/", 1)[-1][:-3]
first = translate_module(text, filename=name + ".py", module_name=name)
second = translate_module(text, filename=name + ".py", module_name=name)
open(out + ".1", "w", encoding="utf-8").write(first.cpp)
open(out + ".2", "w", encoding="utf-8").write(second.cpp)
open(out + ".report", "w", encoding="utf-8").write(first.report.summary())
"""


def translate_elsewhere(python: str, src: Path, keep: Path) -> tuple[str, str, str]:
    """(C++ of two translations, report) of `src` translated by `python`."""
    out = keep / "translated"
    proc = subprocess.run([python, "-I", "-c", _TRANSLATE, str(HERE.parents[1]), str(src), str(out)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"translating with {python} failed:\n{proc.stderr[-3000:]}")
    read = lambda suffix: Path(f"{out}{suffix}").read_text(encoding="utf-8")  # noqa: E731
    return read(".1"), read(".2"), read(".report")


def run_driver(python: str, directory: Path, module: str, leak_calls: int = 0) -> dict:
    argv = [python, str(DRIVER), str(directory), module]
    if leak_calls:
        argv += ["--leak-check", str(leak_calls)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        return {"crash": f"exit code {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare_case(build: CaseBuild) -> list[str]:
    """Every difference between the interpreted and the compiled case, as messages."""
    where = f"(generated C++ and logs kept in {build.keep_dir})"
    if build.error:
        return [f"{build.name}: {build.error} {where}"]
    assert build.module_dir is not None
    interp_dir = build.keep_dir / "interpreted"
    interp_dir.mkdir(exist_ok=True)
    shutil.copy(build.source, interp_dir / build.source.name)
    expected = run_driver(build.python, interp_dir, build.name, leak_calls=LEAK_CALLS)
    if "crash" in expected:
        return [f"{build.name}: the case does not run under CPython: {expected['crash']}"]
    failures = [r for r in expected["results"] if r["outcome"] != "ok"]
    if failures:
        return [f"{build.name}: the case fails under CPython itself: {failures}"]
    actual = run_driver(build.python, build.module_dir, build.name, leak_calls=LEAK_CALLS)
    (build.keep_dir / "compiled.json").write_text(json.dumps(actual, indent=1), encoding="utf-8")
    if "crash" in actual:
        return [f"{build.name}: the compiled module crashed: {actual['crash']} {where}"]
    problems: list[str] = []
    if not actual["file"].endswith((".so", ".pyd")):
        problems.append(f"{build.name}: imported {actual['file']}, not the extension module")
    exp = {r["test"]: r for r in expected["results"]}
    got = {r["test"]: r for r in actual["results"]}
    if list(exp) != list(got):
        problems.append(f"{build.name}: tests differ: {list(exp)} vs {list(got)}")
    for name, e in exp.items():
        g = got.get(name)
        if g is None:
            continue
        if g["outcome"] != e["outcome"]:
            problems.append(f"{build.name}.{name}: compiled gave {g['outcome']!r}, CPython {e['outcome']!r}")
        if g["stdout"] != e["stdout"]:
            problems.append(f"{build.name}.{name}: output differs:\n--- CPython\n{e['stdout']}\n--- compiled\n{g['stdout']}")
    baseline = expected.get("leaks", {})
    for name, per_call in actual.get("leaks", {}).items():
        # compared with CPython running the same code, which may itself grow (caches)
        if per_call - max(baseline.get(name, 0.0), 0.0) >= LEAK_TOLERANCE_PER_CALL:
            problems.append(
                f"{build.name}.{name}: memory grows by {per_call:.2f} blocks per call "
                f"(CPython: {baseline.get(name, 0.0):.2f}): a leak"
            )
    if problems:
        problems.append(where)
    return problems
