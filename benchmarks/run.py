"""The benchmark suite: pyperformance's benchmarks, unmodified, compiled by ziggurat (and by
Nuitka, Cython, mypyc and Shed Skin with --peers) and timed against CPython, alternately, in
one run. Not a test; run it by hand from the repository root:

    python -m benchmarks.run [--peers [PEER ...]] [--bench NAME|GROUP ...] [--rounds N] [--out DIR]
                             [--shedskin-source DIR] [--instructions]

GROUP is `named` (the 13 benchmarks the speed bars are set on; the default together with
`typed` and `ported`), `typed` (annotated copies of numeric kernels in benchmarks/typed/),
`ported` (Shed Skin's subset of the typed nbody and spectral_norm, generated into the work
directory by benchmarks/shedskin_port.py: the workloads of the Shed Skin bar), `extra` (more pyperformance benchmarks that need no
third-party package) or `all`.

Steps, each benchmark in turn:
  1. copy pyperformance's `bm_NAME/run_benchmark.py` (installed from PyPI with the
     `pyperformance` package; pip-installed here when missing) into a directory per tool as
     `bm_NAME.py`, beside the benchmark's data files;
  2. build it with each tool (compile time and extension size recorded; a failed build is
     reported with its last error lines);
  3. check: run every build once in a fresh process on the benchmark's default input and
     compare what the workload produced (return values, printed output, the plain-data module
     globals afterwards, files written) with CPython's; components CPython itself does not
     reproduce between two runs are left out and listed;
  4. time: the loop count is calibrated once on CPython (about --target-seconds per
     measurement), then every round runs each tool once, in a fresh process, in a rotating
     order, so drift in machine load hits all tools alike.
The speedup of a tool in a round is CPython's time in that round over the tool's; the table
reports the median over rounds and the spread (min-max).
  5. with --instructions (needs valgrind): count the instructions of each tool's workload
     under callgrind, as the difference between a run of the calibrated loop count scaled to
     --instruction-seconds and a run of one loop (start-up, import and warm-up cancel out).
     The ratio CPython's count / the tool's repeats exactly however loaded the machine is
     (it ignores cache misses and branch prediction); the larger run's profile is kept as
     callgrind.out in the tool's work directory for callgrind_annotate. `--rounds 0` skips
     the timing.

Writes results.json, results.md (the tables) and speedups.png into --out
(default benchmarks/results/, which git ignores). The per-tool work directories, with the
built extension modules, are kept under --work (default: ziggurat-benchmarks in the temporary
directory) for inspection.

Shed Skin alone is given each module as shedskin_prep.py rewrites it (a pyperf shim, and its
`__main__` block replaced by the bench calls that block makes, for Shed Skin's type inference);
the workload's lines are untouched.

Must not: modify a benchmark's source (the typed variants are separate files), count a tool
whose output differs as a speedup without saying so, or run as part of the test suite.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import math
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ziggurat.errors import ConfigError, ToolchainError
from ziggurat.toolchains.run import run

from . import report
from . import shedskin_port, shedskin_prep
from .generic_tier import COUNTED_HASH_SEED, callgrind, collected, counted_env
from .tools import (CPYTHON, EXT_SUFFIX, PEERS, SHEDSKIN, ZIGGURAT, Build, Tool, byte_compile, ensure_installed,
                    ensure_zig, warm)

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "driver.py"
RUN_TIMEOUT = 900.0

# The 13 benchmarks issue #5 sets the speed bars on.
NAMED = ("nbody", "richards", "spectral_norm", "fannkuch", "float", "nqueens", "raytrace",
         "deltablue", "chaos", "go", "hexiom", "unpack_sequence", "json_dumps")
# More of pyperformance's benchmarks that need no package beyond pyperf (or one the harness
# installs) and run through the driver (a Runner with bench_func / bench_time_func /
# bench_async_func). Not `coverage`: it times coverage.py tracing the workload, and compiled
# functions have no Python frames to trace, so its "speedup" would measure nothing.
EXTRA = ("richards_super", "pidigits", "meteor_contest", "scimark", "generators", "coroutines",
         "comprehensions", "deepcopy", "pprint", "pyflate", "json_loads", "logging",
         "crypto_pyaes", "mdp", "bpe_tokeniser", "regex_effbot")
# Annotated copies in benchmarks/typed/ -> the pyperformance benchmark each derives from.
TYPED = {"nbody_typed": "nbody", "spectral_norm_typed": "spectral_norm", "float_typed": "float",
         "fannkuch_typed": "fannkuch", "nqueens_typed": "nqueens"}
# Shed Skin's subset of two typed variants, generated by benchmarks/shedskin_port.py into the
# work directory (the one change each is in its docstring; tests/benchmarks undoes it): the
# workloads issue #5's Shed Skin bar is on.
PORTED = {"nbody_ported": "nbody", "spectral_norm_ported": "spectral_norm"}
# --work's default: the per-tool work directories, and the generated ported variants
DEFAULT_WORK = Path(tempfile.gettempdir()) / "ziggurat-benchmarks"
# Extra options for the check run only: benchmarks that can write their picture do, so the
# picture is compared, not just the absence of an exception.
CHECK_ARGS = {"chaos": ("--filename", "out.ppm"), "raytrace": ("--filename", "out.ppm")}
# Benchmarks whose pyproject.toml asks for a package beyond pyperf: installed when selected.
NEEDS = {"crypto_pyaes": "pyaes"}


@dataclass(frozen=True)
class Spec:
    name: str
    source: Path  # the file that becomes the module, unmodified
    data: Path | None  # the benchmark's directory, whose other files are copied beside it
    group: str
    base: str = ""  # for a typed or ported variant: the pyperformance benchmark it derives from

    @property
    def module(self) -> str:
        return f"bm_{self.name}"


@dataclass
class ToolResult:
    build: Build
    file: str = ""
    seconds: list[float] = field(default_factory=list)  # per round, summed over bench calls
    ratios: list[float] = field(default_factory=list)  # CPython's time / this tool's, per round
    identical: bool | None = None
    differences: list[str] = field(default_factory=list)
    error: str = ""
    instructions: int | None = None  # per measurement of the --instructions loop counts


@dataclass
class BenchResult:
    spec: Spec
    loops: list[int] = field(default_factory=list)
    instruction_loops: list[int] = field(default_factory=list)
    unstable: list[str] = field(default_factory=list)  # check components CPython itself varies
    tools: dict[str, ToolResult] = field(default_factory=dict)
    error: str = ""


def pyperformance_dir() -> Path:
    """The installed pyperformance's benchmark directory (installing it when missing)."""
    try:
        import pyperformance  # type: ignore[import-untyped]
    except ImportError:
        why = ensure_installed("pyperformance")
        if why:
            raise SystemExit(f"cannot install pyperformance: {why}")
        import pyperformance
    if importlib.util.find_spec("pyperf") is None:
        ensure_installed("pyperf")
    return Path(pyperformance.__file__).parent / "data-files" / "benchmarks"


