"""Shed Skin beside ziggurat in the benchmark harness: that what Shed Skin is given
(benchmarks/shedskin_prep.py) keeps the workload as it is, that the inference calls are the
original `__main__` block's bench calls and run, that Shed Skin is installed from a given
source when the package index has none (and said to be "not installed" otherwise), and that a
build's product and error lines are found. No Shed Skin build in the default run: the one real
build is marked slow (`python -m pytest -m slow tests/benchmarks/test_shedskin_prep.py`).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks import run, shedskin_prep, tools  # noqa: E402
from benchmarks.tools import EXT_SUFFIX, Tool  # noqa: E402
from ziggurat.errors import ConfigError  # noqa: E402

KERNELS = ("nbody", "spectral_norm", "float", "fannkuch", "nqueens")


@pytest.fixture(scope="module")
def bm_dir() -> Path:
    return run.pyperformance_dir()


def _source(name: str, bm_dir: Path, typed: bool) -> Path:
    return ROOT / "benchmarks" / "typed" / f"{name}.py" if typed else bm_dir / f"bm_{name}" / "run_benchmark.py"


def _discover(tmp: Path, module: str, source: Path) -> list[dict[str, Any]]:
    d = tmp / module
    d.mkdir()
    (d / f"{module}.py").write_bytes(source.read_bytes())
    out = tmp / f"{module}.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "driver.py"), str(out), str(d), module, str(source),
                    "discover"], check=True, cwd=tmp)
    calls: list[dict[str, Any]] = json.loads(out.read_text())["calls"]
    return calls


@pytest.mark.parametrize("typed", [False, True], ids=["pyperformance", "typed"])
@pytest.mark.parametrize("name", KERNELS)
def test_shedskin_gets_the_same_workload_and_its_bench_calls(name: str, typed: bool, bm_dir: Path,
                                                             tmp_path: Path) -> None:
    source = _source(name, bm_dir, typed)
    module = f"bm_{name}"
    calls = _discover(tmp_path, module, source)
    original = source.read_text(encoding="utf-8")
    rewritten = shedskin_prep.for_shedskin(original, calls)

    # Every line above the __main__ block is kept byte for byte; only that block changed.
    first, last = shedskin_prep.main_block_lines(original)
    assert rewritten.startswith("".join(original.splitlines(keepends=True)[:first - 1]))
    old, new = ast.parse(original), ast.parse(rewritten)
    assert [ast.dump(n) for n in old.body[:-1]] == [ast.dump(n) for n in new.body[:-1]]
    assert last == len(original.rstrip("\n").splitlines())  # the block is the file's end

    # The new block: one direct call of each recorded workload (a self-timing one with loops=1).
    block = new.body[-1]
    assert isinstance(block, ast.If) and ast.unparse(block.test) == "__name__ == '__main__'"
    called = [ast.unparse(s) for s in block.body]
    expected = {"nbody": "bench_nbody(1, 'sun', 20000)", "spectral_norm": "bench_spectral_norm(1)",
                "float": "benchmark(100000)", "fannkuch": "fannkuch(9)", "nqueens": "bench_n_queens(8)"}
    assert called == [expected[name]]

    # It runs under CPython with nothing but the shim for pyperf: the workload Shed Skin types
    # from is the one the harness times.
    work = tmp_path / "as_shedskin_sees_it"
    work.mkdir()
    (work / f"{module}.py").write_text(rewritten, encoding="utf-8")
    (work / shedskin_prep.SHIM_NAME).write_text(shedskin_prep.SHIM, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-S", f"{module}.py"], cwd=work, env=env, capture_output=True,
                          text=True, timeout=120)  # -S: no site-packages, so no real pyperf
    assert proc.returncode == 0, proc.stderr


def test_inference_calls_refuse_what_shed_skin_could_not_be_given() -> None:
    ok = [{"kind": "time", "name": "t", "func": "work", "args": ["'sun'", "3"]},
          {"kind": "func", "name": "f", "func": "other", "args": []}]
    assert shedskin_prep.inference_calls(ok) == ["work(1, 'sun', 3)", "other()"]
    with pytest.raises(ValueError, match="literal arguments"):
        shedskin_prep.inference_calls([{"kind": "func", "name": "f", "func": "work", "args": None}])
    with pytest.raises(ValueError, match="not a module-level function"):
        shedskin_prep.inference_calls([{"kind": "func", "name": "f", "func": None, "args": []}])
    with pytest.raises(ValueError, match="async workloads are not supported"):
        shedskin_prep.inference_calls([{"kind": "async", "name": "a", "func": "work", "args": []}])
    with pytest.raises(ValueError):
        shedskin_prep.for_shedskin("def f():\n    pass\n", ok)  # no __main__ block


def test_source_fallback_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(shedskin_prep.SOURCE_ENV, raising=False)
    assert shedskin_prep.source_requirement(None) == ""
    tree = tmp_path / "shedskin-src"
    tree.mkdir()
    with pytest.raises(ConfigError, match="--shedskin-source") as err:
        shedskin_prep.source_requirement(str(tree))  # no pyproject.toml: not a source tree
    assert err.value.key == "--shedskin-source"
    (tree / "pyproject.toml").write_text("[project]\nname = 'shedskin'\n")
    assert shedskin_prep.source_requirement(str(tree)) == str(tree.resolve())
    monkeypatch.setenv(shedskin_prep.SOURCE_ENV, str(tmp_path / "missing.whl"))
    with pytest.raises(ConfigError, match=shedskin_prep.SOURCE_ENV):
        shedskin_prep.source_requirement(None)


def test_install_falls_back_to_the_source_and_says_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    absent = Tool("shedskin", "shedskin", "no_such_module_zg_bench", lambda d, m: [])
    monkeypatch.setattr(run, "SHEDSKIN", absent)
    monkeypatch.setattr(shedskin_prep, "missing_system_tools", lambda: [])
    asked: list[str] = []

    def pip(requirement: str) -> str:
        asked.append(requirement)
        return "ERROR: No matching distribution found for shedskin" if requirement == "shedskin" else "bad tree"

    monkeypatch.setattr(run, "ensure_installed", pip)
    why = run.install_peer(absent, "")
    assert why.startswith("not installed: not on the package index") and "--shedskin-source" in why
    assert asked == ["shedskin"]
    why = run.install_peer(absent, "/src/shedskin")
    assert asked == ["shedskin", "shedskin", "/src/shedskin"]
    assert why == "not installed: pip could not install /src/shedskin: bad tree"
    monkeypatch.setattr(shedskin_prep, "missing_system_tools", lambda: ["cmake"])
    assert "cmake, which are missing" in run.install_peer(absent, "/src/shedskin")


def _fake_tool(script: str, product: str = "") -> Tool:
    return Tool("fake", "", "", lambda d, m: [sys.executable, "-c", script, m], product=product)


def test_build_moves_the_product_and_reports_compiler_errors(tmp_path: Path) -> None:
    (tmp_path / "bm_x.py").write_text("x = 1\n")
    writes = "import os, sys; os.makedirs('build'); open(f'build/{sys.argv[1]}.so', 'wb').write(b'0' * 2048)"
    build = _fake_tool(writes, "build/{module}.so").build(tmp_path, "bm_x")
    assert build.ok and build.size == 2048
    assert (tmp_path / f"bm_x{EXT_SUFFIX}").is_file() and not (tmp_path / "build" / "bm_x.so").exists()
    assert not (tmp_path / "bm_x.py").exists()

    (tmp_path / "bm_y.py").write_text("y = 1\n")
    fails = ("import sys; print('*WARNING* bm_y.py: meh'); print('*ERROR* bm_y.py:3: cannot locate module: pyperf');"
             "print('Traceback (most recent call last):\\nCalledProcessError: cmake', file=sys.stderr); sys.exit(1)")
    build = _fake_tool(fails).build(tmp_path, "bm_y")
    assert not build.ok and build.error == "*ERROR* bm_y.py:3: cannot locate module: pyperf\n*WARNING* bm_y.py: meh"
    assert (tmp_path / "bm_y.py").exists()  # a failed build keeps its source
    # g++ rejecting what Shed Skin translated: its errors, then Shed Skin's distinct warnings.
    cpp = ("print('*WARNING* bm_y.py: Variable r has dynamic (sub)type: {None, int}');"
           "print('*WARNING* bm_y.py:21: method passing is not supported');"
           "print('*WARNING* bm_y.py:22: method passing is not supported');"
           "print('*WARNING* pyperf.py:5: Function perf_counter not called!');"
           "print('build/ext/bm_y.cpp:35:24: error: cannot convert');"
           "import sys; sys.exit(1)")
    assert _fake_tool(cpp).build(tmp_path, "bm_y").error.splitlines() == [
        "build/ext/bm_y.cpp:35:24: error: cannot convert", "*WARNING* bm_y.py:21: method passing is not supported",
        "*WARNING* bm_y.py: Variable r has dynamic (sub)type: {None, int}"]
    # Without such lines, the last lines of stderr, as before.
    build = _fake_tool("import sys; print('plain failure', file=sys.stderr); sys.exit(2)").build(tmp_path, "bm_y")
    assert build.error == "plain failure"


def test_check_compares_a_returned_objects_data_apart_from_its_repr(tmp_path: Path) -> None:
    (tmp_path / "bm_obj.py").write_text(
        "import pyperf\nclass P:\n    def __init__(self, v):\n        self.v = v\n        self._hidden = 0\n"
        "    def __repr__(self):\n        return 'P!'\n    def m(self):\n        pass\n"
        "def work(n):\n    return P(n * 2)\n"
        "if __name__ == '__main__':\n    pyperf.Runner().bench_func('obj', work, 21)\n")
    out = tmp_path / "r.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "driver.py"), str(out), str(tmp_path), "bm_obj",
                    str(tmp_path / "bm_obj.py"), "check"], check=True, cwd=tmp_path)
    fp = json.loads(out.read_text())["fingerprint"]
    assert fp["return[0]"] == "P!" and fp["return[0] attributes"] == "{'v': 42}"


def test_peers_option_names_peers(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no peer nope"):
        run.main(["--peers", "nope", "--bench", "nqueens", "--out", str(tmp_path)])


@pytest.mark.slow
def test_harness_builds_float_with_shedskin_or_says_why_not(tmp_path: Path) -> None:
    """A real Shed Skin build through the harness (about a minute): installed from the package
    index or $ZIGGURAT_BENCH_SHEDSKIN_SOURCE. Either it builds and its returned Point carries
    CPython's values, or the report says Shed Skin is not installed and how to give it."""
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--bench", "float", "--peers", "shedskin",
                           "--rounds", "1", "--target-seconds", "0.05", "--out", str(tmp_path),
                           "--work", str(tmp_path / "work")], cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "results.json").read_text())
    status = data["peer_status"]["shedskin"]
    if "shedskin" not in data["tools"]:
        assert status.startswith("not installed") and shedskin_prep.SOURCE_ENV in status, status
        return
    ss = data["benchmarks"][0]["tools"]["shedskin"]
    assert ss["build"]["ok"] and ss["file"].endswith(EXT_SUFFIX) and len(ss["ratios"]) == 1
    # Shed Skin does not export Point.__repr__: the repr differs, the data does not.
    assert ss["differences"] == ["return[0]"], ss["differences"]
    assert tools.SHEDSKIN.product == "build/{module}.so"


