"""Classes with a literal `__slots__` (runtime/slotclass.hpp): compiled, their exact instances
stay out of the cyclic GC while no slot holds an object that may be part of a cycle, and
every store that could make one tracks the instance first. Each case checks the one thing a
wrong layout or a missed store would break: a cycle made through a slot (by each way of
storing) must still be collected, with its weakref callbacks and __del__ run; the class must
stay an ordinary class (type(), subclasses, monkey-patching, pickling, copying, __class__
assignment, sizes). `OURS` is where the treatment applies (a version-specific compiled
module): there an instance holding only floats is untracked, elsewhere tracked, and each case
prints whether that matches, so a layout not applied (or applied where it must not be) fails."""

import copy
import gc
import pickle
import sys
import sysconfig
import weakref

COMPILED = __file__.endswith((".so", ".pyd"))
OURS = COMPILED and ".abi3." not in __file__ and not sysconfig.get_config_var("Py_GIL_DISABLED")


def untracked_as_expected(obj, ours=True):
    """True when obj's tracking is what its class should give: untracked exactly where the
    treatment applies (and nothing has been stored that needs tracking)."""
    return gc.is_tracked(obj) == (not (OURS and ours))


class Point:
    __slots__ = ("x", "y", "z")

    def __init__(self, i):
        self.x = float(i)
        self.y = i * 2.0
        self.z = i / 3

    def put(self, v):
        self.x = v


class Weak:
    __slots__ = ("a", "b", "__weakref__")

    def __init__(self, a=1.5):
        self.a = a


class Fin:
    """Something with a finalizer and a weakref, to put in a cycle."""

    died = []

    def __init__(self, tag):
        self.tag = tag

    def __del__(self):
        Fin.died.append(self.tag)


def collected(make):
    """make(tag) builds a cycle through a slot, holding a Fin(tag), and returns (an object of
    the cycle, the Fin); True when the cycle outlives its last outside reference and
    gc.collect() then frees it (the Fin's __del__ ran and a weakref callback fired)."""
    gc.collect()
    Fin.died.clear()
    fired = []
    obj, fin = make("t")
    ref = weakref.ref(fin, lambda r: fired.append(1))
    del obj, fin
    alive = ref() is not None and "t" not in Fin.died
    gc.collect()
    return alive and "t" in Fin.died and fired == [1] and ref() is None


def test_untracked_while_only_floats():
    p = Point(3)
    print(untracked_as_expected(p), p.x, p.y, p.z)
    p.x = 1.25
    p.put(-2.5)
    setattr(p, "y", 7)
    p.z = "text"
    print(untracked_as_expected(p), p.x, p.y)
    p.y = None
    print(untracked_as_expected(p))
    for v in ([], {}, {1}, Point(1), lambda: 0, [p]):
        q = Point(1)
        q.put(v)  # the compiled store site
        r = Point(1)
        setattr(r, "y", v)  # the descriptor
        print(gc.is_tracked(q), gc.is_tracked(r))


def test_cycles_through_slots_are_collected():
    def compiled_store(tag):
        p = Point(0)
        p.put([None, Fin(tag)])
        p.x[0] = p
        return p, p.x[1]

    def setattr_store(tag):
        p = Point(0)
        setattr(p, "x", [p, Fin(tag)])
        return p, p.x[1]

    def object_setattr(tag):
        p = Point(0)
        object.__setattr__(p, "x", [p, Fin(tag)])
        return p, p.x[1]

    def descriptor_set(tag):
        p = Point(0)
        Point.__dict__["x"].__set__(p, [p, Fin(tag)])
        return p, p.x[1]

    def through_tuple(tag):
        p = Point(0)
        lst = [None, Fin(tag)]
        p.y = (lst,)  # a tuple made at run time, tracked: the instance must be too
        lst[0] = p
        return p, lst[1]

    def point_in_point(tag):
        p, q = Point(0), Point(1)
        p.y = q
        q.y = p
        p.x = [None, Fin(tag)]
        return p, p.x[1]

    def weak_slot(tag):
        w = Weak()
        w.a = Fin(tag)
        w.a.back = w
        return w, w.a

    def self_loop(tag):
        p = Point(0)
        p.x = [None, Fin(tag)]
        p.y = p
        return p, p.x[1]

    for make in (compiled_store, setattr_store, object_setattr, descriptor_set, through_tuple, point_in_point,
                 weak_slot, self_loop):
        print(make.__name__, collected(make))


