"""Stage 2, analyse scopes: for every scope of a module, how each name is accessed.

In: a parsed `ast.Module`. Out: a tree of `Scope`s and, per scope, an `access(name)`
answer (fast local, cell, free, global, class-namespace...). Pure; no C++ here.

Why not the standard `symtable` alone: its shape changes across the versions we support
(3.12 inlines comprehensions, PEP 709, so their scopes vanish from the table), and the
emitter needs one answer for 3.10-3.13. The rules below are CPython's (symtable.c):
function scopes resolve free names through enclosing function scopes, skipping class
bodies; classes see their own namespace, then globals; `super` and `__class__` in a method
create the implicit `__class__` cell of the nearest enclosing class. Comprehensions are
scopes of their own but are emitted inline, so their free names are read directly from the
enclosing scope's variables.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterator

from .mangle import binding_name

FUNCTION_KINDS = ("function", "lambda", "genexpr", "lazy")
# Scopes emitted inline in their parent's C++ function: comprehensions, and PEP 695
# annotation scopes (`<generic parameters of f>`: the type parameters, and the annotations,
# bases and keywords that see them), which CPython runs once, at once, as a function call.
INLINE_KINDS = ("comprehension", "annotation")

# access kinds
FAST = "fast"            # a C++ local of this function
CELL = "cell"            # a cell owned by this function (captured by an inner scope)
FREE = "free"            # a cell from the closure
GLOBAL = "global"        # globals, then builtins
NAME = "name"            # module/class namespace, then globals, then builtins
CLASSDEREF = "classderef"  # class body reading an enclosing function's variable
COMP = "comp"            # a comprehension's own iteration variable (inline C++ local)
COMPCELL = "compcell"    # ... captured by a closure inside the comprehension: a cell
# PEP 695 lazily evaluated scopes (TypeVar bounds, `type` values) directly in a class body
# read the class namespace first (CPython's LOAD_FROM_DICT_OR_GLOBALS/_OR_DEREF through the
# class's `__classdict__` cell), then the globals or the closure cell
DICTGLOBAL = "dictglobal"
DICTFREE = "dictfree"
CLASSDICT = "__classdict__"  # the class body's cell holding its namespace
TYPE_PARAMS = ".type_params"  # a generic class's parameters, read by its body
GENERIC_BASE = ".generic_base"  # its Generic[...] base, in its annotation scope


@dataclass(eq=False)
class Scope:
    kind: str  # module | class | function | lambda | comprehension | genexpr | annotation | lazy
    node: ast.AST
    name: str
    qualname: str
    parent: "Scope | None"
    children: list["Scope"] = field(default_factory=list)
    params: list[str] = field(default_factory=list)
    bound: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)
    global_decls: set[str] = field(default_factory=set)
    nonlocal_decls: set[str] = field(default_factory=set)
    cells: set[str] = field(default_factory=set)
    frees: list[str] = field(default_factory=list)
    needs_classcell: bool = False  # class scope: a method uses super() / __class__
    uses_super: bool = False
    sees_class: bool = False  # annotation/lazy scope whose enclosing class's names it reads
    needs_classdict: bool = False  # class scope: a lazy scope reads its namespace
    problems: list[tuple[ast.AST, str]] = field(default_factory=list)

    def add_free(self, name: str) -> None:
        if name not in self.frees:
            self.frees.append(name)

    @property
    def is_function(self) -> bool:
        return self.kind in FUNCTION_KINDS

    def function_locals(self) -> list[str]:
        """The fast locals and cells, parameters first, in a deterministic order."""
        rest = sorted(n for n in self.bound if n not in self.params and self.access(n) in (FAST, CELL))
        return list(self.params) + rest

    def access(self, name: str) -> str:
        """How code in this scope reads or writes `name`."""
        if self.kind == "module":
            return NAME
        if name in self.global_decls:
            return GLOBAL
        if self.kind in INLINE_KINDS:
            if name in self.bound:
                return COMPCELL if name in self.cells else COMP
            assert self.parent is not None
            parent_access = self.parent.access(name)
            if self.kind == "annotation":
                return parent_access  # inline in the class body too: its namespace, as CPython's
            if self.parent.kind == "class" and parent_access in (NAME, CLASSDEREF):
                # class-level names are invisible inside the comprehension
                return FREE if name in self.parent.frees and parent_access == CLASSDEREF else GLOBAL
            return parent_access
        if self.kind == "class":
            # (a class's implicit __class__ cell is for its methods only: its own body sees
            # `__class__` like any other name, CPython's LOAD_CLASSDEREF from further out)
            if name in self.nonlocal_decls:
                return FREE
            if name in self.bound:
                return NAME
            if name in self.frees:
                return CLASSDEREF
            return NAME
        if name in self.nonlocal_decls:
            return FREE
        if name in self.bound:
            return CELL if name in self.cells else FAST
        if name in self.frees:
            return DICTFREE if self.sees_class and name != CLASSDICT else FREE
        seen = _visible_class(self)
        if seen is not None and name in seen.global_decls:
            return GLOBAL  # `global name` in the class: the globals only
        return DICTGLOBAL if self.sees_class else GLOBAL


class _Collector(ast.NodeVisitor):
    """Pass 1: build the scope tree and record bindings, uses and declarations."""

    def __init__(self, module: ast.Module) -> None:
        self.root = Scope("module", module, "<module>", "", None)
        self.scope = self.root
        self.by_node: dict[int, Scope] = {id(module): self.root}

    # -- helpers -------------------------------------------------------------------------
    def _child(self, kind: str, node: ast.AST, name: str) -> Scope:
        parent = self.scope
        if kind == "annotation":
            qual = f"<generic parameters of {name}>"
            scope = Scope(kind, node, qual, qual, parent)
            parent.children.append(scope)
            self.by_node[id(node.type_params)] = scope  # type: ignore[attr-defined]  # (the node is its def's)
            return scope
        if parent.kind == "annotation":
            # what an annotation scope defines is named as if the scope were not there
            # (CPython's compiler_set_qualname looks at the grandparent)
            assert parent.parent is not None
            parent = parent.parent
        if parent.kind == "module" or name in parent.global_decls:
            # a def/class whose name is declared global has its plain name as qualname
            qual = name
        elif parent.kind == "class":
            qual = f"{parent.qualname}.{name}"
        elif parent.kind == "comprehension":
            qual = f"{parent.qualname}.{name}"
        else:
            qual = f"{parent.qualname}.<locals>.{name}"
        scope = Scope(kind, node, name, qual, self.scope)
        self.scope.children.append(scope)
        self.by_node[id(node)] = scope
        return scope

    def _bind(self, name: str) -> None:
        self.scope.bound.add(name)

    def _walk_in(self, scope: Scope, nodes: list[ast.AST]) -> None:
        saved, self.scope = self.scope, scope
        for n in nodes:
            self.visit(n)
        self.scope = saved

    def _visit_args(self, args: ast.arguments) -> None:  # (a lambda's)
        # defaults and annotations are evaluated in the enclosing scope
        for d in args.defaults:
            self.visit(d)
        for kd in args.kw_defaults:
            if kd is not None:
                self.visit(kd)
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None and a.annotation is not None:
                self.visit(a.annotation)

    def _params(self, scope: Scope, args: ast.arguments) -> None:
        names = [a.arg for a in [*args.posonlyargs, *args.args]]
        names += [a.arg for a in args.kwonlyargs]
        if args.vararg:
            names.append(args.vararg.arg)
        if args.kwarg:
            names.append(args.kwarg.arg)
        scope.params = names
        scope.bound.update(names)

    # -- scopes --------------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for d in node.decorator_list:
            self.visit(d)
        self._bind(binding_name(node))
        outer = self.scope
        # defaults belong to the enclosing scope; with type parameters the annotations are
        # evaluated in the annotation scope that holds them
        for d in node.args.defaults:
            self.visit(d)
        for kd in node.args.kw_defaults:
            if kd is not None:
                self.visit(kd)
        self._enter_type_params(node, node.name)
        for a in _all_args(node.args):
            if a.annotation is not None:
                self.visit(a.annotation)
        if node.returns is not None:
            self.visit(node.returns)
        scope = self._child("function", node, node.name)
        self._params(scope, node.args)
        self._walk_in(scope, list(node.body))
        self.scope = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_args(node.args)
        scope = self._child("lambda", node, "<lambda>")
        self._params(scope, node.args)
        self._walk_in(scope, [node.body])

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for d in node.decorator_list:
            self.visit(d)
        self._bind(binding_name(node))
        outer = self.scope
        generic = self._enter_type_params(node, node.name)
        if generic:
            self.scope.bound.update((TYPE_PARAMS, GENERIC_BASE))
        for b in node.bases:
            self.visit(b)
        for k in node.keywords:
            self.visit(k.value)
        scope = self._child("class", node, node.name)
        if generic:
            scope.used.add(TYPE_PARAMS)  # the body sets __type_params__ from it
        self._walk_in(scope, list(node.body))
        self.scope = outer

    def visit_TypeAlias(self, node: ast.AST) -> None:
        name: str = node.name.id  # type: ignore[attr-defined]
        self._bind(name)
        outer = self.scope
        self._enter_type_params(node, name)
        self._lazy(node, name, node.value)  # type: ignore[attr-defined]
        self.scope = outer

    def _enter_type_params(self, node: ast.AST, name: str) -> bool:
        """PEP 695: open the annotation scope of `node`'s type parameters (the caller
        restores self.scope); bounds, constraints and defaults are lazy scopes in it."""
        params = getattr(node, "type_params", None)
        if not params:
            return False
        scope = self._child("annotation", node, name)
        scope.sees_class = self.scope.kind == "class"
        self.scope = scope
        for tp in params:
            scope.bound.add(binding_name(tp))
            bound = getattr(tp, "bound", None)
            if bound is not None:
                self._lazy(tp, tp.name, bound)
            default = getattr(tp, "default_value", None)
            if default is not None:
                self._lazy(tp, tp.name, default, "default")
        return True

    def _lazy(self, owner: ast.AST, name: str, value: ast.expr, what: str = "value") -> None:
        """A lazily evaluated expression: a function of no arguments returning it (a TypeVar
        bound or default, a `type` alias's value). Its node, a synthetic lambda, is kept on
        `owner` as `zrt_<what>` for the emitter."""
        fn = ast.Lambda(args=_NO_ARGS, body=value)
        ast.copy_location(fn, value)
        setattr(owner, f"zrt_{what}", fn)
        scope = self._child("lazy", fn, name)
        scope.sees_class = self.scope.kind == "class" or (self.scope.kind == "annotation" and self.scope.sees_class)
        if scope.sees_class:
            scope.used.add(CLASSDICT)
        self._walk_in(scope, [value.value if isinstance(value, ast.Starred) else value])

    def _comprehension(self, node: ast.AST, name: str, elts: list[ast.AST], kind: str = "comprehension") -> None:
        gens: list[ast.comprehension] = node.generators  # type: ignore[attr-defined]
        self.visit(gens[0].iter)  # the first iterable belongs to the enclosing scope
        scope = self._child(kind, node, name)
        if kind == "genexpr":
            scope.params = [".0"]
            scope.bound.add(".0")
        saved, self.scope = self.scope, scope
        for i, gen in enumerate(gens):
            if i:
                self.visit(gen.iter)
            self.visit(gen.target)
            for cond in gen.ifs:
                self.visit(cond)
        for e in elts:
            self.visit(e)
        self.scope = saved

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, "<listcomp>", [node.elt])

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._comprehension(node, "<setcomp>", [node.elt])

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, "<dictcomp>", [node.key, node.value])

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        # a generator expression is a generator function of its own (it runs later), with
        # the first iterator as its one parameter
        self._comprehension(node, "<genexpr>", [node.elt], kind="genexpr")

    # -- names ---------------------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.scope.used.add(node.id)
            if node.id == "super":
                self.scope.uses_super = True
                self.scope.used.add("__class__")
        else:
            self._bind(node.id)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        # PEP 572: the target binds in the nearest enclosing non-comprehension scope
        target = self.scope
        while target.kind in ("comprehension", "genexpr"):
            assert target.parent is not None
            target = target.parent
        target.bound.add(node.target.id)
        if target is not self.scope:
            target.used.add(node.target.id)
            self.scope.used.add(node.target.id)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        # `(x): int` with no value annotates without binding: x stays global (symtable.c)
        if isinstance(node.target, ast.Name) and not node.simple and node.value is None:
            self.scope.used.add(node.target.id)
            self.visit(node.annotation)
            return
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        self.scope.global_decls.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.scope.nonlocal_decls.update(node.names)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._bind(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                if self.scope.kind != "module":
                    self.scope.problems.append((node, "import * inside a function"))
                continue
            self._bind(alias.asname or alias.name)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._bind(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.AST) -> None:
        name = getattr(node, "name", None)
        if name:
            self._bind(name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.AST) -> None:
        name = getattr(node, "name", None)
        if name:
            self._bind(name)

    def visit_MatchMapping(self, node: ast.AST) -> None:
        rest = getattr(node, "rest", None)
        if rest:
            self._bind(rest)
        self.generic_visit(node)


_NO_ARGS = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])


def _all_args(args: ast.arguments) -> list[ast.arg]:
    return [a for a in [*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg] if a is not None]


def _resolve(scope: Scope) -> None:
    """Pass 2: decide cells and frees, children first so their needs reach parents."""
    for child in scope.children:
        _resolve(child)
    if scope.kind == "module":
        for child in scope.children:
            if child.kind in INLINE_KINDS:
                _comprehension_needs(child)  # (decides which of its variables are cells)
        return
    wanted: set[str] = set(scope.used) | set(scope.nonlocal_decls)
    # frees of children pass through us
    for child in scope.children:
        wanted.update(child.frees)
        if child.kind in INLINE_KINDS:
            wanted.update(_comprehension_needs(child))
            # an inline comprehension reads its free names straight from this scope
            wanted.update(_comprehension_reads(child))
    for name in sorted(wanted):
        if scope.kind in INLINE_KINDS:
            continue  # comprehensions forward to their parent (handled above)
        if name == "__class__" and scope.kind == "class":
            if any("__class__" in c.frees for c in scope.children) or any(
                "__class__" in _comprehension_needs(c) for c in scope.children if c.kind in INLINE_KINDS
            ):
                scope.needs_classcell = True
            # the body's own `__class__` (read, or `nonlocal __class__`) is the enclosing
            # method's, not this class's implicit cell
            own_use = name in scope.used or name in scope.nonlocal_decls
            own_binding = name in scope.global_decls or (name in scope.bound and name not in scope.nonlocal_decls)
            if own_use and not own_binding and _enclosing_class(scope):
                scope.add_free(name)
            continue
        if name == CLASSDICT:
            if scope.kind == "class":
                scope.needs_classdict = True
            elif scope.sees_class:
                scope.add_free(name)
            continue
        if name in scope.global_decls:
            continue
        seen = _visible_class(scope)
        if seen is not None and (name in seen.global_decls or (name in seen.bound and name not in seen.nonlocal_decls)):
            # bound in the class a lazy scope sees: the class namespace, then the globals,
            # never an enclosing function's variable (symtable.c, analyze_name)
            continue
        if scope.is_function and name in scope.bound and name not in scope.nonlocal_decls:
            if any(name in c.frees for c in scope.children) or any(
                name in _comprehension_needs(c) for c in scope.children if c.kind in INLINE_KINDS
            ):
                # captured by an inner function (directly or through an inline comprehension)
                if _captured_by_function(scope, name):
                    scope.cells.add(name)
            continue
        if scope.kind == "class" and name in scope.bound and name not in scope.nonlocal_decls:
            # class-level names are not visible to methods; a method's free name of the same
            # spelling comes from further out
            if not any(name in c.frees for c in scope.children):
                continue
        if _bound_in_enclosing_function(scope, name) or (name == "__class__" and _enclosing_class(scope)):
            scope.add_free(name)
    scope.frees.sort()


def _captured_by_function(scope: Scope, name: str) -> bool:
    for c in scope.children:
        if c.kind in INLINE_KINDS:
            if name in _comprehension_needs(c):
                return True
        elif name in c.frees:
            return True
    return False


def _comprehension_reads(comp: Scope) -> set[str]:
    """Names an inline comprehension (and those nested in it) uses but does not bind."""
    names = set(comp.used) - comp.bound
    for child in comp.children:
        if child.kind in INLINE_KINDS:
            names.update(n for n in _comprehension_reads(child) if n not in comp.bound)
    return names


def _comprehension_needs(comp: Scope) -> set[str]:
    """Names an inline comprehension needs from its enclosing scope as cells."""
    needs: set[str] = set()
    for child in comp.children:
        for name in child.frees:
            if name in comp.bound:
                comp.cells.add(name)  # captured: the variable lives in a cell
            else:
                needs.add(name)
        if child.kind in INLINE_KINDS:
            for n in _comprehension_needs(child):
                if n in comp.bound:
                    comp.cells.add(n)
                else:
                    needs.add(n)
    return needs


def _bound_in_enclosing_function(scope: Scope, name: str) -> bool:
    p = scope.parent
    while p is not None and p.kind != "module":
        if p.is_function:
            if name in p.global_decls:
                return False
            if name in p.bound or name in p.nonlocal_decls:
                return True
        elif p.kind in INLINE_KINDS and name in p.bound:
            return True  # a comprehension variable, captured: it lives in a cell
        p = p.parent
    return False


def _visible_class(scope: Scope) -> Scope | None:
    """The class whose namespace a PEP 695 lazy scope reads (CPython's class_entry)."""
    if scope.kind != "lazy" or not scope.sees_class:
        return None
    p = scope.parent
    while p is not None and p.kind != "class":
        p = p.parent
    return p


def _enclosing_class(scope: Scope) -> bool:
    p = scope.parent
    while p is not None:
        if p.kind == "class":
            return True
        p = p.parent
    return False


@dataclass
class ScopeTree:
    root: Scope
    by_node: dict[int, Scope]

    def of(self, node: ast.AST) -> Scope:
        return self.by_node[id(node)]

    def annotation_scope(self, node: ast.AST) -> Scope:
        """The PEP 695 annotation scope of a def, class or `type` with type parameters."""
        return self.by_node[id(node.type_params)]  # type: ignore[attr-defined]

    def walk(self) -> Iterator[Scope]:
        stack = [self.root]
        while stack:
            s = stack.pop()
            yield s
            stack.extend(reversed(s.children))


def analyse_scopes(module: ast.Module) -> ScopeTree:
    collector = _Collector(module)
    collector.visit(module)
    _resolve(collector.root)
    return ScopeTree(collector.root, collector.by_node)
