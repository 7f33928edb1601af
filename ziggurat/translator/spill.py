"""Normalize pass: bring every `yield` / `yield from` / `await` of a generator or coroutine
body to statement level, so the emitter only suspends where no C++ temporary is alive.

In: the body of one generator/coroutine function and its Scope. Out: an equivalent body in
which each suspension is the whole value of an assignment to a synthetic local (`$s<k>`),
an expression statement, or a `return`. Evaluation order is CPython's: every value computed
before a suspension point is saved in a synthetic local first. Short-circuit and
conditional expressions become `if` statements so that nothing is evaluated that CPython
would not evaluate. The synthetic locals are added to the scope (they are ordinary locals
of the frame). Anything this pass cannot rewrite faithfully raises Unspillable and the
function stays interpreted.

    before:  total = base + await fetch(key)
    after:   $s1 = base
             $s2 = await fetch(key)
             total = $s1 + $s2
"""

from __future__ import annotations

import ast
import copy

from .scopes import Scope, ScopeTree

SUSPEND = (ast.Yield, ast.YieldFrom, ast.Await)
NO_DESCEND = (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
              ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class Unspillable(Exception):
    def __init__(self, node: ast.AST, reason: str) -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


def suspends(node: ast.AST | None) -> bool:
    """Does evaluating this expression suspend the frame?"""
    if node is None:
        return False
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, SUSPEND):
            return True
        if isinstance(n, NO_DESCEND):
            if isinstance(n, (ast.ListComp, ast.SetComp, ast.DictComp)) and _async_comprehension(n):
                return True
            if isinstance(n, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                # only the first iterable is evaluated here
                stack.append(n.generators[0].iter)
            continue
        stack.extend(ast.iter_child_nodes(n))
    return False


def _async_comprehension(n: ast.AST) -> bool:
    """A list/set/dict comprehension with `async for` or `await` (it suspends the frame)."""
    gens = n.generators  # type: ignore[attr-defined]
    if any(g.is_async for g in gens):
        return True
    parts: list[ast.AST] = [*(g.iter for g in gens[1:]), *(c for g in gens for c in g.ifs)]
    parts += [n.key, n.value] if isinstance(n, ast.DictComp) else [n.elt]  # type: ignore[attr-defined]
    return any(suspends(p) for p in parts)


class _Spiller:
    def __init__(self, scope: Scope, scopes: "ScopeTree | None" = None) -> None:
        self.scope = scope
        self.scopes = scopes
        self.count = 0

    def temp(self, like: ast.AST) -> str:
        self.count += 1
        name = f"$s{self.count}"
        self.scope.bound.add(name)
        return name

    def name(self, id: str, like: ast.AST, store: bool = False) -> ast.Name:
        return ast.copy_location(ast.Name(id, ast.Store() if store else ast.Load()), like)

    def assign(self, id: str, value: ast.expr) -> ast.stmt:
        return ast.copy_location(ast.Assign([self.name(id, value, store=True)], value), value)

    # -- expressions: returns (statements to run first, expression without suspension) ----
    def expr(self, e: ast.expr, out: list[ast.stmt]) -> ast.expr:
        if not suspends(e):
            return e
        if isinstance(e, SUSPEND):
            inner = copy.copy(e)
            if getattr(e, "value", None) is not None:
                inner.value = self.expr(e.value, out)  # type: ignore[arg-type]
            t = self.temp(e)
            out.append(self.assign(t, inner))
            return self.name(t, e)
        if isinstance(e, ast.BoolOp):
            # a and b  ->  t = a; if t: t = b   (or: if not t)
            t = self.temp(e)
            out.append(self.assign(t, self.expr(e.values[0], out)))
            tail = out
            for v in e.values[1:]:
                body: list[ast.stmt] = []
                body.append(self.assign(t, self.expr(v, body)))
                test: ast.expr = self.name(t, e)
                if isinstance(e.op, ast.Or):
                    test = ast.copy_location(ast.UnaryOp(ast.Not(), test), e)
                tail.append(ast.copy_location(ast.If(test, body, []), e))
                tail = body
            return self.name(t, e)
        if isinstance(e, ast.IfExp):
            t = self.temp(e)
            test = self.expr(e.test, out)
            then: list[ast.stmt] = []
            then.append(self.assign(t, self.expr(e.body, then)))
            orelse: list[ast.stmt] = []
            orelse.append(self.assign(t, self.expr(e.orelse, orelse)))
            out.append(ast.copy_location(ast.If(test, then, orelse), e))
            return self.name(t, e)
        if isinstance(e, ast.Compare) and len(e.ops) > 1:
            # a < b < c  ->  t = a < b; if t: t = b < c   (b saved once)
            t = self.temp(e)
            left = self.spilled(e.left, out)
            right = self.spilled(e.comparators[0], out)
            out.append(self.assign(t, ast.copy_location(ast.Compare(left, [e.ops[0]], [right]), e)))
            tail = out
            for op, comp in zip(e.ops[1:], e.comparators[1:]):
                body = []
                nxt = self.spilled(comp, body)
                body.append(self.assign(t, ast.copy_location(ast.Compare(right, [op], [nxt]), e)))
                tail.append(ast.copy_location(ast.If(self.name(t, e), body, []), e))
                tail, right = body, nxt
            return self.name(t, e)
        if isinstance(e, (ast.ListComp, ast.SetComp, ast.DictComp)) and _async_comprehension(e):
            return self.comprehension_loops(e, out)
        if isinstance(e, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            # the suspension is in the first iterable, which the enclosing code evaluates
            first = e.generators[0]
            first.iter = self.spilled(first.iter, out)
            return e
        if isinstance(e, ast.NamedExpr):
            value = self.expr(e.value, out)
            return ast.copy_location(ast.NamedExpr(e.target, value), e)
        # every other node: its children in evaluation order, each saved before the next
        # one that suspends
        return self.generic(e, out)

    def comprehension_loops(self, e: ast.expr, out: list[ast.stmt]) -> ast.expr:
        """An async comprehension as loops that fill a new container, its variables renamed
        to synthetic locals of the function (it has no closures, so nothing else sees them)."""
        comp = self.scopes.of(e) if self.scopes is not None else None
        if comp is None or any(_mentions(child, comp.bound) for child in comp.children):
            # renaming the comprehension's variables must not reach into a nested scope
            raise Unspillable(e, "async comprehension with a nested function or comprehension")
        rename = {}
        for name in sorted(comp.bound):
            self.count += 1
            rename[name] = f"$c{self.count}_{name}"
            self.scope.bound.add(rename[name])
        gens = e.generators  # type: ignore[attr-defined]
        first_iter = gens[0].iter
        _rename(e, rename, skip=first_iter)
        result = self.temp(e)
        if isinstance(e, ast.ListComp):
            empty: ast.expr = ast.List([], ast.Load())
        elif isinstance(e, ast.SetComp):  # {*()}: an empty set without looking up `set`
            empty = ast.Set([ast.Starred(ast.Tuple([], ast.Load()), ast.Load())])
        else:
            empty = ast.Dict([], [])
        out.append(self.assign(result, ast.copy_location(empty, e)))

        def method(name: str, args: list[ast.expr]) -> ast.stmt:
            call = ast.Call(ast.Attribute(self.name(result, e), name, ast.Load()), args, [])
            return ast.copy_location(ast.Expr(ast.copy_location(call, e)), e)

        if isinstance(e, ast.DictComp):  # __setitem__: the key is evaluated first
            body: list[ast.stmt] = [method("__setitem__", [e.key, e.value])]
        else:
            body = [method("append" if isinstance(e, ast.ListComp) else "add", [e.elt])]  # type: ignore[attr-defined]
        for gen in reversed(gens):
            for cond in reversed(gen.ifs):
                body = [ast.copy_location(ast.If(cond, body, []), cond)]
            loop_type = ast.AsyncFor if gen.is_async else ast.For
            body = [ast.copy_location(loop_type(gen.target, gen.iter, body, []), e)]
        for stmt in body:
            ast.fix_missing_locations(stmt)
            out.extend(self.stmt(stmt))
        return self.name(result, e)

    def spilled(self, e: ast.expr, out: list[ast.stmt]) -> ast.expr:
        """The value of e, saved in a temporary unless it is a constant."""
        value = self.expr(e, out)
        if isinstance(value, ast.Constant):
            return value
        t = self.temp(e)
        out.append(self.assign(t, value))
        return self.name(t, e)

    def generic(self, e: ast.expr, out: list[ast.stmt]) -> ast.expr:
        children = _children_in_order(e)
        if children is None:
            raise Unspillable(e, f"await/yield inside {type(e).__name__} not compiled yet")
        last = max(i for i, (_, c) in enumerate(children) if suspends(c))
        new = copy.copy(e)
        for i, (setter, child) in enumerate(children):
            if i < last:
                setter(new, self.spilled(child, out) if not isinstance(child, ast.Starred)
                       else ast.copy_location(ast.Starred(self.spilled(child.value, out), ast.Load()), child))
            elif i == last:
                setter(new, self.expr(child, out) if not isinstance(child, ast.Starred)
                       else ast.copy_location(ast.Starred(self.expr(child.value, out), ast.Load()), child))
        return new

    # -- statements --------------------------------------------------------------------------
    def body(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        result: list[ast.stmt] = []
        for s in stmts:
            result.extend(self.stmt(s))
        return result

    def stmt(self, s: ast.stmt) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(s, field, None), list) and not isinstance(s, NO_DESCEND):
                setattr(s, field, self.body(getattr(s, field)))
        if hasattr(s, "handlers"):
            for h in s.handlers:
                if suspends(h.type):
                    raise Unspillable(h, "await/yield in an except clause's type")
                h.body = self.body(h.body)
        if isinstance(s, ast.Match):
            for c in s.cases:
                if suspends(c.guard):
                    raise Unspillable(c, "await/yield in a case guard")
                c.body = self.body(c.body)
        if isinstance(s, NO_DESCEND):
            return [s]
        if isinstance(s, ast.Expr):
            if isinstance(s.value, SUSPEND) and not _nested_suspend(s.value):
                return [s]
            s.value = self.expr(s.value, out)
        elif isinstance(s, (ast.Assign, ast.AnnAssign)):
            targets = s.targets if isinstance(s, ast.Assign) else [s.target]
            if any(suspends(t) for t in targets):
                raise Unspillable(s, "await/yield in an assignment target")
            if s.value is not None and not (isinstance(s.value, SUSPEND) and not _nested_suspend(s.value)):
                s.value = self.expr(s.value, out)
        elif isinstance(s, ast.AugAssign):
            if suspends(s.value) or suspends(s.target):
                if suspends(s.target):
                    raise Unspillable(s, "await/yield in an assignment target")
                return self.aug_assign(s)
        elif isinstance(s, ast.Return):
            if s.value is not None and not (isinstance(s.value, ast.Await) and not _nested_suspend(s.value)):
                s.value = self.expr(s.value, out)
        elif isinstance(s, (ast.If, ast.Assert)):
            s.test = self.expr(s.test, out)
            if isinstance(s, ast.Assert) and suspends(s.msg):
                raise Unspillable(s, "await/yield in an assert message")
        elif isinstance(s, ast.While):
            if suspends(s.test):
                return [self.while_loop(s)]
        elif isinstance(s, (ast.For, ast.AsyncFor)):
            if suspends(s.target):
                raise Unspillable(s, "await/yield in a for target")
            s.iter = self.expr(s.iter, out)
        elif isinstance(s, ast.Raise):
            if s.exc is not None:
                s.exc = self.expr(s.exc, out) if not suspends(s.cause) else self.spilled(s.exc, out)
            if s.cause is not None:
                s.cause = self.expr(s.cause, out)
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            if any(suspends(i.context_expr) for i in s.items[1:]) or any(suspends(i.optional_vars) for i in s.items):
                raise Unspillable(s, "await/yield in a later with item")
            s.items[0].context_expr = self.expr(s.items[0].context_expr, out)
        elif isinstance(s, ast.Match):
            s.subject = self.expr(s.subject, out)
        elif isinstance(s, ast.Delete):
            if any(suspends(t) for t in s.targets):
                raise Unspillable(s, "await/yield in del")
        else:
            for child in ast.iter_child_nodes(s):
                if isinstance(child, ast.expr) and suspends(child):
                    raise Unspillable(s, f"await/yield in {type(s).__name__} not compiled yet")
        return [*out, s]

    def aug_assign(self, s: ast.AugAssign) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        target = s.target
        if isinstance(target, ast.Name):
            cur = self.temp(s)
            out.append(self.assign(cur, self.name(target.id, s)))
            value = self.spilled(s.value, out)
            out.append(ast.copy_location(ast.AugAssign(self.name(cur, s, store=True), s.op, value), s))
            out.append(ast.copy_location(ast.Assign([target], self.name(cur, s)), s))
            return out
        if isinstance(target, ast.Attribute):
            obj = self.spilled(target.value, out)
            cur = self.temp(s)
            out.append(self.assign(cur, ast.copy_location(ast.Attribute(obj, target.attr, ast.Load()), s)))
            value = self.spilled(s.value, out)
            out.append(ast.copy_location(ast.AugAssign(self.name(cur, s, store=True), s.op, value), s))
            out.append(ast.copy_location(ast.Assign([ast.copy_location(ast.Attribute(obj, target.attr, ast.Store()), s)],
                                                    self.name(cur, s)), s))
            return out
        if isinstance(target, ast.Subscript):
            obj = self.spilled(target.value, out)
            key = self.spilled(target.slice, out)
            cur = self.temp(s)
            out.append(self.assign(cur, ast.copy_location(ast.Subscript(obj, key, ast.Load()), s)))
            value = self.spilled(s.value, out)
            out.append(ast.copy_location(ast.AugAssign(self.name(cur, s, store=True), s.op, value), s))
            out.append(ast.copy_location(ast.Assign([ast.copy_location(ast.Subscript(obj, key, ast.Store()), s)],
                                                    self.name(cur, s)), s))
            return out
        raise Unspillable(s, "augmented assignment target")

    def while_loop(self, s: ast.While) -> ast.stmt:
        # while c: body else: orelse  ->  while True: t = c; if not t: orelse; break ... body
        pre: list[ast.stmt] = []
        test = self.expr(s.test, pre)
        exit_branch = [*s.orelse, ast.copy_location(ast.Break(), s)]
        check = ast.copy_location(ast.If(ast.copy_location(ast.UnaryOp(ast.Not(), test), s), exit_branch, []), s)
        loop = ast.copy_location(ast.While(ast.copy_location(ast.Constant(True), s), [*pre, check, *s.body], []), s)
        return loop


def _mentions(scope: Scope, names: set[str]) -> bool:
    """Would renaming `names` reach into this nested scope wrongly? An inline comprehension
    that only reads them is fine (it reads its parent's variables, renamed with them); one
    that binds them, or a function, lambda or generator expression that mentions them, not."""
    if scope.kind == "comprehension":
        if names & scope.bound:
            return True
    elif names & (scope.used | scope.bound | set(scope.frees)):
        return True
    return any(_mentions(child, names) for child in scope.children)


def _rename(node: ast.AST, rename: dict[str, str], skip: ast.AST) -> None:
    for n in ast.walk(node):
        if n is skip:
            continue
        if isinstance(n, ast.Name) and n.id in rename and not _within(n, skip):
            n.id = rename[n.id]


def _within(n: ast.AST, tree: ast.AST) -> bool:
    return any(x is n for x in ast.walk(tree))


def _nested_suspend(e: ast.expr) -> bool:
    """A suspension whose own operand suspends too (e.g. `await (yield)`)."""
    return suspends(getattr(e, "value", None))


def _children_in_order(e: ast.expr):  # type: ignore[no-untyped-def]
    """(setter, child) pairs of an expression's sub-expressions in evaluation order, or
    None for nodes this pass does not know."""
    def field(name: str):  # type: ignore[no-untyped-def]
        return lambda node, v: setattr(node, name, v)

    def item(name: str, i: int):  # type: ignore[no-untyped-def]
        def set_item(node, v):  # type: ignore[no-untyped-def]
            lst = list(getattr(node, name))
            lst[i] = v
            setattr(node, name, lst)
        return set_item

    def kw(i: int):  # type: ignore[no-untyped-def]
        def set_kw(node, v):  # type: ignore[no-untyped-def]
            kws = list(node.keywords)
            kws[i] = ast.copy_location(ast.keyword(kws[i].arg, v), kws[i])
            node.keywords = kws
        return set_kw

    if isinstance(e, ast.BinOp):
        return [(field("left"), e.left), (field("right"), e.right)]
    if isinstance(e, ast.UnaryOp):
        return [(field("operand"), e.operand)]
    if isinstance(e, ast.Compare):
        return [(field("left"), e.left), (item("comparators", 0), e.comparators[0])]
    if isinstance(e, ast.Call):
        return ([(field("func"), e.func)] + [(item("args", i), a) for i, a in enumerate(e.args)]
                + [(kw(i), k.value) for i, k in enumerate(e.keywords)])
    if isinstance(e, ast.Attribute):
        return [(field("value"), e.value)]
    if isinstance(e, ast.Subscript):
        return [(field("value"), e.value), (field("slice"), e.slice)]
    if isinstance(e, ast.Slice):
        parts = [("lower", e.lower), ("upper", e.upper), ("step", e.step)]
        return [(field(n), v) for n, v in parts if v is not None]
    if isinstance(e, (ast.Tuple, ast.List, ast.Set)):
        return [(item("elts", i), v) for i, v in enumerate(e.elts)]
    if isinstance(e, ast.Dict):
        pairs = []
        for i, (k, v) in enumerate(zip(e.keys, e.values)):
            if k is not None:
                pairs.append((item("keys", i), k))
            pairs.append((item("values", i), v))
        return pairs
    if isinstance(e, ast.JoinedStr):
        return [(item("values", i), v) for i, v in enumerate(e.values)]
    if isinstance(e, ast.FormattedValue):
        if suspends(e.format_spec):
            return None
        return [(field("value"), e.value)]
    if isinstance(e, ast.Starred):
        return [(field("value"), e.value)]
    return None


def spill_suspensions(body: list[ast.stmt], scope: Scope, scopes: "ScopeTree | None" = None) -> list[ast.stmt]:
    """The body with every suspension at statement level (see the module docstring)."""
    # (rewritten in place: nested functions and comprehensions keep their identity, which
    # the scope tree is keyed on)
    return _Spiller(scope, scopes).body(body)
