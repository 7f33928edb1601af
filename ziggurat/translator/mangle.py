"""Normalize pass: private name mangling, as CPython's compiler does it.

In: a parsed module. Out: the same tree (changed in place) in which every identifier of the
form `__name` (not ending in `__`) written inside a class body - in the class or in any
function nested in it - is rewritten to `_Class__name`, `Class` being the innermost
enclosing class with its leading underscores stripped (no mangling when nothing is left).
Names, attributes, parameters, global/nonlocal names, except-as names and capture
patterns are mangled (keyword arguments of calls are not, as in CPython). The names of functions, classes and
type parameters defined in a class
are mangled where they are *stored*: the node's `name` keeps the written spelling (it is
the `__name__`/`__qualname__`), and the binding name is recorded as `node.binding_name`.

    class C:                    class C:
        def __f(self):              def __f(self):          # binding_name = "_C__f"
            return self.__x             return self._C__x
"""

from __future__ import annotations

import ast


def mangle(name: str, class_name: str | None) -> str:
    if class_name is None or not name.startswith("__") or name.endswith("__") or "." in name:
        return name
    stripped = class_name.lstrip("_")
    if not stripped:
        return name
    return f"_{stripped}{name}"


def binding_name(node: ast.AST) -> str:
    """The name a def/class statement stores its result under."""
    name: str = getattr(node, "binding_name", getattr(node, "name"))
    return name


class _Mangler(ast.NodeVisitor):
    def __init__(self) -> None:
        self.cls: str | None = None
        # a generic class's own type parameters (PEP 695) are mangled with its name, also in
        # its bases (3.13: the other names there are not): (class name, parameter names)
        self.own_params: tuple[str, set[str]] | None = None

    def m(self, name: str) -> str:
        if self.own_params is not None and name in self.own_params[1]:
            return mangle(name, self.own_params[0])
        return mangle(name, self.cls)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        node.binding_name = self.m(node.name)  # type: ignore[attr-defined]
        for n in node.decorator_list:
            self.visit(n)
        params = getattr(node, "type_params", None) or []
        saved_params = self.own_params
        if params:
            self.own_params = (node.name, {tp.name for tp in params})
        for n in [*params, *node.bases, *node.keywords]:
            self.visit(n)
        saved, self.cls, self.own_params = self.cls, node.name, None
        for stmt in node.body:
            self.visit(stmt)
        self.cls, self.own_params = saved, saved_params

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        node.binding_name = self.m(node.name)  # type: ignore[union-attr]
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_TypeVar(self, node: ast.AST) -> None:
        # PEP 695: a type parameter keeps its written name (the TypeVar's __name__) and is
        # bound under the mangled one; so is a `type` alias's
        node.binding_name = self.m(node.name)  # type: ignore[attr-defined]
        self.generic_visit(node)

    visit_ParamSpec = visit_TypeVarTuple = visit_TypeVar

    def visit_TypeAlias(self, node: ast.AST) -> None:
        node.written_name = node.name.id  # type: ignore[attr-defined]
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        node.id = self.m(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        node.attr = self.m(node.attr)
        self.generic_visit(node)

    def visit_arg(self, node: ast.arg) -> None:
        node.arg = self.m(node.arg)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        node.names = [self.m(n) for n in node.names]

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        node.names = [self.m(n) for n in node.names]

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            node.name = self.m(node.name)
        self.generic_visit(node)

    def visit_alias(self, node: ast.alias) -> None:
        # `import __x` stores a mangled name; the module imported keeps its name
        if node.asname:
            node.asname = self.m(node.asname)
        elif self.cls is not None and node.name != "*" and "." not in node.name and self.m(node.name) != node.name:
            node.asname = self.m(node.name)

    def visit_MatchAs(self, node: ast.AST) -> None:
        if getattr(node, "name", None):
            node.name = self.m(node.name)  # type: ignore[attr-defined]
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.AST) -> None:
        if getattr(node, "name", None):
            node.name = self.m(node.name)  # type: ignore[attr-defined]

    def visit_MatchMapping(self, node: ast.AST) -> None:
        if getattr(node, "rest", None):
            node.rest = self.m(node.rest)  # type: ignore[attr-defined]
        self.generic_visit(node)

    # MatchClass: its keyword attribute names are looked up on the subject as written, never
    # mangled (CPython's test_patma_249); only the names a pattern binds are.


def mangle_private_names(tree: ast.Module) -> ast.Module:
    _Mangler().visit(tree)
    return tree
