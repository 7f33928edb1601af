"""Frames of compiled code: sys._getframe, inspect, traceback, logging, warnings, and the
caller-module inference of namedtuple/Enum/TypeVar, as CPython code relies on them.

Every check is an assertion of what CPython gives (the tests print nothing that depends on
frames). An abi3 module has no frames of its own (docs/differences.md): there the checks
that need them are skipped - `FRAMES` is false only in an .abi3.so build, so the
interpreted and version-specific runs assert all of them.
"""

import asyncio
import collections
import enum
import inspect
import logging
import os
import sys
import traceback
import typing
import warnings

FRAMES = not __file__.endswith(".abi3.so")


def line(fn, k):
    """Line k of fn's definition (0: the def line)."""
    return fn.__code__.co_firstlineno + k


def caller_line():
    return sys._getframe(1).f_lineno


def caller_name():
    return sys._getframe(1).f_code.co_name


def test_getframe_basics():
    fr = sys._getframe(0)
    if FRAMES:
        assert fr.f_code.co_name == "test_getframe_basics", fr.f_code.co_name
        assert fr.f_code.co_filename == __file__.replace(".abi3", "") or os.path.basename(
            fr.f_code.co_filename) == "frames.py", fr.f_code.co_filename
        assert fr.f_globals is globals()
        assert fr.f_builtins["len"] is len
        assert fr.f_back.f_code.co_name == "run_tests", fr.f_back.f_code.co_name
        assert sys._getframe(1) is fr.f_back
        assert inspect.currentframe() is fr
        if hasattr(fr.f_code, "co_qualname"):
            assert fr.f_code.co_qualname == "test_getframe_basics"
        assert caller_name() == "test_getframe_basics"
        assert isinstance(fr.f_lineno, int)
        len(fr.f_locals)  # not meaningful in compiled code, but it works
    print("basics done")


def test_lineno_at_calls():
    a = caller_line()
    b = caller_line()

    c = caller_line()
    if FRAMES:
        assert (a, b, c) == (line(test_lineno_at_calls, 1), line(test_lineno_at_calls, 2),
                             line(test_lineno_at_calls, 4)), (a, b, c)
        here = sys._getframe().f_lineno
        assert here == line(test_lineno_at_calls, 8), here


def inner_stack():
    return [s.function for s in inspect.stack()[:3]]


def outer_stack():
    return inner_stack()


def test_inspect_stack():
    names = outer_stack()
    if FRAMES:
        assert names == ["inner_stack", "outer_stack", "test_inspect_stack"], names


class ListHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def log_something(logger):
    logger.warning("from a helper")


def test_logging():
    logger = logging.getLogger("ziggurat.frames.case")
    logger.propagate = False
    handler = ListHandler()
    logger.addHandler(handler)
    try:
        logger.warning("direct %d", 1)
        log_something(logger)
    finally:
        logger.removeHandler(handler)
    first, second = handler.records
    assert first.getMessage() == "direct 1"
    if FRAMES:
        assert (first.funcName, first.lineno) == ("test_logging", line(test_logging, 6)), (first.funcName, first.lineno)
        assert (second.funcName, second.lineno) == ("log_something", line(log_something, 1))
        assert os.path.basename(first.pathname) == "frames.py", first.pathname
        assert first.module == "frames", first.module


def warn_here(level):
    warnings.warn("careful", UserWarning, stacklevel=level)


def warn_twice():
    warn_here(3)


def test_warnings_stacklevel():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_here(1)
        warn_here(2)
        warn_twice()
    assert [str(w.message) for w in caught] == ["careful"] * 3
    if FRAMES:
        got = [(os.path.basename(w.filename), w.lineno) for w in caught]
        assert got == [("frames.py", line(warn_here, 1)), ("frames.py", line(test_warnings_stacklevel, 4)),
                       ("frames.py", line(test_warnings_stacklevel, 5))], got


def make_types():
    Point = collections.namedtuple("Point", "x y")
    Color = enum.Enum("Color", "RED GREEN")
    T = typing.TypeVar("T")
    return Point, Color, T


