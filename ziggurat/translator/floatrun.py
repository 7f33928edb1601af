"""Stage 7, emit (the specialised tier): float runs, straight-line statements on plain doubles.

In: a statement list the UnitEmitter is about to emit, with the unit's Specialiser. Out: for
each *float run* (consecutive statements that only compute floats, see `FloatRuns.eligible`) a
second copy of those statements on C++ `double`s, emitted before the ordinary (generic/Num)
copy, and the ordinary copy itself with a label in front of every statement.

Why: a Num local (runtime/native.hpp) is a tagged value in memory with an owned box, so every
operation tests kinds and every assignment stores and releases; across a run of statements
such as nbody's `dx = x1 - x2 ... v1[0] -= dx * b2m` the C++ compiler cannot keep anything in
registers. In the copy the locals are doubles, checked once at the run's entry.

Deoptimisation: the fast copy never raises and never runs Python code. Everything it cannot do
exactly as CPython would (a local that is not an exact float at entry, a list item that is not
one, division by zero, a `**` outside libm's plain domain, an index out of range, a failed
allocation) jumps to the ordinary copy *at the start of the statement it was running*, after
storing the doubles assigned so far back into their Num locals. Its statements before that
point have done exactly what the ordinary copy would have done (the same stores, the same
float values), and the statement being run has done nothing visible yet (item reads of exact
lists and tuples run no code), so the ordinary copy continues with CPython's behaviour,
raising its errors with its messages.

This module must not emit anything observable that differs from the ordinary copy: no
exception, no call into Python code, no store before the last check of its statement.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from . import names as nm
from .check import own_nodes
from .module_emitter import c_string
from .scopes import FAST, GLOBAL
from .types import MATH_FUNCS

if TYPE_CHECKING:
    from .unit_emitter import UnitEmitter

# float ops on two doubles that are one IEEE operation in CPython (float_add...); `/` and `**`
# have checks of their own
_PLAIN_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
# an int constant converts to a double exactly (CPython's float ops convert it with
# PyLong_AsDouble, which is exact below 2**53)
_EXACT_INT = 2 ** 53
# a run pays for its entry checks and the write-back: worth it from this many operations
MIN_OPS = 2


class FloatRuns:
    """The float runs of one unit (a non-generator function with Num locals)."""

    def __init__(self, em: "UnitEmitter") -> None:
        self.em = em
        self.count = 0
        self._int_locals: frozenset[str] | None = None

    @property
    def int_locals(self) -> frozenset[str]:
        if self._int_locals is None:
            self._int_locals = _likely_int_locals(self.em.unit.node)
        return self._int_locals

    # -- what a run may hold -------------------------------------------------------------------
    def num_local(self, name: str) -> bool:
        return self.em.spec.is_num_local(name) and name not in self.int_locals

    def fast_base(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and self.em.access(node.id) == FAST

    def item(self, node: ast.expr) -> bool:
        """`seq[k]`: a fast local indexed by an int literal."""
        return (isinstance(node, ast.Subscript) and self.fast_base(node.value)
                and isinstance(node.slice, ast.Constant) and type(node.slice.value) is int
                and abs(node.slice.value) < 2 ** 31)

    def attr(self, node: ast.expr) -> bool:
        """`obj.name`: an attribute of a fast local."""
        return isinstance(node, ast.Attribute) and self.fast_base(node.value)

    def math_call(self, node: ast.expr) -> bool:
        """`sqrt(x)` (any of types.MATH_FUNCS by its bare global name) of a float."""
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MATH_FUNCS
                and self.em.access(node.func.id) == GLOBAL and len(node.args) == 1 and not node.keywords
                and not isinstance(node.args[0], ast.Starred) and self.is_float(node.args[0]))

    def leaf(self, node: ast.expr) -> bool:
        """A value read from an object that a run checks is an exact float."""
        return self.item(node) or self.attr(node)

    def is_float(self, node: ast.expr) -> bool:
        """Certainly a float when the run's checks pass (so it is computed as a double)."""
        if isinstance(node, ast.Name):
            return self.num_local(node.id)
        if isinstance(node, ast.Constant):
            return type(node.value) is float
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self.is_float(node.operand)
        if isinstance(node, ast.BinOp) and isinstance(node.op, _OPS):
            sides = (node.left, node.right)
            return (all(self.is_float(s) or _small_int(s) for s in sides)
                    and any(self.is_float(s) for s in sides))
        return self.leaf(node) or self.math_call(node)

    def eligible(self, s: ast.stmt) -> bool:
        if isinstance(s, ast.Assign):
            return (len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)
                    and self.num_local(s.targets[0].id) and self.is_float(s.value))
        if isinstance(s, ast.AugAssign) and isinstance(s.op, _OPS):
            t = s.target
            if isinstance(t, ast.Name):
                return self.num_local(t.id) and self.is_float(s.value)
            if self.leaf(t):
                return self.is_float(s.value) or _small_int(s.value)
        return False

    # -- emission -----------------------------------------------------------------------------
    def stmts(self, body: list[ast.stmt]) -> None:
        em = self.em
        if em.gen is not None or not em.spec.types.num_locals:
            for s in body:
                em.stmt(s)
            return
        k = 0
        while k < len(body):
            j = k
            while j < len(body) and self.eligible(body[j]):
                j += 1
            run = _no_stale_bases(body[k:j])
            j = k + len(run)
            if run and sum(_ops(s) for s in run) >= MIN_OPS:
                self.run(run)
                k = j
            else:
                em.stmt(body[k])
                k += 1

    def run(self, run: list[ast.stmt]) -> None:
        em = self.em
        self.count += 1
        tag = f"FR{self.count}"
        labels = [f"{tag}_s{i}" for i in range(len(run))]
        end = f"{tag}_end"
        fast = _FastCopy(self, tag, labels)
        em.open("{")
        fast.emit(run)
        em.close("}")
        for label, s in zip(labels, run):
            em.label(label)
            em.stmt(s)
        em.label(end)


