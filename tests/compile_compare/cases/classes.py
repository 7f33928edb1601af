"""Classes: attributes, inheritance, super(), properties, class/static methods, dunders,
metaclasses, class decorators, __init_subclass__, __set_name__, slots, dataclasses, enums."""

import dataclasses
import enum


class Animal:
    kind = "animal"
    count = 0

    def __init__(self, name):
        self.name = name
        Animal.count += 1

    def speak(self):
        return f"{self.name} makes a sound"

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"

    def __eq__(self, other):
        return isinstance(other, Animal) and other.name == self.name

    __hash__ = None


class Dog(Animal):
    kind = "dog"

    def speak(self):
        return super().speak() + " (woof)"


class Puppy(Dog):
    def speak(self):
        return super().speak().upper()


def test_inheritance():
    print(Dog("rex").speak(), Puppy("bit").speak(), repr(Puppy("x")), Animal.count)
    print(Dog.kind, Puppy.kind, Puppy.__mro__[1].__name__, Dog.__qualname__, Dog.__module__)
    assert Dog("a") == Dog("a") and Dog("a") != Dog("b")


class Temp:
    """A temperature."""

    def __init__(self):
        self._c = 0

    @property
    def c(self):
        return self._c

    @c.setter
    def c(self, v):
        if v < -273:
            raise ValueError("too cold")
        self._c = v

    @classmethod
    def make(cls):
        return cls()

    @staticmethod
    def scale():
        return "C"


def test_property():
    t = Temp.make()
    t.c = 10
    print(t.c, Temp.scale(), Temp.__doc__)
    try:
        t.c = -300
    except ValueError as e:
        print(e)


class Meta(type):
    def __new__(mcls, name, bases, ns, **kw):
        ns["tag"] = kw.get("tag", "none")
        return super().__new__(mcls, name, bases, ns)

    @classmethod
    def __prepare__(mcls, name, bases, **kw):
        return {"prepared": True}


class Tagged(metaclass=Meta, tag="t1"):
    pass


def test_metaclass():
    print(Tagged.tag, Tagged.prepared, type(Tagged).__name__)


class Registry:
    members = []

    def __init_subclass__(cls, key=None, **kw):
        super().__init_subclass__(**kw)
        Registry.members.append((cls.__name__, key))


class A(Registry, key="a"):
    pass


class B(Registry):
    pass


class Named:
    def __set_name__(self, owner, name):
        self.name = owner.__name__ + "." + name


class HasNamed:
    field = Named()


def test_hooks():
    print(Registry.members, HasNamed.field.name)


def add_repr(cls):
    cls.extra = "decorated"
    return cls


@add_repr
class Deco:
    pass


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a = 1


def test_decorator_and_slots():
    print(Deco.extra)
    s = Slotted()
    try:
        s.c = 3
    except AttributeError as e:
        print("AttributeError")
    try:
        s.b
    except AttributeError as e:
        print("unset slot")


@dataclasses.dataclass(order=True)
class Point:
    x: int
    y: int = 0
    tags: list = dataclasses.field(default_factory=list)

    def norm1(self):
        return abs(self.x) + abs(self.y)


class Color(enum.Enum):
    RED = 1
    GREEN = 2

    def describe(self):
        return self.name.lower()


def test_dataclass_enum():
    p = Point(3, -4)
    print(p, p.norm1(), Point(1) < Point(2), dataclasses.asdict(p), Point.__annotations__)
    print(Color.RED, Color(2), Color.GREEN.describe(), list(Color), Color["RED"].value)


class Vec:
    def __init__(self, *c):
        self.c = c

    def __add__(self, o):
        return Vec(*[a + b for a, b in zip(self.c, o.c)])

    def __len__(self):
        return len(self.c)

    def __getitem__(self, i):
        return self.c[i]

    def __iter__(self):
        return iter(self.c)

    def __contains__(self, x):
        return x in self.c

    def __call__(self, k):
        return self.c[k] * 10

    def __bool__(self):
        return any(self.c)


def test_dunders():
    v = Vec(1, 2) + Vec(3, 4)
    print(v.c, len(v), v[1], list(v), 4 in v, v(0), bool(Vec(0, 0)))


def test_class_scope():
    x = "function-local"

    class Inner:
        y = x
        z = [x for _ in range(2)]

        def m(self):
            return x

    print(Inner.y, Inner.z, Inner().m(), Inner.__qualname__)


class WithClassAttr:
    base = 10
    derived = [base * 2]


def test_class_body_names():
    print(WithClassAttr.derived)