def test_copies_and_pickles_keep_tracking_right():
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        p = Point(5)
        try:
            q = pickle.loads(pickle.dumps(p, proto))
        except TypeError as e:
            print(proto, "TypeError", e)
            continue
        print(proto, type(q).__name__, q.x, q.y, q.z, untracked_as_expected(q))
    w = Weak(2.5)
    for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
        v = pickle.loads(pickle.dumps(w, proto))
        # (3.12+ keeps a __weakref__ slot before the object, "managed": such a class stays CPython's)
        print(proto, v.a, hasattr(v, "b"), untracked_as_expected(v, ours=Weak.__weakrefoffset__ > 0))
    p = Point(2)
    print(untracked_as_expected(copy.copy(p)), copy.copy(p).z)
    p.x = [1, 2]
    c = copy.copy(p)
    d = copy.deepcopy(p)
    print(gc.is_tracked(c), gc.is_tracked(d), c.x is p.x, d.x == p.x, d.x is p.x)
    print(p.__reduce_ex__(2)[0].__name__, sorted(p.__getstate__()[1]) if sys.version_info >= (3, 11) else "-")

    def deep(tag):
        p = Point(0)
        p.x = [None, Fin("original")]
        q = copy.deepcopy(p)
        q.x[1].tag = tag
        q.x[0] = q
        return q, q.x[1]
    print("deepcopy cycle", collected(deep))

    def unpickled(tag):
        p = Point(0)
        q = pickle.loads(pickle.dumps(p, 4))
        q.x = [q, Fin(tag)]
        return q, q.x[1]
    print("unpickled cycle", collected(unpickled))


def test_errors_as_member_descriptors():
    p = Point(1)
    del p.x
    for f in (lambda: p.x, lambda: delattr(p, "x"), lambda: Point.__dict__["x"].__get__(1),
              lambda: Point.__dict__["y"].__set__("s", 2), lambda: Point.__dict__["z"].__delete__([])):
        try:
            print(f())
        except (AttributeError, TypeError) as e:
            print(type(e).__name__, e, getattr(e, "name", None), getattr(e, "obj", None) is p)
    p.x = 4.0
    print(p.x, Point.__dict__["x"].__get__(None, Point) is Point.__dict__["x"], Point.x.__name__,
          Point.x.__qualname__, Point.x.__objclass__ is Point, Point.x.__doc__)
    print(hasattr(p, "__dict__"), Point.__slots__)
    try:
        p.w = 1
    except AttributeError as e:
        print("AttributeError", e)


def test_ordinary_class():
    seen = []

    class Base:
        __slots__ = ()

        def __init_subclass__(cls, **kw):
            seen.append((cls.__name__, kw))

    class Named:
        def __set_name__(self, owner, name):
            seen.append(("set_name", owner.__name__, name))

    class P(Base, flag=1):
        __slots__ = ["u", "v"]
        tag = Named()

        def __init__(self):
            self.u = 0.5

    p = P()
    print(seen, P.__qualname__, [c.__name__ for c in P.__mro__], type(P) is type, P.__slots__)
    print(untracked_as_expected(p), p.u, sys.getsizeof(p), P.__basicsize__, P.__itemsize__, P.__dictoffset__,
          P.__weakrefoffset__)
    print(sorted(k for k in vars(P) if not k.startswith("__")), "u" in dir(p), sorted(vars(Base).keys() - {"__doc__"}))
    print(sys.getsizeof(Point(1)), Point.__basicsize__, Weak.__weakrefoffset__, sys.getsizeof(Weak()))