def test_module_inference():
    Point, Color, T = make_types()
    assert Point(1, 2).x == 1 and Color.RED.value == 1
    if FRAMES:
        assert Point.__module__ == __name__, Point.__module__
        assert Color.__module__ == __name__, Color.__module__
        assert T.__module__ == __name__, T.__module__
        if hasattr(sys, "_getframemodulename"):
            assert sys._getframemodulename() == __name__
            assert (lambda: sys._getframemodulename())() == __name__


def stack_names():
    return [(f.name, f.lineno) for f in traceback.extract_stack()[-3:]]


def test_extract_stack():
    got = stack_names()
    if FRAMES:
        assert got == [("run_tests", got[0][1]), ("test_extract_stack", line(test_extract_stack, 1)),
                       ("stack_names", line(stack_names, 1))], got


def keep_frame():
    x = 1
    fr = sys._getframe()
    return fr


def keep_two():
    return keep_frame(), sys._getframe()


def test_kept_frame():
    fr = keep_frame()
    inner, outer = keep_two()
    if FRAMES:
        assert fr.f_code.co_name == "keep_frame"
        assert fr.f_back.f_code.co_name == "test_kept_frame"
        assert fr.f_lineno == line(keep_frame, 3), fr.f_lineno
        assert fr.f_globals is globals()
        assert inner.f_back is outer
        assert outer.f_back.f_code.co_name == "test_kept_frame"
        assert outer.f_back.f_back.f_code.co_name == "run_tests"
        assert inner.f_lineno == line(keep_frame, 3) and outer.f_lineno == line(keep_two, 1)
        len(fr.f_locals)
        fr.clear()
    s = "".join(traceback.format_stack(fr))  # a dead frame prints
    assert "keep_frame" in s or not FRAMES


def gen_frames():
    fr = sys._getframe()
    yield fr.f_code.co_name, fr.f_back.f_code.co_name, fr.f_lineno
    fr = sys._getframe()
    yield fr.f_code.co_name, fr.f_back.f_code.co_name, fr.f_lineno


def step(g):
    return next(g)


async def coro_frame():
    await asyncio.sleep(0)
    fr = sys._getframe()
    return fr.f_code.co_name, caller_name(), fr.f_lineno


def test_generators_and_coroutines():
    g = gen_frames()
    first = next(g)
    second = step(g)
    got = asyncio.run(coro_frame())
    genexpr = list(sys._getframe().f_code.co_name for _ in range(1))
    lam = (lambda: sys._getframe().f_code.co_name)()
    if FRAMES:
        assert first == ("gen_frames", "test_generators_and_coroutines", line(gen_frames, 2)), first
        assert second == ("gen_frames", "step", line(gen_frames, 4)), second
        assert got == ("coro_frame", "coro_frame", line(coro_frame, 3)), got
        assert genexpr == ["<genexpr>"], genexpr
        assert lam == "<lambda>", lam


class Body:
    name = sys._getframe().f_code.co_name
    back = sys._getframe(1).f_code.co_name


def make_class():
    class Inner:
        name = sys._getframe().f_code.co_name
        back = sys._getframe(1).f_code.co_name
        qual = __qualname__
    return Inner


def test_class_bodies():
    Inner = make_class()
    assert Inner.qual == "make_class.<locals>.Inner"
    if FRAMES:
        assert (Body.name, Body.back) == ("Body", "<module>"), (Body.name, Body.back)
        assert (Inner.name, Inner.back) == ("Inner", "make_class"), (Inner.name, Inner.back)


def recurse(n):
    if n == 0:
        fr = sys._getframe()
        names = []
        for _ in range(5):
            if fr is None:  # abi3: the interpreted frames only
                break
            names.append(fr.f_code.co_name)
            fr = fr.f_back
        return names
    return recurse(n - 1)


def test_recursion():
    names = recurse(30)
    if FRAMES:
        assert names == ["recurse"] * 5, names
        assert len(inspect.stack()) + 31 == len(recurse_stack(30))


def recurse_stack(n):
    return inspect.stack() if n == 0 else recurse_stack(n - 1)


def fail(x):
    raise ValueError(x)


def middle(x):
    y = x * 2
    return fail(y)


