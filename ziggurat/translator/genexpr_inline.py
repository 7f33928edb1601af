"""Stage 7, emit (part of unit_emitter.py): a generator expression handed straight to a
builtin that consumes it - `list(g)`, `set(g)`, `tuple(g)`, `frozenset(g)`, `sorted(g)`,
`any(g)`, `all(g)`, `min(g)`, `max(g)`, `"sep".join(g)` and `sum(g)` of int constants - runs as
a loop inline in the calling function, with no function, generator or frame objects made for it.

The callee is loaded first (as the interpreter does); the first iterable is evaluated and
iter() taken eagerly in the enclosing scope (exact lists, tuples and ranges are walked in
place instead: their iterators run no code); then a run-time test of the loaded callee
(the very type object, or zrt::is_builtin for functions) selects the inlined loop, and
anything else - a shadowing global, patched builtins, abi3 where builtins cannot be
identified - takes the generic path: a real generator passed to whatever the name holds.
What the inlined loop keeps from the generator: its own scope (the genexpr's names are
locals of the inline block, cells where a closure captures them; free names read the
enclosing function's cells), PEP 479 (a StopIteration leaving the body becomes
RuntimeError), a `<genexpr>` traceback entry for errors raised in the body, and the split
between the body's work (element, conditions, inner iterables: the generator's) and the
consumer's (hashing for a set, truth for any/all, comparisons for min/max: the caller's).
any/all stop at the deciding item, releasing the iterators as a dropped generator would.

This module must not inline anything whose behaviour could differ from the generic call:
`sum` only of an element whose every value is an int constant (`1 if c else 0`; 3.12+ sums
floats with compensated summation, and any other item could be anything), not keywords,
async generator expressions and bodies that read their frame (super(), locals()...).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Callable

from .scopes import CELL, COMP, COMPCELL, FAST, FREE, GLOBAL, Scope

if TYPE_CHECKING:
    from .unit_emitter import UnitEmitter, Val

# consumers that are types: the guard is the type object itself (also under abi3)
TYPE_CONSUMERS = {"list": "PyList_Type", "set": "PySet_Type", "frozenset": "PyFrozenSet_Type",
                  "tuple": "PyTuple_Type"}
# consumers that are builtin functions: zrt::is_builtin (never true under abi3)
FUNCTION_CONSUMERS = ("sorted", "any", "all", "min", "max")
# what the body must not mention: names reading the frame or the enclosing function's
# arguments, which an inlined body would see as the caller's
FRAME_NAMES = frozenset({"super", "__class__", "locals", "vars", "dir", "eval", "exec", "globals"})
# attributes that walk the frame chain (no `<genexpr>` frame is on it while the inlined
# loop runs: a body naming them keeps its generator)
FRAME_ATTRS = frozenset({"_getframe", "currentframe", "stack", "extract_stack", "print_stack"})
# the consumer collects the items into a list first (as the builtin itself does)
COLLECT_LIST = ("list", "sorted", "join")
# consumers whose items a Pick's native pass may build (runtime/genexpr.hpp)
PICKED_SEQUENCES = ("tuple", "list")


def consumer(node: ast.Call) -> str | None:
    """The consumer of `node` if it is one of the inlinable `builtin(genexpr)` shapes."""
    gx = node.args[0] if len(node.args) == 1 else None
    if node.keywords or not isinstance(gx, ast.GeneratorExp):
        return None
    f = node.func
    if isinstance(f, ast.Name) and (f.id in TYPE_CONSUMERS or f.id in FUNCTION_CONSUMERS):
        return f.id
    if isinstance(f, ast.Name) and f.id == "sum" and int_constants(gx.elt):
        return "sum"
    # str.join cannot be replaced: a str constant's method is certainly the builtin one
    if (isinstance(f, ast.Attribute) and f.attr == "join" and isinstance(f.value, ast.Constant)
            and isinstance(f.value.value, str)):
        return "join"
    return None


def int_constants(e: ast.expr) -> bool:
    """Is every value `e` can have an int constant (an exact int: not a bool)?"""
    if isinstance(e, ast.IfExp):
        return int_constants(e.body) and int_constants(e.orelse)
    return isinstance(e, ast.Constant) and type(e.value) is int


@dataclass(frozen=True)
class Pick:
    """The element of `... for v in <iterable>` (one `for`, no condition) that picks an item
    of one sequence by the loop variable: `seq[v]` (sign 0), `seq[v] + v` or `v + seq[v]`
    (1), `seq[v] - v` (-1); `seq` is read through a cell of the enclosing function."""

    seq: str
    sign: int


def pick_of(em: "UnitEmitter", gx: ast.GeneratorExp) -> Pick | None:
    """The Pick of `gx`'s element, or None."""
    if len(gx.generators) != 1:
        return None
    gen = gx.generators[0]
    if gen.ifs or gen.is_async or not isinstance(gen.target, ast.Name):
        return None
    v = gen.target.id

    def picked(n: ast.expr) -> str | None:
        if (isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id != v
                and isinstance(n.slice, ast.Name) and n.slice.id == v):
            return n.value.id
        return None

    def is_v(n: ast.expr) -> bool:
        return isinstance(n, ast.Name) and n.id == v

    e = gx.elt
    seq, sign = picked(e), 0
    if seq is None and isinstance(e, ast.BinOp) and isinstance(e.op, (ast.Add, ast.Sub)):
        if is_v(e.right):
            seq, sign = picked(e.left), (1 if isinstance(e.op, ast.Add) else -1)
        elif isinstance(e.op, ast.Add) and is_v(e.left):
            seq, sign = picked(e.right), 1
    # (a global or a class-body name is read by name, which may run code: the loop does it)
    if seq is None or em.scopes.of(gx).access(seq) != FREE or em.access(seq) not in (CELL, FREE, COMPCELL):
        return None
    return Pick(seq, sign)


