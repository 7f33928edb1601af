"""Functions that read their own frame (locals(), eval without namespaces) stay interpreted;
the others are compiled."""


def snapshot(a, b=2):
    c = a + b
    return sorted(locals().items())


def evaluate(expr, x):
    return eval(expr)


def evaluate_in(expr, x):
    # Explicit namespaces: no frame is read, so this one compiles.
    return eval(expr, {"__builtins__": {}}, {"x": x})


def scale(values, factor=2):
    return [v * factor for v in values]
