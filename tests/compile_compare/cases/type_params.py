"""PEP 695 type parameters: generic functions, classes and `type` aliases (3.13: defaults)."""
# requires-python: >=3.12
import sys
import typing


def ident[T](x: T) -> T:
    return x


def test_generic_function():
    (T,) = ident.__type_params__
    assert type(T) is typing.TypeVar
    assert T.__name__ == "T" and T.__module__ == "typing"
    assert T.__bound__ is None and T.__constraints__ == ()
    assert ident.__annotations__ == {"x": T, "return": T}
    assert ident(3) == 3
    assert ident.__qualname__ == "ident" and ident.__name__ == "ident"
    assert T.__infer_variance__


def bounded[T: int, U: (str, bytes), *Ts, **P](a: T, b: U = "d", *args: *Ts, **kw: P.kwargs) -> tuple[T, U]:
    return a, b


def test_bounds_constraints_kinds():
    T, U, Ts, P = bounded.__type_params__
    assert T.__bound__ is int and T.__constraints__ == ()
    assert U.__bound__ is None and U.__constraints__ == (str, bytes)
    assert type(Ts) is typing.TypeVarTuple and Ts.__name__ == "Ts"
    assert type(P) is typing.ParamSpec and P.__name__ == "P"
    assert bounded(1) == (1, "d")
    assert bounded.__defaults__ == ("d",)
    ann = bounded.__annotations__
    assert ann["a"] is T and ann["b"] is U and ann["return"] == tuple[T, U]
    print(ann["args"], ann["kw"])


def test_lazy_bound_errors():
    def make():
        def f[T: Missing, U: (int, Missing2), V](x):  # noqa: F821
            return x
        return f
    f = make()  # no error: bounds are evaluated on first access
    T, U, V = f.__type_params__
    try:
        T.__bound__
    except NameError as e:
        print("bound:", e)
    else:
        raise AssertionError
    try:
        U.__constraints__
    except NameError as e:
        print("constraints:", e)
    else:
        raise AssertionError
    assert V.__bound__ is None


def test_bound_sees_enclosing_function():
    def outer():
        limit = int
        def f[T: limit](): pass
        limit = float  # read when the bound is evaluated, not when f is made
        return f
    (T,) = outer().__type_params__
    assert T.__bound__ is float


class Box[T]:
    def __init__(self, item: T) -> None:
        self.item = item

    def get(self) -> T:
        return self.item

    def map[U](self, fn: "typing.Callable[[T], U]") -> "Box[U]":
        return Box(fn(self.item))


def test_generic_class():
    (T,) = Box.__type_params__
    assert Box.__parameters__ == (T,)
    assert Box.__orig_bases__ == (typing.Generic[T],)
    assert Box.__mro__[1:] == (typing.Generic, object)
    assert Box(3).map(str).get() == "3"
    (U,) = Box.map.__type_params__
    assert U.__name__ == "U"
    assert Box.map.__qualname__ == "Box.map"
    assert Box[int].__origin__ is Box
    assert Box.__init__.__annotations__["item"] is T
    assert "__type_params__" in Box.__dict__
    keys = list(Box.__dict__)
    assert keys[0] == "__module__" and keys.index("__type_params__") < keys.index("__init__")


class Base:
    pass


class Pair[K, V](Base, metaclass=type):
    first: K
    second: V


def test_generic_class_with_bases():
    K, V = Pair.__type_params__
    assert Pair.__orig_bases__ == (Base, typing.Generic[K, V])
    assert Pair.__bases__ == (Base, typing.Generic)
    assert Pair.__annotations__ == {"first": K, "second": V}
    assert Pair.__parameters__ == (K, V)


def test_variadic_class():
    class Tup[*Ts, **P]:
        pass
    Ts, P = Tup.__type_params__
    assert Tup.__orig_bases__ == (typing.Generic[*Ts, P],)
    assert Tup.__parameters__ == (Ts, P)
    print(Tup[int, str, [float]])


def test_nested_generics():
    class Outer[T]:
        class Inner[U]:
            def both[V](self, t: "T", u: U, v: V) -> list[V]:
                return [v]
        def method(self, x: T) -> T:
            return x
    (T,) = Outer.__type_params__
    (U,) = Outer.Inner.__type_params__
    (V,) = Outer.Inner.both.__type_params__
    assert Outer.Inner.__qualname__.endswith("Outer.Inner")
    assert Outer.Inner.both.__qualname__.endswith("Outer.Inner.both")
    ann = Outer.Inner.both.__annotations__
    assert ann["u"] is U and ann["v"] is V and ann["return"] == list[V]
    assert Outer.method.__annotations__["x"] is T
    assert Outer.Inner().both(1, 2, 3) == [3]


