"""The implicit __class__ cell: what a class body, its methods and nested classes see."""

class A:
    def f(self):
        return "A"


class T:
    def fix(self):
        nonlocal __class__
        __class__ = T

    def m(self):
        out = []
        class X(A):
            def f(self):
                return super().f()
            __class__ = 413
        x = X()
        out.append((x.f(), x.__class__))
        class X:
            x = __class__
            def f():
                __class__
        out.append(X.x is type(self))
        try:
            exec("""class X:
                __class__
                def f():
                    __class__""", globals(), {})
        except NameError as e:
            out.append(type(e).__name__)
        class X:
            global __class__
            __class__ = 42
            def f():
                __class__
        out.append(globals()["__class__"])
        del globals()["__class__"]
        out.append("__class__" in X.__dict__)
        class X:
            nonlocal __class__
            __class__ = 42
            def f():
                return __class__
        out.append(__class__)
        out.append(X.f() is X)
        return out

    def obscure(self):
        class X:
            def f(x):
                nonlocal __class__
                del __class__
                super()
        try:
            X().f()
        except RuntimeError as e:
            return str(e)


def run():
    t = T()
    r = t.m()
    t.fix()
    return r, T().m(), t.obscure()


def test_class_cell_pathologies():
    # CPython's test_super.test_various___class___pathologies and obscure super errors:
    # a class body's own `__class__` is the enclosing method's, `nonlocal`/`global`
    # `__class__` in a class body, `del __class__` before super()
    assert run() == (
        [("A", 413), True, "NameError", 42, False, 42, True],
        [("A", 413), True, "NameError", 42, False, 42, True],
        "super(): empty __class__ cell",
    )


def test_zero_argument_super_errors_in_cpython_order():
    def no_args():
        super()

    def star_only(*args):
        super()

    def deleted(x):
        del x
        super()

    def no_cell(x):
        super()

    class C:
        def f():
            super()

        def g(*args, **kw):
            super()

    for f, args in [(no_args, ()), (star_only, (1,)), (deleted, (1,)), (no_cell, (1,)), (C.f, ()), (C.g, ())]:
        try:
            f(*args)
        except RuntimeError as e:
            print(f.__name__, e)


def test_super_method_calls():
    log = []

    class Base:
        tag = "base tag"

        def m(self, x, *rest, k=0):
            return ("Base.m", type(self).__name__, x, rest, k)

        @classmethod
        def cm(cls, x):
            return ("Base.cm", cls.__name__, x)

        @staticmethod
        def sm(x):
            return ("Base.sm", x)

        @property
        def prop(self):
            return lambda y: ("Base.prop", y)

        def __eq__(self, other):
            return "eq"

        __hash__ = object.__hash__

    class Left(Base):
        def m(self, x, *rest, k=0):
            return ("Left.m",) + super().m(x, *rest, k=k)

    class Right(Base):
        def m(self, x, *rest, k=0):
            return ("Right.m",) + super().m(x + 1, *rest, k=k)

    class Child(Left, Right):
        def m(self, x, *rest, k=0):
            return ("Child.m",) + super().m(x, 9, k=k + 1)

        def calls(self):
            out = [super().cm(1), super().sm(2), super().prop(3), super().__eq__(4), super().__eq__(self)]
            out.append(super().__repr__().startswith("<"))
            out.append(super().__class__.__name__)
            try:
                super().missing(1)
            except AttributeError as e:
                out.append(str(e))
            try:
                super().tag(1)
            except TypeError as e:
                out.append(str(e))
            out.append(super().__init_subclass__())
            return out

        @classmethod
        def cls_side(cls):
            out = [super().cm(5), super().sm(6), super().m.__qualname__]
            try:
                super().m(cls, 7)  # unbound on the class side: cls is `self`, 7 is x, ...
            except TypeError as e:
                out.append(str(e))
            return out

        @staticmethod
        def static_side():
            try:
                super().m(1)
            except RuntimeError as e:
                return str(e)

        def deleted_self(self):
            del self
            try:
                super().m(1)
            except RuntimeError as e:
                return str(e)

        def rebinds_self(self):
            return super().m(len(self := "rebound"), self)

    c = Child()
    out = []
    for _ in range(2):
        out.append(c.m(1))
        out.append(c.calls())
        out.append(Child.cls_side())
        out.append(Child.static_side())
        out.append(c.deleted_self())
        out.append(c.rebinds_self())
    # the method is called with an object that is not a Child
    try:
        Child.m(Base(), 1)
    except TypeError as e:
        out.append(str(e))
    # the class changes: Left.m removed, a new base method appears
    del Left.m
    out.append(c.m(1))
    Base.m = lambda self, *a, **k: ("patched", a, k)
    out.append(c.m(1))
    return out, log


_real_super = super


def test_super_rebound_globally():
    global super

    class A:
        def f(self):
            return "A.f"

    class B(A):
        def f(self):
            return super().f()

    out = [B().f()]

    class Fake:
        def f(self):
            return "fake f"

    super = lambda: Fake()  # noqa: E731 - the module's `super` is now something else
    try:
        out.append(B().f())
    finally:
        super = _real_super
    out.append(B().f())
    return out


def test_super_in_metaclass_and_slots():
    class Meta(type):
        def make(cls, x):
            return ("Meta.make", cls.__name__, x)

    class SubMeta(Meta):
        def make(cls, x):
            return ("SubMeta",) + super().make(x + 1)

    class K(metaclass=SubMeta):
        pass

    class S:
        __slots__ = ("a",)

        def get(self):
            return ("S.get", self.a)

    class T(S):
        __slots__ = ()

        def get(self):
            return ("T.get",) + super().get()

    t = T()
    t.a = 1
    return [K.make(1), t.get(), T.get(t)]
