"""except* and exception groups."""
# requires-python: >=3.11


def run(raiser):
    log = []
    try:
        try:
            raiser()
        except* ValueError as eg:
            log.append(("value", repr(eg.exceptions), type(eg).__name__))
        except* KeyError:
            log.append("key")
            raise RuntimeError("from handler")
        except* TypeError as eg:
            log.append(("type", len(eg.exceptions)))
            raise
        else:
            log.append("no exception")
    except BaseException as outer:
        log.append(("escaped", type(outer).__name__, repr(getattr(outer, "exceptions", outer))))
    return log


def test_except_star():
    for raiser in [
        lambda: None,
        lambda: (_ for _ in ()).throw(ValueError("naked")),
        lambda: (_ for _ in ()).throw(ExceptionGroup("eg", [ValueError(1), KeyError(2), TypeError(3), OSError(4)])),
        lambda: (_ for _ in ()).throw(ExceptionGroup("eg", [TypeError("only")])),
        lambda: (_ for _ in ()).throw(ZeroDivisionError("unmatched")),
    ]:
        print(run(raiser))


def test_bad_clause():
    try:
        try:
            raise ValueError
        except* ExceptionGroup:
            pass
    except TypeError as e:
        print(e)
