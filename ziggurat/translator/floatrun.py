"""Stage 7, emit (the specialised tier): runs, straight-line numeric statements on plain C++ values.

In: a statement list the UnitEmitter is about to emit, with the unit's Specialiser. Out: for
each *run* (consecutive statements that only compute floats and ints, see `FloatRuns.eligible`)
a second copy of those statements on C++ `double`s and `int64_t`s, emitted before the ordinary
(generic/Num) copy, and the ordinary copy itself with a label in front of every statement.

Why: a Num local (runtime/native.hpp) is a tagged value in memory with an owned box, so every
operation tests kinds and every assignment stores and releases; across a run of statements
such as nbody's `dx = x1 - x2 ... v1[0] -= dx * b2m` the C++ compiler cannot keep anything in
registers. In the copy the locals are doubles or int64s, their kinds checked once at the
run's entry (a local is an int in runs when FloatRuns.int_locals says it is likely one).

Attributes: `obj.a = <float>` (float's Point.__init__ and maximize) stores into a slot whose
old value is an exact float or an empty __slots__ member (replacing them runs no code); a
value that is an object the run read (`obj.a`, or `a if x > y else b` of such) is stored as
that very object, as CPython stores it (identity), anything computed as a float object.

Calls: `f(i, j)` of a module-level function whose body is one `return <expression>` of its
parameters (spectral_norm's eval_A) is computed in place (FloatRuns.inline_call), as the
function's own run would compute it, once the global `f` is checked (without running code)
to hold the function of that code and the call not to reach the recursion limit: the call
then pushes a frame no one can see, runs no code of its own and returns a new number.

Deoptimisation: the fast copy never raises and runs no Python code of its own (only `x = obj.a`
and `obj.a = x = ...` release x's old value, at the very point the ordinary copy's store would). Everything it
cannot do exactly as CPython would (a local not of its kind at entry, a list item or attribute
that is not an exact float, int overflow, division by zero, a `**` or math function outside
libm's plain domain, an index out of range, a failed allocation) jumps to the ordinary copy
*at the start of the statement it was running*, after storing the values assigned so far back
into their Num locals. Its statements before that
point have done exactly what the ordinary copy would have done (the same stores, the same
float values), and the statement being run has done nothing visible yet (item reads of exact
lists and tuples run no code), so the ordinary copy continues with CPython's behaviour,
raising its errors with its messages.

This module must not emit anything observable that differs from the ordinary copy: no
exception, no call into Python code, no store before the last check of its statement.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Callable

from . import names as nm
from .box_identity import value_only_local
from .check import own_nodes, without_docstring
from .module_emitter import c_string
from .scopes import FAST, GLOBAL, Scope
from .slotrun import SlotGuard, slot_guard
from .types import MATH_FUNCS

if TYPE_CHECKING:
    from .fusedloop import NestLink
    from .unit_emitter import UnitEmitter

# float ops on two doubles that are one IEEE operation in CPython (float_add...); `/` and `**`
# have checks of their own
_PLAIN_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
# int64 ops with their overflow and zero checks; int / int is a float
_INT_OPS = (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)
_CTYPE = {"f": "double", "i": "int64_t"}
# operations on ints far more often than on floats: their operands are taken for ints
_INT_ONLY_OPS = (ast.FloorDiv, ast.Mod, ast.LShift, ast.RShift, ast.BitAnd, ast.BitOr, ast.BitXor)
# an int constant converts to a double exactly (CPython's float ops convert it with
# PyLong_AsDouble, which is exact below 2**53)
_EXACT_INT = 2 ** 53
# `a < b` on two doubles (or two int64s) is CPython's float (int) rich comparison, NaN included
_CMP_OPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
# a run pays for its entry checks and the write-back: worth it from this many operations
MIN_OPS = 2


class FloatRuns:
    """The float runs of one unit (a non-generator function with Num locals)."""

    def __init__(self, em: "UnitEmitter") -> None:
        self.em = em
        self.count = 0
        self._int_locals: frozenset[str] | None = None
        self._math_views: frozenset[str] | None = None
        # runs whose tag a fused loop (fusedloop.py) took first, by their first statement
        self.reserved: dict[int, str] = {}
        # loops of a nest (fusedloop.nest_start), by node
        self.nests: dict[int, "NestLink"] = {}

    @property
    def int_locals(self) -> frozenset[str]:
        if self._int_locals is None:
            self._int_locals = _likely_int_locals(self.em.unit.node)
            # then the locals every assignment gives an int (`q = a // b`), to a fixed point
            assigns: dict[str, list[ast.expr]] = {}
            nodes = own_nodes(self.em.unit.node)
            plain: set[int] = set()  # the targets of `name = v` / `name op= v`
            for n in nodes:
                if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
                    assigns.setdefault(n.targets[0].id, []).append(n.value)
                    plain.add(id(n.targets[0]))
                elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                    assigns.setdefault(n.target.id, []).append(ast.BinOp(n.target, n.op, n.value))
                    plain.add(id(n.target))
            for n in nodes:  # any other binding (for, with, :=, del...) may bind anything
                if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load) and id(n) not in plain:
                    assigns.setdefault(n.id, []).append(ast.Constant(None))
            changed = True
            while changed:
                changed = False
                for name, values in assigns.items():
                    if name not in self._int_locals and all(self.kind(v) == "i" for v in values):
                        self._int_locals = self._int_locals | {name}
                        changed = True
        return self._int_locals

    @property
    def math_views(self) -> frozenset[str]:
        """The parameters that are the caller's Nums (methodcalls.views_of) read only as the
        argument of math functions (`sin(i)` in float's `Point.__init__`): either kind may
        come, so runs read them as object_local's are read, from the Num."""
        if self._math_views is None:
            args: set[int] = set()
            loads: list[ast.Name] = []
            for n in own_nodes(self.em.unit.node):
                if (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in MATH_FUNCS
                        and len(n.args) == 1):
                    args.add(id(n.args[0]))
                elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                    loads.append(n)
            self._math_views = frozenset(v for v in self.em.views
                                         if all(id(n) in args for n in loads if n.id == v))
        return self._math_views

    # -- what a run may hold -------------------------------------------------------------------
    def local_kind(self, name: str) -> str | None:
        """A Num local's kind in runs: "i" (int64) for likely ints, "f" (double) otherwise."""
        if not self.em.spec.is_num_local(name) or name in self.math_views:
            return None
        return "i" if name in self.int_locals else "f"

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
                and not isinstance(node.args[0], ast.Starred)
                and (self.kind(node.args[0]) is not None or self.object_local(node.args[0])))

    def object_local(self, node: ast.expr) -> bool:
        """A fast local that is not a Num (`i` in float's `Point.__init__`): as a math
        function's argument it is checked to be an exact float or int (math_1 converts an
        int to the same double as C does: correctly rounded)."""
        return (isinstance(node, ast.Name) and self.em.access(node.id) == FAST
                and (not self.em.spec.is_num_local(node.id) or node.id in self.math_views))

    def leaf(self, node: ast.expr) -> bool:
        """A value read from an object that a run checks is an exact float."""
        return self.item(node) or self.attr(node)

    def is_float(self, node: ast.expr) -> bool:
        return self.kind(node) == "f"

    def kind(self, node: ast.expr) -> str | None:
        """"f": certainly an exact float when the run's checks pass (computed as a double);
        "i": an exact int that fits in int64 (computed as an int64_t); None: not in a run."""
        if isinstance(node, ast.Name):
            return self.local_kind(node.id)
        if _small_int(node):
            return "i"
        if isinstance(node, ast.Constant):
            return "f" if type(node.value) is float else None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self.kind(node.operand)
        if isinstance(node, ast.IfExp):
            # `a if x > y else b`: the test a comparison of two numbers, both values of one kind
            k = self.kind(node.body)
            return k if self.compare(node.test) and k is not None and self.kind(node.orelse) == k else None
        if isinstance(node, ast.BinOp):
            a, b = self.kind(node.left), self.kind(node.right)
            if a is None or b is None:
                return None
            if a == b == "i":
                if isinstance(node.op, _INT_OPS):
                    return "i"
                return "f" if isinstance(node.op, ast.Div) else None
            return "f" if isinstance(node.op, _OPS) else None
        callee = self.inline_call(node)
        if callee is not None:
            return callee.kind(callee.value)
        return "f" if self.leaf(node) or self.math_call(node) else None

    def inline_call(self, node: ast.expr) -> "_Callee | None":
        """`f(a, b)`, f a module-level function whose body returns one expression of its
        parameters (inline_bodies), called with numbers of the run or object locals (checked
        to be an exact int or float): the run computes the return value in place, after
        checking that the global f is still that function and that the call would not raise
        RecursionError (spectral_norm's `eval_A(i, j) * u_j`). The arguments' kinds are the
        parameters' kinds; an object local's is the callee's likely kind."""
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords):
            return None
        fn = self.em.mod.direct_inline.get(node.func.id)
        if fn is None or self.em.access(node.func.id) != GLOBAL:
            return None
        params = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args]]
        if len(params) != len(node.args) or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        likely = _likely_int_locals(fn)
        kinds: dict[str, str] = {}
        for p, a in zip(params, node.args):
            k = self.kind(a)
            if k is None and self.object_local(a):
                k = "i" if p in likely else "f"
            if k is None:
                return None
            kinds[p] = k
        ret = fn.body[-1]
        assert isinstance(ret, ast.Return) and ret.value is not None
        callee = _Callee(self.em, kinds, ret.value)
        return callee if callee.kind(ret.value) is not None else None

    def compare(self, node: ast.expr) -> bool:
        """`x < y` (one comparison of _CMP_OPS) of two numbers of the run."""
        return (isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMP_OPS
                and self.kind(node.left) is not None and self.kind(node.comparators[0]) is not None)

    def objects(self, node: ast.expr) -> bool:
        """Is the value an exact float object the run reads (a leaf, or a choice between
        leaves)? Storing it stores that very object, as CPython does (identity)."""
        if isinstance(node, ast.IfExp):
            return self.kind(node) == "f" and self.objects(node.body) and self.objects(node.orelse)
        return self.leaf(node)

    def chained(self, s: ast.Assign) -> bool:
        """`obj.a = x = <float>` (float's `self.x = x = sin(i)`): attributes, then float
        locals. Releasing a local's old value may run code (a __del__): nothing of the
        statement is left to do after it, as nothing of the run is left after `x = obj.a`."""
        attrs = [t for t in s.targets if not isinstance(t, ast.Name)]
        names = [t for t in s.targets if isinstance(t, ast.Name)]
        bases = {t.value.id for t in attrs if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)}
        return (all(self.attr(t) for t in attrs) and s.targets == [*attrs, *names]
                and all(self.local_kind(t.id) == "f" and t.id not in bases for t in names)
                and len({t.id for t in names}) == len(names) and self.kind(s.value) == "f")

    def eligible(self, s: ast.stmt) -> bool:
        if isinstance(s, (ast.Assign, ast.Return)) and s.value is not None and _is_existing_object(s.value):
            # CPython stores (returns) that very object; a run would make a new one and `is`
            # would tell them apart
            return False
        if isinstance(s, ast.Assign):
            t = s.targets[0]
            if len(s.targets) == 1 and self.attr(t):
                # `obj.a = <float>`: into a slot that holds an exact float or an empty __slots__ member
                return self.kind(s.value) == "f"
            if len(s.targets) > 1:
                return self.chained(s)
            return (len(s.targets) == 1 and isinstance(t, ast.Name) and self.local_kind(t.id) is not None
                    and self.kind(s.value) == self.local_kind(t.id))
        if isinstance(s, ast.AugAssign):
            t = s.target
            if isinstance(t, ast.Name):
                k = self.local_kind(t.id)
                return k is not None and self.kind(ast.BinOp(t, s.op, s.value)) == k
            if self.leaf(t):
                return self.kind(ast.BinOp(t, s.op, s.value)) == "f"
        if isinstance(s, ast.Return):
            # a direct entry's unboxed return, outside any `try`/`with` (their cleanups)
            em = self.em
            return (em.direct is not None and s.value is not None and self.kind(s.value) is not None
                    and not _leaves_cleanups(em))
        return False

    # -- emission -----------------------------------------------------------------------------
    def stmts(self, body: list[ast.stmt]) -> None:
        em = self.em
        # (a unit without Num locals still has runs of attribute stores: float's maximize)
        if em.gen is not None:
            for s in body:
                em.stmt(s)
            return
        k = 0
        while k < len(body):
            j = k
            while j < len(body) and self.eligible(body[j]):
                j += 1
                if isinstance(body[j - 1], ast.Return):
                    break
            run = _no_stale_bases(body[k:j])
            j = k + len(run)
            if run and sum(_ops(s) for s in run) >= MIN_OPS:
                self.run(run)
                k = j
            else:
                em.stmt(body[k])
                k += 1

    def reserve(self, body: list[ast.stmt]) -> str:
        """The tag of the run that will be `body` (fusedloop.py jumps to its statements)."""
        self.count += 1
        tag = self.reserved[id(body[0])] = f"FR{self.count}"
        return tag

    def run(self, run: list[ast.stmt]) -> None:
        em = self.em
        tag = self.reserved.pop(id(run[0]), "")
        fused = bool(tag)
        if not tag:
            self.count += 1
            tag = f"FR{self.count}"
        labels = [f"{tag}_s{i}" for i in range(len(run))]
        end = f"{tag}_end"
        # The body of a fused loop (fusedloop.py) runs natively in the fused section; its
        # ordinary copy runs only for items the section did not take (another shape or
        # kind, an iterator, a deoptimisation): a second native copy there would cost
        # compile time (nbody's advance: a third of its code) for the rare case
        if not fused:
            fast = _FastCopy(self, tag, labels)
            em.open("{")
            fast.emit(run)
            em.close("}")
        for label, s in zip(labels, run):
            em.label(label)
            em.stmt(s)
        em.label(end)