def test_subclasses():
    class WithDict(Point):
        pass

    class MoreSlots(Point):
        __slots__ = ("w",)

        def __init__(self, i):
            super().__init__(i)
            self.w = 1.0

    class WithDel(Point):
        __slots__ = ()
        died = []

        def __del__(self):
            WithDel.died.append(type(self.x).__name__)

    a, b, c = WithDict(1), MoreSlots(2), WithDel(3)
    a.extra = [a]
    b.w = [b]
    print([gc.is_tracked(o) for o in (a, b, c)], a.x, b.x, b.w[0] is b, c.x, vars(a).keys())
    del a, b, c
    gc.collect()
    print(WithDel.died)

    def dict_cycle(tag):
        o = WithDict(1)
        o.x = [o, Fin(tag)]
        return o, o.x[1]

    def own_slot_cycle(tag):
        o = MoreSlots(1)
        o.w = [o, Fin(tag)]
        o.x = o.w
        return o, o.w[1]

    def del_cycle(tag):
        o = WithDel(4)
        o.y = [o]
        o.x = [o, Fin(tag)]
        return o, o.x[1]
    print(collected(dict_cycle), collected(own_slot_cycle), collected(del_cycle), WithDel.died)
    sub = MoreSlots(1)
    print(sub.x, sub.w, isinstance(sub, Point), untracked_as_expected(Point(2)))


def test_monkey_patching():
    class Q:
        __slots__ = ("x", "y")

        def __init__(self):
            self.x = 1.5
            self.y = 2.5

        def total(self):
            return self.x + self.y

        def bump(self):
            self.x += 1.0

    objs = [Q() for _ in range(30)]
    for o in objs:
        o.bump()
    print(sum(o.total() for o in objs))
    saved = Q.__dict__["x"]
    Q.x = property(lambda self: 100.0, lambda self, v: None)
    o = objs[0]
    o.bump()
    print(o.total(), o.x, [q.total() for q in objs[:2]])
    Q.x = saved
    o.bump()
    print(o.total(), o.x)
    del Q.y
    try:
        print(o.total())
    except AttributeError as e:
        print("AttributeError", e)
    Q.y = 0.25
    print(o.total())


def test_class_assignment():
    class Sub(Point):
        __slots__ = ()

    class Same:
        __slots__ = ("x", "y", "z")

    class Other:
        __slots__ = ("x",)

    p = Point(1)
    for cls in (Sub, Point, Same, Point, Other, Weak, Point):
        try:
            p.__class__ = cls
            print("assigned", type(p).__name__)
        except TypeError as e:
            print("TypeError", e)
    p.__class__ = Point
    p.x = [p]
    print(gc.is_tracked(p), type(p).__name__)
    q = Sub(2)
    q.__class__ = Point
    print(untracked_as_expected(q, ours=False), q.x)


def test_not_applied():
    class Meta(type):
        pass

    class WithMeta(metaclass=Meta):
        __slots__ = ("x",)

    Interp = type("Interp", (), {"__slots__": ("a",)})

    class OnInterp(Interp):
        __slots__ = ("x",)

    class Computed:
        __slots__ = tuple("x")

    class OnList(list):
        __slots__ = ("x",)

    class HasDict:
        __slots__ = ("x", "__dict__")

    out = []
    for cls in (WithMeta, OnInterp, Computed, OnList, HasDict):
        o = cls()
        o.x = 1.0
        out.append((cls.__name__, gc.is_tracked(o), type(vars(cls)["x"]).__name__))
    print(out)
    # where it applies, the slots' descriptors are ours (a getset: a visible difference)
    print(type(vars(Point)["x"]).__name__ == ("getset_descriptor" if OURS else "member_descriptor"))


