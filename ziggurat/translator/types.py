"""Stage 4, infer types: which values of a function the specialised tier keeps native.

In: a function's AST node and its analysed scope. Out: a frozen `FunctionTypes` (the
fast locals held as `zrt::Num`, see runtime/native.hpp) and the predicates the emitter asks
about expressions (`is_numeric`, `numeric_ish`...). Pure: no C++ here.

What it decides is only *where native code is worth trying*, never what a value is: a Num
holds any object and checks the kind of every operand at run time, so a wrong guess (a
wrong annotation, an int that overflows, a parameter called with a str) costs a type
check and takes the generic path; it can never change behaviour. The guesses come from
literals, arithmetic, `range` loops, annotations (`int`, `float`, `bool`) and the numeric
builtins, as mypyc and Cython take them from declarations.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .check import own_nodes, without_docstring
from .scopes import FAST, Scope, ScopeTree

ARITH_OPS: dict[type, str] = {
    ast.Add: "NOP_ADD", ast.Sub: "NOP_SUB", ast.Mult: "NOP_MUL", ast.Div: "NOP_TRUEDIV",
    ast.FloorDiv: "NOP_FLOORDIV", ast.Mod: "NOP_MOD", ast.Pow: "NOP_POW", ast.LShift: "NOP_LSHIFT",
    ast.RShift: "NOP_RSHIFT", ast.BitOr: "NOP_OR", ast.BitXor: "NOP_XOR", ast.BitAnd: "NOP_AND",
}
ORDER_OPS: dict[type, str] = {
    ast.Eq: "Py_EQ", ast.NotEq: "Py_NE", ast.Lt: "Py_LT", ast.LtE: "Py_LE", ast.Gt: "Py_GT", ast.GtE: "Py_GE",
}
# math functions that are libm's function applied to a float, with math_1's error checks
MATH_FUNCS = ("sqrt", "sin", "cos", "tan", "exp", "atan", "fabs")
NUMERIC_BUILTINS = ("len", "abs")
NUMERIC_ANNOTATIONS = ("int", "float", "bool")
# a direct call's generic path boxes its arguments into a fixed array (zrt::num_vectorcall)
MAX_DIRECT_ARGS = 7
# builtins that read the calling frame's locals: their functions keep plain locals
FRAME_READERS = ("locals", "vars", "dir", "eval", "exec")

# nodes whose value is certainly not an int or a float (their arithmetic stays generic)
_NOT_NUMERIC = (ast.List, ast.Tuple, ast.Dict, ast.Set, ast.ListComp, ast.SetComp, ast.DictComp,
                ast.GeneratorExp, ast.JoinedStr, ast.Lambda)


@dataclass(frozen=True)
class FunctionTypes:
    """What the specialised tier knows about one compiled function."""

    num_locals: frozenset[str] = frozenset()
    # fast locals likely to hold numbers (a superset of num_locals: in a coroutine or async
    # generator, whose locals live in its heap frame as objects, these are only read as Num
    # operands; a plain generator's Nums live there as Nums, GenObject::nums)
    likely_numbers: frozenset[str] = frozenset()

    def is_num(self, name: str) -> bool:
        return name in self.num_locals


NO_TYPES = FunctionTypes()


def is_int_const(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and type(node.value) is int
            and -(2 ** 63) <= node.value < 2 ** 63)


def is_float_const(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is float


def certainly_not_numeric(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return type(node.value) not in (int, float, bool)
    return isinstance(node, _NOT_NUMERIC)


def is_arith(node: ast.AST) -> bool:
    """An arithmetic operation worth computing on Nums."""
    if isinstance(node, ast.BinOp):
        return (type(node.op) in ARITH_OPS and not certainly_not_numeric(node.left)
                and not certainly_not_numeric(node.right))
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, (ast.USub, ast.Invert)) and not certainly_not_numeric(node.operand)
    return False


def numeric_call(node: ast.AST) -> str | None:
    """`len(x)`, `abs(x)`, `min(a, b)`, `sqrt(x)`, `math.sqrt(x)`: the function's name, if it is one of
    the specialised ones by name (the binding is still checked at run time)."""
    if not isinstance(node, ast.Call) or node.keywords or not node.args:
        return None
    if any(isinstance(a, ast.Starred) for a in node.args):
        return None
    f = node.func
    if isinstance(f, ast.Name) and f.id in ("min", "max") and 2 <= len(node.args) <= 8:
        return f.id
    if len(node.args) != 1:
        return None
    if isinstance(f, ast.Name) and f.id in (*NUMERIC_BUILTINS, *MATH_FUNCS):
        return f.id
    if (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "math"
            and f.attr in MATH_FUNCS):
        return f.attr
    return None


def infer_function(node: ast.AST, scope: Scope, is_generator: bool, direct: bool = False,
                   views: frozenset[str] = frozenset()) -> FunctionTypes:
    """The fast locals of a function or plain generator worth holding as Nums (with a direct
    entry, every parameter: the entry takes Nums; `views`: a method entry's parameters taken
    as Nums). `is_generator`: a coroutine or async generator, whose locals stay objects."""
    if scope.kind not in ("function", "lambda"):
        return NO_TYPES
    if reads_frame(node):
        return NO_TYPES
    nodes = own_nodes(node)
    wanted: set[str] = set()

    def name_of(n: ast.AST) -> str | None:
        return n.id if isinstance(n, ast.Name) else None

    def numeric_value(n: ast.AST) -> bool:
        return is_int_const(n) or is_float_const(n) or is_arith(n) or numeric_call(n) is not None

    args = getattr(node, "args", None)
    if isinstance(args, ast.arguments):
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            ann = a.annotation
            if isinstance(ann, ast.Name) and ann.id in NUMERIC_ANNOTATIONS:
                wanted.add(a.arg)
    for n in nodes:
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and numeric_value(n.value):
            t = name_of(n.targets[0])
            if t:
                wanted.add(t)
        elif isinstance(n, ast.AnnAssign):
            t = name_of(n.target)
            ann = n.annotation
            if t and ((n.value is not None and numeric_value(n.value))
                      or (isinstance(ann, ast.Name) and ann.id in NUMERIC_ANNOTATIONS)):
                wanted.add(t)
        elif isinstance(n, ast.AugAssign) and type(n.op) in ARITH_OPS and not certainly_not_numeric(n.value):
            t = name_of(n.target)
            if t:
                wanted.add(t)
        elif isinstance(n, ast.For) and is_range_call(n.iter):
            t = name_of(n.target)
            if t:
                wanted.add(t)
        elif (isinstance(n, ast.For) and isinstance(n.iter, ast.Call) and isinstance(n.iter.func, ast.Name)
              and n.iter.func.id == "enumerate" and isinstance(n.target, ast.Tuple) and n.target.elts):
            t = name_of(n.target.elts[0])  # the index
            if t:
                wanted.add(t)
        elif isinstance(n, ast.BinOp) and is_arith(n):
            for side in (n.left, n.right):
                t = name_of(side)
                if t:
                    wanted.add(t)
        elif isinstance(n, ast.UnaryOp) and is_arith(n):
            t = name_of(n.operand)  # (`-j`: as likely a number as an operand of `a - j`)
            if t:
                wanted.add(t)
        elif isinstance(n, ast.Compare) and len(n.ops) == 1 and type(n.ops[0]) in ORDER_OPS:
            left, right = n.left, n.comparators[0]
            if numeric_ish(left, frozenset()) or numeric_ish(right, frozenset()):
                for side in (left, right):
                    t = name_of(side)
                    if t:
                        wanted.add(t)
    if direct:
        wanted.update(scope.params)
    wanted.update(views)
    nums = frozenset(name for name in wanted if scope.access(name) == FAST)
    if scope.uses_super and scope.params:
        nums = nums - {scope.params[0]}  # super() reads the first argument as an object
    if is_generator:
        return FunctionTypes(frozenset(), nums)
    return FunctionTypes(nums, nums)


def reads_frame(node: ast.AST) -> bool:
    """Calls a builtin that reads the calling frame's locals (they must stay plain)."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in FRAME_READERS
               for n in own_nodes(node))


