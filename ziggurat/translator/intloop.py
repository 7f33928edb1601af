"""Stage 7, emit (the specialised tier): a `while` loop, or the body of a counted `for` loop,
that only computes machine ints and moves small ints inside exact lists, run as C++ on int64
variables.

In: one `while` statement and the UnitEmitter. Out (when the loop qualifies): two copies of
the loop. The native copy reads the loop's Num locals into int64 variables at entry (each
unbound, or an exact int that fits int64; one whose box is a small int not from CPython's
small-int cache keeps the loop generic, so identity holds) and the list locals it indexes
(exact lists); then it runs the test and the body on those variables and on the lists' items
directly. The generic copy is the loop as stmt_While writes it, with a label before the test
and before every statement (inside `if` bodies and nested loops too; a nested loop there has
its own native copy first). Whatever the native copy cannot do exactly - an item that is not
an exact int, an index out of range, an overflow, a value to store outside the small-int
cache, an old item only the list holds (its release could run code), a list method whose
allocation would change, a read of a variable still unbound, a `return` - stores the
variables it assigned back into their Nums and jumps to the generic copy at the start of the
statement where it stopped (at the test for a test), which then does what CPython does. No
part of a statement that can stop has changed anything visible when it stops. Leaving the
loop (its test false, `break`) stores back and goes to the generic copy's own exits, so
`else:` runs as written.

What qualifies (`_Check`): the test and body use only Num locals (int variables: read, `x =
<int expression>`, `x = a[i]` and `x = y` - both checked at run time to bind a small int of
the cache, the object the interpreter would bind -, `x op= e`; not a constant outside the
cache, whose own object the interpreter binds), list locals bound in the loop only by `a =
b[:]` (refilled in place as list_stmts.copy_into_dead_list does, else copied with the
variables stored back first, the one statement here that may allocate: `a[e]` read, `a[e] =
v`, `a[e] op= v`, `a[:e1] = a[e2::-1]` reversed in place), locals bound to a list's own
`insert`/`pop` methods (`ins(e1, pop(e2))`: the item moved), int literals, `+ - *`, unary
minus, comparisons, `and`/`or`/`not`, `if`/`else`, nested `while` loops, `break`,
`continue`, `pass`, `return` and, in a plain generator, `yield` statements (both always left
to the generic copy: a suspended generator holds nothing native, and its Num locals are the
heap frame's, GenObject::nums). Also `x[a:] = x[b:] + x[a:b]` (list_stmts' rotation, in place
when 0 <= a <= b <= len) and the swap `a[p], a[q] = a[q], a[p]` (p, q reading no items: the
two references trade places, nothing is released). No calls of anything else, no nested
`for` loops, no `:=`. Items stored are always the interpreter's own small-int objects, so
the lists end up holding what CPython's would. Every back edge runs `zrt::loop_tick` as the
generic loop does (signal handlers run with the variables stored back first).

The body of `for x in range(...)` / `reversed(range(...))` (in a function or a plain
generator, indexing a list) gets the same two copies per pass (native_for_body): the loop
itself - its iterator, its target, its back edge and `else` - is the generic loop's; each
pass reads the variables anew, and its end, `continue` and `break` store back and go to the
generic loop's own labels. So `range` or `reversed` rebound, the target's value after the
loop or a `break`, and a generator closed or thrown into at its `yield` are the generic
loop's business.

This module must not change behaviour: a loop it cannot prove it does exactly as written is
emitted by stmt_While unchanged (return False), and every run-time doubt leaves for the
generic copy before any effect.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import names as nm
from .list_stmts import _rotation
from .scopes import FAST
from .types import is_range_call

if TYPE_CHECKING:
    from .unit_emitter import UnitEmitter

_OPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul"}
_CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_LIMIT = 2 ** 62  # int literals inside this stay clear of INT64_MIN's edge cases
_SMALL = range(-5, 257)  # CPython's small-int cache


@dataclass
class _Check:
    """What the loop uses; `ok` turns False at the first thing outside the subset."""
    em: "UnitEmitter"
    ints: list[str] = field(default_factory=list)      # Num locals
    assigned: set[str] = field(default_factory=set)     # of those, bound in the loop
    lists: list[str] = field(default_factory=list)     # list locals indexed
    methods: dict[str, str] = field(default_factory=dict)  # local -> "insert" / "pop"
    copy_targets: set[int] = field(default_factory=set)  # ids of the `a` Name nodes of `a = b[:]`
    ok: bool = True

    def fail(self) -> bool:
        self.ok = False
        return False

    def int_name(self, name: str) -> bool:
        em = self.em
        if not em.spec.is_num_local(name):
            return self.fail()
        if name not in self.ints:
            self.ints.append(name)
        return True

    def obj_name(self, name: str, into: list[str] | None, method: str | None = None) -> bool:
        em = self.em
        if em.access(name) != FAST:
            return self.fail()
        if method is not None:
            if self.methods.setdefault(name, method) != method:
                return self.fail()
        elif into is not None and name not in into:
            into.append(name)
        return True

    def expr(self, e: ast.expr) -> bool:
        """An int-valued expression."""
        if isinstance(e, ast.Name):
            return self.int_name(e.id)
        if isinstance(e, ast.Constant):
            return (type(e.value) is int and -_LIMIT < e.value < _LIMIT) or self.fail()
        if isinstance(e, ast.BinOp):
            return (type(e.op) in _OPS and self.expr(e.left) and self.expr(e.right)) or self.fail()
        if isinstance(e, ast.UnaryOp):
            return (isinstance(e.op, ast.USub) and self.expr(e.operand)) or self.fail()
        if isinstance(e, ast.Subscript):
            return self.item(e)
        return self.fail()

    def item(self, e: ast.Subscript) -> bool:
        """`a[i]` of a list local."""
        if isinstance(e.slice, ast.Slice) or not isinstance(e.value, ast.Name):
            return self.fail()
        return self.obj_name(e.value.id, self.lists) and self.expr(e.slice)

    def test(self, e: ast.expr) -> bool:
        if isinstance(e, ast.Compare):
            return (len(e.ops) == 1 and type(e.ops[0]) in _CMP and self.expr(e.left)
                    and self.expr(e.comparators[0])) or self.fail()
        if isinstance(e, ast.BoolOp):
            return all(self.test(v) for v in e.values)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
            return self.test(e.operand)
        return self.expr(e)

    def value(self, e: ast.expr) -> bool:
        """A value stored in a name: a fresh object in CPython too (arithmetic), a small int
        (the cache's object either way), a list item or another int variable (both checked
        at run time to be small ints: `x = y` binds y's object, the cache's for those)."""
        if isinstance(e, ast.Name):
            return self.int_name(e.id)
        if not any(isinstance(n, (ast.Name, ast.Subscript)) for n in ast.walk(e)):
            # a constant expression folds into one constant object the interpreter reuses
            return (isinstance(e, ast.Constant) and type(e.value) is int and e.value in _SMALL) or self.fail()
        return self.expr(e)

    def stmts(self, body: list[ast.stmt]) -> bool:
        return all(self.stmt(s) for s in body)

    def stmt(self, s: ast.stmt) -> bool:
        if isinstance(s, (ast.Pass, ast.Break, ast.Continue, ast.Return)):
            return True  # (`return` leaves for the generic copy, which returns)
        if isinstance(s, ast.While):
            return self.test(s.test) and self.stmts(s.body) and self.stmts(s.orelse)
        if isinstance(s, ast.If):
            return self.test(s.test) and self.stmts(s.body) and self.stmts(s.orelse)
        if isinstance(s, ast.AugAssign):
            if type(s.op) not in _OPS:
                return self.fail()
            t = s.target
            if isinstance(t, ast.Name):
                self.assigned.add(t.id)
                return self.int_name(t.id) and self.expr(s.value)
            return isinstance(t, ast.Subscript) and self.item(t) and self.expr(s.value) or self.fail()
        if isinstance(s, ast.Assign):
            if len(s.targets) != 1:
                return self.fail()
            tgt = s.targets[0]
            if isinstance(tgt, ast.Name) and copy_source(s) is not None:
                # `a = b[:]` refilling the list a holds (zrt::list_copy_into), or the generic copy
                self.copy_targets.add(id(tgt))
                return self.obj_name(tgt.id, self.lists) and self.obj_name(copy_source(s) or "", self.lists)
            if isinstance(tgt, ast.Name):
                self.assigned.add(tgt.id)
                return self.int_name(tgt.id) and self.value(s.value)
            flip = flip_parts(s)
            if flip is not None:
                return self.obj_name(flip[0], self.lists) and self.expr(flip[1]) and self.expr(flip[2])
            rot = _rotation(self.em, s)
            if rot is not None:
                return self.obj_name(rot[0], self.lists) and self.expr(rot[1]) and self.expr(rot[2])
            swap = swap_parts(s)
            if swap is not None:
                return self.obj_name(swap[0], self.lists) and self.expr(swap[1]) and self.expr(swap[2])
            return isinstance(tgt, ast.Subscript) and self.item(tgt) and self.expr(s.value) or self.fail()
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Yield):
            # (a plain generator's: always left to the generic copy, which yields with the
            # variables stored back - a suspended generator's frame shows them)
            return self.em.gen == "generator" or self.fail()
        if isinstance(s, ast.Expr):
            parts = pop_insert_parts(s.value)
            if parts is None:
                return self.fail()
            ins, i, pop, j = parts
            return (self.obj_name(ins, None, "insert") and self.obj_name(pop, None, "pop")
                    and self.expr(i) and self.expr(j))
        return self.fail()


def copy_source(s: ast.Assign) -> str | None:
    """b of `a = b[:]` (a, b different names), or None."""
    t, v = s.targets[0], s.value
    if not (isinstance(t, ast.Name) and isinstance(v, ast.Subscript) and isinstance(v.value, ast.Name)
            and isinstance(v.slice, ast.Slice) and v.value.id != t.id):
        return None
    sl = v.slice
    return v.value.id if sl.lower is None and sl.upper is None and sl.step is None else None


def flip_parts(s: ast.Assign) -> tuple[str, ast.expr, ast.expr] | None:
    """(a, e1, e2) of `a[:e1] = a[e2::-1]`, or None."""
    t, v = s.targets[0], s.value
    if not (isinstance(t, ast.Subscript) and isinstance(v, ast.Subscript) and isinstance(t.value, ast.Name)
            and isinstance(v.value, ast.Name) and t.value.id == v.value.id
            and isinstance(t.slice, ast.Slice) and isinstance(v.slice, ast.Slice)):
        return None
    ts, vs = t.slice, v.slice
    step = vs.step
    minus_one = (isinstance(step, ast.UnaryOp) and isinstance(step.op, ast.USub) and isinstance(step.operand, ast.Constant)
                 and type(step.operand.value) is int and step.operand.value == 1)
    if not (ts.lower is None and ts.upper is not None and ts.step is None
            and vs.lower is not None and vs.upper is None and minus_one):
        return None
    return t.value.id, ts.upper, vs.lower


def swap_parts(s: ast.Assign) -> tuple[str, ast.expr, ast.expr] | None:
    """(a, p, q) of `a[p], a[q] = a[q], a[p]` where p and q read no items (the first
    store cannot change what the second index evaluates to), or None."""
    t, v = s.targets[0], s.value
    if not (isinstance(t, ast.Tuple) and isinstance(v, ast.Tuple) and len(t.elts) == len(v.elts) == 2):
        return None
    parts = [*t.elts, *v.elts]
    if not all(isinstance(e, ast.Subscript) and isinstance(e.value, ast.Name) and not isinstance(e.slice, ast.Slice)
               for e in parts):
        return None
    subs = [e for e in parts if isinstance(e, ast.Subscript)]
    names = {e.value.id for e in subs if isinstance(e.value, ast.Name)}
    p, q = subs[0].slice, subs[1].slice
    if len(names) != 1 or ast.dump(subs[2].slice) != ast.dump(q) or ast.dump(subs[3].slice) != ast.dump(p):
        return None
    if any(isinstance(n, (ast.Subscript, ast.Call)) for e in (p, q) for n in ast.walk(e)):
        return None
    return names.pop(), p, q


def pop_insert_parts(e: ast.expr) -> tuple[str, ast.expr, str, ast.expr] | None:
    """(ins, i, pop, j) of `ins(i, pop(j))` with ins/pop plain names, or None."""
    if not (isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and len(e.args) == 2 and not e.keywords):
        return None
    inner = e.args[1]
    if not (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and len(inner.args) == 1
            and not inner.keywords):
        return None
    if any(isinstance(a, ast.Starred) for a in (*e.args, *inner.args)):
        return None
    return e.func.id, e.args[0], inner.func.id, inner.args[0]


def _qualifies(em: "UnitEmitter", node: ast.While) -> _Check | None:
    return _qualifies_parts(em, node.test, node.body)


def _qualifies_parts(em: "UnitEmitter", test: ast.expr | None, body: list[ast.stmt]) -> _Check | None:
    """The _Check of a loop's test (None: a `for` body's run) and body, or None."""
    # (a plain generator's Num locals live in its heap frame, GenObject::nums: the same Nums)
    if em.gen not in (None, "generator") or not em.spec.types.num_locals:
        return None
    inner = [n for part in (*([test] if test is not None else []), *body) for n in ast.walk(part)]
    if any(isinstance(n, (ast.NamedExpr, ast.For, ast.AsyncFor, ast.Lambda, ast.YieldFrom, ast.Await)) for n in inner):
        return None
    c = _Check(em)
    if not ((test is None or c.test(test)) and c.stmts(body)) or not c.ok:
        return None
    objs = set(c.lists) | set(c.methods)
    if objs & set(c.ints):
        return None
    # the list and method locals stay bound to the same objects all through the loop
    stored = {n.id for n in inner if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
              and id(n) not in c.copy_targets}
    if objs & stored:
        return None
    return c


class _Native:
    """The native copy's C++ (through the UnitEmitter's lines)."""

    def __init__(self, em: "UnitEmitter", c: _Check, labels: dict[int, str],
                 loops: dict[int, tuple[str, str, str, str]], exits: tuple[str, str, str]) -> None:
        """exits: the generic labels of (the entry, `break`, the end)."""
        self.em, self.c, self.labels, self.loops = em, c, labels, loops
        self.top, self.brk, self.done = exits
        self.exits: dict[str, str] = {}  # generic label -> stub label (store back, then go there)
        self.cont = em.new_label("icont")
        self.failed = em.new_label("ifail")
        # per native loop: (continue label, the code of `break`)
        self.stack: list[tuple[str, str]] = [(self.cont, self.leave(self.brk))]

    def var(self, name: str) -> str:
        return f"I_{nm.ident(name)}"

    def obj(self, name: str) -> str:
        return f"P_{nm.ident(name)}"

    def held(self, name: str) -> str:
        """The object a list/method local holds (a Num local: when it holds an object)."""
        local = f"{nm.LOCAL}{nm.ident(name)}"
        return f"zrt::il_obj({local})" if self.em.spec.is_num_local(name) else f"{local}.p"

    def leave(self, target: str) -> str:
        """A goto to the stub that stores back and jumps to the generic `target`."""
        if target not in self.exits:
            self.exits[target] = self.em.new_label("ix")
        return f"goto {self.exits[target]};"

    def expr(self, e: ast.expr, stop: str) -> str:
        em = self.em
        if isinstance(e, ast.Name):
            self.bound_check(e, stop)
            return self.var(e.id)
        if isinstance(e, ast.Constant):
            assert isinstance(e.value, int)
            return f"INT64_C({e.value})"
        if isinstance(e, ast.BinOp):
            a, b = self.expr(e.left, stop), self.expr(e.right, stop)
            return self.checked(_OPS[type(e.op)], a, b, stop)
        t = em.fresh("iv")
        if isinstance(e, ast.UnaryOp):
            a = self.expr(e.operand, stop)
            em.emit(f"if ({a} == INT64_MIN) {self.leave(stop)}")
            em.emit(f"int64_t {t} = -{a};")
            return t
        assert isinstance(e, ast.Subscript) and isinstance(e.value, ast.Name)
        i = self.expr(e.slice, stop)
        em.emit(f"int64_t {t};")
        em.emit(f"if (!zrt::il_get({self.obj(e.value.id)}, {i}, &{t})) {self.leave(stop)}")
        return t

    def test(self, e: ast.expr, stop: str) -> str:
        em = self.em
        if isinstance(e, ast.Compare):
            a, b = self.expr(e.left, stop), self.expr(e.comparators[0], stop)
            return f"({a} {_CMP[type(e.ops[0])]} {b})"
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
            return f"!{self.test(e.operand, stop)}"
        if isinstance(e, ast.BoolOp):
            # the operands' truth in order, each only when the ones before leave it open
            t = em.fresh("ib")
            is_and = isinstance(e.op, ast.And)
            em.emit(f"bool {t} = {'true' if is_and else 'false'};")
            opened = 0
            for k, v in enumerate(e.values):
                em.emit(f"{t} = {self.test(v, stop)};")
                if k < len(e.values) - 1:
                    em.open(f"if ({'' if is_and else '!'}{t}) {{")
                    opened += 1
            for _ in range(opened):
                em.close("}")
            return t
        return f"({self.expr(e, stop)} != 0)"

    def stmts(self, body: list[ast.stmt]) -> None:
        for s in body:
            self.em.open("{")
            self.stmt(s)
            self.em.close("}")

    def bound_check(self, e: ast.Name, stop: str) -> None:
        """A read of a variable unbound at entry (bound_names could not tell) leaves for
        the generic copy, which raises UnboundLocalError."""
        if not self.em.spec.certainly_bound(e):
            self.em.emit(f"if (!B_{nm.ident(e.id)}) {self.leave(stop)}")

    def store(self, name: str, value: str) -> None:
        k = nm.ident(name)
        self.em.emit(f"{self.var(name)} = {value}; D_{k} = true; B_{k} = true;")

    def loop(self, w: ast.While) -> None:
        """A nested loop, natively: its test's way out is the generic copy's test."""
        em = self.em
        top = self.loops[id(w)][0]
        cont, done, brk = em.new_label("icont"), em.new_label("idone"), em.new_label("ibrk")
        em.open("for (;;) {")
        if not (isinstance(w.test, ast.Constant) and bool(w.test.value)):
            em.open("{")
            cond = self.test(w.test, top)
            em.emit(f"if (!{cond}) goto {done};")
            em.close("}")
        self.stack.append((cont, f"goto {brk};"))
        self.stmts(w.body)
        self.stack.pop()
        em.label(cont)
        self.tick(w.lineno)
        em.close("}")
        em.label(done)
        self.stmts(w.orelse)
        em.label(brk)

    def stmt(self, s: ast.stmt) -> None:
        em, stop = self.em, self.labels[id(s)]
        if isinstance(s, ast.Pass):
            return
        if isinstance(s, ast.Return) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Yield)):
            em.emit(self.leave(stop))
            return
        if isinstance(s, ast.Break):
            em.emit(self.stack[-1][1])
            return
        if isinstance(s, ast.Continue):
            em.emit(f"goto {self.stack[-1][0]};")
            return
        if isinstance(s, ast.While):
            self.loop(s)
            return
        if isinstance(s, ast.If):
            cond = self.test(s.test, stop)
            em.open(f"if ({cond}) {{")
            self.stmts(s.body)
            if s.orelse:
                em.close("} else {")
                em.depth += 1
                self.stmts(s.orelse)
            em.close("}")
            return
        if isinstance(s, ast.AugAssign):
            op, t = _OPS[type(s.op)], s.target
            if isinstance(t, ast.Name):
                self.bound_check(t, stop)
                v = self.expr(s.value, stop)
                self.store(t.id, self.checked(op, self.var(t.id), v, stop))
                return
            assert isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
            lst, i = self.obj(t.value.id), self.expr(t.slice, stop)
            cur = em.fresh("iv")
            em.emit(f"int64_t {cur};")
            em.emit(f"if (!zrt::il_get({lst}, {i}, &{cur})) {self.leave(stop)}")
            v = self.expr(s.value, stop)
            r = self.checked(op, cur, v, stop)
            em.emit(f"if (!zrt::il_set({lst}, {i}, {r})) {self.leave(stop)}")
            return
        if isinstance(s, ast.Assign):
            tgt = s.targets[0]
            src = copy_source(s)
            if isinstance(tgt, ast.Name) and src is not None:
                # not refilled in place: the copy made here, as the generic statement makes it,
                # with the variables stored back first (the old list's release, or a collection
                # the allocation starts, may run code); then on natively with the new list
                em.open(f"if (!zrt::il_copy_into({self.obj(tgt.id)}, {self.obj(src)})) {{")
                self.store_back()
                em.emit_line(s.lineno)
                fresh = em.fresh("il")
                em.emit(f"PyObject* {fresh} = PyList_GetSlice({self.obj(src)}, 0, PY_SSIZE_T_MAX);")
                em.emit(f"if (!{fresh}) goto {self.failed};")
                em.emit(f"{nm.LOCAL}{nm.ident(tgt.id)}.set({fresh});")
                em.emit(f"{self.obj(tgt.id)} = {fresh};")
                em.close("}")
                return
            if isinstance(tgt, ast.Name):
                rhs = s.value
                if isinstance(rhs, ast.Subscript) and isinstance(rhs.value, ast.Name):
                    # `x = a[i]`: x is bound to the item itself - a small int of the cache
                    # (any other object keeps its identity only in the generic copy)
                    idx = self.expr(rhs.slice, stop)
                    r = em.fresh("iv")
                    em.emit(f"int64_t {r};")
                    em.emit(f"if (!zrt::il_get_small({self.obj(rhs.value.id)}, {idx}, &{r})) {self.leave(stop)}")
                    self.store(tgt.id, r)
                    return
                value = self.expr(rhs, stop)
                if isinstance(rhs, ast.Name):
                    # `x = y`: x is bound to y's object; the same object again only for a
                    # small int (il_int took no other box of one)
                    em.emit(f"if (!zrt::il_small({value})) {self.leave(stop)}")
                self.store(tgt.id, value)
                return
            flip = flip_parts(s)
            if flip is not None:
                name, e1, e2 = flip
                lo = self.expr(e2, stop)  # (the value first, as the interpreter evaluates)
                hi = self.expr(e1, stop)
                em.emit(f"if (!zrt::il_flip({self.obj(name)}, {hi}, {lo})) {self.leave(stop)}")
                return
            rot = _rotation(em, s)
            if rot is not None:
                # `x[a:] = x[b:] + x[a:b]`: the same items and references, rotated in place
                # (the size, so the allocation, unchanged), or not done and nothing touched
                hi = self.expr(rot[2], stop)
                lo = self.expr(rot[1], stop)
                em.emit(f"if (!zrt::list_rotate_left({self.obj(rot[0])}, {lo}, {hi})) {self.leave(stop)}")
                return
            swap = swap_parts(s)
            if swap is not None:
                # the interpreter reads a[q], a[p], then stores both: the two references
                # trade places and no item is released; an index out of range leaves first
                q = self.expr(swap[2], stop)
                p = self.expr(swap[1], stop)
                em.emit(f"if (!zrt::il_swap({self.obj(swap[0])}, {p}, {q})) {self.leave(stop)}")
                return
            assert isinstance(tgt, ast.Subscript) and isinstance(tgt.value, ast.Name)
            val = self.expr(s.value, stop)
            idx = self.expr(tgt.slice, stop)
            em.emit(f"if (!zrt::il_set({self.obj(tgt.value.id)}, {idx}, {val})) {self.leave(stop)}")
            return
        assert isinstance(s, ast.Expr)
        parts = pop_insert_parts(s.value)
        assert parts is not None
        ins, at, pop, frm = parts
        a = self.expr(at, stop)
        b = self.expr(frm, stop)
        em.emit(f"if (!zrt::il_pop_insert({self.obj(ins)}, {a}, {self.obj(pop)}, {b})) {self.leave(stop)}")

    def checked(self, op: str, a: str, b: str, stop: str) -> str:
        """a op b into a fresh int64 variable; on overflow the native copy leaves at stop."""
        r = self.em.fresh("iv")
        self.em.emit(f"int64_t {r};")
        self.em.emit(f"if (__builtin_{op}_overflow({a}, {b}, &{r})) {self.leave(stop)}")
        return r

    def tick(self, line: int) -> None:
        """zrt::loop_tick's count; when it runs the signal handlers, the variables are
        stored back and the line set to the loop's first (a handler sees the frame as the
        generic loop's back edge leaves it)."""
        em = self.em
        em.open("if (zrt::loop_tick_due()) {")
        self.store_back()
        em.emit_line(line)
        em.emit(f"if (PyErr_CheckSignals() < 0) goto {self.failed};")
        em.close("}")

    def store_back(self) -> None:
        for name in sorted(self.c.assigned):
            k = nm.ident(name)
            self.em.emit(f"if (D_{k}) {nm.LOCAL}{k}.set_int({self.var(name)});")

    def emit(self, node: ast.While) -> None:
        em = self.em
        self.entry()
        em.open("for (;;) {")
        if not (isinstance(node.test, ast.Constant) and bool(node.test.value)):
            em.open("{")
            cond = self.test(node.test, self.top)
            em.emit(f"if (!{cond}) {self.leave(self.done)}")
            em.close("}")
        self.stmts(node.body)
        em.label(self.cont)
        self.tick(node.lineno)
        em.close("}")
        self.stubs()

    def emit_body(self, node: ast.For, counter: "Counter | None", fend: str) -> None:
        """A `for` body: its end and `continue` go to the generic loop's continue label
        (which counts the back edge), `break` to its break label. With a counter, the back
        edge and the next count are native too: the body runs again without new entry
        checks while the count lasts (its end leaves for fend, the generic loop's end)."""
        em = self.em
        self.entry()
        again = em.new_label("ibody")
        if counter is not None:
            em.label(again)
        self.stmts(node.body)
        em.label(self.cont)
        if counter is None:
            em.emit(self.leave(self.done))
        else:
            # the generic loop's back edge (its count of ticks, its line for a handler),
            # then its fetch: the counter's slots are the generic loop's own
            assert isinstance(node.target, ast.Name)
            em.emit(f"if (!{counter.native}) {self.leave(self.done)}")  # (an iterator's loop)
            self.tick(node.lineno)
            em.emit(f"if ({counter.cur} <= {counter.stop}) {self.leave(fend)}")
            em.emit(f"--{counter.cur};")
            self.store(node.target.id, f"(int64_t){counter.cur}")
            em.emit(f"goto {again};")
        self.stubs()

    def entry(self) -> None:
        """The variables read at entry; opens the block the native copy runs in."""
        em, c = self.em, self.c
        em.open("{")
        ok = em.fresh("iok")
        em.emit(f"bool {ok} = true;")
        for name in c.ints:
            # (unbound at entry is fine: its reads check B_<name> unless certainly bound)
            em.emit(f"int64_t {self.var(name)} = 0;")
            em.emit(f"bool B_{nm.ident(name)} = false;")
            em.emit(f"{ok} = {ok} && zrt::il_int_or_unbound({nm.LOCAL}{nm.ident(name)}, &{self.var(name)}, &B_{nm.ident(name)});")
        for name in sorted(c.assigned):
            em.emit(f"bool D_{nm.ident(name)} = false;")
        for name in c.lists:
            em.emit(f"PyObject* {self.obj(name)} = zrt::il_list({self.held(name)});")
            em.emit(f"{ok} = {ok} && {self.obj(name)};")
        for name, method in c.methods.items():
            em.emit(f"PyObject* {self.obj(name)} = zrt::il_method_list({self.held(name)}, {int(method == 'pop')});")
            em.emit(f"{ok} = {ok} && {self.obj(name)};")
        em.open(f"if ({ok}) {{")

    def stubs(self) -> None:
        """Closes what entry opened: the ways out, each storing the variables back."""
        em = self.em
        em.close("}")
        em.emit(f"goto {self.top};")  # (the entry checks failed)
        for target, stub in self.exits.items():
            em.label(stub)
            self.store_back()
            em.emit(f"goto {target};")
        em.label(self.failed)
        self.store_back()
        em.emit(em.fail())
        em.close("}")