class _Callee(FloatRuns):
    """The kinds in an inlined callee's return expression (FloatRuns.inline_call): its
    parameters have the kinds of the call's arguments; nothing else of a run is in it."""

    def __init__(self, em: "UnitEmitter", kinds: dict[str, str], value: ast.expr) -> None:
        super().__init__(em)
        self.kinds = kinds
        self.value = value

    def local_kind(self, name: str) -> str | None:
        return self.kinds.get(name)

    def item(self, node: ast.expr) -> bool:
        return False

    def attr(self, node: ast.expr) -> bool:
        return False

    def math_call(self, node: ast.expr) -> bool:
        return False

    def object_local(self, node: ast.expr) -> bool:
        return False

    def inline_call(self, node: ast.expr) -> "_Callee | None":
        return None


def inline_bodies(direct: dict[str, Scope]) -> dict[str, ast.FunctionDef]:
    """The direct functions (types.direct_functions) a float run may compute in place where
    it calls them: undecorated, the body (after a docstring) one `return <expression>` that
    makes a new number (not a parameter or constant: CPython returns that very object)."""
    out: dict[str, ast.FunctionDef] = {}
    for name, scope in direct.items():
        fn = scope.node
        if not isinstance(fn, ast.FunctionDef) or fn.decorator_list:
            continue
        body = without_docstring(fn.body)
        if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None \
                and not _is_existing_object(body[0].value):
            out[name] = fn
    return out


