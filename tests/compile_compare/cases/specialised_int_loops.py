"""`while` loops run on int64 variables (translator/intloop.py): every way out of the native
copy - an item that is not a small exact int, an index out of range, an overflow, a value
or an old item the fast store must not touch, a list subclass, aliasing, list methods that
are not list's own, an exception mid-loop - must leave exactly CPython's state: the same
results, the same objects (identity of ints outside the small-int cache), the same
exceptions with the variables as they were."""


def fannkuch(n):
    # pyperformance's bm_fannkuch, the loop shapes the native copy was made for
    count = list(range(1, n + 1))
    max_flips = 0
    m = n - 1
    r = n
    perm1 = list(range(n))
    perm = list(range(n))
    perm1_ins = perm1.insert
    perm1_pop = perm1.pop
    while 1:
        while r != 1:
            count[r - 1] = r
            r -= 1
        if perm1[0] != 0 and perm1[m] != m:
            perm = perm1[:]
            flips_count = 0
            k = perm[0]
            while k:
                perm[:k + 1] = perm[k::-1]
                flips_count += 1
                k = perm[0]
            if flips_count > max_flips:
                max_flips = flips_count
        while r != n:
            perm1_ins(r, perm1_pop(0))
            count[r] -= 1
            if count[r] > 0:
                break
            r += 1
        else:
            return max_flips


def test_fannkuch():
    print([fannkuch(n) for n in range(1, 8)])


def flips(perm, k):
    n = 0
    while k:
        perm[:k + 1] = perm[k::-1]
        n += 1
        k = perm[0]
    return n, k, perm


def test_flip_items_not_small_ints():
    print(flips([3, 1, 0, 2], 3))
    big = [2, 300, 1, 0]            # 300: not the small-int cache's object
    n, k, perm = flips(big, 2)
    print(n, k, perm, perm is big)
    item = 1000
    lst = [item, 0, 5]
    n, k, perm = flips(lst, 1)      # k = perm[0] reads 1000: k must be that very object
    print(n, k is item, perm)
    print(flips([True, 0, 2], 2))   # a bool item: never read as an int
    print(flips([2 ** 70, 0, 1], 2))
    print(flips([1.0, 0, 1], 2)[2])


def last_item(lst, n):
    i = 0
    x = 0
    while i < n:
        x = lst[i]                 # x must be bound to the item itself
        if x < -1000:
            break
        i += 1
    return x


def test_item_identity():
    item = 1000
    lst = [1, 2, item]
    print(last_item(lst, 3) is item, last_item(lst, 2) == 2, last_item([1, 2 ** 64], 2) == 2 ** 64)
    print(last_item([1, True], 2), last_item([0, -5], 2), last_item([0, -6], 2), last_item([0, 256, 257], 3))


def test_flip_bounds():
    for k in (0, 1, 3, 4, 7, -1, -3, -9):
        perm = [3, 0, 1, 2]
        try:
            print(k, flips(perm, k))
        except Exception as e:
            print(k, type(e).__name__, perm)
    try:
        flips([1, 'x', 0], 1)
    except TypeError as e:
        print('TypeError', e)


class Noisy(list):
    def __getitem__(self, i):
        print('getitem', i)
        return list.__getitem__(self, i)

    def __setitem__(self, i, v):
        print('setitem', i, v)
        list.__setitem__(self, i, v)


def test_flip_list_subclass_and_alias():
    print(flips(Noisy([2, 0, 1]), 2))
    a = [3, 2, 0, 1]
    b = a
    print(flips(a, 3), b, a is b)


def countdown(count, r):
    while r != 1:
        count[r - 1] = r
        r -= 1
    return r


def test_store_items():
    count = [0] * 5
    print(countdown(count, 5), count)
    big = 1000
    count = [0] * 3
    print(countdown(count, 3), count)
    count = [0] * 1200
    r = countdown(count, 1100)      # stores 1100..257 (no cached object), then small ints
    print(r, count[1099], count[256], count[255], count[0], count[1099] == 1100)

    class Noisy:
        def __init__(self, name):
            self.name = name

        def __del__(self):
            print('del', self.name)

    count = [Noisy('a'), Noisy('b'), Noisy('c')]
    print(countdown(count, 3), [type(c).__name__ for c in count])
    shared = Noisy('shared')
    count = [shared, shared, shared]
    print(countdown(count, 3), count[0].name)
    del shared, count
    try:
        countdown([0, 0], 5)
    except IndexError as e:
        print('IndexError', e)
    r = 0
    try:
        countdown([0, 0], r)       # r runs negative: -1, -2, ... until an index is out of range
    except IndexError as e:
        print('IndexError', e)
    print(big)