def native_while(em: "UnitEmitter", node: ast.While) -> bool:
    """Emit `node` as a native copy and a generic copy (see the module docstring); False,
    with nothing emitted, when the loop is not one this module runs natively."""
    c = _qualifies(em, node)
    if c is None:
        return False
    labels: dict[int, str] = {}
    loops: dict[int, tuple[str, str, str, str]] = {}
    for s in ast.walk(node):
        if isinstance(s, ast.stmt) and s is not node:
            labels[id(s)] = em.new_label("is")
        if isinstance(s, ast.While):
            loops[id(s)] = (em.new_label("itop"), em.new_label("brk"), em.new_label("cont"), em.new_label("wend"))
    _emit_while(em, node, c, labels, loops)
    return True


@dataclass(frozen=True)
class Counter:
    """A `for` loop's native count down (gen_loops.reversed_range_loop's int slots): while
    `native` is set, the next value is --cur and the loop ends when cur <= stop."""

    cur: str
    stop: str
    native: str


def native_for_body(em: "UnitEmitter", node: ast.For, brk: str, cont: str, fend: str,
                    counter: Counter | None = None) -> bool:
    """Emit the body of `node` (inside UnitEmitter.for_loop, after the target is bound)
    as a native pass and the generic body: each pass reads the variables anew, so the loop
    itself - its iterator, its target, its back edge - stays the generic loop's. False, with
    nothing emitted, when the body is not one this module runs natively."""
    it = node.iter
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "reversed" and len(it.args) == 1:
        it = it.args[0]
    # (only counted loops, whose bodies index lists by the count: a pass over a float
    # body would fail its entry check each step)
    if not (is_range_call(it) and isinstance(node.target, ast.Name)):
        return False
    target = node.target.id
    c = _qualifies_parts(em, None, node.body)
    if c is None or not c.lists:
        return False
    if counter is not None and em.spec.is_num_local(target):
        c.int_name(target)
        c.assigned.add(target)  # (the native fetch binds it)
    else:
        counter = None
    labels: dict[int, str] = {}
    loops: dict[int, tuple[str, str, str, str]] = {}
    for s in (n for part in node.body for n in ast.walk(part)):
        if isinstance(s, ast.stmt):
            labels[id(s)] = em.new_label("is")
        if isinstance(s, ast.While):
            loops[id(s)] = (em.new_label("itop"), em.new_label("brk"), em.new_label("cont"), em.new_label("wend"))
    _Native(em, c, labels, loops, (labels[id(node.body[0])], brk, cont)).emit_body(node, counter, fend)
    _generic_stmts(em, node.body, labels, loops)
    return True


