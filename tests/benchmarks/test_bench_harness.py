"""The benchmark harness (benchmarks/), not the benchmarks: that the typed variants add only
annotations to pyperformance's files, that the driver's output check sees a difference, that
the report marks failures instead of counting them, and one real run of the harness on a tiny
benchmark (1 round) whose table has the expected columns and an identical-output verdict.

The suite itself (`python -m benchmarks.run`) is never a timed test.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks import report, run, tools  # noqa: E402
from ziggurat.toolchains import zig  # noqa: E402
from benchmarks.tools import EXT_SUFFIX  # noqa: E402


@pytest.fixture(scope="module")
def bm_dir() -> Path:
    return run.pyperformance_dir()  # installs pyperformance from PyPI when missing


class _Strip(ast.NodeTransformer):
    """Remove every annotation: what the typed variants may add, and nothing else."""

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.annotation = None
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.returns = None
        self.generic_visit(node)
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        if node.value is None:
            return None  # a bare declaration
        return ast.copy_location(ast.Assign(targets=[node.target], value=node.value), node)


def _stripped(source: str) -> str:
    tree = _Strip().visit(ast.parse(source))
    doc = ast.get_docstring(tree, clean=False)
    if doc is not None:
        tree.body = tree.body[1:]
    return ast.dump(tree, include_attributes=False)


@pytest.mark.parametrize("name", sorted(run.TYPED))
def test_typed_variant_only_adds_annotations(name: str, bm_dir: Path) -> None:
    base = run.TYPED[name]
    typed = (ROOT / "benchmarks" / "typed" / f"{base}.py").read_text(encoding="utf-8")
    original = (bm_dir / f"bm_{base}" / "run_benchmark.py").read_text(encoding="utf-8")
    assert _stripped(typed) == _stripped(original)
    # The docstring keeps the original's (credits, licence notes) after saying what it is.
    typed_doc = ast.get_docstring(ast.parse(typed), clean=False) or ""
    original_doc = ast.get_docstring(ast.parse(original), clean=False) or ""
    assert typed_doc.rstrip().endswith(original_doc.strip()) and "pyperformance 1.14.0" in typed_doc
    assert ast.dump(ast.parse(typed)) != ast.dump(ast.parse(original))  # it does add some


def _drive_check(tmp_path: Path, factor: int) -> dict[str, str]:
    d = tmp_path / f"factor{factor}"
    d.mkdir()
    body = f"FACTOR = {factor}"
    (d / "bm_tiny.py").write_text(
        "import pyperf\n" + body + "\ndef work(n):\n    STATE.append(n)\n    return n * FACTOR\n"
        "STATE = []\nHANDLERS = {'w': work, 'i': int}\n"
        "if __name__ == '__main__':\n    pyperf.Runner().bench_func('tiny', work, 21)\n", encoding="utf-8")
    out = tmp_path / f"{d.name}.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "driver.py"), str(out), str(d), "bm_tiny",
                    str(d / "bm_tiny.py"), "check"], check=True, cwd=tmp_path)
    fingerprint: dict[str, str] = json.loads(out.read_text())["fingerprint"]
    return fingerprint


def test_driver_check_sees_a_different_result(tmp_path: Path, bm_dir: Path) -> None:
    two = _drive_check(tmp_path, 2)
    three = _drive_check(tmp_path, 3)
    assert two["return[0]"] == "42" and three["return[0]"] == "63"
    assert two["global STATE"] == three["global STATE"] == "[21]"
    # Each tool has its own function type; a function is only "<callable>".
    assert two["global HANDLERS"] == "{'w': <callable>, 'i': <callable>}"
    assert {k for k in two if two[k] != three.get(k)} == {"return[0]", "global FACTOR"}


def _bench(name: str, group: str, **tools: dict[str, Any]) -> dict[str, Any]:
    def tool(build_ok: bool = True, ratios: list[float] | None = None, identical: bool | None = True,
             error: str = "", differences: list[str] | None = None) -> dict[str, Any]:
        return {"build": {"ok": build_ok, "seconds": 1.0, "size": 2048, "error": "" if build_ok else "boom",
                          "cpu_seconds": 0.5},
                "file": "", "seconds": [0.1], "ratios": ratios or [], "identical": identical,
                "differences": differences or [], "error": error}
    return {"spec": {"name": name, "group": group, "base": "", "source": ""}, "loops": [1], "unstable": [],
            "error": "", "tools": {"cpython": tool(), **{k: tool(**v) for k, v in tools.items()}}}


def test_report_marks_failures_and_leaves_them_out_of_the_geomean() -> None:
    data = {"python": "3.11.7", "pyperformance": "1.14.0", "ziggurat": "0.1.0", "rounds": 1,
            "tools": ["cpython", "ziggurat", "cython"], "peer_status": {"cython": "installed 3"},
            "named": list(run.NAMED), "seconds": 1.0, "benchmarks": [
                _bench("nbody", "named", ziggurat={"ratios": [4.0]}, cython={"build_ok": False}),
                _bench("go", "named", ziggurat={"ratios": [9.0], "identical": False, "differences": ["return[0]"]},
                       cython={"ratios": [2.0]}),
                _bench("float", "named", ziggurat={"ratios": [1.0]}, cython={"ratios": [8.0]}),
            ]}
    text = report.markdown(data)
    assert "| benchmark | CPython ms | ziggurat | cython | output identical |" in text
    assert "| nbody | 100.0 | 4.00x (4.00–4.00) | build failed | yes |" in text
    assert "| go | 100.0 | output differs (9.00x (9.00–9.00)) | 2.00x (2.00–2.00) | NO: ziggurat |" in text
    # ziggurat: nbody and float only (go differs): sqrt(4 * 1) = 2; cython: go and float: sqrt(16) = 4.
    assert "**2.00x** (2/13)" in text and "**4.00x** (2/13)" in text
    assert "go** / ziggurat: output differs from CPython in return[0]" in text
    assert "nbody** / cython: build failed: `boom`" in text
    assert "- geomean over the 13 named >= 3x: 2.00x over 2/13 -> FAIL" in text
    assert "- each of them faster than CPython: 1/3 -> FAIL (not: float, go)" in text
    assert "(not: float 1.00x vs 8.00x; go 0.00x vs 2.00x)" in text
    # compile time: wall clock with the CPU time in brackets; the bar over the two both built
    assert "| go | 1.0 (0.5) | 1.0 (0.5) | 2 | 2 |" in text and "| nbody | 1.0 (0.5) | failed (1.0 (0.5)) |" in text
    assert "| **total** | 3.0 (1.5), 3 built | 2.0 (1.0), 2 built |" in text
    assert "ziggurat 2.0 s vs Cython 2.0 s over the 2 both built -> PASS; CPU time ziggurat 1.0 s vs Cython 1.0 s" in text


def test_a_missing_zig_is_installed_before_any_build(monkeypatch: pytest.MonkeyPatch) -> None:
    # A fresh clone installed with a plain `pip install -e .` has no zig; the harness adds
    # ziglang, and says why not when pip cannot, instead of failing on the first build.
    found: list[bool] = [False]
    asked: list[str] = []

    def pip(requirement: str) -> str:
        asked.append(requirement)
        found[0] = requirement == "ziglang"
        return ""

    monkeypatch.setattr(zig, "zig_available", lambda: found[0])
    monkeypatch.setattr(tools, "ensure_installed", pip)
    assert tools.ensure_zig() == "" and asked == ["ziglang"]
    assert tools.ensure_zig() == "" and asked == ["ziglang"]  # found now: pip not asked again
    found[0] = False
    monkeypatch.setattr(tools, "ensure_installed", lambda requirement: "no network")
    assert tools.ensure_zig() == "no network"


def test_counted_runs_share_one_hash_seed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A count subtracts a one-loop run from a many-loop run: start-up cancels only when both
    # processes hash alike. Timed runs keep the interpreter's own (random) seed.
    monkeypatch.setenv("PYTHONHASHSEED", "random")
    seen: list[dict[str, str] | None] = []

    def fake_run(argv: list[str], cwd: str, timeout: float, env: dict[str, str] | None = None) -> Any:
        seen.append(env)
        Path(argv[argv.index(str(run.DRIVER)) + 1]).write_text("{}", encoding="utf-8")
        return subprocess.CompletedProcess(argv, 0, "", "==1== Collected : 1,234")

    monkeypatch.setattr(run, "run", fake_run)
    spec = run.Spec("x", tmp_path / "x.py", None, "named")
    assert run.drive(spec, tmp_path, "time", loops=[1], profile="/dev/null") == {"instructions": 1234}
    assert run.drive(spec, tmp_path, "time", loops=[2], profile="/dev/null") == {"instructions": 1234}
    run.drive(spec, tmp_path, "time", loops=[1])
    assert [e and e["PYTHONHASHSEED"] for e in seen] == [run.COUNTED_HASH_SEED, run.COUNTED_HASH_SEED, None]


def test_harness_runs_one_benchmark(tmp_path: Path, bm_dir: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--bench", "nqueens", "--rounds", "1",
                           "--target-seconds", "0.05", "--out", str(tmp_path), "--work", str(tmp_path / "work")],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    table = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert "| benchmark | CPython ms | ziggurat | output identical |" in table
    row = next(line for line in table.splitlines() if line.startswith("| nqueens |"))
    assert row.endswith("| yes |"), row
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    zig = data["benchmarks"][0]["tools"]["ziggurat"]
    assert zig["build"]["ok"] and zig["build"]["size"] > 0 and zig["identical"] is True
    assert 0 < zig["build"]["cpu_seconds"]  # zig's compiler processes were waited for and counted
    assert zig["file"].endswith(EXT_SUFFIX) and len(zig["ratios"]) == 1
    assert "| **geomean, the 13 named** |" in table and "## Builds" in table
    assert (tmp_path / "speedups.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_merges_a_rerun() -> None:
    base = {"python": "3.11.7", "pyperformance": "1.14.0", "ziggurat": "0.1.0", "rounds": 1,
            "tools": ["cpython", "ziggurat"], "peer_status": {}, "named": list(run.NAMED), "seconds": 10.0,
            "benchmarks": [_bench("nbody", "named", ziggurat={"ratios": [4.0]}),
                           _bench("go", "named", ziggurat={"ratios": [1.0], "identical": False})]}
    rerun = dict(base, seconds=5.0, benchmarks=[_bench("go", "named", ziggurat={"ratios": [9.0]})])
    merged = report.merge(base, rerun)
    assert [b["spec"]["name"] for b in merged["benchmarks"]] == ["nbody", "go"]
    assert merged["benchmarks"][1]["tools"]["ziggurat"]["ratios"] == [9.0] and merged["seconds"] == 15.0
    text = report.markdown(merged)
    assert "**6.00x** (2/13)" in text and "Re-run separately and merged into this run: go." in text
    with pytest.raises(SystemExit):
        report.merge(base, dict(rerun, tools=["cpython", "ziggurat", "cython"]))


def test_byte_compile_writes_a_tools_missing_bytecode(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # An editable install under PYTHONDONTWRITEBYTECODE has no bytecode: the harness writes it
    # before measuring (as a wheel install would have), once, and never for a file that has it.
    package = tmp_path / "zg_fake_tool"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("X = 1\n")
    (package / "sub" / "mod.py").write_text("Y = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    tool = tools.Tool("fake", "", "zg_fake_tool", lambda d, m: [])
    assert tools.byte_compile(tool) == 2
    import importlib.util

    assert Path(importlib.util.cache_from_source(str(package / "sub" / "mod.py"))).is_file()
    assert tools.byte_compile(tool) == 0
