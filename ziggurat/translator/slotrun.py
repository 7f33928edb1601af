"""Stage 7, emit (the specialised tier, part of floatrun.py's fast copy): one check per object
and run for the attributes a run of attribute stores reads and writes (runtime/slotrun.hpp).

A run qualifies when every statement is `obj.a = <value>` or `obj.a op= <value>` with a plain
name as `obj` (float's Point.maximize), or also binds locals (`x = self.x`, `self.x = x = ...`:
normalize, __init__) that are bound nowhere else in the function, are not its parameters,
and the run is in no loop: such a local is unbound whenever the run starts, so binding it
releases nothing. Nothing between the run's first and last access then runs code or
changes a type (its stores release exact floats; its allocations are floats). At the run's
entry each object named in it gets `slot_run_guard` (the offsets of all its attributes in the
run, when each is a plain `__slots__` member of its type); every access then reads the offset
when the guard held and goes through its own site (attr_float_slot) otherwise.

This module must not take a run in which anything but the run's own float stores happens
between two accesses (a rebound local, a subscript store).
"""

from __future__ import annotations

import ast
from typing import Callable

from . import names as nm
from .check import own_nodes

# attributes of one object in one run the runtime takes (zrt::SLOT_RUN_MAX)
_MAX = 8


def _stores(run: list[ast.stmt]) -> set[str] | None:
    """The local names the run binds, when it is only assignments to attributes and names
    and augmented assignments to attributes; None otherwise."""
    names: set[str] = set()
    for s in run:
        if isinstance(s, ast.Assign):
            for t in s.targets:
                if isinstance(t, ast.Name):
                    names.add(t.id)
                elif not isinstance(t, ast.Attribute):
                    return None
        elif not (isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Attribute)):
            return None
    return names


def _binds(n: ast.AST) -> set[str]:
    """The names a node of a function body binds (any way but as a plain name target)."""
    if isinstance(n, ast.alias):
        return {n.asname or n.name.split(".")[0]}
    if isinstance(n, ast.ExceptHandler):
        return {n.name} if n.name else set()
    if isinstance(n, (ast.Global, ast.Nonlocal)):
        return set(n.names)
    if isinstance(n, (ast.MatchAs, ast.MatchStar)):
        return {n.name} if n.name else set()
    if isinstance(n, ast.MatchMapping):
        return {n.rest} if n.rest else set()
    return set()


def _unbound_at_entry(unit: ast.AST, run: list[ast.stmt], names: set[str]) -> bool:
    """Is each of `names` unbound whenever the run starts (bound only by the run, not a
    parameter, the run in no loop)?"""
    if not names:
        return True
    if not isinstance(unit, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    a = unit.args
    params = {p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)}
    params |= {p.arg for p in (a.vararg, a.kwarg) if p is not None}
    if names & params:
        return False
    inside = {id(n) for s in run for n in ast.walk(s)}
    for n in own_nodes(unit):
        if isinstance(n, (ast.For, ast.AsyncFor, ast.While)) and id(run[0]) in {id(m) for m in ast.walk(n)}:
            return False
        if isinstance(n, ast.Name) and n.id in names and not isinstance(n.ctx, ast.Load) and id(n) not in inside:
            return False
        if _binds(n) & names:
            return False
    return True


class SlotGuard:
    """The guards of one run: per object name, the C variable holding its offsets (or
    nullptr) and the position of each of its attributes there."""

    def __init__(self, guards: dict[str, str], index: dict[int, tuple[str, int]]) -> None:
        self.guards = guards
        self.index = index  # id(Attribute node) -> (guard variable, position)

    def site(self, node: ast.Attribute, base: str, call: str, store_only: bool) -> str:
        """The address expression of an access: through the guard's offset when it held,
        else `call` (the access's own site)."""
        found = self.index.get(id(node))
        if found is None:
            return call
        g, k = found
        how = "slot_run_store" if store_only else "slot_run_float"
        return f"({g} ? zrt::{how}({base}, {g}[{k}]) : {call})"


def slot_guard(unit: ast.AST, run: list[ast.stmt], tag: str, base: Callable[[str], str],
               ident: Callable[[str], str], emit: Callable[[str], None]) -> SlotGuard | None:
    """Emits the guards of a run of `unit` (at its entry) and returns them, or None when the
    run does not qualify (see the module docstring). `base(name)` is a local's object
    expression, `ident` an attribute name's interned str."""
    bound = _stores(run)
    if bound is None or not _unbound_at_entry(unit, run, bound):
        return None
    attrs: dict[str, list[str]] = {}
    nodes: list[ast.Attribute] = []
    for s in run:
        for n in ast.walk(s):
            if isinstance(n, ast.Attribute):
                if not isinstance(n.value, ast.Name):
                    return None
                seen = attrs.setdefault(n.value.id, [])
                if n.attr not in seen:
                    seen.append(n.attr)
                nodes.append(n)
    if not attrs or any(len(a) > _MAX for a in attrs.values()):
        return None
    guards: dict[str, str] = {}
    for i, (obj, seen) in enumerate(attrs.items()):
        g = f"{tag}_g{i}"
        emit(f"static const unsigned short {g}n[] = {{{', '.join(_name_index(ident(a)) for a in seen)}}};")
        emit(f"static zrt::SlotRunCache {g}c;")
        emit(f"const Py_ssize_t* {g} = zrt::slot_run_guard({base(obj)}, &{g}c, {nm.NAME_ARRAY}, {g}n, {len(seen)});")
        guards[obj] = g
    index = {}
    for n in nodes:
        assert isinstance(n.value, ast.Name)
        index[id(n)] = (guards[n.value.id], attrs[n.value.id].index(n.attr))
    return SlotGuard(guards, index)


def _name_index(ident: str) -> str:
    """The index in the module's name table of an identifier's expression (`N[11]` -> 11)."""
    prefix = nm.NAME_ARRAY + "["
    assert ident.startswith(prefix) and ident.endswith("]"), ident
    return ident[len(prefix):-1]