class Proxy:
    def __init__(self, obj):
        self.__obj = obj

    def __getattribute__(self, name):
        if name.startswith("_Proxy__"):
            return object.__getattribute__(self, name)
        return getattr(self.__obj, name)

    def __private(self, __arg=1):
        return ("private", __arg)

    def call(self):
        return self.__private(2)


class _Underscored:
    def __m(self):
        return "m"


def test_private_name_mangling():
    class Target:
        x = 5

    p = Proxy(Target())
    print(p.x, type(p._Proxy__obj).__name__, Proxy.call(p), sorted(k for k in Proxy.__dict__ if "private" in k))
    print(Proxy._Proxy__private.__qualname__, Proxy._Proxy__private.__name__, _Underscored()._Underscored__m())
    import inspect

    print(inspect.signature(Proxy._Proxy__private))


def test_global_class_qualname():
    global GlobalDeclared

    class GlobalDeclared:
        pass

    print(GlobalDeclared.__qualname__)


from typing import Generic, NamedTuple, TypeVar

TV = TypeVar("TV")


class Named(NamedTuple):
    a: int
    b: str = "x"


class Box(Generic[TV]):
    def __init__(self, item: TV):
        self.item = item


def test_mro_entries():
    print(Named(1), Box[int](3).item, Box.__orig_bases__ if hasattr(Box, "__orig_bases__") else None, TV.__module__)


class WithStatics:
    def __init__(self):
        self.a = 1
        self.b, self.c = 2, 3

    def bump(self):
        self.d += 1


def test_class_metadata_313():
    print(getattr(WithStatics, "__static_attributes__", None), getattr(WithStatics, "__firstlineno__", None))


def test_instantiation_shortcut_edges():
    import abc
    import functools

    log = []

    class Plain:
        def __init__(self, a, b=2, *rest, k=0, **kw):
            self.v = (a, b, rest, k, kw)

    class WithNew:
        def __new__(cls, *args):
            log.append(("new", args))
            return super().__new__(cls)

        def __init__(self, x):
            self.x = x

    class Meta(type):
        def __call__(cls, *args, **kw):
            log.append(("meta call", args, kw))
            return super().__call__(*args, **kw)

    class Metad(metaclass=Meta):
        def __init__(self, x):
            self.x = x

    class ReturnsValue:
        def __init__(self):
            return 42

    class Raises:
        def __init__(self, x):
            raise ValueError(f"bad {x}")

    class Abstract(abc.ABC):
        @abc.abstractmethod
        def f(self):
            pass

        def __init__(self):
            pass

    class StaticInit:
        @staticmethod
        def __init__(*args):
            log.append(("static init", len(args)))

    class PartialInit:
        __init__ = functools.partialmethod(lambda self, a, b: setattr(self, "ab", (a, b)), 1)

    class NoInit:
        pass

    class ListSub(list):
        def __init__(self, x):
            super().__init__(x)
            self.extra = True

    class Other:
        pass

    class SwapsInstance:
        def __new__(cls):
            return Other()  # not an instance: __init__ is not called

        def __init__(self):
            log.append("never")

    out = []
    for _ in range(2):
        out.append(Plain(1).v)
        out.append(Plain(1, 3, 4, 5, k=6, z=7).v)
        out.append(Plain(a=9).v)
        out.append(WithNew(5).x)
        out.append(Metad(6).x)
        for make in (ReturnsValue, lambda: Raises(3), Abstract, lambda: Plain(), lambda: NoInit(1),
                     lambda: Plain(1, a=2)):
            try:
                make()
                out.append("made")
            except TypeError as e:
                out.append(("TypeError", str(e)))
            except ValueError as e:
                out.append(("ValueError", str(e)))
        StaticInit()
        out.append(PartialInit(2).ab)
        out.append(type(NoInit()).__name__)
        ls = ListSub("ab")
        out.append((ls, ls.extra))
        out.append(type(SwapsInstance()).__name__)
    # __init__ replaced on the class, then removed
    Plain.__init__ = lambda self, *a, **k: setattr(self, "v", ("replaced", a))
    out.append(Plain(1).v)
    del Plain.__init__
    try:
        Plain(1)
    except TypeError as e:
        out.append(str(e))

    # __init__ that changes the class's __init__ while running
    class Reentrant:
        def __init__(self, n):
            self.n = n
            if n:
                Reentrant.__init__ = lambda self, n: setattr(self, "n", -n)

    out.append(Reentrant(1).n)
    out.append(Reentrant(2).n)
    return out, log
