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