def _emit_while(em: "UnitEmitter", node: ast.While, c: _Check | None, labels: dict[int, str],
                loops: dict[int, tuple[str, str, str, str]]) -> None:
    """The native copy (when c) and the generic copy: stmt_While's loop, with a label
    before the test and each statement, nested loops likewise (each with its own native
    copy first, which the generic copy reaches when the outer native copy left)."""
    from .unit_emitter import Loop
    top, brk, cont, done = loops[id(node)]
    if c is not None:
        _Native(em, c, labels, loops, (top, brk, done)).emit(node)
    em.open("for (;;) {")
    em.label(top)
    if not (isinstance(node.test, ast.Constant) and bool(node.test.value)):
        em.emit_line(node.lineno)  # (the native copy may leave here, its line not set)
        em.lineno = node.lineno
        em.open("{")
        t = em.truth(node.test)
        em.emit(f"if (!{t}) goto {done};")
        em.close("}")
    em.ctx.append(Loop(brk, cont))
    em.open("{")
    _generic_stmts(em, node.body, labels, loops)
    em.close("}")
    em.ctx.pop()
    em.label(cont)
    em.emit_line(node.lineno)  # (the `while` line: stmt_While's back edge)
    em.lineno = node.lineno
    em.loop_back_edge()
    em.close("}")
    em.label(done)
    if node.orelse:
        em.open("{")
        _generic_stmts(em, node.orelse, labels, loops)
        em.close("}")
    em.label(brk)


def _generic_stmts(em: "UnitEmitter", body: list[ast.stmt], labels: dict[int, str],
                   loops: dict[int, tuple[str, str, str, str]]) -> None:
    for s in body:
        if id(s) in labels:
            em.label(labels[id(s)])
        if isinstance(s, (ast.If, ast.While)) and id(s) in labels:
            # stmt_If's / stmt_While's code, with the labels inside their bodies
            em.lineno = s.lineno
            em.emit_line(s.lineno)
            em.open("{")
            if isinstance(s, ast.While):
                _emit_while(em, s, _qualifies(em, s), labels, loops)
            else:
                t = em.long_int("b")
                em.open("{")
                em.emit(f"{t} = {em.truth(s.test)};")
                em.close("}")
                em.open(f"if ({t}) {{")
                _generic_stmts(em, s.body, labels, loops)
                if s.orelse:
                    em.close("} else {")
                    em.depth += 1
                    _generic_stmts(em, s.orelse, labels, loops)
                em.close("}")
            em.close("}")
        else:
            em.stmt(s)
