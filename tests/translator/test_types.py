"""Stage 4 (types.py): which locals the specialised tier holds as Nums, which functions get
a direct entry; and that the emitted C++ uses them (the behaviour itself is checked by
tests/compile_compare/cases/specialised_numbers.py)."""

from __future__ import annotations

import ast

from ziggurat.translator import translate_module
from ziggurat.translator.scopes import ScopeTree, analyse_scopes
from ziggurat.translator.types import direct_functions, exposed_params, infer_function, is_native_leaf

SOURCE = '''
import math

def kernel(xs, n: int, scale: float):
    total = 0
    for i in range(n):
        total += xs[i] * scale
    name = "total"
    return math.sqrt(total), name

def frame_reader(a):
    b = a + 1
    return locals()

def gen(n):
    for i in range(n):
        yield i * 2

def closure(a):
    c = a + 1
    return lambda: c

def varargs(*a):
    return a[0] + 1

def twice():
    return 1

if True:
    def twice():
        return 2

class K:
    def method(self, x):
        return x + 1
'''


def _analysed() -> tuple[ast.Module, ScopeTree]:
    tree = ast.parse(SOURCE)
    return tree, analyse_scopes(tree)


def _function(tree: ast.Module, name: str) -> ast.FunctionDef:
    return next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)


def test_num_locals_come_from_arithmetic_loops_and_annotations() -> None:
    tree, scopes = _analysed()
    node = _function(tree, "kernel")
    types = infer_function(node, scopes.of(node), False)
    assert types.num_locals == {"total", "i", "n", "scale"}


def test_frame_readers_closures_and_generators_keep_plain_locals() -> None:
    tree, scopes = _analysed()
    reader = _function(tree, "frame_reader")
    assert infer_function(reader, scopes.of(reader), False).num_locals == set()
    clo = _function(tree, "closure")
    assert "c" not in infer_function(clo, scopes.of(clo), False).num_locals
    g = _function(tree, "gen")
    types = infer_function(g, scopes.of(g), True)
    assert types.num_locals == set() and "i" in types.likely_numbers


def test_direct_functions_are_plain_module_level_defs_defined_once() -> None:
    tree, scopes = _analysed()
    # not: frame_reader (locals()), gen (a generator), varargs, twice (defined twice), K
    assert sorted(direct_functions(tree, scopes)) == ["closure", "kernel"]


def test_emitted_code_uses_native_paths_with_their_guards() -> None:
    cpp = translate_module(SOURCE, filename="m.py", module_name="m").cpp
    assert "zrt::Num l_total;" in cpp and "zrt::range_start(" in cpp
    assert "static zrt::Num D_kernel(zrt::TState L_ts, zrt::Num l_xs, zrt::Num l_n, zrt::Num l_scale)" in cpp
    assert "zrt::num_math1(" in cpp and '"sqrt"' in cpp
    # a function the body of which fell back or does not exist gets a guard that says no
    assert "DG_twice" not in cpp and "D_varargs" not in cpp and "D_gen(" not in cpp


LEAVES = '''
G = 2

def leaf(a, b):
    "doc"
    c = a * b if a < b else a - b
    if c > 2:
        c += 1
    return -c / 2.0

def calls(a):
    return leaf(a, 1)

def global_read(a):
    return a + G

def loops(n):
    t = 0
    for i in range(n):
        t += i
    return t

def exposes(a, b, c):
    if a < b:
        return c
    return leaf(a, a) * 2

def caller(x):
    y = x + 1
    return exposes(y, y, 3) + leaf(y, y)
'''


def test_leaves_are_arithmetic_on_their_own_numbers_only() -> None:
    tree = ast.parse(LEAVES)
    scopes = analyse_scopes(tree)
    for name, expected in [("leaf", True), ("calls", False), ("global_read", False), ("loops", False), ("exposes", False)]:
        node = _function(tree, name)
        nums = infer_function(node, scopes.of(node), False, direct=True).num_locals
        assert is_native_leaf(node, nums) is expected, name


def test_parameters_used_as_objects_are_exposed() -> None:
    tree = ast.parse(LEAVES)
    # c is returned as it is; a is passed on (a direct callee may return it); b only compared
    assert exposed_params(_function(tree, "exposes"), ["a", "b", "c"]) == (True, False, True)
    assert exposed_params(_function(tree, "leaf"), ["a", "b"]) == (False, False)


def test_leaf_copy_runs_native_paths_only() -> None:
    cpp = translate_module(LEAVES, filename="m.py", module_name="m").cpp
    copy = cpp[cpp.index("static zrt::Num DL_leaf("):]
    copy = copy[:copy.index("\n}\n")]
    assert "zrt::leaf_binop(" in copy and "zrt::leaf_compare_truth(" in copy and "zrt::leaf_neg(" in copy
    assert "zrt::num_binop(" not in copy and "FrameGuard" not in copy and "zrt::leaf_bail();" in copy
    assert "if (zrt::leaf_ok(L_ts) && l_a.k <= zrt::NUM_FLOAT && l_b.k <= zrt::NUM_FLOAT) {" in cpp
    assert "DL_calls" not in cpp and "DL_loops" not in cpp and "DL_global_read" not in cpp
    # the caller boxes a Num local for the direct call only for a parameter the callee may
    # hand back (a of exposes, not b, nor leaf's); the generic path (the name rebound), always
    body = cpp[cpp.index("static zrt::Num D_caller(zrt::TState L_ts"):]
    to_leaf = body[body.index("zrt::num_vectorcall("):body.index("if (DG_leaf(")]
    boxing = "if (!zrt::num_local_obj(l_y)) goto L_error;"
    assert body[:body.index("if (DG_exposes(")].count(boxing) == 1 and to_leaf.count(boxing) == 0
    leaf_call = body[body.index("if (DG_leaf("):]
    assert leaf_call[:leaf_call.index("zrt::num_vectorcall(")].count(boxing) == 2
