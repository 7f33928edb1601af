"""Stage 7, emit (the specialised tier): native C++ for the operations stage 4 (types.py)
marks as likely numeric, inside the code the generic UnitEmitter writes.

In: expression and statement nodes the UnitEmitter hands over, with the function's
FunctionTypes. Out: C++ lines through the same UnitEmitter (its blocks, temporaries, error
handlers), so both tiers share one shape. Values are `zrt::Num`s (runtime/native.hpp):
native int64/double where the run-time kinds allow, the generic C API call otherwise, so
this module must never need a type to be *proved*: it only decides where trying native
code pays. It must not emit anything whose behaviour can differ from the generic tier's:
evaluation order, the objects Python code sees, the exceptions raised.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Callable

from . import genexpr_inline, methodcalls
from .fusedloop import fused_loop, nest_start
from . import names as nm
from .module_emitter import c_string
from .scopes import COMP, FAST, GLOBAL, NAME
from .types import (ARITH_OPS, MATH_FUNCS, ORDER_OPS, FunctionTypes, certainly_not_numeric, is_arith, is_float_const,
                    is_int_const, is_range_call, numeric_call, numeric_ish)

# the comparisons that order (==/!= of objects stay with the object protocol)
ORDERINGS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)

if TYPE_CHECKING:
    from .unit_emitter import UnitEmitter, Val


class Specialiser:
    """The native paths of one unit; `types` says which fast locals are Nums."""

    def __init__(self, em: "UnitEmitter", types: FunctionTypes, bound_reads: frozenset[int] = frozenset()) -> None:
        self.em = em
        self.types = types
        self.bound_reads = bound_reads  # (bound_names.certainly_bound_reads)

    def certainly_bound(self, node: ast.expr) -> bool:
        """A read of a fast local that every path reaches with the name bound."""
        return isinstance(node, ast.Name) and id(node) in self.bound_reads

    # -- what is native ------------------------------------------------------------------
    def is_num_local(self, name: str) -> bool:
        em = self.em
        return self.types.is_num(name) and em.access(name) == FAST

    def numeric_ish(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.types.likely_numbers and self.em.access(node.id) == FAST
        return numeric_ish(node, frozenset())

    def key(self, node: ast.expr) -> str:
        """An index or slice bound as a Num; an object read from a plain local keeps its
        reference, so the generic path (a dict key...) gets the object itself back."""
        if isinstance(node, ast.Name) and not self.is_num_local(node.id):
            em = self.em
            val = em.expr(node)
            t = em.fresh("n")
            em.emit(f"zrt::Num {t} = zrt::num_leaf_keep({val.expr});")
            return t
        return self.num(node)

    def wants_compare(self, node: ast.Compare) -> bool:
        if len(node.ops) != 1 or type(node.ops[0]) not in ORDER_OPS:
            return False
        left, right = node.left, node.comparators[0]
        if self.numeric_ish(left) or self.numeric_ish(right):
            return True
        # `a.x > b.x`, `row[i] < best`: an ordering of items or attributes is most often one
        # of numbers, and for anything else the Num path costs two kind tests
        return (isinstance(node.ops[0], ORDERINGS) and any(isinstance(s, (ast.Attribute, ast.Subscript)) for s in (left, right))
                and not certainly_not_numeric(left) and not certainly_not_numeric(right))

    def wants(self, node: ast.AST) -> bool:
        """An expression whose value the Num path computes (then boxes)."""
        if is_arith(node):
            return True
        if isinstance(node, ast.Call):
            return numeric_call(node) is not None or self.wants_direct(node)
        if isinstance(node, ast.Compare):
            return self.wants_compare(node)
        if isinstance(node, ast.IfExp):
            return self.wants_ifexp(node)
        return False

    def wants_ifexp(self, node: ast.IfExp) -> bool:
        """`a if c else b` with a numeric branch (`n if n < 2 else fib(n - 1) + ...`)."""
        branches = (node.body, node.orelse)
        return (not any(certainly_not_numeric(b) for b in branches)
                and any(self.numeric_ish(b) or self.wants(b) for b in branches))

    # -- Num values ----------------------------------------------------------------------
    def num(self, node: ast.expr) -> str:
        """Evaluate `node` into a Num; returns the C++ lvalue naming it."""
        em = self.em
        if isinstance(node, ast.Name) and self.is_num_local(node.id):
            var = f"{nm.LOCAL}{nm.ident(node.id)}"
            if not self.certainly_bound(node):
                em.emit(f"if (!{var}.bound()) {{ zrt::unbound_local({_cstr(node.id)}); {em.fail()} }}")
            if em.owned_loads:  # `:=` later in the statement could rebind it
                t = em.fresh("n")
                em.emit(f"zrt::Num {t} = zrt::num_copy({var});")
                return t
            return var
        if is_int_const(node):
            assert isinstance(node, ast.Constant) and isinstance(node.value, int)
            t = em.fresh("n")
            em.emit(f"zrt::Num {t} = zrt::num_int(INT64_C({node.value}));" if node.value != -(2 ** 63)
                    else f"zrt::Num {t} = zrt::num_int(INT64_MIN);")
            return t
        if is_float_const(node):
            assert isinstance(node, ast.Constant) and isinstance(node.value, float)
            t = em.fresh("n")
            em.emit(f"zrt::Num {t} = zrt::num_float({em.mod._double(node.value)});")
            return t
        if isinstance(node, ast.BinOp) and is_arith(node):
            a = self.num(node.left)
            b = self.num(node.right)
            generic = f"zrt::num_binop(zrt::{ARITH_OPS[type(node.op)]}, false, {a}, {b})"
            # an object's compiled __add__ (...) called directly (methodcalls.py)
            return self.checked(methodcalls.num_binop_site(em, node, a, b, generic) or generic)
        if isinstance(node, ast.UnaryOp) and is_arith(node):
            a = self.num(node.operand)
            fn = "num_neg" if isinstance(node.op, ast.USub) else "num_invert"
            return self.checked(f"zrt::{fn}({a})")
        call = numeric_call(node)
        if call is not None and isinstance(node, ast.Call):
            return self.num_call(node, call)
        if isinstance(node, ast.Call) and self.wants_direct(node):
            return self.direct_call(node)
        if isinstance(node, ast.IfExp) and self.wants_ifexp(node):
            return self.num_ifexp(node)
        val = em.expr(node)
        t = em.fresh("n")
        if val.owner:  # the Num takes the reference: the very object if the generic path needs it
            em.emit(f"zrt::Num {t} = zrt::num_obj({val.owner}.release());")
        else:
            em.emit(f"zrt::Num {t} = zrt::num_leaf({val.expr});")
        return t

    def checked(self, expr: str) -> str:
        em = self.em
        t = em.fresh("n")
        em.emit(f"zrt::Num {t} = {expr};")
        em.emit(f"if ({t}.err()) {em.fail()}")
        return t

    def site(self) -> str:
        """A call site's memory of the builtin it verified (see zrt::BuiltinSite)."""
        em = self.em
        name = f"BS_{em.mod.next_id()}"
        em.mod.tb_sites.append(f"static zrt::BuiltinSite {name} = {{nullptr}};")
        return name

    def num_call(self, node: ast.Call, fname: str) -> str:
        """len / abs / math functions: the callee is loaded as usual and checked at run time."""
        em = self.em
        inner = genexpr_inline.len_of_set(node) if fname == "len" else None
        counted = inner is not None and genexpr_inline.inlinable(em, inner.args[0])  # type: ignore[arg-type]
        if fname in ("min", "max") or counted:
            # (len(set(genexpr)): counted by the inlined loop, genexpr_inline.emit_len_of_set)
            val = em.expr(node) if counted else self.minmax(node)
            t = em.fresh("n")
            em.emit(f"zrt::Num {t} = zrt::num_leaf({val.expr});")
            em.release(val)
            return t
        func = em.expr(node.func, owned=True)
        em.set_line(node)
        site = self.site()
        if fname == "len":
            arg = em.expr(node.args[0])
            t = self.checked(f"zrt::num_len({func.expr}, {arg.expr}, &{site})")
            em.release(func, arg)
            return t
        arg0 = node.args[0]
        if isinstance(arg0, ast.Name) and arg0.id in em.views:
            # the caller's Num: a function other than the builtin gets the object the caller
            # has (or will have) for it, as the interpreter passes the same object on
            em.emit(f"if (!zrt::num_local_obj({nm.LOCAL}{nm.ident(arg0.id)})) {em.fail()}")
        a = self.num(arg0)
        if fname == "abs":
            t = self.checked(f"zrt::num_abs({func.expr}, {a}, &{site})")
        else:
            assert fname in MATH_FUNCS
            t = self.checked(f"zrt::num_math1({func.expr}, {a}, {_cstr(fname)}, ::{fname}, &{site})")
        em.release(func)
        return t

    # -- min / max --------------------------------------------------------------------------
    def minmax(self, node: ast.Call) -> "Val":
        em = self.em
        assert isinstance(node.func, ast.Name)
        func = em.expr(node.func, owned=True)
        args = [em.expr(a, owned=True) for a in node.args]
        arr = em.fresh("a")
        em.emit(f"PyObject* {arr}[] = {{{', '.join(a.expr for a in args)}}};")
        op = "Py_LT" if node.func.id == "min" else "Py_GT"
        res = em.call(f"zrt::minmax({func.expr}, {arr}, {len(args)}, {op}, &{self.site()})")
        em.release(func, *args)
        return res

    # -- direct calls between compiled functions ----------------------------------------------
    def wants_direct(self, node: ast.Call) -> bool:
        """`f(a, b)` where f names a module-level function with a direct entry, called
        with exactly its positional parameters."""
        f = node.func
        return (isinstance(f, ast.Name) and self.em.access(f.id) in (GLOBAL, NAME)
                and self.em.mod.direct.get(f.id) == len(node.args) and not node.keywords
                and not any(isinstance(a, ast.Starred) for a in node.args))

    def direct_call(self, node: ast.Call) -> str:
        """The callee is loaded as usual; if it is still the function D_<name> runs (the
        guard), D_<name> is called with the argument Nums, else an ordinary call."""
        em = self.em
        assert isinstance(node.func, ast.Name)
        em.set_line(node)
        func = em.expr(node.func, owned=True)
        exposed = em.mod.direct_exposed.get(node.func.id, ())
        args = [self.num_keep(a) for a in node.args]
        for a, obj in zip(args, exposed):
            if obj and a.startswith(nm.LOCAL):  # (see types.exposed_params)
                em.emit(f"if (!zrt::num_local_obj({a})) {em.fail()}")
        entry, guard = em.mod.direct_names(node.func.id)
        t = em.fresh("n")
        em.emit(f"zrt::Num {t};")
        em.open(f"if ({guard}({func.expr})) {{")
        passed = [f"zrt::num_copy({a})" if a.startswith(nm.LOCAL) else f"zrt::num_move({a})" for a in args]
        r = em.fresh("n")
        em.emit(f"zrt::Num {r} = {entry}({', '.join([em.tstate(), *passed])});")
        em.emit(f"{t}.assign({r});")
        em.close("} else {")
        em.depth += 1
        for a in args:  # any callee may hand an argument back: a Num local's box is its object
            if a.startswith(nm.LOCAL):
                em.emit(f"if (!zrt::num_local_obj({a})) {em.fail()}")
        arr = em.fresh("a")
        em.emit(f"const zrt::Num* {arr}[] = {{{', '.join('&' + a for a in args) or 'nullptr'}}};")
        r = em.fresh("n")
        em.emit(f"zrt::Num {r} = zrt::num_vectorcall({func.expr}, {arr}, {len(args)});")
        em.emit(f"{t}.assign({r});")
        em.close("}")
        em.emit(f"if ({t}.err()) {em.fail()}")
        em.release(func)
        return t

    def num_ifexp(self, node: ast.IfExp) -> str:
        """`a if c else b` as a Num: the test, then the one branch taken (each kept with its
        object, as num_keep says)."""
        em = self.em
        t = em.fresh("n")
        em.emit(f"zrt::Num {t};")
        em.open("{")
        cond = em.truth(node.test)
        em.open(f"if ({cond}) {{")
        v = self.num_keep(node.body)
        em.emit(f"{t}.assign({v});" if not v.startswith(nm.LOCAL) else f"{{ zrt::Num c = zrt::num_copy({v}); {t}.assign(c); }}")
        em.close("} else {")
        em.depth += 1
        v = self.num_keep(node.orelse)
        em.emit(f"{t}.assign({v});" if not v.startswith(nm.LOCAL) else f"{{ zrt::Num c = zrt::num_copy({v}); {t}.assign(c); }}")
        em.close("}")
        em.close("}")
        return t

    def num_keep(self, node: ast.expr) -> str:
        """A value as a Num. One that is an object here (a plain local, a constant, an
        attribute...) keeps its object beside the native value, so whoever boxes the Num
        later (a direct callee's `return a`, a branch of `a if c else b`) gets that very
        object, as the interpreter does, not a new box of the same number."""
        if (isinstance(node, ast.Name) and self.is_num_local(node.id)) or self.wants(node):
            return self.num(node)
        em = self.em
        val = em.expr(node)
        t = em.fresh("n")
        if val.owner:
            em.emit(f"zrt::Num {t} = zrt::num_obj({val.owner}.release());")
        else:
            em.emit(f"zrt::Num {t} = zrt::num_leaf_keep({val.expr});")
        return t

    def boxed(self, node: ast.expr) -> "Val":
        """The value of an arithmetic or comparison node as an owned object."""
        em = self.em
        if isinstance(node, ast.Compare):
            a = self.num(node.left)
            b = self.num(node.comparators[0])
            return em.call(f"zrt::num_compare({a}, {b}, {ORDER_OPS[type(node.ops[0])]})")
        if isinstance(node, ast.Call) and numeric_call(node) in ("min", "max"):
            return self.minmax(node)
        t = self.num(node)
        return em.call(f"zrt::num_steal({t})")

    def truth(self, node: ast.expr) -> str | None:
        """An int variable holding the truth of a comparison (or not/and/or of them),
        without making the bool objects; None when the node is not one of those."""
        em = self.em
        if isinstance(node, ast.Compare) and self.wants_compare(node):
            a = self.num(node.left)
            b = self.num(node.comparators[0])
            var = em.fresh("b")
            em.emit(f"int {var} = zrt::num_compare_truth({a}, {b}, {ORDER_OPS[type(node.ops[0])]});")
            em.emit(f"if ({var} < 0) {em.fail()}")
            return var
        if isinstance(node, ast.Name) and self.is_num_local(node.id):
            # `while k:` on a Num local: an int or float tested without boxing it; any other
            # object goes through its __bool__ as zrt::truth would
            var = em.fresh("b")
            em.emit(f"int {var} = zrt::num_truth({self.num(node)});")
            em.emit(f"if ({var} < 0) {em.fail()}")
            return var
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and self.truth_worthy(node.operand):
            inner = em.truth(node.operand)
            var = em.fresh("b")
            em.emit(f"int {var} = !{inner};")
            return var
        if isinstance(node, ast.BoolOp) and any(self.truth_worthy(v) for v in node.values):
            # in a condition `a and b` needs only the truth of each operand, once each,
            # as the interpreter's jumps take it
            var = em.fresh("b")
            is_and = isinstance(node.op, ast.And)
            em.emit(f"int {var} = {0 if is_and else 1};")
            opened = 0
            for i, v in enumerate(node.values):
                em.open("{")
                opened += 1
                inner = em.truth(v)
                if i < len(node.values) - 1:
                    em.open(f"if ({'' if is_and else '!'}{inner}) {{")
                    opened += 1
                else:
                    em.emit(f"{var} = {inner};")
            for _ in range(opened):
                em.close("}")
            return var
        return None

    def truth_worthy(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return self.is_num_local(node.id)
        if isinstance(node, ast.Compare):
            return self.wants_compare(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self.truth_worthy(node.operand)
        if isinstance(node, ast.BoolOp):
            return any(self.truth_worthy(v) for v in node.values)
        return False

    # -- stores ---------------------------------------------------------------------------
    def assign_local(self, name: str, value: ast.expr) -> bool:
        """`name = <numeric>` into a Num local, without boxing; False if not applicable."""
        if not self.is_num_local(name) or not (is_arith(value) or numeric_call(value) is not None
                                               or is_int_const(value) or is_float_const(value)):
            return False
        if is_float_const(value) or (is_int_const(value) and _outside_small_int_cache(value)):
            # the constant's own object, as CPython stores it (`x = 1.5; y = 1.5; x is y`):
            # the generic store keeps it as the Num's box
            return False
        t = self.num(value)
        self.em.emit(f"{nm.LOCAL}{nm.ident(name)}.assign({t});")
        return True

    def augassign(self, node: ast.AugAssign) -> bool:
        """`x op= v` for a Num local, or for an item/attribute with a numeric operand."""
        em = self.em
        op = ARITH_OPS.get(type(node.op))
        if op is None or not is_arith(ast.BinOp(node.target, node.op, node.value)):
            return False
        target = node.target
        if isinstance(target, ast.Name) and self.is_num_local(target.id):
            cur = self.num(target)
            rhs = self.num(node.value)
            t = self.checked(f"zrt::num_binop(zrt::{op}, true, {cur}, {rhs})")
            em.emit(f"{nm.LOCAL}{nm.ident(target.id)}.assign({t});")
            return True
        if isinstance(target, ast.Subscript) and not isinstance(target.slice, ast.Slice) and self.numeric_ish(target.slice):
            obj = em.expr(target.value)
            key = self.key(target.slice)
            res = self.inplace(em.call(f"zrt::getitem_num({obj.expr}, {key})"), op, node.value)
            em.check_int(f"zrt::setitem_num_value({obj.expr}, {key}, {res})")
            return True
        if isinstance(target, ast.Attribute) and self.numeric_ish(node.value):
            obj = em.expr(target.value)
            res = self.inplace(em.load_attr(obj, target.attr), op, node.value)
            attr, cache = em.mod.ident(target.attr), em.mod.attr_cache()
            em.check_int(f"zrt::setattr_num_value({obj.expr}, {attr}, {res}, &{cache})")
            return True
        return False

    def inplace(self, cur: "Val", op: str, value: ast.expr) -> str:
        """`cur op= value` on the current value of an item or attribute: the Num result
        (the store may put a float into the float object it replaces, native.hpp)."""
        em = self.em
        cur_n = em.fresh("n")
        em.emit(f"zrt::Num {cur_n} = zrt::num_leaf({cur.expr});")
        em.release(cur)
        rhs = self.num(value)
        return self.checked(f"zrt::num_binop(zrt::{op}, true, {cur_n}, {rhs})")

    # -- subscripts -----------------------------------------------------------------------
    def wants_index(self, node: ast.Subscript) -> bool:
        if isinstance(node.slice, ast.Slice):
            return False
        # a comprehension's variable as the index (`pool[i] for i in indices`): most often
        # an int; anything else costs the Num path one kind test
        comp_var = isinstance(node.slice, ast.Name) and self.em.access(node.slice.id) == COMP
        return comp_var or self.numeric_ish(node.slice)

    def wants_slice(self, node: ast.Subscript) -> bool:
        """`x[a:b]` / `x[a:b:-1]` with bounds absent or likely ints (exact lists native)."""
        sl = node.slice
        if not isinstance(sl, ast.Slice) or _slice_step(sl) is None:
            return False
        return all(b is None or self.numeric_ish(b) for b in (sl.lower, sl.upper))

    def slice_bounds(self, sl: ast.Slice) -> str:
        """Evaluate the bounds (in order) as Nums; the runtime's arguments for them."""
        out = []
        for b in (sl.lower, sl.upper):
            out.append(f"zrt::Bound{{&{self.key(b)}}}" if b is not None else "zrt::Bound{nullptr}")
        return f"{out[0]}, {out[1]}, {_slice_step(sl)}"

    def slice_load(self, node: ast.Subscript) -> "Val":
        em = self.em
        obj = em.expr(node.value)
        assert isinstance(node.slice, ast.Slice)
        return em.call(f"zrt::list_getslice({obj.expr}, {self.slice_bounds(node.slice)})")

    def slice_store(self, target: ast.Subscript, val: "Val") -> None:
        em = self.em
        obj = em.expr(target.value)
        assert isinstance(target.slice, ast.Slice)
        em.check_int(f"zrt::list_setslice({obj.expr}, {self.slice_bounds(target.slice)}, {val.expr})")

    def flip_slice(self, node: ast.Assign) -> bool:
        """`x[lo:hi] = x[slo:shi:-1]` (x a fast local; the value's bounds absent, int literals
        or fast locals, the target's also their sums and differences, of the value's names): when
        the value's slice is direct (native bounds of an exact list) no code can run before
        the store, so the reversed copy is left to zrt::list_flip, which reverses in place
        when the two slices cover the same items. Otherwise the copy is made first, as usual."""
        em = self.em
        if em_gen(em) or len(node.targets) != 1:
            return False
        target, value = node.targets[0], node.value
        if not (isinstance(target, ast.Subscript) and isinstance(value, ast.Subscript)
                and isinstance(target.slice, ast.Slice) and isinstance(value.slice, ast.Slice)
                and _slice_step(target.slice) == 1 and _slice_step(value.slice) == -1
                and isinstance(target.value, ast.Name) and isinstance(value.value, ast.Name)
                and target.value.id == value.value.id and em.access(target.value.id) == FAST):
            return False
        src_names: set[str] = set()
        tgt_names: set[str] = set()
        for b in (value.slice.lower, value.slice.upper):  # no arithmetic: a native bound is a native name
            if isinstance(b, ast.BinOp) or not self.plain_bound(b, src_names):
                return False
        if not all(self.plain_bound(b, tgt_names) for b in (target.slice.lower, target.slice.upper)):
            return False
        if not tgt_names <= src_names:
            return False
        src = em.expr(value.value)
        bounds = self.slice_bounds(value.slice)
        lo, hi = bounds.split(", ")[:2]
        direct, pending = em.fresh("b"), em.fresh()
        em.emit(f"bool {direct} = zrt::reversed_slice_direct({src.expr}, {lo}, {hi});")
        em.emit(f"zrt::Ref {pending};")
        em.open(f"if (!{direct}) {{")
        em.emit(f"{pending}.set(zrt::list_getslice({src.expr}, {bounds}));")
        em.emit(f"if (!{pending}.p) {em.fail()}")
        em.close("}")
        obj = em.expr(target.value)
        tbounds = self.slice_bounds(target.slice)
        tlo, thi = tbounds.split(", ")[:2]
        em.check_int(f"({direct} ? zrt::list_flip({obj.expr}, {tlo}, {thi}, {src.expr}, {lo}, {hi})"
                     f" : zrt::list_setslice({obj.expr}, {tbounds}, {pending}.p))")
        return True

    def plain_bound(self, node: ast.expr | None, names: set[str]) -> bool:
        """Absent, an int literal, a fast local, or a sum/difference of those (collecting the names):
        with native int operands its value needs no code of any object."""
        if node is None or is_int_const(node):
            return True
        if isinstance(node, ast.Name) and self.em.access(node.id) == FAST:
            names.add(node.id)
            return True
        return (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub))
                and self.plain_bound(node.left, names) and self.plain_bound(node.right, names))

    def subscript(self, node: ast.Subscript) -> "Val":
        em = self.em
        obj = em.expr(node.value)
        key = self.key(node.slice)
        return em.call(f"zrt::getitem_num({obj.expr}, {key})")

    def store_subscript(self, target: ast.Subscript, val: "Val") -> None:
        em = self.em
        obj = em.expr(target.value)
        key = self.key(target.slice)
        em.check_int(f"zrt::setitem_num({obj.expr}, {key}, {val.expr})")

    # -- for x in range(...) ---------------------------------------------------------------
    def wants_range_loop(self, node: ast.For) -> bool:
        if em_gen(self.em) or not is_range_call(node.iter):
            return False
        assert isinstance(node.iter, ast.Call) and isinstance(node.iter.func, ast.Name)
        return self.em.access(node.iter.func.id) in (GLOBAL, NAME)

    def wants_list_loop(self, node: ast.For) -> str | None:
        """`for i, x in enumerate(seq)` / `for x, y in zip(a, b)`: the builtin's name."""
        call, target = node.iter, node.target
        if em_gen(self.em) or not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
            return None
        name = call.func.id
        nargs = {"enumerate": 1, "zip": 2}.get(name)
        if (nargs is None or len(call.args) != nargs or call.keywords
                or any(isinstance(a, ast.Starred) for a in call.args)
                or self.em.access(name) not in (GLOBAL, NAME)):
            return None
        if not isinstance(target, (ast.Tuple, ast.List)) or len(target.elts) != 2:
            return None
        if any(isinstance(e, ast.Starred) for e in target.elts):
            return None
        return name

    def list_loop(self, node: ast.For, builtin: str) -> None:
        """Exact lists are walked by index (no iterator, tuple or index object); anything
        else (another callable bound to the name, other iterables) iterates as usual."""
        from .unit_emitter import Val
        em = self.em
        call, target = node.iter, node.target
        assert isinstance(call, ast.Call) and isinstance(target, (ast.Tuple, ast.List))
        ll, native = em.fresh("ll"), em.fresh("nat")
        em.emit(f"zrt::ListLoop {ll};")
        em.emit(f"int {native} = 0;")
        start = self.loop_start(call, native, f"zrt::{builtin}_start", ll)

        def fetch(loop: ast.For | ast.AsyncFor, it: str, done: str) -> None:
            if builtin == "enumerate" and isinstance(loop, ast.For):
                fused_loop(em.float_runs, loop, ll, native, done)  # a body that is one float run
            em.open(f"if ({native}) {{")
            x, y = em.fresh("x"), em.fresh("y")
            em.emit(f"PyObject* {x} = nullptr; PyObject* {y} = nullptr;")
            em.emit(f"if (!zrt::list_loop_next(&{ll}, &{x}, &{y})) goto {done};")
            hx, hy = em.fresh(), em.fresh()
            em.emit(f"zrt::Ref {hx}({x}); zrt::Ref {hy}({y});")
            first, second = target.elts
            if builtin == "enumerate":
                if isinstance(first, ast.Name) and self.is_num_local(first.id):
                    em.emit(f"{nm.LOCAL}{nm.ident(first.id)}.set_int((int64_t)({ll}.k - 1));")
                else:
                    em.open("{")
                    em.assign(first, em.call(f"zrt::box_i64((int64_t)({ll}.k - 1))"), keep=False)
                    em.close("}")
            else:
                em.assign(first, Val(f"{hx}.p", hx), keep=False)
            em.assign(second, Val(f"{hy}.p", hy), keep=False)
            em.close("} else {")
            em.depth += 1
            em.next_item(loop, it, done)
            em.close("}")

        em.for_loop(node, start, fetch, f" {ll}.a.clear(); {ll}.b.clear();")

    def seq_loop(self, node: ast.For) -> None:
        """`for x in <anything>`: exact lists and tuples walked by index (no iterator
        object, the size read on every step as a list iterator does), the rest as usual."""
        from .unit_emitter import Val
        em = self.em
        ll, native = em.fresh("ll"), em.fresh("nat")
        em.emit(f"zrt::ListLoop {ll};")
        em.emit(f"int {native} = 0;")

        def start(it: str) -> None:
            src = em.expr(node.iter)
            em.emit(f"{native} = zrt::seq_loop_start({src.expr}, &{ll}, &{it});")
            em.emit(f"if ({native} < 0) {em.fail()}")

        def fetch(loop: ast.For | ast.AsyncFor, it: str, done: str) -> None:
            if isinstance(loop, ast.For):
                fused_loop(em.float_runs, loop, ll, native, done)  # a body that is one float run
            em.open(f"if ({native}) {{")
            item = em.fresh()
            em.emit(f"zrt::Ref {item}(zrt::seq_loop_next(&{ll}));")
            em.emit(f"if (!{item}.p) goto {done};")
            em.assign(loop.target, Val(f"{item}.p", item), keep=False)
            em.close("} else {")
            em.depth += 1
            em.next_item(loop, it, done)
            em.close("}")

        em.for_loop(node, start, fetch, f" {ll}.a.clear();")

    def loop_start(self, call: ast.Call, native: str, runtime: str, state: str) -> Callable[[str], None]:
        """Start of a loop over a builtin's result: the callable and its arguments are
        evaluated as usual, then `runtime` decides native (1) or iterator (0)."""
        em = self.em

        def start(it: str) -> None:
            fn = em.expr(call.func, owned=True)
            args = [em.expr(a, owned=True) for a in call.args]
            arr = em.fresh("a")
            em.emit(f"PyObject* {arr}[] = {{{', '.join(a.expr for a in args)}}};")
            em.set_line(call)
            em.emit(f"{native} = {runtime}({fn.expr}, {arr}, {len(args)}, &{state}, &{it});")
            em.emit(f"if ({native} < 0) {em.fail()}")
        return start

    def range_loop(self, node: ast.For) -> None:
        """A counted native loop when `range` is the builtin and its arguments exact ints
        that fit; the range object's iterator otherwise. One body serves both."""
        em = self.em
        call = node.iter
        assert isinstance(call, ast.Call)
        rl, native = em.fresh("rl"), em.fresh("nat")
        em.emit(f"zrt::RangeLoop {rl};")
        em.emit(f"int {native} = 0;")
        start = self.loop_start(call, native, "zrt::range_start", rl)
        nest = nest_start(em.float_runs, node)  # a body of fused loops: what its native step passes on

        def fetch(loop: ast.For | ast.AsyncFor, it: str, done: str) -> None:
            em.open(f"if ({native}) {{")
            if nest:
                em.emit(nest)
            em.emit(f"if (!{rl}.left) goto {done};")
            target = loop.target
            if isinstance(target, ast.Name) and self.is_num_local(target.id):
                em.emit(f"{nm.LOCAL}{nm.ident(target.id)}.set_int(zrt::range_next(&{rl}));")
            else:
                em.open("{")
                item = em.call(f"zrt::box_i64(zrt::range_next(&{rl}))")
                em.assign(target, item, keep=False)
                em.close("}")
            em.close("} else {")
            em.depth += 1
            em.next_item(loop, it, done)
            em.close("}")

        em.for_loop(node, start, fetch)


def _slice_step(sl: ast.Slice) -> int | None:
    """1 for an absent step, -1 for a literal -1; None for any other step."""
    if sl.step is None:
        return 1
    st = sl.step
    if (isinstance(st, ast.UnaryOp) and isinstance(st.op, ast.USub) and isinstance(st.operand, ast.Constant)
            and type(st.operand.value) is int and st.operand.value == 1):
        return -1
    return None


def em_gen(em: "UnitEmitter") -> bool:
    return em.gen is not None


def _cstr(s: str) -> str:
    return c_string(s.encode("utf-8", "surrogatepass"))


def _outside_small_int_cache(node: ast.expr) -> bool:
    """An int constant CPython does not share from its small-int cache (-5..256)."""
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and not -5 <= node.value <= 256
