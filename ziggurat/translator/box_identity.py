"""Stage 7, emit (the specialised tier): which float locals never show their object to anyone.

A float run's `x = obj.a` (floatrun.py) keeps the attribute's very object in the local, so
that `x is obj.a` holds as in CPython. That reference makes the object shared: a later
`obj.a /= norm` in the run (float's Point.normalize) then cannot write the new value into
it and makes a new float instead (and the local frees the old one when it dies). When no
read of the local can hand its object to anything, the local may hold the bare double: the
only thing anyone gets from it is its value.

A read hands out nothing when it is an operand of an arithmetic operation or an ordering /
equality comparison whose other operand is the same local or a number constant: both
operands are then numbers of the interpreter's own types, so no user code (a reflected
`__rmul__`, a subclass's `__eq__`) is handed the object, and the result is a new object
(unary `+`, which returns a float itself, is not among them). A unit that names
`locals`, `vars`, `eval` or `exec` may look at its locals by name: never.

This module must not accept a read it has not proved to hand out only the value.
"""

from __future__ import annotations

import ast

from .check import own_nodes

# names through which a unit's locals can be reached as objects
_INTROSPECTION = frozenset({"locals", "vars", "eval", "exec"})
_ORDER_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)


def _number_or_self(node: ast.expr, name: str) -> bool:
    if isinstance(node, ast.Name):
        return node.id == name
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _value_only(parent: ast.AST | None, name: str) -> bool:
    if isinstance(parent, ast.BinOp):
        return _number_or_self(parent.left, name) and _number_or_self(parent.right, name)
    if isinstance(parent, ast.Compare):
        return (len(parent.ops) == 1 and isinstance(parent.ops[0], _ORDER_OPS)
                and _number_or_self(parent.left, name) and _number_or_self(parent.comparators[0], name))
    return False


def value_only_local(unit: ast.AST, name: str) -> bool:
    """Is every read of the fast local `name` in `unit` (a function) one that only uses its
    value, so that holding a copy of its float's value instead of the object is invisible?"""
    nodes = own_nodes(unit)
    parents: dict[int, ast.AST] = {}
    for n in nodes:
        for child in ast.iter_child_nodes(n):
            parents[id(child)] = n
    for n in nodes:
        if isinstance(n, ast.Name) and n.id in _INTROSPECTION:
            return False
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load):
            if not _value_only(parents.get(id(n)), name):
                return False
    return True
