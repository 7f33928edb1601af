"""for/while with else, break, continue; unpacking in every position; walrus; iterators."""


def test_for_else():
    out = []
    for i in range(5):
        if i == 10:
            break
    else:
        out.append("no break")
    for i in range(5):
        if i == 2:
            break
    else:
        out.append("unreachable")
    while False:
        pass
    else:
        out.append("while else")
    n = 0
    while True:
        n += 1
        if n > 4:
            break
        if n % 2:
            continue
        out.append(n)
    print(out)


def test_nested_loops():
    pairs = []
    for i in range(3):
        for j in range(3):
            if j > i:
                break
            if (i + j) % 2:
                continue
            pairs.append((i, j))
    print(pairs)


def test_unpacking():
    a, b = 1, 2
    a, b = b, a
    (c, d), e = (3, 4), 5
    f, *g = "hello"
    *h, i = [1, 2, 3]
    j, *k, l = range(6)
    [m, n] = {7: 0, 8: 0}
    for x, (y, z) in [(1, (2, 3)), (4, (5, 6))]:
        pass
    print(a, b, c, d, e, f, g, h, i, j, k, l, m, n, x, y, z)
    print([*"ab", *[1, 2]], (*range(2), 9), {*"aa", "b"} == {"a", "b"}, {**{"a": 1}, "b": 2, **{"a": 3}})
    for bad in ([1, 2, 3], [1], 5):
        try:
            p, q = bad
        except (ValueError, TypeError) as err:
            print(type(err).__name__, err)
    try:
        p, q, *r = [1]
    except ValueError as err:
        print(err)


def test_unpacking_into_locals():
    # the source held only by a target that is overwritten first
    t = (1, (2, 3))
    t, b = t
    print(t, b)
    lst = [4, 5]
    lst, c = lst
    print(lst, c)
    a, a = 1, 2
    print(a)
    # a failed unpacking changes no target; partial items are released
    a, b = "old", "older"
    for bad in ([1], [1, 2, 3], iter([1]), 7):
        try:
            a, b = bad
        except (ValueError, TypeError) as err:
            print(type(err).__name__, err, a, b)

    def gen_raises():
        yield 1
        raise KeyError("mid-way")

    try:
        a, b = gen_raises()
    except KeyError as err:
        print("KeyError", err, a, b)
    # releasing an old value runs __del__, which sees every item already taken
    log = []

    class Noisy:
        def __init__(self, name):
            self.name = name

        def __del__(self):
            log.append(self.name)
            source.append("added by __del__")

    x, y = Noisy("x"), Noisy("y")
    source = [10, 20]
    x, y = source
    print(x, y, log, source)


def gen_unpacking(pairs):
    for pair in pairs:
        k, v = pair
        yield v, k
        k, v = v, k
        yield k, v


def test_unpacking_in_generator():
    print(list(gen_unpacking([(1, 2), [3, 4]])))
    g = gen_unpacking([(1, 2), (1, 2, 3)])
    print(next(g), next(g))
    try:
        next(g)
    except ValueError as err:
        print(err)


def test_walrus():
    data = [1, 5, 3, 8]
    if (n := len(data)) > 3:
        print("long", n)
    out = [y for x in data if (y := x * 2) > 5]
    print(out, y)
    total = 0
    while (chunk := data.pop() if data else None) is not None:
        total += chunk
    print(total)
    v = 1
    print(v + (v := 10) + v)


class Countdown:
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return self

    def __next__(self):
        if self.n <= 0:
            raise StopIteration
        self.n -= 1
        return self.n


def test_iterators():
    print(list(Countdown(3)), [x for x in Countdown(4) if x % 2], dict(enumerate("ab")))
    it = iter([1, 2, 3])
    for v in it:
        if v == 1:
            next(it)
    print(sum([1, 2]))
    try:
        for v in 5:
            pass
    except TypeError as e:
        print(e)


def test_comprehensions():
    xs = range(10)
    print([x * y for x in xs if x % 3 == 0 for y in (1, -1)])
    print({x % 3 for x in xs}, {x: x ** 2 for x in xs if x < 4})
    print([[r * c for c in range(3)] for r in range(3)])
    matrix = [[1, 2], [3, 4]]
    print([v for row in matrix for v in row])
    x = "outer"
    [x for x in range(3)]
    print(x)
