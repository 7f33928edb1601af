"""with statements, f-strings and formatting, imports of every form, module globals."""

import os.path
import collections.abc as cabc
from collections import OrderedDict, namedtuple as nt
from math import *
import json as _json

MODULE_CONST = [1, 2, 3]
annotated_global: int = 5


class CM:
    def __init__(self, name, log, swallow=False):
        self.name, self.log, self.swallow = name, log, swallow

    def __enter__(self):
        self.log.append(("enter", self.name))
        return self.name.upper()

    def __exit__(self, et, ev, tb):
        self.log.append(("exit", self.name, et.__name__ if et else None))
        return self.swallow


def test_with():
    log = []
    with CM("a", log) as a, CM("b", log) as b:
        log.append(a + b)
    with CM("c", log, swallow=True):
        raise ValueError("swallowed")
    try:
        with CM("d", log):
            raise KeyError("passes")
    except KeyError:
        log.append("outer caught")
    for i in range(3):
        with CM(str(i), log):
            if i == 1:
                continue
            if i == 2:
                break
    print(log)
    try:
        with 42:
            pass
    except (TypeError, AttributeError) as e:
        print(type(e).__name__)


def with_return(log):
    with CM("r", log):
        return "returned"


def test_with_return():
    log = []
    print(with_return(log), log)


def test_fstrings():
    x, name, f = 42, "zig", 3.14159
    print(f"{x}", f"{x!r:>6}", f"{name!s}{name!a}", f"{f:.2f}", f"{x:{'>'}{8}}", f"{{literal}}", f"{x=}")
    print(f"{'nested ' + f'{x * 2}'}", f"{[1, 2][0]}", f"{ {'a': 1}['a'] }", "%r %s" % ("a", 1))
    width = 10
    print(f"{'centre':^{width}}|", format(1234567, ","), f"{1e-7:g}")


def test_imports():
    print(os.path.basename("/a/b.txt"), OrderedDict(a=1), nt("P", "x y")(1, 2), floor(2.5), pi > 3)
    print(cabc.Mapping.__name__, _json.dumps({"a": [1]}))
    import string as s2
    from itertools import chain

    print(s2.digits, list(chain([1], [2])))
    try:
        from collections import does_not_exist
    except ImportError as e:
        print("ImportError:", e.name)
    try:
        import no_such_module_zzz
    except ModuleNotFoundError as e:
        print(e)


def test_globals():
    print(MODULE_CONST, annotated_global, __name__, __annotations__, globals()["MODULE_CONST"])
    print(sorted(k for k in ["b", "a"]) if False else sorted(["b", "a"]))


print("module level output", __name__)
if MODULE_CONST:
    LEVEL = "if at module level"
else:
    LEVEL = "else"
for _i in range(2):
    LEVEL += "!"
try:
    raise ValueError
except ValueError:
    HANDLED = True


def test_module_level_statements():
    print(LEVEL, HANDLED)


import builtins as _builtins
from collections import namedtuple as _namedtuple

_exec_alias = getattr(_builtins, "exec")
_exec_alias("def made_by_exec():\n    return 42")
Pair = _namedtuple("Pair", "left right")


def test_module_level_frame_users():
    import pickle

    print(made_by_exec(), Pair.__module__, pickle.loads(pickle.dumps(Pair(1, 2))))
    print("__ziggurat_module_body__" in globals())
