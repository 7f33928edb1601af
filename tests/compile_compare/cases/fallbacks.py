"""Constructs not yet compiled natively run interpreted at the smallest sound unit, with
the same behaviour; the rest of the module stays compiled."""

import asyncio


def gen(n):
    for i in range(n):
        yield i * i
    return "done"


def uses_genexp(xs):
    return sum(x * 2 for x in xs)


async def coro(x):
    await asyncio.sleep(0)
    return x + 1


def matcher(v):
    match v:
        case [x, y]:
            return ("pair", x, y)
        case {"k": k}:
            return ("map", k)
        case int() | float() as n if n > 0:
            return ("positive", n)
        case _:
            return "other"


class WithGenMethod:
    def items(self):
        yield from (1, 2)


def compiled_caller():
    return list(gen(3)), uses_genexp([1, 2]), asyncio.run(coro(1)), matcher([1, 2]), matcher({"k": 9})


def test_fallbacks():
    print(compiled_caller(), matcher(2.5), matcher("x"), list(WithGenMethod().items()))
    g = gen(2)
    print(next(g), next(g))
    try:
        next(g)
    except StopIteration as e:
        print("StopIteration", e.value)


TOTAL = sum(i for i in range(4))


def test_module_statement_fallback():
    print(TOTAL)