class _FastCopy:
    """One run's double copy."""

    def __init__(self, runs: FloatRuns, tag: str, labels: list[str]) -> None:
        self.runs = runs
        self.em = runs.em
        self.tag = tag
        self.labels = labels
        self.assigned: list[str] = []  # locals holding their value in a double, in order
        self.boxed: set[str] = set()  # ... of which those whose Num already holds it (with its object)
        self.index = 0  # the statement being emitted
        self.n = 0

    def fresh(self) -> str:
        self.n += 1
        return f"{self.tag}_t{self.n}"

    def var(self, name: str) -> str:
        return f"{self.tag}_{nm.ident(name)}"

    def deopt(self, first: str = "") -> str:
        """The jump to the ordinary copy of the current statement, with the write-back."""
        stores = [f"{nm.LOCAL}{nm.ident(n)}.set_float({self.var(n)});" for n in self.assigned if n not in self.boxed]
        return "{ " + " ".join([*([first] if first else []), *stores, f"goto {self.labels[self.index]};"]) + " }"

    def emit(self, run: list[ast.stmt]) -> None:
        em = self.em
        # the Num locals read before the run assigns them: exact floats at entry
        entry: list[str] = []
        written: set[str] = set()
        for s in run:
            for n in _reads(s):
                if n not in written and n not in entry:
                    entry.append(n)
            t = _target_name(s)
            if t is not None:
                written.add(t)
        if entry:
            cond = " && ".join(f"{nm.LOCAL}{nm.ident(n)}.k == zrt::NUM_FLOAT" for n in entry)
            em.emit(f"if (!({cond})) goto {self.labels[0]};")
        for n in entry:
            em.emit(f"double {self.var(n)} = {nm.LOCAL}{nm.ident(n)}.f;")
        for n in sorted(written - set(entry)):
            em.emit(f"double {self.var(n)} = 0.0;")
        for i, s in enumerate(run):
            self.index = i
            self.stmt(s)
            t = _target_name(s)
            if t is not None and t not in self.assigned:
                self.assigned.append(t)
        self.index = len(run) - 1
        for n in self.assigned:
            if n not in self.boxed:
                em.emit(f"{nm.LOCAL}{nm.ident(n)}.set_float({self.var(n)});")
        em.emit_line(run[-1].lineno)  # where a signal at the back edge finds the frame
        em.emit(f"goto {self.tag}_end;")

    def stmt(self, s: ast.stmt) -> None:
        em = self.em
        if isinstance(s, ast.Assign):
            target = s.targets[0]
            assert isinstance(target, ast.Name)
            if self.runs.leaf(s.value):
                # `x = obj.a`: the local is the very object (identity), stored now, so a later
                # store into obj.a of this run sees it shared and makes a new float
                obj = self.leaf_object(s.value)
                em.emit(f"{self.var(target.id)} = zrt::float_value({obj});")
                em.emit(f"{nm.LOCAL}{nm.ident(target.id)}.set(zrt::newref({obj}));")
                self.boxed.add(target.id)
                return
            v = self.expr(s.value)
            em.emit(f"{self.var(target.id)} = {v};")
            self.boxed.discard(target.id)
        elif isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name):
            cur = self.var(s.target.id)
            v = self.expr(s.value)
            em.emit(f"{cur} = {self.binop(s.op, cur, v)};")
            self.boxed.discard(s.target.id)
        elif isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Attribute):
            at = self.attr_ref(s.target, store=True)
            cur = self.fresh()
            em.emit(f"double {cur} = zrt::float_value(*{at});")
            v = self.expr(s.value)
            out = self.fresh()
            em.emit(f"double {out} = {self.binop(s.op, cur, v)};")
            em.emit(f"if (zrt::attr_store_float({at}, {out}) < 0) {self.deopt('PyErr_Clear();')}")
        else:
            assert isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Subscript)
            seq, idx = self.item_ref(s.target)
            cur = self.fresh()
            em.emit(f"double {cur} = zrt::float_value(zrt::seq_item({seq}, {idx}));")
            v = self.expr(s.value)
            res = self.binop(s.op, cur, v)
            out = self.fresh()
            em.emit(f"double {out} = {res};")
            em.emit(f"if (zrt::list_store_float({seq}, {idx}, {out}) < 0) {self.deopt('PyErr_Clear();')}")

    def leaf_object(self, node: ast.expr) -> str:
        """The (borrowed) exact float object an item or attribute holds, after its checks."""
        if isinstance(node, ast.Attribute):
            return f"*{self.attr_ref(node, store=False)}"
        assert isinstance(node, ast.Subscript)
        seq, idx = self.item_ref(node)
        return f"zrt::seq_item({seq}, {idx})"

    def base(self, name: str) -> str:
        """A fast local's object (nullptr when unbound, or a Num holding a number)."""
        local = f"{nm.LOCAL}{nm.ident(name)}"
        if self.em.spec.is_num_local(name):
            return f"({local}.k == zrt::NUM_OBJ ? {local}.o : nullptr)"
        return f"{local}.p"

    def attr_ref(self, node: ast.Attribute, store: bool) -> str:
        """Checks that `obj.name` is an exact float read (and replaced) without running code;
        the address of the value."""
        em = self.em
        assert isinstance(node.value, ast.Name)
        at = self.fresh()
        attr, cache = em.mod.ident(node.attr), em.mod.attr_cache()
        em.emit(f"PyObject** {at} = zrt::attr_float_slot({self.base(node.value.id)}, {attr}, &{cache}, "
                f"{'true' if store else 'false'});")
        em.emit(f"if (!{at}) {self.deopt()}")
        return at

    def item_ref(self, node: ast.Subscript) -> tuple[str, str]:
        """Checks that `seq[k]` is an exact float item of an exact list (stores) or tuple
        (loads); the sequence and the index."""
        em = self.em
        assert isinstance(node.value, ast.Name) and isinstance(node.slice, ast.Constant)
        name, k = node.value.id, node.slice.value
        assert isinstance(k, int)
        seq, idx = self.fresh(), self.fresh()
        em.emit(f"PyObject* {seq} = {self.base(name)};")
        kind = "zrt::list_float_item" if isinstance(node.ctx, ast.Store) else "zrt::seq_float_item"
        em.emit(f"Py_ssize_t {idx} = {kind}({seq}, {k});")
        em.emit(f"if ({idx} < 0) {self.deopt()}")
        return seq, idx

    def expr(self, node: ast.expr) -> str:
        em = self.em
        if isinstance(node, ast.Name):
            return self.var(node.id)
        if _small_int(node):  # folded first: `x * -0` multiplies by +0.0, as CPython does
            return em.mod._double(float(ast.literal_eval(node)))
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, float)
            return em.mod._double(node.value)
        if isinstance(node, ast.UnaryOp):
            v = self.expr(node.operand)
            return f"(-{v})" if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a = self.expr(node.left)
            b = self.expr(node.right)
            t = self.fresh()
            em.emit(f"double {t} = {self.binop(node.op, a, b)};")
            return t
        if isinstance(node, ast.Call):
            return self.math_call(node)
        t = self.fresh()
        em.emit(f"double {t} = zrt::float_value({self.leaf_object(node)});")
        return t

    def math_call(self, node: ast.Call) -> str:
        """`fn(x)`: the global name checked (without running code) to be math.fn, then libm
        where math_1 returns its result unchanged (zrt::math1_float)."""
        em = self.em
        assert isinstance(node.func, ast.Name)
        fname = node.func.id
        site = em.spec.site()
        em.emit(f"if (!zrt::global_is_builtin(&S, {em.mod.ident(fname)}, \"math\", {_cstr(fname)}, &{site})) {self.deopt()}")
        x = self.expr(node.args[0])
        t = self.fresh()
        em.emit(f"double {t};")
        em.emit(f"if (!zrt::math1_float(::{fname}, {x}, &{t})) {self.deopt()}")
        return t

    def binop(self, op: ast.operator, a: str, b: str) -> str:
        """The double result of `a op b` (both doubles), after its checks."""
        em = self.em
        plain = _PLAIN_OPS.get(type(op))
        if plain is not None:
            return f"{a} {plain} {b}"
        if isinstance(op, ast.Div):
            em.emit(f"if ({b} == 0.0) {self.deopt()}")
            return f"{a} / {b}"
        assert isinstance(op, ast.Pow)
        # CPython's float_pow is libm's pow with no special case exactly here (native.hpp)
        t = self.fresh()
        em.emit(f"if (!({a} > 0.0 && isfinite({a}) && isfinite({b}))) {self.deopt()}")
        em.emit(f"double {t} = zrt::libm_pow({a}, {b});")
        em.emit(f"if (!isfinite({t})) {self.deopt()}")
        return t


