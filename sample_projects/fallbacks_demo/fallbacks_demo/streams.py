"""Number streams: generators, `yield from` and generator expressions beside plain
functions, calling each other freely. (Generators were the first fallback of ziggurat's
translator; they compile natively now, and this module keeps them honest.)"""


def is_prime(n):
    if n < 2:
        return False
    d = 2
    while d * d <= n:
        if n % d == 0:
            return False
        d += 1
    return True


def primes():
    """An endless generator of primes."""
    n = 2
    while True:
        if is_prime(n):
            yield n
        n += 1


def take(n, iterable):
    out = []
    for x in iterable:
        if len(out) == n:
            break
        out.append(x)
    return out


def chunked(items, size):
    """A generator of lists of `size` items (the last may be shorter)."""
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def flatten(nested):
    for item in nested:
        if isinstance(item, (list, tuple)):
            yield from flatten(item)
        else:
            yield item


def sum_of_squares(numbers):
    return sum(x * x for x in numbers)


def running_mean(numbers):
    total = 0
    means = []
    for i, x in enumerate(numbers, 1):
        total += x
        means.append(round(total / i, 3))
    return means


class Countdown:
    """An iterable class whose __iter__ is a generator."""

    def __init__(self, start):
        self.start = start

    def __iter__(self):
        n = self.start
        while n > 0:
            yield n
            n -= 1