def test_the_shedskin_bar_is_judged_only_where_shedskin_ran() -> None:
    from benchmarks import report

    from test_bench_harness import _bench  # the same fixture data as the harness tests

    def data(*benches: dict[str, Any]) -> dict[str, Any]:
        return {"python": "3.11.7", "pyperformance": "1.14.0", "ziggurat": "0.1.0", "rounds": 1,
                "tools": ["cpython", "ziggurat", "shedskin"], "peer_status": {"shedskin": "installed 0.9.13"},
                "named": list(run.NAMED), "seconds": 1.0, "benchmarks": list(benches)}

    failed = report.markdown(data(_bench("nbody_typed", "typed", ziggurat={"ratios": [2.0]},
                                         shedskin={"build_ok": False}),
                                  _bench("spectral_norm_typed", "typed", ziggurat={"ratios": [6.0]},
                                         shedskin={"build_ok": False})))
    assert ("- typed nbody/spectral_norm within 2x of Shed Skin: nbody_typed: ziggurat 2.00x, Shed Skin build failed; "
            "spectral_norm_typed: ziggurat 6.00x, Shed Skin build failed -> not measurable") in failed
    assert "Shed Skin was given, for itself only" in failed
    ran = report.markdown(data(_bench("nbody_typed", "typed", ziggurat={"ratios": [2.0]},
                                      shedskin={"ratios": [16.0]}),
                               _bench("spectral_norm_typed", "typed", ziggurat={"ratios": [6.0]},
                                      shedskin={"build_ok": False})))
    assert "nbody_typed: ziggurat 2.00x, Shed Skin 16.00x;" in ran and ran.count("-> FAIL") == 2


