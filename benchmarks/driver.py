"""The worker of the benchmark suite: runs one pyperformance benchmark, compiled or not, in
this (fresh) process and writes what it measured as JSON.

    python driver.py RESULT.json MODULE_DIR MODULE SOURCE.py MODE [--loops N] [-- BENCH_ARGS...]

MODE is one of
  discover   list the bench calls the benchmark's own `__main__` block makes (with the
             workload's name in the module and its arguments, when they are literals);
  time       call each of them LOOPS times (LOOPS given per call, comma-separated) and
             record seconds per loop;
  check      call each once and record what the workload produced: the return value (for
             `bench_func` calls; a `bench_time_func` returns only a duration), what it printed,
             the plain-data module globals afterwards, and the files it wrote into the
             current directory.

How a benchmark runs unmodified: pyperformance's `run_benchmark.py` builds a `pyperf.Runner`
in its `if __name__ == "__main__":` block (or in a `main()` it calls from there), declares its
options and hands its workload to `runner.bench_func` / `bench_time_func` /
`bench_async_func`. Before the module is imported, a stand-in `pyperf` module whose `Runner`
only records those calls is put into `sys.modules`; the module is then imported by its normal
name (so an extension module next to it wins over nothing: the `.py` is not in MODULE_DIR for a
compiled tool), and the statements of its `__main__` block, taken from SOURCE.py, are executed
in the module's own namespace. The workload functions that get recorded are therefore the
module's own (compiled) functions; only the few lines of option parsing run interpreted.
Everything else pyperf offers (`perf_counter`, ...) is the real pyperf's.

This file must import nothing from ziggurat or from the harness: it runs under whichever
interpreter the harness chose, with nothing but the benchmark's own dependencies.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import builtins
import contextlib
import hashlib
import importlib
import importlib.util
import io
import json
import os
import re
import sys
import time
import types
from typing import Any, Callable


class BenchCall:
    """One workload the benchmark handed to its Runner."""

    def __init__(self, kind: str, name: str, func: Callable[..., Any], args: tuple[Any, ...],
                 inner_loops: int | None) -> None:
        self.kind, self.name, self.func, self.args, self.inner_loops = kind, name, func, args, inner_loops

    def run(self, loops: int) -> float:
        """Seconds for `loops` repetitions of the workload, measured the way pyperf does."""
        if self.kind == "time":  # the workload times itself: func(loops, *args) -> seconds
            return float(self.func(loops, *self.args))
        if self.kind == "async":
            async def many() -> float:
                t0 = time.perf_counter()
                for _ in range(loops):
                    await self.func(*self.args)
                return time.perf_counter() - t0
            return asyncio.run(many())
        t0 = time.perf_counter()
        for _ in range(loops):
            self.func(*self.args)
        return time.perf_counter() - t0

    def once(self) -> Any:
        """Run the workload once and return what it returns (None for self-timing ones)."""
        if self.kind == "time":
            self.func(1, *self.args)
            return None
        if self.kind == "async":
            return asyncio.run(self.func(*self.args))
        return self.func(*self.args)


def make_fake_pyperf(argv: list[str], calls: list[BenchCall]) -> types.ModuleType:
    """A `pyperf` whose Runner records bench calls instead of spawning workers."""
    import pyperf as real  # type: ignore[import-untyped]  # the real one, for everything but Runner

    class Runner:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.metadata: dict[str, Any] = {}
            self.argparser = argparse.ArgumentParser(prog="benchmark")
            self.args: argparse.Namespace | None = None

        def parse_args(self, args: list[str] | None = None) -> argparse.Namespace:
            self.args = self.argparser.parse_args(argv if args is None else args)
            return self.args

        def _record(self, kind: str, name: str, func: Callable[..., Any], args: tuple[Any, ...],
                    inner_loops: int | None = None, metadata: Any = None) -> None:
            if self.args is None:  # pyperf parses the command line on the first bench call
                self.parse_args()
            calls.append(BenchCall(kind, name, func, args, inner_loops))

        def bench_func(self, name: str, func: Callable[..., Any], *args: Any, inner_loops: int | None = None,
                       metadata: Any = None) -> None:
            self._record("func", name, func, args, inner_loops)

        def bench_time_func(self, name: str, func: Callable[..., Any], *args: Any,
                            inner_loops: int | None = None, metadata: Any = None) -> None:
            self._record("time", name, func, args, inner_loops)

        def bench_async_func(self, name: str, func: Callable[..., Any], *args: Any,
                             inner_loops: int | None = None, metadata: Any = None) -> None:
            self._record("async", name, func, args, inner_loops)

        def bench_command(self, name: str, command: list[str]) -> None:
            raise NotImplementedError("bench_command (a whole-process benchmark) is not supported")

        def timeit(self, *args: Any, **kwargs: Any) -> None:
            raise NotImplementedError("Runner.timeit is not supported")

    fake = types.ModuleType("pyperf")
    fake.__dict__.update({k: v for k, v in real.__dict__.items() if not k.startswith("__")})
    fake.Runner = Runner  # type: ignore[attr-defined]
    return fake


def find_main_block(tree: ast.Module) -> ast.If | None:
    """The module's top-level `if __name__ == "__main__":` statement, if any."""
    for node in tree.body:
        if (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
                and isinstance(node.test.left, ast.Name) and node.test.left.id == "__name__"):
            return node
    return None


