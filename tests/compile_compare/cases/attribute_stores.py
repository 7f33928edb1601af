"""Stores that add attributes to fresh instances (`self.x = ...` in __init__) and class
calls whose __init__ is remembered: compiled sites write straight into the instance's
values array and keep the attributes' insertion order, so each case here changes what such
a site sees after it has been warmed (layout, class, hooks, dict) and prints the result and
the order vars() reports (the printed output is what is compared)."""


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


class Reversed:
    def __init__(self, x, y):
        self.y = y
        self.x = x


def make_points(cls, n):
    return [cls(i, -i) for i in range(n)]


def test_adding_stores_keep_insertion_order():
    out = []
    for cls in (Point, Reversed):
        objs = make_points(cls, 50)
        out.append([list(vars(o).items()) for o in objs[:3]])
        out.append(sum(o.x - o.y for o in objs))
        o = objs[10]
        del o.x
        o.x = "again"
        o.z = "new"
        out.append(list(vars(o)))
    print(out)


def test_slots_and_dict_subclass():
    class S:
        __slots__ = ("x", "y")

        def __init__(self, x, y):
            self.x = x
            self.y = y

    class SD(S):
        def __init__(self, x, y):
            S.__init__(self, x, y)
            self.z = x + y

    out = []
    for cls in (S, SD, S, SD):
        objs = [cls(i, i) for i in range(10)]
        out.append([(o.x, o.y, getattr(o, "z", None)) for o in objs[:3]])
        out.append(sorted(vars(objs[0])) if hasattr(objs[0], "__dict__") else "no dict")
    print(out)


def test_dict_materialised_before_adding_stores():
    class C:
        def __init__(self, early, x):
            if early:
                self.__dict__  # materialise the dict first
            self.x = x
            self.y = x * 2

    out = []
    for i in range(20):
        c = C(i % 3 == 0, i)
        out.append((c.x, c.y, list(vars(c).items())))
    print(out)


def test_setattr_overridden_in_subclass():
    log = []

    class Base:
        def __init__(self, v):
            self.v = v
            self.w = v + 1

    class Hooked(Base):
        def __setattr__(self, name, value):
            log.append((name, value))
            object.__setattr__(self, name, value * 10)

    out = []
    for cls in (Base, Base, Hooked, Base, Hooked):
        o = cls(1)
        out.append((type(o).__name__, o.v, o.w, list(vars(o))))
    print(out, log)


def test_descriptor_added_after_warm():
    class C:
        def __init__(self, x):
            self.x = x

    out = [vars(C(i)) for i in range(5)]
    seen = []
    C.x = property(lambda self: "property", lambda self, v: seen.append(v))
    c = C(7)
    out.append((c.x, vars(c), seen))
    del C.x
    out.append(vars(C(8)))
    C.x = "plain class attribute"  # not a data descriptor: the instance still gets it
    c = C(9)
    out.append((c.x, vars(c), C.x))
    print(out)


def test_class_attribute_changed():
    class C:
        kind = "a"

        def __init__(self, x):
            self.x = x
            self.k = self.kind

    out = []
    for i in range(6):
        if i == 3:
            C.kind = "b"
        c = C(i)
        out.append((c.x, c.k, list(vars(c))))
    print(out)


def test_many_attributes_overflow_inline_values():
    class Wide:
        def __init__(self, n):
            for i in range(n):
                setattr(self, f"a{i}", i)
            self.last = n

    class Direct:
        def __init__(self):
            self.a0 = 0; self.a1 = 1; self.a2 = 2; self.a3 = 3; self.a4 = 4; self.a5 = 5
            self.a6 = 6; self.a7 = 7; self.a8 = 8; self.a9 = 9; self.a10 = 10; self.a11 = 11
            self.a12 = 12; self.a13 = 13; self.a14 = 14; self.a15 = 15; self.a16 = 16
            self.a17 = 17; self.a18 = 18; self.a19 = 19; self.a20 = 20; self.a21 = 21
            self.a22 = 22; self.a23 = 23; self.a24 = 24; self.a25 = 25; self.a26 = 26
            self.a27 = 27; self.a28 = 28; self.a29 = 29; self.a30 = 30; self.a31 = 31
            self.a32 = 32; self.a33 = 33

    out = []
    for n in (3, 40, 5, 35, 2):
        w = Wide(n)
        out.append((w.last, list(vars(w))[-3:], len(vars(w))))
    for _ in range(4):
        d = Direct()
        out.append((list(vars(d).items())[-5:], d.a33 + d.a0, len(vars(d))))
    print(out)