class _UndoNbodyPort(ast.NodeTransformer):
    """The ported nbody's one change, undone: a mass `[m]` back to `m`, `m[0]` to `m`."""

    def __init__(self) -> None:
        self.reads = self.masses = 0

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if (isinstance(node.value, ast.Name) and node.value.id in ("m", "m1", "m2")
                and isinstance(node.slice, ast.Constant) and node.slice.value == 0):
            self.reads += 1
            return node.value
        return self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        for body in node.values:
            if isinstance(body, ast.Tuple) and isinstance(body.elts[-1], ast.List) and len(body.elts[-1].elts) == 1:
                body.elts[-1] = body.elts[-1].elts[0]
                self.masses += 1
        return self.generic_visit(node)


def test_ported_nbody_changes_only_the_mass() -> None:
    from test_bench_harness import _stripped  # annotations and docstring removed

    port = ast.parse(_ported("nbody"))
    undo = _UndoNbodyPort()
    undone = ast.unparse(undo.visit(port))
    assert (undo.reads, undo.masses) == (11, 5)
    typed = (ROOT / "benchmarks" / "typed" / "nbody.py").read_text(encoding="utf-8")
    assert _stripped(undone) == _stripped(typed)


def test_ported_spectral_norm_changes_only_four_literals() -> None:
    from test_bench_harness import _stripped

    port = ast.parse(_strip_text(_ported("spectral_norm")))
    typed = ast.parse(_stripped_source(ROOT / "benchmarks" / "typed" / "spectral_norm.py"))
    port.body, typed.body = port.body[1:], typed.body[1:]  # the docstrings say what each is
    changed = []
    for a, b in zip(ast.walk(port), ast.walk(typed)):
        if isinstance(a, ast.Constant) and isinstance(b, ast.Constant) and repr(a.value) != repr(b.value):
            changed.append((a.value, b.value))
            a.value = b.value
    assert sorted(changed) == [(0.0, 0), (0.0, 0), (0.0, 0), (1.0, 1)]
    assert ast.dump(port) == ast.dump(typed) and _stripped(ast.unparse(port)) == _stripped(ast.unparse(typed))


