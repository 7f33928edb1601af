"""Stage 7, emit (part of unit_emitter.py's class statement): which `class` statements get
the runtime's slots-class treatment (runtime/slotclass.hpp: instances kept out of the cyclic
GC while no slot holds an object that may be part of a cycle).

Chosen from the source alone: a class body that binds `__slots__` once, at its top level, to
a literal string or tuple/list of literal strings, in a class statement without a
`metaclass=` keyword. The runtime then checks what only the made class can tell (its
metaclass is `type`, no `__dict__`, plain bases) and otherwise leaves the class as it is.

This module must not decide anything the runtime cannot re-check: a class passing here may
still stay as CPython made it.
"""

from __future__ import annotations

import ast
from typing import Callable

from .check import own_nodes


def _literal_names(value: ast.expr) -> bool:
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str)
    if isinstance(value, (ast.Tuple, ast.List)):
        return all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts)
    return False


def has_literal_slots(node: ast.ClassDef) -> bool:
    """Does this class statement bind a literal `__slots__` of names, once, with no metaclass?"""
    if any(k.arg == "metaclass" or k.arg is None for k in node.keywords):
        return False
    # every binding of the name in the class's own scope (nested functions have their own)
    binds = [n for n in own_nodes(node)
             if (isinstance(n, ast.Name) and n.id == "__slots__" and not isinstance(n.ctx, ast.Load))
             or (isinstance(n, ast.alias) and (n.asname or n.name) == "__slots__")
             or (isinstance(n, (ast.Global, ast.Nonlocal)) and "__slots__" in n.names)]
    return len(binds) == 1 and any(
        isinstance(s, ast.Assign) and s.targets == [binds[0]] and _literal_names(s.value) for s in node.body)


def defines_slots_classes(tree: ast.Module) -> bool:
    """Does the module have a class statement that has_literal_slots takes (anywhere)? Its
    method-call sites then try runtime/slotrun.hpp's slot_method first: a site of a module
    without one costs the generic calls nothing."""
    return any(isinstance(n, ast.ClassDef) and has_literal_slots(n) for n in ast.walk(tree))


def method_site(enabled: bool, fresh: Callable[[str], str], emit: Callable[[str], None]) -> str | None:
    """Declares a method-call site's zrt::SlotMethodSite (a function-local static) and returns
    its name, when the module's method calls take that path (defines_slots_classes)."""
    if not enabled:
        return None
    site = fresh("sm")
    emit(f"static zrt::SlotMethodSite {site};")
    return site
