"""Async comprehensions nested in comprehensions (allowed in coroutines from 3.11)."""
# requires-python: >=3.11

import asyncio


async def ticks(n):
    for i in range(n):
        await asyncio.sleep(0)
        yield i
    yield "last"


async def nested_async_comprehensions():
    inner_async = [[i + j async for i in ticks(2) if i != "last"] for j in [10, 20]]
    inner_sync = [[k * v for k in range(2)] async for v in ticks(2) if v != "last"]
    return inner_async, inner_sync


def test_nested_async_comprehensions():
    print(asyncio.run(nested_async_comprehensions()))