def test_instance_dict_replaced():
    class C:
        def __init__(self, x):
            self.x = x

        def again(self, x):
            self.x = x
            self.y = x

    out = []
    for i in range(6):
        c = C(i)
        if i % 2:
            c.__dict__ = {}
        c.again(i * 10)
        out.append(list(vars(c).items()))
        c.__dict__ = {"z": 1}
        c.again(-i)
        out.append(list(vars(c).items()))
    print(out)


def test_init_replaced_after_warm():
    class C:
        def __init__(self, x):
            self.x = x

    out = [C(i).x for i in range(4)]

    def other_init(self, x):
        self.x = ("other", x)

    C.__init__ = other_init
    out.append(C(5).x)

    class D(C):
        pass

    out.append(D(6).x)
    C.__init__ = lambda self, x: setattr(self, "x", ("lambda", x))
    out.append((C(7).x, D(8).x))
    D.__init__ = lambda self, x: None
    out.append((C(9).x, hasattr(D(10), "x")))
    del D.__init__
    out.append(D(11).x)
    C.__new__ = lambda cls, x: "not an instance"
    out.append(C(12))
    del C.__new__  # type's slot now calls object.__new__ with the arguments, which rejects them
    try:
        out.append(C(13).x)
    except TypeError as e:
        out.append(str(e))
    print(out)


def test_init_errors():
    class Bad:
        def __init__(self):
            return 5

    class Raises:
        def __init__(self, x):
            self.x = x
            raise ValueError(x)

    out = []
    for _ in range(3):
        try:
            Bad()
        except TypeError as e:
            out.append(str(e))
        try:
            Raises(1)
        except ValueError as e:
            out.append(repr(e))
        try:
            Raises()
        except TypeError as e:
            out.append(str(e))
    print(out)


def test_class_reassigned_between_stores():
    class A:
        def __init__(self):
            self.x = "a"
            self.y = "a"

    class B:
        def __init__(self):
            self.y = "b"
            self.x = "b"

    def fill(o, v):
        o.x = v
        o.y = v

    out = []
    for i in range(6):
        a = A()
        if i % 2:
            a.__class__ = B
        del a.x, a.y
        fill(a, i)
        out.append((type(a).__name__, list(vars(a).items())))
    print(out)


class Task:
    def __init__(self, ident):
        self.ident = ident
        self.count = 0

    def step(self):
        self.count = self.count + self.ident
        return self.describe()

    def describe(self):
        return (type(self).__name__, self.ident, self.count)


class TaskA(Task):
    pass


class TaskB(Task):
    def __init__(self, ident):
        self.extra = "b"  # another order of keys: another index at the same sites
        Task.__init__(self, ident)


class TaskC(Task):
    def describe(self):
        return ("C", self.count)


class TaskD(Task):
    __slots__ = ()


class TaskE(TaskA):
    pass


