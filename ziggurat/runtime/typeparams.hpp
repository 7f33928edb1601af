// PEP 695 type parameters (3.12+): `def f[T: int]`, `class C[*Ts, **P]`, `type X[T] = ...`.
//
// The objects are made by the interpreter's own intrinsics (Python/intrinsics.c: TypeVar,
// ParamSpec, TypeVarTuple, Generic[...], TypeAliasType, 3.13's defaults), the very functions
// CPython's bytecode calls, so TypeVar.__bound__, __constraints__, __default__ and
// TypeAliasType.__value__ stay lazy: each is a compiled function of no arguments the object
// calls on first access (errors surface there, not at the definition).
//
// How they are reached: through a two-instruction code object (LOAD_FAST..., CALL_INTRINSIC_n
// k, RETURN_VALUE) built once per process from `opcode.opmap` with the public
// `CodeType.replace`. Why not the C symbols: 3.12 exports neither `_Py_make_typevar` nor
// `_PyIntrinsics_UnaryFunctions` (3.13 exports the tables, but Windows import libraries and
// abi3 modules cannot count on them), so one route serves 3.12, 3.13 and abi3 alike. The
// trampoline's frame is real but its globals are a private namespace: no intrinsic reads
// its caller's module (CPython's own TypeVars say `typing` for __module__ as well).
//
// Must not: evaluate a bound, constraint, default or alias value eagerly.
#pragma once
#include "function.hpp"
#include "ops.hpp"
#include "classes.hpp"

namespace zrt {

// Python/pycore_intrinsics.h, identical in 3.12 and 3.13 (3.13 adds the last one)
enum {
    INTRINSIC_TYPEVAR = 7,
    INTRINSIC_PARAMSPEC = 8,
    INTRINSIC_TYPEVARTUPLE = 9,
    INTRINSIC_SUBSCRIPT_GENERIC = 10,
    INTRINSIC_TYPEALIAS = 11,
};
enum {
    INTRINSIC_TYPEVAR_WITH_BOUND = 2,
    INTRINSIC_TYPEVAR_WITH_CONSTRAINTS = 3,
    INTRINSIC_SET_TYPEPARAM_DEFAULT = 5,
};

static const char typeparams_helper_src[] =
    "import opcode, types\n"
    "def _t1(a): return a\n"
    "def _t2(a, b): return a\n"
    "def intrinsic(n, k):\n"
    "    m = opcode.opmap\n"
    "    code = [m['RESUME'], 0, m['LOAD_FAST'], 0]\n"
    "    if n == 2:\n"
    "        code += [m['LOAD_FAST'], 1]\n"
    "    code += [m['CALL_INTRINSIC_%d' % n], k, m['RETURN_VALUE'], 0]\n"
    "    t = (_t1 if n == 1 else _t2).__code__\n"
    "    return types.FunctionType(t.replace(co_code=bytes(code), co_stacksize=2, co_linetable=b'',\n"
    "                                        co_exceptiontable=b''), globals())\n"
    "def exact(impl):\n"
    "    def value():\n"
    "        return impl()\n"
    "    value.__module__ = impl.__module__\n"
    "    value.__name__ = impl.__name__\n"
    "    value.__qualname__ = impl.__qualname__\n"
    "    return value\n";

// A helper of the namespace above (borrowed), built on first use.
ZRT_INLINE PyObject* typeparams_helper(const char* name) {
    static PyObject* ns = nullptr;
    if (!ns) {
        if (!ZRT_RUNNING_PY(3, 12)) {
            PyErr_SetString(PyExc_SystemError, "ziggurat: type parameters (PEP 695) need Python 3.12 or later");
            return nullptr;
        }
        Ref fresh(PyDict_New());
        Ref builtins(PyImport_ImportModule("builtins"));
        if (!fresh.p || !builtins.p || PyDict_SetItemString(fresh.p, "__builtins__", builtins.p) < 0) return nullptr;
        Ref code(Py_CompileString(typeparams_helper_src, "<ziggurat type parameters>", Py_file_input));
        if (!code.p) return nullptr;
        Ref r(PyEval_EvalCode(code.p, fresh.p, fresh.p));
        if (!r.p) return nullptr;
        ns = fresh.release();
    }
    PyObject* f = PyDict_GetItemString(ns, name);
    if (!f) PyErr_Format(PyExc_SystemError, "ziggurat: no type parameter helper %s", name);
    return f;
}

// CALL_INTRINSIC_<n> k with one or two arguments (borrowed); a new reference.
ZRT_INLINE PyObject* intrinsic(int n, int k, PyObject* a, PyObject* b = nullptr) {
    static PyObject* cache[2][16];
    PyObject*& f = cache[n - 1][k];
    if (!f) {
        PyObject* make = typeparams_helper("intrinsic");
        if (!make) return nullptr;
        Ref nk[2] = {Ref(PyLong_FromLong(n)), Ref(PyLong_FromLong(k))};
        if (!nk[0].p || !nk[1].p) return nullptr;
        f = PyObject_CallFunctionObjArgs(make, nk[0].p, nk[1].p, nullptr);
        if (!f) return nullptr;
    }
    return PyObject_CallFunctionObjArgs(f, a, b, nullptr);
}

// A TypeAliasType's value function must be an exact `function`: its __module__ is read
// with PyFunction_GetModule. The version-specific build's compiled functions have that
// layout (they are made as one, then given the subtype): give the type back; 3.12+ calls
// them through their vectorcall slot. abi3's own function type has another layout, so
// there a one-line Python function calls the compiled one.
ZRT_INLINE PyObject* alias_value_function(PyObject* f) {
#if ZRT_LIMITED
    PyObject* exact = typeparams_helper("exact");
    return exact ? PyObject_CallFunctionObjArgs(exact, f, nullptr) : nullptr;
#else
    Py_SET_TYPE(f, &PyFunction_Type);  // both static types: no reference to move
    return newref(f);
#endif
}

// The `__classdict__` cell of a class body whose lazily evaluated scopes read its names.
// The body hands it to type.__new__ as `__classdictcell__` (as CPython's does), which points
// it at the new class's own dict: a bound evaluated later sees later class attributes.
// type.__new__ takes only the interpreter's own cell: under abi3 a real one (whose layout
// is that of ziggurat's cell, so the compiled closures read it alike).
ZRT_INLINE PyObject* classdict_cell(PyObject* ns) {
#if ZRT_LIMITED
    PyObject* c = real_classcell();
    if (c) PyCell_GET(c) = newref(ns);
    return c;
#else
    return PyCell_New(ns);
#endif
}

// A TypeVarTuple's default `*Ts`, and a `*args: *Ts` annotation (PEP 646, 3.11+), is the
// one item the value unpacks to (CPython's UNPACK_SEQUENCE 1).
ZRT_INLINE PyObject* unpack_single(PyObject* v) {
    PyObject* out[1] = {nullptr};
    if (unpack(v, 1, out) < 0) {
        Py_XDECREF(out[0]);  // set when there were too many
        return nullptr;
    }
    return out[0];
}

}  // namespace zrt
