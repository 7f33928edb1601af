"""Stage 7, emit (part of unit_emitter.py): `json.dumps(x)` calls through runtime/jsonenc.hpp.

A call with one positional argument and no keywords, whose callee is written `json.dumps`
(`json` a module-level name bound by `import json [as name]`) or `dumps` (bound by
`from json import dumps [as name]`), is emitted as: the callee evaluated, the argument
evaluated (the interpreter's order), then `zrt::json_dumps_call`, which writes the text
itself when the callee is, at run time, the standard library's json.dumps in its default
state and the value holds only plain JSON types, and otherwise makes the ordinary call.

The names are only a hint of where the call pays: what the call does is decided by the
run-time guard alone, so a name rebound to anything else, a patched json module or an
unusual argument behave exactly as the ordinary call. This module must not decide
anything from the names that the guard does not check again.
"""

from __future__ import annotations

import ast
import functools
from typing import TYPE_CHECKING

from .scopes import CELL, FAST, FREE

if TYPE_CHECKING:
    from .unit_emitter import UnitEmitter, Val

# accesses that are not the module's globals (a function's own variable named `json`)
_LOCAL_ACCESS = (FAST, CELL, FREE)


@functools.lru_cache(maxsize=4)  # one scan per module (emitted unit after unit)
def _bound_names(module: ast.AST) -> tuple[frozenset[str], frozenset[str]]:
    """Names bound by `import json [as n]` and by `from json import dumps [as n]`."""
    modules: set[str] = set()
    functions: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            modules.update(a.asname or a.name for a in node.names if a.name == "json")
        elif isinstance(node, ast.ImportFrom) and node.module == "json" and not node.level:
            functions.update(a.asname or a.name for a in node.names if a.name == "dumps")
    return frozenset(modules), frozenset(functions)


def matches(em: "UnitEmitter", node: ast.Call) -> bool:
    """Is `node` a `json.dumps(x)` call site worth the guarded path?"""
    if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
        return False
    f = node.func
    modules, functions = _bound_names(em.scopes.root.node)
    if isinstance(f, ast.Attribute) and f.attr == "dumps" and isinstance(f.value, ast.Name):
        return f.value.id in modules and em.access(f.value.id) not in _LOCAL_ACCESS
    return isinstance(f, ast.Name) and f.id in functions and em.access(f.id) not in _LOCAL_ACCESS


def emit(em: "UnitEmitter", node: ast.Call) -> "Val":
    func = em.expr(node.func, owned=True)
    arg = em.expr(node.args[0])
    result = em.call(f"zrt::json_dumps_call({em.call_tstate()}, {func.expr}, {arg.expr})")
    em.release(func, arg)
    return result