def test_float_kernel_shape():
    # the benchmark's shape: many instances, in-place float updates, max of pairs
    pts = [Point(i) for i in range(200)]
    for p in pts:
        n = (p.x * p.x + p.y * p.y + p.z * p.z) ** 0.5 or 1.0
        p.x /= n
        p.y /= n
        p.z /= n
    m = pts[0]
    for p in pts[1:]:
        m.x = m.x if m.x > p.x else p.x
        m.y = m.y if m.y > p.y else p.y
    print(round(m.x, 12), round(m.y, 12), all(untracked_as_expected(p) for p in pts[1:]))


def test_deallocation_releases_every_slot():
    class More(Point):
        __slots__ = ("w",)

    class WithDict(More):
        pass

    class Empty(Point):
        __slots__ = ()

    for cls in (Point, More, WithDict, Empty, Weak):
        Fin.died.clear()
        o = cls.__new__(cls)
        for i, name in enumerate(n for c in cls.__mro__ for n in getattr(c, "__slots__", ()) if n != "__weakref__"):
            setattr(o, name, Fin(f"{name}{i}"))
        if hasattr(o, "__dict__"):
            o.d = Fin("dict")
        del o
        print(cls.__name__, sorted(Fin.died))
    # chains deeper than the C stack allows recursive deallocation (the trashcan)
    for cls, attr, n in ((Point, "x", 300000), (More, "w", 100000)):
        head = None
        for i in range(n):
            p = cls(i)
            setattr(p, attr, head)
            head = p
        del p
        head = None
        print("chain freed", cls.__name__)


# 400,000 objects a call: a leak of one block per call shows in 20 calls as in 200.
test_deallocation_releases_every_slot.leak_calls = 20


class Halves:
    """Float runs on slots (translator/box_identity.py): a local read from a slot and used
    only for its value holds the bare double, so `self.x /= 2.0` rewrites the slot's float
    when nothing else holds it; a local whose object can be seen keeps the object."""

    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = a = x * 1.0 if type(x) is float else x
        self.y = y
        self.y = self.y if a > 0.0 else a

    def value_only(self):
        x = self.x
        y = self.y
        self.x /= 2.0
        self.y /= 2.0
        return x * 1.0, y - 0.0, x < 2.0, x == x, x * x, y > 0, y != y

    def returned(self):
        x = self.x
        self.x /= 2.0
        return x

    def through_locals(self):
        x = self.x
        self.x /= 2.0
        a = locals()["x"]
        return a, a is locals()["x"]


class FSub(float):
    pass


def test_value_only_locals_of_float_runs():
    h = Halves(3.0, -0.0)
    print(h.value_only(), h.x, h.y)
    other = h.x  # shared: the float `other` holds must not be rewritten
    print(h.value_only(), other, h.x, other is h.x)
    for v in (float("nan"), float("inf"), -0.0, 1e308, FSub(2.0), 7, True):
        h = Halves(v, 1.0)
        print(h.value_only(), h.x, type(h.x).__name__)
    h = Halves(5.0, 1.0)
    r = h.returned()
    print(r, h.x, r is h.x)
    h = Halves(5.0, 1.0)
    print(h.through_locals(), h.x)
    h = Halves(-5.0, 1.0)
    print(h.x, h.y, h.x is h.y)


class Box3:
    """float's maximize on slots (runtime/slotrun.hpp: offsets checked once per run)."""

    __slots__ = ("x", "y", "z")

    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z

    def maximize(self, other):
        self.x = self.x if self.x > other.x else other.x
        self.y = self.y if self.y > other.y else other.y
        self.z = self.z if self.z > other.z else other.z
        return self

    def scale(self, other):
        self.x *= other.z
        self.z -= other.x
        self.y = 0.5


class Box3Rev:
    __slots__ = ("z", "y", "x")  # the same names at other offsets

    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z

    maximize = Box3.maximize
    scale = Box3.scale


class Box3Dict:
    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z


class Box3Sub(Box3):
    __slots__ = ("w",)


def state(b):
    return type(b).__name__, [getattr(b, n, "-") for n in ("x", "y", "z")]