def test_exception_through():
    try:
        middle(2)
    except ValueError as e:
        tb = e.__traceback__
    entries = [(t.name, t.lineno) for t in traceback.extract_tb(tb)]
    assert entries == [("test_exception_through", line(test_exception_through, 2)),
                       ("middle", line(middle, 2)), ("fail", line(fail, 1))], entries
    frames = []
    while tb:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    if FRAMES:
        assert [f.f_code.co_name for f in frames] == ["test_exception_through", "middle", "fail"]
        assert frames[2].f_back is frames[1] and frames[1].f_back is frames[0]
        assert all(f.f_globals is globals() for f in frames)
        assert frames[2].f_lineno == line(fail, 1)
    print(entries[1][0], entries[2][0])


def stops_at(x):
    if x > 2:
        raise ValueError(x)
    return True


def while_test_fails():
    x = y = 0
    while stops_at(x):
        x += 1
        y = x
    return y


def while_int_test_fails():
    x = n = 0
    while 10 // (3 - x):
        x += 1
        n += x
    return n


def test_while_test_fails_after_the_first_iteration():
    # the test runs again after the back edge, on the `while` line (not the body's last)
    for fn, exc in ((while_test_fails, ValueError), (while_int_test_fails, ZeroDivisionError)):
        try:
            fn()
        except exc as e:
            entries = [(t.name, t.lineno) for t in traceback.extract_tb(e.__traceback__)]
        assert entries[1] == (fn.__name__, line(fn, 2)), entries
        print(fn.__name__, entries[1][1] - line(fn, 0))


def test_exception_caught_inside():
    # handled exceptions (a traceback made and dropped) in a loop
    n = 0
    for i in range(50):
        try:
            fail(i)
        except ValueError:
            n += 1
    assert n == 50
    assert caller_line() == line(test_exception_caught_inside, 9) or not FRAMES


def test_throw_into_fresh_generator():
    # the generator expression's first entry is a throw(): its frame is set up with the
    # thrown exception pending
    try:
        (x for x in ()).throw(KeyError("first"))
    except KeyError as e:
        print("caught", e)


def test_locals_of_suspended_generators_and_coroutines():
    # A generator's or coroutine's frame read by f_locals, as inspect.getgeneratorlocals /
    # getcoroutinelocals do: compiled frames hold no variables (docs/differences.md), but
    # reading them must work - 3.11/3.12 crashed on a compiled closure's frame.
    outer = 1

    def gen(a=None):
        b = "spam"
        yield outer

    g = gen()
    print(type(inspect.getgeneratorlocals(g)).__name__)
    next(g)
    print(type(inspect.getgeneratorlocals(g)).__name__)

    @__import__("types").coroutine
    def step():
        yield

    s = step()

    async def coro(a=None):
        b = "spam"
        await s
        return outer

    c = coro()
    print(type(inspect.getcoroutinelocals(c)).__name__)
    c.send(None)
    print(type(inspect.getcoroutinelocals(c)).__name__)
    c.close()
    g.close()


class _NoteExitLine:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        caller = sys._getframe(1)
        self.line = caller.f_lineno - caller.f_code.co_firstlineno


def _frame_lines_after(f):
    try:
        f()
    except Exception as ex:
        t = ex.__traceback__.tb_next
    out = []
    while t:
        first = t.tb_frame.f_code.co_firstlineno
        out.append((t.tb_frame.f_lineno - first, t.tb_lineno - first))
        t = t.tb_next
    return out


def test_frame_line_after_with_reraises():
    # __exit__ runs on the with statement's line; when it declines the exception, the
    # frame's f_lineno goes back to the line that raised (PEP 626, test_lineno_after_with).
    cm = _NoteExitLine()

    def after_with():
        with cm:
            1 / 0
            pass

    def nested():
        with _NoteExitLine():
            with cm:
                x = 1
                1 / 0
        return x

    first = _frame_lines_after(after_with), cm.line
    second = _frame_lines_after(nested), cm.line
    if FRAMES:
        assert first == ([(2, 2)], 1), first
        assert second == ([(4, 4)], 2), second