def _no_stale_bases(run: list[ast.stmt]) -> list[ast.stmt]:
    """The run up to the first statement indexing a local the run assigned before it (the
    fast copy reads item bases from the locals, which it writes back only at its end)."""
    written: set[str] = set()
    for i, s in enumerate(run):
        bases = {n.value.id for n in ast.walk(s)
                 if isinstance(n, (ast.Subscript, ast.Attribute)) and isinstance(n.value, ast.Name)}
        if bases & written:
            return run[:i]
        t = _target_name(s)
        if t is not None:
            written.add(t)
    return run


def _small_int(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _small_int(node.operand)
    return isinstance(node, ast.Constant) and type(node.value) is int and abs(node.value) <= _EXACT_INT


def _ops(s: ast.stmt) -> int:
    return sum(isinstance(n, (ast.BinOp, ast.AugAssign)) for n in ast.walk(s))


def _target_name(s: ast.stmt) -> str | None:
    if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name):
        return s.targets[0].id
    if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name):
        return s.target.id
    return None


def _reads(s: ast.stmt) -> list[str]:
    """The Num locals a run statement reads as floats, in order (an augmented target first)."""
    out: list[str] = []
    if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name):
        out.append(s.target.id)
    value = s.value if isinstance(s, (ast.Assign, ast.AugAssign)) else None
    if value is not None:
        for n in ast.walk(value):
            if isinstance(n, ast.Name) and not _is_item_base(value, n):
                out.append(n.id)
    return out


