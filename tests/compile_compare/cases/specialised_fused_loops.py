"""Loops fused with their float run (translator/fusedloop.py): `for <pattern> in seq:` whose
body is one float run takes the items' parts as doubles and binds the locals only when it
leaves. Every way out is taken here (end, an item of another shape or kind, a list the body
stores into that holds the item's parts, a deoptimisation mid-body, an exception) and the
locals are printed afterwards with their identity against the items, so a stale, missing or
early binding, a float overwritten in place while a local still needs it, or a value
released at the wrong time changes the output."""

from math import sqrt


class F(float):
    pass


class Noisy:
    """Its release logs the velocities at that moment: CPython releases it when the loop
    first rebinds the local that holds it."""

    def __init__(self, log, v):
        self.log, self.v = log, v

    def __del__(self):
        self.log.append(("released", list(self.v)))


def pairs_kernel(pairs, dt):
    """nbody's advance() inner loop, unchanged but for the names; the locals after it."""
    try:
        for (([x1, y1, z1], v1, m1), ([x2, y2, z2], v2, m2)) in pairs:
            dx = x1 - x2
            dy = y1 - y2
            dz = z1 - z2
            mag = dt * ((dx * dx + dy * dy + dz * dz) ** (-1.5))
            b1m = m1 * mag
            b2m = m2 * mag
            v1[0] -= dx * b2m
            v1[1] -= dy * b2m
            v1[2] -= dz * b2m
            v2[0] += dx * b1m
            v2[1] += dy * b1m
            v2[2] += dz * b1m
    except Exception as e:
        print("raised", type(e).__name__, e)
    out = {}
    try:
        out['x1'] = x1
    except NameError:
        pass
    try:
        out['y1'] = y1
    except NameError:
        pass
    try:
        out['z1'] = z1
    except NameError:
        pass
    try:
        out['v1'] = v1
    except NameError:
        pass
    try:
        out['m1'] = m1
    except NameError:
        pass
    try:
        out['x2'] = x2
    except NameError:
        pass
    try:
        out['y2'] = y2
    except NameError:
        pass
    try:
        out['z2'] = z2
    except NameError:
        pass
    try:
        out['v2'] = v2
    except NameError:
        pass
    try:
        out['m2'] = m2
    except NameError:
        pass
    try:
        out['dx'] = dx
    except NameError:
        pass
    try:
        out['dy'] = dy
    except NameError:
        pass
    try:
        out['dz'] = dz
    except NameError:
        pass
    try:
        out['mag'] = mag
    except NameError:
        pass
    try:
        out['b1m'] = b1m
    except NameError:
        pass
    try:
        out['b2m'] = b2m
    except NameError:
        pass
    return out


def body(x, y, z, v, m):
    return ([x, y, z], v, m)


def show(pairs, dt, walk=None):
    out = pairs_kernel(pairs if walk is None else walk, dt)
    print(sorted((k, v) for k, v in out.items() if not isinstance(v, list)))
    if pairs and "x1" in out:
        (p1, v1, m1), (p2, v2, m2) = pairs[-1]
        print("same objects", out["x1"] is p1[0], out["y1"] is p1[1], out["z1"] is p1[2], out["m1"] is m1,
              out["x2"] is p2[0], out["z2"] is p2[2], out["v1"] is v1, out["v2"] is v2, out["m2"] is m2)
    for a, b in pairs:
        print(" ", a, b)


def system():
    bodies = [body(1.0, 2.0, 3.0, [0.1, 0.2, 0.3], 5.0), body(-1.0, 0.5, 2.5, [0.0, -0.5, 1.5], 0.25),
              body(1e-3, 7.0, -3.0, [1.0, 1.0, 1.0], 2.0), body(4.0, 2.0, 1.0, [2.0, 3.0, 4.0], 3.0)]
    return bodies, [(a, b) for i, a in enumerate(bodies) for b in bodies[i + 1:]]


