"""Closures, nonlocal, global, lambdas, nested functions, late binding, unbound names."""

counter = 0


def bump():
    global counter
    counter += 1
    return counter


def test_global():
    bump()
    bump()
    assert counter == 2


def make_counter():
    n = 0

    def inc(step=1):
        nonlocal n
        n += step
        return n

    def get():
        return n

    return inc, get


def test_nonlocal():
    inc, get = make_counter()
    inc()
    inc(5)
    assert get() == 6


def test_late_binding():
    fs = [lambda i=i: i for i in range(3)]
    gs = [lambda: i for i in range(3)] if False else []
    print([f() for f in fs], gs)
    x = 1

    def show():
        return x

    x = 2
    assert show() == 2


def test_nested_three_levels():
    a = 1

    def f():
        b = 2

        def g():
            c = 3

            def h():
                return a + b + c

            return h()

        return g()

    assert f() == 6


def test_unbound():
    def f():
        print(y)
        y = 1

    try:
        f()
    except UnboundLocalError as e:
        print(e)

    def g():
        def inner():
            return z

        try:
            return inner()
        finally:
            pass
        z = 1

    try:
        g()
    except NameError as e:
        print(type(e).__name__, e)
    try:
        undefined_name_here
    except NameError as e:
        print(e)


def test_lambda():
    add = lambda a, b=10: a + b
    print(add(1), add(1, 2), add.__name__, (lambda *a, **k: (a, k))(1, x=2))


def test_shadow_builtin():
    len = lambda x: 42
    assert len([1]) == 42


def test_del():
    a = 1
    del a
    try:
        a
    except UnboundLocalError as e:
        print(e)
    d = {"k": 1, "j": 2}
    del d["k"]
    print(d)


def test_frame_readers():
    a = 1
    b = "two"
    captured = [3]

    def inner():
        return captured

    snapshot = locals()
    print(sorted(snapshot), snapshot["a"], "{a}-{b}".format(**locals()))
    print(eval("a + 1"), eval("len(b)", None, {"b": "xyz"}), sorted(vars()), dir()[:2])
    exec("zz = a * 10")
    print("zz" in locals(), globals()["counter"] >= 0)


def test_eval_with_none_namespaces():
    value = 41

    def check(expr, g=None, l=None):
        return eval(expr, g, l)

    print(check("len('abc')"), eval("value + 1", None, None), eval("value", {"value": 1}))
