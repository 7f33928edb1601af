"""Small workloads that exercise the generic tier: calls, loops, floats, dicts, generators,
strings, objects and caught exceptions. Used by benchmarks/generic_tier.py."""

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

def loops(n):
    total = 0
    for i in range(n):
        if i % 3 == 0:
            total += i * 2
        else:
            total -= 1
    return total

def floats(n):
    x = 0.0
    for i in range(n):
        x = x * 0.5 + i / 3.0
    return x

def dicts(n):
    d = {}
    for i in range(n):
        d[str(i % 100)] = d.get(str(i % 100), 0) + i
    return len(d)

def gens(n):
    return sum(x * x for x in range(n) if x % 2)

def strings(n):
    parts = []
    for i in range(n):
        parts.append(f"{i}:{i * 2}")
    return len(",".join(parts))

class P:
    def __init__(self, x, y):
        self.x = x
        self.y = y
    def add(self, o):
        return P(self.x + o.x, self.y + o.y)

def objects(n):
    p = P(0, 0)
    one = P(1, 2)
    for _ in range(n):
        p = p.add(one)
    return p.x

def exceptions(n):
    c = 0
    d = {}
    for i in range(n):
        try:
            d[i]
        except KeyError:
            c += 1
    return c