def test_class_scope_names():
    class A:
        Alias = int
        T = str

        def m[T](self, x: T, y: Alias) -> T:  # noqa: F821 - T is the method's captured parameter
            return T
        def n[U: Alias](self, x: U) -> U:
            pass
        type Value = Alias
        type Shadow = T
    assert A.m.__annotations__["y"] is int
    # a captured type parameter of a class-level annotation scope is read from the class
    # namespace first (CPython's LOAD_FROM_DICT_OR_DEREF)
    assert A.m.__annotations__["x"] is str
    (U,) = A.n.__type_params__
    assert U.__bound__ is int
    assert A.Value.__value__ is int
    assert A.Shadow.__value__ is str
    assert type(A().m(1, 2)) is typing.TypeVar


def test_class_scope_free_names():
    def outer():
        hidden = bytes
        class A:
            visible = int
            type Both = (hidden, visible)
            def f[T: (hidden, visible)](self): pass
        return A
    A = outer()
    assert A.Both.__value__ == (bytes, int)
    (T,) = A.f.__type_params__
    assert T.__constraints__ == (bytes, int)


type Number = int | float
type ListOf[T] = list[T]
type Recursive = list[Recursive] | int
type Later = Undefined  # noqa: F821


def test_type_aliases():
    assert type(Number) is typing.TypeAliasType
    assert Number.__name__ == "Number" and Number.__module__ == __name__
    assert Number.__value__ == int | float
    assert Number.__type_params__ == () and Number.__parameters__ == ()
    (T,) = ListOf.__type_params__
    assert ListOf.__value__ == list[T]
    assert ListOf[int].__origin__ is ListOf
    assert ListOf[int].__args__ == (int,)
    assert Recursive.__value__ == list[Recursive] | int
    try:
        Later.__value__
    except NameError as e:
        print(e)
    else:
        raise AssertionError
    try:
        Number[int]
    except TypeError as e:
        print(e)
    print(repr(ListOf), repr(ListOf[str]))


def test_local_aliases():
    def make(kind):
        type Local[K] = dict[K, kind]
        return Local
    a = make(int)
    (K,) = a.__type_params__
    assert a.__value__ == dict[K, int]
    assert a.__module__ == __name__
    assert make(str).__value__ != a.__value__


def test_type_soft_keyword():
    def use_name():
        type = 5
        type += 1
        match (type, 2):
            case (type, other):
                return type
    assert use_name() == 6
    assert type(1) is int
    type x = int
    assert x.__value__ is int


def test_decorators_and_order():
    log = []
    def deco(f):
        log.append(("deco", f.__name__, f.__type_params__))
        return f
    def default():
        log.append("default")
        return 1
    @deco
    def g[T](x=default()) -> T:
        return x
    assert log[0] == "default" and log[1][0] == "deco"
    assert g() == 1 and log[1][2] == g.__type_params__


def test_generic_methods_and_super():
    class Base:
        def go(self):
            return "base"
    class Child[T](Base):
        def go[U](self):
            return "child " + super().go()
    assert Child().go() == "child base"
    assert Child.go.__type_params__[0].__name__ == "U"


def test_generator_and_async_generic():
    def gen[T](n: T):
        yield from range(n)
    assert list(gen(3)) == [0, 1, 2]
    async def co[T]() -> T:
        return 1
    c = co()
    try:
        c.send(None)
    except StopIteration as e:
        assert e.value == 1
    assert co.__type_params__[0].__name__ == "T"


def test_closure_over_type_param():
    def f[T]():
        return T
    T = f()
    assert T is f.__type_params__[0]
    def g[T]():
        return lambda: T
    assert g()() is g.__type_params__[0]


def test_inside_generator():
    def gen():
        x = yield 1
        def f[T: int](a: T) -> list[T]:
            return [a, x]
        yield f
        class C[U]:
            pass
        type A[V] = dict[V, int]
        yield C, A
    g = gen()
    next(g)
    f = g.send("sent")
    assert f(0) == [0, "sent"]
    C, A = next(g)
    assert C.__type_params__[0].__name__ == "U"
    assert A.__value__ == dict[A.__type_params__[0], int]


