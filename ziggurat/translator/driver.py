"""The translator pipeline, stage by stage. Pure: source text in, C++ text out.

  1. parse            ast.parse with the file name; SyntaxError -> TranslationError
  2. analyse scopes   scopes.analyse_scopes: how every name of every scope is accessed
  3. check            check.find_unsupported per top-level statement: native or a reason
  4. infer types      types.py: per function, the locals kept as native numbers
                      (zrt::Num) and the module-level functions called directly
  5. emit             unit_emitter / module_emitter: the generic tier, one C++ function per
                      module body, function, lambda and class body; specialise.py: the
                      specialised tier's native paths inside it, each with its checked
                      way back to the generic one
  (no separate typed IR yet: both tiers are emitted from the analysed AST.)

The smallest sound fallback unit is a top-level statement: a `def` or `class` (with its
decorators) or any other module-level statement. Its source runs interpreted, in the
module's globals, at its place in the module, with its original line numbers; everything
else stays compiled.
"""

from __future__ import annotations

import __future__
import ast
from dataclasses import dataclass

from ..errors import Diagnostic, TranslationError
from . import slotclass
from .check import Unsupported, docstring_of, find_unsupported
from .floatrun import inline_bodies
from .mangle import mangle_private_names
from .module_emitter import ModuleEmitter, c_string, run_once_attributes
from .report import FunctionReport, ModuleReport
from .scopes import Scope, ScopeTree, analyse_scopes
from .types import direct_functions, exposed_params
from .methodcalls import call_sites, method_entries
from .unit_emitter import NotCompilable, UnitEmitter


@dataclass(frozen=True)
class TranslationResult:
    module_name: str
    cpp: str
    report: ModuleReport