def test_all_floats_and_the_locals_after():
    bodies, pairs = system()
    for _ in range(3):
        show(pairs, 0.01)
    show(pairs[:1], 0.01)
    show(tuple(pairs), 0.01)           # a tuple walked by index too
    show(pairs, 0.01, iter(pairs))     # an iterator: the ordinary loop
    show([], 0.01)                     # nothing bound
    x = pairs_kernel([], 0.5)
    print(sorted(x))


def test_items_of_other_shapes_and_kinds():
    good = body(1.0, 2.0, 3.0, [0.5, 0.5, 0.5], 5.0)
    for odd in (body(3, 2.0, 3.0, [0.1, 0.2, 0.3], 5.0), body(F(1.5), 2.0, 3.0, [0.1, 0.2, 0.3], 5.0),
                body(1.0, 2.0, 3.0, [0.1, 0.2, 0.3], 5), body(1.0, 2.0, 3.0, [0.1, 0.2, 0.3], True),
                ((1.0, 2.0, 3.0), [0.1, 0.2, 0.3], 5.0), ([1.0, 2.0], [0.1, 0.2, 0.3], 5.0),
                ([1.0, 2.0, 3.0, 4.0], [0.1, 0.2, 0.3], 5.0), body(1.0, 2.0, 3.0, [0.1, 0.2, 0.3], 5.0) + (1,),
                body(1.0, 2.0, 3.0, (0.1, 0.2, 0.3), 5.0), body(1.0, 2.0, 3.0, [1, 0.2, 0.3], 5.0),
                body(1.0, 2.0, 3.0, [0.1, 0.2], 5.0), body(float("nan"), -0.0, float("inf"), [0.0, -0.0, 1.0], 1.0),
                body(1.0, 2.0, 3.0, "abc", 5.0)):
        pairs = [(good, body(-1.0, 0.5, 2.5, [0.0, -0.5, 1.5], 0.25)), (odd, good),
                 (body(4.0, 2.0, 1.0, [2.0, 3.0, 4.0], 3.0), good)]
        show(pairs, 0.01)
        show(pairs[1:2] + pairs[:1], 0.01)  # the odd item first
    show([(good, good)], 0.01)              # 0.0 ** -1.5 on the first item: raises mid-body
    pairs = [(body(4.0, 2.0, 1.0, [2.0, 3.0, 4.0], 3.0), good), (good, good)]
    show(pairs, 0.01)                       # ... on a later one, after a whole step
    show([(good, body(1.0, 2.0, 3.0, [0.0, 0.0, 0.0], 1.0))], -0.0)
    show([(body(1e-200, 0.0, 0.0, [0.1, 0.2, 0.3], 5.0), body(0.0, 0.0, 0.0, [0.0, -0.5, 1.5], 0.25))], 0.01)
    for dt in (1, F(0.5), "s", float("nan")):
        show(system()[1], dt)


def test_aliasing():
    v = [0.5, 1.5, 2.5]
    held = v[0], v[1], v[2]
    show([(body(1.0, 2.0, 3.0, v, 5.0), body(-1.0, 0.5, 2.5, v, 0.25))], 0.01)   # v1 is v2
    print(held, v, held[0] is v[0])
    p = [1.0, 2.0, 3.0]
    show([((p, p, 5.0), body(-1.0, 0.5, 2.5, [0.0, -0.5, 1.5], 0.25))], 0.01)    # v1 is the item's positions
    q = [7.0, 8.0, 9.0]
    show([(body(1.0, 2.0, 3.0, q, 5.0), body(-1.0, 0.5, 2.5, [0.0, -0.5, 1.5], 0.25)),
          ((q, [0.1, 0.2, 0.3], 2.0), body(3.0, 0.5, 2.5, [0.0, -0.5, 1.5], 0.25))], 0.01)  # a later item's positions
    a = body(1.0, 2.0, 3.0, [0.1, 0.2, 0.3], 5.0)
    b = body(-1.0, 0.5, 2.5, [0.0, -0.5, 1.5], 0.25)
    show([(a, b), (a, b), (b, a)], 0.01)     # the same lists in several places
    f = 1.25
    shared = [f, 2.0, 3.0]
    show([(body(1.0, 2.0, 3.0, shared, 5.0), (shared, [0.5, 0.5, 0.5], 1.0))], 0.01)
    print(shared[0] is f, f)
    item = [None, 1.0, 2.0]
    item[0] = item                           # an item that is a list holding itself
    show([(([1.0, 2.0, 3.0], item, 1.0), body(-1.0, 0.5, 2.5, [0.0, -0.5, 1.5], 0.25))], 0.01)


