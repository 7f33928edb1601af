"""Stage 7, emit (code units): one C++ function per module body, function, lambda or class
body, in the generic tier (every operation through the CPython C API).

In: an analysed AST unit and its scope. Out: C++ text appended to the ModuleEmitter.

Shape of the emitted code (see runtime/ziggurat.hpp for the error model):
  * every Python statement is one C++ block, so its temporaries (zrt::Ref) die at its end;
  * an operation that fails jumps (goto) to the innermost handler: an `except` block, the
    exception path of a `finally`/`with`, or the function's error exit, which adds this
    frame to the traceback;
  * `return`/`break`/`continue` that leave a `finally` or `with` record why in an int
    and jump to its cleanup, which dispatches onwards after running it;
  * labels sit only where no declaration of their block can be skipped.
This module must not decide *what* is compilable (check.py does) and must never emit code
whose behaviour differs from CPython's: anything it cannot do raises NotCompilable, and the
driver falls back to the interpreter for the enclosing unit.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Callable

from . import gen_loops, genexpr_inline, intloop, jsoncall, list_stmts, methodcalls, slotclass
from . import names as nm
from .check import docstring_of, own_nodes
from .mangle import binding_name
from .module_emitter import FuncSpecInfo, ModuleEmitter, run_once_attributes
from .bound_names import certainly_bound_reads
from .floatrun import FloatRuns
from .specialise import Specialiser
from .spill import Unspillable, spill_suspensions
from .scopes import (CELL, CLASSDEREF, CLASSDICT, COMP, COMPCELL, DICTFREE, DICTGLOBAL, FAST, FREE, GLOBAL, NAME,
                     GENERIC_BASE, TYPE_PARAMS, Scope, ScopeTree)
from .types import NO_TYPES, infer_function, is_native_leaf


class NotCompilable(Exception):
    def __init__(self, node: ast.AST, reason: str) -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


@dataclass
class Val:
    """A PyObject* expression; `owner` is the zrt::Ref holding it when the value is owned."""

    expr: str
    owner: str | None = None

    def steal(self) -> str:
        return f"{self.owner}.release()" if self.owner else f"zrt::newref({self.expr})"


# control-flow context entries
@dataclass
class Loop:
    brk: str
    cont: str


@dataclass
class TryBody:
    handler: str  # label that adds the traceback entry; handler + "_nt" skips it


@dataclass
class Cleanup:
    """finally / with: exits through it record why (1 return, 2 break, 3 continue)."""

    label: str
    exc_label: str
    why: str
    uses: set[int] = field(default_factory=set)


@dataclass
class Handler:
    """An active except block; leaving it unbinds the `as` name."""

    unbind: str


NO_ARGS = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])

BINOPS = {
    ast.Add: ("zrt::add", "zrt::inplace_add"),
    ast.Sub: ("zrt::subtract", "zrt::inplace_subtract"),
    ast.Mult: ("PyNumber_Multiply", "PyNumber_InPlaceMultiply"),
    ast.MatMult: ("PyNumber_MatrixMultiply", "PyNumber_InPlaceMatrixMultiply"),
    ast.Div: ("PyNumber_TrueDivide", "PyNumber_InPlaceTrueDivide"),
    ast.FloorDiv: ("PyNumber_FloorDivide", "PyNumber_InPlaceFloorDivide"),
    ast.Mod: ("PyNumber_Remainder", "PyNumber_InPlaceRemainder"),
    ast.Pow: ("zrt::power", "zrt::inplace_power"),
    ast.LShift: ("PyNumber_Lshift", "PyNumber_InPlaceLshift"),
    ast.RShift: ("PyNumber_Rshift", "PyNumber_InPlaceRshift"),
    ast.BitOr: ("zrt::bit_or", "zrt::inplace_or"),
    ast.BitXor: ("zrt::bit_xor", "zrt::inplace_xor"),
    ast.BitAnd: ("zrt::bit_and", "zrt::inplace_and"),
}
CMPOPS = {ast.Eq: "Py_EQ", ast.NotEq: "Py_NE", ast.Lt: "Py_LT", ast.LtE: "Py_LE", ast.Gt: "Py_GT", ast.GtE: "Py_GE"}
UNARY = {ast.USub: "PyNumber_Negative", ast.UAdd: "PyNumber_Positive", ast.Invert: "PyNumber_Invert"}


class UnitEmitter:
    """Emits one C++ function for one code unit."""

    def __init__(self, mod: ModuleEmitter, scopes: ScopeTree, scope: Scope, future_annotations: bool) -> None:
        self.mod = mod
        self.scopes = scopes
        self.unit = scope            # the scope owning the C++ function
        self.scope = scope           # the scope names resolve in (differs inside comprehensions)
        self.future_annotations = future_annotations
        self.lines: list[str] = []
        self.depth = 1
        self.n = 0
        self.ctx: list[object] = []
        self.comp_locals: list[dict[str, str]] = []
        self.owned_loads = False     # statement contains := (loads must own their value)
        self.lineno = getattr(scope.node, "lineno", 1)
        # Generators: locals and every value that must survive a `yield` live in the heap
        # frame (slots); elsewhere the same "long" values are C++ locals of the function.
        self.gen: str | None = None  # "generator" | "coroutine" while emitting one
        self.top_decls: list[str] = []
        self.nslots = 0
        self.nints = 1               # ints[0] holds the line number
        self.resume_labels: list[str] = []
        self.active: list[tuple[str, str]] = []  # generator: (exception, saved) of open handlers
        # the specialised tier's native paths (a function's Num locals are set in emit_function)
        self.spec = Specialiser(self, NO_TYPES)
        self.float_runs = FloatRuns(self)
        self.direct: str | None = None  # a module-level function with a direct entry: its name
        self.views: dict[str, int] = {}  # parameters that are the caller's Nums: their index
        self.type_param_saved: list[Scope] = []  # scopes around open annotation scopes

    # -- values that outlive one statement ------------------------------------------------
    def long_ref(self, prefix: str = "s") -> str:
        name = self.fresh(prefix)
        if self.gen:
            self.top_decls.append(f"zrt::Ref& {name} = zrt::slot(F[{self.nslots}]);")
            self.nslots += 1
        else:
            self.top_decls.append(f"zrt::Ref {name};")
        return name

    def long_int(self, prefix: str = "w") -> str:
        name = self.fresh(prefix)
        if self.gen:
            self.top_decls.append(f"int& {name} = FI[{self.nints}];")
            self.nints += 1
        else:
            self.top_decls.append(f"int {name} = 0;")
        return name

    # -- output helpers ------------------------------------------------------------------
    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def open(self, line: str = "{") -> None:
        self.emit(line)
        self.depth += 1

    def close(self, line: str = "}") -> None:
        self.depth -= 1
        self.emit(line)

    def label(self, name: str) -> None:
        self.lines.append("    " * max(self.depth - 1, 0) + f"{name}:;")

    def fresh(self, prefix: str = nm.TEMP) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def new_label(self, what: str) -> str:
        self.n += 1
        return f"{nm.LABEL}{self.n}_{what}"

    # -- control flow --------------------------------------------------------------------
    def fail(self, notb: bool = False) -> str:
        """Code that propagates the current error to the innermost handler."""
        cleanup: list[str] = []
        for entry in reversed(self.ctx):
            if isinstance(entry, TryBody):
                return self._goto(cleanup, entry.handler + ("_nt" if notb else ""))
            if isinstance(entry, Cleanup):
                return self._goto(cleanup, entry.exc_label + ("_nt" if notb else ""))
            if isinstance(entry, Handler) and entry.unbind:
                cleanup.append(entry.unbind)
        return self._goto(cleanup, "L_error_nt" if notb else "L_error")

    @staticmethod
    def _goto(cleanup: list[str], label: str) -> str:
        if not cleanup:
            return f"goto {label};"
        return "{ " + " ".join(cleanup) + f" goto {label}; }}"

    def jump(self, kind: str, ret: Val | None = None) -> None:
        """Emit a return / break / continue, running the cleanups it leaves."""
        if ret is not None and ret.owner is None:
            # own the value before any cleanup (unbinding `except ... as e`, leaving a
            # handler) can drop the last reference to what it borrows from
            ret = self.call(f"zrt::newref({ret.expr})")
        cleanup: list[str] = []
        for entry in reversed(self.ctx):
            if isinstance(entry, Handler) and entry.unbind:
                cleanup.append(entry.unbind)
            elif isinstance(entry, Loop) and kind in ("break", "continue"):
                for c in cleanup:
                    self.emit(c)
                self.emit(f"goto {entry.brk if kind == 'break' else entry.cont};")
                return
            elif isinstance(entry, Cleanup):
                why = {"return": 1, "break": 2, "continue": 3}[kind]
                entry.uses.add(why)
                for c in cleanup:
                    self.emit(c)
                if ret is not None:
                    self.emit(f"L_ret.set({ret.steal()});")
                self.emit(f"{entry.why} = {why}; goto {entry.label};")
                return
        if kind != "return":
            raise NotCompilable(ast.Pass(), f"'{kind}' outside loop")
        for c in cleanup:
            self.emit(c)
        self.emit(self.return_code(ret.steal() if ret is not None else "L_ret.release()"))

    def return_code(self, owned: str) -> str:
        """Leave the function with an owned value (a generator finishes with it)."""
        if self.gen:
            return f"return zrt::gen_return(G, {owned});"
        if self.direct:
            return f"return zrt::num_obj({owned});"
        return f"return {owned};"

    def check_null(self, var: str) -> None:
        self.emit(f"if (!{var}.p) {self.fail()}")

    def call(self, expr: str) -> Val:
        """Declare an owned temporary for a call returning a new reference (NULL = error)."""
        t = self.fresh()
        self.emit(f"zrt::Ref {t}({expr});")
        self.check_null(t)
        return Val(f"{t}.p", t)

    def release(self, *vals: Val) -> None:
        """Drop owned temporaries as soon as they are consumed, as the interpreter pops its
        stack (an object's lifetime is observable through weakrefs and __del__)."""
        for v in vals:
            if v.owner:
                self.emit(f"{v.owner}.clear();")

    def check_int(self, expr: str) -> None:
        self.emit(f"if ({expr} < 0) {self.fail()}")

    def set_line(self, node: ast.AST) -> None:
        line = getattr(node, "lineno", None)
        if line is not None and line != self.lineno:
            self.lineno = line
            self.emit_line(line)

    def has_frame(self) -> bool:
        """Does this unit run under a frame of its own (runtime/frames.hpp)? The module body
        runs under the interpreted frame of its trampoline (module.hpp)."""
        return self.unit.kind != "module"

    def frame_span(self) -> tuple[int, int]:
        """The first line of the unit and how many lines its frame code covers."""
        first = getattr(self.unit.node, "lineno", 1)
        last = getattr(self.unit.node, "end_lineno", None) or first
        return first, max(last - first + 1, 1)

    def emit_line(self, line: int) -> None:
        """The current line changes: for tracebacks (L_line) and the frame's f_lineno (its
        instruction index in the frame code: one store, clamped at translation time)."""
        self.emit(f"L_line = {line};")
        if self.has_frame():
            first, nlines = self.frame_span()
            self.emit(f"L_recursion.at({min(max(line - first, 0), nlines - 1)});")

    # -- names ---------------------------------------------------------------------------
    def access(self, name: str) -> str:
        return self.scope.access(name)

    def comp_var(self, name: str) -> str:
        for frame in reversed(self.comp_locals):
            if name in frame:
                return frame[name]
        raise KeyError(name)

    def free_cell(self, name: str) -> str:
        """The cell object of a free variable of this unit."""
        if isinstance(self.scope, genexpr_inline.InlinedGenexpScope):
            return genexpr_inline.outer_cell(self, self.scope, name)
        index = self.unit.frees.index(name)
        return f"PyTuple_GET_ITEM(L_closure, {index})"

    def cell_of(self, name: str) -> str:
        """The cell object for `name` as seen from the current scope (to build closures)."""
        if self.unit.kind == "class" and name == "__class__" and self.unit.needs_classcell:
            return "L_classcell"
        if self.unit.kind == "class" and name == CLASSDICT:
            return "L_classdict.p"
        kind = self.access(name)
        if kind == COMPCELL:
            return f"{self.comp_var(name)}.p"
        if kind == CELL:
            return f"{nm.CELL}{nm.ident(name)}.p"
        if name in self.unit.frees or (kind == FREE and isinstance(self.scope, genexpr_inline.InlinedGenexpScope)):
            return self.free_cell(name)
        raise NotCompilable(self.unit.node, f"no cell for '{name}'")

    def ns(self) -> str:
        return "S.globals" if self.unit.kind == "module" else "L_ns"

    def load_name(self, name: str, node: ast.Name | None = None) -> Val:
        kind = self.access(name)
        ident = self.mod.ident(name)
        checked = node is None or not self.spec.certainly_bound(node)  # (bound_names.py)
        if kind == FAST and self.spec.is_num_local(name):
            var = f"{nm.LOCAL}{nm.ident(name)}"
            if checked:
                self.emit(f"if (!{var}.bound()) {{ zrt::unbound_local({_cstr(name)}); {self.fail()} }}")
            box = self.fresh("x")
            self.emit(f"PyObject* {box} = zrt::num_local_obj({var});")
            self.emit(f"if (!{box}) {self.fail()}")
            if self.owned_loads:
                return self.call(f"zrt::newref({box})")
            return Val(box)
        if kind == FAST:
            var = f"{nm.LOCAL}{nm.ident(name)}"
            if checked:
                self.emit(f"if (!{var}.p) {{ zrt::unbound_local({_cstr(name)}); {self.fail()} }}")
            if self.owned_loads:
                return self.call(f"zrt::newref({var}.p)")
            return Val(f"{var}.p")
        if kind == COMP:
            var = self.comp_var(name)
            if self.owned_loads:
                return self.call(f"zrt::newref({var}.p)")
            return Val(f"{var}.p")
        if kind == COMPCELL:
            if self.scope.kind == "annotation" and self.scope.sees_class:
                # CPython reads a captured type parameter of a class-level annotation scope
                # with LOAD_FROM_DICT_OR_DEREF: a class attribute of that name wins
                return self.call(f"zrt::load_class_deref(L_ns, {ident}, {self.comp_var(name)}.p, {_cstr(name)})")
            return self.call(f"zrt::load_cell({self.comp_var(name)}.p, {_cstr(name)}, false)")
        if kind in (DICTGLOBAL, DICTFREE):
            classdict = f"PyCell_GET({self.free_cell(CLASSDICT)})"
            if kind == DICTGLOBAL:
                return self.call(f"zrt::load_class_name(&S, {classdict}, {ident})")
            return self.call(f"zrt::load_class_deref({classdict}, {ident}, {self.free_cell(name)}, {_cstr(name)})")
        if kind == CELL:
            if self.unit.kind == "class" and name == "__class__":
                return self.call(f"zrt::load_cell(L_classcell, {_cstr(name)}, false)")
            return self.call(f"zrt::load_cell({nm.CELL}{nm.ident(name)}.p, {_cstr(name)}, false)")
        if kind == FREE:
            return self.call(f"zrt::load_cell({self.free_cell(name)}, {_cstr(name)}, true)")
        if kind == GLOBAL:
            return self.call(f"zrt::load_global_cached(&S, {ident}, &{self.mod.global_cache()})")
        if kind == CLASSDEREF:
            return self.call(f"zrt::load_class_deref(L_ns, {ident}, {self.free_cell(name)}, {_cstr(name)})")
        if kind == NAME:
            if self.unit.kind == "class":
                return self.call(f"zrt::load_class_name(&S, L_ns, {ident})")
            return self.call(f"zrt::load_global_cached(&S, {ident}, &{self.mod.global_cache()})")
        raise AssertionError(kind)

    def store_name(self, name: str, val: Val) -> None:
        kind = self.access(name)
        ident = self.mod.ident(name)
        if kind == FAST:
            self.emit(f"{nm.LOCAL}{nm.ident(name)}.set({val.steal()});")
        elif kind == COMP:
            self.emit(f"{self.comp_var(name)}.set({val.steal()});")
        elif kind == COMPCELL:
            self.emit(f"zrt::store_cell({self.comp_var(name)}.p, {val.steal()});")
        elif kind == CELL:
            cell = "L_classcell" if (self.unit.kind == "class" and name == "__class__") else f"{nm.CELL}{nm.ident(name)}.p"
            self.emit(f"zrt::store_cell({cell}, {val.steal()});")
        elif kind == FREE:
            self.emit(f"zrt::store_cell({self.free_cell(name)}, {val.steal()});")
        elif kind == GLOBAL:
            self.check_int(f"PyDict_SetItem(S.globals, {ident}, {val.expr})")
        elif kind in (NAME, CLASSDEREF):
            self.check_int(f"zrt::store_name({self.ns()}, {ident}, {val.expr})")
        else:
            raise AssertionError(kind)

    def delete_name(self, name: str) -> None:
        kind = self.access(name)
        ident = self.mod.ident(name)
        if kind in (FAST, COMP):
            var = f"{nm.LOCAL}{nm.ident(name)}" if kind == FAST else self.comp_var(name)
            bound = f"{var}.bound()" if kind == FAST and self.spec.is_num_local(name) else f"{var}.p"
            self.emit(f"if (!{bound}) {{ zrt::unbound_local({_cstr(name)}); {self.fail()} }}")
            self.emit(f"{var}.clear();")
        elif kind in (CELL, FREE):
            cell = f"{nm.CELL}{nm.ident(name)}.p" if kind == CELL else self.free_cell(name)
            self.emit(
                f"if (!PyCell_GET({cell})) {{ zrt::{'unbound_local' if kind == CELL else 'unbound_free'}"
                f"({_cstr(name)}); {self.fail()} }}"
            )
            self.emit(f"zrt::store_cell({cell}, nullptr);")
        elif kind == GLOBAL:
            self.check_int(f"zrt::delete_global(&S, {ident})")
        else:
            self.check_int(f"zrt::delete_name(&S, {self.ns()}, {ident})")

    def unbind_code(self, name: str) -> str:
        """Statement text that silently unbinds `name` (end of `except ... as name`)."""
        kind = self.access(name)
        if kind == FAST:
            return f"{nm.LOCAL}{nm.ident(name)}.clear();"
        if kind == COMP:
            return f"{self.comp_var(name)}.clear();"
        if kind == CELL:
            return f"zrt::store_cell({nm.CELL}{nm.ident(name)}.p, nullptr);"
        if kind == FREE:
            return f"zrt::store_cell({self.free_cell(name)}, nullptr);"
        if kind == GLOBAL:
            return f"if (PyDict_DelItem(S.globals, {self.mod.ident(name)}) < 0) PyErr_Clear();"
        return f"if (PyObject_DelItem({self.ns()}, {self.mod.ident(name)}) < 0) PyErr_Clear();"

    # -- statements ----------------------------------------------------------------------
    def stmts(self, body: list[ast.stmt]) -> None:
        self.float_runs.stmts(body)  # each statement through self.stmt, float runs twice

    def stmt(self, node: ast.stmt) -> None:
        method = getattr(self, "stmt_" + type(node).__name__, None)
        if method is None:
            raise NotCompilable(node, f"{type(node).__name__} statement not compiled yet")
        # A borrowed load could dangle if `:=` rebinds the same name later in the statement.
        self.owned_loads = any(isinstance(n, ast.NamedExpr) for n in _own_expressions(node))
        self.lineno = node.lineno
        self.emit_line(node.lineno)
        self.open("{")
        method(node)
        self.close("}")

    def stmt_Pass(self, node: ast.Pass) -> None:
        pass

    def stmt_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, (ast.Yield, ast.YieldFrom, ast.Await)):
            self.suspend(node.value, None)
            return
        self.expr(node.value)

    def stmt_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, (ast.Yield, ast.YieldFrom, ast.Await)):
            self.suspend(node.value, node.targets)
            return
        if (len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and self.spec.assign_local(node.targets[0].id, node.value)):
            return
        if self.spec.flip_slice(node) or list_stmts.rotate_slice(self, node) or list_stmts.copy_into_dead_list(self, node):
            return
        if list_stmts.parallel_assign(node):
            # `a, b = b, a` / `x[i], x[j] = x[j], x[i]`: the values in order (each held: a later
            # one may rebind a name an earlier one read), then the stores in order, as the
            # interpreter's SWAP does; the tuple it would build for more items no one sees
            vals = [self.expr(e, owned=True) for e in node.value.elts]  # type: ignore[attr-defined]
            for target, v in zip(node.targets[0].elts, vals):  # type: ignore[attr-defined]
                self.assign(target, v, keep=True)
            return
        val = self.expr(node.value)
        for target in node.targets:
            self.assign(target, val, keep=True)

    # -- yield, yield from, await (at statement level) ----------------------------------
    def suspend(self, node: ast.expr, targets: list[ast.expr] | None, returning: bool = False) -> None:
        """`[targets =] yield x` / `yield from x` / `await x`, or `return await x`."""
        if not self.gen:
            raise NotCompilable(node, f"{type(node).__name__.lower()} outside a compiled generator")
        kind = {ast.Yield: "yield", ast.YieldFrom: "yield_from", ast.Await: "await"}[type(node)]
        value = getattr(node, "value", None)

        def produce() -> Val:
            if value is None:
                return Val("Py_None")
            return self.expr(value, owned=kind == "yield")

        def consume(result: str) -> None:
            if returning:
                self.jump("return", Val(f"{result}.p", result))
            elif targets:
                for i, target in enumerate(targets):
                    self.assign(target, Val(f"{result}.p", result), keep=i < len(targets) - 1)

        self.suspend_core(kind, produce, consume)

    def suspend_core(self, kind: str, produce, consume, on_error=None) -> None:  # type: ignore[no-untyped-def]
        """Suspend the frame: yield a value, or delegate to an iterator / awaitable.

        produce() emits the operand (in a block of its own) and returns it; consume(var)
        receives the result after resuming. The resume label sits where no declaration of
        an enclosing block is skipped. Inside except/finally blocks the handled exception
        is given back to the caller while suspended and taken again on resume, as CPython
        keeps a generator's exception state with its frame."""
        if self.comp_locals:
            raise NotCompilable(self.unit.node, "yield inside a comprehension")
        k = len(self.resume_labels) + 1
        label = self.new_label(f"resume{k}")
        self.resume_labels.append(label)
        result = self.fresh("sent")
        give_back = f"zrt::set_handled({self.active[0][1]}.p); " if self.active else ""
        take_again = (f"{self.active[0][1]}.set(zrt::get_handled()); zrt::set_handled({self.active[-1][0]}.p);"
                      f" if (!L_sent) zrt::chain_handled();"
                      if self.active else "")
        if kind == "yield":
            self.open("{")
            val = produce()
            self.emit(f"G->state = {k}; {give_back}")
            if self.gen == "asyncgen":  # wrapped, to tell it from an inner await's value
                self.emit(f"return zrt::asyncgen_wrap({val.steal()});")
            else:
                self.emit(f"return {val.steal()};")
            self.close("}")
            self.label(label)
            self.open("{")
            if take_again:
                self.emit(take_again)
            self.emit(f"if (!L_sent) {self.fail()}")
            self.emit(f"zrt::Ref {result}(zrt::newref(L_sent));")
        else:
            it = self.long_ref("yf")
            self.open("{")
            src = produce()
            if kind == "yield_from":
                self.emit(f"{it}.set(zrt::yield_from_iter({src.expr}));")
            else:  # await; the context names the error, as CPython's GET_AWAITABLE/GET_ANEXT do
                context = {"await": "AWAIT_PLAIN", "await_aenter": "AWAIT_AENTER", "await_aexit": "AWAIT_AEXIT",
                           "await_anext": "AWAIT_ANEXT"}[kind]
                self.emit(f"{it}.set(zrt::get_awaitable_iter({src.expr}, zrt::{context}));")
            self.check_null(it)
            self.close("}")
            self.emit("L_sent = Py_None;")
            self.emit("G->state = -2;")
            self.label(label)
            self.open("{")
            if take_again:
                self.emit(f"if (G->state == {k}) {{ {take_again} }}")
            out, rc = self.fresh("out"), self.fresh("r")
            self.emit(f"PyObject* {out} = nullptr;")
            self.emit(f"int {rc};")
            self.emit(f"if (!L_sent) {rc} = -1;")
            # the delegate already finished inside throw(): L_sent is its return value
            self.emit(f"else if (G->state == {k} && !G->yf) {{ {rc} = 0; {out} = zrt::newref(L_sent); }}")
            self.emit(f"else {rc} = zrt::delegate_step(G, {it}.p, L_sent, &{out});")
            if on_error is not None:
                self.open(f"if ({rc} < 0) {{")
                self.emit(f"{it}.clear();")
                on_error()
                self.emit(self.fail())
                self.close("}")
            else:
                self.emit(f"if ({rc} < 0) {{ {it}.clear(); {self.fail()} }}")
            self.emit(f"if ({rc} == 1) {{ G->state = {k}; {give_back}return {out}; }}")
            self.emit(f"{it}.clear();")
            self.emit(f"zrt::Ref {result}({out});")
        consume(result)
        self.close("}")

    # -- except / finally blocks -----------------------------------------------------------
    def enter_handler(self) -> str:
        """Start an except block (or a finally/with exit running for an exception): take the
        exception out of the indicator and make it sys.exc_info(). Returns its C++ name."""
        if not self.gen:
            self.emit("zrt::Ref L_exc(zrt::fetch_exception());")
            self.emit("zrt::HandledGuard L_guard(L_exc.p);")  # restores on every way out
            self.ctx.append(Handler(""))
            return "L_exc"
        # in a generator the state must survive a suspension: slots, and explicit restores
        exc, saved = self.long_ref("hexc"), self.long_ref("hsaved")
        self.emit(f"{exc}.set(zrt::fetch_exception());")
        self.emit(f"{saved}.set(zrt::get_handled());")
        self.emit(f"zrt::set_handled({exc}.p);")
        self.ctx.append(Handler(f"zrt::set_handled({saved}.p); {saved}.clear(); {exc}.clear();"))
        self.active.append((exc, saved))
        return exc

    def handler_exit(self) -> str:
        """Code that ends the innermost handler normally (before a goto past it)."""
        for entry in reversed(self.ctx):
            if isinstance(entry, Handler):
                return entry.unbind if self.gen else ""
        return ""

    def leave_handler_reraise(self, exc: str) -> None:
        """End the handler by re-raising its exception (already in this frame's traceback)."""
        entry = self.ctx.pop()
        assert isinstance(entry, Handler)
        if self.gen:
            exc_, saved = self.active.pop()
            self.emit(f"zrt::set_handled({saved}.p); {saved}.clear();")
        self.emit(f"zrt::restore_exception({exc}.release());")
        self.emit(self.fail(notb=True))

    def leave_handler(self) -> None:
        entry = self.ctx.pop()
        assert isinstance(entry, Handler)
        if self.gen:
            self.active.pop()

    def expr_Yield(self, node: ast.Yield) -> Val:
        raise NotCompilable(node, "yield inside an expression not compiled yet")

    expr_YieldFrom = expr_Yield
    expr_Await = expr_Yield

    def stmt_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            val = self.expr(node.value)
            self.assign(node.target, val, keep=False)
        if self.unit.kind in ("module", "class") and self.scope is self.unit:
            if isinstance(node.target, ast.Name) and node.simple:
                ann = self.annotation(node.annotation)
                anns = self.load_annotations_dict()
                self.check_int(f"PyObject_SetItem({anns.expr}, {self.mod.ident(node.target.id)}, {ann.expr})")
            elif not self.future_annotations:
                self.expr(node.annotation)
        if node.value is None and not isinstance(node.target, ast.Name):
            # the target's object and subscript are still evaluated
            if isinstance(node.target, ast.Attribute):
                self.expr(node.target.value)
            elif isinstance(node.target, ast.Subscript):
                self.expr(node.target.value)
                self.expr(node.target.slice)

    def load_annotations_dict(self) -> Val:
        ident = self.mod.ident("__annotations__")
        if self.unit.kind == "class":
            return self.call(f"zrt::load_class_name(&S, L_ns, {ident})")
        return self.call(f"zrt::load_global(&S, {ident})")

    def annotation(self, node: ast.expr) -> Val:
        if self.future_annotations:
            return Val(self.mod.const(ast.unparse(node)))
        if isinstance(node, ast.Starred):  # `*args: *Ts` (PEP 646)
            return self.unpacked_single(node)
        return self.expr(node)

    def unpacked_single(self, node: ast.Starred) -> Val:
        """The one item `*value` unpacks to (a `*Ts` annotation or TypeVarTuple default)."""
        packed = self.expr(node.value)
        return self.call(f"zrt::unpack_single({packed.expr})")

    def stmt_AugAssign(self, node: ast.AugAssign) -> None:
        if self.spec.augassign(node):
            return
        op = BINOPS[type(node.op)][1]
        target = node.target
        if isinstance(target, ast.Name):
            cur = self.load_name(target.id, target)
            rhs = self.expr(node.value)
            res = self.call(f"{op}({cur.expr}, {rhs.expr})")
            self.store_name(target.id, res)
        elif isinstance(target, ast.Attribute):
            obj = self.expr(target.value)
            cur = self.load_attr(obj, target.attr)
            rhs = self.expr(node.value)
            res = self.call(f"{op}({cur.expr}, {rhs.expr})")
            self.store_attr(obj, target.attr, res)
        elif isinstance(target, ast.Subscript):
            obj = self.expr(target.value)
            key = self.subscript_key(target.slice)
            cur = self.call(f"zrt::getitem({obj.expr}, {key.expr})")
            rhs = self.expr(node.value)
            res = self.call(f"{op}({cur.expr}, {rhs.expr})")
            self.check_int(f"zrt::setitem({obj.expr}, {key.expr}, {res.expr})")
        else:
            raise NotCompilable(node, "augmented assignment target")

    def assign(self, target: ast.expr, val: Val, keep: bool) -> None:
        """Store `val` into target. With keep=True the value stays usable afterwards."""
        if isinstance(target, ast.Name):
            self.store_name(target.id, Val(val.expr) if keep else val)
        elif isinstance(target, ast.Attribute):
            obj = self.expr(target.value)
            self.store_attr(obj, target.attr, val)
        elif isinstance(target, ast.Subscript) and self.spec.wants_index(target):
            self.spec.store_subscript(target, val)
        elif isinstance(target, ast.Subscript) and self.spec.wants_slice(target):
            self.spec.slice_store(target, val)
        elif isinstance(target, ast.Subscript):
            obj = self.expr(target.value)
            key = self.subscript_key(target.slice)
            self.check_int(f"zrt::setitem({obj.expr}, {key.expr}, {val.expr})")
        elif isinstance(target, (ast.Tuple, ast.List)):
            self.unpack(target.elts, val)
        elif isinstance(target, ast.Starred):
            raise NotCompilable(target, "starred assignment target must be in a list or tuple")
        else:
            raise NotCompilable(target, f"assignment to {type(target).__name__}")

    def unpack(self, elts: list[ast.expr], val: Val) -> None:
        stars = [i for i, e in enumerate(elts) if isinstance(e, ast.Starred)]
        arr = self.fresh("u")
        n = len(elts)
        if n and all(self.plain_fast_local(e) for e in elts):
            # all items taken, then the stores, inline for exact tuples/lists (runtime/unpack.hpp)
            refs = ", ".join(f"{nm.LOCAL}{nm.ident(e.id)}" for e in elts if isinstance(e, ast.Name))
            self.emit(f"if (!zrt::unpack_locals({val.expr}, {refs})) {self.fail()}")
            return
        self.emit(f"PyObject* {arr}[{max(n, 1)}] = {{}};")
        holders = [self.fresh() for _ in range(n)]
        if not stars:
            self.emit(f"int {arr}_rc = zrt::unpack_fast({val.expr}, {n}, {arr});")
        else:
            i = stars[0]
            self.emit(f"int {arr}_rc = zrt::unpack_star({val.expr}, {i}, {n - i - 1}, {arr});")
        for k, h in enumerate(holders):
            self.emit(f"zrt::Ref {h}({arr}[{k}]);")
        self.emit(f"if ({arr}_rc < 0) {self.fail()}")
        for e, h in zip(elts, holders):
            target = e.value if isinstance(e, ast.Starred) else e
            self.assign(target, Val(f"{h}.p", h), keep=False)

    def plain_fast_local(self, target: ast.expr) -> bool:
        """Is `target` a name held in a plain zrt::Ref local (not a cell, not a native number)?"""
        return (isinstance(target, ast.Name) and self.access(target.id) == FAST
                and not self.spec.is_num_local(target.id))

    def stmt_Delete(self, node: ast.Delete) -> None:
        for t in node.targets:
            self.delete(t)

    def delete(self, t: ast.expr) -> None:
        if isinstance(t, ast.Name):
            self.delete_name(t.id)
        elif isinstance(t, ast.Attribute):
            obj = self.expr(t.value)
            self.check_int(f"PyObject_SetAttr({obj.expr}, {self.mod.ident(t.attr)}, nullptr)")
        elif isinstance(t, ast.Subscript):
            obj = self.expr(t.value)
            key = self.subscript_key(t.slice)
            self.check_int(f"PyObject_DelItem({obj.expr}, {key.expr})")
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                self.delete(e)
        else:
            raise NotCompilable(t, "del target")

    def stmt_Return(self, node: ast.Return) -> None:
        if self.unit.kind not in ("function", "lambda"):
            raise NotCompilable(node, "'return' outside function")
        if isinstance(node.value, ast.Await):
            self.suspend(node.value, None, returning=True)
            return
        if (self.direct and node.value is not None and self.spec.wants(node.value)
                and not any(isinstance(e, (Cleanup, Handler)) for e in self.ctx)):
            # a direct entry returns a number unboxed
            self.emit(f"return {self.spec.num(node.value)};")
            return
        val = self.expr(node.value) if node.value is not None else Val("Py_None")
        self.jump("return", val)

    def stmt_Break(self, node: ast.Break) -> None:
        self.jump("break")

    def stmt_Continue(self, node: ast.Continue) -> None:
        self.jump("continue")

    def stmt_Global(self, node: ast.Global) -> None:
        pass

    def stmt_Nonlocal(self, node: ast.Nonlocal) -> None:
        pass

    def stmt_If(self, node: ast.If) -> None:
        t = self.long_int("b")
        self.open("{")
        self.emit(f"{t} = {self.truth(node.test)};")
        self.close("}")
        self.open(f"if ({t}) {{")
        self.stmts(node.body)
        if node.orelse:
            self.close("} else {")
            self.depth += 1
            self.stmts(node.orelse)
        self.close("}")

    def truth(self, node: ast.expr) -> str:
        """Evaluate a condition into a fresh int variable (0/1); errors propagate."""
        native = self.spec.truth(node)
        if native is not None:
            return native
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            return self.compare_truth(node)
        val = self.expr(node)
        var = self.fresh("b")
        self.emit(f"int {var} = zrt::truth({val.expr});")
        self.emit(f"if ({var} < 0) {self.fail()}")
        return var

    def compare_truth(self, node: ast.Compare) -> str:
        """The truth of a one-operator comparison in a condition, with no bool object in
        between: `is` as a pointer test, `in` as zrt::sequence_contains (CONTAINS_OP's
        PySequence_Contains), the others through zrt::compare_truth."""
        op = node.ops[0]
        left = self.expr(node.left)
        right = self.expr(node.comparators[0])
        var = self.fresh("b")
        if isinstance(op, (ast.Is, ast.IsNot)):
            self.emit(f"int {var} = {left.expr} {'==' if isinstance(op, ast.Is) else '!='} {right.expr};")
            return var
        if isinstance(op, (ast.In, ast.NotIn)):
            self.emit(f"int {var} = zrt::sequence_contains({right.expr}, {left.expr});")
            self.emit(f"if ({var} < 0) {self.fail()}")
            if isinstance(op, ast.NotIn):
                self.emit(f"{var} = !{var};")
            return var
        self.emit(f"int {var} = zrt::compare_truth({left.expr}, {right.expr}, {CMPOPS[type(op)]});")
        self.emit(f"if ({var} < 0) {self.fail()}")
        return var

    def stmt_While(self, node: ast.While) -> None:
        if intloop.native_while(self, node):  # (on int64 variables, with this loop as its fallback)
            return
        brk, cont, done = self.new_label("brk"), self.new_label("cont"), self.new_label("wend")
        self.open("for (;;) {")
        const_true = isinstance(node.test, ast.Constant) and bool(node.test.value)
        if not const_true:
            self.open("{")
            t = self.truth(node.test)
            self.emit(f"if (!{t}) goto {done};")
            self.close("}")
        self.ctx.append(Loop(brk, cont))
        self.open("{")
        self.stmts(node.body)
        self.close("}")
        self.ctx.pop()
        self.label(cont)
        # CPython's back edge and the test after it are on the `while` line: a signal
        # handler's exception or the test's own, from the second iteration on, show it
        self.emit_line(node.lineno)
        self.lineno = node.lineno
        self.loop_back_edge()
        self.close("}")
        self.label(done)
        if node.orelse:
            self.open("{")
            self.stmts(node.orelse)
            self.close("}")
        self.label(brk)

    def loop_back_edge(self) -> None:
        """Where CPython's JUMP_BACKWARD would run pending signal handlers: a compiled loop
        checks every 1024th iteration, so Ctrl-C (KeyboardInterrupt) and other signal
        handlers interrupt a long compiled loop as they do an interpreted one."""
        self.emit(f"if (zrt::loop_tick() < 0) {self.fail()}")

    def stmt_For(self, node: ast.For) -> None:
        if self.spec.wants_range_loop(node):
            self.spec.range_loop(node)
            return
        builtin = self.spec.wants_list_loop(node)
        if builtin is not None:
            self.spec.list_loop(node, builtin)
            return
        if not self.gen:
            self.spec.seq_loop(node)
            return
        if gen_loops.wants_reversed_range(self, node):
            gen_loops.reversed_range_loop(self, node)
            return
        self.for_loop(node, "PyObject_GetIter", self.next_item)

    def stmt_AsyncFor(self, node: ast.AsyncFor) -> None:
        if self.gen not in ("coroutine", "asyncgen"):
            raise NotCompilable(node, "async for outside a coroutine")
        self.for_loop(node, "zrt::get_aiter", self.next_item_async)

    def for_loop(self, node: ast.For | ast.AsyncFor, getter: str | Callable[[str], None],
                 fetch: Callable[[ast.For | ast.AsyncFor, str, str], None], release: str = "",
                 counter: "intloop.Counter | None" = None) -> None:
        """for / async for: `getter` makes the iterator (a C API function, or a callback
        given the iterator's variable); `fetch` assigns the next item to the target or
        jumps to `done`; `release` drops what else the loop holds when it ends; `counter`:
        the native count fetch keeps, if any (intloop runs on with it)."""
        brk, cont, done = self.new_label("brk"), self.new_label("cont"), self.new_label("fend")
        it = self.long_ref("it")
        self.open("{")
        if callable(getter):
            getter(it)
        else:
            src = self.expr(node.iter)
            self.emit(f"{it}.set({getter}({src.expr}));")
            self.check_null(it)
        self.close("}")
        self.open("for (;;) {")
        fetch(node, it, done)
        self.ctx.append(Loop(brk, cont))
        self.open("{")
        # (a body on int64 variables runs natively first, this body as its fallback)
        if not (isinstance(node, ast.For) and intloop.native_for_body(self, node, brk, cont, done, counter)):
            self.stmts(node.body)
        self.close("}")
        self.ctx.pop()
        self.label(cont)
        self.emit_line(node.lineno)
        self.lineno = node.lineno
        self.loop_back_edge()
        self.close("}")
        self.label(done)
        self.emit(f"{it}.clear();{release}")
        if node.orelse:
            self.open("{")
            self.stmts(node.orelse)
            self.close("}")
        self.label(brk)
        self.emit(f"{it}.clear();{release}")

    def next_item(self, node: ast.For | ast.AsyncFor, it: str, done: str) -> None:
        self.open("{")
        v, rc = self.fresh("v"), self.fresh("r")
        self.emit(f"PyObject* {v} = nullptr;")
        self.emit(f"int {rc} = zrt::iter_next({it}.p, &{v});")
        self.emit(f"if ({rc} < 0) {self.fail()}")
        self.emit(f"if ({rc} == 0) goto {done};")
        item = self.fresh()
        self.emit(f"zrt::Ref {item}({v});")
        self.assign(node.target, Val(f"{item}.p", item), keep=False)
        self.close("}")

    def next_item_async(self, node: ast.For | ast.AsyncFor, it: str, done: str) -> None:
        self.open("{")
        self.suspend_core(
            "await_anext",
            lambda: self.call(f"zrt::get_anext({it}.p)"),
            lambda r: self.assign(node.target, Val(f"{r}.p", r), keep=False),
            on_error=lambda: self.emit(
                f"if (PyErr_ExceptionMatches(PyExc_StopAsyncIteration)) {{ PyErr_Clear(); goto {done}; }}"),
        )
        self.close("}")

    def stmt_Raise(self, node: ast.Raise) -> None:
        if node.exc is None:
            self.emit("zrt::reraise();")
            self.emit(self.fail(notb=True))
            return
        exc = self.expr(node.exc)
        cause = self.expr(node.cause).expr if node.cause is not None else "nullptr"
        self.emit(f"zrt::do_raise({exc.expr}, {cause});")
        self.emit(self.fail())

    def stmt_Assert(self, node: ast.Assert) -> None:
        t = self.truth(node.test)
        self.open(f"if (!{t}) {{")
        msg = self.expr(node.msg).expr if node.msg is not None else "nullptr"
        self.emit(f"zrt::assertion_error({msg});")
        self.emit(self.fail())
        self.close("}")

    def stmt_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.open("{")
            mod = self.call(f"zrt::import_name(&S, {self.mod.const(alias.name)}, nullptr, 0)")
            if alias.asname:
                cur = mod
                for part in alias.name.split(".")[1:]:
                    cur = self.call(f"zrt::import_from({cur.expr}, {self.mod.ident(part)})")
                self.store_name(alias.asname, cur)
            else:
                self.store_name(alias.name.split(".")[0], mod)
            self.close("}")

    def stmt_ImportFrom(self, node: ast.ImportFrom) -> None:
        names = tuple(a.name for a in node.names)
        fromlist = self.mod.const(names)
        mod = self.call(
            f"zrt::import_name(&S, {self.mod.const(node.module or '')}, {fromlist}, {node.level or 0})"
        )
        if names == ("*",):
            if self.unit.kind != "module":
                raise NotCompilable(node, "import * outside module level")
            self.check_int(f"zrt::import_star({mod.expr}, S.globals)")
            return
        for alias in node.names:
            self.open("{")
            v = self.call(f"zrt::import_from({mod.expr}, {self.mod.ident(alias.name)})")
            self.store_name(alias.asname or alias.name, v)
            self.close("}")

    # -- try / with ----------------------------------------------------------------------
    def stmt_Try(self, node: ast.Try) -> None:
        if node.finalbody:
            self.with_cleanup(lambda: self.try_except(node) if node.handlers else self.stmts_block(node.body + []),
                              finalbody=node.finalbody, orelse_inside=node)
        else:
            self.try_except(node)

    def stmts_block(self, body: list[ast.stmt]) -> None:
        self.open("{")
        self.stmts(body)
        self.close("}")

    def try_except(self, node: ast.Try) -> None:
        handler = self.new_label("exc")
        end = self.new_label("tend")
        self.ctx.append(TryBody(handler))
        self.open("{")
        self.stmts(node.body)
        self.close("}")
        self.ctx.pop()
        if node.orelse:
            self.open("{")
            self.stmts(node.orelse)
            self.close("}")
        self.emit(f"goto {end};")
        self.label(handler)
        self.emit(f"{self.traceback_call()};")
        self.label(handler + "_nt")
        self.open("{")
        exc = self.enter_handler()
        for h in node.handlers:
            self.set_line(h)
            self.open("{")
            if h.type is not None:
                m = self.long_int("m")
                self.open("{")
                ty = self.expr(h.type)
                self.emit(f"{m} = zrt::exception_matches({exc}.p, {ty.expr});")
                self.emit(f"if ({m} < 0) {self.fail()}")
                self.close("}")
                self.open(f"if ({m}) {{")
            else:
                self.open("{")
            unbind = ""
            if h.name:
                self.store_name(h.name, Val(f"{exc}.p"))
                unbind = self.unbind_code(h.name)
            self.ctx.append(Handler(unbind))
            self.stmts(h.body)
            self.ctx.pop()
            if unbind:
                self.emit(unbind)
            self.emit(f"{self.handler_exit()} goto {end};")
            self.close("}")
            self.close("}")
        self.leave_handler_reraise(exc)
        self.close("}")
        self.label(end)

    def stmt_TryStar(self, node: ast.AST) -> None:
        if node.finalbody:  # type: ignore[attr-defined]
            self.with_cleanup(lambda: self.try_star(node), finalbody=node.finalbody)  # type: ignore[attr-defined]
        else:
            self.try_star(node)

    def try_star(self, node: ast.AST) -> None:
        """try/except*: each clause takes the part of the exception group it matches; what
        the clauses raise and what none matched is raised again together."""
        handler, end = self.new_label("exc"), self.new_label("tend")
        self.ctx.append(TryBody(handler))
        self.open("{")
        self.stmts(node.body)  # type: ignore[attr-defined]
        self.close("}")
        self.ctx.pop()
        if node.orelse:  # type: ignore[attr-defined]
            self.open("{")
            self.stmts(node.orelse)  # type: ignore[attr-defined]
            self.close("}")
        self.emit(f"goto {end};")
        self.label(handler)
        self.emit(f"{self.traceback_call()};")
        self.label(handler + "_nt")
        self.open("{")
        exc = self.enter_handler()
        raised, rest, match = self.long_ref("raised"), self.long_ref("rest"), self.long_ref("match")
        after = self.new_label("starend")
        self.emit(f"{raised}.set(PyList_New(0));")
        self.check_null(raised)
        self.emit(f"{rest}.set(zrt::newref({exc}.p));")
        for h in node.handlers:  # type: ignore[attr-defined]
            self.set_line(h)
            self.open("{")
            ty = self.expr(h.type)
            m_raw, r_raw = self.fresh("mm"), self.fresh("rr")
            self.emit(f"PyObject* {m_raw}; PyObject* {r_raw};")
            self.emit(f"if (zrt::eg_match(&S, {rest}.p, {ty.expr}, &{m_raw}, &{r_raw}) < 0) {self.fail()}")
            self.emit(f"{match}.set({m_raw}); {rest}.set({r_raw});")
            self.close("}")
            self.open(f"if ({match}.p) {{")
            self.emit(f"zrt::set_handled({match}.p);")
            unbind = ""
            if h.name:
                self.store_name(h.name, Val(f"{match}.p"))
                unbind = self.unbind_code(h.name)
            caught, done = self.new_label("hstar"), self.new_label("hdone")
            self.ctx.append(TryBody(caught))
            self.open("{")
            self.stmts(h.body)
            self.close("}")
            self.ctx.pop()
            self.emit(f"goto {done};")
            self.label(caught)
            self.emit(f"{self.traceback_call()};")
            self.label(caught + "_nt")
            self.open("{")
            got = self.fresh()
            self.emit(f"zrt::Ref {got}(zrt::fetch_exception());")
            self.emit(f"if (PyList_Append({raised}.p, {got}.p) < 0) {self.fail()}")
            self.close("}")
            self.label(done)
            if unbind:
                self.emit(unbind)
            self.emit(f"{match}.clear(); zrt::set_handled({exc}.p);")
            self.close("}")
            self.emit(f"if (!{rest}.p) goto {after};")
        self.label(after)
        self.open("{")
        self.emit(f"if ({rest}.p && PyList_Append({raised}.p, {rest}.p) < 0) {self.fail()}")
        out = self.fresh("again")
        self.emit(f"PyObject* {out} = nullptr;")
        self.emit(f"if (zrt::prep_reraise_star(&S, {exc}.p, {raised}.p, &{out}) < 0) {self.fail()}")
        self.emit(f"{raised}.clear(); {rest}.clear();")
        self.emit(f"if (!{out}) {{ {self.handler_exit()} goto {end}; }}")
        self.emit(f"{exc}.set({out});")
        self.close("}")
        self.leave_handler_reraise(exc)
        self.close("}")
        self.label(end)

    def with_cleanup(self, body: Callable[[], None], finalbody: list[ast.stmt] | None = None, orelse_inside: object = None,
                     exit_var: str | None = None, is_async: bool = False, line: int = 0) -> None:
        """try/finally (finalbody) or the exit half of `with` / `async with` (exit_var)."""
        fin = self.new_label("fin")
        exc_label = self.new_label("fexc")
        end = self.new_label("fend")
        why = self.long_int("why")
        self.emit(f"{why} = 0;")
        entry = Cleanup(fin, exc_label, why)
        self.ctx.append(entry)
        self.open("{")
        body()
        self.close("}")
        self.ctx.pop()
        self.label(fin)
        # normal exit, return, break or continue: run the cleanup, then go on
        self.open("{")
        if finalbody is not None:
            self.stmts(finalbody)
        elif is_async:
            self.emit_line(line)  # __exit__ runs on the with statement's line
            self.suspend_core("await_aexit", lambda: self.call(f"zrt::with_exit_ok({exit_var})"), lambda r: None)
        else:
            self.emit_line(line)
            self.call(f"zrt::with_exit_ok({exit_var})")
        self.close("}")
        for code, kind in ((1, "return"), (2, "break"), (3, "continue")):
            if code in entry.uses:
                self.open(f"if ({why} == {code}) {{")
                self.jump(kind, None)  # a return's value already sits in L_ret
                self.close("}")
        self.emit(f"goto {end};")
        self.label(exc_label)
        self.emit(f"{self.traceback_call()};")
        self.label(exc_label + "_nt")
        self.open("{")
        exc = self.enter_handler()
        if finalbody is not None:
            self.stmts(finalbody)
            self.leave_handler_reraise(exc)
        else:
            # __exit__ runs on the with statement's line; when it declines the exception, the
            # frame's line goes back to the one that raised (CPython's RERAISE restores the
            # raising instruction: PEP 626 test_lineno_after_with). Not across an `await`:
            # a C++ local does not survive the suspension.
            raised_line = "" if is_async else self.fresh("ln")
            if raised_line:
                self.emit(f"int {raised_line} = L_line;")
            self.emit_line(line)
            def decide(r: str) -> None:
                t = self.fresh("b")
                self.emit(f"int {t} = zrt::truth({r}.p);")
                self.emit(f"if ({t} < 0) {self.fail()}")
                self.open(f"if (!{t}) {{")
                if raised_line:
                    self.emit(f"L_line = {raised_line};")
                    if self.has_frame():
                        self.emit(f"L_recursion.at(zrt::site_index(&{self.tb_site()}, L_line));")
                self.emit(f"zrt::restore_exception(zrt::newref({exc}.p));")
                self.emit(self.fail(notb=True))
                self.close("}")

            if is_async:
                self.suspend_core("await_aexit", lambda: self.call(f"zrt::with_exit_exc({exit_var}, {exc}.p)"), decide)
            else:
                self.open("{")
                r = self.call(f"zrt::with_exit_exc({exit_var}, {exc}.p)")
                decide(r.owner or "")
                self.close("}")
            self.emit(self.handler_exit())  # the exception was swallowed
            self.leave_handler()
        self.close("}")
        self.label(end)

    def stmt_With(self, node: ast.With) -> None:
        self.with_items(node.items, node.body, is_async=False)

    def stmt_AsyncWith(self, node: ast.AsyncWith) -> None:
        if self.gen not in ("coroutine", "asyncgen"):
            raise NotCompilable(node, "async with outside a coroutine")
        self.with_items(node.items, node.body, is_async=True)

    def with_items(self, items: list[ast.withitem], body: list[ast.stmt], is_async: bool) -> None:
        item = items[0]
        self.lineno_of_with = getattr(item.context_expr, "lineno", self.lineno)
        exit_var = self.long_ref("exit")
        entered = self.long_ref("entered")
        if is_async:
            def produce() -> Val:
                mgr = self.expr(item.context_expr)
                raw = self.fresh("raw")
                self.emit(f"PyObject* {raw} = nullptr;")
                t = self.fresh()
                self.emit(f"zrt::Ref {t}(zrt::async_with_enter({mgr.expr}, &{raw}));")
                self.emit(f"{exit_var}.set({raw});")
                self.check_null(t)
                return Val(f"{t}.p", t)

            self.suspend_core("await_aenter", produce, lambda r: self.emit(f"{entered}.set({r}.release());"))
        else:
            self.open("{")
            mgr = self.expr(item.context_expr)
            raw = self.fresh("raw")
            self.emit(f"PyObject* {raw} = nullptr;")
            self.emit(f"{entered}.set(zrt::with_enter({mgr.expr}, &{raw}));")
            self.emit(f"{exit_var}.set({raw});")
            self.check_null(entered)
            self.close("}")

        def inner() -> None:
            self.open("{")
            if item.optional_vars is not None:
                self.assign(item.optional_vars, Val(f"{entered}.p", entered), keep=False)
            else:
                self.emit(f"{entered}.clear();")
            self.close("}")
            if len(items) > 1:
                self.open("{")
                self.with_items(items[1:], body, is_async)
                self.close("}")
            else:
                self.stmts(body)

        self.with_cleanup(inner, exit_var=f"{exit_var}.p", is_async=is_async, line=self.lineno_of_with)
        self.emit(f"{exit_var}.clear();")

    # -- match ---------------------------------------------------------------------------
    def stmt_Match(self, node: ast.AST) -> None:
        subject = self.long_ref("subj")
        self.open("{")
        v = self.expr(node.subject, owned=True)  # type: ignore[attr-defined]
        self.emit(f"{subject}.set({v.steal()});")
        self.close("}")
        end = self.new_label("mend")
        for case in node.cases:  # type: ignore[attr-defined]
            self.set_line(case.pattern)
            nxt = self.new_label("case")
            names = _capture_names(case.pattern)
            self.open("{")
            caps = {name: self.fresh("cap") for name in names}
            for var in caps.values():
                self.emit(f"zrt::Ref {var};")
            self.match_pattern(case.pattern, f"{subject}.p", caps, nxt)
            for name in names:  # bound only once the whole pattern matched
                self.store_name(name, Val(f"{caps[name]}.p", caps[name]))
            self.close("}")
            if case.guard is not None:
                self.open("{")
                t = self.truth(case.guard)
                self.emit(f"if (!{t}) goto {nxt};")
                self.close("}")
            self.open("{")
            self.stmts(case.body)
            self.close("}")
            self.emit(f"goto {end};")
            self.label(nxt)
        self.label(end)
        self.emit(f"{subject}.clear();")

    def match_pattern(self, p: ast.AST, subj: str, caps: dict[str, str], fail: str) -> None:
        """Jump to `fail` when `subj` does not match `p`; fill the capture variables."""
        if isinstance(p, ast.MatchAs):
            if p.pattern is not None:
                self.match_pattern(p.pattern, subj, caps, fail)
            if p.name is not None:
                self.emit(f"{caps[p.name]}.set(zrt::newref({subj}));")
        elif isinstance(p, ast.MatchValue):
            self.open("{")
            v = self.expr(p.value)
            r = self.call(f"PyObject_RichCompare({subj}, {v.expr}, Py_EQ)")
            b = self.fresh("b")
            self.emit(f"int {b} = zrt::truth({r.expr});")
            self.emit(f"if ({b} < 0) {self.fail()}")
            self.emit(f"if (!{b}) goto {fail};")
            self.close("}")
        elif isinstance(p, ast.MatchSingleton):
            self.emit(f"if ({subj} != {self.mod.const(p.value)}) goto {fail};")
        elif isinstance(p, ast.MatchSequence):
            self.match_sequence(p, subj, caps, fail)
        elif isinstance(p, ast.MatchMapping):
            self.match_mapping(p, subj, caps, fail)
        elif isinstance(p, ast.MatchClass):
            self.open("{")
            cls = self.expr(p.cls)
            n = len(p.patterns) + len(p.kwd_attrs)
            arr = self.fresh("o")
            self.emit(f"PyObject* {arr}[{max(n, 1)}] = {{}};")
            kw = self.mod.const(tuple(p.kwd_attrs)) if p.kwd_attrs else "nullptr"
            rc = self.fresh("r")
            self.emit(f"int {rc} = zrt::match_class({subj}, {cls.expr}, {len(p.patterns)}, {kw}, {arr});")
            holders = [self.fresh() for _ in range(n)]
            for i, h in enumerate(holders):
                self.emit(f"zrt::Ref {h}({arr}[{i}]);")
            self.emit(f"if ({rc} < 0) {self.fail()}")
            self.emit(f"if ({rc} == 0) goto {fail};")
            for sub, h in zip([*p.patterns, *p.kwd_patterns], holders):
                self.match_pattern(sub, f"{h}.p", caps, fail)
            self.close("}")
        elif isinstance(p, ast.MatchOr):
            ok = self.new_label("orok")
            self.open("{")
            own = set(_capture_names(p))  # only what the alternatives bind is reset
            for i, alt in enumerate(p.patterns):
                last = i == len(p.patterns) - 1
                nxt = fail if last else self.new_label("oralt")
                self.open("{")
                for name, var in caps.items():
                    if name in own:
                        self.emit(f"{var}.clear();")
                self.match_pattern(alt, subj, caps, nxt)
                self.emit(f"goto {ok};")
                self.close("}")
                if not last:
                    self.label(nxt)
            self.label(ok)
            self.close("}")
        else:
            raise NotCompilable(p, f"{type(p).__name__} pattern not compiled yet")

    def match_sequence(self, p: ast.AST, subj: str, caps: dict[str, str], fail: str) -> None:
        pats = p.patterns  # type: ignore[attr-defined]
        stars = [i for i, q in enumerate(pats) if isinstance(q, ast.MatchStar)]
        self.open("{")
        self.emit(f"if (!zrt::match_is_sequence({subj})) goto {fail};")
        if len(pats) == 1 and stars and _is_wildcard_star(pats[0]):
            self.close("}")  # [*_] matches any sequence without asking its length
            return
        n = self.fresh("n")
        self.emit(f"Py_ssize_t {n} = PyObject_Length({subj});")
        self.emit(f"if ({n} < 0) {self.fail()}")
        if not stars:
            self.emit(f"if ({n} != {len(pats)}) goto {fail};")
        else:
            self.emit(f"if ({n} < {len(pats) - 1}) goto {fail};")
        star = stars[0] if stars else len(pats)
        for i, q in enumerate(pats):
            if isinstance(q, ast.MatchStar):
                after = len(pats) - star - 1
                if q.name is not None:
                    item = self.call(f"zrt::match_star({subj}, {i}, {n} - {after})")
                    self.emit(f"{caps[q.name]}.set({item.steal()});")
                continue
            if _is_wildcard(q):
                continue
            index = str(i) if i < star else f"{n} - {len(pats) - i}"
            item = self.call(f"PySequence_GetItem({subj}, {index})")
            self.match_pattern(q, item.expr, caps, fail)
        self.close("}")

    def match_mapping(self, p: ast.AST, subj: str, caps: dict[str, str], fail: str) -> None:
        keys, pats, rest = p.keys, p.patterns, p.rest  # type: ignore[attr-defined]
        self.open("{")
        self.emit(f"if (!zrt::match_is_mapping({subj})) goto {fail};")
        if keys:
            n = self.fresh("n")
            self.emit(f"Py_ssize_t {n} = PyObject_Length({subj});")
            self.emit(f"if ({n} < 0) {self.fail()}")
            self.emit(f"if ({n} < {len(keys)}) goto {fail};")
        key_vals = [self.expr(k, owned=True) for k in keys]
        key_tuple = self.build_tuple(key_vals) if keys else Val(self.mod.const(()))
        if keys:
            values = self.call(f"zrt::match_keys({subj}, {key_tuple.expr})")
            self.emit(f"if ({values.expr} == Py_None) goto {fail};")
            for i, q in enumerate(pats):
                self.match_pattern(q, f"PyTuple_GET_ITEM({values.expr}, {i})", caps, fail)
        if rest is not None:
            r = self.call(f"zrt::match_rest({subj}, {key_tuple.expr})")
            self.emit(f"{caps[rest]}.set({r.steal()});")
        self.close("}")

    # -- definitions ---------------------------------------------------------------------
    def stmt_FunctionDef(self, node: ast.FunctionDef) -> None:
        decorators = [self.expr(d, owned=True) for d in node.decorator_list]
        fn = self.make_function(node, node.args, docstring_of(node.body), node.returns, generic=node)
        for d in reversed(decorators):
            fn = self.call(f"PyObject_CallOneArg({d.expr}, {fn.expr})")
        self.store_name(binding_name(node), fn)

    def make_function(self, node: ast.AST, args: ast.arguments, doc: str | None, returns: ast.expr | None,
                      generic: ast.AST | None = None) -> Val:
        """A function object; `generic`, a def with type parameters: its annotations are
        evaluated in its annotation scope, opened after the defaults."""
        scope = self.scopes.of(node)
        index = self.mod.next_id()
        defaults = "nullptr"
        if args.defaults:
            items = [self.expr(d, owned=True) for d in args.defaults]
            defaults = self.build_tuple(items).expr
        kwdefaults = "nullptr"
        if any(d is not None for d in args.kw_defaults):
            kd = self.call("PyDict_New()")
            for a, d in zip(args.kwonlyargs, args.kw_defaults):
                if d is not None:
                    v = self.expr(d)
                    self.check_int(f"PyDict_SetItem({kd.expr}, {self.mod.ident(a.arg)}, {v.expr})")
            kwdefaults = kd.expr
        type_params = self.enter_type_params(generic) if generic is not None else None
        annotations = "nullptr"
        ann_items: list[tuple[str, ast.expr]] = []
        for a in [*args.posonlyargs, *args.args]:
            if a.annotation is not None:
                ann_items.append((a.arg, a.annotation))
        if args.vararg and args.vararg.annotation is not None:
            ann_items.append((args.vararg.arg, args.vararg.annotation))
        for a in args.kwonlyargs:
            if a.annotation is not None:
                ann_items.append((a.arg, a.annotation))
        if args.kwarg and args.kwarg.annotation is not None:
            ann_items.append((args.kwarg.arg, args.kwarg.annotation))
        if returns is not None:
            ann_items.append(("return", returns))
        if ann_items:
            ad = self.call("PyDict_New()")
            for key, ann in ann_items:
                v = self.annotation(ann)
                self.check_int(f"PyDict_SetItem({ad.expr}, {self.mod.ident(key)}, {v.expr})")
            annotations = ad.expr
        closure = self.closure_tuple(scope)
        doc_expr = self.mod.const(doc) if doc is not None else "nullptr"
        # emit the function body itself
        emitter = UnitEmitter(self.mod, self.scopes, scope, self.future_annotations)
        emitter.emit_function(index, node, args, doc is not None)
        fn = self.call(
            f"zrt::make_function(&S, &{nm.FUNC_SPEC}{index}, {defaults}, {kwdefaults}, {closure}, {annotations}, {doc_expr})"
        )
        if type_params is not None:
            # (INTRINSIC_SET_FUNCTION_TYPE_PARAMS: the same slot, through its setter)
            self.check_int(f"PyObject_SetAttr({fn.expr}, {self.mod.ident('__type_params__')}, {type_params.expr})")
            self.leave_type_params()
        return fn

    def closure_tuple(self, scope: Scope) -> str:
        if not scope.frees:
            return "nullptr"
        cells = [self.cell_of(name) for name in scope.frees]
        return self.call(f"PyTuple_Pack({len(cells)}, {', '.join(cells)})").expr

    def build_tuple(self, items: list[Val]) -> Val:
        arr = self.fresh("a")
        self.emit(f"PyObject* {arr}[] = {{{', '.join(v.steal() for v in items)}}};")
        return self.call(f"zrt::build_tuple({arr}, {len(items)})")

    stmt_AsyncFunctionDef = stmt_FunctionDef

    def stmt_ClassDef(self, node: ast.ClassDef) -> None:
        scope = self.scopes.of(node)
        decorators = [self.expr(d, owned=True) for d in node.decorator_list]
        type_params = self.enter_type_params(node)
        bases_exprs = list(node.bases)
        if type_params is not None:
            self.store_name(TYPE_PARAMS, Val(type_params.expr))
            # Generic[*params] is made before the bases are evaluated, and passed after them
            generic_base = self.call(f"zrt::intrinsic(1, zrt::INTRINSIC_SUBSCRIPT_GENERIC, {type_params.expr})")
            self.store_name(GENERIC_BASE, generic_base)
            bases_exprs.append(ast.Name(GENERIC_BASE, ast.Load()))
        bases = self.positional_tuple(bases_exprs)
        kw = self.keywords_dict(node.keywords, "nullptr") if node.keywords else Val("nullptr")
        index = self.mod.next_id()
        closure = self.closure_tuple(scope)
        emitter = UnitEmitter(self.mod, self.scopes, scope, self.future_annotations)
        emitter.emit_class_body(index, node)
        cls = self.call(
            f"zrt::build_class(&S, {nm.CLASS_BODY}{index}, {closure}, {self.mod.const(node.name)}, {bases.expr}, "
            f"{kw.expr}, {'true' if scope.needs_classcell else 'false'})"
        )
        if slotclass.has_literal_slots(node):  # instances out of the GC while they hold no containers
            cls = self.call(f"zrt::slots_class({cls.steal()})")
        if type_params is not None:
            self.leave_type_params()
        for d in reversed(decorators):
            cls = self.call(f"PyObject_CallOneArg({d.expr}, {cls.expr})")
        self.store_name(binding_name(node), cls)

    # -- PEP 695 type parameters -----------------------------------------------------------
    def stmt_TypeAlias(self, node: ast.AST) -> None:
        name: str = node.name.id  # type: ignore[attr-defined]  # (mangled in a class)
        type_params = self.enter_type_params(node)
        value = self.make_function(node.zrt_value, NO_ARGS, None, None)  # type: ignore[attr-defined]
        value = self.call(f"zrt::alias_value_function({value.expr})")
        params = type_params.expr if type_params is not None else "Py_None"
        written = self.mod.const(getattr(node, "written_name", name))
        args = self.call(f"PyTuple_Pack(3, {written}, {params}, {value.expr})")
        alias = self.call(f"zrt::intrinsic(1, zrt::INTRINSIC_TYPEALIAS, {args.expr})")
        if type_params is not None:
            self.leave_type_params()
        self.store_name(name, alias)

    def enter_type_params(self, node: ast.AST) -> Val | None:
        """Open `node`'s annotation scope (`<generic parameters of f>`) inline, as the
        comprehensions are: its type parameters are made in order and bound. Returns their
        tuple, or None when `node` has none. Closed by leave_type_params()."""
        params = getattr(node, "type_params", None)
        if not params:
            return None
        scope = self.scopes.annotation_scope(node)
        self.set_line(node)
        self.type_param_saved.append(self.scope)
        self.scope = scope
        frame = {name: self.fresh(nm.COMP_LOCAL) + "_" + nm.ident(name) for name in sorted(scope.bound)}
        self.comp_locals.append(frame)
        for name, var in frame.items():
            self.emit(f"zrt::Ref {var}(PyCell_New(nullptr));" if scope.access(name) == COMPCELL else f"zrt::Ref {var};")
            if scope.access(name) == COMPCELL:
                self.check_null(var)
        items: list[Val] = []
        for tp in params:
            kind = type(tp).__name__
            name = self.mod.const(tp.name)
            bound = getattr(tp, "bound", None)
            if bound is not None:
                evaluate = self.make_function(tp.zrt_value, NO_ARGS, None, None)
                which = "CONSTRAINTS" if isinstance(bound, ast.Tuple) else "BOUND"
                obj = self.call(f"zrt::intrinsic(2, zrt::INTRINSIC_TYPEVAR_WITH_{which}, {name}, {evaluate.expr})")
            else:
                which = {"TypeVar": "TYPEVAR", "ParamSpec": "PARAMSPEC", "TypeVarTuple": "TYPEVARTUPLE"}[kind]
                obj = self.call(f"zrt::intrinsic(1, zrt::INTRINSIC_{which}, {name})")
            if getattr(tp, "default_value", None) is not None:
                evaluate = self.make_function(tp.zrt_default, NO_ARGS, None, None)
                obj = self.call(f"zrt::intrinsic(2, zrt::INTRINSIC_SET_TYPEPARAM_DEFAULT, {obj.expr}, {evaluate.expr})")
            self.store_name(binding_name(tp), Val(obj.expr))
            items.append(obj)
        return self.build_tuple(items)

    def leave_type_params(self) -> None:
        self.comp_locals.pop()
        self.scope = self.type_param_saved.pop()

    # -- expressions ---------------------------------------------------------------------
    def expr(self, node: ast.expr, owned: bool = False) -> Val:
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            raise NotCompilable(node, f"{type(node).__name__} expression not compiled yet")
        val: Val = method(node)
        if owned and val.owner is None:
            return self.call(f"zrt::newref({val.expr})")
        return val

    def expr_Constant(self, node: ast.Constant) -> Val:
        return Val(self.mod.const(node.value))

    def expr_Name(self, node: ast.Name) -> Val:
        return self.load_name(node.id, node)

    def expr_NamedExpr(self, node: ast.NamedExpr) -> Val:
        val = self.expr(node.value, owned=True)
        self.store_name(node.target.id, Val(val.expr))
        return val

    def expr_BinOp(self, node: ast.BinOp) -> Val:
        if self.spec.wants(node):
            return self.spec.boxed(node)
        left = self.expr(node.left)
        right = self.expr(node.right)
        generic = f"{BINOPS[type(node.op)][0]}({left.expr}, {right.expr})"
        # a compiled __sub__ (...) of this module called directly (methodcalls.py)
        return self.call(methodcalls.binop_site(self, node, left.expr, right.expr, generic) or generic)

    def expr_UnaryOp(self, node: ast.UnaryOp) -> Val:
        if self.spec.wants(node):
            return self.spec.boxed(node)
        operand = self.expr(node.operand)
        if isinstance(node.op, ast.Not):
            return self.call(f"zrt::not_({operand.expr})")
        return self.call(f"{UNARY[type(node.op)]}({operand.expr})")

    def expr_BoolOp(self, node: ast.BoolOp) -> Val:
        res = self.fresh()
        self.emit(f"zrt::Ref {res};")
        is_and = isinstance(node.op, ast.And)
        depth = 0
        for i, value in enumerate(node.values):
            self.open("{")
            v = self.expr(value, owned=True)
            self.emit(f"{res}.set({v.steal()});")
            if i < len(node.values) - 1:
                b = self.fresh("b")
                self.emit(f"int {b} = zrt::truth({res}.p);")
                self.emit(f"if ({b} < 0) {self.fail()}")
                self.open(f"if ({'' if is_and else '!'}{b}) {{")
                self.emit(f"{res}.clear();")
                depth += 1
        for _ in range(depth):
            self.close("}")
            self.close("}")
        self.close("}")
        return Val(f"{res}.p", res)

    def expr_Compare(self, node: ast.Compare) -> Val:
        if self.spec.wants(node):
            return self.spec.boxed(node)
        res = self.fresh()
        self.emit(f"zrt::Ref {res};")
        left = self.expr(node.left)
        opened = 0
        for i, (op, comp) in enumerate(zip(node.ops, node.comparators)):
            self.open("{")
            opened += 1
            right = self.expr(comp, owned=i < len(node.ops) - 1)
            self.emit(f"{res}.set({self.compare_expr(op, left.expr, right.expr)});")
            self.check_null(res)
            if i < len(node.ops) - 1:
                b = self.fresh("b")
                self.emit(f"int {b} = zrt::truth({res}.p);")
                self.emit(f"if ({b} < 0) {self.fail()}")
                self.open(f"if ({b}) {{")
                opened += 1
                self.emit(f"{res}.clear();")
                left = right
        for _ in range(opened):
            self.close("}")
        return Val(f"{res}.p", res)

    @staticmethod
    def compare_expr(op: ast.cmpop, a: str, b: str) -> str:
        if type(op) in CMPOPS:
            return f"zrt::rich_compare({a}, {b}, {CMPOPS[type(op)]})"
        if isinstance(op, ast.Is):
            return f"zrt::is_({a}, {b}, false)"
        if isinstance(op, ast.IsNot):
            return f"zrt::is_({a}, {b}, true)"
        if isinstance(op, ast.In):
            return f"zrt::contains({a}, {b}, false)"
        if isinstance(op, ast.NotIn):
            return f"zrt::contains({a}, {b}, true)"
        raise AssertionError(op)

    def expr_IfExp(self, node: ast.IfExp) -> Val:
        res = self.fresh()
        self.emit(f"zrt::Ref {res};")
        self.open("{")
        t = self.truth(node.test)
        self.open(f"if ({t}) {{")
        v = self.expr(node.body, owned=True)
        self.emit(f"{res}.set({v.steal()});")
        self.close("} else {")
        self.depth += 1
        v = self.expr(node.orelse, owned=True)
        self.emit(f"{res}.set({v.steal()});")
        self.close("}")
        self.close("}")
        return Val(f"{res}.p", res)

    def expr_Attribute(self, node: ast.Attribute) -> Val:
        return self.load_attr(self.expr(node.value), node.attr)

    # `obj.name` loads and stores, each site with its own inline cache (runtime/attrcache.hpp)
    def load_attr(self, obj: Val, name: str) -> Val:
        return self.call(f"zrt::getattr_cached({obj.expr}, {self.mod.ident(name)}, &{self.mod.attr_cache()})")

    def store_attr(self, obj: Val, name: str, value: Val) -> None:
        attr, cache = self.mod.ident(name), self.mod.attr_cache()
        self.check_int(f"zrt::setattr_cached({obj.expr}, {attr}, {value.expr}, &{cache})")

    def subscript_key(self, node: ast.expr) -> Val:
        if isinstance(node, ast.Slice):
            lo = self.expr(node.lower).expr if node.lower else "Py_None"
            hi = self.expr(node.upper).expr if node.upper else "Py_None"
            st = self.expr(node.step).expr if node.step else "Py_None"
            return self.call(f"zrt::slice({lo}, {hi}, {st})")
        return self.expr(node)

    def expr_Subscript(self, node: ast.Subscript) -> Val:
        if self.spec.wants_index(node):
            return self.spec.subscript(node)
        if self.spec.wants_slice(node):
            return self.spec.slice_load(node)
        obj = self.expr(node.value)
        key = self.subscript_key(node.slice)
        return self.call(f"zrt::getitem({obj.expr}, {key.expr})")

    def expr_Slice(self, node: ast.Slice) -> Val:
        return self.subscript_key(node)

    def expr_Tuple(self, node: ast.Tuple) -> Val:
        if any(isinstance(e, ast.Starred) for e in node.elts):
            lst = self.star_list(node.elts)
            return self.call(f"PyList_AsTuple({lst.expr})")
        if all(isinstance(e, ast.Constant) for e in node.elts):
            return Val(self.mod.const(tuple(e.value for e in node.elts)))  # type: ignore[attr-defined]
        items = [self.expr(e, owned=True) for e in node.elts]
        return self.build_tuple(items)

    def star_list(self, elts: list[ast.expr], func: str | None = None) -> Val:
        lst = self.call("PyList_New(0)")
        for e in elts:
            if isinstance(e, ast.Starred):
                v = self.expr(e.value)
                if func is not None:  # a call's *args: the message names the callee
                    self.check_int(f"zrt::extend_star_args({lst.expr}, {func}, {v.expr})")
                else:
                    self.check_int(f"zrt::list_extend({lst.expr}, {v.expr})")
            else:
                v = self.expr(e)
                self.check_int(f"PyList_Append({lst.expr}, {v.expr})")
        return lst

    def expr_List(self, node: ast.List) -> Val:
        if any(isinstance(e, ast.Starred) for e in node.elts):
            return self.star_list(node.elts)
        items = [self.expr(e, owned=True) for e in node.elts]
        arr = self.fresh("a")
        self.emit(f"PyObject* {arr}[{max(len(items), 1)}] = {{{', '.join(v.steal() for v in items)}}};")
        return self.call(f"zrt::build_list({arr}, {len(items)})")

    def expr_Set(self, node: ast.Set) -> Val:
        s = self.call("PySet_New(nullptr)")
        for e in node.elts:
            if isinstance(e, ast.Starred):
                v = self.expr(e.value)
                self.check_int(f"zrt::set_update({s.expr}, {v.expr})")
            else:
                v = self.expr(e)
                self.check_int(f"PySet_Add({s.expr}, {v.expr})")
        return s

    def expr_Dict(self, node: ast.Dict) -> Val:
        d = self.call("PyDict_New()")
        for k, v in zip(node.keys, node.values):
            if k is None:
                m = self.expr(v)
                self.check_int(f"zrt::dict_update({d.expr}, {m.expr})")
            else:
                kv = self.expr(k, owned=True)
                vv = self.expr(v)
                self.check_int(f"PyDict_SetItem({d.expr}, {kv.expr}, {vv.expr})")
        return d

    def expr_JoinedStr(self, node: ast.JoinedStr) -> Val:
        parts: list[Val] = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(self.call(f"zrt::newref({self.mod.const(v.value)})"))
            elif isinstance(v, ast.FormattedValue):
                parts.append(self.expr_FormattedValue(v))
            else:  # a piece already formatted into a local by the spill pass
                parts.append(self.expr(v, owned=True))
        if len(parts) == 1 and isinstance(node.values[0], ast.FormattedValue):
            return parts[0]
        if not parts:
            return Val(self.mod.const(""))
        arr = self.fresh("a")
        self.emit(f"PyObject* {arr}[] = {{{', '.join(p.steal() for p in parts)}}};")
        return self.call(f"zrt::join_strings({arr}, {len(parts)})")

    def expr_FormattedValue(self, node: ast.FormattedValue) -> Val:
        v = self.expr(node.value)
        conv = {-1: "0", 115: "'s'", 114: "'r'", 97: "'a'"}[node.conversion]
        spec = self.expr(node.format_spec).expr if node.format_spec is not None else "nullptr"
        return self.call(f"zrt::format_value({v.expr}, {conv}, {spec})")

    def expr_Lambda(self, node: ast.Lambda) -> Val:
        return self.make_function(node, node.args, None, None)

    def expr_GeneratorExp(self, node: ast.GeneratorExp) -> Val:
        # iter() of the first iterable happens here, eagerly; the rest runs in the generator
        first = self.expr(node.generators[0].iter)
        # an asynchronous generator expression iterates its first iterable with aiter()
        getter = "zrt::get_aiter" if node.generators[0].is_async else "PyObject_GetIter"
        it = self.call(f"{getter}({first.expr})")
        return self.genexpr_call(node, it)

    def genexpr_call(self, node: ast.GeneratorExp, it: Val) -> Val:
        """The generator of a generator expression, its first iterator already taken."""
        args = ast.arguments(posonlyargs=[], args=[ast.arg(".0")], vararg=None, kwonlyargs=[],
                             kw_defaults=[], kwarg=None, defaults=[])
        fn = self.make_function(node, args, None, None)
        return self.call(f"PyObject_CallOneArg({fn.expr}, {it.expr})")

    def expr_Starred(self, node: ast.Starred) -> Val:
        raise NotCompilable(node, "starred expression here")

    # calls
    def positional_tuple(self, args: list[ast.expr], func: str | None = None) -> Val:
        if any(isinstance(a, ast.Starred) for a in args):
            lst = self.star_list(args, func)
            return self.call(f"PyList_AsTuple({lst.expr})")
        if not args:
            return Val(self.mod.const(()))
        return self.build_tuple([self.expr(a, owned=True) for a in args])

    def keywords_dict(self, keywords: list[ast.keyword], func: str) -> Val:
        d = self.call("PyDict_New()")
        for k in keywords:
            v = self.expr(k.value)
            if k.arg is None:
                self.check_int(f"zrt::merge_star_kwargs({d.expr}, {func}, {v.expr})")
            else:
                self.check_int(f"zrt::add_keyword({d.expr}, {func}, {self.mod.ident(k.arg)}, {v.expr})")
        return d

    def expr_Call(self, node: ast.Call) -> Val:
        self.set_line(node)
        counted = genexpr_inline.len_of_set(node)
        if counted is not None and genexpr_inline.inlinable(self, counted.args[0]):  # type: ignore[arg-type]
            return genexpr_inline.emit_len_of_set(self, node, counted)
        consumer = genexpr_inline.consumer(node)
        if consumer is not None and genexpr_inline.inlinable(self, node.args[0]):  # type: ignore[arg-type]
            return genexpr_inline.emit_consumed(self, node, consumer)
        if self.spec.wants(node):
            return self.spec.boxed(node)
        if jsoncall.matches(self, node):
            return jsoncall.emit(self, node)
        if self.is_super0(node):
            return self.super_call(node)
        starred = any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords)
        if isinstance(node.func, ast.Attribute) and not starred:
            return self.method_call(node)
        func = self.expr(node.func, owned=True)
        # builtins that read the caller's frame get this code's namespaces instead: the
        # module globals, the class namespace, or a snapshot of a function's locals (what
        # locals() returns for a function in CPython too)
        frame_sensitive = (
            isinstance(node.func, ast.Name)
            and not node.keywords
            and not any(isinstance(a, ast.Starred) for a in node.args)
            and node.func.id in ("globals", "locals", "vars", "dir", "eval", "exec")
            and (len(node.args) == 0 or (node.func.id in ("eval", "exec") and len(node.args) <= 3))
        )
        if starred:
            args = self.positional_tuple(node.args, func.expr)
            kw = self.keywords_dict(node.keywords, func.expr) if node.keywords else Val("nullptr")
            result = self.call(f"PyObject_Call({func.expr}, {args.expr}, {kw.expr})")
            self.release(func, args, kw)
            return result
        # `C(args)` may enter a compiled __init__ (methodcalls.construct_site), taking `C(i)`'s
        # `i` as a view of this Num local: not boxed
        constructs = (isinstance(node.func, ast.Name) and not node.keywords and not frame_sensitive
                      and not methodcalls.never_constructs(self, node.func.id))
        views = methodcalls.construct_views(self, node) if constructs else []
        vals = [Val(f"{v}.o") if v else self.expr(a) for a, v in zip(node.args, views or [None] * len(node.args))]
        vals += [self.expr(k.value) for k in node.keywords]
        nargs = len(node.args)
        if frame_sensitive:
            arr = self.fresh("a")
            self.emit(f"PyObject* {arr}[] = {{{', '.join(v.expr for v in vals) or 'nullptr'}}};")
            if self.unit.kind in ("module", "class") and self.scope is self.unit:
                ns = self.ns()
            elif isinstance(node.func, ast.Name) and node.func.id == "globals":
                ns = "S.globals"
            else:
                ns = self.locals_snapshot(node).expr
            return self.call(f"zrt::frame_call(&S, {ns}, {func.expr}, {arr}, {nargs})")
        # a local holding a bound method (`pop = lst.pop`): list methods run on the list
        # directly when that is what it holds (runtime/listops.hpp)
        local = (isinstance(node.func, ast.Name) and self.access(node.func.id) == FAST
                 and not self.spec.is_num_local(node.func.id) and not node.keywords)
        kwnames = self.mod.const(tuple(k.arg for k in node.keywords)) if node.keywords else "nullptr"
        mark = len(self.lines)
        generic = self.generic_call_expr(func.expr, vals, nargs, kwnames, local)
        if any(views):
            generic = methodcalls.boxing_first([v for v in views if v], self.lines[mark:], generic)
            del self.lines[mark:]
        # `C(args)`: a compiled __init__ of the module entered directly (methodcalls.py)
        site = None
        if constructs:
            site = methodcalls.construct_site(self, func.expr, [v.expr for v in vals], generic, views)
        result = self.call(site or generic)
        self.release(func, *vals)
        return result

    def generic_call_expr(self, func: str, vals: list[Val], nargs: int, kwnames: str, local: bool) -> str:
        """The C++ expression of the call `func(*vals)` (the last len(vals) - nargs of them
        keyword arguments named by the tuple `kwnames`), through the runtime's shortcuts;
        `local`: func is a fast local that may hold a list's bound method."""
        if local and nargs == len(vals) == 1:
            return f"zrt::call_local_one({func}, {vals[0].expr})"
        if local and nargs == len(vals) == 2:
            return f"zrt::call_local_two({func}, {vals[0].expr}, {vals[1].expr})"
        if nargs == len(vals) == 1:  # (the thread state: a class's compiled __init__ is entered with it)
            return f"zrt::call_one({func}, {vals[0].expr}, {self.call_tstate()})"
        arr = self.fresh("a")
        self.emit(f"PyObject* {arr}[] = {{nullptr{''.join(', ' + v.expr for v in vals)}}};")
        return f"zrt::call_vector({self.call_tstate()}, {func}, {arr} + 1, {nargs} | PY_VECTORCALL_ARGUMENTS_OFFSET, {kwnames})"

    def locals_snapshot(self, node: ast.AST) -> Val:
        """A dict of the bound locals and free variables of this function, as locals()."""
        if self.scope is not self.unit:
            raise NotCompilable(node, "locals() inside a comprehension")
        # Up to 3.12 a function's locals() is one dict per call, refreshed on every call
        # (names exec() adds stay in it); 3.13 (PEP 667) returns a new snapshot each time.
        if not hasattr(self, "_flocals"):
            self._flocals = self.long_ref("flocals")  # one per call of the function
        persistent = self._flocals
        d = self.fresh("d")
        self.emit(f"zrt::Ref {d};")
        # (a run-time test under abi3, where one module serves every version; a constant otherwise)
        self.emit(f"if (ZRT_RUNNING_PY(3, 13)) {d}.set(PyDict_New());")
        self.emit(f"else {{ if (!{persistent}.p) {persistent}.set(PyDict_New()); {d}.set(zrt::xnewref({persistent}.p)); }}")
        self.check_null(d)
        names = [n for n in self.unit.function_locals() if not n.startswith(("$", "."))]
        for name in [*names, *[f for f in self.unit.frees if f != "__class__"]]:
            kind = self.unit.access(name)
            key = self.mod.ident(name)
            if kind == FAST:
                var = f"{nm.LOCAL}{nm.ident(name)}.p"
            elif kind == CELL:
                var = f"PyCell_GET({nm.CELL}{nm.ident(name)}.p)"
            elif kind == FREE:
                var = f"PyCell_GET({self.free_cell(name)})"
            else:
                continue
            self.emit(f"if ({var}) {{ if (PyDict_SetItem({d}.p, {key}, {var}) < 0) {self.fail()} }}")
            self.emit(f"else if (PyDict_DelItem({d}.p, {key}) < 0) PyErr_Clear();")
        return Val(f"{d}.p", d)

    def method_call(self, node: ast.Call) -> Val:
        """obj.name(args): looked up like the interpreter's LOAD_METHOD, before the
        arguments are evaluated, without making a bound method for plain methods."""
        attr = node.func
        assert isinstance(attr, ast.Attribute)
        raw, is_meth = self.fresh("m"), self.fresh("im")
        site = None
        if isinstance(attr.value, ast.Call) and self.is_super0(attr.value):
            # super().name(...): no super object, no bound method (zrt::super_method)
            self.set_line(attr.value)
            sup, cell, first, nargs = self.super_parts()
            obj = Val(self.fresh("so"))
            self.emit(f"zrt::Ref {obj.expr}(zrt::xnewref({first}));")
            self.emit(f"PyObject* {raw} = nullptr;")
            self.emit(f"int {is_meth} = zrt::super_method({sup.expr}, {cell}, {first}, {nargs}, "
                      f"{self.mod.ident(attr.attr)}, &{raw});")
            obj = Val(f"{obj.expr}.p")
        else:
            obj = self.expr(attr.value, owned=True)
            self.emit(f"PyObject* {raw} = nullptr;")
            name, cache = self.mod.ident(attr.attr), self.mod.method_cache()
            site = slotclass.method_site(self.mod.slot_methods, self.fresh, self.emit)
            lookup = f"zrt::slot_method({obj.expr}, {name}, &{raw}, &{cache}, &{site})" if site else \
                f"zrt::get_method_cached({obj.expr}, {name}, &{raw}, &{cache})"
            self.emit(f"int {is_meth} = {lookup};")
        meth = self.fresh()
        self.emit(f"zrt::Ref {meth}({raw});")
        self.check_null(meth)
        vals = [self.expr(a) for a in node.args] + [self.expr(k.value) for k in node.keywords]
        kwnames = self.mod.const(tuple(k.arg for k in node.keywords)) if node.keywords else "nullptr"
        arr = self.fresh("a")
        self.emit(f"PyObject* {arr}[] = {{nullptr, {obj.expr}{''.join(', ' + v.expr for v in vals)}}};")
        call = f"zrt::call_method_vector({self.call_tstate()}, {meth}.p, {arr} + 2 - {is_meth}, ({len(node.args)} + {is_meth}) | PY_VECTORCALL_ARGUMENTS_OFFSET, {kwnames})"
        # a compiled method of this module: its body entered directly (methodcalls.py)
        if not node.keywords:
            call = methodcalls.method_site(self, attr.attr, len(node.args), is_meth, f"{meth}.p", obj.expr,
                                           [v.expr for v in vals], call)
        result = self.call(call)
        self.emit(f"{meth}.clear();")
        self.release(obj, *vals)
        return result

    def is_super0(self, node: ast.Call) -> bool:
        """super() with no arguments, the builtin's name, inside a function."""
        return (
            isinstance(node.func, ast.Name) and node.func.id == "super" and not node.args and not node.keywords
            and self.scope.is_function and self.access("super") == GLOBAL
        )

    def super_call(self, node: ast.Call) -> Val:
        sup, cell, first, nargs = self.super_parts()
        return self.call(f"zrt::super0({sup.expr}, {cell}, {first}, {nargs})")

    def super_parts(self) -> tuple[Val, str, str, int]:
        """What zero-argument super() needs: the value of the name `super`, the __class__
        cell (or nullptr), the first parameter's current value (or nullptr) and the number
        of positional parameters."""
        sup = self.load_name("super")
        cell = "nullptr"
        if "__class__" in self.unit.frees:
            cell = self.free_cell("__class__")
        first = "nullptr"
        node_args = getattr(self.unit.node, "args", None)
        nargs = len(node_args.posonlyargs) + len(node_args.args) if isinstance(node_args, ast.arguments) else 0
        if nargs:
            p = self.unit.params[0]
            kind = self.unit.access(p)
            if kind == FAST:
                first = f"{nm.LOCAL}{nm.ident(p)}.p"
            elif kind == CELL:
                first = f"PyCell_GET({nm.CELL}{nm.ident(p)}.p)"
        return sup, cell, first, nargs

    # comprehensions (inline, own scope)
    def expr_ListComp(self, node: ast.ListComp) -> Val:
        return self.comprehension(node, "PyList_New(0)", [node.elt], "list")

    def expr_SetComp(self, node: ast.SetComp) -> Val:
        return self.comprehension(node, "PySet_New(nullptr)", [node.elt], "set")

    def expr_DictComp(self, node: ast.DictComp) -> Val:
        return self.comprehension(node, "PyDict_New()", [node.key, node.value], "dict")

    def comprehension(self, node: ast.AST, create: str, elts: list[ast.expr], kind: str) -> Val:
        scope = self.scopes.of(node)
        gens: list[ast.comprehension] = node.generators  # type: ignore[attr-defined]
        if any(g.is_async for g in gens):
            raise NotCompilable(node, "async comprehension not compiled yet")
        first_iter = self.expr(gens[0].iter)
        res = self.call(create)
        self.in_inline_scope(scope, lambda: self.comp_loop(gens, 0, first_iter, res, elts, kind))
        return res

    def in_inline_scope(self, scope: Scope, body: Callable[[], None]) -> None:
        """Emit `body` in a C++ block where the names `scope` binds are its own locals."""
        saved_scope = self.scope
        self.scope = scope
        frame = {name: self.fresh(nm.COMP_LOCAL) + "_" + nm.ident(name) for name in sorted(scope.bound)}
        self.comp_locals.append(frame)
        self.open("{")
        for name, var in frame.items():
            if scope.access(name) == COMPCELL:
                self.emit(f"zrt::Ref {var}(PyCell_New(nullptr));")
                self.check_null(var)
            else:
                self.emit(f"zrt::Ref {var};")
        body()
        self.close("}")
        self.comp_locals.pop()
        self.scope = saved_scope

    def comp_loop(self, gens: list[ast.comprehension], i: int, first: Val | None, res: Val,
                  elts: list[ast.expr], kind: str, action: Callable[[], None] | None = None,
                  first_iterator: bool = False, track_lines: bool = False) -> None:
        """The loops of a comprehension; innermost, `action` if given (an inlined
        generator expression's consumer), else adding to `res`. `first_iterator`: `first`
        names the zrt::SeqWalk of the first iterable, begun eagerly (a generator
        expression takes iter() eagerly; genexpr_inline.first_walk).
        `track_lines`: the lines its generator's `for` statements would report."""
        gen = gens[i]
        if gen.is_async:
            raise NotCompilable(gen, "async comprehension not compiled yet")
        self.open("{")
        if track_lines and i:
            self.set_line(gen.target)
        src = first if first is not None else self.expr(gen.iter)
        walk = first_iterator and i == 0
        it = "" if walk else self.fresh("it")
        if not walk:
            self.emit(f"zrt::Ref {it}(PyObject_GetIter({src.expr}));")
            self.check_null(it)
        self.open("for (;;) {")
        if track_lines:  # (the body moved it: static tracking does not see loops)
            self.lineno = gen.target.lineno
            self.emit_line(self.lineno)
        self.loop_back_edge()  # at the top: the `if` clauses `continue`
        v, rc = self.fresh("v"), self.fresh("r")
        self.emit(f"PyObject* {v} = nullptr;")
        self.emit(f"int {rc} = zrt::seq_walk_next(&{src.expr}, &{v});" if walk else f"int {rc} = zrt::iter_next({it}.p, &{v});")
        self.emit(f"if ({rc} < 0) {self.fail()}")
        self.emit(f"if ({rc} == 0) break;")
        self.open("{")
        item = self.fresh()
        self.emit(f"zrt::Ref {item}({v});")
        self.assign(gen.target, Val(f"{item}.p", item), keep=False)
        self.close("}")
        for cond in gen.ifs:
            self.open("{")
            if track_lines:
                self.set_line(cond)
            t = self.truth(cond)
            self.emit(f"if (!{t}) continue;")
            self.close("}")
        if i + 1 < len(gens):
            self.comp_loop(gens, i + 1, None, res, elts, kind, action, track_lines=track_lines)
        elif action is not None:
            self.open("{")
            action()
            self.close("}")
        else:
            self.open("{")
            if kind == "list":
                e = self.expr(elts[0])
                self.check_int(f"PyList_Append({res.expr}, {e.expr})")
            elif kind == "set":
                e = self.expr(elts[0])
                self.check_int(f"PySet_Add({res.expr}, {e.expr})")
            else:
                k = self.expr(elts[0], owned=True)
                val = self.expr(elts[1])
                self.check_int(f"PyDict_SetItem({res.expr}, {k.expr}, {val.expr})")
            self.close("}")
        self.close("}")
        self.close("}")

    # -- units ---------------------------------------------------------------------------
    def code_name(self) -> str:
        return self.unit.name

    def tb_site(self) -> str:
        """This unit's TbSite: its traceback entries' frame and its frames' code object."""
        if not hasattr(self, "_tb_site"):
            self._tb_site = f"TB_{self.mod.next_id()}"
            first, nlines = self.frame_span()
            qualname = getattr(self.unit, "qualname", None) or self.code_name()
            # (kept apart from prototypes: a rolled-back statement must not take it along)
            self.mod.tb_sites.append(f"static zrt::TbSite {self._tb_site} = {{{_cstr(self.code_name())}, {first}, "
                                     f"nullptr, {_cstr(qualname)}, {nlines}, nullptr, nullptr, 0}};")
        return self._tb_site

    def traceback_call(self) -> str:
        """The call that adds this unit's entry to the traceback of the current exception."""
        site = self.tb_site()
        if self.has_frame():
            return f"zrt::frame_traceback(&S, &{site}, L_recursion, L_line)"
        return f"zrt::add_traceback(&{site}, S.globals, S.filename, L_line)"

    def frame_guard(self, tstate: str | None = None) -> str:
        """Entering the unit: the recursion count and its frame (runtime/frames.hpp), on the
        thread state a direct caller passed (`tstate`) or one looked up."""
        ts = f", {tstate}" if tstate else ""
        return f"zrt::FrameGuard L_recursion(&S, &{self.tb_site()}{ts});"

    def tstate(self) -> str:
        """The thread state in hand, for a direct call (see zrt::TState)."""
        return "L_recursion.tstate()" if self.has_frame() else "zrt::current_tstate()"

    def call_tstate(self) -> str:
        """The thread state in hand for a call site (zrt::call_vector...), nullptr when there
        is none: the callee then looks it up itself, as it would be called from anywhere."""
        return "L_recursion.tstate()" if self.has_frame() else "nullptr"

    def _locals_decls(self) -> list[str]:
        out = []
        for name in self.unit.function_locals():
            if self.unit.access(name) == CELL:
                out.append(f"zrt::Ref {nm.CELL}{nm.ident(name)}(PyCell_New(nullptr));")
            elif name in self.views:  # the caller's Num (methodcalls.views_of)
                out.append(f"zrt::Num& {nm.LOCAL}{nm.ident(name)} = *L_p{self.views[name]};")
            elif self.spec.types.is_num(name):
                out.append(f"zrt::Num {nm.LOCAL}{nm.ident(name)};")
            else:
                out.append(f"zrt::Ref {nm.LOCAL}{nm.ident(name)};")
        return out

    def emit_function(self, index: int, node: ast.AST, args: ast.arguments, has_doc: bool) -> None:
        scope = self.unit
        posonly = [a.arg for a in args.posonlyargs]
        positional = posonly + [a.arg for a in args.args]
        kwonly = [a.arg for a in args.kwonlyargs]
        params = scope.params
        is_async = isinstance(node, ast.AsyncFunctionDef) or (
            isinstance(node, ast.GeneratorExp) and _async_genexp(node))
        is_gen = isinstance(node, ast.GeneratorExp) or any(
            isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own_nodes(node))
        self.gen = ("asyncgen" if is_gen else "coroutine") if is_async else ("generator" if is_gen else None)
        # a module-level function callers may call directly (types.direct_functions)
        self.direct = (scope.name if scope.kind == "function" and scope.parent is self.scopes.root
                       and isinstance(node, ast.FunctionDef) and scope.name in self.mod.direct else None)
        # a method's parameters its entry takes as views of the caller's Nums
        entry = self.mod.methods.by_node.get(id(node)) if not self.gen else None
        self.views = {p: i for i, p in enumerate(params) if entry and entry.view(i)}
        # 4. infer types (what the specialised tier keeps native in this function)
        # (a plain generator keeps its Num locals in its heap frame: GenObject::nums)
        self.spec = Specialiser(self, infer_function(node, scope, self.gen not in (None, "generator"), self.direct is not None,
                                                     frozenset(self.views)),
                                certainly_bound_reads(node))
        self.float_runs = FloatRuns(self)
        body_stmts: list[ast.stmt] = []
        if isinstance(node, ast.GeneratorExp):
            body_stmts = _genexpr_body(node)
            if self.gen == "asyncgen":
                try:
                    body_stmts = spill_suspensions(body_stmts, scope, self.scopes)
                except Unspillable as exc:
                    raise NotCompilable(exc.node, exc.reason) from None
        elif isinstance(node, ast.Lambda) and self.gen:
            # a generator lambda: its body's value is the generator's return value
            try:
                body_stmts = spill_suspensions([ast.copy_location(ast.Return(node.body), node.body)], scope, self.scopes)
            except Unspillable as exc:
                raise NotCompilable(exc.node, exc.reason) from None
        elif not isinstance(node, ast.Lambda):
            body_stmts = list(node.body)  # type: ignore[attr-defined]
            if has_doc:
                body_stmts = body_stmts[1:]
            if self.gen:
                try:
                    body_stmts = spill_suspensions(body_stmts, scope, self.scopes)
                except Unspillable as exc:
                    raise NotCompilable(exc.node, exc.reason) from None
        varnames = scope.function_locals()
        # CO_COROUTINE / CO_ASYNC_GENERATOR / CO_GENERATOR, for inspect
        flags = {"coroutine": "0x80", "asyncgen": "0x200", "generator": "0x20", None: "0"}[self.gen]
        self.mod.add_spec(FuncSpecInfo(
            index=index, name=scope.name, qualname=scope.qualname, firstlineno=getattr(node, "lineno", 1),
            argcount=len(positional), posonly=len(posonly), kwonly=len(kwonly),
            varargs=args.vararg is not None, varkw=args.kwarg is not None,
            param_names=positional + kwonly, varnames=varnames, freevars=list(scope.frees), extra_flags=flags,
            ts_body=not self.gen,
        ))
        self.mod.prototypes.append(
            f"static PyObject* {nm.FUNC_IMPL}{index}(PyObject*, PyObject* const*, size_t, PyObject*);"
        )
        if not self.gen:
            self.mod.prototypes.append(
                f"static PyObject* {nm.FUNC_TS}{index}(zrt::TState, PyObject*, PyObject* const*, size_t, PyObject*);"
            )
        if self.gen:
            self.nslots = len(varnames)
        # the body
        if isinstance(node, ast.Lambda) and not self.gen:
            self.open("{")
            # (a TypeVarTuple's default may be `*Ts`)
            body_val = self.unpacked_single(node.body) if isinstance(node.body, ast.Starred) else self.expr(node.body)
            self.emit(f"return {body_val.steal()};")
            self.close("}")
        else:
            self.stmts(body_stmts)
            self.emit(self.return_code("zrt::newref(Py_None)"))
        lineno = getattr(node, "lineno", 1)
        # only positional parameters: a binder with their count as a constant (runtime/args.hpp)
        plain = not kwonly and args.vararg is None and args.kwarg is None
        binder = f"zrt::bind_positional<{len(positional)}>" if plain else "zrt::bind_args"
        binding = [
            f"    PyObject* L_slots[{max(len(params), 1)}] = {{}};",
            f"    int L_bind = {binder}(L_func, {nm.FUNC_SPEC}{index}.args, L_args, L_nargsf, L_kwnames, L_slots);",
        ]
        if self.direct:
            self.emit_direct(index, lineno, binding)
            return
        if not self.gen:
            # a method's body callers may enter with its arguments bound (methodcalls.py)
            split = methodcalls.split_body(entry, index, binding) if entry and plain else None
            head = [
                *self.ts_entry(index),
                *(split.wrapper + split.opening if split else [
                    f"static PyObject* {nm.FUNC_TS}{index}(zrt::TState L_ts, PyObject* L_func, PyObject* const* L_args, size_t L_nargsf, PyObject* L_kwnames) {{",
                    f"    if (zrt::code_replaced(L_func, &{nm.FUNC_SPEC}{index})) return zrt::call_replaced_code(L_func, &{nm.FUNC_SPEC}{index}, nullptr, L_args, L_nargsf, L_kwnames);"]),
                "    " + self.frame_guard("L_ts"),
                f"    if (!L_recursion.ok) {split.no_frame if split else 'return nullptr;'}",
                f"    int L_line = {lineno};",
                "    zrt::Ref L_ret;",
                "    PyObject* L_closure = PyFunction_GET_CLOSURE(L_func);",
                "    (void)L_closure;",
            ]
            head += ["    " + d for d in self._locals_decls()]
            head += ["    " + d for d in self.top_decls]
            head += split.binding if split else binding
            for i, p in enumerate(params):
                if p in self.views:
                    continue  # (declared as the caller's Num)
                if scope.access(p) == CELL:
                    head.append(f"    if (L_slots[{i}]) {{ zrt::store_cell({nm.CELL}{nm.ident(p)}.p, L_slots[{i}]); }}")
                elif self.spec.types.is_num(p):
                    head.append(f"    {nm.LOCAL}{nm.ident(p)}.set(L_slots[{i}]);")
                else:
                    head.append(f"    {nm.LOCAL}{nm.ident(p)}.p = L_slots[{i}];")
            head.append("    if (L_bind < 0) return nullptr;")
            tail = ["L_error:", f"    {self.traceback_call()};",
                    "L_error_nt:", "    return nullptr;", "}"]
            self.mod.bodies.append("\n".join(head + self.lines + tail))
            return
        # a generator or coroutine: n_<k> binds the arguments into a new frame, g_<k> runs it
        self.mod.uses_generators = True
        kind = {"coroutine": "zrt::GEN_COROUTINE", "asyncgen": "zrt::GEN_ASYNCGEN"}.get(self.gen, "zrt::GEN_GENERATOR")
        nums = [name for name in varnames if self.spec.types.is_num(name)]  # (their F slots stay empty)
        # n_<k> is apart from f_<k> so that a function running a copy of its stub with other
        # flags (types.coroutine() under abi3) can make its generator: see call_replaced_code
        create = [
            f"static PyObject* g_{index}(zrt::GenObject* G, PyObject* L_sent);",
            f"static PyObject* {nm.GEN_NEW}{index}(PyObject* L_func, PyObject* const* L_args, size_t L_nargsf, PyObject* L_kwnames) {{",
            f"    zrt::Ref L_gen(zrt::gen_new(L_func, {self.nslots}, {self.nints}, g_{index}, {kind}, {len(nums)}));",
            "    if (!L_gen.p) return nullptr;",
            "    PyObject** F = zrt::gen_slots(L_gen.p);",
            f"    ((zrt::GenObject*)L_gen.p)->ints[0] = {lineno};",
            *binding,
        ]
        for i, name in enumerate(varnames):
            if name in params:
                j = params.index(name)
                if scope.access(name) == CELL:
                    create.append(f"    F[{i}] = PyCell_New(L_slots[{j}]); Py_XDECREF(L_slots[{j}]);")
                    create.append(f"    if (!F[{i}]) return nullptr;")
                elif name in nums:
                    create.append(f"    ((zrt::GenObject*)L_gen.p)->nums[{nums.index(name)}].set(L_slots[{j}]);")
                else:
                    create.append(f"    F[{i}] = L_slots[{j}];")
            elif scope.access(name) == CELL:
                create.append(f"    if (!(F[{i}] = PyCell_New(nullptr))) return nullptr;")
        create += ["    if (L_bind < 0) return nullptr;", "    return L_gen.release();", "}"]
        create += [
            f"static PyObject* {nm.FUNC_IMPL}{index}(PyObject* L_func, PyObject* const* L_args, size_t L_nargsf, PyObject* L_kwnames) {{",
            f"    if (zrt::code_replaced(L_func, &{nm.FUNC_SPEC}{index})) return zrt::call_replaced_code(L_func, &{nm.FUNC_SPEC}{index}, {nm.GEN_NEW}{index}, L_args, L_nargsf, L_kwnames);",
            f"    return {nm.GEN_NEW}{index}(L_func, L_args, L_nargsf, L_kwnames);",
            "}",
        ]
        head = [
            f"static PyObject* g_{index}(zrt::GenObject* G, PyObject* L_sent) {{",
            "    " + self.frame_guard(),
            "    if (!L_recursion.ok) return zrt::gen_error(G);",
            "    PyObject** F = G->slots;",
            "    int* FI = G->ints;",
            "    int& L_line = FI[0];",
            f"    L_recursion.at(zrt::site_index(&{self.tb_site()}, L_line));",
            "    zrt::Ref L_ret;",
            "    PyObject* L_closure = PyFunction_GET_CLOSURE(G->func);",
            "    (void)L_closure; (void)F; (void)FI;",
        ]
        for i, name in enumerate(varnames):
            prefix = nm.CELL if scope.access(name) == CELL else nm.LOCAL
            if name in nums:
                head.append(f"    zrt::Num& {prefix}{nm.ident(name)} = G->nums[{nums.index(name)}];")
                continue
            head.append(f"    zrt::Ref& {prefix}{nm.ident(name)} = zrt::slot(F[{i}]);")
        head += ["    " + d for d in self.top_decls]
        head.append("    switch (G->state) {")
        head.append("        case 0: break;")
        for k, label in enumerate(self.resume_labels, 1):
            head.append(f"        case {k}: goto {label};")
        head.append('        default: PyErr_SetString(PyExc_SystemError, "ziggurat: bad generator state"); return zrt::gen_error(G);')
        head.append("    }")
        head.append("    if (!L_sent) goto L_error;  // thrown into a just-started generator")
        tail = ["L_error:", f"    {self.traceback_call()};",
                "L_error_nt:", "    return zrt::gen_error(G);", "}"]
        self.mod.bodies.append("\n".join(create))
        self.mod.bodies.append("\n".join(head + self.lines + tail))

    @staticmethod
    def ts_entry(index: int) -> list[str]:
        """f_<k>, the vectorcall entry: the thread state looked up, then the body b_<k>
        (compiled call sites holding the thread state call b_<k> themselves:
        zrt::call_function_ts). The body stays out of line: it has two callers."""
        return [
            f"static PyObject* {nm.FUNC_IMPL}{index}(PyObject* L_func, PyObject* const* L_args, size_t L_nargsf, PyObject* L_kwnames) {{",
            f"    return {nm.FUNC_TS}{index}(zrt::current_tstate(), L_func, L_args, L_nargsf, L_kwnames);",
            "}",
        ]

    def emit_direct(self, index: int, lineno: int, binding: list[str]) -> None:
        """A module-level function with a direct entry: D_<name> runs the body (Nums in,
        a Num out), DG_<name> tells callers whether an object is this very function (the
        code not replaced), and f_<k>, the vectorcall entry everyone else uses, looks the
        thread state up for b_<k>, which binds the arguments and calls D_<name>."""
        assert self.direct is not None
        params = self.unit.params
        entry, guard = self.mod.direct_names(self.direct)
        wrapper = [
            f"static bool {guard}(PyObject* f) {{",
            f"    return zrt::is_this_function(f, {nm.FUNC_SPEC}{index}.code);",
            "}",
            *self.ts_entry(index),
            f"static PyObject* {nm.FUNC_TS}{index}(zrt::TState L_ts, PyObject* L_func, PyObject* const* L_args, size_t L_nargsf, PyObject* L_kwnames) {{",
            f"    if (zrt::code_replaced(L_func, &{nm.FUNC_SPEC}{index})) return zrt::call_replaced_code(L_func, &{nm.FUNC_SPEC}{index}, nullptr, L_args, L_nargsf, L_kwnames);",
            *binding,
            *[f"    zrt::Num L_a{i}; L_a{i}.set(L_slots[{i}]);" for i in range(len(params))],
            "    if (L_bind < 0) return nullptr;",
            f"    zrt::Num L_r = {entry}({', '.join(['L_ts', *(f'zrt::num_move(L_a{i})' for i in range(len(params)))])});",
            "    if (L_r.err()) return nullptr;",
            "    return zrt::num_steal(L_r);",
            "}",
        ]
        param_list = ", ".join(["zrt::TState L_ts", *(f"zrt::Num {nm.LOCAL}{nm.ident(p)}" for p in params)])
        leaf = self.leaf_copy(entry, param_list, lineno) if is_native_leaf(self.unit.node, self.spec.types.num_locals) else []
        dispatch: list[str] = []
        if leaf:
            # called with native ints and floats only, the frameless copy first (runtime/leaf.hpp)
            locals_ = [f"{nm.LOCAL}{nm.ident(p)}" for p in params]
            native = " && ".join(["zrt::leaf_ok(L_ts)", *(f"{v}.k <= zrt::NUM_FLOAT" for v in locals_)])
            copies = ", ".join(["L_ts", *(f"zrt::num_copy({v})" for v in locals_)])
            dispatch = [f"    if ({native}) {{",
                        f"        zrt::Num L_r = {nm.DIRECT_LEAF}{nm.ident(self.direct)}({copies});",
                        "        if (!L_r.err()) return L_r;",
                        "    }"]
        head = [
            f"static zrt::Num {entry}({param_list}) {{",
            *dispatch,
            "    " + self.frame_guard("L_ts"),
            "    if (!L_recursion.ok) return zrt::num_err();",
            f"    int L_line = {lineno};",
            "    zrt::Ref L_ret;",
            "    PyObject* L_closure = nullptr;",
            "    (void)L_closure;",
            *["    " + d for d in self._locals_decls()[len(params):]],
            *["    " + d for d in self.top_decls],
        ]
        tail = ["L_error:", f"    {self.traceback_call()};", "L_error_nt:", "    return zrt::num_err();", "}"]
        self.mod.bodies.append("\n".join(wrapper + leaf + head + self.lines + tail))

    # the operations a leaf's frameless copy may call: native paths, boxing exact ints and
    # floats, unbound-local errors (which it drops on giving up); anything else in its
    # lines (a later change to the emitter) keeps the function without the copy
    LEAF_OPS = {"zrt::num_binop": "zrt::leaf_binop", "zrt::num_neg": "zrt::leaf_neg",
                "zrt::num_invert": "zrt::leaf_invert", "zrt::num_compare_truth": "zrt::leaf_compare_truth"}
    LEAF_SAFE = frozenset({"zrt::num_int", "zrt::num_float", "zrt::num_local_obj", "zrt::num_obj", "zrt::newref",
                           "zrt::num_steal", "zrt::num_copy", "zrt::num_move", "zrt::unbound_local", *LEAF_OPS.values()})

    def leaf_copy(self, entry: str, param_list: str, lineno: int) -> list[str]:
        """DL_<name>: the body of a leaf function (types.is_native_leaf) with no frame, on the
        native paths only (runtime/leaf.hpp); [] when its lines call anything else."""
        assert self.direct is not None
        decls = ["    " + d for d in [*self._locals_decls()[len(self.unit.params):], *self.top_decls]]
        body = [re.sub(r"\bzrt::\w+(?=\()", lambda m: self.LEAF_OPS.get(m.group(0), m.group(0)), line)
                for line in [*decls, *self.lines]]
        called = {c for line in body for c in re.findall(r"\b(?:zrt::\w+|_?Py\w+)(?=\s*\()", line)}
        if not called <= self.LEAF_SAFE:
            return []
        return [
            f"static zrt::Num {nm.DIRECT_LEAF}{nm.ident(self.direct)}({param_list}) {{",
            "    zrt::LeafFrame L_recursion(L_ts);",
            f"    int L_line = {lineno};",
            "    zrt::Ref L_ret;",
            "    (void)L_line; (void)L_ret;",
            *body,
            "L_error:",
            "L_error_nt:",
            "    zrt::leaf_bail();",
            "    return zrt::num_err();",
            "}",
        ]

    def emit_class_body(self, index: int, node: ast.ClassDef) -> None:
        scope = self.unit
        head = [
            f"static int {nm.CLASS_BODY}{index}(zrt::ModuleState*, PyObject* L_ns, PyObject* L_closure, PyObject* L_classcell) {{",
            "    " + self.frame_guard(),
            "    if (!L_recursion.ok) return -1;",
            f"    int L_line = {node.lineno};",
            "    zrt::Ref L_ret;",
        ]
        if scope.needs_classdict:
            # lazily evaluated scopes of the body (PEP 695) read its namespace through a cell
            head += ["    zrt::Ref L_classdict(zrt::classdict_cell(L_ns));", "    if (!L_classdict.p) return -1;"]
        self.open("{")
        modname = self.call(f"zrt::load_global(&S, {self.mod.ident('__name__')})")
        self.check_int(f"zrt::store_name(L_ns, {self.mod.ident('__module__')}, {modname.expr})")
        self.check_int(f"zrt::store_name(L_ns, {self.mod.ident('__qualname__')}, {self.mod.const(scope.qualname)})")
        if TYPE_PARAMS in scope.frees:  # a generic class (PEP 695)
            params = self.call(f"zrt::load_cell({self.free_cell(TYPE_PARAMS)}, {_cstr(TYPE_PARAMS)}, true)")
            self.check_int(f"zrt::store_name(L_ns, {self.mod.ident('__type_params__')}, {params.expr})")
        self.close("}")
        body = list(node.body)
        doc = docstring_of(body)
        if doc is not None:
            self.check_int(f"zrt::store_name(L_ns, {self.mod.ident('__doc__')}, {self.mod.const(doc)})")
            body = body[1:]
        if any(isinstance(s, ast.AnnAssign) for s in _shallow_stmts(body)):
            self.setup_annotations("L_ns")
        self.stmts(body)
        # 3.13 records where the class starts and the attributes its methods set on self
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        attrs = self.mod.const(tuple(_static_attributes(node)))
        self.open("if (ZRT_RUNNING_PY(3, 13)) {")
        line = self.call(f"PyLong_FromLong({first})")
        self.check_int(f"zrt::store_name(L_ns, {self.mod.ident('__firstlineno__')}, {line.expr})")
        self.check_int(f"zrt::store_name(L_ns, {self.mod.ident('__static_attributes__')}, {attrs})")
        self.close("}")
        if scope.needs_classdict:
            self.check_int(f"zrt::store_name(L_ns, {self.mod.ident('__classdictcell__')}, L_classdict.p)")
        self.emit("return 0;")
        tail = [
            "L_error:",
            f"    {self.traceback_call()};",
            "L_error_nt:",
            "    return -1;",
            "}",
        ]
        self.mod.prototypes.append(f"static int {nm.CLASS_BODY}{index}(zrt::ModuleState*, PyObject*, PyObject*, PyObject*);")
        if scope.parent is self.scopes.root and self.mod.runs_once:
            # a class statement of a module body without loops: its body runs once
            head[0] = run_once_attributes(len(self.lines)) + head[0]
        head += ["    " + d for d in self.top_decls]
        self.mod.bodies.append("\n".join(head + self.lines + tail))

    def setup_annotations(self, ns: str) -> None:
        ident = self.mod.ident("__annotations__")
        self.open("{")
        has = self.fresh("h")
        self.emit(f"int {has} = PyMapping_HasKey({ns}, {ident});")
        self.open(f"if (!{has}) {{")
        d = self.call("PyDict_New()")
        self.check_int(f"zrt::store_name({ns}, {ident}, {d.expr})")
        self.close("}")
        self.close("}")