def direct_functions(module: ast.Module, scopes: ScopeTree) -> dict[str, Scope]:
    """Module-level functions that get a direct C++ entry (`D_<name>`, Nums in, a Num
    out) beside their vectorcall one: plain `def`s defined once at module level, with
    positional parameters only, no closure, not generators. Callers still check at run
    time that the global name holds the function made from that very code."""
    defs: dict[str, list[ast.AST]] = {}
    for child in scopes.root.children:  # every def/class whose scope is the module's
        if child.kind in ("function", "class"):
            defs.setdefault(child.name, []).append(child.node)
    top = {id(stmt) for stmt in module.body}
    out: dict[str, Scope] = {}
    for name, nodes in sorted(defs.items()):
        node = nodes[0]
        if len(nodes) != 1 or not isinstance(node, ast.FunctionDef) or id(node) not in top:
            continue
        args = node.args
        if args.vararg or args.kwarg or args.kwonlyargs or len(args.posonlyargs) + len(args.args) > MAX_DIRECT_ARGS:
            continue
        if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own_nodes(node)):
            continue
        scope = scopes.of(node)
        if scope.frees or any(scope.access(p) != FAST for p in scope.params):
            continue
        if reads_frame(node):
            continue  # locals(), eval...: its locals stay plain
        out[name] = scope
    return out


