"""Direct calls of compiled methods: `obj.m(a, b)` and `a - b` entering the method's body.

A method defined in a class body of the module, with positional parameters only and not a
generator, gets a body entry `MP_<n>(tstate, func, p0, ...)` that takes its arguments as
owned references, already bound; its vectorcall body b_<k> binds and calls it. A method call
site `obj.m(args)` whose name and argument count match such methods (at most MAX_CANDIDATES
of them per kind) compares, after the usual method lookup (runtime/attrcache.hpp
get_method_cached: the type's version tag, no instance attribute shadowing it), the code
object of the function the lookup found - the unbound method, a classmethod's bound
method's function, a staticmethod's function - with each candidate's stub (`MK_<n>()`) and
on a match calls MP_<n> directly: no argument vector through the function's vectorcall
slot, no entry table lookup, no binder. Everything the callee does (its frame, the
recursion count, tracebacks) is in MP_<n>, so both paths show the same. A binary operator
(`a - b`) on an instance of a compiled class whose `__sub__` is such a method calls it the
same way when CPython's protocol would call exactly that method first (runtime/attrcache.hpp
dunder_method). A call `C(a, b)` of a name, positional arguments only, whose count matches
compiled `__init__` methods (construct_site) compares the code of the `__init__` that
`C(...)` would run - only for a class made by `type` whose instances come from
object.__new__ (runtime/ops.hpp class_init_code) - with their stubs and on a match
allocates the instance and enters MP_<n> with it: no argument vector, no binder, no entry
table lookup.

Decided here: which methods get an entry and which sites try which candidates; the names.
Not here: the method lookup itself and the guards' meaning (runtime/function.hpp
method_code..., runtime/attrcache.hpp dunder_method), the bodies (unit_emitter.emit_function).
"""

from __future__ import annotations

import ast
import builtins
import functools
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

from .check import own_nodes
from .scopes import FAST, GLOBAL, NAME, Scope, ScopeTree
from .types import ARITH_OPS, names_bound_by, numeric_params, reads_frame

if TYPE_CHECKING:
    from .unit_emitter import UnitEmitter

# how many same-named methods a call site compares against (richards' Task.fn has five:
# the base class's and four overrides)
MAX_CANDIDATES = 6
MAX_PARAMS = 8
ENTRY = "MP_"      # a method's body entry: arguments bound, as owned references
ENTRY_CODE = "MK_"  # the stub code object of the function MP_<n> runs (nullptr before it exists)
# binary operators whose dunder a site may call directly: the runtime's op number
# (zrt::DunderOp) and the method's name
DUNDER_BINOPS: dict[type, tuple[str, str]] = {
    ast.Add: ("zrt::DOP_ADD", "__add__"),
    ast.Sub: ("zrt::DOP_SUB", "__sub__"),
    ast.Mult: ("zrt::DOP_MUL", "__mul__"),
    ast.Div: ("zrt::DOP_TRUEDIV", "__truediv__"),
}


@dataclass(frozen=True)
class MethodEntry:
    number: int
    name: str
    nparams: int
    # how a lookup gives it: "method" (undecorated), "classmethod", "staticmethod" or
    # "other" (another decorator): the site compares it only where it can come that way
    kind: str = "method"
    # per parameter: taken as a view of a Num (`zrt::Num*`, the caller's local or a
    # temporary) instead of an owned object (see views_of)
    views: tuple[bool, ...] = ()

    def view(self, i: int) -> bool:
        return i < len(self.views) and self.views[i]


@dataclass
class MethodEntries:
    """The methods with a body entry, by the id of their def node and by name."""
    by_node: dict[int, MethodEntry] = field(default_factory=dict)
    by_name: dict[str, list[MethodEntry]] = field(default_factory=dict)

    def candidates(self, name: str, nargs: int, kind: str = "method") -> list[MethodEntry]:
        """The methods of that kind a call `obj.name(...)` passing nargs positional
        arguments to the function (obj or a classmethod's class included) may enter, or
        none when there are too many to compare."""
        found = [e for e in self.by_name.get(name, []) if e.nparams == nargs and e.kind == kind]
        return found if len(found) <= MAX_CANDIDATES else []

    def prototypes(self) -> list[str]:
        out = []
        for e in self.by_node.values():
            out.append(f"static PyObject* {ENTRY_CODE}{e.number}();")
            out.append(signature(e) + ";")
        return out

    def stubs(self, bodies: list[str]) -> list[str]:
        """An entry whose method was not compiled (its statement fell back): its code never
        matches, so its call sites take the generic call."""
        out = []
        for e in self.by_node.values():
            if not any(signature(e) + " {" in b for b in bodies):
                out.append(f"static PyObject* {ENTRY_CODE}{e.number}() {{ return nullptr; }}")
                out.append(signature(e) + " { return zrt::no_method_entry(); }")
        return out


