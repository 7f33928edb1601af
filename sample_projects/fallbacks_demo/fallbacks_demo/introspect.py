"""Functions that read their frame: locals() and eval() without namespaces. In a function
body ziggurat compiles them with CPython's semantics; inside a comprehension (whose frame
semantics changed in Python 3.12) the function falls back to the interpreter."""


def snapshot(a, b=2):
    c = a + b
    return sorted(locals().items())


def evaluate(expr, x):
    return eval(expr)


def evaluate_in(expr, x):
    # Explicit namespaces: no frame is read, so this one compiles.
    return eval(expr, {"__builtins__": {}}, {"x": x})


def evaluate_all(exprs):
    # Names resolve in the module's globals on every Python version: `scale` is global.
    return [eval(e) for e in exprs]


def scale(values, factor=2):
    return [v * factor for v in values]
