"""Order fulfilment with asyncio: lines are picked concurrently, orders one after another.

Scheduling is deterministic: tasks only yield with `asyncio.sleep(0)`, and the event loop
runs ready callbacks in FIFO order, so the log reads the same on every run.
"""

import asyncio

from ..errors import FulfilmentError, OutOfStock
from ..models import OrderStatus


async def pick_line(inventory, order, line, log, lock):
    for step in range(line.qty % 3 + 1):  # walking the aisles takes a few turns
        await asyncio.sleep(0)
    async with lock:
        left = inventory.reserve(line.sku, line.qty)
    log.append(f"  #{order.number} picked {line.qty:>4} x {line.sku:<8} ({left} left)")
    return line.qty


async def fulfil_order(inventory, order, log):
    lock = asyncio.Lock()
    results = await asyncio.gather(
        *[pick_line(inventory, order, line, log, lock) for line in order.lines], return_exceptions=True
    )
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        for line, result in zip(order.lines, results):
            if not isinstance(result, BaseException):
                inventory.release(line.sku, line.qty)
        order.advance(OrderStatus.FAILED)
        first = failures[0]
        raise FulfilmentError(f"order {order.number} not fulfilled ({len(failures)} line(s) failed)") from first
    order.advance(OrderStatus.PICKED)
    for line in order.lines:
        inventory.ship(line.sku, line.qty)
    order.advance(OrderStatus.SHIPPED)
    return sum(results)


async def countdown(n):
    """An async generator: the dispatcher's ticks."""
    while n:
        await asyncio.sleep(0)
        yield n
        n -= 1


async def _fulfil_all(inventory, orders):
    log = []
    shipped, errors = [], []
    async for tick in countdown(2):
        log.append(f"dispatcher tick {tick}")
    # Rush orders go first; stable sort keeps the rest in arrival order.
    for order in sorted(orders, key=lambda o: o.kind != "rush"):
        try:
            units = await fulfil_order(inventory, order, log)
        except FulfilmentError as exc:
            errors.append(exc)
        else:
            shipped.append((order.number, units))
    return shipped, errors, log


def fulfil_all(inventory, orders):
    """Run fulfilment to completion; returns (shipped, errors, log)."""
    return asyncio.run(_fulfil_all(inventory, orders))


def is_out_of_stock(error):
    return isinstance(error.__cause__, OutOfStock)