def len_of_set(node: ast.Call) -> ast.Call | None:
    """The inner `set(genexpr)` call of `len(set(genexpr))`, or None."""
    if not (isinstance(node.func, ast.Name) and node.func.id == "len" and len(node.args) == 1 and not node.keywords):
        return None
    inner = node.args[0]
    return inner if isinstance(inner, ast.Call) and consumer(inner) == "set" else None


def first_walk(em: "UnitEmitter", gx: ast.GeneratorExp, first: "Val | None" = None,
               res: str | None = None) -> tuple["Val", str]:
    """The walk of the first iterable (zrt::SeqWalk, runtime/listops.hpp), begun in the
    enclosing scope where the generator takes iter() of it; and the result variable. An
    exact list, tuple or range is walked in place (the iterator those types make runs no
    code and no one sees it: it is only made when the generic path needs it), anything
    else through iter() taken here, as the interpreter does. `first`: the iterable's value,
    evaluated already; `res`: the result variable, declared already."""
    from .unit_emitter import Val

    if first is None:
        first = em.expr(gx.generators[0].iter)
    walk = em.fresh("w")
    em.emit(f"zrt::SeqWalk {walk};")
    em.check_int(f"zrt::seq_walk_start({first.expr}, &{walk})")
    em.release(first)
    if res is None:
        res = em.fresh("gx")
        em.emit(f"zrt::Ref {res};")
    return Val(walk), res


def _walk_iterator(em: "UnitEmitter", walk: "Val") -> "Val":
    """The iterator the generic path hands the generator (made now for a walked sequence)."""
    return em.call(f"zrt::xnewref(zrt::seq_walk_iter(&{walk.expr}))")


def emit_len_of_set(em: "UnitEmitter", node: ast.Call, inner: ast.Call) -> "Val":
    """`len(set(genexpr))`: the items counted by zrt::DistinctCount (runtime/setcount.hpp)
    when `len` and `set` are the builtins, else both generic calls. The names load in the
    interpreter's order: len, set, then the first iterable."""
    from .unit_emitter import Val

    gx = inner.args[0]
    assert isinstance(gx, ast.GeneratorExp)
    length = em.expr(node.func, owned=True)
    callee = em.expr(inner.func, owned=True)
    it, res = first_walk(em, gx)
    em.open(f"if ({callee.expr} == (PyObject*)&PySet_Type && "
            f"zrt::is_builtin({length.expr}, \"builtins\", \"len\", &{em.spec.site()})) {{")
    _inline_loop(em, inner, gx, "len_set", it, res, callee, pick_of(em, gx))
    em.close("}")
    em.open("else {")
    gen = em.genexpr_call(gx, _walk_iterator(em, it))
    made = em.call(f"zrt::call_one({callee.expr}, {gen.expr})")
    r = em.call(f"zrt::call_one({length.expr}, {made.expr})")
    em.emit(f"{res}.set({r.steal()});")
    em.close("}")
    em.release(length, callee)
    em.emit(f"{it.expr}.clear();")  # (the iterator's references, dropped as the interpreter drops it)
    return Val(f"{res}.p", res)