def main_block(source_path: str) -> tuple[ast.Module, ast.Module]:
    """The source's module and the statements of its `if __name__ == "__main__":` block."""
    with open(source_path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), source_path)
    node = find_main_block(tree)
    if node is None:
        raise SystemExit(f"{source_path}: no `if __name__ == '__main__':` block")
    return tree, ast.Module(body=node.body, type_ignores=[])


def supply_helpers(module: types.ModuleType, tree: ast.Module, block: ast.Module, source_path: str) -> list[str]:
    """Names the `__main__` block reads that the imported module lacks, defined from the source,
    interpreted: only its top-level imports and functions. A Shed Skin extension module exports
    what its type inference saw called, not the modules it imported: `pyperf`, and a callback
    like nbody's `add_cmdline_args` (which only a real pyperf's worker spawning would call)."""
    needed = {n.id for n in ast.walk(block) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    missing = needed - set(module.__dict__) - set(dir(builtins))
    supplied: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names = {node.name}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = {(a.asname or a.name).split(".")[0] for a in node.names}
        else:
            continue
        if names & missing:
            exec(compile(ast.Module(body=[node], type_ignores=[]), source_path, "exec"), module.__dict__)
            supplied += sorted(names & missing)
    return supplied


ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
PLAIN = (type(None), bool, int, float, complex, str, bytes)


def plain_repr(value: Any, depth: int = 0) -> str:
    """repr of plain data, recursively; any other object shows only its type's name (a
    callable not even that), so the fingerprint does not depend on how a tool represents
    classes and functions."""
    if isinstance(value, PLAIN):
        return repr(value)
    if depth > 6:
        return "..."
    if isinstance(value, (list, tuple)):
        inner = ", ".join(plain_repr(v, depth + 1) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{plain_repr(k, depth + 1)}: {plain_repr(v, depth + 1)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(plain_repr(v, depth + 1) for v in value)) + "}"
    if callable(value):
        # Functions and classes: each tool has its own function type (compiled_function,
        # cython_function_or_method, builtin_function_or_method), which is not output.
        return "<callable>"
    return f"<{type(value).__name__}>"


def public_data(obj: Any) -> dict[str, Any]:
    """The object's public non-callable attributes, by name."""
    out = {}
    for name in dir(obj):
        if not name.startswith("_"):
            try:
                value = getattr(obj, name)
            except Exception:  # a property that fails is no data
                continue
            if not callable(value):
                out[name] = value
    return out


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def check(calls: list[BenchCall], module: types.ModuleType, module_dir: str) -> dict[str, str]:
    """Fingerprints of everything the workload produced, by component name.

    Each tool runs from its own directory, so paths into it (a data file's name, say) are
    written as <MODULE_DIR>: the directory is not the workload's output."""
    before = set(os.listdir("."))
    out: dict[str, str] = {}
    for i, call in enumerate(calls):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            result = call.once()
        out[f"return[{i}]"] = ADDRESS.sub("", repr(result))
        if not isinstance(result, PLAIN + (list, tuple, dict, set, frozenset)):
            # An object's data, apart from its repr: a tool may give a class of the workload
            # its own repr (Shed Skin does not export a class's __repr__).
            out[f"return[{i}] attributes"] = plain_repr(public_data(result))
        out[f"stdout[{i}]"] = ADDRESS.sub("", buf.getvalue())
    for name, value in sorted(vars(module).items()):
        if not name.startswith("__") and not isinstance(value, (types.ModuleType, types.FunctionType, type)):
            text = plain_repr(value)
            if not re.fullmatch(r"<\w+>", text) and not callable(value):  # opaque objects say nothing
                out[f"global {name}"] = text
    for name in sorted(set(os.listdir(".")) - before):
        with open(name, "rb") as f:
            out[f"file {name}"] = hashlib.sha256(f.read()).hexdigest()
    for d in sorted({os.path.abspath(module_dir), os.path.realpath(module_dir)}, key=len, reverse=True):
        out = {k: v.replace(d, "<MODULE_DIR>") for k, v in out.items()}
    # Long values are compared by hash; short ones are kept readable for the report.
    return {k: v if len(v) <= 200 else "sha256:" + digest(v) for k, v in out.items()}


def module_function(module: types.ModuleType, func: Callable[..., Any]) -> str | None:
    """The name the workload has in its module, if it is one of the module's own globals."""
    name = getattr(func, "__name__", None)
    return name if name and getattr(module, name, None) is func else None


def literal_args(args: tuple[Any, ...]) -> list[str] | None:
    """The arguments as source text, if each is a literal value (repr that reads back equal)."""
    out = []
    for a in args:
        try:
            if ast.literal_eval(repr(a)) != a:
                return None
        except (ValueError, SyntaxError):
            return None
        out.append(repr(a))
    return out


def main() -> int:
    argv = sys.argv[1:]
    bench_args = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser()
    parser.add_argument("result")
    parser.add_argument("module_dir")
    parser.add_argument("module")
    parser.add_argument("source")
    parser.add_argument("mode", choices=["discover", "time", "check"])
    parser.add_argument("--loops", default="1")
    opts = parser.parse_args(argv)

    calls: list[BenchCall] = []
    sys.modules["pyperf"] = make_fake_pyperf(bench_args, calls)
    sys.path.insert(0, opts.module_dir)
    sys.argv = [opts.source, *bench_args]
    # Where the import system finds the module, before importing it: some tools (Nuitka) set
    # a compiled module's __file__ to its source's path, so __file__ would not tell.
    spec = importlib.util.find_spec(opts.module)
    origin = spec.origin if spec is not None else None
    t0 = time.perf_counter()
    module = importlib.import_module(opts.module)
    import_seconds = time.perf_counter() - t0
    tree, block = main_block(opts.source)
    interpreted = supply_helpers(module, tree, block, opts.source)
    with contextlib.redirect_stdout(io.StringIO()):  # option parsing prints nothing we need
        exec(compile(block, opts.source, "exec"), module.__dict__)
    if not calls:
        raise SystemExit("the benchmark made no bench_func/bench_time_func call")
    for c in calls:
        if module_function(module, c.func) in interpreted:  # never time an interpreted stand-in
            raise SystemExit(f"the workload {c.func.__name__} is not in the imported module {origin}")

    result: dict[str, Any] = {
        "file": origin,
        "calls": [{"kind": c.kind, "name": c.name, "inner_loops": c.inner_loops,
                   "func": module_function(module, c.func), "args": literal_args(c.args)} for c in calls],
        "import_seconds": import_seconds,
        "interpreted": interpreted,
    }
    if opts.mode == "time":
        loops = [int(n) for n in opts.loops.split(",")]
        if len(loops) != len(calls):
            raise SystemExit(f"{len(loops)} loop counts for {len(calls)} bench calls")
        per_loop = []
        for call, n in zip(calls, loops):
            with contextlib.redirect_stdout(io.StringIO()):
                call.run(1)  # warm-up: first-call costs (imports, caches) are not the workload's
                per_loop.append(call.run(n) / n)
        result["seconds_per_loop"] = per_loop
    elif opts.mode == "check":
        result["fingerprint"] = check(calls, module, opts.module_dir)
    with open(opts.result, "w", encoding="utf-8") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
