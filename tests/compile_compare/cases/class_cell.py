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