def signature(e: MethodEntry) -> str:
    params = "".join(f", zrt::Num* L_p{i}" if e.view(i) else f", PyObject* L_p{i}" for i in range(e.nparams))
    return f"static PyObject* {ENTRY}{e.number}(zrt::TState L_ts, PyObject* L_func{params})"


@dataclass(frozen=True)
class Sites:
    """What the module's code can call directly: (name, positional argument count) of every
    `obj.name(...)` call (`__init__` for every other call, which may construct), and the
    dunder names of its binary operators (DUNDER_BINOPS)."""
    calls: frozenset[tuple[str, int]]
    dunders: frozenset[str]

    def reach(self, name: str, nparams: int, kind: str) -> bool:
        """Whether some site may ask for a method of that name, parameter count and kind
        (MethodEntries.candidates' keys: a method or classmethod gets its first argument
        from the site, a staticmethod does not; a method of another kind never matches)."""
        if kind in ("method", "classmethod") and (name, nparams - 1) in self.calls:
            return True
        if kind == "method" and nparams == 2 and name in self.dunders:
            return True
        return kind == "staticmethod" and (name, nparams) in self.calls


def call_sites(tree: ast.AST) -> Sites:
    """The module's Sites, over every scope. A superset of the sites method_site and
    binop_site serve (keywords, starred arguments and augmented assignments count too):
    a method left out of it only keeps its body in its vectorcall entry."""
    calls: set[tuple[str, int]] = set()
    dunders: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            calls.add((node.func.attr, len(node.args)))
        elif isinstance(node, ast.Call):
            calls.add(("__init__", len(node.args)))  # construct_site: `C(args)` may enter an __init__
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in DUNDER_BINOPS:
            dunders.add(DUNDER_BINOPS[type(node.op)][1])
    return Sites(frozenset(calls), frozenset(dunders))


def method_entries(scopes: ScopeTree, sites: Sites) -> MethodEntries:
    """Every def directly in a class body with positional parameters only, not a generator
    or coroutine, that some call site or operator of the module may enter (the guards at
    the call sites make any choice correct: this only bounds the code). A method no site
    can reach gets no entry: its body stays in b_<k>, one function less to compile (chaos
    has 19 methods, 9 of them reachable)."""
    out = MethodEntries()
    todo = [scopes.root]
    while todo:
        scope = todo.pop()
        todo.extend(scope.children)
        node = scope.node
        if scope.kind != "function" or scope.parent is None or scope.parent.kind != "class":
            continue
        if not isinstance(node, ast.FunctionDef):
            continue
        args = node.args
        nparams = len(args.posonlyargs) + len(args.args)
        if args.vararg or args.kwarg or args.kwonlyargs or nparams > MAX_PARAMS:
            continue
        if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own_nodes(node)):
            continue
        decorators = [d.id if isinstance(d, ast.Name) else "" for d in node.decorator_list]
        kind = "method" if not decorators else decorators[0] if decorators in (["classmethod"], ["staticmethod"]) else "other"
        if not sites.reach(node.name, nparams, kind):
            continue
        entry = MethodEntry(len(out.by_node), node.name, nparams, kind, views_of(scope, node, kind))
        out.by_node[id(node)] = entry
        out.by_name.setdefault(node.name, []).append(entry)
    return out


