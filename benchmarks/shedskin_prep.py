"""What Shed Skin is given instead of the benchmark file as it is, and how Shed Skin is found.

Shed Skin compiles a whole program of its restricted Python, with its own type inference, and
an extension module exports only what that inference saw called. A pyperformance benchmark is
outside that subset in two places that are the harness's, not the workload's: `import pyperf`
(a third-party package Shed Skin cannot locate) and the `if __name__ == "__main__":` block
(argparse, the Runner). So, for Shed Skin only, and with nothing else changed:

- `pyperf.py`, a shim of one function, `perf_counter()` returning `time.perf_counter()` (what
  the workloads call pyperf for), is written beside the module; Shed Skin compiles it into the
  extension (no Python `pyperf` is imported at run time);
- the module's `__main__` block is replaced by one plain call of each workload the original
  block hands to the Runner, with the arguments it hands (recorded by the driver's `discover`
  run under CPython; a `bench_time_func` workload gets `loops=1` first). That call is what
  Shed Skin's inference starts from (its documented way of typing an extension module); it
  does not run on import. Every line above the block is kept byte for byte.

The harness still runs the original `__main__` block, interpreted, against the built extension
(driver.py), exactly as for every other tool.

Must not: change any line of the workload, or make a build pass that Shed Skin fails.
"""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path
from typing import Any

from ziggurat.errors import ConfigError

from .driver import find_main_block

SHIM_NAME = "pyperf.py"
SHIM = '''"""Stand-in for pyperf, for Shed Skin only: the one function the workloads use."""
import time


def perf_counter():
    return time.perf_counter()
'''
# Where to install Shed Skin from when the package index has none: a source tree or a wheel.
SOURCE_ENV = "ZIGGURAT_BENCH_SHEDSKIN_SOURCE"
# Shed Skin's build drives CMake and the system's C++ compiler (it builds its own copies of
# the Boehm GC and PCRE2 once, into ~/.cache/shedskin).
SYSTEM_TOOLS = ("cmake", "g++")


def main_block_lines(source: str) -> tuple[int, int]:
    """(first, last) 1-based line numbers of the top-level `if __name__ == "__main__":` block."""
    node = find_main_block(ast.parse(source))
    if node is None:
        raise ValueError("no `if __name__ == '__main__':` block")
    return node.lineno, node.end_lineno or node.lineno


def inference_calls(calls: list[dict[str, Any]]) -> list[str]:
    """The call statements, from the driver's discover record of each bench call
    ({"kind", "func", "args"}: args as repr of literal values)."""
    out = []
    for call in calls:
        func, args = call.get("func"), call.get("args")
        if not func or not isinstance(func, str) or not func.isidentifier() or args is None:
            raise ValueError(f"bench call {call.get('name')!r}: its workload is not a module-level function"
                             " with literal arguments")
        for a in args:
            ast.literal_eval(a)  # only literal values: what the call is typed from
        if call["kind"] == "time":
            args = ["1", *args]  # bench_time_func(func, *args) calls func(loops, *args)
        elif call["kind"] != "func":
            raise ValueError(f"bench call {call.get('name')!r}: {call['kind']} workloads are not supported")
        out.append(f"{func}({', '.join(args)})")
    return out


def for_shedskin(source: str, calls: list[dict[str, Any]]) -> str:
    """`source` with its `__main__` block replaced by the inference calls; all else unchanged."""
    first, last = main_block_lines(source)
    lines = source.splitlines(keepends=True)
    block = "if __name__ == '__main__':\n" + "".join(f"    {c}\n" for c in inference_calls(calls))
    return "".join(lines[:first - 1]) + block + "".join(lines[last:])


def prepare(directory: Path, module: str, calls: list[dict[str, Any]]) -> None:
    """Rewrite `directory/MODULE.py` for Shed Skin and put the pyperf shim beside it."""
    path = directory / f"{module}.py"
    path.write_text(for_shedskin(path.read_text(encoding="utf-8"), calls), encoding="utf-8")
    (directory / SHIM_NAME).write_text(SHIM, encoding="utf-8")


def missing_system_tools() -> list[str]:
    return [t for t in SYSTEM_TOOLS if shutil.which(t) is None]


def source_requirement(option: str | None) -> str:
    """What pip installs Shed Skin from when the index has none: --shedskin-source, else the
    environment variable; '' when neither is given. The path must exist."""
    given = option or os.environ.get(SOURCE_ENV, "")
    if not given:
        return ""
    path = Path(given).expanduser().resolve()
    if not (path.is_dir() and (path / "pyproject.toml").is_file()) and not (
            path.is_file() and path.name.endswith((".whl", ".tar.gz", ".zip"))):
        key = "--shedskin-source" if option else SOURCE_ENV
        raise ConfigError(f"{key}={given}: not a Shed Skin source tree (a directory with pyproject.toml) "
                          "nor a wheel or sdist; point it at a checkout of Shed Skin's repository",
                          key=key)
    return str(path)