def _static_attributes(cls: ast.ClassDef) -> list[str]:
    """Names its methods assign as `<first parameter>.name` (3.13's __static_attributes__)."""
    names: set[str] = set()
    for item in cls.body:
        if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        params = [*item.args.posonlyargs, *item.args.args]
        if not params:
            continue
        first = params[0].arg
        nodes = own_nodes(item)
        augmented = {id(n.target) for n in nodes if isinstance(n, ast.AugAssign)}  # not counted
        for n in nodes:
            if (isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store) and id(n) not in augmented
                    and isinstance(n.value, ast.Name) and n.value.id == first):
                names.add(n.attr)
    return sorted(names)


def _capture_names(p: ast.AST) -> list[str]:
    """Names a pattern binds, in a deterministic order."""
    names: list[str] = []
    for n in ast.walk(p):
        name = getattr(n, "name", None) if isinstance(n, (ast.MatchAs, ast.MatchStar)) else None
        if isinstance(n, ast.MatchMapping) and n.rest:
            name = n.rest
        if name and name not in names:
            names.append(name)
    return names


def _is_wildcard_star(p: ast.AST) -> bool:
    return isinstance(p, ast.MatchStar) and p.name is None


def _is_wildcard(p: ast.AST) -> bool:
    return isinstance(p, ast.MatchAs) and p.pattern is None and p.name is None