def advance_bodies(bodies, dt):
    for (r, [vx, vy, vz], m) in bodies:
        r[0] += dt * vx
        r[1] += dt * vy
        r[2] += dt * vz
    return r, vx, vy, vz, m


def test_positions_and_the_last_body():
    bodies, _ = system()
    for _ in range(2):
        r, vx, vy, vz, m = advance_bodies(bodies, 0.01)
        print(r, vx, vy, vz, m, r is bodies[-1][0], vx is bodies[-1][1][0], m is bodies[-1][2])
    v = [1.0, 2.0, 3.0]
    print(advance_bodies([(v, v, 1.0)], 0.5), v)        # r is the velocities
    rows = [[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], 1.0]]
    rows[0][0] = rows[0]                                # r is the item (a list)
    try:
        advance_bodies(rows, 0.5)
    except TypeError as e:
        print("TypeError", e)


def accumulate(xs, s):
    orig = s
    for x in xs:
        s += x * x
    return s, s is orig


def scale_into(xs, out):
    for x in xs:
        out[0] += x * 2.0
    return x


def count_pairs(rows):
    n: int = 0
    t = 0.0
    for (n, w) in rows:
        t += n * w
    return n, t


def test_plain_names_accumulators_and_ints():
    print(accumulate([1.5, 2.5, -0.0], 0.5), accumulate([], 0.5), accumulate([1.0, 2, 3.0], 0.0),
          accumulate((1.0, F(2.0)), 1.0), accumulate([1.0, 1e308, 1e308], 0.0))
    xs = [1.0, 2.0, 3.0]
    print(scale_into(xs, [0.0]), scale_into(xs, xs), xs)   # the body stores into the list walked
    for rows in ([(1, 2.0), (3, 0.5)], [(2 ** 70, 1.0), (2, 2.0)], [(True, 1.0), (2, 2.0)], [(1, 2.0), (1.5, 1.0)], []):
        print(count_pairs(rows))


def test_release_of_the_old_values():
    log = []
    v = [0.5, 0.5, 0.5]
    pairs = [(body(1.0, 2.0, 3.0, v, 5.0), body(-1.0, 0.5, 2.5, [0.0, -0.5, 1.5], 0.25))] * 3
    print(release_kernel(pairs, v, log), log)


def release_kernel(pairs, v, log):
    x1 = Noisy(log, v)         # held only by x1: released at the first step, as CPython does
    log.append("before")
    for (([x1, y1, z1], v1, m1), ([x2, y2, z2], v2, m2)) in pairs:
        dx = x1 - x2
        dy = y1 - y2
        dz = z1 - z2
        b = (dx * dx + dy * dy + dz * dz) * m2
        v1[0] -= dx * b
        v1[1] -= dy * b
        v1[2] -= dz * b
    log.append("after")
    return x1, b


def test_math_and_else():
    print(norms([[3.0, 4.0], [0.0, -0.0], [1e308, 1e308]]), norms([[1.0, 1.0], [-1.0, 0.0]]))


def norms(rows):
    out = [0.0]
    for [a, b] in rows:
        out[0] += sqrt(a * a + b * b)
    else:
        out.append(a)
    return out


def eval_A(i, j):
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