def select(names: list[str], bm_dir: Path, port_dir: Path = DEFAULT_WORK / "ported") -> list[Spec]:
    """The benchmarks and groups named; the ported variants selected are written to PORT_DIR."""
    wanted: list[str] = []
    for n in names or ["named", "typed", "ported"]:
        group = {"named": NAMED, "extra": EXTRA, "typed": tuple(TYPED), "ported": tuple(PORTED),
                 "all": NAMED + tuple(TYPED) + tuple(PORTED) + EXTRA}.get(n, (n,))
        wanted.extend(g for g in group if g not in wanted)
    specs = []
    for name in wanted:
        if name in TYPED:
            specs.append(Spec(name, HERE / "typed" / f"{TYPED[name]}.py", bm_dir / f"bm_{TYPED[name]}",
                              "typed", TYPED[name]))
        elif name in PORTED:
            source = shedskin_port.write_ported(PORTED[name], HERE / "typed", port_dir)
            specs.append(Spec(name, source, bm_dir / f"bm_{PORTED[name]}", "ported", PORTED[name]))
        elif (bm_dir / f"bm_{name}" / "run_benchmark.py").is_file():
            specs.append(Spec(name, bm_dir / f"bm_{name}" / "run_benchmark.py", bm_dir / f"bm_{name}",
                              "named" if name in NAMED else "extra"))
        else:
            raise SystemExit(f"no benchmark {name!r}: not in pyperformance ({bm_dir}) nor in benchmarks/typed/")
    return specs


def prepare(spec: Spec, directory: Path) -> None:
    """A fresh directory with the benchmark's data files and its source as MODULE.py."""
    if directory.exists():
        shutil.rmtree(directory)
    if spec.data is not None:
        shutil.copytree(spec.data, directory, ignore=shutil.ignore_patterns(
            "run_benchmark.py", "pyproject.toml", "requirements*.txt", "__pycache__", "*.toml"))
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(spec.source, directory / f"{spec.module}.py")