def test_attribute_store_runs():
    nan = float("nan")
    pairs = [(Box3(1.0, 5.0, -0.0), Box3(2.0, 3.0, 0.0)), (Box3(1.0, 2.0, 3.0), Box3Rev(3.0, 2.0, 1.0)),
             (Box3Rev(1.0, 2.0, 3.0), Box3(3.0, 2.0, 1.0)), (Box3Rev(0.5, nan, 1.0), Box3Rev(nan, 1.0, 2.0)),
             (Box3(1.0, 2.0, 3.0), Box3Dict(4.0, 1.0, 9.0)), (Box3Sub(1.0, 2.0, 3.0), Box3(0.0, 7.0, 0.0)),
             (Box3(1.0, 2.0, 3.0), Box3(1, 2.5, FSub(4.0))), (Box3(1.0, 2.0, 3.0), Box3(float("inf"), -1e308, 3.0))]
    for a, b in pairs:
        r = a.maximize(b)
        print(state(r), r is a, [getattr(a, n) is getattr(b, n) for n in ("x", "y", "z")])
        a.scale(b)
        print(state(a))
    a = Box3(1.0, 2.0, 3.0)
    a.maximize(a)
    print(state(a))
    empty = Box3.__new__(Box3)
    for call in (lambda: a.maximize(empty), lambda: empty.scale(a), lambda: a.scale(empty)):
        try:
            call()
        except AttributeError as e:
            print("AttributeError", e, state(a), state(empty))
    # a slot replaced by a property while the run's offsets are remembered, then restored
    a, b = Box3(1.0, 2.0, 3.0), Box3(2.0, 1.0, 4.0)
    a.maximize(b)
    saved = Box3.__dict__["y"]
    Box3.y = property(lambda self: 10.0, lambda self, v: print("set y", v))
    a.maximize(b)
    a.scale(b)
    print(state(a), state(b))
    Box3.y = saved
    a.maximize(b)
    print(state(a), state(b))
    # __class__ assignment to a class with the same slots (other descriptors)
    class Same:
        __slots__ = ("x", "y", "z")
    c = Box3(5.0, 6.0, 7.0)
    c.__class__ = Same
    a.maximize(c)
    Box3.scale(c, a)
    print(state(a), state(c))


class Evil:
    """Its release (a local's old value) changes Box3's `y` into a property."""

    def __mul__(self, other):
        return 3.0

    def __del__(self):
        Box3.y = property(lambda self: -1.0, lambda self, v: print("property set", v))


def rebinding_in_a_loop(b, n):
    for k in range(n):
        x = b.x
        b.y = x * 2.0
        b.x = 1.5


def test_runs_binding_locals_in_loops():
    saved = Box3.__dict__["y"]
    b = Box3(Evil(), 0.0, 0.0)
    rebinding_in_a_loop(b, 3)
    print(state(b), type(Box3.__dict__["y"]).__name__)
    Box3.y = saved
    b.y = 2.0
    print(state(b))


class Vec:
    """Made by a compiled call (runtime/ops.hpp new_instance_fast: object.__new__ as the
    class's tp_alloc) and released by slot_dealloc's leaf path (slotclass.hpp) while its slots
    hold only exact floats, ints, strs and None."""

    __slots__ = ("a", "b", "c")

    def __init__(self, a, b=None, c=None, fail=False):
        self.a = a
        self.b = b
        if fail:
            raise ValueError(a)
        self.c = c


class FDel(float):
    died = []

    def __del__(self):
        FDel.died.append(float(self))


def make_vec(*args, **kw):
    return Vec(*args, **kw)


def tb_lines(e):
    """(function, line) of each traceback entry (read without linecache)."""
    out, tb = [], e.__traceback__
    while tb is not None:
        out.append((tb.tb_frame.f_code.co_name, tb.tb_lineno))
        tb = tb.tb_next
    return out