def part_A_times_u(i_u):
    i, u = i_u
    partial_sum = 0
    for j, u_j in enumerate(u):
        partial_sum += eval_A(i, j) * u_j
    return partial_sum, j, u_j, u_j is u[-1]


def test_enumerate():
    print(part_A_times_u((3, [1.0, 2.0, -0.0, float("inf")])), part_A_times_u((0, [0.5] * 5)))
    for u in ([1.0, 2, 3.0], [1.0, F(2.0), 3.0], (1.0, 2.0), [1.0, "s"], [1.0, 2.0]):
        try:
            print(part_A_times_u((2, u)))
        except TypeError as e:
            print("TypeError", e)
    for i in (2 ** 62, -1, 1.5, True):
        try:
            print(part_A_times_u((i, [1.0, 2.0, 3.0])))
        except (ZeroDivisionError, OverflowError) as e:
            print(type(e).__name__, e)
    try:
        part_A_times_u((1, []))
    except UnboundLocalError as e:
        print("UnboundLocalError")


# -- nests: `for i in range(n):` over fused loops only; a loop that walked its whole sequence
# skips its item checks on the next outer step while only fused loops ran since. Each test
# below changes the items between two such steps by running code: a check skipped that was
# needed shows as a float subclass taken as a float (its log stays empty), an item of another
# shape read without the ValueError/TypeError, or a run that finishes instead of stopping.

class Logged(float):
    """A float subclass in an item: its arithmetic logs, and gives Logged floats."""

    log = []

    def _op(name):
        def op(self, o):
            Logged.log.append(name)
            return Logged(getattr(float, name)(self, o))
        return op

    __sub__, __rsub__, __add__, __radd__, __mul__, __rmul__ = map(
        _op, ("__sub__", "__rsub__", "__add__", "__radd__", "__mul__", "__rmul__"))


class Hook(float):
    """A position whose subtraction changes a velocity list's item into a Logged on its
    third call (code run by the ordinary step of the pair loop, mid-nest)."""

    def __init__(self, v):
        self.calls = 0

    def __sub__(self, o):
        self.calls += 1
        if self.calls == 3:
            v = NEST_BODIES[1][1]
            v[0] = Logged(v[0])
        return float(self) - o


class Stopped(Exception):
    pass


class Stop(float):
    """Any arithmetic on it stops the run."""

    def _stop(self, o):
        raise Stopped("velocity")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _stop


NEST_BODIES = []
KEPT = []


def nest_kernel(pairs, bodies, dt, n, between):
    """nbody's advance in 2-D, run once per item of `between` (called after each run): the
    outer range loop over the two fused loops is a nest."""
    for after in between:
        for i in range(n):
            for (([x1, y1], v1, m1), ([x2, y2], v2, m2)) in pairs:
                dx = x1 - x2
                dy = y1 - y2
                mag = dt * ((dx * dx + dy * dy) ** (-1.5))
                b1m = m1 * mag
                b2m = m2 * mag
                v1[0] -= dx * b2m
                v1[1] -= dy * b2m
                v2[0] += dx * b1m
                v2[1] += dy * b1m
            for (r, [vx, vy], m) in bodies:
                r[0] += dt * vx
                r[1] += dt * vy
        after(pairs, bodies)
    return i, x1, vy, dx, mag


def nest_system(hook=False):
    bodies = [([0.0, 0.0], [0.0, 0.1], 1.0), ([1.0, 0.5], [0.1, 0.0], 0.5), ([-1.0, 2.0], [0.0, -0.1], 0.25)]
    pairs = [(bodies[0], bodies[1]), (bodies[0], bodies[2]), (bodies[1], bodies[2])]
    if hook:
        pairs.append((([Hook(3.0), 3.0], [0.0, 0.0], 0.0), bodies[2]))
    NEST_BODIES[:] = bodies
    return pairs, bodies