def _async_genexp(node: ast.GeneratorExp) -> bool:
    """A generator expression with `async for` or `await` is an async generator."""
    from .spill import suspends

    parts: list[ast.AST] = [node.elt, *(g.iter for g in node.generators[1:]), *(c for g in node.generators for c in g.ifs)]
    return any(g.is_async for g in node.generators) or any(suspends(p) for p in parts)


def _genexpr_body(node: ast.GeneratorExp) -> list[ast.stmt]:
    """A generator expression as the body of its generator function (the first iterator
    arrives as the parameter `.0`)."""
    body: list[ast.stmt] = [ast.copy_location(ast.Expr(ast.copy_location(ast.Yield(node.elt), node.elt)), node.elt)]
    for i in reversed(range(len(node.generators))):
        gen = node.generators[i]
        for cond in reversed(gen.ifs):
            body = [ast.copy_location(ast.If(test=cond, body=body, orelse=[]), cond)]
        it: ast.expr = ast.copy_location(ast.Name(".0", ast.Load()), gen.iter) if i == 0 else gen.iter
        if gen.is_async and i == 0:
            # .0 already holds the aiter() of the first iterable; async for calls aiter()
            # again, which an async iterator answers with itself
            pass
        loop = ast.AsyncFor if gen.is_async else ast.For
        body = [ast.copy_location(loop(target=gen.target, iter=it, body=body, orelse=[]), gen.target)]
    return body


def _own_expressions(node: ast.stmt) -> list[ast.AST]:
    """The nodes of a statement outside its nested bodies and definitions."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return []
    out: list[ast.AST] = []
    for name, value in ast.iter_fields(node):
        if name in ("body", "orelse", "finalbody", "handlers"):
            continue
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, ast.AST):
                out.extend(ast.walk(v))
    return out


def _shallow_stmts(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements of a body, looking into compound statements but not into defs/classes."""
    out: list[ast.stmt] = []
    stack = list(body)
    while stack:
        s = stack.pop()
        out.append(s)
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field_name in ("body", "orelse", "finalbody"):
            stack.extend(getattr(s, field_name, []) or [])
        for h in getattr(s, "handlers", []) or []:
            stack.extend(h.body)
    return out


def _cstr(s: str) -> str:
    from .module_emitter import c_string

    return c_string(s.encode("utf-8", "surrogatepass"))
