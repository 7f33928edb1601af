"""Constructs not yet compiled natively (an async comprehension holding another
comprehension or a closure) run interpreted at the
smallest sound unit - a top-level function or class (or a module-level statement) - with
the same behaviour, while the rest of the module stays compiled and calls into them."""

import asyncio


async def numbers(n):
    for i in range(n):
        await asyncio.sleep(0)
        yield i


async def squares(n):
    return [[j for j in range(i)] async for i in numbers(n)]


class UsesAsyncComprehension:
    async def evens(self, n):
        return {(lambda: i)() async for i in numbers(n) if i % 2 == 0}


def compiled_caller():
    return asyncio.run(squares(4)), sorted(asyncio.run(UsesAsyncComprehension().evens(5)))


def test_fallbacks():
    print(compiled_caller(), squares.__qualname__, UsesAsyncComprehension.__module__)