def augmented(count, r, n):
    steps = 0
    while r < n:
        count[r] -= 1
        count[r - n] += 2
        if count[r] > 3:
            break
        r += 1
        steps += 1
    else:
        steps = -steps
    return r, steps, count


def test_augmented_items():
    print(augmented([1, 2, 3, 4, 5, 6], 0, 3))
    print(augmented([1, 2, 30, 4, 5, 6], 0, 3))
    print(augmented([1, 2, 254, 255, 256, 6], 0, 6))  # 256 + 2: outside the cache
    print(augmented([1, 2 ** 63 - 1, 3, 4], 0, 2))
    print(augmented([1, -2 ** 63, 3, 4], 1, 4))
    try:
        augmented([1, 'a', 3], 0, 3)
    except TypeError as e:
        print('TypeError', e)


def overflow(x, step):
    n = 0
    while n < 5:
        x += step
        x = x * 3 - step
        n += 1
    return x, n


def test_overflow():
    print(overflow(1, 2))
    print(overflow(2 ** 60, 2 ** 61))
    print(overflow(-2 ** 62, -2 ** 62))
    print(overflow(2 ** 62, 2 ** 62))        # `x += step` itself leaves int64
    print(overflow(2 ** 63 - 1, 1))
    print(overflow(1, 2 ** 80))
    print(overflow(1.5, 2))
    print(overflow(True, 1))


def moves(perm, a, r, n):
    ins = perm.insert
    pop = perm.pop
    other = a.pop
    while r != n:
        ins(r, pop(0))
        ins(n, other(-1))
        r += 1
    return perm, a, r


def test_pop_insert():
    import sys
    perm = list(range(5))          # (a list display's allocation is not the same when compiled)
    before = sys.getsizeof(perm)
    print(moves(perm, list(range(7, 10)), 0, 2), sys.getsizeof(perm) - before)
    perm = list(range(5))
    perm.append(5)                 # room for two more: the inserts need no new allocation
    before = sys.getsizeof(perm)
    print(moves(perm, list(range(7, 10)), 0, 2), sys.getsizeof(perm) - before)
    try:
        print(moves([0, 1, 2], [7], 0, 2))
    except IndexError as e:
        print('IndexError', e)
    perm = list(range(40))
    for _ in range(30):
        perm.pop()                 # allocation now much larger than the size
    before = sys.getsizeof(perm)
    print(moves(perm, list(range(5, 8)), 0, 3), sys.getsizeof(perm) - before)
    print(moves([0, 1, 2], [4, 5, 6], -5, -2))
    print(moves([0, 1, 2], [4, 5, 6], 2 ** 40, 2 ** 40 + 2))


def other_methods(lst, r):
    ins = lst.append
    pop = lst.pop
    while r < 3:
        ins(r, pop(0))
        r += 1
    return lst


def test_methods_not_insert():
    try:
        other_methods([1, 2, 3], 0)
    except TypeError as e:
        print('TypeError', e)

    class L(list):
        def insert(self, i, v):
            print('insert', i, v)
            list.insert(self, i, v)

    lst = L([1, 2, 3])
    ins = lst.insert
    pop = lst.pop
    r = 0
    while r < 2:
        ins(r, pop(0))
        r += 1
    print(lst, r)

    def fake(i, v=None):
        print('fake', i, v)
        return i

    ins = fake
    pop = fake
    r = 0
    while r < 2:
        ins(r, pop(0))
        r += 1
    print(r)


def loop_vars(lst, n):
    i = 0
    total = 0
    while i < n:
        i += 1
        if lst[i] < 0:
            continue
        total += lst[i] * i
        if total > 100:
            break
    return i, total


def test_continue_break_and_after_loop():
    print(loop_vars([0, 1, -2, 3, -4, 5, 6, 70, 8], 8))
    print(loop_vars([0, 1, 2], 2))
    try:
        loop_vars([0, 1, 2], 5)
    except IndexError as e:
        print('IndexError', e)


def unbound_first(lst):
    i = 0
    while i < 3:
        if i > 0:
            x = lst[i] + y
        y = i * 2
        i += 1
    return x, y