def _is_item_base(root: ast.expr, name: ast.Name) -> bool:
    """An item's or attribute's object, or a called function (not read as a float)."""
    return any((isinstance(n, (ast.Subscript, ast.Attribute)) and n.value is name)
               or (isinstance(n, ast.Call) and n.func is name) for n in ast.walk(root))


def _likely_int_locals(node: ast.AST) -> frozenset[str]:
    """Loop variables a function binds to ints (`for i in range(...)`, enumerate's index):
    their statements are left to the Num code rather than failing the run's entry check."""
    out: set[str] = set()
    for n in own_nodes(node):
        if isinstance(n, ast.For) and isinstance(n.target, ast.Name) and isinstance(n.iter, ast.Call):
            f = n.iter.func
            if isinstance(f, ast.Name) and f.id in ("range", "len"):
                out.add(n.target.id)
        elif isinstance(n, ast.For) and isinstance(n.iter, ast.Call) and isinstance(n.iter.func, ast.Name) \
                and n.iter.func.id == "enumerate" and isinstance(n.target, ast.Tuple) and n.target.elts \
                and isinstance(n.target.elts[0], ast.Name):
            out.add(n.target.elts[0].id)
    return frozenset(out)


def _cstr(s: str) -> str:
    return c_string(s.encode("utf-8", "surrogatepass"))