def drive(spec: Spec, directory: Path, mode: str, loops: list[int] | None = None,
          extra: tuple[str, ...] = (), profile: str = "") -> dict[str, Any]:
    """Run the driver in a fresh process (cwd: a fresh directory) and return its JSON; with a
    profile (a file name or /dev/null), under callgrind, with its count as "instructions"."""
    with tempfile.TemporaryDirectory(prefix="zgbench-") as cwd:
        out = Path(cwd, "result.json")
        argv = [sys.executable, str(DRIVER), str(out), str(directory), spec.module, str(spec.source), mode]
        if loops:
            argv += ["--loops", ",".join(map(str, loops))]
        if extra:
            argv += ["--", *extra]
        if profile:
            # one hash seed for every counted process (generic_tier.counted_env says why)
            proc = run([*callgrind(profile), *argv], cwd=cwd, timeout=RUN_TIMEOUT * 20, env=counted_env())
        else:
            proc = run(argv, cwd=cwd, timeout=RUN_TIMEOUT)
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    if profile:
        result["instructions"] = collected(proc.stderr)
    return result


def _error(exc: ToolchainError) -> str:
    lines = [line for line in (exc.stderr or str(exc)).strip().splitlines() if line.strip()]
    return "\n".join(lines[-8:])


def check_tool(spec: Spec, tool: Tool, directory: Path, result: ToolResult, reference: dict[str, str],
               unstable: list[str]) -> None:
    try:
        got = drive(spec, directory, "check", extra=CHECK_ARGS.get(spec.base or spec.name, ()))
    except ToolchainError as exc:
        result.error = "check run failed: " + _error(exc)
        return
    result.file = got["file"]
    if tool.compiled != result.file.endswith(EXT_SUFFIX):
        result.error = f"the driver imported {result.file}, not what {tool.name} built"
        return
    fingerprint: dict[str, str] = got["fingerprint"]
    keys = sorted((set(fingerprint) | set(reference)) - set(unstable))
    result.differences = [k for k in keys if fingerprint.get(k) != reference.get(k)]
    result.identical = not result.differences


def _for_shedskin(spec: Spec, dirs: dict[str, Path]) -> Build | None:
    """Rewrite Shed Skin's copy (shedskin_prep) from the bench calls the original's `__main__`
    block makes under CPython; a failed Build if that cannot be done, else None."""
    try:
        calls = drive(spec, dirs["cpython"], "discover")["calls"]
        shedskin_prep.prepare(dirs[SHEDSKIN.name], spec.module, calls)
    except ToolchainError as exc:
        return Build(ok=False, error="the bench calls could not be discovered: " + _error(exc))
    except ValueError as exc:
        return Build(ok=False, error=f"not given to Shed Skin: {exc}")
    return None


def install_peer(peer: Tool, shedskin_source: str) -> str:
    """Install a missing peer with pip; '' when it is then importable, else why not. Shed Skin
    is not on every package index: then it comes from --shedskin-source (or the environment
    variable), a source tree or wheel; its builds also need CMake and a C++ compiler."""
    if peer is SHEDSKIN and shedskin_prep.missing_system_tools():
        return ("not installed: Shed Skin builds with " + " and ".join(shedskin_prep.missing_system_tools())
                + ", which are missing (apt-get install cmake g++)")
    if peer.available():
        return ""
    why = ensure_installed(peer.requirement)
    if why and peer is SHEDSKIN:
        if not shedskin_source:
            return (f"not installed: not on the package index ({' '.join(why.split())}); give a Shed Skin "
                    f"source tree or wheel with --shedskin-source DIR or {shedskin_prep.SOURCE_ENV}=DIR")
        why = ensure_installed(shedskin_source)
        if why:
            return f"not installed: pip could not install {shedskin_source}: {' '.join(why.split())}"
    if why:
        return f"not installable: {why}"
    return "" if peer.available() else "not installed: installed but not importable"


def count_instructions(spec: Spec, live: list[Tool], dirs: dict[str, Path], res: BenchResult, log: Any) -> None:
    """Instructions per measurement of res.instruction_loops, for each live tool (step 5)."""
    for tool in live:
        tr = res.tools[tool.name]
        if tr.error:
            continue
        try:
            small = drive(spec, dirs[tool.name], "time", loops=[1] * len(res.loops), profile="/dev/null")
            large = drive(spec, dirs[tool.name], "time", loops=[1 + n for n in res.instruction_loops],
                          profile=str(dirs[tool.name] / "callgrind.out"))
        except ToolchainError as exc:
            log(f"  {tool.name}: instruction count failed: {_error(exc)}")
            continue
        tr.instructions = large["instructions"] - small["instructions"]
    base = res.tools["cpython"].instructions
    counts = {t.name: n for t in live if (n := res.tools[t.name].instructions)}
    log("  instructions: " + ", ".join(
        f"{name} {n:,}" + (f" ({base / n:.2f}x)" if base and name != "cpython" else "")
        for name, n in counts.items()))


