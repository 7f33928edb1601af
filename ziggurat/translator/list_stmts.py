"""Stage 7, emit (part of unit_emitter.py): assignments done without the objects the
statement would make and no one sees. `a, b = b, a` / `x[i], x[j] = x[j], x[i]`
(parallel_assign) stores the values without the tuple between. The rotation
`x[a:] = x[b:] + x[a:b]` (itertools.permutations' pure-Python recipe, as pyperformance's
nqueens has it: `indices[i:] = indices[i+1:] + indices[i:i+1]`) rotates the list in place.
`a = b[:]` (fannkuch's `perm = perm1[:]`) refills the list `a` held when only `a` refers to
it (zrt::list_copy_into: it would die right after the copy is made).

The rotation's fast path is chosen before anything is evaluated, on tests that run no code: `x` a
bound fast local holding an exact list, every name in the bounds a bound local holding an
exact int, the bounds (int literals, those names, their sums and differences) computed
without overflow and 0 <= a <= b <= len(x). Then the two copies, the concatenation and the
slice store leave exactly the list that rotating its tail in place leaves (same items,
same references, same size, so the same allocation) and nothing else anyone can see.
Anything else runs the statement as written. This module must not evaluate any part of
the statement before choosing, or a bound's `__add__` would run twice.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from . import names as nm
from .scopes import FAST

if TYPE_CHECKING:
    from .unit_emitter import UnitEmitter


def parallel_assign(node: ast.Assign) -> bool:
    """`t1, t2, ... = e1, e2, ...`: one target, both sides tuples/lists of the same length
    without starred items (the values can go into the targets without a tuple between)."""
    if len(node.targets) != 1:
        return False
    target, value = node.targets[0], node.value
    return (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, ast.Tuple)
            and len(target.elts) == len(value.elts) >= 2
            and not any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts)))


def _slice_of(node: ast.expr, name: str) -> ast.Slice | None:
    """The slice of `name[lo:hi]` (no step), or None."""
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name
            and isinstance(node.slice, ast.Slice) and node.slice.step is None):
        return node.slice
    return None


def _plain(node: ast.expr | None, names: list[str]) -> bool:
    """An int literal, a name, or a sum/difference of those (the names collected)."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return -(2 ** 62) < node.value < 2 ** 62
    if isinstance(node, ast.Name):
        if node.id not in names:
            names.append(node.id)
        return True
    return (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub))
            and _plain(node.left, names) and _plain(node.right, names))


def _rotation(em: "UnitEmitter", node: ast.Assign) -> tuple[str, ast.expr, ast.expr, list[str]] | None:
    """(list name, a, b, names in the bounds) of `x[a:] = x[b:] + x[a:b]`, or None."""
    if len(node.targets) != 1 or not isinstance(node.value, ast.BinOp) or not isinstance(node.value.op, ast.Add):
        return None
    target = node.targets[0]
    if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)):
        return None
    name = target.value.id
    tsl, left, right = _slice_of(target, name), _slice_of(node.value.left, name), _slice_of(node.value.right, name)
    if tsl is None or left is None or right is None:
        return None
    if tsl.lower is None or tsl.upper is not None or left.lower is None or left.upper is not None:
        return None
    if right.lower is None or right.upper is None:
        return None
    if ast.dump(right.lower) != ast.dump(tsl.lower) or ast.dump(right.upper) != ast.dump(left.lower):
        return None
    names: list[str] = []
    if not (_plain(tsl.lower, names) and _plain(left.lower, names)):
        return None
    if em.access(name) != FAST or em.spec.is_num_local(name) or any(em.access(n) != FAST for n in names):
        return None
    return name, tsl.lower, left.lower, names


def rotate_slice(em: "UnitEmitter", node: ast.Assign) -> bool:
    """Emit the rotation with its in-place fast path; False when the statement is not one."""
    found = _rotation(em, node)
    if found is None:
        return False
    name, lo, hi, names = found
    ok = em.fresh("b")
    lst = f"{nm.LOCAL}{nm.ident(name)}.p"
    em.open("{")
    em.emit(f"bool {ok} = {lst} && PyList_CheckExact({lst});")
    values: dict[str, str] = {}
    for n in names:
        v = values[n] = em.fresh("v")
        var = f"{nm.LOCAL}{nm.ident(n)}"
        getter = f"zrt::num_i64({var}, &{v})" if em.spec.is_num_local(n) else f"zrt::obj_i64({var}.p, &{v})"
        em.emit(f"int64_t {v} = 0;")
        em.emit(f"{ok} = {ok} && {getter};")

    def value(node: ast.expr) -> str:
        if isinstance(node, ast.Constant):
            assert type(node.value) is int
            return f"INT64_C({int(node.value)})"
        if isinstance(node, ast.Name):
            return values[node.id]
        assert isinstance(node, ast.BinOp)
        a, b = value(node.left), value(node.right)
        t = em.fresh("v")
        op = "add" if isinstance(node.op, ast.Add) else "sub"
        em.emit(f"int64_t {t} = 0;")
        em.emit(f"{ok} = {ok} && !__builtin_{op}_overflow({a}, {b}, &{t});")
        return t

    a, b = value(lo), value(hi)
    em.emit(f"{ok} = {ok} && zrt::list_rotate_left({lst}, {a}, {b});")
    em.open(f"if (!{ok}) {{")
    val = em.expr(node.value)
    em.assign(node.targets[0], val, keep=True)
    em.close("}")
    em.close("}")
    return True


def copy_into_dead_list(em: "UnitEmitter", node: ast.Assign) -> bool:
    """`a = b[:]` (a, b fast locals, outside generators): the in-place refill when the
    runtime finds the list a holds dead after the store, else the statement as written.
    The test reads the two locals only (no code runs), so nothing is evaluated twice."""
    if em.gen or len(node.targets) != 1:
        return False
    target, value = node.targets[0], node.value
    if not (isinstance(target, ast.Name) and isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name)):
        return False
    sl, src = value.slice, value.value.id
    if not (isinstance(sl, ast.Slice) and sl.lower is None and sl.upper is None and sl.step is None):
        return False
    if target.id == src or any(em.access(n) != FAST or em.spec.is_num_local(n) for n in (target.id, src)):
        return False
    dst, from_ = f"{nm.LOCAL}{nm.ident(target.id)}.p", f"{nm.LOCAL}{nm.ident(src)}.p"
    em.open(f"if (!({dst} && {from_} && zrt::list_copy_into({dst}, {from_}))) {{")
    val = em.expr(value)
    em.assign(target, val, keep=True)
    em.close("}")
    return True
