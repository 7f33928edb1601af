"""try/except/else/finally, raise from, chaining and context, re-raise, sys.exc_info,
return/break/continue through finally, assert."""

import sys
import traceback


class MyError(Exception):
    def __init__(self, code):
        super().__init__(f"code {code}")
        self.code = code


def test_basic():
    log = []
    for exc in (KeyError("k"), ValueError("v"), MyError(3), None):
        try:
            if exc is not None:
                raise exc
            log.append("none")
        except (KeyError, IndexError) as e:
            log.append(("lookup", repr(e)))
        except MyError as e:
            log.append(("mine", e.code, str(e)))
        except Exception as e:
            log.append(("other", type(e).__name__))
        else:
            log.append("else")
        finally:
            log.append("finally")
    print(log)


def test_name_unbound_after_except():
    try:
        raise ValueError
    except ValueError as err:
        pass
    try:
        err
    except NameError as e:
        print("unbound:", type(e).__name__)


def test_chaining():
    try:
        try:
            1 / 0
        except ZeroDivisionError as e:
            raise ValueError("converted") from e
    except ValueError as v:
        print(type(v.__cause__).__name__, v.__suppress_context__)
    try:
        try:
            {}["x"]
        except KeyError:
            raise RuntimeError("during handling")
    except RuntimeError as r:
        print(type(r.__context__).__name__, r.__cause__)
    try:
        try:
            raise TypeError("a")
        except TypeError:
            raise OSError("b") from None
    except OSError as o:
        print(o.__suppress_context__, type(o.__context__).__name__)


def test_reraise_and_exc_info():
    try:
        try:
            raise KeyError("inner")
        except KeyError:
            print(sys.exc_info()[0].__name__)
            raise
    except KeyError as e:
        print("reraised", e)
    print(sys.exc_info())
    try:
        raise
    except RuntimeError as e:
        print(e)


def finally_flow():
    out = []
    for i in range(5):
        try:
            if i == 1:
                continue
            if i == 3:
                break
            out.append(i)
        finally:
            out.append(f"f{i}")
    return out


def return_override():
    try:
        return "try"
    finally:
        return "finally"


def swallow():
    for _ in range(1):
        try:
            raise ValueError("lost")
        finally:
            break
    return "swallowed"


def nested_finally():
    log = []
    try:
        try:
            return log
        finally:
            log.append("inner")
    finally:
        log.append("outer")


def test_finally_flow():
    print(finally_flow(), return_override(), swallow(), nested_finally())


def test_exception_in_handler_and_finally():
    try:
        try:
            raise ValueError("first")
        finally:
            print("cleanup runs")
    except ValueError as e:
        print("caught", e)
    try:
        try:
            raise ValueError("one")
        except ValueError:
            raise KeyError("two")
        finally:
            print("finally after handler error")
    except KeyError as e:
        print("got", e, type(e.__context__).__name__)


def test_raise_forms():
    for thing in (ValueError, ValueError("x"), 42, MyError):
        try:
            raise thing
        except TypeError as e:
            print("TypeError:", e)
        except Exception as e:
            print(type(e).__name__, e)


def test_assert():
    try:
        assert 1 == 2, "math is broken"
    except AssertionError as e:
        print("assert:", e)
    try:
        assert []
    except AssertionError as e:
        print("bare assert", repr(e))


def test_bad_except_type():
    try:
        try:
            raise ValueError
        except 42:
            pass
    except TypeError as e:
        print(e)


def fails():
    x = [1]
    return x[5]


def test_traceback_names_compiled_frames():
    try:
        fails()
    except IndexError as e:
        frames = traceback.extract_tb(e.__traceback__)
        print([(f.name, f.lineno) for f in frames], frames[-1].filename.endswith("exceptions.py"))


def returns_bound_exception():
    try:
        raise ValueError(1)
    except ValueError as e:
        return e


def test_return_bound_exception():
    for _ in range(3):
        print(repr(returns_bound_exception()))