def test_sites_seeing_many_classes():
    # one load/store/method site sees six classes in turn, more than it keeps entries for
    tasks = [cls(i + 1) for i, cls in enumerate((Task, TaskA, TaskB, TaskC, TaskD, TaskE))]
    out = []
    for _ in range(4):
        out.append([t.step() for t in tasks])
    # a class changes while its entry is one of the site's earlier ones
    TaskA.describe = lambda self: ("A replaced", self.count)
    TaskB.count = property(lambda self: -1, lambda self, v: None)
    out.append([t.step() for t in tasks])
    del TaskB.count  # the instance's own value shows again
    out.append([t.step() for t in tasks])
    # an instance whose attributes move into a dict, one whose class is swapped
    tasks[2].__dict__ = {"ident": 100, "count": 0, "extra": "dict"}
    tasks[3].__class__ = TaskE
    tasks[4].__dict__["count"] = 50
    for _ in range(2):
        out.append([t.step() for t in tasks])
    del tasks[1].count
    try:
        tasks[1].step()
    except AttributeError as e:
        out.append(str(e))
    TaskE.__setattr__ = lambda self, name, value: object.__setattr__(self, name, value * 2)
    out.append([t.step() for t in tasks if type(t) is not TaskA])
    del TaskE.__setattr__
    out.append([t.step() for t in tasks if type(t) is not TaskA])
    print(out)


class Level:
    def __init__(self, n):
        self.n = n

    @staticmethod
    def pick(a, b):
        return a if a.n < b.n else b

    def describe(self):
        return f"Level({self.n})"


Level.LOW = Level(0)
Level.HIGH = Level(9)


def read_low(where):
    return where.LOW


def test_class_attributes():
    out = []
    for _ in range(3):
        out.append((read_low(Level).n, Level.HIGH.n, Level.pick(Level.LOW, Level.HIGH).n))
    # the same site on an instance of that class, on a subclass, on another class
    inst = Level(5)
    inst.LOW = "instance's own"
    out.append((read_low(inst), read_low(Level(6)).n))

    class Sub(Level):
        LOW = "sub"

    out.append((read_low(Sub), read_low(Level).n, read_low(Sub(1))))
    Level.LOW = Level(-1)  # rebound on the class: the cached one must not come back
    out.append((read_low(Level).n, read_low(Sub)))
    del Sub.LOW
    out.append(read_low(Sub).n)
    Level.LOW = property(lambda self: "property on instances")
    out.append((type(read_low(Level)).__name__, read_low(Level(2))))
    Level.LOW = Level.describe  # a function: the class gives it unbound
    out.append((read_low(Level) is Level.describe, read_low(Level(3))()))
    Level.LOW = classmethod(lambda cls: cls.__name__)
    out.append((read_low(Level)(), read_low(Sub)()))

    class Meta(type):
        LOW = "from the metaclass"

    class WithMeta(metaclass=Meta):
        pass

    class WithBoth(metaclass=Meta):
        LOW = "class wins over a plain metaclass attribute"

    out.append((read_low(WithMeta), read_low(WithBoth)))
    try:
        read_low(int)
    except AttributeError as e:
        out.append(str(e))
    out.append(read_low(type("T", (), {"LOW": 7})))
    Level.LOW = Level(0)
    print(out)


class Getter:
    def __get__(self, obj, cls):
        return ("get", obj, cls.__name__)


def call_pick(cls):
    return cls.pick(Level(4), Level(2)).n


def test_class_descriptors_and_class_method_calls():
    out = []
    original = Level.__dict__["pick"]
    Level.DESC = Getter()
    for _ in range(3):
        out.append((read_desc(Level), call_pick(Level)))
    Getter.__get__ = lambda self, obj, cls: "the descriptor's type changed, not the class"
    out.append(read_desc(Level))
    del Getter.__get__
    out.append(type(read_desc(Level)).__name__)
    Level.pick = staticmethod(lambda a, b: Level(100))
    out.append(call_pick(Level))
    Level.pick = classmethod(lambda cls, a, b: Level(len(cls.__name__)))
    out.append(call_pick(Level))
    sm = staticmethod(lambda a, b: Level(1))
    Level.pick = sm
    out.append(call_pick(Level))
    sm.__init__(lambda a, b: Level(2))  # the staticmethod itself re-initialised
    out.append(call_pick(Level))

    class Sub(Level):
        pass

    out.append((call_pick(Sub), call_pick(Level)))
    del Level.pick
    try:
        call_pick(Level)
    except AttributeError as e:
        out.append(str(e))
    Level.pick = original
    print(out)


def read_desc(cls):
    return cls.DESC
