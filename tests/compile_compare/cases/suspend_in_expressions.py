"""yield and await inside expressions: evaluation order, short-circuits, loops, f-strings."""

import asyncio

LOG = []


def note(x):
    LOG.append(x)
    return x


def echo():
    received = []
    received.append((yield "first"))
    total = note(1) + (yield "second") + note(2)
    received.append(total)
    flag = note(False) and (yield "never")
    other = note(True) or (yield "never either")
    pick = (yield "cond") if note(True) else note("no")
    received.append(f"{note('f')}-{(yield 'in fstring')}")
    received.append([note("a"), (yield "in list"), note("b")])
    received.append({"k": (yield "in dict")})
    received.append(note(0) < (yield "cmp") < note(100))
    x = 10
    x += (yield "aug")
    received.append((flag, other, pick, x))
    while (yield "loop test"):
        received.append("looped")
    else:
        received.append("while else")
    return received


def test_yield_in_expressions():
    LOG.clear()
    g = echo()
    out = [next(g)]
    try:
        for sent in [5, 7, 3, "s", "l", "d", 50, 2, True, True, False]:
            out.append(g.send(sent))
    except StopIteration as e:
        out.append(("result", e.value))
    print(out)
    print(LOG)


async def value(v):
    await asyncio.sleep(0)
    return v


async def combine():
    items = []
    items.append(await value(1))
    total = await value(2) + await value(3)
    if await value(True):
        items.append(total)
    while await value(len(items)) < 4:
        items.append(await value("more"))
    items.append(f"{await value('x')}{await value('y')}")
    return {"items": items, "sum": sum([await value(4), await value(5)])}


def test_await_in_expressions():
    print(asyncio.run(combine()))


def yield_in_first_iterable():
    got = [x * 2 for x in [(yield 1), (yield 2)]]
    total = sum(y for y in (yield "gen"))
    return got, total


def test_yield_in_comprehension_iterable():
    g = yield_in_first_iterable()
    out = [next(g), g.send(10), g.send(20)]
    try:
        g.send([1, 2, 3])
    except StopIteration as e:
        out.append(e.value)
    print(out)