def translate_module(source: str, *, filename: str, module_name: str, fallback: str = "interpret") -> TranslationResult:
    lines = source.splitlines()
    # 1. parse; CPython's compiler then finds the errors the parser lets through (`return`
    # outside a function, an async comprehension outside an async function...): both are
    # syntax errors of the module, reported the same way.
    try:
        tree = ast.parse(source, filename=filename)
        compile(tree, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        line = exc.lineno or 1
        text = exc.text if exc.text is not None else _line(lines, line)
        raise TranslationError(
            [Diagnostic(filename, line, exc.offset or 1, f"syntax error: {exc.msg}", text.rstrip("\n"))]
        ) from None
    # private names (`__x` inside a class) are mangled before anything looks at names
    mangle_private_names(tree)
    # 2. analyse scopes
    scopes = analyse_scopes(tree)
    future_flags = _future_flags(tree)
    mod = ModuleEmitter(module_name, filename, future_flags)
    # (stage 4 starts here: the functions callers may call directly, see types.py)
    direct = direct_functions(tree, scopes)
    mod.direct = {name: len(scope.params) for name, scope in direct.items()}
    mod.direct_exposed = {name: exposed_params(scope.node, scope.params) for name, scope in direct.items()}
    mod.direct_inline = inline_bodies(direct)
    mod.slot_methods = slotclass.defines_slots_classes(tree)
    mod.methods = method_entries(scopes, call_sites(tree))
    mod.runs_once = _runs_once(tree)
    body_emitter = UnitEmitter(mod, scopes, scopes.root, bool(future_flags & __future__.annotations.compiler_flag))
    functions: list[FunctionReport] = []
    problems: list[Unsupported] = []
    body = list(tree.body)
    doc = docstring_of(body)
    if doc is not None:
        body_emitter.check_int(
            f"PyDict_SetItem(S.globals, {mod.ident('__doc__')}, {mod.const(doc)})"
        )
        body = body[1:]
    if any(isinstance(s, ast.AnnAssign) for s in ast.walk(tree) if _at_module_level(s, tree)):
        body_emitter.setup_annotations("S.globals")
    for stmt in body:
        # 3. check
        found = find_unsupported(stmt, scopes, in_function=False)
        reason = found[0].reason if found else ""
        if not found:
            # 4. emit (a construct the emitter meets but cannot do falls back the same way)
            mark = _Mark(mod, body_emitter)
            try:
                body_emitter.stmt(stmt)
            except NotCompilable as exc:
                mark.rollback()
                found = [Unsupported(exc.node, exc.reason)]
                reason = exc.reason
        if found:
            problems.extend(found)
            _emit_interpreted(body_emitter, mod, stmt, lines)
        functions.extend(_reports(stmt, scopes, reason))
    if fallback == "error" and problems:
        raise TranslationError([
            Diagnostic(filename, getattr(p.node, "lineno", 1), getattr(p.node, "col_offset", 0) + 1,
                       f"{p.reason} (fallback = \"error\" forbids running it interpreted)",
                       _line(lines, getattr(p.node, "lineno", 1)))
            for p in problems
        ])
    module_body = "\n".join([
        f"{run_once_attributes(len(body_emitter.lines)) if mod.runs_once else ''}"
        "static int zrt_module_body(PyObject* module) {",
        "    int L_line = 1;",
        "    zrt::Ref L_ret;",
        *["    " + d for d in body_emitter.top_decls],
        *body_emitter.lines,
        "    return 0;",
        "L_error:",
        f"    {body_emitter.traceback_call()};",
        "L_error_nt:",
        "    return -1;",
        "}",
    ])
    report = ModuleReport(module_name, filename, tuple(functions), main_guard_line=main_guard_line(tree))
    return TranslationResult(module_name, mod.render(module_body, doc), report)


class _Mark:
    """Undo point for a top-level statement whose emission had to be abandoned."""

    def __init__(self, mod: ModuleEmitter, em: UnitEmitter) -> None:
        self.mod, self.em = mod, em
        self.sizes = (len(mod.specs), len(mod.bodies), len(mod.prototypes), len(em.lines), em.depth, len(em.ctx))

    def rollback(self) -> None:
        specs, bodies, protos, lines, depth, ctx = self.sizes
        del self.mod.specs[specs:]
        del self.mod.bodies[bodies:]
        del self.mod.prototypes[protos:]
        del self.em.lines[lines:]
        self.em.depth = depth
        del self.em.ctx[ctx:]
        self.em.scope = self.em.unit
        self.em.comp_locals.clear()


def _emit_interpreted(em: UnitEmitter, mod: ModuleEmitter, stmt: ast.stmt, lines: list[str]) -> None:
    start = stmt.lineno
    decorators = getattr(stmt, "decorator_list", None) or []
    if decorators:
        start = min(start, *(d.lineno for d in decorators))
    end = getattr(stmt, "end_lineno", None) or start
    text = "\n" * (start - 1) + "\n".join(lines[start - 1:end]) + "\n"
    em.emit(f"L_line = {stmt.lineno};")
    em.emit(f"// interpreted: lines {start}-{end}")
    em.emit(
        f"if (zrt::exec_source(&S, {c_string(text.encode('utf-8', 'surrogatepass'))}, S.globals, {mod.future_flags}) < 0) goto L_error_nt;"
    )


def _reports(stmt: ast.stmt, scopes: ScopeTree, reason: str) -> list[FunctionReport]:
    out: list[FunctionReport] = []
    inside = {id(n) for n in ast.walk(stmt)}
    for scope in scopes.walk():
        if scope.kind in ("function", "lambda", "class") and id(scope.node) in inside:
            out.append(FunctionReport(scope.qualname, getattr(scope.node, "lineno", 0), not reason, reason))
    if reason and not out:
        out.append(FunctionReport(f"<module> statement", stmt.lineno, False, reason))
    return out


def _future_flags(tree: ast.Module) -> int:
    flags = 0
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            for alias in stmt.names:
                feature = getattr(__future__, alias.name, None)
                if feature is not None:
                    flags |= feature.compiler_flag
    return flags


def _at_module_level(node: ast.AST, tree: ast.Module) -> bool:
    stack: list[ast.AST] = list(tree.body)
    while stack:
        s = stack.pop()
        if s is node:
            return True
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for f in ("body", "orelse", "finalbody"):
            stack.extend(getattr(s, f, []) or [])
        for h in getattr(s, "handlers", []) or []:
            stack.extend(h.body)
    return False


# A module body without loops runs each of its statements once, at import: unoptimised
# (module_emitter.run_once_attributes) it compiles faster (a fifth of nbody's build went to
# its module body at -O2).
_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _runs_once(tree: ast.Module) -> bool:
    """No statement of the module body (functions' bodies aside) loops."""
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, _LOOPS):
            return False
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                todo.append(child)
    return True


def _line(lines: list[str], n: int) -> str:
    return lines[n - 1] if 0 < n <= len(lines) else ""


def main_guard_line(tree: ast.Module) -> int:
    """The line of a top-level `if __name__ == "__main__":` (either operand order), else 0."""
    for stmt in tree.body:
        test = stmt.test if isinstance(stmt, ast.If) else None
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)
        ):
            sides = [test.left, test.comparators[0]]
            names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
            mains = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
            if names and mains:
                return stmt.lineno
    return 0
