"""Stage 7, emit (helper of the specialised tier): which reads of a function's local names
are certainly bound, so the emitted code can leave out the "unbound local" test there.

In: one function's AST node. Out: the ids of its `ast.Name` nodes (reads, and the targets of
`x op= v`, which read first) that every path to them passes through an assignment of that
name: parameters, names assigned earlier in the same straight-line block, names assigned
before an `if` on both of its branches, a `for` target inside its own body, `import` and
nested `def`/`class` names. The analysis is deliberately small and conservative: a name
deleted anywhere in the function (`del x`, `except ... as x`, which deletes at the end of
the handler) is never certainly bound, loops and `try`/`with`/`match` statements add
nothing after them, and bindings inside expressions (`:=`) are not counted.

It must never call a read certainly bound when some path reaches it unbound: that would
turn an UnboundLocalError into a read of an empty variable. Reads inside nested scopes
(lambdas, nested functions, class bodies) are not this function's locals and are skipped;
a comprehension's reads are marked with the enclosing block's names, which only matters
for the names that stay the function's own fast locals there.
"""

from __future__ import annotations

import ast

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def certainly_bound_reads(func: ast.AST) -> frozenset[int]:
    """ids of the Name nodes of `func`'s body whose name is certainly bound there."""
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return frozenset()
    walker = _Walker(_deleted_names(func.body))
    a = func.args
    params = {p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)}
    params |= {p.arg for p in (a.vararg, a.kwarg) if p is not None}
    walker.block(func.body, frozenset(params - walker.deleted))
    return frozenset(walker.marked)


def _own_nodes(body: list[ast.stmt]) -> list[ast.AST]:
    """Every node of the statements, not descending into nested function/class/lambda bodies."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = list(body)
    while todo:
        n = todo.pop()
        out.append(n)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        todo.extend(ast.iter_child_nodes(n))
    return out


def _deleted_names(body: list[ast.stmt]) -> frozenset[str]:
    names: set[str] = set()
    for n in _own_nodes(body):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Del):
            names.add(n.id)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            names.add(n.name)
    return frozenset(names)


def _target_names(t: ast.expr) -> set[str]:
    """The plain names an assignment target binds (`a`, `a, (b, *c)`)."""
    if isinstance(t, ast.Name):
        return {t.id}
    if isinstance(t, (ast.Tuple, ast.List)):
        out: set[str] = set()
        for e in t.elts:
            out |= _target_names(e)
        return out
    if isinstance(t, ast.Starred):
        return _target_names(t.value)
    return set()


class _Walker:
    def __init__(self, deleted: frozenset[str]) -> None:
        self.deleted = deleted
        self.marked: set[int] = set()

    def reads(self, node: ast.AST | None, bound: frozenset[str]) -> None:
        """Mark the reads in an expression (or a target's subexpressions) under `bound`."""
        if node is None:
            return
        todo: list[ast.AST] = [node]
        while todo:
            n = todo.pop()
            if isinstance(n, ast.Name):
                if isinstance(n.ctx, ast.Load) and n.id in bound:
                    self.marked.add(id(n))
                continue
            if isinstance(n, ast.Lambda):  # only its defaults run here
                todo.extend(n.args.defaults)
                todo.extend(d for d in n.args.kw_defaults if d is not None)
                continue
            todo.extend(ast.iter_child_nodes(n))

    def bind(self, bound: frozenset[str], names: set[str]) -> frozenset[str]:
        return bound | (frozenset(names) - self.deleted)

    def block(self, body: list[ast.stmt], bound: frozenset[str]) -> frozenset[str]:
        for s in body:
            bound = self.stmt(s, bound)
        return bound

    def stmt(self, s: ast.stmt, bound: frozenset[str]) -> frozenset[str]:
        if isinstance(s, ast.Assign):
            self.reads(s.value, bound)
            names: set[str] = set()
            for t in s.targets:
                self.reads(t, bound)  # (subscript/attribute targets read their parts)
                names |= _target_names(t)
            return self.bind(bound, names)
        if isinstance(s, ast.AnnAssign):
            if s.value is None:
                return bound
            self.reads(s.value, bound)
            self.reads(s.target, bound)
            return self.bind(bound, _target_names(s.target))
        if isinstance(s, ast.AugAssign):
            if isinstance(s.target, ast.Name):
                if s.target.id in bound:  # `x op= v` reads x first
                    self.marked.add(id(s.target))
            else:
                self.reads(s.target, bound)
            self.reads(s.value, bound)
            return bound
        if isinstance(s, ast.If):
            self.reads(s.test, bound)
            return self.block(s.body, bound) & self.block(s.orelse, bound)
        if isinstance(s, ast.While):
            self.reads(s.test, bound)
            self.block(s.body, bound)
            self.block(s.orelse, bound)
            return bound
        if isinstance(s, ast.For):
            self.reads(s.iter, bound)
            self.reads(s.target, bound)
            self.block(s.body, self.bind(bound, _target_names(s.target)))
            self.block(s.orelse, bound)
            return bound
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for d in s.decorator_list:
                self.reads(d, bound)
            if isinstance(s, ast.ClassDef):
                for b in (*s.bases, *(k.value for k in s.keywords)):
                    self.reads(b, bound)
            else:
                a = s.args
                for d in (*a.defaults, *(d for d in a.kw_defaults if d is not None)):
                    self.reads(d, bound)
            return bound  # (annotations may be evaluated lazily: not counted)
        if isinstance(s, (ast.Import, ast.ImportFrom)):
            names = {(al.asname or al.name.split(".")[0]) for al in s.names if al.name != "*"}
            return self.bind(bound, names)
        if isinstance(s, (ast.Expr, ast.Return, ast.Raise, ast.Assert, ast.Delete)):
            self.reads(s, bound)
            return bound
        # try / with / match / async statements and the rest: their reads under what is
        # bound before them; their bindings are not counted (an exception may skip them)
        for child in ast.iter_child_nodes(s):
            if isinstance(child, ast.stmt):
                self.stmt(child, bound)
            elif isinstance(child, (ast.ExceptHandler, ast.match_case, ast.withitem)):
                for sub in ast.iter_child_nodes(child):
                    if isinstance(sub, ast.stmt):
                        self.stmt(sub, bound)
                    else:
                        self.reads(sub, bound)
            else:
                self.reads(child, bound)
        return bound