def views_of(scope: Scope, node: ast.FunctionDef, kind: str) -> tuple[bool, ...]:
    """Which parameters of a plain method (not the first) its entry takes as a view of the
    caller's Num: a fast local the body reads as a number and never rebinds. Why: `C(i)`
    with `i` a native int of the caller boxed it only for `__init__` to read it back as a
    number (float: an int object made and freed per Point). The view is the caller's own
    local, so whoever boxes it - the callee passing `i` on, or the caller later - boxes it
    once for both, and the object is the one the interpreter would have passed. Not for
    the binary-operator dunders, whose entries the operator sites call with objects."""
    if kind != "method" or node.name in {name for _, name in DUNDER_BINOPS.values()} or reads_frame(node):
        return ()
    numeric = numeric_params(node, scope.params)
    return tuple(i > 0 and numeric[i] and scope.access(p) == FAST for i, p in enumerate(scope.params))


@dataclass(frozen=True)
class SplitBody:
    """How emit_function splits a method with an entry: b_<k> binds and calls MP_<n>."""
    wrapper: list[str]    # MK_<n> and b_<k>
    opening: list[str]    # MP_<n>'s first lines: its parameters where the binder's output was
    no_frame: str         # what MP_<n> returns when its frame cannot be entered
    binding: list[str]    # in place of the binder


def split_body(entry: MethodEntry, index: int, binding: list[str]) -> SplitBody:
    from . import names as nm

    n = entry.nparams
    slots = "".join(f", &L_v{i}" if entry.view(i) else f", L_slots[{i}]" for i in range(n))
    release = "zrt::release_slots(L_slots, sizeof L_slots / sizeof *L_slots)"
    # (a view's Num takes its argument over once binding succeeded, and lives for the call)
    views = [f"    zrt::Num L_v{i}; L_v{i}.set(L_slots[{i}]);" for i in range(n) if entry.view(i)]
    wrapper = [
        f"static PyObject* {ENTRY_CODE}{entry.number}() {{ return {nm.FUNC_SPEC}{index}.code; }}",
        f"static PyObject* {nm.FUNC_TS}{index}(zrt::TState L_ts, PyObject* L_func, PyObject* const* L_args, size_t L_nargsf, PyObject* L_kwnames) {{",
        f"    if (zrt::code_replaced(L_func, &{nm.FUNC_SPEC}{index})) return zrt::call_replaced_code(L_func, &{nm.FUNC_SPEC}{index}, nullptr, L_args, L_nargsf, L_kwnames);",
        *binding,
        f"    if (L_bind < 0) return {release};",
        *views,
        f"    return {ENTRY}{entry.number}(L_ts, L_func{slots});",
        "}",
    ]
    params = ", ".join("nullptr" if entry.view(i) else f"L_p{i}" for i in range(n)) or "nullptr"
    # (the arguments are owned from the start: a refused frame releases them)
    opening = [signature(entry) + " {", f"    PyObject* L_slots[{max(n, 1)}] = {{{params}}};"]
    return SplitBody(wrapper, opening, f"return {release};", ["    int L_bind = 0;"])


def method_site(em: UnitEmitter, name: str, nargs: int, is_meth: str, meth: str, obj: str, args: list[str],
                generic: str) -> str:
    """The C++ expression of a call site `obj.name(args)` (nargs positional arguments, no
    keywords) after its method lookup gave `meth` and `is_meth`: the first compiled method
    whose stub is the code of what the lookup found runs with new references to the
    arguments - an unbound method with obj first, a bound method (a classmethod's) with its
    self first, a plain function (a staticmethod's) with the arguments alone - else `generic`."""
    unbound = em.mod.methods.candidates(name, nargs + 1)
    bound = em.mod.methods.candidates(name, nargs + 1, "classmethod")
    plain = em.mod.methods.candidates(name, nargs, "staticmethod")
    ts = em.tstate()
    owned = "".join(f", zrt::newref({a})" for a in args)
    branches = []
    if unbound:
        code = em.fresh("mc")
        em.emit(f"PyObject* {code} = zrt::method_code({is_meth}, {meth});")
        branches += [f"{code} == {ENTRY_CODE}{e.number}() ? {ENTRY}{e.number}({ts}, {meth}, zrt::newref({obj}){passed(e, args, 1)})"
                     for e in unbound]
    if bound:
        code, func = em.fresh("bc"), em.fresh("bf")
        em.emit(f"PyObject* {func} = nullptr;")
        em.emit(f"PyObject* {code} = zrt::bound_method_code({is_meth}, {meth}, &{func});")
        branches += [f"{code} == {ENTRY_CODE}{e.number}() ? "
                     f"{ENTRY}{e.number}({ts}, {func}, zrt::newref(zrt::bound_self({meth})){owned})" for e in bound]
    if plain:
        code = em.fresh("fc")
        em.emit(f"PyObject* {code} = zrt::function_code({is_meth}, {meth});")
        branches += [f"{code} == {ENTRY_CODE}{e.number}() ? {ENTRY}{e.number}({ts}, {meth}{owned})" for e in plain]
    return " : ".join([*branches, generic])