class _FastCopy:
    """One run's copy on C++ doubles and int64s."""

    def __init__(self, runs: FloatRuns, tag: str, labels: list[str]) -> None:
        self.runs = runs  # (a callee's while its return value is inlined)
        self.unit_runs = runs
        self.em = runs.em
        self.tag = tag
        self.labels = labels
        self.assigned: list[str] = []  # locals holding their value in a C variable, in order
        self.boxed: set[str] = set()  # ... of which those whose Num already holds it (with its object)
        self.index = 0  # the statement being emitted
        self.n = 0
        self.args: dict[str, str] | None = None  # in an inlined callee: its parameters' C values
        self.slot_guard: SlotGuard | None = None  # a run of attribute stores: slotrun.py

    def fresh(self) -> str:
        self.n += 1
        return f"{self.tag}_t{self.n}"

    def var(self, name: str) -> str:
        # (`_v_`: a local named `t1`, `k` or `done` must not be the run's temporary, a fused
        # loop's index or flag: one shadowed the other)
        return f"{self.tag}_v_{nm.ident(name)}"

    def kind(self, name: str) -> str:
        """A local of the run's unit (while a callee is inlined too)."""
        k = self.unit_runs.local_kind(name)
        assert k is not None
        return k

    def store_back(self, name: str) -> str:
        how = "set_float" if self.kind(name) == "f" else "set_int"
        return f"{nm.LOCAL}{nm.ident(name)}.{how}({self.var(name)});"

    def deopt(self, first: str = "") -> str:
        """The jump to the ordinary copy of the current statement, with the write-back."""
        stores = [self.store_back(n) for n in self.assigned if n not in self.boxed]
        return "{ " + " ".join([*([first] if first else []), *stores, f"goto {self.labels[self.index]};"]) + " }"

    def emit(self, run: list[ast.stmt]) -> None:
        em = self.em
        # the Num locals read before the run assigns them: of their kind at entry
        entry: list[str] = []
        written: set[str] = set()
        for s in run:
            for n in _reads(s):
                if n not in written and n not in entry and self.runs.local_kind(n) is not None:
                    entry.append(n)
            written.update(_target_names(s))
        if entry:
            cond = " && ".join(f"{nm.LOCAL}{nm.ident(n)}.k == zrt::{'NUM_FLOAT' if self.kind(n) == 'f' else 'NUM_INT'}"
                               for n in entry)
            em.emit(f"if (!({cond})) goto {self.labels[0]};")
        for n in entry:
            em.emit(f"{_CTYPE[self.kind(n)]} {self.var(n)} = {nm.LOCAL}{nm.ident(n)}.{self.kind(n)};")
        for n in sorted(written - set(entry)):
            em.emit(f"{_CTYPE[self.kind(n)]} {self.var(n)} = 0;")
        self.slot_guard = slot_guard(em.unit.node, run, self.tag, self.base, em.mod.ident, em.emit)
        for i, s in enumerate(run):
            self.index = i
            self.stmt(s)
            self.assigned.extend(t for t in _target_names(s) if t not in self.assigned)
        if isinstance(run[-1], ast.Return):
            return
        for n in self.assigned:
            if n not in self.boxed:
                em.emit(self.store_back(n))
        em.emit_line(run[-1].lineno)  # where a signal at the back edge finds the frame
        em.emit(f"goto {self.tag}_end;")

    def stmt(self, s: ast.stmt) -> None:
        em = self.em
        if isinstance(s, ast.Return):
            assert s.value is not None
            k = self.runs.kind(s.value)
            v = self.expr(s.value)
            em.emit(f"return zrt::{'num_float' if k == 'f' else 'num_int'}({v});")
        elif isinstance(s, ast.Assign) and len(s.targets) > 1:
            self.chained(s)
        elif isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Attribute):
            store = s.targets[0]
            if self.runs.objects(s.value):
                # the object itself (identity); releasing the old exact float runs no code
                obj = self.object(s.value)
                at = self.attr_store_ref(store)
                em.emit(f"zrt::attr_store_object({at}, {obj});")
                return
            v = self.expr(s.value)
            at = self.attr_store_ref(store)
            em.emit(f"if (zrt::attr_store_float({at}, {v}) < 0) {self.deopt('PyErr_Clear();')}")
        elif isinstance(s, ast.Assign):
            target = s.targets[0]
            assert isinstance(target, ast.Name)
            if self.runs.objects(s.value):
                # `x = obj.a`: the local is the very object (identity), stored now, so a later
                # store into obj.a of this run sees it shared and makes a new float
                obj = self.object(s.value)
                em.emit(f"{self.var(target.id)} = zrt::float_value({obj});")
                em.emit(self.bind_read(target.id, obj))
                self.boxed.add(target.id)
                return
            v = self.expr(s.value)
            em.emit(f"{self.var(target.id)} = {v};")
            self.boxed.discard(target.id)
        elif isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name):
            cur = self.var(s.target.id)
            v = self.arith(s.op, cur, self.kind(s.target.id), self.expr(s.value), self.runs.kind(s.value))
            em.emit(f"{cur} = {v};")
            self.boxed.discard(s.target.id)
        elif isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Attribute):
            at = self.attr_ref(s.target, store=True)
            cur = self.fresh()
            em.emit(f"double {cur} = zrt::float_value(*{at});")
            out = self.fresh()
            em.emit(f"double {out} = {self.arith(s.op, cur, 'f', self.expr(s.value), self.runs.kind(s.value))};")
            em.emit(f"if (zrt::attr_store_float({at}, {out}) < 0) {self.deopt('PyErr_Clear();')}")
        else:
            assert isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Subscript)
            seq, idx = self.item_ref(s.target)
            cur = self.fresh()
            em.emit(f"double {cur} = zrt::float_value(zrt::list_item({seq}, {idx}));")
            out = self.fresh()
            em.emit(f"double {out} = {self.arith(s.op, cur, 'f', self.expr(s.value), self.runs.kind(s.value))};")
            em.emit(f"if ({self.item_store(seq, idx, out)} < 0) {self.deopt('PyErr_Clear();')}")

    def item_store(self, seq: str, idx: str, value: str) -> str:
        """The call replacing the exact float item `seq[idx]` (checked) by `value`."""
        return f"zrt::list_store_float({seq}, {idx}, {value})"

    def chained(self, s: ast.Assign) -> None:
        """`obj.a = x = <float>`: one object (the value's own, or one new float) stored into
        every target, left to right, after every check."""
        em = self.em
        if self.runs.objects(s.value):
            box, owned = self.object(s.value), False
            v = f"zrt::float_value({box})"
        else:
            v, box, owned = self.expr(s.value), self.fresh(), True
        ats = [self.attr_store_ref(t) for t in s.targets if isinstance(t, ast.Attribute)]
        if owned:
            em.emit(f"PyObject* {box} = PyFloat_FromDouble({v});")
            em.emit(f"if (!{box}) {self.deopt('PyErr_Clear();')}")
        for at in ats:
            em.emit(f"zrt::attr_store_object({at}, {box});")
        for t in s.targets:
            if isinstance(t, ast.Name):
                em.emit(f"{self.var(t.id)} = {v};")
                em.emit(self.bind_read(t.id, box))
                self.boxed.add(t.id)
        if owned:
            em.emit(f"Py_DECREF({box});")

    def bind_read(self, name: str, box: str) -> str:
        """The local `name` given the float object `box` the run read (its C double already
        assigned): the object itself, or only its value when no read of the local can show
        the object (box_identity.py: `self.x /= norm` then reuses the attribute's float)."""
        local = f"{nm.LOCAL}{nm.ident(name)}"
        if value_only_local(self.em.unit.node, name):
            return f"{local}.set_float({self.var(name)});"
        return f"{local}.set(zrt::newref({box}));"

    def object(self, node: ast.expr) -> str:
        """The (borrowed) exact float object a value FloatRuns.objects accepts is, after its
        checks (only the chosen branch of a choice is read, as CPython reads it)."""
        if not isinstance(node, ast.IfExp):
            return self.leaf_object(node)
        return self.choose(node, "PyObject*", self.object)

    def choose(self, node: ast.IfExp, ctype: str, value: Callable[[ast.expr], str]) -> str:
        """`a if x < y else b` into a C variable of `ctype`: only the chosen branch is
        computed (its checks too), each by `value`."""
        em = self.em
        cond = self.compare(node.test)
        t = self.fresh()
        em.emit(f"{ctype} {t};")
        em.open(f"if ({cond}) {{")
        em.emit(f"{t} = {value(node.body)};")
        em.close("}")
        em.open("else {")
        em.emit(f"{t} = {value(node.orelse)};")
        em.close("}")
        return t

    def compare(self, node: ast.expr) -> str:
        """The C condition of a comparison FloatRuns.compare accepts, after its checks."""
        assert isinstance(node, ast.Compare)
        left, right = node.left, node.comparators[0]
        ka, kb = self.runs.kind(left), self.runs.kind(right)
        a, b = self.expr(left), self.expr(right)
        if ka != kb:  # CPython compares an int with a float exactly: the int must convert exactly
            i = a if ka == "i" else b
            self.em.emit(f"if (!zrt::exact_double({i})) {self.deopt()}")
            a, b = (f"(double){a}" if ka == "i" else a), (f"(double){b}" if kb == "i" else b)
        return f"({a} {_CMP_OPS[type(node.ops[0])]} {b})"

    def attr_store_ref(self, node: ast.Attribute) -> str:
        """Checks that storing into `obj.name` runs no code (its slot holds an exact float or
        is an empty __slots__ member); the address of the value."""
        em = self.em
        assert isinstance(node.value, ast.Name)
        at = self.fresh()
        attr, cache = em.mod.ident(node.attr), em.mod.attr_cache()
        obj = self.base(node.value.id)
        call = f"zrt::attr_float_store_slot({obj}, {attr}, &{cache})"
        em.emit(f"PyObject** {at} = {self.slot_guard.site(node, obj, call, True) if self.slot_guard else call};")
        em.emit(f"if (!{at}) {self.deopt()}")
        return at

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
        obj = self.base(node.value.id)
        call = f"zrt::attr_float_slot({obj}, {attr}, &{cache}, {'true' if store else 'false'})"
        em.emit(f"PyObject** {at} = {self.slot_guard.site(node, obj, call, False) if self.slot_guard else call};")
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
        """C code for the value of `node` in its kind (FloatRuns.kind), after its checks."""
        em = self.em
        if isinstance(node, ast.Name):
            return self.var(node.id) if self.args is None else self.args[node.id]
        if _small_int(node):  # folded first: `x * -0` multiplies by +0.0, as CPython does
            return f"INT64_C({_small_int_value(node)})"
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, float)
            return em.mod._double(node.value)
        if isinstance(node, ast.UnaryOp):
            v = self.expr(node.operand)
            if isinstance(node.op, ast.UAdd):
                return v
            if self.runs.kind(node.operand) == "i":
                em.emit(f"if ({v} == INT64_MIN) {self.deopt()}")
            return f"(-{v})"
        if isinstance(node, ast.BinOp):
            a = self.expr(node.left)
            b = self.expr(node.right)
            t = self.fresh()
            k = self.runs.kind(node)
            assert k is not None
            em.emit(f"{_CTYPE[k]} {t} = {self.arith(node.op, a, self.runs.kind(node.left), b, self.runs.kind(node.right))};")
            return t
        if isinstance(node, ast.Call):
            callee = self.runs.inline_call(node)
            return self.math_call(node) if callee is None else self.inline(node, callee)
        if isinstance(node, ast.IfExp):
            k = self.runs.kind(node)
            assert k is not None
            return self.choose(node, _CTYPE[k], self.expr)
        t = self.fresh()
        em.emit(f"double {t} = zrt::float_value({self.leaf_object(node)});")
        return t

    def arith(self, op: ast.operator, a: str, ka: str | None, b: str, kb: str | None) -> str:
        """`a op b` of two values of kinds ka, kb, after its checks (an int side of a float
        operation converts as CPython's float ops convert it: correctly rounded)."""
        if ka == kb == "i":
            return self.int_op(op, a, b)
        return self.binop(op, a if ka == "f" else f"(double){a}", b if kb == "f" else f"(double){b}")

    def int_op(self, op: ast.operator, a: str, b: str) -> str:
        """int64 arithmetic exactly where CPython's int result fits (zrt::num_binop's rules)."""
        em = self.em
        t = self.fresh()
        builtin = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul"}.get(type(op))
        if builtin is not None:
            em.emit(f"int64_t {t};")
            em.emit(f"if (__builtin_{builtin}_overflow({a}, {b}, &{t})) {self.deopt()}")
        elif isinstance(op, ast.FloorDiv):
            em.emit(f"if ({b} == 0 || ({a} == INT64_MIN && {b} == -1)) {self.deopt()}")
            em.emit(f"int64_t {t} = {a} / {b};")
            em.emit(f"if (({a} % {b} != 0) && (({a} < 0) != ({b} < 0))) {t} -= 1;")
        elif isinstance(op, ast.Mod):
            em.emit(f"if ({b} == 0) {self.deopt()}")
            em.emit(f"int64_t {t} = {b} == -1 ? 0 : {a} % {b};")
            em.emit(f"if ({t} != 0 && (({t} < 0) != ({b} < 0))) {t} += {b};")
        else:
            assert isinstance(op, ast.Div)  # both exact as doubles: one IEEE division is correctly rounded
            em.emit(f"if ({b} == 0 || !zrt::exact_double({a}) || !zrt::exact_double({b})) {self.deopt()}")
            em.emit(f"double {t} = (double){a} / (double){b};")
        return t

    def inline(self, node: ast.Call, callee: _Callee) -> str:
        """The return value of `f(...)` (FloatRuns.inline_call) computed in place: f's global
        checked (without running code) to be the function of f's code, the call checked not to
        reach the recursion limit, the arguments to be of the parameters' kinds."""
        em = self.em
        assert isinstance(node.func, ast.Name)
        site = em.spec.site()
        f = self.fresh()
        _, guard = em.mod.direct_names(node.func.id)
        em.emit(f"PyObject* {f} = zrt::global_peek(&S, {em.mod.ident(node.func.id)}, &{site});")
        em.emit(f"if (!{f} || !{guard}({f}) || !zrt::leaf_ok(L_recursion.tstate())) {self.deopt()}")
        args: dict[str, str] = {}
        for p, a in zip(callee.kinds, node.args):
            k = callee.kinds[p]
            if self.runs.kind(a) is not None:
                args[p] = self.expr(a)
                continue
            assert isinstance(a, ast.Name)
            t = self.fresh()
            em.emit(f"{_CTYPE[k]} {t};")
            check = "zrt::object_float" if k == "f" else "zrt::obj_i64"
            em.emit(f"if (!{check}({self.base(a.id)}, &{t})) {self.deopt()}")
            args[p] = t
        saved = self.runs, self.args
        self.runs, self.args = callee, args
        try:
            return self.expr(callee.value)
        finally:
            self.runs, self.args = saved

    def math_call(self, node: ast.Call) -> str:
        """`fn(x)`: the global name checked (without running code) to be math.fn, then libm
        where math_1 returns its result unchanged (zrt::math1_float)."""
        em = self.em
        assert isinstance(node.func, ast.Name)
        fname = node.func.id
        site = em.spec.site()
        em.emit(f"if (!zrt::global_is_builtin(&S, {em.mod.ident(fname)}, \"math\", {_cstr(fname)}, &{site})) {self.deopt()}")
        arg = node.args[0]
        if self.runs.object_local(arg):
            assert isinstance(arg, ast.Name)
            x = self.fresh()
            em.emit(f"double {x};")
            if arg.id in self.runs.math_views:
                em.emit(f"if (!zrt::num_as_double({nm.LOCAL}{nm.ident(arg.id)}, &{x})) {self.deopt()}")
            else:
                em.emit(f"if (!zrt::number_as_double({self.base(arg.id)}, &{x})) {self.deopt()}")
        else:
            x = self.expr(arg)
            if self.runs.kind(arg) == "i":
                x = f"(double){x}"
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
        em.emit(f"if (!zrt::pow_plain({a}, {b})) {self.deopt()}")
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
        written.update(_target_names(s))
    return run


