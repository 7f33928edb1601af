"""CPython's own language tests compiled by ziggurat (tools/cpython_suite, docs/cpython-suite.md).

The default run compiles a few small modules that pass in full and requires every test that
passes interpreted to pass compiled, on this interpreter and on each one listed in
ZIGGURAT_TEST_PYTHONS. The whole list of issue 3 is marked slow (several minutes).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.cpython_suite.run import (  # noqa: E402
    BAR,
    DEFAULT_MODULES,
    Interpreter,
    ModuleResult,
    Run,
    SuiteResult,
    expand_packages,
    find_source,
    format_report,
    make_shadow,
    run_suite,
)

# Small modules that pass in full compiled (measured on 3.11 and 3.13).
FAST_MODULES = ("test_augassign", "test_bool", "test_keywordonlyarg", "test_global")

# The whole list passed 97.0% (3.11) and 96.8% (3.13) of the interpreted passes compiled
# when last measured (commit 1a90d7b, docs/cpython-suite.md); the floor sits a little below,
# to be raised as the translator improves, up to BAR (98%).
WHOLE_LIST_FLOOR = 0.95


def interpreters() -> list[str]:
    extra = [p for p in os.environ.get("ZIGGURAT_TEST_PYTHONS", "").split(os.pathsep) if p]
    return [sys.executable, *extra]


def _has_test_package(python: str) -> bool:
    probe = subprocess.run([python, "-I", "-c", "import test.support"], capture_output=True, cwd="/")
    return probe.returncode == 0


def _python_id(python: str) -> str:
    return python.rsplit("/", 3)[-3] if "/versions/" in python else "host"


@pytest.mark.parametrize("python", interpreters(), ids=_python_id)
def test_fast_slice_passes_as_interpreted(python: str, tmp_path: Path) -> None:
    if not _has_test_package(python):
        pytest.skip(f"{python} has no `test` package")
    suite = run_suite(python, FAST_MODULES, keep=tmp_path, timeout=300)
    report = format_report(suite)
    for m in suite.modules:
        assert m.status == "ok", report
        assert m.interp is not None and m.compiled is not None, report
        assert m.interp.passed > 0, report
        assert m.compiled.run == m.interp.run, report
        assert m.compiled.passed == m.interp.passed and not m.lost, report
        assert m.native == m.functions, report  # nothing fell back to the interpreter


def _run(status: str, outcomes: dict[str, str]) -> Run:
    return Run(status=status, outcomes={t: {"status": s} for t, s in outcomes.items()})


def test_packages_that_hand_over_run_their_test_modules(tmp_path: Path) -> None:
    """3.13's test_inspect is a package whose __init__.py only calls load_package_tests:
    its test*.py modules are compiled and run (as test_inspect.test_inspect), not the
    __init__.py; a package holding its tests in __init__.py (test_dataclasses) stays one."""
    testdir = tmp_path / "test"
    (testdir / "test_handover").mkdir(parents=True)
    (testdir / "test_handover" / "__init__.py").write_text(
        "import os\nfrom test import support\n\ndef load_tests(*args):\n"
        "    return support.load_package_tests(os.path.dirname(__file__), *args)\n")
    for sub in ("test_b", "test_a", "fodder"):
        (testdir / "test_handover" / f"{sub}.py").write_text("")
    (testdir / "test_own").mkdir()
    (testdir / "test_own" / "__init__.py").write_text("import unittest\n")
    (testdir / "test_plain.py").write_text("")
    interp = Interpreter(sys.executable, (sys.version_info.major, sys.version_info.minor), testdir)
    names = expand_packages(interp, ["test_plain", "test_handover", "test_own", "test_missing"])
    assert names == ["test_plain", "test_handover.test_a", "test_handover.test_b", "test_own", "test_missing"]
    assert find_source(interp, "test_handover.test_a") == (testdir / "test_handover" / "test_a.py", False)
    assert find_source(interp, "test_own") == (testdir / "test_own" / "__init__.py", True)
    shadow = tmp_path / "shadow"
    ext = make_shadow(testdir, "test_handover.test_a", False, shadow, ".so")
    assert ext == shadow / "test_handover" / "test_a.so"
    assert (shadow / "test_handover" / "test_a.py").is_symlink()


def test_report_counts_lost_tests_and_headline() -> None:
    """The arithmetic of the report, on made-up results: a test that fails compiled or is
    never run compiled (after a crash) is lost; a test failing in both is not."""
    ok = ModuleResult(
        "test_a", "ok", native=3, functions=4,
        interp=_run("ok", {"test.test_a.T.t1": "pass", "test.test_a.T.t2": "pass", "test.test_a.T.t3": "fail"}),
        compiled=_run("ok", {"test.test_a.T.t1": "pass", "test.test_a.T.t2": "error", "test.test_a.T.t3": "fail"}),
    )
    crashed = ModuleResult(
        "test_b", "crashed", error="killed by SIGSEGV in test.test_b.T.t1",
        interp=_run("ok", {"test.test_b.T.t1": "pass", "test.test_b.T.t2": "xfail", "test.test_b.T.t3": "skip"}),
        compiled=_run("crashed", {"test.test_b.T.t1": "error"}),
    )
    broken = ModuleResult("test_c", "build-error", error="C++ compile error", interp=_run("ok", {"test.test_c.T.t": "pass"}))
    missing = ModuleResult("test_d", "missing")
    suite = SuiteResult("python3", (3, 11), [ok, crashed, broken, missing], 1.0)
    assert ok.lost == ["test.test_a.T.t2"]
    assert crashed.lost == ["test.test_b.T.t1", "test.test_b.T.t2"]
    assert broken.lost == ["test.test_c.T.t"]
    assert (suite.passed_interp, suite.passed_compiled, suite.kept) == (5, 1, 1)
    report = format_report(suite)
    assert "1 of the 5 tests that pass interpreted pass compiled: 20.0%" in report
    assert "test_d" in report and "not in CPython 3.11" in report
    assert "killed by SIGSEGV" in report and "C++ compile error" in report
    data = suite.to_json()
    assert data["totals"]["headline"] == 0.2 and data["missing"] == ["test_d"]


@pytest.mark.slow
@pytest.mark.parametrize("python", interpreters(), ids=_python_id)
def test_whole_list(python: str, tmp_path: Path) -> None:
    if not _has_test_package(python):
        pytest.skip(f"{python} has no `test` package")
    suite = run_suite(python, DEFAULT_MODULES, keep=tmp_path)
    report = format_report(suite)
    print(report)
    # The goal of issue 3 is BAR (98%) on 3.11 and 3.13; until then, no regression below the floor.
    assert suite.headline >= min(WHOLE_LIST_FLOOR, BAR), report