def exposed_params(node: ast.AST, params: list[str]) -> tuple[bool, ...]:
    """For each parameter of a direct entry: may the function use it as an object (return
    it, store it, pass it on...), not only as an operand of arithmetic or an ordering? A
    caller passes such a parameter the object of its own Num local (boxed once, kept in the
    local), so `f(x) is x` holds when f returns its argument, as in the interpreter."""
    operands: set[int] = set()
    for n in own_nodes(node):
        if isinstance(n, ast.BinOp) and is_arith(n):
            operands.update((id(n.left), id(n.right)))
        elif isinstance(n, ast.UnaryOp) and is_arith(n):
            operands.add(id(n.operand))
        elif isinstance(n, ast.Compare) and len(n.ops) == 1 and type(n.ops[0]) in ORDER_OPS:
            operands.update((id(n.left), id(n.comparators[0])))
    loads = [n for n in own_nodes(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    return tuple(any(n.id == p and id(n) not in operands for n in loads) for p in params)


def numeric_params(node: ast.AST, params: list[str]) -> tuple[bool, ...]:
    """For each parameter: is it read as a number somewhere (an operand of arithmetic or
    an ordering, the argument of a numeric builtin or math function) and never rebound or
    deleted? Such a parameter of a method entry may be a view of the caller's Num
    (methodcalls.MethodEntry.views): it is only ever read, so the caller's value is the
    parameter's value for the whole call."""
    numeric: set[str] = set()
    stored: set[str] = set()
    for n in own_nodes(node):
        if isinstance(n, ast.BinOp) and is_arith(n):
            numeric.update(x.id for x in (n.left, n.right) if isinstance(x, ast.Name))
        elif isinstance(n, ast.UnaryOp) and is_arith(n) and isinstance(n.operand, ast.Name):
            numeric.add(n.operand.id)
        elif isinstance(n, ast.Compare) and len(n.ops) == 1 and type(n.ops[0]) in ORDER_OPS:
            numeric.update(x.id for x in (n.left, n.comparators[0]) if isinstance(x, ast.Name))
        elif isinstance(n, ast.Call) and numeric_call(n) is not None:
            numeric.update(x.id for x in n.args if isinstance(x, ast.Name))
        stored.update(names_bound_by(n))
    return tuple(p in numeric and p not in stored for p in params)


def names_bound_by(n: ast.AST) -> list[str]:
    """The names a node binds or deletes in its function's scope (a Name store or delete,
    `except ... as x`, an import, a nested def or class, a match capture)."""
    if isinstance(n, ast.Name):
        return [] if isinstance(n.ctx, ast.Load) else [n.id]
    if isinstance(n, (ast.ExceptHandler, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [n.name] if n.name else []
    if isinstance(n, ast.alias):
        return [n.asname or n.name.split(".")[0]]
    found = [getattr(n, "name", None), getattr(n, "rest", None)] if type(n).__name__.startswith("Match") else []
    return [x for x in found if isinstance(x, str)]


def is_native_leaf(node: ast.AST, nums: frozenset[str]) -> bool:
    """A function whose body is only arithmetic, comparisons, assignments and returns on
    its Num locals and numeric constants: called with native ints and floats (checked at
    run time) it can run no Python code - exact int and float arithmetic only, whose errors
    end the call - so nothing can look at its frame before an error (runtime/leaf.hpp: the
    frameless copy runs first)."""
    def value(n: ast.AST) -> bool:
        if isinstance(n, ast.Name):
            return n.id in nums
        if is_int_const(n) or is_float_const(n):
            return True
        if isinstance(n, ast.BinOp) and is_arith(n):
            return value(n.left) and value(n.right)
        if isinstance(n, ast.UnaryOp) and is_arith(n):
            return value(n.operand)
        if isinstance(n, ast.IfExp):
            return test(n.test) and value(n.body) and value(n.orelse)
        return False

    def test(n: ast.AST) -> bool:
        return (isinstance(n, ast.Compare) and len(n.ops) == 1 and type(n.ops[0]) in ORDER_OPS
                and value(n.left) and value(n.comparators[0]))

    def stmt(n: ast.stmt) -> bool:
        if isinstance(n, ast.Assign):
            return (len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) and n.targets[0].id in nums
                    and value(n.value))
        if isinstance(n, ast.AnnAssign):  # (a local's annotation is never evaluated)
            return (isinstance(n.target, ast.Name) and n.target.id in nums and n.value is not None
                    and value(n.value))
        if isinstance(n, ast.AugAssign):
            return (isinstance(n.target, ast.Name) and n.target.id in nums and type(n.op) in ARITH_OPS
                    and value(n.value))
        if isinstance(n, ast.Return):
            return n.value is None or value(n.value)
        if isinstance(n, ast.If):
            return test(n.test) and all(map(stmt, n.body)) and all(map(stmt, n.orelse))
        if isinstance(n, ast.Pass):
            return True
        return False

    body = without_docstring(list(getattr(node, "body", [])))
    return isinstance(node, ast.FunctionDef) and not node.decorator_list and all(map(stmt, body))


def is_range_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"
            and not node.keywords and 1 <= len(node.args) <= 3
            and not any(isinstance(a, ast.Starred) for a in node.args))


def numeric_ish(node: ast.AST, nums: frozenset[str]) -> bool:
    """Likely an int or a float: a Num local, a number, arithmetic, a numeric builtin."""
    if isinstance(node, ast.Name):
        return node.id in nums
    return is_int_const(node) or is_float_const(node) or is_arith(node) or numeric_call(node) is not None