def _strip_text(source: str) -> str:
    from test_bench_harness import _Strip

    return ast.unparse(_Strip().visit(ast.parse(source)))


def _stripped_source(path: Path) -> str:
    return _strip_text(path.read_text(encoding="utf-8"))


def _ported(base: str) -> str:
    from benchmarks import shedskin_port

    return shedskin_port.port_source(base, (ROOT / "benchmarks" / "typed" / f"{base}.py").read_text(encoding="utf-8"))


def test_the_port_refuses_a_typed_variant_of_another_shape() -> None:
    from benchmarks import shedskin_port

    typed = (ROOT / "benchmarks" / "typed" / "spectral_norm.py").read_text(encoding="utf-8")
    edited = typed.replace("vBv = vv = 0\n", "vBv = 0\n        vv = 0\n")
    assert edited != typed
    with pytest.raises(ValueError, match=r"changed \{'literals': 3\}, expected \{'literals': 4\}"):
        shedskin_port.port_source("spectral_norm", edited)


def test_ported_variants_are_a_group_generated_at_benchmark_time(bm_dir: Path, tmp_path: Path) -> None:
    specs = run.select(["ported"], bm_dir, tmp_path / "ported")
    assert [(s.name, s.group, s.base, s.source) for s in specs] == [
        ("nbody_ported", "ported", "nbody", tmp_path / "ported" / "nbody.py"),
        ("spectral_norm_ported", "ported", "spectral_norm", tmp_path / "ported" / "spectral_norm.py")]
    assert specs[1].source.read_text(encoding="utf-8") == _ported("spectral_norm")
    assert not (ROOT / "benchmarks" / "ported").exists()  # nothing generated is committed
    assert [s.name for s in run.select([], bm_dir, tmp_path / "ported")][-2:] == ["nbody_ported", "spectral_norm_ported"]


def test_driver_supplies_only_helpers_a_compiled_module_lacks(tmp_path: Path) -> None:
    """What a Shed Skin extension module lacks (pyperf, an uncalled callback) the __main__ block
    gets from the source, interpreted; a workload it lacks is an error, never timed interpreted."""
    source = tmp_path / "source.py"
    source.write_text("import pyperf\n\ndef helper(cmd, args):\n    pass\n\ndef work(n):\n    return n + 1\n\n"
                      "if __name__ == '__main__':\n"
                      "    pyperf.Runner(add_cmdline_args=helper).bench_func('w', work, 41)\n")
    built = tmp_path / "built"
    built.mkdir()
    (built / "bm_h.py").write_text("def work(n):\n    return n + 1\n")  # what Shed Skin exports
    out = tmp_path / "r.json"
    argv = [sys.executable, str(ROOT / "benchmarks" / "driver.py"), str(out), str(built), "bm_h", str(source), "check"]
    subprocess.run(argv, check=True, cwd=tmp_path)
    result = json.loads(out.read_text())
    assert result["interpreted"] == ["pyperf", "helper"] and result["fingerprint"]["return[0]"] == "42"
    (built / "bm_h.py").write_text("x = 1\n")  # the workload itself missing
    proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode != 0 and "the workload work is not in the imported module" in proc.stderr