def bench(spec: Spec, tools: list[Tool], work: Path, rounds: int, target: float, log: Any,
          instruction_seconds: float = 0.0) -> BenchResult:
    res = BenchResult(spec)
    dirs = {t.name: work / spec.name / t.name for t in tools}
    for tool in tools:
        prepare(spec, dirs[tool.name])
        build = _for_shedskin(spec, dirs) if tool is SHEDSKIN else None
        build = build or tool.build(dirs[tool.name], spec.module, work / "zig-cache")
        res.tools[tool.name] = ToolResult(build)
        if not build.ok:
            log(f"  {tool.name}: BUILD FAILED\n    " + build.error.replace("\n", "\n    "))
        elif tool.compiled:
            log(f"  {tool.name}: built in {build.seconds:.1f} s, {build.size / 1024:.0f} KiB")

    # Reference output, twice, to learn what CPython itself does not reproduce.
    cpy = res.tools["cpython"]
    extra = CHECK_ARGS.get(spec.base or spec.name, ())
    try:
        first = drive(spec, dirs["cpython"], "check", extra=extra)["fingerprint"]
        second = drive(spec, dirs["cpython"], "check", extra=extra)["fingerprint"]
        probe = drive(spec, dirs["cpython"], "discover")
    except ToolchainError as exc:
        res.error = "does not run under CPython: " + _error(exc)
        log("  " + res.error)
        return res
    res.unstable = sorted(k for k in set(first) | set(second) if first.get(k) != second.get(k))
    cpy.identical = True
    # Calibrate on CPython: about `target` seconds per measurement, shared among the calls.
    n_calls = len(probe["calls"])
    t1 = drive(spec, dirs["cpython"], "time", loops=[1] * n_calls)["seconds_per_loop"]
    res.loops = [max(1, math.ceil(target / n_calls / max(t, 1e-9))) for t in t1]
    res.instruction_loops = [max(1, math.ceil(instruction_seconds / n_calls / max(t, 1e-9))) for t in t1]

    live = []
    for tool in tools:
        tr = res.tools[tool.name]
        if not tr.build.ok:
            continue
        if tool.compiled:
            check_tool(spec, tool, dirs[tool.name], tr, first, res.unstable)
            if tr.error:
                log(f"  {tool.name}: {tr.error}")
                continue
            if not tr.identical:
                log(f"  {tool.name}: OUTPUT DIFFERS from CPython in: {', '.join(tr.differences)}")
        live.append(tool)

    for r in range(rounds):
        order = live[r % len(live):] + live[:r % len(live)]
        for tool in order:
            tr = res.tools[tool.name]
            if tr.error:
                continue
            try:
                got = drive(spec, dirs[tool.name], "time", loops=res.loops)
            except ToolchainError as exc:
                tr.error = "timed run failed: " + _error(exc)
                log(f"  {tool.name}: {tr.error}")
                continue
            tr.seconds.append(sum(got["seconds_per_loop"]))
        base = res.tools["cpython"].seconds
        if len(base) == r + 1:
            for tool in live[1:]:
                tr = res.tools[tool.name]
                if len(tr.seconds) == r + 1:
                    tr.ratios.append(base[r] / tr.seconds[r])
        log(f"  round {r + 1}: " + ", ".join(
            f"{t.name} {res.tools[t.name].seconds[-1] * 1000:.3g} ms" for t in live
            if len(res.tools[t.name].seconds) == r + 1))
    if instruction_seconds:
        count_instructions(spec, live, dirs, res, log)
    return res


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--peers", nargs="*", default=None, metavar="PEER",
                        help="also build with Nuitka, Cython, mypyc and Shed Skin (installing them when missing);"
                             " with names, only those (" + ", ".join(p.name for p in PEERS) + ")")
    parser.add_argument("--bench", nargs="+", default=[], metavar="NAME",
                        help="benchmarks or groups (named, typed, ported, extra, all); default: named typed ported")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--target-seconds", type=float, default=0.3,
                        help="CPython's time per measurement the loop count is calibrated to")
    parser.add_argument("--instructions", action="store_true",
                        help="also count each workload's instructions under callgrind (needs valgrind)")
    # 0.3, not less: the loop count comes from a timing, so on a loaded machine a small target
    # counts one or two loops and the first loop's cache fills move the ratio between runs
    parser.add_argument("--instruction-seconds", type=float, default=0.3,
                        help="CPython's (uninstrumented) time the counted loops take")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--shedskin-source", metavar="DIR", default=None,
                        help="a Shed Skin source tree (or wheel) to pip-install when the package index has "
                             f"none (default: ${shedskin_prep.SOURCE_ENV})")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK,
                        help="where the per-tool builds go (kept for inspection; default: %(default)s)")
    args = parser.parse_args(argv)
    if args.instructions and not shutil.which("valgrind"):
        parser.error("--instructions needs valgrind (apt-get install valgrind)")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    bm_dir = pyperformance_dir()
    specs = select(args.bench, bm_dir, args.work.resolve() / "ported")
    for spec in specs:
        need = NEEDS.get(spec.name)
        if need and importlib.util.find_spec(need) is None:
            why = ensure_installed(need)
            if why:
                log(f"{spec.name}: cannot install {need}: {why}")
    tools: list[Tool] = [CPYTHON, ZIGGURAT]
    peer_status: dict[str, str] = {}
    if args.peers is not None:
        unknown = set(args.peers) - {p.name for p in PEERS}
        if unknown:
            raise SystemExit(f"error: --peers: no peer {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(p.name for p in PEERS)}")
        try:
            shedskin_source = shedskin_prep.source_requirement(args.shedskin_source)
        except ConfigError as exc:
            raise SystemExit(f"error: {exc}") from None
        for peer in [p for p in PEERS if not args.peers or p.name in args.peers]:
            if not peer.available():
                log(f"installing {peer.requirement} ...")
            why = install_peer(peer, shedskin_source)
            if why:
                peer_status[peer.name] = why
                log(f"{peer.name}: {why}")
                continue
            peer_status[peer.name] = "installed " + _version(peer.requirement)
            tools.append(peer)

    args.out.mkdir(parents=True, exist_ok=True)
    # Not inside the repository: mypy (mypyc) and Cython name a module after the packages
    # (directories with __init__.py) above it, and benchmarks/ is one.
    work = args.work.resolve()
    (work / "zig-cache").mkdir(parents=True, exist_ok=True)
    why = ensure_zig()
    if why:
        raise SystemExit(f"error: ziggurat has no zig and pip could not install ziglang: {why}")
    for tool in tools:
        if tool.compiled:
            log(f"{tool.name}: {byte_compile(tool)} modules byte-compiled (not counted)")
    log(f"warming a private zig cache in {work / 'zig-cache'} (not counted) ...")
    log(f"  {warm(ZIGGURAT, work / 'zig-cache'):.1f} s")
    if SHEDSKIN in tools:
        log("warming Shed Skin's dependency cache, ~/.cache/shedskin (not counted) ...")
        try:
            log(f"  {warm(SHEDSKIN, work / 'zig-cache'):.1f} s")
        except ToolchainError as exc:
            peer_status[SHEDSKIN.name] = f"installed but cannot build a one-line module: {_error(exc)}"
            log(f"shedskin: {peer_status[SHEDSKIN.name]}")
            tools.remove(SHEDSKIN)
    results = []
    started = time.time()
    for spec in specs:
        log(f"{spec.name}:")
        results.append(bench(spec, tools, work, args.rounds, args.target_seconds, log,
                             args.instruction_seconds if args.instructions else 0.0))
    data = {
        "python": sys.version.split()[0],
        "pyperformance": _version("pyperformance"),
        "ziggurat": _version("ziggurat"),
        "rounds": args.rounds,
        "tools": [t.name for t in tools],
        "peer_status": peer_status,
        "named": list(NAMED),
        "seconds": round(time.time() - started, 1),
        "benchmarks": [_plain(r) for r in results],
    }
    (args.out / "results.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    text = report.markdown(data)
    (args.out / "results.md").write_text(text, encoding="utf-8")
    print(text)
    try:
        report.plot(data, args.out / "speedups.png")
        log(f"wrote {args.out / 'speedups.png'}")
    except report.NoPlot as exc:
        log(f"no plot: {exc}")
    return 0


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _plain(r: BenchResult) -> dict[str, Any]:
    d = asdict(r)
    d["spec"] = {"name": r.spec.name, "source": str(r.spec.source), "group": r.spec.group, "base": r.spec.base}
    return d


if __name__ == "__main__":
    sys.exit(main())