def test_private_names_and_globals():
    class A:
        def m[__T](self, x: __T) -> __T:
            return x
        type __Alias[__U] = list[__U]
        def alias(self):
            return self.__Alias
    (T,) = A.m.__type_params__
    print(T.__name__, A.m.__annotations__)
    print(A().alias().__name__, A().alias().__type_params__)
    define_global()
    assert global_generic.__qualname__ == "global_generic"
    assert global_generic.__type_params__[0].__name__ == "G"


def define_global():
    global global_generic
    def global_generic[G](): pass


def test_lambdas_and_comprehensions_in_lazy_scopes():
    # (3.12 refuses comprehensions in annotation scopes inside a class body)
    base = 10
    type Squares = [i * i for i in range(3)]
    type Scaled[T] = [(i * base, T) for i in range(3)]
    assert Squares.__value__ == [0, 1, 4]
    assert Scaled.__value__[2] == (20, Scaled.__type_params__[0])
    def f[T: (lambda: int)()](self): pass
    (T,) = f.__type_params__
    assert T.__bound__ is int


def test_class_body_reads_type_params():
    class C[T, *Ts]:
        seen = (T, Ts)
        def method(self):
            return T
        @staticmethod
        def parts():
            return [T, Ts]
    T, Ts = C.__type_params__
    assert C.seen == (T, Ts)
    assert C().method() is T and C.parts() == [T, Ts]


def test_generic_alias_in_class():
    class Holder:
        type Pair[A, B] = tuple[A, B]
        type Shadowed[Holder] = Holder
    A, B = Holder.Pair.__type_params__
    assert Holder.Pair.__value__ == tuple[A, B]
    assert Holder.Pair[int, str].__args__ == (int, str)
    assert Holder.Shadowed.__value__ is Holder.Shadowed.__type_params__[0]


def test_errors_at_definition():
    try:
        class Twice[T](typing.Generic[T]):
            pass
    except TypeError as e:
        print(e)
    else:
        raise AssertionError
    try:
        def bad[T](x: undefined_annotation) -> T:  # noqa: F821 - evaluated eagerly
            pass
    except NameError as e:
        print(e)
    else:
        raise AssertionError


def test_mangled_class_params():
    class Foo[__T]:
        param = __T
        def meth[__U](self, arg: __T, arg2: __U):
            return (__T, __U)
        type Alias[__V] = (__T, __V)
    (T,) = Foo.__type_params__
    (U,) = Foo.meth.__type_params__
    (V,) = Foo.Alias.__type_params__
    assert (T.__name__, U.__name__, V.__name__) == ("__T", "__U", "__V")
    assert Foo.param is T
    assert Foo.meth.__annotations__ == {"arg": T, "arg2": U}
    assert Foo().meth(1, 2) == (T, U)
    assert Foo.Alias.__value__ == (T, V)


def test_class_names_read_late():
    T = "function"
    class X:
        T = int
        def foo[U: T](self): ...
        type Alias = T
        type Other = missing_name  # noqa: F821
    X.T = float  # the lazy scopes read the class's own dict, after the class is made
    assert X.foo.__type_params__[0].__bound__ is float
    assert X.Alias.__value__ is float
    X.missing_name = "late"
    assert X.Other.__value__ == "late"
    assert "__classdictcell__" not in X.__dict__ and "__classdict__" not in X.__dict__
    class Y:
        T = int
        type Alias = T
    del Y.T
    try:
        Y.Alias.__value__  # a name the class binds is looked up in the globals next
    except NameError as e:
        print(e)
    else:
        raise AssertionError
    assert T == "function"


x = "global"


def test_class_bound_names_skip_enclosing_function():
    x = "nonlocal"
    class Cls:
        type Alias = x
        val = Alias.__value__
        def meth[T: x](self, arg: x): ...
        bound = meth.__type_params__[0].__bound__
        annotation = meth.__annotations__["arg"]
        x = "class"
    assert (Cls.val, Cls.bound, Cls.annotation) == ("global", "global", "global")
    class Free:
        type Alias = x
        def meth[T: x](self, arg: x): ...
    assert Free.Alias.__value__ == "nonlocal"
    assert Free.meth.__type_params__[0].__bound__ == "nonlocal"
    class Explicit:
        global x
        x = "explicit"  # noqa: PLW0603
        type Alias = x
        x = "global"
    assert Explicit.Alias.__value__ == "global"
