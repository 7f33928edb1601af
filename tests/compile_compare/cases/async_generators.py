"""Async generators: async for over them, asend/athrow/aclose, finalization by asyncio."""

import asyncio
import inspect


async def ticks(n):
    for i in range(n):
        await asyncio.sleep(0)
        yield i
    yield "last"


async def echo():
    received = []
    try:
        while True:
            got = yield len(received)
            received.append(got)
    except ValueError as e:
        yield ("thrown", str(e))
    finally:
        print("echo cleanup", received)


async def main():
    out = []
    async for v in ticks(3):
        out.append(v)
    g = echo()
    out.append(await g.__anext__())
    out.append(await g.asend("a"))
    out.append(await g.asend("b"))
    out.append(await g.athrow(ValueError("boom")))
    try:
        await g.__anext__()
    except StopAsyncIteration:
        out.append("stopped")
    g2 = echo()
    await g2.__anext__()
    await g2.aclose()
    out.append(type(ticks(1)).__name__)
    out.append(inspect.isasyncgenfunction(ticks))
    unfinished = ticks(5)
    out.append(await unfinished.__anext__())
    return out


def test_async_generators():
    print(asyncio.run(main()))


async def comprehensions():
    squares = [v * v async for v in ticks(4) if v != "last"]
    evens = {v async for v in ticks(5) if isinstance(v, int) and v % 2 == 0}
    table = {str(v): await asyncio.sleep(0, v) async for v in ticks(2)}
    awaited = [await asyncio.sleep(0, x) for x in range(3)]
    v = "outer v survives"
    return squares, sorted(evens), table, awaited, v


def test_async_comprehensions():
    print(asyncio.run(comprehensions()))


async def async_genexps():
    doubled = (v * 2 async for v in ticks(3) if v != "last")
    awaited = (await asyncio.sleep(0, x) for x in range(3))
    return [v async for v in doubled], [v async for v in awaited], type(doubled).__name__


def test_async_generator_expressions():
    print(asyncio.run(async_genexps()))

