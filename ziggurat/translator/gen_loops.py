"""Stage 7, emit (part of unit_emitter.py): `for x in reversed(range(...))` in a generator
body, counted natively when `reversed` and `range` are the builtins and the bounds exact
ints (the specialised tier's counted loops leave generators alone: their locals live in the
heap frame). The counter lives in the generator frame's int slots, so it survives `yield`;
a loop variable that is a Num local (GenObject::nums) takes the native value, boxed only
when someone needs the object. A body intloop runs natively steps these same slots itself
(intloop.Counter), back edge and all, while the count lasts.

The iterator of a `for` is on no name, so making none is not observable: the names and the
arguments are evaluated as the generic call would (reversed, range, then the arguments),
and anything else - a shadowed name, a bool or int subclass bound, a step, a bound beyond
what an int slot holds - takes the generic path, the very calls the interpreter makes.
This module must not change what the loop variable receives: an exact int, each value of
the range from its end down.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from . import intloop
from . import names as nm

if TYPE_CHECKING:
    from .unit_emitter import UnitEmitter


def wants_reversed_range(em: "UnitEmitter", node: ast.For) -> bool:
    """`for target in reversed(range(a))` / `reversed(range(a, b))` in a generator."""
    call = node.iter
    if em.gen != "generator" or not isinstance(call, ast.Call):
        return False
    if not (isinstance(call.func, ast.Name) and call.func.id == "reversed" and len(call.args) == 1
            and not call.keywords):
        return False
    inner = call.args[0]
    return (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "range"
            and 1 <= len(inner.args) <= 2 and not inner.keywords
            and not any(isinstance(a, ast.Starred) for a in inner.args))


def reversed_range_loop(em: "UnitEmitter", node: ast.For) -> None:
    call = node.iter
    assert isinstance(call, ast.Call) and isinstance(call.args[0], ast.Call)
    inner = call.args[0]
    # (int slots of the generator frame: they survive a yield in the body)
    cur, stop, native = em.long_int("rc"), em.long_int("rs"), em.long_int("rn")

    def getter(it: str) -> None:
        em.set_line(call)
        rev = em.expr(call.func, owned=True)
        rng = em.expr(inner.func, owned=True)
        args = [em.expr(a, owned=True) for a in inner.args]
        second = args[1].expr if len(args) == 2 else "nullptr"
        em.emit(f"{native} = zrt::reversed_range_start({rev.expr}, {rng.expr}, {args[0].expr}, {second}, "
                f"&{cur}, &{stop});")
        em.open(f"if (!{native}) {{")
        arr = em.fresh("a")
        em.emit(f"PyObject* {arr}[] = {{nullptr{''.join(', ' + a.expr for a in args)}}};")
        r = em.call(f"zrt::call_vector({em.call_tstate()}, {rng.expr}, {arr} + 1, {len(args)} | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr)")
        rv = em.call(f"zrt::call_one({rev.expr}, {r.expr})")
        em.emit(f"{it}.set(PyObject_GetIter({rv.expr}));")
        em.check_null(it)
        em.close("}")

    def fetch(loop: ast.For | ast.AsyncFor, it: str, done: str) -> None:
        from .unit_emitter import Val

        em.open(f"if ({native}) {{")
        em.emit(f"if ({cur} <= {stop}) goto {done};")
        em.emit(f"--{cur};")
        target = loop.target
        if isinstance(target, ast.Name) and em.spec.is_num_local(target.id):
            # (a Num local in the generator's heap frame: boxed when someone needs the object)
            em.emit(f"{nm.LOCAL}{nm.ident(target.id)}.set_int({cur});")
        else:
            item = em.fresh()
            em.emit(f"zrt::Ref {item}(zrt::box_i64({cur}));")
            em.check_null(item)
            em.assign(target, Val(f"{item}.p", item), keep=False)
        em.close("}")
        em.open("else {")
        em.next_item(loop, it, done)
        em.close("}")

    em.for_loop(node, getter, fetch, counter=intloop.Counter(cur, stop, native))