def inlinable(em: "UnitEmitter", gx: ast.GeneratorExp) -> bool:
    """Can the body of `gx` run inline in em's current scope with the same meaning?"""
    from .unit_emitter import _async_genexp

    if _async_genexp(gx):
        return False
    if any((isinstance(n, ast.Name) and n.id in FRAME_NAMES) or (isinstance(n, ast.Attribute) and n.attr in FRAME_ATTRS)
           for n in ast.walk(gx)):
        return False
    scope = em.scopes.of(gx)
    for name in scope.bound | scope.used:
        kind = scope.access(name)
        if kind == FREE:
            # read through the enclosing function's cell, as the generator's closure would
            if em.access(name) not in (CELL, FREE, COMPCELL):
                return False
        elif kind not in (FAST, CELL, GLOBAL):
            return False  # a class namespace seen from an annotation scope...
    return True


@dataclass(eq=False)
class InlinedGenexpScope(Scope):
    """A generator expression's scope as seen from its inlined loop: its own names are the
    inline block's (COMP / COMPCELL, as a comprehension's), its free names are whatever
    they are in the scope it is inlined into."""

    outer: Scope | None = None

    def access(self, name: str) -> str:
        kind = super().access(name)
        if kind == FAST:
            return COMP
        if kind == CELL:
            return COMPCELL
        return kind


def outer_cell(em: "UnitEmitter", scope: InlinedGenexpScope, name: str) -> str:
    """The cell a free variable of an inlined generator expression reads: the one its
    generator's closure would hold, from the scope it is inlined into."""
    saved, em.scope = em.scope, scope.outer  # type: ignore[assignment]
    try:
        return em.cell_of(name)
    finally:
        em.scope = saved


def emit_consumed(em: "UnitEmitter", node: ast.Call, what: str) -> "Val":
    """`what(genexpr)`: the guarded inline loop, else the generic call."""
    gx = node.args[0]
    assert isinstance(gx, ast.GeneratorExp)
    callee: Val | None = None
    if what != "join":
        callee = em.expr(node.func, owned=True)
    pick = pick_of(em, gx)
    src = gx.generators[0].iter
    if (callee is not None and what in PICKED_SEQUENCES and pick is not None and pick.sign == 0
            and isinstance(src, ast.Subscript) and isinstance(src.slice, ast.Slice) and src.slice.step is None):
        return _picked_slice(em, node, gx, what, callee, pick, src)
    return _consumed(em, node, gx, what, callee, pick)


def _picked_slice(em: "UnitEmitter", node: ast.Call, gx: ast.GeneratorExp, what: str, callee: "Val", pick: "Pick",
                  src: ast.Subscript) -> "Val":
    """`tuple(p[v] for v in lst[lo:hi])`: the items picked straight through `lst` when
    that runs no code (runtime/genexpr.hpp: no slice list is made, nor anything else anyone
    could see), else the slice taken and the call as usual. The slice's operands are
    evaluated as the interpreter does: the sequence, then its bounds."""
    from .unit_emitter import Val

    assert isinstance(src.slice, ast.Slice)
    lst = em.expr(src.value)
    lo, hi = (f"zrt::Bound{{&{em.spec.key(b)}}}" if b is not None else "zrt::Bound{nullptr}"
              for b in (src.slice.lower, src.slice.upper))
    res, pk, ix = em.fresh("gx"), em.fresh("pk"), em.fresh("ix")
    em.emit(f"zrt::Ref {res};")
    em.emit(f"zrt::PickIndices {ix};")
    em.emit(f"int {pk} = {callee.expr} == (PyObject*)&{TYPE_CONSUMERS[what]} && "
            f"zrt::pick_indices_of_slice({lst.expr}, {lo}, {hi}, &{ix}) ? "
            f"zrt::pick_items(PyCell_GET({em.cell_of(pick.seq)}), {ix}, {str(what == 'list').lower()}, &{res}) : 0;")
    em.emit(f"if ({pk} < 0) {em.fail()}")
    em.open(f"if (!{pk}) {{")
    sliced = em.call(f"zrt::list_getslice({lst.expr}, {lo}, {hi}, 1)")
    em.release(lst)
    _consumed(em, node, gx, what, callee, None, sliced, res)
    em.close("}")
    em.release(lst, callee)
    return Val(f"{res}.p", res)