def passed(e: MethodEntry, args: list[str], first: int, nums: list[str | None] | None = None) -> str:
    """The arguments `args` (borrowed objects; `nums`: the Num locals some of them are
    read from instead, see construct_views) as entry e's parameters from number `first`
    on: a new reference, or for a view the caller's Num or a temporary one holding the
    object (zrt::num_view: it lives until the call's full expression ends)."""
    out = []
    for i, a in enumerate(args):
        num = nums[i] if nums else None
        if not e.view(first + i):
            out.append(f", zrt::newref({a})")
        else:
            out.append(f", &{num}" if num else f", zrt::num_view(zrt::num_leaf_keep({a}))")
    return "".join(out)


def construct_views(em: UnitEmitter, node: ast.Call) -> list[str | None]:
    """For each positional argument of a call `C(args)` that may construct: the caller's
    Num local it names (checked bound, as a read), when every compiled `__init__` the site
    may enter takes that argument as a view - the site then passes the local itself and
    boxes it only on the generic path (boxing_first) - else None; [] when no argument is."""
    entries = em.mod.methods.candidates("__init__", len(node.args) + 1)
    if not isinstance(node.func, ast.Name) or node.keywords or not entries or em.owned_loads:
        return []
    local = [isinstance(a, ast.Name) and em.spec.is_num_local(a.id) and all(e.view(i + 1) for e in entries)
             for i, a in enumerate(node.args)]
    if not any(local):
        return []
    return [em.spec.num(a) if ok else None for a, ok in zip(node.args, local)]


def boxing_first(nums: list[str], lines: list[str], generic: str) -> str:
    """The generic call `generic` (after the statements `lines` it needs) of a site that
    holds arguments as Num locals: their objects are made first (kept in the locals, as
    a read of them does), nullptr with the error when that fails."""
    boxed = " && ".join(f"zrt::num_local_obj({n})" for n in nums)
    body = " ".join(line.strip() for line in lines)
    return f"[&]() -> PyObject* {{ if (!({boxed})) return nullptr; {body} return {generic}; }}()"


@functools.lru_cache(maxsize=4)  # one scan per module (emitted unit after unit)
def _global_bindings(module: ast.AST) -> tuple[frozenset[str], frozenset[str]]:
    """Names the module binds only by undecorated top-level `def` statements, and every name the
    file binds anywhere, by any statement, import, `global` declaration, capture or pattern
    (over-counting only costs a construct site a name could have skipped)."""
    defs = {n.name for n in getattr(module, "body", [])
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and not n.decorator_list}
    other: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            other.update(node.names)
        elif not (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in defs):
            other.update(names_bound_by(node))
    return frozenset(defs - other), frozenset(other)


def never_constructs(em: UnitEmitter, name: str) -> bool:
    """Whether a call of the global `name` is unlikely to construct anything: a builtin the
    file never binds, or a function bound only by an undecorated top-level `def`.
    Such sites skip construct_site's test (a type check and a code comparison per call);
    whatever the name holds at run time, the generic call stays correct."""
    if em.access(name) not in (GLOBAL, NAME):
        return False
    defs, other = _global_bindings(em.scopes.root.node)
    return name in defs or (name not in other and name in vars(builtins))


