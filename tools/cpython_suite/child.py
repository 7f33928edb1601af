"""Runs one module of CPython's `test` package, interpreted or compiled, recording outcomes.

usage: python -X faulthandler child.py NAME interp OUT.jsonl [--skip IDS]
       python -X faulthandler child.py NAME compiled OUT.jsonl --extension PATH [--skip IDS]

Runs under the interpreter being tested, so it uses only the standard library and must
work on every supported CPython (3.10+).

`compiled` loads the extension module at PATH as `test.NAME` (NAME may be dotted), in place of the original inside the
stdlib `test` package (so `test.support` and relative imports are the stdlib's own).
The runner puts it beside the source in a shadow of the stdlib `test`
directory (real directories, symbolic links to the files), as `ziggurat compile --inplace`
would leave it: `__file__` is the real extension, tests find their data files next to it
and tracebacks show source lines. A compiled package is `__init__<EXT_SUFFIX>` in its
shadow package directory; its submodules are the stdlib's.

Every event is appended to OUT.jsonl as one JSON object and flushed at once, so a run that
crashes (a segfault) or hangs still leaves everything up to the test that was running:
  {"event": "start", "id": ...}                          a test started
  {"event": "outcome", "id": ..., "status": ..., ...}    pass|xfail|fail|error|skip
  {"event": "import_error", "traceback": ...}            the module could not be imported
  {"event": "done", "tests_run": N, "seconds": S}        the run finished
After a crash the runner starts the module again with --skip naming the tests that already
have an outcome and the one that crashed, appending to the same OUT.jsonl.
"""

import argparse
import importlib
import importlib.machinery
import importlib.util
import json
import os
import sys
import time
import traceback
import unittest
import warnings

# Worse outcomes win when a test reports several (subtests, an error in tearDown).
_RANK = {None: 0, "pass": 1, "xfail": 1, "skip": 2, "fail": 3, "error": 4}
_DETAIL_LIMIT = 6000


class Recorder(unittest.TestResult):
    """A TestResult that writes one final outcome per test id as soon as the test stops."""

    def __init__(self, out):
        super().__init__()
        self.out = out
        self.current = {}  # id -> [status, message, detail] of tests started, not stopped

    def emit(self, **fields):
        self.out.write(json.dumps(fields) + "\n")
        self.out.flush()

    def _record(self, test, status, err=None, reason=""):
        tid = test.id()
        message, detail = reason, ""
        if err is not None:
            message = _exception_line(err)
            try:
                detail = self._exc_info_to_string(err, test)
            except Exception:  # a broken exception must not stop the run
                detail = message
            detail = detail[-_DETAIL_LIMIT:]
        state = self.current.get(tid)
        if state is None:
            # Not inside startTest/stopTest: setUpClass, setUpModule and friends report on
            # an _ErrorHolder; emit it as its own outcome.
            self.emit(event="outcome", id=tid, status=status, message=message, detail=detail, fixture=True)
            return
        if _RANK[status] > _RANK[state[0]]:
            state[:] = [status, message, detail]

    def startTest(self, test):
        super().startTest(test)
        self.current[test.id()] = [None, "", ""]
        self.emit(event="start", id=test.id())

    def stopTest(self, test):
        super().stopTest(test)
        status, message, detail = self.current.pop(test.id(), [None, "", ""])
        if status is None:
            status, message = "error", "test stopped without reporting an outcome"
        self.emit(event="outcome", id=test.id(), status=status, message=message, detail=detail)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._record(test, "pass")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._record(test, "fail", err)

    def addError(self, test, err):
        super().addError(test, err)
        self._record(test, "error", err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._record(test, "skip", reason=str(reason)[:300])

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._record(test, "xfail")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._record(test, "fail", reason="unexpected success")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            status = "fail" if issubclass(err[0], test.failureException) else "error"
            self._record(test, status, err)


def _exception_line(err):
    try:
        line = traceback.format_exception_only(err[0], err[1])[-1].strip()
    except Exception:
        line = getattr(err[0], "__name__", "?")
    return line[:500]


def _load_compiled(name, path):
    # the parent package (a dotted NAME is a module of a test package) is the stdlib's own
    parent_name, _, last = ("test." + name).rpartition(".")
    parent = importlib.import_module(parent_name)

    full = "test." + name
    pkgdir = os.path.join(os.path.dirname(parent.__file__), last)
    is_pkg = os.path.basename(path).startswith("__init__.")
    loader = importlib.machinery.ExtensionFileLoader(full, path)
    spec = importlib.util.spec_from_file_location(
        full, path, loader=loader, submodule_search_locations=[pkgdir] if is_pkg else None
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[full] = module
    setattr(parent, last, module)
    try:
        loader.exec_module(module)
    except BaseException:
        sys.modules.pop(full, None)
        raise
    return module


def _drop(suite, skip):
    """Remove the tests whose ids are in `skip` from a (nested) suite, keeping its shape
    (class and module fixtures still run around the tests that remain)."""
    kept = []
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            _drop(test, skip)
            kept.append(test)
        elif test.id() not in skip:
            kept.append(test)
    suite._tests = kept


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("mode", choices=["interp", "compiled"])
    parser.add_argument("out")
    parser.add_argument("--extension", help="the compiled module (mode compiled)")
    parser.add_argument("--skip", help="a file of test ids not to run, one a line")
    args = parser.parse_args()
    skip = set()
    if args.skip:
        with open(args.skip, encoding="utf-8") as f:
            skip = {line.rstrip("\n") for line in f if line.strip()}
    if not sys.warnoptions:
        warnings.simplefilter("default")  # as `python -m unittest` does
    with open(args.out, "a", encoding="utf-8") as out:
        started = time.monotonic()
        result = Recorder(out)
        try:
            if args.mode == "compiled":
                module = _load_compiled(args.name, args.extension)
            else:
                module = importlib.import_module("test." + args.name)
            loader = type(getattr(module, "__loader__", None)).__name__
            result.emit(event="imported", file=getattr(module, "__file__", ""), loader=loader)
            suite = unittest.defaultTestLoader.loadTestsFromModule(module)
        except BaseException:
            result.emit(event="import_error", traceback=traceback.format_exc()[-_DETAIL_LIMIT:])
            result.emit(event="done", tests_run=0, seconds=time.monotonic() - started)
            return 0
        if skip:
            _drop(suite, skip)
        suite.run(result)
        result.emit(event="done", tests_run=result.testsRun, seconds=time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