def _is_existing_object(node: ast.expr) -> bool:
    """Is the value, in CPython, an object that exists already rather than a new result: a
    local (`y = x`), a constant or what the compiler folds into one (`y = -1.5`, `2.0 * 3.0`),
    `+x` of such (float and int return themselves), or a choice with such a branch."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
        return _is_existing_object(node.operand)
    if isinstance(node, ast.IfExp):
        return _is_existing_object(node.body) or _is_existing_object(node.orelse)
    return _folded_constant(node)


def _folded_constant(node: ast.expr) -> bool:
    """Made of constants and operators only: CPython's compiler folds it into one constant."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp):
        return _folded_constant(node.operand)
    if isinstance(node, ast.BinOp):
        return _folded_constant(node.left) and _folded_constant(node.right)
    return False


def _small_int(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _small_int(node.operand)
    return isinstance(node, ast.Constant) and type(node.value) is int and abs(node.value) <= _EXACT_INT


def _small_int_value(node: ast.expr) -> int:
    """The value of a _small_int node. Not ast.literal_eval: it refuses more than one sign
    (`---1`, test_grammar's test_unary_ops)."""
    if isinstance(node, ast.UnaryOp):
        v = _small_int_value(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    assert isinstance(node, ast.Constant) and type(node.value) is int
    return node.value


def _ops(s: ast.stmt) -> int:
    # a comparison costs the ordinary copy as much as an arithmetic operation
    return sum(isinstance(n, (ast.BinOp, ast.AugAssign, ast.Compare)) for n in ast.walk(s))


def _target_names(s: ast.stmt) -> list[str]:
    """The locals a run statement assigns."""
    if isinstance(s, ast.Assign):
        return [t.id for t in s.targets if isinstance(t, ast.Name)]
    if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name):
        return [s.target.id]
    return []


def _reads(s: ast.stmt) -> list[str]:
    """The Num locals a run statement reads as floats, in order (an augmented target first)."""
    out: list[str] = []
    if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name):
        out.append(s.target.id)
    value = s.value if isinstance(s, (ast.Assign, ast.AugAssign, ast.Return)) else None
    if value is not None:
        for n in ast.walk(value):
            if isinstance(n, ast.Name) and not _is_item_base(value, n):
                out.append(n.id)
    return out