def test_construction_and_release():
    big, raw, text = 10**30, bytes(3), "t" * 40

    def counts():
        return [sys.getrefcount(x) for x in (big, raw, text)]

    # a value the leaf path does not release (bytes, a float subclass) after ones it does:
    # the rest is released as before, each value once
    FDel.died.clear()
    for args in ((big, 1.5, text), (None, big), (big, raw, text), (raw, big, None), (text, FDel(2.5), big), ()):
        before = counts()
        v = make_vec(*args) if args else Vec.__new__(Vec)
        tracked = gc.is_tracked(v)
        del v
        print(tracked == (not OURS) or FDel in map(type, args), [a - b for a, b in zip(counts(), before)])
    del args
    print(FDel.died)
    # an exception from __init__: its traceback, the half-made instance released
    before = counts()
    try:
        make_vec(big, raw, fail=True)
    except ValueError as e:
        print(tb_lines(e))
        del e
    print([a - b for a, b in zip(counts(), before)])

    d = VecWithDict(4.0)
    d.extra = 5.0
    w = make_vec(3.0)
    print(w.a, w.b, d.a, vars(d), type(d).__name__, untracked_as_expected(w))


class VecWithDict(Vec):
    pass


def test_construction_patched():
    # __new__, then __init__, given to a class like Vec after it made an instance
    class Made:
        __slots__ = ("a", "c")

        def __init__(self, a, c=None):
            self.a = a
            self.c = c

    m = Made(0.5)
    Made.__new__ = staticmethod(lambda cls, *a, **k: print("new", a, k) or object.__new__(cls))
    v = Made(1.0, c=2.0)
    Made.__init__ = lambda self, *a, **k: print("init", a, k)
    u = Made(3.0)
    print(m.a, v.a, v.c, hasattr(u, "a"), untracked_as_expected(m))


def test_method_sites():
    """Method calls on instances of slots classes (runtime/slotrun.hpp slot_method): one site
    sees classes of ours, their subclasses (with a dict, with more slots), a method patched
    while the arguments are evaluated, replaced by a staticmethod, a property, deleted,
    given other code, and classes with __getattr__ / __getattribute__."""

    class Acc:
        __slots__ = ("v",)

        def __init__(self):
            self.v = 0.0

        def add(self, d):
            self.v += d
            return self

        def get(self):
            return self.v

    def call_add(o, d):
        return o.add(d)

    def call_get(o):
        return o.get()

    a = Acc()
    for _ in range(3):
        call_add(a, 1.5)
    print(call_get(a))

    class Sub(Acc):
        def get(self):
            return ("sub", self.v)

    class More(Acc):
        __slots__ = ("w",)

        def add(self, d):
            return ("more", d)

    s, m = Sub(), More()
    call_add(s, 2.0)
    print(call_get(s), call_add(m, 1), call_get(a), call_add(a, 0.5).get())

    def patch(v):
        Acc.add = lambda self, d: ("patched", d)
        return v

    print(a.add(patch(1.0)) is a, call_add(a, 2.0), a.v)
    Acc.get.__code__ = (lambda self: ("other code", self.v)).__code__
    print(call_get(a))
    Acc.get = staticmethod(lambda: "static")
    print(call_get(a))
    Acc.get = property(lambda self: lambda: "prop")
    print(call_get(a))
    del Acc.get
    try:
        call_get(a)
    except AttributeError as e:
        print("AttributeError", e)

    class WithGetattr:
        __slots__ = ()

        def __getattr__(self, name):
            return lambda: ("getattr", name)

        def get(self):
            return "get"

    class WithGetattribute:
        __slots__ = ()

        def __getattribute__(self, name):
            return lambda: ("getattribute", name)

        def get(self):
            return "get"

    class Boom:
        __slots__ = ("n",)

        def go(self, n):
            if n == 0:
                raise KeyError(n)
            return self.go(n - 1)

    print(call_get(WithGetattr()), call_get(WithGetattribute()), call_get(s))
    try:
        Boom().go(3)
    except KeyError as e:
        print(tb_lines(e))