def run_nest(name, between, hook=False, n=4):
    pairs, bodies = nest_system(hook)
    try:
        print(name, "returned", nest_kernel(pairs, bodies, 0.01, n, between))
    except Exception as e:
        print(name, "raised", type(e).__name__, e)
    print(" ", bodies, len(Logged.log), sorted(set(Logged.log)))
    del Logged.log[:]


def test_nests():
    def noop(pairs, bodies):
        pass

    def logged_position(pairs, bodies):
        bodies[1][0][0] = Logged(bodies[1][0][0])

    def logged_velocity(pairs, bodies):
        bodies[2][1][1] = Logged(bodies[2][1][1])

    def longer_velocity(pairs, bodies):
        bodies[0] = (bodies[0][0], bodies[0][1] + [0.0], bodies[0][2])

    def longer_position(pairs, bodies):
        bodies[2][0].append(0.0)

    def other_pair(pairs, bodies):
        pairs[1] = (pairs[1][0], ([5.0, 5.0], 7, 1.0))

    def int_position(pairs, bodies):
        bodies[0][0][1] = 2

    def moved_position(pairs, bodies):
        # another float object (the old one kept: not overwritten in place): a walk taking
        # the old one from a record of the last run's items would miss the move
        KEPT.append(bodies[1][0][0])
        bodies[1][0][0] += 1.0

    run_nest("clean", [noop, noop])
    # the second run of the nest starts from its start: no proof of the first run's holds
    for change in (logged_position, logged_velocity, longer_velocity, longer_position, other_pair, int_position,
                   moved_position):
        run_nest(change.__name__, [change, noop])
    # code run mid-nest (an ordinary step of the pair loop) changes the bodies' items
    run_nest("hook", [noop], hook=True)


def nest_shared_local(rows, bodies, n):
    """The second loop binds `k` to its items' first parts (any object: it does not read
    them), the first reads it as the float it was: its entry check must see the str."""
    k = 0.5
    for i in range(n):
        for (r, [vx, vy], m) in bodies:
            r[0] += k * vx
            r[1] += k * vy
        for (k, w) in rows:
            w[0] += w[1] * 0.5
            w[1] -= 0.25
    return k, bodies, rows


def test_nest_sharing_a_local():
    for rows in ([(0.25, [1.0, 2.0]), (0.75, [3.0, 4.0])], [(0.25, [1.0, 2.0]), ("s", [3.0, 4.0])]):
        try:
            print(nest_shared_local(rows, [([0.0, 0.0], [1.0, 2.0], 1.0)], 3))
        except TypeError as e:
            print("TypeError", e)


def _stop_velocity(signum, frame):
    NEST_BODIES[0][1][0] = Stop(NEST_BODIES[0][1][0])


def test_nest_and_a_signal_handler():
    """A handler (run at a signal check inside the nest: the bodies loop's or the outer loop's
    back edge, about half the time each with no pairs and one body) puts a float subclass
    in a velocity list: the next walk of the bodies must see it, whichever check it was."""
    import signal
    old = signal.signal(signal.SIGALRM, _stop_velocity)
    try:
        for _ in range(6):
            bodies = [([0.0, 0.0], [0.0, 0.1], 1.0)]
            NEST_BODIES[:] = bodies
            signal.setitimer(signal.ITIMER_REAL, 0.01)
            try:
                nest_kernel([], bodies, 1e-9, 10 ** 6, [lambda p, b: None])
                print("finished")
            except Stopped as e:
                print("stopped", e)
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def nest_prebound(pairs, bodies, dt, n):
    """`x1` holds a position's float before the nest starts (ordinary code bound it): the
    bodies loop replacing that position must leave `x1` that very object, not take it over."""
    x1 = bodies[0][0][0]
    before = id(x1)
    for i in range(n):
        for (([x1, y1], v1, m1), ([x2, y2], v2, m2)) in pairs:
            dx = x1 - x2
            dy = y1 - y2
            mag = dt * ((dx * dx + dy * dy) ** (-1.5))
            v1[0] -= dx * m2 * mag
            v1[1] -= dy * m2 * mag
            v2[0] += dx * m1 * mag
            v2[1] += dy * m1 * mag
        for (r, [vx, vy], m) in bodies:
            r[0] += dt * vx
            r[1] += dt * vy
    return x1, id(x1) == before, x1 is bodies[0][0][0], vx is bodies[-1][1][0]