def _is_item_base(root: ast.expr, name: ast.Name) -> bool:
    """An item's or attribute's object, or a called function (not read as a float)."""
    return any((isinstance(n, (ast.Subscript, ast.Attribute)) and n.value is name)
               or (isinstance(n, ast.Call) and n.func is name) for n in ast.walk(root))


def _leaves_cleanups(em: "UnitEmitter") -> bool:
    """Is the code inside a `try`/`with` (a return runs their cleanups first)?"""
    from .unit_emitter import Cleanup, Handler
    return any(isinstance(e, (Cleanup, Handler)) for e in em.ctx)


def _likely_int_locals(node: ast.AST) -> frozenset[str]:
    """Names a function most likely binds to ints: loop variables of `range`/`enumerate`,
    names annotated `int`, and the operands (through + - * and negation) of `//`, `%` and
    the bit operations. Runs keep them as int64s (checked at entry, like the floats)."""
    out: set[str] = set()

    def operands(n: ast.AST) -> None:
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Sub, ast.Mult)):
            operands(n.left)
            operands(n.right)
        elif isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            operands(n.operand)

    def int_annotation(a: ast.expr | None) -> bool:
        return isinstance(a, ast.Name) and a.id == "int"

    args = getattr(node, "args", None)
    if isinstance(args, ast.arguments):
        out.update(a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs] if int_annotation(a.annotation))
    for n in own_nodes(node):
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and int_annotation(n.annotation):
            out.add(n.target.id)
        elif isinstance(n, (ast.BinOp, ast.AugAssign)) and isinstance(n.op, _INT_ONLY_OPS):
            operands(n.left if isinstance(n, ast.BinOp) else n.target)
            operands(n.right if isinstance(n, ast.BinOp) else n.value)
        elif isinstance(n, ast.For) and isinstance(n.target, ast.Name) and isinstance(n.iter, ast.Call):
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