def construct_site(em: UnitEmitter, cls: str, args: list[str], generic: str,
                   nums: list[str | None] | None = None) -> str | None:
    """The C++ expression of a call `cls(args)` (positional arguments only, all borrowed;
    `nums`: see construct_views) entering a compiled `__init__` of this module directly
    when `cls` is a class whose instances object.__new__ makes and whose __init__ is that
    method (runtime/ops.hpp class_init_code: checked at run time, so any callable may be
    here), else `generic`; None when no compiled `__init__` takes that many arguments."""
    entries = em.mod.methods.candidates("__init__", len(args) + 1)
    if not entries:
        return None
    init, code = em.fresh("if"), em.fresh("ic")
    em.emit(f"PyObject* {init} = nullptr;")
    em.emit(f"PyObject* {code} = zrt::class_init_code({cls}, &{init});")
    enter = f"[&](PyObject* L_self) {{ return {ENTRY}{{n}}({em.tstate()}, {init}, zrt::newref(L_self){{args}}); }}"
    branches = [f"{code} == {ENTRY_CODE}{e.number}() ? zrt::construct({cls}, {init}, "
                f"{enter.replace('{n}', str(e.number)).replace('{args}', passed(e, args, 1, nums))})"
                for e in entries]
    return " : ".join([*branches, generic])


def _dunder_entries(em: UnitEmitter, node: ast.BinOp) -> tuple[tuple[str, str], list[MethodEntry]] | None:
    """The operator's (C operator, dunder name) and the compiled methods of that name taking
    two parameters; None when there are none."""
    found = DUNDER_BINOPS.get(type(node.op))
    entries = em.mod.methods.candidates(found[1], 2) if found else []
    if not found or not entries:
        return None
    return found, entries


def _dunder_parts(em: UnitEmitter, node: ast.BinOp, left: str, right: str,
                  generic: str) -> tuple[list[str], str] | None:
    """The statements and the expression of binop_site (see there)."""
    dunders = _dunder_entries(em, node)
    if dunders is None:
        return None
    (op, _), entries = dunders
    fn, code = em.fresh("df"), em.fresh("dc")
    lines = [f"zrt::Ref {fn}(zrt::dunder_method({left}, {right}, {op}, &{em.mod.method_cache()}));",
             f"PyObject* {code} = zrt::dunder_code({fn}.p);"]
    branches = [
        f"{code} == {ENTRY_CODE}{e.number}() ? ("
        f"zrt::dunder_result({ENTRY}{e.number}({em.tstate()}, {fn}.p, zrt::newref({left}), zrt::newref({right})), "
        f"{left}, {right}, {op}))"
        for e in entries
    ]
    return lines, " : ".join([*branches, generic])


def binop_site(em: UnitEmitter, node: ast.BinOp, left: str, right: str, generic: str) -> str | None:
    """`left op right` (objects, borrowed) calling a compiled dunder of this module directly
    when the operands allow it (runtime/attrcache.hpp dunder_method), else `generic`; None
    when no compiled method has the operator's name."""
    parts = _dunder_parts(em, node, left, right, generic)
    if parts is None:
        return None
    for line in parts[0]:
        em.emit(line)
    return parts[1]


def num_binop_site(em: UnitEmitter, node: ast.BinOp, a: str, b: str, generic: str) -> str | None:
    """binop_site for the specialised tier's Nums `a` and `b` (runtime/native.hpp), tried only
    when `a` holds an object (the test is all a native number pays: float code in a module
    with a compiled __sub__ paid the whole site at every operation, raytrace +2%), with `b`'s
    object (boxed if it is a native number without a box): zrt::num_dunder_binop, one
    out-of-line copy for every such site, given the site's candidates in a table."""
    if isinstance(node.left, ast.Constant) or em.spec.numeric_ish(node.left):
        return None  # a likely number on the left (chaos' float locals): not worth the code
    dunders = _dunder_entries(em, node)
    if dunders is None:
        return None
    found, entries = dunders
    table = em.fresh("de")
    pairs = ", ".join(f"{{{ENTRY_CODE}{e.number}, {ENTRY}{e.number}}}" for e in entries)
    em.emit(f"static const zrt::DunderEntry {table}[] = {{{pairs}}};")
    site = (f"zrt::num_dunder_binop({em.call_tstate()}, zrt::{ARITH_OPS[type(node.op)]}, {found[0]}, "
            f"&{em.mod.method_cache()}, {table}, {len(entries)}, {a}, {b})")
    return f"{a}.k != zrt::NUM_OBJ ? {generic} : {site}"