def fresh(*xs):
    """A list of new float objects (literals are shared constants: more references)."""
    return [x + 0.0 for x in xs]


def test_nest_locals_holding_items():
    """The nest's stores overwrite a float in place when besides its list only one of the
    nest's locals holds it and that local was bound by a section's end (the local keeps the
    value, as its own float): never one a local held before the nest, nor one held elsewhere."""
    for pairs_too in (False, True):
        bodies = [(fresh(0.0, 0.0), fresh(0.5, 0.1), 1.0), (fresh(1.0, 0.5), fresh(0.1, 0.0), 0.5)]
        pairs = [(bodies[0], bodies[1])] if pairs_too else []
        print(nest_prebound(pairs, bodies, 0.01, 5), bodies)
    # floats held outside: each store makes a new one (and the old keep their values); the
    # next walks must read the new ones, not the objects they took the step before
    bodies = [(fresh(0.0, 0.0), fresh(0.0, 0.1), 1.0), (fresh(1.0, 0.5), fresh(0.1, 0.0), 0.5),
              (fresh(-1.0, 2.0), fresh(0.0, -0.1), 0.25)]
    pairs = [(bodies[0], bodies[1]), (bodies[0], bodies[2]), (bodies[1], bodies[2])]
    kept = [list(b[0]) + list(b[1]) for b in bodies]
    print(nest_kernel(pairs, bodies, 0.01, 6, [lambda p, b: None]), bodies, kept)
    kept = [list(b[0]) for b in bodies]
    print(nest_prebound(pairs, bodies, 0.01, 6), bodies, kept)
    # one list is a body's position and another's velocity: its floats are bound to two
    # locals at once (`x2` of the last pair, `vx` of the last body), never overwritten
    shared = fresh(1.0, 0.5)
    bodies = [(fresh(0.0, 0.0), fresh(0.0, 0.1), 1.0), (shared, fresh(0.1, 0.0), 0.5), (fresh(-1.0, 2.0), shared, 0.25)]
    print(nest_kernel([(bodies[0], bodies[1])], bodies, 0.01, 6, [lambda p, b: None]), bodies)
    # ... the other way round: the walk taking the velocity's floats for the first body
    # replaces them (a new float: `x2` holds the old one) at the second
    shared = fresh(1.0, 0.5)
    bodies = [(fresh(0.0, 0.0), shared, 1.0), (shared, fresh(0.1, 0.0), 0.5), (fresh(-1.0, 2.0), fresh(0.0, -0.1), 0.25)]
    print(nest_kernel([(bodies[2], bodies[1])], bodies, 0.01, 6, [lambda p, b: None]), bodies)


def test_nest_records_after_a_change():
    """Code between two runs of a nest moves a position (a new float object) while no store
    of the nest makes new floats (no local holds a float it replaces): the second run must
    not take the items' parts from what it recorded in the first."""
    bodies = [(fresh(0.0, 0.0), fresh(0.0, 0.1), 1.0), (fresh(1.0, 0.5), fresh(0.1, 0.0), 0.5),
              (fresh(-1.0, 2.0), fresh(0.0, -0.1), 0.25)]
    c, d = ((5.0, 5.0), fresh(0.0, 0.0), 1.0), ((6.0, 4.0), fresh(0.0, 0.0), 2.0)

    def moved(pairs, bodies):
        KEPT.append(bodies[1][0][0])  # (so the float is not overwritten in place)
        bodies[1][0][0] += 1.0

    print(nest_kernel([(bodies[0], bodies[1]), (c, d)], bodies, 0.01, 4, [moved, moved, moved]), bodies, c, d)
