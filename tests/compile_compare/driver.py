"""Runs one compile-and-compare case in a fresh interpreter and prints a JSON outcome.

usage: python driver.py MODULE_DIR MODULE_NAME [--leak-check N]

Imports MODULE_NAME from MODULE_DIR (the .py source or the compiled extension, whichever
is there), runs every `test_*` function in definition order and records, per test, "ok"
or the exception's type and message, plus everything it printed. With --leak-check it then
calls each test N more times (fewer if the test sets a smaller `leak_calls` attribute) and
reports the growth of allocated memory blocks per call.
Only the standard library is used: the driver runs under any interpreter being tested.
"""

import contextlib
import gc
import importlib
import io
import json
import sys


def run_tests(module):
    names = [n for n in vars(module) if n.startswith("test_") and callable(getattr(module, n))]
    results = []
    for name in names:
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                getattr(module, name)()
            outcome = "ok"
        except BaseException as exc:  # the outcome is compared, whatever it is
            outcome = f"{type(exc).__name__}: {exc}"
        results.append({"test": name, "outcome": outcome, "stdout": out.getvalue()})
    return names, results


def leak_check(module, names, calls):
    growth = {}
    for name in names:
        fn = getattr(module, name)
        # A test that is slow by design (a 300,000-deep chain, loops spun until a timer fires)
        # may ask for fewer calls with `test_x.leak_calls = N`: a leak of a block per call
        # still shows in every window; only a slowly filling cache could fail it falsely.
        calls = min(calls, getattr(fn, "leak_calls", calls))

        def once():
            with contextlib.redirect_stdout(io.StringIO()):
                try:
                    fn()
                except BaseException:
                    pass

        # warm-up: caches (type attribute cache, interned names...) fill during the first
        # few hundred calls; a leak keeps growing after that.
        for _ in range(calls):
            once()
        # two windows: a transient (a cache filling) shows in one, a leak in both
        # (and a slow transient, that some caches have, fades in a longer third window)
        windows = []
        for n in (calls, calls, 10 * calls):
            gc.collect()
            before = sys.getallocatedblocks()
            for _ in range(n):
                once()
            gc.collect()
            windows.append((sys.getallocatedblocks() - before) / n)
            if min(windows) < 0.25:
                break
        growth[name] = min(windows)
    return growth


def main():
    directory, module_name = sys.argv[1], sys.argv[2]
    sys.path.insert(0, directory)
    module = importlib.import_module(module_name)
    names, results = run_tests(module)
    report = {"file": getattr(module, "__file__", ""), "results": results}
    if "--leak-check" in sys.argv:
        calls = int(sys.argv[sys.argv.index("--leak-check") + 1])
        report["leaks"] = leak_check(module, names, calls)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
