"""Stage 3, check: decide what compiles natively and record why the rest does not.

In: the parsed module and its scopes. Out: for each top-level statement that defines a
function or class, either "native" or a reason; and whether module-level code itself can
be compiled. Unsupported code falls back to the interpreter at the smallest sound unit: a
top-level function or class (its whole source is run by the interpreter at that point of
the module), else the whole module. Pure: no C++ here.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .scopes import ScopeTree

# Builtins that read the calling frame; inside a compiled function there is no frame of
# ours for them to read, so such functions stay interpreted.
FRAME_READERS_NOARG = {"locals", "vars", "dir"}
FRAME_READERS_ONEARG = {"eval", "exec"}


@dataclass(frozen=True)
class Unsupported:
    node: ast.AST
    reason: str


class _Finder(ast.NodeVisitor):
    def __init__(self, in_function: bool) -> None:
        self.found: list[Unsupported] = []
        self.in_function = in_function

    def _add(self, node: ast.AST, reason: str) -> None:
        self.found.append(Unsupported(node, reason))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        saved = self.in_function
        for d in node.decorator_list:
            self.visit(d)
        self.visit(node.args)
        if node.returns:
            self.visit(node.returns)
        self.in_function = True
        for s in node.body:
            self.visit(s)
        self.in_function = saved

    def visit_Lambda(self, node: ast.Lambda) -> None:
        saved = self.in_function
        self.visit(node.args)
        self.in_function = True
        self.visit(node.body)
        self.in_function = saved



def docstring_of(body: list[ast.stmt]) -> str | None:
    """The docstring a body starts with, if any."""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        v = body[0].value.value
        if isinstance(v, str):
            return v
    return None


def without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of a body after its docstring."""
    return body[1:] if docstring_of(body) is not None else list(body)


def own_nodes(node: ast.AST) -> list[ast.AST]:
    """The nodes of a function's body, not descending into nested scopes."""
    out: list[ast.AST] = []
    body = getattr(node, "body", [])
    stack: list[ast.AST] = list(body) if isinstance(body, list) else [body]
    while stack:
        n = stack.pop()
        out.append(n)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.GeneratorExp)):
            continue
        stack.extend(ast.iter_child_nodes(n))
    return out


def find_unsupported(node: ast.AST, scopes: ScopeTree, *, in_function: bool) -> list[Unsupported]:
    finder = _Finder(in_function)
    finder.visit(node)
    found = list(finder.found)
    inside = {id(n) for n in ast.walk(node)}
    for scope in scopes.walk():
        if id(scope.node) in inside:
            for n, reason in scope.problems:
                found.append(Unsupported(n, reason))
    return found