def test_unbound_and_identity():
    print(unbound_first([1, 2, 3]))
    big = 5000
    k = big
    n = 0
    while n < 3:
        n += 1
    print(k is big, n)


def nested_copies(src, n, rounds, step):
    work = [0]
    best = 0
    r = 0
    while 1:
        work = src[:]              # the first copy cannot refill [0]: made, then on natively
        acc = 0
        j = 0
        while j < n:
            work[j] += r
            acc += work[j] * step
            j += 1
        if acc > best:
            best = acc             # `x = y`: y's object (a small int, or the generic copy)
        r += 1
        if r == rounds:
            return best, acc, work, r, best is acc


def test_nested_loops_and_copies():
    print(nested_copies([1, 2, 3], 3, 5, 1))
    print(nested_copies([1, 2, 3], 3, 5, 1000))    # acc outside the small-int cache
    print(nested_copies([100, 2, 3], 3, 200, 1))   # work[0] += r passes 256
    try:
        nested_copies([1, 2, 3], 4, 5, 1)          # work[3]: IndexError in the inner loop
    except IndexError as e:
        print('IndexError', e)

    class L(list):
        pass

    print(nested_copies(L([1, 2, 3]), 3, 3, 2))


def maybe_unbound(n, first):
    i = 0
    while i < n:
        if i >= first:
            total += i
        i += 1
        total = i * 2
    return i, total


def test_unbound_at_entry():
    print(maybe_unbound(4, 1))
    try:
        maybe_unbound(4, 0)
    except UnboundLocalError as e:
        print('UnboundLocalError', e)


# -- `for` bodies over range / reversed(range) (intloop.native_for_body), in generators too --

def permutations(iterable, r=None):
    # pyperformance's bm_nqueens generator, its loop in stepper
    pool = tuple(iterable)
    n = len(pool)
    if r is None:
        r = n
    indices = list(range(n))
    cycles = list(range(n - r + 1, n + 1))[::-1]
    yield tuple(pool[i] for i in indices[:r])
    for picked in stepper(cycles, indices, r, n):
        yield tuple(pool[i] for i in picked)


def test_permutations_generator():
    import itertools
    for n, r in ((0, None), (1, None), (3, None), (4, 2), (5, 5), (5, 0)):
        got = list(permutations(range(n), r))
        print(n, r, len(got), got == list(itertools.permutations(range(n), r)), got[:3])
    print(attempt(lambda: list(permutations(range(3), 4))))
    print(list(permutations('abc')))


def test_generator_suspended_closed_thrown_abandoned():
    g = permutations(range(4))
    for _ in range(5):
        v = next(g)
    # (a compiled generator's gi_frame has no meaningful f_locals: docs/differences.md)
    print(v)
    try:
        g.throw(ValueError('in'))
    except ValueError as e:
        tb = e.__traceback__
        while tb.tb_next:
            tb = tb.tb_next
        print('ValueError', e, tb.tb_frame.f_code.co_name, tb.tb_lineno - permutations.__code__.co_firstlineno)
    print(g.gi_frame)
    g = permutations(range(4))
    next(g), next(g)
    g.close()
    print(list(g))
    g = permutations(range(6))
    print(next(g), next(g))
    del g                             # abandoned mid-loop
    s = stepper([3, 3, 3], [0, 1, 2], 3, 3)
    print(next(s))
    try:
        s.throw(KeyError('k'))
    except KeyError as e:
        print('KeyError', e, e.__traceback__.tb_next.tb_lineno - stepper.__code__.co_firstlineno)
    print(list(s))
    s = stepper([3, 3, 3], [0, 1, 2], 3, 3)
    print(next(s), next(s))
    s.close()


def attempt(f):
    try:
        return f()
    except Exception as e:
        return type(e).__name__, str(e)


def stepper(cycles, indices, r, n):
    # the permutations loop: its for body runs natively, the yield leaves
    while n:
        for i in reversed(range(r)):
            cycles[i] -= 1
            if cycles[i] == 0:
                indices[i:] = indices[i + 1:] + indices[i:i + 1]
                cycles[i] = n - i
            else:
                j = cycles[i]
                indices[i], indices[-j] = indices[-j], indices[i]
                yield tuple(indices[i] for i in range(r))
                break
        else:
            return