def _consumed(em: "UnitEmitter", node: ast.Call, gx: ast.GeneratorExp, what: str, callee: "Val | None",
              pick: "Pick | None", first: "Val | None" = None, res_var: str | None = None) -> "Val":
    from .unit_emitter import Val

    it, res = first_walk(em, gx, first, res_var)
    if callee is None:
        em.open("{")
    elif what in TYPE_CONSUMERS:
        em.open(f"if ({callee.expr} == (PyObject*)&{TYPE_CONSUMERS[what]}) {{")
    else:
        em.open(f"if (zrt::is_builtin({callee.expr}, \"builtins\", \"{what}\", &{em.spec.site()})) {{")
    _inline_loop(em, node, gx, what, it, res, callee, pick)
    em.close("}")
    if callee is not None:
        em.open("else {")
        gen = em.genexpr_call(gx, _walk_iterator(em, it))
        r = em.call(f"zrt::call_one({callee.expr}, {gen.expr})")
        em.emit(f"{res}.set({r.steal()});")
        em.close("}")
        em.release(callee)
    em.emit(f"{it.expr}.clear();")
    return Val(f"{res}.p", res)


def _inline_loop(em: "UnitEmitter", node: ast.Call, gx: ast.GeneratorExp, what: str, it: "Val", res: str,
                 callee: "Val | None", pick: "Pick | None" = None) -> None:
    from .unit_emitter import TryBody, Val, _cstr

    scope = em.scopes.of(gx)
    inlined = InlinedGenexpScope(**{f.name: getattr(scope, f.name) for f in fields(Scope)}, outer=em.scope)
    inlined.bound = {n for n in scope.bound if n != ".0"}  # (the iterator is `it`)
    handler, done = em.new_label("gx"), em.new_label("gxdone")
    line = em.lineno
    buf = em.fresh("buf")
    if what == "tuple":
        em.emit(f"zrt::ItemBuffer {buf};")
    elif what == "len_set":
        em.emit(f"zrt::DistinctCount {buf};")
    elif what == "sum":
        em.emit(f"zrt::IntSum {buf};")
    elif what in COLLECT_LIST:
        em.emit(f"{res}.set(PyList_New(0));")
    elif what in ("set", "frozenset"):
        em.emit(f"{res}.set(PySet_New(nullptr));")
    elif what in ("any", "all"):
        em.emit(f"{res}.set(zrt::newref({'Py_False' if what == 'any' else 'Py_True'}));")
    if what not in ("min", "max", "tuple", "len_set", "sum"):
        em.check_null(res)
    body = TryBody(handler)
    # the lines of a generator expression spread over several: as its generator's statements
    multiline = (gx.end_lineno or gx.lineno) != gx.lineno

    def consume() -> None:
        if multiline:
            em.set_line(gx.elt)
        if what == "len_set" and em.spec.wants(gx.elt):
            # a number counted as it is, boxed only when it is not a small int
            t = em.spec.num(gx.elt)  # the generator's work
            assert em.ctx[-1] is body
            em.ctx.pop()
            em.check_int(f"{buf}.add_num({t})")
            em.ctx.append(body)
            return
        item = em.expr(gx.elt)  # the generator's work
        assert em.ctx[-1] is body
        em.ctx.pop()             # from here the consumer's: no <genexpr> entry, no PEP 479
        if what in ("tuple", "len_set", "sum"):
            em.check_int(f"{buf}.add({item.expr})")
        elif what in COLLECT_LIST:
            em.check_int(f"PyList_Append({res}.p, {item.expr})")
        elif what in ("set", "frozenset"):
            em.check_int(f"PySet_Add({res}.p, {item.expr})")
        elif what in ("any", "all"):
            t = em.fresh("t")
            em.emit(f"int {t} = PyObject_IsTrue({item.expr});")
            em.emit(f"if ({t} < 0) {em.fail()}")
            em.emit(f"if ({'' if what == 'any' else '!'}{t}) {{ {res}.set(zrt::newref("
                    f"{'Py_True' if what == 'any' else 'Py_False'})); goto {done}; }}")
        else:  # min / max: the builtin's rule, `item op best` replaces the best so far
            op = "Py_LT" if what == "min" else "Py_GT"
            c = em.fresh("c")
            em.emit(f"if (!{res}.p) {res}.set(zrt::newref({item.expr}));")
            em.open("else {")
            em.emit(f"int {c} = PyObject_RichCompareBool({item.expr}, {res}.p, {op});")
            em.emit(f"if ({c} < 0) {em.fail()}")
            em.emit(f"if ({c}) {res}.set(zrt::newref({item.expr}));")
            em.close("}")
        em.ctx.append(body)

    # (a sum is an item of its own: tuple/list only take the picked items themselves)
    picked = pick is not None and (what == "len_set" or (what in PICKED_SEQUENCES and pick.sign == 0))
    pk = em.fresh("pk")
    if picked:
        assert pick is not None
        # one native pass over the indices when it runs no code (runtime/genexpr.hpp); the
        # loop otherwise, from the start (the pass took nothing from the walk)
        ix = em.fresh("ix")
        seq = f"PyCell_GET({em.cell_of(pick.seq)})"
        run = (f"zrt::pick_distinct({seq}, {ix}, {pick.sign}, &{buf})" if what == "len_set" else
               f"zrt::pick_items({seq}, {ix}, {str(what == 'list').lower()}, &{res})")
        em.emit(f"zrt::PickIndices {ix};")
        em.emit(f"int {pk} = zrt::pick_indices_of_walk(&{it.expr}, &{ix}) ? {run} : 0;")
        em.emit(f"if ({pk} < 0) {em.fail()}")
        em.open(f"if (!{pk}) {{")
    em.ctx.append(body)
    loop: Callable[[], None] = lambda: em.comp_loop(gx.generators, 0, it, Val(f"{res}.p"), [gx.elt], what, consume,
                                                    first_iterator=True, track_lines=multiline)
    em.in_inline_scope(inlined, loop)
    assert em.ctx[-1] is body
    em.ctx.pop()
    if picked:
        em.close("}")
    # (a body spanning lines moved L_line: the caller's line again, for its own entry)
    moved = multiline  # (static tracking cannot tell: the loop runs other lines)
    if moved:
        em.emit_line(line)
    em.emit(f"goto {done};")
    # an error raised by the body: the generator's frame in the traceback, then PEP 479
    site = f"TB_{em.mod.next_id()}"
    first = gx.lineno
    nlines = max((gx.end_lineno or first) - first + 1, 1)
    em.mod.tb_sites.append(f"static zrt::TbSite {site} = {{{_cstr('<genexpr>')}, {first}, nullptr, "
                           f"{_cstr(scope.qualname)}, {nlines}, nullptr, nullptr, 0}};")
    em.label(handler)
    em.emit(f"zrt::add_traceback(&{site}, S.globals, S.filename, L_line);")
    em.label(handler + "_nt")
    em.emit("zrt::genexpr_body_error();")
    if moved:
        em.emit_line(line)
    em.emit(em.fail())
    em.label(done)
    em.lineno = line
    if what == "tuple":
        # (a native pass made the tuple itself)
        em.emit(f"{'if (!' + pk + ') ' if picked else ''}{res}.set({buf}.tuple());")
        em.check_null(res)
    elif what == "len_set":
        em.emit(f"{res}.set({buf}.length());")
        em.check_null(res)
    elif what == "sum":
        em.emit(f"{res}.set({buf}.total());")
        em.check_null(res)
    elif what == "frozenset":
        em.emit(f"{res}.set(PyFrozenSet_New({res}.p));")
        em.check_null(res)
    elif what == "sorted":
        em.check_int(f"PyList_Sort({res}.p)")
    elif what == "join":
        assert isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Constant)
        em.emit(f"{res}.set(PyUnicode_Join({em.mod.const(node.func.value.value)}, {res}.p));")
        em.check_null(res)
    elif what in ("min", "max"):
        assert callee is not None
        # empty: the builtin itself raises its ValueError (the message differs by version)
        em.emit(f"if (!{res}.p) {{ zrt::Ref e(PyObject_CallOneArg({callee.expr}, {em.mod.const(())})); {em.fail()} }}")
