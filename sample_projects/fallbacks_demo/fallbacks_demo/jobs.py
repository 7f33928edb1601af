"""A job runner: coroutines, an async generator, `async for` / `async with`, `except*`, and
async comprehensions (which the build log lists as interpreted fallbacks, for now)."""

import asyncio


class JobFailed(Exception):
    pass


def plan(names):
    """Compiled: the order jobs are started in."""
    return sorted(names, key=lambda n: (len(n), n))


async def run_job(name, log):
    await asyncio.sleep(0)
    if name.startswith("bad"):
        raise JobFailed(name)
    if name.startswith("zero"):
        return 1 // 0
    log.append(f"ran {name}")
    return len(name)


async def run_all(names):
    log = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(run_job(n, log)) for n in plan(names)]
    except* JobFailed as eg:
        log.append(f"failed jobs: {sorted(str(e) for e in eg.exceptions)}")
    except* ZeroDivisionError as eg:
        log.append(f"arithmetic errors: {len(eg.exceptions)}")
    else:
        log.append(f"results: {[t.result() for t in tasks]}")
    return log


async def ticks(n):
    """An async generator."""
    for i in range(n):
        await asyncio.sleep(0)
        yield i * i


async def collect_ticks(n):
    return [t async for t in ticks(n)]


async def squares_in_order(n):
    """`await` inside a comprehension."""
    return [await asyncio.sleep(0, result=i * i) for i in range(n)]


async def even_ticks(n):
    """An asynchronous generator expression, consumed by an async comprehension."""
    evens = (t async for t in ticks(n) if t % 2 == 0)
    return [t async for t in evens]


def run(names):
    return asyncio.run(run_all(names))


def run_ticks(n):
    return asyncio.run(collect_ticks(n))


def run_comprehensions(n):
    return asyncio.run(squares_in_order(n)), asyncio.run(even_ticks(n))