def test_stepper_items():
    print(list(stepper([1, 1, 2], [0, 1, 2], 3, 3)))
    big, huge = 1000, 2 ** 70
    indices = [big, huge, True, -1]
    out = list(stepper([2, 3, 1, 1], indices, 4, 4))
    print(out[:4], out[0][0] is big, indices[0] is big or indices.index(big))
    ident = [x for step in out for x in step if x == 1000]
    print(all(x is big for x in ident))
    c = [1, 300, 2]                   # j = 299: outside the small-int cache, its own object
    g = stepper(c, [0, 1, 2], 3, 3)
    print(next(g), c)
    print(attempt(lambda: list(stepper([1, 2 ** 64, 1], [0, 1, 2], 3, 3))[:2]))
    print(attempt(lambda: list(stepper([1, 1.5, 1], [0, 1, 2], 3, 3))[:2]))
    print(attempt(lambda: list(stepper([1, True, 1], [0, 1, 2], 3, 3))[:2]))

    print(list(stepper(Noisy([1, 2, 2]), [0, 1, 2], 3, 3))[:2])
    print(list(stepper([1, 2, 2], Noisy([0, 1, 2]), 3, 3))[:2])
    a = [2, 2, 2]
    print(attempt(lambda: list(stepper(a, a, 3, 3))[:3]), a)  # the same list both ways


def test_stepper_errors():
    import traceback
    for cycles, indices, r in (([1, 5, 2], [0, 1, 2], 3), ([1, 1, 2], [0, 1], 3), ([1, 1], [0, 1, 2], 3),
                               ([1, 'x', 2], [0, 1, 2], 3), ([1, 1, 9], [0, 1, 2], 3)):
        try:
            print(list(stepper(cycles, indices, r, 3))[:3])
        except Exception as e:
            tb = traceback.extract_tb(e.__traceback__)[-1]
            print(type(e).__name__, e, tb.name, tb.lineno - stepper.__code__.co_firstlineno)


def rebinding():
    out = []
    for i in reversed(range(3)):
        out.append(i)
    return out


def test_range_and_reversed_rebound():
    import builtins
    g = globals()
    g['reversed'] = lambda x: list(builtins.reversed(x))[:2]
    try:
        print(list(stepper([2, 2, 2], [0, 1, 2], 3, 3))[:2])
        print(list(permutations(range(3)))[:4])
    finally:
        del g['reversed']
    g['range'] = lambda *a: [x for x in builtins.range(*a) if x != 1]
    try:
        print(list(permutations(range(3))))
    finally:
        del g['range']
    print(list(permutations(range(3)))[:3])


def counted(lst, n, stop):
    # a plain function's `for ... in range`: the body native, the loop variable the loop's
    total = 0
    for i in range(n):
        lst[i] += i
        if lst[i] > stop:
            break
        if lst[i] == 3:
            continue
        lst[i - 1], lst[i] = lst[i], lst[i - 1]
        total += lst[i]
    else:
        i = -1
    return i, total, lst


def test_counted_for_bodies():
    print(counted([0, 1, 2, 3, 4], 5, 100))
    print(counted([0, 1, 2, 3, 4], 5, 5))
    print(counted([0, 1, 2, 3, 4], 0, 5))
    print(counted([250, 255, 2, 3], 4, 1000))     # 255 + 1: stored outside the cache
    print(counted([0, 2 ** 63 - 2, 2, 3], 4, 2 ** 64))
    try:
        counted([0, 1], 3, 100)
    except IndexError as e:
        print('IndexError', e)


def counted_gen(lst, r, stop):
    # the count itself native (gen_loops' reversed range): the target after the end/break
    for i in reversed(range(r)):
        lst[i] += 1
        if lst[i] > stop:
            break
    else:
        yield 'else'
    yield i
    for k in reversed(range(2, r)):
        lst[k] -= k
        if k == 3:
            yield 'k3', lst[:]
    yield k, lst


def test_counted_generator_target():
    print(list(counted_gen([0, 1, 2, 3, 4], 5, 100)))
    print(list(counted_gen([0, 5, 2, 3, 4], 5, 4)))
    print(attempt(lambda: list(counted_gen([5], True, 100))))  # not an exact int: the iterator
    print(attempt(lambda: list(counted_gen([1, 2], 0, 100))))  # i never bound
    print(attempt(lambda: list(counted_gen([1, 2], 3, 100))))  # IndexError at lst[2]
    print(attempt(lambda: list(counted_gen([0] * 5, 2 ** 40, 100))))
    g = counted_gen([0, 1, 2, 3, 4, 5], 6, 100)
    print(next(g), next(g), next(g))
    g.close()
