"""async with / async for, and yield / await inside except and finally blocks."""

import asyncio
import sys


class Resource:
    def __init__(self, name, log, swallow=False):
        self.name, self.log, self.swallow = name, log, swallow

    async def __aenter__(self):
        await asyncio.sleep(0)
        self.log.append(("enter", self.name))
        return self

    async def __aexit__(self, et, ev, tb):
        await asyncio.sleep(0)
        self.log.append(("exit", self.name, et.__name__ if et else None))
        return self.swallow


class Ticker:
    def __init__(self, n):
        self.n = n

    def __aiter__(self):
        return self

    async def __anext__(self):
        await asyncio.sleep(0)
        if self.n <= 0:
            raise StopAsyncIteration
        self.n -= 1
        return self.n


async def scenario():
    log = []
    async with Resource("a", log) as a, Resource("b", log):
        log.append(a.name)
    async with Resource("s", log, swallow=True):
        raise ValueError("swallowed")
    try:
        async with Resource("p", log):
            raise KeyError("passes")
    except KeyError:
        log.append("caught")
    async for v in Ticker(3):
        if v == 1:
            continue
        log.append(v)
    else:
        log.append("for-else")
    async for v in Ticker(5):
        if v == 3:
            break
    try:
        raise ValueError("in handler")
    except ValueError as e:
        await asyncio.sleep(0)
        log.append(("handled", str(e), sys.exc_info()[0].__name__))
    finally:
        await asyncio.sleep(0)
        log.append("finally awaited")
    log.append(sys.exc_info())
    try:
        async for _ in 5:
            pass
    except TypeError as e:
        log.append(str(e))
    return log


def test_async_with_for():
    print(asyncio.run(scenario()))


def gen_with_handlers():
    try:
        yield "body"
        raise KeyError("k")
    except KeyError as e:
        seen = sys.exc_info()[1]
        yield ("in except", repr(e), seen is e)
        yield ("still", sys.exc_info()[0].__name__)
    finally:
        yield "in finally"
    yield ("after", sys.exc_info())


def test_yield_in_handlers():
    g = gen_with_handlers()
    out = []
    for v in g:
        out.append(v)
        out.append(("caller sees", sys.exc_info()[0]))
    print(out)
    try:
        raise RuntimeError("outer")
    except RuntimeError:
        g = gen_with_handlers()
        print(next(g), next(g), sys.exc_info()[0].__name__)
        try:
            g.close()
        except RuntimeError as e:
            print("close:", e, sys.exc_info()[0].__name__)


def closing_in_finally():
    try:
        yield 1
    finally:
        yield "cleanup"


def test_close_ignored():
    g = closing_in_finally()
    next(g)
    try:
        g.close()
    except RuntimeError as e:
        print(e)
